"""Saving and loading fitted models: pickle and joblib round trips, CPU state, and a
GPU-trained model loaded on a machine without CUDA."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from conftest import TINY

from sklearn_minde import MINDEEstimator

FITTED_ATTRIBUTES = (
    "mutual_information_",
    "mutual_information_std_",
    "estimates_",
    "estimates_std_",
    "entropies_",
    "n_iter_",
    "n_features_in_",
    "device_",
)


@pytest.fixture(scope="module",
                params=[("c", "standard", None), ("j", "standard", None),
                        ("c", "gaussian", None), ("j", "gaussian", 3)],
                ids=lambda p: "-".join(map(str, p)))
def model_and_data(request):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = X[:, 0] + 0.5 * rng.normal(size=200)
    variant, reference, n_folds = request.param
    est = MINDEEstimator(variant=variant, reference=reference, n_folds=n_folds,
                         **dict(TINY, max_iter=50)).fit(X, y)
    return est, X, y


def _pickle_round_trip(est, tmp_path):
    return pickle.loads(pickle.dumps(est))


def _joblib_round_trip(est, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    return joblib.load(path)


@pytest.mark.parametrize("round_trip", [_pickle_round_trip, _joblib_round_trip],
                         ids=["pickle", "joblib"])
def test_round_trip(model_and_data, tmp_path, round_trip):
    """A reloaded model has the same fitted attributes and gives the same estimate,
    score and log-likelihood bound."""
    est, X, y = model_and_data
    loaded = round_trip(est, tmp_path)
    for name in FITTED_ATTRIBUTES:
        assert getattr(loaded, name) == getattr(est, name), name
    np.testing.assert_array_equal(loaded.loss_curve_, est.loss_curve_)
    np.testing.assert_array_equal(
        loaded.validation_loss_curve_, est.validation_loss_curve_
    )
    assert loaded.get_params() == est.get_params()
    assert loaded.estimate(X, y) == est.estimate(X, y)
    assert loaded.score(X, y) == est.score(X, y)
    np.testing.assert_array_equal(loaded.score_samples(X, y),
                                  est.score_samples(X, y))
    state, loaded_state = est.network_.state_dict(), loaded.network_.state_dict()
    assert list(state) == list(loaded_state)
    for key in state:
        torch.testing.assert_close(loaded_state[key], state[key], rtol=0, atol=0)


def test_network_is_kept_on_the_cpu(model_and_data):
    """After fit the network's parameters and buffers are CPU tensors (so that a
    pickle never needs a GPU to load)."""
    est = model_and_data[0]
    tensors = list(est.network_.parameters()) + list(est.network_.buffers())
    assert tensors
    assert all(t.device.type == "cpu" for t in tensors)
    assert not any(t.requires_grad for t in est.network_.parameters())


def test_gpu_trained_model_runs_on_a_cpu_only_machine(model_and_data, monkeypatch):
    """A model whose device_ is "cuda" (as after training on a GPU) unpickles and
    estimates where CUDA is unavailable, with a RuntimeWarning about falling back to
    the CPU and the same numbers as the CPU model."""
    est, X, y = model_and_data
    expected_estimate, expected_score = est.estimate(X, y), est.score(X, y)
    gpu_model = pickle.loads(pickle.dumps(est))
    gpu_model.device_ = "cuda"
    payload = pickle.dumps(gpu_model)

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(payload)
    assert loaded.device_ == "cuda"
    with pytest.warns(RuntimeWarning, match="CPU"):
        got_estimate = loaded.estimate(X, y)
    with pytest.warns(RuntimeWarning, match="CPU"):
        got_score = loaded.score(X, y)
    assert got_estimate == pytest.approx(expected_estimate, rel=1e-6)
    assert got_score == pytest.approx(expected_score, rel=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_trained_on_gpu_loads_on_cpu(monkeypatch):
    """A model really trained on CUDA keeps a CPU network, pickles, and estimates on a
    CPU-only machine with a RuntimeWarning, close to its GPU numbers."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = X[:, 0] + 0.5 * rng.normal(size=200)
    est = MINDEEstimator(**dict(TINY, max_iter=50, device="cuda")).fit(X, y)
    assert est.device_.startswith("cuda")
    assert all(p.device.type == "cpu" for p in est.network_.parameters())
    on_gpu = est.estimate(X, y)
    payload = pickle.dumps(est)

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(payload)
    with pytest.warns(RuntimeWarning, match="CPU"):
        on_cpu = loaded.estimate(X, y)
    # GPU and CPU generators draw different noise: compare within the standard errors
    assert on_cpu[0] == pytest.approx(on_gpu[0], abs=4 * (on_cpu[1] + on_gpu[1]))
