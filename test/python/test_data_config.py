"""The dataset configuration: every key validated, unknown keys rejected, the resolved form round-trips."""

from __future__ import annotations

import dataclasses
import json
import pathlib

import numpy as np
import pytest

from triqs_mlsolver.data import config as C
from triqs_mlsolver.data.distributions import Distribution, distribution
from triqs_mlsolver.errors import DatasetConfigError

DOC = pathlib.Path(__file__).resolve().parents[2] / "doc" / "datasets.md"


def _cfg(**families):
    return {"seed": 1, "families": families or {"random": {"count": 4}}}


def test_minimal_configuration_resolves_every_default():
    cfg = C.parse_config(_cfg(random={"count": 3}, bethe={"U": [1.0, 2.0], "beta": [10.0], "n_iterations": 2},
                              kondo={"count": 5}))
    assert cfg.n_samples == 3 + 2 * 1 * 1 * 2 * 2 + 5
    assert cfg.family_ranges() == {"random": range(0, 3), "bethe": range(3, 11), "kondo": range(11, 16)}
    assert [s.name for s in cfg.solvers] == list(C.DEFAULT_SOLVERS)
    assert cfg.reference.n_bath == 7 and cfg.reference.ed.n_states_max == 20000
    resolved = json.loads(cfg.to_json())
    assert resolved["families"]["random"]["beta"] == {"dist": "loguniform", "low": 10.0, "high": 100.0}
    assert resolved["solvers"]["ed_nb2"] == {"method": "ed", "options": resolved["solvers"]["ed_nb2"]["options"]}


def test_resolved_configuration_round_trips_to_the_same_digest():
    cfg = C.parse_config(_cfg(random={"count": 3, "U": {"dist": "choice", "values": [1, 2]}}, kondo={"count": 2}))
    again = C.parse_config(json.loads(cfg.to_json()))
    assert again.digest() == cfg.digest() and again.to_json() == cfg.to_json()
    changed = C.parse_config(_cfg(random={"count": 3, "U": {"dist": "choice", "values": [1, 3]}}, kondo={"count": 2}))
    assert changed.digest() != cfg.digest()


@pytest.mark.parametrize(
    "table, words",
    [
        ({"seeds": 1}, ["unknown key(s) ['seeds']", "allowed are ['seed'"]),
        (_cfg(random={"count": 4, "foo": 1}), ["unknown key(s) ['foo'] in [families.random]", "'weight_alpha'"]),
        (_cfg(random={"count": -1}), ["[families.random]", "count = -1", "0 <= count"]),
        (_cfg(random={"count": 4, "U": {"dist": "uniform", "low": -1, "high": 2}}), ["U = -1.0", "0 <= U"]),
        (_cfg(random={"count": 4, "beta": {"dist": "loguniform", "low": 0, "high": 2}}), ["low = 0", "low > 0"]),
        (_cfg(random={"count": 4, "beta": {"dist": "uniform", "low": 3}}), ["takes the keys ['high', 'low']"]),
        (_cfg(random={"count": 4, "beta": {"dist": "normal", "value": 3}}), ["dist = 'normal'"]),
        (_cfg(random={"count": 4, "level": 2.5}), ["level = 2.5", "0 < level < 2"]),
        (_cfg(random={"count": 4, "mirror": "yes"}), ["mirror = 'yes'", "'pairs'"]),
        (_cfg(random={"count": 4, "symmetric_fraction": 1.5}), ["symmetric_fraction = 1.5", "<= 1"]),
        (_cfg(bethe={"starts": ["hot"]}), ["starts = 'hot'", "'metal'"]),
        (_cfg(bethe={"U": []}), ["U = []", "non-empty list"]),
        (_cfg(bethe={"fit": {"n_restart": 3}}), ["unknown key(s) ['n_restart'] in fit"]),
        (_cfg(bethe={"mixing": 0.0}), ["mixing = 0.0", "0 < mixing <= 1"]),
        (_cfg(kondo={"count": 2, "Lambda": 1.0}), ["Lambda = 1.0", "1 < Lambda"]),
        (_cfg(kondo={"count": 2, "temperature": 0.0}), ["temperature = 0.0", "0 < temperature"]),
        ({**_cfg(), "families": {"kondo": {"count": 2}, "hubbard": {}}}, ["unknown famil(ies) ['hubbard']"]),
        ({**_cfg(), "output": {"n_tau_solve": 1000}}, ["n_tau_solve = 1000", "multiple of (n_tau - 1) = 200"]),
        ({**_cfg(), "output": {"n_iw": 64, "n_iw_solve": 32}}, ["n_iw_solve = 32", "64 <= n_iw_solve"]),
        ({**_cfg(), "output": {"w_min": 1.0, "w_max": 1.0}}, ["w_max = 1.0"]),
        ({**_cfg(), "reference": {"n_bath": 12}}, ["n_bath = 12", "1 <= n_bath <= 11"]),
        ({**_cfg(), "reference": {"ed": {"bogus": 1}}}, ["[reference]", "unknown option(s) ['bogus']"]),
        ({**_cfg(), "reference": {"ed": {"boltzmann_cutoff": 2.0}}}, ["boltzmann_cutoff = 2.0"]),
        ({**_cfg(), "solvers": {"x": {"method": "dmrg"}}}, ["[solvers.x]", "method = 'dmrg'"]),
        ({**_cfg(), "solvers": {"x": {"method": "ipt", "options": {"tol": 1}}}}, ["unknown option(s) ['tol']"]),
        ({**_cfg(), "solvers": {"x": {"method": "ipt", "colour": 1}}}, ["unknown key(s) ['colour'] in [solvers.x]"]),
        ({**_cfg(), "solvers": {"1x": {"method": "ipt"}}}, ["solver name '1x' is invalid"]),
        ({"seed": 1, "families": {"random": {"count": 0}}}, ["has no samples"]),
        ({"seed": -3, "families": {"random": {"count": 1}}}, ["seed = -3"]),
    ],
)
def test_bad_configuration_raises_naming_key_value_and_bound(table, words):
    with pytest.raises(DatasetConfigError) as info:
        C.parse_config(table)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_load_config_errors(tmp_path):
    with pytest.raises(DatasetConfigError, match="does not exist"):
        C.load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = = 3\n")
    with pytest.raises(DatasetConfigError, match="not valid TOML"):
        C.load_config(bad)


def test_distributions_draw_one_number_each_and_stay_in_support(rng):
    dists = [distribution("x", 2.5), distribution("x", {"dist": "uniform", "low": -1, "high": 3}),
             distribution("x", {"dist": "loguniform", "low": 0.01, "high": 10}),
             distribution("x", {"dist": "choice", "values": [1, 4, 9]})]
    for d in dists:
        a, b = np.random.default_rng(5), np.random.default_rng(5)
        values = [d.sample(a) for _ in range(200)]
        b.random(200)
        assert a.random() == b.random()  # exactly one uniform number per draw
        lo, hi = d.support()
        assert lo <= min(values) and max(values) <= hi
        assert distribution("x", d.to_json()) == d
    logs = np.log10([dists[2].sample(rng) for _ in range(4000)])
    assert abs(np.mean(logs) + 0.5) < 0.05 and abs(np.std(logs) - 3 / 12**0.5) < 0.05  # log10 uniform on [-2, 1]
    assert set(dists[3].sample(rng) for _ in range(100)) == {1.0, 4.0, 9.0}


def test_every_configuration_key_is_documented():
    text = DOC.read_text()
    sections = [C.OutputConfig, C.ReferenceConfig, C.SolverSpec, C.RandomFamily, C.BetheFamily, C.KondoFamily,
                C.DatasetConfig]
    for cls in sections:
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} has no doc"
            assert f"`{f.name}`" in text, f"{cls.__name__}.{f.name} is missing from doc/datasets.md"
    assert Distribution.__doc__
