"""A reference exact diagonalization with dense numpy matrices (test helper, also timed by
benchmarks/bench_ed.py).

Independent of the package's ED core: the annihilators are Jordan-Wigner matrices on the full
Fock space (basis state = bit string, orbital i = bit i, ``c_i|x> = (-1)^{#occupied j < i} |x - 2^i>``),
the Hamiltonian is the product of these matrices in the order written, and the only
symmetry used is the total particle number (blocks by popcount).  Green's functions by the
Lehmann sum over all pairs of eigenstates:

    G_ij(z) = sum_{a in N, b in N+1} <a|c_i|b><b|c+_j|a> (w_a + w_b) / (z - (E_b - E_a)),

``w = exp(-beta (E - E0))/Z`` (at ``beta = inf``: 1/d on the d degenerate ground states).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp


def annihilators(n: int) -> list:
    """Sparse Jordan-Wigner matrices c_0 .. c_{n-1} on the 2^n Fock states."""
    dim = 1 << n
    states = np.arange(dim)
    out = []
    for i in range(n):
        occupied = (states >> i) & 1 == 1
        src = states[occupied]
        below = src & ((1 << i) - 1)
        parity = np.array([bin(x).count("1") & 1 for x in below], dtype=int)
        out.append(sp.csr_matrix(((-1.0) ** parity, (src - (1 << i), src)), shape=(dim, dim)))
    return out


def hamiltonian(n: int, one_body=None, products=()) -> sp.csr_matrix:
    """``sum_ij h_ij c+_i c_j + sum coef * prod(ops)``; ``products``: [(coef, [(dagger, i), ...]), ...]."""
    c = annihilators(n)
    cd = [x.T.tocsr() for x in c]
    dim = 1 << n
    h = sp.csr_matrix((dim, dim), dtype=complex)
    if one_body is not None:
        one_body = np.asarray(one_body)
        for i, j in zip(*np.nonzero(one_body)):
            h = h + one_body[i, j] * (cd[i] @ c[j])
    for coef, ops in products:
        m = sp.identity(dim, dtype=complex, format="csr")
        for dagger, i in ops:
            m = m @ (cd[i] if dagger else c[i])
        h = h + coef * m
    return h.tocsr()


class DenseED:
    """Full diagonalization by particle-number blocks; Green's functions as Lehmann poles."""

    def __init__(
        self, n: int, one_body=None, products=(), beta: float = math.inf, degeneracy_tol: float = 1e-9, conserving=True
    ):
        self.n, self.beta, self.conserving = n, beta, conserving
        h = hamiltonian(n, one_body, products)
        dense = h.toarray()
        if not np.allclose(dense, dense.conj().T, atol=1e-12):
            raise ValueError("reference Hamiltonian is not hermitian")
        counts = np.array([bin(x).count("1") for x in range(1 << n)])
        if conserving:
            self.blocks = [np.nonzero(counts == k)[0] for k in range(n + 1)]
        else:
            self.blocks = [np.arange(1 << n)]
        self.energies, self.vectors = [], []
        for idx in self.blocks:
            sub = dense[np.ix_(idx, idx)]
            if np.abs(dense[np.ix_(idx, np.setdiff1d(np.arange(1 << n), idx))]).max(initial=0) > 1e-12:
                raise ValueError("reference Hamiltonian does not conserve the particle number")
            e, v = np.linalg.eigh(sub)
            self.energies.append(e)
            self.vectors.append(v)
        self.e0 = min(e.min() for e in self.energies)
        if math.isinf(beta):
            self.weights = [np.where(e < self.e0 + degeneracy_tol, 1.0, 0.0) for e in self.energies]
        else:
            self.weights = [np.exp(-beta * (e - self.e0)) for e in self.energies]
        self.z = sum(w.sum() for w in self.weights)
        self.weights = [w / self.z for w in self.weights]
        self._c = annihilators(n)

    @property
    def energy(self) -> float:
        return float(sum((w * e).sum() for w, e in zip(self.weights, self.energies)))

    @property
    def free_energy(self) -> float:
        return self.e0 if math.isinf(self.beta) else self.e0 - math.log(self.z) / self.beta

    def _matrix_elements(self, i: int, k: int, l: int) -> np.ndarray:
        """<a|c_i|b> for a in block k, b in block l."""
        a_idx, b_idx = self.blocks[k], self.blocks[l]
        c = self._c[i][a_idx][:, b_idx].toarray()
        return self.vectors[k].conj().T @ c @ self.vectors[l]

    def poles(self, orbitals, weight_cutoff: float = 1e-16):
        """Energies (P,) and residues (P, n, n) of the Green's function of ``orbitals``."""
        energies, residues = [], []
        pairs = [(k, k + 1) for k in range(self.n)] if self.conserving else [(0, 0)]
        for k, l in pairs:
            m = np.array([self._matrix_elements(i, k, l) for i in orbitals])  # (n, a, b)
            wa, wb = self.weights[k], self.weights[l]
            w = wa[:, None] + wb[None, :]
            weight = w * np.sum(np.abs(m) ** 2, axis=0)
            a, b = np.nonzero(weight > weight_cutoff)
            if a.size == 0:
                continue
            energies.append(self.energies[l][b] - self.energies[k][a])
            mm = m[:, a, b]  # (n, P)
            residues.append(np.einsum("ip,jp->pij", mm, mm.conj()) * w[a, b][:, None, None])
        if not energies:
            return np.zeros(0), np.zeros((0, len(orbitals), len(orbitals)), dtype=complex)
        return np.concatenate(energies), np.concatenate(residues)

    def gf(self, orbitals, z) -> np.ndarray:
        """G_ij(z) for an array of z; shape (len(z), n, n)."""
        e, r = self.poles(orbitals)
        return np.einsum("zp,pij->zij", 1.0 / (np.asarray(z)[:, None] - e[None, :]), r)

    def expectation(self, op: sp.spmatrix) -> complex:
        """Thermal average of an operator given as a sparse matrix on the Fock space."""
        total = 0.0
        for idx, v, w in zip(self.blocks, self.vectors, self.weights):
            sub = op[idx][:, idx]
            total += np.sum(w * np.einsum("ia,ia->a", v.conj(), sub @ v))
        return complex(total)

    def number(self, i: int) -> sp.spmatrix:
        return (self._c[i].T @ self._c[i]).tocsr()

    def density(self, orbitals) -> np.ndarray:
        """rho_ij = <c+_j c_i>."""
        return np.array([[self.expectation(self._c[j].T @ self._c[i]) for j in orbitals] for i in orbitals])
