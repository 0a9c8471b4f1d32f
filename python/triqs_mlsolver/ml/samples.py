"""Training samples read from dataset files, and their split by sample group.

:func:`load_samples` reads, from one or more dataset files, every sample that is done, whose
reference succeeded and whose cheap solvers of the layout all succeeded (a failed solver, e.g.
IPT without an auxiliary level, is masked out, not imputed).  :func:`split_groups` splits by group:
a particle-hole mirror pair (``mirror = "pairs"``) or a whole DMFT loop of the Bethe family is one
group, so that no pair or loop straddles the training and test splits.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from ..data.schema import DONE, open_dataset
from ..errors import DatasetSchemaError
from ..features import FeatureLayout, build_features

__all__ = ["SampleSet", "load_samples", "sample_groups", "split_groups"]


@dataclass
class SampleSet:
    """Arrays of ``N`` samples (first axis); ``g_l``/``g_tau``/``z``/``density`` per solver name.

    ``g_ref_l`` ``(N, 2, n_l)``, ``g_ref_tau`` ``(N, 2, n_tau)``, ``z_ref``/``n_ref`` ``(N, 2)``;
    ``g0_inv_iw0`` ``(N, 2)``: ``G0_s(i w_0)^-1`` (for Z of a prediction); ``groups``: group ids
    (unique across files); ``family``: family names; ``rows``: the row of each sample in its file;
    ``digests``: config digests of the files.
    """

    features: np.ndarray
    beta: np.ndarray
    params: dict
    g_l: dict
    g_tau: dict
    z: dict
    density: dict
    g_ref_l: np.ndarray
    g_ref_tau: np.ndarray
    z_ref: np.ndarray
    n_ref: np.ndarray
    g0_inv_iw0: np.ndarray
    groups: np.ndarray
    family: np.ndarray
    rows: np.ndarray
    digests: list
    n_l_out: int

    def __len__(self) -> int:
        return int(self.beta.size)

    def subset(self, index: np.ndarray) -> "SampleSet":
        pick = lambda v: {k: a[index] for k, a in v.items()} if isinstance(v, dict) else v[index]  # noqa: E731
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return SampleSet(**{name: (value if name in ("digests", "n_l_out") else pick(value))
                            for name, value in fields.items()})


def _z(sigma_iw0: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``Z = 1/(1 - Im Sigma(i w_0)/w_0)`` (``w_0 = pi/beta``), the estimate stored for the reference."""
    return 1.0 / (1.0 - sigma_iw0.imag / (np.pi / beta[:, None]))


def _read_file(path: str, layout: FeatureLayout, require: tuple) -> dict:
    with open_dataset(path) as f:
        solvers = json.loads(f.attrs["solvers"])
        columns = json.loads(f["samples/params"].attrs["columns"])
        families = json.loads(f.attrs["families"])
        config = json.loads(f.attrs["config"])
        mask = (f["status"][...] == DONE) & (f["reference/ok"][...] == 1)
        for s in dict.fromkeys(layout.solvers + tuple(require)):
            if f"solvers/{s}/ok" not in f:
                raise DatasetSchemaError(f"{path!r} has no cheap solver {s!r}; its solvers are {solvers}.")
            mask &= f[f"solvers/{s}/ok"][...] == 1
        rows = np.flatnonzero(mask)
        read = lambda name: f[name][...][rows]  # noqa: E731
        params = read("samples/params")
        out = {
            "params": {c: params[:, k] for k, c in enumerate(columns)},
            "h_loc": read("samples/h_loc"), "bath_V": read("samples/bath_V"), "delta_iw": read("samples/delta_iw"),
            "g_ref_l": read("reference/G_l"), "g_ref_tau": read("reference/G_tau"), "z_ref": read("reference/Z"),
            "n_ref": read("reference/density"), "g_l": {}, "g_tau": {}, "sigma_iw0": {}, "density": {},
            "digest": str(f.attrs["config_digest"]), "rows": rows,
        }
        for s in layout.solvers:
            out["g_l"][s] = read(f"solvers/{s}/G_l")
            out["g_tau"][s] = read(f"solvers/{s}/G_tau")
            out["sigma_iw0"][s] = f[f"solvers/{s}/Sigma_iw"][:, :, 0][rows]
            out["density"][s] = read(f"solvers/{s}/density")
    groups, family = sample_groups(rows, families, config)
    out["groups"], out["family"] = groups, family
    return out


def sample_groups(rows: np.ndarray, families: dict, config: dict) -> tuple:
    """``(groups, family)`` of the file rows ``rows``: a mirror pair or a whole Bethe loop is one group
    (the group id is its first row); ``families`` is the file's ``families`` attribute, ``config`` its
    configuration (both parsed from JSON)."""
    groups = np.empty(rows.size, dtype=np.int64)
    family = np.empty(rows.size, dtype=object)
    for name, (start, stop) in families.items():
        inside = (rows >= start) & (rows < stop)
        fam = config["families"][name]
        if name == "bethe":
            size = int(fam["n_iterations"])
        else:
            size = 2 if fam.get("mirror") == "pairs" else 1
        groups[inside] = start + (rows[inside] - start) // size
        family[inside] = name
    return groups, family


def load_samples(paths, layout: FeatureLayout, require: tuple = ()) -> SampleSet:
    """The usable samples of the dataset files ``paths`` with their features for ``layout``; the cheap solvers
    in ``require`` must have succeeded too (to compare feature sets on the same samples)."""
    files = [paths] if isinstance(paths, (str, os.PathLike)) else paths
    parts = [_read_file(os.fspath(p), layout, tuple(require)) for p in files]
    n_l = {p["g_ref_l"].shape[-1] for p in parts}
    if len(n_l) != 1:
        raise DatasetSchemaError(f"the dataset files store different numbers of Legendre coefficients {sorted(n_l)}.")
    if layout.n_l > min(n_l):
        raise DatasetSchemaError(f"the feature layout takes n_l = {layout.n_l} Legendre coefficients per solver, but "
                                 f"the dataset stores {min(n_l)}: allowed is n_l <= {min(n_l)} (train --n-l-input).")
    cat = lambda key: np.concatenate([p[key] for p in parts])  # noqa: E731
    per_solver = lambda key: {s: np.concatenate([p[key][s] for p in parts]) for s in layout.solvers}  # noqa: E731
    params = {c: np.concatenate([p["params"][c] for p in parts]) for c in parts[0]["params"]}
    offsets = np.cumsum([0] + [int(p["rows"].max(initial=-1)) + 1 for p in parts])
    groups = np.concatenate([p["groups"] + off for p, off in zip(parts, offsets)])
    beta, h_loc, delta = params["beta"], cat("h_loc"), cat("delta_iw")
    eps_d, field = 0.5 * (h_loc[:, 0] + h_loc[:, 1]), h_loc[:, 1] - h_loc[:, 0]
    delta_1 = np.mean(np.sum(cat("bath_V") ** 2, axis=-1), axis=1)
    g_l = per_solver("g_l")
    features = build_features(layout, beta, params["U"], eps_d, field, delta, delta_1, g_l)
    iw0 = 1j * np.pi / beta
    g0_inv = iw0[:, None] - h_loc - delta[:, :, 0]
    return SampleSet(
        features=features, beta=beta, params={**params, "eps_d": eps_d, "field": field, "Delta_1": delta_1},
        g_l=g_l, g_tau=per_solver("g_tau"), z={s: _z(v, beta) for s, v in per_solver("sigma_iw0").items()},
        density=per_solver("density"), g_ref_l=cat("g_ref_l"), g_ref_tau=cat("g_ref_tau"), z_ref=cat("z_ref"),
        n_ref=cat("n_ref"), g0_inv_iw0=g0_inv, groups=groups, family=cat("family"), rows=cat("rows"),
        digests=[p["digest"] for p in parts], n_l_out=n_l.pop())


def split_groups(groups: np.ndarray, seed: int, fractions=(0.8, 0.1, 0.1)) -> tuple:
    """Indices ``(train, validation, test)``: whole groups assigned by a seeded permutation."""
    unique = np.unique(groups)
    order = np.random.default_rng([seed, 0x73706C6974]).permutation(unique.size)
    cuts = np.cumsum(np.asarray(fractions[:-1]) / np.sum(fractions) * unique.size).round().astype(int)
    chosen = np.split(unique[order], cuts)
    return tuple(np.flatnonzero(np.isin(groups, c)) for c in chosen)
