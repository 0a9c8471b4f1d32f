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
