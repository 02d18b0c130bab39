"""Plumbing kept apart from the maths: input validation, devices, seeds and progress."""

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.preprocessing import QuantileTransformer
from sklearn.utils.validation import check_scalar, validate_data
from tqdm.auto import tqdm

from ._warn import warn


@dataclass(frozen=True)
class Number:
    """A parameter that is a number of type ``kind`` in an interval.

    ``low`` may name another parameter, whose value is the bound. ``closed`` is
    :func:`sklearn.utils.validation.check_scalar`'s ``include_boundaries``. The
    values in ``specials`` (such as ``"auto"`` or None) are accepted as they are.
    """

    kind: type
    low: float | str | None = None
    high: float | None = None
    closed: str = "both"
    specials: tuple = ()

    def check(self, name, value, params):
        if any(
            value is s or (isinstance(value, str) and value == s) for s in self.specials
        ):
            return
        low = params[self.low] if isinstance(self.low, str) else self.low
        check_scalar(
            value,
            name,
            self.kind,
            min_val=low,
            max_val=self.high,
            include_boundaries=self.closed,
        )


@dataclass(frozen=True)
class Choice:
    """A parameter that is one of ``options`` (strings, or True and False)."""

    options: tuple

    def check(self, name, value, params):
        for option in self.options:
            if isinstance(option, bool):
                if isinstance(value, bool | np.bool_) and bool(value) == option:
                    return
            elif isinstance(value, str) and value == option:
                return
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, self.options))}; "
            f"got {value!r}."
        )


def check_parameters(params, table):
    """Check each parameter against its rule in ``table`` (name to :class:`Number`
    or :class:`Choice`), in the table's order; raise the first error, naming the
    parameter."""
    for name, rule in table.items():
        rule.check(name, params[name], params)


def validate_xy(estimator, X, y, reset):
    """Validate ``(X, y)`` the scikit-learn way and return float arrays, y 2-D.

    Parameters
    ----------
    estimator : MINDEEstimator
        Receives ``n_features_in_`` (and ``feature_names_in_``) when ``reset``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    reset : bool
        True in ``fit``, False when scoring or estimating on new data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        float64, or float32 if given so.
    y : ndarray of shape (n_samples, n_targets)
        Floating point, float32 only if both X and y fit in it exactly.

    Raises
    ------
    ValueError
        On sparse, complex, object, non-finite, 3-D or empty input, on mismatched row
        counts and on a ``y`` with zero columns.
    """
    if sp.issparse(X) or sp.issparse(y):
        raise ValueError(
            "MINDEEstimator does not accept sparse input: densities of continuous "
            "variables are estimated, so pass dense arrays (e.g. X.toarray())."
        )
    if y is not None and np.ndim(y) == 2 and np.shape(y)[1] == 0:
        raise ValueError("y has 0 columns: it needs at least one variable.")
    X, y = validate_data(
        estimator,
        X,
        y,
        reset=reset,
        multi_output=True,
        y_numeric=True,
        dtype=[np.float64, np.float32],
        ensure_min_samples=2,
    )
    y = np.asarray(y, dtype=np.result_type(X.dtype, y.dtype))  # no precision lost
    return X, y.reshape(-1, 1) if y.ndim == 1 else y


def conditioning_indices(columns, n_features, feature_names=None):
    """The columns of X that hold the conditioning variable Z, as indices.

    Parameters
    ----------
    columns : None, int, str, array-like of int, bool or str, or slice
        ``conditioning_columns`` as given: None for no Z; positions (negative ones
        count from the end), a boolean mask, a slice, or column names of a
        DataFrame.
    n_features : int
        Columns of X (Z included).
    feature_names : ndarray of str or None, default=None
        X's column names (``feature_names_in_``), for names in ``columns``.

    Returns
    -------
    ndarray of int of shape (d_z,)
        In the order given; empty for None.

    Raises
    ------
    ValueError
        When ``columns`` selects no column, a column twice, every column, or one
        that X does not have.
    """
    if columns is None:
        return np.arange(0)
    given = f"conditioning_columns={columns!r}"
    key = columns if isinstance(columns, slice) else np.asarray(columns)
    if not isinstance(key, slice) and key.size == 0:
        key = slice(0, 0)  # selects no column: refused below
    if not isinstance(key, slice) and key.dtype.kind in "US":
        names = [] if feature_names is None else list(feature_names)
        missing = [str(c) for c in key.ravel() if c not in names]
        if missing:
            raise ValueError(
                f"{given}: X has no column named {missing[0]!r} (its column names "
                f"are {names or 'unknown: X is not a DataFrame'})."
            )
        key = np.array([names.index(c) for c in key.ravel()])
    elif not isinstance(key, slice) and key.dtype.kind not in "iub":
        raise ValueError(
            f"{given}: give column positions (int), a boolean mask, a slice or "
            "column names."
        )
    try:
        indices = np.atleast_1d(np.arange(n_features)[key]).astype(int)
    except IndexError as exc:
        raise ValueError(
            f"{given} is out of range for X, which has {n_features} feature(s)."
        ) from exc
    if indices.size == 0:
        raise ValueError(
            f"{given} selects no column, so Z would have 0 columns. Pass "
            "conditioning_columns=None for the unconditional MI."
        )
    if np.unique(indices).size < indices.size:
        raise ValueError(f"{given} names a column of X more than once.")
    if indices.size == n_features:
        raise ValueError(
            f"{given} takes all {n_features} feature(s) of X: X needs at least one "
            "column besides the conditioning variable Z."
        )
    return indices


def fit_normal_scores(a):
    """A per-column map to normal scores fitted on ``a`` (rows, columns).

    Parameters
    ----------
    a : ndarray of shape (n_samples, n_columns)

    Returns
    -------
    sklearn.preprocessing.QuantileTransformer
        Fitted, with normal output and up to 1,000 quantiles.
    """
    return QuantileTransformer(
        n_quantiles=min(1000, a.shape[0]),
        output_distribution="normal",
        subsample=None,
    ).fit(a)


def resolve_device(device):
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a ``torch.device`` into a
    ``torch.device``, with a clear error where the device is missing."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device.") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} was asked for but CUDA is not available."
        )
    return device


def fitted_device(device):
    """The device a fitted model runs on: its own, or the CPU with a warning when the
    model was fitted on a GPU that this machine lacks (e.g. after unpickling)."""
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        warn(
            f"This model was fitted on {device} but CUDA is not available here: "
            "running it on the CPU.",
            RuntimeWarning,
        )
        return torch.device("cpu")
    return device


@contextmanager
def seeded_cpu_rng(seed):
    """Seed torch's CPU RNG inside the block; the user's global RNG is untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` torch CPU threads, then restore the caller's
    setting (``torch.set_num_threads`` is process-wide). None changes nothing."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def progress_bar(total, verbose):
    """A tqdm bar over training steps, shown only when ``verbose > 0``."""
    return tqdm(total=total, disable=verbose <= 0, desc="MINDE training", unit="step")
