"""sklearn-minde: mutual information and entropy by score-based diffusion (MINDE)."""

from ._checks import OverfittingWarning
from ._data import (
    DataWarning,
    DiscreteDataWarning,
    HeavyTailWarning,
    RankDeficientWarning,
    SharpPeakWarning,
)
from ._estimator import MINDEEstimator
from ._functions import (
    EntropyResult,
    MIResult,
    PairwiseMIResult,
    entropy,
    mutual_info_classif,
    mutual_info_regression,
    mutual_information,
    pairwise_mutual_information,
)
from ._independence import independence_test
from ._o_information import OInformationEstimator, OInformationResult, o_information
from ._reader import ConcentratedEstimateWarning
from ._results import ConfidenceInterval
from ._training import CompileWarning

__all__ = [
    "MINDEEstimator",
    "OInformationEstimator",
    "independence_test",
    "mutual_information",
    "entropy",
    "mutual_info_regression",
    "mutual_info_classif",
    "pairwise_mutual_information",
    "o_information",
    "MIResult",
    "EntropyResult",
    "PairwiseMIResult",
    "OInformationResult",
    "ConfidenceInterval",
    "OverfittingWarning",
    "CompileWarning",
    "ConcentratedEstimateWarning",
    "DataWarning",
    "DiscreteDataWarning",
    "HeavyTailWarning",
    "RankDeficientWarning",
    "SharpPeakWarning",
]
__version__ = "0.1.0"
