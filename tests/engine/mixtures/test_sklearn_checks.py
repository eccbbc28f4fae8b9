"""scikit-learn's own estimator checks, run on our estimators.

Every covariance type with 1, 2 and 3 components: a fit succeeds wherever scikit-learn's does
(a component that degenerates on the checks' small integer-valued data gives a
DegeneracyWarning, not an error). The Poisson and Bernoulli mixtures are left out: the checks
feed them real-valued data that their families refuse by design.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from engine.mixtures import COVARIANCE_TYPES, GaussianMixture

pytestmark = [
    pytest.mark.filterwarnings("ignore::engine.mixtures.DegeneracyWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


@parametrize_with_checks(
    [GaussianMixture(k, covariance_type=ct) for ct in COVARIANCE_TYPES for k in (1, 2, 3)]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
