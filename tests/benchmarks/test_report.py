"""Tests of the bmi suite's reports (benchmarks/suite/report.py) for any subset of
estimators (issue 14).

The results file is made by hand, in the format of the suite's store, for three
tasks and two seeds: no estimator is fitted, so these tests take seconds.
"""

import json

import numpy as np
import pytest

pytest.importorskip("bmi")
pd = pytest.importorskip("pandas")

from benchmarks import bmi_suite  # noqa: E402
from benchmarks.suite.adapters import ADAPTERS  # noqa: E402
from benchmarks.suite.report import (  # noqa: E402
    estimator_table,
    records_to_frame,
    summary,
    write_reports,
)
from benchmarks.suite.runner import Job  # noqa: E402
from benchmarks.suite.store import ResultStore  # noqa: E402
from benchmarks.suite.tasks import TaskData, oracle_se  # noqa: E402

N = 10_000
SEEDS = (0, 1)

#: True MI (nats), dim_x and dim_y of three benchmark-mi tasks.
TASKS = {
    "1v1-normal-0.75": (0.41333928659223396, 1, 1),
    "multinormal-dense-5-5-0.5": (0.5928118328288701, 5, 5),
    "asinh-student-identity-2-2-1": (0.43194562200144127, 2, 2),
}

#: Relative error of each estimate (seed 0 is 0.01 nats above, seed 1 below).
BIAS = {"MINDE-C": 0.02, "MINDE-C-sigma": 0.01, "MINDE-J": 0.05,
        "MINDE-J-sigma": -0.30, "KSG": -0.03, "CCA": -0.10, "InfoNCE": -0.05,
        "MINE": 0.08, "NWJ": -0.07, "DV": 0.12}

#: Fit seconds of each adapter on seed 0 (10 % more on seed 1).
FIT_S = {"MINDE-C": 27.4, "MINDE-J": 26.8, "KSG": 2.5, "CCA": 0.002,
         "InfoNCE": 61.0, "MINE": 66.0, "NWJ": 63.0, "DV": 64.0}

#: The one job of the stored run that failed: (task, seed, adapter).
FAILED = ("asinh-student-identity-2-2-1", 1, "MINE")

OUTPUTS = ("results.csv", "table.md", "summary.md", "heatmap.png",
           "accuracy_vs_time.png")

#: The run of issue 14: MINDE's variants and CCA, no InfoNCE.
ISSUE_14 = ["MINDE-C", "MINDE-J", "CCA"]


def record(task, seed, adapter):
    """The record the suite would store for ``adapter`` on one sample."""
    true_mi, dim_x, dim_y = TASKS[task]
    failed = (task, seed, adapter.name) == FAILED
    offset = 0.01 * (-1) ** seed
    estimates = {} if failed else {name: true_mi * (1 + BIAS[name]) + offset
                                   for name in adapter.outputs()}
    minde = adapter.group == "minde"
    job = Job("bmi_suite", TaskData(task, seed, N), adapter)
    return {
        "job": json.loads(json.dumps(job.key())), "true_mi": true_mi,
        "dim_x": dim_x, "dim_y": dim_y, "oracle_se": oracle_se(task, N),
        "estimates": estimates,
        "std_errors": {name: 0.015 for name in estimates if minde},
        "device": "cpu", "n_iter": 2000 if minde else None,
        "fit_s": FIT_S[adapter.name] * (1 + 0.1 * seed),
        "failure": "FloatingPointError: NaN loss" if failed else None,
        "machine": "Linux x86_64, 2 cores", "gpu": None,
        "versions": {"python": "3.11.7", "torch": "2.13.0+cpu",
                     "benchmark-mi": "0.1.3"},
        "finished_at": "2026-11-29T05:30:07+00:00",
    }


def store_run(path, adapters):
    """A results file holding every job of ``adapters`` on TASKS x SEEDS.

    Returns
    -------
    ResultStore
    """
    store = ResultStore(path)
    for task in TASKS:
        for seed in SEEDS:
            for name in adapters:
                store.append(record(task, seed, ADAPTERS[name]))
    return store


def estimate_names(adapters):
    """The estimates ``adapters`` give, in order."""
    return [out for name in adapters for out in ADAPTERS[name].outputs()]


def markdown_tables(text):
    """Header and body rows (lists of stripped cells) of each markdown table."""
    tables, rows = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            tables.append((rows[0], rows[2:]))  # rows[1] is the |---| line
            rows = []
    return tables


def assert_written(out):
    """Every report is in ``out``, not empty; the figures are PNG files."""
    for output in OUTPUTS:
        assert (out / output).stat().st_size > 0, output
    for figure in ("heatmap.png", "accuracy_vs_time.png"):
        assert (out / figure).read_bytes().startswith(b"\x89PNG"), figure


def assert_reports(out, names, reference):
    """Every report of ``out`` is written and reports exactly the estimates
    ``names``, in order, with fit times relative to ``reference``."""
    assert_written(out)
    assert list(dict.fromkeys(pd.read_csv(out / "results.csv").estimator)) == names
    [(header, _)] = markdown_tables((out / "table.md").read_text(encoding="utf-8"))
    assert header[3:] == names  # after task, true MI and oracle SE
    text = (out / "summary.md").read_text(encoding="utf-8")
    (header, body), *grouped = markdown_tables(text)
    assert [row[0] for row in body] == names
    time = f"fit_time_vs_{reference}"
    assert header[-1] == time
    assert body[names.index(reference)][-1] == "1"
    assert f"median ratio to {reference}'s" in text
    fallback = "InfoNCE, the usual reference, has no estimate in this run"
    assert (fallback in text) == (reference != "InfoNCE")
    assert len(grouped) == 2  # by family and by dimension
    for header, _ in grouped:
        assert header[2:] == names  # after the group and its task count


@pytest.mark.parametrize("adapters, reference", [
    (["CCA"], "CCA"),
    (["MINDE-J"], "MINDE-J"),
    (ISSUE_14, "MINDE-C"),
    (["MINDE-C", "KSG", "CCA"], "MINDE-C"),  # no neural baseline
    (["KSG", "CCA", "InfoNCE", "MINE", "NWJ", "DV"], "InfoNCE"),  # bmi's only
    (["CCA", "MINE"], "CCA"),  # bmi's without InfoNCE; MINE failed once
    (list(ADAPTERS), "InfoNCE"),
], ids=["single", "single-minde", "issue-14", "no-neural", "bmi-only",
        "bmi-no-infonce", "all"])
def test_reports_are_written_for_any_subset_of_estimators(tmp_path, adapters,
                                                          reference):
    store = store_run(tmp_path / "results.jsonl", adapters)
    write_reports(records_to_frame(store.load().values()), tmp_path)
    assert_reports(tmp_path, estimate_names(adapters), reference)


def test_report_only_reports_a_run_whose_report_step_failed(tmp_path, capsys):
    results = store_run(tmp_path / "results.jsonl", ISSUE_14).path
    stored = results.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["results.jsonl"]  # no report
    argv = ["--protocol", "bmi", "--n", str(N), "--tasks", *TASKS,
            "--seeds", *map(str, SEEDS), "--estimators", *ISSUE_14,
            "--report-only", "--no-progress", "--out", str(tmp_path)]
    df = bmi_suite.main(argv)
    assert "ran " not in capsys.readouterr().out  # nothing was run
    assert results.read_bytes() == stored
    assert len(df) == len(TASKS) * len(SEEDS) * 5  # MINDE gives two estimates each
    assert_reports(tmp_path, estimate_names(ISSUE_14), "MINDE-C")


def test_an_estimator_never_timed_beside_the_reference_is_left_off_the_time_axis(
        tmp_path):
    """A run still going: CCA has finished only a sample that the reference,
    MINDE-C, has not, so it has no time ratio to be plotted at."""
    first, second = list(TASKS)[:2]
    df = records_to_frame([record(first, 0, ADAPTERS["MINDE-C"]),
                           record(second, 0, ADAPTERS["CCA"])])
    write_reports(df, tmp_path)
    assert_written(tmp_path)
    ratios = summary(df).set_index("estimator")["fit_time_vs_MINDE-C"]
    assert ratios["MINDE-C"] == 1 and np.isnan(ratios["CCA"])


@pytest.mark.parametrize("rows", [["task"], ["task", "n"]])
def test_estimator_table_fills_its_cells_with_one_row_column_or_several(rows):
    frame = pd.DataFrame({"task": ["a", "a", "b"], "n": [1, 1, 1],
                          "estimator": ["X", "Y", "X"]})
    text = estimator_table(frame, pd.Series(["1", "2", "3"]), rows, {})
    lines = text.splitlines()
    assert [c.strip() for c in lines[2].split("|")[-3:-1]] == ["1", "2"]
    assert [c.strip() for c in lines[3].split("|")[-3:-1]] == ["3", "failed"]
