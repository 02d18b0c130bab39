"""Benchmarks of sklearn-minde: run as ``python -m benchmarks.<name> --help``."""
