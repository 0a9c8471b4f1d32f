"""The lines ``triqs-mlsolver inspect`` prints for a dataset file.

Counts (done, failed, pending, per family), the ranges of the parameters over the done
samples, failures per solver with their most frequent messages, each cheap solver's distance to
the reference and the time per sample.  The distance of a solver on a sample is
``||G_l - G_l^ref|| / ||G_l^ref||`` (both spins, all stored coefficients); ``dn`` is
``|n - n_ref|`` for the total density.  Reads only the small per-sample arrays and G_l.
"""

from __future__ import annotations

import collections
import json

import h5py
import numpy as np

from .schema import DONE, FAILED, FAMILIES, PENDING, SCHEMA_VERSION

__all__ = ["summary_lines"]

_RANGE_PARAMS = ("beta", "U", "eps_d", "field", "hybridization", "Gamma", "mu")


def _text(value) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _top_messages(errors: np.ndarray, ok: np.ndarray, limit: int = 2) -> str:
    counts = collections.Counter(_text(e)[:90] for e in errors[ok == 0])
    return "; ".join(f"{n} x {msg!r}" for msg, n in counts.most_common(limit))


def _stats(x: np.ndarray) -> str:
    x = x[np.isfinite(x)]
    if not x.size:
        return "-"
    return f"{np.median(x):.2e} / {np.percentile(x, 90):.2e}"


def summary_lines(f: h5py.Group) -> list[str]:
    """Summary of the dataset in the open file ``f`` (an h5py File or its root group)."""
    attrs = f.attrs
    version = attrs.get("schema_version")
    if version != SCHEMA_VERSION:
        return [f"dataset schema version {version}: this version of triqs_mlsolver summarizes version {SCHEMA_VERSION}"]
    status = f["status"][...]
    done = status == DONE
    config = json.loads(_text(attrs["config"]))
    lines = [
        f"dataset: {status.size} samples: {int(done.sum())} done, {int((status == FAILED).sum())} failed, "
        f"{int((status == PENDING).sum())} pending",
        f"made by triqs_mlsolver {_text(attrs['package_version'])} (git {_text(attrs['git_commit'])}) on "
        f"{_text(attrs['created'])}; reference ED with Nb_ref = {config['reference']['n_bath']} bath sites",
    ]
    family = f["samples/family"][...]
    spans = json.loads(_text(attrs["families"]))
    parts = [f"{name} {int((done & (family == FAMILIES.index(name))).sum())}/{stop - start}"
             for name, (start, stop) in spans.items()]
    lines.append("families (done/total): " + ", ".join(parts))
    if not done.any():
        return lines
    columns = json.loads(_text(f["samples/params"].attrs["columns"]))
    params = f["samples/params"][...][done]
    ranges = []
    for name in _RANGE_PARAMS:
        x = params[:, columns.index(name)]
        x = x[np.isfinite(x)]
        if x.size:
            ranges.append(f"{name} [{x.min():.4g}, {x.max():.4g}]")
    ref_ok = f["reference/ok"][...] == 1
    good = done & ref_ok
    density = f["reference/density"][...].sum(axis=1)
    if good.any():
        ranges.append(f"filling [{density[good].min():.3f}, {density[good].max():.3f}]")
    lines.append("parameters (done samples): " + ", ".join(ranges))
    ref_time = f["reference/time"][...]
    lines.append(f"reference: {int(good.sum())} ok, {int((done & ~ref_ok).sum())} failed"
                 + (f" ({_top_messages(f['reference/error'][...][done], f['reference/ok'][...][done])})"
                    if (done & ~ref_ok).any() else "")
                 + f"; time per sample {np.nanmean(ref_time[done]):.3g} s mean, {np.nanmax(ref_time[done]):.3g} s max")
    if (status == FAILED).any():
        lines.append("failed samples: " + _top_messages(f["samples/error"][...][status == FAILED],
                                                         np.zeros(int((status == FAILED).sum()))))
    g_ref = f["reference/G_l"][...]
    norm = np.linalg.norm(g_ref, axis=(1, 2))
    lines.append("solver: ok/done, |G_l - G_l_ref|/|G_l_ref| median / p90, |n - n_ref| median / p90, mean time")
    for name in json.loads(_text(attrs["solvers"])):
        group = f[f"solvers/{name}"]
        ok = group["ok"][...] == 1
        both = good & ok
        dist = np.linalg.norm(group["G_l"][...] - g_ref, axis=(1, 2))[both] / norm[both]
        dn = np.abs(group["density"][...].sum(axis=1) - density)[both]
        line = (f"  {name:<12} {int((done & ok).sum())}/{int(done.sum())}  {_stats(dist)}  {_stats(dn)}  "
                f"{np.nanmean(group['time'][...][done]):.3g} s")
        if (done & ~ok).any():
            line += f"  failures: {_top_messages(group['error'][...][done], group['ok'][...][done])}"
        lines.append(line)
    return lines
