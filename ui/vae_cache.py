"""Cached engine calls for the "VAE lab" page.

Models
    The shipped default VAE and every uploaded model file are loaded once per server with
    ``st.cache_resource``; a model trained on the page is trained as a NEW ``VAE`` (outside any
    cache, so the page can draw its progress) and then put in a ``st.cache_resource`` store
    keyed by :func:`run_key` (the settings and the data's digest). Training is seeded, so the
    same key always means the same model, and a rerun or another visitor with the same settings
    finds it warm. Cached models are only read (no training, no ``.train()`` mode switches).

Images
    Kept with ``st.cache_resource``, not ``st.cache_data``: an upload may hold 10,000 images of
    784 pixels (30 MB of float32), and ``st.cache_data`` would copy them on every rerun. They
    are shared, so they are only read. (They are not flagged read-only: torch warns when it
    wraps a read-only array.)

Everything computed from a model (codes, metrics, grids, samples) is small and cached with
``st.cache_data``, keyed on a short model id (:attr:`Shown.model_id`) and the data's key; the
model and the arrays themselves are passed as underscore arguments, out of the key.
"""

from __future__ import annotations

import hashlib
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import streamlit as st
import torch

from engine import data as engine_data
from engine import vae as ev

WEIGHTS = Path(__file__).resolve().parents[1] / "assets" / "vae" / "digits_bernoulli_2d.safetensors"
DIGITS_KEY = "digits"
#: Uploads: most images trained on, most held-out images kept, share held out when the file
#: has no test part.
MAX_TRAIN_IMAGES = 10_000
MAX_TEST_IMAGES = 1_000
HELDOUT_SHARE = 0.2
#: A Bernoulli decoder sees a pixel as ink when its grey level is at least this.
INK_THRESHOLD = 0.5
#: Held-out images the ELBO, IWAE and KL are averaged over (all 360 of the digits' split).
METRIC_IMAGES = 360
IWAE_K = 500
ELBO_SAMPLES = 10
#: Training images whose q(z|x) are averaged into the aggregate posterior.
AGGREGATE_IMAGES = 10_000
MAX_RUNS = 16
TTL = "6h"
SEED = 0


def _default(func, name: str):
    return inspect.signature(func).parameters[name].default


class TrainSettings(NamedTuple):
    """Everything a training run depends on, besides the data. Defaults: the engine's."""

    latent_dim: int = _default(ev.VAE, "latent_dim")
    hidden_dims: tuple[int, ...] = tuple(_default(ev.VAE, "hidden_dims"))
    likelihood: str = _default(ev.VAE, "likelihood")
    epochs: int = _default(ev.train, "epochs")
    batch_size: int = _default(ev.train, "batch_size")
    lr: float = _default(ev.train, "lr")
    beta: float = _default(ev.train, "beta")
    kl_warmup_epochs: int = _default(ev.train, "kl_warmup_epochs")
    seed: int = _default(ev.train, "seed")


def _as_array(a: np.ndarray | None, dtype=np.float32) -> np.ndarray | None:
    if a is None:
        return None
    return np.ascontiguousarray(a, dtype=dtype)


# --------------------------------------------------------------------------- images


@dataclass(frozen=True)
class Images:
    """Grey-level images in [0, 1] with a train / held-out split, ready for a VAE.

    ``key`` names the data in cache keys (``"digits"`` or ``"upload:<sha256>"``).
    """

    key: str
    name: str
    X_train: np.ndarray
    y_train: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray | None
    shape: tuple[int, int]
    notes: tuple[str, ...] = ()

    @property
    def input_dim(self) -> int:
        return int(self.X_train.shape[1])

    def inputs(self, likelihood: str) -> tuple[np.ndarray, np.ndarray]:
        """(X_train, X_test) as the decoder models them: 0/1 for Bernoulli, grey for Gaussian."""
        if likelihood == "bernoulli":
            return _binary(self.key, self)
        return self.X_train, self.X_test


@st.cache_resource(show_spinner=False, max_entries=8, ttl=TTL)
def _binary(key: str, _images: Images) -> tuple[np.ndarray, np.ndarray]:
    return (
        _as_array(_images.X_train >= INK_THRESHOLD),
        _as_array(_images.X_test >= INK_THRESHOLD),
    )


@st.cache_resource(show_spinner=False)
def builtin_digits() -> Images:
    """The 8x8 digits on the app's fixed split (grey levels; binarised they are the digits the
    default model was trained on)."""
    X_train, X_test, y_train, y_test = engine_data.digits_split(binary=False)
    return Images(
        DIGITS_KEY,
        "the built-in 8x8 digits",
        _as_array(X_train),
        _as_array(y_train, np.int64),
        _as_array(X_test),
        _as_array(y_test, np.int64),
        (8, 8),
    )


def _subset(n: int, most: int, seed: int) -> np.ndarray:
    if n <= most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=most, replace=False))


def prepare_images(images: engine_data.ImageSet, key: str, name: str) -> Images:
    """Hold out a share (unless the file has a test part) and cap both parts, with notes."""
    notes: list[str] = []
    X, y = images.X_train, images.y_train
    if images.X_test is not None and len(images.X_test):
        X_test, y_test = images.X_test, images.y_test
        notes.append(f"The file's own {len(X_test):,} test images are held out.")
    else:
        if len(X) < 10:
            raise engine_data.DataError(
                f"The file holds only {len(X)} image(s); a VAE needs at least 10, to learn from "
                "some and test on others."
            )
        order = np.random.default_rng(SEED).permutation(len(X))
        n_out = max(2, int(round(HELDOUT_SHARE * len(X))))
        out, keep = np.sort(order[:n_out]), np.sort(order[n_out:])
        X_test, y_test = X[out], (None if y is None else y[out])
        X, y = X[keep], (None if y is None else y[keep])
        notes.append(f"A random {HELDOUT_SHARE:.0%} of the images is held out for testing.")
    train = _subset(len(X), MAX_TRAIN_IMAGES, 1)
    if len(train) < len(X):
        notes.append(
            f"To keep training quick on a CPU, the VAE learns from a random {len(train):,} of "
            f"the {len(X):,} training images."
        )
    test = _subset(len(X_test), MAX_TEST_IMAGES, 2)
    if len(test) < len(X_test):
        notes.append(f"The page uses a random {len(test):,} of the {len(X_test):,} test images.")
    return Images(
        key,
        name,
        _as_array(X[train]),
        None if y is None else _as_array(np.asarray(y)[train], np.int64),
        _as_array(X_test[test]),
        None if y_test is None else _as_array(np.asarray(y_test)[test], np.int64),
        tuple(images.shape),
        tuple(notes),
    )


def digest_of(*files: bytes) -> str:
    h = hashlib.sha256()
    for data in files:
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


@st.cache_resource(show_spinner="Reading the images…", max_entries=4, ttl=TTL)
def uploaded_images(digest: str, names: tuple[str, ...], _files: tuple[bytes, ...]) -> Images:
    """One MNIST-format file, or an IDX images file with its IDX labels file.

    Raises
    ------
    engine.data.DataError
        The files are not usable images; the message says why (never cached).
    """
    if len(_files) == 1:
        image_set = engine_data.read_images(_files[0], names[0])
    elif len(_files) == 2:
        image_set = engine_data.read_idx_pair(_files[0], _files[1])
    else:
        raise engine_data.DataError(
            f"Got {len(_files)} files. Upload one file of images, or an IDX images file "
            "together with its IDX labels file."
        )
    return prepare_images(image_set, f"upload:{digest}", " + ".join(names))


# --------------------------------------------------------------------------- models


@st.cache_resource(show_spinner="Loading the VAE…")
def default_model() -> ev.VAE:
    """The shipped VAE (2-D latent, Bernoulli, 8x8 digits). Read it; never change it."""
    return ev.load(WEIGHTS)


class _NotStored(Exception):
    """Nothing under this key and nothing given to store."""


@st.cache_resource(show_spinner="Checking the model file…", max_entries=8, ttl=TTL)
def uploaded_model(digest: str, _data: bytes | None) -> ev.VAE:
    """A model file's VAE, keyed on the file's digest.

    Raises
    ------
    engine.vae.ModelFileError
        A wrong or unsafe file; the message says why (never cached).
    """
    if _data is None:
        raise _NotStored(digest)
    return ev.from_bytes(_data)


def stored_model(digest: str) -> ev.VAE | None:
    """The model opened earlier from the file with this digest, or None once it is dropped."""
    try:
        return uploaded_model(digest, None)
    except _NotStored:
        return None


@st.cache_data(show_spinner=False, max_entries=MAX_RUNS, ttl=TTL)
def model_file(model_id: str, _model: ev.VAE) -> bytes:
    """The ``.safetensors`` bytes of a model, for the download button."""
    return ev.to_bytes(_model)


@dataclass(frozen=True)
class TrainedRun:
    """A VAE trained on the page, with its recorded history. The model is only read."""

    key: str
    settings: TrainSettings
    data_key: str
    data_name: str
    model: ev.VAE = field(repr=False, compare=False)
    history: tuple[dict, ...] = field(repr=False, compare=False)
    seconds: float = 0.0


def run_key(settings: TrainSettings, data_key: str) -> str:
    """A short, stable name for a training run: the settings plus the data's key."""
    return hashlib.sha256(repr((tuple(settings), data_key)).encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=MAX_RUNS, ttl=TTL)
def _runs(key: str, _run: TrainedRun | None) -> TrainedRun:
    if _run is None:
        raise _NotStored(key)
    return _run


def stored_run(key: str) -> TrainedRun | None:
    """The run trained earlier under ``key``, or None once the server has dropped it."""
    try:
        return _runs(key, None)
    except _NotStored:
        return None


def train_run(
    settings: TrainSettings,
    images: Images,
    callback: Callable[[dict], bool | None] | None = None,
) -> TrainedRun:
    """Train a NEW VAE with ``settings`` on ``images`` and keep it in the store.

    ``callback(record)`` is called after every epoch (for the page's progress bar). Raises
    ValueError (bad settings, or the loss stopped being finite) with the engine's message.
    """
    X_train, X_test = images.inputs(settings.likelihood)
    model = ev.VAE(
        images.input_dim,
        latent_dim=settings.latent_dim,
        hidden_dims=settings.hidden_dims,
        likelihood=settings.likelihood,
    )
    t0 = time.perf_counter()
    history = ev.train(
        model,
        X_train,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        lr=settings.lr,
        beta=settings.beta,
        kl_warmup_epochs=settings.kl_warmup_epochs,
        seed=settings.seed,
        X_val=X_test[:METRIC_IMAGES],
        callback=callback,
    )
    seconds = time.perf_counter() - t0
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    key = run_key(settings, images.key)
    run = TrainedRun(key, settings, images.key, images.name, model, tuple(history), seconds)
    return _runs(key, run)


# --------------------------------------------------------------------------- what a model does


@st.cache_data(show_spinner=False, max_entries=32, ttl=TTL)
def codes(model_id: str, data_key: str, _model: ev.VAE, _X: np.ndarray):
    """Encoder means and standard deviations of the held-out images: (mu, sigma), (n, d) each."""
    return ev.encode_means(_model, _X)


@st.cache_data(show_spinner=False, max_entries=32, ttl=TTL)
def quick_metrics(model_id: str, data_key: str, _model: ev.VAE, _X: np.ndarray) -> dict:
    """Held-out ELBO (analytic KL, :data:`ELBO_SAMPLES` samples), KL per dimension, active units."""
    X = _X[:METRIC_IMAGES]
    gen = torch.Generator().manual_seed(SEED)
    value = float(ev.elbo(_model, X, n_samples=ELBO_SAMPLES, generator=gen).mean())
    mu, _ = ev.encode_means(_model, X)
    return {
        "elbo": value,
        "kl": ev.kl_per_dimension(_model, X).numpy().astype(np.float64),
        "active": mu.var(axis=0) > 0.01 if len(X) > 1 else np.zeros(_model.latent_dim, bool),
        "n_images": len(X),
    }


@st.cache_data(show_spinner=False, max_entries=32, ttl=TTL)
def iwae(model_id: str, data_key: str, _model: ev.VAE, _X: np.ndarray) -> float:
    """Held-out IWAE estimate of log p(x), k = :data:`IWAE_K`, nats per image."""
    gen = torch.Generator().manual_seed(SEED)
    return float(ev.iwae_log_likelihood(_model, _X[:METRIC_IMAGES], k=IWAE_K, generator=gen).mean())


class Grid(NamedTuple):
    images: np.ndarray  # (n, n, D)
    values: np.ndarray  # (n,)
    points: np.ndarray  # (n*n, latent_dim): where the grid sits in the full latent space


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def grid(
    model_id: str, n: int, eps: float, mesh: str, dims: tuple[int, int], _model: ev.VAE
) -> Grid:
    """:func:`engine.vae.decode_grid` plus the mesh's coordinates."""
    images = ev.decode_grid(_model, n, eps=eps, mesh=mesh, dims=dims)
    flat = ev.inverse_cdf_grid(n, eps) if mesh == "inverse_cdf" else ev.linear_grid(n)
    points = np.zeros((n * n, _model.latent_dim))
    points[:, dims[0]], points[:, dims[1]] = flat[:, 0], flat[:, 1]
    values = np.unique(flat[:, 0]) if n > 1 else flat[:1, 0]
    return Grid(images, values, points)


@torch.no_grad()
def _decode_means(model: ev.VAE, X: np.ndarray) -> np.ndarray:
    mu, _ = ev.encode_means(model, X)
    return model.decode(torch.from_numpy(mu)).numpy()


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def reconstructions(
    model_id: str, data_key: str, rows: tuple[int, ...], _model: ev.VAE, _X: np.ndarray
) -> np.ndarray:
    """Decoder means at the encoder means of the chosen held-out rows: (len(rows), D)."""
    return _decode_means(_model, _X[list(rows)])


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def prior_samples(model_id: str, n: int, seed: int, _model: ev.VAE) -> np.ndarray:
    """``n`` images decoded from z ~ N(0, I), seeded: (n, D)."""
    return ev.sample_prior(_model, n, generator=torch.Generator().manual_seed(seed))


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def path(
    model_id: str, data_key: str, a: int, b: int, steps: int, _model: ev.VAE, _X: np.ndarray
) -> np.ndarray:
    """Decoded points on the segment between the codes of held-out rows a and b: (steps, D)."""
    return ev.interpolate(_model, _X[a], _X[b], steps=steps)


@st.cache_data(show_spinner=False, max_entries=32, ttl=TTL)
def train_codes(model_id: str, data_key: str, _model: ev.VAE, _X: np.ndarray):
    """Encoder means and standard deviations of the training images (up to
    :data:`AGGREGATE_IMAGES`): (mu, sigma), (n, d) each."""
    return ev.encode_means(_model, _X[:AGGREGATE_IMAGES])
