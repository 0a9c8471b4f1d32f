"""Block structure of Green's functions (``gf_struct``) in every TRIQS format.

The current format (TRIQS >= 3.1) is a list of ``(block_name, block_size)`` pairs.
Older formats are accepted and converted like TRIQS's ``fix_gf_struct_type``:
``[(name, [0, 1, ...])]`` (TRIQS 1.5 - 3.0) and the dict ``{name: [0, 1, ...]}``
(TRIQS <= 1.4).  Spin-orbitals are numbered block by block in gf_struct order
(the "flat" index used by the ED core and the operators' term lists).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

from .errors import IncompatibleGfStructError

__all__ = ["GfStruct", "fix_gf_struct", "flat_indices"]

GfStruct = tuple[tuple[str, int], ...]


def _block_size(name: str, spec: object) -> int:
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        size = int(spec)
    elif isinstance(spec, Sequence) and not isinstance(spec, (str, bytes)):
        size = len(spec)
    else:
        raise IncompatibleGfStructError(
            f"gf_struct block {name!r} has size {spec!r}: allowed is a positive integer "
            "(current format) or a list of indices (old format)."
        )
    if size < 1:
        raise IncompatibleGfStructError(f"gf_struct block {name!r} has size {size}: allowed is size >= 1.")
    return size


def fix_gf_struct(gf_struct: object) -> GfStruct:
    """Return ``gf_struct`` as a tuple of ``(str, int)`` pairs, converting the old formats.

    Raises :class:`IncompatibleGfStructError` for an empty structure, a non-string or
    duplicate block name, a reserved name (``'block_names'`` or starting with ``'__'``)
    or a non-positive size.
    """
    if isinstance(gf_struct, Mapping):
        items = list(gf_struct.items())
    elif isinstance(gf_struct, Sequence) and not isinstance(gf_struct, (str, bytes)):
        items = list(gf_struct)
    else:
        raise IncompatibleGfStructError(
            f"gf_struct = {gf_struct!r} is invalid: allowed is a list of (block_name, block_size) pairs, "
            "e.g. [('up', 1), ('down', 1)]."
        )
    if not items:
        raise IncompatibleGfStructError("gf_struct is empty: allowed is at least one (block_name, block_size) pair.")
    result = []
    seen = set()
    for item in items:
        if not isinstance(item, Sequence) or isinstance(item, (str, bytes)) or len(item) != 2:
            raise IncompatibleGfStructError(
                f"gf_struct entry {item!r} is invalid: allowed is a pair (block_name, block_size)."
            )
        name, spec = item
        if not isinstance(name, str):
            raise IncompatibleGfStructError(f"gf_struct block name {name!r} is invalid: allowed is a str.")
        if name == "block_names" or name.startswith("__") or "/" in name:
            raise IncompatibleGfStructError(
                f"gf_struct block name {name!r} is reserved: block names may not be 'block_names', "
                "start with '__' or contain '/'."
            )
        if name in seen:
            raise IncompatibleGfStructError(f"gf_struct block name {name!r} appears twice: block names must be unique.")
        seen.add(name)
        result.append((name, _block_size(name, spec)))
    return tuple(result)


def flat_indices(gf_struct: GfStruct) -> dict[tuple[str, int], int]:
    """Map ``(block_name, inner_index)`` to the flat spin-orbital index (block by block, then inner index)."""
    mapping: dict[tuple[str, int], int] = {}
    for name, size in gf_struct:
        for i in range(size):
            mapping[(name, i)] = len(mapping)
    return mapping
