"""DMFT of the half-filled Hubbard model on the Bethe lattice: the canonical TRIQS script.

The self-consistency of the Bethe lattice with half bandwidth D (hopping t = D/2) is
G0^-1(iw) = iw + mu - t^2 G(iw); at half filling mu = U/2.  This is the loop of the TRIQS
tutorials with triqs_mlsolver's Solver in place of cthyb.  It runs with TRIQS installed (then
the Green's functions, operators, archive and MPI are TRIQS's) and without it (the same names
from triqs_mlsolver): only the import block below differs.

    python examples/bethe_dmft.py --U 2.0 --beta 100 --method ipt
    mpiexec -n 2 python examples/bethe_dmft.py --method ed     # every rank runs, rank 0 writes
    triqs-mlsolver inspect bethe_dmft.h5
"""

import argparse

import numpy as np

try:  # TRIQS
    from triqs.gf import SemiCircular, iOmega_n, inverse
    from triqs.operators import n
    from h5 import HDFArchive
    import triqs.utility.mpi as mpi
except ImportError:  # no TRIQS: the same names from triqs_mlsolver
    from triqs_mlsolver.gf import SemiCircular, iOmega_n, inverse
    from triqs_mlsolver.operators import n
    from triqs_mlsolver import HDFArchive
    from triqs_mlsolver.parallel import world

    mpi = world()  # has rank, size, bcast and barrier like triqs.utility.mpi

from triqs_mlsolver import Solver

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--U", type=float, default=2.0, help="Hubbard interaction")
parser.add_argument("--beta", type=float, default=100.0, help="inverse temperature")
parser.add_argument("--method", default="ipt", help="impurity solver: ipt, ed, hubbard_i")
parser.add_argument("--n-loops", type=int, default=20, help="number of DMFT iterations")
parser.add_argument("--n-iw", type=int, default=1025, help="positive Matsubara frequencies")
parser.add_argument("--out", default="bethe_dmft.h5", help="archive written by rank 0")
args = parser.parse_args()

D = 1.0  # half bandwidth
t = D / 2  # hopping
U = args.U
mu = U / 2  # half filling

S = Solver(beta=args.beta, gf_struct=[("up", 1), ("down", 1)], n_iw=args.n_iw, n_tau=10001, n_l=40)
S.G_iw << SemiCircular(D)  # start from the non-interacting metal

if mpi.rank == 0:
    with HDFArchive(args.out, "w") as ar:
        ar["params"] = {"U": U, "beta": args.beta, "D": D, "mu": mu, "method": args.method}

for it in range(args.n_loops):
    g = 0.5 * (S.G_iw["up"] + S.G_iw["down"])  # paramagnetic
    for name, g0 in S.G0_iw:
        g0 << inverse(iOmega_n + mu - t**2 * g)
    S.solve(h_int=U * n("up", 0) * n("down", 0), method=args.method)
    if mpi.rank == 0:
        with HDFArchive(args.out, "a") as ar:
            ar["G_iw-%i" % it] = S.G_iw
            ar["Sigma_iw-%i" % it] = S.Sigma_iw
            ar["G_tau-%i" % it] = S.G_tau

sigma0 = S.Sigma_iw["up"].data[args.n_iw, 0, 0]  # Sigma(i w_0), w_0 = pi / beta
Z = 1 / (1 - sigma0.imag / (np.pi / args.beta))
if mpi.rank == 0:
    print(f"U = {U:g}, beta = {args.beta:g}, {args.method}: Z = {Z:.4f} after {args.n_loops} iterations; "
          f"archive {args.out}")
