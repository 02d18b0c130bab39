"""Functions in scipy's style around :class:`MINDEEstimator`.

``mutual_information`` fits one estimator and returns a result object (estimate,
standard error, confidence interval), as ``scipy.stats.pearsonr`` does.
``mutual_info_regression`` and ``mutual_info_classif`` score every column of X
against y, one fit each, for ``SelectKBest`` and friends.

A class label y is read by variant "c" as its dummy code: y is never diffused
there, only fed clean to the conditional call or masked out, so
``I(X; Y) = H(X) - H(X | Y)`` holds for a discrete Y as for a continuous one.
"""

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy.stats import norm
from sklearn.base import clone
from sklearn.utils import (
    assert_all_finite,
    check_array,
    check_random_state,
    column_or_1d,
)
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.parallel import Parallel, delayed

from ._data import DiscreteDataWarning
from ._estimator import MINDEEstimator

#: The start of the :class:`DiscreteDataWarning` message about y's columns; only
#: that warning is silenced for a class label, X's discrete columns still warn.
_Y_LOOKS_DISCRETE = r"Columns? [\d, ]+ of y looks? discrete"

#: The start of the estimator's error about a constant column of y: for a class
#: label, a class that fell entirely in the held-out rows.
_Y_CONSTANT = re.compile(r"Column (\d+) of y is constant")

#: Names of the units of the bases that have one.
_UNITS = {2.0: "bits", math.e: "nats", 10.0: "hartleys"}


class ConfidenceInterval(NamedTuple):
    """Lower and upper bound of a confidence interval."""

    low: float
    high: float


@dataclass(frozen=True)
class MIResult:
    """Result of :func:`mutual_information`: an estimate and its standard error.

    Made by :func:`mutual_information`; each parameter is an attribute of the
    same name, frozen. ``unit`` names the unit and :meth:`confidence_interval`
    gives an interval.

    Parameters
    ----------
    estimate : float
        The MI (or conditional MI) estimate, in the unit of ``base``.
    standard_error : float
        Its standard error, in the same unit (the fitted estimator's
        ``mutual_information_std_``, converted).
    base : float or None, default=None
        The base of the logarithm: None for natural logarithms (nats), 2 for bits.
    estimator : MINDEEstimator, default=None
        The fitted estimator. Its attributes stay in nats whatever ``base``.
    classes : ndarray or None, default=None
        The class labels y was read as, sorted; None when y was read as a
        continuous variable.

    Attributes
    ----------
    unit : str
        ``"nats"``, ``"bits"``, ``"hartleys"`` (base 10), or ``"log base b"``.
    """

    estimate: float
    standard_error: float
    base: float | None = None
    estimator: MINDEEstimator = field(default=None, repr=False, compare=False)
    classes: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def unit(self):
        """The unit of ``estimate``: ``"nats"``, ``"bits"``, ``"hartleys"``, or
        ``"log base b"`` for another base b."""
        base = math.e if self.base is None else float(self.base)
        return _UNITS[base] if base in _UNITS else f"log base {base:g}"

    def confidence_interval(self, confidence_level=0.95):
        """Confidence interval of the MI from the normal approximation.

        ``estimate -/+ q * standard_error``, with ``q`` the standard normal quantile
        of ``(1 + confidence_level) / 2``. It covers the noise that the standard
        error measures (Monte Carlo, held-out and training rows), not a bias that
        every fit of the same estimator shares; the lower bound may be negative.

        Parameters
        ----------
        confidence_level : float, default=0.95
            In ``(0, 1)``.

        Returns
        -------
        ci : ConfidenceInterval
            A named tuple ``(low, high)``, in the unit of ``estimate``.
        """
        if not (
            isinstance(confidence_level, int | float | np.floating)
            and not isinstance(confidence_level, bool)
            and 0 < confidence_level < 1
        ):
            raise ValueError(
                "confidence_level must be a number in (0, 1); got "
                f"{confidence_level!r}."
            )
        q = norm.ppf(0.5 + confidence_level / 2)
        half = q * self.standard_error
        return ConfidenceInterval(self.estimate - half, self.estimate + half)


# ---------------------------------------------------------------------- checks
def _log_base(base):
    """``log(base)``, the divisor from nats to the unit of ``base`` (1 for None)."""
    if base is None:
        return 1.0
    if (
        isinstance(base, bool)
        or not isinstance(base, int | float | np.integer | np.floating)
        or not math.isfinite(base)
        or base <= 0
        or base == 1
    ):
        raise ValueError(
            f"base must be None (nats) or a positive number other than 1, such as 2 "
            f"(bits); got {base!r}."
        )
    return math.log(base)


def _as_2d(a, name):
    """A finite float array of shape (n_samples, n_columns)."""
    a = check_array(
        a,
        ensure_2d=False,
        dtype=[np.float64, np.float32],
        ensure_min_samples=2,
        input_name=name,
    )
    return a.reshape(len(a), -1)


def _check_rows(**arrays):
    """Refuse arrays of different lengths, naming each length."""
    rows = {name: len(a) for name, a in arrays.items() if a is not None}
    if len(set(rows.values())) > 1:
        raise ValueError(f"{', '.join(rows)} need the same number of rows; got {rows}.")


def _is_label(y, discrete_y):
    """Whether y is read as a class label under ``discrete_y``."""
    if isinstance(discrete_y, str) and discrete_y == "auto":
        if np.asarray(y).dtype.kind in "fc":  # before type_of_target casts to int
            assert_all_finite(y, input_name="y")
        return type_of_target(y, input_name="y") in ("binary", "multiclass")
    if isinstance(discrete_y, bool | np.bool_):
        return bool(discrete_y)
    raise ValueError(f"discrete_y must be 'auto', True or False; got {discrete_y!r}.")


def _dummy_code(y):
    """A class label as floating columns, and its sorted classes.

    One indicator column per class but the first (the first class is the row of
    zeros): the full one-hot code adds a column that is the sum of the others, a
    variable without a joint density, which the estimator would warn about.

    Raises
    ------
    ValueError
        When y is not one column, holds non-finite numbers, has one class only or
        a class with fewer than two rows.
    """
    if np.ndim(y) == 2 and np.shape(y)[1] != 1:
        raise ValueError(
            f"A class label y must be one column; got {np.shape(y)[1]}. Pass "
            "discrete_y=False to read y as a continuous vector."
        )
    y = column_or_1d(y, warn=False)
    if y.dtype.kind in "fc":
        assert_all_finite(y, input_name="y")
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"y has one class ({classes[0].tolist()!r}): the MI with a constant "
            "is 0 and there is nothing to estimate."
        )
    if counts.min() < 2:
        rare = classes[np.argmin(counts)].tolist()
        raise ValueError(
            f"Class {rare!r} of y has a single row; every class needs at least 2 "
            f"(y has {len(classes)} distinct values in {len(y)} rows). If y is a "
            "continuous variable, pass discrete_y=False."
        )
    dummies = (codes[:, None] == np.arange(1, len(classes))).astype(np.float64)
    return dummies, classes


def _read_y(y, discrete_y, estimator):
    """y as the estimator's floating input, and its classes (None if continuous)."""
    if not _is_label(y, discrete_y):
        return _as_2d(y, "y"), None
    variant = estimator.get_params()["variant"]
    if variant in ("j", "joint"):
        raise ValueError(
            "y is a class label, which variant='j' cannot read: the joint variant "
            "diffuses y, and a label has no density. Use variant='c' (the default), "
            "which feeds y clean, or pass discrete_y=False to read y as continuous."
        )
    return _dummy_code(y)


def _configured(estimator, random_state, conditioning_columns=None):
    """A clone of ``estimator`` (None: the default one) with the conditioning
    columns set, and ``random_state`` when it is not None."""
    est = clone(MINDEEstimator() if estimator is None else estimator)
    if not isinstance(est, MINDEEstimator):
        raise TypeError(
            f"estimator must be a MINDEEstimator or None; got {type(estimator)!r}."
        )
    est.set_params(conditioning_columns=conditioning_columns)
    if random_state is not None:
        est.set_params(random_state=random_state)
    return est


def _fit(est, X, y, classes):
    """Fit ``est`` on ``(X, y)``; for a class label y (``classes`` not None),
    silence the discrete warning about y and name a class missing from the
    training rows."""
    with warnings.catch_warnings():
        if classes is not None:
            warnings.filterwarnings(
                "ignore", message=_Y_LOOKS_DISCRETE, category=DiscreteDataWarning
            )
        try:
            return est.fit(X, y)
        except ValueError as exc:
            missing = None if classes is None else _Y_CONSTANT.match(str(exc))
            if missing is None:
                raise
            label = classes[int(missing.group(1)) + 1].tolist()
            rows = int(y[:, int(missing.group(1))].sum())
            raise ValueError(
                f"Class {label!r} of y has no row among the rows a network trains "
                f"on (it has {rows} rows in all, which fell in the held-out rows): "
                "the estimate cannot read a class it never trained on. Give the "
                "class more rows, merge it with another, or fit with another "
                "random_state."
            ) from exc


# ------------------------------------------------------------------- functions
def mutual_information(
    x,
    y,
    *,
    z=None,
    discrete_y="auto",
    base=None,
    estimator=None,
    random_state=None,
):
    """Mutual information ``I(X; Y)``, or ``I(X; Y | Z)``, estimated by MINDE.

    Fits a clone of ``estimator`` on ``(x, y)`` (with z in extra columns of X, as
    its ``conditioning_columns``) and returns the estimate with its standard
    error, in the style of :func:`scipy.stats.pearsonr`.

    X is a continuous vector. Y is either a continuous vector or a class label:
    a label (any values, numbers or strings) enters as indicator columns that
    the conditional variant never diffuses, so the estimate is
    ``H(X) - H(X | Y)`` for the discrete Y, and the warning that the estimator
    gives about discrete-looking columns of y is not shown.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, d_x)
        The first variable, continuous.
    y : array-like of shape (n_samples,) or (n_samples, d_y)
        The second variable: continuous, or a class label (one column).
    z : array-like of shape (n_samples,) or (n_samples, d_z), default=None
        The conditioning variable, continuous; None for the unconditional MI.
    discrete_y : {"auto", True, False}, default="auto"
        Whether y is a class label. "auto": when
        :func:`sklearn.utils.multiclass.type_of_target` says ``"binary"`` or
        ``"multiclass"`` (two values, strings, or whole numbers). Set False for an
        integer-valued y that measures a quantity (a count with many levels); set
        True for a label stored as non-integral floats.
    base : float or None, default=None
        The base of the logarithm, as in :func:`scipy.stats.entropy`: None for
        nats, 2 for bits.
    estimator : MINDEEstimator or None, default=None
        The configured estimator to clone; None for ``MINDEEstimator()``. Pass one
        to change the cost, the variant (``"j"`` reads continuous y only) or the
        device. Its ``conditioning_columns`` is replaced: use ``z``.
    random_state : int, RandomState instance or None, default=None
        Set on the clone; None keeps the estimator's own ``random_state``.

    Returns
    -------
    result : MIResult
        ``estimate`` and ``standard_error`` in the unit of ``base``,
        ``confidence_interval()``, the fitted ``estimator`` and the ``classes`` of
        a class label.

    Raises
    ------
    ValueError
        When x, y and z do not have the same number of rows, hold non-finite
        values, when a class label has one class or a class with a single row,
        when a class label meets ``variant="j"``, or when ``base`` is not positive
        or is 1.

    See Also
    --------
    MINDEEstimator : The estimator, with every setting and the entropies.
    mutual_info_regression : One MI per column of X.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minde import MINDEEstimator, mutual_information
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500)
    >>> y = x + rng.normal(size=500)
    >>> res = mutual_information(x, y, base=2, random_state=0,
    ...                          estimator=MINDEEstimator(max_iter=50))
    >>> res.unit
    'bits'
    >>> low, high = res.confidence_interval(0.9)
    >>> bool(low <= res.estimate <= high)
    True
    """
    scale = _log_base(base)
    x = _as_2d(x, "x")
    z = None if z is None else _as_2d(z, "z")
    est = _configured(
        estimator,
        random_state,
        None if z is None else list(range(x.shape[1], x.shape[1] + z.shape[1])),
    )
    y, classes = _read_y(y, discrete_y, est)
    _check_rows(x=x, y=y, z=z)
    _fit(est, x if z is None else np.hstack([x, z]), y, classes)
    return MIResult(
        est.mutual_information_ / scale,
        est.mutual_information_std_ / scale,
        base,
        est,
        classes,
    )


def _column_mi(est, column, y, classes):
    """The MI estimate, in nats, of one fit of ``est`` on a column against y."""
    return _fit(est, column, y, classes).mutual_information_


def _per_column(X, y, discrete_y, n_jobs, estimator, random_state, base):
    """One MI estimate per column of X against y, each its own fit."""
    scale = _log_base(base)
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    if random_state is not None and not isinstance(random_state, int | np.integer):
        # one seed for every column, so each column's score is the same whether
        # the fits run in this process or elsewhere
        random_state = int(check_random_state(random_state).randint(2**31 - 1))
    est = _configured(estimator, random_state)
    y, classes = _read_y(y, discrete_y, est)
    _check_rows(X=X, y=y)
    mi = Parallel(n_jobs=n_jobs)(
        delayed(_column_mi)(clone(est), X[:, [j]], y, classes)
        for j in range(X.shape[1])
    )
    return np.asarray(mi, dtype=np.float64) / scale


def mutual_info_regression(
    X,
    y,
    *,
    discrete_y=False,
    n_jobs=None,
    estimator=None,
    random_state=None,
    base=None,
):
    """MI between each column of X and a continuous target y, estimated by MINDE.

    A counterpart of :func:`sklearn.feature_selection.mutual_info_regression`:
    one estimate per feature, each from its own fit of a clone of ``estimator``
    on that column against y. Use it as the score function of
    :class:`~sklearn.feature_selection.SelectKBest` or
    :class:`~sklearn.feature_selection.SelectPercentile`, with
    :func:`functools.partial` for its settings.

    Every feature costs one fit, so the time grows with the number of columns;
    ``n_jobs`` spreads the fits over processes, and
    :func:`joblib.parallel_config` chooses where they run (another backend, a
    cluster). Given a ``random_state`` (here or on the estimator), every fit uses
    the same seed, so a feature's score depends neither on the other columns nor
    on where it was computed.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The features, continuous.
    y : array-like of shape (n_samples,) or (n_samples, d_y)
        The target, continuous.
    discrete_y : {"auto", True, False}, default=False
        Whether y is a class label (see :func:`mutual_information`); True gives
        :func:`mutual_info_classif`.
    n_jobs : int or None, default=None
        Fits run at once, as in :class:`joblib.Parallel`: None is one unless a
        :func:`joblib.parallel_config` context says otherwise, -1 is all CPUs.
        Each fit uses ``estimator``'s ``n_threads`` torch threads.
    estimator : MINDEEstimator or None, default=None
        The configured estimator to clone for every feature; None for
        ``MINDEEstimator()``. A cheaper one (a smaller ``max_iter``) cuts the
        cost per feature; check on a sample that it ranks the features as the
        default one does.
    random_state : int, RandomState instance or None, default=None
        Set on every clone (a RandomState instance draws one seed for them all);
        None keeps the estimator's own ``random_state``.
    base : float or None, default=None
        The base of the logarithm: None for nats, 2 for bits.

    Returns
    -------
    mi : ndarray of shape (n_features,)
        The estimate for each feature, in the unit of ``base``. Unlike
        scikit-learn's function, estimates are not clipped at 0.

    Raises
    ------
    ValueError
        When X and y do not have the same number of rows, hold non-finite values,
        or when ``base`` is not positive or is 1.

    See Also
    --------
    mutual_info_classif : The same against a class label.
    mutual_information : One MI between two vectors, with its standard error.

    Examples
    --------
    >>> from functools import partial
    >>> from sklearn.feature_selection import SelectKBest
    >>> from sklearn_minde import MINDEEstimator, mutual_info_regression
    >>> score = partial(mutual_info_regression, random_state=0,
    ...                 estimator=MINDEEstimator(max_iter=50))
    >>> selector = SelectKBest(score_func=score, k=2)
    """
    return _per_column(X, y, discrete_y, n_jobs, estimator, random_state, base)


def mutual_info_classif(
    X,
    y,
    *,
    n_jobs=None,
    estimator=None,
    random_state=None,
    base=None,
):
    """MI between each column of X and a class label y, estimated by MINDE.

    A counterpart of :func:`sklearn.feature_selection.mutual_info_classif`: one
    estimate per feature, each from its own fit of a clone of ``estimator`` on
    that column against the label, read as ``H(X_j) - H(X_j | Y)``. For use in
    :class:`~sklearn.feature_selection.SelectKBest` with
    :func:`functools.partial` for its settings. The label may hold any values
    (numbers or strings); costs and parallelism are those of
    :func:`mutual_info_regression`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The features, continuous.
    y : array-like of shape (n_samples,)
        The class label, with at least two classes and two rows in each.
    n_jobs : int or None, default=None
        Fits run at once, as in :class:`joblib.Parallel`.
    estimator : MINDEEstimator or None, default=None
        The configured estimator to clone for every feature; None for
        ``MINDEEstimator()``. Its variant must be ``"c"``.
    random_state : int, RandomState instance or None, default=None
        Set on every clone; None keeps the estimator's own ``random_state``.
    base : float or None, default=None
        The base of the logarithm: None for nats, 2 for bits.

    Returns
    -------
    mi : ndarray of shape (n_features,)
        The estimate for each feature, in the unit of ``base``.

    Raises
    ------
    ValueError
        When X and y do not have the same number of rows, X holds non-finite
        values, y has one class or a class with a single row, the estimator's
        variant is ``"j"``, or ``base`` is not positive or is 1.

    See Also
    --------
    mutual_info_regression : The same against a continuous target.
    """
    return _per_column(X, y, True, n_jobs, estimator, random_state, base)
