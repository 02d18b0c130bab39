"""Conditional MI: I(X; Y | Z) on Gaussian tasks with a known truth.

Jointly Gaussian (X, Y, Z) at several dimensions, with a closed-form I(X; Y | Z)
(METHOD section 10): one task per line of :data:`BASES`, two of them with CMI 0 (X
and Y dependent only through Z), the others with 0.3 to 0.8 nats. Each comes again
with X and Y (not Z) mapped column by column through one of benchmark-mi's
invertible transforms (half-cube, normal CDF and its "wiggly" maps by default, as in
its task list; asinh too), which leaves the CMI unchanged: an estimator that reads
the transformed task differently from the Gaussian one is not invariant. A
transformed task and its Gaussian one share the Gaussian draw of each seed, so their
estimates compare pair by pair.

Estimators, each on the same samples: MINDE-C with Z as ``conditioning_columns``
(its plain and its sigma estimate, from one fit, read on the held-out 20 %);
ParCorr, the Gaussian CMI of the sample covariance (the partial-correlation test's
statistic: exact in the limit on the Gaussian tasks, biased on the transformed
ones); tigramite's CMIknn estimate (its test statistic, nats, on the ranks of each
column) with tigramite's default ``knn=0.2`` (CMIknn) and with 10 neighbours
(CMIknn-10), when tigramite is installed. Each sample is standardised. Every fit is
one job of one resumable ``results.jsonl`` (the bmi suite's machinery; kill the run
and start it again to resume), seed by seed.

    python -m benchmarks.cmi --n-jobs 1 --threads-per-job 1 --out benchmarks/results/cmi

Writes to ``--out``: results.csv (one row per estimate), table.md (seed-mean error
per task and estimator, nats and %), summary.md (per estimator: MAE of the seed
means, on the Gaussian and the transformed tasks, error on the CMI-0 tasks, shift
under the transforms) and estimates.png (seed-mean estimate +- sd against the truth,
one panel per Gaussian task, its transforms side by side).
"""

import zlib
from dataclasses import asdict, dataclass
from functools import cached_property
from importlib.util import find_spec

import jax.numpy as jnp
import matplotlib
from bmi.benchmark.tasks.wiggly import wiggly_x, wiggly_y
from bmi.transforms import half_cube, normal_cdf
from jax.experimental import enable_x64

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from benchmarks.suite.adapters import ADAPTERS, CMIAdapter, Sample  # noqa: E402
from benchmarks.suite.cli import (  # noqa: E402
    grid_jobs,
    grid_parser,
    run_grid,
)
from benchmarks.suite.report import (  # noqa: E402
    estimator_table,
    mean_sd_cells,
    panel_grid,
    seed_means,
)
from benchmarks.suite.tasks import standardise  # noqa: E402

# -- Tasks ----------------------------------------------------------------------------


def _logdet(cov, index):
    """log det of the block of ``cov`` on ``index`` (0 for an empty block)."""
    return np.linalg.slogdet(cov[np.ix_(index, index)])[1] if len(index) else 0.0


def gaussian_cmi_closed_form(cov, dim_x, dim_y):
    """I(X; Y | Z) of a Gaussian with covariance ``cov`` over (X, Y, Z), in nats.

    ``1/2 [log det S_xz + log det S_yz - log det S_z - log det S_xyz]`` (METHOD
    section 10); with no column left for Z, the MI I(X; Y).

    Parameters
    ----------
    cov : ndarray of shape (d, d)
        Columns X (``dim_x``), then Y (``dim_y``), then Z (the rest).
    dim_x, dim_y : int

    Returns
    -------
    float
    """
    x = np.arange(dim_x)
    y = np.arange(dim_x, dim_x + dim_y)
    z = np.arange(dim_x + dim_y, len(cov))
    xz, yz = np.concatenate([x, z]), np.concatenate([y, z])
    return 0.5 * float(_logdet(cov, xz) + _logdet(cov, yz) - _logdet(cov, z)
                       - _logdet(cov, np.arange(len(cov))))


#: Loading of each X and Y column on Z: Z explains LOADING^2 / (1 + LOADING^2) of
#: its variance (69 %).
LOADING = 1.5


@dataclass(frozen=True)
class GaussianCMI:
    """Jointly Gaussian (X, Y, Z) with I(X; Y | Z) = ``cmi``.

    Z ~ N(0, I); X[i] = LOADING <u_i, Z> + e_x[i] and Y[i] = LOADING <u_i, Z> +
    e_y[i], a common cause: the i-th columns of X and Y load on the same random unit
    direction u_i of Z (drawn once from a generator seeded with the dimensions, so
    that the tasks of one shape share them). The noise has unit variances and its
    only correlations pair e_x[i] with e_y[i], ``rho`` each, for the first k =
    min(dim_x, dim_y) columns; then every variable is scaled to unit variance
    (benchmark-mi's transforms expect standard marginals). Given Z, (X, Y) is the
    noise, so I(X; Y | Z) = -k/2 log(1 - rho^2): ``rho`` is set from ``cmi``. Z
    makes X and Y dependent (``mi_without_z``), also when ``cmi`` is 0.

    Parameters
    ----------
    dim_x, dim_y, dim_z : int
    cmi : float
        I(X; Y | Z), nats (0 for X independent of Y given Z).
    """

    dim_x: int
    dim_y: int
    dim_z: int
    cmi: float

    @property
    def name(self):
        """E.g. "cmi-normal-3-3-5-0.6"."""
        return f"cmi-normal-{self.dim_x}-{self.dim_y}-{self.dim_z}-{float(self.cmi)}"

    @property
    def rho(self):
        """Correlation of each noise pair."""
        return float(np.sqrt(-np.expm1(-2 * self.cmi / min(self.dim_x, self.dim_y))))

    @cached_property
    def covariance(self):
        """Covariance (a correlation matrix) of the columns X, Y, Z, in that order."""
        dx, dy, dz = self.dim_x, self.dim_y, self.dim_z
        directions = np.random.default_rng([dx, dy, dz]).normal(size=(max(dx, dy), dz))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        loadings = LOADING * np.vstack([directions[:dx], directions[:dy]])
        noise = np.eye(dx + dy)
        pairs = np.arange(min(dx, dy))
        noise[pairs, dx + pairs] = noise[dx + pairs, pairs] = self.rho
        cov = np.block([[loadings @ loadings.T + noise, loadings],
                        [loadings.T, np.eye(dz)]])
        scale = 1 / np.sqrt(np.diag(cov))
        return cov * np.outer(scale, scale)

    @property
    def true_cmi(self):
        """The closed form of :func:`gaussian_cmi_closed_form` on the covariance,
        rounded to 12 decimals (the log dets' float error), so that a CMI of 0 reads
        0."""
        closed_form = gaussian_cmi_closed_form(self.covariance, self.dim_x, self.dim_y)
        return round(closed_form, 12) + 0.0  # + 0.0: -0.0 to 0.0

    @property
    def mi_without_z(self):
        """I(X; Y), what an estimator that ignores Z would read."""
        d = self.dim_x + self.dim_y
        return gaussian_cmi_closed_form(self.covariance[:d, :d], self.dim_x, self.dim_y)

    @property
    def pointwise_sd(self):
        """Standard deviation of the pointwise CMI, sqrt(k) rho (each noise pair
        adds rho^2 to its variance): the oracle's standard error on n rows is this /
        sqrt(n)."""
        return float(np.sqrt(min(self.dim_x, self.dim_y)) * self.rho)

    def sample(self, n, seed):
        """``n`` rows of x, y and z, drawn from a generator seeded with ``seed`` and
        the task's name.

        Returns
        -------
        x : ndarray of shape (n, dim_x)
        y : ndarray of shape (n, dim_y)
        z : ndarray of shape (n, dim_z)
        """
        rng = np.random.default_rng([seed, zlib.crc32(self.name.encode())])
        cov = self.covariance
        rows = rng.standard_normal((n, len(cov))) @ np.linalg.cholesky(cov).T
        return np.split(rows, [self.dim_x, self.dim_x + self.dim_y], axis=1)


#: The Gaussian tasks: CMI 0 at (1, 1, 1) and (3, 3, 5); 0.3 to 0.8 nats up to
#: (5, 5, 5).
BASES = (
    GaussianCMI(1, 1, 1, 0.0),
    GaussianCMI(1, 1, 1, 0.3),
    GaussianCMI(2, 2, 2, 0.5),
    GaussianCMI(3, 3, 5, 0.0),
    GaussianCMI(3, 3, 5, 0.6),
    GaussianCMI(5, 5, 5, 0.8),
)

#: benchmark-mi's invertible maps, applied to every column of X and of Y (its
#: ``transform_*_task`` functions): (map of X, map of Y).
TRANSFORMS = {
    "half_cube": (half_cube, half_cube),
    "asinh": (jnp.arcsinh, jnp.arcsinh),
    "normal_cdf": (normal_cdf, normal_cdf),
    "wiggly": (wiggly_x, wiggly_y),
}
#: The transforms of the default grid. asinh is left out: on these tasks it moves
#: the Gaussian CMI of a large sample by 2 % at most (half-cube and the normal CDF by
#: up to 5 %, wiggly by 23-26 %), so it tests little that half-cube does not.
DEFAULT_TRANSFORMS = ("half_cube", "normal_cdf", "wiggly")


def apply_map(function, a):
    """A jax map of benchmark-mi on a numpy array, in float64 (jax's float32
    default would round the normal CDF's tails to ties at 0 and 1)."""
    with enable_x64():
        return np.asarray(function(jnp.asarray(a, dtype=jnp.float64)), dtype=np.float64)


@dataclass(frozen=True)
class CMITask:
    """A Gaussian task, with X and Y mapped through a transform or not.

    Parameters
    ----------
    base : GaussianCMI
    transform : str or None
        Key of :data:`TRANSFORMS`; None for the Gaussian task itself.
    """

    base: GaussianCMI
    transform: str | None = None

    @property
    def name(self):
        """The base's name, prefixed by the transform as in benchmark-mi."""
        return self.base.name if self.transform is None else (
            f"{self.transform}-{self.base.name}")

    def sample(self, n, seed):
        """The base's sample of (n, seed), X and Y mapped: the same Gaussian draw
        for every transform of one base."""
        x, y, z = self.base.sample(n, seed)
        if self.transform is None:
            return x, y, z
        map_x, map_y = TRANSFORMS[self.transform]
        return apply_map(map_x, x), apply_map(map_y, y), z


#: Every task the study knows, by name: each base, then its transforms.
TASKS = {task.name: task for base in BASES
         for task in (CMITask(base), *(CMITask(base, t) for t in TRANSFORMS))}
DEFAULT_TASKS = tuple(name for name, task in TASKS.items()
                      if task.transform in (None, *DEFAULT_TRANSFORMS))
N = 5000
SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class CMITaskData:
    """One sample of one task: ``n_fit`` rows drawn with ``seed``, each column
    standardised.

    Parameters
    ----------
    task : str
        Key of :data:`TASKS`.
    seed : int
    n_fit : int
    """

    task: str
    seed: int
    n_fit: int

    def key(self):
        """The fields that identify the sample in the results file."""
        return asdict(self)

    def draw(self):
        """Draw the sample.

        Returns
        -------
        sample : Sample
            With Z in ``z_fit``.
        info : dict
            ``true_mi`` (the true I(X; Y | Z)), ``mi_without_z``, ``oracle_se``,
            ``base``, ``transform`` ("none" for a Gaussian task), ``dim_x``,
            ``dim_y`` and ``dim_z``.
        """
        task = TASKS[self.task]
        x, y, z = task.sample(self.n_fit, self.seed)
        base = task.base
        info = dict(true_mi=base.true_cmi, mi_without_z=base.mi_without_z,
                    oracle_se=base.pointwise_sd / np.sqrt(self.n_fit),
                    base=base.name, transform=task.transform or "none",
                    dim_x=base.dim_x, dim_y=base.dim_y, dim_z=base.dim_z)
        return Sample(standardise(x), standardise(y), z_fit=standardise(z)), info


# -- Estimators -----------------------------------------------------------------------

#: The estimators the study knows; MINDE's adapters condition on the sample's Z.
ESTIMATORS = {
    adapter.name: adapter
    for adapter in (
        ADAPTERS["MINDE-C"],
        ADAPTERS["MINDE-J"],
        CMIAdapter("ParCorr", "gaussian_cmi"),
        CMIAdapter("CMIknn", "cmiknn_cmi", {"knn": 0.2}),
        CMIAdapter("CMIknn-10", "cmiknn_cmi", {"knn": 10}),
    )
}
#: CMIknn only where tigramite is installed.
DEFAULT_ESTIMATORS = ("MINDE-C", "MINDE-C-sigma", "ParCorr") + (
    ("CMIknn", "CMIknn-10") if find_spec("tigramite") else ())

# -- Reports --------------------------------------------------------------------------

#: Relative error under which a seed mean counts as close (tasks with CMI > 0).
WITHIN = 0.10


def task_errors(df):
    """Per task, n and estimator: the seed mean's error.

    Parameters
    ----------
    df : DataFrame
        From :func:`~benchmarks.suite.report.records_to_frame`.

    Returns
    -------
    DataFrame
        The columns of :func:`~benchmarks.suite.report.seed_means` (by n_fit), and
        base, transform, mi_without_z, ``error`` (seed mean - truth, nats) and
        ``rel_error`` (error / truth; NaN where the truth is 0). Tasks in order of
        appearance.
    """
    facts = df.groupby("task", sort=False)[["base", "transform", "mi_without_z"]]
    means = seed_means(df, by=["n_fit"]).join(facts.first(), on="task")
    error = means["mean"] - means.true_mi
    return means.assign(error=error,
                        rel_error=error / means.true_mi.where(means.true_mi != 0))


def error_table(errors):
    """Markdown table: one row per task and n, one column per estimator.

    Parameters
    ----------
    errors : DataFrame
        From :func:`task_errors`.

    Returns
    -------
    str
        Cells "error ± sd (relative error %)", in nats; no relative error where the
        truth is 0. After the true CMI and I(X; Y).
    """
    relative = errors.rel_error.map(" ({:+.1%})".format).str.replace("%", " %")
    cells = mean_sd_cells(errors.error, errors.sd, "{:+.3f}", "{:.3f}") + np.where(
        errors.rel_error.notna(), relative, "")
    facts = {"true CMI": errors.true_mi.map("{:.3f}".format),
             "I(X; Y)": errors.mi_without_z.map("{:.3f}".format)}
    return estimator_table(errors, cells, ["task", "n_fit"], facts, ["task", "n"])


def transform_shifts(df):
    """Per run of a transformed task: its estimate minus the same estimator's on
    the Gaussian task's sample of the same seed and n (0 for an invariant
    estimator).

    Returns
    -------
    DataFrame
        Columns estimator, transform, task, seed, n_fit and shift (nats).
    """
    pair = ["base", "seed", "n_fit", "estimator"]
    gauss = df[df["transform"] == "none"].set_index(pair).estimate.rename("gauss")
    mapped = df[df["transform"] != "none"].join(gauss, on=pair)
    return mapped.assign(shift=mapped.estimate - mapped.gauss)[
        ["estimator", "transform", "task", "seed", "n_fit", "shift"]]


def summary_table(df, errors):
    """Per estimator: runs, failures and the accuracy figures of summary.md.

    Parameters
    ----------
    df : DataFrame
        From :func:`~benchmarks.suite.report.records_to_frame`.
    errors : DataFrame
        From :func:`task_errors` on the same frame.

    Returns
    -------
    DataFrame
        Columns estimator, runs, failed, MAE (of the seed means, every task),
        MAE_gaussian and MAE_transformed (Gaussian and transformed tasks),
        zero_cmi_mean and zero_cmi_max (seed means on the CMI-0 tasks, nats),
        within_10pc (tasks with CMI > 0 whose seed mean is within WITHIN),
        mean_abs_shift (mean of |:func:`transform_shifts`|) and median_fit_s.
    """
    e = errors.assign(abs_error=errors.error.abs(),
                      gaussian=errors["transform"] == "none", zero=errors.true_mi == 0,
                      close=errors.rel_error.abs() <= WITHIN)
    rows = []
    for name, g in e.groupby("estimator", sort=False):
        runs = df[df.estimator == name]
        positive = g[~g.zero]
        rows.append(dict(
            estimator=name, runs=len(runs),
            failed=int((~np.isfinite(runs.estimate)).sum()),
            MAE=g.abs_error.mean(), MAE_gaussian=g[g.gaussian].abs_error.mean(),
            MAE_transformed=g[~g.gaussian].abs_error.mean(),
            zero_cmi_mean=g[g.zero]["mean"].mean(),
            zero_cmi_max=g[g.zero]["mean"].abs().max(),
            within_10pc=f"{int(positive.close.sum())}/{len(positive)}",
            median_fit_s=runs.fit_s.median()))
    table = pd.DataFrame(rows)
    shifts = transform_shifts(df)
    mean_shift = shifts["shift"].abs().groupby(shifts.estimator).mean()
    return table.assign(mean_abs_shift=table.estimator.map(mean_shift))[
        ["estimator", "runs", "failed", "MAE", "MAE_gaussian", "MAE_transformed",
         "zero_cmi_mean", "zero_cmi_max", "within_10pc", "mean_abs_shift",
         "median_fit_s"]]


def summary_text(table, header=""):
    """summary.md: the per-estimator table and what its columns mean."""
    lines = [header + "Per estimator, on the seed means of each task (nats):", "",
             table.to_markdown(index=False, floatfmt=".3f"), "",
             "MAE: mean over tasks of |seed mean - true CMI|; MAE_gaussian and "
             "MAE_transformed: the same over the Gaussian and over the transformed "
             "tasks. zero_cmi_mean: mean of the seed means on the CMI-0 tasks (the "
             "truth is 0, so this is their bias); zero_cmi_max: the largest |seed "
             f"mean| there. within_10pc: tasks with CMI > 0 whose seed mean is "
             f"within {WITHIN:.0%} of the truth. mean_abs_shift: mean over the runs "
             "of a transformed task of |its estimate - the estimate on the Gaussian "
             "draw it maps| (0 for an estimator invariant to the transform; the "
             "truth does not move). median_fit_s: median seconds per run (MINDE-C's "
             "sigma form shares its fit)."]
    return "\n".join(lines).replace("10%", "10 %") + "\n"


def plot_estimates(errors, path):
    """One panel per Gaussian task and n: the seed-mean estimate +- sd of each
    estimator on the task and on each of its transforms, the true CMI dashed.

    Parameters
    ----------
    errors : DataFrame
        From :func:`task_errors`.
    path : str or Path
        PNG file to write.
    """
    panels = list(dict.fromkeys(zip(errors.base, errors.n_fit, strict=True)))
    estimators = list(dict.fromkeys(errors.estimator))
    colours = {name: f"C{i}" for i, name in enumerate(estimators)}
    several_n = errors.n_fit.nunique() > 1
    fig, axes = panel_grid(len(panels), (4, 3.4), max_columns=3)
    for ax, (base, n) in zip(axes.flat, panels, strict=False):
        frame = errors[(errors.base == base) & (errors.n_fit == n)]
        transforms = list(dict.fromkeys(["none", *frame["transform"]]))
        width = 0.8 / len(estimators)
        for k, name in enumerate(estimators):
            own = frame[frame.estimator == name].set_index("transform").reindex(
                transforms)
            ax.errorbar(np.arange(len(transforms)) - 0.4 + width * (k + 0.5),
                        own["mean"], yerr=own.sd.fillna(0), fmt="o", markersize=3,
                        capsize=2, color=colours[name])
        ax.axhline(frame.true_mi.iloc[0], color="black", linestyle="--", linewidth=1)
        ax.set_xticks(range(len(transforms)),
                      ["Gaussian", *transforms[1:]], fontsize=8)
        ax.set_title(f"{base}{f', n = {n}' if several_n else ''}\ntrue CMI "
                     f"{frame.true_mi.iloc[0]:.3f}, I(X; Y) "
                     f"{frame.mi_without_z.iloc[0]:.3f} nats", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    for ax in axes[:, 0]:
        ax.set_ylabel("estimate (nats)")
    handles = [Line2D([], [], color=colour, marker="o", linestyle="", label=name)
               for name, colour in colours.items()]
    handles.append(Line2D([], [], color="black", linestyle="--", label="true CMI"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles),
               bbox_to_anchor=(0.5, -0.02), fontsize=9)
    fig.suptitle("Seed-mean estimate of I(X; Y | Z) ± sd over seeds, on each Gaussian "
                 "task and its transforms of X and Y (same truth); I(X; Y): what "
                 "ignoring Z reads", fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


# -- Command --------------------------------------------------------------------------


def parse_args(argv=None):
    """Command-line arguments; see ``--help``."""
    others = " and ".join(sorted(set(TRANSFORMS) - set(DEFAULT_TRANSFORMS)))
    return grid_parser(
        "cmi", __doc__.split("\n\n")[0], DEFAULT_TASKS, [N], SEEDS,
        DEFAULT_ESTIMATORS, ESTIMATORS, choices=list(TASKS),
        tasks_note=f"; also known: the {others} transforms of each Gaussian task "
        "(e.g. asinh-cmi-normal-1-1-1-0.3)").parse_args(argv)


def build_jobs(args):
    """The grid's jobs and its description: see
    :func:`~benchmarks.suite.cli.grid_jobs`."""
    return grid_jobs("cmi", "Conditional MI", CMITaskData, args, ESTIMATORS)


def main(argv=None):
    """Run the grid (resuming it) and write the reports.

    Returns
    -------
    DataFrame or None
        One row per estimate; None if nothing is recorded yet.
    """
    args = parse_args(argv)
    jobs, description = build_jobs(args)
    df = run_grid(jobs, args)
    if df is None:
        return None
    df = df[df.estimator.isin(args.estimators)]
    errors = task_errors(df)
    header = (f"{description}\n\n{df.groupby(['task', 'seed', 'n_fit']).ngroups} of "
              f"{len({(j.data.task, j.data.seed, j.data.n_fit) for j in jobs})} "
              "samples recorded.\n\n")
    (args.out / "table.md").write_text(
        header + "Seed-mean error of the estimate of I(X; Y | Z) (estimate - truth, "
        "nats) ± sd over seeds, and (in brackets) relative to the truth; I(X; Y) is "
        "what an estimator that ignores Z would read.\n\n" + error_table(errors)
        + "\n", encoding="utf-8")
    text = summary_text(summary_table(df, errors), header)
    (args.out / "summary.md").write_text(text, encoding="utf-8")
    plot_estimates(errors, args.out / "estimates.png")
    print(text)
    print(f"wrote results.csv, table.md, summary.md and estimates.png to {args.out}")
    return df


if __name__ == "__main__":
    # Run the module's own import, so that the jobs' functions pickle by their module
    # name: joblib's worker processes cannot find functions defined in ``__main__``.
    from benchmarks.cmi import main as _main

    _main()
