"""Sweeps of the Bethe-lattice DMFT over a grid of ``U``, for one or several impurity solvers.

For each method the sweep visits the ``U`` values in the given order.  With ``continuation``
(the default) the first ``U`` starts from ``params.start`` and every later one from the previous
solution, so an increasing grid from ``"metal"`` follows the metallic branch up to ``U_c2`` and a
decreasing grid from ``"insulator"`` the insulating branch down to ``U_c1``: the two sweeps
show the hysteresis of the Mott transition.  Every iteration goes to a TRIQS-layout archive
(:mod:`~triqs_mlsolver.dmft.storage`), a progress bar on stderr counts the ``U`` points.

    params = BetheParameters(beta=40.0, tol=1e-5)
    sweep = bethe_sweep(parse_grid("0.5:4:0.25"), params, methods=("ipt", "hubbard_i"), out="mott.h5")
    print(sweep.table())
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .._progress import Progress
from ..errors import InvalidParameterError, invalid_parameter
from ..parallel import world
from ..solver import solver_methods
from .bethe import BetheParameters, BetheResult, check_method_options, make_solver, solve_bethe
from .storage import SweepArchive

__all__ = ["MAX_GRID_POINTS", "parse_grid", "parse_methods", "SweepResult", "bethe_sweep"]

MAX_GRID_POINTS = 10000
"""Largest number of values a grid may have (a guard against a mistyped step)."""

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _range(name: str, text: str, item: str) -> list[float]:
    start, stop, step = (float(x) for x in item.split(":"))
    if step == 0.0 or (stop - start) * step < 0:
        raise invalid_parameter(
            name, text, "start:stop:step with a step that goes from start towards stop",
            f"In {item!r} the step {step:g} never reaches {stop:g}; e.g. 0.5:4:0.25 or 4:0.5:-0.25.",
        )
    span = (stop - start) / step
    if not math.isfinite(span) or span + 1 > MAX_GRID_POINTS:
        raise invalid_parameter(name, text, f"at most {MAX_GRID_POINTS} values", f"{item!r} has {span + 1:.3g}.")
    count = math.floor(span + 1e-9) + 1
    return [round(start + k * step, 12) for k in range(count)]


def parse_grid(text: str, name: str = "U") -> tuple[float, ...]:
    """Values from ``"start:stop:step"`` (stop included when on the grid; the step may be negative),
    a comma-separated list ``"1,2.5,3"``, or a mix ``"0.5:2:0.5,3,4"``; errors name the parameter ``name``."""
    if not isinstance(text, str) or not text.strip():
        raise invalid_parameter(name, text, "a non-empty string such as 0.5:4:0.25 or 1,2,3")
    values: list[float] = []
    for raw in text.split(","):
        item = raw.strip()
        if re.fullmatch(rf"{_NUMBER}:{_NUMBER}:{_NUMBER}", item):
            values += _range(name, text, item)
        elif re.fullmatch(_NUMBER, item):
            values.append(float(item))
        else:
            raise invalid_parameter(
                name, text, "comma-separated numbers or start:stop:step ranges",
                f"The item {item!r} is neither; e.g. 0.5:4:0.25, 4:0.5:-0.5 or 1,2,3.",
            )
    if len(values) > MAX_GRID_POINTS:
        raise invalid_parameter(name, text, f"at most {MAX_GRID_POINTS} values")
    return tuple(values)


def parse_methods(text: str) -> tuple[str, ...]:
    """Method names from a comma-separated list, each a registered method, none repeated."""
    names = tuple(item.strip() for item in str(text).split(",") if item.strip())
    if not names:
        raise invalid_parameter("method", text, f"one or more of {solver_methods()}, comma-separated")
    return _check_methods(names)


def _check_methods(methods) -> tuple[str, ...]:
    methods = tuple(methods)
    if not methods:
        raise invalid_parameter("methods", methods, f"one or more of {solver_methods()}")
    for name in methods:
        if name not in solver_methods():
            raise invalid_parameter("method", name, f"one of {solver_methods()}")
    if len(set(methods)) != len(methods):
        raise invalid_parameter("methods", methods, "each method once")
    return methods


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Results of :func:`bethe_sweep`: ``results[method]`` is a tuple of :class:`BetheResult`, one per ``U``."""

    params: BetheParameters
    U: tuple
    methods: tuple
    results: dict
    archive: str | None = None

    def column(self, method: str, name: str) -> np.ndarray:
        """The observable ``name`` (a BetheResult field) of ``method`` over the ``U`` grid."""
        return np.asarray([getattr(r, name) for r in self.results[method]])

    def table(self) -> str:
        """A text table: ``U``, then per method ``Z``, ``-beta G(beta/2)/pi``, ``<n_up n_dn>``,
        the iterations (``!`` when not converged), the mean time per impurity solve and, for ``ml``,
        the solves that fell back to ED."""
        def cells(m):
            return ("Z", "A_F", "docc", "iter", "t/solve") + (("fb",) if m == "ml" else ())

        def widths(m):
            return (7, 7, 7, 5, 9) + ((4,) if m == "ml" else ())

        span = {m: sum(widths(m)) + len(widths(m)) - 1 for m in self.methods}
        head1 = f"{'':>6} | " + " | ".join(f"{m:^{span[m]}}" for m in self.methods)
        head2 = f"{'U':>6} | " + " | ".join(" ".join(f"{c:>{w}}" for c, w in zip(cells(m), widths(m)))
                                              for m in self.methods)
        lines = [head1, head2, "-" * len(head2)]
        for i, U in enumerate(self.U):
            row = []
            for m in self.methods:
                r = self.results[m][i]
                iters = f"{r.n_iterations}{'' if r.converged else '!'}"
                fallbacks = f" {r.n_fallbacks:>4}" if m == "ml" else ""
                row.append(f"{_number(r.Z)} {_number(r.spectral_weight)} {_number(r.double_occupancy)} {iters:>5} "
                           f"{_duration(r.time_per_solve):>9}{fallbacks}")
            lines.append(f"{U:6.3g} | " + " | ".join(row))
        lines.append(f"A_F = -beta G(beta/2)/pi (-> A(0) as T -> 0; 2/(pi D) = {2 / (np.pi * self.params.D):.4f} "
                     "at U = 0); docc = <n_up n_dn>; '!' = not converged"
                     + ("; fb = solves of method ml that fell back to ED." if "ml" in self.methods else "."))
        return "\n".join(line.rstrip() for line in lines)


def _number(x: float) -> str:
    return f"{round(x, 4) + 0.0:7.4f}"  # + 0.0 turns a rounded -0.0 into 0.0


def _duration(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1.0 else f"{seconds:.2f} s"


def bethe_sweep(
    U_values,
    params: BetheParameters = BetheParameters(),
    methods=("ipt",),
    method_options: dict | None = None,
    *,
    out=None,
    continuation: bool = True,
    save_iterations: bool = True,
    progress: bool = True,
) -> SweepResult:
    """Run the Bethe DMFT loop for every ``U`` of ``U_values`` and every method (see the module).

    Parameters
    ----------
    U_values : the interactions (``>= 0``), in the order visited.
    params : loop parameters shared by every point.
    methods : impurity solvers, e.g. ``("ipt", "ed", "hubbard_i")``.
    method_options : ``{method: {option: value}}`` passed to ``Solver.solve`` (e.g. ``{"ed": {"n_bath": 6}}``).
    out : archive path (None: no archive); rank 0 writes it.
    continuation : start each ``U`` after the first from the previous solution (else from ``params.start``).
    save_iterations : store every iteration (else only the last one of each ``U``).
    progress : show a progress bar on stderr (rank 0).

    Everything is validated before the first solve.
    """
    if not isinstance(params, BetheParameters):
        raise invalid_parameter("params", type(params).__name__, "a BetheParameters")
    U_values = tuple(float(u) for u in np.atleast_1d(np.asarray(U_values, dtype=float)))
    if not U_values:
        raise invalid_parameter("U", U_values, "at least one value")
    bad = [u for u in U_values if not (math.isfinite(u) and u >= 0.0)]
    if bad:
        raise invalid_parameter("U", bad[0], "finite values U >= 0")
    methods = _check_methods((methods,) if isinstance(methods, str) else methods)
    method_options = dict(method_options or {})
    unused = sorted(set(method_options) - set(methods))
    if unused:
        raise InvalidParameterError(
            f"options were given for method(s) {unused} that the sweep does not run (methods: {list(methods)}). "
            "Remove them or add the method."
        )
    method_options = {m: check_method_options(m, method_options.get(m), params.tol) for m in methods}

    comm = world()
    archive = SweepArchive(out, comm, save_iterations=save_iterations) if out is not None else None
    results = {}
    bar = Progress(len(U_values) * len(methods), "Bethe DMFT", enabled=progress and comm.is_master, unit="U")
    try:
        if archive is not None:
            archive.write_input(params, U_values, methods, method_options, continuation)
        for method in methods:
            solver = make_solver(params)
            points: list[BetheResult] = []
            for index, U in enumerate(U_values):
                previous = points[-1].g_iw if continuation and points else None
                if archive is not None:
                    archive.begin_point(method, index, U, params.chemical_potential(U),
                                        "previous" if previous is not None else params.start)
                result = solve_bethe(U, params, method, method_options[method], start=previous, solver=solver,
                                     on_iteration=None if archive is None else archive.iteration)
                if archive is not None:
                    archive.end_point(result, solver)
                points.append(result)
                bar.update(postfix=f"{method} U={U:g}: Z={result.Z:.3f} in {result.n_iterations} it")
            results[method] = tuple(points)
            if archive is not None:
                archive.write_summary(method, points)
    finally:
        bar.close()
        if archive is not None:
            archive.close()
    return SweepResult(params=params, U=U_values, methods=methods, results=results,
                       archive=None if out is None else str(out))
