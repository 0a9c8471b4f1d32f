"""Green's functions given by a finite sum of poles (the Lehmann form of exact diagonalization).

    G(z) = sum_p R_p / (z - E_p)

with real energies ``E_p`` and residue matrices ``R_p`` (``n x n``).  Every representation follows
exactly from the poles (TRIQS conventions, see ``doc/conventions.md``):

* ``G(iw_n)`` and ``G(w + i eta)`` by evaluation;
* ``G(tau) = -sum_p R_p e^{-E_p tau} / (1 + e^{-beta E_p})`` for ``0 <= tau <= beta`` (``G(0+)``, ``G(beta-)``);
* ``G_l = -sqrt(2l+1) sum_p R_p t_l(E_p)``, ``t_l(E) = beta (-1)^l i_l(beta E/2) / (2 cosh(beta E/2))``;
* moments ``m_0 = 0``, ``m_k = sum_p R_p E_p^(k-1)``;
* density ``rho = <c+_j c_i> = sum_p R_p f(E_p)``, ``f`` the Fermi function (a step at ``beta = inf``).
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

__all__ = ["PoleGf"]

_CHUNK_ELEMENTS = 8192
"""Frequencies x poles evaluated at once by :meth:`PoleGf.at` (keeps temporaries small)."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _beta_or_inf(beta: object) -> float:
    """``beta`` as a float, ``0 < beta <= inf`` (``inf`` means zero temperature)."""
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool) and float(beta) == math.inf:
        return math.inf
    return positive_float("beta", beta)


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

    def compressed(self, tol: float = 1e-10, cutoff: float = 1e-14) -> "PoleGf":
        """Merge nearly degenerate poles and drop negligible ones.

        Poles are sorted by energy; runs whose consecutive gaps are ``<= tol`` merge into one pole with
        the summed residue at the mean energy weighted by ``||R_p||``; merged poles with
        ``max|R| <= cutoff`` are dropped.  The change of ``G(z)`` is at most
        ``sum_p ||R_p|| |dE_p| / dist(z, poles)^2`` plus the dropped weight over ``dist(z, poles)``.
        """
        tol = nonnegative_float("tol", tol)
        cutoff = nonnegative_float("cutoff", cutoff)
        order = np.argsort(self.energies, kind="stable")
        e, r = self.energies[order], self.residues[order]
        if e.size == 0:
            return self
        starts = np.concatenate([[0], np.flatnonzero(np.diff(e) > tol) + 1])
        weight = np.sqrt(np.sum(np.abs(r) ** 2, axis=(1, 2)))
        total = np.add.reduceat(weight, starts)
        plain_mean = np.add.reduceat(e, starts) / np.diff(np.append(starts, e.size))
        weighted = np.add.reduceat(weight * e, starts) / np.where(total > 0, total, 1.0)
        energies = np.where(total > 0, weighted, plain_mean)
        residues = np.add.reduceat(r, starts, axis=0)
        keep = np.abs(residues).max(axis=(1, 2)) > cutoff
        return PoleGf(energies[keep], residues[keep])

    # -- representations ---------------------------------------------------------------------
    def at(self, z: np.ndarray) -> np.ndarray:
        """``G(z)`` for complex ``z`` of any shape; returns ``z.shape + (n, n)``.

        Evaluated in chunks of frequencies, so the temporaries stay small (this runs inside every
        cheap solve of the dataset generator and the ML solver).
        """
        z = np.asarray(z, dtype=complex)
        flat = z.reshape(-1)
        n = self.block_size
        residues = self.residues.reshape(self.n_poles, n * n)
        out = np.empty((flat.size, n * n), dtype=complex)
        step = max(16, _CHUNK_ELEMENTS // max(1, self.n_poles))
        for start in range(0, flat.size, step):
            chunk = flat[start : start + step]
            np.matmul(1.0 / (chunk[:, None] - self.energies[None, :]), residues, out=out[start : start + step])
        return out.reshape(z.shape + (n, n))

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
        overflows for any ``beta E``.
        """
        tau = MeshImTime(beta, "Fermion", n_tau).values()
        beta = float(beta)
        e = self.energies[None, :]
        positive = e >= 0
        exponent = np.where(positive, -e * tau[:, None], e * (beta - tau[:, None]))
        denominator = 1.0 + np.exp(-beta * np.abs(e))
        kernel = -np.exp(exponent) / denominator
        return np.einsum("tp,pij->tij", kernel, self.residues)

    def legendre(self, beta: float, n_l: int) -> np.ndarray:
        """Exact Legendre coefficients ``G_l``, ``l = 0 .. n_l-1``; shape ``(n_l, n, n)``.

        Uses exponentially scaled Bessel functions (and their series at small ``beta E``), so any
        ``beta E`` is safe.
        """
        beta = positive_float("beta", beta)
        n_l = int_in_range("n_l", n_l, 1)
        return np.einsum("lp,pij->lij", _legendre.pole_kernel(n_l, beta, self.energies), self.residues)

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
