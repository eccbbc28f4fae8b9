"""The Theory lab in Chromium: it renders every chart, and the E-step / M-step buttons step EM."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytestmark = pytest.mark.e2e

URL_PATH = "theory"
#: Charts on the page: two ELBO charts, toy gradients, encoder gradients, log p(x),
#: coordinate ascent, plus the two digit images.
N_CHARTS = 8
#: First-visit computations run on a shared, busy machine: allow them time.
COLD_TIMEOUT_MS = 120_000


def gap(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="KL gap")
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def heading(page) -> str:
    return page.get_by_text("Iteration ", exact=False).filter(has_text="after the").inner_text()


def click_and_wait(page, wait_for_run: Callable, button: str, expected: str) -> None:
    """Press a step button and wait until the step heading shows ``expected``."""
    page.get_by_role("button", name=button).click()
    page.get_by_text(expected, exact=True).wait_for()
    wait_for_run(page)


def test_theory_lab_renders_and_steps(
    page, open_app: Callable, alerts: Callable, wait_for_run: Callable, shoot: Callable
) -> None:
    page.set_default_timeout(COLD_TIMEOUT_MS)
    open_app(page, URL_PATH)
    assert alerts(page) == []
    page.locator(".js-plotly-plot").nth(N_CHARTS - 1).wait_for()
    assert page.locator(".js-plotly-plot").count() == N_CHARTS
    assert heading(page) == "Iteration 1, after the E-step"
    assert gap(page) == "0.000"
    shoot(page, "theory")

    click_and_wait(page, wait_for_run, "M-step", "Iteration 1, after the M-step")
    assert alerts(page) == []
    assert heading(page) == "Iteration 1, after the M-step"
    assert float(gap(page)) > 0
    assert page.get_by_role("button", name="M-step").is_disabled()

    click_and_wait(page, wait_for_run, "E-step", "Iteration 2, after the E-step")
    assert alerts(page) == []
    assert heading(page) == "Iteration 2, after the E-step"
    assert gap(page) == "0.000"

    page.set_viewport_size({"width": 1920, "height": 1080})
    shoot(page, "theory")
    click_and_wait(page, wait_for_run, "M-step", "Iteration 2, after the M-step")
    page.locator('[data-testid="stPlotlyChart"]').last.scroll_into_view_if_needed()
    shoot(page, "theory-after-m")
