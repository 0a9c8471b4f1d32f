"""The Anderson impurity model (AIM) with a discrete bath.

    H = sum_b sum_ij h_loc[b]_ij d+_bi d_bj  +  H_int
      + sum_b sum_k eps[b]_k a+_bk a_bk  +  sum_b sum_ik (V[b]_ik d+_bi a_bk + h.c.)

Blocks ``b`` follow ``gf_struct``; each block has its own bath levels ``eps[b]`` (real,
shape ``(nb,)``) and hybridizations ``V[b]`` (complex, shape ``(n_b, nb)``), so that

    Delta_b(z) = V[b] (z - eps[b])^-1 V[b]^+ ,    G0_b(z) = (z - h_loc[b] - Delta_b(z))^-1 .

``h_loc`` contains the chemical potential (``-mu`` on the diagonal); ``h_int`` holds only
the interaction, as :class:`~triqs_mlsolver.operators.Terms` on the impurity's flat
spin-orbital indices (block by block in gf_struct order).  In the full Hamiltonian the
impurity spin-orbitals come first, then the bath orbitals block by block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import finite_array, finite_float
from .errors import IncompatibleGfStructError, NonHermitianError, invalid_parameter
from .gf_struct import GfStruct, fix_gf_struct
from .operators import Terms

__all__ = ["BathBlock", "AIM"]

_HERMITIAN_TOL = 1e-12


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class BathBlock:
    """Discrete bath of one block: levels ``eps`` (nb,) and hybridizations ``V`` (n_orb, nb)."""

    eps: np.ndarray
    V: np.ndarray

    def __post_init__(self) -> None:
        if np.iscomplexobj(self.eps):
            raise invalid_parameter("eps", self.eps, "real bath levels")
        eps = np.atleast_1d(np.asarray(finite_array("eps", self.eps), dtype=float))
        V = np.asarray(finite_array("V", self.V), dtype=complex)
        if V.ndim == 1:
            V = V[None, :]
        if eps.ndim != 1 or V.ndim != 2 or V.shape[1] != eps.shape[0]:
            raise invalid_parameter(
                "V", f"array of shape {V.shape}", f"shape (n_orb, nb) with nb = len(eps) = {eps.shape[0]}"
            )
        object.__setattr__(self, "eps", _readonly(eps))
        object.__setattr__(self, "V", _readonly(V))

    @property
    def n_bath(self) -> int:
        return int(self.eps.shape[0])

    @property
    def n_orb(self) -> int:
        return int(self.V.shape[0])

    def hybridization(self, z: np.ndarray) -> np.ndarray:
        """``Delta(z) = V (z - eps)^-1 V^+`` for an array of complex ``z``; shape ``(len(z), n_orb, n_orb)``."""
        z = np.asarray(z, dtype=complex).reshape(-1)
        if self.n_bath == 0:
            return np.zeros((z.size, self.n_orb, self.n_orb), dtype=complex)
        return np.einsum("ik,wk,jk->wij", self.V, 1.0 / (z[:, None] - self.eps[None, :]), self.V.conj())


@dataclass(frozen=True, eq=False)
class AIM:
    """An Anderson impurity model: ``gf_struct``, local levels, interaction and an optional discrete bath.

    Parameters
    ----------
    gf_struct : list of (name, size)
        Block structure of the impurity (old formats are converted).
    h_loc : dict name -> (n, n) array
        Hermitian single-particle impurity levels of each block (chemical potential included).
    h_int : Terms
        The interaction on the ``sum(sizes)`` impurity spin-orbitals.
    bath : dict name -> BathBlock, optional
        The discrete bath of each block; ``None`` (or empty baths) is the atomic limit.
    """

    gf_struct: GfStruct
    h_loc: dict
    h_int: Terms
    bath: dict | None = field(default=None)

    def __post_init__(self) -> None:
        gf_struct = fix_gf_struct(self.gf_struct)
        object.__setattr__(self, "gf_struct", gf_struct)
        names = [name for name, _ in gf_struct]
        if set(self.h_loc) != set(names):
            raise IncompatibleGfStructError(
                f"h_loc has blocks {sorted(self.h_loc)}, gf_struct has {names}: they must be the same."
            )
        h_loc = {}
        for name, size in gf_struct:
            h = np.asarray(finite_array(f"h_loc[{name!r}]", self.h_loc[name]), dtype=complex)
            if h.ndim == 0 and size == 1:
                h = h.reshape(1, 1)
            if h.shape != (size, size):
                raise IncompatibleGfStructError(
                    f"h_loc[{name!r}] has shape {h.shape}: block {name!r} of gf_struct needs shape {(size, size)}."
                )
            if not np.allclose(h, h.conj().T, atol=_HERMITIAN_TOL, rtol=0):
                raise NonHermitianError(
                    f"h_loc[{name!r}] is not hermitian (max |h - h^+| = {np.abs(h - h.conj().T).max():.3e})."
                )
            h_loc[name] = _readonly(h)
        object.__setattr__(self, "h_loc", h_loc)

        n_imp = sum(size for _, size in gf_struct)
        if not isinstance(self.h_int, Terms):
            raise invalid_parameter("h_int", type(self.h_int).__name__, "a Terms object (see operators.Terms)")
        if self.h_int.n_orbitals != n_imp:
            raise IncompatibleGfStructError(
                f"h_int acts on {self.h_int.n_orbitals} spin-orbitals, gf_struct has {n_imp}."
            )
        if not self.h_int.is_hermitian():
            raise NonHermitianError("h_int is not hermitian: the interaction must equal its conjugate transpose.")

        bath = self.bath or {}
        if bath and set(bath) != set(names):
            raise IncompatibleGfStructError(f"bath has blocks {sorted(bath)}, gf_struct has {names}: they must be the same.")
        clean = {}
        for name, size in gf_struct:
            block = bath.get(name, BathBlock(np.zeros(0), np.zeros((size, 0))))
            if not isinstance(block, BathBlock):
                raise invalid_parameter(f"bath[{name!r}]", type(block).__name__, "a BathBlock")
            if block.n_orb != size:
                raise IncompatibleGfStructError(
                    f"bath[{name!r}].V couples {block.n_orb} orbitals, block {name!r} has {size}."
                )
            clean[name] = block
        object.__setattr__(self, "bath", clean)

    # -- sizes ---------------------------------------------------------------------------
    @property
    def n_impurity(self) -> int:
        """Number of impurity spin-orbitals."""
        return sum(size for _, size in self.gf_struct)

    @property
    def n_bath(self) -> int:
        """Total number of bath orbitals (all blocks)."""
        return sum(b.n_bath for b in self.bath.values())

    @property
    def n_orbitals(self) -> int:
        """Total number of spin-orbitals of the full Hamiltonian (impurity + bath)."""
        return self.n_impurity + self.n_bath

    # -- Green's functions of the non-interacting problem ---------------------------------
    def hybridization(self, z: np.ndarray) -> dict[str, np.ndarray]:
        """``Delta_b(z)`` for each block, shape ``(len(z), n_b, n_b)``."""
        return {name: self.bath[name].hybridization(z) for name, _ in self.gf_struct}

    def g0(self, z: np.ndarray) -> dict[str, np.ndarray]:
        """Non-interacting impurity propagator ``G0_b(z) = (z - h_loc_b - Delta_b(z))^-1``."""
        z = np.asarray(z, dtype=complex).reshape(-1)
        out = {}
        for name, size in self.gf_struct:
            m = z[:, None, None] * np.eye(size) - self.h_loc[name] - self.bath[name].hybridization(z)
            out[name] = np.linalg.inv(m)
        return out

    # -- full Hamiltonian -----------------------------------------------------------------
    def impurity_orbitals(self) -> dict[str, list[int]]:
        """Flat indices of each block's impurity spin-orbitals in the full Hamiltonian."""
        out, k = {}, 0
        for name, size in self.gf_struct:
            out[name] = list(range(k, k + size))
            k += size
        return out

    def bath_orbitals(self) -> dict[str, list[int]]:
        """Flat indices of each block's bath orbitals in the full Hamiltonian."""
        out, k = {}, self.n_impurity
        for name, _ in self.gf_struct:
            nb = self.bath[name].n_bath
            out[name] = list(range(k, k + nb))
            k += nb
        return out

    def quadratic_matrix(self) -> np.ndarray:
        """The single-particle matrix ``h`` of the quadratic part: ``H_0 = sum_ij h_ij c+_i c_j``."""
        h = np.zeros((self.n_orbitals, self.n_orbitals), dtype=complex)
        imp, bth = self.impurity_orbitals(), self.bath_orbitals()
        for name, _ in self.gf_struct:
            i, b = np.array(imp[name]), np.array(bth[name], dtype=int)
            h[np.ix_(i, i)] = self.h_loc[name]
            if b.size:
                h[b, b] = self.bath[name].eps
                h[np.ix_(i, b)] = self.bath[name].V
                h[np.ix_(b, i)] = self.bath[name].V.conj().T
        return h

    def hamiltonian(self) -> Terms:
        """The full Hamiltonian (quadratic part + interaction) as :class:`Terms` on all spin-orbitals."""
        h = self.quadratic_matrix()
        rows, cols = np.nonzero(h)
        quadratic = Terms.build(
            self.n_orbitals, [(complex(h[i, j]), ((True, int(i)), (False, int(j)))) for i, j in zip(rows, cols)]
        )
        return quadratic + self.h_int.embed(self.n_orbitals, list(range(self.n_impurity)))

    def orbital_groups(self) -> list[list[int]]:
        """Candidate conserved groups: each block's impurity orbitals together with its bath."""
        imp, bth = self.impurity_orbitals(), self.bath_orbitals()
        return [imp[name] + bth[name] for name, _ in self.gf_struct]

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def single_orbital(
        cls,
        U: float,
        eps_d: float,
        eps_k=(),
        V_k=(),
        *,
        spin_names: tuple[str, str] = ("up", "down"),
    ) -> "AIM":
        """One orbital with ``H_int = U n_up n_dn``, level ``eps_d`` and the same bath for both spins."""
        U = finite_float("U", U)
        eps_d = finite_float("eps_d", eps_d)
        eps_k = np.atleast_1d(np.asarray(eps_k, dtype=float))
        V_k = np.atleast_1d(np.asarray(V_k, dtype=complex))
        if eps_k.shape != V_k.shape:
            raise invalid_parameter("V_k", f"array of length {V_k.size}", f"the same length as eps_k ({eps_k.size})")
        up, dn = spin_names
        h_int = Terms.build(2, [(U, ((True, 0), (True, 1), (False, 1), (False, 0)))]) if U != 0.0 else Terms.build(2, [])
        bath = {s: BathBlock(eps_k, V_k[None, :]) for s in spin_names}
        return cls(
            gf_struct=((up, 1), (dn, 1)),
            h_loc={up: np.array([[eps_d]]), dn: np.array([[eps_d]])},
            h_int=h_int,
            bath=bath,
        )
