#!/usr/bin/env bash
# Install what the tests need (once) and run the default test suite (slow studies excluded).
source "$(dirname "$0")/setup.sh"
python -m pytest "$@"
