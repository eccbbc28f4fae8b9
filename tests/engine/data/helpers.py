"""Checks shared by the engine.data tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def assert_clean(table: pd.DataFrame) -> None:
    """The reader's promise: float64, finite, unique string column names."""
    assert all(dtype == np.float64 for dtype in table.dtypes)
    assert np.isfinite(table.to_numpy()).all()
    names = list(table.columns)
    assert all(isinstance(name, str) and name for name in names)
    assert len(set(names)) == len(names)
