"""Special functions of the Legendre representation (private helpers of layer 3).

* :func:`legendre_p`: ``P_l(x)`` for ``l = 0 .. n_l-1`` by the three-term recurrence.
* :func:`pole_kernel`: Legendre coefficients of one pole ``1/(z - E)``:
  ``G_l = -sqrt(2l+1) t_l(E)`` with ``t_l(E) = beta (-1)^l i_l(a) / (2 cosh a)``, ``a = beta E/2``,
  and ``i_l`` the modified spherical Bessel function of the first kind.
* :func:`matsubara_matrix`: ``T_nl = (-1)^n i^(l+1) sqrt(2l+1) j_l((2n+1) pi/2)`` with ``j_l`` the
  spherical Bessel function, so that ``G(iw_n) = sum_l T_nl G_l``; valid for every integer ``n``
  (``j_l(-k) = (-1)^l j_l(k)``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ive, spherical_jn

__all__ = ["legendre_p", "pole_kernel", "matsubara_matrix"]

# Below this |a| the two-term power series of i_l(a)/(2 cosh a) is exact to double precision.
_SERIES_BELOW = 1e-5


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


def _il_over_2cosh(n_l: int, a: np.ndarray) -> np.ndarray:
    """``i_l(a) / (2 cosh a)`` for ``a >= 0``, shape ``(n_l, len(a))``; never overflows.

    Uses the exponentially scaled Bessel function ``ive``:
    ``i_l(a) e^-a = sqrt(pi/(2a)) ive(l+1/2, a)`` and ``2 cosh(a) e^-a = 1 + e^-2a``;
    near ``a = 0`` the series ``i_l(a) = a^l/(2l+1)!! (1 + a^2/(2(2l+3)))``.
    """
    l = np.arange(n_l)[:, None]
    small = a < _SERIES_BELOW
    out = np.empty((n_l, a.size))
    a_big = a[~small]
    out[:, ~small] = np.sqrt(np.pi / (2.0 * a_big)) * ive(l + 0.5, a_big) / (1.0 + np.exp(-2.0 * a_big))
    a_small = a[small]
    double_factorial = np.cumprod(2.0 * l + 1.0, axis=0)  # (2l+1)!!
    with np.errstate(under="ignore"):
        series = a_small**l / double_factorial * (1.0 + a_small**2 / (2.0 * (2.0 * l + 3.0)))
    out[:, small] = series / (2.0 * (1.0 + 0.5 * a_small**2))
    return out


def pole_kernel(n_l: int, beta: float, energies: np.ndarray) -> np.ndarray:
    """``K[l, p] = -sqrt(2l+1) t_l(E_p)``: the Legendre coefficients of ``1/(z - E_p)``, shape ``(n_l, P)``.

    With ``a = beta E/2`` and ``i_l(-a) = (-1)^l i_l(a)``:
    ``t_l(E) = beta (-sign(E))^l i_l(|a|) / (2 cosh a)``.
    """
    energies = np.asarray(energies, dtype=float)
    a = 0.5 * beta * energies
    l = np.arange(n_l)[:, None]
    parity = np.where(energies[None, :] > 0, (-1.0) ** l, 1.0)
    return -np.sqrt(2.0 * l + 1.0) * beta * parity * _il_over_2cosh(n_l, np.abs(a))


def matsubara_matrix(n: np.ndarray, n_l: int) -> np.ndarray:
    """``T[k, l] = T_{n_k, l}``: ``G(iw_n) = sum_l T_nl G_l`` for fermionic Matsubara indices ``n``.

    ``T_nl = (-1)^n i^(l+1) sqrt(2l+1) j_l(k_n)``, ``k_n = (2n+1) pi/2``; for ``n < 0``,
    ``j_l(k_n) = (-1)^l j_l(|k_n|)``.  Independent of beta.
    """
    n = np.asarray(n, dtype=np.int64)
    l = np.arange(n_l)
    k = (2 * n + 1) * (np.pi / 2)
    j = spherical_jn(l[None, :], np.abs(k)[:, None])
    sign_n = np.where(n % 2 == 0, 1.0, -1.0)[:, None]
    parity = np.where(k[:, None] < 0, (-1.0) ** l[None, :], 1.0)
    phase = np.array([1.0, 1j, -1.0, -1j])[(l + 1) % 4]
    return sign_n * parity * phase[None, :] * np.sqrt(2.0 * l + 1.0)[None, :] * j
