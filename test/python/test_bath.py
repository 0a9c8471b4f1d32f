"""Tests of bath.py: discrete-bath fits of Delta(iw) against baths and hybridizations known in closed form."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from triqs_mlsolver import bath as bath_module
from triqs_mlsolver.aim import BathBlock
from triqs_mlsolver.bath import SINGLE_BLOCK, BathFitOptions, fit_bath, hybridization
from triqs_mlsolver.errors import BathFitWarning, IncompatibleGfStructError, InvalidParameterError, NonCausalError


# -- independent references --------------------------------------------------------------------
def matsubara(beta: float, n_iw: int) -> np.ndarray:
    """The full fermionic mesh i(2n+1)pi/beta, n = -n_iw .. n_iw-1."""
    return 1j * (2 * np.arange(-n_iw, n_iw) + 1) * np.pi / beta


def pole_delta(iw: np.ndarray, eps: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Delta_ij(iw) = sum_k V_ik V*_jk / (iw - eps_k), written out term by term."""
    out = np.zeros((iw.size, V.shape[0], V.shape[0]), dtype=complex)
    for k in range(eps.size):
        out += np.outer(V[:, k], V[:, k].conj())[None] / (iw - eps[k])[:, None, None]
    return out


def bethe_delta(beta: float, n_iw: int, D: float = 1.0) -> np.ndarray:
    """Bethe lattice: Delta = t^2 G_sc(iw), G_sc(iw) = 2 (iw - i sgn(w) sqrt(w^2 + D^2)) / D^2, t = D/2."""
    iw = matsubara(beta, n_iw)
    w = iw.imag
    g = 2.0 * (iw - 1j * np.sign(w) * np.sqrt(w**2 + D**2)) / D**2
    return ((D / 2) ** 2 * g).reshape(-1, 1, 1)


def distance(delta: np.ndarray, block: BathBlock, beta: float, power: int = 1) -> float:
    """The documented cost, recomputed: weighted relative L2 distance over all positive frequencies."""
    n_iw = delta.shape[0] // 2
    iw = matsubara(beta, n_iw)[n_iw:]
    fit = pole_delta(iw, block.eps, block.V)
    W = iw.imag ** -power
    diff = np.einsum("f,fij->", W, np.abs(fit - delta[n_iw:]) ** 2)
    return float(np.sqrt(diff / np.einsum("f,fij->", W, np.abs(delta[n_iw:]) ** 2)))


def random_levels(rng: np.random.Generator, nb: int) -> np.ndarray:
    """One level in each of nb equal slices of [-1, 1], at least 0.1 from the slice edges (well separated)."""
    width = 2.0 / nb
    return -1.0 + width * np.arange(nb) + rng.uniform(0.1, width - 0.1, nb)


# -- exact refits -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_refit_of_a_known_single_orbital_bath_recovers_it(seed):
    rng = np.random.default_rng(seed)
    beta, n_iw = 50.0, 200
    eps = random_levels(rng, 4)
    V = rng.uniform(0.2, 0.7, 4)
    delta = pole_delta(matsubara(beta, n_iw), eps, V[None])
    fit = fit_bath(delta, beta, 4)
    block = fit.bath[SINGLE_BLOCK]
    assert fit.distance < 1e-8
    assert distance(delta, block, beta) == pytest.approx(fit.distance, rel=1e-3, abs=1e-14)
    order = np.argsort(eps)
    # distance ~1e-9 (the default stop_distance) pins the parameters to ~1e-7
    np.testing.assert_allclose(block.eps, eps[order], atol=1e-6)
    np.testing.assert_allclose(block.V, V[order][None], atol=1e-6)  # gauge of a 1x1 block: V real >= 0
    assert np.all(block.V.imag == 0) and np.all(block.V.real >= 0)


@pytest.mark.parametrize("nb, beta", [(1, 50.0), (4, 10.0), (8, 50.0), (10, 100.0)])
def test_a_delta_of_nb_levels_is_recovered_to_round_off_by_nb_levels(nb, beta):
    """Exactly representable Delta: the levels and couplings come back to 1e-9 (vector fitting),
    where a least-squares stop at distance 1e-9 would leave them ~1e-5 off on 1024 frequencies."""
    rng = np.random.default_rng(nb)
    eps, V = random_levels(rng, nb), rng.uniform(0.2, 0.7, nb)
    delta = pole_delta(matsubara(beta, 1024), eps, V[None])
    fit = fit_bath(delta, beta, nb)
    block = fit.bath[SINGLE_BLOCK]
    assert fit.distance < 1e-12 and distance(delta, block, beta) < 1e-12
    np.testing.assert_allclose(block.eps, np.sort(eps), atol=1e-9)
    np.testing.assert_allclose(block.V[0].real, V[np.argsort(eps)], atol=1e-9)


def test_an_exact_symmetric_bath_is_recovered_exactly_symmetric():
    e, v = np.array([0.15, 0.5, 0.9]), np.array([0.3, 0.45, 0.2])
    eps, V = np.concatenate([-e, e, [0.0]]), np.concatenate([v, v, [0.35]])
    beta = 50.0
    delta = pole_delta(matsubara(beta, 1024), eps, V[None])
    block = fit_bath(delta, beta, 7, options=BathFitOptions(symmetric=True)).bath[SINGLE_BLOCK]
    assert np.array_equal(block.eps, -block.eps[::-1]) and np.array_equal(block.V, block.V[:, ::-1])
    np.testing.assert_allclose(block.eps, np.sort(eps), atol=1e-9)


def test_blocks_with_the_same_delta_get_one_fit_and_the_same_bath(rng):
    """Spin up and down of a paramagnet: one fit (identical baths, so ED can use the spin symmetry);
    a block with another Delta is fitted on its own."""
    beta = 50.0
    same = bethe_delta(beta, 300)
    other = pole_delta(matsubara(beta, 300), np.array([-0.5, 0.4]), np.array([[0.3, 0.6]]))
    fit = fit_bath({"up": same, "down": same.copy(), "x": other}, beta, {"up": 3, "down": 3, "x": 2})
    assert fit.bath["down"] is fit.bath["up"] and fit.restarts["down"] == 0 and fit.restarts["up"] >= 1
    alone = fit_bath({"up": same}, beta, 3).bath["up"]
    assert np.array_equal(fit.bath["up"].eps, alone.eps) and np.array_equal(fit.bath["up"].V, alone.V)
    assert fit.per_block["x"] < 1e-12


@pytest.mark.parametrize("symmetric", [False, True])
def test_warm_start_from_the_fit_itself_stops_at_once_with_the_same_bath(symmetric):
    beta = 50.0
    delta = bethe_delta(beta, 1025)
    options = BathFitOptions(symmetric=symmetric)
    cold = fit_bath(delta, beta, 6, options=options)
    warm = fit_bath(delta, beta, 6, options=options, start=cold.bath)
    assert warm.restarts[SINGLE_BLOCK] == 1
    assert warm.distance <= cold.distance * (1 + 1e-6)
    np.testing.assert_allclose(warm.bath[SINGLE_BLOCK].eps, cold.bath[SINGLE_BLOCK].eps, atol=1e-6)


def test_warm_start_from_a_neighbouring_delta_converges_to_its_cold_fit():
    """A DMFT step: start from the bath of D = 1.0, fit the Delta of D = 1.05."""
    beta = 50.0
    previous = fit_bath(bethe_delta(beta, 1025), beta, 5).bath
    delta = bethe_delta(beta, 1025, D=1.05)
    cold = fit_bath(delta, beta, 5)
    warm = fit_bath(delta, beta, 5, start=previous)
    assert warm.restarts[SINGLE_BLOCK] == 1
    assert warm.distance == pytest.approx(cold.distance, rel=1e-4)
    with pytest.raises(InvalidParameterError, match="start"):
        fit_bath(delta, beta, 5, start={SINGLE_BLOCK: "bath"})


def test_refit_of_known_one_and_two_orbital_blocks(rng):
    beta, n_iw = 50.0, 200
    iw = matsubara(beta, n_iw)
    eps_a, V_a = random_levels(rng, 4), rng.uniform(0.2, 0.7, (1, 4))
    eps_b = random_levels(rng, 4)
    V_b = 0.3 * (rng.standard_normal((2, 4)) + 1j * rng.standard_normal((2, 4)))
    delta = {"a": pole_delta(iw, eps_a, V_a), "b": pole_delta(iw, eps_b, V_b)}
    fit = fit_bath(delta, beta, {"a": 4, "b": 4})
    assert set(fit.per_block) == {"a", "b"} and fit.distance == max(fit.per_block.values())
    assert fit.distance < 1e-8
    for name, eps, V in (("a", eps_a, V_a), ("b", eps_b, V_b)):
        block = fit.bath[name]
        assert distance(delta[name], block, beta) < 1e-8
        order = np.argsort(eps)
        np.testing.assert_allclose(block.eps, eps[order], atol=1e-6)
        # V_k is fixed up to a phase per level: compare the projectors V_k V_k^+
        np.testing.assert_allclose(
            np.einsum("ik,jk->kij", block.V, block.V.conj()),
            np.einsum("ik,jk->kij", V[:, order], V[:, order].conj()),
            atol=1e-6,
        )
    assert np.all(fit.bath["b"].V[0].imag == 0) and np.all(fit.bath["b"].V[0].real >= 0)


def test_real_symmetric_delta_gives_a_real_bath(rng):
    beta, n_iw = 50.0, 200
    eps, V = random_levels(rng, 4), 0.4 * rng.standard_normal((2, 4))
    delta = pole_delta(matsubara(beta, n_iw), eps, V)
    fit = fit_bath({"up": delta}, beta, 4)
    assert fit.distance < 1e-8
    assert np.all(fit.bath["up"].V.imag == 0)
    forced = fit_bath({"up": delta}, beta, 4, options=BathFitOptions(real_v=False))
    assert forced.distance < 1e-8


def test_hybridization_helper_matches_the_pole_sum(rng):
    beta, n_iw = 20.0, 30
    bath = {"x": BathBlock(np.array([-0.5, 0.2, 0.9]), rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3)))}
    out = hybridization(bath, beta, n_iw)
    assert out["x"].shape == (2 * n_iw, 2, 2)
    np.testing.assert_allclose(out["x"], pole_delta(matsubara(beta, n_iw), bath["x"].eps, bath["x"].V), rtol=1e-13)


# -- the Bethe lattice ---------------------------------------------------------------------------
# Distances measured with the defaults (doc/bath.md); the bounds leave ~20% room.
BETHE_BOUNDS = {
    50.0: {2: 0.17, 4: 6.8e-3, 6: 1.4e-4, 8: 1.6e-6},
    100.0: {2: 0.28, 4: 2.2e-2, 6: 1.25e-3, 8: 4.8e-5},
}


@pytest.fixture(scope="module")
def bethe_fits():
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BathFitWarning)
        for beta in BETHE_BOUNDS:
            delta = bethe_delta(beta, 1025)
            out[beta] = (delta, {nb: fit_bath(delta, beta, nb) for nb in BETHE_BOUNDS[beta]})
    return out


@pytest.mark.parametrize("beta", sorted(BETHE_BOUNDS))
def test_bethe_semicircle_distance_decreases_with_n_bath(bethe_fits, beta):
    delta, fits = bethe_fits[beta]
    distances = [fits[nb].distance for nb in sorted(fits)]
    assert all(later < 0.3 * earlier for earlier, later in zip(distances, distances[1:]))
    for nb, fit in fits.items():
        assert fit.distance < BETHE_BOUNDS[beta][nb]
        assert distance(delta, fit.bath[SINGLE_BLOCK], beta) == pytest.approx(fit.distance, rel=1e-6)
        assert fit.n_freq == 1025


def test_bethe_fit_keeps_the_total_hybridization_weight(bethe_fits):
    """sum_k V_k^2 is the 1/iw tail coefficient t^2 = 1/4 of the semicircle."""
    _, fits = bethe_fits[50.0]
    weight = float(np.sum(np.abs(fits[6].bath[SINGLE_BLOCK].V) ** 2))
    assert weight == pytest.approx(0.25, rel=2e-3)


@pytest.mark.parametrize("nb", [5, 6])
def test_symmetric_option_gives_an_exactly_particle_hole_symmetric_bath(bethe_fits, nb):
    beta = 50.0
    delta, fits = bethe_fits[beta]
    fit = fit_bath(delta, beta, nb, options=BathFitOptions(symmetric=True))
    eps, V = fit.bath[SINGLE_BLOCK].eps, fit.bath[SINGLE_BLOCK].V
    assert np.array_equal(eps, -eps[::-1])
    assert np.array_equal(V, V[:, ::-1])
    if nb % 2:
        assert eps[nb // 2] == 0.0
    free = fits[nb].distance if nb in fits else fit_bath(delta, beta, nb).distance
    assert fit.distance <= 1.01 * free


def test_symmetric_option_is_a_constraint_for_an_asymmetric_delta(rng):
    beta, n_iw = 50.0, 200
    eps, V = random_levels(rng, 4) + 0.3, rng.uniform(0.2, 0.7, (1, 4))
    delta = pole_delta(matsubara(beta, n_iw), eps, V)
    with pytest.warns(BathFitWarning):
        sym = fit_bath(delta, beta, 4, options=BathFitOptions(symmetric=True))
    assert np.array_equal(sym.bath[SINGLE_BLOCK].eps, -sym.bath[SINGLE_BLOCK].eps[::-1])
    assert sym.distance > 1e3 * fit_bath(delta, beta, 4).distance


# -- options and determinism ---------------------------------------------------------------------
def test_same_seed_same_fit_and_frequency_window():
    beta = 50.0
    delta = bethe_delta(beta, 200)
    options = BathFitOptions(n_restarts=3, seed=7, stop_distance=0.0)
    a, b = fit_bath(delta, beta, 4, options=options), fit_bath(delta, beta, 4, options=options)
    assert np.array_equal(a.bath[SINGLE_BLOCK].eps, b.bath[SINGLE_BLOCK].eps)
    assert np.array_equal(a.bath[SINGLE_BLOCK].V, b.bath[SINGLE_BLOCK].V)
    assert a.distance == b.distance and a.restarts == {SINGLE_BLOCK: 3}
    w = (2 * np.arange(200) + 1) * np.pi / beta
    assert fit_bath(delta, beta, 4, options=BathFitOptions(w_cut=5.0)).n_freq == np.count_nonzero(w <= 5.0)
    assert fit_bath(delta, beta, 4, options=BathFitOptions(w_cut=5.0, n_fit=10)).n_freq == 10


@pytest.mark.parametrize("weight,power", [("uniform", 0), ("1/w", 1), ("1/w^2", 2)])
def test_distance_uses_the_chosen_weights(weight, power):
    beta = 50.0
    delta = bethe_delta(beta, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BathFitWarning)
        fit = fit_bath(delta, beta, 3, options=BathFitOptions(weight=weight))
    assert distance(delta, fit.bath[SINGLE_BLOCK], beta, power) == pytest.approx(fit.distance, rel=1e-6)


def test_zero_hybridization_and_empty_bath():
    delta = np.zeros((40, 1, 1), dtype=complex)
    fit = fit_bath(delta, 10.0, 3)
    assert fit.distance == 0.0 and np.all(fit.bath[SINGLE_BLOCK].V == 0) and fit.restarts == {SINGLE_BLOCK: 0}
    with pytest.warns(BathFitWarning, match="n_bath = 0"):
        empty = fit_bath(bethe_delta(10.0, 20), 10.0, 0)
    assert empty.distance == 1.0 and empty.bath[SINGLE_BLOCK].n_bath == 0


def test_options_are_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        BathFitOptions().n_restarts = 3  # type: ignore[misc]
    for kwargs in (
        {"weight": "1/w^3"},
        {"n_restarts": 0},
        {"n_fit": 0},
        {"w_cut": -1.0},
        {"tolerance": 1.0},
        {"max_iterations": 0},
        {"screen_iterations": 0},
        {"stop_distance": -1.0},
        {"seed": -1},
        {"symmetric": "yes"},
        {"real_v": 1},
        {"warn_distance": 0.0},
        {"level_range": -1.0},
    ):
        name = next(iter(kwargs))
        with pytest.raises(InvalidParameterError, match=name):
            BathFitOptions(**kwargs)


# -- bad input -----------------------------------------------------------------------------------
@pytest.fixture
def no_fit(monkeypatch):
    """Make any fitting work fail the test: errors must come before it."""

    def fail(*args, **kwargs):
        raise AssertionError("the fit started before the input was checked")

    monkeypatch.setattr(bath_module, "_fit_block", fail)


def _good() -> np.ndarray:
    return bethe_delta(10.0, 20)


@pytest.mark.parametrize(
    "delta,n_bath,error,match",
    [
        (lambda: _good(), -1, InvalidParameterError, "n_bath"),
        (lambda: {"up": _good(), "dn": _good()}, {"up": 2, "dn": -1}, InvalidParameterError, "n_bath\\['dn'\\]"),
        (lambda: {"up": _good()}, {"dn": 2}, IncompatibleGfStructError, "n_bath has blocks"),
        (lambda: np.where(np.arange(40)[:, None, None] == 3, np.nan, _good()), 2, InvalidParameterError, "non-finite"),
        (lambda: {"up": _good(), "dn": -_good()}, 2, NonCausalError, "'dn'.*n = 0 \\(w_n = 0.314159"),
        (lambda: _good()[:, 0, 0], 2, InvalidParameterError, "shape \\(2 n_iw, n, n\\)"),
        (lambda: _good()[1:], 2, InvalidParameterError, "shape"),
        (lambda: np.ones((40, 1, 2)), 2, InvalidParameterError, "shape"),
        (lambda: {"up": _good(), "dn": bethe_delta(10.0, 30)}, 2, InvalidParameterError, "40 frequencies"),
        (lambda: _good()[20:], 2, InvalidParameterError, "full mesh"),
        (lambda: {}, 2, InvalidParameterError, "non-empty"),
        (lambda: _good(), 30, InvalidParameterError, "n_fit"),
    ],
)
def test_bad_input_raises_before_any_work(no_fit, delta, n_bath, error, match):
    with pytest.raises(error, match=match):
        fit_bath(delta(), 10.0, n_bath)


def test_bad_beta_and_options(no_fit):
    with pytest.raises(InvalidParameterError, match="beta"):
        fit_bath(_good(), 0.0, 2)
    with pytest.raises(InvalidParameterError, match="options"):
        fit_bath(_good(), 10.0, 2, options={"n_restarts": 2})
    with pytest.raises(InvalidParameterError, match="w_cut"):
        fit_bath(_good(), 10.0, 2, options=BathFitOptions(w_cut=0.1))


def test_causality_tolerates_round_off_only():
    """Orbital 1 is decoupled (-Im Delta_11 = 0): a 1e-14 dip below 0 is round-off, a 1e-6 dip is not."""
    beta, n_iw = 10.0, 20
    iw = matsubara(beta, n_iw)
    delta = pole_delta(iw, np.array([-0.5, 0.5]), np.array([[0.4, 0.3], [0.0, 0.0]]))
    for dip, raises in ((1e-14, False), (1e-6, True)):
        bad = delta.copy()
        bad[:, 1, 1] += 1j * dip * np.sign(iw.imag)
        if raises:
            with pytest.raises(NonCausalError, match="'x'"):
                fit_bath({"x": bad}, beta, 2)
        else:
            assert fit_bath({"x": bad}, beta, 2).distance < 1e-8


def test_round_off_hybridization_is_zero_and_causal():
    """Delta = iw - eps - G0^-1 of an impurity without bath is zero up to round-off (~1e-16 w_n, of
    either sign): accepted as causal, fitted exactly by V = 0.  So is a -2e-16 dip of -Im Delta."""
    beta, n_iw = 40.0, 1024
    iw = matsubara(beta, n_iw)
    g0 = 1.0 / (iw - 0.37)
    delta = (iw - 0.37 - 1.0 / g0).reshape(-1, 1, 1)
    assert np.abs(delta).max() > 0  # genuine round-off, not exact zeros
    dip = (-2e-16j * np.sign(iw.imag)).reshape(-1, 1, 1)  # -Im Delta = -2e-16 < 0
    for d in (delta, dip):
        fit = fit_bath(d, beta, 2)
        assert fit.distance == 0.0 and np.all(fit.bath[SINGLE_BLOCK].V == 0)


def test_ed_solver_without_bath_gives_the_atom():
    """method="ed" on an impurity with no bath (G0 = 1/(iw - eps)): the fitted bath is empty (V = 0)
    and G is the Hubbard atom's, G = 1/2 (1/(iw + U/2) + 1/(iw - U/2)) at half filling."""
    from triqs_mlsolver.aim import AIM
    from triqs_mlsolver.solvers.base import ImpurityProblem, get_solver
    from triqs_mlsolver.solvers.ed import EDSolverOptions

    U, beta = 2.0, 20.0
    atom = AIM.single_orbital(U=U, eps_d=-U / 2)
    iw = matsubara(beta, 256)
    problem = ImpurityProblem(beta, atom.gf_struct, atom.g0(iw), atom.h_int, n_tau=101, n_l=20)
    res = get_solver("ed")().solve(problem, EDSolverOptions(n_bath=2))
    expected = 0.5 / (iw + U / 2) + 0.5 / (iw - U / 2)
    for name in ("up", "down"):
        assert np.all(res.info["bath_V"][name] == 0)
        assert np.abs(res.g_iw[name][:, 0, 0] - expected).max() < 1e-12


def test_runaway_levels_are_confined():
    """Two levels fitted with four: a spare level loses its coupling and, unconfined, drifts to
    |eps| ~ 1e19 (the fit is still good: distance ~ 4e-6), which no exact diagonalization can use.
    With the default level_range it stays within a few band widths, at the same distance."""
    eps, V = np.array([-0.842, -1.118]), np.array([[0.146, 0.841]])
    beta, n_iw = 59.1, 256
    delta = pole_delta(matsubara(beta, n_iw), eps, V)
    loose = fit_bath(delta, beta, 4, options=BathFitOptions(level_range=1e300))
    assert np.abs(loose.bath[SINGLE_BLOCK].eps).max() > 1e10 and loose.distance < 1e-5
    fit = fit_bath(delta, beta, 4)
    assert np.abs(fit.bath[SINGLE_BLOCK].eps).max() < 20.0
    assert fit.distance < 1e-5
    assert distance(delta, fit.bath[SINGLE_BLOCK], beta) == pytest.approx(fit.distance, rel=1e-6)


def test_confinement_leaves_ordinary_fits_as_good(bethe_fits):
    """Fits whose levels stay well inside the range reach the same distance with any level_range."""
    delta, fits = bethe_fits[50.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BathFitWarning)
        for nb, fit in fits.items():
            wide = fit_bath(delta, 50.0, nb, options=BathFitOptions(level_range=1e300))
            assert fit.distance <= 1.05 * wide.distance + 1e-9


@pytest.mark.parametrize("U", [0.5, 1.0])
@pytest.mark.parametrize("beta", [10.0, 40.0])
def test_seven_levels_fit_the_two_poles_of_the_hubbard_atom(U, beta):
    """Delta = t^2 G_atom (the insulating start of a DMFT loop): two poles at +-U/2 of weight t^2/2,
    fitted with 7 levels.  The spare levels decouple inside the range instead of running away
    (unbounded levels gave |eps| ~ 1e27 or, clipped, a stuck fit of distance 0.95)."""
    iw = matsubara(beta, 1024)
    delta = pole_delta(iw, np.array([-U / 2, U / 2]), np.array([[np.sqrt(0.125), np.sqrt(0.125)]]))
    fit = fit_bath(delta, beta, 7)
    bath = fit.bath[SINGLE_BLOCK]
    assert fit.distance < 1e-7
    assert np.abs(bath.eps).max() < 10.0 * U and np.sum(np.abs(bath.V) ** 2) == pytest.approx(0.25, abs=1e-6)


# -- warnings ------------------------------------------------------------------------------------
def test_poor_fit_warns_and_good_fit_does_not(bethe_fits):
    delta, _ = bethe_fits[50.0]
    with pytest.warns(BathFitWarning, match="'0': 0.4"):
        poor = fit_bath(delta, 50.0, 1)
    assert poor.distance > 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("error", BathFitWarning)
        fit_bath(delta, 50.0, 6)
