"""The model-selection resource's pure pieces: typed rows and their link form."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from engine.mixtures import BernoulliMixture, GaussianMixture, PoissonMixture
from ui.cached import selection as sel


def model_with(cls, weights, means):
    model = cls(len(weights))
    model.weights_, model.means_ = np.array(weights), np.array(means)
    return SimpleNamespace(model=model)


@pytest.mark.parametrize(
    ("cls", "expected"),
    [(GaussianMixture, (3.0, 1.0)), (PoissonMixture, (3.0, 1.0)), (BernoulliMixture, (1.0, 1.0))],
)
def test_typed_rows_start_from_the_mixture_mean_in_the_familys_values(cls, expected) -> None:
    found = model_with(cls, [0.25, 0.75], [[0.0, 4.0], [4.0, 0.0]])
    assert sel.typed_start(found) == expected
    found = model_with(cls, [0.5, 0.5], [[0.2, 2.4], [0.4, 1.0]])
    start = sel.typed_start(found)
    if cls is PoissonMixture:
        assert start == (0.0, 2.0)
    elif cls is BernoulliMixture:
        assert start == (0.0, 1.0)
    else:
        np.testing.assert_allclose(start, (0.3, 1.7))


def test_typed_row_round_trips_through_its_link_form() -> None:
    values = (1.5, -2.0, 3e-7)
    assert sel.typed_row(sel.typed_text(values), 3) == values
    assert sel.typed_row("1,2", 3) is None
    assert sel.typed_row("1,x,3", 3) is None
    assert sel.typed_row("1,nan,3", 3) is None
