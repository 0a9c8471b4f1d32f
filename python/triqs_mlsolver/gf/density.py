"""Density matrix ``rho_ij = <c+_j c_i> = G_ij(tau = 0^-) = -G_ij(beta^-)`` of a Gf, per mesh (TRIQS rules).

* MeshImFreq ``density(known_moments=None)``: needs the full fermionic mesh and a vanishing 0th
  moment (the default known moments are ``[0]``); unless the moments 0..3 are all known, the tail
  is fitted, and the fit error must be below 1e-2 (``TailFitWarning`` above 1e-4); the Matsubara
  sum is then done with the tail up to 1/(iw)^3 treated analytically (``transforms.density_from_iw``).
* MeshReFreq ``density(beta=None)``: ``rho = int dw f(w) A(w)``, ``A = -(G - G^dagger)/(2 pi i)``,
  trapezoid rule on the mesh; ``f`` the Fermi function, the step ``theta(-w)`` when beta is None (T = 0).
* MeshLegendre: ``rho = -G(beta)`` from the Legendre series; MeshImTime: ``rho = -G(beta)``.

A scalar-valued Gf gives a complex number, a matrix-valued one a complex matrix.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import positive_float
from ..errors import IncompatibleGfStructError, InvalidParameterError, TailFitWarning, invalid_parameter
from ..meshes import MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq
from .tail import clean_moments, fit_tail

__all__ = ["density"]

_FIT_ERROR_MAX = 1e-2
_FIT_ERROR_WARN = 1e-4
_ZEROTH_MOMENT_MAX = 1e-8
_MIN_MOMENTS = 4  # m_0 .. m_3


def _imfreq(g, known_moments=None):
    from .. import transforms

    known = clean_moments(g, known_moments)
    if known is None:
        known = np.zeros((1,) + g.target_shape, dtype=np.complex128)
    m0 = float(np.max(np.abs(known[0]), initial=0.0))
    if m0 > _ZEROTH_MOMENT_MAX:
        raise InvalidParameterError(
            f"density: known_moments[0] = {m0:.3g}; allowed is a vanishing 0th moment (<= {_ZEROTH_MOMENT_MAX:g}). "
            "Subtract the constant from the Gf first."
        )
    if len(known) >= _MIN_MOMENTS:
        return transforms.density_from_iw(g.data, g.mesh.beta, moments=known)
    moments, error = fit_tail(g, known)
    if error > _FIT_ERROR_MAX:
        raise InvalidParameterError(
            f"density: the tail fit of Gf {g.name!r} has error {error:.3g}; allowed is <= {_FIT_ERROR_MAX:g}. "
            "Treat a constant offset analytically, use a larger n_iw or give known_moments."
        )
    if error > _FIT_ERROR_WARN:
        warnings.warn(
            f"density: the tail fit of Gf {g.name!r} has error {error:.3g} > {_FIT_ERROR_WARN:g}; "
            "treat a constant offset analytically.",
            TailFitWarning,
            stacklevel=4,
        )
    if len(moments) < _MIN_MOMENTS:
        raise InvalidParameterError(
            f"density: the tail fit gave {len(moments)} moments; allowed is at least {_MIN_MOMENTS} (m_0 .. m_3)."
        )
    return transforms.density_from_iw(g.data, g.mesh.beta, moments=moments)


def _refreq(g, beta=None):
    w = g.mesh.values()
    if g.target_rank == 0:
        spectral = -g.data.imag / np.pi
    elif g.target_rank == 2:
        spectral = -(g.data - np.conj(np.swapaxes(g.data, 1, 2))) / (2j * np.pi)
    else:
        raise IncompatibleGfStructError(f"density: target_shape {g.target_shape}; allowed is rank 0 or 2.")
    if beta is None:
        occupation = np.where(w < 0, 1.0, np.where(w == 0, 0.5, 0.0))
    else:
        from scipy.special import expit

        occupation = expit(-positive_float("beta", beta) * w)
    f = occupation.reshape((-1,) + (1,) * g.target_rank) * spectral
    dw = np.diff(w).reshape((-1,) + (1,) * g.target_rank)
    return np.sum(0.5 * (f[1:] + f[:-1]) * dw, axis=0)


def _legendre(g):
    from .. import transforms

    return -transforms.legendre_to_tau(g.data, g.mesh.beta, np.array([g.mesh.beta]))[0]


def _imtime(g):
    return -g.data[-1]


def density(g, *args, **kwargs):
    """Density matrix of ``g``; the arguments depend on the mesh (see the module docstring)."""
    mesh = g.mesh
    if isinstance(mesh, MeshImFreq):
        if mesh.statistic != "Fermion":
            raise invalid_parameter("mesh.statistic", mesh.statistic, "'Fermion' for density")
        rho = _imfreq(g, *args, **kwargs)
    elif isinstance(mesh, MeshReFreq):
        rho = _refreq(g, *args, **kwargs)
    elif isinstance(mesh, MeshLegendre):
        rho = _legendre(g, *args, **kwargs)
    elif isinstance(mesh, MeshImTime):
        rho = _imtime(g, *args, **kwargs)
    else:
        raise invalid_parameter("mesh", mesh, "a MeshImFreq, MeshReFreq, MeshLegendre or MeshImTime")
    rho = np.asarray(rho, dtype=np.complex128)
    return rho.item() if rho.ndim == 0 else rho
