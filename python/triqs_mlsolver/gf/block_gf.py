"""``BlockGf``: named blocks of Gfs in a fixed order (spin up/down, orbitals ...), TRIQS semantics.

Constructors (keywords only, exactly one form):

* ``BlockGf(mesh=m, gf_struct=[(name, size), ...], target_rank=2, name='G')``: zero blocks of
  shape ``[size] * target_rank`` (old gf_struct formats are converted);
* ``BlockGf(name_list=[...], block_list=[...], make_copies=False)`` (``block_list`` alone
  names the blocks '0', '1', ...);
* ``BlockGf(name_block_generator=[(name, g), ...], make_copies=False)``.

Without ``make_copies`` the blocks are the given Gf objects (no copy).  Each block is
renamed ``f"{name}_{block}"``.  Iteration yields ``(name, block)`` in construction order;
arithmetic and ``<<`` act block by block.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import IncompatibleGfStructError, invalid_parameter
from ..gf_struct import fix_gf_struct
from .gf import Gf
from .lazy import LazyExpr

__all__ = ["BlockGf"]


def _check_block_names(names: list) -> None:
    if not names:
        raise IncompatibleGfStructError("BlockGf has no block: allowed is at least one block.")
    for b in names:
        if not isinstance(b, str):
            raise IncompatibleGfStructError(f"BlockGf block name {b!r} is invalid: allowed is a str.")
        if b == "block_names" or b.startswith("__") or "/" in b or b == "":
            raise IncompatibleGfStructError(
                f"BlockGf block name {b!r} is reserved: block names may not be empty, 'block_names', "
                "start with '__' or contain '/'."
            )
    if len(set(names)) != len(names):
        duplicates = sorted({b for b in names if names.count(b) > 1})
        raise IncompatibleGfStructError(f"BlockGf block names {duplicates} appear twice: block names must be unique.")


class BlockGf:
    """Green's function by blocks; see the module docstring for the constructors."""

    _is_block_gf = True  # recognised by lazy expressions without importing this module
    __array_ufunc__ = None

    def __init__(
        self,
        *,
        name: str = "G",
        mesh=None,
        gf_struct=None,
        target_rank: int | None = None,
        name_list=None,
        block_list=None,
        name_block_generator=None,
        make_copies: bool = False,
    ) -> None:
        arguments = {
            "mesh": mesh,
            "gf_struct": gf_struct,
            "name_list": name_list,
            "block_list": block_list,
            "name_block_generator": name_block_generator,
        }
        given = {k for k, v in arguments.items() if v is not None}
        if given == {"mesh", "gf_struct"}:
            rank = 2 if target_rank is None else target_rank
            if isinstance(rank, bool) or not isinstance(rank, numbers.Integral) or rank < 0:
                raise invalid_parameter("target_rank", target_rank, "an integer >= 0 (2: matrix-valued blocks)")
            struct = fix_gf_struct(gf_struct)
            names = [b for b, _ in struct]
            blocks = [Gf(mesh=mesh, target_shape=[size] * rank) for _, size in struct]
            make_copies = False
        elif given == {"name_list", "block_list"} or given == {"block_list"}:
            blocks = list(block_list)
            names = list(name_list) if name_list is not None else [str(i) for i in range(len(blocks))]
        elif given == {"name_block_generator"}:
            pairs = list(name_block_generator)
            if not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
                raise invalid_parameter("name_block_generator", pairs, "(name, Gf) pairs")
            names, blocks = [p[0] for p in pairs], [p[1] for p in pairs]
        else:
            raise invalid_parameter(
                "keywords",
                sorted(given),
                "one of (mesh, gf_struct[, target_rank]), (name_list, block_list), (block_list) "
                "or (name_block_generator)",
            )
        if target_rank is not None and given != {"mesh", "gf_struct"}:
            raise invalid_parameter("target_rank", target_rank, "only together with mesh and gf_struct")
        if not isinstance(name, str):
            raise invalid_parameter("name", name, "a str")
        _check_block_names(names)
        if len(names) != len(blocks):
            raise IncompatibleGfStructError(f"BlockGf got {len(names)} block names but {len(blocks)} blocks.")
        for b, g in zip(names, blocks):
            if not isinstance(g, Gf):
                raise IncompatibleGfStructError(f"BlockGf block {b!r} is {g!r}: allowed is a Gf.")
        self._names = names
        self._blocks = [g.copy() for g in blocks] if make_copies else blocks
        self._index = {b: i for i, b in enumerate(names)}
        self.name = name
        for b, g in zip(self._names, self._blocks):
            g.name = f"{name}_{b}" if name else b

    # ------------------------------------------------------------------ structure
    def __iter__(self):
        return zip(self._names, self._blocks)

    def __len__(self) -> int:
        return len(self._blocks)

    def __contains__(self, block: object) -> bool:
        return block in self._index

    @property
    def indices(self):
        """Generator of the block names, in order."""
        yield from self._names

    @property
    def block_names(self) -> list[str]:
        """The block names, in order (a new list)."""
        return list(self._names)

    @property
    def n_blocks(self) -> int:
        return len(self._blocks)

    @property
    def mesh(self):
        """The mesh of the first block."""
        return self._blocks[0].mesh

    @property
    def beta(self) -> float:
        mesh = self.mesh
        if not hasattr(mesh, "beta"):
            raise invalid_parameter("mesh", mesh, "a mesh with a beta (not MeshReFreq)")
        return mesh.beta

    @property
    def gf_struct(self) -> tuple[tuple[str, int], ...]:
        """``((name, size), ...)``; size is the first target dimension (1 for scalar-valued blocks)."""
        return tuple((b, g.target_shape[0] if g.target_rank else 1) for b, g in self)

    @property
    def real(self) -> BlockGf:
        """Blocks viewing the real parts."""
        return BlockGf(name_list=self._names, block_list=[g.real for g in self._blocks], name=f"Re {self.name}")

    @property
    def imag(self) -> BlockGf:
        """Blocks viewing the imaginary parts."""
        return BlockGf(name_list=self._names, block_list=[g.imag for g in self._blocks], name=f"Im {self.name}")

    def __repr__(self) -> str:
        blocks = ", ".join(f"{b!r}: {g.target_shape}" for b, g in self)
        return f"BlockGf(name={self.name!r}, mesh={self.mesh!r}, blocks={{{blocks}}})"

    def __getitem__(self, block: str) -> Gf:
        try:
            return self._blocks[self._index[block]]
        except (KeyError, TypeError):
            raise invalid_parameter("block", block, f"one of the block names {self._names}") from None

    def __setitem__(self, block, value) -> None:
        if isinstance(block, slice) and block == slice(None):
            self << value
        else:
            self[block] << value

    def _check_structure(self, other: BlockGf, what: str) -> None:
        if self._names != other._names:
            raise IncompatibleGfStructError(
                f"{what}: block names {other._names} differ from {self._names}; "
                "allowed is the same blocks in the same order."
            )

    def _map(self, f) -> BlockGf:
        return BlockGf(name_list=self._names, block_list=[f(b, g) for b, g in self], name=self.name)

    # ------------------------------------------------------------------ copies and assignment
    def copy(self) -> BlockGf:
        """Deep copy."""
        return self._map(lambda b, g: g.copy())

    def copy_from(self, other: BlockGf) -> None:
        """Copy ``other`` (same block names and shapes) into ``self``."""
        self._check_structure(other, "copy_from")
        for b, g in self:
            g.copy_from(other[b])

    def zero(self) -> None:
        for g in self._blocks:
            g.zero()

    def __lshift__(self, x) -> BlockGf:
        """``G << H`` (BlockGf) copies blockwise; ``G << expr`` evaluates per block; ``G << x`` sets every block."""
        if isinstance(x, BlockGf):
            if x is not self:
                self.copy_from(x)
        elif isinstance(x, LazyExpr):
            for b, g in self:
                g << x.for_block(b)
        else:
            for g in self._blocks:
                g << x
        return self

    # ------------------------------------------------------------------ arithmetic
    def _operand(self, other, block: str, what: str):
        if isinstance(other, BlockGf):
            self._check_structure(other, what)
            return other[block]
        if isinstance(other, LazyExpr):
            return other.for_block(block)
        return other

    def _binary(self, other, f, what: str):
        if isinstance(other, LazyExpr):
            return NotImplemented
        return self._map(lambda b, g: f(g, self._operand(other, b, what)))

    def _in_place(self, other, f, what: str) -> BlockGf:
        for b, g in self:
            f(g, self._operand(other, b, what))
        return self

    def __add__(self, other):
        return self._binary(other, lambda g, x: g + x, "G + X")

    def __radd__(self, other):
        return self._binary(other, lambda g, x: x + g, "X + G")

    def __sub__(self, other):
        return self._binary(other, lambda g, x: g - x, "G - X")

    def __rsub__(self, other):
        return self._binary(other, lambda g, x: x - g, "X - G")

    def __mul__(self, other):
        return self._binary(other, lambda g, x: g * x, "G * X")

    def __rmul__(self, other):
        return self._binary(other, lambda g, x: x * g, "X * G")

    def __truediv__(self, other):
        return self._binary(other, lambda g, x: g / x, "G / X")

    def __rtruediv__(self, other):
        return self._binary(other, lambda g, x: x / g, "X / G")

    def __matmul__(self, other):
        return self._binary(other, lambda g, x: g @ x, "G @ X")

    def __rmatmul__(self, other):
        if isinstance(other, np.ndarray):
            return self._binary(other, lambda g, x: x @ g, "X @ G")
        return NotImplemented

    def __iadd__(self, other):
        return self._in_place(other, Gf.__iadd__, "G += X")

    def __isub__(self, other):
        return self._in_place(other, Gf.__isub__, "G -= X")

    def __imul__(self, other):
        return self._in_place(other, Gf.__imul__, "G *= X")

    def __itruediv__(self, other):
        return self._in_place(other, Gf.__itruediv__, "G /= X")

    def __neg__(self) -> BlockGf:
        return self._map(lambda b, g: -g)

    # ------------------------------------------------------------------ block-wise operations
    def invert(self) -> None:
        """Invert every block in place."""
        for g in self._blocks:
            g.invert()

    def inverse(self) -> BlockGf:
        return self._map(lambda b, g: g.inverse())

    def conjugate(self) -> BlockGf:
        return self._map(lambda b, g: g.conjugate())

    def transpose(self) -> BlockGf:
        return self._map(lambda b, g: g.transpose())

    def density(self, *args, **kwargs) -> dict:
        """``{name: density matrix of the block}``."""
        return {b: g.density(*args, **kwargs) for b, g in self}

    def total_density(self, *args, **kwargs):
        """Sum over blocks of the traces of the density matrices."""
        return sum(g.total_density(*args, **kwargs) for g in self._blocks)
