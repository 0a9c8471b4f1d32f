"""The Green's-function container ``Gf`` with TRIQS's data layout and semantics.

``g.data[mesh_index, i, j]`` holds the target matrix at every mesh point (Matsubara data
index 0 is the most negative frequency).  Arithmetic follows TRIQS: ``+ -`` with equal
meshes, a scalar or a target-shaped matrix added to a matrix-valued *frequency* Gf means
``scalar x identity`` / the matrix at every point; ``*`` and ``@`` of two matrix-valued
Gfs are the matrix product point by point; ``g / h = g h^-1``.  ``g << X`` assigns in
place (a Gf on an equal mesh, a lazy expression, a descriptor or a constant).
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from ..errors import IncompatibleGfStructError, InvalidParameterError, MeshMismatchError, invalid_parameter
from ..meshes import MeshImFreq, MeshImTime, MeshLegendre, MeshPoint, MeshReFreq
from . import density as _density
from . import fourier as _fourier
from ._evaluate import evaluate
from .descriptors import Const
from .lazy import LazyExpr

__all__ = ["Gf", "Idx"]

MESH_TYPES = (MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq)
FREQUENCY_MESHES = (MeshImFreq, MeshReFreq)
# A real Gf accepts complex values whose imaginary part is rounding noise at most.
_REAL_TOLERANCE = 1e-10


class Idx:
    """A mesh index: ``g[Idx(n)]`` is the target value at Matsubara index ``n`` (tau/Legendre/w index ``k``)."""

    __slots__ = ("idx",)

    def __init__(self, *idx) -> None:
        self.idx = idx[0] if len(idx) == 1 else idx

    def __repr__(self) -> str:
        return f"Idx({self.idx!r})"


def _is_scalar(x) -> bool:
    return isinstance(x, numbers.Number) or (isinstance(x, np.ndarray) and x.ndim == 0)


def _defers(other) -> bool:
    """Whether a binary operation with ``other`` belongs to ``other``'s reflected operator
    (a lazy expression builds a node; a BlockGf applies the Gf to each block)."""
    return isinstance(other, LazyExpr) or getattr(other, "_is_block_gf", False)


def _pointwise_product(a: np.ndarray, b: np.ndarray, ranks: tuple[int, int]) -> np.ndarray:
    """Matrix product at every mesh point (matrix-valued) or the plain product (scalar-valued)."""
    if ranks == (2, 2):
        if a.shape[-1] != b.shape[-2]:
            raise IncompatibleGfStructError(f"matrix product of target shapes {a.shape[-2:]} and {b.shape[-2:]}.")
        return a @ b
    if ranks == (0, 0):
        return a * b
    raise IncompatibleGfStructError(
        f"product of Gfs with target ranks {ranks}: allowed is two scalar-valued or two matrix-valued Gfs."
    )


def _target_shape_from_indices(indices) -> tuple[int, ...]:
    """``[0, 1]`` -> (2, 2) (TRIQS's matrix default); ``[[0, 1], [0, 1, 2]]`` -> (2, 3)."""
    if not isinstance(indices, (list, tuple)) or len(indices) == 0:
        raise invalid_parameter("indices", indices, "a non-empty list of indices, e.g. [0, 1]")
    if all(isinstance(x, (list, tuple, range)) for x in indices):
        return tuple(len(x) for x in indices)
    return (len(indices), len(indices))


def _clean_target_shape(target_shape) -> tuple[int, ...]:
    try:
        shape = tuple(int(n) for n in target_shape)
        ok = all(n >= 1 and n == m for n, m in zip(shape, target_shape))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise invalid_parameter("target_shape", target_shape, "a list of positive integers, e.g. [2, 2] or []")
    return shape


def _clean_data(data, is_real: bool) -> np.ndarray:
    arr = np.asarray(data)
    if arr.dtype.kind == "c":
        if is_real:
            raise invalid_parameter("data", f"array of dtype {arr.dtype}", "real data when is_real=True")
        return arr if arr.dtype == np.complex128 else arr.astype(np.complex128)
    if arr.dtype.kind in "biuf":
        return arr if arr.dtype == np.float64 else arr.astype(np.float64)
    raise invalid_parameter("data", f"array of dtype {arr.dtype}", "a numeric (complex128 or float64) array")


class Gf:
    """Green's function on one mesh, keywords only:
    ``Gf(*, mesh, target_shape=None, data=None, is_real=False, name='', indices=None)``.

    ``data`` (if given) is used without copying: shape ``(len(mesh),) + target_shape``,
    complex128 (float64 data makes a real Gf).  Otherwise zeros are allocated, complex128
    or float64 if ``is_real``.  ``indices=[0, 1]`` is the legacy way to ask for a (2, 2) target.
    """

    __array_ufunc__ = None  # numpy defers to our reflected operators (ndarray + Gf -> Gf.__radd__)
    __iter__ = None  # a Gf is not a sequence; iterate over g.mesh instead

    def __init__(self, *, mesh, target_shape=None, data=None, is_real=False, name="", indices=None) -> None:
        if not isinstance(mesh, MESH_TYPES):
            raise invalid_parameter("mesh", mesh, "a MeshImFreq, MeshImTime, MeshLegendre or MeshReFreq")
        if not isinstance(name, str):
            raise invalid_parameter("name", name, "a str")
        shape = None if target_shape is None else _clean_target_shape(target_shape)
        if indices is not None:
            from_indices = _target_shape_from_indices(indices)
            if shape is not None and shape != from_indices:
                raise invalid_parameter("indices", indices, f"indices of the target_shape {shape}")
            shape = from_indices
        if data is None:
            if shape is None:
                raise invalid_parameter("target_shape", None, "target_shape, data or indices given")
            data = np.zeros((len(mesh),) + shape, dtype=np.float64 if is_real else np.complex128)
        else:
            data = _clean_data(data, bool(is_real))
            if data.ndim == 0 or data.shape[0] != len(mesh):
                raise invalid_parameter(
                    "data", f"array of shape {data.shape}", f"shape (len(mesh) = {len(mesh)},) + target_shape"
                )
            if shape is not None and data.shape[1:] != shape:
                raise invalid_parameter("data", f"array of shape {data.shape}", f"target shape {shape}")
        self._mesh = mesh
        self._data = data
        self.name = name

    # ------------------------------------------------------------------ properties
    @property
    def data(self) -> np.ndarray:
        """The values, ``data[mesh_index, i, j]`` (a view: writing to it changes the Gf)."""
        return self._data

    @property
    def mesh(self):
        return self._mesh

    @property
    def target_shape(self) -> tuple[int, ...]:
        return self._data.shape[1:]

    @property
    def target_rank(self) -> int:
        return self._data.ndim - 1

    @property
    def rank(self) -> int:
        """Number of meshes (always 1: product meshes are not supported)."""
        return 1

    @property
    def indices(self) -> list[range]:
        """Legacy: one ``range`` of target indices per target dimension."""
        return [range(n) for n in self.target_shape]

    @property
    def target_indices(self):
        """Iterator over all target index tuples, e.g. (0, 0), (0, 1), (1, 0), (1, 1)."""
        return itertools.product(*(range(n) for n in self.target_shape))

    @property
    def real(self) -> Gf:
        """A Gf viewing the real part of the data (as in TRIQS: writing to it changes ``self``)."""
        return Gf(mesh=self._mesh, data=self._data.real, name=f"Re {self.name}" if self.name else "")

    @property
    def imag(self) -> Gf:
        """A Gf viewing the imaginary part of the data."""
        return Gf(mesh=self._mesh, data=self._data.imag, name=f"Im {self.name}" if self.name else "")

    def __repr__(self) -> str:
        return f"Gf(name={self.name!r}, mesh={self._mesh!r}, target_shape={self.target_shape})"

    # ------------------------------------------------------------------ copies
    def copy(self) -> Gf:
        """Deep copy (the mesh is immutable and shared)."""
        return Gf(mesh=self._mesh, data=self._data.copy(), name=self.name)

    def _blank(self) -> Gf:
        """A zero complex Gf with this mesh and target shape."""
        return Gf(mesh=self._mesh, target_shape=self.target_shape)

    def _check_compatible(self, other: Gf, what: str) -> None:
        if self._mesh != other._mesh:
            raise MeshMismatchError(
                f"{what}: mesh {other._mesh!r} differs from {self._mesh!r}; allowed is an equal mesh."
            )
        if self.target_shape != other.target_shape:
            raise IncompatibleGfStructError(
                f"{what}: target_shape {other.target_shape} differs from {self.target_shape}; "
                "allowed is an equal target shape."
            )

    def _store(self, values: np.ndarray) -> None:
        """Write ``values`` into the data in place; a real Gf refuses an imaginary part above rounding."""
        if np.isrealobj(self._data) and np.iscomplexobj(values):
            scale = max(1.0, float(np.max(np.abs(values), initial=0.0)))
            if np.max(np.abs(values.imag), initial=0.0) > _REAL_TOLERANCE * scale:
                raise InvalidParameterError(
                    f"Gf {self.name!r} is real (float64 data) but the value assigned has an imaginary part up to "
                    f"{np.max(np.abs(values.imag)):.3g}; allowed is |Im| <= {_REAL_TOLERANCE:g} x max|value|, "
                    "or use a complex Gf."
                )
            values = values.real
        self._data[...] = values

    def copy_from(self, other: Gf) -> None:
        """Copy the data of ``other`` (equal mesh and target shape) into ``self``."""
        if not isinstance(other, Gf):
            raise invalid_parameter("other", other, "a Gf")
        self._check_compatible(other, "copy_from")
        self._store(other._data)

    def zero(self) -> None:
        """Set all values to zero."""
        self._data[...] = 0

    # ------------------------------------------------------------------ access
    def _data_index(self, n) -> int:
        if isinstance(self._mesh, MeshImFreq):
            return self._mesh.to_data_index(n)
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 0 <= n < len(self._mesh):
            raise invalid_parameter("Idx", n, f"an integer 0 <= n < {len(self._mesh)}")
        return int(n)

    def _target_key(self, key) -> tuple:
        key = key if isinstance(key, tuple) else (key,)
        if len(key) != self.target_rank or not all(
            isinstance(k, slice) or (isinstance(k, numbers.Integral) and not isinstance(k, bool)) for k in key
        ):
            raise invalid_parameter(
                "key",
                key,
                f"{self.target_rank} integers or slices (target_shape {self.target_shape}), Idx(n) or a mesh point",
            )
        for k, n in zip(key, self.target_shape):
            if not isinstance(k, slice) and not -n <= k < n:
                raise invalid_parameter("key", key, f"target indices within target_shape {self.target_shape}")
        return key

    def __getitem__(self, key):
        """``g[mesh_point]``/``g[Idx(n)]``: target value (a view); ``g[i, j]``: a scalar-valued view Gf."""
        if isinstance(key, MeshPoint):
            return self._data[key.data_index]
        if isinstance(key, Idx):
            return self._data[self._data_index(key.idx)]
        if isinstance(key, slice) and key == slice(None):
            return self
        view = self._data[(slice(None),) + self._target_key(key)]
        return Gf(mesh=self._mesh, data=view, name=self.name)

    def __setitem__(self, key, value) -> None:
        if isinstance(key, MeshPoint):
            self._data[key.data_index] = value
        elif isinstance(key, Idx):
            self._data[self._data_index(key.idx)] = value
        else:
            self[key] << value

    def __call__(self, x):
        """Evaluate at a Matsubara index n (0 outside the mesh), a tau, a real frequency or a mesh point."""
        return evaluate(self, x)

    # ------------------------------------------------------------------ assignment
    def __lshift__(self, x) -> Gf:
        """``g << x``: copy a Gf, evaluate a lazy expression/descriptor, or set a constant (x identity)."""
        if isinstance(x, Gf):
            if x is not self:
                self.copy_from(x)
        elif isinstance(x, LazyExpr):
            self.copy_from(x.evaluate(self))
        elif _is_scalar(x) or isinstance(x, np.ndarray):
            self.copy_from(Const(x).evaluate(self))
        else:
            raise invalid_parameter(
                "x", x, "a Gf on an equal mesh, a lazy expression, a descriptor, a scalar or a matrix"
            )
        return self

    # ------------------------------------------------------------------ arithmetic
    def _additive(self, other, what: str) -> np.ndarray | complex:
        """The array (broadcastable to ``data``) that ``+``/``-`` ``other`` means for this Gf."""
        if isinstance(other, Gf):
            self._check_compatible(other, what)
            return other._data
        if _is_scalar(other) and self.target_rank != 2:
            return other
        is_matrix = isinstance(other, np.ndarray) and other.shape == self.target_shape
        if self.target_rank == 2 and (_is_scalar(other) or is_matrix):
            if not isinstance(self._mesh, FREQUENCY_MESHES):
                raise invalid_parameter(
                    "operand", other, "a Gf on an equal mesh (a constant matrix only on MeshImFreq/MeshReFreq)"
                )
            if is_matrix:
                return other
            n, m = self.target_shape
            if n != m:
                raise IncompatibleGfStructError(
                    f"{what}: scalar x identity needs a square target, got {self.target_shape}."
                )
            return other * np.eye(n)
        raise invalid_parameter(
            "operand", other, f"a Gf on an equal mesh, a scalar or a matrix of shape {self.target_shape}"
        )

    def _product_mesh(self, other: Gf):
        """Mesh of ``self * other``: equal meshes, except on MeshImTime where statistics combine (F x F = B)."""
        m1, m2 = self._mesh, other._mesh
        if isinstance(m1, MeshImTime) and isinstance(m2, MeshImTime):
            if m1.beta == m2.beta and len(m1) == len(m2):
                statistic = "Boson" if m1.statistic == m2.statistic else "Fermion"
                return MeshImTime(m1.beta, statistic, len(m1))
        if m1 != m2:
            raise MeshMismatchError(f"product: mesh {m2!r} differs from {m1!r}; allowed is an equal mesh.")
        return m1

    def _times(self, other, reflected: bool) -> tuple[np.ndarray, object]:
        """(data of ``self * other`` or ``other * self``, its mesh)."""
        if isinstance(other, Gf):
            mesh = self._product_mesh(other)
            a, b = (other, self) if reflected else (self, other)
            return _pointwise_product(a._data, b._data, (a.target_rank, b.target_rank)), mesh
        if _is_scalar(other):
            return self._data * other, self._mesh
        if isinstance(other, np.ndarray) and other.ndim == 2 and self.target_rank == 2:
            return (other @ self._data if reflected else self._data @ other), self._mesh
        raise invalid_parameter("operand", other, "a Gf, a scalar or a matrix (for a matrix-valued Gf)")

    def _over(self, other) -> tuple[np.ndarray, object]:
        """(data of ``self / other``, its mesh): division is multiplication by the inverse."""
        if _is_scalar(other):
            return self._data / other, self._mesh
        if isinstance(other, Gf):
            return self._times(other.inverse(), reflected=False)
        if isinstance(other, np.ndarray) and other.ndim == 2:
            return self._times(np.linalg.inv(other), reflected=False)
        raise invalid_parameter("divisor", other, "a Gf, a scalar or an invertible matrix")

    def _new(self, values: np.ndarray, mesh=None) -> Gf:
        return Gf(mesh=self._mesh if mesh is None else mesh, data=values, name=self.name)

    def __add__(self, other):
        if _defers(other):
            return NotImplemented
        return self._new(self._data + self._additive(other, "g + x"))

    def __radd__(self, other):
        if _defers(other):
            return NotImplemented
        return self._new(self._additive(other, "x + g") + self._data)

    def __sub__(self, other):
        if _defers(other):
            return NotImplemented
        return self._new(self._data - self._additive(other, "g - x"))

    def __rsub__(self, other):
        if _defers(other):
            return NotImplemented
        return self._new(self._additive(other, "x - g") - self._data)

    def __mul__(self, other):
        if _defers(other):
            return NotImplemented
        return self._new(*self._times(other, reflected=False))

    def __rmul__(self, other):
        if _defers(other):
            return NotImplemented
        return self._new(*self._times(other, reflected=True))

    def __truediv__(self, other):
        if _defers(other):
            return NotImplemented
        return self._new(*self._over(other))

    def __rtruediv__(self, other):
        if _defers(other):
            return NotImplemented
        inv = self.inverse()
        return inv._new(*inv._times(other, reflected=True))

    def __matmul__(self, other):
        if _defers(other):
            return NotImplemented
        if isinstance(other, Gf) or (isinstance(other, np.ndarray) and other.ndim == 2):
            return self._new(*self._times(other, reflected=False))
        raise invalid_parameter("operand of @", other, "a Gf or a matrix")

    def __rmatmul__(self, other):
        if isinstance(other, np.ndarray) and other.ndim == 2:
            return self._new(*self._times(other, reflected=True))
        return NotImplemented

    def __neg__(self) -> Gf:
        return self._new(-self._data)

    def __pos__(self) -> Gf:
        return self.copy()

    def _in_place(self, other, compute):
        if isinstance(other, LazyExpr):
            other = other.evaluate(self)
        values, mesh = compute(other)
        if mesh != self._mesh:
            raise MeshMismatchError(f"in-place operation would change the mesh {self._mesh!r} to {mesh!r}.")
        self._store(values)
        return self

    def __iadd__(self, other):
        return self._in_place(other, lambda x: (self._data + self._additive(x, "g += x"), self._mesh))

    def __isub__(self, other):
        return self._in_place(other, lambda x: (self._data - self._additive(x, "g -= x"), self._mesh))

    def __imul__(self, other):
        return self._in_place(other, lambda x: self._times(x, reflected=False))

    def __itruediv__(self, other):
        return self._in_place(other, self._over)

    def __imatmul__(self, other):
        return self._in_place(other, lambda x: self._times(x, reflected=False))

    # ------------------------------------------------------------------ matrix operations
    def invert(self) -> None:
        """Invert in place: ``1/g`` (scalar-valued) or the matrix inverse at every mesh point."""
        if self.target_rank == 0:
            if np.any(self._data == 0):
                raise InvalidParameterError(f"invert: Gf {self.name!r} vanishes at some mesh point; allowed is g != 0.")
            self._data[...] = 1.0 / self._data
        elif self.target_rank == 2 and self.target_shape[0] == self.target_shape[1]:
            try:
                self._data[...] = np.linalg.inv(self._data)
            except np.linalg.LinAlgError:
                raise InvalidParameterError(
                    f"invert: Gf {self.name!r} is singular at some mesh point; "
                    "allowed is an invertible matrix everywhere."
                ) from None
        else:
            raise IncompatibleGfStructError(
                f"invert: target_shape {self.target_shape}; allowed is scalar-valued or square matrix-valued."
            )

    def inverse(self) -> Gf:
        """A new Gf holding the inverse (see :meth:`invert`)."""
        r = self.copy()
        r.invert()
        return r

    def conjugate(self) -> Gf:
        """A new Gf with the complex-conjugated data (no frequency reflection)."""
        return self._new(np.conj(self._data))

    def transpose(self) -> Gf:
        """A new Gf with the target matrix transposed at every mesh point."""
        if self.target_rank != 2:
            raise IncompatibleGfStructError(f"transpose: target_shape {self.target_shape}; allowed is matrix-valued.")
        return self._new(np.ascontiguousarray(np.swapaxes(self._data, 1, 2)))

    # ------------------------------------------------------------------ physics
    def density(self, *args, **kwargs):
        """Density matrix ``rho_ij = <c+_j c_i>``; see :func:`triqs_mlsolver.gf.density.density`."""
        return _density.density(self, *args, **kwargs)

    def total_density(self, *args, **kwargs):
        """Trace of :meth:`density`."""
        rho = self.density(*args, **kwargs)
        return np.trace(rho) if np.ndim(rho) == 2 else rho

    def set_from_fourier(self, g, known_moments=None) -> None:
        """Fourier transform ``g`` (tau <-> iw) into ``self``; see :mod:`.fourier`."""
        _fourier.set_from_fourier(self, g, known_moments)

    def set_from_legendre(self, g_l) -> None:
        """Legendre coefficients ``g_l`` -> ``self`` (on MeshImFreq or MeshImTime)."""
        _fourier.set_from_legendre(self, g_l)

    def set_from_imfreq(self, g_iw, known_moments=None) -> None:
        """Matsubara ``g_iw`` -> Legendre coefficients in ``self``."""
        _fourier.set_from_imfreq(self, g_iw, known_moments)

    def set_from_imtime(self, g_tau) -> None:
        """Imaginary-time ``g_tau`` -> Legendre coefficients in ``self``."""
        _fourier.set_from_imtime(self, g_tau)
