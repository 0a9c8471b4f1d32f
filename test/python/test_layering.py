"""The package's parts import one another only along the edges of the layer graph of DESIGN.md.

A *part* is a top-level module (``lattice.py``) or a top-level package (``archive/``).  The table
:data:`LAYERS` mirrors the layer table of DESIGN.md: each layer lists its parts and the layers or
parts it may import.  A part may import its own modules, the parts its row names, and whatever
those may import in turn (a layer's row stands for the layers below it); the C++ extension is
private: only the parts of :data:`EXTENSION_IMPORTERS` import it, and that right is not inherited.

Every import edge counts, however it is written: ``import`` statements at any depth (lazy imports
inside functions included), ``importlib.import_module("...")`` and ``__import__("...")`` with a
literal name, and any string constant that names a module of the package, such as the tables of
lazy names (``_LAZY = {"Solver": ("triqs_mlsolver.solver", "Solver")}``, PEP 562 ``__getattr__``)
and of built-in plugins (``importlib.import_module(_BUILTIN[name])``).  The test fails on any
other edge and names it; :func:`test_a_wrong_edge_is_caught` shows that on a synthetic package.
"""

from __future__ import annotations

import ast
import functools
import pathlib
import re
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "python" / "triqs_mlsolver"
ROOT = "triqs_mlsolver"

# layer -> (its parts, the layers or parts it may import): the layer table of DESIGN.md.
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # stdlib and numpy only; _version, _lazy (PEP 562 helper), gf_struct and testing (physics assertions) are
    # base modules that DESIGN.md does not list by name
    "base": (("errors", "_validation", "_options", "meshes", "_legendre", "_quadrature", "_progress", "parallel",
              "gf_struct", "_version", "_lazy", "testing"), ()),
    "operators": (("operators", "hamiltonians"), ("base",)),
    "model": (("aim", "transforms", "poles", "lattice"), ("base", "operators")),
    "bath": (("bath", "_bath_lsq", "_bath_rational"), ("model",)),
    "ed": (("ed",), ("bath", "model")),
    "solvers": (("solvers",), ("ed", "bath", "model")),
    "features": (("features",), ("solvers", "model")),
    "data": (("data",), ("features", "solvers", "ed")),
    "ml": (("ml",), ("data", "features", "solvers")),
    "containers": (("gf", "archive"), ("base", "model")),
    "triqs boundary": (("triqs_compat",), ("containers",)),
    "face": (("solver",), ("triqs boundary", "containers", "ml", "data", "features", "solvers", "ed", "bath",
                           "model")),
    "loops": (("dmft",), ("face", "lattice", "containers")),
    "command line": (("cli", "demo", "__init__"), ("loops", "face")),
}

# Edges between parts of one layer (a layer's parts may not import one another otherwise).
PEERS: dict[str, tuple[str, ...]] = {
    "meshes": ("_validation",),
    "_options": ("_validation",),  # the options helper builds on the validators
    "bath": ("_bath_lsq", "_bath_rational"),  # the fit's least-squares problem, exact recovery of a discrete bath
    "_quadrature": ("_legendre",),
    "hamiltonians": ("operators",),
    "archive": ("gf",),  # the archive stores the containers of gf/
    "cli": ("demo",),
}
# every other base module may import errors and _version (the error classes and the version string)
for _part in LAYERS["base"][0]:
    if _part not in ("errors", "_version"):
        PEERS[_part] = tuple(sorted(set(PEERS.get(_part, ())) | {"errors", "_version"}))

EXTENSION = "_ed"
"""The C++ extension module ``triqs_mlsolver._ed``."""

EXTENSION_IMPORTERS = ("ed",)
"""DESIGN.md: ed/ is the only importer of the extension."""

# third-party module -> the parts allowed to import it
RESTRICTED = {
    "torch": ("ml",),
    "h5py": ("data", "ml", "gf", "archive"),
    "mpi4py": ("parallel",),
    "triqs": ("triqs_compat",),
    "h5": ("triqs_compat",),
    "matplotlib": ("cli", "demo", "dmft", "data", "ml", "archive"),
}

_MODULE_NAME = re.compile(rf"{ROOT}(\.[A-Za-z_]\w*)+")
_IMPORT_FUNCTIONS = {"import_module", "__import__"}


# ----------------------------------------------------------------------------- the graph


def layer_of(part: str) -> str:
    for layer, (parts, _) in LAYERS.items():
        if part in parts:
            return layer
    raise KeyError(part)


def _names(name: str) -> tuple[str, ...]:
    """The parts a row entry stands for: the parts of a layer, or one part."""
    return LAYERS[name][0] if name in LAYERS else (name,)


def direct_edges(part: str) -> set[str]:
    """The parts that the row of ``part`` names (its layer's row, its peers, the extension if allowed)."""
    edges = set(PEERS.get(part, ()))
    for name in LAYERS[layer_of(part)][1]:
        edges.update(_names(name))
    if part in EXTENSION_IMPORTERS:
        edges.add(EXTENSION)
    edges.discard(part)
    return edges


@functools.lru_cache(maxsize=None)
def allowed(part: str) -> frozenset[str]:
    """The parts ``part`` may import: its direct edges and, except the extension, what those may import."""
    result: set[str] = set()
    todo = list(direct_edges(part))
    while todo:
        other = todo.pop()
        if other not in result:
            result.add(other)
            if other != EXTENSION and other in KNOWN_PARTS:
                todo.extend(direct_edges(other) - {EXTENSION})
    return frozenset(result)


KNOWN_PARTS = frozenset(p for parts, _ in LAYERS.values() for p in parts) | {EXTENSION}


# ----------------------------------------------------------------------------- reading the imports


def _string_constants(tree: ast.AST):
    """String constants of the module that are not docstrings."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


def _resolve(package: list[str], level: int, module: str | None) -> str:
    base = package[: len(package) - (level - 1)] if level else []
    return ".".join(base + ([module] if module else []))


def imports(relpath: str, source: str):
    """Yield ``(module name, line, how)`` for every import of the module at ``relpath`` (relative to the package).

    ``how`` is ``"import"`` (a statement), ``"by name"`` (``import_module``/``__import__`` with a literal)
    or ``"string"`` (a constant naming a module of the package: lazy-name and plugin tables).
    """
    parts = [ROOT] + relpath[: -len(".py")].split("/")
    package = parts[:-1]  # __init__.py: its own package; a module: the package holding it
    tree = ast.parse(source, filename=relpath)
    consumed = set()  # the literal names given to import_module / __import__
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, "import"
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.level, node.module)
            if node.module is None:  # from . import x, y: x and y are modules (or names of the package)
                for alias in node.names:
                    yield f"{base}.{alias.name}", node.lineno, "import"
            else:
                yield base, node.lineno, "import"
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            target = node.args[0].value
            if name in _IMPORT_FUNCTIONS and isinstance(target, str):
                consumed.add(id(node.args[0]))
                level = len(target) - len(target.lstrip("."))
                yield (_resolve(package, level, target.lstrip(".")) if level else target), node.lineno, "by name"
    for node in _string_constants(tree):
        if id(node) not in consumed and _MODULE_NAME.fullmatch(node.value):
            yield node.value, node.lineno, "string"


def part_of_module(relpath: str) -> str:
    """The part a module belongs to: ``archive/_gf.py`` -> ``archive``, ``lattice.py`` -> ``lattice``."""
    return relpath.split("/")[0].removesuffix(".py")


def part_of_import(name: str, how: str, existing: frozenset[str]) -> str | None:
    """The part an imported module name falls in (None: not the package, or a string naming no part)."""
    components = name.split(".")
    if components[0] != ROOT:
        return None
    if len(components) == 1:
        return "__init__"
    head = components[1]
    if head in KNOWN_PARTS or head in existing:
        return head
    # `from triqs_mlsolver import Solver`-like names come from the package root; a string naming no part
    # (a schema name such as "triqs_mlsolver.dataset") is no import
    return None if how == "string" else "__init__"


def violations(sources: dict[str, str], existing: frozenset[str] | None = None) -> list[str]:
    """Every import edge of the modules ``sources`` (relative path -> source) that the graph does not allow.

    ``existing``: the parts of the package (default: those of ``sources``).
    """
    existing = frozenset(part_of_module(path) for path in sources) if existing is None else existing
    found = []
    for relpath, source in sorted(sources.items()):
        own = part_of_module(relpath)
        if own not in KNOWN_PARTS:
            found.append(f"{relpath}: part {own!r} is not in the layer table (add it to DESIGN.md and to LAYERS)")
            continue
        for name, lineno, how in imports(relpath, source):
            target = part_of_import(name, how, existing)
            if target is None or target == own or target in allowed(own):
                continue
            reason = (f"only {', '.join(EXTENSION_IMPORTERS)} import the extension" if target == EXTENSION else
                      f"{own} ({layer_of(own)}) may import {', '.join(sorted(allowed(own)))}")
            found.append(f"{relpath}:{lineno}: edge {own} -> {target} ({how} {name}) is not in the layer graph: {reason}")
    return found


def _package_sources() -> dict[str, str]:
    return {path.relative_to(PACKAGE).as_posix(): path.read_text() for path in sorted(PACKAGE.rglob("*.py"))}


# ----------------------------------------------------------------------------- tests


def test_the_graph_has_no_cycle():
    for part in KNOWN_PARTS - {EXTENSION}:
        assert part not in allowed(part), f"{part} may import itself through {sorted(allowed(part))}"


def test_every_part_of_the_package_is_in_the_table():
    sources = _package_sources()
    unknown = sorted({part_of_module(path) for path in sources} - KNOWN_PARTS)
    assert not unknown, f"parts missing from the layer table (DESIGN.md and LAYERS of {__file__}): {unknown}"


@pytest.mark.parametrize("part", sorted(KNOWN_PARTS - {EXTENSION}))
def test_part_imports_only_along_the_graph(part):
    everything = _package_sources()
    sources = {path: text for path, text in everything.items() if part_of_module(path) == part}
    if not sources:
        pytest.skip(f"part {part!r} of the layer table does not exist on this branch")
    found = violations(sources, frozenset(part_of_module(path) for path in everything))
    assert not found, "\n".join(found)


def test_a_wrong_edge_is_caught():
    """A synthetic package with one allowed and one wrong edge of every kind: only the wrong ones are reported."""
    sources = {
        # allowed: the loop imports the lattice, the archive the containers, the CLI the data
        "dmft/bethe.py": "from ..lattice import weiss_field\nfrom ..archive import HDFArchive\n",
        "archive/summary.py": '"""Mentions triqs_mlsolver.data in its docstring."""\nfrom ..gf import Gf\n',
        "cli.py": "def f():\n    from .data.summary import summary_lines\n",
        # wrong: a statement, a lazy import inside a function, a lazy-name table, an importlib table
        "archive/_gf.py": "from ..data.summary import summary_lines\n",
        "gf/tools.py": "def f():\n    from .. import solver\n",
        "gf/__init__.py": '_LAZY = {"Model": ("triqs_mlsolver.ml.model", "Model")}\n',
        "solvers/base.py": 'import importlib\n_BUILTIN = {"x": "triqs_mlsolver.solvers.x"}\n'
                           'importlib.import_module("triqs_mlsolver.dmft.bethe")\n',
        # wrong: the extension outside its importers; a relative name given to import_module
        "data/solve.py": "from .. import _ed\n",
        "bath.py": 'import importlib\nimportlib.import_module(".features", "triqs_mlsolver")\n',
        # not an import: a string naming no part
        "lattice.py": 'SCHEMA = "triqs_mlsolver.dataset"\n',
    }
    found = violations(sources)
    edges = sorted(re.search(r"edge (\S+ -> \S+)", v).group(1) for v in found)
    assert edges == ["archive -> data", "bath -> features", "data -> _ed", "gf -> ml", "gf -> solver",
                     "solvers -> dmft"], "\n".join(found)
    assert any("data/solve.py:1: edge data -> _ed (import triqs_mlsolver._ed)" in v for v in found)
    assert any("gf/__init__.py:1: edge gf -> ml (string triqs_mlsolver.ml.model)" in v for v in found)
    assert any("solvers/base.py:3: edge solvers -> dmft (by name triqs_mlsolver.dmft.bethe)" in v for v in found)


def test_third_party_imports_stay_in_their_parts():
    found = []
    for relpath, source in _package_sources().items():
        own = part_of_module(relpath)
        for name, lineno, _ in imports(relpath, source):
            top = name.split(".")[0]
            if top in RESTRICTED and own not in RESTRICTED[top]:
                found.append(f"{relpath}:{lineno} imports {name}: allowed only in {', '.join(RESTRICTED[top])}")
    assert not found, "\n".join(found)


def test_import_loads_no_heavy_dependency():
    """`import triqs_mlsolver` loads none of torch, h5py, mpi4py, triqs, scipy, matplotlib, nor the extension."""
    code = (
        "import sys; import triqs_mlsolver; "
        "print(','.join(m for m in ('torch', 'h5py', 'mpi4py', 'triqs', 'scipy', 'matplotlib', 'triqs_mlsolver._ed') "
        "if m in sys.modules))"
    )
    heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert heavy == "", f"import triqs_mlsolver loaded heavy modules: {heavy}"
