"""Lazy public names of a package (PEP 562): ``__getattr__`` and ``__dir__`` that import on first use."""

from __future__ import annotations

import importlib
from typing import Callable


def lazy_names(namespace: dict, table: dict[str, tuple[str, str]]) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for the module whose globals are ``namespace``.

    ``table`` maps a public name to ``(module, attribute)``; the attribute is imported on first
    access and cached in ``namespace``, so that the heavy import happens once and only when used.
    """

    def __getattr__(name: str):
        try:
            module, attribute = table[name]
        except KeyError:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
