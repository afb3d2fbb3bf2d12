"""Plain-text views of a solved game: the payoff table with its evidence, the equilibria.

Pure functions from domain objects to strings; the CLI prints them and the seminar
material reuses them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from negsim.equilibrium import Equilibrium
from negsim.game import Game
from negsim.model.scenario import MEDIATOR_KNOBS, Scenario


def _fmt_ids(ids: Sequence[str]) -> str:
    return "[" + ", ".join(ids) + "]"


def payoff_table(game: Game) -> str:
    """The payoff bimatrix, with ``*`` on each player's best responses to pure actions.

    A cell reads ``row payoff, column payoff``; ``*`` after a payoff marks a best reply
    of that player to the other's action, so a cell with two stars is a pure equilibrium.
    """
    A, B = game.A, game.B
    rows, cols = game.actions
    row_best = A >= A.max(axis=0, keepdims=True) - 1e-12
    col_best = B >= B.max(axis=1, keepdims=True) - 1e-12

    def cell(i: int, j: int) -> str:
        a = f"{A[i, j]:+.2f}{'*' if row_best[i, j] else ' '}"
        b = f"{B[i, j]:+.2f}{'*' if col_best[i, j] else ' '}"
        return f"{a}, {b}"

    cells = [[cell(i, j) for j in range(len(cols))] for i in range(len(rows))]
    width = max(len(c) for c in (*cols, *(c for r in cells for c in r))) + 3
    label_w = max(len(r) for r in rows) + 2
    lines = [f"Payoffs ({game.players[0]} rows, {game.players[1]} columns; * = best reply)"]
    lines.append(" " * label_w + "".join(c.rjust(width) for c in cols))
    for i, r in enumerate(rows):
        lines.append(r.ljust(label_w) + "".join(c.rjust(width) for c in cells[i]))
    return "\n".join(lines)


def evidence_report(scenario: Scenario) -> str:
    """Where every number comes from: outcome codings, weights, mediator knobs."""
    rows, cols = scenario.actions
    lines = ["Outcomes (features) and their evidence:"]
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            feats = ", ".join(
                f"{f}={scenario.features[i, j, k]:g}" for k, f in enumerate(scenario.feature_names)
            )
            lines.append(f"  {r} / {c}: {scenario.outcome_labels[i][j]} ({feats}) {_fmt_ids(scenario.outcome_sources[i][j])}")
    lines.append("Weights (payoff units per feature unit) and their evidence:")
    for p, player in enumerate(scenario.players):
        for k, f in enumerate(scenario.feature_names):
            note = scenario.weight_notes[p][k]
            lines.append(
                f"  {player} {f:<15} {scenario.weights[p, k]:+6.2f} {_fmt_ids(scenario.weight_sources[p][k])}"
                + (f"  {note}" if note else "")
            )
    lines.append("Mediator leverage and its evidence:")
    for knob in MEDIATOR_KNOBS:
        lines.append(f"  {knob:<18} {getattr(scenario.mediator, knob):g} {_fmt_ids(scenario.mediator_sources[knob])}")
    return "\n".join(lines)


def _strategy(labels: Sequence[str], p: np.ndarray) -> str:
    parts = [f"{lab} {q:.4g}" for lab, q in zip(labels, p, strict=True) if q > 1e-12]
    return ", ".join(parts)


def equilibria_report(game: Game, equilibria: Sequence[Equilibrium], selected: int, rule: str) -> str:
    """The equilibria, their payoffs and regrets, and the selected one."""
    rows, cols = game.actions
    lines = [f"Equilibria ({len(equilibria)}):"]
    for k, eq in enumerate(equilibria):
        x, y = eq.strategies
        mark = "  <- selected" if k == selected else ""
        lines.append(
            f"  #{k + 1}: {game.players[0]} [{_strategy(rows, x)}]; {game.players[1]} [{_strategy(cols, y)}]; "
            f"payoffs {eq.payoffs[0]:+.4f}, {eq.payoffs[1]:+.4f}; max regret {eq.regret.max():.1e}{mark}"
        )
    lines.append(f"Selected by the '{rule}' rule: #{selected + 1}")
    return "\n".join(lines)


def rollout_report(forecast, outcomes: list[dict]) -> str:
    """Headline numbers of the ceasefire forecast, and the ceasefire after each outcome.

    ``outcomes`` are the records of ``metrics.json``'s ``outcomes`` (with ``ceasefire``
    entries for the strata).
    """
    from negsim.model.rollout import LEVELS

    s = forecast.summary()
    q = forecast.time_to_breakdown_quantiles()
    fmt = lambda d: "beyond horizon" if d == float("inf") else f"day {d:g}"  # noqa: E731
    level = LEVELS[next(o["ceasefire"]["breakdown_level"] for o in outcomes if "ceasefire" in o)]
    exact = s["method"] == "exact"
    how = "exact (Markov chain)," if exact else f"{s['runs']:,} runs x"
    lines = [
        f"Ceasefire forecast: {how} {s['days']} days after each of {s['strata']} predicted "
        "outcome(s), weighted by their probabilities",
        f"  P(breakdown, '{level}' or worse, by day {s['days']}): {s['p_breakdown']:.4f} "
        + ("(exact: no sampling error)" if exact else f"(95% CI {s['p_breakdown_low']:.4f}-{s['p_breakdown_high']:.4f})"),
        f"  time to breakdown: 25% by {fmt(q[0.25])}, median {fmt(q[0.5])}, 75% by {fmt(q[0.75])}",
        f"  P(at least one incident in 21 days): {forecast.incident_probability(21):.4f}",
        f"  mean closed-crossing days {s['mean_closed_days']:.1f} (trade lost ${s['mean_trade_lost_usd'] / 1e6:.1f} million); "
        f"mean deaths {s['mean_deaths']:.1f}; P(open war at the horizon) {s['p_open_war']:.4f}",
        "  after each outcome (probability: deterred?, Pakistan's retaliation, verification and channel in force, "
        f"P(breakdown by day {s['days']})):",
    ]
    for o in sorted((o for o in outcomes if "ceasefire" in o), key=lambda o: -o["probability"]):
        c = o["ceasefire"]
        retaliate = "rule" if c["pak_retaliate"] is None else f"{c['pak_retaliate']:.2f}"
        lines.append(
            f"    {o['probability']:.3f}  {o['label']}: {'deterred' if c['deterred'] else 'not deterred'}, "
            f"retaliation {retaliate}, verification {c['verification']:.2f}, channel {c['deconfliction']:.2f}, "
            f"P(breakdown) {c.get('p_breakdown', float('nan')):.3f}"
        )
    return "\n".join(lines)


def band_report(band: dict, rollout: dict | None) -> str:
    """The parameter band of a point (``metrics["uncertainty"]``) beside its Monte Carlo
    interval (or its exact value, ``rollout.method=exact``)."""
    lines = [
        f"Parameter band: {band['draws']} joint draws of {len(band['parameters'])} judgement calls from their "
        f"priors ({band['method']}, seed {band['seed']}; ceasefire computed exactly for each draw)"
        + (f", weighted by the record's likelihood (worth {band['effective_draws']:.0f} draws)"
           if band.get("use") == "posterior" else "")
        + ". 5%, 50% and 95% points over the draws:"
    ]
    names = {"p_deal": "P(deal)", "p_breakdown": "P(breakdown by the horizon)", "p_open_war": "P(open war by the horizon)"}
    for key, label in names.items():
        if f"{key}_q05" not in band:
            continue
        line = f"  {label}: {band[f'{key}_q05']:.3f} / {band[f'{key}_q50']:.3f} / {band[f'{key}_q95']:.3f}"
        if key == "p_breakdown" and rollout and rollout.get("method") == "exact":
            line += f"   (exact chain at the stated values: {rollout['p_breakdown']:.3f})"
        elif key == "p_breakdown" and rollout:
            line += (f"   (Monte Carlo alone: {rollout['p_breakdown']:.3f}, 95% interval "
                     f"{rollout['p_breakdown_low']:.3f}-{rollout['p_breakdown_high']:.3f})")
        lines.append(line)
    shares = sorted(band["p_outcome_is_prediction"].items(), key=lambda kv: -kv[1])
    lines.append("  most probable outcome over the draws: " + "; ".join(f"{o} in {100 * p:.0f}%" for o, p in shares))
    return "\n".join(lines)
