"""Hubbard-I against the TRIQS-written triqs_hubbardI references and the closed-form Hubbard atom."""

from __future__ import annotations

import numpy as np
import pytest

from triqs_mlsolver import Solver
from triqs_mlsolver.archive import HDFArchive
from triqs_mlsolver.gf import SemiCircular, Wilson, inverse, iOmega_n
from triqs_mlsolver.hamiltonians import U_matrix_slater, h_int_slater, set_operator_structure
from triqs_mlsolver.operators import n

TOL = 1e-8


def _aim_solver(**mesh) -> Solver:
    """The single-band test of triqs_hubbardI: D = 1, V = 0.2, U = 4, e_f = -U/2, beta = 50."""
    S = Solver(beta=50.0, gf_struct=[("up", 1), ("down", 1)], **mesh)
    S.G0_iw << inverse(iOmega_n + 2.0 - 0.2**2 * Wilson(1.0))
    return S


def _max_diff(ours, ref) -> float:
    return max(np.abs(ours[name].data - g.data).max() for name, g in ref)


@pytest.mark.parametrize(
    "file, key, mesh, flags",
    [
        ("hubbardI__aim_matsubara.ref.h5", "G_iw", {"n_iw": 20}, {}),
        ("hubbardI__aim_tau.ref.h5", "G_tau", {"n_iw": 1025, "n_tau": 30}, {"calc_gtau": True}),
        ("hubbardI__aim_l.ref.h5", "G_l", {"n_iw": 1025, "n_l": 5}, {"calc_gl": True}),
        ("hubbardI__aim_w.ref.h5", "G_w", {"n_iw": 1025, "n_w": 20}, {"calc_gw": True}),
    ],
)
def test_atomic_outputs_equal_the_triqs_hubbardI_references(triqs_ref, file, key, mesh, flags):
    S = _aim_solver(**mesh)
    S.solve(h_int=4.0 * n("up", 0) * n("down", 0), method="hubbard_i", atomic_gf=True, **flags)
    with HDFArchive(triqs_ref / file, "r") as ar:
        ref = ar[key]
    assert _max_diff(getattr(S, key), ref) < TOL


def test_impurity_g_is_the_dyson_embedding_of_the_atomic_self_energy():
    """Half-filled Hubbard atom: Sigma = U/2 + U^2/(4 iw) exactly; G = (G0^-1 - Sigma)^-1 (closed forms)."""
    U, beta = 3.0, 30.0
    S = Solver(beta=beta, gf_struct=[("up", 1), ("down", 1)], n_iw=256, n_tau=2001, n_l=30)
    S.G0_iw << inverse(iOmega_n + U / 2 - 0.25 * SemiCircular(1.0))
    S.solve(h_int=U * n("up", 0) * n("down", 0), method="hubbard_i")
    iw = 1j * np.pi * (2 * np.arange(-256, 256) + 1) / beta  # the Matsubara frequencies of the mesh (any Gf kind)
    sigma = U / 2 + U**2 / (4 * iw)
    g = 1.0 / (1.0 / S.G0_iw["up"].data[:, 0, 0] - sigma)
    assert np.abs(S.Sigma_iw["up"].data[:, 0, 0] - sigma).max() < 1e-10
    assert np.abs(S.G_iw["up"].data[:, 0, 0] - g).max() < 1e-12
    atomic = 0.5 / (iw - U / 2) + 0.5 / (iw + U / 2)
    assert np.abs(S.G_iw_atomic["down"].data[:, 0, 0] - atomic).max() < 1e-12
    assert abs(S.density["up"][0, 0] - 0.5) < 1e-10
    # G(tau) of the embedded G is particle-hole symmetric and obeys the sum rule
    g_tau = S.G_tau["up"].data[:, 0, 0]
    assert np.abs(g_tau - g_tau[::-1]).max() < 1e-9
    assert abs(g_tau[0] + g_tau[-1] + 1.0) < 1e-10


def test_generated_hubbardI_file_all_outputs(triqs_ref):
    """G0 = 1/(iw + mu) has no bath, so the impurity and atomic outputs coincide with triqs_hubbardI's."""
    path = triqs_ref / "generated" / "hubbardI_1orb_beta40_U3_half_filling_mu1p5.h5"
    with HDFArchive(path, "r") as ar:
        ref = {key: ar[key] for key in ("G_iw", "Sigma_iw", "G_tau", "G_l", "G_w", "Sigma_w", "density", "h_int")}
    S = Solver(beta=40.0, gf_struct=[("up", 1), ("down", 1)], n_iw=1025, n_tau=10001, n_l=30)
    S.G0_iw << inverse(iOmega_n + 1.5)
    S.solve(h_int=ref["h_int"], method="hubbard_i", calc_gw=True)
    for key in ("G_iw", "Sigma_iw", "G_tau", "G_l", "G_w"):
        assert _max_diff(getattr(S, key), ref[key]) < TOL, key
    # triqs_hubbardI forms Sigma_w = (w - eps) - G_w^-1 although G_w is taken at w + i idelta; ours is the
    # continuation Sigma(w + i idelta) = (w + i idelta - eps) - G_w^-1, which differs by exactly i idelta.
    for name, g in ref["Sigma_w"]:
        assert np.abs(S.Sigma_w[name].data - (g.data + 1j * S.idelta)).max() < TOL
    for name in ("up", "down"):
        assert abs(S.density[name][0, 0] - ref["density"][name][0, 0]) < TOL


def test_five_orbital_slater_atom_equals_the_bethe5_reference(triqs_ref):
    """5-orbital Slater interaction (l = 2, U = 4, J = 1), levels -mu = -25, beta = 40 (triqs_hubbardI test)."""
    gf_struct = set_operator_structure(["up", "down"], 5, off_diag=True)
    U_mat = U_matrix_slater(l=2, U_int=4.0, J_hund=1.0, basis="spherical")
    h_int = h_int_slater(["up", "down"], 5, U_mat, off_diag=True)
    S = Solver(beta=40.0, gf_struct=gf_struct, n_iw=30)
    S.G0_iw << inverse(iOmega_n + 25.0)
    S.solve(h_int=h_int, method="hubbard_i", atomic_gf=True)
    with HDFArchive(triqs_ref / "hubbardI__bethe5.ref.h5", "r") as ar:
        ref = ar["G_iw"]
    assert _max_diff(S.G_iw, ref) < TOL
    assert _max_diff(S.G_iw_atomic, ref) < TOL
