"""PoleGf: every representation against TRIQS-written files, closed forms and independent integrals."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import eval_legendre

from triqs_mlsolver.errors import IncompatibleGfStructError, InvalidParameterError
from triqs_mlsolver.poles import PoleGf
from triqs_mlsolver.testing import assert_causal, assert_hermitian, assert_sum_rule

ATOM = PoleGf(np.array([2.0, -2.0]), np.array([0.5, 0.5]))  # U = 4 Hubbard atom at half filling


def _read_block_gf(path, name):
    """Raw h5py read of a TRIQS BlockGf: {block: complex data} and the mesh group of the first block."""
    with h5py.File(path, "r") as f:
        group = f[name]
        names = [b.decode() if isinstance(b, bytes) else str(b) for b in group["block_names"][()]]
        data = {b: group[b]["data"][()] for b in names}
        mesh = {k: v[()] for k, v in group[names[0]]["mesh"].items() if isinstance(v, h5py.Dataset)}
        if "domain" in group[names[0]]["mesh"]:
            mesh.update({k: v[()] for k, v in group[names[0]]["mesh"]["domain"].items()})
    return {b: d[..., 0] + 1j * d[..., 1] for b, d in data.items()}, mesh


# -- TRIQS references (hubbardI atomic limit, beta = 50) -------------------------------------------
def test_matsubara_equals_triqs_reference(triqs_ref):
    blocks, mesh = _read_block_gf(triqs_ref / "hubbardI__aim_matsubara.ref.h5", "G_iw")
    beta, n_iw = float(mesh["beta"]), int(mesh["size"]) // 2
    assert (beta, n_iw) == (50.0, 20)
    expected = ATOM.iw(beta, n_iw)
    for name, data in blocks.items():
        assert data.shape == (40, 1, 1)
        np.testing.assert_allclose(data, expected, rtol=0, atol=1e-12, err_msg=name)


def test_tau_equals_triqs_reference(triqs_ref):
    blocks, mesh = _read_block_gf(triqs_ref / "hubbardI__aim_tau.ref.h5", "G_tau")
    beta, n_tau = float(mesh["beta"]), int(mesh["size"])
    assert (beta, n_tau) == (50.0, 30)
    expected = ATOM.tau(beta, n_tau)
    for name, data in blocks.items():
        np.testing.assert_allclose(data, expected, rtol=0, atol=1e-12, err_msg=name)


def test_legendre_equals_triqs_reference(triqs_ref):
    blocks, mesh = _read_block_gf(triqs_ref / "hubbardI__aim_l.ref.h5", "G_l")
    beta, n_l = float(mesh["beta"]), int(mesh["n_max"])
    assert (beta, n_l) == (50.0, 5)
    expected = ATOM.legendre(beta, n_l)
    for name, data in blocks.items():
        np.testing.assert_allclose(data, expected, rtol=0, atol=1e-12, err_msg=name)


def test_real_frequency_equals_triqs_reference(triqs_ref):
    blocks, mesh = _read_block_gf(triqs_ref / "hubbardI__aim_w.ref.h5", "G_w")
    w = np.linspace(float(mesh["min"]), float(mesh["max"]), int(mesh["size"]))
    assert (w[0], w[-1], w.size) == (-15.0, 15.0, 20)
    expected = ATOM.refreq(w, 0.01)
    for name, data in blocks.items():
        np.testing.assert_allclose(data, expected, rtol=0, atol=1e-12, err_msg=name)


# -- closed forms and independent implementations --------------------------------------------------
def _random_poles(rng, n_poles=5, n=2, spread=3.0):
    """Poles with hermitian positive residues summing to the identity (a physical G)."""
    energies = rng.uniform(-spread, spread, n_poles)
    vectors = rng.normal(size=(n_poles, n, n)) + 1j * rng.normal(size=(n_poles, n, n))
    residues = np.einsum("pij,pkj->pik", vectors, vectors.conj())
    total = residues.sum(axis=0)
    w, v = np.linalg.eigh(total)
    inv_sqrt = v @ np.diag(w**-0.5) @ v.conj().T
    return PoleGf(energies, inv_sqrt @ residues @ inv_sqrt)


def test_at_is_the_pole_sum_and_physical(rng):
    g = _random_poles(rng)
    z = np.array([0.3 + 0.2j, -1.0 + 1e-3j, 5j])
    direct = sum(r[None] / (z[:, None, None] - e) for e, r in zip(g.energies, g.residues))
    np.testing.assert_allclose(g.at(z), direct, rtol=1e-14)
    assert g.at(0.5j).shape == (2, 2) and g.at(np.ones((3, 4)) * 1j).shape == (3, 4, 2, 2)
    beta, n_iw = 10.0, 64
    iw = 1j * np.pi * (2 * np.arange(-n_iw, n_iw) + 1) / beta
    np.testing.assert_allclose(g.iw(beta, n_iw), g.at(iw), rtol=0, atol=1e-14)
    assert_causal(g.iw(beta, n_iw), iw)
    assert_hermitian(g.iw(beta, n_iw))
    assert_sum_rule(g.tau(beta, 11))
    np.testing.assert_allclose(g.refreq(np.array([0.1, 0.2]), 0.05), g.at(np.array([0.1, 0.2]) + 0.05j))


def test_tau_matches_independent_log_space_formula(rng):
    g = _random_poles(rng, n_poles=4, n=1)
    beta, n_tau = 23.0, 41
    tau = np.linspace(0.0, beta, n_tau)
    # -R e^{-E tau}/(1 + e^{-beta E}) = -R exp(-E tau - log(1 + e^{-beta E}))
    expected = -sum(
        r[0, 0] * np.exp(-e * tau - np.logaddexp(0.0, -beta * e)) for e, r in zip(g.energies, g.residues)
    )
    np.testing.assert_allclose(g.tau(beta, n_tau)[:, 0, 0], expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("beta_e", [1e4, -1e4, 7e2])
def test_tau_is_stable_at_huge_beta_e(beta_e):
    beta = 100.0
    g = PoleGf(np.array([beta_e / beta]), np.array([1.0]))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = g.tau(beta, 101)[:, 0, 0]
    assert np.all(np.isfinite(values))
    tau = np.linspace(0.0, beta, 101)
    e = beta_e / beta
    expected = -np.exp(-e * tau - np.logaddexp(0.0, -beta * e))
    np.testing.assert_allclose(values.real, expected, rtol=1e-13, atol=1e-300)
    assert values[0] + values[-1] == pytest.approx(-1.0, abs=1e-15)


def _legendre_by_quadrature(energy, beta, n_l):
    """sqrt(2l+1) int_0^beta P_l(2tau/beta - 1) G(tau) dtau for one unit pole, by adaptive quadrature."""

    def g_tau(t):
        return -np.exp(-energy * t - np.logaddexp(0.0, -beta * energy))

    # the function lives within ~30/|E| of tau = 0 (E > 0) or beta (E < 0): split there
    width = min(beta, 40.0 / abs(energy)) if energy != 0 else beta
    pieces = [(0.0, width), (width, beta)] if energy > 0 else [(beta - width, beta), (0.0, beta - width)]
    out = []
    for l in range(n_l):
        total = 0.0
        for a, b in pieces:
            if b > a:
                total += quad(
                    lambda t: eval_legendre(l, 2 * t / beta - 1) * g_tau(t), a, b, epsabs=1e-13, epsrel=1e-12, limit=400
                )[0]
        out.append(np.sqrt(2 * l + 1) * total)
    return np.array(out)


@pytest.mark.parametrize(
    "energy,beta", [(0.37, 40.0), (-1.3, 40.0), (1e-9, 3.0), (0.0, 3.0), (100.0, 100.0), (-100.0, 100.0)]
)
def test_legendre_matches_quadrature_for_small_and_large_beta_e(energy, beta):
    n_l = 12
    g = PoleGf(np.array([energy]), np.array([1.0]))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        coefficients = g.legendre(beta, n_l)[:, 0, 0]
    np.testing.assert_allclose(coefficients.real, _legendre_by_quadrature(energy, beta, n_l), rtol=0, atol=1e-11)


def test_legendre_of_many_poles_is_linear(rng):
    g = _random_poles(rng, n_poles=3, n=2)
    beta, n_l = 15.0, 8
    parts = [PoleGf(g.energies[i : i + 1], g.residues[i : i + 1]) for i in range(3)]
    np.testing.assert_allclose(g.legendre(beta, n_l), sum(p.legendre(beta, n_l) for p in parts), atol=1e-14)
    l0 = np.stack([_legendre_by_quadrature(e, beta, 1)[0] for e in g.energies])
    np.testing.assert_allclose(g.legendre(beta, 1)[0], np.einsum("p,pij->ij", l0, g.residues), atol=1e-12)


def test_moments_match_contour_integrals(rng):
    """m_k = (1/2 pi i) oint G(z) z^(k-1) dz on a circle around all poles (the 1/z expansion at infinity)."""
    g = _random_poles(rng, n_poles=4, n=2, spread=1.5)
    k_max = 5
    m = g.moments(k_max)
    assert m.shape == (k_max + 1, 2, 2)
    n_points, radius = 256, 4.0
    z = radius * np.exp(2j * np.pi * (np.arange(n_points) + 0.5) / n_points)
    values = g.at(z)
    for k in range(k_max + 1):
        contour = np.einsum("z,zij->ij", z**k, values) / n_points  # dz = i z dtheta
        np.testing.assert_allclose(m[k], contour, rtol=0, atol=1e-12 * radius**k)
    np.testing.assert_allclose(m[1], np.eye(2), atol=1e-13)


def test_density_is_the_fermi_sum(rng):
    g = _random_poles(rng, n_poles=6, n=2)
    beta = 7.5
    fermi = 1.0 / (1.0 + np.exp(beta * g.energies))
    np.testing.assert_allclose(g.density(beta), np.einsum("p,pij->ij", fermi, g.residues), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(g.density(beta), -g.tau(beta, 3)[-1], atol=1e-14)  # rho = -G(beta-)
    zero_t = np.einsum("p,pij->ij", (g.energies < 0).astype(float), g.residues)
    np.testing.assert_allclose(g.density(np.inf), zero_t, atol=1e-15)
    assert PoleGf(np.array([0.0]), np.array([1.0])).density(np.inf)[0, 0] == 0.5
    assert PoleGf(np.array([800.0, -800.0]), np.array([1.0, 1.0])).density(10.0)[0, 0] == 1.0


# -- algebra ----------------------------------------------------------------------------------------
def test_concatenate_and_add_sum_the_functions(rng):
    a, b = _random_poles(rng, 3), _random_poles(rng, 2)
    z = np.array([0.1 + 0.5j, 2j])
    np.testing.assert_allclose((a + b).at(z), a.at(z) + b.at(z), rtol=1e-14)
    np.testing.assert_allclose(PoleGf.concatenate([a, b, a]).at(z), 2 * a.at(z) + b.at(z), rtol=1e-14)
    assert (a + b).n_poles == 5
    with pytest.raises(IncompatibleGfStructError):
        a + ATOM
    with pytest.raises(InvalidParameterError):
        PoleGf.concatenate([])


def test_compressed_merges_degenerate_poles_and_drops_tiny_ones():
    energies = np.array([1.0, -0.5, 1.0 + 1e-13, 3.0, -0.5 - 2e-13])
    residues = np.array([0.2, 0.3, 0.1, 1e-16, 0.4])
    g = PoleGf(energies, residues)
    c = g.compressed(tol=1e-10, cutoff=1e-14)
    assert c.n_poles == 2
    np.testing.assert_allclose(c.energies, [-0.5, 1.0], atol=1e-12)
    np.testing.assert_allclose(c.residues[:, 0, 0], [0.7, 0.3], atol=1e-15)
    z = np.linspace(-3, 3, 7) + 0.1j
    np.testing.assert_allclose(c.at(z), g.at(z), atol=1e-11)
    assert g.compressed(tol=0.0, cutoff=0.0).n_poles == 5


def test_compress_splits_long_chains_and_bounds_the_change():
    """A chain of gaps <= tol spanning more than tol is split: no merged cluster spans more than tol."""
    tol = 1e-3
    g = PoleGf(np.arange(5) * 0.6 * tol, np.full(5, 0.2))
    c, bound = g.compress(tol=tol, cutoff=0.0)
    assert c.n_poles == 3  # {0, 0.6}, {1.2, 1.8}, {2.4} (in units of tol)
    np.testing.assert_allclose(c.energies, np.array([0.3, 1.5, 2.4]) * tol, rtol=1e-12)
    assert bound.dropped == 0.0 and bound.first < 1e-16  # scalar residues: the weighted mean kills the first order
    z = 0.01j + np.linspace(-0.01, 0.01, 5)
    assert np.abs(c.at(z) - g.at(z)).max() <= bound.at(0.01)


def _many_poles(rng, n_poles, n):
    """Clusters of nearly degenerate poles, a background of tiny ones and a few big ones."""
    centres = rng.uniform(-4, 4, n_poles // 10)
    energies = np.concatenate([c + rng.uniform(-2e-7, 2e-7, 5) for c in centres] + [rng.uniform(-6, 6, n_poles // 2)])
    weights = np.concatenate([rng.uniform(0, 1e-2, 5 * centres.size), 10.0 ** rng.uniform(-16, -9, n_poles // 2)])
    vectors = rng.normal(size=(energies.size, n)) + 1j * rng.normal(size=(energies.size, n)) * (n > 1)
    residues = weights[:, None, None] * np.einsum("pi,pj->pij", vectors, vectors.conj()) / n
    return PoleGf(energies, residues)


@pytest.mark.parametrize("n", [1, 2])
def test_compression_bounds_hold_for_every_representation(rng, n):
    """Drop a cumulative 1e-9 of the weight and merge poles within 1e-6: every representation moves by
    less than its CompressionBound (checked against the uncompressed poles), and the bound is tight
    enough to be useful."""
    g = _many_poles(rng, 4000, n)
    c, bound = g.compress(tol=1e-6, cutoff=1e-9)
    assert c.n_poles < 0.7 * g.n_poles
    beta, eta = 80.0, 0.02
    iw = 1j * np.pi * (2 * np.arange(200) + 1) / beta
    w = np.linspace(-6, 6, 301)
    assert np.abs(c.at(iw) - g.at(iw)).max() <= bound.iw(beta)
    assert np.abs(c.refreq(w, eta) - g.refreq(w, eta)).max() <= bound.refreq(eta)
    assert np.abs(c.tau(beta, 401) - g.tau(beta, 401)).max() <= bound.tau(beta)
    dl = np.abs(c.legendre(beta, 40) - g.legendre(beta, 40)).max(axis=(1, 2))
    assert np.all(dl <= [bound.legendre(beta, l) for l in range(40)])
    assert np.abs(c.density(beta) - g.density(beta)).max() <= bound.density(beta)
    dm = np.abs(c.moments(4) - g.moments(4)).max(axis=(1, 2))
    assert np.all(dm[1:] <= [bound.moment(k) for k in range(1, 5)])
    total = np.linalg.norm(g.residues, axis=(1, 2)).sum()
    assert bound.dropped <= 1e-9 * total and bound.first <= 1e-6 * total and bound.second <= 1e-12 * total
    if n == 1:  # scalar residues: no first-order term, the bound is tiny
        assert bound.first < 1e-15 * total and bound.iw(beta) < 1e-5 and bound.tau(beta) < 1e-7


# -- many poles: the fast evaluations against plain formulas ------------------------------------------
def test_many_poles_at_equals_the_plain_sum(rng):
    g = _random_poles(rng, n_poles=3000, n=2, spread=8.0)
    beta = 30.0
    z = np.concatenate([1j * np.pi * (2 * np.arange(-50, 50) + 1) / beta,  # Matsubara (imaginary-axis path)
                        np.linspace(-9, 9, 101) + 0.03j,  # real axis with broadening
                        rng.normal(size=20) + 1j * rng.normal(size=20),  # anywhere off the axis
                        np.array([0.5 + 1e-200j])])  # Im z too small for the real-arithmetic form
    direct = np.einsum("fp,pij->fij", 1.0 / (z[:, None] - g.energies[None, :]), g.residues)
    scale = np.abs(direct).max(axis=(1, 2), keepdims=True)
    assert np.all(np.abs(g.at(z) - direct) <= 1e-13 * scale)


def test_many_poles_tau_equals_the_log_space_formula(rng):
    energies = np.concatenate([rng.uniform(-12, 12, 2000), [0.0, 1e-12, -1e-12]])
    g = PoleGf(energies, rng.uniform(0, 1, energies.size))
    beta = 90.0
    for n_tau in (2, 3, 1001, 2048):
        tau = np.linspace(0.0, beta, n_tau)
        with np.errstate(under="ignore"):
            expected = -np.exp(-energies[None, :] * tau[:, None] - np.logaddexp(0.0, -beta * energies)[None, :]) @ g.residues[:, 0, 0]
        np.testing.assert_allclose(g.tau(beta, n_tau)[:, 0, 0], expected, rtol=1e-13, atol=1e-15)


def test_many_poles_legendre_equals_the_bessel_kernel(rng):
    """The continued-fraction kernel against scipy's exponentially scaled Bessel functions (where those
    are accurate, i.e. away from their underflow), for beta |E| from 0 to 2000."""
    from scipy.special import ive

    beta, n_l = 100.0, 80
    energies = np.concatenate([[0.0, 1e-9, -1e-7], rng.uniform(-20, 20, 1500), 10.0 ** rng.uniform(-3, 1, 200)])
    g = PoleGf(energies, rng.uniform(0, 1, energies.size))
    a = 0.5 * beta * np.abs(energies)
    l = np.arange(n_l)[:, None]
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        il = np.sqrt(np.pi / (2 * a)) * ive(l + 0.5, a) / (1 + np.exp(-2 * a))
    il[:, a == 0] = (l == 0) * 0.5
    parity = np.where(energies > 0, (-1.0) ** l, 1.0)
    kernel = -np.sqrt(2 * l + 1) * beta * parity * il
    expected = kernel @ g.residues[:, 0, 0]
    np.testing.assert_allclose(g.legendre(beta, n_l)[:, 0, 0].real, expected.real, rtol=0, atol=1e-12 * beta)


# -- validation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "energies,residues,name",
    [
        (np.array([np.nan]), np.array([1.0]), "energies"),
        (np.array([1.0 + 1j]), np.array([1.0]), "energies"),
        (np.array([[1.0]]), np.array([1.0]), "energies"),
        (np.array([1.0]), np.array([np.inf]), "residues"),
        (np.array([1.0, 2.0]), np.array([1.0]), "residues"),
        (np.array([1.0]), np.ones((1, 2, 3)), "residues"),
    ],
)
def test_invalid_poles(energies, residues, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} = "):
        PoleGf(energies, residues)


def test_invalid_arguments():
    with pytest.raises(InvalidParameterError, match="^beta = "):
        ATOM.tau(-1.0, 10)
    with pytest.raises(InvalidParameterError, match="^beta = "):
        ATOM.legendre(np.inf, 10)
    with pytest.raises(InvalidParameterError, match="^n_tau = "):
        ATOM.tau(1.0, 1)
    with pytest.raises(InvalidParameterError, match="^n_l = "):
        ATOM.legendre(1.0, 0)
    with pytest.raises(InvalidParameterError, match="^eta = "):
        ATOM.refreq(np.zeros(3), 0.0)
    with pytest.raises(InvalidParameterError, match="^k_max = "):
        ATOM.moments(-1)
    with pytest.raises(InvalidParameterError, match="^beta = "):
        ATOM.density(0.0)
    with pytest.raises(InvalidParameterError, match="^tol = "):
        ATOM.compressed(tol=-1.0)
    with pytest.raises(ValueError, match="read-only"):
        ATOM.energies[0] = 3.0
