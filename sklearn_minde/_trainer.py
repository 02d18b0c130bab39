"""Training the score network: named random streams, one step, and the loop.

Data flow: standardised tensors in, a :class:`TrainingResult` out. Nothing here
reads or writes an estimator's attributes.
"""

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch

from ._data import divergence_causes
from ._ensemble import EnsembleNetwork
from ._network import ScoreNetwork
from ._plumbing import progress_bar, seeded_cpu_rng
from ._variants import noise_error_rows
from ._warn import warn

#: The independent random streams of one fit, each derived from the fit's seed by
#: name (see :func:`stream_seed`). Adding a name does not change the others.
STREAMS = ("init", "training", "validation_draws", "validation_roles", "estimation")


def stream_seed(seed, name, member=None):
    """Seed of the random stream ``name`` of a fit seeded with ``seed``.

    The streams are children of ``numpy.random.SeedSequence(seed)`` keyed by the
    position of ``name`` in :data:`STREAMS` (and by ``member``, the index of a
    network of an ensemble), so they are statistically independent of each other
    and of the seeds of other fits.

    Parameters
    ----------
    seed : int
        The fit's seed (``seed_`` of the estimator).
    name : str
        One of :data:`STREAMS`.
    member : int or None, default=None
        The member of an ensemble; None for a single network.

    Returns
    -------
    int
        A 64-bit seed for ``torch.Generator.manual_seed``.
    """
    key = (STREAMS.index(name),) + (() if member is None else (int(member),))
    child = np.random.SeedSequence(seed, spawn_key=key)
    return int(child.generate_state(1, np.uint64)[0])


def make_generator(seed, name, device, member=None):
    """A ``torch.Generator`` on ``device`` for the stream ``name`` of ``seed``."""
    return torch.Generator(device=device).manual_seed(stream_seed(seed, name, member))


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
        best (over-fitting, see :func:`significant_rise`). True: also stop after
        ``n_iter_no_change`` checks without a relative improvement of ``tol``.
        ``"mi"``: also stop once the held-out MI has risen by less than its standard
        error over the last ``n_iter_no_change`` checks (:func:`mi_converged`).
        After over-fitting the averaged network of the check with the lowest
        held-out loss is returned, else the last one. False: run ``max_iter`` steps
        and return the last averaged network.
    n_iter_no_change : int
    tol : float
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
    tol: float
    verbose: int = 0
    sigma: float = 1.0
    estimate: str = "mi"
    schedule: str = "constant"
    compile: bool = False

    @property
    def check_every(self):
        """Steps between two checks of the held-out loss (20 checks per budget)."""
        return max(50, self.max_iter // 20)


@dataclass
class TrainingResult:
    """What :func:`train` returns.

    Attributes
    ----------
    network : torch.nn.Module
        The averaged (EMA) network, on the training device.
    n_iter : int
        Steps run.
    loss_curve : ndarray of shape (n_iter,)
        Training loss at each step.
    validation_loss_curve : ndarray of shape (n_checks,)
        Held-out loss of the averaged network at each check.
    mi_curve, mi_std_curve : ndarray of shape (n_checks,)
        Held-out MI of the averaged network at each check, and its standard error
        (Monte Carlo and sampling noise of the fixed validation draws).
    check_steps : ndarray of shape (n_checks,)
        The step after which each check ran.
    best_iter : int
        The step of the returned network.
    overfit_iter : int or None
        The first check at which the held-out loss had risen significantly above
        its best (over-fitting), or None.
    compiled : bool
        Whether the steps ran compiled (False after a fall-back to eager).
    """

    network: torch.nn.Module
    n_iter: int
    loss_curve: np.ndarray
    validation_loss_curve: np.ndarray
    mi_curve: np.ndarray
    mi_std_curve: np.ndarray
    check_steps: np.ndarray
    best_iter: int
    overfit_iter: int | None
    compiled: bool = False


#: Fewest (row, noise) draws the held-out checks read: rows are repeated with fresh
#: noise up to this count, so that small held-out sets still give steady curves.
MIN_VALIDATION_DRAWS = 4096


def validation_draws(x_val, y_val, z_val, sde, generator):
    """Fixed held-out rows and draws for the checks, rows repeated with fresh noise
    up to :data:`MIN_VALIDATION_DRAWS`: ``(x, y, z, t, eps_x, eps_y)``."""
    repeats = -(-MIN_VALIDATION_DRAWS // x_val.shape[0])
    x, y, z = (v.repeat(repeats, 1) for v in (x_val, y_val, z_val))
    return (x, y, z, *draw_noise(x, y, sde, generator))


def held_out_check(ema, draws, sde, variant, config, roles_generator):
    """Held-out loss per row, MI and the MI's standard error of the averaged network.

    Returns
    -------
    loss_rows : torch.Tensor of shape (n_draws,)
        Squared noise error per coordinate of each draw (its mean is the held-out
        loss).
    mi, mi_std : torch.Tensor
        Scalars on the training device (no host synchronisation here).
    """
    x, y, z, t, eps_x, eps_y = draws
    read = (x, y, z, sde.clamp_small_times(t), eps_x, eps_y)
    with torch.no_grad():
        rows = variant.training_loss_rows(ema, *draws, sde, roles_generator)
        terms = variant.mi_terms(ema, *read, sde, config.sigma)[config.estimate]
    rows = rows / (x.shape[1] + y.shape[1])
    return rows, terms.mean(), terms.std() / terms.shape[0] ** 0.5


#: How many standard errors the held-out loss must rise above its best, on the same
#: draws, to count as over-fitting (about 1 false alarm in 700 checks).
OVERFIT_Z = 3.0


class OverfittingWarning(UserWarning):
    """The held-out loss rose significantly while training went on.

    The network then fits its training rows better than new rows, and the MI
    estimate is biased upwards. With ``early_stopping="auto"`` (the default) below
    :data:`ROLLBACK_MAX_TRAIN` training rows the fit stops and reads the estimate
    with the network of the check where the held-out loss was lowest
    (``best_iter_``); from there on it trains to the end and reads the last
    network (:func:`resolve_early_stopping`). The warning says which. More rows, a
    larger ``weight_decay`` or a smaller ``hidden_dim`` reduce over-fitting.
    Silence it with
    ``warnings.filterwarnings("ignore", category=OverfittingWarning)``.
    """


#: Training rows from which ``early_stopping="auto"`` reads an over-fitted fit
#: through its last network rather than going back to its best check. There the
#: over-fitting is mild and the best check's network, not yet through the cosine
#: decay, read the MI far too low: MINDE-J's 22 over-fitted fits of 8,000 training
#: rows read -41 % to -1 % at the best check and -13 % to +9 % at the end. On a few
#: thousand rows the best check is the lesser error: a 25-by-25 Gaussian read
#: +165 % to +252 % at the end on 200-1,600 training rows, and +22 % against +6 %
#: at 4,000 (benchmarks section 5q).
ROLLBACK_MAX_TRAIN = 8000


def resolve_early_stopping(early_stopping, n_train):
    """``early_stopping`` for ``n_train`` training rows: "auto" becomes False
    (train to the end, read the last network) from :data:`ROLLBACK_MAX_TRAIN`
    rows on; any other value is kept."""
    if early_stopping == "auto" and n_train >= ROLLBACK_MAX_TRAIN:
        return False
    return early_stopping


def warn_overfitting(result, n_train, early_stopping):
    """Warn that training over-fitted, saying which network the estimate uses.

    Parameters
    ----------
    result : TrainingResult
        With ``overfit_iter`` set.
    n_train : int
        Training rows.
    early_stopping : {"auto", "mi", True, False}
        The estimator's parameter, before :func:`resolve_early_stopping`.
    """
    if resolve_early_stopping(early_stopping, n_train):
        used = (
            f"training stopped there and the estimate uses the averaged network of "
            f"step {result.best_iter}, where the held-out loss was lowest. With "
            f"{n_train} training rows it may still read too high"
        )
    elif early_stopping == "auto":
        used = (
            f"with {n_train} training rows over-fitting is usually mild, so the "
            f"estimate uses the last network (step {result.n_iter}), which may read a "
            "little high; an earlier network, not yet through the learning-rate "
            "decay, would read lower still"
        )
    else:
        used = (
            f"the estimate uses the last network (step {result.n_iter}) and is "
            "likely too high; set early_stopping='auto' to read it at the best check"
        )
    warn(
        f"Over-fitting: at step {result.overfit_iter} the held-out loss had risen "
        f"significantly above its lowest value; {used}. More rows, a larger "
        "weight_decay or a smaller hidden_dim reduce it.",
        OverfittingWarning,
    )


def mi_converged(curves, window):
    """Whether the held-out MI has risen by less than its standard error over the
    last ``window`` checks (the stopping rule of ``early_stopping="mi"``).

    Parameters
    ----------
    curves : dict
        With the lists ``"mi"`` and ``"mi_std"`` of the checks so far.
    window : int
        Checks to look back over.
    """
    mi = curves["mi"]
    if len(mi) <= window:
        return False
    return mi[-1] - mi[-1 - window] < curves["mi_std"][-1]


def significant_rise(rows, best_rows):
    """Whether the held-out loss per row has risen above ``best_rows`` by more than
    ``OVERFIT_Z`` standard errors of the paired difference (a host sync)."""
    diff = rows - best_rows
    return bool(diff.mean() > OVERFIT_Z * diff.std() / diff.shape[0] ** 0.5)


def draw_noise(x, y, sde, generator, small_times="flat"):
    """One diffusion time and one noise per row: ``(t, eps_x, eps_y)``; rows may
    carry leading axes (``(K, n, d)``, then ``t`` has shape ``(K, n, 1)``)."""
    rows = x.shape[:-1]
    t = sde.sample_time(math.prod(rows), generator, x.device, small_times)
    t = t.reshape(*rows, 1)
    ex = torch.randn(x.shape, generator=generator, device=x.device)
    ey = torch.randn(y.shape, generator=generator, device=y.device)
    return t, ex, ey


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


def use_compile(compile, device):
    """Whether training on ``device`` compiles: ``compile``, with "auto" resolved to
    CUDA only (benchmarks section 6: on 2 CPU cores a compiled step ran 1.0-1.6
    times the eager steps per second, after a cold compile of 40-60 s, more than a
    default fit of 10,000 rows takes)."""
    return device.type == "cuda" if compile == "auto" else bool(compile)


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


def auto_max_iter(n_train, batch_size, epochs):
    """``max_iter="auto"``: about ``epochs`` passes over ``n_train`` rows in batches
    of ``batch_size``, ``clip(epochs * n_train / batch_size, 2000, 20000)`` steps.

    Parameters
    ----------
    n_train, batch_size : int
    epochs : int
        The variant's ``auto_epochs``: 128 for MINDE-C, 256 for MINDE-J, whose
        calls learn more slowly (benchmarks section 2i).
    """
    return int(np.clip(epochs * n_train / batch_size, 2000, 20000))


#: Training rows up to which ``weight_decay="auto"`` is 1 (:func:`auto_weight_decay`).
WEIGHT_DECAY_ROWS = 620


def auto_weight_decay(n_train):
    """``weight_decay="auto"``: ``min(1, (WEIGHT_DECAY_ROWS / n_train) ** 2)``.

    Memorising the training rows is what biases the MI of a small sample upwards,
    and a fixed step budget passes over few rows many more times, so the decay
    falls fast with the rows: 1 up to 620 training rows, 0.6 for 800, 0.15 for
    1,600, 0.006 for 8,000. Chosen on the small-sample study
    (``benchmarks/README.md``, sections 4b and 4c): a constant 0.3 or 1
    under-fitted from 2,000 rows on and a constant 0.3 at 10,000 rows, 2.4 at 400
    training rows under-estimated by 21-82 %.
    """
    return min(1.0, (WEIGHT_DECAY_ROWS / n_train) ** 2)


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


class HeldOutChecks:
    """The held-out checks of one network: its curves, its best state and the
    stopping rule of ``config.early_stopping``.

    The checks read fixed draws of the held-out rows (the stream
    ``"validation_draws"`` of ``seed`` and ``member``), so that they compare like
    with like.
    """

    def __init__(self, x_val, y_val, z_val, sde, variant, config, seed, member):
        self.sde, self.variant, self.config = sde, variant, config
        self.seed, self.member, self.device = seed, member, x_val.device
        self.draws = validation_draws(
            x_val,
            y_val,
            z_val,
            sde,
            make_generator(seed, "validation_draws", self.device, member),
        )
        self.curves = {"loss": [], "mi": [], "mi_std": [], "step": []}
        self.best = {"loss": np.inf, "rows": None, "state": None, "step": 0}
        self.plateau, self.since_plateau, self.overfit_iter = np.inf, 0, None

    def update(self, ema, step):
        """Check the averaged network ``ema`` after ``step`` steps; return whether
        training should stop."""
        config, curves = self.config, self.curves
        roles = make_generator(self.seed, "validation_roles", self.device, self.member)
        rows, mi, mi_std = held_out_check(
            ema, self.draws, self.sde, self.variant, config, roles
        )
        val_loss = rows.mean().item()
        values = (val_loss, mi.item(), mi_std.item(), step)
        for name, value in zip(curves, values, strict=True):
            curves[name].append(value)
        if val_loss < self.best["loss"]:
            self.best = {
                "loss": val_loss,
                "rows": rows,
                "step": step,
                "state": copy.deepcopy(ema.state_dict()),
            }
        elif self.overfit_iter is None and significant_rise(rows, self.best["rows"]):
            self.overfit_iter = step
        if val_loss < self.plateau * (1 - config.tol):
            self.plateau, self.since_plateau = val_loss, 0
        else:
            self.since_plateau += 1
        return bool(config.early_stopping) and (
            self.overfit_iter is not None
            or (
                config.early_stopping is True
                and self.since_plateau >= config.n_iter_no_change
            )
            or (
                config.early_stopping == "mi"
                and mi_converged(curves, config.n_iter_no_change)
            )
        )

    def result(self, ema, n_iter, losses, compiled):
        """The :class:`TrainingResult` of a network stopped after ``n_iter`` steps:
        on over-fitting (with early stopping) ``ema`` goes back to the state of the
        check with the lowest held-out loss."""
        best_iter = n_iter
        if self.config.early_stopping and self.overfit_iter is not None:
            # only on over-fitting: the held-out loss flattens long before the MI stops
            # rising, so an earlier check that is lower by noise would cost MI
            ema.load_state_dict(self.best["state"])
            best_iter = self.best["step"]
        curves = self.curves
        return TrainingResult(
            network=ema,
            n_iter=n_iter,
            loss_curve=losses.cpu().numpy(),
            validation_loss_curve=np.asarray(curves["loss"]),
            mi_curve=np.asarray(curves["mi"]),
            mi_std_curve=np.asarray(curves["mi_std"]),
            check_steps=np.asarray(curves["step"]),
            best_iter=best_iter,
            overfit_iter=self.overfit_iter,
            compiled=compiled,
        )

    def postfix(self, recent):
        """The progress bar's numbers after a check."""
        return {
            "loss": f"{recent:.4f}",
            "val_loss": f"{self.curves['loss'][-1]:.4f}",
            "mi": f"{self.curves['mi'][-1]:.3f}",
        }


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
    network does not fill the device (a GPU); on a CPU a stacked step costs about
    as much as the separate ones (benchmarks section 6).

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
