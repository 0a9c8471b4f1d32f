"""The package's layers import only downwards, and heavy dependencies stay where they belong.

The layer table follows DESIGN.md: a module may import package modules of its own
layer or of a lower one.  Every module of the package must appear in the table.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "python" / "triqs_mlsolver"

# module (dotted, relative to the package; a folder stands for all its modules) -> layer
LAYERS = {
    "_version": 0,
    "_lazy": 0,
    "errors": 0,
    "_validation": 0,
    "_options": 0,
    "gf_struct": 0,
    "parallel": 0,
    "_progress": 0,
    "operators": 1,
    "hamiltonians": 1,
    "aim": 2,
    "meshes": 3,
    "transforms": 3,
    "poles": 3,
    "_legendre": 3,
    "_quadrature": 3,
    "testing": 3,
    "bath": 4,
    "_bath_lsq": 4,
    "_ed": 5,
    "ed": 5,
    "solvers": 5,
    "features": 6,
    "data": 7,
    "ml": 8,
    "gf": 9,
    "archive": 9,
    "_h5_primitives": 9,
    "_h5_meshes": 9,
    "_h5_gf": 9,
    "_h5_operator": 9,
    "_h5_formats": 9,
    "_block2_gf": 9,
    "archive_summary": 9,
    "archive_plot": 9,
    "triqs_compat": 10,
    "solver": 11,
    "dmft": 12,
    "demo": 13,
    "cli": 14,
    "__init__": 14,
    "__main__": 14,
}

# package module -> the only modules (dotted, relative to the package) allowed to import it
PRIVATE = {"_ed": ("ed._core",)}

# third-party module -> package modules allowed to import it
RESTRICTED = {
    "torch": ("ml",),
    "h5py": (
        "data", "archive", "gf", "ml", "cli", "_h5_primitives", "_h5_meshes", "_h5_gf", "_h5_operator", "_h5_formats",
        "archive_summary",
    ),
    "mpi4py": ("parallel",),
    "triqs": ("triqs_compat",),
    "h5": ("triqs_compat",),
    "matplotlib": ("cli", "dmft", "demo", "data", "ml", "archive_plot"),
}


def _layer_key(dotted: str) -> str:
    top = dotted.split(".")[0]
    return top


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        yield ".".join(rel.parts), path


def _imports(dotted: str, path: pathlib.Path):
    """Yield (absolute module name, lineno) for every import in the file, nested ones included."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package_parts = ["triqs_mlsolver"] + dotted.split(".")[:-1]
    if path.name == "__init__.py":
        package_parts = ["triqs_mlsolver"] + dotted.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = package_parts[: len(package_parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            if node.module is None and node.level > 0:
                for alias in node.names:
                    yield f"{base}.{alias.name}", node.lineno
            else:
                yield base, node.lineno


@pytest.mark.parametrize("dotted,path", list(_modules()), ids=lambda x: str(x) if isinstance(x, str) else "")
def test_module_imports_only_downwards(dotted, path):
    key = _layer_key(dotted)
    assert key in LAYERS, f"module {dotted} is not in the layer table of {__file__}"
    own = LAYERS[key]
    for name, lineno in _imports(dotted, path):
        top = name.split(".")[0]
        if top == "triqs_mlsolver":
            sub = name.split(".")[1] if "." in name else "__init__"
            if sub in ("_version", "errors") or key == sub:
                continue
            assert sub in LAYERS, f"{dotted}:{lineno} imports unknown package module {name}"
            if sub in PRIVATE:
                assert dotted in PRIVATE[sub], f"{dotted}:{lineno} imports {name}, allowed only in {PRIVATE[sub]}"
            assert LAYERS[sub] <= own, (
                f"{dotted} (layer {own}) imports {name} (layer {LAYERS[sub]}) at line {lineno}: layers import only downwards"
            )
        elif top in RESTRICTED:
            assert key in RESTRICTED[top], f"{dotted}:{lineno} imports {top}, allowed only in {RESTRICTED[top]}"


def test_import_loads_no_heavy_dependency():
    """`import triqs_mlsolver` loads none of torch, h5py, mpi4py, triqs, scipy, matplotlib.

    (Its import time is measured by benchmarks/bench_import.py.)
    """
    code = (
        "import sys; import triqs_mlsolver; "
        "print(','.join(m for m in ('torch', 'h5py', 'mpi4py', 'triqs', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert heavy == "", f"import triqs_mlsolver loaded heavy modules: {heavy}"
