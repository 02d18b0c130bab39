"""Fits of several networks, stacked against one after the other.

Run: python -m benchmarks.stacking [--device cpu] [--rounds 3] [--n 2000]
     [--max-iter 1000] [--out benchmarks/results/stacking]

Times, on one device and in one process, the fits that train several networks of one
shape: cross-fitting (``n_folds=5``), two networks per fit (``n_networks=2``) and a
permutation test (:func:`~sklearn_minde.independence_test` with 9 permutations, that
is 10 refits), each with ``stack_networks=True`` (one stacked ensemble, one batched
step for all networks) and ``stack_networks=False`` (one network after the other).
The two runs of a case alternate, the order swapping each round, so that machine
load hits both alike; the cost is the median over rounds of the stacked time divided
by the sequential one of the same round. The estimates of the two are printed side by
side (they agree to float rounding). Data: a 5-by-5 Gaussian pair of ``--n`` rows.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from sklearn_minde import MINDEEstimator, independence_test


def cases(n, device, max_iter):
    """``name -> run(stack)``: each run returns the statistic it computed."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 5))
    y = 0.5 * x + rng.normal(size=(n, 5))
    fit = dict(device=device, max_iter=max_iter, random_state=0)

    def fitted(**kw):
        return lambda stack: (
            MINDEEstimator(stack_networks=stack, **fit, **kw)
            .fit(x, y)
            .mutual_information_
        )

    def test(stack):
        estimator = MINDEEstimator(stack_networks=stack, **fit)
        return independence_test(
            x[:, :1], y[:, :1], n_permutations=9, estimator=estimator
        )[0]

    return {
        "n_folds=5": fitted(n_folds=5),
        "n_networks=2": fitted(n_networks=2),
        "independence_test, 9 permutations": test,
    }


def measure(args):
    """Rows of the results table."""
    rows = []
    for name, run in cases(args.n, args.device, args.max_iter).items():
        seconds = {True: [], False: []}
        estimates = {}
        for r in range(args.rounds):
            for stack in (True, False) if r % 2 == 0 else (False, True):
                start = time.perf_counter()
                estimates[stack] = run(stack)
                seconds[stack].append(time.perf_counter() - start)
        ratio = np.array(seconds[True]) / np.array(seconds[False])
        rows.append(
            {
                "case": name,
                "stacked / sequential": round(float(np.median(ratio)), 2),
                "range over rounds": f"[{ratio.min():.2f}, {ratio.max():.2f}]",
                "estimate stacked": round(estimates[True], 5),
                "estimate sequential": round(estimates[False], 5),
            }
        )
        print(rows[-1], flush=True)
    return rows


def markdown(rows, args):
    """The results as a markdown table with its settings."""
    head = list(rows[0])
    lines = [
        f"Device {args.device}, n = {args.n} rows, {args.rounds} rounds, "
        f"{args.max_iter} steps per network, one torch thread.",
        "",
        "| " + " | ".join(head) + " |",
        "| " + " | ".join("---" for _ in head) + " |",
    ]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--out", default="benchmarks/out/stacking")
    args = parser.parse_args(argv)
    rows = measure(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "stacking.md").write_text(markdown(rows, args))
    print(markdown(rows, args))
    return rows


if __name__ == "__main__":
    main()
