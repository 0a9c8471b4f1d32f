"""Leaf values of a TRIQS-layout HDF5 archive: scalars, strings, arrays, complex numbers.

What is written (the TRIQS >= 3.2 Python layout, see ``doc/archive.md``):

* ``bool`` -> 0-d numpy bool (an HDF5 enum over int8, as TRIQS writes it);
  ``int`` -> 0-d int64; ``float`` -> 0-d float64; ``str`` -> 0-d vlen UTF-8 string;
* ``complex`` -> float dataset of shape ``(2,)`` (re, im) with attribute ``__complex__ = '1'``;
* numpy scalars -> 0-d datasets of their dtype (complex ones as above);
* numeric numpy arrays -> datasets of the same dtype, chunked as one chunk with gzip level 1;
  complex arrays get a trailing axis of length 2 and ``__complex__ = '1'``;
* numpy ``str`` arrays of rank 1 or 2 -> fixed-length null-terminated UTF-8 string datasets.

What is read: every one of the above, plus the older variants (fixed-length or byte
strings, ``__complex__`` of any type, the compound ``{r, i}`` complex type).
The ``Format`` attribute is written as a scalar vlen UTF-8 string and read from
``Format`` or the old ``TRIQS_HDF5_data_scheme``, in any string flavour.
"""

from __future__ import annotations

import h5py
import numpy as np

from ..errors import ArchiveFormatError, invalid_parameter

__all__ = [
    "open_file",
    "check_key",
    "decode_str",
    "format_of",
    "set_format",
    "is_leaf",
    "write_leaf",
    "read_leaf",
    "read_array",
    "create_fixed_string_dataset",
    "write_fixed_string_attribute",
]

_FORMAT_ATTRIBUTES = ("Format", "TRIQS_HDF5_data_scheme")
_COMPLEX_ATTRIBUTE = "__complex__"
_LEAF_TYPES = "bool, int, float, complex, str, numpy scalars and numpy arrays (numeric or str)"


def open_file(path: str, mode: str) -> h5py.File:
    """``h5py.File(path, mode)``.  A read-only open takes HDF5's file lock like any other reader, so that
    the user's own ``h5py.File(path, "r")`` of the same file in the same process keeps working; only
    when the lock is refused (another process holds the file open for writing: a running generation
    or DMFT loop) is the file opened without it, where the library offers the switch (h5py >= 3.5
    with HDF5 >= 1.10.7).  Such a reader sees what the writer has flushed."""
    if mode != "r":
        return h5py.File(path, mode)
    try:
        return h5py.File(path, "r")
    except OSError as err:
        if "lock" not in str(err):
            raise
        try:
            return h5py.File(path, "r", locking=False)
        except (TypeError, ValueError):  # no locking switch in this h5py / HDF5: the lock error stands
            raise err from None


def check_key(key: object) -> str:
    """Return ``key`` if it can name an entry of an archive group, else raise.

    A key is a non-empty ``str`` without ``'/'`` (``'/'`` separates groups in HDF5).
    """
    if not isinstance(key, str):
        raise invalid_parameter("key", key, "a str", "Convert the key with str() first.")
    if not key or "/" in key or key in (".", ".."):
        raise invalid_parameter(
            "key", key, "a non-empty str without '/' (and not '.' or '..')",
            "Use nested groups (ar.create_group(...)) instead of '/' in a key.",
        )
    return key


def decode_str(value: object) -> str:
    """Return ``value`` as a ``str``: bytes are decoded as UTF-8 and trailing NULs removed."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bytes, np.bytes_)):
        value = bytes(value).decode("utf-8")
    if not isinstance(value, str):
        raise ArchiveFormatError(f"expected a string, found {value!r} of type {type(value).__name__}.")
    return value.rstrip("\x00")


def format_of(node: h5py.HLObject) -> str:
    """The TRIQS format tag of a group or dataset (``''`` when it has none)."""
    for name in _FORMAT_ATTRIBUTES:
        if name in node.attrs:
            return decode_str(node.attrs[name])
    return ""


def set_format(node: h5py.HLObject, name: str) -> None:
    """Tag ``node`` with ``Format = name`` (a scalar vlen UTF-8 string, as TRIQS writes it)."""
    node.attrs["Format"] = name


def is_leaf(value: object) -> bool:
    """Whether ``value`` is stored as a single dataset by :func:`write_leaf`."""
    return isinstance(value, (bool, int, float, complex, str, np.generic, np.ndarray)) and not isinstance(
        value, (bytes, np.bytes_)
    )


def _fixed_string_type(length: int) -> h5py.h5t.TypeStringID:
    """HDF5 fixed-length, null-terminated UTF-8 string type (what the TRIQS C++ writer uses)."""
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(length)
    tid.set_strpad(h5py.h5t.STR_NULLTERM)
    tid.set_cset(h5py.h5t.CSET_UTF8)
    return tid


def _encode_strings(strings: np.ndarray) -> tuple[np.ndarray, h5py.h5t.TypeStringID]:
    encoded = [str(s).encode("utf-8") for s in strings.flat]
    length = max(map(len, encoded), default=0) + 1
    return np.array(encoded, dtype=f"S{length}").reshape(strings.shape), _fixed_string_type(length)


def create_fixed_string_dataset(group: h5py.Group, key: str, strings) -> None:
    """Write a str array (rank 1 or 2) as a fixed-length null-terminated UTF-8 dataset."""
    data, tid = _encode_strings(np.asarray(strings, dtype=str))
    space = h5py.h5s.create_simple(data.shape)
    dsid = h5py.h5d.create(group.id, key.encode("utf-8"), tid, space)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, data, mtype=tid)


def write_fixed_string_attribute(node: h5py.HLObject, name: str, strings) -> None:
    """Write a str array as a fixed-length null-terminated UTF-8 attribute of ``node``."""
    data, tid = _encode_strings(np.asarray(strings, dtype=str))
    space = h5py.h5s.create_simple(data.shape)
    attr = h5py.h5a.create(node.id, name.encode("utf-8"), tid, space)
    attr.write(data, mtype=tid)


def _write_complex(group: h5py.Group, key: str, value: np.ndarray) -> None:
    stacked = np.ascontiguousarray(np.stack([value.real, value.imag], axis=-1))
    if value.ndim == 0:
        dset = group.create_dataset(key, data=stacked)
    else:
        dset = _create_array(group, key, stacked)
    dset.attrs[_COMPLEX_ATTRIBUTE] = "1"


def _create_array(group: h5py.Group, key: str, array: np.ndarray) -> h5py.Dataset:
    """Numeric array of rank >= 1: one chunk holding the whole array, gzip level 1."""
    if array.size == 0:
        return group.create_dataset(key, data=array)
    return group.create_dataset(key, data=array, chunks=array.shape, compression="gzip", compression_opts=1)


def write_leaf(group: h5py.Group, key: str, value: object, label: str | None = None) -> None:
    """Write a scalar, string or numpy array as the dataset ``group[key]`` (TRIQS layout).

    ``label`` names the entry in error messages (default: ``key``).
    """
    label = key if label is None else label
    if isinstance(value, np.generic):
        value = np.asarray(value)
    elif isinstance(value, bool):
        value = np.asarray(value, dtype=np.bool_)
    elif isinstance(value, int):
        try:
            value = np.asarray(value, dtype=np.int64)
        except OverflowError:
            raise invalid_parameter(label, value, "an int in the int64 range [-2**63, 2**63 - 1]") from None
    elif isinstance(value, (float, complex)):
        value = np.asarray(value, dtype=np.complex128 if isinstance(value, complex) else np.float64)
    elif isinstance(value, str):
        group.create_dataset(key, data=value, dtype=h5py.string_dtype("utf-8"))
        return
    if not isinstance(value, np.ndarray):
        raise invalid_parameter(f"value of {label!r}", type(value).__name__, _LEAF_TYPES)
    kind = value.dtype.kind
    if kind == "c":
        _write_complex(group, key, value)
    elif kind in "biuf":
        if value.ndim == 0:
            group.create_dataset(key, data=value)
        else:
            _create_array(group, key, np.ascontiguousarray(value))
    elif kind == "U" and value.ndim == 0:
        group.create_dataset(key, data=str(value[()]), dtype=h5py.string_dtype("utf-8"))
    elif kind == "U" and value.ndim in (1, 2):
        create_fixed_string_dataset(group, key, value)
    else:
        raise invalid_parameter(
            f"numpy array {label!r}", f"dtype {value.dtype}, rank {value.ndim}",
            "a numeric dtype (bool, int, uint, float, complex) of any rank, or str of rank 0, 1 or 2",
            "Convert object arrays to a list or to a numeric dtype.",
        )


def _decode_strings(array: np.ndarray) -> object:
    if array.ndim == 0:
        return decode_str(array[()])
    return [_decode_strings(row) for row in array] if array.ndim > 1 else [decode_str(s) for s in array]


def read_leaf(dset: h5py.Dataset) -> object:
    """Read a dataset written by :func:`write_leaf` or by any TRIQS version.

    0-d numeric datasets give Python scalars, strings give ``str`` (rank 1/2 string datasets
    give lists of ``str``), a ``__complex__`` dataset gives a complex scalar (shape ``(2,)``)
    or a complex array (trailing axis 2 removed), other datasets give numpy arrays.
    """
    dtype = dset.dtype
    if h5py.check_string_dtype(dtype) is not None:
        return _decode_strings(np.asarray(dset[()]))
    if dtype.names is not None and set(dtype.names) == {"r", "i"}:
        raw = dset[()]
        value = raw["r"] + 1j * raw["i"]
        return complex(value) if np.ndim(value) == 0 else np.asarray(value)
    if _COMPLEX_ATTRIBUTE in dset.attrs:
        value = read_array(dset)
        return complex(value[()]) if dset.ndim == 1 else value
    raw = dset[()]
    if isinstance(raw, np.ndarray) and raw.ndim > 0:
        return raw
    return raw.item() if isinstance(raw, (np.generic, np.ndarray)) else raw


def read_array(dset: h5py.Dataset) -> np.ndarray:
    """A numeric dataset as an array; with ``__complex__`` the last axis (re, im) becomes complex."""
    raw = np.asarray(dset[()])
    if dset.dtype.kind not in "biuf":
        raise ArchiveFormatError(f"dataset {dset.name!r} has dtype {dset.dtype}: expected a numeric array.")
    if _COMPLEX_ATTRIBUTE not in dset.attrs:
        return raw
    if raw.ndim == 0 or raw.shape[-1] != 2 or dset.dtype.kind == "b":
        raise ArchiveFormatError(
            f"dataset {dset.name!r} has the __complex__ attribute but shape {raw.shape} and dtype {dset.dtype}: "
            "a complex dataset must be real-valued with a last axis of length 2 (re, im)."
        )
    return raw[..., 0] + 1j * raw[..., 1]
