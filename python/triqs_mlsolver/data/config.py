"""The dataset-generation configuration: one TOML file, one frozen dataclass per section.

Energies are in units of the half bandwidth ``D`` of the reference band (``D = 1``), so the
Bethe lattice has hopping ``t = D/2``.  Every key has a default and a doc line here (the
``doc`` metadata; doc/datasets.md lists them all); unknown keys and out-of-range values raise
:class:`~triqs_mlsolver.errors.DatasetConfigError` naming the key, the value and the bound.
The resolved configuration (every default filled in) is stored in the dataset file; resuming
checks that it has not changed.

Layout of the file (sections in brackets)::

    seed = 1234                 # global seed: sample i draws from the stream (seed, i)
    [output]                    # stored grids (OutputConfig)
    [reference]                 # reference ED: bath size, ED options (ReferenceConfig)
    [solvers.NAME]              # cheap solvers, one table each (SolverSpec); default: DEFAULT_SOLVERS
    [families.random]           # random discrete baths (RandomFamily)
    [families.bethe]            # baths visited by Bethe-lattice ED-DMFT loops (BetheFamily)
    [families.kondo]            # logarithmically discretized flat band (KondoFamily)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

from .._options import Options, choice, integer, real
from ..bath import BathFitOptions
from ..ed import MAX_BATH, EDOptions
from ..errors import DatasetConfigError
from ..solvers.base import get_solver, options_from_kwargs
from .distributions import Distribution, check_choice, check_float, check_support, dist_field, doc
from .schema import FAMILIES as SCHEMA_FAMILIES

__all__ = [
    "OutputConfig",
    "ReferenceConfig",
    "SolverSpec",
    "RandomFamily",
    "BetheFamily",
    "KondoFamily",
    "DatasetConfig",
    "FAMILIES",
    "FAMILY_CODES",
    "DEFAULT_SOLVERS",
    "load_config",
    "parse_config",
]

MAX_SAMPLES = 100_000_000
LEVEL_MODES = ("eps_d", "shift", "filling")
MIRRORS = ("none", "random", "pairs")
STARTS = ("metal", "insulator")

#: Cheap solvers run when the file has no [solvers] section: name -> (method, options).
DEFAULT_SOLVERS = {
    "hubbard_i": ("hubbard_i", {}),
    "ipt": ("ipt", {}),
    "ed_nb1": ("ed", {"n_bath": 1}),
    "ed_nb2": ("ed", {"n_bath": 2}),
    "ed_nb3": ("ed", {"n_bath": 3}),
}


SEE = "The keys are documented in doc/datasets.md."


class Section(Options):
    """A section of the configuration file: its errors are :class:`DatasetConfigError`."""

    error = DatasetConfigError

    @classmethod
    def from_table(cls, table: object, path: str, convert: dict | None = None, *, see: str = SEE):
        return super().from_table(table, path, convert, see=see)


def _floats(lo=None, hi=None, open_lo=False):
    """Check of a non-empty list of numbers in ``[lo, hi]``, returned as a tuple of floats."""
    def check(name: str, values: object, error: type) -> tuple[float, ...]:
        if not isinstance(values, (list, tuple)) or not values:
            raise error(f"{name} = {values!r} is invalid: allowed is a non-empty list of numbers.")
        return tuple(check_float(f"{name}[{i}]", v, lo, hi, open_lo=open_lo) for i, v in enumerate(values))

    return check


# -- sections --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputConfig(Section):
    """Grids of the stored Green's functions, and the grids the solvers work on."""

    n_iw: int = doc("stored Matsubara frequencies w_n, n = 0 .. n_iw-1 (G_iw, Sigma_iw, Delta_iw)", 64,
                    check=integer(1, 100_000))
    n_iw_solve: int = doc("Matsubara frequencies (per sign) given to the solvers and bath fits", 1024,
                          check=integer(1, 1_000_000))
    n_tau: int = doc("stored G(tau) points tau_k = k beta/(n_tau-1), both ends included", 201, check=integer(2, 100_000))
    n_tau_solve: int = doc("G(tau) points the solvers produce; (n_tau_solve-1) must be a multiple of (n_tau-1)", 10001,
                           check=integer(2, 1_000_000))
    n_l: int = doc("stored Legendre coefficients G_l, l = 0 .. n_l-1", 50, check=integer(1, 1000))
    w_min: float = doc("lowest real frequency of the reference spectral function A(w)", -6.0, check=real())
    w_max: float = doc("highest real frequency of A(w)", 6.0, check=real())
    n_w: int = doc("points of the uniform real-frequency grid of A(w)", 481, check=integer(2, 1_000_000))
    eta: float = doc("broadening: A(w) = -Im G(w + i eta)/pi", 0.05, check=real(0.0, open_lo=True))

    def _check(self) -> None:
        integer(self.n_iw, 1_000_000)("n_iw_solve", self.n_iw_solve, self.error)
        integer(self.n_tau, 1_000_000)("n_tau_solve", self.n_tau_solve, self.error)
        if (self.n_tau_solve - 1) % (self.n_tau - 1):
            raise DatasetConfigError(
                f"n_tau_solve = {self.n_tau_solve} is invalid: allowed is (n_tau_solve - 1) a multiple of "
                f"(n_tau - 1) = {self.n_tau - 1}, so that the stored tau points are solver points "
                f"(e.g. n_tau_solve = {(self.n_tau - 1) * 50 + 1})."
            )
        real(self.w_min, open_lo=True)("w_max", self.w_max, self.error)

    @property
    def tau_stride(self) -> int:
        return (self.n_tau_solve - 1) // (self.n_tau - 1)


def _reference_ed(name: str, value: object, error: type) -> EDOptions:
    if isinstance(value, dict):
        value = EDOptions.from_kwargs({"n_states_max": 20000, **value}, "in [reference] ed")
    if not isinstance(value, EDOptions):
        raise error(f"ed = {value!r} is invalid: allowed is a table of EDOptions keys.")
    return value


@dataclass(frozen=True)
class ReferenceConfig(Section):
    """The reference: finite-temperature ED of the sample's own discrete bath."""

    n_bath: int = doc(f"bath sites Nb_ref of every sample (1 .. {MAX_BATH}); the ED has 2 (1 + Nb_ref) spin-orbitals", 7,
                      check=integer(1, MAX_BATH))
    ed: EDOptions = doc("options of the exact diagonalization (keys of triqs_mlsolver.ed.EDOptions; "
                        "default: EDOptions() with n_states_max = 20000)", EDOptions(n_states_max=20000),
                        check=_reference_ed)


@dataclass(frozen=True)
class SolverSpec(Section):
    """A cheap solver run on every sample: ``[solvers.NAME]`` with ``method`` and its ``options``."""

    name: str = doc("the table name: the HDF5 group solvers/NAME (letters, digits, _)", "")
    method: str = doc("registered method: hubbard_i, ipt, ed, ...", "")
    options: Any = doc("table of the method's options (its Options dataclass; e.g. n_bath for ed)", None)

    def _check(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,40}", self.name):
            raise DatasetConfigError(
                f"solver name {self.name!r} is invalid: allowed is a letter followed by letters, digits or _ "
                "(at most 41 characters)."
            )
        if not isinstance(self.method, str):
            raise DatasetConfigError(f"method = {self.method!r} is invalid: allowed is a method name such as 'ipt'.")
        options_cls = get_solver(self.method).Options
        options = self.options if self.options is not None else {}
        if isinstance(options, dict):
            options = options_from_kwargs(options_cls, options, self.method)
        if not isinstance(options, options_cls):
            raise DatasetConfigError(f"options of solver {self.name!r} must be a table of {options_cls.__name__} keys.")
        object.__setattr__(self, "options", options)


def _level_check(mode: str, level: Distribution) -> None:
    if mode == "filling":
        check_support("level", level, 0.0, 2.0, open_lo=True, open_hi=True)


@dataclass(frozen=True)
class RandomFamily(Section):
    """Random discrete baths of Nb_ref sites with a fixed or sampled total hybridization sum_k V_k^2."""

    count: int = doc("number of samples", 0, check=integer(0, MAX_SAMPLES))
    beta: Distribution = dist_field("inverse temperature (> 0)", Distribution(dist="loguniform", low=10.0, high=100.0),
                                    0.0, open_lo=True)
    U: Distribution = dist_field("Hubbard interaction (>= 0)", Distribution(dist="uniform", low=0.5, high=5.0), 0.0)
    level_mode: str = doc("meaning of `level`: eps_d (the level), shift (eps_d + U/2), filling (target total filling, 0..2)",
                          "filling", check=choice(LEVEL_MODES))
    level: Distribution = dist_field("impurity level, shift or target filling (see level_mode)",
                                     Distribution(dist="uniform", low=0.3, high=1.0))
    field: Distribution = dist_field("magnetic field B on the impurity: levels eps_d -+ B/2 for up/down",
                                     Distribution(value=0.0))
    mirror: str = doc("particle-hole mirror (eps_k, eps_d, B) -> (-eps_k, -eps_d - U, -B): none, random (p = 1/2), "
                      "pairs (odd samples mirror the even one before)", "pairs", check=choice(MIRRORS))
    hybridization: Distribution = dist_field("total hybridization sum_k V_k^2 (> 0)",
                                             Distribution(dist="uniform", low=0.1, high=0.5), 0.0, open_lo=True)
    bath_half_width: Distribution = dist_field("bath levels lie in [center - w, center + w] (w > 0)",
                                               Distribution(dist="uniform", low=0.5, high=2.0), 0.0, open_lo=True)
    bath_center: Distribution = dist_field("centre of the bath levels (ignored by symmetric baths)",
                                           Distribution(dist="uniform", low=-0.5, high=0.5))
    symmetric_fraction: float = doc("probability that a bath is particle-hole symmetric (levels +-e_k, equal V)", 0.3,
                                    check=real(0.0, 1.0))
    weight_alpha: float = doc("Dirichlet concentration of the weights V_k^2 / sum V^2 (large: equal weights)", 2.0,
                              check=real(0.0, open_lo=True))

    def _check(self) -> None:
        _level_check(self.level_mode, self.level)


def _bath_fit_options(name: str, value: object, error: type) -> BathFitOptions:
    if isinstance(value, BathFitOptions):
        return value
    if not isinstance(value, dict):
        raise error(f"fit = {value!r} is invalid: allowed is a table of BathFitOptions keys.")
    return BathFitOptions.from_kwargs(value, "in fit", noun="key")


def _starts(name: str, value: object, error: type) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise error(f"starts = {value!r} is invalid: allowed is a non-empty list from {list(STARTS)}.")
    return tuple(check_choice("starts", s, STARTS) for s in value)


@dataclass(frozen=True)
class BetheFamily(Section):
    """Short ED-DMFT loops on the Bethe lattice (half bandwidth D): every iteration's fitted bath is a sample.

    One loop per (U, beta, mu_shift, start); iteration j fits Nb_ref sites to Delta_j = t^2 G_(j-1)
    (t = D/2, G_(-1) the start) and solves that AIM with the reference ED.
    """

    D: float = doc("half bandwidth of the semicircular density of states", 1.0, check=real(0.0, open_lo=True))
    U: tuple = doc("list of U values", (1.0, 2.0, 3.0), check=_floats(0.0))
    beta: tuple = doc("list of inverse temperatures", (20.0, 50.0), check=_floats(0.0, open_lo=True))
    mu_shift: tuple = doc("list of mu - U/2 (0: half filling)", (0.0,), check=_floats())
    starts: tuple = doc("starting points: metal (G of the free lattice) and/or insulator (atomic G)",
                        ("metal", "insulator"), check=_starts)
    n_iterations: int = doc("DMFT iterations (= samples) per loop", 6, check=integer(1, 1000))
    mixing: float = doc("G_j = mixing G_new + (1 - mixing) G_(j-1); 1 is no mixing", 1.0,
                        check=real(0.0, 1.0, open_lo=True))
    fit: BathFitOptions = doc("options of the Nb_ref-site bath fit (keys of triqs_mlsolver.bath.BathFitOptions)",
                              BathFitOptions(), check=_bath_fit_options)

    @property
    def n_loops(self) -> int:
        return len(self.U) * len(self.beta) * len(self.mu_shift) * len(self.starts)

    @property
    def count(self) -> int:
        return self.n_loops * self.n_iterations


@dataclass(frozen=True)
class KondoFamily(Section):
    """A flat band of half width D (Gamma = pi rho V^2, rho = 1/(2D)), discretized logarithmically into Nb_ref sites."""

    count: int = doc("number of samples", 0, check=integer(0, MAX_SAMPLES))
    D: float = doc("half bandwidth of the flat band", 1.0, check=real(0.0, open_lo=True))
    Lambda: Distribution = dist_field("logarithmic discretization parameter (> 1): interval edges D Lambda^-m",
                                      Distribution(value=3.0), 1.0, 1000.0, open_lo=True)
    U: Distribution = dist_field("Hubbard interaction (>= 0)", Distribution(dist="uniform", low=0.5, high=5.0), 0.0)
    Gamma: Distribution = dist_field("hybridization width Gamma = pi rho V^2 (> 0)",
                                     Distribution(dist="loguniform", low=0.05, high=0.5), 0.0, open_lo=True)
    level_mode: str = doc("meaning of `level`: eps_d, shift (eps_d + U/2) or filling (target total filling, 0..2)", "shift",
                          check=choice(LEVEL_MODES))
    level: Distribution = dist_field("impurity level, shift or target filling (see level_mode)",
                                     Distribution(dist="uniform", low=-1.0, high=1.0))
    temperature: Distribution = dist_field("temperature T = 1/beta (> 0)",
                                           Distribution(dist="loguniform", low=0.004, high=0.04), 0.0, open_lo=True)
    field: Distribution = dist_field("magnetic field B on the impurity: levels eps_d -+ B/2 for up/down",
                                     Distribution(value=0.0))
    mirror: str = doc("particle-hole mirror, as for families.random: none, random or pairs", "none", check=choice(MIRRORS))

    def _check(self) -> None:
        _level_check(self.level_mode, self.level)


#: The families in the order their samples are numbered (that of schema.FAMILIES, whose position is the stored code).
FAMILIES = dict(zip(SCHEMA_FAMILIES, (RandomFamily, BetheFamily, KondoFamily)))
FAMILY_CODES = {name: code for code, name in enumerate(SCHEMA_FAMILIES)}


@dataclass(frozen=True)
class DatasetConfig(Section):
    """The whole configuration; ``families`` holds the present families in :data:`FAMILIES` order."""

    seed: int = doc("global seed: sample i draws from the random stream SeedSequence([seed, i])", 0,
                    check=integer(0, 2**63 - 1))
    description: str = doc("free text stored with the dataset", "")
    output: OutputConfig = doc("[output] section", OutputConfig())
    reference: ReferenceConfig = doc("[reference] section", ReferenceConfig())
    solvers: tuple = doc("[solvers.NAME] tables (default: hubbard_i, ipt, ED with 1, 2, 3 fitted bath sites)", ())
    families: tuple = doc("[families.random], [families.bethe], [families.kondo] tables", ())

    def _check(self) -> None:
        if not isinstance(self.description, str):
            raise DatasetConfigError(f"description = {self.description!r} is invalid: allowed is a string.")
        if not self.families or not any(f.count for _, f in self.families):
            raise DatasetConfigError(
                "the configuration has no samples: add a [families.random], [families.bethe] or [families.kondo] "
                "table with count > 0 (see doc/datasets.md)."
            )
        names = [s.name for s in self.solvers]
        if len(set(names)) != len(names):
            raise DatasetConfigError(f"solver names {names} are not unique.")

    @property
    def n_samples(self) -> int:
        return sum(f.count for _, f in self.families)

    def family_ranges(self) -> dict[str, range]:
        """Global sample indices of each family (families numbered in :data:`FAMILIES` order)."""
        out, start = {}, 0
        for name, fam in self.families:
            out[name] = range(start, start + fam.count)
            start += fam.count
        return out

    def to_json(self) -> str:
        """The resolved configuration as canonical JSON (sorted keys), stored in the file."""
        return json.dumps(_plain(self), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """SHA-256 of :meth:`to_json`: two configurations give the same samples iff their digests agree."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


def _plain(obj: object) -> object:
    """JSON-ready form of the configuration objects."""
    if isinstance(obj, Distribution):
        return obj.to_json()
    if isinstance(obj, DatasetConfig):
        out = {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        out["solvers"] = {s.name: {"method": s.method, "options": _plain(s.options)} for s in obj.solvers}
        out["families"] = {name: _plain(fam) for name, fam in obj.families}
        return out
    if dataclasses.is_dataclass(obj):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    return obj


def parse_config(table: dict) -> DatasetConfig:
    """Build the :class:`DatasetConfig` from a parsed TOML document (a dict)."""
    if not isinstance(table, dict):
        raise DatasetConfigError("the configuration must be a TOML table.")
    solvers_table = table.get("solvers")
    if solvers_table is None:
        solvers = tuple(SolverSpec(name, m, dict(o)) for name, (m, o) in DEFAULT_SOLVERS.items())
    else:
        if not isinstance(solvers_table, dict):
            raise DatasetConfigError("[solvers] must hold one table per solver: [solvers.NAME] method = ...")
        specs = []
        for name, spec in solvers_table.items():
            if not isinstance(spec, dict) or "name" in spec:
                raise DatasetConfigError(
                    f"[solvers.{name}] must be a table with the keys method and options (the name is the table's)."
                )
            specs.append(SolverSpec.from_table({**spec, "name": name}, f"solvers.{name}"))
        solvers = tuple(specs)
    families_table = table.get("families", {})
    if not isinstance(families_table, dict):
        raise DatasetConfigError("[families] must hold the tables [families.random], [families.bethe], [families.kondo].")
    unknown = sorted(set(families_table) - set(FAMILIES))
    if unknown:
        raise DatasetConfigError(f"unknown famil(ies) {unknown} in [families]: allowed are {list(FAMILIES)}.")
    families = tuple((name, cls.from_table(families_table[name], f"families.{name}"))
                     for name, cls in FAMILIES.items() if name in families_table)
    return DatasetConfig.from_table(
        {**table, "solvers": solvers, "families": families},
        "top level",
        {
            "output": lambda p, v: OutputConfig.from_table(v, "output"),
            "reference": lambda p, v: ReferenceConfig.from_table(v, "reference"),
        },
    )


def load_config(path: str | os.PathLike) -> DatasetConfig:
    """Read and validate a TOML configuration file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except FileNotFoundError:
        raise DatasetConfigError(f"configuration file {os.fspath(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as err:
        raise DatasetConfigError(f"configuration file {os.fspath(path)!r} is not valid TOML: {err}.") from None
    return parse_config(table)
