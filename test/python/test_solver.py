"""The TRIQS-style Solver: contract, validation before any work, results, HDF5 round trip."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from triqs_mlsolver import Solver, triqs_compat
from triqs_mlsolver.archive import HDFArchive
from triqs_mlsolver.errors import (
    IgnoredOptionWarning,
    IncompatibleGfStructError,
    InvalidParameterError,
    NonCausalError,
)
from triqs_mlsolver.gf import MeshImFreq, SemiCircular, inverse, iOmega_n
from triqs_mlsolver.operators import c, c_dag, n
from triqs_mlsolver.solvers import SolverResult, register

BETA, N_IW = 20.0, 128


@register
class _CountingSolver:
    """A registered method that returns G = G0 and counts its calls (to prove validation comes first)."""

    name = "_counting"
    calls = 0

    @dataclasses.dataclass(frozen=True)
    class Options:
        flag: bool = False

    def solve(self, problem, options):
        type(self).calls += 1
        zero = {k: np.zeros_like(v) for k, v in problem.g0_iw.items()}
        shape = {k: v.shape[1:] for k, v in problem.g0_iw.items()}
        return SolverResult(
            g_iw=dict(problem.g0_iw), sigma_iw=zero,
            g_tau={k: np.zeros((problem.n_tau,) + s) for k, s in shape.items()},
            g_l={k: np.zeros((problem.n_l,) + s) for k, s in shape.items()},
            density={k: np.eye(s[0]) * 0.5 for k, s in shape.items()},
        )


def _solver(**kw) -> Solver:
    S = Solver(beta=BETA, gf_struct=[("up", 1), ("down", 1)], n_iw=N_IW, n_tau=1001, n_l=20, **kw)
    S.G0_iw << inverse(iOmega_n - 0.25 * SemiCircular(1.0))
    return S


H_INT = 2.0 * n("up", 0) * n("down", 0)


def test_constructor_allocates_the_contract_objects():
    S = Solver(beta=BETA, gf_struct=[["up", [0]], ["down", [0]]], n_iw=N_IW, n_tau=1001, n_l=20)
    assert S.gf_struct == [("up", 1), ("down", 1)]
    for name in ("G0_iw", "G_iw", "Sigma_iw"):
        g = getattr(S, name)
        assert list(g.indices) == ["up", "down"]
        assert g["up"].data.shape == (2 * N_IW, 1, 1)
        assert triqs_compat.to_lean(g.mesh) == MeshImFreq(BETA, "Fermion", N_IW)  # a lean or a TRIQS mesh
    assert S.G_tau["up"].data.shape == (1001, 1, 1)
    assert S.G_l["down"].data.shape == (20, 1, 1)
    assert S.G_w["up"].data.shape == (500, 1, 1)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"beta": -1.0}, InvalidParameterError),
        ({"beta": float("nan")}, InvalidParameterError),
        ({"n_iw": 0}, InvalidParameterError),
        ({"n_tau": 1}, InvalidParameterError),
        ({"w_min": 2.0, "w_max": 1.0}, InvalidParameterError),
        ({"idelta": 0.0}, InvalidParameterError),
        ({"gf_struct": [("up", 0)]}, IncompatibleGfStructError),
        ({"gf_struct": [("up", 1), ("up", 1)]}, IncompatibleGfStructError),
    ],
)
def test_constructor_rejects_bad_parameters(kwargs, error):
    params = {"beta": BETA, "gf_struct": [("up", 1), ("down", 1)]} | kwargs
    with pytest.raises(error) as info:
        Solver(**params)
    assert any(key in str(info.value) for key in list(kwargs) + ["gf_struct", "w_max"])


def _bad_inputs():
    def never_filled(S):
        S.G0_iw.zero()

    def nan(S):
        S.G0_iw["up"].data[3, 0, 0] = np.nan

    # BlockGfs of the Solver's kind (TRIQS's where TRIQS is installed), as a user would make them
    def wrong_names(S):
        S.G0_iw = type(S.G0_iw)(mesh=S.G0_iw.mesh, gf_struct=[("a", 1), ("b", 1)])

    def wrong_sizes(S):
        S.G0_iw = type(S.G0_iw)(mesh=S.G0_iw.mesh, gf_struct=[("up", 2), ("down", 2)])

    def non_causal(S):
        S.G0_iw << inverse(iOmega_n - 0.25 * SemiCircular(1.0))
        S.G0_iw["up"].data[:] = S.G0_iw["up"].data.conj()

    return [
        (never_filled, H_INT, "_counting", {}, InvalidParameterError, "all zeros"),
        (nan, H_INT, "_counting", {}, InvalidParameterError, "NaN"),
        (wrong_names, H_INT, "_counting", {}, IncompatibleGfStructError, "blocks"),
        (wrong_sizes, H_INT, "_counting", {}, IncompatibleGfStructError, "shape"),
        (non_causal, H_INT, "_counting", {}, NonCausalError, "causal"),
        (lambda S: None, n("up", 0) * n("up", 1), "_counting", {}, IncompatibleGfStructError, "('up', 1)"),
        (lambda S: None, c_dag("up", 0) * c("dn", 0), "_counting", {}, IncompatibleGfStructError, "'dn'"),
        (lambda S: None, H_INT, "cthyb", {}, InvalidParameterError, "method"),
        (lambda S: None, H_INT, "_counting", {"flagg": True}, InvalidParameterError, "flagg"),
    ]


@pytest.mark.parametrize("spoil, h_int, method, options, error, text", _bad_inputs())
def test_bad_input_raises_before_any_solver_work(spoil, h_int, method, options, error, text):
    S = _solver()
    spoil(S)
    before = _CountingSolver.calls
    with pytest.raises(error) as info:
        S.solve(h_int=h_int, method=method, **options)
    assert text in str(info.value)
    assert _CountingSolver.calls == before


def test_qmc_options_are_accepted_with_one_warning():
    S = _solver()
    with pytest.warns(IgnoredOptionWarning) as record:
        S.solve(h_int=H_INT, method="_counting", n_cycles=10000, length_cycle=50, n_warmup_cycles=1000,
                measure_G_l=True, random_seed=3)
    assert len(record) == 1
    for key in ("n_cycles", "length_cycle", "n_warmup_cycles", "measure_G_l", "random_seed"):
        assert key in str(record[0].message)
    assert S.last_solve_info["ignored_options"] == sorted(
        ["n_cycles", "length_cycle", "n_warmup_cycles", "measure_G_l", "random_seed"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S.solve(h_int=H_INT, method="_counting", flag=True, calc_gtau=True)
    assert S.last_solve_info["options"] == {"flag": True}


def test_u_zero_gives_the_noninteracting_propagator():
    """U = 0 (independent truth: G = G0, Sigma = 0, G(tau) of the semicircle-hybridized level)."""
    S = _solver()
    S.solve(h_int=0 * H_INT, method="ipt")
    for name, g in S.G_iw:
        np.testing.assert_allclose(g.data, S.G0_iw[name].data, atol=1e-12)
        np.testing.assert_allclose(S.Sigma_iw[name].data, 0.0, atol=1e-12)
    assert abs(S.density["up"][0, 0] - 0.5) < 1e-9
    np.testing.assert_allclose(S.G_tau["up"].data[0, 0, 0] + S.G_tau["up"].data[-1, 0, 0], -1.0, atol=1e-10)


def test_dmft_script_of_the_design_runs_and_round_trips(tmp_path):
    S = Solver(beta=BETA, gf_struct=[("up", 1), ("down", 1)], n_iw=N_IW, n_tau=1001, n_l=20)
    S.G_iw << SemiCircular(1.0)
    U, t = 2.0, 0.5
    for _ in range(3):
        S.G0_iw << inverse(iOmega_n + U / 2 - t**2 * S.G_iw)
        S.solve(h_int=U * n("up", 0) * n("down", 0), method="ipt")
    assert S.last_solve_info["method"] == "ipt"
    # half filling: Re Sigma = U/2, Re G = 0, density 1/2
    np.testing.assert_allclose(S.Sigma_iw["up"].data.real, U / 2, atol=1e-12)
    np.testing.assert_allclose(S.G_iw["up"].data.real, 0.0, atol=1e-12)
    path = tmp_path / "solver.h5"
    with HDFArchive(path, "w") as ar:
        ar["S"] = S
    with HDFArchive(path, "r") as ar:
        back = ar["S"]
    assert isinstance(back, Solver)
    assert back.gf_struct == S.gf_struct and back.beta == S.beta
    for key in ("G0_iw", "G_iw", "Sigma_iw", "G_tau", "G_l"):
        for name, g in getattr(S, key):
            np.testing.assert_array_equal(getattr(back, key)[name].data, g.data)
    assert back.last_solve_info["method"] == "ipt"
    np.testing.assert_array_equal(back.density["up"], S.density["up"])
