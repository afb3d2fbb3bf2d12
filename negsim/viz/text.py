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


def _interval(p: float, low: float, high: float, exact: bool) -> str:
    """``0.0508 (95% CI 0.0468-0.0551)``, or for an exact value ``0.0508 (exact: no sampling error)``."""
    return f"{p:.4f} (exact: no sampling error)" if exact else f"{p:.4f} (95% CI {low:.4f}-{high:.4f})"


def _by_day(d: float, days: int) -> str:
    """A quantile's day in words: ``by day 25``, or ``not within the 180 days``."""
    return f"not within the {days} days" if d == float("inf") else f"by day {d:g}"


def rollout_report(forecast, metrics: dict) -> str:
    """The answer to the run's question (``metrics["outcome"]``) with its interval, every
    named outcome by the horizon (``metrics["rollout"]["ladder"]``), the headline numbers of
    the ceasefire forecast, and the ceasefire after each outcome (``metrics["outcomes"]``,
    with ``ceasefire`` entries for the strata)."""
    from negsim.model.rollout import LEVELS

    s = forecast.summary()
    q = forecast.time_to_breakdown_quantiles()
    outcomes, answer, ladder = metrics["outcomes"], metrics["outcome"], metrics["rollout"]["ladder"]
    level = LEVELS[next(o["ceasefire"]["breakdown_level"] for o in outcomes if "ceasefire" in o)]
    exact = s["method"] == "exact"
    how = "exact (Markov chain)," if exact else f"{s['runs']:,} runs x"
    horizon = answer["horizon"]
    lines = [
        f"Ceasefire forecast: {how} {s['days']} days after each of {s['strata']} predicted "
        "outcome(s), weighted by their probabilities",
        f"  {answer['question']}: {_interval(answer['p'], answer['low'], answer['high'], exact)}",
        f"  within {horizon} days, each outcome: "
        + "; ".join(f"{v['label']} {v['p']:.4f}" + ("" if exact else f" ({v['low']:.4f}-{v['high']:.4f})")
                    for v in ladder.values()),
        f"  P(breakdown, '{level}' or worse, by day {s['days']}): "
        + _interval(s["p_breakdown"], s["p_breakdown_low"], s["p_breakdown_high"], exact),
        f"  time to breakdown: 25% {_by_day(q[0.25], s['days'])}, median {_by_day(q[0.5], s['days'])}, "
        f"75% {_by_day(q[0.75], s['days'])}",
        f"  P(at least one incident in 21 days): {forecast.incident_probability(21):.4f}",
        f"  mean closed-crossing days {s['mean_closed_days']:.1f} (trade lost ${s['mean_trade_lost_usd'] / 1e6:.1f} million); "
        f"mean deaths {s['mean_deaths']:.1f}; P(at open war on day {s['days']}) {s['p_open_war']:.4f}",
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


def band_report(band: dict, rollout: dict | None, question: str | None = None) -> str:
    """The parameter band of a point (``metrics["uncertainty"]``) beside its Monte Carlo
    interval (or its exact value, ``rollout.method=exact``); ``question`` names the answer
    ``p_outcome`` (``metrics["outcome"]["question"]``)."""
    lines = [
        f"Parameter band: {band['draws']} joint draws of {len(band['parameters'])} judgement calls from their "
        f"priors ({band['method']}, seed {band['seed']}; ceasefire computed exactly for each draw)"
        + (f", weighted by the record's likelihood (worth {band['effective_draws']:.0f} draws)"
           if band.get("use") == "posterior" else "")
        + ". 5%, 50% and 95% points over the draws:"
    ]
    names = {"p_deal": "P(deal)", "p_breakdown": "P(breakdown by the last day)", "p_open_war": "P(open war by the last day)",
             "p_outcome": "the question"}
    for key, label in names.items():
        if f"{key}_q05" not in band:
            continue
        label = question or label if key == "p_outcome" else label
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


def _answer(metrics: dict) -> str:
    """The run's question answered in a few words: ``P(open war within 90 days) 0.613 (95% CI
    0.598-0.628)``, or exact; empty without a ceasefire."""
    a = metrics.get("outcome")
    if a is None:
        return ""
    exact = a["method"] == "exact"
    return f"{a['question']} {a['p']:.3f}" + (" (exact)" if exact else f" (95% CI {a['low']:.3f}-{a['high']:.3f})")


def _modal(metrics: dict) -> str:
    """The most likely talks outcome of a point, or empty."""
    outcomes: dict[str, float] = metrics.get("selected_outcomes") or {}
    return max(outcomes, key=lambda k: outcomes[k]) if outcomes else ""


def point_line(where: str, metrics: dict) -> str:
    """One line for a sweep's point: ``where`` (its overrides), the answer to the question,
    P(deal) and the most likely talks outcome; or the point's error."""
    if "error" in metrics:
        return f"{where}: error: {metrics['error']}"
    parts = [p for p in (_answer(metrics),
                         f"P(deal) {metrics['p_deal']:.3f}" if metrics.get("p_deal") is not None else "",
                         f"talks: {_modal(metrics)}" if _modal(metrics) else "") if p]
    return f"{where}: " + "; ".join(parts or ["solved"])


#: Rows of a sweep's closing summary printed in full; a longer sweep shows its first and
#: last rows (the table file has them all).
SUMMARY_ROWS = 40


def summary_table(rows: list[dict], params: list[str]) -> str:
    """The closing summary of a sweep as an aligned text table: the parameters ``params``
    that vary, the answer to the question with its interval (``p_outcome``), P(deal), the
    most likely talks outcome and the status, one line per row (rows of the sweep table,
    :func:`negsim.studies.sweep.table_row`)."""
    def cell(r: dict, key: str, spec: str = "g") -> str:
        v = r.get(key)
        return "" if v is None else format(v, spec) if isinstance(v, float) else str(v)

    def answer(r: dict) -> str:
        if r.get("p_outcome") is None:
            return ""
        same = r.get("p_outcome_low") == r.get("p_outcome_high") == r.get("p_outcome")
        return f"{r['p_outcome']:.3f}" + ("" if same else f" ({r['p_outcome_low']:.3f}-{r['p_outcome_high']:.3f})")

    asked = next((r for r in rows if r.get("outcome")), None)
    head = [*params, f"P({asked['outcome'].replace('_', ' ')} within {asked['horizon']} days)" if asked else "P(outcome)",
            "P(deal)", "most likely talks outcome", "status"]
    shown = rows if len(rows) <= SUMMARY_ROWS else [*rows[:SUMMARY_ROWS // 2], None, *rows[-SUMMARY_ROWS // 2:]]
    body = [None if r is None else [*(cell(r, k) for k in params), answer(r), cell(r, "p_deal", ".3f"),
                                    str(r.get("modal_outcome") or ""), str(r.get("status", ""))]
            for r in shown]
    widths = [max([len(h)] + [len(b[i]) for b in body if b is not None]) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    lines = [f"Sweep summary ({len(rows)} point(s)):", fmt(head), fmt(["-" * w for w in widths])]
    lines += [f"... {len(rows) - SUMMARY_ROWS} more row(s) in the table ..." if b is None else fmt(b) for b in body]
    return "\n".join(lines)


def behavior_report(game, equilibria) -> str:
    """An extensive game's equilibria (of its reduced strategic form) in behaviour strategies:
    who does what at each information set and what follows (:func:`negsim.solvers.
    backward_induction.describe`), and for perfect information the subgame-perfect one."""
    from textwrap import indent

    from negsim.games.extensive import is_perfect_information, mixed_to_behavior
    from negsim.solvers.backward_induction import backward_induction, describe

    parts = [f"In behaviour strategies ({game.title}):"]
    for k, e in enumerate(equilibria, 1):
        beh = [mixed_to_behavior(game, p, e.strategies[p]) for p in (0, 1)]
        parts.append(f"  #{k}:\n" + indent(describe(game, (beh[0][0], beh[1][0]), defined=(beh[0][1], beh[1][1])), "    "))
    if is_perfect_information(game):
        spe = backward_induction(game)
        parts.append("  subgame perfect (backward induction):\n" + indent(describe(game, spe.behavior), "    "))
    return "\n".join(parts)
