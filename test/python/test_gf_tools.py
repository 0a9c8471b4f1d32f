"""DMFT tools: dyson, hermiticity, delta, tail fits, against exact pole models."""

from __future__ import annotations

import numpy as np
import pytest

from triqs_mlsolver.errors import IncompatibleGfStructError, InvalidParameterError
from triqs_mlsolver.gf import (
    BlockGf,
    Gf,
    MeshImFreq,
    MeshImTime,
    delta,
    dyson,
    fit_hermitian_tail,
    fit_tail,
    iOmega_n,
    inverse,
    is_gf_hermitian,
    make_hermitian,
    make_zero_tail,
)

BETA = 10.0
MESH = MeshImFreq(BETA, "Fermion", 1025)
IW = MESH.values()[:, None, None]


def _hermitian(rng, n):
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return 0.5 * (a + a.conj().T)


def _bath(rng):
    """Local levels E (2x2 hermitian), hoppings V (2x3) and bath energies: Delta(iw) = V (iw - e)^-1 V^+."""
    E = _hermitian(rng, 2)
    V = rng.normal(size=(2, 3)) + 1j * rng.normal(size=(2, 3))
    eps = np.array([-1.0, 0.2, 1.5])
    delta_exact = np.einsum("ik,wk,jk->wij", V, 1.0 / (IW[:, :, 0] - eps[None, :]), V.conj())
    return E, V, eps, delta_exact


def test_dyson_three_ways(rng):
    E, _, _, delta_exact = _bath(rng)
    g0 = Gf(mesh=MESH, data=np.linalg.inv(IW * np.eye(2) - E - delta_exact))
    sigma_data = _hermitian(rng, 2) + 0.8 / IW * np.eye(2)  # Hartree shift + atomic-like 1/iw term
    sigma = Gf(mesh=MESH, data=sigma_data)
    g = dyson(G0_iw=g0, Sigma_iw=sigma)
    expected_g = np.linalg.inv(np.linalg.inv(g0.data) - sigma_data)
    np.testing.assert_allclose(g.data, expected_g, rtol=1e-12)
    np.testing.assert_allclose(dyson(G0_iw=g0, G_iw=g).data, sigma_data, atol=1e-12)
    np.testing.assert_allclose(dyson(G_iw=g, Sigma_iw=sigma).data, g0.data, atol=1e-12)
    G0 = BlockGf(name_list=["a"], block_list=[g0])
    S = BlockGf(name_list=["a"], block_list=[sigma])
    np.testing.assert_allclose(dyson(G0_iw=G0, Sigma_iw=S)["a"].data, expected_g, rtol=1e-12)
    with pytest.raises(InvalidParameterError):
        dyson(G0_iw=g0)
    with pytest.raises(InvalidParameterError):
        dyson(G0_iw=g0, G_iw=g, Sigma_iw=sigma)


def test_hermiticity(rng):
    E, _, _, delta_exact = _bath(rng)
    g0 = Gf(mesh=MESH, data=np.linalg.inv(IW * np.eye(2) - E - delta_exact))
    assert is_gf_hermitian(g0)  # a physical G(iw) satisfies G(-iw) = G(iw)^dagger
    np.testing.assert_allclose(make_hermitian(g0).data, g0.data, atol=1e-14)
    noisy = g0 + Gf(mesh=MESH, data=1e-3 * (rng.normal(size=g0.data.shape) + 1j * rng.normal(size=g0.data.shape)))
    assert not is_gf_hermitian(noisy)
    h = make_hermitian(noisy)
    expected = 0.5 * (noisy.data + np.conj(np.swapaxes(noisy.data[::-1], 1, 2)))
    np.testing.assert_allclose(h.data, expected)
    assert is_gf_hermitian(h) and np.abs(h.data - g0.data).max() <= np.abs(noisy.data - g0.data).max()
    tau_mesh = MeshImTime(BETA, "Fermion", 5)
    a = rng.normal(size=(5, 2, 2)) + 1j * rng.normal(size=(5, 2, 2))
    g_tau = make_hermitian(Gf(mesh=tau_mesh, data=a))
    np.testing.assert_allclose(g_tau.data, 0.5 * (a + np.conj(np.swapaxes(a, 1, 2))))
    G = BlockGf(name_list=["up", "dn"], block_list=[noisy, g0.copy()])
    assert is_gf_hermitian(make_hermitian(G)) and not is_gf_hermitian(G)


def test_delta_recovers_the_hybridization(rng):
    E, _, _, delta_exact = _bath(rng)
    g0 = Gf(mesh=MESH, data=np.linalg.inv(IW * np.eye(2) - E - delta_exact))
    np.testing.assert_allclose(delta(g0).data, delta_exact, atol=1e-8)
    G0 = BlockGf(name_list=["up"], block_list=[g0])
    np.testing.assert_allclose(delta(G0)["up"].data, delta_exact, atol=1e-8)
    skewed = g0.copy()
    skewed.data[:1025] *= 1.1
    with pytest.raises(InvalidParameterError):
        delta(skewed)


def test_fit_tail_moments_of_a_pole_model(rng):
    E, V, eps, delta_exact = _bath(rng)
    g0 = Gf(mesh=MESH, target_shape=[2, 2])
    g0 << inverse(iOmega_n - E - Gf(mesh=MESH, data=delta_exact))
    # G0 = 1/iw + E/(iw)^2 + (E^2 + V V^+)/(iw)^3 + ...
    m2_exact = E
    m3_exact = E @ E + V @ V.conj().T
    known = np.array([np.zeros((2, 2)), np.eye(2)])
    moments, error = fit_tail(g0, known)
    assert moments.shape[1:] == (2, 2) and len(moments) >= 4 and error < 1e-6
    np.testing.assert_allclose(moments[:2], known)
    np.testing.assert_allclose(moments[2], m2_exact, atol=1e-7)
    np.testing.assert_allclose(moments[3], m3_exact, atol=1e-4)
    herm, _ = fit_hermitian_tail(g0)
    for m in herm[:4]:
        np.testing.assert_allclose(m, m.conj().T, atol=1e-15)
    np.testing.assert_allclose(herm[1], np.eye(2), atol=1e-8)
    scalar, _ = fit_tail(g0[0, 0], np.array([0.0, 1.0]))
    assert scalar.ndim == 1 and scalar[2] == pytest.approx(E[0, 0], abs=1e-7)
    with pytest.raises(IncompatibleGfStructError):
        fit_tail(g0, np.zeros((2, 3, 3)))
    with pytest.raises(InvalidParameterError):
        fit_tail(Gf(mesh=MeshImFreq(BETA, "Fermion", 10, positive_only=True), target_shape=[1, 1]))


def test_make_zero_tail():
    g = Gf(mesh=MESH, target_shape=[2, 3])
    z = make_zero_tail(g, 4)
    assert z.shape == (4, 2, 3) and z.dtype == np.complex128 and not z.any()
    assert make_zero_tail(g, 0).shape == (1, 2, 3)
    G = BlockGf(mesh=MESH, gf_struct=[("up", 2), ("dn", 1)])
    tails = make_zero_tail(G, 3)
    assert list(tails) == ["up", "dn"] and tails["dn"].shape == (3, 1, 1)
