"""Study: how close is ``MINDEEstimator().fit(X)`` (no y) to a known entropy?

Three laws with a closed-form differential entropy, each fitted with the defaults
and read as ``entropy_ +- entropy_std_``:

- ``gaussian-5``: a 5-D Gaussian with a fixed random covariance, columns on scales
  from 0.1 to 10, ``H = 1/2 log det(2 pi e S)``;
- ``uniform-2``: uniform on ``[0, 2]^2``, ``H = 2 log 2``;
- ``exponential-1``: exponential with scale 1, ``H = 1``.

A one-off study, not part of the suite::

    python -m benchmarks.studies.entropy_alone --n 10000 --seeds 0 1 2 \\
        --out benchmarks/results/entropy_alone/laws.jsonl
    python -m benchmarks.studies.entropy_alone --summary \\
        benchmarks/results/entropy_alone/laws.jsonl
"""

import math
import time

import numpy as np

from benchmarks.studies._cli import study_parser, summarise_or_run
from sklearn_minde import MINDEEstimator


def gaussian_5(n, rng):
    """Rows of the 5-D Gaussian and its entropy."""
    fixed = np.random.default_rng(1234)
    a = fixed.normal(size=(5, 5))
    cov = a @ a.T / 5 + 0.2 * np.eye(5)
    scale = np.array([0.1, 0.5, 1.0, 3.0, 10.0])
    cov = cov * np.outer(scale, scale)
    rows = rng.multivariate_normal(np.zeros(5), cov, size=n)
    return rows, 0.5 * np.linalg.slogdet(2 * math.pi * math.e * cov)[1]


def uniform_2(n, rng):
    """Rows uniform on ``[0, 2]^2`` and their entropy."""
    return rng.uniform(0, 2, size=(n, 2)), 2 * math.log(2)


def exponential_1(n, rng):
    """Rows of the unit exponential and its entropy."""
    return rng.exponential(size=(n, 1)), 1.0


LAWS = {
    "gaussian-5": gaussian_5,
    "uniform-2": uniform_2,
    "exponential-1": exponential_1,
}


def run(law, n, seed):
    """One default fit without y: a dict of its reading and the truth."""
    rows, truth = LAWS[law](n, np.random.default_rng(seed))
    start = time.perf_counter()
    est = MINDEEstimator(random_state=seed).fit(rows)
    return {
        "law": law,
        "n": n,
        "seed": seed,
        "truth": truth,
        "entropy": est.entropy_,
        "std": est.entropy_std_,
        "n_iter": int(est.n_iter_),
        "fit_s": time.perf_counter() - start,
    }


def summary(rows):
    """Per law and size: mean relative error, the seeds' readings and how often
    +- 1.96 standard errors hold the truth."""
    lines = []
    for law, n in sorted({(r["law"], r["n"]) for r in rows}):
        part = [r for r in rows if (r["law"], r["n"]) == (law, n)]
        truth = part[0]["truth"]
        held = sum(abs(r["entropy"] - truth) <= 1.96 * r["std"] for r in part)
        readings = ", ".join(f"{r['entropy']:.3f} +- {r['std']:.3f}" for r in part)
        error = np.mean([r["entropy"] - truth for r in part])
        lines.append(
            f"{law} n={n}: truth {truth:.3f}; {readings}; mean error {error:+.3f} "
            f"nats; +-1.96 SE holds {held}/{len(part)}"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = study_parser(
        "entropy_alone", __doc__, "benchmarks/results/entropy_alone/laws.jsonl"
    )
    parser.add_argument("--n", type=int, nargs="+", default=[10000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--laws", nargs="+", default=list(LAWS), choices=list(LAWS))
    args = parser.parse_args(argv)
    summarise_or_run(
        args,
        summary,
        (run(law, n, s) for law in args.laws for n in args.n for s in args.seeds),
    )


if __name__ == "__main__":
    main()
