"""Out-of-distribution score of a Green's function relative to the training set of a VAE.

Two measures, each in units of its 99th percentile over the validation split (stored in the VAE file
at training):

    reconstruction   r(x) = |x_rec - x| / |x|     (the VAE reproduces only what resembles its data)
    latent density   d(x) = (mu - m)^T C^-1 (mu - m)  (squared Mahalanobis distance of the latent mean
                                                       from the Gaussian fitted to the training latents)

``score = max(r / r_99, d / d_99)``: above 1, the input is more unusual than 99 % of the validation
samples by at least one measure.  :data:`DEFAULT_MAX_OOD` is the threshold ``method="ml"`` uses when
it is given a VAE (option ``vae``).
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import InvalidParameterError
from .vae import GreenVAE

__all__ = ["QUANTILE", "DEFAULT_MAX_OOD", "ood_statistics", "ood_scores", "roc_auc"]

QUANTILE = 0.99
"""The validation quantile that each measure is divided by."""
DEFAULT_MAX_OOD = 1.0
"""Default largest accepted OOD score of the ml method."""


def _measures(model: GreenVAE, x: np.ndarray, norm: np.ndarray | None, mean: np.ndarray, cov_inv: np.ndarray):
    with torch.no_grad():
        xt = torch.as_tensor(x, dtype=torch.float32)
        mu, _ = model.encode(xt)
        rec = model.decode(mu, None if norm is None else torch.as_tensor(norm, dtype=torch.float32))
    mu, rec = mu.double().numpy(), rec.double().numpy()
    flat = x.reshape(len(x), -1)
    recon = np.linalg.norm(rec.reshape(len(x), -1) - flat, axis=1) / np.linalg.norm(flat, axis=1)
    d = mu - mean
    return recon, np.einsum("ni,ij,nj->n", d, cov_inv, d), mu


def ood_statistics(model: GreenVAE, train_x: np.ndarray, train_norm, val_x: np.ndarray, val_norm) -> dict:
    """The Gaussian of the training latents and the validation quantiles of both measures (JSON-able)."""
    with torch.no_grad():
        mu, _ = model.encode(torch.as_tensor(train_x, dtype=torch.float32))
    mu = mu.double().numpy()
    mean = mu.mean(axis=0)
    cov = np.cov(mu, rowvar=False).reshape(mu.shape[1], mu.shape[1]) + 1e-6 * np.eye(mu.shape[1])
    recon, mahal, _ = _measures(model, val_x, val_norm, mean, np.linalg.inv(cov))
    return {"latent_mean": mean.tolist(), "latent_cov": cov.tolist(), "quantile": QUANTILE,
            "recon_q": float(np.quantile(recon, QUANTILE)), "mahalanobis_q": float(np.quantile(mahal, QUANTILE))}


def ood_scores(model: GreenVAE, stats: dict, x: np.ndarray, norm: np.ndarray | None = None) -> dict:
    """``score``, ``reconstruction``, ``mahalanobis`` (``(N,)``) and ``latent`` (``(N, latent)``) of inputs ``x``
    (``(N, 2, n)``, the VAE's representation)."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 3 or x.shape[1:] != (2, model.n):
        raise InvalidParameterError(f"the inputs have the shape {x.shape}: this VAE takes (N, 2, {model.n}), its "
                                    f"{model.representation} on {model.n} points (another grid or representation?).")
    mean, cov = np.asarray(stats["latent_mean"]), np.asarray(stats["latent_cov"])
    recon, mahal, mu = _measures(model, x, norm, mean, np.linalg.inv(cov))
    score = np.maximum(recon / stats["recon_q"], mahal / stats["mahalanobis_q"])
    return {"score": score, "reconstruction": recon, "mahalanobis": mahal, "latent": mu}


def roc_auc(inside: np.ndarray, outside: np.ndarray) -> float:
    """Area under the ROC curve of a score that should be larger ``outside`` than ``inside``:
    ``P(s_out > s_in) + P(s_out = s_in)/2`` over all pairs (the Mann-Whitney statistic)."""
    from scipy.stats import rankdata  # noqa: PLC0415

    inside, outside = np.asarray(inside, float), np.asarray(outside, float)
    ranks = rankdata(np.concatenate([inside, outside]))  # ties get their mean rank
    r_out = ranks[inside.size:].sum()
    return float((r_out - outside.size * (outside.size + 1) / 2) / (inside.size * outside.size))
