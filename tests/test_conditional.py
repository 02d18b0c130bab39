"""Conditional MI I(X; y | Z) through ``conditioning_columns``: fitted attributes,
the conditioning columns in scikit-learn's meta-estimators, bad input and pickling.
The estimator formulas with exact scores are tested in test_sde.py."""

import pickle

import numpy as np
import pytest
from conftest import SMALL, TINY
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from sklearn_minde import MINDEEstimator

ENTROPY_KEYS = {"c": {"x|z", "x|y,z"}, "j": {"xy|z", "x|y,z", "y|x,z", "x|z", "y|z"}}


def _common_cause(n=600, seed=0):
    """``X = [x | z]`` and y, with z a common cause of x and y and nothing else
    between them: I(x; y) = 0.51 nats, I(x; y | z) = 0."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 1))
    x = z + 0.5 * rng.normal(size=(n, 1))
    y = z[:, 0] + 0.5 * rng.normal(size=n)
    return np.hstack([x, z]), y


@pytest.mark.parametrize("variant", ["c", "j"])
def test_fitted_attributes(variant):
    """With Z, the estimator has the attributes of the unconditional one; the
    entropies are conditional on Z, and the means and scales cover Z's columns."""
    X, y = _common_cause(200)
    est = MINDEEstimator(variant=variant, conditioning_columns=1, **TINY).fit(X, y)
    np.testing.assert_array_equal(est.conditioning_columns_, [1])
    assert set(est.entropies_) == ENTROPY_KEYS[variant]
    assert all(np.isfinite(v) for v in est.entropies_.values())
    assert set(est.estimates_) == {f"minde_{variant}", f"minde_{variant}_sigma"}
    assert est.mutual_information_std_ > 0
    assert est.x_mean_.shape == est.x_scale_.shape == (2,)
    assert est.n_features_in_ == 2
    n_checks = len(est.check_steps_)
    assert est.mutual_information_curve_.shape == (n_checks,)
    assert est.network_.input.in_features == 3  # x, y and z
    assert est.network_.output.out_features == 2  # the noise of x and y only
    mi, std = est.estimate(X, y)
    assert np.isfinite(mi) and std > 0
    assert np.isfinite(est.score(X, y))


def test_cross_fitting_with_z():
    """Cross-fitting trains one conditional member per fold."""
    X, y = _common_cause(200)
    est = MINDEEstimator(conditioning_columns=[1], n_folds=2, **TINY).fit(X, y)
    assert est.member_estimates_.shape == (2,)
    assert all(net.input.in_features == 3 for net in est.networks_)
    assert set(est.entropies_) == ENTROPY_KEYS["c"]


@pytest.mark.parametrize("columns", [1, -1, [1], (1,), slice(1, None), [False, True]])
def test_ways_to_name_the_conditioning_columns(columns):
    """A position, a negative one, a list, a tuple, a slice or a boolean mask that
    pick the same column give the same fit."""
    X, y = _common_cause(200)
    reference = MINDEEstimator(conditioning_columns=1, **TINY).fit(X, y)
    est = MINDEEstimator(conditioning_columns=columns, **TINY).fit(X, y)
    assert est.estimates_ == reference.estimates_


def test_column_names_of_a_dataframe():
    """With a DataFrame, Z can be named by column names; the order of X's columns
    does not matter."""
    pd = pytest.importorskip("pandas")
    X, y = _common_cause(200)
    by_position = MINDEEstimator(conditioning_columns=0, **TINY).fit(X[:, ::-1], y)
    df = pd.DataFrame({"z": X[:, 1], "x": X[:, 0]})
    by_name = MINDEEstimator(conditioning_columns=["z"], **TINY).fit(df, y)
    assert by_name.estimates_ == by_position.estimates_


def test_common_cause_reads_less_than_the_unconditional_mi():
    """x and y depend on each other only through z (true MI 0.51 nats, true CMI
    0): given z, a small fitted model reads a much smaller value; given z with its
    rows shuffled (independent of x and y, so the CMI is the MI again), it does
    not."""
    X, y = _common_cause()
    unconditional = MINDEEstimator(**SMALL).fit(X[:, :1], y).mutual_information_
    conditional = MINDEEstimator(conditioning_columns=1, **SMALL).fit(X, y)
    X[:, 1] = np.random.default_rng(1).permutation(X[:, 1])
    shuffled = MINDEEstimator(conditioning_columns=1, **SMALL).fit(X, y)
    assert unconditional > 0.15  # 0.21 of 0.51: the 200-step fit learned some of it
    assert conditional.mutual_information_ < 0.5 * unconditional
    assert shuffled.mutual_information_ > 0.5 * unconditional


def test_grid_search_splits_z_with_the_rows():
    """In GridSearchCV and cross_val_score with a shuffling KFold, Z travels in X,
    so every split keeps the rows of x, y and z together."""
    X, y = _common_cause(300)
    search = GridSearchCV(
        MINDEEstimator(conditioning_columns=1, **TINY),
        {"hidden_dim": [8, 16]},
        cv=KFold(2, shuffle=True, random_state=0),
    ).fit(X, y)
    best = search.best_estimator_
    np.testing.assert_array_equal(best.conditioning_columns_, [1])
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    scores = cross_val_score(
        clone(best), X, y, cv=KFold(3, shuffle=True, random_state=0)
    )
    assert scores.shape == (3,) and np.all(np.isfinite(scores))


def test_pickle_round_trip():
    X, y = _common_cause(200)
    est = MINDEEstimator(conditioning_columns=[1], reference="gaussian", **TINY)
    est.fit(X, y)
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.estimate(X, y) == est.estimate(X, y)
    np.testing.assert_array_equal(loaded.conditioning_columns_, [1])


@pytest.mark.parametrize(
    "columns, message",
    [
        ((), "selects no column, so Z would have 0 columns"),
        ([], "selects no column"),
        (slice(2, None), "selects no column"),
        (2, "out of range for X, which has 2 feature"),
        (-3, "out of range"),
        ([True], "out of range"),
        ([0, 1], "takes all 2 feature"),
        ([1, 1], "more than once"),
        (1.5, "give column positions"),
        (["z"], "no column named 'z'"),
    ],
)
def test_bad_conditioning_columns(columns, message):
    X, y = _common_cause(50)
    with pytest.raises(ValueError, match=message):
        MINDEEstimator(conditioning_columns=columns, **TINY).fit(X, y)


def test_constant_z_column():
    X, y = _common_cause(50)
    X[:, 1] = 3.0
    with pytest.raises(ValueError, match="Column 1 of X is constant"):
        MINDEEstimator(conditioning_columns=1, **TINY).fit(X, y)


def test_nan_in_z():
    X, y = _common_cause(50)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MINDEEstimator(conditioning_columns=1, **TINY).fit(X, y)
