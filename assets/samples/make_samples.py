"""Write the small sample files the app offers as one-click examples.

Run ``python assets/samples/make_samples.py`` (from anywhere). Seeded, so the files
only change when this script does.

``wine_new_bottles.csv``
    Twelve made-up "new bottles" measured on the two features of the classic wine view
    (malic acid in g/L, total phenols). Each is drawn from a Gaussian fitted to one cultivar of
    the built-in wine data, and a few are pulled half-way between two cultivars so that the
    Classify page has some bottles it is unsure about.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, for ``engine``

from engine.data import load_builtin  # noqa: E402

FEATURES = ["malic acid", "total phenols"]
SEED = 20240526


def wine_new_bottles(seed: int = SEED) -> pd.DataFrame:
    """Twelve new bottles: three per cultivar plus three half-way cases, rounded to 2 decimals."""
    wine = load_builtin("wine")
    X = wine.X[:, [wine.feature_names.index(name) for name in FEATURES]]
    rng = np.random.default_rng(seed)
    means = [X[wine.target == c].mean(axis=0) for c in range(3)]
    covs = [np.cov(X[wine.target == c], rowvar=False) for c in range(3)]
    rows = [rng.multivariate_normal(means[c], covs[c]) for c in (0, 1, 2) for _ in range(3)]
    for a, b in ((0, 2), (1, 2), (0, 1)):
        rows.append((means[a] + means[b]) / 2 + rng.normal(0.0, 0.05, size=2))
    table = pd.DataFrame(np.clip(np.array(rows), 0.1, None), columns=FEATURES).round(2)
    return table.sample(frac=1.0, random_state=seed % 2**32).reset_index(drop=True)


def main() -> None:
    path = HERE / "wine_new_bottles.csv"
    wine_new_bottles().to_csv(path, index=False, lineterminator="\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
