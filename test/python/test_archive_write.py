"""What HDFArchive writes: the exact TRIQS >= 3.2 layout, exact round trips, clear errors.

The layout is compared with files written by TRIQS itself (``triqs__block_pyh5_ref.h5``,
``generated/format_checks.h5``, the ``h_int`` Operator of the generated Hubbard-I file)
through a recursive dump made with raw h5py in this file: group names, attributes with
their HDF5 types, dataset types, shapes, chunking, compression and values.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from triqs_mlsolver.archive import Block2Gf, HDFArchive, HDFArchiveGroup, register_class
from triqs_mlsolver.errors import ArchiveFormatError, InvalidParameterError
from triqs_mlsolver.gf import BlockGf, Gf
from triqs_mlsolver.meshes import MeshImFreq, MeshImTime, MeshLegendre, MeshReFreq
from triqs_mlsolver.operators import Operator, c, c_dag, n

# ----------------------------------------------------------------------------- raw h5py dump


def _type(tid) -> tuple:
    """Every property of an HDF5 datatype that a TRIQS reader can see."""
    cls = tid.get_class()
    if cls == h5py.h5t.STRING:
        size = "vlen" if tid.is_variable_str() else tid.get_size()
        return ("string", size, tid.get_strpad(), tid.get_cset())
    if cls == h5py.h5t.ENUM:
        members = tuple((tid.get_member_name(i), tid.get_member_value(i)) for i in range(tid.get_nmembers()))
        return ("enum", tid.get_super().get_size(), tid.get_super().get_sign(), members)
    if cls == h5py.h5t.COMPOUND:
        fields = tuple(
            (tid.get_member_name(i), tid.get_member_offset(i), _type(tid.get_member_type(i)))
            for i in range(tid.get_nmembers())
        )
        return ("compound", tid.get_size(), fields)
    if cls == h5py.h5t.ARRAY:
        return ("array", tid.get_array_dims(), _type(tid.get_super()))
    sign = tid.get_sign() if cls == h5py.h5t.INTEGER else None
    return (cls, tid.get_size(), sign, tid.get_order())


def _value(x):
    arr = np.asarray(x)
    if arr.dtype.kind == "V":  # compound rows: one tuple of fields per row
        return [tuple(np.asarray(field).tolist() for field in row) for row in arr.ravel()]
    return arr.tolist()


def dump(node, with_values=True) -> dict:
    """``{path: description}`` of every group, dataset and attribute under ``node``."""
    out = {}

    def attrs(obj, path):
        for name in obj.attrs:
            aid = obj.attrs.get_id(name)
            out[f"{path}@{name}"] = (_type(aid.get_type()), aid.shape, _value(obj.attrs[name]))

    def visit(obj, path):
        attrs(obj, path)
        if isinstance(obj, h5py.Group):
            out[path] = ("group", tuple(obj.keys()))
            for key in obj:
                visit(obj[key], f"{path}/{key}")
        else:
            plist = obj.id.get_create_plist()
            layout = (
                plist.get_layout(), obj.chunks, obj.compression, obj.compression_opts, obj.shuffle, obj.fletcher32
            )
            value = _value(obj[()]) if with_values else None
            out[path] = ("dataset", _type(obj.id.get_type()), obj.shape, layout, value)

    visit(node, "")
    return out


def _stored(tmp_path, **objects) -> h5py.File:
    """Write ``objects`` with HDFArchive and reopen the file with raw h5py."""
    path = tmp_path / "written.h5"
    with HDFArchive(path, "w") as ar:
        for key, value in objects.items():
            ar[key] = value
    return h5py.File(path, "r")


# ----------------------------------------------------------------------------- layout == TRIQS files


def test_blockgf_layout_equals_triqs_python_writer(triqs_ref, tmp_path):
    """A BlockGf of scalar-valued zero Gfs on MeshImFreq(10, Fermion, 100), as TRIQS's block_pyh5_ref."""
    mesh = MeshImFreq(beta=10.0, S="Fermion", n_iw=100)
    bgf = BlockGf(name_list=["0", "1"], block_list=[Gf(mesh=mesh, target_shape=[]) for _ in range(2)])
    with h5py.File(triqs_ref / "triqs__block_pyh5_ref.h5", "r") as ref, _stored(tmp_path, bgf=bgf) as ours:
        assert dump(ours) == dump(ref)
        assert len(dump(ref)) == 27  # the comparison covers every group, dataset and attribute of the file


@pytest.fixture
def format_checks(triqs_ref):
    with h5py.File(triqs_ref / "generated" / "format_checks.h5", "r") as f:
        yield f


def _raw_complex(dset) -> np.ndarray:
    raw = dset[()]
    return raw[..., 0] + 1j * raw[..., 1]


PRIMITIVES = {
    "int": 42,
    "float": 3.25,
    "complex": 1.5 - 2j,
    "bool": True,
    "string": "hello TRIQS",
    "list": [1, 2.5, "three"],
    "tuple": (1, "a"),
    "dict": {"a": 1, "b": 2.5, "c": "text", "nested": {"x": np.arange(3), "y": "deep"}},
    "array_int": np.arange(5),
    "versions": {"triqs": "3.2.1"},
}


@pytest.mark.parametrize("key", sorted(PRIMITIVES) + ["array_float", "array_complex", "params"])
def test_primitive_layout_equals_triqs(format_checks, tmp_path, key):
    if key == "array_float":
        value = format_checks[key][()]
    elif key == "array_complex":
        value = _raw_complex(format_checks[key])
    elif key == "params":  # a Dict of floats, strings and a 2x2 array
        raw = format_checks[key]
        value = {k: raw[k][()].decode() if raw[k].dtype.kind == "O" else raw[k][()] for k in raw}
    else:
        value = PRIMITIVES[key]
    with _stored(tmp_path, **{key: value}) as ours:
        assert dump(ours[key]) == dump(format_checks[key])


def _eps():
    return np.array([[0.5, 0.1], [0.1, -0.5]])


def _matsubara(beta, n_iw, boson=False):
    n = np.arange(-(n_iw - 1) if boson else -n_iw, n_iw)
    return 1j * np.pi * (2 * n + (0 if boson else 1)) / beta


def _resolvent(z, eps):
    """(z - eps)^-1 at every z, for a matrix eps."""
    return np.linalg.inv(z[:, None, None] * np.eye(len(eps)) - eps)


def test_gf_layouts_equal_triqs(format_checks, tmp_path):
    """Gf, mesh and BlockGf groups built from closed forms (plus the tau/Legendre data copied raw)."""
    eps = _eps()
    iw16, iw8b = _matsubara(10.0, 16), _matsubara(10.0, 8, boson=True)
    w = np.linspace(-2.0, 2.0, 41)
    objects = {
        "mesh_imfreq": MeshImFreq(10.0, "Fermion", 16),
        "gf_imfreq": Gf(mesh=MeshImFreq(10.0, "Fermion", 16), data=_resolvent(iw16, eps)),
        "gf_imfreq_scalar_boson": Gf(mesh=MeshImFreq(10.0, "Boson", 8), data=1.0 / (iw8b - 0.25)),
        "gf_refreq": Gf(mesh=MeshReFreq(-2.0, 2.0, 41), data=_resolvent(w + 0.1j, eps)),
        "gf_imtime": Gf(mesh=MeshImTime(10.0, "Fermion", 65), data=_raw_complex(format_checks["gf_imtime/data"])),
        "gf_legendre": Gf(mesh=MeshLegendre(10.0, "Fermion", 8), data=_raw_complex(format_checks["gf_legendre/data"])),
        "block_gf": BlockGf(
            name_list=["up", "down"],
            block_list=[
                Gf(mesh=MeshImFreq(10.0, "Fermion", 16), data=(1.0 / (iw16 + s))[:, None, None]) for s in (-0.3, 0.3)
            ],
        ),
    }
    with _stored(tmp_path, **objects) as ours:
        for key in objects:
            theirs, mine = dump(format_checks[key]), dump(ours[key])
            assert mine.keys() == theirs.keys(), key
            for path, entry in theirs.items():
                if path.endswith("/data"):  # closed forms agree with TRIQS's numbers to rounding
                    assert mine[path][:4] == entry[:4], (key, path)
                    np.testing.assert_allclose(
                        ours[key + path][()], format_checks[key + path][()], rtol=1e-14, atol=1e-14
                    )
                else:
                    assert mine[path] == entry, (key, path)


def test_ctseg_python_writer_layout_block2gf_and_tuple_keyed_dict(triqs_ref, tmp_path):
    """The whole ctseg anderson_py file: BlockGfs on MeshImTime, a Block2Gf on a bosonic mesh, Dicts."""
    with h5py.File(triqs_ref / "ctseg__anderson_py.ref.h5", "r") as ref:
        def gf(path, mesh):
            return Gf(mesh=mesh, data=_raw_complex(ref[path + "/data"]))

        fermion, boson = MeshImTime(10.0, "Fermion", 2051), MeshImTime(10.0, "Boson", 2001)
        spins = ["down", "up"]
        objects = {
            key: BlockGf(name_list=spins, block_list=[gf(f"{key}/{s}", fermion) for s in spins])
            for key in ("G_tau", "F_tau")
        }
        objects["nn_tau"] = Block2Gf(spins, spins, [[gf(f"nn_tau/{a}_{b}", boson) for b in spins] for a in spins])
        objects["densities"] = {s: ref["densities"][s][()] for s in spins}
        objects["nn"] = {(a, b): ref["nn"][str((a, b))][()] for a in spins for b in spins}
        with _stored(tmp_path, **objects) as ours:
            assert dump(ours) == dump(ref)


def test_operator_layout_equals_triqs_cpp_writer(triqs_ref, tmp_path):
    """U n_up n_dn with U = 3: the compound dataset and fundamental_operator_set of the TRIQS C++ writer."""
    ref_path = triqs_ref / "generated" / "hubbardI_1orb_beta40_U3_half_filling_mu1p5.h5"
    with h5py.File(ref_path, "r") as ref, _stored(tmp_path, h_int=3.0 * n("up", 0) * n("down", 0)) as ours:
        assert dump(ours["h_int"]) == dump(ref["h_int"])


# ----------------------------------------------------------------------------- round trips


class Point:
    """A user class made storable with register_class."""

    def __init__(self, x, label):
        self.x, self.label = x, label

    def __reduce_to_dict__(self):
        return {"x": self.x, "label": self.label}

    @classmethod
    def __factory_from_dict__(cls, name, d):
        return cls(d["x"], d["label"])


register_class(Point, "TestPoint")


def _assert_same(a, b):
    """Exact equality, type included (numpy arrays: dtype, shape and values)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, dict):
        assert list(sorted(a)) == list(sorted(b))
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, Gf):
        assert a.mesh == b.mesh
        _assert_same(a.data, b.data)
    elif isinstance(a, (BlockGf, Block2Gf)):
        assert [name for name, _ in a] == [name for name, _ in b]
        for (_, x), (_, y) in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, Operator):
        assert list(a) == list(b)
        assert [type(coef) for _, coef in a] == [type(coef) for _, coef in b]
    elif isinstance(a, Point):
        _assert_same(a.x, b.x)
        _assert_same(a.label, b.label)
    else:
        assert a == b or (a != a and b != b)


def _rng_complex(rng, shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def _round_trip_values(rng):
    iw = MeshImFreq(7.5, "Fermion", 5)
    return {
        "int": 7,
        "negative_int": -(2**63),
        "float": 0.1,
        "nan": float("nan"),
        "inf": float("-inf"),
        "bool_true": True,
        "bool_false": False,
        "complex": 0.25 - 1e-300j,
        "str": "hello",
        "unicode": "Σ(iω) — ½",
        "empty_str": "",
        "array_bool": np.array([True, False, True]),
        "array_int8": np.arange(-3, 3, dtype=np.int8),
        "array_uint64": np.array([0, 2**64 - 1], dtype=np.uint64),
        "array_int32_3d": np.arange(24, dtype=np.int32).reshape(2, 3, 4),
        "array_float32": rng.normal(size=(4, 2)).astype(np.float32),
        "array_float64": rng.normal(size=(3, 5)),
        "array_complex128": _rng_complex(rng, (3, 2, 2)),
        "array_complex64": _rng_complex(rng, (6,)).astype(np.complex64),
        "array_empty": np.zeros((0, 3)),
        "array_fortran": np.asfortranarray(rng.normal(size=(3, 4))),
        "list": [1, [2.0, "x"], {"k": (3, 4)}],
        "empty_list": [],
        "tuple": (1, "a", 2.5j),
        "empty_dict": {},
        "dict": {"U": 2.0, "gf_struct": [("up", 1), ("down", 1)], "nested": {"deep": {"deeper": np.ones(2)}}},
        "mesh_imfreq": iw,
        "mesh_imfreq_boson": MeshImFreq(2.0, "Boson", 4),
        "mesh_imfreq_positive": MeshImFreq(3.0, "Fermion", 6, positive_only=True),
        "mesh_imtime": MeshImTime(7.5, "Fermion", 11),
        "mesh_legendre": MeshLegendre(7.5, "Boson", 9),
        "mesh_refreq": MeshReFreq(-3.0, 4.0, 13),
        "gf_matrix": Gf(mesh=iw, data=_rng_complex(rng, (10, 2, 2))),
        "gf_scalar": Gf(mesh=MeshImTime(7.5, "Fermion", 11), data=_rng_complex(rng, (11,))),
        "gf_real": Gf(mesh=MeshLegendre(7.5, "Fermion", 9), data=rng.normal(size=(9, 3, 3))),
        "gf_rank3": Gf(mesh=MeshReFreq(-1.0, 1.0, 4), data=_rng_complex(rng, (4, 1, 2, 3))),
        "block_gf": BlockGf(
            name_list=["up", "down", "ünïcode"],
            block_list=[Gf(mesh=iw, data=_rng_complex(rng, (10, k, k))) for k in (1, 2, 3)],
        ),
        "block2_gf": Block2Gf(
            ["up", "dn"], ["a"],
            [[Gf(mesh=MeshImTime(7.5, "Boson", 11), data=rng.normal(size=(11, 1, 1)))] for _ in range(2)],
        ),
        "operator": 2.5 * n("up", 0) * n("down", 0) + (0.5 - 0.25j) * c_dag("up", 0) * c("down", 0) + 1.0,
        "operator_quadratic": -1.5 * c_dag(0, "a") * c(1, "b") + 0.75 * c_dag(1, "b") * c(0, "a"),
        "operator_zero": Operator(),
        "point": Point(np.arange(3.0), "p"),
    }


def test_round_trip_is_exact_for_every_supported_type(tmp_path, rng):
    values = _round_trip_values(rng)
    path = tmp_path / "rt.h5"
    with HDFArchive(path, "w") as ar:
        for key, value in values.items():
            ar[key] = value
    with HDFArchive(path, "r") as ar:
        assert sorted(ar.keys()) == sorted(values)
        for key, value in values.items():
            _assert_same(ar[key], value)


def test_numpy_scalars_and_0d_arrays_come_back_as_python_scalars_of_equal_value(tmp_path):
    values = {"i32": np.int32(-5), "u8": np.uint8(200), "f32": np.float32(0.1), "c64": np.complex64(1 + 2j),
              "b": np.bool_(True), "zero_d": np.array(2.5), "s": np.str_("abc")}
    with HDFArchive(tmp_path / "s.h5", "w") as ar:
        ar.update(values)
        back = dict(ar.items())
    expected = {
        "i32": -5, "u8": 200, "f32": float(np.float32(0.1)), "c64": 1 + 2j, "b": True, "zero_d": 2.5, "s": "abc"
    }
    for key, value in expected.items():
        _assert_same(back[key], value)
    with h5py.File(tmp_path / "s.h5", "r") as raw:  # the dtype is kept on disk
        assert raw["i32"].dtype == np.int32 and raw["u8"].dtype == np.uint8 and raw["f32"].dtype == np.float32


def test_str_arrays_are_fixed_length_and_come_back_as_lists(tmp_path):
    with HDFArchive(tmp_path / "s.h5", "w") as ar:
        ar["names"] = np.array(["up", "down"])
        ar["table"] = np.array([["a", "bb"], ["ccc", "Σ"]])
        assert ar["names"] == ["up", "down"]
        assert ar["table"] == [["a", "bb"], ["ccc", "Σ"]]
        tid = ar.h5_group["names"].id.get_type()
        assert not tid.is_variable_str() and tid.get_size() == 5 and tid.get_strpad() == h5py.h5t.STR_NULLTERM


def test_dict_keys_are_stringified_like_triqs(tmp_path):
    with HDFArchive(tmp_path / "d.h5", "w") as ar:
        ar["d"] = {("up", "dn"): 1.0, 3: "three"}
        assert ar["d"] == {"('up', 'dn')": 1.0, "3": "three"}


def test_group_api_nested_access_overwrite_delete(tmp_path):
    path = tmp_path / "g.h5"
    with HDFArchive(path, "w") as ar:
        sub = ar.create_group("a")
        sub["x"] = 1
        subsub = sub.create_group("b")
        subsub["y"] = [1, 2]
        assert isinstance(ar["a"], HDFArchiveGroup) and ar["a"]["b"]["y"] == [1, 2]
        assert ar["a/b/y"] == [1, 2] and "a/b" in ar and "a/zz" not in ar
        assert ar.is_group("a") and not ar.is_data("a") and ar["a"].is_data("x") and not ar.is_group("nope")
        assert len(ar) == 1 and list(ar) == ["a"] and sorted(ar["a"].keys()) == ["b", "x"]
        assert subsub.path == "/a/b" and ar.format_of("a") == "" and "." not in ar and "a/./b" not in ar
        sub["bgf"] = BlockGf(name_list=["up"], block_list=[Gf(mesh=MeshImFreq(1.0, "Fermion", 2), target_shape=[])])
        assert sub.format_of("bgf") == "BlockGf" and isinstance(sub["bgf"], BlockGf)
        raw = sub.get_raw("bgf")
        assert isinstance(raw, HDFArchiveGroup) and sorted(raw) == ["block_names", "up"]
        assert raw["block_names"] == ["up"]
        del sub["bgf"]
        sub["x"] = "replaced"  # overwrite with another type
        assert sub["x"] == "replaced"
        ar["copy"] = ar["a"]  # a plain group is copied
        del ar["a"]
        assert "a" not in ar and ar["copy"]["b"]["y"] == [1, 2] and ar["copy"]["x"] == "replaced"
        with pytest.raises(KeyError):
            ar["a"]
        with pytest.raises(KeyError):
            del ar["a"]
    with HDFArchive(path, "a") as ar:  # 'a' keeps the content and appends
        ar["more"] = 2
        assert sorted(ar) == ["copy", "more"]
    with HDFArchive(path, "w") as ar:  # 'w' truncates
        assert len(ar) == 0


def test_failed_write_keeps_the_previous_value(tmp_path):
    with HDFArchive(tmp_path / "f.h5", "w") as ar:
        ar["x"] = [1, 2]
        with pytest.raises(InvalidParameterError, match="None"):
            ar["x"] = [3, None]
        assert ar["x"] == [1, 2] and ar.keys() == ["x"]


# ----------------------------------------------------------------------------- bad input


def test_key_with_slash_or_not_str_is_rejected(tmp_path):
    with HDFArchive(tmp_path / "k.h5", "w") as ar:
        with pytest.raises(InvalidParameterError, match=r"key = 'a/b' is invalid.*without '/'"):
            ar["a/b"] = 1
        with pytest.raises(InvalidParameterError, match="key = 3 is invalid: allowed is a str"):
            ar[3] = 1
        with pytest.raises(InvalidParameterError, match="'/'"):
            ar["d"] = {"x/y": 1}
        with pytest.raises(InvalidParameterError, match="'/'"):
            ar.create_group("g/h")
        with pytest.raises(InvalidParameterError, match="key = ''"):
            ar[""] = 1
        assert len(ar) == 0


def test_none_and_unsupported_objects_are_rejected(tmp_path):
    with HDFArchive(tmp_path / "n.h5", "w") as ar:
        with pytest.raises(InvalidParameterError, match=r"value of 'x' = None is invalid.*Omit the key"):
            ar["x"] = None
        with pytest.raises(InvalidParameterError, match=r"object of class builtins.object.*register_class"):
            ar["y"] = object()
        with pytest.raises(InvalidParameterError, match="int64 range"):
            ar["big"] = 2**70
        with pytest.raises(InvalidParameterError, match="dtype object"):
            ar["obj"] = np.array([1, "a"], dtype=object)
        with pytest.raises(InvalidParameterError, match="at most 4 operators"):
            ar["op"] = c_dag(0) * c_dag(1) * c_dag(2) * c(2) * c(1) * c(0)
        assert len(ar) == 0


def test_invalid_mode_missing_file_and_read_only_writes(tmp_path):
    with pytest.raises(InvalidParameterError, match=r"mode = 'x' is invalid: allowed is one of 'r' .*'w' .*'a'"):
        HDFArchive(tmp_path / "m.h5", "x")
    with pytest.raises(InvalidParameterError, match="existing file in mode 'r'.*mode 'a' or 'w'"):
        HDFArchive(tmp_path / "missing.h5", "r")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(ArchiveFormatError, match="cannot open"):
        HDFArchive(tmp_path / "text.h5", "r")
    with HDFArchive(tmp_path / "ro.h5", "w") as ar:
        ar["x"] = 1
    with HDFArchive(tmp_path / "ro.h5", "r") as ar:
        with pytest.raises(InvalidParameterError, match="HDFArchive\\(path, 'a'\\)"):
            ar["y"] = 2
        with pytest.raises(InvalidParameterError, match="mode"):
            del ar["x"]
        assert ar["x"] == 1
    with pytest.raises(InvalidParameterError, match="closed"):
        ar["x"]


def test_register_class_rejects_bad_registrations():
    class NoMethods:
        pass

    class Other(Point):
        pass

    with pytest.raises(InvalidParameterError, match="__reduce_to_dict__"):
        register_class(NoMethods)
    with pytest.raises(InvalidParameterError, match="built-in formats"):
        register_class(Other, "BlockGf")
    with pytest.raises(InvalidParameterError, match="not yet used by another class"):
        register_class(Other, "TestPoint")
    register_class(Point, "TestPoint")  # the same registration again is allowed
