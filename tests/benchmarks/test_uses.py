"""Tests of the "where MI is used" benchmark (benchmarks/uses.py): the truths of
its tasks against direct integrals, its scores, and each part end to end in
``--quick`` mode (tiny fits: they check the machinery, not accuracy).
"""

import json

import numpy as np
import pytest
from scipy import integrate, special, stats
from sklearn.feature_selection import mutual_info_regression as sklearn_mi_regression

pytest.importorskip("bmi")
pd = pytest.importorskip("pandas")

from benchmarks import uses  # noqa: E402
from benchmarks.suite.adapters import Sample  # noqa: E402

# -- Truths ---------------------------------------------------------------------------


@pytest.mark.parametrize("m", [2, 3, 4, 7])
def test_uniform_labels_formula_against_a_direct_integral(m):
    def density(x):  # p(x): the classes whose interval [k, k + 2) holds x
        return np.sum((np.arange(m) <= x) & (x < np.arange(m) + 2)) / (2 * m)

    # sum_k p_k int_k^{k+2} p(x | k) log(p(x | k) / p(x)) dx, p(x | k) = 1/2
    mi = (
        sum(
            integrate.quad(
                lambda x: 0.5 * np.log(0.5 / density(x)), k, k + 2, points=[k + 1]
            )[0]
            for k in range(m)
        )
        / m
    )
    assert uses.uniform_labels_mi(m) == pytest.approx(mi, abs=1e-10)


def test_uniform_labels_sample_and_pointwise_sd():
    task = uses.TASKS["uniform-5d"][0]
    x, labels = task.sample(200_000, seed=0)
    assert x.shape == (200_000, 5) and set(labels) == {0, 1, 2, 3}
    assert np.all((labels <= x[:, 0]) & (x[:, 0] < labels + 2))
    # the pointwise MI: ln m where one interval covers x (x < 1 or x >= m), else
    # ln(m / 2)
    one = (x[:, 0] < 1) | (x[:, 0] >= 4)
    pointwise = np.where(one, np.log(4), np.log(2))
    truth = task.truth
    assert pointwise.mean() == pytest.approx(truth["true_mi"], abs=0.005)
    assert pointwise.std() == pytest.approx(truth["pointwise_sd"], rel=0.01)
    assert np.abs(np.corrcoef(x, rowvar=False)[0, 1:]).max() < 0.01  # noise columns


def test_mixture_truth_against_quadrature_in_one_dimension():
    task = uses.TASKS["mixture-1d"][0]
    means = np.ravel(task.means)

    def integrand(x):
        each = stats.norm.pdf(x - means)
        return np.sum(each * np.log(each / each.mean())) / len(means)

    mi = integrate.quad(integrand, -12, 12, limit=200)[0]
    truth = task.truth
    assert 0 < truth["true_mi_se"] < 0.001
    assert truth["true_mi"] == pytest.approx(mi, abs=4 * truth["true_mi_se"])


def test_mixture_pointwise_mi_reads_the_shared_covariance():
    task = uses.TASKS["mixture-5d"][0]
    x, labels = task.sample(500, seed=1)
    cov = np.full((5, 5), 0.5) + 0.5 * np.eye(5)
    np.testing.assert_allclose(task.cholesky @ task.cholesky.T, cov)
    log_p = np.column_stack(
        [stats.multivariate_normal(m, cov).logpdf(x) for m in task.means]
    )
    expected = log_p[np.arange(500), labels] - np.log(np.exp(log_p).mean(1))
    np.testing.assert_allclose(task.pointwise_mi(x, labels), expected, atol=1e-10)


def test_gaussian_pairs_truth():
    task, small = uses.TASKS["gaussian-pairs-10"][0], uses.TASKS["gaussian-pairs-4"][0]
    rho = task.correlation
    np.testing.assert_allclose(np.diag(rho), 1)
    assert np.linalg.eigvalsh(rho).min() > 0.1
    np.testing.assert_array_equal(small.correlation, rho[:4, :4])
    assert len(task.pair_mi) == 45 and len(small.pair_mi) == 6
    r = rho[np.triu_indices(10, 1)]
    assert np.median(np.abs(r)) == pytest.approx(0.27, abs=0.01)
    assert np.abs(r).max() == pytest.approx(0.72, abs=0.01)
    # the MI of a Gaussian pair from its entropies, 1/2 log(s_i s_j / det)
    for (i, j), mi in zip(task.pairs, task.pair_mi, strict=True):
        block = rho[np.ix_([i, j], [i, j])]
        assert mi == pytest.approx(-0.5 * np.log(np.linalg.det(block)), abs=1e-12)
    x = task.sample(100_000, seed=0)
    np.testing.assert_allclose(np.corrcoef(x, rowvar=False), rho, atol=0.015)


def test_sparse_gaussian_truth():
    task = uses.TASKS["sparse-gaussian-10"][0]
    x, y = task.sample(200_000, seed=0)
    assert y.var() == pytest.approx(1, rel=0.01)
    r = [np.corrcoef(x[:, j], y)[0, 1] for j in range(10)]
    np.testing.assert_allclose(r, [0.6, 0.5, 0.4, 0.3, 0, 0, 0, 0, 0, 0], atol=0.01)
    np.testing.assert_allclose(
        task.feature_mi[:4], -0.5 * np.log(1 - np.square([0.6, 0.5, 0.4, 0.3]))
    )


def test_feature_mi_quadrature_against_a_closed_form():
    # y = 10 U + E: I = h(y) - h(E), with p(y) = (Phi(y) - Phi(y - 10)) / 10
    def density(y):
        return (stats.norm.cdf(y) - stats.norm.cdf(y - 10)) / 10

    h_y = integrate.quad(
        lambda y: special.entr(density(y)), -10, 20, points=[0, 10], limit=200
    )[0]
    mi = h_y - stats.norm.entropy()
    quadrature = uses.uniform_inputs_feature_mi(lambda u: 10 * u[:, 0], 1, 0, 1.0)
    assert quadrature == pytest.approx(mi, abs=1e-3)


def test_friedman_reference():
    mi = uses.TASKS["friedman1-10"][0].feature_mi
    # column 1's MI is column 0's by symmetry: the integral agrees
    column_1 = uses.uniform_inputs_feature_mi(uses.friedman1_target, 5, 1, 1.0)
    assert column_1 == pytest.approx(mi[1], abs=1e-3) and mi[0] == mi[1]
    np.testing.assert_array_equal(mi[5:], 0)
    assert list(np.argsort(-mi[:5])) in ([3, 0, 1, 2, 4], [3, 1, 0, 2, 4])
    assert mi[3] == pytest.approx(0.2187, abs=1e-3)  # 64 nodes and 10^6 draws


# -- Estimators and scores ------------------------------------------------------------


def test_pairwise_sklearn_orders_the_pairs_as_triu_indices():
    x = uses.TASKS["gaussian-pairs-4"][0].sample(400, seed=0)
    reading = uses.pairwise_sklearn(Sample(x, None), seed=3)
    direct = [
        sklearn_mi_regression(x[:, [i]], x[:, j], random_state=3)[0]
        for i, j in zip(*np.triu_indices(4, 1), strict=True)
    ]
    np.testing.assert_allclose(reading.estimate, direct)


def test_top_k_counts_ties_against_the_informative_columns():
    truth = np.array([0.3, 0.1, 0, 0])
    assert uses.top_k_found(np.array([0.5, 0.2, 0.1, 0.0]), truth) == 2
    assert uses.top_k_found(np.array([0.5, 0.0, 0.0, 0.0]), truth) == 1
    assert uses.top_k_found(np.array([0.5, 0.1, 0.1, 0.0]), truth) == 1
    assert uses.top_k_found(np.array([0.0, 0.1, 0.2, 0.0]), truth) == 1


def test_label_targets_are_counted_on_seed_means():
    rows = [  # (task, n, estimator, estimates of seeds 0 and 1), truth 0.5
        ("mixture-1d", 1000, "MINDE-C", (0.30, 0.32)),  # -38 %, below 5,000 rows
        ("mixture-1d", 1000, "sklearn", (0.45, 0.45)),
        ("mixture-1d", 5000, "MINDE-C", (0.48, 0.50)),  # -2 %
        ("mixture-1d", 5000, "sklearn", (0.44, 0.46)),
        ("uniform-5d", 5000, "MINDE-C", (0.40, 0.42)),  # -18 %: a miss
    ]
    df = pd.DataFrame(
        [
            dict(
                task=t,
                n_fit=n,
                seed=s,
                estimator=e,
                estimate=v,
                true_mi=0.5,
                oracle_se=0.01,
                fit_s=1.0,
                dim_x=1,
            )
            for t, n, e, values in rows
            for s, v in enumerate(values)
        ]
    )
    within, closer = uses.label_targets(uses.label_errors(df))
    assert "1/2 cells, missed; uniform-5d at n = 5000 (-18.0 %)" in within
    assert "1/2 sizes, missed" in closer
    assert "n = 5000: 0.010 against 0.050 nats" in closer


# -- End to end -----------------------------------------------------------------------

#: Jobs of each part on one seed in --quick mode.
QUICK_JOBS = {"ranking": 6, "labels": 6, "pairwise": 3}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """Every part in --quick mode on seed 0: the folder, the command and the
    frames."""
    out = tmp_path_factory.mktemp("uses")
    argv = [
        "--part",
        "all",
        "--quick",
        "--seeds",
        "0",
        "--out",
        str(out),
        "--no-progress",
    ]
    return out, argv, uses.main(argv)


@pytest.mark.parametrize("part", list(uses.PARTS))
def test_quick_part_writes_its_report(quick_run, part):
    out, _, frames = quick_run
    df = frames[part]
    assert df.failure.isna().all(), df.failure.dropna().tolist()
    assert len(df) == QUICK_JOBS[part]
    for suffix in ("csv", "md", "png"):
        assert (out / f"{part}.{suffix}").stat().st_size > 0, suffix
    text = (out / f"{part}.md").read_text()
    assert "Target" in text and f"{len(df)} of {len(df)} jobs recorded" in text
    records = [json.loads(line) for line in (out / "results.jsonl").open()]
    assert sum(r["job"]["part"] == part for r in records) == QUICK_JOBS[part]


def test_quick_run_resumes_and_reports_only(quick_run, capsys):
    out, argv, frames = quick_run
    lines = (out / "results.jsonl").read_text().count("\n")
    capsys.readouterr()
    uses.main(argv)
    printed = capsys.readouterr().out
    for count in set(QUICK_JOBS.values()):
        assert f"ran 0 of {count} jobs" in printed
    assert (out / "results.jsonl").read_text().count("\n") == lines
    report = uses.main([*argv, "--report-only"])
    assert {part: len(df) for part, df in report.items()} == QUICK_JOBS


def test_quick_pairwise_times_n_jobs_2_with_equal_estimates(quick_run):
    timing = uses.parallel_timing(quick_run[2]["pairwise"])
    assert len(timing) == 1
    assert float(timing["largest difference (nats)"].iloc[0]) == 0
