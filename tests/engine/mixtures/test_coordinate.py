"""EM as coordinate ascent: the bound touches after the E-step and the M-step climbs it."""

import numpy as np
import pytest

from engine.mixtures import GaussianMixture
from engine.mixtures.coordinate import bound_slice, likelihood_slice, m_step_mean

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture()
def fit():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-2, 1, 150), rng.normal(2.5, 0.8, 100)])
    gm = GaussianMixture(
        2,
        tol=0,
        max_iter=4,
        weights_init=[0.5, 0.5],
        means_init=[[-0.5], [0.5]],
        precisions_init=np.ones((2, 1, 1)),
        record_history=True,
    ).fit(x[:, None])
    return x, gm.history_


def _theta(record):
    return record.weights, record.params["means"][:, 0], record.params["covariances"][:, 0, 0]


def test_bound_touches_after_each_e_step_and_stays_below(fit):
    x, hist = fit
    grid = np.linspace(-6, 6, 601)
    for e in hist[::2]:
        w, m, v = _theta(e)
        ll = likelihood_slice(x, w, m, v, 0, grid)
        lb = bound_slice(x, w, m, v, e.resp.astype(float), 0, grid)
        assert np.all(lb <= ll + 1e-6)
        at = likelihood_slice(x, w, m, v, 0, np.array([m[0]]))[0]
        touch = bound_slice(x, w, m, v, e.resp.astype(float), 0, np.array([m[0]]))[0]
        assert touch == pytest.approx(at, abs=1e-3)  # resp stored as float32
        assert at == pytest.approx(e.log_likelihood, rel=1e-9)


def test_m_step_mean_maximises_the_bound(fit):
    x, hist = fit
    e = hist[0]
    w, m, v = _theta(e)
    grid = np.linspace(-6, 6, 12001)
    lb = bound_slice(x, w, m, v, e.resp.astype(float), 0, grid)
    best = grid[np.argmax(lb)]
    # With equal variances the bound in one mean is a parabola peaking at the weighted mean.
    assert best == pytest.approx(m_step_mean(x, e.resp.astype(float), 0), abs=2e-3)
