"""The numbers a fixed set of fits gives, recorded: a refactor must not move them.

``python tests/test_numbers.py`` records them into ``tests/data/numbers.json``
(only when a change of the numbers is intended, with the reason in the commit).
The comparison is to 1e-10 where the machine runs torch's CPU kernels with the
instruction set of the recording, and the same major version of numpy; elsewhere
float rounding may differ from the first step of training, and the comparison is
to 1e-3 relative.
"""

import json
import math
import pathlib
import sys
import warnings

import numpy as np
import pytest
import torch

from sklearn_minde import MINDEEstimator

RECORD = pathlib.Path(__file__).parent / "data" / "numbers.json"


def _data(n, seed, d_x=2, d_z=0):
    """``n`` rows of a linear Gaussian: ``y`` depends on the first column of X;
    ``d_z`` last columns of X are a common cause of both."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d_x))
    z = rng.normal(size=(n, d_z))
    y = x[:, :1] + 0.7 * z.sum(1, keepdims=True) + rng.normal(size=(n, 1))
    return np.hstack([x, z]), y


COMMON = dict(hidden_dim=16, max_iter=120, device="cpu", random_state=3)

#: name -> (data arguments, estimator parameters)
CONFIGS = {
    "c": ((400, 0), dict(COMMON)),
    "j": ((400, 1), dict(COMMON, variant="j")),
    "c_sigma_gaussian_reference": (
        (400, 2),
        dict(COMMON, sigma=1.0, reference="gaussian"),
    ),
    "j_cross_fitted": ((300, 3), dict(COMMON, variant="j", n_folds=3)),
    "c_two_networks": ((300, 4), dict(COMMON, n_networks=2, normal_scores=True)),
    "c_conditioning": ((400, 5, 1, 1), dict(COMMON, conditioning_columns=[1])),
    "c_early_stopping_small": (
        (80, 6, 3),
        dict(
            COMMON,
            hidden_dim=64,
            max_iter=600,
            learning_rate_schedule="constant",
            weight_decay=0.0,
        ),
    ),
}


def numbers(name):
    """Every number a fit of configuration ``name`` gives, by attribute."""
    data_args, params = CONFIGS[name]
    X, y = _data(*data_args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MINDEEstimator(**params).fit(X, y)
        out = {
            "mutual_information_": est.mutual_information_,
            "mutual_information_std_": est.mutual_information_std_,
            "n_iter_": est.n_iter_,
            "best_iter_": est.best_iter_,
            "tail_share_": est.tail_share_,
            "score": est.score(X, y),
        }
        out["estimate"], out["estimate_std"] = est.estimate(X[:50], y[:50])
    for attr in ("estimates_", "estimates_std_", "entropies_"):
        for key, value in getattr(est, attr).items():
            out[f"{attr}[{key}]"] = value
    return {k: float(v) for k, v in out.items()}


def _close(a, b, rtol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rtol * max(1.0, abs(b))


@pytest.mark.parametrize("name", CONFIGS)
def test_numbers_do_not_move(name):
    recorded = json.loads(RECORD.read_text())
    same_kernels = recorded["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    same_kernels &= recorded["numpy"].split(".")[0] == np.__version__.split(".")[0]
    rtol = 1e-10 if same_kernels else 1e-3
    got, want = numbers(name), recorded["numbers"][name]
    assert got.keys() == want.keys()
    moved = {k: (got[k], want[k]) for k in want if not _close(got[k], want[k], rtol)}
    assert not moved, f"moved (now, recorded): {moved}"


if __name__ == "__main__":
    torch.set_num_threads(1)
    record = {
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "numbers": {name: numbers(name) for name in CONFIGS},
    }
    RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    sys.exit(0)
