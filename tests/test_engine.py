"""The engine's pieces on their own: random streams, the trainer and the reader."""

import numpy as np
import pytest
import torch
from conftest import TINY

from sklearn_minde import CompileWarning, MINDEEstimator
from sklearn_minde._auto import (
    AUTO_PAIR_MIN_TRAIN,
    MIN_DRAWS,
    auto_n_networks,
    auto_weight_decay,
    estimation_passes,
    use_compile,
)
from sklearn_minde._checks import TrainingResult, still_rising
from sklearn_minde._fit import training_config
from sklearn_minde._reader import (
    call_variables,
    entropy_variables,
    keyed_draws,
    likelihood_bound,
    log_jacobian,
    per_sample_terms,
    stream_draws,
    summarise,
)
from sklearn_minde._runtime import STREAMS, make_generator, row_keys, stream_seed
from sklearn_minde._sde import VPSDE
from sklearn_minde._training import TrainingConfig, init_network, train
from sklearn_minde._variants import (
    ABSENT,
    CLEAN,
    DIFFUSED,
    VARIANTS,
    pair_norm,
    squared_norm,
)


def test_streams_are_distinct_deterministic_and_keyed_by_seed():
    seeds = {(s, name): stream_seed(s, name) for s in (0, 1, 2) for name in STREAMS}
    assert len(set(seeds.values())) == len(seeds)
    assert stream_seed(1, "training") == stream_seed(1, "training")
    a = torch.rand(3, generator=make_generator(5, "estimation", "cpu"))
    b = torch.rand(3, generator=make_generator(5, "estimation", "cpu"))
    assert torch.equal(a, b)
    with pytest.raises(ValueError):
        stream_seed(0, "no such stream")


def test_init_network_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = init_network(3, 16, 1, "silu", seed=7)
    b = init_network(3, 16, 1, "silu", seed=7)
    assert torch.equal(torch.get_rng_state(), before)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def _data(n=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = x[:, :1] + 0.5 * torch.randn(n, 1, generator=g)
    return x, y


def _config(**kw):
    kw = {
        "batch_size": 64,
        "max_iter": 60,
        "learning_rate": 3e-3,
        "ema_decay": 0.99,
        "weight_decay": 0.0,
        "early_stopping": False,
        "n_iter_no_change": 2,
        **kw,
    }
    return TrainingConfig(**kw)


def _train(config, variant="c", seed=0, n=300, n_val=50):
    """:func:`train` of a width-16 network on ``_data(n)``, without Z; the first
    ``n_val`` rows are the held-out ones."""
    x, y = _data(n=n)
    return train(
        init_network(3, 16, 1, "silu", seed),
        x,
        y,
        x[:, :0],
        x[:n_val],
        y[:n_val],
        x[:n_val, :0],
        VPSDE(0.1, 20.0, 1e-3),
        VARIANTS[variant],
        config,
        seed=seed,
    )


def test_train_returns_a_result_and_repeats_with_the_seed():
    results = [_train(_config(), seed=4) for _ in range(2)]
    r = results[0]
    assert isinstance(r, TrainingResult)
    assert r.n_iter == 60 and r.loss_curve.shape == (60,)
    assert r.validation_loss_curve.shape == (2,)  # checks at 50 and at the end
    np.testing.assert_array_equal(r.loss_curve, results[1].loss_curve)
    assert all(not p.requires_grad for p in r.network.parameters())


def _trained_weight_norm(weight_decay):
    result = _train(_config(weight_decay=weight_decay, ema_decay=0.0), seed=4)
    return sum(p.square().sum() for p in result.network.parameters()).item()


def test_weight_decay_shrinks_the_weights():
    """Decoupled decay at lr * weight_decay = 0.03 per step: 60 steps shrink the
    weights (about 16 % per coordinate from decay alone) against plain Adam."""
    plain, decayed = _trained_weight_norm(0.0), _trained_weight_norm(10.0)
    assert decayed < 0.9 * plain


def test_auto_weight_decay_falls_with_the_square_of_the_rows():
    decays = [auto_weight_decay(n) for n in (800, 1600, 8000, 80000)]
    assert all(np.diff(decays) < 0)
    assert auto_weight_decay(800) / auto_weight_decay(1600) == pytest.approx(4.0)
    assert auto_weight_decay(100) == auto_weight_decay(400) == 1.0
    assert decays[-1] < 1e-3


def test_auto_max_iter_is_epochs_of_the_variant():
    """max_iter="auto": 256 epochs of 512 rows for MINDE-C and MINDE-J, within 2,000
    and 20,000 steps."""

    def steps(variant, n_train):
        params = MINDEEstimator(variant=variant).get_params()
        return training_config(params, n_train, torch.device("cpu")).max_iter

    assert steps("c", 8_000) == steps("j", 8_000) == 4_000
    assert steps("c", 800) == steps("j", 800) == steps("c", 4_000) == 2_000
    assert steps("c", 20_000) == steps("j", 20_000) == 10_000
    assert steps("c", 80_000) == steps("j", 200_000) == 20_000
    params = MINDEEstimator(variant="j", max_iter=7).get_params()
    assert training_config(params, 8_000, torch.device("cpu")).max_iter == 7


def test_train_stops_early_on_a_flat_held_out_loss():
    config = _config(max_iter=5000, early_stopping=True, learning_rate=0.0)
    r = _train(config, variant="j")
    # a network that does not move never beats its first check: stops after 3
    assert r.n_iter == 3 * config.check_every


def test_unit_correction_is_one_rule_for_entropies_and_likelihoods():
    log_scale = {"x": 2.0, "y": -0.5}
    assert [entropy_variables(k) for k in ("x", "x|y", "y|x", "xy")] == [
        "x",
        "x",
        "y",
        "xy",
    ]
    assert call_variables((DIFFUSED, CLEAN)) == "x"
    assert call_variables((ABSENT, DIFFUSED)) == "y"
    assert call_variables((DIFFUSED, DIFFUSED)) == "xy"
    assert log_jacobian("xy", log_scale) == 1.5
    bound = likelihood_bound(np.zeros(4), VARIANTS["j"].calls, log_scale)
    np.testing.assert_allclose(bound, -(1.5 + 2.0 - 0.5))
    terms = {
        "mi": np.array([1.0, 3.0]),
        "mi_sigma": np.array([2.0, 2.0]),
        "h_x|y": np.array([0.0, 1.0]),
    }
    est, std, ent, ent_std = summarise([terms], "minde_c", log_scale)
    assert est == {"minde_c": 2.0, "minde_c_sigma": 2.0}
    assert std["minde_c"] == pytest.approx(1.0) and std["minde_c_sigma"] == 0.0
    assert ent == {"x|y": pytest.approx(0.5 + 2.0)}
    assert ent_std == {"x|y": pytest.approx(0.5)}
    # a fit without y has entropies only
    est, std, ent, _ = summarise([{"h_x": np.array([1.0, 2.0])}], "minde_m", log_scale)
    assert est == std == {} and ent == {"x": pytest.approx(1.5 + 2.0)}


def test_per_sample_terms_averages_passes_over_chunks(monkeypatch):
    import sklearn_minde._reader as reader

    monkeypatch.setattr(reader, "CHUNK", 7)
    x, y = _data(n=20)
    sde = VPSDE(0.1, 20.0, 1e-3)

    def fn(xc, yc, zc, t, ex, ey):
        return {"t": t[:, 0], "x": xc[:, 0], "z": zc[:, 0]}

    z = -x[:, :1]
    draw = stream_draws(sde, torch.Generator().manual_seed(0))
    out = per_sample_terms(fn, x, y, z, 3, draw)
    np.testing.assert_allclose(out["x"], x[:, 0].double().numpy(), rtol=1e-6)
    np.testing.assert_allclose(out["z"], z[:, 0].double().numpy(), rtol=1e-6)
    assert out["t"].shape == (20,) and out["t"].dtype == np.float64
    assert len(np.unique(out["t"])) == 20  # a fresh draw per row and pass
    # keyed draws follow the rows: reversed rows, reversed terms
    keys = row_keys([x.numpy()], 0)
    keyed = per_sample_terms(fn, x, y, z, 3, keyed_draws(keys, sde))
    flipped = per_sample_terms(
        fn, x.flip(0), y.flip(0), z.flip(0), 3, keyed_draws(keys[::-1].copy(), sde)
    )
    np.testing.assert_array_equal(flipped["t"], keyed["t"][::-1])
    assert len(np.unique(keyed["t"])) == 20


def test_auto_estimation_passes_take_enough_draws():
    # 8 passes from 2,000 rows on (the held-out rows of 10,000: the 40-task runs
    # keep their passes), more on fewer rows, and an integer as it is
    assert estimation_passes("auto", 2000) == estimation_passes("auto", 10**6) == 8
    for n_rows in (1, 50, 200, 1999):
        passes = estimation_passes("auto", n_rows)
        assert passes * n_rows >= MIN_DRAWS > (passes - 1) * n_rows
    assert estimation_passes(3, 50) == 3


def test_fit_reads_small_held_out_sets_with_more_passes():
    X, y = (a.numpy() for a in _data(n=100))
    est = MINDEEstimator(hidden_dim=8, max_iter=10, random_state=0).fit(X, y)
    assert est.n_estimation_passes_ == estimation_passes("auto", 20) == 800
    est.set_params(n_estimation_passes=2).fit(X, y)
    assert est.n_estimation_passes_ == 2


def test_pair_norm_drops_the_variance_of_independent_errors():
    g = torch.Generator().manual_seed(0)
    mean = torch.randn(1, 50, generator=g).expand(20000, 50)
    a = mean + torch.randn(3, 20000, 50, generator=g)  # three networks, unit errors
    np.testing.assert_allclose(pair_norm(a[:1]), squared_norm(a[0]))
    np.testing.assert_allclose(pair_norm(a[:2]), (a[0] * a[1]).sum(1), rtol=1e-6)
    truth = squared_norm(mean[:1]).item()
    assert squared_norm(a[0]).mean().item() == pytest.approx(truth + 50, rel=0.02)
    for k in (2, 3):
        assert pair_norm(a[:k]).mean().item() == pytest.approx(truth, abs=0.3)


def test_several_networks_add_to_the_first_and_read_together():
    X, y = (a.numpy() for a in _data(n=300))
    kw = dict(hidden_dim=8, max_iter=40, n_estimation_passes=2, random_state=0)
    one = MINDEEstimator(**kw).fit(X, y)
    two = MINDEEstimator(n_networks=2, **kw).fit(X, y)
    folds = MINDEEstimator(n_networks=2, n_folds=3, **kw).fit(X, y)
    assert len(two.networks_) == 2 and len(folds.networks_) == 6
    assert folds.member_estimates_.shape == (3,)
    for p, q in zip(one.network_.parameters(), two.network_.parameters(), strict=True):
        torch.testing.assert_close(p, q)  # the first network is the single fit
    second = two.networks_[1].parameters()
    assert not all(
        torch.equal(p, q)
        for p, q in zip(two.network_.parameters(), second, strict=True)
    )
    mi, _ = two.estimate(X, y)
    assert mi == pytest.approx(two.estimate_samples(X, y).mean())
    assert np.isfinite(two.score(X, y)) and np.isfinite(folds.mutual_information_)


def test_auto_networks_pair_up_in_many_dimensions_on_many_rows():
    """n_networks="auto": one network below 50 inputs or 4,000 training rows, two
    from there on; the fit trains and reads the resolved number."""
    assert auto_n_networks(49, 100_000) == 1
    assert auto_n_networks(50, AUTO_PAIR_MIN_TRAIN - 1) == 1
    assert auto_n_networks(50, AUTO_PAIR_MIN_TRAIN) == 2
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 25))
    y = X + rng.normal(size=(10_000, 25))
    kw = dict(hidden_dim=8, max_iter=2, n_estimation_passes=1, random_state=0)
    many = MINDEEstimator(**kw).fit(X, y)  # 8,000 training rows, 50 inputs
    assert many.n_networks_ == 2 and len(many.networks_) == 2
    fewer = MINDEEstimator(validation_fraction=0.65, **kw).fit(X, y)  # 3,500
    assert fewer.n_networks_ == 1 and len(fewer.networks_) == 1
    narrower = MINDEEstimator(**kw).fit(X[:, :24], y)
    assert narrower.n_networks_ == 1


def test_compile_auto_is_for_cuda_only():
    assert not use_compile("auto", torch.device("cpu"))
    assert use_compile("auto", torch.device("cuda"))
    assert use_compile(True, torch.device("cpu"))
    assert not use_compile(False, torch.device("cuda"))


COMPILE_FIT = dict(hidden_dim=8, max_iter=30, n_estimation_passes=2, random_state=0)


def test_compiled_training_gives_the_eager_numbers():
    X, y = (a.numpy() for a in _data(n=200))
    eager = MINDEEstimator(**COMPILE_FIT).fit(X, y)
    compiled = MINDEEstimator(compile=True, **COMPILE_FIT).fit(X, y)
    assert not eager.compiled_ and compiled.compiled_
    np.testing.assert_allclose(compiled.loss_curve_, eager.loss_curve_, rtol=1e-4)
    assert compiled.mutual_information_ == pytest.approx(
        eager.mutual_information_, rel=1e-4
    )


@pytest.mark.parametrize("stacked", [{}, {"n_folds": 2, "stack_networks": True}])
def test_a_failed_compile_warns_once_and_trains_eagerly(monkeypatch, stacked):
    class Broken(torch.nn.Module):
        def forward(self, *args):
            raise RuntimeError("no C++ compiler")

    monkeypatch.setattr(torch, "compile", lambda network, **kw: Broken())
    X, y = (a.numpy() for a in _data(n=200))
    with pytest.warns(CompileWarning, match="training eagerly") as record:
        fell_back = MINDEEstimator(compile=True, **stacked, **COMPILE_FIT).fit(X, y)
    assert len([w for w in record if w.category is CompileWarning]) == 1
    eager = MINDEEstimator(**stacked, **COMPILE_FIT).fit(X, y)
    assert not fell_back.compiled_
    # the failed step's draws are rewound: exactly the eager fit
    np.testing.assert_array_equal(fell_back.loss_curve_, eager.loss_curve_)
    np.testing.assert_array_equal(fell_back.member_estimates_, eager.member_estimates_)


@pytest.mark.parametrize("max_iter", [100, 400])
def test_host_synchronises_only_at_checks(monkeypatch, max_iter):
    """Reading a tensor's value on the host (``item``, ``bool``, ``float``, numpy)
    is what stalls a GPU; the training loop does it a fixed number of times per
    check and never per step: the count is the same for 100 and 400 steps with the
    same number of checks."""
    counts = {"n": 0}
    for name in ("item", "__bool__", "__float__", "numpy", "tolist"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, **kwargs):
            counts["n"] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    config = _config(max_iter=max_iter)
    assert config.check_every == 50
    n_checks = -(-max_iter // 50)
    r = _train(config)
    assert len(r.check_steps) == n_checks
    # a handful per check (loss, MI and its error, the over-fitting test), plus a
    # few after the loop; never one per step
    assert n_checks <= counts["n"] <= 8 * n_checks + 5  # the patch counts
    assert counts["n"] < max_iter


def test_mi_converged_compares_the_rise_over_the_window_with_the_error():
    from sklearn_minde._checks import mi_converged

    rising = {"mi": [0.1, 0.2, 0.3, 0.4], "mi_std": [0.01] * 4}
    flat = {"mi": [0.1, 0.3, 0.305, 0.308], "mi_std": [0.01] * 4}
    assert not mi_converged(rising, 2)
    assert mi_converged(flat, 2)  # 0.308 - 0.3 < 0.01
    assert not mi_converged(flat, 3)  # 0.308 - 0.1 > 0.01
    assert not mi_converged({"mi": [0.1, 0.1], "mi_std": [1, 1]}, 2)  # too few


def test_training_stops_once_the_mi_has_converged():
    config = _config(max_iter=4000, early_stopping="mi", n_iter_no_change=2)
    r = _train(config, n=600, n_val=100)
    assert r.n_iter < 4000
    assert r.mi_curve[-1] - r.mi_curve[-3] < r.mi_std_curve[-1]


def test_learning_rate_schedules():
    from sklearn_minde._training import learning_rate_factor

    assert all(learning_rate_factor(s, 1000, "constant") == 1.0 for s in (0, 500, 999))
    cosine = [learning_rate_factor(s, 1000, "cosine") for s in range(1000)]
    assert cosine[0] == pytest.approx(1 / 50) and cosine[49] == pytest.approx(1.0)
    assert cosine[50] == pytest.approx(1.0)
    assert cosine[525] == pytest.approx(0.5, abs=0.01)  # half way through the decay
    assert cosine[-1] < 1e-4 and all(np.diff(cosine[50:]) <= 0)


def test_finite_sample_mi_bias_is_the_leading_term_of_the_wishart_bias():
    """``d_x d_y / (2 n)`` against the exact bias of the in-sample log-determinant
    Gaussian MI, ``E log det`` of a Wishart matrix (digamma sums, computed here
    independently): within 3 % at the benchmark's sizes, and it shrinks as 1/n."""
    from scipy.special import digamma

    from sklearn_minde._reference import finite_sample_mi_bias

    def log_det_bias(k, n):  # E log det S - log det Sigma, S = W / (n - 1)
        m = n - 1
        return sum(digamma((m - i) / 2) for i in range(k)) + k * np.log(2 / m)

    for p, q, n in [(25, 25, 8000), (50, 50, 8000), (5, 20, 2000)]:
        exact = 0.5 * (log_det_bias(p, n) + log_det_bias(q, n) - log_det_bias(p + q, n))
        assert finite_sample_mi_bias(p, q, n) == pytest.approx(exact, rel=0.03)
    assert finite_sample_mi_bias(50, 50, 80_000) == pytest.approx(
        finite_sample_mi_bias(50, 50, 8000) / 10
    )


def test_readings_through_a_fitted_gaussian_lose_its_finite_sample_bias():
    """reference="gaussian" with the residual at zero (one step at a negligible
    learning rate) reads the fitted Gaussian's MI: uncorrected, the plain form
    reads it too high and the sigma form too low by ``d_x d_y / (2 n_train)``
    (0.25 nats here, 8 standard errors of the plain form); the estimates take that
    out, and land within 3 standard errors of the truth."""
    rng = np.random.default_rng(0)
    p, rho, n = 40, 0.3, 4000
    X = rng.normal(size=(n, p))
    y = rho * X + np.sqrt(1 - rho**2) * rng.normal(size=(n, p))
    truth = -0.5 * p * np.log(1 - rho**2)
    est = MINDEEstimator(
        reference="gaussian", max_iter=1, learning_rate=1e-12, random_state=0
    ).fit(X, y)
    bias = est.network_.reference.mi_bias
    assert bias == pytest.approx(p * p / (2 * 3200))
    for key in ("minde_c", "minde_c_sigma"):
        error = est.estimates_[key] - truth
        assert abs(error) < 3 * est.estimates_std_[key], (key, error)
    assert est.estimates_["minde_c"] + bias - truth > 3 * est.estimates_std_["minde_c"]
    # the correction is a shift of each row's term by the bias, with its sign
    X_new = rng.normal(size=(500, p))
    y_new = rho * X_new + np.sqrt(1 - rho**2) * rng.normal(size=(500, p))
    corrected = est.estimate_samples(X_new, y_new)
    est.network_.reference.mi_bias = 0.0
    np.testing.assert_allclose(
        est.estimate_samples(X_new, y_new), corrected + bias, rtol=1e-5, atol=1e-6
    )


def test_standard_reference_takes_out_the_bias_of_unregularised_networks():
    """Over the standard reference the estimates lose ``d_x d_y / (2 n_train)``
    (both forms, row by row) when weight decay is at most
    ``MAX_CORRECTED_WEIGHT_DECAY``, and nothing under stronger decay (the "auto"
    decay of a small sample)."""
    from sklearn_minde._auto import MAX_CORRECTED_WEIGHT_DECAY

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 3)), rng.normal(size=(300, 2))
    unregularised = MINDEEstimator(**dict(TINY, weight_decay=0.0)).fit(X, y)
    bias = unregularised.network_.reference.mi_bias
    assert bias == pytest.approx(3 * 2 / (2 * unregularised.n_train_))
    for sigma in (None, 1.0):
        unregularised.set_params(sigma=sigma)
        corrected = unregularised.estimate_samples(X, y)
        unregularised.network_.reference.mi_bias = 0.0
        np.testing.assert_allclose(
            unregularised.estimate_samples(X, y), corrected + bias, atol=1e-6
        )
        unregularised.network_.reference.mi_bias = bias
    decayed = [
        MINDEEstimator(**dict(TINY, weight_decay=w)).fit(X, y)
        for w in (2 * MAX_CORRECTED_WEIGHT_DECAY, "auto")
    ]
    assert decayed[1].weight_decay_ > MAX_CORRECTED_WEIGHT_DECAY
    assert all(est.network_.reference.mi_bias == 0.0 for est in decayed)



def test_draw_tail_share_and_its_warning():
    """DrawTail keeps the largest 0.1 % of the draws over passes: an even reading
    shares about 0.001, one heavy draw carries nearly all of it, and the warning
    fires above 0.2 only, pointing at the caller."""
    import warnings

    from sklearn_minde import ConcentratedEstimateWarning
    from sklearn_minde._reader import DrawTail, warn_if_concentrated

    even = DrawTail(4000)
    for _ in range(4):
        even.add(torch.ones(1000))
    assert even.share() == pytest.approx(4 / 4000)
    heavy = DrawTail(4000)
    for k in range(4):
        heavy.add(torch.cat([torch.ones(999), torch.tensor([1e5 if k == 2 else 1.0])]))
    assert heavy.share() > 0.95
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warn_if_concentrated(even.share())
        warn_if_concentrated(heavy.share())
    assert [w.category for w in record] == [ConcentratedEstimateWarning]
    assert record[0].filename == __file__


# --------------------------------------------------------- convergence warning
def _result(curve, std, n_iter=2000):
    """A TrainingResult with the held-out curve ``curve`` over evenly spaced
    checks."""
    checks = len(curve)
    return TrainingResult(
        network=None,
        n_iter=n_iter,
        loss_curve=np.zeros(n_iter),
        validation_loss_curve=np.zeros(checks),
        mi_curve=np.asarray(curve, dtype=float),
        mi_std_curve=np.full(checks, std),
        check_steps=np.linspace(n_iter / checks, n_iter, checks).astype(int),
        best_iter=n_iter,
        overfit_iter=None,
    )


def test_still_rising_measures_the_last_quarter_against_the_error():
    """The rise over the second half of the steps counts when it exceeds the
    final standard error; a fall counts for an entropy."""
    rising = np.linspace(0.0, 1.0, 20)  # checks at 100, 200, ..., 2000 steps
    assert still_rising(_result(rising, 0.1)) == pytest.approx(
        rising[-1] - rising[9]
    )
    assert still_rising(_result(rising, 0.6)) is None
    flat = np.r_[np.linspace(0, 1, 10), np.ones(10)]
    assert still_rising(_result(flat, 0.01)) is None
    assert still_rising(_result(-rising, 0.1), falls=True) == pytest.approx(
        rising[-1] - rising[9]
    )
    assert still_rising(_result([0.5], 0.1)) is None


def test_a_fit_cut_short_warns_that_it_still_rises():
    """A fit stopped long before the MI levels off (300 steps on the README's
    construction) says so with scikit-learn's ConvergenceWarning, naming
    max_iter."""
    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(1)
    x = rng.normal(size=(10_000, 2))
    y = x @ [0.8, 0.3] + 0.5 * rng.normal(size=10_000)
    with pytest.warns(ConvergenceWarning, match="larger max_iter"):
        MINDEEstimator(max_iter=300, device="cpu", random_state=1).fit(x, y)
