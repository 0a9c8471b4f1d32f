"""triqs_mlsolver: machine-learning-corrected quantum impurity solvers for TRIQS.

Importing the package is cheap: numpy-free names only; everything heavy
(the Solver, Green's functions, h5py, torch, mpi4py, triqs) loads on first use.

    from triqs_mlsolver import Solver
"""

from __future__ import annotations

import importlib

from ._version import __version__

__all__ = ["__version__", "Solver", "HDFArchive"]

# Public names resolved lazily: name -> (module, attribute).
_LAZY = {
    "Solver": ("triqs_mlsolver.solver", "Solver"),
    "HDFArchive": ("triqs_mlsolver.archive", "HDFArchive"),
}


def __getattr__(name: str):
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'triqs_mlsolver' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
