"""The permutation (conditional) independence test."""

import numpy as np
import pytest
from conftest import SMALL
from sklearn.base import clone

from sklearn_minde import MINDEEstimator, OverfittingWarning, independence_test
from sklearn_minde._independence import local_permutation

# short fits on a few hundred rows over-fit a little; the test does not mind
pytestmark = pytest.mark.filterwarnings(
    f"ignore::{OverfittingWarning.__module__}.{OverfittingWarning.__name__}"
)

#: A cheap estimator for the refits (a test makes n_permutations + 1 fits): 100
#: steps of a width-8 network at a constant learning rate, without weight decay.
#: The defaults (a cosine decay, and a weight decay of 1 on these 240 training
#: rows) hold so short a fit to a third of a true MI of 1.25; these tests are about
#: the permutations, not the statistic's bias.
FAST = MINDEEstimator(
    **{
        **SMALL,
        "hidden_dim": 8,
        "max_iter": 100,
        "weight_decay": 0.0,
        "learning_rate_schedule": "constant",
    }
)


def test_local_permutation_moves_rows_among_neighbours_in_z():
    """Each row takes the value of a row with a nearby z: much nearer than a plain
    shuffle's, most rows used once; one neighbour is the identity."""
    rng = np.random.RandomState(0)
    z = rng.normal(size=(500, 2))
    perm = local_permutation(z, 5, rng)
    assert perm.shape == (500,)
    local = np.abs(z[perm] - z).max(axis=1).mean()
    shuffled = np.abs(z[rng.permutation(500)] - z).max(axis=1).mean()
    assert local < 0.2 * shuffled
    assert len(np.unique(perm)) > 0.8 * 500
    assert np.mean(perm != np.arange(500)) > 0.5  # it does move the rows
    np.testing.assert_array_equal(local_permutation(z, 1, rng), np.arange(500))


def test_unconditional_test_rejects_a_strong_dependence():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    y = x + 0.3 * rng.normal(size=300)
    statistic, p_value = independence_test(x, y, n_permutations=9, estimator=FAST)
    assert statistic > 0.5
    assert p_value == pytest.approx(0.1)  # the smallest reachable: 1 / (1 + 9)


def test_conditional_test_rejects_a_dependence_given_z_and_is_deterministic():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(300, 1))
    x = z[:, 0] + 0.5 * rng.normal(size=300)
    y = x + z[:, 0] + 0.3 * rng.normal(size=300)
    result = independence_test(x, y, z, n_permutations=9, estimator=FAST)
    assert result[1] == pytest.approx(0.1)
    assert independence_test(x, y, z, n_permutations=9, estimator=FAST) == result


def test_p_value_of_independent_data_is_a_probability():
    """On independent data the statistic is small and the p-value is one of the
    reachable values in (0, 1]."""
    rng = np.random.default_rng(1)
    x, y, z = rng.normal(size=(3, 200))
    statistic, p_value = independence_test(x, y, z, n_permutations=4, estimator=FAST)
    assert 0 <= statistic < 0.2
    assert p_value in {0.2, 0.4, 0.6, 0.8, 1.0}


def test_stacked_null_fits_give_the_sequential_test():
    """The refits trained as one stacked ensemble give the statistic and null of
    the refits trained one after the other (to float rounding), hence the same
    p-value."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(200, 1))
    x = z[:, 0] + rng.normal(size=200)
    y = 0.3 * x + z[:, 0] + rng.normal(size=200)
    results = [
        independence_test(
            x,
            y,
            z,
            n_permutations=4,
            estimator=clone(FAST).set_params(stack_networks=s),
        )
        for s in (False, True)
    ]
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-4)
    assert results[1][1] == results[0][1]


def test_rows_must_match():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 50))
    with pytest.raises(ValueError, match="same number of rows.*'z': 49"):
        independence_test(x, y, rng.normal(size=49))
    with pytest.raises(ValueError, match="z contains NaN"):
        independence_test(x, y, np.full(50, np.nan))
