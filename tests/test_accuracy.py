"""Accuracy on Gaussian data, where MI, entropies and log-likelihoods are known in
closed form.

The fast tests use one seed, 4000 rows and a pinned configuration (``FAST``), so that
they do not move when the defaults are retuned; each fit takes a few seconds. The
multi-seed and 5-D studies are marked ``slow`` (``pytest -m slow``).
Tolerances follow the project's issue: about 0.1 nats, about 20 % of the truth.
"""

import math

import numpy as np
import pytest
from conftest import gaussian_entropy, gaussian_mi, gaussian_pair
from scipy.special import digamma, gammaln
from scipy.stats import norm

from sklearn_minde import HeavyTailWarning, MINDEEstimator

RHO = 0.8
N = 4000
#: Non-unit scales, so that the unit shift of entropies and the Jacobian of the
#: likelihood bound are exercised (MI does not depend on them).
X_SCALE, Y_SCALE = 3.0, 0.5
FAST = dict(
    hidden_dim=32,
    batch_size=256,
    learning_rate=2e-3,
    max_iter=1500,
    early_stopping=False,
    n_estimation_passes=4,
    device="cpu",
    random_state=0,
)


def _fresh(n=20_000, seed=123):
    return gaussian_pair(n, RHO, seed=seed, x_scale=X_SCALE, y_scale=Y_SCALE)


@pytest.fixture(scope="module")
def data():
    return gaussian_pair(N, RHO, seed=0, x_scale=X_SCALE, y_scale=Y_SCALE)


@pytest.fixture(scope="module")
def fitted(data):
    """One MINDE-C and one MINDE-J model on the same data, fitted once per module."""
    X, y = data
    return {v: MINDEEstimator(variant=v, **FAST).fit(X, y) for v in ("c", "j")}


def _true_log_likelihood(X, y, variant):
    """Per-row sum of the log-densities that each variant's bound covers."""
    x = X[:, 0]
    c = math.sqrt(1 - RHO**2)
    log_x = norm.logpdf(x, scale=X_SCALE)
    log_x_given_y = norm.logpdf(x, RHO * X_SCALE / Y_SCALE * y, c * X_SCALE)
    log_y_given_x = norm.logpdf(y, RHO * Y_SCALE / X_SCALE * x, c * Y_SCALE)
    if variant == "c":
        return log_x + log_x_given_y
    return (log_x + log_y_given_x) + log_x_given_y + log_y_given_x


@pytest.mark.parametrize("variant", ["c", "j"])
def test_gaussian_mi(fitted, variant):
    """MINDE-C and MINDE-J recover the MI of a correlated Gaussian pair within 0.1
    nats (20 %), both on the held-out rows of fit and on a large fresh sample."""
    est = fitted[variant]
    truth = gaussian_mi(RHO)
    assert est.mutual_information_ == pytest.approx(truth, abs=0.1)
    mi, std = est.estimate(*_fresh())
    assert mi == pytest.approx(truth, abs=0.1)
    # the reported standard error is of the right order: the oracle's sampling error
    # on the 800 held-out rows is rho / sqrt(800), about 0.028 (METHOD.md section 8)
    assert 0.01 < est.mutual_information_std_ < 0.1
    assert std < est.mutual_information_std_


def test_independent_variables_give_mi_near_zero():
    """Independent X and y: the plain estimate is close to 0."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(2000, 2)), rng.normal(size=2000)
    est = MINDEEstimator(**dict(FAST, max_iter=500)).fit(X, y)
    assert est.mutual_information_ >= 0  # a squared norm
    assert est.mutual_information_ < 0.05
    assert abs(est.estimates_["minde_c_sigma"]) < 0.05


def test_entropies_in_original_units(fitted):
    """MINDE-C entropies of X with standard deviation 3 match the closed form
    0.5 log(2 pi e) + log 3 (this checks the shift back from standardised units)."""
    ent = fitted["c"].entropies_
    h_x = gaussian_entropy([X_SCALE])
    assert ent["x"] == pytest.approx(h_x, abs=0.1)
    assert ent["x|y"] == pytest.approx(h_x - gaussian_mi(RHO), abs=0.15)
    # the shift matters: without it the estimate would be off by log 3 = 1.1 nats
    assert abs(ent["x"] - gaussian_entropy([1.0])) > 0.9


def test_minde_j_is_symmetric(data, fitted):
    """MINDE-J gives about the same MI for (X, y) and (y, X)."""
    X, y = data
    swapped = MINDEEstimator(variant="j", **FAST).fit(y.reshape(-1, 1), X[:, 0])
    assert swapped.mutual_information_ == pytest.approx(
        fitted["j"].mutual_information_, abs=0.1
    )
    assert swapped.mutual_information_ == pytest.approx(gaussian_mi(RHO), abs=0.1)


@pytest.mark.parametrize("variant", ["c", "j"])
def test_score_bounds_the_true_log_likelihood(fitted, variant):
    """The mean score_samples on fresh data lies below the true mean
    log-likelihood of the densities the variant models (up to Monte Carlo noise) and
    within 0.15 nats of it, in the original units of X and y."""
    X, y = _fresh()
    bound = fitted[variant].score_samples(X, y)
    diff = bound - _true_log_likelihood(X, y, variant)
    mean, se = diff.mean(), diff.std(ddof=1) / math.sqrt(len(diff))
    assert se < 0.15  # Monte Carlo noise of the bound; without this the check is void
    assert mean < 3 * se
    assert mean > -0.15 - 3 * se


@pytest.mark.xfail(
    strict=True,
    reason="MINDE-J's sigma estimate is biased low (0.16 for a true 0.51 at n=4000): "
    "the errors of its three KL terms against N(0, I) do not cancel (the plain "
    "estimate from the same network is off by 0.01)",
)
def test_minde_j_sigma_estimate(fitted):
    """MINDE-J's sigma form agrees with the truth within 0.1 nats."""
    assert fitted["j"].estimates_["minde_j_sigma"] == pytest.approx(gaussian_mi(RHO),
                                                                    abs=0.1)


@pytest.mark.xfail(
    strict=True,
    reason="MINDE-J's entropies are off at n=4000: H(X|Y), H(Y|X) 0.12-0.13 nats too "
    "high, H(X), H(Y) (derived from them) 0.22-0.23 too low, H(X,Y) 0.10 too low",
)
def test_minde_j_entropies(fitted):
    """MINDE-J's entropies agree with the closed forms within 0.1 nats, in original
    units (scales 3 and 0.5)."""
    mi = gaussian_mi(RHO)
    h_x, h_y = gaussian_entropy([X_SCALE]), gaussian_entropy([Y_SCALE])
    expected = {
        "xy": h_x + h_y - mi, "x": h_x, "y": h_y, "x|y": h_x - mi, "y|x": h_y - mi
    }
    got = {k: fitted["j"].entropies_[k] for k in expected}
    assert got == pytest.approx(expected, abs=0.1)


# --------------------------------------------------------------------- slow studies
SEEDS = range(5)


@pytest.fixture(scope="module")
def errors_over_seeds():
    """MI error of each variant on five independent data sets and seeds (slow)."""
    truth = gaussian_mi(RHO)
    errors = {}
    for variant in ("c", "j"):
        errors[variant] = []
        for seed in SEEDS:
            X, y = gaussian_pair(N, RHO, seed=seed)
            est = MINDEEstimator(variant=variant, **dict(FAST, random_state=seed))
            errors[variant].append(est.fit(X, y).mutual_information_ - truth)
    return {k: np.array(v) for k, v in errors.items()}


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["c", "j"])
def test_gaussian_mi_over_seeds(errors_over_seeds, variant):
    """On each of five seeds the estimate is within 0.1 nats of the truth."""
    errors = errors_over_seeds[variant]
    assert np.all(np.abs(errors) < 0.1), errors


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="systematic under-estimation: all ten errors over seeds 0-4 are negative, "
    "mean -0.052 nats for MINDE-C and -0.045 for MINDE-J (truth 0.511)",
)
@pytest.mark.parametrize("variant", ["c", "j"])
def test_no_systematic_bias(errors_over_seeds, variant):
    """The mean error over five seeds is within 0.03 nats of zero: about three
    standard errors of a mean of five estimates (each about 0.028 from the 800
    held-out rows), so a larger mean error is bias of the trained network."""
    errors = errors_over_seeds[variant]
    assert abs(errors.mean()) < 0.03, errors


def _canonical_gaussian(n, rhos, seed):
    """X, Y of dimension len(rhos) with canonical correlations rhos, mixed by a random
    rotation of each side (MI is invariant to it)."""
    rng = np.random.default_rng(seed)
    d = len(rhos)
    x = rng.normal(size=(n, d))
    rhos = np.asarray(rhos)
    y = rhos * x + np.sqrt(1 - rhos**2) * rng.normal(size=(n, d))
    qx, _ = np.linalg.qr(rng.normal(size=(d, d)))
    qy, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return x @ qx, y @ qy


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["c", "j"])
def test_five_dimensional_gaussian(variant):
    """5-D X and 5-D y with canonical correlations 0.5: MI within 20 %."""
    rhos = [0.5] * 5
    truth = sum(gaussian_mi(r) for r in rhos)
    X, y = _canonical_gaussian(10_000, rhos, seed=0)
    params = dict(FAST, hidden_dim=64, max_iter=2000)
    est = MINDEEstimator(variant=variant, **params).fit(X, y)
    assert est.mutual_information_ == pytest.approx(truth, rel=0.2)


def _student_t_mi(nu, d_x, d_y):
    """MI of a multivariate Student-t pair with identity dispersion: the entropies of
    the t law, ``H(X) + H(Y) - H(X, Y)``."""

    def entropy(d):
        half = (nu + d) / 2
        return (
            -gammaln(half)
            + gammaln(nu / 2)
            + d / 2 * math.log(nu * math.pi)
            + half * (digamma(half) - digamma(nu / 2))
        )

    return entropy(d_x) + entropy(d_y) - entropy(d_x + d_y)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cauchy_pair_is_mapped_and_read(seed):
    """A Cauchy pair dependent through a shared scale (Student-t, one degree of
    freedom, true MI 0.224 nats) at 10,000 rows: its columns' extreme values set
    their scale, so the default maps them to normal scores (with a warning) and
    reads the MI within 20 %."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(10_000, 2)) / np.sqrt(rng.chisquare(1, size=(10_000, 1)))
    truth = _student_t_mi(1, 1, 1)
    assert truth == pytest.approx(0.2242, abs=1e-4)
    with pytest.warns(HeavyTailWarning):
        est = MINDEEstimator(random_state=seed).fit(z[:, :1], z[:, 1])
    assert est.mutual_information_ == pytest.approx(truth, rel=0.2)
