"""The Format registry and the dispatch between Python objects and HDF5 nodes.

Writing picks, in this order: a class registered with :func:`register_class` (a group of
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

__all__ = ["register_class", "registered_formats", "canonical_format", "write_node", "read_node"]

PlainGroup = Callable[[h5py.Group], object]

_CONTAINERS = {list: "List", tuple: "Tuple", dict: "Dict"}
_CONTAINER_ALIASES = {"PythonListWrap": "List", "PythonTupleWrap": "Tuple", "PythonDictWrap": "Dict"}
_BUILTIN_FORMATS = frozenset(
    {*_CONTAINERS.values(), *_CONTAINER_ALIASES, *MESH_FORMATS, *_gf.GF_CONTAINER_FORMATS, "Gf", "Operator"}
)

_class_of_format: dict[str, type] = {}
_format_of_class: dict[type, str] = {}


def register_class(cls: type, format_name: str | None = None) -> None:
    """Make instances of ``cls`` storable in an archive and rebuildable from it.

    ``cls`` provides ``__reduce_to_dict__(self) -> dict`` (the children to store) and a
    classmethod ``__factory_from_dict__(cls, name, d)`` (``name`` is the key read, ``d``
    the children read back).  The group is tagged ``Format = format_name``, by default
    ``cls._hdf5_format_`` if defined, else ``cls.__name__``.  Registering the same class
    under the same name again is allowed; any other reuse of a name is an error.
    """
    if not isinstance(cls, type):
        raise invalid_parameter("cls", cls, "a class")
    for method in ("__reduce_to_dict__", "__factory_from_dict__"):
        if not callable(getattr(cls, method, None)):
            raise invalid_parameter(
                "cls", cls.__name__, "a class with __reduce_to_dict__() and classmethod __factory_from_dict__(name, d)",
                f"Define {method} on {cls.__name__}.",
            )
    name = format_name or getattr(cls, "_hdf5_format_", None) or cls.__name__
    if not isinstance(name, str) or not name:
        raise invalid_parameter("format_name", name, "a non-empty str")
    if name in _BUILTIN_FORMATS:
        raise invalid_parameter(
            "format_name", name, f"a name other than the built-in formats {sorted(_BUILTIN_FORMATS)}"
        )
    if _class_of_format.get(name, cls) is not cls or _format_of_class.get(cls, name) != name:
        raise invalid_parameter(
            "format_name", name,
            "a format name not yet used by another class, and one name per class",
            f"Currently registered: {registered_formats()}.",
        )
    _class_of_format[name] = cls
    _format_of_class[cls] = name


def registered_formats() -> dict[str, str]:
    """Format name -> ``module.Class`` of every class registered with :func:`register_class`."""
    return {name: f"{cls.__module__}.{cls.__qualname__}" for name, cls in _class_of_format.items()}


def canonical_format(name: str) -> str:
    """The format a tag is read as: aliases resolved (``PythonListWrap`` -> ``List``, ``GfImFreq_s`` -> ``Gf``)."""
    if _gf.is_gf_format(name):
        return "Gf"
    return _CONTAINER_ALIASES.get(name, name)


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
    fmt = _format_of_class.get(type(value))
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
        kind = next(name for cls, name in _CONTAINERS.items() if isinstance(value, cls))
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
    cls = _class_of_format.get(fmt)
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
