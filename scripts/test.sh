#!/usr/bin/env bash
# Set up (if needed) and run the test suite (heavy tests marked `slow` are excluded;
# run them with: bash scripts/test.sh -m slow).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec "${TRIQS_MLSOLVER_VENV:-.venv}/bin/python" -m pytest "$@"
