"""The ``triqs-mlsolver`` command line.

Each subcommand is one entry of :data:`SUBCOMMANDS`: its name, a one-line help, a function
that declares its arguments, and a function that runs it.  Arguments are parsed before any
heavy import; a subcommand imports what it needs when it runs.  Errors of the package are
printed as one line on stderr with exit status 2; other exceptions propagate.

    triqs-mlsolver inspect FILE.h5                        # tree of the archive with object types
    triqs-mlsolver inspect FILE.h5 --plot G_iw --out g.png  # plot a Gf / BlockGf
"""

from __future__ import annotations

import argparse
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
    from .archive_summary import summarize

    print(summarize(args.file))
    if args.plot is not None:
        from .archive_plot import plot_gf

        print(f"plot of {args.plot!r} written to {plot_gf(args.file, args.plot, args.out)}")
    return 0


#: The subcommands, in the order of the help text.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("inspect", "summarize an HDF5 archive (object types, meshes, shapes, values); optionally plot a Gf",
               _inspect_arguments, _inspect),
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
    try:
        return args.run(args)
    except MLSolverError as err:
        message = " ".join(str(err).split())
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 2
