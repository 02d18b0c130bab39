"""Checks that need a CUDA device; skipped on machines without one (such as CI)."""

import pickle

import numpy as np
import pytest
import torch

from sklearn_minde import MINDEEstimator

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def _data(n=2000, rho=0.8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1))
    return x, rho * x[:, 0] + np.sqrt(1 - rho**2) * rng.normal(size=n)


def test_fits_on_cuda_and_keeps_cpu_state():
    """A CUDA fit trains on the GPU and keeps its canonical state on the CPU."""
    x, y = _data()
    est = MINDEEstimator(device="cuda", max_iter=300, random_state=0).fit(x, y)
    assert est.device_.startswith("cuda")
    assert all(p.device.type == "cpu" for p in est.network_.parameters())
    assert np.isfinite(est.mutual_information_)


def test_cuda_model_unpickles_on_cpu(monkeypatch):
    """A GPU-trained model loads and estimates where CUDA is absent."""
    x, y = _data()
    est = MINDEEstimator(device="cuda", max_iter=300, random_state=0).fit(x, y)
    blob = pickle.dumps(est)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(blob)
    with pytest.warns(RuntimeWarning, match="CUDA is not available"):
        mi, std = loaded.estimate(x, y)
    assert np.isfinite(mi) and std > 0


def test_cuda_compiles_by_default_and_matches_eager():
    """compile="auto" compiles on CUDA; the numbers agree with eager training."""
    x, y = _data()
    kw = dict(device="cuda", max_iter=300, random_state=0)
    compiled = MINDEEstimator(**kw).fit(x, y)
    eager = MINDEEstimator(compile=False, **kw).fit(x, y)
    assert compiled.compiled_ and not eager.compiled_
    assert compiled.mutual_information_ == pytest.approx(
        eager.mutual_information_, rel=1e-3, abs=1e-3
    )


def test_cuda_stacks_several_networks_by_default_and_matches_sequential():
    """stack_networks="auto" stacks on CUDA; the numbers agree with training the
    networks one after the other."""
    x, y = _data()
    kw = dict(device="cuda", n_folds=3, max_iter=300, random_state=0)
    stacked = MINDEEstimator(**kw).fit(x, y)
    sequential = MINDEEstimator(stack_networks=False, **kw).fit(x, y)
    np.testing.assert_allclose(
        stacked.member_estimates_, sequential.member_estimates_, rtol=1e-3, atol=1e-3
    )
