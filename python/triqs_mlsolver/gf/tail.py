"""High-frequency tails of Matsubara Gfs: ``G(iw) = sum_k m_k / (iw)^k`` for large ``|w|``.

``fit_tail(g, known_moments)`` returns ``(moments, error)`` with ``moments[k]`` (target-shaped)
multiplying ``1/(iw)^k``; the first ``len(known_moments)`` moments are fixed to the given
values and the others are fitted on the outer part of the full Matsubara mesh
(``transforms.fit_tail``).  ``fit_hermitian_tail`` imposes ``m_k = m_k^dagger``, the property of
a Gf with ``G(-iw) = G(iw)^dagger``.
"""

from __future__ import annotations

import numpy as np

from ..errors import IncompatibleGfStructError, invalid_parameter
from ..meshes import MeshImFreq, MeshImTime, MeshReFreq

__all__ = ["fit_tail", "fit_hermitian_tail", "make_zero_tail", "clean_moments", "identity_moments"]


def require_full_matsubara(g, what: str) -> None:
    """Raise unless ``g`` lives on a full fermionic MeshImFreq (both signs of frequency)."""
    mesh = g.mesh
    if not isinstance(mesh, MeshImFreq):
        raise invalid_parameter("mesh", mesh, f"a MeshImFreq for {what}")
    if mesh.positive_only():
        raise invalid_parameter("mesh", mesh, f"the full Matsubara mesh (positive_only=False) for {what}")
    if mesh.statistic != "Fermion":
        raise invalid_parameter("mesh.statistic", mesh.statistic, f"'Fermion' for {what}")


def clean_moments(g, moments, name: str = "known_moments") -> np.ndarray | None:
    """``moments`` as a complex array of shape ``(k,) + g.target_shape`` (None stays None)."""
    if moments is None:
        return None
    arr = np.asarray(moments, dtype=np.complex128)
    if arr.ndim != 1 + g.target_rank or arr.shape[1:] != g.target_shape:
        raise IncompatibleGfStructError(
            f"{name} of shape {arr.shape}: allowed is (n_moments,) + target_shape = (n_moments,) + {g.target_shape}."
        )
    return arr


def identity_moments(g, values) -> np.ndarray:
    """Moments ``values[k] x identity`` for the target of ``g`` (scalar-valued: ``values[k]``)."""
    values = np.asarray(values, dtype=np.complex128)
    if g.target_rank == 0:
        return values
    if g.target_rank != 2 or g.target_shape[0] != g.target_shape[1]:
        raise IncompatibleGfStructError(f"target_shape {g.target_shape}: identity moments need a square target.")
    return values[:, None, None] * np.eye(g.target_shape[0])


def fit_tail(g, known_moments=None, **options):
    """``(moments, error)`` of the Matsubara Gf ``g``; ``options`` (``max_moment``, ``tail_fraction``,
    ``n_tail_max``) go to :func:`triqs_mlsolver.transforms.fit_tail`.
    """
    from .. import transforms

    require_full_matsubara(g, "fit_tail")
    known = clean_moments(g, known_moments)
    return transforms.fit_tail(g.data, g.mesh.values(), known_moments=known, **options)


def _hermitian_part(a: np.ndarray, axes: tuple[int, int]) -> np.ndarray:
    return 0.5 * (a + np.conj(np.swapaxes(a, *axes)))


def fit_hermitian_tail(g, known_moments=None, **options):
    """Like :func:`fit_tail`, fitting the hermitian part ``(G(iw) + G(-iw)^dagger)/2`` and
    returning hermitian moments (real ones for a scalar-valued Gf).
    """
    from .. import transforms

    require_full_matsubara(g, "fit_hermitian_tail")
    known = clean_moments(g, known_moments)
    if g.target_rank == 0:
        data = 0.5 * (g.data + np.conj(g.data[::-1]))
    elif g.target_rank == 2:
        data = 0.5 * (g.data + np.conj(np.swapaxes(g.data[::-1], 1, 2)))
    else:
        raise IncompatibleGfStructError(f"fit_hermitian_tail: target_shape {g.target_shape}; allowed is rank 0 or 2.")
    moments, error = transforms.fit_tail(data, g.mesh.values(), known_moments=known, **options)
    moments = moments.real.astype(np.complex128) if g.target_rank == 0 else _hermitian_part(moments, (1, 2))
    return moments, error


def make_zero_tail(g, n_moments: int = 10):
    """Zero moments, shape ``(max(1, n_moments),) + target_shape`` (a dict per block for a BlockGf)."""
    if getattr(g, "_is_block_gf", False):
        return {b: make_zero_tail(gb, n_moments) for b, gb in g}
    if not isinstance(g.mesh, (MeshImFreq, MeshImTime, MeshReFreq)):
        raise invalid_parameter("mesh", g.mesh, "a MeshImFreq, MeshImTime or MeshReFreq Gf")
    return np.zeros((max(1, int(n_moments)),) + g.target_shape, dtype=np.complex128)
