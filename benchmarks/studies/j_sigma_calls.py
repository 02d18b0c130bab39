"""Where MINDE-J-sigma's error comes from: each network call's KL against N(0, I).

Run: python -m benchmarks.studies.j_sigma_calls [--max-iter 2000 4000 6000]
[--variants j c] [--param NAME=VALUE ...] [--out FOLDER]

Two independent Gaussian pairs (X and Y of 2 columns, correlation 0.75 within each
pair, 10,000 rows, seed 0), so every KL the sigma forms read is exactly the MI: with
standard normal marginals, ``KL(p(x | y) || N(0, I))`` averaged over y,
``KL(p(y | x) || N(0, I))`` and ``KL(p(x, y) || N(0, I))`` all equal I(X; Y), and
``KL(p(x) || N(0, I))`` is 0. MINDE-J-sigma reads ``KL(x|y) + KL(y|x) - KL(x, y)``
and MINDE-C-sigma ``KL(x|y) - KL(x)`` (the user guide's method page). MINDE-J and
MINDE-C are fitted with their defaults at each ``max_iter``, and each call's KL is
read on 20,000 fresh rows (8 Monte Carlo passes). ``--param`` sets further
parameters of every fit (``hidden_dim=128``, ``conditional_share=0.75``...).

Reading one call at a time has no public API: :func:`call_kls` uses the fitted
estimator's private ``_standardisation``, the variant object of ``_fit.make_variant``
and ``_sde.draw_noise``, so a refactor of the package may have to follow here.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from benchmarks.suite.params import parse_params
from sklearn_minde import MINDEEstimator
from sklearn_minde._fit import make_variant
from sklearn_minde._sde import draw_noise

N, N_READ, RHO, DIM = 10000, 20000, 0.75, 2
#: The KL each call reads, by variant, in the order of its ``calls``.
CALL_NAMES = {"c": ("x", "x_given_y"), "j": ("xy", "x_given_y", "y_given_x")}


def gaussian_pairs(n, seed):
    """``DIM`` independent pairs of correlation ``RHO``: X, Y and the true MI."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, DIM))
    y = RHO * x + np.sqrt(1 - RHO**2) * rng.normal(size=(n, DIM))
    return x, y, -0.5 * DIM * np.log(1 - RHO**2)


@torch.no_grad()
def call_kls(est, X, y, passes=8, seed=1):
    """The mean over rows and passes of each network call's KL integrand against
    ``N(0, I)``, in the order of the variant's ``calls``.

    Parameters
    ----------
    est : MINDEEstimator
        Fitted, with the standard reference.
    X, y : ndarray
        Rows to read on.
    passes : int, default=8
    seed : int, default=1
        Seeds the draws of times and noises.

    Returns
    -------
    list of float
    """
    device = next(est.networks_[0].parameters()).device
    x, yy, z = est._standardisation().tensors(
        np.asarray(X, dtype=float), np.asarray(y, dtype=float), device
    )
    variant = make_variant(est.get_params())
    generator = torch.Generator(device=device).manual_seed(seed)
    totals = np.zeros(len(variant.calls))
    for _ in range(passes):
        t, eps_x, eps_y = draw_noise(x, yy, est.sde_, generator)
        kls = variant.kl_terms(est.networks_, x, yy, z, t, eps_x, eps_y, est.sde_, 1.0)[
            1
        ]
        totals += [float(k.double().mean()) for k in kls]
    return list(totals / passes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, nargs="+", default=[2000, 4000, 6000])
    parser.add_argument("--variants", nargs="+", default=["j", "c"])
    parser.add_argument("--param", nargs="+", default=[], metavar="NAME=VALUE")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    params = parse_params(args.param)
    X, y, truth = gaussian_pairs(N, 0)
    X_read, y_read, _ = gaussian_pairs(N_READ, 1)
    rows = []
    for variant in args.variants:
        for max_iter in args.max_iter:
            est = MINDEEstimator(
                variant=variant, max_iter=max_iter, random_state=0, **params
            ).fit(X, y)
            kls = call_kls(est, X_read, y_read)
            row = {"variant": variant, "max_iter": max_iter, "true_mi": truth}
            row.update(params)
            row.update(est.estimates_)
            row.update(dict(zip(CALL_NAMES[variant], kls, strict=True)))
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(table(rows))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(rows, indent=1) + "\n")
        (args.out / "table.md").write_text(table(rows))
    return rows


def table(rows):
    """Markdown: per fit, each call's KL and the estimates (true value: the MI for
    every call but ``KL(x)``, which is 0)."""
    keys = ("xy", "x_given_y", "y_given_x", "x")
    lines = [
        "| variant | max_iter | true MI | KL joint | KL x given y | KL y given x "
        "| KL x | plain | sigma |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        v = r["variant"]
        cells = [f"{r[k]:.3f}" if k in r else "–" for k in keys]
        lines.append(
            f"| {v} | {r['max_iter']} | {r['true_mi']:.3f} | "
            + " | ".join(cells)
            + f" | {r[f'minde_{v}']:.3f} | {r[f'minde_{v}_sigma']:.3f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
