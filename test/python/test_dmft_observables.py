"""Observables of a DMFT solution against closed forms (Hubbard atom, semicircle, Fermi liquid)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from triqs_mlsolver.dmft import double_occupancy, quasiparticle_weight, spectral_weight_at_fermi_level
from triqs_mlsolver.errors import InvalidParameterError
from triqs_mlsolver.poles import PoleGf


def matsubara(beta, n_iw):
    return 1j * np.pi * (2 * np.arange(-n_iw, n_iw) + 1) / beta


@pytest.mark.parametrize("beta,U", [(2.0, 1.0), (10.0, 1.0), (5.0, 3.0)])
def test_double_occupancy_of_the_half_filled_atom(beta, U):
    iw = matsubara(beta, 1025)
    sigma = U / 2 + U**2 / (4 * iw)
    g = 1 / (iw - U**2 / (4 * iw))
    exact = 1 / (2 * (1 + np.exp(beta * U / 2)))  # weights 1, 2 e^{beta U/2}, 1 of 0, 1, 2 electrons
    assert double_occupancy(sigma, g, beta, U, 0.5) == pytest.approx(exact, abs=1e-10)


@pytest.mark.parametrize("beta,U,eps", [(3.0, 2.0, -0.3), (10.0, 1.5, -1.0), (4.0, 2.5, -2.2)])
def test_double_occupancy_of_the_atom_away_from_half_filling(beta, U, eps):
    iw = matsubara(beta, 1025)
    w1, w2 = np.exp(-beta * eps), np.exp(-beta * (2 * eps + U))
    z = 1 + 2 * w1 + w2
    n, d = (w1 + w2) / z, w2 / z
    g = (1 - n) / (iw - eps) + n / (iw - eps - U)
    sigma = iw - eps - 1 / g
    assert double_occupancy(sigma, g, beta, U, n) == pytest.approx(d, abs=1e-10)


def test_double_occupancy_without_interaction_is_uncorrelated():
    iw = matsubara(10.0, 64)
    assert double_occupancy(np.zeros_like(iw), 1 / iw, 10.0, 0.0, 0.3) == pytest.approx(0.09)


def test_quasiparticle_weight_of_a_linear_self_energy():
    # Sigma(iw) = (1 - 1/Z) iw is a Fermi liquid with weight Z at every frequency
    beta, Z = 50.0, 0.37
    iw = matsubara(beta, 32)
    assert quasiparticle_weight((1 - 1 / Z) * iw, beta) == pytest.approx(Z, rel=1e-13)
    assert quasiparticle_weight(np.zeros_like(iw), beta) == 1.0


@pytest.mark.parametrize("beta", [5.0, 40.0])
def test_spectral_weight_is_the_thermal_average_of_the_semicircle(beta):
    D, n_tau = 1.0, 2001  # odd: beta/2 is a grid point
    rho = lambda e: 2 * np.sqrt(D * D - e * e) / (np.pi * D * D)  # noqa: E731
    # A discretised semicircle (many poles) gives G(tau) exactly.
    e = np.cos(np.pi * (np.arange(4000) + 0.5) / 4000) * D
    weights = rho(e) * np.sqrt(D * D - e * e) * np.pi / 4000
    g_tau = PoleGf(e, (weights / weights.sum())[:, None, None]).tau(beta, n_tau)[:, 0, 0]
    exact = quad(lambda x: rho(x) * (beta / 2) / np.cosh(beta * x / 2), -D, D)[0] / np.pi
    assert spectral_weight_at_fermi_level(g_tau, beta) == pytest.approx(exact, rel=1e-5)


def test_spectral_weight_interpolates_between_grid_points():
    beta = 4.0
    g_tau = -0.5 * np.ones(10)  # even n_tau: beta/2 between two points
    assert spectral_weight_at_fermi_level(g_tau, beta) == pytest.approx(beta * 0.5 / np.pi)


@pytest.mark.parametrize(
    "call",
    [
        lambda: quasiparticle_weight(np.zeros(3), 10.0),
        lambda: quasiparticle_weight(np.zeros(4), -1.0),
        lambda: spectral_weight_at_fermi_level(np.zeros((3, 3)), 10.0),
        lambda: double_occupancy(np.zeros(4), np.zeros(6), 10.0, 1.0, 0.5),
    ],
)
def test_bad_input_raises_package_errors(call):
    with pytest.raises(InvalidParameterError):
        call()
