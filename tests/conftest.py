"""Shared fixtures and helpers for the sklearn-minde test suite.

Everything here is small on purpose: the default suite has to run in a few minutes on
a two-core CPU machine.
"""

import math

import numpy as np
import pytest
import torch

#: The smallest configuration that trains end to end: for API and validation tests
#: that only need a fitted model, not a good one.
TINY = dict(
    hidden_dim=8, max_iter=20, n_estimation_passes=1, device="cpu", random_state=0
)

#: Marks for test modules whose TINY fits read a few draws and over-fit a little,
#: where the tests are about the API: the fit warnings are expected there.
QUIET_FITS = [
    pytest.mark.filterwarnings("ignore::sklearn_minde.OverfittingWarning"),
    pytest.mark.filterwarnings("ignore::sklearn_minde.ConcentratedEstimateWarning"),
]

#: A slightly bigger configuration for tests that need a model that learned something.
SMALL = dict(
    hidden_dim=16,
    max_iter=200,
    n_estimation_passes=2,
    early_stopping=False,
    device="cpu",
    random_state=0,
)


@pytest.fixture(autouse=True, scope="session")
def _single_torch_thread():
    """Run torch on one thread.

    The networks are tiny, so intra-op parallelism buys nothing, and on a two-core
    machine shared with other jobs two threads can be many times slower than one.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def gaussian_mi(rho):
    """Mutual information, in nats, of a bivariate Gaussian with correlation ``rho``."""
    return -0.5 * math.log(1.0 - rho**2)


def gaussian_entropy(scales):
    """Differential entropy, in nats, of independent Gaussians with these scales."""
    scales = np.atleast_1d(scales)
    gauss = 0.5 * len(scales) * math.log(2 * math.pi * math.e)
    return gauss + float(np.log(scales).sum())


def gaussian_pair(n, rho=0.8, seed=0, x_scale=1.0, y_scale=1.0):
    """``n`` draws of a bivariate Gaussian with correlation ``rho``.

    Returns ``X`` of shape ``(n, 1)`` and ``y`` of shape ``(n,)``, with standard
    deviations ``x_scale`` and ``y_scale``.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1))
    y = rho * x[:, 0] + math.sqrt(1.0 - rho**2) * rng.normal(size=n)
    return x_scale * x, y_scale * y


@pytest.fixture
def small_xy():
    """200 rows of correlated Gaussians: X of shape (200, 2), y of shape (200,)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = X[:, 0] + 0.5 * rng.normal(size=200)
    return X, y
