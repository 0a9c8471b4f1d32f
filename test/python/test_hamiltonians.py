"""Interaction Hamiltonians and Coulomb tensors against hand derivations, spectra and TRIQS data.

Independent truths: the normal-ordered Kanamori monomials derived by hand; atomic spectra
(Kanamori multiplets, the p^2 and d^2 Slater-Condon terms) from a dense diagonalization
with a Jordan-Wigner action on bit strings written here; Gaunt coefficients by numerical
quadrature of spherical (and cubic) harmonics; and the atomic Green's function of a
5-orbital Slater atom written by TRIQS's Hubbard-I solver.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.special import lpmv, roots_legendre

from triqs_mlsolver.errors import InvalidParameterError
from triqs_mlsolver.hamiltonians import (
    U_J_to_radial_integrals,
    U_matrix_kanamori,
    U_matrix_slater,
    reduce_4index_to_2index,
    set_operator_structure,
    h_int_density,
    h_int_kanamori,
    h_int_slater,
)
from triqs_mlsolver.operators import Terms, is_op_hermitian

T, F = True, False
SPINS = ["up", "down"]


# -- independent Fock-space tools ------------------------------------------------------------


class Fock:
    """Occupation-number states as bit strings (bit k = orbital k), Jordan-Wigner signs."""

    def __init__(self, n_modes: int):
        self.popcount = np.array([bin(s).count("1") for s in range(1 << n_modes)])

    def sector(self, n_particles: int) -> np.ndarray:
        return np.flatnonzero(self.popcount == n_particles)

    def matrix(self, terms, cols, rows=None) -> np.ndarray:
        """<rows| sum coef * monomial |cols>, monomials applied right to left."""
        rows = cols if rows is None else rows
        pos = np.full(self.popcount.size, -1)
        pos[rows] = np.arange(len(rows))
        out = np.zeros((len(rows), len(cols)), dtype=complex)
        for coef, monomial in terms:
            s, sign, alive = cols.copy(), np.ones(len(cols)), np.ones(len(cols), dtype=bool)
            for d, o in reversed(monomial):
                alive &= ((s >> o) & 1) != d
                sign *= 1 - 2 * (self.popcount[s & ((1 << o) - 1)] % 2)
                s = s ^ (1 << o)
            keep = alive & (pos[s] >= 0)
            np.add.at(out, (pos[s[keep]], np.flatnonzero(keep)), coef * sign[keep])
        return out


def spectrum(terms: Terms, n_particles: int) -> np.ndarray:
    fock = Fock(terms.n_orbitals)
    h = fock.matrix(terms, fock.sector(n_particles))
    np.testing.assert_allclose(h, h.conj().T, atol=1e-12)
    return np.linalg.eigvalsh(h)


def multiplets(energies: np.ndarray, decimals: int = 9) -> dict[float, int]:
    values, counts = np.unique(np.round(energies, decimals), return_counts=True)
    return {float(v): int(k) for v, k in zip(values, counts)}


def expected(levels: dict) -> dict[float, int]:
    return {float(np.round(e, 9)): k for e, k in levels.items()}


# -- spherical harmonics by quadrature --------------------------------------------------------

X_GL, W_GL = roots_legendre(20)  # exact for polynomials in cos(theta) of degree < 40
PHI = 2 * np.pi * np.arange(32) / 32  # exact for Fourier modes |m| < 32
THETA = np.arccos(X_GL)
WEIGHTS = np.outer(W_GL, np.full(PHI.size, 2 * np.pi / PHI.size))


def Y(l: int, m: int) -> np.ndarray:
    """Y_lm on the (theta, phi) grid, Condon-Shortley phase (scipy's lpmv includes it)."""
    if m < 0:
        return (-1) ** m * Y(l, -m).conj()
    norm = math.sqrt((2 * l + 1) / (4 * math.pi) * math.factorial(l - m) / math.factorial(l + m))
    return norm * lpmv(m, l, X_GL)[:, None] * np.exp(1j * m * PHI)[None, :]


def integral(f: np.ndarray) -> complex:
    return complex(np.sum(WEIGHTS * f))


def coulomb_by_quadrature(basis: list[np.ndarray], radial) -> np.ndarray:
    """U_ijkl = sum_k F_k 4pi/(2k+1) sum_q <i|Y_kq|k> <j|Y*_kq|l>, angular integrals numerically."""
    size = len(basis)
    U = np.zeros((size,) * 4, dtype=complex)
    for i, Fk in enumerate(radial):
        k = 2 * i
        for q in range(-k, k + 1):
            ykq = Y(k, q)
            left = np.array([[integral(a.conj() * ykq * b) for b in basis] for a in basis])
            right = np.array([[integral(a.conj() * ykq.conj() * b) for b in basis] for a in basis])
            U += Fk * 4 * np.pi / (2 * k + 1) * np.einsum("ik,jl->ijkl", left, right)
    return U


def cubic_harmonics(l: int) -> list[np.ndarray]:
    """Real harmonics from Cartesian polynomials, TRIQS order, normalised on the sphere (positive sign)."""
    st, ct = np.sin(THETA)[:, None], np.cos(THETA)[:, None]
    x, y, z = st * np.cos(PHI)[None, :], st * np.sin(PHI)[None, :], ct * np.ones_like(PHI)[None, :]
    polys = {
        1: [x, y, z],
        2: [x * y, y * z, 3 * z**2 - 1, x * z, x**2 - y**2],
        3: [x * (x**2 - 3 * y**2), z * (x**2 - y**2), x * (5 * z**2 - 1), z * (5 * z**2 - 3),
            y * (5 * z**2 - 1), x * y * z, y * (3 * x**2 - y**2)],
    }[l]
    return [p / math.sqrt(integral(p * p).real) for p in polys]


# -- Kanamori ---------------------------------------------------------------------------------


def test_kanamori_matrices():
    U, Up = U_matrix_kanamori(3, U_int=4.0, J_hund=0.6)
    np.testing.assert_allclose(U, (4.0 - 3 * 0.6) * (1 - np.eye(3)))
    np.testing.assert_allclose(Up, 4.0 * np.eye(3) + (4.0 - 1.2) * (1 - np.eye(3)))
    U, Up = U_matrix_kanamori(2, 4.0, 0.6, Up_int=3.0)
    np.testing.assert_allclose(U, [[0, 2.4], [2.4, 0]])
    np.testing.assert_allclose(Up, [[4, 3], [3, 4]])
    full = U_matrix_kanamori(3, 4.0, 0.6, full_Uijkl=True, Jc_hund=0.5)
    assert full[1, 1, 1, 1] == 4.0 and full[0, 2, 0, 2] == 2.8 and full[0, 2, 2, 0] == 0.6 and full[0, 0, 2, 2] == 0.5
    assert np.count_nonzero(full) == 3 + 3 * 6
    np.testing.assert_allclose(reduce_4index_to_2index(U_matrix_kanamori(3, 4.0, 0.6, full_Uijkl=True)),
                               U_matrix_kanamori(3, 4.0, 0.6))
    with pytest.raises(InvalidParameterError, match="Jc_hund"):
        U_matrix_kanamori(2, 4.0, 0.6, Jc_hund=0.5)


def test_kanamori_two_orbitals_monomials_by_hand():
    """Hand normal ordering, indices ('down',0) < ('down',1) < ('up',0) < ('up',1).

    Spin flip -J c+u0 c d0 c+d1 c u1 = +J c+d1 c+u0 c u1 c d0 (three swaps);
    pair hopping J c+u0 c+d0 c d1 c u1 = +J c+d0 c+u0 c u1 c d1 (two swaps);
    n_u0 n_u1 = +c+u0 c+u1 c u1 c u0 with U' - J = U - 3J; n_s,a n_s',b -> +U or +U'.
    """
    Ui, J = 4.0, 0.5
    U, Up = U_matrix_kanamori(2, Ui, J)
    h = h_int_kanamori(SPINS, 2, U, Up, J, off_diag=True)
    d0, d1, u0, u1 = ["down", 0], ["down", 1], ["up", 0], ["up", 1]
    assert list(h) == [
        ([(T, d0), (T, d1), (F, d1), (F, d0)], Ui - 3 * J),
        ([(T, d0), (T, u0), (F, u1), (F, d1)], J),  # pair hopping
        ([(T, d0), (T, u0), (F, u0), (F, d0)], Ui),
        ([(T, d0), (T, u1), (F, u1), (F, d0)], Ui - 2 * J),
        ([(T, d0), (T, u1), (F, u0), (F, d1)], J),  # spin flip
        ([(T, d1), (T, u0), (F, u1), (F, d0)], J),  # spin flip
        ([(T, d1), (T, u0), (F, u0), (F, d1)], Ui - 2 * J),
        ([(T, d1), (T, u1), (F, u1), (F, d1)], Ui),
        ([(T, d1), (T, u1), (F, u0), (F, d0)], J),  # pair hopping
        ([(T, u0), (T, u1), (F, u1), (F, u0)], Ui - 3 * J),
    ]
    assert is_op_hermitian(h)


def test_kanamori_two_orbital_atom_multiplets():
    """2 orbitals, U' = U - 2J: N=2 has the triplet at U-3J, the singlets U-J (x2) and U+J;
    N=3: 3U-5J (x4); N=4: 6U-10J."""
    Ui, J = 3.0, 0.4
    U, Up = U_matrix_kanamori(2, Ui, J)
    gf_struct = set_operator_structure(SPINS, 2, off_diag=True)
    t = Terms.from_gf_struct(h_int_kanamori(SPINS, 2, U, Up, J, off_diag=True), gf_struct)
    assert multiplets(spectrum(t, 0)) == {0.0: 1} and multiplets(spectrum(t, 1)) == {0.0: 4}
    assert multiplets(spectrum(t, 2)) == expected({Ui - 3 * J: 3, Ui - J: 2, Ui + J: 1})
    assert multiplets(spectrum(t, 3)) == expected({3 * Ui - 5 * J: 4})
    assert multiplets(spectrum(t, 4)) == expected({6 * Ui - 10 * J: 1})
    # density-density only: no spin flip or pair hopping, the N=2 states are Fock states
    d = Terms.from_gf_struct(h_int_density(SPINS, 2, U, Up, off_diag=True), gf_struct)
    assert multiplets(spectrum(d, 2)) == expected({Ui - 3 * J: 2, Ui - 2 * J: 2, Ui: 2})
    assert all(len(m) == 4 and {o for dd, o in m if dd} == {o for dd, o in m if not dd} for m in d.monomials)


def test_slater_form_of_kanamori_tensor_equals_kanamori():
    Ui, J = 2.5, 0.3
    U, Up = U_matrix_kanamori(3, Ui, J)
    full = U_matrix_kanamori(3, Ui, J, full_Uijkl=True)
    assert h_int_slater(SPINS, 3, full, off_diag=True) == h_int_kanamori(SPINS, 3, U, Up, J, off_diag=True)


def test_operator_structures():
    assert set_operator_structure(SPINS, 2, True) == [("up", 2), ("down", 2)]
    assert set_operator_structure(SPINS, 2, False) == [("up_0", 1), ("up_1", 1), ("down_0", 1), ("down_1", 1)]
    U, Up = U_matrix_kanamori(2, 2.0, 0.2)
    h = h_int_kanamori(SPINS, 2, U, Up, 0.2, off_diag=False)
    assert {tuple(idx) for m, _ in h for _, idx in m} == {("up_0", 0), ("up_1", 0), ("down_0", 0), ("down_1", 0)}
    mapping = {(s, a): (f"{s}_{a}", 0) for s in SPINS for a in range(2)}
    assert h_int_kanamori(SPINS, 2, U, Up, 0.2, map_operator_structure=mapping) == h
    assert Terms.from_gf_struct(h, set_operator_structure(SPINS, 2, False)).n_orbitals == 4


def test_hamiltonian_argument_errors():
    U, Up = U_matrix_kanamori(2, 2.0, 0.2)
    with pytest.raises(InvalidParameterError, match="exactly one"):
        h_int_kanamori(SPINS, 2, U, Up, 0.2)
    with pytest.raises(InvalidParameterError, match="exactly one"):
        h_int_density(SPINS, 2, U, Up, off_diag=True, map_operator_structure={})
    with pytest.raises(InvalidParameterError, match=r"\('down', 1\)"):
        h_int_density(SPINS, 2, U, Up, map_operator_structure={(s, 0): (s, 0) for s in SPINS})
    with pytest.raises(InvalidParameterError, match=r"shape \(3, 3\)"):
        h_int_density(SPINS, 3, U, Up, off_diag=True)
    with pytest.raises(InvalidParameterError, match="n_orb=len"):
        h_int_density(SPINS, ["a", "b"], U, Up, off_diag=True)
    with pytest.raises(InvalidParameterError, match="spin_names"):
        set_operator_structure("up", 2, True)
    with pytest.raises(InvalidParameterError, match="complex=True"):
        h_int_slater(SPINS, 1, np.full((1, 1, 1, 1), 1j), off_diag=True)
    assert not h_int_slater(SPINS, 1, np.full((1, 1, 1, 1), 2j), off_diag=True, complex=True).is_zero()


# -- Slater -----------------------------------------------------------------------------------


@pytest.mark.parametrize("l", [1, 2, 3])
def test_slater_tensor_equals_gaunt_quadrature(l, rng):
    radial = rng.uniform(0.5, 5.0, size=l + 1)
    spherical = [Y(l, m) for m in range(-l, l + 1)]
    np.testing.assert_allclose(U_matrix_slater(l, radial), coulomb_by_quadrature(spherical, radial), atol=1e-12)
    np.testing.assert_allclose(
        U_matrix_slater(l, radial, basis="cubic"), coulomb_by_quadrature(cubic_harmonics(l), radial), atol=1e-12
    )


@pytest.mark.parametrize("l", [1, 2, 3])
def test_slater_symmetries_and_averages(l):
    U_int, J_hund = 4.0, 0.7
    U = U_matrix_slater(l, U_int=U_int, J_hund=J_hund)
    size = 2 * l + 1
    np.testing.assert_allclose(U, U.transpose(1, 0, 3, 2), atol=1e-14)  # exchange of the two particles
    np.testing.assert_allclose(U, U.transpose(2, 3, 0, 1), atol=1e-14)  # hermiticity (real tensor)
    m = np.arange(-l, l + 1)
    violating = (m[:, None, None, None] + m[None, :, None, None]) != (m[None, None, :, None] + m[None, None, None, :])
    assert np.all(U[violating] == 0)
    direct, exchange = np.einsum("abab->ab", U), np.einsum("abba->ab", U)
    assert np.isclose(direct.sum() / size**2, U_int)  # U_avg = F0
    off = ~np.eye(size, dtype=bool)
    j_avg = U_int - (direct - exchange)[off].sum() / (size * (size - 1))  # U - J = average same-spin interaction
    assert np.isclose(j_avg, J_hund)
    cubic = U_matrix_slater(l, U_int=U_int, J_hund=J_hund, basis="cubic")
    assert np.isclose(np.einsum("abab->", cubic) / size**2, U_int)


def test_radial_integrals_from_U_and_J():
    np.testing.assert_allclose(U_J_to_radial_integrals(1, 3.0, 0.5), [3.0, 2.5])
    F0, F2, F4 = U_J_to_radial_integrals(2, 3.0, 0.7)
    assert F0 == 3.0 and np.isclose(F4 / F2, 0.63) and np.isclose((F2 + F4) / 14, 0.7)
    F0, F2, F4, F6 = U_J_to_radial_integrals(3, 6.0, 0.8)
    assert np.isclose(F4 / F2, 451 / 675) and np.isclose(F6 / F2, 1001 / 2025)
    assert np.isclose((286 * F2 + 195 * F4 + 250 * F6) / 6435, 0.8)


def test_two_electron_terms_of_p_and_d_shells():
    """Slater-Condon: p^2 3P = F0 - F2/5, 1D = F0 + F2/25, 1S = F0 + 2F2/5;
    d^2 with F2' = F2/49, F4' = F4/441: 3F = F0-8F2'-9F4', 1D = F0-3F2'+36F4', 3P = F0+7F2'-84F4',
    1G = F0+4F2'+F4', 1S = F0+14F2'+126F4'."""
    F0, F2 = 2.0, 3.5
    h = h_int_slater(SPINS, 3, U_matrix_slater(1, [F0, F2]), off_diag=True)
    t = Terms.from_gf_struct(h, set_operator_structure(SPINS, 3, True))
    assert multiplets(spectrum(t, 2)) == expected({F0 - F2 / 5: 9, F0 + F2 / 25: 5, F0 + 2 * F2 / 5: 1})
    F0, F2, F4 = 3.0, 7.0, 4.5
    h = h_int_slater(SPINS, 5, U_matrix_slater(2, [F0, F2, F4]), off_diag=False)
    t = Terms.from_gf_struct(h, set_operator_structure(SPINS, 5, False))
    f2, f4 = F2 / 49, F4 / 441
    assert multiplets(spectrum(t, 2)) == expected({
        F0 - 8 * f2 - 9 * f4: 21, F0 - 3 * f2 + 36 * f4: 5, F0 + 7 * f2 - 84 * f4: 9,
        F0 + 4 * f2 + f4: 9, F0 + 14 * f2 + 126 * f4: 1,
    })
    # the cubic basis is a unitary rotation: same spectrum
    hc = h_int_slater(SPINS, 5, U_matrix_slater(2, [F0, F2, F4], basis="cubic"), off_diag=True)
    tc = Terms.from_gf_struct(hc, set_operator_structure(SPINS, 5, True))
    np.testing.assert_allclose(spectrum(tc, 2), spectrum(t, 2), atol=1e-12)


def test_slater_argument_errors():
    with pytest.raises(InvalidParameterError, match="radial_integrals"):
        U_matrix_slater(2)
    with pytest.raises(InvalidParameterError, match="both"):
        U_matrix_slater(2, U_int=4.0)
    with pytest.raises(InvalidParameterError, match="3 values"):
        U_matrix_slater(2, [1.0, 2.0])
    with pytest.raises(InvalidParameterError, match="either"):
        U_matrix_slater(2, [4.0, 8.0, 5.0], U_int=4.0, J_hund=1.0)
    consistent = U_J_to_radial_integrals(2, 4.0, 1.0)
    np.testing.assert_array_equal(U_matrix_slater(2, consistent, U_int=4.0, J_hund=1.0), U_matrix_slater(2, consistent))
    with pytest.raises(InvalidParameterError, match="basis"):
        U_matrix_slater(2, U_int=4.0, J_hund=1.0, basis="other")


def test_five_orbital_slater_atom_matches_triqs_hubbard_i(triqs_ref):
    """TRIQS hubbardI (bethe5 reference): U_matrix_slater(l=2, U_int=4, J_hund=1), h_int_slater,
    atomic levels -25, beta = 40; G_up(iw_n) of the atom, 30 positive and 30 negative frequencies.
    The ground state is in N = 7; G = 1/Z sum w_m [<m|c_a|n><n|c+_b|m>/(iw - E_n + E_m) + (N-1 part)]."""
    h5py = pytest.importorskip("h5py")
    with h5py.File(triqs_ref / "hubbardI__bethe5.ref.h5", "r") as f:
        data = f["G_iw/up/data"][()]
        beta = float(f["G_iw/up/mesh/domain/beta"][()])
    g_ref = data[..., 0] + 1j * data[..., 1]
    n_iw = g_ref.shape[0] // 2
    iw = 1j * np.pi * (2 * np.arange(-n_iw, n_iw) + 1) / beta

    gf_struct = set_operator_structure(SPINS, 5, off_diag=True)
    h = h_int_slater(SPINS, 5, U_matrix_slater(2, U_int=4.0, J_hund=1.0), off_diag=True)
    t = Terms.from_gf_struct(h, gf_struct) + Terms.build(10, [(-25.0, ((T, k), (F, k))) for k in range(10)])
    fock = Fock(10)
    sectors = {N: fock.sector(N) for N in (5, 6, 7, 8, 9)}
    eig = {N: np.linalg.eigh(fock.matrix(t, s)) for N, s in sectors.items()}
    lowest = {N: e[0] for N, (e, _) in eig.items()}
    assert min(lowest, key=lowest.get) == 7
    assert min(lowest[6], lowest[8]) - lowest[7] > 0.9  # the other sectors weigh < e^-36
    (e7, v7), (e6, v6), (e8, v8) = eig[7], eig[6], eig[8]
    w = np.exp(-beta * (e7 - e7[0]))

    def elements(dag, o, to, v_to):  # <n| c(+)_o |m> in eigenbases, n in sector `to`, m in N = 7
        return v_to.conj().T @ fock.matrix([(1.0, ((dag, o),))], sectors[7], sectors[to]) @ v7

    add = [elements(True, o, 8, v8) for o in range(5)]
    remove = [elements(False, o, 6, v6) for o in range(5)]
    g = np.zeros_like(g_ref)
    for a, b in itertools.product(range(5), repeat=2):
        particle = add[a].conj() * add[b] * w / (iw[:, None, None] - (e8[:, None] - e7[None, :]))
        hole = remove[b].conj() * remove[a] * w / (iw[:, None, None] + (e6[:, None] - e7[None, :]))
        g[:, a, b] = (particle.sum((1, 2)) + hole.sum((1, 2))) / w.sum()
    np.testing.assert_allclose(g, g_ref, atol=1e-10)
