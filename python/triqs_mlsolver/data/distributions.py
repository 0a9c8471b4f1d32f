"""Scalar distributions of the dataset configuration, and the checks shared by its sections.

A sampled parameter is written in the TOML file either as a number (fixed value) or as a
table naming its distribution::

    U = 2.0                                              # every sample has U = 2
    U = { dist = "uniform", low = 0.5, high = 5.0 }      # uniform on [low, high]
    beta = { dist = "loguniform", low = 10, high = 100 } # log(beta) uniform on [log low, log high]
    U = { dist = "choice", values = [1.0, 2.0, 3.0] }    # one of the values, equally likely

Every section of the configuration is an options class (:class:`~triqs_mlsolver._options.Options`
raising :class:`~triqs_mlsolver.errors.DatasetConfigError`) built by ``from_table``, which rejects
unknown keys (listing the allowed ones) and prefixes any validation error with the section's
path, e.g. ``[families.random] U = -1.0 is invalid: ...``.  The checks here are the shared
validators of :mod:`triqs_mlsolver._validation` with that error class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._options import option
from .._validation import float_in_range, int_in_range, one_of
from ..errors import DatasetConfigError, invalid_parameter

__all__ = [
    "Distribution",
    "distribution",
    "dist_field",
    "check_int",
    "check_float",
    "check_choice",
    "check_support",
    "doc",
]

DISTRIBUTIONS = ("fixed", "uniform", "loguniform", "choice")

doc = option
"""A documented field of a configuration section (every key is listed in doc/datasets.md)."""


def check_int(name: str, value: object, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int with ``lo <= value <= hi`` (DatasetConfigError otherwise)."""
    return int_in_range(name, value, lo, hi, error=DatasetConfigError)


def check_float(name: str, value: object, lo: float | None = None, hi: float | None = None, *,
                open_lo: bool = False, open_hi: bool = False) -> float:
    """``value`` as a finite float in ``[lo, hi]`` (or the open ends asked for; DatasetConfigError otherwise)."""
    return float_in_range(name, value, lo, hi, open_lo=open_lo, open_hi=open_hi, error=DatasetConfigError)


def check_choice(name: str, value: object, allowed) -> object:
    """``value`` if it is one of ``allowed`` (DatasetConfigError otherwise)."""
    return one_of(name, value, allowed, error=DatasetConfigError)


def _error(name: str, value: object, allowed: str) -> DatasetConfigError:
    return invalid_parameter(name, value, allowed, error=DatasetConfigError)


@dataclass(frozen=True)
class Distribution:
    """A scalar drawn once per sample: ``fixed`` (``value``), ``uniform`` / ``loguniform`` on
    ``[low, high]``, or ``choice`` among ``values``."""

    dist: str = "fixed"
    value: float | None = None
    low: float | None = None
    high: float | None = None
    values: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        check_choice("dist", self.dist, DISTRIBUTIONS)
        needed = {"fixed": {"value"}, "uniform": {"low", "high"}, "loguniform": {"low", "high"},
                  "choice": {"values"}}[self.dist]
        given = {k for k in ("value", "low", "high", "values") if getattr(self, k) is not None}
        if given != needed:
            raise DatasetConfigError(
                f"a {self.dist!r} distribution takes the keys {sorted(needed)}, got {sorted(given)}. "
                'Examples: 2.0, { dist = "uniform", low = 0.5, high = 5.0 }, { dist = "choice", values = [1, 2] }.'
            )
        if self.dist == "fixed":
            object.__setattr__(self, "value", check_float("value", self.value))
        elif self.dist == "choice":
            if not isinstance(self.values, (list, tuple)) or not self.values:
                raise _error("values", self.values, "a non-empty list of numbers")
            object.__setattr__(self, "values", tuple(check_float(f"values[{i}]", v) for i, v in enumerate(self.values)))
        else:
            low = check_float("low", self.low)
            high = check_float("high", self.high)
            if not low < high:
                raise _error("high", high, f"high > low = {low:g}")
            if self.dist == "loguniform" and low <= 0:
                raise _error("low", low, "low > 0 for a loguniform distribution")
            object.__setattr__(self, "low", low)
            object.__setattr__(self, "high", high)

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can give."""
        if self.dist == "fixed":
            return self.value, self.value
        if self.dist == "choice":
            return min(self.values), max(self.values)
        return self.low, self.high

    def sample(self, rng: np.random.Generator) -> float:
        """One draw.  Every kind consumes exactly one uniform number, so the draws that follow in a
        sample's stream do not depend on which distributions were chosen."""
        u = rng.random()
        if self.dist == "fixed":
            return self.value
        if self.dist == "choice":
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        if self.dist == "uniform":
            return self.low + u * (self.high - self.low)
        return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))

    def to_json(self) -> object:
        """The resolved form stored in the dataset file (a number for fixed values)."""
        if self.dist == "fixed":
            return self.value
        keys = ("values",) if self.dist == "choice" else ("low", "high")
        return {"dist": self.dist, **{k: list(getattr(self, k)) if k == "values" else getattr(self, k) for k in keys}}


def distribution(path: str, value: object) -> Distribution:
    """Parse a TOML value (number or table) at ``path`` into a :class:`Distribution`; errors name its key."""
    name = path.rsplit(".", 1)[-1]
    if isinstance(value, Distribution):
        return value
    try:
        if isinstance(value, dict):
            unknown = sorted(set(value) - {"dist", "value", "low", "high", "values"})
            if unknown:
                raise DatasetConfigError(
                    f"unknown key(s) {unknown}: allowed are ['dist', 'high', 'low', 'value', 'values']."
                )
            return Distribution(**value)
        return Distribution(dist="fixed", value=value)
    except DatasetConfigError as err:
        raise DatasetConfigError(f"{name}: {err}") from None


def check_support(name: str, dist: Distribution, lo: float | None = None, hi: float | None = None, *,
                  open_lo: bool = False, open_hi: bool = False) -> Distribution:
    """Raise unless every value ``dist`` can give lies in the allowed range."""
    a, b = dist.support()
    for bound, x in (("smallest", a), ("largest", b)):
        try:
            check_float(name, x, lo, hi, open_lo=open_lo, open_hi=open_hi)
        except DatasetConfigError as err:
            raise DatasetConfigError(f"{err} (the {bound} value of the distribution of {name})") from None
    return dist


def dist_field(text: str, default: Distribution, lo: float | None = None, hi: float | None = None, *,
               open_lo: bool = False, open_hi: bool = False) -> Any:
    """A documented distribution field: a number or a table, parsed by :func:`distribution`, every
    value of whose support must lie in the allowed range (:func:`check_support`)."""
    def check(name, value, error):
        return check_support(name, distribution(name, value), lo, hi, open_lo=open_lo, open_hi=open_hi)

    return option(text, default, check=check)
