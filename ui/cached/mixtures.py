"""The mixture-fit resource: one settings type for every family, fits keyed by the data.

Every cached function here is keyed by a :class:`ui.state.DataRef` (which table, which
features), the columns a page fits, and a :class:`FitSettings`; the arrays are read from
:mod:`ui.cached.data` inside, so no caller passes unhashed arrays or builds a key. A fit that
collapses is a result too (with the engine's message and advice), so an error is cached like a
success and never reaches the page as a traceback.

A page asks for what it shows: the recorded fit (:func:`fit`), responsibilities at a recorded
step (:func:`responsibilities`); each is computed once per key and held by the cache, so a rerun
repeats no fit and no E-step. ``pca=True`` fits the two principal components of the columns
(:func:`plane`) instead of the columns. The "EM step by step" section adds the figure-ready run
(:func:`em_run`, its trace built from the engine's stacked history), one row's shares at a step
(:func:`point_shares`), the restarts gallery (:func:`restarts`) and checked collapse fixes
(:func:`fixes`).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sklearn.decomposition import PCA

from engine.errors import DegenerateFitError
from engine.mixtures import BaseMixture, DegeneracyWarning, compare, make_mixture
from engine.mixtures.history import History, responsibilities_at
from engine.mixtures.registry import REG_COVAR_OPTIONS, family_name
from ui.cached import counts
from ui.cached import data as cdata
from ui.figures import bernoulli as _bfig
from ui.figures import poisson as _pfig
from ui.figures.em import (
    EMTrace,
    Restart,
    animation_figure,
    frame_steps,
    full_covariances,
    restart_gallery,
    shares_table,
)
from ui.state import DataRef

MAX_ENTRIES = 64
TTL = "6h"


class FitSettings(NamedTuple):
    """What a mixture fit depends on besides the data, for every family.

    ``cov`` and ``reg_covar`` are used by the Gaussian family only; ``alpha`` by the Bernoulli
    family only (families ignore what they do not have).
    """

    family: str = "gaussian"
    k: int = 2
    cov: str = "full"
    init: str = "kmeans"
    seed: int = 0
    tol: float = 1e-3
    max_iter: int = 100
    reg_covar: float = 1e-6
    uniform: bool = False
    n_init: int = 1
    alpha: float = 0.1

    def model(self, **extra: Any) -> BaseMixture:
        """The unfitted engine estimator these settings describe."""
        params: dict[str, Any] = dict(
            covariance_type=self.cov,
            reg_covar=self.reg_covar,
            init_params=self.init,
            random_state=self.seed,
            tol=self.tol,
            max_iter=self.max_iter,
            n_init=self.n_init,
            uniform_weights=self.uniform,
        )
        if self.family == "bernoulli":
            params["alpha"] = self.alpha
        params.update(extra)
        return make_mixture(self.family, self.k, **params)


@dataclass(frozen=True)
class Fit:
    """A fitted mixture, or why it failed.

    ``model`` is the fitted estimator (with ``history_`` when recorded); callers must not
    modify it. ``warnings`` are the engine's warnings (e.g. not converged), once each.
    ``degenerate`` is the engine's :class:`~engine.mixtures.DegeneracyWarning` when a component
    collapsed but the fit went on (as scikit-learn's does); ``advice`` then, or with ``error``
    when the fit failed, lists the fixes to try.
    """

    model: BaseMixture | None
    error: str | None = None
    advice: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    degenerate: str | None = None

    @property
    def ok(self) -> bool:
        return self.model is not None

    @property
    def clean(self) -> bool:
        """Fitted, with no collapsed component."""
        return self.ok and self.degenerate is None


def run_fit(X: np.ndarray, settings: FitSettings, **extra: Any) -> Fit:
    """Fit ``settings.model(**extra)`` on ``X``, turning a collapse into a :class:`Fit` with
    the engine's message; warnings are collected, not shown."""
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = settings.model(**extra).fit(X)
    except DegenerateFitError as err:
        return Fit(None, error=str(err), advice=tuple(getattr(err, "advice", ())))
    except ValueError as err:  # e.g. fewer rows than components, or values the family refuses
        return Fit(None, error=str(err))
    messages = tuple(dict.fromkeys(str(w.message) for w in caught))
    collapsed = [w.message for w in caught if issubclass(w.category, DegeneracyWarning)]
    return Fit(
        model,
        warnings=messages,
        seconds=time.perf_counter() - start,
        degenerate=str(collapsed[0]) if collapsed else None,
        advice=tuple(getattr(collapsed[0], "advice", ())) if collapsed else (),
    )


def _values(ref: DataRef, columns: tuple[str, ...], pca: bool) -> np.ndarray:
    """The fitted values: the columns themselves, or their two PCA scores (:func:`plane`)."""
    return plane(ref, columns, True).X if pca else cdata.columns(ref, columns)


@st.cache_resource(show_spinner="Running EM…", max_entries=MAX_ENTRIES, ttl=TTL)
def fit(ref: DataRef, columns: tuple[str, ...], settings: FitSettings, pca: bool = False) -> Fit:
    """The fit of ``settings`` on columns ``columns`` of the data ``ref`` (or on their two
    PCA scores when ``pca``), with its history recorded.

    Held as a resource (one object for every session): do not modify the result.
    """
    return run_fit(_values(ref, columns, pca), settings, record_history=True)


@st.cache_data(show_spinner=False, max_entries=4 * MAX_ENTRIES, ttl=TTL)
def responsibilities(
    ref: DataRef, columns: tuple[str, ...], settings: FitSettings, step: int, pca: bool = False
) -> np.ndarray:
    """Responsibilities of every row at record ``step`` of the fit's history, shape (n, K):
    what that E-step gave, or for an M record what the next E-step gives. Computed once per
    step by the engine's :func:`~engine.mixtures.history.responsibilities_at`."""
    model = fit(ref, columns, settings, pca=pca).model
    X = _values(ref, columns, pca)
    return responsibilities_at(model, model.history_arrays_, X, step, recorded=True)


# ---- EM step by step: the plane, the recorded run, steps, restarts and fixes

#: Rows drawn in the scatter plots; a larger table is subsampled for display only.
DISPLAY_ROWS = 2000
#: Restarts shown side by side in the gallery.
N_RESTARTS = 6


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
        Built from the engine's stacked history; None when the fit failed (see ``error``).
    display_rows : ndarray of shape (m,)
        Indices of the rows drawn (all rows up to :data:`DISPLAY_ROWS`).
    resp : ndarray of shape (T, m, K), float32
        Responsibilities of the drawn rows after the E-step of each iteration.
    nk : ndarray of shape (T, K)
        Effective counts ``N_k = sum_n r_nk`` over all rows, per iteration (from the history).
    steps : ndarray of int
        Records the animation shows (all, or thinned out when there are many iterations).
    """

    trace: EMTrace | None
    display_rows: np.ndarray
    resp: np.ndarray | None = None
    nk: np.ndarray | None = None
    steps: np.ndarray | None = None
    converged: bool = False
    n_iter: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    advice: tuple[str, ...] = ()
    seconds: float = 0.0
    degenerate: str | None = None

    @property
    def ok(self) -> bool:
        return self.trace is not None


def pca_labels(ratios: np.ndarray) -> tuple[str, str]:
    return tuple(f"PC {i + 1} ({r:.0%} of variance)" for i, r in enumerate(ratios[:2]))  # type: ignore[return-value]


def display_rows(n: int, limit: int = DISPLAY_ROWS) -> np.ndarray:
    """All row indices, or a fixed random subset of ``limit`` of them (sorted)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def plane(ref: DataRef, columns: tuple[str, ...], pca: bool) -> Plane:
    """The two columns ``columns`` of the data ``ref`` (with their unit), or the first two
    principal components of all ``columns``, standardised so that no unit decides alone."""
    values = cdata.columns(ref, columns)
    if not pca:
        units = cdata.chosen(ref).units
        suffix = f" ({units})" if units else ""
        return Plane(values[:, :2].copy(), (columns[0] + suffix, columns[1] + suffix))
    sd = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    model = PCA(n_components=2, random_state=0).fit(z)
    ratio = model.explained_variance_ratio_
    note = (
        f"PCA of {len(columns)} standardised features: the two scores keep "
        f"{ratio[:2].sum():.0%} of the variance. The mixture is fitted on these two scores."
    )
    return Plane(model.transform(z), pca_labels(ratio), note)


@st.cache_data(show_spinner="Running EM…", max_entries=MAX_ENTRIES, ttl=TTL)
def em_run(ref: DataRef, columns: tuple[str, ...], pca: bool, settings: FitSettings) -> EMRun:
    """The recorded fit on the plane of ``ref``/``columns``/``pca``, as figure-ready arrays.

    The trace comes from the engine's stacked history (``model.history_arrays_``); the drawn
    rows' responsibilities are those the E-steps recorded (computed by the engine's
    :func:`~engine.mixtures.history.responsibilities_at` when the fit kept none).
    """
    result = fit(ref, columns, settings, pca=pca)
    X = _values(ref, columns, pca)
    shown = display_rows(len(X))
    if not result.ok:
        return EMRun(None, shown, error=result.error, advice=result.advice)
    model = result.model
    history = model.history_arrays_
    trace = EMTrace.from_history(history, X.shape[1])
    e_steps = history.e_steps
    resp = np.empty((len(e_steps), len(shown), settings.k), dtype=np.float32)
    for t, s in enumerate(e_steps):
        resp[t] = responsibilities_at(model, history, X, int(s), recorded=True)[shown]
    return EMRun(
        trace,
        shown,
        resp,
        np.asarray(history.effective_counts[e_steps], dtype=np.float64),
        frame_steps(trace),
        converged=bool(model.converged_),
        n_iter=int(model.n_iter_),
        warnings=result.warnings,
        seconds=result.seconds,
        degenerate=result.degenerate,
        advice=result.advice,
    )


@st.cache_data(show_spinner=False, max_entries=4 * MAX_ENTRIES, ttl=TTL)
def point_shares(
    ref: DataRef, columns: tuple[str, ...], pca: bool, settings: FitSettings, step: int, row: int
) -> pd.DataFrame:
    """Why row ``row`` gets its shares at record ``step``: ``π_k``, ``N(x|k)``, their product
    and the shares (see :func:`ui.figures.em.shares_table`), all from the engine."""
    model = fit(ref, columns, settings, pca=pca).model
    history = model.history_arrays_
    x = _values(ref, columns, pca)[row : row + 1]
    shares = responsibilities_at(model, history, x, step)[0]
    family = model._family()
    family.prepare(x)
    params = family.complete_params(dict(history.params_at(step)))
    return shares_table(history.weights[step], family.log_prob(x, params)[0], shares)


def _finals(model: BaseMixture, results: list, n_rows: int) -> History:
    """The final parameters of several restarts as one history (one M record each), so that
    the engine's :func:`responsibilities_at` scores rows under any of them."""
    names = [n for n in results[0].params if all(n in r.params for r in results)]
    T, K = len(results), results[0].weights.shape[0]
    zeros = np.zeros(T)
    return History(
        iteration=np.arange(1, T + 1),
        phase=("M",) * T,
        weights=np.stack([r.weights for r in results]),
        params={n: np.stack([r.params[n] for r in results]) for n in names},
        log_likelihood=zeros,
        elbo=zeros,
        kl=zeros,
        log_prior=zeros,
        effective_counts=np.full((T, K), np.nan),
        resp=(None,) * T,
        n_rows=n_rows,
        family=family_name(model),
        covariance_type=getattr(model, "covariance_type", None),
    )


@st.cache_data(show_spinner="Trying other starts…", max_entries=MAX_ENTRIES, ttl=TTL)
def restarts(
    ref: DataRef, columns: tuple[str, ...], pca: bool, settings: FitSettings
) -> tuple[tuple[Restart, ...], int, str | None]:
    """:data:`N_RESTARTS` initialisations from the same seed (the first is the animated run).

    Returns the restarts (each drawn row labelled by its most probable component), the index
    of the kept one (-1 if every start collapsed) and the engine's message when all collapsed.
    """
    result = fit(ref, columns, settings._replace(n_init=N_RESTARTS), pca=pca)
    if not result.ok:
        return (), -1, result.error
    model = result.model
    X = _values(ref, columns, pca)
    shown = X[display_rows(len(X))]
    good = [r for r in model.init_results_ if r.error is None and r.params is not None]
    finals = _finals(model, good, len(X)) if good else None
    K, D = settings.k, X.shape[1]
    out = []
    for r in model.init_results_:
        if r.error is not None or r.params is None:
            out.append(
                Restart(r.init, float("-inf"), r.n_iter, False, None, None, None, None, r.error)
            )
            continue
        resp = responsibilities_at(model, finals, shown, good.index(r))
        out.append(
            Restart(
                r.init,
                float(r.lower_bound),
                int(r.n_iter),
                bool(r.converged),
                np.asarray(r.weights),
                np.asarray(r.params["means"]),
                full_covariances(r.params["covariances"], settings.cov, K, D),
                resp.argmax(axis=1),
            )
        )
    return tuple(out), int(model.best_init_), None


@st.cache_data(show_spinner="Looking for settings that work…", max_entries=MAX_ENTRIES, ttl=TTL)
def fixes(
    ref: DataRef, columns: tuple[str, ...], pca: bool, settings: FitSettings
) -> tuple[tuple[str, FitSettings], ...]:
    """Settings that avoid a collapse, each checked by fitting it: at most one each of a
    larger reg_covar, a smaller K and a simpler covariance type, with a label for a button."""
    candidates: list[tuple[str, list[FitSettings]]] = [
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
            if fit(ref, columns, option, pca=pca).clean:
                value = {
                    "reg_covar": f"{option.reg_covar:g}",
                    "K": option.k,
                    "covariance": option.cov,
                }
                found.append((f"{what} = {value[what]}", option))
                break
    return tuple(found)


def run_notes(run: EMRun, settings: FitSettings, X: np.ndarray) -> list[str]:
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


@st.cache_resource(show_spinner=False, max_entries=16, ttl=TTL)
def animation(
    ref: DataRef, columns: tuple[str, ...], pca: bool, settings: FitSettings
) -> go.Figure:
    """:func:`ui.figures.em.animation_figure` of :func:`em_run`, built once per run and shared
    between reruns and sessions: do not modify the result."""
    run = em_run(ref, columns, pca, settings)
    view = plane(ref, columns, pca)
    return animation_figure(
        view.X[run.display_rows], run.resp, run.trace, view.labels, steps=run.steps
    )


@st.cache_resource(show_spinner=False, max_entries=16, ttl=TTL)
def gallery(ref: DataRef, columns: tuple[str, ...], pca: bool, settings: FitSettings) -> go.Figure:
    """:func:`ui.figures.em.restart_gallery` of :func:`restarts`; do not modify the result."""
    found, best, _ = restarts(ref, columns, pca, settings)
    view = plane(ref, columns, pca)
    return restart_gallery(view.X[display_rows(len(view.X))], found, best, view.labels)


# ---- Poisson and Bernoulli
# The "Poisson mixture" and "Bernoulli mixture" pages: which data they fit, their fits, and
# what they draw, taken from the fit's stacked history (``model.history_arrays_``) and the
# engine's ``responsibilities_at``. Keyed by (DataRef, column, FitSettings) like the rest.


#: The built-in data each page falls back to when the chosen data does not suit it.
COUNTS_REF = DataRef("builtin", "counts")
DIGITS_REF = DataRef("builtin", "digits")
#: K values compared by AIC and BIC on the Poisson page, and restarts per K (best kept).
CRITERIA_KS: tuple[int, ...] = tuple(range(1, 7))
CRITERIA_N_INIT = 3
#: Images (or 0/1 rows) a Bernoulli fit learns from and is scored on, at most.
MAX_TRAIN_IMAGES = 5_000
MAX_TEST_IMAGES = 2_000
#: Images drawn from a fitted Bernoulli mixture.
N_SAMPLES = 24


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def count_columns(ref: DataRef) -> tuple[str, ...]:
    """The chosen features of ``ref`` when they all hold counts (whole numbers, 0 or more),
    else none: the rule of the picker's note (:func:`ui.components.picker.needs_note`)."""
    data = cdata.chosen(ref)
    return tuple(data.features) if data.kind in ("counts", "binary") else ()


def counts_source(ref: DataRef) -> tuple[DataRef, tuple[str, ...]]:
    """What the Poisson page fits: ``ref`` (without its feature choice) and its count columns,
    or the built-in counts when the chosen features hold none."""
    columns = count_columns(ref)
    if columns:
        return replace(ref, features=()), columns
    return COUNTS_REF, count_columns(COUNTS_REF)


def count_truth(ref: DataRef) -> dict[str, np.ndarray]:
    """The true ``rates`` and ``weights`` of the built-in counts; empty for other data."""
    if ref.source != "builtin" or ref.name != COUNTS_REF.name:
        return {}
    extra = cdata.builtin(ref.name).extra
    return {"rates": extra["rates"], "weights": extra["weights"]}


def count_trace_of(model: BaseMixture, x: np.ndarray) -> _pfig.CountTrace:
    """The :class:`ui.figures.poisson.CountTrace` of a Poisson fit with history on counts ``x``.

    E records use the responsibilities the fit kept; otherwise the engine computes them once
    per distinct count (:func:`engine.mixtures.history.responsibilities_at`).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    history = model.history_arrays_
    values, inverse = np.unique(x, return_inverse=True)

    def resp_at(s: int) -> np.ndarray:
        if history.resp[s] is not None:
            return history.resp[s]
        return responsibilities_at(model, history, values[:, None], s)[inverse]

    return counts.count_trace(x, history, resp_at)


@st.cache_data(show_spinner="Recording EM's steps…", max_entries=MAX_ENTRIES, ttl=TTL)
def count_trace(ref: DataRef, column: str, settings: FitSettings) -> _pfig.CountTrace | None:
    """The count trace of :func:`fit` on one column; None when the fit failed (the
    :class:`Fit` says why)."""
    result = fit(ref, (column,), settings)
    if not result.ok:
        return None
    return count_trace_of(result.model, cdata.columns(ref, (column,))[:, 0])


@st.cache_data(show_spinner="Comparing K = 1 to 6…", max_entries=32, ttl=TTL)
def count_criteria(ref: DataRef, column: str, seed: int) -> pd.DataFrame:
    """AIC and BIC of Poisson mixtures with K = 1..6 on one column (best of
    :data:`CRITERIA_N_INIT` starts each); empty when the engine refuses the counts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compare(
                cdata.columns(ref, (column,)),
                family="poisson",
                ks=CRITERIA_KS,
                random_state=seed,
                n_init=CRITERIA_N_INIT,
            )
    except ValueError:
        return pd.DataFrame(columns=["k", "aic", "bic"])


def binary_source(ref: DataRef) -> DataRef:
    """What the Bernoulli page fits: ``ref``'s images, its chosen 0/1 columns, or the
    built-in digits (for anything else)."""
    if ref.source == "builtin" and ref.name in cdata.BUILTIN_IMAGES:
        return DIGITS_REF
    if cdata.is_images(ref):
        return replace(ref, features=(), label=None)
    if cdata.chosen(ref).kind == "binary":
        return ref
    return DIGITS_REF


@st.cache_data(show_spinner="Reading the data…", max_entries=8, ttl=TTL)
def binary_data(ref: DataRef) -> cdata.Images:
    """The 0/1 rows of :func:`binary_source` ``(ref)``, split into train and held-out parts.

    Images come from :func:`ui.cached.data.binary_images`; a 0/1 table's rows are "images" of
    one row of pixels, shape ``(1, n_features)``, a random 20% held out.
    """
    ref = binary_source(ref)
    if ref == DIGITS_REF or cdata.is_images(ref):
        return cdata.binary_images(ref, MAX_TRAIN_IMAGES, MAX_TEST_IMAGES)
    data = cdata.chosen(ref)
    X = data.X.astype(np.float32)
    if len(X) < 10:
        raise cdata.DataError(f"{len(X)} rows are too few to learn from some and test on others.")
    order = np.random.default_rng(0).permutation(len(X))
    n_out = max(2, round(cdata.HELDOUT_SHARE * len(X)))
    out, keep = np.sort(order[:n_out][:MAX_TEST_IMAGES]), np.sort(order[n_out:][:MAX_TRAIN_IMAGES])
    y = data.labels
    notes = [f"A random {cdata.HELDOUT_SHARE:.0%} of the rows is held out for testing."]
    if len(keep) < len(X) - n_out:
        notes.append(f"To stay quick, the fit uses a random {len(keep):,} of the rows.")
    return cdata.Images(
        data.name,
        X[keep],
        None if y is None else np.asarray(y)[keep],
        X[out],
        None if y is None else np.asarray(y)[out],
        (1, X.shape[1]),
        tuple(notes),
    )


@st.cache_resource(show_spinner="Running EM…", max_entries=MAX_ENTRIES, ttl=TTL)
def bernoulli_fit(ref: DataRef, settings: FitSettings) -> Fit:
    """A Bernoulli mixture with its history on the training rows of :func:`binary_data`.

    Held as a resource: do not modify the result.
    """
    X = binary_data(ref).X_train.astype(np.float64)
    return run_fit(X, settings, record_history=True, history_resp_cells=0)


@dataclass(frozen=True)
class BinaryRun:
    """What the Bernoulli page shows of a fit.

    Attributes
    ----------
    means : ndarray of shape (S, K, D), float32
        Prototypes at the animated records (the start, then M-steps; thinned for large images).
    weights : ndarray of shape (S, K)
    labels : tuple of str, length S
    train_ll, test_ll : float
        Mean log-likelihood per row, in nats, of the training and held-out rows.
    test_resp : ndarray of shape (n_test, K)
        Responsibilities of the held-out rows under the final fit.
    samples : ndarray of shape (N_SAMPLES, D), uint8
    sample_components : ndarray of shape (N_SAMPLES,)
    converged : bool
    n_iter : int
    """

    means: np.ndarray
    weights: np.ndarray
    labels: tuple[str, ...]
    train_ll: float
    test_ll: float
    test_resp: np.ndarray
    samples: np.ndarray
    sample_components: np.ndarray
    converged: bool
    n_iter: int


@st.cache_data(show_spinner="Scoring the held-out rows…", max_entries=32, ttl=TTL)
def bernoulli_run(ref: DataRef, settings: FitSettings) -> BinaryRun | None:
    """Frames, scores, held-out responsibilities and samples of :func:`bernoulli_fit`; None
    when the fit failed."""
    result = bernoulli_fit(ref, settings)
    if not result.ok:
        return None
    model, data = result.model, binary_data(ref)
    history = model.history_arrays_
    means, weights, labels = _bfig.prototype_frames(history, data.X_train.shape[1])
    X_test = data.X_test.astype(np.float64)
    resp = responsibilities_at(model, history, X_test, -1)
    samples, components = model.sample(N_SAMPLES)
    return BinaryRun(
        means=means,
        weights=weights,
        labels=labels,
        train_ll=float(history.log_likelihood[-1]) / history.n_rows,
        test_ll=float(model.score(X_test)),
        test_resp=resp.astype(np.float32),
        samples=samples.astype(np.uint8),
        sample_components=np.asarray(components),
        converged=bool(model.converged_),
        n_iter=int(model.n_iter_),
    )


@st.cache_resource(show_spinner=False, max_entries=16, ttl=TTL)
def count_animation(ref: DataRef, column: str, settings: FitSettings) -> go.Figure | None:
    """:func:`ui.figures.poisson.pmf_animation` of :func:`count_trace`, built once (do not
    modify it); None when the fit failed."""
    trace = count_trace(ref, column, settings)
    return None if trace is None else _pfig.pmf_animation(trace)


@st.cache_resource(show_spinner=False, max_entries=16, ttl=TTL)
def prototype_animation(ref: DataRef, settings: FitSettings) -> go.Figure | None:
    """:func:`ui.figures.bernoulli.prototype_animation` of :func:`bernoulli_run`, built once
    (do not modify it); None when the fit failed."""
    run = bernoulli_run(ref, settings)
    if run is None:
        return None
    return _bfig.prototype_animation(run.means, run.weights, run.labels, binary_data(ref).shape)
