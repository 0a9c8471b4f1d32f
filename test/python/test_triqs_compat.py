"""The TRIQS boundary: lazy detection, the Gf namespace, conversions (real TRIQS only, never mocked)."""

from __future__ import annotations

import importlib
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import HIDE_TRIQS, TRIQS_INSTALLED, requires_triqs

from triqs_mlsolver import gf as lean_gf
from triqs_mlsolver import triqs_compat
from triqs_mlsolver.errors import InvalidParameterError
from triqs_mlsolver.meshes import MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq
from triqs_mlsolver.operators import c, c_dag, n



def _lean_objects(rng):
    iw = MeshImFreq(20.0, "Fermion", 8)
    return [
        iw,
        MeshImTime(20.0, "Boson", 11),
        MeshLegendre(20.0, "Fermion", 6),
        MeshReFreq(-2.0, 3.0, 7),
        lean_gf.Gf(mesh=iw, data=rng.normal(size=(16, 2, 2)) + 1j * rng.normal(size=(16, 2, 2))),
        lean_gf.BlockGf(
            name_list=["up", "dn"], block_list=[lean_gf.Gf(mesh=iw, target_shape=[1, 1]) for _ in range(2)]
        ),
        2.0 * n("up", 0) * n("dn", 0) + (0.5 + 1j) * c_dag("up", 0) * c("dn", 0),
    ]


def test_importing_the_module_does_not_import_triqs():
    code = "import sys, triqs_mlsolver.triqs_compat; print('triqs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_have_triqs_tells_whether_triqs_gf_imports():
    assert triqs_compat.have_triqs() is TRIQS_INSTALLED
    assert triqs_compat.have_triqs() is TRIQS_INSTALLED  # cached answer


def test_gf_api_is_the_namespace_in_use():
    api = triqs_compat.gf_api()
    assert api.__name__ == ("triqs.gf" if TRIQS_INSTALLED else "triqs_mlsolver.gf")
    for name in ("Gf", "BlockGf", "MeshImFreq", "iOmega_n", "inverse", "SemiCircular"):
        assert hasattr(api, name), name


def test_to_lean_returns_lean_objects_unchanged(rng):
    for obj in _lean_objects(rng):
        assert triqs_compat.to_lean(obj) is obj
        assert not triqs_compat.is_triqs_object(obj)


@pytest.mark.parametrize("obj", [{"a": 1}, np.zeros(3), "G_iw"])
def test_to_lean_rejects_other_objects(obj):
    with pytest.raises(InvalidParameterError, match="a mesh .*Gf, BlockGf or Operator"):
        triqs_compat.to_lean(obj)


def test_to_triqs_is_the_identity_without_triqs():
    """Run where TRIQS cannot be imported (hidden in a subprocess when it is installed)."""
    code = HIDE_TRIQS + textwrap.dedent(
        """
        import numpy as np
        import test_triqs_compat as t
        from triqs_mlsolver import triqs_compat
        assert not triqs_compat.have_triqs() and triqs_compat.gf_api().__name__ == "triqs_mlsolver.gf"
        objects = t._lean_objects(np.random.default_rng(1))
        assert all(triqs_compat.to_triqs(obj) is obj for obj in objects)
        print(len(objects))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          cwd=pathlib.Path(__file__).parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "7"


@requires_triqs
def test_round_trip_through_real_triqs_objects(rng):
    for obj in _lean_objects(rng):
        converted = triqs_compat.to_triqs(obj)
        assert triqs_compat.is_triqs_object(converted)
        back = triqs_compat.to_lean(converted)
        if isinstance(obj, lean_gf.Gf):
            assert back.mesh == obj.mesh and np.array_equal(back.data, obj.data)
        elif isinstance(obj, lean_gf.BlockGf):
            assert back.block_names == obj.block_names
            assert all(np.array_equal(g.data, obj[b].data) for b, g in back)
        elif isinstance(obj, type(n(0))):
            assert list(back) == list(obj)
        else:
            assert back == obj


@requires_triqs
def test_triqs_objects_convert_by_their_parameters():
    triqs_gf = importlib.import_module("triqs.gf")
    mesh = triqs_gf.MeshImFreq(beta=10.0, S="Fermion", n_iw=5)
    g = triqs_gf.Gf(mesh=mesh, target_shape=[1, 1])
    g << triqs_gf.inverse(triqs_gf.iOmega_n - 0.5)
    lean = triqs_compat.to_lean(g)
    iw = 1j * np.pi * (2 * np.arange(-5, 5) + 1) / 10.0
    assert lean.mesh == MeshImFreq(10.0, "Fermion", 5)
    np.testing.assert_allclose(lean.data[:, 0, 0], 1.0 / (iw - 0.5), atol=1e-14)
    assert triqs_compat.to_triqs(g) is g


@requires_triqs
def test_operators_with_complex_coefficients_convert_to_triqs():
    """The TRIQS operator built from our monomials equals the one TRIQS builds from the same formula."""
    triqs_operators = importlib.import_module("triqs.operators")
    ours = (2.0 * n("up", 0) * n("dn", 0) + (0.5 + 1j) * c_dag("up", 0) * c("dn", 0)
            - 0.25j * c_dag("dn", 0) * c("up", 0))
    theirs = (2.0 * triqs_operators.n("up", 0) * triqs_operators.n("dn", 0)
              + (0.5 + 1j) * triqs_operators.c_dag("up", 0) * triqs_operators.c("dn", 0)
              - 0.25j * triqs_operators.c_dag("dn", 0) * triqs_operators.c("up", 0))
    converted = triqs_compat.to_triqs(ours)
    assert (converted - theirs).is_zero()
    as_dict = lambda op: {str(monomial): complex(coef) for monomial, coef in op}
    assert as_dict(converted) == as_dict(theirs) and len(as_dict(theirs)) == 3


def test_map_leaves_replaces_every_leaf_that_is_not_an_expression():
    mesh = MeshImFreq(10.0, "Fermion", 4)
    g = lean_gf.Gf(mesh=mesh, target_shape=[1, 1])
    g << lean_gf.SemiCircular(1.0)
    expr = lean_gf.inverse(lean_gf.iOmega_n + 0.5 - 0.25 * lean_gf.Fourier(g)) * 2.0
    assert [type(x).__name__ for x in expr.leaves()] == ["float", "float", "Gf", "float"]
    doubled = expr.map_leaves(lambda x: 2 * x)
    assert [x if isinstance(x, float) else "Gf" for x in doubled.leaves()] == [1.0, 0.5, "Gf", 4.0]
    assert expr.leaves()[2] is g  # the original expression is unchanged


def _triqs_gf_pair(triqs_gf, mesh, target_shape):
    return triqs_gf.Gf(mesh=mesh, target_shape=target_shape), triqs_gf.Gf(mesh=mesh, target_shape=target_shape)


@requires_triqs
@pytest.mark.parametrize("kind", ["iw", "w", "tau"])
def test_our_descriptors_fill_triqs_gfs_as_triqs_descriptors_do(kind):
    """``g << SemiCircular(D)`` etc. with our descriptors on real TRIQS Gfs equals TRIQS's own descriptors."""
    assert triqs_compat.have_triqs()
    triqs_gf = importlib.import_module("triqs.gf")
    target_shape = [2, 2]
    if kind == "iw":
        mesh = triqs_gf.MeshImFreq(beta=20.0, S="Fermion", n_iw=64)
        cases = [(lean_gf.SemiCircular(1.5, chem_potential=0.2), triqs_gf.SemiCircular(1.5, chem_potential=0.2)),
                 (lean_gf.Flat(0.7), triqs_gf.Flat(0.7)),
                 (lean_gf.inverse(lean_gf.iOmega_n - 0.3), triqs_gf.inverse(triqs_gf.iOmega_n - 0.3)),
                 (lean_gf.Const(0.4), importlib.import_module("triqs.gf.descriptors").Const(0.4))]
    elif kind == "w":  # scalar-like: TRIQS's SemiCircular fills every element of a matrix on MeshReFreq
        mesh, target_shape = triqs_gf.MeshReFreq(window=(-3.0, 3.0), n_w=101), [1, 1]
        cases = [(lean_gf.inverse(lean_gf.Omega + 0.05j - 0.3), triqs_gf.inverse(triqs_gf.Omega + 0.05j - 0.3)),
                 (lean_gf.SemiCircular(1.0), triqs_gf.SemiCircular(1.0))]
    else:  # imaginary time: TRIQS's reference is the Fourier transform of a long Matsubara Gf, 1/w^3 tail known
        mesh = triqs_gf.MeshImTime(beta=10.0, S="Fermion", n_tau=10001)
        big = triqs_gf.Gf(mesh=triqs_gf.MeshImFreq(beta=10.0, S="Fermion", n_iw=5000), target_shape=[2, 2])
        big << triqs_gf.SemiCircular(1.0)
        moments = np.zeros((4, 2, 2), dtype=complex)
        moments[1], moments[3] = np.eye(2), np.eye(2) / 4.0
        cases = [(lean_gf.SemiCircular(1.0), triqs_gf.Fourier(big, moments))]
    for ours, theirs in cases:
        g, ref = _triqs_gf_pair(triqs_gf, mesh, target_shape)
        g << ours
        ref << theirs
        assert triqs_compat.is_triqs_object(g)
        np.testing.assert_allclose(g.data, ref.data, atol=1e-12 if kind != "tau" else 1e-8, err_msg=repr(ours))
        assert np.abs(g.data).max() > 0.1


@requires_triqs
def test_our_lazy_expressions_with_triqs_leaves_fill_triqs_block_gfs():
    """A Bethe-lattice update written with our names on TRIQS BlockGfs equals the one written with TRIQS's names
    block by block (and the blocks differ, so that a block mix-up would show)."""
    assert triqs_compat.have_triqs()
    triqs_gf = importlib.import_module("triqs.gf")
    mesh = triqs_gf.MeshImFreq(beta=30.0, S="Fermion", n_iw=100)
    G = triqs_gf.BlockGf(name_list=["up", "dn"], block_list=[triqs_gf.Gf(mesh=mesh, target_shape=[1, 1]) for _ in "ud"])
    G["up"] << triqs_gf.SemiCircular(1.0)
    G["dn"] << triqs_gf.SemiCircular(2.0)
    G0 = G.copy()
    G0 << lean_gf.inverse(lean_gf.iOmega_n + 0.1 - 0.25 * G)
    for name, block in G:
        ref = block.copy()
        ref << triqs_gf.inverse(triqs_gf.iOmega_n + 0.1 - 0.25 * block)
        np.testing.assert_allclose(G0[name].data, ref.data, atol=1e-14)
    assert not np.allclose(G0["up"].data, G0["dn"].data)
    # a descriptor without a BlockGf fills every block; TRIQS's own lazy expressions take ours as terminals
    G0 << lean_gf.SemiCircular(1.0)
    mixed = G["up"].copy()
    mixed << triqs_gf.inverse(lean_gf.iOmega_n - 0.5) + G["up"]
    iw = 1j * np.pi * (2 * np.arange(-100, 100) + 1) / 30.0
    np.testing.assert_allclose(mixed.data[:, 0, 0], 1.0 / (iw - 0.5) + G["up"].data[:, 0, 0], atol=1e-14)
    np.testing.assert_allclose(G0["dn"].data, G["up"].data, atol=1e-14)
