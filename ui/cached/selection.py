"""The model-selection resource: criteria over K, fitted models, and new rows classified.

Every cached function here is keyed by hashable values only: the chosen data
(:class:`ui.state.DataRef`) and the columns used, a settings value (:class:`Scan` for the
criteria table, :class:`ui.cached.mixtures.FitSettings` for one fit), and for a model read
from a file or new rows read from a file, the SHA-256 digest of that file. Files are kept
in :mod:`ui.cached.data`'s bounded upload store under their digest (:func:`keep_file`), so
no caller hashes bytes, parses input or builds a key; and no rerun repeats a fit, a predict
over the training set, or a bootstrap.

Choose K asks for :func:`criteria` (one table part per covariance type) and
:func:`panel_fit`; Classify for :func:`model` (a fit on the chosen data or a saved file,
both named by a :class:`ModelSource`), :func:`new_rows`, :func:`classified`,
:func:`training_labels` and :func:`intervals`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st
from sklearn.exceptions import ConvergenceWarning

from engine import data as engine_data
from engine.data import DataError, TableReport
from engine.errors import ModelFileError
from engine.mixtures import BaseMixture, GaussianMixture, compare
from engine.mixtures.bootstrap import bootstrap_draws
from engine.mixtures.io import load_mixture, save_mixture
from engine.mixtures.registry import family_name
from ui.cached import data as cdata
from ui.cached import mixtures as cmix
from ui.cached.mixtures import FitSettings
from ui.figures.style import full_covariances
from ui.state import DataRef

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"
MAX_ENTRIES = 32
TTL = "6h"
#: Larger tables are scored on a seeded sample of this many rows, to keep Choose K quick.
MAX_ROWS = 20_000


# --------------------------------------------------------------------------- Choose K


class Scan(NamedTuple):
    """Which fits a part of the criteria table scores: K = each of ``ks``, one covariance type
    (``"-"`` for families without one), each the best of ``n_init`` starts seeded ``seed``;
    ``cv`` held-out folds (None: no held-out score)."""

    family: str = "gaussian"
    ks: tuple[int, ...] = tuple(range(1, 11))
    cov: str = "full"
    n_init: int = 3
    seed: int = 0
    cv: int | None = 5

    def settings(self, k: int) -> FitSettings:
        """The fit settings of this scan's fit with ``k`` components (its row in the table)."""
        cov = self.cov if self.cov != "-" else "full"
        return FitSettings(self.family, k, cov, seed=self.seed, n_init=self.n_init)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def scored_rows(ref: DataRef, columns: tuple[str, ...]) -> np.ndarray:
    """The rows Choose K scores: all of them, or a seeded :data:`MAX_ROWS` of a larger table."""
    X = cdata.columns(ref, columns)
    if X.shape[0] > MAX_ROWS:
        X = X[np.sort(np.random.default_rng(0).choice(X.shape[0], MAX_ROWS, replace=False))]
    return X


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def criteria(ref: DataRef, columns: tuple[str, ...], scan: Scan) -> pd.DataFrame:
    """:func:`engine.mixtures.compare` over ``scan`` on :func:`scored_rows` (scikit-learn's
    sign: lower is better); a collapsed fit is a row with its message, not an exception."""
    X = scored_rows(ref, columns)
    return compare(
        X,
        family=scan.family,
        ks=scan.ks,
        covariance_types=(scan.cov,),
        n_init=scan.n_init,
        random_state=scan.seed,
        cv=scan.cv,
    )


@st.cache_data(show_spinner=False, max_entries=4 * MAX_ENTRIES, ttl=TTL)
def panel_fit(ref: DataRef, columns: tuple[str, ...], settings: FitSettings) -> dict:
    """One of Choose K's fits as plain arrays: ``k``, ``labels`` (n,) hard labels of
    :func:`scored_rows`, ``means`` (K, D), ``covariances`` (K, D, D) or None, and ``error``
    (the message of a collapsed fit, whose arrays are then None)."""
    X = scored_rows(ref, columns)
    result = cmix.run_fit(X, settings)
    if not result.ok:
        return {
            "k": settings.k,
            "labels": None,
            "means": None,
            "covariances": None,
            "error": result.error,
        }
    model = result.model
    covs = None
    if isinstance(model, GaussianMixture):
        covs = full_covariances(model.covariances_, settings.cov, settings.k, X.shape[1])
    return {
        "k": settings.k,
        "labels": model.predict(X),
        "means": model.means_,
        "covariances": covs,
        "error": None,
    }


# --------------------------------------------------------------------------- files


def keep_file(name: str, data: bytes) -> str:
    """Keep an uploaded file (new rows, or a saved model) on the server; returns its digest,
    the key of :func:`new_rows` and of a :class:`ModelSource`. Raises DataError when the file
    is larger than the store."""
    return cdata.store().put(cdata.Upload((name,), (data,)))


@st.cache_data(show_spinner=False, max_entries=8)
def sample_bytes(name: str) -> bytes:
    """The bytes of a shipped sample file in ``assets/samples/`` (for its download button)."""
    path = (SAMPLES / name).resolve()
    if path.parent != SAMPLES or not path.is_file():
        raise FileNotFoundError(f"No sample file called {name!r}.")
    return path.read_bytes()


def keep_sample(name: str) -> str:
    """:func:`keep_file` for a shipped sample file."""
    return keep_file(name, sample_bytes(name))


def _stored(digest: str) -> bytes:
    upload = cdata.store().get(digest)
    if upload is None:
        raise cdata.UploadExpired(digest)
    return upload.files[0]


# --------------------------------------------------------------------------- Classify


class ModelSource(NamedTuple):
    """Where Classify's model comes from: a fit of ``settings`` on columns ``columns`` of the
    data ``ref``, or (``file`` set) a model file kept by :func:`keep_file`."""

    ref: DataRef | None = None
    columns: tuple[str, ...] = ()
    settings: FitSettings | None = None
    file: str | None = None

    @property
    def fitted_here(self) -> bool:
        return self.file is None


class Rows(NamedTuple):
    """New rows: a file kept by :func:`keep_file` (``digest``), or one row typed in the
    model's column order (``typed``)."""

    digest: str | None = None
    typed: tuple[float, ...] = ()


@dataclass(frozen=True)
class Model:
    """A model to classify with, or why there is none. Do not modify ``model``."""

    model: BaseMixture | None
    feature_names: tuple[str, ...] = ()
    family: str = "gaussian"
    error: str | None = None
    advice: tuple[str, ...] = ()
    saved: bytes = b""

    @property
    def ok(self) -> bool:
        return self.model is not None


@st.cache_resource(show_spinner="Fitting…", max_entries=MAX_ENTRIES, ttl=TTL)
def model(source: ModelSource) -> Model:
    """The model ``source`` names, with its JSON file for the download; a collapsed fit or a
    file that is not a model is a :class:`Model` with ``error`` (held as a resource: one
    object for every session, do not modify it)."""
    if not source.fitted_here:
        try:
            fitted, names = load_mixture(_stored(source.file))
        except ModelFileError as err:
            return Model(None, error=str(err))
        return Model(fitted, tuple(names), family_name(fitted))
    fit = cmix.fit(source.ref, source.columns, source.settings)
    if not fit.ok:
        return Model(None, source.columns, source.settings.family, fit.error, fit.advice)
    names = list(source.columns)
    return Model(
        fit.model, source.columns, source.settings.family, saved=save_mixture(fit.model, names)
    )


@st.cache_data(show_spinner="Checking the file…", max_entries=MAX_ENTRIES, ttl=TTL)
def _read_rows(digest: str) -> tuple[pd.DataFrame, TableReport]:
    return engine_data.inspect_table(_stored(digest), for_fitting=False)


@dataclass(frozen=True)
class NewRows:
    """New rows as read: every column kept, and what the check says about them."""

    frame: pd.DataFrame
    messages: tuple[str, ...] = ()


def typed_row(text: str | None, n_columns: int) -> tuple[float, ...] | None:
    """One typed row from its link form (``"1.5,3"``), or None when it is not ``n_columns``
    finite numbers."""
    if not text:
        return None
    try:
        values = tuple(float(piece) for piece in text.split(","))
    except ValueError:
        return None
    if len(values) != n_columns or not np.isfinite(values).all():
        return None
    return values


def typed_start(found: Model) -> tuple[float, ...]:
    """A sensible row to start typing from: the mixture's mean, as a value the model's family
    takes (rounded to a count for Poisson, to 0 or 1 for Bernoulli)."""
    model = found.model
    mean = np.asarray(model.weights_, dtype=np.float64) @ np.asarray(model.means_, dtype=np.float64)
    family = family_name(model)
    if family == "poisson":
        mean = np.round(mean)
    elif family == "bernoulli":
        mean = (mean >= 0.5).astype(np.float64)
    return tuple(float(v) for v in mean)


def typed_text(values) -> str:
    """The link form of a typed row (inverse of :func:`typed_row`)."""
    return ",".join(f"{float(v):.6g}" for v in values)


def new_rows(rows: Rows, columns: tuple[str, ...]) -> NewRows:
    """The new rows ``rows`` names; a typed row gets the model's ``columns``.

    Raises
    ------
    DataError
        The file cannot be read as a table.
    ui.cached.data.UploadExpired
        The file is no longer kept.
    """
    if rows.digest is None:
        return NewRows(pd.DataFrame([list(rows.typed)], columns=list(columns), dtype=float))
    frame, report = _read_rows(rows.digest)
    return NewRows(frame, tuple(report.messages()))


@dataclass(frozen=True)
class Classified:
    """New rows and what the model makes of them.

    ``X`` (n_new, D) the model's columns of the rows; ``proba`` (n_new, K) posterior
    probabilities; ``extra`` the columns of the rows the model does not use.
    """

    rows: pd.DataFrame
    X: np.ndarray
    proba: np.ndarray
    extra: tuple[str, ...] = ()


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def classified(source: ModelSource, rows: Rows) -> Classified:
    """``predict_proba`` of the model ``source`` on the new rows ``rows``.

    Raises
    ------
    DataError
        The rows cannot be read, lack a column the model was fitted on (named), or hold
        values the model's family does not take (the message says which).
    """
    found = model(source)
    names = list(found.feature_names)
    frame = new_rows(rows, found.feature_names).frame
    X = engine_data.align_columns(frame, names).to_numpy(dtype=np.float64)
    extra = tuple(str(c) for c in frame.columns if str(c) not in names)
    try:
        proba = found.model.predict_proba(X)
    except ValueError as err:  # values the family does not take (a fraction for Poisson, say)
        raise DataError(f"These rows don't suit the fitted model. {err}") from None
    return Classified(frame, X, proba, extra)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def training_labels(source: ModelSource) -> np.ndarray:
    """The hard label of every training row under a model fitted here, shape (n,)."""
    return model(source).model.predict(cdata.columns(source.ref, source.columns))


@dataclass(frozen=True)
class Intervals:
    """Bootstrap interval of every probability: ``lower``, ``upper`` (n_new, K), or None when
    every refit collapsed; ``n_failed`` refits skipped and the first one's message."""

    lower: np.ndarray | None
    upper: np.ndarray | None
    n_failed: int
    first_error: str | None


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def _draws(source: ModelSource, rows: Rows, n_boot: int):
    X_train = cdata.columns(source.ref, source.columns)
    X_new = classified(source, rows).X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return bootstrap_draws(
            model(source).model, X_train, X_new, n_boot=n_boot, random_state=source.settings.seed
        )


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def intervals(source: ModelSource, rows: Rows, n_boot: int, level: float) -> Intervals:
    """The middle ``level`` of the probabilities given by ``n_boot`` refits of a model fitted
    here on resampled training rows (the refits are shared by every level)."""
    draws = _draws(source, rows, n_boot)
    if draws.n_failed == n_boot:
        return Intervals(None, None, draws.n_failed, draws.first_error)
    lower, upper = draws.interval(level)
    return Intervals(lower, upper, draws.n_failed, draws.first_error)


__all__ = [
    "MAX_ROWS",
    "Classified",
    "DataError",
    "Intervals",
    "Model",
    "ModelSource",
    "NewRows",
    "Rows",
    "Scan",
    "classified",
    "criteria",
    "intervals",
    "keep_file",
    "keep_sample",
    "model",
    "new_rows",
    "panel_fit",
    "sample_bytes",
    "scored_rows",
    "training_labels",
    "typed_row",
    "typed_text",
]
