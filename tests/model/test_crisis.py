"""Tests for the crisis game: config validation, the tree, its equilibria and their sanity."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from omegaconf import OmegaConf

from negsim.equilibrium import verified
from negsim.errors import ConfigError, SolverError
from negsim.games.extensive import behavior_to_mixed, reduced_strategic_form
from negsim.io.configs import config_dir
from negsim.io.efg import read_efg, write_efg
from negsim.model.crisis import (
    OUTCOMES,
    build_crisis_spec,
    crisis_game,
    expected_escalation,
    infoset_key,
    load_crisis_spec,
    type_behavior,
)
from negsim.model.scenario import available_scenarios, load_scenario
from negsim.solvers.backward_induction import solve_extensive

SCENARIOS = ("doha_round", "istanbul_round2", "istanbul_round3")


@pytest.fixture(scope="module")
def spec():
    return load_crisis_spec()


@pytest.fixture(scope="module")
def solved(spec):
    """Each shipped scenario's crisis game and its equilibria."""
    out = {}
    for name in SCENARIOS:
        game = crisis_game(load_scenario(name), spec)
        out[name] = (game, solve_extensive(game))
    return out


def raw_config() -> dict:
    return OmegaConf.to_container(OmegaConf.load(config_dir() / "game" / "crisis.yaml"))


# --------------------------------------------------------------------------- config


def test_shipped_scenarios_are_the_ones_tested():
    assert set(SCENARIOS) <= set(available_scenarios())


def test_spec_loads_with_sources(spec):
    assert spec.players == ("PAK", "AFG")
    assert spec.types == (("resolved", "irresolute"), ("resolved", "irresolute"))
    for p in (0, 1):
        assert np.isclose(spec.priors[p].sum(), 1.0)
        assert all(src for src in spec.prior_sources[p])
        assert all(src for shifts in spec.shift_sources[p] for src in shifts.values())
    assert set(spec.outcomes) == set(OUTCOMES) and all(spec.sources[leaf] for leaf in OUTCOMES)


def _broken(edit) -> dict:
    node = copy.deepcopy(raw_config())
    edit(node)
    return node


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["types"]["PAK"]["resolved"]["prior"].update(value=0.7), r"crisis.types.PAK: priors sum to 1.2"),
        (lambda c: c["types"]["AFG"]["irresolute"]["prior"].update(value=1.5), r"irresolute.prior.value: expected a probability"),
        (lambda c: c["types"]["PAK"]["resolved"]["prior"].update(source=["XX9"]), r"resolved.prior.source: unknown source 'XX9'"),
        (lambda c: c["types"]["AFG"]["resolved"]["weight_shift"]["escalation"].update(source=[]), r"weight_shift.escalation.source: missing source"),
        (lambda c: c["outcomes"].pop("absorb"), r"crisis.outcomes: missing leaf 'absorb'"),
        (lambda c: c["outcomes"].update(surrender=c["outcomes"]["absorb"]), r"unknown leaf 'surrender'"),
        (lambda c: c["types"].pop("AFG"), r"crisis.types: expected types for exactly"),
        (lambda c: c.pop("title"), r"crisis.*title"),
    ],
)
def test_invalid_configs_name_the_key(edit, message):
    with pytest.raises(ConfigError, match=message):
        build_crisis_spec(_broken(edit))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["outcomes"]["absorb"]["features"].pop("escalation"), r"outcomes.absorb.features: missing feature 'escalation'"),
        (lambda c: c["types"]["PAK"]["resolved"]["weight_shift"].update(casualties={"value": 1.0, "source": ["EV2"]}),
         r"PAK.resolved.weight_shift: unknown feature 'casualties'"),
        (lambda c: c.update(players=["AFG", "PAK"]), r"crisis.players: \['AFG', 'PAK'\] do not match"),
    ],
)
def test_configs_must_fit_the_scenario(edit, message):
    node = _broken(edit)
    with pytest.raises(ConfigError, match=message):
        crisis_game(load_scenario("istanbul_round2"), build_crisis_spec(node))


def test_missing_config_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_crisis_spec("no_such_crisis")


# --------------------------------------------------------------------------- the tree


@pytest.mark.parametrize("name", SCENARIOS)
def test_builds_from_each_scenario_with_features_times_weights(spec, name):
    scenario = load_scenario(name)
    game = crisis_game(scenario, spec)
    assert game.players == scenario.players and game.feature_names == scenario.feature_names
    assert len(game.terminals) == 4 * len(OUTCOMES)
    assert [len(i) for i in game.infosets] == [4, 6]
    k = scenario.feature_names.index("escalation")
    # first leaf: both types resolved, Kabul accepts the written demand
    first = game.nodes[game.terminals[0]]
    assert first.label == spec.labels["accept_written"]
    W = scenario.weights.copy()
    for p in (0, 1):
        for f, v in spec.shifts[p][0].items():
            W[p, scenario.feature_names.index(f)] += v
    np.testing.assert_allclose(first.payoffs, W @ first.features)
    assert {"PK1", "PK10", "AF8"} <= set(first.sources)
    # payoffs are linear in the features: the confrontation leaf costs escalation only
    war = next(game.nodes[t] for t in game.terminals if game.nodes[t].label == spec.labels["confrontation"])
    assert war.features[k] == 4.0
    # Kabul cannot tell Pakistan's types apart, nor Pakistan Kabul's
    assert all(len(i.nodes) == 2 for p in (0, 1) for i in game.infosets[p])


def test_pygambit_reads_the_crisis_game_and_agrees_on_regret(tmp_path, spec, solved):
    gbt = pytest.importorskip("pygambit")
    game, [eq] = solved["istanbul_round3"]
    write_efg(game, tmp_path / "crisis.efg")
    back = read_efg(tmp_path / "crisis.efg")
    np.testing.assert_array_equal(back.terminal_payoffs, game.terminal_payoffs)
    theirs = gbt.read_efg(str(tmp_path / "crisis.efg"))
    profile = theirs.mixed_behavior_profile(rational=False)
    for p, player in enumerate(theirs.players):
        infos = {h.label: h for h in player.infosets}
        for info, b in zip(game.infosets[p], eq.behavior[p], strict=True):
            for a, pr in zip(info.actions, b, strict=True):
                profile[infos[info.key].actions[a]] = float(pr)
    assert profile.max_regret() < 1e-9
    np.testing.assert_allclose([float(profile.payoff(pl)) for pl in theirs.players], eq.payoffs, atol=1e-12)
    # and pygambit's own (sequence-form) equilibrium is a Nash equilibrium by our check
    form = reduced_strategic_form(game)
    [lcp] = gbt.nash.lcp_solve(theirs, rational=False).equilibria
    mixed = []
    for p, player in enumerate(theirs.players):
        infos = {h.label: h for h in player.infosets}
        beh = [np.array([float(lcp[a]) for a in infos[i.key].actions]) for i in game.infosets[p]]
        mixed.append(behavior_to_mixed(game, p, [b / b.sum() for b in beh]))
    verified(form.A, form.B, [tuple(mixed)], method="pygambit lcp")


# --------------------------------------------------------------------------- equilibria


@pytest.mark.parametrize("name", SCENARIOS)
def test_equilibria_pass_the_regret_check_and_are_sequentially_rational(solved, name):
    game, eqs = solved[name]
    assert eqs
    form = reduced_strategic_form(game)
    for eq in eqs:
        x, y = (behavior_to_mixed(game, p, eq.behavior[p]) for p in (0, 1))
        [checked] = verified(form.A, form.B, [(x, y)], method="crisis")
        np.testing.assert_allclose(checked.payoffs, eq.payoffs, atol=1e-9)
        assert eq.sequentially_rational
        assert np.isclose(sum(eq.outcomes.values()), 1.0)


def test_beliefs_are_bayes_posteriors_of_the_types(spec, solved):
    game, [eq] = solved["istanbul_round3"]
    beh = type_behavior(game, eq.behavior)
    demand = np.array([beh[infoset_key("PAK", t, "demand")]["written"] for t in spec.types[0]])
    posterior = spec.priors[0] * demand / (spec.priors[0] @ demand)
    for t in spec.types[1]:
        h = game.infoset_index(1, infoset_key("AFG", t, "answer written"))
        np.testing.assert_allclose(eq.assessment.beliefs[1][h], posterior)


def test_full_reduced_form_is_too_large_to_enumerate_without_pruning(solved):
    game, _ = solved["istanbul_round2"]
    with pytest.raises(SolverError, match=r"9x36: enumeration needs \d+ bases.*try prune=True"):
        solve_extensive(game, prune=False)


def _strike_probability(game, eq) -> float:
    return sum(pr for label, pr in eq.outcomes.items() if label.startswith(("Pakistan strikes", "strikes and")))


def test_sanity_of_the_predictions(spec, solved):
    """What the crisis game predicts, scenario by scenario (one equilibrium each)."""
    by = {name: (game, eqs[0]) for name, (game, eqs) in solved.items()}
    assert all(len(eqs) == 1 for _, eqs in solved.values())
    written = spec.labels["accept_written"]
    for name, (game, eq) in by.items():
        # T1 in sequence: no round ends with a written, verifiable guarantee (beyond a sliver)
        assert eq.outcomes[written] < 0.05, name
        beh = type_behavior(game, eq.behavior)
        # a struck Kabul answers by type: resolved retaliates, irresolute absorbs (where determined)
        irresolute = game.infoset_index(1, infoset_key("AFG", "irresolute", "struck"))
        assert eq.defined[1][irresolute] and beh[infoset_key("AFG", "irresolute", "struck")]["absorb"] == 1.0
    # Doha: both Pakistani types settle for the verbal pledge, which Kabul accepts; no force
    _, doha = by["doha_round"]
    assert doha.outcomes[spec.labels["accept_lesser"]] == pytest.approx(1.0)
    # Istanbul 2: the resolved type insists, is refused by both Kabul types, and holds off
    game2, r2 = by["istanbul_round2"]
    beh2 = type_behavior(game2, r2.behavior)
    assert beh2[infoset_key("PAK", "resolved", "demand")]["written"] == 1.0
    assert beh2[infoset_key("PAK", "resolved", "written refused")]["back_down"] == 1.0
    assert beh2[infoset_key("AFG", "resolved", "struck")]["retaliate"] == 1.0
    assert _strike_probability(game2, r2) == 0.0
    # Istanbul 3 (patience exhausted, PK10): the resolved type strikes after a refusal;
    # the irresolute type bluffs with the written demand at times and backs down
    game3, r3 = by["istanbul_round3"]
    beh3 = type_behavior(game3, r3.behavior)
    assert beh3[infoset_key("PAK", "resolved", "written refused")]["strike"] == 1.0
    assert 0.0 < beh3[infoset_key("PAK", "irresolute", "demand")]["written"] < 1.0
    assert beh3[infoset_key("PAK", "irresolute", "written refused")]["back_down"] == 1.0
    assert _strike_probability(game3, r3) > 0.4
    # escalation climbs round by round
    esc = [expected_escalation(by[name][0], by[name][1].outcomes) for name in SCENARIOS]
    assert esc[0] < esc[1] < esc[2]
