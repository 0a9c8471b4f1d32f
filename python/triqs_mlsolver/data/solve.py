"""The solvers run on one sample, and the arrays stored for it.

The reference is the exact diagonalization of the sample's own AIM (Nb_ref bath sites, finite
temperature).  Its Green's function comes as poles, so every stored representation is exact:

    G(iw_n), G(tau), G_l, A(w) = -Im G(w + i eta)/pi        from the poles,
    Sigma(iw_n) = G0(iw_n)^-1 - G(iw_n)^-1                    (G0 of the same discrete AIM),
    Z = 1 / (1 - Im Sigma(i w_0) / w_0)                        (first Matsubara frequency estimate).

The cheap solvers see the problem as a TRIQS solver would: ``G0(iw_n)`` of the AIM on
``n_iw_solve`` frequencies and ``h_int``; they fit their own baths where they need one (ED with
1, 2, 3 sites).  A solver that raises is recorded as failed (``ok = 0`` and the message); its
arrays are NaN.  Warnings are recorded too (``warning``), not printed.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from ..ed import EDResult, diagonalize, evaluate_outputs, particle_hole_mirror
from ..errors import SolverFailedError
from ..solvers.base import ImpurityProblem, get_solver
from ..transforms import matsubara_freqs
from .config import FAMILY_CODES, DatasetConfig
from .sampling import GF_STRUCT, Sample
from .schema import TEXT_BYTES

__all__ = ["matsubara", "text", "sample_arrays", "reference_arrays", "solver_arrays", "solve_reference",
           "mirror_reference"]

BLOCKS = [name for name, _ in GF_STRUCT]
SUM_RULE_TOL = 1e-6
"""Largest accepted |sum_p R_p - 1| of a reference Green's function (poles dropped by the ED cutoffs
weigh far less)."""


def matsubara(beta: float, n: int) -> np.ndarray:
    """``i w_n`` for ``n = 0 .. n-1`` (the positive half of :func:`~triqs_mlsolver.transforms.matsubara_freqs`)."""
    return matsubara_freqs(beta, n)[n:]


def text(message: str) -> bytes:
    """A message as at most :data:`TEXT_BYTES` UTF-8 bytes (cut at a character boundary)."""
    raw = message.encode("utf-8")[:TEXT_BYTES]
    return raw.decode("utf-8", errors="ignore").encode("utf-8")


def _messages(caught) -> bytes:
    seen = []
    for w in caught:
        line = f"{w.category.__name__}: {w.message}"
        if line not in seen:
            seen.append(line)
    return text(" | ".join(seen))


def _failure(exc: BaseException) -> bytes:
    return text(f"{type(exc).__name__}: {' '.join(str(exc).split())}")


def sample_arrays(sample: Sample, cfg: DatasetConfig) -> dict:
    """The stored description of the sample: parameters, AIM arrays and ``Delta(iw_n)``."""
    iw = matsubara(sample.beta, cfg.output.n_iw)
    delta = sample.aim().hybridization(iw)
    return {
        "samples/family": np.int8(FAMILY_CODES[sample.family]),
        "samples/params": sample.param_row(),
        "samples/h_loc": np.asarray(sample.h_loc, float),
        "samples/bath_eps": np.asarray(sample.bath_eps, float),
        "samples/bath_V": np.asarray(sample.bath_V, float),
        "samples/delta_iw": np.stack([delta[b][:, 0, 0] for b in BLOCKS]),
    }


def solve_reference(sample: Sample, cfg: DatasetConfig) -> EDResult:
    """The reference exact diagonalization of the sample's AIM (may raise).

    The result must satisfy the sum rule ``sum_p R_p = 1`` (``G(0+) + G(beta-) = -1``) of every
    block to :data:`SUM_RULE_TOL`; otherwise it is refused (SolverFailedError)."""
    ed = diagonalize(sample.aim(), sample.beta, cfg.reference.ed)
    for b in BLOCKS:
        weight = float(np.sum(ed.poles[b].residues[:, 0, 0].real))
        if not abs(weight - 1.0) <= SUM_RULE_TOL:
            raise SolverFailedError(f"the reference G of block {b!r} has total weight {weight!r}, not 1 "
                                    f"(sum rule violated beyond {SUM_RULE_TOL:g}).")
    return ed


def mirror_reference(ed: EDResult, sample: Sample) -> EDResult:
    """The reference of the particle-hole mirror of ``sample`` (``mirror = "pairs"``), from its own.

    The mirror has ``h' = -h - U``, ``eps_k' = -eps_k`` and the same ``V``: its spectrum is the
    sample's shifted by ``C = -sum_s h_s - U - sum_ks eps_ks``
    (:func:`~triqs_mlsolver.ed.particle_hole_mirror` gives the rest)."""
    shift = -float(np.sum(sample.h_loc)) - sample.U - float(np.sum(sample.bath_eps))
    return particle_hole_mirror(ed, shift)


def reference_arrays(sample: Sample, cfg: DatasetConfig, ed: EDResult | BaseException, elapsed: float,
                     caught=()) -> dict:
    """Stored reference outputs from an :class:`EDResult` (or the exception that replaced it)."""
    out = {"reference/time": np.float64(elapsed), "reference/warning": _messages(caught)}
    if isinstance(ed, BaseException):
        out.update({"reference/ok": np.int8(0), "reference/error": _failure(ed)})
        return out
    o, beta = cfg.output, sample.beta
    iw = matsubara(beta, o.n_iw)
    w = np.linspace(o.w_min, o.w_max, o.n_w)
    g0 = sample.aim().g0(iw)
    exact = evaluate_outputs(ed, iw=iw, n_tau=o.n_tau, n_l=o.n_l, w=w, eta=o.eta, blocks=BLOCKS)
    g = np.stack([exact.g_iw[b][:, 0, 0] for b in BLOCKS])
    sigma = np.stack([1.0 / g0[b][:, 0, 0] for b in BLOCKS]) - 1.0 / g
    out.update({
        "reference/ok": np.int8(1),
        "reference/error": b"",
        "reference/G_iw": g,
        "reference/Sigma_iw": sigma,
        "reference/G_tau": np.stack([exact.g_tau[b][:, 0, 0].real for b in BLOCKS]),
        "reference/G_l": np.stack([exact.g_l[b][:, 0, 0].real for b in BLOCKS]),
        "reference/density": np.array([exact.density[b][0, 0].real for b in BLOCKS]),
        "reference/A_w": np.stack([-exact.g_w[b][:, 0, 0].imag / math.pi for b in BLOCKS]),
        "reference/Z": 1.0 / (1.0 - sigma[:, 0].imag / iw[0].imag),
        "reference/double_occupancy": np.float64(ed.double_occupancy[0, 1]),
        "reference/energy": np.float64(ed.energy),
        "reference/free_energy": np.float64(ed.free_energy),
    })
    return out


def solver_arrays(sample: Sample, cfg: DatasetConfig) -> dict:
    """Every cheap solver of the configuration on the sample's ``G0``; failures are recorded."""
    o = cfg.output
    aim = sample.aim()
    g0 = aim.g0(matsubara_freqs(sample.beta, o.n_iw_solve))
    problem = ImpurityProblem(sample.beta, GF_STRUCT, g0, aim.h_int, n_tau=o.n_tau_solve, n_l=o.n_l)
    first, last = o.n_iw_solve, o.n_iw_solve + o.n_iw
    out = {}
    for spec in cfg.solvers:
        key = f"solvers/{spec.name}/"
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = get_solver(spec.method)().solve(problem, spec.options)
                arrays = {
                    "G_iw": np.stack([res.g_iw[b][first:last, 0, 0] for b in BLOCKS]),
                    "Sigma_iw": np.stack([res.sigma_iw[b][first:last, 0, 0] for b in BLOCKS]),
                    "G_tau": np.stack([res.g_tau[b][:: o.tau_stride, 0, 0].real for b in BLOCKS]),
                    "G_l": np.stack([res.g_l[b][:, 0, 0].real for b in BLOCKS]),
                    "density": np.array([res.density[b][0, 0].real for b in BLOCKS]),
                }
                if not all(np.all(np.isfinite(a)) for a in arrays.values()):
                    raise SolverFailedError(f"method {spec.method!r} returned NaN or inf")
                status = {"ok": np.int8(1), "error": b""}
            except Exception as exc:  # any failure of a cheap solver is data, not a reason to stop
                arrays = {}
                status = {"ok": np.int8(0), "error": _failure(exc)}
        out.update({key + k: v for k, v in arrays.items()})
        out.update({key + k: v for k, v in status.items()})
        out[key + "warning"] = _messages(caught)
        out[key + "time"] = np.float64(time.perf_counter() - start)
    return out
