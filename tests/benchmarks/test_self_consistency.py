"""Tests of the self-consistency study (benchmarks/self_consistency.py): the data of
each test, the ratios, and one tiny end-to-end run."""

import numpy as np
import pytest

pytest.importorskip("bmi")
pd = pytest.importorskip("pandas")

from benchmarks import self_consistency as sc  # noqa: E402

MINDE_TINY = ["hidden_dim=8", "max_iter=20", "n_estimation_passes=1", "device='cpu'"]


def test_representation_is_a_row_wise_projection():
    images, projections = sc._row_projections(2)
    a = sc.represent(images, 2)
    assert a.shape == (1797, 16)
    np.testing.assert_allclose(a.mean(0), 0, atol=1e-9)
    assert np.all(a.std(0) > 1)
    blanked = images.copy()
    blanked[:, 3:, :] = 0
    b = sc.represent(blanked, 2)
    np.testing.assert_array_equal(b[:, :6], a[:, :6])  # rows 0-2 untouched
    assert np.all(b[:, 6:].std(0) < 1e-12)  # zeroed rows: constant columns, dropped


@pytest.mark.parametrize("r", [1, 5, 8])
def test_baseline_pairs_the_image_with_its_first_rows(r):
    sample, info = sc.DigitsData("baseline", r, seed=0, components=1).draw()
    assert sample.x_fit.shape == (1797, 8) and sample.y_fit.shape == (1797, r)
    assert info == {"n": 1797, "dim_x": 8, "dim_y": r}
    assert np.all(sample.y_fit.std(0) > 1)  # no constant column reaches an estimator
    noise = sample.y_fit - sample.x_fit[:, :r]
    assert noise.std() == pytest.approx(6.0, rel=0.05)  # B is a noisy view of A


def test_data_processing_adds_a_function_of_b_r():
    sample, _ = sc.DigitsData("data_processing", 6, seed=1, k=2, components=2).draw()
    x, y = sample.x_fit, sample.y_fit
    np.testing.assert_array_equal(x[:, :16], x[:, 16:])  # [A, A]
    assert y.shape[1] == 2 * 6 + 2 * 4
    np.testing.assert_array_equal(y[:, 12:], y[:, :8])  # B_{r-k} is part of B_r


def test_noisy_copies_keep_b_r_and_have_a_density():
    """--copy-noise: the copies are the originals plus independent noise of the
    given share of each column's sd; B_r and the exact-copy key are unchanged."""
    exact, _ = sc.DigitsData("data_processing", 6, seed=1, k=2).draw()
    spec = sc.DigitsData("data_processing", 6, seed=1, k=2, copy_noise=0.5)
    noisy, _ = spec.draw()
    x, y = noisy.x_fit, noisy.y_fit
    np.testing.assert_array_equal(x[:, :8], exact.x_fit[:, :8])
    np.testing.assert_array_equal(y[:, :6], exact.y_fit[:, :6])
    noise = np.hstack([x[:, 8:] - x[:, :8], y[:, 6:] - y[:, :4]])
    scale = np.hstack([x[:, :8].std(0), y[:, :4].std(0)])
    np.testing.assert_allclose(noise.std(0) / scale, 0.5, rtol=0.1)
    assert np.abs(np.corrcoef(noise.T) - np.eye(12)).max() < 0.1  # independent
    assert np.linalg.matrix_rank(np.hstack([x, y])) == x.shape[1] + y.shape[1]
    assert "copy_noise" not in sc.DigitsData("data_processing", 6, seed=1).key()
    assert spec.key()["copy_noise"] == 0.5


def test_additivity_pairs_independent_images():
    base, _ = sc.DigitsData("baseline", 4, seed=2).draw()
    sample, _ = sc.DigitsData("additivity", 4, seed=2).draw()
    x, y = sample.x_fit, sample.y_fit
    assert x.shape == (1797, 16) and y.shape == (1797, 8)
    assert not np.any(np.all(x[:, :8] == x[:, 8:], axis=1))  # never an image twice
    # each half is a re-ordering of the baseline pair (same images, same noise)
    first = {tuple(row) for row in np.hstack([x[:, :8], y[:, :4]])}
    assert first == {tuple(row) for row in np.hstack([base.x_fit, base.y_fit])}


def test_jobs_skip_data_processing_without_b_r_minus_k():
    args = sc.parse_args(["--rows", "2", "3", "5", "--k", "3", "--seeds", "0", "1"])
    jobs = sc.build_jobs(args, adapters=[object()])
    tests = [(j.data.test, j.data.r) for j in jobs]
    assert len(tests) == 2 * (3 + 1 + 3)
    assert ("data_processing", 5) in tests and ("data_processing", 3) not in tests


def test_ratios():
    rows = [("E", 0, "baseline", r, v) for r, v in [(1, 0.5), (2, 1.0), (8, 2.0)]]
    rows += [("E", 0, "data_processing", 2, 1.1), ("E", 0, "additivity", 1, 1.0),
             ("E", 0, "additivity", 2, 2.0)]
    df = pd.DataFrame(rows, columns=["estimator", "seed", "test", "r", "estimate"])
    out = sc.ratios(df).set_index("r")
    np.testing.assert_allclose(out["I(A;B_r)/I(A;B_8)"], [0.25, 0.5, 1.0])
    assert out.loc[2, "data_processing ratio"] == pytest.approx(1.1)
    assert np.isnan(out.loc[1, "data_processing ratio"])
    np.testing.assert_allclose(out["additivity ratio"].iloc[:2], [2.0, 2.0])


def test_command_line_writes_table_and_figures(tmp_path, capsys):
    argv = ["--estimators", "MINDE-C", "CCA", "--rows", "2", "8", "--k", "1",
            "--minde-param", *MINDE_TINY, "--out", str(tmp_path), "--no-progress"]
    df = sc.main(argv)
    for name in ("results.jsonl", "results.csv", "self_consistency.md", "baseline.png",
                 "data_processing.png", "additivity.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert set(df.estimator) == {"MINDE-C", "MINDE-C-sigma", "CCA"}
    assert len(df) == 6 * 3  # (2 baseline + 2 data processing + 2 additivity) x 3
    text = (tmp_path / "self_consistency.md").read_text()
    assert "principal component" in text
    assert "additivity ratio" in text
    capsys.readouterr()
    sc.main(argv)
    assert "ran 0 of 12 jobs" in capsys.readouterr().out


def test_help(capsys):
    with pytest.raises(SystemExit):
        sc.main(["--help"])
    text = capsys.readouterr().out
    assert "--noise" in text and "--components-per-row" in text
