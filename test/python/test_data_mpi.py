"""MPI generation: the same file with 1 and 2 ranks; the dispatcher hands out every task once."""

from __future__ import annotations

import sys

import pytest
from conftest import requires_mpi

from data_helpers import CHEAP_TOML, SMALL_TOML, cli_command, differences, mpiexec, run, small_dataset, write_config

pytestmark = [pytest.mark.mpi, requires_mpi]

DISPATCHER_SCRIPT = """
import time
from triqs_mlsolver.parallel import Dispatcher, world
comm = world()
received = []
d = Dispatcher(comm, 200, received.append)
mine = 0
while (k := d.next_task()) is not None:
    mine += 1
    if comm.rank == 0:
        time.sleep(0.02)  # a slow rank 0 must not hold the others up
    d.post((comm.rank, k))
info = d.finish(mine)
if comm.is_master:
    tasks = sorted(k for _, k in received)
    counts = [info[r] for r in range(comm.size)]
    from mpi4py import MPI
    balanced = counts[1] > 3 * counts[0] or MPI.Query_thread() != MPI.THREAD_MULTIPLE
    ok = tasks == list(range(200)) and sum(counts) == 200 and balanced
    print("OK" if ok else f"BAD {counts} {tasks}")
"""


@pytest.mark.parametrize("thread_level", ["multiple", "single"])
def test_dispatcher_hands_out_every_task_once_and_collects_every_result(thread_level):
    """With MPI_THREAD_MULTIPLE a slow rank 0 does not hold rank 1 up; without it, rank 0 serves between tasks."""
    done = run([mpiexec(), "-n", "2", sys.executable, "-c", DISPATCHER_SCRIPT], timeout=120,
               extra_env={"MPI4PY_RC_THREAD_LEVEL": thread_level})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "OK"


@pytest.mark.parametrize("text", [CHEAP_TOML.replace("COUNT", "12"), SMALL_TOML], ids=["cheap", "all-families"])
def test_one_and_two_ranks_give_identical_files(tmp_path, text):
    config = write_config(tmp_path, text)
    files = {}
    for n in (1, 2):
        files[n] = tmp_path / f"n{n}.h5"
        done = run([mpiexec(), "-n", str(n), *cli_command("generate", str(config), "--out", str(files[n]), "--quiet")],
                   timeout=300)
        assert done.returncode == 0, done.stderr
        assert f"on {n} rank(s)" in done.stdout
    assert differences(files[1], files[2]) == []


def test_reference_from_under_two_ranks_gives_the_serial_file(tmp_path):
    """Recomputing the cheap solvers of a finished file on two ranks gives the serial recomputation."""
    config, path = small_dataset()
    files = {}
    for n in (1, 2):
        files[n] = tmp_path / f"n{n}.h5"
        done = run([mpiexec(), "-n", str(n), *cli_command("generate", str(config), "--out", str(files[n]), "--quiet",
                                                          "--reference-from", str(path))], timeout=300)
        assert done.returncode == 0, done.stderr
    assert differences(files[1], files[2]) == []
    assert differences(path, files[1]) == []  # the same code solved the cheap solvers of the original file
