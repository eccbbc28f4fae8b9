"""Cached engine calls for the "Choose K" and "Classify" pages.

Data arrays are passed with a leading underscore (left out of the cache key); the key is the
data's identity instead: ``data_key`` (built-in name or upload digest) and the feature names.
Exceptions are never cached, so a fit that collapses is tried again on the next call and its
message reaches the page intact.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from sklearn.exceptions import ConvergenceWarning

from engine import data as engine_data
from engine.data import TableReport
from engine.mixtures import BaseMixture, DegenerateFitError, GaussianMixture, compare, make_mixture
from engine.mixtures.bootstrap import bootstrap_draws
from ui.cache import digest_of
from ui.figures.selection import full_covariances

SAMPLES = Path(__file__).resolve().parents[1] / "assets" / "samples"
MAX_ENTRIES = 32
TTL = "6h"


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def criteria_table(
    data_key: str,
    features: tuple[str, ...],
    _X: np.ndarray,
    family: str,
    ks: tuple[int, ...],
    covariance_types: tuple[str, ...],
    n_init: int,
    seed: int,
    cv: int | None,
) -> pd.DataFrame:
    """:func:`engine.mixtures.compare` over ``ks`` and covariance types, cached."""
    return compare(
        _X,
        family=family,
        ks=ks,
        covariance_types=covariance_types,
        n_init=n_init,
        random_state=seed,
        cv=cv,
    )


def _fit(X: np.ndarray, family: str, k: int, covariance_type: str, n_init: int, seed: int):
    params = {"n_init": n_init, "random_state": seed}
    if family == "gaussian":
        params["covariance_type"] = covariance_type
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make_mixture(family, k, **params).fit(X)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def panel_fits(
    data_key: str,
    features: tuple[str, ...],
    _X: np.ndarray,
    family: str,
    ks: tuple[int, ...],
    covariance_type: str,
    n_init: int,
    seed: int,
) -> list[dict]:
    """The fits behind the first rows of :func:`criteria_table`, as plain arrays.

    Returns
    -------
    list of dict
        Per K: ``k``, ``labels`` (n,), ``means`` (K, D), ``covariances`` (K, D, D) or None,
        ``error`` (message of a collapsed fit, else None).
    """
    out = []
    for k in ks:
        try:
            model = _fit(_X, family, k, covariance_type, n_init, seed)
        except (DegenerateFitError, ValueError) as err:
            out.append(
                {"k": k, "labels": None, "means": None, "covariances": None, "error": str(err)}
            )
            continue
        covs = None
        if isinstance(model, GaussianMixture):
            covs = full_covariances(model.covariances_, covariance_type, k, _X.shape[1])
        out.append(
            {
                "k": k,
                "labels": model.predict(_X),
                "means": model.means_,
                "covariances": covs,
                "error": None,
            }
        )
    return out


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def fitted_model(
    data_key: str,
    features: tuple[str, ...],
    _X: np.ndarray,
    family: str,
    k: int,
    covariance_type: str,
    n_init: int,
    seed: int,
) -> BaseMixture:
    """One mixture fitted on the chosen data (raises DegenerateFitError / ValueError)."""
    return _fit(_X, family, k, covariance_type, n_init, seed)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def bootstrap_intervals(
    data_key: str,
    features: tuple[str, ...],
    _X: np.ndarray,
    family: str,
    k: int,
    covariance_type: str,
    n_init: int,
    seed: int,
    X_new: np.ndarray,
    n_boot: int,
    level: float,
) -> tuple[np.ndarray, np.ndarray, int, str | None]:
    """Bootstrap interval of every posterior probability of ``X_new`` under :func:`fitted_model`.

    Returns
    -------
    lower, upper : ndarray of shape (n_new, K)
    n_failed : int
        Refits that collapsed and were skipped.
    first_error : str or None
    """
    model = fitted_model(data_key, features, _X, family, k, covariance_type, n_init, seed)
    draws = bootstrap_draws(model, _X, X_new, n_boot=n_boot, random_state=seed)
    lower, upper = draws.interval(level)
    return lower, upper, draws.n_failed, draws.first_error


@st.cache_data(show_spinner="Checking the file…", max_entries=MAX_ENTRIES, ttl=TTL)
def _new_rows_by_digest(digest: str, _data: bytes) -> tuple[pd.DataFrame, TableReport]:
    return engine_data.inspect_table(_data, for_fitting=False)


def read_new_rows(data: bytes) -> tuple[pd.DataFrame, TableReport]:
    """New rows to classify from a file's bytes (one row is enough; constant columns kept).

    Raises
    ------
    engine.data.DataError
    """
    return _new_rows_by_digest(digest_of(data), data)


@st.cache_data(show_spinner=False, max_entries=8)
def sample_bytes(name: str) -> bytes:
    """The bytes of a shipped sample file in ``assets/samples/``."""
    path = (SAMPLES / name).resolve()
    if path.parent != SAMPLES or not path.is_file():
        raise FileNotFoundError(f"No sample file called {name!r}.")
    return path.read_bytes()
