"""Meshes: TRIQS index conventions, values, equality and validation."""

from __future__ import annotations

import numpy as np
import pytest

from triqs_mlsolver.errors import InvalidParameterError
from triqs_mlsolver.meshes import MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq, normalize_statistic


# -- MeshImFreq ---------------------------------------------------------------------------------
def test_fermionic_mesh_index_order_and_values():
    beta, n_iw = 10.0, 4
    mesh = MeshImFreq(beta, "Fermion", n_iw)
    assert len(mesh) == 2 * n_iw
    assert (mesh.first_index(), mesh.last_index()) == (-n_iw, n_iw - 1)
    n = np.arange(-n_iw, n_iw)
    np.testing.assert_allclose(mesh.values(), 1j * (2 * n + 1) * np.pi / beta, rtol=0, atol=1e-15)
    values = mesh.values()
    assert values[0].imag == pytest.approx(-(2 * n_iw - 1) * np.pi / beta)  # index 0 is the most negative
    assert values[n_iw].imag == pytest.approx(np.pi / beta)  # index n_iw is n = 0
    assert mesh.to_data_index(0) == n_iw and mesh.to_data_index(-n_iw) == 0
    points = list(mesh)
    assert [p.index for p in points] == list(n)
    assert [p.data_index for p in points] == list(range(2 * n_iw))
    assert points[n_iw].value == pytest.approx(1j * np.pi / beta)


def test_bosonic_mesh_has_odd_size_and_even_frequencies():
    beta, n_iw = 5.0, 3
    mesh = MeshImFreq(beta, "Boson", n_iw)
    assert len(mesh) == 2 * n_iw - 1
    n = np.arange(-(n_iw - 1), n_iw)
    np.testing.assert_allclose(mesh.values(), 2j * n * np.pi / beta, atol=1e-15)
    assert mesh.values()[n_iw - 1] == 0
    assert len(MeshImFreq(beta, "Boson", 1)) == 1


def test_positive_only_mesh():
    mesh = MeshImFreq(2.0, "Fermion", 3, positive_only=True)
    assert mesh.positive_only() and len(mesh) == 3 and mesh.first_index() == 0
    np.testing.assert_allclose(mesh.values(), 1j * np.pi * np.array([1, 3, 5]) / 2.0)


def test_imfreq_aliases_and_default():
    assert MeshImFreq(beta=3.0, S="Fermion", n_max=7) == MeshImFreq(3.0, "Fermion", 7)
    assert MeshImFreq(3.0, statistic="B", n_iw=7) == MeshImFreq(3.0, "Boson", 7)
    assert MeshImFreq(3.0, "F", n_iw=7, n_max=7).n_iw == 7
    assert MeshImFreq(3.0).n_iw == 1025 and MeshImFreq(3.0).statistic == "Fermion"
    assert normalize_statistic("F") == "Fermion" and normalize_statistic("B") == "Boson"


def test_imfreq_index_out_of_range():
    with pytest.raises(InvalidParameterError, match="n = 4"):
        MeshImFreq(1.0, "Fermion", 4).to_data_index(4)


# -- other meshes ---------------------------------------------------------------------------------
def test_imtime_grid_includes_both_ends():
    beta, n_tau = 4.0, 9
    mesh = MeshImTime(beta, "Fermion", n_tau)
    tau = mesh.values()
    assert len(mesh) == n_tau and tau[0] == 0.0 and tau[-1] == beta
    np.testing.assert_allclose(tau, np.arange(n_tau) * beta / (n_tau - 1), rtol=1e-15)
    assert mesh.delta == pytest.approx(beta / (n_tau - 1))
    assert MeshImTime(beta, "F", n_max=n_tau) == mesh


def test_legendre_mesh():
    mesh = MeshLegendre(7.0, "Fermion", 5)
    assert len(mesh) == 5 and list(mesh.values()) == [0, 1, 2, 3, 4]
    assert MeshLegendre(7.0, "F", n_max=5) == mesh


def test_refreq_grid_and_window_alias():
    mesh = MeshReFreq(-15.0, 15.0, 20)
    w = mesh.values()
    np.testing.assert_allclose(w, -15.0 + 30.0 * np.arange(20) / 19, atol=1e-14)
    assert mesh.delta == pytest.approx(30.0 / 19)
    assert MeshReFreq(window=(-15.0, 15.0), n_w=20) == mesh
    assert MeshReFreq(-15, 15, n_max=20) == mesh
    assert MeshReFreq(window=np.array([-15.0, 15.0]), n_w=20) == mesh


# -- equality and hashing -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "a,b,equal",
    [
        (MeshImFreq(10.0, "Fermion", 5), MeshImFreq(10, "F", 5), True),
        (MeshImFreq(10.0, "Fermion", 5), MeshImFreq(10.0, "Fermion", 6), False),
        (MeshImFreq(10.0, "Fermion", 5), MeshImFreq(10.0, "Boson", 5), False),
        (MeshImFreq(10.0, "Fermion", 5), MeshImFreq(10.0, "Fermion", 5, positive_only=True), False),
        (MeshImTime(10.0, "Fermion", 5), MeshImTime(10.0, "Fermion", 5), True),
        (MeshImTime(10.0, "Fermion", 5), MeshLegendre(10.0, "Fermion", 5), False),
        (MeshReFreq(-1.0, 1.0, 5), MeshReFreq(-1.0, 2.0, 5), False),
    ],
)
def test_equality_and_hash(a, b, equal):
    assert (a == b) is equal and (a != b) is (not equal)
    if equal:
        assert hash(a) == hash(b) and a.mesh_hash == b.mesh_hash
        assert len({a, b}) == 1


# -- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build,name",
    [
        (lambda: MeshImFreq(0.0, "Fermion", 4), "beta"),
        (lambda: MeshImFreq(-1.0, "Fermion", 4), "beta"),
        (lambda: MeshImFreq(float("nan"), "Fermion", 4), "beta"),
        (lambda: MeshImFreq(float("inf"), "Fermion", 4), "beta"),
        (lambda: MeshImFreq(1.0, "Fermion", 0), "n_iw"),
        (lambda: MeshImFreq(1.0, "Fermion", 2.5), "n_iw"),
        (lambda: MeshImFreq(1.0, "Fermion", True), "n_iw"),
        (lambda: MeshImFreq(1.0, "Fermion", 4, n_max=5), "n_iw"),
        (lambda: MeshImFreq(1.0, "Fermi", 4), "statistic"),
        (lambda: MeshImFreq(1.0, "Fermion", 4, statistic="Boson"), "statistic"),
        (lambda: MeshImTime(0.0, "Fermion", 4), "beta"),
        (lambda: MeshImTime(1.0, "Fermion", 1), "n_tau"),
        (lambda: MeshImTime(1.0, "Fermion"), "n_tau"),
        (lambda: MeshImTime(1.0, "X", 4), "statistic"),
        (lambda: MeshImTime(1.0, "Fermion", 4, statistic="Boson"), "statistic"),
        (lambda: MeshLegendre(float("nan"), "Fermion", 4), "beta"),
        (lambda: MeshLegendre(1.0, "Fermion", 0), "max_n"),
        (lambda: MeshLegendre(1.0, "Fermion", 4, statistic="Boson"), "statistic"),
        (lambda: MeshReFreq(1.0, 1.0, 5), "w_max"),
        (lambda: MeshReFreq(2.0, 1.0, 5), "w_max"),
        (lambda: MeshReFreq(float("nan"), 1.0, 5), "w_min"),
        (lambda: MeshReFreq(0.0, float("inf"), 5), "w_max"),
        (lambda: MeshReFreq(-1.0, 1.0, 1), "n_w"),
        (lambda: MeshReFreq(window=(1.0, 2.0, 3.0), n_w=4), "window"),
        (lambda: MeshReFreq(window=5.0, n_w=4), "window"),
        (lambda: MeshReFreq(0.0, window=(1.0, 2.0), n_w=4), "window"),
    ],
)
def test_invalid_parameters_raise_naming_the_parameter(build, name):
    with pytest.raises(InvalidParameterError) as info:
        build()
    assert str(info.value).startswith(f"{name} = ")
    assert "allowed" in str(info.value)
