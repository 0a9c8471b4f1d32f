"""The boundary with TRIQS: the only module of the package that imports ``triqs``.

TRIQS is optional.  :func:`have_triqs` tells whether ``triqs.gf`` can be imported (tried
once, on first call; ``import triqs_mlsolver`` calls it only when ``triqs.gf`` is already
loaded, so that it never imports TRIQS itself); :func:`gf_api` gives the Green's-function
namespace to use (``triqs.gf`` when available, else :mod:`triqs_mlsolver.gf`); :func:`to_lean`
and :func:`to_triqs` convert meshes, ``Gf``, ``BlockGf`` and ``Operator`` objects across the
boundary by their parameters and ``.data``.  When TRIQS is found, the lazy expressions and
descriptors of :mod:`triqs_mlsolver.gf` are made TRIQS descriptors too, so that they fill real
TRIQS Green's functions (:func:`_link_lazy_expressions`).  The rest of the package crosses the
boundary only through these functions.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

from . import gf as lean_gf
from . import meshes, operators
from .errors import invalid_parameter
from .gf import lazy as lean_lazy

__all__ = ["have_triqs", "gf_api", "is_triqs_object", "to_lean", "to_triqs"]

_LEAN_TYPES = (
    meshes.MeshImFreq, meshes.MeshImTime, meshes.MeshLegendre, meshes.MeshReFreq,
    lean_gf.Gf, lean_gf.BlockGf, operators.Operator,
)


@functools.lru_cache(maxsize=None)
def have_triqs() -> bool:
    """Whether TRIQS (``triqs.gf``) can be imported; the answer is cached.

    When it can, the lazy expressions and descriptors of :mod:`triqs_mlsolver.gf` become TRIQS
    descriptors as well (see :func:`_link_lazy_expressions`), so that ``g << SemiCircular(1.0)``
    fills a real TRIQS ``Gf`` or ``BlockGf`` too.  The Solver asks this on construction.
    """
    try:
        importlib.import_module("triqs.gf")
    except ImportError:
        return False
    _link_lazy_expressions()
    return True


def gf_api() -> ModuleType:
    """``triqs.gf`` when TRIQS is installed, else :mod:`triqs_mlsolver.gf` (the same names)."""
    return importlib.import_module("triqs.gf") if have_triqs() else lean_gf


def is_triqs_object(obj: object) -> bool:
    """Whether ``obj`` is an instance of a TRIQS class (decided without importing TRIQS)."""
    return type(obj).__module__.split(".")[0] == "triqs"


def _unsupported(obj: object, direction: str) -> Exception:
    cls = type(obj)
    return invalid_parameter(
        f"object to convert {direction}", f"{cls.__module__}.{cls.__qualname__}",
        "a mesh (MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq), Gf, BlockGf or Operator",
    )


# ----------------------------------------------------------------------------- lazy expressions on TRIQS Gfs


def _lean_leaf(x):
    """A lean copy of a TRIQS ``Gf``/``BlockGf`` leaf of an expression; any other leaf as it is."""
    return to_lean(x) if is_triqs_object(x) else x


def _link_lazy_expressions() -> None:
    """Make every :class:`triqs_mlsolver.gf.LazyExpr` an instance of TRIQS's descriptor base class.

    TRIQS's ``Gf.__lshift__`` takes, besides Gfs and scalars, only instances of
    ``triqs.gf.lazy_expressions.LazyExprTerminal``; for an instance of ``triqs.gf.descriptor_base.Base``
    it calls ``x(g)`` on a copy ``g`` of the target and copies the result in.  The base class
    ``_Root`` of our expressions is given the bridge class below as its base: ``x(g)`` evaluates
    the expression on a lean copy of ``g`` (TRIQS Gf leaves are converted by their mesh and data)
    and writes the values into ``g.data``.  ``BlockGf << x`` goes block by block, in the target's
    block order, when ``x`` holds a BlockGf leaf.  The lean ``<<`` path is unchanged.
    """
    if lean_lazy._Root.__bases__ != (lean_lazy._Plain,):
        return
    try:
        base = importlib.import_module("triqs.gf.descriptor_base").Base
    except (ImportError, AttributeError):  # a TRIQS without this base class (3.0 to 3.3 have it): nothing to link
        return

    class TriqsDescriptor(base):
        """Base of the lean lazy expressions once TRIQS is present: the TRIQS descriptor protocol."""

        def __call__(self, g):
            """Fill the Gf ``g`` (TRIQS or lean) in place with the value of the expression; return ``g``."""
            if not is_triqs_object(g):
                return g << self
            target = to_lean(g)
            target << self.map_leaves(_lean_leaf)
            g.data[...] = target.data
            return g

        def is_block_descriptor(self) -> bool:
            """Whether the expression holds a BlockGf (then a BlockGf target is filled block by block)."""
            return _block_names(self) is not None

        def __iter__(self):
            """The expression for each block of its BlockGf leaf, in that leaf's block order."""
            names = _block_names(self)
            if names is None:
                raise TypeError(f"{self!r} holds no BlockGf: it is not iterable")
            lean = self.map_leaves(_lean_leaf)
            return (lean.for_block(name) for name in names)

        # TRIQS's in-place operators rebuild its own trees; ours build a new expression
        def __iadd__(self, other):
            return self + other

        def __isub__(self, other):
            return self - other

        def __imul__(self, other):
            return self * other

        def __itruediv__(self, other):
            return self / other

    lean_lazy._Root.__bases__ = (TriqsDescriptor,)


def _block_names(expr) -> list[str] | None:
    """The block names of the first BlockGf leaf (lean or TRIQS) of ``expr``, or None if it has none."""
    for leaf in expr.leaves():
        if isinstance(leaf, lean_gf.BlockGf):
            return leaf.block_names
        if is_triqs_object(leaf) and isinstance(leaf, gf_api().BlockGf):
            return list(leaf.indices)
    return None


# ----------------------------------------------------------------------------- TRIQS -> lean


def _lean_mesh(mesh, triqs_gf: ModuleType):
    if isinstance(mesh, triqs_gf.MeshImFreq):
        return meshes.MeshImFreq(
            mesh.beta, mesh.statistic, mesh.last_index() + 1, positive_only=bool(mesh.positive_only())
        )
    if isinstance(mesh, triqs_gf.MeshImTime):
        return meshes.MeshImTime(mesh.beta, mesh.statistic, len(mesh))
    if isinstance(mesh, triqs_gf.MeshLegendre):
        return meshes.MeshLegendre(mesh.beta, mesh.statistic, len(mesh))
    if isinstance(mesh, triqs_gf.MeshReFreq):
        return meshes.MeshReFreq(mesh.w_min, mesh.w_max, len(mesh))
    raise _unsupported(mesh, "to the lean objects")


def _lean_gf(g, triqs_gf: ModuleType) -> lean_gf.Gf:
    return lean_gf.Gf(mesh=_lean_mesh(g.mesh, triqs_gf), data=g.data.copy(), name=g.name)


def to_lean(obj):
    """A lean copy of a TRIQS mesh, ``Gf``, ``BlockGf`` or ``Operator``; lean objects are returned as they are.

    Meshes are rebuilt from their parameters, Green's functions from their mesh and a copy
    of ``.data``, operators from their monomials.
    """
    if isinstance(obj, _LEAN_TYPES):
        return obj
    if not (is_triqs_object(obj) and have_triqs()):
        raise _unsupported(obj, "to the lean objects")
    triqs_gf = gf_api()
    if isinstance(obj, triqs_gf.Gf):
        return _lean_gf(obj, triqs_gf)
    if isinstance(obj, triqs_gf.BlockGf):
        return lean_gf.BlockGf(
            name_list=list(obj.indices), block_list=[_lean_gf(g, triqs_gf) for _, g in obj], make_copies=False,
            name=obj.name,
        )
    if isinstance(obj, importlib.import_module("triqs.operators").Operator):
        return operators.Operator.from_monomials(list(obj))
    return _lean_mesh(obj, triqs_gf)


# ----------------------------------------------------------------------------- lean -> TRIQS


def _triqs_mesh(mesh, triqs_gf: ModuleType):
    if isinstance(mesh, meshes.MeshImFreq):
        if mesh.positive_only():
            raise invalid_parameter(
                "mesh", mesh, "a full Matsubara mesh (TRIQS builds positive-only meshes only internally)"
            )
        return triqs_gf.MeshImFreq(beta=mesh.beta, S=mesh.statistic, n_iw=mesh.n_iw)
    if isinstance(mesh, meshes.MeshImTime):
        return triqs_gf.MeshImTime(beta=mesh.beta, S=mesh.statistic, n_tau=mesh.n_tau)
    if isinstance(mesh, meshes.MeshLegendre):
        return triqs_gf.MeshLegendre(beta=mesh.beta, S=mesh.statistic, max_n=mesh.max_n)
    return triqs_gf.MeshReFreq(window=(mesh.w_min, mesh.w_max), n_w=mesh.n_w)


def _triqs_gf(g: lean_gf.Gf, triqs_gf: ModuleType):
    return triqs_gf.Gf(mesh=_triqs_mesh(g.mesh, triqs_gf), data=g.data.copy(), name=g.name)


def _triqs_operator(op: operators.Operator):
    triqs_operators = importlib.import_module("triqs.operators")
    result = triqs_operators.Operator()
    for monomial, coef in op:
        # Operator(x) takes a real x only: the coefficient (real or complex) multiplies the monomial instead
        term = triqs_operators.Operator(1.0)
        for dagger, index in monomial:
            term = term * (triqs_operators.c_dag if dagger else triqs_operators.c)(*index)
        coef = complex(coef)  # a Python number: numpy scalars do not multiply TRIQS operators reliably
        result = result + (coef if coef.imag else coef.real) * term
    return result


def to_triqs(obj):
    """The TRIQS counterpart of a lean mesh, ``Gf``, ``BlockGf`` or ``Operator`` (a copy).

    Without TRIQS, or for an object that is already a TRIQS one, ``obj`` is returned as it is.
    """
    if not have_triqs() or is_triqs_object(obj):
        return obj
    triqs_gf = gf_api()
    if isinstance(obj, (meshes.MeshImFreq, meshes.MeshImTime, meshes.MeshLegendre, meshes.MeshReFreq)):
        return _triqs_mesh(obj, triqs_gf)
    if isinstance(obj, lean_gf.Gf):
        return _triqs_gf(obj, triqs_gf)
    if isinstance(obj, lean_gf.BlockGf):
        return triqs_gf.BlockGf(
            name_list=obj.block_names, block_list=[_triqs_gf(g, triqs_gf) for _, g in obj], make_copies=False,
            name=obj.name,
        )
    if isinstance(obj, operators.Operator):
        return _triqs_operator(obj)
    raise _unsupported(obj, "to TRIQS")
