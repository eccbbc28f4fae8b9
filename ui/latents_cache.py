"""Cached engine calls for the "Discrete vs continuous" page.

Everything here is computed on the app's fixed split of the binarised 8x8 digits
(:func:`engine.data.digits_split`), with the settings of ``bench/bench_latents.py``, so the page
shows the benchmark's numbers.

Models
    Fitted Bernoulli mixtures (one per K) and the shipped VAEs (one per latent size) are kept
    with ``st.cache_resource`` and only read: sampling a mixture uses a shallow copy with its
    own ``random_state``, and VAEs are only evaluated (they load in eval mode).

Numbers and images
    The two sweeps (mixture log-likelihood over K, VAE ELBO and IWAE over latent size) and the
    sample grids are small and cached with ``st.cache_data``. The sweeps take no argument that
    changes per visitor, so every visitor after the first gets them warm.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np
import streamlit as st
import torch
from sklearn.exceptions import ConvergenceWarning

from engine.data import digits_split
from engine.mixtures import BernoulliMixture
from engine.vae import VAE, elbo, iwae_log_likelihood, load, sample_prior

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "vae"
#: The sweeps, as in ``bench/bench_latents.py``.
KS: tuple[int, ...] = (1, 2, 5, 10, 20, 30, 50)
LATENTS: tuple[int, ...] = (2, 4, 8, 16)
N_INIT = 3
RANDOM_STATE = 0
#: Samples of z per image for the ELBO, importance samples per image for IWAE.
ELBO_SAMPLES = 100
IWAE_K = 1000
METRIC_SEED = 0
TTL = "6h"
MAX_SAMPLE_ENTRIES = 64


def weights_path(latent_dim: int) -> Path:
    """The shipped VAE with a ``latent_dim``-dimensional code."""
    return ASSETS / f"digits_bernoulli_{latent_dim}d.safetensors"


@st.cache_data(show_spinner=False)
def split() -> tuple[np.ndarray, np.ndarray]:
    """The fixed split's binary images: ``X_train`` (1437, 64) and ``X_test`` (360, 64)."""
    X_train, X_test, _, _ = digits_split(binary=True)
    return X_train, X_test


def fit_mixture(k: int, X_train: np.ndarray) -> BernoulliMixture:
    """``BernoulliMixture(k, n_init=3, random_state=0)`` fitted on ``X_train`` (uncached)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return BernoulliMixture(k, n_init=N_INIT, random_state=RANDOM_STATE).fit(X_train)


@st.cache_resource(show_spinner=False, max_entries=len(KS))
def mixture(k: int) -> BernoulliMixture:
    """The fitted K-component mixture, shared by every visitor. Read it; never refit it."""
    return fit_mixture(k, split()[0])


@st.cache_resource(show_spinner=False, max_entries=len(LATENTS))
def vae(latent_dim: int) -> VAE:
    """The shipped VAE with this latent size, in eval mode. Read it; never train it."""
    return load(weights_path(latent_dim))


def n_weights(model: VAE) -> int:
    """Every weight and bias of the encoder and decoder."""
    return int(sum(p.numel() for p in model.parameters()))


@st.cache_data(show_spinner="Fitting Bernoulli mixtures for K = 1 … 50 (a few seconds, once)…")
def mixture_sweep() -> list[dict]:
    """One row per K: ``k``, ``n_parameters`` and ``log_likelihood`` (exact, nats per image)."""
    X_test = split()[1]
    rows = []
    for k in KS:
        m = mixture(k)
        rows.append({"k": k, "n_parameters": m.n_parameters(), "log_likelihood": m.score(X_test)})
    return rows


def vae_metrics(model: VAE, X_test: np.ndarray, seed: int = METRIC_SEED) -> dict:
    """Mean held-out ELBO and IWAE estimate, one generator seeded ``seed`` for both (uncached)."""
    g = torch.Generator().manual_seed(seed)
    e = float(elbo(model, X_test, n_samples=ELBO_SAMPLES, generator=g).mean())
    i = float(iwae_log_likelihood(model, X_test, k=IWAE_K, generator=g).mean())
    return {"elbo": e, "iwae": i}


@st.cache_data(
    show_spinner="Estimating the VAEs' ELBO and log p(x) on 360 held-out digits "
    "(several seconds, once)…"
)
def vae_sweep() -> list[dict]:
    """One row per latent size: ``d``, ``n_parameters``, ``elbo`` and ``iwae`` (nats per image)."""
    X_test = split()[1]
    rows = []
    for d in LATENTS:
        model = vae(d)
        rows.append({"d": d, "n_parameters": n_weights(model), **vae_metrics(model, X_test)})
    return rows


@st.cache_data(show_spinner=False, max_entries=MAX_SAMPLE_ENTRIES, ttl=TTL)
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


@st.cache_data(show_spinner=False, max_entries=MAX_SAMPLE_ENTRIES, ttl=TTL)
def vae_samples(latent_dim: int, n: int, seed: int) -> np.ndarray:
    """``n`` decoded prior draws z ~ N(0, I): ink probabilities, shape (n, 64), float32."""
    g = torch.Generator().manual_seed(seed)
    return np.asarray(sample_prior(vae(latent_dim), n, generator=g), dtype=np.float32)
