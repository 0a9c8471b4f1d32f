"""Dataset generation: ``triqs-mlsolver generate CONFIG --out FILE.h5``, serial or under MPI, resumable.

Work units ("tasks") are single samples of the random and Kondo families, mirror pairs of those
families (``mirror = "pairs"``: the odd sample's reference is the particle-hole image of the even
one's ED, :func:`.solve.mirror_reference`, which halves the reference cost) and whole DMFT loops of
the Bethe family (a loop's iterations depend on each other).  Every rank, rank 0 included,
asks a :class:`~triqs_mlsolver.parallel.Dispatcher` for the next task (answered at once by a
service thread on rank 0, even while rank 0 computes), computes it, and posts the finished
samples to rank 0 with a non-blocking send.  Rank 0 is the only writer: its service thread writes
every result as it arrives (crash-safe order, see :mod:`.schema`; about 1 ms per sample), its
own ones included, and updates the progress bar, while its main thread computes.  Tasks are handed out
in one of three orders (``order``): ``"cost"``, longest first (DMFT loops, then single samples from hot
to cold), so that the ranks finish together; ``"index"``; or ``"random"``, a permutation seeded by the
configuration's seed, so that a partial file is an unbiased subset of the finished one (the recipes
of ``datasets/`` use it).  Without MPI the same loop runs on one process.

Resuming: the file's status marks which samples are done; only the pending ones are
computed, and since sample ``i`` depends only on the configuration and ``i`` the result is the
same as an uninterrupted run, with any number of ranks.

Recomputing: with ``reference_from=OLD`` the samples keep the problems and references of the file
``OLD`` and only their cheap solvers are solved (:mod:`.recompute`), one task per sample.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._progress import Progress
from ..errors import InvalidParameterError
from ..parallel import Comm, Dispatcher, world
from .bethe import bethe_loop, loop_parameters
from .config import DatasetConfig, load_config
from .recompute import Source, copy_tasks
from .sampling import kondo_sample, mirror_partner, random_sample, sample_beta
from .schema import DONE, FAILED, DatasetWriter, Record, create_file
from .solve import mirror_reference, reference_arrays, sample_arrays, solve_reference, solver_arrays, text

__all__ = ["ORDERS", "Task", "make_tasks", "run_task", "GenerateReport", "generate"]


ORDERS = ("cost", "index", "random")


@dataclass(frozen=True)
class Task:
    """A unit of work: the samples ``indices`` of ``family``; ``number`` is the position of the first
    one in its family (random, kondo: one sample, or a mirror pair) or the loop number (bethe)."""

    family: str
    indices: range
    number: int


def _check_order(order: str) -> None:
    if order not in ORDERS:
        raise InvalidParameterError(f"order must be one of {ORDERS}, got {order!r}")


def make_tasks(cfg: DatasetConfig, pending: np.ndarray, order: str = "cost") -> list[Task]:
    """The tasks that produce the ``pending`` samples.  ``order="cost"``: most expensive first (DMFT
    loops, then single samples and mirror pairs by increasing beta: the reference ED keeps more states
    at higher temperature), so that the last tasks handed out are short and the ranks finish together;
    ``"index"``: by first sample index; ``"random"``: a permutation of the index order seeded by
    ``cfg.seed`` (the same on every rank and at every resume), so any prefix is an unbiased subset.

    A pending odd member of a mirror pair is always made with its partner (whose reference it
    needs; the partner is written only if pending too), so the file does not depend on where an
    interrupted run stopped."""
    todo = np.zeros(cfg.n_samples, dtype=bool)
    todo[np.asarray(pending, dtype=int)] = True
    loops, singles = [], []
    for (name, fam), span in zip(cfg.families, cfg.family_ranges().values()):
        if name == "bethe":
            for loop in range(fam.n_loops):
                indices = range(span.start + loop * fam.n_iterations, span.start + (loop + 1) * fam.n_iterations)
                if todo[indices.start:indices.stop].any():
                    loops.append((loop_parameters(fam, loop)[1], loop, Task(name, indices, loop)))
        else:
            paired = fam.mirror == "pairs"
            for i in np.flatnonzero(todo[span.start:span.stop]) + span.start:
                i, local = int(i), int(i) - span.start
                if paired and local % 2 == 1:
                    task = Task(name, range(i - 1, i + 1), local - 1)
                elif paired and i + 1 < span.stop and todo[i + 1]:
                    continue  # made by the pair task of its odd partner
                else:
                    task = Task(name, range(i, i + 1), local)
                singles.append((sample_beta(fam, cfg.seed, task.indices.start, task.number), task.indices.start, task))
    _check_order(order)
    if order != "cost":
        tasks = sorted([item[2] for item in loops] + [item[2] for item in singles], key=lambda t: t.indices.start)
        if order == "random":
            rng = np.random.default_rng([cfg.seed, 0x6F72646572])  # an own stream, apart from the samples'
            tasks = [tasks[k] for k in rng.permutation(len(tasks))]
        return tasks
    return [task for _, _, task in sorted(loops, key=lambda item: item[:2])] + [
        task for _, _, task in sorted(singles, key=lambda item: item[:2])]


def _solve_sample(sample, cfg: DatasetConfig, ref, ref_time: float, caught, start: float) -> Record:
    arrays = sample_arrays(sample, cfg)
    arrays.update(reference_arrays(sample, cfg, ref, ref_time, caught))
    arrays.update(solver_arrays(sample, cfg))
    arrays["samples/time"] = np.float64(time.perf_counter() - start)
    return Record(sample.index, DONE, arrays)


def _failed(index: int, message: str, start: float) -> Record:
    return Record(index, FAILED, {"samples/error": text(message), "samples/time": np.float64(time.perf_counter() - start)})


def _bethe_task(task: Task, fam, cfg: DatasetConfig, pending: set) -> list[Record]:
    """The pending iterations of one DMFT loop; if the loop breaks, the iterations after it are FAILED."""
    wanted = [i for i in task.indices if i in pending]
    records, reached, reason = [], task.indices.start - 1, ""
    loop = bethe_loop(fam, cfg, task.number, task.indices.start)
    start = time.perf_counter()
    while reached < wanted[-1]:
        try:
            sample, ref, ref_time, caught = next(loop)
        except StopIteration:
            break
        except Exception as exc:  # the bath fit of the next iteration failed
            reason = f"the DMFT loop stopped here: {type(exc).__name__}: {exc}"
            break
        reached = sample.index
        if sample.index in pending:
            records.append(_solve_sample(sample, cfg, ref, ref_time, caught, start))
        if isinstance(ref, BaseException):
            reason = f"the DMFT loop stopped at sample {sample.index}: its reference failed ({type(ref).__name__}: {ref})"
            break
        start = time.perf_counter()
    return records + [_failed(i, reason, start) for i in wanted if i > reached]


def run_task(task: Task, cfg: DatasetConfig, pending: set) -> list[Record]:
    """Compute the pending samples of ``task``; a sample that cannot be built is a FAILED record.

    In a mirror pair the reference ED runs on the even sample only; the odd sample's reference is
    its particle-hole image (or the same failure)."""
    fam = dict(cfg.families)[task.family]
    if task.family == "bethe":
        return _bethe_task(task, fam, cfg, pending)
    start = time.perf_counter()
    make = random_sample if task.family == "random" else kondo_sample
    try:
        samples = [make(fam, cfg.reference.n_bath, cfg.output.n_iw_solve, cfg.seed, task.indices.start, task.number)]
        if len(task.indices) == 2:
            samples.append(mirror_partner(samples[0]))
    except Exception as exc:  # an unbuildable sample is recorded, the run goes on
        return [_failed(i, f"{type(exc).__name__}: {exc}", start) for i in task.indices if i in pending]
    ref_start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ref = solve_reference(samples[0], cfg)
        except Exception as exc:  # recorded as reference/ok = 0
            ref = exc
    records = []
    if samples[0].index in pending:
        records.append(_solve_sample(samples[0], cfg, ref, time.perf_counter() - ref_start, caught, start))
    if len(samples) == 2:  # the odd member of a mirror pair (always pending)
        start = time.perf_counter()
        image = ref if isinstance(ref, BaseException) else mirror_reference(ref, samples[0])
        records.append(_solve_sample(samples[1], cfg, image, time.perf_counter() - start, caught, start))
    return records


@dataclass
class GenerateReport:
    """What a run did: samples in the file, pending at the start, written now; per rank the samples
    computed, the wall time spent computing them (busy) and the CPU time of the process (all its
    threads; below the elapsed time when the rank shared its core with other processes)."""

    n_samples: int
    n_pending: int
    n_written: int = 0
    elapsed: float = 0.0
    samples_per_rank: list = field(default_factory=list)
    busy_per_rank: list = field(default_factory=list)
    cpu_per_rank: list = field(default_factory=list)


class _Worker:
    """The task loop of one rank; rank 0 also writes every result (its own and the others')."""

    def __init__(self, comm: Comm, tasks: list, run, writer, bar: Progress):
        self.comm, self.tasks, self.run_one = comm, tasks, run
        self.writer, self.bar = writer, bar
        self.samples = 0
        self.busy = 0.0
        self.written = 0
        self.info: dict = {}

    def _write(self, records: list[Record]) -> None:
        self.written += self.writer.write(records)
        self.bar.update(len(records))

    def run(self) -> None:
        cpu = time.process_time()
        dispatcher = Dispatcher(self.comm, len(self.tasks), self._write)
        while (k := dispatcher.next_task()) is not None:
            begin = time.perf_counter()
            records = self.run_one(self.tasks[k])
            self.busy += time.perf_counter() - begin
            self.samples += len(records)
            dispatcher.post(records)
        self.info = dispatcher.finish((self.samples, self.busy, time.process_time() - cpu))


def generate(config: str | os.PathLike | DatasetConfig, out: str | os.PathLike, *, comm: Comm | None = None,
             progress: bool = True, fsync: bool = True, order: str = "cost",
             reference_from: str | os.PathLike | None = None) -> GenerateReport:
    """Generate (or complete) the dataset of ``config`` in the file ``out``; collective under MPI.

    The file is created at full size when it does not exist; otherwise it must have been made from
    the same configuration, and only its pending samples are computed.  Returns the report on
    every rank (the per-rank lists are filled on rank 0).  ``order`` is the order in which tasks are
    handed out (:data:`ORDERS`, see :func:`make_tasks`); the finished file does not depend on it.
    ``reference_from``: a finished file of the same configuration whose problems and references are
    copied, the cheap solvers solved again (:mod:`.recompute`; ``order`` is then the index order).
    """
    _check_order(order)
    comm = comm or world()
    out = os.fspath(out)
    cfg = comm.run_on_master(lambda: config if isinstance(config, DatasetConfig) else load_config(config))
    holder = {}

    source = None
    if reference_from is not None:
        if os.path.abspath(os.fspath(reference_from)) == os.path.abspath(out):
            raise InvalidParameterError(f"reference_from = {os.fspath(reference_from)!r} is the output file itself: "
                                        "allowed is another file (the new one is written beside it).")
        source = Source(reference_from, cfg)
        comm.run_on_master(lambda: source.open() and None)  # checked before the new file is made

    def prepare() -> np.ndarray:
        if not os.path.exists(out):
            create_file(out, cfg, None if source is None else source.identity())
        holder["writer"] = DatasetWriter(out, cfg, fsync=fsync)
        return holder["writer"].pending()

    pending = comm.run_on_master(prepare)
    start = time.perf_counter()
    if source is None:
        tasks = make_tasks(cfg, pending, order)
        pending_set = set(pending.tolist())
        run = lambda task: run_task(task, cfg, pending_set)  # noqa: E731
    else:
        tasks = copy_tasks(comm.run_on_master(source.status), pending)
        pending = np.array([t.index for t in tasks], dtype=np.int64)
        run = source.record
    report = GenerateReport(cfg.n_samples, int(pending.size))
    writer = holder.get("writer")
    try:
        bar = Progress(int(pending.size), "generate", enabled=progress and comm.is_master, unit="samples")
        worker = _Worker(comm, tasks, run, writer, bar)
        try:
            worker.run()
        except BaseException as exc:
            if comm.size > 1:  # the other ranks would wait forever for this one: stop them all
                print(f"triqs-mlsolver generate: rank {comm.rank}: {type(exc).__name__}: {exc}", file=sys.stderr,
                      flush=True)
                comm.abort(1)
            raise
        bar.close()
    finally:
        if writer is not None:
            writer.close()
        if source is not None:
            source.close()
    if comm.is_master:
        report.n_written = worker.written
        report.samples_per_rank = [worker.info[r][0] for r in range(comm.size)]
        report.busy_per_rank = [worker.info[r][1] for r in range(comm.size)]
        report.cpu_per_rank = [worker.info[r][2] for r in range(comm.size)]
    report.elapsed = time.perf_counter() - start
    return report
