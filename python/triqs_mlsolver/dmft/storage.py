"""The archive of a Bethe DMFT sweep (TRIQS HDFArchive layout, readable by ``h5.HDFArchive``).

Layout (``<m>`` a method, ``<i>`` the index of ``U`` in the sweep, zero-padded so that the
alphabetical HDF5 order is the sweep order)::

    /dmft_input            Dict: lattice, beta, D, mu, mixing, tol, max_iter, start, continuation,
                                 n_iw, n_tau, n_l, U (array), methods (List), method_options (Dict), version
    /<m>/summary           Dict of arrays over the sweep: U, mu, Z, spectral_weight, double_occupancy,
                                 density, converged, n_iterations, distance, time_per_solve, n_fallbacks
    /<m>/U_<i>/params      Dict: U, mu, start ('metal', 'insulator' or 'previous')
    /<m>/U_<i>/it_<k>      G_iw, Sigma_iw (BlockGf) and distance of iteration k = 0, 1, ...
    /<m>/U_<i>/last_iter   G0_iw, G_iw, Sigma_iw, G_tau, G_l of the last iteration
    /<m>/U_<i>/iteration_count   int
    /<m>/U_<i>/observables Dict: the scalars of BetheResult (Z, spectral_weight, double_occupancy, ...)

The root carries the attribute ``triqs_mlsolver_schema = "triqs_mlsolver.dmft_bethe"``.  Only
rank 0 opens and writes the file; an error opening it is raised on every rank.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from .._version import __version__
from ..archive import HDFArchive
from ..errors import invalid_parameter
from ..parallel import Comm
from ..triqs_compat import to_lean
from .bethe import BetheParameters, BetheResult

__all__ = ["SCHEMA", "SUMMARY_FIELDS", "SweepArchive", "point_name", "read_input", "read_summary",
           "read_last_iterations"]

SCHEMA = "triqs_mlsolver.dmft_bethe"
"""Value of the root attribute ``triqs_mlsolver_schema`` of a sweep archive."""

SUMMARY_FIELDS = ("U", "mu", "Z", "spectral_weight", "double_occupancy", "density", "converged", "n_iterations",
                  "distance", "time_per_solve", "n_fallbacks")
"""Arrays of ``/<method>/summary``."""


def point_name(index: int) -> str:
    """Group name of the ``index``-th U of a sweep: ``U_000``, ``U_001``, ..."""
    return f"U_{index:03d}"


class SweepArchive:
    """Writer of a sweep archive: a real file on rank 0, nothing on the other ranks.

    ``save_iterations=False`` keeps only ``last_iter`` of each U (no ``it_<k>`` groups).
    """

    def __init__(self, path, comm: Comm, *, save_iterations: bool = True) -> None:
        self._comm = comm
        self._save_iterations = save_iterations
        self._ar = None
        self._point = None

        def open_file():
            ar = HDFArchive(path, "w")
            ar.h5_group.attrs["triqs_mlsolver_schema"] = SCHEMA
            return ar

        error = None
        if comm.is_master:
            try:
                self._ar = open_file()
            except Exception as exc:  # re-raised on every rank below
                error = exc
        error = comm.bcast(error)
        if error is not None:
            raise error

    def _write(self, func) -> None:
        """Run the write ``func`` on rank 0; an error there is raised on every rank (no rank is left
        waiting in a later broadcast of the loop)."""
        self._comm.run_on_master(func)

    def write_input(self, params: BetheParameters, U_values, methods, method_options: dict, continuation: bool) -> None:
        self._write(lambda: self._write_input(params, U_values, methods, method_options, continuation))

    def _write_input(self, params, U_values, methods, method_options, continuation) -> None:
        record = {k: v for k, v in dataclasses.asdict(params).items() if v is not None}
        if params.mu is None:
            record["mu"] = "U/2 (half filling)"
        record.update(
            lattice="bethe", U=np.asarray(U_values, dtype=float), methods=list(methods),
            method_options={m: {k: v for k, v in method_options.get(m, {}).items() if v is not None} for m in methods},
            continuation=bool(continuation),
            version=__version__,
        )
        self._ar["dmft_input"] = record

    def begin_point(self, method: str, index: int, U: float, mu: float, start: str) -> None:
        self._write(lambda: self._begin_point(method, index, U, mu, start))

    def _begin_point(self, method, index, U, mu, start) -> None:
        if method not in self._ar:
            self._ar.create_group(method)
        self._point = self._ar[method].create_group(point_name(index))
        self._point["params"] = {"U": float(U), "mu": float(mu), "start": start}

    def iteration(self, k: int, solver, distance: float) -> None:
        """Store iteration ``k`` (G_iw, Sigma_iw, distance) of the current point.

        The Weiss field of iteration ``k`` follows from the stored ``G_iw`` (see ``doc/dmft.md``), so it is
        not repeated; ``last_iter`` has it.
        """
        if self._save_iterations:
            self._write(lambda: self._iteration(k, solver, distance))

    def _iteration(self, k, solver, distance) -> None:
        group = self._point.create_group(f"it_{k}")
        for key in ("G_iw", "Sigma_iw"):
            group[key] = to_lean(getattr(solver, key))
        group["distance"] = float(distance)
        self._ar.h5_group.file.flush()

    def end_point(self, result: BetheResult, solver) -> None:
        """Store ``last_iter``, ``iteration_count`` and the observables of the current point."""
        self._write(lambda: self._end_point(result, solver))

    def _end_point(self, result, solver) -> None:
        group = self._point.create_group("last_iter")
        for key in ("G0_iw", "G_iw", "Sigma_iw", "G_tau", "G_l"):
            group[key] = to_lean(getattr(solver, key))
        self._point["iteration_count"] = int(result.n_iterations)
        self._point["observables"] = result.scalars()
        self._ar.h5_group.file.flush()

    def write_summary(self, method: str, results) -> None:
        def write():
            self._ar[method]["summary"] = {
                name: np.asarray([getattr(r, name) for r in results]) for name in SUMMARY_FIELDS
            }

        self._write(write)

    def close(self) -> None:
        if self._ar is not None:
            self._ar.close()
            self._ar = None


def _check_schema(ar: HDFArchive, path) -> None:
    schema = ar.h5_group.attrs.get("triqs_mlsolver_schema")
    if isinstance(schema, bytes):
        schema = schema.decode()
    if schema != SCHEMA:
        raise invalid_parameter(
            "path", os.fspath(path), f"an archive of a Bethe DMFT sweep (root attribute triqs_mlsolver_schema = "
            f"{SCHEMA!r}; this file has {schema!r})", "Write one with bethe_sweep(..., out=...) or "
            "triqs-mlsolver dmft bethe.",
        )


def read_input(path) -> dict:
    """The ``dmft_input`` Dict of a sweep archive (parameters, U grid, methods, options)."""
    with HDFArchive(path, "r") as ar:
        _check_schema(ar, path)
        return dict(ar["dmft_input"])


def read_summary(path) -> dict:
    """``{method: {field: array}}`` from the ``summary`` Dicts of a sweep archive (see the module).

    A method whose sweep was interrupted has no summary; its points are read from the
    ``observables`` of the ``U_<i>`` groups written so far.
    """
    with HDFArchive(path, "r") as ar:
        _check_schema(ar, path)
        out = {}
        for m in ar["dmft_input"]["methods"]:
            if m not in ar:
                continue
            if "summary" in ar[m]:
                out[m] = {k: np.asarray(v) for k, v in ar[m]["summary"].items()}
                continue
            names = sorted((name for name in ar[m].keys() if name.startswith("U_")), key=lambda name: int(name[2:]))
            points = [ar[m][name]["observables"] for name in names if "observables" in ar[m][name]]
            out[m] = {k: np.asarray([p[k] if k in p else 0 for p in points]) for k in SUMMARY_FIELDS}  # older: no n_fallbacks
        return out


def read_last_iterations(path) -> list:
    """``[(label, beta, G_tau, G_l), ...]``: the last iteration of every U point of every method (``label`` such as
    ``"ipt U=2"``; ``G_tau`` ``(blocks, n_tau)`` and ``G_l`` ``(blocks, n_l)``, real, one row per block)."""
    out = []
    with HDFArchive(path, "r") as ar:
        _check_schema(ar, path)
        for m in ar["dmft_input"]["methods"]:
            if m not in ar:
                continue
            for name in sorted((k for k in ar[m].keys() if k.startswith("U_")), key=lambda k: int(k[2:])):
                group = ar[m][name]
                if "last_iter" not in group:
                    continue
                last = group["last_iter"]
                g_tau = np.stack([np.asarray(g.data)[:, 0, 0].real for _, g in last["G_tau"]])
                g_l = np.stack([np.asarray(g.data)[:, 0, 0].real for _, g in last["G_l"]])
                beta = float(next(iter(last["G_tau"]))[1].mesh.beta)
                out.append((f"{m} U={float(group['params']['U']):g}", beta, g_tau, g_l))
    return out
