"""The scipy-style functions: mutual_information, mutual_info_regression and
mutual_info_classif, class labels as y included."""

import dataclasses
import math
import warnings
from functools import partial

import joblib
import numpy as np
import pytest
from conftest import QUIET_FITS, TINY, gaussian_pair
from scipy.special import logsumexp
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_minde import (
    DiscreteDataWarning,
    MINDEEstimator,
    MIResult,
    mutual_info_classif,
    mutual_info_regression,
    mutual_information,
)
from sklearn_minde import _fit as fit_module
from sklearn_minde._fit import split_rows
from sklearn_minde._labels import check_every_class_trains

# TINY fits read a few draws and over-fit a little; these tests are about the API
pytestmark = QUIET_FITS


def tiny(**params):
    return MINDEEstimator(**{**TINY, **params})


def labelled(n=200, n_classes=3, d=2, seed=0):
    """x of shape (n, d) whose first column is shifted by a class label k."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, n_classes, size=n)
    x = rng.normal(size=(n, d))
    x[:, 0] += 2.0 * k
    return x, k


def features(n=200, seed=0):
    """Four columns; y depends strongly on column 0, weakly on column 1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = 2.0 * X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=n)
    return X, y


# ------------------------------------------------------------ mutual_information
def test_result_holds_the_fit_and_its_confidence_interval():
    x, y = gaussian_pair(200)
    res = mutual_information(x, y, estimator=tiny())
    assert isinstance(res, MIResult)
    assert isinstance(res.estimator, MINDEEstimator)
    assert res.estimate == res.estimator.mutual_information_
    assert res.standard_error == res.estimator.mutual_information_std_ > 0
    assert res.base is None and res.unit == "nats" and res.classes is None

    ci = res.confidence_interval()
    assert ci.low < res.estimate < ci.high
    low, high = ci  # a named tuple
    assert (high - low) / 2 == pytest.approx(1.959964 * res.standard_error)
    wide, narrow = res.confidence_interval(0.99), res.confidence_interval(0.5)
    assert wide.low < ci.low < narrow.low < res.estimate < narrow.high < ci.high
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0.0
    for bad in (0, 1, 1.5, -0.1, "0.9", None):
        with pytest.raises(ValueError, match="confidence_level"):
            res.confidence_interval(bad)


def test_bits_are_nats_over_ln_2_on_the_same_fit():
    x, y = gaussian_pair(200)
    nats = mutual_information(x, y, estimator=tiny(), random_state=3)
    bits = mutual_information(x, y, estimator=tiny(), random_state=3, base=2)
    assert bits.estimator.mutual_information_ == nats.estimate  # same fit, in nats
    assert bits.estimate == pytest.approx(nats.estimate / math.log(2), rel=1e-12)
    assert bits.standard_error == pytest.approx(nats.standard_error / math.log(2))
    assert bits.unit == "bits" and bits.base == 2
    ci_nats, ci_bits = nats.confidence_interval(), bits.confidence_interval()
    assert ci_bits.low == pytest.approx(ci_nats.low / math.log(2))
    hartleys = mutual_information(x, y, estimator=tiny(), base=10)
    assert hartleys.unit == "hartleys"
    assert mutual_information(x, y, estimator=tiny(), base=3).unit == "log base 3"


def test_random_state_is_set_on_a_clone():
    x, y = gaussian_pair(200)
    given = tiny(random_state=5)
    res = mutual_information(x, y, estimator=given, random_state=7)
    assert res.estimator is not given and not hasattr(given, "mutual_information_")
    assert res.estimator.random_state == 7
    kept = mutual_information(x, y, estimator=given)  # None keeps the estimator's
    assert kept.estimator.random_state == 5
    assert kept.estimate == tiny(random_state=5).fit(x, y).mutual_information_


def test_z_goes_in_conditioning_columns_of_x():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 2))
    x = z[:, :1] + rng.normal(size=(200, 1))
    y = x[:, 0] + z[:, 1] + rng.normal(size=200)
    res = mutual_information(x, y, z=z, estimator=tiny())
    np.testing.assert_array_equal(res.estimator.conditioning_columns_, [1, 2])
    assert res.estimator.n_features_in_ == 3
    direct = tiny(conditioning_columns=[1, 2]).fit(np.hstack([x, z]), y)
    assert res.estimate == direct.mutual_information_
    # a z of one dimension, and conditioning_columns of the estimator replaced
    res1 = mutual_information(
        x[:, 0], y, z=z[:, 0], estimator=tiny(conditioning_columns=[0])
    )
    np.testing.assert_array_equal(res1.estimator.conditioning_columns_, [1])
    plain = mutual_information(x, y, estimator=tiny(conditioning_columns=[0]))
    assert plain.estimator.conditioning_columns_.size == 0


# ------------------------------------------------------------------ class labels
def test_a_label_enters_as_dummy_columns_without_a_discrete_warning(monkeypatch):
    """Apart from its stratified split, a label fit is a fit on its dummy code."""
    x, k = labelled()
    plain_split = partial(split_rows, strata=None)
    monkeypatch.setattr(
        fit_module, "split_rows", lambda p, n, rng, strata: plain_split(p, n, rng)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiscreteDataWarning)
        res = mutual_information(x, k, estimator=tiny())
    np.testing.assert_array_equal(res.classes, [0, 1, 2])
    assert res.estimator.y_scale_.shape == (2,)  # three classes, two columns
    dummies = (k[:, None] == [1, 2]).astype(float)
    with pytest.warns(DiscreteDataWarning, match="of y look discrete"):
        direct = tiny().fit(x, dummies)
    assert res.estimate == direct.mutual_information_
    # strings and a binary label, detected; the same code for the same classes
    names = np.array(["ant", "bee", "cat"])[k]
    assert mutual_information(x, names, estimator=tiny()).estimate == res.estimate
    binary = mutual_information(x, k == 1, estimator=tiny())
    np.testing.assert_array_equal(binary.classes, [False, True])
    assert binary.estimator.y_scale_.shape == (1,)


def test_discrete_x_still_warns_with_a_label_y():
    x, k = labelled()
    x[:, 1] = np.arange(200) % 3  # a discrete column of x
    with pytest.warns(DiscreteDataWarning, match="Column 1 of X looks discrete"):
        mutual_information(x, k, estimator=tiny())


def test_discrete_y_auto_true_and_false():
    x, k = labelled()
    continuous = mutual_information(x, x[:, 0] + 0.5, estimator=tiny())
    assert continuous.classes is None
    # labels stored as non-integral floats are continuous to "auto"; True forces
    floats = k + 0.5
    with pytest.warns(DiscreteDataWarning):
        auto = mutual_information(x, floats, estimator=tiny())
    assert auto.classes is None
    forced = mutual_information(x, floats, discrete_y=True, estimator=tiny())
    np.testing.assert_array_equal(forced.classes, [0.5, 1.5, 2.5])
    assert forced.estimate == mutual_information(x, k, estimator=tiny()).estimate
    # False reads whole numbers as a continuous y, with the estimator's warning
    with pytest.warns(DiscreteDataWarning, match="Column 0 of y looks discrete"):
        off = mutual_information(x, k, discrete_y=False, estimator=tiny())
    assert off.classes is None and off.estimator.y_scale_.shape == (1,)
    # 2-D continuous y stays continuous under "auto"
    x3, _ = labelled(d=3)
    both = mutual_information(x3[:, :1], x3[:, 1:], estimator=tiny())
    assert both.classes is None and both.estimator.y_scale_.shape == (2,)


def test_a_label_with_the_joint_variant_is_refused():
    x, k = labelled()
    with pytest.raises(ValueError, match="variant='j'"):
        mutual_information(x, k, estimator=tiny(variant="j"))
    with pytest.raises(ValueError, match="variant='j'"):
        mutual_info_classif(x, k, estimator=tiny(variant="j"))
    # a continuous y is fine with it
    res = mutual_information(x, x[:, 0] + 0.1, estimator=tiny(variant="j"))
    assert np.isfinite(res.estimate)


def test_a_rare_class_trains_every_network():
    """The split is stratified: a class of two rows keeps one in training whatever
    the seed, with a held-out half or with cross-fitting."""
    x, k = labelled()
    k[:2] = 9
    for seed in range(10):
        for params in ({"validation_fraction": 0.5}, {"n_folds": 3}):
            res = mutual_information(x, k, estimator=tiny(**params), random_state=seed)
            assert np.isfinite(res.estimate)


@pytest.mark.parametrize("n_folds", [None, 4])
def test_the_split_of_a_label_fit_keeps_each_class_share(n_folds):
    counts = {0: 500, 1: 60, 2: 7, 3: 2}
    rng = np.random.default_rng(0)
    strata = rng.permutation(np.repeat(list(counts), list(counts.values())))
    params = {"n_folds": n_folds, "validation_fraction": 0.2}
    splits = split_rows(params, len(strata), np.random.RandomState(0), strata)
    assert len(splits) == (n_folds or 1)
    for train, read in splits:
        assert len(np.intersect1d(train, read)) == 0
        assert len(train) + len(read) == len(strata)
        share = len(read) / len(strata)
        for c, count in counts.items():
            assert (strata[train] == c).any()
            assert abs((strata[read] == c).sum() - share * count) <= 1


def test_every_members_training_rows_are_checked_for_every_class():
    """The check sees each member's rows, and the class of the row of zeros too."""
    strata = np.array([0, 0, 1, 1, 2, 2])
    classes = np.array(["ant", "bee", "cat"])
    whole = (np.arange(6), np.arange(0))
    check_every_class_trains(strata, [whole], classes)
    no_ant = (np.array([2, 3, 4, 5]), np.array([0, 1]))
    with pytest.raises(ValueError, match="Class 'ant' of y has no row.*2 rows in all"):
        check_every_class_trains(strata, [whole, no_ant], classes)


def test_a_class_missing_from_the_training_rows_is_named():
    """With nine rows in ten held out, a class of two rows can fall entirely in
    the held-out rows."""
    x, k = labelled()
    k[:2] = 9
    with pytest.raises(ValueError) as exc:
        mutual_information(x, k, estimator=tiny(validation_fraction=0.9))
    assert "Class 9 of y has no row among the rows a network trains" in str(exc.value)
    assert "2 rows in all" in str(exc.value)


# ------------------------------------------------------------------------ errors
def test_bad_input_gets_a_clear_error():
    x, k = labelled()
    y = x[:, 0] + 0.1
    est = tiny()
    with pytest.raises(ValueError, match="same number of rows"):
        mutual_information(x, y[:-1], estimator=est)
    with pytest.raises(ValueError, match="same number of rows"):
        mutual_information(x, y, z=x[:-1], estimator=est)
    with pytest.raises(ValueError, match="same number of rows"):
        mutual_information(x, k[:-1], estimator=est)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        mutual_information(bad, y, estimator=est)
    with pytest.raises(ValueError, match="z contains NaN"):
        mutual_information(x, y, z=bad, estimator=est)
    with pytest.raises(ValueError, match="y contains (NaN|infinity)"):
        mutual_information(x, np.where(k == 1, np.inf, y), estimator=est)
    with pytest.raises(ValueError, match="y contains NaN"):
        mutual_information(x, np.where(k == 1, np.nan, k), discrete_y=True)
    with pytest.raises(ValueError, match="one class"):
        mutual_information(x, np.zeros(200, dtype=int), discrete_y=True, estimator=est)
    with pytest.raises(ValueError, match="Column 0 of y is constant"):
        mutual_information(x, np.zeros(200, dtype=int), estimator=est)
    with pytest.raises(ValueError, match="one class"):
        mutual_info_classif(x, np.full(200, "a"), estimator=est)
    with pytest.raises(ValueError, match="single row.*discrete_y=False"):
        mutual_information(x, np.r_[k[:-1], 7], discrete_y=True, estimator=est)
    with pytest.raises(ValueError, match="must be one column"):
        mutual_information(x, np.c_[k, k], discrete_y=True, estimator=est)
    with pytest.raises(ValueError, match="discrete_y"):
        mutual_information(x, k, discrete_y="yes", estimator=est)
    for base in (0, -2, 1, 1.0, "2", True, np.inf, np.nan):
        with pytest.raises(ValueError, match="base"):
            mutual_information(x, y, base=base, estimator=est)
        with pytest.raises(ValueError, match="base"):
            mutual_info_regression(x, y, base=base, estimator=est)
    with pytest.raises(TypeError, match="MINDEEstimator"):
        mutual_information(x, y, estimator=Ridge())
    with pytest.raises(ValueError, match="same number of rows"):
        mutual_info_regression(x, y[:-1], estimator=est)
    with pytest.raises(ValueError, match="X contains infinity"):
        mutual_info_regression(np.where(bad == bad, bad, np.inf), y, estimator=est)
    with pytest.raises(ValueError, match="2D array"):
        mutual_info_regression(x[:, 0], y, estimator=est)


# ------------------------------------------------------------- per-feature scores
def test_per_feature_scores_are_one_fit_per_column():
    X, y = features()
    mi = mutual_info_regression(X, y, estimator=tiny(), random_state=0)
    assert isinstance(mi, np.ndarray) and mi.shape == (4,) and mi.dtype == np.float64
    for j in (0, 3):
        one = mutual_information(X[:, j], y, estimator=tiny(), random_state=0)
        assert mi[j] == one.estimate
    assert mi[0] > mi[2] and mi[0] > mi[3]  # the strong feature ranks first
    bits = mutual_info_regression(X, y, estimator=tiny(), random_state=0, base=2)
    np.testing.assert_allclose(bits, mi / math.log(2), rtol=1e-12)

    x, k = labelled(d=3)
    names = np.array(["ant", "bee", "cat"])[k]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiscreteDataWarning)
        mi = mutual_info_classif(x, names, estimator=tiny())
        same = mutual_info_regression(x, k, discrete_y="auto", estimator=tiny())
    assert mi.shape == (3,)
    np.testing.assert_array_equal(mi, same)
    one = mutual_information(x[:, 1], k, estimator=tiny())
    assert mi[1] == one.estimate


def test_n_jobs_gives_the_same_numbers():
    X, y = features()
    serial = mutual_info_regression(X, y, estimator=tiny(), n_jobs=1)
    spread = mutual_info_regression(X, y, estimator=tiny(), n_jobs=2)
    np.testing.assert_array_equal(serial, spread)
    # joblib's configuration picks the backend and the workers when n_jobs is None
    with joblib.parallel_config(backend="loky", n_jobs=2):
        configured = mutual_info_regression(X, y, estimator=tiny())
    np.testing.assert_array_equal(serial, configured)
    # a RandomState instance gives every column one seed, drawn here
    rs = mutual_info_regression(
        X, y, estimator=tiny(), random_state=np.random.RandomState(1), n_jobs=2
    )
    again = mutual_info_regression(
        X, y, estimator=tiny(), random_state=np.random.RandomState(1)
    )
    np.testing.assert_array_equal(rs, again)


def test_select_k_best_in_a_pipeline_under_grid_search():
    X, y = features()
    score = partial(mutual_info_regression, estimator=tiny())
    pipe = make_pipeline(SelectKBest(score_func=score), Ridge())
    search = GridSearchCV(pipe, {"selectkbest__k": [1, 2, 4]}, cv=2).fit(X, y)
    assert search.best_params_["selectkbest__k"] in (2, 4)
    support = search.best_estimator_.named_steps["selectkbest"].get_support()
    assert support[0] and support.sum() == search.best_params_["selectkbest__k"]
    assert search.predict(X[:5]).shape == (5,)


# ------------------------------------------------------------------- accuracy
def mixture(priors, means, n, rng):
    """``n`` draws ``(x, k)`` of a Gaussian mixture with unit covariance, and the
    per-draw ``log p(x | k) - log p(x)``."""
    priors, means = np.asarray(priors), np.asarray(means, dtype=float)
    k = rng.choice(len(priors), size=n, p=priors)
    x = means[k] + rng.normal(size=(n, means.shape[1]))
    log_px_j = -0.5 * ((x[:, None, :] - means[None]) ** 2).sum(-1)
    pmi = log_px_j[np.arange(n), k] - logsumexp(log_px_j + np.log(priors), axis=1)
    return x, k, pmi


@pytest.mark.slow
@pytest.mark.xfail(
    reason="measured (n = 5,000, seed 0): one column -3.2 %, two columns -11.2 % "
    "(0.451 +- 0.016 against 0.508); the default fit under-reads the two-column "
    "mixture",
    strict=True,
)
def test_a_three_class_mixture_is_read_within_ten_percent(capsys):
    """I(X; Y) of a three-class Gaussian mixture in one and two columns, from 5,000
    rows with the default estimator, against its Monte Carlo value on 2,000,000
    fresh draws (standard error about 5e-4) and scikit-learn's k-NN estimate."""
    from sklearn.feature_selection import mutual_info_classif as knn_mi

    priors = [0.5, 0.3, 0.2]
    cases = {1: [[-2.0], [0.0], [2.0]], 2: [[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]]}
    errors = {}
    for d, means in cases.items():
        truth = mixture(priors, means, 2_000_000, np.random.default_rng(1))[2].mean()
        x, k, _ = mixture(priors, means, 5_000, np.random.default_rng(0))
        res = mutual_information(x, k, random_state=0)
        knn = knn_mi(x, k, random_state=0)
        errors[d] = res.estimate / truth - 1
        with capsys.disabled():
            print(
                f"\nd={d}: truth {truth:.4f}, MINDE {res.estimate:.4f} "
                f"+/- {res.standard_error:.4f} ({errors[d]:+.1%}), sklearn per "
                f"column {knn.round(4)}"
            )
    assert all(abs(e) < 0.1 for e in errors.values()), errors


# ------------------------------------------------------- labels in the estimator
def _three_classes(n=600, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.choice(np.array(["a", "b", "c"]), size=n)
    shift = {"a": -1.5, "b": 0.0, "c": 1.5}
    x = np.array([shift[v] for v in labels])[:, None] + rng.normal(size=(n, 1))
    return x, labels


def test_estimator_reads_a_label_y_and_new_labels():
    """MINDEEstimator codes a string label itself (discrete_y="auto"), keeps
    classes_, reads new rows' labels with the same code and names an unknown one;
    without a label it keeps no classes_."""
    x, labels = _three_classes()
    est = MINDEEstimator(**TINY).fit(x, labels)
    assert est.classes_.tolist() == ["a", "b", "c"]
    assert np.isfinite(est.mutual_information_)
    mi, _ = est.estimate(x[:50], labels[:50])
    assert np.isfinite(mi) and np.isfinite(est.score(x[:50], labels[:50]))
    with pytest.raises(ValueError, match="not among the classes"):
        est.estimate(x[:3], np.array(["a", "b", "z"]))
    est.fit(x, x[:, 0] + np.random.default_rng(1).normal(size=len(x)))
    assert not hasattr(est, "classes_")
    with warnings.catch_warnings():  # a boolean y is a label, not discrete data
        warnings.simplefilter("error", DiscreteDataWarning)
        assert MINDEEstimator(**TINY).fit(x, x[:, 0] > 0).classes_.tolist() == [
            False,
            True,
        ]


def test_discrete_y_settings_in_the_estimator():
    """True codes an integer label, False reads it as continuous (with the discrete
    warning); True with variant "j" is refused; "auto" leaves a y with a
    single-row class continuous."""
    x, labels = _three_classes()
    codes = np.searchsorted(["a", "b", "c"], labels)
    est = MINDEEstimator(discrete_y=True, **TINY).fit(x, codes)
    assert est.classes_.tolist() == [0, 1, 2]
    with pytest.warns(DiscreteDataWarning):
        plain = MINDEEstimator(discrete_y=False, **TINY).fit(x, codes)
    assert not hasattr(plain, "classes_")
    with pytest.raises(ValueError, match="variant='j' cannot read"):
        MINDEEstimator(variant="j", discrete_y=True, **TINY).fit(x, codes)
    rare = codes.copy()
    rare[0] = 7  # a class with one row
    with pytest.warns(DiscreteDataWarning):
        auto = MINDEEstimator(**TINY).fit(x, rare)
    assert not hasattr(auto, "classes_")
    with pytest.raises(ValueError, match="discrete_y"):
        MINDEEstimator(discrete_y="yes", **TINY).fit(x, codes)
