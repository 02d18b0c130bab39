"""Jobs and their execution: joblib locally, or a Dask cluster through joblib.

A :class:`Job` is one adapter on one data specification (a task, a seed and sample
sizes, or one self-consistency test). :func:`run_jobs` runs the jobs that the results
file does not hold yet, in parallel, and appends each record the moment it arrives.
Workers of a Dask cluster need this repository importable (run them from its root or
put it on ``PYTHONPATH``) and the same packages as the client.
"""

import os
import platform
import subprocess
import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import cache
from importlib import metadata
from pathlib import Path

import torch
from joblib import Parallel, delayed, parallel_config
from sklearn.exceptions import ConvergenceWarning
from tqdm.auto import tqdm

from .adapters import Outcome
from .store import job_id

#: Distributions whose versions every record carries.
_PACKAGES = ("sklearn-minde", "torch", "numpy", "scikit-learn", "benchmark-mi", "jax")


@dataclass
class Job:
    """One adapter on one data specification.

    Parameters
    ----------
    study : str
        Name of the study the job belongs to.
    data : object
        Has ``seed``, ``key()`` (a JSON-serialisable dict) and ``draw()``, which
        returns a :class:`~benchmarks.suite.adapters.Sample` and a dict of facts
        about it (true MI...) to record.
    adapter : object
        An adapter of :mod:`benchmarks.suite.adapters`.
    """

    study: str
    data: object
    adapter: object

    def key(self):
        """What identifies the job in the results file."""
        return {"study": self.study, **self.data.key(), "adapter": self.adapter.name,
                "settings": self.adapter.settings()}

    @property
    def id(self):
        """Canonical string of :meth:`key`."""
        return job_id(self.key())


@cache
def environment():
    """The machine and package versions, recorded with every result.

    Returns
    -------
    dict
        ``machine`` (str), ``gpu`` (str or None), ``versions`` (dict) and
        ``commit`` (the checkout's git commit, ``+`` when the tree has changes,
        or None outside a git checkout).
    """
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return {
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "gpu": gpu,
        "versions": {"python": platform.python_version(),
                     **{p: metadata.version(p) for p in _PACKAGES}},
        "commit": _commit(),
    }


@cache
def _commit():
    """The git commit of the code that runs (suffixed ``+`` if modified), or None."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, check=True).stdout
        dirty = subprocess.run(["git", "status", "--porcelain", "--",
                                "sklearn_minde", "benchmarks/suite"], cwd=root,
                               capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.strip() + ("+" if dirty.strip() else "")


def execute(job, threads=None):
    """Run one job and return its record.

    An exception of the estimator is recorded (``failure``), not raised, so that one
    diverging fit does not stop a sweep.

    Parameters
    ----------
    job : Job
    threads : int, optional
        torch's intra-op threads for this process (left alone if None).

    Returns
    -------
    dict
        The job key, the facts of its data, the :class:`Outcome` fields, ``fit_s``
        (wall time of fitting and estimating, without drawing the data),
        ``failure`` (None or the error message), ``warnings`` (the names of the
        sklearn_minde warnings the fit raised, e.g. ``OverfittingWarning``, and
        ``ConvergenceWarning``), the
        environment and a time stamp.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    sample, info = job.data.draw()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            outcome, failure = job.adapter.run(sample, job.data.seed), None
        except Exception as exc:  # noqa: BLE001 -- recorded, and the sweep goes on
            outcome, failure = Outcome({}), f"{type(exc).__name__}: {exc}"
    fit_s = time.perf_counter() - start
    return {"job": job.key(), **info, **asdict(outcome), "fit_s": fit_s,
            "failure": failure, "warnings": package_warnings(caught),
            **environment(),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def package_warnings(caught):
    """The names of the sklearn_minde warnings among ``caught`` (e.g.
    ``"OverfittingWarning"``) and of scikit-learn's ``ConvergenceWarning``, which
    the package raises for a fit still improving at ``max_iter``: each once, in the
    order first met."""
    names = (type(w.message).__name__ for w in caught
             if type(w.message).__module__.startswith("sklearn_minde")
             or issubclass(w.category, ConvergenceWarning))
    return list(dict.fromkeys(names))


@contextmanager
def _backend(scheduler):
    """joblib's dask backend on the cluster at ``scheduler``; the default if None."""
    if scheduler is None:
        yield
        return
    from distributed import Client

    with Client(scheduler) as client, parallel_config(backend="dask", client=client):
        yield


def pending_jobs(jobs, records, retry_failed=False):
    """The jobs whose records are missing (or failed, with ``retry_failed``).

    Parameters
    ----------
    jobs : list of Job
    records : dict of str to dict
        As returned by :meth:`ResultStore.load`.
    retry_failed : bool, default=False

    Returns
    -------
    list of Job
        In order, each job once.
    """
    done = {i for i, r in records.items() if not (retry_failed and r["failure"])}
    unique = {job.id: job for job in jobs}
    return [job for i, job in unique.items() if i not in done]


def run_jobs(jobs, store, n_jobs=1, scheduler=None, threads=None, retry_failed=False,
             progress=True):
    """Run the jobs that ``store`` does not hold, appending each record as it comes.

    Parameters
    ----------
    jobs : list of Job
        The whole sweep; those already done count towards the progress bar.
    store : ResultStore
    n_jobs : int, default=1
        joblib workers (processes); ignored with ``scheduler``, where every worker
        of the cluster is used.
    scheduler : str, optional
        Address of a Dask scheduler, e.g. "tcp://10.0.0.5:8786".
    threads : int, optional
        torch threads per job; see :func:`execute`.
    retry_failed : bool, default=False
        Also rerun the jobs recorded as failed.
    progress : bool, default=True
        Show a progress bar over the whole sweep.

    Returns
    -------
    int
        Number of jobs run.
    """
    pending = pending_jobs(jobs, store.load(), retry_failed)
    total = len({job.id for job in jobs})
    with tqdm(total=total, initial=total - len(pending), unit="fit",
              disable=not progress, dynamic_ncols=True) as bar:
        if not pending:
            return 0
        with _backend(scheduler):
            parallel = Parallel(n_jobs=-1 if scheduler else n_jobs,
                                return_as="generator_unordered")
            for record in parallel(delayed(execute)(job, threads) for job in pending):
                store.append(record)
                bar.set_postfix_str(record["job"]["adapter"], refresh=False)
                bar.update()
    return len(pending)
