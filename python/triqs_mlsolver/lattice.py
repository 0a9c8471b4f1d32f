"""The Bethe lattice (semicircular density of states): starting G, Weiss update, block structure.

For the semicircular density of states of half bandwidth ``D``,
``rho(e) = 2 sqrt(D^2 - e^2) / (pi D^2)`` (the Bethe lattice with infinite coordination and
hopping ``t = D/2``), the DMFT self-consistency closes on the local Green's function alone:
the hybridization is ``Delta(iw) = t^2 G(iw)``, so the Weiss field of the next iteration is

    G0^-1(iw_n) = iw_n + mu - t^2 G(iw_n).

The two starts are centred at the Hartree level of half filling, ``z = iw + mu - U/2``:

    metal:      G(z) = 2 / (z + sqrt(z - D) sqrt(z + D))       (the free semicircle, G ~ 1/z),
    insulator:  G(z) = 1/2 [1/(z + U/2) + 1/(z - U/2)]          (the Hubbard atom).

Plain numpy arrays in and out, with the frequencies given explicitly; used by the DMFT loop
(``dmft/``) and by the Bethe-loop family of the datasets (``data/``).
"""

from __future__ import annotations

import numpy as np

from ._validation import one_of

__all__ = ["GF_STRUCT", "START_KINDS", "hopping", "semicircular_gf", "starting_gf", "hybridization", "weiss_field"]

GF_STRUCT = (("up", 1), ("down", 1))
"""Block structure of the single-band problem (one orbital per spin)."""

START_KINDS = ("metal", "insulator")
"""Names of the built-in starting Green's functions."""


def hopping(D: float) -> float:
    """Hopping ``t = D/2`` of the Bethe lattice whose semicircle has half bandwidth ``D``."""
    return 0.5 * D


def semicircular_gf(z: np.ndarray, D: float) -> np.ndarray:
    """``G(z) = 2 / (z + sqrt(z - D) sqrt(z + D))`` of the semicircle of half bandwidth ``D``
    (the branch with ``G ~ 1/z``; no cancellation at large ``|z|``)."""
    z = np.asarray(z, dtype=complex)
    return 2.0 / (z + np.sqrt(z - D) * np.sqrt(z + D))


def starting_gf(start: str, iw: np.ndarray, mu: float, U: float, D: float) -> np.ndarray:
    """``G(iw_n)`` of a built-in start, ``"metal"`` or ``"insulator"`` (see the module), at ``iw``."""
    one_of("start", start, START_KINDS)
    z = np.asarray(iw, dtype=complex) + mu - 0.5 * U
    if start == "insulator":
        return 0.5 / (z + 0.5 * U) + 0.5 / (z - 0.5 * U)
    return semicircular_gf(z, D)


def hybridization(g: np.ndarray, D: float) -> np.ndarray:
    """The self-consistent hybridization ``Delta(iw) = t^2 G(iw)``, ``t = D/2``."""
    return hopping(D) ** 2 * np.asarray(g)


def weiss_field(g: np.ndarray, iw: np.ndarray, mu: float, D: float) -> np.ndarray:
    """The Weiss field of the next iteration, ``G0(iw) = (iw + mu - t^2 G(iw))^-1``."""
    return 1.0 / (iw + mu - hybridization(g, D))
