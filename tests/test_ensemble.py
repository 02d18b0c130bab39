"""The vectorised ensemble: K stacked networks behave as K separate ones."""

import copy
import pickle

import numpy as np
import pytest
import torch

from sklearn_minde import MINDEEstimator
from sklearn_minde._ensemble import EnsembleNetwork
from sklearn_minde._reference import GaussianReference, fitted_covariance
from sklearn_minde._sde import VPSDE
from sklearn_minde._training import (
    TrainingConfig,
    TrainingJob,
    init_network,
    train,
    train_stacked,
)
from sklearn_minde._variants import DIFFUSED, VARIANTS, predict_noise

K, D_X, D_Y, D_Z, N = 3, 2, 1, 1, 40
SDE = VPSDE(0.1, 20.0, 1e-3)
VARIANT = VARIANTS["j"]


def _rows(seed):
    """Each member's rows ``x, y`` and a conditioning ``z``."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(K, N, D_X, generator=g)
    z = torch.randn(K, N, D_Z, generator=g)
    y = x[..., :1] + z + 0.5 * torch.randn(K, N, D_Y, generator=g)
    return x, y, z


def _networks(x, y, z, gaussian=True):
    """Member k as the trainer initialises it, with a Gaussian reference fitted to
    its own rows."""
    return [
        init_network(
            D_X + D_Y,
            16,
            1,
            "silu",
            seed=5,
            reference=(
                GaussianReference(
                    fitted_covariance(x[k].numpy(), y[k].numpy(), z[k].numpy()),
                    D_X,
                    VARIANT.calls,
                    d_z=D_Z,
                )
                if gaussian
                else None
            ),
            member=k,
            n_conditioning=D_Z,
        )
        for k in range(K)
    ]


def _draws(x, y, seed):
    """Roles, times and noises of one minibatch of every member, shapes (K, n, .)."""
    g = torch.Generator().manual_seed(seed)
    roles = [VARIANT.training_roles(N, g, "cpu") for _ in range(K)]
    role_x, role_y = (torch.stack(r) for r in zip(*roles, strict=True))
    t = SDE.sample_time(K * N, g, "cpu").reshape(K, N, 1)
    return (
        role_x,
        role_y,
        t,
        torch.randn(x.shape, generator=g),
        torch.randn(y.shape, generator=g),
    )


def _loss(network, x, y, z, draws):
    """The denoising loss on the diffused coordinates, summed over a leading member
    axis when there is one (so that the members' gradients do not mix)."""
    role_x, role_y, t, ex, ey = draws
    px, py = predict_noise(network, x, y, z, role_x, role_y, t, ex, ey, SDE)
    err = (role_x == DIFFUSED) * (px - ex).square().sum(-1, keepdim=True)
    err = err + (role_y == DIFFUSED) * (py - ey).square().sum(-1, keepdim=True)
    return err.mean(dim=(-2, -1)).sum()


def _perturb_outputs(networks):
    """Non-zero output layers (they start at zero), so that forwards differ."""
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for net in networks:
            net.output.weight.copy_(
                0.1 * torch.randn(net.output.weight.shape, generator=g)
            )


def test_forward_equals_the_members_forwards():
    x, y, z = _rows(0)
    networks = _networks(x, y, z)
    _perturb_outputs(networks)
    ensemble = EnsembleNetwork.from_networks(networks)
    inputs, times = torch.randn(K, N, D_X + D_Y + D_Z), torch.rand(K, N, 2)
    out = ensemble(inputs, times)
    assert out.shape == (K, N, D_X + D_Y)
    for k, net in enumerate(networks):
        torch.testing.assert_close(
            out[k], net(inputs[k], times[k]), rtol=1e-5, atol=1e-6
        )
    draws = _draws(x, y, 1)
    ex, ey = predict_noise(ensemble, x, y, z, *draws, SDE)
    for k, net in enumerate(networks):
        ex_k, ey_k = predict_noise(net, x[k], y[k], z[k], *(d[k] for d in draws), SDE)
        torch.testing.assert_close(ex[k], ex_k, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(ey[k], ey_k, rtol=1e-5, atol=1e-6)


def test_member_returns_the_stacked_weights_and_leaves_the_global_rng_alone():
    x, y, z = _rows(0)
    networks = _networks(x, y, z)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    ensemble = EnsembleNetwork.from_networks(networks)
    members = [ensemble.member(k) for k in range(K)]
    assert torch.equal(torch.get_rng_state(), before)
    for net, member in zip(networks, members, strict=True):
        for (name, a), b in zip(
            net.state_dict().items(), member.state_dict().values(), strict=True
        ):
            assert torch.equal(a, b), name
    assert not ensemble.requires_grad_(False).member(0).input.weight.requires_grad


@pytest.mark.parametrize("gaussian", [True, False])
def test_adam_steps_on_the_ensemble_equal_separate_fits(gaussian):
    """The ensemble of K trains K independent networks: a few Adam steps on the sum
    of the members' losses give each member the weights its own Adam steps give."""
    x, y, z = _rows(0)
    networks = _networks(x, y, z, gaussian)
    ensemble = EnsembleNetwork.from_networks(networks)
    optimisers = [torch.optim.Adam(n.parameters(), lr=1e-2) for n in networks]
    ensemble_optimiser = torch.optim.Adam(ensemble.parameters(), lr=1e-2)
    for step in range(4):
        draws = _draws(x, y, 10 + step)
        for k, (net, opt) in enumerate(zip(networks, optimisers, strict=True)):
            opt.zero_grad()
            _loss(net, x[k], y[k], z[k], [d[k] for d in draws]).backward()
            opt.step()
        ensemble_optimiser.zero_grad()
        _loss(ensemble, x, y, z, draws).backward()
        ensemble_optimiser.step()
    for k, net in enumerate(networks):
        member = ensemble.member(k)
        assert net.output.weight.abs().max() > 1e-3  # trained past the zero start
        for (name, a), b in zip(
            net.state_dict().items(), member.state_dict().values(), strict=True
        ):
            torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-5, msg=name)


def test_ensemble_pickles():
    x, y, z = _rows(0)
    networks = _networks(x, y, z)
    _perturb_outputs(networks)
    ensemble = EnsembleNetwork.from_networks(networks)
    again = pickle.loads(pickle.dumps(ensemble))
    inputs, times = torch.randn(K, N, D_X + D_Y + D_Z), torch.rand(K, N, 2)
    assert torch.equal(again(inputs, times), ensemble(inputs, times))


def _stacked_jobs(variant):
    """Three members with their own rows (60, 61, 59 training rows, 20 held out),
    a Z column and their own streams: ``(networks, data, members)``."""
    networks, data = [], []
    for k, n in enumerate((80, 81, 79)):
        g = torch.Generator().manual_seed(20 + k)
        x, z = torch.randn(n, D_X, generator=g), torch.randn(n, D_Z, generator=g)
        y = x[:, :1] + z + 0.5 * torch.randn(n, D_Y, generator=g)
        networks.append(
            init_network(D_X + D_Y, 16, 1, "silu", 5, member=k, n_conditioning=D_Z)
        )
        data.append((x[20:], y[20:], z[20:], x[:20], y[:20], z[:20]))
    return networks, data, [0, 1, 2]


@pytest.mark.parametrize("variant", ["c", "j"])
def test_stacked_training_equals_separate_training(variant):
    """Each member of :func:`train_stacked` ends where :func:`train` takes it alone:
    same steps (members stop at different checks here), same curves, same
    weights, to float rounding."""
    config = TrainingConfig(
        batch_size=32,
        max_iter=600,
        learning_rate=1e-2,
        ema_decay=0.99,
        weight_decay=0.0,
        early_stopping="mi",
        n_iter_no_change=2,
    )
    networks, data, members = _stacked_jobs(variant)
    jobs = [
        TrainingJob(copy.deepcopy(n), rows, 3, m)
        for n, rows, m in zip(networks, data, members, strict=True)
    ]
    stacked = train_stacked(jobs, SDE, VARIANTS[variant], config)
    separate = [
        train(n, *rows, SDE, VARIANTS[variant], config, 3, m)
        for n, rows, m in zip(networks, data, members, strict=True)
    ]
    assert len({r.n_iter for r in separate}) > 1  # the early-stopping path is tested
    for a, b in zip(stacked, separate, strict=True):
        assert a.n_iter == b.n_iter and a.best_iter == b.best_iter
        np.testing.assert_allclose(a.loss_curve, b.loss_curve, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(a.mi_curve, b.mi_curve, rtol=1e-4, atol=1e-5)
        for (name, wa), wb in zip(
            a.network.state_dict().items(), b.network.state_dict().values(), strict=True
        ):
            torch.testing.assert_close(wa, wb, rtol=1e-3, atol=1e-4, msg=name)


def test_stacked_fit_equals_sequential_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    y = x[:, :1] + 0.7 * rng.normal(size=(300, 1))
    kw = dict(n_folds=3, n_networks=2, max_iter=100, random_state=0)
    a = MINDEEstimator(stack_networks=True, **kw).fit(x, y)
    b = MINDEEstimator(stack_networks=False, **kw).fit(x, y)
    assert len(a.networks_) == 6
    np.testing.assert_allclose(a.member_estimates_, b.member_estimates_, rtol=1e-4)
    np.testing.assert_allclose(
        a.mutual_information_std_, b.mutual_information_std_, rtol=1e-3
    )

