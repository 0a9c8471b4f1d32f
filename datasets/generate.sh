#!/usr/bin/env bash
# Regenerate the datasets of this folder (training set of the correction network, Kondo set of the VAE)
# into the data directory $TRIQS_MLSOLVER_DATA (default: ~/triqs_mlsolver_data), outside the checkout.
# Resumable: re-running completes the missing samples of an interrupted run.  The files are not in git.
# Work is handed out in a seeded random order, so a partial file is an unbiased subset of the whole.
#   NP=64 bash datasets/generate.sh            # ranks (default: all cores of this machine)
#   bash datasets/generate.sh train            # only some of them
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${TRIQS_MLSOLVER_VENV:-.venv}"
NP="${NP:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}"  # nproc alone obeys OMP_NUM_THREADS
DATA="${TRIQS_MLSOLVER_DATA:-$HOME/triqs_mlsolver_data}"
mkdir -p "$DATA"
sets=("$@")
[ ${#sets[@]} -eq 0 ] && sets=(train kondo)
for set in "${sets[@]}"; do
  "$VENV/bin/mpiexec" -n "$NP" "$VENV/bin/triqs-mlsolver" generate "datasets/$set.toml" --out "$DATA/$set.h5" \
    --order random
  "$VENV/bin/triqs-mlsolver" inspect "$DATA/$set.h5" | sed -n 1,20p  # not head: its early exit fails the pipe
done
