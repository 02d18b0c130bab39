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


# --------------------------------------------------------------- row-keyed draws
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(30), np.uint64(0xBF58476D1CE4E5B9), np.uint64(27))
_MIX2 = (np.uint64(0x94D049BB133111EB), np.uint64(31))


def splitmix64(v):
    """The SplitMix64 finaliser of an array of uint64: a bijection in which every
    output bit depends on every input bit (wraps modulo 2**64)."""
    v = (v ^ (v >> _MIX[0])) * _MIX[1]
    v = (v ^ (v >> _MIX[2])) * _MIX2[0]
    return v ^ (v >> _MIX2[1])


def row_keys(arrays, seed):
    """A 64-bit key per row, a hash of the row's values and of ``seed``.

    Equal rows get equal keys wherever they stand, so draws made from the keys
    (:func:`row_uniforms`) follow a row, not its position.

    Parameters
    ----------
    arrays : list of ndarray of shape (n, d_k)
        The row's columns, array by array (read as float64; -0.0 as 0.0).
    seed : int
        A 64-bit seed, e.g. :func:`stream_seed`.

    Returns
    -------
    ndarray of shape (n,), uint64
    """
    keys = np.full(len(arrays[0]), np.uint64(seed), dtype=np.uint64)
    for a in arrays:
        bits = np.ascontiguousarray(np.asarray(a, dtype=np.float64) + 0.0)
        for column in bits.view(np.uint64).T:
            keys = splitmix64((keys ^ column) + _GOLDEN)
    return keys


def row_uniforms(keys, start, count):
    """Uniforms in (0, 1), a counter-based stream per key: shape
    ``(len(keys), count)``, the draws ``start`` to ``start + count - 1`` of each
    key's stream (SplitMix64 over ``key + counter * golden ratio``)."""
    counters = np.arange(start + 1, start + count + 1, dtype=np.uint64) * _GOLDEN
    bits = splitmix64(keys[:, None] + counters[None, :])
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


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


def in_float64(networks, device):
    """Copies of the networks in float64 on ``device``: new data are read in float64,
    where a row's value does not depend on the size of the batch it is read in."""
    return [
        copy.deepcopy(net).to(device=device, dtype=torch.float64) for net in networks
    ]


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
