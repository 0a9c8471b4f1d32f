"""Errors of predicted Green's functions against the reference, and the metrics table.

Per sample (largest over the two spins): ``max_tau |G(tau) - G_ref(tau)|`` on the stored tau grid,
``|Z - Z_ref|`` with ``Z = 1/(1 - Im Sigma(i w_0)/w_0)``, and ``|n - n_ref|``.  A cheap solver's
errors use its stored outputs; a prediction's come from its ``G_l`` exactly:
``G(tau) = sum_l sqrt(2l+1)/beta P_l(x) G_l``, ``G(i w_0) = sum_l T_0l G_l``,
``Sigma(i w_0) = G0(i w_0)^-1 - G(i w_0)^-1``, ``n = -G(beta-)``.
"""

from __future__ import annotations

import numpy as np

from .._legendre import matsubara_matrix
from .correction import tau_basis
from .samples import SampleSet

__all__ = ["solver_errors", "prediction_errors", "summarize", "format_table"]


def solver_errors(s: SampleSet, name: str) -> dict:
    """Errors of the stored outputs of cheap solver ``name``."""
    return {"G": np.abs(s.g_tau[name] - s.g_ref_tau).max(axis=(1, 2)),
            "Z": np.abs(s.z[name] - s.z_ref).max(axis=1),
            "n": np.abs(s.density[name] - s.n_ref).max(axis=1)}


def prediction_errors(s: SampleSet, g_l: np.ndarray) -> dict:
    """Errors of predicted ``G_l`` ``(N, 2, n_l)`` against the reference."""
    n_l = g_l.shape[-1]
    basis = tau_basis(n_l, s.g_ref_tau.shape[-1])
    g_tau = (g_l / s.beta[:, None, None]) @ basis.T
    g_iw0 = g_l @ matsubara_matrix(np.array([0]), n_l)[0]
    sigma = s.g0_inv_iw0 - 1.0 / g_iw0
    z = 1.0 / (1.0 - sigma.imag / (np.pi / s.beta[:, None]))
    return {"G": np.abs(g_tau - s.g_ref_tau).max(axis=(1, 2)), "Z": np.abs(z - s.z_ref).max(axis=1),
            "n": np.abs(-g_tau[:, :, -1] - s.n_ref).max(axis=1)}


def summarize(errors: dict) -> dict:
    """Median and 95th percentile of each error."""
    return {f"{key}_{stat}": float(np.percentile(v, q)) if v.size else float("nan")
            for key, v in errors.items() for stat, q in (("median", 50), ("p95", 95))}


def format_table(rows: dict, title: str = "") -> str:
    """A text table: one row per method, columns median/p95 of max_tau|dG|, |dZ|, |dn|."""
    head = f"{'method':<16} {'med max|dG|':>12} {'p95 max|dG|':>12} {'med |dZ|':>10} {'p95 |dZ|':>10} " \
           f"{'med |dn|':>10} {'p95 |dn|':>10}"
    lines = ([title] if title else []) + [head, "-" * len(head)]
    for name, m in rows.items():
        lines.append(f"{name:<16} {m['G_median']:12.3e} {m['G_p95']:12.3e} {m['Z_median']:10.2e} {m['Z_p95']:10.2e} "
                     f"{m['n_median']:10.2e} {m['n_p95']:10.2e}")
    return "\n".join(lines)
