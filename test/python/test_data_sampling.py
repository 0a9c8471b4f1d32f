"""The impurity models of the dataset: streams per sample, the bath families, filling, mirror, Bethe starts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from triqs_mlsolver.data import config as C
from triqs_mlsolver.data import sampling as S
from triqs_mlsolver.ed import EDOptions, diagonalize
from triqs_mlsolver.lattice import starting_gf


def _family(name, **keys):
    return C.parse_config({"seed": 3, "families": {name: {"count": 10, **keys}}}).families[0][1]


def test_a_sample_depends_only_on_seed_and_index():
    fam = _family("random")
    bigger = C.parse_config({"seed": 3, "families": {"random": {"count": 500}}}).families[0][1]
    a = S.random_sample(fam, 5, 128, 3, 4, 4)
    b = S.random_sample(bigger, 5, 128, 3, 4, 4)
    c = S.random_sample(fam, 5, 128, 4, 4, 4)
    for name in ("h_loc", "bath_eps", "bath_V"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.bath_eps, c.bath_eps)
    assert a.param_row().shape == (len(S.PARAMS),)


def test_random_baths_obey_the_hybridization_constraint_and_symmetry():
    fam = _family("random", symmetric_fraction=0.5, mirror="none", hybridization={"dist": "uniform", "low": 0.2,
                                                                                   "high": 0.3})
    kinds = set()
    for i in range(40):
        s = S.random_sample(fam, 5, 128, 3, i, i)
        total = np.sum(s.bath_V[0] ** 2)
        assert 0.2 <= total <= 0.3 and math.isclose(total, s.params["hybridization"], rel_tol=1e-12)
        assert np.all(np.diff(s.bath_eps[0]) >= 0)
        np.testing.assert_array_equal(s.bath_eps[0], s.bath_eps[1])
        if s.params["symmetric_bath"]:
            np.testing.assert_allclose(s.bath_eps[0], -s.bath_eps[0][::-1], atol=1e-15)
            np.testing.assert_allclose(s.bath_V[0], s.bath_V[0][::-1], atol=1e-15)
        kinds.add(s.params["symmetric_bath"])
    assert kinds == {0.0, 1.0}


@pytest.mark.parametrize("n_sites", [6, 7])
def test_log_discretization_of_a_flat_band(n_sites):
    D, lam = 2.0, 3.0
    levels, widths = S.log_discretization(D, lam, n_sites)
    assert levels.size == widths.size == n_sites
    assert math.isclose(widths.sum(), 2 * D, rel_tol=1e-14)
    np.testing.assert_allclose(levels, -levels[::-1], atol=1e-15)
    assert np.all(np.diff(levels) > 0)
    # the outermost interval is [D/Lambda, D], represented at its centre
    assert math.isclose(levels[-1], 0.5 * D * (1 + 1 / lam)) and math.isclose(widths[-1], D * (1 - 1 / lam))


def test_kondo_samples_discretize_gamma_exactly():
    fam = _family("kondo", Lambda={"dist": "uniform", "low": 2, "high": 4})
    for i in range(5):
        s = S.kondo_sample(fam, 7, 128, 3, i, i)
        p = s.params
        assert math.isclose(np.sum(s.bath_V[0] ** 2), 2 * p["D"] * p["Gamma"] / math.pi, rel_tol=1e-13)
        assert 0.004 <= 1.0 / s.beta <= 0.04  # the default temperature range
        eps_d = p["eps_d"]
        expected = math.sqrt(p["U"] * p["Gamma"] / 2) * math.exp(math.pi * eps_d * (eps_d + p["U"]) / (2 * p["U"] * p["Gamma"]))
        assert math.isclose(p["T_K"], expected, rel_tol=1e-12)


def test_filling_mode_reaches_the_target_filling():
    """The small fitted model hits the target exactly; the full Nb_ref = 5 model (fresh ED) within a few 1e-3."""
    fam = _family("random", level_mode="filling", mirror="none", beta={"dist": "uniform", "low": 10, "high": 20})
    for i in range(2):
        s = S.random_sample(fam, 5, 256, 3, i, i)
        ed = diagonalize(s.aim(), s.beta, EDOptions(n_states_max=20000))
        assert abs(np.sum(ed.occupations) - s.params["level"]) < 0.03, (np.sum(ed.occupations), s.params["level"])


def test_mirror_pairs_are_exact_particle_hole_images():
    """G'(iw) = -G(iw)^* for the mirrored model: checked on fresh ED solves of both samples of a pair."""
    fam = _family("random", mirror="pairs", field={"dist": "uniform", "low": -0.3, "high": 0.3})
    a, b = S.random_sample(fam, 3, 128, 3, 2, 2), S.random_sample(fam, 3, 128, 3, 3, 3)
    assert b.params["mirrored"] == 1.0 and a.params["mirrored"] == 0.0
    np.testing.assert_allclose(b.h_loc, -a.h_loc - a.U)
    np.testing.assert_allclose(b.bath_eps, -a.bath_eps[:, ::-1])
    iw = 1j * np.pi * (2 * np.arange(20) + 1) / a.beta
    ga, gb = diagonalize(a.aim(), a.beta), diagonalize(b.aim(), b.beta)
    for block in ("up", "down"):
        np.testing.assert_allclose(gb.poles[block].at(iw), -ga.poles[block].at(iw).conj(), atol=1e-10)
    assert math.isclose(np.sum(ga.occupations) + np.sum(gb.occupations), 2.0, abs_tol=1e-10)


@pytest.mark.parametrize("family, keys", [
    ("random", {"level_mode": "filling", "level": {"dist": "uniform", "low": 0.3, "high": 1.0}}),
    ("kondo", {"mirror": "pairs", "field": 0.05}),
])
def test_the_mirror_partner_equals_the_odd_sample_drawn_from_its_stream(family, keys):
    fam = _family(family, **keys)
    make = S.random_sample if family == "random" else S.kondo_sample
    for even in (0, 4):
        a, b = make(fam, 3, 128, 3, even, even), make(fam, 3, 128, 3, even + 1, even + 1)
        c = S.mirror_partner(a)
        assert (c.index, c.family, c.beta, c.U) == (b.index, b.family, b.beta, b.U)
        for name in ("h_loc", "bath_eps", "bath_V"):
            np.testing.assert_array_equal(getattr(c, name), getattr(b, name))
        np.testing.assert_array_equal(c.param_row(), b.param_row())


def test_metallic_start_is_the_semicircular_lattice_gf():
    """The free Bethe lattice at the Hartree-shifted chemical potential mu - U/2 (quadrature of the DOS)."""
    D, mu, U = 1.0, 1.3, 2.0
    iw = 1j * np.pi * (2 * np.arange(-4, 4) + 1) / 10.0
    g = starting_gf("metal", iw, mu, U, D)
    for z, value in zip(iw + mu - U / 2, g):
        rho = lambda e: 2 / (math.pi * D * D) * math.sqrt(D * D - e * e)  # noqa: E731
        re = integrate.quad(lambda e: (rho(e) / (z - e)).real, -D, D, epsabs=1e-13)[0]
        im = integrate.quad(lambda e: (rho(e) / (z - e)).imag, -D, D, epsabs=1e-13)[0]
        assert abs(value - (re + 1j * im)) < 1e-10
