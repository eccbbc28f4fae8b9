"""Mixture models fitted by EM: Gaussian, Poisson and Bernoulli, behind one driver."""

from engine.errors import DegenerateFitError

from .base import (
    BaseMixture,
    DegeneracyWarning,
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
from .history import History, responsibilities_at
from .poisson import PoissonFamily, PoissonMixture
from .registry import (
    COVARIANCE_DESCRIPTIONS,
    DATA_KINDS,
    FAMILIES,
    FAMILIES_BY_KIND,
    FAMILY_INFO,
    FAMILY_LABELS,
    INIT_LABELS,
    INIT_METHODS,
    REG_COVAR_OPTIONS,
    TOL_OPTIONS,
    FamilyInfo,
    family_name,
    make_mixture,
)
from .selection import best_k, compare, heldout_log_likelihood

__all__ = [
    "COVARIANCE_DESCRIPTIONS",
    "DATA_KINDS",
    "FAMILIES_BY_KIND",
    "FAMILY_INFO",
    "FAMILY_LABELS",
    "INIT_LABELS",
    "INIT_METHODS",
    "REG_COVAR_OPTIONS",
    "TOL_OPTIONS",
    "FamilyInfo",
    "History",
    "family_name",
    "responsibilities_at",
    "COVARIANCE_TYPES",
    "FAMILIES",
    "BaseMixture",
    "BernoulliFamily",
    "BernoulliMixture",
    "DegeneracyWarning",
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
