"""Many variables: total correlation, dual total correlation and O-information.

For variables X_1..X_k, X_-i the others: TC = sum_i H(X_i) - H(X), DTC = H(X) -
sum_i H(X_i | X_-i), O = TC - DTC (positive: redundancy dominates, negative:
synergy) and its gradient O(X) - O(X_-i), on jointly Gaussian systems with a
closed-form truth (H(A) = 1/2 log det(2 pi e S_AA)). Two parts:

accuracy
    k = 3, 5 and 10 variables, each a block of 1 to 5 columns (:data:`SIZES`), in
    three systems (:func:`mixing_matrix`): **redundant** (one latent source in
    every column, O > 0), **synergistic** (k - 1 independent sources and a target,
    their noisy sum, O < 0) and **mixed** (the sources also share a latent
    source: redundancy and synergy together, O < 0 at k = 3 and 5, > 0 at k =
    10). Each comes again through invertible maps of its columns (cube on the
    even columns, sinh on the odd ones), which leave TC, DTC and O unchanged; a
    mapped system and its Gaussian one share the Gaussian draw of each seed.
    ``--transforms t3`` adds (or, alone, runs) each system's Student-t version
    with three degrees of freedom: the Gaussian draw over a scale shared by the
    row's columns, heavy tails and a dependence through that scale, with its own
    closed form (:func:`student_entropy_function`).
    Estimators, on the same standardised samples: MINDE-O
    (:class:`sklearn_minde.OInformationEstimator` with its defaults: the gradient
    up to 5 variables, since at 10 its ``(k + 1)^2`` network calls would be 121),
    the Gaussian plug-in (log-determinants of the sample covariance: exact in the
    limit on the Gaussian systems, wrong under the maps) and kNN, a KSG-type
    nearest-neighbour estimator (:func:`knn_entropy_function`). The gradient is
    estimated up to :data:`GRADIENT_MAX_VARIABLES` variables.
cost
    One shared training against separate fits, side by side in one run, on the
    first seed: MINDE-O with ``gradient=False`` (its ``2 k + 1`` network calls)
    against the ``2 k + 1`` fits of :class:`sklearn_minde.MINDEEstimator` on X
    alone that give the same terms (H(X), each H(X_i), and each H(X_i | X_-i) with
    X_-i as ``conditioning_columns``), at k = 3 and 5 and n = 5,000. This part
    runs its jobs one at a time whatever ``--n-jobs``, so that the timings are not
    shared with other jobs.

Every estimate is one job of one resumable ``results.jsonl`` (the suite's runner:
kill the run and start it again to resume). ``--quick`` shrinks everything (300
rows, k = 3 and 10, a tiny MINDE) for the tests.

    python -m benchmarks.multivariate --seeds 0 1 2 --n 5000 20000 --n-jobs 2 \\
        --out benchmarks/results/multivariate

Writes to ``--out``, per part: ``<part>.csv`` (one row per estimate of TC, DTC and
O), ``<part>.md`` (the figures next to issue 29's targets) and ``<part>.png``.
"""

import zlib
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache, cached_property
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from scipy.special import digamma, gammaln

from benchmarks.suite.adapters import select_adapters
from benchmarks.suite.cli import add_execution_arguments, failure_note, run_parts
from benchmarks.suite.params import parse_params
from benchmarks.suite.report import estimator_table, mean_sd_cells, panel_grid
from benchmarks.suite.runner import Job, environment
from benchmarks.suite.tasks import standardise
from benchmarks.uses import Reading, UseAdapter, succeeded, time_ratios
from sklearn_minde import MINDEEstimator, OInformationEstimator

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

STUDY = "multivariate"

# -- Closed forms ---------------------------------------------------------------------

#: The three measures every estimator returns, with the short names of the reports.
QUANTITIES = {
    "total_correlation": "TC",
    "dual_total_correlation": "DTC",
    "o_information": "O",
}
GRADIENT = "o_information_gradient"


def block_columns(groups, variables):
    """The columns of the variables ``variables``, side by side.

    Parameters
    ----------
    groups : list of list of int
        The columns of each variable.
    variables : tuple of int

    Returns
    -------
    list of int
    """
    return [c for i in variables for c in groups[i]]


def others(variables, i):
    """``variables`` without the variable ``i``."""
    return tuple(j for j in variables if j != i)


def correlations(entropy, variables):
    """TC and DTC of the variables ``variables`` from their block entropies.

    ``TC = sum_i H(X_i) - H(X)`` and ``DTC = H(X) - sum_i H(X_i | X_-i) = sum_i
    H(X_-i) - (m - 1) H(X)`` over the m variables.

    Parameters
    ----------
    entropy : callable
        ``entropy(variables)``: the joint entropy of a sorted tuple of variable
        indices, 0 for the empty tuple.
    variables : tuple of int

    Returns
    -------
    tc, dtc : float
    """
    joint = entropy(variables)
    tc = sum(entropy((i,)) for i in variables) - joint
    dtc = sum(entropy(others(variables, i)) for i in variables)
    return tc, dtc - (len(variables) - 1) * joint


def o_information(entropy, variables):
    """``O = TC - DTC`` of the variables ``variables`` (0 for one variable)."""
    tc, dtc = correlations(entropy, variables)
    return tc - dtc


def multivariate_measures(entropy, k, gradient):
    """TC, DTC, O and, with ``gradient``, ``O(X) - O(X_-i)`` of k variables.

    Parameters
    ----------
    entropy : callable
        As in :func:`correlations`.
    k : int
    gradient : bool

    Returns
    -------
    dict
        Floats under the keys of :data:`QUANTITIES`; with ``gradient`` a list of k
        floats under :data:`GRADIENT`.
    """
    everything = tuple(range(k))
    tc, dtc = correlations(entropy, everything)
    measures = {
        "total_correlation": float(tc),
        "dual_total_correlation": float(dtc),
        "o_information": float(tc - dtc),
    }
    if gradient:
        measures[GRADIENT] = [
            float(tc - dtc - o_information(entropy, others(everything, i)))
            for i in everything
        ]
    return measures


def block_entropy_function(matrix, groups, block_entropy):
    """``entropy(variables)`` for :func:`correlations`: ``block_entropy`` of the
    block of ``matrix`` on the variables' columns (0 for no variable).

    Parameters
    ----------
    matrix : ndarray of shape (d, d)
    groups : list of list of int
        The columns of each variable.
    block_entropy : callable
        Of a square block, in nats.
    """

    def entropy(variables):
        columns = block_columns(groups, variables)
        if not columns:
            return 0.0
        return float(block_entropy(matrix[np.ix_(columns, columns)]))

    return entropy


def gaussian_entropy_function(cov, groups):
    """The block entropies of ``N(mean, cov)``: ``H(A) = 1/2 log det(2 pi e
    cov_AA)``, in nats (:func:`block_entropy_function`)."""
    return block_entropy_function(
        cov, groups, lambda b: 0.5 * np.linalg.slogdet(2 * np.pi * np.e * b)[1]
    )


def student_entropy_function(dispersion, groups, df):
    """The block entropies of the multivariate Student-t with ``df`` degrees of
    freedom and dispersion ``dispersion``, in nats: for a block A of ``d``
    columns, ``H(A) = 1/2 log det S_AA + d/2 log(df pi) + log Gamma(df / 2) - log
    Gamma((df + d) / 2) + (df + d) / 2 (psi((df + d) / 2) - psi(df / 2))`` (each
    block is Student-t with the same ``df``; :func:`block_entropy_function`)."""

    def block_entropy(block):
        d = len(block)
        half = (df + d) / 2
        return (
            0.5 * np.linalg.slogdet(block)[1]
            + 0.5 * d * np.log(df * np.pi)
            + gammaln(df / 2)
            - gammaln(half)
            + half * (digamma(half) - digamma(df / 2))
        )

    return block_entropy_function(dispersion, groups, block_entropy)


# -- Systems --------------------------------------------------------------------------

#: Columns of each variable, for each number of variables k.
SIZES = {
    3: (1, 5, 2),
    5: (2, 1, 3, 1, 2),
    10: (1, 1, 2, 1, 1, 3, 1, 1, 2, 1),
}
SYSTEMS = ("redundant", "synergistic", "mixed")
#: Loading of every column on the source of the redundant system (noise 1).
REDUNDANT_LOADING = 1.2
#: Loading of every source column on the latent source of the mixed system.
MIXED_LOADING = 0.6
#: Variance of the target's noise, beside sources scaled to a sum of variance 1.
TARGET_NOISE = 0.25


def target_weights(sizes):
    """Column j of the target (the last variable) sums column ``j mod d_i`` of
    each source i.

    Returns
    -------
    ndarray of shape (sizes[-1], sum(sizes[:-1]))
    """
    starts = np.cumsum((0, *sizes[:-2]))
    weights = np.zeros((sizes[-1], sum(sizes[:-1])))
    for j in range(sizes[-1]):
        weights[j, starts + j % np.asarray(sizes[:-1])] = 1.0
    return weights


def mixing_matrix(system, sizes):
    """``M`` of the system's columns ``X = M z``, ``z`` independent standard
    normals: a latent source first, then one noise per column.

    - "redundant": every column is ``REDUNDANT_LOADING * S`` plus its noise.
    - "synergistic": the first k - 1 variables (the sources) are their own
      noise; the target's columns are :func:`target_weights` of the sources over
      ``sqrt(k - 1)`` plus a noise of variance :data:`TARGET_NOISE`.
    - "mixed": as "synergistic", the sources also loading ``MIXED_LOADING`` on S.

    Parameters
    ----------
    system : str
        One of :data:`SYSTEMS`.
    sizes : tuple of int

    Returns
    -------
    ndarray of shape (sum(sizes), 1 + sum(sizes))
    """
    d = sum(sizes)
    if system == "redundant":
        return np.hstack([np.full((d, 1), REDUNDANT_LOADING), np.eye(d)])
    loading = MIXED_LOADING if system == "mixed" else 0.0
    d_target = sizes[-1]
    d_sources = d - d_target
    sources = np.hstack(
        [
            np.full((d_sources, 1), loading),
            np.eye(d_sources, d),
        ]
    )
    target = target_weights(sizes) @ sources / np.sqrt(len(sizes) - 1)
    target[:, -d_target:] = np.sqrt(TARGET_NOISE) * np.eye(d_target)
    return np.vstack([sources, target])


@dataclass(frozen=True)
class GaussianSystem:
    """k jointly Gaussian variables of :data:`SIZES` columns, each column of unit
    variance.

    Parameters
    ----------
    system : str
        One of :data:`SYSTEMS` (:func:`mixing_matrix`).
    k : int
        A key of :data:`SIZES`.
    """

    system: str
    k: int

    @property
    def name(self):
        """E.g. "redundant-3"."""
        return f"{self.system}-{self.k}"

    @property
    def groups(self):
        """The columns of each variable."""
        ends = np.cumsum(SIZES[self.k])
        return [
            list(range(end - d, end))
            for end, d in zip(ends, SIZES[self.k], strict=True)
        ]

    @cached_property
    def covariance(self):
        """The correlation matrix of the columns, (d, d)."""
        mixing = mixing_matrix(self.system, SIZES[self.k])
        cov = mixing @ mixing.T
        scale = 1 / np.sqrt(np.diag(cov))
        return cov * np.outer(scale, scale)

    @cached_property
    def truth(self):
        """:func:`multivariate_measures` of the closed form, gradient included."""
        entropy = cache(gaussian_entropy_function(self.covariance, self.groups))
        return multivariate_measures(entropy, self.k, gradient=True)

    def sample(self, n, seed):
        """``n`` rows, (n, d), from a generator seeded with ``seed`` and the
        name."""
        rng = np.random.default_rng([seed, zlib.crc32(self.name.encode())])
        cholesky = np.linalg.cholesky(self.covariance)
        return rng.standard_normal((n, len(cholesky))) @ cholesky.T

    @cached_property
    def student_truth(self):
        """:func:`multivariate_measures` of the system's Student-t version (the
        covariance as its dispersion, :data:`STUDENT_DF` degrees of freedom)."""
        entropy = cache(
            student_entropy_function(self.covariance, self.groups, STUDENT_DF)
        )
        return multivariate_measures(entropy, self.k, gradient=True)

    def student_sample(self, n, seed):
        """``n`` rows of the Student-t version: :meth:`sample`'s rows, each over
        ``sqrt(W / df)`` for one ``W ~ chi2(df)`` per row (every column shares the
        row's scale: the variables depend through it as well)."""
        rng = np.random.default_rng([seed, zlib.crc32(f"{self.name}-t".encode())])
        scale = np.sqrt(rng.chisquare(STUDENT_DF, size=n) / STUDENT_DF)
        return self.sample(n, seed) / scale[:, None]


#: The invertible map of a system's columns: the name, and the map of each column
#: (cube on the even columns, sinh on the odd ones).
MAPPED = "cube-sinh"

#: Degrees of freedom of a system's Student-t version ...
STUDENT_DF = 3
#: ... and its name as a transform: heavy tails, and another truth.
STUDENT = f"t{STUDENT_DF}"
#: The versions of each system the accuracy part runs by default.
TRANSFORMS = ("none", MAPPED)


def cube_sinh(x):
    """Cube the even columns of ``x`` and take the sinh of the odd ones."""
    out = np.sinh(x)
    out[:, ::2] = x[:, ::2] ** 3
    return out


@dataclass(frozen=True)
class SystemSample:
    """What the estimators of this module read.

    Parameters
    ----------
    x : ndarray of shape (n, d)
        Standardised columns.
    groups : list of list of int
        The columns of each variable.
    """

    x: np.ndarray
    groups: list


@dataclass(frozen=True)
class SystemData:
    """One sample of one system, mapped or not: ``n_fit`` rows drawn with
    ``seed``, each column standardised.

    Parameters
    ----------
    part : str
    system : str
    k : int
    transform : str
        "none", :data:`MAPPED` (the same truth), or :data:`STUDENT` (the system's
        Student-t version, :meth:`GaussianSystem.student_sample`).
    seed : int
    n_fit : int
    """

    part: str
    system: str
    k: int
    transform: str
    seed: int
    n_fit: int

    @property
    def task(self):
        """E.g. "mixed-5", or "cube-sinh-mixed-5" for the mapped system."""
        name = GaussianSystem(self.system, self.k).name
        return name if self.transform == "none" else f"{self.transform}-{name}"

    def key(self):
        """The fields that identify the sample in the results file."""
        return asdict(self)

    def draw(self):
        """The sample and its facts.

        Returns
        -------
        sample : SystemSample
        info : dict
            ``task``, ``truth`` (:attr:`GaussianSystem.truth`, or
            :attr:`GaussianSystem.student_truth`), ``sizes`` and ``dim_x``.
        """
        base = GaussianSystem(self.system, self.k)
        x, truth = base.sample(self.n_fit, self.seed), base.truth
        if self.transform == MAPPED:
            x = cube_sinh(x)
        elif self.transform == STUDENT:
            x, truth = base.student_sample(self.n_fit, self.seed), base.student_truth
        info = dict(task=self.task, truth=truth, sizes=SIZES[self.k], dim_x=x.shape[1])
        return SystemSample(standardise(x), base.groups), info


# -- Estimators -----------------------------------------------------------------------

#: The plug-in and kNN estimators read the gradient up to this many variables, as
#: ``OInformationEstimator(gradient="auto")`` does.
GRADIENT_MAX_VARIABLES = 5

#: Neighbours of the kNN estimator (as the suite's KSG, benchmark-mi's with k = 10).
N_NEIGHBORS = 10


def knn_entropy_function(x, groups, n_neighbors=N_NEIGHBORS):
    """Kozachenko-Leonenko entropies of every block of variables, at the radius
    of each row's ``n_neighbors``-th neighbour in the joint space (KSG's trick).

    With the max-norm distance ``r_i`` of row i to its ``n_neighbors``-th
    neighbour over all columns, and ``m_i`` the rows other than i strictly within
    ``r_i`` on the columns of a block A, ``H(A) = psi(n) - mean psi(m_i + 1) +
    d_A mean log(2 r_i)``; over all columns ``m_i + 1 = n_neighbors``. The
    ``log r_i`` terms cancel in TC, DTC and O (each column enters as often with
    each sign), which leaves Kraskov et al.'s estimator of TC (their eq. 9) and
    its counterpart for DTC.

    Parameters
    ----------
    x : ndarray of shape (n, d)
        Continuous columns (ties would give a radius of 0).
    groups : list of list of int
        The columns of each variable.
    n_neighbors : int, default=N_NEIGHBORS

    Returns
    -------
    callable
        ``entropy(variables)`` for :func:`correlations`, cached.

    References
    ----------
    A. Kraskov, H. Stoegbauer, P. Grassberger, "Estimating mutual information",
    Physical Review E 69, 066138, 2004.
    """
    n, d = x.shape
    radius = cKDTree(x).query(x, k=n_neighbors + 1, p=np.inf)[0][:, -1]
    log_diameter = float(np.log(2 * radius).mean())
    inside = np.nextafter(radius, 0)  # strictly within the radius

    @cache
    def entropy(variables):
        columns = block_columns(groups, variables)
        if not columns:
            return 0.0
        if len(columns) == d:
            counts = n_neighbors
        else:
            block = x[:, columns]
            tree = cKDTree(block)
            # each count includes the row itself: m_i + 1
            counts = tree.query_ball_point(block, inside, p=np.inf, return_length=True)
        return float(
            digamma(n) - np.mean(digamma(counts)) + len(columns) * log_diameter
        )

    return entropy


def knn_measures(sample, seed):
    """The KSG-type estimate of :func:`knn_entropy_function` (``seed`` is not
    read: the estimator is deterministic)."""
    k = len(sample.groups)
    entropy = knn_entropy_function(sample.x, sample.groups)
    return Reading(multivariate_measures(entropy, k, k <= GRADIENT_MAX_VARIABLES))


def gaussian_measures(sample, seed):
    """The Gaussian plug-in: :func:`gaussian_entropy_function` of the sample
    covariance (``seed`` is not read)."""
    k = len(sample.groups)
    cov = np.cov(sample.x, rowvar=False)
    entropy = cache(gaussian_entropy_function(cov, sample.groups))
    return Reading(multivariate_measures(entropy, k, k <= GRADIENT_MAX_VARIABLES))


def minde_measures(sample, seed, **params):
    """:class:`sklearn_minde.OInformationEstimator`'s estimates and standard
    errors, the gradient where it was estimated."""
    est = OInformationEstimator(random_state=seed, **params)
    est.fit(sample.x, groups=sample.groups)
    names = [*QUANTITIES, GRADIENT] if est.gradient_ else list(QUANTITIES)
    values = {name: np.asarray(getattr(est, name + "_")).tolist() for name in names}
    errors = {name: np.asarray(getattr(est, name + "_std_")).tolist() for name in names}
    return Reading(values, errors, est.device_, int(est.n_iter_))


def separate_measures(sample, seed, **params):
    """TC, DTC and O from ``2 k + 1`` separate fits of
    :class:`sklearn_minde.MINDEEstimator` without y, one per entropy: H(X), each
    H(X_i), and each H(X_i | X_-i) (X_-i as ``conditioning_columns``).

    The standard errors add the fits' variances, as if their errors were
    independent (they share the rows). ``n_iter`` is the steps of all the fits.
    """
    x, groups = sample.x, sample.groups
    everything = list(range(x.shape[1]))
    fits = []

    def entropy(columns, conditioning=None):
        """The entropy of one fit and its variance."""
        est = MINDEEstimator(
            random_state=seed, conditioning_columns=conditioning, **params
        )
        fits.append(est.fit(x[:, columns]))
        return np.array([est.entropy_, est.entropy_std_**2])

    joint = entropy(everything)
    marginals = sum(entropy(g) for g in groups)
    conditionals = sum(
        entropy(everything, [c for c in everything if c not in g]) for g in groups
    )
    (h, var), (h_i, var_i), (h_c, var_c) = joint, marginals, conditionals
    values = {
        "total_correlation": float(h_i - h),  # sum_i H(X_i) - H(X)
        "dual_total_correlation": float(h - h_c),  # H(X) - sum_i H(X_i | X_-i)
        "o_information": float(h_i - 2 * h + h_c),
    }
    variances = {
        "total_correlation": var_i + var,
        "dual_total_correlation": var + var_c,
        "o_information": var_i + 4 * var + var_c,
    }
    errors = {name: float(np.sqrt(v)) for name, v in variances.items()}
    steps = sum(int(est.n_iter_) for est in fits)
    return Reading(values, errors, fits[0].device_, steps)


#: Names of the estimates: MINDE-O (OInformationEstimator, its defaults), the
#: Gaussian plug-in and the kNN estimator; in the cost part MINDE-O with
#: ``gradient=False`` and the separate MINDEEstimator fits.
MINDE = "MINDE-O"
GAUSSIAN = "Gaussian"
KNN = "kNN"
SHARED = "MINDE-O shared"
SEPARATE = "MINDE separate"

# -- Reports: accuracy ----------------------------------------------------------------

#: Relative error of TC and DTC within which a case counts as close.
WITHIN = 0.10
#: O counts as resolvable where |true O| exceeds this many MINDE standard errors.
SIGN_SE = 3
#: The sample size of issue 29's accuracy targets.
TARGET_N = 20000
CASE = ["system", "k", "transform", "n_fit"]


def verdict(checks):
    """The verdict on a target's checks (booleans): "met" when every one holds,
    "missed" when one fails, "not measured" for none."""
    checks = np.asarray(checks, dtype=bool)
    if checks.size == 0:
        return "not measured"
    return "met" if checks.all() else "missed"


def measure_frame(df):
    """One row per fit and quantity of :data:`QUANTITIES`.

    Parameters
    ----------
    df : DataFrame
        Rows of succeeded jobs, from the suite's ``records_to_frame``.

    Returns
    -------
    DataFrame
        Columns task, system, k, transform, n_fit, seed, estimator, quantity (TC,
        DTC or O), estimate, std_error (NaN where the estimator has none), truth,
        fit_s, n_iter (the steps, where known) and error.
    """
    rows = []
    for r in df.itertuples():
        errors = r.std_error if isinstance(r.std_error, dict) else {}
        for name, short in QUANTITIES.items():
            rows.append(
                dict(
                    task=r.task,
                    system=r.system,
                    k=r.k,
                    transform=r.transform,
                    n_fit=r.n_fit,
                    seed=r.seed,
                    estimator=r.estimator,
                    quantity=short,
                    estimate=r.estimate[name],
                    std_error=errors.get(name, np.nan),
                    truth=r.truth[name],
                    fit_s=r.fit_s,
                    n_iter=r.n_iter,
                )
            )
    frame = pd.DataFrame(rows)
    return frame.assign(error=frame.estimate - frame.truth)


def case_means(measures):
    """Per case, estimator and quantity: the seed mean, its sd, the truth and the
    relative error of the mean.

    Returns
    -------
    DataFrame
        The :data:`CASE` columns, estimator, quantity, truth, mean, sd, seeds,
        abs_error and rel_error.
    """
    means = (
        measures.groupby([*CASE, "estimator", "quantity"], sort=False)
        .agg(
            truth=("truth", "first"),
            mean=("estimate", "mean"),
            sd=("estimate", "std"),
            seeds=("estimate", "count"),
        )
        .reset_index()
    )
    error = means["mean"] - means.truth
    return means.assign(abs_error=error.abs(), rel_error=error / means.truth)


def gradient_errors(df):
    """Per fit with a gradient: the mean over the variables of |estimate - truth|.

    Returns
    -------
    DataFrame
        The :data:`CASE` columns, seed, estimator and gradient_mae.
    """
    rows = [
        dict(
            system=r.system,
            k=r.k,
            transform=r.transform,
            n_fit=r.n_fit,
            seed=r.seed,
            estimator=r.estimator,
            gradient_mae=float(
                np.mean(np.abs(np.subtract(r.estimate[GRADIENT], r.truth[GRADIENT])))
            ),
        )
        for r in df.itertuples()
        if GRADIENT in r.estimate
    ]
    return pd.DataFrame(rows, columns=[*CASE, "seed", "estimator", "gradient_mae"])


def target_n(measures):
    """:data:`TARGET_N` when the run has it, else its largest n."""
    sizes = set(measures.n_fit)
    return TARGET_N if TARGET_N in sizes else max(sizes)


def _case(r):
    """A case in words, e.g. "mixed-5 (cube-sinh)"."""
    mapped = "" if r.transform == "none" else f" ({r.transform})"
    return f"{r.system}-{r.k}{mapped}"


def closeness_target(means, estimator):
    """The cases at the target n whose TC and DTC seed means are both within
    :data:`WITHIN` of the truth.

    Returns
    -------
    checks : ndarray of bool
        One per case.
    misses : str
        The cases missed, with their relative errors.
    """
    own = means[means.estimator == estimator]
    if own.empty:
        return np.array([], dtype=bool), ""
    wide = own.pivot(index=CASE, columns="quantity", values="rel_error")
    close = (wide[["TC", "DTC"]].abs() <= WITHIN).all(axis=1)
    misses = "".join(
        f"; {_case(r)} (TC {r.TC:+.1%}, DTC {r.DTC:+.1%})"
        for r in wide[~close].reset_index().itertuples()
    )
    return close.to_numpy(), misses.replace("%", " %")


def sign_target(measures):
    """MINDE-O's fits whose |true O| exceeds :data:`SIGN_SE` of their standard
    errors, and whether each reads the sign of O.

    Returns
    -------
    checks : ndarray of bool
        One per such fit.
    misses : str
        The fits that read the wrong sign.
    """
    o = measures[(measures.estimator == MINDE) & (measures.quantity == "O")]
    resolvable = o[o.truth.abs() > SIGN_SE * o.std_error]
    right = np.sign(resolvable.estimate) == np.sign(resolvable.truth)
    misses = "".join(
        f"; {_case(r)}, seed {r.seed}: {r.estimate:+.3f} ± {r.std_error:.3f} "
        f"against {r.truth:+.3f}"
        for r in resolvable[~right].itertuples()
    )
    return right.to_numpy(), misses


def invariance_target(means):
    """On the mapped cases: whether MINDE-O's seed mean is nearer the truth than
    the plug-in's and kNN's, per quantity.

    Returns
    -------
    DataFrame
        One row per mapped case; a boolean column per quantity, and ``all``.
    """
    mapped = means[means["transform"] == MAPPED]
    wide = mapped.pivot(
        index=[*CASE, "quantity"], columns="estimator", values="abs_error"
    )
    rivals = [name for name in (GAUSSIAN, KNN) if name in wide]
    if MINDE not in wide or not rivals:
        return pd.DataFrame(columns=[*QUANTITIES.values(), "all"])
    nearer = wide[rivals].gt(wide[MINDE], axis=0).all(axis=1)
    table = nearer.unstack("quantity")[list(QUANTITIES.values())]
    return table.assign(all=table.all(axis=1))


def accuracy_targets(measures):
    """Issue 29's three targets for MINDE-O at :func:`target_n`, in words."""
    n = target_n(measures)
    at_n = measures[measures.n_fit == n]
    means = case_means(at_n)
    close, misses = closeness_target(means, MINDE)
    others_close = []
    for name in (GAUSSIAN, KNN):
        checks = closeness_target(means, name)[0]
        others_close.append(f"{name} {int(checks.sum())}/{checks.size}")
    right, sign_misses = sign_target(at_n)
    nearer = invariance_target(means)
    per_quantity = ", ".join(
        f"{q} {int(nearer[q].sum())}/{len(nearer)}" for q in QUANTITIES.values()
    )
    return [
        f"- TC and DTC within {100 * WITHIN:.0f} % of the truth (seed means, n = {n}): "
        f"{int(close.sum())}/{close.size} cases, {verdict(close)}{misses}. "
        f"For comparison: {', '.join(others_close) or 'no other estimator'}.",
        f"- The sign of O right on every fit whose |true O| exceeds {SIGN_SE} "
        f"standard errors (n = {n}): {int(right.sum())}/{right.size} fits, "
        f"{verdict(right)}{sign_misses}.",
        f"- Under the invertible maps, nearer the truth than the plug-in and kNN "
        f"(|seed mean - truth|, n = {n}): {int(nearer['all'].sum())}/{len(nearer)} "
        f"cases on all three of TC, DTC and O, {verdict(nearer['all'])}; "
        f"by quantity: {per_quantity}.",
    ]


def error_table(means):
    """Markdown table: one row per case, a column per estimator, each cell the
    relative errors of TC and DTC and the seed mean ± sd of O."""
    rows = [*CASE, "estimator"]
    wide = means.pivot(
        index=rows, columns="quantity", values=["rel_error", "mean", "sd", "truth"]
    ).reindex(pd.MultiIndex.from_frame(means[rows].drop_duplicates()))
    wide.columns = [f"{value}_{q}" for value, q in wide.columns]
    wide = wide.reset_index()
    o_cells = mean_sd_cells(wide.mean_O, wide.sd_O, "{:+.3f}", "{:.3f}")
    cells = (
        wide.rel_error_TC.map("TC {:+.1%}".format)
        + wide.rel_error_DTC.map(", DTC {:+.1%}".format)
        + ", O "
        + o_cells
    ).str.replace("%", " %")
    truth = (
        wide.truth_TC.map("{:.3f}".format)
        + wide.truth_DTC.map(" / {:.3f}".format)
        + wide.truth_O.map(" / {:+.3f}".format)
    )
    return estimator_table(
        wide, cells, CASE, {"true TC / DTC / O": truth}, ["system", "k", "map", "n"]
    )


def gradient_table(gradients, df):
    """Markdown table of the gradient's error: per case with a gradient, the
    seed mean ± sd of its mean absolute error per variable, after the true
    gradient."""
    table = (
        gradients.groupby([*CASE, "estimator"], sort=False)
        .gradient_mae.agg(["mean", "std"])
        .reset_index()
    )
    truth = df.groupby(["system", "k"]).truth.first()
    facts = {
        "true gradient": pd.Series(
            [
                " ".join(f"{g:+.2f}" for g in truth[(s, k)][GRADIENT])
                for s, k in zip(table.system, table.k, strict=True)
            ],
            index=table.index,
        )
    }
    cells = mean_sd_cells(table["mean"], table["std"], "{:.3f}")
    return estimator_table(table, cells, CASE, facts, ["system", "k", "map", "n"])


def time_table(measures):
    """Markdown table: median seconds per fit, per k and n, a column per
    estimator."""
    fits = measures.drop_duplicates(["task", "n_fit", "seed", "estimator"])
    table = fits.pivot_table(
        index=["k", "n_fit"], columns="estimator", values="fit_s", aggfunc="median"
    )
    table = table[list(dict.fromkeys(fits.estimator))]
    table = table.apply(lambda seconds: seconds.map("{:.1f}".format))
    return table.reset_index().to_markdown(index=False, disable_numparse=True)


def accuracy_text(df, header=""):
    """accuracy.md: the targets, then the tables."""
    ok = succeeded(df)
    measures = measure_frame(ok)
    gradients = gradient_errors(ok)
    parts = [
        header + failure_note(df) + "Targets of issue 29 (MINDE-O):",
        "",
        *accuracy_targets(measures),
        "",
        "Per case: relative error of the seed means of TC and DTC, and the seed "
        "mean ± sd of O (nats); the true values first. Maps: none (Gaussian) or "
        f"{MAPPED} (cube of the even columns, sinh of the odd ones: the same truth)"
        + (
            f"; {STUDENT}: the Student-t version ({STUDENT_DF} degrees of freedom, "
            "its own truth)."
            if STUDENT in set(measures["transform"])
            else "."
        ),
        "",
        error_table(case_means(measures)),
        "",
    ]
    if len(gradients):
        parts += [
            "Gradient O(X) - O(X_-i): mean over the variables of |estimate - "
            "truth|, seed mean ± sd (nats).",
            "",
            gradient_table(gradients, ok),
            "",
        ]
    parts += ["Median seconds per fit:", "", time_table(measures), ""]
    return "\n".join(parts)


def plot_accuracy(measures, path):
    """Seed-mean estimate ± sd against the truth: a panel per n and estimator,
    TC, DTC and O in colours, filled on the Gaussian systems, open under the
    maps, squares on the Student-t versions."""
    means = case_means(measures)
    sizes = sorted(set(means.n_fit))
    estimators = list(dict.fromkeys(means.estimator))
    colours = {q: f"C{i}" for i, q in enumerate(QUANTITIES.values())}
    fig, axes = panel_grid(
        len(sizes) * len(estimators), (4, 3.8), max_columns=len(estimators)
    )
    low = min(means.truth.min(), means["mean"].min(), 0) - 0.1
    high = max(means.truth.max(), means["mean"].max()) + 0.1
    for ax, (n, name) in zip(
        axes.flat, [(n, e) for n in sizes for e in estimators], strict=False
    ):
        own = means[(means.n_fit == n) & (means.estimator == name)]
        ax.plot([low, high], [low, high], color="black", linestyle="--", lw=1)
        for (q, transform), g in own.groupby(["quantity", "transform"], sort=False):
            ax.errorbar(
                g.truth,
                g["mean"],
                yerr=g.sd.fillna(0),
                fmt="s" if transform == STUDENT else "o",
                markersize=4,
                capsize=2,
                color=colours[q],
                markerfacecolor="white" if transform == MAPPED else colours[q],
            )
        ax.set(xlim=(low, high), ylim=(low, high), title=f"{name}, n = {n}")
        ax.set_xlabel("truth (nats)")
        ax.set_ylabel("estimate (nats)")
        ax.grid(alpha=0.3)
    handles = [
        Line2D([], [], color=c, marker="o", linestyle="") for q, c in colours.items()
    ]
    handles.append(
        Line2D([], [], color="gray", marker="o", markerfacecolor="white", linestyle="")
    )
    labels = [*colours, f"open: {MAPPED} maps"]
    if STUDENT in set(means["transform"]):
        handles.append(Line2D([], [], color="gray", marker="s", linestyle=""))
        labels.append(f"squares: Student-t, {STUDENT_DF} degrees of freedom")
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9)
    fig.suptitle("TC, DTC and O: seed mean ± sd against the truth", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def report_accuracy(df, out, header=""):
    """Write accuracy.csv, accuracy.md and accuracy.png to ``out``; return the
    text."""
    measures = measure_frame(succeeded(df))
    measures.to_csv(out / "accuracy.csv", index=False)
    plot_accuracy(measures, out / "accuracy.png")
    return accuracy_text(df, header)


# -- Reports: cost --------------------------------------------------------------------


def cost_table(measures):
    """Per case, a row for the truth and one for each way: TC, DTC and O (±
    standard error), seconds, steps, and the time ratio of the separate fits to
    the shared one, as text.

    Returns
    -------
    DataFrame
    """
    rows = []
    for (task, n), g in measures.groupby(["task", "n_fit"], sort=False):
        truth = g.drop_duplicates("quantity").set_index("quantity").truth
        rows.append({"case": task, "n": n, "estimate": "truth"})
        rows[-1].update({q: f"{truth[q]:+.3f}" for q in QUANTITIES.values()})
        seconds = g.groupby("estimator").fit_s.first()
        for name, own in g.groupby("estimator", sort=False):
            own = own.set_index("quantity")
            row = {"case": "", "n": "", "estimate": name}
            for q in QUANTITIES.values():
                row[q] = f"{own.estimate[q]:+.3f} ± {own.std_error[q]:.3f}"
            row["seconds"] = f"{seconds[name]:.1f}"
            row["steps"] = str(own.n_iter.iloc[0])
            if name == SEPARATE and SHARED in seconds:
                row["time ratio"] = f"{seconds[SEPARATE] / seconds[SHARED]:.2f}"
            rows.append(row)
    return pd.DataFrame(rows).fillna("")


def cost_text(df, header=""):
    """cost.md: the median time ratio per k, the table and what it means."""
    ok = succeeded(df)
    ratios = time_ratios(ok, SHARED)[ok.estimator == SEPARATE].groupby(ok.k).median()
    per_k = "; ".join(f"k = {k}: {r:.2f}" for k, r in ratios.dropna().items())
    return "\n".join(
        [
            header
            + failure_note(df)
            + f"Median time ratio of {SEPARATE} to {SHARED}: {per_k or 'no pair'}.",
            "",
            f"One shared training ({SHARED}: "
            "OInformationEstimator, gradient=False, its 2k + 1 network calls) "
            f"against separate fits ({SEPARATE}: 2k + 1 MINDEEstimator fits on X "
            "alone, one per entropy H(X), H(X_i), H(X_i | X_-i)), each with its "
            "defaults, timed one after the other in one process. Time ratio: "
            f"{SEPARATE}'s seconds over {SHARED}'s. The separate fits' standard "
            "errors add the fits' variances.",
            "",
            cost_table(measure_frame(ok)).to_markdown(
                index=False, disable_numparse=True
            ),
            "",
        ]
    )


def plot_cost(measures, path):
    """A panel per case: TC, DTC and O of each way ± 1.96 standard errors beside
    the truth, the time ratio in the title."""
    cases = list(dict.fromkeys(measures.task))
    fig, axes = panel_grid(len(cases), (4, 3.4))
    quantities = list(QUANTITIES.values())
    for ax, task in zip(axes.flat, cases, strict=False):
        frame = measures[measures.task == task]
        for j, name in enumerate((SHARED, SEPARATE)):
            own = (
                frame[frame.estimator == name].set_index("quantity").reindex(quantities)
            )
            ax.errorbar(
                np.arange(3) + (j - 0.5) * 0.3,
                own.estimate,
                yerr=1.96 * own.std_error.fillna(0),
                fmt="o",
                capsize=3,
                color=f"C{j}",
                label=name,
            )
        truth = frame.drop_duplicates("quantity").set_index("quantity").truth
        ax.scatter(range(3), truth[quantities], marker="_", s=400, color="black")
        seconds = frame.groupby("estimator").fit_s.first()
        ratio = (
            f", time ratio {seconds[SEPARATE] / seconds[SHARED]:.2f}"
            if {SHARED, SEPARATE} <= set(seconds.index)
            else ""
        )
        ax.set_xticks(range(3), quantities)
        ax.set_title(f"{task}{ratio}", fontsize=9)
        ax.axhline(0, color="gray", lw=0.5)
        ax.grid(alpha=0.3, axis="y")
    axes[0, 0].set_ylabel("nats (black: truth)")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def report_cost(df, out, header=""):
    """Write cost.csv, cost.md and cost.png to ``out``; return the text."""
    measures = measure_frame(succeeded(df))
    measures.to_csv(out / "cost.csv", index=False)
    plot_cost(measures, out / "cost.png")
    return cost_text(df, header)


# -- Parts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of the benchmark: its grid, estimators and report.

    Parameters
    ----------
    title : str
    adapters : tuple of UseAdapter
    report : callable
        ``report(df, out, header) -> str``: writes the part's files, returns its
        markdown.
    ks, sizes, transforms : tuple or None
        The part's own grid; None takes ``--k``, ``--n`` and ``--transforms``.
    first_seed : bool, default=False
        Runs on the first of ``--seeds`` only.
    serial : bool, default=False
        Run the jobs one at a time whatever ``--n-jobs`` (timings inside a job).
    """

    title: str
    adapters: tuple
    report: Callable
    ks: tuple | None = None
    sizes: tuple | None = None
    transforms: tuple | None = None
    first_seed: bool = False
    serial: bool = False


PARTS = {
    "accuracy": Part(
        title="TC, DTC and O against closed forms",
        adapters=(
            UseAdapter(MINDE, minde_measures, group="minde"),
            UseAdapter(GAUSSIAN, gaussian_measures),
            UseAdapter(KNN, knn_measures),
        ),
        report=report_accuracy,
    ),
    "cost": Part(
        title="One shared training against 2k + 1 separate fits",
        adapters=(
            UseAdapter(SHARED, minde_measures, {"gradient": False}, "minde"),
            UseAdapter(SEPARATE, separate_measures, group="minde"),
        ),
        report=report_cost,
        ks=(3, 5),
        sizes=(5000,),
        transforms=("none",),
        first_seed=True,
        serial=True,
    ),
}

#: Parameters of ``--quick``: 300 rows, k = 3 and 10 (3 in the cost part), and a
#: MINDE of a second or less.
QUICK_N = 300
QUICK_K = (3, 10)
QUICK_MINDE = {"max_iter": 30, "hidden_dim": 8, "n_estimation_passes": 1}

# -- Command --------------------------------------------------------------------------


def parse_args(argv=None):
    """Command-line arguments; see ``--help``."""
    p = ArgumentParser(
        prog="python -m benchmarks.multivariate", description=__doc__.split("\n\n")[0]
    )
    p.add_argument(
        "--part",
        choices=[*PARTS, "all"],
        default="all",
        help="default: all; cost runs its jobs one at a time whatever --n-jobs",
    )
    p.add_argument(
        "--systems",
        nargs="+",
        choices=SYSTEMS,
        default=list(SYSTEMS),
        help=f"default: {' '.join(SYSTEMS)}",
    )
    p.add_argument(
        "--k",
        nargs="+",
        type=int,
        choices=list(SIZES),
        default=list(SIZES),
        help="numbers of variables of the accuracy part (default: 3 5 10)",
    )
    p.add_argument(
        "--n",
        nargs="+",
        type=int,
        default=[5000, TARGET_N],
        help=f"rows per sample of the accuracy part (default: 5000 {TARGET_N})",
    )
    p.add_argument(
        "--transforms",
        nargs="+",
        choices=["none", MAPPED, STUDENT],
        default=list(TRANSFORMS),
        help=f"versions of each system in the accuracy part (default: "
        f"{' '.join(TRANSFORMS)}; {STUDENT}: the Student-t version)",
    )
    p.add_argument(
        "--seeds", nargs="+", type=int, default=[0, 1, 2], help="default: 0 1 2"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_N} rows, k = {QUICK_K} (3 in the cost part), MINDE with "
        f"{QUICK_MINDE}",
    )
    p.add_argument(
        "--minde-param",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="parameters of MINDE's estimators, e.g. max_iter=3000 (after --quick's)",
    )
    add_execution_arguments(p)
    out = Path("benchmarks/out") / STUDY
    p.add_argument(
        "--out", type=Path, default=out, help=f"output folder (default: {out})"
    )
    return p.parse_args(argv)


def part_grid(part, args):
    """The numbers of variables, sizes, transforms and seeds of one part."""
    ks, sizes = part.ks or args.k, part.sizes or args.n
    if args.quick:
        ks, sizes = [k for k in ks if k in QUICK_K], [QUICK_N]
    seeds = args.seeds[:1] if part.first_seed else args.seeds
    return list(ks), list(sizes), list(part.transforms or args.transforms), seeds


def part_jobs(name, args):
    """The jobs of one part, seed first, and its description.

    Returns
    -------
    jobs : list of Job
    description : str
        The part, the grid, the settings and the machine, for the report.
    """
    part = PARTS[name]
    ks, sizes, transforms, seeds = part_grid(part, args)
    minde = {**(QUICK_MINDE if args.quick else {}), **parse_params(args.minde_param)}
    adapters = select_adapters(
        [a.name for a in part.adapters],
        {"minde": minde},
        {a.name: a for a in part.adapters},
    )
    jobs = [
        Job(STUDY, SystemData(name, system, k, transform, seed, n), adapter)
        for seed in seeds
        for n in sizes
        for k in ks
        for system in args.systems
        for transform in transforms
        for adapter in adapters
    ]
    env = environment()
    description = (
        f"{part.title}: systems {', '.join(args.systems)}; k = {ks}; n = {sizes}; "
        f"{'' if transforms == list(TRANSFORMS) else f'transforms {transforms}; '}"
        f"seeds {seeds}; MINDE parameters {minde or 'default'}; {env['machine']}, "
        f"GPU: {env['gpu']}, torch {env['versions']['torch']}"
    )
    return jobs, description


def main(argv=None):
    """Run the chosen parts (resuming them) and write their reports.

    Returns
    -------
    dict of str to DataFrame
        One frame per part with results (one row per fit).
    """
    return run_parts(parse_args(argv), PARTS, part_jobs)


if __name__ == "__main__":
    # Run the module's own import, so that the jobs' functions pickle by their module
    # name: joblib's worker processes cannot find functions defined in ``__main__``.
    from benchmarks.multivariate import main as _main

    _main()
