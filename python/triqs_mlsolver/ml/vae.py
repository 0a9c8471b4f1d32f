"""Variational autoencoder on impurity Green's functions (one representation, both spins).

The input is one representation of the sample's reference Green's function, the two spins
concatenated: ``G_tau`` (``G(tau)`` on the stored grid), ``G_l`` (``G_l / beta``) or ``A_w`` (the
spectral function on the dataset's real-frequency grid).  An MLP encoder gives the mean and log
variance of a diagonal Gaussian ``q(z|x)`` in ``latent`` dimensions; an MLP decoder maps ``z`` back,
with outputs that respect the representation exactly:

    G_tau:  G_s(tau) = -softplus(y_s) / (softplus(y_s)(0) + softplus(y_s)(beta))   (G <= 0, G(0+) + G(beta-) = -1)
    G_l:    orthogonal projection onto sum_{l even} 2 sqrt(2l+1) G_l/beta = -1          (the sum rule)
    A_w:    A_s(w) = softplus(y_s) / sum_w softplus(y_s) dw * norm_s                     (A >= 0, stored weight)

where ``norm_s`` is the weight of the input spectrum on the grid (the broadened A(w) of a finite
window holds slightly less than 1).  Architectures are frozen under versioned names.
"""

from __future__ import annotations

import torch
from torch import nn

from ..features import sum_rule_vector

__all__ = ["REPRESENTATIONS", "VAE_ARCHITECTURES", "GreenVAE"]

REPRESENTATIONS = ("G_tau", "G_l", "A_w")
"""Representations a VAE can be trained on (dataset paths ``reference/<name>``)."""


def _mlp(n_in: int, n_out: int, hidden: int, depth: int) -> nn.Sequential:
    layers, width = [], n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.SiLU()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


class GreenVAE(nn.Module):
    """``vae_mlp/1``: encoder and decoder MLPs of ``depth`` hidden layers of width ``hidden``.

    ``x`` has shape ``(N, 2, n)`` (spins, points); ``norm`` ``(N, 2)`` is the input's weight per spin
    (``A_w`` only).  ``forward`` returns ``(reconstruction, mu, logvar)``.
    """

    def __init__(self, representation: str, n: int, latent: int = 10, hidden: int = 256, depth: int = 2,
                 dw: float = 1.0) -> None:
        super().__init__()
        self.representation, self.n, self.latent, self.hidden, self.depth = representation, n, latent, hidden, depth
        self.encoder = _mlp(2 * n, 2 * latent, hidden, depth)
        self.decoder = _mlp(latent, 2 * n, hidden, depth)
        self.register_buffer("x_mean", torch.zeros(2 * n))
        self.register_buffer("x_std", torch.ones(2 * n))
        self.register_buffer("dw", torch.tensor(float(dw)))
        self.register_buffer("sum_rule", torch.as_tensor(sum_rule_vector(n), dtype=torch.float32))

    def set_normalization(self, mean, std) -> None:
        self.x_mean.copy_(torch.as_tensor(mean, dtype=self.x_mean.dtype))
        self.x_std.copy_(torch.as_tensor(std, dtype=self.x_std.dtype).clamp(min=1e-8))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mu, logvar)`` of ``q(z|x)``, each ``(N, latent)``."""
        h = self.encoder((x.reshape(x.shape[0], -1) - self.x_mean) / self.x_std)
        return h[:, : self.latent], h[:, self.latent:].clamp(-20.0, 10.0)

    def decode(self, z: torch.Tensor, norm: torch.Tensor | None = None) -> torch.Tensor:
        """The representation ``(N, 2, n)`` of latent points ``z``, constraints exact (module doc)."""
        y = self.decoder(z).reshape(z.shape[0], 2, self.n)
        if self.representation == "G_tau":
            p = nn.functional.softplus(y) + 1e-12
            return -p / (p[..., :1] + p[..., -1:])
        if self.representation == "G_l":  # projected in float64: the sum rule to float32 rounding of each G_l
            a, y64 = self.sum_rule.double(), y.double()
            return (y64 - ((y64 @ a + 1.0) / (a @ a)).unsqueeze(-1) * a).to(y.dtype)
        p = nn.functional.softplus(y)
        weight = torch.ones(z.shape[0], 2, dtype=y.dtype) if norm is None else norm
        return p / (p.sum(-1, keepdim=True) * self.dw + 1e-30) * weight.unsqueeze(-1)

    def forward(self, x: torch.Tensor, norm: torch.Tensor | None = None):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return self.decode(z, norm), mu, logvar


VAE_ARCHITECTURES = {"vae_mlp/1": GreenVAE}
"""Released VAE architectures: versioned name -> module class."""
