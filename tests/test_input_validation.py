"""Bad data and bad parameters fail early, with a message that names the problem."""

import math
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from conftest import TINY
from sklearn.exceptions import NotFittedError

import sklearn_minde._fit
from sklearn_minde import (
    DataWarning,
    DiscreteDataWarning,
    MINDEEstimator,
    RankDeficientWarning,
)
from sklearn_minde._training import check_finite
from sklearn_minde._validation import PARAMETERS


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
    assert math.isfinite(
        _fit(X[:n], y[:n], validation_fraction=fraction).mutual_information_
    )
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
    assert math.isfinite(
        _fit(X.astype(np.float32), y.astype(np.float32)).mutual_information_
    )


@pytest.mark.parametrize("y_values", [lambda y: 1e8 + y, lambda y: 1e300 * y])
def test_float32_x_leaves_y_its_precision(xy, y_values):
    """A float32 X does not squeeze a float64 y into float32 (where 1e8 + y would
    be constant and 1e300 * y infinite): the estimate is that of the float64 fit,
    up to the rounding of 1e8 + y (1e-3 of its standard error)."""
    X, y = xy
    X32 = X.astype(np.float32)
    est, base = _fit(X32, y_values(y)), _fit(X32.astype(np.float64), y)
    moved = abs(est.mutual_information_ - base.mutual_information_)
    assert moved <= 1e-3 * base.mutual_information_std_


# ------------------------------------------------------------- scales and offsets
@pytest.fixture
def wide():
    """400 rows, so that held-out standard errors are small enough to compare."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2))
    return X, X[:, 0] + 0.5 * rng.normal(size=400)


def _scaled(X, column, factor, offset=0.0):
    X = X.copy()
    X[:, column] = factor * X[:, column] + offset
    return X


@pytest.mark.parametrize("factor", [2.0**-1000, 2.0**-500, 2.0**500, 2.0**1000])
def test_power_of_two_scale_changes_nothing(wide, factor):
    """Scaling by a power of two is exact, so the standardised data, hence every
    estimate, are bit for bit those of the unscaled data; entropies move by exactly
    the log of the factor. (The plain formula overflowed or underflowed here.)"""
    X, y = wide
    base, est = _fit(X, y), _fit(_scaled(X, 1, factor), y)
    assert est.estimates_ == base.estimates_
    assert est.estimates_std_ == base.estimates_std_
    shift = est.entropies_["x"] - base.entropies_["x"]
    assert shift == pytest.approx(math.log(factor), rel=1e-12)


@pytest.mark.parametrize("factor", [1e-150, 1e-8, 1e8, 1e150])
@pytest.mark.parametrize("column", [0, 1])
def test_decimal_scale_changes_nothing(wide, factor, column):
    """A decimal factor rounds each value once (relative error 1e-16); the float32
    values the network sees absorb that, so the estimates are the same."""
    X, y = wide
    base, est = _fit(X, y), _fit(_scaled(X, column, factor), y)
    assert est.estimates_ == base.estimates_
    shift = est.entropies_["x"] - base.entropies_["x"]
    assert shift == pytest.approx(math.log(factor), rel=1e-9)


@pytest.mark.parametrize("factor", [1e-150, 1.0, 1e150])
@pytest.mark.parametrize("offset", [-1e6, 1e10, 1e12])
def test_offset_changes_nearly_nothing(wide, factor, offset):
    """Shifting a column by ``offset`` standard deviations rounds its values to
    ``offset * 2**-52`` of one (2e-4 at 1e12, a fifth of the coarsest resolution
    accepted); the estimate moves in proportion, by at most 2 % of its standard
    error at 1e12 (bounded at 5 %), and the entropies by less than 1e-3 nats."""
    X, y = wide
    base = _fit(X, y)
    est = _fit(_scaled(X, 0, factor, offset * factor), y)
    moved = abs(est.mutual_information_ - base.mutual_information_)
    assert moved <= 0.05 * base.mutual_information_std_
    shift = est.entropies_["x"] - base.entropies_["x"]
    assert shift == pytest.approx(math.log(factor), abs=1e-3)


@pytest.mark.parametrize(
    "where,column,data,dtype",
    [
        ("X", 1, lambda v: v + 1e15, np.float64),  # an offset beyond float64's digits
        ("X", 0, lambda v: v + 1e5, np.float32),  # the same in float32
        ("y", 0, lambda v: v * 1e-322, np.float64),  # underflow to a few subnormals
    ],
)
def test_unrepresentable_column_is_named(wide, where, column, data, dtype):
    """A column that the floating-point format resolves to more than 1e-3 of its
    spread is refused, naming it."""
    X, y = wide[0].astype(dtype), wide[1].astype(dtype)
    if where == "X":
        X[:, column] = data(X[:, column])
    else:
        y = data(y)
    with pytest.raises(ValueError, match=f"Column {column} of {where} varies by only"):
        _fit(X, y)


# ------------------------------------------------------------- discrete and collinear
def _data_warnings(X, y, **params):
    """Fit, and return the DataWarnings it issued (every other warning passes)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", DataWarning)
        _fit(X, y, **params)
    return [w for w in record if issubclass(w.category, DataWarning)]


def test_continuous_data_do_not_warn(wide):
    assert _data_warnings(*wide) == []


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda X: (X > 0, X[:, 0]), "Columns 0, 1 of X look discrete: 2, 2"),
        (lambda X: (np.c_[X, np.round(2 * X[:, 1])], X[:, 0]), "Column 2 of X"),
        (lambda X: (X, np.round(X[:, 0], 1)), "Column 0 of y"),  # ties
        (lambda X: (np.arange(12) % 7, X[:12, 0]), "Column 0 of X"),  # few levels
    ],
    ids=["booleans", "counts", "rounded", "few whole numbers"],
)
def test_discrete_columns_warn(wide, make, message):
    """Booleans, counts, rounded values and a few whole numbers are named, with
    what to do, and the warning points at the caller of fit (a class label y is
    read as one, without a warning: tests/test_functions.py)."""
    X, y = make(wide[0])
    record = _data_warnings(X.reshape(len(X), -1), y)
    discrete = [w for w in record if w.category is DiscreteDataWarning]
    assert len(discrete) == 1
    text = str(discrete[0].message)
    assert message in text
    assert "Dequantising" in text and "mutual_info_classif" in text
    assert discrete[0].filename == __file__


def test_discrete_warning_can_be_silenced(wide):
    """The documented filter silences it, and nothing else is raised."""
    X, _ = wide
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DiscreteDataWarning)
        _fit(X, X[:, 0] > 0)


@pytest.mark.parametrize(
    "extra,columns",
    [
        (lambda X: X[:, :1], "Columns 0, 2 of X"),  # duplicated
        (lambda X: X[:, 0] - 3 * X[:, 1], "Columns 0, 1, 2 of X"),  # collinear
        (lambda X: X[:, 1] + 1e-5 * X[:, 0], "Columns 1, 2 of X"),  # nearly
    ],
)
def test_collinear_columns_of_x_warn(wide, extra, columns):
    X, y = wide
    record = _data_warnings(np.c_[X, extra(X)], y)
    assert [w.category for w in record] == [RankDeficientWarning]
    text = str(record[0].message)
    assert columns in text and "no joint density" in text
    assert record[0].filename == __file__


def test_collinear_columns_of_y_warn(wide):
    X, y = wide
    record = _data_warnings(X, np.c_[y, 2 * y + 1])
    assert [w.category for w in record] == [RankDeficientWarning]
    assert "Columns 0, 1 of y" in str(record[0].message)


def test_data_warnings_are_exported():
    for category in (DiscreteDataWarning, RankDeficientWarning):
        assert issubclass(category, DataWarning)
    assert issubclass(DataWarning, UserWarning)


# ------------------------------------------------------------------ bad parameters
INVALID = [
    (dict(variant="x"), "variant"),
    (dict(reference="normal"), "reference"),
    (dict(early_stopping="yes"), "early_stopping"),
    (dict(early_stopping="loss"), "early_stopping"),
    (dict(learning_rate_schedule="linear"), "learning_rate_schedule"),
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
    (dict(conditional_share=0.0), "conditional_share"),
    (dict(conditional_share=1.0), "conditional_share"),
    (dict(max_iter=0), "max_iter"),
    (dict(ema_decay=1.5), "ema_decay"),
    (dict(weight_decay=-0.1), "weight_decay"),
    (dict(n_iter_no_change=0), "n_iter_no_change"),
    (dict(n_estimation_passes=0), "n_estimation_passes"),
    (dict(n_networks=0), "n_networks"),
    (dict(compile="yes"), "compile"),
    (dict(stack_networks="yes"), "stack_networks"),
    (dict(device="banana"), "device"),
    (dict(n_threads=0), "n_threads"),
]


def test_every_parameter_has_a_rule():
    """The declarative table covers every constructor parameter but those checked
    elsewhere (device when resolved, conditioning_columns against X) or passed on
    (random_state to check_random_state, verbose as a level)."""
    elsewhere = {"device", "conditioning_columns", "random_state", "verbose"}
    assert set(PARAMETERS) == set(MINDEEstimator().get_params()) - elsewhere


@pytest.mark.parametrize("value", [1, 0, "True", None])
def test_boolean_choices_want_booleans(xy, value):
    """early_stopping accepts True and False, not 1, 0 or the string 'True'."""
    with pytest.raises(ValueError, match="early_stopping must be one of"):
        MINDEEstimator(**dict(TINY, early_stopping=value)).fit(*xy)


@pytest.mark.parametrize("params,name", INVALID, ids=[str(p) for p, _ in INVALID])
def test_invalid_parameters(xy, params, name):
    """Each out-of-range parameter raises a ValueError naming it, at fit time."""
    est = MINDEEstimator(**dict(TINY, **params))  # construction never validates
    with pytest.raises(ValueError, match=name):
        est.fit(*xy)


@pytest.mark.parametrize(
    "params,name",
    [
        (dict(hidden_dim="big"), "hidden_dim"),
        (dict(max_iter=2.5), "max_iter"),
        (dict(batch_size="large"), "batch_size"),
        (dict(weight_decay="strong"), "weight_decay"),
        (dict(n_networks="two"), "n_networks"),
    ],
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


def test_divergence_names_extreme_values():
    """When the standardised training data have extreme values, the error names the
    column and suggests a transform, besides the learning rate."""
    x = torch.zeros(100, 2)
    x[0, 1] = 50.0
    with pytest.raises(FloatingPointError) as info:
        check_finite(float("nan"), 7, 3e-3, x, torch.zeros(100, 1))
    text = str(info.value)
    assert "step 7" in text and "column 1 of X reaches 50" in text
    assert "normal_scores=True" in text and "learning_rate (now 0.003)" in text


def test_non_finite_estimate_names_the_likely_cause(xy, monkeypatch):
    """A non-finite estimate raises with the causes it can see, not a NaN."""
    summarise = sklearn_minde._fit.summarise

    def nan_estimates(*args, **kwargs):
        estimates, stds, entropies, entropies_std = summarise(*args, **kwargs)
        return dict.fromkeys(estimates, np.nan), stds, entropies, entropies_std

    monkeypatch.setattr(sklearn_minde._fit, "summarise", nan_estimates)
    with pytest.raises(FloatingPointError, match="no extreme values.*") as info:
        _fit(*xy)
    assert "learning_rate (now 0.003)" in str(info.value)


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
@pytest.mark.parametrize(
    "method", ["estimate", "estimate_samples", "score", "score_samples"]
)
def test_new_data_with_other_x_columns(fitted, xy, method):
    X, y = xy
    with pytest.raises(ValueError, match="features"):
        getattr(fitted, method)(X[:, :1], y)


@pytest.mark.parametrize("method", ["estimate", "estimate_samples", "score"])
def test_new_data_with_other_y_columns(fitted, xy, method):
    """y with another number of columns than in fit is a ValueError."""
    X, y = xy
    with pytest.raises(ValueError, match="y"):
        getattr(fitted, method)(X, np.c_[y, y])


@pytest.mark.parametrize("method", ["estimate", "estimate_samples", "score"])
def test_new_data_is_validated(fitted, xy, method):
    """estimate, estimate_samples and score validate their input like fit."""
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


@pytest.mark.parametrize(
    "method", ["estimate", "estimate_samples", "score", "score_samples"]
)
def test_not_fitted(xy, method):
    with pytest.raises(NotFittedError):
        getattr(MINDEEstimator(**TINY), method)(*xy)


def test_too_few_rows_for_the_folds():
    X = np.random.default_rng(0).normal(size=(7, 2))
    with pytest.raises(ValueError, match=r"Found 7 samples: n_folds=4 needs at least"):
        MINDEEstimator(**dict(TINY, n_folds=4)).fit(X, X[:, 0])
