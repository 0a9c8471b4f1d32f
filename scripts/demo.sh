#!/usr/bin/env bash
# Set up (if needed) and run the main job: `triqs-mlsolver demo` on built-in defaults.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec "${TRIQS_MLSOLVER_VENV:-.venv}/bin/triqs-mlsolver" demo "$@"
