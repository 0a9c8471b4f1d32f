"""``triqs-mlsolver inspect``: the summary of TRIQS-written files, --plot, the error channel."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import h5py
import numpy as np
import pytest

from triqs_mlsolver.archive import HDFArchive
from triqs_mlsolver.archive import summary as archive_summary
from triqs_mlsolver.cli import SUBCOMMANDS, main
from triqs_mlsolver.errors import InvalidParameterError
from triqs_mlsolver.gf import BlockGf, Gf
from triqs_mlsolver.meshes import MeshImFreq

HUBBARD_I = "generated/hubbardI_1orb_beta40_U3_half_filling_mu1p5.h5"


def _inspect(capsys, *argv):
    status = main(["inspect", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def test_inspect_hubbard_i_file(triqs_ref, capsys):
    status, out, err = _inspect(capsys, triqs_ref / HUBBARD_I)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].endswith("hubbardI_1orb_beta40_U3_half_filling_mu1p5.h5: HDF5 archive, 12 top-level entries")
    expected = [
        "  G_iw: BlockGf ['up', 'down'] on MeshImFreq(beta=40.0, S='Fermion', n_iw=1025) (2050 points); "
        "blocks: up (1, 1), down (1, 1)",
        "  G_l: BlockGf ['up', 'down'] on MeshLegendre(beta=40.0, S='Fermion', max_n=30) (30 points); "
        "blocks: up (1, 1), down (1, 1)",
        "  G_tau: BlockGf ['up', 'down'] on MeshImTime(beta=40.0, S='Fermion', n_tau=10001) (10001 points); "
        "blocks: up (1, 1), down (1, 1)",
        "  G_w: BlockGf ['up', 'down'] on MeshReFreq(w_min=-15.0, w_max=15.0, n_w=500) (500 points); "
        "blocks: up (1, 1), down (1, 1)",
        "  density: Dict (2 items)",
        "    up: array float64 (1, 1)",
        "  h_int: Operator (1 monomial): 3*c_dag('down',0)*c_dag('up',0)*c('up',0)*c('down',0)",
        "    U: float 3.0",
        "    gf_struct: List (2 items)",
        "      0: Tuple (2 items)",
        "        0: str 'up'",
        "        1: int 1",
        "  total_density: float 1.0000000000000142",
        "    triqs: str '3.2.1'",
    ]
    for line in expected:
        assert line in lines, line


def test_inspect_format_checks(triqs_ref, capsys):
    status, out, _ = _inspect(capsys, triqs_ref / "generated" / "format_checks.h5")
    lines = out.splitlines()
    expected = [
        "  array_complex: array complex (2, 3) (stored as float64 (2, 3, 2))",
        "  array_int: array int64 (5,)",
        "  bool: bool True",
        "  complex: complex (1.5-2j)",
        "  gf_imfreq: Gf on MeshImFreq(beta=10.0, S='Fermion', n_iw=16) (32 points), target_shape (2, 2)",
        "  gf_imfreq_scalar_boson: Gf on MeshImFreq(beta=10.0, S='Boson', n_iw=8) (15 points), target_shape ()",
        "  gf_legendre: Gf on MeshLegendre(beta=10.0, S='Fermion', max_n=8) (8 points), target_shape (2, 2)",
        "  mesh_imfreq: MeshImFreq(beta=10.0, S='Fermion', n_iw=16) (32 points)",
        "  int: int 42",
        "  string: str 'hello TRIQS'",
        "  tuple: Tuple (2 items)",
        "    nested: Dict (2 items)",
        "      x: array int64 (3,)",
        "  versions: Dict (1 item)",
    ]
    assert status == 0
    for line in expected:
        assert line in lines, line
    assert len(lines) == 1 + 20 + 20  # header, the 20 top-level entries, the 20 children of Dict/List/Tuple groups


def test_inspect_legacy_and_cpp_files(triqs_ref, capsys):
    _, out, _ = _inspect(capsys, triqs_ref / "hubbardI__aim_matsubara.ref.h5")
    assert "  G_iw: BlockGf ['up', 'down'] on MeshImFreq(beta=50.0, S='Fermion', n_iw=20) (40 points); " \
           "blocks: up (1, 1), down (1, 1)" in out.splitlines()
    _, out, _ = _inspect(capsys, triqs_ref / "ctseg__anderson_py.ref.h5")
    assert "  nn_tau: Block2Gf ['down', 'up'] x ['down', 'up'] on MeshImTime(beta=10.0, S='Boson', n_tau=2001) " \
           "(2001 points); blocks: down_down (1, 1), down_up (1, 1), up_down (1, 1), up_up (1, 1)" in out.splitlines()
    assert "    ('down', 'up'): array float64 (1, 1)" in out.splitlines()


def test_inspect_unknown_and_plain_groups(tmp_path, capsys):
    path = tmp_path / "mixed.h5"
    with h5py.File(path, "w") as f:
        f.create_group("plain")["x"] = np.zeros((2, 3), dtype=np.int32)
        f.create_group("other").attrs["Format"] = "SomeSolver"
        f["other"]["names"] = np.array([b"a", b"b"])
        f.create_group("broken").attrs["Format"] = "Gf"
        f["broken"]["data"] = np.zeros((3, 2))
    status, out, _ = _inspect(capsys, path)
    assert status == 0
    assert out.splitlines()[1:] == [
        "  broken: unreadable (Gf group '/broken' has no 'mesh': a Gf group holds 'data' and 'mesh' (found ['data']).)",
        "    data: array float64 (3, 2)",
        "  other: group with unknown Format 'SomeSolver'",
        "    names: str array (2,)",
        "  plain: group",
        "    x: array int32 (2, 3)",
    ]


def test_schema_attribute_dispatches_to_a_registered_summary(tmp_path, capsys, monkeypatch):
    path = tmp_path / "dataset.h5"
    with HDFArchive(path, "w") as ar:
        ar["n_samples"] = 3
        ar.h5_group.attrs[archive_summary.SCHEMA_ATTRIBUTE] = "test-schema/1"
    _, out, _ = _inspect(capsys, path)
    assert "schema: test-schema/1 (no summary for this schema in this version)" in out.splitlines()
    monkeypatch.setitem(archive_summary.SCHEMA_SUMMARIES, "test-schema/1", lambda ar: [f"  samples: {ar['n_samples']}"])
    _, out, _ = _inspect(capsys, path)
    assert out.splitlines()[1:4] == ["schema: test-schema/1", "  samples: 3", "  n_samples: int 3"]


def test_the_archive_knows_no_dataset_until_the_command_line_installs_it(tmp_path):
    """The archive imports nothing of data/: its summary of a dataset comes through the hook of the CLI."""
    path = tmp_path / "dataset.h5"
    with HDFArchive(path, "w") as ar:
        ar.h5_group.attrs[archive_summary.SCHEMA_ATTRIBUTE] = "triqs_mlsolver.dataset"
    code = (
        "import sys; from triqs_mlsolver.archive.summary import SCHEMA_SUMMARIES, summarize; "
        f"text = summarize({str(path)!r}); "
        "print(sorted(SCHEMA_SUMMARIES), 'triqs_mlsolver.data' in sys.modules, text.splitlines()[1])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[] False schema: triqs_mlsolver.dataset (no summary for this schema in this version)"


def test_register_summary_checks_its_arguments():
    with pytest.raises(InvalidParameterError, match="schema"):
        archive_summary.register_summary("", lambda ar: [])
    with pytest.raises(InvalidParameterError, match="summary"):
        archive_summary.register_summary("x/1", ["not callable"])


def test_plot_writes_a_png(triqs_ref, tmp_path, capsys):
    matplotlib_image = pytest.importorskip("matplotlib.image")
    out_png = tmp_path / "g_iw.png"
    status, out, err = _inspect(capsys, triqs_ref / HUBBARD_I, "--plot", "G_iw", "--out", out_png)
    assert status == 0 and err == "" and f"written to {out_png}" in out
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib_image.imread(out_png)
    assert image.shape[:2] == (600, 800) and image[..., :3].std() > 0.01  # 8x6 inches at 100 dpi, not blank


def test_plot_of_a_single_gf_and_a_nested_key(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "gf.h5"
    mesh = MeshImFreq(10.0, "Fermion", 20)
    g = Gf(mesh=mesh, data=1.0 / (mesh.values() - 0.5))
    with HDFArchive(path, "w") as ar:
        ar.create_group("it_0")["G"] = BlockGf(name_list=["a"], block_list=[g])
        ar["scalar"] = g
    for key in ("it_0/G", "scalar"):
        png = tmp_path / f"{key.replace('/', '_')}.png"
        assert _inspect(capsys, path, "--plot", key, "--out", png)[0] == 0
        assert png.stat().st_size > 1000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["missing.h5"], "path = '.*missing.h5' is invalid: allowed is an existing file"),
        (["{ref}", "--plot", "nope", "--out", "{tmp}/x.png"], "--plot KEY = 'nope' is invalid: allowed is a key of"),
        (["{ref}", "--plot", "params", "--out", "{tmp}/x.png"], "a Gf, BlockGf or Block2Gf \\(it holds a dict\\)"),
        (["{ref}", "--plot", "G_iw"], "both given or neither"),
        (["{ref}", "--plot", "G_iw", "--out", "{tmp}/no/such/dir/x.png"], "a file in an existing folder"),
    ],
)
def test_errors_are_one_line_on_stderr_with_status_2(triqs_ref, tmp_path, capsys, argv, message):
    argv = [a.format(ref=triqs_ref / HUBBARD_I, tmp=tmp_path) for a in argv]
    status, _, err = _inspect(capsys, *argv)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("triqs-mlsolver inspect: error: ")
    assert re.search(message, err), err


def test_usage_errors_and_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err
    assert main(["inspect", "--help"]) == 0
    assert "--plot KEY" in capsys.readouterr().out
    assert main(["no-such-command"]) == 2
    assert {"inspect", "generate", "dmft", "demo"} <= {sub.name for sub in SUBCOMMANDS}


def test_console_script_runs_and_parses_arguments_without_heavy_imports(triqs_ref):
    script = pathlib.Path(sys.executable).parent / "triqs-mlsolver"
    run = subprocess.run([script, "inspect", triqs_ref / "hubbardI__aim_w.ref.h5"], capture_output=True, text=True)
    assert run.returncode == 0 and "G_w: BlockGf ['up', 'down'] on MeshReFreq(w_min=-15.0" in run.stdout
    code = (
        "import sys; from triqs_mlsolver.cli import main; status = main(['inspect', '--help']); "
        "print(status, [m for m in ('h5py', 'numpy', 'matplotlib', 'triqs') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"
