"""Coulomb tensors and interaction Hamiltonians with the conventions of ``triqs.operators.util``.

    h_int_slater   = 1/2 sum_{s1 s2 a1..a4} U_{a1 a2 a3 a4} c+(s1,a1) c+(s2,a2) c(s2,a4) c(s1,a3)
    h_int_kanamori = 1/2 sum U^{ss'}_{ij} n_is n_js'  -  sum_{i!=j} J c+_i,up c_i,dn c+_j,dn c_j,up
                     +  sum_{i!=j} J c+_i,up c+_i,dn c_j,dn c_j,up
    h_int_density  = 1/2 sum U^{ss'}_{ij} n_is n_js'   (U^{ss} = U, U^{s,s'!=s} = Uprime)

The operator of spin s and orbital a is ``c(s, a)`` with ``off_diag=True``,
``c(f'{s}_{a}', 0)`` with ``off_diag=False``, or ``c(*map_operator_structure[(s, a)])``.

The Slater tensor of an l shell is ``U_{m1 m2 m3 m4} = sum_k F_k c^k(m1, m3) c^k(m4, m2)``
(``m1 + m2 = m3 + m4``) with the Gaunt coefficients
``c^k(m, m') = sqrt(4 pi / (2k+1)) int Y*_lm Y_k,m-m' Y_lm'`` (Condon-Shortley phases).
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from ._validation import finite_array, finite_float, int_in_range, one_of
from .errors import InvalidParameterError, invalid_parameter
from .operators import Operator

__all__ = [
    "U_matrix_slater",
    "U_matrix_kanamori",
    "U_J_to_radial_integrals",
    "spherical_to_cubic",
    "transform_U_matrix",
    "reduce_4index_to_2index",
    "set_operator_structure",
    "h_int_slater",
    "h_int_kanamori",
    "h_int_density",
]

# F4/F2 of a d shell, as in triqs.operators.util.U_matrix (atomic Hartree-Fock values are 0.62-0.63).
_D_F4_F2 = 0.63
# F4/F2 and F6/F2 of an f shell (the same source).
_F_F4_F2, _F_F6_F2 = 451.0 / 675.0, 1001.0 / 2025.0

# Cubic harmonics in TRIQS order, as signed m: +m is (Y_l,-m + (-1)^m Y_l,m)/sqrt2 (cos type),
# -m is i (Y_l,-m - (-1)^m Y_l,m)/sqrt2 (sin type), 0 is Y_l0.
#   l = 1: x, y, z;  l = 2: xy, yz, z^2, xz, x^2-y^2;
#   l = 3: x(x^2-3y^2), z(x^2-y^2), xz^2, z^3, yz^2, xyz, y(3x^2-y^2).
_CUBIC = {0: (0,), 1: (1, -1, 0), 2: (-2, -1, 0, 1, 2), 3: (3, 2, 1, 0, -1, -2, -3)}


# -- Coulomb tensors ---------------------------------------------------------------------------


def _three_j(j1: int, j2: int, j3: int, m1: int, m2: int, m3: int) -> float:
    """Wigner 3j symbol (j1 j2 j3; m1 m2 m3) for integer arguments (Racah's formula)."""
    if m1 + m2 + m3 != 0 or not abs(j1 - j2) <= j3 <= j1 + j2 or abs(m1) > j1 or abs(m2) > j2 or abs(m3) > j3:
        return 0.0
    f = math.factorial
    norm = f(j1 + j2 - j3) * f(j1 - j2 + j3) * f(-j1 + j2 + j3) / f(j1 + j2 + j3 + 1)
    norm *= f(j1 + m1) * f(j1 - m1) * f(j2 + m2) * f(j2 - m2) * f(j3 + m3) * f(j3 - m3)
    total = 0.0
    for t in range(max(0, j2 - j3 - m1, j1 - j3 + m2), min(j1 + j2 - j3, j1 - m1, j2 + m2) + 1):
        total += (-1) ** t / (
            f(t) * f(j3 - j2 + t + m1) * f(j3 - j1 + t - m2) * f(j1 + j2 - j3 - t) * f(j1 - t - m1) * f(j2 - t + m2)
        )
    return (-1) ** (j1 - j2 - m3) * math.sqrt(norm) * total


def _gaunt(l: int, k: int) -> np.ndarray:
    """``c^k(m, m') = (-1)^m (2l+1) (l k l; 0 0 0) (l k l; -m, m-m', m')`` for m, m' = -l..l."""
    ms = range(-l, l + 1)
    parity = _three_j(l, k, l, 0, 0, 0)
    return np.array([[(-1) ** m * (2 * l + 1) * parity * _three_j(l, k, l, -m, m - mp, mp) for mp in ms] for m in ms])


def U_J_to_radial_integrals(l: int, U_int: float, J_hund: float) -> np.ndarray:
    """Slater integrals ``[F0, F2, ...]`` with ``F0 = U_int`` and the Hund's coupling ``J_hund``.

    p: ``J = F2/5``; d: ``J = (F2 + F4)/14`` with ``F4/F2 = 0.63``; f:
    ``J = (286 F2 + 195 F4 + 250 F6)/6435`` with ``F4/F2 = 451/675``, ``F6/F2 = 1001/2025``.
    """
    l = int_in_range("l", l, 1, 3)
    U_int, J_hund = finite_float("U_int", U_int), finite_float("J_hund", J_hund)
    if l == 1:
        return np.array([U_int, 5.0 * J_hund])
    if l == 2:
        F2 = 14.0 * J_hund / (1.0 + _D_F4_F2)
        return np.array([U_int, F2, _D_F4_F2 * F2])
    F2 = 6435.0 * J_hund / (286.0 + 195.0 * _F_F4_F2 + 250.0 * _F_F6_F2)
    return np.array([U_int, F2, _F_F4_F2 * F2, _F_F6_F2 * F2])


def spherical_to_cubic(l: int) -> np.ndarray:
    """The matrix T of the cubic (real) harmonics, ``b+_i = sum_j T_ij a+_j`` with a+ in the
    spherical basis ``Y_l,-l .. Y_l,l``; rows in TRIQS order (see the module constants)."""
    l = int_in_range("l", l, 0, 3)
    T = np.zeros((2 * l + 1, 2 * l + 1), dtype=complex)
    for row, sm in enumerate(_CUBIC[l]):
        m = abs(sm)
        if m == 0:
            T[row, l] = 1.0
        elif sm > 0:
            T[row, l - m], T[row, l + m] = 1 / math.sqrt(2), (-1) ** m / math.sqrt(2)
        else:
            T[row, l - m], T[row, l + m] = 1j / math.sqrt(2), -1j * (-1) ** m / math.sqrt(2)
    return T


def transform_U_matrix(U_matrix, T) -> np.ndarray:
    """The tensor in the basis ``b+_i = sum_j T_ij a+_j``:
    ``U'_{ijkl} = sum conj(T_ia) conj(T_jb) U_{abcd} T_kc T_ld``."""
    U_matrix, T = np.asarray(U_matrix), np.asarray(T)
    return np.einsum("ia,jb,abcd,kc,ld->ijkl", T.conj(), T.conj(), U_matrix, T, T)


def U_matrix_slater(l: int, radial_integrals=None, U_int=None, J_hund=None, basis: str = "spherical") -> np.ndarray:
    """The 4-index Slater tensor of an l shell, for ``H = 1/2 sum U_ijkl c+_is c+_js' c_ls' c_ks``.

    Give either ``radial_integrals = [F0, F2, ..., F2l]`` or ``U_int`` and ``J_hund``
    (converted by :func:`U_J_to_radial_integrals`; if all are given they must agree).
    ``basis``: 'spherical' (``Y_l,-l .. Y_l,l``) or 'cubic' (real harmonics, TRIQS order; real U).
    """
    l = int_in_range("l", l, 0, 3)
    basis = one_of("basis", basis, ("spherical", "cubic"))
    if (U_int is None) != (J_hund is None):
        raise invalid_parameter("U_int, J_hund", (U_int, J_hund), "both given or both None")
    if radial_integrals is None and U_int is None:
        raise InvalidParameterError("U_matrix_slater needs radial_integrals = [F0, F2, ...] or U_int and J_hund.")
    if radial_integrals is not None:
        F = np.asarray(finite_array("radial_integrals", radial_integrals, dtype=float)).reshape(-1)
        if F.shape != (l + 1,):
            raise invalid_parameter("radial_integrals", list(F), f"{l + 1} values [F0, F2, ..., F{2 * l}] for l = {l}")
        if U_int is not None and not np.allclose(F, U_J_to_radial_integrals(l, U_int, J_hund), rtol=1e-12, atol=0):
            raise invalid_parameter(
                "radial_integrals", list(F), f"{list(U_J_to_radial_integrals(l, U_int, J_hund))} from U_int and J_hund",
                "Give either radial_integrals or U_int and J_hund.",
            )
    else:
        F = U_J_to_radial_integrals(l, U_int, J_hund)
    m = np.arange(-l, l + 1)
    conserved = (m[:, None, None, None] + m[None, :, None, None]) == (m[None, None, :, None] + m[None, None, None, :])
    U = np.zeros((2 * l + 1,) * 4)
    for i, Fk in enumerate(F):
        ck = _gaunt(l, 2 * i)
        U += Fk * np.einsum("ac,db->abcd", ck, ck)
    U *= conserved
    if basis == "cubic":
        U = transform_U_matrix(U, spherical_to_cubic(l)).real
    return U


def U_matrix_kanamori(n_orb: int, U_int: float, J_hund: float, Up_int=None, full_Uijkl: bool = False, Jc_hund=None):
    """Kanamori interaction matrices ``(U, Uprime)``: same spin ``U_ii = 0``, ``U_ij = U' - J``;
    opposite spins ``Uprime_ii = U_int``, ``Uprime_ij = U'``; ``U' = U_int - 2 J_hund`` by default.

    ``full_Uijkl=True`` returns the 4-index tensor instead: ``U_iiii = U_int``, ``U_ijij = U'``,
    ``U_ijji = J_hund``, ``U_iijj = Jc_hund`` (default J_hund), for i != j.
    """
    n_orb = int_in_range("n_orb", n_orb, 1)
    U_int, J_hund = finite_float("U_int", U_int), finite_float("J_hund", J_hund)
    Up = U_int - 2.0 * J_hund if Up_int is None else finite_float("Up_int", Up_int)
    if Jc_hund is not None and not full_Uijkl:
        raise invalid_parameter("Jc_hund", Jc_hund, "None unless full_Uijkl=True")
    eye = np.eye(n_orb)
    if not full_Uijkl:
        return (Up - J_hund) * (1.0 - eye), U_int * eye + Up * (1.0 - eye)
    Jc = J_hund if Jc_hund is None else finite_float("Jc_hund", Jc_hund)
    U = np.zeros((n_orb,) * 4)
    for i, j in itertools.product(range(n_orb), repeat=2):
        if i == j:
            U[i, i, i, i] = U_int
        else:
            U[i, j, i, j], U[i, j, j, i], U[i, i, j, j] = Up, J_hund, Jc
    return U


def reduce_4index_to_2index(U_4index):
    """Density-density matrices ``(U, Uprime)`` of a 4-index tensor:
    ``U_mm' = U_mm'mm' - U_mm'm'm`` (same spin), ``Uprime_mm' = U_mm'mm'`` (opposite spins)."""
    U4 = np.asarray(finite_array("U_4index", U_4index)).real
    direct, exchange = np.einsum("abab->ab", U4), np.einsum("abba->ab", U4)
    return direct - exchange, direct.copy()


# -- operator structure -----------------------------------------------------------------------


def _spin_names(spin_names) -> list[str]:
    if isinstance(spin_names, str) or not isinstance(spin_names, Sequence) or not spin_names:
        raise invalid_parameter("spin_names", spin_names, "a non-empty list of str, e.g. ['up', 'down']")
    names = list(spin_names)
    if not all(isinstance(s, str) for s in names) or len(set(names)) != len(names):
        raise invalid_parameter("spin_names", spin_names, "distinct str names, e.g. ['up', 'down']")
    return names


def _n_orb(n_orb) -> int:
    if not isinstance(n_orb, numbers.Integral):
        raise invalid_parameter("n_orb", n_orb, "an int >= 1", "Pass n_orb=len(orb_names) (orbitals are 0 .. n_orb-1).")
    return int_in_range("n_orb", n_orb, 1)


def set_operator_structure(spin_names, n_orb: int, off_diag: bool) -> list[tuple[str, int]]:
    """The gf_struct: ``[(spin, n_orb), ...]`` if ``off_diag``, else ``[(f'{spin}_{orb}', 1), ...]``."""
    spins, n_orb = _spin_names(spin_names), _n_orb(n_orb)
    if off_diag:
        return [(s, n_orb) for s in spins]
    return [(f"{s}_{a}", 1) for s in spins for a in range(n_orb)]


def _index_maker(spin_names, n_orb, off_diag, map_operator_structure):
    """``(spin, orb) -> operator index`` fixed by exactly one of off_diag and map_operator_structure."""
    if (off_diag is None) == (map_operator_structure is None):
        raise InvalidParameterError(
            f"off_diag = {off_diag!r} and map_operator_structure = {map_operator_structure!r}: "
            "give exactly one of them."
        )
    if map_operator_structure is None:
        return (lambda s, a: (s, a)) if off_diag else (lambda s, a: (f"{s}_{a}", 0))
    if not isinstance(map_operator_structure, Mapping):
        raise invalid_parameter("map_operator_structure", map_operator_structure, "a dict (spin, orb) -> index tuple")
    missing = [(s, a) for s in spin_names for a in range(n_orb) if (s, a) not in map_operator_structure]
    if missing:
        raise invalid_parameter("map_operator_structure", map_operator_structure, f"a dict with the keys {missing}")
    return lambda s, a: tuple(map_operator_structure[(s, a)])


def _matrix(name: str, value, shape: tuple, allow_complex: bool = False) -> np.ndarray:
    a = np.asarray(finite_array(name, value))
    if a.shape != shape:
        raise invalid_parameter(name, f"array of shape {a.shape}", f"shape {shape}")
    if np.iscomplexobj(a):
        if not allow_complex and np.abs(a.imag).max(initial=0.0) > 1e-10:
            raise invalid_parameter(name, "a complex array", "real entries", "Pass complex=True for a complex U.")
        if not allow_complex:
            a = a.real
    return a


def _number(x):
    return complex(x) if np.iscomplexobj(x) else float(x)


# -- Hamiltonians -----------------------------------------------------------------------------


def h_int_slater(spin_names, n_orb, U_matrix, off_diag=None, map_operator_structure=None, complex=False) -> Operator:
    """``1/2 sum U_{a1 a2 a3 a4} c+(s1,a1) c+(s2,a2) c(s2,a4) c(s1,a3)`` over spins s1, s2 and orbitals.

    ``complex=False`` requires a real U (|Im U| <= 1e-10), as TRIQS.
    """
    spins, n_orb = _spin_names(spin_names), _n_orb(n_orb)
    idx = _index_maker(spins, n_orb, off_diag, map_operator_structure)
    U = _matrix("U_matrix", U_matrix, (n_orb,) * 4, allow_complex=bool(complex))
    terms = []
    for s1, s2 in itertools.product(spins, repeat=2):
        for a1, a2, a3, a4 in zip(*(a.tolist() for a in np.nonzero(U))):
            ops = [(True, idx(s1, a1)), (True, idx(s2, a2)), (False, idx(s2, a4)), (False, idx(s1, a3))]
            terms.append((ops, 0.5 * _number(U[a1, a2, a3, a4])))
    return Operator.from_monomials(terms)


def _density_terms(spins, n_orb, idx, U, Uprime) -> list:
    terms = []
    for s1, s2 in itertools.product(spins, repeat=2):
        V = U if s1 == s2 else Uprime
        for a1, a2 in itertools.product(range(n_orb), repeat=2):
            if V[a1, a2] != 0:
                ops = [(True, idx(s1, a1)), (False, idx(s1, a1)), (True, idx(s2, a2)), (False, idx(s2, a2))]
                terms.append((ops, 0.5 * float(V[a1, a2])))
    return terms


def h_int_density(spin_names, n_orb, U, Uprime, off_diag=None, map_operator_structure=None) -> Operator:
    """``1/2 sum_{s s' a a'} U^{ss'}_{aa'} n(s,a) n(s',a')`` with ``U^{ss} = U``, ``U^{s s'!=s} = Uprime``."""
    spins, n_orb = _spin_names(spin_names), _n_orb(n_orb)
    idx = _index_maker(spins, n_orb, off_diag, map_operator_structure)
    U, Uprime = _matrix("U", U, (n_orb, n_orb)), _matrix("Uprime", Uprime, (n_orb, n_orb))
    return Operator.from_monomials(_density_terms(spins, n_orb, idx, U, Uprime))


def h_int_kanamori(spin_names, n_orb, U, Uprime, J_hund, off_diag=None, map_operator_structure=None) -> Operator:
    """:func:`h_int_density` plus spin flip ``-J c+(s,a) c(s',a) c+(s',b) c(s,b)`` and pair hopping
    ``J c+(s,a) c+(s',a) c(s',b) c(s,b)``, each 1/2 sum over s != s', a != b."""
    spins, n_orb = _spin_names(spin_names), _n_orb(n_orb)
    idx = _index_maker(spins, n_orb, off_diag, map_operator_structure)
    U, Uprime = _matrix("U", U, (n_orb, n_orb)), _matrix("Uprime", Uprime, (n_orb, n_orb))
    J = finite_float("J_hund", J_hund)
    terms = _density_terms(spins, n_orb, idx, U, Uprime)
    if J != 0.0:
        for s1, s2 in itertools.permutations(spins, 2):
            for a, b in itertools.permutations(range(n_orb), 2):
                flip = [(True, idx(s1, a)), (False, idx(s2, a)), (True, idx(s2, b)), (False, idx(s1, b))]
                pair = [(True, idx(s1, a)), (True, idx(s2, a)), (False, idx(s2, b)), (False, idx(s1, b))]
                terms += [(flip, -0.5 * J), (pair, 0.5 * J)]
    return Operator.from_monomials(terms)
