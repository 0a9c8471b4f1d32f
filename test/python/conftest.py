"""Shared fixtures and skip markers of the test suite."""

from __future__ import annotations

import importlib.util
import pathlib
import shutil

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
TRIQS_REF = REPO.parent / "shared" / "triqs-ref"

requires_triqs_ref = pytest.mark.skipif(
    not TRIQS_REF.is_dir(), reason=f"TRIQS reference files not found at {TRIQS_REF}"
)
requires_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or shutil.which("mpiexec") is None,
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
