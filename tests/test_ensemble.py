"""The vectorised ensemble: K stacked networks behave as K separate ones."""

import pickle

import pytest
import torch

from sklearn_minde._ensemble import EnsembleNetwork
from sklearn_minde._reference import GaussianReference, fitted_covariance
from sklearn_minde._sde import VPSDE
from sklearn_minde._trainer import init_network
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
