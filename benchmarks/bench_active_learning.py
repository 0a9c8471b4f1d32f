"""Iterative training outside the training box: fallback rate and accepted error per round (prints a table).

    python benchmarks/bench_active_learning.py --model MODEL.pt --out FOLDER
    python benchmarks/bench_active_learning.py --model m.pt --out al --U 5:7 --problems 40 --rounds 2

Each round draws ``--problems`` new impurity problems of the training recipe's random family with ``U``
in the given range (outside the box of a model trained on U <= 5), solves them with ``method="ml"``
recording every fallback in an acquisition file, then retrains the model with
``train --continue MODEL --add ACQUISITION`` (all acquisition files so far).  Per round it prints the
fallback rate and, for the accepted solves, ``max_tau |G - G_ref|`` against the ED of the problem's own
7-site bath (the reference of the datasets), so the table shows the region being learned.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

from triqs_mlsolver.data.config import parse_config  # noqa: E402
from triqs_mlsolver.data.sampling import GF_STRUCT, random_sample  # noqa: E402
from triqs_mlsolver.errors import OutOfDomainWarning  # noqa: E402
from triqs_mlsolver.ml.method import MLOptions, load_model, solve_many  # noqa: E402
from triqs_mlsolver.ml.training import continue_training  # noqa: E402
from triqs_mlsolver.solvers.base import ImpurityProblem  # noqa: E402
from triqs_mlsolver.ed import EDOptions, diagonalize  # noqa: E402
from triqs_mlsolver.transforms import matsubara_freqs  # noqa: E402

N_TAU = 201


def draw(U_range, count: int, seed: int, n_bath: int = 7):
    """``count`` samples of the training recipe's random family with U uniform in ``U_range``."""
    cfg = parse_config({"seed": seed, "families": {"random": {
        "count": count, "U": {"dist": "uniform", "low": U_range[0], "high": U_range[1]}, "mirror": "none",
        "level_mode": "filling", "level": {"dist": "uniform", "low": 0.3, "high": 1.0}}}})
    fam = dict(cfg.families)["random"]
    return [random_sample(fam, n_bath, 1024, seed, i, i) for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the starting model")
    parser.add_argument("--out", required=True, help="folder for the acquisition files and retrained models")
    parser.add_argument("--U", default="5:7", help="range of U, low:high (default 5:7)")
    parser.add_argument("--problems", type=int, default=40, help="new problems per round")
    parser.add_argument("--rounds", type=int, default=2, help="retraining rounds")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    U_range = tuple(float(x) for x in args.U.split(":"))
    model_path, added = args.model, []
    print(f"U in [{U_range[0]:g}, {U_range[1]:g}], {args.problems} new problems per round, fallback to ED with 7 sites")
    print(f"{'round':>5} {'model U box':>15} | {'fallbacks':>9} | {'accepted: med max|dG|':>21} {'max':>9} | {'retrain':>8}")
    for round_ in range(args.rounds + 1):
        samples = draw(U_range, args.problems, seed=1000 + round_)
        problems, refs = [], []
        for s in samples:
            aim = s.aim()
            problems.append(ImpurityProblem(s.beta, GF_STRUCT, aim.g0(matsubara_freqs(s.beta, 1025)), aim.h_int,
                                            n_tau=N_TAU, n_l=50))
            ed = diagonalize(aim, s.beta, EDOptions(boltzmann_cutoff=1e-6, n_states_max=20000))
            refs.append(np.stack([ed.poles[b].tau(s.beta, N_TAU)[:, 0, 0].real for b in ("up", "down")]))
        acquisition = os.path.join(args.out, f"acquisition_{round_}.h5")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OutOfDomainWarning)
            results = solve_many(problems, MLOptions(model=model_path, acquisition=acquisition))
        fallback = np.array([r.info["fallback"] for r in results])
        errors = np.array([np.abs(np.stack([r.g_tau[b][:, 0, 0].real for b in ("up", "down")]) - ref).max()
                           for r, ref in zip(results, refs)])
        accepted = errors[~fallback]
        box = load_model(model_path).domain["U"]
        line = (f"{round_:5d} [{box[0]:5.2f}, {box[1]:5.2f}] | {fallback.sum():4d}/{len(fallback):<4d} | "
                f"{np.median(accepted) if accepted.size else float('nan'):21.2e} "
                f"{accepted.max() if accepted.size else float('nan'):9.2e} |")
        if round_ == args.rounds:
            print(line)
            break
        if os.path.exists(acquisition):
            added.append(acquisition)
        t0 = time.perf_counter()
        model, _ = continue_training(model_path, added[-1:], progress=False)
        model_path = os.path.join(args.out, f"model_{round_ + 1}.pt")
        model.save(model_path)
        print(f"{line} {time.perf_counter() - t0:7.0f}s")


if __name__ == "__main__":
    main()
