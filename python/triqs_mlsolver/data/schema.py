"""The HDF5 layout of a dataset file, its creation, the crash-safe writer and the checks on open.

One file holds ``N`` samples.  Every dataset has the sample index as its first axis and is
created once, at full size, when the file is made (see doc/datasets.md for the whole schema)::

    status                  (N,)            int8     0 pending, 1 done, 2 failed (samples/error says why)
    samples/...             parameters, AIM arrays, Delta(iw_n)
    reference/...           reference ED outputs (G_iw, Sigma_iw, G_tau, G_l, density, A_w, Z, ...)
    solvers/NAME/...        each cheap solver's outputs (G_iw, Sigma_iw, G_tau, G_l, density)
    meshes/w                (n_w,)          the real frequencies of A_w

Crash consistency (HDF5 has no journal, so a kill during a metadata change could corrupt the
file): all metadata is written before the file exists under its name (made as a temporary file,
closed, fsync'ed, renamed); datasets are chunked (resizable along the sample axis for later
merges) with early allocation and fill values written at creation, so that no later write
allocates space or touches the chunk index; the writer opens the file with no chunk cache, so a
row write goes straight to its bytes in the file; a sample's rows are written, flushed (and
fsync'ed), and only then its status byte.  A kill at any instant leaves every sample either
done with all its data on disk or not done (then recomputed by the next run).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Iterable, NamedTuple

import h5py
import numpy as np

from .._version import __version__
from ..errors import DatasetConfigError, DatasetSchemaError, DatasetWriteError

__all__ = [
    "SCHEMA_ATTRIBUTE",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "FAMILIES",
    "PARAMS",
    "PENDING",
    "DONE",
    "FAILED",
    "TEXT_BYTES",
    "Field",
    "Record",
    "layout",
    "chunk_rows",
    "file_size",
    "create_file",
    "open_dataset",
    "check_resumable",
    "DatasetWriter",
    "git_commit",
]

SCHEMA_ATTRIBUTE = "triqs_mlsolver_schema"
SCHEMA_NAME = "triqs_mlsolver.dataset"
SCHEMA_VERSION = 1
PENDING, DONE, FAILED = 0, 1, 2
TEXT_BYTES = 256
"""Length of the stored error and warning texts (UTF-8, truncated)."""
TARGET_CHUNK_BYTES = 1 << 16
BLOCKS = ("up", "down")

#: The families, in the order of their sample indices and of their codes in samples/family.
FAMILIES = ("random", "bethe", "kondo")

#: The scalar parameters stored per sample (columns of samples/params; NaN where not applicable).
PARAMS = {
    "beta": "inverse temperature",
    "U": "Hubbard interaction",
    "eps_d": "impurity level (mean of the two spins)",
    "field": "magnetic field B (e_up = eps_d - B/2, e_dn = eps_d + B/2)",
    "hybridization": "sum_k V_k^2",
    "level": "the drawn level value (eps_d, shift or target filling, see level_mode)",
    "mirrored": "1 if the particle-hole mirror was applied",
    "symmetric_bath": "1 if the bath is particle-hole symmetric by construction",
    "D": "half bandwidth (kondo, bethe)",
    "Gamma": "pi rho V^2 (kondo)",
    "Lambda": "logarithmic discretization parameter (kondo)",
    "T_K": "Haldane's Kondo temperature sqrt(U Gamma/2) exp(pi eps_d (eps_d + U)/(2 U Gamma)) (kondo)",
    "mu": "chemical potential of the DMFT loop (bethe)",
    "iteration": "DMFT iteration of the loop (bethe)",
    "start": "0: metallic start, 1: insulating start (bethe)",
    "fit_distance": "distance of the Nb_ref-site bath fit to the loop's Delta (bethe)",
}


@dataclass(frozen=True)
class Field:
    """One dataset: ``path``, per-sample shape ``tail``, numpy ``dtype`` and its documentation."""

    path: str
    tail: tuple
    dtype: str
    doc: str

    @property
    def fill(self):
        """Value of a row never written: NaN for numbers, 0 for flags and codes, empty text."""
        kind = np.dtype(self.dtype).kind
        if kind == "f":
            return np.nan
        if kind == "c":
            return complex(np.nan, np.nan)
        if kind == "S":
            return b""
        return 0

    def fill_row(self) -> np.ndarray:
        return np.full(self.tail, self.fill, dtype=self.dtype)

    @property
    def is_timing(self) -> bool:
        """Wall times differ between runs: left out of content comparisons."""
        return self.path.endswith("/time")


class Record(NamedTuple):
    """A finished sample: its index, its status (DONE or FAILED) and its rows (path -> value)."""

    index: int
    status: int
    arrays: dict


def _gf_fields(prefix: str, out) -> list[Field]:
    n_iw, n_tau, n_l = out.n_iw, out.n_tau, out.n_l
    return [
        Field(prefix + "ok", (), "i1", "1 if the solver succeeded, 0 if it failed"),
        Field(prefix + "error", (), f"S{TEXT_BYTES}", "the exception of a failed solve (UTF-8)"),
        Field(prefix + "warning", (), f"S{TEXT_BYTES}", "warnings issued during the solve (UTF-8)"),
        Field(prefix + "time", (), "f8", "wall time of the solve in seconds"),
        Field(prefix + "G_iw", (2, n_iw), "c16", "G(iw_n), n = 0 .. n_iw-1, per spin (up, down)"),
        Field(prefix + "Sigma_iw", (2, n_iw), "c16", "Sigma(iw_n), n = 0 .. n_iw-1"),
        Field(prefix + "G_tau", (2, n_tau), "f8", "G(tau_k), tau_k = k beta/(n_tau-1)"),
        Field(prefix + "G_l", (2, n_l), "f8", "Legendre coefficients G_l"),
        Field(prefix + "density", (2,), "f8", "<n_s> per spin"),
    ]


def layout(cfg) -> tuple[Field, ...]:
    """Every dataset of a file made from the configuration ``cfg`` (a DatasetConfig)."""
    out, nb = cfg.output, cfg.reference.n_bath
    fields = [
        Field("status", (), "i1", "0 pending, 1 done, 2 failed (the sample could not be built)"),
        Field("samples/family", (), "i1", f"family code: {dict(enumerate(FAMILIES))}"),
        Field("samples/params", (len(PARAMS),), "f8", "scalar parameters, columns in the attribute 'columns'"),
        Field("samples/h_loc", (2,), "f8", "impurity levels e_up, e_dn"),
        Field("samples/bath_eps", (2, nb), "f8", "bath levels eps_k per spin"),
        Field("samples/bath_V", (2, nb), "f8", "hybridizations V_k per spin (real)"),
        Field("samples/delta_iw", (2, out.n_iw), "c16", "Delta(iw_n) = sum_k V_k^2/(iw_n - eps_k)"),
        Field("samples/error", (), f"S{TEXT_BYTES}", "why a failed sample could not be built"),
        Field("samples/time", (), "f8", "wall time of the whole sample (all solvers)"),
    ]
    fields += _gf_fields("reference/", out)
    fields += [
        Field("reference/A_w", (2, out.n_w), "f8", "spectral function -Im G(w + i eta)/pi on meshes/w"),
        Field("reference/Z", (2,), "f8", "1/(1 - Im Sigma(iw_0)/w_0)"),
        Field("reference/double_occupancy", (), "f8", "<n_up n_dn>"),
        Field("reference/energy", (), "f8", "thermal <H> of the whole AIM (impurity + bath)"),
        Field("reference/free_energy", (), "f8", "F = E0 - T ln Z of the whole AIM"),
    ]
    for spec in cfg.solvers:
        fields += _gf_fields(f"solvers/{spec.name}/", out)
    return tuple(fields)


def chunk_rows(field: Field, n: int) -> int:
    """Samples per chunk: a power of two with chunks near TARGET_CHUNK_BYTES (at most ``n``)."""
    row = max(1, np.dtype(field.dtype).itemsize * int(np.prod(field.tail, dtype=int)))
    rows = 1 << max(0, int(math.floor(math.log2(max(1, TARGET_CHUNK_BYTES // row)))))
    return max(1, min(rows, n))


def file_size(cfg) -> int:
    """Bytes of the datasets of a file for ``cfg`` (the file is slightly larger)."""
    return sum(cfg.n_samples * np.dtype(f.dtype).itemsize * int(np.prod(f.tail, dtype=int)) for f in layout(cfg))


def git_commit() -> str:
    """Commit of the package's git checkout (``+dirty`` with uncommitted changes), or ``unknown``."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(["git", "-C", here, "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def _write_error(path: str, what: str, err: BaseException) -> DatasetWriteError:
    return DatasetWriteError(
        f"cannot {what} the dataset file {path!r}: {err}. Check that the folder exists and is writable, that the "
        "disk has room, and that no other run has the file open."
    )


def _fill(f: h5py.File, cfg, identity: dict | None = None) -> None:
    """Every dataset at full size (early allocation, fill values written) and every attribute; ``identity``
    (attribute -> value) replaces the configuration's own attributes (see :func:`create_file`)."""
    n = cfg.n_samples
    for field in layout(cfg):
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        ds = f.create_dataset(field.path, shape=(n,) + field.tail, dtype=field.dtype,
                              chunks=(chunk_rows(field, n),) + field.tail, maxshape=(None,) + field.tail,
                              fillvalue=field.fill, fill_time="alloc", dcpl=dcpl, track_times=False)
        ds.attrs["doc"] = field.doc
    f["samples/params"].attrs["columns"] = json.dumps(list(PARAMS))
    f["samples/params"].attrs["column_docs"] = json.dumps(PARAMS)
    f.create_dataset("meshes/w", data=np.linspace(cfg.output.w_min, cfg.output.w_max, cfg.output.n_w),
                     track_times=False)
    for spec in cfg.solvers:
        f[f"solvers/{spec.name}"].attrs["method"] = spec.method
    attrs = f.attrs
    attrs[SCHEMA_ATTRIBUTE] = SCHEMA_NAME
    attrs["schema_version"] = SCHEMA_VERSION
    attrs["config"] = cfg.to_json()
    attrs["config_digest"] = cfg.digest()
    attrs["package_version"] = __version__
    attrs["git_commit"] = git_commit()
    attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    attrs["n_samples"] = n
    attrs["families"] = json.dumps({name: [r.start, r.stop] for name, r in cfg.family_ranges().items()})
    attrs["solvers"] = json.dumps([spec.name for spec in cfg.solvers])
    attrs["blocks"] = json.dumps(BLOCKS)
    for name, value in (identity or {}).items():
        attrs[name] = value


def create_file(path: str, cfg, identity: dict | None = None) -> None:
    """Make the full-size file for ``cfg`` at ``path`` (built under a temporary name, then renamed).

    ``identity``: attributes that replace the configuration's own, e.g. the stored ``config`` and
    ``config_digest`` of the file whose references a recomputation copies (so that models naming that
    file's digest name this one too).

    The temporary file is opened first (a missing or read-only folder fails there), then the free
    space is checked against the known size, then everything is written and made durable."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.creating")
    need = file_size(cfg)
    try:
        with h5py.File(tmp, "w", libver="earliest") as f:
            free = shutil.disk_usage(folder).free
            if free < 1.05 * need + (1 << 20):
                raise DatasetWriteError(
                    f"cannot create the dataset file {path!r}: it needs {need / 1e6:.1f} MB and {folder!r} has "
                    f"{free / 1e6:.1f} MB free. Free some space or choose another --out."
                )
            _fill(f, cfg, identity)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except (OSError, DatasetWriteError) as err:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(err, DatasetWriteError):
            raise
        raise _write_error(path, "create", err) from None


def _attr(f: h5py.File, name: str):
    value = f.attrs.get(name)
    return value.decode() if isinstance(value, bytes) else value


def _open_for_reading(path: str) -> h5py.File:
    """Read-only; a file locked by a running generation (or opened without locking in this process) is
    read without locking: only samples whose status is set are complete, and those never change."""
    try:
        return h5py.File(path, "r")
    except OSError as err:
        if "lock" not in str(err):
            raise
        return h5py.File(path, "r", locking=False)


def open_dataset(path: str, mode: str = "r") -> h5py.File:
    """Open a dataset file (``"r"``, or ``"r+"`` for the writer) and check its schema.

    Raises :class:`DatasetSchemaError` for a missing or non-HDF5 file, a file of another kind, or
    another schema version; :class:`DatasetWriteError` when it cannot be opened for writing.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DatasetSchemaError(f"dataset file {path!r} does not exist.")
    try:
        if not h5py.is_hdf5(path):
            raise DatasetSchemaError(f"{path!r} is not an HDF5 file. Choose another --out, or delete it to start anew.")
        f = h5py.File(path, mode, rdcc_nbytes=0) if mode == "r+" else _open_for_reading(path)
    except OSError as err:
        raise _write_error(path, "open" if mode == "r" else "open for writing", err) from None
    name, version, writer = _attr(f, SCHEMA_ATTRIBUTE), _attr(f, "schema_version"), _attr(f, "package_version")
    if name != SCHEMA_NAME:
        f.close()
        raise DatasetSchemaError(
            f"{path!r} is not a triqs_mlsolver dataset (root attribute {SCHEMA_ATTRIBUTE} = {name!r}, expected "
            f"{SCHEMA_NAME!r}). Choose another --out, or delete the file to start anew."
        )
    if version != SCHEMA_VERSION:
        f.close()
        raise DatasetSchemaError(
            f"{path!r} has dataset schema version {version}; this version of triqs_mlsolver ({__version__}) reads "
            f"and writes version {SCHEMA_VERSION}. Read it with the version that wrote it "
            f"(package_version = {writer!r}) or regenerate it."
        )
    return f


def _flatten(obj, prefix: str = "") -> dict:
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    return {prefix: obj}


def _resolved_digest(stored: str) -> str | None:
    """Digest of a stored configuration as the current code resolves it (None if it no longer parses)."""
    from .config import parse_config

    try:
        return parse_config(json.loads(stored)).digest()
    except (ValueError, TypeError, KeyError):
        return None


def check_resumable(f: h5py.File, cfg) -> None:
    """Raise unless ``f`` was made from the same configuration and by the same package version.

    The stored configuration is read again by the current code before it is compared, so options
    added since the file was started (with defaults that keep the old behaviour) do not block a resume.
    """
    stored = _attr(f, "config")
    if _attr(f, "config_digest") != cfg.digest() and _resolved_digest(stored) != cfg.digest():
        old, new = _flatten(json.loads(stored)), _flatten(json.loads(cfg.to_json()))
        diff = sorted(k for k in set(old) | set(new) if old.get(k, "<absent>") != new.get(k, "<absent>"))
        shown = ", ".join(f"{k}: {old.get(k, '<absent>')!r} -> {new.get(k, '<absent>')!r}" for k in diff[:8])
        raise DatasetConfigError(
            f"{f.filename!r} was generated from another configuration ({len(diff)} difference(s): {shown}"
            f"{', ...' if len(diff) > 8 else ''}). Resume with the configuration that made it, or choose another --out."
        )
    version = _attr(f, "package_version")
    if version != __version__:
        raise DatasetConfigError(
            f"{f.filename!r} was started by triqs_mlsolver {version}; this is {__version__}, whose samples may differ. "
            "Finish it with the version that started it, or choose another --out."
        )
    for field in layout(cfg):
        ds = f.get(field.path)
        if not isinstance(ds, h5py.Dataset) or ds.shape != (cfg.n_samples,) + field.tail or ds.dtype != np.dtype(field.dtype):
            raise DatasetSchemaError(
                f"{f.filename!r} has no dataset {field.path} of shape {(cfg.n_samples,) + field.tail} and dtype "
                f"{field.dtype}: the file is damaged or was not made by 'triqs-mlsolver generate'. Choose another --out."
            )


class _Rows:
    """Writes one row (one sample) of a dataset through HDF5's low-level interface (10x less overhead
    than ``dataset[i] = value``); the file dataspace is reused, only its selection moves."""

    def __init__(self, dataset: h5py.Dataset, field: Field) -> None:
        self.field = field
        self.id = dataset.id
        self.shape = (1,) + tuple(field.tail)
        self.file_space = dataset.id.get_space()
        self.memory_space = h5py.h5s.create_simple(self.shape)
        self.memory_type = h5py.h5t.py_create(np.dtype(field.dtype))

    def write(self, index: int, value) -> None:
        data = self.field.fill_row() if value is None else np.asarray(value, dtype=self.field.dtype)
        self.file_space.select_hyperslab((index,) + (0,) * len(self.field.tail), self.shape)
        self.id.write(self.memory_space, self.file_space, np.ascontiguousarray(data.reshape(self.shape)),
                      mtype=self.memory_type)


class DatasetWriter:
    """Writes finished samples into an existing file, in the crash-safe order of the module docstring."""

    def __init__(self, path: str, cfg, *, fsync: bool = True) -> None:
        self.path = os.fspath(path)
        self.fields = [field for field in layout(cfg) if field.path != "status"]
        self.fsync = fsync
        self.file = open_dataset(self.path, "r+")
        try:
            check_resumable(self.file, cfg)
        except Exception:
            self.file.close()
            raise
        self._rows = [_Rows(self.file[field.path], field) for field in self.fields]
        self._status = self.file["status"]
        self._status_rows = _Rows(self._status, Field("status", (), "i1", ""))

    def pending(self) -> np.ndarray:
        """Indices of the samples not yet done or failed."""
        return np.flatnonzero(self._status[...] == PENDING)

    def _sync(self) -> None:
        self.file.flush()
        if self.fsync:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def write(self, records: Iterable[Record]) -> int:
        """Write the rows of every record, make them durable, then set their status; returns the count."""
        records = list(records)
        if not records:
            return 0
        try:
            for rec in records:
                for rows in self._rows:
                    rows.write(rec.index, rec.arrays.get(rows.field.path))
            self._sync()
            for rec in records:
                self._status_rows.write(rec.index, rec.status)
            self._sync()
        except OSError as err:
            raise _write_error(self.path, "write", err) from None
        return len(records)

    def close(self) -> None:
        if self.file.id.valid:
            self.file.close()
