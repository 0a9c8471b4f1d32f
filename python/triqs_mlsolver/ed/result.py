"""The result of an exact diagonalization: Green's functions as poles, thermodynamics, sectors."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import NotConvergedWarning
from ..poles import CompressionBound, PoleGf
from .options import EDOptions

__all__ = ["SectorInfo", "EDResult", "COMPRESS_ABOVE", "result_from_core"]

COMPRESS_ABOVE = 256
"""Results with at most this many poles per block are not compressed (nothing to gain: the
bookkeeping would cost more than the evaluations it saves)."""


@dataclass(frozen=True)
class SectorInfo:
    """A visited sector: particle numbers of the conserved groups, dimension, how it was treated
    (``"dense"``: all eigenpairs; ``"dense_window"``: the dense matrix, only its eigenpairs in the
    window; ``"lanczos"``; ``"screened"``: a Lanczos estimate put it above the window; ``"mirror"``:
    the image of a computed sector under the symmetry), the lower bound used to order the search,
    its lowest energy found, the states kept, and the seconds spent on its eigenstates."""

    counts: tuple
    dim: int
    method: str
    bound: float
    e_min: float
    n_kept: int
    seconds: float = 0.0


@dataclass(frozen=True, eq=False)
class EDResult:
    """Result of :func:`~triqs_mlsolver.ed.diagonalize` (blocks in gf_struct order).

    Attributes
    ----------
    beta : inverse temperature (``inf``: T = 0).
    poles : dict block -> PoleGf, the impurity Green's function ``G(z) = sum_p R_p/(z - E_p)``.
    e0 : lowest eigenvalue of H.
    partition_function : ``Z = sum_n exp(-beta (E_n - e0))`` over the kept states (T = 0: the degeneracy).
    energy : thermal ``<H>``.
    free_energy : ``F = e0 - ln(Z)/beta`` (``e0`` at T = 0).
    density : dict block -> (n, n), ``rho_ij = <c+_j c_i>``.
    occupations : (n_imp,) ``<n_a>`` of the impurity spin-orbitals (flat gf_struct order).
    double_occupancy : (n_imp, n_imp) ``<n_a n_b>``; the diagonal is ``<n_a>`` (``n_a^2 = n_a``),
        ``double_occupancy[0, 1]`` is ``<n_up n_dn>`` of a single orbital.
    n_states_kept : number of eigenstates in the thermal sums.
    sectors : tuple of SectorInfo, the visited sectors in search order.
    groups : the conserved orbital groups used.
    timings : seconds per stage (setup, spectrum, green, observables, total, python).
    warnings : messages of procedures that hit a limit (also issued as NotConvergedWarning).
    memory_estimate_gb : the estimate checked against ``max_memory_gb``.
    symmetry_used : whether a block-exchange symmetry (e.g. spin up <-> down) halved the work.
    compression : dict block -> CompressionBound, what the compression of the poles
        (``pole_compress_weight``, ``pole_compress_tol``; blocks of more than 256 poles) changed, with
        rigorous bounds on the change of ``G(iw)``, ``G(tau)``, ``G_l``, ``A(w)`` and the density.
    """

    beta: float
    poles: dict
    e0: float
    partition_function: float
    energy: float
    free_energy: float
    density: dict
    occupations: np.ndarray
    double_occupancy: np.ndarray
    n_states_kept: int
    sectors: tuple
    groups: tuple
    timings: dict
    warnings: tuple = ()
    memory_estimate_gb: float = 0.0
    matvecs: int = 0
    symmetry_used: bool = False
    options: EDOptions = EDOptions()
    compression: dict = field(default_factory=dict)


def result_from_core(raw: dict, beta: float, names, groups, observed_count: int, options: EDOptions,
                     t_python: float) -> EDResult:
    """The EDResult of the core's output dict (poles wrapped in PoleGf and compressed, warnings issued)."""
    poles, density, compression = {}, {}, {}
    for name, (energies, residues, rho) in zip(names, raw["blocks"]):
        poles[name], compression[name] = PoleGf(energies, residues), CompressionBound()
        if poles[name].n_poles > COMPRESS_ABOVE:
            poles[name], compression[name] = poles[name].compress(options.pole_compress_tol, options.pole_compress_weight)
        rho.setflags(write=False)
        density[name] = rho
    nn = np.asarray(raw["nn"]).reshape(observed_count, observed_count)
    nn.setflags(write=False)
    occupations = np.diag(nn).copy()
    occupations.setflags(write=False)
    messages = tuple(raw["warnings"])
    for message in messages:
        warnings.warn(message, NotConvergedWarning, stacklevel=3)
    timings = dict(raw["timings"])
    timings["python"] = t_python
    sectors = tuple(SectorInfo(tuple(c), int(d), m, float(b), float(e), int(k), float(t))
                    for c, d, m, b, e, k, t in raw["sectors"])
    return EDResult(
        beta=beta,
        poles=poles,
        e0=raw["e0"],
        partition_function=raw["partition_function"],
        energy=raw["energy"],
        free_energy=raw["free_energy"],
        density=density,
        occupations=occupations,
        double_occupancy=nn,
        n_states_kept=int(raw["n_states_kept"]),
        sectors=sectors,
        groups=tuple(tuple(g) for g in groups),
        timings=timings,
        warnings=messages,
        memory_estimate_gb=raw["memory_estimate"] / 1e9,
        matvecs=int(raw["matvecs"]),
        symmetry_used=bool(raw["symmetry_used"]),
        options=options,
        compression=compression,
    )
