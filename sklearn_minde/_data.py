"""What the data allow: exact standardisation, and checks that name what is wrong.

Data flow: validated float arrays in; column means and scales out, with a
``ValueError`` for what cannot be estimated and a :class:`DataWarning` for what can
only be estimated poorly. Nothing here reads or writes an estimator.
"""

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import digamma
from sklearn.preprocessing import QuantileTransformer

from ._runtime import warn

#: The coarsest step, as a share of a column's standard deviation, at which its
#: floating-point values may be resolved (the diffusion's smallest noise is about
#: 1e-2 of it); coarser columns are refused.
RESOLUTION = 1e-3

#: Whole-number columns spanning fewer units than this look discrete (labels,
#: booleans, small counts), however few their rows.
FEW_LEVELS = 10

#: Columns are collinear when some combination of them, standardised, spreads less
#: than this share of the widest combination.
COLLINEAR = 1e-3

#: A column is heavy-tailed when its middle half spans less than this share of its
#: standard deviation: a few extreme values then set the scale, and the other rows lie
#: below the diffusion's smallest noise (:func:`column_shapes`).
HEAVY_TAIL_SPREAD = 0.1

#: A column has a sharp peak when the central tenth of its rows spans less than this
#: share of its middle half (0.19 for a normal column, 0.007 for a cubed one): most
#: rows then crowd a spot narrower than the diffusion's smallest noise
#: (:func:`column_shapes`).
SHARP_PEAK_SPREAD = 0.02

#: Fewer rows than this are not judged sharply peaked: the central tenth of a smaller
#: sample is a few spacings, which chance can make narrow.
SHARP_PEAK_ROWS = 100

#: Standardised training values farther than this many standard deviations from the
#: mean are reported as extreme when training diverges.
EXTREME = 10.0

SILENCE = (
    "Silence it with warnings.filterwarnings('ignore', category={}) (from "
    "sklearn_minde)."
)


class DataWarning(UserWarning):
    """Base class of the warnings of :meth:`MINDEEstimator.fit` about data it can
    only estimate poorly.

    Silence them all with ``warnings.filterwarnings("ignore", category=DataWarning)``.
    """


class DiscreteDataWarning(DataWarning):
    """Columns that look discrete: they have no density, so entropies over them are
    minus infinity and MINDE's MI is biased. See the user guide's limits page."""


class RankDeficientWarning(DataWarning):
    """Collinear columns: the variable has no joint density, so its entropies are
    minus infinity and MINDE's MI is unreliable. See the user guide's limits page."""


class HeavyTailWarning(DataWarning):
    """Columns so heavy-tailed that a few extreme values set their scale: fitted as
    they are, their MI reads low. ``normal_scores="auto"`` maps them to normal
    scores. See the user guide's limits page."""


class SharpPeakWarning(DataWarning):
    """Columns whose rows crowd a sharp peak (a cubed normal variable, say): fitted
    as they are, their MI reads low. ``normal_scores="auto"`` maps them to normal
    scores. See the user guide's limits page."""


def unit_magnitude(a):
    """Each column of ``a`` in float64, divided by the power of two just above its
    largest magnitude (exact), so that its moments neither overflow nor underflow.

    Returns
    -------
    b : ndarray of the shape of ``a``
    exponent : ndarray of int of shape (n_columns,)
        ``a = b * 2 ** exponent``.
    """
    exponent = np.frexp(np.abs(a).max(0))[1]
    return np.ldexp(a.astype(np.float64), -exponent), exponent


def maps_every_column(normal_scores):
    """Whether ``normal_scores`` asks for every column in normal scores (True, as
    opposed to False or "auto")."""
    return not isinstance(normal_scores, str) and bool(normal_scores)


def column_scaling(a, name):
    """Column means and standard deviations, exact over the whole floating range.

    Each column is divided by the power of two just above its largest magnitude
    before its moments are computed, so nothing overflows or underflows, and the
    results are those of ``a.mean(0)`` and ``a.std(0)`` in exact arithmetic (bit for
    bit for float64 data wherever these do not overflow).

    Parameters
    ----------
    a : ndarray of shape (n_samples, n_columns)
        Finite training rows.
    name : {"X", "y"}
        The array's name in messages.

    Returns
    -------
    mean, scale : ndarray of shape (n_columns,), float64
        Finite; ``scale`` is positive.

    Raises
    ------
    ValueError
        Naming the first constant column, or the first column whose values the
        floating-point format resolves more coarsely than :data:`RESOLUTION` of its
        standard deviation.
    """
    constant = np.flatnonzero(np.ptp(a, axis=0) == 0)
    if constant.size:
        raise ValueError(
            f"Column {constant[0]} of {name} is constant (zero variance): it has no "
            "density, so neither MI nor entropies are defined with it. Drop it (it "
            "carries no information about the other variable)."
        )
    magnitude = np.abs(a).max(0)
    b, exponent = unit_magnitude(a)
    mean, std = b.mean(0), b.std(0)
    step = np.ldexp(np.spacing(magnitude).astype(np.float64), -exponent) / std
    coarse = np.flatnonzero(step > RESOLUTION)
    if coarse.size:
        j = coarse[0]
        raise ValueError(
            f"Column {j} of {name} varies by only "
            f"{std[j] / np.abs(b[:, j]).max():.1e} of its magnitude: {a.dtype} "
            f"resolves its values only to {step[j]:.1e} of its standard deviation "
            f"(at most {RESOLUTION:g} is needed), so most of its digits are rounding. "
            "Subtract its offset where the data are still exact (before converting "
            "them to floating point), or drop the column."
        )
    return np.ldexp(mean, exponent), np.ldexp(std, exponent)


def standardise(a, mean, scale):
    """``(a - mean) / scale`` in float64, without overflow or underflow.

    Numerator and denominator are first divided by the power of two just above
    ``scale``, which is exact: the result equals the plain formula, bit for bit,
    wherever that formula does not overflow or underflow.
    """
    exponent = np.frexp(scale)[1]
    shifted = np.ldexp(a.astype(np.float64), -exponent) - np.ldexp(mean, -exponent)
    return shifted / np.ldexp(scale, -exponent)


def discrete_columns(a):
    """Columns that look discrete: few distinct values for the rows, or whole
    numbers in a narrow range (labels, booleans, small counts).

    Parameters
    ----------
    a : ndarray of shape (n_samples, n_columns)

    Returns
    -------
    columns : ndarray of int
        Columns with at most half as many distinct values as rows, or whose values
        are whole numbers spanning fewer than :data:`FEW_LEVELS` units.
    levels : ndarray of int of shape (n_columns,)
        Distinct values of every column.
    """
    levels = (np.diff(np.sort(a, axis=0), axis=0) != 0).sum(0) + 1
    whole = np.all(a == np.round(a), axis=0)
    few = (2 * levels <= len(a)) | (whole & (np.ptp(a, axis=0) < FEW_LEVELS))
    return np.flatnonzero(few), levels


def collinear_columns(z):
    """Columns in the (nearly) collinear combinations of standardised columns.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_columns)
        Standardised rows.

    Returns
    -------
    columns : ndarray of int
        Columns with a weight of at least a tenth of the largest in some combination
        whose spread is below :data:`COLLINEAR` of the widest; empty if none.
    ratio : float
        Spread of the narrowest combination over that of the widest.
    """
    values, vectors = np.linalg.eigh(z.T @ z / len(z))
    ratio = float(np.sqrt(max(values[0], 0.0) / values[-1]))
    weights = np.abs(vectors[:, values < COLLINEAR**2 * values[-1]])
    heavy = (weights >= 0.1 * weights.max(0, initial=0)).any(1)
    return np.flatnonzero(heavy), ratio


def scale_training_data(arrays, labels=()):
    """Scalings of the training rows of each variable, once its data are checked.

    Refuses what cannot be estimated (:func:`column_scaling`), and warns about what
    is estimated poorly: discrete-looking and collinear columns.

    Parameters
    ----------
    arrays : dict of str to ndarray of shape (n_train, n_columns)
        The training rows of each variable, by name (``"X"``, ``"y"``).
    labels : tuple of str, default=()
        The variables that are a class label's dummy code: discrete by design,
        so not warned about.

    Returns
    -------
    dict of str to (ndarray, ndarray)
        The ``(mean, scale)`` of each variable's columns.
    """
    scalings = {name: column_scaling(a, name) for name, a in arrays.items()}
    for name, a in arrays.items():
        if name not in labels:
            warn_if_discrete(a, name)
        warn_if_collinear(standardise(a, *scalings[name]), name)
    return scalings


def _warn(message, category):
    """Warn from the caller of ``MINDEEstimator.fit``, saying how to silence it."""
    warn(f"{message} {SILENCE.format(category.__name__)}", category)


def warn_if_discrete(a, name):
    """Warn, with a :class:`DiscreteDataWarning`, about the columns of ``a`` that look
    discrete (see :func:`discrete_columns`)."""
    columns, levels = discrete_columns(a)
    if not columns.size:
        return
    many = columns.size > 1
    _warn(
        f"Column{'s' * many} {', '.join(map(str, columns))} of {name} "
        f"look{'s' * (not many)} discrete: {', '.join(map(str, levels[columns]))} "
        f"distinct values among {len(a)} training rows. A discrete variable has no "
        "density: its entropies are minus infinity, and MINDE's MI estimate is "
        "biased. Use an estimator for discrete data: "
        "discrete_y=True for a class label y (variant 'c'), "
        "sklearn.feature_selection.mutual_info_classif (a discrete y), "
        "mutual_info_regression(..., discrete_features=...), or "
        "sklearn.metrics.mutual_info_score (both discrete). Dequantising integer "
        "columns (adding independent uniform noise on [0, 1)) leaves the MI "
        "unchanged and makes the entropies finite, but did not make MINDE's MI more "
        "accurate (see the user guide's limits page).",
        DiscreteDataWarning,
    )


def warn_if_collinear(z, name):
    """Warn, with a :class:`RankDeficientWarning`, when standardised columns ``z`` of
    the variable ``name`` are (nearly) collinear (see :func:`collinear_columns`)."""
    if z.shape[1] < 2:
        return
    columns, ratio = collinear_columns(z)
    if not columns.size:
        return
    why = (
        "no more rows than columns"
        if len(z) <= z.shape[1]
        else "duplicated, or a linear combination of others"
    )
    _warn(
        f"Columns {', '.join(map(str, columns))} of {name} are collinear on the "
        f"{len(z)} training rows ({why}): a combination of them spreads "
        f"{ratio:.1e} of the widest, below {COLLINEAR:g}. {name} then has no joint "
        "density, or one so close to a subspace that the network cannot resolve "
        f"it: the entropies of {name} are minus infinity, or nearly, and their "
        "estimates mean nothing. The MI is still defined (for exact collinearity "
        f"it is the MI of {name} without the redundant columns), but MINDE "
        "estimates it poorly. Drop or merge the redundant columns (e.g. with PCA) "
        "before fitting.",
        RankDeficientWarning,
    )


def largest_value(x, y):
    """The largest standardised magnitude and where it is.

    Parameters
    ----------
    x, y : torch.Tensor of shape (n_samples, d_x), (n_samples, d_y)
        Standardised training rows, on any device.

    Returns
    -------
    size : float
        In standard deviations from the column's mean.
    where : str
        Its column, e.g. ``"column 2 of X"``.
    """
    return max(
        (v, f"column {j} of {name}")
        for name, a in (("X", x), ("y", y))
        for j, v in enumerate(a.abs().amax(0).tolist())
    )


def divergence_causes(x, y, learning_rate):
    """The likely causes of a diverged fit that can be seen, for error messages:
    extreme standardised training values (beyond :data:`EXTREME`), and the learning
    rate.

    Parameters
    ----------
    x, y : torch.Tensor
        Standardised training rows (see :func:`largest_value`).
    learning_rate : float

    Returns
    -------
    str
    """
    size, where = largest_value(x, y)
    lower = f"learning_rate (now {learning_rate}) is too high for these data: lower it"
    if size > EXTREME:
        return (
            f"Likely causes: extreme values ({where} reaches {size:.3g} standard "
            "deviations from its mean: heavy tails or outliers; fit with "
            "normal_scores=True, or transform such columns first, e.g. with "
            f"numpy.arcsinh), or {lower}."
        )
    return (
        f"Likely cause: {lower} (the data have no extreme values: at most "
        f"{size:.3g} standard deviations from the mean)."
    )


def column_shapes(a):
    """Two scale-free statistics of each column's shape, from its quantiles.

    Parameters
    ----------
    a : ndarray of shape (n_samples, n_columns)

    Returns
    -------
    dict of str to ndarray of shape (n_columns,)
        ``"tails"``: the interquartile range over the standard deviation (1.35 for a
        normal column; below :data:`HEAVY_TAIL_SPREAD`, heavy-tailed). ``"peak"``:
        the central tenth (45th to 55th percentile) over the interquartile range
        (0.19 for a normal column; below :data:`SHARP_PEAK_SPREAD`, sharply peaked);
        infinite where the central tenth has no width (a tenth of the rows on one
        value is a point mass, which a map cannot spread) and below
        :data:`SHARP_PEAK_ROWS` rows.
    """
    b, _ = unit_magnitude(a)
    q25, q45, q55, q75 = np.percentile(b, [25, 45, 55, 75], axis=0)
    std, centre, middle = b.std(0), q55 - q45, q75 - q25
    inf = np.full_like(std, np.inf)
    return {
        "tails": np.divide(middle, std, out=inf.copy(), where=std > 0),
        "peak": np.divide(
            centre, middle, out=inf, where=(centre > 0) & (len(b) >= SHARP_PEAK_ROWS)
        ),
    }


#: Per shape of marginal that "auto" maps: its statistic in :func:`column_shapes`,
#: the threshold below which a column has it, the warning, and the warning's words.
_SHAPES = (
    (
        "tails",
        HEAVY_TAIL_SPREAD,
        HeavyTailWarning,
        "heavy-tailed: their middle half spans {:.1e} of their standard deviation "
        f"(below {HEAVY_TAIL_SPREAD:g}; 1.35 for a normal column), so a few extreme "
        "values set their scale and the network cannot resolve the other rows.",
    ),
    (
        "peak",
        SHARP_PEAK_SPREAD,
        SharpPeakWarning,
        "sharply peaked: the central tenth of their rows spans {:.1e} of their "
        f"middle half (below {SHARP_PEAK_SPREAD:g}; 0.19 for a normal column), so "
        "most rows crowd a spot the network cannot resolve.",
    ),
)


#: What the warnings of :func:`mapped_columns` say a map of MINDEEstimator's keeps.
KEEPS_MI = "the MI is unchanged, and score stays in the units of the data"
#: The same for a fit without y.
KEEPS_H = (
    "the entropy and score stay in the units of the data (they gain the map's "
    "log-Jacobian)"
)


def mapped_columns(a, normal_scores, name, keeps=KEEPS_MI):
    """The columns of ``a`` to map to normal scores: every one for True, none for
    False, for "auto" the heavy-tailed (with a :class:`HeavyTailWarning`) and the
    sharply peaked ones (with a :class:`SharpPeakWarning`; :func:`column_shapes`).

    Parameters
    ----------
    a : ndarray of shape (n_samples, n_columns)
    normal_scores : {"auto", True, False}
    name : str
        The array's name in the warnings.
    keeps : str, default=KEEPS_MI
        What the map leaves unchanged and what it costs, for the warnings.

    Returns
    -------
    ndarray of int
    """
    if not isinstance(normal_scores, str):
        return np.arange(a.shape[1] if maps_every_column(normal_scores) else 0)
    action = (
        f"They are mapped to normal scores before fitting (normal_scores='auto'): "
        f"{keeps}. Set normal_scores=False to fit them as they are."
    )
    mapped = np.zeros(a.shape[1], dtype=bool)
    shapes = column_shapes(a)
    for statistic, threshold, category, shape in _SHAPES:
        spread = shapes[statistic]
        columns = np.flatnonzero((spread < threshold) & ~mapped)
        if columns.size:
            _warn(
                f"Columns {', '.join(map(str, columns))} of {name} are "
                f"{shape.format(spread[columns].min())} {action}",
                category,
            )
            mapped[columns] = True
    return np.flatnonzero(mapped)


#: The order of the spacings of :func:`spacing_entropy`.
SPACING = 2


def spacing_entropy(a):
    """Differential entropy of each column of ``a`` by m-spacings, in nats.

    With the sorted values ``v_1 <= ... <= v_n`` and ``m =`` :data:`SPACING`: the
    mean of ``log(v_{i+m} - v_i)`` over ``i``, less that of uniform spacings on
    [0, 1], ``psi(m) - psi(n + 1)``. NaN where values tie (no density at the
    resolution the data were recorded at).

    Parameters
    ----------
    a : ndarray of shape (n_samples, n_columns)
        NaN with ``m`` rows or fewer.

    Returns
    -------
    ndarray of shape (n_columns,)
    """
    n, m = a.shape[0], SPACING
    if n <= m:
        return np.full(a.shape[1], np.nan)
    v = np.sort(np.asarray(a, dtype=np.float64), axis=0)
    spacings = v[m:] - v[:-m]
    tied = (spacings <= 0).any(0)
    log_spacing = np.log(np.where(spacings > 0, spacings, 1.0)).mean(0)
    return np.where(tied, np.nan, log_spacing - digamma(m) + digamma(n + 1))


@dataclass
class NormalScores:
    """Normal scores of some columns: ``columns`` mapped by ``transformer``, the
    others kept.

    Attributes
    ----------
    columns : ndarray of int
    transformer : sklearn.preprocessing.QuantileTransformer
        Fitted on those columns, with normal output and up to 1,000 quantiles.
    log_jacobian : ndarray of float of shape (n_columns,)
        Per mapped column, the mean ``log |dx / ds|`` of the map from the scores s
        back to the data x over the fitting rows: the column's entropy
        (:func:`spacing_entropy`) plus the mean log standard normal density of its
        scores. An entropy over the column gains it, as it gains the log scale of
        the standardisation.
    """

    columns: np.ndarray
    transformer: QuantileTransformer
    log_jacobian: np.ndarray

    @classmethod
    def fit(cls, a, columns):
        """Fit on the rows ``a`` (rows, all columns); None when ``columns`` is
        empty."""
        if not len(columns):
            return None
        transformer = QuantileTransformer(
            n_quantiles=min(1000, a.shape[0]),
            output_distribution="normal",
            subsample=None,
        )
        transformer.fit(a[:, columns])
        scores = transformer.transform(a[:, columns])
        log_density = -0.5 * (scores**2).mean(0) - 0.5 * np.log(2 * np.pi)
        log_jacobian = spacing_entropy(a[:, columns]) + log_density
        return cls(np.asarray(columns), transformer, log_jacobian)

    def transform(self, a):
        """``a`` with its ``columns`` mapped to normal scores (a copy)."""
        out = np.array(a, dtype=np.float64)
        out[:, self.columns] = self.transformer.transform(a[:, self.columns])
        return out

    def row_log_jacobian(self, a):
        """Per row of ``a`` and mapped column, ``log |dx / ds|`` of the map at the
        row's value: the log standard normal density of its score less the log
        slope of the map's piecewise-linear distribution function there (the
        density of a histogram of the fitting rows, one bin per pair of adjacent
        quantiles). Rows beyond the fitting rows' range take the outermost bin's
        slope.

        Parameters
        ----------
        a : ndarray of shape (n_samples, n_all_columns)

        Returns
        -------
        ndarray of shape (n_samples, len(columns))
        """
        values = np.asarray(a, dtype=np.float64)[:, self.columns]
        scores = self.transformer.transform(values)
        out = np.empty_like(values)
        references = self.transformer.references_
        for j, quantiles in enumerate(self.transformer.quantiles_.T):
            knots, slope = histogram_density(quantiles, references)
            bins = np.searchsorted(knots, values[:, j], side="right") - 1
            out[:, j] = -np.log(slope[np.clip(bins, 0, len(slope) - 1)])
        return out - 0.5 * scores**2 - 0.5 * np.log(2 * np.pi)


def histogram_density(quantiles, references):
    """The knots of a piecewise-linear distribution function through
    ``(quantiles, references)`` and its slope between them.

    Tied quantiles (a value that many rows share) are one knot, at the middle of
    their references, as scikit-learn's QuantileTransformer interpolates them.

    Parameters
    ----------
    quantiles, references : ndarray of shape (n_quantiles,)
        Sorted values and their cumulative probabilities.

    Returns
    -------
    knots : ndarray of shape (n_knots,)
    slope : ndarray of shape (n_knots - 1,)
    """
    knots, first, counts = np.unique(quantiles, return_index=True, return_counts=True)
    middle = 0.5 * (references[first] + references[first + counts - 1])
    return knots, np.diff(middle) / np.diff(knots)


def column_log_jacobian(scale, normal_scores):
    """Per column, the mean ``log |dx / du|`` of the map from the network's input u
    back to the data x, which an entropy over the column gains: the log of the
    standardisation's scale, plus :attr:`NormalScores.log_jacobian` where the
    column is in normal scores.

    Parameters
    ----------
    scale : ndarray of shape (n_columns,)
    normal_scores : NormalScores or None

    Returns
    -------
    ndarray of shape (n_columns,)
    """
    out = np.log(scale)
    if normal_scores is not None:
        out[normal_scores.columns] += normal_scores.log_jacobian
    return out


def row_log_jacobian(a, scale, normal_scores):
    """Per row and column of ``a``, ``log |dx / du|`` of the map from the network's
    input u back to the data x: the log of the standardisation's scale, plus
    :meth:`NormalScores.row_log_jacobian` where the column is in normal scores.

    Parameters
    ----------
    a : ndarray of shape (n_samples, n_columns)
    scale : ndarray of shape (n_columns,)
    normal_scores : NormalScores or None

    Returns
    -------
    ndarray of shape (n_samples, n_columns)
    """
    out = np.tile(np.log(scale), (len(a), 1))
    if normal_scores is not None:
        out[:, normal_scores.columns] += normal_scores.row_log_jacobian(a)
    return out


@dataclass
class Standardisation:
    """The map from a user's ``(X, y)`` to the network's standardised tensors.

    Normal scores of some columns (or none), then ``(a - mean) / scale`` with the
    statistics of the training rows, then Z split off X.

    Attributes
    ----------
    x_mean, x_scale : ndarray of shape (n_features,)
        Of X's columns, Z's included.
    y_mean, y_scale : ndarray of shape (n_targets,)
    z_columns : ndarray of int
        The positions of Z's columns in X (empty without a Z).
    x_normal_scores, y_normal_scores : NormalScores or None
        The maps to normal scores, or None where no column is mapped.
    """

    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: np.ndarray
    y_scale: np.ndarray
    z_columns: np.ndarray
    x_normal_scores: object = None
    y_normal_scores: object = None

    @classmethod
    def fit(cls, X, y, rows, z_columns, normal_scores, label_y=False):
        """Fit on the rows ``rows`` of ``(X, y)``, checking and warning about the
        data (:func:`scale_training_data`); y may have 0 columns (a fit without
        y). ``normal_scores`` ("auto", True or False) chooses the columns mapped
        to normal scores (:func:`mapped_columns`). A label's dummy code
        (``label_y``) is neither mapped nor warned about as discrete.

        Returns
        -------
        Standardisation
        """
        has_y = y.shape[1] > 0
        x_rows, y_rows = X[rows], y[rows]
        keeps = KEEPS_MI if has_y else KEEPS_H
        maps = [
            NormalScores.fit(x_rows, mapped_columns(x_rows, normal_scores, "X", keeps))
        ]
        y_columns = (
            () if label_y or not has_y else mapped_columns(y_rows, normal_scores, "y")
        )
        maps.append(NormalScores.fit(y_rows, y_columns))
        fitted = cls(None, None, None, None, z_columns, *maps)
        X, y = fitted.normal_scores(X, y)
        arrays = {"X": X[rows], "y": y[rows]} if y.shape[1] else {"X": X[rows]}
        scaling = scale_training_data(arrays, labels=("y",) if label_y else ())
        fitted.x_mean, fitted.x_scale = scaling["X"]
        fitted.y_mean, fitted.y_scale = scaling.get("y", (np.zeros(0), np.ones(0)))
        return fitted

    def normal_scores(self, X, y):
        """``(X, y)`` with the mapped columns in normal scores."""
        if self.x_normal_scores is not None:
            X = self.x_normal_scores.transform(X)
        if self.y_normal_scores is not None:
            y = self.y_normal_scores.transform(y)
        return X, y

    @property
    def maps_columns(self):
        """Whether some column is mapped to normal scores."""
        return self.x_normal_scores is not None or self.y_normal_scores is not None

    @property
    def x_columns(self):
        """The positions in X of the first variable's columns: all but Z's."""
        return np.delete(np.arange(len(self.x_scale)), self.z_columns)

    def tensors(self, X, y, device, normal_scores=True, dtype=torch.float32):
        """Tensors ``(x, y, z)`` of ``dtype`` on ``device`` (z with 0 columns
        without a Z); ``normal_scores=False`` for data already mapped."""
        if normal_scores:
            X, y = self.normal_scores(X, y)
        xs = standardise(X, self.x_mean, self.x_scale)
        ys = standardise(y, self.y_mean, self.y_scale)
        return tuple(
            torch.as_tensor(a, dtype=dtype, device=device)
            for a in (xs[:, self.x_columns], ys, xs[:, self.z_columns])
        )

    def log_scale(self, X, y):
        """Per row, ``log |det|`` of the map from the network's inputs back to the
        data, for X (without Z, which only conditions) and for y: the log column
        scales, plus :meth:`NormalScores.row_log_jacobian` of the mapped columns.
        A density of the network's inputs is one of the data less it.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples, n_targets)

        Returns
        -------
        dict of {"x", "y"} to ndarray of shape (n_samples,)
        """
        x = row_log_jacobian(X, self.x_scale, self.x_normal_scores)
        return {
            "x": x[:, self.x_columns].sum(1),
            "y": row_log_jacobian(y, self.y_scale, self.y_normal_scores).sum(1),
        }

    def entropy_log_jacobian(self):
        """What the maps from the data to the network's inputs add to the entropies
        of X (without Z) and of y: :meth:`log_scale` and the mean log-Jacobian of
        the normal scores (:func:`column_log_jacobian`)."""
        x = column_log_jacobian(self.x_scale, self.x_normal_scores)
        return {
            "x": x[self.x_columns].sum(),
            "y": column_log_jacobian(self.y_scale, self.y_normal_scores).sum(),
        }
