"""The estimators as drop-ins for scikit-learn: stable statistics, hard fits, parameters, dtypes.

Accuracy is checked against a two-pass float64 reference (the mean first, then the scatter
about it) at stated tolerances; behaviour against scikit-learn's own estimator.
"""

import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture as SkGaussianMixture
from sklearn.utils._param_validation import InvalidParameterError

from engine.mixtures import (
    COVARIANCE_TYPES,
    BernoulliMixture,
    DegeneracyWarning,
    GaussianMixture,
    PoissonMixture,
    gaussian_m_step,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

REG = 1e-6


def _two_clusters(sd: float, separation: float, offset: float = 0.0, n: int = 200, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, 2)) * sd + offset
    b = rng.normal(size=(n, 2)) * sd + offset + separation
    return np.vstack([a, b]), np.repeat([0, 1], n)


def _two_pass(X, labels, covariance_type, reg=REG):
    """Reference covariances in float64: each cluster's mean, then its scatter about it."""
    covs, counts = [], []
    for k in range(labels.max() + 1):
        Y = X[labels == k] - X[labels == k].mean(axis=0)
        covs.append(Y.T @ Y / len(Y))
        counts.append(len(Y))
    covs = np.array(covs)
    D = X.shape[1]
    if covariance_type == "full":
        return covs + reg * np.eye(D)
    if covariance_type == "tied":
        return np.tensordot(counts, covs, axes=1) / sum(counts) + reg * np.eye(D)
    diag = np.diagonal(covs, axis1=1, axis2=2)
    if covariance_type == "diag":
        return diag + reg
    return diag.mean(axis=1) + reg


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_tight_far_apart_clusters_fit_with_unit_covariances_like_sklearn(covariance_type):
    X, labels = _two_clusters(sd=1.0, separation=1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegeneracyWarning)
        ours = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    ref = SkGaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    assert ours.degenerate_components_.size == 0
    order = np.argsort(ours.means_[:, 0])
    ref_order = np.argsort(ref.means_[:, 0])
    cov = ours.covariances_ if covariance_type == "tied" else ours.covariances_[order]
    ref_cov = ref.covariances_ if covariance_type == "tied" else ref.covariances_[ref_order]
    full = covariance_type in ("full", "tied")
    variances = np.diagonal(cov, axis1=-2, axis2=-1) if full else cov
    np.testing.assert_allclose(variances, 1.0, atol=0.25)  # sample variances of 200 unit normals
    if covariance_type == "full":  # scikit-learn's full M-step is two-pass too
        np.testing.assert_allclose(cov, ref_cov, rtol=1e-9, atol=1e-12)
        assert ours.score(X) == pytest.approx(ref.score(X), rel=1e-12)
    else:  # its tied/diag/spherical formulas are one-pass: they lose ~1e-3 here
        np.testing.assert_allclose(cov, ref_cov, rtol=1e-2, atol=1e-2)
        np.testing.assert_allclose(cov, _two_pass(X, labels, covariance_type), rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("ratio", [1e-1, 1e-3, 1e-5, 1e-7])
@pytest.mark.parametrize("offset", [0.0, 1e8])
def test_covariances_match_a_two_pass_reference_wherever_the_data_sit(
    covariance_type, ratio, offset
):
    """sd / separation down to 1e-7, near the origin or far from it: 1e-9 relative."""
    sd, separation = 1.0, 1.0 / ratio
    X, labels = _two_clusters(sd, separation, offset=offset)
    kw = dict(covariance_type=covariance_type, tol=0, max_iter=5)
    means = np.array([X[labels == k].mean(axis=0) for k in (0, 1)])
    gm = GaussianMixture(2, means_init=means + 0.3, **kw).fit(X)
    if ratio <= 1e-3:  # well separated: hard responsibilities, the two-pass answer exactly
        order = np.argsort(gm.means_[:, 0])
        cov = gm.covariances_ if covariance_type == "tied" else gm.covariances_[order]
        ref = _two_pass(X, labels, covariance_type)
        np.testing.assert_allclose(cov, ref, rtol=1e-9, atol=0)
        np.testing.assert_allclose(gm.means_[order], means, rtol=1e-15, atol=1e-9 * sd)
    else:  # overlapping: the M-step from the fit's own responsibilities, two-pass
        resp = gm.predict_proba(X)
        ref = _weighted_two_pass(X, resp, covariance_type)
        gm1 = GaussianMixture(
            2,
            means_init=gm.means_,
            weights_init=gm.weights_,
            precisions_init=gm.precisions_,
            covariance_type=covariance_type,
            tol=0,
            max_iter=1,
        ).fit(X)
        np.testing.assert_allclose(gm1.covariances_, ref, rtol=1e-9, atol=0)


def _weighted_two_pass(X, resp, covariance_type, reg=REG):
    nk = resp.sum(axis=0)
    means = resp.T @ X / nk[:, None]
    covs = np.array(
        [((X - m).T * r) @ (X - m) / s for m, r, s in zip(means, resp.T, nk, strict=True)]
    )
    D = X.shape[1]
    if covariance_type == "full":
        return covs + reg * np.eye(D)
    if covariance_type == "tied":
        return np.tensordot(nk, covs, axes=1) / nk.sum() + reg * np.eye(D)
    diag = np.diagonal(covs, axis1=1, axis2=2)
    return diag + reg if covariance_type == "diag" else diag.mean(axis=1) + reg


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_the_pure_m_step_is_two_pass_accurate_far_from_the_origin(covariance_type):
    X, labels = _two_clusters(sd=1.0, separation=1e7, offset=-3e7)
    resp = np.eye(2)[labels]
    _, means, cov = gaussian_m_step(X, resp, REG, covariance_type)
    np.testing.assert_allclose(cov, _two_pass(X, labels, covariance_type), rtol=1e-9, atol=0)


# -- parameters ------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [GaussianMixture, PoissonMixture, BernoulliMixture])
@pytest.mark.parametrize(
    "bad",
    [
        {"n_components": 0},
        {"tol": -1.0},
        {"max_iter": -1},
        {"n_init": 0},
        {"init_params": "banana"},
        {"warm_start": "yes"},
        {"verbose_interval": 0},
    ],
)
def test_bad_hyperparameters_raise_sklearns_invalid_parameter_error(cls, bad):
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * 3)
    with pytest.raises(InvalidParameterError, match=next(iter(bad))):
        cls(**{"n_components": 2, **bad}).fit(X)


def test_family_hyperparameters_are_validated_too():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * 3)
    with pytest.raises(InvalidParameterError, match="alpha"):
        BernoulliMixture(2, alpha=-1).fit(X)
    with pytest.raises(InvalidParameterError, match="reg_covar"):
        GaussianMixture(2, reg_covar=-1).fit(X)
    with pytest.raises(InvalidParameterError, match="covariance_type"):
        GaussianMixture(2, covariance_type="round").fit(X)


def test_numpy_scalar_hyperparameters_are_accepted(wine2):
    gm = GaussianMixture(np.int64(2), tol=np.float32(1e-3), reg_covar=np.float32(1e-6))
    gm.fit(wine2)
    assert gm.converged_


def _spd(D, seed):
    A = np.random.default_rng(seed).normal(size=(D, D))
    return A @ A.T + D * np.eye(D)


@pytest.mark.parametrize(
    ("covariance_type", "precisions", "message"),
    [
        ("full", np.stack([_spd(2, 0), _spd(2, 1) + [[0, 1], [0, 0]]]), "symmetric"),
        ("full", np.stack([_spd(2, 0), -np.eye(2)]), "positive-definite"),
        ("tied", np.array([[1.0, 2.0], [2.0, 1.0]]), "positive-definite"),
        ("tied", np.array([[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
        ("diag", np.array([[1.0, 1.0], [0.0, 1.0]]), "positive"),
        ("spherical", np.array([1.0, 0.0]), "positive"),
        ("spherical", np.array([1.0, 1.0, 1.0]), "shape of \\(2,\\)"),
    ],
)
def test_precisions_init_is_checked_up_front(wine2, covariance_type, precisions, message):
    gm = GaussianMixture(2, covariance_type=covariance_type, precisions_init=precisions)
    with pytest.raises(ValueError, match=f"'{covariance_type} precision' should .*{message}"):
        gm.fit(wine2)


# -- warm_start and verbose --------------------------------------------------------------


def _data(cls):
    rng = np.random.default_rng(0)
    if cls is GaussianMixture:
        return rng.normal(size=(300, 2)) + np.repeat([[0, 0], [3, 3], [0, 4]], 100, axis=0)
    if cls is PoissonMixture:
        return rng.poisson(np.repeat([[2, 9], [9, 2]], 150, axis=0)).astype(float)
    return (rng.random((300, 6)) < np.repeat([[0.9] * 3 + [0.1] * 3, [0.2] * 6], 150, 0)) * 1.0


@pytest.mark.parametrize("cls", [GaussianMixture, PoissonMixture, BernoulliMixture])
def test_warm_start_continues_where_the_last_fit_stopped(cls):
    X = _data(cls)
    cold = cls(2, max_iter=4, tol=0, random_state=0).fit(X)
    warm = cls(2, max_iter=2, tol=0, random_state=0, warm_start=True)
    warm.fit(X)
    warm.fit(X)
    np.testing.assert_allclose(warm.means_, cold.means_, rtol=1e-12)
    np.testing.assert_allclose(warm.weights_, cold.weights_, rtol=1e-12)
    assert warm.n_iter_ == 2
    # n_init is ignored on a warm refit (one run), and convergence is judged across fits
    warm.set_params(n_init=3, tol=1e-3, max_iter=1)
    for _ in range(200):
        warm.fit(X)
        if warm.converged_:
            break
    assert warm.converged_ and len(warm.init_results_) == 1


@pytest.mark.parametrize("cls", [GaussianMixture, PoissonMixture, BernoulliMixture])
def test_verbose_prints_sklearns_progress_lines(cls, capsys):
    X = _data(cls)
    cls(2, random_state=0, verbose=1, verbose_interval=1, max_iter=3, tol=0).fit(X)
    out = capsys.readouterr().out
    assert "Initialization 0" in out and "  Iteration 3" in out
    assert "Initialization did not converge." in out
    cls(2, random_state=0, verbose=2, verbose_interval=2, max_iter=3, tol=0).fit(X)
    out = capsys.readouterr().out
    assert "ll change" in out and "lower bound" in out and "Iteration 3" not in out
    cls(2, random_state=0).fit(X)
    assert capsys.readouterr().out == ""


# -- dtypes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [GaussianMixture, PoissonMixture, BernoulliMixture])
def test_float32_in_float32_out(cls):
    X = _data(cls)
    m64 = cls(2, random_state=0).fit(X)
    m32 = cls(2, random_state=0).fit(X.astype(np.float32))
    names = ["weights_", "means_"]
    if cls is GaussianMixture:
        names += ["covariances_", "precisions_cholesky_", "precisions_"]
    for name in names:
        assert getattr(m32, name).dtype == np.float32, name
        assert getattr(m64, name).dtype == np.float64, name
        np.testing.assert_allclose(getattr(m32, name), getattr(m64, name), rtol=1e-4, atol=1e-5)
    X32 = X.astype(np.float32)
    assert m32.score_samples(X32).dtype == np.float32
    assert m32.predict_proba(X32).dtype == np.float32
    assert m64.score_samples(X).dtype == np.float64
    assert m32.sample(5)[0].dtype == np.float32
    assert m32.score(X32) == pytest.approx(m64.score(X), rel=1e-5)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_per_component_centres_give_the_shared_centre_answer_on_ordinary_data(
    wine2, covariance_type
):
    """The shifted pass (used for far-apart clusters) and the shared one agree where both
    are accurate: same log-likelihood, responsibilities and M-step."""
    gm = GaussianMixture(3, covariance_type=covariance_type, max_iter=3, random_state=0)
    gm.fit(wine2)
    fam = gm._family()
    fam.prepare(wine2)
    params = fam.complete_params({name: getattr(gm, name + "_") for name in fam.param_names})
    assert fam.shifts(params) is None  # ordinary data take the shared, faster pass
    shared = gm._pass(fam, wine2, gm.weights_, params, want_resp=True)
    centers = params["means"] + 0.1  # near the means, as the previous iteration's are
    shifted = gm._pass(fam, wine2, gm.weights_, params, want_resp=True, centers=centers)
    assert shifted[0] == pytest.approx(shared[0], rel=1e-13)
    np.testing.assert_allclose(shifted[1], shared[1], rtol=1e-12)
    np.testing.assert_allclose(shifted[3], shared[3], rtol=1e-10, atol=1e-13)
    a = fam.params_from_stats(shared[1], shared[2])
    b = fam.params_from_stats(shifted[1], shifted[2], centers)
    for name in fam.param_names:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-11, atol=1e-13)
