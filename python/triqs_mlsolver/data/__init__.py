"""Training data: parameter sampling, the HDF5 dataset schema, and MPI-parallel, resumable generation.

    triqs-mlsolver generate datasets/train.toml --out datasets/train.h5      # or under mpiexec -n N

Modules: :mod:`.config` (the TOML configuration), :mod:`.sampling` (the impurity models),
:mod:`.bethe` (DMFT-loop samples), :mod:`.solve` (solvers on one sample), :mod:`.schema` (file
layout, crash-safe writer), :mod:`.generate` (the driver), :mod:`.summary` (``inspect`` lines).
The schema is documented in doc/datasets.md.  Submodules are imported on use: reading a
dataset (:mod:`.schema`, :mod:`.summary`) does not load the solvers.
"""

from __future__ import annotations

import importlib

__all__ = ["generate", "load_config", "open_dataset"]

_LAZY = {
    "generate": ("triqs_mlsolver.data.generate", "generate"),
    "load_config": ("triqs_mlsolver.data.config", "load_config"),
    "open_dataset": ("triqs_mlsolver.data.schema", "open_dataset"),
}


def __getattr__(name: str):
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'triqs_mlsolver.data' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), attribute)
