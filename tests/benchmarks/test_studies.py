"""The one-off studies of ``benchmarks/studies/``: each script's pieces on small
inputs, so that a study can still be rerun as its note says."""

import numpy as np
import pytest
from conftest import TINY

from sklearn_minde import MINDEEstimator


def test_reference_bias_study_puts_the_correction_back():
    """reference_bias: "before" is the estimate with the bias put back (plain form
    higher, sigma form lower), and the table has a line per case."""
    from benchmarks.studies import reference_bias

    row = reference_bias.errors(5, 600, 0)
    assert row["bias"] == pytest.approx(25 / (2 * 480))
    assert row["plain_before"] - row["plain_after"] == pytest.approx(row["bias"])
    assert row["sigma_after"] - row["sigma_before"] == pytest.approx(row["bias"])
    rows = [
        dict(row, p=p, n=n, seed=s) for p, n in reference_bias.CASES for s in (0, 1)
    ]
    assert len(reference_bias.table(rows).splitlines()) == 2 + len(reference_bias.CASES)


def test_student_highdim_study_draws_a_heavy_tailed_pair():
    """student_highdim: 25 + 25 columns, the true MI of bmi's sampler, heavier
    tails at fewer degrees of freedom."""
    pytest.importorskip("bmi")
    from scipy.stats import kurtosis

    from benchmarks.studies import student_highdim

    x3, y3, mi3 = student_highdim.student_sample(3)
    x10, _, mi10 = student_highdim.student_sample(10)
    assert x3.shape == y3.shape == (student_highdim.N, student_highdim.DIM)
    assert mi3 > mi10 > 0  # the shared scale adds dependence at few degrees
    assert np.median(kurtosis(x3, axis=0)) > 5 * np.median(kurtosis(x10, axis=0))


def test_j_sigma_calls_study_reads_each_calls_kl():
    """j_sigma_calls: an untrained network (residual at zero) reads every call's KL
    against N(0, I) as 0; a briefly trained one reads one KL per call, and the
    table has a line per fit."""
    from benchmarks.studies import j_sigma_calls

    X, y, truth = j_sigma_calls.gaussian_pairs(400, 0)
    assert truth == pytest.approx(-np.log(1 - 0.75**2))
    untrained = MINDEEstimator(
        variant="j", learning_rate=1e-12, **dict(TINY, max_iter=1)
    ).fit(X, y)
    assert j_sigma_calls.call_kls(untrained, X, y, passes=2) == pytest.approx(
        [0, 0, 0], abs=1e-6
    )
    trained = MINDEEstimator(variant="c", **TINY).fit(X, y)
    kls = j_sigma_calls.call_kls(trained, X, y, passes=2)
    assert len(kls) == 2 and all(np.isfinite(kls)) and max(kls) > 1e-4
    row = dict(variant="c", max_iter=20, true_mi=truth, x=kls[0], x_given_y=kls[1])
    row.update(trained.estimates_)
    assert len(j_sigma_calls.table([row, row]).splitlines()) == 4
    assert j_sigma_calls.parse_params(["hidden_dim=128", "activation=relu"]) == {
        "hidden_dim": 128,
        "activation": "relu",
    }


def test_network_bias_study_readings_agree_on_exact_noise():
    """With the exact noise predictions, the squared difference and the difference
    of denoising errors read the same integrand (the I-MMSE relation)."""
    pytest.importorskip("bmi")
    from benchmarks.studies import network_bias as nb

    rng = np.random.default_rng(0)
    n, a = 200_000, nb.A
    x, y = nb.quickstart(n, rng)
    k, s = np.full((n, 1), 0.8), np.full((n, 1), 0.6)  # k^2 + s^2 = 1
    eps = rng.normal(size=(n, 2))
    xt = k * x + s * eps
    marg = nb.exact_noise(xt, k, s, np.zeros((n, 2)), np.eye(2))
    np.testing.assert_allclose(marg, s * xt)  # N(0, I) diffuses to N(0, I)
    v = a @ a + 0.25
    cond = nb.exact_noise(xt, k, s, y * (a / v), np.eye(2) - np.outer(a, a) / v)
    plain, mmse = nb.readings(np.ones(n), eps, marg, cond)
    assert plain.mean() > 0.01
    assert abs(mmse.mean() - plain.mean()) < 4 * mmse.std() / np.sqrt(n)


def test_spacing_entropy_study_truths():
    """spacing_entropy: the closed forms it compares against, and one draw per
    kind within 0.2 nats of them at 2,000 rows."""
    from benchmarks.studies import spacing_entropy
    from sklearn_minde._data import spacing_entropy as estimate

    rng = np.random.default_rng(0)
    truth = spacing_entropy.truths(rng)
    assert truth["normal"] == pytest.approx(0.5 * np.log(2 * np.pi * np.e))
    assert truth["Cauchy"] == pytest.approx(np.log(4 * np.pi))
    for name, column in spacing_entropy.columns(rng, 2000).items():
        assert estimate(column[:, None])[0] == pytest.approx(truth[name], abs=0.2)


def test_split_networks_study_trains_each_network_on_its_half(monkeypatch):
    """split_networks: with "halves" each of the two networks trains on its own half
    of the training rows, the rows disjoint; the summary has a line per case."""
    pytest.importorskip("bmi")
    import sklearn_minde._fit as fit_module
    from benchmarks.studies import split_networks

    seen = []
    train = fit_module.train

    def spy(network, x, *args, **kwargs):
        seen.append(x.clone())
        return train(network, x, *args, **kwargs)

    monkeypatch.setattr(fit_module, "train", spy)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = X[:, 0] + rng.normal(size=300)
    est = split_networks.fit(X, y, "halves", 0, **TINY)
    assert fit_module.prepare.__name__ == "prepare"  # put back
    assert [len(x) for x in seen] == [120, 120]
    both = np.vstack([x.numpy() for x in seen])
    assert len(np.unique(both, axis=0)) == 240 and np.isfinite(est.mutual_information_)
    row = dict(case="c", seed=0, true_mi=1.0, estimate=1.1, uncorrected=1.2)
    rows = [dict(row, setting=s) for s in split_networks.SETTINGS]
    assert len(split_networks.summary(rows).splitlines()) == 3


def test_o_information_decay_study_settings_and_summary():
    """o_information_decay: the benchmark's samples by case name, the row rule as
    the estimator resolves it, and a summary line per case and decay."""
    pytest.importorskip("matplotlib")  # the benchmark draws its figures
    pytest.importorskip("pandas")
    from benchmarks.studies import o_information_decay as study

    x, groups, truth = study.sample("synergistic-10", 0, 300)
    assert x.shape == (300, 14) and len(groups) == 10
    mapped, _, same = study.sample("synergistic-10-cube-sinh", 0, 300)
    assert same == truth and not np.allclose(mapped, x)
    heavy, _, other = study.sample("synergistic-10-t3", 0, 300)
    assert other != truth and heavy.shape == x.shape
    with pytest.raises(ValueError, match="unknown map"):
        study.sample("synergistic-10-exp", 0, 300)
    assert study.weight_decay("rows", 20000) == pytest.approx((620 / 16000) ** 2)
    assert study.weight_decay("auto", 20000) == "auto"
    assert study.weight_decay("0.05", 20000) == 0.05
    row = dict(
        case="c",
        truth={q: 1.0 for q in study.QUANTITIES},
        estimates={q: 1.1 for q in study.QUANTITIES},
        o_curve=[0.0, 0.5, 1.0, 1.5],
    )
    rows = [dict(row, decay=d) for d in ("rows", "auto")]
    text = study.summary([*rows, dict(rows[1], normal_scores=True)])
    assert len(text.splitlines()) == 5 and "+10.0 %" in text and "+1.000" in text
    assert "auto, normal scores" in text


def test_normal_scores_choice_study_rows_and_summary():
    """normal_scores_choice: a sinh case keeps the task's truth with other
    columns; one row per option, the paired score difference on the second, and
    a summary line per case with the score's pick."""
    pytest.importorskip("bmi")
    pytest.importorskip("pandas")
    from argparse import Namespace

    from benchmarks.studies import normal_scores_choice as study

    x, y, truth = study.sample("multinormal-sparse-3-3-2-2.0", 300, 0)
    xs, ys, same = study.sample("sinh-multinormal-sparse-3-3-2-2.0", 300, 0)
    assert same == truth and x.shape == xs.shape == (300, 3)
    np.testing.assert_allclose(xs.std(0), 1)
    assert not np.allclose(xs, x)
    args = Namespace(
        cases=["wiggly-1v1-normal-0.75", "1v1-normal-0.75"], seeds=[0], n_fit=300,
        n_fresh=100, param=["max_iter=20", "hidden_dim=8", "device=cpu"],
    )
    rows = list(study.rows_of(args))
    assert [r["option"] for r in rows] == ["auto", "True"] * 2
    assert "rows" not in rows[0] and np.isfinite(rows[1]["score_minus_auto"])
    assert rows[1]["mapped_x_columns"] == 1 and rows[0]["mapped_x_columns"] == 0
    for auto, mapped in (rows[:2], rows[2:]):
        assert mapped["score_minus_auto"] == pytest.approx(
            mapped["score"] - auto["score"]
        )
    lines = study.summary(rows).splitlines()
    assert len(lines) == 4
    for auto, mapped in (rows[:2], rows[2:]):  # each case's line holds its own pair
        line = next(x for x in lines if f"'{auto['case']}'" in x)
        assert f"{mapped['score_minus_auto']:+.3f}" in line
