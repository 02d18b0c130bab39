"""Study: how an estimate reads the diffusion times below ``t_eps``.

The quickstart construction (x: two standard normal columns, y = 0.8 x1 + 0.3 x2 +
0.5 e, n = 10,000, true MI 0.683 nats; the data of ``numpy.random.default_rng(0)``)
is fitted with ``MINDEEstimator(random_state=seed)`` and each fit's held-out rows are
read three ways by the same networks and the same draws of time and noise:

- ``flat``: times below ``t_eps`` weighted ``Z r(t) / r(t_eps)`` (before the change);
- ``drop``: times from ``[t_eps, T]`` only, weight ``A(T) - A(t_eps)``;
- ``clamp``: times below ``t_eps`` read at ``t_eps``, weight ``Z`` (the default).

Uses the package's private reading functions (a one-off study, not part of the
suite). Writes one JSON line per seed::

    python -m benchmarks.studies.small_times --seeds 0 1 2 --out small_times.jsonl
    python -m benchmarks.studies.small_times --summary small_times.jsonl
    python -m benchmarks.studies.small_times --seeds 0 1 2 --cost 9

``--cost`` times each rule's reading of one fit per seed, the rules taking turns,
and prints its median as a share of the fit's time and as a ratio to ``flat``'s.
"""

import json
import time
import warnings

import numpy as np
import torch

from benchmarks.studies._cli import study_parser, summarise_or_run
from sklearn_minde import MINDEEstimator, _fit
from sklearn_minde._reader import crossfit_mean_and_std, mi_fn, read_member

TRUE_MI = 0.5 * np.log(0.98 / 0.25)
RULES = ("flat", "drop", "clamp")


def quickstart(n=10_000, seed=0):
    """The README's quickstart data."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return x, x @ [[0.8], [0.3]] + 0.5 * rng.normal(size=(n, 1))


def readings(prepared, results, rules=RULES):
    """Each rule's ``(estimate, standard error, tail share)`` of one fit."""
    s, out = prepared.settings, {}
    k, params = s.n_networks, s.params
    for rule in rules:
        parts, shares = [], []
        for i, (member, data) in enumerate(prepared.members):
            networks = [r.network for r in results[i * k : (i + 1) * k]]
            fn = mi_fn(s.variant, networks, s.sde, _fit.sigma_value(params))
            terms, share = read_member(
                fn,
                data[3:],
                s.sde,
                s.seed,
                member,
                params["n_estimation_passes"],
                s.device,
                rule,
                tail_of="mi",
            )
            scale = s.sde.tail_mass / s.sde.normaliser if rule == "drop" else 1.0
            parts.append(terms["mi"] * scale)
            shares.append(share)
        mean, se = crossfit_mean_and_std(parts, s.n_train)
        out[rule] = (mean, se, max(shares))
    return out


def fit_captured(seed):
    """Fit seed ``seed``; the fitted estimator, the fit's prepared data and
    trained networks, and the seconds the fit took."""
    captured = {}
    original = _fit.read

    def read(prepared, results):
        captured["fit"] = (prepared, results)
        return original(prepared, results)

    _fit.read = read
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = MINDEEstimator(random_state=seed).fit(*quickstart())
    finally:
        _fit.read = original
    return est, captured["fit"], time.perf_counter() - start


def run(seed):
    """Fit seed ``seed`` and read it every way."""
    est, fit, _ = fit_captured(seed)
    return {"seed": seed, "fitted": est.mutual_information_, **readings(*fit)}


def cost(seed, rounds):
    """The seconds of each rule's reading of one fit, as ratios to the fit's,
    the rules taking turns round by round so that machine load hits all alike."""
    _, (prepared, results), fit_s = fit_captured(seed)
    seconds = {rule: [] for rule in RULES}
    for i in range(rounds):
        for rule in RULES[i % len(RULES) :] + RULES[: i % len(RULES)]:
            start = time.perf_counter()
            readings(prepared, results, rules=(rule,))
            seconds[rule].append(time.perf_counter() - start)
    return {
        "seed": seed,
        "reading_over_fit": {
            r: float(np.median(v) / fit_s) for r, v in seconds.items()
        },
        "over_flat": {
            r: float(np.median(np.array(v) / np.array(seconds["flat"])))
            for r, v in seconds.items()
        },
    }


def summary(rows):
    """One line per rule: the range, the worst relative error, the coverage of
    +- 1.96 SE, the standard errors and the largest tail share."""
    lines = [f"{len(rows)} fits, true MI {TRUE_MI:.3f}"]
    for rule in RULES:
        m, se, share = (np.array([r[rule][i] for r in rows]) for i in range(3))
        cover = int(np.sum(np.abs(m - TRUE_MI) <= 1.96 * se))
        lines.append(
            f"{rule:5s} mean {m.mean():.3f}  range {m.min():.3f}-{m.max():.3f}  "
            f"worst {np.max(np.abs(m / TRUE_MI - 1)):.1%}  "
            f"within 10 % {int(np.sum(np.abs(m / TRUE_MI - 1) <= 0.1))}/{len(m)}  "
            f"covered {cover}/{len(m)}  SE median {np.median(se):.4f} "
            f"max {se.max():.4f}  tail share max {share.max():.3f}"
        )
    return "\n".join(lines)


def main(argv=None):
    p = study_parser("small_times", __doc__, "small_times.jsonl")
    p.add_argument("--seeds", nargs="+", type=int, default=list(range(40)))
    p.add_argument(
        "--cost",
        type=int,
        metavar="ROUNDS",
        help="time each rule's reading over ROUNDS rounds instead (one line per seed)",
    )
    args = p.parse_args(argv)
    if args.cost:
        torch.set_num_threads(1)
        for seed in args.seeds:
            print(json.dumps(cost(seed, args.cost)), flush=True)
        return
    summarise_or_run(args, summary, (run(seed) for seed in args.seeds))


if __name__ == "__main__":
    main()
