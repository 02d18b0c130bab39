#!/usr/bin/env bash
# Install (once) and run the short demo benchmark: MINDE against InfoNCE and KSG.
source "$(dirname "$0")/setup.sh"
python -m benchmarks.demo "$@"
