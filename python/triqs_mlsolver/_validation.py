"""Validators that check a parameter and return its clean value.

Each raises :class:`~triqs_mlsolver.errors.InvalidParameterError` (or the subclass given as
``error``, e.g. :class:`~triqs_mlsolver.errors.DatasetConfigError`) naming the parameter, the
value and the allowed range.  :mod:`triqs_mlsolver._options` builds option fields from them.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import InvalidParameterError, invalid_parameter

__all__ = [
    "positive_float",
    "finite_float",
    "float_in_range",
    "open_unit_float",
    "int_in_range",
    "nonnegative_float",
    "finite_array",
    "one_of",
    "boolean",
]

_E = InvalidParameterError


def finite_float(name: str, value: object, *, error: type = _E) -> float:
    """Return ``float(value)``; raise unless it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise invalid_parameter(name, value, f"{name} a finite real number", error=error)
    x = float(value)
    if not math.isfinite(x):
        raise invalid_parameter(name, value, f"{name} a finite real number", error=error)
    return x


def float_in_range(name: str, value: object, lo: float | None = None, hi: float | None = None, *,
                   open_lo: bool = False, open_hi: bool = False, error: type = _E) -> float:
    """Return ``float(value)``; raise unless it is finite and in ``[lo, hi]`` (the ends open as asked)."""
    x = finite_float(name, value, error=error)
    if (lo is not None and (x < lo or (open_lo and x == lo))) or (hi is not None and (x > hi or (open_hi and x == hi))):
        left = f"{lo:g} {'<' if open_lo else '<='} " if lo is not None else ""
        right = f" {'<' if open_hi else '<='} {hi:g}" if hi is not None else ""
        raise invalid_parameter(name, value, f"{left}{name}{right}", error=error)
    return x


def positive_float(name: str, value: object, *, error: type = _E) -> float:
    """Return ``float(value)``; raise unless ``0 < value < inf``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < float(value) < math.inf:
        raise invalid_parameter(name, value, f"0 < {name} < inf", error=error)
    return float(value)


def open_unit_float(name: str, value: object, *, error: type = _E) -> float:
    """Return ``float(value)``; raise unless ``0 < value < 1``."""
    x = positive_float(name, value, error=error)
    if not x < 1.0:
        raise invalid_parameter(name, x, f"0 < {name} < 1", error=error)
    return x


def nonnegative_float(name: str, value: object, *, error: type = _E) -> float:
    """Return ``float(value)``; raise unless ``0 <= value < inf``."""
    x = finite_float(name, value, error=error)
    if x < 0.0:
        raise invalid_parameter(name, value, f"0 <= {name} < inf", error=error)
    return x


def int_in_range(name: str, value: object, lo: int | None = None, hi: int | None = None, *, error: type = _E) -> int:
    """Return ``int(value)``; raise unless it is an integer with ``lo <= value <= hi``."""
    bounds = (f"{lo} <= " if lo is not None else "") + name + (f" <= {hi}" if hi is not None else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise invalid_parameter(name, value, f"{name} an integer, {bounds}", error=error)
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise invalid_parameter(name, value, bounds, error=error)
    return v


def finite_array(name: str, value: object, dtype=None) -> np.ndarray:
    """Return ``np.asarray(value, dtype)``; raise if any entry is NaN or infinite."""
    arr = np.asarray(value, dtype=dtype)
    if arr.dtype.kind in "biufc" and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise invalid_parameter(
            name, f"array with non-finite entry at index {tuple(int(i) for i in bad)}", f"all entries of {name} finite"
        )
    return arr


def one_of(name: str, value: object, allowed, *, error: type = _E) -> object:
    """Return ``value``; raise unless it is one of ``allowed`` (listed in their order)."""
    if value not in allowed:
        raise invalid_parameter(name, value, f"one of {list(allowed)}", error=error)
    return value


def boolean(name: str, value: object, *, error: type = _E) -> bool:
    """Return ``bool(value)``; raise unless it is True or False (numpy booleans included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise invalid_parameter(name, value, f"{name} True or False", error=error)
    return bool(value)
