"""Seminar material: a plain-language walk through one scenario, and a classroom game.

Two commands for seminar leaders whose students may never have seen game theory:

``negsim-explain [SCENARIO] [--knob transfer_deal]``
    :func:`explain`: the payoff table with best replies marked, the evidence behind every
    weight, the dominated actions of each player (by pure actions and by mixtures), the
    equilibria and the one the model selects, the logit quantal response (QRE) path from
    random to fully rational play, and the mediator leverage that flips the round to a
    deal, each with sentences a newcomer can read aloud.

``negsim-play [--scenario istanbul_round2] [--rounds 3] [--mode pvp|pak|afg] [--seed 0]``
    :func:`play`: a round-by-round terminal game. Each round has two stages: the talks
    (both delegations choose an action of the talks game at once) and one or more days
    of the ceasefire (each side holds or violates the truce, a prisoner's dilemma). Two
    students play each other (``pvp``), or one student plays Pakistan (``pak``) or Kabul
    (``afg``) against the model: in the talks the model samples its move from the
    selected equilibrium's mixed strategy (seeded), in the ceasefire it plays a trigger
    strategy (hold until it sees a violation, then violate for ``punish_days`` days).

The ceasefire stage uses the classroom payoffs :data:`CLASSROOM_STAGE` (Axelrod's
T=5 > R=3 > P=1 > S=0): the record gives no evidence for per-day payoffs, so they are
illustrative, not calibrated, and the output says so.

Bad input (unknown scenario, knob, mode) is reported as one line ``negsim: error: ...``
with exit status 2; an invalid move in the game is re-asked, and the end of input stops
the game cleanly.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass, field
from typing import NoReturn, Sequence, TextIO

import numpy as np

from negsim.errors import ConfigError, NegsimError
from negsim.game import Game, dominated_actions, iterated_elimination, own_payoffs
from negsim.games.repeated import ACTIONS as CEASEFIRE_ACTIONS
from negsim.games.repeated import StageGame, ceasefire_game, finite_punishment_threshold, grim_trigger_threshold
from negsim.model.scenario import FRACTION_KNOBS, Scenario, available_scenarios, load_scenario
from negsim.model.talks import deal_probability, outcome_distribution, talks_game
from negsim.solvers import solve
from negsim.solvers.selection import select
from negsim.viz.text import equilibria_report, evidence_report, payoff_table

#: Classroom payoffs of one ceasefire day (Axelrod 1984's prisoner's dilemma numbers):
#: illustrative, not calibrated to the evidence.
CLASSROOM_STAGE = StageGame(T=5.0, R=3.0, P=1.0, S=0.0)
#: Days the model's trigger strategy punishes a violation (AF6: punishment ends).
PUNISH_DAYS = 2
#: Precisions (1/payoff units) shown in the QRE summary, besides the end of the path.
QRE_LAMBDAS = (0.0, 0.1, 0.3, 1.0, 3.0)
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


def _qre_lines(game: Game, selected_eq) -> list[str]:
    from negsim.solvers.qre import qre_at, qre_path

    path = qre_path(game.A, game.B)
    lam_end = float(path.lam[-1])
    points = [(lam, *((path.x[0], path.y[0]) if lam == 0 else qre_at(game.A, game.B, lam, start=path)))
              for lam in QRE_LAMBDAS if lam < lam_end]
    points.append((lam_end, *path.final))
    lines = [
        "In a quantal response equilibrium (QRE) each side picks better replies more often, but",
        "not always: lambda measures how sharply. At lambda = 0 both choose at random; as lambda",
        "grows, play moves towards a Nash equilibrium (lambda is in 1/payoff units).",
    ]
    for p, probs in ((0, [pt[1] for pt in points]), (1, [pt[2] for pt in points])):
        labels = game.actions[p]
        w = max(max(len(s) for s in labels), 6) + 2
        lines.append("")
        lines.append(f"  {game.players[p] + ' plays':<26}" + "".join(s.rjust(w) for s in labels))
        for (lam, *_), q in zip(points, probs, strict=True):
            tag = "lambda = 0 (random)" if lam == 0 else (f"lambda = {lam:.0f} (end)" if lam == lam_end else f"lambda = {lam:g}")
            lines.append(f"  {tag:<26}" + "".join(f"{v:.3f}".rjust(w) for v in q))
    x_end, y_end = path.final
    x_eq, y_eq = selected_eq.strategies
    near = np.abs(x_end - x_eq).sum() + np.abs(y_end - y_eq).sum() < 1e-2
    lines.append("")
    lines.append(_hang(
        f"The path ends (lambda = {lam_end:.0f}) with {game.players[0]} playing "
        f"{_mix(game.actions[0], np.round(x_end, 3))} and {game.players[1]} playing "
        f"{_mix(game.actions[1], np.round(y_end, 3))}"
        + (": the selected equilibrium (that is how the 'logit' rule selects)." if near
           else ", near no single equilibrium yet (play converges slowly towards a mixed one).")
    ))
    return lines


#: What each talks knob means, for students.
KNOB_MEANING = {
    "transfer_deal": "what the mediators pay each side when the round ends in a deal (a carrot)",
    "penalty_walkout": "what the mediators take from a side that walks out or refuses (a stick)",
    "verification": "how much third parties verify the commitments (0 none, 1 full)",
    "sovereignty_relief": "how much of Kabul's sovereignty cost full verification removes (0-1)",
}


def _threshold_lines(scenario: Scenario, knob: str) -> list[str]:
    from negsim.studies.threshold import leverage_threshold

    upper = 1.0 if knob in FRACTION_KNOBS else 10.0
    # A coarser bracketing grid than the experiment's 201 points (same bisection to 1e-6):
    # about twice as fast, and the same thresholds for the shipped scenarios.
    t = leverage_threshold(scenario, knob, upper=upper, grid=51)
    now = getattr(scenario.mediator, knob)
    unit = "" if knob in FRACTION_KNOBS else " payoff units"
    lines = [_hang(f"{knob}: {KNOB_MEANING[knob]}; the scenario has {now:g}{unit}. The question: from which "
                   f"value does the equilibrium the model selects become a deal (other knobs unchanged)?")]
    if t.already_deal:
        lines.append(f"Leverage threshold for {knob}: none needed.")
        lines.append(_hang(f"The selected outcome is a deal even at {knob} = 0: '{t.outcome_above}'."))
    elif t.value is None:
        lines.append(f"Leverage threshold for {knob}: none up to {upper:g}{unit}.")
        lines.append(_hang(f"However large {knob} is (up to {upper:g}), the model still selects "
                           f"'{t.outcome_below}': this lever alone cannot make a deal."))
    else:
        lines.append(f"Leverage threshold for {knob}: {t.value:.2f}{unit}.")
        lines.append(_hang(f"Below it the model selects '{t.outcome_below}'; from {t.value:.2f} on, "
                           f"'{t.outcome_above}'."))
        lines.append(_hang(f"In words: the mediators must raise {knob} from {now:g} to {t.value:.2f} before "
                           f"the round ends in a deal."))
    return lines


def explain(scenario_name: str = "istanbul_round2", *, knob: str = "transfer_deal") -> str:
    """A terminal walk-through of one scenario for students (see the module docstring).

    Parameters
    ----------
    scenario_name : str
        A shipped scenario (``available_scenarios()``) or a scenario YAML file.
    knob : str
        The mediator knob whose deal threshold is reported.

    Raises
    ------
    NegsimError
        Unknown scenario or knob.
    """
    if knob not in KNOB_MEANING:
        raise ConfigError(f"knob: '{knob}' is not a mediator knob of the talks payoffs; expected one of: "
                          f"{', '.join(KNOB_MEANING)}")
    scenario = _resolve_scenario(scenario_name)
    game = talks_game(scenario)
    P0, P1 = game.players
    eqs = solve(game)
    k = select(game, eqs)
    eq = eqs[k]
    dist = outcome_distribution(scenario, eq)
    p_deal = deal_probability(scenario, eq)
    likely = max(dist, key=lambda label: dist[label])

    out = [f"{scenario.title} ({scenario.dates})", "=" * len(f"{scenario.title} ({scenario.dates})")]
    out.append(_wrap(scenario.summary, ""))
    out.append("")
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
        "payoff is the sum of each feature times the player's weight on it. The codes in brackets "
        "name the evidence (docs/evidence.md) behind each coding and weight.", ""))
    out.append(evidence_report(scenario))
    out.append("")
    out.append(_heading(3, "Dominated actions"))
    out.extend(dominance_lines(game))
    out.append("")
    out.append(_heading(4, "Equilibria and the selected one"))
    out.append(equilibria_report(game, eqs, k, "logit"))
    x, y = eq.strategies
    out.append(f"Selected outcome: {likely} (p={dist[likely]:.3g}); probability of a deal {p_deal:.3g}")
    out.append(_wrap(
        f"In words: the model predicts that {P0} plays {_mix(game.actions[0], x)} and {P1} plays "
        f"{_mix(game.actions[1], y)}, so the round most likely ends in '{likely}'. "
        + (f"There are {len(eqs)} equilibria; the 'logit' rule picks the one reached by players who "
           f"start out choosing at random and get steadily more rational (section 5)."
           if len(eqs) > 1 else "It is the only equilibrium of this game."), ""))
    out.append("")
    out.append(_heading(5, "From random to rational play: the logit QRE path"))
    out.extend(_qre_lines(game, eq))
    out.append("")
    out.append(_heading(6, f"Mediator leverage: how much {knob} makes a deal?"))
    out.extend(_threshold_lines(scenario, knob))
    return "\n".join(out) + "\n"


# --- command-line plumbing ------------------------------------------------------------------


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line ``negsim: error: ...`` and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"negsim: error: {self.prog}: {message} (see {self.prog} --help)\n")


def _fail(exc: BaseException) -> None:
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
    """``negsim-explain [SCENARIO] [--knob transfer_deal]``: print :func:`explain`."""
    parser = _OneLineParser(
        prog="negsim-explain",
        description="Explain one negotiation round for students: payoff table, evidence, dominated "
        "actions, equilibria, QRE path, mediator leverage.",
    )
    parser.add_argument("scenario", nargs="?", default="istanbul_round2",
                        help=f"scenario name ({', '.join(available_scenarios())}) or a scenario YAML file")
    parser.add_argument("--knob", default="transfer_deal",
                        help="mediator knob for the deal threshold (transfer_deal, penalty_walkout, verification, "
                        "sovereignty_relief)")
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        text = explain(args.scenario, knob=args.knob)
    except NegsimError as exc:
        _fail(exc)
    _write(sys.stdout, text)
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
    stopped : bool
        True if the input ended (or a player quit) before the last round.
    """

    scenario: str
    mode: str
    rounds: int
    talks: list[TalksMove] = field(default_factory=list)
    ceasefire: list[CeasefireDay] = field(default_factory=list)
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


def parse_move(text: str, options: Sequence[str]) -> tuple[int | None, str]:
    """Read a move typed as a number (1-based), a name or an unambiguous start of a name.

    Returns
    -------
    (index, message)
        The 0-based action index and ``""``, or ``None`` and what was wrong.
    """
    choices = f"type a number 1-{len(options)} or a name ({', '.join(options)})"
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


class _Table:
    """The game's terminal I/O: prompts, re-asks on invalid input, EOF handling."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin, self.out = stdin, stdout
        try:
            self.echo = not stdin.isatty()
        except (AttributeError, ValueError):
            self.echo = True

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def ask(self, prompt: str, options: Sequence[str], help_text: str = "") -> int:
        menu = ", ".join(f"{k + 1} {o}" for k, o in enumerate(options))
        while True:
            self.out.write(f"{prompt} [{menu}]: ")
            self.out.flush()
            line = self.stdin.readline()
            if line == "":
                self.out.write("\n")
                raise _InputEnded()
            if self.echo:
                self.out.write(line.rstrip("\n") + "\n")
            text = line.strip()
            if text.lower() in ("quit", "exit"):
                raise _InputEnded(quit_=True)
            if text in ("?", "help") and help_text:
                self.say(help_text)
                continue
            k, msg = parse_move(text, options)
            if k is not None:
                return k
            self.say(f"  invalid move: {msg}. Try again.")


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
) -> PlayRecord:
    """Play the classroom game on text streams (see the module docstring).

    Parameters
    ----------
    stdin, stdout : text streams
        Where moves are read (one per line: a number, a name or its start; ``?`` shows
        the payoff table, ``quit`` stops) and where the game is written.
    scenario_name : str
        The talks scenario.
    rounds : int
        Rounds to play (>= 1); each is one talks round and ``days`` ceasefire days.
    mode : {"pvp", "pak", "afg"}
        Two students, or one student as Pakistan (``pak``) or Kabul (``afg``) against the model.
    seed : int
        Seed of the model's draws from its equilibrium mixed strategy.
    days : int
        Ceasefire days per round (>= 1).
    punish_days : int
        Days the trigger strategy punishes a violation (>= 1).

    Returns
    -------
    PlayRecord
        The completed rounds; ``stopped`` if the input ended first.

    Raises
    ------
    NegsimError
        Unknown scenario or mode, or a non-positive count.
    """
    if mode not in MODES:
        raise ConfigError(f"play.mode: unknown mode '{mode}'; expected one of: {', '.join(MODES)}")
    for name, v in (("rounds", rounds), ("days", days), ("punish_days", punish_days)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ConfigError(f"play.{name}: expected a whole number >= 1, got {v!r}")
    scenario = _resolve_scenario(scenario_name)
    game = talks_game(scenario)
    eqs = solve(game)
    eq = eqs[select(game, eqs)]
    dist = outcome_distribution(scenario, eq)
    stage = CLASSROOM_STAGE
    cf = ceasefire_game(stage)
    players = game.players
    humans = {"pvp": (0, 1), "pak": (0,), "afg": (1,)}[mode]
    rng = np.random.default_rng(seed)
    io = _Table(stdin, stdout)
    record = PlayRecord(scenario=scenario.name, mode=mode, rounds=rounds)
    table_text = payoff_table(game)

    # --- introduction
    title = f"Classroom game: {scenario.title} ({scenario.dates})"
    io.say(title)
    io.say("=" * len(title))
    who = {
        "pvp": f"Two players: one is {players[0]} (Pakistan), the other {players[1]} (Kabul). Both type on "
               f"this terminal; {players[1]}, look away while {players[0]} types.",
        "pak": f"You are {players[0]} (Pakistan); the model plays {players[1]} (Kabul).",
        "afg": f"You are {players[1]} (Kabul); the model plays {players[0]} (Pakistan).",
    }[mode]
    io.say(_wrap(who, ""))
    io.say(_wrap(
        f"Each of the {rounds} round{'s' if rounds > 1 else ''} has two stages: (a) the talks, where both "
        f"sides choose at once; (b) {days} ceasefire day{'s' if days > 1 else ''}, where each side holds "
        f"or violates the truce. Type a number or a name (its start is enough); '?' shows the payoff "
        f"table, 'quit' stops.", ""))
    io.say("")
    io.say(table_text)
    io.say("")
    delta_k = finite_punishment_threshold(stage, punish_days)
    io.say(_wrap(
        f"Ceasefire days use classroom payoffs (illustrative, not from the evidence): both hold {stage.R:g} "
        f"each; both violate {stage.P:g} each; violating while the other holds {stage.T:g}, against "
        f"{stage.S:g} for the one who held. The model (and the 'trigger' benchmark) holds until it "
        f"sees a violation, then violates for {punish_days} day{'s' if punish_days > 1 else ''}. That "
        f"deters a player who values tomorrow at least {delta_k:.2f} times today (forever-punishment: "
        f"{grim_trigger_threshold(stage):.2f}).", ""))

    def ask_talks(p: int) -> int:
        return io.ask(f"{players[p]}, your move in the talks", game.actions[p], table_text)

    # The trigger strategy's public state: days of mutual punishment still to come, and
    # whose violation started them. A violation outside a punishment phase starts one;
    # violations during it neither help nor restart it (finite_punishment_threshold).
    phase_left, phase_cause = 0, ""
    rnd = 0
    try:
        for rnd in range(1, rounds + 1):
            io.say("")
            io.say(f"--- Round {rnd} of {rounds}, stage (a): the talks ---")
            # The model's draw comes first every round, so a seed fixes the model's moves.
            acts = [_sample(rng, eq.strategies[p]) if p not in humans else 0 for p in (0, 1)]
            for p in humans:
                acts[p] = ask_talks(p)
            for p in (0, 1):
                if p not in humans:  # announced only after the student has chosen
                    q = eq.strategies[p]
                    how = (f"its equilibrium strategy is always {_mix(game.actions[p], q)}" if q.max() > 1 - 1e-9
                           else f"drawn at random from its equilibrium strategy, {_mix(game.actions[p], q)}")
                    io.say(_hang(f"{players[p]} (model) plays '{game.actions[p][acts[p]]}' ({how})."))
            i, j = acts
            label = scenario.outcome_labels[i][j]
            pay = (float(game.A[i, j]), float(game.B[i, j]))
            io.say(_hang(f"Outcome: {players[0]} '{game.actions[0][i]}', {players[1]} '{game.actions[1][j]}' "
                         f"-> {label}" + ("" if "deal" in label else " (a deal)" if scenario.deal[i, j] else " (no deal)")))
            io.say(f"Payoffs this round: {players[0]} {pay[0]:+.2f}, {players[1]} {pay[1]:+.2f}")
            likely = max(dist, key=lambda label: dist[label])
            io.say(_hang(f"Equilibrium play would be: {players[0]} {_mix(game.actions[0], eq.strategies[0])}, "
                         f"{players[1]} {_mix(game.actions[1], eq.strategies[1])} -> '{likely}'"
                         + (f" (p={dist[likely]:.2f})" if dist[likely] < 1 - 1e-9 else "")
                         + f"; expected payoffs {players[0]} {eq.payoffs[0]:+.2f}, {players[1]} {eq.payoffs[1]:+.2f}."))
            for p in humans:
                M = own_payoffs(game, p)
                other, mine = acts[1 - p], acts[p]
                best = int(np.argmax(M[:, other]))
                if M[mine, other] >= M[best, other] - 1e-12:
                    io.say(_hang(f"  {players[p]}'s '{game.actions[p][mine]}' was a best reply to "
                                 f"'{game.actions[1 - p][other]}'."))
                else:
                    io.say(_hang(f"  {players[p]}'s best reply to '{game.actions[1 - p][other]}' was "
                                 f"'{game.actions[p][best]}' ({M[best, other]:+.2f} instead of "
                                 f"{M[mine, other]:+.2f})."))
            talks_move = TalksMove(rnd, (i, j), (game.actions[0][i], game.actions[1][j]), label,
                                   bool(scenario.deal[i, j]), pay)

            round_days: list[CeasefireDay] = []
            left, cause = phase_left, phase_cause
            for day in range(1, days + 1):
                io.say("")
                io.say(f"--- Round {rnd} of {rounds}, stage (b): the ceasefire, day {day} of {days} ---")
                trig = 1 if left > 0 else 0
                why = (f"punishing the violation by {cause}, day {punish_days - left + 1} of {punish_days}" if left
                       else "no violation seen")
                a = [trig, trig]
                for p in humans:
                    a[p] = io.ask(f"{players[p]}, hold or violate the truce?", CEASEFIRE_ACTIONS)
                for p in (0, 1):
                    if p not in humans:
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
            # The round is complete: commit it.
            phase_left, phase_cause = left, cause
            record.talks.append(talks_move)
            record.ceasefire.extend(round_days)
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

    _summary(io, record, game, eq, stage, days)
    return record


def _summary(io: _Table, record: PlayRecord, game: Game, eq, stage: StageGame, days: int) -> None:
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


def play_main(argv: Sequence[str] | None = None) -> int:
    """``negsim-play [--scenario istanbul_round2] [--rounds 3] [--mode pvp|pak|afg] [--seed 0]``."""
    parser = _OneLineParser(
        prog="negsim-play",
        description="A classroom game: the talks, then the ceasefire, round by round.",
    )
    parser.add_argument("--scenario", default="istanbul_round2",
                        help=f"scenario name ({', '.join(available_scenarios())}) or a scenario YAML file")
    parser.add_argument("--rounds", type=int, default=3, help="rounds to play (default 3)")
    parser.add_argument("--mode", choices=MODES, default="pvp",
                        help="pvp: two students; pak/afg: one student as Pakistan/Kabul against the model")
    parser.add_argument("--seed", type=int, default=0, help="seed of the model's equilibrium draws")
    parser.add_argument("--days", type=int, default=1, help="ceasefire days per round (default 1)")
    parser.add_argument("--punish-days", type=int, default=PUNISH_DAYS,
                        help=f"days the trigger strategy punishes a violation (default {PUNISH_DAYS})")
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        play(sys.stdin, sys.stdout, scenario_name=args.scenario, rounds=args.rounds, mode=args.mode,
             seed=args.seed, days=args.days, punish_days=args.punish_days)
    except NegsimError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        print("\ninterrupted: game stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence(sys.stdout)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(explain_main())
