"""``NAME=VALUE`` parameter overrides from the command line.

Kept apart from :mod:`benchmarks.suite.cli`, which imports benchmark-mi and jax, so
that scripts needing only the core can parse overrides too.
"""

import argparse
import ast


def parse_params(items):
    """``["max_iter=50", "device=cuda"]`` -> ``{"max_iter": 50, "device": "cuda"}``.

    Values are Python literals where they parse as one, else strings.
    """
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {item!r}")
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value
    return params
