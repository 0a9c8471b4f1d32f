"""Training of the correction ensemble: split, normalization, members, early stopping, calibration.

Each member is trained on a bootstrap resample of the training split (so the ensemble spread also
reflects the finite data) with Adam, a learning rate halved when the validation loss stalls, and
early stopping on that loss; the best-validation weights are kept.  The loss is the mean square of
``(G_pred,l - G_ref,l)/beta`` after the sum-rule projection, which by Legendre orthogonality is
``(1/beta^2) int_0^beta |G_pred(tau) - G_ref(tau)|^2 dtau``, averaged over samples with the weights
``1/(e^2 + median e^2)`` (``weighting="relative"``; ``e^2`` that of the base solver) or equal weights,
plus ``z_weight`` times the mean square of the error of the quasiparticle weight
``Z = 1/(1 - Im Sigma(i w_0)/w_0)`` (linearized around the reference; Z is far more sensitive to
``G(i w_0)`` than ``G(tau)`` is at large beta), each term divided by the base solver's value on the
training split.  The default uncertainty threshold is
the ``accept_quantile`` of the validation uncertainties; the domain box is the training split's
range of every descriptor, widened by :data:`DOMAIN_MARGIN`.  The metrics table compares the network with every cheap solver on the
test split.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass

import numpy as np
import torch

from .._legendre import matsubara_matrix
from .._progress import Progress
from .._options import Options, boolean, choice, integer, nonnegative, option, positive, real
from ..errors import InvalidParameterError
from ..features import FeatureLayout, residual_target
from .correction import CorrectionModel, descriptors
from .metrics import format_table, prediction_errors, solver_errors, summarize
from .network import ARCHITECTURES, CorrectionEnsemble
from .samples import SampleSet, load_samples, split_groups

DOMAIN_MARGIN = 0.02
"""The domain box is the training split's range of each descriptor widened by this fraction on each side."""

__all__ = ["DOMAIN_MARGIN", "TrainOptions", "TrainReport", "train_correction", "continue_training", "evaluate"]


@dataclass(frozen=True)
class TrainOptions(Options):
    """Settings of ``triqs-mlsolver train`` (defaults reproduce the shipped model)."""

    members: int = option("ensemble members", 5, check=integer(1, 100))
    architecture: str = option("versioned architecture name", "residual_mlp/1", check=choice(tuple(ARCHITECTURES)))
    hidden: int = option("width of the hidden layers", 256, check=integer(1, 65536))
    depth: int = option("hidden layers", 3, check=integer(1, 64))
    epochs: int = option("most epochs per member", 400, check=integer(1))
    batch_size: int = option("samples per optimizer step", 256, check=integer(1))
    learning_rate: float = option("initial Adam learning rate", 2e-3, check=positive())
    weight_decay: float = option("Adam weight decay", 1e-6, check=nonnegative())
    patience: int = option("early stopping: epochs without a better validation loss", 40, check=integer(1))
    seed: int = option("seed of the split, the initialization, the bootstrap and the batches", 0,
                       check=integer(0, 2**63 - 1))
    accept_quantile: float = option("the default threshold is this quantile of the validation uncertainties", 0.99,
                                    check=real(0.0, 1.0, open_lo=True))
    bootstrap: bool = option("train each member on a bootstrap resample of the training split", True, check=boolean())
    z_weight: float = option("weight of the Z term of the loss (relative to the G term; for models without the "
                             "anchor, whose Z it leaves unchanged)", 0.0, check=nonnegative())
    anchor_iw0: bool = option("keep G(i w_0), hence Z, at the base solver's value (the correction acts on the rest)",
                              True, check=boolean())
    weighting: str = option("per-sample weight of the loss: 'mse' (all equal) or 'relative' (1/(e^2 + median e^2), "
                            "e the base solver's error: small errors count as much as large ones)", "relative",
                            check=choice(("mse", "relative")))


@dataclass
class TrainReport:
    """Metrics rows per method on the test split, the table as text, the test split itself (for the figures) and
    the training time."""

    rows: dict
    table: str
    test: SampleSet
    seconds: float


def _tensors(s: SampleSet, base: str, n_l: int) -> tuple:
    """``(x, g_base, g_ref, z_weights)`` as float32 tensors; ``z_weights`` ``(N, 2, n_l)`` linearize
    ``Z = 1/(1 - Im Sigma(i w_0)/w_0)`` around the reference: ``dZ = z_weights . d(G_l/beta)`` with
    ``dSigma(i w_0) = dG(i w_0)/G(i w_0)^2`` and ``G(i w_0) = beta sum_l T_0l G_l/beta``."""
    g_base = s.g_l[base][:, :, :n_l] / s.beta[:, None, None]
    g_ref = s.g_ref_l[:, :, :n_l] / s.beta[:, None, None]
    t0 = matsubara_matrix(np.array([0]), n_l)[0]
    g_iw0 = s.g_ref_l[:, :, :n_l] @ t0
    w0 = np.pi / s.beta
    z_weights = (s.z_ref**2 * s.beta[:, None] / w0[:, None])[:, :, None] * np.imag(t0[None, None, :]
                                                                                  / g_iw0[:, :, None] ** 2)
    as_t = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    return as_t(s.features), as_t(g_base), as_t(g_ref), as_t(z_weights)


def _base_error(ensemble: CorrectionEnsemble, g_base: torch.Tensor, g_ref: torch.Tensor) -> torch.Tensor:
    """Per sample, the mean square of the projected base's error in ``G_l / beta``."""
    return torch.mean((ensemble.project(g_base) - g_ref) ** 2, dim=(1, 2))


def _sample_weights(ensemble: CorrectionEnsemble, train: tuple, val: tuple, weighting: str) -> tuple:
    """Loss weights of the training and validation samples, normalized to mean 1 on the training split:
    ``1/(e^2 + median e^2)`` with ``e^2`` the base's error (``"relative"``, median of the training split), or 1."""
    e_train, e_val = (_base_error(ensemble, t[1], t[2]) for t in (train, val))
    if weighting != "relative":
        return torch.ones_like(e_train), torch.ones_like(e_val)
    floor = float(torch.median(e_train)) + 1e-30
    w_train, w_val = 1.0 / (e_train + floor), 1.0 / (e_val + floor)
    norm = float(torch.mean(w_train))
    return w_train / norm, w_val / norm


def _train_member(ensemble: CorrectionEnsemble, k: int, train: tuple, val: tuple, opt: TrainOptions,
                  bar: Progress) -> int:
    """Train member ``k`` in place; returns the epoch of its best validation loss."""
    member = ensemble.members[k]
    gen = torch.Generator().manual_seed(opt.seed * 1000 + k)
    x, gb, gr, zw, w = train
    n = x.shape[0]
    rows = torch.randint(0, n, (n,), generator=gen) if opt.bootstrap else torch.arange(n)
    adam = torch.optim.Adam(member.parameters(), lr=opt.learning_rate, weight_decay=opt.weight_decay)
    schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(adam, factor=0.5, patience=max(1, opt.patience // 4))
    # each term relative to the base solver's (weighted) error on the training split
    scale_g = float(torch.mean(w * _base_error(ensemble, gb, gr))) + 1e-30
    scale_z = float(torch.mean(torch.sum(zw * (gb - gr), dim=-1) ** 2)) + 1e-30

    def predict(xb, gbb):
        z = (xb - ensemble.x_mean) / ensemble.x_std
        r = (member(z) * ensemble.r_std + ensemble.r_mean).reshape(xb.shape[0], 2, ensemble.n_l)
        return ensemble.correct(gbb, r)

    def loss_of(xb, gbb, grb, zwb, wb):
        d = predict(xb, gbb) - grb
        return (torch.mean(wb * torch.mean(d**2, dim=(1, 2))) / scale_g
                + opt.z_weight * torch.mean(torch.sum(zwb * d, dim=-1) ** 2) / scale_z)

    def validation_loss() -> float:
        member.eval()
        with torch.no_grad():
            return float(loss_of(*val))

    # the untrained member (the base itself) competes too: training never makes it worse on validation
    best, best_epoch, best_state = validation_loss(), -1, {key: v.clone() for key, v in member.state_dict().items()}
    for epoch in range(opt.epochs):
        member.train()
        order = rows[torch.randperm(n, generator=gen)]
        for start in range(0, n, opt.batch_size):
            b = order[start:start + opt.batch_size]
            loss = loss_of(x[b], gb[b], gr[b], zw[b], w[b])
            adam.zero_grad()
            loss.backward()
            adam.step()
        val_loss = validation_loss()
        schedule.step(val_loss)
        if val_loss < best:
            best, best_epoch = val_loss, epoch
            best_state = {key: v.clone() for key, v in member.state_dict().items()}
        bar.postfix = f"member {k + 1}/{len(ensemble.members)} val {val_loss:.3e} best {best:.3e}"
        bar.update(1)
        if epoch - best_epoch >= opt.patience:
            bar.update(opt.epochs - epoch - 1)
            break
    member.load_state_dict(best_state)
    return best_epoch


def evaluate(model: CorrectionModel, s: SampleSet) -> dict:
    """Errors (per sample) of the model's prediction on the samples ``s``, with uncertainty and domain flags."""
    pred = model.predict(s.features, s.g_l[model.layout.base], s.beta)
    errors = prediction_errors(s, pred.g_l)
    return {**errors, "uncertainty": pred.uncertainty, "in_domain": pred.in_domain}


def train_correction(paths, layout: FeatureLayout, options: TrainOptions = TrainOptions(), *,
                     init: CorrectionModel | None = None, require: tuple = (), progress: bool = True) -> tuple:
    """Train a :class:`CorrectionModel` on the dataset files ``paths``; returns ``(model, report)``.

    With ``init`` (a model of the same layout and architecture) training starts from its weights and
    keeps its normalization: the iterative-training step of :func:`continue_training`.  ``require``: cheap
    solvers that must have succeeded on a sample besides the layout's (same samples for every feature set)."""
    start = time.perf_counter()
    torch.manual_seed(options.seed)
    paths = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    samples = load_samples(paths, layout, require)
    train_idx, val_idx, test_idx = split_groups(samples.groups, options.seed)
    if min(train_idx.size, val_idx.size, test_idx.size) == 0:
        raise InvalidParameterError(f"{len(samples)} usable samples in {samples.groups.size and np.unique(samples.groups).size} "
                                    "groups are too few to split into training, validation and test sets: allowed "
                                    "is at least 3 groups (10 or more for a meaningful model).")
    train, val, test = (samples.subset(i) for i in (train_idx, val_idx, test_idx))
    n_l = samples.n_l_out
    ensemble = CorrectionEnsemble(layout.size, n_l, options.members, options.architecture, options.hidden,
                                  options.depth, options.anchor_iw0)
    if init is not None:
        if init.layout != layout or init.n_l != n_l:
            raise InvalidParameterError("the model to continue has another feature layout or n_l than the data: "
                                        f"{init.layout.to_dict()} with n_l = {init.n_l}, data n_l = {n_l}.")
        ensemble.load_state_dict(init.ensemble.state_dict())
    else:
        r = residual_target(train.beta, train.g_ref_l, train.g_l[layout.base])
        ensemble.set_normalization(train.features.mean(0), train.features.std(0), r.mean(0), r.std(0))
        ensemble.start_at_base()
    t_train, t_val = _tensors(train, layout.base, n_l), _tensors(val, layout.base, n_l)
    w_train, w_val = _sample_weights(ensemble, t_train, t_val, options.weighting)
    t_train, t_val = (*t_train, w_train), (*t_val, w_val)
    bar = Progress(options.members * options.epochs, "train", enabled=progress, unit="epochs")
    best_epochs = [_train_member(ensemble, k, t_train, t_val, options, bar) for k in range(options.members)]
    bar.close()
    desc = descriptors(layout, train.features, train.g_l[layout.base][:, :, :n_l], train.beta)
    metadata = {
        "architecture": {"name": options.architecture, "members": options.members, "hidden": options.hidden,
                         "depth": options.depth, "n_l": n_l, "anchor_iw0": options.anchor_iw0},
        "layout": layout.to_dict(),
        "training": {**dataclasses.asdict(options), "best_epochs": best_epochs,
                     "sizes": {"train": len(train), "validation": len(val), "test": len(test)}},
        "domain": {name: [float(v.min() - DOMAIN_MARGIN * np.ptp(v)), float(v.max() + DOMAIN_MARGIN * np.ptp(v))]
                   for name, v in desc.items()},
        "threshold": 0.0,
        "datasets": samples.digests,
        "dataset_files": [os.path.abspath(p) for p in paths],
    }
    metadata.update(_dataset_settings(paths[0]))
    model = CorrectionModel(ensemble, layout, metadata)
    val_eval = evaluate(model, val)
    metadata["threshold"] = float(np.quantile(val_eval["uncertainty"], options.accept_quantile))
    report = _report(model, test, time.perf_counter() - start)
    metadata["metrics"] = report.rows
    return model, report


_BEFORE_THE_OPTION = {"weighting": "mse"}
"""Settings that a model's metadata lacks when it was trained before they existed: what it was trained with."""


def continue_training(model_path, add, data=None, options: TrainOptions | None = None, *,
                      progress: bool = True) -> tuple:
    """Retrain the model of ``model_path`` on its datasets (or ``data``) plus the files ``add``, from its weights.

    The datasets are found at the paths stored in the model; their configuration digests must match the
    stored ones (a regenerated or different file is refused).  Without ``options`` the stored training
    settings are reused.  Returns ``(model, report)``."""
    model = CorrectionModel.load(model_path)
    meta = model.metadata
    if data is None:
        data = meta["dataset_files"]
        missing = [p for p in data if not os.path.isfile(p)]
        if missing:
            raise InvalidParameterError(f"the training files {missing} of {os.fspath(model_path)!r} are not there: "
                                        "pass them again (train --continue MODEL --add FILE DATA.h5 ...).")
    if options is None:
        kept = {f.name for f in dataclasses.fields(TrainOptions)}
        stored = {**_BEFORE_THE_OPTION, **meta["training"]}
        options = TrainOptions(**{k: v for k, v in stored.items() if k in kept})
    files = [os.fspath(p) for p in data] + [os.fspath(p) for p in ([add] if isinstance(add, (str, os.PathLike)) else add)]
    digests = load_digests(files[: len(data)])
    if digests != meta["datasets"][: len(digests)]:
        raise InvalidParameterError(f"the training files {list(data)} are not those of the model (configuration "
                                    "digests differ): pass the files it was trained on.")
    return train_correction(files, model.layout, options, init=model, progress=progress)


def load_digests(paths) -> list:
    """The configuration digests of dataset files."""
    from ..data.schema import open_dataset

    out = []
    for p in paths:
        with open_dataset(p) as f:
            out.append(str(f.attrs["config_digest"]))
    return out


def _dataset_settings(first) -> dict:
    """The cheap solvers (method, options), output grids and reference settings of the first dataset."""
    import json

    from ..data.schema import open_dataset

    with open_dataset(first) as f:
        config = json.loads(f.attrs["config"])
    return {"solvers": config["solvers"], "output": config["output"], "reference": config["reference"]}


def _report(model: CorrectionModel, test: SampleSet, seconds: float) -> TrainReport:
    rows = {name: summarize(solver_errors(test, name)) for name in model.layout.solvers}
    ev = evaluate(model, test)
    rows["network"] = summarize({k: ev[k] for k in ("G", "Z", "n")})
    accepted = ev["in_domain"] & (ev["uncertainty"] <= model.threshold)
    rows["network accepted"] = summarize({k: ev[k][accepted] for k in ("G", "Z", "n")})
    rows["network accepted"]["fraction"] = float(accepted.mean()) if accepted.size else float("nan")
    if ev["G"].size > 2:
        from scipy.stats import spearmanr

        rows["network"]["spearman_uncertainty_error"] = float(spearmanr(ev["uncertainty"], ev["G"]).statistic)
    table = format_table(rows, f"test split: {len(test)} samples")
    table += (f"\naccepted (uncertainty <= {model.threshold:.3e} and inside the domain): "
              f"{100 * rows['network accepted']['fraction']:.1f} %")
    if "spearman_uncertainty_error" in rows["network"]:
        table += f"; Spearman(uncertainty, error) = {rows['network']['spearman_uncertainty_error']:.2f}"
    return TrainReport(rows=rows, table=table, test=test, seconds=seconds)
