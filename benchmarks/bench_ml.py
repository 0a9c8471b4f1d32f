"""Benchmark of method="ml" against ED with 7 bath sites (prints tables; not a test).

    python benchmarks/bench_ml.py                    # the shipped model, every part
    python benchmarks/bench_ml.py --model m.pt --skip-dmft

1. One solve: ``Solver.solve(method="ml")`` against ``method="ed", n_bath=7`` (bath fit included) on
   the same ``G0_iw``: Bethe-lattice Weiss fields (D = 1, half filling, metallic and insulating
   starts, U = 1, 2, 3) at beta = 20 and 50, n_iw = 1025; median wall time of ``--repeat`` solves
   each (the model is loaded before timing); ``G(tau)`` difference of the two.
2. The network alone: ``CorrectionModel.predict`` on 10^4 problems in one batch (features drawn
   around the training mean): problems per second.
3. DMFT (Bethe, D = 1, beta = 50, metallic start, continuation upwards in U = 1, 2, 2.5, 3, 3.5, 4):
   the whole ml sweep (fallbacks included) against the ED-7 sweep: Z per U, |dZ|, fallbacks, wall
   times and their ratio; away from half filling (mu = U/2 - 0.3, U = 2, beta = 20): density and Z.

One thread (BLAS threads pinned to 1); all ratios come from timings of the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

from triqs_mlsolver import Solver  # noqa: E402
from triqs_mlsolver.dmft import BetheParameters, bethe_sweep, solve_bethe  # noqa: E402
from triqs_mlsolver.dmft.bethe import starting_gf  # noqa: E402
from triqs_mlsolver.lattice import weiss_field  # noqa: E402
from triqs_mlsolver.operators import n  # noqa: E402


def _weiss(solver: Solver, params: BetheParameters, U: float, start: str) -> None:
    g = starting_gf(start, params, U)
    g0 = weiss_field(g, params.matsubara(), params.chemical_potential(U), params.D)
    for _, block in solver.G0_iw:
        block.data[:, 0, 0] = g0


def _timed(solver, U, repeat, **kw):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        solver.solve(h_int=U * n("up", 0) * n("down", 0), **kw)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), np.array(solver.G_tau["up"].data[:, 0, 0].real), dict(solver.last_solve_info)


def single_solves(model: str, repeat: int) -> None:
    print("1. one solve, ml against ED with 7 fitted bath sites (median wall time)")
    print(f"{'beta':>5} {'U':>4} {'start':>9} | {'ml':>9} {'ED-7':>9} {'ratio':>7} | {'max|dG|':>8} {'unc.':>8} fallback")
    ratios = {}
    for beta in (20.0, 50.0):
        params = BetheParameters(beta=beta, n_iw=1025, n_tau=10001, n_l=40)
        solver = Solver(beta=beta, gf_struct=[("up", 1), ("down", 1)], n_iw=1025, n_tau=10001, n_l=40)
        for U in (1.0, 2.0, 3.0):
            for start in ("metal", "insulator"):
                _weiss(solver, params, U, start)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    solver.solve(h_int=U * n("up", 0) * n("down", 0), method="ml", model=model)  # warm
                    t_ml, g_ml, info = _timed(solver, U, repeat, method="ml", model=model)
                    t_ed, g_ed, _ = _timed(solver, U, max(1, repeat // 3), method="ed", n_bath=7)
                ratio = t_ed / t_ml
                ratios.setdefault(beta, []).append(ratio)
                unc = info.get("uncertainty", info.get("ml_uncertainty", float("nan")))
                print(f"{beta:5.0f} {U:4.1f} {start:>9} | {t_ml * 1e3:7.1f}ms {t_ed * 1e3:7.0f}ms {ratio:7.1f} | "
                      f"{np.abs(g_ml - g_ed).max():8.1e} {unc:8.1e} {info['fallback']}")
    for beta, r in ratios.items():
        print(f"beta = {beta:g}: median speed-up {statistics.median(r):.1f}x (min {min(r):.1f}x)")


def network_alone(model_path: str, count: int = 10_000) -> None:
    from triqs_mlsolver.ml.method import load_model

    model = load_model(model_path)
    rng = np.random.default_rng(0)
    ens = model.ensemble
    x = ens.x_mean.numpy() + ens.x_std.numpy() * rng.normal(size=(count, ens.n_in)) * 0.3
    beta = np.full(count, 30.0)
    g_base = np.zeros((count, 2, model.n_l))
    g_base[:, :, 0] = -0.5 * beta[:, None]
    model.predict(x[:100], g_base[:100], beta[:100])
    t0 = time.perf_counter()
    model.predict(x, g_base, beta)
    dt = time.perf_counter() - t0
    print(f"\n2. the network alone: {count} problems in one batch in {dt * 1e3:.0f} ms = {count / dt:.3g} problems/s "
          f"({len(ens.members)} members, uncertainty and domain check included)")


def dmft(model: str) -> None:
    print("\n3. DMFT, Bethe lattice D = 1, beta = 50, half filling, metallic start, continuation upwards")
    params = BetheParameters(beta=50.0, n_iw=1025, n_tau=10001, n_l=40, tol=1e-4, max_iter=100)
    U = (1.0, 2.0, 2.5, 3.0, 3.5, 4.0)
    walls = {}
    sweeps = {}
    for method, options in (("ml", {"model": model}), ("ed", {"n_bath": 7})):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sweeps[method] = bethe_sweep(U, params, (method,), {method: options}, progress=False)
        walls[method] = time.perf_counter() - t0
    ml, ed = sweeps["ml"].results["ml"], sweeps["ed"].results["ed"]
    print(f"{'U':>4} | {'Z ml':>7} {'Z ED-7':>7} {'|dZ|':>7} | {'it ml':>5} {'fallb.':>6} {'it ED':>5} | "
          f"{'t/solve ml':>10} {'t/solve ED':>10}")
    for a, b in zip(ml, ed):
        print(f"{a.U:4.1f} | {a.Z:7.4f} {b.Z:7.4f} {abs(a.Z - b.Z):7.4f} | {a.n_iterations:5d} {a.n_fallbacks:6d} "
              f"{b.n_iterations:5d} | {a.time_per_solve * 1e3:8.1f}ms {b.time_per_solve * 1e3:8.0f}ms")
    solves = sum(a.n_iterations for a in ml)
    fallbacks = sum(a.n_fallbacks for a in ml)
    print(f"whole sweep: ml {walls['ml']:.1f} s, ED-7 {walls['ed']:.1f} s, ratio {walls['ed'] / walls['ml']:.1f}x; "
          f"fallbacks {fallbacks}/{solves} ({100 * fallbacks / max(1, solves):.1f} %)")
    away = BetheParameters(beta=20.0, n_iw=1025, n_tau=10001, n_l=40, tol=1e-4, max_iter=100, mu=0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = solve_bethe(2.0, away, "ml", {"model": model})
        b = solve_bethe(2.0, away, "ed", {"n_bath": 7})
    print(f"away from half filling (U = 2, mu = U/2 - 0.3, beta = 20): n ml {2 * a.density:.4f}, ED-7 "
          f"{2 * b.density:.4f} (|dn| = {2 * abs(a.density - b.density):.4f}); Z ml {a.Z:.4f}, ED-7 {b.Z:.4f} "
          f"(|dZ| = {abs(a.Z - b.Z):.4f}); fallbacks {a.n_fallbacks}/{a.n_iterations}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="model file (default: the shipped model)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each timed ml solve")
    parser.add_argument("--skip-dmft", action="store_true", help="skip the DMFT sweeps (the slow part)")
    args = parser.parse_args()
    single_solves(args.model, args.repeat)
    network_alone(args.model)
    if not args.skip_dmft:
        dmft(args.model)


if __name__ == "__main__":
    main()
