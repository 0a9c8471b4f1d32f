"""Lazy expressions of Green's functions, evaluated when assigned with ``g << expr``.

An expression is a tree whose leaves are descriptors (``iOmega_n``, ``SemiCircular(D)``,
``Fourier(g)`` ...), Green's functions (``Gf`` or ``BlockGf``), scalars and matrices, and
whose nodes are ``+ - * / @`` and the functions ``inverse``, ``conjugate``, ``transpose``.
``target << expr`` evaluates it on the target's mesh and target shape: every descriptor
fills a fresh Gf shaped like the target, and the nodes then use ordinary Gf arithmetic
(a scalar added to a matrix-valued frequency Gf is the scalar times the identity).
A BlockGf leaf makes the expression blockwise: ``G << inverse(iOmega_n - t**2 * G2)``
evaluates block by block, taking block ``name`` of every BlockGf leaf.
"""

from __future__ import annotations

import operator

from ..errors import InvalidParameterError

__all__ = ["LazyExpr", "Descriptor", "inverse", "conjugate", "transpose", "is_lazy"]

_OPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "@": operator.matmul,
}


class _Plain:
    """The initial base of :class:`_Root` (CPython lets a class change its bases only from a Python class)."""


class _Root(_Plain):
    """The base class of :class:`LazyExpr`: a plain class, until TRIQS is detected.

    Real TRIQS Green's functions accept in ``g << x`` only instances of TRIQS's own lazy-expression
    classes.  When :func:`triqs_mlsolver.triqs_compat.have_triqs` finds TRIQS, it sets the bases of
    this class to a TRIQS descriptor class (``triqs.gf.descriptor_base.Base``), so that every
    expression and descriptor of this module is also a TRIQS descriptor and fills TRIQS Gfs
    (``S.G0_iw << SemiCircular(1.0)``).  This module never imports TRIQS itself.
    """


class LazyExpr(_Root):
    """Base of every unevaluated expression: arithmetic builds a tree, ``evaluate`` computes it."""

    __array_ufunc__ = None  # numpy arrays and scalars defer to our reflected operators

    def evaluate(self, target):
        """Return the value of the expression as a Gf on ``target``'s mesh and target shape."""
        raise NotImplementedError

    def for_block(self, name: str) -> LazyExpr:
        """The same expression with every BlockGf leaf replaced by its block ``name``."""
        raise NotImplementedError

    def map_leaves(self, function) -> LazyExpr:
        """The same expression with every leaf ``x`` that is not an expression (a Gf, a BlockGf, a number,
        a matrix, the Gf held by ``Fourier(g)`` ...) replaced by ``function(x)``."""
        raise NotImplementedError

    def leaves(self):
        """Every leaf that is not an expression, left to right (as :meth:`map_leaves` visits them)."""
        found = []
        self.map_leaves(lambda x: found.append(x) or x)
        return found

    def __add__(self, other):
        return _Binary("+", self, other)

    def __radd__(self, other):
        return _Binary("+", other, self)

    def __sub__(self, other):
        return _Binary("-", self, other)

    def __rsub__(self, other):
        return _Binary("-", other, self)

    def __mul__(self, other):
        return _Binary("*", self, other)

    def __rmul__(self, other):
        return _Binary("*", other, self)

    def __truediv__(self, other):
        return _Binary("/", self, other)

    def __rtruediv__(self, other):
        return _Binary("/", other, self)

    def __matmul__(self, other):
        return _Binary("@", self, other)

    def __rmatmul__(self, other):
        return _Binary("@", other, self)

    def __neg__(self):
        return _Binary("*", -1.0, self)

    def __pos__(self):
        return self


def _evaluate_leaf(x, target):
    if isinstance(x, LazyExpr):
        return x.evaluate(target)
    if _is_block(x):
        raise InvalidParameterError(
            f"a lazy expression holding the BlockGf {x.name!r} was assigned to the Gf {target.name!r}: "
            "allowed is assigning it to a BlockGf (G << expr), which evaluates it block by block."
        )
    return x


def _leaf_for_block(x, name: str):
    if isinstance(x, LazyExpr):
        return x.for_block(name)
    if _is_block(x):
        return x[name]
    return x


def _map_leaf(x, function):
    return x.map_leaves(function) if isinstance(x, LazyExpr) else function(x)


def _is_block(x) -> bool:
    return getattr(x, "_is_block_gf", False)


class _Binary(LazyExpr):
    """``left op right`` with op one of ``+ - * / @``."""

    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left, right) -> None:
        self.op, self.left, self.right = op, left, right

    def evaluate(self, target):
        return _OPS[self.op](_evaluate_leaf(self.left, target), _evaluate_leaf(self.right, target))

    def for_block(self, name: str) -> LazyExpr:
        return _Binary(self.op, _leaf_for_block(self.left, name), _leaf_for_block(self.right, name))

    def map_leaves(self, function) -> LazyExpr:
        return _Binary(self.op, _map_leaf(self.left, function), _map_leaf(self.right, function))

    def __repr__(self) -> str:
        return f"({self.left!r} {self.op} {self.right!r})"


class _Call(LazyExpr):
    """A function of one expression (``inverse``, ``conjugate``, ``transpose``)."""

    __slots__ = ("function", "argument")

    def __init__(self, function, argument) -> None:
        self.function, self.argument = function, argument

    def evaluate(self, target):
        return self.function(_evaluate_leaf(self.argument, target))

    def for_block(self, name: str) -> LazyExpr:
        return _Call(self.function, _leaf_for_block(self.argument, name))

    def map_leaves(self, function) -> LazyExpr:
        return _Call(self.function, _map_leaf(self.argument, function))

    def __repr__(self) -> str:
        return f"{self.function.__name__}({self.argument!r})"


class Descriptor(LazyExpr):
    """A leaf that knows how to fill a Gf on a given mesh (``apply(g)`` writes ``g.data`` in place)."""

    def apply(self, g) -> None:
        raise NotImplementedError

    def evaluate(self, target):
        g = target._blank()
        self.apply(g)
        return g

    def for_block(self, name: str) -> LazyExpr:
        return self

    def map_leaves(self, function) -> LazyExpr:
        return self


def is_lazy(x) -> bool:
    """True for a lazy expression or a descriptor."""
    return isinstance(x, LazyExpr)


def _function(name: str):
    def apply(x):
        if isinstance(x, LazyExpr):
            return _Call(apply, x)
        method = getattr(x, name, None)
        if method is None:
            raise InvalidParameterError(f"{name}(x) got x = {x!r}: allowed is a Gf, a BlockGf or a lazy expression.")
        return method()

    apply.__name__ = name
    return apply


inverse = _function("inverse")
inverse.__doc__ = "Matrix (or scalar) inverse at every mesh point: a new Gf/BlockGf, or a lazy node for an expression."
conjugate = _function("conjugate")
conjugate.__doc__ = "Complex conjugate of the data (no frequency reflection): a new Gf/BlockGf, or a lazy node."
transpose = _function("transpose")
transpose.__doc__ = "Transpose of the target matrix at every mesh point: a new Gf/BlockGf, or a lazy node."
