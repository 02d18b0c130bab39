"""What the result objects share: units of logarithms and normal intervals.

Every estimate is computed in nats; a result in another ``base`` divides by
``log(base)``. Confidence intervals are normal: ``estimate -/+ q * standard_error``.
"""

import math
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

#: Names of the units of the bases that have one.
UNITS = {2.0: "bits", math.e: "nats", 10.0: "hartleys"}


class ConfidenceInterval(NamedTuple):
    """Lower and upper bound of a confidence interval, a named tuple.

    Parameters
    ----------
    low : float or ndarray
        The lower bound.
    high : float or ndarray
        The upper bound.
    """

    low: float
    high: float


def normal_quantile(confidence_level):
    """The standard normal quantile of ``(1 + confidence_level) / 2``: the half-width
    of a normal confidence interval in standard errors.

    Raises
    ------
    ValueError
        When ``confidence_level`` is not a number strictly between 0 and 1.
    """
    if not (
        isinstance(confidence_level, int | float | np.floating)
        and not isinstance(confidence_level, bool)
        and 0 < confidence_level < 1
    ):
        raise ValueError(
            f"confidence_level must be a number in (0, 1); got {confidence_level!r}."
        )
    return NormalDist().inv_cdf(0.5 + confidence_level / 2)


def normal_interval(value, standard_error, confidence_level):
    """``value -/+ q * standard_error`` as a :class:`ConfidenceInterval`, ``q`` from
    :func:`normal_quantile`; elementwise for arrays."""
    half = normal_quantile(confidence_level) * standard_error
    return ConfidenceInterval(value - half, value + half)


def log_base(base):
    """``log(base)``, the divisor from nats to the unit of ``base`` (1 for None).

    Raises
    ------
    ValueError
        When ``base`` is not None or a finite positive number other than 1.
    """
    if base is None:
        return 1.0
    if (
        isinstance(base, bool)
        or not isinstance(base, int | float | np.integer | np.floating)
        or not math.isfinite(base)
        or base <= 0
        or base == 1
    ):
        raise ValueError(
            f"base must be None (nats) or a positive number other than 1, such as 2 "
            f"(bits); got {base!r}."
        )
    return math.log(base)


def unit_name(base):
    """The name of the unit of logarithms in ``base`` (None: nats)."""
    base = math.e if base is None else float(base)
    return UNITS[base] if base in UNITS else f"log base {base:g}"


class InUnits:
    """A result whose ``base`` attribute sets its unit."""

    @property
    def unit(self):
        """The unit of the estimates: ``"nats"``, ``"bits"``, ``"hartleys"``, or
        ``"log base b"`` for another base b."""
        return unit_name(self.base)
