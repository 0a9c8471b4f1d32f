"""What a TRIQS user does with the package, in an environment with real TRIQS (never mocked; skipped without it).

* ``examples/bethe_dmft.py`` with TRIQS's own imports gives the numbers it gives with the lean objects;
* an ``h_int`` built by ``triqs.operators.util.hamiltonians`` (Kanamori, Slater) is accepted by the Solver;
* the Solver's results (TRIQS ``BlockGf``) written into TRIQS's ``h5.HDFArchive`` read back without TRIQS;
* a triqs_hubbardI script with our Solver in place of ``triqs_hubbardI.Solver`` gives triqs_hubbardI's G_iw,
  G_tau and G_l (skipped without triqs_hubbardI).

"Without TRIQS" is a subprocess in which ``import triqs`` fails (:data:`conftest.HIDE_TRIQS`).
"""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import HIDE_TRIQS, REPO, requires_triqs

from triqs_mlsolver import Solver, triqs_compat
from triqs_mlsolver.archive import HDFArchive as LeanArchive

pytestmark = requires_triqs

requires_triqs_hubbardI = pytest.mark.skipif(
    importlib.util.find_spec("triqs_hubbardI") is None, reason="triqs_hubbardI is not installed"
)


def _python(code: str, *args, hide_triqs: bool) -> str:
    """Run ``code`` in a fresh interpreter (TRIQS hidden or not); its stdout."""
    source = (HIDE_TRIQS + "\n" if hide_triqs else "") + code
    done = subprocess.run([sys.executable, "-c", source, *map(str, args)], capture_output=True, text=True, check=False,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


# ----------------------------------------------------------------------------- the example

EXAMPLE = REPO / "examples" / "bethe_dmft.py"

RUN_EXAMPLE = textwrap.dedent(
    """
    import runpy, sys
    example, method, out = sys.argv[1:4]
    sys.argv = [example, "--U", "2.0", "--beta", "20", "--n-loops", "4", "--n-iw", "128", "--method", method,
                "--out", out]
    names = runpy.run_path(example, run_name="__main__")
    print("GF_MODULE", type(names["S"].G_iw).__module__)
    """
)


@pytest.mark.parametrize("method", ["ipt", "hubbard_i"])
def test_bethe_example_gives_the_same_numbers_with_triqs_as_without(tmp_path, method):
    runs = {}
    for hide in (False, True):
        out = tmp_path / f"{method}-{'lean' if hide else 'triqs'}.h5"
        stdout = _python(RUN_EXAMPLE, EXAMPLE, method, out, hide_triqs=hide)
        runs[hide] = out, stdout
    assert "GF_MODULE triqs.gf" in runs[False][1]  # the example used TRIQS's objects ...
    assert "GF_MODULE triqs_mlsolver.gf" in runs[True][1]  # ... and the lean ones where TRIQS is hidden
    z_line = [[line.split("; archive")[0] for line in stdout.splitlines() if "Z =" in line]
              for _, stdout in runs.values()]
    assert z_line[0] == z_line[1] and len(z_line[0]) == 1
    # both archives (one written by TRIQS's h5, one by the package) read with the package's reader
    with LeanArchive(runs[False][0], "r") as with_triqs, LeanArchive(runs[True][0], "r") as lean:
        assert sorted(with_triqs.keys()) == sorted(lean.keys())
        assert with_triqs["params"] == lean["params"]
        for key in [f"{what}-{k}" for what in ("G_iw", "Sigma_iw", "G_tau") for k in range(4)]:
            for name, g in lean[key]:
                assert with_triqs[key][name].mesh == g.mesh, key
                # the same operations in another order (TRIQS's Gf arithmetic or ours): round-off apart
                np.testing.assert_allclose(with_triqs[key][name].data, g.data, rtol=1e-11, atol=1e-12, err_msg=key)
        assert np.abs(lean["Sigma_iw-3"]["up"].data).max() > 0.1  # an interacting result, not zeros


# ----------------------------------------------------------------------------- descriptors on the user's Gfs

OWN_TRIQS_GF = textwrap.dedent(
    """
    import numpy as np
    {first}
    g = triqs.gf.Gf(mesh=triqs.gf.MeshImFreq(beta=10.0, S="Fermion", n_iw=16), target_shape=[2, 2])
    {before_use}
    g << inverse(iOmega_n - 0.5 - 0.25 * SemiCircular(1.0))
    print(repr(g.data[16, 0, 0]), repr(g.data[16, 0, 1]))
    """
)


@pytest.mark.parametrize("order", ["triqs first", "triqs_mlsolver first"])
def test_our_descriptors_fill_a_users_own_triqs_gf_without_a_solver(order):
    """A script that imports TRIQS first gets working descriptors from triqs_mlsolver.gf at once; one that imports
    triqs_mlsolver.gf first gets them once the package has looked for TRIQS (here: triqs_compat.have_triqs())."""
    first = {"triqs first": "import triqs.gf\nfrom triqs_mlsolver.gf import SemiCircular, iOmega_n, inverse",
             "triqs_mlsolver first": "from triqs_mlsolver.gf import SemiCircular, iOmega_n, inverse\nimport triqs.gf"}
    before_use = "" if order == "triqs first" else "from triqs_mlsolver import triqs_compat; triqs_compat.have_triqs()"
    stdout = _python(OWN_TRIQS_GF.format(first=first[order], before_use=before_use), hide_triqs=False)
    diagonal, off_diagonal = (complex(x) for x in stdout.split())
    # closed form: g(iw) = 2 / (z + sqrt(z - D) sqrt(z + D)) of the semicircle (D = 1); here 1/(iw - 0.5 - g/4)
    iw = 1j * np.pi / 10.0
    semicircle = 2.0 / (iw + np.sqrt(iw - 1.0) * np.sqrt(iw + 1.0))
    assert abs(diagonal - 1.0 / (iw - 0.5 - 0.25 * semicircle)) < 1e-14 and off_diagonal == 0


# ----------------------------------------------------------------------------- h_int from TRIQS


def _two_hamiltonians(kind: str):
    """(TRIQS's h_int, the package's h_int of the same parameters, n_orb)."""
    theirs = importlib.import_module("triqs.operators.util.hamiltonians")
    ours = importlib.import_module("triqs_mlsolver.hamiltonians")
    spins = ["up", "down"]
    if kind == "kanamori":
        U, Uprime = importlib.import_module("triqs.operators.util.U_matrix").U_matrix_kanamori(2, U_int=3.0, J_hund=0.7)
        parameters = {"U": U, "Uprime": Uprime, "J_hund": 0.7, "off_diag": True}
        return (theirs.h_int_kanamori(spins, 2, **parameters), ours.h_int_kanamori(spins, 2, **parameters), 2)
    their_U = importlib.import_module("triqs.operators.util.U_matrix").U_matrix_slater(l=1, U_int=3.0, J_hund=0.6)
    our_U = ours.U_matrix_slater(l=1, U_int=3.0, J_hund=0.6)
    np.testing.assert_allclose(their_U, our_U, atol=1e-14)
    return (theirs.h_int_slater(spins, 3, their_U, off_diag=True), ours.h_int_slater(spins, 3, our_U, off_diag=True),
            3)


@pytest.mark.filterwarnings("ignore:bath fit is poor")  # one bath site for two orbitals: a poor fit, as intended
@pytest.mark.parametrize("kind, method", [("kanamori", "hubbard_i"), ("slater", "hubbard_i"), ("kanamori", "ed")])
def test_h_int_from_triqs_hamiltonians_is_accepted(kind, method):
    """The Solver given TRIQS's Kanamori/Slater h_int gives what it gives for the package's own h_int; the two
    operators are equal term by term.  (ED of the 3-orbital Slater atom with bath sites: too large here.)"""
    from triqs.gf import SemiCircular, inverse, iOmega_n

    triqs_h, lean_h, n_orb = _two_hamiltonians(kind)
    assert triqs_compat.is_triqs_object(triqs_h)
    difference = triqs_compat.to_lean(triqs_h) - lean_h
    assert max((abs(coef) for _, coef in difference), default=0.0) < 1e-14
    levels = np.diag(np.linspace(-0.3, 0.3, n_orb)) + 0.05 * (np.ones((n_orb, n_orb)) - np.eye(n_orb))
    results = []
    for h_int in (triqs_h, lean_h):
        S = Solver(beta=10.0, gf_struct=[("up", n_orb), ("down", n_orb)], n_iw=64, n_tau=257, n_l=20)
        for _, g0 in S.G0_iw:
            g0 << inverse(iOmega_n + 1.2 * np.eye(n_orb) - levels - 0.25 * SemiCircular(1.0))
        options = {"n_bath": 1} if method == "ed" else {}
        S.solve(h_int=h_int, method=method, **options)
        results.append(S)
    for key in ("G_iw", "Sigma_iw", "G_tau"):
        for name, g in results[1].__getattribute__(key):
            np.testing.assert_allclose(getattr(results[0], key)[name].data, g.data, rtol=0, atol=1e-10, err_msg=key)
    assert np.abs(results[0].Sigma_iw["up"].data).max() > 0.1


# ----------------------------------------------------------------------------- archives

READ_WITHOUT_TRIQS = textwrap.dedent(
    """
    import sys
    import numpy as np
    from triqs_mlsolver import triqs_compat
    from triqs_mlsolver.archive import HDFArchive
    assert not triqs_compat.have_triqs()
    arrays = {}
    with HDFArchive(sys.argv[1], "r") as ar:
        for key in ("G_iw", "Sigma_iw", "G_tau", "G_l"):
            g = ar[key]
            print(key, type(g).__module__, g.block_names, repr(g.mesh))
            arrays.update({f"{key}/{name}": block.data for name, block in g})
    np.savez(sys.argv[2], **arrays)
    """
)


def test_results_written_into_a_triqs_archive_read_back_without_triqs(tmp_path):
    from h5 import HDFArchive
    from triqs.gf import SemiCircular, inverse, iOmega_n
    from triqs.operators import n

    S = Solver(beta=30.0, gf_struct=[("up", 1), ("down", 1)], n_iw=100, n_tau=1001, n_l=24)
    S.G0_iw << inverse(iOmega_n + 0.6 - 0.25 * SemiCircular(1.0))
    S.solve(h_int=2.0 * n("up", 0) * n("down", 0), method="ipt")
    keys = ("G_iw", "Sigma_iw", "G_tau", "G_l")
    assert all(type(getattr(S, key)).__module__.startswith("triqs.gf") for key in keys)
    path = tmp_path / "results.h5"
    with HDFArchive(str(path), "w") as ar:
        for key in keys:
            ar[key] = getattr(S, key)
    stdout = _python(READ_WITHOUT_TRIQS, path, tmp_path / "read.npz", hide_triqs=True)
    lines = {line.split()[0]: line for line in stdout.splitlines()}
    for key in keys:
        assert "triqs_mlsolver.gf" in lines[key] and "['up', 'down']" in lines[key]
        assert repr(triqs_compat.to_lean(getattr(S, key).mesh)) in lines[key]
    read = np.load(tmp_path / "read.npz")
    for key in keys:
        for name, g in getattr(S, key):
            assert np.array_equal(read[f"{key}/{name}"], g.data), (key, name)


# ----------------------------------------------------------------------------- triqs_hubbardI

HUBBARD_I_SCRIPT = """
import numpy as np
from triqs.gf import SemiCircular, iOmega_n, inverse
from triqs.operators import n
from triqs.operators.util.hamiltonians import h_int_kanamori
from triqs.operators.util.U_matrix import U_matrix_kanamori
{solver_import}

beta, mu = 40.0, {mu}
gf_struct = [("up", {n_orb}), ("down", {n_orb})]
levels = np.array({levels})
S = Solver(beta=beta, gf_struct=gf_struct, n_iw=200, n_tau=2001, n_l=30)
for name, g0 in S.G0_iw:
    g0 << inverse(iOmega_n + mu * np.eye({n_orb}) - levels - 0.3**2 * SemiCircular(1.0))
h_int = {h_int}
S.solve(h_int=h_int, calc_gtau=True, calc_gl=True{solve_extra})
"""

HUBBARD_I_CASES = {
    "one-orbital": {"n_orb": 1, "mu": 1.3, "levels": [[0.0]], "h_int": "3.0 * n('up', 0) * n('down', 0)"},
    "kanamori": {"n_orb": 2, "mu": 2.1, "levels": [[-0.2, 0.1], [0.1, 0.3]],
                 "h_int": "h_int_kanamori(['up', 'down'], 2, *U_matrix_kanamori(2, U_int=3.0, J_hund=0.7), J_hund=0.7, "
                          "off_diag=True)"},
}


def _run_hubbard_i_script(case: dict, ours: bool):
    if ours:
        imports, extra = "from triqs_mlsolver import Solver", ', method="hubbard_i", atomic_gf=True'
    else:
        imports, extra = "from triqs_hubbardI import Solver", ""
    names: dict = {}
    exec(HUBBARD_I_SCRIPT.format(solver_import=imports, solve_extra=extra, **case), names)  # noqa: S102
    return names["S"]


@requires_triqs_hubbardI
@pytest.mark.parametrize("case", sorted(HUBBARD_I_CASES))
def test_a_triqs_hubbardI_script_with_our_solver_gives_triqs_hubbardIs_results(case):
    theirs = _run_hubbard_i_script(HUBBARD_I_CASES[case], ours=False)
    ours = _run_hubbard_i_script(HUBBARD_I_CASES[case], ours=True)
    assert type(theirs).__module__.startswith("triqs_hubbardI")
    for key in ("G_iw", "G_tau", "G_l", "Sigma_iw"):
        for name, g in getattr(theirs, key):
            mine = getattr(ours, key)[name]
            assert triqs_compat.is_triqs_object(mine), key
            assert np.abs(mine.data - g.data).max() < 1e-10, (key, name, np.abs(mine.data - g.data).max())
    assert np.abs(theirs.G_iw["up"].data).max() > 0.1
