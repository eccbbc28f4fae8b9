"""scikit-learn's own Gaussian-mixture tests, run against our class.

The test functions of the installed ``sklearn.mixture.tests.test_gaussian_mixture`` are called
as they are, with only the module's name ``GaussianMixture`` bound to
:class:`engine.mixtures.GaussianMixture` for the duration of each call. Nothing of
scikit-learn's is copied here: the tests are found, parametrised (from their own
``parametrize`` marks, and scikit-learn's ``global_dtype`` / ``global_random_seed`` fixtures)
and called at run time. The tests that exercise scikit-learn's private functions or methods,
or its array-API machinery, are skipped, each with the reason.
"""

from __future__ import annotations

import inspect
import itertools

import numpy as np
import pytest

skt = pytest.importorskip("sklearn.mixture.tests.test_gaussian_mixture")

from engine.mixtures import GaussianMixture  # noqa: E402

PRIVATE = "tests scikit-learn's private {}, not the estimator"
SKIP = {
    "test_suffstat_sk_full": PRIVATE.format("_estimate_gaussian_covariances_full"),
    "test_suffstat_sk_tied": PRIVATE.format("_estimate_gaussian_covariances_tied"),
    "test_suffstat_sk_diag": PRIVATE.format("_estimate_gaussian_covariances_diag"),
    "test_gaussian_suffstat_sk_spherical": PRIVATE.format(
        "_estimate_gaussian_covariances_spherical"
    ),
    "test_compute_log_det_cholesky": PRIVATE.format("_compute_log_det_cholesky"),
    "test_gaussian_mixture_log_probabilities": PRIVATE.format("_estimate_log_gaussian_prob"),
    "test_gaussian_mixture_estimate_log_prob_resp": PRIVATE.format(
        "methods _estimate_log_prob_resp / _estimate_weighted_log_prob"
    ),
    "test_gaussian_mixture_precisions_init": PRIVATE.format("method _initialize(X, resp)"),
    "test_gaussian_mixture_all_init_does_not_estimate_gaussian_parameters": PRIVATE.format(
        "function _estimate_gaussian_parameters (it is mocked to count calls)"
    ),
    "test_gaussian_mixture_array_api_compliance": "array-API namespaces (torch, cupy, ...) "
    "through scikit-learn's private array-API helpers; our engine is NumPy only",
    "test_gaussian_mixture_raises_where_array_api_not_implemented": "scikit-learn's array-API "
    "dispatch; our engine is NumPy only",
    # Not a private method: the one test whose expected message we do not copy.
    "test_check_weights": "matches scikit-learn's out-of-range message word for word, which "
    "labels the minimum 'max value' and the maximum 'min value'; ours labels them right "
    "(the shape and normalisation messages are scikit-learn's own words)",
}

#: scikit-learn's conftest fixtures that its tests take as arguments.
FIXTURES = {"global_dtype": (np.float32, np.float64), "global_random_seed": (42,)}


def _cases():
    for name, func in sorted(vars(skt).items()):
        if not (name.startswith("test_") and inspect.isfunction(func)):
            continue
        marks = getattr(func, "pytestmark", [])
        axes: list[tuple[list[str], list]] = []
        for mark in marks:
            if mark.name == "parametrize":
                names, values = mark.args[0], mark.args[1]
                names = [n.strip() for n in names.split(",")] if isinstance(names, str) else names
                values = [v if len(names) > 1 else (v,) for v in values]
                axes.append((names, values))
        for arg in inspect.signature(func).parameters:
            if arg in FIXTURES:
                axes.append(([arg], [(v,) for v in FIXTURES[arg]]))
        extra = [m for m in marks if m.name == "filterwarnings"]
        if name in SKIP:
            extra = [*extra, pytest.mark.skip(reason=SKIP[name])]
        for combo in itertools.product(*(values for _, values in axes)):
            kwargs = {}
            for (names, _), values in zip(axes, combo, strict=True):
                kwargs.update(zip(names, values, strict=True))
            label = "-".join(getattr(v, "__name__", str(v)) for v in kwargs.values())
            yield pytest.param(name, kwargs, marks=extra, id=f"{name}[{label}]" if label else name)


@pytest.mark.filterwarnings("ignore::engine.mixtures.DegeneracyWarning")
@pytest.mark.parametrize(("name", "kwargs"), list(_cases()))
def test_sklearn_gaussian_mixture_suite(name, kwargs, monkeypatch):
    monkeypatch.setattr(skt, "GaussianMixture", GaussianMixture)
    getattr(skt, name)(**kwargs)
