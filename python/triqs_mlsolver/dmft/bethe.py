"""DMFT of the single-band Hubbard model on the Bethe lattice (semicircular density of states).

For the semicircular density of states of half bandwidth ``D`` (hopping ``t = D/2``) the
self-consistency is ``G0^-1(iw_n) = iw_n + mu - t^2 G(iw_n)`` (:mod:`triqs_mlsolver.lattice`).
The loop (paramagnetic: ``G`` is the average of the spin blocks) runs, from a start ``G_in``,

    G0 = (iw + mu - t^2 G_in)^-1  ->  impurity solver (any method)  ->  G_out,
    distance = max_n |G_out(iw_n) - G_in(iw_n)|,   stop when distance < tol,
    G_in <- mixing G_out + (1 - mixing) G_in.

The starts are the free semicircle ``"metal"`` and the Hubbard atom ``"insulator"`` of
:func:`triqs_mlsolver.lattice.starting_gf`, both centred at the Hartree level of half filling,
or any ``G(iw)`` given as an array (to continue a sweep from the previous solution).
``mu = None`` means half filling, ``mu = U/2``.  Under MPI every rank runs the loop: the
:class:`~triqs_mlsolver.solver.Solver` solves on rank 0 and broadcasts, so every rank makes
the same decisions and ends with identical results.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._options import Options, choice, integer, option, optional, positive, real
from .._validation import finite_float, nonnegative_float
from ..errors import IncompatibleGfStructError, NotConvergedWarning, invalid_parameter
from ..lattice import GF_STRUCT, START_KINDS, hopping, weiss_field
from ..lattice import starting_gf as lattice_starting_gf
from ..operators import n as number
from ..parallel import world
from ..solver import Solver, method_class
from ..solvers.base import options_from_kwargs
from ..transforms import matsubara_freqs
from .observables import double_occupancy, quasiparticle_weight, spectral_weight_at_fermi_level

__all__ = [
    "START_KINDS", "LOOP_CUTOFF_FRACTION", "GF_STRUCT", "BetheParameters", "BetheResult", "starting_gf", "make_solver",
    "check_method_options", "solve_bethe",
]


def _mixing(name: str, value: object, error: type) -> float:
    x = finite_float(name, value, error=error)
    if not 0.0 < x <= 1.0:
        raise invalid_parameter(name, value, "0 < mixing <= 1", "mixing = 1 takes G_out unmixed.", error=error)
    return x


@dataclass(frozen=True)
class BetheParameters(Options):
    """Parameters of a Bethe-lattice DMFT loop, the same for every ``U`` (validated at construction)."""

    beta: float = option("inverse temperature (> 0)", 40.0, check=positive())
    D: float = option("half bandwidth of the semicircular density of states (> 0); hopping t = D/2", 1.0,
                      check=positive())
    mu: float | None = option("chemical potential; None means half filling, mu = U/2 for each U", None,
                              check=optional(real()))
    mixing: float = option("linear mixing of G: G_in <- mixing G_out + (1 - mixing) G_in, 0 < mixing <= 1", 1.0,
                           check=_mixing)
    tol: float = option("convergence threshold on max_n |G_out(iw_n) - G_in(iw_n)| (> 0)", 1e-5, check=positive())
    max_iter: int = option("maximum number of DMFT iterations per U (>= 1)", 200, check=integer(1))
    start: str = option("starting G of the first U: 'metal' (free semicircle) or 'insulator' (Hubbard atom)", "metal",
                        check=choice(START_KINDS))
    n_iw: int = option("number of positive Matsubara frequencies (>= 8)", 1025, check=integer(8))
    n_tau: int = option("number of imaginary-time points of G_tau, 0 and beta included (>= 3)", 10001, check=integer(3))
    n_l: int = option("number of Legendre coefficients of G_l (>= 1)", 40, check=integer(1))

    @property
    def t(self) -> float:
        """Hopping ``t = D/2``."""
        return hopping(self.D)

    def chemical_potential(self, U: float) -> float:
        """``mu``, or ``U/2`` (half filling) when ``mu`` is None."""
        return 0.5 * U if self.mu is None else self.mu

    def matsubara(self) -> np.ndarray:
        """``i w_n = i (2n+1) pi / beta`` for ``n = -n_iw .. n_iw-1`` (TRIQS data order)."""
        return matsubara_freqs(self.beta, self.n_iw)


@dataclass(frozen=True, eq=False)
class BetheResult:
    """The outcome of a DMFT loop at one ``U`` (one spin component; the solution is paramagnetic).

    Attributes
    ----------
    U, mu : interaction and chemical potential.
    method : impurity solver used.
    converged : whether ``distance < tol`` was reached within ``max_iter`` iterations.
    n_iterations : number of impurity solves.
    distance : ``max_n |G_out - G_in|`` of the last iteration.
    history : distance of every iteration.
    Z : quasiparticle weight ``1 / (1 - Im Sigma(i w_0)/w_0)``.
    spectral_weight : ``-beta G(beta/2) / pi`` (the spectral function at the Fermi level as ``T -> 0``).
    double_occupancy : ``<n_up n_dn>`` (Galitskii-Migdal).
    density : occupation of one spin.
    time_per_solve : mean wall time of one impurity solve (s).
    n_fallbacks : solves that ``method="ml"`` handed to ED (0 for the other methods).
    g_iw, sigma_iw : ``G(iw_n)`` and ``Sigma(iw_n)`` of the last solve on the full mesh.
    g_tau : ``G(tau)`` of the last solve.
    """

    U: float
    mu: float
    method: str
    converged: bool
    n_iterations: int
    distance: float
    history: np.ndarray
    Z: float
    spectral_weight: float
    double_occupancy: float
    density: float
    time_per_solve: float
    n_fallbacks: int
    g_iw: np.ndarray
    sigma_iw: np.ndarray
    g_tau: np.ndarray

    def scalars(self) -> dict:
        """The scalar observables and loop figures as a dict (archive-storable)."""
        return {
            "U": self.U, "mu": self.mu, "method": self.method, "converged": self.converged,
            "n_iterations": self.n_iterations, "distance": self.distance, "Z": self.Z,
            "spectral_weight": self.spectral_weight, "double_occupancy": self.double_occupancy,
            "density": self.density, "time_per_solve": self.time_per_solve, "n_fallbacks": self.n_fallbacks,
        }


def starting_gf(start: str, params: BetheParameters, U: float) -> np.ndarray:
    """``G(iw_n)`` of a built-in start (``"metal"`` or ``"insulator"``, see the module) on the full mesh."""
    return lattice_starting_gf(start, params.matsubara(), params.chemical_potential(U), U, params.D)


def make_solver(params: BetheParameters) -> Solver:
    """A :class:`~triqs_mlsolver.solver.Solver` with the meshes of ``params`` and the single-band gf_struct."""
    return Solver(beta=params.beta, gf_struct=list(GF_STRUCT), n_iw=params.n_iw, n_tau=params.n_tau, n_l=params.n_l)


LOOP_CUTOFF_FRACTION = 0.1
"""Inside the loop, ``method="ed"`` keeps the eigenstates of Boltzmann weight above ``LOOP_CUTOFF_FRACTION * tol``
(unless ``boltzmann_cutoff`` is given): the dropped states change ``G(iw_n)`` by about twice that cutoff (measured
on 7-site metallic baths at beta = 50), a fifth of the tolerance, for 2-3 times fewer states than the Solver's
default ``1e-10``."""


def check_method_options(method: str, options: dict | None, tol: float | None = None) -> dict:
    """Validate ``options`` against the method's ``Options`` (before any work); return them as a dict.

    With the loop tolerance ``tol``, the ED Boltzmann cutoff follows it (:data:`LOOP_CUTOFF_FRACTION`; at most
    1e-2, for loose tolerances)."""
    options = dict(options or {})
    options_from_kwargs(method_class(method).Options, options, method)
    if method == "ed" and tol is not None:
        options.setdefault("boltzmann_cutoff", min(LOOP_CUTOFF_FRACTION * tol, 1e-2))
    return options


def _check_solver(solver: Solver, params: BetheParameters) -> None:
    names = [(str(name), int(size)) for name, size in solver.gf_struct]
    if names != list(GF_STRUCT):
        raise IncompatibleGfStructError(f"the solver has gf_struct {names}; the Bethe loop needs {list(GF_STRUCT)}.")
    mine = (params.beta, params.n_iw, params.n_tau, params.n_l)
    theirs = (solver.beta, solver.n_iw, solver.n_tau, solver.n_l)
    if mine != theirs:
        raise invalid_parameter(
            "solver", f"(beta, n_iw, n_tau, n_l) = {theirs}", f"those of the parameters, {mine}",
            "Build it with make_solver(params).",
        )


def _block_average(bgf) -> np.ndarray:
    return np.mean([np.asarray(g.data)[:, 0, 0] for _, g in bgf], axis=0)


def solve_bethe(
    U: float,
    params: BetheParameters,
    method: str = "ipt",
    options: dict | None = None,
    *,
    start: str | np.ndarray | None = None,
    solver: Solver | None = None,
    on_iteration: Callable[[int, Solver, float], None] | None = None,
) -> BetheResult:
    """Run the Bethe-lattice DMFT loop at interaction ``U`` with the impurity solver ``method``.

    Parameters
    ----------
    U : Hubbard interaction (``h_int = U n_up n_dn``), ``U >= 0``.
    params : loop parameters (temperature, bandwidth, mu, mixing, tolerance, meshes).
    method, options : impurity solver and its options (validated before the first iteration).
    start : ``"metal"``, ``"insulator"``, an array ``G(iw_n)`` on the full mesh (continuation), or
        None for ``params.start``.
    solver : a Solver from :func:`make_solver` to reuse (one is made otherwise); it holds the
        last iteration's ``G0_iw``, ``G_iw``, ``Sigma_iw``, ``G_tau``, ``G_l`` afterwards.
    on_iteration : called as ``on_iteration(k, solver, distance)`` after the solve of iteration ``k``
        (on every rank; the archive writer uses it on rank 0).

    A loop that reaches ``max_iter`` without ``distance < tol`` returns ``converged = False``
    and warns (:class:`~triqs_mlsolver.errors.NotConvergedWarning`, on rank 0).  Warnings of
    the impurity solver (a poor bath fit, ...) are caught at every iteration; those of the last
    one, which describe the returned solution, are issued once with ``U`` and the method, and
    the transient ones of earlier iterations are dropped.
    """
    U = nonnegative_float("U", U)
    options = check_method_options(method, options, params.tol)
    solver = make_solver(params) if solver is None else solver
    _check_solver(solver, params)
    mu = params.chemical_potential(U)
    iw = params.matsubara()
    if start is None or isinstance(start, str):
        g_in = starting_gf(params.start if start is None else start, params, U)
    else:
        g_in = np.array(start, dtype=complex)
        if g_in.shape != iw.shape or not np.all(np.isfinite(g_in)):
            raise invalid_parameter(
                "start", f"array of shape {g_in.shape}", f"'metal', 'insulator' or finite G(iw_n) of shape {iw.shape}"
            )
    h_int = U * number("up", 0) * number("down", 0)
    history, solve_time, converged, fallbacks = [], 0.0, False, 0
    for k in range(params.max_iter):
        g0 = weiss_field(g_in, iw, mu, params.D)
        for _, block in solver.G0_iw:
            block.data[:, 0, 0] = g0
        begin = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            solver.solve(h_int=h_int, method=method, **options)
        solve_time += time.perf_counter() - begin
        fallbacks += bool(solver.last_solve_info.get("fallback", False))
        g_out = _block_average(solver.G_iw)
        distance = float(np.max(np.abs(g_out - g_in)))
        history.append(distance)
        if on_iteration is not None:
            on_iteration(k, solver, distance)
        if distance < params.tol:
            converged = True
            break
        g_in = params.mixing * g_out + (1.0 - params.mixing) * g_in
    if world().is_master:
        _reissue(caught, U, method)
    if not converged and world().is_master:
        warnings.warn(
            f"Bethe DMFT with method {method!r} at U = {U:g} did not converge: distance {history[-1]:.2e} > "
            f"tol = {params.tol:g} after max_iter = {params.max_iter} iterations. Raise max_iter, lower the "
            "mixing, or continue from this solution (near a Mott transition convergence is slow).",
            NotConvergedWarning,
            stacklevel=2,
        )
    return _result(U, mu, method, params, solver, converged, history, solve_time, fallbacks)


def _reissue(caught, U: float, method: str) -> None:
    """Issue once the warnings of the last solve, which describe the returned solution."""
    seen = set()
    for record in caught:
        text = f"{record.message} [Bethe DMFT, method {method!r}, U = {U:g}, last iteration]"
        if (record.category, text) not in seen:
            seen.add((record.category, text))
            warnings.warn(text, record.category, stacklevel=3)


def _result(U, mu, method, params, solver, converged, history, solve_time, fallbacks) -> BetheResult:
    g_iw = _block_average(solver.G_iw)
    sigma_iw = _block_average(solver.Sigma_iw)
    g_tau = _block_average(solver.G_tau).real
    density = float(np.mean([np.real(rho[0, 0]) for rho in solver.density.values()]))
    return BetheResult(
        U=U,
        mu=mu,
        method=method,
        converged=converged,
        n_iterations=len(history),
        distance=history[-1],
        history=np.asarray(history),
        Z=quasiparticle_weight(sigma_iw, params.beta),
        spectral_weight=spectral_weight_at_fermi_level(g_tau, params.beta),
        double_occupancy=double_occupancy(sigma_iw, g_iw, params.beta, U, density),
        density=density,
        time_per_solve=solve_time / len(history),
        n_fallbacks=fallbacks,
        g_iw=g_iw,
        sigma_iw=sigma_iw,
        g_tau=g_tau,
    )
