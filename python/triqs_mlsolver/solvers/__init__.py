"""Impurity solvers on plain numpy arrays: one file per solver, one protocol, a registry.

Each solver is a class with a ``name``, a frozen ``Options`` dataclass whose fields are
its documented options, and ``solve(problem, options) -> SolverResult`` (see
:mod:`triqs_mlsolver.solvers.base`).  ``get_solver(name)`` returns the class;
solver modules are imported on first use.
"""

from __future__ import annotations

from .base import ImpurityProblem, SolverResult, available_methods, get_solver, register

__all__ = ["ImpurityProblem", "SolverResult", "available_methods", "get_solver", "register"]
