"""The TRIQS-style impurity ``Solver``: a drop-in for cthyb / hubbardI in DMFT scripts.

    S = Solver(beta=40.0, gf_struct=[("up", 1), ("down", 1)], n_iw=1025, n_tau=10001, n_l=40)
    S.G0_iw << inverse(iOmega_n + mu - t**2 * S.G_iw)
    S.solve(h_int=U * n("up", 0) * n("down", 0), method="ed")

``G0_iw`` is the full non-interacting impurity propagator (mu and local levels included),
``h_int`` only the interaction.  Every method returns the impurity
``G_iw = (G0_iw^-1 - Sigma_iw)^-1`` together with ``Sigma_iw``, ``G_tau``, ``G_l``, the
densities and ``last_solve_info``; real-frequency ``G_w``/``Sigma_w`` with ``calc_gw=True``;
Hubbard-I also fills ``G_iw_atomic`` (the atomic G that triqs_hubbardI returns as G_iw).

The Green's functions are real ``triqs.gf`` objects when TRIQS is installed, the lean
:mod:`triqs_mlsolver.gf` ones otherwise.  Under MPI every rank calls ``solve``; rank 0
solves and broadcasts, so every rank ends with identical results.
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np

from . import triqs_compat
from ._validation import finite_float, int_in_range, positive_float
from .aim import BathBlock
from .errors import IgnoredOptionWarning, IncompatibleGfStructError, MissingDependencyError, invalid_parameter
from .gf_struct import fix_gf_struct
from .operators import Terms
from .parallel import world
from .solvers import ImpurityProblem, available_methods, get_solver
from .solvers.base import RealFrequencyMesh, options_from_kwargs

__all__ = ["Solver", "QMC_ONLY_OPTIONS", "HUBBARDI_FLAGS", "solver_methods", "method_class"]

QMC_ONLY_OPTIONS = frozenset({
    "n_cycles", "length_cycle", "n_warmup_cycles", "random_seed", "random_name", "max_time", "verbosity",
    "move_shift", "move_double", "use_trace_estimator", "proposal_prob", "move_global", "move_global_prob",
    "imag_threshold", "off_diag_threshold", "det_init_size", "det_n_operations_before_check",
    "det_precision_warning", "det_precision_error", "det_singular_threshold", "partition_method",
    "quantum_numbers", "loc_n_min", "loc_n_max", "measure_G_tau", "measure_G_l", "measure_g_tau", "measure_g_l",
    "measure_O_tau", "measure_O_tau_min_ins", "measure_pert_order", "measure_density_matrix",
    "use_norm_as_weight", "performance_analysis", "measure_G2_tau", "measure_G2_iw", "measure_G2_iw_nfft",
    "measure_G2_iw_pp", "measure_G2_iw_ph", "measure_G2_iwll_pp", "measure_G2_iwll_ph", "measure_G2_blocks",
    "measure_G2_n_tau", "measure_G2_n_bosonic", "measure_G2_n_fermionic", "measure_G2_n_l",
    "measure_G2_iwll_nfft_buf_size", "perform_post_proc", "perform_tail_fit", "fit_max_moment",
    "fit_known_moments", "fit_min_n", "fit_max_n", "fit_min_w", "fit_max_w", "h_loc0",
})
"""Keywords of the cthyb ``solve`` that only steer Monte Carlo: accepted and ignored (one warning)."""

HUBBARDI_FLAGS = frozenset({"calc_gtau", "calc_gl", "calc_dm", "calc_gw"})
"""triqs_hubbardI ``solve`` flags: G_tau, G_l and densities are always computed; ``calc_gw`` asks for G_w."""


class Solver:
    """TRIQS-style impurity solver with a choice of method (``hubbard_i``, ``ipt``, ``ed``, ``ml``).

    Parameters
    ----------
    beta : inverse temperature.
    gf_struct : ``[(block_name, size), ...]`` (the old ``[(name, [indices])]`` and dict forms are converted).
    n_iw : number of positive Matsubara frequencies of ``G0_iw``, ``G_iw``, ``Sigma_iw``.
    n_tau : number of imaginary-time points of ``G_tau`` (0 and beta included).
    n_l : number of Legendre coefficients of ``G_l``.
    n_w, w_min, w_max, idelta : real-frequency grid and broadening of ``G_w``/``Sigma_w``.
    """

    def __init__(self, beta, gf_struct, n_iw=1025, n_tau=10001, n_l=40, n_w=500, w_min=-15.0, w_max=15.0,
                 idelta=0.01):
        self.beta = positive_float("beta", beta)
        self.gf_struct = list(fix_gf_struct(gf_struct))
        self.n_iw = int_in_range("n_iw", n_iw, 1)
        self.n_tau = int_in_range("n_tau", n_tau, 2)
        self.n_l = int_in_range("n_l", n_l, 1)
        self.n_w = int_in_range("n_w", n_w, 2)
        self.w_min = finite_float("w_min", w_min)
        self.w_max = finite_float("w_max", w_max)
        self.idelta = positive_float("idelta", idelta)
        RealFrequencyMesh(self.w_min, self.w_max, self.n_w, self.idelta)
        gf = triqs_compat.gf_api()
        iw_mesh = gf.MeshImFreq(self.beta, "Fermion", self.n_iw)
        w_mesh = gf.MeshReFreq(self.w_min, self.w_max, self.n_w)

        def block(mesh):
            return gf.BlockGf(mesh=mesh, gf_struct=self.gf_struct)

        self.G0_iw = block(iw_mesh)
        self.G_iw = block(iw_mesh)
        self.Sigma_iw = block(iw_mesh)
        self.G_tau = block(gf.MeshImTime(self.beta, "Fermion", self.n_tau))
        self.G_l = block(gf.MeshLegendre(self.beta, "Fermion", self.n_l))
        self.G0_w = block(w_mesh)
        self.G_w = block(w_mesh)
        self.Sigma_w = block(w_mesh)
        self.G_iw_atomic = None
        self.density = None
        self.last_solve_info = None

    # -- solve ----------------------------------------------------------------------------
    def solve(self, h_int, method: str = "ed", **options):
        """Solve the impurity problem of ``G0_iw`` with the interaction ``h_int`` by ``method``.

        Keyword options are validated against the method's ``Options`` (unknown ones raise);
        cthyb's Monte Carlo keywords are accepted and ignored with one warning, and
        triqs_hubbardI's ``calc_*`` flags are accepted (``calc_gw=True`` fills ``G_w``/``Sigma_w``).
        """
        start = time.perf_counter()
        solver_cls = method_class(method)
        ignored = sorted(set(options) & QMC_ONLY_OPTIONS)
        flags = {key: options.pop(key) for key in sorted(set(options) & HUBBARDI_FLAGS)}
        for key in ignored:
            options.pop(key)
        if ignored:
            warnings.warn(
                f"method {method!r} is not a Monte Carlo solver: ignored the options {ignored}.",
                IgnoredOptionWarning,
                stacklevel=2,
            )
        method_options = options_from_kwargs(solver_cls.Options, options, method)
        problem = self._problem(h_int, with_refreq=bool(flags.get("calc_gw", False)),
                                bath_start=self._last_bath(method) if getattr(method_options, "warm_start", False) else None)

        comm = world()
        result = comm.run_on_master(lambda: solver_cls().solve(problem, method_options))
        self._store(result)
        self.last_solve_info = {
            "method": method,
            "options": dataclasses.asdict(method_options),
            "ignored_options": ignored,
            "time": time.perf_counter() - start,
            **result.info,
        }

    def _last_bath(self, method: str) -> dict | None:
        """The bath fitted by the previous solve with ``method`` (name -> BathBlock), or None."""
        info = self.last_solve_info or {}
        if info.get("method") != method or "bath_eps" not in info:
            return None
        return {name: BathBlock(info["bath_eps"][name], info["bath_V"][name]) for name in info["bath_eps"]}

    def _problem(self, h_int, with_refreq: bool, bath_start: dict | None = None) -> ImpurityProblem:
        names = [name for name, _ in self.gf_struct]
        g0_names = list(self.G0_iw.indices)
        if g0_names != names:
            raise IncompatibleGfStructError(f"G0_iw has blocks {g0_names}, gf_struct has {names}: they must be the same.")
        g0 = {name: np.array(g.data, dtype=complex) for name, g in self.G0_iw}
        terms = Terms.from_gf_struct(h_int, self.gf_struct)
        refreq = RealFrequencyMesh(self.w_min, self.w_max, self.n_w, self.idelta) if with_refreq else None
        return ImpurityProblem(beta=self.beta, gf_struct=self.gf_struct, g0_iw=g0, h_int=terms, n_tau=self.n_tau,
                               n_l=self.n_l, refreq=refreq, bath_start=bath_start)

    def _store(self, result) -> None:
        for target, values in ((self.G_iw, result.g_iw), (self.Sigma_iw, result.sigma_iw), (self.G_tau, result.g_tau),
                               (self.G_l, result.g_l)):
            for name, g in target:
                g.data[...] = values[name]
        # Real-frequency results: those of this solve, or zero (never those of an earlier solve).
        for target, values in ((self.G_w, result.g_w), (self.Sigma_w, result.sigma_w), (self.G0_w, result.g0_w)):
            for name, g in target:
                g.data[...] = 0.0 if values is None else values[name]
        if result.g_iw_atomic is not None:
            self.G_iw_atomic = self.G_iw.copy()
            for name, g in self.G_iw_atomic:
                g.data[...] = result.g_iw_atomic[name]
        self.density = {name: np.array(rho) for name, rho in result.density.items()}

    # -- HDF5 -----------------------------------------------------------------------------
    _hdf5_format_ = "MLSolver"
    _GF_ATTRIBUTES = ("G0_iw", "G_iw", "Sigma_iw", "G_tau", "G_l", "G0_w", "G_w", "Sigma_w")

    def __reduce_to_dict__(self) -> dict:
        d = {
            "beta": self.beta, "gf_struct": [tuple(b) for b in self.gf_struct], "n_iw": self.n_iw,
            "n_tau": self.n_tau, "n_l": self.n_l, "n_w": self.n_w, "w_min": self.w_min, "w_max": self.w_max,
            "idelta": self.idelta,
        }
        for key in self._GF_ATTRIBUTES:
            d[key] = triqs_compat.to_lean(getattr(self, key))
        if self.G_iw_atomic is not None:
            d["G_iw_atomic"] = triqs_compat.to_lean(self.G_iw_atomic)
        if self.density is not None:
            d["density"] = dict(self.density)
        if self.last_solve_info is not None:
            d["last_solve_info"] = _storable(self.last_solve_info)
        return d

    @classmethod
    def __factory_from_dict__(cls, name, d):
        solver = cls(beta=d["beta"], gf_struct=[tuple(b) for b in d["gf_struct"]], n_iw=d["n_iw"], n_tau=d["n_tau"],
                     n_l=d["n_l"], n_w=d["n_w"], w_min=d["w_min"], w_max=d["w_max"], idelta=d["idelta"])
        for key in cls._GF_ATTRIBUTES:
            for block, g in getattr(solver, key):
                g.data[...] = d[key][block].data
        if "G_iw_atomic" in d:
            solver.G_iw_atomic = triqs_compat.to_triqs(d["G_iw_atomic"])
        solver.density = {k: np.asarray(v) for k, v in d["density"].items()} if "density" in d else None
        solver.last_solve_info = dict(d["last_solve_info"]) if "last_solve_info" in d else None
        return solver

    def __repr__(self) -> str:
        return f"Solver(beta={self.beta}, gf_struct={self.gf_struct}, n_iw={self.n_iw}, n_tau={self.n_tau}, n_l={self.n_l})"


def solver_methods() -> list[str]:
    """Every method of :meth:`Solver.solve`: the registered solvers and ``ml``."""
    return sorted(set(available_methods()) | {"ml"})


def method_class(method: str) -> type:
    """The solver class of ``method`` (``ml`` imported on first use: it needs torch)."""
    if method == "ml":
        return _ml_solver()
    if method not in available_methods():
        raise invalid_parameter("method", method, f"one of {solver_methods()}")
    return get_solver(method)


def _ml_solver() -> type:
    """The ``ml`` method, imported on first use (it needs torch)."""
    try:
        from .ml.method import MLSolver
    except ImportError as exc:
        if "torch" not in str(exc):
            raise
        raise MissingDependencyError("method 'ml' needs PyTorch: pip install torch (the CPU build suffices).") from None
    return MLSolver


def _storable(value):
    """A copy of ``value`` made of archive-storable types (dicts, lists, numbers, strings, arrays)."""
    if isinstance(value, dict):
        return {str(k): _storable(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value if v is not None]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _storable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, (bool, int, float, complex, str, np.ndarray, np.generic)):
        return value
    return repr(value)


def _register() -> None:
    from .archive import register_class

    register_class(Solver)


_register()
