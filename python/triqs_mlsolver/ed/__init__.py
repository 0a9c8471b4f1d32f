"""The exact-diagonalization engine: options, result, ``diagonalize``, the particle-hole mirror
of a result, and its outputs on given meshes.

This package is the only importer of the C++ core (the extension ``triqs_mlsolver._ed``, in
:mod:`._core`).  The solver plugins (``method="ed"``, ``method="hubbard_i"``), the datasets and
the two-site DMFT build on it.  The algorithm and its benchmark are in ``doc/ed.md``.
"""

from __future__ import annotations

from ._core import LAPACK_REGISTERED
from .conserved import conserved_groups
from .diagonalize import diagonalize, diagonalize_terms
from .mirror import particle_hole_mirror
from .options import MAX_BATH, EDOptions
from .outputs import EDOutputs, evaluate_outputs
from .result import EDResult, SectorInfo

__all__ = [
    "EDOptions",
    "EDResult",
    "EDOutputs",
    "SectorInfo",
    "MAX_BATH",
    "LAPACK_REGISTERED",
    "diagonalize",
    "diagonalize_terms",
    "conserved_groups",
    "particle_hole_mirror",
    "evaluate_outputs",
]
