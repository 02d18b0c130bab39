"""Study: does ``n_estimation_passes="auto"`` still earn its place?

"auto" reads at least 16,000 draws (rows times passes), so a 250-row fit reads its
50 held-out rows 320 times instead of 8. Each fit of a bivariate Gaussian
(correlation 0.75, true MI 0.413 nats) is read by the same networks with 8 passes
and with "auto"; the study reports both readings and their standard errors.

Uses the package's private reading functions (a one-off study, not part of the
suite)::

    python -m benchmarks.studies.estimation_passes --n 250 500 1000 --seeds 0 1 2
"""

import warnings

import numpy as np

from benchmarks.studies._cli import study_parser, summarise_or_run
from sklearn_minde import MINDEEstimator, _fit
from sklearn_minde._reader import crossfit_mean_and_std, mi_fn, read_member

RHO = 0.75
TRUE_MI = -0.5 * np.log(1 - RHO**2)


def gaussian_pair(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1))
    return x, RHO * x + np.sqrt(1 - RHO**2) * rng.normal(size=(n, 1))


def read_with(prepared, results, passes):
    """The fit's estimate and standard error read with ``passes`` passes."""
    s = prepared.settings
    k, parts = s.n_networks, []
    for i, (member, data) in enumerate(prepared.members):
        networks = [r.network for r in results[i * k : (i + 1) * k]]
        fn = mi_fn(s.variant, networks, s.sde, 1.0)
        terms = read_member(fn, data[3:], s.sde, s.seed, member, passes, s.device)
        parts.append(terms["mi"])
    return crossfit_mean_and_std(parts, s.n_train)


def run(n, seed):
    captured, original = {}, _fit.read

    def read(prepared, results):
        captured["fit"] = (prepared, results)
        return original(prepared, results)

    _fit.read = read
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            MINDEEstimator(random_state=seed).fit(*gaussian_pair(n, seed))
    finally:
        _fit.read = original
    row = {"n": n, "seed": seed}
    for passes in (8, "auto"):
        row[str(passes)] = read_with(*captured["fit"], passes)
    return row


def summary(rows):
    lines = [f"true MI {TRUE_MI:.3f}; mean (sd over seeds) and mean standard error"]
    for n in sorted({r["n"] for r in rows}):
        sub = [r for r in rows if r["n"] == n]
        parts = []
        for passes in ("8", "auto"):
            m = np.array([r[passes][0] for r in sub])
            se = np.array([r[passes][1] for r in sub])
            parts.append(
                f"{passes:>4}: {m.mean():.3f} ({m.std(ddof=1):.3f}), SE {se.mean():.3f}"
            )
        lines.append(f"n = {n:5d}, {len(sub)} fits  " + "   ".join(parts))
    return "\n".join(lines)


def main(argv=None):
    p = study_parser("estimation_passes", __doc__, "estimation_passes.jsonl")
    p.add_argument("--n", nargs="+", type=int, default=[250, 500, 1000])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = p.parse_args(argv)
    summarise_or_run(
        args, summary, (run(n, seed) for n in args.n for seed in args.seeds)
    )


if __name__ == "__main__":
    main()
