"""Cached engine calls for the "Theory lab" page.

The default VAE is loaded once per server (``st.cache_resource``) and only read: the theory
experiments switch it to eval mode and back, and never train it. Experiment results are small
lists of dicts, cached per choice (``st.cache_data``) with the sample counts and repeats fixed
here, so the page stays quick and every visitor sees the same seeded numbers.

The coordinate-ascent run is a fixed, seeded 1-D example: its recorded history is cached, and
the page keeps only a step index in session state.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
from sklearn.exceptions import ConvergenceWarning

from engine.data import digits_split
from engine.mixtures import GaussianMixture
from engine.mixtures.coordinate import bound_slice, likelihood_slice, m_step_mean
from engine.vae import VAE, load
from engine.vae import theory as vae_theory
from ui.figures.theory import CoordinateSlice

WEIGHTS = Path(__file__).resolve().parents[1] / "assets" / "vae" / "digits_bernoulli_2d.safetensors"
MAX_ENTRIES = 64
TTL = "6h"

#: Section 1: held-out digits averaged over, sample counts and repeats.
ELBO_IMAGES = 16
ELBO_SAMPLES = (1, 4, 16, 64)
ELBO_REPEATS = 30
#: Section 2: the toy objective's target and the two experiments' sample counts and repeats.
TOY_TARGET = 3.0
TOY_SAMPLES = (1, 4, 16, 64, 256)
TOY_REPEATS = 500
GRAD_SAMPLES = (1, 4, 16, 64)
GRAD_REPEATS = 30
#: Section 3.
ML_SAMPLES = (1, 10, 100, 1000, 10000)
ML_REPEATS = 12
#: Section 4: the 1-D data (two overlapping normals) and the deliberately poor start.
EM_ITERATIONS = 12
EM_MEANS_INIT = (-1.0, 0.0)
EM_GRID = 401


@st.cache_resource(show_spinner="Loading the VAE…")
def vae() -> VAE:
    """The app's default trained VAE (2-D latent, Bernoulli pixels). Read it; never change it."""
    return load(WEIGHTS)


@st.cache_data(show_spinner=False)
def test_digits() -> tuple[np.ndarray, np.ndarray]:
    """The held-out 8x8 binary digits: ``X`` of shape (n, 64) and labels ``y`` of shape (n,)."""
    _, X_test, _, y_test = digits_split(binary=True)
    return X_test, y_test


@st.cache_data(
    show_spinner="Estimating the ELBO three ways (a few seconds, once)…",
    max_entries=4,
    ttl=TTL,
)
def elbo_spread(n_images: int = ELBO_IMAGES, seed: int = 0) -> list[dict]:
    """:func:`engine.vae.theory.elbo_estimator_spread` on the first ``n_images`` held-out digits."""
    X, _ = test_digits()
    return vae_theory.elbo_estimator_spread(
        vae(), X[:n_images], ELBO_SAMPLES, n_repeats=ELBO_REPEATS, seed=seed
    )


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def toy_gradients(mu: float, sigma: float, seed: int = 0) -> list[dict]:
    """:func:`engine.vae.theory.toy_gradient_variance` for ``z ~ N(mu, sigma^2)``."""
    return vae_theory.toy_gradient_variance(
        TOY_SAMPLES, n_repeats=TOY_REPEATS, mu=mu, sigma=sigma, target=TOY_TARGET, seed=seed
    )


@st.cache_data(
    show_spinner="Estimating encoder gradients both ways (a few seconds)…",
    max_entries=MAX_ENTRIES,
    ttl=TTL,
)
def encoder_gradients(index: int, seed: int = 0) -> list[dict]:
    """:func:`engine.vae.theory.encoder_gradient_variance` on held-out digit ``index``."""
    X, _ = test_digits()
    return vae_theory.encoder_gradient_variance(
        vae(), X[index : index + 1], GRAD_SAMPLES, n_repeats=GRAD_REPEATS, seed=seed
    )


@st.cache_data(
    show_spinner="Estimating log p(x) from the prior and from q(z|x) (a few seconds)…",
    max_entries=MAX_ENTRIES,
    ttl=TTL,
)
def marginal_likelihood(index: int, seed: int = 0) -> list[dict]:
    """:func:`engine.vae.theory.marginal_likelihood_estimates` on held-out digit ``index``."""
    X, _ = test_digits()
    return vae_theory.marginal_likelihood_estimates(
        vae(), X[index : index + 1], ML_SAMPLES, n_repeats=ML_REPEATS, seed=seed
    )


# --------------------------------------------------------------------------- coordinate ascent


@dataclass(frozen=True)
class CoordinateRun:
    """A recorded 1-D EM run as arrays: one entry per history record (E, M, E, M, ...).

    Attributes
    ----------
    x : ndarray of shape (n,)
    phase : tuple of str, length S
    iteration : ndarray of shape (S,)
    weights, means, variances : ndarray of shape (S, K)
    log_likelihood, elbo : ndarray of shape (S,)
        Totals in nats.
    resp : ndarray of shape (S, n, K)
        The responsibilities of the latest E-step at each record.
    """

    x: np.ndarray
    phase: tuple[str, ...]
    iteration: np.ndarray
    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    log_likelihood: np.ndarray
    elbo: np.ndarray
    resp: np.ndarray

    @property
    def n_steps(self) -> int:
        return len(self.phase)


def coordinate_data(seed: int = 0) -> np.ndarray:
    """250 draws from two overlapping normals, N(-2, 1) (150) and N(2, 1) (100)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(-2.0, 1.0, 150), rng.normal(2.0, 1.0, 100)])


def record_run(x: np.ndarray, iterations: int = EM_ITERATIONS) -> CoordinateRun:
    """Fit a two-component 1-D Gaussian mixture from a fixed start and keep every step."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm = GaussianMixture(
            2,
            tol=0,
            max_iter=iterations,
            weights_init=[0.5, 0.5],
            means_init=np.array(EM_MEANS_INIT)[:, None],
            precisions_init=np.ones((2, 1, 1)),
            record_history=True,
        ).fit(x[:, None])
    hist = gm.history_
    resp, latest = [], None
    for rec in hist:
        if rec.resp is not None:
            latest = rec.resp.astype(np.float64)
        resp.append(latest)
    return CoordinateRun(
        x=np.asarray(x, float),
        phase=tuple(r.phase for r in hist),
        iteration=np.array([r.iteration for r in hist]),
        weights=np.array([r.weights for r in hist]),
        means=np.array([r.params["means"][:, 0] for r in hist]),
        variances=np.array([r.params["covariances"][:, 0, 0] for r in hist]),
        log_likelihood=np.array([r.log_likelihood for r in hist]),
        elbo=np.array([r.elbo for r in hist]),
        resp=np.stack(resp),
    )


def slice_at(run: CoordinateRun, step: int, which: int, n_grid: int = EM_GRID) -> CoordinateSlice:
    """The log-likelihood and the bound along component ``which``'s mean at record ``step``."""
    w, m, v = run.weights[step], run.means[step], run.variances[step]
    resp = run.resp[step]
    pad = 0.1 * (run.x.max() - run.x.min())
    grid = np.linspace(run.x.min() - pad, run.x.max() + pad, n_grid)
    phase = run.phase[step]
    return CoordinateSlice(
        x=run.x,
        grid=grid,
        loglik=likelihood_slice(run.x, w, m, v, which, grid),
        bound=bound_slice(run.x, w, m, v, resp, which, grid),
        which=which,
        phase=phase,
        iteration=int(run.iteration[step]),
        mean=float(m[which]),
        target=m_step_mean(run.x, resp, which),
        previous=float(run.means[step - 1][which]) if phase == "M" and step > 0 else None,
        weights=w,
        means=m,
        variances=v,
        log_likelihood=float(run.log_likelihood[step]),
        elbo=float(run.elbo[step]),
    )


@st.cache_data(show_spinner=False, max_entries=4)
def coordinate_run(seed: int = 0) -> CoordinateRun:
    """The recorded run on :func:`coordinate_data`, cached."""
    return record_run(coordinate_data(seed))


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def coordinate_slice(step: int, which: int, seed: int = 0) -> CoordinateSlice:
    """:func:`slice_at` on the cached run."""
    return slice_at(coordinate_run(seed), step, which)
