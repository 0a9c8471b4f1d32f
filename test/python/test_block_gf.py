"""BlockGf: constructors, block-name rules, iteration order, blockwise arithmetic and assignment."""

from __future__ import annotations

import numpy as np
import pytest

from triqs_mlsolver.errors import IncompatibleGfStructError, InvalidParameterError, MeshMismatchError
from triqs_mlsolver.gf import BlockGf, Gf, MeshImFreq, MeshImTime, SemiCircular, iOmega_n, inverse

BETA = 20.0
MESH = MeshImFreq(BETA, "Fermion", 512)


def _block_gf(rng, names=("up", "dn"), sizes=(1, 2)):
    blocks = [
        Gf(mesh=MESH, data=rng.normal(size=(len(MESH), n, n)) + 1j * rng.normal(size=(len(MESH), n, n)))
        for n in sizes
    ]
    return BlockGf(name_list=list(names), block_list=blocks)


def test_constructor_from_mesh_and_gf_struct():
    G = BlockGf(mesh=MESH, gf_struct=[("up", 2), ("down", 1)])
    assert [b for b, _ in G] == ["up", "down"] and list(G.indices) == ["up", "down"]
    assert (len(G), G.n_blocks, G.mesh, G.beta) == (2, 2, MESH, BETA)
    assert G["up"].target_shape == (2, 2) and G["down"].data.shape == (len(MESH), 1, 1)
    assert G["up"].name == "G_up" and G.gf_struct == (("up", 2), ("down", 1))
    assert np.all(G["up"].data == 0)
    scalar = BlockGf(mesh=MESH, gf_struct=[("a", 1)], target_rank=0, name="S")
    assert scalar["a"].target_shape == () and scalar["a"].name == "S_a"


@pytest.mark.parametrize("old", [[("up", [0, 1]), ("dn", [0, 1])], {"up": [0, 1], "dn": [0, 1]}])
def test_old_gf_struct_formats(old):
    G = BlockGf(mesh=MESH, gf_struct=old)
    assert G.gf_struct == (("up", 2), ("dn", 2))


def test_block_list_constructors_keep_order_and_share_or_copy(rng):
    g1, g2 = (Gf(mesh=MESH, target_shape=[1, 1]) for _ in range(2))
    G = BlockGf(name_list=["z", "a"], block_list=[g1, g2])
    assert [b for b, _ in G] == ["z", "a"]  # construction order, not alphabetical
    assert G["z"] is g1
    copied = BlockGf(name_block_generator=[("z", g1), ("a", g2)], make_copies=True)
    copied["z"] << 1.0
    assert np.all(g1.data == 0) and np.all(copied["z"].data == 1.0)
    numbered = BlockGf(block_list=[g1, g2])
    assert list(numbered.indices) == ["0", "1"]
    generated = BlockGf(name_block_generator=((n, Gf(mesh=MESH, target_shape=[1, 1])) for n in ("x", "y")))
    assert list(generated.indices) == ["x", "y"]


@pytest.mark.parametrize("names", [["up", "up"], ["__up", "dn"], ["block_names", "dn"], [1, "dn"], ["a/b", "c"]])
def test_invalid_block_names(names):
    blocks = [Gf(mesh=MESH, target_shape=[1, 1]) for _ in names]
    with pytest.raises(IncompatibleGfStructError):
        BlockGf(name_list=names, block_list=blocks)


def test_invalid_constructor_arguments():
    with pytest.raises(InvalidParameterError):
        BlockGf(mesh=MESH)
    with pytest.raises(InvalidParameterError):
        BlockGf(mesh=MESH, gf_struct=[("up", 1)], block_list=[])
    with pytest.raises(IncompatibleGfStructError):
        BlockGf(name_list=["a", "b"], block_list=[Gf(mesh=MESH, target_shape=[1, 1])])
    with pytest.raises(IncompatibleGfStructError):
        BlockGf(name_list=["a"], block_list=[np.zeros((len(MESH), 1, 1))])
    with pytest.raises(IncompatibleGfStructError):
        BlockGf(mesh=MESH, gf_struct=[])
    G = BlockGf(mesh=MESH, gf_struct=[("up", 1)])
    with pytest.raises(InvalidParameterError):
        G["down"]


def test_blockwise_arithmetic(rng):
    G, H = _block_gf(rng), _block_gf(rng)
    for label, result, f in [
        ("G+H", G + H, lambda g, h: g + h),
        ("G-2", G - 2.0, lambda g, h: g - 2.0 * np.eye(g.shape[-1])),
        ("3*G", 3 * G, lambda g, h: 3 * g),
        ("G*H", G * H, lambda g, h: g @ h),
        ("G/H", G / H, lambda g, h: g @ np.linalg.inv(h)),
        ("1/G", 1 / G, lambda g, h: np.linalg.inv(g)),
        ("-G", -G, lambda g, h: -g),
        ("inv", G.inverse(), lambda g, h: np.linalg.inv(g)),
        ("conj", G.conjugate(), lambda g, h: np.conj(g)),
    ]:
        assert isinstance(result, BlockGf) and list(result.indices) == ["up", "dn"], label
        for b in ("up", "dn"):
            np.testing.assert_allclose(result[b].data, f(G[b].data, H[b].data), rtol=1e-12, err_msg=label)
    before = {b: g.data.copy() for b, g in G}
    G += H
    G *= 0.5
    for b in ("up", "dn"):
        np.testing.assert_allclose(G[b].data, 0.5 * (before[b] + H[b].data))


def test_structure_and_mesh_mismatch(rng):
    G = _block_gf(rng)
    other_names = _block_gf(rng, names=("up", "down"))
    with pytest.raises(IncompatibleGfStructError):
        G + other_names
    with pytest.raises(IncompatibleGfStructError):
        G << other_names
    other_mesh = BlockGf(mesh=MeshImFreq(2 * BETA, "Fermion", 512), gf_struct=[("up", 1), ("dn", 2)])
    with pytest.raises(MeshMismatchError):
        G << other_mesh


def test_assignment_forms(rng):
    G = BlockGf(mesh=MESH, gf_struct=[("up", 1), ("dn", 2)])
    G << SemiCircular(1.0)
    iw = MESH.values()
    semicircle = 2.0 / (iw + np.sqrt(iw - 1.0) * np.sqrt(iw + 1.0))
    np.testing.assert_allclose(G["dn"].data[:, 1, 1], semicircle)
    H = G.copy()
    H.zero()
    H["up"] = G["up"]  # same as H['up'] << G['up']
    np.testing.assert_allclose(H["up"].data, G["up"].data)
    assert np.all(H["dn"].data == 0)
    H << G
    np.testing.assert_allclose(H["dn"].data, G["dn"].data)
    assert not np.shares_memory(H["dn"].data, G["dn"].data)
    H[:] = 0.0
    assert all(np.all(g.data == 0) for _, g in H)


def test_lazy_expression_with_block_leaves_is_evaluated_per_block():
    G = BlockGf(mesh=MESH, gf_struct=[("up", 1), ("dn", 2)])
    G["up"] << SemiCircular(1.0)
    G["dn"] << SemiCircular(2.0)
    G0 = G.copy()
    mu, t = 0.2, 0.5
    G0 << inverse(iOmega_n + mu - t**2 * G)
    iw = MESH.values()
    for b in ("up", "dn"):
        expected = 1.0 / (iw + mu - t**2 * G[b].data[:, 0, 0])
        np.testing.assert_allclose(G0[b].data[:, 0, 0], expected, rtol=1e-13)
    with pytest.raises(InvalidParameterError):  # a BlockGf leaf cannot be assigned to a single Gf
        G0["up"] << inverse(iOmega_n - G)


def test_real_imag_density_and_tau_blocks(rng):
    G = BlockGf(mesh=MESH, gf_struct=[("up", 1), ("dn", 1)])
    G["up"] << SemiCircular(1.0)
    G["dn"] << SemiCircular(1.0, chem_potential=0.4)
    rho = G.density()
    assert list(rho) == ["up", "dn"] and rho["up"].shape == (1, 1)
    assert rho["up"][0, 0] == pytest.approx(0.5, abs=1e-10)  # particle-hole symmetric
    assert G.total_density() == pytest.approx(rho["up"][0, 0] + rho["dn"][0, 0])
    re = G.real
    assert re["up"].data.dtype == np.float64 and np.shares_memory(re["up"].data, G["up"].data)
    np.testing.assert_allclose(G.imag["dn"].data, G["dn"].data.imag)
    T = BlockGf(mesh=MeshImTime(BETA, "Fermion", 11), gf_struct=[("up", 1)])
    with pytest.raises(InvalidParameterError):
        T << 1.0  # constants only on frequency meshes


def test_gf_operand_applies_to_every_block_and_pickling_round_trips(rng):
    import pickle

    G = _block_gf(rng, sizes=(2, 2))
    g = G["up"].copy()
    S = g + G
    for b in ("up", "dn"):
        np.testing.assert_allclose(S[b].data, g.data + G[b].data)
    back = pickle.loads(pickle.dumps(G))  # what an MPI broadcast does
    assert list(back.indices) == ["up", "dn"] and back.mesh == G.mesh
    np.testing.assert_allclose(back["dn"].data, G["dn"].data)
