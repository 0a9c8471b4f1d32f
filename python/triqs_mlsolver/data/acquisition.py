"""Acquisition files: the problems that ``method="ml"`` handed to ED, as ordinary dataset samples.

When the ml method falls back to ED it fits ``n_bath`` sites per spin to the problem's hybridization.
That fitted model becomes a sample of a dataset file (:mod:`.schema`) whose configuration repeats the
model's output grids and cheap solvers: its reference is the ED of the fitted model (the same
solver and cutoffs as the training set's reference), and its cheap-solver outputs are recomputed on
the fitted ``G0``, exactly as :mod:`.generate` makes a sample.  ``triqs-mlsolver train --continue
MODEL --add FILE`` then learns from it like from any dataset.

The file is made at a fixed capacity (:data:`CAPACITY` samples, all pending) and filled slot by slot
with the crash-safe writer, so a crash loses at most the case being written.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from ..errors import DatasetWriteError
from .config import DatasetConfig, parse_config
from .sampling import Sample
from .schema import DONE, DatasetWriter, Record, create_file
from .solve import reference_arrays, sample_arrays, solve_reference, solver_arrays

__all__ = ["CAPACITY", "acquisition_config", "record_case"]

CAPACITY = 1000
"""Samples an acquisition file holds; a full file refuses further cases (start a new file)."""


def acquisition_config(output: dict, solvers: dict, reference_ed: dict, n_bath: int,
                       capacity: int = CAPACITY) -> DatasetConfig:
    """The configuration of an acquisition file for a model with these output grids and cheap solvers."""
    return parse_config({
        "seed": 0,
        "description": "acquisition file: problems that method='ml' solved by its ED fallback",
        "output": dict(output),
        "reference": {"n_bath": int(n_bath), "ed": dict(reference_ed)},
        "solvers": {name: {"method": s["method"], "options": dict(s["options"])} for name, s in solvers.items()},
        "families": {"random": {"count": int(capacity), "mirror": "none"}},
    })


def record_case(path: str | os.PathLike, cfg: DatasetConfig, beta: float, U: float, h_loc, bath_eps, bath_V) -> int:
    """Append the model ``(beta, U, h_loc (2,), bath_eps (2, Nb), bath_V (2, Nb))`` with its reference ED and
    cheap-solver outputs to the acquisition file ``path`` (created when missing); returns its index."""
    path = os.fspath(path)
    if not os.path.exists(path):
        create_file(path, cfg)
    writer = DatasetWriter(path, cfg)
    try:
        pending = writer.pending()
        if pending.size == 0:
            raise DatasetWriteError(f"acquisition file {path!r} is full ({cfg.n_samples} samples): retrain with "
                                    "`triqs-mlsolver train --continue MODEL --add FILE` and record into a new file.")
        index = int(pending[0])
        h_loc = np.asarray(h_loc, dtype=float)
        bath_eps, bath_V = np.asarray(bath_eps, dtype=float), np.abs(np.asarray(bath_V, dtype=float))
        eps_d, field = 0.5 * (h_loc[0] + h_loc[1]), h_loc[1] - h_loc[0]
        params = {"beta": beta, "U": U, "eps_d": eps_d, "field": field, "level": eps_d, "mirrored": 0.0,
                  "symmetric_bath": 0.0, "hybridization": float(np.mean(np.sum(bath_V ** 2, axis=1)))}
        sample = Sample(index, "random", float(beta), float(U), h_loc, bath_eps, bath_V,
                        {k: v for k, v in params.items() if not (isinstance(v, float) and math.isnan(v))})
        start = time.perf_counter()
        ed = solve_reference(sample, cfg)
        arrays = {**sample_arrays(sample, cfg), **reference_arrays(sample, cfg, ed, time.perf_counter() - start),
                  **solver_arrays(sample, cfg), "samples/time": np.float64(time.perf_counter() - start)}
        writer.write([Record(index, DONE, arrays)])
        return index
    finally:
        writer.close()
