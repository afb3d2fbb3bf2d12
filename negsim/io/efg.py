"""Read and write two-player extensive games in Gambit's ``.efg`` file format.

The format (https://gambitproject.readthedocs.io/en/latest/formats.efg.html) is a
prologue and the tree's nodes in prefix order (a node, then the subtrees of its children
in order)::

    EFG 2 R "Title" { "Pakistan" "Afghanistan" }
    "optional comment"

    c "types" 1 "nature" { "resolved" 3/5 "irresolute" 2/5 } 0
    p "" 1 1 "PAK: demand" { "written" "lesser" } 0
    p "" 2 1 "AFG: answer" { "accept" "refuse" } 0
    t "" 1 "deal" { 7, -5 }
    t "" 2 "deadlock" { 3/2, -1 }
    ...

``p "name" player infoset ["infoset name" { actions }] outcome ["outcome name" { u1, u2 }]``
is a decision node, ``c "name" event ["event name" { action prob ... }] outcome [...]`` a
chance node and ``t "name" outcome ["outcome name" { u1, u2 }]`` a terminal. Information
sets (numbered per player), chance events and outcomes are described where they first
appear; later appearances may repeat the description, which must then match, or omit
it. Outcome 0 is the null outcome. Outcomes at non-terminal nodes add their payoffs to
every terminal below (Gambit's incremental payoffs). Numbers may be integers, decimals,
exponent floats or rationals such as ``-3/4``; ``EFG 2 D`` headers are read like
``EFG 2 R``.

Gambit accepts a move whose actions share a label, as in trees that label chance
actions by their probabilities (``c "" 1 "" { "1/2" 1/2 "1/2" 1/2 } 0``), and renames
them; :func:`read_efg` renames them the same way (checked against pygambit 16.7), so
every occurrence of a repeated label ``x`` becomes ``x_1``, ``x_2``... in order, skipping
names that are already labels of the move: ``{ "1/2" "1/2" }`` reads as
``("1/2_1", "1/2_2")`` and ``{ "a" "a_1" "a" }`` as ``("a_2", "a_1", "a_3")``. This
applies to chance and decision moves alike; labels that occur once are kept.

Gambit requires chance probabilities to sum to exactly one, so :func:`write_efg` writes
them as rationals (the simplest fraction equal to each float, the last one completing the
sum); payoffs are written as the shortest text that reads back as the same float.
Outcome features and evidence sources of :class:`~negsim.games.extensive.Terminal` are
not part of the format and are not written.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from negsim.errors import GameFormatError
from negsim.games.extensive import PROB_TOL, Chance, Decision, ExtensiveGame, Terminal
from negsim.io.gambit import (
    _COUNT,
    _DECIMAL,
    _RATIONAL,
    PathLike,
    _Cursor,
    _fail,
    _format_number,
    _number,
    _quote,
    _read_text,
    _show,
    _strings,
    _Token,
    _tokenize,
    _unique_labels,
    _write_atomically,
)
from negsim.io.gambit import (
    _header as _nfg_header,
)

#: Fractions with denominators up to this are tried first when writing a probability.
_MAX_DENOMINATOR = 10**6


# --------------------------------------------------------------------------- reading


def _index(cur: _Cursor, expected: str, minimum: int) -> int:
    """An integer atom of at least ``minimum`` (a player, infoset, event or outcome number)."""
    token = cur.peek()
    if token.kind != "atom" or not _COUNT.fullmatch(token.text) or int(token.text) < minimum:
        raise _fail(cur.name, expected, token)
    cur.pos += 1
    return int(token.text)


def _probability(token: _Token, name: str) -> Fraction:
    """An exact probability from an atom such as ``1/3``, ``0.25`` or ``1e-2``."""
    text = token.text if token.kind == "atom" else ""
    if not (_DECIMAL.fullmatch(text) or _RATIONAL.fullmatch(text)):
        raise _fail(name, "a probability", token)
    try:
        value = Fraction(text)
    except (ZeroDivisionError, ValueError):
        raise GameFormatError(
            f"{name}: probability {_show(token)} is not a valid number (line {token.line})"
        ) from None
    if value < 0 or value > 1:
        raise GameFormatError(
            f"{name}: probability {text} is outside [0, 1] (line {token.line})"
        )
    return value


def _header(cur: _Cursor) -> tuple[str, tuple[str, str], str]:
    """Parse ``EFG 2 R "title" { "P1" "P2" } ["comment"]``."""
    title, players = _nfg_header(cur, "EFG", "2")
    comment = cur.take("string", "").text if cur.peek().kind == "string" else ""
    return title, (players[0], players[1]), comment


class _Declarations:
    """Information sets, chance events and outcomes seen so far, checked for consistency."""

    def __init__(self, name: str, players: tuple[str, str]) -> None:
        self.name, self.players = name, players
        self.infosets: dict[tuple[int, int], tuple[str, tuple[str, ...]]] = {}
        self.keys: dict[str, tuple[int, int]] = {}
        self.events: dict[int, tuple[str, tuple[str, ...], tuple[Fraction, ...]]] = {}
        self.outcomes: dict[int, tuple[str, np.ndarray]] = {}

    def declare(self, table: dict, number, what: str, described, line: int):
        """Record a first description, check a repeated one, or look up an omitted one."""
        if described is None:
            if number not in table:
                raise GameFormatError(
                    f"{self.name}: {what} is used before it is described (line {line})"
                )
            return table[number]
        if number in table and not _same(table[number], described):
            raise GameFormatError(
                f"{self.name}: {what} is described twice, differently (line {line})"
            )
        table.setdefault(number, described)
        return described

    def infoset_key(self, player: int, number: int, label: str) -> str:
        """A key unique to (player, number): the label if free, else a numbered one."""
        for key in (label or f"{self.players[player]} #{number}", f"{label} #{player + 1}.{number}"):
            if self.keys.setdefault(key, (player, number)) == (player, number):
                return key
        raise GameFormatError(f"{self.name}: cannot name information set {number} of player {player + 1}")


def _same(a, b) -> bool:
    return all(
        np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y for x, y in zip(a, b, strict=True)
    )


def _outcome(cur: _Cursor, decl: _Declarations) -> tuple[str, np.ndarray]:
    """Parse ``number ["name" { u1, u2 }]``; return the outcome's name and payoffs."""
    line = cur.peek().line
    number = _index(cur, "an outcome number", 0)
    described = None
    if cur.peek().kind == "string":
        if number == 0:
            raise GameFormatError(
                f"{cur.name}: the null outcome 0 must not have a name or payoffs (line {line})"
            )
        label = cur.take("string", "").text
        cur.take("{", "'{' opening the outcome's payoffs")
        payoffs = []
        while cur.peek().kind != "}":
            payoffs.append(_number(cur.peek(), cur.name, "a numeric payoff or '}'"))
            cur.pos += 1
        cur.pos += 1
        if len(payoffs) != 2:
            raise GameFormatError(
                f"{cur.name}: expected 2 payoffs in outcome {number}, found {len(payoffs)} (line {line})"
            )
        described = (label, np.array(payoffs))
    if number == 0:
        return "", np.zeros(2)
    return decl.declare(decl.outcomes, number, f"outcome {number}", described, line)


def _actions(cur: _Cursor, chance: bool) -> tuple[tuple[str, ...], tuple[Fraction, ...]]:
    """Parse ``{ "a" "b" }`` or, for chance, ``{ "a" 1/2 "b" 1/2 }``."""
    what = "chance actions and probabilities" if chance else "action labels"
    cur.take("{", f"'{{' opening the {what}")
    labels, probs = [], []
    while cur.peek().kind != "}":
        labels.append(cur.take("string", f"{what} as quoted strings or '}}'").text)
        if chance:
            probs.append(_probability(cur.peek(), cur.name))
            cur.pos += 1
    cur.pos += 1
    if not labels:
        raise GameFormatError(f"{cur.name}: a move needs at least one action (line {cur.peek().line})")
    if chance and abs(float(sum(probs)) - 1.0) > PROB_TOL:
        raise GameFormatError(
            f"{cur.name}: chance probabilities sum to {float(sum(probs)):.12g}, not 1 (line {cur.peek().line})"
        )
    return tuple(labels), tuple(probs)


class _Frame:
    """A chance or decision node whose children are still being read."""

    def __init__(self, kind: str, fields: dict, n_children: int, payoff: np.ndarray) -> None:
        self.kind, self.fields, self.n_children, self.payoff = kind, fields, n_children, payoff
        self.children: list = []

    def build(self):
        if self.kind == "p":
            return Decision(children=tuple(self.children), **self.fields)
        return Chance(children=tuple(self.children), **self.fields)


def _node(cur: _Cursor, decl: _Declarations, above: np.ndarray):
    """Parse one node; return a Terminal, or a _Frame awaiting its children."""
    token = cur.peek()
    if token.kind != "atom" or token.text not in ("p", "c", "t"):
        raise _fail(cur.name, "a node ('p', 'c' or 't')", token)
    cur.pos += 1
    label = cur.take("string", "the node's name as a quoted string").text
    if token.text == "t":
        outcome_label, payoff = _outcome(cur, decl)
        return Terminal(above + payoff, label=label or outcome_label)
    if token.text == "p":
        player = _index(cur, "a player number (1 or 2)", 1) - 1
        if player > 1:
            raise GameFormatError(
                f"{cur.name}: player number {player + 1} on line {token.line}, but the game has 2 players"
            )
        number = _index(cur, "an information set number", 1)
        described = None
        if cur.peek().kind == "string":
            info_label = cur.take("string", "").text
            described = (info_label, _actions(cur, chance=False)[0])
        info_label, actions = decl.declare(
            decl.infosets, (player, number),
            f"information set {number} of player {player + 1}", described, token.line,
        )
        fields = {
            "player": player, "infoset": decl.infoset_key(player, number, info_label),
            "actions": actions, "label": label,
        }
    else:
        number = _index(cur, "a chance event number", 1)
        event: tuple | None = None
        if cur.peek().kind == "string":
            event = (cur.take("string", "").text, *_actions(cur, chance=True))
        _, actions, probs = decl.declare(
            decl.events, number, f"chance event {number}", event, token.line
        )
        fields = {"actions": actions, "probs": np.array([float(p) for p in probs]), "label": label}
    fields["actions"] = _unique_labels(fields["actions"])  # as Gambit: see the module docstring
    payoff = above + _outcome(cur, decl)[1]
    return _Frame(token.text, fields, len(fields["actions"]), payoff)


def _tree(cur: _Cursor, decl: _Declarations):
    """Parse the nodes in prefix order, iteratively; return the root."""
    stack: list[_Frame] = []
    while True:
        node = _node(cur, decl, stack[-1].payoff if stack else np.zeros(2))
        if isinstance(node, _Frame):
            stack.append(node)
            continue
        while True:
            if not stack:
                return node
            stack[-1].children.append(node)
            if len(stack[-1].children) < stack[-1].n_children:
                break
            node = stack.pop().build()


def read_efg(path: PathLike) -> ExtensiveGame:
    """Read a two-player extensive game from a Gambit ``.efg`` file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ExtensiveGame
        Payoffs as floats (rationals rounded to the nearest float; outcomes at
        non-terminal nodes added into the terminals below them), with the file's title,
        comment, player names, node names and action labels. Information set keys are
        the information set names where those are unique, else numbered names. A label
        repeated among a move's actions (chance or decision) is renamed ``label_1``,
        ``label_2``... as Gambit does (see the module docstring).

    Raises
    ------
    GameFormatError
        If the file is missing, unreadable or malformed, has other than two players,
        or describes a game negsim cannot represent (e.g. without perfect recall); the
        one-line message names the file.
    """
    name = os.fspath(path)
    text = _read_text(path, name)
    if not text.strip():
        raise GameFormatError(f"{name}: file is empty, expected an 'EFG 2 R' header")
    cur = _Cursor(_tokenize(text, name), name)
    title, players, comment = _header(cur)
    decl = _Declarations(name, players)
    try:
        root = _tree(cur, decl)
        if cur.peek().kind != "end":
            raise GameFormatError(
                f"{name}: unexpected {_show(cur.peek())} after the last node of the tree "
                f"(line {cur.peek().line})"
            )
        return ExtensiveGame(root, players=players, title=title, comment=comment)
    except GameFormatError as exc:
        msg = str(exc)
        raise GameFormatError(msg if msg.startswith(f"{name}:") else f"{name}: {msg}") from None


# --------------------------------------------------------------------------- writing


def _fractions(probs: np.ndarray) -> list[Fraction]:
    """Exact fractions for probabilities: simplest equal fraction, the last completes 1."""
    out = []
    for p in probs[:-1]:
        simple = Fraction(float(p)).limit_denominator(_MAX_DENOMINATOR)
        out.append(simple if float(simple) == float(p) else Fraction(float(p)))
    last = 1 - sum(out, Fraction(0))
    if last < 0:  # the floats overshoot 1 by rounding: take it from the largest
        k = int(np.argmax(probs[:-1]))
        out[k] += last
        last = Fraction(0)
    return out + [last]


def _format_fraction(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def _node_names(game: ExtensiveGame) -> list[str]:
    """Names of the nodes as written: terminals unnamed (their label is the outcome's
    name), repeated names of other nodes numbered ``" #2"``, ``" #3"``... (Gambit 16.7
    refuses a file in which two nodes share a non-empty name)."""
    taken = {node.label for node in game.nodes if not isinstance(node, Terminal)}
    seen: dict[str, int] = {}
    names = []
    for node in game.nodes:
        label = name = "" if isinstance(node, Terminal) else node.label
        if label in seen:
            k = seen[label]
            while f"{label} #{k}" in taken:
                k += 1
            name, seen[label] = f"{label} #{k}", k + 1
            taken.add(name)
        elif label:
            seen[label] = 2
        names.append(name)
    return names


def _efg_lines(game: ExtensiveGame) -> list[str]:
    """One line per node, in prefix order."""
    numbers: list[dict[int, int]] = [{}, {}]  # infoset index -> file number, per player
    lines, outcome, event = [], 0, 0
    for n, (node, name) in enumerate(zip(game.nodes, _node_names(game), strict=True)):
        if isinstance(node, Terminal):
            outcome += 1
            u = ", ".join(_format_number(float(v)) for v in node.payoffs)
            lines.append(f't "" {outcome} {_quote(node.label)} {{ {u} }}')
        elif isinstance(node, Chance):
            event += 1
            acts = " ".join(
                f"{_quote(a)} {_format_fraction(f)}" for a, f in zip(node.actions, _fractions(node.probs), strict=True)
            )
            lines.append(f'c {_quote(name)} {event} "" {{ {acts} }} 0')
        else:
            p, h = node.player, int(game.node_infoset[n])
            number = numbers[p].setdefault(h, len(numbers[p]) + 1)
            lines.append(
                f"p {_quote(name)} {p + 1} {number} {_quote(node.infoset)} "
                f"{_strings(node.actions)} 0"
            )
    return lines


def efg_text(game: ExtensiveGame) -> str:
    """The ``.efg`` text of a game (what :func:`write_efg` writes)."""
    head = f"EFG 2 R {_quote(game.title)} {_strings(game.players)}\n{_quote(game.comment)}\n\n"
    return head + "\n".join(_efg_lines(game)) + "\n"


def write_efg(game: ExtensiveGame, path: PathLike) -> None:
    """Write a two-player extensive game to a Gambit ``.efg`` file, atomically.

    Parameters
    ----------
    game : ExtensiveGame
    path : str or os.PathLike
        Destination; a temporary file in the same folder is renamed over it, so readers
        never see a half-written file.

    Raises
    ------
    GameFormatError
        If the file cannot be written.

    Notes
    -----
    Each terminal gets its own outcome, named by the terminal's label (terminal nodes
    are left unnamed); each chance node its own event. Decision and chance nodes keep
    their labels as node names, except that a repeated name gets ``" #2"``, ``" #3"``...
    appended, because Gambit 16.7 refuses files in which node names repeat. Chance probabilities are written as exact fractions summing to one
    (see the module docstring), so Gambit accepts them and :func:`read_efg` reads back
    the same floats whenever they are simple fractions such as ``0.6`` or ``1/3``.
    """
    name = os.fspath(path)
    _write_atomically(Path(path), efg_text(game).encode("utf-8"), name)
