"""Exact recovery of a one-orbital discrete bath by vector fitting (used by :func:`triqs_mlsolver.bath.fit_bath`).

A hybridization of ``nb`` real poles, ``Delta(z) = sum_k r_k / (z - eps_k)`` with ``r_k = V_k^2 > 0``,
is a rational function.  Vector fitting (Gustavsen and Semlyen) finds its poles from the data
alone: with trial poles ``a_k`` the weighted linear least-squares problem

    sum_k p_k / (z_f - a_k) - Delta(z_f) sum_k c_k / (z_f - a_k) = Delta(z_f)

gives ``sigma(z) = 1 + sum_k c_k / (z - a_k)``, whose zeros (the eigenvalues of ``diag(a) - 1 c^T``)
are the next poles; at the fixed point the zeros of ``sigma`` are the poles of ``Delta``.  The
residues then follow from one more linear fit.  The partial-fraction basis keeps the problem well
conditioned, and for data that are such a rational function the poles converge to round-off in a
few iterations, where the Levenberg-Marquardt fit of the parameters stalls at the ill-conditioning
of Matsubara data.  Data that are not of this form (a continuous bath, fewer sites than poles) give
complex zeros or negative residues, and the caller falls back to its least-squares fit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exact_poles"]

_MAX_ITERATIONS = 30
_POLE_RTOL = 1e-9  # settled when no pole moves by more than this (relative to the pole spread); round-off ~1e-12
_REAL_RTOL = 1e-8  # zeros of sigma with larger imaginary parts (relative) are not real poles


def _stacked(basis: np.ndarray, rhs: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real least-squares system from complex rows weighted by ``s``: (Re; Im) of ``s basis x = s rhs``."""
    a, b = s[:, None] * basis, s * rhs
    return np.concatenate([a.real, a.imag]), np.concatenate([b.real, b.imag])


def exact_poles(delta: np.ndarray, w: np.ndarray, s: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Levels ``eps`` (ascending) and hybridizations ``V > 0`` of a one-orbital ``delta(i w_f)``, or None.

    ``delta`` (F,) on the positive frequencies ``w`` (F,), ``s`` (F,) the square roots of the fit weights,
    ``start`` the trial poles (distinct, real).  None when the iteration does not settle on real poles
    with positive residues (the data are not a discrete bath of ``len(start)`` sites).
    """
    z = 1j * w
    a = np.array(start, dtype=float)
    nb = a.size
    scale = max(float(np.ptp(a)), float(np.abs(a).max()), float(w[0]))
    for _ in range(_MAX_ITERATIONS):
        phi = 1.0 / (z[:, None] - a[None, :])
        A, b = _stacked(np.concatenate([phi, -delta[:, None] * phi], axis=1), delta, s)
        c = np.linalg.lstsq(A, b, rcond=None)[0][nb:]
        zeros = np.linalg.eigvals(np.diag(a) - np.outer(np.ones(nb), c))
        if np.abs(zeros.imag).max() > _REAL_RTOL * scale:
            return None
        new = np.sort(zeros.real)
        moved = np.abs(new - a).max()
        a = new
        if moved <= _POLE_RTOL * scale:
            break
    else:
        return None
    if np.any(np.diff(a) <= 1e3 * _POLE_RTOL * scale):  # coalescing poles: fewer sites than levels
        return None
    A, b = _stacked(1.0 / (z[:, None] - a[None, :]), delta, s)
    r = np.linalg.lstsq(A, b, rcond=None)[0]
    if np.any(r <= 0.0):
        return None
    return a, np.sqrt(r)
