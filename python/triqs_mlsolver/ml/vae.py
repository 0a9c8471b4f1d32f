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

``vae_sym/1`` (:class:`SymmetricGreenVAE`) builds in the two exact symmetries of the Anderson model,
the particle-hole mirror ``P`` (``eps_d -> -U - eps_d``, ``B -> -B``: ``G_s(tau) -> G_s(beta - tau)``,
``G_l -> (-1)^l G_l``, ``A(w) -> A(-w)``) and the spin flip ``S`` (``B -> -B``: up and down swapped).
Latent ``k`` transforms with the characters ``(chi_P, chi_S)`` of :data:`IRREPS` ``[k % 4]``: the encoder
mean is ``mu(x) = 1/4 sum_g chi(g) E(g x)``, its log variance the plain group average, the decoder
``D(z) = 1/4 sum_g g D'(chi(g) z)``, so ``mu(g x) = chi(g) mu(x)`` and ``D(chi(g) z) = g D(z)`` exactly.  The
particle-hole asymmetry ``(U + 2 eps_d)/Gamma`` (odd under P, even under S) and the field (odd under
both) can then only live in latents of their own parity, apart from the even physics (Kondo scale).
"""

from __future__ import annotations

import torch
from torch import nn

from ..features import sum_rule_vector

__all__ = ["REPRESENTATIONS", "IRREPS", "VAE_ARCHITECTURES", "GreenVAE", "SymmetricGreenVAE"]

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


IRREPS = ((1, 1), (-1, 1), (-1, -1), (1, -1))
"""Characters ``(chi_P, chi_S)`` of latent ``k`` of ``vae_sym/1``: ``IRREPS[k % 4]`` (module doc)."""


class SymmetricGreenVAE(GreenVAE):
    """``vae_sym/1``: :class:`GreenVAE` made exactly equivariant under the particle-hole mirror ``P`` and the spin
    flip ``S`` by group averaging (module doc).  ``A_w`` needs a grid symmetric about ``w = 0``."""

    def __init__(self, representation: str, n: int, latent: int = 10, hidden: int = 256, depth: int = 2,
                 dw: float = 1.0) -> None:
        super().__init__(representation, n, latent, hidden, depth, dw)
        chars = torch.tensor([IRREPS[k % 4] for k in range(latent)], dtype=torch.float32)
        self.register_buffer("chi_p", chars[:, 0])
        self.register_buffer("chi_s", chars[:, 1])
        self.register_buffer("l_parity", (-1.0) ** torch.arange(n, dtype=torch.float32))

    def _mirror(self, x: torch.Tensor) -> torch.Tensor:
        """``P``: ``tau -> beta - tau`` (G_tau), ``(-1)^l`` (G_l), ``w -> -w`` (A_w)."""
        return x * self.l_parity if self.representation == "G_l" else torch.flip(x, dims=(-1,))

    def _group(self):
        """``(act, chi, swaps)`` of e, P, S, PS: the action on ``(N, 2, n)`` arrays, the latent characters, and
        whether the element swaps the spins."""
        one = torch.ones_like(self.chi_p)
        flip = lambda x: torch.flip(x, dims=(-2,))  # noqa: E731 (spin swap)
        return ((lambda x: x, one, False), (self._mirror, self.chi_p, False), (flip, self.chi_s, True),
                (lambda x: flip(self._mirror(x)), self.chi_p * self.chi_s, True))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu = logvar = 0.0
        for act, chi, _ in self._group():
            m, lv = super().encode(act(x))
            mu, logvar = mu + 0.25 * chi * m, logvar + 0.25 * lv
        return mu, logvar

    def decode(self, z: torch.Tensor, norm: torch.Tensor | None = None) -> torch.Tensor:
        out = 0.0
        for act, chi, swaps in self._group():
            weight = None if norm is None else torch.flip(norm, dims=(-1,)) if swaps else norm
            out = out + 0.25 * act(super().decode(chi * z, weight))
        return out


VAE_ARCHITECTURES = {"vae_mlp/1": GreenVAE, "vae_sym/1": SymmetricGreenVAE}
"""Released VAE architectures: versioned name -> module class."""
