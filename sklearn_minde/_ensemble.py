"""K score networks trained as one: stacked weights and batched matrix multiplies.

An :class:`EnsembleNetwork` is a :class:`ScoreNetwork` whose layers carry a leading
member axis ``K``: it maps inputs of shape ``(K, n, D)`` and times ``(K, n, 2)`` to
``(K, n, D)``, slice ``k`` through member ``k``'s weights only. The members share no
weight, so a loss that sums the members' own losses gives each member the gradient
it would get alone, and an elementwise optimiser (Adam) then steps each member as
it would step that network alone.
"""

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from ._network import ScoreNetwork
from ._runtime import seeded_cpu_rng


class StackedLinear(nn.Module):
    """K affine layers ``h_k W_k^T + b_k``, one per slice of a ``(K, n, in)`` input.

    ``weight`` has shape ``(K, out, in)`` and ``bias`` ``(K, out)``: the layout of
    :class:`torch.nn.Linear` with a leading member axis. Each member is initialised
    as :class:`torch.nn.Linear` would be (uniform in ``+-1/sqrt(in)``).
    """

    def __init__(self, n_members, in_dim, out_dim):
        super().__init__()
        bound = 1 / math.sqrt(in_dim)
        weight = torch.empty(n_members, out_dim, in_dim).uniform_(-bound, bound)
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(
            torch.empty(n_members, out_dim).uniform_(-bound, bound)
        )

    def forward(self, h):
        """``(K, n, in)`` to ``(K, n, out)`` in one batched matrix multiply."""
        return torch.baddbmm(self.bias.unsqueeze(1), h, self.weight.transpose(1, 2))


class StackedLayerNorm(nn.Module):
    """LayerNorm over the last axis with each member's own affine weights.

    ``weight`` and ``bias`` have shape ``(K, width)``.
    """

    def __init__(self, n_members, width):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n_members, width))
        self.bias = nn.Parameter(torch.zeros(n_members, width))

    def forward(self, h):
        """Normalise each row of ``(K, n, width)``, then scale and shift per member."""
        normed = F.layer_norm(h, h.shape[-1:])
        return torch.addcmul(self.bias.unsqueeze(1), normed, self.weight.unsqueeze(1))


class MemberReferences(nn.ModuleList):
    """The members' references (``_reference.py``), member ``k`` on slice ``k``.

    Each member keeps its own: a Gaussian reference is fitted to that member's
    training rows.
    """

    def forward(self, vx, vy, z, role_x, role_y, t):
        """The reference noise prediction of each slice, shape ``(K, n, d)``.

        Parameters are those of ``StandardReference.forward`` with a leading
        member axis on every tensor.
        """
        k, s = t
        return torch.stack(
            [
                ref(vx[m], vy[m], z[m], role_x[m], role_y[m], (k[m], s[m]))
                for m, ref in enumerate(self)
            ]
        )


class EnsembleNetwork(ScoreNetwork):
    """K independent score networks with stacked weights.

    Build it from initialised networks with :meth:`from_networks`; read member ``k``
    back as a plain :class:`ScoreNetwork` with :meth:`member`.

    Parameters
    ----------
    n_members : int
        ``K``.
    n_features, hidden_dim, n_blocks, activation, n_times
        Those of :class:`ScoreNetwork`, shared by the members.
    references : list of torch.nn.Module
        Each member's reference, ``K`` of them.
    n_conditioning : int, default=0
        ``d_z`` of :class:`ScoreNetwork`.
    """

    def __init__(
        self,
        n_members,
        n_features,
        hidden_dim,
        n_blocks,
        activation,
        n_times,
        references,
        n_conditioning=0,
    ):
        if len(references) != n_members:
            raise ValueError(f"{len(references)} references for {n_members} members")
        super().__init__(
            n_features,
            hidden_dim,
            n_blocks,
            activation,
            n_times,
            reference=MemberReferences(references),
            n_conditioning=n_conditioning,
            linear=lambda i, o: StackedLinear(n_members, i, o),
            norm=lambda width: StackedLayerNorm(n_members, width),
        )
        self.n_members = n_members

    @classmethod
    def from_networks(cls, networks):
        """Stack initialised networks of one architecture; member ``k`` starts with
        exactly the weights of ``networks[k]`` (copied, on its device).

        torch's global RNG is left untouched.
        """
        with seeded_cpu_rng(0):  # the draws of the constructor are overwritten
            ensemble = cls(
                len(networks),
                **networks[0].architecture,
                references=[copy.deepcopy(net.reference) for net in networks],
            )
        ensemble.to(networks[0].input.weight.device)
        members = [_weights(net) for net in networks]
        with torch.no_grad():
            for name, stacked in _weights(ensemble).items():
                stacked.copy_(torch.stack([weights[name] for weights in members]))
        return ensemble

    def member(self, k):
        """Member ``k`` as a :class:`ScoreNetwork` with a copy of its weights and of
        its reference, on the ensemble's device."""
        with seeded_cpu_rng(0):  # the draws of the constructor are overwritten
            network = ScoreNetwork(
                **self.architecture, reference=copy.deepcopy(self.reference[k])
            )
        network.to(self.input.weight.device)
        stacked = _weights(self)
        with torch.no_grad():
            for name, weight in _weights(network).items():
                weight.copy_(stacked[name][k])
        return network.requires_grad_(self.input.weight.requires_grad)


def _weights(network):
    """The trainable weights of a network by name, its reference's left out."""
    return {
        name: p
        for name, p in network.named_parameters()
        if not name.startswith("reference.")
    }
