"""``HDFArchive``: a dict-like view of an HDF5 file in the TRIQS layout (h5py only).

Files written here are read by ``h5.HDFArchive`` of TRIQS >= 3.2 (the layout is the one
TRIQS 3.2+ writes from Python), and every older TRIQS layout is read.  See ``doc/archive.md``.

    with HDFArchive("results.h5", "w") as ar:
        ar["G_iw"] = G_iw                  # a BlockGf
        ar["params"] = {"U": 2.0, "beta": 40.0}
        sub = ar.create_group("it_0")
        sub["Sigma_iw"] = Sigma_iw
    with HDFArchive("results.h5", "r") as ar:
        G = ar["G_iw"]; U = ar["params"]["U"]; S = ar["it_0"]["Sigma_iw"]

Keys are ``str`` without ``'/'`` (reading also accepts a path ``'a/b'``); writing an existing
key replaces it.  Objects of other classes become storable with
:func:`~triqs_mlsolver.archive.register_class`.
"""

from __future__ import annotations

import os
from typing import Iterator

import h5py

from ..errors import ArchiveFormatError, invalid_parameter
from ._formats import read_node, write_node
from ._primitives import check_key, format_of, open_file

__all__ = ["HDFArchive", "HDFArchiveGroup"]

_MODES = {"r": "read only", "w": "create or truncate", "a": "read/write, create if missing"}
_SUPPORTED_VERSION = 1


class HDFArchiveGroup:
    """A group of an archive, used like a dict: ``g[key]``, ``g[key] = obj``, ``del g[key]``, ``key in g``.

    Values are rebuilt from their ``Format`` tag; a subgroup without one comes back as an
    ``HDFArchiveGroup``.  Iteration, ``keys()``, ``values()``, ``items()`` follow the HDF5
    order of the names (alphabetical).
    """

    def __init__(self, group: h5py.Group, writable: bool) -> None:
        self._group = group
        self._writable = writable

    # -- access to the underlying h5py objects --------------------------------------------
    @property
    def h5_group(self) -> h5py.Group:
        """The underlying :class:`h5py.Group` (for raw access)."""
        self._check_open()
        return self._group

    @property
    def path(self) -> str:
        """The HDF5 path of the group (``'/'`` for the root)."""
        return self.h5_group.name

    def _check_open(self) -> None:
        if not self._group.id.valid:
            raise invalid_parameter(
                "archive", "closed", "an open archive", "Reopen the file with HDFArchive(path, mode)."
            )

    def _check_writable(self, key: str) -> None:
        if not self._writable:
            raise invalid_parameter(
                f"write of {key!r}: archive mode", "r", "'w' or 'a' to modify an archive",
                f"Reopen {self._group.file.filename!r} with HDFArchive(path, 'a').",
            )

    def _node(self, key: str) -> h5py.Group | h5py.Dataset:
        """The h5py object at ``key``: a name, or a relative path ``'a/b'`` of names."""
        valid = isinstance(key, str) and all(part not in ("", ".") for part in key.split("/"))
        node = self.h5_group.get(key) if valid else None
        if node is None:
            raise KeyError(f"{key!r} is not in archive group {self.path!r} (keys: {self.keys()})")
        return node

    # -- the dict protocol --------------------------------------------------------------------
    def keys(self) -> list[str]:
        """The names of the entries of the group."""
        return list(self.h5_group.keys())

    def values(self) -> Iterator[object]:
        """The rebuilt objects, one by one."""
        return (self[key] for key in self.keys())

    def items(self) -> Iterator[tuple[str, object]]:
        """``(key, object)`` pairs, rebuilt one by one."""
        return ((key, self[key]) for key in self.keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.h5_group)

    def __contains__(self, key: object) -> bool:
        try:
            self._node(key)  # type: ignore[arg-type]
        except KeyError:
            return False
        return True

    def __getitem__(self, key: str) -> object:
        """The object stored at ``key`` (a name, or a path ``'a/b'`` through plain subgroups)."""
        return read_node(self._node(key), self._plain)

    def get_raw(self, key: str) -> HDFArchiveGroup:
        """The subgroup ``key`` as a plain group view, whatever its Format (no object is rebuilt)."""
        node = self._node(key)
        if not isinstance(node, h5py.Group):
            raise invalid_parameter("key", key, f"the name of a subgroup of {self.path!r} (it is a dataset)")
        return self._plain(node)

    def __setitem__(self, key: str, value: object) -> None:
        """Store ``value`` at ``key``, replacing any previous entry only once the new one is written."""
        check_key(key)
        self._check_writable(key)
        group = self.h5_group
        temporary = f"{key}.__writing__"
        while temporary in group:
            temporary += "_"
        try:
            write_node(group, temporary, value, key)
        except BaseException:
            if temporary in group:
                del group[temporary]
            raise
        if key in group:
            del group[key]
        group.move(temporary, key)

    def __delitem__(self, key: str) -> None:
        check_key(key)
        self._check_writable(key)
        self._node(key)
        del self.h5_group[key]

    def update(self, mapping) -> None:
        """Store every ``(key, value)`` of a mapping (or of an iterable of pairs)."""
        for key, value in (mapping.items() if hasattr(mapping, "items") else mapping):
            self[key] = value

    # -- groups -------------------------------------------------------------------------------
    def create_group(self, key: str) -> HDFArchiveGroup:
        """Create the empty subgroup ``key`` and return it."""
        check_key(key)
        self._check_writable(key)
        if key in self.h5_group:
            raise invalid_parameter(
                "key", key, f"a name not yet used in {self.path!r}", "Delete the entry first, or open it with ar[key]."
            )
        return self._plain(self.h5_group.create_group(key))

    def is_group(self, key: str) -> bool:
        """Whether ``key`` names a subgroup (whatever it stores)."""
        return key in self and isinstance(self._node(key), h5py.Group)

    def is_data(self, key: str) -> bool:
        """Whether ``key`` names a dataset."""
        return key in self and isinstance(self._node(key), h5py.Dataset)

    def format_of(self, key: str) -> str:
        """The Format tag of the entry ``key`` (``''`` if it has none)."""
        return format_of(self._node(key))

    def _plain(self, group: h5py.Group) -> HDFArchiveGroup:
        return HDFArchiveGroup(group, self._writable)

    # -- context manager ------------------------------------------------------------------------
    def __enter__(self) -> HDFArchiveGroup:
        return self

    def __exit__(self, *exc) -> None:
        """Groups stay usable after ``with``; the file is closed by ``HDFArchive.__exit__``."""

    def __repr__(self) -> str:
        if not self._group.id.valid:
            return f"<{type(self).__name__} (closed)>"
        return f"<{type(self).__name__} {self._group.file.filename!r}:{self.path} keys={self.keys()}>"


class HDFArchive(HDFArchiveGroup):
    """An HDF5 file in the TRIQS layout: ``HDFArchive(path, mode='a')``.

    ``mode``: ``'r'`` read only (the file must exist; opened without an HDF5 file lock, so that a
    file another process is writing can be inspected), ``'w'`` create or truncate, ``'a'``
    read/write, creating the file if missing (the TRIQS default).  Use it as a context
    manager, or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike, mode: str = "a") -> None:
        if mode not in _MODES:
            raise invalid_parameter(
                "mode", mode, "one of " + ", ".join(f"{m!r} ({what})" for m, what in _MODES.items())
            )
        if not isinstance(path, (str, os.PathLike)):
            raise invalid_parameter("path", path, "a file path (str or os.PathLike)")
        path = os.fspath(path)
        if mode == "r" and not os.path.isfile(path):
            raise invalid_parameter(
                "path", path, "an existing file in mode 'r'",
                "Check the path, or open with mode 'a' or 'w' to create it.",
            )
        try:
            file = open_file(path, mode)
        except OSError as err:
            raise ArchiveFormatError(f"cannot open {path!r} as an HDF5 file (mode {mode!r}): {err}") from None
        version = file.attrs.get("HDFArchive_Version", _SUPPORTED_VERSION)
        if mode != "w" and int(version) > _SUPPORTED_VERSION:
            file.close()
            raise ArchiveFormatError(
                f"{path!r} has HDFArchive_Version {int(version)}: supported is up to {_SUPPORTED_VERSION}."
            )
        super().__init__(file, writable=mode != "r")
        self._file = file
        self.mode = mode

    @property
    def filename(self) -> str:
        """The path of the file."""
        return self._file.filename

    def close(self) -> None:
        """Close the file (closing twice is allowed); groups of the archive become unusable."""
        if self._file.id.valid:
            self._file.close()

    def __enter__(self) -> HDFArchive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
