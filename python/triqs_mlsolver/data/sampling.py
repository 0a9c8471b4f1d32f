"""Impurity models of the dataset: one single-orbital Anderson model per sample.

Every sample is the AIM

    H = sum_s e_s n_s + U n_up n_dn + sum_{s,k} eps_k a+_sk a_sk + sum_{s,k} V_k (d+_s a_sk + h.c.),
    e_up = eps_d - B/2,  e_dn = eps_d + B/2,

with a discrete bath of Nb_ref sites (the same for both spins), energies in units of the half
bandwidth D.  Sample ``i`` draws only from the stream ``SeedSequence([seed, i])``, so it does
not depend on the number of MPI ranks, on the order of the work, or on other samples.

Families (the draws happen in the order listed, one uniform number per distribution):

* ``random``: beta, U, symmetric?, sum V^2, half width w, centre c, the levels, the Dirichlet
  weights V_k^2 / sum V^2, level, B, mirror?.  An asymmetric bath has levels uniform in
  ``[c - w, c + w]``; a particle-hole symmetric one has pairs ``+-e_k`` (``e_k`` uniform in ``[0, w]``,
  one level at 0 when Nb_ref is odd) with equal weights in each pair.
* ``kondo``: T, U, Gamma, Lambda, level, B, mirror?.  The flat band ``rho = 1/(2D)`` on ``[-D, D]``
  with ``Gamma = pi rho V^2`` is cut logarithmically at ``x_m = D Lambda^-m``
  (:func:`log_discretization`); each interval becomes one level at its centre with
  ``V^2 = (Gamma/pi) * width``, so ``sum V^2 = 2 D Gamma / pi`` exactly.
* ``bethe``: built by :mod:`.bethe` from the DMFT loops.

The impurity level follows ``level_mode``: ``eps_d`` directly, ``shift`` = ``eps_d + U/2`` (0 is the
particle-hole symmetric point), or ``filling``: the target total filling ``n``, reached exactly
by a small model (2 bath sites fitted to the sample's Delta, solved by ED at B = 0, see
:func:`filling_level`); the true filling of the sample is its stored reference density.  The particle-hole mirror maps ``(eps_k, e_s) -> (-eps_k, -e_s - U)`` (so
``B -> -B``), ``n -> 2 - n`` and ``G_s(iw) -> -G_s(iw)^*``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from ..aim import AIM, BathBlock
from ..bath import fit_bath
from ..ed import EDOptions, diagonalize
from ..errors import BathFitWarning
from ..operators import Terms
from ..transforms import matsubara_freqs
from .config import KondoFamily, RandomFamily
from .schema import BLOCKS, PARAMS

__all__ = [
    "GF_STRUCT",
    "Sample",
    "sample_stream",
    "sample_beta",
    "random_sample",
    "kondo_sample",
    "mirror_partner",
    "log_discretization",
    "filling_level",
    "haldane_kondo_temperature",
]

GF_STRUCT = tuple((name, 1) for name in BLOCKS)
FILLING_BATH = 2
"""Bath sites of the small model whose filling fixes eps_d in level_mode = "filling"."""
FILLING_TOL = 1e-9
"""Bisection tolerance on eps_d in level_mode = "filling"."""
_FILLING_ED = EDOptions(n_states_max=100_000)

@dataclass(frozen=True, eq=False)
class Sample:
    """One impurity model: levels ``h_loc`` (up, down), bath ``(2, Nb)`` levels and hybridizations."""

    index: int
    family: str
    beta: float
    U: float
    h_loc: np.ndarray
    bath_eps: np.ndarray
    bath_V: np.ndarray
    params: dict = field(default_factory=dict)

    def aim(self) -> AIM:
        """The :class:`~triqs_mlsolver.aim.AIM` of the sample (impurity orbitals up = 0, down = 1)."""
        return make_aim(self.U, self.h_loc, self.bath_eps, self.bath_V)

    def param_row(self) -> np.ndarray:
        """The values of :data:`PARAMS` in order (NaN for the ones this family does not define)."""
        return np.array([float(self.params.get(name, math.nan)) for name in PARAMS])


def make_aim(U: float, h_loc, bath_eps, bath_V) -> AIM:
    """The single-orbital AIM with interaction ``U n_up n_dn`` and one bath per spin."""
    h_int = Terms.build(2, [(float(U), ((True, 0), (True, 1), (False, 1), (False, 0)))]) if U else Terms.build(2, [])
    names = [name for name, _ in GF_STRUCT]
    return AIM(
        gf_struct=GF_STRUCT,
        h_loc={name: np.array([[h_loc[s]]]) for s, name in enumerate(names)},
        h_int=h_int,
        bath={name: BathBlock(np.asarray(bath_eps[s], float), np.asarray(bath_V[s], float)[None, :])
              for s, name in enumerate(names)},
    )


def sample_stream(seed: int, index: int) -> np.random.Generator:
    """The random stream of sample ``index``: depends on ``(seed, index)`` only."""
    return np.random.default_rng(np.random.SeedSequence([seed, index]))


def filling_level(filling: float, U: float, beta: float, eps_k, V_k, n_iw: int) -> float:
    """``eps_d`` at which the model has total filling ``filling`` (0 < filling < 2), estimated cheaply.

    The sample's bath is replaced by :data:`FILLING_BATH` sites fitted to its ``Delta(iw_n)``
    (``n_iw`` frequencies); the filling ``n(eps_d)`` of that small model, solved exactly by ED,
    decreases with ``eps_d`` and is inverted by bisection to :data:`FILLING_TOL` in ``eps_d``.
    The stored reference density is the true filling of the sample (close to ``filling``).
    """
    eps_k, V_k = np.asarray(eps_k, float), np.asarray(V_k, float)
    iw = matsubara_freqs(beta, n_iw)
    delta = BathBlock(eps_k, V_k[None, :]).hybridization(iw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BathFitWarning)
        block = next(iter(fit_bath(delta, beta, FILLING_BATH).bath.values()))
    small_eps, small_V = np.tile(block.eps, (2, 1)), np.tile(np.abs(block.V[0]), (2, 1))

    def excess(eps_d: float) -> float:
        ed = diagonalize(make_aim(U, (eps_d, eps_d), small_eps, small_V), beta, _FILLING_ED)
        return float(np.sum(ed.occupations)) - filling

    scale = 1.0 + np.abs(eps_k).max(initial=0.0) + math.sqrt(float(np.sum(V_k ** 2)))
    lo, hi = -U - scale, scale
    while excess(lo) < 0:
        lo -= scale
    while excess(hi) > 0:
        hi += scale
    while hi - lo > FILLING_TOL:
        mid = 0.5 * (lo + hi)
        if excess(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _level(mode: str, value: float, U: float, beta: float, eps_k, V_k, n_iw: int) -> float:
    if mode == "eps_d":
        return value
    if mode == "shift":
        return value - 0.5 * U
    return filling_level(value, U, beta, eps_k, V_k, n_iw)


def log_discretization(D: float, Lambda: float, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Levels and interval widths of a flat band ``[-D, D]`` cut at ``+-D Lambda^-m``.

    With ``M = n_sites // 2``: for odd ``n_sites`` the intervals ``[x_(m+1), x_m]`` (``m < M``) on each
    side and a central one ``[-x_M, x_M]``; for even ``n_sites`` the innermost interval of each side
    is ``[0, x_(M-1)]``.  Each level sits at its interval's centre; the widths sum to ``2 D``.
    """
    M = n_sites // 2
    edges = D * Lambda ** -np.arange(M + 1.0)
    if n_sites % 2 == 0:
        edges[M] = 0.0
    lower, upper = edges[1:], edges[:-1]
    positive = 0.5 * (lower + upper)
    width = upper - lower
    levels = np.concatenate([-positive, positive[::-1]])  # positive runs from the band edge inwards
    widths = np.concatenate([width, width[::-1]])
    if n_sites % 2:
        levels = np.insert(levels, M, 0.0)
        widths = np.insert(widths, M, 2.0 * edges[M])
    return levels, widths


def haldane_kondo_temperature(U: float, Gamma: float, eps_d: float) -> float:
    """``T_K = sqrt(U Gamma/2) exp(pi eps_d (eps_d + U) / (2 U Gamma))`` (meaningful for -U < eps_d < 0, Gamma << U)."""
    if U <= 0:
        return math.nan
    return math.sqrt(0.5 * U * Gamma) * math.exp(math.pi * eps_d * (eps_d + U) / (2.0 * U * Gamma))


def _mirror(sample: Sample) -> Sample:
    params = dict(sample.params)
    params.update(mirrored=1.0, eps_d=-params["eps_d"] - sample.U, field=-params["field"])
    if "T_K" in params:
        params["T_K"] = haldane_kondo_temperature(sample.U, params["Gamma"], params["eps_d"])
    return Sample(sample.index, sample.family, sample.beta, sample.U, -sample.h_loc - sample.U,
                  -sample.bath_eps[:, ::-1], sample.bath_V[:, ::-1], params)


def mirror_partner(sample: Sample) -> Sample:
    """The odd sample after the even ``sample`` of a ``mirror = "pairs"`` family: the same as drawing
    it from its stream (the even one's), without redoing the draws and the filling search."""
    return _mirror(replace(sample, index=sample.index + 1))


def _finish(index, family, beta, U, eps_d, B, eps_k, V_k, params, mirror: str, rng, pair_odd: bool) -> Sample:
    """Assemble the sample; ``mirror`` decides (with the stream's last draw) whether to mirror it."""
    flip = rng.random() < 0.5
    sample = Sample(index, family, beta, U, np.array([eps_d - 0.5 * B, eps_d + 0.5 * B]),
                    np.tile(eps_k, (2, 1)), np.tile(V_k, (2, 1)),
                    {**params, "beta": beta, "U": U, "eps_d": eps_d, "field": B, "mirrored": 0.0,
                     "hybridization": float(np.sum(V_k ** 2))})
    if (mirror == "random" and flip) or (mirror == "pairs" and pair_odd):
        sample = _mirror(sample)
    return sample


def _stream(fam, seed: int, index: int, local: int) -> tuple[np.random.Generator, bool]:
    """The stream of a sample and whether it is the mirror of the one before (odd member of a pair)."""
    pair_odd = fam.mirror == "pairs" and local % 2 == 1
    return sample_stream(seed, index - 1 if pair_odd else index), pair_odd


def sample_beta(fam: RandomFamily | KondoFamily, seed: int, index: int, local: int) -> float:
    """The inverse temperature of a sample without building it (the first draw of its stream);
    the ED cost grows steeply as beta decreases, so the generator hands out hot samples first."""
    rng, _ = _stream(fam, seed, index, local)
    return fam.beta.sample(rng) if isinstance(fam, RandomFamily) else 1.0 / fam.temperature.sample(rng)


def random_sample(fam: RandomFamily, n_bath: int, n_iw: int, seed: int, index: int, local: int) -> Sample:
    """Sample ``index`` (``local``-th of the family) of a :class:`RandomFamily`."""
    rng, pair_odd = _stream(fam, seed, index, local)
    beta, U = fam.beta.sample(rng), fam.U.sample(rng)
    symmetric = rng.random() < fam.symmetric_fraction
    total = fam.hybridization.sample(rng)
    half_width, center = fam.bath_half_width.sample(rng), fam.bath_center.sample(rng)
    if symmetric:
        m = n_bath // 2
        e = np.sort(rng.uniform(0.0, half_width, m))
        w = rng.dirichlet(np.full(m + n_bath % 2, fam.weight_alpha))
        eps_k = np.concatenate([-e[::-1], [0.0] * (n_bath % 2), e])
        pair = w[:m] / 2.0
        weights = np.concatenate([pair[::-1], w[m:], pair])
    else:
        eps_k = np.sort(rng.uniform(center - half_width, center + half_width, n_bath))
        weights = rng.dirichlet(np.full(n_bath, fam.weight_alpha))
    V_k = np.sqrt(total * weights)
    level = fam.level.sample(rng)
    B = fam.field.sample(rng)
    eps_d = _level(fam.level_mode, level, U, beta, eps_k, V_k, n_iw)
    params = {"level": level, "symmetric_bath": float(symmetric)}
    return _finish(index, "random", beta, U, eps_d, B, eps_k, V_k, params, fam.mirror, rng, pair_odd)


def kondo_sample(fam: KondoFamily, n_bath: int, n_iw: int, seed: int, index: int, local: int) -> Sample:
    """Sample ``index`` (``local``-th of the family) of a :class:`KondoFamily`."""
    rng, pair_odd = _stream(fam, seed, index, local)
    T = fam.temperature.sample(rng)
    U, Gamma, Lambda = fam.U.sample(rng), fam.Gamma.sample(rng), fam.Lambda.sample(rng)
    eps_k, widths = log_discretization(fam.D, Lambda, n_bath)
    V_k = np.sqrt(Gamma / math.pi * widths)
    beta = 1.0 / T
    level = fam.level.sample(rng)
    B = fam.field.sample(rng)
    eps_d = _level(fam.level_mode, level, U, beta, eps_k, V_k, n_iw)
    params = {"level": level, "symmetric_bath": 1.0, "D": fam.D, "Gamma": Gamma, "Lambda": Lambda,
              "T_K": haldane_kondo_temperature(U, Gamma, eps_d)}
    return _finish(index, "kondo", beta, U, eps_d, B, eps_k, V_k, params, fam.mirror, rng, pair_odd)
