"""The Gf container: construction, views, access, arithmetic against numpy, transforms against exact poles."""

from __future__ import annotations

import numpy as np
import pytest

from triqs_mlsolver.errors import IncompatibleGfStructError, InvalidParameterError, MeshMismatchError, TailFitWarning
from triqs_mlsolver.gf import (
    Fourier,
    Gf,
    GfImFreq,
    GfImTime,
    GfLegendre,
    GfReFreq,
    Idx,
    LegendreToMatsubara,
    MatsubaraToLegendre,
    MeshImFreq,
    MeshImTime,
    MeshLegendre,
    MeshReFreq,
    make_gf_from_fourier,
)

BETA = 10.0


# ----------------------------------------------------------------------------- exact pole Green's functions
def _poles(rng, n=2, n_poles=3):
    """Energies and hermitian positive residues summing to the identity (a physical G)."""
    energies = np.array([-1.3, 0.4, 2.1][:n_poles])
    size = (n_poles * n, n_poles * n)
    vectors = np.linalg.qr(rng.normal(size=size) + 1j * rng.normal(size=size))[0]
    residues = []
    for p in range(n_poles):
        u = vectors[p * n : (p + 1) * n, :n]
        residues.append(u.conj().T @ u)
    total = sum(residues)
    s = np.linalg.inv(np.linalg.cholesky(total))
    residues = np.array([s @ r @ s.conj().T for r in residues])
    return energies, residues


def _g_iw(z, energies, residues):
    return np.einsum("pij,wp->wij", residues, 1.0 / (z[:, None] - energies[None, :]))


def _g_tau(tau, energies, residues, beta=BETA):
    # -e^{-tau E}/(1 + e^{-beta E}), written without overflow for either sign of E
    e, t = energies[None, :], tau[:, None]
    w = np.where(e >= 0, -np.exp(-t * e) / (1 + np.exp(-beta * e)), -np.exp((beta - t) * e) / (np.exp(beta * e) + 1))
    return np.einsum("pij,tp->tij", residues, w)


def _fermi(e, beta=BETA):
    return 0.5 * (1.0 - np.tanh(0.5 * beta * e))


@pytest.fixture
def poles(rng):
    return _poles(rng)


@pytest.fixture
def g_iw(poles):
    mesh = MeshImFreq(BETA, "Fermion", 1025)
    return Gf(mesh=mesh, data=_g_iw(mesh.values(), *poles), name="G")


def _random_gf(rng, mesh, shape=(2, 2)):
    data = rng.normal(size=(len(mesh),) + shape) + 1j * rng.normal(size=(len(mesh),) + shape)
    return Gf(mesh=mesh, data=data)


# ----------------------------------------------------------------------------- construction
def test_construction_shapes_and_dtypes():
    mesh = MeshImFreq(BETA, "Fermion", 8)
    g = Gf(mesh=mesh, target_shape=[2, 3])
    assert g.data.shape == (16, 2, 3) and g.data.dtype == np.complex128
    assert (g.target_shape, g.target_rank, g.rank) == ((2, 3), 2, 1)
    assert Gf(mesh=mesh, target_shape=[], is_real=True).data.dtype == np.float64
    assert Gf(mesh=mesh, indices=[0, 1]).target_shape == (2, 2)
    assert [list(r) for r in Gf(mesh=mesh, indices=[0, 1]).indices] == [[0, 1], [0, 1]]
    assert list(Gf(mesh=mesh, target_shape=[2, 2]).target_indices) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_data_is_used_without_copy():
    mesh = MeshImTime(BETA, "Fermion", 5)
    data = np.zeros((5, 1, 1), dtype=complex)
    g = Gf(mesh=mesh, data=data)
    g.data[2, 0, 0] = 3.0
    assert data[2, 0, 0] == 3.0


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(mesh="not a mesh", target_shape=[1]), InvalidParameterError),
        (dict(mesh=MeshImFreq(BETA, "Fermion", 4)), InvalidParameterError),
        (dict(mesh=MeshImFreq(BETA, "Fermion", 4), data=np.zeros((7, 1, 1))), InvalidParameterError),
        (dict(mesh=MeshImFreq(BETA, "Fermion", 4), data=np.zeros((8, 1, 1)), target_shape=[2]), InvalidParameterError),
        (dict(mesh=MeshImFreq(BETA, "Fermion", 4), data=np.zeros((8,), complex), is_real=True), InvalidParameterError),
        (dict(mesh=MeshImFreq(BETA, "Fermion", 4), target_shape=[0]), InvalidParameterError),
    ],
)
def test_construction_errors(kwargs, error):
    with pytest.raises(error):
        Gf(**kwargs)


def test_legacy_factories_build_the_right_meshes():
    g = GfImFreq(beta=BETA, n_points=100, indices=[0])
    assert g.mesh == MeshImFreq(BETA, "Fermion", 100) and g.target_shape == (1, 1)
    assert GfImTime(beta=BETA, n_points=51, target_shape=[2, 2]).mesh == MeshImTime(BETA, "Fermion", 51)
    assert GfLegendre(beta=BETA, n_points=20, indices=[0, 1]).mesh == MeshLegendre(BETA, "Fermion", 20)
    assert GfReFreq(window=(-2.0, 3.0), n_points=11, target_shape=[]).mesh == MeshReFreq(-2.0, 3.0, 11)
    assert GfImFreq(beta=BETA, indices=[0]).mesh.n_iw == 1025
    mesh = MeshImFreq(BETA, "Boson", 4)
    assert GfImFreq(mesh=mesh, target_shape=[]).mesh is mesh
    with pytest.raises(InvalidParameterError):
        GfImFreq(n_points=10, indices=[0])
    with pytest.raises(InvalidParameterError):
        GfImTime(mesh=MeshImFreq(BETA, "Fermion", 4), indices=[0])


# ----------------------------------------------------------------------------- views and access
def test_target_slices_are_views(rng):
    g = _random_gf(rng, MeshImFreq(BETA, "Fermion", 4))
    g01 = g[0, 1]
    assert g01.target_shape == () and np.shares_memory(g01.data, g.data)
    g01 << 2.5
    assert np.all(g.data[:, 0, 1] == 2.5)
    g[1, 0] = 7.0  # same as g[1, 0] << 7
    assert np.all(g.data[:, 1, 0] == 7.0)
    block = g[0:1, 0:1]
    assert block.target_shape == (1, 1) and np.shares_memory(block.data, g.data)
    g.real.data[:] = 0.0  # .real views the real part, as in TRIQS
    assert np.all(g.data.real == 0.0)
    assert g[:] is g
    with pytest.raises(InvalidParameterError):
        g[2, 0]
    with pytest.raises(InvalidParameterError):
        g[0]


def test_mesh_index_access_and_evaluation(g_iw, poles):
    mesh = g_iw.mesh
    for n in (-1025, -1, 0, 7, 1024):
        z = 1j * np.pi * (2 * n + 1) / BETA
        exact = _g_iw(np.array([z]), *poles)[0]
        assert np.allclose(g_iw[Idx(n)], exact, atol=1e-14)
        assert np.allclose(g_iw(n), exact, atol=1e-14)
    assert np.all(g_iw(1025) == 0) and np.all(g_iw(-2000) == 0)  # 0 outside the mesh, as TRIQS
    point = list(mesh)[1030]
    assert point.index == 5 and np.allclose(g_iw[point], g_iw[Idx(5)])
    g_iw[Idx(0)] = np.eye(2)
    assert np.all(g_iw.data[1025] == np.eye(2))


def test_positive_only_evaluation_uses_hermitian_partner(g_iw):
    half = Gf(mesh=MeshImFreq(BETA, "Fermion", 1025, positive_only=True), data=g_iw.data[1025:].copy())
    assert np.allclose(half(-3), g_iw(-3), atol=1e-14)
    assert np.allclose(half(4), g_iw(4))


def test_interpolation_in_tau_and_real_frequency():
    tau_mesh = MeshImTime(BETA, "Fermion", 11)
    g = Gf(mesh=tau_mesh, data=3.0 * tau_mesh.values() - 1.0)
    assert g(2.345) == pytest.approx(3.0 * 2.345 - 1.0)
    assert g(BETA) == pytest.approx(3.0 * BETA - 1.0)
    w_mesh = MeshReFreq(-1.0, 1.0, 21)
    h = Gf(mesh=w_mesh, data=np.multiply.outer(w_mesh.values(), np.eye(2)))
    assert np.allclose(h(0.333), 0.333 * np.eye(2))
    with pytest.raises(InvalidParameterError):
        g(BETA + 0.1)
    with pytest.raises(InvalidParameterError):
        h(1.5)


# ----------------------------------------------------------------------------- arithmetic against numpy
def test_binary_arithmetic_matches_numpy(rng):
    mesh = MeshImFreq(BETA, "Fermion", 16)
    g, h = _random_gf(rng, mesh), _random_gf(rng, mesh)
    a, b = g.data, h.data
    M = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    I = np.eye(2)
    cases = {
        "g+h": (g + h, a + b),
        "g-h": (g - h, a - b),
        "g*h": (g * h, a @ b),
        "g@h": (g @ h, a @ b),
        "g/h": (g / h, a @ np.linalg.inv(b)),
        "2+g": (2 + g, a + 2 * I),
        "g-1j": (g - 1j, a - 1j * I),
        "1-g": (1 - g, I - a),
        "M+g": (M + g, a + M),
        "g-M": (g - M, a - M),
        "3*g": (3 * g, 3 * a),
        "g*M": (g * M, a @ M),
        "M*g": (M * g, M @ a),
        "M@g": (M @ g, M @ a),
        "g/2": (g / 2, a / 2),
        "g/M": (g / M, a @ np.linalg.inv(M)),
        "2/g": (2 / g, 2 * np.linalg.inv(a)),
        "M/g": (M / g, M @ np.linalg.inv(a)),
        "-g": (-g, -a),
        "inv": (g.inverse(), np.linalg.inv(a)),
        "conj": (g.conjugate(), np.conj(a)),
        "T": (g.transpose(), np.swapaxes(a, 1, 2)),
    }
    for label, (result, expected) in cases.items():
        assert isinstance(result, Gf) and result.mesh == mesh, label
        np.testing.assert_allclose(result.data, expected, rtol=1e-12, atol=1e-12, err_msg=label)
    np.testing.assert_allclose((g * g.inverse()).data, np.broadcast_to(I, a.shape), atol=1e-12)


def test_in_place_arithmetic_writes_into_views(rng):
    mesh = MeshReFreq(-1.0, 1.0, 9)
    g, h = _random_gf(rng, mesh), _random_gf(rng, mesh)
    a, b = g.data.copy(), h.data.copy()
    g += h
    g -= 0.5
    g *= h
    g /= 2.0
    g @= np.eye(2) * 3
    np.testing.assert_allclose(g.data, ((a + b - 0.5 * np.eye(2)) @ b) / 2.0 * 3, rtol=1e-12)
    parent = _random_gf(rng, mesh)
    before = parent.data.copy()
    view = parent[1, 1]
    view *= 2.0
    view += 1.0
    np.testing.assert_allclose(parent.data[:, 1, 1], 2.0 * before[:, 1, 1] + 1.0)
    np.testing.assert_allclose(parent.data[:, 0, 1], before[:, 0, 1])
    g.invert()
    np.testing.assert_allclose(g.data, np.linalg.inv(((a + b - 0.5 * np.eye(2)) @ b) / 2.0 * 3), rtol=1e-10)


def test_scalar_valued_arithmetic_is_elementwise(rng):
    mesh = MeshImTime(BETA, "Fermion", 7)
    g = Gf(mesh=mesh, data=rng.normal(size=7) + 0j)
    h = Gf(mesh=mesh, data=rng.normal(size=7) + 0j)
    np.testing.assert_allclose((1.5 + g * h - h / g).data, 1.5 + g.data * h.data - h.data / g.data)


def test_imtime_products_combine_statistics(rng):
    mesh = MeshImTime(BETA, "Fermion", 7)
    g = Gf(mesh=mesh, data=rng.normal(size=7) + 0j)
    p = g * g
    assert p.mesh == MeshImTime(BETA, "Boson", 7)
    sigma = Gf(mesh=mesh, target_shape=[])
    sigma << 4.0 * g * g * g  # the second-order self-energy of IPT: Boson x Fermion = Fermion
    np.testing.assert_allclose(sigma.data, 4.0 * g.data**3)


def test_mesh_and_shape_mismatches_raise(rng):
    g = _random_gf(rng, MeshImFreq(BETA, "Fermion", 4))
    other_beta = _random_gf(rng, MeshImFreq(2 * BETA, "Fermion", 4))
    other_shape = _random_gf(rng, MeshImFreq(BETA, "Fermion", 4), shape=(3, 3))
    for op in (lambda: g + other_beta, lambda: g * other_beta, lambda: g.copy_from(other_beta)):
        with pytest.raises(MeshMismatchError):
            op()
    with pytest.raises(MeshMismatchError):
        g += other_beta
    with pytest.raises(MeshMismatchError):
        g << other_beta
    with pytest.raises(IncompatibleGfStructError):
        g + other_shape
    with pytest.raises(IncompatibleGfStructError):
        g << other_shape
    with pytest.raises(IncompatibleGfStructError):
        g * other_shape
    with pytest.raises(InvalidParameterError):
        g + np.ones((3, 3))
    tau = _random_gf(rng, MeshImTime(BETA, "Fermion", 5))
    with pytest.raises(InvalidParameterError):  # scalar x identity only on frequency meshes, as in TRIQS
        tau + 1.0
    with pytest.raises(InvalidParameterError):
        tau << 1.0


def test_real_gf_refuses_imaginary_values(rng):
    mesh = MeshImTime(BETA, "Fermion", 5)
    g = Gf(mesh=mesh, target_shape=[], is_real=True)
    g << Gf(mesh=mesh, data=np.arange(5.0) + 1e-14j)
    np.testing.assert_allclose(g.data, np.arange(5.0))
    with pytest.raises(InvalidParameterError):
        g << Gf(mesh=mesh, data=np.arange(5.0) + 1j)
    with pytest.raises(InvalidParameterError):
        g += 1j


def test_singular_inverse_raises():
    g = Gf(mesh=MeshImFreq(BETA, "Fermion", 2), target_shape=[2, 2])
    with pytest.raises(InvalidParameterError):
        g.inverse()


# ----------------------------------------------------------------------------- transforms against exact poles
def test_density_of_pole_gf(g_iw, poles):
    energies, residues = poles
    exact = np.einsum("pij,p->ij", residues, _fermi(energies))
    np.testing.assert_allclose(g_iw.density(), exact, atol=1e-6)
    assert g_iw.total_density() == pytest.approx(np.trace(exact), abs=1e-6)
    assert g_iw[0, 0].density() == pytest.approx(exact[0, 0], abs=1e-6)


def test_density_requires_vanishing_constant_and_full_mesh(g_iw):
    known = np.zeros((1, 2, 2))
    known[0] = 0.3 * np.eye(2)
    with pytest.raises(InvalidParameterError):
        (g_iw + 0.3).density(known)
    with pytest.warns(TailFitWarning):  # m_0 = 0 is assumed: a constant offset spoils the fit
        (g_iw + 0.3).density()
    with pytest.raises(InvalidParameterError):
        (g_iw + 10.0).density()
    half = Gf(mesh=MeshImFreq(BETA, "Fermion", 1025, positive_only=True), data=g_iw.data[1025:])
    with pytest.raises(InvalidParameterError):
        half.density()


def test_fourier_round_trip_against_exact_tau(g_iw, poles):
    tau_mesh = MeshImTime(BETA, "Fermion", 4001)
    exact_tau = _g_tau(tau_mesh.values(), *poles)
    g_tau = Gf(mesh=tau_mesh, target_shape=[2, 2])
    g_tau << Fourier(g_iw)
    np.testing.assert_allclose(g_tau.data, exact_tau, atol=1e-6)
    np.testing.assert_allclose(g_tau.data[0] + g_tau.data[-1], -np.eye(2), atol=1e-6)  # G(0+) + G(beta-) = -1
    exact = Gf(mesh=tau_mesh, data=exact_tau)
    back = g_iw.copy()
    back.zero()
    back.set_from_fourier(exact)
    np.testing.assert_allclose(back.data, g_iw.data, atol=1e-9)
    made = make_gf_from_fourier(exact, 1025)
    assert made.mesh == g_iw.mesh
    np.testing.assert_allclose(made.data, g_iw.data, atol=1e-9)
    made_tau = make_gf_from_fourier(g_iw)
    assert made_tau.mesh == MeshImTime(BETA, "Fermion", 6 * 1025 + 1)
    assert np.abs(made_tau.data - _g_tau(made_tau.mesh.values(), *poles)).max() < 1e-6


def test_fourier_checks_meshes(g_iw):
    with pytest.raises(MeshMismatchError):
        Gf(mesh=MeshImTime(2 * BETA, "Fermion", 11), target_shape=[2, 2]) << Fourier(g_iw)
    with pytest.raises(IncompatibleGfStructError):
        Gf(mesh=MeshImTime(BETA, "Fermion", 11), target_shape=[1, 1]) << Fourier(g_iw)
    with pytest.raises(InvalidParameterError):
        g_iw.copy() << Fourier(g_iw)


def test_legendre_against_exact_coefficients(g_iw, poles):
    n_l = 30
    x, w = np.polynomial.legendre.leggauss(300)
    tau = 0.5 * BETA * (x + 1.0)
    p = np.polynomial.legendre.legvander(x, n_l - 1).T  # P_l(x_k), shape (n_l, K)
    exact = np.sqrt(2 * np.arange(n_l) + 1)[:, None, None] * np.einsum(
        "lk,k,kij->lij", p, 0.5 * BETA * w, _g_tau(tau, *poles)
    )
    g_l = Gf(mesh=MeshLegendre(BETA, "Fermion", n_l), target_shape=[2, 2])
    g_l << MatsubaraToLegendre(g_iw)
    np.testing.assert_allclose(g_l.data, exact, atol=1e-6)
    energies, residues = poles
    np.testing.assert_allclose(g_l.density(), np.einsum("pij,p->ij", residues, _fermi(energies)), atol=1e-6)
    back = g_iw.copy()
    back << LegendreToMatsubara(Gf(mesh=g_l.mesh, data=exact))
    assert np.abs(back.data - g_iw.data).max() < 1e-5  # Legendre truncation at n_l = 30, beta = 10
    tau_mesh = MeshImTime(BETA, "Fermion", 101)
    g_tau = Gf(mesh=tau_mesh, target_shape=[2, 2])
    g_tau.set_from_legendre(Gf(mesh=g_l.mesh, data=exact))
    np.testing.assert_allclose(g_tau.data, _g_tau(tau_mesh.values(), *poles), atol=1e-5)


def test_density_of_real_frequency_and_imaginary_time_gfs(poles):
    energies, residues = poles
    eta = 0.02
    mesh = MeshReFreq(-12.0, 12.0, 24001)
    g_w = Gf(mesh=mesh, data=_g_iw(mesh.values() + 1j * eta, energies, residues))
    # Lorentzians of width eta; the T = 0 occupation is the weight below 0 (minus the tail beyond -12).
    lorentz_t0 = np.array([0.5 + np.arctan(-e / eta) / np.pi - (eta / np.pi) / (12.0 + e) for e in energies])
    np.testing.assert_allclose(g_w.density(), np.einsum("pij,p->ij", residues, lorentz_t0), atol=2e-4)
    from scipy.integrate import quad

    def occupied(e):
        lorentz = lambda w: (eta / np.pi) / ((w - e) ** 2 + eta**2)
        return quad(lambda w: _fermi(w) * lorentz(w), -12.0, 12.0, points=[e, 0.0], limit=200)[0]

    finite_t = np.array([occupied(e) for e in energies])
    np.testing.assert_allclose(g_w.density(BETA), np.einsum("pij,p->ij", residues, finite_t), atol=2e-4)
    tau_mesh = MeshImTime(BETA, "Fermion", 11)
    g_tau = Gf(mesh=tau_mesh, data=_g_tau(tau_mesh.values(), energies, residues))
    np.testing.assert_allclose(g_tau.density(), np.einsum("pij,p->ij", residues, _fermi(energies)), atol=1e-14)
