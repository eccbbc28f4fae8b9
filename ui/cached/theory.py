"""The theory resource: the "Discrete vs continuous" sweeps and the Theory lab's experiments.

Both pages work on the built-in 8x8 digits by design, black and white, on the app's fixed split
(:func:`ui.cached.vae.digits`, cached once for the app), with the shipped VAEs from the one
loader :func:`ui.cached.vae.shipped`. Every function is keyed by small values (K, a latent size,
a digit's row, a seed, a step); results are small and cached with ``st.cache_data``, fitted
mixtures with ``st.cache_resource`` (only read: sampling uses a shallow copy with its own
``random_state``).

The settings are those of ``bench/bench_latents.py`` (sweeps) and fixed sample counts and
repeats (experiments), so every visitor sees the same seeded numbers.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch
from sklearn.exceptions import ConvergenceWarning

from engine.mixtures import BernoulliMixture, GaussianMixture
from engine.mixtures.coordinate import bound_slice, likelihood_slice, m_step_mean
from engine.vae import VAE, elbo, iwae_log_likelihood, sample_prior
from engine.vae import theory as vae_theory
from ui.cached import vae as cvae
from ui.figures.theory import CoordinateSlice

MAX_ENTRIES = 64
TTL = "6h"

# --------------------------------------------------------------------------- discrete vs continuous

#: The sweeps, as in ``bench/bench_latents.py``.
KS: tuple[int, ...] = (1, 2, 5, 10, 20, 30, 50)
LATENTS: tuple[int, ...] = cvae.SHIPPED_LATENTS
N_INIT = 3
RANDOM_STATE = 0
#: Samples of z per image for the ELBO, importance samples per image for IWAE.
SWEEP_ELBO_SAMPLES = 100
SWEEP_IWAE_K = 1000
METRIC_SEED = 0


def fit_mixture(k: int, X_train: np.ndarray) -> BernoulliMixture:
    """``BernoulliMixture(k, n_init=3, random_state=0)`` fitted on ``X_train`` (uncached)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return BernoulliMixture(k, n_init=N_INIT, random_state=RANDOM_STATE).fit(X_train)


@st.cache_resource(show_spinner=False, max_entries=len(KS))
def mixture(k: int) -> BernoulliMixture:
    """The K-component mixture fitted on the digits, shared by every visitor. Read it only."""
    return fit_mixture(k, np.asarray(cvae.digits().X_train, dtype=np.float64))


def n_weights(model: VAE) -> int:
    """Every weight and bias of the encoder and decoder."""
    return int(sum(p.numel() for p in model.parameters()))


@st.cache_data(show_spinner="Fitting Bernoulli mixtures for K = 1 … 50 (a few seconds, once)…")
def mixture_sweep() -> list[dict]:
    """One row per K: ``k``, ``n_parameters`` and ``log_likelihood`` (exact, nats per image)."""
    X_test = np.asarray(cvae.digits().X_test, dtype=np.float64)
    rows = []
    for k in KS:
        m = mixture(k)
        rows.append({"k": k, "n_parameters": m.n_parameters(), "log_likelihood": m.score(X_test)})
    return rows


def vae_metrics(model: VAE, X_test: np.ndarray, seed: int = METRIC_SEED) -> dict:
    """Mean held-out ELBO and IWAE estimate, one generator seeded ``seed`` for both (uncached)."""
    g = torch.Generator().manual_seed(seed)
    e = float(elbo(model, X_test, n_samples=SWEEP_ELBO_SAMPLES, generator=g).mean())
    i = float(iwae_log_likelihood(model, X_test, k=SWEEP_IWAE_K, generator=g).mean())
    return {"elbo": e, "iwae": i}


@st.cache_data(
    show_spinner="Estimating the VAEs' ELBO and log p(x) on 360 held-out digits "
    "(several seconds, once)…"
)
def vae_sweep() -> list[dict]:
    """One row per latent size: ``d``, ``n_parameters``, ``elbo`` and ``iwae`` (nats per image)."""
    X_test = cvae.digits().X_test
    rows = []
    for d in LATENTS:
        model = cvae.shipped(d)
        rows.append({"d": d, "n_parameters": n_weights(model), **vae_metrics(model, X_test)})
    return rows


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def mixture_samples(k: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` draws from the K-component mixture, in a seeded random order.

    Returns
    -------
    X : ndarray of shape (n, 64), float32
        Drawn 0/1 pixels.
    component : ndarray of shape (n,), int
        The component each image was drawn from (from 0).
    prototype : ndarray of shape (n, 64), float32
        That component's ink probabilities: the one picture the discrete latent chose.
    """
    model = copy.copy(mixture(k))  # a shallow copy: the shared model's random_state stays as is
    model.random_state = seed
    X, comp = model.sample(n)
    order = np.random.default_rng(seed).permutation(n)
    X, comp = X[order], comp[order]
    return X.astype(np.float32), comp, model.means_[comp].astype(np.float32)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def vae_samples(latent_dim: int, n: int, seed: int) -> np.ndarray:
    """``n`` decoded prior draws z ~ N(0, I): ink probabilities, shape (n, 64), float32."""
    g = torch.Generator().manual_seed(seed)
    return np.asarray(sample_prior(cvae.shipped(latent_dim), n, generator=g), dtype=np.float32)


# --------------------------------------------------------------------------- theory lab

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


def _test_digit(index: int) -> np.ndarray:
    return cvae.digits().X_test[index : index + 1]


@st.cache_data(
    show_spinner="Estimating the ELBO three ways (a few seconds, once)…",
    max_entries=4,
    ttl=TTL,
)
def elbo_spread(n_images: int = ELBO_IMAGES, seed: int = 0) -> list[dict]:
    """:func:`engine.vae.theory.elbo_estimator_spread` on the first ``n_images`` held-out digits."""
    return vae_theory.elbo_estimator_spread(
        cvae.shipped(2),
        cvae.digits().X_test[:n_images],
        ELBO_SAMPLES,
        n_repeats=ELBO_REPEATS,
        seed=seed,
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
    return vae_theory.encoder_gradient_variance(
        cvae.shipped(2), _test_digit(index), GRAD_SAMPLES, n_repeats=GRAD_REPEATS, seed=seed
    )


@st.cache_data(
    show_spinner="Estimating log p(x) from the prior and from q(z|x) (a few seconds)…",
    max_entries=MAX_ENTRIES,
    ttl=TTL,
)
def marginal_likelihood(index: int, seed: int = 0) -> list[dict]:
    """:func:`engine.vae.theory.marginal_likelihood_estimates` on held-out digit ``index``."""
    return vae_theory.marginal_likelihood_estimates(
        cvae.shipped(2), _test_digit(index), ML_SAMPLES, n_repeats=ML_REPEATS, seed=seed
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


@st.cache_resource(show_spinner=False, max_entries=4)
def coordinate_run(seed: int = 0) -> CoordinateRun:
    """The recorded run on :func:`coordinate_data`, cached (read it only)."""
    return record_run(coordinate_data(seed))


def n_coordinate_steps(seed: int = 0) -> int:
    """Records in the run (E and M steps)."""
    return coordinate_run(seed).n_steps


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def coordinate_slice(step: int, which: int, seed: int = 0) -> CoordinateSlice:
    """:func:`slice_at` on the cached run."""
    return slice_at(coordinate_run(seed), step, which)
