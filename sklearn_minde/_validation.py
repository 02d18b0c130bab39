"""Checking what users pass: parameters, arrays and the split of the rows.

Errors name the parameter or the column and say what to pass instead.
"""

import itertools
import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_scalar, validate_data

from ._network import ACTIVATIONS
from ._variants import LONG_NAMES, VARIANTS


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
    y : array-like of shape (n_samples,) or (n_samples, n_targets), or None
    reset : bool
        True in ``fit`` (which needs 2 rows), False when scoring or estimating on
        new data (1 row will do).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        float64, or float32 if given so.
    y : ndarray of shape (n_samples, n_targets) or None
        Floating point, float32 only if both X and y fit in it exactly; None when
        given None.

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
    if y is None:
        X = validate_data(
            estimator,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
        )
        return X, None
    if np.ndim(y) == 2 and np.shape(y)[1] == 0:
        raise ValueError("y has 0 columns: it needs at least one variable.")
    X, y = validate_data(
        estimator,
        X,
        y,
        reset=reset,
        multi_output=True,
        y_numeric=True,
        dtype=[np.float64, np.float32],
        ensure_min_samples=2 if reset else 1,
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


#: What each parameter of MINDEEstimator may be, checked at fit time in this order
#: (``beta_max``'s lower bound is ``beta_min``). ``device`` is checked when it is
#: resolved, and ``conditioning_columns`` against X.
PARAMETERS = {
    "variant": Choice(tuple(VARIANTS) + tuple(LONG_NAMES)),
    "sigma": Number(Real, 0, closed="neither", specials=(None,)),
    "beta_min": Number(Real, 0, closed="neither"),
    "beta_max": Number(Real, "beta_min", closed="neither"),
    "t_eps": Number(Real, 0, 1, closed="neither"),
    "importance_sampling": Choice((True, False)),
    "normal_scores": Choice(("auto", True, False)),
    "discrete_y": Choice(("auto", True, False)),
    "reference": Choice(("standard", "gaussian")),
    "hidden_dim": Number(Integral, 1, specials=("auto",)),
    "n_blocks": Number(Integral, 0),
    "activation": Choice(tuple(sorted(ACTIVATIONS))),
    "learning_rate": Number(Real, 0, closed="neither", specials=("auto",)),
    "learning_rate_schedule": Choice(("constant", "cosine")),
    "batch_size": Number(Integral, 1, specials=("auto",)),
    "conditional_share": Number(Real, 0, 1, closed="neither"),
    "max_iter": Number(Integral, 1, specials=("auto",)),
    "ema_decay": Number(Real, 0, 1, closed="left"),
    "weight_decay": Number(Real, 0, specials=("auto",)),
    "validation_fraction": Number(Real, 0, 1, closed="neither"),
    "n_folds": Number(Integral, 2, specials=(None,)),
    "n_networks": Number(Integral, 1, specials=("auto",)),
    "early_stopping": Choice(("auto", "mi", True, False)),
    "n_iter_no_change": Number(Integral, 1),
    "n_estimation_passes": Number(Integral, 1, specials=("auto",)),
    "compile": Choice(("auto", True, False)),
    "stack_networks": Choice(("auto", True, False)),
    "n_threads": Number(Integral, 1, specials=(None,)),
}


def check_groups(groups, n_columns, columns=None, *, needed_by):
    """The columns of X in each variable, and the variables' labels.

    Parameters
    ----------
    groups : None, list of lists of int, or array-like of shape (n_columns,)
        None: each column its own variable. Lists of column indices: one list per
        variable. Labels: one per column, a variable per distinct label, in the
        order of the sorted labels.
    n_columns : int
    columns : array-like of shape (n_columns,), default=None
        The column names of X, the labels of the variables when ``groups`` is None.
    needed_by : str
        What needs the variables, for the error message.

    Returns
    -------
    members : tuple of ndarray of int
    labels : ndarray of shape (n_variables,)

    Raises
    ------
    ValueError
        When ``groups`` is neither a list of lists of column indices nor one label
        per column, names a column X does not have, puts a column in two groups or
        in none, or makes fewer than two variables.
    """
    if groups is None:
        members = [np.array([j]) for j in range(n_columns)]
        labels = np.arange(n_columns) if columns is None else np.asarray(columns)
    else:
        if isinstance(groups, str | bytes) or not hasattr(groups, "__len__"):
            raise ValueError(
                "groups must be None, a list of lists of column indices, or one "
                f"label per column of X; got {groups!r}."
            )
        items = list(groups)
        nested = [
            hasattr(g, "__iter__") and not isinstance(g, str | bytes) for g in items
        ]
        if not items:
            members, labels = [], np.arange(0)
        elif all(nested):
            members, labels = _index_groups(items, n_columns), np.arange(len(items))
        elif not any(nested):
            members, labels = _label_groups(items, n_columns)
        else:
            raise ValueError(
                "groups must be a list of lists of column indices, or one label per "
                "column of X, not a mix of both."
            )
    if len(members) < 2:
        raise ValueError(
            f"{needed_by} needs at least 2 variables; got {len(members)} (X has "
            f"{n_columns} feature(s)). Pass more columns, or "
            "groups that split them."
        )
    return tuple(members), labels


def _columns(indices):
    """``"column 3"`` or ``"columns 1, 2"``."""
    return f"column{'s' * (len(indices) > 1)} {', '.join(map(str, indices))}"


def _index_groups(items, n_columns):
    """Groups given as lists of column indices, checked to partition X's columns."""
    members = []
    for g in items:
        g = np.asarray(g)
        if g.ndim != 1 or g.size == 0 or g.dtype.kind not in "iu":
            raise ValueError(
                "Each group must be a non-empty list of integer column indices; got "
                f"{g.tolist()!r}."
            )
        missing = g[(g < 0) | (g >= n_columns)]
        if missing.size:
            raise ValueError(
                f"groups name {_columns(missing)}, but X has {n_columns} columns "
                f"(0 to {n_columns - 1})."
            )
        members.append(g.astype(np.intp))
    counts = np.bincount(np.concatenate(members), minlength=n_columns)
    if (counts > 1).any():
        twice = np.flatnonzero(counts > 1)
        raise ValueError(
            f"{_columns(twice).capitalize()} of X {'is' if len(twice) == 1 else 'are'} "
            "listed more than once in groups; groups must not overlap."
        )
    if (counts == 0).any():
        left = np.flatnonzero(counts == 0)
        raise ValueError(
            f"{_columns(left).capitalize()} of X {'is' if len(left) == 1 else 'are'} "
            "in no group: give every column a group, or pass only the columns to "
            "compare."
        )
    return members


def _label_groups(items, n_columns):
    """Groups given as one label per column: a group per distinct label, sorted."""
    if len(items) != n_columns:
        raise ValueError(
            f"groups given as labels need one label per column of X ({n_columns}); "
            f"got {len(items)}."
        )
    labels, codes = np.unique(np.asarray(items), return_inverse=True)
    return [np.flatnonzero(codes == i) for i in range(len(labels))], labels


def n_held_out(validation_fraction, n_samples):
    """Rows held out of training; at least 2 held out and 2 left to train on.

    Raises
    ------
    ValueError
        With the smallest number of rows that works, when ``n_samples`` is too few.
    """

    def split(n):
        n_val = math.ceil(validation_fraction * n)
        return n_val, n - n_val

    n_val, n_train = split(n_samples)
    if n_val < 2 or n_train < 2:
        f = validation_fraction
        start = max(4, int(1 / f) - 1, int(2 / (1 - f)) - 2)  # lower bounds
        minimum = next(n for n in itertools.count(start) if min(split(n)) >= 2)
        raise ValueError(
            f"Found {n_samples} samples: with validation_fraction="
            f"{validation_fraction}, at least {minimum} are needed to train on some "
            "rows and estimate on at least 2 held-out rows."
        )
    return n_val


def check_fold_count(n_folds, n_samples):
    """Refuse fewer than 2 rows per fold of cross-fitting."""
    if n_samples < 2 * n_folds:
        raise ValueError(
            f"Found {n_samples} samples: n_folds={n_folds} needs at least "
            f"{2 * n_folds}, so that every fold holds at least 2 rows."
        )


def check_new_y(y, n_targets):
    """Refuse a ``y`` given after ``fit`` with another number of columns."""
    if y.shape[1] != n_targets:
        raise ValueError(
            f"y has {y.shape[1]} columns, but MINDEEstimator was fitted on a y "
            f"with {n_targets}."
        )
