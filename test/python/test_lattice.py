"""The Bethe-lattice helper: starts, Weiss update and block structure, shared by dmft/ and data/."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from triqs_mlsolver import lattice
from triqs_mlsolver.errors import InvalidParameterError
from triqs_mlsolver.transforms import matsubara_freqs


def _semicircle_by_quadrature(z: complex, D: float) -> complex:
    rho = lambda e: 2 / (math.pi * D * D) * math.sqrt(D * D - e * e)  # noqa: E731
    re = integrate.quad(lambda e: (rho(e) / (z - e)).real, -D, D, epsabs=1e-13)[0]
    im = integrate.quad(lambda e: (rho(e) / (z - e)).imag, -D, D, epsabs=1e-13)[0]
    return re + 1j * im


@pytest.mark.parametrize("D", [0.5, 1.0, 2.0])
def test_semicircular_gf_is_the_hilbert_transform_of_the_dos(D):
    for z in (0.3j, 1j - 0.4, 5j + 2.0, -0.2 + 0.01j):
        assert abs(lattice.semicircular_gf(np.array([z]), D)[0] - _semicircle_by_quadrature(z, D)) < 1e-10


def test_semicircular_gf_has_no_cancellation_at_large_frequency():
    iw = matsubara_freqs(1.0, 4096)
    g = lattice.semicircular_gf(iw, 1.0)
    # G = 1/z + D^2/(4 z^3) + ...: relative precision kept where z - z sqrt(1 - D^2/z^2) loses it
    np.testing.assert_allclose(g[-1], 1 / iw[-1] + 0.25 / iw[-1] ** 3, rtol=1e-13)


def test_starts_at_half_filling():
    beta, U, D = 10.0, 2.0, 1.0
    iw = matsubara_freqs(beta, 64)
    mu = U / 2
    metal = lattice.starting_gf("metal", iw, mu, U, D)
    np.testing.assert_array_equal(metal, lattice.semicircular_gf(iw, D))  # Hartree shift cancels mu = U/2
    insulator = lattice.starting_gf("insulator", iw, mu, U, D)
    np.testing.assert_allclose(insulator, 0.5 / (iw + mu) + 0.5 / (iw + mu - U), rtol=1e-14)
    for g in (metal, insulator):
        assert np.all(g[64:].imag < 0)
        np.testing.assert_allclose(g[::-1], g.conj(), rtol=1e-14)  # G(-iw) = G(iw)*
        assert np.max(np.abs(g.real)) < 1e-14 * np.max(np.abs(g))  # particle-hole symmetric: imaginary


def test_unknown_start_raises():
    with pytest.raises(InvalidParameterError, match="start"):
        lattice.starting_gf("mott", matsubara_freqs(10.0, 8), 1.0, 2.0, 1.0)


def test_weiss_update_closes_on_the_semicircle_at_u_zero():
    """At U = 0 the lattice G is the free semicircle, and it is its own fixed point: G0 = G."""
    iw = matsubara_freqs(20.0, 128)
    for D in (1.0, 2.0):
        g = lattice.semicircular_gf(iw, D)
        np.testing.assert_allclose(lattice.weiss_field(g, iw, 0.0, D), g, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(lattice.hybridization(g, D), (D / 2) ** 2 * g)
        assert lattice.hopping(D) == D / 2


def test_dmft_and_datasets_use_the_same_lattice():
    from triqs_mlsolver.dmft import BetheParameters, bethe

    params = BetheParameters(beta=10.0, D=1.5, mu=0.3, n_iw=32)
    for start in lattice.START_KINDS:
        np.testing.assert_array_equal(
            bethe.starting_gf(start, params, 2.0),
            lattice.starting_gf(start, params.matsubara(), 0.3, 2.0, 1.5),
        )
    assert bethe.GF_STRUCT == lattice.GF_STRUCT and params.t == lattice.hopping(1.5)
