"""The noise-prediction network ``eps_theta([x; y; z], (tau_x, tau_y))``.

See the method page, docs/user_guide/method.rst.
"""

import torch
from torch import nn

from ._reference import StandardReference

ACTIVATIONS = {"silu": nn.SiLU, "gelu": nn.GELU, "relu": nn.ReLU, "tanh": nn.Tanh}


# The normalisation is LayerNorm(H): torch's LayerNorm kernels are 1.3-1.9x faster per
# training step on a CPU than GroupNorm(8, H) (measured at H = 64 and 128, batch 256).


class ResidualBlock(nn.Module):
    """``norm, act, linear (+ time embedding), norm, act, linear``, plus a skip.

    ``linear(in_dim, out_dim)`` and ``norm(width)`` build the layers (see
    :class:`ScoreNetwork`).
    """

    def __init__(
        self, in_dim, out_dim, activation, linear=nn.Linear, norm=nn.LayerNorm
    ):
        super().__init__()
        self.norm1, self.act1 = norm(in_dim), ACTIVATIONS[activation]()
        self.linear1 = linear(in_dim, out_dim)
        self.norm2, self.act2 = norm(out_dim), ACTIVATIONS[activation]()
        self.linear2 = linear(out_dim, out_dim)
        self.skip = nn.Identity() if in_dim == out_dim else linear(in_dim, out_dim)

    def forward(self, h, time_embedding):
        out = self.linear1(self.act1(self.norm1(h))) + time_embedding
        out = self.linear2(self.act2(self.norm2(out)))
        return out + self.skip(h)


class ScoreNetwork(nn.Module):
    """MLP with skip connections that predicts the noise of every coordinate.

    Parameters
    ----------
    n_features : int
        ``D = d_x + d_y``, the width of the output.
    hidden_dim : int
        Width ``H`` of the hidden layers.
    n_blocks : int
        Residual blocks before the hidden state is concatenated with the first one.
    activation : {"silu", "gelu", "relu", "tanh"}
        Activation of the residual blocks.
    n_times : int, default=2
        One diffusion time per variable: ``(tau_x, tau_y)``.
    reference : torch.nn.Module or None, default=None
        The distribution whose exact noise prediction the network's output is added
        to (``_reference.py``); None for :class:`StandardReference`.
    n_conditioning : int, default=0
        ``d_z``, the columns of the always clean conditioning variable, which the
        network reads after ``[x; y]`` and does not predict.
    linear : callable, default=torch.nn.Linear
        ``linear(in_dim, out_dim)`` builds each affine layer.
    norm : callable, default=torch.nn.LayerNorm
        ``norm(width)`` builds each normalisation. With the defaults the network
        maps ``(n, D + d_z)`` to ``(n, D)``; the ensemble of ``_ensemble.py``
        passes stacked layers that carry a leading member axis.

    Attributes
    ----------
    architecture : dict
        ``n_features``, ``hidden_dim``, ``n_blocks``, ``activation``, ``n_times``
        and ``n_conditioning``.
    """

    def __init__(
        self,
        n_features,
        hidden_dim,
        n_blocks,
        activation,
        n_times=2,
        reference=None,
        n_conditioning=0,
        linear=nn.Linear,
        norm=nn.LayerNorm,
    ):
        super().__init__()
        self.architecture = {
            "n_features": n_features,
            "hidden_dim": hidden_dim,
            "n_blocks": n_blocks,
            "activation": activation,
            "n_times": n_times,
            "n_conditioning": n_conditioning,
        }
        self.reference = StandardReference() if reference is None else reference
        self.input = linear(n_features + n_conditioning, hidden_dim)
        self.time_embedding = nn.Sequential(
            linear(n_times, hidden_dim), nn.GELU(), linear(hidden_dim, hidden_dim)
        )
        self.blocks = nn.ModuleList(
            ResidualBlock(hidden_dim, hidden_dim, activation, linear, norm)
            for _ in range(n_blocks)
        )
        self.merge = ResidualBlock(2 * hidden_dim, hidden_dim, activation, linear, norm)
        self.out_norm, self.out_act = norm(hidden_dim), ACTIVATIONS[activation]()
        self.output = linear(hidden_dim, n_features)
        nn.init.zeros_(self.output.weight)
        nn.init.zeros_(self.output.bias)

    def forward(self, z, times):
        """Predict the noise.

        Parameters
        ----------
        z : torch.Tensor of shape (n, D + d_z)
            Network input ``[x; y; z]`` with x and y each diffused, clean or zeroed,
            and the conditioning variable clean (``(K, n, D + d_z)`` for an
            ensemble of K).
        times : torch.Tensor of shape (n, 2)
            ``(tau_x, tau_y)`` (``(K, n, 2)`` for an ensemble).

        Returns
        -------
        eps : torch.Tensor of shape (n, D)
            ``(K, n, D)`` for an ensemble.
        """
        emb = self.time_embedding(times)
        first = h = self.input(z)
        for block in self.blocks:
            h = block(h, emb)
        h = self.merge(torch.cat([h, first], dim=-1), emb)
        return self.output(self.out_act(self.out_norm(h)))
