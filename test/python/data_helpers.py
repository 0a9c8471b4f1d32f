"""Shared helpers of the dataset tests: small configurations, running the CLI, comparing files."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile

import h5py
import numpy as np

from conftest import MPIEXEC, TRIQS_INSTALLED

#: All three families, Nb_ref = 3, the default cheap solvers: a few seconds.
SMALL_TOML = """
seed = 7
description = "test set"
[output]
n_iw = 16
n_iw_solve = 256
n_tau = 21
n_tau_solve = 2001
n_l = 20
n_w = 41
[reference]
n_bath = 3
[families.random]
count = 6
[families.bethe]
U = [2.0]
beta = [20.0]
starts = ["metal"]
n_iterations = 2
[families.kondo]
count = 2
mirror = "pairs"
"""

#: Many very cheap samples (Nb_ref = 2, two cheap solvers): for kill and MPI tests.
CHEAP_TOML = """
seed = 11
[output]
n_iw = 8
n_iw_solve = 128
n_tau = 11
n_tau_solve = 1001
n_l = 10
n_w = 21
[reference]
n_bath = 2
[solvers.hubbard_i]
method = "hubbard_i"
[solvers.ed1]
method = "ed"
options = { n_bath = 1 }
[families.random]
count = COUNT
level_mode = "shift"
level = { dist = "uniform", low = -1.0, high = 1.0 }
"""

_CACHE: dict = {}


def write_config(folder: pathlib.Path, text: str, name: str = "config.toml") -> pathlib.Path:
    path = pathlib.Path(folder) / name
    path.write_text(text)
    return path


def small_dataset() -> pathlib.Path:
    """The dataset of SMALL_TOML, generated once per test session (serially, in this process)."""
    if "small" not in _CACHE:
        from triqs_mlsolver.data.generate import generate

        folder = pathlib.Path(tempfile.mkdtemp(prefix="mlsolver-data-"))
        config = write_config(folder, SMALL_TOML)
        generate(config, folder / "small.h5", progress=False)
        _CACHE["small"] = (config, folder / "small.h5")
    return _CACHE["small"]


def cli_command(*args: str) -> list[str]:
    """The ``triqs-mlsolver`` command line run by this interpreter."""
    return [sys.executable, "-c", "import sys; from triqs_mlsolver.cli import main; sys.exit(main())", *args]


def mpiexec() -> str | None:
    """The mpiexec of this interpreter's environment (see conftest.MPIEXEC)."""
    return MPIEXEC


def run(command: list[str], extra_env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", **(extra_env or {}))
    return subprocess.run(command, capture_output=True, text=True, env=env, **kwargs)


ROUND_OFF = 1e-12 if TRIQS_INSTALLED else 0.0
"""Relative tolerance of :func:`differences`: files of the same computation are bit for bit equal in the
package's own environment; in the TRIQS environment (numpy 1.26 and its OpenBLAS) two runs of the same
computation differ in the last bits now and then (about 1e-16, depending on memory layout; see
test_dmft_example), so there they are compared to round-off."""


def differences(a: str | os.PathLike, b: str | os.PathLike, rtol: float = ROUND_OFF) -> list[str]:
    """Datasets whose content differs between two dataset files (wall times excluded); floating-point data
    are compared exactly, or to ``rtol`` relative to the dataset's largest magnitude."""
    out = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names = []
        fa.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        other = []
        fb.visititems(lambda name, obj: other.append(name) if isinstance(obj, h5py.Dataset) else None)
        if sorted(names) != sorted(other):
            return [f"dataset lists differ: {sorted(set(names) ^ set(other))}"]
        for name in names:
            if name.endswith("/time"):
                continue
            x, y = fa[name][...], fb[name][...]
            if x.dtype.kind in "fc" and rtol > 0 and x.shape == y.shape:
                scale = max(1.0, float(np.nanmax(np.abs(x), initial=0.0)))
                same = np.allclose(x, y, rtol=0.0, atol=rtol * scale, equal_nan=True)
            else:
                same = np.array_equal(x, y, equal_nan=True) if x.dtype.kind in "fc" else np.array_equal(x, y)
            if not same:
                out.append(name)
    return out
