"""The physics assertions of triqs_mlsolver.testing pass on physical data and fail on broken data."""

from __future__ import annotations

import numpy as np
import pytest

from triqs_mlsolver.errors import InvalidParameterError
from triqs_mlsolver.poles import PoleGf
from triqs_mlsolver.testing import assert_causal, assert_hermitian, assert_sum_rule, assert_tail, default_tolerance

BETA, N_IW = 10.0, 64
IW = 1j * np.pi * (2 * np.arange(-N_IW, N_IW) + 1) / BETA
RESIDUES = np.array([[[0.5, 0.1j], [-0.1j, 0.2]], [[0.3, 0.0], [0.0, 0.5]], [[0.2, -0.1j], [0.1j, 0.3]]])
G = PoleGf(np.array([-0.7, 0.2, 1.5]), RESIDUES)  # hermitian positive residues summing to the identity


def test_default_tolerance_depends_on_dtype_and_scale():
    assert default_tolerance(np.ones(3)) == pytest.approx(1e-10)
    assert default_tolerance(np.ones(3, dtype=np.float32)) == pytest.approx(1e-5)
    assert default_tolerance(np.ones(3, dtype=np.complex64) * 100) == pytest.approx(1e-3)


def test_physical_green_function_passes_everything():
    g_iw = G.iw(BETA, N_IW)
    assert_causal(g_iw, IW)
    assert_causal(g_iw[:, 0, 0], IW)
    assert_hermitian(g_iw)
    assert_tail(g_iw, IW, G.moments(6), tol=1e-9)
    assert_sum_rule(G.tau(BETA, 21))
    w = np.linspace(-400.0, 400.0, 400001)
    assert_sum_rule(G.refreq(w, 0.05), w, tol=2e-4)  # weight outside the window ~ 2 eta/(pi w_edge)
    assert_causal(g_iw.astype(np.complex64), IW)  # single precision checked with its own tolerance
    assert_hermitian(g_iw.astype(np.complex64))


def test_anti_causal_function_fails():
    with pytest.raises(AssertionError, match="not causal"):
        assert_causal(-G.iw(BETA, N_IW), IW)
    # a matrix with causal diagonal but an off-diagonal element too large: negative eigenvalue
    g = G.iw(BETA, N_IW).copy()
    g[:, 0, 1] += 5.0 / IW
    g[:, 1, 0] += 5.0 / IW
    assert np.all(-g[IW.imag > 0, 0, 0].imag > 0)
    with pytest.raises(AssertionError, match="eigenvalue"):
        assert_causal(g, IW)


def test_non_hermitian_function_fails():
    g = G.iw(BETA, N_IW).copy()
    g[3, 0, 1] += 1e-6
    with pytest.raises(AssertionError, match="data index 3, element \\(0, 1\\)"):
        assert_hermitian(g)
    assert_hermitian(g, tol=1e-5)
    with pytest.raises(AssertionError, match="not hermitian"):
        assert_hermitian(g.astype(np.complex64) * (1 + 1e-3j))


def test_wrong_tail_fails():
    g_iw = G.iw(BETA, N_IW)
    wrong = G.moments(3)
    wrong[2] += 0.1
    with pytest.raises(AssertionError, match="does not follow its tail"):
        assert_tail(g_iw, IW, wrong, tol=1e-6)


def test_broken_sum_rules_fail():
    g_tau = G.tau(BETA, 21)
    with pytest.raises(AssertionError, match="G\\(0\\+\\) \\+ G\\(beta-\\)"):
        assert_sum_rule(0.9 * g_tau)
    assert_sum_rule(0.9 * g_tau, norm=0.9)
    w = np.linspace(-1.0, 1.0, 2001)  # too narrow a window: weight is missing
    with pytest.raises(AssertionError, match="int A\\(w\\) dw"):
        assert_sum_rule(G.refreq(w, 0.05), w, tol=1e-3)


def test_malformed_input_raises_invalid_parameter():
    with pytest.raises(InvalidParameterError, match="^g_iw = "):
        assert_hermitian(np.zeros((4, 2, 3)))
    with pytest.raises(InvalidParameterError, match="^iw = "):
        assert_causal(G.iw(BETA, N_IW), IW[:-1])
    with pytest.raises(InvalidParameterError, match="^moments = "):
        assert_tail(G.iw(BETA, N_IW), IW, np.zeros((3, 3, 3)))
