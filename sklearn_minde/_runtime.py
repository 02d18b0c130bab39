"""Where and how the computation runs: named random streams, devices, threads,
progress and warnings. Nothing here knows the method."""

import copy
import os
import sys
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from tqdm.auto import tqdm

# ------------------------------------------------------------------ random streams
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


_GLOBAL_RNG = threading.Lock()


@contextmanager
def seeded_cpu_rng(seed):
    """Seed torch's CPU RNG inside the block; the user's global RNG is untouched.

    The global RNG is one per process, so fits in threads take turns here.
    """
    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


# ------------------------------------------------------------------------ devices
def parse_device(device):
    """A ``torch.device`` from ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a device, with a
    clear error where the device is missing."""
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device.") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} was asked for but CUDA is not available."
        )
    return device


def fitted_device(device):
    """The device a fitted model runs on: its own, or the CPU with a warning when the
    model was fitted on a GPU that this machine lacks (e.g. after unpickling)."""
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        warn(
            f"This model was fitted on {device} but CUDA is not available here: "
            "running it on the CPU.",
            RuntimeWarning,
        )
        return torch.device("cpu")
    return device


def on_device(networks, device):
    """The networks on ``device`` (copies unless it is the CPU, where they live)."""
    if device.type == "cpu":
        return networks
    return [copy.deepcopy(net).to(device) for net in networks]


@contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` torch CPU threads, then restore the caller's
    setting (``torch.set_num_threads`` is process-wide). None changes nothing."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# ------------------------------------------------------------ progress and warnings
def progress_bar(total, verbose):
    """A tqdm bar over training steps, shown only when ``verbose > 0``."""
    return tqdm(total=total, disable=verbose <= 0, desc="MINDE training", unit="step")


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def warn(message, category):
    """``warnings.warn`` with the stack level of the first frame outside the package.

    The level is counted from the frames, so a warning raised in any helper points
    at the line of user code (or of scikit-learn, joblib, ...) that called into
    sklearn-minde.
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ).startswith(_PACKAGE):
        level += 1
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=level)
