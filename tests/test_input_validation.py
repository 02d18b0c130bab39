"""Bad data and bad parameters fail early, with a message that names the problem."""

import math
import re

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from conftest import TINY
from sklearn.exceptions import NotFittedError

from sklearn_minde import MINDEEstimator


@pytest.fixture
def xy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = X[:, 0] + 0.5 * rng.normal(size=50)
    return X, y


@pytest.fixture
def fitted(xy):
    return MINDEEstimator(**TINY).fit(*xy)


def _fit(X, y, **params):
    return MINDEEstimator(**dict(TINY, **params)).fit(X, y)


# ----------------------------------------------------------------------- bad data
@pytest.mark.parametrize("where", ["X", "y"])
@pytest.mark.parametrize("value,message", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_values(xy, where, value, message):
    """NaN or inf in X or y is rejected, naming the array and the kind of value."""
    X, y = xy[0].copy(), xy[1].copy()
    (X if where == "X" else y)[3] = value
    with pytest.raises(ValueError, match=f"Input {where} contains {message}"):
        _fit(X, y)


def test_mismatched_row_counts(xy):
    X, y = xy
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        _fit(X, y[:40])


def test_too_few_rows_says_how_many_are_needed(xy):
    """3 rows with validation_fraction=0.2 cannot give 2 held-out and 2 training
    rows; the message gives the count found and the count needed."""
    X, y = xy
    with pytest.raises(ValueError, match=r"Found 3 samples.*at least \d+ are needed"):
        _fit(X[:3], y[:3])
    with pytest.raises(ValueError, match="minimum of 2"):
        _fit(X[:1], y[:1])


def _needed(message):
    return int(re.search(r"at least (\d+) are needed", message).group(1))


@pytest.mark.parametrize(
    "fraction",
    [
        0.2,
        0.5,
        0.9,
    ],
)
def test_stated_minimum_is_the_true_minimum(xy, fraction):
    """The number of rows the message asks for is enough, and one fewer is not."""
    X, y = xy
    with pytest.raises(ValueError, match="are needed") as info:
        _fit(X[:3], y[:3], validation_fraction=fraction)
    n = _needed(str(info.value))
    assert math.isfinite(_fit(X[:n], y[:n], validation_fraction=fraction)
                         .mutual_information_)
    with pytest.raises(ValueError, match="are needed"):
        _fit(X[: n - 1], y[: n - 1], validation_fraction=fraction)


def test_constant_column_of_x(xy):
    """A zero-variance column of X is named in the message."""
    X, y = xy
    X = X.copy()
    X[:, 1] = 3.0
    with pytest.raises(ValueError, match="Column 1 of X is constant"):
        _fit(X, y)


@pytest.mark.parametrize("two_d", [False, True])
def test_constant_column_of_y(xy, two_d):
    """A zero-variance column of y is named in the message."""
    X, y = xy
    if two_d:
        y, match = np.c_[y, np.full(len(y), 2.0)], "Column 1 of y is constant"
    else:
        y, match = np.full(len(y), 2.0), "Column 0 of y is constant"
    with pytest.raises(ValueError, match=match):
        _fit(X, y)


def test_strings(xy):
    """Object arrays holding strings that are not numbers are rejected."""
    X, y = xy
    X = X.astype(object)
    X[0, 0] = "abc"
    with pytest.raises(ValueError, match="could not convert string to float"):
        _fit(X, y)


@pytest.mark.parametrize("where", ["X", "y"])
def test_complex(xy, where):
    X, y = xy
    X, y = (X + 1j, y) if where == "X" else (X, y + 1j)
    with pytest.raises(ValueError, match="Complex data not supported"):
        _fit(X, y)


@pytest.mark.parametrize("where", ["X", "y"])
def test_sparse(xy, where):
    """Sparse input is refused with advice to densify."""
    X, y = xy
    if where == "X":
        X = sp.csr_matrix(X)
    else:
        y = sp.csr_matrix(y.reshape(-1, 1))
    with pytest.raises(ValueError, match="sparse"):
        _fit(X, y)


def test_three_dimensional_x(xy):
    X, y = xy
    with pytest.raises(ValueError, match="dim 3"):
        _fit(X.reshape(50, 2, 1), y)


def test_y_without_columns(xy):
    X, _ = xy
    with pytest.raises(ValueError, match="y has 0 columns"):
        _fit(X, np.empty((50, 0)))


def test_numeric_dtypes_are_accepted(xy):
    """Integer and float32 inputs are converted, not refused."""
    X, y = xy
    assert math.isfinite(_fit((10 * X).astype(int), y).mutual_information_)
    assert math.isfinite(_fit(X.astype(np.float32), y.astype(np.float32))
                         .mutual_information_)


# ------------------------------------------------------------------ bad parameters
INVALID = [
    (dict(variant="x"), "variant"),
    (dict(reference="normal"), "reference"),
    (dict(early_stopping="yes"), "early_stopping"),
    (dict(n_folds=1), "n_folds"),
    (dict(normal_scores="yes"), "normal_scores"),
    (dict(sigma=-1), "sigma"),
    (dict(sigma=0), "sigma"),
    (dict(beta_min=0), "beta_min"),
    (dict(beta_min=1.0, beta_max=0.5), "beta_max"),
    (dict(t_eps=0), "t_eps"),
    (dict(t_eps=1.5), "t_eps"),
    (dict(validation_fraction=1.5), "validation_fraction"),
    (dict(validation_fraction=0.0), "validation_fraction"),
    (dict(activation="foo"), "activation"),
    (dict(hidden_dim=0), "hidden_dim"),
    (dict(n_blocks=-1), "n_blocks"),
    (dict(learning_rate=0), "learning_rate"),
    (dict(learning_rate=-1e-3), "learning_rate"),
    (dict(batch_size=0), "batch_size"),
    (dict(max_iter=0), "max_iter"),
    (dict(ema_decay=1.5), "ema_decay"),
    (dict(n_iter_no_change=0), "n_iter_no_change"),
    (dict(tol=-1), "tol"),
    (dict(tol=1.0), "tol"),
    (dict(n_estimation_passes=0), "n_estimation_passes"),
    (dict(device="banana"), "device"),
    (dict(n_threads=0), "n_threads"),
]


@pytest.mark.parametrize("params,name", INVALID, ids=[str(p) for p, _ in INVALID])
def test_invalid_parameters(xy, params, name):
    """Each out-of-range parameter raises a ValueError naming it, at fit time."""
    est = MINDEEstimator(**dict(TINY, **params))  # construction never validates
    with pytest.raises(ValueError, match=name):
        est.fit(*xy)


@pytest.mark.parametrize(
    "params,name",
    [(dict(hidden_dim="big"), "hidden_dim"), (dict(max_iter=2.5), "max_iter"),
     (dict(batch_size="large"), "batch_size")],
)
def test_wrongly_typed_parameters(xy, params, name):
    """Parameters of the wrong type are rejected with a message naming them."""
    with pytest.raises((TypeError, ValueError), match=name):
        _fit(*xy, **params)


@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_cuda_device_without_cuda(xy, monkeypatch, device):
    """Asking for a GPU on a machine without CUDA is a ValueError mentioning CUDA."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA"):
        _fit(*xy, device=device)


@pytest.mark.parametrize("lr", [1e3, 1e6])
def test_diverging_training(xy, lr):
    """A learning rate that blows the loss up raises FloatingPointError naming
    learning_rate, instead of producing a NaN estimate."""
    est = MINDEEstimator(**dict(TINY, learning_rate=lr, max_iter=60))
    with pytest.raises(FloatingPointError, match="learning_rate"):
        est.fit(*xy)
    assert not hasattr(est, "mutual_information_")


# ---------------------------------------------------------------------- small data
@pytest.mark.parametrize("batch_size", ["auto", 1000])
def test_small_data(xy, batch_size):
    """30 rows train with the default batch size (or a huge one): the batch is
    capped at the number of training rows."""
    X, y = xy
    est = _fit(X[:30], y[:30], batch_size=batch_size)
    assert 2 <= est.batch_size_ < 30
    assert math.isfinite(est.mutual_information_)
    assert est.mutual_information_std_ > 0


# ----------------------------------------------------------- after fit: new data
@pytest.mark.parametrize("method", ["estimate", "score", "log_likelihood_bound"])
def test_new_data_with_other_x_columns(fitted, xy, method):
    X, y = xy
    with pytest.raises(ValueError, match="features"):
        getattr(fitted, method)(X[:, :1], y)


@pytest.mark.parametrize("method", ["estimate", "score"])
def test_new_data_with_other_y_columns(fitted, xy, method):
    """y with another number of columns than in fit is a ValueError."""
    X, y = xy
    with pytest.raises(ValueError, match="y"):
        getattr(fitted, method)(X, np.c_[y, y])


@pytest.mark.parametrize("method", ["estimate", "score"])
def test_new_data_is_validated(fitted, xy, method):
    """estimate and score validate their input like fit."""
    X, y = xy
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        getattr(fitted, method)(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        getattr(fitted, method)(xy[0], y[:10])


def test_feature_names_mismatch_warns(xy):
    """Fitted on a DataFrame, estimating on a bare array warns about feature names."""
    pd = pytest.importorskip("pandas")
    X, y = xy
    est = MINDEEstimator(**TINY).fit(pd.DataFrame(X, columns=["a", "b"]), y)
    with pytest.warns(UserWarning, match="feature names"):
        est.estimate(X, y)


@pytest.mark.parametrize("method", ["estimate", "score", "log_likelihood_bound"])
def test_not_fitted(xy, method):
    with pytest.raises(NotFittedError):
        getattr(MINDEEstimator(**TINY), method)(*xy)


def test_too_few_rows_for_the_folds():
    X = np.random.default_rng(0).normal(size=(7, 2))
    with pytest.raises(ValueError, match=r"Found 7 samples: n_folds=4 needs at least"):
        MINDEEstimator(**dict(TINY, n_folds=4)).fit(X, X[:, 0])
