"""The fit history as stacked arrays, and the responsibilities at any step of it."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import digits_split, load_builtin
from engine.mixtures import (
    BernoulliMixture,
    GaussianMixture,
    History,
    PoissonMixture,
    responsibilities_at,
)
from engine.mixtures.base import log_normalize


def _fit(family: str, covariance_type: str = "full", seed: int = 0, **kw):
    """A small fit of each family with its history, and the rows it was fitted on."""
    if family == "gaussian":
        X = load_builtin("iris").X
        model = GaussianMixture(
            3, covariance_type=covariance_type, random_state=seed, record_history=True, **kw
        )
    elif family == "poisson":
        X = load_builtin("counts").X
        model = PoissonMixture(
            3, init_params="random", random_state=seed, record_history=True, **kw
        )
    else:
        X = digits_split(binary=True)[0][:300]
        model = BernoulliMixture(
            4, init_params="random", random_state=seed, record_history=True, **kw
        )
    return model.fit(X), X


CASES = [
    ("gaussian", "full"),
    ("gaussian", "tied"),
    ("gaussian", "diag"),
    ("gaussian", "spherical"),
    ("poisson", None),
    ("bernoulli", None),
]
IDS = [f"{f}-{c}" if c else f for f, c in CASES]


def _at(model, history: History, s: int):
    """A copy of ``model`` whose parameters are those of record ``s``."""
    clone = type(model)(**model.get_params())
    clone.__dict__.update({k: v for k, v in vars(model).items() if k.endswith("_")})
    clone.weights_ = history.weights[s]
    for name, value in history.params_at(s).items():
        setattr(clone, name + "_", value)
    return clone


@pytest.mark.parametrize(("family", "covariance_type"), CASES, ids=IDS)
def test_stacked_shapes_and_labels(family, covariance_type):
    model, X = _fit(family, covariance_type or "full")
    h = model.history_arrays_
    T, K, D = len(model.history_), model.n_components, X.shape[1]
    assert h.n_steps == T == 2 * model.n_iter_
    assert h.family == family and h.covariance_type == covariance_type
    assert h.n_rows == X.shape[0] and h.n_components == K
    assert h.iteration.shape == (T,) and h.iteration.dtype == np.int64
    assert h.phase == tuple("EM" * model.n_iter_)
    assert h.weights.shape == (T, K)
    assert h.params["means"].shape == (T, K, D)
    if family == "gaussian":
        cov_shape = {"full": (K, D, D), "tied": (D, D), "diag": (K, D), "spherical": (K,)}
        assert h.params["covariances"].shape == (T, *cov_shape[covariance_type])
        assert h.params["precisions_cholesky"].shape == (T, *cov_shape[covariance_type])
    else:
        assert set(h.params) == {"means"}
    for a in (h.log_likelihood, h.elbo, h.kl, h.log_prior):
        assert a.shape == (T,)
    np.testing.assert_array_equal(h.kl, h.log_likelihood - h.elbo)
    np.testing.assert_array_equal(h.e_steps, np.arange(0, T, 2))
    np.testing.assert_array_equal(h.m_steps, np.arange(1, T, 2))
    assert h.label(0) == "Iteration 1, E-step"
    assert h.label(3) == "Iteration 2, M-step"
    assert h.labels[-1] == f"Iteration {model.n_iter_}, M-step"
    assert h.step_of(2, "E") == 2
    # the last record is the fitted model
    for name, value in h.params_at(-1).items():
        np.testing.assert_array_equal(value, getattr(model, name + "_"))
    np.testing.assert_array_equal(h.weights[-1], model.weights_)


def test_records_and_arrays_agree(wine2):
    model = GaussianMixture(3, random_state=1, record_history=True).fit(wine2)
    h = model.history_arrays_
    for s, r in enumerate(model.history_):
        assert h.iteration[s] == r.iteration and h.phase[s] == r.phase
        np.testing.assert_array_equal(h.weights[s], r.weights)
        for name in ("means", "covariances", "precisions_cholesky"):
            np.testing.assert_array_equal(h.params[name][s], r.params[name])
        assert h.log_likelihood[s] == r.log_likelihood and h.elbo[s] == r.elbo
        assert h.resp[s] is r.resp


def test_arrays_are_read_only_and_cached_until_the_next_fit(wine2):
    model = GaussianMixture(2, random_state=0, record_history=True).fit(wine2)
    h = model.history_arrays_
    assert model.history_arrays_ is h
    with pytest.raises(ValueError):
        h.weights[0, 0] = 1.0
    with pytest.raises(ValueError):
        h.params["means"][0, 0, 0] = 1.0
    model.set_params(random_state=1).fit(wine2)
    assert model.history_arrays_ is not h


def test_no_history_without_record_history(wine2):
    model = GaussianMixture(2, random_state=0).fit(wine2)
    assert not hasattr(model, "history_arrays_")
    with pytest.raises(ValueError, match="record_history=True"):
        History.from_model(model)


def test_index_errors_say_the_range(wine2):
    h = GaussianMixture(2, random_state=0, record_history=True).fit(wine2).history_arrays_
    with pytest.raises(IndexError, match="outside"):
        h.label(h.n_steps)
    with pytest.raises(IndexError, match="No M-step of iteration 999"):
        h.step_of(999, "M")


@pytest.mark.parametrize(("family", "covariance_type"), CASES, ids=IDS)
def test_responsibilities_match_predict_proba_at_every_step(family, covariance_type):
    model, X = _fit(family, covariance_type or "full")
    h = model.history_arrays_
    for s in range(h.n_steps):
        resp = responsibilities_at(model, h, X, s)
        assert resp.shape == (X.shape[0], model.n_components)
        np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        np.testing.assert_allclose(resp, _at(model, h, s).predict_proba(X), rtol=0, atol=1e-9)


@pytest.mark.parametrize(("family", "covariance_type"), CASES, ids=IDS)
def test_e_record_gives_what_the_driver_recorded(family, covariance_type):
    model, X = _fit(family, covariance_type or "full")
    h = model.history_arrays_
    for s in h.e_steps:
        resp = responsibilities_at(model, h, X, s)
        # the driver's own numbers, kept as float32
        np.testing.assert_array_equal(resp.astype(np.float32), h.resp[s])
        np.testing.assert_array_equal(
            responsibilities_at(model, h, X, s, recorded=True), h.resp[s].astype(np.float64)
        )
        # their column sums are the E-step's effective counts, which the M-step used
        np.testing.assert_allclose(resp.sum(axis=0), h.effective_counts[s], rtol=1e-12)
        np.testing.assert_array_equal(h.effective_counts[s + 1], h.effective_counts[s])


@pytest.mark.parametrize(("family", "covariance_type"), CASES, ids=IDS)
def test_m_record_gives_what_the_next_e_step_gives(family, covariance_type):
    model, X = _fit(family, covariance_type or "full")
    h = model.history_arrays_
    for s in h.m_steps[:-1]:
        assert h.phase[s + 1] == "E"
        np.testing.assert_array_equal(
            responsibilities_at(model, h, X, s), responsibilities_at(model, h, X, s + 1)
        )
    # and an M-step moves them: they differ from the E-step before it
    first_m = h.m_steps[0]
    assert not np.allclose(
        responsibilities_at(model, h, X, first_m), responsibilities_at(model, h, X, first_m - 1)
    )


def test_new_rows_and_the_default_history():
    model, X = _fit("gaussian", "diag")
    grid = np.random.default_rng(0).normal(X.mean(axis=0), X.std(axis=0), size=(50, 4))
    resp = responsibilities_at(model, None, grid, 2)
    h = model.history_arrays_
    weighted = _at(model, h, 2)._weighted_log_prob(grid)
    np.testing.assert_allclose(resp, log_normalize(weighted)[1], rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="training rows"):
        responsibilities_at(model, None, grid, 2, recorded=True)
    with pytest.raises(ValueError, match="features"):
        responsibilities_at(model, None, grid[:, :2], 2)


def test_uniform_weights_and_no_kept_responsibilities(wine2):
    model = GaussianMixture(
        3, uniform_weights=True, record_history=True, history_resp_cells=0, random_state=0
    ).fit(wine2)
    h = model.history_arrays_
    assert all(r is None for r in h.resp)
    np.testing.assert_array_equal(h.weights, 1 / 3)
    s = int(h.e_steps[-1])
    resp = responsibilities_at(model, h, wine2, s, recorded=True)  # nothing kept: computed
    np.testing.assert_allclose(resp.sum(axis=0), h.effective_counts[s], rtol=1e-12)
