"""Dynamical mean-field theory loops: the Bethe lattice (semicircular density of states).

    from triqs_mlsolver.dmft import BetheParameters, solve_bethe, bethe_sweep, parse_grid, plot_sweep
    result = solve_bethe(2.0, BetheParameters(beta=100.0), method="ipt")       # one U
    sweep = bethe_sweep(parse_grid("0.5:4:0.25"), BetheParameters(beta=40.0),
                        methods=("ipt", "hubbard_i"), out="mott.h5")            # a Mott-transition sweep
    plot_sweep(sweep, "mott.png")

See ``doc/dmft.md`` for the loop, the observables and the archive layout.
"""

from __future__ import annotations

from .bethe import BetheParameters as BetheParameters
from .bethe import LOOP_CUTOFF_FRACTION as LOOP_CUTOFF_FRACTION
from .bethe import BetheResult as BetheResult
from .bethe import make_solver as make_solver
from .bethe import solve_bethe as solve_bethe
from .bethe import starting_gf as starting_gf
from .observables import double_occupancy as double_occupancy
from .observables import quasiparticle_weight as quasiparticle_weight
from .observables import spectral_weight_at_fermi_level as spectral_weight_at_fermi_level
from .plot import plot_sweep as plot_sweep
from .storage import read_input as read_input
from .storage import read_summary as read_summary
from .sweep import SweepResult as SweepResult
from .sweep import bethe_sweep as bethe_sweep
from .sweep import parse_grid as parse_grid
from .sweep import parse_methods as parse_methods
from .two_site import solve_two_site as solve_two_site

__all__ = [
    "BetheParameters",
    "LOOP_CUTOFF_FRACTION",
    "BetheResult",
    "make_solver",
    "solve_bethe",
    "solve_two_site",
    "starting_gf",
    "bethe_sweep",
    "SweepResult",
    "parse_grid",
    "parse_methods",
    "plot_sweep",
    "read_input",
    "read_summary",
    "quasiparticle_weight",
    "spectral_weight_at_fermi_level",
    "double_occupancy",
]
