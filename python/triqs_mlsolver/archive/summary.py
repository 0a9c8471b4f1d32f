"""Text summary of an HDF5 archive (the ``triqs-mlsolver inspect`` command).

Every entry is listed with its object type: a Gf with its mesh (type and parameters) and
target shape; a BlockGf/Block2Gf with its mesh and blocks; Dict/List/Tuple and plain
groups with their children, indented; meshes; Operators; arrays with shape and dtype;
scalars and strings with their values.  Green's-function data are never loaded.

Files of the package's own kinds carry a root attribute ``triqs_mlsolver_schema``; a
summary function registered for that schema with :func:`register_summary` adds its lines
before the tree.  The archive knows no schema itself: the command line registers the dataset
summary of ``data/`` (the archive never imports the layers that write such files).
"""

from __future__ import annotations

import os
from typing import Callable

import h5py
import numpy as np

from ..errors import ArchiveFormatError, invalid_parameter
from . import _gf
from ._archive import HDFArchive
from ._formats import canonical_format
from ._registry import registered_formats
from ._meshes import MESH_FORMATS, read_mesh
from ._operator import read_operator
from ._primitives import decode_str, format_of, read_leaf

__all__ = ["SCHEMA_ATTRIBUTE", "SCHEMA_SUMMARIES", "register_summary", "summarize"]

SCHEMA_ATTRIBUTE = "triqs_mlsolver_schema"

#: Schema name -> function(archive) -> lines printed before the tree; filled by :func:`register_summary`.
SCHEMA_SUMMARIES: dict[str, Callable[[HDFArchive], list[str]]] = {}


def register_summary(schema: str, summary: Callable[[HDFArchive], list[str]]) -> None:
    """Have :func:`summarize` print ``summary(archive)`` before the tree of every file whose root
    attribute ``triqs_mlsolver_schema`` is ``schema`` (registering a schema again replaces its function)."""
    if not isinstance(schema, str) or not schema:
        raise invalid_parameter("schema", schema, "a non-empty str")
    if not callable(summary):
        raise invalid_parameter("summary", summary, "a function(archive) -> list of lines")
    SCHEMA_SUMMARIES[schema] = summary

_MAX_VALUE = 80  # characters of a value shown on a line
_INDENT = "  "


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n} {word if n == 1 else plural}"


def _short(text: str) -> str:
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def _mesh(mesh) -> str:
    return f"{mesh!r} ({len(mesh)} points)"


def _dataset(node: h5py.Dataset) -> str:
    if format_of(node) == "Operator":
        op = read_operator(node)
        return f"Operator ({_count(len(list(op)), 'monomial')}): {_short(str(op))}"
    is_complex = "__complex__" in node.attrs
    if node.ndim == 0 or (is_complex and node.shape == (2,)):
        value = read_leaf(node)
        return f"{type(value).__name__} {_short(repr(value))}"
    if h5py.check_string_dtype(node.dtype) is not None:
        return f"str array {node.shape}"
    if is_complex:
        return f"array complex {node.shape[:-1]} (stored as {node.dtype} {node.shape})"
    return f"array {node.dtype} {node.shape}"


def _gf_line(node: h5py.Group, tag: str) -> str:
    mesh, target, is_complex = _gf.gf_layout(node, tag)
    kind = "" if is_complex else " (real)"
    return f"Gf{kind} on {_mesh(mesh)}, target_shape {target}"


def _block_gf(node: h5py.Group, fmt: str) -> str:
    names = _gf.block_names(node, fmt)
    pairs = [(b1, b2) for b1 in names[0] for b2 in names[1]] if fmt == "Block2Gf" else names
    layouts = []
    for block in pairs:
        child = node.get(_gf.block_key(fmt, block))
        tag = format_of(child) if isinstance(child, h5py.Group) else ""
        layouts.append(_gf.gf_layout(child, tag) if _gf.is_gf_format(tag) else None)
    if None in layouts or not layouts:
        return f"{fmt} with missing or unreadable blocks"
    shapes = ", ".join(f"{'_'.join(b) if isinstance(b, tuple) else b} {lay[1]}" for b, lay in zip(pairs, layouts))
    head = f"{fmt} {names[0]} x {names[1]}" if fmt == "Block2Gf" else f"BlockGf {names}"
    return f"{head} on {_mesh(layouts[0][0])}; blocks: {shapes}"


def _describe(node: h5py.Group | h5py.Dataset) -> tuple[str, bool]:
    """One-line description of an entry, and whether its children are listed below it."""
    if isinstance(node, h5py.Dataset):
        return _dataset(node), False
    tag = format_of(node)
    fmt = canonical_format(tag) if tag else ""
    if fmt == "Gf":
        return _gf_line(node, tag), False
    if fmt in _gf.GF_CONTAINER_FORMATS:
        return _block_gf(node, fmt), False
    if fmt in MESH_FORMATS:
        return _mesh(read_mesh(node)), False
    if fmt in ("List", "Tuple", "Dict"):
        return f"{fmt} ({_count(len(node), 'item')})", True
    if fmt in registered_formats():
        return f"{tag} (registered class {registered_formats()[fmt]})", True
    return (f"group with unknown Format {tag!r}" if tag else "group"), True


def _lines(group: h5py.Group, depth: int) -> list[str]:
    lines = []
    for key in group:
        node = group[key]
        try:
            what, expand = _describe(node)
        except ArchiveFormatError as err:
            what, expand = f"unreadable ({err})", isinstance(node, h5py.Group)
        lines.append(f"{_INDENT * depth}{key}: {what}")
        if expand:
            lines.extend(_lines(node, depth + 1))
    return lines


def summarize(path: str | os.PathLike) -> str:
    """The summary printed by ``triqs-mlsolver inspect``: a header line, the schema part, the tree."""
    with HDFArchive(path, "r") as ar:
        root = ar.h5_group
        lines = [f"{os.fspath(path)}: HDF5 archive, {_count(len(root), 'top-level entry')}"]
        if SCHEMA_ATTRIBUTE in root.attrs:
            schema = decode_str(np.asarray(root.attrs[SCHEMA_ATTRIBUTE]))
            summary = SCHEMA_SUMMARIES.get(schema)
            lines.append(f"schema: {schema}" + ("" if summary else " (no summary for this schema in this version)"))
            if summary:
                lines.extend(summary(ar))
        lines.extend(_lines(root, 1))
    return "\n".join(lines)
