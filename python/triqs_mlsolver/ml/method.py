"""``method="ml"``: cheap solvers + the correction ensemble, with the uncertainty check and the ED fallback.

For one orbital with two spin blocks and ``h_int = U n_up n_dn`` (plus optional one-body terms):

1. ``G0_iw`` is put on the model's Matsubara grid (cut, or extended by the tail of ``Delta``), and the
   model's cheap solvers run on it exactly as during dataset generation;
2. :func:`~triqs_mlsolver.features.build_features` and the ensemble give ``G_l`` (sum rule exact),
   its uncertainty and the domain check;
3. accepted (inside the training box, uncertainty <= threshold): ``G(tau)`` and ``G(iw_n)`` follow
   exactly from ``G_l``; ``Sigma = G0^-1 - G^-1`` gets its exact tail (``Sigma_0 = U n_other``,
   ``Sigma_1 = U^2 n_other (1 - n_other)``) stitched above ``w_n = n_l/beta``, and
   ``G = (G0^-1 - Sigma)^-1`` is returned with it;
4. otherwise the problem is solved by ED with ``fallback_n_bath`` fitted bath sites per spin (a
   :class:`~triqs_mlsolver.errors.OutOfDomainWarning` says why), unless ``fallback=False``.
"""

from __future__ import annotations

import functools
import os
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .._options import Options, boolean, integer, nonnegative, option, optional, positive
from ..ed import MAX_BATH
from ..errors import (
    IncompatibleGfStructError,
    InvalidParameterError,
    MLSolverError,
    ModelFileError,
    OutOfDomainWarning,
    SolverFailedError,
)
from ..features import build_features, project_sum_rule
from ..solvers.base import ImpurityProblem, SolverResult, get_solver, one_orbital_interaction, options_from_kwargs
from ..solvers.dyson import stitch_sigma_tail, weiss_levels
from ..transforms import fit_tail, legendre_to_iw, legendre_to_tau
from .correction import CorrectionModel, tau_basis
from .ood import DEFAULT_MAX_OOD, ood_scores

__all__ = ["DEFAULT_MODEL", "MLOptions", "MLSolver", "load_model", "solve_many", "vae_input"]

DEFAULT_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "correction.pt")
"""The pretrained model shipped with the package (recipe: ``bash scripts/train_default_model.sh``)."""
_GF_STRUCT = (("up", 1), ("down", 1))


def _path(name: str, value, error: type) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise error(f"{name} = {value!r} is invalid: allowed is a file path (or '' for the default).")
    return os.fspath(value)


@dataclass(frozen=True)
class MLOptions(Options):
    """Options of ``method="ml"``."""

    model: str = option("model file (default: the pretrained model shipped with the package)", "", check=_path)
    max_uncertainty: float | None = option("largest accepted uncertainty max_tau std G(tau) (default: the model's "
                                           "calibrated threshold)", None, check=optional(nonnegative()))
    fallback: bool = option("solve by ED when the model is unsure or the input is outside its training domain", True,
                            check=boolean())
    fallback_n_bath: int = option("fitted bath sites per spin of the ED fallback", 7, check=integer(1, MAX_BATH))
    acquisition: str = option("dataset file that records every fallback case (its fitted model, reference ED and "
                              "cheap solvers) for `train --continue MODEL --add FILE`; empty: record nothing", "",
                              check=_path)
    vae: str = option("VAE (train-vae on G_tau or G_l of the model's training set) whose out-of-distribution score "
                      "of the predicted G is a second domain check; empty: none", "", check=_path)
    max_ood: float = option("largest accepted out-of-distribution score (1: as unusual as the 1 % most unusual "
                            "validation samples)", DEFAULT_MAX_OOD, check=positive())


@functools.lru_cache(maxsize=4)
def _cached_model(path: str, mtime: float) -> CorrectionModel:
    return CorrectionModel.load(path)


@functools.lru_cache(maxsize=4)
def _cached_vae(path: str, mtime: float) -> tuple:
    from .vae_training import load_vae

    model, metadata = load_vae(path)
    if metadata["representation"] not in ("G_tau", "G_l") or "ood" not in metadata:
        raise ModelFileError(f"VAE {path!r} encodes {metadata['representation']}: the ml method's OOD check needs a "
                             "VAE on G_tau or G_l trained by this package version (train-vae --input G_tau).")
    return model, metadata


def vae_input(vae, metadata: dict, g_l: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Predicted ``G_l`` (``(N, 2, n_l)``) at ``beta`` (``(N,)``) in the representation of a VAE on G_tau or G_l:
    ``G(tau)`` on the VAE's ``n`` points, or ``G_l / beta`` up to its ``n``."""
    g = g_l / beta[:, None, None]
    if metadata["representation"] == "G_tau":
        return g @ tau_basis(g.shape[-1], vae.n).T
    if g.shape[-1] < vae.n:
        raise InvalidParameterError(f"the VAE needs n_l >= {vae.n}; the model predicts {g.shape[-1]}.")
    return g[:, :, : vae.n]


def _ood(options: MLOptions, g_l: np.ndarray, beta: np.ndarray) -> dict | None:
    """The OOD scores of predicted ``G_l`` (``(N, 2, n_l)``) under the VAE of ``options.vae`` (None without one)."""
    if not options.vae:
        return None
    if not os.path.isfile(options.vae):
        raise ModelFileError(f"VAE file {options.vae!r} does not exist.")
    vae, metadata = _cached_vae(os.path.abspath(options.vae), os.path.getmtime(options.vae))
    try:
        x = vae_input(vae, metadata, g_l, beta)
    except InvalidParameterError as err:
        raise InvalidParameterError(f"VAE {options.vae!r}: {err}") from None
    return ood_scores(vae, metadata["ood"], x)


def load_model(path: str | os.PathLike = "") -> CorrectionModel:
    """The correction model of ``path`` (default: the shipped one), read once per file version."""
    path = os.fspath(path) or DEFAULT_MODEL
    if not os.path.isfile(path):
        hint = (" The package ships no pretrained model in this installation: train one with "
                "`triqs-mlsolver train DATA.h5 --out model.pt` and pass model='model.pt'.") if path == DEFAULT_MODEL else ""
        raise ModelFileError(f"model file {path!r} does not exist.{hint}")
    return _cached_model(os.path.abspath(path), os.path.getmtime(path))


def _g0_on_grid(g0: np.ndarray, beta: float, n_iw: int) -> np.ndarray:
    """``G0(iw_n)`` (``(2 m, 2)``, spins as columns) on ``2 n_iw`` frequencies: cut, or extended by the tail of
    ``Delta = iw - eps - G0^-1`` (moments fitted on the given frequencies)."""
    m = g0.shape[0] // 2
    if m >= n_iw:
        return g0[m - n_iw: m + n_iw]
    iw = 1j * np.pi * (2 * np.arange(-m, m) + 1) / beta
    new = 1j * np.pi * (2 * np.arange(-n_iw, n_iw) + 1) / beta
    d = iw[:, None] - 1.0 / g0
    moments, _ = fit_tail(d, iw, max_moment=4)
    out = 1.0 / (new[:, None] - sum(mk[None] / new[:, None] ** k for k, mk in enumerate(moments)))
    out[n_iw - m: n_iw + m] = g0
    return out


@dataclass
class _Prepared:
    """One problem ready for the network: its features, the cheap solvers' G_l and what the outputs need."""

    problem: ImpurityProblem
    x: np.ndarray
    g_l: dict
    g0: np.ndarray
    u: float
    h: np.ndarray
    info: dict


def _prepare(problem: ImpurityProblem, model: CorrectionModel) -> _Prepared:
    """Check the problem, run the model's cheap solvers on its ``G0`` (on the training grid) and build the features."""
    if tuple(size for _, size in problem.gf_struct) != (1, 1):
        raise IncompatibleGfStructError(f"gf_struct {list(problem.gf_struct)}: method 'ml' supports one orbital "
                                        "with two spin blocks of size 1, e.g. [('up', 1), ('down', 1)].")
    if problem.n_l > model.n_l:
        raise InvalidParameterError(f"n_l = {problem.n_l} is more than the model serves: allowed is "
                                    f"n_l <= {model.n_l} (the Legendre coefficients it was trained on).")
    beta = problem.beta
    u, h = one_orbital_interaction(problem.h_int, "method 'ml'", IncompatibleGfStructError)
    names = [name for name, _ in problem.gf_struct]
    g0_user = np.stack([problem.g0_iw[b][:, 0, 0] for b in names], axis=1)
    levels, delta1 = weiss_levels(problem.g0_iw, problem.iw())
    e = np.array([levels[b][0, 0].real for b in names]) + h
    g0 = _g0_on_grid(g0_user, beta, int(model.metadata["output"]["n_iw_solve"]))
    n_iw = g0.shape[0] // 2
    # G_l does not depend on n_tau (bitwise): the cheap solvers skip the G(tau) output
    cheap = ImpurityProblem(beta, _GF_STRUCT, {"up": g0[:, 0, None, None], "down": g0[:, 1, None, None]},
                            problem.h_int, n_tau=2, n_l=model.n_l)
    g_l, info = {}, {"U": u}
    try:
        for name in model.layout.solvers:
            spec = model.metadata["solvers"][name]
            t0 = time.perf_counter()
            cls = get_solver(spec["method"])
            with warnings.catch_warnings(record=True) as caught:  # e.g. a poor 1-site bath fit: expected, recorded
                warnings.simplefilter("always")
                res = cls().solve(cheap, options_from_kwargs(cls.Options, dict(spec["options"]), spec["method"]))
            if caught:
                info[f"warnings_{name}"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
            g_l[name] = np.stack([res.g_l[b][:, 0, 0].real for b in ("up", "down")])[None]
            info[f"time_{name}"] = time.perf_counter() - t0
        iw_pos = 1j * np.pi * (2 * np.arange(model.layout.n_delta) + 1) / beta
        delta = (iw_pos[:, None] - e[None] + h[None] - 1.0 / g0[n_iw: n_iw + model.layout.n_delta]).T
        x = build_features(model.layout, beta, u, 0.5 * (e[0] + e[1]), e[1] - e[0], delta[None],
                           float(np.mean([delta1[b][0, 0].real for b in names])), g_l)
    except (SolverFailedError, InvalidParameterError) as exc:  # e.g. IPT without an auxiliary level
        info["unservable"] = f"the network input could not be built ({type(exc).__name__}: {exc})"
        return _Prepared(problem, None, {}, g0_user, u, h, info)
    return _Prepared(problem, x[0], {k: v[0] for k, v in g_l.items()}, g0_user, u, h, info)


def solve_many(problems, options: MLOptions | None = None) -> list:
    """``method="ml"`` for many problems at once: the cheap solvers per problem, one network call for all.

    Returns one :class:`~triqs_mlsolver.solvers.base.SolverResult` per problem, each exactly what
    ``Solver.solve(method="ml")`` gives for it (fallbacks included)."""
    options = options or MLOptions()
    start = time.perf_counter()
    model = load_model(options.model)
    prepared = [_prepare(p, model) for p in problems]
    served = [p for p in prepared if p.x is not None]
    pred = ood = None
    network = 0.0
    if served:
        t0 = time.perf_counter()
        betas = np.array([p.problem.beta for p in served])
        pred = model.predict(np.stack([p.x for p in served]), np.stack([p.g_l[model.layout.base] for p in served]),
                             betas)
        ood = _ood(options, pred.g_l, betas)
        network = (time.perf_counter() - t0) / len(served)
    threshold = model.threshold if options.max_uncertainty is None else options.max_uncertainty
    results, k = [], -1
    for p in prepared:
        if p.x is None:
            if not options.fallback:
                raise SolverFailedError(f"method 'ml': {p.info['unservable']}; the fallback is disabled.")
            warnings.warn(f"method 'ml': {p.info['unservable']}; falling back to ED with {options.fallback_n_bath} "
                          "bath sites.", OutOfDomainWarning, stacklevel=3)
            results.append(_fallback(p.problem, options, model, {"model": os.fspath(options.model) or DEFAULT_MODEL,
                                                                   **p.info}, start))
            continue
        k += 1
        uncertainty, in_domain = float(pred.uncertainty[k]), bool(pred.in_domain[k])
        info = {"model": os.fspath(options.model) or DEFAULT_MODEL, "uncertainty": uncertainty, "threshold": threshold,
                "in_domain": in_domain, "outside_domain": pred.outside[k], **p.info, "time_network": network}
        typical = True
        if ood is not None:
            info.update(ood_score=float(ood["score"][k]), latent=ood["latent"][k])
            typical = bool(ood["score"][k] <= options.max_ood)
        accepted = in_domain and uncertainty <= threshold and typical
        if not accepted:
            why = (f"outside the training domain ({'; '.join(pred.outside[k])})" if not in_domain else
                   f"uncertainty {uncertainty:.3g} above the threshold {threshold:.3g}" if uncertainty > threshold else
                   f"out-of-distribution score {ood['score'][k]:.3g} above {options.max_ood:.3g}")
            if options.fallback:
                warnings.warn(f"method 'ml': {why}; falling back to ED with {options.fallback_n_bath} bath sites.",
                              OutOfDomainWarning, stacklevel=3)
                results.append(_fallback(p.problem, options, model, info, start))
                continue
            warnings.warn(f"method 'ml': {why}; fallback disabled, returning the network's answer.",
                          OutOfDomainWarning, stacklevel=3)
        result = _outputs(p.problem, pred.g_l[k], p.g0, p.u, p.h, [name for name, _ in p.problem.gf_struct])
        result.info.update(info, fallback=False, accepted=accepted, time_solve=time.perf_counter() - start)
        results.append(result)
    return results


class MLSolver:
    """The ``ml`` method (see the module documentation) as a solver plugin of the ``Solver``."""

    name = "ml"
    Options = MLOptions

    def solve(self, problem: ImpurityProblem, options: MLOptions) -> SolverResult:
        return solve_many([problem], options)[0]


def _fallback(problem: ImpurityProblem, options: MLOptions, model: CorrectionModel, info: dict,
              start: float) -> SolverResult:
    """ED with ``fallback_n_bath`` fitted sites and the Boltzmann cutoff and state limit of the training set's reference;
    the ml diagnostics are kept in ``info`` as ``ml_*``."""
    ed = get_solver("ed")
    reference = model.metadata.get("reference", {}).get("ed", {})  # the Lanczos limits of the training reference
    keep = {k: reference[k] for k in ("boltzmann_cutoff", "n_states_max") if k in reference}
    result = ed().solve(problem, ed.Options(n_bath=options.fallback_n_bath, **keep))
    result.info.update({f"ml_{k}": v for k, v in info.items()}, fallback=True, accepted=False)
    if options.acquisition:
        result.info["acquisition"] = _record(problem, options, model, result.info)
    result.info["time_solve"] = time.perf_counter() - start
    return result


def _record(problem: ImpurityProblem, options: MLOptions, model: CorrectionModel, info: dict) -> dict:
    """Append the fallback's fitted model to the acquisition file; a failure to record only warns."""
    from ..data.acquisition import acquisition_config, record_case

    names = [name for name, _ in problem.gf_struct]
    meta = model.metadata
    u, h = one_orbital_interaction(problem.h_int, "method 'ml'", IncompatibleGfStructError)
    levels, _ = weiss_levels(problem.g0_iw, problem.iw())
    try:
        cfg = acquisition_config(meta["output"], {s: meta["solvers"][s] for s in model.layout.solvers},
                                 meta["reference"]["ed"], options.fallback_n_bath)
        index = record_case(options.acquisition, cfg, problem.beta, u,
                            np.array([levels[b][0, 0].real for b in names]) + h,
                            np.stack([info["bath_eps"][b] for b in names]),
                            np.stack([np.abs(info["bath_V"][b][0]) for b in names]))
    except MLSolverError as exc:
        warnings.warn(f"method 'ml': the fallback case was not recorded in {os.fspath(options.acquisition)!r}: {exc}",
                      OutOfDomainWarning, stacklevel=4)
        return {"file": os.fspath(options.acquisition), "index": -1}
    return {"file": os.fspath(options.acquisition), "index": index}


def _outputs(problem: ImpurityProblem, g_l: np.ndarray, g0: np.ndarray, u: float, h: np.ndarray,
             names: list) -> SolverResult:
    """Every output from the predicted ``G_l`` (``(2, n_l_model)``) on the problem's meshes."""
    beta, iw = problem.beta, problem.iw()
    g_tau = legendre_to_tau(g_l.T, beta, np.linspace(0.0, beta, problem.n_tau))  # (n_tau, 2)
    n = -g_tau[-1]
    g_iw = legendre_to_iw(g_l.T, beta, problem.n_iw)
    other = n[::-1]
    moments = np.stack([u * other + h, u**2 * other * (1.0 - other)]).astype(complex)
    sigma = stitch_sigma_tail((1.0 / g0 - 1.0 / g_iw)[:, :, None], iw, moments[:, :, None],
                              w_match=g_l.shape[1] / beta)[:, :, 0]
    g_iw = 1.0 / (1.0 / g0 - sigma)
    g_l_out = project_sum_rule(g_l[:, : problem.n_l] / beta) * beta
    block = lambda a, s: np.ascontiguousarray(a[:, s, None, None])  # noqa: E731
    return SolverResult(
        g_iw={b: block(g_iw, s) for s, b in enumerate(names)},
        sigma_iw={b: block(sigma, s) for s, b in enumerate(names)},
        g_tau={b: block(g_tau.astype(complex), s) for s, b in enumerate(names)},
        g_l={b: block(g_l_out.T.astype(complex), s) for s, b in enumerate(names)},
        density={b: np.array([[n[s]]], dtype=complex) for s, b in enumerate(names)},
        info={"n": tuple(float(x) for x in n)},
    )
