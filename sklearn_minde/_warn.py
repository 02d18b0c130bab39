"""Warnings that point at the user's line, however deep in the package they arise."""

import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def warn(message, category):
    """``warnings.warn`` with the stack level of the first frame outside the package.

    The level is counted from the frames, so a warning raised in any helper points
    at the line of user code (or of scikit-learn, joblib, ...) that called into
    sklearn-minde.
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ).startswith(_PACKAGE):
        level += 1
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=level)
