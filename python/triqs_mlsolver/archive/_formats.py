"""The dispatch between Python objects and HDF5 nodes.

Writing picks, in this order: a class registered with :func:`._registry.register_class` (a group of
its ``__reduce_to_dict__()`` items tagged with its format name), the built-in objects
(lean meshes, ``Gf``, ``BlockGf``, ``Block2Gf``, ``Operator``), ``list``/``tuple``/``dict``
(groups ``List``/``Tuple``/``Dict`` with children ``"0"``, ``"1"``, ... or ``str(key)``),
an archive group (copied), and finally the leaf values of :mod:`._primitives`.

Reading dispatches on the ``Format`` tag, with the TRIQS aliases (``PythonListWrap`` ...,
``GfImFreq``/``GfImTime``/``GfLegendre``/``GfReFreq``/``GfReTime`` with optional ``_s``,
``Tv3``, ``Tv4`` suffixes).  A group without a tag is returned by ``plain_group`` (the
archive's group view); an unknown tag gives an :class:`ArchiveFormatWarning` and a plain group.
"""

from __future__ import annotations

import warnings
from typing import Callable

import h5py

from ..errors import ArchiveFormatError, ArchiveFormatWarning, invalid_parameter
from . import _gf, _operator
from ._meshes import MESH_FORMATS, mesh_format, read_mesh, write_mesh
from ._primitives import check_key, format_of, is_leaf, read_leaf, set_format, write_leaf
from ._registry import CONTAINER_ALIASES, CONTAINERS, class_of_format, format_of_class

__all__ = ["canonical_format", "write_node", "read_node"]

PlainGroup = Callable[[h5py.Group], object]

def canonical_format(name: str) -> str:
    """The format a tag is read as: aliases resolved (``PythonListWrap`` -> ``List``, ``GfImFreq_s`` -> ``Gf``)."""
    if _gf.is_gf_format(name):
        return "Gf"
    return CONTAINER_ALIASES.get(name, name)


# ----------------------------------------------------------------------------- writing


def _write_children(group: h5py.Group, items, label: str) -> None:
    for key, value in items:
        check_key(key)
        if key in group:
            raise invalid_parameter(f"key of {label!r}", key, "keys unique after conversion with str()")
        write_node(group, key, value, f"{label}/{key}")


def _unsupported(label: str, value: object) -> Exception:
    cls = type(value)
    if value is None:
        return invalid_parameter(
            f"value of {label!r}", None, "a storable object (None has no HDF5 representation)",
            "Omit the key, or store a sentinel such as an empty string.",
        )
    return invalid_parameter(
        f"value of {label!r}", f"an object of class {cls.__module__}.{cls.__qualname__}",
        "bool, int, float, complex, str, numpy scalars/arrays, list, tuple, dict, lean meshes, Gf, BlockGf, "
        "Block2Gf, Operator, an archive group, or a class registered with register_class",
        "Register the class (it needs __reduce_to_dict__ and __factory_from_dict__), or convert TRIQS objects "
        "with triqs_mlsolver.triqs_compat.to_lean.",
    )


def write_node(group: h5py.Group, key: str, value: object, label: str) -> None:
    """Write ``value`` as ``group[key]`` (a new dataset or group), in the TRIQS >= 3.2 layout.

    ``label`` names the entry in error messages (the key path the user wrote).
    """
    fmt = format_of_class(type(value))
    if fmt is not None:
        children = value.__reduce_to_dict__()
        if not isinstance(children, dict):
            raise invalid_parameter(f"{type(value).__name__}.__reduce_to_dict__()", type(children).__name__, "a dict")
        sub = group.create_group(key)
        _write_children(sub, ((str(k), v) for k, v in children.items()), label)
        set_format(sub, fmt)
    elif mesh_format(value) is not None:
        write_mesh(group.create_group(key), value)
    elif _gf.is_gf_object(value):
        _gf.write_gf_object(group.create_group(key), value)
    elif _operator.is_operator(value):
        _operator.write_operator(group, key, value, label)
    elif isinstance(value, (list, tuple, dict)):
        kind = next(name for cls, name in CONTAINERS.items() if isinstance(value, cls))
        items = value.items() if kind == "Dict" else enumerate(value)
        sub = group.create_group(key)
        _write_children(sub, ((str(k), v) for k, v in items), label)
        set_format(sub, kind)
    elif isinstance(getattr(value, "h5_group", None), h5py.Group):
        group.copy(value.h5_group, key)
    elif is_leaf(value):
        write_leaf(group, key, value, label)
    else:
        raise _unsupported(label, value)


# ----------------------------------------------------------------------------- reading


def _sequence(group: h5py.Group, plain_group: PlainGroup) -> list:
    try:
        order = sorted((int(k), k) for k in group)
    except ValueError:
        raise ArchiveFormatError(
            f"group {group.name!r} is tagged {format_of(group)!r} but has children {sorted(group)}: "
            "expected children named 0, 1, 2, ..."
        ) from None
    return [read_node(group[k], plain_group) for _, k in order]


def read_node(node: h5py.Group | h5py.Dataset, plain_group: PlainGroup) -> object:
    """Rebuild the object stored at ``node`` (any TRIQS version)."""
    tag = format_of(node)
    fmt = canonical_format(tag) if tag else ""
    if isinstance(node, h5py.Dataset):
        return _operator.read_operator(node) if fmt == "Operator" else read_leaf(node)
    if not fmt:
        return plain_group(node)
    if fmt == "List":
        return _sequence(node, plain_group)
    if fmt == "Tuple":
        return tuple(_sequence(node, plain_group))
    if fmt == "Dict":
        return {k: read_node(node[k], plain_group) for k in node}
    if fmt == "Gf":
        return _gf.read_gf(node, tag)
    if fmt in _gf.GF_CONTAINER_FORMATS:
        return _gf.read_gf_container(node, fmt)
    if fmt in MESH_FORMATS:
        return read_mesh(node)
    cls = class_of_format(fmt)
    if cls is not None:
        children = {k: read_node(node[k], plain_group) for k in node}
        return cls.__factory_from_dict__(node.name.rsplit("/", 1)[-1], children)
    warnings.warn(
        f"group {node.name!r} has Format {tag!r}, which is not registered: read as a plain group. "
        "Register its class with triqs_mlsolver.archive.register_class to rebuild it.",
        ArchiveFormatWarning,
        stacklevel=3,
    )
    return plain_group(node)
