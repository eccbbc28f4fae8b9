"""Built-in datasets: small, offline, and the same on every machine.

Wine, iris and the 8x8 digits ship with scikit-learn; blobs and counts are generated from a
seed. :func:`load_builtin` builds a :class:`Dataset` by name when it is asked for; nothing is
loaded at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from sklearn import datasets as _skdatasets
from sklearn.model_selection import train_test_split

from engine.errors import DataError


@dataclass(frozen=True)
class Dataset:
    """A named, validated table of numbers.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"wine"``.
    X : ndarray of shape (n_samples, n_features)
        float64 values, all finite.
    feature_names : list of str
        One name per column of ``X``.
    target : ndarray of shape (n_samples,) or None
        True labels where the source knows them.
    target_names : list of str or None
        A name for each label value.
    kind : {"continuous", "counts", "binary"}
        Which mixture families suit the data.
    description : str
        One or two sentences for the app.
    """

    name: str
    X: np.ndarray
    feature_names: list[str]
    target: np.ndarray | None = None
    target_names: list[str] | None = None
    kind: str = "continuous"
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])


#: The kind of values each built-in dataset holds, by name: ``"continuous"`` (Gaussian
#: mixtures), ``"counts"`` (Poisson) or ``"binary"`` (Bernoulli); known without loading any data.
#: It is the :attr:`Dataset.kind` that :func:`load_builtin` gives.
BUILTIN_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "wine": "continuous",
        "iris": "continuous",
        "digits": "continuous",
        "digits_binary": "binary",
        "blobs": "continuous",
        "counts": "counts",
    }
)

#: ``(height, width)`` of one image, for the built-in datasets whose rows are images.
BUILTIN_IMAGE_SHAPES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"digits": (8, 8), "digits_binary": (8, 8)}
)

#: Pixels of the 8x8 digits run from 0 to 16; at or above this value a pixel counts as ink.
DIGITS_INK_THRESHOLD = 8


def _wine() -> Dataset:
    raw = _skdatasets.load_wine()
    names = [
        n.replace("_", " ").replace("od280/od315 of diluted wines", "OD280/OD315")
        for n in raw.feature_names
    ]
    return Dataset(
        name="wine",
        X=np.asarray(raw.data, dtype=np.float64),
        feature_names=names,
        target=np.asarray(raw.target),
        target_names=[f"cultivar {i + 1}" for i in range(3)],
        kind=BUILTIN_KINDS["wine"],
        description=(
            "Chemical analysis of 178 Italian wines from three grape cultivars (UCI). "
            "Malic acid against total phenols is the classic two-feature view."
        ),
    )


def _iris() -> Dataset:
    raw = _skdatasets.load_iris()
    return Dataset(
        name="iris",
        X=np.asarray(raw.data, dtype=np.float64),
        feature_names=[n.replace(" (cm)", "") for n in raw.feature_names],
        target=np.asarray(raw.target),
        target_names=list(raw.target_names),
        kind=BUILTIN_KINDS["iris"],
        description="150 iris flowers of three species; sepal and petal sizes in cm (Fisher, 1936).",
        extra={"units": "cm"},
    )


def _digits(binary: bool) -> Dataset:
    raw = _skdatasets.load_digits()
    X = np.asarray(raw.data, dtype=np.float64)
    X = (X >= DIGITS_INK_THRESHOLD).astype(np.float64) if binary else X / 16.0
    name = "digits_binary" if binary else "digits"
    return Dataset(
        name=name,
        X=X,
        feature_names=[f"pixel {r},{c}" for r in range(8) for c in range(8)],
        target=np.asarray(raw.target),
        target_names=[str(d) for d in range(10)],
        kind=BUILTIN_KINDS[name],
        description=(
            "1,797 handwritten digits as 8x8 images (UCI, shipped with scikit-learn); "
            + (
                f"a pixel is ink (1) when its grey level is at least {DIGITS_INK_THRESHOLD} of 16."
                if binary
                else "grey levels scaled to [0, 1]."
            )
        ),
        extra={"image_shape": BUILTIN_IMAGE_SHAPES[name]},
    )


def _blobs(random_state: int = 0) -> Dataset:
    centers = np.array([[-4.0, -1.0], [0.5, 3.0], [3.5, -2.5]])
    X, y = _skdatasets.make_blobs(
        n_samples=450, centers=centers, cluster_std=[1.0, 1.4, 0.8], random_state=random_state
    )
    return Dataset(
        name="blobs",
        X=np.asarray(X, dtype=np.float64),
        feature_names=["x1", "x2"],
        target=np.asarray(y),
        target_names=["blob 1", "blob 2", "blob 3"],
        kind=BUILTIN_KINDS["blobs"],
        description="Three seeded Gaussian clusters in 2-D with different spreads (synthetic).",
        extra={"centers": centers},
    )


def _counts(random_state: int = 0) -> Dataset:
    rng = np.random.default_rng(random_state)
    rates = np.array([2.0, 7.0, 15.0])
    weights = np.array([0.45, 0.35, 0.20])
    z = rng.choice(3, size=600, p=weights)
    X = rng.poisson(rates[z]).astype(np.float64)[:, None]
    return Dataset(
        name="counts",
        X=X,
        feature_names=["count"],
        target=z,
        target_names=[f"rate {r:g}" for r in rates],
        kind=BUILTIN_KINDS["counts"],
        description=(
            "600 seeded counts from three overlapping Poisson populations "
            "(rates 2, 7 and 15, weights 0.45, 0.35 and 0.20)."
        ),
        extra={"rates": rates, "weights": weights},
    )


_BUILTINS = {
    "wine": _wine,
    "iris": _iris,
    "digits": lambda: _digits(binary=False),
    "digits_binary": lambda: _digits(binary=True),
    "blobs": _blobs,
    "counts": _counts,
}

#: Names accepted by :func:`load_builtin`, in the order the app lists them.
BUILTIN_NAMES: tuple[str, ...] = tuple(_BUILTINS)

#: Short labels for a menu of the built-in datasets, by name.
BUILTIN_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "wine": "Wine (13 chemical measurements)",
        "iris": "Iris flowers (4 sizes)",
        "digits": "Handwritten digits, grey (8x8 pixels)",
        "digits_binary": "Handwritten digits, black and white (8x8 pixels)",
        "blobs": "Three blobs (2-D, synthetic)",
        "counts": "Counts (Poisson, synthetic)",
    }
)


def load_builtin(name: str) -> Dataset:
    """Load one of the built-in datasets, offline.

    Parameters
    ----------
    name : str
        One of :data:`BUILTIN_NAMES`: ``"wine"``, ``"iris"``, ``"digits"`` (grey levels in
        [0, 1]), ``"digits_binary"`` (0/1 pixels), ``"blobs"`` (seeded 2-D clusters) or
        ``"counts"`` (seeded Poisson counts).

    Returns
    -------
    Dataset
    """
    try:
        make = _BUILTINS[name]
    except KeyError:
        raise DataError(
            f"There is no built-in dataset called {name!r}. Choose one of: {', '.join(BUILTIN_NAMES)}."
        ) from None
    return make()


def digits_split(
    binary: bool = True, test_size: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fixed train / held-out split of the 8x8 digits used across the app and benchmarks.

    Parameters
    ----------
    binary : bool
        0/1 pixels (ink at grey level >= 8 of 16) when True, grey levels in [0, 1] otherwise.
    test_size : float
        Fraction held out, stratified by digit.
    seed : int
        Seed of the split; the default 0 is the app's fixed split.

    Returns
    -------
    X_train : ndarray of shape (n_train, 64)
    X_test : ndarray of shape (n_test, 64)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_test,)
    """
    ds = load_builtin("digits_binary" if binary else "digits")
    X_train, X_test, y_train, y_test = train_test_split(
        ds.X, ds.target, test_size=test_size, random_state=seed, stratify=ds.target
    )
    return X_train, X_test, y_train, y_test
