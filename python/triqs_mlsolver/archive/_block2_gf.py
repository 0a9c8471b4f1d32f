"""``Block2Gf``: Green's functions indexed by a pair of block names (TRIQS's ``Block2Gf``).

``Block2Gf(name_list1, name_list2, block_list, make_copies=False, name='G')`` holds one
``Gf`` per pair ``(b1, b2)``; ``block_list[i][j]`` is the block of
``(name_list1[i], name_list2[j])``.  ``G[b1, b2]`` gets a block, iteration yields
``((b1, b2), g)`` with ``b1`` outer, and ``len(G)`` counts the pairs.  It is the container
that two-particle quantities such as density-density correlators ``nn_tau`` come in.
"""

from __future__ import annotations

from ..errors import IncompatibleGfStructError, invalid_parameter
from ..gf import Gf

__all__ = ["Block2Gf"]


def _names(label: str, names) -> list[str]:
    names = list(names)
    if not names or not all(isinstance(b, str) and b and "/" not in b for b in names) or len(set(names)) != len(names):
        raise IncompatibleGfStructError(
            f"Block2Gf {label} = {names!r} is invalid: allowed is a non-empty list of distinct, non-empty str "
            "without '/'."
        )
    return names


class Block2Gf:
    """Gfs indexed by ``(b1, b2)``; see the module docstring."""

    def __init__(self, name_list1, name_list2, block_list, make_copies: bool = False, name: str = "G") -> None:
        self._names1 = _names("name_list1", name_list1)
        self._names2 = _names("name_list2", name_list2)
        rows = [list(row) for row in block_list]
        if len(rows) != len(self._names1) or any(len(row) != len(self._names2) for row in rows):
            raise IncompatibleGfStructError(
                f"Block2Gf block_list must be {len(self._names1)} rows of {len(self._names2)} Gfs "
                f"(one per pair of names); got rows of lengths {[len(row) for row in rows]}."
            )
        for row in rows:
            for g in row:
                if not isinstance(g, Gf):
                    raise IncompatibleGfStructError(f"Block2Gf block {g!r} is invalid: allowed is a Gf.")
        if not isinstance(name, str):
            raise invalid_parameter("name", name, "a str")
        self._blocks = {
            (b1, b2): (g.copy() if make_copies else g)
            for b1, row in zip(self._names1, rows)
            for b2, g in zip(self._names2, row)
        }
        self.name = name

    @property
    def block_names1(self) -> list[str]:
        """The first block names, in order."""
        return list(self._names1)

    @property
    def block_names2(self) -> list[str]:
        """The second block names, in order."""
        return list(self._names2)

    @property
    def mesh(self):
        """The mesh of the first block."""
        return next(iter(self._blocks.values())).mesh

    def __getitem__(self, key: tuple[str, str]) -> Gf:
        try:
            return self._blocks[key]
        except (KeyError, TypeError):
            raise invalid_parameter(
                "block", key, f"a pair (b1, b2) with b1 in {self._names1} and b2 in {self._names2}"
            ) from None

    def __iter__(self):
        return iter(self._blocks.items())

    def __len__(self) -> int:
        return len(self._blocks)

    def __repr__(self) -> str:
        return (
            f"Block2Gf(name={self.name!r}, block_names1={self._names1}, block_names2={self._names2}, "
            f"mesh={self.mesh!r})"
        )
