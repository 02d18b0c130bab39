"""benchmarks/bmi_adapter.py: MINDE behind benchmark-mi's point-estimator interface,
run by benchmark-mi's own workflow. Tiny fits: interface and plumbing, not accuracy
(except with the Gaussian reference, which reads a Gaussian's MI before training)."""

import math

import numpy as np
import pytest
from conftest import TINY

bmi = pytest.importorskip("bmi")

from benchmarks.bmi_adapter import MINDEBmiEstimator  # noqa: E402
from sklearn_minde import MINDEEstimator  # noqa: E402

TASK = "1v1-normal-0.75"


@pytest.fixture(scope="module")
def sample():
    return bmi.benchmark.BENCHMARK_TASKS[TASK].sample(600, seed=0)


def test_implements_bmi_point_estimator_interface():
    """A subclass of bmi's interface (a Protocol that is not runtime-checkable, so
    isinstance raises for bmi's own estimators too) with every abstract method."""
    iface = bmi.IMutualInformationPointEstimator
    assert iface in MINDEBmiEstimator.__mro__
    assert iface in type(bmi.estimators.CCAMutualInformationEstimator()).__mro__
    est = MINDEBmiEstimator(**TINY)  # abstract methods left would raise TypeError
    assert isinstance(est.parameters(), bmi.interface.BaseModel)


def test_parameters_round_trip_and_defaults():
    est = MINDEBmiEstimator(variant="j", sigma=0.5, max_iter=7, random_state=3)
    params = est.parameters()
    assert (
        params.dict()
        == MINDEEstimator(
            variant="j", sigma=0.5, max_iter=7, random_state=3
        ).get_params()
    )
    assert MINDEBmiEstimator(**params.dict()).parameters() == params
    assert MINDEBmiEstimator().parameters().dict() == MINDEEstimator().get_params()
    params.max_iter = 99  # a copy: the estimator keeps its own
    assert est.parameters().max_iter == 7


def test_unknown_parameter_is_a_type_error():
    with pytest.raises(TypeError, match="n_steps"):
        MINDEBmiEstimator(n_steps=5)


@pytest.mark.parametrize("params", [{}, {"sigma": 1.0}, {"variant": "j"}])
def test_estimate_is_the_fitted_estimators(sample, params):
    """estimate(x, y) is mutual_information_ of MINDEEstimator fitted with the same
    parameters on the same sample; the info names the chosen form."""
    x, y = sample
    est = MINDEBmiEstimator(**TINY, **params)
    fitted = MINDEEstimator(**TINY, **params).fit(x, y)
    result = est.estimate_with_info(x, y)
    assert result.mi_estimate == fitted.mutual_information_
    assert est.estimate(x, y) == result.mi_estimate
    info = result.additional_information
    variant = params.get("variant", "c").upper()
    label = f"MINDE-{variant}" + ("-sigma" if "sigma" in params else "")
    assert info["estimator"] == label
    assert info["estimates"][label] == result.mi_estimate
    assert info["std_error"] == fitted.mutual_information_std_
    assert set(info["estimates"]) == {f"MINDE-{variant}", f"MINDE-{variant}-sigma"}
    assert info["n_iter"] == fitted.n_iter_ and info["device"] == "cpu"


def test_unknown_variant():
    with pytest.raises(ValueError, match="variant must be one of"):
        MINDEBmiEstimator(**dict(TINY, variant="x")).estimate(
            np.ones((4, 1)), np.ones((4, 1))
        )


def test_conditioning_columns_are_refused():
    """bmi's interface has no Z: a conditional estimator is refused, not run as
    an unconditional one."""
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="conditioning_columns"):
        MINDEBmiEstimator(**dict(TINY, conditioning_columns=[0])).estimate(
            rng.normal(size=(40, 2)), rng.normal(size=(40, 1)))


def test_runs_in_bmis_own_workflow(tmp_path):
    """bmi.benchmark.run_estimator on a task sample saved by bmi: success, and with
    the Gaussian reference (exact scores of the fitted Gaussian before training)
    an estimate within 0.1 nats of the truth (0.41; it reads 0.39) on 2,000 rows."""
    task = bmi.benchmark.BENCHMARK_TASKS[TASK]
    path = tmp_path / "sample.csv"
    task.save_sample(path, n_samples=2000, seed=0)
    est = MINDEBmiEstimator(**dict(TINY, reference="gaussian", max_iter=50))
    result = bmi.benchmark.run_estimator(
        estimator=est,
        estimator_id="MINDE-C",
        sample_path=path,
        task_id=task.id,
        seed=0,
    )
    assert result.success, result.additional_information.get("error")
    assert math.isfinite(result.mi_estimate) and result.n_samples == 2000
    assert result.mi_estimate == pytest.approx(task.mutual_information, abs=0.1)
    assert result.additional_information["estimator"] == "MINDE-C"
    assert result.additional_information["std_error"] > 0
