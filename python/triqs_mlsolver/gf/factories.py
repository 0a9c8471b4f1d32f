"""Legacy factories ``GfImFreq``, ``GfImTime``, ``GfLegendre``, ``GfReFreq`` (TRIQS <= 2 style).

Each builds the mesh from ``beta``/``n_points``/``statistic`` (``window``/``n_points`` for real
frequencies) unless ``mesh`` is given, and returns a plain :class:`Gf`.  ``indices=[0]`` means a
(1, 1) target.  Defaults of ``n_points`` as in TRIQS: 1025 Matsubara frequencies, 10000 tau points,
30 Legendre coefficients, 10000 real frequencies.
"""

from __future__ import annotations

from ..errors import invalid_parameter
from ..meshes import MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq
from .gf import Gf

__all__ = ["GfImFreq", "GfImTime", "GfLegendre", "GfReFreq"]


def _imaginary_mesh(mesh_type, mesh, beta, statistic, n_points):
    """``mesh`` if given (checked), else ``mesh_type(beta, statistic, n_points)``."""
    if mesh is not None:
        if not isinstance(mesh, mesh_type):
            raise invalid_parameter("mesh", mesh, f"a {mesh_type.__name__}")
        return mesh
    if beta is None:
        raise invalid_parameter("beta", None, "beta given when mesh is not")
    return mesh_type(beta, statistic, n_points)


def GfImFreq(
    *, mesh=None, beta=None, n_points=1025, statistic="Fermion", data=None, target_shape=None, indices=None,
    name="", is_real=False,
) -> Gf:
    """Matsubara Gf on ``MeshImFreq(beta, statistic, n_points)`` (n_points positive frequencies)."""
    mesh = _imaginary_mesh(MeshImFreq, mesh, beta, statistic, n_points)
    return Gf(mesh=mesh, data=data, target_shape=target_shape, indices=indices, name=name, is_real=is_real)


def GfImTime(
    *, mesh=None, beta=None, n_points=10000, statistic="Fermion", data=None, target_shape=None, indices=None,
    name="", is_real=False,
) -> Gf:
    """Imaginary-time Gf on ``MeshImTime(beta, statistic, n_points)``."""
    mesh = _imaginary_mesh(MeshImTime, mesh, beta, statistic, n_points)
    return Gf(mesh=mesh, data=data, target_shape=target_shape, indices=indices, name=name, is_real=is_real)


def GfLegendre(
    *, mesh=None, beta=None, n_points=30, statistic="Fermion", data=None, target_shape=None, indices=None,
    name="", is_real=False,
) -> Gf:
    """Legendre Gf on ``MeshLegendre(beta, statistic, n_points)``."""
    mesh = _imaginary_mesh(MeshLegendre, mesh, beta, statistic, n_points)
    return Gf(mesh=mesh, data=data, target_shape=target_shape, indices=indices, name=name, is_real=is_real)


def GfReFreq(
    *, mesh=None, window=None, n_points=10000, data=None, target_shape=None, indices=None, name="", is_real=False
) -> Gf:
    """Real-frequency Gf on ``MeshReFreq(window=window, n_w=n_points)``."""
    if mesh is None:
        if window is None:
            raise invalid_parameter("window", None, "a pair (w_min, w_max) when mesh is not given")
        mesh = MeshReFreq(window=window, n_w=n_points)
    elif not isinstance(mesh, MeshReFreq):
        raise invalid_parameter("mesh", mesh, "a MeshReFreq")
    return Gf(mesh=mesh, data=data, target_shape=target_shape, indices=indices, name=name, is_real=is_real)
