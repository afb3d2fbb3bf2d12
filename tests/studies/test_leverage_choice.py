"""The mediator that chooses its leverage (negsim/studies/leverage_choice.py).

What is shown: the batch talks prediction is the prediction and the two-regime chain is
the exact chain; the choice is optimal on an independent finer grid; a mediator that
values durability chooses differently from one that values only a deal (Istanbul round
two, named below); the budget binds where it should; every number of the objective
configs names its evidence or is an assumption with a range; the choice under draws of
those ranges is the choice at each drawn objective, the mediators sharing the draws of a
shared assumption. Small grids, the exact
chain over the objectives' 90 days, and the module's content caches keep it fast.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

from negsim.errors import ConfigError
from negsim.io.configs import config_dir, load_yaml
from negsim.model.chain import exact_results
from negsim.model.scenario import build_rollout, load_scenario
from negsim.model.situation import outcome_ceasefire
from negsim.model.talks import predict, with_mediator
from negsim.studies.leverage_choice import (
    ASSUMPTION,
    READS,
    LeverageProblem,
    available_objectives,
    budget_curve,
    build_objective,
    ceasefire_regimes,
    choice_line,
    choice_robustness,
    choose_leverage,
    committed_cost,
    leverage_choice_study,
    load_objective,
    objective_draws,
    robustness_pairs,
    switched_reads,
    talks_predictions,
    with_parameters,
)

ROUNDS = ("doha_round", "istanbul_round2", "istanbul_round3")
#: The search settings of the shipped experiment (configs/experiment/leverage_choice.yaml).
SEARCH = {"grid": 5, "starts": 2, "max_evaluations": 60}
#: How much better than the choice a point of the finer grid may be (mediator units): the
#: objective is exact (no sampling), so only the search's own resolution is tolerated.
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def setup():
    return build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml"))


@pytest.fixture(scope="module")
def round2():
    return load_scenario("istanbul_round2")


@pytest.fixture(scope="module")
def choices(setup, round2):
    """Round two's choice under deal_only and durable_peace, at the shipped settings."""
    return {name: choose_leverage(round2, load_objective(name), setup, **SEARCH) for name in ("deal_only", "durable_peace")}


# --------------------------------------------------------------------------- the pieces


@pytest.mark.parametrize("name", ROUNDS)
def test_the_batch_talks_prediction_is_the_prediction(name):
    sc = load_scenario(name)
    rng = np.random.default_rng(7)
    knobs = {"transfer_written": rng.uniform(0, 8, 5), "transfer_pledge": rng.uniform(0, 8, 5),
             "penalty_breakdown": rng.uniform(0, 4, 5), "verification": rng.uniform(0, 1, 5)}
    batch = talks_predictions(sc, knobs)
    for g in range(5):
        one = predict(with_mediator(sc, **{k: float(v[g]) for k, v in knobs.items()}))
        np.testing.assert_allclose(batch[g], one, rtol=0, atol=1e-12)


def test_the_two_regime_chain_without_a_switch_is_the_exact_chain(setup, round2):
    sits = list(dict.fromkeys(outcome_ceasefire(round2, i, j, setup)[0] for i in range(3) for j in range(3)))
    H = 60
    reads = switched_reads(setup.params, [(s, s) for s in sits], horizon=H, switch_day=H, outcome_level=4,
                           breakdown_level=3)
    for r, exact in zip(reads, exact_results(setup.params, sits, H), strict=True):
        np.testing.assert_allclose(r, [exact.reached[H - 1, 3], exact.breakdown[H - 1], exact.deaths.sum(),
                                       (1 - exact.breakdown).sum()], rtol=1e-11, atol=1e-11)


def test_the_compliance_transfer_stops_when_the_mediator_leaves_and_provisions_stay(setup, round2):
    obj = load_objective("durable_peace")
    regimes = ceasefire_regimes(round2, setup, obj, {"transfer_compliance": 1.0, "verification": 0.6,
                                                     "deconfliction": 0.8})
    engaged, gone = regimes[(0, 0)]  # the written, verified guarantee provides all three
    assert engaged.deterred and engaged.pak_retaliate == 0.0  # paid enough to hold without a threat
    assert gone.pak_retaliate is not None and gone.pak_retaliate > 0.0  # once unpaid, only a threat deters
    assert (gone.verification, gone.deconfliction) == (engaged.verification, engaged.deconfliction) == (0.6, 0.8)
    b = READS.index("p_breakdown")
    late, early, never = (switched_reads(setup.params, [(engaged, gone)], horizon=90, switch_day=d, outcome_level=3,
                                         breakdown_level=3)[0] for d in (90, 21, 0))
    assert late[b] < early[b] < never[b]  # the sooner the carrot stops, the likelier the breakdown
    assert never[READS.index("held_days")] == 0.0 and 0 < early[READS.index("held_days")] <= 21


def test_the_commitment_is_the_larger_deal_transfer_plus_the_rest():
    obj = load_objective("deal_only")
    knobs = {"transfer_written": np.array([1.0, 0.0]), "transfer_pledge": np.array([0.5, 2.0]),
             "transfer_compliance": np.array([0.3, 0.0]), "verification": np.array([0.2, 0.0]),
             "deconfliction": np.array([0.1, 1.0])}
    p = obj.prices
    expected = [max(p["transfer_written"] * 1.0, p["transfer_pledge"] * 0.5) + p["transfer_compliance"] * 0.3
                * obj.engagement_days + p["verification"] * 0.2 + p["deconfliction"] * 0.1,
                p["transfer_pledge"] * 2.0 + p["deconfliction"] * 1.0]
    np.testing.assert_allclose(committed_cost(obj, knobs), expected)


# --------------------------------------------------------------------------- the choice


@pytest.mark.parametrize("name", ["deal_only", "durable_peace"])
def test_the_choice_beats_every_point_of_an_independent_finer_grid(choices, setup, round2, name):
    choice = choices[name]
    fine = LeverageProblem(round2, choice.objective, setup)
    X = fine.grid(7)  # levels at sixths of each range: only 0 and the top are coarse-grid levels
    assert len(X) > 500 and np.all(fine.committed(X) <= choice.objective.budget + 1e-12)
    U = fine.evaluate(X)["objective"]
    assert U.max() <= choice.chosen.objective + TOLERANCE, (X[np.argmax(U)], U.max(), choice.chosen.objective)
    assert choice.chosen.committed_cost <= choice.objective.budget + 1e-12
    assert choice.runner_up is not None and choice.runner_up.objective <= choice.chosen.objective
    assert choice.runner_up.leading != choice.chosen.leading


def test_durability_and_deal_only_choose_differently_in_istanbul_round_two(choices):
    """Round two, the same prices and budget: deal_only spends all its commitment on the
    deal transfers and nothing on de-confliction (which buys no deal); durable_peace puts
    most of its expected cost into de-confliction, a provision that outlives the mediator.
    Deal_only gets the likelier deal, durable_peace the likelier peace."""
    deal, durable = choices["deal_only"].chosen, choices["durable_peace"].chosen
    assert deal.knobs["deconfliction"] == 0.0 and deal.leading == "transfer_pledge"
    assert deal.knobs["transfer_pledge"] == pytest.approx(1.0, abs=1e-6)  # the whole budget (0.1 at 0.1 a unit)
    assert durable.knobs["deconfliction"] > 0.4 and durable.leading == "deconfliction"
    assert durable.knobs["transfer_pledge"] < 0.6 * deal.knobs["transfer_pledge"]
    assert deal.p_deal > durable.p_deal + 0.05
    assert durable.p_breakdown < deal.p_breakdown - 0.1
    for c in choices.values():  # both beat the round's own leverage under their own objective
        assert c.chosen.objective > c.shipped.objective


def test_a_zero_budget_chooses_no_paid_leverage(setup, round2):
    obj = load_objective("durable_peace").with_budget(0.0)
    choice = choose_leverage(round2, obj, setup, **SEARCH)
    assert choice.grid_points == 1 and choice.chosen.committed_cost == 0.0 and choice.chosen.leading == "none"
    assert all(choice.chosen.knobs[k] == 0.0 for k in choice.knobs)
    assert choice.chosen.knobs["penalty_breakdown"] == round2.mediator.penalty_breakdown  # not chosen: held


def test_raising_the_budget_never_lowers_the_optimum_and_binds_where_it_should(setup, round2):
    obj = load_objective("deal_only")
    budgets = [0.0, 0.05, 0.1, 0.2, 0.6]
    curve = budget_curve(round2, obj, setup, budgets, grid=4, starts=1, max_evaluations=30)
    U = [c.chosen.objective for c in curve]
    assert np.all(np.diff(U) >= 0), U
    assert U[-1] > U[0] + 0.1
    committed = [c.chosen.committed_cost for c in curve]
    for b, c in zip(budgets[1:4], committed[1:4], strict=True):  # below what it would spend, it spends it all
        assert c == pytest.approx(b, rel=1e-6)
    assert committed[-1] < budgets[-1] - 0.1  # a deal-only mediator stops well short of a large budget
    alone = [choose_leverage(round2, obj.with_budget(b), setup, grid=4, starts=1, max_evaluations=30).chosen.objective
             for b in budgets[1:3]]
    assert alone[0] <= alone[1] + TOLERANCE  # independent searches too


# --------------------------------------------------------------------------- the configs


@pytest.mark.parametrize("name", ["deal_only", "durable_peace", "qatar", "turkiye"])
def test_every_number_of_a_shipped_objective_names_its_evidence_or_is_an_assumption_with_a_range(name):
    assert name in available_objectives()
    obj = load_objective(name)
    keys = {f"mediator_objective.{k}" for k in ("escalation.weight", "deaths", "budget", "engagement_days")}
    keys |= {f"mediator_objective.value.{k}" for k in obj.value}
    keys |= {f"mediator_objective.price.{k}" for k in obj.prices}
    keys |= {f"mediator_objective.persistence.{k}" for k in obj.persistence}
    assert set(obj.evidence) == keys
    for key, sources in obj.evidence.items():
        assert sources, key
        if ASSUMPTION in sources:
            prior = obj.priors[key]
            assert prior.low < prior.high, key


def _node(name="deal_only"):
    return copy.deepcopy(load_yaml(config_dir() / "mediator_objective" / f"{name}.yaml"))


@pytest.mark.parametrize("path, message", [
    (("price", "transfer_pledge"), "mediator_objective.price.transfer_pledge.source: missing source"),
    (("budget",), "mediator_objective.budget.source: missing source"),
    (("persistence", "verification"), "mediator_objective.persistence.verification.source: missing source"),
    (("escalation", "weight"), "mediator_objective.escalation.weight.source: missing source"),
])
def test_a_missing_source_is_one_line_naming_the_key(path, message):
    node = _node()
    entry = node
    for step in path:
        entry = entry[step]
    del entry["source"]
    with pytest.raises(ConfigError, match=rf"^{re.escape(message)} \(list POSITIONS\.md IDs, 'cite:Author Year' or "
                                          r"'assumption'\)$") as err:
        build_objective(node)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("change, message", [
    (lambda n: n["price"]["transfer_written"].pop("prior"),
     r"^mediator_objective\.price\.transfer_written\.prior: an assumption needs the range considered"),
    (lambda n: n["price"]["transfer_written"].update(prior={"dist": "triangular", "low": 0.2, "high": 0.5}),
     r"^mediator_objective\.price\.transfer_written\.prior: the support \[0\.2, 0\.5\] does not contain the value 0\.1$"),
    (lambda n: n["price"].update(penalty=n["price"]["verification"]),
     r"^mediator_objective\.price\.penalty: unknown mediator knob"),
    (lambda n: n["escalation"].update(outcome="crossings_reopened"),
     r"^mediator_objective\.escalation\.outcome: expected a ladder outcome"),
    (lambda n: n["budget"].update(value=-1.0), r"^mediator_objective\.budget\.value: expected a value in \[0, inf\]"),
    (lambda n: n["persistence"]["deconfliction"].update(value=1.5),
     r"^mediator_objective\.persistence\.deconfliction\.value: expected a value in \[0, 1\]"),
    (lambda n: n["price"]["verification"].update(source=["MD99"]),
     r"^mediator_objective\.price\.verification\.source: unknown source 'MD99'"),
    (lambda n: n.update(budgt=1), r"^mediator_objective\.budgt: unknown key"),
])
def test_a_bad_objective_is_one_line_naming_the_key(change, message):
    node = _node()
    change(node)
    with pytest.raises(ConfigError, match=message):
        build_objective(node)


def test_the_study_runs_every_round_and_objective_and_says_so_in_a_line(setup, round2):
    lines: list[str] = []
    choices, curve = leverage_choice_study([round2], setup, {"objectives": ["durable_peace"], "grid": 3, "starts": 1,
                                                             "max_evaluations": 10, "budgets": [0.0, 0.1]},
                                           progress=lines.append)
    assert [(c.scenario, c.objective.name) for c in choices] == [("istanbul_round2", "durable_peace")]
    assert [c.objective.budget for c in curve] == [0.0, 0.1]
    assert lines == [choice_line(choices[0])] and lines[0].startswith("istanbul_round2  durable_peace")
    row = choices[0].row()
    assert row["mediator_objective"] == "durable_peace" and row["objective"] == choices[0].chosen.objective
    assert row["committed_cost"] <= 0.1 + 1e-12 and "runner_up_gap" in row
    with pytest.raises(ConfigError, match=r"^mediator_objective: unknown objective 'nope'"):
        leverage_choice_study([round2], setup, {"objectives": ["nope"]})
    with pytest.raises(ConfigError, match=r"^leverage_choice\.grid: expected a whole number of levels >= 2"):
        leverage_choice_study([round2], setup, {"objectives": ["deal_only"], "grid": 1})


# --------------------------------------------------------------------------- robustness to the assumptions

SMALL = {"grid": 3, "starts": 1, "max_evaluations": 8}


def test_with_parameters_sets_each_kind_of_parameter_by_its_key():
    base = load_objective("turkiye")
    changed = with_parameters(base, {
        "mediator_objective.value.written": 0.7, "mediator_objective.price.verification": 0.3,
        "mediator_objective.persistence.deconfliction": 0.6, "mediator_objective.escalation.weight": 2.0,
        "mediator_objective.deaths": 0.01, "mediator_objective.budget": 0.25, "mediator_objective.engagement_days": 44.6,
    })
    assert changed.value == {**base.value, "written": 0.7}
    assert changed.prices == {**base.prices, "verification": 0.3}
    assert changed.persistence == {**base.persistence, "deconfliction": 0.6}
    assert (changed.outcome_weight, changed.deaths_weight, changed.budget, changed.engagement_days) == (
        2.0, 0.01, 0.25, 45)
    assert base.value["written"] == 0.2 and base.engagement_days == 60  # the original is untouched
    with pytest.raises(ConfigError) as exc:
        with_parameters(base, {"mediator_objective.price.penalty_breakdown": 1.0})  # not a knob turkiye prices
    assert str(exc.value) == ("mediator_objective.price.penalty_breakdown: not a parameter of the mediator "
                              "objective 'turkiye'")


def test_objective_draws_stay_in_their_ranges_repeat_with_the_seed_and_share_a_shared_assumption():
    deal, peace = load_objective("deal_only"), load_objective("durable_peace")
    keys, u, (a, b) = objective_draws([deal, peace], 8, "sobol", seed=3)
    assert keys == sorted(set(deal.priors) | set(peace.priors)) and u.shape == (8, len(keys))
    assert len(a) == len(b) == 8
    for objective, variants in ((deal, a), (peace, b)):
        for key, prior in objective.priors.items():
            head, _, part = key.split(".", 1)[1].partition(".")
            drawn = [getattr(v, {"price": "prices"}.get(head, head))[part] if part else getattr(v, head)
                     for v in variants]
            assert all(prior.low - 1e-9 <= x <= prior.high + 1e-9 for x in drawn), key
            assert len(set(drawn)) > 1, key  # the draws move it
    shared = [k for k in deal.priors if k in peace.priors
              and deal.priors[k].describe() == peace.priors[k].describe()]
    assert "mediator_objective.price.verification" in shared
    assert [v.prices["verification"] for v in a] == [v.prices["verification"] for v in b]
    again = objective_draws([deal, peace], 8, "sobol", seed=3)
    assert np.array_equal(again[1], u)
    assert not np.array_equal(objective_draws([deal, peace], 8, "sobol", seed=4)[1], u)
    with pytest.raises(ConfigError) as exc:
        objective_draws([deal], 2, "grid")
    assert str(exc.value) == "leverage_choice.method: expected one of sobol, lhs, got 'grid'"


def test_the_choice_under_draws_is_the_choice_at_each_drawn_objective(setup, round2):
    spec = {"objectives": ["deal_only", "durable_peace"], "draws": 3, "seed": 11, **SMALL}
    choices, _ = leverage_choice_study([round2], setup, spec)
    lines: list[str] = []
    robust = choice_robustness([round2], choices, setup, spec, seed=999, progress=lines.append)
    assert [r.central for r in robust] == choices and [len(r.draws) for r in robust] == [3, 3]
    _, _, variants = objective_draws([c.objective for c in choices], 3, "sobol", seed=11)  # spec.seed wins
    for r, drawn in zip(robust, variants, strict=True):
        for d, objective in zip(r.draws, drawn, strict=True):
            again = choose_leverage(round2, objective, setup, **SMALL)
            assert d.chosen.knobs == again.chosen.knobs and d.chosen.objective == again.chosen.objective
        row = r.row()
        lead = r.leading()
        assert row["same_leading"] == sum(k == r.central.chosen.leading for k in lead) / 3
        assert sorted(row["leading_counts"].split()) == sorted(f"{k}:{lead.count(k)}" for k in set(lead))
        assert row["p_deal_q05"] <= row["p_deal_q50"] <= row["p_deal_q95"]
        assert row["p_deal_q05"] == pytest.approx(np.quantile([d.chosen.p_deal for d in r.draws], 0.05))
    assert len(lines) == 2 and lines[0].startswith("istanbul_round2  deal_only      over 3 draws of its assumptions: ")
    (pair,) = robustness_pairs(robust)
    la, lb = robust[0].leading(), robust[1].leading()
    assert pair == {"scenario": "istanbul_round2", "objective_a": "deal_only", "objective_b": "durable_peace",
                    "draws": 3, "differ_at_stated": choices[0].chosen.leading != choices[1].chosen.leading,
                    "differ_share": sum(x != y for x, y in zip(la, lb, strict=True)) / 3}
    assert choice_robustness([round2], choices, setup, {**spec, "draws": 0}) == []
    with pytest.raises(ConfigError) as exc:
        choice_robustness([round2], choices, setup, {**spec, "draws": -1})
    assert str(exc.value) == "leverage_choice.draws: expected a whole number >= 0, got -1"
