"""Cached mixture fits for the pages, at the UI boundary.

Every cached function here is keyed on the table's cache key (dataset name or upload digest),
the chosen columns and the settings; the table's values travel in an underscore argument, which
Streamlit leaves out of the key. Results are plain frozen dataclasses of NumPy arrays (picklable;
``st.cache_data`` hands each caller its own copy). A fit that collapses is a result too, with
the engine's message and advice, so an error is cached like a success and never reaches the page
as a traceback.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from sklearn.decomposition import PCA

from engine.mixtures import DegenerateFitError, GaussianMixture
from ui.figures.em import (
    EMTrace,
    Restart,
    animation_figure,
    frame_steps,
    full_covariances,
    responsibilities,
    restart_gallery,
)

#: Rows drawn in the scatter plots; a larger table is subsampled for display only.
DISPLAY_ROWS = 2000
#: Restarts shown side by side in the gallery.
N_RESTARTS = 6
REG_COVAR_OPTIONS: tuple[float, ...] = (0.0, 1e-9, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
TOL_OPTIONS: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8)


class Settings(NamedTuple):
    """What a Gaussian-mixture fit on this page depends on, besides the data."""

    k: int = 2
    cov: str = "full"
    init: str = "kmeans"
    seed: int = 0
    tol: float = 1e-3
    max_iter: int = 100
    reg_covar: float = 1e-6
    uniform: bool = False

    def model(self, **extra) -> GaussianMixture:
        return GaussianMixture(
            self.k,
            covariance_type=self.cov,
            init_params=self.init,
            random_state=self.seed,
            tol=self.tol,
            max_iter=self.max_iter,
            reg_covar=self.reg_covar,
            uniform_weights=self.uniform,
            **extra,
        )


@dataclass(frozen=True)
class Plane:
    """The two columns a page plots and fits: two features, or two PCA scores.

    ``X`` has shape (n, 2); ``labels`` are the axis titles; ``note`` explains a PCA view.
    """

    X: np.ndarray
    labels: tuple[str, str]
    note: str | None = None


@dataclass(frozen=True)
class EMRun:
    """A recorded fit, ready for the figures.

    Attributes
    ----------
    trace : EMTrace or None
        None when the fit failed (see ``error``).
    display_rows : ndarray of shape (m,)
        Indices of the rows drawn (all rows up to :data:`DISPLAY_ROWS`).
    resp : ndarray of shape (T, m, K), float32
        Responsibilities of the drawn rows after the E-step of each iteration.
    nk : ndarray of shape (T, K)
        Effective counts ``N_k = sum_n r_nk`` over all rows, per iteration.
    steps : ndarray of int
        Records the animation shows (all, or thinned out when there are many iterations).
    """

    trace: EMTrace | None
    display_rows: np.ndarray
    resp: np.ndarray | None
    nk: np.ndarray | None
    steps: np.ndarray | None
    converged: bool = False
    n_iter: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    advice: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.trace is not None


# --------------------------------------------------------------------------- data


def pca_labels(ratios: np.ndarray) -> tuple[str, str]:
    return tuple(f"PC {i + 1} ({r:.0%} of variance)" for i, r in enumerate(ratios[:2]))  # type: ignore[return-value]


@st.cache_data(show_spinner=False, max_entries=64)
def plane(
    cache_key: str,
    features: tuple[str, ...],
    pca: bool,
    units: str | None,
    _values: np.ndarray,
) -> Plane:
    """Two columns of the table ``cache_key``: the two ``features``, or the PCA of them all.

    ``_values`` (n, len(features)) holds the columns; PCA runs on standardised columns so that
    a feature measured in large units does not decide the picture alone.
    """
    values = np.asarray(_values, dtype=np.float64)
    if not pca:
        suffix = f" ({units})" if units else ""
        return Plane(values[:, :2].copy(), (features[0] + suffix, features[1] + suffix))
    sd = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    model = PCA(n_components=2, random_state=0).fit(z)
    scores = model.transform(z)
    ratio = model.explained_variance_ratio_
    note = (
        f"PCA of {len(features)} standardised features: the two scores keep "
        f"{ratio[:2].sum():.0%} of the variance. The mixture is fitted on these two scores."
    )
    return Plane(scores, pca_labels(ratio), note)


def display_rows(n: int, limit: int = DISPLAY_ROWS) -> np.ndarray:
    """All row indices, or a fixed random subset of ``limit`` of them (sorted)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


# --------------------------------------------------------------------------- fits


def _trace_from(model: GaussianMixture, X: np.ndarray) -> tuple[EMTrace, np.ndarray, list]:
    hist = model.history_
    K, D = model.n_components, X.shape[1]
    trace = EMTrace(
        iteration=np.array([r.iteration for r in hist], dtype=int),
        phase=tuple(r.phase for r in hist),
        weights=np.array([r.weights for r in hist], dtype=np.float64),
        means=np.array([r.params["means"] for r in hist], dtype=np.float64),
        covariances=np.array(
            [full_covariances(r.params["covariances"], model.covariance_type, K, D) for r in hist]
        ),
        log_likelihood=np.array([r.log_likelihood for r in hist], dtype=np.float64),
        elbo=np.array([r.elbo for r in hist], dtype=np.float64),
        n_rows=int(X.shape[0]),
    )
    e_steps = [s for s, r in enumerate(hist) if r.phase == "E"]
    return trace, np.array(e_steps, dtype=int), hist


@st.cache_data(show_spinner="Running EM…", max_entries=64)
def em_run(cache_key: str, columns: tuple[str, ...], pca: bool, settings: Settings, _X) -> EMRun:
    """Fit once with the history recorded; cached on the table key, columns and settings.

    ``_X`` (n, 2) are the fitted values (the :class:`Plane` of ``cache_key`` and ``columns``).
    """
    X = np.asarray(_X, dtype=np.float64)
    shown = display_rows(len(X))
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = settings.model(record_history=True).fit(X)
    except DegenerateFitError as err:
        return EMRun(None, shown, None, None, None, error=str(err), advice=tuple(err.advice))
    except ValueError as err:  # e.g. fewer rows than components
        return EMRun(None, shown, None, None, None, error=str(err))
    trace, e_steps, hist = _trace_from(model, X)
    T, K = len(e_steps), settings.k
    resp = np.empty((T, len(shown), K), dtype=np.float32)
    nk = np.empty((T, K))
    for t, s in enumerate(e_steps):
        full = hist[s].resp
        if full is None:  # the engine kept no responsibilities (large data): same formula
            _, full = responsibilities(X, trace.weights[s], trace.means[s], trace.covariances[s])
        resp[t] = full[shown]
        nk[t] = np.asarray(full, dtype=np.float64).sum(axis=0)
    messages = tuple(
        dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, Warning))
    )
    return EMRun(
        trace,
        shown,
        resp,
        nk,
        frame_steps(trace),
        converged=bool(model.converged_),
        n_iter=int(model.n_iter_),
        warnings=messages,
        seconds=time.perf_counter() - start,
    )


@st.cache_data(show_spinner="Trying other starts…", max_entries=32)
def restarts(
    cache_key: str, columns: tuple[str, ...], pca: bool, settings: Settings, _X
) -> tuple[tuple[Restart, ...], int, str | None]:
    """:data:`N_RESTARTS` initialisations from the same seed (the first is the animated run).

    Returns the restarts, the index of the kept one (-1 if every start collapsed) and the
    engine's message when every start collapsed.
    """
    X = np.asarray(_X, dtype=np.float64)
    shown = X[display_rows(len(X))]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = settings.model(n_init=N_RESTARTS).fit(X)
    except (DegenerateFitError, ValueError) as err:
        return (), -1, str(err)
    out = []
    K, D = settings.k, X.shape[1]
    for r in model.init_results_:
        if r.error is not None or r.params is None:
            out.append(
                Restart(r.init, float("-inf"), r.n_iter, False, None, None, None, None, r.error)
            )
            continue
        covs = full_covariances(r.params["covariances"], settings.cov, K, D)
        _, resp = responsibilities(shown, r.weights, r.params["means"], covs)
        out.append(
            Restart(
                r.init,
                float(r.lower_bound),
                int(r.n_iter),
                bool(r.converged),
                np.asarray(r.weights),
                np.asarray(r.params["means"]),
                covs,
                resp.argmax(axis=1),
            )
        )
    return tuple(out), int(model.best_init_), None


# --------------------------------------------------------------------------- advice


def fixes(
    cache_key: str, columns: tuple[str, ...], pca: bool, settings: Settings, X: np.ndarray
) -> list[tuple[str, Settings]]:
    """Settings that avoid a collapse, each checked by fitting it (cached): at most one each
    of a larger reg_covar, a smaller K and a simpler covariance type."""
    candidates: list[tuple[str, list[Settings]]] = [
        (
            "reg_covar",
            [settings._replace(reg_covar=r) for r in REG_COVAR_OPTIONS if r > settings.reg_covar][
                :4
            ],
        ),
        ("K", [settings._replace(k=k) for k in range(settings.k - 1, 0, -1)][:4]),
        (
            "covariance",
            [
                settings._replace(cov=c)
                for c in ("diag", "spherical")
                if c != settings.cov and settings.cov in ("full", "tied", "diag")
            ],
        ),
    ]
    found = []
    for what, options in candidates:
        for option in options:
            if em_run(cache_key, columns, pca, option, X).ok:
                value = {"reg_covar": option.reg_covar, "K": option.k, "covariance": option.cov}
                found.append(
                    (
                        f"{what} = {value[what]:g}"
                        if what != "covariance"
                        else f"covariance = {option.cov}",
                        option,
                    )
                )
                break
    return found


def notes(run: EMRun, settings: Settings, X: np.ndarray) -> list[str]:
    """Short sentences for ``st.info``: how the run stopped and what to make of it."""
    out: list[str] = []
    trace = run.trace
    if trace is None:
        return out
    n = trace.n_rows
    if settings.k > 1:
        sd = X.std(axis=0)
        start = trace.means[0] / np.where(sd > 0, sd, 1.0)
        gaps = np.linalg.norm(start[:, None] - start[None], axis=-1)
        spread = gaps[np.triu_indices(settings.k, 1)].max()
        if spread < 0.25 and run.n_iter <= 5:
            out.append(
                f"The run stopped after {run.n_iter} iteration(s) from an almost symmetric start: "
                f"the starting means lie within {spread:.2f} standard deviations of each other, "
                "so each E-step gives every component nearly the same share and the bound barely "
                "moves. The tol test then fires before the components separate. Try the "
                "k-means start, another seed, or a smaller tol."
            )
    if run.converged and settings.tol * n >= 1.0:
        out.append(
            f"tol is per row: with {n:,} rows, stopping when the mean log-likelihood changes by "
            f"less than {settings.tol:g} still allows the total to be rising by up to "
            f"{settings.tol * n:.3g} nats per iteration. A smaller tol runs longer."
        )
    return out


# --------------------------------------------------------------------------- figures


@st.cache_resource(show_spinner=False, max_entries=16)
def animation(run_id: str, _X, _resp, _trace: EMTrace, _labels, _steps) -> go.Figure:
    """:func:`ui.figures.em.animation_figure`, built once per run (``run_id`` names the run).

    Shared between reruns and sessions: callers must not modify the figure.
    """
    return animation_figure(_X, _resp, _trace, _labels, steps=_steps)


@st.cache_resource(show_spinner=False, max_entries=16)
def gallery(run_id: str, _X, _restarts, _best: int, _labels) -> go.Figure:
    """:func:`ui.figures.em.restart_gallery`, built once per run; do not modify the result."""
    return restart_gallery(_X, _restarts, _best, _labels)
