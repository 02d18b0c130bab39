"""The strong/weak dependence probe (benchmarks/studies/strong_dependence.py)."""

import numpy as np
import pytest

from benchmarks.studies import strong_dependence


def test_true_mi_of_the_additive_gaussian_pair():
    # y = x + e in 4 columns: half a log of (1 + 1) per column
    assert strong_dependence.true_mi(1.0, 4) == pytest.approx(2 * np.log(2))


def test_relative_errors_of_given_configurations():
    """One relative error per configuration, each that configuration's fit."""
    tiny = dict(hidden_dim=8, max_iter=5, n_estimation_passes=1)
    errors = strong_dependence.relative_errors(
        80, 0.5, 0, 2, configs={"a": tiny, "b": dict(tiny, max_iter=6)}
    )
    assert list(errors) == ["a", "b"] and errors["a"] != errors["b"]
    assert all(np.isfinite(list(errors.values())))


def test_command_line_adds_a_configuration(monkeypatch, capsys):
    """--minde-param adds a configuration labelled by its parameters."""
    seen = {}

    def fake(n, noise, seed, n_columns, configs):
        seen.update(n=n, noise=noise, n_columns=n_columns, configs=configs)
        return dict.fromkeys(configs, 0.0)

    monkeypatch.setattr(strong_dependence, "relative_errors", fake)
    errors = strong_dependence.main(["800", "2.29", "1", "4", "--minde-param",
                                     "reference=gaussian", "max_iter=7"])
    assert (seen["n"], seen["noise"], seen["n_columns"]) == (800, 2.29, 4)
    assert seen["configs"]["reference=gaussian max_iter=7"] == {
        "reference": "gaussian", "max_iter": 7
    }
    assert set(errors) == set(strong_dependence.CONFIGS) | {
        "reference=gaussian max_iter=7"
    }
    assert "true MI 0.349" in capsys.readouterr().out
