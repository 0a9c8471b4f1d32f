"""The torch view of a dataset file: selection, item contents, block-wise reading, sampler order."""

from __future__ import annotations

import pickle

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from data_helpers import small_dataset  # noqa: E402
from triqs_mlsolver.errors import DatasetSchemaError  # noqa: E402
from triqs_mlsolver.ml.dataset import ChunkSampler, H5Dataset  # noqa: E402


def test_items_are_the_stored_rows():
    _, path = small_dataset()
    ds = H5Dataset(path, fields=["samples/params", "samples/delta_iw", "reference/G_l", "solvers/ipt/G_l"])
    assert len(ds) == 10
    with h5py.File(path, "r") as f:
        for i in (0, 5, 9):
            item = ds[i]
            row = ds.file_row(i)
            np.testing.assert_array_equal(item["reference/G_l"].numpy(), f["reference/G_l"][row])
            np.testing.assert_array_equal(item["solvers/ipt/G_l"].numpy(), f["solvers/ipt/G_l"][row])
            delta = f["samples/delta_iw"][row]
            np.testing.assert_array_equal(item["samples/delta_iw"].numpy(), np.stack([delta.real, delta.imag], -1))
            assert item["samples/params"].dtype == torch.float64
    assert ds.columns[:2] == ["beta", "U"]


def test_selection_follows_status_and_required_solvers(tmp_path):
    _, path = small_dataset()
    copy = tmp_path / "copy.h5"
    copy.write_bytes(path.read_bytes())
    with h5py.File(copy, "r+") as f:
        f["status"][3] = 0
        f["solvers/ipt/ok"][5] = 0
    assert H5Dataset(copy).rows.tolist() == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    assert H5Dataset(copy, require=("reference", "solvers/ipt")).rows.tolist() == [0, 1, 2, 4, 6, 7, 8, 9]
    with pytest.raises(DatasetSchemaError, match="has no dataset 'solvers/dmft/G_l'"):
        H5Dataset(copy, fields=["solvers/dmft/G_l"])


def test_reads_whole_blocks_once_and_survives_pickling():
    _, path = small_dataset()
    ds = H5Dataset(path)
    ds[0]
    first = {name: id(cached[2]) for name, cached in ds._cache.items()}
    for i in range(1, len(ds)):
        ds[i]
    assert {name: id(cached[2]) for name, cached in ds._cache.items()} == first  # one block: read once
    clone = pickle.loads(pickle.dumps(ds))
    assert clone._file is None
    np.testing.assert_array_equal(clone[4]["reference/G_l"].numpy(), ds[4]["reference/G_l"].numpy())


def test_chunk_sampler_visits_every_item_once_block_by_block():
    _, path = small_dataset()
    ds = H5Dataset(path)
    ds.block = 4  # several blocks in this small file
    sampler = ChunkSampler(ds, seed=3)
    order = list(sampler)
    assert sorted(order) == list(range(len(ds)))
    blocks = [ds.file_row(i) // 4 for i in order]
    assert all(blocks[k] == blocks[k + 1] or blocks[k + 1] not in blocks[: k + 1] for k in range(len(blocks) - 1))
    sampler.set_epoch(1)
    assert sorted(list(sampler)) == list(range(len(ds)))
    assert list(ChunkSampler(ds, shuffle=False)) == list(range(len(ds)))
    loader = torch.utils.data.DataLoader(ds, batch_size=4, sampler=ChunkSampler(ds, seed=0))
    batch = next(iter(loader))
    assert batch["reference/G_l"].shape == (4, 2, 20)
