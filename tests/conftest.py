"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the folder holding ``app.py``)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def app_path(repo_root: Path) -> Path:
    """The app's entry point, for ``AppTest.from_file`` and ``streamlit run``."""
    return repo_root / "app.py"
