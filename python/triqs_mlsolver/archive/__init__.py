"""HDF5 archives in the TRIQS layout (h5py only): ``HDFArchive`` and ``register_class``.

    from triqs_mlsolver.archive import HDFArchive
    with HDFArchive("results.h5", "w") as ar:
        ar["G_iw"] = G_iw

The format readers and writers are private modules of this package (``_primitives``: leaves
and strings; ``_meshes``; ``_gf``: Gf, BlockGf, Block2Gf; ``_operator``; ``_registry``: the
Format names and the class registry, without h5py; ``_formats``: the dispatch by ``Format``
tag; ``_archive``: the dict-like groups).  h5py loads with the first ``HDFArchive``.
Beside them: :mod:`.summary` (the text of ``triqs-mlsolver inspect``, with a hook for the
summaries of the package's own file kinds) and :mod:`.plot` (a Gf plot, matplotlib on use).
See ``doc/archive.md``.
"""

from __future__ import annotations

from .._lazy import lazy_names
from ._registry import register_class as register_class
from ._registry import registered_formats as registered_formats

__all__ = ["HDFArchive", "HDFArchiveGroup", "Block2Gf", "register_class", "registered_formats"]

# h5py loads with the first archive, not with the classes that register themselves at import.
__getattr__, __dir__ = lazy_names(globals(), {
    "HDFArchive": (f"{__name__}._archive", "HDFArchive"),
    "HDFArchiveGroup": (f"{__name__}._archive", "HDFArchiveGroup"),
    "Block2Gf": (f"{__name__}._block2_gf", "Block2Gf"),
})
