"""The finite-sample bias of reading MI through a Gaussian fitted to the training rows.

Run: python -m benchmarks.studies.reference_bias [--seeds N] [--out FOLDER]

``reference="gaussian"`` with the residual at zero (one training step at a negligible
learning rate), on exact Gaussian samples (``p + p`` columns, every X column
correlated 0.3 with its Y column): the estimator then reads the fitted Gaussian's MI.
Its plain form reads a squared norm of score differences, which gains the variance of
the ``p * p`` fitted coefficients; its sigma form reads held-out cross-entropies of
the fitted Gaussian, which lose as much. Both by ``p^2 / (2 n_train)`` to leading
order (``_reference.finite_sample_mi_bias``), which the estimates take out. The table
gives each form's error before the correction (the estimate with the bias put back)
and after it, mean and standard deviation over seeds. The term is read from the
fitted network's reference (``network_.reference.mi_bias``), an internal attribute.
"""

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from sklearn_minde import MINDEEstimator

#: (columns of X and of Y, rows) of each case; 80 % of the rows train.
CASES = [(10, 10000), (25, 10000), (50, 10000), (50, 20000)]
RHO = 0.3


def gaussian_sample(p, n, seed):
    """``n`` rows of X, Y with ``p`` columns each, ``corr(X_i, Y_i) = RHO``, and the
    true MI."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    y = RHO * x + np.sqrt(1 - RHO**2) * rng.normal(size=(n, p))
    return x, y, -0.5 * p * np.log(1 - RHO**2)


def errors(p, n, seed):
    """Errors of the plain and sigma forms of MINDE-C, before and after the
    correction, with the residual at zero."""
    x, y, truth = gaussian_sample(p, n, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MINDEEstimator(
            reference="gaussian", max_iter=1, learning_rate=1e-12, random_state=seed
        ).fit(x, y)
    bias = est.network_.reference.mi_bias
    plain = est.estimates_["minde_c"] - truth
    sigma = est.estimates_["minde_c_sigma"] - truth
    return {
        "p": p,
        "n": n,
        "seed": seed,
        "truth": truth,
        "bias": bias,
        "plain_before": plain + bias,
        "sigma_before": sigma - bias,
        "plain_after": plain,
        "sigma_after": sigma,
    }


def table(rows):
    """Markdown table: one line per case, mean (sd) over seeds."""
    out = [
        "| p + p, rows | true MI | p^2 / (2 n_train) | plain: before, after "
        "| sigma: before, after |",
        "|---|---|---|---|---|",
    ]
    for p, n in CASES:
        sel = [r for r in rows if (r["p"], r["n"]) == (p, n)]

        def cell(key, sel=sel):
            v = np.array([r[key] for r in sel])
            return f"{v.mean():+.3f} ({v.std(ddof=1):.3f})"

        out.append(
            f"| {p} + {p}, {n} | {sel[0]['truth']:.3f} | {sel[0]['bias']:.3f} | "
            f"{cell('plain_before')}, {cell('plain_after')} | "
            f"{cell('sigma_before')}, {cell('sigma_after')} |"
        )
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = []
    for p, n in CASES:
        for seed in range(args.seeds):
            rows.append(errors(p, n, seed))
            print(json.dumps(rows[-1]), flush=True)
    text = table(rows)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(rows, indent=1))
        (args.out / "table.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
