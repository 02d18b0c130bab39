"""Tests of the high-MI staircase (benchmarks/high_mi.py): the construction against
its closed form and a Monte Carlo draw, the maps and the shared draw, the target of
the report on a made-up frame, and a ``--quick`` run end to end (tiny fits: they
check the machinery, not accuracy).
"""

import json

import numpy as np
import pytest

pytest.importorskip("bmi")
pd = pytest.importorskip("pandas")

from benchmarks import high_mi  # noqa: E402
from benchmarks.suite.tasks import standardise  # noqa: E402


@pytest.mark.parametrize("dim", high_mi.DIMS)
def test_the_true_mi_is_the_target(dim):
    for mi in high_mi.LEVELS:
        rho = high_mi.correlation(dim, mi)
        assert 0 < rho < 1
        assert high_mi.gaussian_mi(dim, rho) == pytest.approx(mi, rel=1e-12)
        _, info = high_mi.StaircaseData(dim, mi, "none", 0, 10).draw()
        assert info["true_mi"] == pytest.approx(mi, rel=1e-12)


def test_a_large_draw_has_the_correlation_and_the_pointwise_mi():
    """On 200,000 rows: corr(X_i, Y_i) = rho and no other correlation; the
    pointwise MI (summed over the pairs) has mean the MI and sd rho sqrt(d), the
    oracle SE times sqrt(n)."""
    data = high_mi.StaircaseData(5, 4.0, "none", 0, 200_000)
    rho, (x, y) = high_mi.correlation(5, 4.0), data.gaussian()
    corr = np.corrcoef(x, y, rowvar=False)
    np.testing.assert_allclose(np.diag(corr[:5, 5:]), rho, atol=0.002)
    off = corr - np.diag(np.diag(corr))
    off[:5, 5:] -= np.diag(np.diag(corr[:5, 5:]))
    off[5:, :5] -= np.diag(np.diag(corr[5:, :5]))
    assert np.abs(off).max() < 0.01
    pmi = (-0.5 * np.log(1 - rho**2)
           - (rho**2 * (x**2 + y**2) - 2 * rho * x * y) / (2 * (1 - rho**2))).sum(1)
    assert pmi.mean() == pytest.approx(4.0, abs=0.01)
    assert pmi.std() == pytest.approx(rho * np.sqrt(5), rel=0.01)
    _, info = data.draw()
    assert info["oracle_se"] == pytest.approx(pmi.std() / np.sqrt(200_000), rel=0.01)


def test_the_maps_are_cube_and_sinh():
    a = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(high_mi.MAPS["cube"](a), a**3)
    np.testing.assert_array_equal(high_mi.MAPS["sinh"](a), np.sinh(a))
    assert high_mi.TRANSFORMS == ("none", "cube", "sinh")


def test_plain_and_mapped_samples_share_the_gaussian_draw():
    """Each mapped sample is its map of the plain one's draw, then standardised;
    another seed or MI level draws anew."""
    raw_x, raw_y = high_mi.StaircaseData(3, 2.0, "none", 7, 500).gaussian()
    infos = []
    for transform in high_mi.TRANSFORMS:
        data = high_mi.StaircaseData(3, 2.0, transform, 7, 500)
        sample, info = data.draw()
        f = high_mi.MAPS.get(transform, lambda a: a)
        np.testing.assert_allclose(sample.x_fit, standardise(f(raw_x)))
        np.testing.assert_allclose(sample.y_fit, standardise(f(raw_y)))
        np.testing.assert_allclose(sample.x_fit.std(0), 1)
        assert info["task"] == data.task == high_mi.task_name(3, 2.0, transform)
        infos.append({k: v for k, v in info.items() if k != "task"})
    assert infos[0] == infos[1] == infos[2]
    other_seed, _ = high_mi.StaircaseData(3, 2.0, "none", 8, 500).gaussian()
    other_mi, _ = high_mi.StaircaseData(3, 4.0, "none", 7, 500).gaussian()
    assert not np.allclose(other_seed, raw_x) and not np.allclose(other_mi, raw_x)


def test_the_command_line_resolves_the_grid():
    args = high_mi.parse_args([])
    assert len(args.tasks) == 36 and args.n == [10_000] and args.seeds == [0, 1, 2]
    assert args.estimators == ["MINDE-C", "KSG", "CCA", "InfoNCE"]
    assert "cube-staircase-20-20-10" in args.tasks
    quick = high_mi.parse_args(["--quick", "--minde-param", "max_iter=5"])
    assert quick.tasks == list(high_mi.QUICK_TASKS) and quick.n == [high_mi.QUICK_N]
    assert quick.minde_param[-1] == "max_iter=5"  # after --quick's, so it wins
    for wrong in (["--tasks", "staircase-3-3-1"], ["--n", "5000", "10000"]):
        with pytest.raises(SystemExit):
            high_mi.parse_args(wrong)


def fake_frame(errors):
    """Seeds 0 and 1 of MINDE-C and KSG on 5 + 5 columns, Gaussian and cube, 1 to
    10 nats; MINDE-C's estimate is the true MI times 1 + ``errors`` of its case
    ((transform, mi) -> relative error; 0 elsewhere), KSG's 0.8 times it."""
    rows = []
    for transform in ("none", "cube"):
        for mi in high_mi.LEVELS:
            task = high_mi.task_name(5, mi, transform)
            for seed in (0, 1):
                for estimator, factor in (
                        ("MINDE-C", 1 + errors.get((transform, mi), 0.0)),
                        ("KSG", 0.8)):
                    rows.append(dict(task=task, dim=5, transform=transform, mi=mi,
                                     seed=seed, n_fit=10_000, estimator=estimator,
                                     estimate=factor * mi, true_mi=mi,
                                     oracle_se=0.02, fit_s=2.0, failure=None))
    return pd.DataFrame(rows)


def test_the_target_names_each_case_that_misses():
    text = high_mi.summary_text(fake_frame({("cube", 4.0): -0.2, ("none", 10.0): 0.3}))
    assert "**Missed**: 9/10 cases within 10 %" in text
    assert "- 5 + 5 columns, cube, 4 nats: -20.0 %" in text
    assert "10 nats" not in text  # above 8 nats, out of the target
    assert "| MINDE-C | 9/10 |" in text and "| KSG | 0/10 |" in text
    assert "### 5 + 5 columns, cube" in text and "| 4         | 0.020" in text


def test_the_target_is_met_within_ten_percent():
    means = high_mi.case_means(fake_frame({("cube", 4.0): 0.09, ("none", 1.0): -0.09}))
    cases, misses = high_mi.target_check(means)
    assert len(cases) == 10 and misses.empty
    text = high_mi.summary_text(fake_frame({("cube", 4.0): 0.09}))
    assert "**Met**: 10/10 cases within 10 %. Misses:\n\nnone" in text


def test_a_quick_run_writes_its_report_and_resumes(tmp_path, capsys):
    argv = ["--quick", "--seeds", "0", "--out", str(tmp_path), "--no-progress"]
    df = high_mi.main(argv)
    jobs = len(high_mi.QUICK_TASKS) * 4  # tasks x adapters
    for name in ("results.jsonl", "results.csv", "summary.md", "staircase.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert df.failure.isna().all(), df.failure.dropna().tolist()
    assert list(dict.fromkeys(df.estimator)) == list(high_mi.DEFAULT_ESTIMATORS)
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").open()]
    assert len(records) == jobs
    assert {r["job"]["transform"] for r in records} == set(high_mi.TRANSFORMS)
    text = (tmp_path / "summary.md").read_text()
    for part in ("### 2 + 2 columns, sinh", "## Target", "## Fit time",
                 "median ratio to InfoNCE's", "log 64 = 4.16 nats",
                 "benchmark-mi", "torch"):
        assert part in text, part
    capsys.readouterr()
    high_mi.main(argv)
    assert f"ran 0 of {jobs} jobs" in capsys.readouterr().out
    assert (tmp_path / "results.jsonl").read_text().count("\n") == jobs
