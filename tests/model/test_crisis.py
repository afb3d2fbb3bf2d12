"""Tests for the crisis game: config validation, the tree, audience costs, agent QRE, and the record.

Oracles: pygambit's behaviour-strategy logit QRE (``pygambit.qre.logit_solve_lambda``) on
the game with each player's payoffs divided by their range; negsim's normal-form logit QRE
(:func:`negsim.solvers.qre.qre_at`) on a one-shot game written as a tree; backward
induction as the precision grows on generic perfect-information trees.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from omegaconf import OmegaConf

from negsim.equilibrium import verified
from negsim.errors import ConfigError, SolverError
from negsim.games.extensive import (
    Chance,
    Decision,
    ExtensiveGame,
    Terminal,
    behavior_to_mixed,
    reduced_strategic_form,
)
from negsim.io.configs import config_dir
from negsim.io.efg import read_efg, write_efg
from negsim.model.crisis import (
    OUTCOMES,
    PATHS,
    STRUCK,
    build_crisis_spec,
    crisis_game,
    infoset_key,
    leaf_probability,
    load_crisis_spec,
    predict,
    record_robustness,
    type_behavior,
    with_audience_cost,
)
from negsim.model.scenario import available_scenarios, load_scenario
from negsim.solvers.agent_qre import action_values, agent_qre, agent_qre_path, payoff_scale
from negsim.solvers.backward_induction import assess, backward_induction, solve_extensive
from negsim.solvers.qre import qre_at

SCENARIOS = ("doha_round", "istanbul_round2", "istanbul_round3")


@pytest.fixture(scope="module")
def spec():
    return load_crisis_spec()


@pytest.fixture(scope="module")
def predicted(spec):
    """Each shipped scenario's crisis game solved by agent QRE at the baseline."""
    return {name: predict(load_scenario(name), spec) for name in SCENARIOS}


def raw_config() -> dict:
    return OmegaConf.to_container(OmegaConf.load(config_dir() / "game" / "crisis.yaml"))


def _broken(edit) -> dict:
    node = copy.deepcopy(raw_config())
    edit(node)
    return node


def _scaled(game: ExtensiveGame, factor, shift=(0.0, 0.0)) -> ExtensiveGame:
    """The game with each player's payoffs multiplied by ``factor[p]`` and shifted by ``shift[p]``."""
    factor, shift = np.asarray(factor, dtype=float), np.asarray(shift, dtype=float)

    def rebuild(node):
        if isinstance(node, Terminal):
            return Terminal(node.payoffs * factor + shift, node.label)
        kids = tuple(rebuild(c) for c in node.children)
        if isinstance(node, Chance):
            return Chance(node.actions, node.probs, kids, node.label)
        return Decision(node.player, node.infoset, node.actions, kids, node.label)

    return ExtensiveGame(rebuild(game.root), game.players, game.title)


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
    assert "cite:Fearon 1994" in spec.model_sources["audience_cost"]
    assert "cite:McKelvey Palfrey 1998" in spec.model_sources["precision"]
    lo, hi = spec.audience_range
    assert lo <= spec.audience_cost <= hi and lo < hi
    lo, hi = spec.precision_range
    assert lo <= spec.precision <= hi and lo < hi


def test_the_record_is_each_rounds_documented_path(spec):
    """Doha: the lesser terms, accepted (MD1, MD2); Istanbul: written demand, refusal, no strike (EV4, EV5)."""
    assert spec.record == {"doha_round": "accept_lesser", "istanbul_round2": "back_down",
                           "istanbul_round3": "back_down"}
    assert PATHS["back_down"] == ("written", "refuse", "back_down")
    assert PATHS["accept_lesser"] == ("lesser", "accept")
    assert {"EV4", "EV5", "AF1"} <= set(spec.model_sources["record.istanbul_round3"])
    assert all(spec.model_sources[f"record.{name}"] for name in SCENARIOS)


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
        (lambda c: c.pop("title"), r"crisis.title: missing mandatory value"),
        (lambda c: c["outcomes"]["refuse_lesser"].update(label=c["outcomes"]["back_down"]["label"]),
         r"crisis.outcomes.refuse_lesser.label: .* is the label of another leaf"),
        (lambda c: c.pop("audience_cost"), r"crisis.audience_cost: missing mandatory value"),
        (lambda c: c["audience_cost"].update(value=0.5, range=[0.5, 1.5]),
         r"crisis.audience_cost.value: backing down after a refusal must cost Pakistan more than settling at the outset"),
        (lambda c: c["outcomes"]["back_down"]["features"].update(pak_concession=0.0),
         r"crisis.audience_cost.value: backing down .* got pak_concession 0.6 after a refusal and 1 at the outset"),
        (lambda c: c["audience_cost"].update(value=-1.0), r"crisis.audience_cost: expected 0 <= low <= value <= high"),
        (lambda c: c["audience_cost"].update(value=2.0), r"crisis.audience_cost: expected 0 <= low <= value <= high"),
        (lambda c: c["audience_cost"].update(range=[1.0]), r"crisis.audience_cost.range: expected \[low, high\]"),
        (lambda c: c["audience_cost"].update(source=[]), r"crisis.audience_cost.source: missing source"),
        (lambda c: c["precision"].update(value=float("nan")), r"crisis.precision.value: expected a finite number"),
        (lambda c: c["precision"].update(range=[-1.0, 20.0]), r"crisis.precision: expected 0 <= low"),
        (lambda c: c["precision"].update(source=["Fearon"]), r"crisis.precision.source: unknown source 'Fearon'"),
        (lambda c: c["record"]["istanbul_round2"].update(leaf="deal"), r"crisis.record.istanbul_round2.leaf: unknown leaf 'deal'"),
        (lambda c: c["record"]["doha_round"].update(source=[]), r"crisis.record.doha_round.source: missing source"),
        (lambda c: c["record"]["doha_round"].update(date="19 Oct"), r"crisis.record.doha_round.date: unknown key"),
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
        (lambda c: c["types"]["PAK"]["irresolute"].update(weight_shift={"pak_concession": {"value": 10.0, "source": ["PK6"]}}),
         r"crisis.audience_cost: needs Pakistan's pak_concession weight < 0 for every type, got 6.5 for type 'irresolute'"),
    ],
)
def test_configs_must_fit_the_scenario(edit, message):
    node = _broken(edit)
    with pytest.raises(ConfigError, match=message):
        crisis_game(load_scenario("istanbul_round2"), build_crisis_spec(node))


def test_missing_config_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_crisis_spec("no_such_crisis")


def test_with_audience_cost_checks_like_the_config(spec):
    assert with_audience_cost(spec, 1.0).audience_cost == 1.0
    with pytest.raises(ConfigError, match=r"^audience_cost: expected a cost >= 0, got -0.1$"):
        with_audience_cost(spec, -0.1)
    with pytest.raises(ConfigError, match=r"^audience_cost: backing down after a refusal must cost Pakistan more"):
        with_audience_cost(spec, 0.5)


# --------------------------------------------------------------------------- the tree


def _leaf_payoffs(game: ExtensiveGame, label: str) -> np.ndarray:
    """Payoffs of the leaves with ``label``, one row per pair of types (shape (4, 2))."""
    return np.array([game.nodes[t].payoffs for t in game.terminals if game.nodes[t].label == label])


@pytest.mark.parametrize("name", SCENARIOS)
def test_builds_from_each_scenario_with_features_times_weights(spec, name):
    scenario = load_scenario(name)
    game = crisis_game(scenario, spec)
    assert game.players == scenario.players and game.feature_names == scenario.feature_names
    assert len(game.terminals) == 4 * len(OUTCOMES)
    assert [len(i) for i in game.infosets] == [4, 6]
    # first leaf: both types resolved, Kabul accepts the written demand
    first = game.nodes[game.terminals[0]]
    assert first.label == spec.labels["accept_written"]
    W = scenario.weights.copy()
    for p in (0, 1):
        for f, v in spec.shifts[p][0].items():
            W[p, scenario.feature_names.index(f)] += v
    np.testing.assert_allclose(first.payoffs, W @ first.features)
    assert {"PK1", "PK10", "AF8"} <= set(first.sources)
    # the back-down leaf carries Pakistan's audience cost on top of weights times features
    k = scenario.feature_names.index("pak_concession")
    back = next(game.nodes[t] for t in game.terminals if game.nodes[t].label == spec.labels["back_down"])
    np.testing.assert_allclose(back.payoffs, W @ back.features + [spec.audience_cost * W[0, k], 0.0])
    assert "cite:Fearon 1994" in back.sources
    # Kabul cannot tell Pakistan's types apart, nor Pakistan Kabul's
    assert all(len(i.nodes) == 2 for p in (0, 1) for i in game.infosets[p])


@pytest.mark.parametrize("name", SCENARIOS)
def test_backing_down_after_a_refusal_costs_more_than_settling_at_the_outset(spec, name):
    """Fearon (1994): audience costs grow as the crisis goes on. Pakistan's payoffs are linear in
    its concession weight, so a leaf's concession cost is what its payoff loses when that weight
    (the scenario's, with the type shifts) is doubled: read from the games' payoffs, for every
    pair of types."""
    scenario = load_scenario(name)
    k = scenario.feature_names.index("pak_concession")
    weights = scenario.weights.copy()
    weights[0, k] *= 2
    doubled = dataclasses.replace(scenario, weights=weights)
    shifts = (tuple({f: (2 * v if f == "pak_concession" else v) for f, v in s.items()} for s in spec.shifts[0]),
              spec.shifts[1])
    game, dearer = crisis_game(scenario, spec), crisis_game(doubled, dataclasses.replace(spec, shifts=shifts))

    def cost(leaf):
        label = spec.labels[leaf]
        return _leaf_payoffs(game, label)[:, 0] - _leaf_payoffs(dearer, label)[:, 0]

    after = cost("back_down")
    for outset in ("accept_lesser", "refuse_lesser"):
        assert np.all(cost(outset) > 0)
        assert np.all(after > cost(outset) + 1e-9), (name, outset, after, cost(outset))
    # and it is Pakistan's cost alone: Kabul's payoffs do not see the audience cost
    other = dataclasses.replace(spec, audience_cost=spec.audience_cost + 0.5)
    np.testing.assert_array_equal(crisis_game(scenario, other).terminal_payoffs[:, 1], game.terminal_payoffs[:, 1])


def test_the_audience_cost_moves_only_pakistans_back_down_payoffs(spec):
    scenario = load_scenario("istanbul_round3")
    game = crisis_game(scenario, spec)
    dearer = crisis_game(scenario, with_audience_cost(spec, spec.audience_cost + 0.5))
    diff = dearer.terminal_payoffs - game.terminal_payoffs
    back = np.array([game.nodes[t].label == spec.labels["back_down"] for t in game.terminals])
    assert np.all(diff[back, 0] < 0) and np.all(diff[~back] == 0) and np.all(diff[:, 1] == 0)


def test_pygambit_reads_the_crisis_game(tmp_path, spec):
    gbt = pytest.importorskip("pygambit")
    game = crisis_game(load_scenario("istanbul_round3"), spec)
    write_efg(game, tmp_path / "crisis.efg")
    back = read_efg(tmp_path / "crisis.efg")
    np.testing.assert_array_equal(back.terminal_payoffs, game.terminal_payoffs)
    theirs = gbt.read_efg(str(tmp_path / "crisis.efg"))
    assert [len(p.infosets) for p in theirs.players] == [len(i) for i in game.infosets]


# --------------------------------------------------------------------------- agent QRE


def _gambit_agent_qre(gbt, game: ExtensiveGame, lam: float, path) -> dict[str, np.ndarray]:
    """pygambit's behaviour logit QRE of ``game`` at ``lam`` (its payoff units), by information set key."""
    write_efg(game, path)
    theirs = gbt.read_efg(str(path))
    [qre] = gbt.qre.logit_solve_lambda(theirs, [lam])
    flat = [qre[i] for i in range(len(qre))]  # players, then information sets, then actions
    out, k = {}, 0
    for player in theirs.players:
        for h in player.infosets:
            out[h.label] = np.array(flat[k:k + len(h.actions)])
            k += len(h.actions)
    assert k == len(flat)
    return out


def beer_quiche() -> ExtensiveGame:
    """Cho & Kreps (1987): strong w.p. 0.9; the receiver duels or not after seeing the meal."""
    def sender(t):
        kids = []
        for meal, pref in (("beer", t == "strong"), ("quiche", t == "weak")):
            kids.append(Decision(1, f"after {meal}", ("duel", "not"), (
                Terminal([int(pref), 1 if t == "weak" else 0], f"{t} {meal} duel"),
                Terminal([int(pref) + 2, 0 if t == "weak" else 1], f"{t} {meal} peace"),
            )))
        return Decision(0, t, ("beer", "quiche"), tuple(kids))

    return ExtensiveGame(Chance(("strong", "weak"), [0.9, 0.1], (sender("strong"), sender("weak"))),
                         players=("Sender", "Receiver"), title="beer-quiche")


@pytest.mark.parametrize("lam", [0.5, 6.0, 20.0])
@pytest.mark.parametrize("which", ["istanbul_round3", "doha_round", "beer-quiche"])
def test_agent_qre_agrees_with_pygambit(tmp_path, spec, which, lam):
    gbt = pytest.importorskip("pygambit")
    game = beer_quiche() if which == "beer-quiche" else crisis_game(load_scenario(which), spec)
    ours = agent_qre(game, lam)
    theirs = _gambit_agent_qre(gbt, _scaled(game, 1.0 / payoff_scale(game)), lam, tmp_path / "scaled.efg")
    for p in (0, 1):
        for info, b in zip(game.infosets[p], ours.behavior[p], strict=True):
            np.testing.assert_allclose(b, theirs[info.key], atol=1e-8, err_msg=info.key)


def test_agent_qre_is_uniform_at_zero_precision(spec):
    for game in (crisis_game(load_scenario("istanbul_round2"), spec), beer_quiche()):
        qre = agent_qre(game, 0.0)
        assert all(np.all(b == 1.0 / len(b)) for p in (0, 1) for b in qre.behavior[p])


def _generic_node(rng, depth: int, payoffs: list, counter: list[int]):
    if depth == 3 or (depth > 0 and rng.random() < 0.25):
        return Terminal(payoffs.pop())
    k = int(rng.integers(2, 4))
    kids = tuple(_generic_node(rng, depth + 1, payoffs, counter) for _ in range(k))
    counter[0] += 1
    return Decision(int(rng.integers(0, 2)), f"n{counter[0]}", tuple(f"m{a}" for a in range(k)), kids)


def generic_tree(seed: int) -> ExtensiveGame:
    """A random perfect-information tree whose leaves give each player distinct integer payoffs,
    so that every choice is strict (gaps of at least 1 in 1..40)."""
    rng = np.random.default_rng(seed)
    payoffs = list(np.stack([rng.permutation(40), rng.permutation(40)], axis=1).astype(float))
    return ExtensiveGame(_generic_node(rng, 0, payoffs, [0]), players=("P1", "P2"), title=f"generic tree {seed}")


@pytest.mark.parametrize("seed", range(8))
def test_agent_qre_reaches_backward_induction_as_precision_grows(seed):
    game = generic_tree(seed)
    spe = backward_induction(game)
    # every choice is strict by at least 1/39 of the mover's payoff range: at lam = 400 the
    # subgame-perfect action keeps all but about exp(-10) of the probability
    high = agent_qre(game, 400.0, step=20.0)
    for p in (0, 1):
        for h, a in enumerate(spe.actions[p]):
            assert high.behavior[p][h][a] > 0.999, (seed, p, h)
    np.testing.assert_allclose(
        [sum(pr * game.nodes[t].payoffs for t, pr in zip(game.terminals, _reach(game, high), strict=True))],
        [spe.payoffs], atol=0.05 * payoff_scale(game).max(),
    )


def _reach(game: ExtensiveGame, qre) -> np.ndarray:
    from negsim.games.extensive import node_reach

    return node_reach(game, qre.behavior)[game.terminals]


def test_agent_qre_is_the_normal_form_logit_qre_on_a_one_shot_game():
    """A simultaneous game as a tree (the column player cannot see the row's move): the agent QRE
    is McKelvey & Palfrey's (1995) normal-form logit QRE, here on the same precision scale."""
    rng = np.random.default_rng(7)
    A = rng.normal(size=(3, 3))
    B = rng.normal(size=(3, 3))
    B = (B - B.min()) * np.ptp(A) / np.ptp(B)  # the same payoff range for both players
    root = Decision(0, "row", ("r0", "r1", "r2"), tuple(
        Decision(1, "col", ("c0", "c1", "c2"), tuple(Terminal([A[i, j], B[i, j]]) for j in range(3)))
        for i in range(3)
    ))
    game = ExtensiveGame(root, players=("Row", "Col"), title="one-shot")
    for lam in (1.0, 5.0, 12.0):
        qre = agent_qre(game, lam)
        x, y = qre_at(A, B, lam / np.ptp(A))
        np.testing.assert_allclose(qre.behavior[0][0], x, atol=1e-8)
        np.testing.assert_allclose(qre.behavior[1][0], y, atol=1e-8)


def test_agent_qre_does_not_depend_on_payoff_units(spec):
    game = crisis_game(load_scenario("istanbul_round3"), spec)
    base = agent_qre(game, spec.precision)
    other = agent_qre(_scaled(game, (7.0, 0.25), (-3.0, 11.0)), spec.precision)
    for p in (0, 1):
        for b, c in zip(base.behavior[p], other.behavior[p], strict=True):
            np.testing.assert_allclose(b, c, atol=1e-9)


@pytest.mark.parametrize("name", SCENARIOS)
def test_agent_qre_is_a_logit_fixed_point_with_bayes_beliefs(spec, predicted, name):
    pred = predicted[name]
    game, qre = pred.game, pred.qre
    assert qre.residual < 1e-9 and qre.lam == spec.precision
    np.testing.assert_allclose(qre.scale, np.ptp(game.terminal_payoffs, axis=0))
    vals = action_values(game, qre.behavior)
    for p in (0, 1):
        for b, v in zip(qre.behavior[p], vals[p], strict=True):
            logit = np.exp(qre.lam * v / qre.scale[p])
            np.testing.assert_allclose(b, logit / logit.sum(), atol=1e-9)
    # Kabul's value of refusing a written demand weighs Pakistan's types by Bayes' rule
    beh = type_behavior(game, qre.behavior)
    written = np.array([beh[infoset_key("PAK", t, "demand")]["written"] for t in spec.types[0]])
    posterior = spec.priors[0] * written / (spec.priors[0] @ written)
    h = game.infoset_index(1, infoset_key("AFG", "resolved", "answer written"))
    info = game.infosets[1][h]
    from negsim.solvers.agent_qre import node_values

    V = node_values(game, qre.behavior)
    refuse = [V[game.children[n][1], 1] for n in info.nodes]
    assert vals[1][h][1] == pytest.approx(posterior @ refuse, abs=1e-12)
    assert np.isclose(sum(qre.outcomes.values()), 1.0)


def test_agent_qre_regret_vanishes_as_precision_grows(spec):
    game = crisis_game(load_scenario("istanbul_round2"), spec)
    regrets = [max(float(r.max()) for r in assess(game, q.behavior).regret) / q.scale.max()
               for q in agent_qre_path(game, [2.0, 6.0, 20.0, 60.0])]
    assert regrets == sorted(regrets, reverse=True) and regrets[-1] < 0.01


def test_agent_qre_path_is_the_same_as_single_solves(spec):
    game = crisis_game(load_scenario("doha_round"), spec)
    path = agent_qre_path(game, [8.0, 3.0])
    assert [q.lam for q in path] == [8.0, 3.0]
    for q in path:
        single = agent_qre(game, q.lam)
        for p in (0, 1):
            for b, c in zip(q.behavior[p], single.behavior[p], strict=True):
                np.testing.assert_allclose(b, c, atol=1e-9)


@pytest.mark.parametrize("lam", [-1.0, float("nan"), float("inf")])
def test_agent_qre_refuses_a_bad_precision(lam):
    with pytest.raises(SolverError, match="agent QRE: lambda must be a finite number >= 0"):
        agent_qre(beer_quiche(), lam)


# --------------------------------------------------------------------------- the record


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_rounds_recorded_path_has_probability_at_least_a_fifth(spec, predicted, name):
    pred = predicted[name]
    assert pred.recorded_leaf == spec.record[name]
    assert pred.recorded_probability == leaf_probability(spec, pred.qre.outcomes, spec.record[name])
    assert pred.recorded_probability >= 0.2, (name, pred.recorded_probability)


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_record_is_likelier_than_the_outcomes_it_rules_out(spec, predicted, name):
    """No round ended with a written guarantee (EV5) or with strikes (EV4)."""
    pred = predicted[name]
    written = leaf_probability(spec, pred.qre.outcomes, "accept_written")
    assert pred.strike_probability == pytest.approx(sum(leaf_probability(spec, pred.qre.outcomes, s) for s in STRUCK))
    assert pred.recorded_probability > written and pred.recorded_probability > pred.strike_probability


def _stand_firm(pred) -> np.ndarray:
    beh = type_behavior(pred.game, pred.qre.behavior)
    return np.array([beh[infoset_key("PAK", t, "written refused")]["strike"] for t in ("resolved", "irresolute")])


@pytest.mark.parametrize("name", SCENARIOS)
def test_raising_the_audience_cost_does_not_lower_the_chance_pakistan_stands_firm(spec, name):
    scenario = load_scenario(name)
    costs = np.linspace(0.55, 2.5, 8)
    firm = np.array([_stand_firm(predict(scenario, spec, audience_cost=a)) for a in costs])
    assert np.all(np.diff(firm, axis=0) >= -1e-12), firm
    assert np.all(firm[-1] > firm[0] + 0.05)


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("lam", [2.0, 6.0, 15.0])
def test_the_resolved_type_strikes_more_often_after_a_refusal(spec, name, lam):
    """The resolved type's force costs it less (PK10, PK9) and it faces the same Kabul."""
    resolved, irresolute = _stand_firm(predict(load_scenario(name), spec, lam=lam))
    assert resolved > irresolute


def test_robustness_sweeps_include_the_baseline(spec, predicted):
    scenario = load_scenario("istanbul_round2")
    robust = record_robustness(scenario, spec, lams=[2.0, spec.precision], audience_costs=[spec.audience_cost, 1.0])
    baseline = predicted["istanbul_round2"].recorded_probability
    assert robust["precision"][1] == [spec.precision, pytest.approx(baseline, abs=1e-9)]
    assert robust["audience_cost"][0] == [spec.audience_cost, pytest.approx(baseline, abs=1e-9)]
    assert robust["audience_cost"][1][1] < baseline  # a dearer climbdown makes the called bluff rarer
    unrecorded = dataclasses.replace(spec, record={})
    with pytest.raises(ConfigError, match=r"crisis.record: no recorded path for scenario 'istanbul_round2'"):
        record_robustness(scenario, unrecorded)


# --------------------------------------------------------------------------- the Nash limit, for comparison


@pytest.mark.parametrize("name", SCENARIOS)
def test_equilibria_of_the_crisis_game_pass_the_regret_check(spec, name):
    """The game is still solvable in behaviour strategies (the notebook's comparison)."""
    game = crisis_game(load_scenario(name), spec)
    eqs = solve_extensive(game)
    assert eqs
    form = reduced_strategic_form(game)
    for eq in eqs:
        x, y = (behavior_to_mixed(game, p, eq.behavior[p]) for p in (0, 1))
        [checked] = verified(form.A, form.B, [(x, y)], method="crisis")
        np.testing.assert_allclose(checked.payoffs, eq.payoffs, atol=1e-9)
        assert eq.sequentially_rational
