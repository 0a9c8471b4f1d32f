"""What HDFArchive reads: every TRIQS-written reference file and every older layout variant.

Truth comes from outside our reader: raw h5py reads of the same files, closed-form Green's
functions (the Hubbard-I atomic limit, resolvents of the recipes stored in format_checks.h5),
and small legacy-layout files written with raw h5py in the tests.
"""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest
from scipy.special import eval_legendre

from triqs_mlsolver.archive import Block2Gf, HDFArchive, HDFArchiveGroup
from triqs_mlsolver.errors import ArchiveFormatError, ArchiveFormatWarning
from triqs_mlsolver.gf import BlockGf, Gf
from triqs_mlsolver.meshes import MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq
from triqs_mlsolver.operators import Operator, n

REFERENCE_FILES = [
    "cthyb__single_site_bethe.ref.h5",
    "ctseg__anderson_cpp.ref.h5",
    "ctseg__anderson_py.ref.h5",
    "ctseg__dimer_pyed.ref.h5",
    "hubbardI__aim_l.ref.h5",
    "hubbardI__aim_matsubara.ref.h5",
    "hubbardI__aim_tau.ref.h5",
    "hubbardI__aim_w.ref.h5",
    "hubbardI__bethe5.ref.h5",
    "triqs__block_pyh5_ref.h5",
    "generated/format_checks.h5",
    "generated/hubbardI_1orb_beta40_U3_half_filling_mu1p5.h5",
]


def test_reference_file_list_is_complete(triqs_ref):
    on_disk = sorted(str(p.relative_to(triqs_ref)) for p in triqs_ref.rglob("*.h5"))
    assert on_disk == sorted(REFERENCE_FILES)


# ----------------------------------------------------------------------------- raw h5py truth


def _tag(obj) -> str:
    for name in ("Format", "TRIQS_HDF5_data_scheme"):
        if name in obj.attrs:
            value = obj.attrs[name]
            return value.decode() if isinstance(value, bytes) else str(value)
    return ""


def _raw_gfs(f: h5py.File) -> dict[str, np.ndarray]:
    """Path -> complex data of every Gf group, read with raw h5py."""
    out = {}

    def visit(path, obj):
        if isinstance(obj, h5py.Group) and _tag(obj) == "Gf":
            raw = obj["data"][()]
            out[path] = raw[..., 0] + 1j * raw[..., 1] if "__complex__" in obj["data"].attrs else raw

    f.visititems(visit)
    return out


def _walk(value):
    """Everything reachable from a read value (plain groups are opened and read too)."""
    if isinstance(value, HDFArchiveGroup):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    yield value


def _lookup(ar: HDFArchive, path: str):
    """Our object at a raw HDF5 path, going through BlockGf blocks and Block2Gf pairs."""
    parts = path.split("/")
    for depth in range(len(parts), 0, -1):
        head = "/".join(parts[:depth])
        if head in ar and not isinstance(ar[head], HDFArchiveGroup):
            obj = ar[head]
            for part in parts[depth:]:
                pairs = {f"{b1}_{b2}": (b1, b2) for (b1, b2), _ in obj} if isinstance(obj, Block2Gf) else {}
                obj = obj[pairs.get(part, part)]
            return obj
    raise KeyError(path)


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_every_reference_file_reads_without_error_or_warning(triqs_ref, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with HDFArchive(triqs_ref / name, "r") as ar:
            objects = [obj for _, value in ar.items() for obj in _walk(value)]
    assert objects
    assert not any(isinstance(obj, HDFArchiveGroup) for obj in objects)  # every group has a known Format


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_every_gf_equals_the_raw_arrays(triqs_ref, name):
    with h5py.File(triqs_ref / name, "r") as f:
        raw = _raw_gfs(f)
    assert raw
    with HDFArchive(triqs_ref / name, "r") as ar:
        for path, data in raw.items():
            g = _lookup(ar, path)
            assert isinstance(g, Gf)
            assert g.data.dtype == np.complex128 and g.data.shape == data.shape
            assert np.array_equal(g.data, data), path
            assert len(g.mesh) == data.shape[0]


# ----------------------------------------------------------------------------- closed forms


BETA_AIM = 50.0


def _atomic(z):
    """Hubbard atom at half filling, U = 4: G(z) = 1/2 (z - 2)^-1 + 1/2 (z + 2)^-1."""
    return 0.5 / (z - 2.0) + 0.5 / (z + 2.0)


def _atomic_tau(tau, beta):
    """-sum_p w_p exp(-E_p tau) / (1 + exp(-beta E_p)), written without overflow."""
    out = np.zeros_like(tau)
    for energy in (2.0, -2.0):
        if energy > 0:
            out -= 0.5 * np.exp(-energy * tau) / (1.0 + np.exp(-beta * energy))
        else:
            out -= 0.5 * np.exp(energy * (beta - tau)) / (1.0 + np.exp(beta * energy))
    return out


def _atomic_legendre(n_l, beta):
    """G_l = sqrt(2l+1) int_0^beta P_l(2 tau/beta - 1) G(tau) dtau, by composite Gauss-Legendre quadrature.

    100 panels of 20 nodes resolve the exp(-2 tau) edges of G(tau) to machine precision.
    """
    x, w = np.polynomial.legendre.leggauss(20)
    edges = np.linspace(0.0, beta, 101)
    half = np.diff(edges)[:, None] / 2.0
    tau = (edges[:-1, None] + half * (x + 1.0)).ravel()
    weights = (half * w).ravel()
    g_tau = _atomic_tau(tau, beta)
    xl = 2.0 * tau / beta - 1.0
    return np.array([np.sqrt(2 * l + 1) * np.sum(weights * eval_legendre(l, xl) * g_tau) for l in range(n_l)])


def _blocks(triqs_ref, name, key):
    with HDFArchive(triqs_ref / name, "r") as ar:
        bgf = ar[key]
    assert isinstance(bgf, BlockGf) and [b for b, _ in bgf] == ["up", "down"]
    return bgf


def test_hubbard_i_matsubara_is_the_atomic_limit(triqs_ref):
    bgf = _blocks(triqs_ref, "hubbardI__aim_matsubara.ref.h5", "G_iw")
    iw = 1j * (2 * np.arange(-20, 20) + 1) * np.pi / BETA_AIM
    assert bgf.mesh == MeshImFreq(BETA_AIM, "Fermion", 20)
    np.testing.assert_allclose(bgf.mesh.values(), iw, rtol=1e-15)
    for _, g in bgf:
        np.testing.assert_allclose(g.data[:, 0, 0], _atomic(iw), rtol=0, atol=1e-12)


def test_hubbard_i_tau_is_the_atomic_limit(triqs_ref):
    bgf = _blocks(triqs_ref, "hubbardI__aim_tau.ref.h5", "G_tau")
    tau = np.arange(30) * BETA_AIM / 29
    assert bgf.mesh == MeshImTime(BETA_AIM, "Fermion", 30)
    for _, g in bgf:
        np.testing.assert_allclose(g.data[:, 0, 0], _atomic_tau(tau, BETA_AIM), rtol=0, atol=1e-12)


def test_hubbard_i_legendre_is_the_atomic_limit(triqs_ref):
    bgf = _blocks(triqs_ref, "hubbardI__aim_l.ref.h5", "G_l")
    truth = _atomic_legendre(5, BETA_AIM)
    np.testing.assert_allclose(truth, [-0.5, 0.0, -1.0523, 0.0, -1.2258], atol=1e-4)
    assert bgf.mesh == MeshLegendre(BETA_AIM, "Fermion", 5)
    for _, g in bgf:
        np.testing.assert_allclose(g.data[:, 0, 0], truth, rtol=0, atol=1e-12)


def test_hubbard_i_real_frequency_is_the_atomic_limit(triqs_ref):
    bgf = _blocks(triqs_ref, "hubbardI__aim_w.ref.h5", "G_w")
    w = -15.0 + 30.0 * np.arange(20) / 19
    assert bgf.mesh == MeshReFreq(-15.0, 15.0, 20)
    np.testing.assert_allclose(bgf.mesh.values(), w, rtol=0, atol=1e-14)
    for _, g in bgf:
        np.testing.assert_allclose(g.data[:, 0, 0], _atomic(w + 0.01j), rtol=0, atol=1e-12)


def test_format_checks_gfs_are_the_resolvents_of_their_recipes(triqs_ref):
    eps = np.array([[0.5, 0.1], [0.1, -0.5]])
    with HDFArchive(triqs_ref / "generated" / "format_checks.h5", "r") as ar:
        g, boson, g_w, bgf = ar["gf_imfreq"], ar["gf_imfreq_scalar_boson"], ar["gf_refreq"], ar["block_gf"]
        assert ar["gf_imtime"].mesh == MeshImTime(10.0, "Fermion", 65)
        assert ar["gf_legendre"].mesh == MeshLegendre(10.0, "Fermion", 8)
    iw = 1j * np.pi * (2 * np.arange(-16, 16) + 1) / 10.0
    np.testing.assert_allclose(g.data, np.linalg.inv(iw[:, None, None] * np.eye(2) - eps), atol=1e-14)
    # the bosonic mesh: n_iw = 8 gives 2 n_iw - 1 = 15 points 2 pi n / beta, n = -7 .. 7
    assert boson.mesh == MeshImFreq(10.0, "Boson", 8) and len(boson.mesh) == 15 and boson.target_shape == ()
    nu = 2j * np.pi * np.arange(-7, 8) / 10.0
    np.testing.assert_allclose(boson.mesh.values(), nu, rtol=1e-15)
    np.testing.assert_allclose(boson.data, 1.0 / (nu - 0.25), atol=1e-14)
    w = np.linspace(-2.0, 2.0, 41)
    np.testing.assert_allclose(g_w.data, np.linalg.inv((w + 0.1j)[:, None, None] * np.eye(2) - eps), rtol=1e-13)
    np.testing.assert_allclose(bgf["up"].data[:, 0, 0], 1.0 / (iw - 0.3), atol=1e-14)
    np.testing.assert_allclose(bgf["down"].data[:, 0, 0], 1.0 / (iw + 0.3), atol=1e-14)


def test_h_int_operator_is_u_n_up_n_down(triqs_ref):
    with HDFArchive(triqs_ref / "generated" / "hubbardI_1orb_beta40_U3_half_filling_mu1p5.h5", "r") as ar:
        h_int = ar["h_int"]
        params = ar["params"]
    assert isinstance(h_int, Operator)
    assert h_int == 3.0 * n("up", 0) * n("down", 0)
    assert list(h_int) == [([(True, ["down", 0]), (True, ["up", 0]), (False, ["up", 0]), (False, ["down", 0])], 3.0)]
    assert params["U"] == 3.0 and params["gf_struct"] == [("up", 1), ("down", 1)]


def test_primitives_equal_the_raw_values(triqs_ref):
    path = triqs_ref / "generated" / "format_checks.h5"
    with h5py.File(path, "r") as raw:
        array_float, array_complex = raw["array_float"][()], raw["array_complex"][()]
    with HDFArchive(path, "r") as ar:
        values = dict(ar.items())
    expected = {"int": 42, "float": 3.25, "complex": 1.5 - 2j, "bool": True, "string": "hello TRIQS",
                "list": [1, 2.5, "three"], "tuple": (1, "a")}
    for key, value in expected.items():
        assert values[key] == value and type(values[key]) is type(value), key
    assert values["dict"]["nested"]["y"] == "deep" and values["dict"]["c"] == "text"
    assert values["dict"]["nested"]["x"].dtype == np.int64 and list(values["dict"]["nested"]["x"]) == [0, 1, 2]
    assert np.array_equal(values["array_float"], array_float)
    assert np.array_equal(values["array_complex"], array_complex[..., 0] + 1j * array_complex[..., 1])
    assert values["array_int"].dtype == np.int64 and values["mesh_imfreq"] == MeshImFreq(10.0, "Fermion", 16)


def test_cpp_writer_block_names_keep_their_order(triqs_ref):
    """Fixed-length block_names (C++ writer) give the stored order, not the alphabetical one."""
    with HDFArchive(triqs_ref / "ctseg__anderson_cpp.ref.h5", "r") as ar:
        assert [b for b, _ in ar["G_tau"]] == ["up", "down"]
        assert ar["G_tau"].mesh == MeshImTime(20.0, "Fermion", 10001)
        assert ar["nn_static"].shape == (2, 2)


# ----------------------------------------------------------------------------- legacy variants


def _fixed(text: str) -> np.bytes_:
    return np.bytes_(text.encode())


def _legacy_file(path, build):
    with h5py.File(path, "w") as f:
        build(f)
    return path


def _legacy_mesh(g, beta, statistic, size, positive, tag=True):
    if tag:
        g.attrs["TRIQS_HDF5_data_scheme"] = _fixed("MeshImFreq")
    d = g.create_group("domain")
    d["beta"] = beta
    d["statistic"] = _fixed(statistic)
    g["size"] = np.int64(size)
    g["positive_freq_only" if tag else "start_at_0"] = np.int32(positive)


def test_positive_only_matsubara_is_unfolded(tmp_path):
    """G(iw) = (iw - h)^-1 with a complex hermitian h, stored on positive frequencies only (TRIQS 1.x style)."""
    beta, n_iw = 5.0, 6
    h = np.array([[0.3, 0.2 - 0.4j], [0.2 + 0.4j, -0.7]])
    iw_pos = 1j * np.pi * (2 * np.arange(n_iw) + 1) / beta
    nu_pos = 2j * np.pi * np.arange(n_iw) / beta

    def build(f):
        g = f.create_group("G")
        g.attrs["TRIQS_HDF5_data_scheme"] = _fixed("GfImFreq")
        data = np.linalg.inv(iw_pos[:, None, None] * np.eye(2) - h)
        g["data"] = np.stack([data.real, data.imag], -1)
        g["data"].attrs["__complex__"] = np.int64(1)
        _legacy_mesh(g.create_group("mesh"), beta, "F", n_iw, 1, tag=False)
        g.create_group("singularity")["a"] = 1.0  # a TRIQS 1.x tail: ignored
        b = f.create_group("chi")
        b.attrs["Format"] = "Gf"
        b["data"] = np.stack([(1.0 / (nu_pos - 0.4)).real, (1.0 / (nu_pos - 0.4)).imag], -1)
        b["data"].attrs["__complex__"] = "1"
        _legacy_mesh(b.create_group("mesh"), beta, "B", n_iw, 1)

    with HDFArchive(_legacy_file(tmp_path / "pos.h5", build), "r") as ar:
        g, chi = ar["G"], ar["chi"]
    iw = 1j * np.pi * (2 * np.arange(-n_iw, n_iw) + 1) / beta
    assert g.mesh == MeshImFreq(beta, "Fermion", n_iw) and len(g.mesh) == 2 * n_iw
    np.testing.assert_allclose(g.data, np.linalg.inv(iw[:, None, None] * np.eye(2) - h), atol=1e-14)
    nu = 2j * np.pi * np.arange(-(n_iw - 1), n_iw) / beta
    assert chi.mesh == MeshImFreq(beta, "Boson", n_iw) and len(chi.mesh) == 2 * n_iw - 1
    np.testing.assert_allclose(chi.data, 1.0 / (nu - 0.4), atol=1e-14)


def test_legacy_containers_meshes_and_strings(tmp_path):
    def build(f):
        for tag, name in (("PythonListWrap", "l"), ("PythonTupleWrap", "t"), ("PythonDictWrap", "d")):
            grp = f.create_group(name)
            grp.attrs["TRIQS_HDF5_data_scheme"] = _fixed(tag)
            grp["0"], grp["1"] = np.int64(5), _fixed("x")
        tau = f.create_group("tau_mesh")
        tau.attrs["Format"] = "MeshImTime"
        tau.create_group("domain")["beta"] = 3.0
        tau["domain"]["statistic"] = _fixed("F")
        tau["min"], tau["max"], tau["size"] = 0.0, 3.0, np.int64(7)
        leg = f.create_group("leg_mesh")
        leg.attrs["Format"] = np.bytes_(b"MeshLegendre\0\0")
        leg.create_group("domain")["beta"] = 3.0
        leg["domain"]["statistic"] = "B"
        leg["domain"]["n_max"] = np.uint64(9)
        f["strings1"] = np.array([b"ab", b"c"], dtype="S3")
        f["strings2"] = np.array([[b"a", b"b"], [b"c", b"d"]], dtype="S2")
        f["old_complex"] = np.array(1.5 - 0.5j)  # h5py's compound {r, i}
        f["unknown"] = 1.0
        f["unknown"].attrs["Format"] = "NotAKnownFormat"  # a tagged dataset is still read as data

    with HDFArchive(_legacy_file(tmp_path / "legacy.h5", build), "r") as ar:
        assert ar["l"] == [5, "x"] and ar["t"] == (5, "x") and ar["d"] == {"0": 5, "1": "x"}
        assert ar["tau_mesh"] == MeshImTime(3.0, "Fermion", 7)
        assert ar["leg_mesh"] == MeshLegendre(3.0, "Boson", 9)
        assert ar["strings1"] == ["ab", "c"] and ar["strings2"] == [["a", "b"], ["c", "d"]]
        assert ar["old_complex"] == 1.5 - 0.5j and ar["unknown"] == 1.0


def _gf_group(f, name, block=None):
    g = f.create_group(name) if block is None else block.create_group(name)
    g.attrs["Format"] = "Gf"
    g["data"] = np.zeros((4, 1, 1, 2))
    g["data"].attrs["__complex__"] = "1"
    m = g.create_group("mesh")
    m.attrs["Format"] = "MeshImFreq"
    m["beta"], m["statistic"], m["size"], m["positive_freq_only"] = 2.0, "F", np.int64(4), np.int32(0)
    return g


def test_legacy_block_names_indices_repr_is_parsed_not_evaluated(tmp_path):
    def build(f):
        ok = f.create_group("ok")
        ok.attrs["TRIQS_HDF5_data_scheme"] = _fixed("BlockGf")
        ok["indices"] = _fixed("['up', 'down']")
        for name in ("down", "up"):
            _gf_group(f, name, ok)
        evil = f.create_group("evil")
        evil.attrs["Format"] = "BlockGf"
        evil["indices"] = "__import__('os').system('touch PWNED')"
        _gf_group(f, "up", evil)

    with HDFArchive(_legacy_file(tmp_path / "indices.h5", build), "r") as ar:
        assert [b for b, _ in ar["ok"]] == ["up", "down"]
        with pytest.raises(ArchiveFormatError, match="not a literal list of block names"):
            ar["evil"]
    assert not (tmp_path / "PWNED").exists()


def test_unknown_format_gives_a_warning_and_a_plain_group(tmp_path):
    def build(f):
        grp = f.create_group("solver")
        grp.attrs["Format"] = "SomeoneElsesSolver"
        grp["beta"] = 10.0

    with HDFArchive(_legacy_file(tmp_path / "unknown.h5", build), "r") as ar:
        with pytest.warns(ArchiveFormatWarning, match="'SomeoneElsesSolver'.*register_class"):
            group = ar["solver"]
        assert isinstance(group, HDFArchiveGroup) and group["beta"] == 10.0


# ----------------------------------------------------------------------------- unreadable layouts


def _broken(f, case):
    g = _gf_group(f, "G")
    if case == "no_data":
        del g["data"]
    elif case == "wrong_length":
        del g["data"]
        g["data"] = np.zeros((5, 1, 1, 2))
        g["data"].attrs["__complex__"] = "1"
    elif case == "bad_complex":
        del g["data"]
        g["data"] = np.zeros((4, 3))
        g["data"].attrs["__complex__"] = "1"
    elif case == "no_beta":
        del g["mesh/beta"]
    elif case == "odd_fermion_size":
        del g["mesh/size"]
        g["mesh/size"] = np.int64(5)
    elif case == "float_size":
        del g["mesh/size"]
        g["mesh/size"] = 4.0
    elif case == "untagged_mesh":
        del g["mesh"].attrs["Format"]
    elif case == "bad_list":
        del f["G"]
        f.create_group("G").attrs["Format"] = "List"
        f["G"]["a"] = 1
    elif case == "block_without_names":
        del f["G"]
        b = f.create_group("G")
        b.attrs["Format"] = "BlockGf"
        _gf_group(f, "up", b)
    elif case == "missing_block":
        del f["G"]
        b = f.create_group("G")
        b.attrs["Format"] = "BlockGf"
        b["block_names"] = np.array([b"up", b"dn"])
        _gf_group(f, "up", b)


BROKEN = {
    "no_data": "has no 'data'",
    "wrong_length": r"shape \(5, 1, 1\) does not fit",
    "bad_complex": "last axis of length 2",
    "no_beta": "has no beta",
    "odd_fermion_size": "expected an even",
    "float_size": "expected int",
    "untagged_mesh": "has Format None",
    "bad_list": "expected children named 0, 1, 2",
    "block_without_names": "neither 'block_names' nor",
    "missing_block": "block 'dn' is missing",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_unreadable_layouts_raise_archive_format_error(tmp_path, case):
    with HDFArchive(_legacy_file(tmp_path / f"{case}.h5", lambda f: _broken(f, case)), "r") as ar:
        with pytest.raises(ArchiveFormatError, match=BROKEN[case]):
            ar["G"]


def test_reading_an_archive_leaves_plain_h5py_access_working(tmp_path):
    """A read-only archive takes the file lock like any reader: the user's own h5py opens of the same
    file in the same process work while it is open and after it is closed."""
    path = tmp_path / "mine.h5"
    with HDFArchive(path, "w") as ar:
        ar["x"] = np.arange(3.0)
    ar = HDFArchive(path, "r")
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["x"][()], np.arange(3.0))
    np.testing.assert_array_equal(ar["x"], np.arange(3.0))
    ar.close()
    with h5py.File(path, "r") as f, HDFArchive(path, "r") as again:
        assert list(f) == list(again) == ["x"]


def test_read_only_open_of_a_file_held_open_for_writing(tmp_path):
    """A run (another process) holds the file open for writing: HDF5's file lock would refuse a
    reader.  Read-only archives open without the lock, so reading and `inspect` work, and the
    writer's flushed data are what is read."""
    import subprocess
    import sys

    from triqs_mlsolver.archive.summary import summarize

    path = tmp_path / "running.h5"
    with HDFArchive(path, "w") as ar:
        ar["x"] = np.arange(4.0)
    writer = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, h5py\n"
         f"f = h5py.File({str(path)!r}, 'a')\n"
         "f['y'] = [1.0, 2.0]\n"
         "f.flush()\n"
         "print('open', flush=True)\n"
         "sys.stdin.readline()\n"
         "f.close()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(OSError, match="lock"):  # what a plain (locking) open meets
            h5py.File(path, "r")
        with HDFArchive(path, "r") as ar:
            np.testing.assert_array_equal(ar["x"], np.arange(4.0))
            np.testing.assert_array_equal(ar["y"], [1.0, 2.0])
        text = summarize(path)
        assert "x: array float64 (4,)" in text and "y: array float64 (2,)" in text
    finally:
        writer.communicate("\n", timeout=30)
    assert writer.returncode == 0
