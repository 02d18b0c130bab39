"""``estimate_samples``: the per-row terms whose mean is the MI estimate.

Input validation (not fitted, wrong column counts, NaN) is tested with the other
methods on new data in test_input_validation.py.
"""

import math

import numpy as np
import pytest
from conftest import TINY, gaussian_mi, gaussian_pair

from sklearn_minde import MINDEEstimator
from sklearn_minde._fit import split_rows


@pytest.fixture(scope="module")
def xyz():
    """300 rows: X of 2 columns, y of 1, and a third column of X for Z."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = X[:, 0] + X[:, 2] + 0.5 * rng.normal(size=300)
    return X, y


@pytest.mark.parametrize(
    "params",
    [
        {"variant": "c"},
        {"variant": "c", "sigma": 1.0},
        {"variant": "j"},
        {"variant": "j", "sigma": 0.5},
        {"variant": "c", "n_folds": 2},
        {"variant": "j", "sigma": 1.0, "n_folds": 3},
        {"variant": "c", "conditioning_columns": [2]},
        {"variant": "j", "sigma": 1.0, "conditioning_columns": [2], "n_folds": 2},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_mean_and_standard_error_are_those_of_estimate(xyz, params):
    """One float64 value per row; their mean and standard error are estimate's,
    for every variant, form, cross-fitting and a conditioning variable, with
    several Monte Carlo passes."""
    X, y = xyz
    est = MINDEEstimator(**dict(TINY, n_estimation_passes=3, **params)).fit(X, y)
    new_X, new_y = X[::-1][:120], y[::-1][:120]
    values = est.estimate_samples(new_X, new_y)
    assert values.shape == (120,) and values.dtype == np.float64
    assert np.isfinite(values).all()
    mi, std = est.estimate(new_X, new_y)
    np.testing.assert_allclose(values.mean(), mi, rtol=1e-12)
    training = math.sqrt(1 + 120 / est.n_train_)  # the training rows' noise
    np.testing.assert_allclose(
        values.std(ddof=1) / math.sqrt(120) * training, std, rtol=1e-12
    )
    if params.get("sigma") is None:
        assert values.min() >= 0  # a squared norm (uncorrected: small sample)


def test_held_out_rows_give_the_fitted_estimate(xyz):
    """Read on the rows fit held out, the values average to
    ``mutual_information_`` within their Monte Carlo noise (the same network, other
    draws), and their standard error is the fit's formula: the held-out rows'
    noise and the training rows' at first order."""
    X, y = xyz
    est = MINDEEstimator(**dict(TINY, n_estimation_passes=2)).fit(X, y)
    _, held_out = split_rows(est.get_params(), len(X), np.random.RandomState(0))[0]
    values = est.estimate_samples(X[held_out], y[held_out])
    assert abs(values.mean() - est.mutual_information_) < (
        3 * est.mutual_information_std_
    )
    n_read, n_train = len(held_out), est.n_train_
    assert n_read + n_train == len(X)
    mi, std = est.estimate(X[held_out], y[held_out])
    assert mi == pytest.approx(values.mean())
    np.testing.assert_allclose(
        values.std(ddof=1) / math.sqrt(n_read) * math.sqrt(1 + n_read / n_train),
        std,
        rtol=1e-12,
    )


def test_sigma_selects_the_form_of_the_terms(xyz):
    """The same network gives the plain or the sigma terms by ``sigma``; they
    differ row by row."""
    X, y = xyz
    est = MINDEEstimator(**TINY).fit(X, y)
    plain = est.estimate_samples(X, y)
    sigma = est.set_params(sigma=1.0).estimate_samples(X, y)
    assert not np.allclose(plain, sigma)
    np.testing.assert_array_equal(
        est.set_params(sigma=None).estimate_samples(X, y), plain
    )


def test_deterministic_for_a_fixed_random_state(xyz):
    """Repeated calls and refits with the same integer random_state give the same
    values bit for bit; another random_state gives other values."""
    X, y = xyz
    values = MINDEEstimator(**TINY).fit(X, y).estimate_samples(X, y)
    again = MINDEEstimator(**TINY).fit(X, y)
    np.testing.assert_array_equal(again.estimate_samples(X, y), values)
    np.testing.assert_array_equal(again.estimate_samples(X, y), values)
    other = MINDEEstimator(**dict(TINY, random_state=1)).fit(X, y)
    assert not np.allclose(other.estimate_samples(X, y), values)


def test_rows_average_to_the_kl_given_y_with_exact_gaussian_scores():
    """With ``reference="gaussian"`` and a network that has not moved from its
    zero output, the scores are those of the Gaussian fitted to the data, and
    MINDE-C's plain term of a row (x, y), averaged over the rows that share a y,
    is KL(p(x | y) || p(x)) = (rho^2 y^2 - rho^2 - log(1 - rho^2)) / 2 on a
    standard Gaussian pair. Rows with a larger |y| carry more of the MI."""
    rho = 0.8
    X, y = gaussian_pair(20000, rho=rho, seed=1)
    est = MINDEEstimator(
        reference="gaussian",
        max_iter=1,
        learning_rate=1e-12,
        hidden_dim=8,
        early_stopping=False,
        n_estimation_passes=8,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    values = est.estimate_samples(X, y)
    assert values.mean() == pytest.approx(gaussian_mi(rho), abs=0.02)
    y_std = (y - est.y_mean_[0]) / est.y_scale_[0]
    means = []
    for low, high in [(0, 0.5), (0.5, 1), (1, 1.5), (1.5, 2), (2, np.inf)]:
        rows = (np.abs(y_std) >= low) & (np.abs(y_std) < high)
        kl = 0.5 * (rho**2 * y_std[rows] ** 2 - rho**2 - math.log(1 - rho**2))
        se = values[rows].std(ddof=1) / math.sqrt(rows.sum())
        assert values[rows].mean() == pytest.approx(kl.mean(), abs=4 * se + 0.01)
        means.append(values[rows].mean())
    assert np.all(np.diff(means) > 0)
