"""IPT solver: exact limits (Hubbard atom, weak coupling), exact particle-hole symmetry, tails, errors.

Every reference is computed independently inside the test: the Hubbard atom from its Boltzmann
weights, the second-order diagram by quadrature in imaginary time (semicircular bath) or in closed
form from the poles of a discrete bath.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from triqs_mlsolver.errors import IncompatibleGfStructError, InvalidParameterError, MLSolverError
from triqs_mlsolver.operators import Terms, c, c_dag, n
from triqs_mlsolver.solvers import ImpurityProblem, get_solver
from triqs_mlsolver.solvers.base import RealFrequencyMesh
from triqs_mlsolver.solvers.ipt import IPTOptions, IPTSolver
from triqs_mlsolver.transforms import fit_tail, iw_to_legendre, iw_to_tau

GF_STRUCT = [("up", 1), ("down", 1)]
N_IW = 1025


def matsubara(beta: float, n_iw: int = N_IW) -> np.ndarray:
    k = np.arange(-n_iw, n_iw)
    return 1j * np.pi * (2 * k + 1) / beta


def hubbard(u: float, gf_struct=GF_STRUCT) -> Terms:
    up, dn = [(name, i) for name, size in gf_struct for i in range(size)]
    return Terms.from_gf_struct(u * n(*up) * n(*dn), gf_struct)


def problem(beta: float, g0_up: np.ndarray, g0_dn: np.ndarray, u: float, n_tau: int = 2001, **kw) -> ImpurityProblem:
    g0 = {"up": g0_up[:, None, None], "down": g0_dn[:, None, None]}
    return ImpurityProblem(beta=beta, gf_struct=GF_STRUCT, g0_iw=g0, h_int=hubbard(u), n_tau=n_tau, **kw)


def solve(prob: ImpurityProblem, **options):
    return IPTSolver().solve(prob, IPTOptions(**options))


def channel(result, field: str, block: str) -> np.ndarray:
    return getattr(result, field)[block][:, 0, 0]


def semicircle(z: np.ndarray, d: float = 1.0) -> np.ndarray:
    """Local Green's function of the semicircular density of states of half-bandwidth d (Im z != 0)."""
    return 2.0 * (z - 1j * np.sign(z.imag) * np.sqrt(d * d - z * z)) / d**2


def atomic_green(iw: np.ndarray, beta: float, eps_up: float, eps_dn: float, u: float) -> tuple:
    """Exact G_up, G_dn of the Hubbard atom from the Boltzmann weights of |0>, |up>, |dn>, |up dn>."""
    energies = np.array([0.0, eps_up, eps_dn, eps_up + eps_dn + u])
    p = np.exp(-beta * (energies - energies.min()))
    p /= p.sum()
    g_up = (p[0] + p[1]) / (iw - eps_up) + (p[2] + p[3]) / (iw - eps_up - u)
    g_dn = (p[0] + p[2]) / (iw - eps_dn) + (p[1] + p[3]) / (iw - eps_dn - u)
    return g_up, g_dn, p[1] + p[3], p[2] + p[3]


# -- atomic limit ---------------------------------------------------------------------------------
@pytest.mark.parametrize("u", [1.0, 2.0, 5.0])
def test_atomic_limit_half_filling(u):
    beta = 10.0
    iw = matsubara(beta)
    result = solve(problem(beta, 1.0 / (iw + u / 2), 1.0 / (iw + u / 2), u))
    assert result.info["half_filling_form"]
    sigma = channel(result, "sigma_iw", "up")
    np.testing.assert_allclose(sigma - u / 2, u**2 / (4 * iw), rtol=0, atol=1e-13)
    exact = 0.5 / (iw - u / 2) + 0.5 / (iw + u / 2)
    np.testing.assert_allclose(channel(result, "g_iw", "down"), exact, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(result.density["up"], [[0.5]])


@pytest.mark.parametrize(("eps", "u"), [(-0.3, 2.0), (0.4, 2.0), (-1.7, 2.0), (-2.5, 4.0), (0.3, -1.5)])
def test_atomic_limit_away_from_half_filling(eps, u):
    """Kajueter-Kotliar reproduces the Hubbard atom exactly (Delta = 0, any level and U)."""
    beta = 10.0
    iw = matsubara(beta)
    g0 = 1.0 / (iw - eps)
    result = solve(problem(beta, g0, g0, u))
    assert not result.info["half_filling_form"]
    g_exact, _, n_exact, _ = atomic_green(iw, beta, eps, eps, u)
    sigma_exact = 1.0 / g0 - 1.0 / g_exact
    np.testing.assert_allclose(channel(result, "sigma_iw", "up"), sigma_exact, rtol=0, atol=1e-10)
    np.testing.assert_allclose(channel(result, "g_iw", "down"), g_exact, rtol=0, atol=1e-11)
    assert abs(result.density["up"][0, 0] - n_exact) < 1e-11


@pytest.mark.parametrize(("eps_up", "eps_dn", "u"), [(-0.3, -0.1, 2.0), (-1.5, 0.2, 2.0), (0.3, -0.8, 1.0)])
def test_atomic_limit_spin_resolved(eps_up, eps_dn, u):
    beta = 10.0
    iw = matsubara(beta)
    result = solve(problem(beta, 1.0 / (iw - eps_up), 1.0 / (iw - eps_dn), u))
    g_up, g_dn, n_up, n_dn = atomic_green(iw, beta, eps_up, eps_dn, u)
    np.testing.assert_allclose(channel(result, "sigma_iw", "up"), iw - eps_up - 1.0 / g_up, rtol=0, atol=1e-10)
    np.testing.assert_allclose(channel(result, "sigma_iw", "down"), iw - eps_dn - 1.0 / g_dn, rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.info["n"], [n_up, n_dn], rtol=0, atol=1e-11)


# -- weak coupling --------------------------------------------------------------------------------
def test_weak_coupling_half_filling_semicircular_bath():
    """U = 0.1 with Delta = t^2 G_sc, so that the Hartree-shifted Weiss field is the semicircle itself:
    Sigma = U/2 + U^2 int_0^beta e^{iw tau} G0(tau)^3 dtau with G0(tau) by quadrature over the density of states."""
    beta, u, t = 10.0, 0.1, 0.5
    iw = matsubara(beta)
    g0 = 1.0 / (iw + u / 2 - t**2 * semicircle(iw))
    result = solve(problem(beta, g0, g0, u))
    assert result.info["half_filling_form"]

    def g0_tau(tau: float) -> float:  # -int rho(e) e^{-e tau}/(1 + e^{-beta e}), rho = (2/pi) sqrt(1 - e^2)
        kernel = lambda e: -np.exp(-e * tau) / (1.0 + np.exp(-beta * e)) * 2.0 / np.pi  # noqa: E731
        return quad(kernel, -1.0, 1.0, weight="alg", wvar=(0.5, 0.5), epsabs=1e-15, epsrel=1e-13)[0]

    x, w = np.polynomial.legendre.leggauss(120)
    tau, weights = 0.5 * beta * (x + 1.0), 0.5 * beta * w
    g_tau = np.array([g0_tau(s) for s in tau])
    k = np.arange(10)
    freqs = np.pi * (2 * k + 1) / beta
    second = u**2 * (np.exp(1j * np.outer(freqs, tau)) * g_tau**3) @ weights
    sigma = channel(result, "sigma_iw", "up")[N_IW : N_IW + 10]
    np.testing.assert_allclose(sigma, u / 2 + second, rtol=0, atol=1e-12)


def test_small_u_agrees_with_exact_diagonalization_of_a_five_site_bath():
    """U = 0.1, half filling, a particle-hole symmetric bath of 5 levels: IPT's Sigma(i w_0) equals
    the exact (ED) one to 1 % (Im Sigma, of order U^2, too: the error of IPT is of order U^4)."""
    from triqs_mlsolver.aim import AIM
    from triqs_mlsolver.ed import diagonalize

    beta, u = 20.0, 0.1
    e_bath, v = np.array([-1.0, -0.4, 0.0, 0.4, 1.0]), np.array([0.2, 0.3, 0.25, 0.3, 0.2])
    iw = matsubara(beta)
    g0 = 1.0 / (iw + u / 2 - ((v**2)[None, :] / (iw[:, None] - e_bath[None, :])).sum(axis=1))
    result = solve(problem(beta, g0, g0, u))
    ed = diagonalize(AIM.single_orbital(u, -u / 2, e_bath, v), beta)
    exact = 1.0 / g0[N_IW] - 1.0 / ed.poles["up"].at(iw[N_IW : N_IW + 1])[0, 0, 0]
    mine = channel(result, "sigma_iw", "up")[N_IW]
    assert abs(mine - exact) < 0.01 * abs(exact)
    assert abs(mine.imag - exact.imag) < 0.01 * abs(exact.imag)


def _pole_weights(eps0: float, e_bath: np.ndarray, v: np.ndarray, beta: float):
    """Poles E_p, residues R_p and occupations f(E_p) of 1/(iw - eps0 - sum_k v_k^2/(iw - e_k))."""
    h = np.diag(np.concatenate([[eps0], e_bath]))
    h[0, 1:] = h[1:, 0] = v
    energies, vectors = np.linalg.eigh(h)
    return energies, vectors[0] ** 2, 0.5 * (1.0 - np.tanh(0.5 * beta * energies))


@pytest.mark.parametrize(("eps_up", "eps_dn"), [(-0.4, -0.4), (-0.7, 0.1)])
def test_kajueter_kotliar_with_discrete_bath(eps_up, eps_dn):
    """Away from half filling: Sigma_s = U n0_-s + S_s/(1 - B_s S_s) with the second-order diagram S in closed
    form from the poles of the auxiliary Weiss field at the solver's mu0, and n(G) = n0 exactly."""
    beta, u = 10.0, 1.5
    e_bath, v = np.array([-1.0, -0.2, 0.5, 1.3]), np.array([0.3, 0.25, 0.35, 0.2])
    iw = matsubara(beta)
    delta = ((v**2)[None, :] / (iw[:, None] - e_bath[None, :])).sum(axis=1)
    eps = {"up": eps_up, "down": eps_dn}
    result = solve(problem(beta, 1.0 / (iw - eps_up - delta), 1.0 / (iw - eps_dn - delta), u))
    aux = {s: _pole_weights(-mu0, e_bath, v, beta) for s, mu0 in zip(eps, result.info["mu0"])}
    n0 = {s: float(np.sum(r * f)) for s, (_, r, f) in aux.items()}
    for s, o in (("up", "down"), ("down", "up")):
        (es, rs, fs), (eo, ro, fo) = aux[s], aux[o]
        # G~(tau) = -sum_p a_p e^{-E_p tau},  G~(beta - tau) = -sum_p b_p e^{E_p tau}
        a_s, a_o, b_o = rs * (1 - fs), ro * (1 - fo), ro * fo
        omega = (es[:, None, None] + eo[None, :, None] - eo[None, None, :]).ravel()
        coef = (a_s[:, None, None] * a_o[None, :, None] * b_o[None, None, :]).ravel()
        s2 = u**2 * ((coef * (1.0 + np.exp(-beta * omega)))[None, :] / (iw[:, None] - omega[None, :])).sum(axis=1)
        eps0 = -result.info["mu0"][0 if s == "up" else 1]
        b = ((1 - n0[o]) * u + eps[s] - eps0) / (n0[o] * (1 - n0[o]) * u**2)
        sigma = u * n0[o] + s2 / (1.0 - b * s2)
        np.testing.assert_allclose(channel(result, "sigma_iw", s), sigma, rtol=0, atol=1e-11)
        assert abs(result.density[s][0, 0] - n0[s]) < 1e-11


# -- particle-hole symmetry -----------------------------------------------------------------------
def test_particle_hole_symmetry_is_exact():
    beta, u, t = 40.0, 2.5, 0.5
    iw = matsubara(beta)
    g0 = 1.0 / (iw + u / 2 - t**2 * semicircle(iw))
    result = solve(problem(beta, g0, g0, u))
    assert result.info["half_filling_form"]
    for block in ("up", "down"):
        np.testing.assert_array_equal(result.sigma_iw[block].real, u / 2)
        np.testing.assert_array_equal(result.g_iw[block].real, 0.0)
        np.testing.assert_array_equal(result.g_tau[block], result.g_tau[block][::-1])
        np.testing.assert_array_equal(result.g_l[block][1::2], 0.0)
        np.testing.assert_array_equal(result.density[block], [[0.5]])
    # the general (Kajueter-Kotliar) path lands on the same solution: mu0 = 0, B = 0
    general = solve(problem(beta, g0, g0, u), particle_hole_symmetric=False)
    assert not general.info["half_filling_form"]
    assert abs(general.info["mu0"][0]) < 1e-9
    np.testing.assert_allclose(channel(general, "sigma_iw", "up"), channel(result, "sigma_iw", "up"), atol=1e-11)


def test_particle_hole_detection_and_imposition():
    beta, u, t = 40.0, 2.0, 0.5
    iw = matsubara(beta)
    for shift, detected in ((1e-13, True), (1e-8, False)):
        g0 = 1.0 / (iw + u / 2 + shift - t**2 * semicircle(iw))
        assert solve(problem(beta, g0, g0, u)).info["half_filling_form"] is detected
    g0 = 1.0 / (iw + u / 2 + 1e-8 - t**2 * semicircle(iw))
    forced = solve(problem(beta, g0, g0, u), particle_hole_symmetric=True)
    assert forced.info["half_filling_form"]
    np.testing.assert_array_equal(forced.g_iw["up"].real, 0.0)
    g0 = 1.0 / (iw + u / 2 + 1e-3 - t**2 * semicircle(iw))
    with pytest.raises(InvalidParameterError, match="particle_hole_symmetric"):
        solve(problem(beta, g0, g0, u), particle_hole_symmetric=True)


def test_particle_hole_mirror_away_from_half_filling():
    """c <-> c^+ maps mu -> U - mu: n -> 1 - n and Sigma(iw) -> U - conj(Sigma(iw))."""
    beta, u, t, mu = 20.0, 2.0, 0.5, 0.6
    iw = matsubara(beta)
    results = []
    for m in (mu, u - mu):
        g0 = 1.0 / (iw + m - t**2 * semicircle(iw))
        results.append(solve(problem(beta, g0, g0, u)))
    a, b = results
    assert abs(a.info["n"][0] + b.info["n"][0] - 1.0) < 1e-11
    assert abs(a.info["mu0"][0] + b.info["mu0"][0]) < 1e-9
    np.testing.assert_allclose(channel(b, "sigma_iw", "up"), u - channel(a, "sigma_iw", "up").conj(), atol=1e-12)


# -- tails and outputs ----------------------------------------------------------------------------
def test_self_energy_moments_and_outputs():
    beta, u, t = 20.0, 3.0, 0.5
    iw = matsubara(beta)
    g0_up = 1.0 / (iw + 0.9 - t**2 * semicircle(iw))
    g0_dn = 1.0 / (iw + 0.5 - t**2 * semicircle(iw))
    prob = problem(beta, g0_up, g0_dn, u, n_tau=4001)
    result = solve(prob)
    rho = {s: result.density[s][0, 0].real for s in ("up", "down")}
    for s, o in (("up", "down"), ("down", "up")):
        moments, _ = fit_tail(channel(result, "sigma_iw", s), iw)
        assert abs(moments[0] - u * rho[o]) < 1e-10
        assert abs(moments[1] - u**2 * rho[o] * (1 - rho[o])) < 1e-8
        g = channel(result, "g_iw", s)
        g0 = prob.g0_iw[s][:, 0, 0]
        np.testing.assert_allclose(g, 1.0 / (1.0 / g0 - channel(result, "sigma_iw", s)), rtol=1e-14, atol=0)
        assert np.all(g[N_IW:].imag < 0)
        g_moments = fit_tail(g, iw, known_moments=np.array([0, 1]))[0][:4]
        np.testing.assert_allclose(channel(result, "g_tau", s), iw_to_tau(g, beta, 4001, g_moments), atol=1e-9)
        np.testing.assert_allclose(channel(result, "g_l", s), iw_to_legendre(g, beta, 40, g_moments), atol=1e-9)
        # -G(beta-) of the Fourier transform carries its tail truncation |m4| beta^3/(24 pi^4 n_iw^3) ~ 4e-8 here;
        # the density includes the m4 tail and is exact to ~1e-13 (see the atomic and discrete-bath tests)
        assert abs(-result.g_tau[s][-1, 0, 0] - rho[s]) < 1e-7


def test_one_diagonal_block_equals_two_blocks():
    beta, u = 10.0, 2.0
    iw = matsubara(beta)
    g0_up, g0_dn = 1.0 / (iw + 0.7 - 0.2 * semicircle(iw)), 1.0 / (iw + 0.4 - 0.2 * semicircle(iw))
    two = solve(problem(beta, g0_up, g0_dn, u))
    block = np.zeros((2 * N_IW, 2, 2), dtype=complex)
    block[:, 0, 0], block[:, 1, 1] = g0_up, g0_dn
    gf_struct = [("ud", 2)]
    one = solve(ImpurityProblem(beta=beta, gf_struct=gf_struct, g0_iw={"ud": block}, h_int=hubbard(u, gf_struct),
                                n_tau=2001))
    for k, s in enumerate(("up", "down")):
        np.testing.assert_allclose(one.sigma_iw["ud"][:, k, k], two.sigma_iw[s][:, 0, 0], atol=1e-13)
        np.testing.assert_allclose(one.g_tau["ud"][:, k, k], two.g_tau[s][:, 0, 0], atol=1e-13)
        assert abs(one.density["ud"][k, k] - two.density[s][0, 0]) < 1e-13
    np.testing.assert_array_equal(one.g_iw["ud"][:, 0, 1], 0.0)


def test_one_body_terms_of_h_int_are_static_self_energy():
    """U (n_up - 1/2)(n_dn - 1/2) with mu = 0 is U n_up n_dn with mu = U/2: same G, Sigma shifted by -U/2."""
    beta, u, t = 20.0, 2.0, 0.5
    iw = matsubara(beta)
    bath = t**2 * semicircle(iw)
    shifted_op = u * (n("up", 0) - 0.5) * (n("down", 0) - 0.5)
    g0 = {"up": (1.0 / (iw - bath))[:, None, None], "down": (1.0 / (iw - bath))[:, None, None]}
    shifted = solve(ImpurityProblem(beta=beta, gf_struct=GF_STRUCT, g0_iw=g0, h_int=Terms.from_gf_struct(
        shifted_op, GF_STRUCT), n_tau=2001))
    plain = solve(problem(beta, 1.0 / (iw + u / 2 - bath), 1.0 / (iw + u / 2 - bath), u))
    assert shifted.info["half_filling_form"] and plain.info["half_filling_form"]
    np.testing.assert_allclose(shifted.g_iw["up"], plain.g_iw["up"], atol=1e-14)
    np.testing.assert_allclose(shifted.sigma_iw["up"], plain.sigma_iw["up"] - u / 2, atol=1e-14)


def test_zero_interaction_is_free():
    beta = 10.0
    iw = matsubara(beta)
    g0 = 1.0 / (iw + 0.3 - 0.25 * semicircle(iw))
    result = solve(problem(beta, g0, g0, 0.0))
    np.testing.assert_array_equal(result.sigma_iw["up"], 0.0)
    np.testing.assert_allclose(channel(result, "g_iw", "up"), g0, rtol=1e-15)


def test_nested_fallback_finds_the_same_root(monkeypatch):
    """When the 2-d Powell-hybrid search fails, the nested bracketing search finds the same densities."""
    import scipy.optimize

    beta, u = 10.0, 2.0
    iw = matsubara(beta)
    prob = problem(beta, 1.0 / (iw + 0.9 - 0.2 * semicircle(iw)), 1.0 / (iw + 0.5 - 0.2 * semicircle(iw)), u)
    reference = solve(prob)

    def failing_root(fun, x0, **kwargs):
        return scipy.optimize.OptimizeResult(x=np.asarray(x0, dtype=float), success=False)

    monkeypatch.setattr(scipy.optimize, "root", failing_root)
    fallback = solve(prob)
    assert fallback.info["iterations"] > reference.info["iterations"]
    np.testing.assert_allclose(fallback.info["n"], reference.info["n"], atol=1e-10)
    np.testing.assert_allclose(fallback.sigma_iw["down"], reference.sigma_iw["down"], atol=1e-9)


def test_registered_and_usable_through_the_solver():
    from triqs_mlsolver import Solver
    from triqs_mlsolver.gf import SemiCircular, inverse, iOmega_n

    assert get_solver("ipt") is IPTSolver
    beta, u, t = 20.0, 2.0, 0.5
    S = Solver(beta=beta, gf_struct=GF_STRUCT, n_iw=256, n_tau=1001, n_l=30)
    for name, g in S.G_iw:
        g << SemiCircular(2 * t)
    for _ in range(3):
        for name, g0 in S.G0_iw:
            g0 << inverse(iOmega_n + u / 2 - t**2 * S.G_iw[name])
        S.solve(h_int=u * n("up", 0) * n("down", 0), method="ipt", density_tolerance=1e-11)
    assert S.last_solve_info["half_filling_form"] and S.last_solve_info["method"] == "ipt"
    np.testing.assert_array_equal(S.G_iw["up"].data.real, 0.0)
    with pytest.raises(InvalidParameterError, match="unknown option"):
        S.solve(h_int=u * n("up", 0) * n("down", 0), method="ipt", n_bath=4)
    with pytest.raises(InvalidParameterError, match="Matsubara axis"):
        S.solve(h_int=u * n("up", 0) * n("down", 0), method="ipt", calc_gw=True)


# -- bad input ------------------------------------------------------------------------------------
def test_real_frequency_output_is_refused():
    beta, u = 10.0, 2.0
    iw = matsubara(beta)
    prob = problem(beta, 1.0 / (iw + 1.0), 1.0 / (iw + 1.0), u, refreq=RealFrequencyMesh())
    with pytest.raises(InvalidParameterError, match="only on the Matsubara axis"):
        solve(prob)


@pytest.mark.parametrize(
    "gf_struct", [[("up", 1)], [("up", 1), ("down", 1), ("x", 1)], [("up", 2), ("down", 2)]]
)
def test_unsupported_structures(gf_struct):
    beta = 10.0
    iw = matsubara(beta)
    g0 = {name: np.broadcast_to(np.eye(size) / (iw + 1.0)[:, None, None], (2 * N_IW, size, size)).copy()
          for name, size in gf_struct}
    ops = [(name, i) for name, size in gf_struct for i in range(size)]
    h_int = Terms.from_gf_struct(2.0 * n(*ops[0]) * n(*ops[-1]), gf_struct)
    prob = ImpurityProblem(beta=beta, gf_struct=gf_struct, g0_iw=g0, h_int=h_int)
    with pytest.raises(IncompatibleGfStructError, match="IPT supports one orbital with two spins"):
        solve(prob)


def test_offdiagonal_block_is_refused():
    beta = 10.0
    iw = matsubara(beta)
    block = np.zeros((2 * N_IW, 2, 2), dtype=complex)
    z = iw + 1.0
    block[:, 0, 0] = block[:, 1, 1] = z / (z**2 - 0.01)
    block[:, 0, 1] = block[:, 1, 0] = 0.1 / (z**2 - 0.01)
    gf_struct = [("ud", 2)]
    prob = ImpurityProblem(beta=beta, gf_struct=gf_struct, g0_iw={"ud": block}, h_int=hubbard(2.0, gf_struct))
    with pytest.raises(IncompatibleGfStructError, match="off-diagonal"):
        solve(prob)


@pytest.mark.parametrize(
    "extra", [lambda: c_dag("up", 0) * c("down", 0) + c_dag("down", 0) * c("up", 0),
              lambda: 0.5 * c_dag("up", 0) * c_dag("down", 0) * c("up", 0) * c("down", 0) * 1j]
)
def test_unsupported_interactions(extra):
    beta = 10.0
    iw = matsubara(beta)
    g0 = {"up": (1.0 / (iw + 1.0))[:, None, None], "down": (1.0 / (iw + 1.0))[:, None, None]}
    op = 2.0 * n("up", 0) * n("down", 0) + extra()
    prob = ImpurityProblem(beta=beta, gf_struct=GF_STRUCT, g0_iw=g0, h_int=Terms.from_gf_struct(op, GF_STRUCT))
    with pytest.raises(InvalidParameterError, match="h_int"):
        solve(prob)


@pytest.mark.parametrize(
    ("field", "value"),
    [("density_tolerance", 0.0), ("max_iterations", 0), ("tail_match_frequency", -1.0), ("particle_hole_symmetric", 1)],
)
def test_invalid_options(field, value):
    with pytest.raises(InvalidParameterError, match=field):
        IPTOptions(**{field: value})


def test_iteration_limit_raises_a_package_error():
    beta = 10.0
    iw = matsubara(beta)
    g0 = 1.0 / (iw + 0.3 - 0.25 * semicircle(iw))
    with pytest.raises(MLSolverError, match="max_iterations"):
        solve(problem(beta, g0, g0, 2.0), max_iterations=2)
