"""Seminar material: a plain-language walk through one scenario, and a classroom game.

Two commands for seminar leaders whose students may never have seen game theory:

``negsim-explain [SCENARIO] [--knob transfer_pledge]``
    :func:`explain`: the payoff table with best replies marked, the evidence behind every
    weight and the leverage tied to each deal, the dominated actions of each player (by
    pure actions and by mixtures), the Nash equilibria and the one the ``logit_limit``
    rule selects, the model's prediction (the logit quantal response equilibrium, QRE, at
    the game's stated precision: a probability for every outcome), the QRE path from
    random to rational play, what each outcome puts in force (verification, de-confliction
    channel, compliance payments), and the mediator leverage that makes a deal the
    prediction: the least transfer for each kind of deal, and the value of one knob at
    which P(deal) reaches 1/2; last, whether play settles when delegations learn by
    repetition (fictitious play and the replicator dynamics,
    :func:`negsim.games.learning.learning_report`). Each comes with sentences a newcomer
    can read aloud.

``negsim-explain --card ROUND [--student] [--out DIR]``
    :func:`card`: a seminar card of ``docs/seminar/``, the leader's version as written or,
    with ``--student``, the students' (:func:`student_card`: the parts a card marks
    ``<!-- teacher -->`` ... ``<!-- /teacher -->``, the model's answers and the worked
    answers, left out); ``--card all --out DIR`` writes every card as a handout.

``negsim-play [--scenario istanbul_round2] [--rounds 3] [--mode pvp|pak|afg] [--table plain] [--record FILE]``
    :func:`play`: a round-by-round terminal game. Each round has two stages: the talks
    (both delegations choose an action of the talks game at once) and one or more days
    of the ceasefire (each side holds or violates the truce, a prisoner's dilemma). Two
    students play each other (``pvp``), or one student plays Pakistan (``pak``) or Kabul
    (``afg``) against the model. In the talks the model plays its strategy in the Nash
    equilibrium the ``logit_limit`` rule selects (drawn at random, seeded, when that
    strategy is mixed), a rational benchmark that a student's choices are compared with;
    the game also shows the model's prediction for real delegations (the logit QRE) and
    what each outcome puts in force. In the ceasefire the model plays a trigger strategy
    (hold until it sees a violation, then violate for ``punish_days`` days).

    What students see before they move (``--table``): by default the payoff table without
    the best-reply stars (``plain``), so that finding the best replies is theirs to do;
    ``hidden`` shows no table (only what each outcome is); ``stars``, for a teacher's
    demonstration, the starred table, the two benchmarks before the first move and each
    round against equilibrium play. Except with ``stars``, the benchmarks, the starred
    table and each round's best replies come after the last move. In ``pvp`` the two
    students move at once on one keyboard: a move is not echoed (read without echo, as
    :func:`getpass.getpass` reads a password, when the input is a terminal), never
    repeated in an error message, and the screen is cleared (blank lines when the output
    is not a terminal) before the keyboard changes hands; both moves are shown together.
    ``?`` at every prompt, the talks' and the ceasefire's, explains it and asks again.
    ``--record FILE`` writes every move with its time as CSV in the format of
    :mod:`negsim.io.moves` (room ``terminal``, participants ``1``, ``2`` or ``model``),
    after each completed round, so the leader can pool a class's games
    (:func:`negsim.io.moves.talks_counts`).

The ceasefire stage uses the classroom payoffs :data:`CLASSROOM_STAGE` (Axelrod's
T=5 > R=3 > P=1 > S=0), round numbers for easy arithmetic; the model's own ceasefire
game uses Kabul's daily stage payoffs of ``configs/rollout/default.yaml``. The output says so.

Bad input (unknown scenario, knob, mode) is reported as one line ``negsim: error: ...``
with exit status 2; an invalid move in the game is re-asked, and the end of input stops
the game cleanly.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn, Sequence, TextIO

import numpy as np

from negsim.equilibrium import Equilibrium
from negsim.errors import ConfigError, NegsimError
from negsim.game import Game, dominated_actions, iterated_elimination, own_payoffs
from negsim.games.learning import learning_report
from negsim.games.repeated import ACTIONS as CEASEFIRE_ACTIONS
from negsim.games.repeated import StageGame, ceasefire_game, finite_punishment_threshold, grim_trigger_threshold
from negsim.io.moves import ROLES, write_moves
from negsim.io.results import write_text_atomic
from negsim.model.payoffs import TALKS_KNOBS, payoff_scale
from negsim.model.scenario import FRACTION_KNOBS, MEDIATOR_KNOBS, Scenario, available_scenarios, load_scenario
from negsim.model.talks import (
    expected_provisions,
    kind_probabilities,
    outcome_distribution,
    predict,
    provisions_in_force,
    talks_game,
)
from negsim.solvers import solve
from negsim.solvers.selection import select
from negsim.viz.text import equilibria_report, evidence_report, payoff_table

#: Classroom payoffs of one ceasefire day (Axelrod 1984's prisoner's dilemma numbers):
#: round numbers for easy arithmetic, not the model's calibrated stage payoffs.
CLASSROOM_STAGE = StageGame(T=5.0, R=3.0, P=1.0, S=0.0)
#: Days the model's trigger strategy punishes a violation (AF6: punishment ends).
PUNISH_DAYS = 2
#: Precisions shown in the QRE path summary (per unit of each side's payoff range without
#: leverage, the unit of the prediction), besides the game's own precision.
QRE_LAMBDAS = (0.0, 1.0, 3.0, 30.0, 1000.0)
#: The selection rule whose Nash equilibrium is reported as selected and that the model plays.
RULE = "logit_limit"
#: Each kind of deal (``Scenario.deal_kind``) in words.
KIND_WORDS = {"written": "a written guarantee", "pledge": "the pledge with confidence-building", "none": "no deal"}
MODES = ("pvp", "pak", "afg")

_WIDTH = 88


# --- explain --------------------------------------------------------------------------------


def _resolve_scenario(name: str) -> Scenario:
    """A shipped scenario by name, or a scenario YAML file; NegsimError naming the choices."""
    if not name.endswith((".yaml", ".yml")) and name not in available_scenarios():
        raise ConfigError(f"unknown scenario '{name}'; expected one of: {', '.join(available_scenarios())}")
    return load_scenario(name)


def _wrap(text: str, indent: str = "  ", hang: str | None = None) -> str:
    """Fill ``text`` to the page width; ``hang`` indents the continuation lines instead."""
    return textwrap.fill(" ".join(text.split()), width=_WIDTH, initial_indent=indent,
                         subsequent_indent=indent if hang is None else hang, break_on_hyphens=False)


def _hang(text: str) -> str:
    """One statement, its continuation lines indented (for lists of sentences); keeps the
    statement's own leading indentation."""
    lead = text[: len(text) - len(text.lstrip())]
    return _wrap(text, lead, lead + "    ")


def _heading(n: int, title: str) -> str:
    line = f"{n}. {title}"
    return f"{line}\n{'-' * len(line)}"


def _mix(labels: Sequence[str], p: np.ndarray) -> str:
    """A mixed strategy in words: "'insist_written'" or "a mix of 'insist_written' 60% and 'walk_out' 40%"."""
    support = [(lab, q) for lab, q in zip(labels, p, strict=True) if q > 1e-9]
    if len(support) == 1:
        return f"'{support[0][0]}'"
    parts = [f"'{lab}' {q:.0%}" for lab, q in support]
    return "a mix of " + ", ".join(parts[:-1]) + " and " + parts[-1]


def _quoted_list(items: Sequence[str], conj: str = "or") -> str:
    items = [f"'{s}'" for s in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {conj} " + items[-1]


def best_reply_lines(game: Game) -> list[str]:
    """Each player's best replies to every pure action of the other, as sentences."""
    rows, cols = game.actions
    P0, P1 = game.players
    A, B = np.asarray(game.A), np.asarray(game.B)
    lines = []
    for j, c in enumerate(cols):
        best = np.flatnonzero(A[:, j] >= A[:, j].max() - 1e-12)
        lines.append(
            f"{P0}'s best reply to '{c}' is {_quoted_list([rows[i] for i in best])} ({A[best[0], j]:+.2f} for {P0})."
        )
    for i, r in enumerate(rows):
        best = np.flatnonzero(B[i] >= B[i].max() - 1e-12)
        lines.append(
            f"{P1}'s best reply to '{r}' is {_quoted_list([cols[j] for j in best])} ({B[i, best[0]]:+.2f} for {P1})."
        )
    return lines


def dominance_lines(game: Game) -> list[str]:
    """The dominated actions of each player and the result of iterated elimination, as sentences."""
    found = dominated_actions(game)
    lines = []
    for p in (0, 1):
        player, own, other = game.players[p], game.actions[p], game.actions[1 - p]
        M = own_payoffs(game, p)
        mine = [d for d in found if d.player == p]
        if not mine:
            lines.append(_hang(f"{player}: no dominated action (each of its actions is the best choice for some "
                               f"expectation of what {game.players[1 - p]} does)."))
            continue
        for d in mine:
            kind = "strictly" if d.strict else "weakly"
            by = _mix(own, d.by)
            vals = d.by @ M
            comp = "; ".join(f"{vals[j]:+.2f} instead of {M[d.action, j]:+.2f} against '{o}'" for j, o in enumerate(other))
            lines.append(_hang(f"{player}: '{own[d.action]}' is {kind} dominated by {by}: {comp}."))
    strict = [d for d in found if d.strict]
    if strict:
        lines.append(_hang(
            "A strictly dominated action is never a best reply, whatever the other side does, so a "
            "rational player never uses it."
        ))
    survivors, steps = iterated_elimination(game)
    if steps:
        left = "; ".join(
            f"{game.players[p]} {_quoted_list([game.actions[p][a] for a in survivors[p]], 'and')}" for p in (0, 1)
        )
        rounds = max(s[0] for s in steps)
        lines.append(_hang(
            f"Removing strictly dominated actions again and again ({rounds} round{'s' if rounds > 1 else ''}) "
            f"leaves: {left}."
        ))
        if all(len(s) == 1 for s in survivors):
            lines.append("Only one action is left for each side: the game is solved by dominance alone.")
    return lines


def _marginals(outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each side's mixed strategy behind an outcome-probability array (m, n) of independent play."""
    P = np.asarray(outcomes, float)
    return P.sum(axis=1), P.sum(axis=0)


def _modal(scenario: Scenario, outcomes: np.ndarray) -> tuple[int, int]:
    """The most likely outcome's cell (the first in table order on a tie)."""
    i, j = np.unravel_index(int(np.argmax(outcomes)), scenario.shape)
    return int(i), int(j)


def _ids(ids: Sequence[str]) -> str:
    return "[" + ", ".join(ids) + "]"


def leverage_words(scenario: Scenario) -> str:
    """How the mediators' knobs enter the talks payoffs, with the scenario's values, as sentences."""
    med, players = scenario.mediator, scenario.players
    to = {kind: players[p] for kind, p in scenario.transfer_to.items()}
    return (
        f"The mediators' leverage is tied to what it pays for: transfer_written ({med.transfer_written:g}) is "
        f"paid to {to['written']} when the round ends in a written guarantee, transfer_pledge "
        f"({med.transfer_pledge:g}) to {to['pledge']} when it ends in the pledge with confidence-building, "
        f"and penalty_breakdown ({med.penalty_breakdown:g}) is taken from the side blamed for a failed "
        f"round, by its share of the blame. Verification ({med.verification:g} on offer) counts only where "
        f"the outcome agrees a mechanism: it raises what a commitment is worth (an unverified one delivers "
        f"{scenario.unverified_share:.0%} of its effect) and changes Kabul's sovereignty cost by "
        f"{scenario.sovereignty_effect:+g} per unit in force. De-confliction ({med.deconfliction:g}) and "
        f"compliance payments ({med.transfer_compliance:g} a day) act in the ceasefire, not in this table."
    )


def prediction_lines(scenario: Scenario, outcomes: np.ndarray, eq: Equilibrium) -> list[str]:
    """The predicted outcome distribution as a table and in words, compared with the equilibrium ``eq``."""
    P = np.asarray(outcomes, float)
    players, (rows, cols) = scenario.players, scenario.actions
    m, n = scenario.shape
    cells = sorted(((i, j) for i in range(m) for j in range(n)), key=lambda c: (-P[c], c))
    kind_w = max(len(k) for r in scenario.deal_kind for k in r) + 2
    act_w = max(len(f"{rows[i]} / {cols[j]}") for i, j in cells) + 2
    lines = [f"  {'p':>5}  {'deal':<{kind_w}}{f'{players[0]} / {players[1]}':<{act_w}}outcome"]
    for i, j in cells:
        lines.append(f"  {P[i, j]:.3f}  {scenario.deal_kind[i][j]:<{kind_w}}{f'{rows[i]} / {cols[j]}':<{act_w}}"
                     f"{scenario.outcome_labels[i][j]}")
    x, y = _marginals(P)
    kinds = kind_probabilities(scenario, P)
    top = _modal(scenario, P)
    eq_top = _modal(scenario, np.outer(*eq.strategies))
    lines.append("")
    lines.append(_hang(f"{players[0]} plays {_mix(rows, x)}; {players[1]} plays {_mix(cols, y)}."))
    lines.append(_hang(
        f"Most likely outcome: '{scenario.outcome_labels[top[0]][top[1]]}' (p={P[top]:.3f}). Probability of a "
        f"deal {1.0 - kinds.get('none', 0.0):.3f}: {KIND_WORDS['written']} {kinds.get('written', 0.0):.3f}, "
        f"{KIND_WORDS['pledge']} {kinds.get('pledge', 0.0):.3f}."
    ))
    same = ("The most likely outcome is the equilibrium's" if top == eq_top else
            f"The most likely outcome is not the equilibrium's ('{scenario.outcome_labels[eq_top[0]][eq_top[1]]}')")
    lines.append(_wrap(
        f"{same}: the equilibrium assumes both sides always play a best reply, the prediction only that "
        f"better replies are more likely, so every outcome keeps some probability.", ""))
    return lines


def qre_path_lines(scenario: Scenario, game: Game, eq: Equilibrium) -> list[str]:
    """The prediction at increasing precision, from random play to (nearly) the selected equilibrium."""
    lams = sorted({*QRE_LAMBDAS, scenario.precision})
    points = [(lam, *_marginals(predict(scenario, game, lam))) for lam in lams]
    scale = payoff_scale(scenario)
    lines = [_wrap(
        f"Lambda measures how sharply each side responds to payoff differences, per unit of its payoff range "
        f"without leverage ({game.players[0]} {scale[0]:.2f}, {game.players[1]} {scale[1]:.2f} payoff units). "
        f"At lambda = 0 both choose at random; as lambda grows, play moves towards a Nash equilibrium. The "
        f"model predicts the round at lambda = {scenario.precision:g} {_ids(scenario.model_sources['precision'])}.",
        "")]
    for p in (0, 1):
        labels = game.actions[p]
        w = max(max(len(s) for s in labels), 6) + 2
        lines.append("")
        lines.append(f"  {game.players[p] + ' plays':<28}" + "".join(s.rjust(w) for s in labels))
        for lam, *probs in points:
            tag = ("lambda = 0 (random)" if lam == 0 else f"lambda = {lam:g} (prediction)" if lam == scenario.precision
                   else f"lambda = {lam:g}")
            lines.append(f"  {tag:<28}" + "".join(f"{v:.3f}".rjust(w) for v in probs[p]))
    lam_end, x_end, y_end = points[-1]
    x_eq, y_eq = eq.strategies
    near = np.abs(x_end - x_eq).sum() + np.abs(y_end - y_eq).sum() < 1e-2
    lines.append("")
    lines.append(_wrap(
        f"At lambda = {lam_end:g} {game.players[0]} plays {_mix(game.actions[0], np.round(x_end, 3))} and "
        f"{game.players[1]} {_mix(game.actions[1], np.round(y_end, 3))}"
        + (f": the equilibrium the '{RULE}' rule selects (the rule follows this path to its end)." if near
           else f", not yet the equilibrium the '{RULE}' rule selects (play approaches a mixed equilibrium slowly, "
                f"and the rule follows the path to its end)."), ""))
    return lines


def provision_lines(scenario: Scenario, outcomes: np.ndarray) -> list[str]:
    """What each outcome puts in force, and the average over the prediction ``outcomes``."""
    med = scenario.mediator
    rows, cols = scenario.actions
    m, n = scenario.shape
    lines = [_wrap(
        f"A deal carries the talks into the ceasefire through what it agrees. verification and channel are "
        f"the shares of what the mediators offer (verification {med.verification:g}, de-confliction "
        f"{med.deconfliction:g}) that the outcome puts in force; compliance is the daily payment to Kabul for "
        f"each day it holds the ceasefire (transfer_compliance {med.transfer_compliance:g}, ceasefire payoff "
        f"units), where the outcome provides one.", "")]
    lines.append("")
    lines.append(f"  {'verification':>12}  {'channel':>7}  {'compliance':>10}  outcome")
    for i in range(m):
        for j in range(n):
            prov = provisions_in_force(scenario, i, j)
            lines.append(f"  {prov['verification']:>12.2f}  {prov['channel']:>7.2f}  {prov['compliance']:>10.2f}  "
                         f"{scenario.outcome_labels[i][j]} ({rows[i]} / {cols[j]})")
    avg = expected_provisions(scenario, outcomes)
    lines.append("")
    lines.append(_hang(f"Averaged over the prediction: verification {avg['verification']:.3f}, channel "
                       f"{avg['channel']:.3f}, compliance {avg['compliance']:.3f} a day."))
    empty = [(i, j) for i in range(m) for j in range(n) if not scenario.provisions[i, j].any()]
    if empty and all(scenario.deal_kind[i][j] == "none" for i, j in empty):
        lines.append(_hang(
            f"{'Every' if len(empty) == int((~scenario.deal).sum()) else 'A'} failed round agrees nothing: the "
            f"ceasefire after it has no verification, no channel and no payments, however much the mediators offer."))
    return lines


def _unit(knob: str) -> str:
    return "" if knob in FRACTION_KNOBS else " payoff units"


def knob_meaning(scenario: Scenario, knob: str) -> str:
    """What a talks knob means, for students."""
    to = {kind: scenario.players[p] for kind, p in scenario.transfer_to.items()}
    return {
        "transfer_written": f"what the mediators pay {to['written']} when the round ends in a written guarantee",
        "transfer_pledge": f"what the mediators pay {to['pledge']} when the round ends in the pledge with "
                           f"confidence-building",
        "penalty_breakdown": "what the mediators take, when the round fails, from the side blamed for it "
                             "(by its share of the blame)",
        "verification": "how much of a verification mechanism the mediators offer (0 none, 1 full), in force "
                        "only where the outcome agrees one",
    }[knob]


def least_cost_lines(scenario: Scenario) -> list[str]:
    """Per kind of deal, the least transfer that makes it the prediction (:func:`least_cost_leverage`)."""
    from negsim.studies.threshold import least_cost_leverage

    upper = 10.0
    lines = []
    rows = least_cost_leverage(scenario, upper=upper)
    for row in rows:
        knob, kind, v = row["knob"], row["deal"], row["least_leverage"]
        what = f"{KIND_WORDS[kind][0].upper()}{KIND_WORDS[kind][1:]} ({knob}, now {row['baseline']:g})"
        if row["already"]:
            lines.append(_hang(f"{what}: already the prediction without any {knob}: P({kind}) >= 1/2 at 0 "
                               f"(most likely outcome '{row['outcome_above']}')."))
        elif v is None:
            lines.append(_hang(f"{what}: no {knob} up to {upper:g} payoff units makes it the prediction; P({kind}) "
                               f"stays below 1/2 (most likely outcome '{row['outcome_below']}')."))
        else:
            enough = f" (today's {row['baseline']:g} is already enough)" if v <= row["baseline"] else ""
            lines.append(_hang(f"{what}: from {v:.2f} payoff units P({kind}) reaches 1/2{enough}; the mediators "
                               f"then expect to pay {row['expected_payment']:.2f}, since they pay only when the "
                               f"deal is reached."))
    paid = [r for r in rows if r["expected_payment"] is not None and not r["already"]]
    if len(paid) > 1:
        best = min(paid, key=lambda r: r["expected_payment"])
        lines.append(_hang(f"Cheapest for the mediators: {KIND_WORDS[best['deal']]} ({best['knob']} "
                           f"{best['least_leverage']:.2f}, expected payment {best['expected_payment']:.2f})."))
    return lines


def threshold_lines(scenario: Scenario, knob: str) -> list[str]:
    """The value of ``knob`` at which P(deal, of any kind) reaches 1/2 (:func:`leverage_threshold`)."""
    from negsim.studies.threshold import leverage_threshold

    upper = 1.0 if knob in FRACTION_KNOBS else 10.0
    t = leverage_threshold(scenario, knob, kind="deal", upper=upper)
    now = getattr(scenario.mediator, knob)
    unit = _unit(knob)
    lines = [_hang(f"{knob}: {knob_meaning(scenario, knob)}; the scenario has {now:g}{unit}. From which value is a "
                   f"deal of either kind at least as likely as not (the other knobs unchanged)?")]
    if t.already_deal:
        lines.append(f"Leverage threshold for {knob}: none needed.")
        lines.append(_hang(f"P(deal) >= 1/2 even at {knob} = 0 (most likely outcome '{t.outcome_above}')."))
    elif t.value is None:
        lines.append(f"Leverage threshold for {knob}: none up to {upper:g}{unit}.")
        lines.append(_hang(f"However large {knob} is (up to {upper:g}), P(deal) stays below 1/2 (most likely "
                           f"outcome '{t.outcome_below}'): this lever alone cannot make a deal the prediction."))
    else:
        lines.append(f"Leverage threshold for {knob}: {t.value:.2f}{unit}.")
        if t.outcome_below == t.outcome_above:
            lines.append(_hang(f"Below it a deal is less likely than not, from {t.value:.2f} on P(deal) >= 1/2; the "
                               f"most likely single outcome is '{t.outcome_above}' on both sides: what changes is "
                               f"how much probability the deals carry together."))
        else:
            lines.append(_hang(f"Below it a deal is less likely than not (most likely outcome '{t.outcome_below}'); "
                               f"from {t.value:.2f} on P(deal) >= 1/2 (most likely outcome '{t.outcome_above}')."))
        lines.append(_hang(f"In words: the mediators must raise {knob} from {now:g} to {t.value:.2f} before a deal "
                           f"becomes at least as likely as not. A deal of either kind counts, so this can be less "
                           f"than the least leverage for one kind above."))
    return lines


def _check_knob(knob: str) -> None:
    expected = f"expected one of: {', '.join(TALKS_KNOBS)}"
    if knob in TALKS_KNOBS:
        return
    if knob in MEDIATOR_KNOBS:
        raise ConfigError(f"knob: '{knob}' acts in the ceasefire, not in the talks payoffs; {expected}")
    raise ConfigError(f"knob: '{knob}' is not a mediator knob of the talks payoffs; {expected}")


def explain(scenario_name: str = "istanbul_round2", *, knob: str = "transfer_pledge") -> str:
    """A terminal walk-through of one scenario for students (see the module docstring).

    Parameters
    ----------
    scenario_name : str
        A shipped scenario (``available_scenarios()``) or a scenario YAML file.
    knob : str
        The mediator knob of the talks payoffs (:data:`negsim.model.payoffs.TALKS_KNOBS`)
        whose P(deal) = 1/2 threshold is reported.

    Returns
    -------
    str
        The text, ending in a newline.

    Raises
    ------
    NegsimError
        Unknown scenario or knob.
    """
    _check_knob(knob)
    scenario = _resolve_scenario(scenario_name)
    game = talks_game(scenario)
    P0, P1 = game.players
    eqs = solve(game)
    k = select(game, eqs, RULE)
    eq = eqs[k]
    eq_outcomes = np.outer(*eq.strategies)
    dist = outcome_distribution(scenario, eq_outcomes)
    likely = max(dist, key=lambda label: dist[label])
    prediction = predict(scenario, game)

    title = f"{scenario.title} ({scenario.dates})"
    out = [title, "=" * len(title), _wrap(scenario.summary, ""), ""]
    out.append(_heading(1, "The payoff table"))
    out.append(payoff_table(game))
    out.append("")
    out.append(_wrap(
        f"Each cell is one pair of choices: {P0} picks a row, {P1} a column, at the same time. The first "
        f"number is {P0}'s payoff, the second {P1}'s (higher is better). A * marks a best reply: the "
        f"best that player can do given the other's choice. A cell with two stars is a pure Nash "
        f"equilibrium: neither side gains by changing its choice alone.", ""))
    out.extend(best_reply_lines(game))
    out.append("")
    out.append(_heading(2, "Where the numbers come from"))
    out.append(_wrap(
        "Each outcome is described by features (how strong a guarantee, how much escalation, ...); a "
        "payoff is the sum of each feature times the player's weight on it, plus the mediators' leverage. "
        + leverage_words(scenario)
        + " The codes in brackets name the evidence (docs/evidence.md) behind each coding and weight.", ""))
    out.append(evidence_report(scenario))
    out.append("")
    out.append(_heading(3, "Dominated actions"))
    out.extend(dominance_lines(game))
    out.append("")
    out.append(_heading(4, f"Nash equilibria and the one the '{RULE}' rule selects"))
    out.append(equilibria_report(game, eqs, k, RULE))
    x, y = eq.strategies
    out.append(f"Equilibrium outcome: {likely} (p={dist[likely]:.3g})")
    out.append(_wrap(
        f"In words: if both sides always played a best reply, {P0} would play {_mix(game.actions[0], x)} and "
        f"{P1} {_mix(game.actions[1], y)}, and the round would most likely end in '{likely}'. "
        + (f"There are {len(eqs)} equilibria; the '{RULE}' rule picks the one reached by players who start "
           f"out choosing at random and get steadily more rational (section 6)."
           if len(eqs) > 1 else "It is the only equilibrium of this game, so every selection rule picks it."), ""))
    out.append("")
    out.append(_heading(5, f"The prediction: the logit QRE at precision {scenario.precision:g}"))
    out.append(_wrap(
        f"Real delegations are not perfectly rational. The model predicts the round by the logit quantal "
        f"response equilibrium (QRE): each side plays every action, better replies more often, at "
        f"precision lambda = {scenario.precision:g} (section 6). Probability of each outcome:", ""))
    out.extend(prediction_lines(scenario, prediction, eq))
    out.append("")
    out.append(_heading(6, "From random to rational play: the logit QRE path"))
    out.extend(qre_path_lines(scenario, game, eq))
    out.append("")
    out.append(_heading(7, "What each outcome puts in force"))
    out.extend(provision_lines(scenario, prediction))
    out.append("")
    out.append(_heading(8, "Mediator leverage: what makes a deal the prediction?"))
    out.append(_wrap(
        "The least transfer tied to each kind of deal that makes it the prediction (its probability reaches "
        "1/2), the other knobs unchanged:", ""))
    out.extend(least_cost_lines(scenario))
    out.append("")
    out.extend(threshold_lines(scenario, knob))
    out.append("")
    out.append(_heading(9, "Does play settle here? Learning by repetition"))
    out.append(learning_report(game, equilibria=eqs))
    return "\n".join(out) + "\n"


# --- seminar cards: the leader's version and the students' ----------------------------------

#: The seminar cards in a checkout of the repository (they are not in the wheel).
CARDS_DIR = Path(__file__).resolve().parents[2] / "docs" / "seminar"
#: A card's markers: what lies between them is for the leader only; ``<!-- student: ... -->``
#: is shown to students only (an HTML comment, invisible in the leader's version).
TEACHER_OPEN, TEACHER_CLOSE = "<!-- teacher -->", "<!-- /teacher -->"
_TEACHER_MARK = re.compile(r"<!-- (/?)teacher -->")
_STUDENT_ONLY = re.compile(r"<!-- student:(.*?)-->", re.S)
_ANCHOR_LINK = re.compile(r"\[([^\]\n]*)\]\(#[A-Za-z_][A-Za-z0-9_-]*\)")


def student_card(text: str, *, name: str = "card") -> str:
    """The student version of a seminar card: the leader's parts left out.

    A card marks what only the leader sees between ``<!-- teacher -->`` and
    ``<!-- /teacher -->`` (on lines of their own around whole sections, or inside a line),
    and what only students see as ``<!-- student: ... -->``. The student version drops the
    leader's parts (with the spaces before them), shows the students' notes, turns the
    links to the Numbers table (``[0.865](#p_break)``) into plain text, and says under the
    title that it is the student version.

    Parameters
    ----------
    text : str
        The card (Markdown), as in ``docs/seminar/``.
    name : str
        The card's name, for the note under the title and for error messages.

    Returns
    -------
    str
        The student version, ending in a newline.

    Raises
    ------
    ConfigError
        A marker that is not closed, closes nothing or is nested, or a card without any
        leader's part (its student version would keep every answer).
    """
    kept, pos, opened = [], 0, 0
    for m in _TEACHER_MARK.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if m.group(1) != "/":
            if opened:
                raise ConfigError(f"{name}: line {line}: '{TEACHER_OPEN}' inside the teacher part opened at line "
                                  f"{opened}")
            kept.append(text[pos:m.start()].rstrip(" \t"))
            opened = line
        else:
            if not opened:
                raise ConfigError(f"{name}: line {line}: '{TEACHER_CLOSE}' closes no teacher part")
            opened = 0
        pos = m.end()
    if opened:
        raise ConfigError(f"{name}: line {opened}: '{TEACHER_OPEN}' is never closed")
    if not kept:
        raise ConfigError(f"{name}: no '{TEACHER_OPEN}' part: a student version would keep every answer")
    kept.append(text[pos:])
    out = _STUDENT_ONLY.sub(lambda m: m.group(1).strip(), "".join(kept))
    out = _ANCHOR_LINK.sub(r"\1", out)
    out = re.sub(r"\n{3,}", "\n\n", out).strip("\n")
    title, _, rest = out.partition("\n")
    note = textwrap.fill(f"*Student version of the card `{name}`: the model's answers and the worked answers are "
                         f"left out. Try the questions first; the commands then print the model's answers.*",
                         width=_WIDTH, break_on_hyphens=False)
    return f"{title}\n\n{note}\n{rest}\n"


def available_cards(folder: Path = CARDS_DIR) -> list[str]:
    """The names of the seminar cards in ``folder`` (``docs/seminar/`` of the repository)."""
    return sorted(p.stem for p in Path(folder).glob("*.md") if p.name != "README.md")


def card_path(name: str) -> Path:
    """A card by name (:func:`available_cards`) or as a ``.md`` file; ConfigError naming the choices."""
    if name.endswith(".md"):
        path = Path(name)
        if not path.is_file():
            raise ConfigError(f"card: no file {name}")
        return path
    names = available_cards()
    if not names:
        raise ConfigError(f"card: no seminar cards in {CARDS_DIR} (they come with the repository, in "
                          f"docs/seminar/); give a card's .md file")
    if name not in names:
        raise ConfigError(f"card: unknown card '{name}'; expected one of: {', '.join(names)}, all, or a .md file")
    return CARDS_DIR / f"{name}.md"


def card(name: str, *, student: bool = False) -> str:
    """A seminar card's text: the leader's version as written, or the students' (:func:`student_card`)."""
    path = card_path(name)
    text = path.read_text(encoding="utf-8")
    return student_card(text, name=path.stem) if student else text


def write_cards(out_dir: str | Path, names: Sequence[str] | None = None, *, student: bool = True) -> list[Path]:
    """Write seminar cards into ``out_dir`` as ``NAME.md``, each atomically: the student versions
    by default (handouts), the leader's with ``student=False``.

    Parameters
    ----------
    out_dir : str or Path
        The folder (created if missing); never the cards' own folder, whose leader's versions
        student versions would overwrite.
    names : sequence of str, optional
        Cards by name or ``.md`` file; every card of :func:`available_cards` by default.
    student : bool
        Write the student versions.

    Returns
    -------
    list of Path
        The files written, in the order of ``names``.
    """
    paths = [card_path(n) for n in (available_cards() if names is None else names)]
    if not paths:
        raise ConfigError(f"card: no seminar cards in {CARDS_DIR}")
    out = Path(out_dir)
    written = []
    for path in paths:
        if out.resolve() == path.parent.resolve():
            raise ConfigError(f"--out: {out} is the cards' own folder; writing there would overwrite the leader's "
                              f"versions")
        text = path.read_text(encoding="utf-8")
        written.append(write_text_atomic(out / path.name, student_card(text, name=path.stem) if student else text))
    return written


# --- command-line plumbing ------------------------------------------------------------------


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line ``negsim: error: ...`` and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"negsim: error: {self.prog}: {message} (see {self.prog} --help)\n")


def _fail(exc: BaseException) -> NoReturn:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    print(f"negsim: error: {msg}", file=sys.stderr)
    raise SystemExit(2)


def _silence(stream: TextIO) -> None:
    """After the reader of a pipe went away (``negsim-explain | head``), send the rest of
    ``stream`` to /dev/null so that Python's final flush does not complain."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _write(stream: TextIO, text: str) -> None:
    """Write to a stream, tolerating a closed pipe."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _silence(stream)


def explain_main(argv: Sequence[str] | None = None) -> int:
    """``negsim-explain [SCENARIO] [--knob transfer_pledge]``: print :func:`explain`;
    ``negsim-explain --card NAME [--student] [--out DIR]``: a seminar card (:func:`card`)."""
    parser = _OneLineParser(
        prog="negsim-explain",
        description="Explain one negotiation round for students: payoff table, evidence, dominated "
        f"actions, the Nash equilibria and the one the '{RULE}' rule selects, the predicted outcome "
        "distribution (logit QRE at the game's precision) and its path from random play, what each outcome "
        "puts in force, the mediator leverage that makes a deal the prediction, and whether play settles when "
        "the delegations learn by repetition (fictitious play, replicator dynamics). With --card, a seminar "
        "card instead: the leader's version, or with --student the students' (without the model's answers "
        "and the worked answers).",
    )
    parser.add_argument("scenario", nargs="?", default=None,
                        help=f"scenario name ({', '.join(available_scenarios())}) or a scenario YAML file "
                        "(default istanbul_round2)")
    parser.add_argument("--knob", default="transfer_pledge",
                        help=f"mediator knob of the talks payoffs whose P(deal) = 1/2 threshold is shown "
                        f"({', '.join(TALKS_KNOBS)}; default transfer_pledge)")
    parser.add_argument("--card", metavar="NAME",
                        help="a seminar card of docs/seminar/ by name (" + (", ".join(available_cards()) or "none found")
                        + "), all (with --out), or a card's .md file")
    parser.add_argument("--student", action="store_true",
                        help="with --card: the student version (the leader's parts, marked <!-- teacher -->, "
                        "left out)")
    parser.add_argument("--out", metavar="DIR",
                        help="with --card: write the card(s) into DIR as NAME.md instead of printing")
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.card is None:
        for flag, given in (("--student", args.student), ("--out", args.out is not None)):
            if given:
                parser.error(f"{flag} goes with --card NAME")
        try:
            text = explain(args.scenario or "istanbul_round2", knob=args.knob)
        except NegsimError as exc:
            _fail(exc)
        _write(sys.stdout, text)
        return 0
    if args.scenario is not None:
        parser.error(f"give a scenario or --card, not both (got '{args.scenario}' and --card {args.card})")
    if args.card == "all" and args.out is None:
        parser.error("--card all writes one file per card: give --out DIR")
    try:
        if args.out is None:
            _write(sys.stdout, card(args.card, student=args.student))
        else:
            names = None if args.card == "all" else [args.card]
            paths = write_cards(args.out, names, student=args.student)
            _write(sys.stdout, "".join(f"wrote {p}\n" for p in paths))
    except NegsimError as exc:
        _fail(exc)
    return 0


# --- the classroom game ---------------------------------------------------------------------


class _InputEnded(Exception):
    """The input stream ended (EOF) or a player typed 'quit'."""

    def __init__(self, quit_: bool = False) -> None:
        super().__init__()
        self.quit = quit_


@dataclass(frozen=True)
class TalksMove:
    """One round of the talks: both actions, the outcome and both payoffs."""

    round: int
    actions: tuple[int, int]
    labels: tuple[str, str]
    outcome: str
    deal: bool
    payoffs: tuple[float, float]


@dataclass(frozen=True)
class CeasefireDay:
    """One ceasefire day: both choices (0 hold, 1 violate) and both payoffs."""

    round: int
    day: int
    actions: tuple[int, int]
    payoffs: tuple[float, float]


@dataclass
class PlayRecord:
    """What happened in a classroom game (completed rounds only).

    Attributes
    ----------
    scenario, mode : str
    rounds : int
        Rounds asked for.
    talks : list of TalksMove
    ceasefire : list of CeasefireDay
    moves : list of dict
        Every move of the completed rounds, the students' and the model's, as rows of
        :data:`negsim.io.moves.COLUMNS` (what ``--record FILE`` writes).
    stopped : bool
        True if the input ended (or a player quit) before the last round.
    """

    scenario: str
    mode: str
    rounds: int
    talks: list[TalksMove] = field(default_factory=list)
    ceasefire: list[CeasefireDay] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)
    stopped: bool = False

    @property
    def rounds_played(self) -> int:
        """Completed rounds."""
        return len(self.talks)

    @property
    def talks_totals(self) -> tuple[float, float]:
        """Each side's summed talks payoffs."""
        return tuple(float(sum(t.payoffs[p] for t in self.talks)) for p in (0, 1))  # type: ignore[return-value]

    @property
    def ceasefire_totals(self) -> tuple[float, float]:
        """Each side's summed ceasefire payoffs."""
        return tuple(float(sum(d.payoffs[p] for d in self.ceasefire)) for p in (0, 1))  # type: ignore[return-value]


def _choices(options: Sequence[str]) -> str:
    return f"type a number 1-{len(options)} or a name ({', '.join(options)})"


def parse_move(text: str, options: Sequence[str]) -> tuple[int | None, str]:
    """Read a move typed as a number (1-based), a name or an unambiguous start of a name.

    Returns
    -------
    (index, message)
        The 0-based action index and ``""``, or ``None`` and what was wrong.
    """
    choices = _choices(options)
    t = text.strip().lower()
    if not t:
        return None, f"no move entered: {choices}"
    if t.lstrip("+-").isdigit():
        k = int(t)
        if 1 <= k <= len(options):
            return k - 1, ""
        return None, f"{t} is out of range: {choices}"
    lowered = [o.lower() for o in options]
    if t in lowered:
        return lowered.index(t), ""
    hits = [k for k, o in enumerate(lowered) if o.startswith(t)]
    if len(hits) == 1:
        return hits[0], ""
    if hits:
        return None, f"'{text.strip()}' could be {_quoted_list([options[k] for k in hits])}: {choices}"
    return None, f"'{text.strip()}' is not a move: {choices}"


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def read_hidden_line(stream: TextIO) -> str:
    """One line from a terminal without echoing it, as :func:`getpass.getpass` reads a
    password (the terminal's echo is off while reading, and restored even on Ctrl-C).

    Where the terminal's settings cannot be changed (no ``termios``: Windows), the line is
    read by :func:`getpass.getpass` itself.
    """
    try:
        import termios
    except ImportError:  # pragma: no cover - Windows
        import getpass

        try:
            return getpass.getpass("") + "\n"
        except EOFError:
            return ""
    fd = stream.fileno()
    before = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
    try:
        return stream.readline()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, before)


#: Blank lines printed before the keyboard changes hands when the screen cannot be cleared
#: (output not to a terminal), to push the first student's screen out of sight.
PASS_LINES = 40
#: The ANSI sequence that clears a terminal and puts the cursor at the top.
CLEAR_SCREEN = "\033[2J\033[H"


class _Table:
    """The game's terminal I/O: prompts, help, re-asks on invalid input, hidden moves, EOF."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin, self.out = stdin, stdout
        self.tty_in, self.tty_out = _isatty(stdin), _isatty(stdout)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def ask(self, prompt: str, options: Sequence[str], help_text: str, *, secret: bool = False) -> int:
        """A move: its index in ``options``. ``?`` or ``help`` prints ``help_text`` and asks
        again; ``quit`` or the end of input raises :class:`_InputEnded`. A ``secret`` move is
        neither echoed (read without echo on a terminal) nor repeated in an error message."""
        menu = ", ".join(f"{k + 1} {o}" for k, o in enumerate(options))
        while True:
            self.out.write(f"{prompt} [{menu}]: ")
            self.out.flush()
            line = read_hidden_line(self.stdin) if secret and self.tty_in else self.stdin.readline()
            if line == "":
                self.out.write("\n")
                raise _InputEnded()
            if secret:
                self.out.write("\n")  # the Enter was not echoed either
            elif not self.tty_in:  # piped input: show it, so the transcript reads as typed
                self.out.write(line.rstrip("\n") + "\n")
            text = line.strip()
            if text.lower() in ("quit", "exit"):
                raise _InputEnded(quit_=True)
            if text.lower() in ("?", "help"):
                self.say(help_text)
                continue
            k, msg = parse_move(text, options)
            if k is not None:
                return k
            if secret:
                self.say(f"  invalid move (not shown, so that the other side cannot read it): "
                         f"{_choices(options)}. Try again.")
            else:
                self.say(f"  invalid move: {msg}. Try again.")

    def pass_screen(self, text: str) -> None:
        """Hide the screen before the keyboard changes hands (cleared on a terminal, else
        :data:`PASS_LINES` blank lines), then say ``text``."""
        self.out.write(CLEAR_SCREEN if self.tty_out else "\n" * PASS_LINES)
        self.say(text)


def _sample(rng: np.random.Generator, p: np.ndarray) -> int:
    q = np.clip(np.asarray(p, dtype=float), 0.0, None)
    return int(rng.choice(len(q), p=q / q.sum()))


_CEASEFIRE_WHY = {
    (0, 0): "Both held: each gets the reward R = {R:g}. Each was tempted: violating alone would have paid T = {T:g} today.",
    (1, 1): "Both violated: each gets only P = {P:g}, worse for both than holding (R = {R:g}): the prisoner's dilemma.",
}


def _ceasefire_why(stage: StageGame, players: tuple[str, str], a: tuple[int, int]) -> str:
    vals = {"T": stage.T, "R": stage.R, "P": stage.P, "S": stage.S}
    if a in _CEASEFIRE_WHY:
        return _CEASEFIRE_WHY[a].format(**vals)
    v, h = (0, 1) if a[0] == 1 else (1, 0)
    return (f"{players[v]} violated while {players[h]} held: {players[v]} takes the temptation T = {stage.T:g}, "
            f"{players[h]} the sucker's payoff S = {stage.S:g}.")


#: What ``negsim-play`` shows of the talks' payoff table (``--table``): nothing, the payoffs
#: without the best-reply stars (the default: students find the best replies), or the
#: starred table with the benchmarks before the first move (a teacher's demonstration).
TABLE_MODES = ("hidden", "plain", "stars")
#: The room of terminal play in a moves record (:mod:`negsim.io.moves`).
RECORD_ROOM = "terminal"


def plain_payoff_table(game: Game) -> str:
    """The payoff bimatrix as :func:`negsim.viz.text.payoff_table` prints it, without the
    best-reply stars: a cell reads ``row payoff, column payoff``."""
    A, B = np.asarray(game.A), np.asarray(game.B)
    rows, cols = game.actions
    cells = [[f"{A[i, j]:+.2f}, {B[i, j]:+.2f}" for j in range(len(cols))] for i in range(len(rows))]
    width = max(len(c) for c in (*cols, *(c for r in cells for c in r))) + 3
    label_w = max(len(r) for r in rows) + 2
    lines = [f"Payoffs ({game.players[0]} rows, {game.players[1]} columns)"]
    lines.append(" " * label_w + "".join(c.rjust(width) for c in cols))
    lines.extend(r.ljust(label_w) + "".join(c.rjust(width) for c in cells[i]) for i, r in enumerate(rows))
    return "\n".join(lines)


def _timestamp() -> str:
    """Now in UTC, ISO 8601 to the millisecond, as the browser classroom stamps a move."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _best_reply_feedback(game: Game, p: int, acts: Sequence[int]) -> str:
    """Whether player ``p``'s move was a best reply to the other's, in one sentence."""
    players = game.players
    M = own_payoffs(game, p)
    other, mine = acts[1 - p], acts[p]
    best = int(np.argmax(M[:, other]))
    if M[mine, other] >= M[best, other] - 1e-12:
        return f"{players[p]}'s '{game.actions[p][mine]}' was a best reply to '{game.actions[1 - p][other]}'."
    return (f"{players[p]}'s best reply to '{game.actions[1 - p][other]}' was '{game.actions[p][best]}' "
            f"({M[best, other]:+.2f} instead of {M[mine, other]:+.2f}).")


def play(
    stdin: TextIO,
    stdout: TextIO,
    *,
    scenario_name: str = "istanbul_round2",
    rounds: int = 3,
    mode: str = "pvp",
    seed: int = 0,
    days: int = 1,
    punish_days: int = PUNISH_DAYS,
    table: str = "plain",
    record_path: str | Path | None = None,
) -> PlayRecord:
    """Play the classroom game on text streams (see the module docstring).

    Parameters
    ----------
    stdin, stdout : text streams
        Where moves are read (one per line: a number, a name or its start; ``?`` explains
        the prompt, ``quit`` stops) and where the game is written.
    scenario_name : str
        The talks scenario.
    rounds : int
        Rounds to play (>= 1); each is one talks round and ``days`` ceasefire days.
    mode : {"pvp", "pak", "afg"}
        Two students, or one student as Pakistan (``pak``) or Kabul (``afg``) against the
        model, which plays its strategy in the Nash equilibrium the ``logit_limit`` rule
        selects in the talks and a trigger strategy in the ceasefire. In ``pvp`` both move
        at once: the first move is not echoed (read without echo from a terminal), the
        screen is cleared before the second student moves, and both are shown together.
    seed : int
        Seed of the model's draws when its equilibrium strategy is mixed.
    days : int
        Ceasefire days per round (>= 1).
    punish_days : int
        Days the trigger strategy punishes a violation (>= 1).
    table : {"hidden", "plain", "stars"}
        The talks' payoff table: not shown, shown without the best-reply stars (the
        default), or starred. With ``stars`` the benchmarks (the selected equilibrium, the
        prediction) come before the first move and each round is compared with equilibrium
        play; otherwise all of that comes at the end, after the last move.
    record_path : str or Path, optional
        Write every move (:data:`negsim.io.moves.COLUMNS`: room ``terminal``, timestamps,
        the scenario's leverage) to this CSV file, atomically: at the start (the header)
        and after each completed round, so a game stopped early keeps its rounds.

    Returns
    -------
    PlayRecord
        The completed rounds; ``stopped`` if the input ended first.

    Raises
    ------
    NegsimError
        Unknown scenario, mode or table, a non-positive count, or a record that cannot be written.
    """
    if mode not in MODES:
        raise ConfigError(f"play.mode: unknown mode '{mode}'; expected one of: {', '.join(MODES)}")
    if table not in TABLE_MODES:
        raise ConfigError(f"play.table: unknown table '{table}'; expected one of: {', '.join(TABLE_MODES)}")
    for name, v in (("rounds", rounds), ("days", days), ("punish_days", punish_days)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ConfigError(f"play.{name}: expected a whole number >= 1, got {v!r}")
    scenario = _resolve_scenario(scenario_name)
    game = talks_game(scenario)
    eqs = solve(game)
    eq = eqs[select(game, eqs, RULE)]
    prediction = predict(scenario, game)
    stage = CLASSROOM_STAGE
    cf = ceasefire_game(stage)
    players = game.players
    humans = {"pvp": (0, 1), "pak": (0,), "afg": (1,)}[mode]
    secret = mode == "pvp"  # two students at one keyboard: neither sees the other's move first
    reveal = table == "stars"
    rng = np.random.default_rng(seed)
    io = _Table(stdin, stdout)
    record = PlayRecord(scenario=scenario.name, mode=mode, rounds=rounds)
    starred = payoff_table(game)
    shown = {"hidden": "", "plain": plain_payoff_table(game), "stars": starred}[table]
    ids = {"pvp": ("1", "2"), "pak": ("1", "model"), "afg": ("model", "1")}[mode]
    leverage = json.dumps({k: float(getattr(scenario.mediator, k)) for k in MEDIATOR_KNOBS})

    def move_row(rnd: int, day: int | None, p: int, action: str, when: str) -> dict[str, Any]:
        return {"room": RECORD_ROOM, "round": rnd, "stage": "talks" if day is None else "ceasefire", "day": day,
                "pair": 1, "participant": ids[p], "nickname": "model" if ids[p] == "model" else "",
                "role": ROLES[p], "action": action, "submitted_at": when, "scenario": scenario.name,
                "leverage": leverage}

    def save() -> None:
        if record_path is None:
            return
        try:
            write_moves(record.moves, record_path)
        except OSError as exc:
            raise ConfigError(f"play.record: cannot write {record_path} ({exc.strerror or exc})") from None

    save()  # a path that cannot be written fails before the game starts

    # --- help at each prompt
    outcomes = "\n".join(f"  {r} / {c}: {scenario.outcome_labels[i][j]}"
                         for i, r in enumerate(game.actions[0]) for j, c in enumerate(game.actions[1]))
    talks_help = {
        p: "\n".join([
            _wrap(f"Your move in the talks, {players[p]}: {_choices(game.actions[p])}; its start is enough. "
                  f"Both sides choose at once: the other's move, the outcome and the payoffs are shown "
                  f"when both have moved. 'quit' stops the game.", ""),
            f"What each pair of moves ({players[0]} / {players[1]}) leads to:",
            outcomes,
            shown or "The payoff table is hidden in this game: choose from what each outcome means to your side.",
        ])
        for p in humans
    }
    ceasefire_help = _wrap(
        f"Today's move in the ceasefire: 1 or 'hold' keeps the truce, 2 or 'violate' breaks it (its start is "
        f"enough). Both choose at once. Classroom payoffs for the day: both hold {stage.R:g} each; both violate "
        f"{stage.P:g} each; violating while the other holds {stage.T:g}, against {stage.S:g} for the one who "
        f"held. 'quit' stops the game.", "")

    # --- introduction
    title = f"Classroom game: {scenario.title} ({scenario.dates})"
    io.say(title)
    io.say("=" * len(title))
    who = {
        "pvp": f"Two players: one is {players[0]} (Pakistan), the other {players[1]} (Kabul), taking turns at "
               f"this keyboard. Both move at once: a move is not shown as it is typed, the screen is cleared "
               f"before the keyboard changes hands, and both moves are revealed together.",
        "pak": f"You are {players[0]} (Pakistan); the model plays {players[1]} (Kabul).",
        "afg": f"You are {players[1]} (Kabul); the model plays {players[0]} (Pakistan).",
    }[mode]
    io.say(_wrap(who, ""))
    io.say(_wrap(
        (f"Each of the {rounds} rounds has" if rounds > 1 else "The round has") + " two stages: (a) the talks, where both "
        f"sides choose at once; (b) {days} ceasefire day{'s' if days > 1 else ''}, where each side holds "
        f"or violates the truce. Type a number or a name (its start is enough); '?' at any prompt explains "
        f"it{' and shows the payoff table' if shown else ''}, 'quit' stops.", ""))
    io.say("")
    io.say(f"What each pair of moves ({players[0]} / {players[1]}) leads to:")
    io.say(outcomes)
    io.say("")
    if shown:
        io.say(shown)
        io.say("")
    if reveal:
        io.say(_benchmarks(scenario, game, eq, prediction, mode))
    else:
        io.say(_wrap({
            "plain": "The table shows no best replies: finding them is up to you.",
            "hidden": "The payoff table is hidden: choose from what each outcome means to your side; each "
                      "round's payoffs are shown after it.",
        }[table] + " The model's benchmarks (the equilibrium, the prediction) and the starred table come at "
                   "the end, after the last move.", ""))
    io.say("")
    delta_k = finite_punishment_threshold(stage, punish_days)
    io.say(_wrap(
        f"Ceasefire days use classroom payoffs (round numbers for easy arithmetic, not the model's calibrated "
        f"ones): both hold {stage.R:g} "
        f"each; both violate {stage.P:g} each; violating while the other holds {stage.T:g}, against "
        f"{stage.S:g} for the one who held. The model (and the 'trigger' benchmark) holds until it "
        f"sees a violation, then violates for {punish_days} day{'s' if punish_days > 1 else ''}. That "
        f"deters a player who values tomorrow at least {delta_k:.2f} times today (forever-punishment: "
        f"{grim_trigger_threshold(stage):.2f}).", ""))

    def at_once(header: str, ask: Callable[[int], int]) -> dict[int, tuple[int, str]]:
        """Each student's move and when it came; between two students, the screen is hidden."""
        got: dict[int, tuple[int, str]] = {}
        for k, p in enumerate(humans):
            if k:
                io.pass_screen(f"{players[humans[k - 1]]} has moved; the move stays hidden until both have moved. "
                               f"Pass the keyboard to {players[p]}.\n{header}")
            got[p] = (ask(p), _timestamp())
        return got

    # The trigger strategy's public state: days of mutual punishment still to come, and
    # whose violation started them. A violation outside a punishment phase starts one;
    # violations during it neither help nor restart it (finite_punishment_threshold).
    phase_left, phase_cause = 0, ""
    try:
        for rnd in range(1, rounds + 1):
            io.say("")
            header = f"--- Round {rnd} of {rounds}, stage (a): the talks ---"
            io.say(header)
            # The model's draw comes first every round, so a seed fixes the model's moves.
            acts = [_sample(rng, eq.strategies[p]) if p not in humans else 0 for p in (0, 1)]
            # After the screen is cleared the second student sees the table again, as the first did.
            got = at_once(header + (f"\n{shown}" if shown else ""),
                          lambda p: io.ask(f"{players[p]}, your move in the talks", game.actions[p],
                                           talks_help[p], secret=secret))
            when = {p: t for p, (_, t) in got.items()}
            for p, (k, _) in got.items():
                acts[p] = k
            for p in (0, 1):
                if p not in humans:  # announced only after the student has chosen
                    when[p] = _timestamp()
                    q = eq.strategies[p]
                    how = (f"its equilibrium strategy is always {_mix(game.actions[p], q)}" if q.max() > 1 - 1e-9
                           else f"drawn at random from its equilibrium strategy, {_mix(game.actions[p], q)}")
                    io.say(_hang(f"{players[p]} (model) plays '{game.actions[p][acts[p]]}' ({how})."))
            i, j = acts
            label = scenario.outcome_labels[i][j]
            pay = (float(game.A[i, j]), float(game.B[i, j]))
            kind = scenario.deal_kind[i][j]
            io.say(_hang(f"Outcome: {players[0]} '{game.actions[0][i]}', {players[1]} '{game.actions[1][j]}' "
                         f"-> {label}" + ("" if "no deal" in label else f" ({KIND_WORDS[kind]})" if kind == "none"
                                          else f" (a deal: {KIND_WORDS[kind]})")))
            io.say(f"Payoffs this round: {players[0]} {pay[0]:+.2f}, {players[1]} {pay[1]:+.2f}")
            io.say(_hang(_in_force(scenario, i, j)))
            if reveal:
                io.say(_hang(_equilibrium_play(scenario, game, eq)))
                for p in humans:
                    io.say(_hang("  " + _best_reply_feedback(game, p, acts)))
            talks_move = TalksMove(rnd, (i, j), (game.actions[0][i], game.actions[1][j]), label,
                                   bool(scenario.deal[i, j]), pay)
            round_rows = [move_row(rnd, None, p, game.actions[p][acts[p]], t)
                          for p, t in sorted(when.items(), key=lambda kv: kv[1])]

            round_days: list[CeasefireDay] = []
            left, cause = phase_left, phase_cause
            for day in range(1, days + 1):
                io.say("")
                header = f"--- Round {rnd} of {rounds}, stage (b): the ceasefire, day {day} of {days} ---"
                io.say(header)
                trig = 1 if left > 0 else 0
                why = (f"punishing the violation by {cause}, day {punish_days - left + 1} of {punish_days}" if left
                       else "no violation seen")
                a = [trig, trig]
                got = at_once(header, lambda p: io.ask(f"{players[p]}, hold or violate the truce?", CEASEFIRE_ACTIONS,
                                                       ceasefire_help, secret=secret))
                when = {p: t for p, (_, t) in got.items()}
                for p, (k, _) in got.items():
                    a[p] = k
                for p in (0, 1):
                    if p not in humans:
                        when[p] = _timestamp()
                        io.say(f"{players[p]} (model, trigger strategy) {CEASEFIRE_ACTIONS[a[p]]}s: {why}.")
                cp = (float(cf.A[a[0], a[1]]), float(cf.B[a[0], a[1]]))
                io.say(f"Outcome: {players[0]} {CEASEFIRE_ACTIONS[a[0]]}s, {players[1]} {CEASEFIRE_ACTIONS[a[1]]}s "
                       f"-> {players[0]} {cp[0]:+g}, {players[1]} {cp[1]:+g}")
                io.say(_hang("  " + _ceasefire_why(stage, players, (a[0], a[1]))))
                if mode == "pvp":
                    io.say(f"  Trigger players would both {CEASEFIRE_ACTIONS[trig]} today ({why}).")
                if left > 0:
                    left -= 1
                elif any(a):
                    left = punish_days
                    cause = " and ".join(players[p] for p in (0, 1) if a[p])
                    io.say(_hang(f"  {cause} violated: a trigger player now violates for the next "
                                 f"{punish_days} day{'s' if punish_days > 1 else ''}, then holds again."))
                round_days.append(CeasefireDay(rnd, day, (a[0], a[1]), cp))
                round_rows.extend(move_row(rnd, day, p, CEASEFIRE_ACTIONS[a[p]], t)
                                  for p, t in sorted(when.items(), key=lambda kv: kv[1]))
            # The round is complete: commit it, and save the record.
            phase_left, phase_cause = left, cause
            record.talks.append(talks_move)
            record.ceasefire.extend(round_days)
            record.moves.extend(round_rows)
            save()
            tt, ct = record.talks_totals, record.ceasefire_totals
            io.say("")
            io.say(f"Running totals after round {rnd}: talks {players[0]} {tt[0]:+.2f}, {players[1]} {tt[1]:+.2f}; "
                   f"ceasefire {players[0]} {ct[0]:+g}, {players[1]} {ct[1]:+g}")
    except _InputEnded as ended:
        record.stopped = True
        done = record.rounds_played
        partial = f" (round {done + 1} was not finished and does not count)" if done < rounds else ""
        io.say("")
        io.say(f"{'a player quit' if ended.quit else 'input ended'}: game stopped after round {done}{partial}")

    _summary(io, record, game, eq, prediction, stage, days)
    if not reveal and record.rounds_played:
        _debrief(io, record, scenario, game, eq, prediction, humans, starred)
    if record_path is not None:
        io.say("")
        io.say(f"The moves of {record.rounds_played} round{'s' if record.rounds_played != 1 else ''} are in "
               f"{record_path}.")
    return record


def _benchmarks(scenario: Scenario, game: Game, eq: Equilibrium, prediction: np.ndarray, mode: str) -> str:
    """The two benchmarks of the talks, the selected equilibrium and the prediction, as a paragraph."""
    players = game.players
    top = _modal(scenario, prediction)
    kinds = kind_probabilities(scenario, prediction)
    return _wrap(
        f"Two benchmarks for the talks. Perfectly rational play: the Nash equilibrium the '{RULE}' rule "
        f"selects, {players[0]} {_mix(game.actions[0], eq.strategies[0])} and {players[1]} "
        f"{_mix(game.actions[1], eq.strategies[1])}" + ("; the model plays its side of it" if mode != "pvp" else "")
        + f". Real delegations, as the "
        f"model predicts them (logit QRE at precision {scenario.precision:g}): most likely "
        f"'{scenario.outcome_labels[top[0]][top[1]]}' (p={prediction[top]:.2f}), a deal with probability "
        f"{1.0 - kinds.get('none', 0.0):.2f}.", "")


def _equilibrium_play(scenario: Scenario, game: Game, eq: Equilibrium) -> str:
    """What equilibrium play would give in the talks, in one sentence."""
    players = game.players
    dist = outcome_distribution(scenario, np.outer(*eq.strategies))
    likely = max(dist, key=lambda label: dist[label])
    return (f"Equilibrium play would be: {players[0]} {_mix(game.actions[0], eq.strategies[0])}, "
            f"{players[1]} {_mix(game.actions[1], eq.strategies[1])} -> '{likely}'"
            + (f" (p={dist[likely]:.2f})" if dist[likely] < 1 - 1e-9 else "")
            + f"; expected payoffs {players[0]} {eq.payoffs[0]:+.2f}, {players[1]} {eq.payoffs[1]:+.2f}.")


def _in_force(scenario: Scenario, i: int, j: int) -> str:
    """What outcome ``(i, j)`` puts in force, in one sentence."""
    prov = provisions_in_force(scenario, i, j)
    if not any(prov.values()):
        return "In force for the ceasefire: nothing (no verification, no de-confliction channel, no payments)."
    return (f"In force for the ceasefire: verification {prov['verification']:.2f}, de-confliction channel "
            f"{prov['channel']:.2f}, compliance payments {prov['compliance']:.2f} a day.")


def _summary(io: _Table, record: PlayRecord, game: Game, eq: Equilibrium, prediction: np.ndarray,
             stage: StageGame, days: int) -> None:
    players = game.players
    n = record.rounds_played
    io.say("")
    io.say(f"=== Final score after {n} round{'s' if n != 1 else ''} ===")
    if n == 0:
        io.say("No round was completed.")
        return
    tt, ct = record.talks_totals, record.ceasefire_totals
    w = max(len(p) for p in players) + 6
    io.say(f"{'':<28}" + "".join(p.rjust(w) for p in players))
    io.say(f"{'talks (payoff units)':<28}" + "".join(f"{v:+.2f}".rjust(w) for v in tt))
    io.say(f"{'equilibrium play, expected':<28}" + "".join(f"{n * v:+.2f}".rjust(w) for v in eq.payoffs))
    predicted = (float((prediction * game.A).sum()), float((prediction * game.B).sum()))
    io.say(f"{'predicted play, expected':<28}" + "".join(f"{n * v:+.2f}".rjust(w) for v in predicted))
    io.say(f"{'ceasefire (classroom units)':<28}" + "".join(f"{v:+g}".rjust(w) for v in ct))
    io.say(f"{'both always holding':<28}" + "".join(f"{n * days * stage.R:+g}".rjust(w) for _ in players))
    x, y = eq.strategies
    matched = sum(1 for t in record.talks if x[t.actions[0]] > 1e-9 and y[t.actions[1]] > 1e-9)
    deals = sum(t.deal for t in record.talks)
    held = sum(1 for d in record.ceasefire if d.actions == (0, 0))
    io.say("")
    io.say(_wrap(
        f"Summary: {deals} of {n} talks round{'s' if n != 1 else ''} ended in a deal; {matched} of {n} "
        f"followed equilibrium play; the truce held on both sides on {held} of {len(record.ceasefire)} "
        f"ceasefire day{'s' if len(record.ceasefire) != 1 else ''}. "
        + ("Holding every day beats violating together, but each day each side is tempted to violate: "
           "only the threat of punishment tomorrow keeps the truce." if held < len(record.ceasefire)
           else "The truce held throughout: the threat of punishment made violating not worth it."), ""))


def _debrief(io: _Table, record: PlayRecord, scenario: Scenario, game: Game, eq: Equilibrium,
             prediction: np.ndarray, humans: Sequence[int], starred: str) -> None:
    """After the last move: what was held back while playing (the starred table, the benchmarks,
    each round against the best replies)."""
    io.say("")
    io.say("=== The answers: best replies and benchmarks ===")
    io.say(starred)
    io.say("")
    io.say(_benchmarks(scenario, game, eq, prediction, record.mode))
    io.say(_wrap(_equilibrium_play(scenario, game, eq), ""))
    for t in record.talks:
        for p in humans:
            io.say(_hang(f"  Round {t.round}: " + _best_reply_feedback(game, p, t.actions)))


def play_main(argv: Sequence[str] | None = None) -> int:
    """``negsim-play [--scenario istanbul_round2] [--rounds 3] [--mode pvp|pak|afg] [--table plain]
    [--record FILE] [--seed 0]``."""
    parser = _OneLineParser(
        prog="negsim-play",
        description="A classroom game: the talks, then the ceasefire, round by round. Against a student, "
        f"the model plays its side of the Nash equilibrium the '{RULE}' rule selects in the talks (drawn "
        "at random when mixed) and a trigger strategy in the ceasefire; the game also shows the model's "
        "prediction for real delegations (logit QRE). '?' at any prompt explains it.",
    )
    parser.add_argument("--scenario", default="istanbul_round2",
                        help=f"scenario name ({', '.join(available_scenarios())}) or a scenario YAML file")
    parser.add_argument("--rounds", type=int, default=3, help="rounds to play (default 3)")
    parser.add_argument("--mode", choices=MODES, default="pvp",
                        help=f"pvp: two students, moving at once (moves hidden until both have moved); "
                        f"pak/afg: one student as Pakistan/Kabul against the model, which plays the '{RULE}' "
                        f"Nash equilibrium")
    parser.add_argument("--table", choices=TABLE_MODES, default="plain",
                        help="the talks' payoff table: hidden; plain, without the best-reply stars (default: "
                        "students find them); stars, with the stars and the benchmarks before the first move "
                        "(for a teacher). Except with stars, the benchmarks come after the last move")
    parser.add_argument("--record", metavar="FILE",
                        help="write every move, with timestamps, to FILE as CSV (the negsim.io.moves format: "
                        "room 'terminal'), after each round")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the model's draws when its equilibrium strategy is mixed")
    parser.add_argument("--days", type=int, default=1, help="ceasefire days per round (default 1)")
    parser.add_argument("--punish-days", type=int, default=PUNISH_DAYS,
                        help=f"days the trigger strategy punishes a violation (default {PUNISH_DAYS})")
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        play(sys.stdin, sys.stdout, scenario_name=args.scenario, rounds=args.rounds, mode=args.mode,
             seed=args.seed, days=args.days, punish_days=args.punish_days, table=args.table,
             record_path=args.record)
    except NegsimError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        print("\ninterrupted: game stopped" + (f" (the completed rounds are in {args.record})" if args.record else ""),
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence(sys.stdout)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(explain_main())
