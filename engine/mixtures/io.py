"""Saving fitted mixtures as JSON and loading them back, checked, never unpickled.

A file holds the family, the hyperparameters, the feature names and the fitted arrays as
nested lists. Loading checks everything a hand-edited or hostile file could get wrong (size,
keys, types, shapes, finiteness, weights summing to one, covariances positive definite,
probabilities and rates in range) and raises :class:`ModelFileError` with a message for people.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from engine.errors import DegenerateFitError, ModelFileError

from .base import BaseMixture
from .gaussian import COVARIANCE_TYPES, precision_cholesky
from .registry import FAMILIES

__all__ = ["ModelFileError", "load_mixture", "mixture_to_dict", "save_mixture"]

FORMAT = "em-vae-explorer/mixture"
VERSION = 1
#: Largest model file accepted, in bytes.
MAX_BYTES = 5_000_000
MAX_COMPONENTS = 200
MAX_FEATURES = 5_000

_HYPER = {
    "gaussian": ("covariance_type", "reg_covar", "tol", "max_iter", "n_init", "init_params"),
    "poisson": ("tol", "max_iter", "n_init", "init_params"),
    "bernoulli": ("alpha", "tol", "max_iter", "n_init", "init_params"),
}


def _family_name(model: BaseMixture) -> str:
    for name, cls in FAMILIES.items():
        if type(model) is cls:
            return name
    raise TypeError(f"Cannot save a {type(model).__name__}: not one of the app's mixtures.")


def mixture_to_dict(model: BaseMixture, feature_names: list[str] | None = None) -> dict[str, Any]:
    """A fitted mixture as a JSON-ready dict."""
    if not hasattr(model, "weights_"):
        raise ValueError("Only a fitted mixture can be saved: call fit first.")
    family = _family_name(model)
    D = model.means_.shape[1]
    if feature_names is None:
        names = getattr(model, "feature_names_in_", None)
        feature_names = [str(n) for n in names] if names is not None else None
    if feature_names is None:
        feature_names = [f"x{j + 1}" for j in range(D)]
    if len(feature_names) != D:
        raise ValueError(f"{len(feature_names)} feature names given for {D} features.")
    params = {"means": model.means_.tolist()}
    if family == "gaussian":
        params["covariances"] = np.asarray(model.covariances_).tolist()
    hyper = {name: getattr(model, name) for name in _HYPER[family]}
    return {
        "format": FORMAT,
        "version": VERSION,
        "family": family,
        "n_components": int(model.n_components),
        "uniform_weights": bool(model.uniform_weights),
        "hyperparameters": hyper,
        "feature_names": [str(n) for n in feature_names],
        "weights": model.weights_.tolist(),
        "params": params,
        "fit": {
            "converged": bool(model.converged_),
            "n_iter": int(model.n_iter_),
            "lower_bound": float(model.lower_bound_),
        },
    }


def save_mixture(model: BaseMixture, feature_names: list[str] | None = None) -> bytes:
    """Serialise a fitted mixture to UTF-8 JSON bytes (for a download or a file)."""
    return json.dumps(mixture_to_dict(model, feature_names), indent=1).encode("utf-8")


def _reject_constant(name: str):
    raise ModelFileError(f"The model file contains {name}, which is not a number a model can use.")


def _array(value, shape: tuple[int, ...], what: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelFileError(f"'{what}' must be numbers, arranged as {shape}.") from None
    if arr.shape != shape:
        raise ModelFileError(f"'{what}' should have shape {shape}, but the file has {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ModelFileError(f"'{what}' contains values that are not finite numbers.")
    return arr


def _int(doc: dict, key: str, low: int, high: int) -> int:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ModelFileError(f"'{key}' must be a whole number from {low} to {high}; got {value!r}.")
    return value


def load_mixture(data: bytes | str) -> tuple[BaseMixture, list[str]]:
    """Rebuild a fitted mixture from :func:`save_mixture`'s bytes.

    Parameters
    ----------
    data : bytes or str
        The JSON text. Nothing in it is executed or unpickled.

    Returns
    -------
    model : BaseMixture
        Ready for ``predict``, ``predict_proba``, ``score_samples`` and ``sample``.
    feature_names : list of str

    Raises
    ------
    ModelFileError
        Whatever is wrong with the file, in words.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ModelFileError(
            f"The model file is {len(data) / 1e6:.1f} MB; the largest accepted is "
            f"{MAX_BYTES / 1e6:.0f} MB. Is it really a mixture saved by this app?"
        )
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ModelFileError(
            "This is not a text file, so it cannot be a saved mixture (those are JSON). "
            "Choose the .json file this app saved."
        ) from None
    except json.JSONDecodeError as err:
        raise ModelFileError(
            f"The file is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}). "
            "Choose the .json file this app saved, unedited."
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(
            "This JSON file is not a mixture saved by this app (its 'format' field is missing "
            "or different)."
        )
    if doc.get("version") != VERSION:
        raise ModelFileError(
            f"The file is version {doc.get('version')!r} of the format; this app reads version "
            f"{VERSION}."
        )
    family = doc.get("family")
    if family not in FAMILIES:
        raise ModelFileError(
            f"Unknown mixture family {family!r}; expected one of {', '.join(FAMILIES)}."
        )
    K = _int(doc, "n_components", 1, MAX_COMPONENTS)
    names = doc.get("feature_names")
    if (
        not isinstance(names, list)
        or not 1 <= len(names) <= MAX_FEATURES
        or not all(isinstance(n, str) and 0 < len(n) <= 200 for n in names)
        or len(set(names)) != len(names)
    ):
        raise ModelFileError("'feature_names' must be a list of distinct, non-empty names.")
    D = len(names)
    hyper = doc.get("hyperparameters")
    if not isinstance(hyper, dict) or set(hyper) != set(_HYPER[family]):
        raise ModelFileError(
            f"'hyperparameters' must hold exactly {', '.join(_HYPER[family])} for a "
            f"{family} mixture."
        )
    uniform = doc.get("uniform_weights", False)
    if not isinstance(uniform, bool):
        raise ModelFileError("'uniform_weights' must be true or false.")
    weights = _array(doc.get("weights"), (K,), "weights")
    if np.any(weights < 0) or not math.isclose(weights.sum(), 1.0, abs_tol=1e-6):
        raise ModelFileError("'weights' must be non-negative and sum to 1.")
    params = doc.get("params")
    if not isinstance(params, dict):
        raise ModelFileError("'params' is missing.")
    means = _array(params.get("means"), (K, D), "params.means")
    try:
        model = FAMILIES[family](K, uniform_weights=uniform, **hyper)
        model._check_hyper()
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"Bad hyperparameters: {err}") from None
    fitted: dict[str, np.ndarray] = {"means": means}
    if family == "gaussian":
        ct = hyper["covariance_type"]
        if ct not in COVARIANCE_TYPES:
            raise ModelFileError(f"Unknown covariance type {ct!r}.")
        shape = {"full": (K, D, D), "tied": (D, D), "diag": (K, D), "spherical": (K,)}[ct]
        cov = _array(params.get("covariances"), shape, "params.covariances")
        if ct in ("full", "tied") and not np.allclose(cov, np.swapaxes(cov, -1, -2)):
            raise ModelFileError("'params.covariances' must be symmetric matrices.")
        try:
            fitted["covariances"] = cov
            fitted["precisions_cholesky"] = precision_cholesky(cov, ct)
        except DegenerateFitError:
            raise ModelFileError(
                "'params.covariances' must be positive definite (a valid covariance)."
            ) from None
    elif family == "poisson":
        if np.any(means <= 0):
            raise ModelFileError("Poisson rates in 'params.means' must be positive.")
    elif np.any((means <= 0) | (means >= 1)):
        raise ModelFileError("Bernoulli probabilities in 'params.means' must lie in (0, 1).")
    fit = doc.get("fit") if isinstance(doc.get("fit"), dict) else {}
    model._set_fitted(weights, fitted)
    model.converged_ = bool(fit.get("converged", True))
    model.n_iter_ = int(fit.get("n_iter", 0)) if isinstance(fit.get("n_iter"), int) else 0
    lb = fit.get("lower_bound")
    model.lower_bound_ = float(lb) if isinstance(lb, int | float) else float("nan")
    model.lower_bounds_ = []
    model.degenerate_components_ = np.array([], dtype=int)
    model.n_features_in_ = D
    return model, list(names)
