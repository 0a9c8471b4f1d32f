"""The main job, ``triqs-mlsolver demo``: the Mott transition of the Bethe lattice with three solvers.

A DMFT sweep of the half-filled Hubbard model on the Bethe lattice (``D = 1``) at ``beta = 50``
over ``U = 0.5, 1, ..., 4``, from the metal upwards (each ``U`` continues from the previous
solution), with Hubbard-I, IPT and exact diagonalization with a bath of 5 sites.  It prints a
table (``U``; per method ``Z``, ``-beta G(beta/2)/pi``, the double occupancy, the iterations and
the time per impurity solve) and writes into the output folder

    mott.h5     every DMFT iteration (TRIQS HDFArchive layout, see doc/dmft.md)
    mott.png    Z(U) and -beta G(beta/2)/pi versus U for the three methods
    table.txt   the printed table

It takes about a minute on two cores (35 to 85 s measured, depending on the load).
"""

from __future__ import annotations

import os
import time

from .dmft import BetheParameters, SweepResult, bethe_sweep, parse_grid, plot_sweep
from .errors import invalid_parameter
from .parallel import world

__all__ = ["DEMO_U", "DEMO_PARAMETERS", "DEMO_METHODS", "DEMO_OPTIONS", "run_demo"]

DEMO_U = parse_grid("0.5:4:0.5")
"""Interactions of the demo sweep, visited upwards from the metal."""

DEMO_PARAMETERS = BetheParameters(beta=50.0, D=1.0, mixing=1.0, tol=1e-5, max_iter=150, start="metal", n_iw=256,
                                  n_tau=4001, n_l=40)
"""Loop parameters of the demo (half filling)."""

DEMO_METHODS = ("hubbard_i", "ipt", "ed")
"""Impurity solvers compared by the demo."""

DEMO_OPTIONS = {"ed": {"n_bath": 5}}
"""Solver options of the demo: ED with 5 bath sites."""


def run_demo(out_dir="demo_output", *, progress: bool = True, U_values=DEMO_U, params: BetheParameters = DEMO_PARAMETERS,
             methods=DEMO_METHODS, method_options=None) -> SweepResult:
    """Run the demo sweep, print the table and write ``mott.h5``, ``mott.png`` and ``table.txt`` into ``out_dir``.

    The keyword arguments replace the defaults (``DEMO_*``); ``method_options=None`` means
    ``DEMO_OPTIONS`` restricted to the methods run.
    """
    comm = world()
    out_dir = os.fspath(out_dir)
    if method_options is None:
        method_options = {m: o for m, o in DEMO_OPTIONS.items() if m in methods}


    def make_folder() -> None:
        if os.path.exists(out_dir) and not os.path.isdir(out_dir):
            raise invalid_parameter("--out", out_dir, "a folder (it is a file)", "Choose another name.")
        os.makedirs(out_dir, exist_ok=True)

    comm.run_on_master(make_folder)  # an error is raised on every rank
    begin = time.perf_counter()
    sweep = bethe_sweep(U_values, params, methods, method_options, out=os.path.join(out_dir, "mott.h5"),
                        progress=progress)
    wall = time.perf_counter() - begin
    if comm.is_master:
        options = ", ".join(f"{m}: {o}" for m, o in method_options.items()) or "defaults"
        header = (f"Mott transition of the Bethe lattice (D = {params.D:g}, half filling), beta = {params.beta:g}, "
                  f"methods {', '.join(methods)} (options {options}); metallic start, continuation upwards in U.")
        text = "\n".join([header, "", sweep.table(), "", f"wall time {wall:.1f} s on {comm.size} rank(s)"])
        with open(os.path.join(out_dir, "table.txt"), "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        plot = plot_sweep(sweep, os.path.join(out_dir, "mott.png"))
        print(text)
        print(f"written: {sweep.archive}, {plot}, {os.path.join(out_dir, 'table.txt')}")
    return sweep
