"""Self-consistency tests of MI estimators on scikit-learn's digits (Song & Ermon 2020;
MINDE paper, section 5).

A is an 8x8 digit image; B_r is a noisy copy of it with rows r to 7 set to zero. With
no ground truth, three properties of MI are checked:

- baseline: I(A; B_r) rises with r, and I(A; B_r) / I(A; B_8) tends to 1;
- data processing: I([A, A]; [B_r, B_{r-k}]) / I(A; B_r) stays at 1, since B_{r-k}
  is a function of B_r;
  with ``--copy-noise s``, each copy gets independent Gaussian noise of s times
  its column's sd: I([A, A + E]; [B_r, B_{r-k} + E']) is still I(A; B_r), and the
  pair now has a joint density (exact copies put it on a subspace, outside what a
  density-based estimator assumes; MINDE warns with a ``RankDeficientWarning``);
- additivity: I([A1, A2]; [B1_r, B2_r]) / I(A1; B1_r) stays at 2 for independent
  images A1 and A2.

Representation (a small linear one, so that each fit is cheap on a CPU):
each image row is projected on its first ``--components-per-row`` principal
components, fitted per row on the clean images (a block-diagonal linear map). A is
the representation of the image. B_r is that of the image plus Gaussian pixel noise
(sd ``--noise``, pixel values 0-16; without noise I(A; B_r) would be infinite, B_r
being a function of A; the default 6 puts I(A; B_8) near 3 nats under a Gaussian
approximation, within reach of every estimator at n = 1797), with
rows r..7 zeroed: their columns are then constant and are dropped (MINDE refuses
constant columns), so B_r has r x components columns and B_{r-k}'s columns are a
subset of B_r's: data processing holds exactly in the representation.

    python -m benchmarks.self_consistency --n-jobs 2

By default: 4 estimators x 21 samples (r = 1-8; data processing for r > 3), one
seed; roughly half an hour on two CPU cores.

Writes results.jsonl (resumable, as in the bmi suite), results.csv,
self_consistency.md and baseline.png, data_processing.png, additivity.png to ``--out``.
"""

import argparse
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from benchmarks.suite.adapters import Sample  # noqa: E402
from benchmarks.suite.cli import (  # noqa: E402
    add_estimator_arguments,
    add_execution_arguments,
    chosen_adapters,
    run_and_collect,
)
from benchmarks.suite.runner import Job  # noqa: E402

TESTS = ("baseline", "data_processing", "additivity")
DEFAULT_ESTIMATORS = ("MINDE-C", "MINDE-J", "InfoNCE", "MINE")


@cache
def _row_projections(components):
    """Per image row: the mean and the first principal axes of the clean digits.

    Returns
    -------
    images : ndarray of shape (1797, 8, 8)
    projections : list of (mean, axes) per row, axes of shape (components, 8)
    """
    images = load_digits().images
    pcas = [PCA(components).fit(images[:, i, :]) for i in range(8)]
    return images, [(p.mean_, p.components_) for p in pcas]


def represent(images, components):
    """Row-wise PCA representation, row 0 first: shape (n, 8 * components)."""
    _, projections = _row_projections(components)
    return np.hstack([(images[:, i, :] - mean) @ axes.T
                      for i, (mean, axes) in enumerate(projections)])


@dataclass(frozen=True)
class DigitsData:
    """The sample of one self-consistency test at one r.

    Parameters
    ----------
    test : {"baseline", "data_processing", "additivity"}
    r : int
        Rows kept in B (1 to 8).
    seed : int
        Seeds the pixel noise, the pairing of the additivity test and the estimator.
    k : int
        The data-processing test pairs B_r with B_{r-k}.
    components : int
        Principal components per image row.
    noise : float
        Standard deviation of the pixel noise of B.
    copy_noise : float
        Data processing: the sd of the independent noise added to each copied
        column, as a share of the column's sd (0: exact copies).
    """

    test: str
    r: int
    seed: int
    k: int = 3
    components: int = 1
    noise: float = 6.0
    copy_noise: float = 0.0

    def key(self):
        """The fields that identify the sample in the results file (``copy_noise``
        only when it is not 0, so that runs of exact copies keep their keys)."""
        key = asdict(self)
        if not self.copy_noise:
            del key["copy_noise"]
        return key

    def draw(self):
        """Build the pair (X, Y) of the test.

        Returns
        -------
        sample : Sample
        info : dict
            ``n``, ``dim_x`` and ``dim_y``.
        """
        images, _ = _row_projections(self.components)
        rng = np.random.default_rng(self.seed)
        a = represent(images, self.components)
        noisy = images + self.noise * rng.normal(size=images.shape)
        b = represent(noisy, self.components)
        keep = self.r * self.components
        if self.test == "baseline":
            x, y = a, b[:, :keep]
        elif self.test == "data_processing":
            fewer = max(self.r - self.k, 0) * self.components
            x = np.hstack([a, self._copy(a, rng)])
            y = np.hstack([b[:, :keep], self._copy(b[:, :fewer], rng)])
        else:
            first = rng.permutation(len(a))
            second = np.roll(first, 1)  # never pairs an image with itself
            x = np.hstack([a[first], a[second]])
            y = np.hstack([b[first, :keep], b[second, :keep]])
        return Sample(x, y), {"n": len(x), "dim_x": x.shape[1], "dim_y": y.shape[1]}

    def _copy(self, a, rng):
        """The data-processing copy of ``a``: ``a`` itself, plus independent noise
        of ``copy_noise`` times each column's sd when that is not 0."""
        if not self.copy_noise:
            return a
        return a + self.copy_noise * a.std(0) * rng.normal(size=a.shape)


def build_jobs(args, adapters):
    """Baseline and additivity at every r; data processing where r > k."""
    specs = [DigitsData(test, r, seed, args.k, args.components_per_row, args.noise,
                        args.copy_noise if test == "data_processing" else 0.0)
             for seed in args.seeds for test in TESTS for r in args.rows
             if test != "data_processing" or r > args.k]
    return [Job("self_consistency", spec, adapter)
            for spec in specs for adapter in adapters]


def ratios(df):
    """Per estimator, seed and r: I(A; B_r), its ratio to I(A; B_rmax) (rmax the
    largest r run, 8 by default), and the data-processing and additivity ratios.

    Parameters
    ----------
    df : DataFrame
        From :func:`~benchmarks.suite.report.records_to_frame`.

    Returns
    -------
    DataFrame
        One row per estimator, seed and r, estimators in order of appearance.
    """
    wide = df.pivot_table(index=["estimator", "seed", "r"], columns="test",
                          values="estimate")
    base = wide["baseline"]
    top = base.xs(base.index.get_level_values("r").max(), level="r")
    out = pd.DataFrame({"I(A;B_r)": base})
    out["I(A;B_r)/I(A;B_8)"] = base / top.reindex(base.index.droplevel("r")).to_numpy()
    for test in ("data_processing", "additivity"):
        out[f"{test} ratio"] = wide[test] / base if test in wide else np.nan
    order = {name: i for i, name in enumerate(dict.fromkeys(df.estimator))}
    return (out.reset_index()
            .sort_values(["estimator", "seed", "r"], key=lambda c: c.map(order)
                         if c.name == "estimator" else c, kind="stable")
            .reset_index(drop=True))


#: The quantities reported, with the value each should have (None: no target).
QUANTITIES = {"I(A;B_r)": None, "I(A;B_r)/I(A;B_8)": 1.0, "data_processing ratio": 1.0,
              "additivity ratio": 2.0}


def summary_table(per_seed):
    """Markdown: seed mean (and sd, with several seeds) of each quantity, per
    estimator and r."""
    grouped = per_seed.groupby(["estimator", "r"], sort=False)[list(QUANTITIES)]
    mean, sd = grouped.mean(), grouped.std()
    cells = mean.apply(lambda col: col.map("{:.3f}".format))
    if sd.notna().any().any():
        cells = cells + " ± " + sd.apply(lambda col: col.map("{:.3f}".format))
    return cells.reset_index().to_markdown(index=False)


def _plot(per_seed, quantities, path, title):
    """One panel per quantity: seed mean against r, one line per estimator (sigma
    forms dashed), a band of +- one sd across seeds where there are several, the
    target as a grey line."""
    fig, axes = plt.subplots(1, len(quantities), figsize=(5 * len(quantities), 4),
                             squeeze=False)
    grouped = per_seed.groupby(["estimator", "r"], sort=False)[quantities]
    means, sds = grouped.mean(), grouped.std()
    for ax, quantity in zip(axes[0], quantities, strict=True):
        for estimator, curve in means[quantity].groupby(level=0, sort=False):
            r, mean = curve.index.get_level_values("r"), curve.to_numpy()
            line, = ax.plot(r, mean, marker="o", label=estimator,
                            linestyle="--" if estimator.endswith("sigma") else "-")
            sd = sds.loc[curve.index, quantity].to_numpy()
            if np.isfinite(sd).any():
                ax.fill_between(r, mean - sd, mean + sd, color=line.get_color(),
                                alpha=0.15, linewidth=0)
        if QUANTITIES[quantity] is not None:
            ax.axhline(QUANTITIES[quantity], color="grey", linewidth=1)
        ax.set_xlabel("r (rows of the image kept in B)")
        ax.set_ylabel(quantity + (" (nats)" if QUANTITIES[quantity] is None else ""))
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def write_outputs(df, out, header):
    """Write results.csv, self_consistency.md and the three figures.

    Returns
    -------
    str
        The text of self_consistency.md.
    """
    df.to_csv(out / "results.csv", index=False)
    per_seed = ratios(df)
    text = header + "\n\n" + summary_table(per_seed) + "\n"
    (out / "self_consistency.md").write_text(text, encoding="utf-8")
    _plot(per_seed, ["I(A;B_r)", "I(A;B_r)/I(A;B_8)"], out / "baseline.png",
          "Baseline: I(A; B_r) rises with r; the ratio tends to 1")
    _plot(per_seed, ["data_processing ratio"], out / "data_processing.png",
          "Data processing: I([A, A']; [B_r, B_{r-k}']) / I(A; B_r) should be 1")
    _plot(per_seed, ["additivity ratio"], out / "additivity.png",
          "Additivity: I([A1, A2]; [B1_r, B2_r]) / I(A1; B1_r) should be 2")
    return text


def copies(copy_noise):
    """The data-processing copies in words."""
    if not copy_noise:
        return "exact copies (A' = A, B_{r-k}' = B_{r-k})"
    return (f"noisy copies (A' = A + E, B_{{r-k}}' = B_{{r-k}} + E', independent "
            f"Gaussian noise of {copy_noise:g} times each column's sd)")


def describe(args):
    """The settings in words, for the table's header."""
    return (f"Digits (1797 images). Representation: each image row projected on its "
            f"first {args.components_per_row} principal component(s), PCA fitted per "
            f"row on the clean images (a linear map to {8 * args.components_per_row} "
            f"columns). B_r: the image plus Gaussian pixel noise of sd {args.noise} "
            f"(pixels 0-16), rows r..7 zeroed; the zeroed rows' constant columns are "
            f"dropped. Data processing uses k = {args.k} and "
            f"{copies(args.copy_noise)}. Seeds {args.seeds}; MINDE "
            f"parameters {args.overrides['minde'] or 'default'}, bmi neural parameters "
            f"{args.overrides['neural'] or 'default'}.")


def parse_args(argv=None):
    """Command-line arguments; see ``--help``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.self_consistency",
                                description=__doc__.split("\n\n")[0])
    add_estimator_arguments(p, default=DEFAULT_ESTIMATORS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="default: 0")
    p.add_argument("--rows", nargs="+", type=int, default=list(range(1, 9)),
                   choices=range(1, 9), metavar="R", help="values of r (default: 1-8)")
    p.add_argument("--k", type=int, default=3,
                   help="data processing pairs B_r with B_{r-k} (default: 3)")
    p.add_argument("--components-per-row", type=int, default=1, choices=range(1, 9),
                   metavar="M", help="principal components per image row (default: 1)")
    p.add_argument("--noise", type=float, default=6.0,
                   help="sd of the pixel noise in B (default: 6)")
    p.add_argument("--copy-noise", type=float, default=0.0,
                   help="data processing: sd of the independent noise added to each "
                        "copied column, as a share of its sd (default: 0, exact "
                        "copies)")
    add_execution_arguments(p)
    p.add_argument("--out", type=Path, default=Path("benchmarks/out/self_consistency"),
                   help="output folder (default: benchmarks/out/self_consistency)")
    return p.parse_args(argv)


def main(argv=None):
    """Run the tests (resuming them) and write the table and figures.

    Returns
    -------
    DataFrame or None
        One row per estimate; None if nothing is recorded yet.
    """
    args = parse_args(argv)
    adapters, args.overrides = chosen_adapters(args)
    jobs = build_jobs(args, adapters)
    df = run_and_collect(jobs, args, "these tests")
    if df is None:
        return None
    print(write_outputs(df, args.out, describe(args)))
    print(f"wrote results.csv, self_consistency.md, baseline.png, data_processing.png "
          f"and additivity.png to {args.out}")
    return df


if __name__ == "__main__":
    # Run the module's own import, so that the jobs' functions pickle by their module
    # name: joblib's worker processes cannot find functions defined in ``__main__``.
    from benchmarks.self_consistency import main as _main

    _main()
