"""Mixtures of independent Poissons: one rate per feature and component, for count data."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .base import NK_EPS, BaseMixture, Family

#: Rates are kept at least this large, so that log-rates stay finite.
MIN_RATE = 1e-10


class PoissonFamily(Family):
    """Components ``p(x | k) = prod_d Poisson(x_d | lambda_kd)``.

    Features are the counts themselves plus ``-sum_d log(x_d!)`` (the same for every
    component), so ``log p(x | k) = x . log(lambda_k) - sum_d lambda_kd - sum_d log(x_d!)``.
    """

    param_names = ("means",)

    def validate(self, X):
        if np.any(X < 0):
            col = int(np.flatnonzero((X < 0).any(axis=0))[0])
            raise ValueError(
                f"A Poisson mixture models counts, but feature {col + 1} has negative values "
                f"(e.g. {X[X[:, col] < 0, col][0]:g}). Use non-negative whole numbers, or a "
                "Gaussian mixture for measurements."
            )
        frac = np.round(X) != X
        if np.any(frac):
            col = int(np.flatnonzero(frac.any(axis=0))[0])
            raise ValueError(
                f"A Poisson mixture models counts, but feature {col + 1} has fractional "
                f"values (e.g. {X[frac[:, col], col][0]:g}). Use whole numbers (round them if "
                "they are counts), or a Gaussian mixture for measurements."
            )

    def features(self, X):
        n, D = X.shape
        F = np.empty((D + 1, n))
        F[:D] = X.T
        F[D] = -gammaln(X + 1.0).sum(axis=1)
        return F

    def linear_form(self, params):
        rates = np.maximum(params["means"], MIN_RATE)
        K = rates.shape[0]
        W = np.vstack([np.log(rates).T, np.ones((1, K))])
        return W, -rates.sum(axis=1)

    def params_from_stats(self, nk, sf):
        rates = sf[:, :-1] / (nk + NK_EPS)[:, None]
        return {"means": np.maximum(rates, MIN_RATE)}

    def n_parameters(self, n_components, n_features):
        return n_components * n_features

    def sample(self, params, k, n, rng):
        return rng.poisson(params["means"][k], size=(n, params["means"].shape[1])).astype(float)


class PoissonMixture(BaseMixture):
    """A mixture of independent Poissons fitted by EM.

    ``X`` holds non-negative whole-number counts; each component has one rate per feature.
    ``means_`` (also ``rates_``) has shape (K, D). Other parameters and attributes as
    :class:`~engine.mixtures.GaussianMixture` (there is no covariance).
    """

    def _family(self):
        return PoissonFamily()

    @property
    def rates_(self) -> np.ndarray:
        return self.means_
