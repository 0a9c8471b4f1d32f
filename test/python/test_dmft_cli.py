"""`triqs-mlsolver dmft bethe` and `triqs-mlsolver demo`: runs, outputs, and errors before any work."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import requires_matplotlib

from triqs_mlsolver.archive import HDFArchive
from triqs_mlsolver.cli import main
from triqs_mlsolver.dmft import BetheParameters, read_summary, solve_bethe

SMALL = ["--beta", "10", "--n-iw", "64", "--n-tau", "257", "--n-l", "20", "--quiet"]


@requires_matplotlib
def test_bethe_sweep_with_two_methods(tmp_path, capsys):
    out = tmp_path / "mott.h5"
    status = main(["dmft", "bethe", "--U", "0.5:1.5:0.5", "--method", "ipt,hubbard_i", "--out", str(out), *SMALL])
    assert status == 0
    text = capsys.readouterr().out
    assert "ipt" in text and "hubbard_i" in text and "mott.png" in text
    assert out.is_file() and (tmp_path / "mott.png").stat().st_size > 10000
    summary = read_summary(out)
    assert np.allclose(summary["ipt"]["U"], [0.5, 1.0, 1.5])
    direct = solve_bethe(0.5, BetheParameters(beta=10.0, n_iw=64, n_tau=257, n_l=20), "ipt")
    assert summary["ipt"]["Z"][0] == pytest.approx(direct.Z, abs=1e-12)
    assert np.all(summary["hubbard_i"]["converged"])


@requires_matplotlib
def test_bethe_options_reach_the_archive(tmp_path):
    out = tmp_path / "x.h5"
    plot = tmp_path / "fig.png"
    status = main(["dmft", "bethe", "--U", "2,1", "--start", "insulator", "--mixing", "0.7", "--tol", "1e-4",
                   "--max-iter", "50", "--mu", "0.8", "--D", "1.2", "--no-continuation", "--last-only",
                   "--option", "ipt.density_tolerance=1e-9", "--out", str(out), "--plot", str(plot), *SMALL])
    assert status == 0 and plot.is_file()
    with HDFArchive(out, "r") as ar:
        inp = ar["dmft_input"]
        assert (inp["start"], inp["mixing"], inp["tol"], inp["max_iter"], inp["mu"], inp["D"]) == (
            "insulator", 0.7, 1e-4, 50, 0.8, 1.2)
        assert inp["continuation"] is False or inp["continuation"] == np.False_
        assert inp["method_options"]["ipt"]["density_tolerance"] == 1e-9
        assert ar["ipt"]["U_001"]["params"]["start"] == "insulator"
        assert "it_0" not in ar["ipt"]["U_000"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--U", "0.5:4:-0.25"], "--U"),
        (["--U", "1,x"], "--U"),
        (["--U", "1", "--method", "ipt,qmc"], "method = 'qmc'"),
        (["--U", "1", "--mixing", "0"], "mixing"),
        (["--U", "1", "--mixing", "1.01"], "mixing"),
        (["--U", "1", "--beta", "-40"], "beta"),
        (["--U", "1", "--tol", "0"], "tol"),
        (["--U", "1", "--max-iter", "0"], "max_iter"),
        (["--U", "1", "--start", "mott"], "start"),
        (["--U", "1", "--n-bath", "6"], "--n-bath"),
        (["--U", "1", "--option", "ipt.nope=3"], "nope"),
        (["--U", "1", "--option", "ipt:3"], "--option"),
        (["--U", "-1"], "U"),
        (["--U", "1", "--plot", "fig.pdf"], "--plot"),
    ],
)
def test_bad_input_is_one_line_and_status_2_before_any_work(args, message, tmp_path, capsys, monkeypatch):
    from triqs_mlsolver.solver import Solver

    monkeypatch.setattr(Solver, "solve", lambda *a, **k: pytest.fail("solved before checking the input"))
    out = tmp_path / "bad.h5"
    assert main(["dmft", "bethe", *args, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("triqs-mlsolver dmft: error:") and message in err and "\n" not in err


def test_an_existing_archive_is_kept_unless_overwrite_is_given(tmp_path, capsys, monkeypatch):
    from triqs_mlsolver.solver import Solver

    out = tmp_path / "mott.h5"
    with HDFArchive(out, "w") as ar:
        ar["mine"] = 1
    solve = Solver.solve
    monkeypatch.setattr(Solver, "solve", lambda *a, **k: pytest.fail("solved before refusing the existing archive"))
    assert main(["dmft", "bethe", "--U", "1", "--method", "ipt", "--out", str(out), *SMALL]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "--overwrite" in err
    with HDFArchive(out, "r") as ar:
        assert list(ar) == ["mine"]
    monkeypatch.setattr(Solver, "solve", solve)
    assert main(["dmft", "bethe", "--U", "1", "--method", "ipt", "--out", str(out), "--overwrite", *SMALL]) == 0
    assert read_summary(out)["ipt"]["U"].tolist() == [1.0]


def test_missing_lattice_and_missing_grid_are_usage_errors(capsys):
    assert main(["dmft"]) == 2
    assert main(["dmft", "bethe"]) == 2
    assert "--U" in capsys.readouterr().err


@requires_matplotlib
def test_demo_writes_table_plot_and_archive(tmp_path, capsys):
    from triqs_mlsolver.demo import run_demo

    out = tmp_path / "demo"
    sweep = run_demo(out, progress=False, U_values=(1.0, 3.5), params=BetheParameters(beta=10.0, n_iw=64, n_tau=257),
                     methods=("hubbard_i", "ipt"), ml_U_values=())
    text = capsys.readouterr().out
    assert "wall time" in text and "hubbard_i" in text
    for name in ("mott.h5", "mott.png", "table.txt"):
        assert (out / name).is_file()
    assert sweep.results["ipt"][0].spectral_weight > 0.3 > sweep.results["ipt"][1].spectral_weight


def test_demo_refuses_a_file_as_output_folder(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["demo", "--out", str(target), "--quiet"]) == 2
    assert "folder" in capsys.readouterr().err
