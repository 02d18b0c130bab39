"""One small interface over every estimator the benchmarks run.

An adapter turns a :class:`Sample` and a seed into an :class:`Outcome`: one or more
named MI estimates from one fit, conditional MI estimates I(X; Y | Z) when the sample
has a Z. MINDE's adapters return the plain and the sigma estimate of one trained
network, so a variant and its sigma form never train twice.

An adapter has a ``name``, a ``group`` (which ``--*-param`` overrides apply to it), a
``params`` dict, and three methods: ``outputs()`` (the names of the estimates it
returns), ``settings()`` (what identifies its configuration in the results file) and
``run(sample, seed)``. Adding an estimator is one entry in :data:`ADAPTERS`.
"""

import dataclasses
from dataclasses import dataclass, field

import bmi.estimators
import jax
import numpy as np

from sklearn_minde import MINDEEstimator

from . import ci_tests


@dataclass
class Sample:
    """The data of one estimate.

    Parameters
    ----------
    x_fit, y_fit : ndarray of shape (n_fit, d_x) and (n_fit, d_y)
        The sample an estimator is fitted on.
    x_est, y_est : ndarray of shape (n_est, d_x) and (n_est, d_y), optional
        A separate sample to read the estimate on (the MINDE protocol). Estimators
        without a separate estimation step run on this sample when it is given.
    z_fit, z_est : ndarray of shape (n_fit, d_z) and (n_est, d_z), optional
        The conditioning variable of a conditional MI I(X; Y | Z), on the same rows
        as the x and y arrays; None for the MI I(X; Y).
    """

    x_fit: np.ndarray
    y_fit: np.ndarray
    x_est: np.ndarray | None = None
    y_est: np.ndarray | None = None
    z_fit: np.ndarray | None = None
    z_est: np.ndarray | None = None

    def estimation_rows(self):
        """x, y and z of the estimation sample when there is one, else of the
        fitting sample (z is None without a Z)."""
        if self.x_est is None:
            return self.x_fit, self.y_fit, self.z_fit
        return self.x_est, self.y_est, self.z_est


def _with_z(x, z):
    """X's columns for MINDEEstimator: x, then z's (x alone without a Z)."""
    return x if z is None else np.hstack([x, z])


@dataclass
class Outcome:
    """What one fit returns.

    Parameters
    ----------
    estimates : dict of str to float
        MI estimates in nats, by estimator name.
    std_errors : dict of str to float
        Standard errors reported by the estimator itself, where it has them.
    device : str
        Where the computation ran ("cpu", "cuda:0"...).
    n_iter : int or None
        Training steps, where the estimator reports them.
    """

    estimates: dict
    std_errors: dict = field(default_factory=dict)
    device: str = "cpu"
    n_iter: int | None = None


@dataclass
class MINDEAdapter:
    """MINDE, one variant: returns its plain and its sigma estimate.

    Parameters
    ----------
    name : str
        Name of the plain estimate; the sigma estimate is ``name + "-sigma"``.
    variant : {"c", "j"}
        ``MINDEEstimator``'s variant.
    params : dict
        Further ``MINDEEstimator`` parameters. ``sigma`` sets the reference of the
        sigma form (1 when absent or None). With a Z in the sample, its columns
        follow x's in X and are the ``conditioning_columns``.
    """

    name: str
    variant: str
    params: dict = field(default_factory=dict)
    group: str = "minde"

    def outputs(self):
        """Names of the estimates, plain first."""
        return (self.name, f"{self.name}-sigma")

    def settings(self):
        """The configuration, as recorded with every result."""
        return {"variant": self.variant, **self.params}

    def run(self, sample, seed):
        """Fit on ``sample.x_fit, sample.y_fit``; read the estimates on the held-out
        rows of ``fit``, or on ``sample.x_est, sample.y_est`` when given.

        Parameters
        ----------
        sample : Sample
        seed : int
            ``random_state`` of the estimator.

        Returns
        -------
        Outcome
        """
        x, z = sample.x_fit, sample.z_fit
        d_x = x.shape[1]
        columns = None if z is None else list(range(d_x, d_x + z.shape[1]))
        est = MINDEEstimator(variant=self.variant, random_state=seed,
                             conditioning_columns=columns, **self.params)
        est.fit(_with_z(x, z), sample.y_fit)
        plain, sigma = self.outputs()
        if sample.x_est is None:
            key = f"minde_{self.variant}"
            values = {plain: est.estimates_[key], sigma: est.estimates_[f"{key}_sigma"]}
            errors = {plain: est.estimates_std_[key],
                      sigma: est.estimates_std_[f"{key}_sigma"]}
        else:
            xy = _with_z(sample.x_est, sample.z_est), sample.y_est
            reference = est.sigma or 1.0
            read = {plain: est.set_params(sigma=None).estimate(*xy),
                    sigma: est.set_params(sigma=reference).estimate(*xy)}
            values = {k: v[0] for k, v in read.items()}
            errors = {k: v[1] for k, v in read.items()}
        return Outcome(values, errors, device=est.device_, n_iter=int(est.n_iter_))


@dataclass
class BMIAdapter:
    """An estimator of benchmark-mi (``bmi.estimators``).

    These estimators have no separate estimation step: they run on the estimation
    sample when there is one, else on the fitting sample.

    Parameters
    ----------
    name : str
        Name of the estimate.
    estimator : str
        Class name in ``bmi.estimators``.
    params : dict
        Its constructor parameters.
    group : {"neural", "classical"}
        "neural" estimators are seeded with the run's seed and take the
        ``--neural-param`` overrides.
    """

    name: str
    estimator: str
    params: dict = field(default_factory=dict)
    group: str = "classical"

    def outputs(self):
        """The one estimate's name."""
        return (self.name,)

    def settings(self):
        """The configuration, as recorded with every result."""
        return {"estimator": self.estimator, **self.params}

    def run(self, sample, seed):
        """Estimate MI with a fresh bmi estimator.

        Parameters
        ----------
        sample : Sample
        seed : int
            Seed of the neural estimators (ignored by the others).

        Returns
        -------
        Outcome

        Raises
        ------
        ValueError
            For a sample with a Z: benchmark-mi's estimators have no conditional
            form.
        """
        x, y, z = sample.estimation_rows()
        if z is not None:
            raise ValueError(f"{self.name} estimates I(X; Y) only: it has no "
                             "conditional form")
        kwargs = dict(self.params, seed=seed) if self.group == "neural" else self.params
        est = getattr(bmi.estimators, self.estimator)(**kwargs)
        return Outcome({self.name: float(est.estimate(x, y))},
                       device=jax.default_backend())


@dataclass
class CMIAdapter:
    """A (conditional) MI function of :mod:`benchmarks.suite.ci_tests`, e.g. the
    Gaussian CMI or tigramite's CMIknn estimate.

    Runs on the estimation sample when there is one, else on the fitting sample;
    without a Z it estimates I(X; Y).

    Parameters
    ----------
    name : str
        Name of the estimate.
    function : str
        Name of the function in :mod:`benchmarks.suite.ci_tests`, called as
        ``function(x, y, z, random_state=seed, **params) -> float``.
    params : dict
        Its keyword parameters.
    group : str
        Which ``--*-param`` overrides apply.
    """

    name: str
    function: str
    params: dict = field(default_factory=dict)
    group: str = "classical"

    def outputs(self):
        """The one estimate's name."""
        return (self.name,)

    def settings(self):
        """The configuration, as recorded with every result."""
        return {"function": self.function, **self.params}

    def run(self, sample, seed):
        """Estimate the (conditional) MI of ``sample``, seeded with ``seed``.

        Returns
        -------
        Outcome
        """
        x, y, z = sample.estimation_rows()
        value = getattr(ci_tests, self.function)(x, y, z, random_state=seed,
                                                 **self.params)
        return Outcome({self.name: float(value)})


#: The critic of the "Beyond Normal" benchmark's neural estimators: an MLP with
#: hidden layers of 10 and 5 units; bmi's other defaults (10,000 steps, batch 256).
_CRITIC = {"hidden_layers": (10, 5), "verbose": False}

#: Every estimator the studies know, by name. DV is Donsker-Varadhan; KSG uses
#: k = 10 neighbours (KSG-10 of "Beyond Normal").
ADAPTERS = {
    adapter.name: adapter
    for adapter in (
        MINDEAdapter("MINDE-C", "c"),
        MINDEAdapter("MINDE-J", "j"),
        BMIAdapter("KSG", "KSGEnsembleFirstEstimator", {"neighborhoods": (10,)}),
        BMIAdapter("CCA", "CCAMutualInformationEstimator"),
        BMIAdapter("InfoNCE", "InfoNCEEstimator", _CRITIC, "neural"),
        BMIAdapter("MINE", "MINEEstimator", _CRITIC, "neural"),
        BMIAdapter("NWJ", "NWJEstimator", _CRITIC, "neural"),
        BMIAdapter("DV", "DonskerVaradhanEstimator", _CRITIC, "neural"),
    )
}


def select_adapters(names, overrides=None, registry=None):
    """The adapters that produce the named estimates, with parameter overrides.

    Parameters
    ----------
    names : iterable of str
        Adapter names or estimate names ("MINDE-C-sigma" selects "MINDE-C").
    overrides : dict of str to dict, optional
        Parameters merged into the adapters of each group, e.g.
        ``{"minde": {"max_iter": 50}, "neural": {"max_n_steps": 100}}``.
    registry : dict of str to adapter, optional
        Defaults to :data:`ADAPTERS`.

    Returns
    -------
    list of adapter
        In the order first named, each once.
    """
    registry = ADAPTERS if registry is None else registry
    overrides = overrides or {}
    by_output = {out: a for a in registry.values() for out in a.outputs()}
    chosen = {}
    for name in names:
        if name not in by_output:
            raise ValueError(f"unknown estimator {name!r}; known: {sorted(by_output)}")
        adapter = by_output[name]
        extra = overrides.get(adapter.group, {})
        chosen.setdefault(adapter.name, dataclasses.replace(
            adapter, params={**adapter.params, **extra}))
    return list(chosen.values())
