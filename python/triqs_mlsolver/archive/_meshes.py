"""Mesh groups of a TRIQS-layout HDF5 archive.

Written (TRIQS >= 3.2 flat layout, every parameter a 0-d dataset):

=================  ==================================================================
``MeshImFreq``     ``beta`` float64, ``statistic`` 'F'/'B', ``size`` int64 (all points),
                   ``positive_freq_only`` int32
``MeshImTime``     ``beta`` float64, ``statistic``, ``n_tau`` int64
``MeshLegendre``   ``beta`` float64, ``statistic``, ``max_n`` int64
``MeshReFreq``     ``min``, ``max`` float64, ``size`` int64
=================  ==================================================================

Read: the flat layout and the older one (``beta``/``statistic`` in a ``domain/`` subgroup,
``size`` instead of ``n_tau``, ``n_max`` instead of ``max_n``, ``start_at_0`` instead of
``positive_freq_only``).  A positive-only Matsubara mesh is returned as such; the Gf
reader unfolds the data to the full mesh.
"""

from __future__ import annotations

import h5py
import numpy as np

from .. import meshes
from ..errors import ArchiveFormatError
from ._primitives import decode_str, format_of, set_format
from ._registry import MESH_FORMAT_NAMES

__all__ = ["MESH_FORMATS", "mesh_format", "write_mesh", "read_mesh"]

#: Format tag -> lean mesh class.
MESH_FORMATS = {name: getattr(meshes, name) for name in MESH_FORMAT_NAMES}
_STATISTIC_TAG = {"Fermion": "F", "Boson": "B"}


def mesh_format(mesh: object) -> str | None:
    """The Format tag of a lean mesh object, or ``None`` if it is not one."""
    for name, cls in MESH_FORMATS.items():
        if type(mesh) is cls:
            return name
    return None


def write_mesh(group: h5py.Group, mesh: object) -> None:
    """Fill the empty ``group`` with ``mesh`` in the flat TRIQS >= 3.2 layout."""
    name = mesh_format(mesh)
    if isinstance(mesh, meshes.MeshReFreq):
        group.create_dataset("min", data=np.float64(mesh.w_min))
        group.create_dataset("max", data=np.float64(mesh.w_max))
        group.create_dataset("size", data=np.int64(len(mesh)))
    else:
        group.create_dataset("beta", data=np.float64(mesh.beta))
        group.create_dataset("statistic", data=_STATISTIC_TAG[mesh.statistic], dtype=h5py.string_dtype("utf-8"))
        if isinstance(mesh, meshes.MeshImFreq):
            group.create_dataset("size", data=np.int64(len(mesh)))
            group.create_dataset("positive_freq_only", data=np.int32(mesh.positive_only()))
        elif isinstance(mesh, meshes.MeshImTime):
            group.create_dataset("n_tau", data=np.int64(mesh.n_tau))
        else:
            group.create_dataset("max_n", data=np.int64(mesh.max_n))
    set_format(group, name)


def _scalar(group: h5py.Group, names: tuple[str, ...], kind: str, default: object = None) -> float | int | str:
    """First of ``names`` found in ``group`` or its ``domain/`` subgroup, checked to be of ``kind``.

    Without any of them: ``default`` if given, else :class:`ArchiveFormatError`.
    """
    places = [group] + ([group["domain"]] if isinstance(group.get("domain"), h5py.Group) else [])
    for place in places:
        for name in names:
            node = place.get(name)
            if isinstance(node, h5py.Dataset):
                return _checked(node, kind)
    if default is not None:
        return default
    raise ArchiveFormatError(
        f"mesh group {group.name!r} (Format {format_of(group) or 'missing'!r}) has no "
        f"{' or '.join(names)}: expected it in the group or in its 'domain/' subgroup."
    )


def _checked(node: h5py.Dataset, kind: str) -> float | int | str:
    if node.shape != ():
        raise ArchiveFormatError(f"mesh parameter {node.name!r} has shape {node.shape}: expected a 0-d dataset.")
    if kind == "str":
        if h5py.check_string_dtype(node.dtype) is None:
            raise ArchiveFormatError(f"mesh parameter {node.name!r} has dtype {node.dtype}: expected a string.")
        return decode_str(node[()])
    if node.dtype.kind not in ("iu" if kind == "int" else "iuf"):
        raise ArchiveFormatError(f"mesh parameter {node.name!r} has dtype {node.dtype}: expected {kind}.")
    value = node[()].item()
    return int(value) if kind == "int" else float(value)


def _statistic(group: h5py.Group) -> str:
    tag = _scalar(group, ("statistic",), "str")
    try:
        return meshes.normalize_statistic(tag)
    except ValueError:
        raise ArchiveFormatError(
            f"mesh group {group.name!r} has statistic {tag!r}: expected 'F', 'B', 'Fermion' or 'Boson'."
        ) from None


def _read_imfreq(group: h5py.Group) -> meshes.MeshImFreq:
    beta, statistic = _scalar(group, ("beta",), "float"), _statistic(group)
    size = _scalar(group, ("size",), "int")
    positive_only = bool(_scalar(group, ("positive_freq_only", "start_at_0"), "int", default=0))
    if positive_only:
        n_iw = size
    else:
        n_iw = (size + 1) // 2
        if size != (2 * n_iw if statistic == "Fermion" else 2 * n_iw - 1):
            parity = "even (2 n_iw)" if statistic == "Fermion" else "odd (2 n_iw - 1)"
            raise ArchiveFormatError(
                f"MeshImFreq group {group.name!r} has size {size} for a {statistic} mesh: expected an {parity} size."
            )
    return meshes.MeshImFreq(beta, statistic, n_iw, positive_only=positive_only)


def _read_imtime(group: h5py.Group) -> meshes.MeshImTime:
    n_tau = _scalar(group, ("n_tau", "size"), "int")
    return meshes.MeshImTime(_scalar(group, ("beta",), "float"), _statistic(group), n_tau)


def _read_legendre(group: h5py.Group) -> meshes.MeshLegendre:
    max_n = _scalar(group, ("max_n", "n_max"), "int")
    return meshes.MeshLegendre(_scalar(group, ("beta",), "float"), _statistic(group), max_n)


def _read_refreq(group: h5py.Group) -> meshes.MeshReFreq:
    w_min, w_max = _scalar(group, ("min",), "float"), _scalar(group, ("max",), "float")
    return meshes.MeshReFreq(w_min, w_max, _scalar(group, ("size",), "int"))


_READERS = {
    "MeshImFreq": _read_imfreq,
    "MeshImTime": _read_imtime,
    "MeshLegendre": _read_legendre,
    "MeshReFreq": _read_refreq,
}


def read_mesh(group: h5py.Group, default_format: str | None = None):
    """Read a mesh group (any TRIQS version) as a lean mesh.

    ``default_format`` names the mesh type when the group has no Format attribute
    (legacy ``GfImFreq``... groups, whose mesh type follows from the Gf format).
    """
    name = format_of(group) or default_format
    if name not in _READERS:
        raise ArchiveFormatError(
            f"mesh group {group.name!r} has Format {name!r}: supported are {sorted(_READERS)}."
        )
    try:
        return _READERS[name](group)
    except ValueError as err:
        raise ArchiveFormatError(f"mesh group {group.name!r} ({name}) has invalid parameters: {err}") from None
