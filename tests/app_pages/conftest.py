"""Fixtures shared by the page tests (Streamlit's AppTest over the whole app)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

TIMEOUT = 90


@pytest.fixture
def open_app(app_path: Path) -> Callable[..., AppTest]:
    """``open_app(page=None, **query)``: the whole app, switched to ``page`` (e.g.
    ``"app_pages/em_steps.py"``) with ``query`` as the link's parameters; not yet run."""

    def make(page: str | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(str(app_path), default_timeout=TIMEOUT)
        if query:
            at.query_params.update(query)
        return at.switch_page(page) if page else at

    return make
