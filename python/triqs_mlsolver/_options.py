"""One way to declare options: documented fields of a frozen class, validated at construction.

An options class is a frozen dataclass deriving from :class:`Options` whose fields are
declared with :func:`option` (a default, a one-line doc, and a validator)::

    @dataclass(frozen=True)
    class FitOptions(Options):
        n_restarts: int = option("number of starting points", 5, check=integer(1))
        weight: str = option("weights W_n", "1/w", check=choice(("uniform", "1/w")))

A validator is called as ``check(name, value, error)`` and returns the clean value or raises
``error`` (:class:`~triqs_mlsolver.errors.InvalidParameterError` or a subclass, the class's
``error``) with the standard message of :func:`~triqs_mlsolver.errors.invalid_parameter`.
Constraints between fields go in the class's ``_check`` (run after the field validators).
:meth:`Options.from_kwargs` and :meth:`Options.from_table` build the class from keyword
arguments or a TOML table, refusing unknown keys with the list of allowed ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, field
from typing import Any, Callable, ClassVar

from . import _validation as v
from .errors import InvalidParameterError

__all__ = [
    "Options",
    "option",
    "option_docs",
    "refuse_unknown",
    "integer",
    "real",
    "positive",
    "nonnegative",
    "open_unit",
    "choice",
    "boolean",
    "optional",
]

Check = Callable[[str, Any, type], Any]


def option(doc: str, default: Any = MISSING, *, check: Check | None = None) -> Any:
    """A dataclass field with its one-line documentation and its validator ``check(name, value, error)``."""
    return field(default=default, metadata={"doc": doc, "check": check})


def option_docs(cls: type) -> dict[str, str]:
    """``{field: doc}`` of an options class (the ``doc`` metadata of its fields)."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(cls)}


def refuse_unknown(cls: type, keys, where: str, *, noun: str = "key", see: str = "",
                   error: type = InvalidParameterError) -> None:
    """Raise ``error`` if a key is not a field of ``cls``:
    ``unknown key(s) ['x'] in [section]: allowed are [...]. <see>``."""
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(keys) - set(names))
    if unknown:
        raise error(f"unknown {noun}(s) {unknown} {where}: allowed are {names}." + (f" {see}" if see else ""))


class Options:
    """Base of the frozen options classes (decorate the subclass with ``@dataclass(frozen=True)``).

    At construction every field's validator runs in declaration order and its clean value
    replaces the given one; then :meth:`_check` verifies the constraints between fields.
    """

    error: ClassVar[type] = InvalidParameterError
    """The error class the validators raise (a subclass of InvalidParameterError)."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            check = f.metadata.get("check")
            if check is not None:
                object.__setattr__(self, f.name, check(f.name, getattr(self, f.name), self.error))
        self._check()

    def _check(self) -> None:
        """Constraints between fields (after the field validators); none by default."""

    @classmethod
    def from_kwargs(cls, kwargs: dict, where: str, *, noun: str = "option", see: str = "") -> Any:
        """``cls(**kwargs)``; an unknown key raises ``cls.error`` naming ``where`` and the allowed keys."""
        refuse_unknown(cls, kwargs, where, noun=noun, see=see, error=cls.error)
        return cls(**kwargs)

    @classmethod
    def from_table(cls, table: object, path: str, convert: dict | None = None, *, see: str = "") -> Any:
        """Build ``cls`` from the TOML table at ``path`` (None: every default).

        Unknown keys raise; ``convert`` maps keys to functions ``(key_path, value) -> value`` applied
        first (nested sections); a validation error is re-raised as ``cls.error`` with ``[path]`` in front.
        """
        if table is None:
            table = {}
        if not isinstance(table, dict):
            raise cls.error(f"[{path}] must be a table (got {type(table).__name__}). {see}".rstrip())
        refuse_unknown(cls, table, f"in [{path}]", see=see, error=cls.error)
        try:
            kwargs = {key: (convert or {}).get(key, lambda p, x: x)(f"{path}.{key}", value) for key, value in table.items()}
            return cls(**kwargs)
        except InvalidParameterError as err:
            text = str(err)
            raise cls.error(text if text.startswith("[") else f"[{path}] {text}") from None


# -- validators: factories of check(name, value, error) ------------------------------------------


def integer(lo: int | None = None, hi: int | None = None) -> Check:
    """An integer with ``lo <= value <= hi``."""
    return lambda name, value, error: v.int_in_range(name, value, lo, hi, error=error)


def real(lo: float | None = None, hi: float | None = None, *, open_lo: bool = False, open_hi: bool = False) -> Check:
    """A finite real number in ``[lo, hi]`` (or the open ends asked for)."""
    return lambda name, value, error: v.float_in_range(name, value, lo, hi, open_lo=open_lo, open_hi=open_hi,
                                                       error=error)


def positive() -> Check:
    """``0 < value < inf``."""
    return lambda name, value, error: v.positive_float(name, value, error=error)


def nonnegative() -> Check:
    """``0 <= value < inf``."""
    return lambda name, value, error: v.nonnegative_float(name, value, error=error)


def open_unit() -> Check:
    """``0 < value < 1``."""
    return lambda name, value, error: v.open_unit_float(name, value, error=error)


def choice(allowed) -> Check:
    """One of ``allowed``."""
    return lambda name, value, error: v.one_of(name, value, allowed, error=error)


def boolean() -> Check:
    """True or False (numpy booleans accepted, returned as bool)."""
    return lambda name, value, error: v.boolean(name, value, error=error)


def optional(check: Check) -> Check:
    """None, or a value accepted by ``check``."""
    return lambda name, value, error: None if value is None else check(name, value, error)
