"""sklearn-minde: mutual information and entropy by score-based diffusion (MINDE)."""

from ._data import DataWarning, DiscreteDataWarning, RankDeficientWarning
from ._independence import independence_test
from ._minde import MINDEEstimator
from ._reader import ConcentratedEstimateWarning
from ._trainer import CompileWarning, OverfittingWarning

__all__ = [
    "MINDEEstimator",
    "independence_test",
    "OverfittingWarning",
    "CompileWarning",
    "ConcentratedEstimateWarning",
    "DataWarning",
    "DiscreteDataWarning",
    "RankDeficientWarning",
]
__version__ = "0.1.0"
