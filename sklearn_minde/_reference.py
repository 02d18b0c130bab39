"""The reference the network's residual is added to (the method page, "One network,
several scores").

The network predicts the noise as ``reference + residual``. With the residual at
zero (the output layer starts at zero), the estimator reads the MI and entropies
of the reference distribution; training learns only how the data depart from it.

- :class:`StandardReference`: each standardised variable ``N(0, I)``, independent of
  the other, whose exact noise prediction is ``s_t z_t``.
- :class:`GaussianReference`: the Gaussian fitted to the standardised training rows,
  per role: the marginal ``N(0, S_xx)``, the conditional ``N(A y, S_xx - A S_yx)``
  given a clean ``y`` (``A = S_xy S_yy^-1``), and the joint ``N(0, S)``; with a
  conditioning variable z, each of them given z as well (z joins the clean side).
  Its exact noise prediction is ``s_t (k_t^2 C + s_t^2 I)^-1 (z_t - k_t m)`` for
  mean ``m`` and covariance ``C``, computed through an eigendecomposition of ``C``
  in ``O(n d^2)``.
"""

import math

import numpy as np
import torch
from torch import nn

from ._variants import CLEAN, DIFFUSED

#: Floor of the reference's eigenvalues (standardised units): keeps the noise
#: prediction bounded where a fitted covariance is nearly singular.
MIN_EIGENVALUE = 1e-6


class StandardReference(nn.Module):
    """Each diffused variable ``N(0, I)``: the noise prediction ``s_t z_t``.

    Clean variables get zero (``s_0 = 0``) and absent ones zero (their value is 0).

    Parameters
    ----------
    mi_bias : float, default=0.0
        What both MI forms read too high through a network trained on top of this
        reference (:func:`finite_sample_mi_bias` of its training rows, or 0); the
        variants' readings take it out.
    """

    mi_bias = 0.0  # networks pickled before the correction

    def __init__(self, mi_bias=0.0):
        super().__init__()
        self.mi_bias = mi_bias

    @property
    def mi_sigma_bias(self):
        """What the sigma forms read too high: ``mi_bias``, as the plain forms (both
        take a squared norm of what the network learnt of the dependence)."""
        return self.mi_bias

    def forward(self, vx, vy, z, role_x, role_y, t):
        """The reference noise prediction of ``[vx; vy]``, shape ``(n, d_x + d_y)``.

        Parameters
        ----------
        vx, vy : torch.Tensor of shape (n, d_x), (n, d_y)
            The network's input values (diffused, clean or zero).
        z : torch.Tensor of shape (n, d_z)
            The clean conditioning variable (``d_z = 0`` without one); the standard
            reference ignores it.
        role_x, role_y : torch.Tensor of shape (n, 1)
            Each row's roles.
        t : tuple of torch.Tensor of shape (n, 1)
            ``(k_t, s_t)`` at each row's diffusion time.
        """
        _, s = t
        return torch.cat(
            [(role_x == DIFFUSED) * s * vx, (role_y == DIFFUSED) * s * vy], 1
        )


def fitted_covariance(*variables):
    """Sample covariance of the standardised rows ``[x, y, ...]``, shape (d, d).

    Not shrunk: Ledoit-Wolf shrinkage toward the identity lowered the Gaussian MI
    of bmi's multinormal-sparse-25-25 task from 1.07 to 0.74 nats (truth 1.02) at
    8,000 rows, a bias the network did not train away.
    """
    return np.cov(np.hstack(variables), rowvar=False, bias=True)


def finite_sample_mi_bias(d_x, d_y, n_rows):
    """The leading-order bias of the MI read through a linear dependence learnt
    from ``n_rows`` rows: ``d_x d_y / (2 n_rows)`` nats (the method page, "The
    finite-sample bias of the learnt dependence").

    The dependence of x on y carries ``d_x d_y`` linear coefficients, each
    estimated with a variance of order ``1 / n_rows``, whether a fitted Gaussian's
    cross-covariance holds them or a network learns them. Through a fitted
    Gaussian the plain forms, a squared norm of score differences, gain that
    variance (read high by this much) and the sigma forms, held-out
    cross-entropies of the fitted Gaussian, lose it (read low by as much): the
    in-sample log-determinant Gaussian MI has the same leading term (the Wishart
    expectation of ``log det``). A network over the standard reference learns
    the coefficients itself, and both of its forms, squared norms of what it
    learnt, read high: two networks on the same rows share the term (their errors
    from the rows are one), so reading them together does not drop it. The
    conditioning variable enters only at the next order.

    Parameters
    ----------
    d_x, d_y : int
        Columns of x and y.
    n_rows : int
        Rows the Gaussian was fitted to.

    Returns
    -------
    float
    """
    return d_x * d_y / (2.0 * n_rows)


def role_gaussian(cov, d_x, roles, d_z=0):
    """The Gaussian of the diffused variables given the clean ones, for one role pair.

    The conditioning variable z, the last ``d_z`` columns, is clean in every call.

    Parameters
    ----------
    cov : ndarray of shape (d, d)
        Covariance of ``[x; y; z]``.
    d_x : int
    roles : (int, int)
        ``(role_x, role_y)``; at least one is ``DIFFUSED``.
    d_z : int, default=0

    Returns
    -------
    diffused, clean : slice
        Columns of ``[x; y]`` that are diffused, and clean (an empty slice when
        none).
    mean_map : ndarray of shape (n_diffused, n_clean + d_z)
        ``m = mean_map @ [clean; z]``.
    covariance : ndarray of shape (n_diffused, n_diffused)
    """
    d_xy = len(cov) - d_z
    blocks = {"x": slice(0, d_x), "y": slice(d_x, d_xy), "": slice(0, 0)}
    diffused = "".join(v for v, r in zip("xy", roles, strict=True) if r == DIFFUSED)
    clean = "".join(v for v, r in zip("xy", roles, strict=True) if r == CLEAN)
    d_slice = slice(0, d_xy) if diffused == "xy" else blocks[diffused]
    c_slice = blocks[clean]
    d_idx = np.arange(d_xy)[d_slice]
    c_idx = np.concatenate([np.arange(d_xy)[c_slice], np.arange(d_xy, len(cov))])
    c_dd = cov[np.ix_(d_idx, d_idx)]
    c_dc, c_cc = cov[np.ix_(d_idx, c_idx)], cov[np.ix_(c_idx, c_idx)]
    mean_map = np.linalg.solve(c_cc, c_dc.T).T
    return d_slice, c_slice, mean_map, c_dd - mean_map @ c_dc.T


class GaussianReference(nn.Module):
    """The Gaussian fitted to the training rows, per role pair of a variant.

    Parameters
    ----------
    cov : ndarray of shape (d, d)
        Covariance of the standardised ``[x; y; z]`` (e.g. :func:`fitted_covariance`).
    d_x : int
        Columns of x.
    calls : tuple of (int, int)
        The role pairs the network is called with (a variant's ``calls``).
    d_z : int, default=0
        Columns of the conditioning variable z, clean in every call: each role's
        Gaussian is conditional on it.
    n_rows : int or None, default=None
        Rows ``cov`` was fitted to: sets ``mi_bias`` (0 when None).

    Attributes
    ----------
    mi_bias : float
        :func:`finite_sample_mi_bias`: what the plain MI forms read too high and
        the sigma forms too low through this Gaussian; the variants' readings
        take it out.
    mi_sigma_bias : float
        What the sigma forms read too high: ``-mi_bias``.
    """

    def __init__(self, cov, d_x, calls, d_z=0, n_rows=None):
        super().__init__()
        d_y = len(cov) - d_x - d_z
        self.mi_bias = (
            0.0 if n_rows is None else finite_sample_mi_bias(d_x, d_y, n_rows)
        )
        self.calls = tuple(tuple(c) for c in calls)
        self.slices = []
        for i, roles in enumerate(self.calls):
            if DIFFUSED not in roles:
                raise ValueError(f"no diffused variable in the role pair {roles}")
            d_slice, c_slice, mean_map, c = role_gaussian(cov, d_x, roles, d_z)
            eigval, eigvec = np.linalg.eigh(c)
            self.register_buffer(
                f"eigval_{i}", _tensor(np.maximum(eigval, MIN_EIGENVALUE))
            )
            self.register_buffer(f"eigvec_{i}", _tensor(eigvec))
            self.register_buffer(f"mean_map_{i}", _tensor(mean_map))
            self.slices.append((d_slice, c_slice))

    @property
    def mi_sigma_bias(self):
        """``-mi_bias``: the sigma forms read low through the fitted Gaussian."""
        return -self.mi_bias

    def forward(self, vx, vy, z, role_x, role_y, t):
        """The reference noise prediction of ``[vx; vy]``, shape ``(n, d_x + d_y)``.

        Parameters are those of :meth:`StandardReference.forward`.
        """
        v = torch.cat([vx, vy], 1)
        out = torch.zeros_like(v)
        for roles in self.calls:
            rows = (role_x == roles[0]) & (role_y == roles[1])
            out = out + rows * self.call_noise(roles, v, z, t)
        return out

    def call_noise(self, roles, v, z, t):
        """The noise prediction of the Gaussian of role pair ``roles`` for every row
        of ``v = [vx; vy]`` (the network's input values), zero on the clean and
        absent columns: shape ``(n, d_x + d_y)``. ``t`` is ``(k_t, s_t)``."""
        k, s = t
        d_slice, w, eigval, eigvec = self._centred(roles, v, z, k)
        w = (w @ eigvec) * (s / (k**2 * eigval + s**2))
        piece = torch.zeros_like(v)
        piece[:, d_slice] = w @ eigvec.T
        return piece

    def nll(self, roles, x, y, z):
        """``-log q(diffused | clean, z)`` per row for the Gaussian ``q`` of role pair
        ``roles`` at the clean rows ``x, y, z``: shape ``(n,)``."""
        _, w, eigval, eigvec = self._centred(roles, torch.cat([x, y], 1), z, 1.0)
        mahalanobis = ((w @ eigvec) ** 2 / eigval).sum(1)
        log_det = torch.log(eigval).sum()
        return 0.5 * (len(eigval) * math.log(2 * math.pi) + log_det + mahalanobis)

    def _centred(self, roles, v, z, k):
        """The diffused columns of ``v`` less ``k`` times their conditional mean given
        the clean columns and z, with the role pair's eigendecomposition:
        ``(diffused slice, centred values, eigenvalues, eigenvectors)``."""
        i = self.calls.index(tuple(roles))
        d_slice, c_slice = self.slices[i]
        clean = torch.cat([v[:, c_slice], z], 1)
        w = v[:, d_slice] - k * (clean @ getattr(self, f"mean_map_{i}").T)
        return d_slice, w, getattr(self, f"eigval_{i}"), getattr(self, f"eigvec_{i}")


def _tensor(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64), dtype=torch.float32)
