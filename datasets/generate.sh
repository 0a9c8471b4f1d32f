#!/usr/bin/env bash
# Regenerate the datasets of this folder (training set of the correction network, Kondo set of the VAE).
# Resumable: re-running completes the missing samples of an interrupted run.  The files are not in git.
#   NP=64 bash datasets/generate.sh            # ranks (default: all cores of this machine)
#   bash datasets/generate.sh train            # only some of them
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${TRIQS_MLSOLVER_VENV:-.venv}"
NP="${NP:-$(nproc)}"
sets=("$@")
[ ${#sets[@]} -eq 0 ] && sets=(train kondo)
for set in "${sets[@]}"; do
  "$VENV/bin/mpiexec" -n "$NP" "$VENV/bin/triqs-mlsolver" generate "datasets/$set.toml" --out "datasets/$set.h5"
  "$VENV/bin/triqs-mlsolver" inspect "datasets/$set.h5" | head -20
done
