"""The one list of the app's pages.

``app.py`` builds ``st.navigation`` from :data:`PAGES`, the home page links to the pages listed
here, and the browser tests open every one of them. Adding a page is one line in :data:`PAGES`.
This module is plain data: it does not import Streamlit, so tests can read it without a server.

Page scripts live in ``app_pages/``, never in a folder named ``pages/`` next to ``app.py``:
Streamlit 1.67 still treats such a folder as the old auto-discovered multipage layout whenever
its flag is fresh (a server's first run, every ``AppTest`` run), and then runs a page script
straight from the URL without ``app.py`` (no page config, no session set-up, no navigation).
``tests/app_pages/test_layout.py`` guards this.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PageSpec:
    """One page of the app.

    Attributes
    ----------
    section : str
        Heading the page is listed under in the navigation menu.
    path : str
        Script path relative to the repository root, e.g. ``"app_pages/home.py"``.
    title : str
        Name shown in the menu and the browser tab.
    icon : str
        An emoji or a ``":material/name:"`` icon.
    default : bool
        True for the page served at the root URL; exactly one page has it.
    """

    section: str
    path: str
    title: str
    icon: str
    default: bool = False

    @property
    def slug(self) -> str:
        """The name passed to ``st.Page(url_path=...)``: the file's stem, e.g. ``"home"``."""
        return Path(self.path).stem

    @property
    def url_path(self) -> str:
        """The path the page is served at: ``""`` for the default page, :attr:`slug` otherwise."""
        return "" if self.default else self.slug


# One line per page, in menu order. Sections appear in the order of their first page.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("Start", "app_pages/home.py", "Home", ":material/home:", default=True),
    PageSpec("EM", "app_pages/em_steps.py", "EM step by step", ":material/animation:"),
    PageSpec("EM", "app_pages/choose_k.py", "Choose K", ":material/query_stats:"),
    PageSpec("EM", "app_pages/classify.py", "Classify", ":material/label:"),
    PageSpec("Mixture families", "app_pages/poisson.py", "Poisson mixture", ":material/bar_chart:"),
    PageSpec("Mixture families", "app_pages/bernoulli.py", "Bernoulli mixture", ":material/apps:"),
    PageSpec("Theory", "app_pages/latents.py", "Discrete vs continuous", ":material/compare:"),
    PageSpec("Theory", "app_pages/theory.py", "Theory lab", ":material/functions:"),
    PageSpec("VAE", "app_pages/vae.py", "VAE lab", ":material/blur_on:"),
)


def sections(pages: tuple[PageSpec, ...] = PAGES) -> dict[str, list[PageSpec]]:
    """Group pages by section, keeping the order of :data:`PAGES`."""
    grouped: dict[str, list[PageSpec]] = {}
    for spec in pages:
        grouped.setdefault(spec.section, []).append(spec)
    return grouped
