"""Study: can a user choose ``normal_scores`` by the held-out ``score``?

``score`` is in the units of the data whatever columns are mapped (a mapped
column's marginal is the histogram of the map), so fits with ``normal_scores="auto"``
and ``True`` can be compared on held-out rows, as a grid search would. For each case
and seed: 10,000 fitting rows and 5,000 fresh ones (one sample of ``n_fit + n_fresh``
rows, standardised together as the suite does), MINDE-C at its defaults with each
option; the MI's relative error, the fresh rows' mean ``score`` and the paired
difference of the two scores with its standard error. The summary says which option
the score picks and whether that option's MI is the nearer.

Cases: benchmark-mi tasks by name, and ``sinh-<task>`` for a task's columns mapped
by ``sinh(1.5 z)`` after standardising (the MI is unchanged; the middle half of such
a column spans about 0.36 of its standard deviation, so "auto" leaves it as it is).

Uses the package's estimator only::

    python -m benchmarks.studies.normal_scores_choice --cases student-identity-3-3-2 \\
        sinh-multinormal-sparse-5-5-2-2.0 --seeds 0 --out normal_scores_choice.jsonl
    python -m benchmarks.studies.normal_scores_choice \\
        --summary normal_scores_choice.jsonl
"""

import time
import warnings

import numpy as np
import pandas as pd

from benchmarks.studies._cli import study_parser, summarise_or_run
from benchmarks.suite.params import parse_params
from benchmarks.suite.tasks import standardise
from sklearn_minde import MINDEEstimator

CASES = (
    "student-identity-3-3-2",
    "student-identity-5-5-2",
    "asinh-student-identity-5-5-2",
    "half_cube-multinormal-sparse-5-5-2-2.0",
    "normal_cdf-multinormal-sparse-5-5-2-2.0",
    "sinh-multinormal-sparse-5-5-2-2.0",
)
OPTIONS = ("auto", True)
SINH = "sinh-"


def sample(case, n, seed):
    """``n`` standardised rows ``(x, y)`` of a case and its true MI."""
    import bmi.benchmark

    task = bmi.benchmark.BENCHMARK_TASKS[case.removeprefix(SINH)]
    x, y = (standardise(a) for a in task.sample(n, seed=seed))
    if case.startswith(SINH):
        x, y = (standardise(np.sinh(1.5 * a)) for a in (x, y))
    return x, y, float(task.mutual_information)


def run_case(case, seed, n_fit, n_fresh, params):
    """One row per option: MI, its error and the fresh rows' score; the per-row
    scores too, under ``"rows"``, for the paired difference (dropped before
    writing). ``params``: more parameters of the estimator."""
    x, y, truth = sample(case, n_fit + n_fresh, seed)
    for option in OPTIONS:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = MINDEEstimator(normal_scores=option, random_state=seed, **params)
            est.fit(x[:n_fit], y[:n_fit])
        rows = est.score_samples(x[n_fit:], y[n_fit:])
        mapped = getattr(est, "x_normal_scores_", None)
        yield {
            "case": case,
            "seed": seed,
            "option": str(option),
            "mapped_x_columns": 0 if mapped is None else len(mapped.columns),
            "true_mi": truth,
            "estimate": est.mutual_information_,
            "relative_error": est.mutual_information_ / truth - 1,
            "score": float(rows.mean()),
            "fit_s": time.perf_counter() - start,
            "rows": rows,
        }


def rows_of(args):
    """The study's result rows, with the paired score difference on the second
    option's row."""
    for case in args.cases:
        for seed in args.seeds:
            params = parse_params(args.param)
            first, second = run_case(case, seed, args.n_fit, args.n_fresh, params)
            diff = second.pop("rows") - first.pop("rows")
            second["score_minus_auto"] = float(diff.mean())
            second["score_minus_auto_se"] = float(diff.std(ddof=1) / np.sqrt(len(diff)))
            yield first
            yield second


def summary(rows):
    """Per case and seed: each option's error, the paired score difference, the
    score's pick ("tie" within two standard errors) and whether the pick reads the
    nearer MI."""
    df = pd.DataFrame(rows)
    wide = df.pivot_table(
        index=["case", "seed"], columns="option", values=["relative_error", "score"]
    )
    diff = df.dropna(subset=["score_minus_auto"]).set_index(["case", "seed"])
    diff = diff.reindex(wide.index)
    out = pd.DataFrame(
        {
            "error auto": wide["relative_error"]["auto"].map("{:+.1%}".format),
            "error True": wide["relative_error"]["True"].map("{:+.1%}".format),
            "score True - auto": [
                f"{d:+.3f} ± {s:.3f}"
                for d, s in zip(
                    diff["score_minus_auto"], diff["score_minus_auto_se"], strict=True
                )
            ],
        }
    )
    errors = wide["relative_error"].abs()
    decided = diff["score_minus_auto"].abs() > 2 * diff["score_minus_auto_se"]
    pick_true = diff["score_minus_auto"] > 0
    out["pick"] = np.where(decided, np.where(pick_true, "True", "auto"), "tie")
    nearer = np.where(errors["True"] < errors["auto"], "True", "auto")
    out["pick nearer"] = np.where(
        decided, np.where(out["pick"] == nearer, "yes", "no"), ""
    )
    return out.to_markdown()


def main(argv=None):
    parser = study_parser("normal_scores_choice", __doc__, "normal_scores_choice.jsonl")
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-fit", type=int, default=10_000)
    parser.add_argument("--n-fresh", type=int, default=5_000)
    parser.add_argument(
        "--param", nargs="+", default=[], metavar="NAME=VALUE", help="e.g. max_iter=500"
    )
    args = parser.parse_args(argv)
    summarise_or_run(args, summary, rows_of(args))


if __name__ == "__main__":
    main()
