"""Discrete-bath fit of a hybridization function given on the Matsubara axis.

For each block ``b`` a bath of ``nb`` levels ``eps_k`` with hybridizations ``V_ik`` gives

    Delta_fit(iw_n) = V (iw_n - eps)^-1 V^+        (see :class:`~triqs_mlsolver.aim.BathBlock`),

and the fit minimises, over the fitted positive frequencies ``w_n`` (``n_fit`` lowest, ``w_n <= w_cut``),
the normalised weighted distance

    d_b^2 = sum_n W_n ||Delta_fit(iw_n) - Delta(iw_n)||_F^2 / sum_n W_n ||Delta(iw_n)||_F^2 ,
    W_n = 1, 1/w_n or 1/w_n^2 (``weight``; default 1/w_n).

Negative frequencies carry no extra information (``Delta(-iw_n) = Delta(iw_n)^+``).  The
minimisation is Levenberg-Marquardt on the real and imaginary parts with the analytic Jacobian,
from several starting points; the best one is kept.  The cost function, weights, defaults and
measured distances are in ``doc/bath.md``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._bath_lsq import Cost, layout, minimise, unpack
from ._bath_rational import exact_poles
from ._options import Options, boolean, choice, integer, nonnegative, open_unit, option, optional, positive
from ._validation import finite_array, int_in_range, nonnegative_float, positive_float
from .aim import BathBlock
from .errors import BathFitWarning, IncompatibleGfStructError, NonCausalError, invalid_parameter
from .meshes import MeshImFreq

__all__ = ["BathFitOptions", "BathFit", "fit_bath", "hybridization", "SINGLE_BLOCK"]

SINGLE_BLOCK = "0"
"""Block name given to a ``delta_iw`` passed as a single array (TRIQS's default name of a lone block)."""

_WEIGHT_POWER = {"uniform": 0, "1/w": 1, "1/w^2": 2}  # W_n = w_n^-power
_CAUSALITY_RTOL = 1e-10  # -Im Delta(iw_n) may dip below 0 by this fraction of max |Delta| + w_n (round-off)
_ZERO_RTOL = 1e-12  # max |Delta| <= this * (largest w_n): no hybridization (round-off of iw - eps - G0^-1)
_HERMITICITY_RTOL = 1e-8  # |Delta(-iw_n) - Delta(iw_n)^+| allowed, relative to max |Delta|
_REAL_V_RTOL = 1e-10  # Delta = Delta^T within this (relative) makes real V sufficient


@dataclass(frozen=True)
class BathFitOptions(Options):
    """Options of :func:`fit_bath` (validated at construction; see ``doc/bath.md``)."""

    n_fit: int | None = option("fit the n_fit lowest positive Matsubara frequencies (None: all those of the input)",
                               None, check=optional(integer(1)))
    w_cut: float | None = option("fit only the frequencies w_n <= w_cut (None: no cutoff); combines with n_fit", None,
                                 check=optional(positive()))
    weight: str = option("weights W_n: 'uniform', '1/w' or '1/w^2'", "1/w", check=choice(tuple(_WEIGHT_POWER)))
    n_restarts: int = option("number of starting points (the first is deterministic, the others are random "
                             "perturbations)", 5, check=integer(1))
    seed: int = option("seed of the random starting points; a given seed gives the same fit", 0, check=integer(0))
    symmetric: bool = option("particle-hole symmetric bath: levels in pairs +-e_k with equal hybridizations, one level "
                             "at 0 if nb is odd", False, check=boolean())
    real_v: bool | None = option("real hybridizations (fewer parameters); None: real when Delta(iw_n) is symmetric "
                                 "(Delta = Delta^T)", None, check=optional(boolean()))
    tolerance: float = option("relative tolerance on the cost decrease and on the step of each local fit", 1e-10,
                              check=open_unit())
    screen_iterations: int = option("Levenberg-Marquardt iterations of each restart; the best restart then continues",
                                    60, check=integer(1))
    max_iterations: int = option("maximum number of iterations of the best restart (its screening included)", 1000,
                                 check=integer(1))
    stop_distance: float = option("stop (restarts and iterations) once a block's distance is below this value", 1e-9,
                                  check=nonnegative())
    warn_distance: float = option("emit BathFitWarning when the distance of a block exceeds this value", 0.05,
                                  check=positive())
    level_range: float = option(
        "levels are confined to |eps_k| < B = level_range * R (R = |centre| + half width of the bath spectrum, "
        "estimated from the high-frequency moments of Delta) by fitting u_k with eps_k = B tanh(u_k / B): a level "
        "whose coupling becomes negligible (Delta with fewer features than levels) would otherwise drift without "
        "limit, which makes the bath useless for ED",
        10.0, check=positive())


@dataclass(frozen=True, eq=False)
class BathFit:
    """Result of :func:`fit_bath`.

    ``bath``: name -> :class:`BathBlock` (levels ascending; 1x1 blocks have real ``V >= 0``,
    larger blocks a real non-negative first row of ``V``).  ``per_block``: name -> distance
    ``d_b``; ``distance``: the largest of them.  ``restarts``: name -> starting points tried.
    ``n_freq``: number of positive Matsubara frequencies fitted.
    """

    bath: dict
    distance: float
    per_block: dict
    restarts: dict
    n_freq: int
    options: BathFitOptions

    def __post_init__(self) -> None:
        if set(self.per_block) != set(self.bath) or set(self.restarts) != set(self.bath):
            raise IncompatibleGfStructError(
                f"BathFit has bath blocks {sorted(self.bath)}, distances for {sorted(self.per_block)} and "
                f"restarts for {sorted(self.restarts)}: they must be the same."
            )
        for name, block in self.bath.items():
            if not isinstance(block, BathBlock):
                raise invalid_parameter(f"bath[{name!r}]", type(block).__name__, "a BathBlock")
        object.__setattr__(self, "distance", nonnegative_float("distance", self.distance))


def hybridization(bath: dict, beta: float, n_iw: int) -> dict:
    """``Delta_b(iw_n) = V (iw_n - eps)^-1 V^+`` of each block on the full fermionic mesh, shape ``(2 n_iw, n, n)``."""
    iw = MeshImFreq(beta, "Fermion", n_iw).values()
    for name, block in bath.items():
        if not isinstance(block, BathBlock):
            raise invalid_parameter(f"bath[{name!r}]", type(block).__name__, "a BathBlock")
    return {name: block.hybridization(iw) for name, block in bath.items()}


# -- input checks ------------------------------------------------------------------------------
def _blocks(delta_iw, n_bath) -> tuple[dict, dict]:
    """Return ``delta_iw`` and ``n_bath`` as dicts with the same names (single array -> SINGLE_BLOCK)."""
    if isinstance(delta_iw, dict):
        if not delta_iw:
            raise invalid_parameter("delta_iw", delta_iw, "a non-empty dict block name -> (2 n_iw, n, n) array")
        deltas = dict(delta_iw)
    else:
        deltas = {SINGLE_BLOCK: delta_iw}
    if isinstance(n_bath, dict):
        if set(n_bath) != set(deltas):
            raise IncompatibleGfStructError(
                f"n_bath has blocks {sorted(map(str, n_bath))}, delta_iw has {sorted(map(str, deltas))}: "
                "they must be the same (or give n_bath as one int for every block)."
            )
        sizes = {name: int_in_range(f"n_bath[{name!r}]", n_bath[name], 0) for name in deltas}
    else:
        nb = int_in_range("n_bath", n_bath, 0)
        sizes = {name: nb for name in deltas}
    return deltas, sizes


def _check_block(name: str, delta: object, n_iw: int | None) -> np.ndarray:
    """Shape, finiteness and the symmetry ``Delta(-iw_n) = Delta(iw_n)^+`` of one block; the clean array."""
    label = f"delta_iw[{name!r}]"
    arr = finite_array(label, delta)
    if arr.dtype.kind not in "biufc":
        raise invalid_parameter(label, f"array of dtype {arr.dtype}", "a numeric array")
    arr = arr.astype(complex)
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or arr.shape[1] < 1 or arr.shape[0] < 2 or arr.shape[0] % 2:
        raise invalid_parameter(
            label,
            f"array of shape {arr.shape}",
            "shape (2 n_iw, n, n) on the full fermionic Matsubara mesh",
            "Reshape a single-orbital Delta with .reshape(-1, 1, 1).",
        )
    if n_iw is not None and arr.shape[0] != 2 * n_iw:
        raise invalid_parameter(label, f"array of shape {arr.shape}", f"{2 * n_iw} frequencies like the other blocks")
    half = arr.shape[0] // 2
    scale = np.abs(arr).max()
    mirror = arr[half - 1 :: -1].conj().transpose(0, 2, 1)
    deviation = np.abs(arr[half:] - mirror).max()
    if deviation > _HERMITICITY_RTOL * scale:
        raise invalid_parameter(
            label,
            f"array with max |Delta(-iw_n) - Delta(iw_n)^+| = {deviation:.3e}",
            "Delta(-iw_n) = Delta(iw_n)^+ on the full mesh n = -n_iw .. n_iw-1 (data index 0 = most negative)",
            "Pass the full mesh, not only the positive frequencies.",
        )
    return arr


def _check_causal(name: str, delta_pos: np.ndarray, w: np.ndarray) -> None:
    """Raise NonCausalError unless ``-Im Delta(iw_n) = -(Delta - Delta^+)/2i`` is positive semi-definite.

    The tolerance is relative: an eigenvalue down to ``-1e-10 (max |Delta| + w_n)`` is round-off (a Delta
    computed as ``iw - eps - G0^-1`` carries errors of order ``1e-16 w_n``; Delta = 0 is causal)."""
    im = (delta_pos - delta_pos.conj().transpose(0, 2, 1)) / 2j
    worst = (-np.linalg.eigvalsh(im)).min(axis=1)
    tol = _CAUSALITY_RTOL * (np.abs(delta_pos).max() + w)  # round-off of iw - eps - G0^-1 grows with w
    bad = np.flatnonzero(worst < -tol)
    if bad.size:
        n = int(bad[0])
        raise NonCausalError(
            f"delta_iw[{name!r}] is not causal: -Im Delta has eigenvalue {worst[n]:.3e} < 0 at n = {n} "
            f"(w_n = {w[n]:.6g}); allowed is -Im Delta(iw_n) >= 0 for every w_n > 0. "
            "Check the sign convention Delta(iw) = iw - eps_loc - G0(iw)^-1."
        )


# -- starting points ---------------------------------------------------------------------------
def _tail_guess(delta_pos: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """Total weight ``tr m1 = sum_k |V_k|^2``, centre and half width of the bath spectrum from the tail.

    Fits ``Delta(iw) = sum_{k=1..4} m_k/(iw)^k`` on the upper half of the frequencies; the centre is
    ``tr m2 / tr m1`` and the half width ``2 sqrt(tr m3 / tr m1 - centre^2)`` (exact for a semicircle).
    """
    n_orb = delta_pos.shape[1]
    upper = slice(delta_pos.shape[0] // 2, None)
    basis = (1j * w[upper, None]) ** -np.arange(1, 5)
    m = np.linalg.lstsq(basis, delta_pos[upper].reshape(-1, n_orb * n_orb), rcond=None)[0]
    m = np.trace(m.reshape(4, n_orb, n_orb), axis1=1, axis2=2).real
    weight = m[0]
    if not weight > 0:  # tail not reached: leading order at the last frequency, else the size of w |Delta|
        weight = -w[-1] * np.trace(delta_pos[-1]).imag
        if not weight > 0:
            weight = (w[:, None, None] * np.abs(delta_pos)).max()
    centre = m[1] / weight
    variance = m[2] / weight - centre**2
    half_width = 2.0 * np.sqrt(variance) if variance > 0 else w[-1]
    if not abs(centre) <= w[-1]:
        centre = 0.0
    return float(weight), float(centre), float(np.clip(half_width, w[0], 2.0 * w[-1]))


def _start(
    restart: int,
    rng: np.random.Generator,
    guess: tuple[float, float, float],
    cost: Cost,
    levels: np.ndarray,
    cols: np.ndarray,
    complex_v: bool,
) -> np.ndarray:
    """Free parameters of one starting point: levels spread over the bath spectrum, then matching couplings.

    Restart 0 places the levels at the midpoints of ``nb`` equal slices of ``centre +- half_width``
    (symmetric: the positive ones).  For these levels the residues ``W_c`` of ``Delta = sum_c W_c g_c``
    are a linear least-squares fit; column c of V is the leading eigenvector of ``W_c`` times the
    square root of its eigenvalue (of ``tr m1 / (n nb)`` if that is not positive).  Later restarts
    jitter each level within its slice, rescale the width by a random factor in [0.5, 1.5] and add
    50% random noise to V.
    """
    weight, centre, half_width = guess
    nb, n_e = levels.shape
    n_orb, n_c = cost.target.shape[1], cols.shape[0]
    x = (2.0 * np.arange(nb) + 1.0) / nb - 1.0
    if restart:
        x = rng.uniform(0.5, 1.5) * (x + rng.uniform(-1.0, 1.0, nb) / nb)
    symmetric = n_e < nb  # the levels are the pairs +-e (and 0)
    e = np.abs(x[nb - n_e :]) * half_width if symmetric else centre + half_width * x
    basis = cost.s[:, 0] * ((1.0 / (cost.z[:, None] - levels @ e)) @ cols.T)
    rhs = (cost.s * cost.target).reshape(basis.shape[0], -1)
    W = np.linalg.lstsq(basis, rhs, rcond=None)[0].reshape(n_c, n_orb, n_orb)
    W = (W + W.conj().transpose(0, 2, 1)) / 2
    if not complex_v:
        W = W.real
    lam, U = np.linalg.eigh(W)
    fallback = np.sqrt(weight / (n_orb * nb))
    V = np.where(lam[:, -1:] > 0, np.sqrt(np.abs(lam[:, -1:])) * U[:, :, -1], fallback * U[:, :, -1]).T
    if restart:
        noise = rng.standard_normal(V.shape)
        if complex_v:
            noise = (noise + 1j * rng.standard_normal(V.shape)) / np.sqrt(2.0)
        V = V + 0.5 * np.sqrt(np.mean(np.abs(V) ** 2)) * noise
    V = V * np.exp(-1j * np.angle(V[0]))  # gauge: first row real
    parts = [cost.levels_to_free(e), V.real.ravel()]
    if complex_v:
        parts.append(V.imag[1:].ravel())
    return np.concatenate(parts)


# -- the fit -----------------------------------------------------------------------------------
def _canonical(eps: np.ndarray, V: np.ndarray, complex_v: bool) -> BathBlock:
    """Levels ascending, first row of V real and >= 0 (a phase per column is a gauge freedom)."""
    order = np.argsort(eps, kind="stable")
    eps, V = eps[order], V[:, order]
    sign = np.where(V[0].real < 0, -1.0, 1.0)
    V = V * sign
    return BathBlock(eps, V if complex_v else V.real)


def _exact_block(cost: Cost, guess, levels: np.ndarray, symmetric: bool) -> tuple[BathBlock, float] | None:
    """The bath of a one-orbital Delta that is exactly a discrete bath of ``nb`` sites (vector fitting
    from the deterministic starting levels), with its distance; None if it is not one."""
    nb = cost.nb
    weight, centre, half_width = guess
    start = centre + half_width * ((2.0 * np.arange(nb) + 1.0) / nb - 1.0)
    s = cost.s[:, 0, 0]
    found = exact_poles(cost.target[:, 0, 0], cost.z.imag, s, start)
    if found is None:
        return None
    eps, v = found
    if np.abs(eps).max() >= cost.level_bound:
        return None
    if symmetric:  # the pairs +-e_k with equal couplings (and one level at 0 for odd nb)
        tol = 1e-10 * max(1.0, float(np.abs(eps).max()))
        if np.abs(eps + eps[::-1]).max() > tol or np.abs(v - v[::-1]).max() > tol * max(1.0, float(v.max())):
            return None
        eps, v = 0.5 * (eps - eps[::-1]), 0.5 * (v + v[::-1])
    residual = s * (np.sum(v * v / (cost.z[:, None] - eps), axis=1) - cost.target[:, 0, 0])
    return BathBlock(eps, v[None, :]), float(np.sqrt(np.vdot(residual, residual).real))


def _warm_parameters(block: BathBlock, cost: Cost, levels: np.ndarray):
    """Free parameters ``p`` of a previous bath (the warm start), or None if it does not fit the layout."""
    nb, n_orb = cost.nb, cost.n_orb
    if block.n_bath != nb or block.n_orb != n_orb or np.abs(block.eps).max(initial=0.0) >= cost.level_bound:
        return None
    order = np.argsort(block.eps, kind="stable")
    if levels.shape[1] < nb:  # symmetric layout (e, -e[, 0]): positive levels, their mirrors, the zero level
        n_pair = levels.shape[1]
        order = np.concatenate([order[nb - n_pair:], order[:n_pair][::-1], order[n_pair:nb - n_pair]])
    eps, V = block.eps[order], block.V[:, order]
    V = V * np.exp(-1j * np.angle(V[0]))  # gauge: first row real
    x = np.concatenate([cost.levels_to_free(eps), V.real.ravel(), V.imag.ravel()])
    return np.linalg.lstsq(cost.M, x, rcond=None)[0]


def _fit_block(delta_pos, w, n_freq, nb, options, complex_v, seed, warm=None):
    """Best bath of one block: ``(BathBlock, distance, starting points run)``.

    ``delta_pos`` is Delta on all positive frequencies ``w`` (its tail sets the starting points);
    the ``n_freq`` lowest are fitted.  A one-orbital Delta that is exactly a discrete bath of ``nb``
    sites is recovered by vector fitting.  Otherwise, with a ``warm`` bath (the previous DMFT
    iteration's), the fit starts from it and stops there unless its distance exceeds
    ``warn_distance``; else each restart runs ``screen_iterations`` iterations and the best one
    continues to convergence (restarts after the first draw from ``default_rng(seed)``).
    """
    n_orb = delta_pos.shape[1]
    target, z = delta_pos[:n_freq], 1j * w[:n_freq]
    weights = w[:n_freq] ** -float(_WEIGHT_POWER[options.weight])
    norm = np.einsum("f,fij->", weights, np.abs(target) ** 2)
    zero = np.abs(delta_pos).max() <= _ZERO_RTOL * w[-1]
    if nb == 0 or zero:  # nothing to fit: decoupled levels at 0 (exact for Delta = 0)
        return BathBlock(np.zeros(nb), np.zeros((n_orb, nb))), (0.0 if zero else 1.0), 0
    M, levels, cols = layout(n_orb, nb, options.symmetric, complex_v)
    guess = _tail_guess(delta_pos, w)
    bound = options.level_range * (abs(guess[1]) + guess[2])
    cost = Cost(target, z, np.sqrt(weights / norm)[:, None, None], M, n_orb, nb, bound)
    stop, tol = options.stop_distance**2, options.tolerance
    if n_orb == 1:
        exact = _exact_block(cost, guess, levels, options.symmetric)
        if exact is not None and exact[1] <= options.stop_distance:
            return exact[0], exact[1], 1
    best, best_c, converged, run = None, np.inf, False, 0
    p0 = None if warm is None else _warm_parameters(warm, cost, levels)
    if p0 is not None:
        best, best_c, converged = minimise(cost, p0, options.max_iterations, tol, stop)
        run = 1
        if best_c <= options.warn_distance**2:
            eps, V = unpack(cost.physical(best, full=True)[0], n_orb, nb)
            return _canonical(eps, V, complex_v), float(np.sqrt(best_c)), run
    rng = None  # the random restarts' generator (numpy.random loads only when one runs)
    for restart in range(options.n_restarts):
        if restart and rng is None:
            rng = np.random.default_rng(list(seed))
        p0 = _start(restart, rng, guess, cost, levels, cols, complex_v)
        p, c, done = minimise(cost, p0, min(options.max_iterations, options.screen_iterations), tol, stop)
        run += 1
        if c < best_c:
            best, best_c, converged = p, c, done
        if best_c <= stop:
            break
    if best_c > stop and not converged and options.max_iterations > options.screen_iterations:
        remaining = options.max_iterations - options.screen_iterations
        best, best_c, _ = minimise(cost, best, remaining, tol, stop)
    eps, V = unpack(cost.physical(best, full=True)[0], n_orb, nb)
    return _canonical(eps, V, complex_v), float(np.sqrt(best_c)), run


def fit_bath(delta_iw, beta: float, n_bath, *, options: BathFitOptions = BathFitOptions(),
             start: dict | None = None) -> BathFit:
    """Fit a discrete bath to ``delta_iw`` (dict name -> ``(2 n_iw, n, n)`` on the full fermionic mesh, or one array).

    ``n_bath`` is the number of bath levels of every block (int) or of each block (dict).
    Every block is fitted by weighted least squares over the low positive Matsubara
    frequencies ``w_n = (2n+1) pi / beta`` (cost function in the module docstring); blocks with
    identical Delta and n_bath get one fit (identical baths, so ED can use the symmetry).
    ``start``: name -> :class:`BathBlock`, a warm start (e.g. the previous DMFT iteration's bath).
    Raises before any work on bad input; warns (BathFitWarning) when a block's distance
    exceeds ``options.warn_distance``.
    """
    if not isinstance(options, BathFitOptions):
        raise invalid_parameter("options", type(options).__name__, "a BathFitOptions")
    start = dict(start or {})
    for name, block in start.items():
        if not isinstance(block, BathBlock):
            raise invalid_parameter(f"start[{name!r}]", type(block).__name__, "a BathBlock")
    beta = positive_float("beta", beta)
    deltas, sizes = _blocks(delta_iw, n_bath)
    n_iw = None
    for name in deltas:
        deltas[name] = _check_block(name, deltas[name], n_iw)
        n_iw = deltas[name].shape[0] // 2
    w = (2.0 * np.arange(n_iw) + 1.0) * np.pi / beta
    n_freq = int(np.count_nonzero(w <= options.w_cut)) if options.w_cut is not None else n_iw
    n_freq = min(n_freq, options.n_fit or n_iw)
    if n_freq == 0:
        raise invalid_parameter("w_cut", options.w_cut, f"w_cut >= the first Matsubara frequency pi/beta = {w[0]:.6g}")
    plans = {}
    for name, delta in deltas.items():
        delta_pos = delta[n_iw:]
        _check_causal(name, delta_pos, w)
        n_orb = delta.shape[1]
        asymmetry = np.abs(delta_pos - delta_pos.transpose(0, 2, 1)).max()
        symmetric_delta = asymmetry <= _REAL_V_RTOL * np.abs(delta_pos).max()
        complex_v = n_orb > 1 and not (options.real_v if options.real_v is not None else symmetric_delta)
        n_param = layout(n_orb, sizes[name], options.symmetric, complex_v)[0].shape[1]
        if n_param > 2 * n_freq * n_orb * n_orb:
            raise invalid_parameter(
                "n_fit",
                n_freq,
                f"at least {-(-n_param // (2 * n_orb * n_orb))} fitted frequencies for the {n_param} parameters of "
                f"block {name!r} (n_bath = {sizes[name]})",
                "Raise n_fit, w_cut or n_iw, or lower n_bath.",
            )
        plans[name] = (delta_pos, complex_v)

    bath, per_block, restarts = {}, {}, {}
    for index, (name, (delta_pos, complex_v)) in enumerate(plans.items()):
        twin = next((other for other in bath if sizes[other] == sizes[name] and plans[other][1] == complex_v
                     and np.array_equal(plans[other][0], delta_pos)), None)
        if twin is not None:
            bath[name], per_block[name], restarts[name] = bath[twin], per_block[twin], 0
            continue
        bath[name], per_block[name], restarts[name] = _fit_block(
            delta_pos, w, n_freq, sizes[name], options, complex_v, (options.seed, index), start.get(name)
        )
    poor = {name: d for name, d in per_block.items() if d > options.warn_distance}
    if poor:
        listing = ", ".join(f"{name!r}: {d:.3g} (n_bath = {sizes[name]})" for name, d in poor.items())
        warnings.warn(
            f"bath fit is poor: distance {listing} exceeds warn_distance = {options.warn_distance:g}. "
            "Raise n_bath or n_restarts, or check delta_iw.",
            BathFitWarning,
            stacklevel=2,
        )
    return BathFit(bath, max(per_block.values()), per_block, restarts, n_freq, options)
