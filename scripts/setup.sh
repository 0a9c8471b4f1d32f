#!/usr/bin/env bash
# Set up triqs_mlsolver in a virtual environment (default: .venv in the repository):
# dependencies from the package registries, then an editable build of the package
# (C++ core included). Safe to run again: it only installs what is missing and
# rebuilds what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${TRIQS_MLSOLVER_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_install() { "$PY" -m pip install --quiet --disable-pip-version-check "$@"; }

# torch: the CPU wheel, pinned, only when no torch is present (an unpinned torch pulls CUDA).
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
  echo "[setup] installing torch==2.13.0 (CPU)"
  pip_install "torch==2.13.0"
fi
# Build tools for the C++ extension (the build runs without isolation, inside the venv).
if ! "$PY" -c "import scikit_build_core, nanobind, cmake, ninja" >/dev/null 2>&1; then
  echo "[setup] installing build tools"
  pip_install "scikit-build-core>=0.10" "nanobind>=2.0" cmake ninja
fi
echo "[setup] installing triqs_mlsolver and its dependencies (editable, C++ core built)"
pip_install --no-build-isolation -e ".[mpi,test]"
