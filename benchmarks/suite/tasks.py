"""benchmark-mi's tasks, the sampling protocols and the oracle accuracy floor."""

from dataclasses import asdict, dataclass

import bmi.benchmark
import numpy as np

from .adapters import Sample

#: The tasks of the quick preset: one of each family that runs fast on a CPU.
QUICK_TASKS = (
    "1v1-normal-0.75",
    "multinormal-dense-5-5-0.5",
    "half_cube-multinormal-sparse-3-3-2-2.0",
    "asinh-student-identity-2-2-1",
)


@dataclass(frozen=True)
class Protocol:
    """How much data each run gets, on which tasks and seeds.

    Parameters
    ----------
    n_fit : int
        Rows an estimator is fitted on.
    n_est : int or None
        Rows of a separate sample the estimate is read on (None: no such sample).
    seeds : tuple of int
    tasks : tuple of str or None
        None for all 40 tasks of ``bmi.benchmark.BENCHMARK_TASKS``.
    """

    n_fit: int
    n_est: int | None
    seeds: tuple
    tasks: tuple | None = None


#: "bmi": the "Beyond Normal" protocol (n = 5,000 or 10,000, seeds 0-9). "minde": the
#: MINDE paper's, fit on 100,000 rows and read on 10,000 others. "quick": a preset
#: for the README that runs in about 20 minutes on two CPU cores.
PROTOCOLS = {
    "bmi": Protocol(n_fit=10_000, n_est=None, seeds=tuple(range(10))),
    "minde": Protocol(n_fit=100_000, n_est=10_000, seeds=tuple(range(10))),
    "quick": Protocol(n_fit=5_000, n_est=None, seeds=(0, 1), tasks=QUICK_TASKS),
}

#: Standard deviation of the pointwise MI under the true densities, per task
#: (/work/shared/oracle_se.md). The oracle that knows the densities has standard
#: error ``sd / sqrt(n)`` on n rows: no estimator beats it on average.
ORACLE_PMI_SD = {
    "1v1-normal-0.75": 0.750,
    "normal_cdf-1v1-normal-0.75": 0.750,
    "1v1-additive-0.1": 0.299,
    "1v1-additive-0.75": 0.472,
    "1v1-bimodal-0.75": 0.750,
    "wiggly-1v1-normal-0.75": 0.750,
    "half_cube-1v1-normal-0.75": 0.750,
    "student-identity-1-1-1": 0.703,
    "asinh-student-identity-1-1-1": 0.707,
    "swissroll_x-normal_cdf-1v1-normal-0.75": 0.750,
    "multinormal-dense-2-2-0.5": 0.667,
    "multinormal-dense-3-3-0.5": 0.750,
    "multinormal-dense-5-5-0.5": 0.833,
    "multinormal-dense-25-25-0.5": 0.962,
    "multinormal-dense-50-50-0.5": 0.980,
    "multinormal-sparse-2-2-2-2.0": 1.131,
    "multinormal-sparse-3-3-2-2.0": 1.131,
    "multinormal-sparse-5-5-2-2.0": 1.131,
    "multinormal-sparse-25-25-2-2.0": 1.131,
    "student-identity-2-2-1": 0.866,
    "student-identity-2-2-2": 0.639,
    "student-identity-3-3-2": 0.736,
    "student-identity-3-3-3": 0.605,
    "student-identity-5-5-2": 0.835,
    "student-identity-5-5-3": 0.720,
    "normal_cdf-multinormal-sparse-3-3-2-2.0": 1.131,
    "normal_cdf-multinormal-sparse-5-5-2-2.0": 1.131,
    "normal_cdf-multinormal-sparse-25-25-2-2.0": 1.131,
    "half_cube-multinormal-sparse-3-3-2-2.0": 1.131,
    "half_cube-multinormal-sparse-5-5-2-2.0": 1.131,
    "half_cube-multinormal-sparse-25-25-2-2.0": 1.131,
    "spiral-multinormal-sparse-3-3-2-2.0": 1.131,
    "spiral-multinormal-sparse-5-5-2-2.0": 1.131,
    "spiral-multinormal-sparse-25-25-2-2.0": 1.131,
    "spiral-normal_cdf-multinormal-sparse-3-3-2-2.0": 1.131,
    "spiral-normal_cdf-multinormal-sparse-5-5-2-2.0": 1.131,
    "spiral-normal_cdf-multinormal-sparse-25-25-2-2.0": 1.131,
    "asinh-student-identity-2-2-1": 0.869,
    "asinh-student-identity-3-3-2": 0.735,
    "asinh-student-identity-5-5-2": 0.837,
}


def all_tasks():
    """Names of the 40 benchmark-mi tasks, in the benchmark's order."""
    return list(bmi.benchmark.BENCHMARK_TASKS)


def oracle_se(task, n):
    """Standard error of the oracle MI estimate on ``n`` rows (NaN if unknown)."""
    return ORACLE_PMI_SD.get(task, np.nan) / np.sqrt(n)


def standardise(a):
    """Each column to mean 0 and standard deviation 1."""
    a = np.asarray(a, dtype=np.float64)
    return (a - a.mean(0)) / a.std(0)


@dataclass(frozen=True)
class TaskData:
    """One sample of one benchmark-mi task.

    ``n_fit + n_est`` rows are drawn with ``seed``, standardised together as one
    sample ("Beyond Normal" standardises each sample), and split into the fitting
    and the estimation rows.

    Parameters
    ----------
    task : str
        Key of ``bmi.benchmark.BENCHMARK_TASKS``.
    seed : int
    n_fit : int
    n_est : int or None
    """

    task: str
    seed: int
    n_fit: int
    n_est: int | None = None

    def key(self):
        """The fields that identify the sample in the results file."""
        return asdict(self)

    def draw(self):
        """Draw the sample.

        Returns
        -------
        sample : Sample
        info : dict
            ``true_mi``, ``dim_x``, ``dim_y`` and ``oracle_se`` (for the rows the
            estimate is read on: ``n_est`` when given, else ``n_fit``).
        """
        task = bmi.benchmark.BENCHMARK_TASKS[self.task]
        x, y = task.sample(self.n_fit + (self.n_est or 0), seed=self.seed)
        x, y = standardise(x), standardise(y)
        f = self.n_fit
        sample = (Sample(x, y) if self.n_est is None
                  else Sample(x[:f], y[:f], x[f:], y[f:]))
        info = dict(true_mi=float(task.mutual_information), dim_x=task.dim_x,
                    dim_y=task.dim_y, oracle_se=oracle_se(self.task, self.n_est or f))
        return sample, info
