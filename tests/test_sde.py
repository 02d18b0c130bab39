"""The maths of the diffusion: the VP SDE, the importance sampling of time, the
Gaussian reference, and the estimator formulas fed with exact Gaussian scores.

Every expected value here comes from an independent computation (closed forms of
Gaussian densities, or numerical integration with scipy), never from the package.
"""

import math
import types

import numpy as np
import pytest
import torch
from scipy import integrate

import sklearn_minde._variants as variants
from sklearn_minde._reference import GaussianReference
from sklearn_minde._sde import VPSDE
from sklearn_minde._variants import (
    ABSENT,
    CLEAN,
    DIFFUSED,
    VARIANTS,
    network_input,
    reference_noise,
)

BETA_MIN, BETA_MAX, T_EPS = 0.1, 20.0, 1e-3
N_DRAWS = 200_000


def _r(t, beta_min=BETA_MIN, beta_max=BETA_MAX):
    """Likelihood weight ``beta(t) / s_t^2`` in float64, written from METHOD.md."""
    beta = beta_min + t * (beta_max - beta_min)
    big_b = beta_min * t + 0.5 * (beta_max - beta_min) * t**2
    return beta / -math.expm1(-big_b)


def _draw(sde, n=N_DRAWS, seed=0, small_times="flat"):
    gen = torch.Generator().manual_seed(seed)
    t = sde.sample_time(n, gen, torch.device("cpu"), small_times)
    return t


def _ks_distance(samples, cdf):
    """Kolmogorov-Smirnov distance between an empirical sample and a CDF."""
    x = np.sort(samples)
    f = cdf(x)
    n = len(x)
    return max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))


def _q_cdf(truncate=False):
    """CDF of q(t) proportional to r(max(t, t_eps)) on [0, 1] (or on [t_eps, 1]),
    tabulated by numerical integration."""
    grid = np.concatenate([np.linspace(0, T_EPS, 50), np.geomspace(T_EPS, 1, 2000)[1:]])
    dens = np.array([_r(max(t, T_EPS)) for t in grid])
    if truncate:
        dens[grid < T_EPS] = 0.0
    cum = integrate.cumulative_trapezoid(dens, grid, initial=0.0)
    cum /= cum[-1]
    return lambda t: np.interp(t, grid, cum)


@pytest.fixture
def sde():
    return VPSDE(BETA_MIN, BETA_MAX, T_EPS)


# ---------------------------------------------------------------- the schedule
def test_normaliser_matches_numerical_integral(sde):
    """Z = r(t_eps) t_eps + int_{t_eps}^1 r(t) dt, about 20.26 with the defaults."""
    tail, _ = integrate.quad(_r, T_EPS, 1.0, limit=200)
    expected = _r(T_EPS) * T_EPS + tail
    assert sde.normaliser == pytest.approx(expected, rel=1e-6)
    assert sde.normaliser == pytest.approx(20.26, abs=0.01)
    assert sde.tail_mass == pytest.approx(tail, rel=1e-6)


def test_variance_preserving(sde):
    """k_t^2 + s_t^2 = 1 at every time, and k_t matches the closed form of METHOD.md."""
    t = torch.linspace(0, 1, 1001, dtype=torch.float64).unsqueeze(1)
    k, s = sde.mean_coef(t), sde.std(t)
    torch.testing.assert_close(k**2 + s**2, torch.ones_like(t), rtol=0, atol=1e-12)
    closed = torch.exp(-0.25 * t**2 * (BETA_MAX - BETA_MIN) - 0.5 * t * BETA_MIN)
    torch.testing.assert_close(k, closed)
    assert float(k[-1]) == pytest.approx(0.0066, abs=2e-4)  # METHOD.md section 2


def test_perturb_has_the_kernel_moments(sde):
    """z_t = k_t z_0 + s_t eps has mean k_t z_0 and standard deviation s_t."""
    gen = torch.Generator().manual_seed(0)
    t = torch.full((100_000, 1), 0.3)
    eps = torch.randn(100_000, 1, generator=gen)
    z = sde.perturb(torch.full((100_000, 1), 2.0), t, eps)
    k, s = float(sde.mean_coef(t[:1])), float(sde.std(t[:1]))
    assert float(z.mean()) == pytest.approx(2 * k, abs=4 * s / math.sqrt(100_000))
    assert float(z.std()) == pytest.approx(s, rel=0.01)


def test_likelihood_weight_is_r(sde):
    """likelihood_weight(t) = beta(t) / s_t^2."""
    ts = [1e-4, 1e-3, 0.01, 0.3, 1.0]
    got = sde.likelihood_weight(torch.tensor(ts, dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), [_r(t) for t in ts], rtol=1e-10)


# ------------------------------------------------------- importance sampling of t
def test_sample_time_range_and_shape(sde):
    """Times have shape (n, 1), lie in (0, 1], and about r(t_eps) t_eps / Z of them
    fall in the flat part [0, t_eps]."""
    t = _draw(sde)
    assert t.shape == (N_DRAWS, 1)
    assert float(t.min()) > 0 and float(t.max()) <= 1.0
    flat_share = float((t < T_EPS).double().mean())
    expected = _r(T_EPS) * T_EPS / sde.normaliser
    assert flat_share == pytest.approx(expected, abs=4 * math.sqrt(expected / N_DRAWS))


def test_sample_time_follows_q(sde):
    """The empirical CDF of the draws matches q(t) proportional to r(max(t, t_eps))."""
    t = _draw(sde).squeeze(1).double().numpy()
    d = _ks_distance(t, _q_cdf())
    assert d < 0.006  # the 0.1 % critical value at n = 200k is about 0.0044
    # the check has power: uniform draws are far from q
    assert _ks_distance(np.random.default_rng(0).uniform(size=N_DRAWS), _q_cdf()) > 0.1


def test_truncated_sample_time_follows_q_on_the_tail(sde):
    """small_times="drop" draws from q restricted to [t_eps, 1]."""
    t = _draw(sde, small_times="drop").squeeze(1).double().numpy()
    assert t.min() >= T_EPS * (1 - 1e-5) and t.max() <= 1.0
    assert _ks_distance(t, _q_cdf(truncate=True)) < 0.006


def test_uniform_sample_time_without_importance_sampling():
    """importance_sampling=False draws uniformly on [t_eps, 1]."""
    sde = VPSDE(BETA_MIN, BETA_MAX, T_EPS, importance_sampling=False)
    t = _draw(sde).squeeze(1).double().numpy()
    assert t.min() >= T_EPS and t.max() <= 1.0
    assert _ks_distance(t, lambda u: np.clip((u - T_EPS) / (1 - T_EPS), 0, 1)) < 0.006


SMOOTH = {
    "1-exp(-t)": lambda t: 1 - np.exp(-t),
    "s_t^2": lambda t: -np.expm1(-(BETA_MIN * t + 0.5 * (BETA_MAX - BETA_MIN) * t**2)),
}


def _weighted_mean(sde, f, small_times="flat", seed=1):
    t = _draw(sde, seed=seed, small_times=small_times)
    w = sde.importance_weight(t, small_times).squeeze(1).double().numpy()
    vals = w * f(t.squeeze(1).double().numpy())
    return vals.mean(), vals.std() / math.sqrt(len(vals))


@pytest.mark.parametrize("f", SMOOTH.values(), ids=SMOOTH.keys())
def test_importance_weight_integral_identity(sde, f):
    """E_q[importance_weight(t) f(t)] = int_0^1 r(t) f(t) dt."""
    expected, _ = integrate.quad(
        lambda t: _r(t) * f(t), 0, 1, points=[T_EPS], limit=200
    )
    mean, se = _weighted_mean(sde, f)
    assert abs(mean - expected) < 4 * se + 1e-6 * expected
    assert se < 0.01 * expected  # the check is tight enough to mean something


def test_importance_weight_below_t_eps(sde):
    """The flat branch: below t_eps the weight is Z r(t) / r(t_eps), not Z, so that
    the identity also holds for an f that lives on [0, t_eps] only."""

    def f(t):
        return t * (t < T_EPS)

    expected, _ = integrate.quad(lambda t: _r(t) * t, 0, T_EPS)
    mean, se = _weighted_mean(sde, f)
    assert abs(mean - expected) < 4 * se
    assert se < 0.05 * expected


@pytest.mark.parametrize("f", SMOOTH.values(), ids=SMOOTH.keys())
def test_clamped_importance_weight_integral_identity(sde, f):
    """With small_times="clamp", E[weight f(t)] reads [0, t_eps] as the rectangle
    t_eps r(t_eps) f(t_eps) and [t_eps, 1] exactly."""
    tail, _ = integrate.quad(lambda t: _r(t) * f(t), T_EPS, 1, limit=200)
    expected = tail + T_EPS * _r(T_EPS) * f(T_EPS)
    mean, se = _weighted_mean(sde, f, small_times="clamp")
    assert abs(mean - expected) < 4 * se + 1e-6 * expected
    assert se < 0.01 * expected
    assert _draw(sde, small_times="clamp").min() >= T_EPS


def test_clamped_reading_has_bounded_weights(sde):
    """The heavy draws' cause: an integrand that does not vanish at t -> 0 has
    weights up to Z r(1e-7) / r(t_eps) on q's flat branch, and never more than Z
    once small times are clamped."""
    t_flat, t_clamp = _draw(sde), _draw(sde, small_times="clamp")
    z = sde.normaliser
    assert sde.importance_weight(t_flat).max() > 50 * z
    assert sde.importance_weight(t_clamp).max() <= z * (1 + 1e-6)


@pytest.mark.parametrize("f", SMOOTH.values(), ids=SMOOTH.keys())
def test_truncated_importance_weight_integral_identity(sde, f):
    """With small_times="drop", E[weight f(t)] = int_{t_eps}^1 r(t) f(t) dt."""
    expected, _ = integrate.quad(lambda t: _r(t) * f(t), T_EPS, 1, limit=200)
    mean, se = _weighted_mean(sde, f, small_times="drop")
    assert abs(mean - expected) < 4 * se + 1e-6 * expected
    assert se < 0.01 * expected


@pytest.mark.parametrize("f", SMOOTH.values(), ids=SMOOTH.keys())
def test_uniform_importance_weight_integral_identity(f):
    """importance_sampling=False: E[weight f(t)] = int_{t_eps}^1 r(t) f(t) dt."""
    sde = VPSDE(BETA_MIN, BETA_MAX, T_EPS, importance_sampling=False)
    expected, _ = integrate.quad(lambda t: _r(t) * f(t), T_EPS, 1, limit=200)
    mean, se = _weighted_mean(sde, f)
    assert abs(mean - expected) < 4 * se + 1e-6 * expected
    assert se < 0.02 * expected


@pytest.mark.parametrize(
    "beta_min,beta_max,t_eps", [(0.1, 20.0, 1e-2), (0.5, 5.0, 1e-3)]
)
def test_other_schedules(beta_min, beta_max, t_eps):
    """The normaliser and the identity hold for non-default schedules too."""
    sde = VPSDE(beta_min, beta_max, t_eps)

    def r(t):
        return _r(t, beta_min, beta_max)

    tail, _ = integrate.quad(r, t_eps, 1, limit=200)
    assert sde.normaliser == pytest.approx(r(t_eps) * t_eps + tail, rel=1e-6)

    def f(t):
        return 1 - np.exp(-t)

    expected, _ = integrate.quad(lambda t: r(t) * f(t), 0, 1, points=[t_eps], limit=200)
    mean, se = _weighted_mean(sde, f)
    assert abs(mean - expected) < 4 * se + 1e-6 * expected


# ------------------------------------------------------------ the Gaussian reference
def test_reference_noise_sigma_one_is_s_t_z(sde):
    """For sigma = 1, chi_t = 1 and the reference noise is s_t z."""
    gen = torch.Generator().manual_seed(0)
    t = sde.sample_time(1000, gen, torch.device("cpu"))
    z = torch.randn(1000, 3, generator=gen)
    torch.testing.assert_close(reference_noise(z, t, sde, 1.0), sde.std(t) * z)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0])
def test_reference_noise_is_the_posterior_mean_of_the_noise(sde, sigma):
    """For z_0 ~ N(0, sigma^2), E[eps | z_t] is linear in z_t; a least-squares fit of
    eps on z_t recovers the slope that reference_noise uses."""
    gen = torch.Generator().manual_seed(0)
    n = 200_000
    for t0 in (0.05, 0.2, 0.7):
        t = torch.full((n, 1), t0, dtype=torch.float64)
        z0 = sigma * torch.randn(n, 1, generator=gen, dtype=torch.float64)
        eps = torch.randn(n, 1, generator=gen, dtype=torch.float64)
        zt = sde.perturb(z0, t, eps)
        slope = float((zt * eps).sum() / (zt * zt).sum())
        resid = eps - slope * zt
        se = float(resid.std() / (zt.square().sum().sqrt()))
        one = torch.ones(1, 1, dtype=torch.float64)
        expected = float(reference_noise(one, t[:1], sde, sigma))
        assert abs(slope - expected) < 4 * se
        assert se < 0.05 * expected


# ------------------------------------------------------------- network inputs
def test_network_input_roles(sde):
    """The table of METHOD.md section 4: a diffused variable is fed k_t v + s_t eps
    with time t, a clean one v with time 0, an absent one zeros with time 1."""
    gen = torch.Generator().manual_seed(0)
    v, eps = torch.randn(3, 2, generator=gen), torch.randn(3, 2, generator=gen)
    t = torch.tensor([[0.3], [0.3], [0.3]])
    role = torch.tensor([[DIFFUSED], [CLEAN], [ABSENT]])
    value, time = network_input(v, role, t, eps, sde)
    k, s = sde.mean_coef(t[:1]), sde.std(t[:1])
    torch.testing.assert_close(value[0], (k * v[:1] + s * eps[:1])[0])
    torch.testing.assert_close(value[1], v[1])
    torch.testing.assert_close(value[2], torch.zeros(2))
    torch.testing.assert_close(time, torch.tensor([[0.3], [0.0], [1.0]]))


@pytest.mark.parametrize(
    "name,share,expected",
    [
        ("c", 0.5, [0.5, 0.5]),
        ("j", 0.5, [0.5, 0.25, 0.25]),
        ("c", 0.8, [0.2, 0.8]),
        ("j", 0.8, [0.2, 0.4, 0.4]),
    ],
)
def test_training_roles_follow_the_conditional_share(name, share, expected):
    """Each call's roles are drawn with the odds ``conditional_share`` sets: the
    default is the mixture of earlier versions (C 1:1, J 2:1:1), and the drawn
    frequencies match the odds within 4 standard errors."""
    variant = type(VARIANTS[name])(share)
    np.testing.assert_allclose(variant.mixture, expected)
    n = 40_000
    gen = torch.Generator().manual_seed(0)
    role_x, role_y = variant.training_roles(n, gen, "cpu")
    roles = torch.cat([role_x, role_y], 1).tolist()
    for call, p in zip(variant.calls, expected, strict=True):
        freq = sum(r == list(call) for r in roles) / n
        assert abs(freq - p) < 4 * math.sqrt(p * (1 - p) / n)


# ------------------------------------------- estimator formulas with exact scores
def _exact_predict_noise(cov):
    """A drop-in for ``_variants.predict_noise`` that returns the exact noise
    prediction E[eps | network input] for data ``[x; y; z] ~ N(0, cov)``, where the
    conditioning variable z (possibly with 0 columns) is clean in every call.

    A diffused coordinate is observed as ``k_t v + s_t eps``, a clean one as ``v``
    (k = 1, s = 0), an absent one not at all (k = 0, s = 1, value 0). The observation
    is Gaussian with covariance ``K cov K + S^2``, and ``E[eps | w] = S C^-1 w``.
    """
    cov = torch.as_tensor(cov, dtype=torch.float64)

    def predict_noise(network, x, y, z, role_x, role_y, t, eps_x, eps_y, sde):
        dx, dy = x.shape[1], y.shape[1]
        v = torch.cat([x, y, z], 1).double()
        eps = torch.cat([eps_x, eps_y, torch.zeros_like(z)], 1).double()
        role_z = torch.full(z.shape, CLEAN, dtype=role_x.dtype)
        role = torch.cat([role_x.expand_as(x), role_y.expand_as(y), role_z], 1)
        t = t.double()
        k = torch.where(role == DIFFUSED, sde.mean_coef(t), (role == CLEAN).double())
        s = torch.where(role == DIFFUSED, sde.std(t), (role == ABSENT).double())
        w = torch.where(role == ABSENT, torch.zeros_like(v), k * v + s * eps)
        c = k[:, :, None] * cov * k[:, None, :] + torch.diag_embed(s**2)
        out = (s * torch.linalg.solve(c, w.unsqueeze(-1)).squeeze(-1)).to(x.dtype)
        return out[:, :dx], out[:, dx : dx + dy]

    return predict_noise


def _gaussian_truth(cov, dx):
    """Closed-form MI, entropies and expected log-densities of N(0, cov) split at dx."""

    def h(c):
        c = np.atleast_2d(c)
        gauss = 0.5 * len(c) * math.log(2 * math.pi * math.e)
        return gauss + 0.5 * np.linalg.slogdet(c)[1]

    cxx, cyy = cov[:dx, :dx], cov[dx:, dx:]
    cxy = cov[:dx, dx:]
    h_x_given_y = h(cxx - cxy @ np.linalg.solve(cyy, cxy.T))
    h_y_given_x = h(cyy - cxy.T @ np.linalg.solve(cxx, cxy))
    out = {"xy": h(cov), "x": h(cxx), "y": h(cyy)}
    out.update({"x|y": h_x_given_y, "y|x": h_y_given_x})
    out["mi"] = out["x"] + out["y"] - out["xy"]
    # expected log-likelihoods bounded by each variant (METHOD.md section 6)
    out["ll_c"] = -(out["x"] + out["x|y"])
    out["ll_j"] = -(out["xy"] + out["x|y"] + out["y|x"])
    return out


COVARIANCES = {
    "rho=0.8": (np.array([[1.0, 0.8], [0.8, 1.0]]), 1),
    "2+1 dims": (np.array([[1.0, 0.3, 0.6], [0.3, 1.0, -0.5], [0.6, -0.5, 1.0]]), 2),
}


def _exact_terms(
    monkeypatch,
    cov,
    dx,
    name,
    sigma,
    n=100_000,
    seed=0,
    likelihood=False,
    dz=0,
    reference_cov=None,
):
    """Per-row terms of variant ``name`` with the exact scores of ``N(0, cov)`` over
    ``[x; y; z]``, z the last ``dz`` columns; with ``reference_cov``, read against
    the Gaussian reference of that covariance (``reference="gaussian"``)."""
    monkeypatch.setattr(variants, "predict_noise", _exact_predict_noise(cov))
    sde = VPSDE(BETA_MIN, BETA_MAX, T_EPS)
    gen = torch.Generator().manual_seed(seed)
    chol = torch.linalg.cholesky(torch.tensor(cov, dtype=torch.float64)).float()
    v = torch.randn(n, len(cov), generator=gen) @ chol.T
    x, y, z = v[:, :dx], v[:, dx : len(cov) - dz], v[:, len(cov) - dz :]
    t = sde.sample_time(
        n, gen, torch.device("cpu"), small_times="drop" if likelihood else "clamp"
    )
    ex, ey = torch.randn(x.shape, generator=gen), torch.randn(y.shape, generator=gen)
    variant = VARIANTS[name]
    network = None
    if reference_cov is not None:  # predict_noise is exact; only the reference is read
        reference = GaussianReference(reference_cov, dx, variant.calls, d_z=dz)
        network = types.SimpleNamespace(reference=reference)
    with torch.no_grad():
        if likelihood:
            return variant.likelihood_terms(None, x, y, z, t, ex, ey, sde).double()
        terms = variant.mi_terms(network, x, y, z, t, ex, ey, sde, sigma)
    return {k: v.double() for k, v in terms.items()}


@pytest.mark.parametrize("cov,dx", COVARIANCES.values(), ids=COVARIANCES.keys())
@pytest.mark.parametrize("name", ["c", "j"])
@pytest.mark.parametrize("shrink", [0.0, 0.5])
def test_sigma_forms_against_a_fitted_gaussian_with_exact_scores(
    monkeypatch, cov, dx, name, shrink
):
    """Read against a Gaussian reference ``q`` (``reference="gaussian"``), every
    entropy is ``E[-log q] - KL(p || q)`` and the sigma form adds the reference's
    cross-entropy difference: with exact scores they average to the closed forms,
    whether ``q`` is the data's own Gaussian (every KL is 0) or a wrong one,
    ``(1 - shrink) cov + shrink I``."""
    truth = _gaussian_truth(cov, dx)
    reference_cov = (1 - shrink) * cov + shrink * np.eye(len(cov))
    terms = _exact_terms(monkeypatch, cov, dx, name, 1.0, reference_cov=reference_cov)
    _assert_closed_forms(terms, truth)
    if shrink == 0.0:  # the KLs vanish: the sigma form is the cross-entropy part
        assert float(terms["mi_sigma"].std()) < float(terms["mi"].std())


def _mean_se(a):
    return float(a.mean()), float(a.std() / math.sqrt(len(a)))


def _assert_closed_forms(terms, truth):
    """Every MI and entropy term averages to its closed form in ``truth`` (up to
    Monte Carlo noise and the dropped KL at T, about 1e-4)."""
    expected = {"mi": truth["mi"], "mi_sigma": truth["mi"]}
    expected.update({k: truth[k[2:]] for k in terms if k.startswith("h_")})
    assert set(terms) == set(expected)
    for key, value in expected.items():
        mean, se = _mean_se(terms[key])
        assert abs(mean - value) < 4 * se + 5e-3, (key, mean, value, se)


@pytest.mark.parametrize("cov,dx", COVARIANCES.values(), ids=COVARIANCES.keys())
@pytest.mark.parametrize("name", ["c", "j"])
@pytest.mark.parametrize("sigma", [1.0, 0.5, 2.0])
def test_estimates_with_exact_scores(monkeypatch, cov, dx, name, sigma):
    """With the exact Gaussian scores, every MI and entropy term averages to its
    closed form (up to Monte Carlo noise and the dropped KL at T, about 1e-4)."""
    truth = _gaussian_truth(cov, dx)
    terms = _exact_terms(monkeypatch, cov, dx, name, sigma)
    _assert_closed_forms(terms, truth)


@pytest.mark.parametrize("cov,dx", COVARIANCES.values(), ids=COVARIANCES.keys())
@pytest.mark.parametrize("name", ["c", "j"])
def test_likelihood_bound_with_exact_scores(monkeypatch, cov, dx, name):
    """With the exact scores the bound of METHOD.md section 6 is tight: its mean
    matches the true expected log-likelihood of the densities the variant uses."""
    truth = _gaussian_truth(cov, dx)[f"ll_{name}"]
    mean, se = _mean_se(_exact_terms(monkeypatch, cov, dx, name, None, likelihood=True))
    assert abs(mean - truth) < 4 * se + 0.01, (mean, truth, se)
    assert se < 0.15


def test_likelihood_bound_is_a_lower_bound_for_a_wrong_model(monkeypatch):
    """A model with the wrong covariance scores below the truth by about the KL
    divergence between the two Gaussians (the bound cannot exceed log p)."""
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    truth = _gaussian_truth(cov, 1)["ll_c"]
    monkeypatch.setattr(variants, "predict_noise", _exact_predict_noise(np.eye(2)))
    sde = VPSDE(BETA_MIN, BETA_MAX, T_EPS)
    gen = torch.Generator().manual_seed(0)
    n = 100_000
    chol = torch.linalg.cholesky(torch.tensor(cov)).float()
    v = torch.randn(n, 2, generator=gen) @ chol.T
    t = sde.sample_time(n, gen, torch.device("cpu"), small_times="drop")
    ex, ey = torch.randn(n, 1, generator=gen), torch.randn(n, 1, generator=gen)
    x, y, z = v[:, :1], v[:, 1:], v[:, :0]
    with torch.no_grad():
        bound = VARIANTS["c"].likelihood_terms(None, x, y, z, t, ex, ey, sde)
    mean, se = _mean_se(bound.double())
    # the independent model gets log p(x) right and log p(x | y) wrong by the MI
    assert mean < truth - _gaussian_truth(cov, 1)["mi"] + 4 * se + 0.01
    assert mean > truth - _gaussian_truth(cov, 1)["mi"] - 4 * se - 0.05


# ------------------------------------------ the fitted Gaussian in the network skip
CALLS = (
    (DIFFUSED, ABSENT),
    (DIFFUSED, CLEAN),
    (DIFFUSED, DIFFUSED),
    (CLEAN, DIFFUSED),
    (ABSENT, DIFFUSED),
)


def _covariance(loadings, order):
    """``L L^T`` for lower-triangular loadings ``L`` (a linear model in which each
    variable is built from the ones before it plus its own noise), with the
    coordinates then put in ``order``."""
    low = np.asarray(loadings, dtype=float)
    cov = low @ low.T
    return cov[np.ix_(order, order)]


#: Covariances of ``[x; y; z]`` with ``(d_x, d_z)``. "1+1+1": z a common cause of x
#: and y, x a cause of y (built in the order z, x, y). "2+1+2": random loadings.
CMI_COVARIANCES = {
    "1+1+1": (
        _covariance([[1.0, 0, 0], [0.9, 0.5, 0], [1.06, 0.2, 0.5]], [1, 2, 0]),
        1,
        1,
    ),
    "2+1+2": (
        _covariance(
            np.tril(np.random.default_rng(4).normal(size=(5, 5)) * 0.6, -1) + np.eye(5),
            range(5),
        ),
        2,
        2,
    ),
}

#: Every covariance with its ``(d_x, d_z)``: without z and with it.
ALL_COVARIANCES = {
    **{k: (cov, dx, 0) for k, (cov, dx) in COVARIANCES.items()},
    **CMI_COVARIANCES,
}


@pytest.mark.parametrize(
    "cov,dx,dz", ALL_COVARIANCES.values(), ids=ALL_COVARIANCES.keys()
)
def test_gaussian_reference_is_the_exact_gaussian_noise_prediction(cov, dx, dz):
    """With the network's output at zero (its initial state), the Gaussian reference
    predicts exactly E[eps | input] of N(0, cov) for every role pair, given the clean
    z when there is one, which the test computes by solving the full observation
    covariance instead."""
    from sklearn_minde._network import ScoreNetwork
    from sklearn_minde._reference import GaussianReference

    sde = VPSDE(BETA_MIN, BETA_MAX, T_EPS)
    d = len(cov)
    network = ScoreNetwork(
        d - dz,
        8,
        1,
        "silu",
        n_conditioning=dz,
        reference=GaussianReference(cov, dx, CALLS, dz),
    )
    gen = torch.Generator().manual_seed(0)
    n = 500
    v = torch.randn(n, d, generator=gen)
    x, y, z = v[:, :dx], v[:, dx : d - dz], v[:, d - dz :]
    pick = torch.randint(len(CALLS), (n,), generator=gen)
    roles = torch.tensor(CALLS)[pick]
    t = sde.sample_time(n, gen, torch.device("cpu"))
    ex, ey = torch.randn(x.shape, generator=gen), torch.randn(y.shape, generator=gen)
    args = (x, y, z, roles[:, :1], roles[:, 1:], t, ex, ey, sde)
    with torch.no_grad():
        got = torch.cat(variants.predict_noise(network, *args), 1)
    want = torch.cat(_exact_predict_noise(cov)(None, *args), 1)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


# ------------------------------------------------ conditional MI (section 10)
def _gaussian_cmi_truth(cov, dx, dz):
    """Closed-form I(X; Y | Z) and conditional entropies of N(0, cov) over
    ``[x; y; z]``: the CMI by the log-determinant formula of METHOD.md section 10,
    each entropy ``H(A | B)`` from the Schur complement of B's block."""
    d = len(cov)
    cols = {"x": range(dx), "y": range(dx, d - dz), "z": range(d - dz, d)}

    def idx(names):
        return [i for v in names for i in cols[v]]

    def logdet(names):
        return np.linalg.slogdet(cov[np.ix_(idx(names), idx(names))])[1]

    def h(a, b):
        ia, ib = idx(a), idx(b)
        c_ab = cov[np.ix_(ia, ib)]
        schur = cov[np.ix_(ia, ia)] - c_ab @ np.linalg.solve(
            cov[np.ix_(ib, ib)], c_ab.T
        )
        gauss = 0.5 * len(ia) * math.log(2 * math.pi * math.e)
        return gauss + 0.5 * np.linalg.slogdet(schur)[1]

    out = {"x|z": h("x", "z"), "x|y,z": h("x", "yz"), "xy|z": h("xy", "z")}
    out.update({"y|x,z": h("y", "xz"), "y|z": h("y", "z")})
    out["mi"] = 0.5 * (logdet("xz") + logdet("yz") - logdet("z") - logdet("xyz"))
    return out


@pytest.mark.parametrize(
    "cov,dx,dz", CMI_COVARIANCES.values(), ids=CMI_COVARIANCES.keys()
)
@pytest.mark.parametrize("name", ["c", "j"])
@pytest.mark.parametrize("sigma", [1.0, 0.5])
def test_conditional_estimates_with_exact_scores(monkeypatch, cov, dx, dz, name, sigma):
    """With the exact Gaussian scores given a clean z, the MI terms of both forms
    average to the closed-form I(X; Y | Z) and the entropy terms to the conditional
    entropies (H(X | Z), H(X | Y, Z), ...), up to Monte Carlo noise."""
    from sklearn_minde._reader import given_z

    truth = _gaussian_cmi_truth(cov, dx, dz)
    d_xy = len(cov) - dz
    unconditional = _gaussian_truth(cov[:d_xy, :d_xy], dx)["mi"]
    assert abs(truth["mi"] - unconditional) > 0.1  # the z matters
    terms = _exact_terms(monkeypatch, cov, dx, name, sigma, dz=dz)
    for key, values in terms.items():
        value = truth["mi"] if key.startswith("mi") else truth[given_z(key[2:])]
        mean, se = _mean_se(values)
        assert abs(mean - value) < 4 * se + 5e-3, (key, mean, value, se)


@pytest.mark.parametrize("name", ["c", "j"])
def test_conditional_likelihood_bound_with_exact_scores(monkeypatch, name):
    """With the exact scores given z the bound matches the expected conditional
    log-likelihoods: log p(x | z) + log p(x | y, z) for "c"; for "j",
    log p(x, y | z) + log p(x | y, z) + log p(y | x, z)."""
    cov, dx, dz = CMI_COVARIANCES["1+1+1"]
    truth = _gaussian_cmi_truth(cov, dx, dz)
    keys = {"c": ("x|z", "x|y,z"), "j": ("xy|z", "x|y,z", "y|x,z")}[name]
    expected = -sum(truth[k] for k in keys)
    terms = _exact_terms(monkeypatch, cov, dx, name, None, likelihood=True, dz=dz)
    mean, se = _mean_se(terms)
    assert abs(mean - expected) < 4 * se + 0.01, (mean, expected, se)


@pytest.mark.parametrize("name", ["c", "j"])
def test_untrained_network_with_gaussian_reference_reads_the_gaussian_mi(name):
    """Fitted with one step at a vanishing learning rate, the estimator reads the
    closed-form MI of the data's Gaussian: exact on Gaussian data."""
    from sklearn_minde import MINDEEstimator

    cov, dx = COVARIANCES["2+1 dims"]
    rng = np.random.default_rng(0)
    v = rng.multivariate_normal(np.zeros(len(cov)), cov, size=20_000)
    est = MINDEEstimator(
        variant=name,
        reference="gaussian",
        max_iter=1,
        learning_rate=1e-12,
        n_estimation_passes=8,
        validation_fraction=0.5,
        random_state=0,
    ).fit(v[:, :dx], v[:, dx:])
    truth = _gaussian_truth(cov, dx)
    for key, value in est.estimates_.items():
        se = est.estimates_std_[key]
        assert abs(value - truth["mi"]) < 4 * se + 0.01, (key, value, truth["mi"])
    for key, value in est.entropies_.items():
        # Monte Carlo noise of 80,000 draws: about 0.01 nats
        assert abs(value - truth[key]) < 0.05, (key, value, truth[key])
    standard = MINDEEstimator(
        variant=name, max_iter=1, learning_rate=1e-12, random_state=0
    ).fit(v[:, :dx], v[:, dx:])
    assert standard.mutual_information_ < 1e-6  # the independent reference reads 0


@pytest.mark.parametrize("name", ["c", "j"])
def test_untrained_network_with_gaussian_reference_reads_the_gaussian_cmi(name):
    """With conditioning columns, the Gaussian reference conditions every role on
    z: the untrained network reads the closed-form I(X; Y | Z) and the conditional
    entropies, in the units of the data. Z stands first in X here, so the test also
    checks that the named columns, not the last ones, are taken as Z."""
    from sklearn_minde import MINDEEstimator

    cov, dx, dz = CMI_COVARIANCES["2+1+2"]
    rng = np.random.default_rng(0)
    v = rng.multivariate_normal(np.zeros(len(cov)), cov, size=20_000)
    x, y, z = v[:, :dx], v[:, dx : len(cov) - dz], v[:, len(cov) - dz :]
    scale = np.array([3.0, 0.5])  # units of x: the entropies shift by log(scale)
    est = MINDEEstimator(
        variant=name,
        conditioning_columns=list(range(dz)),
        reference="gaussian",
        max_iter=1,
        learning_rate=1e-12,
        validation_fraction=0.5,
        random_state=0,
    ).fit(np.hstack([z, x * scale]), y)
    truth = _gaussian_cmi_truth(cov, dx, dz)
    for key, value in est.estimates_.items():
        se = est.estimates_std_[key]
        assert abs(value - truth["mi"]) < 4 * se + 0.01, (key, value, truth["mi"])
    shift = {"x": np.log(scale).sum(), "y": 0.0}
    for key, value in est.entropies_.items():
        expected = truth[key] + sum(shift.get(v, 0.0) for v in key.split("|")[0])
        assert abs(value - expected) < 0.05, (key, value, expected)


def test_chain_rule_with_the_untrained_gaussian_reference():
    """I(X; (Y, Z)) = I(X; Z) + I(X; Y | Z), each read by its own estimator (the
    Gaussian reference, untrained: exact on Gaussian data up to Monte Carlo noise),
    within the standard errors."""
    from sklearn_minde import MINDEEstimator

    cov, dx, dz = CMI_COVARIANCES["2+1+2"]
    rng = np.random.default_rng(1)
    v = rng.multivariate_normal(np.zeros(len(cov)), cov, size=20_000)
    x, yz, z = v[:, :dx], v[:, dx:], v[:, len(cov) - dz :]
    settings = dict(
        reference="gaussian",
        max_iter=1,
        learning_rate=1e-12,
        validation_fraction=0.5,
        random_state=0,
    )
    joint = MINDEEstimator(**settings).fit(x, yz)
    marginal = MINDEEstimator(**settings).fit(x, z)
    conditional = MINDEEstimator(conditioning_columns=slice(dx, None), **settings).fit(
        np.hstack([x, z]), yz[:, : len(cov) - dx - dz]
    )
    parts = (joint, marginal, conditional)
    gap = joint.mutual_information_ - (
        marginal.mutual_information_ + conditional.mutual_information_
    )
    se = math.sqrt(sum(e.mutual_information_std_**2 for e in parts))
    assert conditional.mutual_information_ > 0.3  # every term matters
    assert marginal.mutual_information_ > 0.1
    assert abs(gap) < 4 * se + 0.01, (gap, se)
