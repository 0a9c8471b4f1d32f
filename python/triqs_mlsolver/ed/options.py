"""Options of the exact diagonalization, and the largest bath the engine is meant for."""

from __future__ import annotations

from dataclasses import dataclass, fields

from .._options import Options, boolean, integer, nonnegative, open_unit, option, optional, positive

__all__ = ["EDOptions", "MAX_BATH"]

MAX_BATH = 11
"""Largest number of bath sites per spin of a single-orbital impurity: ``2 (1 + 11) = 24``
spin-orbitals, the practical limit of the ED core (dataset references and the ``ed`` method's fits)."""


@dataclass(frozen=True)
class EDOptions(Options):
    """Options of the exact diagonalization (every field validated at construction)."""

    boltzmann_cutoff: float = option(
        "keep every eigenstate with exp(-beta (E - E0)) above this (finite temperature); 0 < x < 1", 1e-10,
        check=open_unit())
    degeneracy_tol: float = option("T = 0: states within this energy of E0 count as degenerate ground states", 1e-9,
                                   check=positive())
    dense_max_dim: int = option("sectors up to this dimension are diagonalized completely (LAPACK), larger ones by "
                                "Lanczos", 512, check=integer(0, 20000))
    dense_window_max_dim: int = option(
        "larger sectors up to this dimension may be diagonalized densely for only their eigenpairs in the Boltzmann "
        "window (LAPACK dsyevr/zheevr) when that is estimated cheaper than Lanczos (many states in the window) and its "
        "two n x n arrays fit in a quarter of max_memory_gb; 0: never",
        5000, check=integer(0, 20000))
    dense_screen_min_dim: int = option(
        "dense sectors of at least this dimension are first screened by a short Lanczos estimate of their lowest "
        "energy and not diagonalized when it lies above the Boltzmann window (unless needed as Green's-function "
        "targets); 0: never", 128, check=integer(0, 20000))
    dense_targets: bool = option(
        "Green's-function target sectors up to dense_max_dim are diagonalized completely, so that their poles are "
        "exact on the real axis too; False: those of at least dense_screen_min_dim reached by few kept states use "
        "Lanczos continued fractions, exact on the Matsubara axis only (like larger sectors; faster)", True,
        check=boolean())
    lanczos_tol: float = option("eigenvector residual |H v - E v| relative to the spectral radius at convergence",
                                1e-12, check=open_unit())
    lanczos_krylov_dim: int = option("smallest Krylov-Schur basis before a thick restart (memory: this many sector "
                                     "vectors)", 50, check=integer(8, 10000))
    lanczos_max_matvecs: int = option("limit on H v products per sector in the eigenstate search", 20000,
                                      check=integer(1))
    gf_tol: float = option("Green's-function Lanczos stops when G at the probe frequencies changes by less than this "
                           "(relative)", 1e-12, check=open_unit())
    gf_max_iter: int = option("limit on Lanczos steps per Green's-function continued fraction", 2000, check=integer(1))
    gf_probe_frequency: float | None = option(
        "lowest imaginary frequency w at which Lanczos G(i w) must be converged; None: pi/beta, or 0.01 at T = 0", None,
        check=optional(positive()))
    gf_real_eta: float = option(
        "if > 0, G(w + i eta) across the spectrum must converge too, so that real-frequency spectra from Lanczos "
        "sectors are exact for broadenings >= eta (costly: several times the default work); 0: Matsubara-axis test only",
        0.0, check=nonnegative())
    gf_real_tol: float = option("relative tolerance of that real-axis test", 1e-8, check=open_unit())
    pole_weight_cutoff: float = option("poles whose residue trace is below this are dropped", 1e-15,
                                       check=nonnegative())
    pole_merge_tol: float = option("poles closer than this (relative to max(1, |E|)) are merged", 1e-12,
                                   check=nonnegative())
    pole_compress_weight: float = option(
        "compression of the result (PoleGf.compress): the poles of smallest residue norm are dropped as long as "
        "their summed norm stays below this fraction of the total (G(tau) changes by at most that much, G(iw_n) by "
        "that over pi T; bounds in EDResult.compression)",
        1e-14, check=nonnegative())
    pole_compress_tol: float = option(
        "compression of the result: poles closer than this energy are merged into one at their weighted mean "
        "(second-order change for one-orbital blocks; bounds in EDResult.compression)",
        1e-12, check=nonnegative())
    max_memory_gb: float = option("refuse (ResourceLimitError) a calculation whose estimated memory exceeds this", 4.0,
                                  check=positive())
    n_states_max: int = option(
        "largest number of kept eigenstates of Lanczos sectors (held as vectors; states of dense sectors are free)",
        1000, check=integer(1))
    seed: int = option("seed of the random Lanczos start vectors (results do not depend on it beyond round-off)", 0,
                       check=integer(0, 2**63 - 1))

    def _core(self, beta: float) -> dict:
        """The option dict of the C++ core (the compression is applied in Python, to the result)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("pole_compress_")}
        out["max_memory_bytes"] = out.pop("max_memory_gb") * 1e9
        out["gf_probe_frequency"] = out["gf_probe_frequency"] or 0.0
        out["beta"] = beta
        return out
