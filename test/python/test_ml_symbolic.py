"""Symbolic regression and the Haldane fit against formulas known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from triqs_mlsolver.errors import InvalidParameterError
from triqs_mlsolver.ml.symbolic import SymbolicOptions, haldane_fit, haldane_log_tk, r_squared


def _kondo_parameters(rng, n=400, symmetric=False):
    U = rng.uniform(0.5, 5.0, n)
    gamma = np.exp(rng.uniform(np.log(0.05), np.log(0.5), n))
    eps_d = -0.5 * U if symmetric else -U * rng.uniform(0.1, 0.9, n)
    return U, gamma, eps_d


def test_haldane_formula_against_its_closed_form():
    U, gamma, eps_d = 2.0, 0.2, -1.0
    expected = math.sqrt(U * gamma / 2) * math.exp(math.pi * eps_d * (eps_d + U) / (2 * U * gamma))
    assert haldane_log_tk(U, gamma, eps_d) == pytest.approx(math.log(expected), rel=1e-14)


def test_haldane_fit_recovers_pi_over_2_from_any_affine_image(rng):
    U, gamma, eps_d = _kondo_parameters(rng)
    fit = haldane_fit(U, gamma, eps_d, 3.0 - 2.0 * haldane_log_tk(U, gamma, eps_d))
    assert fit["ratio"] == pytest.approx(math.pi / 2, rel=1e-10)
    assert fit["r2_test"] == pytest.approx(1.0, abs=1e-12)
    noisy = haldane_fit(U, gamma, eps_d, haldane_log_tk(U, gamma, eps_d) + rng.normal(scale=3.0, size=U.size))
    assert noisy["r2_test"] < 0.9  # the R^2 does see a poor fit


def test_r_squared_against_its_definition(rng):
    y, p = rng.normal(size=50), rng.normal(size=50)
    assert r_squared(y, p) == pytest.approx(1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))
    assert r_squared(y, y) == 1.0


def test_symbolic_regression_finds_u_over_gamma_at_particle_hole_symmetry(rng):
    """log T_K = 1/2 log(U Gamma/2) - pi U/(8 Gamma) at eps_d = -U/2: the front holds a formula with R^2 >= 0.95."""
    pytest.importorskip("gplearn")
    from triqs_mlsolver.ml.symbolic import symbolic_regression

    U, gamma, eps_d = _kondo_parameters(rng, symmetric=True)
    T = np.exp(rng.uniform(np.log(0.004), np.log(0.04), U.size))
    front = symbolic_regression({"U": U, "Gamma": gamma, "eps_d": eps_d, "T": T}, haldane_log_tk(U, gamma, eps_d),
                                SymbolicOptions(population=500, generations=5))
    lengths = [f.length for f in front]
    assert lengths == sorted(lengths) and all(b.r2_test > a.r2_test for a, b in zip(front, front[1:]))
    best = front[-1]
    assert best.r2_test >= 0.95 and "U" in best.text and "Gamma" in best.text


def test_options_and_inputs_are_checked():
    with pytest.raises(InvalidParameterError, match="test_fraction"):
        SymbolicOptions(test_fraction=1.5)
    with pytest.raises(InvalidParameterError, match="population"):
        SymbolicOptions(population=2)


def test_report_section_picks_the_kondo_latent_and_fits_it(rng):
    pytest.importorskip("gplearn")
    from triqs_mlsolver.ml.explore import correlations, symbolic_section

    U, gamma, eps_d = _kondo_parameters(rng, n=200)
    log_tk = haldane_log_tk(U, gamma, eps_d)
    latents = np.stack([rng.normal(size=U.size), 0.5 - 0.1 * log_tk], axis=1)  # z1 is an affine image of log T_K
    desc = {"log T_K": log_tk, "n": rng.normal(size=U.size)}
    params = {"U": U, "Gamma": gamma, "eps_d": eps_d, "beta": np.full(U.size, 50.0)}
    text, out = symbolic_section(latents, desc, params, correlations(latents, desc, [0, 1]),
                                 SymbolicOptions(population=200, generations=2))
    assert "z1" in out and out["z1"]["haldane_fit"]["ratio"] == pytest.approx(math.pi / 2, rel=1e-8)
    assert "pi/2" in text and out["log T_K"]["front"]
