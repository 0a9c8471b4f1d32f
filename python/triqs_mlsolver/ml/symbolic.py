"""Symbolic regression of a latent variable (or of log T_K) in the bare parameters, with Haldane's formula beside it.

Haldane's Kondo temperature of the symmetric Anderson model in the wide-band limit,

    log T_K = 1/2 log(U Gamma / 2) + (pi/2) eps_d (eps_d + U) / (U Gamma),

is the reference: :func:`haldane_fit` fits ``y = a + b1 x1 + b2 x2`` with ``x1 = 1/2 log(U Gamma/2)`` and
``x2 = eps_d (eps_d + U)/(U Gamma)`` by least squares, so that for any affine image of ``log T_K`` (a
latent variable has its own scale and sign) the ratio ``b2/b1`` estimates the coefficient ``pi/2``.
On data from a finite, logarithmically discretized bath the ratio is shifted: the discretization
(parameter Lambda) renormalizes the hybridization seen at low energy, and the band edge ``D`` is finite.

:func:`symbolic_regression` searches formulas in ``U``, ``Gamma``, ``eps_d``, ``T`` with ``+ - * /``,
``log`` and ``exp`` by genetic programming (gplearn, an optional dependency: ``pip install gplearn``)
and returns the Pareto front of every formula it met: formula length against held-out ``R^2``.  The
fitness is the Pearson correlation, so a formula ``f`` is found up to an affine map ``a + b f`` (fitted
on the training part), as befits a latent variable with its own scale and sign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._options import Options, integer, nonnegative, open_unit, option
from ..errors import InvalidParameterError, MissingDependencyError

__all__ = ["HALDANE", "SymbolicOptions", "Formula", "haldane_log_tk", "haldane_fit", "symbolic_regression",
           "r_squared"]

HALDANE = "log T_K = 1/2 log(U Gamma/2) + (pi/2) eps_d (eps_d + U)/(U Gamma)"
VARIABLES = ("U", "Gamma", "eps_d", "T")


def haldane_log_tk(U, Gamma, eps_d) -> np.ndarray:
    """``log T_K`` of Haldane's formula (module doc)."""
    U, Gamma, eps_d = (np.asarray(v, dtype=float) for v in (U, Gamma, eps_d))
    return 0.5 * np.log(0.5 * U * Gamma) + 0.5 * math.pi * eps_d * (eps_d + U) / (U * Gamma)


def r_squared(y: np.ndarray, prediction: np.ndarray) -> float:
    """``1 - sum (y - p)^2 / sum (y - mean y)^2``."""
    y, prediction = np.asarray(y, float), np.asarray(prediction, float)
    return float(1.0 - np.sum((y - prediction) ** 2) / np.sum((y - y.mean()) ** 2))


def _split(n: int, fraction: float, seed: int) -> tuple:
    order = np.random.default_rng(seed).permutation(n)
    cut = int(round(n * (1.0 - fraction)))
    return order[:cut], order[cut:]


def haldane_fit(U, Gamma, eps_d, y, *, test_fraction: float = 0.25, seed: int = 0) -> dict:
    """Least-squares fit of ``y`` to the Haldane structure; the coefficient ratio ``b2/b1`` against ``pi/2``."""
    U, Gamma, eps_d, y = (np.asarray(v, dtype=float) for v in (U, Gamma, eps_d, y))
    design = np.stack([np.ones_like(U), 0.5 * np.log(0.5 * U * Gamma), eps_d * (eps_d + U) / (U * Gamma)], axis=1)
    train, test = _split(y.size, test_fraction, seed)
    coef, *_ = np.linalg.lstsq(design[train], y[train], rcond=None)
    return {"a": float(coef[0]), "b1": float(coef[1]), "b2": float(coef[2]), "ratio": float(coef[2] / coef[1]),
            "pi_over_2": math.pi / 2, "r2_test": r_squared(y[test], design[test] @ coef),
            "r2_train": r_squared(y[train], design[train] @ coef)}


@dataclass(frozen=True)
class SymbolicOptions(Options):
    """Settings of the genetic programming search."""

    population: int = option("formulas per generation", 2000, check=integer(10))
    generations: int = option("generations", 20, check=integer(1))
    parsimony: float = option("penalty per formula node", 0.002, check=nonnegative())
    test_fraction: float = option("held-out fraction of the samples", 0.25, check=open_unit())
    seed: int = option("seed of the split and of the search", 0, check=integer(0, 2**32 - 1))


@dataclass(frozen=True)
class Formula:
    """One formula ``y = a + b f`` of the Pareto front: ``f`` as text, its length (nodes), ``a``, ``b``, and the
    R^2 on the training and held-out data."""

    text: str
    length: int
    a: float
    b: float
    r2_train: float
    r2_test: float


def _protected_exp(x):
    with np.errstate(over="ignore"):
        return np.where(x < 50.0, np.exp(np.minimum(x, 50.0)), np.exp(50.0))


def symbolic_regression(variables: dict, y, options: SymbolicOptions = SymbolicOptions()) -> list:
    """The Pareto front (shortest first) of the formulas for ``y`` in ``variables`` (name -> array, e.g. U, Gamma,
    eps_d, T) met in every generation: each point is the best held-out ``R^2`` among the formulas no longer
    than it."""
    try:
        from gplearn.functions import make_function
        from gplearn.genetic import SymbolicRegressor
    except ImportError:
        raise MissingDependencyError("symbolic regression needs gplearn: pip install gplearn") from None
    names = list(variables)
    X = np.stack([np.asarray(variables[n], dtype=float) for n in names], axis=1)
    y = np.asarray(y, dtype=float)
    ok = np.all(np.isfinite(X), axis=1) & np.isfinite(y)
    X, y = X[ok], y[ok]
    if y.size < 20:
        raise InvalidParameterError(f"symbolic regression needs at least 20 finite samples, got {y.size}.")
    train, test = _split(y.size, options.test_fraction, options.seed)
    exp = make_function(function=_protected_exp, name="exp", arity=1)
    # fitness: |Pearson r|, so that a formula is found up to the affine map a + b f (a latent has its own scale)
    est = SymbolicRegressor(population_size=options.population, generations=options.generations, metric="pearson",
                            stopping_criteria=0.99999,
                            function_set=("add", "sub", "mul", "div", "log", exp), parsimony_coefficient=options.parsimony,
                            feature_names=names, random_state=options.seed, n_jobs=1, verbose=0)
    est.fit(X[train], y[train])
    seen, candidates = set(), []
    for program in (p for generation in est._programs for p in generation):  # every generation's formulas
        if program is None or str(program) in seen:
            continue
        seen.add(str(program))
        with np.errstate(all="ignore"):
            f_train, f_test = program.execute(X[train]), program.execute(X[test])
        if not (np.all(np.isfinite(f_train)) and np.all(np.isfinite(f_test))) or np.ptp(f_train) == 0:
            continue
        b, a = np.linalg.lstsq(np.stack([f_train, np.ones_like(f_train)], 1), y[train], rcond=None)[0]  # affine map, training part
        p_train, p_test = a + b * f_train, a + b * f_test
        candidates.append(Formula(str(program), int(program.length_), float(a), float(b), r_squared(y[train], p_train),
                                  r_squared(y[test], p_test)))
    front, best = [], -math.inf
    for f in sorted(candidates, key=lambda f: (f.length, -f.r2_test)):
        if f.r2_test > best:
            front.append(f)
            best = f.r2_test
    return front
