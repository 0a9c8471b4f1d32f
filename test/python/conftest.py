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
the environment variable TRIQS_MLSOLVER_TRIQS_REF.  Tests that need them are skipped (with that reason) without."""

requires_triqs_ref = pytest.mark.skipif(
    not TRIQS_REF.is_dir(), reason=f"TRIQS reference files not found at {TRIQS_REF}"
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
        pytest.skip(f"TRIQS reference files not found at {TRIQS_REF}")
    return TRIQS_REF
