"""The "Poisson mixture" and "Bernoulli mixture" pages in a real browser, and their animations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1920, "height": 1080}


def chart_title(page, index: int = 0) -> str:
    """The title text of the ``index``-th Plotly chart on the page."""
    return page.locator('[data-testid="stPlotlyChart"] .gtitle').nth(index).text_content() or ""


@pytest.mark.parametrize("slug", ["poisson", "bernoulli"])
def test_family_page_renders_without_errors(
    page, open_app: Callable, alerts: Callable, shoot: Callable, slug: str
) -> None:
    page.set_viewport_size(PROJECTOR)
    open_app(page, slug)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
    assert alerts(page) == []
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 3
    assert page.locator(".updatemenu-button").filter(has_text="Play").count() == 1
    shoot(page, f"family-{slug}")


def test_pressing_play_steps_through_the_em_records(
    page, open_app: Callable, alerts: Callable, shoot: Callable
) -> None:
    page.set_viewport_size(PROJECTOR)
    open_app(page, "poisson")
    page.locator('[data-testid="stPlotlyChart"] .gtitle').first.wait_for()
    assert chart_title(page).startswith("Iteration 1, E-step")
    page.locator(".updatemenu-button").filter(has_text="Play").first.click()
    page.wait_for_function(
        """() => {
            const t = document.querySelector('[data-testid="stPlotlyChart"] .gtitle');
            return t && t.textContent.startsWith('Iteration 2, M-step');
        }""",
        timeout=20_000,
    )
    assert alerts(page) == []
    shoot(page, "family-poisson-playing")


def test_a_link_opens_the_same_settings(
    page, open_app: Callable, alerts: Callable, shoot: Callable
) -> None:
    """A copied Bernoulli link (K, alpha) opens that fit in a new browser session."""
    page.set_viewport_size(PROJECTOR)
    open_app(page, "bernoulli", query="k=4&alpha=0.5")
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
    assert alerts(page) == []
    assert page.get_by_text("α = 0.5", exact=False).count() >= 1
    # Four prototypes: four component titles with a weight.
    assert page.locator('[data-testid="stPlotlyChart"]').first.get_by_text("π =").count() == 4
    assert "k=4" in page.url and "alpha=0.5" in page.url
    shoot(page, "family-bernoulli-link")
