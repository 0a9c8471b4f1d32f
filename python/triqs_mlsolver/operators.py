"""Fermionic many-body operators in TRIQS form, and the term lists of the ED core.

An :class:`Operator` is a sum of normally ordered monomials with coefficients, as
``triqs.operators.Operator``.  In a monomial every c+ stands left of every c, the c+ sorted
by increasing index and the c by decreasing index (``c+_1 c+_2 c_2 c_1``).  An index is a
tuple of components (int or str) compared component by component, an int before any str,
a shorter tuple before its extensions.  Reordering gives the fermionic signs,
``c_i c+_i = 1 - c+_i c_i`` the lower-order terms and ``c_i c_i = 0``.  Monomials are
listed by length, then lexicographically in this operator order, so the constant comes first.

:class:`Terms` is the same algebra on numbered spin-orbitals ``0 .. n_orbitals-1``, the input
of the exact-diagonalization core.  It is built from any operator that iterates like a TRIQS
Operator and a fundamental operator set: the index tuples, listed in orbital order.
"""

from __future__ import annotations

import cmath
import math
import numbers
import sys
from dataclasses import dataclass

import numpy as np

from ._validation import int_in_range
from .errors import IncompatibleGfStructError, invalid_parameter
from .gf_struct import fix_gf_struct

__all__ = ["Operator", "c", "c_dag", "n", "dagger", "is_op_hermitian", "Terms"]

_OP_ZERO = 100 * sys.float_info.epsilon  # an Operator drops coefficients with |re|, |im| below this (as TRIQS)
_TERMS_ZERO = 1e-14  # a Terms object drops coefficients with |coef| below this


# -- normal ordering (one routine for index tuples and orbital numbers) -----------------------


def _index_key(index: tuple) -> tuple:
    """Sort key of an index tuple: component by component, an int before any str."""
    return tuple((1, x) if isinstance(x, str) else (0, x) for x in index)


def _ranked(monomials, key) -> tuple[list, dict]:
    """The distinct indices of ``monomials`` sorted by ``key``, and their ranks."""
    distinct = sorted({idx for m in monomials for _, idx in m}, key=key)
    return distinct, {idx: r for r, idx in enumerate(distinct)}


def _order_ranked(seq: list, coef, out: dict) -> None:
    """Add ``coef * seq`` to ``out`` in normal order.

    ``seq`` holds ``(0, r)`` for c+ of rank r and ``(1, -r)`` for c, so that ascending order
    is the normal order.  Bubble sort: each swap of neighbours flips the sign, and a swap of
    ``c_r c+_r`` also adds the product without the pair (``c_r c+_r = 1 - c+_r c_r``).
    """
    swapped = True
    while swapped:
        swapped = False
        for i in range(1, len(seq)):
            a, b = seq[i - 1], seq[i]
            if a == b:  # c_r c_r = c+_r c+_r = 0
                return
            if a > b:
                if a[0] == 1 and b[0] == 0 and a[1] == -b[1]:
                    _order_ranked(seq[: i - 1] + seq[i + 1 :], coef, out)
                seq[i - 1], seq[i] = b, a
                coef = -coef
                swapped = True
    mono = tuple(seq)
    out[mono] = out.get(mono, 0) + coef


def _normal_order(products, key=None) -> dict:
    """``{normal-ordered monomial: coef}`` of ``sum_k coef_k * product_k``.

    ``products`` yields ``(coef, product)`` with ``product`` a sequence of ``(dagger, index)``
    in product order; ``key`` sorts the indices (None: their natural order).
    """
    out: dict = {}
    for coef, product in products:
        distinct, rank = _ranked([product], key)
        ordered: dict = {}
        _order_ranked([(0, rank[i]) if d else (1, -rank[i]) for d, i in product], coef, ordered)
        for seq, x in ordered.items():
            mono = tuple((t == 0, distinct[abs(r)]) for t, r in seq)
            out[mono] = out.get(mono, 0) + x
    return out


def _sorted_monomials(monomials, key=None) -> list:
    """Monomials ordered by length, then lexicographically in the operator order."""
    monomials = list(monomials)
    _, rank = _ranked(monomials, key)
    return sorted(
        monomials, key=lambda m: (len(m), tuple((0, rank[i]) if d else (1, -rank[i]) for d, i in m))
    )


# -- Operator ----------------------------------------------------------------------------------


def _scalar(name: str, x):
    """A finite coefficient as a Python float (real input) or complex."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Number):
        raise invalid_parameter(name, x, f"{name} a real or complex number")
    x = float(x) if isinstance(x, numbers.Real) else complex(x)
    if not cmath.isfinite(x):
        raise invalid_parameter(name, x, f"{name} finite")
    return x


def _index(indices) -> tuple:
    """An operator index as a tuple of int / str components."""
    if isinstance(indices, (str, numbers.Integral)):
        indices = (indices,)
    out = []
    for x in indices:
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (str, numbers.Integral)):
            raise invalid_parameter("index component", x, "an int or a str")
        out.append(x if isinstance(x, str) else int(x))
    return tuple(out)


def _op_is_zero(x, tol: float = _OP_ZERO) -> bool:
    return abs(x.real) < tol and abs(x.imag) < tol


def _format_number(x) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    sign = "+" if math.copysign(1.0, x.imag) > 0 else ""
    return f"({x.real:g}{sign}{x.imag:g}j)"


def _format_op(dagger: bool, index: tuple) -> str:
    components = ",".join(f"'{x}'" if isinstance(x, str) else str(x) for x in index)
    return f"c{'_dag' if dagger else ''}({components})"


class Operator:
    """A many-body operator: a map from normally ordered monomials to coefficients.

    ``Operator()`` is zero, ``Operator(x)`` the constant x.  Coefficients stay real until a
    complex number enters (as TRIQS's real_or_complex).  Iteration yields
    ``(monomial, coef)`` with ``monomial = [(dagger, [index components]), ...]``.
    """

    __slots__ = ("_terms",)

    def __init__(self, x=0.0):
        if isinstance(x, Operator):
            self._terms = dict(x._terms)
        else:
            x = _scalar("x", x)
            self._terms = {} if _op_is_zero(x) else {(): x}

    @classmethod
    def _new(cls, terms: dict) -> "Operator":
        op = object.__new__(cls)
        op._terms = {m: x for m, x in terms.items() if not _op_is_zero(x)}
        return op

    @classmethod
    def from_monomials(cls, monomials) -> "Operator":
        """Sum of ``coef * monomial`` over ``(monomial, coef)`` pairs (the iteration format).

        A monomial is a sequence of ``(dagger, indices)`` in product order; it need not be
        normally ordered.
        """
        products = []
        for monomial, coef in monomials:
            ops = tuple((bool(d), _index(idx)) for d, idx in monomial)
            products.append((_scalar("coef", coef), ops))
        return cls._new(_normal_order(products, _index_key))

    # -- inspection ---------------------------------------------------------------------
    def _sorted_items(self):
        return [(m, self._terms[m]) for m in _sorted_monomials(self._terms, _index_key)]

    def __iter__(self):
        for m, x in self._sorted_items():
            yield [(d, list(idx)) for d, idx in m], x

    def is_zero(self) -> bool:
        """True if the operator has no monomial."""
        return not self._terms

    def indices(self) -> list[tuple]:
        """The distinct index tuples of the operator, in operator-index order."""
        return sorted({idx for m in self._terms for _, idx in m}, key=_index_key)

    @property
    def real(self) -> "Operator":
        """The operator with the real parts of the coefficients."""
        return Operator._new({m: float(x.real) for m, x in self._terms.items()})

    @property
    def imag(self) -> "Operator":
        """The operator with the imaginary parts of the coefficients."""
        return Operator._new({m: float(x.imag) for m, x in self._terms.items()})

    def __str__(self) -> str:
        if not self._terms:
            return "0"
        return " + ".join(
            _format_number(x) + "".join("*" + _format_op(d, idx) for d, idx in m) for m, x in self._sorted_items()
        )

    __repr__ = __str__

    def __reduce__(self):
        return (Operator.from_monomials, (list(self),))

    # -- algebra ------------------------------------------------------------------------
    @staticmethod
    def _coerce(other):
        if isinstance(other, Operator):
            return other
        if isinstance(other, numbers.Number) and not isinstance(other, (bool, np.bool_)):
            return Operator(other)
        return None

    def __add__(self, other):
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        terms = dict(self._terms)
        for m, x in other._terms.items():
            terms[m] = terms.get(m, 0) + x
        return Operator._new(terms)

    __radd__ = __add__

    def __neg__(self) -> "Operator":
        return Operator._new({m: -x for m, x in self._terms.items()})

    def __sub__(self, other):
        other = self._coerce(other)
        return NotImplemented if other is None else self + (-other)

    def __rsub__(self, other):
        other = self._coerce(other)
        return NotImplemented if other is None else other + (-self)

    def __mul__(self, other):
        if isinstance(other, Operator):
            products = (
                (x * y, m + p) for m, x in self._terms.items() for p, y in other._terms.items()
            )
            return Operator._new(_normal_order(products, _index_key))
        if isinstance(other, numbers.Number) and not isinstance(other, (bool, np.bool_)):
            s = _scalar("scalar", other)
            return Operator._new({m: x * s for m, x in self._terms.items()})
        return NotImplemented

    __rmul__ = __mul__  # only reached for scalar * Operator, which commutes

    def __truediv__(self, other):
        if isinstance(other, numbers.Number) and not isinstance(other, (bool, np.bool_)):
            s = _scalar("divisor", other)
            if s == 0:
                raise invalid_parameter("divisor", other, "a non-zero number")
            return self * (1.0 / s)
        return NotImplemented

    def __eq__(self, other) -> bool:
        other = self._coerce(other)
        return NotImplemented if other is None else (self - other).is_zero()

    __hash__ = None


def c(*indices) -> Operator:
    """The annihilation operator ``c(indices)``; each index component is an int or a str."""
    return Operator._new({((False, _index(indices)),): 1.0})


def c_dag(*indices) -> Operator:
    """The creation operator ``c+(indices)``."""
    return Operator._new({((True, _index(indices)),): 1.0})


def n(*indices) -> Operator:
    """The number operator ``n = c+(indices) c(indices)``."""
    idx = _index(indices)
    return Operator._new({((True, idx), (False, idx)): 1.0})


def dagger(op: Operator) -> Operator:
    """The hermitian conjugate: each monomial reversed with c <-> c+, coefficients conjugated."""
    products = (
        (x.conjugate(), tuple((not d, idx) for d, idx in reversed(m))) for m, x in op._terms.items()
    )
    return Operator._new(_normal_order(products, _index_key))


def is_op_hermitian(op: Operator, tol: float = 0.0) -> bool:
    """True if every coefficient of ``dagger(op) - op`` has |re| and |im| below ``tol``
    (``tol = 0``: the difference must vanish exactly, up to TRIQS's 100 eps)."""
    return all(_op_is_zero(x, tol) for _, x in (dagger(op) - op))


# -- Terms -------------------------------------------------------------------------------------


def _coef(name: str, x) -> complex:
    return complex(_scalar(name, x))


def _monomial(m, n_orbitals: int) -> tuple:
    """A monomial of ``(dagger, orbital)`` pairs, validated against ``n_orbitals``."""
    out = []
    for op in m:
        if not isinstance(op, (tuple, list)) or len(op) != 2:
            raise invalid_parameter("monomial entry", op, "a pair (dagger: bool, orbital: int)")
        d, o = op
        if not isinstance(d, (bool, np.bool_)):
            raise invalid_parameter("dagger", d, "True (c+) or False (c)")
        out.append((bool(d), int_in_range("orbital", o, 0, n_orbitals - 1)))
    return tuple(out)


def _fundamental_set(fundamental_operator_set) -> tuple[tuple, ...]:
    fops = tuple(_index(x) for x in fundamental_operator_set)
    if len(set(fops)) != len(fops):
        duplicates = sorted({x for x in fops if fops.count(x) > 1}, key=_index_key)
        raise invalid_parameter("fundamental_operator_set", list(fops), f"distinct indices (repeated: {duplicates})")
    return fops


@dataclass(frozen=True)
class Terms:
    """A fermionic operator on numbered spin-orbitals, canonical: the ED core's input.

    ``constant + sum_t coefs[t] * monomials[t]``, each monomial a tuple of
    ``(dagger, orbital)`` in normal order (creators by ascending orbital, then annihilators
    by descending orbital), equal monomials merged, ``|coef| < 1e-14`` dropped, lower-order
    terms from anticommutators kept.  The constructor canonicalises whatever it is given.
    Iteration yields ``(coef, monomial)``, the constant first as ``(constant, ())`` when it
    is non-zero; ``len`` counts these items.
    """

    n_orbitals: int
    monomials: tuple
    coefs: tuple
    constant: complex = 0j

    def __post_init__(self) -> None:
        n_orb = int_in_range("n_orbitals", self.n_orbitals, 0)
        monomials, coefs = tuple(self.monomials), tuple(self.coefs)
        if len(monomials) != len(coefs):
            raise invalid_parameter("coefs", f"{len(coefs)} coefficients", f"one per monomial ({len(monomials)})")
        products = [(_coef("coef", x), _monomial(m, n_orb)) for x, m in zip(coefs, monomials)]
        products.append((_coef("constant", self.constant), ()))
        terms = {m: x for m, x in _normal_order(products).items() if abs(x) >= _TERMS_ZERO}
        constant = complex(terms.pop((), 0j))
        ordered = tuple(_sorted_monomials(terms))
        object.__setattr__(self, "n_orbitals", n_orb)
        object.__setattr__(self, "monomials", ordered)
        object.__setattr__(self, "coefs", tuple(complex(terms[m]) for m in ordered))
        object.__setattr__(self, "constant", constant)

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def build(cls, n_orbitals: int, terms, constant=0) -> "Terms":
        """Canonicalise ``constant + sum coef * monomial`` over ``(coef, monomial)`` pairs
        (monomials in product order, any order of operators)."""
        pairs = []
        for item in terms:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise invalid_parameter("term", item, "a pair (coef, monomial)")
            pairs.append(item)
        return cls(n_orbitals, tuple(m for _, m in pairs), tuple(x for x, _ in pairs), constant)

    @classmethod
    def from_operator(cls, op, fundamental_operator_set) -> "Terms":
        """Number the indices of ``op`` by their position in ``fundamental_operator_set``.

        ``op`` is an :class:`Operator` or anything that iterates like a TRIQS Operator;
        ``fundamental_operator_set`` is a sequence of index tuples, e.g.
        ``[('up', 0), ('down', 0)]``.
        """
        fops = _fundamental_set(fundamental_operator_set)
        position = {idx: k for k, idx in enumerate(fops)}
        pairs = []
        for monomial, coef in op:
            mono = []
            for d, indices in monomial:
                idx = _index(indices)
                if idx not in position:
                    raise IncompatibleGfStructError(
                        f"operator index {idx!r} is not in the fundamental operator set: allowed are "
                        f"{list(fops)}. Check the block names and sizes of gf_struct against the operator."
                    )
                mono.append((bool(d), position[idx]))
            pairs.append((coef, tuple(mono)))
        return cls.build(len(fops), pairs)

    @classmethod
    def from_gf_struct(cls, op, gf_struct) -> "Terms":
        """:meth:`from_operator` with the spin-orbitals ``(block, i)`` in gf_struct order."""
        fops = [(name, i) for name, size in fix_gf_struct(gf_struct) for i in range(size)]
        return cls.from_operator(op, fops)

    def to_operator(self, fundamental_operator_set) -> Operator:
        """The :class:`Operator` with orbital k named ``fundamental_operator_set[k]``
        (coefficients with zero imaginary part become real)."""
        fops = _fundamental_set(fundamental_operator_set)
        if len(fops) != self.n_orbitals:
            raise invalid_parameter(
                "fundamental_operator_set", f"{len(fops)} indices", f"one index per orbital ({self.n_orbitals})"
            )
        return Operator.from_monomials(
            ([(d, fops[o]) for d, o in m], x.real if x.imag == 0 else x) for x, m in self
        )

    # -- inspection -----------------------------------------------------------------------
    def __iter__(self):
        if self.constant != 0:
            yield self.constant, ()
        yield from zip(self.coefs, self.monomials)

    def __len__(self) -> int:
        return len(self.coefs) + (self.constant != 0)

    def degree_part(self, k: int) -> "Terms":
        """The monomials with ``k`` operators (``k = 0``: the constant)."""
        k = int_in_range("k", k, 0)
        return Terms.build(self.n_orbitals, [(x, m) for x, m in self if len(m) == k])

    def to_arrays(self, max_ops: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arrays ``(coefs (T,) complex128, daggers (T, max_ops) int8, orbitals (T, max_ops) int32)``.

        One row per item of the iteration (the constant, if non-zero, is the row without
        operators); the operators of a row are in product order, left to right, padded
        with dagger 0 and orbital -1.
        """
        max_ops = int_in_range("max_ops", max_ops, 0)
        rows = list(self)
        longest = max((len(m) for _, m in rows), default=0)
        if longest > max_ops:
            raise invalid_parameter("max_ops", max_ops, f"max_ops >= {longest}, the longest monomial")
        coefs = np.array([x for x, _ in rows], dtype=np.complex128)
        daggers = np.zeros((len(rows), max_ops), dtype=np.int8)
        orbitals = np.full((len(rows), max_ops), -1, dtype=np.int32)
        for t, (_, m) in enumerate(rows):
            for j, (d, o) in enumerate(m):
                daggers[t, j], orbitals[t, j] = d, o
        return coefs, daggers, orbitals

    # -- algebra --------------------------------------------------------------------------
    def _same_orbitals(self, other: "Terms") -> None:
        if other.n_orbitals != self.n_orbitals:
            raise invalid_parameter(
                "n_orbitals", other.n_orbitals, f"the same as the other operand ({self.n_orbitals})"
            )

    def __add__(self, other):
        if not isinstance(other, Terms):
            return NotImplemented
        self._same_orbitals(other)
        return Terms.build(self.n_orbitals, [*self, *other])

    def __neg__(self) -> "Terms":
        return Terms.build(self.n_orbitals, [(-x, m) for x, m in self])

    def __sub__(self, other):
        if not isinstance(other, Terms):
            return NotImplemented
        return self + (-other)

    def __mul__(self, scalar):
        if isinstance(scalar, Terms) or not isinstance(scalar, numbers.Number):
            return NotImplemented
        s = _coef("scalar", scalar)
        return Terms.build(self.n_orbitals, [(x * s, m) for x, m in self])

    __rmul__ = __mul__

    def dagger(self) -> "Terms":
        """The hermitian conjugate (monomials reversed with c <-> c+, coefficients conjugated)."""
        return Terms.build(
            self.n_orbitals, [(x.conjugate(), tuple((not d, o) for d, o in reversed(m))) for x, m in self]
        )

    def is_hermitian(self, tol: float = 1e-12) -> bool:
        """True if every coefficient of ``self - self.dagger()`` has modulus <= ``tol``."""
        return all(abs(x) <= tol for x, _ in self - self.dagger())

    def embed(self, n_orbitals: int, mapping) -> "Terms":
        """The same operator on ``n_orbitals`` spin-orbitals, orbital i renamed ``mapping[i]``."""
        n_orbitals = int_in_range("n_orbitals", n_orbitals, 0)
        mapping = [int_in_range(f"mapping[{i}]", x, 0, n_orbitals - 1) for i, x in enumerate(mapping)]
        if len(mapping) != self.n_orbitals:
            raise invalid_parameter("mapping", f"{len(mapping)} entries", f"one per orbital ({self.n_orbitals})")
        if len(set(mapping)) != len(mapping):
            raise invalid_parameter("mapping", mapping, "distinct target orbitals")
        return Terms.build(n_orbitals, [(x, tuple((d, mapping[o]) for d, o in m)) for x, m in self])
