"""Does dequantising integer columns inside MINDEEstimator pay off?

Run: python -m benchmarks.studies.dequantisation N_ROWS N_SEEDS [MAX_ITER]

Three tasks with a discrete variable and known MI; MINDE on the raw integer values
against MINDE on the dequantised values (X + U[0, 1)), variants c and j.
"""

import sys
import time
import warnings

import numpy as np
from scipy.stats import norm
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

from sklearn_minde import MINDEEstimator

warnings.simplefilter("ignore")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
SEEDS = range(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
MAX_ITER = sys.argv[3] if len(sys.argv) > 3 else "auto"
MAX_ITER = MAX_ITER if MAX_ITER == "auto" else int(MAX_ITER)
grid = np.linspace(-12, 12, 200001)
dg = grid[1] - grid[0]


def entropy_of(density):
    p = density[density > 0]
    return float(-(p * np.log(p)).sum() * dg)


def labels4(rng, n):  # X in {0,1,2,3} uniform, y = X + 0.5 N: discrete X diffused
    x = rng.integers(0, 4, size=n)
    y = x + 0.5 * rng.normal(size=n)
    return x[:, None].astype(float), y, "X"


true_labels4 = entropy_of(
    sum(0.25 * norm.pdf(grid, k, 0.5) for k in range(4))
) - 0.5 * np.log(2 * np.pi * np.e * 0.25)


def binary_y(rng, n):  # y ~ Bernoulli(1/2), X | y ~ N(2y - 1, 1): discrete y
    y = rng.integers(0, 2, size=n)
    x = (2 * y - 1) + rng.normal(size=n)
    return x[:, None], y.astype(float), "y"


true_binary_y = entropy_of(
    0.5 * norm.pdf(grid, -1) + 0.5 * norm.pdf(grid, 1)
) - 0.5 * np.log(2 * np.pi * np.e)


def sign_label(rng, n):  # the example: y = X[:, 0] > 0, MI = log 2
    x = rng.normal(size=(n, 2))
    return x, (x[:, 0] > 0).astype(float), "y"


TASKS = {
    "labels4 (X discrete)": (labels4, true_labels4),
    "binary y": (binary_y, true_binary_y),
    "y = X0 > 0": (sign_label, np.log(2)),
}

print(f"n = {N}, seeds {list(SEEDS)}, MINDEEstimator defaults, max_iter={MAX_ITER}")
for name, (make, truth) in TASKS.items():
    rows = {}
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        x, y, which = make(rng, N)
        u = rng.uniform(size=(N,) if which == "y" else x.shape)
        xd, yd = (x, y + u) if which == "y" else (x + u, y)
        ref = (
            mutual_info_classif(x, y.astype(int), random_state=seed)[0]
            if which == "y" and x.shape[1] == 1
            else mutual_info_regression(x, y, discrete_features=[0], random_state=seed)[
                0
            ]
            if which == "X"
            else np.nan
        )
        rows.setdefault("sklearn (discrete-aware KSG)", []).append(ref)
        for variant in "cj":
            for label, (a, b) in {"raw": (x, y), "dequantised": (xd, yd)}.items():
                t0 = time.time()
                est = MINDEEstimator(
                    variant=variant, max_iter=MAX_ITER, random_state=seed
                ).fit(a, b)
                rows.setdefault(f"MINDE-{variant.upper()} {label}", []).append(
                    est.mutual_information_
                )
                print(
                    f"  {name} seed {seed} {variant} {label}: "
                    f"{est.mutual_information_:.3f} ({time.time() - t0:.0f} s)",
                    flush=True,
                )
    print(f"\n{name}: true MI {truth:.3f}")
    for k, v in rows.items():
        v = np.asarray(v)
        print(
            f"  {k:32s} mean {np.nanmean(v):.3f}  bias {np.nanmean(v) - truth:+.3f}"
            f"  ({' '.join(f'{e:.3f}' for e in v)})"
        )
    print(flush=True)
