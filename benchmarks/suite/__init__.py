"""Benchmark machinery shared by ``benchmarks.bmi_suite`` and
``benchmarks.self_consistency``.

Modules
-------
adapters
    One small interface over MINDE, benchmark-mi's estimators and the conditional-MI
    functions of ci_tests, and the registry of estimators the studies can run.
tasks
    benchmark-mi tasks, sampling protocols and the oracle accuracy floor.
store
    The append-only JSON-lines results file that makes sweeps resumable.
runner
    Jobs and their parallel execution (joblib, or a Dask cluster through joblib).
report
    Tables and figures made from the results file.
ci_tests
    Conditional-independence tests with one call shape: MINDE's permutation test,
    the partial-correlation test and tigramite's CMIknn; the statistics of the last
    two alone, as conditional-MI estimators.
"""
