"""The "EM step by step" page in Chromium: it renders, and its animation plays and scrubs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytestmark = pytest.mark.e2e

URL_PATH = "em_steps"
#: The animation is the first Plotly chart on the page.
ANIMATION = '[data-testid="stPlotlyChart"] >> nth=0'


def frame_title(page) -> str:
    return page.locator(ANIMATION).locator(".gtitle").first.text_content().strip()


def test_em_page_plays_and_scrubs(
    page, open_app: Callable, alerts: Callable, shoot: Callable
) -> None:
    open_app(page, URL_PATH)
    assert alerts(page) == []
    chart = page.locator(ANIMATION)
    chart.locator(".gtitle").first.wait_for()
    chart.scroll_into_view_if_needed()
    assert frame_title(page) == "Iteration 1, E-step"
    assert chart.locator(".xtitle").first.text_content() == "malic acid"
    assert chart.locator(".ytitle").first.text_content() == "total phenols"
    shoot(page, "em_steps")

    # Play: the title moves on to later steps.
    chart.locator(".updatemenu-button").filter(has_text="Play").click()
    page.wait_for_function(
        """() => {
            const t = document.querySelector('[data-testid="stPlotlyChart"] .gtitle');
            return t && t.textContent.trim() !== 'Iteration 1, E-step';
        }""",
        timeout=10_000,
    )
    assert frame_title(page) != "Iteration 1, E-step"
    chart.locator(".updatemenu-button").filter(has_text="Pause").click()

    # Scrub: click near the right end of the slider's rail; the last steps show.
    touch = chart.locator(".slider-rail-touch-rect").first
    touch.scroll_into_view_if_needed()
    rail = touch.bounding_box()
    assert rail is not None
    before = frame_title(page)  # Play was paused early, on one of the first frames
    page.mouse.click(rail["x"] + rail["width"] * 0.99, rail["y"] + rail["height"] / 2)
    page.wait_for_function(
        """(before) => {
            const t = document.querySelector('[data-testid="stPlotlyChart"] .gtitle');
            const now = t && t.textContent.trim();
            return now && now !== before && now.endsWith('M-step');
        }""",
        arg=before,
        timeout=10_000,
    )
    last = frame_title(page)
    assert last.startswith("Iteration ") and last.endswith("M-step")
    assert last != "Iteration 1, M-step"
    assert alerts(page) == []

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(500)
    shoot(page, "em_steps")


def test_em_page_collapse_shows_message_not_traceback(
    page, open_app: Callable, alerts: Callable, wait_for_run: Callable
) -> None:
    open_app(page, URL_PATH, "dataset=iris&features=petal%20length,petal%20width&k=10")
    # As in scikit-learn the fit goes on (issue 9): the page warns, names the component and
    # offers checked fixes, and draws the fit meanwhile.
    warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="collapsed")
    assert warning.count() == 1
    assert alerts(page) == []
    assert not page.locator('[data-testid="stException"]').count()
    # One of the offered fixes makes the warning go away.
    page.get_by_role("button", name="Use").first.click()
    wait_for_run(page)
    assert alerts(page) == []
    assert warning.count() == 0
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 4


def test_em_page_link_opens_the_same_view_in_a_new_session(
    page, browser, app_url: str, open_app: Callable, alerts: Callable, wait_for_run: Callable
) -> None:
    open_app(page, URL_PATH, "k=3&cov=diag&fx=flavanoids&fy=proline&step=4")
    chart = page.locator(ANIMATION)
    chart.locator(".xtitle").first.wait_for()
    assert chart.locator(".xtitle").first.text_content() == "flavanoids"
    assert alerts(page) == []
    link = page.url
    for part in ("k=3", "cov=diag", "fx=flavanoids", "fy=proline", "step=4", "dataset=wine"):
        assert part in link, link
    # The copied link, in a new browser session, shows the same view.
    context = browser.new_context(base_url=app_url)
    other = context.new_page()
    try:
        other.goto(link)
        wait_for_run(other)
        again = other.locator(ANIMATION)
        again.locator(".xtitle").first.wait_for()
        assert again.locator(".xtitle").first.text_content() == "flavanoids"
        assert again.locator(".ytitle").first.text_content() == "proline"
        assert other.get_by_text("Iteration 3, E-step").count() >= 1  # step 4's label
        assert alerts(other) == []
    finally:
        context.close()
