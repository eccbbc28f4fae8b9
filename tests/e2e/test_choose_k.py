"""Choose K in a real browser: defaults, the wine example, the BIC sign switch."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytestmark = pytest.mark.e2e


def test_choose_k_opens_and_switches_without_errors(
    page, open_app: Callable, alerts: Callable, wait_for_run: Callable, shoot: Callable
) -> None:
    open_app(page, "choose_k")
    assert alerts(page) == []
    assert page.locator(".js-plotly-plot").count() == 2
    shoot(page, "choose_k-defaults")

    # The classic wine example is a link: the data choice is the picker's (or the link's),
    # never the page's.
    open_app(page, "choose_k", "dataset=wine&features=malic%20acid%2Ctotal%20phenols")
    assert alerts(page) == []
    suggestion = page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    assert "Suggested: K =" in suggestion
    shoot(page, "choose_k-wine")
    page.set_viewport_size({"width": 1920, "height": 1080})
    shoot(page, "choose_k-wine")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_text("mclust: 2 log L", exact=False).click()
    wait_for_run(page)
    assert alerts(page) == []
    flipped = page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    assert "BIC is highest" in flipped
    assert flipped.split(".")[0] == suggestion.split(".")[0]  # the same K
    assert page.locator(".js-plotly-plot").count() == 2
    # The page's settings are in the link, beside the data choice.
    assert "sign=mclust" in page.url and "features=" in page.url
