# Sourced by demo.sh and test.sh: make .venv (once) with the CPU build of torch and the
# project with its test and benchmark extras, then activate it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
. .venv/bin/activate
if ! python -c "import sklearn_minde, bmi, matplotlib, hypothesis" >/dev/null 2>&1; then
    python -m pip install -q --upgrade pip
    # the CPU build first: an unpinned torch would pull a multi-GB CUDA build
    python -m pip install -q "torch==2.13.0"
    python -m pip install -q -e ".[test,bench]"
fi
