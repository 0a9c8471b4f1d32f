"""``triqs-mlsolver explore VAE.pt DATA.h5 --out REPORT/``: what the latent variables of a VAE mean.

The samples of the dataset are encoded (latent means).  The report (``index.html`` with its figures)
holds: the KL of every latent dimension (active: more than :data:`ACTIVE_KL` nats); the Pearson and
Spearman correlations of each active latent with the physical descriptors of the samples —

    log T_K      Haldane's sqrt(U Gamma/2) exp(pi eps_d (eps_d + U)/(2 U Gamma)), Kondo regime only
                 (-U < eps_d < 0 and Gamma < U/pi)
    log Z        of the reference, Z = 1/(1 - Im Sigma(i w_0)/w_0) (spin average)
    asymmetry    (U + 2 eps_d)/Gamma (particle-hole asymmetry; Kondo family)
    n, B, beta   total density of the reference, field, inverse temperature

— scatter plots of the two most active latents coloured by each descriptor, and traversals (one
active latent swept over [-2.5, 2.5], the others at 0) decoded into the representation.  With
``--run ARCHIVE`` (a ``dmft bethe`` archive, read by the command line) the last iteration of every U is
encoded and drawn as a path on the latent map of the dataset; with ``--symbolic`` the most Kondo-like
latent and log T_K itself are fitted by symbolic regression (:mod:`.symbolic`), next to Haldane's formula;
with ``--ood FILE ...`` (datasets outside the training box) the out-of-distribution score
(:mod:`.ood`) of their samples is set against that of the held-out samples (ROC AUC, histogram).

When the dataset is the VAE's own training set, the correlations and the symbolic regression use
its held-out test split only (the file rows stored in the VAE at training); the maps show every sample.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os

import numpy as np
import torch

from ..data.schema import open_dataset
from ..errors import InvalidParameterError
from .ood import DEFAULT_MAX_OOD, ood_scores, roc_auc
from .vae_training import load_vae, load_vae_data

__all__ = ["ACTIVE_KL", "descriptors", "correlations", "held_out", "encode_run", "ood_section", "explore"]

ACTIVE_KL = 0.1
"""A latent dimension is active when its KL, averaged over the samples, exceeds this (nats)."""


def descriptors(path, rows: np.ndarray, params: dict) -> dict:
    """The physical descriptors (module doc) of the file rows ``rows``; NaN where one does not apply."""
    with open_dataset(path) as f:
        z = f["reference/Z"][...][rows]
        n = f["reference/density"][...][rows].sum(axis=1)
    U, eps_d, gamma, t_k = params["U"], params["eps_d"], params["Gamma"], params["T_K"]
    kondo = (-U < eps_d) & (eps_d < 0) & (gamma < U / math.pi) & np.isfinite(t_k)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "log T_K": np.where(kondo, np.log(t_k), np.nan),
            "log Z": np.log(np.clip(z.mean(axis=1), 1e-300, None)),
            "asymmetry": (U + 2.0 * eps_d) / gamma,
            "n": n,
            "B": params["field"],
            "beta": params["beta"],
        }


def correlations(latents: np.ndarray, desc: dict, active) -> dict:
    """``{(latent, descriptor): (pearson, spearman, samples)}`` over the samples where the descriptor is finite."""
    from scipy.stats import pearsonr, spearmanr

    out = {}
    for k in active:
        for name, values in desc.items():
            ok = np.isfinite(values)
            if ok.sum() < 3 or np.ptp(values[ok]) == 0:
                continue
            out[(int(k), name)] = (float(pearsonr(latents[ok, k], values[ok]).statistic),
                                   float(spearmanr(latents[ok, k], values[ok]).statistic), int(ok.sum()))
    return out


def held_out(meta: dict, data) -> np.ndarray | None:
    """Mask of the samples of ``data`` in the VAE's test split, or ``None`` when ``data`` is not the VAE's
    training set (another configuration digest) or the VAE stores no split."""
    rows = meta.get("test_rows")
    if rows is None or not set(data.digests) <= set(meta.get("datasets", [])):
        return None
    mask = np.isin(data.rows, np.asarray(rows, dtype=int))
    return mask if mask.any() else None


def encode_run(model, representation: str, run: list) -> tuple:
    """``(labels, latents)`` of the points of a DMFT run: ``run`` holds ``(label, beta, G_tau, G_l)`` per point
    (spin rows), as :func:`triqs_mlsolver.dmft.storage.read_last_iterations` returns them."""
    if representation == "A_w":
        raise InvalidParameterError("explore --run needs a VAE on G_tau or G_l: a DMFT archive holds no broadened "
                                    "A(w) on the dataset's grid.")
    if not run:
        raise InvalidParameterError("the DMFT run holds no finished U point with a last iteration.")
    inputs = [_to_grid(representation, g_tau if representation == "G_tau" else g_l, beta, model.n)
              for _, beta, g_tau, g_l in run]
    with torch.no_grad():
        mu, _ = model.encode(torch.as_tensor(np.stack(inputs), dtype=torch.float32))
    return [label for label, *_ in run], mu.double().numpy()


def _to_grid(representation: str, g: np.ndarray, beta: float, n: int) -> np.ndarray:
    """The archive's ``G(tau)`` (``(2, n_tau)``) on the VAE's ``n`` tau points, or its ``G_l / beta``."""
    if representation == "G_tau":
        x = np.linspace(0.0, 1.0, g.shape[1])
        return np.stack([np.interp(np.linspace(0.0, 1.0, n), x, row) for row in g])
    if g.shape[1] < n:
        raise InvalidParameterError(f"the archive's G_l has {g.shape[1]} coefficients: the VAE needs n_l >= {n}.")
    return g[:, :n] / beta


def symbolic_section(latents: np.ndarray, desc: dict, params: dict, corr: dict, options=None) -> tuple:
    """Symbolic regression of the most Kondo-like latent and of log T_K itself (Kondo regime samples), with the
    Haldane fit of each; returns ``(html, json-able dict)``."""
    from .symbolic import HALDANE, SymbolicOptions, haldane_fit, symbolic_regression

    kondo = np.isfinite(desc["log T_K"])
    scored = [(abs(s), k) for (k, name), (_, s, _) in corr.items() if name == "log T_K"]
    if kondo.sum() < 20 or not scored:
        return "<p>Symbolic regression: fewer than 20 samples in the Kondo regime, or no active latent.</p>", {}
    _, k = max(scored)
    variables = {"U": params["U"][kondo], "Gamma": params["Gamma"][kondo], "eps_d": params["eps_d"][kondo],
                 "T": 1.0 / params["beta"][kondo]}
    parts, out = [f"<p>Reference: {html.escape(HALDANE)}.</p>"], {}
    for label, y in ((f"z{k}", latents[kondo, k]), ("log T_K", desc["log T_K"][kondo])):
        fit = haldane_fit(variables["U"], variables["Gamma"], variables["eps_d"], y)
        front = symbolic_regression(variables, y, options or SymbolicOptions())
        rows = "".join(f"<tr><td>{f.length}</td><td>{f.r2_train:.4f}</td><td>{f.r2_test:.4f}</td>"
                       f"<td style='text-align:left'>{f.a:+.4g} {f.b:+.4g} * {html.escape(f.text)}</td></tr>"
                       for f in front)
        parts.append(
            f"<h3>{label}</h3><p>Haldane structure fitted by least squares: held-out R<sup>2</sup> {fit['r2_test']:.4f}; "
            f"exponent coefficient b2/b1 = {fit['ratio']:.4f} against pi/2 = {fit['pi_over_2']:.4f} (a finite, "
            "logarithmically discretized bath renormalizes the low-energy hybridization and has a finite band edge, "
            "which shifts it).</p><table><tr><th>length</th><th>R<sup>2</sup> train</th><th>R<sup>2</sup> test</th>"
            f"<th>formula</th></tr>{rows}</table>")
        out[label] = {"haldane_fit": fit, "front": [dataclasses.asdict(f) for f in front]}
    return "<h2>Symbolic regression (Kondo regime)</h2>" + "".join(parts), out


def ood_section(vaes: list, data_path, inside_rows: np.ndarray, outside: list, plt, out_dir: str) -> tuple:
    """The OOD score of the dataset rows ``inside_rows`` of ``data_path`` against every sample of the dataset files
    ``outside``: ROC AUC, fraction above :data:`DEFAULT_MAX_OOD`, a histogram; returns ``(html, json-able dict)``.

    ``vaes`` holds ``(model, metadata)`` pairs; with several (e.g. one on G_tau, one on A_w) a sample's score is
    the largest of theirs, each VAE scoring its own representation of the sample."""
    def score(path, rows=None):
        total = None
        for model, meta in vaes:
            d = load_vae_data(path, meta["representation"])
            if rows is not None:
                d = d.subset(np.flatnonzero(np.isin(d.rows, rows)))
            s = ood_scores(model, meta["ood"], d.x, d.norm)["score"]
            total = s if total is None else np.maximum(total, s)
        return total

    s_in = score(data_path, inside_rows)
    scores = {os.path.basename(os.fspath(path)): score(path) for path in outside}
    if len(scores) > 1:
        scores["all outside"] = np.concatenate(list(scores.values()))
    out = {"inside": {"samples": int(s_in.size), "flagged": float(np.mean(s_in > DEFAULT_MAX_OOD))},
           "vaes": [f"{meta['representation']} ({meta['architecture']['name']})" for _, meta in vaes]}
    rows = [f"<tr><td>held out (inside)</td><td>{s_in.size}</td><td>{np.median(s_in):.3g}</td>"
            f"<td>{out['inside']['flagged']:.1%}</td><td></td></tr>"]
    for name, s in scores.items():
        out[name] = {"samples": int(s.size), "flagged": float(np.mean(s > DEFAULT_MAX_OOD)), "roc_auc": roc_auc(s_in, s)}
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{s.size}</td><td>{np.median(s):.3g}</td>"
                    f"<td>{out[name]['flagged']:.1%}</td><td>{out[name]['roc_auc']:.3f}</td></tr>")
    fig, ax = plt.subplots(figsize=(7, 4))
    bins = np.linspace(np.log10(min(s.min() for s in (s_in, *scores.values()))),
                       np.log10(max(s.max() for s in (s_in, *scores.values()))), 50)
    ax.hist(np.log10(s_in), bins=bins, density=True, alpha=0.5, label="held out (inside)")
    for name, s in scores.items():
        if name != "all outside":
            ax.hist(np.log10(s), bins=bins, density=True, histtype="step", lw=1.5, label=name)
    ax.axvline(np.log10(DEFAULT_MAX_OOD), color="k", ls="--", lw=1)
    ax.set_xlabel("log10 OOD score")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "ood.png"), dpi=90)
    plt.close(fig)
    page = ("<h2>Out-of-distribution score</h2><p>score = max(r/r_99, d/d_99) (reconstruction error and latent "
            "Mahalanobis distance over their validation 99th percentiles), the largest over the VAEs "
            f"{html.escape(', '.join(out['vaes']))}; flagged: score &gt; {DEFAULT_MAX_OOD}. "
            "ROC AUC: probability that a sample from outside scores higher than a held-out one.</p>"
            "<table><tr><th>samples</th><th>N</th><th>median score</th><th>flagged</th><th>ROC AUC</th></tr>"
            f"{''.join(rows)}</table><img src='ood.png' style='max-width:100%'>")
    return page, out


def explore(vae_path, data_path, out_dir, run=None, run_name: str = "", symbolic: bool = False,
            ood=(), ood_vaes=()) -> str:
    """Write the report of the module doc into ``out_dir``; returns the path of ``index.html``.

    ``run``: the points of a DMFT run to draw on the latent map (see :func:`encode_run`); ``symbolic``:
    add the symbolic regression of the most Kondo-like latent and of log T_K (needs gplearn); ``ood``:
    dataset files outside the training box, scored against the held-out samples; ``ood_vaes``: further VAE files
    (other representations) whose scores combine with this VAE's by the maximum."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model, meta = load_vae(vae_path)
    representation = meta["representation"]
    data = load_vae_data(data_path, representation)
    with torch.no_grad():
        mu, logvar = model.encode(torch.as_tensor(data.x, dtype=torch.float32))
    latents = mu.double().numpy()
    kl = (0.5 * (mu**2 + torch.exp(logvar) - 1.0 - logvar)).mean(0).double().numpy()
    order = [int(k) for k in np.argsort(kl)[::-1]]
    active = [k for k in order if kl[k] > ACTIVE_KL]
    desc = descriptors(data_path, data.rows, data.params)
    mask = held_out(meta, data)
    scope = (f"the VAE's held-out test split ({int(mask.sum())} samples)" if mask is not None
             else f"all {len(latents)} samples (the dataset is not the VAE's training set)")
    mask = np.ones(len(latents), bool) if mask is None else mask
    held = {name: values[mask] for name, values in desc.items()}
    corr = correlations(latents[mask], held, active)
    os.makedirs(out_dir, exist_ok=True)
    figures = []

    if len(active) >= 1:
        a, b = (active + active)[:2] if len(active) == 1 else active[:2]
        fig, axes = plt.subplots(2, 3, figsize=(14, 8))
        for ax, (name, values) in zip(axes.flat, desc.items()):
            ok = np.isfinite(values)
            ax.scatter(latents[~ok, a], latents[~ok, b], s=3, c="lightgrey")
            sc = ax.scatter(latents[ok, a], latents[ok, b], s=4, c=values[ok], cmap="viridis")
            fig.colorbar(sc, ax=ax, label=name)
            ax.set_xlabel(f"z{a}")
            ax.set_ylabel(f"z{b}")
        fig.tight_layout()
        figures.append(("Latent map of the two most active latents, coloured by each descriptor", "latent_map.png"))
        fig.savefig(os.path.join(out_dir, figures[-1][1]), dpi=90)
        plt.close(fig)

        shown = active[:3]
        fig, axes = plt.subplots(1, len(shown), figsize=(5 * len(shown), 3.8), squeeze=False)
        grid = np.linspace(0.0, 1.0, model.n)
        for ax, k in zip(axes[0], shown):
            for value in np.linspace(-2.5, 2.5, 7):
                z = torch.zeros(1, model.latent)
                z[0, k] = value
                with torch.no_grad():
                    curve = model.decode(z).double().numpy()[0, 0]
                ax.plot(grid, curve, color=plt.cm.coolwarm((value + 2.5) / 5.0), label=f"z{k} = {value:+.1f}")
            ax.set_title(f"traversal of z{k} (KL {kl[k]:.2f} nats)")
            ax.set_xlabel({"G_tau": "tau/beta", "G_l": "l/(n_l-1)", "A_w": "w (grid fraction)"}[representation])
        axes[0][0].legend(fontsize=7)
        fig.tight_layout()
        figures.append(("Latent traversals decoded into the representation (spin up)", "traversals.png"))
        fig.savefig(os.path.join(out_dir, figures[-1][1]), dpi=90)
        plt.close(fig)

        if run is not None:
            labels, path = encode_run(model, representation, run)
            run_name = run_name or "DMFT run"
            fig, ax = plt.subplots(figsize=(7, 6))
            values = desc["log Z"]
            ax.scatter(latents[:, a], latents[:, b], s=3, c=values, cmap="viridis", alpha=0.5)
            ax.plot(path[:, a], path[:, b], "r.-")
            for label, p in zip(labels, path):
                ax.annotate(label, (p[a], p[b]), fontsize=7)
            ax.set_xlabel(f"z{a}")
            ax.set_ylabel(f"z{b}")
            ax.set_title(f"{run_name} on the latent map (colour: log Z of the dataset)")
            fig.tight_layout()
            figures.append((f"The DMFT run {html.escape(run_name)} as a path on the latent map",
                            "run_path.png"))
            fig.savefig(os.path.join(out_dir, figures[-1][1]), dpi=90)
            plt.close(fig)

    rows = "".join(f"<tr><td>z{k}</td><td>{kl[k]:.3f}</td><td>{'yes' if k in active else ''}</td></tr>" for k in order)
    corr_rows = "".join(
        f"<tr><td>z{k}</td><td>{html.escape(name)}</td><td>{p:+.3f}</td><td>{s:+.3f}</td><td>{m}</td></tr>"
        for (k, name), (p, s, m) in sorted(corr.items(), key=lambda item: -abs(item[1][1])))
    images = "".join(f"<h2>{title}</h2><img src='{name}' style='max-width:100%'>" for title, name in figures)
    sr_html, sr_json = (symbolic_section(latents[mask], held, {k: v[mask] for k, v in data.params.items()}, corr)
                        if symbolic else ("", {}))
    ood_html, ood_json = "", {}
    if ood:
        vaes = [(model, meta)] + [load_vae(path) for path in ood_vaes]
        ood_html, ood_json = ood_section(vaes, data_path, data.rows[mask], list(ood), plt, out_dir)
    metrics = meta.get("metrics", {})
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>VAE latent report</title>
<style>body{{font-family:sans-serif;margin:2em}} td,th{{padding:2px 10px;text-align:right}}</style></head><body>
<h1>VAE latent report</h1>
<p>Model {html.escape(os.path.basename(os.fspath(vae_path)))}: representation {representation}, {model.latent} latent
dimensions; dataset {html.escape(os.path.basename(os.fspath(data_path)))}, {len(latents)} samples. Test-split mean
relative L2 reconstruction error {metrics.get('relative_l2', float('nan')):.3e} (training-mean baseline
{metrics.get('relative_l2_baseline_mean', float('nan')):.3e}).</p>
<h2>KL per latent dimension (nats, mean over the samples)</h2>
<table><tr><th>latent</th><th>KL</th><th>active</th></tr>{rows}</table>
<h2>Correlations of the active latents with the descriptors</h2>
<p>Over {scope}.</p>
<table><tr><th>latent</th><th>descriptor</th><th>Pearson</th><th>Spearman</th><th>samples</th></tr>{corr_rows}</table>
{images}{sr_html}{ood_html}</body></html>"""
    index = os.path.join(out_dir, "index.html")
    with open(index, "w", encoding="utf-8") as handle:
        handle.write(page)
    with open(os.path.join(out_dir, "correlations.json"), "w", encoding="utf-8") as handle:
        json.dump({"kl": [float(v) for v in kl], "active": active, "scope": scope, "ood": ood_json,
                   "correlations": [{"latent": k, "descriptor": name, "pearson": p, "spearman": s, "samples": m}
                                    for (k, name), (p, s, m) in corr.items()], "symbolic": sr_json}, handle, indent=1)
    return index
