"""Tests of the multivariate benchmark (benchmarks/multivariate.py): the closed
forms against brute-force Gaussian entropies and a formula, the systems, the
plug-in, kNN and separate-fit estimators, the targets of the report, and each part
end to end in ``--quick`` mode (tiny fits: they check the machinery, not accuracy).
"""

import json
import math

import numpy as np
import pytest
from scipy import stats

pytest.importorskip("bmi")
pd = pytest.importorskip("pandas")

from benchmarks import multivariate as mv  # noqa: E402

# -- Closed forms ---------------------------------------------------------------------


def entropy_of(cov):
    """The entropy of ``N(0, cov)`` by scipy."""
    return stats.multivariate_normal(cov=cov).entropy()


def brute_force(cov, groups):
    """TC, DTC and O from scipy's entropies, each H(X_i | X_-i) the entropy of
    the conditional law (its covariance a Schur complement)."""
    everything = [c for g in groups for c in g]
    tc = sum(entropy_of(cov[np.ix_(g, g)]) for g in groups) - entropy_of(cov)
    conditional = 0.0
    for g in groups:
        rest = [c for c in everything if c not in g]
        between = cov[np.ix_(g, rest)]
        schur = cov[np.ix_(g, g)] - between @ np.linalg.solve(
            cov[np.ix_(rest, rest)], between.T
        )
        conditional += entropy_of(schur)
    dtc = entropy_of(cov) - conditional
    return tc, dtc, tc - dtc


def measures_of(cov, groups, gradient=True):
    """The module's closed forms for ``N(0, cov)``."""
    entropy = mv.gaussian_entropy_function(cov, groups)
    return mv.multivariate_measures(entropy, len(groups), gradient)


@pytest.mark.parametrize("rho", [0.3, 0.8])
def test_two_variables_read_the_gaussian_mi(rho):
    """For k = 2, TC = DTC = I(X_1; X_2) and O and its gradient are 0, for one
    column each and for blocks."""
    cov = np.array([[1.0, rho], [rho, 1.0]])
    truth = measures_of(cov, [[0], [1]])
    mi = -0.5 * math.log(1 - rho**2)
    assert truth["total_correlation"] == pytest.approx(mi, abs=1e-12)
    assert truth["dual_total_correlation"] == pytest.approx(mi, abs=1e-12)
    assert truth["o_information"] == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(truth[mv.GRADIENT], 0, atol=1e-12)
    block = mv.GaussianSystem("mixed", 3).covariance[:6, :6]  # 1 + 5 columns
    blocks = measures_of(block, [[0], [1, 2, 3, 4, 5]])
    det = np.linalg.det
    mi = 0.5 * math.log(block[0, 0] * det(block[1:, 1:]) / det(block))
    assert blocks["total_correlation"] == pytest.approx(mi, abs=1e-12)
    assert blocks["dual_total_correlation"] == pytest.approx(mi, abs=1e-12)


@pytest.mark.parametrize("system", mv.SYSTEMS)
@pytest.mark.parametrize("k", list(mv.SIZES))
def test_closed_forms_against_brute_force(system, k):
    """TC, DTC and O of each system, and O(X_-i) behind the gradient, against
    scipy's entropies and the conditional covariances."""
    base = mv.GaussianSystem(system, k)
    cov, groups, truth = base.covariance, base.groups, base.truth
    expected = brute_force(cov, groups)
    got = [truth[name] for name in mv.QUANTITIES]
    np.testing.assert_allclose(got, expected, atol=1e-9)
    for i, gradient in enumerate(truth[mv.GRADIENT]):
        rest = [g for j, g in enumerate(groups) if j != i]
        columns = [c for g in rest for c in g]
        index = {c: n for n, c in enumerate(columns)}
        sub = cov[np.ix_(columns, columns)]
        o_rest = brute_force(sub, [[index[c] for c in g] for g in rest])[2]
        assert gradient == pytest.approx(truth["o_information"] - o_rest, abs=1e-9)


@pytest.mark.parametrize("k", [3, 4, 6])
def test_a_noisy_sum_against_its_formula(k):
    """X_k = the sum of k - 1 independent standard normals + s e: TC = 1/2 log(1
    + (k - 1) / s^2), DTC = (k - 1)/2 log(1 + 1 / s^2), and O < 0."""
    s2 = 0.5
    mixing = np.eye(k, k)
    mixing[-1, :-1], mixing[-1, -1] = 1.0, math.sqrt(s2)
    truth = measures_of(mixing @ mixing.T, [[i] for i in range(k)], gradient=False)
    tc = 0.5 * math.log(1 + (k - 1) / s2)
    dtc = 0.5 * (k - 1) * math.log(1 + 1 / s2)
    assert truth["total_correlation"] == pytest.approx(tc, abs=1e-12)
    assert truth["dual_total_correlation"] == pytest.approx(dtc, abs=1e-12)
    assert truth["o_information"] < 0


@pytest.mark.parametrize("k", list(mv.SIZES))
def test_systems(k):
    """Unit-variance columns in blocks of 1 to 5; redundancy reads O > 0, synergy
    O < 0, and no system has |O| below 0.2 nats; for three variables the gradient
    is O itself (two variables have no O-information)."""
    truth = {}
    for system in mv.SYSTEMS:
        base = mv.GaussianSystem(system, k)
        np.testing.assert_allclose(np.diag(base.covariance), 1)
        assert np.linalg.eigvalsh(base.covariance).min() > 0.01
        assert [len(g) for g in base.groups] == list(mv.SIZES[k])
        assert {len(g) for g in base.groups} <= {1, 2, 3, 4, 5}
        truth[system] = base.truth
        assert abs(base.truth["o_information"]) > 0.2
        if k == 3:
            np.testing.assert_allclose(
                base.truth[mv.GRADIENT], base.truth["o_information"]
            )
    assert truth["redundant"]["o_information"] > 0
    assert truth["synergistic"]["o_information"] < 0


def test_samples_and_maps():
    """A sample has the system's covariance; the mapped sample is the same
    Gaussian draw through cube and sinh (undone by cbrt and arcsinh)."""
    base = mv.GaussianSystem("mixed", 5)
    x = base.sample(100_000, seed=0)
    np.testing.assert_allclose(np.cov(x, rowvar=False), base.covariance, atol=0.02)
    mapped = mv.cube_sinh(x[:5])
    np.testing.assert_allclose(np.cbrt(mapped[:, ::2]), x[:5, ::2])
    np.testing.assert_allclose(np.arcsinh(mapped[:, 1::2]), x[:5, 1::2])
    plain, info = mv.SystemData("accuracy", "mixed", 5, "none", 3, 200).draw()
    cubed, _ = mv.SystemData("accuracy", "mixed", 5, mv.MAPPED, 3, 200).draw()
    raw = base.sample(200, seed=3)
    np.testing.assert_allclose(plain.x, mv.standardise(raw))
    np.testing.assert_allclose(cubed.x, mv.standardise(mv.cube_sinh(raw)))
    assert info["truth"] == base.truth and info["task"] == "mixed-5"


def test_student_closed_form_against_scipy_and_the_gaussian_limit():
    """The Student-t block entropies are scipy's multivariate_t entropies, and the
    Gaussian ones as the degrees of freedom grow; the shared scale adds
    dependence: TC and DTC above the Gaussian system's."""
    base = mv.GaussianSystem("mixed", 5)
    cov, groups = base.covariance, base.groups
    student = mv.student_entropy_function(cov, groups, mv.STUDENT_DF)
    for variables in [(0, 1, 2, 3, 4), (2,), (1, 3)]:
        columns = mv.block_columns(groups, variables)
        block = cov[np.ix_(columns, columns)]
        law = stats.multivariate_t(shape=block, df=mv.STUDENT_DF)
        assert student(variables) == pytest.approx(law.entropy(), rel=1e-10)
    limit = mv.student_entropy_function(cov, groups, 1e8)
    gaussian = mv.gaussian_entropy_function(cov, groups)
    assert limit((0, 1, 2, 3, 4)) == pytest.approx(gaussian((0, 1, 2, 3, 4)), abs=1e-6)
    for q in ("total_correlation", "dual_total_correlation"):
        assert base.student_truth[q] > base.truth[q]


def test_student_sample_shares_a_scale_per_row():
    """The Student-t version is the Gaussian draw over one scale per row (the
    ratio of any two columns is the Gaussian one), the scale ``sqrt(W / df)``
    with ``W ~ chi2(df)``, and it has its own truth."""
    base = mv.GaussianSystem("redundant", 3)
    x, raw = base.student_sample(100_000, seed=1), base.sample(100_000, seed=1)
    np.testing.assert_allclose(x[:, 1] / x[:, 0], raw[:, 1] / raw[:, 0])
    w = mv.STUDENT_DF * (raw[:, 0] / x[:, 0]) ** 2
    assert stats.kstest(w, stats.chi2(mv.STUDENT_DF).cdf).pvalue > 0.01
    data, info = mv.SystemData("accuracy", "redundant", 3, mv.STUDENT, 1, 300).draw()
    np.testing.assert_allclose(data.x, mv.standardise(x[:300]))
    assert info["truth"] == base.student_truth and info["task"] == "t3-redundant-3"


# -- Estimators -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def easy():
    """2,000 rows of three correlated standard normals, and their truth."""
    cov = np.array([[1.0, 0.6, 0.5], [0.6, 1.0, 0.4], [0.5, 0.4, 1.0]])
    groups = [[0], [1], [2]]
    x = np.random.default_rng(0).multivariate_normal(np.zeros(3), cov, size=2000)
    return mv.SystemSample(x, groups), measures_of(cov, groups)


def test_knn_on_an_easy_gaussian(easy):
    """The KSG-type estimate within 0.06 nats of TC and DTC (0.378 and 0.301)
    and 0.04 of O; for three variables its gradient is its O exactly."""
    sample, truth = easy
    estimate = mv.knn_measures(sample, seed=0).estimate
    for name, tolerance in zip(mv.QUANTITIES, (0.06, 0.06, 0.04), strict=True):
        assert estimate[name] == pytest.approx(truth[name], abs=tolerance), name
    np.testing.assert_allclose(estimate[mv.GRADIENT], estimate["o_information"])


def test_knn_entropies_are_kozachenko_leonenko():
    """The joint entropy is the Kozachenko-Leonenko estimate with the max norm;
    on a standard normal sample it reads the entropy within 0.05 nats."""
    x = np.random.default_rng(1).standard_normal((3000, 2))
    entropy = mv.knn_entropy_function(x, [[0], [1]], n_neighbors=4)
    assert entropy((0, 1)) == pytest.approx(entropy_of(np.eye(2)), abs=0.05)
    assert entropy((0,)) == pytest.approx(entropy_of(np.eye(1)), abs=0.05)
    assert entropy(()) == 0.0


def test_gaussian_plugin_is_the_closed_form_of_the_sample_covariance(easy):
    sample, _ = easy
    cov = np.cov(sample.x, rowvar=False)
    expected = measures_of(cov, sample.groups)
    estimate = mv.gaussian_measures(sample, seed=0).estimate
    assert estimate.keys() == expected.keys()
    for name, value in expected.items():
        np.testing.assert_allclose(estimate[name], value, rtol=1e-12)
    ten = mv.SystemData("accuracy", "redundant", 10, "none", 0, 100).draw()[0]
    assert mv.GRADIENT not in mv.gaussian_measures(ten, seed=0).estimate


class GaussianEntropyFit:
    """A stand-in for MINDEEstimator fitted without y: the Gaussian entropy of
    the sample covariance of the columns it is given (given its conditioning
    columns), with a standard error of 0.1."""

    def __init__(self, random_state=None, conditioning_columns=None):
        self.conditioning_columns = conditioning_columns

    def fit(self, x):
        def h(columns):
            if not columns:
                return 0.0
            cov = np.atleast_2d(np.cov(x[:, columns], rowvar=False))
            return 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov)[1]

        given = self.conditioning_columns or []
        self.entropy_ = h(list(range(x.shape[1]))) - h(given)
        self.entropy_std_, self.n_iter_, self.device_ = 0.1, 10, "cpu"
        return self


def test_separate_fits_combine_the_entropies(monkeypatch, easy):
    """With each fit reading the plug-in's entropies, the separate fits read the
    plug-in's TC, DTC and O; their variances add: (k + 1), (k + 1) and (2 k + 4)
    entropy variances."""
    sample, _ = easy
    monkeypatch.setattr(mv, "MINDEEstimator", GaussianEntropyFit)
    reading = mv.separate_measures(sample, seed=0)
    plugin = mv.gaussian_measures(sample, seed=0).estimate
    for name in mv.QUANTITIES:
        assert reading.estimate[name] == pytest.approx(plugin[name], abs=1e-9)
    k = len(sample.groups)
    expected = 0.1 * np.sqrt([k + 1, k + 1, 2 * k + 4])
    np.testing.assert_allclose(list(reading.std_error.values()), expected)
    assert reading.n_iter == 10 * (2 * k + 1)


# -- Targets --------------------------------------------------------------------------


def fit_rows(case, truth, estimates):
    """Records-frame rows of one case (system, k, transform) at the target n:
    ``estimates`` maps an estimator to (TC, DTC, O) per seed; MINDE-O's standard
    errors are 0.01."""
    system, k, transform = case
    rows = []
    for estimator, per_seed in estimates.items():
        for seed, values in enumerate(per_seed):
            estimate = dict(zip(mv.QUANTITIES, values, strict=True))
            errors = dict.fromkeys(mv.QUANTITIES, 0.01)
            rows.append(
                dict(
                    task=f"{transform}-{system}-{k}",
                    system=system,
                    k=k,
                    transform=transform,
                    n_fit=mv.TARGET_N,
                    seed=seed,
                    estimator=estimator,
                    estimate=estimate,
                    std_error=errors if estimator == mv.MINDE else np.nan,
                    truth=dict(zip(mv.QUANTITIES, truth, strict=True)),
                    fit_s=1.0,
                    n_iter=None,
                )
            )
    return rows


def test_targets_are_counted():
    truth = (1.0, 1.2, -0.2)
    gaussian_case = fit_rows(  # MINDE-O: DTC +12.5 %, a miss
        ("synergistic", 3, "none"),
        truth,
        {mv.MINDE: [(1.0, 1.35, -0.35), (1.0, 1.35, -0.35)], mv.GAUSSIAN: [truth] * 2},
    )
    mapped_case = fit_rows(  # MINDE-O nearer on TC and O, not on DTC; O's sign
        ("synergistic", 3, mv.MAPPED),  # wrong on seed 1
        truth,
        {
            mv.MINDE: [(0.98, 1.1, -0.12), (0.98, 1.3, 0.1)],
            mv.GAUSSIAN: [(0.7, 1.2, -0.5)] * 2,
            mv.KNN: [(0.8, 1.2, -0.4)] * 2,
        },
    )
    df = pd.DataFrame(gaussian_case + mapped_case)
    within, sign, nearer = mv.accuracy_targets(mv.measure_frame(df))
    assert "1/2 cases, missed; synergistic-3 (TC +0.0 %, DTC +12.5 %)" in within
    assert "Gaussian 1/2, kNN 0/1" in within
    assert "3/4 fits, missed; synergistic-3 (cube-sinh), seed 1: +0.100" in sign
    assert "0/1 cases on all three of TC, DTC and O, missed" in nearer
    assert "TC 1/1, DTC 0/1, O 1/1" in nearer


# -- End to end -----------------------------------------------------------------------

#: Jobs of each part on one seed in --quick mode: 3 systems, 2 maps, k = 3 and 10,
#: 3 estimators; 3 systems, k = 3, 2 ways.
QUICK_JOBS = {"accuracy": 36, "cost": 6}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """Both parts in --quick mode on seed 0: the folder, the command and the
    frames."""
    out = tmp_path_factory.mktemp("multivariate")
    argv = ["--quick", "--seeds", "0", "--out", str(out), "--no-progress"]
    return out, argv, mv.main(argv)


@pytest.mark.parametrize("part", list(mv.PARTS))
def test_quick_part_writes_its_report(quick_run, part):
    out, _, frames = quick_run
    df = frames[part]
    assert df.failure.isna().all(), df.failure.dropna().tolist()
    assert len(df) == QUICK_JOBS[part]
    for suffix in ("csv", "md", "png"):
        assert (out / f"{part}.{suffix}").stat().st_size > 0, suffix
    text = (out / f"{part}.md").read_text()
    assert f"{len(df)} of {len(df)} jobs recorded" in text
    records = [json.loads(line) for line in (out / "results.jsonl").open()]
    assert sum(r["job"]["part"] == part for r in records) == QUICK_JOBS[part]


def test_quick_accuracy_records_what_each_estimator_reads(quick_run):
    """MINDE-O's standard errors, and the gradient up to 5 variables only."""
    df = quick_run[2]["accuracy"]
    text = (quick_run[0] / "accuracy.md").read_text()
    assert "Targets of issue 29" in text and "Gradient O(X) - O(X_-i)" in text
    for r in df.itertuples():
        assert (mv.GRADIENT in r.estimate) == (r.k <= mv.GRADIENT_MAX_VARIABLES)
        assert isinstance(r.std_error, dict) == (r.estimator == mv.MINDE)
    assert set(df.estimator) == {mv.MINDE, mv.GAUSSIAN, mv.KNN}


def test_quick_cost_times_both_ways(quick_run):
    df = quick_run[2]["cost"]
    assert set(df.estimator) == {mv.SHARED, mv.SEPARATE}
    separate = df[df.estimator == mv.SEPARATE]
    assert (separate.n_iter == 7 * mv.QUICK_MINDE["max_iter"]).all()  # 2k + 1 fits
    assert (
        "Median time ratio of MINDE separate to MINDE-O shared: k = 3:"
        in (quick_run[0] / "cost.md").read_text()
    )


def test_quick_run_resumes_and_reports_only(quick_run, capsys):
    out, argv, _ = quick_run
    lines = (out / "results.jsonl").read_text().count("\n")
    capsys.readouterr()
    mv.main(argv)
    printed = capsys.readouterr().out
    for count in QUICK_JOBS.values():
        assert f"ran 0 of {count} jobs" in printed
    assert (out / "results.jsonl").read_text().count("\n") == lines
    report = mv.main([*argv, "--report-only"])
    assert {part: len(df) for part, df in report.items()} == QUICK_JOBS
