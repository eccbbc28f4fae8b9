"""What there is to choose from: mixture families, init methods, covariance types and options.

The one place the app lists the families and their settings, with a label for people beside
every name, so that pages build their menus from here instead of keeping their own copies.
:data:`FAMILIES` and :func:`make_mixture` are built from :data:`FAMILY_INFO`; ``compare``
and the JSON files look families up through them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .base import INIT_METHODS, BaseMixture
from .bernoulli import BernoulliMixture
from .gaussian import COVARIANCE_TYPES, GaussianMixture
from .poisson import PoissonMixture

__all__ = [
    "COVARIANCE_DESCRIPTIONS",
    "COVARIANCE_TYPES",
    "DATA_KINDS",
    "FAMILIES",
    "FAMILIES_BY_KIND",
    "FAMILY_INFO",
    "FAMILY_LABELS",
    "INIT_LABELS",
    "INIT_METHODS",
    "REG_COVAR_OPTIONS",
    "TOL_OPTIONS",
    "FamilyInfo",
    "family_name",
    "make_mixture",
]

#: The kinds of data the app tells apart (``engine.data.Dataset.kind``).
DATA_KINDS: tuple[str, ...] = ("continuous", "counts", "binary")

#: Settings only the Gaussian takes; :func:`make_mixture` drops them for other families.
_GAUSSIAN_ONLY = ("covariance_type", "reg_covar", "precisions_init")


@dataclass(frozen=True)
class FamilyInfo:
    """One mixture family as the app lists it.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"gaussian"``.
    label : str
        Short name for a menu, e.g. ``"Poisson (counts)"``.
    estimator : type of BaseMixture
        The scikit-learn style estimator class.
    data_kind : {"continuous", "counts", "binary"}
        The kind of data the family models.
    description : str
        One line for people.
    ignores : tuple of str
        Settings :func:`make_mixture` drops for this family (they belong to another one).
    """

    name: str
    label: str
    estimator: type[BaseMixture]
    data_kind: str
    description: str
    ignores: tuple[str, ...] = ()


#: The families by name, in the order the app lists them.
FAMILY_INFO: Mapping[str, FamilyInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            FamilyInfo(
                "gaussian",
                "Gaussian",
                GaussianMixture,
                "continuous",
                "Measurements: each component is a Gaussian ellipse with its own centre and spread.",
            ),
            FamilyInfo(
                "poisson",
                "Poisson (counts)",
                PoissonMixture,
                "counts",
                "Counts: each component has one Poisson rate per feature.",
                ignores=_GAUSSIAN_ONLY,
            ),
            FamilyInfo(
                "bernoulli",
                "Bernoulli (0/1 values)",
                BernoulliMixture,
                "binary",
                "0/1 values: each component has one probability of a 1 per feature.",
                ignores=_GAUSSIAN_ONLY,
            ),
        )
    }
)

#: Mixture families by name: the one place the app and ``compare`` look them up.
FAMILIES: dict[str, type[BaseMixture]] = {
    name: info.estimator for name, info in FAMILY_INFO.items()
}

#: Menu labels of the families, by name.
FAMILY_LABELS: Mapping[str, str] = MappingProxyType(
    {name: info.label for name, info in FAMILY_INFO.items()}
)

#: The families that suit each kind of data, the family made for it first. A Gaussian fits any
#: numbers, so it is offered for counts and 0/1 values too, as a comparison.
FAMILIES_BY_KIND: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        kind: tuple(n for n, i in FAMILY_INFO.items() if i.data_kind == kind)
        + (() if kind == "continuous" else ("gaussian",))
        for kind in DATA_KINDS
    }
)

#: Menu labels of the initialisation methods (``init_params``), by name.
INIT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "kmeans": "k-means (default)",
        "k-means++": "k-means++ seeds",
        "random": "random shares",
        "random_from_data": "random rows",
    }
)

#: What each Gaussian covariance type allows a component's shape to be, by name.
COVARIANCE_DESCRIPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "full": "any ellipse",
        "tied": "one shared ellipse",
        "diag": "axis-aligned",
        "spherical": "circles",
    }
)

#: Convergence tolerances offered in the app (change of the mean log-likelihood per row).
TOL_OPTIONS: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8)

#: ``reg_covar`` values offered in the app, from none to heavy.
REG_COVAR_OPTIONS: tuple[float, ...] = (0.0, 1e-9, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def family_name(model: BaseMixture | type[BaseMixture]) -> str:
    """The registry name of a mixture or mixture class (its exact class, not a subclass).

    Raises
    ------
    TypeError
        When the class is not one of :data:`FAMILIES`.
    """
    cls = model if isinstance(model, type) else type(model)
    for name, info in FAMILY_INFO.items():
        if cls is info.estimator:
            return name
    raise TypeError(f"A {cls.__name__} is not one of the app's mixtures ({', '.join(FAMILIES)}).")


def make_mixture(family: str, n_components: int, **params) -> BaseMixture:
    """Build an unfitted mixture of the named family (``"gaussian"``, ``"poisson"``, ``"bernoulli"``).

    ``covariance_type``, ``reg_covar`` and ``precisions_init`` are ignored for families that
    have no covariance.
    """
    try:
        info = FAMILY_INFO[family]
    except KeyError:
        raise ValueError(
            f"Unknown mixture family {family!r}; choose one of {', '.join(FAMILIES)}."
        ) from None
    for name in info.ignores:
        params.pop(name, None)
    return info.estimator(n_components, **params)
