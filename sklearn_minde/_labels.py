"""A class label as y: when y is one, its dummy code, and the code of new rows.

MINDE-C never diffuses y: it feeds y clean to the conditional call and masks it in
the unconditional one, so ``I(X; Y) = H(X) - H(X | Y)`` holds for a discrete Y as
for a continuous one (the user guide's method page). A label enters as indicator
columns.
"""

import numpy as np
from sklearn.utils import assert_all_finite, column_or_1d
from sklearn.utils.multiclass import type_of_target


def is_label(y, discrete_y, variant):
    """Whether y is read as a class label.

    Parameters
    ----------
    y : array-like
    discrete_y : {"auto", True, False}
        "auto": when :func:`sklearn.utils.multiclass.type_of_target` says
        ``"binary"`` or ``"multiclass"``, with two classes or more and at least 2
        rows in each, for
        variant "c" only (variant "j" diffuses y and reads it as continuous).
    variant : {"c", "j"}
        The short name of the variant.

    Raises
    ------
    ValueError
        For ``discrete_y=True`` with variant "j".
    """
    if isinstance(discrete_y, str):  # "auto"
        if variant != "c":
            return False
        if np.asarray(y).dtype.kind in "fc":  # before type_of_target casts to int
            assert_all_finite(y, input_name="y")
        if type_of_target(y, input_name="y") not in ("binary", "multiclass"):
            return False
        counts = np.unique(column_or_1d(y, warn=False), return_counts=True)[1]
        return bool(len(counts) >= 2 and counts.min() >= 2)
    if discrete_y:
        check_variant_reads_labels(variant)
    return bool(discrete_y)


def check_variant_reads_labels(variant):
    """Refuse a class label y for any variant but "c" (short name).

    Raises
    ------
    ValueError
        For variant "j", which diffuses y.
    """
    if variant != "c":
        raise ValueError(
            "y is a class label, which variant='j' cannot read: the joint variant "
            "diffuses y, and a label has no density. Use variant='c' (the default), "
            "which feeds y clean, or discrete_y=False to read y as continuous."
        )


def dummy_code(y):
    """A class label as floating columns, and its sorted classes.

    One indicator column per class but the first (the first class is the row of
    zeros): the full one-hot code adds a column that is the sum of the others, a
    variable without a joint density.

    Returns
    -------
    codes : ndarray of shape (n_samples, n_classes - 1)
    classes : ndarray of shape (n_classes,)

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
    return _indicators(codes, len(classes)), classes


def encode(y, classes):
    """The dummy code of new labels ``y`` with the fitted ``classes``.

    Raises
    ------
    ValueError
        Naming a label that is not among ``classes``.
    """
    y = column_or_1d(y, warn=False)
    codes = np.searchsorted(classes, y)
    known = (codes < len(classes)) & (classes[np.minimum(codes, len(classes) - 1)] == y)
    if not known.all():
        raise ValueError(
            f"y holds {y[~known][0].tolist()!r}, which is not among the classes the "
            f"estimator was fitted on ({classes.tolist()})."
        )
    return _indicators(codes, len(classes))


def label_index(codes):
    """The class index of each row of a dummy code (0 for the row of zeros)."""
    return (codes @ np.arange(1, codes.shape[1] + 1)).astype(np.intp)


def _indicators(codes, n_classes):
    """Indicator columns of classes 1 to ``n_classes - 1``."""
    return (codes[:, None] == np.arange(1, n_classes)).astype(np.float64)


def check_every_class_trains(strata, splits, classes):
    """Refuse a split that leaves a class out of some network's training rows.

    Parameters
    ----------
    strata : ndarray of int, shape (n_samples,)
        The class index of each row (:func:`label_index`).
    splits : list of (ndarray, ndarray)
        The ``(train_rows, read_rows)`` of each member.
    classes : ndarray of shape (n_classes,)
        The sorted class labels, to name the class.

    Raises
    ------
    ValueError
        Naming the class and its number of rows.
    """
    k = len(classes)
    counts = np.bincount(strata, minlength=k)
    for train, _ in splits:
        missing = np.flatnonzero(np.bincount(strata[train], minlength=k) == 0)
        if missing.size:
            c = missing[0]
            raise ValueError(
                f"Class {classes[c].tolist()!r} of y has no row among the rows a "
                f"network trains on (it has {counts[c]} rows in all, which fell in "
                "the held-out rows): the estimate cannot read a class it never "
                "trained on. Give the class more rows, merge it with another, or "
                "hold out fewer rows."
            )
