"""The shared settings form of mixture fits: its page settings, its summary."""

from __future__ import annotations

import pytest

from engine.mixtures.registry import COVARIANCE_TYPES, INIT_LABELS, TOL_OPTIONS
from ui import state
from ui.cached.mixtures import FitSettings
from ui.components import fit_form


def test_settings_cover_the_fields_asked_for_with_their_defaults() -> None:
    found = fit_form.settings()
    assert tuple(s.name for s in found) == fit_form.FIELDS
    defaults = {s.name: s.default for s in found}
    assert defaults == {name: getattr(FitSettings(), name) for name in fit_form.FIELDS}
    some = fit_form.settings(("k", "seed"), k=3)
    assert [(s.name, s.default) for s in some] == [("k", 3), ("seed", 0)]
    with pytest.raises(KeyError, match="alpha"):
        fit_form.settings(("k", "alpha"))


def test_link_values_are_checked_against_the_registry() -> None:
    values, notes = state.parse_settings(
        fit_form.settings(k_range=(1, 8)),
        {"k": "9", "cov": "diag", "init": "random", "tol": "1e-4", "uniform": "1", "seed": "x"},
    )
    assert values == {"cov": "diag", "init": "random", "tol": 1e-4, "uniform": True}
    assert len(notes) == 2  # k beyond the range, seed not a number
    assert "diag" in COVARIANCE_TYPES and "random" in INIT_LABELS and 1e-4 in TOL_OPTIONS


def test_summary_is_one_line() -> None:
    s = FitSettings(k=3, cov="diag", seed=4, uniform=True)
    assert fit_form.summary(s) == "K = 3 · diag covariance · seed 4"
    assert fit_form.summary(s, ("k", "uniform")) == "K = 3 · equal weights"
    assert fit_form.summary(FitSettings(), ("uniform",)) == ""
