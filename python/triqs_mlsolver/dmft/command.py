"""``triqs-mlsolver dmft bethe``: a U sweep of the Bethe DMFT from the command line.

The arguments are declared in :mod:`triqs_mlsolver.cli`; :func:`sweep_from_arguments` turns
them into validated sweep inputs (every error is raised before the first solve) and
:func:`run_bethe_command` runs the sweep, prints the table and writes the archive and the
plot (rank 0).
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass

from ..errors import invalid_parameter
from ..parallel import world
from .bethe import BetheParameters
from .plot import plot_sweep
from .sweep import SweepResult, bethe_sweep, parse_grid, parse_methods

__all__ = [
    "SHORTCUT_OPTIONS", "SweepInputs", "sweep_from_arguments", "check_out", "run_bethe_command", "default_plot_path",
]

SHORTCUT_OPTIONS = {"n_bath": "ed"}
"""Command-line options that set one method's solver option (``--n-bath 6`` is ``--option ed.n_bath=6``)."""


@dataclass(frozen=True)
class SweepInputs:
    """Validated inputs of a sweep, as parsed from the command line."""

    U: tuple
    params: BetheParameters
    methods: tuple
    method_options: dict
    continuation: bool


def _option_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_option(text: str) -> tuple[str, str, object]:
    """``"METHOD.KEY=VALUE"`` -> ``(method, key, value)``; the value is a Python literal or else a string."""
    head, sep, value = text.partition("=")
    method, dot, key = head.partition(".")
    if not (sep and dot and method.strip() and key.strip() and value.strip()):
        raise invalid_parameter("--option", text, "METHOD.KEY=VALUE", "e.g. --option ed.n_bath=6")
    return method.strip(), key.strip(), _option_value(value.strip())


def sweep_from_arguments(args) -> SweepInputs:
    """Validate the parsed arguments of ``dmft bethe``; raise the package error of the first bad one."""
    U = parse_grid(args.U, "--U")
    methods = parse_methods(args.method)
    params = BetheParameters(beta=args.beta, D=args.D, mu=args.mu, mixing=args.mixing, tol=args.tol,
                             max_iter=args.max_iter, start=args.start, n_iw=args.n_iw, n_tau=args.n_tau,
                             n_l=args.n_l)
    options: dict = {}
    for text in args.option or ():
        method, key, value = parse_option(text)
        options.setdefault(method, {})[key] = value
    for key, method in SHORTCUT_OPTIONS.items():
        value = getattr(args, key)
        if value is None:
            continue
        if method not in methods:
            raise invalid_parameter(
                f"--{key.replace('_', '-')}", value, f"used only with method {method!r}",
                f"Add {method} to --method (e.g. --method {','.join(methods + (method,))}) or drop the option.",
            )
        options.setdefault(method, {})[key] = value
    return SweepInputs(U=U, params=params, methods=methods, method_options=options, continuation=not args.no_continuation)


def default_plot_path(out) -> str:
    """The figure next to the archive: ``mott.h5`` -> ``mott.png``."""
    root, _ = os.path.splitext(os.fspath(out))
    return root + ".png"


def check_out(out, overwrite: bool) -> None:
    """Refuse an existing ``--out`` unless ``--overwrite`` is given (the archive is written anew)."""
    if os.path.exists(out) and not overwrite:
        raise invalid_parameter(
            "--out", os.fspath(out), "a file that does not exist yet",
            "Choose another name, or give --overwrite to replace the existing archive.",
        )


def run_bethe_command(args) -> SweepResult:
    """Run ``dmft bethe`` with parsed arguments: sweep, table on stdout, archive and plot (rank 0)."""
    inputs = sweep_from_arguments(args)
    plot = args.plot if args.plot is not None else default_plot_path(args.out)
    if not plot.lower().endswith(".png"):
        raise invalid_parameter("--plot", plot, "a file name ending in .png")
    folder = os.path.dirname(os.path.abspath(plot))
    if not os.path.isdir(folder):
        raise invalid_parameter("--plot", plot, "a file in an existing folder", f"Create {folder!r} first.")
    world().run_on_master(lambda: check_out(args.out, args.overwrite))  # the error is raised on every rank
    sweep = bethe_sweep(inputs.U, inputs.params, inputs.methods, inputs.method_options, out=args.out,
                        continuation=inputs.continuation, save_iterations=not args.last_only, progress=not args.quiet)
    if world().is_master:
        print(sweep.table())
        print(f"archive: {args.out}")
        print(f"plot: {plot_sweep(sweep, plot)}")
    return sweep
