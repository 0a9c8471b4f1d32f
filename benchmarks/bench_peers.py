"""Benchmark of the exact diagonalization against a peer code, QuSpin (prints a table; not a test).

    python benchmarks/bench_peers.py                 # all rows, 5 repetitions each
    python benchmarks/bench_peers.py --quick         # Nb = 6, beta = 50 only, 1 repetition
    python benchmarks/bench_peers.py --rows 8:50 10:inf --repeat 3 --json peers.json

QuSpin is an optional dependency of this benchmark only: ``pip install quspin`` or
``pip install .[bench]``.  Without it the QuSpin columns are left out.

Model: single-orbital Anderson impurity, U = 2, eps_d = -U/2 (half filling), Nb bath sites
with eps_k = linspace(-1, 1, Nb) and V_k = 0.5 for both spins,

    H = sum_s eps_d n_ds + U n_d,up n_d,dn + sum_ks eps_k n_ks + sum_ks V_k (d+_s c_ks + h.c.).

Output: G_up(iw_n) on the 1024 positive Matsubara frequencies of beta = 50.  Rows: Nb = 6, 7, 8
at beta = 50 and Nb = 8, 10 at T = 0 (degenerate ground states averaged with equal weights;
G on the mesh of a fictitious beta = 50).  Three implementations, each run R times in a
fresh process (wall time of the whole process, Python start and imports included, and its
peak resident memory; one BLAS/OpenMP thread; the package byte-compiled first, as installed), median quoted:

* Solver: ``Solver.solve(method="ed", n_bath=Nb)`` on the exact G0 of the discrete bath,
  i.e. the bath fit to G0 included (T = 0 rows: ``zero_temperature=True``);
* core: ``triqs_mlsolver.ed.diagonalize`` on the model itself (``dense_targets=False``: poles exact on
  the Matsubara axis, as the Solver's without real-frequency outputs), then the poles on the mesh;
* QuSpin: one ``spinful_fermion_basis_general`` and sparse ``hamiltonian`` per (N_up, N_dn)
  sector (site 0 the impurity).  The sectors are searched outwards from half filling by their
  lowest energy (eigsh; dense eigh for small sectors); every state with
  exp(-beta (E - E0)) > 1e-10 (T = 0: E - E0 < 1e-9) is kept; c+_up / c_up move it to the
  neighbouring sector (``basis.Op_shift_sector``) and a Lanczos continued fraction of that
  sector's Hamiltonian, run until G changes by less than 1e-13, gives the Lehmann terms
  <m| c (iw - H + E_m)^-1 c+ |m> + <m| c+ (iw + H - E_m)^-1 c |m>.  (The general basis is
  used rather than spinful_fermion_basis_1d because only it offers Op_shift_sector.)

The last columns compare G of the core and of the Solver with QuSpin's (max over the mesh).
"""

from __future__ import annotations

# Only what the timed child process needs is imported here; the driver's modules load in main().
import math
import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

U, EPS_D, V, BETA_MESH, N_IW = 2.0, -1.0, 0.5, 50.0, 1024
BOLTZMANN_CUTOFF, DEGENERACY_TOL = 1e-10, 1e-9
ROWS = [(6, 50.0), (7, 50.0), (8, 50.0), (8, math.inf), (10, math.inf)]
IMPLS = ("solver", "core", "quspin")
NAMES = {"solver": "Solver", "core": "core", "quspin": "QuSpin"}
OPTION_MISSING = "n/a (option missing)"
DENSE_MAX = 400  # QuSpin path: sectors up to this dimension are diagonalized densely


def _aim(nb: int):
    import numpy as np

    from triqs_mlsolver.aim import AIM

    return AIM.single_orbital(U=U, eps_d=EPS_D, eps_k=np.linspace(-1, 1, nb), V_k=V * np.ones(nb))


def run_solver(nb: int, beta: float):
    """The user-facing Solver (bath fitted to the exact G0); ``None`` if it lacks the T = 0 option."""
    import numpy as np

    from triqs_mlsolver import Solver
    from triqs_mlsolver.errors import InvalidParameterError
    from triqs_mlsolver.operators import n

    S = Solver(beta=BETA_MESH, gf_struct=[("up", 1), ("down", 1)], n_iw=N_IW)
    iw = np.asarray(S.G0_iw["up"].mesh.values())
    for name, g0 in _aim(nb).g0(iw).items():
        S.G0_iw[name].data[...] = g0
    extra = {"zero_temperature": True} if math.isinf(beta) else {}
    try:
        S.solve(h_int=U * n("up", 0) * n("down", 0), method="ed", n_bath=nb, **extra)
    except InvalidParameterError as err:
        if "zero_temperature" in str(err):
            return None
        raise
    return S.G_iw["up"].data[N_IW:, 0, 0]


def run_core(nb: int, beta: float):
    """The bare ED core on the model (poles exact on the Matsubara axis, as the Solver's without real frequencies)."""
    from triqs_mlsolver.ed import EDOptions, diagonalize

    return diagonalize(_aim(nb), beta, EDOptions(dense_targets=False)).poles["up"].iw(BETA_MESH, N_IW)[N_IW:, 0, 0]


def _lowest(h, k: int):
    """Lowest ``k`` (or more) eigenpairs of the sparse sector Hamiltonian ``h``, ascending."""
    import numpy as np
    from scipy.sparse.linalg import eigsh

    if h.shape[0] <= DENSE_MAX:
        return np.linalg.eigh(h.toarray())
    e, v = eigsh(h, k=min(k, h.shape[0] - 2), which="SA")
    order = np.argsort(e)
    return e[order], v[:, order]


def _resolvent(h, phi, shift: float, z, check_every: int = 20, tol: float = 1e-13, max_steps: int = 5000):
    """``<phi| (z - (h - shift))^-1 |phi>`` at every ``z`` by a Lanczos continued fraction."""
    import numpy as np

    norm2 = float(np.vdot(phi, phi).real)
    if norm2 == 0.0:
        return np.zeros_like(z)

    def fraction(a, b):
        f = z + shift - a[-1]
        for j in range(len(a) - 2, -1, -1):
            f = z + shift - a[j] - b[j] ** 2 / f
        return norm2 / f

    a, b, g_old = [], [], None
    v_prev, v, b_last = np.zeros_like(phi), phi / math.sqrt(norm2), 0.0
    for step in range(1, max_steps + 1):
        w = h @ v - b_last * v_prev
        a.append(float(np.vdot(v, w).real))
        w -= a[-1] * v
        b_last = float(np.linalg.norm(w))
        if b_last < 1e-12:  # invariant subspace: the fraction is exact
            return fraction(a, b)
        b.append(b_last)
        if step % check_every == 0:
            g = fraction(a, b)
            if g_old is not None and np.abs(g - g_old).max() < tol:
                return g
            g_old = g
        v_prev, v = v, w / b_last
    raise RuntimeError(f"Lanczos continued fraction not converged in {max_steps} steps")


def run_quspin(nb: int, beta: float):
    """The same G_up(iw) from QuSpin sector Hamiltonians (see the module docstring)."""
    import numpy as np
    from quspin.basis import spinful_fermion_basis_general
    from quspin.operators import hamiltonian

    L = nb + 1
    levels = [[EPS_D, 0]] + [[e, k + 1] for k, e in enumerate(np.linspace(-1, 1, nb))]
    hopping = [[V, 0, k + 1] for k in range(nb)] + [[V, k + 1, 0] for k in range(nb)]
    static = [["n|", levels], ["|n", levels], ["n|n", [[U, 0, 0]]], ["+-|", hopping], ["|+-", hopping]]
    window = DEGENERACY_TOL if math.isinf(beta) else -math.log(BOLTZMANN_CUTOFF) / beta
    k0 = 2 if math.isinf(beta) else 4

    sectors = {}  # (N_up, N_dn) -> (basis, csr Hamiltonian)

    def sector(counts):
        if counts not in sectors:
            basis = spinful_fermion_basis_general(L, Nf=counts)
            h = hamiltonian(static, [], basis=basis, dtype=np.float64, check_symm=False, check_pcon=False)
            sectors[counts] = (basis, h.tocsr())
        return sectors[counts]

    # lowest energies, searching outwards from half filling while a sector lies in the window
    spectra, todo = {}, [(L // 2, L - L // 2), (L - L // 2, L // 2)]
    while todo:
        c = todo.pop()
        if c in spectra or not (0 <= c[0] <= L and 0 <= c[1] <= L):
            continue
        spectra[c] = _lowest(sector(c)[1], k0)
        if spectra[c][0][0] - min(e[0] for e, _ in spectra.values()) < window:
            todo += [(c[0] + 1, c[1]), (c[0] - 1, c[1]), (c[0], c[1] + 1), (c[0], c[1] - 1)]
    e0 = min(e[0] for e, _ in spectra.values())

    # every state in the window (more eigenpairs while the highest one found is still inside)
    kept = {}
    for c, (e, vecs) in spectra.items():
        k = k0
        while e[-1] - e0 < window and len(e) < sector(c)[1].shape[0] - 2:
            k *= 2
            e, vecs = _lowest(sector(c)[1], k)
        inside = e - e0 < window
        if inside.any():
            kept[c] = (e[inside], vecs[:, inside])

    def boltzmann(e):
        return np.ones_like(e) if math.isinf(beta) else np.exp(-beta * (e - e0))

    z_sum = sum(boltzmann(e).sum() for e, _ in kept.values())
    z = 1j * np.pi * (2 * np.arange(N_IW) + 1) / BETA_MESH
    g = np.zeros(N_IW, dtype=complex)
    for (n_up, n_dn), (e, vecs) in kept.items():
        basis, w = sector((n_up, n_dn))[0], boltzmann(e) / z_sum
        if n_up < L:  # particle part: c+_up |m> in (N_up + 1, N_dn)
            target, h = sector((n_up + 1, n_dn))
            phis = target.Op_shift_sector(basis, [["+|", [0], 1.0]], vecs).reshape(target.Ns, -1)
            g += sum(w[i] * _resolvent(h, phis[:, i], e[i], z) for i in range(len(e)))
        if n_up > 0:  # hole part: c_up |m> in (N_up - 1, N_dn)
            target, h = sector((n_up - 1, n_dn))
            chis = target.Op_shift_sector(basis, [["-|", [0], 1.0]], vecs).reshape(target.Ns, -1)
            g -= sum(w[i] * _resolvent(h, chis[:, i], e[i], -z) for i in range(len(e)))
    return g


def run_case(impl: str, nb: int, beta: float, out: str) -> int:
    """Child process: compute G in a forked worker (saved to ``out``), print the worker's peak MB.

    A process's peak-RSS record starts at its parent's size when it is forked and survives
    exec, so this child, spawned from the driver, would report at least the driver's memory;
    the worker forked from this still small interpreter reports its own."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            import numpy as np

            g = {"solver": run_solver, "core": run_core, "quspin": run_quspin}[impl](nb, beta)
            np.savez(out, g=np.zeros(0) if g is None else g, note="" if g is not None else OPTION_MISSING)
        except BaseException:  # noqa: BLE001 - the forked worker reports any failure and never returns
            import traceback

            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status, usage = os.wait4(pid, 0)
    print(f"peak_mb {usage.ru_maxrss / 1024.0}")
    return os.waitstatus_to_exitcode(status)


def run_child(impl: str, nb: int, beta: float, out: str) -> tuple[float, float, str]:
    """One implementation in a fresh process: (wall seconds, peak MB, note); G saved to ``out``."""
    import subprocess
    import time

    # The module is imported (from its compiled bytecode, see main), not run as a script.
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); import bench_peers; "
            f"sys.exit(bench_peers.run_case({impl!r}, {nb}, float({str(beta)!r}), {out!r}))")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(),
                          check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["(no message)"]
        raise RuntimeError(f"{impl} Nb={nb} beta={beta} failed: {lines[-1]}")
    import numpy as np

    with np.load(out) as data:
        note = str(data["note"])
    return wall, float(proc.stdout.strip().splitlines()[-1].removeprefix("peak_mb ")), note


def _fmt(x, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def _compile_bytecode() -> None:
    """Byte-compile this script and the package, as an installation does (an environment with
    PYTHONDONTWRITEBYTECODE would otherwise recompile them in every timed process; QuSpin, numpy
    and scipy come compiled from their wheels)."""
    import compileall

    import triqs_mlsolver

    for path in (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(triqs_mlsolver.__file__)):
        compileall.compile_dir(path, quiet=1)


def main(argv=None) -> int:
    import argparse
    import json
    import pathlib
    import statistics
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="processes per implementation and row (median quoted)")
    parser.add_argument("--rows", nargs="+", metavar="NB:BETA", help="rows to run, e.g. 6:50 10:inf (default: all)")
    parser.add_argument("--quick", action="store_true", help="only Nb = 6, beta = 50, one repetition")
    parser.add_argument("--json", metavar="PATH", help="write the raw numbers to PATH")
    args = parser.parse_args(argv)

    rows = [(int(nb), float(beta)) for nb, beta in (r.split(":") for r in args.rows)] if args.rows else ROWS
    repeat = args.repeat
    if args.quick:
        rows, repeat = ROWS[:1], 1
    impls = list(IMPLS)
    _compile_bytecode()
    try:
        import quspin  # noqa: F401
    except ImportError as err:
        print(f"QuSpin not importable ({err}): QuSpin columns skipped (pip install quspin).")
        impls.remove("quspin")

    import numpy as np
    import scipy

    from triqs_mlsolver import __version__

    qs = f", quspin {sys.modules['quspin'].__version__}" if "quspin" in impls else ""
    print(f"triqs_mlsolver {__version__}, numpy {np.__version__}, scipy {scipy.__version__}{qs}, "
          f"{os.cpu_count()} CPU(s), one thread per process, median of {repeat} process(es)\n")
    cols = ["Nb", "beta"] + [f"{NAMES[i]} [{unit}]" for i in impls for unit in ("s", "MB")]
    if "quspin" in impls:
        cols += ["QuSpin/Solver", "QuSpin/core", "max\\|G_core - G_qs\\|", "max\\|G_solver - G_qs\\|"]
    print("| " + " | ".join(cols) + " |\n" + "|---" * len(cols) + "|", flush=True)

    raw, mismatches = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for nb, beta in rows:
            rec = {"nb": nb, "beta": "inf" if math.isinf(beta) else beta, "note": {i: "" for i in impls},
                   "wall_s": {i: [] for i in impls}, "peak_mb": {i: [] for i in impls}}
            for _ in range(repeat):
                for impl in impls:
                    if rec["note"][impl]:
                        continue
                    wall, peak, note = run_child(impl, nb, beta, str(pathlib.Path(tmp) / f"{impl}.npz"))
                    rec["wall_s"][impl].append(wall)
                    rec["peak_mb"][impl].append(peak)
                    rec["note"][impl] = note
            g = {}
            for impl in impls:
                with np.load(pathlib.Path(tmp) / f"{impl}.npz") as data:
                    g[impl] = None if rec["note"][impl] else data["g"]
            t = {i: None if rec["note"][i] else statistics.median(rec["wall_s"][i]) for i in impls}
            m = {i: None if rec["note"][i] else statistics.median(rec["peak_mb"][i]) for i in impls}
            cells = [f"{nb}", "T=0" if math.isinf(beta) else f"{beta:g}"]
            for i in impls:
                cells += [rec["note"][i], ""] if rec["note"][i] else [f"{t[i]:.2f}", f"{m[i]:.0f}"]
            if "quspin" in impls:
                diff = {i: None if g[i] is None else float(abs(g[i] - g["quspin"]).max()) for i in ("core", "solver")}
                ratio = {i: None if t[i] is None else t["quspin"] / t[i] for i in ("solver", "core")}
                rec["max_diff_vs_quspin"] = diff
                if diff["core"] > 1e-9:
                    mismatches.append(f"Nb = {nb}, beta = {beta}: max |G_core - G_qs| = {diff['core']:.1e} > 1e-9")
                cells += [_fmt(ratio["solver"], ".1f"), _fmt(ratio["core"], ".1f"),
                          _fmt(diff["core"], ".1e"), _fmt(diff["solver"], ".1e")]
            print("| " + " | ".join(cells) + " |", flush=True)
            raw.append(rec)
    for line in mismatches:
        print("WARNING:", line)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(raw, indent=1))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
