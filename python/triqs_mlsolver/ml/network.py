"""The correction network: an ensemble of MLPs that predicts ``G_ref,l - G_base,l``, projected onto the sum rule.

For ``N`` problems with features ``x`` (:mod:`triqs_mlsolver.features`) and base coefficients
``g_base = G_base,l / beta`` (spins up, down), member ``k`` predicts a standardized residual
``r_k = r_mean + r_std * f_k(x_std)``, which becomes ``g_k = P(g_base) + Q r_k``: ``P`` is the
orthogonal projection onto ``sum_{l even} 2 sqrt(2l+1) g_l = -1`` (``G(0+) + G(beta-) = -1``) and ``Q``
the projector onto the residuals that keep it, so the sum rule holds exactly for every member.  With
``anchor_iw0`` the residuals also keep ``G(i w_0)``, hence ``Sigma(i w_0)`` and ``Z``, at the base
solver's value: ``Z = 1/(1 - Im Sigma(i w_0)/w_0)`` is so sensitive to ``G(i w_0)`` at large ``beta``
(``dSigma = dG/G^2``, divided by ``w_0 = pi/beta``) that a correction of ``G(tau)`` would otherwise
spoil it.  The ensemble mean is the prediction, its spread the uncertainty.

Architectures are frozen under versioned names (:data:`ARCHITECTURES`): a change of the layer
structure is a new name, so that weights written by an older package keep loading.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._legendre import matsubara_matrix
from ..features import sum_rule_vector

__all__ = ["ARCHITECTURES", "ResidualMLP", "CorrectionEnsemble", "residual_projector"]


class ResidualMLP(nn.Module):
    """``residual_mlp/1``: ``depth`` hidden layers of width ``hidden`` with SiLU, a linear head (zero at start)."""

    def __init__(self, n_in: int, n_out: int, hidden: int = 256, depth: int = 3) -> None:
        super().__init__()
        layers, width = [], n_in
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        head = nn.Linear(width, n_out)
        nn.init.zeros_(head.weight)  # an untrained member predicts a constant residual (see start_at_base)
        nn.init.zeros_(head.bias)
        layers.append(head)
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


ARCHITECTURES = {"residual_mlp/1": ResidualMLP}
"""Released architectures: versioned name -> module class (constructor ``(n_in, n_out, hidden, depth)``)."""


class CorrectionEnsemble(nn.Module):
    """``members`` networks of one architecture with the normalization of inputs and residuals as buffers.

    ``forward(x, g_base)`` takes raw features ``(N, n_in)`` and ``g_base`` ``(N, 2, n_l)`` and returns
    every member's projected ``G_l / beta``, shape ``(members, N, 2, n_l)``.
    """

    def __init__(self, n_in: int, n_l: int, members: int = 5, architecture: str = "residual_mlp/1",
                 hidden: int = 256, depth: int = 3, anchor_iw0: bool = False) -> None:
        super().__init__()
        self.architecture, self.n_in, self.n_l = architecture, n_in, n_l
        self.hidden, self.depth, self.anchor_iw0 = hidden, depth, anchor_iw0
        cls = ARCHITECTURES[architecture]
        self.members = nn.ModuleList(cls(n_in, 2 * n_l, hidden, depth) for _ in range(members))
        self.register_buffer("x_mean", torch.zeros(n_in))
        self.register_buffer("x_std", torch.ones(n_in))
        self.register_buffer("r_mean", torch.zeros(2 * n_l))
        self.register_buffer("r_std", torch.ones(2 * n_l))
        a = torch.as_tensor(sum_rule_vector(n_l))
        self.register_buffer("sum_rule", a)
        self.register_buffer("residual_projector", torch.as_tensor(residual_projector(n_l, anchor_iw0)))

    def set_normalization(self, x_mean, x_std, r_mean, r_std) -> None:
        """Input and residual statistics of the training split (standard deviations floored)."""
        for name, value in (("x_mean", x_mean), ("x_std", x_std), ("r_mean", r_mean), ("r_std", r_std)):
            getattr(self, name).copy_(torch.as_tensor(value, dtype=getattr(self, name).dtype))
        self.x_std.clamp_(min=1e-12)
        self.r_std.clamp_(min=1e-12)

    def start_at_base(self) -> None:
        """Set every member's head to predict a zero residual (its weights are zero from the start): an untrained
        ensemble returns the base solver's ``G_l``, projected."""
        with torch.no_grad():
            for member in self.members:
                head = member.net[-1]
                head.weight.zero_()
                head.bias.copy_(-self.r_mean / self.r_std)

    def project(self, g: torch.Tensor) -> torch.Tensor:
        """Orthogonal projection of ``G_l / beta`` (``(..., n_l)``) onto the sum rule (see module doc)."""
        a = self.sum_rule.to(g.dtype)
        return g - ((g @ a + 1.0) / (a @ a)).unsqueeze(-1) * a

    def correct(self, g_base: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        """``P_a(g_base) + r Q``: the base on the sum rule plus the residual in the null space of the constraints."""
        return self.project(g_base) + r @ self.residual_projector.to(r.dtype)

    def member_residuals(self, x: torch.Tensor) -> torch.Tensor:
        """Unprojected residuals ``(members, N, 2 n_l)`` in units of ``G_l / beta``."""
        z = (x - self.x_mean) / self.x_std
        return torch.stack([m(z) for m in self.members]) * self.r_std + self.r_mean

    def forward(self, x: torch.Tensor, g_base: torch.Tensor) -> torch.Tensor:
        r = self.member_residuals(x).reshape(len(self.members), x.shape[0], 2, self.n_l)
        return self.correct(g_base.unsqueeze(0), r)


def residual_projector(n_l: int, anchor_iw0: bool) -> np.ndarray:
    """``Q = 1 - C^T (C C^T)^-1 C`` (symmetric, ``(n_l, n_l)``): the orthogonal projector onto the residuals that
    keep the sum rule (``C = a``) and, with ``anchor_iw0``, also ``G(i w_0) = sum_l T_0l G_l`` (rows Re and Im of
    ``T_0l``: odd and even ``l``) at the base solver's value.

    ``P_a(g_base + r) = P_a(g_base) + Q_a r`` for the plain sum rule, so both modes are ``P_a(g_base) + r Q``."""
    rows = [sum_rule_vector(n_l)]
    if anchor_iw0:
        t0 = matsubara_matrix(np.array([0]), n_l)[0]
        rows += [t0.real, t0.imag]
    c = np.array(rows)
    return np.eye(n_l) - c.T @ np.linalg.solve(c @ c.T, c)
