"""What the default weight decay costs on a strong or a thinly spread dependence.

Run: python -m benchmarks.studies.strong_dependence
[N_ROWS [NOISE [N_SEEDS [N_COLUMNS]]]] [--minde-param NAME=VALUE ...]

``y = x + NOISE * e`` with x, e independent standard normal in ``N_COLUMNS`` columns
each (default 1; true MI ``N_COLUMNS * log(1 + 1 / NOISE**2) / 2``), MINDE-C with
its defaults against the same with ``weight_decay=0`` and against the defaults
before commit 3734b93 (constant learning rate, no decay), and with
``--minde-param`` against the defaults with those parameters too; data seed =
random_state = 0, 1, ... Prints the relative errors. A small NOISE probes a strong
dependence (the eight tasks of the small-sample study have true MIs of 0.29-1.02
nats), a large NOISE in several columns a weak one spread thin.
"""

import argparse
import warnings

import numpy as np

from benchmarks.suite.params import parse_params
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


def relative_errors(n, noise, seed, n_columns=1, configs=CONFIGS):
    """Relative error of each configuration (label to MINDEEstimator parameters;
    default :data:`CONFIGS`) on one sample."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_columns))
    y = x + noise * rng.normal(size=(n, n_columns))
    return {
        label: MINDEEstimator(random_state=seed, **params).fit(x, y).mutual_information_
        / true_mi(noise, n_columns)
        - 1
        for label, params in configs.items()
    }


def main(argv=None):
    """Print the relative errors of each configuration, seed by seed."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("n", nargs="?", type=int, default=300, help="rows (default 300)")
    p.add_argument("noise", nargs="?", type=float, default=0.3, help="default 0.3")
    p.add_argument("n_seeds", nargs="?", type=int, default=2, help="default 2")
    p.add_argument("n_columns", nargs="?", type=int, default=1, help="default 1")
    p.add_argument(
        "--minde-param",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="also the defaults with these parameters, e.g. reference=gaussian",
    )
    args = p.parse_args(argv)
    configs = dict(CONFIGS)
    if args.minde_param:
        configs[" ".join(args.minde_param)] = parse_params(args.minde_param)
    warnings.simplefilter("ignore")
    print(
        f"n = {args.n}, y = x + {args.noise} e in {args.n_columns} column(s), "
        f"true MI {true_mi(args.noise, args.n_columns):.3f}"
    )
    errors = {label: [] for label in configs}
    for seed in range(args.n_seeds):
        row = relative_errors(args.n, args.noise, seed, args.n_columns, configs)
        for label, error in row.items():
            errors[label].append(error)
        print(
            f"seed {seed}: "
            + ", ".join(f"{label} {100 * e:+.0f} %" for label, e in row.items())
        )
    print(
        "mean: "
        + ", ".join(f"{label} {100 * np.mean(e):+.0f} %" for label, e in errors.items())
    )
    return errors


if __name__ == "__main__":
    main()
