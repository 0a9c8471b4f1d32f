"""Gf-level Fourier and Legendre transforms: mesh checks around :mod:`triqs_mlsolver.transforms`.

Conventions (TRIQS): ``G(iw_n) = int_0^beta e^{i w_n tau} G(tau) dtau``,
``G(tau) = (1/beta) sum_n e^{-i w_n tau} G(iw_n)``, ``G_l = sqrt(2l+1) int_0^beta P_l(2tau/beta - 1) G(tau) dtau``.
The Matsubara side is always the full fermionic mesh.  For iw -> tau (and iw -> Legendre) the
moments up to 1/(iw)^3 not among the known ones (default ``[0, 1]``, i.e. ``G ~ 1/(iw)``) are
fitted, and the tail is treated analytically.  For tau -> iw, given known moments replace the
discontinuities read from the data.
"""

from __future__ import annotations

from ..errors import IncompatibleGfStructError, MeshMismatchError, invalid_parameter
from ..meshes import MeshImFreq, MeshImTime, MeshLegendre
from .tail import clean_moments, identity_moments, require_full_matsubara

__all__ = ["set_from_fourier", "set_from_legendre", "set_from_imfreq", "set_from_imtime"]


def _check_pair(target, source, what: str) -> None:
    if not hasattr(source, "mesh") or getattr(source, "_is_block_gf", False):
        raise invalid_parameter("g", source, f"a Gf for {what}")
    t, s = target.mesh, source.mesh
    if t.beta != s.beta or t.statistic != s.statistic:
        raise MeshMismatchError(
            f"{what}: source mesh {s!r} and target mesh {t!r} differ in beta or statistic; "
            "allowed is the same beta and statistic."
        )
    if target.target_shape != source.target_shape:
        raise IncompatibleGfStructError(
            f"{what}: source target_shape {source.target_shape} differs from the target's {target.target_shape}."
        )


def set_from_fourier(target, source, known_moments=None) -> None:
    """``target`` (MeshImFreq or MeshImTime) <- Fourier transform of ``source`` (the other one)."""
    from .. import transforms

    what = "set_from_fourier"
    if isinstance(target.mesh, MeshImTime) and isinstance(getattr(source, "mesh", None), MeshImFreq):
        _check_pair(target, source, what)
        require_full_matsubara(source, what)
        known = identity_moments(source, [0.0, 1.0]) if known_moments is None else clean_moments(source, known_moments)
        target._store(transforms.iw_to_tau(source.data, source.mesh.beta, len(target.mesh), moments=known))
    elif isinstance(target.mesh, MeshImFreq) and isinstance(getattr(source, "mesh", None), MeshImTime):
        _check_pair(target, source, what)
        require_full_matsubara(target, what)
        known = clean_moments(source, known_moments)
        target._store(transforms.tau_to_iw(source.data, source.mesh.beta, target.mesh.n_iw, moments=known))
    else:
        raise invalid_parameter(
            "g", source, f"a MeshImTime Gf for a MeshImFreq target or a MeshImFreq Gf for a MeshImTime target ({what})"
        )


def set_from_legendre(target, g_l) -> None:
    """``target`` (MeshImFreq or MeshImTime) <- the Legendre series of ``g_l``."""
    from .. import transforms

    what = "set_from_legendre"
    if not isinstance(getattr(g_l, "mesh", None), MeshLegendre):
        raise invalid_parameter("g_l", g_l, f"a MeshLegendre Gf ({what})")
    _check_pair(target, g_l, what)
    if isinstance(target.mesh, MeshImFreq):
        require_full_matsubara(target, what)
        target._store(transforms.legendre_to_iw(g_l.data, g_l.mesh.beta, target.mesh.n_iw))
    elif isinstance(target.mesh, MeshImTime):
        target._store(transforms.legendre_to_tau(g_l.data, g_l.mesh.beta, target.mesh.values()))
    else:
        raise invalid_parameter("mesh", target.mesh, f"a MeshImFreq or MeshImTime target ({what})")


def _require_legendre_target(target, what: str) -> None:
    if not isinstance(target.mesh, MeshLegendre):
        raise invalid_parameter("mesh", target.mesh, f"a MeshLegendre target ({what})")


def set_from_imfreq(target, g_iw, known_moments=None) -> None:
    """Legendre ``target`` <- coefficients of the Matsubara ``g_iw`` (tail with ``known_moments``, default [0, 1])."""
    from .. import transforms

    what = "set_from_imfreq"
    _require_legendre_target(target, what)
    if not isinstance(getattr(g_iw, "mesh", None), MeshImFreq):
        raise invalid_parameter("g_iw", g_iw, f"a MeshImFreq Gf ({what})")
    _check_pair(target, g_iw, what)
    require_full_matsubara(g_iw, what)
    known = identity_moments(g_iw, [0.0, 1.0]) if known_moments is None else clean_moments(g_iw, known_moments)
    target._store(transforms.iw_to_legendre(g_iw.data, g_iw.mesh.beta, len(target.mesh), moments=known))


def set_from_imtime(target, g_tau) -> None:
    """Legendre ``target`` <- coefficients of the imaginary-time ``g_tau``."""
    from .. import transforms

    what = "set_from_imtime"
    _require_legendre_target(target, what)
    if not isinstance(getattr(g_tau, "mesh", None), MeshImTime):
        raise invalid_parameter("g_tau", g_tau, f"a MeshImTime Gf ({what})")
    _check_pair(target, g_tau, what)
    target._store(transforms.tau_to_legendre(g_tau.data, g_tau.mesh.beta, len(target.mesh)))
