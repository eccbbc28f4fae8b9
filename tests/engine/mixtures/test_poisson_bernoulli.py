"""Poisson and Bernoulli mixtures on the shared driver: scipy cross-checks, recovery, invariants."""

import numpy as np
import pytest
from scipy import stats

from engine.data import digits_split, load_builtin
from engine.mixtures import BernoulliMixture, PoissonMixture
from engine.mixtures.bernoulli import BernoulliFamily
from engine.mixtures.poisson import PoissonFamily

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _poisson_data(seed, n=4000):
    rng = np.random.default_rng(seed)
    rates = np.array([[2.0, 10.0], [12.0, 1.0], [6.0, 6.0]])
    weights = np.array([0.3, 0.5, 0.2])
    z = rng.choice(3, size=n, p=weights)
    return rng.poisson(rates[z]).astype(float), z, rates, weights


def _bernoulli_data(seed, n=4000):
    rng = np.random.default_rng(seed)
    probs = np.array([[0.9, 0.9, 0.1, 0.1, 0.5, 0.8], [0.1, 0.2, 0.9, 0.8, 0.5, 0.1]])
    weights = np.array([0.4, 0.6])
    z = rng.choice(2, size=n, p=weights)
    return (rng.random((n, 6)) < probs[z]).astype(float), z, probs, weights


def test_poisson_log_density_matches_scipy():
    X, *_ = _poisson_data(0, n=200)
    rates = np.array([[2.0, 10.0], [0.5, 3.0]])
    got = PoissonFamily().log_prob(X, {"means": rates})
    want = np.stack([stats.poisson(r).logpmf(X).sum(axis=1) for r in rates], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_bernoulli_log_density_matches_scipy():
    X, *_ = _bernoulli_data(0, n=200)
    p = np.array([[0.9, 0.9, 0.1, 0.1, 0.5, 0.8], [0.3, 0.2, 0.7, 0.8, 0.5, 0.1]])
    got = BernoulliFamily().log_prob(X, {"means": p})
    want = np.stack([stats.bernoulli(pk).logpmf(X).sum(axis=1) for pk in p], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize("seed", [0, 1])
def test_poisson_recovers_rates_and_weights(seed):
    X, z, rates, weights = _poisson_data(seed)
    pm = PoissonMixture(3, n_init=3, random_state=seed).fit(X)
    order = np.argsort(pm.means_[:, 0])
    truth = np.argsort(rates[:, 0])
    np.testing.assert_allclose(pm.means_[order], rates[truth], rtol=0.08, atol=0.2)
    np.testing.assert_allclose(pm.weights_[order], weights[truth], atol=0.03)
    assert pm.n_parameters() == 3 * 2 + 2


@pytest.mark.parametrize("seed", [0, 1])
def test_bernoulli_recovers_probabilities_and_weights(seed):
    X, z, probs, weights = _bernoulli_data(seed)
    bm = BernoulliMixture(2, n_init=2, random_state=seed).fit(X)
    order = np.argsort(-bm.means_[:, 0])
    np.testing.assert_allclose(bm.means_[order], probs, atol=0.04)
    np.testing.assert_allclose(bm.weights_[order], weights, atol=0.03)


@pytest.mark.parametrize("family", ["poisson", "bernoulli"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_history_invariants(family, seed):
    if family == "poisson":
        X = _poisson_data(seed, 800)[0]
        model = PoissonMixture(3, init_params="random", random_state=seed, record_history=True)
    else:
        X = _bernoulli_data(seed, 800)[0]
        model = BernoulliMixture(2, init_params="random", random_state=seed, record_history=True)
    model.set_params(tol=1e-8, max_iter=60).fit(X)
    hist = model.history_
    # EM maximises the log-likelihood plus the smoothing prior (0 for Poisson)
    objective = np.array([r.log_likelihood + r.log_prior for r in hist])
    assert np.all(np.diff(objective) >= -1e-7 * np.abs(objective[1:]))
    for e, m in zip(hist[::2], hist[1::2], strict=True):
        assert e.kl == pytest.approx(0.0, abs=1e-8)
        assert m.kl >= -1e-8
        np.testing.assert_allclose(e.resp.sum(axis=1), 1.0, atol=1e-5)


def test_bernoulli_alpha_keeps_probabilities_off_zero_and_one():
    X = np.zeros((50, 3))
    X[:25, 0] = 1
    bm = BernoulliMixture(2, alpha=0.5, random_state=0).fit(X)
    assert np.all(bm.means_ > 0) and np.all(bm.means_ < 1)
    assert np.all(np.isfinite(bm.score_samples(np.ones((2, 3)))))


def test_bernoulli_on_binarised_digits_reaches_the_target():
    X_train, X_test, _, _ = digits_split(binary=True)
    bm = BernoulliMixture(20, n_init=2, random_state=0).fit(X_train)
    heldout = bm.score(X_test)
    assert heldout >= -20.5, heldout  # nats per image
    assert bm.n_parameters() == 20 * 64 + 19
    samples, labels = bm.sample(10)
    assert set(np.unique(samples)) <= {0.0, 1.0} and samples.shape == (10, 64)


def test_uniform_weights_every_family():
    X = _poisson_data(0, 500)[0]
    pm = PoissonMixture(3, uniform_weights=True, random_state=0).fit(X)
    np.testing.assert_array_equal(pm.weights_, np.full(3, 1 / 3))
    assert pm.n_parameters() == 6
    Xb = _bernoulli_data(0, 500)[0]
    bm = BernoulliMixture(2, uniform_weights=True, random_state=0).fit(Xb)
    np.testing.assert_array_equal(bm.weights_, [0.5, 0.5])


def test_domain_errors_say_what_to_do():
    with pytest.raises(ValueError, match="negative"):
        PoissonMixture(2).fit(np.array([[1.0], [-2.0], [3.0]]))
    with pytest.raises(ValueError, match="fractional"):
        PoissonMixture(2).fit(np.array([[1.5], [2.0], [3.0]]))
    with pytest.raises(ValueError, match="Binarise"):
        BernoulliMixture(2).fit(np.array([[0.0, 1.0], [0.5, 1.0], [1.0, 0.0]]))


def test_builtin_counts_are_fitted_sensibly():
    ds = load_builtin("counts")
    pm = PoissonMixture(3, n_init=3, random_state=0).fit(ds.X)
    np.testing.assert_allclose(np.sort(pm.means_[:, 0]), ds.extra["rates"], rtol=0.25)
