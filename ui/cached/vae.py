"""The VAE resource: shipped models, opened model files, trained runs, and what a model shows.

Every cached function here is keyed by hashable values: a :class:`ModelRef` (which model), a
:class:`ui.state.DataRef` of the images it is explored on, and small numbers (grid size, rows,
seeds). Models and image arrays are fetched inside; no caller passes a model or an array, and
no caller builds a key or hashes bytes.

Models
    The shipped VAEs (``assets/vae/digits_bernoulli_<d>d.safetensors``) are loaded by ONE loader,
    :func:`shipped`, keyed by the latent size. Model files opened on the page are kept in a
    bounded store by the digest of their bytes (:func:`open_model_file`) and loaded once each
    (:func:`opened`). A model trained on the page is trained as a new ``VAE`` (outside any cache,
    so the page can draw its progress) and kept in :func:`runs`, a bounded store keyed by its
    :class:`TrainSettings` and images; training is seeded, so the same key means the same model.
    Cached models are only read (no training, no mode switches).

Images
    From :func:`ui.cached.data.images` (the app's one image pipeline): an uploaded image file
    when the data choice is one, else the built-in 8x8 digits (:data:`DIGITS`, cached once).
    A Bernoulli decoder sees them black and white (:func:`ui.cached.data.binary_images`).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import streamlit as st
import torch

from engine import vae as ev
from engine.errors import ModelFileError
from ui.cached import data as cdata
from ui.state import DataRef

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "vae"
#: Latent sizes of the shipped VAEs (one file each).
SHIPPED_LATENTS: tuple[int, ...] = (2, 4, 8, 16)
#: The built-in digits: what the shipped VAEs were trained on, and every VAE page's fallback.
DIGITS = DataRef("builtin", "digits")
#: Most training and held-out images taken from an upload.
MAX_TRAIN_IMAGES = 10_000
MAX_TEST_IMAGES = 1_000
#: Held-out images the ELBO, IWAE and KL are averaged over (all 360 of the digits' split).
METRIC_IMAGES = 360
IWAE_K = 500
ELBO_SAMPLES = 10
#: Training images whose q(z|x) are averaged into the aggregate posterior.
AGGREGATE_IMAGES = 10_000
MAX_RUNS = 16
MAX_MODEL_FILES = 8
MODEL_STORE_BYTES = 256 * 2**20
TTL = "6h"
TTL_SECONDS = 6 * 3600
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


class ModelGone(LookupError):
    """The model is no longer on this server (an opened file or a run was dropped)."""


@dataclass(frozen=True)
class ModelRef:
    """Which model: a shipped one (by latent size), an opened file (by digest), or a run.

    Attributes
    ----------
    kind : {"shipped", "file", "run"}
    latent_dim : int
        The shipped model's latent size.
    digest : str or None
        SHA-256 of an opened model file's bytes.
    settings : TrainSettings or None
        A run's settings.
    data : DataRef or None
        The images a run was trained on.
    """

    kind: str = "shipped"
    latent_dim: int = 2
    digest: str | None = None
    settings: TrainSettings | None = None
    data: DataRef | None = None


SHIPPED = ModelRef()


def run_ref(settings: TrainSettings, ref: DataRef) -> ModelRef:
    """The run trained with ``settings`` on the images the data choice ``ref`` gives."""
    return ModelRef("run", settings.latent_dim, settings=settings, data=image_ref(ref))


def file_ref(digest: str) -> ModelRef:
    return ModelRef("file", digest=digest)


# --------------------------------------------------------------------------- images


def image_ref(ref: DataRef) -> DataRef:
    """The images a VAE page uses for the data choice ``ref``: the uploaded image file (its
    features, label and display name do not matter), else the built-in digits."""
    if ref.source == "upload" and cdata.is_images(ref):
        return DataRef("upload", "uploaded images", ref.digest)
    return DIGITS


def images(ref: DataRef, binary: bool = False) -> cdata.Images:
    """The images of ``ref`` (see :func:`image_ref`) on the app's fixed split; black and white
    (0/1) when ``binary``, grey levels in [0, 1] otherwise."""
    read = cdata.binary_images if binary else cdata.images
    return read(image_ref(ref), MAX_TRAIN_IMAGES, MAX_TEST_IMAGES)


def digits(binary: bool = True) -> cdata.Images:
    """The built-in 8x8 digits' fixed split (black and white by default)."""
    return images(DIGITS, binary)


class ImageInfo(NamedTuple):
    name: str
    shape: tuple[int, int]
    n_train: int
    n_test: int
    labelled: bool
    notes: tuple[str, ...]
    is_digits: bool

    @property
    def input_dim(self) -> int:
        return self.shape[0] * self.shape[1]


@st.cache_data(show_spinner=False, max_entries=16, ttl=TTL)
def info(ref: DataRef) -> ImageInfo:
    """What the images of ``ref`` are: name, size, counts, notes (without the arrays)."""
    im = images(ref)
    return ImageInfo(
        im.name,
        tuple(im.shape),
        len(im.X_train),
        len(im.X_test),
        im.y_test is not None,
        tuple(im.notes),
        image_ref(ref) == DIGITS,
    )


def _inputs(ref: DataRef, likelihood: str) -> cdata.Images:
    """The images as the decoder models them: 0/1 for Bernoulli, grey for Gaussian."""
    return images(ref, binary=likelihood == "bernoulli")


# --------------------------------------------------------------------------- models


def weights_path(latent_dim: int) -> Path:
    """The shipped VAE with a ``latent_dim``-dimensional code."""
    return ASSETS / f"digits_bernoulli_{latent_dim}d.safetensors"


@st.cache_resource(show_spinner="Loading the VAE…", max_entries=len(SHIPPED_LATENTS))
def shipped(latent_dim: int = 2) -> ev.VAE:
    """The shipped VAE with this latent size (Bernoulli, 8x8 digits). Read it; never change it."""
    return ev.load(weights_path(latent_dim))


@st.cache_resource(show_spinner=False)
def model_store() -> cdata.UploadStore:
    """Opened model files by digest (bounded, expiring, never listed), for every session."""
    return cdata.UploadStore(MODEL_STORE_BYTES, TTL_SECONDS)


def open_model_file(name: str, data: bytes) -> ModelRef:
    """Keep a model file's bytes and check that they load; returns the model's reference.

    Raises
    ------
    engine.errors.ModelFileError
        A wrong or unsafe file; the message says why (the file is not kept).
    """
    try:
        digest = model_store().put(cdata.Upload((name,), (data,)))
    except cdata.DataError as exc:
        raise ModelFileError(str(exc)) from None
    try:
        opened(digest)
    except ModelFileError:
        model_store().drop(digest)
        raise
    return file_ref(digest)


def model_file_name(digest: str) -> str | None:
    """The opened model file's name, or None once the server has dropped it."""
    upload = model_store().get(digest)
    return None if upload is None else upload.name


@st.cache_resource(show_spinner="Checking the model file…", max_entries=MAX_MODEL_FILES, ttl=TTL)
def opened(digest: str) -> ev.VAE:
    """The VAE of the opened model file with this digest (errors are never cached)."""
    upload = model_store().get(digest)
    if upload is None:
        raise ModelGone(digest)
    return ev.from_bytes(upload.files[0])


@dataclass(frozen=True)
class TrainedRun:
    """A VAE trained on the page, with its recorded history. The model is only read."""

    settings: TrainSettings
    data: DataRef
    data_name: str
    model: ev.VAE = field(repr=False, compare=False)
    history: tuple[dict, ...] = field(repr=False, compare=False)
    seconds: float = 0.0


@st.cache_resource(show_spinner=False)
def runs() -> cdata.ExpiringStore:
    """The server's trained runs (shared by every session; it locks itself)."""
    return cdata.ExpiringStore(MAX_RUNS, TTL_SECONDS)  # at most MAX_RUNS runs


def stored_run(mref: ModelRef) -> TrainedRun | None:
    """The run ``mref`` names, or None when it was never trained here or has been dropped."""
    return runs().get(mref) if mref.kind == "run" else None


#: What one training run may cost on this machine: about ten minutes.
MAX_TRAIN_SECONDS = 600
#: The project's 2-core machine trains the default VAE at about 28,000 images per second on
#: 784-pixel images (about 0.53 million weights, forward and backward): about 1.5e10
#: weight-images per second; a third of that is assumed, to be safe under load. Each optimiser
#: step costs at least about 0.3 ms, whatever its size.
WEIGHT_IMAGES_PER_SECOND = 5e9
SECONDS_PER_STEP = 3e-4


def n_weights(input_dim: int, latent_dim: int, hidden_dims: tuple[int, ...]) -> int:
    """Weights and biases of a VAE: encoder to ``2 * latent_dim``, decoder mirrored."""
    widths = (input_dim, *hidden_dims)
    encoder = sum((a + 1) * b for a, b in zip(widths, widths[1:], strict=False))
    decoder_widths = (latent_dim, *reversed(hidden_dims), input_dim)
    decoder = sum((a + 1) * b for a, b in zip(decoder_widths, decoder_widths[1:], strict=False))
    return encoder + (widths[-1] + 1) * 2 * latent_dim + decoder


def training_seconds(settings: TrainSettings, n_train: int, input_dim: int) -> float:
    """A generous estimate of a run's seconds on this machine, from its work: images x epochs x
    weights, plus a floor per optimiser step."""
    weights = n_weights(input_dim, settings.latent_dim, tuple(settings.hidden_dims))
    steps = settings.epochs * -(-n_train // settings.batch_size)
    work = settings.epochs * n_train * weights
    return work / WEIGHT_IMAGES_PER_SECOND + steps * SECONDS_PER_STEP


def check_budget(settings: TrainSettings, ref: DataRef) -> None:
    """Raise ValueError, with what to change, when a run would take far too long here."""
    im = info(ref)
    seconds = training_seconds(settings, im.n_train, im.input_dim)
    if seconds > MAX_TRAIN_SECONDS:
        raise ValueError(
            f"This run would take about {seconds / 60:,.0f} minutes on this machine; a run may "
            f"take about {MAX_TRAIN_SECONDS // 60} minutes. Use fewer epochs, a larger batch "
            "or narrower hidden layers."
        )


def train(
    settings: TrainSettings,
    ref: DataRef,
    callback: Callable[[dict], bool | None] | None = None,
) -> ModelRef:
    """Train a NEW VAE with ``settings`` on the images of ``ref`` and keep it in :func:`runs`.

    ``callback(record)`` is called after every epoch (for the page's progress bar). Returns the
    run's reference. Raises ValueError (bad settings, or the loss stopped being finite) with the
    engine's message.
    """
    key = run_ref(settings, ref)
    if stored_run(key) is not None:
        return key
    check_budget(settings, key.data)
    im = _inputs(key.data, settings.likelihood)
    model = ev.VAE(
        im.input_dim,
        latent_dim=settings.latent_dim,
        hidden_dims=settings.hidden_dims,
        likelihood=settings.likelihood,
    )
    t0 = time.perf_counter()
    history = ev.train(
        model,
        im.X_train,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        lr=settings.lr,
        beta=settings.beta,
        kl_warmup_epochs=settings.kl_warmup_epochs,
        seed=settings.seed,
        X_val=im.X_test[:METRIC_IMAGES],
        callback=callback,
    )
    seconds = time.perf_counter() - t0
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    runs().put(key, TrainedRun(settings, key.data, im.name, model, tuple(history), seconds))
    return key


def model(mref: ModelRef) -> ev.VAE:
    """The model ``mref`` names. Raises :class:`ModelGone` once the server has dropped it."""
    if mref.kind == "shipped":
        return shipped(mref.latent_dim)
    if mref.kind == "file":
        return opened(mref.digest)
    run = stored_run(mref)
    if run is None:
        raise ModelGone("run")
    return run.model


def describe(vae: ev.VAE) -> str:
    """``"2-D latent, Bernoulli decoder, 64-256-256-2"``."""
    arch = "-".join(str(k) for k in (vae.input_dim, *vae.hidden_dims, vae.latent_dim))
    return f"{vae.latent_dim}-D latent, {vae.likelihood.capitalize()} decoder, {arch}"


@st.cache_data(show_spinner=False, max_entries=MAX_RUNS, ttl=TTL)
def model_file(mref: ModelRef) -> bytes:
    """The ``.safetensors`` bytes of a model, for the download button."""
    return ev.to_bytes(model(mref))


# --------------------------------------------------------------------------- what a model does


class Codes(NamedTuple):
    """Encoder means and standard deviations of the held-out images, (n, d) each, and their
    labels (or None)."""

    mu: np.ndarray
    sigma: np.ndarray
    labels: np.ndarray | None


@st.cache_data(show_spinner=False, max_entries=32, ttl=TTL)
def codes(mref: ModelRef, ref: DataRef) -> Codes:
    vae = model(mref)
    im = _inputs(ref, vae.likelihood)
    mu, sigma = ev.encode_means(vae, im.X_test)
    return Codes(mu, sigma, im.y_test)


@st.cache_data(show_spinner=False, max_entries=32, ttl=TTL)
def train_codes(mref: ModelRef, ref: DataRef) -> tuple[np.ndarray, np.ndarray]:
    """Encoder means and standard deviations of the training images (up to
    :data:`AGGREGATE_IMAGES`): (mu, sigma), (n, d) each."""
    vae = model(mref)
    return ev.encode_means(vae, _inputs(ref, vae.likelihood).X_train[:AGGREGATE_IMAGES])


@st.cache_data(show_spinner=False, max_entries=32, ttl=TTL)
def quick_metrics(mref: ModelRef, ref: DataRef) -> dict:
    """Held-out ELBO (analytic KL, :data:`ELBO_SAMPLES` samples), KL per dimension, active units."""
    vae = model(mref)
    X = _inputs(ref, vae.likelihood).X_test[:METRIC_IMAGES]
    gen = torch.Generator().manual_seed(SEED)
    value = float(ev.elbo(vae, X, n_samples=ELBO_SAMPLES, generator=gen).mean())
    mu, _ = ev.encode_means(vae, X)
    return {
        "elbo": value,
        "kl": ev.kl_per_dimension(vae, X).numpy().astype(np.float64),
        "active": mu.var(axis=0) > 0.01 if len(X) > 1 else np.zeros(vae.latent_dim, bool),
        "n_images": len(X),
    }


@st.cache_data(show_spinner=False, max_entries=32, ttl=TTL)
def iwae(mref: ModelRef, ref: DataRef) -> float:
    """Held-out IWAE estimate of log p(x), k = :data:`IWAE_K`, nats per image."""
    vae = model(mref)
    X = _inputs(ref, vae.likelihood).X_test[:METRIC_IMAGES]
    gen = torch.Generator().manual_seed(SEED)
    return float(ev.iwae_log_likelihood(vae, X, k=IWAE_K, generator=gen).mean())


class Grid(NamedTuple):
    images: np.ndarray  # (n, n, D)
    values: np.ndarray  # (n,)
    points: np.ndarray  # (n*n, latent_dim): where the grid sits in the full latent space


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def grid(mref: ModelRef, n: int, eps: float, mesh: str, dims: tuple[int, int]) -> Grid:
    """:func:`engine.vae.decode_grid` plus the mesh's coordinates."""
    vae = model(mref)
    decoded = ev.decode_grid(vae, n, eps=eps, mesh=mesh, dims=dims)
    flat = ev.inverse_cdf_grid(n, eps) if mesh == "inverse_cdf" else ev.linear_grid(n)
    points = np.zeros((n * n, vae.latent_dim))
    points[:, dims[0]], points[:, dims[1]] = flat[:, 0], flat[:, 1]
    values = np.unique(flat[:, 0]) if n > 1 else flat[:1, 0]
    return Grid(decoded, values, points)


@torch.no_grad()
def _decode_means(vae: ev.VAE, X: np.ndarray) -> np.ndarray:
    mu, _ = ev.encode_means(vae, X)
    return vae.decode(torch.from_numpy(mu)).numpy()


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def reconstructions(
    mref: ModelRef, ref: DataRef, rows: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The chosen held-out rows and the decoder's means at their codes: (len(rows), D) each."""
    vae = model(mref)
    X = _inputs(ref, vae.likelihood).X_test[list(rows)]
    return X, _decode_means(vae, X)


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def prior_samples(mref: ModelRef, n: int, seed: int) -> np.ndarray:
    """``n`` images decoded from z ~ N(0, I), seeded: (n, D)."""
    return ev.sample_prior(model(mref), n, generator=torch.Generator().manual_seed(seed))


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def path(mref: ModelRef, ref: DataRef, a: int, b: int, steps: int) -> np.ndarray:
    """Held-out image a, the decoded points on the segment between the codes of a and b, and
    image b: (steps + 2, D)."""
    vae = model(mref)
    X = _inputs(ref, vae.likelihood).X_test
    return np.concatenate([X[[a]], ev.interpolate(vae, X[a], X[b], steps=steps), X[[b]]])
