"""Fourier and Legendre transforms against closed forms and independent integrals.

Acceptance figures (printed with ``pytest -s``): iw -> tau <= 1e-6 (few poles and semicircle,
n_iw = 1025, beta = 40), tau -> Legendre <= 1e-10 (n_tau = 10001), Legendre -> iw <= 1e-8.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.integrate import quad

from triqs_mlsolver import transforms as tr
from triqs_mlsolver.errors import InvalidParameterError, TailFitWarning
from triqs_mlsolver.poles import PoleGf
from triqs_mlsolver.testing import assert_hermitian, assert_sum_rule, assert_tail

BETA, N_IW, N_TAU = 40.0, 1025, 10001
ENERGIES = np.array([-1.3, 0.4, 2.1])
WEIGHTS = np.array([0.3, 0.45, 0.25])


# -- independent truths written here -----------------------------------------------------------
def _poles_iw(iw, energies=ENERGIES, weights=WEIGHTS):
    return np.sum(weights / (iw[:, None] - energies), axis=1)


def _poles_tau(tau, beta=BETA, energies=ENERGIES, weights=WEIGHTS):
    """-sum_p w_p e^{-E_p tau}/(1 + e^{-beta E_p}) written in log space."""
    return -np.sum(weights * np.exp(-np.outer(tau, energies) - np.logaddexp(0.0, -beta * energies)), axis=1)


def _poles_moments(k_max, energies=ENERGIES, weights=WEIGHTS):
    return np.array([0.0] + [np.sum(weights * energies ** (k - 1)) for k in range(1, k_max + 1)], dtype=complex)


def _semicircle_iw(iw, d):
    """G(z) = 2 (z - i sgn(Im z) sqrt(D^2 - z^2)) / D^2 on the imaginary axis."""
    return 2.0 * (iw - 1j * np.sign(iw.imag) * np.sqrt(d**2 - iw**2)) / d**2


def _semicircle_tau(tau, beta, d):
    """G(tau) = -int rho(e) e^{-e tau}/(1 + e^{-beta e}) de, rho = 2 sqrt(D^2 - e^2)/(pi D^2), by quadrature."""
    out = []
    for t in tau:

        def f(e):
            return -2.0 / (np.pi * d**2) * np.exp(-e * t - np.logaddexp(0.0, -beta * e))

        out.append(quad(f, -d, d, weight="alg", wvar=(0.5, 0.5), epsabs=1e-14, epsrel=1e-13, limit=200)[0])
    return np.array(out)


@pytest.fixture(scope="module")
def mesh():
    iw = tr.matsubara_freqs(BETA, N_IW)
    return iw, tr.tau_grid(BETA, N_TAU)


# -- helpers and tail conventions ----------------------------------------------------------------
def test_grids_follow_triqs_conventions():
    iw = tr.matsubara_freqs(2.0, 3)
    np.testing.assert_allclose(iw, 1j * np.pi * np.array([-5, -3, -1, 1, 3, 5]) / 2.0)
    assert tr.matsubara_freqs(2.0, 3, "Boson").size == 5
    np.testing.assert_allclose(tr.tau_grid(2.0, 5), [0.0, 0.5, 1.0, 1.5, 2.0])


def test_tail_terms_have_the_stated_tau_transforms():
    """int_0^beta e^{iw tau} phi_k(tau) dtau = 1/(iw)^k for -1/2, (2tau-beta)/4, tau(beta-tau)/4 (Gauss quadrature)."""
    beta = 3.0
    x, w = np.polynomial.legendre.leggauss(200)
    tau, weights = 0.5 * beta * (x + 1.0), 0.5 * beta * w
    iw = tr.matsubara_freqs(beta, 10)
    phis = [np.full_like(tau, -0.5), (2 * tau - beta) / 4, tau * (beta - tau) / 4]
    for k, phi in enumerate(phis, start=1):
        transform = np.exp(np.outer(iw, tau)) @ (weights * phi)
        np.testing.assert_allclose(transform, 1.0 / iw**k, rtol=0, atol=1e-13)
    # a pure tail transforms to exactly these polynomials
    moments = np.array([0.0, 1.0, 0.7, -0.4])
    g_iw = sum(moments[k] / iw**k for k in range(1, 4))
    tau = tr.tau_grid(beta, 7)
    expected = -0.5 + 0.7 * (2 * tau - beta) / 4 - 0.4 * tau * (beta - tau) / 4
    np.testing.assert_allclose(tr.iw_to_tau(g_iw, beta, 7, moments=moments), expected, atol=1e-14)


# -- Matsubara -> imaginary time ------------------------------------------------------------------
def test_iw_to_tau_few_poles_known_tail(mesh):
    iw, tau = mesh
    g_tau = tr.iw_to_tau(_poles_iw(iw), BETA, N_TAU, moments=_poles_moments(3))
    error = np.abs(g_tau - _poles_tau(tau)).max()
    print(f"\n[iw->tau] few poles, known tail, n_iw={N_IW}, n_tau={N_TAU}: max error {error:.2e}")
    assert error <= 1e-6
    assert_sum_rule(g_tau, tol=1e-13)


def test_iw_to_tau_few_poles_fitted_tail(mesh):
    iw, tau = mesh
    g_tau = tr.iw_to_tau(_poles_iw(iw), BETA, N_TAU)
    error = np.abs(g_tau - _poles_tau(tau)).max()
    print(f"\n[iw->tau] few poles, fitted tail: max error {error:.2e}")
    assert error <= 1e-6


@pytest.mark.parametrize("half_bandwidth", [1.0, 2.0])
def test_iw_to_tau_semicircle(mesh, half_bandwidth):
    iw, tau = mesh
    d = half_bandwidth
    g_iw = _semicircle_iw(iw, d)
    # the branch: the same G(iw_0) by quadrature of the density of states
    w0 = iw[N_IW].imag
    dos = 2 / (np.pi * d**2)  # times sqrt(d - e) sqrt(d + e), the quad weight
    re = quad(lambda e: dos * (-e) / (e**2 + w0**2), -d, d, weight="alg", wvar=(0.5, 0.5))[0]
    im = quad(lambda e: dos * (-w0) / (e**2 + w0**2), -d, d, weight="alg", wvar=(0.5, 0.5))[0]
    assert g_iw[N_IW] == pytest.approx(re + 1j * im, abs=1e-12)  # G(iw) = int rho(e)/(iw - e) de
    g_tau = tr.iw_to_tau(g_iw, BETA, N_TAU, moments=np.array([0.0, 1.0, 0.0, d**2 / 4]))
    picks = np.r_[0, 1, 2, np.linspace(0, N_TAU - 1, 21).astype(int)[1:-1], N_TAU - 2, N_TAU - 1]
    error = np.abs(g_tau[picks] - _semicircle_tau(tau[picks], BETA, d)).max()
    print(f"\n[iw->tau] semicircle D={d}, known tail: max error {error:.2e} (on {picks.size} points incl. 0 and beta)")
    assert error <= 1e-6


def test_iw_to_tau_matrix_target_and_coarse_grid(rng):
    e = rng.uniform(-2, 2, 4)
    v = rng.normal(size=(4, 2, 2)) + 1j * rng.normal(size=(4, 2, 2))
    r = np.einsum("pij,pkj->pik", v, v.conj())
    s = np.linalg.inv(np.linalg.cholesky(r.sum(axis=0)))
    g = PoleGf(e, s @ r @ s.conj().T)  # residues sum to the identity
    beta, n_iw = 20.0, 512
    g_iw = g.iw(beta, n_iw)
    assert_hermitian(g_iw)
    for n_tau in (2001, 101):  # 101 < 2 n_iw: the Matsubara sum is folded
        g_tau = tr.iw_to_tau(g_iw, beta, n_tau)
        exact = g.tau(beta, n_tau)
        assert np.abs(g_tau - exact).max() <= 1e-6
        assert_sum_rule(g_tau, tol=1e-12)
    scalar = tr.iw_to_tau(g_iw[:, 0, 1], beta, 51, moments=g.moments(3)[:, 0, 1])
    np.testing.assert_allclose(scalar, g.tau(beta, 51)[:, 0, 1], atol=1e-6)


def test_iw_to_tau_matrix_and_scalar_targets_agree(mesh):
    iw, _ = mesh
    g_iw = _poles_iw(iw)
    block = np.stack([g_iw, 2 * g_iw], axis=1)[:, :, None] * np.eye(2)[None, :, :]  # (2 n_iw, 2, 2) diagonal
    out = tr.iw_to_tau(block, BETA, 101, moments=_poles_moments(3)[:, None, None] * np.diag([1.0, 2.0]))
    single = tr.iw_to_tau(g_iw, BETA, 101, moments=_poles_moments(3))
    np.testing.assert_allclose(out[:, 0, 0], single, atol=1e-14)
    np.testing.assert_allclose(out[:, 0, 1], 0.0, atol=1e-14)


def test_noisy_tail_warns(rng, mesh):
    iw, _ = mesh
    noisy = _poles_iw(iw) + 1e-2 * rng.normal(size=iw.size)
    with pytest.warns(TailFitWarning, match="tail fit error"):
        tr.iw_to_tau(noisy, BETA, 11)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr.iw_to_tau(_poles_iw(iw), BETA, 11)


# -- imaginary time -> Matsubara ----------------------------------------------------------------------
@pytest.mark.parametrize("n_tau,bound", [(10001, 1e-12), (2000, 1e-11), (501, 1e-7)])
def test_tau_to_iw_accuracy(n_tau, bound):
    tau = tr.tau_grid(BETA, n_tau)
    iw = tr.matsubara_freqs(BETA, N_IW)
    error = np.abs(tr.tau_to_iw(_poles_tau(tau), BETA, N_IW) - _poles_iw(iw)).max()
    print(f"\n[tau->iw] few poles, n_tau={n_tau}, n_iw={N_IW}: max error {error:.2e}")
    assert error <= bound


def test_tau_to_iw_far_beyond_the_grid_resolution_is_exact_for_polynomials():
    beta, n_tau, n_iw = 2.0, 6, 400  # w_n h up to ~ 500: the large-phase branch of the weights
    tau = tr.tau_grid(beta, n_tau)
    iw = tr.matsubara_freqs(beta, n_iw)
    g_tau = 0.3 * (-0.5) + 0.2 * (2 * tau - beta) / 4 + 1.1 * tau * (beta - tau) / 4
    expected = 0.3 / iw + 0.2 / iw**2 + 1.1 / iw**3
    np.testing.assert_allclose(tr.tau_to_iw(g_tau, beta, n_iw), expected, rtol=1e-10, atol=1e-14)


def test_constant_moment_round_trip(mesh):
    """A self-energy-like function with a constant term: m0 is dropped in tau and restored by tau_to_iw."""
    iw, tau = mesh
    hartree = 1.7
    sigma = hartree + _poles_iw(iw)
    moments = np.r_[hartree, _poles_moments(3)[1:]]
    s_tau = tr.iw_to_tau(sigma, BETA, N_TAU, moments=moments)
    assert np.abs(s_tau - _poles_tau(tau)).max() <= 1e-6
    back = tr.tau_to_iw(s_tau, BETA, N_IW, moments=moments)
    error = np.abs(back - sigma).max()
    print(f"\n[iw->tau->iw] round trip with constant term: max error {error:.2e}")
    assert error <= 1e-6


# -- tail fit and density -------------------------------------------------------------------------------
def test_fit_tail_recovers_pole_moments(mesh):
    iw, _ = mesh
    g_iw = _poles_iw(iw)
    exact = _poles_moments(6)
    moments, error = tr.fit_tail(g_iw, iw, known_moments=exact[:2])
    print(f"\n[fit_tail] known m0, m1; fitted m2, m3 errors {np.abs(moments[2:4] - exact[2:4])}; fit error {error:.1e}")
    assert moments.shape == (tr.FIT_MAX_MOMENT + 1,)
    np.testing.assert_array_equal(moments[:2], exact[:2])
    np.testing.assert_allclose(moments[2:4], exact[2:4], atol=1e-6)
    assert error < 1e-12
    free, _ = tr.fit_tail(g_iw, iw, max_moment=8)
    np.testing.assert_allclose(free[:4], exact[:4], atol=1e-6)
    few, error3 = tr.fit_tail(g_iw, iw, known_moments=exact[:2], max_moment=3)
    assert few.shape == (4,) and error3 > error  # fewer orders, larger residual
    assert_tail(g_iw, iw, exact, tol=1e-9)


def test_fit_tail_matrix_target_positive_only_mesh():
    g = PoleGf(np.array([-0.5, 0.8]), np.array([[[0.6, 0.2], [0.2, 0.3]], [[0.4, -0.2], [-0.2, 0.7]]]))
    beta, n_iw = 30.0, 400
    iw = tr.matsubara_freqs(beta, n_iw)[n_iw:]  # w_n > 0 only
    moments, _ = tr.fit_tail(g.at(iw), iw, known_moments=g.moments(1))
    np.testing.assert_allclose(moments[:4], g.moments(3), atol=1e-6)


def test_density_from_iw(mesh):
    iw, _ = mesh
    exact = np.sum(WEIGHTS / (1.0 + np.exp(BETA * ENERGIES)))
    for moments in (None, _poles_moments(3)):
        rho = tr.density_from_iw(_poles_iw(iw), BETA, moments=moments)
        print(f"\n[density] {'fitted' if moments is None else 'known'} tail: error {abs(rho - exact):.2e}")
        assert rho.shape == () and abs(rho - exact) <= 1e-6
    g = PoleGf(np.array([-0.5, 0.8]), np.array([[[0.6, 0.2], [0.2, 0.3]], [[0.4, -0.2], [-0.2, 0.7]]]))
    np.testing.assert_allclose(tr.density_from_iw(g.iw(BETA, N_IW), BETA), g.density(BETA), atol=1e-6)


# -- Legendre --------------------------------------------------------------------------------------------
def test_tau_to_legendre_of_exact_g(mesh):
    _, tau = mesh
    n_l = 80
    g_l = tr.tau_to_legendre(_poles_tau(tau), BETA, n_l)
    exact = PoleGf(ENERGIES, WEIGHTS).legendre(BETA, n_l)[:, 0, 0]  # closed form, checked by quadrature in test_poles
    first = []
    for l in range(3):
        p_l = np.polynomial.legendre.Legendre.basis(l)
        integral, _ = quad(lambda t: p_l(2 * t / BETA - 1) * _poles_tau(np.array([t]))[0], 0, BETA, epsabs=1e-13)
        first.append(np.sqrt(2 * l + 1) * integral)
    np.testing.assert_allclose(exact[:3], first, atol=1e-11)
    error = np.abs(g_l - exact).max()
    print(f"\n[tau->legendre] n_tau={N_TAU}, beta={BETA}, n_l={n_l}: max error {error:.2e}")
    assert error <= 1e-10
    assert np.isrealobj(g_l)


def test_legendre_to_iw_and_tau(mesh):
    iw, tau = mesh
    g = PoleGf(ENERGIES, WEIGHTS)
    for n_l, bound in ((40, 1e-7), (55, 1e-8), (70, 1e-12)):
        g_l = g.legendre(BETA, n_l)[:, 0, 0]
        error = np.abs(tr.legendre_to_iw(g_l, BETA, N_IW) - _poles_iw(iw)).max()
        print(f"\n[legendre->iw] n_l={n_l}: max error {error:.2e}")
        assert error <= bound
    # the negative frequencies are the conjugates for real G_l
    g_iw = tr.legendre_to_iw(g_l, BETA, 8)
    np.testing.assert_allclose(g_iw[::-1], g_iw.conj(), atol=1e-15)
    points = np.array([0.0, 0.013, 7.7, BETA / 2, 39.5, BETA])
    np.testing.assert_allclose(tr.legendre_to_tau(g_l, BETA, points), _poles_tau(points), atol=1e-12)
    g_lm = g_l[:, None, None] * np.eye(2)
    assert tr.legendre_to_tau(g_lm, BETA, points).shape == (6, 2, 2)
    assert tr.legendre_to_iw(g_lm, BETA, 4).shape == (8, 2, 2)


def test_iw_to_legendre(mesh):
    iw, _ = mesh
    n_l = 60
    exact = PoleGf(ENERGIES, WEIGHTS).legendre(BETA, n_l)[:, 0, 0]
    for moments in (_poles_moments(3), None):
        error = np.abs(tr.iw_to_legendre(_poles_iw(iw), BETA, n_l, moments=moments) - exact).max()
        label = "known" if moments is not None else "fitted"
        print(f"\n[iw->legendre] {label} tail, n_iw={N_IW}: max error {error:.2e}")
        assert error <= 1e-8


def test_round_trips(mesh):
    iw, tau = mesh
    g_tau = _poles_tau(tau)
    n_l = 90
    back = tr.legendre_to_tau(tr.tau_to_legendre(g_tau, BETA, n_l), BETA, tau)
    assert np.abs(back - g_tau).max() <= 1e-12
    g_iw = _poles_iw(iw)
    again = tr.tau_to_iw(tr.iw_to_tau(g_iw, BETA, N_TAU, moments=_poles_moments(3)), BETA, N_IW)
    error = np.abs(again - g_iw).max()
    print(f"\n[iw->tau->iw] round trip: max error {error:.2e}")
    assert error <= 1e-6
    via_l = tr.legendre_to_iw(tr.iw_to_legendre(g_iw, BETA, n_l, moments=_poles_moments(3)), BETA, N_IW)
    assert np.abs(via_l - g_iw).max() <= 1e-7


# -- validation -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call,name",
    [
        (lambda g: tr.iw_to_tau(g, 0.0, 11), "beta"),
        (lambda g: tr.iw_to_tau(g, float("nan"), 11), "beta"),
        (lambda g: tr.iw_to_tau(g, 1.0, 1), "n_tau"),
        (lambda g: tr.iw_to_tau(g[:-1], 1.0, 11), "g_iw"),
        (lambda g: tr.iw_to_tau(np.where(np.arange(g.size) == 3, np.nan, g), 1.0, 11), "g_iw"),
        (lambda g: tr.iw_to_tau(g, 1.0, 11, moments=np.zeros((4, 2))), "moments"),
        (lambda g: tr.iw_to_tau(g.astype(str), 1.0, 11), "g_iw"),
        (lambda g: tr.tau_to_iw(g[:1], 1.0, 4), "g_tau"),
        (lambda g: tr.tau_to_iw(g, 1.0, 0), "n_iw"),
        (lambda g: tr.tau_to_iw(g, -2.0, 4), "beta"),
        (lambda g: tr.tau_to_legendre(g, 1.0, 0), "n_l"),
        (lambda g: tr.legendre_to_tau(g, 1.0, np.array([0.5, 1.5])), "tau"),
        (lambda g: tr.legendre_to_iw(g, 0.0, 4), "beta"),
        (lambda g: tr.iw_to_legendre(g, 1.0, 0), "n_l"),
        (lambda g: tr.density_from_iw(g[:-1], 1.0), "g_iw"),
        (lambda g: tr.fit_tail(g, g[:-1]), "iw"),
        (lambda g: tr.fit_tail(g, np.abs(g) + 0j), "iw"),
        (lambda g: tr.fit_tail(g, 1j * np.arange(1, g.size + 1), tail_fraction=1.5), "tail_fraction"),
        (lambda g: tr.fit_tail(g, 1j * np.arange(1, g.size + 1), max_moment=40), "max_moment"),
        (lambda g: tr.fit_tail(g, 1j * np.arange(1, g.size + 1), n_tail_max=0), "n_tail_max"),
    ],
)
def test_invalid_inputs_raise_naming_the_parameter(call, name):
    g = _poles_iw(tr.matsubara_freqs(1.0, 8))
    with pytest.raises(InvalidParameterError, match=f"^{name} = "):
        call(g)


@pytest.mark.parametrize("n_l", [1, 2, 30, 120])
def test_spherical_bessel_against_scipy(n_l):
    """The recurrences behind the Matsubara-Legendre matrix against scipy.special.spherical_jn, on the Matsubara
    arguments k = (2n+1) pi/2 (far beyond the turning point l = k and below it) and on generic k."""
    from scipy.special import spherical_jn as reference

    from triqs_mlsolver._legendre import spherical_jn

    k = np.concatenate([(2 * np.arange(2000) + 1) * np.pi / 2, np.linspace(0.05, 400.0, 501)])
    ref = reference(np.arange(n_l)[None, :], k[:, None])
    got = spherical_jn(n_l, k)
    assert got.shape == (k.size, n_l)
    np.testing.assert_allclose(got, ref, rtol=0, atol=5e-15)
    matsubara = slice(0, 2000)
    np.testing.assert_allclose(got[matsubara], ref[matsubara], rtol=1e-9, atol=0)
