"""Figures of a trained correction model on its test split.

``test_G_tau.png``: predicted and reference ``G(tau)`` (and the base solver's) for the best, the
median and the worst test sample by ``max_tau |G - G_ref|``; ``test_errors.png``: histograms of that
error for every cheap solver and the network (logarithmic bins).
"""

from __future__ import annotations

import os

import numpy as np

from .correction import CorrectionModel, tau_basis
from .metrics import prediction_errors, solver_errors
from .samples import SampleSet

__all__ = ["plot_test_split"]


def plot_test_split(model: CorrectionModel, test: SampleSet, folder: str | os.PathLike) -> list[str]:
    """Write the two figures of the test split ``test`` (``TrainReport.test``) into ``folder`` (created if
    missing); returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pred = model.predict(test.features, test.g_l[model.layout.base], test.beta)
    err = prediction_errors(test, pred.g_l)["G"]
    os.makedirs(folder, exist_ok=True)
    paths = [os.path.join(folder, "test_G_tau.png"), os.path.join(folder, "test_errors.png")]

    order = np.argsort(err)
    picks = {"best": order[0], "median": order[len(order) // 2], "worst": order[-1]}
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    n_tau = test.g_ref_tau.shape[-1]
    basis = tau_basis(pred.g_l.shape[-1], n_tau)
    for ax, (label, k) in zip(axes, picks.items()):
        tau = np.linspace(0.0, test.beta[k], n_tau)
        ax.plot(tau, test.g_ref_tau[k, 0], "k-", lw=2, label="reference (ED)")
        ax.plot(tau, test.g_tau[model.layout.base][k, 0], "C1--", label=f"base ({model.layout.base})")
        ax.plot(tau, basis @ pred.g_l[k, 0] / test.beta[k], "C0:", lw=2, label="network")
        ax.set_title(f"{label}: max|dG| = {err[k]:.1e}, beta = {test.beta[k]:.3g}, U = {test.params['U'][k]:.3g}", fontsize=9)
        ax.set_xlabel(r"$\tau$")
        ax.set_ylabel(r"$G_\uparrow(\tau)$")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(paths[0], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4))
    every = {name: solver_errors(test, name)["G"] for name in model.layout.solvers}
    every["network"] = err
    low = max(1e-8, min(v[v > 0].min() for v in every.values() if np.any(v > 0)))
    bins = np.logspace(np.log10(low), np.log10(max(v.max() for v in every.values())), 40)
    for name, values in every.items():
        ax.hist(values, bins=bins, histtype="step", lw=2 if name == "network" else 1, label=name)
    ax.set_xscale("log")
    ax.set_xlabel(r"max$_\tau |G(\tau) - G_{ref}(\tau)|$ (test split)")
    ax.set_ylabel("samples")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(paths[1], dpi=110)
    plt.close(fig)
    return paths
