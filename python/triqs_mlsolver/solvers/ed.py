"""``method="ed"``: the impurity with a discrete bath (its own, or one fitted to Delta(iw)) solved
exactly by the engine of :mod:`triqs_mlsolver.ed`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._options import Options, boolean, integer, open_unit, option, positive
from ..aim import AIM
from ..bath import BathFitOptions, fit_bath
from ..ed import MAX_BATH, EDOptions, diagonalize, evaluate_outputs
from .base import SolverResult, register
from .dyson import densities, g_from_dyson, g_moments, imaginary_time_outputs, invert, weiss_levels
from .dyson import hybridization as dyson_hybridization

__all__ = ["EDSolver", "EDSolverOptions"]


@dataclass(frozen=True)
class EDSolverOptions(Options):
    """Options of ``method="ed"`` (the impurity problem's discrete bath, or a fitted one, solved exactly)."""

    n_bath: int = option("bath levels per block fitted to Delta(iw) (unused when the problem carries its own bath)", 4,
                         check=integer(0, MAX_BATH))
    symmetric_bath: bool = option("fit a particle-hole symmetric bath (levels in +-eps pairs)", False, check=boolean())
    n_restarts: int = option("random restarts of the bath fit", 5, check=integer(1))
    seed: int = option("seed of the bath fit and of the Lanczos start vectors", 0, check=integer(0, 2**63 - 1))
    boltzmann_cutoff: float = option("keep every eigenstate with exp(-beta (E - E0)) above this", 1e-10,
                                     check=open_unit())
    max_memory_gb: float = option("refuse (ResourceLimitError) a calculation whose estimated memory exceeds this", 4.0,
                                  check=positive())
    n_states_max: int = option("largest number of kept eigenstates of Lanczos sectors (hot, large baths need more)",
                               1000, check=integer(1))
    zero_temperature: bool = option("T = 0: the ground-state manifold only (degenerate ground states averaged); "
                                    "the Solver's beta is then a fictitious one that only sets the meshes",
                                    False, check=boolean())
    warm_start: bool = option("start the bath fit from the previous solve's bath (inside a DMFT loop); the "
                              "restarts run only when that fit is poor", False, check=boolean())

    def ed_options(self, real_frequencies: bool = True) -> EDOptions:
        """The engine's options; without real-frequency outputs its poles need only be exact on the
        Matsubara axis (``dense_targets=False``)."""
        return EDOptions(boltzmann_cutoff=self.boltzmann_cutoff, max_memory_gb=self.max_memory_gb, seed=self.seed,
                         n_states_max=self.n_states_max, dense_targets=real_frequencies)


@register
class EDSolver:
    """Exact diagonalization of the impurity with a discrete bath.

    With an explicit bath (``problem.aim``) its ED Green's function is returned exactly
    (``G(tau)``, ``G_l``, the density from the poles).  Otherwise ``n_bath`` levels per block
    are fitted to ``Delta(iw) = iw - eps - G0^-1(iw)`` (:func:`~triqs_mlsolver.bath.fit_bath`),
    the fitted model is diagonalized, and its self-energy
    ``Sigma = G0_fit^-1 - G_ED^-1`` gives the impurity ``G = (G0^-1 - Sigma)^-1`` of the
    actual ``G0`` (as cthyb returns it); ``G(tau)``, ``G_l`` and the density use the exact
    moments of ``G``.  Real-frequency outputs are those of the fitted model.  With
    ``zero_temperature`` the ground states alone enter, and ``beta`` only sets the meshes.
    """

    name = "ed"
    Options = EDSolverOptions

    def solve(self, problem, options: EDSolverOptions):
        start = time.perf_counter()
        beta, iw = problem.beta, problem.iw()
        names = [name for name, _ in problem.gf_struct]
        levels, delta1 = weiss_levels(problem.g0_iw, iw)
        info = {}
        if problem.aim is not None:
            aim = problem.aim
        else:
            delta = dyson_hybridization(problem.g0_iw, iw, levels)
            fit_options = BathFitOptions(symmetric=bool(options.symmetric_bath), n_restarts=options.n_restarts,
                                         seed=options.seed)
            fit = fit_bath(delta, beta, options.n_bath, options=fit_options,
                           start=problem.bath_start if options.warm_start else None)
            aim = AIM(gf_struct=problem.gf_struct, h_loc=levels, h_int=problem.h_int, bath=fit.bath)
            info.update({"bath_distance": fit.distance,
                         "bath_starts": dict(fit.restarts),
                         "bath_eps": {n: aim.bath[n].eps for n in names},
                         "bath_V": {n: aim.bath[n].V for n in names}})
        refreq = problem.refreq
        ed = diagonalize(aim, np.inf if options.zero_temperature else beta, options.ed_options(refreq is not None))
        exact = problem.aim is not None
        out = evaluate_outputs(ed, n_iw=problem.n_iw, n_tau=problem.n_tau if exact else None,
                               n_l=problem.n_l if exact else None, w=None if refreq is None else refreq.values(),
                               eta=None if refreq is None else refreq.eta, mesh_beta=beta)
        g_ed = out.g_iw
        g0_fit_inv, g_ed_inv = invert(aim.g0(iw)), invert(g_ed)
        sigma = {name: g0_fit_inv[name] - g_ed_inv[name] for name in names}
        if exact:
            g_iw, g_tau, g_l, density = g_ed, out.g_tau, out.g_l, dict(out.density)
        else:
            g_iw = g_from_dyson(problem.g0_iw, sigma)
            sigma0, sigma1 = {}, {}
            for name in names:
                m = ed.poles[name].moments(3)
                v = aim.bath[name].V
                sigma0[name] = m[2] - levels[name]
                sigma1[name] = m[3] - m[2] @ m[2] - v @ v.conj().T
            moments = g_moments(levels, delta1, sigma0, sigma1)
            g_tau, g_l = imaginary_time_outputs(g_iw, beta, problem.n_tau, problem.n_l, moments)
            density = densities(g_iw, beta, moments)
        g_w, sigma_w, g0_w = out.g_w, None, None
        if refreq is not None:
            g0_w = aim.g0(refreq.values() + 1j * refreq.eta)
            sigma_w = {name: np.linalg.inv(g0_w[name]) - np.linalg.inv(g_w[name]) for name in names}
        info.update({
            "energy": ed.energy,
            "free_energy": ed.free_energy,
            "e0": ed.e0,
            "double_occupancy": ed.double_occupancy,
            "n_states_kept": ed.n_states_kept,
            "n_bath": {name: aim.bath[name].n_bath for name in names},
            "time_ed": ed.timings["total"],
            "time_solve": time.perf_counter() - start,
        })
        return SolverResult(g_iw=g_iw, sigma_iw=sigma, g_tau=g_tau, g_l=g_l, density=density, g_w=g_w,
                            sigma_w=sigma_w, g0_w=g0_w, info=info)
