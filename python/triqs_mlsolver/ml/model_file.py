"""Model files: tensors and plain metadata, loaded with ``torch.load(weights_only=True)``.

A file is a dict ``{"format", "format_version", "metadata" (JSON text), "state" (tensors)}`` written
by :func:`torch.save` to a temporary name and renamed, so a crash never leaves half a file.  The
loader unpickles nothing but tensors and plain containers, so a file can never execute code: one
that carries pickled objects is refused (:class:`~triqs_mlsolver.errors.ModelFileError`) without
running them.  The metadata names the architecture and its version, the feature layout and its
version, the kind of model, its training domain and metrics, the package version and the digests of
the datasets it was trained on.
"""

from __future__ import annotations

import json
import os
import pickle

import torch

from .._version import __version__
from ..errors import ModelFileError

__all__ = ["FORMAT", "FORMAT_VERSION", "save_model_file", "read_model_file"]

FORMAT = "triqs_mlsolver.model"
FORMAT_VERSION = 1


def save_model_file(path: str | os.PathLike, kind: str, metadata: dict, state: dict) -> None:
    """Write a model of ``kind`` (e.g. "correction") with its JSON-able ``metadata`` and tensor ``state``."""
    path = os.fspath(path)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "metadata": json.dumps({**metadata, "package_version": __version__}, sort_keys=True),
        "state": {k: v.detach().cpu().clone() for k, v in state.items()},
    }
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise ModelFileError(f"cannot write the model file {path!r}: {exc}.") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_model_file(path: str | os.PathLike, kind: str) -> tuple[dict, dict]:
    """``(metadata, state)`` of a model file of ``kind``; a foreign, corrupted or code-carrying file raises."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"model file {path!r} does not exist.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ModelFileError(f"model file {path!r} is refused: it holds objects other than tensors and plain data "
                             f"(a model file must never carry code). Loader said: {str(exc).splitlines()[0]}") from None
    except Exception as exc:  # truncated or not a torch file at all
        raise ModelFileError(f"model file {path!r} is not readable as a triqs_mlsolver model "
                             f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}).") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path!r} is not a triqs_mlsolver model file (no format tag {FORMAT!r}).")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"model file {path!r} has format version {payload.get('format_version')!r}; this package "
                             f"reads version {FORMAT_VERSION}: update triqs_mlsolver or retrain the model.")
    if payload.get("kind") != kind:
        raise ModelFileError(f"model file {path!r} holds a {payload.get('kind')!r} model, not a {kind!r} model.")
    try:
        metadata = json.loads(payload["metadata"])
    except (KeyError, TypeError, ValueError):
        raise ModelFileError(f"model file {path!r} has no readable metadata.") from None
    state = payload.get("state")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelFileError(f"model file {path!r} has no tensor state.")
    return metadata, state
