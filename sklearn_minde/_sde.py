"""The variance-preserving SDE and the importance sampling of diffusion time.

Every formula here is from the method page (docs/user_guide/method.rst). Times
are tensors of shape
``(n, 1)`` so that they broadcast against batches of shape ``(n, d)``.
"""

import math

import torch
from scipy.special import ndtri

from ._runtime import row_uniforms


class VPSDE:
    """Variance-preserving SDE with a linear schedule ``beta(t)`` on ``[0, 1]``.

    Parameters
    ----------
    beta_min, beta_max : float
        End points of the linear noise schedule ``beta(t)``.
    t_eps : float
        Cut-off below which the importance density of ``t`` is flat.
    importance_sampling : bool
        If True, draw ``t`` from ``q(t)`` proportional to ``r(max(t, t_eps))``;
        otherwise
        draw it uniformly on ``[t_eps, 1]`` and weight each draw by ``r(t)``.
    """

    T = 1.0

    def __init__(self, beta_min, beta_max, t_eps, importance_sampling=True):
        self.beta_min = float(beta_min)
        self.beta_max = float(beta_max)
        self.t_eps = float(t_eps)
        self.importance_sampling = bool(importance_sampling)

    # -- the schedule -------------------------------------------------------------
    def beta(self, t):
        """``beta(t) = g(t)^2``."""
        return self.beta_min + t * (self.beta_max - self.beta_min)

    def integrated_beta(self, t):
        """``B(t)``, the integral of ``beta`` from 0 to ``t``."""
        return self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t**2

    def mean_coef(self, t):
        """``k_t``: ``Z_t | Z_0 ~ N(k_t Z_0, s_t^2 I)``."""
        return torch.exp(-0.5 * self.integrated_beta(t))

    def std(self, t):
        """``s_t = sqrt(1 - k_t^2)``."""
        return torch.sqrt(-torch.expm1(-self.integrated_beta(t)))

    def perturb(self, z0, t, eps):
        """Draw ``z_t = k_t z_0 + s_t eps`` from the closed-form perturbation kernel."""
        return self.mean_coef(t) * z0 + self.std(t) * eps

    def likelihood_weight(self, t):
        """``r(t) = beta(t) / s_t^2``, the weight of squared noise errors in a KL."""
        return self.beta(t) / -torch.expm1(-self.integrated_beta(t))

    # -- scalar constants of the importance density, in float64 -------------------
    def _scalar_B(self, t):
        return self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t**2

    def _scalar_r(self, t):
        return (self.beta_min + t * (self.beta_max - self.beta_min)) / -math.expm1(
            -self._scalar_B(t)
        )

    def _scalar_A(self, t):
        """``A(t) = log(exp(B(t)) - 1)``, an antiderivative of ``r``."""
        return math.log(math.expm1(self._scalar_B(t)))

    @property
    def flat_mass(self):
        """``r(t_eps) t_eps``: the unnormalised mass of ``q`` on ``[0, t_eps]``."""
        return self._scalar_r(self.t_eps) * self.t_eps

    @property
    def tail_mass(self):
        """``A(T) - A(t_eps)``: the integral of ``r`` over ``[t_eps, T]``."""
        return self._scalar_A(self.T) - self._scalar_A(self.t_eps)

    @property
    def normaliser(self):
        """``Z = r(t_eps) t_eps + A(T) - A(t_eps)`` (about 20.26 with the defaults)."""
        return self.flat_mass + self.tail_mass

    # -- drawing t and weighting it -------------------------------------------------
    def sample_time(self, n, generator, device, small_times="flat"):
        """Draw ``n`` diffusion times, shape ``(n, 1)``.

        Parameters
        ----------
        n : int
            Number of draws.
        generator : torch.Generator
            Source of randomness, on ``device``.
        device : torch.device
            Where the draws live.
        small_times : {"flat", "clamp", "drop"}, default="flat"
            What becomes of the share of ``q`` below ``t_eps``. ``"flat"``: times
            drawn there as ``q`` has them (training). ``"clamp"``: those draws are
            read at ``t_eps``, which reads ``int_0^t_eps r(t) f(t) dt`` as
            ``t_eps r(t_eps) f(t_eps)``, exact to first order when ``r f`` is
            bounded, as it is for true scores (the estimates). ``"drop"``: times
            from ``[t_eps, T]`` only (the likelihood bound).

        Returns
        -------
        t : torch.Tensor of shape (n, 1)
        """
        u = torch.rand(n, 1, generator=generator, device=device)
        return self.time_from_uniform(u, small_times)

    def time_from_uniform(self, u, small_times="flat"):
        """The times of uniforms ``u`` on (0, 1) (the inverse of ``q``'s CDF): what
        :meth:`sample_time` draws, from given uniforms."""
        if not self.importance_sampling:
            return self.t_eps + u * (self.T - self.t_eps)
        z, flat = self.normaliser, self.flat_mass
        if small_times == "drop":  # u uniform on the tail of q's CDF
            u = flat / z + u * (1.0 - flat / z)
        t_flat = u * z / self._scalar_r(self.t_eps)
        b_star = torch.nn.functional.softplus(u * z + self._scalar_A(self.t_eps) - flat)
        slope = self.beta_max - self.beta_min
        t_tail = (
            -self.beta_min + torch.sqrt(self.beta_min**2 + 2 * slope * b_star)
        ) / slope
        # t = 0 has probability 2**-24 but an infinite weight: keep t off it
        t = torch.where(u * z <= flat, t_flat, t_tail).clamp(1e-7, self.T)
        return self.clamp_small_times(t) if small_times == "clamp" else t

    def clamp_small_times(self, t):
        """Times below ``t_eps`` moved to ``t_eps`` (``small_times="clamp"``)."""
        return t.clamp(min=self.t_eps)

    def importance_weight(self, t, small_times="flat"):
        """``r(t) / q(t)`` for times drawn by :meth:`sample_time`, shape ``(n, 1)``.

        It is the constant ``Z`` above ``t_eps`` and ``Z r(t) / r(t_eps)`` below it, so
        that ``E_q[weight * f(t)]`` is exactly ``int_0^T r(t) f(t) dt``. Times
        clamped at ``t_eps`` weigh ``Z``; with ``small_times="drop"`` every time
        weighs ``A(T) - A(t_eps)``, the mass of ``q`` on ``[t_eps, T]``.
        """
        if not self.importance_sampling:
            return (self.T - self.t_eps) * self.likelihood_weight(t)
        if small_times == "drop":
            return torch.full_like(t, self.tail_mass)
        ratio = self.likelihood_weight(t) / self._scalar_r(self.t_eps)
        return self.normaliser * torch.where(t < self.t_eps, ratio, torch.ones_like(t))


def draw_noise(x, y, sde, generator, small_times="flat"):
    """One diffusion time and one noise per row: ``(t, eps_x, eps_y)``; rows may
    carry leading axes (``(K, n, d)``, then ``t`` has shape ``(K, n, 1)``)."""
    rows = x.shape[:-1]
    t = sde.sample_time(math.prod(rows), generator, x.device, small_times)
    t = t.reshape(*rows, 1)
    ex = torch.randn(x.shape, generator=generator, device=x.device)
    ey = torch.randn(y.shape, generator=generator, device=y.device)
    return t, ex, ey


def draw_noise_for_rows(
    keys, pass_index, d_x, d_y, sde, device, small_times="clamp", dtype=torch.float32
):
    """One diffusion time and one noise per row, drawn from the rows' keys: the draws
    of a row depend on its key (:func:`~sklearn_minde._runtime.row_keys`) and on
    ``pass_index`` only, not on the other rows or on its position among them.

    Returns
    -------
    t : torch.Tensor of shape (n, 1)
    eps_x, eps_y : torch.Tensor of shape (n, d_x), (n, d_y)
    """
    count = 1 + d_x + d_y
    u = row_uniforms(keys, pass_index * count, count)
    t = torch.as_tensor(u[:, :1], dtype=dtype, device=device)
    eps = torch.as_tensor(ndtri(u[:, 1:]), dtype=dtype, device=device)
    return sde.time_from_uniform(t, small_times), eps[:, :d_x], eps[:, d_x:]
