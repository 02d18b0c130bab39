"""The roles of X and Y, the training loss and the per-sample estimates of MINDE.

From the method page (docs/user_guide/method.rst). Everything works on
standardised tensors of shape ``(n, d_x)``, ``(n, d_y)`` and ``(n, d_z)``; one draw
of ``t`` (shape ``(n, 1)``) and of the noises is shared by every network call that
belongs to one sample. ``z`` is the conditioning variable of a conditional MI
``I(X; Y | Z)`` (the user guide's page on conditional MI): clean in every call,
never diffused, so it needs neither a role, a time nor a noise; ``d_z = 0`` without
one. With a z every score, estimate and entropy below is
conditional on it as well (``"x|y"`` reads ``H(X | Y, Z)``). Scores never appear
explicitly: with ``score = -eps / s_t`` and one ``t`` per sample,
``g^2 ||s_a - s_b||^2 = r(t) ||eps_a - eps_b||^2``.
"""

import math

import torch

DIFFUSED, CLEAN, ABSENT = 0, 1, 2


def network_input(v, role, t, eps, sde):
    """Value and time fed to the network for one variable (the table of the method
    page's "One network, several scores").

    Parameters
    ----------
    v : torch.Tensor of shape (n, d)
        Clean values of the variable.
    role : torch.Tensor of shape (n, 1)
        ``DIFFUSED``, ``CLEAN`` or ``ABSENT`` for each sample.
    t : torch.Tensor of shape (n, 1)
        Diffusion times.
    eps : torch.Tensor of shape (n, d)
        Standard normal noise.
    sde : VPSDE

    Returns
    -------
    value : torch.Tensor of shape (n, d)
    time : torch.Tensor of shape (n, 1)
    """
    diffused = role == DIFFUSED
    zeros = torch.zeros_like(v)
    value = torch.where(
        diffused, sde.perturb(v, t, eps), torch.where(role == CLEAN, v, zeros)
    )
    time = torch.where(diffused, t, (role == ABSENT).to(t.dtype))
    return value, time


def predict_noise(network, x, y, z, role_x, role_y, t, eps_x, eps_y, sde):
    """``eps_theta`` split into its X and Y parts, for per-sample roles.

    The network sees ``[x; y; z]`` with x and y in their roles and z clean, and the
    times ``(tau_x, tau_y)``; it predicts the noise of x and y only.

    The network learns a residual over the exact noise prediction of its reference
    distribution (``network.reference``, see ``_reference.py``): ``s_t * value``
    for standard normal variables, or that of the Gaussian fitted to the training
    rows; zero for clean (``tau = 0``) and absent (zero value) variables. With the
    network's last layer initialised at zero, training starts from the reference and
    only has to learn how the data depart from it.

    Every tensor may carry a leading member axis ``K`` (shapes ``(K, n, d)``) when
    ``network`` is an ensemble (``_ensemble.py``).
    """
    vx, tx = network_input(x, role_x, t, eps_x, sde)
    vy, ty = network_input(y, role_y, t, eps_y, sde)
    kt = (sde.mean_coef(t), sde.std(t))
    skip = network.reference(vx, vy, z, role_x, role_y, kt)
    out = network(torch.cat([vx, vy, z], dim=-1), torch.cat([tx, ty], dim=-1)) + skip
    return out[..., : x.shape[-1]], out[..., x.shape[-1] :]


def predict_noise_calls(network, x, y, z, t, eps_x, eps_y, sde, calls):
    """Several network calls with fixed roles, on the same draws, in one forward pass.

    Parameters
    ----------
    calls : list of (int, int)
        ``(role_x, role_y)`` of each call.

    Returns
    -------
    list of (torch.Tensor, torch.Tensor)
        ``(eps_x_hat, eps_y_hat)`` of each call, each of shape ``(n, d)``.
    """
    n, k = x.shape[0], len(calls)
    roles = torch.tensor(calls, device=x.device).repeat_interleave(n, dim=0)
    ex, ey = predict_noise(
        network,
        x.repeat(k, 1),
        y.repeat(k, 1),
        z.repeat(k, 1),
        roles[:, :1],
        roles[:, 1:],
        t.repeat(k, 1),
        eps_x.repeat(k, 1),
        eps_y.repeat(k, 1),
        sde,
    )
    return list(zip(ex.split(n), ey.split(n), strict=True))


def noise_error_rows(network, x, y, z, role_x, role_y, t, eps_x, eps_y, sde):
    """Squared error of the predicted noise on the diffused coordinates of each row,
    for given roles: shape ``(n,)``, or ``(K, n)`` with a leading member axis."""
    ex, ey = predict_noise(network, x, y, z, role_x, role_y, t, eps_x, eps_y, sde)
    err = (role_x == DIFFUSED) * (ex - eps_x).square().sum(-1, keepdim=True)
    err = err + (role_y == DIFFUSED) * (ey - eps_y).square().sum(-1, keepdim=True)
    return err[..., 0]


def squared_norm(a):
    """Row-wise squared Euclidean norm, shape ``(n,)``."""
    return a.square().sum(dim=1)


def pair_norm(a):
    """Squared norm of what several networks' values have in common, per row.

    ``a`` has shape ``(K, n, d)``: K networks' values of one difference of noise
    predictions on the same draws. With K = 1, ``||a_1||^2``. With K >= 2, the mean
    over pairs j < k of ``<a_j, a_k>``: when the networks' errors are independent
    and centred (networks trained from their own seeds), each pair's inner product
    is unbiased for ``||E a||^2``, where a squared norm adds the variance of the
    error, a positive bias that grows with the dimension (method page, "Several
    networks").

    Returns
    -------
    torch.Tensor of shape (n,)
    """
    if len(a) == 1:
        return squared_norm(a[0])
    pairs = [(j, k) for j in range(len(a)) for k in range(j + 1, len(a))]
    return sum((a[j] * a[k]).sum(dim=1) for j, k in pairs) / len(pairs)


def as_networks(network):
    """A list of networks from one network or a list of them (None, the exact
    scores of the tests, is one network)."""
    return list(network) if isinstance(network, (list, tuple)) else [network]


def reference_noise(z_t, t, sde, sigma):
    """``s_t z_t / chi_t``: the noise-space output of the score of ``N(0, sigma^2 I)``.

    ``chi_t = k_t^2 sigma^2 + s_t^2`` is the variance of the diffused reference.
    """
    chi = sde.mean_coef(t) ** 2 * sigma**2 + sde.std(t) ** 2
    return sde.std(t) * z_t / chi


def gaussian_entropy_terms(v, sigma):
    """``d/2 log(2 pi sigma^2) + ||v||^2 / (2 sigma^2)`` per sample, the reference part
    of an entropy (the method page, "Entropies")."""
    d = v.shape[1]
    return 0.5 * d * math.log(2 * math.pi * sigma**2) + squared_norm(v) / (2 * sigma**2)


def prior_nll_terms(v, sde):
    """``E[-log N(z_T; 0, I)]`` given ``z_0 = v``, per sample, in closed form."""
    t_end = torch.full((1, 1), sde.T, device=v.device)
    k2, s2 = sde.mean_coef(t_end).item() ** 2, sde.std(t_end).item() ** 2
    d = v.shape[1]
    return 0.5 * d * math.log(2 * math.pi) + 0.5 * (k2 * squared_norm(v) + s2 * d)


def log_likelihood_bound_terms(eps_hat, eps, v, t, sde):
    """Per-sample lower bound on ``log p(v)`` under the score model (the method page,
    "A held-out likelihood bound").

    With ``t`` drawn from ``[t_eps, T]`` by ``sample_time(..., small_times="drop")``::

        -log p(v) <= E[-log N(z_T; 0, I)] + d B(T) / 2
                     + 1/2 int_{t_eps}^T r(t) (E||eps_theta - eps||^2 - d) dt

    The model density is the score model's density at ``t_eps`` read through the
    Gaussian kernel ``N(v; z / k_{t_eps}, s_{t_eps}^2 / k_{t_eps}^2 I)``: the evidence
    bound of that decoder turns the integral's lower end ``t_eps`` into the term
    ``-d log k_{t_eps} = d B(t_eps) / 2``, which with the ``beta d`` part of the
    integrand over ``[t_eps, T]`` adds up to ``d B(T) / 2``.
    """
    d = v.shape[1]
    weight = sde.importance_weight(t, "drop").squeeze(1)
    integral = 0.5 * weight * (squared_norm(eps_hat - eps) - d)
    return -(prior_nll_terms(v, sde) + 0.5 * d * sde.integrated_beta(sde.T) + integral)


def standard_reference_terms(x, y, t, eps_x, eps_y, sde, sigma, calls):
    """The noise predictions and ``-log q`` of ``q = N(0, sigma^2 I)`` for each call:
    the same noise prediction in every call, and the cross-entropy of the call's
    diffused variables (:func:`gaussian_entropy_terms`).

    Returns
    -------
    refs : list of (torch.Tensor, torch.Tensor)
        ``(eps_q_x, eps_q_y)`` of each call.
    nll : list of torch.Tensor of shape (n,)
    """
    xt, yt = sde.perturb(x, t, eps_x), sde.perturb(y, t, eps_y)
    ref = (reference_noise(xt, t, sde, sigma), reference_noise(yt, t, sde, sigma))
    keys = [tuple(role == DIFFUSED for role in call) for call in calls]
    nll = {}  # keyed by which variables are diffused, each computed once
    for key in keys:
        if key not in nll:
            v = torch.cat([v for v, d in zip((x, y), key, strict=True) if d], 1)
            nll[key] = gaussian_entropy_terms(v, sigma)
    return [ref] * len(calls), [nll[key] for key in keys]


def fitted_reference_terms(reference, x, y, z, t, eps_x, eps_y, sde, calls):
    """The noise predictions and ``-log q`` of a reference with a density (the
    fitted Gaussian of ``_reference.py``) for each call, with the call's roles.

    Returns
    -------
    refs : list of (torch.Tensor, torch.Tensor)
        ``(eps_q_x, eps_q_y)`` of each call.
    nll : list of torch.Tensor of shape (n,)
    """
    kt = (sde.mean_coef(t), sde.std(t))
    refs, nll = [], []
    for call in calls:
        role_x, role_y = (torch.full_like(t, r) for r in call)
        vx, _ = network_input(x, role_x, t, eps_x, sde)
        vy, _ = network_input(y, role_y, t, eps_y, sde)
        out = reference.call_noise(call, torch.cat([vx, vy], 1), z, kt)
        refs.append((out[:, : x.shape[1]], out[:, x.shape[1] :]))
        nll.append(reference.nll(call, x, y, z))
    return refs, nll


class _Variant:
    """A MINDE variant: which scores it trains, and how it reads estimates off them.

    Subclasses set ``calls`` (the ``(role_x, role_y)`` of each network call an
    estimate needs, the unconditional call first, then the conditional ones) and
    implement :meth:`mi_terms`.

    Parameters
    ----------
    conditional_share : float, default=0.5
        The share of training rows drawn with a conditional call's roles (split
        evenly between the conditional calls); the rest train the unconditional
        call (MINDE-C's marginal score, MINDE-J's joint one).
    """

    calls = ()

    def __init__(self, conditional_share=0.5):
        self.conditional_share = conditional_share

    @property
    def mixture(self):
        """How often each call's roles are drawn in training, call by call."""
        n_conditional = len(self.calls) - 1
        share = self.conditional_share / n_conditional
        return (1.0 - self.conditional_share,) + (share,) * n_conditional

    def training_roles(self, shape, generator, device):
        """Draw each sample's ``(role_x, role_y)`` from ``mixture``; shapes
        ``(*shape, 1)`` (``shape`` an int ``n`` or a tuple such as ``(K, n)``)."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        probs = torch.tensor(self.mixture, device=device)
        idx = torch.multinomial(
            probs, math.prod(shape), replacement=True, generator=generator
        )
        roles = torch.tensor(self.calls, device=device)[idx].reshape(*shape, 2)
        return roles[..., :1], roles[..., 1:]

    def training_loss_rows(self, network, x, y, z, t, eps_x, eps_y, sde, generator):
        """Squared noise error on the diffused coordinates of each row, shape (n,)
        (``(K, n)`` with a member axis); each row's roles are drawn from
        ``mixture`` with ``generator``."""
        role_x, role_y = self.training_roles(x.shape[:-1], generator, x.device)
        return noise_error_rows(network, x, y, z, role_x, role_y, t, eps_x, eps_y, sde)

    def kl_terms(self, network, x, y, z, t, eps_x, eps_y, sde, sigma):
        """Per-sample terms of every KL the estimates need, from one draw, each
        against a reference density ``q`` of that call's diffused variables.

        The reference is the network's own when it has a density (the Gaussian
        fitted to the training rows, ``reference="gaussian"``): per call, the
        Gaussian of the diffused variables given the clean ones. Otherwise it is
        ``N(0, sigma^2 I)`` (the method page, "Entropies"). For any ``q``,
        ``H(p) = E_p[-log q] - KL(p || q)``, so every entropy is a
        cross-entropy against ``q`` less a KL; the nearer ``q`` is to ``p``, the
        smaller the KL that the network has to carry.

        ``network`` is one network or a list of K networks read on the same draws;
        every squared norm below is then a :func:`pair_norm` over them.

        Returns
        -------
        outputs : list of (torch.Tensor, torch.Tensor)
            The noise predictions of each call in ``calls``, each of shape
            ``(K, n, d)``.
        kl_ref : list of torch.Tensor of shape (n,)
            ``1/2 w(t) ||eps_theta - eps_q||^2`` on the diffused coordinates of each
            call: the integrand of ``KL(p || q)`` for that call's density.
        weight : torch.Tensor of shape (n,)
            The importance weight ``w(t) = r(t) / q(t)``.
        nll : list of torch.Tensor of shape (n,)
            ``-log q`` of each call's diffused variables at the clean rows (given
            the clean ones), each row's part of the cross-entropy.
        fitted : bool
            Whether ``q`` is the fitted Gaussian (else ``N(0, sigma^2 I)``, whose
            cross-entropies cancel in the MI).
        bias : tuple of float
            What the plain and the sigma forms read too high: the reference's
            ``mi_bias`` and ``mi_sigma_bias`` (``_reference.py``).
        """
        networks = as_networks(network)
        per_network = [
            predict_noise_calls(net, x, y, z, t, eps_x, eps_y, sde, self.calls)
            for net in networks
        ]
        outputs = [
            tuple(torch.stack([o[i][v] for o in per_network]) for v in (0, 1))
            for i in range(len(self.calls))
        ]
        reference = getattr(networks[0], "reference", None)
        fitted = hasattr(reference, "nll")
        refs, nll = (
            fitted_reference_terms(reference, x, y, z, t, eps_x, eps_y, sde, self.calls)
            if fitted
            else standard_reference_terms(x, y, t, eps_x, eps_y, sde, sigma, self.calls)
        )
        weight = sde.importance_weight(t).squeeze(1)
        kl_ref = []
        for (role_x, role_y), (ex, ey), (ref_x, ref_y) in zip(
            self.calls, outputs, refs, strict=True
        ):
            sq = torch.zeros_like(weight)
            if role_x == DIFFUSED:
                sq = sq + pair_norm(ex - ref_x)
            if role_y == DIFFUSED:
                sq = sq + pair_norm(ey - ref_y)
            kl_ref.append(0.5 * weight * sq)
        bias = (
            getattr(reference, "mi_bias", 0.0),
            getattr(reference, "mi_sigma_bias", 0.0),
        )
        return outputs, kl_ref, weight, nll, fitted, bias

    def likelihood_terms(self, network, x, y, z, t, eps_x, eps_y, sde):
        """Per-sample sum of the log-likelihood bounds of every density in ``calls``;
        with a list of networks, the mean of their bounds."""
        networks = as_networks(network)
        if len(networks) > 1:
            return sum(
                self.likelihood_terms(net, x, y, z, t, eps_x, eps_y, sde)
                for net in networks
            ) / len(networks)
        outputs = predict_noise_calls(
            networks[0], x, y, z, t, eps_x, eps_y, sde, self.calls
        )
        total = torch.zeros(x.shape[0], device=x.device)
        for (role_x, role_y), (ex, ey) in zip(self.calls, outputs, strict=True):
            eps_hat = [e for r, e in ((role_x, ex), (role_y, ey)) if r == DIFFUSED]
            eps = [e for r, e in ((role_x, eps_x), (role_y, eps_y)) if r == DIFFUSED]
            v = [e for r, e in ((role_x, x), (role_y, y)) if r == DIFFUSED]
            total = total + log_likelihood_bound_terms(
                torch.cat(eps_hat, 1), torch.cat(eps, 1), torch.cat(v, 1), t, sde
            )
        return total


class ConditionalVariant(_Variant):
    """MINDE-C: X is diffused, Y absent (marginal score) or clean (conditional score).

    ``I = H(X) - H(X | Y)``; entropies ``"x"`` and ``"x|y"``.
    """

    name = "c"
    calls = ((DIFFUSED, ABSENT), (DIFFUSED, CLEAN))
    densities = "log p(x) + log p(x | y)"

    def mi_terms(self, network, x, y, z, t, eps_x, eps_y, sde, sigma):
        """Per-sample terms of the plain and sigma estimates, and of the entropies.

        Returns
        -------
        dict of str to torch.Tensor of shape (n,)
            ``"mi"``, ``"mi_sigma"``, ``"h_x"``, ``"h_x|y"``.
        """
        out, kls, w, nll, fitted, bias = self.kl_terms(
            network, x, y, z, t, eps_x, eps_y, sde, sigma
        )
        kl_marg, kl_cond = kls
        nll_marg, nll_cond = nll
        (marg, _), (cond, _) = out
        # the cross-entropies of N(0, sigma^2 I) cancel exactly; a fitted q's do not
        ref_mi = nll_marg - nll_cond if fitted else 0.0
        return {
            "mi": 0.5 * w * pair_norm(cond - marg) - bias[0],
            "mi_sigma": kl_cond - kl_marg + ref_mi - bias[1],
            "h_x": nll_marg - kl_marg,
            "h_x|y": nll_cond - kl_cond,
        }


class JointVariant(_Variant):
    """MINDE-J: X and Y diffused together (joint score) or one at a time, the other
    clean (the two conditional scores).

    ``I = H(X, Y) - H(X | Y) - H(Y | X)``; entropies ``"xy"``, ``"x|y"``, ``"y|x"``,
    ``"x"``, ``"y"``.
    """

    name = "j"
    calls = ((DIFFUSED, DIFFUSED), (DIFFUSED, CLEAN), (CLEAN, DIFFUSED))
    densities = "log p(x, y) + log p(x | y) + log p(y | x)"

    def mi_terms(self, network, x, y, z, t, eps_x, eps_y, sde, sigma):
        """Per-sample terms of the plain and sigma estimates, and of the entropies.

        Returns
        -------
        dict of str to torch.Tensor of shape (n,)
            ``"mi"``, ``"mi_sigma"``, ``"h_xy"``, ``"h_x|y"``, ``"h_y|x"``, ``"h_x"``,
            ``"h_y"``.
        """
        out, kls, w, nll, fitted, bias = self.kl_terms(
            network, x, y, z, t, eps_x, eps_y, sde, sigma
        )
        (joint_x, joint_y), (cond_x, _), (_, cond_y) = out
        kl_joint, kl_x_given_y, kl_y_given_x = kls
        nll_joint, nll_x_given_y, nll_y_given_x = nll
        h_xy = nll_joint - kl_joint
        h_x_given_y = nll_x_given_y - kl_x_given_y
        h_y_given_x = nll_y_given_x - kl_y_given_x
        # the cross-entropies of N(0, sigma^2 I) cancel exactly; a fitted q's do not
        ref_mi = nll_joint - nll_x_given_y - nll_y_given_x if fitted else 0.0
        return {
            "mi": 0.5 * w * (pair_norm(joint_x - cond_x) + pair_norm(joint_y - cond_y))
            - bias[0],
            "mi_sigma": kl_x_given_y + kl_y_given_x - kl_joint + ref_mi - bias[1],
            "h_xy": h_xy,
            "h_x|y": h_x_given_y,
            "h_y|x": h_y_given_x,
            "h_x": h_xy - h_y_given_x,
            "h_y": h_xy - h_x_given_y,
        }


class MarginalVariant(_Variant):
    """The density of X alone (a fit without y): X is diffused and y absent, the
    unconditional call of MINDE-C and its only one.

    ``H(X)``; entropy ``"x"``. Fitted on data whose y has no columns; a MINDE-C
    network reads it too, its y absent.
    """

    name = "marginal"
    calls = ((DIFFUSED, ABSENT),)
    densities = "log p(x)"

    @property
    def mixture(self):
        """Every training row trains the one call."""
        return (1.0,)

    def mi_terms(self, network, x, y, z, t, eps_x, eps_y, sde, sigma):
        """Per-sample terms of the entropy.

        Returns
        -------
        dict of str to torch.Tensor of shape (n,)
            ``"h_x"``.
        """
        _, (kl,), _, (nll,), _, _ = self.kl_terms(
            network, x, y, z, t, eps_x, eps_y, sde, sigma
        )
        return {"h_x": nll - kl}


#: The variants with their default training mixture, by name.
VARIANTS = {"c": ConditionalVariant(), "j": JointVariant()}

#: The long names ``variant`` accepts for each variant.
LONG_NAMES = {"conditional": "c", "joint": "j"}


#: The variant of a fit without y (not a choice of ``variant``).
MARGINAL = MarginalVariant()


def variant_name(variant):
    """The short name of ``variant``: ``"conditional"`` -> ``"c"``, ``"joint"`` ->
    ``"j"``; a short name (or ``"marginal"``) is returned as it is."""
    return LONG_NAMES.get(variant, variant)
