"""The ``triqs-mlsolver`` command line.

Each subcommand is one entry of :data:`SUBCOMMANDS`: its name, a one-line help, a function
that declares its arguments, and a function that runs it.  Arguments are parsed before any
heavy import; a subcommand imports what it needs when it runs.  Errors of the package are
printed as one line on stderr with exit status 2; other exceptions propagate.

    triqs-mlsolver inspect FILE.h5                        # tree of the archive with object types
    triqs-mlsolver inspect FILE.h5 --plot G_iw --out g.png  # plot a Gf / BlockGf
    mpiexec -n 4 triqs-mlsolver generate dataset.toml --out data.h5   # training data (resumable)
    triqs-mlsolver train data.h5 --out model.pt            # correction network (ensemble) + metrics table
    triqs-mlsolver train-vae kondo.h5 --input G_tau --out vae.pt   # VAE on the reference Green's functions
    triqs-mlsolver dmft bethe --U 0.5:4:0.25 --beta 40 --method ipt,ed --out mott.h5   # Mott transition
    triqs-mlsolver demo                                   # the main job: Mott sweep with three solvers
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, NamedTuple, Sequence

from ._version import __version__
from .errors import MLSolverError, invalid_parameter

__all__ = ["main", "SUBCOMMANDS", "Subcommand"]

PROG = "triqs-mlsolver"


class Subcommand(NamedTuple):
    """One subcommand: ``add_arguments(parser)`` declares its arguments, ``run(args) -> exit status``."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# ----------------------------------------------------------------------------- inspect


def _inspect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="an HDF5 archive (TRIQS layout, or a triqs_mlsolver file)")
    parser.add_argument("--plot", metavar="KEY", help="plot the Gf / BlockGf stored at KEY (a path such as a/b works)")
    parser.add_argument("--out", metavar="PNG", help="image file written by --plot")


def _inspect(args: argparse.Namespace) -> int:
    if (args.plot is None) != (args.out is None):
        raise invalid_parameter(
            "--plot/--out", f"--plot {args.plot} --out {args.out}", "both given or neither",
            "Use: triqs-mlsolver inspect FILE --plot KEY --out fig.png",
        )
    from .archive.summary import register_summary, summarize
    from .data.schema import SCHEMA_NAME
    from .data.summary import summary_lines

    # The archive knows no dataset: the dataset summary (counts, ranges, failures) is installed here.
    register_summary(SCHEMA_NAME, lambda ar: summary_lines(ar.h5_group))
    print(summarize(args.file))
    if args.plot is not None:
        from .archive.plot import plot_gf

        print(f"plot of {args.plot!r} written to {plot_gf(args.file, args.plot, args.out)}")
    return 0


# ----------------------------------------------------------------------------- generate


def _generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="TOML configuration of the dataset (keys in doc/datasets.md)")
    parser.add_argument("--out", required=True, metavar="FILE.h5",
                        help="dataset file: created when missing, completed (resumed) when it exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--no-fsync", action="store_true",
                        help="skip fsync after each write (still safe against a killed run, not against a power cut)")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the configuration and print the plan (samples, file size); generate nothing")
    parser.add_argument("--order", choices=("cost", "index", "random"), default="cost",
                        help="order of the work: longest first (cost, default: ranks finish together), by sample "
                             "index, or a seeded random permutation (a partial file is an unbiased subset)")
    parser.add_argument("--reference-from", metavar="OLD.h5",
                        help="a finished file of this configuration: copy its problems and references into --out "
                             "and solve only the cheap solvers again (after a fix of a cheap solver)")


def _generate(args: argparse.Namespace) -> int:
    from .parallel import world

    comm = world()
    try:
        if args.dry_run:
            from .data.config import load_config
            from .data.schema import file_size

            cfg = load_config(args.config)
            if comm.is_master:
                families = ", ".join(f"{name} {len(r)}" for name, r in cfg.family_ranges().items())
                print(f"{cfg.n_samples} samples ({families}); Nb_ref = {cfg.reference.n_bath}; cheap solvers: "
                      f"{', '.join(s.name for s in cfg.solvers)}; file size {file_size(cfg) / 1e6:.1f} MB; "
                      f"configuration digest {cfg.digest()[:16]}")
            return 0
        from .data.generate import generate

        report = generate(args.config, args.out, comm=comm, progress=not args.quiet, fsync=not args.no_fsync,
                          order=args.order, reference_from=args.reference_from)
    except MLSolverError:
        if not comm.is_master:
            return 2  # the same error is printed once, by rank 0
        raise
    if comm.is_master:
        rate = report.n_written / report.elapsed if report.elapsed > 0 else float("nan")
        print(f"{args.out}: wrote {report.n_written} samples ({report.n_pending} were pending, "
              f"{report.n_samples} in the file) in {report.elapsed:.1f} s, {rate:.3g} samples/s on {comm.size} rank(s); "
              f"busy seconds per rank: {' '.join(f'{b:.1f}' for b in report.busy_per_rank)}; "
              f"CPU seconds per rank: {' '.join(f'{c:.1f}' for c in report.cpu_per_rank)}")
    return 0


# ----------------------------------------------------------------------------- dmft


def _dmft_arguments(parser: argparse.ArgumentParser) -> None:
    lattices = parser.add_subparsers(dest="lattice", metavar="LATTICE", required=True)
    bethe = lattices.add_parser(
        "bethe", help="Bethe lattice (semicircular DOS): U sweep, archive of every iteration, Z(U) plot",
        description="DMFT of the Hubbard model on the Bethe lattice over a U grid, for one or several impurity "
                    "solvers (doc/dmft.md).",
    )
    bethe.add_argument("--U", required=True, metavar="GRID",
                       help="interactions: start:stop:step (stop included; negative step for a downward sweep) "
                            "and/or a comma list, e.g. 0.5:4:0.25 or 4:0.5:-0.5 or 1,2,3")
    bethe.add_argument("--beta", type=float, default=40.0, help="inverse temperature (default 40)")
    bethe.add_argument("--method", default="ipt", help="impurity solvers, comma-separated, e.g. ipt,ed,hubbard_i")
    bethe.add_argument("--D", type=float, default=1.0, help="half bandwidth of the semicircle (default 1)")
    bethe.add_argument("--mu", type=float, default=None, help="chemical potential (default: half filling, mu = U/2)")
    bethe.add_argument("--mixing", type=float, default=1.0, help="G_in <- mixing G_out + (1-mixing) G_in, in (0, 1]")
    bethe.add_argument("--tol", type=float, default=1e-5, help="convergence threshold on max |G_out - G_in|")
    bethe.add_argument("--max-iter", type=int, default=200, help="maximum DMFT iterations per U (default 200)")
    bethe.add_argument("--start", default="metal", help="start of the first U: metal or insulator (default metal)")
    bethe.add_argument("--no-continuation", action="store_true",
                       help="start every U from --start instead of the previous solution")
    bethe.add_argument("--n-iw", type=int, default=1025, help="positive Matsubara frequencies (default 1025)")
    bethe.add_argument("--n-tau", type=int, default=10001, help="imaginary-time points (default 10001)")
    bethe.add_argument("--n-l", type=int, default=40, help="Legendre coefficients (default 40)")
    bethe.add_argument("--n-bath", type=int, default=None, help="bath sites of method ed")
    bethe.add_argument("--option", action="append", metavar="METHOD.KEY=VALUE",
                       help="an option of one solver, e.g. --option ed.n_bath=6 (repeatable)")
    bethe.add_argument("--out", default="bethe_dmft.h5", metavar="FILE.h5",
                       help="archive written (TRIQS layout; default bethe_dmft.h5); an existing file is refused "
                            "unless --overwrite is given")
    bethe.add_argument("--overwrite", action="store_true", help="replace an existing --out archive")
    bethe.add_argument("--plot", default=None, metavar="FILE.png", help="figure Z(U), -beta G(beta/2)/pi (U) "
                       "(default: the archive name with .png)")
    bethe.add_argument("--last-only", action="store_true", help="store only the last iteration of each U")
    bethe.add_argument("--quiet", action="store_true", help="no progress bar")


def _dmft(args: argparse.Namespace) -> int:
    from .parallel import world

    try:
        from .dmft.command import run_bethe_command

        run_bethe_command(args)
    except MLSolverError:
        if not world().is_master:
            return 2  # the same error is printed once, by rank 0
        raise
    return 0


# ----------------------------------------------------------------------------- train


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    from .ml.command import add_train_arguments

    add_train_arguments(parser)


def _train(args: argparse.Namespace) -> int:
    from .ml.command import run_train

    return run_train(args)


def _train_vae_arguments(parser: argparse.ArgumentParser) -> None:
    from .ml.command import add_train_vae_arguments

    add_train_vae_arguments(parser)


def _train_vae(args: argparse.Namespace) -> int:
    from .ml.command import run_train_vae

    return run_train_vae(args)


def _explore_arguments(parser: argparse.ArgumentParser) -> None:
    from .ml.command import add_explore_arguments

    add_explore_arguments(parser)


def _explore(args: argparse.Namespace) -> int:
    from .ml.command import run_explore

    run = None
    if args.run_archive:
        from .dmft.storage import read_last_iterations

        run = read_last_iterations(args.run_archive)
    return run_explore(args, run)


# ----------------------------------------------------------------------------- demo


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo_output", metavar="DIR",
                        help="output folder (created if missing; default ./demo_output)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _demo(args: argparse.Namespace) -> int:
    from .parallel import world

    try:
        from .demo import run_demo

        run_demo(args.out, progress=not args.quiet)
    except MLSolverError:
        if not world().is_master:
            return 2
        raise
    return 0


#: The subcommands, in the order of the help text.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("inspect", "summarize an HDF5 archive (object types, meshes, shapes, values); optionally plot a Gf",
               _inspect_arguments, _inspect),
    Subcommand("generate", "generate (or resume) a training dataset: reference ED + cheap solvers, MPI-parallel",
               _generate_arguments, _generate),
    Subcommand("train", "train the correction network on dataset files (or retrain one with --continue --add)",
               _train_arguments, _train),
    Subcommand("train-vae", "train a variational autoencoder on one representation of the reference G "
               "(G_tau, G_l or A_w)", _train_vae_arguments, _train_vae),
    Subcommand("explore", "report on a VAE's latent variables: KL, correlations with the physics, maps, traversals",
               _explore_arguments, _explore),
    Subcommand("dmft", "DMFT self-consistency loops: 'dmft bethe' sweeps U on the Bethe lattice (Mott transition)",
               _dmft_arguments, _dmft),
    Subcommand("demo", "the main job: Mott transition on the Bethe lattice with Hubbard-I, IPT and ED",
               _demo_arguments, _demo),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Machine-learning-corrected quantum impurity solvers for TRIQS."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for sub in SUBCOMMANDS:
        sub_parser = commands.add_parser(sub.name, help=sub.help, description=sub.help)
        sub.add_arguments(sub_parser)
        sub_parser.set_defaults(run=sub.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``triqs-mlsolver`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error (status 2, message already printed)
        return exit_.code if isinstance(exit_.code, int) else 2
    # The solvers are serial and run one per MPI rank: one BLAS thread per process, unless the
    # environment asks for more (set before numpy loads its BLAS).
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    try:
        return args.run(args)
    except MLSolverError as err:
        message = " ".join(str(err).split())
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 2
