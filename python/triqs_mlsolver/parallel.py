"""Optional MPI: the one module that imports mpi4py.

``world()`` returns the communicator of the run.  When the process was not started by
an MPI launcher, or mpi4py is missing, it is a serial stand-in (rank 0 of 1) and mpi4py
is never imported.  Under MPI an uncaught exception on any rank aborts every rank
instead of leaving the others waiting forever.

:class:`Dispatcher` hands out task numbers to every rank on demand (dynamic load balancing)
and handles every result on rank 0, with a service thread on rank 0 so that a rank 0 busy with
its own task still answers at once.
"""

from __future__ import annotations

import functools
import os
import queue
import sys
import threading
import time
import warnings
from typing import Any, Callable

from .errors import MLSolverWarning

__all__ = ["Comm", "Dispatcher", "world", "launched_by_mpi"]

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


class Dispatcher:
    """Dynamic distribution of tasks ``0 .. n_tasks-1`` over the ranks; every result is handled on rank 0.

    Every rank, rank 0 included, calls :meth:`next_task` until it returns None, hands each result
    to :meth:`post`, and ends with :meth:`finish`.  Tasks are given out in order, one per request,
    so a rank that finishes early takes more.  ``handle(result)`` runs on rank 0 for every result
    (its own and the other ranks'), one at a time.

    Under MPI, rank 0 runs a service thread that answers task requests (a few bytes each way),
    receives the results posted by the other ranks (non-blocking sends) as they arrive, and calls
    ``handle`` on them and on rank 0's own results, polling every :data:`POLL_INTERVAL` seconds
    (about 1 % of a core).  So no rank waits while rank 0 computes, no message stays unreceived,
    and results are handled while rank 0 computes (its main thread releases the GIL in compiled
    code).  An exception in ``handle`` is raised again in rank 0's main thread at its next call.
    The thread needs ``MPI_THREAD_MULTIPLE`` (mpi4py's default); with less, rank 0 serves and
    handles between its own tasks.  Serially, ``post`` calls ``handle`` directly.  Creating the
    dispatcher and :meth:`finish` are collective.
    """

    POLL_INTERVAL = 0.001
    _REQUEST, _REPLY, _RESULT, _DONE = 101, 102, 103, 104

    def __init__(self, comm: Comm, n_tasks: int, handle: Callable[[Any], None]) -> None:
        self._comm, self._n, self._handle = comm, int(n_tasks), handle
        self._next = 0
        self._lock = threading.Lock()
        self._own: queue.Queue = queue.Queue()
        self._outbox: list = []
        self._done = 0
        self._info: dict = {}
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = None
        self._mpi = comm.mpi if comm.size > 1 else None
        if self._mpi is not None and comm.rank == 0:
            from mpi4py import MPI

            if MPI.Query_thread() == MPI.THREAD_MULTIPLE:
                self._thread = threading.Thread(target=self._serve_forever, name="dispatcher", daemon=True)
                self._thread.start()
        comm.barrier()

    def _take(self) -> int | None:
        with self._lock:
            k, self._next = self._next, self._next + 1
        return k if k < self._n else None

    def _serve(self) -> bool:
        """Rank 0: handle one of its own results or one pending message; False if there was none."""
        try:
            self._handle(self._own.get_nowait())
            return True
        except queue.Empty:
            pass
        if self._mpi is None:
            return False
        from mpi4py import MPI

        status = MPI.Status()
        if not self._mpi.iprobe(source=MPI.ANY_SOURCE, tag=MPI.ANY_TAG, status=status):
            return False
        source, tag = status.Get_source(), status.Get_tag()
        payload = self._mpi.recv(source=source, tag=tag)
        if tag == self._REQUEST:
            self._mpi.send(self._take(), dest=source, tag=self._REPLY)
        elif tag == self._RESULT:
            self._handle(payload)
        else:
            self._info[source] = payload
            self._done += 1
        return True

    def _serve_forever(self) -> None:
        try:
            while not self._stop.is_set():
                if not self._serve():
                    time.sleep(self.POLL_INTERVAL)
        except BaseException as exc:  # re-raised in the main thread
            self._error = exc

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def next_task(self) -> int | None:
        """The next task number, or None when every task has been given out."""
        if self._comm.rank != 0:
            self._mpi.send(None, dest=0, tag=self._REQUEST)
            return self._mpi.recv(source=0, tag=self._REPLY)
        self._check()
        if self._thread is None:
            while self._serve():
                pass
        return self._take()

    def post(self, result: Any) -> None:
        """Hand a result over: to ``handle`` on rank 0, with a non-blocking send elsewhere."""
        if self._comm.rank != 0:
            self._outbox = [req for req in self._outbox if not req.test()[0]]
            self._outbox.append(self._mpi.isend(result, dest=0, tag=self._RESULT))
        elif self._thread is None:
            self._handle(result)
        else:
            self._check()
            self._own.put(result)

    def finish(self, info: Any) -> dict | None:
        """Collective end, after :meth:`next_task` returned None: the other ranks wait until their
        results are delivered and send ``info``; rank 0 handles every remaining result, stops its
        thread and returns ``{rank: info}`` (None elsewhere)."""
        if self._comm.rank != 0:
            for req in self._outbox:
                req.wait()
            self._mpi.send(info, dest=0, tag=self._DONE)
            return None
        self._info[0] = info
        while self._done < self._comm.size - 1 or not self._own.empty():
            self._check()
            if self._thread is None:
                if not self._serve():
                    time.sleep(self.POLL_INTERVAL)
            else:
                time.sleep(self.POLL_INTERVAL)
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self._check()
        return dict(self._info)


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
