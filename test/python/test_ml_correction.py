"""The correction network: features, the sum-rule projection, model files, training, method="ml".

A tiny dataset (300 samples, Nb_ref = 3, Hubbard-I and 1-site ED as cheap solvers) is generated once;
a small ensemble trained on it must beat its base solver on the held-out test split (a comparison,
not a tuned number), and the ml method must reproduce the ED of the same problem better than
Hubbard-I does, fall back to ED outside its domain and record the case.
"""

from __future__ import annotations

import pathlib
import pickle
import tempfile
import warnings

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import MPIEXEC, requires_matplotlib, requires_mpi  # noqa: E402
from data_helpers import write_config  # noqa: E402
from triqs_mlsolver import Solver  # noqa: E402
from triqs_mlsolver.errors import (  # noqa: E402
    IncompatibleGfStructError,
    InvalidParameterError,
    ModelFileError,
    OutOfDomainWarning,
)
from triqs_mlsolver.features import FeatureLayout, build_features, project_sum_rule, sum_rule_vector  # noqa: E402
from triqs_mlsolver.operators import c, c_dag, n  # noqa: E402
from triqs_mlsolver.poles import PoleGf  # noqa: E402

TINY_TOML = """
seed = 5
[output]
n_iw = 16
n_iw_solve = 256
n_tau = 51
n_tau_solve = 1001
n_l = 24
n_w = 21
[reference]
n_bath = 3
[solvers.hubbard_i]
method = "hubbard_i"
[solvers.ed1]
method = "ed"
options = { n_bath = 1, n_restarts = 1 }
[families.random]
count = 300
beta = { dist = "loguniform", low = 5.0, high = 20.0 }
U = { dist = "uniform", low = 0.5, high = 3.0 }
level_mode = "shift"
level = { dist = "uniform", low = -0.5, high = 0.5 }
mirror = "pairs"
"""
LAYOUT = FeatureLayout(solvers=("hubbard_i", "ed1"), base="hubbard_i", n_l=16, n_delta=8)
_CACHE: dict = {}


def tiny_model():
    """``(dataset path, model path, model, report)``, made once per test session (about 30 s)."""
    if "model" not in _CACHE:
        from triqs_mlsolver.data.generate import generate
        from triqs_mlsolver.ml.training import TrainOptions, train_correction

        folder = pathlib.Path(tempfile.mkdtemp(prefix="mlsolver-ml-"))
        data = folder / "tiny.h5"
        generate(write_config(folder, TINY_TOML), data, progress=False)
        options = TrainOptions(members=3, hidden=64, depth=2, epochs=120, patience=30, batch_size=64, anchor_iw0=False)
        model, report = train_correction(data, LAYOUT, options, progress=False)
        model.save(folder / "model.pt")
        _CACHE["model"] = (data, folder / "model.pt", model, report)
    return _CACHE["model"]


# -- features and the sum rule ------------------------------------------------------------------
def test_sum_rule_vector_gives_g0_plus_g_beta_of_a_pole_gf():
    """a . G_l/beta = G(0+) + G(beta-) against the closed form of a Lehmann G with arbitrary weights."""
    beta, n_l = 7.0, 40
    g = PoleGf(np.array([-1.3, -0.2, 0.4, 2.1]), np.array([0.1, 0.3, 0.25, 0.05])[:, None, None] + 0j)
    g_l = g.legendre(beta, n_l)[:, 0, 0].real
    tau = g.tau(beta, 3)[:, 0, 0].real
    assert sum_rule_vector(n_l) @ (g_l / beta) == pytest.approx(tau[0] + tau[-1], abs=1e-12)
    assert tau[0] + tau[-1] == pytest.approx(-0.7, abs=1e-12)  # minus the total weight


def test_projection_is_the_nearest_point_obeying_the_sum_rule(rng):
    g = rng.normal(size=(5, 2, 30))
    p = project_sum_rule(g)
    a = sum_rule_vector(30)
    np.testing.assert_allclose(p @ a, -1.0, atol=1e-13)
    change = (p - g).reshape(-1, 30)
    np.testing.assert_allclose(np.abs(change @ a), np.linalg.norm(change, axis=1) * np.linalg.norm(a), rtol=1e-12)
    np.testing.assert_allclose(project_sum_rule(p), p, atol=1e-14)


def test_features_are_laid_out_as_documented(rng):
    g_l = {"hubbard_i": rng.normal(size=(3, 2, 20)), "ed1": rng.normal(size=(3, 2, 20))}
    delta = rng.normal(size=(3, 2, 10)) + 1j * rng.normal(size=(3, 2, 10))
    beta = np.array([5.0, 10.0, 20.0])
    x = build_features(LAYOUT, beta, [1.0, 2.0, 3.0], [-0.5, -1.0, -1.5], 0.0, delta, [0.3, 0.2, 0.1], g_l)
    cols = LAYOUT.columns()
    assert x.shape == (3, LAYOUT.size) == (3, len(cols))
    assert x[1, cols.index("ed1/G_l/dn/3")] == g_l["ed1"][1, 1, 3] / 10.0
    assert x[2, cols.index("Delta/im/up/7")] == delta[2, 0, 7].imag
    assert x[0, cols.index("log_beta")] == pytest.approx(np.log(5.0))
    assert x[2, cols.index("beta_U")] == pytest.approx(60.0)
    g_l["ed1"][1, 0, 2] = np.nan
    with pytest.raises(InvalidParameterError, match="ed1/G_l/up/2"):
        build_features(LAYOUT, beta, 1.0, 0.0, 0.0, delta, 0.3, g_l)
    with pytest.raises(InvalidParameterError, match="base"):
        FeatureLayout(solvers=("ipt",), base="ed1")


# -- training --------------------------------------------------------------------------------------
def test_trained_model_beats_its_base_on_held_out_samples():
    _, _, _, report = tiny_model()
    net, base = report.rows["network"], report.rows["hubbard_i"]
    assert net["G_median"] < 0.5 * base["G_median"]
    assert net["G_p95"] < base["G_p95"]
    assert net["Z_median"] < base["Z_median"]


def test_every_member_and_the_mean_obey_the_sum_rule_exactly():
    data, _, model, _ = tiny_model()
    from triqs_mlsolver.ml.samples import load_samples

    s = load_samples(data, LAYOUT)
    pred = model.predict(s.features[:50], s.g_l["hubbard_i"][:50], s.beta[:50])
    a = sum_rule_vector(model.n_l)
    np.testing.assert_allclose(pred.g_l / s.beta[:50, None, None] @ a, -1.0, atol=1e-12)
    np.testing.assert_allclose(pred.members / s.beta[None, :50, None, None] @ a, -1.0, atol=1e-12)
    assert np.all(pred.uncertainty >= 0)


def test_split_keeps_mirror_pairs_together():
    from triqs_mlsolver.ml.samples import split_groups

    groups = np.repeat(np.arange(50), 2)
    parts = split_groups(groups, seed=3)
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))
    for part in parts:
        assert np.all(np.isin(groups[part ^ 1], groups[part]))  # the partner of every sample is in its part


# -- model files -----------------------------------------------------------------------------------
def test_model_file_round_trip_predicts_the_same(tmp_path):
    data, path, model, _ = tiny_model()
    from triqs_mlsolver.ml.correction import CorrectionModel
    from triqs_mlsolver.ml.samples import load_samples

    s = load_samples(data, LAYOUT)
    again = CorrectionModel.load(path)
    a = model.predict(s.features[:20], s.g_l["hubbard_i"][:20], s.beta[:20])
    b = again.predict(s.features[:20], s.g_l["hubbard_i"][:20], s.beta[:20])
    np.testing.assert_array_equal(a.g_l, b.g_l)
    assert again.metadata["layout"] == LAYOUT.to_dict() and again.threshold == model.threshold


class _Payload:
    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(tempfile.gettempdir()) / "mlsolver-code-ran",))


def test_a_model_file_carrying_code_is_refused_without_running_it(tmp_path):
    from triqs_mlsolver.ml.correction import CorrectionModel

    marker = pathlib.Path(tempfile.gettempdir()) / "mlsolver-code-ran"
    marker.unlink(missing_ok=True)
    evil = tmp_path / "evil.pt"
    torch.save({"format": "triqs_mlsolver.model", "format_version": 1, "kind": "correction", "metadata": "{}",
                "state": {"w": _Payload()}}, evil)
    with pytest.raises(ModelFileError, match="never carry code"):
        CorrectionModel.load(evil)
    assert not marker.exists()


def test_corrupted_foreign_and_incompatible_model_files_are_clear_errors(tmp_path):
    from triqs_mlsolver.ml.correction import CorrectionModel
    from triqs_mlsolver.ml.model_file import read_model_file, save_model_file

    _, path, _, _ = tiny_model()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(ModelFileError, match="not readable"):
        CorrectionModel.load(cut)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(ModelFileError, match="not a triqs_mlsolver model"):
        CorrectionModel.load(other)
    metadata, state = read_model_file(path, "correction")
    for change, message in ((("layout", "version"), "feature layout version"), (("architecture", "name"), "unknown")):
        meta = {k: dict(v) if isinstance(v, dict) else v for k, v in metadata.items()}
        meta[change[0]][change[1]] = 99 if change[1] == "version" else "transformer/7"
        save_model_file(tmp_path / "changed.pt", "correction", meta, state)
        with pytest.raises(ModelFileError, match=message):
            CorrectionModel.load(tmp_path / "changed.pt")
    with pytest.raises(ModelFileError, match="does not exist"):
        CorrectionModel.load(tmp_path / "missing.pt")


# -- method="ml" -----------------------------------------------------------------------------------
def _solver(beta, eps_d, U, n_iw=300, n_l=20, gf_struct=(("up", 1), ("down", 1))):
    """A Solver whose G0 is a 3-site bath like the tiny set's (eps_d = shift - U/2)."""
    S = Solver(beta=beta, gf_struct=list(gf_struct), n_iw=n_iw, n_tau=401, n_l=n_l)
    eps_k, v = np.array([-0.8, 0.1, 0.7]), np.array([0.35, 0.4, 0.3])
    for _, g in S.G0_iw:
        iw = 1j * np.pi * (2 * np.arange(-n_iw, n_iw) + 1) / beta
        g.data[:, 0, 0] = 1.0 / (iw - eps_d - np.sum(v**2 / (iw[:, None] - eps_k), axis=1))
    return S


def _solve(S, U, method, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        S.solve(h_int=U * n("up", 0) * n("down", 0), method=method, **options)
    return {name: np.array(g.data[:, 0, 0]) for name, g in S.G_tau}, caught


def test_ml_solve_is_closer_to_ed_than_hubbard_i_and_consistent():
    _, path, _, _ = tiny_model()
    beta, U = 12.0, 2.0
    S = _solver(beta, 0.1 - U / 2, U)
    g_ml, caught = _solve(S, U, "ml", model=str(path))
    info = S.last_solve_info
    assert info["fallback"] is False and info["in_domain"] and not [w for w in caught if w.category is OutOfDomainWarning]
    for b in ("up", "down"):  # sum rule, density = -G(beta), Dyson between G and Sigma
        assert g_ml[b][0].real + g_ml[b][-1].real == pytest.approx(-1.0, abs=1e-12)
        assert S.density[b][0, 0].real == pytest.approx(-g_ml[b][-1].real, abs=1e-12)
        np.testing.assert_allclose(1.0 / S.G_iw[b].data[:, 0, 0],
                                   1.0 / S.G0_iw[b].data[:, 0, 0] - S.Sigma_iw[b].data[:, 0, 0], atol=1e-10)
    sigma_tail = S.Sigma_iw["up"].data[-1, 0, 0]  # Hartree term U <n_dn> at the largest frequency
    assert sigma_tail.real == pytest.approx(U * S.density["down"][0, 0].real, abs=2e-3)
    g_hi, _ = _solve(S, U, "hubbard_i")
    g_ed, _ = _solve(S, U, "ed", n_bath=3)  # the exact answer: G0 is a 3-site bath
    err_ml = max(np.abs(g_ml[b] - g_ed[b]).max() for b in g_ed)
    err_hi = max(np.abs(g_hi[b] - g_ed[b]).max() for b in g_ed)
    assert err_ml < 0.5 * err_hi


@pytest.mark.parametrize("beta, U, eps_shift", [(12.0, 6.0, 0.0), (100.0, 2.0, 0.0), (12.0, 2.0, 1.5)])
def test_inputs_outside_the_training_box_fall_back_to_ed(beta, U, eps_shift):
    """U twice the maximum, beta five times it, a filling outside it: flagged, solved by ED, warned."""
    _, path, _, _ = tiny_model()
    S = _solver(beta, eps_shift - U / 2, U)
    g_ml, caught = _solve(S, U, "ml", model=str(path), fallback_n_bath=2)
    assert S.last_solve_info["fallback"] is True and not S.last_solve_info["ml_in_domain"]
    assert any(w.category is OutOfDomainWarning and "training domain" in str(w.message) for w in caught)
    g_ed, _ = _solve(S, U, "ed", n_bath=2)
    for b in g_ed:
        np.testing.assert_allclose(g_ml[b], g_ed[b], atol=1e-12)


def test_fallback_cases_are_recorded_and_learned_from(tmp_path):
    data, path, model, _ = tiny_model()
    from triqs_mlsolver.data.schema import DONE
    from triqs_mlsolver.ed import diagonalize
    from triqs_mlsolver.data.sampling import make_aim
    from triqs_mlsolver.ml.correction import CorrectionModel
    from triqs_mlsolver.ml.training import continue_training

    acq = tmp_path / "acq.h5"
    U = 4.0
    for beta in (12.0, 15.0):
        S = _solver(beta, -U / 2, U)
        _solve(S, U, "ml", model=str(path), fallback_n_bath=3, acquisition=str(acq))
        assert S.last_solve_info["acquisition"]["file"] == str(acq)
    with h5py.File(acq, "r") as f:
        assert (f["status"][:2] == DONE).all() and (f["status"][2:] != DONE).all()
        h_loc, eps, v = f["samples/h_loc"][1], f["samples/bath_eps"][1], f["samples/bath_V"][1]
        beta = f["samples/params"][1][0]
        stored = f["reference/G_l"][1]
    ed = diagonalize(make_aim(U, h_loc, eps, v), beta)
    np.testing.assert_allclose(ed.poles["up"].legendre(beta, stored.shape[-1])[:, 0, 0].real, stored[0], atol=1e-6)
    assert model.domain["U"][1] < U
    new, _ = continue_training(path, [acq], progress=False)
    assert new.domain["U"][1] >= U and len(new.metadata["dataset_files"]) == 2
    assert new.metadata["training"]["weighting"] == model.metadata["training"]["weighting"] == "relative"
    # a model from before the weighting option (trained with equal weights) continues with equal weights
    old = CorrectionModel.load(path)
    del old.metadata["training"]["weighting"]
    old.save(tmp_path / "old.pt")
    again, _ = continue_training(tmp_path / "old.pt", [acq], progress=False)
    assert again.metadata["training"]["weighting"] == "mse"


def test_ml_refuses_what_it_cannot_serve():
    _, path, model, _ = tiny_model()
    S = _solver(12.0, -1.0, 2.0, n_l=model.n_l + 1)
    with pytest.raises(InvalidParameterError, match=f"n_l <= {model.n_l}"):
        _solve(S, 2.0, "ml", model=str(path))
    S = _solver(12.0, -1.0, 2.0)
    with pytest.raises(IncompatibleGfStructError, match="h_int"):
        S.solve(h_int=2.0 * n("up", 0) * n("down", 0) + 0.3 * c_dag("up", 0) * c("down", 0)
                + 0.3 * c_dag("down", 0) * c("up", 0), method="ml", model=str(path))
    with pytest.raises(ModelFileError, match="does not exist"):
        _solve(S, 2.0, "ml", model="/nonexistent/model.pt")
    with pytest.raises(InvalidParameterError, match="unknown option"):
        _solve(S, 2.0, "ml", model=str(path), n_bath=3)


def test_pickle_of_the_payload_would_run_code():
    """The refusal above is meaningful: plain pickle of that payload does execute the call."""
    marker = pathlib.Path(tempfile.gettempdir()) / "mlsolver-code-ran"
    marker.unlink(missing_ok=True)
    pickle.loads(pickle.dumps(_Payload()))
    assert marker.exists()
    marker.unlink()


def test_batched_solves_equal_single_solves():
    """solve_many: one network call for all problems, each result the Solver's (fallback included)."""
    _, path, _, _ = tiny_model()
    from triqs_mlsolver.ml.method import MLOptions, solve_many

    cases = [(12.0, 2.0, 0.1), (8.0, 1.0, -0.2), (12.0, 6.0, 0.0)]
    problems, singles = [], []
    for beta, U, shift in cases:
        S = _solver(beta, shift - U / 2, U)
        g, _ = _solve(S, U, "ml", model=str(path), fallback_n_bath=2)
        singles.append((g, S.last_solve_info["fallback"]))
        problems.append(S._problem(U * n("up", 0) * n("down", 0), with_refreq=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutOfDomainWarning)
        batch = solve_many(problems, MLOptions(model=str(path), fallback_n_bath=2))
    assert [r.info["fallback"] for r in batch] == [fb for _, fb in singles] == [False, False, True]
    for result, (g, _) in zip(batch, singles):
        for b in g:
            np.testing.assert_allclose(result.g_tau[b][:, 0, 0], g[b], atol=1e-6)


def test_dmft_with_ml_counts_its_fallbacks():
    """max_uncertainty = 0 sends every solve to ED: the ml sweep is then the ED sweep, fallback for fallback."""
    _, path, _, _ = tiny_model()
    from triqs_mlsolver.dmft import BetheParameters, bethe_sweep
    from triqs_mlsolver.ml.correction import CorrectionModel

    params = BetheParameters(beta=10.0, n_iw=128, n_tau=201, n_l=20, tol=1e-4, max_iter=30)
    reference = CorrectionModel.load(path).metadata["reference"]["ed"]  # the fallback's ED settings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ml = bethe_sweep([1.0], params, ("ml",), {"ml": {"model": str(path), "max_uncertainty": 0.0,
                                                         "fallback_n_bath": 2}}, progress=False)
        ed = bethe_sweep([1.0], params, ("ed",), {"ed": {"n_bath": 2, "boltzmann_cutoff": reference["boltzmann_cutoff"],
                                                         "n_states_max": reference["n_states_max"]}},
                         progress=False)
    r_ml, r_ed = ml.results["ml"][0], ed.results["ed"][0]
    assert r_ml.n_fallbacks == r_ml.n_iterations == r_ed.n_iterations and r_ed.n_fallbacks == 0
    assert r_ml.Z == pytest.approx(r_ed.Z, abs=1e-12)
    row = ml.table().splitlines()[3]
    assert " fb" in ml.table().splitlines()[1] and row.split()[-1] == str(r_ml.n_fallbacks)


def test_demo_part_two_compares_ml_with_its_reference(tmp_path, capsys):
    _, path, _, _ = tiny_model()
    from triqs_mlsolver.demo import run_demo
    from triqs_mlsolver.dmft import BetheParameters

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_demo(tmp_path, progress=False, U_values=(1.0,), methods=("ipt",), ml_U_values=(1.0, 2.0),
                 params=BetheParameters(beta=10.0, n_iw=64, n_tau=257, n_l=20, tol=1e-4),
                 ml_options={"ml": {"model": str(path)}, "ed": {"n_bath": 2}})
    text = capsys.readouterr().out
    assert "ED with 7 bath sites" in text and "fallbacks" in text
    assert (tmp_path / "mott_ml.h5").is_file() and "t/solve ED-7" in (tmp_path / "table.txt").read_text()


ML_MPI_SCRIPT = """
import sys, warnings
import numpy as np
from triqs_mlsolver import Solver
from triqs_mlsolver.operators import n
from triqs_mlsolver.parallel import world
warnings.simplefilter("ignore")
beta, U = 12.0, 2.0
S = Solver(beta=beta, gf_struct=[("up", 1), ("down", 1)], n_iw=300, n_tau=401, n_l=20)
iw = 1j * np.pi * (2 * np.arange(-300, 300) + 1) / beta
for _, g in S.G0_iw:
    g.data[:, 0, 0] = 1.0 / (iw + 0.9 - np.sum(np.array([0.35, 0.4, 0.3])**2 / (iw[:, None] - np.array([-0.8, 0.1, 0.7])), axis=1))
values = []
for u_value in (U, 6.0):  # accepted, then a fallback
    S.solve(h_int=u_value * n("up", 0) * n("down", 0), method="ml", model=sys.argv[1], fallback_n_bath=2)
    values.append(np.concatenate([S.G_iw["up"].data[:, 0, 0], S.G_tau["down"].data[:, 0, 0], [S.last_solve_info["fallback"]]]))
everything = world().gather(np.concatenate(values))
if world().is_master:
    print("RANKS", world().size, "IDENTICAL" if all(np.array_equal(v, everything[0]) for v in everything) else "DIFFERENT")
    np.save(sys.argv[2], everything[0])
"""


@pytest.mark.mpi
@requires_mpi
def test_ml_under_mpi_gives_every_rank_the_serial_answer(tmp_path):
    import subprocess
    import sys

    _, path, _, _ = tiny_model()
    for ranks in (1, 2):
        done = subprocess.run([MPIEXEC, "-n", str(ranks), sys.executable, "-c", ML_MPI_SCRIPT, str(path),
                               str(tmp_path / f"n{ranks}.npy")], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert f"RANKS {ranks} IDENTICAL" in done.stdout
    np.testing.assert_array_equal(np.load(tmp_path / "n1.npy"), np.load(tmp_path / "n2.npy"))


def test_ml_options_classes_are_declared_the_one_way():
    from triqs_mlsolver._options import Options, option_docs
    from triqs_mlsolver.ml.method import MLOptions
    from triqs_mlsolver.ml.symbolic import SymbolicOptions
    from triqs_mlsolver.ml.training import TrainOptions
    from triqs_mlsolver.ml.vae_training import VAEOptions

    for cls in (MLOptions, TrainOptions, VAEOptions, SymbolicOptions):
        assert issubclass(cls, Options) and all(option_docs(cls).values()), cls
        assert cls.from_kwargs({}, "here") == cls()
        with pytest.raises(InvalidParameterError, match=r"unknown option\(s\) \['bogus'\]"):
            cls.from_kwargs({"bogus": 1}, "here")
    with pytest.raises(InvalidParameterError, match="fallback_n_bath = 40 is invalid"):
        MLOptions(fallback_n_bath=40)
    with pytest.raises(InvalidParameterError, match="max_uncertainty"):
        MLOptions(max_uncertainty=-1.0)
    with pytest.raises(InvalidParameterError, match="architecture"):
        TrainOptions(architecture="transformer/1")
    with pytest.raises(InvalidParameterError, match="weighting"):
        TrainOptions(weighting="l1")
    with pytest.raises(InvalidParameterError, match="accept_quantile"):
        TrainOptions(accept_quantile=1.5)


def test_the_vae_ood_score_is_a_second_domain_check(tmp_path):
    """With a VAE of the training set the solve reports its OOD score and latent point; a threshold below the
    score sends the solve to ED, naming the reason."""
    data, path, _, _ = tiny_model()
    from triqs_mlsolver.ml.vae_training import VAEOptions, save_vae, train_vae

    vae, metadata = train_vae(data, VAEOptions(latent=3, hidden=64, epochs=60, warmup=10, patience=20), progress=False)
    save_vae(tmp_path / "vae.pt", vae, metadata)
    U = 2.0
    S = _solver(12.0, 0.1 - U / 2, U)
    _solve(S, U, "ml", model=str(path), vae=str(tmp_path / "vae.pt"))
    info = S.last_solve_info
    assert info["ood_score"] > 0 and len(info["latent"]) == 3
    score = info["ood_score"]
    _, caught = _solve(S, U, "ml", model=str(path), vae=str(tmp_path / "vae.pt"), max_ood=0.5 * score,
                       max_uncertainty=1.0, fallback_n_bath=2)
    assert S.last_solve_info["fallback"] is True
    assert any("out-of-distribution score" in str(w.message) for w in caught)


def test_the_anchor_keeps_g_iw0_and_z_at_the_base_value():
    """With anchor_iw0 every member's G(i w_0) is the base's (on the sum rule), so Z is the base's; the sum rule holds."""
    from triqs_mlsolver._legendre import matsubara_matrix
    from triqs_mlsolver.ml.network import CorrectionEnsemble

    torch.manual_seed(0)
    ens = CorrectionEnsemble(12, 20, members=3, hidden=8, depth=1, anchor_iw0=True)
    for m in ens.members:  # random heads: large residuals
        torch.nn.init.normal_(m.net[-1].weight)
    x, g_base = torch.randn(7, 12, dtype=torch.float32), torch.randn(7, 2, 20, dtype=torch.float32)
    with torch.no_grad():
        g = ens(x, g_base).double().numpy()
        base = ens.project(g_base).double().numpy()
    t0 = matsubara_matrix(np.array([0]), 20)[0]
    np.testing.assert_allclose(g @ t0, np.broadcast_to(base @ t0, g.shape[:-1]), atol=1e-5)
    np.testing.assert_allclose(g @ sum_rule_vector(20), -1.0, atol=1e-4)
    assert np.abs(g - base[None]).max() > 0.1  # the residual did act


def test_a_failing_cheap_solver_sends_the_problem_to_ed(monkeypatch):
    """When the network input cannot be built (a cheap solver fails), the solve falls back with the reason;
    without the fallback it is a clear error, never an answer."""
    _, path, _, _ = tiny_model()
    from triqs_mlsolver.errors import SolverFailedError
    from triqs_mlsolver.solvers.hubbard_i import HubbardI

    def broken(self, problem, options):
        raise SolverFailedError("no atomic levels (simulated)")

    monkeypatch.setattr(HubbardI, "solve", broken)
    U = 2.0
    S = _solver(12.0, -1.0, U)
    _, caught = _solve(S, U, "ml", model=str(path), fallback_n_bath=2)
    assert S.last_solve_info["fallback"] is True
    assert any("could not be built" in str(w.message) and "simulated" in str(w.message) for w in caught)
    with pytest.raises(SolverFailedError, match="fallback is disabled"):
        S.solve(h_int=U * n("up", 0) * n("down", 0), method="ml", model=str(path), fallback=False)


def test_the_shipped_model_beats_its_base_on_fresh_problems_of_its_recipe():
    """Eight new problems of the training recipe's random family (beta 30-100): the default model's median
    max_tau |G - G_ref| against the ED of each problem's own 7-site bath is below that of its base, ED with
    3 fitted sites, run as the model runs it; every solve obeys the sum rule."""
    from triqs_mlsolver.data.config import parse_config
    from triqs_mlsolver.data.sampling import GF_STRUCT, random_sample
    from triqs_mlsolver.ed import EDOptions, diagonalize
    from triqs_mlsolver.ml.correction import tau_basis
    from triqs_mlsolver.ml.method import DEFAULT_MODEL, MLOptions, _prepare, load_model, solve_many
    from triqs_mlsolver.solvers.base import ImpurityProblem
    from triqs_mlsolver.transforms import matsubara_freqs

    model = load_model(DEFAULT_MODEL)
    assert model.layout.base == "ed_nb3" and model.metadata["architecture"]["members"] == 5
    cfg = parse_config({"seed": 424242, "families": {"random": {
        "count": 8, "beta": {"dist": "loguniform", "low": 30.0, "high": 100.0}, "mirror": "none"}}})
    fam = dict(cfg.families)["random"]
    problems, refs = [], []
    for i in range(8):
        s = random_sample(fam, 7, 1024, cfg.seed, i, i)
        aim = s.aim()
        problems.append(ImpurityProblem(s.beta, GF_STRUCT, aim.g0(matsubara_freqs(s.beta, 1024)), aim.h_int,
                                        n_tau=201, n_l=50))
        ed = diagonalize(aim, s.beta, EDOptions(boltzmann_cutoff=1e-6, n_states_max=20000))
        refs.append(np.stack([ed.poles[b].tau(s.beta, 201)[:, 0, 0].real for b in ("up", "down")]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = solve_many(problems, MLOptions(fallback=False))
    err_ml, err_base = [], []
    for p, r, ref in zip(problems, results, refs):
        g = np.stack([r.g_tau[b][:, 0, 0].real for b in ("up", "down")])
        np.testing.assert_allclose(g[:, 0] + g[:, -1], -1.0, atol=1e-10)
        err_ml.append(np.abs(g - ref).max())
        g_base = _prepare(p, model).g_l["ed_nb3"] / p.beta @ tau_basis(model.n_l, 201).T
        err_base.append(np.abs(g_base - ref).max())
    assert np.median(err_ml) < np.median(err_base), (err_ml, err_base)


@requires_matplotlib
def test_train_command_writes_model_table_and_figures(tmp_path, capsys):
    data, _, _, _ = tiny_model()
    from triqs_mlsolver.cli import main

    out = tmp_path / "m.pt"
    assert main(["train", str(data), "--out", str(out), "--solvers", "hubbard_i,ed1", "--base", "hubbard_i",
                 "--members", "2", "--hidden", "16", "--depth", "1", "--epochs", "5", "--n-l-input", "16",
                 "--n-delta", "8", "--plots", str(tmp_path / "fig"), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "test split" in text and "network accepted" in text and out.is_file()
    assert (tmp_path / "fig" / "test_G_tau.png").is_file() and (tmp_path / "fig" / "test_errors.png").is_file()
    assert main(["train", "--add", "x.h5", "--out", str(out)]) == 2
    assert "--continue" in capsys.readouterr().err
