"""The least-squares problem of the bath fit: parametrisation, cost with its Jacobian, and the
Levenberg-Marquardt minimiser (used by :func:`triqs_mlsolver.bath.fit_bath`).

A block of ``n`` orbitals and ``nb`` levels is ``x = (eps, Re V, Im V)``; the free parameters ``p``
map onto it linearly (``x = M p``: gauge, particle-hole symmetric pairs), and the levels are
bounded through ``eps = B tanh(u / B)``.  The cost of a block is the weighted distance of
``bath.md``, ``d^2 = ||r||^2`` with ``r_fij = s_f (Delta_fit - Delta)_ij(iw_f)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["layout", "unpack", "Cost", "minimise"]


# -- parametrisation ----------------------------------------------------------------------------

def layout(n_orb: int, nb: int, symmetric: bool, complex_v: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear map ``x = M p`` from the free parameters ``p`` to ``x = (eps, Re V, Im V)`` (V flattened row-major).

    Free parameters: independent levels, then the real and imaginary parts of independent
    columns of V; ``Im V[0, :]`` is fixed to 0 (gauge).  Symmetric: ``eps = (e, -e[, 0])`` and
    the columns of a pair equal.  Returns ``M``, the level map and the column map.
    """
    if symmetric:
        n_pair, odd = divmod(nb, 2)
        levels = np.zeros((nb, n_pair))
        levels[:n_pair] = np.eye(n_pair)
        levels[n_pair : 2 * n_pair] = -np.eye(n_pair)
        cols = np.zeros((n_pair + odd, nb))
        cols[:n_pair, :n_pair] = np.eye(n_pair)
        cols[:n_pair, n_pair : 2 * n_pair] = np.eye(n_pair)
        if odd:
            cols[n_pair, nb - 1] = 1.0
    else:
        levels, cols = np.eye(nb), np.eye(nb)
    n_e, n_c = levels.shape[1], cols.shape[0]
    im_rows = n_orb - 1 if complex_v else 0
    M = np.zeros((nb + 2 * n_orb * nb, n_e + (n_orb + im_rows) * n_c))
    M[:nb, :n_e] = levels
    M[nb : nb + n_orb * nb, n_e : n_e + n_orb * n_c] = np.kron(np.eye(n_orb), cols.T)
    if im_rows:
        M[nb + n_orb * nb + nb :, n_e + n_orb * n_c :] = np.kron(np.eye(im_rows), cols.T)
    return M, levels, cols


def unpack(x: np.ndarray, n_orb: int, nb: int) -> tuple[np.ndarray, np.ndarray]:
    return x[:nb], (x[nb : nb + n_orb * nb] + 1j * x[nb + n_orb * nb :]).reshape(n_orb, nb)


def model(x: np.ndarray, z: np.ndarray, n_orb: int, nb: int) -> np.ndarray:
    eps, V = unpack(x, n_orb, nb)
    return np.einsum("ik,fk,jk->fij", V, 1.0 / (z[:, None] - eps), V.conj())


def jacobian(x: np.ndarray, z: np.ndarray, n_orb: int, nb: int) -> np.ndarray:
    """``d Delta_ij(z_f) / d x``, shape ``(F, n, n, len(x))``, of ``Delta_ij = sum_k V_ik g_k V*_jk``, ``g_k = 1/(z - eps_k)``.

    ``dDelta_ij/deps_k = V_ik V*_jk g_k^2``, ``dDelta_ij/dRe V_ok = g_k (delta_io V*_jk + V_ik delta_jo)``,
    ``dDelta_ij/dIm V_ok = i g_k (delta_io V*_jk - V_ik delta_jo)``.
    """
    eps, V = unpack(x, n_orb, nb)
    g = 1.0 / (z[:, None] - eps)
    F = z.size
    J = np.zeros((F, n_orb, n_orb, nb + 2 * n_orb * nb), dtype=complex)
    J[..., :nb] = (V[:, None, :] * V.conj()[None, :, :])[None] * (g * g)[:, None, None, :]
    left = g[:, None, :] * V.conj()[None]  # (F, j, k): the delta_il term
    right = g[:, None, :] * V[None]  # (F, i, k): the delta_jl term
    for o in range(n_orb):
        re = slice(nb + o * nb, nb + (o + 1) * nb)
        im = slice(nb + (n_orb + o) * nb, nb + (n_orb + o + 1) * nb)
        J[:, o, :, re] += left
        J[:, :, o, re] += right
        J[:, o, :, im] += 1j * left
        J[:, :, o, im] -= 1j * right
    return J



# -- cost and minimiser -------------------------------------------------------------------------

class Cost:
    """The cost ``d^2 = ||r||^2`` of one block: ``r_fij = s_f (Delta_fit - Delta)_ij(iw_f)``, ``s_f^2 = W_f / norm``.

    One orbital (the common case) takes a lean path with the same mathematics in real arithmetic:
    real ``V``, ``g_k = 1/(i w - eps_k) = -(eps_k + i w)/(eps_k^2 + w^2)``,
    ``Delta = sum_k V_k^2 g_k``, ``dDelta/deps_k = V_k^2 g_k^2``, ``dDelta/dV_k = 2 V_k g_k``, the real
    and imaginary parts stacked, and the Jacobian reduced to the free parameters before the normal
    equations (about 4x faster than the general path).
    """

    def __init__(self, target, z, s, M, n_orb, nb, level_bound=np.inf):
        self.target, self.z, self.s, self.M, self.n_orb, self.nb = target, z, s, M, n_orb, nb
        self.level_bound = level_bound
        self._scalar = n_orb == 1 and not np.any(z.real)
        if self._scalar:
            F = z.size
            self._w2 = (z.imag**2)[:, None]
            self._minus_w = -z.imag[:, None]
            self._weight = np.concatenate([s[:, 0, 0], s[:, 0, 0]])
            self._target = np.concatenate([target[:, 0, 0].real, target[:, 0, 0].imag]) * self._weight
            self._M = M[: 2 * nb]  # the rows of Im V are zero for one orbital
            self._g = np.empty((2 * F, nb))  # stacked Re g, Im g
            self._J = np.empty((2 * F, 2 * nb))
            self._last = None

    def _scalar_residual(self, x: np.ndarray) -> np.ndarray:
        """Stacked weighted residual (Re, Im) for the parameters ``x``; leaves g in ``self._g``."""
        if self._last is not None and np.array_equal(self._last[0], x):
            return self._last[1]
        F, nb = self.z.size, self.nb
        eps, v = x[:nb], x[nb : 2 * nb]
        d = 1.0 / (eps * eps + self._w2)
        np.multiply(-eps, d, out=self._g[:F])
        np.multiply(self._minus_w, d, out=self._g[F:])
        r = (self._g @ (v * v)) * self._weight - self._target
        self._last = (x, r)
        return r

    def physical(self, p: np.ndarray, full: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``x = (eps, Re V, Im V)`` of the free parameters ``p`` (``eps = B tanh(u/B)``, ``u`` the levels
        of ``M p``) and ``d eps/d u`` (the chain factor of the level columns of the Jacobian).  The lean
        one-orbital path leaves out the zero rows of ``Im V`` unless ``full``."""
        x = (self._M if self._scalar and not full else self.M) @ p
        if not np.isfinite(self.level_bound):
            return x, np.ones(self.nb)
        t = np.tanh(x[: self.nb] / self.level_bound)
        x[: self.nb] = self.level_bound * t
        return x, 1.0 - t * t

    def levels_to_free(self, e: np.ndarray) -> np.ndarray:
        """Inverse of the level transform, ``u = B artanh(e/B)`` (for starting points inside the bound)."""
        if not np.isfinite(self.level_bound):
            return e
        return self.level_bound * np.arctanh(np.clip(e / self.level_bound, -0.999, 0.999))

    def __call__(self, p: np.ndarray) -> float:
        if self._scalar:
            r = self._scalar_residual(self.physical(p)[0])
            return float(r @ r)
        r = self.s * (model(self.physical(p)[0], self.z, self.n_orb, self.nb) - self.target)
        return float(np.vdot(r, r).real)

    def normal(self, p: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Cost, ``A = J^T J`` and ``g = J^T r`` for the real Jacobian ``J = d(Re r, Im r)/dp``."""
        x, chain = self.physical(p)
        if self._scalar:
            r = self._scalar_residual(x)  # also sets self._g for x (cached after an accepted trial step)
            F, nb = self.z.size, self.nb
            v = x[nb : 2 * nb]
            gr, gi, J = self._g[:F], self._g[F:], self._J
            np.multiply(gr * gr - gi * gi, v * v, out=J[:F, :nb])  # Re dDelta/deps = Re g^2 V^2
            np.multiply(2.0 * gr * gi, v * v, out=J[F:, :nb])
            np.multiply(self._g, 2.0 * v, out=J[:, nb:])  # dDelta/dV = 2 V g
            J[:, :nb] *= chain
            J = (J * self._weight[:, None]) @ self._M
            return float(r @ r), J.T @ J, J.T @ r
        r = (self.s * (model(x, self.z, self.n_orb, self.nb) - self.target)).ravel()
        J = (self.s[..., None] * jacobian(x, self.z, self.n_orb, self.nb)).reshape(r.size, -1)
        J[:, : self.nb] *= chain
        A = self.M.T @ (J.conj().T @ J).real @ self.M
        g = self.M.T @ (J.conj().T @ r).real
        return float(np.vdot(r, r).real), A, g


def minimise(cost: Cost, p: np.ndarray, max_iterations: int, tol: float, target: float) -> tuple[np.ndarray, float, bool]:
    """Levenberg-Marquardt: trial steps ``(A + mu D) h = -g``, mu updated from the gain ratio (Nielsen).

    ``D`` is the running maximum of ``diag(A)`` (Marquardt's scaling: invariant under a rescaling of
    the parameters).  Stops when the cost is at most ``target``, when an accepted step lowers it by less than ``tol``
    relative (actual and predicted), when the scaled step is below ``tol`` relative to the
    parameters, or after ``max_iterations`` trial steps.  Returns the parameters, the cost and
    whether it converged.
    """
    c, A, g = cost.normal(p)
    scale = np.zeros(p.size)
    mu, nu = 1e-3, 2.0
    for _ in range(max_iterations):
        if c <= target:
            return p, c, True
        scale = np.maximum(scale, np.diag(A))
        scale[scale == 0.0] = 1.0
        try:
            h = np.linalg.solve(A + mu * np.diag(scale), -g)
        except np.linalg.LinAlgError:
            mu, nu = mu * nu, nu * 2.0
            continue
        trial = p + h
        predicted = -2.0 * g @ h - h @ A @ h
        c_new = cost(trial)
        if c_new < c:
            small = c - c_new <= tol * c and predicted <= tol * c
            rho = (c - c_new) / predicted if predicted > 0 else 1.0
            p = trial
            c, A, g = cost.normal(p)
            mu, nu = mu * max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3), 2.0
            if small:
                return p, c, True
        else:
            mu, nu = mu * nu, nu * 2.0
        if np.sqrt(scale @ h**2) <= tol * (np.sqrt(scale @ p**2) + tol):
            return p, c, True
    return p, c, False
