"""A density of X alone: ``fit(X)``, ``entropy_``, ``score_samples``, the
``entropy`` function, and the row-keyed draws that make every reading follow its
row."""

import math
import pickle

import numpy as np
import pytest
from conftest import QUIET_FITS, TINY, gaussian_pair
from scipy import stats

from sklearn_minde import (
    EntropyResult,
    MINDEEstimator,
    entropy,
)
from sklearn_minde._data import NormalScores
from sklearn_minde._runtime import row_keys, row_uniforms

pytestmark = QUIET_FITS


def gaussian_entropy(cov):
    """``1/2 log det(2 pi e cov)``."""
    cov = np.atleast_2d(cov)
    return 0.5 * np.linalg.slogdet(2 * math.pi * math.e * cov)[1]


@pytest.fixture(scope="module")
def scaled_gaussian():
    """Two independent normal columns of scales 1 and 3, and their entropy."""
    x = np.random.default_rng(0).normal(size=(3000, 2)) * [1.0, 3.0]
    return x, gaussian_entropy(np.diag([1.0, 9.0]))


@pytest.fixture(scope="module")
def fitted_alone(scaled_gaussian):
    x, _ = scaled_gaussian
    return MINDEEstimator(max_iter=600, random_state=0).fit(x)


# ------------------------------------------------------------- fit without y
def test_fit_without_y_reads_the_entropy_in_data_units(scaled_gaussian, fitted_alone):
    """``fit(X)`` reads H(X) in the units of the data (the scale-3 column adds
    log 3) within a few standard errors of the closed form."""
    _, truth = scaled_gaussian
    est = fitted_alone
    assert est.entropies_ == {"x": est.entropy_}
    assert est.entropies_std_ == {"x": est.entropy_std_}
    assert 0 < est.entropy_std_ < 0.1
    assert abs(est.entropy_ - truth) < 4 * est.entropy_std_ + 0.05
    low, high = est.confidence_interval(0.95)
    assert low < est.entropy_ < high
    assert est.entropy_curve_.shape == est.check_steps_.shape
    assert est.entropy_curve_[-1] == pytest.approx(est.entropy_, abs=0.3)
    for name in ("mutual_information_", "estimates_", "mutual_information_curve_"):
        assert not hasattr(est, name)


def test_score_samples_bounds_the_log_density(scaled_gaussian, fitted_alone):
    """``score_samples(X)`` is a per-row bound on log p(x): on fresh rows its gap to
    the true log-density is negative on average, up to three standard errors of
    its Monte Carlo and sampling noise, and not far below zero."""
    _, truth = scaled_gaussian
    fresh = np.random.default_rng(1).normal(size=(2000, 2)) * [1.0, 3.0]
    bound = fitted_alone.score_samples(fresh)
    assert bound.shape == (2000,)
    assert fitted_alone.score(fresh) == pytest.approx(bound.mean())
    true_log_density = stats.norm(scale=[1.0, 3.0]).logpdf(fresh).sum(1)
    assert -truth == pytest.approx(true_log_density.mean(), abs=0.1)
    gap = bound - true_log_density
    assert -0.4 < gap.mean() < 3 * gap.std() / math.sqrt(len(gap))


def test_a_fit_without_y_refuses_what_needs_y(fitted_alone):
    X = np.zeros((5, 2)) + np.arange(5)[:, None]
    with pytest.raises(ValueError, match="fitted without y"):
        fitted_alone.estimate(X, X[:, 0])
    with pytest.raises(ValueError, match="fitted without y"):
        fitted_alone.estimate_samples(X, X[:, 0])
    with pytest.raises(ValueError, match="do not pass y"):
        fitted_alone.score_samples(X, X[:, 0])


def test_refit_with_and_without_y_keeps_only_its_own_attributes():
    X, y = gaussian_pair(300, rho=0.6, seed=0)
    est = MINDEEstimator(**TINY).fit(X, y)
    assert hasattr(est, "mutual_information_") and not hasattr(est, "entropy_")
    est.fit(X)
    assert hasattr(est, "entropy_") and not hasattr(est, "mutual_information_")
    est.fit(X, y)
    assert hasattr(est, "mutual_information_") and not hasattr(est, "entropy_")


def test_fit_without_y_with_a_conditioning_column():
    """With Z in X, a fit without y reads H(X | Z)."""
    X, z = gaussian_pair(300, rho=0.6, seed=0)
    est = MINDEEstimator(conditioning_columns=[1], **TINY).fit(np.column_stack([X, z]))
    assert list(est.entropies_) == ["x|z"] and np.isfinite(est.entropy_)


def test_fit_without_y_in_normal_scores_reads_the_data_entropy():
    """normal_scores=True without y: the network sees the same scores for X and for
    sinh(3 X), and the entropies differ by the mean log-Jacobian of the map,
    log(3 cosh(3 x)) per column, within the one-dimensional estimates' error."""
    X = np.random.default_rng(0).normal(size=(400, 2))
    params = dict(TINY, normal_scores=True, random_state=0)
    plain = MINDEEstimator(**params).fit(X)
    warped = MINDEEstimator(**params).fit(np.sinh(3 * X))
    shift = np.log(3 * np.cosh(3 * X)).mean(0).sum()
    assert warped.entropy_ - plain.entropy_ == pytest.approx(shift, abs=0.15)
    moved = warped.entropy_curve_ - plain.entropy_curve_
    np.testing.assert_allclose(moved, warped.entropy_ - plain.entropy_, atol=0.05)


def test_score_samples_in_normal_scores_are_in_data_units(monkeypatch):
    """score_samples of a fit in normal scores is a density of the data: the
    bound of the scores less the per-row log-Jacobian of the map, which for
    sinh(3 x) against x is log(3 cosh(3 x)) per column within the histogram's
    resolution; rows beyond the training range score finitely."""
    X = np.random.default_rng(0).normal(size=(400, 2))
    W = np.sinh(3 * X)
    params = dict(TINY, normal_scores=True, random_state=0)
    warped = MINDEEstimator(**params).fit(W)
    plain = MINDEEstimator(**params).fit(X)
    maps = warped.x_normal_scores_, plain.x_normal_scores_
    jacobian = maps[0].row_log_jacobian(W).sum(1)
    bound = warped.score_samples(W)
    monkeypatch.setattr(
        NormalScores, "row_log_jacobian", lambda self, a: np.zeros((len(a), 2))
    )
    np.testing.assert_allclose(bound, warped.score_samples(W) - jacobian, atol=1e-9)
    monkeypatch.undo()
    against_x = jacobian - maps[1].row_log_jacobian(X).sum(1)
    exact = np.log(3 * np.cosh(3 * X)).sum(1)
    assert np.mean(against_x - exact) == pytest.approx(0, abs=0.02)
    beyond = np.array([[5.0, 0.0], [-5.0, 0.0]])
    assert np.isfinite(warped.score_samples(np.sinh(3 * beyond))).all()


def test_a_fit_without_y_pickles(fitted_alone):
    X = np.random.default_rng(2).normal(size=(50, 2))
    loaded = pickle.loads(pickle.dumps(fitted_alone))
    np.testing.assert_array_equal(
        loaded.score_samples(X), fitted_alone.score_samples(X)
    )
    assert loaded.entropy_ == fitted_alone.entropy_


# ------------------------------------------------------------- score_samples
@pytest.fixture(scope="module")
def fitted_pair():
    X, y = gaussian_pair(400, rho=0.7, seed=3)
    return X, y, MINDEEstimator(**dict(TINY, n_estimation_passes=2)).fit(X, y)


def test_score_samples_follows_each_row(fitted_pair):
    """A row's value does not depend on its position or on the other rows: the
    draws are keyed by the row and read in float64 (scikit-learn's sample-order
    and subset checks)."""
    X, y, est = fitted_pair
    order = np.random.default_rng(0).permutation(len(X))
    for method in (est.score_samples, est.estimate_samples):
        values = method(X, y)
        np.testing.assert_allclose(
            method(X[order], y[order]), values[order], rtol=1e-12
        )
        np.testing.assert_allclose(method(X[:1], y[:1]), values[:1], rtol=1e-12)
        np.testing.assert_allclose(method(X[:7], y[:7]), values[:7], rtol=1e-12)
    alone = est.score_samples(X)
    np.testing.assert_allclose(est.score_samples(X[order]), alone[order])
    assert not np.allclose(alone, est.score_samples(X, y))


def test_score_samples_without_y_reads_the_marginal_of_variant_c(fitted_pair):
    """Without y, variant "c" scores X alone with its marginal score: ``log p(x)``
    needs no y, so any y's values change nothing."""
    X, y, est = fitted_pair
    bound = est.score_samples(X)
    assert np.isfinite(bound).all() and bound.shape == (len(X),)
    assert est.score(X) == pytest.approx(bound.mean())


def test_variant_j_needs_y_to_score():
    X, y = gaussian_pair(200, rho=0.5, seed=0)
    est = MINDEEstimator(variant="j", **TINY).fit(X, y)
    assert np.isfinite(est.score(X, y))
    with pytest.raises(ValueError, match="no density of X alone"):
        est.score_samples(X)


def test_estimate_is_the_same_in_any_order(fitted_pair):
    """``estimate`` of shuffled rows is that of the rows in order."""
    X, y, est = fitted_pair
    order = np.random.default_rng(1).permutation(len(X))
    mi, std = est.estimate(X, y)
    shuffled = est.estimate(X[order], y[order])
    assert shuffled == (pytest.approx(mi, rel=1e-9), pytest.approx(std, rel=1e-9))


# --------------------------------------------------------------- row keys
def test_row_keys_follow_values_and_seed():
    a = np.random.default_rng(0).normal(size=(6, 3))
    keys = row_keys([a], 5)
    assert keys.dtype == np.uint64 and len(set(keys.tolist())) == 6
    np.testing.assert_array_equal(row_keys([a[::-1]], 5), keys[::-1])
    assert not np.array_equal(row_keys([a], 6), keys)
    # a column of y counts: the same X with another y is another row
    assert not np.array_equal(row_keys([a, a[:, :1] + 1], 5), keys)
    # -0.0 and 0.0 are one value
    assert row_keys([np.array([[-0.0]])], 1) == row_keys([np.array([[0.0]])], 1)


def test_row_uniforms_are_uniform_and_independent():
    keys = row_keys([np.arange(20000.0)[:, None]], 0)
    u = row_uniforms(keys, 0, 3)
    assert u.min() > 0 and u.max() < 1
    for j in range(3):
        assert stats.kstest(u[:, j], "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u.T)[np.triu_indices(3, 1)]).max() < 0.03
    # a later counter continues the stream
    np.testing.assert_array_equal(row_uniforms(keys, 1, 2), u[:, 1:])


# ------------------------------------------------------------- the function
def test_entropy_function_gives_units_and_an_interval():
    x = np.random.default_rng(0).normal(size=(400, 1))
    res = entropy(x, random_state=0, estimator=MINDEEstimator(**TINY))
    bits = entropy(x, base=2, random_state=0, estimator=MINDEEstimator(**TINY))
    assert isinstance(res, EntropyResult) and res.unit == "nats"
    assert bits.unit == "bits"
    assert bits.estimate == pytest.approx(res.estimate / math.log(2))
    assert bits.standard_error == pytest.approx(res.standard_error / math.log(2))
    low, high = res.confidence_interval(0.9)
    assert low < res.estimate < high
    assert res.estimator.entropy_ == res.estimate
    with pytest.raises(ValueError, match="same number of rows"):
        entropy(x, z=x[:10])
    with pytest.raises(ValueError, match="base"):
        entropy(x, base=1)


def test_entropy_function_with_z():
    x, z = gaussian_pair(300, rho=0.6, seed=0)
    res = entropy(x, z=z, random_state=0, estimator=MINDEEstimator(**TINY))
    assert list(res.estimator.entropies_) == ["x|z"]
