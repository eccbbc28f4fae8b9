"""The "Discrete vs continuous" page in Chromium: it renders its three charts without errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytestmark = pytest.mark.e2e

URL_PATH = "latents"
#: The likelihood chart and the two sample grids.
N_CHARTS = 3
#: The first visit fits seven mixtures and scores four VAEs on a shared, busy machine.
COLD_TIMEOUT_MS = 120_000


def test_latents_page_renders(
    page, open_app: Callable, alerts: Callable, wait_for_run: Callable, shoot: Callable
) -> None:
    page.set_default_timeout(COLD_TIMEOUT_MS)
    open_app(page, URL_PATH)
    assert alerts(page) == []
    page.locator(".js-plotly-plot").nth(N_CHARTS - 1).wait_for()
    assert page.locator(".js-plotly-plot").count() == N_CHARTS
    assert page.get_by_text("Reading it:", exact=False).count() == 1
    page.get_by_text("mixture: exact").first.wait_for()  # legend entry, drawn by plotly.js
    shoot(page, "latents")

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.get_by_text("Show each mixture draw's prototype", exact=False).click()
    wait_for_run(page)
    assert alerts(page) == []
    assert page.get_by_text("the prototype picked", exact=False).count() >= 1
    shoot(page, "latents")
