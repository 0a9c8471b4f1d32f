"""Dataset generation throughput: samples/s at 1 and 2 MPI ranks, parallel efficiency, time per solver.

    python benchmarks/bench_generate.py                    # 24 samples of the training distribution, Nb_ref = 7
    python benchmarks/bench_generate.py --samples 64 --ranks 1 2 4 --family kondo --config datasets/kondo.toml

The configuration is the chosen family of a dataset recipe (default: the random family of
datasets/train.toml) with ``count = --samples``; every rank count makes the same samples (the
files are compared).  Each run is ``mpiexec -n R triqs-mlsolver generate`` into a fresh file,
one thread per rank.  Efficiency = rate(R) / (R rate(1)).  The time shares come from the
per-sample timings stored in the 1-rank file.  "busy" is the fraction of the elapsed time the
ranks spent computing (the rest is waiting and writing); "CPU share" is the CPU time the ranks
got per elapsed second (below 1 when other processes share the cores), and "eff. at full CPU"
divides the efficiency by it, an estimate of the efficiency on idle cores.  "work/sample" is the
busy time per sample relative to the first rank count: above 1 when the ranks slow each other down
(shared cache and memory bandwidth), so that efficiency ~ busy / (work/sample).  "peak MiB" is the
largest resident set of any process so far (a rank, for MPI runs).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = pathlib.Path(__file__).resolve().parents[1]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items() if v is not None) + " }"


def _toml(table: dict, prefix: str = "") -> str:
    """A TOML document for nested dicts of plain values (None entries are left out: their defaults)."""
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and v is not None}
    lines = [f"[{prefix}]"] if prefix and scalars else []
    lines += [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]
    for k, v in table.items():
        if isinstance(v, dict):
            inline = all(not isinstance(x, dict) for x in v.values()) and k in ("ed", "fit", "options")
            if inline or any(isinstance(x, dict) and "dist" in x for x in [v]):
                lines.append(f"{k} = {_toml_value(v)}")
            else:
                lines.append(_toml(v, f"{prefix}.{k}" if prefix else k))
    return "\n".join(lines)


def _config(args, folder: pathlib.Path) -> pathlib.Path:
    with open(args.config, "rb") as f:
        table = tomllib.load(f)
    family = dict(table["families"][args.family])
    family["count"] = args.samples
    table["families"] = {args.family: family}
    table.setdefault("reference", {})["n_bath"] = args.nb
    path = folder / "bench.toml"
    path.write_text(_toml(table) + "\n")
    return path


def _run(ranks: int, config: pathlib.Path, out: pathlib.Path) -> dict:
    venv_bin = pathlib.Path(sys.executable).parent
    mpiexec = venv_bin / "mpiexec"
    command = [str(mpiexec), "-n", str(ranks), sys.executable, "-c",
               "import sys; from triqs_mlsolver.cli import main; sys.exit(main())",
               "generate", str(config), "--out", str(out), "--quiet"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"generation with {ranks} rank(s) failed:\n{done.stderr}")
    m = re.search(r"wrote (\d+) samples .* in ([\d.]+) s, .* busy seconds per rank: ([\d. ]+); "
                  r"CPU seconds per rank: ([\d. ]+)", done.stdout)
    busy = [float(x) for x in m.group(3).split()]
    cpu = [float(x) for x in m.group(4).split()]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # MiB, largest process so far
    return {"samples": int(m.group(1)), "elapsed": float(m.group(2)), "wall": wall, "busy": busy, "cpu": cpu,
            "peak_mib": peak}


def _shares(path: pathlib.Path) -> list[tuple[str, float, float]]:
    with h5py.File(path, "r") as f:
        done = f["status"][...] == 1
        total = f["samples/time"][...][done]
        rows = [("reference ED", f["reference/time"][...][done])]
        rows += [(name, f[f"solvers/{name}/time"][...][done]) for name in json.loads(f.attrs["solvers"])]
    accounted = sum(t for _, t in rows)
    rows.append(("sampling + bookkeeping", total - accounted))
    return [(name, float(np.mean(t)), float(np.sum(t) / np.sum(total))) for name, t in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=24)
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--nb", type=int, default=7, help="reference bath sites Nb_ref")
    parser.add_argument("--config", default=str(REPO / "datasets" / "train.toml"))
    parser.add_argument("--family", default="random")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "test" / "python"))
    from data_helpers import differences

    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        config = _config(args, folder)
        results = {r: _run(r, config, folder / f"n{r}.h5") for r in args.ranks}
        base = args.ranks[0]
        same = all(not differences(folder / f"n{base}.h5", folder / f"n{r}.h5") for r in args.ranks[1:])
        shares = _shares(folder / f"n{base}.h5")

    print(f"dataset generation: {args.samples} samples of family '{args.family}' of {pathlib.Path(args.config).name}, "
          f"Nb_ref = {args.nb}, {os.cpu_count()} cores on this machine")
    print(f"{'ranks':>5} {'samples/s':>10} {'s/sample':>9} {'elapsed s':>10} {'wall s':>7} {'efficiency':>10} "
          f"{'busy':>5} {'work/sample':>11} {'CPU share':>9} {'eff. at full CPU':>16} {'peak MiB':>9}")
    base_res = results[base]
    rate1 = base_res["samples"] / base_res["elapsed"] / base
    share1 = sum(base_res["cpu"]) / (base * base_res["elapsed"])
    work1 = sum(base_res["busy"]) / base_res["samples"]
    for r, res in results.items():
        rate = res["samples"] / res["elapsed"]
        busy = sum(res["busy"]) / (r * res["elapsed"])
        share = sum(res["cpu"]) / (r * res["elapsed"])
        work = sum(res["busy"]) / res["samples"] / work1
        print(f"{r:>5} {rate:>10.3f} {1 / rate:>9.3f} {res['elapsed']:>10.1f} {res['wall']:>7.1f} {rate / (r * rate1):>10.2f} "
              f"{busy:>5.2f} {work:>11.2f} {share:>9.2f} {(rate / share) / (r * rate1 / share1):>16.2f} {res['peak_mib']:>9.0f}")
    print(f"files identical across rank counts: {same}")
    print(f"{'time per sample':<24} {'mean s':>8} {'share':>7}")
    for name, mean, share in shares:
        print(f"{name:<24} {mean:>8.3f} {share:>7.1%}")


if __name__ == "__main__":
    main()
