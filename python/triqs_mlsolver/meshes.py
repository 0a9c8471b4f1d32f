"""Meshes with the TRIQS index conventions (pure numpy).

* :class:`MeshImFreq`: Matsubara frequencies ``iw_n = i(2n+1)pi/beta`` (fermions) or
  ``i 2n pi/beta`` (bosons).  ``n_iw`` counts the positive frequencies; the full mesh
  holds ``n = -n_iw .. n_iw-1`` (``2 n_iw`` points) for fermions and
  ``n = -(n_iw-1) .. n_iw-1`` (``2 n_iw - 1`` points) for bosons.  Data index 0 is the
  most negative frequency.  With ``positive_only`` the mesh is ``n = 0 .. n_iw-1``.
* :class:`MeshImTime`: ``tau_k = k beta / (n_tau - 1)``, both 0 and beta included.
* :class:`MeshLegendre`: coefficients ``l = 0 .. max_n - 1`` (no mesh values).
* :class:`MeshReFreq`: ``w_k = w_min + k (w_max - w_min)/(n_w - 1)``, endpoints included.

Constructors accept the TRIQS positional order and keyword aliases
(``S``/``statistic``, ``n_max`` for the size argument).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ._validation import finite_float, int_in_range, positive_float
from .errors import invalid_parameter

__all__ = ["MeshImFreq", "MeshImTime", "MeshLegendre", "MeshReFreq", "MeshPoint", "normalize_statistic"]

_STATISTICS = {"Fermion": "Fermion", "F": "Fermion", "Boson": "Boson", "B": "Boson"}


def normalize_statistic(statistic: object) -> str:
    """Return ``'Fermion'`` or ``'Boson'`` from any of ``'Fermion', 'F', 'Boson', 'B'``."""
    try:
        return _STATISTICS[statistic]  # type: ignore[index]
    except (KeyError, TypeError):
        raise invalid_parameter("statistic", statistic, "'Fermion' ('F') or 'Boson' ('B')") from None


def _statistic_argument(S: object, statistic: object) -> str:
    """Resolve the TRIQS alias ``statistic`` for ``S`` (default ``'Fermion'``); both given must agree."""
    if S is not None and statistic is not None and normalize_statistic(S) != normalize_statistic(statistic):
        raise invalid_parameter("statistic", statistic, f"the same statistic as S = {S!r}")
    return normalize_statistic(S if S is not None else (statistic or "Fermion"))


def _size_argument(name: str, value: object, n_max: object, default: int | None) -> object:
    """Resolve the TRIQS alias ``n_max`` for a mesh's size argument."""
    if n_max is not None:
        if value is not None and value != n_max:
            raise invalid_parameter(name, value, f"{name} equal to n_max = {n_max!r} when both are given")
        return n_max
    if value is None:
        if default is None:
            raise invalid_parameter(name, None, f"{name} given (or its alias n_max)")
        return default
    return value


class MeshPoint:
    """One point of a mesh: its TRIQS index, its position in the data array and its value.

    As in TRIQS, a mesh point behaves like its value in arithmetic, so that
    ``for iw in g.mesh: g[iw] = 1 / (iw - e)`` works.
    """

    __slots__ = ("index", "data_index", "value")

    def __init__(self, index: int, data_index: int, value: complex | float) -> None:
        self.index = index
        self.data_index = data_index
        self.value = value

    def __repr__(self) -> str:
        return f"MeshPoint(index={self.index}, data_index={self.data_index}, value={self.value!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MeshPoint):
            return (self.index, self.data_index, self.value) == (other.index, other.data_index, other.value)
        return self.value == other

    def __hash__(self) -> int:
        return hash((self.index, self.data_index, self.value))

    def __complex__(self) -> complex:
        return complex(self.value)

    def __float__(self) -> float:
        return float(self.value.real if isinstance(self.value, complex) else self.value)

    def __neg__(self):
        return -self.value

    def __add__(self, other):
        return self.value + other

    def __radd__(self, other):
        return other + self.value

    def __sub__(self, other):
        return self.value - other

    def __rsub__(self, other):
        return other - self.value

    def __mul__(self, other):
        return self.value * other

    def __rmul__(self, other):
        return other * self.value

    def __truediv__(self, other):
        return self.value / other

    def __rtruediv__(self, other):
        return other / self.value

    def __pow__(self, other):
        return self.value**other


class _Mesh:
    """Common behaviour: length, equality by parameters, iteration over points."""

    __slots__ = ()

    def _key(self) -> tuple:
        raise NotImplementedError

    def values(self) -> np.ndarray:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + self._key())

    @property
    def mesh_hash(self) -> int:
        """A hash of the mesh parameters (equal meshes have equal hashes)."""
        return hash(self)

    def _indices(self) -> np.ndarray:
        return np.arange(len(self))

    def __iter__(self) -> Iterator[MeshPoint]:
        vals = self.values()
        for d, (n, v) in enumerate(zip(self._indices(), vals)):
            yield MeshPoint(int(n), d, v.item())


class MeshImFreq(_Mesh):
    """Matsubara mesh ``MeshImFreq(beta, S='Fermion', n_iw=1025)`` with TRIQS ordering."""

    __slots__ = ("_beta", "_statistic", "_n_iw", "_positive_only")

    def __init__(
        self,
        beta: float,
        S: str | None = None,
        n_iw: int | None = None,
        *,
        statistic: str | None = None,
        n_max: int | None = None,
        positive_only: bool = False,
    ) -> None:
        self._beta = positive_float("beta", beta)
        self._statistic = _statistic_argument(S, statistic)
        self._n_iw = int_in_range("n_iw", _size_argument("n_iw", n_iw, n_max, 1025), 1)
        self._positive_only = bool(positive_only)

    @property
    def beta(self) -> float:
        return self._beta

    @property
    def statistic(self) -> str:
        return self._statistic

    @property
    def n_iw(self) -> int:
        """Number of non-negative Matsubara frequencies."""
        return self._n_iw

    def positive_only(self) -> bool:
        return self._positive_only

    def first_index(self) -> int:
        if self._positive_only:
            return 0
        return -self._n_iw if self._statistic == "Fermion" else -(self._n_iw - 1)

    def last_index(self) -> int:
        return self._n_iw - 1

    def __len__(self) -> int:
        return self.last_index() - self.first_index() + 1

    def _indices(self) -> np.ndarray:
        return np.arange(self.first_index(), self.last_index() + 1)

    def to_data_index(self, n: int) -> int:
        """Position in the data array of the Matsubara index ``n``."""
        if not self.first_index() <= n <= self.last_index():
            raise invalid_parameter("n", n, f"{self.first_index()} <= n <= {self.last_index()}")
        return int(n) - self.first_index()

    def values(self) -> np.ndarray:
        """The complex frequencies ``iw_n`` in data order."""
        shift = 1 if self._statistic == "Fermion" else 0
        return 1j * np.pi * (2 * self._indices() + shift) / self._beta

    def _key(self) -> tuple:
        return (self._beta, self._statistic, self._n_iw, self._positive_only)

    def __repr__(self) -> str:
        extra = ", positive_only=True" if self._positive_only else ""
        return f"MeshImFreq(beta={self._beta!r}, S={self._statistic!r}, n_iw={self._n_iw}{extra})"


class MeshImTime(_Mesh):
    """Imaginary-time mesh ``MeshImTime(beta, S, n_tau)``: ``tau_k = k beta/(n_tau-1)``."""

    __slots__ = ("_beta", "_statistic", "_n_tau")

    def __init__(
        self,
        beta: float,
        S: str | None = None,
        n_tau: int | None = None,
        *,
        statistic: str | None = None,
        n_max: int | None = None,
    ) -> None:
        self._beta = positive_float("beta", beta)
        self._statistic = _statistic_argument(S, statistic)
        self._n_tau = int_in_range("n_tau", _size_argument("n_tau", n_tau, n_max, None), 2)

    @property
    def beta(self) -> float:
        return self._beta

    @property
    def statistic(self) -> str:
        return self._statistic

    @property
    def n_tau(self) -> int:
        return self._n_tau

    @property
    def delta(self) -> float:
        """Spacing ``beta/(n_tau-1)``."""
        return self._beta / (self._n_tau - 1)

    def __len__(self) -> int:
        return self._n_tau

    def values(self) -> np.ndarray:
        return np.linspace(0.0, self._beta, self._n_tau)

    def _key(self) -> tuple:
        return (self._beta, self._statistic, self._n_tau)

    def __repr__(self) -> str:
        return f"MeshImTime(beta={self._beta!r}, S={self._statistic!r}, n_tau={self._n_tau})"


class MeshLegendre(_Mesh):
    """Legendre mesh ``MeshLegendre(beta, S, max_n)``: coefficients ``l = 0 .. max_n-1``."""

    __slots__ = ("_beta", "_statistic", "_max_n")

    def __init__(
        self,
        beta: float,
        S: str | None = None,
        max_n: int | None = None,
        *,
        statistic: str | None = None,
        n_max: int | None = None,
    ) -> None:
        self._beta = positive_float("beta", beta)
        self._statistic = _statistic_argument(S, statistic)
        self._max_n = int_in_range("max_n", _size_argument("max_n", max_n, n_max, None), 1)

    @property
    def beta(self) -> float:
        return self._beta

    @property
    def statistic(self) -> str:
        return self._statistic

    @property
    def max_n(self) -> int:
        return self._max_n

    def __len__(self) -> int:
        return self._max_n

    def values(self) -> np.ndarray:
        """The Legendre orders ``l`` (TRIQS has no mesh values; the orders are the natural stand-in)."""
        return np.arange(self._max_n)

    def _key(self) -> tuple:
        return (self._beta, self._statistic, self._max_n)

    def __repr__(self) -> str:
        return f"MeshLegendre(beta={self._beta!r}, S={self._statistic!r}, max_n={self._max_n})"


class MeshReFreq(_Mesh):
    """Real-frequency mesh ``MeshReFreq(w_min, w_max, n_w)`` or ``MeshReFreq(window=(a, b), n_w=N)``."""

    __slots__ = ("_w_min", "_w_max", "_n_w")

    def __init__(
        self,
        w_min: float | None = None,
        w_max: float | None = None,
        n_w: int | None = None,
        *,
        window: tuple[float, float] | None = None,
        n_max: int | None = None,
    ) -> None:
        if window is not None:
            if w_min is not None or w_max is not None:
                raise invalid_parameter("window", window, "either window or (w_min, w_max), not both")
            try:
                w_min, w_max = window
            except (TypeError, ValueError):
                raise invalid_parameter("window", window, "a pair (w_min, w_max)") from None
        if w_min is None or w_max is None:
            raise invalid_parameter("window", (w_min, w_max), "both w_min and w_max given")
        self._w_min = finite_float("w_min", w_min)
        self._w_max = finite_float("w_max", w_max)
        if not self._w_min < self._w_max:
            raise invalid_parameter("w_max", w_max, f"w_max > w_min = {self._w_min!r}")
        self._n_w = int_in_range("n_w", _size_argument("n_w", n_w, n_max, None), 2)

    @property
    def w_min(self) -> float:
        return self._w_min

    @property
    def w_max(self) -> float:
        return self._w_max

    @property
    def n_w(self) -> int:
        return self._n_w

    @property
    def delta(self) -> float:
        """Spacing ``(w_max - w_min)/(n_w - 1)``."""
        return (self._w_max - self._w_min) / (self._n_w - 1)

    def __len__(self) -> int:
        return self._n_w

    def values(self) -> np.ndarray:
        return np.linspace(self._w_min, self._w_max, self._n_w)

    def _key(self) -> tuple:
        return (self._w_min, self._w_max, self._n_w)

    def __repr__(self) -> str:
        return f"MeshReFreq(w_min={self._w_min!r}, w_max={self._w_max!r}, n_w={self._n_w})"
