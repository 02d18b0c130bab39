"""The bmi suite: MINDE and benchmark-mi's estimators on benchmark-mi's 40 tasks.

Runs every estimator on every task and seed, in parallel (joblib, or a Dask cluster
with ``--scheduler``), writes each result to ``results.jsonl`` the moment it is done
and skips finished results on a rerun: kill it and start it again with the same
arguments to resume. Then writes results.csv, table.md (task x estimator),
summary.md (per estimator, beside the oracle floor), heatmap.png and
accuracy_vs_time.png into ``--out``.

Protocols: ``bmi`` ("Beyond Normal": n = 10,000, or 5,000 with ``--n 5000``, seeds
0-9), ``minde`` (the MINDE paper's: MINDE is fitted on 100,000 rows and its estimate
read on 10,000 others; bmi's estimators, which have no separate estimation step, run
on those 10,000) and ``quick`` (4 tasks, 2 seeds, n = 5,000; about 20 minutes on 2
CPU cores with ``--n-jobs 2``). Each sample is standardised. MINDE's variants C and J
each train one network that gives both the plain and the sigma estimate.

    python -m benchmarks.bmi_suite --protocol quick --n-jobs 2
    python -m benchmarks.bmi_suite --protocol bmi --n 5000 --scheduler tcp://host:8786
"""

import argparse
from pathlib import Path

from benchmarks.suite.adapters import ADAPTERS
from benchmarks.suite.cli import (
    add_estimator_arguments,
    add_execution_arguments,
    chosen_adapters,
    run_and_collect,
)
from benchmarks.suite.report import write_reports
from benchmarks.suite.runner import Job, environment
from benchmarks.suite.tasks import PROTOCOLS, TaskData, all_tasks


def parse_args(argv=None):
    """Command-line arguments; see ``--help``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.bmi_suite",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--protocol", choices=sorted(PROTOCOLS), default="quick",
                   help="default: quick")
    p.add_argument("--tasks", nargs="+", metavar="TASK",
                   help="task names, or 'all' (default: the protocol's; see --list)")
    p.add_argument("--seeds", nargs="+", type=int, help="default: the protocol's")
    p.add_argument("--n", type=int, help="rows to fit on (default: the protocol's)")
    p.add_argument("--n-est", type=int,
                   help="rows of the estimation sample, 0 for none "
                        "(default: the protocol's)")
    add_estimator_arguments(p, default=list(ADAPTERS))
    add_execution_arguments(p)
    p.add_argument("--list", action="store_true", help="list the tasks and exit")
    p.add_argument("--out", type=Path,
                   help="output folder (default: benchmarks/out/bmi_suite/PROTOCOL)")
    args = p.parse_args(argv)
    args.out = args.out or Path("benchmarks/out/bmi_suite") / args.protocol
    return args


def build_jobs(args):
    """One job per task, seed and adapter of the sweep.

    Returns
    -------
    jobs : list of Job
    description : str
        The sweep in one line, for the reports.
    """
    protocol = PROTOCOLS[args.protocol]
    tasks = args.tasks or protocol.tasks or ["all"]
    tasks = all_tasks() if tasks == ["all"] else tasks
    unknown = sorted(set(tasks) - set(all_tasks()))
    if unknown:
        raise SystemExit(f"unknown tasks {unknown}; see --list")
    seeds = protocol.seeds if args.seeds is None else args.seeds
    n_fit = args.n or protocol.n_fit
    n_est = (protocol.n_est if args.n_est is None else args.n_est) or None
    adapters, overrides = chosen_adapters(args)
    jobs = [Job("bmi_suite", TaskData(task, seed, n_fit, n_est), adapter)
            for task in tasks for seed in seeds for adapter in adapters]
    description = (f"Protocol {args.protocol}: n_fit = {n_fit}, n_est = {n_est}, "
                   f"{len(tasks)} tasks, seeds {list(seeds)}; MINDE parameters "
                   f"{overrides['minde'] or 'default'}, bmi neural parameters "
                   f"{overrides['neural'] or 'default'}; {environment()['machine']}, "
                   f"GPU: {environment()['gpu']}")
    return jobs, description


def main(argv=None):
    """Run the sweep (resuming it) and write the reports.

    Returns
    -------
    DataFrame or None
        One row per estimate of the sweep; None if nothing is recorded yet.
    """
    args = parse_args(argv)
    if args.list:
        print("\n".join(all_tasks()))
        return None
    jobs, description = build_jobs(args)
    df = run_and_collect(jobs, args, "this sweep")
    if df is None:
        return None
    print(write_reports(df, args.out, header=description + "\n\n"))
    print(f"wrote results.csv, table.md, summary.md, heatmap.png and "
          f"accuracy_vs_time.png to {args.out}")
    return df


if __name__ == "__main__":
    main()
