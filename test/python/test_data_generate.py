"""Dataset generation: stored values against fresh solves, resume, bad input, failures, kill -9."""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

import h5py
import numpy as np
import pytest

from data_helpers import CHEAP_TOML, SMALL_TOML, cli_command, differences, run, small_dataset, write_config
from triqs_mlsolver.data import schema
from triqs_mlsolver.data.config import load_config
from triqs_mlsolver.data.distributions import Distribution
from triqs_mlsolver.data.generate import generate, make_tasks
from triqs_mlsolver.data.sampling import kondo_sample, make_aim, random_sample
from triqs_mlsolver.data.solve import mirror_reference
from triqs_mlsolver.ed import diagonalize
from triqs_mlsolver.errors import DatasetConfigError, DatasetSchemaError, DatasetWriteError, InvalidParameterError
from triqs_mlsolver.solvers.base import ImpurityProblem, SolverResult, get_solver, register

BLOCKS = ("up", "down")


def _stored_aim(f, i):
    columns = json.loads(f["samples/params"].attrs["columns"])
    params = f["samples/params"][i]
    U, beta = params[columns.index("U")], params[columns.index("beta")]
    return make_aim(U, f["samples/h_loc"][i], f["samples/bath_eps"][i], f["samples/bath_V"][i]), beta


def test_every_sample_of_the_small_set_is_done_with_a_reference():
    _, path = small_dataset()
    with schema.open_dataset(path) as f:
        assert np.all(f["status"][...] == schema.DONE)
        assert np.all(f["reference/ok"][...] == 1)
        assert list(f["samples/family"][...]) == [0] * 6 + [1] * 2 + [2] * 2
        for name in json.loads(f.attrs["solvers"]):
            assert np.all(f[f"solvers/{name}/ok"][...] == 1), (name, f[f"solvers/{name}/error"][...])


@pytest.mark.parametrize("i", [0, 3, 6, 7, 9])
def test_stored_reference_equals_a_fresh_ed_solve_of_the_stored_aim(i):
    config, path = small_dataset()
    cfg = load_config(config)
    o = cfg.output
    with schema.open_dataset(path) as f:
        aim, beta = _stored_aim(f, i)
        ed = diagonalize(aim, beta, cfg.reference.ed)
        iw = 1j * np.pi * (2 * np.arange(o.n_iw) + 1) / beta
        w = f["meshes/w"][...]
        for s, b in enumerate(BLOCKS):
            g = ed.poles[b].at(iw)[:, 0, 0]
            np.testing.assert_allclose(f["reference/G_iw"][i, s], g, atol=1e-10, rtol=0)
            np.testing.assert_allclose(f["reference/Sigma_iw"][i, s], 1 / aim.g0(iw)[b][:, 0, 0] - 1 / g, atol=1e-9)
            np.testing.assert_allclose(f["reference/G_tau"][i, s], ed.poles[b].tau(beta, o.n_tau)[:, 0, 0].real, atol=1e-10)
            np.testing.assert_allclose(f["reference/G_l"][i, s], ed.poles[b].legendre(beta, o.n_l)[:, 0, 0].real, atol=1e-10)
            np.testing.assert_allclose(f["reference/A_w"][i, s], -ed.poles[b].refreq(w, o.eta)[:, 0, 0].imag / np.pi,
                                       atol=1e-10)
            np.testing.assert_allclose(f["samples/delta_iw"][i, s], aim.hybridization(iw)[b][:, 0, 0], atol=1e-13)
        np.testing.assert_allclose(f["reference/density"][i], ed.occupations, atol=1e-10)
        assert abs(f["reference/double_occupancy"][i] - ed.double_occupancy[0, 1]) < 1e-10
        assert abs(f["reference/energy"][i] - ed.energy) < 1e-10
        assert abs(f["reference/free_energy"][i] - ed.free_energy) < 1e-10
        # physics: G(0+) + G(beta-) = -1 and the sum rule of A(w) (finite window, broadened)
        g_tau = f["reference/G_tau"][i]
        np.testing.assert_allclose(g_tau[:, 0] + g_tau[:, -1], -1.0, atol=1e-10)


@pytest.mark.filterwarnings("ignore::triqs_mlsolver.errors.BathFitWarning")  # 1-2 bath sites: poor fits expected
@pytest.mark.parametrize("i", [1, 8])
def test_stored_cheap_solver_outputs_equal_a_fresh_solve(i):
    config, path = small_dataset()
    cfg = load_config(config)
    o = cfg.output
    with schema.open_dataset(path) as f:
        aim, beta = _stored_aim(f, i)
        iw = 1j * np.pi * (2 * np.arange(-o.n_iw_solve, o.n_iw_solve) + 1) / beta
        problem = ImpurityProblem(beta, (("up", 1), ("down", 1)), aim.g0(iw), aim.h_int, n_tau=o.n_tau_solve, n_l=o.n_l)
        for spec in cfg.solvers:
            res = get_solver(spec.method)().solve(problem, spec.options)
            group = f[f"solvers/{spec.name}"]
            for s, b in enumerate(BLOCKS):
                np.testing.assert_allclose(group["G_iw"][i, s], res.g_iw[b][o.n_iw_solve:o.n_iw_solve + o.n_iw, 0, 0],
                                           atol=1e-10, rtol=0, err_msg=spec.name)
                np.testing.assert_allclose(group["G_l"][i, s], res.g_l[b][:, 0, 0].real, atol=1e-10, err_msg=spec.name)
                np.testing.assert_allclose(group["G_tau"][i, s], res.g_tau[b][:: o.tau_stride, 0, 0].real, atol=1e-10)


def test_bethe_samples_follow_the_dmft_loop():
    """Iteration 0 (metallic start) fits Delta = t^2 G_free; iteration 1 fits t^2 G of the iteration-0 reference."""
    config, path = small_dataset()
    cfg = load_config(config)
    with schema.open_dataset(path) as f:
        columns = json.loads(f["samples/params"].attrs["columns"])
        first = 6
        p0, p1 = f["samples/params"][first], f["samples/params"][first + 1]
        assert p0[columns.index("iteration")] == 0 and p1[columns.index("iteration")] == 1
        assert p0[columns.index("fit_distance")] < 0.05 and p1[columns.index("fit_distance")] < 0.05
        beta = p0[columns.index("beta")]
        iw = 1j * np.pi * (2 * np.arange(cfg.output.n_iw) + 1) / beta
        g_prev = f["reference/G_iw"][first, 0]
        delta_next = f["samples/delta_iw"][first + 1, 0]
        # the fitted 3-site bath reproduces t^2 G at the lowest frequencies
        assert np.max(np.abs(delta_next[:4] - 0.25 * g_prev[:4])) < 0.05 * np.max(np.abs(0.25 * g_prev[:4]))
        assert np.allclose(f["samples/h_loc"][first], -p0[columns.index("mu")])
        assert iw.shape == delta_next.shape


def test_resume_of_a_complete_file_does_nothing(tmp_path):
    config, path = small_dataset()
    copy = tmp_path / "copy.h5"
    shutil.copy(path, copy)
    report = generate(config, copy, progress=False)
    assert report.n_pending == 0 and report.n_written == 0
    assert differences(path, copy) == []


@pytest.mark.parametrize("family, local", [("random", 2), ("random", 4), ("kondo", 0)])
def test_the_mirror_reference_equals_a_fresh_ed_solve_of_the_mirrored_aim(family, local):
    """Particle-hole image of the even sample's ED against an independent solve of the odd sample
    (asymmetric random baths, and a Kondo sample in a field: B -> -B)."""
    config, _ = small_dataset()
    cfg = load_config(config)
    fam = dict(cfg.families)[family]
    if family == "kondo":
        fam = dataclasses.replace(fam, field=Distribution("fixed", value=0.05))
    make = random_sample if family == "random" else kondo_sample
    start = cfg.family_ranges()[family].start
    even, odd = (make(fam, 4, cfg.output.n_iw_solve, cfg.seed, start + k, k) for k in (local, local + 1))
    assert odd.params["mirrored"] == 1.0 and not np.allclose(even.h_loc, odd.h_loc)
    image = mirror_reference(diagonalize(even.aim(), even.beta, cfg.reference.ed), even)
    fresh = diagonalize(odd.aim(), odd.beta, cfg.reference.ed)
    iw = 1j * np.pi * (2 * np.arange(64) + 1) / odd.beta
    for b in BLOCKS:
        np.testing.assert_allclose(image.poles[b].at(iw), fresh.poles[b].at(iw), atol=1e-10, rtol=0)
        np.testing.assert_allclose(image.poles[b].tau(odd.beta, 51), fresh.poles[b].tau(odd.beta, 51), atol=1e-10)
        np.testing.assert_allclose(image.density[b], fresh.density[b], atol=1e-10)
    np.testing.assert_allclose(image.occupations, fresh.occupations, atol=1e-10)
    np.testing.assert_allclose(image.double_occupancy, fresh.double_occupancy, atol=1e-10)
    for name in ("e0", "energy", "free_energy"):
        assert getattr(image, name) == pytest.approx(getattr(fresh, name), abs=1e-10), name


def test_pending_odd_samples_are_made_with_their_partner():
    """Mirror pairs: an odd sample is computed with its even partner (written only if pending)."""
    config, _ = small_dataset()
    cfg = load_config(config)
    span = cfg.family_ranges()["random"]
    pending = np.array([span.start + 1, span.start + 2, span.start + 3, span.start + 4])
    got = sorted((t.indices.start, t.indices.stop, t.number) for t in make_tasks(cfg, pending) if t.family == "random")
    assert got == [(span.start, span.start + 2, 0), (span.start + 2, span.start + 4, 2), (span.start + 4, span.start + 5, 4)]


def test_task_orders_hand_out_the_same_work():
    """index: sorted by first sample; random: a seeded permutation of it (any prefix an unbiased subset);
    cost: the same tasks, longest first; an unknown order is refused by name."""
    config, _ = small_dataset()
    cfg = load_config(config)
    pending = np.arange(cfg.n_samples)
    key = lambda t: (t.family, t.indices.start, t.indices.stop, t.number)  # noqa: E731
    by_index = make_tasks(cfg, pending, "index")
    assert [t.indices.start for t in by_index] == sorted(t.indices.start for t in by_index)
    random_order = make_tasks(cfg, pending, "random")
    assert [key(t) for t in random_order] == [key(t) for t in make_tasks(cfg, pending, "random")]
    assert [key(t) for t in random_order] != [key(t) for t in by_index]
    for order in ("cost", "random"):
        assert sorted(map(key, make_tasks(cfg, pending, order))) == sorted(map(key, by_index))
    with pytest.raises(InvalidParameterError, match="order"):
        make_tasks(cfg, pending, "fastest")


def test_resume_after_a_stop_inside_mirror_pairs_gives_the_uninterrupted_file(tmp_path):
    """Whichever members of the pairs a run left pending, the resumed file is the same."""
    config, path = small_dataset()
    cfg = load_config(config)
    copy = tmp_path / "copy.h5"
    shutil.copy(path, copy)
    span = cfg.family_ranges()["random"]
    with h5py.File(copy, "r+") as f:  # an odd sample without its partner, an even one without its partner
        for i in (span.start + 1, span.start + 2):
            f["status"][i] = schema.PENDING
    assert generate(config, copy, progress=False).n_written == 2
    assert differences(path, copy) == []


def test_resume_accepts_a_file_started_before_an_option_with_its_old_default_existed(tmp_path):
    """A stored configuration without a since-added option (default = old behaviour) still resumes."""
    config, path = small_dataset()
    copy = tmp_path / "copy.h5"
    shutil.copy(path, copy)
    with h5py.File(copy, "r+") as f:
        stored = json.loads(f.attrs["config"])
        removed = [s["options"].pop("n_states_max") for s in stored["solvers"].values() if s["method"] == "ed"]
        assert removed, "the small recipe has an ed solver"
        f.attrs["config"] = json.dumps(stored, sort_keys=True, separators=(",", ":"))
        f.attrs["config_digest"] = "started-by-older-code"
        f["status"][0] = schema.PENDING
    assert generate(config, copy, progress=False).n_written == 1
    assert differences(path, copy) == []


def test_reference_from_solves_the_cheap_solvers_again_and_keeps_the_references(tmp_path):
    """A file whose cheap-solver outputs are spoiled gets them back from the current code; its references (one
    marked) are copied bit for bit, a failed sample stays failed, a pending one pending; resuming adds nothing."""
    config, path = small_dataset()
    cfg = load_config(config)
    old, new = tmp_path / "old.h5", tmp_path / "new.h5"
    shutil.copy(path, old)
    failed, pending = 1, 2
    with h5py.File(old, "r+") as f:
        for spec in cfg.solvers:
            for name in ("G_l", "G_tau", "density"):
                f[f"solvers/{spec.name}/{name}"][...] = 2.0 * f[f"solvers/{spec.name}/{name}"][...]
        f["reference/Z"][0] = [123.0, 123.0]
        f["status"][failed], f["samples/error"][failed] = schema.FAILED, b"the sample could not be built"
        f["status"][pending] = schema.PENDING
        f.attrs["config_digest"] = "digest-of-an-older-version"  # as written by older code, same configuration
    report = generate(config, new, progress=False, reference_from=old)
    assert report.n_written == cfg.n_samples - 1
    with h5py.File(path, "r") as fresh, h5py.File(new, "r") as f:
        assert f.attrs["config_digest"] == "digest-of-an-older-version"  # models that name the old file match
        assert f.attrs["references_from"] == str(old.resolve())
        status = f["status"][...]
        assert status[failed] == schema.FAILED and f["samples/error"][failed] == b"the sample could not be built"
        assert status[pending] == schema.PENDING
        done = np.flatnonzero(status == schema.DONE)
        assert done.size == cfg.n_samples - 2
        np.testing.assert_array_equal(f["reference/Z"][0], [123.0, 123.0])
        for name in ("reference/G_l", "reference/G_iw", "samples/bath_V", "samples/delta_iw"):
            np.testing.assert_array_equal(f[name][done], fresh[name][done], err_msg=name)
        for spec in cfg.solvers:
            for name in ("G_l", "G_tau", "G_iw", "density", "ok"):
                np.testing.assert_allclose(f[f"solvers/{spec.name}/{name}"][done], fresh[f"solvers/{spec.name}/{name}"][done],
                                           atol=1e-12, rtol=0, err_msg=f"{spec.name}/{name}")
        times = sum(f[f"solvers/{spec.name}/time"][done] for spec in cfg.solvers) + f["reference/time"][done]
        np.testing.assert_allclose(f["samples/time"][done], times, rtol=1e-12)
    assert generate(config, new, progress=False, reference_from=old).n_written == 0
    with pytest.raises(InvalidParameterError, match="reference_from .* is the output file itself"):
        generate(config, old, progress=False, reference_from=old)
    other = write_config(tmp_path, SMALL_TOML.replace("seed = 7", "seed = 8"))
    with pytest.raises(DatasetConfigError, match="another configuration"):
        generate(other, tmp_path / "other.h5", progress=False, reference_from=old)
    assert not (tmp_path / "other.h5").exists()


def test_resume_refuses_another_configuration_or_schema(tmp_path):
    config, path = small_dataset()
    copy = tmp_path / "copy.h5"
    shutil.copy(path, copy)
    other = write_config(tmp_path, SMALL_TOML.replace("seed = 7", "seed = 8"))
    with pytest.raises(DatasetConfigError, match=r"another configuration \(1 difference\(s\): seed: 7 -> 8\)"):
        generate(other, copy, progress=False)
    with h5py.File(copy, "r+") as f:
        f.attrs["schema_version"] = 99
    with pytest.raises(DatasetSchemaError, match="schema version 99"):
        generate(config, copy, progress=False)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = 1
    with pytest.raises(DatasetSchemaError, match="is not a triqs_mlsolver dataset"):
        generate(config, foreign, progress=False)
    text = tmp_path / "text.h5"
    text.write_text("hello")
    with pytest.raises(DatasetSchemaError, match="is not an HDF5 file"):
        generate(config, text, progress=False)


def test_unwritable_or_full_destinations_are_clear_errors(tmp_path, monkeypatch):
    config = write_config(tmp_path, CHEAP_TOML.replace("COUNT", "4"))
    with pytest.raises(DatasetWriteError, match="cannot create the dataset file"):
        generate(config, tmp_path / "no" / "such" / "folder" / "x.h5", progress=False)

    @dataclass
    class Usage:
        total: int = 10**9
        used: int = 10**9 - 1000
        free: int = 1000

    monkeypatch.setattr(schema.shutil, "disk_usage", lambda _: Usage())
    with pytest.raises(DatasetWriteError, match=r"it needs .* MB and .* has 0.0 MB free"):
        generate(config, tmp_path / "full.h5", progress=False)
    assert not any(p.suffix == ".h5" or "creating" in p.name for p in tmp_path.iterdir())


def test_read_only_folder_is_a_clear_error(tmp_path):
    """A folder without write permission (root ignores permissions: then sysfs, where nobody creates files)."""
    config = write_config(tmp_path, CHEAP_TOML.replace("COUNT", "4"))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        folder = pathlib.Path("/sys")
        if not folder.is_dir():
            pytest.skip("no unwritable folder available to root")
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
    try:
        with pytest.raises(DatasetWriteError, match="cannot create the dataset file .* Check that the folder exists "
                                                    "and is writable"):
            generate(config, folder / "x.h5", progress=False)
    finally:
        if folder.parent == tmp_path:
            folder.chmod(0o700)


def test_no_sample_is_marked_done_before_its_data_are_written(tmp_path, monkeypatch):
    """A write that fails after the rows and before the status leaves the samples pending; resume completes them."""
    config = write_config(tmp_path, CHEAP_TOML.replace("COUNT", "6"))
    reference = tmp_path / "reference.h5"
    generate(config, reference, progress=False)
    calls = {"n": 0}
    original = schema.DatasetWriter._sync

    def failing_sync(self):
        calls["n"] += 1
        if calls["n"] == 5:  # the data flush of the third task (a mirror pair: two samples)
            raise OSError("simulated I/O failure")
        original(self)

    monkeypatch.setattr(schema.DatasetWriter, "_sync", failing_sync)
    path = tmp_path / "interrupted.h5"
    with pytest.raises(DatasetWriteError, match="simulated I/O failure"):
        generate(config, path, progress=False)
    with schema.open_dataset(path) as f:
        status = f["status"][...]
        assert (status == schema.DONE).sum() == 4 and (status == schema.PENDING).sum() == 2
        rows_written = [i for i in np.flatnonzero(status == schema.PENDING) if np.all(np.isfinite(f["reference/G_l"][i]))]
        assert len(rows_written) == 2  # the third pair: its rows are in the file, its status is not set
    monkeypatch.setattr(schema.DatasetWriter, "_sync", original)
    assert generate(config, path, progress=False).n_written == 2
    assert differences(reference, path) == []


@dataclass(frozen=True)
class _FailOptions:
    when_u_above: float = field(default=2.0, metadata={"doc": "fail when U exceeds this"})


@register
class _FailingSolver:
    """A solver that raises for large U (tests the failure records)."""

    name = "test_failing"
    Options = _FailOptions

    def solve(self, problem: ImpurityProblem, options: _FailOptions) -> SolverResult:
        u = next(iter(problem.h_int))[0].real
        if u > options.when_u_above:
            raise ArithmeticError(f"U = {u:.3f} is too large for this test solver")
        return get_solver("hubbard_i")().solve(problem, get_solver("hubbard_i").Options())


def test_a_failing_solver_is_recorded_and_the_run_goes_on(tmp_path):
    text = CHEAP_TOML.replace("COUNT", "8") + '[solvers.flaky]\nmethod = "test_failing"\noptions = { when_u_above = 2.5 }\n'
    path = tmp_path / "flaky.h5"
    generate(write_config(tmp_path, text), path, progress=False)
    with schema.open_dataset(path) as f:
        columns = json.loads(f["samples/params"].attrs["columns"])
        U = f["samples/params"][:, columns.index("U")]
        ok = f["solvers/flaky/ok"][...]
        assert np.all(f["status"][...] == schema.DONE)
        assert np.array_equal(ok == 0, U > 2.5) and 0 < ok.sum() < ok.size
        for i in np.flatnonzero(ok == 0):
            assert f["solvers/flaky/error"][i].decode().startswith("ArithmeticError: U = ")
            assert np.all(np.isnan(f["solvers/flaky/G_l"][i]))
        np.testing.assert_array_equal(f["solvers/flaky/G_l"][ok == 1], f["solvers/hubbard_i/G_l"][ok == 1])
        assert np.all(f["solvers/hubbard_i/ok"][...] == 1)
    lines = "\n".join(__import__("triqs_mlsolver.data.summary", fromlist=["x"]).summary_lines(h5py.File(path, "r")))
    assert "failures: " in lines and "ArithmeticError" in lines


def test_cli_generate_and_inspect(tmp_path):
    config = write_config(tmp_path, CHEAP_TOML.replace("COUNT", "3"))
    out = tmp_path / "cli.h5"
    done = run(cli_command("generate", str(config), "--out", str(out), "--quiet"))
    assert done.returncode == 0, done.stderr
    assert "wrote 3 samples (3 were pending, 3 in the file)" in done.stdout
    dry = run(cli_command("generate", str(config), "--out", str(out), "--dry-run"))
    assert dry.returncode == 0 and dry.stdout.startswith("3 samples (random 3); Nb_ref = 2")
    shown = run(cli_command("inspect", str(out)))
    assert shown.returncode == 0, shown.stderr
    assert "dataset: 3 samples: 3 done, 0 failed, 0 pending" in shown.stdout
    assert "  hubbard_i    3/3" in shown.stdout
    bad = write_config(tmp_path, CHEAP_TOML.replace("COUNT", "3").replace("seed = 11", "seed = 11\ncolour = 1"), "bad.toml")
    failed = run(cli_command("generate", str(bad), "--out", str(out)))
    assert failed.returncode == 2 and "unknown key(s) ['colour']" in failed.stderr and "Traceback" not in failed.stderr


def _done(path) -> int:
    try:
        with h5py.File(path, "r", locking=False) as f:
            return int((f["status"][...] != 0).sum())
    except (OSError, KeyError):
        return 0


def test_kill_minus_nine_three_times_then_resume_gives_the_uninterrupted_file(tmp_path):
    """SIGKILL at random moments (writes included), three times; the resumed file equals an uninterrupted run."""
    n = 60
    config = write_config(tmp_path, CHEAP_TOML.replace("COUNT", str(n)))
    reference, path = tmp_path / "reference.h5", tmp_path / "killed.h5"
    assert run(cli_command("generate", str(config), "--out", str(reference), "--quiet")).returncode == 0
    rng = np.random.default_rng(20261121)
    kills = 0
    for target in sorted(rng.choice(np.arange(5, n - 5), size=3, replace=False)):
        process = subprocess.Popen(cli_command("generate", str(config), "--out", str(path), "--quiet"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while _done(path) < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.03))  # land anywhere: computing, writing rows, flushing, setting a status
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills == 3
    assert 0 < _done(path) < n
    resumed = run(cli_command("generate", str(config), "--out", str(path), "--quiet"))
    assert resumed.returncode == 0, resumed.stderr
    assert differences(reference, path) == []
    assert not list(pathlib.Path(tmp_path).glob(".*.creating"))


BETHE_TOML = CHEAP_TOML.replace("""[families.random]
count = COUNT
level_mode = "shift"
level = { dist = "uniform", low = -1.0, high = 1.0 }
""", """[families.bethe]
U = [2.0]
beta = [10.0]
starts = ["metal"]
n_iterations = 3
""")


def test_a_runaway_bath_fit_stops_the_dmft_loop(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from triqs_mlsolver.aim import BathBlock
    from triqs_mlsolver.data import bethe

    calls = {"n": 0}
    real_fit = bethe.fit_bath

    def fit(*args, **kwargs):
        calls["n"] += 1
        result = real_fit(*args, **kwargs)
        if calls["n"] < 2:
            return result
        return SimpleNamespace(bath={"0": BathBlock(np.array([-1e71, 0.5]), np.array([[4e30, 0.3]]))}, distance=0.0)

    monkeypatch.setattr(bethe, "fit_bath", fit)
    path = tmp_path / "bethe.h5"
    generate(write_config(tmp_path, BETHE_TOML), path, progress=False)
    with schema.open_dataset(path) as f:
        assert list(f["status"][...]) == [schema.DONE, schema.FAILED, schema.FAILED]
        assert f["reference/ok"][0] == 1 and np.all(np.isnan(f["reference/G_l"][1:]))
        for i in (1, 2):
            assert "the bath fit of iteration 1 is unphysical" in f["samples/error"][i].decode()


def test_a_reference_violating_the_sum_rule_is_refused(tmp_path, monkeypatch):
    import dataclasses

    from triqs_mlsolver.data import solve
    from triqs_mlsolver.poles import PoleGf

    real = solve.diagonalize

    def halved(aim, beta, options):
        ed = real(aim, beta, options)
        return dataclasses.replace(ed, poles={b: PoleGf(p.energies, 0.5 * p.residues) for b, p in ed.poles.items()})

    monkeypatch.setattr(solve, "diagonalize", halved)
    path = tmp_path / "halved.h5"
    generate(write_config(tmp_path, CHEAP_TOML.replace("COUNT", "2")), path, progress=False)
    with schema.open_dataset(path) as f:
        assert np.all(f["status"][...] == schema.DONE) and np.all(f["reference/ok"][...] == 0)
        assert all("sum rule violated" in e.decode() for e in f["reference/error"][...])
        assert np.all(f["solvers/hubbard_i/ok"][...] == 1)
