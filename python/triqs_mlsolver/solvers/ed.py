"""Exact diagonalization of an impurity model (the C++ core ``triqs_mlsolver._ed``).

The Fock space of the full Hamiltonian (impurity + discrete bath, up to ~24 spin-orbitals)
splits into sectors of conserved particle numbers ``N_g`` of orbital groups, detected from
the Hamiltonian itself (:func:`conserved_groups`).  Small sectors are diagonalized densely;
large ones by Lanczos, keeping every state whose Boltzmann weight relative to the ground
state exceeds ``boltzmann_cutoff`` (at ``beta = inf`` the, possibly degenerate, ground
states with equal weights).  The impurity Green's function of each block comes out as exact
poles and residues,

    G_ij(z) = sum_n w_n [ <n|c_i (z - H + E_n)^-1 c+_j|n> + <n|c+_j (z + H - E_n)^-1 c_i|n> ]
            = sum_p R_p,ij / (z - E_p),

(Lehmann sums for dense target sectors, Lanczos continued fractions otherwise), returned as
:class:`~triqs_mlsolver.poles.PoleGf`, so ``G(iw)``, ``G(tau)``, ``G_l`` and ``G(w + i eta)``
follow without any Fourier transform.  See ``doc/ed.md`` for the algorithm and the benchmark.

This is the only module that imports the extension.  The C++ core takes LAPACK and BLAS from
scipy at run time (function pointers of ``scipy.linalg.cython_lapack``/``cython_blas``), so it
has no link-time dependency; it releases the GIL while it works.
"""

from __future__ import annotations

import ctypes
import math
import numbers
import time
import warnings
from dataclasses import dataclass, field, fields

import numpy as np

from .. import _ed
from .._validation import int_in_range, positive_float
from ..aim import AIM
from ..bath import BathFitOptions, fit_bath
from ..errors import InvalidParameterError, MLSolverWarning, NotConvergedWarning, invalid_parameter
from ..operators import Terms
from ..poles import CompressionBound, PoleGf
from ._conserved import conserved_groups
from .base import SolverResult, register
from .dyson import densities, g_from_dyson, g_moments, imaginary_time_outputs, invert, weiss_levels
from .dyson import hybridization as dyson_hybridization

__all__ = [
    "EDOptions",
    "EDResult",
    "SectorInfo",
    "diagonalize",
    "diagonalize_terms",
    "conserved_groups",
    "EDSolver",
    "EDSolverOptions",
]


# -- LAPACK / BLAS from scipy ----------------------------------------------------------------

# name -> (module, number of arguments, number of 32-bit integer pointer arguments)
_LAPACK_SIGNATURES = {
    "dsyevd": ("cython_lapack", 11, 6),
    "zheevd": ("cython_lapack", 13, 7),
    "dgemm": ("cython_blas", 13, 6),
    "zgemm": ("cython_blas", 13, 6),
    "dsyevr": ("cython_lapack", 21, 11),
    "zheevr": ("cython_lapack", 23, 12),
}


def _lapack_addresses() -> dict[str, int]:
    """Addresses of dsyevd, zheevd, dsyevr, zheevr, dgemm, zgemm exported by scipy (as PyCapsules), checked
    against the expected C signatures (32-bit integers); raises ImportError otherwise."""
    from scipy.linalg import cython_blas, cython_lapack  # noqa: PLC0415 (heavy, only here)

    modules = {"cython_lapack": cython_lapack, "cython_blas": cython_blas}
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    out = {}
    for name, (module, n_args, n_int) in _LAPACK_SIGNATURES.items():
        capsule = modules[module].__pyx_capi__[name]
        signature = get_name(capsule)
        text = signature.decode()
        args = [a.strip() for a in text[text.index("(") + 1 : text.rindex(")")].split(",")]
        if len(args) != n_args or sum(a == "int *" for a in args) != n_int:
            raise ImportError(f"scipy's {name} has the unexpected signature {text!r}")
        out[name] = int(get_pointer(capsule, signature))
    return out


def _register_lapack() -> bool:
    try:
        _ed.set_lapack(**_lapack_addresses())
        return True
    except (ImportError, AttributeError, KeyError, ValueError) as exc:  # pragma: no cover - depends on scipy build
        warnings.warn(
            f"LAPACK from scipy is not usable ({exc}); the ED core falls back to its built-in (slower) "
            "eigensolver. Results are unchanged.",
            MLSolverWarning,
            stacklevel=2,
        )
        return False


LAPACK_REGISTERED = _register_lapack()


# -- options and results ---------------------------------------------------------------------


def _doc(text: str, default):
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class EDOptions:
    """Options of the exact diagonalization (every field validated at construction)."""

    boltzmann_cutoff: float = _doc(
        "keep every eigenstate with exp(-beta (E - E0)) above this (finite temperature); 0 < x < 1", 1e-10
    )
    degeneracy_tol: float = _doc("T = 0: states within this energy of E0 count as degenerate ground states", 1e-9)
    dense_max_dim: int = _doc("sectors up to this dimension are diagonalized completely (LAPACK), larger ones by Lanczos", 512)
    dense_window_max_dim: int = _doc(
        "larger sectors up to this dimension may be diagonalized densely for only their eigenpairs in the Boltzmann "
        "window (LAPACK dsyevr/zheevr) when that is estimated cheaper than Lanczos (many states in the window) and its "
        "two n x n arrays fit in a quarter of max_memory_gb; 0: never",
        5000,
    )
    lanczos_tol: float = _doc("eigenvector residual |H v - E v| relative to the spectral radius at convergence", 1e-12)
    lanczos_krylov_dim: int = _doc("smallest Krylov-Schur basis before a thick restart (memory: this many sector vectors)", 50)
    lanczos_max_matvecs: int = _doc("limit on H v products per sector in the eigenstate search", 20000)
    gf_tol: float = _doc("Green's-function Lanczos stops when G at the probe frequencies changes by less than this (relative)", 1e-12)
    gf_max_iter: int = _doc("limit on Lanczos steps per Green's-function continued fraction", 2000)
    gf_probe_frequency: float | None = _doc(
        "lowest imaginary frequency w at which Lanczos G(i w) must be converged; None: pi/beta, or 0.01 at T = 0", None
    )
    gf_real_eta: float = _doc(
        "if > 0, G(w + i eta) across the spectrum must converge too, so that real-frequency spectra from Lanczos "
        "sectors are exact for broadenings >= eta (costly: several times the default work); 0: Matsubara-axis test only",
        0.0,
    )
    gf_real_tol: float = _doc("relative tolerance of that real-axis test", 1e-8)
    pole_weight_cutoff: float = _doc("poles whose residue trace is below this are dropped", 1e-15)
    pole_merge_tol: float = _doc("poles closer than this (relative to max(1, |E|)) are merged", 1e-12)
    pole_compress_weight: float = _doc(
        "compression of the result (PoleGf.compress): the poles of smallest residue norm are dropped as long as "
        "their summed norm stays below this fraction of the total (G(tau) changes by at most that much, G(iw_n) by "
        "that over pi T; bounds in EDResult.compression)",
        1e-14,
    )
    pole_compress_tol: float = _doc(
        "compression of the result: poles closer than this energy are merged into one at their weighted mean "
        "(second-order change for one-orbital blocks; bounds in EDResult.compression)",
        1e-12,
    )
    max_memory_gb: float = _doc("refuse (ResourceLimitError) a calculation whose estimated memory exceeds this", 4.0)
    n_states_max: int = _doc(
        "largest number of kept eigenstates of Lanczos sectors (held as vectors; states of dense sectors are free)", 1000
    )
    seed: int = _doc("seed of the random Lanczos start vectors (results do not depend on it beyond round-off)", 0)

    def __post_init__(self) -> None:
        def open_unit(name):
            x = positive_float(name, getattr(self, name))
            if not x < 1.0:
                raise invalid_parameter(name, x, f"0 < {name} < 1")
            return x

        def nonneg(name):
            x = getattr(self, name)
            if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0.0 <= float(x) < math.inf:
                raise invalid_parameter(name, x, f"0 <= {name} < inf")
            return float(x)

        clean = {
            "boltzmann_cutoff": open_unit("boltzmann_cutoff"),
            "degeneracy_tol": positive_float("degeneracy_tol", self.degeneracy_tol),
            "dense_max_dim": int_in_range("dense_max_dim", self.dense_max_dim, 0, 20000),
            "dense_window_max_dim": int_in_range("dense_window_max_dim", self.dense_window_max_dim, 0, 20000),
            "lanczos_tol": open_unit("lanczos_tol"),
            "lanczos_krylov_dim": int_in_range("lanczos_krylov_dim", self.lanczos_krylov_dim, 8, 10000),
            "lanczos_max_matvecs": int_in_range("lanczos_max_matvecs", self.lanczos_max_matvecs, 1),
            "gf_tol": open_unit("gf_tol"),
            "gf_max_iter": int_in_range("gf_max_iter", self.gf_max_iter, 1),
            "gf_probe_frequency": None
            if self.gf_probe_frequency is None
            else positive_float("gf_probe_frequency", self.gf_probe_frequency),
            "gf_real_eta": nonneg("gf_real_eta"),
            "gf_real_tol": open_unit("gf_real_tol"),
            "pole_weight_cutoff": nonneg("pole_weight_cutoff"),
            "pole_merge_tol": nonneg("pole_merge_tol"),
            "pole_compress_weight": nonneg("pole_compress_weight"),
            "pole_compress_tol": nonneg("pole_compress_tol"),
            "max_memory_gb": positive_float("max_memory_gb", self.max_memory_gb),
            "n_states_max": int_in_range("n_states_max", self.n_states_max, 1),
            "seed": int_in_range("seed", self.seed, 0, 2**63 - 1),
        }
        for name, value in clean.items():
            object.__setattr__(self, name, value)

    def _core(self, beta: float) -> dict:
        """The option dict of the C++ core (the compression is applied in Python, to the result)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("pole_compress_")}
        out["max_memory_bytes"] = out.pop("max_memory_gb") * 1e9
        out["gf_probe_frequency"] = out["gf_probe_frequency"] or 0.0
        out["beta"] = beta
        return out


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
    """Result of :func:`diagonalize` (blocks in gf_struct order).

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


# -- entry points ----------------------------------------------------------------------------

_COMPRESS_ABOVE = 256
"""Results with at most this many poles per block are not compressed (nothing to gain: the
bookkeeping would cost more than the evaluations it saves)."""


def _beta(beta) -> float:
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool) and float(beta) == math.inf:
        return math.inf
    return positive_float("beta", beta)


def _result(raw: dict, beta: float, names, groups, observed_count: int, options: EDOptions, t_python: float) -> EDResult:
    """The EDResult of the core's output dict (poles wrapped in PoleGf, warnings issued)."""
    poles, density, compression = {}, {}, {}
    for name, (energies, residues, rho) in zip(names, raw["blocks"]):
        poles[name], compression[name] = PoleGf(energies, residues), CompressionBound()
        if poles[name].n_poles > _COMPRESS_ABOVE:
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
    raw = _ed.solve(
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
    result = _result(raw, beta, names, groups, len(observed), options, t_python)
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

    Hubbard-I uses this on the atomic problem (local levels + interaction, no bath).
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


# -- the registered solver (method="ed") -------------------------------------------------------


@dataclass(frozen=True)
class EDSolverOptions:
    """Options of ``method="ed"`` (the impurity problem's discrete bath, or a fitted one, solved exactly)."""

    n_bath: int = _doc("bath levels per block fitted to Delta(iw) (unused when the problem carries its own bath)", 4)
    symmetric_bath: bool = _doc("fit a particle-hole symmetric bath (levels in +-eps pairs)", False)
    n_restarts: int = _doc("random restarts of the bath fit", 5)
    seed: int = _doc("seed of the bath fit and of the Lanczos start vectors", 0)
    boltzmann_cutoff: float = _doc("keep every eigenstate with exp(-beta (E - E0)) above this", 1e-10)
    max_memory_gb: float = _doc("refuse (ResourceLimitError) a calculation whose estimated memory exceeds this", 4.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_bath", int_in_range("n_bath", self.n_bath, 0, 11))
        if not isinstance(self.symmetric_bath, (bool, np.bool_)):
            raise invalid_parameter("symmetric_bath", self.symmetric_bath, "True or False")
        object.__setattr__(self, "n_restarts", int_in_range("n_restarts", self.n_restarts, 1))
        object.__setattr__(self, "seed", int_in_range("seed", self.seed, 0, 2**63 - 1))
        self.ed_options()  # validates boltzmann_cutoff and max_memory_gb

    def ed_options(self) -> EDOptions:
        return EDOptions(boltzmann_cutoff=self.boltzmann_cutoff, max_memory_gb=self.max_memory_gb, seed=self.seed)


@register
class EDSolver:
    """Exact diagonalization of the impurity with a discrete bath.

    With an explicit bath (``problem.aim``) its ED Green's function is returned exactly
    (``G(tau)``, ``G_l``, the density from the poles).  Otherwise ``n_bath`` levels per block
    are fitted to ``Delta(iw) = iw - eps - G0^-1(iw)`` (:func:`~triqs_mlsolver.bath.fit_bath`),
    the fitted model is diagonalized, and its self-energy
    ``Sigma = G0_fit^-1 - G_ED^-1`` gives the impurity ``G = (G0^-1 - Sigma)^-1`` of the
    actual ``G0`` (as cthyb returns it); ``G(tau)``, ``G_l`` and the density use the exact
    moments of ``G``.  Real-frequency outputs are those of the fitted model.
    """

    name = "ed"
    Options = EDSolverOptions

    def solve(self, problem, options: EDSolverOptions):
        start = time.perf_counter()
        beta, iw = problem.beta, problem.iw()
        names = [name for name, _ in problem.gf_struct]
        levels, delta1 = weiss_levels(problem.g0_iw, iw)
        info = {}
        if problem.aim is not None:
            aim = problem.aim
        else:
            delta = dyson_hybridization(problem.g0_iw, iw, levels)
            fit_options = BathFitOptions(symmetric=bool(options.symmetric_bath), n_restarts=options.n_restarts,
                                         seed=options.seed)
            fit = fit_bath(delta, beta, options.n_bath, options=fit_options)
            aim = AIM(gf_struct=problem.gf_struct, h_loc=levels, h_int=problem.h_int, bath=fit.bath)
            info.update({"bath_distance": fit.distance,
                         "bath_eps": {n: aim.bath[n].eps for n in names},
                         "bath_V": {n: aim.bath[n].V for n in names}})
        ed = diagonalize(aim, beta, options.ed_options())
        g_ed = {name: ed.poles[name].at(iw) for name in names}
        g0_fit_inv, g_ed_inv = invert(aim.g0(iw)), invert(g_ed)
        sigma = {name: g0_fit_inv[name] - g_ed_inv[name] for name in names}
        if problem.aim is not None:
            g_iw = g_ed
            g_tau = {name: ed.poles[name].tau(beta, problem.n_tau) for name in names}
            g_l = {name: ed.poles[name].legendre(beta, problem.n_l) for name in names}
            density = dict(ed.density)
        else:
            g_iw = g_from_dyson(problem.g0_iw, sigma)
            sigma0, sigma1 = {}, {}
            for name in names:
                m = ed.poles[name].moments(3)
                v = aim.bath[name].V
                sigma0[name] = m[2] - levels[name]
                sigma1[name] = m[3] - m[2] @ m[2] - v @ v.conj().T
            moments = g_moments(levels, delta1, sigma0, sigma1)
            g_tau, g_l = imaginary_time_outputs(g_iw, beta, problem.n_tau, problem.n_l, moments)
            density = densities(g_iw, beta, moments)
        g_w = sigma_w = g0_w = None
        if problem.refreq is not None:
            w = problem.refreq.values()
            z = w + 1j * problem.refreq.eta
            g_w = {name: ed.poles[name].refreq(w, problem.refreq.eta) for name in names}
            g0_w = aim.g0(z)
            sigma_w = {name: np.linalg.inv(g0_w[name]) - np.linalg.inv(g_w[name]) for name in names}
        info.update({
            "energy": ed.energy,
            "free_energy": ed.free_energy,
            "e0": ed.e0,
            "double_occupancy": ed.double_occupancy,
            "n_states_kept": ed.n_states_kept,
            "n_bath": {name: aim.bath[name].n_bath for name in names},
            "time_ed": ed.timings["total"],
            "time_solve": time.perf_counter() - start,
        })
        return SolverResult(g_iw=g_iw, sigma_iw=sigma, g_tau=g_tau, g_l=g_l, density=density, g_w=g_w,
                            sigma_w=sigma_w, g0_w=g0_w, info=info)
