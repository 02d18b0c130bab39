"""The stacking benchmark (benchmarks/stacking.py): stacked and sequential fits of
the same networks agree."""

import pytest


def test_stacking_benchmark_runs_and_agrees(tmp_path):
    from benchmarks.stacking import main

    rows = main(
        ["--n", "150", "--rounds", "1", "--max-iter", "20", "--out", str(tmp_path)]
    )
    assert [r["case"] for r in rows][:2] == ["n_folds=5", "n_networks=2"]
    for r in rows:
        assert r["estimate stacked"] == pytest.approx(
            r["estimate sequential"], abs=1e-3
        )
    assert "stacked / sequential" in (tmp_path / "stacking.md").read_text()
