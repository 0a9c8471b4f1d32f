"""Many-body operators in a TRIQS-layout HDF5 archive (the layout of the TRIQS C++ writer).

An ``Operator`` is one 1-D dataset (contiguous) with ``Format = 'Operator'``, one row per
monomial, of compound type ``{is_real: int32 @0, re: float64 @8, im: float64 @16,
op_indices: int64[4] @24}`` (56 bytes).  ``op_indices`` lists the operators of the
monomial in order: ``k > 0`` is c+ of the (k-1)-th fundamental operator, ``k < 0`` is c of
the (-k-1)-th, ``0`` ends the monomial (so at most 4 operators per monomial).

The attribute ``fundamental_operator_set`` is a fixed-length null-terminated UTF-8 string
array of shape ``(n_operators, n_index_components)``: component ``'s<str>'`` or ``'i<int>'``.
The operators are listed in operator-index order (an int before a str, component by component).
TRIQS stores ``is_real`` from a C++ bool, so only its low byte is meaningful on read.
"""

from __future__ import annotations

import h5py
import numpy as np

from ..errors import ArchiveFormatError, invalid_parameter
from ..operators import Operator
from ._primitives import decode_str, set_format, write_fixed_string_attribute

__all__ = ["is_operator", "write_operator", "read_operator"]

MAX_MONOMIAL_SIZE = 4
MONOMIAL_DTYPE = np.dtype(
    {
        "names": ["is_real", "re", "im", "op_indices"],
        "formats": ["<i4", "<f8", "<f8", ("<i8", (MAX_MONOMIAL_SIZE,))],
        "offsets": [0, 8, 16, 24],
        "itemsize": 56,
    }
)
_FOPS = "fundamental_operator_set"


def is_operator(value: object) -> bool:
    """Whether ``value`` is a lean :class:`~triqs_mlsolver.operators.Operator`."""
    return isinstance(value, Operator)


def _encode_index(index: tuple) -> list[str]:
    return [("s" + x) if isinstance(x, str) else f"i{x}" for x in index]


def _decode_index(row, name: str) -> tuple:
    index = []
    for component in row:
        if component == "":
            continue
        kind, text = component[0], component[1:]
        if kind == "s":
            index.append(text)
        elif kind == "i" and text.lstrip("-").isdigit():
            index.append(int(text))
        else:
            raise ArchiveFormatError(
                f"operator {name!r}: fundamental-operator component {component!r} is neither 's<str>' nor 'i<int>'."
            )
    return tuple(index)


def write_operator(group: h5py.Group, key: str, op: Operator, label: str) -> None:
    """Write ``op`` as the dataset ``group[key]`` (``label`` names it in error messages)."""
    terms = list(op)
    indices = op.indices()
    position = {idx: k + 1 for k, idx in enumerate(indices)}
    rows = np.zeros(len(terms), dtype=MONOMIAL_DTYPE)
    for row, (monomial, coef) in zip(rows, terms):
        if len(monomial) > MAX_MONOMIAL_SIZE:
            raise invalid_parameter(
                f"operator {label!r}: monomial length", len(monomial),
                f"at most {MAX_MONOMIAL_SIZE} operators per monomial (the TRIQS storage format)",
            )
        row["is_real"] = 0 if isinstance(coef, complex) else 1
        row["re"], row["im"] = coef.real, coef.imag
        for j, (dagger, index) in enumerate(monomial):
            k = position[tuple(index)]
            row["op_indices"][j] = k if dagger else -k
    dset = group.create_dataset(key, data=rows)
    width = max((len(idx) for idx in indices), default=0)
    table = [_encode_index(idx) + [""] * (width - len(idx)) for idx in indices]
    write_fixed_string_attribute(dset, _FOPS, np.array(table, dtype=str).reshape(len(indices), width))
    set_format(dset, "Operator")


def read_operator(dset: h5py.Dataset) -> Operator:
    """Read an ``Operator`` dataset written by TRIQS (C++) or by :func:`write_operator`."""
    names = dset.dtype.names or ()
    if dset.ndim != 1 or not {"is_real", "re", "im", "op_indices"} <= set(names) or _FOPS not in dset.attrs:
        raise ArchiveFormatError(
            f"operator dataset {dset.name!r} (dtype {dset.dtype}, shape {dset.shape}) is not in the TRIQS layout: "
            f"expected a 1-D compound dataset (is_real, re, im, op_indices) with attribute {_FOPS!r}."
        )
    table = np.asarray(dset.attrs[_FOPS])
    if table.ndim != 2 and table.size:
        raise ArchiveFormatError(f"operator {dset.name!r}: {_FOPS} has shape {table.shape}, expected 2-D.")
    fops = [_decode_index([decode_str(c) for c in row], dset.name) for row in table]
    terms = []
    for row in dset[()]:
        coef = float(row["re"]) if int(row["is_real"]) & 0xFF else complex(row["re"], row["im"])
        monomial = []
        for k in np.atleast_1d(row["op_indices"]):
            if k == 0:
                break
            if abs(k) > len(fops):
                raise ArchiveFormatError(
                    f"operator {dset.name!r}: operator number {int(k)} outside the {len(fops)} fundamental operators."
                )
            monomial.append((bool(k > 0), list(fops[abs(k) - 1])))
        terms.append((monomial, coef))
    return Operator.from_monomials(terms)
