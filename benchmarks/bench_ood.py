"""What the VAE's out-of-distribution score adds to the ensemble spread of method="ml" (prints a table; not a test).

    python benchmarks/bench_ood.py --vae VAE.pt --inside train.h5 --outside kondo.h5 [--model correction.pt]

The correction model (default: the shipped one) predicts G for every usable sample of the files, as
``method="ml"`` would from the same features, and the VAE (``train-vae`` on the model's training set)
scores the predicted G as ``method="ml", vae=...`` does.  Per file, among the samples inside the
model's domain box: how many the spread accepts (uncertainty <= the model's threshold), how many of
those the OOD score flags (score > max_ood), and the error max_tau |G - G_ref| of the accepted samples
that the OOD score passes or flags, and how many of the accepted samples with an error above 2e-2 (wrong
answers the spread let through) the OOD score flags.  ``--inside``: only the VAE's held-out test split is used (its false
alarms); ``--outside``: every sample (inputs unlike the training set, often inside the box).
"""

from __future__ import annotations

import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

from triqs_mlsolver.ml.correction import CorrectionModel  # noqa: E402
from triqs_mlsolver.ml.method import DEFAULT_MODEL, vae_input  # noqa: E402
from triqs_mlsolver.ml.metrics import prediction_errors  # noqa: E402
from triqs_mlsolver.ml.ood import DEFAULT_MAX_OOD, ood_scores  # noqa: E402
from triqs_mlsolver.ml.samples import load_samples  # noqa: E402
from triqs_mlsolver.ml.vae_training import load_vae  # noqa: E402


BAD = 2e-2
"""An accepted prediction with max_tau |G - G_ref| above this is wrong (the ml method's p99 target)."""


def _pct(errors: np.ndarray) -> str:
    if errors.size == 0:
        return "-"
    return f"{np.median(errors):.2e} / {np.percentile(errors, 95):.2e} / {errors.max():.2e}"


def row(name: str, model: CorrectionModel, vae, meta, path: str, rows=None, max_ood: float = DEFAULT_MAX_OOD) -> str:
    s = load_samples(path, model.layout)
    if rows is not None:
        s = s.subset(np.flatnonzero(np.isin(s.rows, rows)))
    pred = model.predict(s.features, s.g_l[model.layout.base], s.beta)
    err = prediction_errors(s, pred.g_l)["G"]
    score = ood_scores(vae, meta["ood"], vae_input(vae, meta, pred.g_l, s.beta))["score"]
    box = pred.in_domain
    spread_ok = box & (pred.uncertainty <= model.threshold)
    flagged = spread_ok & (score > max_ood)
    passed = spread_ok & ~flagged
    bad = spread_ok & (err > BAD)
    return (f"| {name} | {len(s)} | {box.sum()} | {spread_ok.sum()} | {flagged.sum()} ({flagged.sum() / max(spread_ok.sum(), 1):.0%}) "
            f"| {_pct(err[passed])} | {_pct(err[flagged])} | {(bad & flagged).sum()} of {bad.sum()} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vae", required=True, help="VAE trained (train-vae) on the model's training set")
    parser.add_argument("--inside", required=True, help="the VAE's training file (its held-out split is used)")
    parser.add_argument("--outside", nargs="+", required=True, help="files of other inputs")
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="correction model (default: the shipped one)")
    args = parser.parse_args(argv)
    model = CorrectionModel.load(args.model)
    vae, meta = load_vae(args.vae)
    print(f"model {os.path.basename(args.model)} (spread threshold {model.threshold:.3g}), VAE {os.path.basename(args.vae)} "
          f"({meta['representation']}, {meta['architecture']['name']}), OOD threshold {DEFAULT_MAX_OOD}\n")
    print("| samples | N | in the box | accepted by the spread | of those flagged by the OOD score "
          "| error of the accepted, OOD passed: median / p95 / max | error of the accepted, OOD flagged "
          f"| accepted with error > {BAD:g}: flagged by the OOD score |")
    print("|---|---:|---:|---:|---:|---|---|---:|")
    print(row(f"{os.path.basename(args.inside)} (VAE test split)", model, vae, meta, args.inside,
              rows=np.asarray(meta.get("test_rows", []), dtype=int)))
    for path in args.outside:
        print(row(os.path.basename(path), model, vae, meta, path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
