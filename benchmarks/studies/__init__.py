"""One-off studies: each answered one question about a setting or a limit.

Run one as ``python -m benchmarks.studies.<name> --help``; its note,
``benchmarks/studies/<name>.md``, gives the question, the command, the answer with its
numbers and the commit it was measured at. These scripts are kept so that a result can
be reproduced; they are not part of the maintained suite and may use the package's
private modules.
"""
