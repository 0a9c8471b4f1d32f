"""Figure of a stored Green's function (``triqs-mlsolver inspect FILE --plot KEY --out fig.png``).

The real and imaginary parts are drawn against the mesh values (Matsubara frequencies
``w_n``, imaginary times, Legendre orders or real frequencies), one curve per diagonal
element of every block, with matplotlib's Agg renderer (no display needed).
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidParameterError, MissingDependencyError, invalid_parameter
from ..gf import BlockGf, Gf
from ..meshes import MeshImFreq, MeshImTime, MeshLegendre
from ._archive import HDFArchive
from ._block2_gf import Block2Gf

__all__ = ["plot_gf"]

_MAX_LEGEND = 16


def _blocks(key: str, obj) -> list[tuple[str, Gf]]:
    if isinstance(obj, Gf):
        return [(key, obj)]
    if isinstance(obj, BlockGf):
        return list(obj)
    if isinstance(obj, Block2Gf):
        return [(f"{b1},{b2}", g) for (b1, b2), g in obj]
    raise invalid_parameter(
        "--plot KEY", key, f"the key of a Gf, BlockGf or Block2Gf (it holds a {type(obj).__name__})"
    )


def _axis(mesh) -> tuple[np.ndarray, str, str]:
    """x values, x label and line style for a mesh."""
    if isinstance(mesh, MeshImFreq):
        return mesh.values().imag, r"$\omega_n$", "o-"
    if isinstance(mesh, MeshImTime):
        return mesh.values(), r"$\tau$", "-"
    if isinstance(mesh, MeshLegendre):
        return mesh.values(), r"$l$", "o-"
    return mesh.values(), r"$\omega$", "-"


def _curves(name: str, g: Gf) -> list[tuple[str, np.ndarray]]:
    if g.target_rank == 0:
        return [(name, g.data)]
    if g.target_rank == 2:
        n = min(g.target_shape)
        return [(f"{name} [{i},{i}]", g.data[:, i, i]) for i in range(n)]
    raise invalid_parameter(f"target_shape of {name!r}", g.target_shape, "() or (n, n) to plot diagonal elements")


def plot_gf(path: str | os.PathLike, key: str, out: str | os.PathLike) -> str:
    """Plot the Gf/BlockGf/Block2Gf stored at ``key`` of ``path`` into the image ``out``; return ``out``."""
    with HDFArchive(path, "r") as ar:
        if key not in ar:
            raise invalid_parameter("--plot KEY", key, f"a key of {os.fspath(path)!r}: {ar.keys()}")
        blocks = _blocks(key, ar[key])
    out = os.fspath(out)
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise invalid_parameter("--out", out, "a file in an existing folder", f"Create {folder!r} first.")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            "--plot needs matplotlib, which is not installed: pip install matplotlib "
            "(or install triqs_mlsolver with its default dependencies)."
        ) from None
    fig = Figure(figsize=(8.0, 6.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax_re, ax_im = fig.subplots(2, 1, sharex=True)
    x, xlabel, style = _axis(blocks[0][1].mesh)
    n_curves = 0
    for name, g in blocks:
        if g.mesh != blocks[0][1].mesh:
            raise InvalidParameterError(f"--plot {key!r}: block {name!r} has another mesh than the first block.")
        for label, values in _curves(name, g):
            ax_re.plot(x, values.real, style, markersize=3, label=label)
            ax_im.plot(x, values.imag, style, markersize=3, label=label)
            n_curves += 1
    ax_re.set_ylabel(f"Re {key}")
    ax_im.set_ylabel(f"Im {key}")
    ax_im.set_xlabel(xlabel)
    if n_curves <= _MAX_LEGEND:
        ax_re.legend(fontsize="small")
    fig.suptitle(f"{os.path.basename(os.fspath(path))}: {key}")
    fig.savefig(out, dpi=100)
    return out
