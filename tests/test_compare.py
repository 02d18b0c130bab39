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
    assert lines[5] == "| over +10 % | | 0/2 / 1/2 | 0/1 / – |"
    assert lines[6] == "| MAE (nats) | | 0.050 / 0.050 | 0.000 / – |"


def test_comparison_by_sample_size(tmp_path):
    """Runs over several sizes get one row per (task, n), sizes in order."""
    a = tmp_path / "a"
    a.mkdir()
    with open(a / "results.jsonl", "w", encoding="utf-8") as f:
        for n, value in ((1000, 0.6), (500, 0.3)):
            record = {"job": {"task": "t", "seed": 0, "n_fit": n}, "true_mi": 0.5,
                      "estimates": {"MINDE-C": value}}
            f.write(json.dumps(record) + "\n")
    lines = compare.main([f"one={a}"]).splitlines()
    assert lines[0] == "| task | n | true MI | MINDE-C |"
    assert lines[2] == "| t | 500 | 0.500 | -40 % |"
    assert lines[3] == "| t | 1000 | 0.500 | +20 % |"
    assert lines[5] == "| over +10 % | | | 1/2 |"


def test_seeds_and_common_rows(tmp_path):
    """--seeds keeps only those seeds; --common only the rows every run holds, so
    that a screen of a few tasks compares with a 40-task run on equal footing."""
    a = _run(tmp_path / "a", {("t1", 0): {"MINDE-C": 0.45},
                              ("t1", 1): {"MINDE-C": 0.55},
                              ("t2", 0): {"MINDE-C": 0.40}})
    b = _run(tmp_path / "b", {("t1", 0): {"MINDE-C": 0.60}})
    lines = compare.main([f"one={a}", f"two={b}", "--seeds", "0", "--common"])
    assert compare.main(["--seeds", "0", f"one={a}", "--common", f"two={b}"]) == lines
    lines = lines.splitlines()
    assert lines[2] == "| t1 | 0.500 | -10 % / +20 % |"  # seed 0 only
    assert len(lines) == 6  # no t2 row
    assert lines[3] == "| within 10 % | | 1/1 / 0/1 |"
