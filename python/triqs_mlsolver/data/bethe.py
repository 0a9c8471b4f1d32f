"""Samples visited by short ED-DMFT loops on the Bethe lattice.

For a semicircular density of states of half bandwidth ``D`` (hopping ``t = D/2``) the DMFT
self-consistency is ``Delta(iw) = t^2 G(iw)``, i.e. ``G0^-1 = iw + mu - t^2 G``
(:mod:`triqs_mlsolver.lattice`).  A loop at
``(U, beta, mu = U/2 + mu_shift, start)`` runs

    G_(-1) = start,   for j = 0 .. n_iterations-1:
        Delta_j = t^2 G_(j-1)  ->  fit Nb_ref bath sites (eps_k, V_k)  ->  sample j = AIM(U, eps_d = -mu, bath)
        G_new = reference ED of sample j,   G_j = mixing G_new + (1 - mixing) G_(j-1)

on the ``n_iw_solve`` Matsubara frequencies.  The starts are those of
:func:`triqs_mlsolver.lattice.starting_gf`: the free lattice at ``z = iw + mu - U/2`` (the
Hartree shift of half filling; "metal", whose Delta is the non-interacting Bethe hybridization)
and the atomic ``G = 1/2 (1/(iw + mu) + 1/(iw + mu - U))`` ("insulator"), so both sides of the
Mott coexistence region are visited.  The loop is
deterministic (the fit's restarts use ``fit.seed``), so every iteration is the same sample on
every rank and after a resume.
"""

from __future__ import annotations

import itertools
import time
import warnings
from typing import Iterator

import numpy as np

from ..bath import fit_bath
from ..errors import BathFitWarning, SolverFailedError
from ..ed import EDResult
from ..lattice import hybridization, starting_gf
from ..transforms import matsubara_freqs
from .config import BetheFamily, DatasetConfig
from .sampling import Sample
from .solve import solve_reference

__all__ = ["loop_parameters", "bethe_loop"]

LEVEL_LIMIT = 10.0
"""A fitted bath level beyond LEVEL_LIMIT * (D + |mu| + U) means the fit ran away: the loop stops there."""


def loop_parameters(fam: BetheFamily, loop: int) -> tuple[float, float, float, str]:
    """``(U, beta, mu_shift, start)`` of loop number ``loop`` (product order of the lists)."""
    return list(itertools.product(fam.U, fam.beta, fam.mu_shift, fam.starts))[loop]


def _checked_bath(fit, limit: float, iteration: int) -> tuple[np.ndarray, np.ndarray]:
    """The fitted levels and hybridizations; a fit that ran away (levels beyond ``limit``) stops the loop."""
    block = next(iter(fit.bath.values()))
    eps_k, V_k = block.eps, np.abs(block.V[0])
    if not (np.all(np.isfinite(eps_k)) and np.all(np.isfinite(V_k))) or np.abs(eps_k).max() > limit:
        raise SolverFailedError(
            f"the bath fit of iteration {iteration} is unphysical: levels {np.array2string(eps_k, precision=3)} "
            f"(allowed |eps_k| <= {limit:.3g}); V_k {np.array2string(V_k, precision=3)}."
        )
    return eps_k, V_k


def bethe_loop(fam: BetheFamily, cfg: DatasetConfig, loop: int, first_index: int,
               ) -> Iterator[tuple[Sample, EDResult | BaseException, float, list]]:
    """Run loop ``loop``; yield ``(sample, reference or exception, reference time, warnings)`` per iteration.

    A failed reference ends the loop (the next Delta is unknown): the caller marks the remaining
    iterations failed.
    """
    U, beta, shift, start = loop_parameters(fam, loop)
    mu = 0.5 * U + shift
    n_bath = cfg.reference.n_bath
    iw = matsubara_freqs(beta, cfg.output.n_iw_solve)
    g = starting_gf(start, iw, mu, U, fam.D)
    for j in range(fam.n_iterations):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BathFitWarning)  # the distance is stored with the sample
            fit = fit_bath(hybridization(g, fam.D).reshape(-1, 1, 1), beta, n_bath, options=fam.fit)
        eps_k, V_k = _checked_bath(fit, LEVEL_LIMIT * (fam.D + abs(mu) + U), j)
        params = {"beta": beta, "U": U, "eps_d": -mu, "field": 0.0, "mirrored": 0.0, "D": fam.D, "mu": mu,
                  "iteration": float(j), "start": float(start == "insulator"), "fit_distance": fit.distance,
                  "hybridization": float(np.sum(V_k ** 2))}
        sample = Sample(first_index + j, "bethe", beta, U, np.array([-mu, -mu]), np.tile(eps_k, (2, 1)),
                        np.tile(V_k, (2, 1)), params)
        begin = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                ref = solve_reference(sample, cfg)
            except Exception as exc:  # recorded with the sample; the loop cannot go on
                ref = exc
        yield sample, ref, time.perf_counter() - begin, caught
        if isinstance(ref, BaseException):
            return
        g_new = 0.5 * (ref.poles["up"].at(iw) + ref.poles["down"].at(iw))[:, 0, 0]
        g = fam.mixing * g_new + (1.0 - fam.mixing) * g
