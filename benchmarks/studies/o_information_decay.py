"""Study: the weight decay of OInformationEstimator on many variables.

Run: python -m benchmarks.studies.o_information_decay [--cases synergistic-10]
[--weight-decays rows 0.01 0.05] [--seeds 0] [--out o_information_decay.jsonl]
| --summary o_information_decay.jsonl

With ten variables the benchmark's Gaussian systems (``benchmarks/multivariate.py``)
read TC and DTC up to 24 % high under the row rule of the weight decay,
``min(1, (620 / n_train) ** 2)``, and the held-out O-information keeps drifting
while training goes on. Each case here is fitted with that rule ("rows"), with
``weight_decay="auto"`` ("auto": the larger of the row rule and the conditional
calls' linear coefficients over the training rows, ``sum_i d_i (D - d_i) /
n_train``) and with fixed decays, every other setting the default's, on the
benchmark's sample of 20,000 rows (its ``random_state`` is the seed, so "auto" reads
what the benchmark reads).

A case is ``<system>-<k>``, ``<system>-<k>-cube-sinh`` (the mapped sample) or
``<system>-<k>-t3`` (the system's Student-t version, with three degrees of freedom:
heavy tails, and a dependence through the shared scale);
``--normal-scores true`` maps every column to normal scores (TC, DTC and O do not
change), "auto" (the default) only the columns the estimator's rule picks.
"""

import time
import warnings

import numpy as np

from benchmarks.multivariate import MAPPED, STUDENT, TARGET_N, SystemData
from benchmarks.studies._cli import study_parser, summarise_or_run
from sklearn_minde import OInformationEstimator
from sklearn_minde._auto import auto_weight_decay
from sklearn_minde._validation import n_held_out

CASES = ("synergistic-10",)
DECAYS = ("rows", "auto", "0.01", "0.05")
QUANTITIES = ("total_correlation", "dual_total_correlation", "o_information")


def sample(case, seed, n):
    """The benchmark's sample of a case: ``(x, groups, truth)``."""
    system, k, *mapped = case.split("-", 2)
    transform = mapped[0] if mapped else "none"
    if transform not in ("none", MAPPED, STUDENT):
        raise ValueError(f"unknown map {transform!r} in case {case!r}")
    data, info = SystemData("accuracy", system, int(k), transform, seed, n).draw()
    return data.x, data.groups, info["truth"]


def weight_decay(setting, n):
    """The ``weight_decay`` of a setting, for ``n`` rows (the default hold-out)."""
    if setting == "rows":
        validation = OInformationEstimator().validation_fraction
        return auto_weight_decay(n - n_held_out(validation, n))
    return setting if setting == "auto" else float(setting)


def rows(args):
    """One row per case, seed and decay."""
    for seed in args.seeds:
        for case in args.cases:
            x, groups, truth = sample(case, seed, args.n)
            for setting in args.weight_decays:
                est = OInformationEstimator(
                    random_state=seed,
                    weight_decay=weight_decay(setting, args.n),
                    normal_scores=args.normal_scores,
                )
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    est.fit(x, groups=groups)
                yield {
                    "case": case,
                    "seed": seed,
                    "n": args.n,
                    "decay": setting,
                    "normal_scores": args.normal_scores,
                    "truth": {q: truth[q] for q in QUANTITIES},
                    "estimates": {q: getattr(est, q + "_") for q in QUANTITIES},
                    "stds": {q: getattr(est, q + "_std_") for q in QUANTITIES},
                    "o_curve": est.o_information_curve_.tolist(),
                    "n_iter": est.n_iter_,
                    "fit_s": time.perf_counter() - start,
                }


def drift(curve):
    """How far the held-out O moved over the second half of training."""
    return curve[-1] - curve[len(curve) // 2]


def setting(row):
    """A row's decay, and "normal scores" where every column was mapped."""
    return row["decay"] + (
        ", normal scores" if row.get("normal_scores") is True else ""
    )


def summary(results):
    """Relative errors (%) of TC and DTC, O (nats) and its drift over the second
    half of training, per case and setting, seed means."""
    lines = [
        "| case | decay | TC | DTC | O (truth) | drift of O |",
        "|---|---|---|---|---|---|",
    ]
    for case in dict.fromkeys(r["case"] for r in results):
        mine = [r for r in results if r["case"] == case]
        for label in dict.fromkeys(map(setting, mine)):
            got = [r for r in mine if setting(r) == label]
            truth = got[0]["truth"]
            mean = {q: np.mean([r["estimates"][q] for r in got]) for q in QUANTITIES}
            tc, dtc = (100 * (mean[q] / truth[q] - 1) for q in QUANTITIES[:2])
            o = f"{mean['o_information']:+.3f} ({truth['o_information']:+.3f})"
            moved = np.mean([drift(r["o_curve"]) for r in got])
            cells = (case, label, f"{tc:+.1f} %", f"{dtc:+.1f} %", o, f"{moved:+.3f}")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = study_parser("o_information_decay", __doc__, "o_information_decay.jsonl")
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--weight-decays", nargs="+", default=list(DECAYS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n", type=int, default=TARGET_N)
    parser.add_argument(
        "--normal-scores",
        choices=["auto", "true"],
        default="auto",
        type=str.lower,
        help="auto: the estimator's rule; true: every column (default: auto)",
    )
    args = parser.parse_args(argv)
    args.normal_scores = True if args.normal_scores == "true" else "auto"
    summarise_or_run(args, summary, rows(args))


if __name__ == "__main__":
    main()
