"""The side-by-side comparison of suite runs (benchmarks/compare.py)."""

import json

from benchmarks import compare


def _run(folder, values, true=0.5):
    folder.mkdir()
    with open(folder / "results.jsonl", "w", encoding="utf-8") as f:
        for (task, seed), estimates in values.items():
            record = {"job": {"task": task, "seed": seed}, "true_mi": true,
                      "estimates": estimates}
            f.write(json.dumps(record) + "\n")
    return folder


def test_comparison_of_two_runs(tmp_path):
    a = _run(tmp_path / "a", {("t1", 0): {"MINDE-C": 0.45},
                              ("t1", 1): {"MINDE-C": 0.55},
                              ("t2", 0): {"MINDE-C": 0.40, "KSG": 0.5}})
    b = _run(tmp_path / "b", {("t1", 0): {"MINDE-C": 0.60},
                              ("t2", 0): {"MINDE-C": 0.5}})
    table = compare.main([f"one={a}", f"two={b}"])
    lines = table.splitlines()
    assert lines[0] == "| task | true MI | MINDE-C | KSG |"
    assert lines[2] == "| t1 | 0.500 | +0 % / +20 % | – / – |"  # seed mean 0.50
    assert lines[3] == "| t2 | 0.500 | -20 % / +0 % | +0 % / – |"
    assert lines[4] == "| within 10 % | | 1/2 / 1/2 | 1/1 / – |"
    assert lines[5] == "| MAE (nats) | | 0.050 / 0.050 | 0.000 / – |"
