"""Hubbard-I: the self-energy of the isolated atom, embedded by Dyson.

The local levels ``eps`` are the constant tail of ``iw - G0^-1(iw)``; the atom
``H_at = sum eps_ij d+_i d_j + h_int`` (any interaction, any number of orbitals) is
diagonalized exactly by the ED core, giving the atomic Green's function ``G_at`` as poles
and the atomic self-energy ``Sigma_at = iw - eps - G_at^-1``.  The impurity Green's function
is ``G = (G0^-1 - Sigma_at)^-1``.

triqs_hubbardI returns ``G_at`` itself as ``G_iw``; here it is ``g_iw_atomic`` (the
Solver's ``G_iw_atomic``), and ``atomic_gf=True`` makes ``G_iw``, ``G_tau`` and ``G_l`` the
atomic ones, as in triqs_hubbardI.  Real-frequency outputs are atomic in both cases
(``G0`` is known only on the Matsubara axis).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._options import Options, boolean, option, open_unit
from ..aim import AIM
from ..ed import EDOptions, diagonalize, evaluate_outputs
from .base import ImpurityProblem, SolverResult, register
from .dyson import densities, g_from_dyson, g_moments, imaginary_time_outputs, weiss_levels

__all__ = ["HubbardI"]


@dataclass(frozen=True)
class HubbardIOptions(Options):
    """Options of ``method="hubbard_i"``."""

    atomic_gf: bool = option(
        "return the atomic G as G_iw/G_tau/G_l (triqs_hubbardI convention) instead of the Dyson G", False,
        check=boolean())
    boltzmann_cutoff: float = option("relative Boltzmann weight below which atomic states are dropped", 1e-14,
                                     check=open_unit())


@register
class HubbardI:
    """Hubbard-I approximation on the ED core (no bath)."""

    name = "hubbard_i"
    Options = HubbardIOptions

    def solve(self, problem: ImpurityProblem, options: HubbardIOptions) -> SolverResult:
        start = time.perf_counter()
        iw = problem.iw()
        levels, delta1 = weiss_levels(problem.g0_iw, iw)
        atom = AIM(gf_struct=problem.gf_struct, h_loc=levels, h_int=problem.h_int)
        ed = diagonalize(atom, problem.beta, EDOptions(boltzmann_cutoff=options.boltzmann_cutoff))
        refreq = problem.refreq
        out = evaluate_outputs(ed, n_iw=problem.n_iw, n_tau=problem.n_tau if options.atomic_gf else None,
                               n_l=problem.n_l if options.atomic_gf else None,
                               w=None if refreq is None else refreq.values(), eta=None if refreq is None else refreq.eta)
        g_at = out.g_iw
        sigma = {}
        sigma0, sigma1 = {}, {}
        for name, size in problem.gf_struct:
            eye = np.eye(size)
            sigma[name] = iw[:, None, None] * eye - levels[name][None] - np.linalg.inv(g_at[name])
            m = ed.poles[name].moments(3)
            sigma0[name] = m[2] - levels[name]
            sigma1[name] = m[3] - m[2] @ m[2]

        if options.atomic_gf:
            g_iw, g_tau, g_l, density = g_at, out.g_tau, out.g_l, dict(out.density)
        else:
            g_iw = g_from_dyson(problem.g0_iw, sigma)
            moments = g_moments(levels, delta1, sigma0, sigma1)
            g_tau, g_l = imaginary_time_outputs(g_iw, problem.beta, problem.n_tau, problem.n_l, moments)
            density = densities(g_iw, problem.beta, moments)

        g_w, sigma_w = out.g_w, None
        if refreq is not None:
            z = refreq.values() + 1j * refreq.eta
            sigma_w = {
                name: z[:, None, None] * np.eye(size) - levels[name][None] - np.linalg.inv(g_w[name])
                for name, size in problem.gf_struct
            }

        info = {
            "local_levels": levels,
            "atomic_energy": ed.e0,
            "atomic_partition_function": ed.partition_function,
            "atomic_density": dict(ed.density),
            "sigma_moments": {name: np.stack([sigma0[name], sigma1[name]]) for name in sigma0},
            "hybridization_weight": delta1,
            "time_solve": time.perf_counter() - start,
        }
        return SolverResult(g_iw=g_iw, sigma_iw=sigma, g_tau=g_tau, g_l=g_l, density=density, g_w=g_w,
                            sigma_w=sigma_w, g_iw_atomic=g_at, info=info)
