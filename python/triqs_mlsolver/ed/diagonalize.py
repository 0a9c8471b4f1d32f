"""Exact diagonalization of an impurity model, or of any fermionic Hamiltonian given as terms.

The Fock space of the full Hamiltonian (impurity + discrete bath, up to ~24 spin-orbitals)
splits into sectors of conserved particle numbers ``N_g`` of orbital groups, detected from
the Hamiltonian itself (:func:`~triqs_mlsolver.ed.conserved_groups`).  Small sectors are
diagonalized densely; large ones by Lanczos, keeping every state whose Boltzmann weight
relative to the ground state exceeds ``boltzmann_cutoff`` (at ``beta = inf`` the, possibly
degenerate, ground states with equal weights).  The impurity Green's function of each block
comes out as exact poles and residues,

    G_ij(z) = sum_n w_n [ <n|c_i (z - H + E_n)^-1 c+_j|n> + <n|c+_j (z + H - E_n)^-1 c_i|n> ]
            = sum_p R_p,ij / (z - E_p),

(Lehmann sums for dense target sectors, Lanczos continued fractions otherwise), returned as
:class:`~triqs_mlsolver.poles.PoleGf`, so ``G(iw)``, ``G(tau)``, ``G_l`` and ``G(w + i eta)``
follow without any Fourier transform.  See ``doc/ed.md`` for the algorithm and the benchmark.
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np

from .._validation import int_in_range, positive_float
from ..aim import AIM
from ..errors import InvalidParameterError, invalid_parameter
from ..operators import Terms
from ._core import core_solve
from .conserved import conserved_groups
from .options import EDOptions
from .result import EDResult, result_from_core

__all__ = ["diagonalize", "diagonalize_terms"]


def _beta(beta) -> float:
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool) and float(beta) == math.inf:
        return math.inf
    return positive_float("beta", beta)


def _run(n_orbitals, constant, one_body, coefs, daggers, orbitals, blocks, observed, candidates, groups, beta, options,
         symmetry=None):
    """Validate, detect the conserved groups, call the core (GIL released there), wrap the result."""
    t0 = time.perf_counter()
    observed = [int(o) for o in observed]
    if not isinstance(options, EDOptions):
        raise invalid_parameter("options", type(options).__name__, "an EDOptions instance")
    beta = _beta(beta)
    if groups is None:
        groups, conserving = conserved_groups(n_orbitals, one_body, (daggers, orbitals), candidates)
    else:
        groups, conserving = [sorted(int(o) for o in g) for g in groups], True
    names = list(blocks)
    block_orbitals = [[int(o) for o in blocks[name]] for name in names]
    one = np.zeros((0, 0), dtype=complex) if one_body is None else np.ascontiguousarray(one_body, dtype=complex)
    t_python = time.perf_counter() - t0
    raw = core_solve(
        int(n_orbitals),
        complex(constant),
        one,
        np.ascontiguousarray(coefs, dtype=np.complex128),
        np.ascontiguousarray(daggers, dtype=np.int8),
        np.ascontiguousarray(orbitals, dtype=np.int32),
        groups,
        conserving,
        block_orbitals,
        observed,
        [] if symmetry is None else [int(o) for o in symmetry],
        options._core(beta),
    )
    t1 = time.perf_counter()
    result = result_from_core(raw, beta, names, groups, len(observed), options, t_python)
    result.timings["python"] += time.perf_counter() - t1
    return result


def diagonalize(aim: AIM, beta: float, options: EDOptions = EDOptions()) -> EDResult:
    """Exact diagonalization of an Anderson impurity model with a discrete bath.

    ``beta = numpy.inf`` means T = 0: the ground states only, degenerate ground states
    averaged with equal weights.  Returns the impurity Green's function of each gf_struct
    block as poles, the thermodynamics and the impurity occupations.
    """
    if not isinstance(aim, AIM):
        raise invalid_parameter("aim", type(aim).__name__, "an AIM (see triqs_mlsolver.aim)")
    n = aim.n_orbitals
    coefs, daggers, orbitals = aim.h_int.to_arrays(max_ops=max(4, _longest(aim.h_int)))
    return _run(
        n,
        0.0,
        aim.quadratic_matrix(),
        coefs,
        daggers,
        orbitals,
        aim.impurity_orbitals(),
        range(aim.n_impurity),
        aim.orbital_groups(),
        None,
        beta,
        options,
        _block_exchange(aim),
    )


def _block_exchange(aim: AIM) -> list[int] | None:
    """The orbital permutation exchanging two blocks with identical levels and bath (spin up and
    down of a paramagnet), or None.  Only a candidate: the core uses it after checking that the
    whole Hamiltonian (interaction included) is invariant."""
    names = [name for name, _ in aim.gf_struct]
    imp, bath = aim.impurity_orbitals(), aim.bath_orbitals()

    def same(a, b):
        ba, bb = aim.bath[a], aim.bath[b]
        return (
            len(imp[a]) == len(imp[b])
            and ba.n_bath == bb.n_bath
            and np.array_equal(aim.h_loc[a], aim.h_loc[b])
            and np.array_equal(ba.eps, bb.eps)
            and np.array_equal(ba.V, bb.V)
        )

    classes: list[list[str]] = []
    for name in names:
        for c in classes:
            if same(c[0], name):
                c.append(name)
                break
        else:
            classes.append([name])
    perm = list(range(aim.n_orbitals))
    pairs = [c for c in classes if len(c) == 2]
    if not pairs:
        return None
    for a, b in pairs:
        for x, y in zip(imp[a] + bath[a], imp[b] + bath[b]):
            perm[x], perm[y] = y, x
    return perm


def _longest(terms: Terms) -> int:
    return max((len(m) for m in terms.monomials), default=0)


def diagonalize_terms(
    hamiltonian,
    beta: float,
    blocks: dict,
    *,
    n_orbitals: int | None = None,
    groups=None,
    candidate_groups=None,
    observed=None,
    symmetry=None,
    options: EDOptions = EDOptions(),
) -> EDResult:
    """Exact diagonalization of any fermionic Hamiltonian given as a term list.

    Parameters
    ----------
    hamiltonian : Terms, or a tuple ``(coefs, daggers, orbitals)`` as from :meth:`Terms.to_arrays`
        (operators of a row in product order, padded with orbital -1; then ``n_orbitals`` is required).
    beta : inverse temperature, ``numpy.inf`` for T = 0.
    blocks : dict name -> list of orbitals: the Green's-function blocks (e.g. the impurity orbitals).
    groups : conserved groups to use (verified by the core), or None to detect them.
    candidate_groups : candidates for the detection (e.g. the blocks with their baths).
    observed : orbitals of ``occupations``/``double_occupancy`` (default: those of the blocks, in order).
    symmetry : optional orbital permutation (its own inverse) leaving H invariant, e.g. exchanging
        spin up and down; used when it maps groups, blocks and observed orbitals onto themselves.
    """
    if isinstance(hamiltonian, Terms):
        n = hamiltonian.n_orbitals
        coefs, daggers, orbitals = hamiltonian.to_arrays(max_ops=max(1, _longest(hamiltonian)))
    else:
        try:
            coefs, daggers, orbitals = (np.asarray(x) for x in hamiltonian)
        except (TypeError, ValueError):
            raise invalid_parameter(
                "hamiltonian", type(hamiltonian).__name__, "Terms or a tuple (coefs, daggers, orbitals)"
            ) from None
        if n_orbitals is None:
            raise InvalidParameterError("n_orbitals is required when the Hamiltonian is given as arrays.")
        n = int_in_range("n_orbitals", n_orbitals, 0)
        if coefs.ndim != 1 or daggers.ndim != 2 or orbitals.shape != daggers.shape or daggers.shape[0] != coefs.shape[0]:
            raise invalid_parameter(
                "hamiltonian", f"arrays of shapes {coefs.shape}, {daggers.shape}, {orbitals.shape}", "(T,), (T, k), (T, k)"
            )
    if n_orbitals is not None and int(n_orbitals) != n:
        raise invalid_parameter("n_orbitals", n_orbitals, f"the number of orbitals of the Terms ({n})")
    if not isinstance(blocks, dict) or not blocks:
        raise invalid_parameter("blocks", blocks, "a non-empty dict name -> list of orbitals")
    if observed is None:
        observed = [o for name in blocks for o in blocks[name]]
    if groups is not None and candidate_groups is not None:
        raise InvalidParameterError("give either groups or candidate_groups, not both.")
    return _run(n, 0.0, None, coefs, daggers, orbitals, blocks, observed, candidate_groups, groups, beta, options, symmetry)
