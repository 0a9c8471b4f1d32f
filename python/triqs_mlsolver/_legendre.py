"""Special functions of the Legendre representation (private helpers of layer 3).

* :func:`legendre_p`: ``P_l(x)`` for ``l = 0 .. n_l-1`` by the three-term recurrence.
* :func:`pole_kernel`: Legendre coefficients of one pole ``1/(z - E)``:
  ``G_l = -sqrt(2l+1) t_l(E)`` with ``t_l(E) = beta (-1)^l i_l(a) / (2 cosh a)``, ``a = beta E/2``,
  and ``i_l`` the modified spherical Bessel function of the first kind.
* :func:`matsubara_matrix`: ``T_nl = (-1)^n i^(l+1) sqrt(2l+1) j_l((2n+1) pi/2)`` with ``j_l`` the
  spherical Bessel function, so that ``G(iw_n) = sum_l T_nl G_l``; valid for every integer ``n``
  (``j_l(-k) = (-1)^l j_l(k)``).
* :func:`spherical_jn`: ``j_l(k)``, ``k > 0``, by recurrences (no scipy.special, slow to import).
"""

from __future__ import annotations

import numpy as np

__all__ = ["legendre_p", "pole_kernel", "pole_kernel_sorted", "matsubara_matrix", "spherical_jn"]


def legendre_p(n_l: int, x: np.ndarray) -> np.ndarray:
    """``P_l(x)`` for ``l = 0 .. n_l-1``, shape ``(n_l,) + x.shape``; stable for ``|x| <= 1``."""
    x = np.asarray(x, dtype=float)
    p = np.empty((n_l,) + x.shape)
    p[0] = 1.0
    if n_l > 1:
        p[1] = x
    for l in range(1, n_l - 1):
        p[l + 1] = ((2 * l + 1) * x * p[l] - l * p[l - 1]) / (l + 1)
    return p


def _start_order(n_l: int, a: np.ndarray) -> np.ndarray:
    """Order ``L`` at which the continued fraction of :func:`_sorted_il_over_2cosh` starts, per argument.

    Truncating at ``L`` changes the ratio at order ``l`` by about ``prod_(l<j<=L) (a/2j)^2`` for
    ``j > a`` and ``exp(-(L^2 - l^2)/a)`` for ``j < a`` (asymptotics of ``i_l`` and ``k_l``);
    ``L = sqrt(n_l^2 + 48 a) + 8`` keeps it below ``1e-16`` for every ``l < n_l`` (checked against a
    start at ``n_l + 100 + a + 10 sqrt(a)`` for ``n_l = 10 .. 100``, ``a = 0.1 .. 5000``).
    """
    return np.ceil(np.sqrt(n_l * n_l + 48.0 * a)).astype(np.int64) + 8


def _sorted_il_over_2cosh(n_l: int, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``i_l(a_p) / (2 cosh a_p)`` for ``a >= 0``, shape ``(n_l, len(a))``, columns in the order ``order``
    (decreasing ``a``; returned too); never overflows.

    ``l = 0``: ``tanh(a) / (2a)`` (``1/2`` at ``a = 0``).  Higher orders from the ratios
    ``r_l = i_l / i_(l-1)``, which follow from the recurrence ``i_(l-1) - i_(l+1) = (2l+1)/a i_l``
    as the continued fraction ``r_l = a / (2l + 1 + a r_(l+1))``, evaluated from ``r_(L+1) = 0``
    downwards (every term positive: no cancellation; :func:`_start_order` gives ``L``), then
    ``i_l/(2 cosh a) = tanh(a)/(2a) * r_1 ... r_l``.  All arguments at once: sorted by decreasing
    ``a``, the ones whose ``L`` is at least ``l`` form a prefix.  About 10 ns per argument and
    order (``ive`` of scipy: about 1 us).
    """
    a = np.asarray(a, dtype=float)
    order = np.argsort(-a, kind="stable")
    a = a[order]
    minus_start = -_start_order(n_l, a)  # non-decreasing
    out = np.empty((n_l, a.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        out[0] = np.where(a > 0, np.tanh(a) / (2.0 * a), 0.5)
    r = np.zeros(a.size)
    for l in range(int(-minus_start[0]) if a.size else 0, 0, -1):
        m = int(np.searchsorted(minus_start, -l, side="right"))  # arguments with start >= l
        rm = r[:m]
        np.multiply(a[:m], rm, out=rm)
        rm += 2 * l + 1
        np.divide(a[:m], rm, out=rm)
        if l < n_l:
            out[l] = r
    with np.errstate(under="ignore"):
        for l in range(1, n_l):
            out[l] *= out[l - 1]
    return out, order


def pole_kernel_sorted(n_l: int, beta: float, energies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pole_kernel` with its columns in the order ``order`` (returned too): ``K[:, q]`` is
    the kernel of ``energies[order[q]]``.  Saves the reordering of a large kernel; reorder the
    residues instead."""
    energies = np.asarray(energies, dtype=float)
    kernel, order = _sorted_il_over_2cosh(n_l, 0.5 * beta * np.abs(energies))
    parity = np.where(energies[order] > 0, -1.0, 1.0)  # (-sign E)^l for odd l
    for l in range(n_l):
        kernel[l] *= -beta * np.sqrt(2.0 * l + 1.0)
        if l % 2:
            kernel[l] *= parity
    return kernel, order


def pole_kernel(n_l: int, beta: float, energies: np.ndarray) -> np.ndarray:
    """``K[l, p] = -sqrt(2l+1) t_l(E_p)``: the Legendre coefficients of ``1/(z - E_p)``, shape ``(n_l, P)``.

    With ``a = beta E/2`` and ``i_l(-a) = (-1)^l i_l(a)``:
    ``t_l(E) = beta (-sign(E))^l i_l(|a|) / (2 cosh a)``.
    """
    kernel, order = pole_kernel_sorted(n_l, beta, energies)
    out = np.empty_like(kernel)
    out[:, order] = kernel
    return out


def spherical_jn(n_l: int, k: np.ndarray) -> np.ndarray:
    """``j_l(k)`` for ``l = 0 .. n_l-1``, shape ``k.shape + (n_l,)``, ``k > 0``.

    ``j_(l+1) = (2l+1)/k j_l - j_(l-1)`` upwards from ``j_0 = sin k/k``, ``j_1 = sin k/k^2 - cos k/k`` where
    ``k >= n_l`` (stable while ``l < k``); elsewhere downwards (Miller) from ``l = 2 n_l + 40`` with rescaling
    against overflow, normalized to ``j_0`` or ``j_1``, whichever is larger.
    """
    k = np.asarray(k, dtype=float)
    flat = k.reshape(-1)
    out = np.empty((flat.size, n_l))
    j0, j1 = np.sin(flat) / flat, np.sin(flat) / flat**2 - np.cos(flat) / flat
    up = flat >= n_l
    if up.any():
        x, prev, cur = flat[up], j0[up], j1[up]
        out[up, 0] = prev
        for l in range(1, n_l):
            out[up, l] = cur
            prev, cur = cur, (2 * l + 1) / x * cur - prev
    down = ~up
    if down.any():
        x = flat[down]
        f = np.empty((x.size, n_l))
        nxt, cur = np.zeros_like(x), np.full_like(x, 1e-300)
        for l in range(2 * n_l + 40, 0, -1):  # cur = f_l, nxt = f_(l+1): step to f_(l-1)
            if l < n_l:
                f[:, l] = cur
            nxt, cur = cur, (2 * l + 1) / x * cur - nxt
            big = np.abs(cur) > 1e250
            if big.any():
                cur[big] *= 1e-250
                nxt[big] *= 1e-250
                f[big, max(l - 1, 0):] *= 1e-250
        f[:, 0] = cur
        use0 = np.abs(j0[down]) >= np.abs(j1[down])
        scale = np.where(use0, j0[down] / f[:, 0], j1[down] / f[:, min(1, n_l - 1)] if n_l > 1 else 0.0)
        out[down] = f * scale[:, None]
    return out.reshape(k.shape + (n_l,))


def matsubara_matrix(n: np.ndarray, n_l: int) -> np.ndarray:
    """``T[k, l] = T_{n_k, l}``: ``G(iw_n) = sum_l T_nl G_l`` for fermionic Matsubara indices ``n``.

    ``T_nl = (-1)^n i^(l+1) sqrt(2l+1) j_l(k_n)``, ``k_n = (2n+1) pi/2``; for ``n < 0``,
    ``j_l(k_n) = (-1)^l j_l(|k_n|)``.  Independent of beta.
    """
    n = np.asarray(n, dtype=np.int64)
    l = np.arange(n_l)
    k = (2 * n + 1) * (np.pi / 2)
    j = spherical_jn(n_l, np.abs(k))
    sign_n = np.where(n % 2 == 0, 1.0, -1.0)[:, None]
    parity = np.where(k[:, None] < 0, (-1.0) ** l[None, :], 1.0)
    phase = np.array([1.0, 1j, -1.0, -1j])[(l + 1) % 4]
    return sign_n * parity * phase[None, :] * np.sqrt(2.0 * l + 1.0)[None, :] * j
