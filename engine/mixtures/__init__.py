"""Mixture models fitted by EM: Gaussian, Poisson and Bernoulli, behind one driver."""

from .base import (
    BaseMixture,
    DegenerateFitError,
    Family,
    InitResult,
    StepRecord,
    aic,
    bic,
    bic_mclust,
    e_step,
    entropy,
    icl,
    log_normalize,
    m_step,
)
from .bernoulli import BernoulliFamily, BernoulliMixture
from .gaussian import COVARIANCE_TYPES, GaussianFamily, GaussianMixture, gaussian_m_step
from .poisson import PoissonFamily, PoissonMixture
from .selection import FAMILIES, best_k, compare, heldout_log_likelihood, make_mixture

__all__ = [
    "COVARIANCE_TYPES",
    "FAMILIES",
    "BaseMixture",
    "BernoulliFamily",
    "BernoulliMixture",
    "DegenerateFitError",
    "Family",
    "GaussianFamily",
    "GaussianMixture",
    "InitResult",
    "PoissonFamily",
    "PoissonMixture",
    "StepRecord",
    "aic",
    "best_k",
    "bic",
    "bic_mclust",
    "compare",
    "e_step",
    "entropy",
    "gaussian_m_step",
    "heldout_log_likelihood",
    "icl",
    "log_normalize",
    "m_step",
    "make_mixture",
]
