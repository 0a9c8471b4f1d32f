"""Figure of Bethe DMFT sweeps: ``Z(U)`` and ``-beta G(beta/2)/pi`` versus ``U`` for every method.

Several sweeps can share one figure, e.g. an upward sweep from the metal and a downward one
from the insulator, which shows the hysteresis of the Mott transition:

    plot_sweep(["up.h5", "down.h5"], "hysteresis.png")
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from ..errors import MissingDependencyError, invalid_parameter
from .storage import read_input, read_summary
from .sweep import SweepResult

__all__ = ["plot_sweep"]


class _Series(NamedTuple):
    method: str
    start: str
    U: np.ndarray
    Z: np.ndarray
    spectral_weight: np.ndarray
    converged: np.ndarray


def _series(source) -> tuple[dict, list[_Series]]:
    """``({beta, D, mu}, curves)`` of a SweepResult or of a sweep archive (path)."""
    if isinstance(source, SweepResult):
        p = source.params
        curves = [
            _Series(m, p.start, np.asarray(source.U), source.column(m, "Z"), source.column(m, "spectral_weight"),
                    source.column(m, "converged").astype(bool))
            for m in source.methods
        ]
        return {"beta": p.beta, "D": p.D, "mu": p.mu}, curves
    if isinstance(source, (str, os.PathLike)):
        inp, summary = read_input(source), read_summary(source)
        curves = [
            _Series(m, inp["start"], s["U"], s["Z"], s["spectral_weight"], s["converged"].astype(bool))
            for m, s in summary.items()
        ]
        mu = inp["mu"] if not isinstance(inp["mu"], str) else None
        return {"beta": inp["beta"], "D": inp["D"], "mu": mu}, curves
    raise invalid_parameter("sweep", type(source).__name__, "a SweepResult or the path of a sweep archive")


def plot_sweep(sweeps, path) -> str:
    """Write a PNG with two panels, ``Z(U)`` and ``-beta G(beta/2)/pi`` (``U``), one curve per method and sweep.

    ``sweeps`` is a :class:`SweepResult`, the path of a sweep archive, or a list of them (their
    curves are labelled with the start, ``metal`` or ``insulator``).  Converged points are filled
    markers, unconverged ones open.  The dashed line is ``2/(pi D)``, the non-interacting value
    at ``T -> 0``.  Returns the path written.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            "plotting a DMFT sweep needs matplotlib: pip install matplotlib (or install triqs_mlsolver with its "
            "dependencies)."
        ) from None
    sources = list(sweeps) if isinstance(sweeps, (list, tuple)) else [sweeps]
    if not sources:
        raise invalid_parameter("sweeps", sweeps, "at least one sweep")
    loaded = [_series(s) for s in sources]
    p = loaded[0][0]
    fig = Figure(figsize=(6.4, 7.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax_z, ax_a = fig.subplots(2, 1, sharex=True)
    for _, curves in loaded:
        for c in curves:
            label = c.method if len(loaded) == 1 else f"{c.method} (from {c.start})"
            for ax, y in ((ax_z, c.Z), (ax_a, c.spectral_weight)):
                (line,) = ax.plot(c.U, y, "-", label=label)
                ax.plot(c.U[c.converged], y[c.converged], "o", color=line.get_color())
                ax.plot(c.U[~c.converged], y[~c.converged], "o", mfc="none", color=line.get_color())
    ax_a.axhline(2.0 / (np.pi * p["D"]), ls="--", color="gray", lw=0.8, label="2/(pi D)")
    ax_z.set_ylabel("Z = 1/(1 - Im Sigma(iw_0)/w_0)")
    ax_a.set_ylabel("-beta G(beta/2) / pi")
    ax_a.set_xlabel("U / D" if p["D"] == 1.0 else f"U  (D = {p['D']:g})")
    filling = "half filling" if p["mu"] is None else f"mu = {p['mu']:g}"
    ax_z.set_title(f"Bethe lattice DMFT, beta = {p['beta']:g}, {filling}")
    for ax in (ax_z, ax_a):
        ax.set_ylim(bottom=0.0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    path = os.fspath(path)
    fig.savefig(path, dpi=100)
    return path
