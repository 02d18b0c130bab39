"""Compare runs of the suite side by side, on the rows they share.

Each run is a results folder of ``benchmarks.bmi_suite`` or
``benchmarks.small_samples`` (its ``results.jsonl``). For every task (and sample
size, where the runs hold several) and estimate, the relative error of each run's
seed mean, written ``a / b / ...`` in the order given, then, per run over the rows
it holds: how many are within 10 % of the true MI, how many over-estimate it by
more than 10 %, and the mean absolute error of the seed means. A second table
checks the error bars, per estimate and run over its fits: how many hold the true
MI within 1.96 standard errors (on the plain Gaussian tasks, and on all), and the
median over the rows of at least 3 seeds of the seeds' standard deviation over
their mean standard error (about 1 where the standard errors are right).

    python -m benchmarks.compare --seeds 0 1 2 3 4 --common \\
        c=benchmarks/results/bmi_n10000_corrected \\
        j=benchmarks/results/bmi_n10000_j_defaults \\
        base=benchmarks/results/bmi_n10000

``--seeds`` keeps only those seeds of every run, and ``--common`` only the rows
every run holds (a screen of a few tasks against a 40-task run on the same samples).
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

#: Order of the estimates in the table (others follow in the order met).
ORDER = ("MINDE-C", "MINDE-C-sigma", "MINDE-J", "MINDE-J-sigma")

#: Relative error that counts as "within" (as in the suite's summary).
TOLERANCE = 0.10

#: Half-width of the error bars, in standard errors (a 95 % normal interval).
Z = 1.96

#: Fewest seeds of a row for its spread to count.
MIN_SEEDS = 3


def _estimates(folder, seeds=None):
    """Each estimate of each fit in ``folder``'s ``results.jsonl`` (only ``seeds``
    where given): ``(((task, n_fit), estimate), value, record)``."""
    with open(Path(folder) / "results.jsonl", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            job = record["job"]
            if seeds is not None and job["seed"] not in seeds:
                continue
            for name, value in (record.get("estimates") or {}).items():
                yield ((job["task"], job.get("n_fit")), name), value, record


def load_run(folder, seeds=None):
    """Seed means of a run: ``{((task, n_fit), estimate): (mean, true_mi)}``.

    Parameters
    ----------
    folder : str or Path
        Holds ``results.jsonl``.
    seeds : collection of int or None, default=None
        Keep only these seeds (None: all).
    """
    values = {}
    for key, value, record in _estimates(folder, seeds):
        values.setdefault(key, ([], record["true_mi"]))[0].append(value)
    return {key: (float(np.mean(v)), true) for key, (v, true) in values.items()}


def load_fits(folder, seeds=None):
    """Fits with error bars: ``{((task, n_fit), estimate): [(value, se, true_mi,
    oracle_se)]}`` (``oracle_se`` NaN where the task's oracle is unknown).

    Fits that failed, or lack the estimate or its standard error, are left out.

    Parameters
    ----------
    folder : str or Path
        Holds ``results.jsonl``.
    seeds : collection of int or None, default=None
        Keep only these seeds (None: all).
    """
    fits = {}
    for key, value, record in _estimates(folder, seeds):
        se = (record.get("std_errors") or {}).get(key[1])
        if record.get("failure") is None and value is not None and se is not None:
            oracle = record.get("oracle_se")
            fits.setdefault(key, []).append(
                (value, se, record["true_mi"], np.nan if oracle is None else oracle)
            )
    return fits


def common_rows(runs, among=None):
    """The runs restricted to the (task, n_fit) rows that every run holds.

    Parameters
    ----------
    runs : dict of str to dict
        Label to a dict keyed by ``((task, n_fit), estimate)``.
    among : dict of str to dict or None, default=None
        The runs whose shared rows to keep (None: ``runs``).
    """
    among = runs if among is None else among
    shared = set.intersection(*({row for row, _ in run} for run in among.values()))
    return {
        label: {k: v for k, v in run.items() if k[0] in shared}
        for label, run in runs.items()
    }


def comparison_table(runs):
    """Markdown table of the relative errors of several runs, side by side.

    Parameters
    ----------
    runs : dict of str to dict
        Label to the output of :func:`load_run`, in column order.

    Returns
    -------
    str
        With an ``n`` column where the runs hold more than one sample size.
    """
    keys = [key for run in runs.values() for key in run]
    tasks = list(dict.fromkeys(task for (task, _), _ in keys))
    rows = sorted(
        dict.fromkeys(row for row, _ in keys),
        key=lambda row: (tasks.index(row[0]), row[1] or 0),
    )
    sizes = len({n for _, n in rows}) > 1
    names = estimate_names(runs)
    lines = [
        f"| task |{' n |' * sizes} true MI | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * (len(names) + sizes),
    ]
    for row in rows:
        true = next(run[k][1] for run in runs.values() for k in run if k[0] == row)
        cells = [
            " / ".join(_relative(run.get((row, name))) for run in runs.values())
            for name in names
        ]
        label = f"{row[0]} | {row[1]}" if sizes else row[0]
        lines.append(f"| {label} | {true:.3f} | " + " | ".join(cells) + " |")
    for label, statistic in (
        ("within 10 %", _within),
        ("over +10 %", _over),
        ("MAE (nats)", _mae),
    ):
        lines.append(_footer(label, runs, names, statistic, sizes))
    return "\n".join(lines) + "\n"


def estimate_names(runs):
    """The estimates of the runs in column order: :data:`ORDER`, then as met."""
    met = list(dict.fromkeys(name for run in runs.values() for _, name in run))
    return [n for n in ORDER if n in met] + [n for n in met if n not in ORDER]


def error_bar_table(fits, names):
    """Markdown table of how well the standard errors of several runs hold.

    Parameters
    ----------
    fits : dict of str to dict
        Label to the output of :func:`load_fits`, in the order of the runs.
    names : list of str
        The estimates in column order; those no run holds a fit of are left out.

    Returns
    -------
    str
        Per estimate, written ``a / b / ...``: how many fits hold the true MI
        within :data:`Z` standard errors, on the plain Gaussian tasks and on
        all, the median over the rows of at least :data:`MIN_SEEDS` seeds of
        their standard deviation over their mean standard error and over the
        oracle's standard error, with the number of those rows; on the plain
        Gaussian tasks the mean standard error and the mean seed-to-seed
        standard deviation; and the fits far above their row's seed median
        (:func:`_far`). Empty where no run holds error bars.
    """
    names = [n for n in names if any(k[1] == n for run in fits.values() for k in run)]
    if not names:
        return ""
    lines = [
        "| error bars | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label, statistic in (
        (f"within ±{Z} SE, Gaussian", _covered_gaussian),
        (f"within ±{Z} SE, all", _covered),
        ("seed SD / mean SE, median (rows)", _spread),
        ("seed SD / oracle SE, median (rows)", _spread_oracle),
        ("mean SE, Gaussian (nats)", _mean_se_gaussian),
        ("seed SD, Gaussian, mean over rows (nats)", _seed_sd_gaussian),
        (f"fits over {FAR}x their row's seed median", _far),
    ):
        cells = [
            " / ".join(
                statistic({row: v for (row, n), v in run.items() if n == name})
                for run in fits.values()
            )
            for name in names
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _covered(rows):
    fits = [fit for row in rows.values() for fit in row]
    hits = sum(abs(value - true) <= Z * se for value, se, true, _ in fits)
    return f"{hits}/{len(fits)}" if fits else "–"


def _covered_gaussian(rows):
    return _covered({row: v for row, v in rows.items() if _is_gaussian(row[0])})


def _is_gaussian(task):
    """Whether ``task`` is a plain Gaussian one (its samples not transformed)."""
    return task.startswith("multinormal") or task == "1v1-normal-0.75"


def _spread(rows, scale=1):
    """Median seed SD over the mean of column ``scale`` (1: SE, 3: oracle SE)."""
    ratios = [
        np.std(fits[:, 0], ddof=1) / np.mean(fits[:, scale])
        for fits in map(np.asarray, rows.values())
        if len(fits) >= MIN_SEEDS and np.isfinite(fits[:, scale]).all()
    ]
    return f"{np.median(ratios):.2f} ({len(ratios)})" if ratios else "–"


def _spread_oracle(rows):
    return _spread(rows, scale=3)


#: A fit is far off when its estimate exceeds this multiple of its row's seed
#: median (rows whose median is above :data:`FAR_MIN` nats).
FAR = 2.0
FAR_MIN = 0.1


def _far(rows):
    """Fits above :data:`FAR` times the seed median of their row, over the fits of
    the rows of at least :data:`MIN_SEEDS` seeds whose median exceeds
    :data:`FAR_MIN`."""
    counted = [
        np.asarray(fits)[:, 0]
        for fits in rows.values()
        if len(fits) >= MIN_SEEDS and np.median(np.asarray(fits)[:, 0]) > FAR_MIN
    ]
    if not counted:
        return "–"
    far = sum(int(np.sum(v > FAR * np.median(v))) for v in counted)
    return f"{far}/{sum(len(v) for v in counted)}"


def _gaussian_fits(rows):
    return [np.asarray(f) for row, f in rows.items() if _is_gaussian(row[0])]


def _mean_se_gaussian(rows):
    fits = _gaussian_fits(rows)
    return f"{np.mean(np.concatenate(fits)[:, 1]):.4f}" if fits else "–"


def _seed_sd_gaussian(rows):
    sds = [np.std(f[:, 0], ddof=1) for f in _gaussian_fits(rows) if len(f) >= MIN_SEEDS]
    return f"{np.mean(sds):.4f}" if sds else "–"


def _relative(cell):
    return "–" if cell is None else f"{100 * (cell[0] / cell[1] - 1):+.0f} %"


def _within(cells):
    hits = sum(abs(mean / true - 1) <= TOLERANCE for mean, true in cells)
    return f"{hits}/{len(cells)}"


def _over(cells):
    hits = sum(mean / true - 1 > TOLERANCE for mean, true in cells)
    return f"{hits}/{len(cells)}"


def _mae(cells):
    return f"{np.mean([abs(mean - true) for mean, true in cells]):.3f}"


def _footer(label, runs, names, statistic, sizes):
    cells = []
    for name in names:
        per_run = []
        for run in runs.values():
            found = [v for (_, n), v in run.items() if n == name]
            per_run.append(statistic(found) if found else "–")
        cells.append(" / ".join(per_run))
    return f"| {label} |{' |' * sizes} | " + " | ".join(cells) + " |"


def _is_run(arg):
    return "=" in arg and not arg.startswith("-")


def main(argv=None):
    """Print the comparison of the runs given as ``LABEL=FOLDER``."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", metavar="LABEL=FOLDER")
    p.add_argument("--seeds", nargs="+", type=int, help="default: every seed")
    p.add_argument(
        "--common", action="store_true", help="only the rows every run holds"
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    # runs first, so that ``--seeds 0 1 LABEL=FOLDER`` does not read a run as a seed
    args = p.parse_args(
        [a for a in argv if _is_run(a)] + [a for a in argv if not _is_run(a)]
    )
    runs, fits = {}, {}
    for item in args.runs:
        label, _, folder = item.partition("=")
        if not folder:
            p.error(f"expected LABEL=FOLDER, got {item!r}")
        runs[label] = load_run(folder, args.seeds)
        fits[label] = load_fits(folder, args.seeds)
    if args.common:
        fits = common_rows(fits, among=runs)
        runs = common_rows(runs)
    table = comparison_table(runs)
    print("columns: " + " / ".join(runs))
    print(table, end="")
    bars = error_bar_table(fits, estimate_names(runs))
    if bars:
        print("\n" + bars, end="")
    return table


if __name__ == "__main__":
    main()
