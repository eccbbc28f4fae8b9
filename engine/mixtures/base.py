"""The one EM driver shared by every mixture family.

A family (Gaussian, Poisson, Bernoulli) supplies four small pieces, all pure functions of arrays:
component log-densities, additive sufficient statistics gathered from responsibilities, the
parameters those statistics imply (the M-step), and an initialiser. The driver here owns
everything else: restarts, ``tol`` and ``max_iter``, convergence, the best-of-inits choice,
the degenerate-fit checks and the recorded history that the app's figures are drawn from.

The E-step and the gathering of the M-step's statistics run as one pass over row chunks, so
a fit over a million rows never holds more than one chunk's temporaries besides the data.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from engine.errors import DegeneracyWarning, DegenerateFitError

if TYPE_CHECKING:
    from .history import History

Params = dict[str, np.ndarray]

#: Added to every effective count, as scikit-learn does, so that an empty component never
#: divides by zero before the degenerate-fit check can name it.
NK_EPS = 10 * np.finfo(np.float64).eps

#: Threads that share the blocks of one EM pass (BLAS itself is held to one thread meanwhile).
_N_THREADS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)

INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data")


# --------------------------------------------------------------------------------------
# Pure E-step pieces
# --------------------------------------------------------------------------------------


def log_normalize(weighted_log_prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The E-step on one block of rows: normalise joint log-probabilities into posteriors.

    Parameters
    ----------
    weighted_log_prob : ndarray of shape (n_samples, n_components)
        ``log pi_k + log p(x_n | k)``.

    Returns
    -------
    log_prob_norm : ndarray of shape (n_samples,)
        ``log p(x_n)``, by the log-sum-exp of each row.
    resp : ndarray of shape (n_samples, n_components)
        Responsibilities ``p(k | x_n)``; each row sums to 1.
    """
    wlp = np.asarray(weighted_log_prob, dtype=np.float64)
    top = wlp.max(axis=1, keepdims=True)
    top[~np.isfinite(top)] = 0.0  # a row of -inf everywhere stays -inf instead of NaN
    with np.errstate(under="ignore", divide="ignore"):
        resp = np.exp(wlp - top)
        total = resp.sum(axis=1, keepdims=True)
        resp /= total
        log_prob_norm = np.log(total[:, 0]) + top[:, 0]
    return log_prob_norm, resp


def e_step(weighted_log_prob: np.ndarray) -> tuple[float, np.ndarray]:
    """E-step as scikit-learn defines it: mean log-likelihood and the responsibilities.

    Parameters
    ----------
    weighted_log_prob : ndarray of shape (n_samples, n_components)

    Returns
    -------
    mean_log_likelihood : float
    resp : ndarray of shape (n_samples, n_components)
    """
    log_prob_norm, resp = log_normalize(weighted_log_prob)
    return float(log_prob_norm.mean()), resp


def entropy(resp: np.ndarray) -> float:
    """Total entropy ``-sum r log r`` of a responsibility matrix, with ``0 log 0 = 0``.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, n_components)
    """
    r = resp[resp > 0]
    return float(-(r * np.log(r)).sum())


# --------------------------------------------------------------------------------------
# Families
# --------------------------------------------------------------------------------------


class Family(ABC):
    """What a mixture family must supply to the shared EM driver.

    A family maps a block of rows to features ``F`` (one column per row) in which its
    log-density is linear: ``log p(x_n | k) = W_k . F_n + c_k``. The E-step is then one matrix
    product, and the M-step's sufficient statistics are another, ``resp^T F^T``, summed over
    blocks.

    Parameters are plain dicts of arrays (``{"means": (K, D), ...}``) so that history
    records, JSON files and figures read them the same way. Mixing weights are not part of
    them: the driver owns the weights for every family.
    """

    #: Names of the parameter arrays, in the order they are saved and shown.
    param_names: tuple[str, ...] = ("means",)

    def validate(self, X: np.ndarray) -> None:  # noqa: B027 - optional hook
        """Raise ValueError with a message for people when X is outside the family's domain."""

    def prepare(self, X: np.ndarray) -> None:  # noqa: B027 - optional hook
        """Look at the whole training set once before a fit (e.g. to centre it)."""

    @abstractmethod
    def features(self, X: np.ndarray) -> np.ndarray:
        """The features ``F`` of a block of rows, stat-major: shape (n_stats, n_rows)."""

    @abstractmethod
    def linear_form(self, params: Params) -> tuple[np.ndarray, np.ndarray]:
        """``W`` of shape (n_stats, K) and ``c`` of shape (K,): ``log p(x|k) = F(x) . W_k + c_k``."""

    def log_prob(self, X: np.ndarray, params: Params) -> np.ndarray:
        """Component log-densities ``log p(x_n | k)``, shape (n_samples, n_components)."""
        W, c = self.linear_form(params)
        return (W.T @ self.features(X)).T + c

    @abstractmethod
    def params_from_stats(self, nk: np.ndarray, sf: np.ndarray) -> Params:
        """The M-step: parameters from ``nk = sum_n r_nk`` (K,) and ``sf = resp^T F`` (K, n_stats)."""

    @abstractmethod
    def n_parameters(self, n_components: int, n_features: int) -> int:
        """Free parameters of the components (the weights are counted by the driver)."""

    @abstractmethod
    def sample(self, params: Params, k: int, n: int, rng: np.random.RandomState) -> np.ndarray:
        """Draw ``n`` rows from component ``k``, shape (n, n_features)."""

    def log_prior(self, params: Params) -> float:
        """Log-density of a smoothing prior on the parameters (0 when there is none)."""
        return 0.0

    #: Whether :meth:`features`, :meth:`linear_form` and :meth:`params_from_stats` take a
    #: per-component ``center`` (K, D) for numerically stable statistics (see :meth:`shifts`).
    shiftable: bool = False

    def shifts(self, params: Params) -> np.ndarray | None:
        """Per-component centres (K, D) to gather statistics about, or None for shared features.

        A family whose statistics are moments (the Gaussian's) returns its components' current
        means when moments about one shared centre would cancel catastrophically.
        """
        return None

    def refine_centers(
        self, nk: np.ndarray, sf: np.ndarray, center: np.ndarray | None = None
    ) -> np.ndarray | None:
        """For a shiftable family: the new means (K, D) when the statistics gathered about
        ``center`` cancelled too much and must be gathered again about them; else None."""
        return None

    def degenerate(self, params: Params, nk: np.ndarray) -> list[tuple[int, str]]:
        """Degenerate components as ``(k, reason)`` pairs (empty when all are sound)."""
        empty = np.flatnonzero(nk < 1e-3)
        return [(int(k), "is empty: no row gives it any weight") for k in empty]

    def advice(self) -> list[str]:
        return ["use fewer components", "try another seed or init method"]

    def complete_params(self, params: Params) -> Params:
        """Fill in derived arrays (e.g. precision factors) of user-given starting values."""
        return params


def m_step(family: Family, X: np.ndarray, resp: np.ndarray) -> tuple[np.ndarray, Params]:
    """The M-step as a pure function: responsibilities in, effective counts and parameters out.

    Parameters
    ----------
    family : Family
    X : ndarray of shape (n_samples, n_features)
    resp : ndarray of shape (n_samples, n_components)

    Returns
    -------
    nk : ndarray of shape (n_components,)
        Effective number of points per component (plus a tiny guard against zero).
    params : dict of arrays
    """
    family.prepare(X)
    nk = resp.sum(axis=0)
    if family.shiftable:
        # two passes: the means first, then every statistic about its component's mean
        centers = (resp.T @ X) / (nk + NK_EPS)[:, None]
        sf = np.stack([family.features(X, centers[k]) @ resp[:, k] for k in range(resp.shape[1])])
        return nk + NK_EPS, family.params_from_stats(nk, sf, centers)
    sf = resp.T @ family.features(X).T
    return nk + NK_EPS, family.params_from_stats(nk, sf)


# --------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------


@dataclass
class StepRecord:
    """The state after one E-step or one M-step.

    ``log_likelihood`` is the total ``sum_n log p(x_n)`` under ``weights`` and ``params``;
    ``elbo`` is the lower bound with the responsibilities of the latest E-step; their
    difference ``kl`` is the KL divergence between those responsibilities and the exact
    posterior: zero right after an E-step, and what the next E-step closes after an M-step.
    """

    iteration: int
    phase: str  # "E" or "M"
    weights: np.ndarray
    params: Params
    log_likelihood: float = float("nan")
    elbo: float = float("nan")
    log_prior: float = 0.0
    resp: np.ndarray | None = None  # (n_samples, n_components) float32, E-steps only, capped
    nk: np.ndarray | None = None  # (n_components,) sum_n r_nk of this E-step; E-steps only

    @property
    def kl(self) -> float:
        return self.log_likelihood - self.elbo

    def as_dict(self) -> dict[str, Any]:
        return {
            "iteration": self.iteration,
            "phase": self.phase,
            "weights": self.weights,
            **self.params,
            "log_likelihood": self.log_likelihood,
            "elbo": self.elbo,
            "kl": self.kl,
        }


@dataclass
class InitResult:
    """What one initialisation of a restart gave."""

    init: int
    lower_bound: float
    n_iter: int
    converged: bool
    weights: np.ndarray | None = None
    params: Params | None = None
    lower_bounds: list[float] = field(default_factory=list)
    error: str | None = None
    start_weights: np.ndarray | None = None
    start_params: Params | None = None


# --------------------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------------------


class BaseMixture(DensityMixin, BaseEstimator, ABC):
    """EM for a finite mixture, written once for every family.

    Subclasses name their hyperparameters in ``__init__`` (scikit-learn style) and build
    their :class:`Family` in ``_family``. Hyperparameters are checked by scikit-learn's
    declarative ``_parameter_constraints`` (an ``InvalidParameterError`` names the parameter,
    what it accepts and what came).
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions(set(INIT_METHODS))],
        "weights_init": ["array-like", None],
        "means_init": ["array-like", None],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "verbose_interval": [Interval(Integral, 1, None, closed="left")],
        "uniform_weights": ["boolean"],
        "record_history": ["boolean"],
        "history_resp_cells": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components: int = 1,
        *,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        random_state=None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        uniform_weights: bool = False,
        record_history: bool = False,
        history_resp_cells: int = 2_000_000,
    ):
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.uniform_weights = uniform_weights
        self.record_history = record_history
        self.history_resp_cells = history_resp_cells

    # -- pieces a subclass supplies -----------------------------------------------------

    @abstractmethod
    def _family(self) -> Family: ...

    def _params_init(self, X: np.ndarray) -> Params:
        """User-given starting parameters beyond weights and means (e.g. precisions)."""
        return {}

    def _set_fitted(self, weights: np.ndarray, params: Params, dtype=np.float64) -> None:
        # The fit runs in float64; the fitted arrays take the input's dtype, as scikit-learn's.
        self.weights_ = weights.astype(dtype, copy=False)
        for name, value in params.items():
            setattr(self, name + "_", value.astype(dtype, copy=False))

    def _get_fitted(self) -> Params:
        fam = self._family()
        return {
            name: np.asarray(getattr(self, name + "_"), dtype=np.float64)
            for name in fam.param_names
        }

    # -- validation ---------------------------------------------------------------------

    def _check_hyper(self) -> None:
        self._validate_params()

    def _check_inits(self, X: np.ndarray) -> None:
        # scikit-learn's wording first (code written for it matches on it), then ours
        K, D = self.n_components, X.shape[1]
        if self.weights_init is not None:
            w = np.asarray(self.weights_init, dtype=np.float64)
            if w.shape != (K,):
                raise ValueError(
                    f"The parameter 'weights' should have the shape of ({K},), but got "
                    f"{w.shape}: weights_init needs one weight per component."
                )
            if np.any(w < 0) or np.any(w > 1):
                raise ValueError(
                    "The parameter 'weights' should be in the range [0, 1], but got "
                    f"min value {w.min():.5f}, max value {w.max():.5f}."
                )
            if not np.isclose(w.sum(), 1.0, atol=1e-6):
                raise ValueError(
                    f"The parameter 'weights' should be normalized, but got sum(weights) = "
                    f"{w.sum():.5f}: weights_init must sum to 1."
                )
        if self.means_init is not None:
            m = np.asarray(self.means_init, dtype=np.float64)
            if m.shape != (K, D):
                raise ValueError(
                    f"The parameter 'means' should have the shape of ({K}, {D}), but got "
                    f"{m.shape}: means_init is (components x features)."
                )

    def _validate_X(self, X, reset: bool) -> np.ndarray:
        """Validated rows, in float64 or float32 as given (other dtypes become float64)."""
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
            reset=reset,
        )
        self._family().validate(X)
        return X

    # -- the driver ---------------------------------------------------------------------

    def _log_weights(self, weights: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(weights)

    def _pass(
        self,
        fam: Family,
        X: np.ndarray,
        weights: np.ndarray,
        params: Params,
        *,
        want_stats: bool = True,
        want_resp: bool = False,
        prev_resp: np.ndarray | None = None,
        centers: np.ndarray | None = None,
    ):
        """One sweep over the rows: E-step, and optionally the M-step's statistics.

        Blocks of rows are processed in a (K, rows) layout, so that the log-sum-exp over
        components runs along contiguous memory; blocks are spread over a small thread pool
        (NumPy releases the GIL) and their sums are added in block order, so a fit gives the
        same numbers whatever the threads' timing.

        With ``centers`` (K, D) (see :meth:`Family.shifts`), component ``k`` is scored and its
        statistics are gathered on features of ``x - centers[k]``: moments about a point close
        to the component's mean, so they do not cancel however far the data sit from one
        another. This costs one feature block per component instead of one shared block.

        Returns
        -------
        loglik : float
            Total log-likelihood under ``weights``/``params``.
        nk, sf : ndarray (K,), ndarray (K, n_stats), or None
            Sufficient statistics of the new responsibilities (about ``centers`` if given).
        resp : ndarray (n_samples, n_components) or None
        expected : float
            With ``prev_resp``: ``sum r_prev * (log w + log p)`` under these parameters,
            the energy term of the ELBO for the previous responsibilities.
        """
        n = X.shape[0]
        K = weights.shape[0]
        if centers is None:
            W, c = fam.linear_form(params)
        else:
            W, c = fam.linear_form(params, centers)
        WT = np.ascontiguousarray(W.T)
        shift = (c + self._log_weights(weights))[:, None]
        resp_all = np.empty((n, K)) if want_resp else None
        # blocks whose temporaries stay around 4 MB
        step = max(1024, (1 << 19) // (W.shape[0] + K))
        if centers is not None:
            step = max(256, step // K)

        def block(start: int):
            Xb = X[start : start + step]
            if centers is None:
                F = fam.features(Xb)  # (n_stats, rows)
                wlp = WT @ F  # (K, rows)
            else:
                Fs = [fam.features(Xb, centers[k]) for k in range(K)]
                wlp = np.stack([WT[k] @ Fs[k] for k in range(K)])
            stop = start + wlp.shape[1]
            wlp += shift
            expected = 0.0
            if prev_resp is not None:
                pr = prev_resp[start:stop].T
                expected = float(np.where(pr > 0, pr * wlp, 0.0).sum())
            top = wlp.max(axis=0)
            top[~np.isfinite(top)] = 0.0
            with np.errstate(under="ignore", divide="ignore"):
                np.subtract(wlp, top, out=wlp)
                np.exp(wlp, out=wlp)
                total = wlp.sum(axis=0)
                wlp /= total
                loglik = float((np.log(total) + top).sum())
            if want_resp:
                resp_all[start:stop] = wlp.T
            if not want_stats:
                return loglik, None, None, expected
            sf = wlp @ F.T if centers is None else np.stack([Fs[k] @ wlp[k] for k in range(K)])
            return loglik, wlp.sum(axis=1), sf, expected

        starts = range(0, n, step)
        if len(starts) > 1 and _N_THREADS > 1:
            with (
                threadpool_limits(limits=1, user_api="blas"),
                ThreadPoolExecutor(max_workers=_N_THREADS) as pool,
            ):
                parts = list(pool.map(block, starts))
        else:
            parts = [block(s) for s in starts]
        loglik = math.fsum(p[0] for p in parts)
        expected = math.fsum(p[3] for p in parts)
        if not want_stats:
            return loglik, None, None, resp_all, expected
        nk = np.sum([p[1] for p in parts], axis=0)
        sf = np.sum([p[2] for p in parts], axis=0)
        return loglik, nk, sf, resp_all, expected

    def _initial_resp(self, X: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        n, K = X.shape[0], self.n_components
        resp = np.zeros((n, K))
        if self.init_params == "kmeans":
            labels = KMeans(n_clusters=K, n_init=1, random_state=rng).fit(X).labels_
            resp[np.arange(n), labels] = 1
        elif self.init_params == "random":
            resp = rng.uniform(size=(n, K))
            resp /= resp.sum(axis=1)[:, np.newaxis]
        elif self.init_params == "random_from_data":
            idx = rng.choice(n, size=K, replace=False)
            resp[idx, np.arange(K)] = 1
        else:  # "k-means++"
            _, idx = kmeans_plusplus(X, K, random_state=rng)
            resp[idx, np.arange(K)] = 1
        return resp

    def _initialize(self, fam: Family, X: np.ndarray, rng) -> tuple[np.ndarray, Params]:
        K = self.n_components
        given = self._params_init(X)
        need_resp = self.means_init is None or any(
            name not in given for name in fam.param_names if name != "means"
        )
        if need_resp or (self.weights_init is None and not self.uniform_weights):
            resp = self._initial_resp(X, rng)
            nk, params = m_step(fam, X, resp)
            weights = nk / X.shape[0]
        else:
            params, weights = {}, None
        if self.weights_init is not None:
            weights = np.asarray(self.weights_init, dtype=np.float64).copy()
        if self.uniform_weights:
            weights = np.full(K, 1.0 / K)
        weights = weights / weights.sum()
        if self.means_init is not None:
            params["means"] = np.asarray(self.means_init, dtype=np.float64).copy()
        params.update(given)
        return weights, fam.complete_params(params)

    def _m_update(self, fam: Family, nk_raw: np.ndarray, sf: np.ndarray, centers=None):
        nk = nk_raw + NK_EPS
        if centers is None:
            params = fam.params_from_stats(nk_raw, sf)
        else:
            params = fam.params_from_stats(nk_raw, sf, centers)
        weights = np.full(nk.shape[0], 1.0 / nk.shape[0]) if self.uniform_weights else nk / nk.sum()
        return nk, weights, params

    def _degeneracy_message(self, fam: Family, k: int, reason: str, iteration: int, nk) -> str:
        return (
            f"Component {k + 1} of {self.n_components} {reason} at iteration {iteration} "
            f"(it holds {nk:.3g} points' worth of weight). To fix it: "
            + "; ".join(fam.advice())
            + "."
        )

    def _check_data_for_k(self, X: np.ndarray) -> None:
        n, K = X.shape[0], self.n_components
        if n < K:
            raise ValueError(
                f"Expected n_samples >= n_components but got n_components = {K}, "
                f"n_samples = {n}: a mixture of {K} components needs at least {K} rows. "
                "Use fewer components or more data."
            )

    def _verbose(self, level: int, message: str) -> None:
        if self.verbose >= level:
            print(message)

    def _run_one(
        self, fam, X, rng, init: int, start=None, lower_bound: float = -np.inf
    ) -> tuple[InitResult, list[StepRecord], dict[int, tuple[int, str, float]]]:
        """One initialisation run to convergence (or ``max_iter``).

        ``start`` is ``(weights, params)`` to continue from (``warm_start``), with the
        ``lower_bound`` that run ended on. Also returns the degenerate components met, as
        ``{k: (first iteration, reason, weight)}``.
        """
        n = X.shape[0]
        t_init = time.perf_counter()
        self._verbose(1, f"Initialization {init}")
        weights, params = start if start is not None else self._initialize(fam, X, rng)
        start_ = {"start_weights": weights, "start_params": params}
        records: list[StepRecord] = []
        bad: dict[int, tuple[int, str, float]] = {}
        record = self.record_history
        keep_resp = record and n * self.n_components * 2 * (self.max_iter + 1) <= max(
            self.history_resp_cells, 0
        )
        lower_bounds: list[float] = []
        converged = False
        n_iter = 0
        prev_resp = None
        if self.max_iter == 0:
            result = InitResult(init, lower_bound, 0, False, weights, params, [], **start_)
            return result, records, bad
        t_iter = time.perf_counter()
        for n_iter in range(1, self.max_iter + 1):
            prev_lower = lower_bound
            centers = fam.shifts(params)
            loglik, nk_raw, sf, resp, expected = self._pass(
                fam, X, weights, params, want_resp=record, prev_resp=prev_resp, centers=centers
            )
            if not np.isfinite(loglik):
                raise DegenerateFitError(
                    f"The log-likelihood became {loglik} at iteration {n_iter}: some rows "
                    "have zero probability under every component. Try another "
                    "initialisation, fewer components, or a larger reg_covar / alpha.",
                    iteration=n_iter,
                    advice=["try another initialisation", "use fewer components"],
                )
            log_prior = fam.log_prior(params)
            if record:
                if records:  # fill in the previous M-step now its parameters are scored
                    last = records[-1]
                    last.log_likelihood = loglik
                    last.elbo = expected + entropy(prev_resp)
                records.append(
                    StepRecord(
                        n_iter,
                        "E",
                        weights,
                        params,
                        loglik,
                        loglik,
                        log_prior,
                        resp.astype(np.float32) if keep_resp else None,
                        nk_raw,
                    )
                )
                prev_resp = resp
            if fam.shiftable:
                again = fam.refine_centers(nk_raw, sf, centers)
                if again is not None:  # the same E-step, statistics about the new means
                    _, nk_raw, sf, _, _ = self._pass(fam, X, weights, params, centers=again)
                    centers = again
            try:
                nk, weights, params = self._m_update(fam, nk_raw, sf, centers)
            except DegenerateFitError as err:
                err.iteration = n_iter
                raise
            for k, reason in fam.degenerate(params, nk):
                bad.setdefault(k, (n_iter, reason, float(nk[k])))
            if record:
                records.append(
                    StepRecord(n_iter, "M", weights, params, log_prior=fam.log_prior(params))
                )
            lower_bound = loglik / n
            lower_bounds.append(lower_bound)
            change = lower_bound - prev_lower
            if self.verbose and n_iter % self.verbose_interval == 0:
                now = time.perf_counter()
                self._verbose(
                    1,
                    f"  Iteration {n_iter}"
                    + (
                        f"\t time lapse {now - t_iter:.5f}s\t ll change {change:.5f}"
                        if self.verbose >= 2
                        else ""
                    ),
                )
                t_iter = now
            if abs(change) < self.tol:
                converged = True
                break
        if self.verbose:  # scikit-learn's progress lines
            verdict = "converged" if converged else "did not converge"
            self._verbose(
                1,
                f"Initialization {verdict}."
                + (
                    f" time lapse {time.perf_counter() - t_init:.5f}s\t lower bound "
                    f"{lower_bound:.5f}."
                    if self.verbose >= 2
                    else ""
                ),
            )
        if record:
            loglik, _, _, _, expected = self._pass(
                fam, X, weights, params, want_stats=False, prev_resp=prev_resp
            )
            records[-1].log_likelihood = loglik
            records[-1].elbo = expected + entropy(prev_resp)
        result = InitResult(
            init, lower_bound, n_iter, converged, weights, params, lower_bounds, **start_
        )
        return result, records, bad

    def fit(self, X, y=None):
        """Estimate the mixture's parameters by EM, keeping the best of ``n_init`` starts.

        With ``warm_start`` and a fitted model, one run continues from the fitted parameters
        (and ``n_init`` is ignored), as in scikit-learn.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            float32 input gives float32 parameters and scores; the EM runs in float64.
        y : ignored

        Returns
        -------
        self

        Warns
        -----
        DegeneracyWarning
            For each component of the kept fit that degenerated (see
            ``degenerate_components_``).
        """
        self._check_hyper()
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        X_in = self._validate_X(X, reset=do_init)
        dtype = X_in.dtype
        X = np.asarray(X_in, dtype=np.float64)
        self._check_inits(X)
        self._check_data_for_k(X)
        fam = self._family()
        fam.prepare(X)
        rng = check_random_state(self.random_state)
        n_init = self.n_init if do_init else 1
        start, lower_bound = None, -np.inf
        if not do_init:
            start = (np.asarray(self.weights_, dtype=np.float64), self._get_fitted())
            lower_bound = self.lower_bound_

        best: InitResult | None = None
        best_records: list[StepRecord] = []
        best_bad: dict[int, tuple[int, str, float]] = {}
        results: list[InitResult] = []
        last_error: DegenerateFitError | None = None
        for init in range(n_init):
            try:
                result, records, bad = self._run_one(fam, X, rng, init, start, lower_bound)
            except DegenerateFitError as err:
                last_error = err
                results.append(InitResult(init, -np.inf, err.iteration, False, error=str(err)))
                continue
            results.append(result)
            if best is None or result.lower_bound > best.lower_bound:
                best, best_records, best_bad = result, records, bad
        if best is None:
            raise last_error
        if last_error is not None:
            n_bad = sum(r.error is not None for r in results)
            warnings.warn(
                f"{n_bad} of {n_init} initialisations collapsed and were skipped; "
                f"the first said: {last_error}",
                ConvergenceWarning,
                stacklevel=2,
            )
        if not best.converged and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different init "
                "parameters, or increase max_iter, tol, or check for degenerate data. "
                f"(It stopped after {best.n_iter} iterations with tol={self.tol:g}.)",
                ConvergenceWarning,
                stacklevel=2,
            )
        for k, (iteration, reason, weight) in sorted(best_bad.items()):
            warnings.warn(
                DegeneracyWarning(
                    self._degeneracy_message(fam, k, reason, iteration, weight),
                    component=k,
                    iteration=iteration,
                    advice=fam.advice(),
                ),
                stacklevel=2,
            )
        self._set_fitted(best.weights, best.params, dtype)
        self.converged_ = best.converged
        self.n_iter_ = best.n_iter
        self.lower_bound_ = best.lower_bound
        self.lower_bounds_ = best.lower_bounds
        self.init_results_ = results
        self.best_init_ = best.init
        self.n_samples_fit_ = X.shape[0]
        self.degenerate_components_ = np.array(sorted(best_bad), dtype=int)
        if self.record_history:
            self.history_ = best_records
            self._history_cache = None
        return self

    @property
    def history_arrays_(self) -> History:
        """``history_`` as stacked arrays: a :class:`~engine.mixtures.history.History`.

        Built on first use and kept until the next fit. Needs ``record_history=True``.
        """
        records = getattr(self, "history_", None)
        if records is None:
            raise AttributeError(
                f"This {type(self).__name__} has no recorded history: fit it with "
                "record_history=True."
            )
        cached = getattr(self, "_history_cache", None)
        if cached is None or cached[0] is not records:
            from .history import History

            cached = (records, History.from_model(self))
            self._history_cache = cached
        return cached[1]

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit, then label each row with its most probable component.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.fit(X).predict(X)

    # -- using a fitted model -----------------------------------------------------------

    def _weighted_log_prob(self, X: np.ndarray) -> np.ndarray:
        fam = self._family()
        X = np.asarray(X, dtype=np.float64)
        weights = np.asarray(self.weights_, dtype=np.float64)
        return fam.log_prob(X, self._get_fitted()) + self._log_weights(weights)

    def score_samples(self, X) -> np.ndarray:
        """Log-likelihood ``log p(x_n)`` of each row, shape (n_samples,), in X's float dtype."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return log_normalize(self._weighted_log_prob(X))[0].astype(X.dtype, copy=False)

    def score(self, X, y=None) -> float:
        """Mean log-likelihood per row (nats)."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X) -> np.ndarray:
        """Posterior probability of each component for each row, shape (n_samples, K)."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return log_normalize(self._weighted_log_prob(X))[1].astype(X.dtype, copy=False)

    def predict(self, X) -> np.ndarray:
        """Most probable component of each row, shape (n_samples,)."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return np.argmax(self._weighted_log_prob(X), axis=1)

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw rows from the fitted mixture.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            The component each row came from.
        """
        check_is_fitted(self)
        if n_samples < 1:
            raise ValueError(
                f"Invalid value for 'n_samples': {n_samples}. The sampling requires at "
                "least one sample."
            )
        rng = check_random_state(self.random_state)
        fam = self._family()
        counts = rng.multinomial(n_samples, self.weights_)
        params = self._get_fitted()
        X = np.vstack([fam.sample(params, k, int(c), rng) for k, c in enumerate(counts)])
        y = np.repeat(np.arange(len(counts)), counts)
        return X.astype(self.means_.dtype, copy=False), y

    # -- model choice -------------------------------------------------------------------

    def n_parameters(self) -> int:
        """Free parameters: the components' plus ``K - 1`` weights (none when uniform)."""
        check_is_fitted(self)
        K, D = self.means_.shape
        n_weights = 0 if self.uniform_weights else K - 1
        return int(self._family().n_parameters(K, D) + n_weights)

    # scikit-learn's private name, so code written for its estimators works here too
    def _n_parameters(self) -> int:
        return self.n_parameters()

    def aic(self, X) -> float:
        """Akaike's criterion ``-2 log L + 2 p`` (lower is better)."""
        X = np.asarray(X, dtype=np.float64)
        return aic(self.score(X) * X.shape[0], self.n_parameters())

    def bic(self, X) -> float:
        """Schwarz's criterion ``-2 log L + p log n`` (lower is better, scikit-learn's sign)."""
        X = np.asarray(X, dtype=np.float64)
        return bic(self.score(X) * X.shape[0], self.n_parameters(), X.shape[0])

    def icl(self, X) -> float:
        """Integrated completed likelihood: BIC plus twice the entropy of the posteriors.

        ``ICL = BIC + 2 EN``, ``EN = -sum_n sum_k r_nk log r_nk`` (Biernacki, Celeux and Govaert,
        2000), on scikit-learn's sign: lower is better. It penalises overlapping components,
        so it prefers K with well-separated clusters.
        """
        X = np.asarray(X, dtype=np.float64)
        return icl(
            self.score(X) * X.shape[0],
            self.n_parameters(),
            X.shape[0],
            entropy(self.predict_proba(X)),
        )


# --------------------------------------------------------------------------------------
# Information criteria: tiny pure functions
# --------------------------------------------------------------------------------------


def aic(log_likelihood: float, n_parameters: int) -> float:
    """``-2 log L + 2 p``; ``log_likelihood`` is the total over rows. Lower is better."""
    return -2.0 * log_likelihood + 2.0 * n_parameters


def bic(log_likelihood: float, n_parameters: int, n_samples: int) -> float:
    """``-2 log L + p log n`` (scikit-learn's convention: lower is better)."""
    return -2.0 * log_likelihood + n_parameters * math.log(n_samples)


def bic_mclust(log_likelihood: float, n_parameters: int, n_samples: int) -> float:
    """``2 log L - p log n`` (mclust's convention: higher is better); equals ``-bic``."""
    return -bic(log_likelihood, n_parameters, n_samples)


def icl(log_likelihood: float, n_parameters: int, n_samples: int, entropy_: float) -> float:
    """``BIC + 2 EN`` with ``EN`` the total posterior entropy. Lower is better."""
    return bic(log_likelihood, n_parameters, n_samples) + 2.0 * entropy_
