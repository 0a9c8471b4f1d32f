"""Iterated perturbation theory (IPT) for one orbital with ``h_int = U n_up n_dn``.

The self-energy is second order in ``U`` around an auxiliary Weiss field with a shifted level,
``G~_s(iw) = 1/(iw - eps0_s - Delta_s(iw))`` (``Delta_s`` the hybridization of ``G0_s``):

    S_s(tau) = U^2 G~_s(tau) G~_-s(tau) G~_-s(beta - tau)          (second-order diagram)
    Sigma_s  = U n_-s + A_s S_s / (1 - B_s S_s)                     (Kajueter-Kotliar interpolation)
    A_s = n_-s (1 - n_-s) / (n0_-s (1 - n0_-s)),   B_s = ((1 - n_-s) U + eps_s - eps0_s) / (n0_-s (1 - n0_-s) U^2)

with ``n`` the densities of ``G = (G0^-1 - Sigma)^-1``, ``n0`` those of ``G~`` and ``eps_s`` the levels of
``G0_s``.  ``A`` gives the exact moment ``Sigma_1 = U^2 n(1-n)``, ``B`` the exact atomic limit.  The free
level ``eps0_s`` (``mu0 = -eps0``) is fixed by ``n0 = n``, which makes ``A = 1``; it is found inside the
solve with a bracketing root search on ``n`` (two spins with different ``G0``: a 2-d Powell-hybrid
solve, with a nested bracketing fallback).  When the problem is particle-hole symmetric
(``Re G0_s^-1(iw) = U/2``: ``eps + U/2 = 0`` and ``Re Delta = 0``) the exact half-filled form is used
instead: ``eps0 = 0``, ``B = 0``, ``S(tau) = U^2 G~(tau)^3`` with ``G~(tau) = G~(beta - tau)``,
``Re G~ = Re G = 0`` and ``Sigma = U/2 + i Im S`` imposed exactly.  See ``doc/ipt.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from .._options import Options, integer, option, optional, positive
from ..errors import IncompatibleGfStructError, SolverFailedError, invalid_parameter
from ..transforms import fit_tail, iw_to_legendre, iw_to_tau, tau_to_iw
from .base import ImpurityProblem, SolverResult, one_orbital_interaction, register
from .dyson import stitch_sigma_tail

__all__ = ["IPTOptions", "IPTSolver"]

DENSITY_FLOOR = 1e-10
"""Densities are searched in ``[DENSITY_FLOOR, 1 - DENSITY_FLOOR]``: a channel emptier (fuller) than this is
pinned to the bound, which changes Sigma by at most ``|U| DENSITY_FLOOR``."""
PH_ROUNDOFF = 1e-11
"""Detection of particle-hole symmetry: ``max |Re G0^-1 - U/2| <= PH_ROUNDOFF * max(1, |U|, max |G0^-1|)``."""
PH_IMPOSE_LIMIT = 1e-6
"""``particle_hole_symmetric=True`` refuses problems whose asymmetry (same measure) exceeds this."""
TAU_POINTS_PER_FREQUENCY = 4
"""The diagram ``S(tau)`` is formed on ``TAU_POINTS_PER_FREQUENCY * n_iw`` intervals (rounded up to a power of 2)."""
DEFAULT_MATCH_FRACTION = 0.5
"""Default ``tail_match_frequency``: this fraction of the largest Matsubara frequency."""


def _none_or_bool(name: str, value: object, error: type) -> bool | None:
    if value is not None and not isinstance(value, (bool, np.bool_)):
        raise invalid_parameter(name, value, "None, True or False", error=error)
    return None if value is None else bool(value)


@dataclass(frozen=True)
class IPTOptions(Options):
    """Options of the IPT solver (``method="ipt"``)."""

    particle_hole_symmetric: bool | None = option(
        "use the exact half-filled form: None detects it (round-off), True imposes it, False never", None,
        check=_none_or_bool)
    density_tolerance: float = option("tolerance on the density n = n0 that fixes the auxiliary level mu0", 1e-10,
                                      check=positive())
    max_iterations: int = option("maximum number of second-order evaluations in the search for mu0", 100,
                                 check=integer(1))
    tail_match_frequency: float | None = option(
        "|w_n| above which Sigma is blended into its moment expansion (None: half the largest w_n)", None,
        check=optional(positive()))


class _Channels(NamedTuple):
    """The two spin-orbitals as scalar functions: columns of ``(2 n_iw, S)`` arrays (``S = 1`` when equal)."""

    beta: float
    iw: np.ndarray  # (2 n_iw,)
    g0_inv: np.ndarray  # (2 n_iw, S): G0_s^-1 - h_s
    eps: np.ndarray  # (S,) levels of g0_inv
    delta1: np.ndarray  # (S,) weights of the hybridizations, Delta_s ~ delta1_s/(iw)
    h: np.ndarray  # (S,) one-body part of h_int
    u: float

    @property
    def opposite(self) -> np.ndarray:
        return np.array([0]) if self.g0_inv.shape[1] == 1 else np.array([1, 0])


class _State(NamedTuple):
    """One evaluation of the Kajueter-Kotliar self-energy for given auxiliary levels."""

    eps0: np.ndarray  # (S,)
    n0: np.ndarray  # (S,) densities of G~
    sigma: np.ndarray  # (2 n_iw, S) without the one-body part h
    n: np.ndarray  # (S,) densities of G


@register
class IPTSolver:
    """IPT: second order around the auxiliary Weiss field; exact half-filled form or Kajueter-Kotliar."""

    name = "ipt"
    Options = IPTOptions

    def solve(self, problem: ImpurityProblem, options: IPTOptions | None = None) -> SolverResult:
        options = IPTOptions() if options is None else options
        if problem.refreq is not None:
            raise invalid_parameter(
                "refreq", problem.refreq, "None for method 'ipt'",
                "IPT knows the Weiss field only on the Matsubara axis, so it has no real-frequency output: "
                "solve without calc_gw, or use method='ed' (or 'hubbard_i') for G_w.",
            )
        ch = _channels(problem)
        occupation = _Occupation(ch.iw, ch.beta)
        symmetric = _use_half_filled_form(ch, options.particle_hole_symmetric)
        w_match = options.tail_match_frequency or DEFAULT_MATCH_FRACTION * float(ch.iw.imag.max())
        if ch.u == 0.0:
            n0 = occupation(1.0 / ch.g0_inv, ch.eps, ch.eps**2 + ch.delta1)
            state, evaluations = _State(ch.eps, n0, np.zeros_like(ch.g0_inv), n0), 0
        elif symmetric:
            state, evaluations = _half_filled(ch), 1
        else:
            state, evaluations = _kajueter_kotliar(ch, occupation, options)
        sigma, g, moments = _finish(ch, state, w_match, symmetric)
        return _result(problem, ch, occupation, state, sigma, g, moments, symmetric, evaluations)


# -- the problem -------------------------------------------------------------------------------------
def _unsupported(what: str) -> IncompatibleGfStructError:
    return IncompatibleGfStructError(
        f"{what}: IPT supports one orbital with two spins, gf_struct [('up', 1), ('down', 1)] or one diagonal "
        "2x2 block, and h_int = U n_up n_dn (plus optional diagonal one-body terms). Use method='ed' otherwise."
    )


def _channels(problem: ImpurityProblem) -> _Channels:
    sizes = [size for _, size in problem.gf_struct]
    if sizes == [1, 1]:
        g0 = np.stack([problem.g0_iw[name][:, 0, 0] for name, _ in problem.gf_struct], axis=1)
    elif sizes == [2]:
        block = problem.g0_iw[problem.gf_struct[0][0]]
        off = max(np.abs(block[:, 0, 1]).max(), np.abs(block[:, 1, 0]).max())
        if off > 1e-12 * np.abs(block).max():
            raise _unsupported(f"the 2x2 block of G0_iw has off-diagonal elements up to {off:.3e}")
        g0 = np.stack([block[:, 0, 0], block[:, 1, 1]], axis=1)
    else:
        raise _unsupported(f"gf_struct = {list(problem.gf_struct)}")
    if problem.h_int.n_orbitals != 2:
        raise _unsupported(f"h_int acts on {problem.h_int.n_orbitals} spin-orbitals")
    u, h = one_orbital_interaction(problem.h_int, "IPT")
    if np.array_equal(g0[:, 0], g0[:, 1]) and h[0] == h[1]:
        g0, h = g0[:, :1], h[:1]
    iw = problem.iw()
    g0_inv = 1.0 / g0 - h[None, :]
    moments, _ = fit_tail(iw[:, None] - g0_inv, iw)
    return _Channels(problem.beta, iw, g0_inv, moments[0].real, moments[1].real, h, u)


def _asymmetry(ch: _Channels) -> float:
    """``max |Re G0^-1 - U/2|`` relative to ``max(1, |U|, max |G0^-1|)``: zero for a particle-hole symmetric problem."""
    scale = max(1.0, abs(ch.u), float(np.abs(ch.g0_inv).max()))
    return float(np.abs(ch.g0_inv.real - 0.5 * ch.u).max()) / scale


def _use_half_filled_form(ch: _Channels, requested: bool | None) -> bool:
    if requested is False:
        return False
    asymmetry = _asymmetry(ch)
    if requested is None:
        return asymmetry <= PH_ROUNDOFF
    if asymmetry > PH_IMPOSE_LIMIT:
        raise invalid_parameter(
            "particle_hole_symmetric", True, f"only for problems with max|Re G0^-1 - U/2| / scale <= {PH_IMPOSE_LIMIT}",
            f"This problem has {asymmetry:.3e} (levels eps = {ch.eps.tolist()}, U/2 = {0.5 * ch.u}): "
            "set mu = U/2 with a symmetric bath, or leave particle_hole_symmetric=None.",
        )
    return True


# -- the self-energy ---------------------------------------------------------------------------------
class _Occupation:
    """``n = -G(beta-)`` for columns of scalar ``G`` with known moments ``m1 = 1``, ``m2``, ``m3``.

    ``n = (1/beta) sum_n Re R(iw_n) + 1/2 - beta m2/4 + m4 T4`` with ``R = G - 1/iw - m2/(iw)^2 - m3/(iw)^3``
    summed over the mesh (the formula of ``transforms.density_from_iw``) plus the part of the ``m4/(iw)^4``
    tail beyond the mesh, ``T4 = beta^3/48 - (1/beta) sum_mesh 1/w_n^4``, with ``m4 = Re R(iw_max) w_max^4``
    read off the last frequency.  The correction lowers the truncation error from ``|m4| beta^3/(24 pi^4 n_iw^3)``
    (4e-7 |m4| at beta = 100, n_iw = 1025) to the order ``m6``; the powers of ``1/iw`` are computed once, as the
    root searches call this hundreds of times per solve.
    """

    def __init__(self, iw: np.ndarray, beta: float):
        self.beta = beta
        self.p1, self.p2, self.p3 = (1.0 / iw)[:, None], (1.0 / iw**2)[:, None], (1.0 / iw**3)[:, None]
        self.w4 = float(iw.imag.max()) ** 4
        self.t4 = beta**3 / 48.0 - float(np.sum(1.0 / iw.imag**4)) / beta

    def __call__(self, g: np.ndarray, m2: np.ndarray, m3: np.ndarray) -> np.ndarray:
        rest = (g - self.p1 - m2 * self.p2 - m3 * self.p3).real
        m4 = rest[-1] * self.w4
        return rest.sum(axis=0) / self.beta + 0.5 - 0.25 * self.beta * m2 + m4 * self.t4


def _tau_intervals(n_iw: int) -> int:
    return 1 << int(np.ceil(np.log2(TAU_POINTS_PER_FREQUENCY * n_iw)))


def _second_order(ch: _Channels, g_aux: np.ndarray, eps0: np.ndarray, symmetric: bool = False) -> np.ndarray:
    """``S_s(iw)`` from ``S_s(tau) = U^2 G~_s(tau) G~_-s(tau) G~_-s(beta - tau)`` (exact tail of ``G~`` in the FFT)."""
    moments = np.stack([np.zeros_like(eps0), np.ones_like(eps0), eps0, eps0**2 + ch.delta1]).astype(complex)
    n_iw = ch.iw.size // 2
    g_tau = iw_to_tau(g_aux, ch.beta, _tau_intervals(n_iw) + 1, moments=moments)
    if symmetric:
        g_tau = 0.5 * (g_tau + g_tau[::-1]).real
    other = g_tau[:, ch.opposite]
    return tau_to_iw(ch.u**2 * g_tau * other * other[::-1], ch.beta, n_iw)


def _half_filled_weiss(ch: _Channels) -> np.ndarray:
    """``Im G~`` of the Hartree-shifted Weiss field ``G~ = (G0^-1 - U/2)^-1``; its real part is set to exactly zero."""
    return (1.0 / (ch.g0_inv - 0.5 * ch.u)).imag


def _half_filled(ch: _Channels) -> _State:
    """``Sigma = U/2 + i Im S`` with ``S(tau) = U^2 G~(tau)^3`` (symmetrized in ``tau``) and ``G~`` purely imaginary."""
    zero = np.zeros_like(ch.eps)
    s2 = _second_order(ch, 1j * _half_filled_weiss(ch), zero, symmetric=True)
    half = np.full_like(ch.eps, 0.5)
    return _State(zero, half, 0.5 * ch.u + 1j * s2.imag, half)


def _kajueter_kotliar(ch: _Channels, occupation: _Occupation, options: IPTOptions) -> tuple[_State, int]:
    """Solve ``n(G) = n0(G~)`` for the auxiliary levels; returns the state there and the number of evaluations."""
    tol, max_it = options.density_tolerance, options.max_iterations
    scale = 1.0 + abs(ch.u) + float(np.sqrt(np.abs(ch.delta1).max()))
    states: dict[tuple, _State] = {}
    guess = [ch.eps + 0.5 * ch.u]

    def aux_level(s: int, n_target: float, start: float) -> float:
        def excess(e: float) -> float:
            g = 1.0 / (ch.g0_inv[:, s] + ch.eps[s] - e)
            return float(occupation(g[:, None], np.array([e]), np.array([e * e + ch.delta1[s]]))[0]) - n_target

        return _decreasing_root(excess, start, 0.1 * scale, -np.inf, np.inf, 1e-14 * scale, 200)

    def evaluate(n: np.ndarray) -> _State:
        key = tuple(np.round(n, 15))
        if key not in states:
            if len(states) >= max_it:
                raise SolverFailedError(
                    f"IPT: no auxiliary level mu0 with n = n0 within {max_it} evaluations (last densities "
                    f"{n.tolist()}); raise max_iterations or density_tolerance (now {tol})."
                )
            eps0 = np.array([aux_level(s, n[s], guess[-1][s]) for s in range(n.size)])
            guess.append(eps0)
            states[key] = _kajueter_kotliar_sigma(ch, occupation, eps0)
        return states[key]

    def residual(n: np.ndarray) -> np.ndarray:
        state = evaluate(n)
        return state.n - state.n0

    lo, hi = DENSITY_FLOOR, 1.0 - DENSITY_FLOOR  # start: density of the Weiss field shifted by U/2
    start = np.clip(occupation(1.0 / (ch.g0_inv - 0.5 * ch.u), ch.eps + 0.5 * ch.u,
                               (ch.eps + 0.5 * ch.u) ** 2 + ch.delta1), lo, hi)
    if start.size == 1:
        f0 = residual(start)[0]
        root = _decreasing_root(lambda x: residual(np.array([x]))[0], start[0], max(abs(f0), tol), lo, hi, tol, max_it)
        state = evaluate(np.array([root]))
    else:
        state = _solve_two_spins(residual, evaluate, start, lo, hi, tol, max_it)
    return state, len(states)


def _kajueter_kotliar_sigma(ch: _Channels, occupation: _Occupation, eps0: np.ndarray) -> _State:
    """``Sigma_s = U n0_-s + S_s/(1 - B_s S_s)`` (``A = 1``: ``n`` is identified with ``n0``) and the density of G."""
    g_aux = 1.0 / (ch.g0_inv + ch.eps - eps0)
    n0 = occupation(g_aux, eps0, eps0**2 + ch.delta1)
    s2 = _second_order(ch, g_aux, eps0)
    n_other = n0[ch.opposite]
    weight = n_other * (1.0 - n_other)
    b = ((1.0 - n_other) * ch.u + ch.eps - eps0) / (weight * ch.u**2)
    sigma = ch.u * n_other + s2 / (1.0 - b * s2)
    m2 = ch.eps + ch.u * n_other
    n = occupation(1.0 / (ch.g0_inv - sigma), m2, m2**2 + ch.delta1 + ch.u**2 * weight)
    return _State(eps0, n0, sigma, n)


def _solve_two_spins(residual, evaluate, start, lo, hi, tol, max_it) -> _State:
    """2-d root of ``n(G) - n0`` (spin-resolved ``G0``): Powell hybrid, then nested bracketing if that fails."""
    from scipy.optimize import root

    def clipped(x: np.ndarray) -> np.ndarray:
        return residual(np.clip(x, lo, hi)) - (x - np.clip(x, lo, hi))

    found = root(clipped, start, method="hybr", options={"xtol": tol, "maxfev": max_it})
    x = np.clip(found.x, lo, hi)
    if np.abs(residual(x)).max() <= 10.0 * tol:
        return evaluate(x)

    def inner(n_up: float) -> float:
        f = lambda n_dn: residual(np.array([n_up, n_dn]))[1]  # noqa: E731
        return _decreasing_root(f, x[1], max(abs(f(x[1])), tol), lo, hi, tol, max_it)

    outer = lambda n_up: residual(np.array([n_up, inner(n_up)]))[0]  # noqa: E731
    n_up = _decreasing_root(outer, x[0], max(abs(outer(x[0])), tol), lo, hi, tol, max_it)
    return evaluate(np.array([n_up, inner(n_up)]))


def _decreasing_root(f: Callable[[float], float], x0: float, step: float, lo: float, hi: float, xtol: float,
                     max_steps: int) -> float:
    """Root of a decreasing ``f`` on ``[lo, hi]``: march from ``x0`` with doubling steps to a sign change, then Brent.

    Returns the bound when ``f`` keeps its sign up to it (the root lies beyond the allowed range).
    """
    from scipy.optimize import brentq

    cache: dict[float, float] = {}

    def value(x: float) -> float:
        if x not in cache:
            cache[x] = f(x)
        return cache[x]

    a, fa = x0, value(x0)
    if fa == 0.0:
        return a
    direction = 1.0 if fa > 0 else -1.0
    for _ in range(max_steps):
        b = float(np.clip(a + direction * step, lo, hi))
        fb = value(b)
        if fb == 0.0 or (fb > 0) != (fa > 0):
            return brentq(value, min(a, b), max(a, b), xtol=xtol, maxiter=max_steps)
        if b in (lo, hi):
            return b
        a, fa, step = b, fb, 2.0 * step
    raise SolverFailedError(f"IPT: no sign change of the density condition within {max_steps} steps from {x0}.")


# -- outputs -----------------------------------------------------------------------------------------
def _finish(ch: _Channels, state: _State, w_match: float, symmetric: bool):
    """Stitch the exact moments ``U n``, ``U^2 n(1-n)`` to Sigma's tail, then ``G`` and its moments (``(2 n_iw, S)``).

    The higher orders of the tail are fitted on ``|w_n| >= w_match``, the whole range that the blend replaces.
    """
    n_other = state.n0[ch.opposite]
    sigma0, sigma1 = ch.u * n_other, ch.u**2 * n_other * (1.0 - n_other)
    sigma = state.sigma
    w_max = float(ch.iw.imag.max())
    if ch.u != 0.0 and w_match < w_max:
        known = np.stack([sigma0, sigma1]).astype(complex)
        tail, _ = fit_tail(sigma, ch.iw, known_moments=known, tail_fraction=1.0 - w_match / w_max)
        sigma = stitch_sigma_tail(sigma[:, :, None], ch.iw, tail[:, :, None], w_match)[:, :, 0]
    level = ch.eps + sigma0
    if symmetric:
        sigma = 0.5 * ch.u + 1j * sigma.imag
        level = np.zeros_like(level)
        g = 1j / (1.0 / _half_filled_weiss(ch) + sigma.imag)  # (1/(i Im G~) - i Im Sigma)^-1, purely imaginary
    else:
        g = 1.0 / (ch.g0_inv - sigma)
    one = np.ones_like(level)
    moments = np.stack([0.0 * one, one, level, level**2 + ch.delta1 + sigma1]).astype(complex)
    return sigma + ch.h, g, moments


def _result(problem: ImpurityProblem, ch: _Channels, occupation: _Occupation, state: _State, sigma, g, moments,
            symmetric: bool, evaluations: int) -> SolverResult:
    beta = ch.beta
    g_tau = iw_to_tau(g, beta, problem.n_tau, moments=moments)
    g_l = iw_to_legendre(g, beta, problem.n_l, moments=moments)
    density = occupation(g, moments[2].real, moments[3].real)
    if symmetric:
        g_tau = (0.5 * (g_tau + g_tau[::-1]).real).astype(complex)
        g_l = g_l.real.astype(complex)
        g_l[1::2] = 0.0
        density = np.full_like(density, 0.5)
    per_spin = [0, 0] if sigma.shape[1] == 1 else [0, 1]
    channels = {"sigma_iw": sigma, "g_iw": g, "g_tau": g_tau, "g_l": g_l}
    blocks = {key: _blocks(problem, value[:, per_spin]) for key, value in channels.items()}
    density_blocks = {name: b[0] for name, b in _blocks(problem, density[None, per_spin].astype(complex)).items()}
    info = {
        "mu0": tuple(float(-state.eps0[s]) for s in per_spin),
        "n0": tuple(float(state.n0[s]) for s in per_spin),
        "n": tuple(float(density[s]) for s in per_spin),
        "density_residual": float(np.abs(density - state.n0).max()),
        "U": ch.u,
        "half_filling_form": bool(symmetric),
        "iterations": evaluations,
    }
    return SolverResult(g_iw=blocks["g_iw"], sigma_iw=blocks["sigma_iw"], g_tau=blocks["g_tau"], g_l=blocks["g_l"],
                        density=density_blocks, info=info)


def _blocks(problem: ImpurityProblem, channels: np.ndarray) -> dict:
    """``(N, 2)`` spin-orbital columns -> dict block -> ``(N, n, n)`` in the problem's gf_struct."""
    names = [name for name, _ in problem.gf_struct]
    if len(names) == 2:
        return {name: np.ascontiguousarray(channels[:, s, None, None]) for s, name in enumerate(names)}
    out = np.zeros(channels.shape[:1] + (2, 2), dtype=channels.dtype)
    out[:, 0, 0], out[:, 1, 1] = channels[:, 0], channels[:, 1]
    return {names[0]: out}

