"""Links written to harm: huge values, Markdown in every parameter. The page answers at once,
shows the values as plain text, and keeps working on its defaults."""

from __future__ import annotations

import re
import time

import pytest

from tests.app_pages.apptest import assert_clean

PHISH = "[Session expired, log in](http://127.0.0.2:9/login)"
IMAGE = "![x](http://127.0.0.2:9/b.png)"
PAGES = ("app_pages/home.py", "app_pages/em_steps.py", "app_pages/choose_k.py")


def shown_markdown(at) -> list[str]:
    return [el.value for kind in ("markdown", "info", "warning", "caption") for el in at.get(kind)]


def test_a_link_of_thousands_of_pieces_is_answered_at_once(open_app) -> None:
    # "a," 3,200 times once kept the server busy for 80 s (a cubic feature matcher).
    at = open_app(features="a," * 3200)
    start = time.perf_counter()
    at.run()
    assert time.perf_counter() - start < 5  # a generous bound on a shared machine; was 80 s
    assert_clean(at)
    assert "features" not in at.query_params  # nothing matched: all features, a clean link


@pytest.mark.parametrize("page", PAGES)
def test_markdown_in_a_link_is_shown_as_text(open_app, page) -> None:
    at = open_app(page, dataset=PHISH, features=IMAGE, k=PHISH, cov=PHISH, seed=IMAGE).run()
    assert_clean(at)
    for text in shown_markdown(at):
        assert not re.search(r"(?<!\\)\]\(", text), text  # no live link or image
        assert "http://127.0.0.2" not in text, text  # no bare address to autolink either
    assert at.session_state["evx.dataset"] == "wine"
