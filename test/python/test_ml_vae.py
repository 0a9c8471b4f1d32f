"""The VAE on impurity Green's functions: exact output constraints, training on a tiny Kondo set (its
reconstruction must beat the training-mean spectrum on held-out samples), safe files and clear errors."""

from __future__ import annotations

import pathlib
import shutil
import tempfile

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import requires_matplotlib  # noqa: E402
from data_helpers import write_config  # noqa: E402
from triqs_mlsolver.errors import DatasetSchemaError, InvalidParameterError, ModelFileError  # noqa: E402
from triqs_mlsolver.features import sum_rule_vector  # noqa: E402
from triqs_mlsolver.ml.vae import IRREPS, GreenVAE, SymmetricGreenVAE  # noqa: E402

KONDO_TOML = """
seed = 9
[output]
n_iw = 16
n_iw_solve = 256
n_tau = 51
n_tau_solve = 1001
n_l = 24
w_min = -3.0
w_max = 3.0
n_w = 61
eta = 0.05
[reference]
n_bath = 3
[solvers.hubbard_i]
method = "hubbard_i"
[families.kondo]
count = 300
U = { dist = "uniform", low = 0.5, high = 3.0 }
Gamma = { dist = "loguniform", low = 0.05, high = 0.5 }
temperature = { dist = "loguniform", low = 0.02, high = 0.1 }
mirror = "pairs"
"""
_CACHE: dict = {}


def kondo_set() -> pathlib.Path:
    if "data" not in _CACHE:
        from triqs_mlsolver.data.generate import generate

        folder = pathlib.Path(tempfile.mkdtemp(prefix="mlsolver-vae-"))
        generate(write_config(folder, KONDO_TOML), folder / "kondo.h5", progress=False)
        _CACHE["data"] = folder / "kondo.h5"
    return _CACHE["data"]


def trained(representation: str):
    if representation not in _CACHE:
        from triqs_mlsolver.ml.vae_training import VAEOptions, train_vae

        options = VAEOptions(representation=representation, latent=4, hidden=64, epochs=150, warmup=20, patience=30)
        _CACHE[representation] = train_vae(kondo_set(), options, progress=False)
    return _CACHE[representation]


@pytest.mark.parametrize("representation", ["G_tau", "G_l", "A_w"])
@pytest.mark.parametrize("cls", [GreenVAE, SymmetricGreenVAE])
def test_decoded_outputs_obey_the_representation_exactly(representation, cls):
    torch.manual_seed(1)
    model = cls(representation, 40, latent=3, hidden=16, depth=1, dw=0.1)
    z = 3.0 * torch.randn(64, 3)
    norm = torch.rand(64, 2) + 0.5
    with torch.no_grad():
        out = model.decode(z, norm).double().numpy()
    if representation == "G_tau":
        assert np.all(out <= 0)
        np.testing.assert_allclose(out[..., 0] + out[..., -1], -1.0, atol=1e-6)
    elif representation == "G_l":
        np.testing.assert_allclose(out @ sum_rule_vector(40), -1.0, atol=1e-5)
    else:
        assert np.all(out >= 0)
        np.testing.assert_allclose(out.sum(-1) * 0.1, norm.numpy(), rtol=1e-5)


def _mirror(representation: str, x: np.ndarray) -> np.ndarray:
    """The particle-hole mirror written out: G(tau) -> G(beta - tau), G_l -> (-1)^l G_l, A(w) -> A(-w)."""
    if representation == "G_l":
        return x * (-1.0) ** np.arange(x.shape[-1])
    return x[..., ::-1].copy()


@pytest.mark.parametrize("representation", ["G_tau", "G_l", "A_w"])
def test_symmetric_vae_latents_have_the_parity_of_their_irrep(representation):
    """mu(P x) = chi_P mu(x), mu(S x) = chi_S mu(x) (S: spins swapped), and the decoder maps chi(g) z to g D(z)."""
    torch.manual_seed(2)
    model = SymmetricGreenVAE(representation, 31, latent=8, hidden=24, depth=2, dw=0.1).eval()
    x = np.random.default_rng(3).normal(size=(5, 2, 31))
    chi = np.array(IRREPS * 2, dtype=float)  # latent k: IRREPS[k % 4]
    encode = lambda a: model.encode(torch.as_tensor(a.copy(), dtype=torch.float32))[0].detach().double().numpy()  # noqa: E731
    decode = lambda z: model.decode(torch.as_tensor(z, dtype=torch.float32)).detach().double().numpy()  # noqa: E731
    mu = encode(x)
    np.testing.assert_allclose(encode(_mirror(representation, x)), chi[:, 0] * mu, atol=1e-5)
    np.testing.assert_allclose(encode(x[:, ::-1]), chi[:, 1] * mu, atol=1e-5)
    np.testing.assert_allclose(encode(_mirror(representation, x[:, ::-1])), chi[:, 0] * chi[:, 1] * mu, atol=1e-5)
    z = np.random.default_rng(4).normal(size=(5, 8))
    np.testing.assert_allclose(decode(chi[:, 0] * z), _mirror(representation, decode(z)), atol=1e-5)
    np.testing.assert_allclose(decode(chi[:, 1] * z), decode(z)[:, ::-1], atol=1e-5)


@pytest.mark.parametrize("representation", ["G_tau", "A_w"])
def test_reconstruction_beats_the_mean_spectrum_on_held_out_samples(representation):
    _, metadata = trained(representation)
    m = metadata["metrics"]
    assert m["relative_l2"] < 0.8 * m["relative_l2_baseline_mean"]
    assert m["active"] and len(m["kl_per_dimension"]) == 4


def test_vae_file_round_trip_and_representation_check(tmp_path):
    from triqs_mlsolver.ml.vae_training import load_vae, load_vae_data, save_vae

    model, metadata = trained("G_tau")
    save_vae(tmp_path / "vae.pt", model, metadata)
    again, meta = load_vae(tmp_path / "vae.pt", "G_tau")
    x = torch.as_tensor(load_vae_data(kondo_set(), "G_tau").x[:10], dtype=torch.float32)
    np.testing.assert_array_equal(model.encode(x)[0].detach().numpy(), again.encode(x)[0].detach().numpy())
    assert meta["representation"] == "G_tau"
    with pytest.raises(ModelFileError, match="encodes G_tau, not A_w"):
        load_vae(tmp_path / "vae.pt", "A_w")
    with pytest.raises(ModelFileError, match="correction"):
        from triqs_mlsolver.ml.correction import CorrectionModel

        CorrectionModel.load(tmp_path / "vae.pt")


def test_bad_input_is_a_clear_error(tmp_path):
    from triqs_mlsolver.ml.vae_training import VAEOptions, load_vae_data

    with pytest.raises(InvalidParameterError, match="latent"):
        VAEOptions(latent=0)
    with pytest.raises(InvalidParameterError, match="representation"):
        VAEOptions(representation="Sigma_iw")
    copy = tmp_path / "no_a_w.h5"
    shutil.copy(kondo_set(), copy)
    with h5py.File(copy, "r+") as f:
        del f["reference/A_w"]
    with pytest.raises(DatasetSchemaError, match="reference/A_w"):
        load_vae_data(copy, "A_w")
    from triqs_mlsolver.ml.vae_training import train_vae

    shifted = tmp_path / "shifted_grid.h5"
    shutil.copy(kondo_set(), shifted)
    with h5py.File(shifted, "r+") as f:
        f["meshes/w"][...] = f["meshes/w"][...] + 0.5
    with pytest.raises(InvalidParameterError, match="symmetric about w = 0"):
        train_vae(shifted, VAEOptions(representation="A_w", architecture="vae_sym/1", epochs=1), progress=False)


def test_train_vae_command(tmp_path, capsys):
    from triqs_mlsolver.cli import main

    out = tmp_path / "v.pt"
    assert main(["train-vae", str(kondo_set()), "--input", "G_l", "--latent", "2", "--hidden", "32", "--epochs", "20",
                 "--warmup", "5", "--architecture", "vae_sym/1", "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "reconstruction error" in text and out.is_file()
    from triqs_mlsolver.ml.vae_training import load_vae

    model, meta = load_vae(out, "G_l")
    assert isinstance(model, SymmetricGreenVAE) and meta["architecture"]["name"] == "vae_sym/1"
    assert main(["train-vae", str(kondo_set()), "--latent", "0", "--out", str(out)]) == 2
    assert "latent" in capsys.readouterr().err


@requires_matplotlib
def test_explore_writes_its_report_with_a_dmft_run(tmp_path):
    from triqs_mlsolver.dmft import BetheParameters, bethe_sweep
    from triqs_mlsolver.dmft.storage import read_last_iterations
    from triqs_mlsolver.ml.explore import explore
    from triqs_mlsolver.ml.vae_training import save_vae

    model, metadata = trained("G_tau")
    save_vae(tmp_path / "vae.pt", model, metadata)
    run = tmp_path / "mott.h5"
    bethe_sweep([1.0, 3.0], BetheParameters(beta=20.0, n_iw=128, n_tau=501, n_l=20), ("ipt",), out=run, progress=False)
    points = read_last_iterations(run)
    assert [label for label, *_ in points] == ["ipt U=1", "ipt U=3"] and points[0][2].shape == (2, 501)
    index = explore(tmp_path / "vae.pt", kondo_set(), tmp_path / "report", run=points, run_name="mott.h5")
    text = pathlib.Path(index).read_text()
    assert "Correlations of the active latents" in text and "log T_K" in text
    for name in ("latent_map.png", "traversals.png", "run_path.png", "correlations.json"):
        assert (tmp_path / "report" / name).is_file()


def test_descriptor_correlations_against_an_independent_computation(rng):
    """Pearson and Spearman of the report against numpy's own formulas (ranks without ties)."""
    from triqs_mlsolver.ml.explore import correlations

    z = rng.normal(size=(200, 3))
    desc = {"a": 2.0 * z[:, 1] + 0.3 * rng.normal(size=200), "b": np.where(np.arange(200) < 150, z[:, 2] ** 3, np.nan)}
    out = correlations(z, desc, [1, 2])
    assert out[(1, "a")][0] == pytest.approx(np.corrcoef(z[:, 1], desc["a"])[0, 1], abs=1e-12)
    ok = np.isfinite(desc["b"])
    ranks = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    assert out[(2, "b")][1] == pytest.approx(np.corrcoef(ranks(z[ok, 2]), ranks(desc["b"][ok]))[0, 1], abs=1e-12)
    assert out[(2, "b")][1] == pytest.approx(1.0) and out[(2, "b")][2] == 150


def _auc(negatives: np.ndarray, positives: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties counted half: the ROC AUC by its definition."""
    diff = positives[:, None] - negatives[None, :]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


def outside_set() -> pathlib.Path:
    """Outside the box of KONDO_TOML: U two to three times its maximum and temperatures ten times lower."""
    if "outside" not in _CACHE:
        from triqs_mlsolver.data.generate import generate

        folder = pathlib.Path(tempfile.mkdtemp(prefix="mlsolver-vae-out-"))
        outside_toml = KONDO_TOML.replace("count = 300", "count = 40").replace(
            'U = { dist = "uniform", low = 0.5, high = 3.0 }', 'U = { dist = "uniform", low = 6.0, high = 9.0 }').replace(
            'temperature = { dist = "loguniform", low = 0.02, high = 0.1 }',
            'temperature = { dist = "loguniform", low = 0.002, high = 0.01 }')
        generate(write_config(folder, outside_toml), folder / "outside.h5", progress=False)
        _CACHE["outside"] = folder / "outside.h5"
    return _CACHE["outside"]


def test_ood_score_separates_held_out_samples_from_samples_outside_the_box():
    from triqs_mlsolver.ml.ood import ood_scores, roc_auc
    from triqs_mlsolver.ml.samples import split_groups
    from triqs_mlsolver.ml.vae_training import load_vae_data

    model, metadata = trained("G_tau")
    inside = load_vae_data(kondo_set(), "G_tau")
    held_out = inside.subset(split_groups(inside.groups, 0)[2])
    outside = load_vae_data(outside_set(), "G_tau")
    s_in = ood_scores(model, metadata["ood"], held_out.x)["score"]
    s_out = ood_scores(model, metadata["ood"], outside.x)["score"]
    assert _auc(s_in, s_out) >= 0.9
    assert roc_auc(s_in, s_out) == pytest.approx(_auc(s_in, s_out), abs=1e-12)
    assert np.mean(s_in <= 1.0) >= 0.8  # most held-out samples pass the default threshold
    with pytest.raises(InvalidParameterError, match=r"takes \(N, 2, 51\)"):
        ood_scores(model, metadata["ood"], outside.x[:, :, :40])


@requires_matplotlib
def test_explore_uses_the_held_out_split_and_scores_files_outside_the_box(tmp_path):
    """The report's correlations cover exactly the VAE's test split (recomputed here from the split rule) and
    its ROC AUC against an outside file is the pairwise definition's."""
    import json

    from triqs_mlsolver.ml.explore import correlations, descriptors, explore
    from triqs_mlsolver.ml.ood import ood_scores
    from triqs_mlsolver.ml.samples import split_groups
    from triqs_mlsolver.ml.vae_training import load_vae_data, save_vae

    model, metadata = trained("G_tau")
    save_vae(tmp_path / "vae.pt", model, metadata)
    explore(tmp_path / "vae.pt", kondo_set(), tmp_path / "report", ood=[outside_set()])
    spectral, spectral_meta = trained("A_w")
    save_vae(tmp_path / "vae_a.pt", spectral, spectral_meta)
    explore(tmp_path / "vae.pt", kondo_set(), tmp_path / "both", ood=[outside_set()], ood_vaes=[tmp_path / "vae_a.pt"])
    report = json.loads((tmp_path / "report" / "correlations.json").read_text())
    inside = load_vae_data(kondo_set(), "G_tau")
    test = split_groups(inside.groups, 0)[2]
    assert report["scope"] == f"the VAE's held-out test split ({test.size} samples)"
    with torch.no_grad():
        mu = model.encode(torch.as_tensor(inside.x[test], dtype=torch.float32))[0].double().numpy()
    desc = {k: v[test] for k, v in descriptors(kondo_set(), inside.rows, inside.params).items()}
    expected = correlations(mu, desc, report["active"])
    got = {(c["latent"], c["descriptor"]): c["spearman"] for c in report["correlations"]}
    assert got and all(got[key] == pytest.approx(value[1], abs=1e-6) for key, value in expected.items())
    s_in = ood_scores(model, metadata["ood"], inside.x[test])["score"]
    s_out = ood_scores(model, metadata["ood"], load_vae_data(outside_set(), "G_tau").x)["score"]
    assert report["ood"]["outside.h5"]["roc_auc"] == pytest.approx(_auc(s_in, s_out), abs=1e-12)
    assert (tmp_path / "report" / "ood.png").is_file()
    a_in, a_out = (load_vae_data(path, "A_w") for path in (kondo_set(), outside_set()))
    both_in = np.maximum(s_in, ood_scores(spectral, spectral_meta["ood"], a_in.x[test], a_in.norm[test])["score"])
    both_out = np.maximum(s_out, ood_scores(spectral, spectral_meta["ood"], a_out.x, a_out.norm)["score"])
    both = json.loads((tmp_path / "both" / "correlations.json").read_text())["ood"]
    assert both["outside.h5"]["roc_auc"] == pytest.approx(_auc(both_in, both_out), abs=1e-12)
    assert both["inside"]["flagged"] == pytest.approx(np.mean(both_in > 1.0))
