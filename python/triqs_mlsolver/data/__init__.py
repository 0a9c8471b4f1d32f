"""Training data: parameter sampling, the HDF5 dataset schema, and MPI-parallel, resumable generation.

    triqs-mlsolver generate datasets/train.toml --out datasets/train.h5      # or under mpiexec -n N

Modules: :mod:`.config` (the TOML configuration), :mod:`.sampling` (the impurity models),
:mod:`.bethe` (DMFT-loop samples), :mod:`.solve` (solvers on one sample), :mod:`.schema` (file
layout, crash-safe writer), :mod:`.generate` (the driver), :mod:`.summary` (``inspect`` lines).
The schema is documented in doc/datasets.md.  Submodules are imported on use: reading a
dataset (:mod:`.schema`, :mod:`.summary`) does not load the solvers.
"""

from __future__ import annotations

from .._lazy import lazy_names

__all__ = ["generate", "load_config", "open_dataset"]

_LAZY = {
    "generate": ("triqs_mlsolver.data.generate", "generate"),
    "load_config": ("triqs_mlsolver.data.config", "load_config"),
    "open_dataset": ("triqs_mlsolver.data.schema", "open_dataset"),
}


__getattr__, __dir__ = lazy_names(globals(), _LAZY)
