"""Gaussian mixtures: cross-checks with scipy and scikit-learn, invariants, recovery, pins."""

import warnings

import numpy as np
import pytest
from scipy import special, stats
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SkGaussianMixture
from sklearn.utils._param_validation import InvalidParameterError

from engine.mixtures import (
    COVARIANCE_TYPES,
    DegeneracyWarning,
    DegenerateFitError,
    GaussianFamily,
    GaussianMixture,
    e_step,
    gaussian_m_step,
    log_normalize,
)
from engine.mixtures.gaussian import log_gaussian_prob, precision_cholesky

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _start(X, K, covariance_type, seed=0):
    """A shared starting point: scikit-learn's own one-iteration fit on a subset."""
    ref = SkGaussianMixture(K, covariance_type=covariance_type, max_iter=1, random_state=seed)
    ref.fit(X[::2])
    return dict(weights_init=ref.weights_, means_init=ref.means_, precisions_init=ref.precisions_)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("max_iter", [1, 5, 60])
@pytest.mark.parametrize("data", ["wine2", "wine"])
def test_same_start_same_answer_as_sklearn(request, covariance_type, max_iter, data):
    X = request.getfixturevalue(data)
    start = _start(X, 3, covariance_type)
    kw = dict(covariance_type=covariance_type, tol=0, max_iter=max_iter, **start)
    ours = GaussianMixture(3, **kw).fit(X)
    ref = SkGaussianMixture(3, **kw).fit(X)
    for name in ("score", "aic", "bic"):
        assert getattr(ours, name)(X) == pytest.approx(getattr(ref, name)(X), rel=1e-8), name
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.weights_, ref.weights_, rtol=1e-7)
    assert ours.n_iter_ == ref.n_iter_ == max_iter
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-8)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_same_seed_same_fit_as_sklearn(wine2, covariance_type, init_params):
    if covariance_type == "tied" and init_params in ("k-means++", "random_from_data"):
        # These inits set responsibilities on K rows only. scikit-learn's tied formula,
        # (X^T X - sum_k N_k mu_k mu_k^T) / sum_k N_k, assumes every row's responsibilities
        # sum to one, so it starts from a covariance inflated by n / K; ours uses the scatter
        # of the K chosen rows. The fits legitimately differ.
        pytest.skip("scikit-learn's tied initialisation differs by design here")
    kw = dict(covariance_type=covariance_type, init_params=init_params, random_state=3, n_init=2)
    ours = GaussianMixture(2, **kw).fit(wine2)
    ref = SkGaussianMixture(2, **kw).fit(wine2)
    assert ours.score(wine2) == pytest.approx(ref.score(wine2), rel=1e-8)
    np.testing.assert_array_equal(ours.predict(wine2), ref.predict(wine2))
    assert ours.n_iter_ == ref.n_iter_
    assert ours.converged_ == ref.converged_


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_density_matches_scipy(wine2, covariance_type):
    rng = np.random.default_rng(0)
    K, D = 3, 2
    means = rng.normal(size=(K, D))
    A = rng.normal(size=(K, D, D))
    full = A @ A.transpose(0, 2, 1) + np.eye(D)
    cov = {
        "full": full,
        "tied": full[0],
        "diag": np.stack([np.diag(c) for c in full]),
        "spherical": np.array([c[0, 0] for c in full]),
    }[covariance_type]
    got = log_gaussian_prob(wine2, means, precision_cholesky(cov, covariance_type), covariance_type)
    for k in range(K):
        ck = {
            "full": cov[k] if covariance_type == "full" else None,
            "tied": cov,
            "diag": np.diag(cov[k]) if covariance_type == "diag" else None,
            "spherical": cov[k] * np.eye(D) if covariance_type == "spherical" else None,
        }[covariance_type]
        want = stats.multivariate_normal(means[k], ck).logpdf(wine2)
        np.testing.assert_allclose(got[:, k], want, rtol=1e-10)
    # the fast feature form used inside EM agrees with the direct formula
    fam = GaussianFamily(covariance_type)
    fam.prepare(wine2)
    params = {"means": means, "covariances": cov}
    params = fam.complete_params(params)
    W, c = fam.linear_form(params)
    np.testing.assert_allclose((W.T @ fam.features(wine2)).T + c, got, rtol=1e-9, atol=1e-9)


def test_e_step_is_bayes_rule():
    rng = np.random.default_rng(1)
    wlp = rng.normal(size=(50, 4)) * 30
    mean_ll, resp = e_step(wlp)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)
    np.testing.assert_allclose(resp, np.exp(wlp - special.logsumexp(wlp, axis=1, keepdims=True)))
    assert mean_ll == pytest.approx(special.logsumexp(wlp, axis=1).mean())
    # far in the tails nothing overflows or becomes NaN
    lpn, r = log_normalize(np.array([[-1e4, -1e4 - 1.0], [-np.inf, 0.0]]))
    assert np.all(np.isfinite(lpn)) and np.all(np.isfinite(r))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_m_step_matches_weighted_moments(wine2, covariance_type):
    rng = np.random.default_rng(2)
    resp = rng.dirichlet(np.ones(3), size=wine2.shape[0])
    nk, means, cov = gaussian_m_step(wine2, resp, 0.0, covariance_type)
    np.testing.assert_allclose(nk, resp.sum(axis=0))
    np.testing.assert_allclose(means, resp.T @ wine2 / resp.sum(axis=0)[:, None])
    full = np.stack([np.cov(wine2.T, aweights=resp[:, k], bias=True) for k in range(3)])
    want = {
        "full": full,
        "tied": (full * nk[:, None, None]).sum(0) / nk.sum(),
        "diag": np.stack([np.diag(c) for c in full]),
        "spherical": np.array([np.diag(c).mean() for c in full]),
    }[covariance_type]
    np.testing.assert_allclose(cov, want, rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_history_invariants(wine2, covariance_type, seed):
    gm = GaussianMixture(
        3,
        covariance_type=covariance_type,
        init_params="random",
        random_state=seed,
        record_history=True,
        tol=1e-6,
        max_iter=40,
    ).fit(wine2)
    hist = gm.history_
    assert [r.phase for r in hist] == ["E", "M"] * gm.n_iter_
    assert [r.iteration for r in hist] == [i for i in range(1, gm.n_iter_ + 1) for _ in "EM"]
    lls = np.array([r.log_likelihood for r in hist])
    assert np.all(np.diff(lls) >= -1e-8 * np.abs(lls[1:])), "log-likelihood decreased"
    for e, m in zip(hist[::2], hist[1::2], strict=True):
        assert e.kl == pytest.approx(0.0, abs=1e-9)  # the E-step closes the gap
        assert m.kl >= -1e-8  # the bound stays below the log-likelihood
        assert m.elbo >= e.elbo - 1e-8  # the M-step raises the bound
        np.testing.assert_allclose(e.resp.sum(axis=1), 1.0, atol=1e-5)
        assert m.resp is None
    # the records end where the fit ends
    np.testing.assert_allclose(hist[-1].params["means"], gm.means_)
    assert hist[-1].log_likelihood == pytest.approx(gm.score(wine2) * len(wine2), rel=1e-10)
    assert gm.lower_bounds_[-1] == gm.lower_bound_


def test_history_drops_responsibilities_over_the_cap(wine2):
    gm = GaussianMixture(2, record_history=True, history_resp_cells=10, random_state=0)
    gm.fit(wine2)
    assert all(r.resp is None for r in gm.history_)
    assert not hasattr(GaussianMixture(2, random_state=0).fit(wine2), "history_")


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_recovers_known_parameters(covariance_type):
    rng = np.random.default_rng(7)
    means = np.array([[-4.0, 0.0], [3.0, 3.0], [2.0, -4.0]])
    weights = np.array([0.5, 0.3, 0.2])
    cov = np.array([[1.0, 0.3], [0.3, 0.5]])
    z = rng.choice(3, size=6000, p=weights)
    X = means[z] + rng.multivariate_normal(np.zeros(2), cov, size=6000)
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0, n_init=2).fit(X)
    order = np.argsort(gm.means_[:, 0])
    truth = np.argsort(means[:, 0])
    np.testing.assert_allclose(gm.means_[order], means[truth], atol=0.1)
    np.testing.assert_allclose(gm.weights_[order], weights[truth], atol=0.02)
    if covariance_type in ("full", "tied"):
        got = gm.covariances_[order[0]] if covariance_type == "full" else gm.covariances_
        np.testing.assert_allclose(got, cov, atol=0.1)
    nearest = np.argmin(((gm.means_[:, None] - means[None]) ** 2).sum(-1), axis=1)
    assert np.mean(nearest[gm.predict(X)] == z) > 0.97


def test_pinned_values_after_one_and_five_iterations(tiny):
    start = dict(
        weights_init=[0.5, 0.5],
        means_init=[[1.0, 1.0], [2.0, 2.0]],
        precisions_init=np.stack([np.eye(2), np.eye(2)]),
    )
    one = GaussianMixture(2, tol=0, max_iter=1, **start).fit(tiny)
    five = GaussianMixture(2, tol=0, max_iter=5, **start).fit(tiny)
    # Pinned from this implementation and checked equal to scikit-learn's in
    # test_same_start_same_answer_as_sklearn; a change here is a change of maths.
    assert one.lower_bound_ == pytest.approx(-3.5427202060943648, rel=1e-12)
    assert one.score(tiny) == pytest.approx(-1.8123066690764411, rel=1e-12)
    assert five.score(tiny) == pytest.approx(-0.16207947340940615, rel=1e-10)
    np.testing.assert_allclose(one.weights_, [0.48934012, 0.51065988], atol=1e-8)
    np.testing.assert_allclose(five.weights_, [0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(five.means_, [[0.05, 0.175], [3.125, 3.075]], atol=1e-6)
    for k, cls in enumerate([SkGaussianMixture]):
        ref = cls(2, tol=0, max_iter=5, **start).fit(tiny)
        assert five.score(tiny) == pytest.approx(ref.score(tiny), rel=1e-12), k


def test_parameter_counts_by_hand():
    X = np.random.default_rng(0).normal(size=(60, 2))
    counts = {}
    for ct in COVARIANCE_TYPES:
        counts[ct] = GaussianMixture(3, covariance_type=ct, random_state=0).fit(X).n_parameters()
    # K=3, D=2: means 6, weights 2, covariances 9 / 3 / 6 / 3
    assert counts == {"full": 17, "tied": 11, "diag": 14, "spherical": 11}
    fixed = GaussianMixture(3, uniform_weights=True, random_state=0).fit(X)
    assert fixed.n_parameters() == 15
    X5 = np.random.default_rng(0).normal(size=(100, 5))
    # D=5, K=4: means 20, weights 3, full covariances 4 * 15 = 60
    assert GaussianMixture(4, random_state=0).fit(X5).n_parameters() == 83


def test_uniform_weights_stay_uniform(wine2):
    gm = GaussianMixture(3, uniform_weights=True, record_history=True, random_state=0)
    gm.fit(wine2)
    np.testing.assert_array_equal(gm.weights_, np.full(3, 1 / 3))
    assert all(np.all(r.weights == 1 / 3) for r in gm.history_)
    lls = [r.log_likelihood for r in gm.history_]
    assert np.all(np.diff(lls) >= -1e-8 * np.abs(lls[1:]))


def test_criteria_and_sampling(wine2):
    gm = GaussianMixture(2, random_state=0).fit(wine2)
    n, ll, p = len(wine2), gm.score(wine2) * len(wine2), gm.n_parameters()
    assert gm.aic(wine2) == pytest.approx(-2 * ll + 2 * p)
    assert gm.bic(wine2) == pytest.approx(-2 * ll + p * np.log(n))
    r = gm.predict_proba(wine2)
    ent = -np.sum(r[r > 0] * np.log(r[r > 0]))
    assert gm.icl(wine2) == pytest.approx(gm.bic(wine2) + 2 * ent)
    assert gm.icl(wine2) >= gm.bic(wine2)
    Xs, ys = gm.sample(5000)
    assert Xs.shape == (5000, 2) and set(np.unique(ys)) <= {0, 1}
    np.testing.assert_allclose(np.bincount(ys) / 5000, gm.weights_, atol=0.03)
    np.testing.assert_array_equal(gm.fit_predict(wine2), gm.predict(wine2))


def test_collapse_onto_a_point_warns_naming_the_component_and_the_fix():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(60, 2)), [[40.0, 40.0]]])  # one far outlier
    with pytest.warns(DegeneracyWarning) as caught:
        gm = GaussianMixture(2, random_state=0, init_params="kmeans").fit(X)
    ours = [w for w in caught if issubclass(w.category, DegeneracyWarning)]
    assert len(ours) == 1
    message = str(ours[0].message)
    k = int(gm.degenerate_components_[0])
    assert f"Component {k + 1} of 2" in message and "iteration" in message
    assert "reg_covar" in message and "fewer components" in message
    assert gm.degenerate_components_.tolist() == [k]
    assert ours[0].message.component == k and ours[0].message.iteration >= 1
    assert any("fewer components" in a for a in ours[0].message.advice)
    assert gm.means_[k] == pytest.approx([40.0, 40.0])  # scikit-learn's answer too
    # fewer components is a sound fit
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegeneracyWarning)
        assert GaussianMixture(1, random_state=0).fit(X).degenerate_components_.size == 0


def test_identical_rows_in_a_cluster_are_flagged():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(80, 2)), np.tile([[6.0, 6.0]], (30, 1))])
    with pytest.warns(DegeneracyWarning, match="identical or collinear"):
        gm = GaussianMixture(2, random_state=0).fit(X)
    assert gm.degenerate_components_.size == 1


def test_collapse_raises_only_where_sklearn_raises():
    X = np.repeat([[0.0, 0.0], [1.0, 1.0]], 5, axis=0)
    for ct in COVARIANCE_TYPES:  # collapsed components, no reg_covar: not PD in either
        with pytest.raises(ValueError, match="ill-defined empirical covariance"):
            SkGaussianMixture(10, reg_covar=0, covariance_type=ct, random_state=0).fit(X)
        with pytest.raises(DegenerateFitError, match="reg_covar") as info:
            GaussianMixture(10, reg_covar=0, covariance_type=ct, random_state=0).fit(X)
        assert info.value.advice and "ill-defined empirical covariance" in str(info.value)
        with pytest.warns(DegeneracyWarning):
            gm = GaussianMixture(10, covariance_type=ct, random_state=0).fit(X)
        assert gm.degenerate_components_.size > 0


def test_more_components_than_distinct_rows():
    X = np.repeat([[1.0, 2.0], [3.0, 4.0]], 20, axis=0)
    with pytest.warns(DegeneracyWarning, match="Component 3 of 3"):
        gm = GaussianMixture(3, random_state=0).fit(X)
    assert 2 in gm.degenerate_components_
    with pytest.raises(ValueError, match="n_samples"):
        GaussianMixture(5).fit(np.zeros((3, 2)) + np.arange(3)[:, None])


def test_bad_hyperparameters_say_what_was_expected(wine2):
    with pytest.raises(InvalidParameterError, match="covariance_type"):
        GaussianMixture(2, covariance_type="banana").fit(wine2)
    with pytest.raises(ValueError, match=r"'means' should have the shape of \(2, 2\)"):
        GaussianMixture(2, means_init=np.zeros((3, 2))).fit(wine2)
    with pytest.raises(ValueError, match="precision' should have the shape"):
        GaussianMixture(2, precisions_init=np.zeros((2, 3, 3))).fit(wine2)


def test_not_converged_warns(wine2):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianMixture(3, max_iter=2, tol=0, random_state=0).fit(wine2)
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_restarts_keep_the_best(wine2):
    gm = GaussianMixture(4, n_init=5, init_params="random", random_state=0).fit(wine2)
    bounds = [r.lower_bound for r in gm.init_results_]
    assert len(bounds) == 5
    assert gm.lower_bound_ == max(bounds)
    assert gm.init_results_[gm.best_init_].lower_bound == gm.lower_bound_
    starts = [r.start_params["means"] for r in gm.init_results_]
    assert all(s.shape == (4, 2) for s in starts)
    assert not np.allclose(starts[0], starts[1])  # each restart began somewhere else


def test_large_input_uses_blocks_and_gives_the_same_answer():
    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(size=(30000, 2)), rng.normal(size=(30000, 2)) + 4])
    kw = dict(
        tol=0,
        max_iter=3,
        weights_init=[0.5, 0.5],
        means_init=[[0, 0], [4, 4]],
        precisions_init=np.stack([np.eye(2)] * 2),
    )
    ours = GaussianMixture(2, **kw).fit(X)
    ref = SkGaussianMixture(2, **kw).fit(X)
    assert ours.score(X) == pytest.approx(ref.score(X), rel=1e-10)
