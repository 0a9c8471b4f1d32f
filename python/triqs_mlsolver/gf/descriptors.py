"""Descriptors: the leaves of lazy expressions that fill a Gf from a formula or another Gf.

* ``iOmega_n`` / ``Omega`` (one object): the mesh value times the identity, ``i w_n`` on
  MeshImFreq and ``w`` on MeshReFreq.
* ``Const(C)``: ``C x identity`` (scalar C) or the matrix C at every frequency.
* ``SemiCircular(D, chem_potential=mu)``: Hilbert transform of ``rho(e) = 2 sqrt(D^2-e^2)/(pi D^2)``
  at ``z + mu``: ``g(z) = 2 (z - i sgn(Im z) sqrt(D^2 - z^2)) / D^2``, i.e. ``2/(z + sqrt(z-D) sqrt(z+D))``
  with principal roots, which is the retarded branch for ``z = w + i0``.
* ``Flat(D)`` = ``Wilson(D)``: flat DOS ``1/(2D)`` on ``[-D, D]``, ``g(z) = [log(z+D) - log(z-D)]/(2D)``.
* ``Fourier(g)``, ``LegendreToMatsubara(g_l)``, ``MatsubaraToLegendre(g_iw)``: transforms of another Gf.

The two DOS descriptors also fill MeshImTime and MeshLegendre Gfs: the exact Matsubara
values are transformed with their exact high-frequency moments (``transforms``).
"""

from __future__ import annotations

import numpy as np

from .._validation import finite_float, positive_float
from ..errors import IncompatibleGfStructError, invalid_parameter
from ..meshes import MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq
from .lazy import Descriptor

__all__ = [
    "Const",
    "Omega",
    "iOmega_n",
    "SemiCircular",
    "Flat",
    "Wilson",
    "Fourier",
    "LegendreToMatsubara",
    "MatsubaraToLegendre",
]

_FREQUENCY_MESHES = (MeshImFreq, MeshReFreq)
# Matsubara frequencies used to build tau / Legendre data from an exact frequency formula.
_MIN_AUX_N_IW = 2048


def _require_frequency_mesh(g, what: str) -> None:
    if not isinstance(g.mesh, _FREQUENCY_MESHES):
        raise invalid_parameter(
            "mesh", g.mesh, f"a MeshImFreq or MeshReFreq for {what} (frequency meshes only, as in TRIQS)"
        )


def _fill_diagonal(g, values: np.ndarray) -> None:
    """``g.data[k] = values[k] x identity`` (scalar-valued: ``values[k]``)."""
    if g.target_rank == 0:
        g.data[...] = values
    elif g.target_rank == 2 and g.target_shape[0] == g.target_shape[1]:
        g.data[...] = values[:, None, None] * np.eye(g.target_shape[0])
    else:
        raise IncompatibleGfStructError(
            f"target_shape {g.target_shape}: allowed is scalar-valued or square matrix-valued for a descriptor."
        )


class Const(Descriptor):
    """``C x identity`` (C a scalar) or the matrix ``C`` at every frequency."""

    def __init__(self, C) -> None:
        self.C = C

    def apply(self, g) -> None:
        _require_frequency_mesh(g, "a constant")
        C = np.asarray(self.C)
        if C.ndim == 0:
            _fill_diagonal(g, np.full(len(g.mesh), C.item()))
        elif C.shape == g.target_shape:
            g.data[...] = C
        else:
            raise IncompatibleGfStructError(
                f"constant of shape {C.shape} assigned to a Gf of target_shape {g.target_shape}."
            )

    def __repr__(self) -> str:
        return f"Const({self.C!r})"


class _Omega(Descriptor):
    """The mesh value times the identity: ``i w_n`` (MeshImFreq) or ``w`` (MeshReFreq)."""

    def apply(self, g) -> None:
        _require_frequency_mesh(g, "iOmega_n / Omega")
        _fill_diagonal(g, g.mesh.values())

    def __repr__(self) -> str:
        return "iOmega_n"


iOmega_n = _Omega()
Omega = iOmega_n


class _DosDescriptor(Descriptor):
    """Hilbert transform ``g(z) = int rho(e)/(z - e) de`` of a model DOS, given in closed form."""

    def values(self, z: np.ndarray) -> np.ndarray:
        """``g(z)``; real ``z`` are read as ``z + i0`` (retarded)."""
        raise NotImplementedError

    def moments(self) -> list[float]:
        """High-frequency moments ``m_k`` of ``g(z) = sum_k m_k / z^k``, k = 0..3."""
        raise NotImplementedError

    def apply(self, g) -> None:
        mesh = g.mesh
        if isinstance(mesh, MeshImFreq):
            _fill_diagonal(g, self.values(mesh.values()))
        elif isinstance(mesh, MeshReFreq):
            _fill_diagonal(g, self.values(mesh.values() + 0j))
        elif isinstance(mesh, (MeshImTime, MeshLegendre)):
            _fill_diagonal(g, self._from_matsubara(mesh))
        else:
            raise invalid_parameter("mesh", mesh, "a MeshImFreq, MeshReFreq, MeshImTime or MeshLegendre")

    def _from_matsubara(self, mesh) -> np.ndarray:
        from .. import transforms

        if mesh.statistic != "Fermion":
            raise invalid_parameter("mesh.statistic", mesh.statistic, "'Fermion' for a density-of-states descriptor")
        n_iw = max(_MIN_AUX_N_IW, len(mesh) // 2)
        aux = MeshImFreq(mesh.beta, "Fermion", n_iw)
        g_iw = self.values(aux.values())
        moments = np.asarray(self.moments(), dtype=complex)
        if isinstance(mesh, MeshImTime):
            return transforms.iw_to_tau(g_iw, mesh.beta, len(mesh), moments=moments)
        return transforms.iw_to_legendre(g_iw, mesh.beta, len(mesh), moments=moments)


class SemiCircular(_DosDescriptor):
    """Semicircular DOS of half bandwidth D centred at ``-chem_potential``."""

    def __init__(self, half_bandwidth, chem_potential=0.0) -> None:
        self.half_bandwidth = positive_float("half_bandwidth", half_bandwidth)
        self.chem_potential = finite_float("chem_potential", chem_potential)

    def values(self, z: np.ndarray) -> np.ndarray:
        D = self.half_bandwidth
        z = np.asarray(z, dtype=complex) + self.chem_potential
        return 2.0 / (z + np.sqrt(z - D) * np.sqrt(z + D))

    def moments(self) -> list[float]:
        D, mu = self.half_bandwidth, self.chem_potential
        return [0.0, 1.0, -mu, D * D / 4.0 + mu * mu]

    def __repr__(self) -> str:
        return f"SemiCircular({self.half_bandwidth!r}, chem_potential={self.chem_potential!r})"


class Flat(_DosDescriptor):
    """Flat DOS ``1/(2D)`` on ``[-D, D]`` (``Wilson`` is the same descriptor)."""

    def __init__(self, half_bandwidth) -> None:
        self.half_bandwidth = positive_float("half_bandwidth", half_bandwidth)

    def values(self, z: np.ndarray) -> np.ndarray:
        D = self.half_bandwidth
        z = np.asarray(z, dtype=complex)
        g = np.empty(z.shape, dtype=complex)
        with np.errstate(divide="ignore"):  # z = +-D: the real part diverges logarithmically
            g.real = (np.log(np.abs(z + D)) - np.log(np.abs(z - D))) * (0.5 / D)
        g.imag = (np.angle(z + D) - np.angle(z - D)) * (0.5 / D)
        return g

    def moments(self) -> list[float]:
        return [0.0, 1.0, 0.0, self.half_bandwidth**2 / 3.0]

    def __repr__(self) -> str:
        return f"Flat({self.half_bandwidth!r})"


Wilson = Flat


class _GfDescriptor(Descriptor):
    """A descriptor holding a Gf (or a BlockGf, in which case it works block by block)."""

    def __init__(self, g) -> None:
        self.G = g

    def for_block(self, name: str) -> Descriptor:
        if getattr(self.G, "_is_block_gf", False):
            clone = type(self).__new__(type(self))
            clone.__dict__.update(self.__dict__, G=self.G[name])
            return clone
        return self

    def map_leaves(self, function) -> Descriptor:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__, G=function(self.G))
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.G!r})"


class Fourier(_GfDescriptor):
    """``g_iw << Fourier(g_tau)`` or ``g_tau << Fourier(g_iw)`` (default known moments ``[0, 1]`` for iw -> tau)."""

    def __init__(self, g, known_moments=None) -> None:
        super().__init__(g)
        self.known_moments = known_moments

    def for_block(self, name: str) -> Descriptor:
        clone = super().for_block(name)
        if clone is not self and isinstance(self.known_moments, dict):
            clone.known_moments = self.known_moments[name]
        return clone

    def apply(self, g) -> None:
        g.set_from_fourier(self.G, self.known_moments)


class LegendreToMatsubara(_GfDescriptor):
    """``g_iw << LegendreToMatsubara(g_l)`` (also fills a MeshImTime Gf)."""

    def apply(self, g) -> None:
        g.set_from_legendre(self.G)


class MatsubaraToLegendre(_GfDescriptor):
    """``g_l << MatsubaraToLegendre(g_iw)``."""

    def apply(self, g) -> None:
        g.set_from_imfreq(self.G)

