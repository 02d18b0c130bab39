"""Tests of the calibration study's helpers (benchmarks/independence_calibration.py),
the baseline CI tests (benchmarks/suite/ci_tests.py) and the PC skeleton search
(benchmarks/studies/skeleton.py).

Seconds in all: the baseline tests are closed-form, the search runs on an oracle, and
the command runs MINDE's test with three tiny fits.
"""

import numpy as np
import pytest
from scipy import stats

from benchmarks.studies import skeleton
from benchmarks.suite.ci_tests import partial_correlation_test

pytest.importorskip("bmi")
pd = pytest.importorskip("pandas")

from benchmarks import independence_calibration as calibration  # noqa: E402


def test_partial_correlation_without_z_is_pearsons_test():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    y = 0.3 * x + rng.normal(size=40)
    statistic, p_value = partial_correlation_test(x, y)
    r, expected = stats.pearsonr(x, y)
    assert p_value == pytest.approx(expected, rel=1e-9)
    assert statistic == pytest.approx(-0.5 * np.log(1 - r**2), rel=1e-9)


def test_partial_correlation_statistic_is_the_gaussian_conditional_mi():
    """METHOD section 10: 1/2 [log det S_xz + log det S_yz - log det S_z
    - log det S_xyz] on the sample covariance, here with 3 + 2 + 2 columns."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(500, 2))
    x = z @ rng.normal(size=(2, 3)) + rng.normal(size=(500, 3))
    y = x[:, :2] * 0.3 + z + rng.normal(size=(500, 2))
    s = np.cov(np.hstack([x, y, z]), rowvar=False)
    ix, iy, iz = np.arange(3), np.arange(3, 5), np.arange(5, 7)

    def logdet(*blocks):
        idx = np.concatenate(blocks)
        return np.linalg.slogdet(s[np.ix_(idx, idx)])[1]

    expected = 0.5 * (logdet(ix, iz) + logdet(iy, iz) - logdet(iz)
                      - logdet(ix, iy, iz))
    statistic, p_value = partial_correlation_test(x, y, z)
    assert statistic == pytest.approx(expected, rel=1e-9)
    assert p_value < 1e-6


def test_partial_correlation_matches_tigramite_parcorr_given_z():
    parcorr = pytest.importorskip("tigramite.independence_tests.parcorr")
    rng = np.random.default_rng(2)
    z = rng.normal(size=(60, 2))
    x = z[:, :1] + rng.normal(size=(60, 1))
    y = z[:, 1:] + 0.2 * x + rng.normal(size=(60, 1))
    _, expected = parcorr.ParCorr().run_test_raw(x, y, z)
    assert partial_correlation_test(x, y, z)[1] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("dims", [(1, 1, 2), (3, 2, 1)])
def test_partial_correlation_p_values_are_uniform_under_the_null(dims):
    """300 Gaussian null data sets of 100 rows: the exact t-test (1 + 1 columns) and
    Bartlett's approximation (3 + 2) both give uniform p-values."""
    d_x, d_y, d_z = dims
    rng = np.random.default_rng(3)
    p_values = []
    for _ in range(300):
        z = rng.normal(size=(100, d_z))
        x = z.sum(1, keepdims=True) + rng.normal(size=(100, d_x))
        y = z[:, :1] - rng.normal(size=(100, d_y))
        p_values.append(partial_correlation_test(x, y, z)[1])
    assert stats.kstest(p_values, "uniform").pvalue > 0.01
    assert 0.02 <= np.mean(np.less_equal(p_values, 0.05)) <= 0.09


@pytest.mark.parametrize("name", list(calibration.CASES))
def test_cases_have_their_stated_structure(name):
    """A null case's Y ignores X (given Z); a dependent case's does not; with a Z,
    both X and Y read it (so they are dependent without it)."""
    case = calibration.CASES[name]
    n = 50

    def rng(seed):
        return np.random.default_rng(seed)

    z = case.z(rng(0), n) if case.conditional else None
    x, other_x = case.x(z, rng(1), n), case.x(z, rng(2), n)
    y = case.y(x, z, rng(3), n)
    assert np.array_equal(y, case.y(other_x, z, rng(3), n)) == case.null
    if case.conditional:
        other_z = case.z(rng(4), n)
        assert not np.array_equal(x, case.x(other_z, rng(1), n))
        assert not np.array_equal(y, case.y(x, other_z, rng(3), n))
    data, info = calibration.CalibrationData(name, 0, n).draw()
    assert data.x.shape == (n, info["dim_x"]) and data.y.shape == (n, info["dim_y"])
    assert (data.z is None) == (info["dim_z"] == 0) == (not case.conditional)
    assert np.array_equal(calibration.CalibrationData(name, 0, n).draw()[0].x, data.x)


def test_rejection_rates_intervals_and_readings():
    counts = {"calibrated": 5, "liberal": 15, "conservative": 0}
    rows = [dict(case=case, estimator="T", p_value=0.01 if i < k else 0.5, fit_s=1.0,
                 null=True, conditional=False)
            for case, k in counts.items() for i in range(100)]
    rows += [dict(case="dependent", estimator="T", p_value=0.01, fit_s=1.0,
                  null=False, conditional=True)] * 10
    rows.append(dict(case="dependent", estimator="T", p_value=np.nan, fit_s=1.0,
                     null=False, conditional=True))
    rates = calibration.rejection_rates(pd.DataFrame(rows), alpha=0.05)
    by_case = rates.set_index("case")
    assert list(by_case.reading) == ["calibrated", "liberal", "conservative", "power"]
    assert list(by_case.rejections) == [5, 15, 0, 10]
    assert (by_case.loc["dependent", "data_sets"], by_case.loc["dependent",
                                                               "failed"]) == (10, 1)
    low, high = stats.binomtest(5, 100).proportion_ci(0.95, method="exact")
    assert by_case.loc["calibrated", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [low, high])


def test_command_writes_every_output_and_resumes(tmp_path, capsys):
    argv = ["--cases", "indep-gauss-1d", "ci-linear-gauss", "--seeds", "0", "1",
            "--estimators", "MINDE-perm", "ParCorr",
            "--minde-param", "n_permutations=2", "max_iter=20", "hidden_dim=8",
            "n_estimation_passes=1", "--out", str(tmp_path), "--no-progress"]
    df = calibration.main(argv)
    for name in ("results.jsonl", "results.csv", "summary.md", "summary.csv",
                 "calibration.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert len(df) == 8 and df.p_value.between(0, 1).all()
    minde = df[df.estimator == "MINDE-perm"]
    assert set(minde.p_value) <= {1 / 3, 2 / 3, 1.0}  # (1 + #{null >= obs}) / 3
    summary = (tmp_path / "summary.md").read_text()
    assert "8 of 8 tests recorded." in summary
    assert "MINDE-perm cannot reject at alpha = 0.05" in summary
    assert "| ci-linear-gauss | type-I error | yes" in summary
    capsys.readouterr()
    calibration.main(argv)
    assert "ran 0 of 8 jobs" in capsys.readouterr().out


def test_pc_skeleton_recovers_the_graph_from_an_oracle():
    """With the graph's own independences as the CI test, the search finds the true
    skeleton and the collider B -> D <- C."""
    independences = {("A", "C", ()), ("A", "C", ("B",)), ("A", "C", ("B", "D")),
                     ("B", "C", ()), ("B", "C", ("A",)), ("A", "D", ("B",)),
                     ("A", "D", ("B", "C"))}
    code = {v: i for i, v in enumerate(skeleton.VARIABLES)}
    data = {v: np.full((3, 1), float(i)) for v, i in code.items()}

    def oracle(x, y, z=None):
        name = [skeleton.VARIABLES[int(c)] for c in (x[0, 0], y[0, 0])]
        given = () if z is None else tuple(skeleton.VARIABLES[int(c)] for c in z[0])
        return 0.0, 1.0 if (*name, given) in independences else 0.0

    edges, separating_sets, log = skeleton.pc_skeleton(data, oracle)
    assert edges == skeleton.TRUE_EDGES
    assert separating_sets[frozenset("AD")] == ("B",)
    assert skeleton.v_structures(edges, separating_sets) == [("B", "D", "C")]
    assert len(log) == 12
