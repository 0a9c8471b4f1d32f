"""The particle-hole mirror of an exact-diagonalization result.

The transformation ``d_s -> d_s^+``, ``c_ks -> -c_ks^+`` maps a single-orbital Anderson model
``H`` (levels ``h_s``, interaction ``U n_up n_dn``, bath levels ``eps_ks``, hybridizations
``V_ks``) onto ``H' - C`` of its mirror (``h_s' = -h_s - U``, ``eps_ks' = -eps_ks``, same ``V``;
``C = -sum_s h_s - U - sum_ks eps_ks``): the same spectrum shifted by ``C``.  So the mirror's
result follows from the original without a second diagonalization:

    G'(z) = sum_p R_p^T / (z + E_p),      rho' = 1 - rho^T,
    <n'_a n'_b> = 1 - n_a - n_b + <n_a n_b>   (the diagonal <n_a n_a> = n_a included),
    E_0' = E_0 + C,  <H'> = <H> + C,  F' = F + C.

It equals a fresh solve of the mirror up to round-off and the Lanczos tolerances.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..poles import PoleGf
from .result import EDResult

__all__ = ["particle_hole_mirror"]


def particle_hole_mirror(ed: EDResult, shift: float) -> EDResult:
    """The result of the particle-hole mirrored Hamiltonian, whose spectrum is that of ``ed``'s
    shifted by ``shift = C`` (``-sum_s h_s - U - sum_ks eps_ks`` for a single-orbital AIM)."""
    poles = {b: PoleGf(-p.energies, np.swapaxes(p.residues, 1, 2)) for b, p in ed.poles.items()}
    density = {b: np.eye(rho.shape[0]) - rho.T for b, rho in ed.density.items()}
    n = ed.occupations
    pair = 1.0 - n[:, None] - n[None, :] + ed.double_occupancy
    return dataclasses.replace(ed, poles=poles, density=density, occupations=1.0 - n, double_occupancy=pair,
                               e0=ed.e0 + shift, energy=ed.energy + shift, free_energy=ed.free_energy + shift)
