"""The main job, ``triqs-mlsolver demo``: the Mott transition of the Bethe lattice, cheap solvers and ml.

1. A DMFT sweep of the half-filled Hubbard model on the Bethe lattice (``D = 1``) at ``beta = 50``
   over ``U = 0.5, 1, ..., 4``, from the metal upwards (each ``U`` continues from the previous
   solution), with Hubbard-I, IPT and exact diagonalization with a bath of 5 sites: a table
   (``U``; per method ``Z``, ``-beta G(beta/2)/pi``, the double occupancy, the iterations and the
   time per impurity solve).
2. The same sweep over ``U = 1, 2, 2.5, 3, 3.5, 4`` with ``method="ml"`` (the shipped correction
   model) next to its reference, ED with 7 bath sites: ``Z`` of both, their difference, the
   fallbacks of ml to ED, and the time per solve of each.

It writes into the output folder

    mott.h5      every DMFT iteration of part 1 (TRIQS HDFArchive layout, see doc/dmft.md)
    mott.png     Z(U) and -beta G(beta/2)/pi versus U for the three methods
    mott_ml.h5   every DMFT iteration of part 2
    table.txt    the printed tables
"""

from __future__ import annotations

import os
import time

from .dmft import BetheParameters, SweepResult, bethe_sweep, parse_grid, plot_sweep
from .errors import invalid_parameter
from .parallel import world

__all__ = ["DEMO_U", "DEMO_PARAMETERS", "DEMO_METHODS", "DEMO_OPTIONS", "DEMO_ML_U", "DEMO_ML_OPTIONS", "run_demo",
           "ml_table"]

DEMO_U = parse_grid("0.5:4:0.5")
"""Interactions of the demo sweep, visited upwards from the metal."""

DEMO_PARAMETERS = BetheParameters(beta=50.0, D=1.0, mixing=1.0, tol=1e-5, max_iter=150, start="metal", n_iw=256,
                                  n_tau=4001, n_l=40)
"""Loop parameters of the demo (half filling)."""

DEMO_METHODS = ("hubbard_i", "ipt", "ed")
"""Impurity solvers compared by the demo."""

DEMO_OPTIONS = {"ed": {"n_bath": 5}}
"""Solver options of the demo: ED with 5 bath sites."""

DEMO_ML_U = (1.0, 2.0, 2.5, 3.0, 3.5, 4.0)
"""Interactions of the ml sweep (part 2), upwards from the metal."""

DEMO_ML_OPTIONS = {"ml": {}, "ed": {"n_bath": 7}}
"""Part 2: the shipped model against its reference, ED with 7 bath sites."""


def ml_table(sweep: SweepResult) -> str:
    """Part 2's table: per U the Z of ml and ED-7, their difference, the fallbacks and the time per solve."""
    ml, ed = sweep.results["ml"], sweep.results["ed"]
    lines = [f"{'U':>5} | {'Z ml':>7} {'Z ED-7':>7} {'|dZ|':>7} | {'fallbacks':>9} | {'t/solve ml':>10} "
             f"{'t/solve ED-7':>12}"]
    lines.append("-" * len(lines[0]))
    for a, b in zip(ml, ed):
        lines.append(f"{a.U:5.2g} | {a.Z:7.4f} {b.Z:7.4f} {abs(a.Z - b.Z):7.4f} | {a.n_fallbacks:4d}/{a.n_iterations:<4d} | "
                     f"{a.time_per_solve * 1e3:8.1f}ms {b.time_per_solve * 1e3:10.1f}ms")
    solves, fallbacks = sum(a.n_iterations for a in ml), sum(a.n_fallbacks for a in ml)
    t_ml = sum(a.time_per_solve * a.n_iterations for a in ml)
    t_ed = sum(b.time_per_solve * b.n_iterations for b in ed)
    lines.append(f"fallbacks {fallbacks} of {solves} ml solves; impurity-solver time of the sweep: ml {t_ml:.1f} s, "
                 f"ED-7 {t_ed:.1f} s ({t_ed / max(t_ml, 1e-12):.1f}x)")
    return "\n".join(lines)


def run_demo(out_dir="demo_output", *, progress: bool = True, U_values=DEMO_U, params: BetheParameters = DEMO_PARAMETERS,
             methods=DEMO_METHODS, method_options=None, ml_U_values=DEMO_ML_U, ml_options=None) -> SweepResult:
    """Run the demo (both parts), print the tables and write the files of the module doc into ``out_dir``.

    The keyword arguments replace the defaults (``DEMO_*``); ``method_options=None`` means
    ``DEMO_OPTIONS`` restricted to the methods run, ``ml_options=None`` means ``DEMO_ML_OPTIONS``;
    ``ml_U_values=()`` skips part 2.  Returns the sweep of part 1.
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
    ml_text = ""
    if ml_U_values:
        begin_ml = time.perf_counter()
        ml_sweep = bethe_sweep(ml_U_values, params, ("ml", "ed"), ml_options or DEMO_ML_OPTIONS,
                               out=os.path.join(out_dir, "mott_ml.h5"), progress=progress)
        ml_text = "\n".join([
            "", "method='ml' (shipped correction model) against its reference, ED with 7 bath sites, same loop:",
            "", ml_table(ml_sweep), "", f"wall time {time.perf_counter() - begin_ml:.1f} s"])
    if comm.is_master:
        options = ", ".join(f"{m}: {o}" for m, o in method_options.items()) or "defaults"
        header = (f"Mott transition of the Bethe lattice (D = {params.D:g}, half filling), beta = {params.beta:g}, "
                  f"methods {', '.join(methods)} (options {options}); metallic start, continuation upwards in U.")
        text = "\n".join([header, "", sweep.table(), "", f"wall time {wall:.1f} s on {comm.size} rank(s)"]) + ml_text
        with open(os.path.join(out_dir, "table.txt"), "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        plot = plot_sweep(sweep, os.path.join(out_dir, "mott.png"))
        print(text)
        written = [sweep.archive, plot] + ([os.path.join(out_dir, "mott_ml.h5")] if ml_U_values else [])
        print(f"written: {', '.join(written + [os.path.join(out_dir, 'table.txt')])}")
    return sweep
