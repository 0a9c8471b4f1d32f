"""The solver protocol: an impurity problem in, Green's functions out (numpy arrays).

An :class:`ImpurityProblem` is what a TRIQS solver receives: ``beta``, ``gf_struct``, the
non-interacting impurity propagator ``G0(iw_n)`` of each block on the full fermionic
Matsubara mesh (shape ``(2 n_iw, n, n)``; it contains mu and the local levels), the
interaction ``h_int`` as :class:`~triqs_mlsolver.operators.Terms`, and the output meshes.
Optionally it carries an explicit :class:`~triqs_mlsolver.aim.AIM` (a discrete bath), which
solvers that need a bath use instead of fitting one (datasets are built that way).

Every solver returns a :class:`SolverResult` with the impurity ``G = (G0^-1 - Sigma)^-1``.
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from .._options import option_docs, refuse_unknown
from .._validation import finite_float, int_in_range, positive_float
from ..aim import AIM
from ..errors import (
    IncompatibleGfStructError,
    InvalidParameterError,
    NonCausalError,
    invalid_parameter,
)
from ..gf_struct import GfStruct, fix_gf_struct
from ..operators import Terms

__all__ = [
    "RealFrequencyMesh",
    "ImpurityProblem",
    "SolverResult",
    "ImpuritySolver",
    "register",
    "get_solver",
    "available_methods",
    "options_from_kwargs",
    "one_orbital_interaction",
    "option_docs",
]

_CAUSALITY_TOL = 1e-10


@dataclass(frozen=True)
class RealFrequencyMesh:
    """Real-frequency output grid: ``n_w`` points on ``[w_min, w_max]`` evaluated at ``w + i eta``."""

    w_min: float = -15.0
    w_max: float = 15.0
    n_w: int = 500
    eta: float = 0.01

    def __post_init__(self) -> None:
        object.__setattr__(self, "w_min", finite_float("w_min", self.w_min))
        object.__setattr__(self, "w_max", finite_float("w_max", self.w_max))
        if not self.w_min < self.w_max:
            raise invalid_parameter("w_max", self.w_max, f"w_max > w_min = {self.w_min}")
        object.__setattr__(self, "n_w", int_in_range("n_w", self.n_w, 2))
        object.__setattr__(self, "eta", positive_float("idelta", self.eta))

    def values(self) -> np.ndarray:
        return np.linspace(self.w_min, self.w_max, self.n_w)


@dataclass(frozen=True, eq=False)
class ImpurityProblem:
    """An impurity problem in TRIQS form, validated at construction.

    Parameters
    ----------
    beta : inverse temperature (> 0).
    gf_struct : block structure (any TRIQS format).
    g0_iw : dict block -> complex array ``(2 n_iw, n, n)``: the non-interacting impurity propagator.
    h_int : the interaction on the impurity spin-orbitals (flat gf_struct numbering).
    n_tau, n_l : sizes of the imaginary-time and Legendre outputs.
    refreq : real-frequency output grid, or None for no real-frequency output.
    aim : an explicit discrete-bath model equivalent to ``g0_iw`` (optional).
    bath_start : dict block -> :class:`~triqs_mlsolver.aim.BathBlock`, where a bath fit may start
        (the previous DMFT iteration's bath; optional).
    """

    beta: float
    gf_struct: GfStruct
    g0_iw: dict
    h_int: Terms
    n_tau: int = 10001
    n_l: int = 40
    refreq: RealFrequencyMesh | None = None
    aim: AIM | None = None
    bath_start: dict | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "beta", positive_float("beta", self.beta))
        gf_struct = fix_gf_struct(self.gf_struct)
        object.__setattr__(self, "gf_struct", gf_struct)
        object.__setattr__(self, "n_tau", int_in_range("n_tau", self.n_tau, 2))
        object.__setattr__(self, "n_l", int_in_range("n_l", self.n_l, 1))
        names = [name for name, _ in gf_struct]
        if list(self.g0_iw) != names and set(self.g0_iw) != set(names):
            raise IncompatibleGfStructError(
                f"G0_iw has blocks {list(self.g0_iw)}, gf_struct has {names}: they must be the same."
            )
        g0, n_points = {}, None
        for name, size in gf_struct:
            g = np.asarray(self.g0_iw[name], dtype=complex)
            if g.ndim != 3 or g.shape[1:] != (size, size) or g.shape[0] % 2:
                raise IncompatibleGfStructError(
                    f"G0_iw[{name!r}] has shape {g.shape}: block {name!r} needs (2*n_iw, {size}, {size})."
                )
            if n_points is None:
                n_points = g.shape[0]
            elif g.shape[0] != n_points:
                raise IncompatibleGfStructError(f"G0_iw[{name!r}] has {g.shape[0]} frequencies, other blocks {n_points}.")
            if not np.all(np.isfinite(g)):
                raise invalid_parameter(f"G0_iw[{name!r}]", "data containing NaN or inf", "finite values everywhere")
            if not np.any(g):
                raise invalid_parameter(
                    f"G0_iw[{name!r}]", "all zeros", "a filled propagator",
                    "Fill it before solve(), e.g. S.G0_iw << inverse(iOmega_n + mu - t**2 * S.G_iw).",
                )
            half = g.shape[0] // 2
            diag = np.einsum("wii->wi", g[half:]).imag
            worst = diag.max()
            if worst > _CAUSALITY_TOL * max(1.0, np.abs(g).max()):
                w, i = np.unravel_index(np.argmax(diag), diag.shape)
                raise NonCausalError(
                    f"G0_iw[{name!r}] is not causal: Im G0_{i}{i}(iw_n) = {worst:.3e} > 0 at n = {w}; "
                    "a causal propagator has Im G0_ii(iw_n) <= 0 for w_n > 0."
                )
            g.setflags(write=False)
            g0[name] = g
        object.__setattr__(self, "g0_iw", g0)
        n_imp = sum(size for _, size in gf_struct)
        if not isinstance(self.h_int, Terms):
            raise invalid_parameter("h_int", type(self.h_int).__name__, "operators.Terms (convert with Terms.from_gf_struct)")
        if self.h_int.n_orbitals != n_imp:
            raise IncompatibleGfStructError(f"h_int acts on {self.h_int.n_orbitals} spin-orbitals, gf_struct has {n_imp}.")
        if self.aim is not None and tuple(self.aim.gf_struct) != gf_struct:
            raise IncompatibleGfStructError(f"aim.gf_struct {self.aim.gf_struct} differs from gf_struct {gf_struct}.")

    @property
    def n_iw(self) -> int:
        return next(iter(self.g0_iw.values())).shape[0] // 2

    def iw(self) -> np.ndarray:
        """The fermionic Matsubara frequencies ``i(2n+1)pi/beta``, n = -n_iw .. n_iw-1."""
        n = np.arange(-self.n_iw, self.n_iw)
        return 1j * np.pi * (2 * n + 1) / self.beta


@dataclass(frozen=True, eq=False)
class SolverResult:
    """What every solver returns (dicts block -> arrays, gf_struct order).

    ``g_iw`` (2 n_iw, n, n), ``sigma_iw`` (same), ``g_tau`` (n_tau, n, n), ``g_l`` (n_l, n, n),
    ``density`` (n, n) with ``rho_ij = <c+_j c_i>``; real-frequency ``g_w``/``sigma_w`` (and the
    ``g0_w`` they imply, when the method has one) when asked;
    ``g_iw_atomic`` for Hubbard-I; ``info`` holds method-specific scalars and objects
    (energies, bath, fit distance, timings).
    """

    g_iw: dict
    sigma_iw: dict
    g_tau: dict
    g_l: dict
    density: dict
    g_w: dict | None = None
    sigma_w: dict | None = None
    g0_w: dict | None = None
    g_iw_atomic: dict | None = None
    info: dict = field(default_factory=dict)


class ImpuritySolver(Protocol):
    """The protocol of a registered solver class."""

    name: ClassVar[str]
    Options: ClassVar[type]

    def solve(self, problem: ImpurityProblem, options: Any) -> SolverResult: ...


_REGISTRY: dict[str, type] = {}
# Built-in solvers, imported on first use: method name -> module.
_BUILTIN = {
    "hubbard_i": "triqs_mlsolver.solvers.hubbard_i",
    "ipt": "triqs_mlsolver.solvers.ipt",
    "ed": "triqs_mlsolver.solvers.ed",
}


def one_orbital_interaction(h_int: Terms, method: str, error: type = InvalidParameterError) -> tuple[float, np.ndarray]:
    """``(U, h)`` of ``h_int = U n_0 n_1 + h_0 n_0 + h_1 n_1 + const`` (anything else raises ``error``, naming
    ``method``): the interaction of the one-orbital methods."""
    u, h = 0.0, np.zeros(2)
    for coef, mono in h_int:
        if abs(coef.imag) > 1e-12 * max(1.0, abs(coef)):
            raise invalid_parameter("h_int", f"a term {coef} * {mono}", "real coefficients (a hermitian U n_up n_dn)",
                                    error=error)
        if mono == ((True, 0), (True, 1), (False, 1), (False, 0)):
            u = coef.real
        elif len(mono) == 2 and mono[0] == (True, mono[1][1]) and not mono[1][0]:
            h[mono[1][1]] = coef.real
        elif mono:
            raise invalid_parameter(
                "h_int", f"a term {coef} * {mono}", f"U n_up n_dn plus optional one-body terms h_s n_s for {method}",
                "Spin-flip, pair-hopping, off-diagonal or multi-orbital terms need method='ed'.", error=error,
            )
    return u, h


def register(cls: type) -> type:
    """Class decorator: add a solver class (with ``name`` and ``Options``) to the registry."""
    if not isinstance(getattr(cls, "name", None), str) or not dataclasses.is_dataclass(getattr(cls, "Options", None)):
        raise InvalidParameterError(f"{cls!r} is not a solver: it needs a str 'name' and a dataclass 'Options'.")
    _REGISTRY[cls.name] = cls
    return cls


def available_methods() -> list[str]:
    """Names of every registered or built-in method."""
    return sorted(set(_REGISTRY) | set(_BUILTIN))


def get_solver(name: str) -> type:
    """The solver class registered under ``name`` (imports built-in solvers on first use)."""
    if name not in _REGISTRY and name in _BUILTIN:
        importlib.import_module(_BUILTIN[name])
    try:
        return _REGISTRY[name]
    except KeyError:
        raise invalid_parameter("method", name, f"one of {available_methods()}") from None


def options_from_kwargs(options_cls: type, kwargs: dict, method: str) -> Any:
    """Build ``options_cls(**kwargs)``; an unknown key raises, naming the method's valid options."""
    refuse_unknown(options_cls, kwargs, f"for method {method!r}", noun="option",
                   see="See the Solver reference in doc/solver.md.")
    return options_cls(**kwargs)
