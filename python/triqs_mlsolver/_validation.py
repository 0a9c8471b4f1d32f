"""Validators that check a parameter and return its clean value.

Each raises :class:`~triqs_mlsolver.errors.InvalidParameterError` naming the
parameter, the value and the allowed range.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import invalid_parameter

__all__ = [
    "positive_float",
    "finite_float",
    "int_in_range",
    "nonnegative_float",
    "finite_array",
    "one_of",
]


def finite_float(name: str, value: object) -> float:
    """Return ``float(value)``; raise unless it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise invalid_parameter(name, value, f"{name} a finite real number")
    x = float(value)
    if not math.isfinite(x):
        raise invalid_parameter(name, value, f"{name} a finite real number")
    return x


def positive_float(name: str, value: object) -> float:
    """Return ``float(value)``; raise unless ``0 < value < inf``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < float(value) < math.inf:
        raise invalid_parameter(name, value, f"0 < {name} < inf")
    return float(value)


def nonnegative_float(name: str, value: object) -> float:
    """Return ``float(value)``; raise unless ``0 <= value < inf``."""
    x = finite_float(name, value)
    if x < 0.0:
        raise invalid_parameter(name, value, f"0 <= {name} < inf")
    return x


def int_in_range(name: str, value: object, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``int(value)``; raise unless it is an integer with ``lo <= value <= hi``."""
    bounds = (f"{lo} <= " if lo is not None else "") + name + (f" <= {hi}" if hi is not None else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise invalid_parameter(name, value, f"{name} an integer, {bounds}")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise invalid_parameter(name, value, bounds)
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


def one_of(name: str, value: object, allowed) -> object:
    """Return ``value``; raise unless it is one of ``allowed``."""
    if value not in allowed:
        raise invalid_parameter(name, value, f"one of {sorted(map(str, allowed))}")
    return value
