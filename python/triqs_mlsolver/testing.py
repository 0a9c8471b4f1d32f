"""Physics assertions for Green's functions, shipped with the library for the tests of every module.

Each helper raises ``AssertionError`` with a message naming the property, the worst violation and
where it occurs; tracebacks stop at the caller (``__tracebackhide__``).  Default tolerances depend
on the dtype of the data (single precision is checked more loosely than double) and are relative to
the largest magnitude of the data.  Malformed input (wrong shapes) raises ``InvalidParameterError``.

Target axes: scalar functions have shape ``(N,)``, matrix-valued ones ``(N, n, n)``.
"""

from __future__ import annotations

import numpy as np

from .errors import invalid_parameter

__all__ = ["default_tolerance", "assert_causal", "assert_hermitian", "assert_tail", "assert_sum_rule"]

_RELATIVE_TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.complex64): 1e-5}
_RELATIVE_TOLERANCE_DOUBLE = 1e-10


def default_tolerance(data: np.ndarray) -> float:
    """Absolute tolerance for ``data``: 1e-5 (single) or 1e-10 (double precision) times ``max(1, max|data|)``."""
    data = np.asarray(data)
    rel = _RELATIVE_TOLERANCE.get(data.dtype, _RELATIVE_TOLERANCE_DOUBLE)
    scale = float(np.abs(data).max()) if data.size else 0.0
    return rel * max(1.0, scale)


def _as_matrices(name: str, g: object) -> np.ndarray:
    """View ``(N,)`` as ``(N, 1, 1)``; require ``(N, n, n)`` otherwise."""
    g = np.asarray(g)
    if g.ndim == 1:
        return g[:, None, None]
    if g.ndim != 3 or g.shape[1] != g.shape[2]:
        raise invalid_parameter(name, f"array of shape {g.shape}", "shape (N,) or (N, n, n)")
    return g


def _frequencies(iw: object, n: int, name: str = "iw") -> np.ndarray:
    """``w_n`` from the complex ``iw_n`` (or from real ``w_n``), checked against the data length ``n``."""
    iw = np.asarray(iw).reshape(-1)
    if iw.size != n:
        raise invalid_parameter(name, f"array of length {iw.size}", f"length {n} (the first axis of the data)")
    return iw.imag if np.iscomplexobj(iw) else iw


def assert_causal(g_iw: np.ndarray, iw: np.ndarray, tol: float | None = None) -> None:
    """``G`` is causal: for ``w_n > 0`` the matrix ``-(G - G^+)/(2i)`` is positive semidefinite.

    For a scalar this is ``-Im G(iw_n) >= -tol``; for a matrix every eigenvalue of the hermitian
    matrix ``-(G - G^+)/(2i)`` must be ``>= -tol``.
    """
    __tracebackhide__ = True
    g = _as_matrices("g_iw", g_iw)
    w = _frequencies(iw, g.shape[0])
    tol = default_tolerance(g_iw) if tol is None else float(tol)
    upper = g[w > 0]
    spectral = -(upper - np.conj(np.swapaxes(upper, 1, 2))) / 2j
    eig = np.linalg.eigvalsh(spectral)
    worst = int(np.argmin(eig.min(axis=1))) if eig.size else 0
    if eig.size and eig.min() < -tol:
        raise AssertionError(
            f"G is not causal: -(G - G^+)/(2i) has eigenvalue {eig.min():.3e} < -{tol:.1e} "
            f"at w_n = {w[w > 0][worst]:.6g}"
        )


def assert_hermitian(g_iw: np.ndarray, tol: float | None = None) -> None:
    """``G_ij(iw_n) = conj(G_ji(-iw_n))`` on a full, symmetric Matsubara mesh (data order reversed = ``-iw_n``)."""
    __tracebackhide__ = True
    g = _as_matrices("g_iw", g_iw)
    tol = default_tolerance(g_iw) if tol is None else float(tol)
    mirror = np.conj(np.swapaxes(g[::-1], 1, 2))
    diff = np.abs(g - mirror)
    if diff.size and diff.max() > tol:
        d, i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
        raise AssertionError(
            f"G is not hermitian: |G_ij(iw) - conj(G_ji(-iw))| = {diff.max():.3e} > {tol:.1e} "
            f"at data index {d}, element ({i}, {j})"
        )


def assert_tail(
    g_iw: np.ndarray, iw: np.ndarray, moments: np.ndarray, tol: float | None = None, fraction: float = 0.1
) -> None:
    """``G(iw) ~ sum_k m_k/(iw)^k`` on the outer ``fraction`` of the frequencies (both ends).

    ``moments`` has shape ``(K,) + target``; ``tol`` bounds ``max |G - tail|`` there (default: the dtype
    tolerance, so pass a tolerance that covers the first omitted order ``~ |m_K|/w^K``).
    """
    __tracebackhide__ = True
    g = _as_matrices("g_iw", g_iw)
    z = 1j * _frequencies(iw, g.shape[0])
    m = np.asarray(moments)
    m = _as_matrices("moments", m) if m.ndim == 1 else m
    if m.ndim != 3 or m.shape[1:] != g.shape[1:]:
        raise invalid_parameter("moments", f"array of shape {np.shape(moments)}", "shape (K,) + the target shape")
    tol = default_tolerance(g_iw) if tol is None else float(tol)
    outer = np.abs(z.imag) >= (1.0 - fraction) * np.abs(z.imag).max()
    powers = (1.0 / z[outer, None]) ** np.arange(m.shape[0])[None, :]
    tail = np.einsum("wk,kij->wij", powers, m)
    diff = np.abs(g[outer] - tail)
    if diff.max() > tol:
        d, i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
        raise AssertionError(
            f"G does not follow its tail: |G - sum_k m_k/(iw)^k| = {diff.max():.3e} > {tol:.1e} "
            f"at iw = {z[outer][d]:.6g}, element ({i}, {j})"
        )


def assert_sum_rule(g: np.ndarray, w: np.ndarray | None = None, *, norm: float = 1.0, tol: float | None = None) -> None:
    """The spectral sum rule ``{c_i, c_j^+} = norm delta_ij``, on imaginary time or real frequency.

    * ``w is None``: ``g`` is ``G(tau)`` on a grid from ``0`` to ``beta``; checks
      ``G(0+) + G(beta-) = -norm * identity``.
    * ``w`` given: ``g`` is ``G(w + i eta)`` on the real grid ``w``; checks
      ``int A(w) dw = norm * identity`` (trapezoid rule) with ``A = -(G - G^+)/(2 pi i)``.  Choose ``tol``
      for the window and the broadening (the weight outside the window is ``~ 2 eta/(pi w_edge)``).
    """
    __tracebackhide__ = True
    gm = _as_matrices("g", g)
    tol = default_tolerance(g) if tol is None else float(tol)
    expected = -norm * np.eye(gm.shape[1])
    if w is None:
        total, what = gm[0] + gm[-1], "G(0+) + G(beta-)"
    else:
        w = np.asarray(w, dtype=float).reshape(-1)
        _frequencies(w, gm.shape[0], "w")
        spectral = -(gm - np.conj(np.swapaxes(gm, 1, 2))) / (2j * np.pi)
        steps = np.diff(w)[:, None, None]
        total = np.sum(0.5 * steps * (spectral[1:] + spectral[:-1]), axis=0)
        what, expected = "int A(w) dw", -expected
    diff = np.abs(total - expected)
    if diff.max() > tol:
        i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
        raise AssertionError(
            f"sum rule violated: {what} = {total[i, j]:.6g} at element ({i}, {j}), expected {expected[i, j]:.6g} "
            f"(|difference| = {diff.max():.3e} > {tol:.1e})"
        )
