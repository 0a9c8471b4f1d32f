#!/usr/bin/env bash
# Reproduce the pretrained correction model shipped in python/triqs_mlsolver/ml/models/correction.pt:
# the training set $TRIQS_MLSOLVER_DATA/train.h5 (made by `bash datasets/generate.sh train`; default data
# directory ~/triqs_mlsolver_data), the default feature set and training options, seed 0.  The
# test-split figures go to $TRIQS_MLSOLVER_DATA/model_figures.  Extra arguments go to `triqs-mlsolver train`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
DATA="${TRIQS_MLSOLVER_DATA:-$HOME/triqs_mlsolver_data}"
exec "${TRIQS_MLSOLVER_VENV:-.venv}/bin/triqs-mlsolver" train "$DATA/train.h5" \
  --out python/triqs_mlsolver/ml/models/correction.pt --plots "$DATA/model_figures" "$@"
