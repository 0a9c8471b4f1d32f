"""Lean TRIQS-compatible Green's functions: ``from triqs_mlsolver.gf import X`` works like ``from triqs.gf import X``.

Containers ``Gf`` and ``BlockGf`` with TRIQS's data layout (``g.data[mesh_index, i, j]``),
arithmetic and ``<<`` assignment; lazy expressions and descriptors (``iOmega_n``, ``SemiCircular``,
``Fourier`` ...); tail, Fourier and DMFT tools; the meshes (re-exported from
:mod:`triqs_mlsolver.meshes`) and the legacy factories ``GfImFreq`` ...  See ``doc/gf.md``.
"""

from __future__ import annotations

from ..meshes import MeshImFreq as MeshImFreq
from ..meshes import MeshImTime as MeshImTime
from ..meshes import MeshLegendre as MeshLegendre
from ..meshes import MeshReFreq as MeshReFreq
from .block_gf import BlockGf as BlockGf
from .descriptors import Const as Const
from .descriptors import Flat as Flat
from .descriptors import Fourier as Fourier
from .descriptors import LegendreToMatsubara as LegendreToMatsubara
from .descriptors import MatsubaraToLegendre as MatsubaraToLegendre
from .descriptors import Omega as Omega
from .descriptors import SemiCircular as SemiCircular
from .descriptors import Wilson as Wilson
from .descriptors import iOmega_n as iOmega_n
from .factories import GfImFreq as GfImFreq
from .factories import GfImTime as GfImTime
from .factories import GfLegendre as GfLegendre
from .factories import GfReFreq as GfReFreq
from .gf import Gf as Gf
from .gf import Idx as Idx
from .lazy import LazyExpr as LazyExpr
from .lazy import conjugate as conjugate
from .lazy import inverse as inverse
from .lazy import transpose as transpose
from .tail import fit_hermitian_tail as fit_hermitian_tail
from .tail import fit_tail as fit_tail
from .tail import make_zero_tail as make_zero_tail
from .tools import delta as delta
from .tools import dyson as dyson
from .tools import is_gf_hermitian as is_gf_hermitian
from .tools import make_gf_from_fourier as make_gf_from_fourier
from .tools import make_hermitian as make_hermitian

__all__ = [
    "Gf",
    "BlockGf",
    "Idx",
    "MeshImFreq",
    "MeshImTime",
    "MeshLegendre",
    "MeshReFreq",
    "LazyExpr",
    "iOmega_n",
    "Omega",
    "Const",
    "SemiCircular",
    "Flat",
    "Wilson",
    "Fourier",
    "LegendreToMatsubara",
    "MatsubaraToLegendre",
    "inverse",
    "conjugate",
    "transpose",
    "fit_tail",
    "fit_hermitian_tail",
    "make_zero_tail",
    "make_gf_from_fourier",
    "dyson",
    "delta",
    "make_hermitian",
    "is_gf_hermitian",
    "GfImFreq",
    "GfImTime",
    "GfLegendre",
    "GfReFreq",
]
