"""Study: how often does the ``ConvergenceWarning`` fire, on fits that need more
steps and on fits that do not?

The warning fires when the held-out MI rose by more than three standard errors
over the second half of the steps of a fit that ran to ``max_iter``. Each fit of the
README's quickstart construction (x: two standard normal columns, y = 0.8 x1 + 0.3
x2 + 0.5 e, true MI 0.683 nats) records whether it warned, the rise over the last
half and the final standard error.

A one-off study, not part of the suite::

    python -m benchmarks.studies.convergence_warning --n 10000 --seeds 0 1 2 3 \\
        --max-iter auto 300 --out benchmarks/results/convergence_warning/fits.jsonl
    python -m benchmarks.studies.convergence_warning --summary \\
        benchmarks/results/convergence_warning/fits.jsonl
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from benchmarks.studies._cli import study_parser, summarise_or_run
from sklearn_minde import MINDEEstimator
from sklearn_minde._checks import RISE_WINDOW, RISE_Z

TRUE_MI = 0.5 * np.log(1 + 0.73 / 0.25)


def quickstart(n, seed):
    """The README's construction."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return x, x @ [0.8, 0.3] + 0.5 * rng.normal(size=n)


def run(n, seed, max_iter):
    """One fit: whether it warned, its rise over the second half, its error and
    its held-out curve."""
    x, y = quickstart(n, seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = MINDEEstimator(random_state=seed, max_iter=max_iter).fit(x, y)
    curve, steps = est.mutual_information_curve_, est.check_steps_
    start = np.searchsorted(steps, (1 - RISE_WINDOW) * est.n_iter_)
    return {
        "n": n,
        "seed": seed,
        "max_iter": max_iter,
        "n_iter": int(est.n_iter_),
        "warned": any(issubclass(w.category, ConvergenceWarning) for w in caught),
        "rise": float(curve[-1] - curve[start]),
        "std": float(est.mutual_information_std_curve_[-1]),
        "curve": curve.tolist(),
        "check_steps": steps.tolist(),
        "estimate": est.mutual_information_,
        "truth": TRUE_MI,
    }


def rule_rise(row, window=RISE_WINDOW):
    """The rise of a recorded curve over the last ``window`` of the steps, in
    standard errors of the final check."""
    curve, steps = np.array(row["curve"]), np.array(row["check_steps"])
    start = np.searchsorted(steps, (1 - window) * row["n_iter"])
    return (curve[-1] - curve[start]) / row["std"]


def summary(rows):
    """Per size and budget: the rises over the second half and the last quarter
    of the steps, in standard errors, and how many fits the rule warns on."""
    lines = []
    for n, max_iter in sorted({(r["n"], str(r["max_iter"])) for r in rows}):
        part = [r for r in rows if (r["n"], str(r["max_iter"])) == (n, max_iter)]
        half = [rule_rise(r) for r in part]
        quarter = [rule_rise(r, 0.25) for r in part]
        error = np.mean([r["estimate"] / r["truth"] - 1 for r in part])
        lines.append(
            f"n={n} max_iter={max_iter}: rise over the second half / SE: "
            f"{', '.join(f'{v:+.1f}' for v in half)}; over the last quarter: "
            f"{', '.join(f'{v:+.1f}' for v in quarter)}; warns (> {RISE_Z:g} SE "
            f"over the second half) {sum(v > RISE_Z for v in half)}/{len(part)}; "
            f"mean error {error:+.1%}"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = study_parser(
        "convergence_warning",
        __doc__,
        "benchmarks/results/convergence_warning/fits.jsonl",
    )
    parser.add_argument("--n", type=int, nargs="+", default=[10000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--max-iter", nargs="+", default=["auto", "300"])
    args = parser.parse_args(argv)
    budgets = [m if m == "auto" else int(m) for m in args.max_iter]
    summarise_or_run(
        args,
        summary,
        (run(n, seed, b) for b in budgets for n in args.n for seed in args.seeds),
    )


if __name__ == "__main__":
    main()
