"""MINDE as a benchmark-mi estimator, for benchmark-mi's own workflows.

benchmark-mi (import name ``bmi``) runs any class with its point-estimator interface,
``bmi.interface.IMutualInformationPointEstimator``: ``estimate(x, y)`` returning a
float, ``estimate_with_info(x, y)`` returning a ``bmi.interface.EstimateResult`` and
``parameters()`` returning a pydantic model. :class:`MINDEBmiEstimator` puts
:class:`~sklearn_minde.MINDEEstimator` behind that interface, so that
``bmi.benchmark.run_estimator`` (and any workflow built on it) can run it::

    import bmi
    from benchmarks.bmi_adapter import MINDEBmiEstimator

    task = bmi.benchmark.BENCHMARK_TASKS["1v1-normal-0.75"]
    x, y = task.sample(10_000, seed=0)
    MINDEBmiEstimator(variant="c", random_state=0).estimate(x, y)

It fits through the suite's :class:`~benchmarks.suite.adapters.MINDEAdapter` (one
fit, both forms, the suite's labels), so a number it reports is the one the suite
would record for the same sample and seed. The core package does not import bmi;
this module lives with the benchmarks for that reason.
"""

import dataclasses
from typing import Any

import numpy as np
import pydantic
from bmi.interface import BaseModel, EstimateResult, IMutualInformationPointEstimator

from benchmarks.suite.adapters import ADAPTERS, MINDEAdapter, Sample
from sklearn_minde import MINDEEstimator


class _Params(BaseModel):
    class Config:
        extra = "forbid"


#: ``MINDEEstimator``'s parameters with their defaults, read from its signature, as
#: the pydantic model ``parameters()`` returns (bmi records it with each run). Values
#: are not validated here: ``MINDEEstimator.fit`` does that, as in scikit-learn.
MINDEParams = pydantic.create_model(
    "MINDEParams",
    __base__=_Params,
    **{name: (Any, default) for name, default in MINDEEstimator().get_params().items()},
)

#: The suite's MINDE adapter of each variant: the label of each estimate.
_BY_VARIANT = {a.variant: a for a in ADAPTERS.values() if isinstance(a, MINDEAdapter)}


class MINDEBmiEstimator(IMutualInformationPointEstimator):
    """:class:`~sklearn_minde.MINDEEstimator` as a benchmark-mi point estimator.

    ``estimate(x, y)`` fits a fresh ``MINDEEstimator(**params)`` on the whole sample
    and returns ``mutual_information_``: the estimate of the chosen variant and
    form, read on the rows ``fit`` holds out (``validation_fraction``), or on every
    row with ``n_folds``.

    Parameters
    ----------
    **params
        ``MINDEEstimator`` parameters; the others keep their defaults. An unknown
        name is a TypeError, as for ``MINDEEstimator``.
    """

    def __init__(self, **params):
        self._params = MINDEParams(**MINDEEstimator(**params).get_params())

    def parameters(self) -> MINDEParams:
        """Every ``MINDEEstimator`` parameter of this estimator, defaults included;
        ``MINDEBmiEstimator(**est.parameters().dict())`` is the same estimator."""
        return self._params.copy()

    def estimate_with_info(self, x, y) -> EstimateResult:
        """Fit on ``(x, y)``; the estimate and what the fit reports beside it.

        Parameters
        ----------
        x : array-like of shape (n_samples, dim_x)
        y : array-like of shape (n_samples, dim_y)

        Returns
        -------
        EstimateResult
            ``mi_estimate`` in nats. ``additional_information``: ``estimator`` (the
            suite's label of the chosen estimate, e.g. ``"MINDE-C-sigma"``),
            ``std_error`` (its standard error: Monte Carlo and sampling noise, not
            network bias), ``estimates`` and ``std_errors`` (the plain and the sigma
            form of the same fit, by label), ``device`` and ``n_iter``.
        """
        params = self._params.dict()
        variant, seed = params.pop("variant"), params.pop("random_state")
        if params.pop("conditioning_columns") is not None:
            raise ValueError(
                "benchmark-mi's interface estimates I(X; Y): conditioning_columns "
                "must be None."
            )
        if variant not in _BY_VARIANT:
            raise ValueError(
                f"variant must be one of {sorted(_BY_VARIANT)}, got {variant!r}."
            )
        adapter = dataclasses.replace(_BY_VARIANT[variant], params=params)
        outcome = adapter.run(Sample(np.asarray(x), np.asarray(y)), seed)
        plain, sigma = adapter.outputs()
        chosen = plain if params["sigma"] is None else sigma
        return EstimateResult(
            mi_estimate=outcome.estimates[chosen],
            additional_information={
                "estimator": chosen,
                "std_error": outcome.std_errors[chosen],
                "estimates": outcome.estimates,
                "std_errors": outcome.std_errors,
                "device": outcome.device,
                "n_iter": outcome.n_iter,
            },
        )

    def estimate(self, x, y) -> float:
        """The MI estimate of ``(x, y)`` in nats (see :meth:`estimate_with_info`)."""
        return self.estimate_with_info(x, y).mi_estimate
