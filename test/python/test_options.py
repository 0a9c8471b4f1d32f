"""The one way to declare options (_options.py): documented fields, validators, unknown keys refused."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from triqs_mlsolver._options import Options, choice, integer, option, option_docs, optional, positive, real
from triqs_mlsolver._validation import float_in_range, int_in_range
from triqs_mlsolver.bath import BathFitOptions
from triqs_mlsolver.data.config import OutputConfig
from triqs_mlsolver.dmft.bethe import BetheParameters
from triqs_mlsolver.ed import EDOptions
from triqs_mlsolver.errors import DatasetConfigError, InvalidParameterError
from triqs_mlsolver.solvers.ed import EDSolverOptions
from triqs_mlsolver.solvers.hubbard_i import HubbardIOptions
from triqs_mlsolver.solvers.ipt import IPTOptions


@dataclass(frozen=True)
class _Demo(Options):
    """Options of a test."""

    n: int = option("a count", 3, check=integer(1, 10))
    x: float = option("a positive number", 1.0, check=positive())
    mode: str = option("a mode", "a", check=choice(("a", "b")))
    w: float | None = option("None or a number in [0, 1)", None, check=optional(real(0.0, 1.0, open_hi=True)))

    def _check(self) -> None:
        if self.mode == "b" and self.n < 2:
            raise self.error("mode = 'b' needs n >= 2.")


@dataclass(frozen=True)
class _Section(_Demo):
    error = DatasetConfigError


def test_fields_are_validated_and_cleaned():
    d = _Demo(n=4, x=2, w=0.5)
    assert (d.n, d.x, d.w) == (4, 2.0, 0.5) and isinstance(d.x, float)
    with pytest.raises(InvalidParameterError, match=r"n = 0 is invalid: allowed is 1 <= n <= 10\."):
        _Demo(n=0)
    with pytest.raises(InvalidParameterError, match=r"w = 1.0 is invalid: allowed is 0 <= w < 1\."):
        _Demo(w=1.0)
    with pytest.raises(InvalidParameterError, match="mode = 'c' is invalid: allowed is one of \\['a', 'b'\\]"):
        _Demo(mode="c")
    with pytest.raises(InvalidParameterError, match="needs n >= 2"):
        _Demo(mode="b", n=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.n = 5


def test_unknown_keys_are_refused_naming_the_allowed_ones():
    with pytest.raises(InvalidParameterError, match=r"unknown option\(s\) \['m'\] for demo: allowed are \['n', 'x', 'mode', 'w'\]"):
        _Demo.from_kwargs({"m": 1}, "for demo")
    with pytest.raises(DatasetConfigError, match=r"unknown key\(s\) \['m'\] in \[sec\]"):
        _Section.from_table({"m": 1}, "sec")
    assert _Demo.from_kwargs({"n": 2}, "for demo") == _Demo(n=2)
    assert _Section.from_table(None, "sec") == _Section()


def test_table_errors_carry_the_section_path_and_the_error_class():
    with pytest.raises(DatasetConfigError, match=r"^\[sec\] x = -1 is invalid: allowed is 0 < x < inf\."):
        _Section.from_table({"x": -1}, "sec")
    with pytest.raises(DatasetConfigError, match="must be a table"):
        _Section.from_table([1], "sec")


def test_validators_take_the_error_class():
    assert issubclass(DatasetConfigError, InvalidParameterError)
    with pytest.raises(DatasetConfigError, match="k = 5 is invalid: allowed is 0 <= k <= 3"):
        int_in_range("k", 5, 0, 3, error=DatasetConfigError)
    with pytest.raises(DatasetConfigError, match="0 < t <= 1"):
        float_in_range("t", 0.0, 0.0, 1.0, open_lo=True, error=DatasetConfigError)


@pytest.mark.parametrize("cls", [EDOptions, EDSolverOptions, HubbardIOptions, IPTOptions, BathFitOptions,
                                 BetheParameters, OutputConfig])
def test_every_options_class_is_declared_the_one_way(cls):
    assert issubclass(cls, Options)
    docs = option_docs(cls)
    assert docs and all(docs.values()), cls
    assert cls.from_kwargs({}, "here") == cls()
    with pytest.raises(InvalidParameterError, match=r"unknown option\(s\) \['bogus'\]"):
        cls.from_kwargs({"bogus": 1}, "here")
