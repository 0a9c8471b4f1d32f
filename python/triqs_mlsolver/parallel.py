"""Optional MPI: the one module that imports mpi4py.

``world()`` returns the communicator of the run.  When the process was not started by
an MPI launcher, or mpi4py is missing, it is a serial stand-in (rank 0 of 1) and mpi4py
is never imported.  Under MPI an uncaught exception on any rank aborts every rank
instead of leaving the others waiting forever.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from typing import Any, Callable

from .errors import MLSolverWarning

__all__ = ["Comm", "world", "launched_by_mpi"]

# Environment variables set by the common MPI launchers (MPICH/Hydra, Open MPI, Slurm+PMI, Intel MPI).
_LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "HYDI_CONTROL_FD")


def launched_by_mpi() -> bool:
    """True when an MPI launcher (mpiexec, mpirun, srun with PMI) started this process."""
    return any(v in os.environ for v in _LAUNCHER_VARIABLES)


class Comm:
    """A thin communicator: mpi4py's when running under MPI, a serial stand-in otherwise."""

    def __init__(self, mpi_comm: Any = None) -> None:
        self._comm = mpi_comm

    @property
    def rank(self) -> int:
        return 0 if self._comm is None else self._comm.Get_rank()

    @property
    def size(self) -> int:
        return 1 if self._comm is None else self._comm.Get_size()

    @property
    def is_master(self) -> bool:
        return self.rank == 0

    @property
    def mpi(self) -> Any:
        """The underlying mpi4py communicator (None when serial)."""
        return self._comm

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return obj if self._comm is None else self._comm.bcast(obj, root=root)

    def barrier(self) -> None:
        if self._comm is not None:
            self._comm.Barrier()

    def gather(self, obj: Any, root: int = 0) -> list | None:
        return [obj] if self._comm is None else self._comm.gather(obj, root=root)

    def allgather(self, obj: Any) -> list:
        return [obj] if self._comm is None else self._comm.allgather(obj)

    def send(self, obj: Any, dest: int, tag: int = 0) -> None:
        self._comm.send(obj, dest=dest, tag=tag)

    def recv(self, source: int, tag: int = -1) -> tuple[Any, int, int]:
        """Receive from ``source`` (-1: any); return ``(obj, source, tag)``."""
        from mpi4py import MPI

        status = MPI.Status()
        obj = self._comm.recv(source=MPI.ANY_SOURCE if source < 0 else source, tag=MPI.ANY_TAG if tag < 0 else tag,
                              status=status)
        return obj, status.Get_source(), status.Get_tag()

    def abort(self, code: int = 1) -> None:
        if self._comm is not None:
            self._comm.Abort(code)
        raise SystemExit(code)

    def run_on_master(self, func: Callable[[], Any]) -> Any:
        """Run ``func`` on rank 0 and broadcast its result; an exception there is re-raised on every rank."""
        result, error = None, None
        if self.is_master:
            try:
                result = func()
            except Exception as exc:  # re-raised on every rank below
                error = exc
        result, error = self.bcast((result, error))
        if error is not None:
            raise error
        return result


def _abort_on_uncaught(comm: Any) -> None:
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        sys.stderr.flush()
        comm.Abort(1)

    sys.excepthook = hook


@functools.lru_cache(maxsize=None)
def world() -> Comm:
    """The world communicator (serial stand-in when not launched by MPI)."""
    if not launched_by_mpi():
        return Comm(None)
    try:
        from mpi4py import MPI
    except ImportError:
        warnings.warn(
            "This process was started by an MPI launcher but mpi4py is not installed: every rank runs serially. "
            "Install the MPI extra: pip install 'triqs_mlsolver[mpi]'.",
            MLSolverWarning,
            stacklevel=2,
        )
        return Comm(None)
    comm = MPI.COMM_WORLD.Dup()
    if comm.Get_size() > 1:
        _abort_on_uncaught(comm)
    return Comm(comm)
