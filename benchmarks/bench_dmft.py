"""Benchmark of the demo's ED-DMFT sweep: the loop's Boltzmann cutoff against the Solver's strict default.

    python benchmarks/bench_dmft.py                  # 7 bath sites, one pair of sweeps
    python benchmarks/bench_dmft.py --repeat 2 --n-bath 6

The sweep is the demo's (Bethe lattice, D = 1, half filling, beta = 50, metallic start, continuation upwards over
the demo's U grid, tol = 1e-5) with ``method="ed"``: once with ``boltzmann_cutoff = 1e-10`` (the Solver's default,
what a loop used before it followed its tolerance) and once with the loop's own cutoff
(``LOOP_CUTOFF_FRACTION * tol``).  The two alternate ``--repeat`` times; the table gives the median wall time of
each, their ratio, and the largest differences of Z and <n_up n_dn> over the U grid (to compare with tol).

One thread (BLAS threads pinned to 1); the ratio comes from timings of the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np
from triqs_mlsolver.demo import DEMO_PARAMETERS, DEMO_U
from triqs_mlsolver.dmft import LOOP_CUTOFF_FRACTION, bethe_sweep


def _sweep(options: dict) -> tuple:
    start = time.perf_counter()
    sweep = bethe_sweep(DEMO_U, DEMO_PARAMETERS, ("ed",), {"ed": options}, progress=False)
    seconds = time.perf_counter() - start
    return seconds, sweep.column("ed", "Z"), sweep.column("ed", "double_occupancy"), sum(sweep.column("ed", "n_iterations"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-bath", type=int, default=7, help="fitted bath sites (default 7)")
    parser.add_argument("--repeat", type=int, default=1, help="pairs of sweeps (default 1)")
    args = parser.parse_args()
    loop_cutoff = LOOP_CUTOFF_FRACTION * DEMO_PARAMETERS.tol
    cases = {"strict (1e-10)": {"n_bath": args.n_bath, "boltzmann_cutoff": 1e-10},
             f"loop ({loop_cutoff:.0e})": {"n_bath": args.n_bath}}
    runs = {name: [] for name in cases}
    for _ in range(args.repeat):
        for name, options in cases.items():
            runs[name].append(_sweep(options))
    print(f"ED-DMFT sweep, {args.n_bath} bath sites, beta = {DEMO_PARAMETERS.beta:g}, tol = {DEMO_PARAMETERS.tol:g}, "
          f"U = {', '.join(f'{u:g}' for u in DEMO_U)}; median of {args.repeat}")
    print(f"{'cutoff':>16} | {'time [s]':>9} {'solves':>7} {'s/solve':>8}")
    medians = {}
    for name, rs in runs.items():
        medians[name] = statistics.median(r[0] for r in rs)
        print(f"{name:>16} | {medians[name]:9.1f} {rs[0][3]:7d} {medians[name] / rs[0][3]:8.3f}")
    strict_name, loop_name = cases
    strict, loop = runs[strict_name][0], runs[loop_name][0]
    print(f"speed-up {medians[strict_name] / medians[loop_name]:.2f}x; "
          f"max |dZ| {np.max(np.abs(strict[1] - loop[1])):.1e}, max |d docc| {np.max(np.abs(strict[2] - loop[2])):.1e} "
          f"(tol {DEMO_PARAMETERS.tol:g})")


if __name__ == "__main__":
    main()
