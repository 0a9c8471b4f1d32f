"""Cheap solvers recomputed on a finished dataset, references kept: ``generate --reference-from OLD.h5``.

A dataset's references (ED with the large bath) are the expensive part and do not change when a cheap
solver is fixed; its cheap-solver outputs do.  ``generate(cfg, NEW, reference_from=OLD)`` writes a new
file of the same configuration (``OLD``'s stored configuration and digest, so that a model trained on
``OLD`` names ``NEW`` too; the attribute ``references_from`` records ``OLD``) in which every sample
done in ``OLD`` keeps its problem (``samples/*``) and its reference (``reference/*``) bit for bit and
gets its cheap solvers (``solvers/*``) solved again by the current code; a sample that failed in ``OLD`` is copied as failed,
one still pending there stays pending.  ``samples/time`` becomes the stored reference time plus the
new cheap-solver times.  The new file is written by the ordinary writer, so the run is resumable and
MPI-parallel like any generation; ``OLD`` is only read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from .config import DatasetConfig
from .sampling import Sample
from .schema import DONE, FAILED, FAMILIES, Record, check_resumable, layout, open_dataset
from .solve import solver_arrays

__all__ = ["CopyTask", "Source", "copy_tasks"]


@dataclass(frozen=True)
class CopyTask:
    """Sample ``index`` of the source file, its cheap solvers to be solved again."""

    index: int


class Source:
    """The source file of a recomputation, opened (read-only) on first use in each process."""

    def __init__(self, path: str | os.PathLike, cfg: DatasetConfig) -> None:
        self.path, self.cfg = os.fspath(path), cfg
        self.kept = [f.path for f in layout(cfg) if f.path.startswith(("samples/", "reference/"))]
        self._file = None
        self._columns = None

    def open(self):
        """The open file, checked against the configuration (another digest is refused)."""
        if self._file is None:
            f = open_dataset(self.path)
            try:
                check_resumable(f, self.cfg)
                self._columns = json.loads(f["samples/params"].attrs["columns"])
            except Exception:
                f.close()
                raise
            self._file = f
        return self._file

    def identity(self) -> dict:
        """The attributes the new file takes from the source: its configuration, digest and path."""
        f = self.open()
        return {"config": f.attrs["config"], "config_digest": f.attrs["config_digest"],
                "references_from": os.path.abspath(self.path)}

    def status(self) -> np.ndarray:
        return self.open()["status"][...]

    def record(self, task: CopyTask) -> list[Record]:
        """The sample's record in the new file: problem and reference copied, cheap solvers solved now."""
        f, i = self.open(), task.index
        if f["status"][i] == FAILED:
            return [Record(i, FAILED, {"samples/error": f["samples/error"][i], "samples/time": f["samples/time"][i]})]
        arrays = {path: f[path][i] for path in self.kept}
        params = dict(zip(self._columns, arrays["samples/params"]))
        sample = Sample(i, FAMILIES[int(arrays["samples/family"])], float(params["beta"]), float(params["U"]),
                        arrays["samples/h_loc"], arrays["samples/bath_eps"], arrays["samples/bath_V"])
        solved = solver_arrays(sample, self.cfg)
        arrays.update(solved)
        arrays["samples/time"] = np.float64(arrays["reference/time"]
                                            + sum(v for k, v in solved.items() if k.endswith("/time")))
        return [Record(i, DONE, arrays)]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def copy_tasks(source_status: np.ndarray, pending: np.ndarray) -> list[CopyTask]:
    """The pending samples of the new file that are done or failed in the source, in index order."""
    return [CopyTask(int(i)) for i in pending if source_status[i] in (DONE, FAILED)]
