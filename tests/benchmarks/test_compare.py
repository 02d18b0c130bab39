"""The side-by-side comparison of suite runs (benchmarks/compare.py)."""

import json

from benchmarks import compare


def _run(folder, values, true=0.5):
    folder.mkdir()
    with open(folder / "results.jsonl", "w", encoding="utf-8") as f:
        for (task, seed), estimates in values.items():
            record = {
                "job": {"task": task, "seed": seed},
                "true_mi": true,
                "estimates": estimates,
            }
            f.write(json.dumps(record) + "\n")
    return folder


def test_comparison_of_two_runs(tmp_path):
    a = _run(
        tmp_path / "a",
        {
            ("t1", 0): {"MINDE-C": 0.45},
            ("t1", 1): {"MINDE-C": 0.55},
            ("t2", 0): {"MINDE-C": 0.40, "KSG": 0.5},
        },
    )
    b = _run(
        tmp_path / "b", {("t1", 0): {"MINDE-C": 0.60}, ("t2", 0): {"MINDE-C": 0.5}}
    )
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
            record = {
                "job": {"task": "t", "seed": 0, "n_fit": n},
                "true_mi": 0.5,
                "estimates": {"MINDE-C": value},
            }
            f.write(json.dumps(record) + "\n")
    lines = compare.main([f"one={a}"]).splitlines()
    assert lines[0] == "| task | n | true MI | MINDE-C |"
    assert lines[2] == "| t | 500 | 0.500 | -40 % |"
    assert lines[3] == "| t | 1000 | 0.500 | +20 % |"
    assert lines[5] == "| over +10 % | | | 1/2 |"


def test_seeds_and_common_rows(tmp_path):
    """--seeds keeps only those seeds; --common only the rows every run holds, so
    that a screen of a few tasks compares with a 40-task run on equal footing."""
    a = _run(
        tmp_path / "a",
        {
            ("t1", 0): {"MINDE-C": 0.45},
            ("t1", 1): {"MINDE-C": 0.55},
            ("t2", 0): {"MINDE-C": 0.40},
        },
    )
    b = _run(tmp_path / "b", {("t1", 0): {"MINDE-C": 0.60}})
    lines = compare.main([f"one={a}", f"two={b}", "--seeds", "0", "--common"])
    assert compare.main(["--seeds", "0", f"one={a}", "--common", f"two={b}"]) == lines
    lines = lines.splitlines()
    assert lines[2] == "| t1 | 0.500 | -10 % / +20 % |"  # seed 0 only
    assert len(lines) == 6  # no t2 row
    assert lines[3] == "| within 10 % | | 1/1 / 0/1 |"


def _fits(folder, fits):
    """A run of ``(task, seed, estimate, std_error)`` fits of MINDE-C, true MI 0.5."""
    folder.mkdir()
    with open(folder / "results.jsonl", "w", encoding="utf-8") as f:
        for task, seed, value, se in fits:
            record = {
                "job": {"task": task, "seed": seed, "n_fit": 1000},
                "true_mi": 0.5,
                "estimates": {"MINDE-C": value},
                "std_errors": {"MINDE-C": se},
                "failure": None,
            }
            f.write(json.dumps(record) + "\n")
    return folder


def _error_bars(capsys, argv):
    """The lines of the error bar table that ``main(argv)`` prints."""
    compare.main(argv)
    lines = capsys.readouterr().out.splitlines()
    return lines[lines.index("| error bars | MINDE-C |") :]


def test_error_bar_coverage(tmp_path, capsys):
    """A fit is covered when its estimate is within 1.96 standard errors of the
    truth; the Gaussian figure counts only the plain Gaussian tasks."""
    a = _fits(
        tmp_path / "a",
        [
            ("multinormal-dense-2-2-0.5", 0, 0.5 + 0.195, 0.1),  # just inside
            ("multinormal-dense-2-2-0.5", 1, 0.5 - 0.197, 0.1),  # just outside
            ("1v1-normal-0.75", 0, 0.5, 0.1),
            ("half_cube-1v1-normal-0.75", 0, 0.5, 0.1),  # not plain Gaussian
            ("student-identity-1-1-1", 0, 0.9, 0.1),  # not Gaussian, outside
        ],
    )
    lines = _error_bars(capsys, [f"one={a}"])
    assert lines[1] == "|---|---|"
    assert lines[2] == "| within ±1.96 SE, Gaussian | 2/3 |"
    assert lines[3] == "| within ±1.96 SE, all | 3/5 |"
    assert lines[4] == "| seed SD / mean SE, median (rows) | – |"  # < 3 seeds


def test_error_bar_spread(tmp_path):
    """The spread of a row is its seeds' standard deviation (ddof=1) over their
    mean standard error; rows of fewer than 3 seeds and failed fits are left out."""
    fits = [
        ("t", seed, value, se)
        for seed, value, se in ((0, 0.4, 0.1), (1, 0.5, 0.2), (2, 0.6, 0.3))
    ]
    a = _fits(tmp_path / "a", fits + [("u", 0, 0.5, 0.1), ("u", 1, 0.6, 0.1)])
    with open(a / "results.jsonl", "a", encoding="utf-8") as f:
        record = {
            "job": {"task": "u", "seed": 2, "n_fit": 1000},
            "true_mi": 0.5,
            "estimates": {"MINDE-C": 9.0},
            "std_errors": {"MINDE-C": 0.1},
            "failure": "diverged",
        }
        f.write(json.dumps(record) + "\n")
    table = compare.error_bar_table({"one": compare.load_fits(a)}, ["MINDE-C"])
    # SD (ddof=1) of 0.4, 0.5, 0.6 is 0.1 (ddof=0: 0.082), the mean SE 0.2
    rows = _rows(table)
    assert rows["seed SD / mean SE, median (rows)"] == "0.50 (1)"
    assert rows["within ±1.96 SE, all"] == "5/5"
    # no oracle in these records: no spread in oracle standard errors
    assert rows["seed SD / oracle SE, median (rows)"] == "–"


def test_error_bar_spread_in_oracle_standard_errors(tmp_path):
    """Issue 10's spread: the seeds' standard deviation over the oracle's standard
    error of the task (the records' ``oracle_se``)."""
    a = _fits(tmp_path / "a", [("t", s, v, 0.2) for s, v in enumerate((0.4, 0.5, 0.6))])
    lines = (a / "results.jsonl").read_text().splitlines()
    with open(a / "results.jsonl", "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps({**json.loads(line), "oracle_se": 0.04}) + "\n")
    table = compare.error_bar_table({"one": compare.load_fits(a)}, ["MINDE-C"])
    # SD 0.1 over the oracle's 0.04
    assert _rows(table)["seed SD / oracle SE, median (rows)"] == "2.50 (1)"


def _rows(table):
    """The cells of a one-run error-bar table, by row label."""
    cells = [line.strip("|").split(" | ") for line in table.splitlines()[2:]]
    return {label.strip(): value.strip() for label, value in cells}


def test_error_bar_far_fits_and_gaussian_spread(tmp_path):
    """A fit over twice its row's seed median counts as far (rows whose median is
    over 0.1 nats); the Gaussian rows give the mean SE and the mean seed SD."""
    fits = [("t", s, v, 0.1) for s, v in enumerate((0.4, 0.5, 1.2))]
    fits += [("u", s, v, 0.1) for s, v in enumerate((0.01, 0.02, 0.5))]  # median 0.02
    fits += [("multinormal-g", s, v, 0.2) for s, v in enumerate((0.4, 0.5, 0.6))]
    a = _fits(tmp_path / "a", fits)
    rows = _rows(compare.error_bar_table({"one": compare.load_fits(a)}, ["MINDE-C"]))
    assert rows["fits over 2.0x their row's seed median"] == "1/6"
    assert rows["mean SE, Gaussian (nats)"] == "0.2000"
    assert rows["seed SD, Gaussian, mean over rows (nats)"] == "0.1000"


def test_error_bars_follow_seeds_and_common_rows(tmp_path, capsys):
    """The error bars count the fits of the seeds and rows the table shows."""
    a = _fits(
        tmp_path / "a",
        [
            ("multinormal-dense-2-2-0.5", 0, 0.5, 0.1),
            ("multinormal-dense-2-2-0.5", 1, 0.9, 0.1),  # outside, seed 1
            ("multinormal-dense-2-2-0.5", 2, 0.5, 0.1),
            ("1v1-normal-0.75", 0, 0.9, 0.1),  # outside, a row b lacks
        ],
    )
    b = _fits(tmp_path / "b", [("multinormal-dense-2-2-0.5", 0, 0.5, 0.1)])
    lines = _error_bars(capsys, [f"one={a}", f"two={b}"])
    assert lines[2] == "| within ±1.96 SE, Gaussian | 2/4 / 1/1 |"
    # SD (ddof=1) of 0.5, 0.9, 0.5 is 0.231, over standard errors of 0.1
    assert lines[4] == "| seed SD / mean SE, median (rows) | 2.31 (1) / – |"
    lines = _error_bars(capsys, ["--seeds", "0", "2", f"one={a}", f"two={b}"])
    assert lines[2] == "| within ±1.96 SE, Gaussian | 2/3 / 1/1 |"
    assert lines[4] == "| seed SD / mean SE, median (rows) | – / – |"
    lines = _error_bars(capsys, ["--seeds", "0", "--common", f"one={a}", f"two={b}"])
    assert lines[2] == "| within ±1.96 SE, Gaussian | 1/1 / 1/1 |"
