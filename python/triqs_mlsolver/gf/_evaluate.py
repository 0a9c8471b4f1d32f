"""Point evaluation ``g(x)`` of a Gf, with TRIQS's rules per mesh.

* MeshImFreq: ``g(n)`` at the Matsubara index n; 0 outside the mesh.  On a positive-only
  mesh, negative indices use ``G(-i w) = G(i w)^dagger``.
* MeshImTime: ``g(tau)`` linearly interpolated, ``0 <= tau <= beta``.
* MeshReFreq: ``g(w)`` linearly interpolated, ``w_min <= w <= w_max``.
* Any mesh: ``g(mesh_point)`` is the value at that point.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import invalid_parameter
from ..meshes import MeshImFreq, MeshImTime, MeshPoint, MeshReFreq

__all__ = ["evaluate"]


def _value(g, d: int):
    v = g.data[d]
    return v.copy() if g.target_rank else v.item()


def _interpolate(g, x: float, lo: float, step: float):
    t = (x - lo) / step
    k = min(int(np.floor(t)), len(g.mesh) - 2)
    w = t - k
    v = (1.0 - w) * g.data[k] + w * g.data[k + 1]
    return v if g.target_rank else v.item()


def _imfreq(g, n):
    mesh = g.mesh
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise invalid_parameter("n", n, "an integer Matsubara index (or a mesh point)")
    n = int(n)
    if mesh.first_index() <= n <= mesh.last_index():
        return _value(g, mesh.to_data_index(n))
    if mesh.positive_only() and n < 0:
        mirror = -n - 1 if mesh.statistic == "Fermion" else -n
        if mirror <= mesh.last_index():
            v = np.conj(g.data[mesh.to_data_index(mirror)])
            return v.T.copy() if g.target_rank == 2 else (v.item() if g.target_rank == 0 else v)
    return np.zeros(g.target_shape, dtype=g.data.dtype) if g.target_rank else g.data.dtype.type(0)


def evaluate(g, x):
    """Value of ``g`` at ``x`` (a complex/float for a scalar-valued Gf, else a new target-shaped array)."""
    mesh = g.mesh
    if isinstance(x, MeshPoint):
        return _value(g, x.data_index)
    if isinstance(mesh, MeshImFreq):
        return _imfreq(g, x)
    if isinstance(mesh, MeshImTime):
        if not isinstance(x, numbers.Real) or not 0.0 <= x <= mesh.beta:
            raise invalid_parameter("tau", x, f"0 <= tau <= beta = {mesh.beta}")
        return _interpolate(g, float(x), 0.0, mesh.delta)
    if isinstance(mesh, MeshReFreq):
        if not isinstance(x, numbers.Real) or not mesh.w_min <= x <= mesh.w_max:
            raise invalid_parameter("w", x, f"{mesh.w_min} <= w <= {mesh.w_max}")
        return _interpolate(g, float(x), mesh.w_min, mesh.delta)
    raise invalid_parameter("x", x, f"a mesh point (a {type(mesh).__name__} Gf has no evaluation between points)")
