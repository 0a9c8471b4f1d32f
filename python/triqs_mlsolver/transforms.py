"""Fourier and Legendre transforms of Green's functions (numpy arrays in, numpy arrays out).

Conventions (identical to TRIQS; see ``doc/conventions.md``):

* Matsubara data on the full fermionic mesh: shape ``(2 n_iw,) + target``, data index ``d`` holds
  ``iw_n = i (2n+1) pi/beta`` with ``n = d - n_iw``.
* ``G(tau)`` on ``tau_k = k beta/(n_tau-1)``, ``k = 0 .. n_tau-1``: both ``0+`` and ``beta-``.
* ``G(iw_n) = int_0^beta e^{i w_n tau} G(tau) dtau``,  ``G(tau) = (1/beta) sum_n e^{-i w_n tau} G(iw_n)``.
* ``G_l = sqrt(2l+1) int_0^beta P_l(2tau/beta - 1) G(tau) dtau``,  ``G(tau) = sum_l sqrt(2l+1)/beta P_l G_l``.
* Moments: ``m[k]`` multiplies ``1/(iw)^k``; shape ``(k_max+1,) + target``.  The tail terms have the
  exact imaginary-time transforms ``1/(iw) -> -1/2``, ``1/(iw)^2 -> (2 tau - beta)/4`` and
  ``1/(iw)^3 -> tau (beta - tau)/4``, ``1/(iw)^4 -> beta^3/48 - beta tau^2/8 + tau^3/12`` (``0 < tau < beta``),
  while a constant ``m[0]`` is ``m[0] delta(tau)``.

The target axes are arbitrary (``()`` for scalar, ``(n, n)`` for matrix-valued functions).
Energies are in the user's units and ``beta`` in inverse units.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from . import _legendre, _quadrature
from ._validation import finite_array, int_in_range, positive_float
from .errors import TailFitWarning, invalid_parameter
from .meshes import MeshImFreq, MeshImTime, normalize_statistic

__all__ = [
    "matsubara_freqs",
    "tau_grid",
    "fit_tail",
    "iw_to_tau",
    "tau_to_iw",
    "tau_to_legendre",
    "legendre_to_tau",
    "legendre_to_iw",
    "iw_to_legendre",
    "density_from_iw",
]

TAIL_ORDER = 4
"""Highest order of the tail model subtracted before Fourier sums (TRIQS uses the same)."""
FIT_WARNING_THRESHOLD = 1e-4
"""A tail fit done inside a transform warns (``TailFitWarning``) when its error exceeds this."""
TAIL_FRACTION = 0.2
"""Default fraction of the positive (and negative) frequency range used by tail fits."""
N_TAIL_MAX = 30
"""Default maximum number of points per side used by tail fits."""
FIT_MAX_MOMENT = 6
"""Default highest order fitted by :func:`fit_tail` (the extra orders absorb the curvature of the
window and make the orders up to 3 accurate)."""


# -- meshes --------------------------------------------------------------------------------------
def matsubara_freqs(beta: float, n_iw: int, statistic: str = "Fermion") -> np.ndarray:
    """The complex frequencies ``iw_n`` of the full mesh in data order (index 0 is the most negative)."""
    return MeshImFreq(beta, normalize_statistic(statistic), n_iw).values()


def tau_grid(beta: float, n_tau: int) -> np.ndarray:
    """``tau_k = k beta/(n_tau-1)``, ``k = 0 .. n_tau-1`` (both 0 and beta included)."""
    return MeshImTime(beta, "Fermion", n_tau).values()


# -- validation helpers --------------------------------------------------------------------------
def _data(name: str, value: object, min_len: int = 1) -> np.ndarray:
    arr = finite_array(name, value)
    if arr.dtype.kind not in "iufc" or arr.ndim < 1 or arr.shape[0] < min_len:
        raise invalid_parameter(
            name, f"array of shape {arr.shape}, dtype {arr.dtype}", f"a numeric array with shape[0] >= {min_len}"
        )
    return arr


def _full_mesh(name: str, value: object) -> np.ndarray:
    arr = _data(name, value, 2)
    if arr.shape[0] % 2:
        raise invalid_parameter(
            name, f"array of shape {arr.shape}", "an even first axis 2*n_iw (full fermionic mesh n = -n_iw .. n_iw-1)"
        )
    return arr.astype(complex)


def _identity(target: tuple[int, ...]) -> np.ndarray:
    if target == ():
        return np.ones(())
    if len(target) >= 2 and target[-1] == target[-2]:
        return np.broadcast_to(np.eye(target[-1]), target).copy()
    raise invalid_parameter(
        "g_iw",
        f"array with target shape {target}",
        "a scalar () or square (..., n, n) target when m1 = identity is assumed (else pass moments)",
    )


def _moments(name: str, value: object, target: tuple[int, ...]) -> np.ndarray:
    m = _data(name, value).astype(complex)
    if m.shape[1:] != target:
        raise invalid_parameter(name, f"array of shape {m.shape}", f"shape (k_max+1,) + {target} (the target shape)")
    return m


def _powers(iw: np.ndarray, orders: np.ndarray, target_ndim: int) -> np.ndarray:
    """``1/(iw)^k`` of shape ``(len(iw), len(orders)) + (1,)*target_ndim``."""
    p = (1.0 / iw[:, None]) ** orders[None, :]
    return p.reshape(p.shape + (1,) * target_ndim)


def _tail_tau(m: np.ndarray, beta: float, tau: np.ndarray) -> np.ndarray:
    """The tail model in imaginary time, ``sum_{k=1}^{4} m_k phi_k(tau)``.

    ``phi_1 = -1/2``, ``phi_2 = (2 tau - beta)/4``, ``phi_3 = tau (beta - tau)/4``,
    ``phi_4 = beta^3/48 - beta tau^2/8 + tau^3/12`` (``0 <= tau <= beta``).
    """
    s = tau / beta
    phi4 = beta**3 / 48.0 * (2.0 * s - 1.0) * (2.0 * s * s - 2.0 * s - 1.0)  # factorised: exact at 0 and beta
    phi = np.stack([np.full_like(tau, -0.5), (2.0 * tau - beta) / 4.0, tau * (beta - tau) / 4.0, phi4], axis=1)
    k = min(m.shape[0] - 1, TAIL_ORDER)
    return np.tensordot(phi[:, :k], m[1 : k + 1], axes=(1, 0))


# -- tail fit ------------------------------------------------------------------------------------
def _fit_indices(w: np.ndarray, tail_fraction: float, n_tail_max: int) -> np.ndarray:
    """Indices of the outer ``tail_fraction`` of ``|w|`` on each side (at most ``n_tail_max`` each, evenly spaced)."""
    w_max = np.abs(w).max()
    chosen = []
    for side in (w > 0, w < 0):
        idx = np.flatnonzero(side & (np.abs(w) >= (1.0 - tail_fraction) * w_max))
        if idx.size > n_tail_max:
            pick = np.round(np.linspace(0, idx.size - 1, n_tail_max)).astype(int)  # ascending: drop repeats
            idx = idx[pick[np.concatenate(([True], pick[1:] != pick[:-1]))]]
        chosen.append(idx)
    return np.concatenate(chosen)


def fit_tail(
    g_iw: np.ndarray,
    iw: np.ndarray,
    known_moments: np.ndarray | None = None,
    max_moment: int = FIT_MAX_MOMENT,
    tail_fraction: float = TAIL_FRACTION,
    n_tail_max: int = N_TAIL_MAX,
) -> tuple[np.ndarray, float]:
    """Least-squares fit of ``G(iw) ~ sum_{k=0}^{max_moment} m_k/(iw)^k`` on the high-frequency ends of the mesh.

    The fit uses the points with ``|w| >= (1 - tail_fraction) max|w|`` on each side of the mesh (at most
    ``n_tail_max`` per side, evenly spaced); the ``K`` orders of ``known_moments`` (shape ``(K,) + target``)
    are fixed and orders ``K .. max_moment`` are fitted (columns scaled by ``w_max^k`` for conditioning).

    Returns
    -------
    moments : complex array, shape ``(max(K, max_moment+1),) + target``
    error : float
        ``max |G - tail|`` over the fitted points (all target elements).
    """
    g = _data("g_iw", g_iw).astype(complex)
    iw = np.asarray(_data("iw", iw), dtype=complex).reshape(-1)
    if iw.shape[0] != g.shape[0]:
        raise invalid_parameter("iw", f"array of length {iw.shape[0]}", f"length g_iw.shape[0] = {g.shape[0]}")
    if np.any(np.abs(iw.real) > 1e-12 * np.abs(iw.imag)) or not np.abs(iw.imag).max() > 0:
        raise invalid_parameter("iw", "array with nonzero real parts (or all zero)", "imaginary frequencies i w_n")
    max_moment = int_in_range("max_moment", max_moment, 0)
    tail_fraction = positive_float("tail_fraction", tail_fraction)
    if tail_fraction > 1.0:
        raise invalid_parameter("tail_fraction", tail_fraction, "0 < tail_fraction <= 1")
    n_tail_max = int_in_range("n_tail_max", n_tail_max, 1)
    target = g.shape[1:]
    if known_moments is None:
        known = np.zeros((0,) + target, dtype=complex)
    else:
        known = _moments("known_moments", known_moments, target)

    idx = _fit_indices(iw.imag, tail_fraction, n_tail_max)
    z, data = iw[idx], g[idx]
    n_known = known.shape[0]
    residual = data - np.sum(_powers(z, np.arange(n_known), len(target)) * known[None], axis=1)
    n_fit = max_moment + 1 - n_known
    if n_fit <= 0:
        return known, float(np.abs(residual).max())
    if idx.size < n_fit:
        raise invalid_parameter(
            "max_moment", max_moment, f"at most {idx.size + n_known - 1} for the {idx.size} points in the fit window"
        )
    orders = np.arange(n_known, max_moment + 1)
    scale = np.abs(z.imag).max()
    design = (scale / z[:, None]) ** orders[None, :]
    coef, *_ = np.linalg.lstsq(design, residual.reshape(idx.size, -1), rcond=None)
    fitted = coef * (scale ** orders.astype(float))[:, None]
    error = float(np.abs(residual.reshape(idx.size, -1) - design @ coef).max())
    return np.concatenate([known, fitted.reshape((n_fit,) + target)]), error


def _tail_moments(g: np.ndarray, iw: np.ndarray, moments: object) -> np.ndarray:
    """Moments of orders 0..4: the known ones, the rest fitted (default known: ``m0 = 0``, ``m1 = identity``)."""
    target = g.shape[1:]
    if moments is None:
        known = np.stack([np.zeros(target), _identity(target)]).astype(complex)
    else:
        known = _moments("moments", moments, target)
    n_known = known.shape[0]
    if n_known > TAIL_ORDER:
        return known[: TAIL_ORDER + 1]
    n_points = _fit_indices(iw.imag, TAIL_FRACTION, N_TAIL_MAX).size
    fitted, error = fit_tail(g, iw, known_moments=known, max_moment=min(FIT_MAX_MOMENT, n_known - 1 + n_points))
    if error > FIT_WARNING_THRESHOLD:
        warnings.warn(
            f"high-frequency tail fit error {error:.2e} exceeds {FIT_WARNING_THRESHOLD:.0e}: the transform of the tail "
            "may be inaccurate (give the known moments, or use more Matsubara frequencies).",
            TailFitWarning,
            stacklevel=3,
        )
    missing = max(0, TAIL_ORDER + 1 - fitted.shape[0])
    return np.concatenate([fitted, np.zeros((missing,) + target, dtype=complex)])[: TAIL_ORDER + 1]


def _remainder(g: np.ndarray, iw: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``G(iw) - sum_{k=0}^{4} m_k/(iw)^k``, flattened to ``(len(iw), T)``."""
    target_ndim = g.ndim - 1
    model = np.sum(_powers(iw, np.arange(m.shape[0]), target_ndim) * m[None], axis=1)
    return (g - model).reshape(g.shape[0], -1)


def _fermionic_mesh(beta: float, n_iw: int) -> tuple[np.ndarray, np.ndarray]:
    """Matsubara indices ``n = -n_iw .. n_iw-1`` and frequencies ``iw_n`` in data order."""
    n = np.arange(-n_iw, n_iw)
    return n, 1j * np.pi * (2 * n + 1) / beta


# -- Matsubara <-> imaginary time ----------------------------------------------------------------
def iw_to_tau(g_iw: np.ndarray, beta: float, n_tau: int, moments: np.ndarray | None = None) -> np.ndarray:
    """``G(tau_k) = (1/beta) sum_n e^{-i w_n tau_k} G(iw_n)`` on ``n_tau`` points, with the tail treated exactly.

    The tail model ``sum_{k<=4} m_k/(iw)^k`` (``moments``; orders not given are fitted, and the default is
    ``m0 = 0``, ``m1 = identity``) is subtracted, the remainder is summed over the mesh with one FFT of length
    ``n_tau - 1`` (exact Matsubara sum, frequencies folded if the grid is coarse), and the model's exact
    transform is added back; ``tau = 0`` and ``beta`` give ``G(0+)`` and ``G(beta-)``.  The error is the
    truncated sum of the remainder ``~ |m_5| / (4 pi w_max^4)``.  ``m_0`` (a ``delta(tau)``) is left out.

    Returns a complex array of shape ``(n_tau,) + target``.
    """
    beta = positive_float("beta", beta)
    n_tau = int_in_range("n_tau", n_tau, 2)
    g = _full_mesh("g_iw", g_iw)
    n, iw = _fermionic_mesh(beta, g.shape[0] // 2)
    m = _tail_moments(g, iw, moments)
    rest = _remainder(g, iw, m)
    n_int = n_tau - 1
    folded = np.zeros((n_int, rest.shape[1]), dtype=complex)
    np.add.at(folded, np.mod(n, n_int), rest)
    spectrum = np.fft.fft(folded, axis=0)
    out = np.empty((n_tau, rest.shape[1]), dtype=complex)
    out[:n_int] = np.exp(-1j * np.pi * np.arange(n_int) / n_int)[:, None] * spectrum / beta
    out[n_int] = -spectrum[0] / beta
    tau = tau_grid(beta, n_tau)
    return out.reshape((n_tau,) + g.shape[1:]) + _tail_tau(m, beta, tau)


def tau_to_iw(g_tau: np.ndarray, beta: float, n_iw: int, moments: np.ndarray | None = None) -> np.ndarray:
    """``G(iw_n) = int_0^beta e^{i w_n tau} G(tau) dtau`` on the full mesh of ``n_iw`` positive frequencies.

    The integral is done exactly for the piecewise degree-8 polynomial interpolating the ``n_tau`` points
    (Filon-type weights, one FFT per stencil position), so its error is the interpolation error
    ``O(h^9 max|G^(9)|)``, ``h = beta/(n_tau-1)``, uniformly in frequency (below 1e-14 for ``n_tau = 10001``,
    ``beta = 40``, poles ``|E| <= 3``); polynomial tails are integrated exactly.

    ``moments`` (optional, shape ``(K,) + target``): only ``m[0]`` is used.  A constant ``m0`` is the
    ``m0 delta(tau)`` part that ``G(tau)`` cannot hold (e.g. the Hartree term of a self-energy); it is added
    back.  The higher moments need no input: the interpolant reproduces the discontinuities of the data at
    0 and beta, hence the ``1/(iw)^k`` tail, to the interpolation error.

    Returns a complex array of shape ``(2 n_iw,) + target``.
    """
    beta = positive_float("beta", beta)
    n_iw = int_in_range("n_iw", n_iw, 1)
    g = _data("g_tau", g_tau, 2).astype(complex)
    target = g.shape[1:]
    flat = g.reshape(g.shape[0], -1)
    n, _ = _fermionic_mesh(beta, n_iw)
    out = _quadrature.fourier_integral(flat, beta, n)
    if moments is not None:
        out = out + _moments("moments", moments, target).reshape(-1, flat.shape[1])[0]
    return out.reshape((2 * n_iw,) + target)


def density_from_iw(g_iw: np.ndarray, beta: float, moments: np.ndarray | None = None) -> np.ndarray:
    """Density matrix ``rho_ij = <c+_j c_i> = -G_ij(beta-)`` from ``G(iw)`` on the full mesh.

    ``rho = (1/beta) sum_n R(iw_n) + m1/2 - beta m2/4`` with ``R`` the remainder after the tail model
    (moments as in :func:`iw_to_tau`).  Returns an array of the target shape.
    """
    beta = positive_float("beta", beta)
    g = _full_mesh("g_iw", g_iw)
    _, iw = _fermionic_mesh(beta, g.shape[0] // 2)
    m = _tail_moments(g, iw, moments)
    rest = _remainder(g, iw, m).sum(axis=0).reshape(g.shape[1:]) / beta
    return rest + m[1] / 2.0 - beta * m[2] / 4.0 + beta**3 * m[4] / 48.0


# -- Legendre --------------------------------------------------------------------------------------
def tau_to_legendre(g_tau: np.ndarray, beta: float, n_l: int) -> np.ndarray:
    """``G_l = sqrt(2l+1) int_0^beta P_l(2tau/beta - 1) G(tau) dtau`` for ``l < n_l`` from the uniform grid.

    Exact integration of the piecewise degree-8 interpolant (Gauss-Legendre per panel), error
    ``O(beta h^9 max|G^(9)|)`` (about 1e-14 for ``n_tau = 10001``, ``beta = 40``, poles ``|E| <= 3``).
    The weights are cached per ``(n_tau, n_l)``.  Returns shape ``(n_l,) + target`` (real if ``g_tau`` is real).
    """
    beta = positive_float("beta", beta)
    n_l = int_in_range("n_l", n_l, 1)
    g = _data("g_tau", g_tau, 2)
    weights = _quadrature.legendre_weights(g.shape[0], n_l)
    flat = g.reshape(g.shape[0], -1)
    return (0.5 * beta * (weights @ flat)).reshape((n_l,) + g.shape[1:])


def legendre_to_tau(g_l: np.ndarray, beta: float, tau: np.ndarray) -> np.ndarray:
    """``G(tau) = sum_l sqrt(2l+1)/beta P_l(2tau/beta - 1) G_l`` at the points ``tau`` (``0 <= tau <= beta``).

    Returns shape ``(len(tau),) + target`` (real if ``g_l`` is real).
    """
    beta = positive_float("beta", beta)
    g = _data("g_l", g_l)
    tau = np.asarray(finite_array("tau", tau), dtype=float).reshape(-1)
    if np.any(tau < 0.0) or np.any(tau > beta):
        raise invalid_parameter("tau", f"array with values in [{tau.min()}, {tau.max()}]", f"0 <= tau <= beta = {beta}")
    n_l = g.shape[0]
    basis = _tau_basis(n_l, beta, np.clip(2.0 * tau / beta - 1.0, -1.0, 1.0).tobytes())
    return (basis @ g.reshape(n_l, -1)).reshape((tau.size,) + g.shape[1:])


@functools.lru_cache(maxsize=8)
def _tau_basis(n_l: int, beta: float, x: bytes) -> np.ndarray:
    """``sqrt(2l+1)/beta P_l(x_k)`` as a read-only ``(len(x), n_l)`` array (``x`` the float64 bytes of
    ``2 tau/beta - 1``), cached: the same grid returns every solve of a loop."""
    x = np.frombuffer(x, dtype=float)
    basis = np.ascontiguousarray((_legendre.legendre_p(n_l, x) * (np.sqrt(2.0 * np.arange(n_l) + 1.0) / beta)[:, None]).T)
    basis.setflags(write=False)
    return basis


@functools.lru_cache(maxsize=8)
def _matsubara_matrix(n_iw: int, n_l: int) -> np.ndarray:
    t = _legendre.matsubara_matrix(np.arange(-n_iw, n_iw), n_l)
    t.setflags(write=False)
    return t


def legendre_to_iw(g_l: np.ndarray, beta: float, n_iw: int) -> np.ndarray:
    """``G(iw_n) = sum_l T_nl G_l`` on the full mesh, ``T_nl = (-1)^n i^(l+1) sqrt(2l+1) j_l((2n+1) pi/2)``.

    Exact for the truncated Legendre series; ``T`` does not depend on ``beta`` (``G_l`` carries the
    units), ``beta`` is checked for consistency of the call.  Returns shape ``(2 n_iw,) + target``.
    """
    positive_float("beta", beta)
    n_iw = int_in_range("n_iw", n_iw, 1)
    g = _data("g_l", g_l)
    t = _matsubara_matrix(n_iw, g.shape[0])
    return (t @ g.reshape(g.shape[0], -1)).reshape((2 * n_iw,) + g.shape[1:])


def iw_to_legendre(g_iw: np.ndarray, beta: float, n_l: int, moments: np.ndarray | None = None) -> np.ndarray:
    """``G_l = sum_n conj(T_nl) G(iw_n)`` over all Matsubara frequencies, with the tail treated exactly.

    The tail model (moments as in :func:`iw_to_tau`) is subtracted, the remainder is summed over the mesh
    (truncation error ``~ sqrt(2l+1) |m_5| / (5 pi w_max^5)``), and the exact Legendre coefficients of the model's
    imaginary-time polynomials are added.  Returns a complex array of shape ``(n_l,) + target``.
    """
    beta = positive_float("beta", beta)
    n_l = int_in_range("n_l", n_l, 1)
    g = _full_mesh("g_iw", g_iw)
    n_iw = g.shape[0] // 2
    _, iw = _fermionic_mesh(beta, n_iw)
    m = _tail_moments(g, iw, moments)
    rest = _matsubara_matrix(n_iw, n_l).conj().T @ _remainder(g, iw, m)
    x, w = np.polynomial.legendre.leggauss(n_l // 2 + 3)
    tail = _tail_tau(m, beta, 0.5 * beta * (x + 1.0)).reshape(x.size, -1)
    basis = _legendre.legendre_p(n_l, x) * (0.5 * beta * np.sqrt(2.0 * np.arange(n_l) + 1.0))[:, None] * w[None, :]
    return (rest + basis @ tail).reshape((n_l,) + g.shape[1:])
