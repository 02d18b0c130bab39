"""Tests of the conditional-MI study (benchmarks/cmi.py): the tasks' truth, the
transformed tasks, the conditional adapters, the reports, and the command on a tiny
grid (seconds: the fits are tiny; they check the machinery, not accuracy).
"""

import numpy as np
import pytest
from scipy import stats

pytest.importorskip("bmi")
pd = pytest.importorskip("pandas")

from benchmarks import cmi  # noqa: E402
from benchmarks.suite.adapters import ADAPTERS, Sample  # noqa: E402
from benchmarks.suite.ci_tests import cmiknn_cmi, gaussian_cmi  # noqa: E402


def invert(function, u, low=-20.0, high=20.0, steps=80):
    """The inverse of an increasing map, elementwise, by bisection."""
    low, high = np.full_like(u, low), np.full_like(u, high)
    for _ in range(steps):
        middle = (low + high) / 2
        below = cmi.apply_map(function, middle) < u
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return (low + high) / 2


def pointwise_cmi(base, x, y, z):
    """log p(x, y | z) - log p(x | z) - log p(y | z) of each row under the task's
    true density."""
    cov = base.covariance
    dx, dy = base.dim_x, base.dim_y
    z_cols = np.arange(dx + dy, len(cov))

    def logpdf(columns, *blocks):
        index = np.concatenate(columns)
        return stats.multivariate_normal(cov=cov[np.ix_(index, index)]).logpdf(
            np.hstack(blocks))

    x_cols, y_cols = np.arange(dx), np.arange(dx, dx + dy)
    return (logpdf([x_cols, y_cols, z_cols], x, y, z) + logpdf([z_cols], z)
            - logpdf([x_cols, z_cols], x, z) - logpdf([y_cols, z_cols], y, z))


@pytest.mark.parametrize("base", cmi.BASES, ids=lambda b: b.name)
def test_closed_form_truth_against_monte_carlo_and_the_sample_covariance(base):
    assert base.true_cmi == pytest.approx(base.cmi, abs=1e-12)
    x, y, z = base.sample(100_000, seed=0)
    # Monte Carlo: the mean of the pointwise CMI under the true density, whose sd
    # is the oracle's
    values = pointwise_cmi(base, x, y, z)
    se = max(base.pointwise_sd, 1e-3) / np.sqrt(len(values))
    assert values.mean() == pytest.approx(base.true_cmi, abs=4 * se)
    assert values.std() == pytest.approx(base.pointwise_sd, rel=0.02, abs=1e-9)
    # the sample covariance, and the Gaussian CMI on it
    sample_cov = np.cov(np.hstack([x, y, z]), rowvar=False)
    np.testing.assert_allclose(sample_cov, base.covariance, atol=0.02)
    assert np.allclose(np.diag(base.covariance), 1)
    assert gaussian_cmi(x, y, z) == pytest.approx(base.true_cmi, abs=0.01)
    assert cmi.gaussian_cmi_closed_form(sample_cov, base.dim_x, base.dim_y) == (
        pytest.approx(gaussian_cmi(x, y, z), abs=1e-9))


def test_the_zero_tasks_have_cmi_zero_and_depend_through_z():
    zeros = [base for base in cmi.BASES if base.cmi == 0]
    assert len(zeros) == 2
    for base in zeros:
        assert base.true_cmi == 0 and base.pointwise_sd == 0
        assert base.mi_without_z > 0.3  # X and Y dependent, through Z only
        x, y, z = base.sample(2000, seed=1)
        np.testing.assert_allclose(pointwise_cmi(base, x, y, z), 0, atol=1e-9)
    assert {b.cmi for b in cmi.BASES} - {0.0} <= set(np.arange(0.2, 0.81, 0.1).round(1))


@pytest.mark.parametrize("transform", cmi.TRANSFORMS)
def test_a_transformed_task_maps_x_and_y_of_the_same_gaussian_draw(transform):
    base = cmi.GaussianCMI(3, 3, 5, 0.6)
    x, y, z = base.sample(3000, seed=2)
    tx, ty, tz = cmi.TASKS[f"{transform}-{base.name}"].sample(3000, seed=2)
    np.testing.assert_array_equal(tz, z)  # Z is not transformed
    map_x, map_y = cmi.TRANSFORMS[transform]
    grid = np.linspace(-6, 6, 2001)  # each map increases: it has an inverse
    assert (np.diff(cmi.apply_map(map_x, grid)) > 0).all()
    assert (np.diff(cmi.apply_map(map_y, grid)) > 0).all()
    x_back, y_back = invert(map_x, tx), invert(map_y, ty)
    np.testing.assert_allclose(x_back, x, atol=1e-8)
    np.testing.assert_allclose(y_back, y, atol=1e-8)
    assert gaussian_cmi(x_back, y_back, tz) == pytest.approx(gaussian_cmi(x, y, z),
                                                             abs=1e-8)
    assert not np.allclose(tx, x, atol=0.1)  # the map does something


def test_task_data_records_the_truth_and_standardises():
    sample, info = cmi.CMITaskData("asinh-cmi-normal-2-2-2-0.5", 0, 500).draw()
    assert (sample.x_fit.shape, sample.y_fit.shape, sample.z_fit.shape) == (
        (500, 2), (500, 2), (500, 2))
    for a in (sample.x_fit, sample.y_fit, sample.z_fit):
        np.testing.assert_allclose(a.mean(0), 0, atol=1e-12)
        np.testing.assert_allclose(a.std(0), 1)
    assert info["true_mi"] == pytest.approx(0.5)
    assert info["transform"] == "asinh" and info["base"] == "cmi-normal-2-2-2-0.5"
    assert info["oracle_se"] == pytest.approx(np.sqrt(2) * 0.6271 / np.sqrt(500),
                                              rel=1e-3)


def test_adapters_condition_on_z_and_bmi_refuses_it():
    x, y, z = cmi.GaussianCMI(1, 1, 1, 0.3).sample(300, seed=0)
    sample = Sample(x, y, z_fit=z)
    parcorr = cmi.ESTIMATORS["ParCorr"].run(sample, 0).estimates["ParCorr"]
    assert parcorr == pytest.approx(gaussian_cmi(x, y, z))
    assert parcorr != pytest.approx(gaussian_cmi(x, y))
    with pytest.raises(ValueError, match="no conditional form"):
        ADAPTERS["CCA"].run(sample, 0)


def test_cmiknn_reads_ranks_so_increasing_maps_do_not_move_it():
    pytest.importorskip("tigramite")
    x, y, z = cmi.GaussianCMI(1, 1, 1, 0.3).sample(300, seed=0)
    value = cmiknn_cmi(x, y, z, knn=10)
    mapped = cmi.TASKS["half_cube-cmi-normal-1-1-1-0.3"].sample(300, seed=0)
    # up to the tiny noise with which tigramite breaks ties before ranking
    assert cmiknn_cmi(*mapped, knn=10) == pytest.approx(value, abs=1e-3)
    assert value != pytest.approx(cmiknn_cmi(x, y, knn=10), abs=1e-3)


def _frame():
    """Two estimators on a CMI-0.5 task, its half-cube version and a CMI-0 task,
    seeds 0 and 1: "inv" is invariant, "gauss" moves with the transform."""
    rows = []
    for task, base, transform, truth in (("t", "t", "none", 0.5),
                                         ("half_cube-t", "t", "half_cube", 0.5),
                                         ("z", "z", "none", 0.0)):
        for seed in (0, 1):
            for name, value in (("inv", truth + 0.05 * seed),
                                ("gauss", truth - 0.1 * (transform != "none"))):
                rows.append(dict(task=task, base=base, transform=transform, seed=seed,
                                 n_fit=100, estimator=name, estimate=value,
                                 true_mi=truth, mi_without_z=1.0, oracle_se=0.01,
                                 fit_s=1.0))
    return pd.DataFrame(rows)


def test_summary_figures():
    df = _frame()
    errors = cmi.task_errors(df)
    assert errors.rel_error[errors.task == "z"].isna().all()
    table = cmi.summary_table(df, errors).set_index("estimator")
    assert table.loc["inv", "MAE"] == pytest.approx(0.025)
    assert table.loc["inv", "mean_abs_shift"] == pytest.approx(0)
    assert table.loc["gauss", "mean_abs_shift"] == pytest.approx(0.1)
    assert table.loc["gauss", "MAE_transformed"] == pytest.approx(0.1)
    assert table.loc["gauss", "MAE_gaussian"] == pytest.approx(0)
    assert table.loc["inv", "zero_cmi_mean"] == pytest.approx(0.025)
    assert table.loc["inv", "within_10pc"] == "2/2"
    assert table.loc["gauss", "within_10pc"] == "1/2"
    rows = {cells[1]: cells[2:-1] for line in cmi.error_table(errors).splitlines()
            if len(cells := [c.strip() for c in line.split("|")]) > 2}
    assert rows["z"] == ["100", "0.000", "1.000", "+0.025 ± 0.035", "+0.000 ± 0.000"]
    assert rows["half_cube-t"][3:] == ["+0.025 ± 0.035 (+5.0 %)",
                                       "-0.100 ± 0.000 (-20.0 %)"]


def test_command_writes_every_output_and_resumes(tmp_path, capsys):
    argv = ["--tasks", "cmi-normal-1-1-1-0.0", "half_cube-cmi-normal-1-1-1-0.0",
            "--n", "200", "--seeds", "0", "--estimators", "MINDE-C", "ParCorr",
            "--minde-param", "max_iter=20", "hidden_dim=8", "n_estimation_passes=1",
            "--out", str(tmp_path), "--no-progress"]
    df = cmi.main(argv)
    for name in ("results.jsonl", "results.csv", "table.md", "summary.md",
                 "estimates.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert set(df.estimator) == {"MINDE-C", "ParCorr"}  # not the sigma form
    assert df.failure.isna().all() and (df.dim_z == 1).all()
    lines = (tmp_path / "results.jsonl").read_text().count("\n")
    assert lines == 4  # 2 tasks x 2 adapters
    assert "| half_cube-cmi-normal-1-1-1-0.0 | 200 |" in (
        tmp_path / "table.md").read_text()
    capsys.readouterr()
    cmi.main(argv)
    assert "ran 0 of 4 jobs" in capsys.readouterr().out
    assert (tmp_path / "results.jsonl").read_text().count("\n") == lines
    assert len(cmi.main([*argv, "--report-only"])) == len(df)
