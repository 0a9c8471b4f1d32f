"""A torch ``Dataset`` view of a dataset file: lazy, chunk-aware, never loaded whole.

    from triqs_mlsolver.ml.dataset import H5Dataset, ChunkSampler
    ds = H5Dataset("train.h5", fields=["samples/params", "solvers/ipt/G_l", "reference/G_l"])
    loader = torch.utils.data.DataLoader(ds, batch_size=256, sampler=ChunkSampler(ds, seed=0), num_workers=4)

An item is a dict ``path -> tensor`` for one sample (complex arrays as real tensors with a
trailing (re, im) axis).  Only samples that are done and whose solvers in ``require`` succeeded
are visible, in file order.  The file is opened lazily in each process (DataLoader workers
included) and read in blocks of ``block`` consecutive samples, whole HDF5 chunks of every
field; each field keeps its last block, so visiting the samples block by block
(:class:`ChunkSampler`) reads each chunk once per epoch.
"""

from __future__ import annotations

import json
import os

import h5py
import numpy as np
import torch

from ..data.schema import DONE, open_dataset
from ..errors import DatasetSchemaError

__all__ = ["H5Dataset", "ChunkSampler"]


class H5Dataset(torch.utils.data.Dataset):
    """Samples of a dataset file as dicts of tensors.

    Parameters
    ----------
    path : the dataset file (made by ``triqs-mlsolver generate``).
    fields : dataset paths to return (default: samples/params, every solver's G_l, reference/G_l).
    require : groups that must have ``ok = 1`` for a sample to be visible ("reference", "solvers/NAME");
        default: the reference only.
    dtype : floating dtype of the tensors.
    """

    def __init__(self, path: str | os.PathLike, fields=None, *, require=("reference",), dtype=torch.float64):
        self.path = os.fspath(path)
        self.dtype = dtype
        with open_dataset(self.path) as f:
            solvers = json.loads(f.attrs["solvers"])
            self.fields = list(fields) if fields is not None else (
                ["samples/params"] + [f"solvers/{name}/G_l" for name in solvers] + ["reference/G_l"])
            for name in self.fields:
                if not isinstance(f.get(name), h5py.Dataset):
                    raise DatasetSchemaError(f"{self.path!r} has no dataset {name!r}; its solvers are {solvers}.")
            mask = f["status"][...] == DONE
            for group in require:
                if not isinstance(f.get(f"{group}/ok"), h5py.Dataset):
                    raise DatasetSchemaError(f"{self.path!r} has no group {group!r} with an 'ok' flag.")
                mask &= f[f"{group}/ok"][...] == 1
            self.rows = np.flatnonzero(mask)
            self.n_file = int(mask.size)
            self.block = max(f[name].chunks[0] for name in self.fields)
            self.columns = json.loads(f["samples/params"].attrs["columns"])
        self._file = None
        self._pid = None
        self._cache: dict = {}

    def __len__(self) -> int:
        return int(self.rows.size)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.update(_file=None, _pid=None, _cache={})
        return state

    def _open(self) -> h5py.File:
        if self._file is None or self._pid != os.getpid():
            self._file = open_dataset(self.path)
            self._pid = os.getpid()
            self._cache = {}
        return self._file

    def _row(self, name: str, row: int) -> np.ndarray:
        block = row // self.block
        cached = self._cache.get(name)
        if cached is None or cached[0] != block:
            start = block * self.block
            cached = (block, start, self._open()[name][start : min(start + self.block, self.n_file)])
            self._cache[name] = cached
        return cached[2][row - cached[1]]

    def _tensor(self, value: np.ndarray) -> torch.Tensor:
        value = np.asarray(value)
        if value.dtype.kind == "c":
            value = np.stack([value.real, value.imag], axis=-1)
        return torch.as_tensor(np.array(value, dtype=float)).to(self.dtype)

    def __getitem__(self, i: int) -> dict:
        row = int(self.rows[i])
        return {name: self._tensor(self._row(name, row)) for name in self.fields}

    def file_row(self, i: int) -> int:
        """The sample index in the file of item ``i``."""
        return int(self.rows[i])


class ChunkSampler(torch.utils.data.Sampler):
    """Every item once per epoch, blocks of the file in random order and items shuffled within each block.

    With ``shuffle=False`` the items come in file order.  Call :meth:`set_epoch` for a new order
    each epoch (the order depends only on ``seed`` and the epoch).
    """

    def __init__(self, dataset: H5Dataset, *, shuffle: bool = True, seed: int = 0) -> None:
        self.dataset, self.shuffle, self.seed, self.epoch = dataset, shuffle, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.dataset)

    def __iter__(self):
        positions = np.arange(len(self.dataset))
        if not self.shuffle:
            return iter(positions.tolist())
        rng = np.random.default_rng([self.seed, self.epoch])
        blocks = self.dataset.rows // self.dataset.block  # ascending, as the rows are
        _, starts = np.unique(blocks, return_index=True)
        groups = np.split(positions, starts[1:])
        return iter(np.concatenate([rng.permutation(groups[k]) for k in rng.permutation(len(groups))]).tolist())
