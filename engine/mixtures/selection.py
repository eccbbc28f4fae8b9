"""Choosing the number of components: AIC, BIC, ICL and held-out likelihood over K."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state

from engine.errors import DegenerateFitError

from .base import DegeneracyWarning, aic, bic, entropy, icl
from .gaussian import COVARIANCE_TYPES
from .registry import FAMILIES, make_mixture

__all__ = ["FAMILIES", "best_k", "compare", "heldout_log_likelihood", "make_mixture"]

COLUMNS = [
    "k",
    "covariance_type",
    "log_likelihood",
    "n_parameters",
    "aic",
    "bic",
    "icl",
    "converged",
    "n_iter",
    "error",
]


def compare(
    X,
    family: str = "gaussian",
    ks=range(1, 11),
    covariance_types=("full",),
    n_init: int = 1,
    random_state=None,
    cv: int | None = None,
    **params,
) -> pd.DataFrame:
    """Fit every K (and covariance type) and tabulate the criteria.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    family : str
    ks : iterable of int
    covariance_types : iterable of str
        Gaussian only; other families get one row per K with ``covariance_type`` "-".
    n_init : int
        Restarts per fit (the best is kept).
    random_state : int, RandomState or None
        Seeds every fit alike, so rows differ only by K and covariance type. An int is passed
        to every fit as it is: ``make_mixture(family, k, random_state=that int, ...)`` with the
        same settings reproduces a row exactly.
    cv : int or None
        When given, adds ``heldout_log_likelihood``: the mean log-likelihood per row of
        held-out rows over ``cv`` shuffled folds.
    **params
        Passed to every estimator (tol, max_iter, reg_covar, alpha, ...).

    Returns
    -------
    pandas.DataFrame
        One row per fit with columns k, covariance_type, log_likelihood (total, nats),
        n_parameters, aic, bic, icl (scikit-learn's sign: lower is better), converged, n_iter,
        error (the message of a fit that collapsed, whose criteria are then NaN), and
        ``heldout_log_likelihood`` with ``cv``.
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    if cv is not None and not 2 <= cv <= n:
        raise ValueError(
            f"cv={cv} held-out folds need between 2 and n_samples={n} rows per split; "
            f"use cv={min(5, n)} or fewer, or leave cv out."
        )
    if isinstance(random_state, int | np.integer):
        seed = int(random_state)  # every fit gets it, so a row is reproduced by that seed
    else:
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    types = tuple(covariance_types) if family == "gaussian" else ("-",)
    for ct in types:
        if family == "gaussian" and ct not in COVARIANCE_TYPES:
            raise ValueError(f"Unknown covariance type {ct!r}; choose from {COVARIANCE_TYPES}.")
    rows = []
    for ct in types:
        for k in ks:
            kw = dict(params, n_init=n_init, random_state=seed)
            if family == "gaussian":
                kw["covariance_type"] = ct
            row = {"k": int(k), "covariance_type": ct, "error": None}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.simplefilter("error", DegeneracyWarning)
                    model = make_mixture(family, int(k), **kw).fit(X)
            except (DegenerateFitError, DegeneracyWarning, ValueError) as err:
                row.update(
                    log_likelihood=np.nan,
                    n_parameters=np.nan,
                    aic=np.nan,
                    bic=np.nan,
                    icl=np.nan,
                    converged=False,
                    n_iter=0,
                    error=str(err),
                )
                rows.append(row)
                continue
            loglik = float(model.score_samples(X).sum())
            p = model.n_parameters()
            row.update(
                log_likelihood=loglik,
                n_parameters=p,
                aic=aic(loglik, p),
                bic=bic(loglik, p, n),
                icl=icl(loglik, p, n, entropy(model.predict_proba(X))),
                converged=bool(model.converged_),
                n_iter=int(model.n_iter_),
            )
            if cv:
                row["heldout_log_likelihood"] = heldout_log_likelihood(
                    X, family, int(k), cv=cv, **kw
                )
            rows.append(row)
    df = pd.DataFrame(rows)
    cols = COLUMNS + (["heldout_log_likelihood"] if cv else [])
    return df.reindex(columns=cols)


def heldout_log_likelihood(
    X, family: str, n_components: int, *, cv: int = 5, random_state=None, **params
) -> float:
    """Mean log-likelihood per held-out row over ``cv`` shuffled folds (NaN if a fold collapses)."""
    X = np.asarray(X, dtype=np.float64)
    folds = KFold(n_splits=cv, shuffle=True, random_state=random_state)
    total, count = 0.0, 0
    for train, test in folds.split(X):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("error", DegeneracyWarning)
                model = make_mixture(family, n_components, random_state=random_state, **params).fit(
                    X[train]
                )
        except (DegenerateFitError, DegeneracyWarning, ValueError):
            return float("nan")
        total += float(model.score_samples(X[test]).sum())
        count += len(test)
    return total / count


def best_k(table: pd.DataFrame, criterion: str = "bic") -> pd.Series:
    """The row with the best value of a criterion (lowest for aic/bic/icl, highest for
    held-out log-likelihood), ignoring collapsed fits."""
    valid = table.dropna(subset=[criterion])
    if valid.empty:
        raise ValueError(f"No fit produced a {criterion} value: every fit collapsed.")
    idx = (
        valid[criterion].idxmax() if criterion.startswith("heldout") else valid[criterion].idxmin()
    )
    return table.loc[idx]
