"""Every ``"auto"`` default of :class:`~sklearn_minde.MINDEEstimator`, in one place.

Each rule is a small function of what the fit knows (rows, columns, device) with a
one-line reason; the measurements behind each number are on the documentation's
Evidence page (``docs/evidence.rst``).
"""

import math

import numpy as np
import torch

from ._runtime import parse_device


# ---------------------------------------------------------------- the network
def auto_hidden_dim(n_features):
    """``hidden_dim="auto"``: 64 up to 10 network inputs, 128 up to 50, else 256
    (the paper's widths: wider data need wider networks)."""
    if n_features <= 10:
        return 64
    return 128 if n_features <= 50 else 256


def resolve_hidden_dim(hidden_dim, n_features):
    """``hidden_dim``, with "auto" resolved by :func:`auto_hidden_dim`."""
    return auto_hidden_dim(n_features) if hidden_dim == "auto" else hidden_dim


#: ``n_networks="auto"`` reads two networks together from this many network inputs
#: (X and y columns, Z included) ...
AUTO_PAIR_MIN_FEATURES = 50

#: ... and this many training rows (5,000 rows with the default hold-out).
AUTO_PAIR_MIN_TRAIN = 4000


def auto_n_networks(n_features, n_train):
    """``n_networks="auto"``: 2 from :data:`AUTO_PAIR_MIN_FEATURES` inputs and
    :data:`AUTO_PAIR_MIN_TRAIN` training rows, else 1.

    Two networks read together drop the variance of each one's error, a positive
    bias of one network's squared differences that grows with the dimension; on
    fewer rows the pair under-reads.
    """
    many = n_features >= AUTO_PAIR_MIN_FEATURES and n_train >= AUTO_PAIR_MIN_TRAIN
    return 2 if many else 1


def resolve_n_networks(n_networks, n_features, n_train):
    """``n_networks``, with "auto" resolved by :func:`auto_n_networks`."""
    if n_networks == "auto":
        return auto_n_networks(n_features, n_train)
    return n_networks


# ------------------------------------------------------------------- training
#: ``batch_size="auto"`` (capped at the training rows).
AUTO_BATCH_SIZE = 512

#: ``learning_rate="auto"``.
AUTO_LEARNING_RATE = 3e-3


def auto_batch_size(batch_size, n_train):
    """The minibatch size: ``batch_size`` (512 for "auto"), at most ``n_train``."""
    return min(AUTO_BATCH_SIZE if batch_size == "auto" else batch_size, n_train)


def auto_learning_rate(learning_rate):
    """Adam's step size: ``learning_rate``, 3e-3 for "auto"."""
    return AUTO_LEARNING_RATE if learning_rate == "auto" else learning_rate


#: Passes over the training rows of ``max_iter="auto"``, by variant: the conditional
#: calls of MINDE-C and MINDE-J learn more slowly than a fit of X alone (its one
#: unconditional call), so they train twice as long.
AUTO_EPOCHS = {"c": 256, "j": 256, "marginal": 128}


def auto_max_iter(n_train, batch_size, epochs):
    """``max_iter="auto"``: about ``epochs`` passes over ``n_train`` rows in batches
    of ``batch_size``, ``clip(epochs * n_train / batch_size, 2000, 20000)`` steps
    (enough steps for small samples, a cap for large ones).

    Parameters
    ----------
    n_train, batch_size : int
    epochs : int
        The variant's :data:`AUTO_EPOCHS`.
    """
    return int(np.clip(epochs * n_train / batch_size, 2000, 20000))


def resolve_max_iter(max_iter, n_train, batch_size, variant):
    """``max_iter``, with "auto" resolved by :func:`auto_max_iter` for the variant
    named ``variant``."""
    if max_iter == "auto":
        return auto_max_iter(n_train, batch_size, AUTO_EPOCHS[variant])
    return max_iter


#: Training rows up to which ``weight_decay="auto"`` is 1 (:func:`auto_weight_decay`).
WEIGHT_DECAY_ROWS = 620


def auto_weight_decay(n_train):
    """``weight_decay="auto"``: ``min(1, (WEIGHT_DECAY_ROWS / n_train) ** 2)``: 1 up to
    620 training rows, 0.15 at 1,600, 0.006 at 8,000.

    A fixed step budget passes over few rows many times, and memorising them is
    what biases the MI of a small sample upwards, so the decay falls fast with the
    rows.
    """
    return min(1.0, (WEIGHT_DECAY_ROWS / n_train) ** 2)


def resolve_weight_decay(weight_decay, n_train):
    """``weight_decay``, with "auto" resolved by :func:`auto_weight_decay`."""
    return auto_weight_decay(n_train) if weight_decay == "auto" else weight_decay


#: Training rows from which ``early_stopping="auto"`` reads an over-fitted fit
#: through its last network rather than going back to its best check.
ROLLBACK_MAX_TRAIN = 8000


def resolve_early_stopping(early_stopping, n_train):
    """``early_stopping`` for ``n_train`` training rows: "auto" becomes False (train
    to the end, read the last network) from :data:`ROLLBACK_MAX_TRAIN` training
    rows, where over-fitting is mild and the best check's network, not yet through
    the learning-rate decay, reads too low; below, it stays "auto" (stop at
    over-fitting and read the best check)."""
    if early_stopping == "auto" and n_train >= ROLLBACK_MAX_TRAIN:
        return False
    return early_stopping


# ------------------------------------------------------------------ reading
#: Draws (rows times passes) a reading takes at least with
#: ``n_estimation_passes="auto"``: the 8 passes over the 2,000 held-out rows of a
#: 10,000-row fit.
MIN_DRAWS = 16000

#: Passes a reading takes at least with ``n_estimation_passes="auto"``.
MIN_PASSES = 8


def estimation_passes(n_passes, n_rows):
    """The Monte Carlo passes over ``n_rows`` rows: ``n_passes``, or with "auto"
    enough for :data:`MIN_DRAWS` draws and at least :data:`MIN_PASSES` (reading is
    a forward pass, cheap beside training, so small readings take more passes)."""
    if n_passes != "auto":
        return n_passes
    return max(MIN_PASSES, math.ceil(MIN_DRAWS / max(n_rows, 1)))


#: The largest weight decay at which the estimates over the standard reference
#: take out the finite-sample bias ``d_x d_y / (2 n_train)``: ``weight_decay="auto"``
#: from about 3,900 training rows. Stronger decay already shrinks what the network
#: learns of the dependence.
MAX_CORRECTED_WEIGHT_DECAY = 0.025


def corrects_finite_sample_bias(weight_decay):
    """Whether the standard reference takes out the finite-sample bias at this
    weight decay (:data:`MAX_CORRECTED_WEIGHT_DECAY`)."""
    return weight_decay <= MAX_CORRECTED_WEIGHT_DECAY


# ------------------------------------------------------------------ the device
def resolve_device(device):
    """``device="auto"``: CUDA when available, else the CPU; any other value is
    parsed and checked (:func:`~sklearn_minde._runtime.parse_device`)."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return parse_device(device)


def use_compile(compile, device):
    """``compile="auto"``: on CUDA only; on a CPU the cold compile costs more than a
    default fit and the compiled step is little faster."""
    return device.type == "cuda" if compile == "auto" else bool(compile)


def use_stacking(stack_networks, device):
    """``stack_networks="auto"``: on CUDA only, where one small network leaves the
    device mostly idle; on a CPU a stacked step costs about as much as the separate
    ones."""
    return device.type == "cuda" if stack_networks == "auto" else bool(stack_networks)
