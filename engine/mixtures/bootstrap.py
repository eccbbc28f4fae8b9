"""How firmly the training data back a posterior probability: bootstrap intervals.

A posterior such as ``P(component 1 | x) = 0.6`` comes from one fit of one sample of training
rows. Refitting on resampled training rows (drawn with replacement) and classifying the same
new rows again shows how far that 0.6 could move. Each refit starts from the fitted model's
own parameters, so component 1 of a refit is still component 1; the refit's means are also
matched to the original ones (Hungarian assignment) in case two components swapped anyway.
A refit that collapses is skipped and counted.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from engine.errors import DegenerateFitError

from .base import BaseMixture, DegeneracyWarning
from .gaussian import GaussianMixture


@dataclass(frozen=True)
class BootstrapDraws:
    """Posterior probabilities of the new rows under every successful refit.

    Attributes
    ----------
    proba : ndarray of shape (n_ok, n_new, K)
        One slice per refit that did not collapse, columns aligned with the original model.
    n_failed : int
        Refits skipped because they collapsed (or could not start).
    first_error : str or None
        The message of the first skipped refit, for a note.
    """

    proba: np.ndarray
    n_failed: int
    first_error: str | None = None

    @property
    def n_ok(self) -> int:
        """Number of refits that did not collapse."""
        return int(self.proba.shape[0])

    def interval(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of each probability.

        Returns
        -------
        lower, upper : ndarray of shape (n_new, K)
            NaN everywhere when no refit succeeded.
        """
        _check_level(level)
        if self.n_ok == 0:
            nan = np.full(self.proba.shape[1:], np.nan)
            return nan, nan.copy()
        tail = (1.0 - level) / 2.0
        lower, upper = np.quantile(self.proba, [tail, 1.0 - tail], axis=0)
        return lower, upper


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, e.g. 0.9; got {level!r}.")


def _start_from(model: BaseMixture) -> dict:
    """Parameters that make a refit start exactly at ``model``'s fitted values."""
    start = {
        "weights_init": np.asarray(model.weights_, dtype=np.float64),
        "means_init": np.asarray(model.means_, dtype=np.float64),
    }
    if isinstance(model, GaussianMixture):
        start["precisions_init"] = model.precisions_
    return start


def match_components(reference: np.ndarray, means: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Order of a refit's components that best matches the reference components.

    Parameters
    ----------
    reference, means : ndarray of shape (K, D)
        Component means of the original model and of the refit.
    scale : ndarray of shape (D,)
        Positive feature scales; distances are measured in these units.

    Returns
    -------
    order : ndarray of shape (K,)
        ``means[order]`` lines up with ``reference`` (minimum total squared distance).
    """
    diff = (reference[:, None, :] - means[None, :, :]) / scale
    cost = np.einsum("ijd,ijd->ij", diff, diff)
    rows, cols = linear_sum_assignment(cost)
    order = np.empty_like(cols)
    order[rows] = cols
    return order


def bootstrap_draws(
    model: BaseMixture,
    X_train,
    X_new,
    n_boot: int = 50,
    random_state=None,
    max_iter: int = 100,
) -> BootstrapDraws:
    """Refit ``model`` on ``n_boot`` bootstrap resamples and classify ``X_new`` with each.

    Parameters
    ----------
    model : BaseMixture
        A fitted mixture (Gaussian, Poisson or Bernoulli); it is not changed.
    X_train : array-like of shape (n_train, D)
        The rows the model was fitted on.
    X_new : array-like of shape (n_new, D)
        The rows to classify.
    n_boot : int
        Number of resamples.
    random_state : int, RandomState or None
        Seeds the resampling; the same seed gives the same draws.
    max_iter : int
        EM iterations allowed per refit.

    Returns
    -------
    BootstrapDraws
    """
    if not hasattr(model, "weights_"):
        raise ValueError("The model must be fitted before its probabilities can be bootstrapped.")
    if not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise ValueError(f"n_boot must be a whole number of at least 1; got {n_boot!r}.")
    X_train = np.asarray(X_train, dtype=np.float64)
    X_new = np.asarray(X_new, dtype=np.float64)
    K, D = model.means_.shape
    for name, X in (("X_train", X_train), ("X_new", X_new)):
        if X.ndim != 2 or X.shape[1] != D:
            raise ValueError(
                f"{name} should have shape (n_rows, {D}), one column per model feature; "
                f"got shape {X.shape}."
            )
    rng = check_random_state(random_state)
    n = X_train.shape[0]
    scale = X_train.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    template = clone(model).set_params(
        n_init=1, max_iter=max_iter, record_history=False, **_start_from(model)
    )
    draws: list[np.ndarray] = []
    n_failed, first_error = 0, None
    for _ in range(n_boot):
        rows = rng.randint(0, n, size=n)
        refit = clone(template).set_params(random_state=rng.randint(np.iinfo(np.int32).max))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("error", DegeneracyWarning)  # a collapsed refit fails
                refit.fit(X_train[rows])
        except (DegenerateFitError, DegeneracyWarning, ValueError) as err:
            n_failed += 1
            first_error = first_error or str(err)
            continue
        order = match_components(model.means_, refit.means_, scale)
        draws.append(refit.predict_proba(X_new)[:, order])
    proba = np.stack(draws) if draws else np.empty((0, X_new.shape[0], K))
    return BootstrapDraws(proba=proba, n_failed=n_failed, first_error=first_error)


def bootstrap_proba(
    model: BaseMixture,
    X_train,
    X_new,
    n_boot: int = 50,
    level: float = 0.9,
    random_state=None,
    max_iter: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap percentile interval of every posterior probability of ``X_new``.

    Parameters
    ----------
    model : BaseMixture
        A fitted mixture; it is not changed.
    X_train : array-like of shape (n_train, D)
        The rows the model was fitted on; resampled with replacement ``n_boot`` times.
    X_new : array-like of shape (n_new, D)
    n_boot : int
    level : float
        Coverage of the interval, e.g. 0.9 for the 5th to 95th percentiles.
    random_state : int, RandomState or None
    max_iter : int
        EM iterations allowed per refit (each starts from the fitted parameters).

    Returns
    -------
    lower, upper : ndarray of shape (n_new, K)
        Columns in the order of ``model.predict_proba``.

    Raises
    ------
    ValueError
        If every refit collapsed; :func:`bootstrap_draws` gives the count without raising.
    """
    _check_level(level)
    draws = bootstrap_draws(
        model, X_train, X_new, n_boot=n_boot, random_state=random_state, max_iter=max_iter
    )
    if draws.n_ok == 0:
        raise ValueError(
            f"All {n_boot} bootstrap refits collapsed, so there is no interval; the first "
            f"said: {draws.first_error}"
        )
    return draws.interval(level)
