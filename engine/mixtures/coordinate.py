"""EM as coordinate ascent, made visible on a 1-D Gaussian mixture.

For a slice through parameter space (one component's mean varies, everything else fixed) these
functions give the log-likelihood and the lower bound ``L(q, theta)`` for fixed responsibilities
``q``. After an E-step the bound touches the log-likelihood at the current mean (the KL gap is
zero there); the M-step moves the mean to the top of the bound, which cannot lower the
log-likelihood.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm


def _component_logpdf(x, means, variances, which, grid):
    """(n, K, G) log-densities with component ``which``'s mean set to each grid value."""
    G = grid.shape[0]
    sd = np.sqrt(variances)
    fixed = norm.logpdf(x[:, None], means[None, :], sd[None, :])  # (n, K)
    out = np.repeat(fixed[:, :, None], G, axis=2)
    out[:, which, :] = norm.logpdf(x[:, None], grid[None, :], sd[which])
    return out


def likelihood_slice(
    x: np.ndarray,
    weights: np.ndarray,
    means: np.ndarray,
    variances: np.ndarray,
    which: int,
    grid: np.ndarray,
) -> np.ndarray:
    """Total log-likelihood as component ``which``'s mean runs over ``grid``.

    Parameters
    ----------
    x : ndarray of shape (n_samples,)
    weights, means, variances : ndarray of shape (K,)
    which : int
    grid : ndarray of shape (G,)

    Returns
    -------
    ndarray of shape (G,)
        ``sum_n log sum_k pi_k N(x_n | mu_k, sigma_k^2)``.
    """
    x, grid = np.asarray(x, float).ravel(), np.asarray(grid, float)
    logp = _component_logpdf(x, np.asarray(means, float), np.asarray(variances, float), which, grid)
    logp += np.log(np.asarray(weights, float))[None, :, None]
    return logsumexp(logp, axis=1).sum(axis=0)


def bound_slice(
    x: np.ndarray,
    weights: np.ndarray,
    means: np.ndarray,
    variances: np.ndarray,
    resp: np.ndarray,
    which: int,
    grid: np.ndarray,
) -> np.ndarray:
    """The lower bound ``L(q, theta)`` for fixed responsibilities as the mean moves on ``grid``.

    ``L = sum_n sum_k q_nk (log pi_k + log N(x_n | mu_k, sigma_k^2)) - sum_n sum_k q_nk log q_nk``.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, K)
        The ``q`` of the latest E-step.

    Returns
    -------
    ndarray of shape (G,)
    """
    x, grid = np.asarray(x, float).ravel(), np.asarray(grid, float)
    resp = np.asarray(resp, float)
    logp = _component_logpdf(x, np.asarray(means, float), np.asarray(variances, float), which, grid)
    logp += np.log(np.asarray(weights, float))[None, :, None]
    energy = np.einsum("nk,nkg->g", resp, logp)
    r = resp[resp > 0]
    return energy - np.sum(r * np.log(r))


def m_step_mean(x: np.ndarray, resp: np.ndarray, which: int) -> float:
    """Where the M-step puts component ``which``'s mean: ``sum_n q_nk x_n / sum_n q_nk``."""
    x = np.asarray(x, float).ravel()
    return float(resp[:, which] @ x / resp[:, which].sum())
