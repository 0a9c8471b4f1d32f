"""Shared fixtures and skip markers of the test suite."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import sys

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
TRIQS_REF = pathlib.Path(os.environ.get("TRIQS_MLSOLVER_TRIQS_REF", REPO.parent / "shared" / "triqs-ref"))
"""The TRIQS-written reference HDF5 files: ``../shared/triqs-ref`` beside the checkout, or the folder named by
the environment variable TRIQS_MLSOLVER_TRIQS_REF.  Tests that need them take the fixture ``triqs_ref``, so that
without the files they are skipped from one place: the summary shows one line, with the count and the fix."""

MISSING_TRIQS_REF = (
    f"TRIQS reference files not found at {TRIQS_REF}; point the suite at them with "
    "TRIQS_MLSOLVER_TRIQS_REF=/path/to/triqs-ref (the folder of the *.ref.h5 files)"
)


def _mpiexec() -> str | None:
    """The mpiexec of the MPI that mpi4py uses: beside the mpicc mpi4py was built with (Open MPI or MPICH of
    the system, as in a TRIQS environment), else beside this interpreter (`pip install mpich`), else on PATH."""
    candidates = []
    try:
        import mpi4py  # the package only: MPI is not initialised here

        mpicc = mpi4py.get_config().get("mpicc")
        if mpicc:
            candidates.append(pathlib.Path(shutil.which(mpicc) or mpicc).parent / "mpiexec")
    except ImportError:
        pass
    candidates.append(pathlib.Path(sys.executable).parent / "mpiexec")
    return next((str(c) for c in candidates if c.exists()), shutil.which("mpiexec"))


MPIEXEC = _mpiexec()
"""The mpiexec matching mpi4py's MPI library (see :func:`_mpiexec`)."""

# Open MPI refuses to start as root, and to place more ranks than cores, unless told; MPICH ignores these.
for _name, _value in (("OMPI_ALLOW_RUN_AS_ROOT", "1"), ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
                      ("OMPI_MCA_rmaps_base_oversubscribe", "1"), ("PRTE_MCA_rmaps_default_mapping_policy",
                                                                    ":oversubscribe")):
    os.environ.setdefault(_name, _value)

requires_matplotlib = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None,
    reason="matplotlib is not installed (an optional dependency of the plots: pip install matplotlib)",
)

TRIQS_INSTALLED = importlib.util.find_spec("triqs") is not None and importlib.util.find_spec("triqs.gf") is not None
"""Whether real TRIQS is importable (found without importing it)."""

requires_triqs = pytest.mark.skipif(not TRIQS_INSTALLED, reason="TRIQS is not installed (tests of the TRIQS path)")

HIDE_TRIQS = "import sys; sys.modules.update(dict.fromkeys(('triqs', 'h5', 'triqs_hubbardI'), None))"
"""Python code that makes ``import triqs`` (and ``h5``, ``triqs_hubbardI``) fail in the interpreter that runs it: put
first in a subprocess, it shows what a user without TRIQS gets, in an environment that has TRIQS."""

requires_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or MPIEXEC is None,
    reason="mpi4py or mpiexec not available",
)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator (a fresh one per test)."""
    return np.random.default_rng(20261121)


@pytest.fixture(scope="session")
def triqs_ref() -> pathlib.Path:
    """Folder of the TRIQS-written reference HDF5 files."""
    if not TRIQS_REF.is_dir():
        pytest.skip(MISSING_TRIQS_REF)
    return TRIQS_REF


_SKIP_LINE = next(i for i, line in enumerate(pathlib.Path(__file__).read_text().splitlines())
                  if "pytest.skip(MISSING_TRIQS_REF)" in line)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Report every skip for missing TRIQS reference files at the fixture, so that the summary folds them into
    one line (with the count and the fix) instead of one line per test."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and isinstance(report.longrepr, tuple) and MISSING_TRIQS_REF in str(report.longrepr[2]):
        where = os.path.relpath(__file__, item.config.rootpath)
        report.longrepr = (where, _SKIP_LINE, report.longrepr[2])
