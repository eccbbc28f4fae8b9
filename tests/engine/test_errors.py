"""The engine's exceptions: one class each, whichever module a caller names it from."""

from __future__ import annotations

import pytest

import engine.data
import engine.errors
import engine.io
import engine.mixtures
import engine.mixtures.base
import engine.mixtures.io
import engine.vae
import engine.vae.io


def test_every_name_is_the_one_class():
    errors = engine.errors
    assert engine.data.DataError is errors.DataError
    for module in (engine.io, engine.vae, engine.vae.io, engine.mixtures.io):
        assert module.ModelFileError is errors.ModelFileError
    for module in (engine.mixtures, engine.mixtures.base):
        assert module.DegenerateFitError is errors.DegenerateFitError
    for cls in (errors.DataError, errors.ModelFileError, errors.DegenerateFitError):
        assert issubclass(cls, ValueError)


def test_degenerate_fit_error_keeps_its_details():
    err = engine.errors.DegenerateFitError("collapsed", component=2, iteration=5, advice=("a", "b"))
    assert (str(err), err.component, err.iteration, err.advice) == ("collapsed", 2, 5, ["a", "b"])
    with pytest.raises(engine.mixtures.DegenerateFitError):
        raise err
