"""The registry of families, init methods, covariance types and option lists."""

from __future__ import annotations

import pytest

import engine.mixtures as mixtures
from engine.data import BUILTIN_KINDS, BUILTIN_NAMES
from engine.mixtures import (
    COVARIANCE_DESCRIPTIONS,
    COVARIANCE_TYPES,
    DATA_KINDS,
    FAMILIES,
    FAMILIES_BY_KIND,
    FAMILY_INFO,
    FAMILY_LABELS,
    INIT_LABELS,
    REG_COVAR_OPTIONS,
    TOL_OPTIONS,
    BernoulliMixture,
    GaussianMixture,
    PoissonMixture,
    base,
    family_name,
    make_mixture,
    registry,
    selection,
)


def test_families_by_name():
    assert {
        "gaussian": GaussianMixture,
        "poisson": PoissonMixture,
        "bernoulli": BernoulliMixture,
    } == FAMILIES
    assert selection.FAMILIES is FAMILIES is mixtures.FAMILIES
    assert mixtures.make_mixture is make_mixture is selection.make_mixture
    assert list(FAMILY_LABELS) == list(FAMILY_INFO) == list(FAMILIES)
    for name, info in FAMILY_INFO.items():
        assert info.name == name and info.estimator is FAMILIES[name]
        assert info.data_kind in DATA_KINDS
        assert info.description and "\n" not in info.description
    assert FAMILY_LABELS["poisson"] == "Poisson (counts)"


def test_families_by_kind_put_the_family_made_for_the_data_first():
    assert FAMILIES_BY_KIND == {
        "continuous": ("gaussian",),
        "counts": ("poisson", "gaussian"),
        "binary": ("bernoulli", "gaussian"),
    }
    assert set(BUILTIN_KINDS.values()) <= set(FAMILIES_BY_KIND)
    for name in BUILTIN_NAMES:
        first = FAMILIES_BY_KIND[BUILTIN_KINDS[name]][0]
        assert FAMILY_INFO[first].data_kind == BUILTIN_KINDS[name]


def test_init_methods_and_covariance_types_all_have_labels():
    assert tuple(INIT_LABELS) == base.INIT_METHODS == registry.INIT_METHODS
    assert INIT_LABELS["kmeans"] == "k-means (default)"
    assert tuple(COVARIANCE_DESCRIPTIONS) == COVARIANCE_TYPES
    assert COVARIANCE_DESCRIPTIONS["spherical"] == "circles"


def test_option_lists():
    assert TOL_OPTIONS == (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8)
    assert REG_COVAR_OPTIONS == (0.0, 1e-9, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    assert list(TOL_OPTIONS) == sorted(TOL_OPTIONS, reverse=True)
    assert list(REG_COVAR_OPTIONS) == sorted(REG_COVAR_OPTIONS)
    assert GaussianMixture().tol in TOL_OPTIONS
    assert GaussianMixture().reg_covar in REG_COVAR_OPTIONS


def test_make_mixture_drops_gaussian_settings_for_other_families():
    gm = make_mixture("gaussian", 3, covariance_type="diag", reg_covar=1e-3)
    assert isinstance(gm, GaussianMixture)
    assert (gm.n_components, gm.covariance_type, gm.reg_covar) == (3, "diag", 1e-3)
    pm = make_mixture("poisson", 2, covariance_type="full", reg_covar=1e-3, tol=1e-4)
    assert isinstance(pm, PoissonMixture) and pm.tol == 1e-4
    bm = make_mixture("bernoulli", 2, alpha=0.5, precisions_init=None)
    assert isinstance(bm, BernoulliMixture) and bm.alpha == 0.5
    with pytest.raises(ValueError, match="Unknown mixture family 'student'.*gaussian"):
        make_mixture("student", 2)


def test_family_name_of_models_and_classes():
    for name, cls in FAMILIES.items():
        assert family_name(cls) == name
        assert family_name(make_mixture(name, 2)) == name
    with pytest.raises(TypeError, match="not one of the app's mixtures"):
        family_name(object())
