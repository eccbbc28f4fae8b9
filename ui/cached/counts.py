"""The numbers the Poisson page draws: counts grouped into bars, each bar's share per
component, and each component's probability of every bar, for every recorded step.

Pure functions (no Streamlit, no caching); :mod:`ui.cached.mixtures` calls them once per fit
and :mod:`ui.figures.poisson` draws what they return.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.stats import poisson

from engine.mixtures.history import History
from ui.figures.poisson import MAX_BARS, CountTrace


def support_end(x_max: float, rates: np.ndarray) -> int:
    """Largest count a chart shows: the data's maximum, or further while any recorded rate
    still puts visible probability beyond it (``lambda + 4.5 sqrt(lambda) + 3``)."""
    r = float(np.max(rates)) if np.size(rates) else 0.0
    return int(max(x_max, math.ceil(r + 4.5 * math.sqrt(r) + 3.0)))


def count_bins(last: int, max_bars: int = MAX_BARS) -> tuple[int, int]:
    """``(width, n_bins)`` of bars covering the counts ``0..last`` with at most ``max_bars``."""
    width = max(1, math.ceil((int(last) + 1) / max_bars))
    return width, math.ceil((int(last) + 1) / width)


def bin_index(x: np.ndarray, width: int) -> np.ndarray:
    """The bar each count falls in, shape (n,)."""
    return (np.asarray(x, dtype=np.float64) // width).astype(np.int64)


def proportions(x: np.ndarray, width: int, n_bins: int) -> np.ndarray:
    """Fraction of the rows in each bar, shape (n_bins,)."""
    counts = np.bincount(bin_index(x, width), minlength=n_bins)[:n_bins]
    return counts / max(1, len(x))


def bin_shares(x: np.ndarray, resp: np.ndarray, width: int, n_bins: int) -> np.ndarray:
    """Mean responsibility of the rows in each bar, shape (n_bins, K); 0 where a bar is empty.

    Parameters
    ----------
    x : ndarray of shape (n,)
        The counts.
    resp : ndarray of shape (n, K)
        Responsibilities ``r_nk`` from one E-step.
    """
    idx = bin_index(x, width)
    resp = np.asarray(resp, dtype=np.float64)
    n_in = np.bincount(idx, minlength=n_bins)[:n_bins].astype(np.float64)
    sums = np.stack(
        [
            np.bincount(idx, weights=resp[:, k], minlength=n_bins)[:n_bins]
            for k in range(resp.shape[1])
        ],
        axis=1,
    )
    return np.divide(sums, n_in[:, None], out=np.zeros_like(sums), where=n_in[:, None] > 0)


def binned_pmf(rates: np.ndarray, width: int, n_bins: int) -> np.ndarray:
    """Each Poisson's probability of every bar, shape (K, n_bins).

    With ``width == 1`` this is the probability mass function at ``0, 1, ..., n_bins - 1``;
    otherwise the mass of ``width`` consecutive counts, from differences of the CDF.
    """
    rates = np.asarray(rates, dtype=np.float64)[:, None]
    edges = np.arange(n_bins + 1) * width
    cdf = poisson.cdf(edges[None, :] - 1, rates)
    return np.diff(cdf, axis=1)


def count_trace(
    x: np.ndarray, history: History, resp_at: Callable[[int], np.ndarray]
) -> CountTrace:
    """A :class:`CountTrace` from one column of counts and its fit's stacked history.

    Parameters
    ----------
    x : ndarray of shape (n,)
        The counts the mixture was fitted on.
    history : engine.mixtures.history.History
        The fit's history (``model.history_arrays_``) of a one-feature Poisson mixture.
    resp_at : callable int -> ndarray of shape (n, K)
        The responsibilities the engine gives at an E record (called once per E record,
        never for an M record); see :func:`engine.mixtures.history.responsibilities_at`.

    Components are numbered by their final rate, lowest first, so that component 1 is always
    the group of smallest counts.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    means = np.asarray(history.params["means"], dtype=np.float64)[:, :, 0]
    order = np.argsort(means[-1], kind="stable")
    rates = means[:, order]
    width, n_bins = count_bins(support_end(float(x.max()), rates))
    K = rates.shape[1]
    shares = np.zeros((history.n_steps, n_bins, K))
    latest = np.zeros((n_bins, K))
    for s, phase in enumerate(history.phase):
        if phase == "E":
            latest = bin_shares(x, np.asarray(resp_at(s))[:, order], width, n_bins)
        shares[s] = latest
    pmf = np.stack([binned_pmf(r, width, n_bins) for r in rates])
    return CountTrace(
        iteration=np.asarray(history.iteration, dtype=int),
        phase=tuple(history.phase),
        weights=np.asarray(history.weights, dtype=np.float64)[:, order],
        rates=rates,
        log_likelihood=np.asarray(history.log_likelihood, dtype=np.float64),
        proportion=proportions(x, width, n_bins),
        shares=shares,
        pmf=pmf,
        width=width,
        n_rows=len(x),
    )
