#!/usr/bin/env bash
# Set up (if needed) and run the test suite (heavy tests marked `slow` are excluded;
# run them with: bash scripts/test.sh -m slow).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
VENV="${TRIQS_MLSOLVER_VENV:-.venv}"
# The environment's own tools (mpiexec from mpich, the triqs-mlsolver script) come first;
# numerical libraries run one thread per process (the suite starts MPI runs of its own).
export PATH="$PWD/$VENV/bin:$PATH"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
exec "$VENV/bin/python" -m pytest "$@"
