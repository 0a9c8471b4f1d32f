"""The ed/ package's result helpers: outputs on given meshes, and the particle-hole mirror against a fresh solve."""

from __future__ import annotations

import numpy as np
import pytest

from triqs_mlsolver.aim import AIM
from triqs_mlsolver.ed import diagonalize, evaluate_outputs, particle_hole_mirror
from triqs_mlsolver.errors import InvalidParameterError


def _aim(U=2.0, eps_d=-0.7, eps_k=(-0.8, 0.1, 0.6), V_k=(0.3, 0.5, 0.4)):
    return AIM.single_orbital(U, eps_d, eps_k, V_k)


def test_outputs_are_the_pole_evaluations_on_the_meshes_asked_for():
    beta = 20.0
    ed = diagonalize(_aim(), beta)
    iw = 1j * np.pi * (2 * np.arange(8) + 1) / beta
    w = np.linspace(-3, 3, 11)
    out = evaluate_outputs(ed, iw=iw, n_tau=21, n_l=6, w=w, eta=0.1, blocks=["up"])
    p = ed.poles["up"]
    assert list(out.g_iw) == ["up"] and out.g_w is not None
    assert np.array_equal(out.g_iw["up"], p.at(iw))
    assert np.array_equal(out.g_tau["up"], p.tau(beta, 21))
    assert np.array_equal(out.g_l["up"], p.legendre(beta, 6))
    assert np.array_equal(out.g_w["up"], p.refreq(w, 0.1))
    assert np.array_equal(out.density["up"], ed.density["up"])
    full = evaluate_outputs(ed, n_iw=8)
    assert np.array_equal(full.g_iw["down"], ed.poles["down"].iw(beta, 8)) and full.g_tau is None
    with pytest.raises(InvalidParameterError, match="either iw or n_iw"):
        evaluate_outputs(ed, iw=iw, n_iw=8)


def test_particle_hole_mirror_equals_a_fresh_solve_of_the_mirrored_model():
    U, eps_d, eps_k, V_k = 2.5, -0.4, np.array([-0.9, 0.2, 0.7]), np.array([0.4, 0.3, 0.5])
    beta = 15.0
    ed = diagonalize(_aim(U, eps_d, eps_k, V_k), beta)
    shift = -2 * eps_d - U - 2 * float(np.sum(eps_k))  # C = -sum_s h_s - U - sum_ks eps_ks
    mirror = particle_hole_mirror(ed, shift)
    fresh = diagonalize(_aim(U, -eps_d - U, -eps_k, V_k), beta)
    iw = 1j * np.pi * (2 * np.arange(16) + 1) / beta
    for b in ("up", "down"):
        assert np.allclose(mirror.poles[b].at(iw), fresh.poles[b].at(iw), atol=1e-10)
        assert np.allclose(mirror.density[b], fresh.density[b], atol=1e-10)
    assert np.allclose(mirror.double_occupancy, fresh.double_occupancy, atol=1e-10)
    for name in ("e0", "energy", "free_energy"):
        assert getattr(mirror, name) == pytest.approx(getattr(fresh, name), abs=1e-9)
