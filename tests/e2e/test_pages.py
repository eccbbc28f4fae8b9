"""Every registered page in a real browser, and a real upload through the home page."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import VIEWPORT
from ui.pages_registry import PAGES

pytestmark = pytest.mark.e2e

HOME = next(spec for spec in PAGES if spec.default)
GOOD_CSV = (
    b"height,weight,age\n1.62,55.1,31\n1.75,72.4,45\n1.81,80.0,28\n1.58,49.9,52\n1.70,66.3,39\n"
)
BROKEN_CSV = b"name,city\nann,paris\nbob,rome\n"


def metric(page, label: str) -> str:
    """The value shown by the st.metric with this label."""
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def upload_file(page, path: Path, wait_for_run: Callable) -> None:
    """Choose "Upload a file" in the sidebar picker and send a file through the real input."""
    page.get_by_text("Upload a file", exact=True).click()
    wait_for_run(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text(path.name).first.wait_for()
    wait_for_run(page)


def choose_option(page, selectbox: str, label: str, attempts: int = 4) -> None:
    """Open a selectbox and pick an option. A rerun that lands just after the click closes the
    dropdown again, so open it until the option shows."""
    option = page.get_by_role("option", name=label)
    for _ in range(attempts):
        page.locator(selectbox).click()
        try:
            option.wait_for(state="visible", timeout=5000)
        except PlaywrightTimeoutError:
            continue
        option.click()
        return
    raise AssertionError(f"option {label!r} never showed in {selectbox}")


@pytest.mark.parametrize("spec", PAGES, ids=[spec.slug for spec in PAGES])
def test_page_renders_without_errors(
    page, open_app: Callable, alerts: Callable, shoot: Callable, spec
) -> None:
    open_app(page, spec.url_path)
    assert page.locator('[data-testid="stMainBlockContainer"]').inner_text().strip()
    assert alerts(page) == []
    assert page.title().startswith(spec.title) or "EM & VAE Explorer" in page.title()
    shoot(page, spec.slug)
    # The projector size: a wall screen at full HD.
    page.set_viewport_size({"width": 1920, "height": 1080})
    shoot(page, spec.slug)


def test_home_link_reproduces_a_choice(page, open_app: Callable, alerts: Callable) -> None:
    open_app(page, HOME.url_path, "dataset=iris&features=petal%20length,petal%20width&k=3")
    assert alerts(page) == []
    assert metric(page, "Rows") == "150"
    assert metric(page, "Features used") == "2 of 4"


def test_upload_a_csv_shows_its_preview(
    page,
    open_app: Callable,
    alerts: Callable,
    wait_for_run: Callable,
    shoot: Callable,
    tmp_path: Path,
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(GOOD_CSV)
    open_app(page, HOME.url_path)
    upload_file(page, path, wait_for_run)
    # The uploader shows the file name before the upload's rerun has begun: wait for its result.
    page.get_by_text("people.csv passed the check").wait_for()
    wait_for_run(page)
    assert alerts(page) == []
    assert metric(page, "Rows") == "5"
    assert metric(page, "Features used") == "3 of 3"
    assert page.get_by_text("people.csv passed the check").is_visible()
    shoot(page, "home-upload")


def test_broken_upload_shows_the_message_and_the_page_keeps_working(
    page, open_app: Callable, alerts: Callable, wait_for_run: Callable, tmp_path: Path
) -> None:
    path = tmp_path / "names.csv"
    path.write_bytes(BROKEN_CSV)
    open_app(page, HOME.url_path)
    upload_file(page, path, wait_for_run)
    # The uploader shows the file name before the upload's rerun has begun: wait for its result.
    page.get_by_text("No column of numbers").first.wait_for()
    wait_for_run(page)
    shown = alerts(page)
    assert len(shown) == 1
    assert "names.csv" in shown[0] and "No column of numbers" in shown[0]
    assert not page.locator('[data-testid="stException"]').count()
    assert metric(page, "Rows") == "178"  # still the built-in wine data
    # And the page still responds: back to the built-in data, pick another dataset.
    page.get_by_text("Built-in dataset", exact=True).click()
    wait_for_run(page)
    choose_option(
        page, '[data-testid="stSidebar"] [data-testid="stSelectbox"]', "Iris flowers (4 sizes)"
    )
    rows = page.locator('[data-testid="stMetric"]').filter(has_text="Rows")
    rows.locator('[data-testid="stMetricValue"]').filter(has_text="150").wait_for()
    wait_for_run(page)
    assert alerts(page) == []
    assert metric(page, "Rows") == "150"


def test_a_link_after_an_upload_opens_the_same_data_in_a_new_session(
    page,
    browser,
    app_url: str,
    open_app: Callable,
    alerts: Callable,
    wait_for_run: Callable,
    tmp_path: Path,
) -> None:
    # Two groups of 30 people: enough rows for the EM page to fit two components.
    rng = np.random.default_rng(0)
    rows = np.vstack([rng.normal((1.6, 55, 30), (0.05, 4, 5), (30, 3)),
                      rng.normal((1.8, 80, 50), (0.05, 4, 5), (30, 3))])  # fmt: skip
    path = tmp_path / "people.csv"
    path.write_text(
        "height,weight,age\n" + "\n".join(",".join(f"{v:.3f}" for v in r) for r in rows)
    )
    open_app(page, HOME.url_path)
    upload_file(page, path, wait_for_run)
    page.get_by_text("people.csv passed the check").wait_for()
    wait_for_run(page)
    query = page.url.split("?", 1)[1]
    assert "dataset=upload-" in query
    # The link, on Home and on another page, in a new browser context: a new session that
    # never saw the upload.
    for url in (f"{app_url}/?{query}", f"{app_url}/em_steps?{query}"):
        context = browser.new_context(viewport=VIEWPORT, base_url=app_url)
        other = context.new_page()
        try:
            other.goto(url)
            wait_for_run(other)
            sidebar = other.locator('[data-testid="stSidebar"]')
            sidebar.get_by_text("Using people.csv").wait_for()
            assert alerts(other) == []
            if "/?" in url:
                assert metric(other, "Rows") == "60"
                assert metric(other, "Features used") == "3 of 3"
        finally:
            context.close()


def test_an_expired_upload_link_says_so(page, open_app: Callable, alerts: Callable) -> None:
    open_app(page, HOME.url_path, "dataset=upload-" + "0" * 64)
    assert alerts(page) == []
    assert page.get_by_text("no longer holds").first.is_visible()
    assert metric(page, "Rows") == "178"  # the built-in data meanwhile


#: A link to each page with settings away from their defaults.
LINKS = {
    "home": "dataset=iris&features=petal%20length,petal%20width",
    "em_steps": "dataset=iris&k=3&cov=diag&seed=2",
    "choose_k": "dataset=iris&kmax=6&sign=mclust",
    "classify": "dataset=wine&features=malic%20acid,total%20phenols&k=3",
    "poisson": "k=2&seed=1",
    "bernoulli": "k=4&alpha=0.5",
    "latents": "k=10&d=4",
    "theory": "step=3",
    "vae": "grid=11",
}


#: What a view says in words and numbers: headings, prose, metrics, alerts and widget labels
#: (charts draw their ticks asynchronously, so their text is left out).
VIEW_TEXT = ", ".join(
    f'[data-testid="stMainBlockContainer"] [data-testid="{name}"]'
    for name in ("stHeading", "stMarkdownContainer", "stMetric", "stAlert", "stWidgetLabel")
)


def view_text(page) -> list[str]:
    return [element.inner_text() for element in page.locator(VIEW_TEXT).all()]


@pytest.mark.parametrize("spec", PAGES, ids=[spec.slug for spec in PAGES])
def test_a_copied_link_opens_the_same_view_in_a_new_session(
    page, browser, app_url: str, open_app: Callable, alerts: Callable, wait_for_run: Callable, spec
) -> None:
    open_app(page, spec.url_path, LINKS[spec.slug])
    assert alerts(page) == []
    copied = page.url  # what the address bar holds after the page has written its settings
    context = browser.new_context(viewport=VIEWPORT, base_url=app_url)
    other = context.new_page()
    try:
        other.goto(copied)
        wait_for_run(other)
        assert alerts(other) == []
        assert other.url == copied
        # Both views are complete once their text stops changing; then they must agree.
        for _ in range(20):
            a, b = view_text(other), view_text(page)
            if a == b:
                break
            other.wait_for_timeout(1000)
        assert a == b, ([x for x in b if x not in a][:5], [x for x in a if x not in b][:5])
    finally:
        context.close()


def test_a_hostile_link_makes_the_browser_fetch_nothing_from_elsewhere(
    page, app_url: str, open_app: Callable, alerts: Callable
) -> None:
    # Markdown images and links in every parameter, pointing at another loopback address: were
    # any rendered as Markdown, the browser would ask 127.0.0.2 for the image.
    image, phish = "![x](http://127.0.0.2:9/b.png)", "[Session expired](http://127.0.0.2:9/)"
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    query = urllib.parse.urlencode({"dataset": phish, "features": image, "k": phish})
    open_app(page, HOME.url_path, query)
    assert alerts(page) == []
    elsewhere = [url for url in asked if not url.startswith((app_url, "data:", "blob:"))]
    assert elsewhere == []
    assert page.locator('a[href*="127.0.0.2"], img[src*="127.0.0.2"]').count() == 0
