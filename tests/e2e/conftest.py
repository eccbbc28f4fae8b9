"""Browser tests: a real ``streamlit run`` server driven by the system Chromium.

Fixtures
--------
app_url : str
    Base URL of a server started once per test session from the repository root.
browser : playwright Browser
    Debian's ``/usr/bin/chromium``. Missing: the tests skip, or fail when ``CI`` is set.
page : playwright Page
    A fresh browser context (so a fresh Streamlit session) per test, 1280x800.
open_app : callable
    ``open_app(page, url_path="", query="")`` loads a page and waits until the script has run.
wait_for_run : callable
    ``wait_for_run(page)`` waits until the rerun after a click or an upload has finished.
alerts : callable
    ``alerts(page)`` returns the texts of exception boxes and ``st.error`` alerts on the page.
shoot : callable
    ``shoot(page, name)`` saves a full-page PNG to ``tests/e2e/screenshots/`` when the
    ``E2E_SCREENSHOTS`` environment variable is set, and does nothing otherwise.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
SERVER_START_TIMEOUT = 60.0
#: Longest a single script run may take before a test gives up, in milliseconds.
RUN_TIMEOUT_MS = 30_000
SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"
#: Exception boxes and ``st.error`` alerts (data-testid names of Streamlit 1.67's DOM).
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen) -> None:
    """Terminate the server, then kill it if it does not stop within 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Path of the system Chromium; skip without it, except under CI where that is a failure."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: the browser tests need Debian's chromium package"
        if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
            pytest.fail(f"{reason} (CI is set, so this is an error, not a skip)")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def app_url(
    chromium: Path, repo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free loopback port; stop it when the session ends."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=repo_root, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"streamlit exited with {process.returncode}:\n{log_path.read_text()}"
                    )
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not become healthy:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url: str) -> Iterator:
    """A new browser context, hence a new Streamlit session, for each test."""
    context = browser.new_context(viewport=VIEWPORT, base_url=app_url)
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    yield page
    context.close()


IDLE = (
    '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
    '[data-test-script-state="notRunning"]'
)
#: After the app looks idle, how long it must stay idle: a rerun asked for by a click or an
#: upload can start a moment after the click returns.
SETTLE_MS = 400


def _idle_now(page) -> bool:
    return page.evaluate(
        """(idle) => !!document.querySelector(idle)
            && !document.querySelector('[data-stale="true"]')""",
        IDLE,
    )


def wait_for_run(page) -> None:
    """Wait until the app is connected, no script is running, the main block has content and
    nothing is stale, and it stays so for a moment (so a rerun that is about to start is not
    mistaken for the end of one)."""
    for _ in range(20):
        page.wait_for_selector(IDLE)
        page.wait_for_selector(
            '[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]'
        )
        # Elements from before the last rerun fade out as "stale"; wait until none are left.
        page.wait_for_function(
            "() => !document.querySelector('[data-stale=\"true\"]')", timeout=RUN_TIMEOUT_MS
        )
        page.wait_for_timeout(SETTLE_MS)
        if _idle_now(page):
            return
    raise AssertionError("the app kept rerunning: it never stayed idle for a moment")


@pytest.fixture(name="wait_for_run")
def wait_for_run_fixture() -> Callable:
    """``wait_for_run(page)``: wait until a rerun (after a click or an upload) has finished."""
    return wait_for_run


@pytest.fixture
def open_app(app_url: str) -> Callable:
    """``open_app(page, url_path="", query="")``: load a page and wait for its first run."""

    def _open(page, url_path: str = "", query: str = ""):
        page.goto(f"{app_url}/{url_path}" + (f"?{query}" if query else ""))
        wait_for_run(page)
        return page

    return _open


@pytest.fixture
def alerts() -> Callable:
    """``alerts(page) -> list[str]``: texts of exception boxes and ``st.error`` alerts."""

    def _alerts(page) -> list[str]:
        return [element.inner_text() for element in page.query_selector_all(ERROR_SELECTOR)]

    return _alerts


@pytest.fixture
def shoot() -> Callable:
    """``shoot(page, name)``: a full-page screenshot when ``E2E_SCREENSHOTS`` is set."""

    def _shoot(page, name: str) -> Path | None:
        if not os.environ.get("E2E_SCREENSHOTS"):
            return None
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        # Streamlit scrolls inside its main block, so grow the viewport to the content's height,
        # until it stops changing (tables and charts finish drawing after the script run).
        viewport = page.viewport_size or VIEWPORT
        height = viewport["height"]
        for _ in range(10):
            page.wait_for_timeout(250)
            content = page.eval_on_selector('[data-testid="stMain"]', "e => e.scrollHeight")
            if content <= height:
                break
            height = content
            page.set_viewport_size({"width": viewport["width"], "height": height})
        path = SCREENSHOT_DIR / f"{name}-{viewport['width']}x{viewport['height']}.png"
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(viewport)
        return path

    return _shoot
