"""Bad input to the ED solver gives the package's errors, before any heavy work; conserved
groups are detected as expected; options are validated."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from dense_ed import DenseED

from triqs_mlsolver.aim import AIM, BathBlock
from triqs_mlsolver.ed import EDOptions, conserved_groups, diagonalize, diagonalize_terms
from triqs_mlsolver.errors import InvalidParameterError, NonHermitianError, ResourceLimitError
from triqs_mlsolver.operators import Terms
from triqs_mlsolver.solvers.ed import EDSolverOptions


def hop(i, j, t=1.0):
    return [(t, ((True, i), (False, j))), (np.conj(t), ((True, j), (False, i)))]


def test_non_hermitian_hamiltonian():
    terms = Terms.build(2, [(0.5, ((True, 0), (False, 1))), (0.2, ((True, 0), (False, 0)))])
    with pytest.raises(NonHermitianError, match="not hermitian"):
        diagonalize_terms(terms, 10.0, {"a": [0]})
    # complex hopping whose conjugate partner has the wrong phase
    terms = Terms.build(2, [(0.5j, ((True, 0), (False, 1))), (0.5j, ((True, 1), (False, 0)))])
    with pytest.raises(NonHermitianError):
        diagonalize_terms(terms, 10.0, {"a": [0]})
    # as raw arrays too
    coefs = np.array([1.0 + 0j])
    daggers = np.array([[1, 0]], dtype=np.int8)
    orbitals = np.array([[0, 1]], dtype=np.int32)
    with pytest.raises(NonHermitianError):
        diagonalize_terms((coefs, daggers, orbitals), 1.0, {"a": [0]}, n_orbitals=2)
    # the AIM itself refuses a non-hermitian interaction
    with pytest.raises(NonHermitianError):
        AIM(gf_struct=[("up", 1), ("down", 1)], h_loc={"up": [[0.0]], "down": [[0.0]]},
            h_int=Terms.build(2, [(1.0, ((True, 0), (False, 1)))]))


def test_too_many_orbitals_states_the_estimate_quickly():
    n = 40
    terms = Terms.build(n, [t for i in range(n - 1) for t in hop(i, i + 1)])
    start = time.perf_counter()
    with pytest.raises(ResourceLimitError, match=r"needs about .* GB \(largest sector dimension 1\.378e\+11"):
        diagonalize_terms(terms, 10.0, {"a": [0]})
    assert time.perf_counter() - start < 2.0
    # a bath too large for the memory limit given
    aim = AIM.single_orbital(U=1.0, eps_d=-0.5, eps_k=np.linspace(-1, 1, 11), V_k=0.3 * np.ones(11))
    with pytest.raises(ResourceLimitError, match="max_memory_gb = 0.01"):
        diagonalize(aim, 10.0, EDOptions(max_memory_gb=0.01))
    with pytest.raises(ResourceLimitError, match="at most 64"):
        diagonalize_terms(Terms.build(70, []), 1.0, {"a": [0]})


def test_nan_and_infinite_parameters():
    with pytest.raises(InvalidParameterError):
        AIM.single_orbital(U=float("nan"), eps_d=0.0)
    with pytest.raises(InvalidParameterError):
        BathBlock(np.array([0.0, np.inf]), np.array([0.1, 0.2]))
    coefs = np.array([np.nan + 0j])
    daggers = np.array([[1, 0]], dtype=np.int8)
    orbitals = np.array([[0, 0]], dtype=np.int32)
    with pytest.raises(InvalidParameterError, match="not finite"):
        diagonalize_terms((coefs, daggers, orbitals), 1.0, {"a": [0]}, n_orbitals=1)
    aim = AIM.single_orbital(U=1.0, eps_d=0.0)
    for beta in (float("nan"), -1.0, 0.0, "10"):
        with pytest.raises(InvalidParameterError, match="beta"):
            diagonalize(aim, beta)


def test_n_bath_must_be_nonnegative():
    from triqs_mlsolver.bath import fit_bath
    from triqs_mlsolver.solvers.base import get_solver, options_from_kwargs

    with pytest.raises(InvalidParameterError, match="n_bath = -1"):
        EDSolverOptions(n_bath=-1)
    with pytest.raises(InvalidParameterError, match="n_bath"):
        options_from_kwargs(get_solver("ed").Options, {"n_bath": -2}, "ed")
    delta = {"up": np.zeros((20, 1, 1), dtype=complex)}
    with pytest.raises(InvalidParameterError, match="n_bath"):
        fit_bath(delta, 10.0, -1)


@pytest.mark.parametrize(
    "field,value",
    [
        ("boltzmann_cutoff", 0.0),
        ("boltzmann_cutoff", 1.0),
        ("degeneracy_tol", -1e-9),
        ("dense_max_dim", -1),
        ("dense_max_dim", 2.5),
        ("dense_window_max_dim", -1),
        ("dense_screen_min_dim", -1),
        ("lanczos_tol", 0.0),
        ("lanczos_krylov_dim", 4),
        ("gf_tol", float("nan")),
        ("gf_max_iter", 0),
        ("gf_probe_frequency", -0.1),
        ("pole_weight_cutoff", -1.0),
        ("pole_compress_weight", -1e-9),
        ("pole_compress_tol", float("inf")),
        ("max_memory_gb", 0.0),
        ("n_states_max", 0),
        ("seed", -3),
    ],
)
def test_options_are_validated(field, value):
    with pytest.raises(InvalidParameterError, match=field):
        EDOptions(**{field: value})


def test_options_have_docs():
    from dataclasses import fields

    for f in fields(EDOptions):
        assert f.metadata.get("doc"), f.name


def test_conserved_groups_detection():
    # spin-conserving AIM: one group per spin (impurity + its bath)
    aim = AIM.single_orbital(U=1.0, eps_d=0.0, eps_k=[-1, 1], V_k=[0.3, 0.3])
    c, d, o = aim.h_int.to_arrays()
    groups, conserving = conserved_groups(aim.n_orbitals, aim.quadratic_matrix(), (d, o), aim.orbital_groups())
    assert conserving and groups == [[0, 2, 3], [1, 4, 5]]
    # density-density two-orbital model with orbital-diagonal baths: every spin-orbital with its bath
    n_imp = 4
    dd = [(1.0, ((True, a), (False, a), (True, b), (False, b))) for a in range(4) for b in range(a + 1, 4)]
    aim2 = AIM(
        gf_struct=[("up", 2), ("down", 2)],
        h_loc={"up": np.diag([-0.5, -0.3]), "down": np.diag([-0.5, -0.3])},
        h_int=Terms.build(n_imp, dd),
        bath={s: BathBlock(np.array([0.2, 0.4]), 0.3 * np.eye(2)) for s in ("up", "down")},
    )
    c, d, o = aim2.h_int.to_arrays()
    groups, _ = conserved_groups(aim2.n_orbitals, aim2.quadratic_matrix(), (d, o), aim2.orbital_groups())
    assert groups == [[0, 4], [1, 5], [2, 6], [3, 7]]
    result = diagonalize(aim2, 5.0)
    assert len(result.groups) == 4
    # a spin-flip hopping merges the spins; pairing breaks every particle number
    h = np.zeros((2, 2))
    h[0, 1] = h[1, 0] = 0.3
    groups, conserving = conserved_groups(2, h, None, [[0], [1]])
    assert conserving and groups == [[0, 1]]
    pairing = Terms.build(2, [(0.4, ((True, 0), (True, 1))), (0.4, ((False, 1), (False, 0)))])
    _, d, o = pairing.to_arrays()
    groups, conserving = conserved_groups(2, None, (d, o), None)
    assert not conserving and groups == [[0, 1]]


def test_explicit_groups_are_verified():
    terms = Terms.build(3, hop(0, 1) + hop(1, 2))
    with pytest.raises(InvalidParameterError, match="does not conserve the particle number"):
        diagonalize_terms(terms, 5.0, {"a": [0]}, groups=[[0, 1], [2]])


def test_pairing_hamiltonian_without_number_conservation():
    """A superconducting toy (pairing terms): one sector, the whole Fock space."""
    n = 4
    products = [(-0.7, [(True, i), (False, i)]) for i in range(n)]
    products += [(t, m) for t, m in (hop(0, 1, 0.4) + hop(2, 3, 0.4) + hop(0, 2, 0.2))]
    products += [(0.3, ((True, 0), (True, 3))), (0.3, ((False, 3), (False, 0)))]
    products += [(1.5, ((True, 0), (False, 0), (True, 3), (False, 3)))]
    terms = Terms.build(n, [(c, tuple(m)) for c, m in products])
    for beta in (4.0, math.inf):
        result = diagonalize_terms(terms, beta, {"a": [0, 3]}, options=EDOptions(boltzmann_cutoff=1e-14))
        ref = DenseED(n, None, [(c, list(m)) for c, m in products], beta=beta, conserving=False)
        iw = 1j * np.pi * (2 * np.arange(-20, 20) + 1) / 4.0
        assert np.abs(result.poles["a"].at(iw) - ref.gf([0, 3], iw)).max() < 1e-10
        assert abs(result.e0 - ref.e0) < 1e-12
