"""How far the one-dimensional entropy behind normal scores' log-Jacobian reads.

Run: python -m benchmarks.studies.spacing_entropy [--draws 200] [--rows 160 1000 8000]
[--fit]

Where ``normal_scores`` maps a column, MINDE's entropies gain the column's m-spacing
entropy (``sklearn_minde._data.spacing_entropy``). This draws columns of known
entropy (normal, cubed normal, ``sinh(3 z)``, Cauchy) at each row count and prints
the mean error and the sd of the estimate over the draws, in nats. ``--fit`` then
fits MINDEEstimator with its defaults (random_state 0) on a Cauchy column and on a
cubed normal column, each beside a Gaussian y of 5,000 rows, and prints the entropy
of X it reads against the truth.
"""

import argparse
import warnings

import numpy as np

from sklearn_minde import MINDEEstimator
from sklearn_minde._data import spacing_entropy

NORMAL = 0.5 * np.log(2 * np.pi * np.e)


def columns(rng, n):
    """Draws of each column kind, by name, as a function of a standard normal."""
    z = rng.standard_normal(n)
    return {
        "normal": z,
        "cubed normal": z**3,
        "sinh(3 z)": np.sinh(3 * z),
        "Cauchy": rng.standard_cauchy(n),
    }


def truths(rng):
    """The entropies in nats; ``sinh(3 z)``'s by Monte Carlo over 10^7 draws."""
    z = rng.standard_normal(10**7)
    return {
        "normal": NORMAL,
        "cubed normal": NORMAL + np.log(3) - np.euler_gamma - np.log(2),
        "sinh(3 z)": NORMAL + np.log(3 * np.cosh(3 * z)).mean(),
        "Cauchy": np.log(4 * np.pi),
    }


def fit_entropies(n=5000):
    """Print the H(X) a default fit reads where X is mapped to normal scores."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal(n)
    y = (rng.standard_normal(n))[:, None]
    truth = truths(rng)
    for name, x in (("Cauchy", rng.standard_cauchy(n)), ("cubed normal", z**3)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = MINDEEstimator(random_state=0).fit(x[:, None], y)
        mapped = getattr(est, "x_normal_scores_", None) is not None
        print(f"{name}: mapped {mapped}, H(X) {est.entropies_['x']:.3f} ± "
              f"{est.entropies_std_['x']:.3f}, truth {truth[name]:.3f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=200)
    p.add_argument("--rows", type=int, nargs="+", default=[160, 1000, 8000])
    p.add_argument("--fit", action="store_true", help="also fit MINDE (minutes)")
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    truth = truths(rng)
    print("| rows | " + " | ".join(truth) + " |")
    print("|---" * (len(truth) + 1) + "|")
    for n in args.rows:
        draws = [columns(rng, n) for _ in range(args.draws)]
        cells = []
        for name, value in truth.items():
            est = np.array([spacing_entropy(d[name][:, None])[0] for d in draws])
            cells.append(f"{est.mean() - value:+.3f} ± {est.std():.3f}")
        print(f"| {n} | " + " | ".join(cells) + " |")
    if args.fit:
        fit_entropies()


if __name__ == "__main__":
    main()
