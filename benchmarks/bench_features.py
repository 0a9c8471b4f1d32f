"""Accuracy per cost of the feature sets of method="ml" (prints a table; not a test).

    python benchmarks/bench_features.py $TRIQS_MLSOLVER_DATA/train.h5
    python benchmarks/bench_features.py DATA.h5 --sets hubbard_i,ipt:ipt ed_nb2:ed_nb2

For each feature set (``solvers:base``) a model is trained on the same split of the dataset (same
seed) and evaluated on the test split: median and p95 of ``max_tau |G - G_ref|``, median ``|Z - Z_ref|``,
on the whole split and on its Bethe-loop part.  The rows of the cheap solvers alone and of the
reference come from the same test samples.  Cost per solve: the cheap solvers on ``--timing``
test problems exactly as the ml method runs them (``G0`` on the training grid, no ``G(tau)``
output) plus the network per problem; the reference is ED with 7 bath sites fitted to the same
``G0`` (bath fit included; the dataset reference's Boltzmann cutoff and state limit), as a user without
the model would solve it.  One thread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

from triqs_mlsolver.data.sampling import GF_STRUCT, make_aim  # noqa: E402
from triqs_mlsolver.data.schema import open_dataset  # noqa: E402
from triqs_mlsolver.features import FeatureLayout  # noqa: E402
from triqs_mlsolver.ml.metrics import solver_errors  # noqa: E402
from triqs_mlsolver.ml.samples import load_samples, split_groups  # noqa: E402
from triqs_mlsolver.ml.training import TrainOptions, evaluate, train_correction  # noqa: E402
from triqs_mlsolver.solvers.base import ImpurityProblem, get_solver, options_from_kwargs  # noqa: E402
from triqs_mlsolver.transforms import matsubara_freqs  # noqa: E402

DEFAULT_SETS = ("hubbard_i,ipt:ipt", "hubbard_i,ipt,ed_nb1:ed_nb1", "ed_nb2:ed_nb2", "hubbard_i,ipt,ed_nb1,ed_nb2:ed_nb2",
                "ed_nb3:ed_nb3")


def _problems(path: str, rows: np.ndarray, n_iw: int) -> list:
    with open_dataset(path) as f:
        out = []
        for i in rows:
            beta, U = f["samples/params"][i][:2]
            aim = make_aim(U, f["samples/h_loc"][i], f["samples/bath_eps"][i], f["samples/bath_V"][i])
            out.append(ImpurityProblem(beta, GF_STRUCT, aim.g0(matsubara_freqs(beta, n_iw)), aim.h_int, n_tau=2, n_l=50))
    return out


def _time(solve, problems) -> float:
    times = []
    for p in problems:
        t0 = time.perf_counter()
        solve(p)
        times.append(time.perf_counter() - t0)
    return statistics.mean(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="dataset file")
    parser.add_argument("--sets", nargs="+", default=DEFAULT_SETS, help="feature sets as solvers:base")
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--timing", type=int, default=20, help="test problems timed per solver")
    args = parser.parse_args()
    with open_dataset(args.data) as f:
        config = json.loads(f.attrs["config"])
    n_iw = int(config["output"]["n_iw_solve"])
    every = sorted({s for spec in args.sets for s in spec.split(":")[0].split(",")})
    probe = FeatureLayout(solvers=tuple(every), base=every[0])
    samples = load_samples(args.data, probe)
    test_idx = split_groups(samples.groups, 0)[2]
    test = samples.subset(test_idx)
    bethe = test.family == "bethe"
    rows = {}
    for name in every:
        e = solver_errors(test, name)
        rows[name] = (e, None)

    timed = np.random.default_rng(0).choice(test_idx, size=min(args.timing, test_idx.size), replace=False)
    rows_in_file = _file_rows(args.data, probe, timed)
    problems = _problems(args.data, rows_in_file, n_iw)
    cost = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in every:
            spec = config["solvers"][name]
            cls = get_solver(spec["method"])
            options = options_from_kwargs(cls.Options, spec["options"], spec["method"])
            cost[name] = _time(lambda p: cls().solve(p, options), problems)
        ed = get_solver("ed")
        full = _problems(args.data, rows_in_file[: max(1, len(problems) // 2)], 1025)
        reference = config["reference"]["ed"]
        ref_options = ed.Options(n_bath=7, boltzmann_cutoff=reference["boltzmann_cutoff"],
                                 n_states_max=reference["n_states_max"])
        cost["reference"] = _time(lambda p: ed().solve(p, ref_options), full)
    for spec in args.sets:
        solvers, base = spec.split(":")
        layout = FeatureLayout(solvers=tuple(solvers.split(",")), base=base)
        model, _ = train_correction(args.data, layout, TrainOptions(members=args.members, epochs=args.epochs),
                                    require=tuple(every), progress=False)
        mine = load_samples(args.data, layout, tuple(every)).subset(test_idx)  # the same samples, this layout
        ev = evaluate(model, mine)
        t0 = time.perf_counter()
        model.predict(mine.features, mine.g_l[base], mine.beta)
        network = (time.perf_counter() - t0) / len(mine)
        rows[f"ml[{spec}]"] = ({k: ev[k] for k in ("G", "Z", "n")},
                               sum(cost[s] for s in layout.solvers) + network)
    print(f"test split: {len(test)} samples ({int(bethe.sum())} from Bethe loops); reference = ED, 7 sites, "
          f"fit included: {cost['reference'] * 1e3:.0f} ms per solve")
    head = (f"{'method':<44} {'med max|dG|':>11} {'p95':>9} {'med |dZ|':>9} | {'Bethe med':>9} {'p95':>9} | "
            f"{'ms/solve':>8} {'x faster':>8}")
    print(head)
    print("-" * len(head))
    for name, (e, seconds) in rows.items():
        seconds = cost.get(name, seconds)
        g_b = e["G"][bethe] if bethe.any() else np.array([np.nan])
        print(f"{name:<44} {np.median(e['G']):11.2e} {np.percentile(e['G'], 95):9.2e} {np.median(e['Z']):9.2e} | "
              f"{np.median(g_b):9.2e} {np.percentile(g_b, 95):9.2e} | {seconds * 1e3:8.1f} "
              f"{cost['reference'] / seconds:8.1f}")


def _file_rows(path: str, layout: FeatureLayout, positions: np.ndarray) -> np.ndarray:
    """File indices of the usable samples at ``positions`` (load_samples order)."""
    with open_dataset(path) as f:
        mask = (f["status"][...] == 1) & (f["reference/ok"][...] == 1)
        for s in layout.solvers:
            mask &= f[f"solvers/{s}/ok"][...] == 1
    return np.flatnonzero(mask)[positions]


if __name__ == "__main__":
    main()
