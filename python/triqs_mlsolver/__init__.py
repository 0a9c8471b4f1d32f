"""triqs_mlsolver: machine-learning-corrected quantum impurity solvers for TRIQS.

Importing the package is cheap: numpy-free names only; everything heavy
(the Solver, Green's functions, h5py, torch, mpi4py, triqs) loads on first use.

    from triqs_mlsolver import Solver
"""

from __future__ import annotations

import sys as _sys

from ._lazy import lazy_names
from ._version import __version__

__all__ = ["__version__", "Solver", "HDFArchive"]

# Public names resolved lazily: name -> (module, attribute).
_LAZY = {
    "Solver": ("triqs_mlsolver.solver", "Solver"),
    "HDFArchive": ("triqs_mlsolver.archive", "HDFArchive"),
}


__getattr__, __dir__ = lazy_names(globals(), _LAZY)

if "triqs.gf" in _sys.modules:
    # TRIQS is already loaded (a TRIQS script imports it first): make the lazy expressions and descriptors of
    # triqs_mlsolver.gf TRIQS descriptors now, so that `triqs_gf << SemiCircular(1.0)` works without a Solver.
    # Without TRIQS loaded nothing is imported here; the Solver does the same on construction otherwise.
    from . import triqs_compat as _triqs_compat

    _triqs_compat.have_triqs()
