"""The page registry and the folder layout that keeps st.navigation in charge."""

from __future__ import annotations

from pathlib import Path

from ui.pages_registry import PAGES, sections


def test_no_pages_folder_next_to_app(repo_root: Path) -> None:
    # A folder called pages/ beside app.py switches Streamlit 1.67 back to the old
    # auto-discovered multipage mode on fresh runs, which bypasses app.py. Pages go in app_pages/.
    assert not (repo_root / "pages").exists(), (
        "move page scripts to app_pages/ (see ui/pages_registry.py)"
    )


def test_every_registered_page_exists(repo_root: Path) -> None:
    for spec in PAGES:
        assert (repo_root / spec.path).is_file(), spec.path
        assert spec.path.startswith("app_pages/")


def test_exactly_one_default_and_unique_names() -> None:
    assert sum(spec.default for spec in PAGES) == 1
    assert len({spec.slug for spec in PAGES}) == len(PAGES)
    assert len({spec.title for spec in PAGES}) == len(PAGES)


def test_every_page_script_is_registered(repo_root: Path) -> None:
    on_disk = {f"app_pages/{p.name}" for p in (repo_root / "app_pages").glob("*.py")}
    assert on_disk == {spec.path for spec in PAGES}


def test_sections_keep_registry_order() -> None:
    assert [spec for specs in sections().values() for spec in specs] == list(PAGES)
