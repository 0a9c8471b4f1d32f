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
_LOCAL_MPIEXEC = pathlib.Path(sys.executable).parent / "mpiexec"
MPIEXEC = str(_LOCAL_MPIEXEC) if _LOCAL_MPIEXEC.exists() else shutil.which("mpiexec")
"""The mpiexec of this interpreter's environment (the one `pip install mpich` puts there), else the one on PATH."""

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
