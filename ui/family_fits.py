"""Cached data and fits for the "Poisson mixture" and "Bernoulli mixture" pages.

Every cached function is keyed on a short name of the data (a built-in dataset's name or an
upload's SHA-256 digest), the column and the settings; the values themselves travel in an
underscore argument, which Streamlit leaves out of the key. Results are frozen dataclasses of
NumPy arrays. A fit the engine refuses (counts that are not whole numbers, a collapse) is a
result too, carrying the engine's message, so it is cached like a success and never reaches the
page as a traceback.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine import data as engine_data
from engine.mixtures import (
    BernoulliMixture,
    DegenerateFitError,
    PoissonFamily,
    PoissonMixture,
    compare,
    log_normalize,
)
from ui.figures import bernoulli as bfig
from ui.figures import poisson as pfig

#: K values compared by AIC and BIC on the Poisson page.
CRITERIA_KS: tuple[int, ...] = tuple(range(1, 7))
#: Restarts per K in that comparison (the best is kept), so a poor start does not decide it.
CRITERIA_N_INIT = 3
#: Images an uploaded file contributes to a fit, and to the held-out score.
MAX_TRAIN_IMAGES = 5_000
MAX_TEST_IMAGES = 2_000
#: Share of an upload held out when the file has no test images of its own.
HELDOUT_SHARE = 0.2
#: A pixel is ink when its grey level (scaled to [0, 1]) is at least this.
INK_THRESHOLD = 0.5
N_SAMPLES = 24
TOL_OPTIONS: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)
INIT_METHODS: tuple[str, ...] = ("kmeans", "k-means++", "random", "random_from_data")


def _fit(model, X: np.ndarray):
    """Fit, returning ``(model, None, (), warnings)`` or ``(None, message, advice, ())``."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X)
    except DegenerateFitError as err:
        return None, str(err), tuple(err.advice), ()
    except ValueError as err:  # outside the family's domain, or fewer rows than components
        return None, str(err), (), ()
    messages = tuple(dict.fromkeys(str(w.message) for w in caught))
    return model, None, (), messages


# --------------------------------------------------------------------------- Poisson


class PoissonSettings(NamedTuple):
    """What a Poisson fit on the page depends on, besides the data."""

    k: int = 3
    init: str = "kmeans"
    seed: int = 0
    tol: float = 1e-3
    max_iter: int = 100
    uniform: bool = False

    def model(self, **extra) -> PoissonMixture:
        return PoissonMixture(
            self.k,
            init_params=self.init,
            random_state=self.seed,
            tol=self.tol,
            max_iter=self.max_iter,
            uniform_weights=self.uniform,
            **extra,
        )


@dataclass(frozen=True)
class PoissonRun:
    """A recorded Poisson fit, ready for the figures (``trace`` is None when it failed)."""

    trace: pfig.CountTrace | None
    converged: bool = False
    n_iter: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    advice: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.trace is not None


def count_trace(x: np.ndarray, history: list) -> pfig.CountTrace:
    """A :class:`~ui.figures.poisson.CountTrace` from one column of counts and its fit's history.

    Records without stored responsibilities (large data) get them from the engine's own
    Poisson log-densities, evaluated once per distinct count. Components are numbered by their
    final rate, lowest first, so that component 1 is always the group of smallest counts.
    """
    order = np.argsort(history[-1].params["means"][:, 0], kind="stable")
    rates = np.array([r.params["means"][order, 0] for r in history], dtype=np.float64)
    last = pfig.support_end(float(x.max()), rates)
    width, n_bins = pfig.count_bins(last)
    values, inverse = np.unique(x, return_inverse=True)
    shares = np.zeros((len(history), n_bins, rates.shape[1]))
    latest = np.zeros((n_bins, rates.shape[1]))
    family = PoissonFamily()
    for s, rec in enumerate(history):
        if rec.phase == "E":
            if rec.resp is not None:
                resp = np.asarray(rec.resp, dtype=np.float64)
            else:
                with np.errstate(divide="ignore"):
                    log_w = np.log(rec.weights)
                joint = family.log_prob(values[:, None], rec.params) + log_w
                resp = log_normalize(joint)[1][inverse]
            latest = pfig.bin_shares(x, resp[:, order], width, n_bins)
        shares[s] = latest
    return pfig.CountTrace(
        iteration=np.array([r.iteration for r in history], dtype=int),
        phase=tuple(r.phase for r in history),
        weights=np.array([r.weights[order] for r in history], dtype=np.float64),
        rates=rates,
        log_likelihood=np.array([r.log_likelihood for r in history], dtype=np.float64),
        proportion=pfig.proportions(x, width, n_bins),
        shares=shares,
        width=width,
        n_rows=len(x),
    )


@st.cache_data(show_spinner="Running EM…", max_entries=64)
def poisson_run(cache_key: str, column: str, settings: PoissonSettings, _x) -> PoissonRun:
    """Fit a Poisson mixture to one column (``_x``, shape (n,)) with the history recorded."""
    x = np.asarray(_x, dtype=np.float64).ravel()
    start = time.perf_counter()
    model, error, advice, messages = _fit(settings.model(record_history=True), x[:, None])
    if model is None:
        return PoissonRun(None, error=error, advice=advice)
    return PoissonRun(
        count_trace(x, model.history_),
        converged=bool(model.converged_),
        n_iter=int(model.n_iter_),
        warnings=messages,
        seconds=time.perf_counter() - start,
    )


@st.cache_data(show_spinner="Comparing K = 1 to 6…", max_entries=32)
def poisson_criteria(cache_key: str, column: str, seed: int, _x) -> pd.DataFrame:
    """AIC and BIC of K = 1..6 (best of :data:`CRITERIA_N_INIT` starts each); empty if the
    counts are refused (the fit above shows why)."""
    x = np.asarray(_x, dtype=np.float64).reshape(-1, 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compare(
                x, family="poisson", ks=CRITERIA_KS, random_state=seed, n_init=CRITERIA_N_INIT
            )
    except ValueError:
        return pd.DataFrame(columns=["k", "aic", "bic"])


# --------------------------------------------------------------------------- Bernoulli images


@dataclass(frozen=True)
class BinaryImages:
    """0/1 images split into the rows a fit sees and the rows it is scored on.

    ``X_train`` (n_train, h * w) and ``X_test`` (n_test, h * w) are uint8 0/1; ``y_test`` holds
    labels where the source has them; ``notes`` say what was capped or held out.
    """

    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray | None
    shape: tuple[int, int]
    notes: tuple[str, ...] = ()


def binarise(X: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """1 where a grey level is at least ``threshold``, else 0, as uint8."""
    return (np.asarray(X) >= threshold).astype(np.uint8)


@st.cache_data(show_spinner=False, max_entries=2)
def builtin_digits() -> BinaryImages:
    """The 8x8 digits, binarised, on the app's fixed train / held-out split."""
    X_train, X_test, _, y_test = engine_data.digits_split(binary=True)
    return BinaryImages(
        "digits_binary",
        X_train.astype(np.uint8),
        X_test.astype(np.uint8),
        np.asarray(y_test),
        (8, 8),
    )


def _subset(n: int, most: int, seed: int) -> np.ndarray:
    if n <= most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=most, replace=False))


def prepare_images(images: engine_data.ImageSet, name: str) -> BinaryImages:
    """Binarise an :class:`~engine.data.ImageSet` at :data:`INK_THRESHOLD`, hold some out and cap
    both parts (:data:`MAX_TRAIN_IMAGES`, :data:`MAX_TEST_IMAGES`), with a note for each change."""
    notes = [f"Pixels are binarised: ink (1) where the grey level is at least {INK_THRESHOLD:g}."]
    X, y = images.X_train, images.y_train
    if images.X_test is not None and len(images.X_test):
        X_test, y_test = images.X_test, images.y_test
        notes.append(f"The file's own {len(X_test):,} test images are held out.")
    else:
        rng = np.random.default_rng(0)
        order = rng.permutation(len(X))
        n_out = max(1, int(round(HELDOUT_SHARE * len(X))))
        if len(X) - n_out < 2:
            raise engine_data.DataError(
                f"The file holds only {len(X)} image(s); a fit needs a few more to learn from "
                "and to test on."
            )
        out, keep = np.sort(order[:n_out]), np.sort(order[n_out:])
        X_test, y_test = X[out], (y[out] if y is not None else None)
        X, y = X[keep], (y[keep] if y is not None else None)
        notes.append(f"A random {HELDOUT_SHARE:.0%} of the images is held out for testing.")
    train = _subset(len(X), MAX_TRAIN_IMAGES, 1)
    if len(train) < len(X):
        notes.append(
            f"To stay quick, the fit uses a random {len(train):,} of the {len(X):,} images."
        )
    test = _subset(len(X_test), MAX_TEST_IMAGES, 2)
    if len(test) < len(X_test):
        notes.append(f"The held-out score uses a random {len(test):,} of {len(X_test):,} images.")
    return BinaryImages(
        name,
        binarise(X[train]),
        binarise(X_test[test]),
        None if y_test is None else np.asarray(y_test)[test],
        tuple(images.shape),
        tuple(notes),
    )


@st.cache_data(show_spinner="Reading the images…", max_entries=8, ttl="6h")
def uploaded_images(digest: str, name: str, _data: bytes) -> BinaryImages:
    """An uploaded MNIST-format file (keyed on its digest), ready for the page.

    Raises
    ------
    engine.data.DataError
        The file is not usable images; the message says why (never cached).
    """
    return prepare_images(engine_data.read_images(_data, name), name)


class BernoulliSettings(NamedTuple):
    """What a Bernoulli fit on the page depends on, besides the data."""

    k: int = 10
    alpha: float = 0.1
    init: str = "random"
    seed: int = 0
    tol: float = 1e-3
    max_iter: int = 100
    uniform: bool = False

    def model(self, **extra) -> BernoulliMixture:
        return BernoulliMixture(
            self.k,
            alpha=self.alpha,
            init_params=self.init,
            random_state=self.seed,
            tol=self.tol,
            max_iter=self.max_iter,
            uniform_weights=self.uniform,
            **extra,
        )


@dataclass(frozen=True)
class BernoulliRun:
    """A recorded Bernoulli fit reduced to what the page shows (``means`` None when it failed).

    Attributes
    ----------
    means : ndarray of shape (S, K, D), float32
        Prototypes at the animated records (the start, then M-steps; thinned for large images).
    weights : ndarray of shape (S, K)
    labels : tuple of str, length S
    objective : ndarray of shape (T,)
        Log-likelihood plus the smoothing prior after each M-step, nats per training image.
    train_ll, test_ll : float
        Mean log-likelihood per image, in nats, of the training and held-out images.
    test_resp : ndarray of shape (n_test, K)
        Responsibilities of the held-out images under the final fit.
    samples : ndarray of shape (N_SAMPLES, D), uint8
    sample_components : ndarray of shape (N_SAMPLES,)
    """

    means: np.ndarray | None
    weights: np.ndarray | None = None
    labels: tuple[str, ...] = ()
    objective: np.ndarray | None = None
    train_ll: float = float("nan")
    test_ll: float = float("nan")
    test_resp: np.ndarray | None = None
    samples: np.ndarray | None = None
    sample_components: np.ndarray | None = None
    converged: bool = False
    n_iter: int = 0
    n_records: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    advice: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.means is not None


def prototype_frames(
    history: list, n_pixels: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The start and every M-step of a history, thinned to the animation's budget.

    Returns ``(means (S, K, D) float32, weights (S, K), labels)``.
    """
    picked = [0, *[s for s, r in enumerate(history) if r.phase == "M"]]
    K = len(history[0].weights)
    keep = bfig.frame_steps(len(picked), K, n_pixels)
    chosen = [picked[i] for i in keep]
    means = np.array([history[s].params["means"] for s in chosen], dtype=np.float32)
    weights = np.array([history[s].weights for s in chosen], dtype=np.float64)
    labels = tuple(
        "Start" if i == 0 else f"Iteration {history[s].iteration}, M-step"
        for i, s in zip(keep, chosen, strict=True)
    )
    return means, weights, labels


@st.cache_data(show_spinner="Running EM on the images…", max_entries=32)
def bernoulli_run(cache_key: str, settings: BernoulliSettings, _X_train, _X_test) -> BernoulliRun:
    """Fit a Bernoulli mixture with the history recorded, and score, classify and sample."""
    X = np.asarray(_X_train, dtype=np.float64)
    X_test = np.asarray(_X_test, dtype=np.float64)
    start = time.perf_counter()
    model = settings.model(record_history=True, history_resp_cells=0)
    model, error, advice, messages = _fit(model, X)
    if model is None:
        return BernoulliRun(None, error=error, advice=advice)
    history = model.history_
    means, weights, labels = prototype_frames(history, X.shape[1])
    objective = np.array(
        [(r.log_likelihood + r.log_prior) / len(X) for r in history if r.phase == "M"]
    )
    samples, components = model.sample(N_SAMPLES)
    return BernoulliRun(
        means,
        weights,
        labels,
        objective,
        train_ll=float(model.score(X)),
        test_ll=float(model.score(X_test)),
        test_resp=model.predict_proba(X_test).astype(np.float32),
        samples=samples.astype(np.uint8),
        sample_components=np.asarray(components),
        converged=bool(model.converged_),
        n_iter=int(model.n_iter_),
        n_records=len(history),
        warnings=messages,
        seconds=time.perf_counter() - start,
    )


# --------------------------------------------------------------------------- figures


@st.cache_resource(show_spinner=False, max_entries=16)
def poisson_animation(run_id: str, _trace: pfig.CountTrace) -> go.Figure:
    """:func:`ui.figures.poisson.pmf_animation`, built once per run (``run_id`` names the run).

    Shared between reruns and sessions: callers must not modify the figure.
    """
    return pfig.pmf_animation(_trace)


@st.cache_resource(show_spinner=False, max_entries=16)
def prototype_animation(run_id: str, _run: BernoulliRun, shape: tuple[int, int]) -> go.Figure:
    """:func:`ui.figures.bernoulli.prototype_animation` of a run, built once; do not modify."""
    return bfig.prototype_animation(_run.means, _run.weights, _run.labels, shape)
