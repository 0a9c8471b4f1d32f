"""``triqs-mlsolver train``, ``train-vae``, ``explore``: correction models, VAEs and their latent reports.

    triqs-mlsolver train DATA.h5 [DATA2.h5 ...] --out model.pt [--solvers hubbard_i,ipt,ed_nb1 --base ed_nb1]
    triqs-mlsolver train --continue model.pt --add acquisition.h5 --out model2.pt
    triqs-mlsolver train-vae DATA.h5 --input G_tau --latent 10 --kl 1.0 --out vae.pt
    triqs-mlsolver explore vae.pt DATA.h5 --out report/ [--run mott.h5]

The arguments are declared here without heavy imports; torch loads when the command runs.
"""

from __future__ import annotations

import argparse
import os

__all__ = ["add_train_arguments", "run_train", "add_train_vae_arguments", "run_train_vae", "add_explore_arguments",
           "run_explore"]

DEFAULT_SOLVERS = "ed_nb3"
DEFAULT_BASE = "ed_nb3"


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="*", help="dataset files (triqs-mlsolver generate); with --continue: "
                        "default the model's own training files")
    parser.add_argument("--out", required=True, metavar="MODEL.pt", help="model file written")
    parser.add_argument("--continue", dest="resume", metavar="MODEL.pt",
                        help="retrain this model from its weights on its data plus the --add files")
    parser.add_argument("--add", action="append", default=[], metavar="FILE.h5",
                        help="acquisition file (recorded ml fallbacks) added with --continue (repeatable)")
    parser.add_argument("--solvers", default=DEFAULT_SOLVERS,
                        help=f"cheap solvers whose G_l are inputs, comma-separated (default {DEFAULT_SOLVERS})")
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"the solver whose G_l is corrected (default {DEFAULT_BASE})")
    parser.add_argument("--n-l-input", type=int, default=30, help="Legendre coefficients per solver in the input")
    parser.add_argument("--n-delta", type=int, default=16, help="Matsubara points of Delta(iw_n) in the input")
    parser.add_argument("--members", type=int, default=5, help="ensemble members (default 5)")
    parser.add_argument("--hidden", type=int, default=256, help="width of the hidden layers (default 256)")
    parser.add_argument("--depth", type=int, default=3, help="hidden layers (default 3)")
    parser.add_argument("--epochs", type=int, default=400, help="most epochs per member (default 400)")
    parser.add_argument("--patience", type=int, default=40, help="early stopping: epochs without improvement")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, the initialization and the batches")
    parser.add_argument("--z-weight", type=float, default=0.0,
                        help="weight of the Z term of the loss (default 0; for --free-iw0 models)")
    parser.add_argument("--free-iw0", action="store_true",
                        help="let the correction change G(i w_0) too (default: G(i w_0), hence Z, stays the base's)")
    parser.add_argument("--weighting", choices=("mse", "relative"), default="relative",
                        help="per-sample loss weight: relative (default; 1/(e^2 + median e^2), e the base's error) "
                             "or mse (equal)")
    parser.add_argument("--accept-quantile", type=float, default=0.99,
                        help="the default uncertainty threshold is this quantile of the validation uncertainties")
    parser.add_argument("--plots", metavar="DIR", help="write the test-split figures into DIR")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_train(args: argparse.Namespace) -> int:
    from ..errors import InvalidParameterError
    from ..features import FeatureLayout
    from .training import TrainOptions, continue_training, train_correction

    if args.resume is None and not args.data:
        raise InvalidParameterError("train needs dataset files (DATA.h5 ...) or --continue MODEL.pt.")
    if args.add and args.resume is None:
        raise InvalidParameterError("--add FILE needs --continue MODEL.pt (the model to retrain).")
    if args.resume is not None:
        if not args.add:
            raise InvalidParameterError("--continue MODEL.pt needs at least one --add FILE.h5 to learn from.")
        model, report = continue_training(args.resume, args.add, args.data or None, progress=not args.quiet)
    else:
        layout = FeatureLayout(solvers=tuple(s for s in args.solvers.split(",") if s), base=args.base,
                               n_l=args.n_l_input, n_delta=args.n_delta)
        options = TrainOptions(members=args.members, hidden=args.hidden, depth=args.depth, epochs=args.epochs,
                               patience=args.patience, seed=args.seed, z_weight=args.z_weight,
                               anchor_iw0=not args.free_iw0, weighting=args.weighting,
                               accept_quantile=args.accept_quantile)
        model, report = train_correction(args.data, layout, options, progress=not args.quiet)
    model.save(args.out)
    print(report.table)
    print(f"model written to {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB) after {report.seconds:.0f} s")
    if args.plots:
        from .plots import plot_test_split

        for path in plot_test_split(model, report.test, args.plots):
            print(f"figure written to {path}")
    return 0


def add_train_vae_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="dataset file (e.g. the Kondo set of datasets/kondo.toml)")
    parser.add_argument("--out", required=True, metavar="VAE.pt", help="model file written")
    parser.add_argument("--input", default="G_tau", help="representation: G_tau, G_l or A_w (default G_tau)")
    parser.add_argument("--latent", type=int, default=10, help="latent dimensions (default 10)")
    parser.add_argument("--architecture", default="vae_mlp/1",
                        help="vae_mlp/1 or vae_sym/1 (particle-hole and spin-flip symmetric latents; default vae_mlp/1)")
    parser.add_argument("--kl", type=float, default=1.0, help="weight of the KL term (1: the ELBO; default 1)")
    parser.add_argument("--hidden", type=int, default=256, help="width of the hidden layers (default 256)")
    parser.add_argument("--depth", type=int, default=2, help="hidden layers of encoder and decoder (default 2)")
    parser.add_argument("--epochs", type=int, default=300, help="most epochs (default 300)")
    parser.add_argument("--warmup", type=int, default=50, help="epochs of the KL warm-up (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, the initialization and the batches")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_train_vae(args: argparse.Namespace) -> int:
    from .vae_training import VAEOptions, save_vae, train_vae

    options = VAEOptions(representation=args.input, architecture=args.architecture, latent=args.latent, kl=args.kl,
                         hidden=args.hidden, depth=args.depth, epochs=args.epochs, warmup=args.warmup, seed=args.seed)
    model, metadata = train_vae(args.data, options, progress=not args.quiet)
    save_vae(args.out, model, metadata)
    m = metadata["metrics"]
    kl = ", ".join(f"{v:.2f}" for v in m["kl_per_dimension"])
    print(f"test split ({metadata['training']['sizes']['test']} samples): mean relative L2 reconstruction error "
          f"{m['relative_l2']:.3e} (training-mean baseline {m['relative_l2_baseline_mean']:.3e})")
    print(f"KL per latent dimension (nats): {kl}; active (KL > 0.1): {m['active']}")
    print(f"model written to {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)")
    return 0


def add_explore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vae", help="VAE model file (train-vae)")
    parser.add_argument("data", help="dataset file whose samples are encoded")
    parser.add_argument("--out", default="vae_report", metavar="DIR", help="report folder (default vae_report)")
    parser.add_argument("--run", dest="run_archive", metavar="ARCHIVE.h5", help="a `dmft bethe` archive drawn as a path on the latent map")
    parser.add_argument("--symbolic", action="store_true",
                        help="symbolic regression of the most Kondo-like latent and of log T_K (needs gplearn)")
    parser.add_argument("--ood", nargs="+", default=[], metavar="FILE.h5",
                        help="dataset files outside the training box: ROC AUC of the OOD score against the held-out "
                             "samples")
    parser.add_argument("--ood-vae", nargs="+", default=[], metavar="VAE.pt",
                        help="with --ood: further VAEs (other representations of the same data) whose OOD scores "
                             "combine with this VAE's by the maximum")


def run_explore(args: argparse.Namespace, run: list | None = None) -> int:
    """``run``: the points of ``--run`` (read from the archive by the command line)."""
    from .explore import explore

    name = os.path.basename(args.run_archive) if args.run_archive else ""
    index = explore(args.vae, args.data, args.out, run=run, run_name=name, symbolic=args.symbolic, ood=args.ood,
                    ood_vaes=args.ood_vae)
    print(f"report written to {index}")
    return 0
