#!/usr/bin/env bash
# For a GPU owner (issue 10): in an environment that has a CUDA build of torch and this
# project installed with its bench extra (pip install -e ".[test,bench]" after torch),
# run the GPU tests, the throughput and stacking benchmarks on the GPU and the 40-task MINDE-C and
# MINDE-J sweep at n = 10,000 (seed 0) on it, and print the sweep's wall time.
# Results go to benchmarks/results/*_gpu; the sweep resumes if it is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: this script is for a GPU machine')"
python -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))"
python -m pytest -q -m gpu tests/test_gpu.py
python -m benchmarks.throughput --device cuda --out benchmarks/results/throughput_gpu
python -m benchmarks.stacking --device cuda --out benchmarks/results/stacking_gpu
start=$(date +%s)
python -m benchmarks.bmi_suite --protocol bmi --n 10000 --seeds 0 --tasks all \
    --estimators MINDE-C MINDE-J --minde-param device=cuda --n-jobs 1 \
    --out benchmarks/results/bmi_n10000_gpu
echo "40-task sweep (MINDE-C and MINDE-J, seed 0) on one GPU: $(( $(date +%s) - start )) s wall"
