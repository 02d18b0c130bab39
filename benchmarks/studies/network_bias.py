"""Study: where a trained network's MI reading falls short, and whether a reading
that is first-order insensitive to the network's error helps.

Two readings of MINDE-C's integral from the same networks and the same draws
``(x, y, t, eps)``, with ``r(t) = beta(t) / s_t^2``:

- ``plain`` (the package's): ``1/2 r(t) ||eps_c - eps_u||^2``, the squared difference
  of the conditional and marginal noise predictions;
- ``mmse``: ``1/2 r(t) (||eps - eps_u||^2 - ||eps - eps_c||^2)``, the difference of
  the two denoising errors (the I-MMSE relation). With network errors ``a`` (the
  conditional call) and ``b`` (the marginal), ``plain`` reads ``I + 2 E[D . a] +
  E||a - b||^2`` (``D`` the exact difference): first order in the error, while
  ``mmse`` reads ``I + E||b||^2 - E||a||^2``: second order only, at the price of the
  noise term ``2 (eps - eps_c) . D``.

``--case quickstart``: the README's quickstart data (``numpy.random.default_rng(0)``,
n = 10,000, true MI 0.683), fitted with ``MINDEEstimator(random_state=seed,
**params)``; both readings, and the exact ones (the Gaussian's closed-form noise
predictions), on 20,000 fresh rows with times log-uniform in each of six bins of
``[1e-3, 1]``: where in ``t`` the network falls short, paired draw by draw.

``--case <bmi task>``: fitted on 10,000 rows of the task (seed ``seed``); both
readings on 20,000 fresh rows with ``t`` drawn from the package's ``q`` (no exact
scores), and at the cost of two draws per row: ``plain`` averaged over two
independent draws, ``mmse`` over an antithetic pair (``eps`` and ``-eps`` at one
``t``, which cancels the noise term's part that is odd in ``eps``).

Uses the package's private functions (a one-off study, not part of the suite)::

    python -m benchmarks.studies.network_bias --case quickstart --seeds 27 33 \\
        --out network_bias.jsonl [--param max_iter=8000]
    python -m benchmarks.studies.network_bias --summary network_bias.jsonl
"""

import warnings

import bmi.benchmark
import numpy as np
import torch

from benchmarks.studies._cli import study_parser, summarise_or_run
from benchmarks.suite.params import parse_params
from benchmarks.suite.tasks import standardise
from sklearn_minde import MINDEEstimator
from sklearn_minde._variants import ConditionalVariant, predict_noise_calls

A = np.array([0.8, 0.3])  # y = A . x + 0.5 e
TRUE_MI = 0.5 * np.log((A @ A + 0.25) / 0.25)
EDGES = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
N_FRESH = 20_000


def quickstart(n, rng):
    """``n`` rows of the quickstart construction."""
    x = rng.normal(size=(n, 2))
    return x, x @ A[:, None] + 0.5 * rng.normal(size=(n, 1))


def exact_noise(xt, k, s, mean, cov):
    """``E[eps | x_t]`` for ``x_0 ~ N(mean, cov)`` (rows of ``mean``), per row of
    ``x_t = k x_0 + s eps``: ``s (k^2 cov + s^2 I)^-1 (x_t - k mean)``."""
    c = k[:, :, None] ** 2 * cov + s[:, :, None] ** 2 * np.eye(len(cov))
    return s * np.linalg.solve(c, (xt - k * mean)[..., None])[..., 0]


def network_noise(est, xs, ys, t, eps):
    """The marginal and conditional noise predictions of ``est``'s first network
    (float64), on standardised rows."""
    net = est.networks_[0].double()
    as_t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    z = torch.zeros(len(xs), 0, dtype=torch.float64)
    with torch.no_grad():
        (marg, _), (cond, _) = predict_noise_calls(
            net,
            as_t(xs),
            as_t(ys),
            z,
            as_t(t),
            as_t(eps),
            torch.zeros(len(xs), ys.shape[1], dtype=torch.float64),
            est.sde_,
            ConditionalVariant.calls,
        )
    net.float()
    return marg.numpy(), cond.numpy()


def readings(r, eps, marg, cond):
    """Per-draw ``plain`` and ``mmse`` terms (without the time weight's Jacobian)."""
    plain = 0.5 * r * ((cond - marg) ** 2).sum(1)
    mmse = 0.5 * r * (((eps - marg) ** 2).sum(1) - ((eps - cond) ** 2).sum(1))
    return plain, mmse


def quickstart_case(seed, params):
    """Per-bin readings of one fit on the quickstart data, network and exact."""
    x, y = quickstart(10_000, np.random.default_rng(0))
    est = MINDEEstimator(random_state=seed, **params).fit(x, y)
    rng = np.random.default_rng(10_000 + seed)
    xf, yf = quickstart(N_FRESH, rng)
    xs, ys = (xf - est.x_mean_) / est.x_scale_, (yf - est.y_mean_) / est.y_scale_
    # the law of the standardised rows: x_s = (x - m) / s, x | y Gaussian
    inv = np.diag(1 / est.x_scale_)
    marg_mean = np.tile(-est.x_mean_ / est.x_scale_, (N_FRESH, 1))
    cond_mean = ((yf * (A / (A @ A + 0.25))) - est.x_mean_) / est.x_scale_
    cov_marg = inv @ inv
    cov_cond = inv @ (np.eye(2) - np.outer(A, A) / (A @ A + 0.25)) @ inv
    bins = []
    for lo, hi in zip(EDGES[:-1], EDGES[1:], strict=True):
        t = np.exp(rng.uniform(np.log(lo), np.log(hi), size=(N_FRESH, 1)))
        eps = rng.normal(size=(N_FRESH, 2))
        tt = torch.as_tensor(t)
        k, s = est.sde_.mean_coef(tt).numpy(), est.sde_.std(tt).numpy()
        xt = k * xs + s * eps
        exact = (
            exact_noise(xt, k, s, marg_mean, cov_marg),
            exact_noise(xt, k, s, cond_mean, cov_cond),
        )
        net = network_noise(est, xs, ys, t, eps)
        r = (est.sde_.beta(tt) / est.sde_.std(tt) ** 2).numpy()[:, 0]
        jacobian = t[:, 0] * np.log(hi / lo)  # dt = t d(log t)
        row = {"t": [lo, hi]}
        for name, (marg, cond) in (("exact", exact), ("network", net)):
            plain, mmse = readings(r, eps, marg, cond)
            row[f"{name}_plain"] = float(np.mean(plain * jacobian))
            row[f"{name}_mmse"] = float(np.mean(mmse * jacobian))
        row["err_cond"] = float(np.mean((net[1] - exact[1]) ** 2))
        row["err_marg"] = float(np.mean((net[0] - exact[0]) ** 2))
        bins.append(row)
    return {"fitted": est.mutual_information_, "truth": TRUE_MI, "bins": bins}


def task_case(task_name, seed, params):
    """Both readings of one fit on a bmi task, on fresh rows with ``t ~ q``."""
    if params.get("normal_scores"):
        raise ValueError(
            "network_bias standardises the fresh rows linearly, as a fit without "
            "normal_scores does; it cannot read a normal_scores fit."
        )
    task = bmi.benchmark.BENCHMARK_TASKS[task_name]
    x, y = task.sample(10_000 + N_FRESH, seed=seed)
    x, y = standardise(np.asarray(x)), standardise(np.asarray(y))
    est = MINDEEstimator(random_state=seed, **params).fit(x[:10_000], y[:10_000])
    xs = (x[10_000:] - est.x_mean_) / est.x_scale_
    ys = (y[10_000:] - est.y_mean_) / est.y_scale_
    gen = torch.Generator().manual_seed(seed)
    draws = []
    for _ in range(2):  # two independent draws of (t, eps) per row
        t = est.sde_.sample_time(N_FRESH, gen, torch.device("cpu"), "clamp").double()
        eps = torch.randn(N_FRESH, xs.shape[1], generator=gen, dtype=torch.float64)
        draws.append((t.numpy(), eps.numpy()))
    (t, eps), (t2, eps2) = draws
    weight = est.sde_.importance_weight(torch.as_tensor(t)).numpy()[:, 0]  # r / q
    plain, mmse = readings(weight, eps, *network_noise(est, xs, ys, t, eps))
    weight2 = est.sde_.importance_weight(torch.as_tensor(t2)).numpy()[:, 0]
    plain2, _ = readings(weight2, eps2, *network_noise(est, xs, ys, t2, eps2))
    _, mirrored = readings(weight, -eps, *network_noise(est, xs, ys, t, -eps))
    se = lambda v: float(v.std() / np.sqrt(len(v)))  # noqa: E731
    both = (plain + plain2) / 2  # two draws per row, as the antithetic pair costs
    antithetic = (mmse + mirrored) / 2
    return {
        "fitted": est.mutual_information_,
        "truth": float(task.mutual_information),
        "plain": [float(plain.mean()), se(plain)],
        "mmse": [float(mmse.mean()), se(mmse)],
        "plain_two_draws": [float(both.mean()), se(both)],
        "mmse_antithetic": [float(antithetic.mean()), se(antithetic)],
    }


def _line(name, value, reference, se=None):
    """``name value (+x.x %)``, with ``± se`` when given."""
    spread = "" if se is None else f" ± {se:.3f}"
    return f"{name} {value:.4f}{spread} ({value / reference - 1:+.1%})"


def summary(rows):
    """One line per fit: the totals (quickstart: also the bin with the largest
    shortfall of the plain reading) or the two readings with their errors."""
    lines = []
    for row in rows:
        head = f"{row['case']} seed {row['seed']} {row['params'] or 'defaults'}:"
        if row["case"] == "quickstart":
            bins = row["bins"]
            tot = {k: sum(b[k] for b in bins) for k in bins[0] if k != "t"}
            gap = [b["network_plain"] - b["exact_plain"] for b in bins]
            worst = int(np.argmin(gap))
            lines.append(
                f"{head} exact plain {tot['exact_plain']:.4f}, "
                + _line("network plain", tot["network_plain"], tot["exact_plain"])
                + f"; exact mmse {tot['exact_mmse']:.4f}, "
                + _line("network mmse", tot["network_mmse"], tot["exact_mmse"])
                + f"; largest shortfall at t in {bins[worst]['t']}: {gap[worst]:+.4f}"
            )
        else:
            truth = row["truth"]
            lines.append(
                f"{head} truth {truth:.3f}; "
                + _line("plain", *row["plain"][:1], truth, row["plain"][1])
                + "; "
                + _line("mmse", *row["mmse"][:1], truth, row["mmse"][1])
                + "; "
                + _line(
                    "plain, 2 draws",
                    *row["plain_two_draws"][:1],
                    truth,
                    row["plain_two_draws"][1],
                )
                + "; "
                + _line(
                    "mmse, antithetic",
                    *row["mmse_antithetic"][:1],
                    truth,
                    row["mmse_antithetic"][1],
                )
            )
    return "\n".join(lines)


def case_row(case, seed, params):
    """One fit of ``case`` (quickstart or a bmi task), read, as a results row; the
    row's summary is printed as it comes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = (
            quickstart_case(seed, params)
            if case == "quickstart"
            else task_case(case, seed, params)
        )
    row = {"case": case, "seed": seed, "params": params, **result}
    print(summary([row]), flush=True)
    return row


def main(argv=None):
    p = study_parser("network_bias", __doc__, "network_bias.jsonl")
    p.add_argument("--case", default="quickstart", help="quickstart or a bmi task")
    p.add_argument("--seeds", nargs="+", type=int, default=[27, 33])
    p.add_argument("--param", nargs="*", default=[], metavar="NAME=VALUE")
    args = p.parse_args(argv)
    params = parse_params(args.param)
    summarise_or_run(
        args, summary, (case_row(args.case, seed, params) for seed in args.seeds)
    )


if __name__ == "__main__":
    main()
