"""Benchmark of the exact-diagonalization solver (prints a table; not a test).

    python benchmarks/bench_ed.py            # Nb = 4..10, beta = 50 and T = 0, throughput
    python benchmarks/bench_ed.py --max-nb 8 # a quicker subset

Model: one orbital, U = 2, eps_d = -1 (half filling), bath levels eps_k = linspace(-1, 1, Nb),
V_k = 0.5; G of both spins on 1024 Matsubara frequencies (beta_mesh = 50, also at T = 0),
one thread (BLAS threads pinned to 1).  Each case runs in a fresh process, so the peak
resident memory reported is that case's own (Python, numpy and scipy included, ~100 MB).
For Nb <= 5 the same case is also solved by the dense numpy reference ED of the tests
(``test/python/dense_ed.py``: Jordan-Wigner matrices, full diagonalization by particle
number, Lehmann sum) and the ratio of the times is reported.  The last lines give the
throughput of cheap solves (Nb = 1, 2, 3, beta = 50), G on the Matsubara mesh included.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

REPO = pathlib.Path(__file__).resolve().parents[1]
U, EPS_D, V, BETA_MESH, N_IW = 2.0, -1.0, 0.5, 50.0, 1024


def _aim(nb: int):
    import numpy as np

    from triqs_mlsolver.aim import AIM

    return AIM.single_orbital(U=U, eps_d=EPS_D, eps_k=np.linspace(-1, 1, nb), V_k=V * np.ones(nb))


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_case(nb: int, beta: float, dense: bool) -> dict:
    """One case in this process: ED (+ G(iw)) and optionally the dense reference."""
    from triqs_mlsolver.ed import diagonalize

    aim = _aim(nb)
    base = _peak_mb()
    t0 = time.perf_counter()
    result = diagonalize(aim, beta)
    t1 = time.perf_counter()
    g = {name: p.iw(BETA_MESH, N_IW) for name, p in result.poles.items()}
    t2 = time.perf_counter()
    out = {
        "nb": nb,
        "beta": beta,
        "n_orbitals": aim.n_orbitals,
        "largest_sector": max(s.dim for s in result.sectors),
        "states": result.n_states_kept,
        "poles": result.poles["up"].n_poles,
        "t_ed": t1 - t0,
        "t_g": t2 - t1,
        "peak_mb": _peak_mb(),
        "base_mb": base,
    }
    if dense:
        sys.path.insert(0, str(REPO / "test" / "python"))
        import numpy as np
        from dense_ed import DenseED

        t3 = time.perf_counter()
        ref = DenseED(aim.n_orbitals, aim.quadratic_matrix(), [(U, [(True, 0), (False, 0), (True, 1), (False, 1)])], beta=beta)
        iw = 1j * np.pi * (2 * np.arange(-N_IW, N_IW) + 1) / BETA_MESH
        g_ref = {name: ref.gf(orbitals, iw) for name, orbitals in aim.impurity_orbitals().items()}
        out["t_dense"] = time.perf_counter() - t3
        out["max_diff"] = float(max(np.abs(g[name] - g_ref[name]).max() for name in g))
    return out


def throughput(nb: int, seconds: float = 2.0) -> tuple[float, float]:
    """Solves per second (ED + G(iw) of both blocks) and the same without G(iw)."""
    from triqs_mlsolver.ed import diagonalize

    aim = _aim(nb)
    rates = []
    for with_g in (True, False):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            result = diagonalize(aim, BETA_MESH)
            if with_g:
                for p in result.poles.values():
                    p.iw(BETA_MESH, N_IW)
            n += 1
        rates.append(n / (time.perf_counter() - start))
    return rates[0], rates[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-nb", type=int, default=10)
    parser.add_argument("--case", nargs=3, metavar=("NB", "BETA", "DENSE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        nb, beta, dense = int(args.case[0]), float(args.case[1]), args.case[2] == "1"
        print(json.dumps(run_case(nb, beta, dense)))
        return 0

    import numpy
    import scipy

    from triqs_mlsolver import __version__

    print(f"triqs_mlsolver {__version__}, numpy {numpy.__version__}, scipy {scipy.__version__}, "
          f"{os.cpu_count()} CPU(s), BLAS threads 1")
    print(f"one orbital, U = {U}, eps_d = {EPS_D}, eps_k = linspace(-1, 1, Nb), V = {V}; "
          f"G(iw) of both spins on {N_IW} frequencies (beta_mesh = {BETA_MESH})")
    header = (f"{'Nb':>3} {'beta':>5} {'orbs':>4} {'largest':>8} {'states':>6} {'poles':>6} "
              f"{'ED [s]':>8} {'G(iw) [s]':>9} {'total [s]':>9} {'peak [MB]':>9} {'dense [s]':>9} {'ratio':>7}")
    print(header)
    print("-" * len(header))
    for nb in range(4, args.max_nb + 1):
        for beta in (50.0, math.inf):
            dense = nb <= 5
            proc = subprocess.run(
                [sys.executable, __file__, "--case", str(nb), str(beta), "1" if dense else "0"],
                capture_output=True, text=True, env=os.environ.copy(), check=False,
            )
            if proc.returncode != 0:
                print(f"{nb:>3} {beta:>5} failed: {proc.stderr.strip().splitlines()[-1]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            total = r["t_ed"] + r["t_g"]
            dense_txt = f"{r['t_dense']:9.3f} {r['t_dense'] / total:7.1f}" if dense else f"{'-':>9} {'-':>7}"
            print(f"{nb:>3} {beta:>5g} {r['n_orbitals']:>4} {r['largest_sector']:>8} {r['states']:>6} {r['poles']:>6} "
                  f"{r['t_ed']:8.3f} {r['t_g']:9.3f} {total:9.3f} {r['peak_mb']:9.0f} {dense_txt}")
            if dense and r["max_diff"] > 1e-8:
                print(f"    WARNING: max |G - G_dense| = {r['max_diff']:.2e}")
    print()
    print("throughput at beta = 50 (one process, one thread):")
    for nb in (1, 2, 3):
        with_g, without_g = throughput(nb)
        print(f"  Nb = {nb}: {with_g:7.0f} solves/s with G(iw) of both spins, {without_g:7.0f} solves/s ED only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
