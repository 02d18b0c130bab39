"""Training the score network: named random streams, one step, and the loop.

Data flow: standardised tensors in, a :class:`TrainingResult` out. Nothing here
reads or writes an estimator's attributes.
"""

import copy
from dataclasses import dataclass

import numpy as np
import torch

from ._network import ScoreNetwork
from ._plumbing import progress_bar, seeded_cpu_rng

#: The independent random streams of one fit, each derived from the fit's seed by
#: name (see :func:`stream_seed`). Adding a name does not change the others.
STREAMS = ("init", "training", "validation_draws", "validation_roles", "estimation")


def stream_seed(seed, name):
    """Seed of the random stream ``name`` of a fit seeded with ``seed``.

    The streams are children of ``numpy.random.SeedSequence(seed)`` keyed by the
    position of ``name`` in :data:`STREAMS`, so they are statistically independent
    of each other and of the seeds of other fits.

    Parameters
    ----------
    seed : int
        The fit's seed (``seed_`` of the estimator).
    name : str
        One of :data:`STREAMS`.

    Returns
    -------
    int
        A 64-bit seed for ``torch.Generator.manual_seed``.
    """
    key = STREAMS.index(name)
    child = np.random.SeedSequence(seed, spawn_key=(key,))
    return int(child.generate_state(1, np.uint64)[0])


def make_generator(seed, name, device):
    """A ``torch.Generator`` on ``device`` for the stream ``name`` of ``seed``."""
    return torch.Generator(device=device).manual_seed(stream_seed(seed, name))


def init_network(n_features, hidden_dim, n_blocks, activation, seed, reference=None):
    """A :class:`ScoreNetwork` initialised from the stream ``"init"`` of ``seed``.

    torch's global RNG is left untouched. ``reference`` is passed on.
    """
    with seeded_cpu_rng(stream_seed(seed, "init")):
        return ScoreNetwork(
            n_features, hidden_dim, n_blocks, activation, reference=reference
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
    early_stopping : bool
        Stop on the held-out loss (``n_iter_no_change`` checks without a relative
        improvement of ``tol``).
    n_iter_no_change : int
    tol : float
    verbose : int
        Show a progress bar when positive.
    sigma : float
        Reference scale of the sigma form, for the MI curve.
    estimate : {"mi", "mi_sigma"}
        The per-row term of the variant's ``mi_terms`` that the MI curve follows.
    """

    batch_size: int
    max_iter: int
    learning_rate: float
    ema_decay: float
    early_stopping: bool
    n_iter_no_change: int
    tol: float
    verbose: int = 0
    sigma: float = 1.0
    estimate: str = "mi"

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
    """

    network: torch.nn.Module
    n_iter: int
    loss_curve: np.ndarray
    validation_loss_curve: np.ndarray
    mi_curve: np.ndarray
    mi_std_curve: np.ndarray
    check_steps: np.ndarray


#: Fewest (row, noise) draws the held-out checks read: rows are repeated with fresh
#: noise up to this count, so that small held-out sets still give steady curves.
MIN_VALIDATION_DRAWS = 4096


def validation_draws(x_val, y_val, sde, generator):
    """Fixed held-out rows and draws for the checks, rows repeated with fresh noise
    up to :data:`MIN_VALIDATION_DRAWS`: ``(x, y, t, eps_x, eps_y)``."""
    repeats = -(-MIN_VALIDATION_DRAWS // x_val.shape[0])
    x, y = x_val.repeat(repeats, 1), y_val.repeat(repeats, 1)
    return (x, y, *draw_noise(x, y, sde, generator))


def held_out_check(ema, draws, sde, variant, config, roles_generator):
    """Held-out loss, MI and the MI's standard error of the averaged network.

    Returns
    -------
    loss, mi, mi_std : torch.Tensor
        Scalars on the training device (no host synchronisation here).
    """
    with torch.no_grad():
        loss = variant.training_loss(ema, *draws, sde, roles_generator)
        terms = variant.mi_terms(ema, *draws, sde, config.sigma)[config.estimate]
    return loss, terms.mean(), terms.std() / terms.shape[0] ** 0.5


def draw_noise(x, y, sde, generator, truncate=False):
    """One diffusion time and one noise per row: ``(t, eps_x, eps_y)``."""
    t = sde.sample_time(x.shape[0], generator, x.device, truncate=truncate)
    ex = torch.randn(x.shape, generator=generator, device=x.device)
    ey = torch.randn(y.shape, generator=generator, device=y.device)
    return t, ex, ey


def training_step(network, optimizer, x, y, batch_size, sde, variant, generator):
    """One Adam step on the denoising loss of a random minibatch.

    Returns
    -------
    torch.Tensor
        The minibatch loss, detached (a scalar on the training device).
    """
    idx = torch.randint(x.shape[0], (batch_size,), generator=generator, device=x.device)
    xb, yb = x[idx], y[idx]
    t, ex, ey = draw_noise(xb, yb, sde, generator)
    loss = variant.training_loss(network, xb, yb, t, ex, ey, sde, generator)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def ema_update(ema_params, params, decay):
    """``ema <- decay * ema + (1 - decay) * params``, in place."""
    with torch.no_grad():
        torch._foreach_lerp_(ema_params, params, 1.0 - decay)


def ema_decay_at(step, decay):
    """The EMA decay at ``step``, warmed up so that early weights fade quickly."""
    return min(decay, (1 + step) / (10 + step))


def check_finite(loss, step, learning_rate):
    """Raise when the training loss is not finite or has exploded."""
    if not np.isfinite(loss) or loss > 1e6:
        raise FloatingPointError(
            f"Training diverged: the loss is {loss} at step {step}. Lower "
            f"learning_rate (now {learning_rate}), or check the data for "
            "extreme values (heavy tails: transform them first, e.g. with "
            "QuantileTransformer or arcsinh)."
        )


def train(network, x, y, x_val, y_val, sde, variant, config, seed):
    """Adam on the denoising loss with an EMA of the weights and early stopping.

    Host and device synchronise only at checks.

    Parameters
    ----------
    network : torch.nn.Module
        The initialised network, on the device of the data.
    x, y : torch.Tensor of shape (n_train, d_x), (n_train, d_y)
        Standardised training rows.
    x_val, y_val : torch.Tensor of shape (n_val, d_x), (n_val, d_y)
        Standardised held-out rows, for the held-out loss.
    sde : VPSDE
    variant : object
        A MINDE variant of :mod:`sklearn_minde._variants`.
    config : TrainingConfig
    seed : int
        The fit's seed; the streams ``"training"``, ``"validation_draws"`` and
        ``"validation_roles"`` are derived from it.

    Returns
    -------
    TrainingResult
    """
    device = x.device
    gen = make_generator(seed, "training", device)
    ema = copy.deepcopy(network).requires_grad_(False)
    params, ema_params = list(network.parameters()), list(ema.parameters())
    optimizer = torch.optim.Adam(params, lr=config.learning_rate, fused=True)
    # fixed draws for the checks, so that checks compare like with like
    draws = validation_draws(
        x_val, y_val, sde, make_generator(seed, "validation_draws", device)
    )
    losses = torch.zeros(config.max_iter, device=device)
    curves = {"loss": [], "mi": [], "mi_std": [], "step": []}
    best, since_best, step = np.inf, 0, 0
    with progress_bar(config.max_iter, config.verbose) as bar:
        while step < config.max_iter:
            losses[step] = training_step(
                network, optimizer, x, y, config.batch_size, sde, variant, gen
            )
            ema_update(ema_params, params, ema_decay_at(step, config.ema_decay))
            step += 1
            if step % config.check_every and step < config.max_iter:
                continue
            recent = losses[step - min(config.check_every, step) : step].mean().item()
            check_finite(recent, step, config.learning_rate)
            roles = make_generator(seed, "validation_roles", device)
            check = held_out_check(ema, draws, sde, variant, config, roles)
            val_loss, mi, mi_std = (v.item() for v in check)
            for name, value in zip(curves, (val_loss, mi, mi_std, step), strict=True):
                curves[name].append(value)
            bar.update(step - bar.n)
            bar.set_postfix(
                loss=f"{recent:.4f}", val_loss=f"{val_loss:.4f}", mi=f"{mi:.3f}"
            )
            if val_loss < best * (1 - config.tol):
                best, since_best = val_loss, 0
            else:
                since_best += 1
            if config.early_stopping and since_best >= config.n_iter_no_change:
                break
    return TrainingResult(
        network=ema,
        n_iter=step,
        loss_curve=losses[:step].cpu().numpy(),
        validation_loss_curve=np.asarray(curves["loss"]),
        mi_curve=np.asarray(curves["mi"]),
        mi_std_curve=np.asarray(curves["mi_std"]),
        check_steps=np.asarray(curves["step"]),
    )
