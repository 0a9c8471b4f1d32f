"""The outputs of an exact-diagonalization result on given meshes.

The Green's function of an :class:`~triqs_mlsolver.ed.EDResult` is a sum of poles, so every
representation is exact, with no Fourier transform and no tail:

    G(iw_n) = sum_p R_p / (iw_n - E_p),   G(tau), G_l   (PoleGf.tau, PoleGf.legendre),
    G(w + i eta) on real frequencies,      rho_ij = <c+_j c_i> from the thermal sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from .result import EDResult

__all__ = ["EDOutputs", "evaluate_outputs"]


@dataclass(frozen=True, eq=False)
class EDOutputs:
    """Dicts block -> arrays, only those asked for (else None): ``g_iw`` ``(n_freq, n, n)``,
    ``g_tau`` ``(n_tau, n, n)``, ``g_l`` ``(n_l, n, n)``, ``g_w`` ``(n_w, n, n)``, ``density`` ``(n, n)``."""

    g_iw: dict | None
    g_tau: dict | None
    g_l: dict | None
    g_w: dict | None
    density: dict


def evaluate_outputs(ed: EDResult, *, iw: np.ndarray | None = None, n_iw: int | None = None, n_tau: int | None = None,
                     n_l: int | None = None, w: np.ndarray | None = None, eta: float | None = None, blocks=None,
                     mesh_beta: float | None = None) -> EDOutputs:
    """``G`` of ``ed`` on the meshes asked for, for ``blocks`` (default: all).

    The meshes are those of ``mesh_beta`` (default ``ed.beta``; at T = 0 a fictitious inverse
    temperature, as in zero-temperature ED-DMFT).  ``iw``: the given complex frequencies; or ``n_iw``:
    the full fermionic mesh ``n = -n_iw .. n_iw-1`` (evaluated on the positive half, the negative one
    by ``G(-iw_n) = G(iw_n)^+``).  ``n_tau`` points ``tau_k = k beta/(n_tau-1)``; ``n_l`` Legendre
    coefficients; ``w`` real frequencies at ``w + i eta``.
    """
    beta = ed.beta if mesh_beta is None else mesh_beta
    if not np.isfinite(beta) and (n_iw is not None or n_tau is not None or n_l is not None):
        raise InvalidParameterError("a zero-temperature result needs a finite mesh_beta for n_iw, n_tau or n_l.")
    names = list(ed.poles) if blocks is None else list(blocks)
    poles = {name: ed.poles[name] for name in names}
    if iw is not None and n_iw is not None:
        raise InvalidParameterError("give either iw or n_iw, not both.")
    if iw is not None:
        g_iw = {name: p.at(iw) for name, p in poles.items()}
    elif n_iw is not None:
        g_iw = {name: p.iw(beta, n_iw) for name, p in poles.items()}
    else:
        g_iw = None
    return EDOutputs(
        g_iw=g_iw,
        g_tau=None if n_tau is None else {name: p.tau(beta, n_tau) for name, p in poles.items()},
        g_l=None if n_l is None else {name: p.legendre(beta, n_l) for name, p in poles.items()},
        g_w=None if w is None else {name: p.refreq(w, eta) for name, p in poles.items()},
        density={name: ed.density[name] for name in names},
    )
