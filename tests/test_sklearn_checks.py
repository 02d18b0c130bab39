"""scikit-learn's common estimator checks on a tiny configuration."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_minde import MINDEEstimator

TINY = dict(
    hidden_dim=8, max_iter=10, n_estimation_passes=1, device="cpu", random_state=0
)


# the checks fit on integer labels: a DiscreteDataWarning is expected, not a failure
@pytest.mark.filterwarnings("ignore::sklearn_minde.DataWarning")
@parametrize_with_checks(
    [
        MINDEEstimator(**TINY),
        MINDEEstimator(variant="j", **TINY),
        MINDEEstimator(conditioning_columns=-1, **TINY),  # Z: X's last column
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
