"""Operator algebra and Terms against hand-derived cases, the TRIQS examples and dense matrices.

The independent truth for the algebra is a Jordan-Wigner representation built here with
numpy: ``c_k = Z x ... x Z x a x 1 x ... x 1`` on the Fock space of a few modes.  Any
operator expression (evaluated as a product of these matrices) must have the matrix of its
normally ordered :class:`Operator` and of its :class:`Terms`.
"""

from __future__ import annotations

import pickle
from functools import reduce

import numpy as np
import pytest

from triqs_mlsolver.errors import IncompatibleGfStructError, InvalidParameterError
from triqs_mlsolver.operators import Operator, Terms, c, c_dag, dagger, is_op_hermitian, n

T, F = True, False

# Four modes with mixed index types, listed in TRIQS index order (int before str, shorter first).
MODES = [(0,), (1, "up"), ("a",), ("b", 0)]


# -- independent representation ----------------------------------------------------------------


def jw_annihilators(n_modes: int) -> list[np.ndarray]:
    """Dense Jordan-Wigner matrices of c_0 .. c_{n-1} (mode 0 is the leftmost tensor factor)."""
    a = np.array([[0.0, 1.0], [0.0, 0.0]])  # |0><1| on the basis (|0>, |1>)
    z = np.diag([1.0, -1.0])
    eye = np.eye(2)
    return [reduce(np.kron, [z] * k + [a] + [eye] * (n_modes - k - 1)) for k in range(n_modes)]


def product_matrix(product, mats) -> np.ndarray:
    """Matrix of a product of (dagger, mode number) in product order."""
    out = np.eye(mats[0].shape[0], dtype=complex)
    for d, k in product:
        out = out @ (mats[k].T if d else mats[k])
    return out


def operator_matrix(op, modes, mats) -> np.ndarray:
    """Matrix of an operator from its iteration (monomials with index lists)."""
    position = {m: k for k, m in enumerate(modes)}
    total = np.zeros_like(mats[0], dtype=complex)
    for monomial, coef in op:
        total += coef * product_matrix([(d, position[tuple(idx)]) for d, idx in monomial], mats)
    return total


def terms_matrix(terms: Terms, mats) -> np.ndarray:
    """Matrix of a Terms object read from to_arrays (operators left to right, padding -1)."""
    coefs, daggers, orbitals = terms.to_arrays(max_ops=8)
    total = np.zeros_like(mats[0], dtype=complex)
    for x, ds, os in zip(coefs, daggers, orbitals):
        total += x * product_matrix([(bool(d), int(o)) for d, o in zip(ds, os) if o >= 0], mats)
    return total


def index_key(idx):
    return [(isinstance(x, str), x) for x in idx]


def assert_normal_order(monomial):
    """c+ before c; c+ by strictly increasing index, c by strictly decreasing index."""
    daggers = [d for d, _ in monomial]
    assert daggers == sorted(daggers, reverse=True), monomial
    creators = [index_key(i) for d, i in monomial if d]
    annihilators = [index_key(i) for d, i in monomial if not d]
    assert all(x < y for x, y in zip(creators, creators[1:])), monomial
    assert all(x > y for x, y in zip(annihilators, annihilators[1:])), monomial


def random_expression(rng, n_products=6, max_len=5):
    """A random sum of random products: (Operator built with * and +, list of (coef, product))."""
    factories = {T: c_dag, F: c}
    op, products = Operator(), []
    for _ in range(n_products):
        coef = complex(rng.normal(), rng.normal()) if rng.random() < 0.5 else float(rng.normal())
        product = [(bool(rng.integers(2)), int(rng.integers(len(MODES)))) for _ in range(rng.integers(0, max_len + 1))]
        term = Operator(coef)
        for d, k in product:
            term = term * factories[d](*MODES[k])
        op = op + term
        products.append((coef, product))
    return op, products


# -- TRIQS examples and hand-derived signs ---------------------------------------------------


def test_hubbard_term_is_one_monomial_with_plus_U():
    U = 2.5
    assert list(U * n("up", 0) * n("down", 0)) == [
        ([(T, ["down", 0]), (T, ["up", 0]), (F, ["up", 0]), (F, ["down", 0])], 2.5)
    ]


def test_cube_of_number_operator():
    N = n(0, "dn") + n(0, "up")
    assert list(N * N * N) == [
        ([(T, [0, "dn"]), (F, [0, "dn"])], 1.0),
        ([(T, [0, "up"]), (F, [0, "up"])], 1.0),
        ([(T, [0, "dn"]), (T, [0, "up"]), (F, [0, "up"]), (F, [0, "dn"])], 6.0),
    ]


def test_reordering_signs_and_contractions():
    assert list(c(1) * c_dag(0)) == [([(T, [0]), (F, [1])], -1.0)]
    assert list(c(0) * c_dag(0)) == [([], 1.0), ([(T, [0]), (F, [0])], -1.0)]
    assert c(0) * c_dag(0) == 1 - n(0)
    assert list(c_dag(1) * c_dag(0)) == [([(T, [0]), (T, [1])], -1.0)]
    assert list(c(0) * c(1)) == [([(F, [1]), (F, [0])], -1.0)]
    assert (c_dag(0) * c_dag(0)).is_zero() and (c("x") * c("x")).is_zero()
    # c+_0 c_1 c+_1 c_0 = c+_0 (1 - c+_1 c_1) c_0 = n_0 - c+_0 c+_1 c_1 c_0 (already normal ordered)
    assert list(c_dag(0) * c(1) * c_dag(1) * c(0)) == [
        ([(T, [0]), (F, [0])], 1.0),
        ([(T, [0]), (T, [1]), (F, [1]), (F, [0])], -1.0),
    ]


def test_index_order_int_before_str_and_shorter_first():
    assert list(c_dag("a") * c_dag(0)) == [([(T, [0]), (T, ["a"])], -1.0)]
    assert list(c_dag("up", 0) * c_dag("down", 0)) == [([(T, ["down", 0]), (T, ["up", 0])], -1.0)]
    assert list(c_dag(0, "a") * c_dag(0)) == [([(T, [0]), (T, [0, "a"])], -1.0)]
    assert list(c_dag() * c_dag(0)) == [([(T, []), (T, [0])], 1.0)]


def test_monomials_ordered_by_length_then_lexicographically():
    op = n(0) * n(1) + c_dag(1) * c(0) + 3.0 + c_dag(0) * c(1) + n(1) + n(0)
    # among quadratic terms: c+0 < c+1 first; then c1 < c0 (annihilators in decreasing index)
    assert [m for m, _ in op] == [
        [],
        [(T, [0]), (F, [1])],
        [(T, [0]), (F, [0])],
        [(T, [1]), (F, [1])],
        [(T, [1]), (F, [0])],
        [(T, [0]), (T, [1]), (F, [1]), (F, [0])],
    ]


def test_string_form():
    assert str(2.5 * n("up", 0) * n("down", 0)) == "2.5*c_dag('down',0)*c_dag('up',0)*c('up',0)*c('down',0)"
    assert str(Operator()) == "0"
    assert str(1 + 1j * c(0)) == "1 + (0+1j)*c(0)"
    assert str(n(0) - c_dag(0) * c(1) * (1 - 2j)) == "(-1+2j)*c_dag(0)*c(1) + 1*c_dag(0)*c(0)"
    assert str(-1e-5 * c("a", 0)) == "-1e-05*c('a',0)"


# -- the algebra against dense matrices ------------------------------------------------------


def test_random_expressions_match_jordan_wigner_matrices(rng):
    mats = jw_annihilators(len(MODES))
    for _ in range(20):
        op, products = random_expression(rng)
        truth = sum(x * product_matrix(p, mats) for x, p in products)
        for monomial, _ in op:
            assert_normal_order(monomial)
        np.testing.assert_allclose(operator_matrix(op, MODES, mats), truth, atol=1e-12)
        np.testing.assert_allclose(terms_matrix(Terms.from_operator(op, MODES), mats), truth, atol=1e-12)
        built = Terms.build(len(MODES), [(x, tuple(p)) for x, p in products])
        assert built == Terms.from_operator(op, MODES)


def test_products_of_sums_and_dagger_match_matrices(rng):
    mats = jw_annihilators(len(MODES))
    for _ in range(10):
        a, pa = random_expression(rng, n_products=4, max_len=3)
        b, pb = random_expression(rng, n_products=4, max_len=3)
        ma = sum(x * product_matrix(p, mats) for x, p in pa)
        mb = sum(x * product_matrix(p, mats) for x, p in pb)
        np.testing.assert_allclose(operator_matrix(a * b, MODES, mats), ma @ mb, atol=1e-12)
        np.testing.assert_allclose(operator_matrix(a - 2 * b, MODES, mats), ma - 2 * mb, atol=1e-12)
        np.testing.assert_allclose(operator_matrix(dagger(a), MODES, mats), ma.conj().T, atol=1e-12)
        parts = operator_matrix(a.real, MODES, mats) + 1j * operator_matrix(a.imag, MODES, mats)
        np.testing.assert_allclose(parts, ma, atol=1e-12)
        ta = Terms.from_operator(a, MODES)
        np.testing.assert_allclose(terms_matrix(ta.dagger(), mats), ma.conj().T, atol=1e-12)
        np.testing.assert_allclose(terms_matrix(ta - 0.5 * ta, mats), 0.5 * ma, atol=1e-12)


def test_iteration_is_normal_ordered_identity():
    """Re-multiplying the yielded monomials in their order gives back the same operator."""
    op = (c(0) + 2 * c_dag("a", 1)) * (c_dag(0) - c("a", 1)) * n("b")
    rebuilt = Operator()
    for monomial, coef in op:
        factors = [(c_dag if d else c)(*idx) for d, idx in monomial]
        rebuilt = rebuilt + reduce(lambda x, y: x * y, factors, Operator(coef))
    assert rebuilt == op
    assert Operator.from_monomials(list(op)) == op
    assert Operator.from_monomials([([(F, [0]), (T, [0])], 1.0)]) == 1 - n(0)


# -- coefficients, equality, hermiticity, pickle ----------------------------------------------


def test_coefficients_real_until_complex_enters():
    assert [type(x) for _, x in 2 * n(0) + 1] == [float, float]
    assert [type(x) for _, x in 2j * n(0)] == [complex]
    assert [type(x) for _, x in (1j * n(0)) * (-1j)] == [complex]  # stays complex, as TRIQS
    assert [type(x) for _, x in (1j * n(0) + n(1)).real] == [float]
    assert list((1j * n(0) + 3 * n(1)).imag) == [([(T, [0]), (F, [0])], 1.0)]
    assert list(Operator(2)) == [([], 2.0)] and Operator().is_zero() and Operator(0.0).is_zero()
    assert (n(0) * 1e-15).is_zero() and not (n(0) * 1e-13).is_zero()  # TRIQS drops |x| < 100 eps


def test_scalar_operations_and_equality():
    op = c_dag(0) * c(1)
    assert op / 2 == 0.5 * op and op * 2 == 2 * op and -op == (-1) * op
    assert 3 - op == -(op - 3) and op + 1 == 1 + op
    assert n(0) - n(0) == 0 and n(0) != n(1) and Operator(2) == 2
    assert sum([n(0), n(1)]) == n(0) + n(1)
    assert (op == "text") is False


def test_hermiticity():
    t = 0.3 - 0.7j
    hop = t * c_dag(0) * c(1) + t.conjugate() * c_dag(1) * c(0)
    assert is_op_hermitian(hop) and is_op_hermitian(2.0 * n("up", 0) * n("down", 0))
    assert not is_op_hermitian(t * c_dag(0) * c(1)) and not is_op_hermitian(1j * n(0))
    almost = hop + 1e-9 * c_dag(0) * c(1)
    assert not is_op_hermitian(almost) and is_op_hermitian(almost, 1e-8)


def test_pickle_round_trip():
    op = 1.5 * n("up", 0) * n("down", 0) + (0.5 - 1j) * c_dag(0, "x") * c("y") + 2
    back = pickle.loads(pickle.dumps(op))
    assert back == op and list(back) == list(op)


def test_invalid_indices_and_scalars():
    for bad in (1.5, True, None, (0,)):
        with pytest.raises(InvalidParameterError, match="index component"):
            c(bad)
    with pytest.raises(InvalidParameterError, match="x"):
        Operator("1")
    with pytest.raises(InvalidParameterError, match="finite"):
        Operator(float("nan"))
    with pytest.raises(InvalidParameterError, match="divisor"):
        n(0) / 0
    with pytest.raises(TypeError):
        n(0) + "a"


# -- Terms -------------------------------------------------------------------------------------


def test_terms_canonical_form_by_hand():
    t = Terms.build(2, [(1.0, ((F, 0), (T, 0)))])  # c0 c+0 = 1 - n0
    assert t.constant == 1 and t.monomials == (((T, 0), (F, 0)),) and t.coefs == (-1,)
    t = Terms.build(2, [(2.0, ((F, 1), (T, 0)))])  # c1 c+0 = -c+0 c1
    assert t.monomials == (((T, 0), (F, 1)),) and t.coefs == (-2,)
    t = Terms.build(2, [(1.0, ((T, 1), (T, 0), (F, 0), (F, 1)))])  # two swaps: sign +1
    assert t.monomials == (((T, 0), (T, 1), (F, 1), (F, 0)),) and t.coefs == (1,)
    merged = Terms.build(3, [(1.0, ((T, 2), (F, 0))), (0.5, ((T, 2), (F, 0))), (2.0, ((T, 1), (T, 1)))])
    assert merged.monomials == (((T, 2), (F, 0)),) and merged.coefs == (1.5,)
    tiny = Terms.build(1, [(1.0, ((T, 0), (F, 0))), (-1.0 + 1e-15, ((T, 0), (F, 0)))], constant=1e-15)
    assert len(tiny) == 0 and tiny.constant == 0
    assert Terms(2, [((F, 1), (T, 0))], [2.0]) == Terms.build(2, [(-2.0, ((T, 0), (F, 1)))])


def test_terms_from_operator_numbers_by_fundamental_set():
    U = 3.0
    h = U * n("up", 0) * n("down", 0)
    t = Terms.from_operator(h, [("up", 0), ("down", 0)])
    assert t.n_orbitals == 2 and t.monomials == (((T, 0), (T, 1), (F, 1), (F, 0)),) and t.coefs == (3,)
    assert Terms.from_gf_struct(h, [("up", 1), ("down", 1)]) == t
    assert Terms.from_gf_struct(h, [("up", [0]), ("down", [0])]) == t  # old gf_struct format
    swapped = Terms.from_operator(c_dag("up", 0) * c("down", 0), [("down", 0), ("up", 0)])
    assert swapped.monomials == (((T, 1), (F, 0)),)
    # anything that iterates like a TRIQS Operator (index lists, float/complex coefficients)
    triqs_like = [([(T, ["up", 0]), (F, ["up", 0])], 1.5), ([], -0.5), ([(T, ["down", 0]), (F, ["up", 0])], 2j)]
    t = Terms.from_operator(triqs_like, [("up", 0), ("down", 0)])
    assert t.constant == -0.5 and dict(zip(t.monomials, t.coefs)) == {((T, 0), (F, 0)): 1.5, ((T, 1), (F, 0)): 2j}


def test_terms_unknown_index_names_index_and_allowed():
    with pytest.raises(IncompatibleGfStructError, match=r"\('dn', 0\).*\('up', 0\), \('down', 0\)"):
        Terms.from_operator(n("up", 0) * n("dn", 0), [("up", 0), ("down", 0)])
    with pytest.raises(IncompatibleGfStructError, match="'up', 1"):
        Terms.from_gf_struct(n("up", 1), [("up", 1), ("down", 1)])
    with pytest.raises(InvalidParameterError, match="distinct"):
        Terms.from_operator(n(0), [(0,), (0,)])


def test_terms_round_trip_through_operator(rng):
    for _ in range(10):
        op, _ = random_expression(rng)
        t = Terms.from_operator(op, MODES)
        assert t.to_operator(MODES) == op
        assert Terms.from_operator(t.to_operator(MODES), MODES) == t
    with pytest.raises(InvalidParameterError, match="one index per orbital"):
        Terms.build(2, []).to_operator([("up", 0)])


def test_terms_to_arrays_layout():
    t = Terms.build(3, [(2.0, ((T, 2), (F, 0))), (1j, ((T, 0), (T, 1), (F, 2), (F, 1)))], constant=-1.0)
    coefs, daggers, orbitals = t.to_arrays()
    np.testing.assert_array_equal(coefs, [-1.0, 2.0, 1j])
    assert coefs.dtype == np.complex128 and daggers.dtype == np.int8 and orbitals.dtype == np.int32
    np.testing.assert_array_equal(daggers, [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0]])
    np.testing.assert_array_equal(orbitals, [[-1, -1, -1, -1], [2, 0, -1, -1], [0, 1, 2, 1]])
    assert len(t) == 3 and list(t)[0] == (-1.0, ())
    with pytest.raises(InvalidParameterError, match="max_ops >= 4"):
        t.to_arrays(max_ops=2)


def test_terms_parts_embedding_and_hermiticity():
    t = Terms.build(2, [(1.0, ((T, 0), (T, 1)))])
    e = t.embed(3, [2, 0])  # c+2 c+0 = -c+0 c+2
    assert e.n_orbitals == 3 and e.monomials == (((T, 0), (T, 2)),) and e.coefs == (-1,)
    h = Terms.build(2, [(0.5, ((T, 0), (F, 1))), (0.5, ((T, 1), (F, 0))), (4.0, ((T, 0), (T, 1), (F, 1), (F, 0)))], 2.0)
    assert h.is_hermitian() and h.dagger() == h
    assert h.degree_part(0) + h.degree_part(2) + h.degree_part(4) == h
    assert h.degree_part(0).constant == 2.0 and len(h.degree_part(2)) == 2 and len(h.degree_part(3)) == 0
    skew = h + Terms.build(2, [(1e-9j, ((T, 0), (F, 0)))])
    assert not skew.is_hermitian() and skew.is_hermitian(tol=1e-8)
    assert (2 * h - h * 2) == Terms.build(2, [])
    assert h.dagger() == Terms.build(2, [(x.conjugate(), tuple((not d, o) for d, o in reversed(m))) for x, m in h])


def test_terms_embedding_matches_matrices(rng):
    mats = jw_annihilators(5)
    op, _ = random_expression(rng)
    t = Terms.from_operator(op, MODES)
    mapping = [3, 0, 4, 1]
    relabelled = Terms.from_operator(op, [MODES[mapping.index(k)] if k in mapping else ("spare",) for k in range(5)])
    np.testing.assert_allclose(terms_matrix(t.embed(5, mapping), mats), terms_matrix(relabelled, mats), atol=1e-12)


def test_terms_validation():
    with pytest.raises(InvalidParameterError, match="n_orbitals"):
        Terms.build(-1, [])
    with pytest.raises(InvalidParameterError, match="orbital"):
        Terms.build(2, [(1.0, ((T, 2),))])
    with pytest.raises(InvalidParameterError, match="dagger"):
        Terms.build(2, [(1.0, ((1, 0),))])
    with pytest.raises(InvalidParameterError, match="finite"):
        Terms.build(2, [(float("inf"), ((T, 0),))])
    with pytest.raises(InvalidParameterError, match="one per monomial"):
        Terms(2, [((T, 0),)], [])
    with pytest.raises(InvalidParameterError, match="n_orbitals"):
        Terms.build(2, []) + Terms.build(3, [])
    with pytest.raises(InvalidParameterError, match="distinct"):
        Terms.build(2, [(1.0, ((T, 0),))]).embed(3, [1, 1])
    with pytest.raises(InvalidParameterError, match="one per orbital"):
        Terms.build(2, [(1.0, ((T, 0),))]).embed(3, [1])
