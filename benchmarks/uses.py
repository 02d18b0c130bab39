"""Where MI is used: feature ranking, class labels and pairwise MI, against a truth.

Three parts, each on data whose MI is known, each next to the estimators a user
would otherwise reach for, on the same samples:

ranking
    Score every column of X against y with :func:`sklearn_minde.mutual_info_regression`
    (its defaults), scikit-learn's ``mutual_info_regression`` (a KSG estimator with
    k = 3 neighbours) and benchmark-mi's KSG with k = 10 (the suite's "KSG"),
    column by column, on ``make_friedman1`` (n = 2,000, 10 columns, the first five
    informative, unit noise) and on a sparse Gaussian (10 independent columns, y
    loads on the first four with correlations 0.6, 0.5, 0.4 and 0.3, so that
    I(X_j; y) = -1/2 log(1 - rho_j^2)). Friedman's per-column MI has no closed
    form: its reference is a numerical integral (:func:`uniform_inputs_feature_mi`,
    converged to 5e-4 nats). Scores: Spearman correlation with the true per-column
    MI, the informative columns among the top k (k of them; ties count against),
    fit time as a ratio to scikit-learn's on the same sample.
labels
    I(X; Y) for a class label Y (:func:`sklearn_minde.mutual_information`; in one
    column next to scikit-learn's ``mutual_info_classif``, which cannot read the
    joint MI of several columns) on a Gaussian mixture with shared covariance
    (truth by Monte Carlo on 10^6 fresh draws, computed once per process and kept
    in each record) and on benchmark-mi's discrete-continuous construction with
    the roles swapped (Y ~ Cat(m) uniform, X | Y = k ~ U(k, k + 2), I = ln m - (m -
    1) ln 2 / m), each in one column and in five (the mixture in 5 dimensions; the
    uniform column with four independent normal columns, which leave the MI
    unchanged), at n = 1,000, 5,000 and 10,000.
pairwise
    :func:`sklearn_minde.pairwise_mutual_information` on a 10-variable Gaussian
    with a fixed correlation matrix (45 pairs, -1/2 log(1 - rho^2) each) at n =
    5,000, next to scikit-learn's ``mutual_info_regression`` pair by pair; MINDE
    timed serial and, on the first seed, with ``n_jobs=2`` (same estimates, since
    every fit has the same seed). This part runs its jobs one at a time whatever
    ``--n-jobs``, so that the two timings are not shared with other jobs.

Each sample is standardised. Every estimate is one job of one resumable
``results.jsonl`` (the suite's runner: kill the run and start it again to resume).
``--quick`` shrinks everything (300 rows, 4 variables pairwise, a tiny MINDE) for
the tests.

    python -m benchmarks.uses --part all --seeds 0 1 2 3 4 --n-jobs 2 \\
        --out benchmarks/results/uses

Writes to ``--out``, per part: ``<part>.csv`` (one row per estimate: per feature,
per pair), ``<part>.md`` (the figures next to issue 27's targets) and
``<part>.png``.
"""

import zlib
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import bmi.estimators
import matplotlib
import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logsumexp
from sklearn.datasets import make_friedman1
from sklearn.feature_selection import mutual_info_classif as sklearn_mi_classif
from sklearn.feature_selection import mutual_info_regression as sklearn_mi_regression

from benchmarks.suite.adapters import ADAPTERS, Outcome, Sample, select_adapters
from benchmarks.suite.cli import add_execution_arguments, failure_note, run_parts
from benchmarks.suite.params import parse_params
from benchmarks.suite.report import (
    estimator_table,
    mean_sd_cells,
    panel_grid,
    seed_means,
)
from benchmarks.suite.runner import Job, environment
from benchmarks.suite.tasks import standardise
from sklearn_minde import (
    MINDEEstimator,
    mutual_info_regression,
    mutual_information,
    pairwise_mutual_information,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STUDY = "uses"

#: Seed of the Monte Carlo truths, a seed no benchmark sample is drawn with.
TRUTH_SEED = 10**6


def _rng(seed, name):
    """The generator of one sample: seeded with ``seed`` and the task's name."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


# -- Ranking tasks --------------------------------------------------------------------


def friedman1_target(u):
    """Friedman's function of the first five columns of ``u``, as in
    :func:`sklearn.datasets.make_friedman1` (without its noise)."""
    return (
        10 * np.sin(np.pi * u[:, 0] * u[:, 1])
        + 20 * (u[:, 2] - 0.5) ** 2
        + 10 * u[:, 3]
        + 5 * u[:, 4]
    )


def uniform_inputs_feature_mi(
    function, n_inputs, column, noise, nodes=32, draws=200_000, step=0.02
):
    """I(U_j; f(U) + noise E), U uniform on [0, 1]^n_inputs, E standard normal.

    Gauss-Legendre quadrature over u_j: at each node, the density of y given u_j
    is a fine histogram of f over ``draws`` draws of the other inputs (the same
    draws at every node), convolved with the noise's normal density; the density
    of y is their quadrature mean, and the MI the quadrature mean of
    sum p(y | u_j) log(p(y | u_j) / p(y)) over the grid of y.

    Parameters
    ----------
    function : callable
        ``function(u)`` for ``u`` of shape (draws, n_inputs), returning shape
        (draws,).
    n_inputs, column : int
        The inputs f reads, and j.
    noise : float
        Standard deviation of the Gaussian noise, > 0 (it makes y's density
        smooth).
    nodes, draws : int, default=32 and 200,000
        Quadrature nodes and draws per node: these defaults read Friedman's
        columns within 5e-4 nats of 64 nodes and 10^6 draws.
    step : float, default=0.02
        Width of the histogram's bins (a smoothing far below ``noise``).

    Returns
    -------
    float
        In nats.
    """
    u_j, weights = np.polynomial.legendre.leggauss(nodes)
    u = np.random.default_rng(TRUTH_SEED).random((draws, n_inputs))
    values = []
    for node in (u_j + 1) / 2:
        u[:, column] = node
        values.append(function(u))
    values = np.asarray(values)
    reach = int(np.ceil(8 * noise / step))
    low = values.min() - reach * step
    bins = int((values.max() - low) / step) + reach + 1
    kernel = stats.norm.pdf(np.arange(-reach, reach + 1) * step / noise)
    kernel /= kernel.sum()
    conditional = np.array(
        [
            np.convolve(
                np.bincount(((v - low) / step).astype(int), minlength=bins),
                kernel,
                mode="same",
            )
            / draws
            for v in values
        ]
    )
    weights = weights / 2
    marginal = weights @ conditional
    ratio = np.divide(
        conditional, marginal, out=np.ones_like(conditional), where=conditional > 0
    )
    return float(weights @ (conditional * np.log(ratio)).sum(axis=1))


@dataclass(frozen=True)
class Friedman1:
    """``make_friedman1``: y = Friedman's function of the first five of
    ``n_features`` uniform columns, plus ``noise`` times a standard normal.

    Parameters
    ----------
    n_features : int, default=10
    noise : float, default=1.0
    """

    n_features: int = 10
    noise: float = 1.0

    @property
    def name(self):
        """E.g. "friedman1-10"."""
        return f"friedman1-{self.n_features}"

    @cached_property
    def feature_mi(self):
        """I(X_j; y) of each column: the numerical reference of
        :func:`uniform_inputs_feature_mi` for the first five (column 1's is column
        0's, since sin(pi x_0 x_1) is symmetric), 0 for the others."""
        mi = np.zeros(self.n_features)
        for j in (0, 2, 3, 4):
            mi[j] = uniform_inputs_feature_mi(friedman1_target, 5, j, self.noise)
        mi[1] = mi[0]
        return mi

    def sample(self, n, seed):
        """``make_friedman1(n, ...)`` with ``random_state=seed``: X (n,
        n_features) and y (n,)."""
        return make_friedman1(
            n, n_features=self.n_features, noise=self.noise, random_state=seed
        )


@dataclass(frozen=True)
class SparseGaussian:
    """``n_features`` independent standard normal columns and y = sum_j rho_j X_j
    + a normal noise with variance 1 - sum rho_j^2, so that corr(X_j, y) = rho_j
    and I(X_j; y) = -1/2 log(1 - rho_j^2).

    Parameters
    ----------
    correlations : tuple of float
        rho_j of the first columns, their squares summing below 1; the others
        are 0.
    n_features : int, default=10
    """

    correlations: tuple = (0.6, 0.5, 0.4, 0.3)
    n_features: int = 10

    @property
    def name(self):
        """E.g. "sparse-gaussian-10"."""
        return f"sparse-gaussian-{self.n_features}"

    @property
    def feature_mi(self):
        """I(X_j; y) of each column, in nats."""
        rho = np.zeros(self.n_features)
        rho[: len(self.correlations)] = self.correlations
        return -0.5 * np.log1p(-(rho**2))

    def sample(self, n, seed):
        """X (n, n_features) and y (n,), from a generator seeded with ``seed``
        and the name."""
        rng = _rng(seed, self.name)
        x = rng.standard_normal((n, self.n_features))
        rho = np.asarray(self.correlations)
        noise = np.sqrt(1 - rho @ rho) * rng.standard_normal(n)
        return x, x[:, : len(rho)] @ rho + noise


def ranking_draw(task, n, seed):
    """A ranking task's sample, X and y standardised, and its facts.

    Returns
    -------
    sample : Sample
        X in ``x_fit``, y (n, 1) in ``y_fit``.
    info : dict
        ``true_mi`` (per column, a list) and ``dim_x``.
    """
    x, y = task.sample(n, seed)
    sample = Sample(standardise(x), standardise(y.reshape(-1, 1)))
    return sample, dict(true_mi=task.feature_mi.tolist(), dim_x=x.shape[1])


# -- Label tasks ----------------------------------------------------------------------

#: Monte Carlo draws of a mixture's truth: a standard error near 0.1 % of it.
TRUTH_DRAWS = 1_000_000


@dataclass(frozen=True)
class GaussianMixture:
    """X | Y = k ~ N(mean_k, S), Y uniform over the classes, S shared: 1 on the
    diagonal, ``correlation`` off it.

    Parameters
    ----------
    name : str
    means : tuple of tuple of float
        One mean per class.
    correlation : float, default=0.0
    """

    name: str
    means: tuple
    correlation: float = 0.0

    @property
    def dim_x(self):
        """Columns of X."""
        return len(self.means[0])

    @cached_property
    def cholesky(self):
        """Lower Cholesky factor of the shared covariance S."""
        d = self.dim_x
        cov = (1 - self.correlation) * np.eye(d) + self.correlation
        return np.linalg.cholesky(cov)

    def pointwise_mi(self, x, labels):
        """log p(x | k) - log sum_j p_j p(x | j) of each row, in nats.

        Parameters
        ----------
        x : ndarray of shape (n, dim_x)
        labels : ndarray of shape (n,)
            Classes, 0 to K - 1.

        Returns
        -------
        ndarray of shape (n,)
        """
        means = np.asarray(self.means)
        white = np.linalg.solve(self.cholesky, x.T).T
        centres = np.linalg.solve(self.cholesky, means.T).T
        log_kernel = np.stack([-0.5 * ((white - c) ** 2).sum(1) for c in centres], 1)
        own = log_kernel[np.arange(len(x)), labels]
        return own - logsumexp(log_kernel, axis=1) + np.log(len(means))

    @cached_property
    def truth(self):
        """I(X; Y) by Monte Carlo on TRUTH_DRAWS fresh draws.

        Returns
        -------
        dict
            ``true_mi``, ``true_mi_se`` (its Monte Carlo standard error) and
            ``pointwise_sd`` (the sd of the pointwise MI), nats.
        """
        x, labels = self.sample(TRUTH_DRAWS, TRUTH_SEED)
        values = self.pointwise_mi(x, labels)
        sd = float(values.std())
        return dict(
            true_mi=float(values.mean()),
            true_mi_se=sd / np.sqrt(len(values)),
            pointwise_sd=sd,
        )

    def sample(self, n, seed):
        """X (n, dim_x) and the labels (n,)."""
        rng = _rng(seed, self.name)
        labels = rng.integers(len(self.means), size=n)
        noise = rng.standard_normal((n, self.dim_x)) @ self.cholesky.T
        return np.asarray(self.means)[labels] + noise, labels


def uniform_labels_mi(classes):
    """I(X; Y) for Y uniform over m classes and X | Y = k ~ U(k, k + 2):
    ln m - (m - 1) ln 2 / m, nats.

    x is covered by one class's interval with probability 1 / m (at the two
    ends), where the pointwise MI is ln m, and by two otherwise, ln(m / 2).
    """
    return np.log(classes) - (classes - 1) * np.log(2) / classes


@dataclass(frozen=True)
class UniformLabels:
    """benchmark-mi's discrete-continuous construction with the roles swapped: Y
    uniform over ``classes`` classes, X_0 | Y = k ~ U(k, k + 2), and
    ``noise_columns`` independent standard normal columns after it.

    Parameters
    ----------
    name : str
    classes : int, default=4
    noise_columns : int, default=0
    """

    name: str
    classes: int = 4
    noise_columns: int = 0

    @property
    def dim_x(self):
        """Columns of X."""
        return 1 + self.noise_columns

    @property
    def truth(self):
        """``true_mi`` (:func:`uniform_labels_mi`), ``true_mi_se`` (0) and
        ``pointwise_sd``: ln 2 sqrt((1 - 1/m) / m), from the two values of the
        pointwise MI."""
        m = self.classes
        return dict(
            true_mi=float(uniform_labels_mi(m)),
            true_mi_se=0.0,
            pointwise_sd=float(np.log(2) * np.sqrt((1 - 1 / m) / m)),
        )

    def sample(self, n, seed):
        """X (n, dim_x) and the labels (n,)."""
        rng = _rng(seed, self.name)
        labels = rng.integers(self.classes, size=n)
        x = labels + 2 * rng.random(n)
        noise = rng.standard_normal((n, self.noise_columns))
        return np.column_stack([x, noise]), labels


def label_draw(task, n, seed):
    """A label task's sample, X standardised, and its facts.

    Returns
    -------
    sample : Sample
        X in ``x_fit``, the labels (n,) in ``y_fit``.
    info : dict
        ``true_mi``, ``true_mi_se``, ``oracle_se`` (the pointwise sd / sqrt(n))
        and ``dim_x``.
    """
    x, labels = task.sample(n, seed)
    truth = task.truth
    info = dict(
        true_mi=truth["true_mi"],
        true_mi_se=truth["true_mi_se"],
        oracle_se=truth["pointwise_sd"] / np.sqrt(n),
        dim_x=task.dim_x,
    )
    return Sample(standardise(x), labels), info


# -- Pairwise tasks -------------------------------------------------------------------


@dataclass(frozen=True)
class GaussianPairs:
    """The first ``n_variables`` of 10 jointly Gaussian variables with a fixed
    correlation matrix: three factors with N(0, 0.8^2) loadings drawn once from a
    seeded generator, plus unit noise, scaled to unit variances (|rho| from 0.003
    to 0.72, median 0.27).

    Parameters
    ----------
    n_variables : int, default=10
        At most 10.
    """

    n_variables: int = 10

    @property
    def name(self):
        """E.g. "gaussian-pairs-10"."""
        return f"gaussian-pairs-{self.n_variables}"

    @cached_property
    def correlation(self):
        """The correlation matrix, (n_variables, n_variables)."""
        loadings = 0.8 * np.random.default_rng(27).standard_normal((10, 3))
        cov = loadings @ loadings.T + np.eye(10)
        scale = 1 / np.sqrt(np.diag(cov))
        return (cov * np.outer(scale, scale))[: self.n_variables, : self.n_variables]

    @property
    def pairs(self):
        """The pairs (i, j), i < j, in the order of ``np.triu_indices``."""
        return np.column_stack(np.triu_indices(self.n_variables, 1))

    @property
    def pair_mi(self):
        """-1/2 log(1 - rho_ij^2) of each pair, nats."""
        rho = self.correlation[tuple(self.pairs.T)]
        return -0.5 * np.log1p(-(rho**2))

    def sample(self, n, seed):
        """X (n, n_variables)."""
        cholesky = np.linalg.cholesky(self.correlation)
        return _rng(seed, self.name).standard_normal((n, self.n_variables)) @ cholesky.T


def pairwise_draw(task, n, seed):
    """A pairwise task's sample, standardised, and its facts.

    Returns
    -------
    sample : Sample
        X in ``x_fit``; ``y_fit`` is None.
    info : dict
        ``true_mi`` (per pair, a list), ``pairs`` and ``dim_x``.
    """
    info = dict(
        true_mi=task.pair_mi.tolist(), pairs=task.pairs.tolist(), dim_x=task.n_variables
    )
    return Sample(standardise(task.sample(n, seed)), None), info


#: Every task, by name, with the function that draws its sample.
TASKS = {
    task.name: (task, draw)
    for tasks, draw in (
        ((Friedman1(), SparseGaussian()), ranking_draw),
        (
            (
                GaussianMixture("mixture-1d", ((-1.5,), (0.0,), (1.5,))),
                UniformLabels("uniform-1d"),
                GaussianMixture("mixture-5d", tuple(map(tuple, np.eye(4, 5))), 0.5),
                UniformLabels("uniform-5d", noise_columns=4),
            ),
            label_draw,
        ),
        ((GaussianPairs(10), GaussianPairs(4)), pairwise_draw),
    )
    for task in tasks
}


@dataclass(frozen=True)
class UseData:
    """One sample of one task: ``n_fit`` rows drawn with ``seed``.

    Parameters
    ----------
    part : str
    task : str
        Key of :data:`TASKS`.
    seed : int
    n_fit : int
    """

    part: str
    task: str
    seed: int
    n_fit: int

    def key(self):
        """The fields that identify the sample in the results file."""
        return asdict(self)

    def draw(self):
        """The sample and its facts (the task's draw function)."""
        task, draw = TASKS[self.task]
        return draw(task, self.n_fit, self.seed)


# -- Estimators -----------------------------------------------------------------------


class Reading(NamedTuple):
    """What an estimator function returns: an estimate (a float, or a list of
    them per column or pair), its standard error where there is one, the device
    (MINDE's requested one where the function does not report the fitted
    estimator's) and the training steps where known."""

    estimate: object
    std_error: object = None
    device: str = "cpu"
    n_iter: int | None = None


def rank_minde(sample, seed, **params):
    """:func:`sklearn_minde.mutual_info_regression` of every column."""
    est = MINDEEstimator(**params)
    mi = mutual_info_regression(
        sample.x_fit, sample.y_fit, estimator=est, random_state=seed
    )
    return Reading(mi.tolist(), device=str(est.device))


def rank_sklearn(sample, seed):
    """scikit-learn's ``mutual_info_regression`` of every column (k = 3)."""
    mi = sklearn_mi_regression(sample.x_fit, sample.y_fit.ravel(), random_state=seed)
    return Reading(mi.tolist())


def rank_ksg(sample, seed):
    """The suite's KSG (benchmark-mi's, k = 10) on each column against y."""
    ksg = ADAPTERS["KSG"]
    est = getattr(bmi.estimators, ksg.estimator)(**ksg.params)
    x, y = sample.x_fit, sample.y_fit
    return Reading([float(est.estimate(x[:, [j]], y)) for j in range(x.shape[1])])


def label_minde(sample, seed, **params):
    """:func:`sklearn_minde.mutual_information` of X (every column) and the
    label."""
    res = mutual_information(
        sample.x_fit,
        sample.y_fit,
        estimator=MINDEEstimator(**params),
        random_state=seed,
    )
    return Reading(
        res.estimate,
        res.standard_error,
        str(res.estimator.device_),
        int(res.estimator.n_iter_),
    )


def label_sklearn(sample, seed):
    """scikit-learn's ``mutual_info_classif`` (k = 3) of X's one column."""
    (mi,) = sklearn_mi_classif(sample.x_fit, sample.y_fit, random_state=seed)
    return Reading(float(mi))


def pairwise_minde(sample, seed, n_jobs=None, **params):
    """:func:`sklearn_minde.pairwise_mutual_information`, the pairs in the
    order of ``np.triu_indices``."""
    est = MINDEEstimator(**params)
    res = pairwise_mutual_information(
        sample.x_fit, n_jobs=n_jobs, estimator=est, random_state=seed
    )
    upper = np.triu_indices(len(res.estimate), 1)
    return Reading(
        res.estimate[upper].tolist(),
        res.standard_error[upper].tolist(),
        str(est.device),
    )


def pairwise_sklearn(sample, seed):
    """scikit-learn's ``mutual_info_regression`` of each pair (k = 3): column j
    against every column before it, the pairs in the order of
    ``np.triu_indices``."""
    x = sample.x_fit
    per_column = [
        sklearn_mi_regression(x[:, :j], x[:, j], random_state=seed)
        for j in range(1, x.shape[1])
    ]
    mi = np.full((x.shape[1],) * 2, np.nan)
    for j, column in enumerate(per_column, 1):
        mi[:j, j] = column
    return Reading(mi[np.triu_indices(x.shape[1], 1)].tolist())


@dataclass
class UseAdapter:
    """An estimator function of this module behind the suite's adapter interface.

    Parameters
    ----------
    name : str
        Name of the estimate.
    function : callable
        ``function(sample, seed, **params) -> Reading``.
    params : dict
        Its keyword parameters: ``MINDEEstimator``'s for the "minde" group (which
        takes ``--minde-param``), with ``n_jobs`` for the pairwise function.
    group : str, default="classical"
    one_column : bool, default=False
        Reads tasks with one column of X only.
    first_seed : bool, default=False
        Runs on the first seed only (a timing, which one sample gives).
    """

    name: str
    function: Callable
    params: dict = field(default_factory=dict)
    group: str = "classical"
    one_column: bool = False
    first_seed: bool = False

    def outputs(self):
        """The one estimate's name."""
        return (self.name,)

    def settings(self):
        """The configuration, as recorded with every result."""
        return {"function": self.function.__name__, **self.params}

    def runs_on(self, task, seed_index):
        """Whether the adapter has a job on ``task`` (of :data:`TASKS`) at the
        ``seed_index``-th seed."""
        one_column = not self.one_column or task.dim_x == 1
        return one_column and (not self.first_seed or seed_index == 0)

    def run(self, sample, seed):
        """The function's reading, as an Outcome."""
        reading = self.function(sample, seed, **self.params)
        errors = {} if reading.std_error is None else {self.name: reading.std_error}
        return Outcome(
            {self.name: reading.estimate}, errors, reading.device, reading.n_iter
        )


#: Names of the estimates that the targets compare: MINDE-C (the package's
#: functions), scikit-learn's functions, and MINDE-C's pairwise run with n_jobs=2.
MINDE = "MINDE-C"
SKLEARN = "sklearn"
PARALLEL = "MINDE-C n_jobs=2"

# -- Reports: shared ------------------------------------------------------------------


def succeeded(df):
    """The rows of the jobs that did not fail."""
    return df[df.failure.isna()]


def time_ratios(df, reference):
    """Each row's ``fit_s`` divided by ``reference``'s on the same sample (task,
    seed and n); NaN where the reference has no row."""
    sample = ["task", "seed", "n_fit"]
    ref = df[df.estimator == reference].groupby(sample).fit_s.first().rename("ref")
    return df.fit_s / df.join(ref, on=sample).ref


def per_item(df, item):
    """One row per entry of the vector estimates (a column, a pair).

    Parameters
    ----------
    df : DataFrame
        Rows of succeeded jobs whose ``estimate`` and ``true_mi`` are lists.
    item : str
        Name of the column that numbers the entries.

    Returns
    -------
    DataFrame
        Columns task, seed, n_fit, estimator, ``item``, estimate, std_error
        (NaN where the estimator has none), true_mi and fit_s (the whole job's).
    """
    rows = []
    for r in df.itertuples():
        size = len(r.estimate)
        errors = r.std_error if isinstance(r.std_error, list) else [np.nan] * size
        rows += [
            dict(
                task=r.task,
                seed=r.seed,
                n_fit=r.n_fit,
                estimator=r.estimator,
                **{item: i},
                estimate=e,
                std_error=s,
                true_mi=t,
                fit_s=r.fit_s,
            )
            for i, (e, s, t) in enumerate(
                zip(r.estimate, errors, r.true_mi, strict=True)
            )
        ]
    return pd.DataFrame(rows)


def _columns(count):
    """The words for ``count`` columns, e.g. "1 column", "5 columns"."""
    return f"{count} column{'' if count == 1 else 's'}"


def _markdown(frame):
    """A frame of text as a markdown table."""
    return frame.to_markdown(index=False, disable_numparse=True)


def _verdict(checks):
    """A target's verdict on its checks (booleans, one per seed or cell): "met"
    when every one holds, "missed" when one fails, "not measured" for none."""
    checks = np.asarray(checks, dtype=bool)
    if checks.size == 0:
        return "not measured"
    return "met" if checks.all() else "missed"


# -- Reports: ranking -----------------------------------------------------------------


def top_k_found(estimate, truth):
    """Informative columns (truth > 0) among the top k of ``estimate``, k the
    number of informative columns; a tie with an uninformative column counts
    against the informative one."""
    informative = truth > 0
    order = np.lexsort((informative, -estimate))
    return int(informative[order[: informative.sum()]].sum())


def ranking_scores(df):
    """Per task, seed and estimator: how the per-column MI ranks the columns.

    Parameters
    ----------
    df : DataFrame
        Rows of succeeded ranking jobs.

    Returns
    -------
    DataFrame
        Columns task, seed, n_fit, estimator, spearman (with the true MI, every
        column), spearman_informative (the informative columns only), found
        (:func:`top_k_found`), informative (k), fit_s and time_ratio (to
        SKLEARN's on the same sample).
    """
    rows = []
    for r in df.itertuples():
        estimate, truth = np.asarray(r.estimate), np.asarray(r.true_mi)
        informative = truth > 0
        rows.append(
            dict(
                task=r.task,
                seed=r.seed,
                n_fit=r.n_fit,
                estimator=r.estimator,
                spearman=stats.spearmanr(estimate, truth).statistic,
                spearman_informative=stats.spearmanr(
                    estimate[informative], truth[informative]
                ).statistic,
                found=top_k_found(estimate, truth),
                informative=int(informative.sum()),
                fit_s=r.fit_s,
            )
        )
    scores = pd.DataFrame(rows)
    return scores.assign(time_ratio=time_ratios(scores, SKLEARN))


def ranking_summary(scores):
    """Per task, n and estimator: the seed means of :func:`ranking_scores`.

    Returns
    -------
    DataFrame
        Columns task, n, estimator, seeds, Spearman over every column and over
        the informative ones (mean ± sd), top k (mean informative columns found,
        of k), all found (seeds with every one of them), median fit s and fit
        time / SKLEARN (median ratio).
    """
    s = scores.assign(all_found=scores.found == scores.informative)
    g = s.groupby(["task", "n_fit", "estimator"], sort=False)
    table = g.agg(
        seeds=("seed", "count"),
        spearman=("spearman", "mean"),
        spearman_sd=("spearman", "std"),
        informative=("spearman_informative", "mean"),
        informative_sd=("spearman_informative", "std"),
        found=("found", "mean"),
        k=("informative", "first"),
        all_found=("all_found", "sum"),
        fit_s=("fit_s", "median"),
        ratio=("time_ratio", "median"),
    )
    table = table.reset_index()
    return pd.DataFrame(
        {
            "task": table.task,
            "n": table.n_fit,
            "estimator": table.estimator,
            "seeds": table.seeds,
            "Spearman": mean_sd_cells(table.spearman, table.spearman_sd, "{:.2f}"),
            "Spearman, informative": mean_sd_cells(
                table.informative, table.informative_sd, "{:.2f}"
            ),
            "top k": [
                f"{f:.1f}/{k}" for f, k in zip(table.found, table.k, strict=True)
            ],
            "all found": [
                f"{a}/{s}" for a, s in zip(table.all_found, table.seeds, strict=True)
            ],
            "median fit s": table.fit_s.map("{:.2f}".format),
            f"fit time / {SKLEARN}": table.ratio.map("{:.0f}".format),
        }
    )


def feature_means(features):
    """Per task, column and estimator: seed mean and sd of the estimate."""
    return (
        features.groupby(["task", "feature", "estimator"], sort=False)
        .agg(
            true_mi=("true_mi", "first"),
            mean=("estimate", "mean"),
            sd=("estimate", "std"),
        )
        .reset_index()
    )


def ranking_text(df, header=""):
    """ranking.md: the ranking target, the scores and the per-column means."""
    ok = succeeded(df)
    scores = ranking_scores(ok)
    friedman = scores[
        (scores.estimator == MINDE) & scores.task.str.startswith("friedman1")
    ]
    all_found = friedman.found == friedman.informative
    means = feature_means(per_item(ok, "feature"))
    cells = mean_sd_cells(means["mean"], means.sd, "{:.3f}")
    facts = {"true MI": means.true_mi.map("{:.3f}".format)}
    return "\n".join(
        [
            header
            + failure_note(df)
            + "Target of issue 27: MINDE-C's ranking recovers the five informative "
            f"columns of make_friedman1 on every seed: {int(all_found.sum())}/"
            f"{len(friedman)} seeds, {_verdict(all_found)}.",
            "",
            _markdown(ranking_summary(scores)),
            "",
            "Spearman: rank correlation of the per-column estimates with the true "
            "per-column MI (make_friedman1: the numerical reference), over every "
            "column; the uninformative ones tie at 0 in the truth, so this also "
            "scores how an estimator orders them, and one that clips at 0 "
            "(scikit-learn's) ties them too and gains. Spearman, informative: over "
            "the informative columns only. top k: informative columns among the k "
            "highest estimates (ties count against), seed mean; all found: seeds with "
            "all k. Fit time: median ratio to scikit-learn's on the same sample. "
            "sklearn: scikit-learn's mutual_info_regression (k = 3); KSG: "
            "benchmark-mi's (k = 10), column by column.",
            "",
            "Per column, seed mean ± sd of the estimate (nats):",
            "",
            estimator_table(means, cells, ["task", "feature"], facts),
            "",
        ]
    )


def plot_ranking(df, path):
    """One panel per task: the true MI of each column and each estimator's seed
    mean ± sd."""
    means = feature_means(per_item(succeeded(df), "feature"))
    tasks = list(dict.fromkeys(means.task))
    estimators = list(dict.fromkeys(means.estimator))
    fig, axes = panel_grid(len(tasks), (6, 3.4), max_columns=2)
    width = 0.7 / len(estimators)
    for ax, task in zip(axes.flat, tasks, strict=False):
        frame = means[means.task == task]
        truth = frame.groupby("feature").true_mi.first()
        ax.bar(truth.index, truth, width=0.85, color="0.85", label="true MI")
        for k, name in enumerate(estimators):
            own = frame[frame.estimator == name]
            ax.errorbar(
                own.feature - 0.35 + width * (k + 0.5),
                own["mean"],
                yerr=own.sd.fillna(0),
                fmt="o",
                markersize=3,
                capsize=2,
                color=f"C{k}",
                label=name,
            )
        ax.set_xticks(truth.index)
        ax.set_xlabel("column of X")
        ax.set_title(task, fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    axes[0, 0].set_ylabel("I(X_j; y) (nats)")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(
        "Per-column MI: truth and seed mean ± sd of each estimator", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def report_ranking(df, out, header=""):
    """Write ranking.csv, ranking.md and ranking.png to ``out``; return the
    text."""
    per_item(succeeded(df), "feature").to_csv(out / "ranking.csv", index=False)
    text = ranking_text(df, header)
    plot_ranking(df, out / "ranking.png")
    return text


# -- Reports: labels ------------------------------------------------------------------

#: Relative error of a seed mean under which an estimate is close, from
#: LABELS_MIN_N rows on (issue 27).
WITHIN = 0.10
LABELS_MIN_N = 5000
#: The task on which MINDE-C should be closer than scikit-learn.
LABELS_ONE_COLUMN = "mixture-1d"


def label_errors(df):
    """Per task, n and estimator: the seed mean and its error.

    Returns
    -------
    DataFrame
        The columns of :func:`~benchmarks.suite.report.seed_means` (by n_fit),
        dim_x and ``rel_error`` (seed mean / truth - 1).
    """
    means = seed_means(df, by=["n_fit"])
    columns = df.groupby("task").dim_x.first()
    return means.assign(
        rel_error=means["mean"] / means.true_mi - 1, dim_x=means.task.map(columns)
    )


def label_table(errors):
    """Markdown table, task and n by estimator: "mean ± sd (relative error)"."""
    relative = (100 * errors.rel_error).map(" ({:+.1f} %)".format)
    cells = mean_sd_cells(errors["mean"], errors.sd, "{:.3f}") + relative
    facts = {
        "columns": errors.dim_x.astype(str),
        "true MI": errors.true_mi.map("{:.3f}".format),
    }
    return estimator_table(
        errors, cells, ["task", "n_fit"], facts, ["task", "n"], missing="n/a"
    )


def label_targets(errors):
    """The two label targets of issue 27, in words.

    Returns
    -------
    list of str
        MINDE-C within WITHIN from LABELS_MIN_N rows (cells met, misses), and
        MINDE-C against SKLEARN on LABELS_ONE_COLUMN at each n.
    """
    own = errors[(errors.estimator == MINDE) & (errors.n_fit >= LABELS_MIN_N)]
    close = own.rel_error.abs() <= WITHIN
    misses = "".join(
        f"; {r.task} at n = {r.n_fit} ({100 * r.rel_error:+.1f} %)"
        for r in own[~close].itertuples()
    )
    mix = errors[errors.task == LABELS_ONE_COLUMN].pivot(
        index="n_fit", columns="estimator", values="abs_error"
    )
    both = mix.reindex(columns=[MINDE, SKLEARN]).dropna()
    wins = both[MINDE] < both[SKLEARN]
    duels = "; ".join(
        f"n = {n}: {r[MINDE]:.3f} against {r[SKLEARN]:.3f} nats"
        for n, r in both.iterrows()
    )
    return [
        f"- MINDE-C within {WITHIN:.0%} of the truth from {LABELS_MIN_N:,} rows, "
        f"every task: {int(close.sum())}/{len(own)} cells, "
        f"{_verdict(close)}{misses}.",
        f"- MINDE-C closer than scikit-learn's mutual_info_classif on "
        f"{LABELS_ONE_COLUMN} (|seed mean - truth|): {int(wins.sum())}/{len(both)} "
        f"sizes, {_verdict(wins)}: {duels or 'no pair'}.",
    ]


def labels_text(df, header=""):
    """labels.md: the targets and the table."""
    errors = label_errors(succeeded(df))
    return "\n".join(
        [
            header + failure_note(df) + "Targets of issue 27:",
            "",
            *label_targets(errors),
            "",
            "Seed mean ± sd of the estimate (nats) and its error relative to the "
            "truth:",
            "",
            label_table(errors),
            "",
            "The mixtures' truth is a Monte Carlo mean over 10^6 fresh draws (standard "
            "error in results.jsonl's true_mi_se, about 0.1 % of it). sklearn: "
            "scikit-learn's mutual_info_classif (k = 3), one column only. "
            "MINDE-C: mutual_information of every column of X and the label.",
            "",
        ]
    ).replace("10%", "10 %")


def plot_labels(df, path):
    """One panel per task: seed mean ± sd against n, the truth and ±WITHIN."""
    errors = label_errors(succeeded(df))
    tasks = list(dict.fromkeys(errors.task))
    colours = {name: f"C{i}" for i, name in enumerate(dict.fromkeys(errors.estimator))}
    fig, axes = panel_grid(len(tasks), (4, 3.2), max_columns=4)
    for ax, task in zip(axes.flat, tasks, strict=False):
        frame = errors[errors.task == task]
        truth = frame.true_mi.iloc[0]
        ax.axhspan(truth * (1 - WITHIN), truth * (1 + WITHIN), color="0.9")
        ax.axhline(truth, color="black", linestyle="--", linewidth=1)
        for name, own in frame.groupby("estimator", sort=False):
            ax.errorbar(
                own.n_fit,
                own["mean"],
                yerr=own.sd.fillna(0),
                marker="o",
                markersize=3,
                capsize=2,
                color=colours[name],
                label=name,
            )
        ax.set_xscale("log")
        ax.set_xlabel("n (rows)")
        ax.set_title(
            f"{task} ({_columns(frame.dim_x.iloc[0])})\ntrue MI {truth:.3f} nats",
            fontsize=9,
        )
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("estimate (nats)")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(
        f"I(X; label): seed mean ± sd; band: ±{WITHIN:.0%} of the truth", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def report_labels(df, out, header=""):
    """Write labels.csv, labels.md and labels.png to ``out``; return the text."""
    ok = succeeded(df)
    ok.assign(
        error=ok.estimate - ok.true_mi, rel_error=ok.estimate / ok.true_mi - 1
    ).to_csv(out / "labels.csv", index=False)
    plot_labels(df, out / "labels.png")
    return labels_text(df, header)


# -- Reports: pairwise ----------------------------------------------------------------


def pair_frame(df):
    """:func:`per_item` by pair, with the pair's variables ``first`` and
    ``second``."""
    pairs = per_item(df, "pair")
    ends = {r.task: np.asarray(r.pairs) for r in df.itertuples()}
    ij = np.array([ends[t][p] for t, p in zip(pairs.task, pairs.pair, strict=True)])
    return pairs.assign(
        first=ij[:, 0],
        second=ij[:, 1],
        abs_error=(pairs.estimate - pairs.true_mi).abs(),
    )


def pairwise_accuracy(pairs):
    """Per task, n and estimator (the n_jobs=2 run aside): the MAE over the
    pairs, seed by seed and of the seed means, and the fit time.

    Returns
    -------
    table : DataFrame
        Columns task, n, estimator, seeds, MAE (mean ± sd over seeds), MAE of
        seed means, largest error of a seed mean and median fit s, as text.
    per_seed : DataFrame
        Columns task, n_fit, estimator, seed, mae and fit_s.
    """
    pairs = pairs[pairs.estimator != PARALLEL]
    keys = ["task", "n_fit", "estimator"]
    per_seed = (
        pairs.groupby([*keys, "seed"], sort=False)
        .agg(mae=("abs_error", "mean"), fit_s=("fit_s", "first"))
        .reset_index()
    )
    means = (
        pairs.groupby([*keys, "pair"], sort=False)
        .agg(estimate=("estimate", "mean"), true_mi=("true_mi", "first"))
        .reset_index()
    )
    means["abs_error"] = (means.estimate - means.true_mi).abs()
    of_means = means.groupby(keys, sort=False).abs_error.agg(["mean", "max"])
    table = (
        per_seed.groupby(keys, sort=False)
        .agg(
            seeds=("seed", "count"),
            mae=("mae", "mean"),
            mae_sd=("mae", "std"),
            fit_s=("fit_s", "median"),
        )
        .join(of_means)
        .reset_index()
    )
    return pd.DataFrame(
        {
            "task": table.task,
            "n": table.n_fit,
            "estimator": table.estimator,
            "seeds": table.seeds,
            "MAE": mean_sd_cells(table.mae, table.mae_sd, "{:.4f}"),
            "MAE of seed means": table["mean"].map("{:.4f}".format),
            "largest error": table["max"].map("{:.3f}".format),
            "median fit s": table.fit_s.map("{:.1f}".format),
        }
    ), per_seed


def parallel_timing(df):
    """Per sample timed both ways: MINDE-C's serial fit time over its n_jobs=2 one,
    and the largest difference between their estimates.

    Returns
    -------
    DataFrame
        Columns task, seed, n, serial s, n_jobs=2 s, speed-up and largest
        difference (nats), as text.
    """
    sample = ["task", "seed", "n_fit"]
    serial = df[df.estimator == MINDE].set_index(sample)[["fit_s", "estimate"]]
    both = df[df.estimator == PARALLEL].join(
        serial, on=sample, rsuffix="_serial", how="inner"
    )
    differences = [
        np.max(np.abs(np.subtract(a, b)))
        for a, b in zip(both.estimate, both.estimate_serial, strict=True)
    ]
    return pd.DataFrame(
        {
            "task": both.task,
            "seed": both.seed,
            "n": both.n_fit,
            "serial s": both.fit_s_serial.map("{:.1f}".format),
            "n_jobs=2 s": both.fit_s.map("{:.1f}".format),
            "speed-up": (both.fit_s_serial / both.fit_s).map("{:.2f}".format),
            "largest difference (nats)": [f"{d:.2g}" for d in differences],
        }
    )


def pairwise_target(per_seed):
    """MINDE-C's MAE against SKLEARN's, per task and n, in words."""
    lines = []
    for (task, n), g in per_seed.groupby(["task", "n_fit"], sort=False):
        mae = g.groupby("estimator").mae
        if not {MINDE, SKLEARN} <= set(mae.groups):
            continue
        mean = mae.mean()
        by_seed = g.pivot(index="seed", columns="estimator", values="mae")
        seeds = by_seed[[MINDE, SKLEARN]].dropna()
        lines.append(
            f"- {task}, n = {n}: MINDE-C's MAE {mean[MINDE]:.4f} against "
            f"scikit-learn's {mean[SKLEARN]:.4f} nats (seed means of the MAE), "
            f"{_verdict([mean[MINDE] <= mean[SKLEARN]])}; no worse on "
            f"{int((seeds[MINDE] <= seeds[SKLEARN]).sum())}/{len(seeds)} seeds."
        )
    return lines or ["- no sample with both estimators"]


def pairwise_text(df, header=""):
    """pairwise.md: the target, the accuracy table and the timing."""
    ok = succeeded(df)
    table, per_seed = pairwise_accuracy(pair_frame(ok))
    timing = parallel_timing(ok)
    timing_text = (
        _markdown(timing) if len(timing) else "No n_jobs=2 run in these results."
    )
    ratios = ok.assign(ratio=time_ratios(ok, SKLEARN))
    ratio = ratios[ratios.estimator == MINDE].ratio.median()
    return "\n".join(
        [
            header
            + failure_note(df)
            + "Target of issue 27: MINDE-C's pairwise MAE no worse than KSG's "
            "(scikit-learn's mutual_info_regression, k = 3, pair by pair):",
            "",
            *pairwise_target(per_seed),
            "",
            _markdown(table),
            "",
            "MAE: mean over the pairs of |estimate - (-1/2 log(1 - rho^2))|, seed "
            "mean ± sd; of seed means: the same on each pair's mean over seeds. "
            f"MINDE-C's fit time: a median {ratio:.0f} times scikit-learn's.",
            "",
            "MINDE-C serial against n_jobs=2 on the same sample (every fit has the "
            "run's seed, so the estimates should agree exactly):",
            "",
            timing_text,
            "",
        ]
    )


def plot_pairwise(df, path):
    """Seed-mean estimate ± sd of each pair against its true MI, per estimator."""
    pairs = pair_frame(succeeded(df))
    pairs = pairs[pairs.estimator != PARALLEL]
    means = (
        pairs.groupby(["task", "estimator", "pair"], sort=False)
        .agg(
            true_mi=("true_mi", "first"),
            mean=("estimate", "mean"),
            sd=("estimate", "std"),
        )
        .reset_index()
    )
    tasks = list(dict.fromkeys(means.task))
    fig, axes = panel_grid(len(tasks), (4.5, 4))
    for ax, task in zip(axes.flat, tasks, strict=False):
        frame = means[means.task == task]
        top = max(frame.true_mi.max(), frame["mean"].max()) * 1.1
        ax.plot([0, top], [0, top], color="black", linestyle="--", linewidth=1)
        for k, (name, own) in enumerate(frame.groupby("estimator", sort=False)):
            ax.errorbar(
                own.true_mi,
                own["mean"],
                yerr=own.sd.fillna(0),
                fmt="o",
                markersize=3,
                capsize=2,
                color=f"C{k}",
                label=name,
            )
        ax.set_xlabel("true MI (nats)")
        ax.set_ylabel("estimate (nats)")
        ax.set_title(task, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Pairwise MI: seed mean ± sd of each pair", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def report_pairwise(df, out, header=""):
    """Write pairwise.csv, pairwise.md and pairwise.png to ``out``; return the
    text."""
    pair_frame(succeeded(df)).to_csv(out / "pairwise.csv", index=False)
    plot_pairwise(df, out / "pairwise.png")
    return pairwise_text(df, header)


# -- Parts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of the benchmark: its tasks, sizes, estimators and report.

    Parameters
    ----------
    title : str
    tasks, sizes : tuple
        Keys of :data:`TASKS` and rows per sample.
    quick_tasks, quick_sizes : tuple
        The same with ``--quick``.
    adapters : tuple of UseAdapter
    report : callable
        ``report(df, out, header) -> str``: writes the part's files, returns its
        markdown.
    serial : bool, default=False
        Run the jobs one at a time whatever ``--n-jobs`` (timings inside a job).
    """

    title: str
    tasks: tuple
    sizes: tuple
    quick_tasks: tuple
    quick_sizes: tuple
    adapters: tuple
    report: Callable
    serial: bool = False


RANKING_TASKS = ("friedman1-10", "sparse-gaussian-10")
LABEL_TASKS = ("mixture-1d", "uniform-1d", "mixture-5d", "uniform-5d")
PARTS = {
    "ranking": Part(
        title="Feature ranking",
        tasks=RANKING_TASKS,
        sizes=(2000,),
        quick_tasks=RANKING_TASKS,
        quick_sizes=(300,),
        adapters=(
            UseAdapter(MINDE, rank_minde, group="minde"),
            UseAdapter(SKLEARN, rank_sklearn),
            UseAdapter("KSG", rank_ksg),
        ),
        report=report_ranking,
    ),
    "labels": Part(
        title="Class labels",
        tasks=LABEL_TASKS,
        sizes=(1000, 5000, 10000),
        quick_tasks=LABEL_TASKS,
        quick_sizes=(300,),
        adapters=(
            UseAdapter(MINDE, label_minde, group="minde"),
            UseAdapter(SKLEARN, label_sklearn, one_column=True),
        ),
        report=report_labels,
    ),
    "pairwise": Part(
        title="Pairwise MI",
        tasks=("gaussian-pairs-10",),
        sizes=(5000,),
        quick_tasks=("gaussian-pairs-4",),
        quick_sizes=(300,),
        adapters=(
            UseAdapter(MINDE, pairwise_minde, group="minde"),
            UseAdapter(
                PARALLEL, pairwise_minde, {"n_jobs": 2}, "minde", first_seed=True
            ),
            UseAdapter(SKLEARN, pairwise_sklearn),
        ),
        report=report_pairwise,
        serial=True,
    ),
}

#: MINDEEstimator parameters of ``--quick``: a fit of a second or less.
QUICK_MINDE = {"max_iter": 30, "hidden_dim": 8, "n_estimation_passes": 1}

# -- Command --------------------------------------------------------------------------


def parse_args(argv=None):
    """Command-line arguments; see ``--help``."""
    p = ArgumentParser(
        prog="python -m benchmarks.uses", description=__doc__.split("\n\n")[0]
    )
    p.add_argument(
        "--part",
        choices=[*PARTS, "all"],
        default="all",
        help="default: all; pairwise runs its jobs one at a time whatever --n-jobs",
    )
    p.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=[0, 1, 2, 3, 4],
        help="default: 0 1 2 3 4",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"300 rows, 4 variables pairwise, MINDE with {QUICK_MINDE}",
    )
    p.add_argument(
        "--minde-param",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="MINDEEstimator parameters, e.g. max_iter=3000 (after --quick's)",
    )
    add_execution_arguments(p)
    out = Path("benchmarks/out") / STUDY
    p.add_argument(
        "--out", type=Path, default=out, help=f"output folder (default: {out})"
    )
    return p.parse_args(argv)


def part_jobs(name, args):
    """The jobs of one part, seed first, and its description.

    Returns
    -------
    jobs : list of Job
    description : str
        The part, the grid, the settings and the machine, for the report.
    """
    part = PARTS[name]
    tasks, sizes = (
        (part.quick_tasks, part.quick_sizes) if args.quick else (part.tasks, part.sizes)
    )
    minde = {**(QUICK_MINDE if args.quick else {}), **parse_params(args.minde_param)}
    adapters = select_adapters(
        [a.name for a in part.adapters],
        {"minde": minde},
        {a.name: a for a in part.adapters},
    )
    jobs = [
        Job(STUDY, UseData(name, task, seed, n), adapter)
        for index, seed in enumerate(args.seeds)
        for n in sizes
        for task in tasks
        for adapter in adapters
        if adapter.runs_on(TASKS[task][0], index)
    ]
    env = environment()
    description = (
        f"{part.title}: {', '.join(tasks)}; n = {list(sizes)}; seeds "
        f"{args.seeds}; MINDE parameters {minde or 'default'}; "
        f"{env['machine']}, GPU: {env['gpu']}, torch "
        f"{env['versions']['torch']}"
    )
    return jobs, description


def main(argv=None):
    """Run the chosen parts (resuming them) and write their reports.

    Returns
    -------
    dict of str to DataFrame
        One frame per part with results (one row per estimate).
    """
    return run_parts(parse_args(argv), PARTS, part_jobs)


if __name__ == "__main__":
    # Run the module's own import, so that the jobs' functions pickle by their module
    # name: joblib's worker processes cannot find functions defined in ``__main__``.
    from benchmarks.uses import main as _main

    _main()
