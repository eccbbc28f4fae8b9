"""Fixtures shared by the page tests (Streamlit's AppTest over the whole app)."""

from __future__ import annotations

import importlib
from collections import Counter
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


#: The engine's work a rerun must not repeat: mixture fits, predictions and the driver's sweep
#: over the rows (``_pass``, the E-step), and the VAE's encoder and decoder.
ENGINE_WORK = (
    ("engine.mixtures.base", "BaseMixture",
     ("fit", "predict", "predict_proba", "score_samples", "score", "_pass", "sample")),
    ("engine.vae.model", "VAE", ("encode", "decode")),
)  # fmt: skip


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts of calls into the engine's work (see :data:`ENGINE_WORK`), by method name; the
    real code still runs. ``engine_calls.clear()`` starts a new count."""
    counts: Counter = Counter()
    for module, owner_name, names in ENGINE_WORK:
        owner = getattr(importlib.import_module(module), owner_name)
        for name in names:
            original = getattr(owner, name)

            def counted(*args, _name=name, _original=original, **kwargs):
                counts[_name] += 1
                return _original(*args, **kwargs)

            monkeypatch.setattr(owner, name, counted)
    return counts
