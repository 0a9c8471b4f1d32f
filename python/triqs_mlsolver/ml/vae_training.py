"""Training of the VAE: the same split, seeds and model files as the correction network.

The objective is the negative evidence lower bound, a variational free energy,

    F = E_q[-log p(x|z)] + kl * KL(q(z|x) || N(0, 1)),

the reconstruction energy (a Gaussian likelihood of width ``sigma = RECON_SIGMA`` times the data's
standard deviation: ``sum (x_rec - x)^2 / (2 sigma^2)``) balanced against the entropy-like KL term
that keeps the latent code close to the prior; ``kl = 1`` is the ELBO, ``kl != 1`` a beta-VAE.  The
KL weight is ramped from 0 over the first ``warmup`` epochs; early stopping on the validation
free energy after the warm-up keeps a copy of the best weights, which the model file stores.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass

import numpy as np
import torch

from .._progress import Progress
from .._options import Options, choice, integer, nonnegative, option, positive
from ..data.schema import DONE, open_dataset
from ..errors import DatasetSchemaError, InvalidParameterError, ModelFileError
from .model_file import read_model_file, save_model_file
from .ood import ood_statistics
from .samples import sample_groups, split_groups
from .vae import REPRESENTATIONS, VAE_ARCHITECTURES, GreenVAE

__all__ = ["RECON_SIGMA", "VAEOptions", "VAEData", "load_vae_data", "train_vae", "load_vae", "save_vae"]

RECON_SIGMA = 0.01
"""Width of the reconstruction likelihood relative to the data's standard deviation."""
KIND = "vae"


@dataclass(frozen=True)
class VAEOptions(Options):
    """Settings of ``triqs-mlsolver train-vae``."""

    representation: str = option("the input: G_tau, G_l or A_w", "G_tau", check=choice(REPRESENTATIONS))
    architecture: str = option("vae_mlp/1, or vae_sym/1 (exactly equivariant under the particle-hole mirror and the "
                               "spin flip, see ml/vae.py)", "vae_mlp/1", check=choice(tuple(VAE_ARCHITECTURES)))
    latent: int = option("latent dimensions", 10, check=integer(1, 1024))
    kl: float = option("weight of the KL term (1: the ELBO)", 1.0, check=nonnegative())
    hidden: int = option("width of the hidden layers", 256, check=integer(1, 65536))
    depth: int = option("hidden layers of encoder and decoder", 2, check=integer(1, 64))
    epochs: int = option("most epochs", 300, check=integer(1))
    warmup: int = option("epochs of the linear KL warm-up", 50, check=integer(0))
    batch_size: int = option("samples per optimizer step", 128, check=integer(1))
    learning_rate: float = option("Adam learning rate", 1e-3, check=positive())
    patience: int = option("early stopping after the warm-up: epochs without a better validation F", 40,
                           check=integer(1))
    seed: int = option("seed of the split, the initialization and the batches", 0, check=integer(0, 2**63 - 1))


@dataclass
class VAEData:
    """``x`` ``(N, 2, n)`` of one representation, ``norm`` ``(N, 2)`` (weight per spin), the sample parameters
    (columns of samples/params), the group ids and families, the grid step ``dw`` (A_w), the digests, the file
    rows, and whether the real-frequency grid is symmetric about ``w = 0``."""

    x: np.ndarray
    norm: np.ndarray
    params: dict
    groups: np.ndarray
    family: np.ndarray
    dw: float
    digests: list
    rows: np.ndarray
    grid_symmetric: bool = True

    def subset(self, index: np.ndarray) -> "VAEData":
        return VAEData(self.x[index], self.norm[index], {k: v[index] for k, v in self.params.items()},
                       self.groups[index], self.family[index], self.dw, self.digests, self.rows[index],
                       self.grid_symmetric)


def load_vae_data(path, representation: str) -> VAEData:
    """The reference ``representation`` of every done sample of the dataset file ``path``."""
    representation = choice(REPRESENTATIONS)("representation", representation, InvalidParameterError)
    path = os.fspath(path)
    with open_dataset(path) as f:
        name = f"reference/{representation}"
        if name not in f:
            raise DatasetSchemaError(f"{path!r} has no dataset {name!r}: it cannot train a VAE on {representation}.")
        mask = (f["status"][...] == DONE) & (f["reference/ok"][...] == 1)
        rows = np.flatnonzero(mask)
        x = f[name][...][rows].astype(float)
        columns = json.loads(f["samples/params"].attrs["columns"])
        params = f["samples/params"][...][rows]
        w = f["meshes/w"][...] if "meshes/w" in f else np.array([0.0, 1.0])
        groups, family = sample_groups(rows, json.loads(f.attrs["families"]), json.loads(f.attrs["config"]))
        digest = str(f.attrs["config_digest"])
    params = {c: params[:, k] for k, c in enumerate(columns)}
    dw = float(w[1] - w[0])
    if representation == "G_l":
        x = x / params["beta"][:, None, None]
    norm = x.sum(-1) * dw if representation == "A_w" else np.ones(x.shape[:2])
    return VAEData(x, norm, params, groups, family, dw, [digest], rows, bool(np.allclose(w, -w[::-1], atol=1e-9 * dw)))


def _free_energy(model: GreenVAE, x, norm, kl_weight: float, scale: float):
    rec, mu, logvar = model(x, norm)
    recon = torch.sum((rec - x) ** 2, dim=(1, 2)) / (2.0 * scale**2)
    kl = 0.5 * torch.sum(mu**2 + torch.exp(logvar) - 1.0 - logvar, dim=1)
    return torch.mean(recon + kl_weight * kl), rec


def train_vae(path, options: VAEOptions = VAEOptions(), *, progress: bool = True) -> tuple:
    """Train a VAE on the dataset file ``path``; returns ``(model, metadata)`` (metrics on the test split)."""
    start = time.perf_counter()
    torch.manual_seed(options.seed)
    data = load_vae_data(path, options.representation)
    train_idx, val_idx, test_idx = split_groups(data.groups, options.seed)
    if min(train_idx.size, val_idx.size, test_idx.size) == 0:
        raise InvalidParameterError(f"{data.x.shape[0]} samples are too few to split into training, validation and "
                                    "test sets: allowed is at least 3 groups (hundreds for a meaningful VAE).")
    train, val, test = (data.subset(i) for i in (train_idx, val_idx, test_idx))
    if options.architecture == "vae_sym/1" and options.representation == "A_w" and not data.grid_symmetric:
        raise InvalidParameterError(f"architecture vae_sym/1 on A_w needs a real-frequency grid symmetric about w = 0 "
                                    f"(the particle-hole mirror maps w to -w); {os.fspath(path)!r} has another.")
    n = data.x.shape[-1]
    model = VAE_ARCHITECTURES[options.architecture](options.representation, n, options.latent, options.hidden,
                                                    options.depth, data.dw)
    flat = train.x.reshape(train.x.shape[0], -1)
    model.set_normalization(flat.mean(0), flat.std(0))
    scale = RECON_SIGMA * float(np.sqrt(np.mean(flat.var(0))))
    t = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    xt, nt, xv, nv = t(train.x), t(train.norm), t(val.x), t(val.norm)
    adam = torch.optim.Adam(model.parameters(), lr=options.learning_rate)
    gen = torch.Generator().manual_seed(options.seed)
    bar = Progress(options.epochs, "train-vae", enabled=progress, unit="epochs")
    best, best_epoch, best_state = math.inf, -1, None
    for epoch in range(options.epochs):
        kl_weight = options.kl * min(1.0, (epoch + 1) / options.warmup) if options.warmup else options.kl
        model.train()
        order = torch.randperm(xt.shape[0], generator=gen)
        for s in range(0, xt.shape[0], options.batch_size):
            b = order[s:s + options.batch_size]
            loss, _ = _free_energy(model, xt[b], nt[b], kl_weight, scale)
            adam.zero_grad()
            loss.backward()
            adam.step()
        model.eval()
        with torch.no_grad():
            val_loss = float(_free_energy(model, xv, nv, options.kl, scale)[0])
        bar.update(1, postfix=f"val F {val_loss:.4g} (kl weight {kl_weight:.2g})")
        if epoch + 1 >= options.warmup and val_loss < best:
            best, best_epoch = val_loss, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if best_state is not None and epoch - best_epoch >= options.patience:
            bar.update(options.epochs - epoch - 1)
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    metrics = vae_metrics(model, test, train)
    ood = ood_statistics(model, train.x, train.norm, val.x, val.norm)
    metadata = {
        "representation": options.representation,
        "architecture": {"name": options.architecture, "n": n, "latent": options.latent, "hidden": options.hidden,
                         "depth": options.depth, "dw": data.dw},
        "training": {**dataclasses.asdict(options), "best_epoch": best_epoch, "seconds": time.perf_counter() - start,
                     "sizes": {"train": len(train_idx), "validation": len(val_idx), "test": len(test_idx)}},
        "metrics": metrics,
        "ood": ood,
        "datasets": data.digests,
        "dataset_files": [os.path.abspath(os.fspath(path))],
        "test_rows": [int(r) for r in data.rows[test_idx]],
    }
    return model, metadata


def vae_metrics(model: GreenVAE, test: VAEData, train: VAEData) -> dict:
    """Mean relative L2 reconstruction error on ``test`` (from the latent means), that of the training mean
    (the baseline), and the KL of every latent dimension averaged over the test samples (nats)."""
    with torch.no_grad():
        x = torch.as_tensor(test.x, dtype=torch.float32)
        mu, logvar = model.encode(x)
        rec = model.decode(mu, torch.as_tensor(test.norm, dtype=torch.float32)).double().numpy()
        kl = (0.5 * (mu**2 + torch.exp(logvar) - 1.0 - logvar)).mean(0).double().numpy()
    norm = np.linalg.norm(test.x.reshape(len(test.x), -1), axis=1)
    rel = np.linalg.norm((rec - test.x).reshape(len(test.x), -1), axis=1) / norm
    mean = train.x.mean(0)
    base = np.linalg.norm((test.x - mean).reshape(len(test.x), -1), axis=1) / norm
    return {"relative_l2": float(rel.mean()), "relative_l2_baseline_mean": float(base.mean()),
            "kl_per_dimension": [float(v) for v in kl], "active": [int(k) for k in np.flatnonzero(kl > 0.1)]}


def save_vae(path, model: GreenVAE, metadata: dict) -> None:
    save_model_file(path, KIND, metadata, model.state_dict())


def load_vae(path, representation: str | None = None) -> tuple:
    """``(model, metadata)`` of a VAE file; ``representation``, when given, must be the model's."""
    metadata, state = read_model_file(path, KIND)
    arch = metadata.get("architecture", {})
    if arch.get("name") not in VAE_ARCHITECTURES:
        raise ModelFileError(f"model file {os.fspath(path)!r} uses the architecture {arch.get('name')!r}, unknown to "
                             f"this package (known: {sorted(VAE_ARCHITECTURES)}).")
    if representation is not None and metadata["representation"] != representation:
        raise ModelFileError(f"model file {os.fspath(path)!r} encodes {metadata['representation']}, not "
                             f"{representation}: train a VAE on {representation} (train-vae --input).")
    model = VAE_ARCHITECTURES[arch["name"]](metadata["representation"], arch["n"], arch["latent"], arch["hidden"],
                                            arch["depth"], arch["dw"])
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ModelFileError(f"model file {os.fspath(path)!r}: its tensors do not fit its architecture "
                             f"({str(exc).splitlines()[0]}).") from None
    return model.eval(), metadata
