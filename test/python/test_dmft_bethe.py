"""Bethe-lattice DMFT: the U = 0 limit, IPT's Mott transition (published values), sweeps and archives."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import requires_matplotlib
from scipy.integrate import quad

from triqs_mlsolver.archive import HDFArchive
from triqs_mlsolver.dmft import (
    BetheParameters,
    bethe_sweep,
    make_solver,
    parse_grid,
    read_input,
    read_summary,
    solve_bethe,
    starting_gf,
)
from triqs_mlsolver.errors import (
    IncompatibleGfStructError,
    InvalidParameterError,
    MLSolverError,
    NotConvergedWarning,
)
from triqs_mlsolver.gf import BlockGf, Gf

METAL = 0.2
"""-beta G(beta/2)/pi above this is a metal (U = 0: 2/pi = 0.64; the Mott insulator: < 1e-2)."""


def semicircle_hilbert(z, D=1.0):
    """G(z) = int rho(e)/(z - e) de by quadrature, independent of the package's closed form."""
    rho = lambda e: 2 * np.sqrt(D * D - e * e) / (np.pi * D * D)  # noqa: E731
    re = quad(lambda e: (rho(e) / (z - e)).real, -D, D, limit=200)[0]
    im = quad(lambda e: (rho(e) / (z - e)).imag, -D, D, limit=200)[0]
    return re + 1j * im


# -- U = 0: the semicircle -------------------------------------------------------------------


@pytest.mark.parametrize("start", ["insulator", "metal"])
def test_free_loop_converges_to_the_semicircle(start):
    params = BetheParameters(beta=10.0, n_iw=256, n_tau=2001, tol=1e-9, max_iter=500)
    r = solve_bethe(0.0, params, "ipt", start=start)
    assert r.converged
    iw = params.matsubara()
    for k in (256, 257, 260, 300, 511):
        assert r.g_iw[k] == pytest.approx(semicircle_hilbert(iw[k]), abs=1e-8)
    assert r.Z == 1.0
    assert r.double_occupancy == pytest.approx(0.25, abs=1e-12)
    assert r.density == pytest.approx(0.5, abs=1e-12)


def test_free_spectral_weight_tends_to_the_density_of_states_at_zero():
    D = 1.0
    rho = lambda e: 2 * np.sqrt(D * D - e * e) / (np.pi * D * D)  # noqa: E731
    values = []
    for beta in (5.0, 20.0, 80.0):
        params = BetheParameters(beta=beta, D=D, n_iw=1024, n_tau=4001, tol=1e-9, max_iter=2000)
        r = solve_bethe(0.0, params, "ipt", start="metal")
        thermal = quad(lambda e: rho(e) * (beta / 2) / np.cosh(beta * e / 2), -D, D, points=[0.0])[0] / np.pi
        assert r.spectral_weight == pytest.approx(thermal, abs=1e-6)
        values.append(r.spectral_weight)
    target = 2 / (np.pi * D)
    gaps = [target - v for v in values]
    assert all(g > 0 for g in gaps) and gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-3


def test_half_bandwidth_and_hopping_enter_as_t_equal_d_over_2():
    params = BetheParameters(beta=10.0, D=2.0, n_iw=128, n_tau=501, tol=1e-10, max_iter=500)
    r = solve_bethe(0.0, params, "ipt")
    iw = params.matsubara()
    assert r.g_iw[128] == pytest.approx(semicircle_hilbert(iw[128], D=2.0), abs=1e-8)


# -- IPT: the Mott transition (Georges et al., Rev. Mod. Phys. 68, 13 (1996): U_c1 ~ 2.6, U_c2 ~ 3.3 D) ---


@pytest.fixture(scope="module")
def ipt100():
    return BetheParameters(beta=100.0, tol=1e-6, max_iter=1000)


@pytest.mark.parametrize("U,Z", [(2.0, 0.346), (2.5, 0.194)])
def test_ipt_quasiparticle_weight_of_the_metal(ipt100, U, Z):
    r = solve_bethe(U, ipt100, "ipt", start="metal")
    assert r.converged
    assert r.Z == pytest.approx(Z, abs=0.02)
    assert r.spectral_weight > METAL


def test_ipt_metal_disappears_between_3_2_and_3_3(ipt100):
    metal = solve_bethe(3.2, ipt100, "ipt", start="metal")
    insulator = solve_bethe(3.3, ipt100, "ipt", start="metal")
    assert metal.converged and insulator.converged
    assert metal.spectral_weight > METAL and metal.Z > 0.02
    assert insulator.spectral_weight < 1e-2 and insulator.Z < 1e-2


def test_ipt_insulator_disappears_between_2_6_and_2_5(ipt100):
    insulator = solve_bethe(2.6, ipt100, "ipt", start="insulator")
    metal = solve_bethe(2.5, ipt100, "ipt", start="insulator")
    assert insulator.converged and metal.converged
    assert insulator.spectral_weight < 1e-2
    assert metal.spectral_weight > METAL
    assert metal.Z == pytest.approx(0.194, abs=0.02)  # the same metal as from the metallic start


def test_ipt_hysteresis_by_continuation(ipt100):
    up = bethe_sweep(parse_grid("3.0:3.3:0.1"), ipt100, ("ipt",), progress=False)
    down = bethe_sweep(parse_grid("2.7:2.5:-0.1"), BetheParameters(beta=100.0, tol=1e-6, max_iter=1000,
                                                                    start="insulator"), ("ipt",), progress=False)
    a_up = up.column("ipt", "spectral_weight")
    a_down = down.column("ipt", "spectral_weight")
    assert list(a_up > METAL) == [True, True, True, False]  # U = 3.0, 3.1, 3.2 metallic, 3.3 insulating
    assert list(a_down > METAL) == [False, False, True]  # U = 2.7, 2.6 insulating, 2.5 metallic
    z = up.column("ipt", "Z")
    assert np.all(np.diff(z[:3]) < 0)


def test_ipt_away_from_half_filling_is_particle_hole_mirrored():
    U = 2.0
    below = solve_bethe(U, BetheParameters(beta=20.0, n_iw=256, n_tau=2001, mu=0.5), "ipt")
    above = solve_bethe(U, BetheParameters(beta=20.0, n_iw=256, n_tau=2001, mu=1.5), "ipt")
    assert below.converged and above.converged
    assert below.density < 0.5
    assert below.density + above.density == pytest.approx(1.0, abs=1e-6)
    assert below.Z == pytest.approx(above.Z, abs=1e-6)
    # <n_up n_dn> maps to <(1 - n_up)(1 - n_dn)> = 1 - 2n + <n_up n_dn>
    assert above.double_occupancy == pytest.approx(1 - 2 * below.density + below.double_occupancy, abs=1e-6)


# -- loop mechanics ---------------------------------------------------------------------------


def test_mixing_reaches_the_same_solution_more_slowly():
    fast = solve_bethe(2.0, BetheParameters(beta=20.0, n_iw=256, n_tau=2001, tol=1e-8), "ipt")
    slow = solve_bethe(2.0, BetheParameters(beta=20.0, n_iw=256, n_tau=2001, tol=1e-8, mixing=0.5), "ipt")
    assert fast.converged and slow.converged
    assert slow.n_iterations > fast.n_iterations
    assert slow.Z == pytest.approx(fast.Z, abs=1e-6)
    assert np.max(np.abs(slow.g_iw - fast.g_iw)) < 1e-6


def test_unconverged_loop_warns_and_says_so():
    params = BetheParameters(beta=20.0, n_iw=128, n_tau=501, tol=1e-12, max_iter=3)
    with pytest.warns(NotConvergedWarning, match="did not converge"):
        r = solve_bethe(2.0, params, "ipt")
    assert not r.converged and r.n_iterations == 3 and len(r.history) == 3


def test_continuation_from_a_solution_converges_at_once():
    params = BetheParameters(beta=20.0, n_iw=128, n_tau=501, tol=1e-7)
    first = solve_bethe(1.0, params, "ipt")
    again = solve_bethe(1.0, params, "ipt", start=first.g_iw)
    assert again.converged and again.n_iterations <= 2


def test_iteration_callback_and_solver_reuse():
    params = BetheParameters(beta=20.0, n_iw=128, n_tau=501)
    solver = make_solver(params)
    seen = []
    r = solve_bethe(1.0, params, "ipt", solver=solver, on_iteration=lambda k, s, d: seen.append((k, d)))
    assert [k for k, _ in seen] == list(range(r.n_iterations))
    assert np.allclose([d for _, d in seen], r.history)
    assert np.allclose(solver.G_iw["up"].data[:, 0, 0], r.g_iw)


def test_hubbard_i_runs_in_the_loop_and_is_insulating():
    r = solve_bethe(2.0, BetheParameters(beta=20.0, n_iw=128, n_tau=501), "hubbard_i")
    assert r.converged
    assert r.spectral_weight < 0.05 and r.Z < 0.1


def test_starting_gfs_are_causal_with_unit_weight():
    params = BetheParameters(beta=10.0, n_iw=64)
    iw = params.matsubara()
    for start in ("metal", "insulator"):
        g = starting_gf(start, params, 2.0)
        assert np.all(g[64:].imag < 0)
        assert (iw[-1] * g[-1]).real == pytest.approx(1.0, abs=1e-3)


# -- sweeps and the archive -------------------------------------------------------------------


def test_sweep_archive_layout(tmp_path):
    path = tmp_path / "sweep.h5"
    params = BetheParameters(beta=10.0, n_iw=64, n_tau=257, n_l=20)
    sweep = bethe_sweep([0.0, 1.5], params, ("ipt", "hubbard_i"), out=path, progress=False)
    with HDFArchive(path, "r") as ar:
        assert ar.h5_group.attrs["triqs_mlsolver_schema"] == "triqs_mlsolver.dmft_bethe"
        inp = ar["dmft_input"]
        assert list(inp["methods"]) == ["ipt", "hubbard_i"] and np.allclose(inp["U"], [0.0, 1.5])
        assert inp["mu"] == "U/2 (half filling)" and inp["beta"] == 10.0
        for method in ("ipt", "hubbard_i"):
            for i, r in enumerate(sweep.results[method]):
                point = ar[method][f"U_{i:03d}"]
                assert point["params"]["U"] == r.U and point["params"]["start"] == ("metal" if i == 0 else "previous")
                assert point["iteration_count"] == r.n_iterations
                k = r.n_iterations - 1
                it = point[f"it_{k}"]
                assert isinstance(it["G_iw"], BlockGf) and it["distance"] == r.history[-1]
                assert np.allclose(it["G_iw"]["up"].data[:, 0, 0], r.g_iw)
                last = point["last_iter"]
                assert isinstance(last["G_tau"], BlockGf) and isinstance(last["G0_iw"]["down"], Gf)
                assert np.allclose(last["Sigma_iw"]["down"].data[:, 0, 0], r.sigma_iw)
                assert point["observables"]["Z"] == r.Z
    summary = read_summary(path)
    assert np.allclose(summary["ipt"]["Z"], sweep.column("ipt", "Z"))
    assert summary["hubbard_i"]["converged"].dtype == bool


def test_sweep_last_only_keeps_no_iterations(tmp_path):
    path = tmp_path / "last.h5"
    bethe_sweep([1.0], BetheParameters(beta=10.0, n_iw=64, n_tau=257), ("ipt",), out=path, save_iterations=False,
                progress=False)
    with HDFArchive(path, "r") as ar:
        assert sorted(ar["ipt"]["U_000"].keys()) == ["iteration_count", "last_iter", "observables", "params"]


def test_sweep_table_lists_every_point():
    sweep = bethe_sweep([0.5, 1.0], BetheParameters(beta=10.0, n_iw=64, n_tau=257), ("ipt",), progress=False)
    lines = sweep.table().splitlines()
    assert "ipt" in lines[0] and "Z" in lines[1] and "t/solve" in lines[1]
    assert lines[3].split()[0] == "0.5" and lines[4].split()[0] == "1"


def test_sweep_without_continuation_starts_every_point_afresh():
    params = BetheParameters(beta=100.0, tol=1e-6, max_iter=1000, start="insulator", n_iw=512, n_tau=2001)
    fresh = bethe_sweep([2.55, 2.7], params, ("ipt",), continuation=False, progress=False)
    assert fresh.results["ipt"][1].spectral_weight < 1e-2


# -- bad input: package errors before any work --------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"beta": -1.0}, {"beta": 0.0}, {"D": 0.0}, {"mixing": 0.0}, {"mixing": 1.5}, {"tol": 0.0},
        {"max_iter": 0}, {"start": "mott"}, {"n_iw": 2}, {"mu": float("nan")}, {"max_iter": 2.5},
    ],
)
def test_bad_parameters(kwargs):
    with pytest.raises(InvalidParameterError) as err:
        BetheParameters(**kwargs)
    assert next(iter(kwargs)) in str(err.value)


@pytest.mark.parametrize(
    "text",
    ["", "a", "1:2", "0.5:4:-0.25", "4:0.5:0.5", "1:2:0", "1,,2", "0:1000:0.0001", "0:1:1e-320"],
)
def test_bad_grids(text):
    with pytest.raises(InvalidParameterError, match="U"):
        parse_grid(text)


def test_grids():
    assert parse_grid("0.5:4:0.25") == tuple(0.5 + 0.25 * k for k in range(15))
    assert parse_grid("4:3:-0.5") == (4.0, 3.5, 3.0)
    assert parse_grid("0.1:0.35:0.1") == (0.1, 0.2, 0.3)
    assert parse_grid("1, 2.5,0:1:0.5") == (1.0, 2.5, 0.0, 0.5, 1.0)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: bethe_sweep([1.0], methods=("ipt", "nope"), progress=False), "method"),
        (lambda: bethe_sweep([1.0], methods=("ipt", "ipt"), progress=False), "each method once"),
        (lambda: bethe_sweep([-1.0], progress=False), "U"),
        (lambda: bethe_sweep([], progress=False), "U"),
        (lambda: bethe_sweep([1.0], method_options={"hubbard_i": {"atomic_gf": True}}, progress=False), "hubbard_i"),
        (lambda: bethe_sweep([1.0], method_options={"ipt": {"nope": 1}}, progress=False), "nope"),
        (lambda: solve_bethe(1.0, BetheParameters(), "ipt", start=np.zeros(5)), "start"),
        (lambda: solve_bethe(-1.0, BetheParameters(), "ipt"), "U"),
    ],
)
def test_bad_sweep_input_fails_before_solving(call, match, monkeypatch):
    from triqs_mlsolver.solver import Solver

    def refuse(*args, **kwargs):
        raise AssertionError("a solve started before the input was checked")

    monkeypatch.setattr(Solver, "solve", refuse)
    with pytest.raises(MLSolverError, match=match):
        call()


def test_sweep_archive_in_a_missing_folder_fails_before_solving(tmp_path):
    with pytest.raises(MLSolverError):
        bethe_sweep([1.0], out=tmp_path / "missing" / "x.h5", progress=False)


def test_options_left_at_none_are_archived_without_them(tmp_path):
    """An option given as None (its default) is valid and is left out of the archived input."""
    path = tmp_path / "x.h5"
    bethe_sweep([1.0], BetheParameters(beta=10.0, n_iw=64, n_tau=257), ("ipt",),
                {"ipt": {"particle_hole_symmetric": None, "max_iterations": 50}}, out=path, progress=False)
    assert read_input(path)["method_options"]["ipt"] == {"max_iterations": 50}


def test_foreign_solver_is_refused():
    from triqs_mlsolver import Solver

    params = BetheParameters(beta=10.0, n_iw=64)
    with pytest.raises(InvalidParameterError, match="make_solver"):
        solve_bethe(1.0, params, "ipt", solver=Solver(beta=20.0, gf_struct=[("up", 1), ("down", 1)], n_iw=64))
    with pytest.raises(IncompatibleGfStructError):
        solve_bethe(1.0, params, "ipt", solver=Solver(beta=10.0, gf_struct=[("up", 2)], n_iw=64))


def test_no_warning_from_a_converged_sweep():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bethe_sweep([0.5, 1.0], BetheParameters(beta=10.0, n_iw=64, n_tau=257), ("ipt",), progress=False)


@requires_matplotlib
def test_plot_of_one_sweep_and_of_two_archives(tmp_path):
    from triqs_mlsolver.dmft import plot_sweep

    params = BetheParameters(beta=10.0, n_iw=64, n_tau=257)
    up = bethe_sweep([1.0, 2.0], params, ("ipt", "hubbard_i"), out=tmp_path / "up.h5", progress=False)
    bethe_sweep([2.0, 1.0], BetheParameters(beta=10.0, n_iw=64, n_tau=257, start="insulator"), ("ipt",),
                out=tmp_path / "down.h5", progress=False)
    for sources, name in ((up, "one.png"), ([tmp_path / "up.h5", str(tmp_path / "down.h5")], "two.png")):
        path = plot_sweep(sources, tmp_path / name)
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.endswith(name)


def test_readers_refuse_other_archives_and_read_interrupted_sweeps(tmp_path):
    other = tmp_path / "other.h5"
    with HDFArchive(other, "w") as ar:
        ar["x"] = 1.0
    with pytest.raises(InvalidParameterError, match="triqs_mlsolver.dmft_bethe"):
        read_summary(other)
    path = tmp_path / "cut.h5"
    bethe_sweep([0.5, 1.0], BetheParameters(beta=10.0, n_iw=64, n_tau=257), ("ipt",), out=path, progress=False)
    with HDFArchive(path, "a") as ar:
        del ar["ipt"]["summary"]  # as if the run had stopped before the end of the method
    cut = read_summary(path)["ipt"]
    assert np.allclose(cut["U"], [0.5, 1.0]) and cut["Z"][0] < 1.0


def test_solver_warnings_of_the_last_iteration_are_issued_once(monkeypatch):
    from triqs_mlsolver.errors import BathFitWarning
    from triqs_mlsolver.solver import Solver

    original = Solver.solve
    calls = []

    def noisy(self, **kwargs):
        calls.append(1)
        warnings.warn(f"fit distance {len(calls)}", BathFitWarning)
        return original(self, **kwargs)

    monkeypatch.setattr(Solver, "solve", noisy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = solve_bethe(1.0, BetheParameters(beta=10.0, n_iw=64, n_tau=257), "ipt")
    fits = [w for w in caught if issubclass(w.category, BathFitWarning)]
    assert r.n_iterations > 1 and len(fits) == 1
    assert f"fit distance {r.n_iterations}" in str(fits[0].message) and "U = 1" in str(fits[0].message)
