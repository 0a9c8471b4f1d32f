"""Observables of a converged single-orbital DMFT solution, from Matsubara and imaginary-time data.

All functions take plain numpy arrays of one spin component (a paramagnetic solution has equal
spins) on the full fermionic mesh ``iw_n = i (2n+1) pi / beta``, ``n = -n_iw .. n_iw-1``
(data index ``n_iw`` is ``w_0 = pi / beta``), or on the uniform imaginary-time grid with both
``tau = 0`` and ``tau = beta``.

* Quasiparticle weight, the usual finite-temperature estimate from the lowest frequency,

      Z = 1 / (1 - Im Sigma(i w_0) / w_0),

  which tends to ``(1 - d Re Sigma(w)/dw |_0)^-1`` as ``T -> 0`` in a Fermi liquid, equals 1 without
  interaction and goes to 0 in the Mott insulator (``Im Sigma(i w_0) ~ -1/w_0``).
* Spectral weight at the Fermi level,

      A_F = -beta G(beta/2) / pi = (1/pi) int dw A(w) (beta/2) / cosh(beta w / 2),

  a thermal average of ``A(w)`` over a window of width ``~ T`` around ``w = 0``: it tends to
  ``A(0)`` as ``T -> 0`` (``2/(pi D)`` for the semicircle of half bandwidth ``D``) and to 0 in a gap.
* Double occupancy from the Galitskii-Migdal form of the interaction energy,

      U <n_up n_dn> = (1/2) sum_s T sum_n Sigma_s(iw_n) G_s(iw_n) e^{iw_n 0+},

  for ``h_int = U n_up n_dn``.  The Hartree part is summed exactly,
  ``T sum_n Sigma_0 G(iw_n) e^{iw_n 0+} = Sigma_0 n``, and the rest, ``(Sigma - Sigma_0) G ~ Sigma_1/(iw)^2``,
  with its fitted tail (:func:`~triqs_mlsolver.transforms.density_from_iw`); ``Sigma_0`` is the
  constant of the fitted tail of ``Sigma``.  At ``U = 0`` it is ``n_up n_dn``.
"""

from __future__ import annotations

import numpy as np

from .._validation import finite_float, positive_float
from ..errors import invalid_parameter
from ..transforms import density_from_iw, fit_tail, matsubara_freqs

__all__ = ["quasiparticle_weight", "spectral_weight_at_fermi_level", "double_occupancy"]


def _full_mesh(name: str, values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=complex)
    if arr.ndim != 1 or arr.shape[0] < 2 or arr.shape[0] % 2:
        raise invalid_parameter(
            name, f"array of shape {arr.shape}", "a 1-d array on the full fermionic mesh, length 2*n_iw"
        )
    return arr


def quasiparticle_weight(sigma_iw: np.ndarray, beta: float) -> float:
    """``Z = 1 / (1 - Im Sigma(i w_0) / w_0)`` with ``w_0 = pi / beta`` (``sigma_iw`` on the full mesh)."""
    beta = positive_float("beta", beta)
    sigma = _full_mesh("sigma_iw", sigma_iw)
    w0 = np.pi / beta
    return float(1.0 / (1.0 - sigma[sigma.shape[0] // 2].imag / w0))


def spectral_weight_at_fermi_level(g_tau: np.ndarray, beta: float) -> float:
    """``-beta G(beta/2) / pi`` from ``G(tau)`` on the uniform grid (linear interpolation if ``beta/2`` is not a point)."""
    beta = positive_float("beta", beta)
    g = np.asarray(g_tau)
    if g.ndim != 1 or g.shape[0] < 2:
        raise invalid_parameter("g_tau", f"array of shape {g.shape}", "a 1-d array on the tau grid (n_tau >= 2)")
    tau = np.linspace(0.0, beta, g.shape[0])
    g_half = np.interp(0.5 * beta, tau, g.real)
    return float(-beta * g_half / np.pi)


def double_occupancy(sigma_iw: np.ndarray, g_iw: np.ndarray, beta: float, U: float, density: float) -> float:
    """``<n_up n_dn>`` of a paramagnetic solution with ``h_int = U n_up n_dn`` (Galitskii-Migdal, see the module).

    ``density`` is the occupation ``n`` of one spin; at ``U = 0`` the result is ``n^2``.
    """
    beta = positive_float("beta", beta)
    U = finite_float("U", U)
    n = finite_float("density", density)
    sigma = _full_mesh("sigma_iw", sigma_iw)
    g = _full_mesh("g_iw", g_iw)
    if sigma.shape != g.shape:
        raise invalid_parameter("g_iw", f"array of shape {g.shape}", f"the shape of sigma_iw {sigma.shape}")
    if U == 0.0:
        return n * n
    iw = matsubara_freqs(beta, g.shape[0] // 2)
    sigma0 = fit_tail(sigma, iw)[0][0].real
    rest = (sigma - sigma0) * g  # ~ Sigma_1 / (iw)^2: no 1/(iw) term
    interaction = sigma0 * n + density_from_iw(rest, beta, moments=np.zeros((2,))).real
    return float(interaction / U)
