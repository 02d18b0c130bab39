"""Reading estimates off a trained network: Monte Carlo passes, units, aggregation.

Data flow: a network and standardised tensors in, per-row numpy terms out, then
estimates and standard errors. Nothing here reads or writes an estimator.
"""

import math

import numpy as np
import torch

from ._auto import estimation_passes
from ._runtime import make_generator, row_keys, stream_seed, warn
from ._sde import draw_noise, draw_noise_for_rows
from ._variants import DIFFUSED

#: Rows per forward pass (bounds memory on large held-out sets).
CHUNK = 16384


@torch.no_grad()
def per_sample_terms(fn, x, y, z, n_passes, draw, tail_of=None):
    """Average per-row terms over Monte Carlo passes, chunk by chunk.

    Parameters
    ----------
    fn : callable
        ``fn(x, y, z, t, eps_x, eps_y)`` returning a dict of per-row tensors.
    x, y, z : torch.Tensor of shape (n, d_x), (n, d_y), (n, d_z)
        Standardised rows; z is the conditioning variable (``d_z = 0`` without one).
    n_passes : int
        Passes over the rows; each draws one time and one noise per row.
    draw : callable
        ``draw(pass_index, rows, x_chunk, y_chunk)`` returning ``(t, eps_x,
        eps_y)`` for the rows ``rows`` (a slice): :func:`stream_draws` or
        :func:`keyed_draws`.
    tail_of : str or None, default=None
        A term whose draws :func:`tail_share` measures.

    Returns
    -------
    dict of str to ndarray of shape (n,)
        The mean of each term over the passes, in float64.
    share : float
        With ``tail_of`` only: the :func:`tail_share` of that term's draws.
    """
    total, tail = {}, DrawTail(x.shape[0] * n_passes)
    for pass_index in range(n_passes):
        parts = []
        for start in range(0, x.shape[0], CHUNK):
            rows = slice(start, start + CHUNK)
            xc, yc, zc = x[rows], y[rows], z[rows]
            parts.append(fn(xc, yc, zc, *draw(pass_index, rows, xc, yc)))
        for k in parts[0]:
            total[k] = total.get(k, 0) + torch.cat([p[k] for p in parts])
            if k == tail_of:
                tail.add(torch.cat([p[k] for p in parts]))
    scale = 1.0 / n_passes
    terms = {k: (v * scale).double().cpu().numpy() for k, v in total.items()}
    return terms if tail_of is None else (terms, tail.share())


def stream_draws(sde, generator, small_times="clamp"):
    """Draws from one random stream over the rows in order (the fit's reading of
    its held-out rows): a row's draws depend on its position.

    ``small_times`` is how the times below ``t_eps`` are read
    (:meth:`VPSDE.sample_time`): ``"clamp"`` for the estimates, ``"drop"`` for
    the likelihood bound.
    """

    def draw(pass_index, rows, x, y):
        return draw_noise(x, y, sde, generator, small_times)

    return draw


def keyed_draws(keys, sde, small_times="clamp"):
    """Draws keyed by each row (the readings of new data): a row's draws depend
    on its key (:func:`read_keys`) and the pass only, not on the other rows or on
    its position (:func:`~sklearn_minde._sde.draw_noise_for_rows`); in the dtype
    of the rows."""

    def draw(pass_index, rows, x, y):
        d_x, d_y = x.shape[1], y.shape[1]
        return draw_noise_for_rows(
            keys[rows], pass_index, d_x, d_y, sde, x.device, small_times, x.dtype
        )

    return draw


def read_keys(tensors, seed, member):
    """The keys of the rows of ``tensors`` (the standardised values the network
    reads, e.g. ``(x, y, z)``) for the reading of ``member`` of a fit seeded with
    ``seed``: data that standardise to the same values get the same draws."""
    arrays = [t.double().cpu().numpy() for t in tensors]
    return row_keys(arrays, stream_seed(seed, "estimation", member))


def mi_fn(variant, networks, sde, sigma):
    """``fn(x, y, z, t, eps_x, eps_y)``: the per-row terms of the estimates and
    entropies under a member's ``networks`` (read together)."""

    def fn(*draw):
        return variant.mi_terms(networks, *draw, sde, sigma)

    return fn


def likelihood_fn(variant, networks, sde):
    """``fn(x, y, z, t, eps_x, eps_y)``: the per-row likelihood bound terms, the
    mean over a member's ``networks``."""

    def fn(*draw):
        return {"bound": variant.likelihood_terms(networks, *draw, sde)}

    return fn


def read_member(
    fn, data, sde, seed, member, n_passes, device, small_times="clamp", tail_of=None
):
    """:func:`per_sample_terms` of one member on ``data = (x, y, z)``, with the
    member's estimation stream over the rows in order and ``n_passes`` resolved
    for these rows (the fit's reading of its held-out rows)."""
    generator = make_generator(seed, "estimation", device, member)
    passes = estimation_passes(n_passes, len(data[0]))
    draw = stream_draws(sde, generator, small_times)
    return per_sample_terms(fn, *data, passes, draw, tail_of)


def read_rows(fn, data, keys, sde, n_passes, small_times="clamp"):
    """:func:`per_sample_terms` of new rows ``data = (x, y, z)``, each drawing
    from its key (:func:`keyed_draws`), ``n_passes`` resolved for these rows."""
    passes = estimation_passes(n_passes, len(data[0]))
    return per_sample_terms(fn, *data, passes, keyed_draws(keys, sde, small_times))


class DrawTail:
    """The share of ``sum |draws|`` carried by the largest :data:`TAIL_FRACTION` of
    ``n_draws`` draws, accumulated pass by pass (a running top-k).

    Parameters
    ----------
    n_draws : int
        Draws that will be added in all (at least one is kept).
    """

    def __init__(self, n_draws):
        self.k = max(1, math.ceil(TAIL_FRACTION * n_draws))
        self.top, self.total = None, 0.0

    def add(self, draws):
        """Take in a pass's draws, a tensor of shape (n,)."""
        a = draws.abs().double().flatten()
        self.total += float(a.sum())
        a = a if self.top is None else torch.cat([self.top, a])
        self.top = a.topk(min(self.k, a.numel())).values

    def share(self):
        """The share so far; 0 without draws."""
        return float(self.top.sum()) / self.total if self.total > 0 else 0.0


def log_jacobian(diffused, log_scale):
    """``log |det|`` of the map from the data to the network's inputs, over the
    variables a density is over.

    A density of standardised data is a density of the original data times this
    Jacobian: entropies gain it, log-likelihoods lose it.

    Parameters
    ----------
    diffused : iterable of {"x", "y"}
        The variables the density is over (the conditioning ones do not count).
    log_scale : dict of {"x", "y"} to float or ndarray of shape (n,)
        Sum of the log column scales of each variable, or its value per row
        (:meth:`~sklearn_minde._data.Standardisation.log_scale`).

    Returns
    -------
    float or ndarray of shape (n,)
    """
    return sum(log_scale[v] for v in diffused)


def entropy_variables(key):
    """The variables an entropy is over: ``"x|y"`` -> ``"x"``, ``"xy"`` -> ``"xy"``."""
    return key.split("|")[0]


def given_z(key):
    """The name of an entropy conditional on z as well: ``"x"`` -> ``"x|z"``,
    ``"x|y"`` -> ``"x|y,z"``."""
    return key + ("," if "|" in key else "|") + "z"


def call_variables(roles):
    """The variables a network call's density is over, from its ``(role_x, role_y)``."""
    return "".join(v for v, role in zip("xy", roles, strict=True) if role == DIFFUSED)


def mean_and_std(values, n_train=None):
    """The mean of per-row values and its standard error.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Per-row values read by networks that did not train on these rows.
    n_train : int or None, default=None
        Rows the networks trained on. The error then also covers, at first order,
        the noise of those rows: the trained densities vary with their training
        sample as the held-out mean varies with the held-out rows, so the
        variance is ``v (1 / n + 1 / n_train)`` for the values' variance ``v``
        (the method page, "Monte Carlo estimate and its standard error"). Not
        the optimisation noise (initial weights, the order of the batches).

    Returns
    -------
    mean, std : float
    """
    std = values.std(ddof=1) / math.sqrt(len(values))
    if n_train is not None:
        std *= math.sqrt(1 + len(values) / n_train)
    return float(values.mean()), float(std)


#: Share of the Monte Carlo draws (rows times passes) whose terms :class:`DrawTail`
#: sums.
TAIL_FRACTION = 0.001

#: :class:`DrawTail` share above which a fit warns that its estimate rests on a few
#: draws.
MAX_TAIL_SHARE = 0.2


class ConcentratedEstimateWarning(UserWarning):
    """A few Monte Carlo draws carry a large share of the estimate.

    The estimate and its standard error then rest on those draws (see
    ``tail_share_``). Heavy-tailed data can have genuinely heavy pointwise MI;
    otherwise more rows, more ``n_estimation_passes`` or cross-fitting
    (``n_folds``, which reads every row) steady the estimate. Silence it with
    ``warnings.filterwarnings("ignore", category=ConcentratedEstimateWarning)``.
    """


def warn_if_concentrated(share):
    """Warn with a :class:`ConcentratedEstimateWarning` when ``share`` (of a
    :class:`DrawTail`) exceeds :data:`MAX_TAIL_SHARE`."""
    if share > MAX_TAIL_SHARE:
        warn(
            f"The largest {TAIL_FRACTION:.1%} of the Monte Carlo draws carry "
            f"{share:.0%} of the estimate: it rests on a few draws. With heavy-"
            "tailed data this can be genuine; otherwise more rows, a larger "
            "n_estimation_passes or cross-fitting (n_folds) steady it.",
            ConcentratedEstimateWarning,
        )


def crossfit_mean_and_std(parts, n_train=None):
    """Mean and standard error of per-row values read by several networks, each on
    its own rows (cross-fitting), including the spread between the networks.

    With ``m_k``, ``v_k`` and ``n_k`` the mean, variance and count of member k's
    values (``K`` members, ``n`` rows), the variance of the overall mean is
    ``sum_k (n_k / n)^2 v_k / n_k`` (sampling and Monte Carlo noise) plus
    ``tau^2 / K``, where ``tau^2 = max(0, var_k(m_k) - mean_k(v_k / n_k))`` is the
    variance between the members' means beyond their sampling noise: the training
    noise, which one network's standard error cannot show.

    Parameters
    ----------
    parts : list of ndarray of shape (n_k,)
    n_train : int or None, default=None
        With one part: see :func:`mean_and_std`. Several parts measure the
        training noise by their spread instead.

    Returns
    -------
    mean, std : float
    """
    if len(parts) == 1:
        return mean_and_std(parts[0], n_train)
    n_k = np.array([len(p) for p in parts], dtype=float)
    m_k = np.array([p.mean() for p in parts])
    v_k = np.array([p.var(ddof=1) for p in parts])
    n = n_k.sum()
    sampling = np.sum((n_k / n) ** 2 * v_k / n_k)
    between = max(0.0, m_k.var(ddof=1) - np.mean(v_k / n_k))
    mean = float(np.sum(n_k * m_k) / n)
    return mean, float(np.sqrt(sampling + between / len(parts)))


def summarise(terms, name, log_scale, conditional=False, n_train=None):
    """Estimates, entropies and their standard errors from per-row terms.

    Parameters
    ----------
    terms : list of dict of str to ndarray of shape (n_k,)
        For each member, the output of a variant's ``mi_terms`` through
        :func:`per_sample_terms` on that member's held-out rows.
    name : str
        Estimate name of the plain form, e.g. ``"minde_c"``; the sigma form is
        ``name + "_sigma"``.
    log_scale : dict of {"x", "y"} to float
        See :func:`log_jacobian`.
    conditional : bool, default=False
        Whether the terms are conditional on a z: the entropies are then named by
        :func:`given_z`.
    n_train : int or None, default=None
        Training rows of the networks (see :func:`crossfit_mean_and_std`).

    Returns
    -------
    estimates, stds : dict of str to float
        The MI estimates among the terms (none for a fit without y); standard
        errors by :func:`crossfit_mean_and_std`.
    entropies, entropies_std : dict of str to float
        In the units of the original data, with their standard errors.
    """
    forms = {"mi": name, "mi_sigma": f"{name}_sigma"}
    stats = {
        forms[k]: crossfit_mean_and_std([t[k] for t in terms], n_train)
        for k in forms
        if k in terms[0]
    }
    entropy_stats = {}
    for k in terms[0]:
        if k.startswith("h_"):
            mean, std = crossfit_mean_and_std([t[k] for t in terms], n_train)
            jacobian = log_jacobian(entropy_variables(k[2:]), log_scale)
            entropy_stats[given_z(k[2:]) if conditional else k[2:]] = (
                mean + jacobian,
                std,
            )
    return (
        {k: m for k, (m, _) in stats.items()},
        {k: s for k, (_, s) in stats.items()},
        {k: m for k, (m, _) in entropy_stats.items()},
        {k: s for k, (_, s) in entropy_stats.items()},
    )


def likelihood_bound(terms, calls, log_scale):
    """Per-row log-likelihood bound in the units of the original data.

    Parameters
    ----------
    terms : ndarray of shape (n,)
        The bound on standardised data (sum over ``calls``).
    calls : tuple of (int, int)
        The variant's network calls, whose densities the bound sums.
    log_scale : dict of {"x", "y"} to float or ndarray of shape (n,)

    Returns
    -------
    ndarray of shape (n,)
    """
    return terms - sum(log_jacobian(call_variables(c), log_scale) for c in calls)
