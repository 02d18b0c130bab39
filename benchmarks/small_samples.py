"""Small samples: relative error of MI estimators against the sample size.

Fits each estimator on benchmark-mi tasks at several sample sizes n (default 250 to
5,000 rows), several seeds, with the bmi suite's machinery: every fit is one job of
one resumable ``results.jsonl`` for the whole grid (the job key holds n, so sizes
coexist; kill the run and start it again to resume). Each sample is standardised;
MINDE reads its estimate on the held-out rows of ``fit``, the others on the whole
sample.

    python -m benchmarks.small_samples --seeds 0 1 2 --estimators MINDE-C \\
        --n-jobs 1 --threads-per-job 1 \\
        --out benchmarks/results/small_samples_current_defaults

Writes to ``--out``: results.csv (one row per estimate), table.md (seed-mean
relative error +- sd over seeds per task, n and estimator, beside the oracle floor),
summary.md (MINDE-C against the issue's targets) and relative_error_vs_n.png.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator  # noqa: E402

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
from benchmarks.suite.tasks import TaskData, all_tasks  # noqa: E402

#: Five tasks of the defaults study (``benchmarks.studies.defaults``) and three
#: non-Gaussian ones.
TASKS = (
    "1v1-normal-0.75",
    "multinormal-dense-5-5-0.5",
    "multinormal-sparse-25-25-2-2.0",
    "half_cube-multinormal-sparse-5-5-2-2.0",
    "student-identity-3-3-2",
    "asinh-student-identity-2-2-1",
    "spiral-multinormal-sparse-5-5-2-2.0",
    "1v1-bimodal-0.75",
)
SIZES = (250, 500, 1000, 2000, 5000)
DEFAULT_ESTIMATORS = ("MINDE-C", "KSG", "CCA")

#: The estimator the issue's targets are about, and the targets: from ``MIN_N`` rows
#: on, the seed-mean relative error within ``WITHIN`` on each task; at any n, no
#: seed mean above the true MI by more than ``OVER`` (fractions of the true MI).
TARGET = "MINDE-C"
MIN_N = 1000
WITHIN = 0.15
OVER = 0.10


def relative_errors(df):
    """Per task, n and estimator: the seed mean and sd of the relative error.

    Parameters
    ----------
    df : DataFrame
        From :func:`~benchmarks.suite.report.records_to_frame` (with ``n_fit``).

    Returns
    -------
    DataFrame
        Columns task, n_fit, estimator, true_mi, seeds, ``rel_error`` (seed mean of
        estimate / true MI - 1), ``rel_sd`` (its sd over seeds) and ``floor`` (oracle
        SE / true MI), all three as fractions. Tasks in order of appearance, each
        with n ascending.
    """
    order = {task: i for i, task in enumerate(dict.fromkeys(df.task))}
    means = seed_means(df, by=["n_fit"]).sort_values(
        ["task", "n_fit"], key=lambda c: c.map(order) if c.name == "task" else c,
        kind="stable")
    return means.assign(rel_error=means["mean"] / means.true_mi - 1,
                        rel_sd=means.sd / means.true_mi,
                        floor=means.oracle_se / means.true_mi)[
        ["task", "n_fit", "estimator", "true_mi", "seeds", "rel_error", "rel_sd",
         "floor"]]


def error_table(errors):
    """Markdown table: one row per task and n, one column per estimator.

    Parameters
    ----------
    errors : DataFrame
        From :func:`relative_errors`.

    Returns
    -------
    str
        Cells "mean ± sd" of the relative error in %, after the true MI and the
        oracle floor in %.
    """
    cells = mean_sd_cells(100 * errors.rel_error, 100 * errors.rel_sd, "{:+.1f}",
                          "{:.1f}")
    facts = {"true MI": errors.true_mi.map("{:.3f}".format),
             "oracle floor (%)": (100 * errors.floor).map("{:.1f}".format)}
    return estimator_table(errors, cells, ["task", "n_fit"], facts, ["task", "n"])


def target_check(errors, estimator):
    """The issue's targets for one estimator.

    Parameters
    ----------
    errors : DataFrame
        From :func:`relative_errors`.
    estimator : str

    Returns
    -------
    met : int
        Tasks and sizes with n >= MIN_N whose seed-mean relative error is within
        WITHIN.
    large : DataFrame
        The rows of ``errors`` with n >= MIN_N (``met`` of them meet the target).
    misses : DataFrame
        Those that do not (a failed fit, NaN, is a miss).
    over : DataFrame
        Rows, at any n, whose seed mean exceeds the true MI by more than OVER.
    """
    own = errors[errors.estimator == estimator]
    large = own[own.n_fit >= MIN_N]
    misses = large[~(large.rel_error.abs() <= WITHIN)]
    over = own[own.rel_error > OVER]
    return len(large) - len(misses), large, misses, over


def _listing(rows):
    """Markdown list "task, n = ...: +12.3 %" of the rows, or "none"."""
    return "\n".join(f"- {r.task}, n = {r.n_fit}: {100 * r.rel_error:+.1f} %"
                     for r in rows.itertuples()) or "none"


def summary_text(errors, header=""):
    """summary.md: TARGET against the issue's targets, and the counts of every
    estimator.

    Parameters
    ----------
    errors : DataFrame
        From :func:`relative_errors`.
    header : str, optional
        First lines (the sweep and settings).

    Returns
    -------
    str
    """
    within = f"within {100 * WITHIN:.0f} % at n >= {MIN_N}"
    over_by = f"over-estimated by more than {100 * OVER:.0f} %"
    lines = [header + f"Targets of issue 13, on the seed mean of estimate / true MI "
             f"- 1: {within} on each task; no task {over_by} at any n.", ""]
    estimators = list(dict.fromkeys(errors.estimator))
    if TARGET in estimators:
        met, large, misses, over = target_check(errors, TARGET)
        lines += [f"## {TARGET}", "",
                  f"{within.capitalize()}: {met}/{len(large)} tasks and sizes. "
                  f"Misses:", "", _listing(misses), "",
                  f"{over_by.capitalize()}: {len(over)} tasks and sizes.", "",
                  _listing(over), ""]
    else:
        lines += [f"{TARGET} is not in this run.", ""]
    lines += ["## Every estimator", "",
              f"| estimator | {within} | {over_by} (any n) |", "|---|---|---|"]
    for name in estimators:
        met, large, _, over = target_check(errors, name)
        lines.append(f"| {name} | {met}/{len(large)} | {len(over)}/"
                     f"{(errors.estimator == name).sum()} |")
    return "\n".join(lines) + "\n"


#: Ticks of the relative-error axis (%), on its symlog scale.
_Y_TICKS = (-1000, -500, -200, -100, -50, -25, -10, 0, 10, 25, 50, 100, 200, 500,
            1000, 2000, 5000)


def plot_relative_errors(errors, path):
    """One panel per task: relative error (%) against n (log), one line per
    estimator with a band of +- one sd over seeds, the +-OVER band shaded and a zero
    line.

    The y axis is linear within +-25 % and logarithmic beyond (symlog), so that
    large errors at small n do not flatten the rest.

    Parameters
    ----------
    errors : DataFrame
        From :func:`relative_errors`.
    path : str or Path
        PNG file to write.
    """
    tasks = list(dict.fromkeys(errors.task))
    colours = {name: f"C{i}" for i, name in enumerate(dict.fromkeys(errors.estimator))}
    fig, axes = panel_grid(len(tasks), (4, 3.4), sharex=True, sharey=True)
    for ax, task in zip(axes.flat, tasks, strict=False):
        frame = errors[errors.task == task]
        ax.axhspan(-100 * OVER, 100 * OVER, color="0.9", zorder=0)
        ax.axhline(0, color="grey", linewidth=1, zorder=1)
        for estimator, curve in frame.groupby("estimator", sort=False):
            curve = curve.sort_values("n_fit")
            n, mean = curve.n_fit, 100 * curve.rel_error
            sd = 100 * curve.rel_sd.fillna(0)
            ax.plot(n, mean, marker="o", markersize=3, color=colours[estimator])
            ax.fill_between(n, mean - sd, mean + sd, color=colours[estimator],
                            alpha=0.15, linewidth=0)
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=25)
        ax.xaxis.set_major_locator(FixedLocator(sorted(set(errors.n_fit))))
        ax.yaxis.set_major_locator(FixedLocator(_Y_TICKS))
        ax.xaxis.set_major_formatter("{x:g}")
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:+g}" if v else "0")
        ax.minorticks_off()
        ax.set_title(f"{task}\ntrue MI {frame.true_mi.iloc[0]:.3f} nats", fontsize=9)
        ax.grid(alpha=0.3, which="both")
    for ax in axes[:, 0]:
        ax.set_ylabel("relative error (%)")
    for ax in axes[-1]:
        ax.set_xlabel("n (rows)")
    handles = [Line2D([], [], color=colour, marker="o", markersize=3, label=name)
               for name, colour in colours.items()]
    handles.append(Patch(color="0.9", label=f"±{100 * OVER:.0f} % of the true MI"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles),
               bbox_to_anchor=(0.5, -0.02), fontsize=9)
    fig.suptitle("Seed-mean relative error (estimate / true MI - 1) against n; bands: "
                 "± one sd over seeds; y linear within ±25 %, log beyond", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def parse_args(argv=None):
    """Command-line arguments; see ``--help``."""
    return grid_parser("small_samples", __doc__.split("\n\n")[0], TASKS, SIZES,
                       range(5), DEFAULT_ESTIMATORS).parse_args(argv)


def build_jobs(args):
    """The grid's jobs and its description: see
    :func:`~benchmarks.suite.cli.grid_jobs`."""
    unknown = sorted(set(args.tasks) - set(all_tasks()))
    if unknown:
        raise SystemExit(f"unknown tasks {unknown}")
    return grid_jobs("small_samples", "Small samples", TaskData, args)


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
    errors = relative_errors(df[df.estimator.isin(args.estimators)])
    header = description + "\n\n"
    (args.out / "table.md").write_text(
        header + "Seed-mean relative error (estimate / true MI - 1, %) ± sd over "
        "seeds; oracle floor: oracle SE / true MI (%).\n\n" + error_table(errors)
        + "\n", encoding="utf-8")
    text = summary_text(errors, header)
    (args.out / "summary.md").write_text(text, encoding="utf-8")
    plot_relative_errors(errors, args.out / "relative_error_vs_n.png")
    print(text)
    print(f"wrote results.csv, table.md, summary.md and relative_error_vs_n.png to "
          f"{args.out}")
    return df


if __name__ == "__main__":
    # Run the module's own import, so that the jobs' functions pickle by their module
    # name: joblib's worker processes cannot find functions defined in ``__main__``.
    from benchmarks.small_samples import main as _main

    _main()
