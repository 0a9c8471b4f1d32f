"""Exact diagonalization (solvers/ed.py + the C++ core) against independent truth.

The reference is the dense numpy ED of ``dense_ed.py`` (Jordan-Wigner matrices on the full
Fock space, Lehmann sums over all eigenstates), built from the physical parameters by its
own code path; and closed forms (U = 0, atomic limit, moments, two-site model).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from dense_ed import DenseED

from triqs_mlsolver.aim import AIM, BathBlock
from triqs_mlsolver.ed import EDOptions, diagonalize
from triqs_mlsolver.operators import Terms

# Keep every state with a relative weight above 1e-15, so that the comparison with the
# reference (which keeps all states) is limited by round-off only.
TIGHT = EDOptions(boltzmann_cutoff=1e-15)


def matsubara(beta: float, n: int = 64) -> np.ndarray:
    return 1j * np.pi * (2 * np.arange(-n, n) + 1) / beta


def kanamori(n_orb: int, U: float, J: float) -> list:
    """Kanamori interaction on spin-orbitals (s, m) -> s * n_orb + m, as (coef, monomial) products."""
    up = lambda m: m  # noqa: E731
    dn = lambda m: n_orb + m  # noqa: E731

    def nn(a, b):
        return [(True, a), (False, a), (True, b), (False, b)]

    out = [(U, nn(up(m), dn(m))) for m in range(n_orb)]
    for m in range(n_orb):
        for mp in range(n_orb):
            if m == mp:
                continue
            out.append((U - 2 * J, nn(up(m), dn(mp))))
            if m < mp:
                out.append((U - 3 * J, nn(up(m), up(mp))))
                out.append((U - 3 * J, nn(dn(m), dn(mp))))
            out.append((-J, [(True, up(m)), (False, dn(m)), (True, dn(mp)), (False, up(mp))]))
            out.append((J, [(True, up(m)), (True, dn(m)), (False, dn(mp)), (False, up(mp))]))
    return out


def random_hermitian(rng, n, complex_):
    a = rng.normal(size=(n, n)) + (1j * rng.normal(size=(n, n)) if complex_ else 0)
    return 0.3 * (a + a.conj().T)


def build(rng, n_orb, nb, *, complex_, interaction):
    """A random AIM (blocks up/down, n_orb orbitals each, nb bath levels per block), and the
    reference Hamiltonian assembled here from the same parameters."""
    h_loc = random_hermitian(rng, n_orb, complex_) - 0.2 * np.eye(n_orb)
    eps = np.sort(rng.uniform(-1.5, 1.5, size=nb))
    V = rng.uniform(0.2, 0.6, size=(n_orb, nb)) * (np.exp(1j * rng.uniform(0, 2 * np.pi, size=(n_orb, nb))) if complex_ else 1)
    n_imp = 2 * n_orb
    n = n_imp + 2 * nb
    aim = AIM(
        gf_struct=[("up", n_orb), ("down", n_orb)],
        h_loc={"up": h_loc, "down": h_loc},
        h_int=Terms.build(n_imp, [(c, tuple(m)) for c, m in interaction]),
        bath={"up": BathBlock(eps, V), "down": BathBlock(eps, V)},
    )
    h = np.zeros((n, n), dtype=complex)
    for s in range(2):
        imp = np.arange(s * n_orb, (s + 1) * n_orb)
        bath = n_imp + s * nb + np.arange(nb)
        h[np.ix_(imp, imp)] = h_loc
        h[bath, bath] = eps
        h[np.ix_(imp, bath)] = V
        h[np.ix_(bath, imp)] = V.conj().T
    return aim, h


def compare(result, ref, aim, beta, tol):
    iw = matsubara(beta if math.isfinite(beta) else 20.0)
    for name, orbitals in aim.impurity_orbitals().items():
        g = result.poles[name].at(iw)
        g_ref = ref.gf(orbitals, iw)
        assert np.abs(g - g_ref).max() < tol, name
        assert np.abs(result.density[name] - ref.density(orbitals)).max() < tol
    assert abs(result.e0 - ref.e0) < 1e-10
    assert abs(result.energy - ref.energy) < 1e-9
    assert abs(result.free_energy - ref.free_energy) < 1e-9


@pytest.mark.parametrize("nb", [1, 2, 3])
@pytest.mark.parametrize("complex_", [False, True])
def test_single_orbital_matches_dense(rng, nb, complex_):
    for beta in (7.0, math.inf):
        aim, h = build(rng, 1, nb, complex_=complex_, interaction=[(rng.uniform(1, 3), [(True, 0), (False, 0), (True, 1), (False, 1)])])
        U = aim.h_int.coefs[0].real
        ref = DenseED(aim.n_orbitals, h, [(U, [(True, 0), (False, 0), (True, 1), (False, 1)])], beta=beta)
        result = diagonalize(aim, beta, TIGHT)
        compare(result, ref, aim, beta, 1e-10)
        nn = ref.expectation(ref.number(0) @ ref.number(1)).real
        assert abs(result.double_occupancy[0, 1] - nn) < 1e-10
        assert abs(result.occupations[0] - ref.expectation(ref.number(0)).real) < 1e-10


@pytest.mark.parametrize("nb", [1, 2, pytest.param(3, marks=pytest.mark.slow)])
def test_two_orbital_kanamori_complex_matches_dense(rng, nb):
    interaction = kanamori(2, U=2.3, J=0.4)
    aim, h = build(rng, 2, nb, complex_=True, interaction=interaction)
    for beta in (5.0, math.inf):
        ref = DenseED(aim.n_orbitals, h, interaction, beta=beta)
        result = diagonalize(aim, beta, TIGHT)
        bath = 4 + np.arange(2 * nb)
        assert result.groups == ((0, 1, *bath[:nb]), (2, 3, *bath[nb:]))  # spin up, spin down
        compare(result, ref, aim, beta, 1e-10)
        for a in range(4):
            for b in range(4):
                nn = ref.expectation(ref.number(a) @ ref.number(b)).real
                assert abs(result.double_occupancy[a, b] - nn) < 1e-10


@pytest.mark.parametrize("beta", [10.0, math.inf])
def test_U0_gives_noninteracting_g0(rng, beta):
    aim, _ = build(rng, 2, 2, complex_=True, interaction=[])
    result = diagonalize(aim, beta)
    iw = matsubara(10.0)
    g0 = aim.g0(iw)
    for name in ("up", "down"):
        assert np.abs(result.poles[name].at(iw) - g0[name]).max() < 1e-12


@pytest.mark.parametrize("beta", [3.0, 40.0])
def test_V0_gives_atomic_gf(beta):
    U, eps = 2.5, -0.8
    aim = AIM.single_orbital(U=U, eps_d=eps)
    result = diagonalize(aim, beta, TIGHT)
    z = 1.0 + 2 * math.exp(-beta * eps) + math.exp(-beta * (2 * eps + U))
    n = (math.exp(-beta * eps) + math.exp(-beta * (2 * eps + U))) / z
    iw = matsubara(beta)
    g_atomic = (1 - n) / (iw - eps) + n / (iw - eps - U)
    for name in ("up", "down"):
        assert np.abs(result.poles[name].at(iw)[:, 0, 0] - g_atomic).max() < 1e-12
    assert abs(result.partition_function * math.exp(-beta * result.e0) - z) < 1e-12 * z
    assert abs(result.double_occupancy[0, 1] - math.exp(-beta * (2 * eps + U)) / z) < 1e-12


def test_atom_degenerate_ground_states_are_averaged_at_T0():
    # Half-filled atom: |up> and |dn> are degenerate ground states in different sectors.
    U = 2.0
    aim = AIM.single_orbital(U=U, eps_d=-U / 2)
    result = diagonalize(aim, math.inf)
    assert result.n_states_kept == 2 and result.partition_function == 2
    iw = matsubara(10.0)
    expected = 0.5 / (iw + U / 2) + 0.5 / (iw - U / 2)
    assert np.abs(result.poles["up"].at(iw)[:, 0, 0] - expected).max() < 1e-14
    assert abs(result.e0 + U / 2) < 1e-14 and result.free_energy == result.e0


@pytest.mark.parametrize("beta", [20.0, math.inf])
def test_particle_hole_symmetry(beta):
    U, nb = 3.0, 4
    eps_k = np.array([-1.2, -0.4, 0.4, 1.2])
    aim = AIM.single_orbital(U=U, eps_d=-U / 2, eps_k=eps_k, V_k=0.45 * np.ones(nb))
    result = diagonalize(aim, beta, EDOptions(dense_max_dim=64))
    g = result.poles["up"]
    iw = matsubara(20.0)
    assert np.abs(g.at(iw).real).max() < 1e-12
    if math.isfinite(beta):
        gt = g.tau(beta, 201)[:, 0, 0].real
        assert np.abs(gt - gt[::-1]).max() < 1e-12
    assert abs(result.occupations[0] - 0.5) < 1e-12


def test_tail_moments_single_orbital(rng):
    U, eps_d = 2.2, -0.7
    eps_k, V_k = np.array([-0.9, 0.1, 1.3]), np.array([0.3, 0.5, 0.4])
    aim = AIM.single_orbital(U=U, eps_d=eps_d, eps_k=eps_k, V_k=V_k)
    for beta in (8.0, math.inf):
        result = diagonalize(aim, beta)
        n = result.density["down"][0, 0].real
        m = result.poles["up"].moments(3)[:, 0, 0]
        assert abs(m[1] - 1) < 1e-12
        assert abs(m[2] - (eps_d + U * n)) < 1e-12
        assert abs(m[3] - (eps_d**2 + (2 * eps_d + U) * U * n + np.sum(V_k**2))) < 1e-12


@pytest.mark.parametrize("U,V", [(1.0, 0.5), (3.0, 0.25), (6.0, 1.0)])
def test_two_site_ground_state_and_quasiparticle_weight(U, V):
    """H = U n_up n_dn - U/2 n_d + V sum_s (d+_s a_s + h.c.), bath level at 0, half filling.

    E0 = -U/4 - sqrt(U^2/16 + 4 V^2).  Z = 1 / (1 - dSigma(w)/dw|_{w=0}) with the T = 0
    self-energy Sigma(z) = G0(z)^-1 - G(z)^-1, G from the poles.  By analyticity
    dSigma/dw|_0 = lim_{w -> 0} Im Sigma(iw) / w, and Im Sigma(iw)/w is even in w: its value at
    w = 0 is extrapolated from four small w (polynomial in w^2; w = 0.03 V j keeps both the
    truncation and the cancellation in G0^-1 - G^-1 below 1e-11).  The two-site self-energy is
    Sigma(z) = U/2 + U^2 z / (4 (z^2 - 9 V^2)) exactly, so Z = 1 / (1 + U^2 / (36 V^2)).
    """
    aim = AIM.single_orbital(U=U, eps_d=-U / 2, eps_k=[0.0], V_k=[V])
    result = diagonalize(aim, math.inf)
    assert abs(result.e0 - (-U / 4 - math.sqrt(U**2 / 16 + 4 * V**2))) < 1e-12
    g = result.poles["up"]
    w = 0.03 * V * np.arange(1, 5)
    sigma = 1.0 / aim.g0(1j * w)["up"][:, 0, 0] - 1.0 / g.at(1j * w)[:, 0, 0]
    slope = np.polyval(np.polyfit(w**2, sigma.imag / w, 3), 0.0)
    Z = 1.0 / (1.0 - slope)
    assert abs(Z - 1.0 / (1.0 + U**2 / (36 * V**2))) < 1e-9
    # The closed form of Sigma holds at every frequency.
    z = matsubara(10.0)
    sigma = 1.0 / aim.g0(z)["up"][:, 0, 0] - 1.0 / g.at(z)[:, 0, 0]
    assert np.abs(sigma - (U / 2 + U**2 * z / (4 * (z**2 - 9 * V**2)))).max() < 1e-12


def test_partition_function_and_thermodynamics_consistent(rng):
    aim, h = build(rng, 1, 3, complex_=False, interaction=[(2.0, [(True, 0), (False, 0), (True, 1), (False, 1)])])
    beta = 4.0
    result = diagonalize(aim, beta, TIGHT)
    ref = DenseED(aim.n_orbitals, h, [(2.0, [(True, 0), (False, 0), (True, 1), (False, 1)])], beta=beta)
    assert abs(result.partition_function - ref.z) < 1e-10 * ref.z
    window = math.log(1e15) / beta
    assert result.n_states_kept == sum(int(np.sum(e - ref.e0 < window)) for e in ref.energies)
    # sum rules of the poles: total weight 1 per orbital, density from the poles = direct density
    for name in ("up", "down"):
        g = result.poles[name]
        assert abs(g.residues.sum(axis=0)[0, 0] - 1) < 1e-12
        assert abs(g.density(beta)[0, 0] - result.density[name][0, 0]) < 1e-11


def test_pole_compression_stays_within_its_bounds():
    """The compression of the result (pole_compress_weight, pole_compress_tol) against the uncompressed
    poles of the same calculation: G(iw), G(tau), G_l, A(w) and the density move by less than the
    reported CompressionBound, and the default compression changes nothing beyond 1e-12."""
    aim = AIM.single_orbital(U=2.5, eps_d=-1.1, eps_k=np.linspace(-1.2, 1.0, 4), V_k=0.45 * np.ones(4))
    beta = 10.0
    exact = diagonalize(aim, beta, EDOptions(pole_compress_weight=0.0, pole_compress_tol=0.0))
    default = diagonalize(aim, beta)
    compressed = diagonalize(aim, beta, EDOptions(pole_compress_weight=1e-8, pole_compress_tol=1e-8))
    iw = matsubara(beta, 1024)
    w = np.linspace(-6, 6, 481)
    for name in ("up", "down"):
        g, c, bound = exact.poles[name], compressed.poles[name], compressed.compression[name]
        assert c.n_poles < g.n_poles
        assert np.abs(c.at(iw) - g.at(iw)).max() <= bound.iw(beta)
        assert np.abs(c.tau(beta, 201) - g.tau(beta, 201)).max() <= bound.tau(beta)
        dl = np.abs(c.legendre(beta, 50) - g.legendre(beta, 50))[:, 0, 0]
        assert np.all(dl <= [bound.legendre(beta, l) for l in range(50)])
        assert np.abs(c.refreq(w, 0.05) - g.refreq(w, 0.05)).max() / np.pi <= bound.refreq(0.05) / np.pi
        assert np.abs(c.density(beta) - g.density(beta)).max() <= bound.density(beta)
        assert bound.tau(beta) < 1e-7 and bound.iw(beta) < 1e-6
        assert np.abs(default.poles[name].at(iw) - g.at(iw)).max() < 1e-12
