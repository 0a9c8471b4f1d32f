"""Descriptors and lazy expressions against closed forms, quadratures and the U = 0 Bethe lattice."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from triqs_mlsolver.errors import IncompatibleGfStructError, InvalidParameterError, MeshMismatchError
from triqs_mlsolver.gf import (
    BlockGf,
    Flat,
    Fourier,
    Gf,
    LazyExpr,
    MeshImFreq,
    MeshImTime,
    MeshLegendre,
    MeshReFreq,
    Omega,
    SemiCircular,
    Wilson,
    conjugate,
    iOmega_n,
    inverse,
    transpose,
)

BETA = 10.0
IW_MESH = MeshImFreq(BETA, "Fermion", 1025)


def _semicircle_dos(e, D):
    return 2.0 * np.sqrt(max(D * D - e * e, 0.0)) / (np.pi * D * D)


def _hilbert(dos, z, D, shift=0.0):
    """``int dos(e) / (z - e) de`` over ``[-D, D] - shift`` by quadrature (the independent truth)."""
    re = quad(lambda e: (dos(e, D) / (z + shift - e)).real, -D, D, limit=200, epsabs=1e-13)[0]
    im = quad(lambda e: (dos(e, D) / (z + shift - e)).imag, -D, D, limit=200, epsabs=1e-13)[0]
    return re + 1j * im


def _flat_dos(e, D):
    return 1.0 / (2.0 * D) if abs(e) <= D else 0.0


def _fermi(e, beta=BETA):
    return 0.5 * (1.0 - np.tanh(0.5 * beta * e))


# ----------------------------------------------------------------------------- elementary descriptors
def test_omega_is_the_mesh_value_times_identity():
    assert Omega is iOmega_n
    g = Gf(mesh=IW_MESH, target_shape=[2, 2])
    g << iOmega_n
    np.testing.assert_allclose(g.data, np.multiply.outer(IW_MESH.values(), np.eye(2)))
    w_mesh = MeshReFreq(-3.0, 3.0, 7)
    h = Gf(mesh=w_mesh, target_shape=[])
    h << Omega + 0.5
    np.testing.assert_allclose(h.data, w_mesh.values() + 0.5)
    with pytest.raises(InvalidParameterError):
        Gf(mesh=MeshImTime(BETA, "Fermion", 5), target_shape=[]) << iOmega_n


def test_constants_and_expression_arithmetic(rng):
    iw = IW_MESH.values()[:, None, None]
    I = np.eye(2)
    M = rng.normal(size=(2, 2))
    h = Gf(mesh=IW_MESH, data=rng.normal(size=(len(IW_MESH), 2, 2)) + 0j)
    g = Gf(mesh=IW_MESH, target_shape=[2, 2])
    cases = [
        (3.0, 3.0 * I),
        (M, np.broadcast_to(M, (len(IW_MESH), 2, 2))),
        (2 * iOmega_n - 1.5, 2 * iw * I - 1.5 * I),
        (iOmega_n / 2 + M, iw * I / 2 + M),
        (1 / iOmega_n, I / iw),
        (-iOmega_n, -iw * I),
        (iOmega_n @ M, iw * M),
        (M @ iOmega_n - h, iw * M - h.data),
        (h * iOmega_n + h, h.data * iw + h.data),
        (inverse(iOmega_n - M), np.linalg.inv(iw * I - M)),
        (transpose(iOmega_n * M), iw * M.T),
        (conjugate(iOmega_n + 1j), np.conj(iw * I + 1j * I)),
        (inverse(h), np.linalg.inv(h.data)),
    ]
    for k, (expr, expected) in enumerate(cases):
        g << expr
        np.testing.assert_allclose(g.data, np.broadcast_to(expected, g.data.shape), rtol=1e-13, err_msg=f"case {k}")
    assert isinstance(inverse(h), Gf) and isinstance(inverse(iOmega_n), LazyExpr)
    g += iOmega_n  # in place with an expression evaluates it on g's mesh
    np.testing.assert_allclose(g.data, np.linalg.inv(h.data) + iw * I)


def test_expression_errors():
    g = Gf(mesh=IW_MESH, target_shape=[2, 2])
    with pytest.raises(IncompatibleGfStructError):
        g << np.ones((3, 3))
    with pytest.raises(MeshMismatchError):
        g << iOmega_n + Gf(mesh=MeshImFreq(2 * BETA, "Fermion", 1025), target_shape=[2, 2])
    with pytest.raises(InvalidParameterError):
        g << "a string"
    with pytest.raises(InvalidParameterError):
        inverse(3.0)


# ----------------------------------------------------------------------------- model densities of states
@pytest.mark.parametrize("mu", [0.0, 0.35])
def test_semicircular_matsubara_matches_quadrature(mu):
    D = 1.3
    g = Gf(mesh=IW_MESH, target_shape=[1, 1])
    g << SemiCircular(D, chem_potential=mu)
    for n in (-1025, -3, -1, 0, 2, 40):
        z = 1j * np.pi * (2 * n + 1) / BETA
        assert g(n)[0, 0] == pytest.approx(_hilbert(_semicircle_dos, z, D, shift=mu), abs=1e-10)


def test_flat_matsubara_matches_quadrature():
    assert Wilson is Flat
    D = 2.0
    g = Gf(mesh=IW_MESH, target_shape=[])
    g << Flat(D)
    for n in (-5, 0, 1, 100):
        z = 1j * np.pi * (2 * n + 1) / BETA
        assert g(n) == pytest.approx(_hilbert(_flat_dos, z, D), abs=1e-10)


def test_real_frequency_semicircle_is_normalised_and_causal():
    D = 1.0
    mesh = MeshReFreq(-1.5, 1.5, 30001)
    g = Gf(mesh=mesh, target_shape=[1, 1])
    g << SemiCircular(D)
    w = mesh.values()
    spectral = -g.data[:, 0, 0].imag / np.pi
    np.testing.assert_allclose(spectral, [_semicircle_dos(x, D) for x in w], atol=1e-12)
    weight = np.sum(0.5 * (spectral[1:] + spectral[:-1]) * np.diff(w))
    assert weight == pytest.approx(1.0, abs=1e-4)  # trapezoid on the sqrt edges: error ~ dw^1.5
    for x in (-1.4, -0.6, 0.25, 1.2):  # real part: principal value of the Hilbert transform
        pv = quad(lambda e: _semicircle_dos(e, D), -D, D, weight="cauchy", wvar=x)[0]
        assert g(x)[0, 0].real == pytest.approx(-pv, abs=1e-6)
    assert g.density()[0, 0].real == pytest.approx(0.5, abs=1e-5)  # T = 0, half filling


def test_real_frequency_flat_dos():
    D = 2.0
    mesh = MeshReFreq(-3.0, 3.0, 601)
    g = Gf(mesh=mesh, target_shape=[])
    g << Flat(D)
    w = mesh.values()
    inside = np.abs(w) < D - 1e-9
    np.testing.assert_allclose(-g.data.imag[inside] / np.pi, 1.0 / (2 * D))
    assert np.all(g.data.imag[np.abs(w) > D + 1e-9] == 0.0)
    for x in (-2.5, 0.7):
        pv = quad(lambda e: _flat_dos(e, D), -D, D, weight="cauchy", wvar=x)[0]
        assert g(x).real == pytest.approx(-pv, abs=1e-8)


@pytest.mark.parametrize("mu", [0.0, -0.4])
def test_semicircular_density_matches_quadrature(mu):
    D = 1.0
    g = Gf(mesh=IW_MESH, target_shape=[1, 1])
    g << SemiCircular(D, chem_potential=mu)
    exact = quad(lambda e: _semicircle_dos(e, D) * _fermi(e - mu), -D, D, epsabs=1e-13)[0]
    assert g.density()[0, 0] == pytest.approx(exact, abs=1e-8)
    if mu == 0.0:
        assert g.total_density().real == pytest.approx(0.5, abs=1e-10)


def test_semicircular_on_imaginary_time_and_legendre():
    D, mu = 1.0, 0.3
    tau_mesh = MeshImTime(BETA, "Fermion", 21)
    g_tau = Gf(mesh=tau_mesh, target_shape=[1, 1])
    g_tau << SemiCircular(D, chem_potential=mu)

    def exact_tau(t):
        kernel = lambda e: -np.exp(-t * (e - mu)) * _fermi(-(e - mu))  # -e^{-t x}/(1 + e^{-beta x}), x = e - mu
        return quad(lambda e: _semicircle_dos(e, D) * kernel(e), -D, D, epsabs=1e-13)[0]

    for k in (0, 7, 20):
        assert g_tau.data[k, 0, 0].real == pytest.approx(exact_tau(tau_mesh.values()[k]), abs=1e-8)
    g_l = Gf(mesh=MeshLegendre(BETA, "Fermion", 20), target_shape=[1, 1])
    g_l << SemiCircular(D, chem_potential=mu)
    n_exact = quad(lambda e: _semicircle_dos(e, D) * _fermi(e - mu), -D, D, epsabs=1e-13)[0]
    assert g_l.density()[0, 0].real == pytest.approx(n_exact, abs=1e-6)  # Legendre truncation at 20 terms
    l1 = quad(lambda t: np.sqrt(3.0) * (2 * t / BETA - 1) * exact_tau(t), 0, BETA, epsabs=1e-12)[0]
    assert g_l.data[1, 0, 0].real == pytest.approx(l1, abs=1e-7)


# ----------------------------------------------------------------------------- U = 0 Bethe lattice
def test_bethe_lattice_self_consistency_converges_to_semicircle():
    t, mu = 0.5, 0.2
    G = BlockGf(mesh=IW_MESH, gf_struct=[("up", 1), ("down", 1)])
    G0 = G.copy()
    G << SemiCircular(3.0)  # a wrong first guess
    for _ in range(80):
        for _name, g0 in G0:
            g0 << inverse(iOmega_n + mu - t**2 * G["up"])
        G << G0  # U = 0: the impurity G is G0
    exact = Gf(mesh=IW_MESH, target_shape=[1, 1])
    exact << SemiCircular(2 * t, chem_potential=mu)
    for _name, g in G:
        np.testing.assert_allclose(g.data, exact.data, atol=1e-10)
    n_exact = quad(lambda e: _semicircle_dos(e, 2 * t) * _fermi(e - mu), -2 * t, 2 * t, epsabs=1e-13)[0]
    assert G.total_density().real == pytest.approx(2 * n_exact, abs=1e-8)


def test_fourier_descriptor_works_block_by_block():
    G = BlockGf(mesh=IW_MESH, gf_struct=[("up", 1), ("dn", 1)])
    G["up"] << SemiCircular(1.0)
    G["dn"] << SemiCircular(1.0, chem_potential=0.5)
    T = BlockGf(mesh=MeshImTime(BETA, "Fermion", 2001), gf_struct=[("up", 1), ("dn", 1)])
    T << Fourier(G)
    for b in ("up", "dn"):
        direct = T[b].copy()
        direct << SemiCircular(1.0, chem_potential=0.0 if b == "up" else 0.5)
        np.testing.assert_allclose(T[b].data, direct.data, atol=1e-7)
