"""Tests for engine.data.builtin: the built-in datasets and the tables that describe them."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import (
    BUILTIN_IMAGE_SHAPES,
    BUILTIN_KINDS,
    BUILTIN_LABELS,
    BUILTIN_NAMES,
    DataError,
    digits_split,
    load_builtin,
)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_builtin_loads_with_the_kind_and_shape_listed(name):
    ds = load_builtin(name)
    assert ds.name == name
    assert ds.kind == BUILTIN_KINDS[name]
    assert ds.X.dtype == np.float64 and np.isfinite(ds.X).all()
    assert len(ds.feature_names) == ds.n_features
    assert ds.extra.get("image_shape") == BUILTIN_IMAGE_SHAPES.get(name)


def test_tables_cover_every_name_in_order():
    assert {"wine", "iris", "digits", "blobs"} <= set(BUILTIN_NAMES)
    assert tuple(BUILTIN_LABELS) == BUILTIN_NAMES == tuple(BUILTIN_KINDS)
    assert set(BUILTIN_KINDS.values()) <= {"continuous", "counts", "binary"}
    assert all(label.strip() for label in BUILTIN_LABELS.values())
    with pytest.raises(TypeError):
        BUILTIN_LABELS["wine"] = "changed"  # read-only: shared by every user of a server


def test_unknown_name_lists_the_choices():
    with pytest.raises(DataError, match="no built-in dataset called 'nope'.*wine"):
        load_builtin("nope")


def test_digits_split_is_fixed_and_stratified():
    X_train, X_test, y_train, y_test = digits_split(binary=True)
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert set(np.unique(X_train)) == {0.0, 1.0}
    again = digits_split(binary=True)
    np.testing.assert_array_equal(again[0], X_train)
    assert np.bincount(y_test).min() >= 35
