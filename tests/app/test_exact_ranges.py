"""``range()`` sweeps give exact decimals (``hydra_plugins/negsim_batch_sweeper/exact_ranges.py``):
``range(0,1.01,0.1)`` names its points, records its overrides and fills its table with
``0.7``, not Hydra's ``0.7000000000000001``, on the batch path and the basic sweeper's."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hydra_plugins.negsim_batch_sweeper.exact_ranges import exact_override, exact_params, range_values


@pytest.mark.parametrize("args, expected", [
    ((0, 1.01, 0.1), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
    ((0.1, 0.35, 0.1), [0.1, 0.2, 0.3]),
    ((0, 1, 0.1), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),  # the stop is left out, exactly
    ((1, 0, -0.3), [1.0, 0.7, 0.4, 0.1]),
    ((0.0, 4.01, 1.25), [0.0, 1.25, 2.5, 3.75]),
    ((2, 8, 3), [2, 5]),
    ((1, 0, 0.1), []),
], ids=str)
def test_range_values_are_the_decimals_as_written(args, expected):
    values = range_values(*args)
    assert values == expected
    assert [type(v) for v in values] == [type(e) for e in expected]


def test_a_zero_step_is_refused():
    with pytest.raises(ValueError, match=r"^Invalid range values \(start:0, stop:1, step:0.0\)$"):
        range_values(0, 1, 0.0)


@given(st.integers(-1000, 1000), st.integers(1, 1000), st.integers(1, 40), st.integers(0, 3))
def test_every_value_has_no_more_places_than_start_and_step(start, step, count, places):
    """``start + k * step`` for numbers of ``places`` decimals prints with at most that many."""
    scale = Decimal(10) ** -places
    first, by = Decimal(start) * scale, Decimal(step) * scale
    values = range_values(float(first), float(first + count * by), float(by))
    assert len(values) == count
    for k, v in enumerate(values):
        assert Decimal(repr(v)) == first + k * by
        assert -Decimal(repr(v)).normalize().as_tuple().exponent <= max(places, 1)


@pytest.mark.parametrize("text, expected", [
    ("mediator.verification=range(0.6,0.81,0.1)", "mediator.verification=choice(0.6,0.7,0.8)"),
    ("+x=shuffle(range(0.1,0.35,0.1))", "+x=shuffle(0.1,0.2,0.3)"),
    ("seed=range(1,3)", "seed=choice(1,2)"),
    ("mediator.verification=0,0.5", "mediator.verification=0,0.5"),
    ("mediator.verification=range(1,0,0.1)", "mediator.verification=range(1,0,0.1)"),  # empty: Hydra says so
    ("mediator.verification=range(0,1,0)", "mediator.verification=range(0,1,0)"),
    ("broken=range(", "broken=range("),
])
def test_exact_override_rewrites_only_range_sweeps(text, expected):
    assert exact_override(text) == expected


def test_exact_params_rewrites_the_sweepers_params():
    assert exact_params({"a": "range(0.1, 0.35, 0.1)", "b": "0,1"}) == {"a": "choice(0.1,0.2,0.3)", "b": "0,1"}


def _sweep_values(sweep: Path, key: str) -> tuple[set[str], set[str], list[str]]:
    """The value of ``key`` in each point's folder name, in each point's recorded overrides,
    and in the table's column, of the sweep in ``sweep``."""
    folders = {p.name.partition(f"{key}=")[2].split(",")[0].rsplit("-", 1)[0] for p in (sweep / "points").iterdir()}
    recorded = set()
    for path in (sweep / "points").glob("*/metrics.json"):
        recorded |= {o.partition("=")[2] for o in json.loads(path.read_text())["overrides"] if o.startswith(f"{key}=")}
    with open(sweep / "table.csv", newline="") as fh:
        column = [row[key] for row in csv.DictReader(fh)]
    return folders, recorded, column


TENTHS = [f"{k / 10:.1f}" for k in range(11)]
#: A user's experiment sweeping a range by ``hydra.sweeper.params`` (Hydra: 0.30000000000000004).
EXPERIMENT = """# @package _global_
hydra:
  mode: MULTIRUN
  sweeper:
    params:
      mediator.transfer_pledge: range(0.1, 0.35, 0.1)
"""


@pytest.mark.parametrize("args, key, expected", [
    pytest.param(["-m", "mediator.verification=range(0,1.01,0.1)"], "mediator.verification", TENTHS, id="batch"),
    pytest.param(["-m", "mediator.verification=range(0.6,0.75,0.1)", "hydra.sweeper.batch=false"],
                 "mediator.verification", ["0.6", "0.7"], id="basic"),
    pytest.param(["--config-dir", "mine", "experiment=tenths"], "mediator.transfer_pledge", ["0.1", "0.2", "0.3"],
                 id="sweeper-params"),
])
def test_a_range_sweep_names_records_and_tables_exact_decimals(args, key, expected, tmp_path, negsim_cli):
    (tmp_path / "mine" / "experiment").mkdir(parents=True)
    (tmp_path / "mine" / "experiment" / "tenths.yaml").write_text(EXPERIMENT)
    sweep = tmp_path / "sweep"
    code, _, err = negsim_cli([*args, "rollout.runs=0", f"hydra.sweep.dir={sweep}"], tmp_path)
    assert code == 0, err
    folders, recorded, column = _sweep_values(sweep, key)
    assert folders == recorded == set(expected)
    assert sorted(column, key=float) == expected
