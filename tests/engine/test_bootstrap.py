"""Bootstrap intervals of posterior probabilities: coverage, shrinkage, seeds, collapses."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from engine.mixtures import BernoulliMixture, GaussianMixture, PoissonMixture
from engine.mixtures.bootstrap import bootstrap_draws, bootstrap_proba, match_components


def two_blobs(n: int, gap: float = 6.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    half = n // 2
    return np.r_[rng.normal(0.0, 1.0, (half, 2)), rng.normal(gap, 1.0, (n - half, 2))]


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_intervals_contain_the_estimate_for_well_separated_data(covariance_type: str) -> None:
    X = two_blobs(300)
    model = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    X_new = np.array([[0.0, 0.0], [6.0, 6.0], [3.0, 3.0], [1.0, 2.0]])
    lower, upper = bootstrap_proba(model, X, X_new, n_boot=40, random_state=1)
    p = model.predict_proba(X_new)
    assert lower.shape == upper.shape == p.shape == (4, 2)
    assert np.all((lower >= 0) & (lower <= upper) & (upper <= 1))
    assert np.all(lower <= p + 1e-6) and np.all(p <= upper + 1e-6)
    # Points deep inside a blob are called with near certainty, and the interval says so.
    assert lower[0].max() > 0.99 and lower[1].max() > 0.99


def test_intervals_narrow_with_more_training_data() -> None:
    X_new = np.array([[2.6, 2.6], [3.0, 3.0], [3.4, 3.4]])  # between the blobs: unsure
    widths = []
    for n in (60, 2000):
        X = two_blobs(n, gap=5.0, seed=3)
        model = GaussianMixture(2, random_state=0).fit(X)
        lower, upper = bootstrap_proba(model, X, X_new, n_boot=60, random_state=0)
        widths.append(float(np.mean(upper - lower)))
    assert widths[1] < 0.6 * widths[0], widths


def test_same_seed_same_interval_other_seed_other_interval() -> None:
    X = two_blobs(120, gap=4.0)
    model = GaussianMixture(2, random_state=0).fit(X)
    X_new = np.array([[2.0, 2.0], [1.5, 2.5]])
    a = bootstrap_proba(model, X, X_new, n_boot=25, random_state=7)
    b = bootstrap_proba(model, X, X_new, n_boot=25, random_state=7)
    c = bootstrap_proba(model, X, X_new, n_boot=25, random_state=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_the_model_is_not_changed() -> None:
    X = two_blobs(100)
    model = GaussianMixture(2, random_state=0).fit(X)
    before = (model.weights_.copy(), model.means_.copy(), model.covariances_.copy())
    bootstrap_proba(model, X, X[:3], n_boot=5, random_state=0)
    for old, new in zip(before, (model.weights_, model.means_, model.covariances_), strict=True):
        np.testing.assert_array_equal(old, new)
    assert model.n_init == 1 and model.weights_init is None


def test_components_stay_aligned_with_the_original() -> None:
    X = two_blobs(200)
    model = GaussianMixture(2, random_state=0).fit(X)
    draws = bootstrap_draws(model, X, model.means_, n_boot=30, random_state=0)
    # Each component's own mean is classified to that component in every refit.
    assert draws.n_ok == 30 and draws.n_failed == 0
    assert np.all(draws.proba[:, 0, 0] > 0.99) and np.all(draws.proba[:, 1, 1] > 0.99)


def test_match_components_undoes_a_permutation() -> None:
    reference = np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 9.0]])
    order = np.array([2, 0, 1])
    shuffled = reference[order] + 0.1
    found = match_components(reference, shuffled, np.ones(2))
    np.testing.assert_allclose(shuffled[found], reference + 0.1)


def rare_cluster() -> np.ndarray:
    """40 rows near 0 and 3 far away: resamples without the far rows empty a component."""
    rng = np.random.default_rng(0)
    return np.r_[rng.normal(0.0, 1.0, (40, 1)), [[20.0], [20.6], [21.1]]]


def test_collapsed_refits_are_skipped_and_counted() -> None:
    X = rare_cluster()
    model = GaussianMixture(2, random_state=0).fit(X)
    draws = bootstrap_draws(model, X, np.array([[0.5]]), n_boot=30, random_state=0)
    assert 0 < draws.n_failed < 30
    assert draws.n_ok + draws.n_failed == 30
    assert "Component 2 of 2" in draws.first_error
    lower, upper = draws.interval(0.9)
    assert lower.shape == (1, 2) and np.isfinite(lower).all()


def test_every_refit_collapsing_is_an_error_not_nan() -> None:
    X = rare_cluster()
    model = GaussianMixture(2, random_state=0).fit(X)
    near = X[:40]  # "training rows" without the far cluster: every refit empties component 2
    draws = bootstrap_draws(model, near, X[:1], n_boot=5, random_state=0)
    assert draws.n_ok == 0 and draws.n_failed == 5
    assert np.isnan(draws.interval()[0]).all()
    with pytest.raises(ValueError, match="All 5 bootstrap refits collapsed"):
        bootstrap_proba(model, near, X[:1], n_boot=5, random_state=0)


@pytest.mark.parametrize("family", ["poisson", "bernoulli"])
def test_other_families(family: str) -> None:
    rng = np.random.default_rng(0)
    if family == "poisson":
        X = np.r_[rng.poisson(2.0, (100, 3)), rng.poisson(10.0, (100, 3))].astype(float)
        model = PoissonMixture(2, random_state=0).fit(X)
    else:
        X = np.r_[rng.random((100, 6)) < 0.15, rng.random((100, 6)) < 0.85].astype(float)
        model = BernoulliMixture(2, random_state=0).fit(X)
    lower, upper = bootstrap_proba(model, X, X[[0, 150]], n_boot=15, random_state=0)
    p = model.predict_proba(X[[0, 150]])
    assert np.all(lower <= p + 1e-6) and np.all(p <= upper + 1e-6)


def test_bad_arguments_are_explained() -> None:
    X = two_blobs(50)
    model = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="level"):
        bootstrap_proba(model, X, X[:2], level=1.5)
    with pytest.raises(ValueError, match=r"shape \(n_rows, 2\)"):
        bootstrap_proba(model, X, np.ones((2, 3)))
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_proba(model, X, X[:2], n_boot=0)
    with pytest.raises(ValueError, match="fitted"):
        bootstrap_proba(GaussianMixture(2), X, X[:2])


def test_module_imports_no_streamlit_or_plotly() -> None:
    code = (
        "import sys, engine.mixtures.bootstrap; "
        "print(any(m.split('.')[0] in ('streamlit', 'plotly') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
