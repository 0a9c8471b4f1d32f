"""HDF5 archives in the TRIQS layout (h5py only): ``HDFArchive`` and ``register_class``.

    from triqs_mlsolver.archive import HDFArchive
    with HDFArchive("results.h5", "w") as ar:
        ar["G_iw"] = G_iw

The format readers and writers are private modules of this package (``_primitives``: leaves
and strings; ``_meshes``; ``_gf``: Gf, BlockGf, Block2Gf; ``_operator``; ``_formats``: the
dispatch by ``Format`` tag and the class registry; ``_archive``: the dict-like groups).
Beside them: :mod:`.summary` (the text of ``triqs-mlsolver inspect``, with a hook for the
summaries of the package's own file kinds) and :mod:`.plot` (a Gf plot, matplotlib on use).
See ``doc/archive.md``.
"""

from __future__ import annotations

from ._archive import HDFArchive as HDFArchive
from ._archive import HDFArchiveGroup as HDFArchiveGroup
from ._block2_gf import Block2Gf as Block2Gf
from ._formats import register_class as register_class
from ._formats import registered_formats as registered_formats

__all__ = ["HDFArchive", "HDFArchiveGroup", "Block2Gf", "register_class", "registered_formats"]
