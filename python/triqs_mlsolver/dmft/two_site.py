"""Two-site DMFT of the half-filled Bethe lattice (Potthoff, Phys. Rev. B 64, 165114 (2001)).

The impurity couples to one bath level ``eps_c = 0`` (half filling) by ``V``; instead of a
least-squares fit of ``Delta(iw)``, the bath is updated by the low-energy self-consistency

    V^2 = Z t^2,     Z = 1 / (1 - Im Sigma(i w_0) / w_0),   t = D/2,

which gives ``V`` the weight of the quasiparticle pole of ``Delta = t^2 G``.  At T -> 0 the two-site
model has ``Sigma'(0) = -U^2/(36 V^2)``, so the fixed point is ``Z = 1 - (U/U_c)^2``, ``U_c = 3 D``.
Each iteration is one ED solve (the package's core) of the two-site AIM
``H = U n_up n_dn - (U/2) n_d + V sum_s (d+_s c_s + h.c.)`` at ``params.beta``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .._validation import nonnegative_float
from ..aim import AIM
from ..ed import diagonalize, evaluate_outputs
from ..errors import NotConvergedWarning, invalid_parameter
from ..parallel import world
from .bethe import BetheParameters, BetheResult
from .observables import spectral_weight_at_fermi_level

__all__ = ["solve_two_site"]


def solve_two_site(U: float, params: BetheParameters) -> BetheResult:
    """Two-site DMFT at interaction ``U`` (half filling): iterate ``V <- t sqrt(Z)`` from ``V = t``.

    Converged when ``|V_new - V| < params.tol`` within ``params.max_iter`` iterations; ``distance``
    and ``history`` hold ``|V_new - V|``.  When the metal is gone (``U >= 3 D``) ``Z`` and ``V`` flow to
    zero: the loop reaches the insulating fixed point ``V = 0`` (``Z`` of order ``w_0^2 / U^2``).
    Uses ``beta``, ``D``, ``tol``, ``max_iter``, ``n_iw`` and ``n_tau`` of ``params``; the bath rule
    replaces ``mixing`` and ``start``.  Warns (NotConvergedWarning) when ``max_iter`` is reached.
    """
    U = nonnegative_float("U", U)
    if params.mu is not None and params.mu != 0.5 * U:
        raise invalid_parameter("params.mu", params.mu, f"None or U/2 = {0.5 * U:g} (two-site DMFT at half filling)")
    iw = params.matsubara()
    w0 = np.pi / params.beta
    V, history, begin = params.t, [], time.perf_counter()
    for _ in range(params.max_iter):
        aim = AIM.single_orbital(U, -0.5 * U, [0.0], [V])
        ed = diagonalize(aim, params.beta)
        g = ed.poles["up"].at(np.array([1j * w0]))[0, 0, 0]
        sigma = 1j * w0 + 0.5 * U - V * V / (1j * w0) - 1.0 / g
        Z = 1.0 / (1.0 - sigma.imag / w0)
        V_new = params.t * np.sqrt(Z)
        history.append(abs(V_new - V))
        V = V_new
        if history[-1] < params.tol:
            break
    if history[-1] >= params.tol and world().is_master:
        warnings.warn(
            f"two-site DMFT at U = {U:g} did not converge: |dV| = {history[-1]:.2e} > tol = {params.tol:g} after "
            f"max_iter = {params.max_iter} iterations (convergence is slow near U_c = 3 D). Raise max_iter.",
            NotConvergedWarning,
            stacklevel=2,
        )
    solve_time = (time.perf_counter() - begin) / len(history)
    aim = AIM.single_orbital(U, -0.5 * U, [0.0], [V])
    ed = diagonalize(aim, params.beta)
    exact = evaluate_outputs(ed, iw=iw, n_tau=params.n_tau, blocks=["up"])
    g_iw = exact.g_iw["up"][:, 0, 0]
    g0_iw = 1.0 / (iw + 0.5 * U - V * V / iw)  # the AIM's G0: eps_d = -U/2, Delta = V^2/iw
    sigma_iw = 1.0 / g0_iw - 1.0 / g_iw
    g_tau = exact.g_tau["up"][:, 0, 0].real
    return BetheResult(
        U=U,
        mu=0.5 * U,
        method="ed_two_site",
        converged=history[-1] < params.tol,
        n_iterations=len(history),
        distance=history[-1],
        history=np.asarray(history),
        Z=float(1.0 / (1.0 - sigma_iw[params.n_iw].imag / w0)),
        spectral_weight=spectral_weight_at_fermi_level(g_tau, params.beta),
        double_occupancy=float(ed.double_occupancy[0, 1]),
        density=float(np.real(exact.density["up"][0, 0])),
        time_per_solve=solve_time,
        n_fallbacks=0,
        g_iw=g_iw,
        sigma_iw=sigma_iw,
        g_tau=g_tau,
    )
