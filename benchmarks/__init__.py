"""Benchmarks of sklearn-minde: run as ``python -m benchmarks.<name> --help``.

The top level holds the maintained suite; ``benchmarks.studies`` the one-off studies.
"""
