"""The registered ``method="ed"`` solver: explicit bath (exact), fitted bath, the Solver front end."""

from __future__ import annotations

import numpy as np
import pytest

from triqs_mlsolver.aim import AIM
from triqs_mlsolver.ed import diagonalize
from triqs_mlsolver.solvers.base import ImpurityProblem, RealFrequencyMesh, get_solver
from triqs_mlsolver.solvers.ed import EDSolverOptions


def problem_of(aim: AIM, beta: float, n_iw: int = 200, with_aim: bool = True) -> ImpurityProblem:
    iw = 1j * np.pi * (2 * np.arange(-n_iw, n_iw) + 1) / beta
    return ImpurityProblem(beta, aim.gf_struct, aim.g0(iw), aim.h_int, n_tau=401, n_l=30, aim=aim if with_aim else None)


def test_explicit_bath_is_solved_exactly():
    aim = AIM.single_orbital(U=2.0, eps_d=-0.8, eps_k=[-0.7, 0.6], V_k=[0.4, 0.5])
    beta = 15.0
    problem = problem_of(aim, beta)
    solver = get_solver("ed")
    res = solver().solve(problem, solver.Options())
    ed = diagonalize(aim, beta)
    iw = problem.iw()
    g = ed.poles["up"].at(iw)
    assert np.abs(res.g_iw["up"] - g).max() < 1e-14
    # Sigma = G0^-1 - G^-1 and G(tau), G_l, density from the poles
    assert np.abs(res.sigma_iw["up"] - (1 / problem.g0_iw["up"] - 1 / g)).max() < 1e-10
    assert np.abs(res.g_tau["up"] - ed.poles["up"].tau(beta, 401)).max() < 1e-14
    assert abs(res.density["up"][0, 0] - ed.density["up"][0, 0]) < 1e-14
    assert res.info["double_occupancy"][0, 1] == ed.double_occupancy[0, 1]


def test_fitted_bath_reproduces_a_discrete_bath():
    """G0 of a two-level bath, fitted with two levels: the fit is exact, so is G."""
    aim = AIM.single_orbital(U=2.5, eps_d=-1.25, eps_k=[-0.8, 0.8], V_k=[0.5, 0.5])
    beta = 20.0
    problem = problem_of(aim, beta, with_aim=False)
    res = get_solver("ed")().solve(problem, EDSolverOptions(n_bath=2, symmetric_bath=True))
    assert res.info["bath_distance"] < 1e-6
    g = diagonalize(aim, beta).poles["up"].at(problem.iw())
    assert np.abs(res.g_iw["up"] - g).max() < 1e-5
    assert abs(res.density["up"][0, 0].real - 0.5) < 1e-6


def test_real_frequency_outputs_at_u0_are_the_closed_form():
    """U = 0: G_w = G0_w = 1/(w + i eta - eps_d - sum_k V_k^2/(w + i eta - eps_k)), Sigma_w = 0."""
    eps_k, v_k, eps_d, eta = np.array([-0.7, 0.6]), np.array([0.4, 0.5]), -0.3, 0.05
    aim = AIM.single_orbital(U=0.0, eps_d=eps_d, eps_k=eps_k, V_k=v_k)
    beta = 15.0
    iw = 1j * np.pi * (2 * np.arange(-100, 100) + 1) / beta
    mesh = RealFrequencyMesh(-3.0, 3.0, 301, eta)
    problem = ImpurityProblem(beta, aim.gf_struct, aim.g0(iw), aim.h_int, n_tau=401, n_l=30, aim=aim, refreq=mesh)
    res = get_solver("ed")().solve(problem, EDSolverOptions())
    z = mesh.values() + 1j * eta
    exact = 1 / (z - eps_d - ((v_k**2)[None, :] / (z[:, None] - eps_k[None, :])).sum(axis=1))
    for name in ("up", "down"):
        assert np.abs(res.g_w[name][:, 0, 0] - exact).max() < 1e-12
        assert np.abs(res.g0_w[name][:, 0, 0] - exact).max() < 1e-12
        assert np.abs(res.sigma_w[name]).max() < 1e-10


@pytest.mark.parametrize("bad", [{"n_bath": -1}, {"n_restarts": 0}, {"boltzmann_cutoff": 2.0}, {"symmetric_bath": "yes"}])
def test_solver_options_are_validated(bad):
    from triqs_mlsolver.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=next(iter(bad))):
        EDSolverOptions(**bad)


def _solver_with_g0_of(aim: AIM, beta: float, n_iw: int = 1024):
    from triqs_mlsolver import Solver

    S = Solver(beta=beta, gf_struct=aim.gf_struct, n_iw=n_iw, n_tau=201, n_l=20)
    g0 = aim.g0(np.asarray(list(S.G0_iw["up"].mesh.values())))  # list(): a lean or a TRIQS mesh
    for name, block in S.G0_iw:
        block.data[...] = g0[name]
    return S


@pytest.mark.parametrize("nb, eps_d", [(2, -1.0), (3, -1.0), (3, -0.6)])
def test_zero_temperature_through_the_solver_against_a_dense_ed(nb, eps_d):
    """T = 0 (fictitious beta = 50 for the meshes): E0 and G(iw) of the Solver, which fits the bath
    to G0, against the dense ED of the test helper (ground states averaged; a doublet for nb = 2)."""
    import math

    from dense_ed import DenseED
    from triqs_mlsolver.operators import n as n_op

    U = 2.0
    aim = AIM.single_orbital(U=U, eps_d=eps_d, eps_k=np.linspace(-1.0, 0.9, nb), V_k=0.5 + 0.1 * np.arange(nb))
    S = _solver_with_g0_of(aim, 50.0)
    S.solve(h_int=U * n_op("up", 0) * n_op("down", 0), method="ed", n_bath=nb, zero_temperature=True)
    orbitals = aim.impurity_orbitals()
    up, down = orbitals["up"][0], orbitals["down"][0]
    ref = DenseED(aim.n_orbitals, aim.quadratic_matrix(), [(U, [(True, up), (False, up), (True, down), (False, down)])],
                  beta=math.inf)
    assert abs(S.last_solve_info["e0"] - ref.e0) < 1e-10
    iw = np.asarray(list(S.G_iw["up"].mesh.values()))
    for name, orbs in orbitals.items():
        assert np.abs(S.G_iw[name].data - ref.gf(orbs, iw)).max() < 1e-10


def test_zero_temperature_is_the_low_temperature_limit():
    """G(iw) on the mesh of beta = 50 at T = 0 against ED at beta_ED = 2000 on the same mesh (gap-free doublet
    excluded: a singlet ground state, so the thermal corrections are exp(-beta_ED * gap))."""
    aim = AIM.single_orbital(U=2.0, eps_d=-1.0, eps_k=np.linspace(-1.0, 1.0, 3), V_k=0.5 * np.ones(3))
    problem = problem_of(aim, 50.0)
    solver = get_solver("ed")()
    cold = solver.solve(problem, EDSolverOptions(zero_temperature=True))
    hot = diagonalize(aim, 2000.0).poles["up"].at(problem.iw())
    assert np.abs(cold.g_iw["up"] - hot).max() < 1e-10
    assert cold.g_tau["up"].shape == (401, 1, 1) and np.all(np.isfinite(cold.g_tau["up"]))
    assert cold.g_tau["up"][0, 0, 0].real + cold.g_tau["up"][-1, 0, 0].real == pytest.approx(-1.0, abs=1e-12)


def test_solver_on_an_exactly_representable_g0_equals_the_exact_bath():
    """The benchmark model of doc/ed.md: the Solver fits 6 sites to the G0 of 6 sites, G equals ED of the exact bath."""
    from triqs_mlsolver.operators import n as n_op

    aim = AIM.single_orbital(U=2.0, eps_d=-1.0, eps_k=np.linspace(-1, 1, 6), V_k=0.5 * np.ones(6))
    S = _solver_with_g0_of(aim, 50.0)
    S.solve(h_int=2.0 * n_op("up", 0) * n_op("down", 0), method="ed", n_bath=6)
    exact = diagonalize(aim, 50.0).poles["up"].at(np.asarray(list(S.G_iw["up"].mesh.values())))
    assert S.last_solve_info["bath_distance"] < 1e-12
    assert np.abs(S.G_iw["up"].data - exact).max() < 1e-10


def test_warm_start_reuses_the_previous_bath_inside_a_loop():
    """Two Bethe iterations: with warm_start the second fit starts from the first one's bath (one start),
    and lands on the fit of a cold start to 1e-6 in distance."""
    from triqs_mlsolver import Solver
    from triqs_mlsolver.gf import SemiCircular, inverse, iOmega_n
    from triqs_mlsolver.operators import n as n_op

    def iterate(S, **options):
        for name, g0 in S.G0_iw:
            g0 << inverse(iOmega_n + 1.0 - 0.25 * S.G_iw["up"])
        S.solve(h_int=2.0 * n_op("up", 0) * n_op("down", 0), method="ed", n_bath=4, **options)
        return S.last_solve_info

    warm, cold = (Solver(beta=20.0, gf_struct=[("up", 1), ("down", 1)], n_iw=256) for _ in range(2))
    for S in (warm, cold):
        S.G_iw << SemiCircular(1.0)
        iterate(S)
    second_warm, second_cold = iterate(warm, warm_start=True), iterate(cold)
    assert second_warm["bath_starts"] == {"up": 1, "down": 0} and second_cold["bath_starts"]["up"] > 1
    assert second_warm["bath_distance"] == pytest.approx(second_cold["bath_distance"], rel=1e-6)
    assert np.abs(warm.G_iw["up"].data - cold.G_iw["up"].data).max() < 1e-6
