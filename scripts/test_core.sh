#!/usr/bin/env bash
# The core package alone, as `pip install` gives it to a user (numpy 2, no
# benchmark-mi, no pandas): a fresh .venv-core with the CPU build of torch, the
# package without extras and the test runners. Tests that need benchmark-mi or
# pandas skip there; everything else runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-core/bin/python ]; then
    python3 -m venv .venv-core
fi
. .venv-core/bin/activate
if ! python -c "import sklearn_minde, pytest, hypothesis" >/dev/null 2>&1; then
    python -m pip install -q --upgrade pip
    python -m pip install -q "torch==2.13.0"
    python -m pip install -q -e . pytest hypothesis
fi
python - <<'PY'
import numpy
assert int(numpy.__version__.split(".")[0]) >= 2, f"numpy {numpy.__version__}"
print(f"core stage: numpy {numpy.__version__}")
PY
python -m pytest "$@"
