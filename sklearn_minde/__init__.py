"""sklearn-minde: mutual information and entropy by score-based diffusion (MINDE)."""

from ._minde import MINDEEstimator

__all__ = ["MINDEEstimator"]
__version__ = "0.1.0"
