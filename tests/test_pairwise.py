"""pairwise_mutual_information: the matrix of MI between every pair of columns, or
of groups of columns, and its result object."""

import dataclasses
import math
import sys

import joblib
import numpy as np
import pytest
from conftest import QUIET_FITS, TINY
from sklearn.linear_model import Ridge

from sklearn_minde import (
    MINDEEstimator,
    PairwiseMIResult,
    mutual_information,
    pairwise_mutual_information,
)

# TINY fits read a few draws and over-fit a little; these tests are about the API
pytestmark = QUIET_FITS


def tiny(**params):
    # 60 steps: enough for y = x + 0.1 noise to read far above independent pairs
    return MINDEEstimator(**{**TINY, "max_iter": 60, **params})


def four_columns(n=300, seed=0):
    """Four columns: 3 is column 1 plus a little noise, the others independent.

    The dependent pair is (1, 3), not (0, 1), so that a matrix filled in the
    wrong cells or transposed blocks shows.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[:, 3] = X[:, 1] + 0.1 * rng.normal(size=n)
    return X


@pytest.fixture(scope="module")
def data():
    return four_columns()


@pytest.fixture(scope="module")
def serial(data):
    """The matrix of ``data``, fitted in this process (six fits)."""
    return pairwise_mutual_information(data, estimator=tiny(), n_jobs=1)


def off_diagonal(a):
    return a[~np.eye(len(a), dtype=bool)]


# ---------------------------------------------------------------------- matrix
def test_matrix_is_symmetric_with_nan_diagonal(serial):
    assert isinstance(serial, PairwiseMIResult)
    for a in (serial.estimate, serial.standard_error):
        assert a.shape == (4, 4) and a.dtype == np.float64
        assert np.isnan(np.diag(a)).all()
        assert np.isfinite(off_diagonal(a)).all()
        np.testing.assert_array_equal(a, a.T)
    assert (off_diagonal(serial.standard_error) > 0).all()
    assert serial.base is None and serial.unit == "nats"
    np.testing.assert_array_equal(serial.labels, np.arange(4))
    assert [g.tolist() for g in serial.groups] == [[0], [1], [2], [3]]
    with pytest.raises(dataclasses.FrozenInstanceError):
        serial.estimate = np.zeros((4, 4))


def test_a_dependent_pair_reads_above_independent_ones(serial):
    mi = serial.estimate
    # the true MI of the pair (1, 3) is 0.5 ln(101) = 2.3 nats, of the others 0
    others = [mi[i, j] for i in range(4) for j in range(i + 1, 4) if (i, j) != (1, 3)]
    assert mi[1, 3] > 0.2
    assert max(others) < 0.05
    low, _ = serial.confidence_interval()
    assert low[1, 3] > max(others)


def test_each_pair_is_one_fit_with_the_lower_index_as_x(data, serial):
    # the conditional variant is asymmetric: (X, y) = (column 1, column 3) gives
    # the cell, column 3 as X gives another number
    one = mutual_information(data[:, 1], data[:, 3], estimator=tiny())
    assert serial.estimate[1, 3] == serial.estimate[3, 1] == one.estimate
    assert serial.standard_error[1, 3] == one.standard_error
    swapped = mutual_information(data[:, 3], data[:, 1], estimator=tiny())
    assert swapped.estimate != one.estimate


def test_confidence_intervals(serial):
    ci = serial.confidence_interval()
    low, high = ci  # a named tuple of arrays
    assert low.shape == high.shape == (4, 4)
    assert np.isnan(np.diag(low)).all() and np.isnan(np.diag(high)).all()
    est = off_diagonal(serial.estimate)
    assert (off_diagonal(low) < est).all() and (est < off_diagonal(high)).all()
    np.testing.assert_allclose(
        (high - low) / 2, 1.959964 * serial.standard_error, rtol=1e-6
    )
    np.testing.assert_array_equal(low, low.T)
    narrow = serial.confidence_interval(0.5)
    assert (off_diagonal(narrow.low) > off_diagonal(low)).all()
    for level in (0, 1, 1.5, -0.1, "0.9", True, None):
        with pytest.raises(ValueError, match="confidence_level"):
            serial.confidence_interval(level)


def test_bits_are_nats_over_ln_2():
    X = four_columns()[:, [1, 3]]
    nats = pairwise_mutual_information(X, estimator=tiny())
    bits = pairwise_mutual_information(X, estimator=tiny(), base=2)
    assert bits.unit == "bits" and bits.base == 2
    np.testing.assert_allclose(bits.estimate, nats.estimate / math.log(2))
    np.testing.assert_allclose(bits.standard_error, nats.standard_error / math.log(2))


# ---------------------------------------------------------------------- groups
def test_groups_of_columns_as_index_lists_or_labels():
    X = four_columns()
    lists = pairwise_mutual_information(X, groups=[[0, 1], [2, 3]], estimator=tiny())
    labels = pairwise_mutual_information(
        X, groups=["b", "b", "c", "c"], estimator=tiny()
    )
    assert lists.estimate.shape == (2, 2)
    np.testing.assert_array_equal(lists.estimate, labels.estimate)
    np.testing.assert_array_equal(labels.labels, ["b", "c"])
    assert [g.tolist() for g in labels.groups] == [[0, 1], [2, 3]]
    one = mutual_information(X[:, [0, 1]], X[:, [2, 3]], estimator=tiny())
    assert lists.estimate[0, 1] == lists.estimate[1, 0] == one.estimate
    # groups may list columns in any order and need not be contiguous; labels are
    # sorted, so "a" (columns 1 and 3) comes first
    mixed = pairwise_mutual_information(
        X[:, :3], groups=["b", "a", "b"], random_state=1, estimator=tiny()
    )
    assert [g.tolist() for g in mixed.groups] == [[1], [0, 2]]
    one = mutual_information(X[:, 1], X[:, [0, 2]], random_state=1, estimator=tiny())
    assert mixed.estimate[0, 1] == one.estimate


def test_dataframe_columns_name_the_variables(data, serial):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(data[:, :2], columns=["alpha", "beta"])
    res = pairwise_mutual_information(frame, estimator=tiny())
    np.testing.assert_array_equal(res.labels, ["alpha", "beta"])
    assert res.estimate[0, 1] == serial.estimate[0, 1]


# ------------------------------------------------------------------- parallel
def test_n_jobs_and_a_progress_bar_give_the_same_numbers(data, serial, capsys):
    spread = pairwise_mutual_information(data, estimator=tiny(), n_jobs=2, verbose=1)
    np.testing.assert_array_equal(serial.estimate, spread.estimate)
    np.testing.assert_array_equal(serial.standard_error, spread.standard_error)
    assert "6/6" in capsys.readouterr().err
    # a RandomState instance gives every pair one seed, drawn here
    rs = pairwise_mutual_information(
        data[:, :3], estimator=tiny(), random_state=np.random.RandomState(1), n_jobs=2
    )
    again = pairwise_mutual_information(
        data[:, :3], estimator=tiny(), random_state=np.random.RandomState(1)
    )
    np.testing.assert_array_equal(rs.estimate, again.estimate)


def test_a_dask_cluster_gives_the_same_numbers(data, serial):
    distributed = pytest.importorskip("distributed")
    # two threads: with a single one, joblib's dask backend sees one core and runs
    # every fit in this thread, without the cluster
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
        distributed.get_task_stream(client) as tasks,
    ):
        res = pairwise_mutual_information(data, estimator=tiny(), verbose=1)
    assert tasks.data  # the fits ran on the cluster
    np.testing.assert_array_equal(serial.estimate, res.estimate)
    np.testing.assert_array_equal(serial.standard_error, res.standard_error)


# ---------------------------------------------------------------------- errors
def test_bad_input_gets_a_clear_error():
    X = four_columns(n=50)
    est = tiny()
    with pytest.raises(ValueError, match="at least 2 variables.*got 1"):
        pairwise_mutual_information(X[:, :1], estimator=est)
    with pytest.raises(ValueError, match="at least 2 variables.*got 1"):
        pairwise_mutual_information(X, groups=[[0, 1, 2, 3]], estimator=est)
    with pytest.raises(ValueError, match="at least 2 variables.*got 1"):
        pairwise_mutual_information(X, groups=["a"] * 4, estimator=est)
    with pytest.raises(ValueError, match="at least 2 variables.*got 0"):
        pairwise_mutual_information(X, groups=[], estimator=est)
    with pytest.raises(ValueError, match="Columns 1, 2 of X are listed more than once"):
        pairwise_mutual_information(X, groups=[[0, 1, 2], [1, 2, 3]], estimator=est)
    with pytest.raises(ValueError, match="Column 1 of X is listed more than once"):
        pairwise_mutual_information(X, groups=[[0, 1, 1], [2, 3]], estimator=est)
    with pytest.raises(ValueError, match="Column 3 of X is in no group"):
        pairwise_mutual_information(X, groups=[[0, 1], [2]], estimator=est)
    with pytest.raises(ValueError, match="name column 4, but X has 4 columns"):
        pairwise_mutual_information(X, groups=[[0, 1], [2, 3, 4]], estimator=est)
    with pytest.raises(ValueError, match="name column -1"):
        pairwise_mutual_information(X, groups=[[0, 1], [2, -1]], estimator=est)
    for bad in ([[0, 1], []], [[0.0, 1.0], [2, 3]], [[True, False], [2, 3]]):
        with pytest.raises(ValueError, match="non-empty list of integer column"):
            pairwise_mutual_information(X, groups=bad, estimator=est)
    with pytest.raises(ValueError, match="one label per column of X \\(4\\); got 3"):
        pairwise_mutual_information(X, groups=[0, 0, 1], estimator=est)
    with pytest.raises(ValueError, match="not a mix"):
        pairwise_mutual_information(X, groups=[[0, 1], 2, 3], estimator=est)
    for bad in ("ab", 3):
        with pytest.raises(ValueError, match="groups must be"):
            pairwise_mutual_information(X, groups=bad, estimator=est)
    nan, inf = X.copy(), X.copy()
    nan[3, 1], inf[5, 2] = np.nan, np.inf
    with pytest.raises(ValueError, match="X contains NaN"):
        pairwise_mutual_information(nan, estimator=est)
    with pytest.raises(ValueError, match="X contains infinity"):
        pairwise_mutual_information(inf, estimator=est)
    with pytest.raises(ValueError, match="2D array"):
        pairwise_mutual_information(X[:, 0], estimator=est)
    for base in (0, -2, 1, "2", True, np.nan):
        with pytest.raises(ValueError, match="base"):
            pairwise_mutual_information(X, base=base, estimator=est)
    with pytest.raises(TypeError, match="MINDEEstimator"):
        pairwise_mutual_information(X, estimator=Ridge())


# ------------------------------------------------------------------------ plot
def test_plot_draws_a_heatmap(serial):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        ax = serial.plot()
        assert ax.images[0].get_array().shape == (4, 4)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3"]
        assert len(ax.texts) == 12  # every off-diagonal cell, annotated
        assert "nats" in ax.figure.axes[-1].get_ylabel()  # the colorbar
        _, mine = plt.subplots()
        assert serial.plot(ax=mine) is mine
    finally:
        plt.close("all")


def test_without_matplotlib_the_function_works_and_plot_says_what_to_install(
    monkeypatch,
):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    res = pairwise_mutual_information(four_columns()[:, :2], estimator=tiny())
    assert np.isfinite(res.estimate[0, 1])
    with pytest.raises(ImportError, match="pip install matplotlib"):
        res.plot()
