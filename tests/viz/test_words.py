"""Words for readers (negsim.viz.words): scenario titles, config keys with units, metrics."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import typing

import pytest
from conftest import shipped_config

import negsim
from negsim.model.scenario import MEDIATOR_KNOBS
from negsim.model.schema import RolloutSpec, SolverSpec, UncertaintySpec
from negsim.studies.pipeline import build_point
from negsim.studies.uncertainty import parameter_space
from negsim.viz.words import (
    axis_label,
    canonical_key,
    metric_label,
    player_name,
    readable,
    scenario_title,
    setting_text,
    term,
    unit_note,
)


def known(key: str) -> bool:
    """Whether ``key`` has words of its own (the fallback puts the key itself in the unit)."""
    return term(key).unit != key


def numeric_fields(spec: type) -> list[str]:
    """The fields of a config spec a sweep can set to a number (int or float, optional or not)."""
    hints = typing.get_type_hints(spec)
    return [f.name for f in dataclasses.fields(spec)
            if set(typing.get_args(hints[f.name]) or (hints[f.name],)) - {type(None)} <= {int, float}]


def test_every_shipped_scenario_gets_its_own_title_in_words():
    names = negsim.available_scenarios()
    assert len(names) >= 3
    for name in names:
        title = scenario_title(name)
        assert title == negsim.load_scenario(name).title
        assert "_" not in title and title != name
    assert scenario_title("istanbul_round3") == "Istanbul talks, round three"
    assert scenario_title("doha_round") == "Doha ceasefire talks"


def test_a_scenario_without_a_title_gets_a_readable_one(tmp_path):
    assert scenario_title("kabul_round4") == "Kabul round four"  # not shipped: its name in words
    untitled = tmp_path / "scenario" / "my_round2.yaml"
    untitled.parent.mkdir()
    untitled.write_text("name: my_round2\n")
    assert scenario_title(str(untitled)) == "My round two"
    titled = tmp_path / "scenario" / "mine.yaml"
    titled.write_text("name: mine\ntitle: 'Muscat talks, round one'\n")
    assert scenario_title(str(titled)) == "Muscat talks, round one"


@pytest.mark.parametrize(("identifier", "words"), [
    ("istanbul_round3", "Istanbul round three"),
    ("doha_round", "Doha round"),
    ("round12_extra", "Round 12 extra"),
    ("rollout.new_knob", "Rollout new knob"),
])
def test_readable(identifier, words):
    assert readable(identifier) == words


def test_axis_labels_of_the_mediator_knobs_name_their_units():
    assert axis_label("mediator.verification") == "Verification on offer (quality of the mechanism, 0 none to 1 full)"
    assert axis_label("mediator.transfer_pledge") == (
        "Transfer paid on the pledge with confidence-building (payoff units)")
    assert axis_label("mediator.transfer_compliance") == (
        "Transfer to Kabul per day the ceasefire holds (daily ceasefire payoff units)")
    assert axis_label("verification") == axis_label("mediator.verification")  # a bare knob, as the threshold study names it
    assert unit_note("mediator.transfer_written") == (
        "Payoff unit: a sixth of what a written, verified guarantee is worth to Pakistan.")
    assert unit_note("mediator.verification") is None


def test_every_key_a_user_can_sweep_has_words():
    sc = negsim.load_scenario("istanbul_round2")
    keys = (
        [f"mediator.{k}" for k in MEDIATOR_KNOBS]
        + [f"rollout.{k}" for k in numeric_fields(RolloutSpec)]
        + [f"solver.{k}" for k in numeric_fields(SolverSpec)]
        + [f"uncertainty.{k}" for k in numeric_fields(UncertaintySpec)]
        + ["seed", "game.precision.value", "scenario.ceasefire_discount.value",
           "game.mechanism.unverified_share.value", "game.mechanism.sovereignty_effect.value"]
        + [f"scenario.weights.{p}.{f}.value" for p in sc.players for f in sc.feature_names]
    )
    assert "rollout.attack_rate" in keys and "solver.lam" in keys and "uncertainty.draws" in keys
    assert [k for k in keys if not known(k)] == []
    assert [k for k in keys if "_" in term(k).name] == []


def test_the_studies_input_names_have_words():
    point = build_point(shipped_config(rollout={"runs": 0}))
    sobol = [p.name for p in parameter_space(point)]
    tornado = [f"weight {p}.{f}" for p in point.scenario.players for f in point.scenario.feature_names]
    tornado += [f"rollout {k}" for k in vars(point.setup.params)]
    assert "mechanism.unverified_share" in sobol and "rollout tension_shape" in tornado
    assert [k for k in sobol + tornado if not known(k)] == []


def test_one_key_spelt_many_ways_is_one_term():
    spellings = ["weight PAK.escalation", "weights.PAK.escalation", "scenario.weights.PAK.escalation.value"]
    assert {canonical_key(k) for k in spellings} == {"weights.PAK.escalation"}
    assert term("weight AFG.border_open").name == "Kabul's weight on open border crossings"
    assert term("rollout tension_shape") == term("rollout.tension_shape")
    assert canonical_key("game.precision.value") == "precision"
    assert player_name("PAK") == "Pakistan" and player_name("XYZ") == "XYZ"


def test_an_unknown_key_falls_back_to_a_readable_label():
    assert axis_label("rollout.new_knob") == "New knob (rollout.new_knob)"
    assert axis_label("weights.PAK.new_feature") == (
        "Pakistan's weight on new feature (payoff units per unit of the feature)")


def test_settings_and_metrics_in_words():
    assert setting_text("transfer_written", 5) == "written-guarantee transfer: 5 (payoff units)"
    assert setting_text("mediator.verification", 0.25) == (
        "verification on offer: 0.25 (quality of the mechanism, 0 none to 1 full)")
    assert metric_label("p_breakdown", 180) == "P(ceasefire breaks down within 180 days)"
    assert metric_label("p_breakdown") == "P(ceasefire breaks down by the horizon)"
    assert metric_label("p_open_war", 30) == "P(open war on day 30)"
    assert metric_label("p_breakdown_q95", 30) == (
        "P(ceasefire breaks down within 30 days), 95th percentile over the judgement calls")
    assert metric_label("p_something_new") == "P something new"


def test_the_words_load_no_matplotlib():
    code = "import sys, negsim.viz.words; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"
