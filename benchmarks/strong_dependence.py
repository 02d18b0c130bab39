"""Issue 13: what the default weight decay costs where the eight tasks do not look.

Run: python -m benchmarks.strong_dependence [N_ROWS NOISE N_SEEDS [N_COLUMNS]]

``y = x + NOISE * e`` with x, e independent standard normal in ``N_COLUMNS`` columns
each (default 1; true MI ``N_COLUMNS * log(1 + 1 / NOISE**2) / 2``), MINDE-C with
its defaults against the same with ``weight_decay=0`` and against the defaults
before commit 3734b93 (constant learning rate, no decay); data seed = random_state
= 0, 1, ... Prints the relative errors. A small NOISE probes a strong dependence
(the eight tasks of the small-sample study have true MIs of 0.29-1.02 nats), a
large NOISE in several columns a weak one spread thin.
"""

import sys
import warnings

import numpy as np

from sklearn_minde import MINDEEstimator

#: The configurations compared, by label.
CONFIGS = {
    "defaults": {},
    "weight_decay=0": {"weight_decay": 0.0},
    "before 3734b93": {"weight_decay": 0.0, "learning_rate_schedule": "constant"},
}


def true_mi(noise, n_columns=1):
    """The MI of ``y = x + noise * e`` in ``n_columns`` independent columns."""
    return 0.5 * n_columns * np.log1p(1 / noise**2)


def relative_errors(n, noise, seed, n_columns=1):
    """Relative error of each configuration of :data:`CONFIGS` on one sample."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_columns))
    y = x + noise * rng.normal(size=(n, n_columns))
    return {
        label: MINDEEstimator(random_state=seed, **params)
        .fit(x, y)
        .mutual_information_
        / true_mi(noise, n_columns)
        - 1
        for label, params in CONFIGS.items()
    }


def main(argv):
    n = int(argv[0]) if argv else 300
    noise = float(argv[1]) if len(argv) > 1 else 0.3
    seeds = range(int(argv[2]) if len(argv) > 2 else 2)
    n_columns = int(argv[3]) if len(argv) > 3 else 1
    warnings.simplefilter("ignore")
    print(f"n = {n}, y = x + {noise} e in {n_columns} column(s), true MI "
          f"{true_mi(noise, n_columns):.3f}")
    errors = {label: [] for label in CONFIGS}
    for seed in seeds:
        row = relative_errors(n, noise, seed, n_columns)
        for label, error in row.items():
            errors[label].append(error)
        print(f"seed {seed}: " + ", ".join(
            f"{label} {100 * error:+.0f} %" for label, error in row.items()))
    print("mean: " + ", ".join(
        f"{label} {100 * np.mean(e):+.0f} %" for label, e in errors.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
