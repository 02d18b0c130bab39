"""Calibration of the independence test: type-I error and power.

Runs :func:`sklearn_minde.independence_test` (MINDE-perm) next to baseline tests on
the same data sets: the partial-correlation test (ParCorr, numpy and scipy) and,
when tigramite is installed, its CMIknn. Each data set is drawn from a case of
:data:`CASES`, a small structural model: five null cases (X independent of Y, or of
Y given a common cause Z) measure the type-I error, three dependent cases the power,
all at level ``--alpha`` (0.05). Every test of one data set is one job of one
resumable ``results.jsonl`` (the bmi suite's machinery; kill the run and start it
again to resume); the jobs go seed by seed, so a partial run covers every case for
its first seeds.

    python -m benchmarks.independence_calibration --n-jobs 1 --threads-per-job 1 \\
        --out benchmarks/results/independence_calibration

MINDE-perm's configuration, chosen to be cheap (each test is ``n_permutations + 1``
fits): ``n_permutations=19``, ``n_neighbors=5`` and a ``MINDEEstimator`` of width 16
trained for 300 full-batch steps without early stopping, on n = 200 rows; change it
with ``--minde-param`` (``max_iter=500``, ``n_permutations=39``..., recorded in the
job key, so another configuration makes other jobs).

Writes to ``--out``: results.csv (one row per test and data set, with its statistic
and p-value), summary.md and summary.csv (rejection rate per case and test with its
exact binomial 95 % interval) and calibration.png (p-values against the uniform
quantiles, one panel per case).
"""

import argparse
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.util import find_spec
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from benchmarks.suite import ci_tests  # noqa: E402
from benchmarks.suite.adapters import CMIAdapter, Outcome  # noqa: E402
from benchmarks.suite.cli import (  # noqa: E402
    add_estimator_arguments,
    add_execution_arguments,
    chosen_adapters,
    run_and_collect,
)
from benchmarks.suite.report import panel_grid  # noqa: E402
from benchmarks.suite.runner import Job, environment  # noqa: E402

# -- Data sets ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A data-generating process, as a structural model: Z (if any) from its own
    noise, X from Z and its own noise, Y from X, Z and its own noise.

    A null case's ``y`` does not read its ``x`` argument, so X is independent of Y
    (given Z, when there is a Z) by construction.

    Parameters
    ----------
    description : str
    null : bool
        Whether the independence under test holds.
    x : callable
        ``x(z, rng, n) -> ndarray of shape (n, d_x)``; ``z`` is None without Z.
    y : callable
        ``y(x, z, rng, n) -> ndarray of shape (n, d_y)``.
    z : callable or None, default=None
        ``z(rng, n) -> ndarray of shape (n, d_z)``; None for the unconditional test.
    """

    description: str
    null: bool
    x: Callable
    y: Callable
    z: Callable | None = None

    @property
    def conditional(self):
        """Whether the test is conditional (the case has a Z)."""
        return self.z is not None


def _normal(rng, n, d=1):
    """Standard normal noise of shape (n, d)."""
    return rng.normal(size=(n, d))


#: The cases, null ones first. "indep-*": X independent of Y; "ci-*": X independent
#: of Y given a common cause Z (X and Y are dependent without Z); "dep-*": dependent.
CASES = {
    "indep-gauss-1d": Case(
        "X, Y ~ N(0, 1), independent", True,
        x=lambda z, rng, n: _normal(rng, n),
        y=lambda x, z, rng, n: _normal(rng, n)),
    "indep-gauss-3d": Case(
        "X, Y ~ N(0, I_3), independent", True,
        x=lambda z, rng, n: _normal(rng, n, 3),
        y=lambda x, z, rng, n: _normal(rng, n, 3)),
    "indep-t3-uniform": Case(
        "X ~ Student-t(3), Y ~ U(-1, 1), independent", True,
        x=lambda z, rng, n: rng.standard_t(3, size=(n, 1)),
        y=lambda x, z, rng, n: rng.uniform(-1, 1, size=(n, 1))),
    "ci-linear-gauss": Case(
        "Z ~ N(0, 1); X = Z + 0.5 e; Y = Z + 0.5 e'", True,
        z=lambda rng, n: _normal(rng, n),
        x=lambda z, rng, n: z + 0.5 * _normal(rng, n),
        y=lambda x, z, rng, n: z + 0.5 * _normal(rng, n)),
    "ci-nonlinear": Case(
        "Z ~ Exp(1); X = tanh(2 (Z - 1)) + 0.3 e; Y = sqrt(Z) + Laplace(0.2)", True,
        z=lambda rng, n: rng.exponential(size=(n, 1)),
        x=lambda z, rng, n: np.tanh(2 * (z - 1)) + 0.3 * _normal(rng, n),
        y=lambda x, z, rng, n: np.sqrt(z) + rng.laplace(scale=0.2, size=(n, 1))),
    "dep-linear-weak": Case(
        "X ~ N(0, 1); Y = 0.2 X + sqrt(0.96) e (correlation 0.2)", False,
        x=lambda z, rng, n: _normal(rng, n),
        y=lambda x, z, rng, n: 0.2 * x + np.sqrt(0.96) * _normal(rng, n)),
    "dep-quadratic": Case(
        "X ~ N(0, 1); Y = X^2 + e (uncorrelated)", False,
        x=lambda z, rng, n: _normal(rng, n),
        y=lambda x, z, rng, n: x**2 + _normal(rng, n)),
    "dep-conditional": Case(
        "Z ~ N(0, 1); X = Z + 0.5 e; Y = Z + 0.5 X^2 + 0.5 e' (given Z)", False,
        z=lambda rng, n: _normal(rng, n),
        x=lambda z, rng, n: z + 0.5 * _normal(rng, n),
        y=lambda x, z, rng, n: z + 0.5 * x**2 + 0.5 * _normal(rng, n)),
}


@dataclass
class CIData:
    """One data set: x, y and the conditioning z (None for the unconditional test)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray | None = None


@dataclass(frozen=True)
class CalibrationData:
    """One data set of one case.

    Z, X and Y draw from three independent streams of a seed sequence made of
    ``seed`` and the case's name, so that two cases with the same seed do not share
    their noise.

    Parameters
    ----------
    case : str
        Key of :data:`CASES`.
    seed : int
    n : int
        Rows.
    """

    case: str
    seed: int
    n: int

    def key(self):
        """The fields that identify the data set in the results file."""
        return asdict(self)

    def draw(self):
        """Draw the data set.

        Returns
        -------
        data : CIData
        info : dict
            ``null``, ``conditional``, ``dim_x``, ``dim_y`` and ``dim_z`` (0
            without Z).
        """
        case = CASES[self.case]
        sequence = np.random.SeedSequence([self.seed, zlib.crc32(self.case.encode())])
        rz, rx, ry = (np.random.default_rng(s) for s in sequence.spawn(3))
        z = case.z(rz, self.n) if case.conditional else None
        x = case.x(z, rx, self.n)
        y = case.y(x, z, ry, self.n)
        info = dict(null=case.null, conditional=case.conditional, dim_x=x.shape[1],
                    dim_y=y.shape[1], dim_z=0 if z is None else z.shape[1])
        return CIData(x, y, z), info


# -- Tests ----------------------------------------------------------------------------


@dataclass
class CIOutcome(Outcome):
    """An :class:`~benchmarks.suite.adapters.Outcome` whose estimates are test
    statistics, with their p-values."""

    p_values: dict = field(default_factory=dict)


@dataclass
class CIAdapter(CMIAdapter):
    """A CI test of :mod:`benchmarks.suite.ci_tests` as an adapter of the suite:
    a :class:`~benchmarks.suite.adapters.CMIAdapter` whose function is a test,
    ``(x, y, z, random_state, **params) -> (statistic, p_value)``, run on a
    :class:`CIData`.

    Parameters
    ----------
    name : str
    function : str
        Name of the test in :mod:`benchmarks.suite.ci_tests`.
    params : dict
        Its keyword parameters.
    group : str
        Which ``--*-param`` overrides apply ("minde" for MINDE's test).
    """

    def settings(self):
        """The configuration, as recorded with every result."""
        return {"test": self.function, **self.params}

    def run(self, data, seed):
        """Test ``data``, seeded with ``seed``.

        Returns
        -------
        CIOutcome
        """
        statistic, p_value = getattr(ci_tests, self.function)(
            data.x, data.y, data.z, random_state=seed, **self.params)
        return CIOutcome({self.name: statistic}, p_values={self.name: p_value})


#: The tests the study knows.
TESTS = {
    adapter.name: adapter
    for adapter in (
        CIAdapter("MINDE-perm", "minde_test", ci_tests.MINDE_CHEAP, "minde"),
        CIAdapter("ParCorr", "partial_correlation_test"),
        CIAdapter("CMIknn", "cmiknn_test", {"sig_samples": 199}),
    )
}

#: CMIknn only where tigramite is installed.
DEFAULT_TESTS = ("MINDE-perm", "ParCorr") + (
    ("CMIknn",) if find_spec("tigramite") else ())
ALPHA = 0.05
N = 200
SEEDS = tuple(range(100))

# -- Reports --------------------------------------------------------------------------


def with_p_values(df):
    """The frame of :func:`~benchmarks.suite.report.records_to_frame` with a
    ``p_value`` column (NaN for a failed test) in place of the ``p_values`` dicts,
    the statistic named ``statistic``, and the leading columns case, seed, n,
    estimator, statistic, p_value, fit_s."""
    p_values = [(pv or {}).get(name, np.nan) if isinstance(pv, dict) else np.nan
                for pv, name in zip(df.p_values, df.estimator, strict=True)]
    df = df.drop(columns="p_values").rename(columns={"estimate": "statistic"})
    df = df.assign(p_value=np.asarray(p_values, dtype=float))
    first = ["case", "seed", "n", "estimator", "statistic", "p_value", "fit_s", "null",
             "conditional"]
    return df[first + [c for c in df.columns if c not in first]]


def binomial_interval(k, n, level=0.95):
    """Exact (Clopper-Pearson) interval of a proportion k / n; (NaN, NaN) if n = 0."""
    if n == 0:
        return np.nan, np.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(level, method="exact")
    return ci.low, ci.high


def verdict(null, low, high, alpha):
    """How a rejection rate reads: for a null case "calibrated" when its interval
    holds ``alpha``, "liberal" above it, "conservative" below it; "power" for a
    dependent case."""
    if not null:
        return "power"
    if np.isnan(low):
        return "no data"
    if low > alpha:
        return "liberal"
    return "conservative" if high < alpha else "calibrated"


def rejection_rates(df, alpha=ALPHA):
    """Per case and test: how often p <= alpha, with its exact 95 % interval.

    Parameters
    ----------
    df : DataFrame
        From :func:`with_p_values`.
    alpha : float, default=ALPHA

    Returns
    -------
    DataFrame
        Columns case, null, conditional, test, data_sets (finite p-values), failed,
        rejections, rate, ci_low, ci_high, reading (:func:`verdict`) and
        median_s (median seconds per test). Cases and tests in order of appearance.
    """
    rows = []
    for (case, test), group in df.groupby(["case", "estimator"], sort=False):
        p = group.p_value.to_numpy()
        done = np.isfinite(p)
        k, m = int(np.sum(p[done] <= alpha)), int(done.sum())
        low, high = binomial_interval(k, m)
        null = bool(group.null.iloc[0])
        rows.append(dict(case=case, null=null,
                         conditional=bool(group.conditional.iloc[0]), test=test,
                         data_sets=m, failed=int((~done).sum()), rejections=k,
                         rate=k / m if m else np.nan, ci_low=low, ci_high=high,
                         reading=verdict(null, low, high, alpha),
                         median_s=float(group.fit_s[done].median())))
    return pd.DataFrame(rows)


def rates_table(rates):
    """Markdown table of :func:`rejection_rates`: one row per case, one column per
    test, cells "rate [low, high]" (and the reading of a null case)."""
    cells = rates.assign(cell=[
        f"{r.rate:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]"
        + ("" if r.reading in ("power", "calibrated") else f" {r.reading}")
        for r in rates.itertuples()])
    table = cells.pivot(index="case", columns="test", values="cell")
    order = list(dict.fromkeys(rates.case))
    table = table.reindex(index=order, columns=list(dict.fromkeys(rates.test)))
    facts = rates.groupby("case", sort=False).agg(
        null=("null", "first"), conditional=("conditional", "first"),
        data_sets=("data_sets", "max"))
    table.insert(0, "data sets", facts.data_sets)
    table.insert(0, "given Z", facts.conditional.map({True: "yes", False: "no"}))
    table.insert(0, "measures", facts.null.map({True: "type-I error",
                                                False: "power"}))
    return table.fillna("-").to_markdown(disable_numparse=True)


def summary_text(rates, alpha=ALPHA, header=""):
    """summary.md: the rates table, the times, and what the readings mean."""
    times = rates.groupby("test", sort=False).median_s.median()
    null = rates[rates.null]
    calibrated = ", ".join(
        f"{test} {(group.reading == 'calibrated').sum()}/{len(group)}"
        for test, group in null.groupby("test", sort=False)) or "no null case run"
    lines = [header + f"Rejection rate at alpha = {alpha} (p <= alpha) over the data "
             "sets of each case, with its exact binomial 95 % interval. Null cases "
             "measure the type-I error (calibrated: the interval holds alpha; "
             "liberal: above it; conservative: below it); dependent cases the power.",
             "", rates_table(rates), "",
             f"Null cases read as calibrated, per test: {calibrated}.", "",
             "Median seconds per test (one test of MINDE-perm is n_permutations + 1 "
             "fits): " + ", ".join(f"{t} {s:.2f}" for t, s in times.items()) + "."]
    return "\n".join(lines) + "\n"


def plot_calibration(df, rates, alpha, path):
    """One panel per case: the sorted p-values of each test against the uniform
    quantiles, with the pointwise 95 % band of uniform p-values and the level alpha.

    A calibrated test follows the diagonal on a null case; a powerful one hugs the
    bottom on a dependent case. MINDE-perm's p-values are multiples of
    1 / (n_permutations + 1), hence its steps.

    Parameters
    ----------
    df : DataFrame
        From :func:`with_p_values`.
    rates : DataFrame
        From :func:`rejection_rates`.
    alpha : float
    path : str or Path
        PNG file to write.
    """
    cases = list(dict.fromkeys(df.case))
    colours = {name: f"C{i}" for i, name in enumerate(dict.fromkeys(df.estimator))}
    fig, axes = panel_grid(len(cases), (3.6, 3.6))
    for ax, case in zip(axes.flat, cases, strict=False):
        frame = df[df.case == case]
        m = int(frame.groupby("estimator").p_value.count().max())
        if m:
            i = np.arange(1, m + 1)
            ax.fill_between(i / (m + 1), stats.beta.ppf(0.025, i, m + 1 - i),
                            stats.beta.ppf(0.975, i, m + 1 - i), step="mid",
                            color="0.88", linewidth=0, label="95 % band, uniform")
        ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
        ax.axhline(alpha, color="black", linestyle=":", linewidth=0.8)
        for test, group in frame.groupby("estimator", sort=False):
            p = np.sort(group.p_value.dropna().to_numpy())
            if not p.size:
                continue
            r = rates[(rates.case == case) & (rates.test == test)].iloc[0]
            ax.step(np.arange(1, p.size + 1) / (p.size + 1), p, where="mid",
                    color=colours[test],
                    label=f"{test}: {r.rate:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]")
        ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal")
        kind = "null" if bool(frame.null.iloc[0]) else "dependent"
        given = ", given Z" if bool(frame.conditional.iloc[0]) else ""
        ax.set_title(f"{case}\n({kind}{given}, {m} data sets)", fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("p-value (sorted)")
    for ax in axes[-1]:
        ax.set_xlabel("uniform quantile")
    fig.suptitle(f"p-values against uniform quantiles; legend: rejection rate at "
                 f"alpha = {alpha} (dotted) [exact 95 % interval]", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


# -- Command --------------------------------------------------------------------------


def parse_args(argv=None):
    """Command-line arguments; see ``--help``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.independence_calibration",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES),
                   metavar="CASE", help=f"default: {' '.join(CASES)}")
    p.add_argument("--n", type=int, default=N, help=f"rows per data set (default: {N})")
    p.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS),
                   help="data-set seeds (default: 0 to 99)")
    p.add_argument("--alpha", type=float, default=ALPHA,
                   help=f"level of the tests (default: {ALPHA})")
    add_estimator_arguments(p, default=DEFAULT_TESTS, registry=TESTS)
    add_execution_arguments(p)
    p.add_argument("--out", type=Path,
                   default=Path("benchmarks/out/independence_calibration"),
                   help="output folder (default: benchmarks/out/independence_"
                        "calibration)")
    return p.parse_args(argv)


def build_jobs(args):
    """One job per seed, case and test, seed first (so that a partial run covers
    every case for its first seeds).

    Returns
    -------
    jobs : list of Job
    description : str
        The grid and the settings in one line, for the reports.
    """
    adapters, _ = chosen_adapters(args, TESTS)
    jobs = [Job("independence_calibration", CalibrationData(case, seed, args.n),
                adapter)
            for seed in args.seeds for case in args.cases for adapter in adapters]
    env = environment()
    seeds = (f"{args.seeds[0]}-{args.seeds[-1]}"
             if args.seeds == list(range(args.seeds[0], args.seeds[-1] + 1))
             else str(args.seeds))
    settings = "; ".join(f"{a.name} {a.params or 'no parameters'}" for a in adapters)
    description = (f"Independence-test calibration: {len(args.cases)} cases, n = "
                   f"{args.n}, data-set seeds {seeds}; {settings}; {env['machine']}, "
                   f"GPU: {env['gpu']}, torch {env['versions']['torch']}")
    return jobs, description


def progress_note(df, jobs):
    """How much of the grid is recorded and, from the median time per test so far,
    how long the rest takes on one worker."""
    median = df.groupby("estimator").fit_s.median()
    recorded = set(zip(df.case, df.seed, df.estimator, strict=True))
    pending = [j for j in jobs
               if (j.data.case, j.data.seed, j.adapter.name) not in recorded]
    rest = sum(median.get(j.adapter.name, np.nan) for j in pending)
    left = ("" if not pending else
            f" At the median time per test so far, the other {len(pending)} take "
            f"about {rest / 3600:.1f} h on one worker." if np.isfinite(rest) else
            f" {len(pending)} tests are pending.")
    return f"{len(df)} of {len(jobs)} tests recorded.{left}"


def unreachable_levels(jobs, alpha):
    """Notes on the permutation tests whose smallest p-value, 1 / (n_permutations
    + 1), is above alpha: they cannot reject at that level."""
    notes = {}
    for job in jobs:
        b = job.adapter.params.get("n_permutations")
        if b is not None and 1 / (b + 1) > alpha:
            notes[job.adapter.name] = (
                f"{job.adapter.name} cannot reject at alpha = {alpha}: with "
                f"n_permutations = {b} its smallest p-value is {1 / (b + 1):.3g}.")
    return list(notes.values())


def main(argv=None):
    """Run the grid (resuming it) and write the reports.

    Returns
    -------
    DataFrame or None
        One row per test and data set; None if nothing is recorded yet.
    """
    args = parse_args(argv)
    jobs, description = build_jobs(args)
    df = run_and_collect(jobs, args, "this grid")
    if df is None:
        return None
    df = with_p_values(df)
    df.to_csv(args.out / "results.csv", index=False)
    rates = rejection_rates(df, args.alpha)
    rates.to_csv(args.out / "summary.csv", index=False)
    header = f"{description}\n\n{progress_note(df, jobs)}\n\n"
    header += "".join(f"{note}\n\n" for note in unreachable_levels(jobs, args.alpha))
    text = summary_text(rates, args.alpha, header)
    (args.out / "summary.md").write_text(text, encoding="utf-8")
    plot_calibration(df, rates, args.alpha, args.out / "calibration.png")
    print(text)
    print(f"wrote results.csv, summary.md, summary.csv and calibration.png to "
          f"{args.out}")
    return df


if __name__ == "__main__":
    # Run the module's own import, so that the jobs' functions pickle by their module
    # name: joblib's worker processes cannot find functions defined in ``__main__``.
    from benchmarks.independence_calibration import main as _main

    _main()
