import numpy as np
import pytest

from engine.data import load_builtin


@pytest.fixture(scope="session")
def wine2():
    """Wine, malic acid against total phenols: the reference text's 2-D example."""
    ds = load_builtin("wine")
    cols = [ds.feature_names.index("malic acid"), ds.feature_names.index("total phenols")]
    return ds.X[:, cols]


@pytest.fixture(scope="session")
def wine():
    return load_builtin("wine").X


@pytest.fixture(scope="session")
def tiny():
    """Eight hand-written 2-D points in two loose groups: the fixture for pinned values."""
    return np.array(
        [
            [0.0, 0.2],
            [0.4, -0.1],
            [-0.3, 0.1],
            [0.1, 0.5],
            [3.0, 3.1],
            [3.4, 2.7],
            [2.8, 3.5],
            [3.3, 3.0],
        ]
    )
