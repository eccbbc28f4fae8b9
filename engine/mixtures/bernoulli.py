"""Mixtures of independent Bernoullis, for 0/1 data such as binarised images."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from .base import NK_EPS, BaseMixture, Family

#: Probabilities stay inside [EPS, 1 - EPS] even with ``alpha = 0``.
PROB_EPS = 1e-10


class BernoulliFamily(Family):
    """Components ``p(x | k) = prod_d p_kd^x_d (1 - p_kd)^(1 - x_d)``.

    The M-step is the posterior mode under a ``Beta(alpha + 1, alpha + 1)`` prior on every
    probability: ``p_kd = (sum_n r_nk x_nd + alpha) / (N_k + 2 alpha)``, which keeps a pixel
    that is never inked in a component from getting probability exactly 0.
    """

    param_names = ("means",)

    def __init__(self, alpha: float = 0.1):
        self.alpha = alpha

    def validate(self, X):
        bad = (X != 0) & (X != 1)
        if np.any(bad):
            col = int(np.flatnonzero(bad.any(axis=0))[0])
            raise ValueError(
                "A Bernoulli mixture models 0/1 data, but feature "
                f"{col + 1} has the value {X[bad[:, col], col][0]:g}. Binarise the data first "
                "(e.g. 1 where a value is above a threshold), or use a Gaussian mixture."
            )

    def features(self, X):
        return np.ascontiguousarray(X.T)

    def linear_form(self, params):
        p = np.clip(params["means"], PROB_EPS, 1 - PROB_EPS)
        return (np.log(p) - np.log1p(-p)).T, np.log1p(-p).sum(axis=1)

    def params_from_stats(self, nk, sf):
        p = (sf + self.alpha) / ((nk + NK_EPS) + 2 * self.alpha)[:, None]
        return {"means": np.clip(p, PROB_EPS, 1 - PROB_EPS)}

    def log_prior(self, params):
        if self.alpha == 0:
            return 0.0
        p = params["means"]
        return float(self.alpha * (np.log(p) + np.log1p(-p)).sum())

    def n_parameters(self, n_components, n_features):
        return n_components * n_features

    def sample(self, params, k, n, rng):
        p = params["means"][k]
        return (rng.random_sample((n, p.shape[0])) < p).astype(float)


class BernoulliMixture(BaseMixture):
    """A mixture of independent Bernoullis fitted by EM.

    Parameters
    ----------
    alpha : float, default=0.1
        Beta smoothing: every probability is estimated as if each component had seen
        ``alpha`` extra ones and ``alpha`` extra zeros in every feature. It keeps
        probabilities off 0 and 1; 0 turns it off (probabilities are then clipped to
        [1e-10, 1 - 1e-10]).

    Other parameters as :class:`~engine.mixtures.GaussianMixture`. ``means_`` holds each
    component's probabilities of a 1, shape (K, D).
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        alpha: float = 0.1,
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
        super().__init__(
            n_components,
            tol=tol,
            max_iter=max_iter,
            n_init=n_init,
            init_params=init_params,
            weights_init=weights_init,
            means_init=means_init,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            verbose_interval=verbose_interval,
            uniform_weights=uniform_weights,
            record_history=record_history,
            history_resp_cells=history_resp_cells,
        )
        self.alpha = alpha

    _parameter_constraints: dict = {
        **BaseMixture._parameter_constraints,
        "alpha": [Interval(Real, 0.0, None, closed="left")],
    }

    def _family(self):
        return BernoulliFamily(self.alpha)
