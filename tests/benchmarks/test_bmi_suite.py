"""Tests of the bmi suite (benchmarks/bmi_suite.py and benchmarks/suite/).

Every fit is tiny: these tests check the machinery (adapters, resuming, parallel
back ends, reports), not accuracy.
"""

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("bmi")
pytest.importorskip("pandas")

from benchmarks import bmi_suite  # noqa: E402
from benchmarks.suite import adapters as adapters_module  # noqa: E402
from benchmarks.suite.adapters import ADAPTERS, Outcome, Sample, select_adapters  # noqa: E402
from benchmarks.suite.report import (  # noqa: E402
    grouped_errors,
    records_to_frame,
    spread_labels,
    summary,
    task_family,
)
from benchmarks.suite.runner import Job, run_jobs  # noqa: E402
from benchmarks.suite.store import ResultStore  # noqa: E402
from benchmarks.suite.tasks import ORACLE_PMI_SD, TaskData, all_tasks  # noqa: E402

MINDE_TINY = {"hidden_dim": 8, "max_iter": 20, "n_estimation_passes": 1,
              "device": "cpu"}
TASKS = ["1v1-normal-0.75", "multinormal-dense-2-2-0.5"]


@dataclass
class FakeAdapter:
    """Returns a constant at once; raises ``fail_with`` on call number ``fail_at``."""

    name: str = "Fake"
    params: dict = field(default_factory=dict)
    group: str = "classical"
    fail_at: int | None = None
    fail_with: type = KeyboardInterrupt
    calls: list = field(default_factory=list)

    def outputs(self):
        return (self.name,)

    def settings(self):
        return dict(self.params)

    def run(self, sample, seed):
        self.calls.append(seed)
        if len(self.calls) == self.fail_at:
            raise self.fail_with("simulated")
        return Outcome({self.name: 0.5})


def fake_jobs(adapter, tasks=TASKS, seeds=(0, 1)):
    return [Job("test", TaskData(t, s, 200), adapter) for t in tasks for s in seeds]


def test_help_lists_protocols_and_estimators(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bmi_suite.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for word in ("--protocol", "--scheduler", "--n-jobs", "MINDE-J-sigma", "InfoNCE",
                 "DV"):
        assert word in text


def test_suite_refuses_conditioning_columns_it_sets_itself(capsys):
    with pytest.raises(SystemExit, match="conditioning_columns: the suite sets it"):
        bmi_suite.main(["--tasks", TASKS[0], "--estimators", "MINDE-C",
                        "--minde-param", "conditioning_columns=[0]"])


def test_registry_has_every_estimator():
    outputs = {o for a in ADAPTERS.values() for o in a.outputs()}
    assert outputs == {"MINDE-C", "MINDE-C-sigma", "MINDE-J", "MINDE-J-sigma", "KSG",
                       "CCA", "InfoNCE", "MINE", "NWJ", "DV"}
    assert set(all_tasks()) == set(ORACLE_PMI_SD) and len(all_tasks()) == 40


def test_select_adapters_maps_sigma_names_and_overrides_by_group():
    chosen = select_adapters(["MINDE-C-sigma", "MINDE-C", "InfoNCE", "CCA"],
                             {"minde": {"max_iter": 7}, "neural": {"max_n_steps": 9}})
    assert [a.name for a in chosen] == ["MINDE-C", "InfoNCE", "CCA"]
    assert chosen[0].params == {"max_iter": 7}
    assert chosen[1].params["max_n_steps"] == 9
    assert chosen[2].params == {}
    assert ADAPTERS["MINDE-C"].params == {}  # the registry is left untouched
    with pytest.raises(ValueError, match="unknown estimator"):
        select_adapters(["nope"])


def test_task_data_is_standardised_and_split():
    sample, info = TaskData("multinormal-dense-2-2-0.5", 3, 300, 100).draw()
    assert sample.x_fit.shape == (300, 2) and sample.y_est.shape == (100, 2)
    x = np.vstack([sample.x_fit, sample.x_est])
    np.testing.assert_allclose(x.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(x.std(0), 1)
    assert info["true_mi"] == pytest.approx(0.294, abs=1e-3)
    sd = ORACLE_PMI_SD["multinormal-dense-2-2-0.5"]
    assert info["oracle_se"] == pytest.approx(sd / 10)
    again, _ = TaskData("multinormal-dense-2-2-0.5", 3, 300, 100).draw()
    np.testing.assert_array_equal(again.x_est, sample.x_est)


@pytest.mark.parametrize("with_estimation_sample", [False, True])
def test_minde_adapter_trains_once_for_both_estimates(monkeypatch,
                                                      with_estimation_sample):
    fits = []
    original = adapters_module.MINDEEstimator.fit

    def counting_fit(self, X, y):
        fits.append(len(X))
        return original(self, X, y)

    monkeypatch.setattr(adapters_module.MINDEEstimator, "fit", counting_fit)
    n_est = 300 if with_estimation_sample else None
    sample, _ = TaskData("1v1-normal-0.75", 0, 400, n_est).draw()
    adapter = select_adapters(["MINDE-J"], {"minde": MINDE_TINY})[0]
    outcome = adapter.run(sample, seed=0)
    assert fits == [400]
    assert set(outcome.estimates) == {"MINDE-J", "MINDE-J-sigma"}
    assert set(outcome.std_errors) == set(outcome.estimates)
    assert all(np.isfinite(v) for v in outcome.estimates.values())
    assert outcome.n_iter == 20 and outcome.device == "cpu"


def test_bmi_adapter_runs_on_the_estimation_sample():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 1))
    fit_only = Sample(x, x + rng.normal(size=(50, 1)))
    with_est = Sample(fit_only.x_fit, fit_only.y_fit, x,
                      x + 0.1 * rng.normal(size=(50, 1)))
    cca = ADAPTERS["CCA"]
    more = cca.run(with_est, 0).estimates["CCA"]
    assert more > cca.run(fit_only, 0).estimates["CCA"] + 1


def test_rerun_runs_only_the_missing_jobs(tmp_path):
    store = ResultStore(tmp_path / "results.jsonl")
    adapter = FakeAdapter()
    jobs = fake_jobs(adapter)
    assert run_jobs(jobs[:2], store, progress=False) == 2
    first = store.load()
    assert run_jobs(jobs, store, progress=False) == 2
    assert len(adapter.calls) == 4
    records = store.load()
    assert len(records) == 4
    for job_id, record in first.items():  # finished results untouched
        assert records[job_id] == record
    assert run_jobs(jobs, store, progress=False) == 0


def test_killed_run_loses_nothing_and_recomputes_nothing(tmp_path):
    store = ResultStore(tmp_path / "results.jsonl")
    jobs = fake_jobs(FakeAdapter(fail_at=3))
    with pytest.raises(KeyboardInterrupt):
        run_jobs(jobs, store, progress=False)
    assert len(store.load()) == 2
    survivor = FakeAdapter()
    assert run_jobs(fake_jobs(survivor), store, progress=False) == 2
    assert len(survivor.calls) == 2
    assert len(store.load()) == 4


def test_a_run_killed_by_sigkill_resumes_without_loss_or_recomputation(tmp_path):
    """The real thing: the command in a child process, killed with SIGKILL (no
    clean-up runs) once some results are on disk, then rerun to the end."""
    argv = ["--tasks", "all", "--seeds", "0", "1", "--n", "400",
            "--estimators", "KSG", "--n-jobs", "1", "--no-progress",
            "--out", str(tmp_path)]
    results = tmp_path / "results.jsonl"
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, "-m", "benchmarks.bmi_suite", *argv],
                             cwd=root, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (results.exists() and results.read_bytes().count(b"\n") >= 3):
        assert child.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no results after 300 s"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before = results.read_bytes()
    finished = before[:before.rfind(b"\n") + 1]  # whole lines; a torn one may follow
    n_finished = finished.count(b"\n")
    assert 3 <= n_finished < 80

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a torn last line is reported
        df = bmi_suite.main(argv)
    after = results.read_bytes()
    assert after.startswith(finished)  # nothing finished is lost or rewritten
    jobs = [tuple(json.loads(line)["job"][k] for k in ("task", "seed", "adapter"))
            for line in after.splitlines()]
    assert len(jobs) == len(set(jobs)) == 80  # nothing recomputed, nothing missing
    assert len(df) == 80


def test_a_line_torn_by_a_kill_is_dropped_and_rerun(tmp_path):
    store = ResultStore(tmp_path / "results.jsonl")
    jobs = fake_jobs(FakeAdapter())
    run_jobs(jobs, store, progress=False)
    data = store.path.read_bytes()
    store.path.write_bytes(data[:-40])  # killed in the middle of writing the last line
    with pytest.warns(UserWarning, match="torn"):
        assert len(store.load()) == 3
    assert store.path.read_bytes().endswith(b"\n")
    assert run_jobs(jobs, store, progress=False) == 1
    lines = store.path.read_text().splitlines()
    assert len(lines) == 4 and all(json.loads(line) for line in lines)


def test_failures_are_recorded_and_retried_on_request(tmp_path):
    store = ResultStore(tmp_path / "results.jsonl")
    jobs = fake_jobs(FakeAdapter(fail_at=1, fail_with=ValueError))
    assert run_jobs(jobs, store, progress=False) == 4
    failed = [r for r in store.load().values() if r["failure"]]
    assert len(failed) == 1 and failed[0]["failure"] == "ValueError: simulated"
    assert run_jobs(jobs, store, progress=False) == 0
    assert run_jobs(jobs, store, retry_failed=True, progress=False) == 1
    assert not any(r["failure"] for r in store.load().values())


def test_joblib_processes_run_real_estimators(tmp_path):
    store = ResultStore(tmp_path / "results.jsonl")
    jobs = [Job("test", TaskData(t, 0, 300), ADAPTERS["CCA"]) for t in TASKS]
    assert run_jobs(jobs, store, n_jobs=2, progress=False) == 2
    records = list(store.load().values())
    assert {r["job"]["task"] for r in records} == set(TASKS)
    assert all(np.isfinite(r["estimates"]["CCA"]) for r in records)


def test_dask_scheduler_runs_the_jobs(tmp_path):
    distributed = pytest.importorskip("distributed")
    store = ResultStore(tmp_path / "results.jsonl")
    adapters = select_adapters(["CCA", "MINDE-C"], {"minde": MINDE_TINY})
    jobs = [Job("test", TaskData(t, 0, 300), a) for t in TASKS for a in adapters]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  host="127.0.0.1", protocol="tcp",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1")
        assert run_jobs(jobs, store, scheduler=cluster.scheduler_address,
                        progress=False) == 4
    records = store.load().values()
    assert sorted(name for r in records for name in r["estimates"]) == sorted(
        ["CCA", "CCA", "MINDE-C", "MINDE-C", "MINDE-C-sigma", "MINDE-C-sigma"])


def synthetic_records():
    """Two tasks, two seeds: "E" exact on the first task, "InfoNCE" 0.5 nats high on
    both and twice as slow as "E"."""
    records = []
    for task, true, estimates in [("a", 1.0, (1.0, 1.0)), ("b", 2.0, (1.0, 1.4))]:
        for seed, value in enumerate(estimates):
            for name, estimate, fit_s in [("E", value, 1.0 + seed),
                                          ("InfoNCE", true + 0.5, 2.0 + 2 * seed)]:
                records.append({
                    "job": {"study": "t", "task": task, "seed": seed, "adapter": name,
                            "settings": {}},
                    "true_mi": true, "oracle_se": 0.01, "estimates": {name: estimate},
                    "std_errors": {}, "fit_s": fit_s, "n_iter": None, "device": "cpu",
                    "failure": None, "versions": {"torch": "x"},
                })
    return records


def test_summary_counts_solved_and_won_tasks_errors_and_time_ratios():
    table = summary(records_to_frame(synthetic_records())).set_index("estimator")
    row = table.loc["E"]
    assert row.tasks == 2 and row.runs == 4 and row.failed == 0
    assert row.MAE == pytest.approx((0 + 0 + 1 + 0.6) / 4)
    assert row.MAE_seed_mean == pytest.approx((0 + 0.8) / 2)
    assert row.within_10pc == "1/2"
    assert row.oracle_SE == pytest.approx(0.01)
    assert row.oracle_SE_seed_mean == pytest.approx(0.01 / np.sqrt(2))
    assert row.fit_time_vs_InfoNCE == pytest.approx(0.5)
    assert row.best == "1/2" and table.loc["InfoNCE", "best"] == "1/2"
    assert table.loc["InfoNCE", "fit_time_vs_InfoNCE"] == pytest.approx(1.0)


def test_errors_are_grouped_by_family_and_dimension():
    renamed = {"a": ("1v1-normal", 1), "b": ("multinormal-dense-5-5", 5)}
    records = synthetic_records()
    for record in records:
        record["job"]["task"], dim = renamed[record["job"]["task"]]
        record.update(dim_x=dim, dim_y=dim)
    text = grouped_errors(records_to_frame(records))
    lines = {line.split("|")[1].strip(): line for line in text.splitlines()
             if line.startswith("| ")}
    assert "**0.000**" in lines["1-D"] and "0.500" in lines["1-D"]
    assert "**0.500**" in lines["Gaussian"] and "0.800" in lines["Gaussian"]
    assert "**0.000**" in lines["d = 2"] and "**0.500**" in lines["d = 4-10"]


def test_labels_of_close_points_are_spread_and_far_points_left_alone():
    x = [0.0, 0.05, 0.1, 3.0]
    y = [1.00, 1.01, 0.99, 1.0]
    heights = spread_labels(x, y, min_gap=0.1, x_reach=0.5)
    group = heights[:3]
    assert np.all(np.diff(np.sort(group)) >= 0.1 - 1e-12)
    assert list(np.argsort(group)) == list(np.argsort(y[:3]))  # order kept
    assert np.mean(group) == pytest.approx(np.mean(y[:3]))  # centred on the points
    assert heights[3] == 1.0  # alone in its group: on its point


@pytest.mark.parametrize("task, dims, family", [
    ("1v1-additive-0.1", (1, 1), "1-D"),
    ("multinormal-sparse-25-25-2-2.0", (25, 25), "Gaussian"),
    ("student-identity-3-3-2", (3, 3), "Student-t"),
    ("asinh-student-identity-2-2-1", (2, 2), "Student-t, asinh"),
    ("spiral-normal_cdf-multinormal-sparse-5-5-2-2.0", (5, 5), "transformed Gaussian"),
])
def test_task_family(task, dims, family):
    assert task_family(task, *dims) == family


def test_command_line_writes_every_output_and_resumes(tmp_path, capsys):
    argv = ["--tasks", *TASKS, "--seeds", "0", "1", "--n", "600",
            "--estimators", "MINDE-C", "CCA", "KSG", "InfoNCE",
            "--minde-param", *(f"{k}={v}" for k, v in MINDE_TINY.items()),
            "--neural-param", "max_n_steps=20", "batch_size=64",
            "test_every_n_steps=10",
            "--out", str(tmp_path), "--no-progress"]
    df = bmi_suite.main(argv)
    for name in ("results.jsonl", "results.csv", "table.md", "summary.md",
                 "heatmap.png", "accuracy_vs_time.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert len(df) == 2 * 2 * 5  # tasks x seeds x estimates
    assert set(df.estimator) == {"MINDE-C", "MINDE-C-sigma", "CCA", "KSG", "InfoNCE"}
    for column in ("estimate", "true_mi", "fit_s", "device", "version_torch",
                   "settings", "oracle_se"):
        assert df[column].notna().all(), column
    summary_text = (tmp_path / "summary.md").read_text()
    assert "oracle_SE" in summary_text and "within_10pc" in summary_text
    assert "± " in (tmp_path / "table.md").read_text()
    capsys.readouterr()
    bmi_suite.main(argv)
    assert "ran 0 of 16 jobs" in capsys.readouterr().out


def test_minde_protocol_reads_on_its_separate_estimation_sample(tmp_path):
    argv = ["--protocol", "minde", "--tasks", "1v1-normal-0.75", "--seeds", "0",
            "--n", "300", "--n-est", "200", "--estimators", "CCA", "MINDE-C",
            "--minde-param", *(f"{k}={v}" for k, v in MINDE_TINY.items()),
            "--out", str(tmp_path), "--no-progress"]
    df = bmi_suite.main(argv)
    assert set(df.n_fit) == {300} and set(df.n_est) == {200}
    assert np.allclose(df.oracle_se, ORACLE_PMI_SD["1v1-normal-0.75"] / np.sqrt(200))
    assert np.isfinite(df.estimate).all()


def test_records_name_the_package_warnings_a_fit_raised():
    """execute() records the names of the sklearn_minde warnings a fit raised
    and scikit-learn's ConvergenceWarning, each once, and not other warnings."""
    import warnings as warnings_module

    from sklearn.exceptions import ConvergenceWarning

    from benchmarks.suite.runner import package_warnings
    from sklearn_minde import OverfittingWarning

    with warnings_module.catch_warnings(record=True) as caught:
        warnings_module.simplefilter("always")
        warnings_module.warn("x", OverfittingWarning, stacklevel=2)
        warnings_module.warn("y", UserWarning, stacklevel=2)
        warnings_module.warn("c", ConvergenceWarning, stacklevel=2)
        warnings_module.warn("z", OverfittingWarning, stacklevel=2)
    assert package_warnings(caught) == ["OverfittingWarning", "ConvergenceWarning"]
