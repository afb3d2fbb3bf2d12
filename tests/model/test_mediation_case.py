"""The mediator as a strategic player in the case: the rounds mapped onto Kydd (2003), the
mediators' configs validated, and the numbers docs/mediation.md reports."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from negsim import load_scenario
from negsim.errors import ConfigError
from negsim.games.mediation import RISKY, SAFE, Mediator, babbling, informative_exists, posteriors
from negsim.io.configs import config_dir, load_yaml
from negsim.model.crisis import crisis_game, load_crisis_spec
from negsim.model.mediation import (
    FILES,
    LEAVES,
    ROUNDS,
    as_metrics,
    build_mediator_play,
    draw_mediators,
    kydd_case,
    load_mediators,
    mediate,
    mediate_rounds,
    prior_summary,
)

SPEC = load_crisis_spec()
CASES = {name: kydd_case(load_scenario(name), SPEC) for name in ROUNDS}
MEDIATORS = load_mediators()
#: docs/mediation.md: the safe demand's share s and side 1's threshold belief mu* = 1 - s, per round.
SHARES = {"doha_round": 21 / 32, "istanbul_round2": 5 / 12, "istanbul_round3": 11 / 36}
#: docs/mediation.md: how many of 20,000 prior draws (seed 20251019) make each mediator credible.
CREDIBLE = {
    "doha_round": {"qatar": 1, "turkiye": 25, "united_states": 0, "china": 0},
    "istanbul_round2": {"qatar": 130, "turkiye": 1722, "united_states": 395, "china": 395},
    "istanbul_round3": {"qatar": 418, "turkiye": 2802, "united_states": 645, "china": 645},
}


def _qatar() -> dict:
    return load_yaml(config_dir() / "mediator_play" / "qatar.yaml")


# --- configs --------------------------------------------------------------------------------


def test_the_shipped_mediators_load_with_sources_and_priors():
    assert set(MEDIATORS) == {"qatar", "turkiye", "united_states", "china"}
    assert set(FILES) == {p.stem for p in (config_dir() / "mediator_play").glob("*.yaml")}
    for med in MEDIATORS.values():
        for name in ("bias", "war_cost", "accuracy"):
            prior = med.priors[name]
            assert prior.dist == "triangular" and prior.low <= med.values[name] == prior.mode <= prior.high
        # POSITIONS.md says nothing about any mediator's lean: every bias is an assumption, and only that
        assert med.sources["bias"] == ("assumption",)
    assert MEDIATORS["qatar"].mediated == ROUNDS and MEDIATORS["qatar"].sources["mediated"] == ("MD1",)
    assert MEDIATORS["china"].mediated == () and MEDIATORS["china"].sources["mediated"] == ("MD3",)


def _edit(path: list, value=None, delete=False):
    node = copy.deepcopy(_qatar())
    target = node
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return node


BIAS = ["mediators", "qatar", "bias"]


@pytest.mark.parametrize(
    "node, message",
    [
        (_edit(BIAS + ["source"], delete=True), r"^mediator_play\.qatar\.mediators\.qatar\.bias\.source: missing mandatory value$"),
        (_edit(BIAS + ["source"], []),
         r"^mediator_play\.qatar\.mediators\.qatar\.bias\.source: missing source \(list POSITIONS\.md IDs, 'cite:Author Year' or 'assumption'\)$"),
        (_edit(BIAS + ["source"], ["MD9"]), r"^mediator_play\.qatar\.mediators\.qatar\.bias\.source: unknown source 'MD9' \("),
        (_edit(["mediators", "qatar", "mediated_source"], []),
         r"^mediator_play\.qatar\.mediators\.qatar\.mediated_source: missing source \("),
        (_edit(BIAS + ["prior"], delete=True),
         r"^mediator_play\.qatar\.mediators\.qatar\.bias\.prior: missing prior \(triangular low/mode/high, as in configs/rollout/\)$"),
        (_edit(BIAS + ["value"], 0.7),
         r"^mediator_play\.qatar\.mediators\.qatar\.bias\.prior: the support \[0\.3, 0\.6\] does not contain the value 0\.7$"),
        (_edit(["mediators", "qatar", "accuracy", "value"], 0.4),
         r"^mediator_play\.qatar\.mediators\.qatar\.accuracy\.value: expected a value in \[0\.5, 1\], got 0\.4$"),
        (_edit(["mediators", "qatar", "war_cost", "value"], -0.1),
         r"^mediator_play\.qatar\.mediators\.qatar\.war_cost\.value: expected a value in \[0, inf\], got -0\.1$"),
        (_edit(["mediators", "qatar", "loyalty"], 1.0), r"^mediator_play\.qatar\.mediators\.qatar\.loyalty: unknown key"),
        (_edit(["mediators"], {}), r"^mediator_play\.qatar\.mediators: needs at least one mediator$"),
    ],
)
def test_invalid_mediator_configs_name_the_offending_key(node, message):
    with pytest.raises(ConfigError, match=message):
        build_mediator_play(node, "mediator_play.qatar")


# --- the mapping ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ROUNDS)
def test_pakistans_payoffs_are_the_crisis_games(name):
    case = CASES[name]
    game = crisis_game(load_scenario(name), SPEC)
    for role, leaf in LEAVES.items():
        label = SPEC.labels[leaf]
        rows = [i for i, t in enumerate(game.terminals) if game.nodes[t].label == label]
        reach = game.chance_reach[game.terminals[rows]]
        mean = float(reach @ game.terminal_payoffs[rows, 0] / reach.sum())  # over both types of each side
        assert case.pakistan_payoffs[role] == pytest.approx(mean, abs=1e-12)
    g = case.game
    assert case.share_safe == pytest.approx(SHARES[name], abs=1e-12)
    assert (g.x_risky, g.p - g.c1) == pytest.approx((1.0, 0.0), abs=1e-12)  # the unit issue: war 0, written 1
    assert g.x_safe == pytest.approx(SHARES[name], abs=1e-12) and g.threshold == pytest.approx(1 - SHARES[name])
    assert g.q == 0.5 and case.sources["q"] == ("AF5", "AF8") and case.sources["p"] == ("assumption",)
    assert case.escalation == {"deal at the safe demand": 0.0, "the irresolute side 2 yields to the risky demand": 0.0,
                               "war": 4.0}


def test_without_a_mediator_the_demand_is_the_recorded_one():
    # Doha: the lesser terms (record: accept_lesser); Istanbul: the written demand (record: back_down after it)
    demand = {n: babbling(c.game, Mediator(0.5, 0.0, 0.5)).demand_after["resolved"] for n, c in CASES.items()}
    assert demand == {"doha_round": SAFE, "istanbul_round2": RISKY, "istanbul_round3": RISKY}
    assert {n: SPEC.record[n] for n in ROUNDS} == {"doha_round": "accept_lesser", "istanbul_round2": "back_down",
                                                 "istanbul_round3": "back_down"}


def test_kabuls_own_crisis_payoffs_against_kydds_types():
    for name in ("istanbul_round2", "istanbul_round3"):
        assert all(CASES[name].kabul.values())
    # at Doha a resolved Kabul would rather sign than fight (-7 against -8 payoff units)
    assert CASES["doha_round"].kabul == {"both_accept_safe": True, "irresolute_accepts_risky": True,
                                         "resolved_refuses_risky": False}


@pytest.mark.parametrize("name", ROUNDS)
def test_no_result_depends_on_the_unidentified_p(name):
    s = CASES[name].share_safe
    results = [mediate(kydd_case(load_scenario(name), SPEC, p=p), MEDIATORS["turkiye"], 2000) for p in (0.0, s / 3, s)]
    first = results[0]
    for r in results[1:]:
        assert r.equilibria == first.equilibria and r.priors == first.priors
        assert r.threshold == pytest.approx(first.threshold, abs=1e-12)
        for a, b in ((r.predicted, first.predicted), (r.without, first.without)):
            assert a.outcomes.war == pytest.approx(b.outcomes.war, abs=1e-12)
    with pytest.raises(ConfigError, match=r"^mediation\.p: expected a probability in \[0, s\] = \[0, 0\.416667\], got 0\.5$"):
        kydd_case(load_scenario("istanbul_round2"), SPEC, p=0.5)


def test_a_round_pakistan_does_not_rank_as_kydd_needs_is_refused():
    sc = load_scenario("istanbul_round2")
    W = sc.weights.copy()
    W[0, sc.feature_names.index("pak_concession")] = 5.0
    with pytest.raises(ConfigError, match=r"^mediation: Pakistan must rank the written guarantee above the lesser terms "
                                          r"above confrontation in scenario istanbul_round2, got 7, 8\.5, -5$"):
        kydd_case(replace(sc, weights=W), SPEC)


# --- the numbers ------------------------------------------------------------------------

RESULTS = {(r.case.scenario, r.prior.key): r for r in mediate_rounds()}


@pytest.mark.parametrize("name", ROUNDS)
def test_no_shipped_mediator_is_credible_at_its_stated_values(name):
    for key in MEDIATORS:
        r = RESULTS[name, key]
        assert r.equilibria == ("babbling",) and not r.credible
        assert r.predicted == r.without
        war = 0.0 if name == "doha_round" else 0.5
        assert (r.without.outcomes.war, r.without.outcomes.deal, r.escalation_without) == (war, 1 - war, 4 * war)


def test_bias_thresholds_at_the_stated_values():
    got = {k: None if r.threshold is None else round(r.threshold, 4) for k, r in RESULTS.items()}
    assert got == {
        ("doha_round", "qatar"): 0.9516, ("doha_round", "turkiye"): 1.1899,
        ("doha_round", "united_states"): 1.6417, ("doha_round", "china"): 1.6417,
        ("istanbul_round2", "qatar"): 0.6337, ("istanbul_round2", "turkiye"): 0.6762,
        ("istanbul_round2", "united_states"): 0.7312, ("istanbul_round2", "china"): 0.7312,
        ("istanbul_round3", "qatar"): 0.5861, ("istanbul_round3", "turkiye"): 0.6112,
        ("istanbul_round3", "united_states"): 0.6422, ("istanbul_round3", "china"): 0.6422,
    }
    # in round three a "resolved" report at accuracy 0.65 or less would not stop the written demand
    r = RESULTS["istanbul_round3", "turkiye"]
    assert posteriors(0.5, 0.65)[0] < r.case.game.threshold and r.conditions.heeds_resolved < 0


def test_the_credible_share_across_the_priors():
    got = {n: {k: RESULTS[n, k].priors.credible_draws for k in MEDIATORS} for n in ROUNDS}
    assert got == CREDIBLE
    r = RESULTS["istanbul_round3", "turkiye"]
    assert r.priors.draws == 20_000 and r.priors.credible_share == 0.1401 and r.priors.credible_se == pytest.approx((0.1401 * 0.8599 / 20_000) ** 0.5)
    assert r.priors.war_probability == pytest.approx(0.4471, abs=5e-5)  # from 0.5 without a mediator


def test_the_prior_draws_agree_with_the_scalar_closed_form():
    case, prior = CASES["istanbul_round3"], MEDIATORS["turkiye"]
    d = draw_mediators(prior, 400, rng=7)
    scalar = [informative_exists(case.game, Mediator(float(b), float(w), float(a)))
              for b, w, a in zip(d["bias"], d["war_cost"], d["accuracy"], strict=True)]
    summary = prior_summary(case, prior, 400, rng=7)
    assert summary.credible_share == np.mean(scalar) > 0
    war = [case.game.q * (1 - a) if ok else 0.5 for ok, a in zip(scalar, d["accuracy"], strict=True)]
    assert summary.war_probability == pytest.approx(np.mean(war), abs=1e-12)
    assert summary.expected_escalation == pytest.approx(4 * np.mean(war), abs=1e-12)
    for name in ("bias", "war_cost", "accuracy"):
        assert prior.priors[name].low <= d[name].min() and d[name].max() <= prior.priors[name].high


def test_a_credible_mediator_in_the_case_changes_the_numbers_as_the_closed_form_says():
    # a Pakistan-leaning, well-informed mediator in round three: b = 0.8, w = 0.05, a = 0.9
    case = CASES["istanbul_round3"]
    m = Mediator(0.8, 0.05, 0.9)
    assert informative_exists(case.game, m)
    from negsim.games.mediation import predict

    eq = predict(case.game, m)
    assert (eq.outcomes.war, eq.outcomes.deal) == pytest.approx((0.05, 0.95), abs=1e-12)  # q (1 - a)
    assert babbling(case.game, m).outcomes.war == 0.5  # without it: the written demand, refused half the time
    # at Doha the same mediator makes Pakistan gamble after "irresolute": war rises from 0 to q (1 - a)
    doha = CASES["doha_round"].game
    assert informative_exists(doha, m) and babbling(doha, m).outcomes.war == 0.0
    assert predict(doha, m).outcomes.war == pytest.approx(0.05, abs=1e-12)
    assert not informative_exists(doha, Mediator(0.55, 0.05, 0.9))  # b* = 0.568 there, 0.517 in round three
    assert informative_exists(case.game, Mediator(0.55, 0.05, 0.9))


def test_metrics_are_plain_data_with_sources():
    import json

    m = as_metrics(RESULTS["istanbul_round2", "qatar"])
    text = json.dumps(m)
    assert m["mediated"] is True and m["predicted"]["kind"] == "babbling" and m["equilibria"] == ["babbling"]
    assert m["inputs"]["bias"]["source"] == ["assumption"] and m["inputs"]["bias"]["prior"] == "triangular(0.3, 0.45, 0.6)"
    assert m["game"]["sources"]["q"] == ["AF5", "AF8"] and "NaN" not in text


def test_negsims_extensive_form_solver_on_a_round():
    from negsim.games.mediation import equilibria, mediation_tree
    from negsim.solvers.backward_induction import solve_extensive

    for name, m in (("istanbul_round3", Mediator(0.8, 0.05, 0.9)), ("doha_round", Mediator(0.8, 0.05, 0.9)),
                    ("istanbul_round2", MEDIATORS["turkiye"].mediator)):
        g = CASES[name].game
        found = solve_extensive(mediation_tree(g, m))
        wars = {round(e.outcomes.get("war", 0.0), 9) for e in found}
        assert wars == {round(float(e.outcomes.war), 9) for e in equilibria(g, m)}, name
    assert wars == {0.5}  # Turkiye at its stated values in round two: babbling only
