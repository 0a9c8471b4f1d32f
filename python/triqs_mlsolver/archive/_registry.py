"""The Format names of an archive and the registry of user classes (no h5py, so that a class can
register itself at import without loading HDF5).

``register_class(cls)`` makes instances of ``cls`` storable: the archive writes a group of
``cls.__reduce_to_dict__()`` tagged ``Format = name`` and rebuilds it with
``cls.__factory_from_dict__(key, children)``.  The built-in names below cannot be taken.
"""

from __future__ import annotations

from ..errors import invalid_parameter

__all__ = ["CONTAINERS", "CONTAINER_ALIASES", "MESH_FORMAT_NAMES", "GF_CONTAINER_FORMATS", "BUILTIN_FORMATS",
           "register_class", "registered_formats", "class_of_format", "format_of_class"]

CONTAINERS = {list: "List", tuple: "Tuple", dict: "Dict"}
CONTAINER_ALIASES = {"PythonListWrap": "List", "PythonTupleWrap": "Tuple", "PythonDictWrap": "Dict"}
MESH_FORMAT_NAMES = ("MeshImFreq", "MeshImTime", "MeshLegendre", "MeshReFreq")
GF_CONTAINER_FORMATS = frozenset({"BlockGf", "Block2Gf"})
BUILTIN_FORMATS = frozenset(
    {*CONTAINERS.values(), *CONTAINER_ALIASES, *MESH_FORMAT_NAMES, *GF_CONTAINER_FORMATS, "Gf", "Operator"}
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
    if name in BUILTIN_FORMATS:
        raise invalid_parameter(
            "format_name", name, f"a name other than the built-in formats {sorted(BUILTIN_FORMATS)}"
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


def class_of_format(name: str) -> type | None:
    """The registered class of a Format tag (None if none)."""
    return _class_of_format.get(name)


def format_of_class(cls: type) -> str | None:
    """The Format tag of a registered class (None if it is not registered)."""
    return _format_of_class.get(cls)
