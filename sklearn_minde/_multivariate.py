"""Total correlation, dual total correlation and O-information by MINDE.

From the method page (docs/user_guide/method.rst). The data are k variables
``X_1..X_k``, each a block of columns, laid side by side in one standardised
tensor ``x`` of shape ``(n, D)``: variable i holds ``sizes[i]`` consecutive
columns. One network ``eps_theta(x, (tau_1..tau_k))`` with one time per variable
(``ScoreNetwork(D, ..., n_times=k)``) serves every term: each call gives each
variable a role (``DIFFUSED``, ``CLEAN`` or ``ABSENT``, as in ``_variants.py``),
and every call that belongs to one sample shares its ``t`` and its noise.

For a set A of the variables (all of them, or all but one for the gradient),
the others absent in every call:

- the joint call of A: A diffused, the score of ``p(x_A,t)``;
- the marginal call of ``X_i``: ``X_i`` diffused, the others absent;
- the conditional call of ``X_i`` within A: ``X_i`` diffused, ``A - {i}`` clean,
  the score of ``p(x_i,t | x_A-i)``.

Each term is ``1/2 int g^2 E||difference of scores||^2 dt``, read as
``1/2 w(t) ||difference of noise predictions||^2`` on the draws of the data:

- ``TC(A) = KL(p_A || prod_i p_i)``: the joint call against the marginal calls side
  by side (the product law diffuses into the product of the diffused marginals:
  Girsanov, as for MINDE's MI);
- ``DTC(A) = H(X_A) - sum_i H(X_i | X_A-i)``: the joint call against the
  conditional calls side by side. Conditional i's noise prediction
  ``E[eps_i | x_i,t, x_A-i]`` is also ``E[eps_i | x_i,t, x_A-i, eps_A-i]``, whose
  mean given ``x_A,t`` is the joint call's; so ``E||cond_i - joint_i||^2`` is the
  difference of their KLs against the reference, and the sum over i is the
  difference of the entropies (for k = 2, MINDE-J's MI);
- ``O(A) = TC(A) - DTC(A)``, and the gradient ``partial_i O = O(X) - O(X_-i)``;
- ``I(X_i; X_-i)``: conditional i against marginal i (MINDE-C), reported per
  variable; with exact scores the sum over i is ``TC + DTC``.

O is read as TC - DTC, both against the joint call: after short training on the
Gaussian triples of the tests it came nearer the truth than ``2 TC - sum_i
I(X_i; X_-i)`` or the difference of the entropies, which read synergy as
redundancy. Entropies are cross-entropies of the standard normal reference less
a KL, as ``_variants.ConditionalVariant.mi_terms`` reads ``h_x``.
"""

import copy
import math
from dataclasses import dataclass

import torch

from ._auto import AUTO_EPOCHS, auto_max_iter, auto_weight_decay
from ._checks import HeldOutChecks
from ._network import ScoreNetwork
from ._runtime import make_generator, progress_bar, seeded_cpu_rng, stream_seed
from ._sde import draw_noise
from ._training import (
    check_finite,
    optimiser_and_schedule,
    recent_loss,
    training_steps,
)
from ._variants import (
    ABSENT,
    CLEAN,
    DIFFUSED,
    VARIANTS,
    as_networks,
    gaussian_entropy_terms,
    network_input,
    pair_norm,
    reference_noise,
)


# ----------------------------------------------------------------- the calls
def call(k, diffused, clean=()):
    """The roles of one call over k variables: those in ``diffused`` diffused,
    those in ``clean`` clean, the others absent."""
    return tuple(
        DIFFUSED if j in diffused else CLEAN if j in clean else ABSENT for j in range(k)
    )


def joint_call(k, within):
    """The variables ``within`` diffused, the others absent: the score of their
    joint law."""
    return call(k, within)


def marginal_call(k, i):
    """``X_i`` diffused, the others absent: the score of ``X_i``'s marginal."""
    return call(k, (i,))


def conditional_call(k, i, within):
    """``X_i`` diffused, the other variables of ``within`` clean, the rest absent:
    the score of ``X_i`` given them."""
    return call(k, (i,), tuple(j for j in within if j != i))


def variable_sets(k, gradient):
    """The sets of variables whose TC and DTC are read: every variable, and with
    ``gradient`` and at least 3 variables, every variable but one (with 2, the O
    of one variable is 0)."""
    everything = tuple(range(k))
    if not gradient or k < 3:
        return (everything,)
    return (everything,) + tuple(
        tuple(j for j in everything if j != i) for i in everything
    )


def call_families(k, gradient):
    """The calls the terms need, family by family: the joint call, the marginal
    calls and the conditional calls of every variable, then with the gradient
    (k >= 3) the joint calls and the conditional calls within every set of all
    variables but one (:func:`variable_sets`).

    ``2 k + 1`` calls; with the gradient, ``(k + 1)^2``.

    Returns
    -------
    dict of str to tuple of tuple of int
        Each family's calls, each call one role per variable, keyed as
        :data:`FAMILY_WEIGHTS`.
    """
    everything, *others = variable_sets(k, gradient)
    families = {
        "joint": (joint_call(k, everything),),
        "marginal": tuple(marginal_call(k, i) for i in everything),
        "conditional": tuple(conditional_call(k, i, everything) for i in everything),
    }
    if others:
        families["subset joint"] = tuple(joint_call(k, within) for within in others)
        families["subset conditional"] = tuple(
            conditional_call(k, i, within) for within in others for i in within
        )
    return families


#: The training share of each family of calls, relative to the others: the
#: conditional calls learn slowest (their targets depend on the clean variables
#: at every time), so they get twice the rows.
FAMILY_WEIGHTS = {
    "joint": 1,
    "marginal": 1,
    "conditional": 2,
    "subset joint": 1,
    "subset conditional": 2,
}


@dataclass(frozen=True)
class MultivariateCalls:
    """The calls of the multivariate terms and the training mixture over them.

    Also the two-variable interface that ``_checks.HeldOutChecks`` reads
    (:meth:`training_loss_rows` and :meth:`mi_terms` with ``x`` holding every
    variable's columns and ``y``, ``z`` none), so that the held-out checks of
    training serve here unchanged.

    Parameters
    ----------
    sizes : tuple of int
        Columns of each variable, in the order of ``x``'s columns.
    gradient : bool
        Whether to read the gradient of the O-information (for k >= 3, ``k^2``
        calls more than the ``2 k + 1`` of TC, DTC and O).
    """

    sizes: tuple
    gradient: bool

    @property
    def n_variables(self):
        return len(self.sizes)

    @property
    def families(self):
        return call_families(self.n_variables, self.gradient)

    @property
    def calls(self):
        """Every call, family by family."""
        return tuple(call for family in self.families.values() for call in family)

    @property
    def mixture(self):
        """How often each call's roles are drawn in training: each family its
        :data:`FAMILY_WEIGHTS` share, split evenly between its calls."""
        families = self.families
        total = sum(FAMILY_WEIGHTS[name] for name in families)
        return tuple(
            FAMILY_WEIGHTS[name] / (total * len(family))
            for name, family in families.items()
            for _ in family
        )

    @property
    def columns(self):
        """The slice of ``x``'s columns of each variable."""
        ends = [sum(self.sizes[: i + 1]) for i in range(self.n_variables)]
        return [slice(end - d, end) for end, d in zip(ends, self.sizes, strict=True)]

    def training_roles(self, n, generator, device):
        """Draw each row's call from :attr:`mixture`: roles of shape ``(n, k)``."""
        probs = torch.tensor(self.mixture, device=device)
        idx = torch.multinomial(probs, n, replacement=True, generator=generator)
        return torch.tensor(self.calls, device=device)[idx]

    def loss_rows(self, network, x, roles, t, eps, sde):
        """Squared noise error on the diffused columns of each row, shape ``(n,)``."""
        diffused = column_roles(roles, self.sizes) == DIFFUSED
        eps_hat = predict_noise(network, x, roles, t, eps, sde, self.sizes)
        return (diffused * (eps_hat - eps).square()).sum(-1)

    def training_loss_rows(self, network, x, y, z, t, eps_x, eps_y, sde, generator):
        """:meth:`loss_rows` with roles drawn by ``generator`` (the held-out checks'
        interface; ``y`` and ``z`` have no columns)."""
        roles = self.training_roles(x.shape[0], generator, x.device)
        return self.loss_rows(network, x, roles, t, eps_x, sde)

    def mi_terms(self, network, x, y, z, t, eps_x, eps_y, sde, sigma):
        """:func:`multivariate_terms` (the held-out checks' interface; ``y`` and
        ``z`` have no columns, and ``sigma`` is not read: the reference here is
        ``N(0, I)``)."""
        return multivariate_terms(network, x, t, eps_x, sde, self)


# --------------------------------------------------------- network calls
def column_roles(roles, sizes):
    """Roles per variable, shape ``(n, k)``, to roles per column, ``(n, D)``."""
    counts = torch.tensor(sizes, device=roles.device)
    return roles.repeat_interleave(counts, dim=-1)


def first_columns(sizes):
    """The index of each variable's first column."""
    return [sum(sizes[:i]) for i in range(len(sizes))]


def predict_noise(network, x, roles, t, eps, sde, sizes):
    """``eps_theta`` of every column for per-row roles of each variable.

    The network sees each variable in its role (``_variants.network_input``) and
    one time per variable; its output is a residual over the exact noise
    prediction of independent standard normal variables, ``s_t`` times the value
    on the diffused columns and zero elsewhere (``_reference.StandardReference``).

    Parameters
    ----------
    network : ScoreNetwork
        With ``n_times = k``.
    x : torch.Tensor of shape (n, D)
        Clean standardised rows.
    roles : torch.Tensor of shape (n, k)
    t : torch.Tensor of shape (n, 1)
    eps : torch.Tensor of shape (n, D)
    sde : VPSDE
    sizes : tuple of int

    Returns
    -------
    torch.Tensor of shape (n, D)
    """
    per_column = column_roles(roles, sizes)
    value, time = network_input(x, per_column, t, eps, sde)
    skip = (per_column == DIFFUSED) * sde.std(t) * value
    return network(value, time[:, first_columns(sizes)]) + skip


#: Most rows of one forward pass of :func:`predict_noise_calls`: the calls
#: multiply the rows read, so they go through the network in groups.
MAX_FORWARD_ROWS = 2**16


def predict_noise_calls(network, x, t, eps, sde, sizes, calls):
    """Several calls with fixed roles, on the same draws, in as few forward passes
    as :data:`MAX_FORWARD_ROWS` allows.

    Returns
    -------
    list of torch.Tensor of shape (n, D)
        The noise prediction of each call.
    """
    n = x.shape[0]
    per_pass = max(1, MAX_FORWARD_ROWS // max(n, 1))
    out = []
    for start in range(0, len(calls), per_pass):
        group = calls[start : start + per_pass]
        c = len(group)
        roles = torch.tensor(group, device=x.device).repeat_interleave(n, dim=0)
        eps_hat = predict_noise(
            network, x.repeat(c, 1), roles, t.repeat(c, 1), eps.repeat(c, 1), sde, sizes
        )
        out.extend(eps_hat.split(n))
    return out


# ------------------------------------------------------------ the terms
def kl_rows(weight, a, b):
    """``1/2 w(t) ||a - b||^2`` per row, a :func:`~sklearn_minde._variants.pair_norm`
    over the leading network axis of ``a`` and ``b`` (shape ``(K, n, d)``)."""
    return 0.5 * weight * pair_norm(a - b)


def side_by_side(outputs, columns):
    """Each call's noise prediction on its own variable's columns, side by side."""
    return torch.cat([o[..., c] for o, c in zip(outputs, columns, strict=True)], -1)


def total_correlation_rows(weight, joint, marginals, columns):
    """Per-row terms of ``TC = KL(p || prod_i p_i)`` over the variables whose
    ``columns`` are given: the joint call (on those columns) against the marginal
    calls side by side."""
    return kl_rows(weight, joint, side_by_side(marginals, columns))


def dual_total_correlation_rows(weight, joint, conditionals, columns):
    """Per-row terms of ``DTC = H(X) - sum_i H(X_i | X_-i)`` over the variables
    whose ``columns`` are given: the joint call (on those columns) against the
    conditional calls side by side."""
    return kl_rows(weight, joint, side_by_side(conditionals, columns))


def o_information_rows(total_correlation, dual_total_correlation):
    """``O = TC - DTC`` per row."""
    return total_correlation - dual_total_correlation


def o_information_gradient_rows(o_information, o_without, k):
    """``partial_i O = O(X) - O(X_-i)`` per row and variable, shape ``(n, k)``.

    ``o_without`` holds the per-row O of each ``X_-i``; it is empty for k = 2,
    where each ``X_-i`` is one variable, whose O is 0.
    """
    if not o_without:
        return o_information.unsqueeze(-1).expand(-1, k)
    return o_information.unsqueeze(-1) - torch.stack(o_without, -1)


def mutual_information_rows(weight, conditional, marginal, cols):
    """Per-row terms of ``I(X_i; X_-i)``: the conditional call of ``X_i`` against
    its marginal call, on ``X_i``'s columns ``cols``."""
    return kl_rows(weight, conditional[..., cols], marginal[..., cols])


def entropy_rows(weight, call, reference, v):
    """``H = E[-log N(v; 0, I)] - KL(p || N(0, I))`` per row: the reference's
    cross-entropy at the clean values ``v`` less the KL of the call's noise
    prediction against the reference's, ``reference``."""
    return gaussian_entropy_terms(v, 1.0) - kl_rows(weight, call, reference)


def correlation_rows(out, weight, k, within, columns):
    """Per-row ``(TC, DTC)`` of the variables ``within``, from the noise
    predictions ``out`` of every call (a dict keyed by the call's roles)."""
    index = [j for i in within for j in range(columns[i].start, columns[i].stop)]
    joint = out[joint_call(k, within)][..., index]
    cols = [columns[i] for i in within]
    marginals = [out[marginal_call(k, i)] for i in within]
    conditionals = [out[conditional_call(k, i, within)] for i in within]
    return (
        total_correlation_rows(weight, joint, marginals, cols),
        dual_total_correlation_rows(weight, joint, conditionals, cols),
    )


def multivariate_terms(network, x, t, eps, sde, calls):
    """Per-row terms of every multivariate quantity, from one draw.

    Parameters
    ----------
    network : ScoreNetwork or list of ScoreNetwork
        A list is read together: every squared norm becomes a
        :func:`~sklearn_minde._variants.pair_norm` over the networks.
    x : torch.Tensor of shape (n, D)
    t : torch.Tensor of shape (n, 1)
    eps : torch.Tensor of shape (n, D)
    sde : VPSDE
    calls : MultivariateCalls

    Returns
    -------
    dict of str to torch.Tensor
        Of shape ``(n,)``: ``"total_correlation"``, ``"dual_total_correlation"``,
        ``"o_information"``, ``"h_joint"`` (``H(X)``). Of shape ``(n, k)``:
        ``"mutual_information"`` (``I(X_i; X_-i)``), ``"h_marginal"``
        (``H(X_i)``), ``"h_conditional"`` (``H(X_i | X_-i)``) and, with
        ``calls.gradient``, ``"o_information_gradient"``. Entropies are of the
        standardised columns.
    """
    k, columns = calls.n_variables, calls.columns
    everything, *others = variable_sets(k, calls.gradient)
    per_network = [
        predict_noise_calls(net, x, t, eps, sde, calls.sizes, calls.calls)
        for net in as_networks(network)
    ]
    out = {
        call: torch.stack([o[c] for o in per_network])
        for c, call in enumerate(calls.calls)
    }
    weight = sde.importance_weight(t).squeeze(1)
    ref = reference_noise(sde.perturb(x, t, eps), t, sde, 1.0)
    tc, dtc = correlation_rows(out, weight, k, everything, columns)
    o = o_information_rows(tc, dtc)
    marginals = [out[marginal_call(k, i)] for i in everything]
    conditionals = [out[conditional_call(k, i, everything)] for i in everything]
    terms = {
        "total_correlation": tc,
        "dual_total_correlation": dtc,
        "o_information": o,
        "mutual_information": torch.stack(
            [
                mutual_information_rows(weight, c, m, cols)
                for c, m, cols in zip(conditionals, marginals, columns, strict=True)
            ],
            -1,
        ),
        "h_joint": entropy_rows(weight, out[joint_call(k, everything)], ref, x),
        "h_marginal": torch.stack(
            [
                entropy_rows(weight, m[..., cols], ref[:, cols], x[:, cols])
                for m, cols in zip(marginals, columns, strict=True)
            ],
            -1,
        ),
        "h_conditional": torch.stack(
            [
                entropy_rows(weight, c[..., cols], ref[:, cols], x[:, cols])
                for c, cols in zip(conditionals, columns, strict=True)
            ],
            -1,
        ),
    }
    if calls.gradient:
        terms["o_information_gradient"] = o_information_gradient_rows(
            o,
            [
                o_information_rows(*correlation_rows(out, weight, k, s, columns))
                for s in others
            ],
            k,
        )
    return terms


# --------------------------------------------------------------- training
def init_network(n_features, n_variables, hidden_dim, n_blocks, activation, seed):
    """A :class:`ScoreNetwork` with one time input per variable, initialised from
    the stream ``"init"`` of ``seed`` (torch's global RNG is left untouched)."""
    with seeded_cpu_rng(stream_seed(seed, "init")):
        return ScoreNetwork(
            n_features, hidden_dim, n_blocks, activation, n_times=n_variables
        )


def minibatch(x, batch_size, sde, calls, generator):
    """A random minibatch of the training rows with its draws, all from
    ``generator`` in a fixed order (rows, times, noises, roles):
    ``(x, roles, t, eps)``."""
    idx = torch.randint(x.shape[0], (batch_size,), generator=generator, device=x.device)
    xb = x[idx]
    t, eps, _ = draw_noise(xb, xb[:, :0], sde, generator)
    return xb, calls.training_roles(batch_size, generator, x.device), t, eps


def training_step(network, optimizer, x, batch_size, sde, calls, generator):
    """One Adam step on the mean squared noise error per column of a random
    minibatch; returns the loss, detached."""
    xb, roles, t, eps = minibatch(x, batch_size, sde, calls, generator)
    loss = calls.loss_rows(network, xb, roles, t, eps, sde).mean() / x.shape[1]
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def train(network, x, x_val, sde, calls, config, seed):
    """Train ``network`` on the mixture of ``calls``, as ``_training.train`` trains
    a two-variable network: Adam with the learning-rate schedule, an EMA of the
    weights, held-out checks of the loss and of the term ``config.estimate`` (a key
    of :func:`multivariate_terms`) every ``config.check_every`` steps, and the
    stopping rule of ``config``.

    Parameters
    ----------
    network : ScoreNetwork
        Initialised by :func:`init_network`, on the device of the data.
    x, x_val : torch.Tensor of shape (n_train, D), (n_val, D)
        Standardised training and held-out rows, variables side by side.
    sde : VPSDE
    calls : MultivariateCalls
    config : TrainingConfig
    seed : int
        The fit's seed, for the streams ``"training"``, ``"validation_draws"`` and
        ``"validation_roles"``.

    Returns
    -------
    TrainingResult
        Its ``mi_curve`` follows ``config.estimate``.
    """
    gen = make_generator(seed, "training", x.device)
    ema = copy.deepcopy(network).requires_grad_(False)
    optimizer, scheduler = optimiser_and_schedule(network, config)
    none = x_val[:, :0]
    checks = HeldOutChecks(x_val, none, none, sde, calls, config, seed, None)
    losses = torch.zeros(config.max_iter, device=x.device)
    args = (optimizer, x, config.batch_size, sde, calls, gen)
    steps = training_steps(network, training_step, args, ema, scheduler, config, losses)
    with progress_bar(config.max_iter, config.verbose) as bar:
        for step, compiled in steps:  # noqa: B007 - both read after the loop
            recent = recent_loss(losses, step, config).item()
            check_finite(recent, step, config.learning_rate, x, x[:, :0])
            stop = checks.update(ema, step)
            bar.update(step - bar.n)
            bar.set_postfix(checks.postfix(recent))
            if stop:
                break
    return checks.result(ema, step, losses[:step], compiled)


def resolve_max_iter(max_iter, n_train, batch_size, n_calls):
    """``max_iter``, with "auto" giving each of ``n_calls`` calls as many steps as
    MINDE-J's ``max_iter="auto"`` gives each of its calls (``_auto.auto_max_iter``
    times ``n_calls / 3``): every call learns from a share of each minibatch, so
    more calls need more steps."""
    if max_iter != "auto":
        return max_iter
    per_call = auto_max_iter(n_train, batch_size, AUTO_EPOCHS["j"]) / len(
        VARIANTS["j"].calls
    )
    return math.ceil(per_call * n_calls)


def conditional_coefficients(sizes):
    """The linear coefficients the conditional calls learn: each variable's
    columns on every other variable's, ``sum_i d_i (D - d_i)``."""
    total = sum(sizes)
    return sum(d * (total - d) for d in sizes)


def resolve_weight_decay(weight_decay, n_train, sizes):
    """``weight_decay``, with "auto" the larger of ``_auto.auto_weight_decay`` and
    :func:`conditional_coefficients` over ``n_train``.

    What a network learns from the training rows' noise grows with the
    coefficients it fits, and the squared differences of the calls read it as
    dependence: many variables read TC and DTC too high unless the decay grows
    with them.
    """
    if weight_decay != "auto":
        return weight_decay
    return max(auto_weight_decay(n_train), conditional_coefficients(sizes) / n_train)


#: ``gradient="auto"`` reads the gradient up to this many variables, where its
#: ``k (k - 1)`` calls at most double the ``2 k + 1`` calls of TC and DTC.
AUTO_GRADIENT_MAX_VARIABLES = 5


def resolve_gradient(gradient, n_variables):
    """``gradient``, with "auto" resolved by :data:`AUTO_GRADIENT_MAX_VARIABLES`."""
    if isinstance(gradient, str) and gradient == "auto":
        return n_variables <= AUTO_GRADIENT_MAX_VARIABLES
    return bool(gradient)
