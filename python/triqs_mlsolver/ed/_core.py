"""The boundary to the C++ core (the extension ``triqs_mlsolver._ed``): the only module that imports it.

The core takes LAPACK and BLAS from scipy at run time (function pointers of
``scipy.linalg.cython_lapack``/``cython_blas``, registered here at import), so it has no
link-time dependency; it releases the GIL while it works.  Those two extension modules are loaded
from their files without the ``scipy.linalg`` package, whose import costs ten times more.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import importlib.util
import os
import sys
import warnings

from .. import _ed
from ..errors import MLSolverWarning

__all__ = ["LAPACK_REGISTERED", "core_solve"]

# name -> (module, number of arguments, number of 32-bit integer pointer arguments)
_LAPACK_SIGNATURES = {
    "dsyevd": ("cython_lapack", 11, 6),
    "zheevd": ("cython_lapack", 13, 7),
    "dgemm": ("cython_blas", 13, 6),
    "zgemm": ("cython_blas", 13, 6),
    "dsyevr": ("cython_lapack", 21, 11),
    "zheevr": ("cython_lapack", 23, 12),
}


def _scipy_linalg_extension(name: str):
    """The extension module ``scipy.linalg.<name>``, loaded from its file under its own name (and put in
    ``sys.modules``, where a later ``import scipy.linalg`` finds it) without running ``scipy/linalg/__init__``;
    the ordinary import when that package is already loaded or the file is not found."""
    full = f"scipy.linalg.{name}"
    if full in sys.modules or "scipy.linalg" in sys.modules:
        return importlib.import_module(full)
    scipy_spec = importlib.util.find_spec("scipy")
    folder = os.path.join(os.path.dirname(scipy_spec.origin), "linalg") if scipy_spec and scipy_spec.origin else ""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, name + suffix)
        if folder and os.path.isfile(path):
            spec = importlib.util.spec_from_file_location(full, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[full] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[full]
                raise
            return module
    return importlib.import_module(full)


def _lapack_addresses() -> dict[str, int]:
    """Addresses of dsyevd, zheevd, dsyevr, zheevr, dgemm, zgemm exported by scipy (as PyCapsules), checked
    against the expected C signatures (32-bit integers); raises ImportError otherwise."""
    modules = {name: _scipy_linalg_extension(name) for name in ("cython_lapack", "cython_blas")}
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    out = {}
    for name, (module, n_args, n_int) in _LAPACK_SIGNATURES.items():
        capsule = modules[module].__pyx_capi__[name]
        signature = get_name(capsule)
        text = signature.decode()
        args = [a.strip() for a in text[text.index("(") + 1 : text.rindex(")")].split(",")]
        if len(args) != n_args or sum(a == "int *" for a in args) != n_int:
            raise ImportError(f"scipy's {name} has the unexpected signature {text!r}")
        out[name] = int(get_pointer(capsule, signature))
    return out


def _register_lapack() -> bool:
    try:
        _ed.set_lapack(**_lapack_addresses())
        return True
    except (ImportError, AttributeError, KeyError, ValueError) as exc:  # pragma: no cover - depends on scipy build
        warnings.warn(
            f"LAPACK from scipy is not usable ({exc}); the ED core falls back to its built-in (slower) "
            "eigensolver. Results are unchanged.",
            MLSolverWarning,
            stacklevel=2,
        )
        return False


LAPACK_REGISTERED = _register_lapack()
"""Whether the core uses scipy's LAPACK/BLAS (else its built-in, slower eigensolver)."""

core_solve = _ed.solve
"""The core's entry point (see ``c++/bindings/ed_module.cpp``); called by :mod:`.diagonalize` only."""
