"""Defaults study: MINDE's default settings against bmi's InfoNCE and KSG.

Fits ``MINDEEstimator()`` (variants C and J; each fit yields its plain and sigma form)
on benchmark-mi tasks at n = 10,000, several seeds, and in the same run the suite's
InfoNCE and KSG (``benchmarks.suite.adapters``) on the same samples. For each MINDE
fit it also measures the bias of where the estimate is read: on the held-out rows of
``fit`` (the reported value), on the rows it was fitted on, and on a fresh sample of
the same size.

    python -m benchmarks.studies.defaults --seeds 0 1 2 \\
        --out benchmarks/results/defaults

Writes ``results.csv`` (one row per task, seed and estimator) and ``summary.md``.
"""

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from benchmarks.suite.params import parse_params

TASKS = [
    "1v1-normal-0.75",
    "multinormal-dense-5-5-0.5",
    "multinormal-sparse-25-25-2-2.0",
    "half_cube-multinormal-sparse-5-5-2-2.0",
    "student-identity-3-3-2",
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", nargs="+", default=TASKS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--n", type=int, default=10_000, help="samples per task and seed")
    p.add_argument("--variants", nargs="+", default=["c", "j"])
    p.add_argument("--baselines", nargs="*", default=["InfoNCE", "KSG"])
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="MINDEEstimator parameter override, e.g. --param max_iter=3000",
    )
    p.add_argument("--out", type=Path, default=Path("benchmarks/out/defaults"))
    return p.parse_args(argv)


def standardise(a):
    return (a - a.mean(0)) / a.std(0)


def baseline(name, x, y, seed):
    """The suite's estimator ``name`` (the same label means the same estimator in
    every study: KSG is the suite's KSG, InfoNCE its InfoNCE) on ``(x, y)``."""
    from benchmarks.suite.adapters import ADAPTERS, Sample

    return ADAPTERS[name].run(Sample(x, y), seed).estimates[name]


def run(args):
    import bmi
    import pandas as pd

    from sklearn_minde import MINDEEstimator

    params = parse_params(args.param)
    # pay torch's one-off imports (about 3 s) before timing anything
    MINDEEstimator(max_iter=2, hidden_dim=8, random_state=0).fit(
        np.random.default_rng(0).normal(size=(64, 2)), np.arange(64.0)
    )
    rows = []
    args.out.mkdir(parents=True, exist_ok=True)
    for task_name in args.tasks:
        task = bmi.benchmark.BENCHMARK_TASKS[task_name]
        for seed in args.seeds:
            x, y = task.sample(args.n, seed=seed)
            x, y = standardise(np.asarray(x)), standardise(np.asarray(y))
            x_new, y_new = (
                standardise(np.asarray(a))
                for a in task.sample(args.n, seed=seed + 1000)
            )
            common = dict(
                task=task_name, seed=seed, true_mi=task.mutual_information, n=args.n
            )
            for variant in args.variants:
                est = MINDEEstimator(variant=variant, random_state=seed, **params)
                t0 = time.perf_counter()
                est.fit(x, y)
                wall = time.perf_counter() - t0
                on_train = est.estimate(x, y)[0]
                on_new = est.estimate(x_new, y_new)[0]
                for name, value in est.estimates_.items():
                    rows.append(
                        dict(
                            common,
                            estimator=name.replace("minde_", "MINDE-")
                            .upper()
                            .replace("_SIGMA", "-sigma"),
                            estimate=value,
                            std_error=est.estimates_std_[name],
                            wall_s=wall,
                            n_iter=est.n_iter_,
                            on_fit_rows=on_train if name.endswith(variant) else np.nan,
                            on_new_sample=on_new if name.endswith(variant) else np.nan,
                        )
                    )
                print(
                    f"{task_name} seed {seed} MINDE-{variant}: {est.estimates_} "
                    f"(true {task.mutual_information:.3f}) {wall:.1f}s "
                    f"{est.n_iter_} steps",
                    flush=True,
                )
            for name in args.baselines:
                t0 = time.perf_counter()
                value = baseline(name, x, y, seed)
                wall = time.perf_counter() - t0
                rows.append(dict(common, estimator=name, estimate=value, wall_s=wall))
                print(
                    f"{task_name} seed {seed} {name}: {value:.3f} {wall:.1f}s",
                    flush=True,
                )
    df = pd.DataFrame(rows)
    df["rel_error"] = (df.estimate - df.true_mi) / df.true_mi
    df["machine"] = f"{platform.machine()} {os.cpu_count()} cores"
    df.to_csv(args.out / "results.csv", index=False)
    summary = summarise(df, params)
    (args.out / "summary.md").write_text(summary)
    print(summary)
    print(f"wrote {args.out / 'results.csv'} and {args.out / 'summary.md'}")
    return df


def summarise(df, params):
    """Markdown: seed-mean estimate and relative error per task and estimator, median
    wall time relative to InfoNCE, and the bias of where MINDE's estimate is read."""
    g = df.groupby(["task", "estimator"])
    table = g.agg(
        true_mi=("true_mi", "first"),
        mean=("estimate", "mean"),
        sd=("estimate", "std"),
        rel_error=("rel_error", "mean"),
        median_wall_s=("wall_s", "median"),
    ).reset_index()
    if "InfoNCE" in set(df.estimator):
        ref = table[table.estimator == "InfoNCE"].set_index("task").median_wall_s
        table["time_vs_InfoNCE"] = table.median_wall_s / table.task.map(ref)
    lines = [
        f"MINDE parameters: {params or 'defaults'}; n = {df.n.iloc[0]}, "
        f"seeds {sorted(df.seed.unique())}, {df.machine.iloc[0]}",
        "",
    ]
    lines.append(table.to_markdown(index=False, floatfmt=".3f"))
    minde = df.dropna(subset=["on_fit_rows"])
    if len(minde):
        bias = minde.assign(
            held_out=minde.estimate - minde.true_mi,
            fit_rows=minde.on_fit_rows - minde.true_mi,
            new_sample=minde.on_new_sample - minde.true_mi,
        )
        lines += [
            "",
            "Bias (estimate - true MI, nats, seed mean) by where the estimate is read:",
            "",
            bias.groupby(["task", "estimator"])[["held_out", "fit_rows", "new_sample"]]
            .mean()
            .reset_index()
            .to_markdown(index=False, floatfmt=".3f"),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run(parse_args())
