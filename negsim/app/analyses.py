"""The ceasefire, bargaining, crisis and mediation analyses of the ``negsim`` command (``analysis=...``).

Each takes a validated config node and returns the printed report and the metrics; the
numbers come from :mod:`negsim.games.repeated` and :mod:`negsim.games.bargaining`, every
input carrying its evidence.
"""

from __future__ import annotations

import math
from typing import Any

from negsim.errors import ConfigError, NegsimError
from negsim.model.rollout import CeasefireParams, Situation
from negsim.model.scenario import sourced_values
from negsim.model.schema import BargainingSpec, CeasefireGameSpec, parse


def _inputs(spec: Any, names: list[str]) -> dict[str, Any]:
    return {k: {"value": getattr(spec, k), "source": list(spec.sources[k].source), "note": spec.sources[k].note} for k in names}


#: The ceasefire analysis's keys -> the rollout config's keys they default to.
_ROLLOUT_KEYS = {"T": "stage_T", "R": "stage_R", "P": "stage_P", "S": "stage_S", "punishment_days": "punishment_days"}


def with_ceasefire_defaults(node: Any, rollout: Any, scenario: Any) -> dict[str, Any]:
    """The ``ceasefire`` node with every value left out taken from what the ceasefire uses:
    the rollout's stage payoffs and punishment, the round's discount, with their sources
    (plain config data in, plain data out; a value given keeps its own source if it has one)."""
    node = dict(node or {})
    given = {k: v for k, v in node.items() if k != "sources" and v is not None}
    values = {k: rollout.get(r) for k, r in _ROLLOUT_KEYS.items()}
    sources = {k: rollout.get("sources", {}).get(r) for k, r in _ROLLOUT_KEYS.items()}
    discount = scenario.get("ceasefire_discount") or {}
    values["delta"] = discount.get("value")
    sources["delta"] = {"source": discount.get("source"), "note": discount.get("note", "")}
    return {**values, **given, "sources": {**sources, **(node.get("sources") or {})}}


def ceasefire_analysis(
    node: Any, params: CeasefireParams, situation: Situation, outcome: str
) -> tuple[str, dict[str, Any]]:
    """Thresholds and the deterring retaliation probability of the repeated ceasefire game.

    Parameters
    ----------
    node : mapping
        The ``ceasefire`` config node (:class:`negsim.model.schema.CeasefireGameSpec`).
    params : CeasefireParams
        The rollout's parameters, for the daily violation-signal rates.
    situation : Situation
        The ceasefire after one talks outcome (its commitment and the verification in
        force), from :func:`negsim.model.situation.outcome_ceasefire`.
    outcome : str
        That outcome's label, for the report.
    """
    from negsim.games import repeated as cf
    from negsim.model.rollout import signal_probabilities
    from negsim.solvers import solve
    from negsim.viz import text as report

    spec = parse(CeasefireGameSpec, node, "ceasefire")
    names = sourced_values(spec, "ceasefire")
    missing = [k for k in names if getattr(spec, k) is None]
    if missing:
        raise ConfigError(f"ceasefire.{missing[0]}: no value (with_ceasefire_defaults fills it from the rollout and the round)")
    stage = cf.StageGame(float(spec.T or 0), float(spec.R or 0), float(spec.P or 0), float(spec.S or 0))
    delta = cf.check_delta(float(spec.delta or 0))
    k = int(spec.punishment_days or 0)
    if k < 1:
        raise ConfigError(f"ceasefire.punishment_days: expected at least 1 day, got {k}")
    game = cf.ceasefire_game(stage)
    equilibria = solve(game)
    q_hold, q_violate = signal_probabilities(params, situation)
    tft = cf.tit_for_tat_conditions(stage, delta)
    if not q_violate > q_hold:
        raise ConfigError(f"after: the outcome '{outcome}' commits Kabul to nothing; the ceasefire game has nothing to deter")
    trigger = cf.NoisyTrigger(q_hold, q_violate, k)
    try:
        rho = cf.retaliation_probability(stage, delta, q_hold, q_violate, k)
        rho_note = f"{rho:.4f}"
    except NegsimError as exc:
        rho, rho_note = None, f"none deters ({exc})"
    metrics = {
        "inputs": _inputs(spec, names),
        "outcome": outcome,
        "verification_in_force": situation.verification,
        "payoffs": {"A": game.A.tolist(), "B": game.B.tolist()},
        "stage_equilibria": [{"x": e.strategies[0].tolist(), "y": e.strategies[1].tolist()} for e in equilibria],
        "grim_trigger_threshold": cf.grim_trigger_threshold(stage),
        "finite_punishment_threshold": cf.finite_punishment_threshold(stage, k),
        "tit_for_tat_nash": bool(tft.nash),
        "signal_probability_hold": q_hold,
        "signal_probability_violate": q_violate,
        "noisy_trigger_threshold": cf.noisy_trigger_threshold(stage, trigger),
        "retaliation_probability": rho,
        "punishment_fraction_at_that_probability": (
            cf.punishment_fraction(cf.NoisyTrigger(q_hold, q_violate, k, retaliate=rho)) if rho is not None else None
        ),
    }
    metrics = {key: (None if isinstance(v, float) and math.isinf(v) else v) for key, v in metrics.items()}
    fmt = lambda v: "none" if v is None else f"{v:.4f}"  # noqa: E731
    text = "\n".join([
        game.title,
        report.payoff_table(game),
        report.equilibria_report(game, equilibria, 0, "unique equilibrium"),
        f"Perfect monitoring: grim trigger sustains holding iff delta >= {fmt(metrics['grim_trigger_threshold'])}; "
        f"a {k}-day punishment iff delta >= {fmt(metrics['finite_punishment_threshold'])}; "
        f"tit-for-tat is a Nash equilibrium at delta={delta}: {tft.nash}",
        f"Imperfect monitoring (AF3) after '{outcome}': a violation signal each day with probability "
        f"{q_hold:.4f} if Kabul holds, {q_violate:.4f} if it does not (verification in force "
        f"{situation.verification:g})",
        f"  least delta at which certain retaliation for {k} days deters: {fmt(metrics['noisy_trigger_threshold'])}",
        f"  least retaliation probability that deters at delta={delta}: {rho_note}",
        f"  share of days in punishment at that probability (false alarms): "
        f"{fmt(metrics['punishment_fraction_at_that_probability'])}",
    ])
    return text, metrics


#: negsim.games.bargaining's parameter names -> the config keys of the bargaining analysis.
_BARGAINING_KEYS = {
    "d1": "pak_discount", "d2": "afg_discount", "breakdown": "breakdown", "alpha": "pak_power",
    "p": "pak_win", "cA": "pak_war_cost", "cB": "afg_war_cost_max", "cbar": "afg_war_cost_max",
}


def _config_key_names(message: str) -> str:
    """Rename ``bargaining.<parameter>`` in a message to the config key the user set."""
    head, sep, rest = message.partition(":")
    param = head.removeprefix("bargaining.")
    if sep and param in _BARGAINING_KEYS:
        return f"bargaining.{_BARGAINING_KEYS[param]} ({param}){sep}{rest}"
    return message


def bargaining_analysis(node: Any) -> tuple[str, dict[str, Any]]:
    """Rubinstein, Nash bargaining, Fearon's range and the take-it-or-leave-it offer."""
    from negsim.games import bargaining as bg

    spec = parse(BargainingSpec, node, "bargaining")
    names = sourced_values(spec, "bargaining")
    try:
        rub = bg.rubinstein(spec.pak_discount, spec.afg_discount, spec.breakdown)
        nash = bg.nash_bargaining(spec.pak_disagreement, spec.afg_disagreement, spec.pak_power)
        low, high = bg.fearon_range(spec.pak_win, spec.pak_war_cost, spec.afg_war_cost_max / 2)
        tioli = bg.take_it_or_leave_it(spec.pak_win, spec.pak_war_cost, spec.afg_war_cost_max)
    except ConfigError as exc:
        raise ConfigError(_config_key_names(str(exc))) from None
    metrics = {
        "inputs": _inputs(spec, names),
        "rubinstein_pak_share": rub.proposer_share,
        "rubinstein_afg_share": rub.responder_share,
        "effective_discounts": [rub.d1_eff, rub.d2_eff],
        "nash_shares": list(nash),
        "fearon_range_at_mean_afg_cost": [low, high],
        "tioli_pak_demand": tioli.demand,
        "tioli_war_probability": tioli.war_probability,
    }
    text = "\n".join([
        "Bargaining over a unit pie (Pakistan proposes first)",
        f"Rubinstein with breakdown risk {spec.breakdown:g} a round: effective discounts "
        f"{rub.d1_eff:.4f} (Pakistan), {rub.d2_eff:.4f} (Kabul); Pakistan's share {rub.proposer_share:.4f}, "
        f"Kabul's {rub.responder_share:.4f}",
        f"Asymmetric Nash bargaining (power {spec.pak_power:g}, disagreement {spec.pak_disagreement:g}, "
        f"{spec.afg_disagreement:g}): shares {nash[0]:.4f}, {nash[1]:.4f}",
        f"Fearon: every split giving Pakistan between {low:.4f} and {high:.4f} beats war for both "
        f"(Kabul's war cost at its mean {spec.afg_war_cost_max / 2:g})",
        f"With Kabul's war cost private, uniform on [0, {spec.afg_war_cost_max:g}]: Pakistan demands "
        f"{tioli.demand:.4f} and war follows with probability {tioli.war_probability:.4f}",
    ])
    return text, metrics


def crisis_analysis(scenario, out_dir=None) -> tuple[str, dict[str, Any]]:
    """The crisis game of a scenario solved by logit agent QRE (docs/crisis.md).

    Reports who does what by type, the outcome probabilities, the probability of the
    round's recorded path (``configs/game/crisis.yaml``, ``record``) and how it moves
    across the ranges of the precision and of the audience cost.

    Parameters
    ----------
    scenario : negsim.model.scenario.Scenario
        Supplies the feature weights (``configs/game/crisis.yaml`` the tree's numbers).
    out_dir : path, optional
        Where to write the game as Gambit ``crisis.efg`` (atomically).
    """
    from negsim.games.extensive import expected_payoffs
    from negsim.io.efg import write_efg
    from negsim.model.crisis import PATHS, load_crisis_spec, predict, record_robustness, type_behavior
    from negsim.solvers.backward_induction import describe

    spec = load_crisis_spec()
    pred = predict(scenario, spec)
    game, qre = pred.game, pred.qre

    def sourced(name: str, value: float, span: tuple[float, float]) -> dict[str, Any]:
        return {"value": value, "range": list(span), "source": list(spec.model_sources[name])}

    lines = [
        f"{game.title}",
        f"Solution concept: logit agent QRE (McKelvey & Palfrey 1998) at precision {qre.lam:g} per unit of each "
        f"player's payoff range over the leaves (ranges {qre.scale[0]:.3f} and {qre.scale[1]:.3f} payoff units); "
        f"audience cost {spec.audience_cost:g} units of pak_concession on backing down after a refusal",
        describe(game, qre.behavior),
        f"P(Pakistan strikes) = {pred.strike_probability:.3f}; expected escalation {pred.expected_escalation:.3f} "
        "(ladder 0-4)",
    ]
    metrics: dict[str, Any] = {
        "scenario": scenario.name,
        "game": game.title,
        "solution_concept": "logit agent quantal response equilibrium (McKelvey Palfrey 1998)",
        "precision": sourced("precision", spec.precision, spec.precision_range),
        "audience_cost": sourced("audience_cost", spec.audience_cost, spec.audience_range),
        "payoff_scale": qre.scale.tolist(),
        "behavior": type_behavior(game, qre.behavior),
        "outcomes": qre.outcomes,
        "payoffs": expected_payoffs(game, qre.behavior).tolist(),
        "residual": qre.residual,
        "strike_probability": pred.strike_probability,
        "expected_escalation": pred.expected_escalation,
        "recorded_path": None,
    }
    if pred.recorded_leaf is not None:
        leaf = pred.recorded_leaf
        robust = record_robustness(scenario, spec)
        metrics["recorded_path"] = {
            "leaf": leaf, "actions": list(PATHS[leaf]), "label": spec.labels[leaf],
            "probability": pred.recorded_probability,
            "source": list(spec.model_sources[f"record.{scenario.name}"]),
            "robustness": robust,
        }
        lines.append(f"Recorded path ({' > '.join(PATHS[leaf])}: {spec.labels[leaf]}): "
                     f"probability {pred.recorded_probability:.3f}")
        for key, what in (("precision", "precision"), ("audience_cost", "audience cost")):
            lines.append(f"  across the {what}: " + ", ".join(f"{x:g}: {p:.3f}" for x, p in robust[key]))
    if out_dir is not None:
        from pathlib import Path

        path = Path(out_dir) / "crisis.efg"
        write_efg(game, path)
        lines.append(f"Gambit file: {path}")
    return "\n".join(lines), metrics


def mediation_analysis(scenario, node: Any = None, play: Any = None, *, seed: int | None = None) -> tuple[str, dict[str, Any]]:
    """The mediator as a strategic player (docs/mediation.md): Kydd's (2003) informational
    mediation on the round's crisis-game numbers, for each mediator of ``configs/mediator_play/``."""
    from negsim.model.crisis import load_crisis_spec
    from negsim.model.mediation import (
        SEED,
        MediationRunSpec,
        as_metrics,
        build_mediator_play,
        kydd_case,
        load_mediators,
        mediate,
    )

    spec = parse(MediationRunSpec, node or {}, "mediation")
    if spec.draws < 1:
        raise ConfigError(f"mediation.draws: expected at least 1 draw, got {spec.draws}")
    mediators = build_mediator_play(play, "mediator_play") if play is not None else load_mediators(tuple(spec.files))
    case = kydd_case(scenario, load_crisis_spec())
    rng = SEED if seed is None else seed
    results = [mediate(case, prior, spec.draws, rng=rng) for prior in mediators.values()]
    g, base = case.game, results[0].without
    demand = "the written demand" if base.demand_after["resolved"] == "risky" else "the lesser terms"
    lines = [
        f"The mediator as a strategic player (Kydd 2003, two types): {scenario.title} ({scenario.dates})",
        f"Pakistan's lesser terms are worth s = {case.share_safe:.4f} of the issue (confrontation 0, the written "
        f"guarantee 1); it makes the written demand iff P(Kabul resolved) < {g.threshold:.4f}; prior {g.q:g} "
        f"({', '.join(case.sources['q'])})",
        f"Without a mediator (babbling): {demand}; P(deal) {base.outcomes.deal:.3f}, P(war) {base.outcomes.war:.3f}, "
        f"expected escalation {results[0].escalation_without:.3f} (ladder 0-4)",
        f"{'mediator':<29} {'b':>5} {'w':>5} {'a':>5} {'b*':>6}  {'prediction':<11} {'P(deal)':>7} {'P(war)':>6} "
        f"{'E[esc]':>6}  credible across the priors",
    ]
    for r in results:
        v = r.prior.values
        star = "none" if r.threshold is None else f"{r.threshold:.3f}"
        lines.append(
            f"{r.prior.label:<29} {v['bias']:>5.2f} {v['war_cost']:>5.2f} {v['accuracy']:>5.2f} {star:>6}  "
            f"{r.predicted.kind:<11} {r.predicted.outcomes.deal:>7.3f} {r.predicted.outcomes.war:>6.3f} "
            f"{r.escalation_with:>6.3f}  {r.priors.credible_draws} of {r.priors.draws} draws "
            f"({100 * r.priors.credible_share:.2f}% +- {100 * r.priors.credible_se:.2f})"
        )
    lines.append("b* is the least bias toward Pakistan at which the mediator's 'irresolute' report is credible "
                 "(given its w and a); the prediction is the informative equilibrium where it exists, else babbling")
    if not all(case.kabul.values()):
        bad = ", ".join(k.replace("_", " ") for k, ok in case.kabul.items() if not ok)
        lines.append(f"Note: Kabul's own crisis payoffs do not order the leaves as Kydd's types need here (not: {bad})")
    metrics = {"scenario": scenario.name, "model": "informational mediation (Kydd 2003), two types",
               "mediators": [as_metrics(r) for r in results]}
    return "\n".join(lines), metrics
