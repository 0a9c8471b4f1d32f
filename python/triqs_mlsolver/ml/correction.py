"""A trained correction model: the ensemble, its feature layout, training domain, threshold and provenance.

:meth:`CorrectionModel.predict` maps features and the base solver's ``G_l`` of ``N`` problems to the
ensemble-mean ``G_l`` (sum rule exact, re-projected in float64), the uncertainty (the largest
ensemble standard deviation of ``G(tau)`` over tau and spin, in units of ``G``) and the domain check
(every descriptor inside the box of the training split).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._legendre import legendre_p
from ..errors import ModelFileError
from ..features import FEATURE_VERSION, SCALARS, FeatureLayout, project_sum_rule
from .model_file import read_model_file, save_model_file
from .network import ARCHITECTURES, CorrectionEnsemble

__all__ = ["KIND", "DESCRIPTORS", "Prediction", "CorrectionModel", "descriptors", "tau_basis"]

KIND = "correction"
DESCRIPTORS = ("beta", "U", "eps_d", "field", "Delta_1", "n_base")
"""Quantities whose training range is the model's domain box (``n_base``: filling of the base solver)."""


def tau_basis(n_l: int, n_tau: int = 101) -> np.ndarray:
    """``B[t, l] = sqrt(2l+1) P_l(x_t)`` on ``n_tau`` uniform points: ``G(tau_t) = B @ (G_l / beta)``."""
    x = np.linspace(-1.0, 1.0, n_tau)
    return (legendre_p(n_l, x) * np.sqrt(2.0 * np.arange(n_l) + 1.0)[:, None]).T


def descriptors(layout: FeatureLayout, x: np.ndarray, g_base_l: np.ndarray, beta: np.ndarray) -> dict:
    """The domain descriptors of ``N`` problems from their features and base ``G_l`` (``(N, 2, n_l)``)."""
    col = {name: layout.size - len(SCALARS) + k for k, name in enumerate(SCALARS)}
    g = np.asarray(g_base_l, dtype=float) / np.asarray(beta, dtype=float)[:, None, None]
    n_base = -np.sum(g @ np.sqrt(2.0 * np.arange(g.shape[-1]) + 1.0), axis=1)  # -sum_s G_s(beta-)
    return {"beta": np.exp(x[:, col["log_beta"]]), "U": x[:, col["U"]], "eps_d": x[:, col["eps_d"]],
            "field": x[:, col["field"]], "Delta_1": x[:, col["Delta_1"]], "n_base": n_base}


@dataclass(frozen=True)
class Prediction:
    """``g_l`` ``(N, 2, n_l)``: the prediction; ``uncertainty`` ``(N,)``; ``in_domain`` ``(N,)`` bool;
    ``outside``: per problem the descriptors outside the box, with value and range; ``members``:
    every member's ``G_l`` ``(K, N, 2, n_l)``."""

    g_l: np.ndarray
    uncertainty: np.ndarray
    in_domain: np.ndarray
    outside: list
    members: np.ndarray


class CorrectionModel:
    """An ensemble with everything needed to use it: build by training, or :meth:`load` a model file."""

    def __init__(self, ensemble: CorrectionEnsemble, layout: FeatureLayout, metadata: dict) -> None:
        self.ensemble = ensemble.eval()
        self.layout = layout
        self.metadata = metadata

    # -- properties from the metadata ----------------------------------------------------------
    @property
    def n_l(self) -> int:
        """Legendre coefficients of the output (the training set's n_l)."""
        return self.ensemble.n_l

    @property
    def domain(self) -> dict:
        """Descriptor -> ``[low, high]`` of the training split."""
        return self.metadata["domain"]

    @property
    def threshold(self) -> float:
        """Default largest accepted uncertainty (calibrated on the validation split)."""
        return float(self.metadata["threshold"])

    # -- prediction ----------------------------------------------------------------------------
    def predict(self, x: np.ndarray, g_base_l: np.ndarray, beta) -> Prediction:
        """Prediction for features ``x`` ``(N, size)`` and base ``G_l`` ``(N, 2, >= n_l)`` at ``beta`` ``(N,)``."""
        x = np.asarray(x, dtype=float)
        beta = np.broadcast_to(np.asarray(beta, dtype=float), (x.shape[0],))
        g_base = np.asarray(g_base_l, dtype=float)[:, :, : self.n_l] / beta[:, None, None]
        with torch.no_grad():
            members = self.ensemble(torch.as_tensor(x, dtype=torch.float32),
                                    torch.as_tensor(g_base, dtype=torch.float32)).double().numpy()
        members = project_sum_rule(members)  # exact again after the float32 network
        mean = members.mean(axis=0)  # a mean of points on the sum rule lies on it
        g_tau = members @ tau_basis(self.n_l).T  # (K, N, 2, n_tau) in units of G
        uncertainty = g_tau.std(axis=0).max(axis=(1, 2))
        desc = descriptors(self.layout, x, np.asarray(g_base_l, dtype=float)[:, :, : self.n_l], beta)
        flags = {name: ~((lo <= desc[name]) & (desc[name] <= hi)) for name, (lo, hi) in self.domain.items()}
        in_domain = ~np.any(list(flags.values()), axis=0)
        outside = [[] if in_domain[k] else
                   [f"{name} = {desc[name][k]:.4g} outside [{lo:.4g}, {hi:.4g}]"
                    for name, (lo, hi) in self.domain.items() if flags[name][k]] for k in range(x.shape[0])]
        return Prediction(g_l=mean * beta[:, None, None], uncertainty=uncertainty, in_domain=in_domain,
                          outside=outside, members=members * beta[None, :, None, None])

    # -- files ---------------------------------------------------------------------------------
    def save(self, path) -> None:
        save_model_file(path, KIND, self.metadata, self.ensemble.state_dict())

    @classmethod
    def load(cls, path) -> "CorrectionModel":
        """Read a model file (safe loading); another feature layout or architecture version raises."""
        metadata, state = read_model_file(path, KIND)
        try:
            arch = metadata["architecture"]
            layout_dict = metadata["layout"]
        except KeyError as exc:
            raise ModelFileError(f"model file {path!r} lacks the metadata entry {exc}.") from None
        if layout_dict.get("version") != FEATURE_VERSION:
            raise ModelFileError(f"model file {path!r} was trained on feature layout version "
                                 f"{layout_dict.get('version')!r}; this package builds version {FEATURE_VERSION}: "
                                 "retrain it with `triqs-mlsolver train`.")
        if arch.get("name") not in ARCHITECTURES:
            raise ModelFileError(f"model file {path!r} uses the architecture {arch.get('name')!r}, unknown to this "
                                 f"package (known: {sorted(ARCHITECTURES)}): update triqs_mlsolver.")
        layout = FeatureLayout.from_dict(layout_dict)
        ensemble = CorrectionEnsemble(layout.size, arch["n_l"], arch["members"], arch["name"], arch["hidden"],
                                      arch["depth"], bool(arch.get("anchor_iw0", False)))
        try:
            ensemble.load_state_dict(state)
        except RuntimeError as exc:
            raise ModelFileError(f"model file {path!r}: its tensors do not fit its architecture "
                                 f"({str(exc).splitlines()[0]}).") from None
        return cls(ensemble, layout, metadata)
