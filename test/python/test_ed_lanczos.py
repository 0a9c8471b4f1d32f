"""Lanczos sectors against dense diagonalization and the dense reference ED.

The core treats sectors up to ``dense_max_dim`` by full diagonalization (Lehmann poles) and
larger ones by Lanczos (eigenstates by Krylov-Schur with full reorthogonalization for small
sectors or many states, two-pass Lanczos for few states in large ones; Green's functions by
continued fractions), or, with many states in the window, by a dense diagonalization of only
the window ("dense_window", up to ``dense_window_max_dim``).  Forcing small ``dense_max_dim``
(and ``lanczos_krylov_dim``, ``dense_window_max_dim = 0``) sends every path through Lanczos;
``dense_screen_min_dim = 0`` keeps every dense-sized sector fully dense (the reference below).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from dense_ed import DenseED
from test_ed import build, kanamori, matsubara

from triqs_mlsolver.aim import AIM, BathBlock
from triqs_mlsolver.ed import EDOptions, diagonalize
from triqs_mlsolver.operators import Terms

DENSE = EDOptions(dense_max_dim=20000, dense_screen_min_dim=0)


def benchmark_aim(nb: int) -> AIM:
    return AIM.single_orbital(U=2.0, eps_d=-1.0, eps_k=np.linspace(-1, 1, nb), V_k=0.5 * np.ones(nb))


def agree(a, b, beta_mesh, tol):
    iw = matsubara(beta_mesh, 1024)
    for name in a.poles:
        assert np.abs(a.poles[name].at(iw) - b.poles[name].at(iw)).max() < tol
        assert np.abs(a.density[name] - b.density[name]).max() < tol
    assert abs(a.e0 - b.e0) < tol
    assert abs(a.energy - b.energy) < tol
    assert abs(a.partition_function - b.partition_function) < tol * b.partition_function
    assert np.abs(a.double_occupancy - b.double_occupancy).max() < tol
    assert a.n_states_kept == b.n_states_kept


@pytest.mark.parametrize("nb", [4, 5, pytest.param(6, marks=pytest.mark.slow)])
@pytest.mark.parametrize("beta", [50.0, math.inf])
def test_lanczos_agrees_with_dense(nb, beta):
    aim = benchmark_aim(nb)
    dense = diagonalize(aim, beta, DENSE)
    assert {s.method for s in dense.sectors} <= {"dense", "mirror"}
    for options in (EDOptions(dense_max_dim=16), EDOptions(dense_max_dim=16, lanczos_krylov_dim=8)):
        lanczos = diagonalize(aim, beta, options)
        assert "lanczos" in {s.method for s in lanczos.sectors}
        agree(lanczos, dense, 50.0, 1e-9)


@pytest.mark.parametrize("beta", [50.0, 20.0])
def test_screened_dense_sectors_agree_with_fully_dense(beta):
    """Dense-sized sectors (441 and 245 states here) screened by a Lanczos probe give the fully
    dense result, real axis included; with dense_targets=False the targets reached by few states
    use continued fractions instead, and the result is the same on the Matsubara axis."""
    aim = benchmark_aim(6)
    dense = diagonalize(aim, beta, EDOptions(dense_screen_min_dim=0))
    screened = diagonalize(aim, beta, EDOptions(dense_screen_min_dim=200))
    matsubara_only = diagonalize(aim, beta, EDOptions(dense_screen_min_dim=200, dense_targets=False))
    assert "screened" not in {s.method for s in dense.sectors if s.dim <= 512}
    if beta == 50.0:  # a cold window leaves sectors of 441 states outside: they are not diagonalized
        assert "screened" in {s.method for s in screened.sectors}
    agree(screened, dense, 50.0, 1e-10)
    agree(matsubara_only, dense, 50.0, 1e-10)
    z = np.linspace(-4.0, 4.0, 401) + 0.02j
    assert np.abs(screened.poles["up"].at(z) - dense.poles["up"].at(z)).max() < 1e-10
    assert matsubara_only.matvecs > screened.matvecs  # the continued fractions ran


def degenerate_two_orbital(nb: int):
    """Two identical orbitals (Kanamori; same level, each with its own identical bath level) filled
    with about one electron: the orbital doublet lies inside the sectors (1, 0) and (0, 1)."""
    n_orb = 2
    eps = 0.8 * np.ones(nb)
    V = 0.4 * np.eye(n_orb, nb)
    interaction = kanamori(n_orb, U=2.0, J=0.3)
    h_loc = -0.5 * np.eye(n_orb)
    aim = AIM(
        gf_struct=[("up", n_orb), ("down", n_orb)],
        h_loc={"up": h_loc, "down": h_loc},
        h_int=Terms.build(4, [(c, tuple(m)) for c, m in interaction]),
        bath={"up": BathBlock(eps, V), "down": BathBlock(eps, V)},
    )
    return aim, interaction


@pytest.mark.parametrize("beta", [30.0, math.inf])
def test_degenerate_multiplets_in_lanczos_sectors(beta):
    aim, interaction = degenerate_two_orbital(2)
    ref = DenseED(aim.n_orbitals, aim.quadratic_matrix(), interaction, beta=beta)
    # Degeneracies inside sectors exist: check with the reference spectrum.
    e = np.concatenate(ref.energies)
    assert np.sum(np.abs(e - ref.e0) < 1e-9) >= 2
    iw = matsubara(30.0)
    for options in (
        EDOptions(dense_max_dim=0, boltzmann_cutoff=1e-14),
        EDOptions(dense_max_dim=0, lanczos_krylov_dim=8, boltzmann_cutoff=1e-14),
    ):
        result = diagonalize(aim, beta, options)
        assert {s.method for s in result.sectors} <= {"lanczos", "screened", "mirror"}
        for name, orbitals in aim.impurity_orbitals().items():
            assert np.abs(result.poles[name].at(iw) - ref.gf(orbitals, iw)).max() < 1e-9
        assert abs(result.e0 - ref.e0) < 1e-10
        assert abs(result.energy - ref.energy) < 1e-9
        if math.isinf(beta):
            assert result.n_states_kept == np.sum(np.abs(e - ref.e0) < 1e-9)
            # the ground multiplet lies (at least partly) inside single sectors
            assert max(s.n_kept for s in result.sectors) >= 2


def test_complex_kanamori_all_lanczos(rng):
    interaction = kanamori(2, U=2.0, J=0.5)
    aim, h = build(rng, 2, 1, complex_=True, interaction=interaction)
    for beta in (10.0, math.inf):
        ref = DenseED(aim.n_orbitals, h, interaction, beta=beta)
        result = diagonalize(aim, beta, EDOptions(dense_max_dim=0, boltzmann_cutoff=1e-14))
        iw = matsubara(10.0)
        for name, orbitals in aim.impurity_orbitals().items():
            assert np.abs(result.poles[name].at(iw) - ref.gf(orbitals, iw)).max() < 1e-9
            assert np.abs(result.density[name] - ref.density(orbitals)).max() < 1e-9


def test_results_do_not_depend_on_the_seed():
    aim = benchmark_aim(5)
    a = diagonalize(aim, 50.0, EDOptions(dense_max_dim=16, seed=1))
    b = diagonalize(aim, 50.0, EDOptions(dense_max_dim=16, seed=12345))
    agree(a, b, 50.0, 1e-9)


@pytest.mark.parametrize("krylov", [8, 12])
def test_many_states_per_lanczos_sector_with_thick_restarts(rng, krylov):
    """High temperature: most states of every sector are kept; the Krylov-Schur path restarts
    and locks many times (small basis) and must still find every state."""
    interaction = [(2.0, [(True, 0), (False, 0), (True, 1), (False, 1)])]
    aim, h = build(rng, 1, 3, complex_=True, interaction=interaction)
    beta = 1.5
    ref = DenseED(aim.n_orbitals, h, interaction, beta=beta)
    result = diagonalize(aim, beta, EDOptions(dense_max_dim=0, lanczos_krylov_dim=krylov, boltzmann_cutoff=1e-6))
    window = math.log(1e6) / beta
    assert result.n_states_kept == sum(int(np.sum(e - ref.e0 < window)) for e in ref.energies)
    kept = np.sort(np.concatenate([e[e - ref.e0 < window] for e in ref.energies]))
    z = np.sum(np.exp(-beta * (kept - ref.e0)))
    assert abs(result.partition_function - z) < 1e-10 * z


@pytest.mark.parametrize("beta", [50.0, math.inf])
def test_spin_exchange_symmetry_is_exact(beta):
    """The up <-> down exchange halves the work; the result equals the unreduced calculation."""
    from triqs_mlsolver.ed import diagonalize_terms

    aim = benchmark_aim(5)
    options = EDOptions(dense_max_dim=16)
    reduced = diagonalize(aim, beta, options)
    assert reduced.symmetry_used
    if math.isfinite(beta):  # (at T = 0 the ground state lies in the self-mapped sector (3, 3))
        assert "mirror" in {s.method for s in reduced.sectors}
    full = diagonalize_terms(aim.hamiltonian(), beta, aim.impurity_orbitals(), candidate_groups=aim.orbital_groups(),
                             observed=range(2), options=options)
    assert not full.symmetry_used
    agree(reduced, full, 50.0, 1e-10)


def test_symmetry_not_used_when_the_interaction_breaks_it():
    """Levels and baths of both spins equal, but the interaction holds a field on spin up."""
    aim0 = benchmark_aim(3)
    h_int = Terms.build(2, [(2.0, ((True, 0), (False, 0), (True, 1), (False, 1))), (0.3, ((True, 0), (False, 0)))])
    aim = AIM(gf_struct=aim0.gf_struct, h_loc=aim0.h_loc, h_int=h_int, bath=aim0.bath)
    ref = DenseED(aim.n_orbitals, aim.quadratic_matrix(), [(2.0, [(True, 0), (False, 0), (True, 1), (False, 1)]),
                                                            (0.3, [(True, 0), (False, 0)])], beta=20.0)
    result = diagonalize(aim, 20.0, EDOptions(boltzmann_cutoff=1e-15))
    assert not result.symmetry_used
    iw = matsubara(20.0)
    for name, orbitals in aim.impurity_orbitals().items():
        assert np.abs(result.poles[name].at(iw) - ref.gf(orbitals, iw)).max() < 1e-10


def test_real_axis_convergence_option():
    """By default Lanczos poles are converged for Matsubara-axis quantities; with gf_real_eta the
    continued fractions also converge on the real axis at that broadening."""
    aim = AIM.single_orbital(U=3.0, eps_d=-1.2, eps_k=np.linspace(-1.5, 1.3, 5), V_k=0.4 * np.ones(5))
    w = np.linspace(-6, 6, 481)
    dense = diagonalize(aim, math.inf, DENSE)
    lanczos = diagonalize(aim, math.inf, EDOptions(dense_max_dim=16, gf_real_eta=0.1, gf_real_tol=1e-6))
    assert np.abs(lanczos.poles["up"].refreq(w, 0.1) - dense.poles["up"].refreq(w, 0.1)).max() < 1e-5


def methods(result) -> set:
    return {s.method for s in result.sectors}


def agree_low(a, b, beta, tol):
    """:func:`agree` with G on the 64 lowest Matsubara frequencies (results with 10^5 poles)."""
    iw = matsubara(beta, 64)
    for name in a.poles:
        assert np.abs(a.poles[name].at(iw) - b.poles[name].at(iw)).max() < tol
        assert np.abs(a.density[name] - b.density[name]).max() < tol
    assert abs(a.e0 - b.e0) < tol and abs(a.energy - b.energy) < tol
    assert abs(a.partition_function - b.partition_function) < tol * b.partition_function
    assert np.abs(a.double_occupancy - b.double_occupancy).max() < tol
    assert a.n_states_kept == b.n_states_kept


@pytest.mark.parametrize("complex_", [False, True])
def test_dense_window_and_lanczos_routes_agree_with_many_states(rng, complex_):
    """Hot enough (beta = 4) that about a hundred states of the sectors of 300 and 400 states lie in
    the window: the windowed dense route (dsyevr / zheevr) and the Krylov-Schur route (a basis
    sized for the expected number of states) give the full diagonalization's result."""
    if complex_:
        aim = build(rng, 1, 5, complex_=True, interaction=[(2.0, [(True, 0), (False, 0), (True, 1), (False, 1)])])[0]
    else:
        aim = benchmark_aim(5)
    base = {"boltzmann_cutoff": 1e-6, "n_states_max": 5000}
    beta = 4.0
    dense = diagonalize(aim, beta, EDOptions(dense_max_dim=20000, **base))
    window = diagonalize(aim, beta, EDOptions(dense_max_dim=100, **base))
    lanczos = diagonalize(aim, beta, EDOptions(dense_max_dim=100, dense_window_max_dim=0, **base))
    assert "dense_window" in methods(window)
    assert "dense_window" not in methods(lanczos) and "lanczos" in methods(lanczos)
    assert max(s.n_kept for s in lanczos.sectors if s.method == "lanczos") >= 60
    assert max(s.n_kept for s in window.sectors if s.method == "dense_window") >= 60
    agree_low(window, dense, beta, 1e-10)
    agree_low(lanczos, dense, beta, 1e-10)


@pytest.mark.slow
def test_many_states_in_a_large_lanczos_sector():
    """A logarithmically discretized band (Nb = 6, sectors up to 1225 states) at T = 0.1: about 75
    states of each of the largest sectors in the window.  The Krylov-Schur route, its basis sized by
    the probe's estimate of the number of states, agrees with the full diagonalization to 1e-10."""
    from triqs_mlsolver.data.sampling import log_discretization

    eps, V = log_discretization(1.0, 2.0, 6)
    aim = AIM.single_orbital(2.0, -1.0, eps, V * np.sqrt(2 * 0.1 / np.pi))
    base = {"boltzmann_cutoff": 1e-6, "n_states_max": 20000}
    lanczos = diagonalize(aim, 10.0, EDOptions(dense_window_max_dim=0, **base))
    dense = diagonalize(aim, 10.0, EDOptions(dense_max_dim=2000, **base))
    assert max(s.n_kept for s in lanczos.sectors if s.method == "lanczos") >= 70
    agree_low(lanczos, dense, 10.0, 1e-10)
