"""Command-line pieces shared by the studies: estimator choice, parameter overrides
and how the jobs run."""

import argparse
from pathlib import Path

from .adapters import ADAPTERS, select_adapters
from .params import parse_params
from .report import add_errors, records_to_frame
from .runner import Job, environment, run_jobs
from .store import ResultStore


def estimator_names(registry=None):
    """Every estimate name the registry (default :data:`ADAPTERS`) can produce, in
    registry order."""
    registry = ADAPTERS if registry is None else registry
    return [out for adapter in registry.values() for out in adapter.outputs()]


def add_estimator_arguments(parser, default, registry=None):
    """``--estimators``, ``--minde-param`` and ``--neural-param``; the names known are
    those of ``registry`` (default :data:`ADAPTERS`)."""
    parser.add_argument("--estimators", nargs="+", default=list(default),
                        metavar="NAME", help=f"default: {' '.join(default)}; known: "
                             f"{' '.join(estimator_names(registry))}")
    parser.add_argument("--minde-param", nargs="+", action="extend", default=[],
                        metavar="NAME=VALUE",
                        help="MINDEEstimator parameters, e.g. max_iter=3000")
    parser.add_argument("--neural-param", nargs="+", action="extend", default=[],
                        metavar="NAME=VALUE",
                        help="parameters of bmi's neural estimators, e.g. "
                             "max_n_steps=2000")


def add_execution_arguments(parser):
    """``--n-jobs``, ``--scheduler``, ``--threads-per-job``, ``--retry-failed``,
    ``--report-only`` and ``--no-progress``."""
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="parallel joblib worker processes (default: 1)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on the Dask scheduler at ADDRESS, e.g. "
                             "tcp://10.0.0.5:8786 (needs the distributed package)")
    parser.add_argument("--threads-per-job", type=int,
                        help="torch threads in each job (default: torch's own)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="rerun the jobs recorded as failed")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing; report what the results file holds")
    parser.add_argument("--no-progress", action="store_true",
                        help="hide the progress bar")


def grid_parser(study, description, tasks, sizes, seeds, estimators, registry=None,
                choices=None, tasks_note=""):
    """The command line of a grid study, ``python -m benchmarks.<study>``:
    ``--tasks``, ``--n``, ``--seeds``, the estimator and execution arguments, and
    ``--out`` (default ``benchmarks/out/<study>``).

    Parameters
    ----------
    study : str
        The study's module in ``benchmarks``.
    description : str
    tasks, sizes, seeds : sequence
        Defaults of ``--tasks``, ``--n`` (rows per sample) and ``--seeds``.
    estimators : sequence of str
        Default of ``--estimators``.
    registry : dict of str to adapter, optional
        Defaults to :data:`ADAPTERS`.
    choices : sequence of str, optional
        The tasks ``--tasks`` accepts (None: any, checked by the study).
    tasks_note : str, optional
        More help on ``--tasks``, after its default.

    Returns
    -------
    argparse.ArgumentParser
    """
    p = argparse.ArgumentParser(prog=f"python -m benchmarks.{study}",
                                description=description)
    p.add_argument("--tasks", nargs="+", default=list(tasks), metavar="TASK",
                   choices=choices, help=f"default: {' '.join(tasks)}{tasks_note}")
    p.add_argument("--n", nargs="+", type=int, default=list(sizes),
                   help=f"rows per sample (default: {' '.join(map(str, sizes))})")
    p.add_argument("--seeds", nargs="+", type=int, default=list(seeds),
                   help=f"default: {' '.join(map(str, seeds))}")
    add_estimator_arguments(p, default=estimators, registry=registry)
    add_execution_arguments(p)
    out = Path("benchmarks/out") / study
    p.add_argument("--out", type=Path, default=out,
                   help=f"output folder (default: {out})")
    return p


def chosen_adapters(args, registry=None):
    """The adapters named by ``--estimators``, with the ``--*-param`` overrides.

    Parameters
    ----------
    args : argparse.Namespace
    registry : dict of str to adapter, optional
        Defaults to :data:`ADAPTERS`.

    Returns
    -------
    adapters : list of adapter
    overrides : dict of str to dict
        The parsed overrides by group ("minde", "neural").
    """
    overrides = {"minde": parse_params(args.minde_param),
                 "neural": parse_params(args.neural_param)}
    if "conditioning_columns" in overrides["minde"]:
        raise SystemExit(
            "--minde-param conditioning_columns: the suite sets it from each task's "
            "conditioning variable Z (none for the MI tasks); leave it out.")
    return select_adapters(args.estimators, overrides, registry), overrides


def grid_jobs(study, title, data, args, registry=None):
    """The jobs of a grid study: one per seed, n, task and adapter of ``args``,
    seed first (so that a partial run covers the whole grid for the first seeds).

    Parameters
    ----------
    study : str
        The jobs' study name.
    title : str
        The study in words, first in the description.
    data : callable
        ``data(task, seed, n)``: the data specification of one job.
    args : argparse.Namespace
        With ``tasks``, ``n``, ``seeds`` and the estimator arguments.
    registry : dict of str to adapter, optional
        Defaults to :data:`ADAPTERS`.

    Returns
    -------
    jobs : list of Job
    description : str
        The grid, the settings and the machine in one line, for the reports.
    """
    adapters, overrides = chosen_adapters(args, registry)
    jobs = [Job(study, data(task, seed, n), adapter)
            for seed in args.seeds for n in args.n for task in args.tasks
            for adapter in adapters]
    env = environment()
    description = (f"{title}: n = {args.n}, {len(args.tasks)} tasks, seeds "
                   f"{args.seeds}; MINDE parameters {overrides['minde'] or 'default'}; "
                   f"{env['machine']}, GPU: {env['gpu']}, torch "
                   f"{env['versions']['torch']}, benchmark-mi "
                   f"{env['versions']['benchmark-mi']}")
    return jobs, description


def run_and_collect(jobs, args, what):
    """Run what is missing (unless ``--report-only``) and return the records of
    ``jobs`` that ``args.out/results.jsonl`` holds, as a DataFrame.

    Parameters
    ----------
    jobs : list of Job
    args : argparse.Namespace
        With the execution arguments and ``out``.
    what : str
        What the jobs are, for the message when nothing is recorded yet.

    Returns
    -------
    DataFrame or None
        One row per estimate, in the order of ``jobs``; None (with a message) when
        the store holds none of them.
    """
    store = ResultStore(args.out / "results.jsonl")
    if not args.report_only:
        ran = run_jobs(jobs, store, n_jobs=args.n_jobs, scheduler=args.scheduler,
                       threads=args.threads_per_job, retry_failed=args.retry_failed,
                       progress=not args.no_progress)
        print(f"ran {ran} of {len(jobs)} jobs; the others were already in {store.path}")
    records = store.load()
    done = [records[job.id] for job in jobs if job.id in records]
    if not done:
        print(f"no results for {what} in {store.path}")
        return None
    return records_to_frame(done)


def run_grid(jobs, args):
    """:func:`run_and_collect` for a grid study, writing its ``results.csv`` (every
    estimate with its errors) to ``args.out``.

    Returns
    -------
    DataFrame or None
        As :func:`run_and_collect`.
    """
    df = run_and_collect(jobs, args, "this grid")
    if df is not None:
        add_errors(df).to_csv(args.out / "results.csv", index=False)
    return df


def run_parts(args, parts, part_jobs):
    """Run the chosen parts of a study (resuming them) and write their reports.

    Each part's report goes to ``args.out/<part>.md`` (with its csv and png when
    any job succeeded) and is printed.

    Parameters
    ----------
    args : argparse.Namespace
        With ``part`` (a name of ``parts`` or ``"all"``), ``out`` and the execution
        arguments.
    parts : dict of str to Part
        Each part has ``serial`` (run its jobs one at a time whatever
        ``--n-jobs``) and ``report(df, out, header) -> str``.
    part_jobs : callable
        ``part_jobs(name, args) -> (jobs, description)``.

    Returns
    -------
    dict of str to DataFrame
        One frame per part with results.
    """
    args.out.mkdir(parents=True, exist_ok=True)
    frames = {}
    for name in parts if args.part == "all" else [args.part]:
        jobs, description = part_jobs(name, args)
        serial = argparse.Namespace(**{**vars(args), "n_jobs": 1, "scheduler": None})
        df = run_and_collect(jobs, serial if parts[name].serial else args,
                             f"the {name} part")
        if df is None:
            continue
        frames[name] = df
        header = f"{description}\n\n{len(df)} of {len(jobs)} jobs recorded.\n\n"
        if df.failure.notna().all():
            text, files = header + failure_note(df), f"{name}.md"
        else:
            text = parts[name].report(df, args.out, header)
            files = f"{name}.csv, {name}.md and {name}.png"
        (args.out / f"{name}.md").write_text(text, encoding="utf-8")
        print(text)
        print(f"wrote {files} to {args.out}")
    return frames


def failure_note(df):
    """A line naming the failed jobs, or "" when none failed."""
    failed = df[df.failure.notna()]
    if failed.empty:
        return ""
    items = "; ".join(
        f"{r.estimator} on {r.task}, seed {r.seed}, n = {r.n_fit}: {r.failure}"
        for r in failed.itertuples()
    )
    return f"{len(failed)} jobs failed: {items}\n\n"
