"""Green's-function groups of a TRIQS-layout HDF5 archive: ``Gf``, ``BlockGf``, ``Block2Gf``.

Written (TRIQS >= 3.2 Python layout):

* ``Gf``: group ``Format='Gf'`` with exactly two children, ``data`` (float64, shape
  ``(N_mesh,) + target_shape + (2,)`` with ``__complex__ = '1'``, or without the trailing
  axis and the attribute for a real Gf; one chunk, gzip level 1) and ``mesh`` (a mesh group);
* ``BlockGf``: group ``Format='BlockGf'`` with ``block_names`` (a ``List`` group of str)
  and one Gf group per block, named by the block;
* ``Block2Gf``: group ``Format='Block2Gf'`` with ``block_names1``, ``block_names2`` (``List``
  groups) and one Gf group per pair, named ``"<b1>_<b2>"``.

Read: also the legacy Gf formats (``GfImFreq``, ``GfImTime``, ``GfLegendre``, ``GfReFreq``,
``GfReTime`` with optional ``_s``/``Tv3``/``Tv4``; their mesh group may lack a Format), the
children ``indices`` and ``singularity`` are ignored, a positive-only Matsubara Gf is unfolded
to the full mesh with ``G(-iw) = G(iw)^+``, and block names come from a ``List`` group, a
string dataset, or the legacy ``indices`` repr (parsed with :func:`ast.literal_eval`).
"""

from __future__ import annotations

import ast
import re
import warnings

import h5py
import numpy as np

from .. import meshes
from ..errors import ArchiveFormatError, ArchiveFormatWarning
from ..gf import BlockGf, Gf
from ._block2_gf import Block2Gf
from ._meshes import read_mesh, write_mesh
from ._primitives import decode_str, format_of, read_array, read_leaf, set_format, write_leaf
from ._registry import GF_CONTAINER_FORMATS

__all__ = [
    "GF_CONTAINER_FORMATS",
    "is_gf_format",
    "is_gf_object",
    "write_gf_object",
    "read_gf",
    "gf_layout",
    "block_names",
    "block_key",
    "read_gf_container",
]

_LEGACY_GF = re.compile(r"Gf(ImFreq|ImTime|Legendre|ReFreq|ReTime)?(_s|Tv3|Tv4)?")
_IGNORED_GF_CHILDREN = frozenset({"indices", "singularity"})


def is_gf_format(tag: str) -> bool:
    """Whether a Format tag is a Gf, current (``Gf``) or legacy (``GfImFreq_s`` ...)."""
    return _LEGACY_GF.fullmatch(tag) is not None


def is_gf_object(value: object) -> bool:
    """Whether ``value`` is a lean ``Gf``, ``BlockGf`` or ``Block2Gf``."""
    return isinstance(value, (Gf, BlockGf, Block2Gf))


# ----------------------------------------------------------------------------- writing


def _write_gf(group: h5py.Group, g: Gf) -> None:
    write_leaf(group, "data", g.data)
    write_mesh(group.create_group("mesh"), g.mesh)
    set_format(group, "Gf")


def _write_names(group: h5py.Group, key: str, names) -> None:
    sub = group.create_group(key)
    for i, name in enumerate(names):
        sub.create_dataset(str(i), data=name, dtype=h5py.string_dtype("utf-8"))
    set_format(sub, "List")


def write_gf_object(group: h5py.Group, value: Gf | BlockGf | Block2Gf) -> None:
    """Fill the empty ``group`` with a Gf, a BlockGf or a Block2Gf."""
    if isinstance(value, Gf):
        _write_gf(group, value)
    elif isinstance(value, BlockGf):
        for name, g in value:
            _write_gf(group.create_group(name), g)
        _write_names(group, "block_names", value.block_names)
        set_format(group, "BlockGf")
    else:
        for (b1, b2), g in value:
            _write_gf(group.create_group(f"{b1}_{b2}"), g)
        _write_names(group, "block_names1", value.block_names1)
        _write_names(group, "block_names2", value.block_names2)
        set_format(group, "Block2Gf")


# ----------------------------------------------------------------------------- reading


def _unfold(data: np.ndarray, mesh: meshes.MeshImFreq) -> tuple[np.ndarray, meshes.MeshImFreq]:
    """Positive-only Matsubara data -> the full mesh, with ``G(-iw_n) = G(iw_n)^+``."""
    if data.ndim not in (1, 3):
        raise ArchiveFormatError(
            f"a positive-only Matsubara Gf must be scalar- or matrix-valued to be unfolded; "
            f"found target shape {data.shape[1:]}."
        )
    mirrored = np.conj(data if data.ndim == 1 else np.swapaxes(data, 1, 2))
    negative = mirrored[::-1] if mesh.statistic == "Fermion" else mirrored[:0:-1]
    full = meshes.MeshImFreq(mesh.beta, mesh.statistic, mesh.n_iw)
    return np.concatenate([negative, data]), full


def _parts(group: h5py.Group, tag: str) -> tuple[object, h5py.Dataset]:
    """The mesh and the data dataset of a Gf group (``tag`` is its Format, current or legacy)."""
    children = set(group) - _IGNORED_GF_CHILDREN
    for needed in ("data", "mesh"):
        if needed not in children:
            raise ArchiveFormatError(
                f"Gf group {group.name!r} has no {needed!r}: a Gf group holds 'data' and 'mesh' "
                f"(found {sorted(group)})."
            )
    extra = sorted(children - {"data", "mesh"})
    if extra:
        warnings.warn(f"Gf group {group.name!r}: children {extra} are ignored.", ArchiveFormatWarning, stacklevel=5)
    legacy = _LEGACY_GF.fullmatch(tag).group(1)
    mesh_node, data_node = group["mesh"], group["data"]
    if not isinstance(mesh_node, h5py.Group) or not isinstance(data_node, h5py.Dataset):
        raise ArchiveFormatError(f"Gf group {group.name!r}: 'mesh' must be a group and 'data' a dataset.")
    mesh = read_mesh(mesh_node, default_format=f"Mesh{legacy}" if legacy else None)
    stored = data_node.shape[:-1] if "__complex__" in data_node.attrs else data_node.shape
    if not stored or stored[0] != len(mesh):
        raise ArchiveFormatError(
            f"Gf group {group.name!r}: data of shape {stored} does not fit its mesh {mesh!r} "
            f"of {len(mesh)} points (expected the mesh axis first)."
        )
    return mesh, data_node


def gf_layout(group: h5py.Group, tag: str) -> tuple[object, tuple[int, ...], bool]:
    """Mesh (as stored), target shape and complexness of a Gf group, without reading its data."""
    mesh, data_node = _parts(group, tag)
    is_complex = "__complex__" in data_node.attrs
    return mesh, (data_node.shape[1:-1] if is_complex else data_node.shape[1:]), is_complex


def read_gf(group: h5py.Group, tag: str) -> Gf:
    """Read a Gf group (``tag`` is its Format, current or legacy)."""
    mesh, data_node = _parts(group, tag)
    data = read_array(data_node)
    if isinstance(mesh, meshes.MeshImFreq) and mesh.positive_only():
        data, mesh = _unfold(data, mesh)
    return Gf(mesh=mesh, data=data)


def _parse_indices_repr(node: h5py.Dataset) -> list[str]:
    text = read_leaf(node)
    try:
        names = ast.literal_eval(text) if isinstance(text, str) else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        names = None
    if not isinstance(names, (list, tuple)) or not all(isinstance(x, (str, int)) for x in names):
        raise ArchiveFormatError(
            f"legacy block list {node.name!r} = {text!r} is not a literal list of block names, e.g. \"['up', 'down']\"."
        )
    return [str(x) for x in names]


def _names(group: h5py.Group, key: str) -> list[str]:
    """Block names stored as a List group, a string dataset, or (key 'indices') a legacy repr."""
    node = group.get(key)
    if isinstance(node, h5py.Group):
        try:
            return [decode_str(node[k][()]) for k in sorted(node, key=int)]
        except (ValueError, TypeError, KeyError):
            raise ArchiveFormatError(
                f"block-name group {node.name!r} must hold string datasets named 0, 1, ...; found {sorted(node)}."
            ) from None
    if isinstance(node, h5py.Dataset) and h5py.check_string_dtype(node.dtype) is not None:
        if key == "indices" and node.ndim == 0:
            return _parse_indices_repr(node)
        names = read_leaf(node)
        if node.ndim == 1:
            return names
    raise ArchiveFormatError(
        f"group {group.name!r} ({format_of(group)}): {key!r} must be a List group or a 1-D string dataset."
    )


def _block(group: h5py.Group, key: str) -> Gf:
    node = group.get(key)
    if not isinstance(node, h5py.Group) or not is_gf_format(format_of(node)):
        raise ArchiveFormatError(
            f"{format_of(group)} group {group.name!r}: block {key!r} is missing or not a Gf group "
            f"(found children {sorted(group)})."
        )
    return read_gf(node, format_of(node))


def block_names(group: h5py.Group, fmt: str) -> list[str] | tuple[list[str], list[str]]:
    """The block names of a ``BlockGf`` group, or the two name lists of a ``Block2Gf`` group."""
    if fmt == "Block2Gf":
        return _names(group, "block_names1"), _names(group, "block_names2")
    for key in ("block_names", "indices"):
        if key in group:
            return _names(group, key)
    raise ArchiveFormatError(
        f"BlockGf group {group.name!r} has neither 'block_names' nor the legacy 'indices' (found {sorted(group)})."
    )


def block_key(fmt: str, block: str | tuple[str, str]) -> str:
    """The child name of a block: the block name, or ``"<b1>_<b2>"`` for a Block2Gf pair."""
    return f"{block[0]}_{block[1]}" if fmt == "Block2Gf" else block


def read_gf_container(group: h5py.Group, fmt: str) -> BlockGf | Block2Gf:
    """Read a ``BlockGf`` or ``Block2Gf`` group (``fmt`` is the canonical Format)."""
    name = group.name.rsplit("/", 1)[-1]
    names = block_names(group, fmt)
    if fmt == "Block2Gf":
        names1, names2 = names
        blocks = [[_block(group, block_key(fmt, (b1, b2))) for b2 in names2] for b1 in names1]
        return Block2Gf(names1, names2, blocks, name=name)
    return BlockGf(name_list=names, block_list=[_block(group, b) for b in names], make_copies=False, name=name)
