"""Dyson equation, local levels and high-frequency bookkeeping shared by the solvers.

With ``G0^-1(iw) = iw - eps - Delta(iw)`` (``Delta ~ Delta_1/(iw)``) and a self-energy with
moments ``Sigma ~ Sigma_0 + Sigma_1/(iw)``, the impurity ``G = (G0^-1 - Sigma)^-1`` has

    G(iw) = 1/(iw) + h/(iw)^2 + (h^2 + Delta_1 + Sigma_1)/(iw)^3 + ...,   h = eps + Sigma_0,

which :func:`g_moments` assembles; the Fourier and Legendre outputs use these moments so
that no tail has to be guessed from noisy data.  All functions take dicts
``block -> array (..., n, n)`` on the full fermionic Matsubara mesh.
"""

from __future__ import annotations

import numpy as np

from ..operators import Terms
from ..transforms import density_from_iw, fit_tail, iw_to_legendre, iw_to_tau

__all__ = [
    "invert",
    "weiss_levels",
    "hybridization",
    "sigma_from_dyson",
    "g_from_dyson",
    "g_moments",
    "imaginary_time_outputs",
    "densities",
    "hartree_fock_sigma",
    "stitch_sigma_tail",
]


def invert(blocks: dict) -> dict:
    """Matrix inverse at every mesh point of every block."""
    return {name: np.linalg.inv(g) for name, g in blocks.items()}


def _eye_like(g: np.ndarray) -> np.ndarray:
    return np.eye(g.shape[-1])[None]


def weiss_levels(g0_iw: dict, iw: np.ndarray) -> tuple[dict, dict]:
    """Local levels ``eps`` and hybridization weight ``Delta_1`` from the tail of ``iw - G0^-1(iw)``.

    ``iw - G0^-1 = eps + Delta_1/(iw) + O(1/(iw)^2)``; ``eps`` is made exactly hermitian.
    """
    levels, weights = {}, {}
    for name, g0 in g0_iw.items():
        d = iw[:, None, None] * _eye_like(g0) - np.linalg.inv(g0)
        moments, _ = fit_tail(d, iw)
        eps = moments[0]
        levels[name] = 0.5 * (eps + eps.conj().T)
        delta1 = moments[1]
        weights[name] = 0.5 * (delta1 + delta1.conj().T)
    return levels, weights


def hybridization(g0_iw: dict, iw: np.ndarray, levels: dict) -> dict:
    """``Delta(iw) = iw - eps - G0^-1(iw)`` for each block."""
    return {
        name: iw[:, None, None] * _eye_like(g0) - levels[name][None] - np.linalg.inv(g0) for name, g0 in g0_iw.items()
    }


def sigma_from_dyson(g0_iw: dict, g_iw: dict) -> dict:
    """``Sigma = G0^-1 - G^-1``."""
    return {name: np.linalg.inv(g0_iw[name]) - np.linalg.inv(g_iw[name]) for name in g0_iw}


def g_from_dyson(g0_iw: dict, sigma_iw: dict) -> dict:
    """``G = (G0^-1 - Sigma)^-1``."""
    return {name: np.linalg.inv(np.linalg.inv(g0_iw[name]) - sigma_iw[name]) for name in g0_iw}


def g_moments(levels: dict, delta1: dict, sigma0: dict, sigma1: dict) -> dict:
    """Moments ``[0, 1, h, h^2 + Delta_1 + Sigma_1]`` of ``G`` per block (``h = eps + Sigma_0``)."""
    out = {}
    for name, eps in levels.items():
        h = eps + sigma0[name]
        one = np.eye(eps.shape[0], dtype=complex)
        out[name] = np.stack([np.zeros_like(one), one, h, h @ h + delta1[name] + sigma1[name]])
    return out


def imaginary_time_outputs(g_iw: dict, beta: float, n_tau: int, n_l: int, moments: dict) -> tuple[dict, dict]:
    """``G(tau)`` on ``n_tau`` points and ``G_l`` (``n_l`` coefficients) from ``G(iw)`` with known moments."""
    g_tau = {name: iw_to_tau(g, beta, n_tau, moments=moments[name]) for name, g in g_iw.items()}
    g_l = {name: iw_to_legendre(g, beta, n_l, moments=moments[name]) for name, g in g_iw.items()}
    return g_tau, g_l


def densities(g_iw: dict, beta: float, moments: dict) -> dict:
    """Density matrices ``rho_ij = <c+_j c_i>`` from ``G(iw)`` with known moments."""
    return {name: density_from_iw(g, beta, moments=moments[name]) for name, g in g_iw.items()}


def hartree_fock_sigma(h_int: Terms, density: np.ndarray) -> np.ndarray:
    """Static (Hartree-Fock) self-energy ``Sigma_0`` on the flat impurity spin-orbitals.

    For a term ``x c+_a c+_b c_c c_d`` Wick's theorem gives
    ``Sigma_ad += x rho_cb``, ``Sigma_bc += x rho_da``, ``Sigma_ac -= x rho_db``, ``Sigma_bd -= x rho_ca``
    with ``rho_ij = <c+_j c_i>``; quadratic terms ``x c+_a c_b`` of ``h_int`` add ``x`` to ``Sigma_ab``.
    This is the exact ``1/(iw)^0`` moment of the self-energy.
    """
    n = h_int.n_orbitals
    sigma = np.zeros((n, n), dtype=complex)
    for coef, mono in h_int:
        if len(mono) == 2:
            (da, a), (db, b) = mono
            if da and not db:
                sigma[a, b] += coef
        elif len(mono) == 4:
            (_, a), (_, b), (_, c), (_, d) = mono
            sigma[a, d] += coef * density[c, b]
            sigma[b, c] += coef * density[d, a]
            sigma[a, c] -= coef * density[d, b]
            sigma[b, d] -= coef * density[c, a]
    return sigma


def stitch_sigma_tail(sigma_iw: np.ndarray, iw: np.ndarray, moments: np.ndarray, w_match: float) -> np.ndarray:
    """Replace ``Sigma(iw)`` above ``|w| = w_match`` by its moment expansion, blended smoothly.

    ``moments[k]`` multiplies ``1/(iw)^k``; the blend is a cosine ramp over ``[w_match, 1.5 w_match]``,
    so the returned self-energy has the exact high-frequency behaviour and no kink.
    """
    w = np.abs(iw.imag)
    tail = sum(m[None] / iw[:, None, None] ** k for k, m in enumerate(moments))
    x = np.clip((w - w_match) / (0.5 * w_match), 0.0, 1.0)
    blend = (0.5 - 0.5 * np.cos(np.pi * x))[:, None, None]
    return (1.0 - blend) * sigma_iw + blend * tail
