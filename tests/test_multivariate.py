"""Total correlation, dual total correlation and O-information: the per-row terms
with exact Gaussian scores, short real fits, and the scikit-learn estimator."""

import itertools
import math
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_minde import (
    DataWarning,
    MINDEEstimator,
    OInformationEstimator,
    OInformationResult,
    SharpPeakWarning,
    o_information,
)
from sklearn_minde import _multivariate as mv
from sklearn_minde._o_information import training_config
from sklearn_minde._sde import VPSDE
from sklearn_minde._variants import ABSENT, CLEAN, DIFFUSED

TINY = dict(hidden_dim=8, max_iter=5, n_estimation_passes=1, device="cpu")

# tiny fits read few Monte Carlo draws, whose largest carry much of the estimate
pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn_minde.ConcentratedEstimateWarning"
)


# ------------------------------------------------------------ Gaussian truth
def redundant_cov():
    """Three noisy copies of one source: O > 0."""
    return np.ones((3, 3)) + 0.25 * np.eye(3)


def synergistic_cov():
    """X1, X2 independent standard normals, X3 = X1 + X2 + 0.6 e: O < 0."""
    return np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 2.36]])


def mixed_cov():
    """Four variables (the first of two columns) driven by three latent sources:
    a gradient that differs from variable to variable."""
    loadings = np.array(
        [
            [1.0, 0.0, 0.0],
            [0.8, -0.6, 0.0],
            [1.0, 0.5, 0.0],
            [0.0, 1.0, 0.7],
            [0.7, 0.7, -0.7],
        ]
    )
    return loadings @ loadings.T + np.diag([0.3, 0.4, 0.25, 0.5, 0.35])


COVARIANCES = {
    "redundant": (redundant_cov(), (1, 1, 1)),
    "synergistic": (synergistic_cov(), (1, 1, 1)),
    "mixed 2+1+1+1": (mixed_cov(), (2, 1, 1, 1)),
    "pair 2+1": (synergistic_cov(), (2, 1)),
}


def gaussian_truth(cov, sizes):
    """Closed forms of every term for ``N(0, cov)`` with variables of ``sizes``
    columns: ``H(A) = 1/2 log det(2 pi e cov_AA)``."""
    ends = np.cumsum(sizes)
    columns = [list(range(e - d, e)) for e, d in zip(ends, sizes, strict=True)]
    k = len(sizes)

    def h(variables):
        idx = [c for i in variables for c in columns[i]]
        if not idx:
            return 0.0
        return 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov[np.ix_(idx, idx)])[1]

    def o_information(within):
        tc = sum(h([i]) for i in within) - h(within)
        dtc = h(within) - sum(
            h(within) - h([j for j in within if j != i]) for i in within
        )
        return tc, dtc, tc - dtc

    everything = list(range(k))
    tc, dtc, o = o_information(everything)
    others = [[j for j in everything if j != i] for i in everything]
    return {
        "total_correlation": tc,
        "dual_total_correlation": dtc,
        "o_information": o,
        "o_information_gradient": np.array(
            [o - o_information(rest)[2] for rest in others]
        ),
        "mutual_information": np.array(
            [h([i]) + h(rest) - h(everything) for i, rest in enumerate(others)]
        ),
        "h_joint": h(everything),
        "h_marginal": np.array([h([i]) for i in everything]),
        "h_conditional": np.array([h(everything) - h(rest) for rest in others]),
    }


# ------------------------------------------------------------ exact scores
def exact_predict_noise(cov):
    """A drop-in for ``_multivariate.predict_noise`` that returns the exact noise
    prediction ``E[eps | network input]`` for rows of ``N(0, cov)``.

    A diffused column is observed as ``k_t v + s_t eps``, a clean one as ``v``
    (k = 1, s = 0), an absent one not at all (k = 0, s = 1, value 0). The
    observation is Gaussian with covariance ``K cov K + S^2``, and
    ``E[eps | w] = S C^-1 w``.
    """
    cov = torch.as_tensor(cov, dtype=torch.float64)

    def predict_noise(network, x, roles, t, eps, sde, sizes):
        role = mv.column_roles(roles, sizes)
        v, e, t = x.double(), eps.double(), t.double()
        k = torch.where(role == DIFFUSED, sde.mean_coef(t), (role == CLEAN).double())
        s = torch.where(role == DIFFUSED, sde.std(t), (role == ABSENT).double())
        w = torch.where(role == ABSENT, torch.zeros_like(v), k * v + s * e)
        c = k[:, :, None] * cov * k[:, None, :] + torch.diag_embed(s**2)
        return (s * torch.linalg.solve(c, w.unsqueeze(-1)).squeeze(-1)).to(x.dtype)

    return predict_noise


def exact_terms(monkeypatch, cov, sizes, network=None, n=40_000, seed=0):
    """Per-row terms with the exact scores of ``N(0, cov)`` over the variables of
    ``sizes`` columns, gradient included, read at clamped times as the estimator
    reads them."""
    monkeypatch.setattr(mv, "predict_noise", exact_predict_noise(cov))
    sde = VPSDE(0.1, 20.0, 1e-3)
    gen = torch.Generator().manual_seed(seed)
    chol = torch.linalg.cholesky(torch.tensor(cov, dtype=torch.float64)).float()
    x = torch.randn(n, len(cov), generator=gen) @ chol.T
    t = sde.sample_time(n, gen, torch.device("cpu"), small_times="clamp")
    eps = torch.randn(x.shape, generator=gen)
    calls = mv.MultivariateCalls(tuple(sizes), gradient=True)
    with torch.no_grad():
        terms = mv.multivariate_terms(network, x, t, eps, sde, calls)
    return {key: value.double().numpy() for key, value in terms.items()}


@pytest.mark.parametrize("cov,sizes", COVARIANCES.values(), ids=COVARIANCES.keys())
def test_terms_with_exact_scores(monkeypatch, cov, sizes):
    """With the exact Gaussian scores every per-row term averages to its closed
    form, up to Monte Carlo noise and the dropped KL at T (about 1e-4)."""
    truth = gaussian_truth(cov, sizes)
    terms = exact_terms(monkeypatch, cov, sizes)
    assert set(terms) == set(truth)
    for key, value in truth.items():
        mean = terms[key].mean(0)
        se = terms[key].std(0) / math.sqrt(len(terms[key]))
        np.testing.assert_array_less(np.abs(mean - value), 4 * se + 5e-3, key)


def test_closed_forms():
    """The test Gaussians: redundancy reads O > 0, synergy O < 0; for three
    variables the gradient is O itself (the O of two variables is 0)."""
    redundant = gaussian_truth(*COVARIANCES["redundant"])
    synergistic = gaussian_truth(*COVARIANCES["synergistic"])
    assert redundant["o_information"] > 0.3 and synergistic["o_information"] < -0.3
    for truth in (redundant, synergistic):
        np.testing.assert_allclose(
            truth["o_information_gradient"], truth["o_information"]
        )
        np.testing.assert_allclose(
            truth["mutual_information"].sum(),
            truth["total_correlation"] + truth["dual_total_correlation"],
        )


def test_two_variables_have_no_o_information(monkeypatch):
    """For two variables TC = DTC = I(X_1; X_2), and the gradient is O itself
    row by row (the O of one variable is 0)."""
    cov, sizes = COVARIANCES["pair 2+1"]
    terms = exact_terms(monkeypatch, cov, sizes, n=20_000)
    truth = gaussian_truth(cov, sizes)
    mi = truth["mutual_information"][0]
    for key in ("total_correlation", "dual_total_correlation"):
        se = terms[key].std() / math.sqrt(len(terms[key]))
        assert abs(terms[key].mean() - mi) < 4 * se + 5e-3
    for i in range(2):
        np.testing.assert_array_equal(
            terms["o_information_gradient"][:, i], terms["o_information"]
        )


def test_networks_read_together(monkeypatch):
    """A list of networks is read through ``pair_norm``: two networks with the
    same predictions read as one."""
    cov, sizes = COVARIANCES["synergistic"]
    one = exact_terms(monkeypatch, cov, sizes, n=2000)
    two = exact_terms(monkeypatch, cov, sizes, network=[None, None], n=2000)
    for key in one:
        np.testing.assert_allclose(one[key], two[key], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k", [2, 3, 4, 6])
@pytest.mark.parametrize("gradient", [False, True])
def test_calls_and_mixture(k, gradient):
    """``2 k + 1`` distinct calls, ``(k + 1)^2`` with the gradient from 3
    variables; each call has one diffused variable at least, and the mixture
    gives each family its share."""
    calls = mv.MultivariateCalls((1,) * k, gradient)
    expected = (k + 1) ** 2 if gradient and k >= 3 else 2 * k + 1
    assert len(calls.calls) == len(set(calls.calls)) == expected
    assert all(DIFFUSED in call for call in calls.calls)
    assert math.isclose(sum(calls.mixture), 1.0)
    weights = {name: mv.FAMILY_WEIGHTS[name] for name in calls.families}
    for name, family in calls.families.items():
        share = len(family) * calls.mixture[calls.calls.index(family[0])]
        assert share == pytest.approx(weights[name] / sum(weights.values()))


def test_training_roles_follow_the_mixture():
    """Each call is drawn with its share of the mixture (within 4 standard
    errors)."""
    calls = mv.MultivariateCalls((2, 1, 1), gradient=True)
    n = 40_000
    roles = calls.training_roles(n, torch.Generator().manual_seed(0), "cpu")
    assert roles.shape == (n, 3)
    drawn = [tuple(r) for r in roles.tolist()]
    for call, p in zip(calls.calls, calls.mixture, strict=True):
        freq = drawn.count(call) / n
        assert abs(freq - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_predict_noise_feeds_each_variable_in_its_role():
    """The network sees each variable diffused, clean or zeroed with its own time
    (``t``, 0 or 1), and the skip is ``s_t`` times the diffused values only."""
    seen = {}

    def network(value, times):
        seen["value"], seen["times"] = value, times
        return torch.zeros_like(value)

    sde = VPSDE(0.1, 20.0, 1e-3)
    x = torch.arange(1.0, 5.0).reshape(1, 4)
    eps = torch.full((1, 4), 0.5)
    t = torch.full((1, 1), 0.3)
    roles = torch.tensor([[DIFFUSED, CLEAN, ABSENT]])
    out = mv.predict_noise(network, x, roles, t, eps, sde, (2, 1, 1))
    k, s = sde.mean_coef(t), sde.std(t)
    diffused = k * x[:, :2] + s * eps[:, :2]
    torch.testing.assert_close(
        seen["value"], torch.cat([diffused, x[:, 2:3], torch.zeros(1, 1)], 1)
    )
    torch.testing.assert_close(seen["times"], torch.tensor([[0.3, 0.0, 1.0]]))
    torch.testing.assert_close(out, torch.cat([s * diffused, torch.zeros(1, 2)], 1))


def test_calls_in_groups_predict_as_in_one_pass(monkeypatch):
    """Splitting the calls over several forward passes (:data:`MAX_FORWARD_ROWS`)
    changes nothing."""
    sizes = (2, 1, 1)
    net = mv.init_network(4, 3, 8, 1, "silu", seed=0)
    torch.nn.init.normal_(net.output.weight)  # a network that is not the reference
    gen = torch.Generator().manual_seed(0)
    x, eps = torch.randn(50, 4, generator=gen), torch.randn(50, 4, generator=gen)
    t = torch.rand(50, 1, generator=gen)
    sde = VPSDE(0.1, 20.0, 1e-3)
    calls = mv.MultivariateCalls(sizes, gradient=True).calls
    with torch.no_grad():
        together = mv.predict_noise_calls(net, x, t, eps, sde, sizes, calls)
        monkeypatch.setattr(mv, "MAX_FORWARD_ROWS", 120)  # two calls per pass
        grouped = mv.predict_noise_calls(net, x, t, eps, sde, sizes, calls)
    assert len(grouped) == len(calls)
    for a, b in zip(together, grouped, strict=True):
        torch.testing.assert_close(a, b)


# --------------------------------------------------------------- real fits
def gaussian_rows(cov, n, seed):
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(np.zeros(len(cov)), cov, size=n)


SHORT = dict(max_iter=3000, hidden_dim=32, gradient=False, device="cpu")


@pytest.mark.parametrize(
    "name,sign", [("redundant", 1), ("synergistic", -1)], ids=["redundant", "synergy"]
)
def test_short_fit_reads_the_sign_of_o(name, sign):
    """A short fit (3,000 steps of a narrow network) reads redundancy as O > 0 and
    synergy as O < 0, and TC and DTC near their closed forms."""
    cov, sizes = COVARIANCES[name]
    truth = gaussian_truth(cov, sizes)
    X = gaussian_rows(cov, 1500, seed=1)
    est = OInformationEstimator(random_state=0, **SHORT).fit(X)
    assert sign * est.o_information_ > est.o_information_std_
    for key in ("total_correlation", "dual_total_correlation"):
        assert abs(getattr(est, key + "_") - truth[key]) < 0.25 * truth[key], key


@pytest.mark.slow
def test_invariant_to_an_invertible_map_of_a_variable():
    """TC, DTC and O do not change when a variable goes through an invertible
    map (here the cube of a column), within a few standard errors."""
    cov, _ = COVARIANCES["redundant"]
    X = gaussian_rows(cov, 2000, seed=2)
    mapped = X.copy()
    mapped[:, 0] = mapped[:, 0] ** 3
    settings = dict(SHORT, max_iter=5000, random_state=0)
    plain = OInformationEstimator(**settings).fit(X)
    cubed = OInformationEstimator(**settings).fit(mapped)
    for key in ("total_correlation", "dual_total_correlation", "o_information"):
        a, b = getattr(plain, key + "_"), getattr(cubed, key + "_")
        se = math.hypot(getattr(plain, key + "_std_"), getattr(cubed, key + "_std_"))
        assert abs(a - b) < 4 * se, (key, a, b, se)


def test_untrained_network_reads_the_entropies_in_data_units():
    """With the network still at its reference (a vanishing learning rate), TC,
    DTC and O read 0 and each entropy is the reference's cross-entropy; scaling a
    column by c shifts the entropies over it by log c and nothing else."""
    X = gaussian_rows(redundant_cov(), 300, seed=3)
    settings = dict(TINY, max_iter=1, learning_rate=1e-12, random_state=0)
    est = OInformationEstimator(**settings).fit(X)
    scaled = OInformationEstimator(**settings).fit(X * [3.0, 1.0, 1.0])
    for key in ("total_correlation", "dual_total_correlation", "o_information"):
        assert abs(getattr(est, key + "_")) < 1e-6
    shift = np.log([3.0, 1.0, 1.0])
    entropies, other = est.entropies_, scaled.entropies_
    assert other["joint"] == pytest.approx(entropies["joint"] + shift.sum())
    np.testing.assert_allclose(other["marginal"], entropies["marginal"] + shift)
    np.testing.assert_allclose(other["conditional"], entropies["conditional"] + shift)


def test_normal_scores_map_a_cubed_column():
    """By default every column is mapped to normal scores, without a warning;
    normal_scores="auto" maps only the cubed column, with a SharpPeakWarning.
    Normal scores do not change under a monotone map of a column, so with
    normal_scores=True the cubed and the plain rows read the same TC, and the
    entropies over the column differ by the mean log-Jacobian of the cube,
    log 3 z^2."""
    X = gaussian_rows(redundant_cov(), 300, seed=4)
    cubed = X * [1.0, 1.0, 1.0]
    cubed[:, 0] = cubed[:, 0] ** 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        default = OInformationEstimator(random_state=0, **TINY).fit(cubed)
    np.testing.assert_array_equal(default.normal_scores_.columns, [0, 1, 2])
    auto = OInformationEstimator(random_state=0, normal_scores="auto", **TINY)
    with pytest.warns(SharpPeakWarning, match="Columns 0 of X"):
        auto.fit(cubed)
    np.testing.assert_array_equal(auto.normal_scores_.columns, [0])
    kept = OInformationEstimator(random_state=0, normal_scores=False, **TINY)
    assert kept.fit(cubed).normal_scores_ is None
    assert np.isfinite(kept.entropies_["joint"])
    scores = OInformationEstimator(random_state=0, normal_scores=True, **TINY)
    plain, warped = scores.fit(X).total_correlation_, clone(scores).fit(cubed)
    tolerance = 0.1 * warped.total_correlation_std_
    assert warped.total_correlation_ == pytest.approx(plain, abs=tolerance)
    shift = np.log(3 * X[:, 0] ** 2).mean()
    moved = {k: warped.entropies_[k] - scores.entropies_[k] for k in scores.entropies_}
    assert moved["joint"] == pytest.approx(shift, abs=0.15)
    for key in ("marginal", "conditional"):
        np.testing.assert_allclose(moved[key], [shift, 0, 0], atol=0.15)


# ------------------------------------------------------------ the estimator
@pytest.mark.filterwarnings("ignore::sklearn_minde.DataWarning")
@parametrize_with_checks([OInformationEstimator(random_state=0, **TINY)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def fitted():
    """A tiny fit on four columns grouped into three variables."""
    X = gaussian_rows(mixed_cov(), 200, seed=0)
    est = OInformationEstimator(random_state=0, **TINY)
    return est.fit(X, groups=[[0, 1], [2], [3, 4]]), X


def test_fitted_attributes(fitted):
    est, X = fitted
    assert est.n_variables_ == 3 and est.n_features_in_ == 5
    assert [g.tolist() for g in est.groups_] == [[0, 1], [2], [3, 4]]
    assert est.gradient_  # "auto" up to 5 variables
    for name in ("o_information_gradient", "mutual_information"):
        assert getattr(est, name + "_").shape == (3,)
        assert getattr(est, name + "_std_").shape == (3,)
    assert est.entropies_["marginal"].shape == (3,)
    for name in ("total_correlation", "dual_total_correlation", "o_information"):
        assert np.isfinite(getattr(est, name + "_"))
        assert getattr(est, name + "_std_") > 0
    assert est.o_information_ == pytest.approx(
        est.total_correlation_ - est.dual_total_correlation_
    )
    assert est.network_.architecture["n_times"] == 3


def test_gradient_can_be_left_out():
    X = gaussian_rows(redundant_cov(), 100, seed=0)
    est = OInformationEstimator(gradient=False, random_state=0, **TINY).fit(X)
    assert not est.gradient_
    assert not hasattr(est, "o_information_gradient_")


def test_groups_as_labels_or_lists_agree(fitted):
    """Labels per column make the same variables as lists of indices, in the
    order of the sorted labels."""
    est, X = fitted
    labels = OInformationEstimator(random_state=0, **TINY).fit(
        X, groups=["a", "a", "b", "c", "c"]
    )
    assert labels.o_information_ == est.o_information_
    np.testing.assert_array_equal(
        labels.o_information_gradient_, est.o_information_gradient_
    )


def test_pickle_and_clone(fitted):
    est, _ = fitted
    again = pickle.loads(pickle.dumps(est))
    assert again.o_information_ == est.o_information_
    for a, b in zip(
        again.network_.parameters(), est.network_.parameters(), strict=True
    ):
        torch.testing.assert_close(a, b)
    fresh = clone(est)
    assert fresh.get_params() == est.get_params()
    assert not hasattr(fresh, "o_information_")


def test_same_seed_same_numbers(fitted):
    est, X = fitted
    again = clone(est).fit(X, groups=[[0, 1], [2], [3, 4]])
    assert again.o_information_ == est.o_information_


@pytest.mark.parametrize(
    "groups,message",
    [
        ([[0, 1], [1, 2]], "listed more than once"),
        ([[0], [1]], "in no group"),
        ([[0, 1, 2]], "at least 2 variables"),
        ([[0], [1, 5]], "groups name column 5"),
        ([[0], []], "non-empty list of integer"),
        ([[0.0], [1, 2]], "non-empty list of integer"),
        (["a", "b"], "one label per column"),
        ([[0], 1, 2], "not a mix"),
        ("abc", "groups must be None"),
        (3, "groups must be None"),
    ],
)
def test_bad_groups(groups, message):
    X = gaussian_rows(redundant_cov(), 50, seed=0)
    with pytest.raises(ValueError, match=message):
        OInformationEstimator(**TINY).fit(X, groups=groups)


def test_bad_input():
    X = gaussian_rows(redundant_cov(), 50, seed=0)
    with pytest.raises(ValueError, match=r"got 1 \(X has 1 feature\(s\)\)"):
        OInformationEstimator(**TINY).fit(X[:, :1])
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        OInformationEstimator(**TINY).fit(X)
    with pytest.raises(ValueError, match="gradient"):
        OInformationEstimator(gradient="yes", **TINY).fit(X[:, [0, 2]])
    with pytest.raises(ValueError, match="max_iter"):
        OInformationEstimator(hidden_dim=8, max_iter=0).fit(X[:, [0, 2]])


def test_verbose_shows_progress(capsys):
    X = gaussian_rows(redundant_cov(), 100, seed=0)
    OInformationEstimator(verbose=1, random_state=0, **TINY).fit(X)
    assert "step" in capsys.readouterr().err


# ---------------------------------------------------------------- function
def test_o_information_function(fitted):
    est, X = fitted
    groups = [[0, 1], [2], [3, 4]]
    res = o_information(X, groups=groups, base=2, estimator=est, random_state=0)
    assert isinstance(res, OInformationResult)
    assert res.unit == "bits"
    assert res.estimator is not est  # a clone
    assert res.o_information == pytest.approx(est.o_information_ / math.log(2))
    np.testing.assert_allclose(
        res.o_information_gradient, est.o_information_gradient_ / math.log(2)
    )
    low, high = res.confidence_interval(0.9)
    half = 1.6448536269514722 * res.o_information_std
    assert (low, high) == pytest.approx(
        (res.o_information - half, res.o_information + half)
    )
    with pytest.raises(ValueError, match="base"):
        o_information(X, groups=groups, base=1, estimator=est)
    with pytest.raises(TypeError, match="OInformationEstimator"):
        o_information(X, estimator=object())
    with pytest.raises(ValueError, match="confidence_level"):
        res.confidence_interval(1.5)


def test_gradient_rule():
    assert [mv.resolve_gradient("auto", k) for k in (2, 5, 6)] == [True, True, False]
    assert mv.resolve_gradient(False, 3) is False
    assert list(itertools.chain(*mv.call_families(2, True).values())) == list(
        mv.MultivariateCalls((1, 1), False).calls
    )


def test_weight_decay_rule_grows_with_the_coefficients():
    # 2 x 1 + 1 x 2 coefficients: at 16,000 rows the row rule is the larger.
    assert mv.resolve_weight_decay("auto", 16000, (1, 1)) == pytest.approx(
        (620 / 16000) ** 2
    )
    # Ten variables of 14 columns (196 - 24 = 172 coefficients) at 16,000 rows.
    sizes = (1, 1, 2, 1, 1, 3, 1, 1, 2, 1)
    assert mv.conditional_coefficients(sizes) == 172
    assert mv.resolve_weight_decay("auto", 16000, sizes) == pytest.approx(172 / 16000)
    assert mv.resolve_weight_decay(0.3, 16000, sizes) == 0.3
    # The estimator trains with it.
    params = OInformationEstimator().get_params()
    config = training_config(
        params,
        MINDEEstimator().get_params(),
        16000,
        torch.device("cpu"),
        mv.MultivariateCalls(sizes, False),
    )
    assert config.weight_decay == pytest.approx(172 / 16000)
