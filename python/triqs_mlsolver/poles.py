"""Green's functions given by a finite sum of poles (the Lehmann form of exact diagonalization).

    G(z) = sum_p R_p / (z - E_p)

with real energies ``E_p`` and residue matrices ``R_p`` (``n x n``).  Every representation follows
exactly from the poles (TRIQS conventions, see ``doc/conventions.md``):

* ``G(iw_n)`` and ``G(w + i eta)`` by evaluation;
* ``G(tau) = -sum_p R_p e^{-E_p tau} / (1 + e^{-beta E_p})`` for ``0 <= tau <= beta`` (``G(0+)``, ``G(beta-)``);
* ``G_l = -sqrt(2l+1) sum_p R_p t_l(E_p)``, ``t_l(E) = beta (-1)^l i_l(beta E/2) / (2 cosh(beta E/2))``;
* moments ``m_0 = 0``, ``m_k = sum_p R_p E_p^(k-1)``;
* density ``rho = <c+_j c_i> = sum_p R_p f(E_p)``, ``f`` the Fermi function (a step at ``beta = inf``).

Exact diagonalization at finite temperature gives 10^4 - 10^5 poles, so the evaluations work in
blocks of frequencies (or times) x poles that stay in the cache, in real arithmetic, with the
residues as real matrices: ``G(iw)``, ``G(w + i eta)`` and ``G(tau)`` cost a few ns per
frequency and pole, ``G_l`` about 10 ns per pole and order.  :meth:`PoleGf.compress` merges
nearly degenerate poles and drops negligible ones, with a rigorous bound on the change of every
representation (:class:`CompressionBound`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _legendre
from ._validation import finite_array, int_in_range, nonnegative_float, positive_float
from .errors import IncompatibleGfStructError, invalid_parameter
from .meshes import MeshImFreq, MeshImTime

__all__ = ["PoleGf", "CompressionBound"]

_BLOCK_ELEMENTS = 16384
"""Frequencies (or times, or orders) x poles of one block of an evaluation kernel: 128 KiB per
real temporary, so that every elementwise pass over it runs in the cache."""

_FAST_RANGE = 1e150
"""The real-arithmetic form of ``1/(z - E)`` is used where every ``|Re z|``, ``|E|`` is below this
and ``|Im z|`` lies between its inverse and it (no square over- or underflows)."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _beta_or_inf(beta: object) -> float:
    """``beta`` as a float, ``0 < beta <= inf`` (``inf`` means zero temperature)."""
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool) and float(beta) == math.inf:
        return math.inf
    return positive_float("beta", beta)


class _RealResidues:
    """The residues as real matrices ``(P, n*n)``: real part, and imaginary part unless it vanishes."""

    def __init__(self, re: np.ndarray, im: np.ndarray | None) -> None:
        self.re, self.im = re, im

    def rows(self, start: int, stop: int) -> "_RealResidues":
        return _RealResidues(self.re[start:stop], None if self.im is None else self.im[start:stop])

    def take(self, index: np.ndarray) -> "_RealResidues":
        return _RealResidues(self.re[index], None if self.im is None else self.im[index])

    def apply(self, real: np.ndarray, imag: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``sum_p K_fp R_p`` for the kernel ``K = real + i imag`` (``imag`` None: a real kernel), as its
        real and imaginary parts ``(F, n*n)`` (imaginary None when it vanishes): real matrix products only."""
        out_re = real @ self.re
        out_im = None if imag is None else imag @ self.re
        if self.im is not None:
            out_im = real @ self.im if out_im is None else out_im + real @ self.im
            if imag is not None:
                out_re -= imag @ self.im
        return out_re, out_im


def _add(acc: np.ndarray, part: tuple[np.ndarray, np.ndarray | None], rows: slice | np.ndarray = slice(None)) -> None:
    """``acc[rows] += re + i im`` for ``part = (re, im)`` of :meth:`_RealResidues.apply`."""
    acc.real[rows] += part[0]
    if part[1] is not None:
        acc.imag[rows] += part[1]


@dataclass(frozen=True)
class CompressionBound:
    """What :meth:`PoleGf.compress` changed, and bounds on the change of every representation.

    ``dropped`` = ``D = sum ||R_p||`` over the dropped poles; for each merged cluster ``c`` of poles
    ``E_p`` replaced by one pole at ``E_c`` with the summed residue, ``first`` = ``F1 = sum_c
    ||sum_(p in c) R_p (E_p - E_c)||`` (zero to round-off for 1x1 residues: ``E_c`` is the
    trace-weighted mean) and ``second`` = ``S2 = sum_c sum_(p in c) ||R_p|| (E_p - E_c)^2``
    (Frobenius norms).  With ``1/(z - E) = 1/(z - E_c) + (E - E_c)/(z - E_c)^2 + (E - E_c)^2 /
    ((z - E_c)^2 (z - E))``, ``|z - E| >= Im z``, and for ``g(E) = -e^{-E tau}/(1 + e^{-beta E})``
    the bounds ``|g| <= 1``, ``|g'| <= beta``, ``|g''| <= beta^2``:

    * ``|dG(z)| <= D/y + F1/y^2 + S2/y^3`` with ``y = Im z`` (``pi/beta`` for every Matsubara
      frequency, ``eta`` on the real axis);
    * ``|dG(tau)| <= D + beta F1 + beta^2 S2/2``;
    * ``|dG_l| <= sqrt(2l+1) beta max |dG(tau)|`` (``|P_l| <= 1``);
    * ``|dA(w)| <= |dG(w + i eta)|/pi``;
    * ``|d rho| <= D + beta F1/4 + beta^2 S2/20`` (``|f'| <= beta/4``, ``|f''| < beta^2/10``);
    * ``|d m_k| <= D e^(k-1) + (k-1) e^(k-2) F1 + (k-1)(k-2)/2 e^(k-3) S2`` for the moments, with
      ``e = e_max``, the largest ``|E_p|`` before the compression.
    """

    dropped: float = 0.0
    first: float = 0.0
    second: float = 0.0
    e_max: float = 0.0

    def at(self, y: float) -> float:
        """Bound on ``||dG(z)||`` for ``Im z >= y > 0``."""
        y = positive_float("y", y)
        return self.dropped / y + self.first / y**2 + self.second / y**3

    def iw(self, beta: float) -> float:
        """Bound on ``||dG(iw_n)||`` for every fermionic Matsubara frequency."""
        return self.at(math.pi / positive_float("beta", beta))

    def refreq(self, eta: float) -> float:
        """Bound on ``||dG(w + i eta)||`` for every real ``w`` (``|dA(w)|`` is at most this over pi)."""
        return self.at(eta)

    def tau(self, beta: float) -> float:
        """Bound on ``||dG(tau)||`` for every ``0 <= tau <= beta``."""
        beta = positive_float("beta", beta)
        return self.dropped + beta * self.first + 0.5 * beta**2 * self.second

    def legendre(self, beta: float, l: int) -> float:
        """Bound on ``||dG_l||``."""
        return math.sqrt(2 * int_in_range("l", l, 0) + 1) * positive_float("beta", beta) * self.tau(beta)

    def density(self, beta: float) -> float:
        """Bound on ``||d rho||``."""
        beta = positive_float("beta", beta)
        return self.dropped + 0.25 * beta * self.first + 0.05 * beta**2 * self.second

    def moment(self, k: int) -> float:
        """Bound on ``||d m_k||`` (``m_k = sum_p R_p E_p^(k-1)``, ``k >= 1``)."""
        k, e = int_in_range("k", k, 1), self.e_max
        return self.dropped * e ** (k - 1) + (k - 1) * (
            e ** max(k - 2, 0) * self.first + 0.5 * (k - 2) * e ** max(k - 3, 0) * self.second
        )


@dataclass(frozen=True, eq=False)
class PoleGf:
    """``G(z) = sum_p R_p/(z - E_p)`` for one block.

    Parameters
    ----------
    energies : array (P,)
        Real pole positions ``E_p`` (user's energy units).
    residues : array (P, n, n) or (P,)
        Residue matrices ``R_p``; a 1-D array is a scalar block and becomes ``(P, 1, 1)``.

    Sums of Green's functions are concatenations of poles: ``G_a + G_b`` (or
    :meth:`PoleGf.concatenate` for many) gives the pole sum of both, for equal block sizes.
    """

    energies: np.ndarray
    residues: np.ndarray

    def __post_init__(self) -> None:
        if np.iscomplexobj(self.energies):
            raise invalid_parameter("energies", "complex array", "real pole energies")
        energies = np.asarray(finite_array("energies", self.energies), dtype=float)
        residues = np.asarray(finite_array("residues", self.residues), dtype=complex)
        if energies.ndim != 1:
            raise invalid_parameter("energies", f"array of shape {energies.shape}", "a 1-D array (P,)")
        if residues.ndim == 1:
            residues = residues[:, None, None]
        if residues.ndim != 3 or residues.shape[1] != residues.shape[2] or residues.shape[0] != energies.size:
            raise invalid_parameter(
                "residues",
                f"array of shape {residues.shape}",
                f"shape (P, n, n) or (P,) with P = len(energies) = {energies.size}",
            )
        object.__setattr__(self, "energies", _readonly(energies))
        object.__setattr__(self, "residues", _readonly(residues))
        hermitian = np.allclose(residues, residues.conj().swapaxes(1, 2), rtol=0.0, atol=1e-14 * (1 + np.abs(residues).max(initial=0)))
        object.__setattr__(self, "_hermitian", bool(hermitian))
        flat = residues.reshape(residues.shape[0], -1)
        imag = np.ascontiguousarray(flat.imag) if np.any(flat.imag) else None
        object.__setattr__(self, "_real", _RealResidues(np.ascontiguousarray(flat.real), imag))
        object.__setattr__(self, "_e_max", float(np.abs(energies).max(initial=0.0)))
        object.__setattr__(self, "_axis", None)  # the imaginary-axis kernel's right-hand side, on first use

    # -- structure ---------------------------------------------------------------------------
    @property
    def n_poles(self) -> int:
        """Number of poles ``P``."""
        return int(self.energies.size)

    @property
    def block_size(self) -> int:
        """Size ``n`` of the residue matrices."""
        return int(self.residues.shape[1])

    def __repr__(self) -> str:
        return f"PoleGf(n_poles={self.n_poles}, block_size={self.block_size})"

    @classmethod
    def concatenate(cls, parts: Sequence["PoleGf"]) -> "PoleGf":
        """The pole sum of all ``parts`` (``G = sum_i G_i``); all must have the same block size."""
        parts = list(parts)
        if not parts or not all(isinstance(p, PoleGf) for p in parts):
            raise invalid_parameter("parts", parts, "a non-empty sequence of PoleGf")
        sizes = {p.block_size for p in parts}
        if len(sizes) != 1:
            raise IncompatibleGfStructError(
                f"PoleGf block sizes {sorted(sizes)} differ: only blocks of equal size can be added."
            )
        return cls(np.concatenate([p.energies for p in parts]), np.concatenate([p.residues for p in parts]))

    def __add__(self, other: object) -> "PoleGf":
        if not isinstance(other, PoleGf):
            return NotImplemented
        return PoleGf.concatenate([self, other])

    def compress(self, tol: float = 1e-10, cutoff: float = 1e-14) -> tuple["PoleGf", CompressionBound]:
        """Merge nearly degenerate poles, drop negligible ones; returns the result and its :class:`CompressionBound`.

        Merging: poles sorted by energy form clusters of consecutive gaps ``<= tol``, split where
        needed so that no cluster spans more than ``tol``; a cluster becomes one pole with the summed
        residue at the mean energy weighted by the residue traces (the plain mean where those sum
        to zero or less).  Dropping: with ``w_c = sum_(p in c) ||R_p||`` (Frobenius norm) and
        ``W = sum_c w_c``, the clusters of smallest ``w_c`` are dropped as long as their summed
        weight stays ``<= cutoff * W``.  ``tol = cutoff = 0`` changes nothing (exact duplicates
        aside, which merge exactly).
        """
        tol = nonnegative_float("tol", tol)
        cutoff = nonnegative_float("cutoff", cutoff)
        if self.n_poles == 0:
            return self, CompressionBound()
        flat = self.residues.reshape(self.n_poles, -1)
        norm = np.abs(flat[:, 0]) if flat.shape[1] == 1 else np.sqrt((flat.real**2 + flat.imag**2).sum(axis=1))
        e_sorted = np.sort(self.energies)
        if cutoff * norm.sum() < norm.min() and (self.n_poles == 1 or np.diff(e_sorted).min() > tol):
            # nothing to merge or drop
            return self, CompressionBound(e_max=float(max(-e_sorted[0], e_sorted[-1])))
        order = np.argsort(self.energies, kind="stable")
        e, r = self.energies[order], self.residues[order]
        starts = np.flatnonzero(np.diff(e) > tol) + 1
        # Chains of gaps <= tol spanning more than tol are split greedily (rare: a Python loop).
        bounds = np.concatenate([[0], starts, [e.size]])
        long = np.flatnonzero(e[bounds[1:] - 1] - e[bounds[:-1]] > tol)
        extra = []
        for c in long:
            first = bounds[c]
            for p in range(bounds[c] + 1, bounds[c + 1]):
                if e[p] - e[first] > tol:
                    extra.append(p)
                    first = p
        starts = np.sort(np.concatenate([[0], starts, np.asarray(extra, dtype=starts.dtype)]))
        sizes = np.diff(np.append(starts, e.size))
        norm = norm[order]
        trace = np.trace(r, axis1=1, axis2=2).real
        trace_sum = np.add.reduceat(trace, starts)
        weighted = np.add.reduceat(trace * e, starts) / np.where(trace_sum > 0, trace_sum, 1.0)
        energies = np.where(trace_sum > 0, weighted, np.add.reduceat(e, starts) / sizes)
        residues = np.add.reduceat(r, starts, axis=0)
        weight = np.add.reduceat(norm, starts)
        shift = e - np.repeat(energies, sizes)
        first = np.sqrt(np.sum(np.abs(np.add.reduceat(r * shift[:, None, None], starts, axis=0)) ** 2, axis=(1, 2)))
        second = np.add.reduceat(norm * shift**2, starts)
        by_weight = np.argsort(weight, kind="stable")
        n_drop = int(np.searchsorted(np.cumsum(weight[by_weight]), cutoff * weight.sum(), side="right"))
        keep = np.ones(energies.size, dtype=bool)
        keep[by_weight[:n_drop]] = False
        bound = CompressionBound(
            dropped=float(weight[~keep].sum()),
            first=float(first[keep].sum()),
            second=float(second[keep].sum()),
            e_max=float(np.abs(e).max()),
        )
        return PoleGf(energies[keep], residues[keep]), bound

    def compressed(self, tol: float = 1e-10, cutoff: float = 1e-14) -> "PoleGf":
        """The poles of :meth:`compress` (without the bound)."""
        return self.compress(tol, cutoff)[0]

    # -- representations ---------------------------------------------------------------------
    def at(self, z: np.ndarray) -> np.ndarray:
        """``G(z)`` for complex ``z`` of any shape; returns ``z.shape + (n, n)``.

        In blocks of frequencies x poles, in real arithmetic:
        ``1/(z - E) = (x - E - i y)/((x - E)^2 + y^2)`` for ``z = x + i y`` (about 4x faster than
        complex division, equal to it to a few ulp), then real products with the residues; a
        single small block (the few poles of a cheap solve) by complex division.
        Arguments where a square could over- or underflow (``|y| < 1e-150``, e.g. on the real axis,
        or ``|x|, |y|, |E| > 1e150``) use complex division.
        """
        z = np.asarray(z, dtype=complex)
        flat = z.reshape(-1)
        n, P = self.block_size, self.n_poles
        out = np.zeros((flat.size, n * n), dtype=complex)
        if flat.size * P <= _BLOCK_ELEMENTS:  # one small block: complex division has the least overhead
            if P:
                np.matmul(1.0 / (flat[:, None] - self.energies[None, :]), self.residues.reshape(P, n * n), out=out)
        elif flat.size and P:
            x, y, e = flat.real, flat.imag, self.energies
            ay = np.abs(y)
            if ay.min() >= 1.0 / _FAST_RANGE and max(ay.max(), np.abs(x).max(), self._e_max) <= _FAST_RANGE:
                values = self._at_axis(y) if not np.any(x) else self._at_plane(x, y)  # the usual cases
                return values.reshape(z.shape + (n, n))
            fast = (ay >= 1.0 / _FAST_RANGE) & (ay <= _FAST_RANGE) & (np.abs(x) <= _FAST_RANGE)
            fast &= self._e_max <= _FAST_RANGE
            slow = np.flatnonzero(~fast)
            step = max(1, _BLOCK_ELEMENTS // P)
            residues = self.residues.reshape(P, n * n)
            for start in range(0, slow.size, step):
                rows = slow[start : start + step]
                out[rows] = (1.0 / (flat[rows, None] - e[None, :])) @ residues
            rows = np.flatnonzero(fast)
            if rows.size:
                out[rows] = self._at_plane(x[rows], y[rows])
        return out.reshape(z.shape + (n, n))

    def _blocks(self, F: int) -> tuple[int, int]:
        """Frequencies and poles per block of an ``F x P`` kernel."""
        n_f = min(F, max(1, _BLOCK_ELEMENTS // min(self.n_poles, 1024)))
        return n_f, min(self.n_poles, max(1, _BLOCK_ELEMENTS // n_f))

    def _at_axis(self, y: np.ndarray) -> np.ndarray:
        """``G(i y)`` (every Matsubara frequency), shape ``(F, n*n)``.

        With ``d = 1/(E^2 + y^2)`` and ``R = R' + i R''``: ``Re G = sum_p d_p (-E_p R'_p + y R''_p)``,
        ``Im G = sum_p d_p (-E_p R''_p - y R'_p)``: one real product of ``d`` with
        ``[R', -E R' (, R'', -E R'')]`` (kept with the poles), three passes over a block.
        """
        if self._axis is None:
            e = self.energies[:, None]
            parts = [self._real.re, -e * self._real.re]
            if self._real.im is not None:
                parts += [self._real.im, -e * self._real.im]
            object.__setattr__(self, "_axis", (np.concatenate(parts, axis=1), self.energies**2))
        right, e2 = self._axis
        F, P, nn = y.size, self.n_poles, self.block_size**2
        n_f, n_p = self._blocks(F)
        m = np.zeros((F, right.shape[1]))
        d = np.empty((n_f, n_p))
        y2 = (y * y)[:, None]
        for p0 in range(0, P, n_p):
            p1 = min(P, p0 + n_p)
            for f0 in range(0, F, n_f):
                f1 = min(F, f0 + n_f)
                block = d[: f1 - f0, : p1 - p0]
                np.add(y2[f0:f1], e2[p0:p1], out=block)
                np.reciprocal(block, out=block)
                m[f0:f1] += block @ right[p0:p1]
        out = np.empty((F, nn), dtype=complex)
        out.real = m[:, nn : 2 * nn]
        out.imag = -y[:, None] * m[:, :nn]
        if self._real.im is not None:
            out.real += y[:, None] * m[:, 2 * nn : 3 * nn]
            out.imag += m[:, 3 * nn :]
        return out

    def _at_plane(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``G(x + i y)``, shape ``(F, n*n)``: with ``d = 1/((x - E)^2 + y^2)``,
        ``Re G = sum_p (x - E_p) d_p R'_p + y sum_p d_p R''_p``, ``Im G = sum_p (x - E_p) d_p R''_p - y sum_p d_p R'_p``."""
        F, P, nn = x.size, self.n_poles, self.block_size**2
        n_f, n_p = self._blocks(F)
        out = np.zeros((F, nn), dtype=complex)
        work_a, work_d = np.empty((n_f, n_p)), np.empty((n_f, n_p))
        for p0 in range(0, P, n_p):
            e = self.energies[p0 : p0 + n_p]
            res = self._real.rows(p0, p0 + e.size)
            for f0 in range(0, F, n_f):
                rows = slice(f0, min(F, f0 + n_f))
                xf, yf = x[rows, None], y[rows, None]
                a, d = work_a[: xf.shape[0], : e.size], work_d[: xf.shape[0], : e.size]
                np.subtract(xf, e, out=a)
                np.multiply(a, a, out=d)
                d += yf * yf
                np.reciprocal(d, out=d)
                a *= d  # (x - E) d
                re, im = a @ res.re, -yf * (d @ res.re)
                if res.im is not None:
                    re += yf * (d @ res.im)
                    im += a @ res.im
                out.real[rows] += re
                out.imag[rows] += im
        return out

    def iw(self, beta: float, n_iw: int) -> np.ndarray:
        """``G(iw_n)`` on the full fermionic mesh ``n = -n_iw .. n_iw-1``; shape ``(2 n_iw, n, n)``.

        With hermitian residues ``G(-iw_n) = G(iw_n)^+``, so only the positive half is evaluated.
        """
        values = MeshImFreq(beta, "Fermion", n_iw).values()
        if not self._hermitian:
            return self.at(values)
        positive = self.at(values[n_iw:])
        return np.concatenate([np.conj(positive[::-1]).swapaxes(1, 2), positive])

    def refreq(self, w: np.ndarray, eta: float) -> np.ndarray:
        """Retarded ``G(w + i eta)`` on real frequencies ``w`` (``eta > 0``); shape ``w.shape + (n, n)``."""
        eta = positive_float("eta", eta)
        w = np.asarray(finite_array("w", w), dtype=float)
        return self.at(w + 1j * eta)

    def tau(self, beta: float, n_tau: int) -> np.ndarray:
        """``G(tau_k)`` on ``tau_k = k beta/(n_tau-1)``; shape ``(n_tau, n, n)``.

        ``-e^{-E tau}/(1 + e^{-beta E})`` is evaluated as written for ``E >= 0`` and as
        ``-e^{E (beta - tau)}/(1 + e^{beta E})`` for ``E < 0``: every exponent is ``<= 0``, so nothing
        overflows for any ``beta E``.  On the uniform mesh ``e^{-|E| h m}`` (``h = beta/(n_tau-1)``,
        ``m = k`` or ``n_tau-1-k``) factorizes as ``e^{-|E| h B q} e^{-|E| h r}`` with ``m = B q + r``,
        ``B ~ sqrt(n_tau)``: about ``2 sqrt(n_tau)`` exponentials per pole instead of ``n_tau``, and
        the sum over poles becomes one real matrix product per block of poles (each factor exact
        to an ulp, so the product is exact to round-off).
        """
        MeshImTime(beta, "Fermion", n_tau)  # validates beta and n_tau
        beta, n_tau = float(beta), int(n_tau)
        K, n = n_tau - 1, self.block_size
        B = math.isqrt(n_tau - 1) + 1
        Q = -(-n_tau // B)
        fine_m, coarse_m = np.arange(B, dtype=float), B * np.arange(Q, dtype=float)
        out = np.zeros((n_tau, n * n), dtype=complex)
        magnitude = np.abs(self.energies)
        weight = -1.0 / (1.0 + np.exp(-beta * magnitude))
        for negative in (False, True):
            index = np.flatnonzero((self.energies < 0) == negative)
            if index.size == 0:
                continue
            rate = magnitude[index] * (beta / K)
            acc = [np.zeros((B, Q * n * n)), None]
            n_p = max(1, _BLOCK_ELEMENTS // max(B, Q))
            for p0 in range(0, index.size, n_p):
                sel = index[p0 : p0 + n_p]
                s = rate[p0 : p0 + n_p]
                with np.errstate(under="ignore"):
                    fine = np.exp(-np.outer(fine_m, s))  # (B, p)
                    coarse = np.exp(-np.outer(s, coarse_m)) * weight[sel, None]  # (p, Q)
                res = self._real.take(sel)
                # M[p, (q, ij)] = coarse[p, q] R_p,ij ;  G[B q + r] += sum_p fine[r, p] M[p, q]
                part_re = fine @ (coarse[:, :, None] * res.re[:, None, :]).reshape(sel.size, -1)
                acc[0] += part_re
                if res.im is not None:
                    part_im = fine @ (coarse[:, :, None] * res.im[:, None, :]).reshape(sel.size, -1)
                    acc[1] = part_im if acc[1] is None else acc[1] + part_im
            values = [None if a is None else a.reshape(B, Q, n * n).transpose(1, 0, 2).reshape(B * Q, n * n)[:n_tau]
                      for a in acc]
            rows = slice(None, None, -1) if negative else slice(None)  # E < 0: m = n_tau - 1 - k
            _add(out, (values[0][rows], None if values[1] is None else values[1][rows]))
        return out.reshape(n_tau, n, n)

    def legendre(self, beta: float, n_l: int) -> np.ndarray:
        """Exact Legendre coefficients ``G_l``, ``l = 0 .. n_l-1``; shape ``(n_l, n, n)``.

        The kernel (modified spherical Bessel functions over ``2 cosh(beta E/2)``, from a continued
        fraction of their ratios, see :mod:`_legendre`) never overflows: any ``beta E`` is safe.
        """
        beta = positive_float("beta", beta)
        n_l = int_in_range("n_l", n_l, 1)
        n = self.block_size
        out = np.zeros((n_l, n * n), dtype=complex)
        step = max(1, 16 * _BLOCK_ELEMENTS // n_l)
        for p0 in range(0, self.n_poles, step):
            kernel, order = _legendre.pole_kernel_sorted(n_l, beta, self.energies[p0 : p0 + step])
            _add(out, self._real.take(p0 + order).apply(kernel))
        return out.reshape(n_l, n, n)

    def moments(self, k_max: int) -> np.ndarray:
        """High-frequency moments ``m_0 = 0``, ``m_k = sum_p R_p E_p^(k-1)``; shape ``(k_max+1, n, n)``."""
        k_max = int_in_range("k_max", k_max, 0)
        out = np.zeros((k_max + 1,) + self.residues.shape[1:], dtype=complex)
        for k in range(1, k_max + 1):
            out[k] = np.einsum("p,pij->ij", self.energies ** (k - 1), self.residues)
        return out

    def density(self, beta: float) -> np.ndarray:
        """``rho_ij = <c+_j c_i> = -G_ij(beta-) = sum_p R_p,ij f(E_p)``; ``beta = inf`` gives ``T = 0``.

        ``f(E) = 1/(1 + e^{beta E})`` is evaluated with ``t = e^{-beta |E|}`` as ``t/(1+t)`` or ``1/(1+t)``
        (full relative precision, no overflow); at ``T = 0`` it is 1 below zero, 0 above and 1/2 for a
        pole exactly at zero energy.
        """
        beta = _beta_or_inf(beta)
        if math.isinf(beta):
            fermi = np.where(self.energies < 0, 1.0, np.where(self.energies > 0, 0.0, 0.5))
        else:
            x = beta * self.energies
            t = np.exp(-np.abs(x))
            fermi = np.where(x > 0, t, 1.0) / (1.0 + t)
        return np.einsum("p,pij->ij", fermi, self.residues)
