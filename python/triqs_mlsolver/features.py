"""The input of the correction network: cheap-solver Green's functions and the problem's scalars.

One function, :func:`build_features`, turns a batch of single-orbital impurity problems (two spin
blocks, ``H_int = U n_up n_dn``) and the Legendre coefficients of their cheap solvers' ``G`` into
the network input; dataset training and ``method="ml"`` both call it, so the network sees at solve
time exactly what it was trained on.  For ``N`` problems the columns are, in this order:

    g_l[solver]   G_l / beta of each solver of the layout, spins up then down, l = 0 .. n_l-1
    delta         Re and Im of Delta_s(iw_n) for n = 0 .. n_delta-1, spins up then down
    scalars       log(beta), U, eps_d, B, Delta_1 = sum_k V_k^2, and beta U

with ``e_up = eps_d - B/2``, ``e_dn = eps_d + B/2`` and ``Delta_s(iw) = iw - e_s - G0_s(iw)^-1``
(``~ Delta_1/(iw)``).  ``G_l / beta`` is dimensionless (the sum rule reads
``sum_{l even} 2 sqrt(2l+1) G_l/beta = -1``), as is the network's target, the residual
``(G_ref,l - G_base,l) / beta`` (:func:`residual_target`).  The layout has a version,
:data:`FEATURE_VERSION`, stored in every model file: a change of the columns is a new version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._options import Options, choice, integer, option
from .errors import InvalidParameterError

__all__ = ["FEATURE_VERSION", "SCALARS", "FeatureLayout", "build_features", "residual_target", "sum_rule_vector",
           "project_sum_rule"]

FEATURE_VERSION = 1
SCALARS = ("log_beta", "U", "eps_d", "field", "Delta_1", "beta_U")
"""Names of the scalar columns, in order."""


def _solver_names(name: str, value, error: type) -> tuple:
    names = tuple(str(x) for x in value) if isinstance(value, (list, tuple)) else ()
    if not names or len(set(names)) != len(names):
        raise error(f"{name} = {value!r} is invalid: allowed is a non-empty list of distinct cheap-solver names, "
                    "e.g. ['hubbard_i', 'ipt', 'ed_nb1'].")
    return names


@dataclass(frozen=True)
class FeatureLayout(Options):
    """Which cheap solvers feed the network, which one is corrected, and how many coefficients."""

    solvers: tuple = option("names of the cheap solvers (dataset groups solvers/NAME) whose G_l are inputs", (),
                            check=_solver_names)
    base: str = option("the solver whose G_l the network corrects (one of solvers)", "")
    n_l: int = option("Legendre coefficients per solver and spin in the input", 30, check=integer(2, 1000))
    n_delta: int = option("Matsubara frequencies of Delta(iw_n) in the input", 16, check=integer(0, 10_000))
    version: int = option("feature layout version", FEATURE_VERSION, check=choice((FEATURE_VERSION,)))

    def _check(self) -> None:
        if self.base not in self.solvers:
            raise self.error(f"base = {self.base!r} is invalid: allowed is one of the solvers {list(self.solvers)}.")

    @property
    def size(self) -> int:
        """Number of input columns."""
        return 2 * self.n_l * len(self.solvers) + 4 * self.n_delta + len(SCALARS)

    def columns(self) -> list[str]:
        """A name for every input column, in order."""
        names = [f"{s}/G_l/{spin}/{l}" for s in self.solvers for spin in ("up", "dn") for l in range(self.n_l)]
        names += [f"Delta/{part}/{spin}/{n}" for part in ("re", "im") for spin in ("up", "dn")
                  for n in range(self.n_delta)]
        return names + list(SCALARS)

    def to_dict(self) -> dict:
        return {"solvers": list(self.solvers), "base": self.base, "n_l": self.n_l, "n_delta": self.n_delta,
                "version": self.version}

    @classmethod
    def from_dict(cls, d: dict) -> "FeatureLayout":
        return cls(solvers=tuple(d["solvers"]), base=d["base"], n_l=int(d["n_l"]), n_delta=int(d["n_delta"]),
                   version=int(d["version"]))


def _batch(name: str, value, tail_ndim: int) -> np.ndarray:
    a = np.asarray(value)
    if a.ndim == tail_ndim:
        a = a[None]
    if a.ndim != tail_ndim + 1:
        raise InvalidParameterError(f"{name} has shape {np.shape(value)}: allowed is {tail_ndim} axes per problem, "
                                    "with an optional leading batch axis.")
    return a


def build_features(layout: FeatureLayout, beta, U, eps_d, field, delta_iw, delta_1, g_l: dict) -> np.ndarray:
    """The network input of ``N`` problems, shape ``(N, layout.size)`` (float64).

    ``beta``, ``U``, ``eps_d``, ``field``, ``delta_1``: shape ``(N,)`` (or scalars for one problem);
    ``delta_iw``: ``(N, 2, n >= n_delta)`` complex, ``Delta_s(iw_n)`` for n = 0, 1, ...;
    ``g_l``: dict solver name -> ``(N, 2, n >= n_l)`` real Legendre coefficients of ``G_s``.
    Non-finite inputs raise :class:`~triqs_mlsolver.errors.InvalidParameterError`.
    """
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    n = beta.shape[0]
    scalars = [np.broadcast_to(np.asarray(x, dtype=float), (n,)) for x in (U, eps_d, field, delta_1)]
    if np.any(beta <= 0):
        raise InvalidParameterError(f"beta = {beta.min()} is invalid: allowed is beta > 0.")
    parts = []
    for name in layout.solvers:
        if name not in g_l:
            raise InvalidParameterError(f"the G_l of solver {name!r} is missing: the layout needs {list(layout.solvers)}.")
        g = _batch(f"g_l[{name!r}]", g_l[name], 2)
        if g.shape[0] != n or g.shape[1] != 2 or g.shape[2] < layout.n_l:
            raise InvalidParameterError(f"g_l[{name!r}] has shape {g.shape}: allowed is ({n}, 2, >= {layout.n_l}).")
        parts.append((np.real(g[:, :, : layout.n_l]) / beta[:, None, None]).reshape(n, -1))
    d = _batch("delta_iw", delta_iw, 2)
    if d.shape[0] != n or d.shape[1] != 2 or d.shape[2] < layout.n_delta:
        raise InvalidParameterError(f"delta_iw has shape {d.shape}: allowed is ({n}, 2, >= {layout.n_delta}).")
    d = d[:, :, : layout.n_delta]
    parts += [d.real.reshape(n, -1), d.imag.reshape(n, -1)]
    U, eps_d, field, delta_1 = scalars
    parts.append(np.stack([np.log(beta), U, eps_d, field, delta_1, beta * U], axis=1))
    x = np.concatenate(parts, axis=1)
    bad = ~np.all(np.isfinite(x), axis=1)
    if bad.any():
        columns = layout.columns()
        k = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError(f"the features of problem {k} are not finite (column "
                                    f"{columns[int(np.flatnonzero(~np.isfinite(x[k]))[0])]!r}): allowed are finite "
                                    "inputs; check G0_iw and the cheap solvers' output.")
    return x


def residual_target(beta, g_ref_l, g_base_l) -> np.ndarray:
    """The network's target ``(G_ref,l - G_base,l) / beta``, shape ``(N, 2 n_l)`` (spins up then down)."""
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    r = (_batch("g_ref_l", g_ref_l, 2) - _batch("g_base_l", g_base_l, 2)) / beta[:, None, None]
    return r.reshape(r.shape[0], -1)


def sum_rule_vector(n_l: int) -> np.ndarray:
    """``a`` with ``a . (G_l/beta) = G(0+) + G(beta-)``: ``a_l = 2 sqrt(2l+1)`` for even l, 0 for odd l.

    From ``G(tau) = sum_l sqrt(2l+1)/beta P_l(2tau/beta - 1) G_l`` and ``P_l(+-1) = (+-1)^l``."""
    l = np.arange(n_l)
    return np.where(l % 2 == 0, 2.0 * np.sqrt(2.0 * l + 1.0), 0.0)


def project_sum_rule(g_l_over_beta: np.ndarray) -> np.ndarray:
    """The orthogonal projection of ``G_l/beta`` (``(..., n_l)``) onto ``G(0+) + G(beta-) = -1``.

    ``g -> g - a (a.g + 1)/(a.a)``: the nearest coefficients (Euclidean norm) obeying the sum rule exactly."""
    g = np.asarray(g_l_over_beta, dtype=float)
    a = sum_rule_vector(g.shape[-1])
    return g - np.multiply.outer((g @ a + 1.0) / (a @ a), a)
