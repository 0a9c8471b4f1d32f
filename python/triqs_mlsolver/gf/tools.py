"""DMFT tools on Gfs and BlockGfs (TRIQS names and semantics).

* ``dyson(G0_iw=, G_iw=)`` -> ``Sigma = G0^-1 - G^-1``; ``dyson(G0_iw=, Sigma_iw=)`` -> ``G = (G0^-1 - Sigma)^-1``;
  ``dyson(G_iw=, Sigma_iw=)`` -> ``G0 = (Sigma + G^-1)^-1``.
* ``make_hermitian(g)``: ``(G(iw) + G(-iw)^dagger)/2`` on MeshImFreq, ``(G(tau) + G(tau)^dagger)/2`` on MeshImTime;
  ``is_gf_hermitian(g)`` checks the same property.
* ``delta(g0_iw)``: hybridization ``Delta(iw) = iw - G0(iw)^-1`` minus its constant (0th) moment.
* ``make_gf_from_fourier``: a new Gf on the adjoint mesh (by default ``n_tau = 6 n_iw + 1``,
  ``n_iw = (n_tau - 1)/6``).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..errors import IncompatibleGfStructError, InvalidParameterError, TailFitWarning, invalid_parameter
from ..meshes import MeshImFreq, MeshImTime
from .block_gf import BlockGf
from .descriptors import iOmega_n
from .gf import Gf
from .lazy import inverse
from .tail import fit_hermitian_tail, require_full_matsubara

__all__ = ["dyson", "make_hermitian", "is_gf_hermitian", "delta", "make_gf_from_fourier"]

_DELTA_FIT_ERROR_WARN = 1e-5


def _blockwise(G: BlockGf, f) -> BlockGf:
    """A new BlockGf with blocks ``f(name, block)``."""
    return BlockGf(name_block_generator=[(b, f(b, g)) for b, g in G], name=G.name)


def dyson(*, G0_iw=None, G_iw=None, Sigma_iw=None):
    """The third of ``G0_iw``, ``G_iw``, ``Sigma_iw`` from the two given (Gfs or BlockGfs)."""
    given = [k for k, v in (("G0_iw", G0_iw), ("G_iw", G_iw), ("Sigma_iw", Sigma_iw)) if v is not None]
    if len(given) != 2:
        raise invalid_parameter("dyson arguments", given, "exactly two of G0_iw, G_iw, Sigma_iw")
    if Sigma_iw is None:
        return inverse(G0_iw) - inverse(G_iw)
    if G_iw is None:
        return inverse(inverse(G0_iw) - Sigma_iw)
    return inverse(Sigma_iw + inverse(G_iw))


def _hermitian_partner(g) -> np.ndarray:
    """``G(-iw)^dagger`` on MeshImFreq, ``G(tau)^dagger`` on MeshImTime, in data order."""
    if g.target_rank not in (0, 2):
        raise IncompatibleGfStructError(f"target_shape {g.target_shape}: allowed is scalar- or matrix-valued.")
    if isinstance(g.mesh, MeshImFreq):
        require_full_matsubara(g, "hermiticity")
        data = g.data[::-1]
    elif isinstance(g.mesh, MeshImTime):
        data = g.data
    else:
        raise invalid_parameter("mesh", g.mesh, "a MeshImFreq or MeshImTime Gf")
    return np.conj(data if g.target_rank == 0 else np.swapaxes(data, 1, 2))


def make_hermitian(g):
    """A new Gf (BlockGf) with the hermitian part of ``g``, see the module docstring."""
    if isinstance(g, BlockGf):
        return _blockwise(g, lambda b, gb: make_hermitian(gb))
    return Gf(mesh=g.mesh, data=0.5 * (g.data + _hermitian_partner(g)), name=g.name)


def is_gf_hermitian(g, tolerance: float = 1e-12) -> bool:
    """Whether ``max |G - G_partner| <= tolerance`` (every block for a BlockGf)."""
    if isinstance(g, BlockGf):
        return all(is_gf_hermitian(gb, tolerance) for _, gb in g)
    return bool(np.max(np.abs(g.data - _hermitian_partner(g)), initial=0.0) <= tolerance)


def delta(g0_iw):
    """Hybridization ``iw - G0^-1`` with its constant tail removed (per block for a BlockGf)."""
    if isinstance(g0_iw, BlockGf):
        return _blockwise(g0_iw, lambda b, g: delta(g))
    if not isinstance(g0_iw, Gf) or not isinstance(g0_iw.mesh, MeshImFreq):
        raise invalid_parameter("g0_iw", g0_iw, "a Gf or BlockGf on MeshImFreq")
    if not is_gf_hermitian(g0_iw, tolerance=1e-10):
        raise InvalidParameterError(
            f"delta: G0 {g0_iw.name!r} violates G(-iw) = G(iw)^dagger; allowed is a hermitian G0 (see make_hermitian)."
        )
    d = g0_iw.copy()
    d << iOmega_n - inverse(g0_iw)
    moments, error = fit_hermitian_tail(d)
    if error > _DELTA_FIT_ERROR_WARN:
        message = f"delta: the tail fit of Delta has error {error:.3g} > {_DELTA_FIT_ERROR_WARN:g}."
        warnings.warn(message, TailFitWarning, stacklevel=2)
    d.data[...] -= moments[0]
    return d


def make_gf_from_fourier(g, mesh=None, known_moments=None):
    """Fourier transform into a new Gf: ``g_iw -> g_tau`` (``mesh`` a MeshImTime or ``n_tau``) or
    ``g_tau -> g_iw`` (``mesh`` a MeshImFreq or ``n_iw``); a BlockGf is transformed block by block.
    """
    if isinstance(g, BlockGf):
        def block(b, gb):
            km = known_moments[b] if isinstance(known_moments, dict) else known_moments
            return make_gf_from_fourier(gb, mesh, km)

        return _blockwise(g, block)
    if not isinstance(g, Gf):
        raise invalid_parameter("g", g, "a Gf or BlockGf")
    source = g.mesh
    if isinstance(source, MeshImFreq):
        mesh_type, default = MeshImTime, 6 * source.n_iw + 1
    elif isinstance(source, MeshImTime):
        mesh_type, default = MeshImFreq, max(1, (len(source) - 1) // 6)
    else:
        raise invalid_parameter("g.mesh", source, "a MeshImFreq or MeshImTime")
    if mesh is None or (isinstance(mesh, numbers.Integral) and not isinstance(mesh, bool)):
        mesh = mesh_type(source.beta, source.statistic, default if mesh is None else int(mesh))
    elif not isinstance(mesh, mesh_type):
        raise invalid_parameter("mesh", mesh, f"a {mesh_type.__name__} or its number of points")
    result = Gf(mesh=mesh, target_shape=g.target_shape, name=g.name)
    result.set_from_fourier(g, known_moments)
    return result
