"""The held-out checks of training: curves, over-fitting and when to stop.

Every check reads the averaged network on fixed draws of the held-out rows, so
that checks compare like with like.
"""

import copy
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from ._auto import resolve_early_stopping
from ._runtime import make_generator, warn
from ._sde import draw_noise


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
    estimate is biased upwards. The warning says which network the estimate uses
    (see ``early_stopping``). More rows, a larger ``weight_decay`` or a smaller
    ``hidden_dim`` reduce over-fitting. Silence it with
    ``warnings.filterwarnings("ignore", category=OverfittingWarning)``.
    """


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


#: The share of the training steps, at their end, over which
#: :func:`still_rising` measures the rise of the held-out estimate.
RISE_WINDOW = 0.5

#: How many standard errors of the estimate that rise must exceed.
RISE_Z = 3.0


def still_rising(result, falls=False):
    """How much the held-out estimate rose over the last :data:`RISE_WINDOW` of
    the steps, when by more than :data:`RISE_Z` of its standard errors; else
    None.

    Parameters
    ----------
    result : TrainingResult
    falls : bool, default=False
        Whether the estimate falls as the network learns (an entropy): its fall
        is then measured.

    Returns
    -------
    float or None
    """
    curve = -result.mi_curve if falls else result.mi_curve
    start = np.searchsorted(result.check_steps, (1 - RISE_WINDOW) * result.n_iter)
    if len(curve) < 2 or start >= len(curve) - 1:
        return None
    rise = float(curve[-1] - curve[start])
    return rise if rise > RISE_Z * result.mi_std_curve[-1] else None


def warn_still_rising(result, rise, max_iter, quantity):
    """Warn with scikit-learn's :class:`~sklearn.exceptions.ConvergenceWarning`
    that the held-out ``quantity`` was still moving by ``rise`` at the end of
    ``max_iter`` steps."""
    if quantity == "entropy":
        moved, curve = "fell", "entropy_curve_"
    else:
        moved, curve = "rose", "mutual_information_curve_"
    warn(
        f"The held-out {quantity} {moved} by {rise:.3g} nats, more than "
        f"{RISE_Z:g} standard errors ({result.mi_std_curve[-1]:.3g} each), over "
        f"the last {RISE_WINDOW:.0%} of the {max_iter} training steps: training "
        f"had not converged, and a larger max_iter would likely read a different "
        f"value (see {curve}).",
        ConvergenceWarning,
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
        if val_loss < self.plateau:
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
