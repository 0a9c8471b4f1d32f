"""Quadrature of functions sampled on the uniform imaginary-time grid (private helper of layer 3).

``G`` is known on ``tau_k = k h``, ``h = beta/N``, ``k = 0 .. N``.  The grid is cut into panels of
``p = min(8, N)`` intervals; on each panel ``G`` is replaced by the degree-``p`` polynomial through
the ``p+1`` grid points of the panel (a shorter last panel uses the last ``p+1`` points).  Integrals
of that piecewise polynomial against ``P_l(2 tau/beta - 1)`` or ``e^{i w_n tau}`` are then done
exactly, so the only error is the local interpolation error ``O(h^(p+1) max|G^(p+1)|)``; polynomials
of degree ``<= p`` (the tail model included) are integrated exactly.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from numpy.polynomial import polynomial as npoly

from ._legendre import legendre_p

__all__ = ["DEGREE", "legendre_weights", "fourier_integral"]

DEGREE = 8
# Gauss-Legendre is used for the Fourier weights while the phase over a panel is below this
# (radians); beyond it the exact moments of u^j e^{i phi u} are summed by a stable recursion.
_GAUSS_MAX_PHASE = 100.0
# Bound on the size (number of float64) of temporary arrays of Legendre values.
_CHUNK_ELEMENTS = 2_000_000


class _Panels(NamedTuple):
    """Panel layout of ``n_intervals`` grid intervals."""

    degree: int  # p
    n_regular: int  # M panels [i p, (i+1) p], stencil starting at i p
    tail_start: int  # first interval of the short last panel (== M p); == n_intervals if none
    tail_stencil: int  # first grid point of the last panel's stencil (n_intervals - p)


def _panels(n_intervals: int) -> _Panels:
    p = min(DEGREE, n_intervals)
    m = n_intervals // p
    return _Panels(p, m, m * p, n_intervals - p)


def _lagrange_values(p: int, s: np.ndarray) -> np.ndarray:
    """``L[q, k] = L_k(s_q)``: Lagrange basis on the nodes ``0 .. p`` (product formula); shape ``(len(s), p+1)``."""
    nodes = np.arange(p + 1, dtype=float)
    diff = s[:, None] - nodes[None, :]
    out = np.empty((s.size, p + 1))
    for k in range(p + 1):
        others = np.delete(np.arange(p + 1), k)
        out[:, k] = np.prod(diff[:, others], axis=1) / np.prod(k - nodes[others])
    return out


def _lagrange_coefficients(p: int) -> list[np.ndarray]:
    """Power-series coefficients (increasing order) of each Lagrange basis polynomial ``L_k(s)`` on ``0 .. p``."""
    coefs = []
    for k in range(p + 1):
        others = [m for m in range(p + 1) if m != k]
        coefs.append(npoly.polyfromroots(others) / math.prod(k - m for m in others))
    return coefs


@functools.lru_cache(maxsize=8)
def legendre_weights(n_tau: int, n_l: int) -> np.ndarray:
    """``W[l, k]`` such that ``sqrt(2l+1) int_{-1}^{1} P_l(x) G dx = W @ g`` on ``x_k = -1 + 2k/(n_tau-1)``.

    Hence ``G_l = (beta/2) W @ g``.  Exact for the piecewise polynomial interpolant (Gauss-Legendre
    with ``ceil((p + n_l)/2)`` nodes per panel).  Read-only, cached by ``(n_tau, n_l)``.
    """
    n = n_tau - 1
    layout = _panels(n)
    p, m = layout.degree, layout.n_regular
    hx = 2.0 / n
    gx, gw = np.polynomial.legendre.leggauss(max(1, math.ceil((p + n_l) / 2)))
    norm = np.sqrt(2.0 * np.arange(n_l) + 1.0)[:, None]
    weights = np.zeros((n_l, n_tau))

    s_nodes = 0.5 * p * (gx + 1.0)
    lag = _lagrange_values(p, s_nodes) * (0.5 * p * hx * gw)[:, None]  # (q, p+1), quadrature weights folded in
    chunk = max(1, _CHUNK_ELEMENTS // (n_l * gx.size))
    for i0 in range(0, m, chunk):
        i1 = min(m, i0 + chunk)
        x = -1.0 + hx * (p * np.arange(i0, i1)[:, None] + s_nodes[None, :])
        per_panel = np.einsum("liq,qk->lik", legendre_p(n_l, x), lag)
        for k in range(p + 1):
            weights[:, i0 * p + k : (i1 - 1) * p + k + 1 : p] += per_panel[:, :, k]

    if layout.tail_start < n:
        a, t0 = layout.tail_start - layout.tail_stencil, layout.tail_stencil
        s_nodes = a + 0.5 * (p - a) * (gx + 1.0)
        lag = _lagrange_values(p, s_nodes) * (0.5 * (p - a) * hx * gw)[:, None]
        x = -1.0 + hx * (t0 + s_nodes)
        weights[:, t0 : t0 + p + 1] += legendre_p(n_l, x) @ lag
    weights *= norm
    weights.setflags(write=False)
    return weights


def _filon_weights(theta: np.ndarray, a: float, p: int) -> np.ndarray:
    """``F[n, k] = int_a^p e^{i theta_n s} L_k(s) ds`` (Lagrange basis on ``0 .. p``); shape ``(len(theta), p+1)``."""
    d = p - a
    out = np.empty((theta.size, p + 1), dtype=complex)
    small = np.abs(theta) * d <= _GAUSS_MAX_PHASE
    if np.any(small):
        gx, gw = np.polynomial.legendre.leggauss(p + 24 + math.ceil(0.7 * d * np.abs(theta[small]).max()))
        s = a + 0.5 * d * (gx + 1.0)
        phase = np.exp(1j * theta[small, None] * s[None, :]) * (0.5 * d * gw)[None, :]
        out[small] = phase @ _lagrange_values(p, s)
    if not np.all(small):
        # L_k(a + d u) = sum_j C[j, k] u^j  and  I_j = int_0^1 u^j e^{i phi u} du = (e^{i phi} - j I_{j-1}) / (i phi),
        # a recursion that is stable for |phi| > p.
        coef = np.zeros((p + 1, p + 1))
        for k, c in enumerate(_lagrange_coefficients(p)):
            composed = np.polynomial.Polynomial(c)(np.polynomial.Polynomial([a, d])).coef
            coef[: composed.size, k] = composed
        phi = theta[~small] * d
        e = np.exp(1j * phi)
        moments = np.empty((phi.size, p + 1), dtype=complex)
        moments[:, 0] = (e - 1.0) / (1j * phi)
        for j in range(1, p + 1):
            moments[:, j] = (e - j * moments[:, j - 1]) / (1j * phi)
        out[~small] = (d * np.exp(1j * theta[~small] * a))[:, None] * (moments @ coef)
    return out


@functools.lru_cache(maxsize=16)
def _filon_table(n_int: int, n_first: int, n_count: int, a: float, p: int) -> np.ndarray:
    """:func:`_filon_weights` for the contiguous fermionic indices ``n_first .. n_first + n_count - 1`` (cached)."""
    n = np.arange(n_first, n_first + n_count)
    table = _filon_weights(np.pi * (2 * n + 1) / n_int, a, p)
    table.setflags(write=False)
    return table


def fourier_integral(g: np.ndarray, beta: float, n: np.ndarray) -> np.ndarray:
    """``int_0^beta e^{i w_n tau} G(tau) dtau`` for fermionic indices ``n``; ``g`` of shape ``(N+1, T)``.

    With ``F_k(theta) = int_0^p e^{i theta s} L_k(s) ds`` and ``theta_n = w_n h``, a regular panel ``i``
    contributes ``h e^{i w_n tau_(ip)} sum_k F_k(theta_n) g_(ip+k)``; for each ``k`` the sum over panels
    ``sum_i e^{i pi (2n+1) ip/N} g_(ip+k)`` is one length-``N`` FFT for all frequencies.
    """
    n_int = g.shape[0] - 1
    layout = _panels(n_int)
    p, m = layout.degree, layout.n_regular
    h = beta / n_int
    theta = np.pi * (2 * n + 1) / n_int  # w_n h
    out = np.zeros((n.size, g.shape[1]), dtype=complex)
    contiguous = n.size > 0 and np.array_equal(n, np.arange(n[0], n[0] + n.size))
    filon_table = (lambda a: _filon_table(n_int, int(n[0]), n.size, a, p)) if contiguous else (
        lambda a: _filon_weights(theta, a, p))
    filon = filon_table(0.0)
    shift = np.exp(1j * np.pi * np.arange(0, m * p, p) / n_int)[:, None]
    rows = np.mod(n, n_int)
    for k in range(p + 1):
        b = np.zeros((n_int, g.shape[1]), dtype=complex)
        b[0 : m * p : p] = shift * g[k : k + m * p : p]
        out += filon[:, k, None] * (n_int * np.fft.ifft(b, axis=0))[rows]
    if layout.tail_start < n_int:
        t0 = layout.tail_stencil
        filon = filon_table(float(layout.tail_start - t0))
        out += np.exp(1j * theta * t0)[:, None] * (filon @ g[t0 : t0 + p + 1])
    return h * out
