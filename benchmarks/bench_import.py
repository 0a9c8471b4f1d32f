"""Benchmark of import times (prints a table; not a test).

    python benchmarks/bench_import.py            # 5 fresh processes per import
    python benchmarks/bench_import.py --repeat 20

Each line imports one module in a fresh interpreter and reports the median wall time of the
import statement alone (the interpreter start is not counted), and the heavy third-party
modules it loaded.  ``import triqs_mlsolver`` must stay cheap and load none of them
(``test/python/test_layering.py`` checks the second part).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

MODULES = (
    "triqs_mlsolver",
    "triqs_mlsolver.solver",
    "triqs_mlsolver.archive",
    "triqs_mlsolver.dmft",
    "triqs_mlsolver.cli",
)
HEAVY = ("numpy", "scipy", "h5py", "torch", "mpi4py", "matplotlib", "triqs")

_PROBE = """
import json, sys, time
begin = time.perf_counter()
import {module}
elapsed = time.perf_counter() - begin
print(json.dumps([elapsed, [m for m in {heavy!r} if m in sys.modules]]))
"""


def measure(module: str, repeat: int) -> tuple[float, list[str]]:
    """Median import time of ``module`` (s) over ``repeat`` fresh processes, and the heavy modules it loaded."""
    times, heavy = [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _PROBE.format(module=module, heavy=HEAVY)],
                             capture_output=True, text=True, check=True).stdout
        elapsed, heavy = json.loads(out)
        times.append(elapsed)
    return statistics.median(times), heavy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per module (default 5)")
    args = parser.parse_args(argv)
    print(f"{'module':<28} {'import (ms)':>11}  heavy modules loaded")
    for module in MODULES:
        elapsed, heavy = measure(module, args.repeat)
        print(f"{module:<28} {1e3 * elapsed:>11.1f}  {', '.join(heavy) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
