"""scikit-learn's own estimator checks, run on our estimator.

One instance per covariance type, with the default single component. (With two components,
the integer-valued 20-row data of ``check_estimators_dtypes`` leaves a component with a
constant feature; we refuse that collapsed fit with DegenerateFitError on purpose, where
scikit-learn returns a density spike held up only by ``reg_covar``.)
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from engine.mixtures import COVARIANCE_TYPES, GaussianMixture


@parametrize_with_checks([GaussianMixture(covariance_type=ct) for ct in COVARIANCE_TYPES])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
