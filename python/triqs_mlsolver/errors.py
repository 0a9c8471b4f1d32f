"""Exception and warning classes of triqs_mlsolver.

Every error the package raises on purpose derives from :class:`MLSolverError`, so a
script can catch them all at once; the specific classes also derive from the
matching builtin (``ValueError``, ``RuntimeError`` ...) so generic handlers keep
working.  Messages name the parameter, the value received, the allowed range and,
where there is one, the fix.

Warnings use their own categories (all derived from :class:`MLSolverWarning`), so
they can be filtered or escalated with the standard :mod:`warnings` machinery.
"""

from __future__ import annotations

__all__ = [
    "MLSolverError",
    "InvalidParameterError",
    "IncompatibleGfStructError",
    "MeshMismatchError",
    "NonHermitianError",
    "NonCausalError",
    "ResourceLimitError",
    "ArchiveFormatError",
    "ModelFileError",
    "DatasetSchemaError",
    "DatasetConfigError",
    "DatasetWriteError",
    "SolverFailedError",
    "MissingDependencyError",
    "MLSolverWarning",
    "OutOfDomainWarning",
    "BathFitWarning",
    "NotConvergedWarning",
    "TailFitWarning",
    "IgnoredOptionWarning",
    "ArchiveFormatWarning",
    "invalid_parameter",
]


class MLSolverError(Exception):
    """Base class of every error raised on purpose by triqs_mlsolver."""


class InvalidParameterError(MLSolverError, ValueError):
    """A parameter is outside its allowed range, of the wrong type, or unknown."""


class IncompatibleGfStructError(MLSolverError, ValueError):
    """A ``gf_struct`` is malformed, or two objects disagree on block names or sizes."""


class MeshMismatchError(MLSolverError, ValueError):
    """Green's functions on different meshes were combined."""


class NonHermitianError(MLSolverError, ValueError):
    """A Hamiltonian (or level matrix) that must be hermitian is not."""


class NonCausalError(MLSolverError, ValueError):
    """A Green's function or hybridization violates causality (e.g. Im Delta(iw_n) > 0 for w_n > 0)."""


class ResourceLimitError(MLSolverError, MemoryError):
    """A calculation would need more memory (or states) than allowed; the message gives the estimate."""


class ArchiveFormatError(MLSolverError):
    """An HDF5 group or dataset does not follow any known TRIQS layout."""


class ModelFileError(MLSolverError):
    """A model file is missing, corrupt, or of an unknown architecture or version."""


class DatasetSchemaError(MLSolverError):
    """A dataset file does not match the schema (or the configuration) expected."""


class DatasetConfigError(InvalidParameterError):
    """A dataset-generation configuration has an unknown key or an out-of-range value."""


class DatasetWriteError(MLSolverError, OSError):
    """A dataset file cannot be created or written (permissions, disk space, a lock held by another run)."""


class SolverFailedError(MLSolverError, RuntimeError):
    """An impurity solver could not produce a result for the given input."""


class MissingDependencyError(MLSolverError, ImportError):
    """An optional dependency needed by a feature is not installed; the message names the pip extra."""


class MLSolverWarning(UserWarning):
    """Base class of the warnings of triqs_mlsolver."""


class OutOfDomainWarning(MLSolverWarning):
    """The input lies outside the domain a model was trained on."""


class BathFitWarning(MLSolverWarning):
    """A discrete-bath fit to a hybridization function is poor."""


class NotConvergedWarning(MLSolverWarning):
    """An iterative procedure (DMFT loop, Lanczos, fit) stopped before reaching its tolerance."""


class TailFitWarning(MLSolverWarning):
    """A high-frequency tail fit has a large error."""


class IgnoredOptionWarning(MLSolverWarning):
    """Options that the chosen method does not use were accepted and ignored."""


class ArchiveFormatWarning(MLSolverWarning):
    """An archive entry has an unknown ``Format`` (read as a plain group) or a child that is ignored."""


def invalid_parameter(name: str, value: object, allowed: str, fix: str = "", *,
                      error: type = InvalidParameterError) -> InvalidParameterError:
    """Build an :class:`InvalidParameterError` with the standard message.

    ``invalid_parameter("beta", -1.0, "beta > 0")`` gives
    ``"beta = -1.0 is invalid: allowed is beta > 0."``.
    """
    message = f"{name} = {value!r} is invalid: allowed is {allowed}."
    if fix:
        message += f" {fix}"
    return error(message)
