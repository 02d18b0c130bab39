"""High MI: the staircase of Gaussians of known MI from 1 to 10 nats.

X and Y each have d standard normal columns, with corr(X_i, Y_i) = rho for each i and
every other correlation 0, so that MI = -d/2 log(1 - rho^2); rho is set for MI of 1,
2, 4, 6, 8 and 10 nats (:data:`LEVELS`) in 5 + 5 and 20 + 20 columns
(:data:`DIMS`). Each comes plain and through an invertible map of every column of X
and Y (cube: x -> x^3, sinh: x -> sinh(x)), which leaves the MI unchanged; a mapped
sample and its plain one share the Gaussian draw of each seed. Every sample is
standardised column by column. Estimators: MINDE-C (``MINDEEstimator`` with its
defaults, read on the held-out rows of ``fit``) beside benchmark-mi's KSG, CCA and
InfoNCE on the whole sample. Every fit is one job of one resumable ``results.jsonl``
(the suite's runner: kill the run and start it again to resume). ``--quick`` shrinks
everything (300 rows, 2 + 2 columns, 1 and 2 nats, a tiny MINDE and InfoNCE) for
the tests.

    python -m benchmarks.high_mi --seeds 0 1 2 --n-jobs 2 --threads-per-job 1 \\
        --out benchmarks/results/high_mi

Writes to ``--out``: results.csv (one row per estimate), summary.md (seed mean +- sd
of each estimator per dimension and map, MINDE-C against the issue's target, fit
times relative to InfoNCE) and staircase.png.
"""

import inspect
import json
import zlib
from dataclasses import asdict, dataclass

import bmi.estimators
import matplotlib
import numpy as np

from benchmarks.suite.adapters import Sample
from benchmarks.suite.cli import (
    failure_note,
    grid_jobs,
    grid_parser,
    run_grid,
)
from benchmarks.suite.report import (
    estimator_table,
    fit_time_ratios,
    mean_sd_cells,
    panel_grid,
    seed_means,
    time_note,
)
from benchmarks.suite.tasks import standardise

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

STUDY = "high_mi"

#: Columns of X (and of Y), and the MI levels in nats.
DIMS = (5, 20)
LEVELS = (1.0, 2.0, 4.0, 6.0, 8.0, 10.0)


def cube(a):
    """``a ** 3``, element by element."""
    return a**3


#: The invertible maps applied to every column of X and Y; "none" is the Gaussian.
MAPS = {"cube": cube, "sinh": np.sinh}
TRANSFORMS = ("none", *MAPS)
#: The maps in the reports.
MAP_TITLES = {"none": "Gaussian", "cube": "cube", "sinh": "sinh"}

DEFAULT_ESTIMATORS = ("MINDE-C", "KSG", "CCA", "InfoNCE")

#: The issue's target: TARGET's seed mean within WITHIN (a fraction of the true MI)
#: on every case of true MI up to MAX_MI nats.
TARGET = "MINDE-C"
WITHIN = 0.10
MAX_MI = 8.0

#: The estimator whose ceiling :func:`infonce_note` states.
INFONCE = "InfoNCE"


def correlation(dim, mi):
    """The per-pair correlation rho that gives ``mi`` nats in ``dim`` pairs:
    ``sqrt(1 - exp(-2 mi / dim))``."""
    return float(np.sqrt(-np.expm1(-2 * mi / dim)))


def gaussian_mi(dim, rho):
    """MI of ``dim`` independent pairs of correlation ``rho``: ``-dim/2 log(1 -
    rho^2)`` nats."""
    return float(-dim / 2 * np.log1p(-(rho**2)))


def task_name(dim, mi, transform):
    """E.g. "staircase-5-5-4", or "cube-staircase-5-5-4" for the mapped sample."""
    name = f"staircase-{dim}-{dim}-{mi:g}"
    return name if transform == "none" else f"{transform}-{name}"


def task_grid(dims, levels):
    """Task names to ``(dim, mi, transform)``, dimension first, then map, then MI."""
    return {task_name(d, m, t): (d, m, t)
            for d in dims for t in TRANSFORMS for m in levels}


TASKS = task_grid(DIMS, LEVELS)

#: ``--quick``: its tasks and rows, and the parameters of MINDE and bmi's neural
#: estimators (fits of a second or so).
QUICK_TASKS = task_grid((2,), (1.0, 2.0))
QUICK_N = 300
QUICK_MINDE = {"max_iter": 30, "hidden_dim": 8, "n_estimation_passes": 1}
QUICK_NEURAL = {"max_n_steps": 20, "batch_size": 64, "test_every_n_steps": 10}


@dataclass(frozen=True)
class StaircaseData:
    """One sample of the staircase: ``n_fit`` rows of ``dim`` + ``dim`` columns,
    mapped or not, each column standardised.

    Parameters
    ----------
    dim : int
        Columns of X, and of Y.
    mi : float
        The MI in nats.
    transform : str
        One of :data:`TRANSFORMS`.
    seed : int
        Seeds the Gaussian draw (shared by the maps) and the estimator.
    n_fit : int
    """

    dim: int
    mi: float
    transform: str
    seed: int
    n_fit: int

    @property
    def task(self):
        """:func:`task_name` of the sample."""
        return task_name(self.dim, self.mi, self.transform)

    def key(self):
        """The fields that identify the sample in the results file."""
        return asdict(self)

    def gaussian(self):
        """The Gaussian draw before the map: X standard normal, ``Y = rho X +
        sqrt(1 - rho^2) E`` with E independent standard normal, from a generator
        seeded with the seed and the plain task's name.

        Returns
        -------
        x, y : ndarray of shape (n_fit, dim)
        """
        rho = correlation(self.dim, self.mi)
        name = task_name(self.dim, self.mi, "none")
        rng = np.random.default_rng([self.seed, zlib.crc32(name.encode())])
        x, noise = rng.standard_normal((2, self.n_fit, self.dim))
        return x, rho * x + np.sqrt(1 - rho**2) * noise

    def draw(self):
        """The sample and its facts.

        Returns
        -------
        sample : Sample
        info : dict
            ``task``, ``true_mi``, ``dim_x``, ``dim_y`` and ``oracle_se``: the
            pointwise MI of a pair of correlation rho has sd rho, so that of d
            independent pairs has sd ``rho sqrt(d)`` (the maps leave it unchanged),
            over ``sqrt(n_fit)``.
        """
        x, y = self.gaussian()
        if self.transform != "none":
            x, y = MAPS[self.transform](x), MAPS[self.transform](y)
        rho = correlation(self.dim, self.mi)
        info = dict(task=self.task, true_mi=gaussian_mi(self.dim, rho),
                    dim_x=self.dim, dim_y=self.dim,
                    oracle_se=float(rho * np.sqrt(self.dim / self.n_fit)))
        return Sample(standardise(x), standardise(y)), info


# -- Report ---------------------------------------------------------------------------


def case_means(df):
    """Per case (dimension, map and MI) and estimator: the seed mean and sd.

    Parameters
    ----------
    df : DataFrame
        From :func:`~benchmarks.suite.report.records_to_frame`.

    Returns
    -------
    DataFrame
        The columns of :func:`~benchmarks.suite.report.seed_means`, with dim,
        transform and mi, and ``rel_error`` (seed mean / true MI - 1).
    """
    means = seed_means(df, by=["dim", "transform", "mi"])
    return means.assign(rel_error=means["mean"] / means.true_mi - 1)


def target_check(means, estimator=TARGET):
    """The issue's target for one estimator.

    Parameters
    ----------
    means : DataFrame
        From :func:`case_means`.
    estimator : str, default=TARGET

    Returns
    -------
    cases : DataFrame
        Its rows of ``means`` with MI up to MAX_MI.
    misses : DataFrame
        Those whose seed mean is not within WITHIN of the true MI (a failed fit,
        NaN, is a miss).
    """
    cases = means[(means.estimator == estimator) & (means.mi <= MAX_MI)]
    return cases, cases[~(cases.rel_error.abs() <= WITHIN)]


def case_label(dim, transform, mi):
    """E.g. "5 + 5 columns, cube, 4 nats"."""
    return f"{dim} + {dim} columns, {MAP_TITLES[transform]}, {mi:g} nats"


def target_text(means):
    """Markdown lines of the target: the verdict and the misses of TARGET, and every
    estimator's count."""
    target = f"{TARGET} within {100 * WITHIN:.0f} % on every case up to {MAX_MI:g} nats"
    lines = ["## Target", "", f"Issue 28's target, on the seed mean of estimate / "
             f"true MI - 1: {target}.", ""]
    estimators = list(dict.fromkeys(means.estimator))
    if TARGET in estimators:
        cases, misses = target_check(means)
        verdict = "met" if misses.empty else "missed"
        lines += [f"**{verdict.capitalize()}**: {len(cases) - len(misses)}/"
                  f"{len(cases)} cases within {100 * WITHIN:.0f} %. Misses:", ""]
        listing = [f"- {case_label(r.dim, r.transform, r.mi)}: "
                   f"{100 * r.rel_error:+.1f} %" for r in misses.itertuples()]
        lines += listing or ["none"]
    else:
        lines.append(f"{TARGET} is not in this run.")
    lines += ["", f"| estimator | within {100 * WITHIN:.0f} % up to {MAX_MI:g} nats |",
              "|---|---|"]
    for name in estimators:
        cases, misses = target_check(means, name)
        lines.append(f"| {name} | {len(cases) - len(misses)}/{len(cases)} |")
    return lines


def case_tables(means):
    """Markdown lines: a table per dimension and map, a row per MI level, the seed
    mean ± sd of each estimator beside the oracle SE."""
    lines = []
    for (dim, transform), frame in means.groupby(["dim", "transform"], sort=False):
        cells = mean_sd_cells(frame["mean"], frame.sd, "{:.2f}")
        rows = frame.assign(level=frame.mi.map("{:g}".format),
                            floor=frame.oracle_se.map("{:.3f}".format))
        table = estimator_table(rows, cells, ["level", "floor"], {},
                                ["true MI", "oracle SE"], missing="not run")
        lines += [f"### {dim} + {dim} columns, {MAP_TITLES[transform]}", "", table, ""]
    return lines


def time_table(df):
    """Markdown table: per estimator, the median fit-time ratio of
    :func:`~benchmarks.suite.report.fit_time_ratios`, over every case and per
    dimension."""
    frame = df.assign(ratio=fit_time_ratios(df),
                      columns=df.dim.map("{0} + {0} columns".format))
    table = frame.pivot_table(index="estimator", columns="columns", values="ratio",
                              aggfunc="median", sort=False)
    table.insert(0, "all", frame.groupby("estimator", sort=False).ratio.median())
    table = table.reindex(list(dict.fromkeys(df.estimator)))
    return table.to_markdown(floatfmt=".2f")


def infonce_settings(df):
    """InfoNCE's batch size and the fraction of rows it trains on, from the run's
    settings (benchmark-mi's defaults where not set); None without InfoNCE."""
    rows = df[df.estimator == INFONCE]
    if rows.empty:
        return None
    settings = json.loads(rows.settings.iloc[0])
    defaults = inspect.signature(bmi.estimators.InfoNCEEstimator).parameters
    return tuple(settings.get(name, defaults[name].default)
                 for name in ("batch_size", "train_test_split"))


def infonce_note(df):
    """The sentence on InfoNCE's ceiling, or "" without InfoNCE in ``df``."""
    settings = infonce_settings(df)
    if settings is None:
        return ""
    batch, train = settings
    held_out = ", ".join(f"{np.log((1 - train) * n):.2f} nats at n = {n:,}"
                         for n in sorted(set(df.n_fit)))
    return (f"{INFONCE}'s estimate is a contrastive bound, which cannot exceed the log "
            f"of the rows it contrasts: log {batch} = {np.log(batch):.2f} nats on its "
            f"training batches of {batch} rows, and log({1 - train:g} n) on the rows "
            f"it holds out to read the estimate ({held_out}).")


def summary_text(df, header=""):
    """summary.md: the seed means per dimension and map, the target, fit times.

    Parameters
    ----------
    df : DataFrame
        From :func:`~benchmarks.suite.report.records_to_frame`.
    header : str, optional
        First lines (the grid, settings and machine).

    Returns
    -------
    str
    """
    means = case_means(df)
    lines = [header + "## Estimates", "",
             "Seed mean ± sd over seeds of each estimate (nats); oracle SE: "
             "standard error of the estimator that knows the densities, sd of the "
             "pointwise MI / sqrt(n).", "", *case_tables(means), *target_text(means),
             "", "## Fit time", "", time_note(df), "", time_table(df)]
    note = infonce_note(df)
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


#: Axis limits of the staircase plot, nats.
AXIS = (0.0, 10.5)


def plot_staircase(means, path, cap=None):
    """A panel per dimension (rows) and map (columns): each estimator's seed mean
    against the true MI, error bars of one sd over seeds, and the diagonal.

    Parameters
    ----------
    means : DataFrame
        From :func:`case_means`.
    path : str or Path
        PNG file to write.
    cap : float, optional
        log of InfoNCE's batch size, drawn as a dotted line.
    """
    panels = list(dict.fromkeys(zip(means.dim, means["transform"], strict=True)))
    transforms = list(dict.fromkeys(means["transform"]))
    estimators = list(dict.fromkeys(means.estimator))
    colours = {name: f"C{i}" for i, name in enumerate(estimators)}
    fig, axes = panel_grid(len(panels), (3.8, 3.6), max_columns=len(transforms),
                           sharex=True, sharey=True)
    for ax, (dim, transform) in zip(axes.flat, panels, strict=False):
        ax.plot(AXIS, AXIS, color="grey", linewidth=1)
        if cap is not None:
            ax.axhline(cap, color=colours[INFONCE], linestyle=":", linewidth=1)
        frame = means[(means.dim == dim) & (means["transform"] == transform)]
        for estimator, curve in frame.groupby("estimator", sort=False):
            ax.errorbar(curve.true_mi, curve["mean"], yerr=curve.sd.fillna(0),
                        color=colours[estimator], marker="o", markersize=3,
                        capsize=2, linewidth=1)
        ax.set_xlim(AXIS)
        ax.set_ylim(AXIS)
        ax.set_title(f"{dim} + {dim} columns, {MAP_TITLES[transform]}", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("estimate (nats)")
    for ax in axes[-1]:
        ax.set_xlabel("true MI (nats)")
    handles = [Line2D([], [], color=colour, marker="o", markersize=3, label=name)
               for name, colour in colours.items()]
    handles.append(Line2D([], [], color="grey", linewidth=1,
                          label="estimate = true MI"))
    if cap is not None:
        handles.append(Line2D([], [], color=colours[INFONCE], linestyle=":",
                              label=f"log of {INFONCE}'s batch size"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles),
               bbox_to_anchor=(0.5, -0.02), fontsize=8)
    fig.suptitle("Seed-mean estimate against the true MI; error bars: ± one sd over "
                 "seeds", fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


# -- Command --------------------------------------------------------------------------


def _items(params):
    """``{"max_iter": 30}`` -> ``["max_iter=30"]``."""
    return [f"{name}={value!r}" for name, value in params.items()]


def parse_args(argv=None):
    """Command-line arguments; see ``--help``. ``tasks`` holds task names ("all"
    resolved), ``n`` one size; ``--quick`` sets the tasks and rows and puts its
    parameters before those of ``--minde-param`` and ``--neural-param``."""
    p = grid_parser(STUDY, __doc__.split("\n\n")[0], ["all"], (10_000,), range(3),
                    DEFAULT_ESTIMATORS, choices=["all", *TASKS],
                    tasks_note=f", the {len(TASKS)} tasks "
                               f"[cube-|sinh-]staircase-<d>-<d>-<MI> (e.g. "
                               f"staircase-5-5-4, cube-staircase-20-20-10)")
    p.add_argument("--quick", action="store_true",
                   help=f"{QUICK_N} rows, tasks {' '.join(QUICK_TASKS)}; MINDE with "
                        f"{QUICK_MINDE}, bmi's neural estimators with {QUICK_NEURAL}")
    args = p.parse_args(argv)
    if len(args.n) > 1:
        p.error("--n takes one size: the report sets estimators side by side at one n")
    if args.quick:
        args.tasks, args.n = list(QUICK_TASKS), [QUICK_N]
        args.minde_param = [*_items(QUICK_MINDE), *args.minde_param]
        args.neural_param = [*_items(QUICK_NEURAL), *args.neural_param]
    elif "all" in args.tasks:
        args.tasks = list(TASKS)
    return args


def build_jobs(args):
    """The grid's jobs and its description: see
    :func:`~benchmarks.suite.cli.grid_jobs`."""
    specs = {**TASKS, **QUICK_TASKS}
    return grid_jobs(STUDY, "High-MI staircase",
                     lambda task, seed, n: StaircaseData(*specs[task], seed, n), args)


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
    text = summary_text(df, description + "\n\n" + failure_note(df))
    (args.out / "summary.md").write_text(text, encoding="utf-8")
    settings = infonce_settings(df)
    plot_staircase(case_means(df), args.out / "staircase.png",
                   None if settings is None else np.log(settings[0]))
    print(text)
    print(f"wrote results.csv, summary.md and staircase.png to {args.out}")
    return df


if __name__ == "__main__":
    # Run the module's own import, so that the jobs' functions pickle by their module
    # name: joblib's worker processes cannot find functions defined in ``__main__``.
    from benchmarks.high_mi import main as _main

    _main()
