"""sklearn-minde: mutual information and entropy by score-based diffusion (MINDE)."""

from ._minde import MINDEEstimator
from ._trainer import OverfittingWarning

__all__ = ["MINDEEstimator", "OverfittingWarning"]
__version__ = "0.1.0"
