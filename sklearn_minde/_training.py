"""Training the score network: one step, the loop and its stacked form.

Data flow: standardised tensors in, a :class:`~sklearn_minde._checks.TrainingResult`
out. Nothing here reads or writes an estimator's attributes.
"""

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch

from ._checks import HeldOutChecks
from ._data import divergence_causes
from ._ensemble import EnsembleNetwork
from ._network import ScoreNetwork
from ._runtime import make_generator, progress_bar, seeded_cpu_rng, stream_seed, warn
from ._sde import draw_noise
from ._variants import noise_error_rows


def init_network(
    n_features,
    hidden_dim,
    n_blocks,
    activation,
    seed,
    reference=None,
    member=None,
    n_conditioning=0,
):
    """A :class:`ScoreNetwork` initialised from the stream ``"init"`` of ``seed``.

    torch's global RNG is left untouched. ``reference`` and ``n_conditioning`` are
    passed on.
    """
    with seeded_cpu_rng(stream_seed(seed, "init", member)):
        return ScoreNetwork(
            n_features,
            hidden_dim,
            n_blocks,
            activation,
            reference=reference,
            n_conditioning=n_conditioning,
        )


@dataclass
class TrainingConfig:
    """What the training loop needs besides data, network and SDE.

    Attributes
    ----------
    batch_size, max_iter : int
        Minibatch size and the most steps to run.
    learning_rate, ema_decay : float
        Adam's step size and the decay of the weights' moving average.
    weight_decay : float
        Decoupled weight decay (AdamW); 0 runs plain Adam.
    early_stopping : bool
        ``"auto"``: stop when the held-out loss has risen significantly above its
        best (over-fitting, see :func:`~sklearn_minde._checks.significant_rise`).
        True: also stop after ``n_iter_no_change`` checks without a new lowest
        held-out loss. ``"mi"``: also stop once the held-out MI has risen by less
        than its standard error over the last ``n_iter_no_change`` checks
        (:func:`~sklearn_minde._checks.mi_converged`).
        After over-fitting the averaged network of the check with the lowest
        held-out loss is returned, else the last one. False: run ``max_iter`` steps
        and return the last averaged network.
    n_iter_no_change : int
    verbose : int
        Show a progress bar when positive.
    sigma : float
        Reference scale of the sigma form, for the MI curve.
    estimate : {"mi", "mi_sigma"}
        The per-row term of the variant's ``mi_terms`` that the MI curve follows.
    schedule : {"constant", "cosine"}
        The learning rate over the steps (:func:`learning_rate_factor`).
    compile : bool
        Run the network's forward and backward of each training step through
        ``torch.compile`` (:func:`compiled_step_network`).
    """

    batch_size: int
    max_iter: int
    learning_rate: float
    ema_decay: float
    weight_decay: float
    early_stopping: bool | str
    n_iter_no_change: int
    verbose: int = 0
    sigma: float = 1.0
    estimate: str = "mi"
    schedule: str = "constant"
    compile: bool = False

    @property
    def check_every(self):
        """Steps between two checks of the held-out loss (20 checks per budget)."""
        return max(50, self.max_iter // 20)


#: Share of ``max_iter`` over which the cosine schedule warms up linearly.
WARMUP = 0.05


def learning_rate_factor(step, max_iter, schedule):
    """The learning rate at ``step`` as a share of ``learning_rate``.

    ``"constant"``: 1. ``"cosine"``: a linear warm-up over the first
    :data:`WARMUP` of ``max_iter`` steps, then a cosine decay to 0 at ``max_iter``.
    """
    if schedule == "constant":
        return 1.0
    warmup = max(1, int(WARMUP * max_iter))
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, max_iter - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def minibatch(x, y, z, batch_size, sde, variant, generator):
    """A random minibatch of the training rows with its draws, all from
    ``generator`` in a fixed order (rows, times, noises, roles):
    ``(x, y, z, role_x, role_y, t, eps_x, eps_y)``."""
    idx = torch.randint(x.shape[0], (batch_size,), generator=generator, device=x.device)
    xb, yb, zb = x[idx], y[idx], z[idx]
    t, ex, ey = draw_noise(xb, yb, sde, generator)
    role_x, role_y = variant.training_roles(batch_size, generator, x.device)
    return xb, yb, zb, role_x, role_y, t, ex, ey


def adam_step(network, optimizer, batch, sde):
    """One optimiser step on the mean squared noise error of ``batch`` (as
    :func:`minibatch` returns it, with or without a leading member axis); with a
    member axis the loss is the sum of the members' means, so that each member gets
    the gradient it would get alone.

    Returns
    -------
    torch.Tensor
        The minibatch loss per coordinate, detached: a scalar, or one per member.
    """
    rows = noise_error_rows(network, *batch, sde)
    loss = rows.mean(-1) / (batch[0].shape[-1] + batch[1].shape[-1])
    optimizer.zero_grad(set_to_none=True)
    loss.sum().backward()
    optimizer.step()
    return loss.detach()


def training_step(network, optimizer, x, y, z, batch_size, sde, variant, generator):
    """One Adam step on the denoising loss of a random minibatch.

    Returns
    -------
    torch.Tensor
        The minibatch loss, detached (a scalar on the training device).
    """
    batch = minibatch(x, y, z, batch_size, sde, variant, generator)
    return adam_step(network, optimizer, batch, sde)


def stacked_training_step(
    network, optimizer, data, batch_size, sde, variant, generators
):
    """One Adam step of an ensemble (``_ensemble.py``): member ``k`` draws its
    minibatch from its own rows ``data[k] = (x, y, z)`` with its own generator,
    exactly as :func:`training_step` would, and the minibatches are stacked.

    Returns
    -------
    torch.Tensor of shape (K,)
        Each member's minibatch loss, detached.
    """
    batches = [
        minibatch(*rows, batch_size, sde, variant, g)
        for rows, g in zip(data, generators, strict=True)
    ]
    batch = [torch.stack(parts) for parts in zip(*batches, strict=True)]
    return adam_step(network, optimizer, batch, sde)


class CompileWarning(UserWarning):
    """``torch.compile`` failed on the training step, which then ran eagerly.

    The estimate is the same either way; only the speed differs. The usual cause on
    a CPU is a missing C++ compiler. Pass ``compile=False`` to skip the attempt.
    """


def compiled_step_network(network, step, *args):
    """Run the first :func:`training_step` through ``torch.compile(network)``.

    Compilation happens at that first call; if it fails, warn with
    :class:`CompileWarning` and take the step eagerly, on the same minibatch and
    draws (the training stream is rewound). Only the first step is guarded: a
    later failure is a real error.

    Parameters
    ----------
    network : torch.nn.Module
    step : callable
        ``step(network, *args)``, the training step.
    *args
        Its other arguments; ``args[-1]`` is the training generator, or a list of
        them (:func:`stacked_training_step`).

    Returns
    -------
    network : torch.nn.Module
        The module to train with from then on: the compiled one, or ``network``.
    loss : torch.Tensor
        The first step's loss.
    """
    compiled = torch.compile(network, dynamic=False)
    generators = args[-1] if isinstance(args[-1], list) else [args[-1]]
    states = [g.get_state() for g in generators]
    try:
        return compiled, step(compiled, *args)
    except Exception as exc:  # noqa: BLE001 - any compiler failure falls back
        warn(
            f"torch.compile failed ({type(exc).__name__}: {str(exc)[:200]}); training "
            "eagerly instead, with the same result. Pass compile=False to skip the "
            "attempt.",
            CompileWarning,
        )
        for g, state in zip(generators, states, strict=True):
            g.set_state(state)
        return network, step(network, *args)


def ema_update(ema_params, params, decay):
    """``ema <- decay * ema + (1 - decay) * params``, in place."""
    with torch.no_grad():
        torch._foreach_lerp_(ema_params, params, 1.0 - decay)


def ema_decay_at(step, decay):
    """The EMA decay at ``step``, warmed up so that early weights fade quickly."""
    return min(decay, (1 + step) / (10 + step))


def check_finite(loss, step, learning_rate, x, y):
    """Raise when the training loss is not finite or has exploded, naming the likely
    causes seen in the learning rate and the standardised training rows ``x, y``."""
    if not np.isfinite(loss) or loss > 1e6:
        raise FloatingPointError(
            f"Training diverged: the loss is {loss} at step {step}. "
            + divergence_causes(x, y, learning_rate)
        )


def make_optimizer(params, config):
    """Adam, or AdamW when ``config.weight_decay`` is positive (decoupled decay:
    each step also shrinks the weights by ``learning_rate * weight_decay`` of
    themselves, at the scheduled learning rate)."""
    if config.weight_decay:
        return torch.optim.AdamW(
            params,
            lr=config.learning_rate,
            weight_decay=config.weight_decay,
            fused=True,
        )
    return torch.optim.Adam(params, lr=config.learning_rate, fused=True)


@dataclass
class TrainingJob:
    """One network to train: what :func:`train` takes besides the shared settings.

    Attributes
    ----------
    network : ScoreNetwork
        The initialised network, on the device of the data.
    data : tuple of torch.Tensor
        ``(x, y, z, x_val, y_val, z_val)``: its training and held-out rows.
    seed : int
        The fit's seed.
    member : int or None
        The key of its random streams.
    """

    network: torch.nn.Module
    data: tuple
    seed: int
    member: int | None


def optimiser_and_schedule(network, config):
    """Adam (or AdamW) on ``network``'s weights with the learning-rate schedule."""
    optimizer = make_optimizer(list(network.parameters()), config)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: learning_rate_factor(step, config.max_iter, config.schedule),
    )
    return optimizer, scheduler


def is_check(step, config):
    """Whether a check follows step ``step`` (counted from 1)."""
    return step % config.check_every == 0 or step == config.max_iter


def training_steps(network, step, args, ema, scheduler, config, losses):
    """Run ``step(network, *args)`` up to ``config.max_iter`` times, each followed
    by the learning-rate schedule and the EMA update of ``ema``, the first through
    ``torch.compile`` when ``config.compile`` (:func:`compiled_step_network`).

    Step ``i``'s loss goes to ``losses[i]``. Yields ``(steps run, compiled)``
    whenever a check is due (:func:`is_check`); the caller stops it by breaking.
    """
    params, ema_params = list(network.parameters()), list(ema.parameters())
    step_network = network
    for i in range(config.max_iter):
        if i == 0 and config.compile:
            step_network, losses[i] = compiled_step_network(network, step, *args)
        else:
            losses[i] = step(step_network, *args)
        scheduler.step()
        ema_update(ema_params, params, ema_decay_at(i, config.ema_decay))
        if is_check(i + 1, config):
            yield i + 1, step_network is not network


def recent_loss(losses, step, config):
    """Mean training loss over the steps since the last check (per member when
    ``losses`` has a member axis)."""
    return losses[step - min(config.check_every, step) : step].mean(0)


def train(
    network, x, y, z, x_val, y_val, z_val, sde, variant, config, seed, member=None
):
    """Adam on the denoising loss with an EMA of the weights and early stopping.

    Host and device synchronise only at checks.

    Parameters
    ----------
    network : torch.nn.Module
        The initialised network, on the device of the data.
    x, y, z : torch.Tensor of shape (n_train, d_x), (n_train, d_y), (n_train, d_z)
        Standardised training rows; z is the conditioning variable (``d_z = 0``
        without one).
    x_val, y_val, z_val : torch.Tensor of shape (n_val, d_x), (n_val, d_y), (n_val, d_z)
        Standardised held-out rows, for the held-out loss.
    sde : VPSDE
    variant : object
        A MINDE variant of :mod:`sklearn_minde._variants`.
    config : TrainingConfig
    seed : int
        The fit's seed; the streams ``"training"``, ``"validation_draws"`` and
        ``"validation_roles"`` are derived from it.
    member : int or None, default=None
        The member of an ensemble whose streams to use; None for a single network.

    Returns
    -------
    TrainingResult
    """
    device = x.device
    gen = make_generator(seed, "training", device, member)
    ema = copy.deepcopy(network).requires_grad_(False)
    optimizer, scheduler = optimiser_and_schedule(network, config)
    checks = HeldOutChecks(x_val, y_val, z_val, sde, variant, config, seed, member)
    losses = torch.zeros(config.max_iter, device=device)
    args = (optimizer, x, y, z, config.batch_size, sde, variant, gen)
    steps = training_steps(network, training_step, args, ema, scheduler, config, losses)
    with progress_bar(config.max_iter, config.verbose) as bar:
        for step, compiled in steps:  # noqa: B007 - both read after the loop
            recent = recent_loss(losses, step, config).item()
            check_finite(recent, step, config.learning_rate, x, y)
            stop = checks.update(ema, step)
            bar.update(step - bar.n)
            bar.set_postfix(checks.postfix(recent))
            if stop:
                break
    return checks.result(ema, step, losses[:step], compiled)


def train_stacked(jobs, sde, variant, config):
    """Train several networks as one stacked ensemble, each as :func:`train` would.

    Network ``k`` draws its minibatches, held-out draws and roles from its own
    streams (``jobs[k].seed`` and ``jobs[k].member``) in the order :func:`train`
    draws them, and its weights get the gradients and Adam steps they would get
    alone (``_ensemble.py``), so its result equals :func:`train`'s up to
    floating-point rounding of the batched kernels. A network that stops early
    keeps the state it stopped with; the others go on. Worth it where one small
    network does not fill the device (a GPU).

    Parameters
    ----------
    jobs : list of TrainingJob
        Networks of one architecture; row counts may differ between jobs.
    sde, variant, config
        As :func:`train`.

    Returns
    -------
    list of TrainingResult
        One per job, its ``network`` a plain :class:`ScoreNetwork`.
    """
    data = [job.data for job in jobs]
    device = data[0][0].device
    ensemble = EnsembleNetwork.from_networks([job.network for job in jobs])
    ema = copy.deepcopy(ensemble).requires_grad_(False)
    optimizer, scheduler = optimiser_and_schedule(ensemble, config)
    gens = [make_generator(job.seed, "training", device, job.member) for job in jobs]
    checks = [
        HeldOutChecks(*job.data[3:], sde, variant, config, job.seed, job.member)
        for job in jobs
    ]
    results = [None] * len(jobs)
    losses = torch.zeros(config.max_iter, len(jobs), device=device)
    args = (optimizer, [d[:3] for d in data], config.batch_size, sde, variant, gens)
    steps = training_steps(
        ensemble, stacked_training_step, args, ema, scheduler, config, losses
    )
    with progress_bar(config.max_iter, config.verbose) as bar:
        for step, compiled in steps:
            recent = recent_loss(losses, step, config)
            for k, (rows, member_checks) in enumerate(zip(data, checks, strict=True)):
                if results[k] is not None:
                    continue
                check_finite(recent[k].item(), step, config.learning_rate, *rows[:2])
                member_ema = ema.member(k)
                if member_checks.update(member_ema, step) or step == config.max_iter:
                    results[k] = member_checks.result(
                        member_ema, step, losses[:step, k], compiled
                    )
            bar.update(step - bar.n)
            bar.set_postfix(checks[0].postfix(recent[0].item()))
            if None not in results:
                break
    return results
