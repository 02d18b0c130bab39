"""Functions in scipy's style around :class:`MINDEEstimator`.

``mutual_information`` fits one estimator and returns a result object (estimate,
standard error, confidence interval), as ``scipy.stats.pearsonr`` does.
``mutual_info_regression`` and ``mutual_info_classif`` score every column of X
against y, one fit each, for ``SelectKBest`` and friends.
``pairwise_mutual_information`` fills the matrix of MI between every pair of
columns (or groups of columns), one fit per pair.

A class label y is read by variant "c" as its dummy code: y is never diffused
there, only fed clean to the conditional call or masked out, so
``I(X; Y) = H(X) - H(X | Y)`` holds for a discrete Y as for a continuous one.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.utils import (
    check_array,
    check_random_state,
)
from sklearn.utils.parallel import Parallel, delayed
from tqdm.auto import tqdm

from ._estimator import MINDEEstimator
from ._labels import check_variant_reads_labels, is_label
from ._results import InUnits, log_base, normal_interval
from ._validation import PARAMETERS, check_groups
from ._variants import variant_name


@dataclass(frozen=True)
class _Estimate(InUnits):
    """An estimate with its standard error, in the unit of ``base``."""

    estimate: float
    standard_error: float
    base: float | None = None
    estimator: MINDEEstimator = field(default=None, repr=False, compare=False)

    def confidence_interval(self, confidence_level=0.95):
        """Confidence interval from the normal approximation.

        ``estimate -/+ q * standard_error``, with ``q`` the standard normal quantile
        of ``(1 + confidence_level) / 2``. It covers the noise that the standard
        error measures (Monte Carlo, held-out and training rows), not a bias that
        every fit of the same estimator shares.

        Parameters
        ----------
        confidence_level : float, default=0.95
            In ``(0, 1)``.

        Returns
        -------
        ci : ConfidenceInterval
            A named tuple ``(low, high)``, in the unit of ``estimate``.
        """
        return normal_interval(self.estimate, self.standard_error, confidence_level)


@dataclass(frozen=True)
class MIResult(_Estimate):
    """Result of :func:`mutual_information`: an estimate and its standard error.

    Made by :func:`mutual_information`; each parameter is an attribute of the
    same name, frozen. ``unit`` names the unit and :meth:`confidence_interval`
    gives an interval (whose lower bound may be negative).

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

    classes: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class EntropyResult(_Estimate):
    """Result of :func:`entropy`: a differential entropy and its standard error.

    Made by :func:`entropy`; each parameter is an attribute of the same name,
    frozen. ``unit`` names the unit and :meth:`confidence_interval` gives an
    interval.

    Parameters
    ----------
    estimate : float
        The differential entropy ``H(X)`` (or ``H(X | Z)``) in the unit of
        ``base``, in the units of the data: it changes with their scale and may be
        negative.
    standard_error : float
        Its standard error, in the same unit (the fitted estimator's
        ``entropy_std_``, converted).
    base : float or None, default=None
        The base of the logarithm: None for natural logarithms (nats), 2 for bits.
    estimator : MINDEEstimator, default=None
        The estimator fitted on X alone. Its attributes stay in nats.

    Attributes
    ----------
    unit : str
        ``"nats"``, ``"bits"``, ``"hartleys"`` (base 10), or ``"log base b"``.
    """


@dataclass(frozen=True, eq=False)
class PairwiseMIResult(InUnits):
    """Result of :func:`pairwise_mutual_information`: a matrix of MI estimates.

    Made by :func:`pairwise_mutual_information`; each parameter is an attribute of
    the same name, frozen. Row and column ``i`` of each matrix stand for the
    variable ``labels[i]``, made of the columns ``groups[i]`` of X.

    Parameters
    ----------
    estimate : ndarray of shape (n_variables, n_variables)
        The MI between every two variables, in the unit of ``base``. Symmetric;
        the diagonal is NaN, since the MI of a continuous variable with itself is
        infinite.
    standard_error : ndarray of shape (n_variables, n_variables)
        The standard error of each estimate, in the same unit; NaN on the diagonal.
    base : float or None, default=None
        The base of the logarithm: None for natural logarithms (nats), 2 for bits.
    labels : ndarray of shape (n_variables,), default=None
        The name of each variable: the group labels, the column names of a
        DataFrame, or the positions of the columns or groups.
    groups : tuple of ndarray, default=None
        The columns of X that make each variable.

    Attributes
    ----------
    unit : str
        ``"nats"``, ``"bits"``, ``"hartleys"`` (base 10), or ``"log base b"``.
    """

    estimate: np.ndarray
    standard_error: np.ndarray
    base: float | None = None
    labels: np.ndarray | None = field(default=None, repr=False)
    groups: tuple | None = field(default=None, repr=False)

    def confidence_interval(self, confidence_level=0.95):
        """Confidence intervals of every entry from the normal approximation.

        ``estimate -/+ q * standard_error`` entry by entry, with ``q`` the standard
        normal quantile of ``(1 + confidence_level) / 2``: an interval for each
        pair on its own, not a joint one for the whole matrix. It covers the noise
        that the standard error measures, not a bias that every fit shares; a
        lower bound may be negative.

        Parameters
        ----------
        confidence_level : float, default=0.95
            In ``(0, 1)``.

        Returns
        -------
        ci : ConfidenceInterval
            A named tuple ``(low, high)`` of two arrays shaped as ``estimate``, in
            its unit, NaN on the diagonal.
        """
        return normal_interval(self.estimate, self.standard_error, confidence_level)

    def plot(self, ax=None):
        """Draw the matrix of estimates as a heatmap.

        Each cell shows the estimate and, for up to 10 variables, its value and
        standard error; the diagonal is left blank. Needs matplotlib.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            The axes to draw on; None for a new figure.

        Returns
        -------
        ax : matplotlib Axes
            The axes drawn on.

        Raises
        ------
        ImportError
            When matplotlib is not installed.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:
            raise ImportError(
                "PairwiseMIResult.plot needs matplotlib, an optional dependency: "
                "pip install matplotlib"
            ) from exc
        if ax is None:
            _, ax = plt.subplots()
        k = len(self.estimate)
        image = ax.imshow(self.estimate, cmap="viridis")
        ax.figure.colorbar(image, ax=ax, label=f"mutual information ({self.unit})")
        names = [
            str(name) for name in (range(k) if self.labels is None else self.labels)
        ]
        ax.set_xticks(range(k), labels=names, rotation=45, ha="right")
        ax.set_yticks(range(k), labels=names)
        if k <= 10:
            for i, j in zip(*np.triu_indices(k, 1), strict=True):
                for r, c in ((i, j), (j, i)):
                    value = self.estimate[r, c]
                    ax.text(
                        c,
                        r,
                        f"{value:.2f}\n±{self.standard_error[r, c]:.2f}",
                        ha="center",
                        va="center",
                        fontsize="small",
                        color="black" if image.norm(value) > 0.5 else "white",
                    )
        return ax


# ---------------------------------------------------------------------- checks
def _one_seed(random_state):
    """``random_state`` as one seed for every fit: an int or None as it is, a
    RandomState instance drawn once, so that each fit's numbers are the same
    whether it runs in this process or elsewhere."""
    if random_state is None or isinstance(random_state, int | np.integer):
        return random_state
    return int(check_random_state(random_state).randint(2**31 - 1))


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


def _read_y(y, discrete_y, estimator):
    """y as the estimator's input (a label as it is, for the estimator to code),
    with ``discrete_y`` set on the estimator; a label meeting variant "j" is
    refused here, where "auto" would read it as continuous there."""
    PARAMETERS["discrete_y"].check("discrete_y", discrete_y, {})
    label = is_label(y, discrete_y, "c")
    if label:
        check_variant_reads_labels(variant_name(estimator.get_params()["variant"]))
    estimator.set_params(discrete_y=bool(label))
    return np.asarray(y) if label else _as_2d(y, "y")


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
    scale = log_base(base)
    x = _as_2d(x, "x")
    z = None if z is None else _as_2d(z, "z")
    est = _configured(
        estimator,
        random_state,
        None if z is None else list(range(x.shape[1], x.shape[1] + z.shape[1])),
    )
    y = _read_y(y, discrete_y, est)
    _check_rows(x=x, y=y, z=z)
    est.fit(x if z is None else np.hstack([x, z]), y)
    return MIResult(
        est.mutual_information_ / scale,
        est.mutual_information_std_ / scale,
        base,
        est,
        getattr(est, "classes_", None),
    )


def entropy(x, *, z=None, base=None, estimator=None, random_state=None):
    """Differential entropy ``H(X)``, or ``H(X | Z)``, estimated by MINDE.

    Fits a clone of ``estimator`` on x alone (a density model of X; with z in
    extra columns, as its ``conditioning_columns``) and returns the entropy with
    its standard error, in the units of the data, in the style of
    :func:`scipy.stats.entropy`.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, d_x)
        The variable, continuous.
    z : array-like of shape (n_samples,) or (n_samples, d_z), default=None
        The conditioning variable, continuous; None for ``H(X)``.
    base : float or None, default=None
        The base of the logarithm: None for nats, 2 for bits.
    estimator : MINDEEstimator or None, default=None
        The configured estimator to clone; None for ``MINDEEstimator()``. Its
        ``variant`` does not apply (one density, of X), and its
        ``conditioning_columns`` is replaced: use ``z``.
    random_state : int, RandomState instance or None, default=None
        Set on the clone; None keeps the estimator's own ``random_state``.

    Returns
    -------
    result : EntropyResult
        ``estimate`` and ``standard_error`` in the unit of ``base``,
        ``confidence_interval()`` and the fitted ``estimator``.

    Raises
    ------
    ValueError
        When x and z do not have the same number of rows or hold non-finite
        values, or when ``base`` is not positive or is 1.

    See Also
    --------
    MINDEEstimator : ``fit(X)`` without y gives ``entropy_``.
    mutual_information : The MI of two variables.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minde import MINDEEstimator, entropy
    >>> x = np.random.default_rng(0).normal(size=(500, 2))
    >>> res = entropy(x, random_state=0, estimator=MINDEEstimator(max_iter=50))
    >>> res.unit
    'nats'
    """
    scale = log_base(base)
    x = _as_2d(x, "x")
    z = None if z is None else _as_2d(z, "z")
    _check_rows(x=x, z=z)
    columns = None if z is None else list(range(x.shape[1], x.shape[1] + z.shape[1]))
    est = _configured(estimator, random_state, columns)
    est.fit(x if z is None else np.hstack([x, z]))
    return EntropyResult(est.entropy_ / scale, est.entropy_std_ / scale, base, est)


def _column_mi(est, column, y):
    """The MI estimate, in nats, of one fit of ``est`` on a column against y."""
    return est.fit(column, y).mutual_information_


def _per_column(X, y, discrete_y, n_jobs, estimator, random_state, base):
    """One MI estimate per column of X against y, each its own fit."""
    scale = log_base(base)
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    est = _configured(estimator, _one_seed(random_state))
    y = _read_y(y, discrete_y, est)
    _check_rows(X=X, y=y)
    mi = Parallel(n_jobs=n_jobs)(
        delayed(_column_mi)(clone(est), X[:, [j]], y) for j in range(X.shape[1])
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
        Each fit uses ``estimator``'s ``n_threads`` torch threads. Each worker
        process first imports torch (a few seconds), so more jobs pay off when
        the fits take longer than that.
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


def _pair_mi(est, X, first, second):
    """The MI estimate and its standard error, in nats, of one fit of ``est`` on
    the columns ``first`` of X as X against the columns ``second`` as y."""
    est.fit(X[:, first], X[:, second])
    return est.mutual_information_, est.mutual_information_std_


def pairwise_mutual_information(
    X,
    *,
    groups=None,
    n_jobs=None,
    base=None,
    estimator=None,
    random_state=None,
    verbose=0,
):
    """MI between every pair of columns of X, or of groups of columns, by MINDE.

    Fits a clone of ``estimator`` on every unordered pair of variables, one fit
    per pair, and returns the symmetric matrix of estimates with a matrix of
    standard errors. A variable is one column of X, or a group of columns read as
    one vector (a brain region's channels, a sector's stocks). Every variable is
    continuous.

    The conditional variant (``"c"``, the default) does not treat its two inputs
    alike: each pair is fitted once, with the variable of lower index as X and
    the other as y, and the matrix is filled symmetrically from that one fit. The
    variant is used as the estimator gives it.

    With k variables there are ``k (k - 1) / 2`` fits, so the cost grows with the
    square of the number of variables: a cheaper estimator (a smaller
    ``max_iter``) cuts the cost of each, and ``n_jobs`` spreads them over
    processes. :func:`joblib.parallel_config` chooses where they run, a Dask
    cluster included (``backend="dask"`` with a ``distributed.Client``). Given a
    ``random_state`` (here or on the estimator), every fit uses the same seed, so
    the numbers do not depend on where or in what order the fits ran.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data, continuous; one column per variable unless ``groups`` says
        otherwise.
    groups : list of lists of int, array-like of shape (n_features,) or None, \
            default=None
        How columns make variables: a list of lists of column indices (one list
        per variable), or one label per column (the columns sharing a label make
        one variable, in the sorted order of the labels). Every column belongs to
        exactly one group. None: each column is a variable.
    n_jobs : int or None, default=None
        Fits run at once, as in :class:`joblib.Parallel`: None is one unless a
        :func:`joblib.parallel_config` context says otherwise, -1 is all CPUs.
        Each fit uses ``estimator``'s ``n_threads`` torch threads. Each worker
        process first imports torch (a few seconds), so more jobs pay off when
        the fits take longer than that.
    base : float or None, default=None
        The base of the logarithm, as in :func:`scipy.stats.entropy`: None for
        nats, 2 for bits.
    estimator : MINDEEstimator or None, default=None
        The configured estimator to clone for every pair; None for
        ``MINDEEstimator()``. Pass one to change the cost per pair, the variant or
        the device. Its ``conditioning_columns`` is not used.
    random_state : int, RandomState instance or None, default=None
        Set on every clone (a RandomState instance draws one seed for them all);
        None keeps the estimator's own ``random_state``.
    verbose : int, default=0
        Above 0, a progress bar over the pairs.

    Returns
    -------
    result : PairwiseMIResult
        ``estimate`` and ``standard_error``, symmetric arrays of shape
        ``(n_variables, n_variables)`` in the unit of ``base`` with NaN on the
        diagonal, the ``labels`` and ``groups`` of the variables,
        ``confidence_interval()`` and ``plot()`` (a heatmap; needs matplotlib).

    Raises
    ------
    ValueError
        When X holds non-finite values, when there are fewer than two variables,
        when ``groups`` names a column X does not have, puts a column in two groups
        or leaves one out, or when ``base`` is not positive or is 1.

    See Also
    --------
    mutual_information : One MI between two vectors, with its standard error.
    mutual_info_regression : One MI per column of X against a target.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minde import MINDEEstimator, pairwise_mutual_information
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> X[:, 2] += X[:, 0]
    >>> res = pairwise_mutual_information(
    ...     X, random_state=0, estimator=MINDEEstimator(max_iter=50))
    >>> res.estimate.shape
    (3, 3)
    >>> low, high = res.confidence_interval()
    """
    scale = log_base(base)
    columns = getattr(X, "columns", None)
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    members, labels = check_groups(
        groups, X.shape[1], columns, needed_by="pairwise_mutual_information"
    )
    est = _configured(estimator, _one_seed(random_state)).set_params(discrete_y=False)
    pairs = list(zip(*np.triu_indices(len(members), 1), strict=True))
    tasks = (delayed(_pair_mi)(clone(est), X, members[i], members[j]) for i, j in pairs)
    # a generator moves the bar as the fits end; not every backend can make one
    try:
        parallel = Parallel(
            n_jobs=n_jobs, return_as="generator" if verbose > 0 else "list"
        )
    except ValueError:
        parallel = Parallel(n_jobs=n_jobs)
    estimate = np.full((len(members),) * 2, np.nan)
    standard_error = np.full_like(estimate, np.nan)
    with tqdm(
        total=len(pairs), disable=verbose <= 0, desc="MINDE pairs", unit="pair"
    ) as bar:
        for (i, j), (mi, std) in zip(pairs, parallel(tasks), strict=True):
            estimate[i, j] = estimate[j, i] = mi / scale
            standard_error[i, j] = standard_error[j, i] = std / scale
            bar.update()
    return PairwiseMIResult(estimate, standard_error, base, labels, members)
