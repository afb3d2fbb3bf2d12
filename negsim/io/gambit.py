"""Read and write two-player games in Gambit's strategic-form file format (``.nfg``).

Gambit's ``.nfg`` format (https://gambitproject.readthedocs.io/en/latest/formats.html)
starts with a header naming the title and the players, followed by one strategy list per
player: either counts, ``{ 2 2 }``, or named strategies,
``{ { "up" "down" } { "left" "right" } }``. After an optional comment comes the body, in
one of two versions, both of which :func:`read_nfg` reads (with either kind of header,
as Gambit does) and :func:`write_nfg` writes:

*payoff version* (a flat list of payoffs, both players' for each profile)::

    NFG 1 R "Title" { "Row" "Column" } { 2 2 }
    "optional comment"
    1 5  3 7  2 6  4 8

*outcome version* (an outcome list, then one outcome index per profile)::

    NFG 1 R "Title" { "Row" "Column" }
    { { "up" "down" } { "left" "right" } }
    "optional comment"
    { { "" 1, 5 } { "" 3, 7 } { "" 2, 6 } { "" 4, 8 } }
    1 2 3 4

Gambit's own files also combine named strategies with the payoff version (e.g.
``NFG 1 R "t" { "P1" "P2" } { { "1" "2" } { "1" "2" } } 2 1 0 0 0 0 1 2``). The body's
version is told by its first token: ``{`` opens an outcome list, a number is a payoff.

Profiles are listed with the first (row) player's strategy varying fastest, so cell
``(i, j)`` of an ``m x n`` game is profile ``i + m * j``. In the outcome version each
profile names an outcome by its 1-based index; ``0`` is the null outcome, paying zero.
Numbers may be integers, decimals, exponent floats or rationals such as ``-3/4``;
``NFG 1 D`` (decimal) headers are read like ``NFG 1 R``. Only two-player games are
supported. Named strategies become the action labels (a label repeated within one
player's list is renamed ``label_1``, ``label_2``... as Gambit does, see
``_unique_labels``); strategy counts carry no labels, so :class:`~negsim.game.Game`
supplies its default ones. :func:`write_nfg` writes the payoff version with strategy
counts and the outcome version with named strategies.
"""

from __future__ import annotations

import os
import re
import secrets
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np

from negsim.errors import GameFormatError
from negsim.game import Game

PathLike = str | os.PathLike

_TOKEN = re.compile(r'\s+|,|[{}]|"[^"\\]*(?:\\.[^"\\]*)*"|"|[^\s{}",]+', re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_RATIONAL = re.compile(r"[+-]?\d+/\d+")
_COUNT = re.compile(r"\d{1,18}")  # a count or index; more digits cannot be valid
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_VERSIONS = ("payoff", "outcome")


class _Token(NamedTuple):
    kind: str  # "string", "{", "}", "atom" or "end"
    text: str
    line: int


def _show(token: _Token) -> str:
    """Describe a token for an error message without echoing the file's contents (the
    file may be anything readable, ``/proc/self/environ`` included): its kind and size."""
    if token.kind == "end":
        return "end of file"
    if token.kind in "{}":
        return f"'{token.kind}'"
    what = "a quoted string" if token.kind == "string" else "a word"
    return f"{what} of {len(token.text)} character{'s' if len(token.text) != 1 else ''}"


def _fail(name: str, expected: str, token: _Token) -> GameFormatError:
    """The error for finding ``token`` where ``expected`` should be."""
    where = "" if token.kind == "end" else f" (line {token.line})"
    return GameFormatError(f"{name}: expected {expected}, found {_show(token)}{where}")


def _tokenize(text: str, name: str) -> list[_Token]:
    """Split ``.nfg`` text into strings, braces and atoms; commas and blanks separate."""
    tokens, line = [], 1
    for match in _TOKEN.finditer(text):
        lexeme = match.group()
        if lexeme == '"':
            raise GameFormatError(f"{name}: unterminated string starting on line {line}")
        if lexeme.startswith('"'):
            tokens.append(_Token("string", _ESCAPE.sub(r"\1", lexeme[1:-1]), line))
        elif lexeme in "{}":
            tokens.append(_Token(lexeme, lexeme, line))
        elif not lexeme.isspace() and lexeme != ",":
            tokens.append(_Token("atom", lexeme, line))
        line += lexeme.count("\n")
    tokens.append(_Token("end", "", line))
    return tokens


def _ratio(token: _Token, name: str) -> float:
    """The float nearest to a rational atom ``p/q``; infinity if it is out of range."""
    try:
        return float(Fraction(token.text))
    except ZeroDivisionError:
        raise GameFormatError(
            f"{name}: payoff {token.text!r} has a zero denominator (line {token.line})"
        ) from None
    except ValueError:  # beyond Python's limit on the digits of an integer
        raise GameFormatError(
            f"{name}: payoff {_show(token)} has too many digits (line {token.line})"
        ) from None
    except OverflowError:
        return float("inf")


def _number(token: _Token, name: str, what: str) -> float:
    """The finite float an atom such as ``-2``, ``0.5``, ``1e-3`` or ``3/4`` denotes."""
    text = token.text if token.kind == "atom" else ""
    if _NOT_FINITE.fullmatch(text):
        raise GameFormatError(
            f"{name}: expected {what}, found {text!r}: NaN and infinite payoffs are not "
            f"allowed (line {token.line})"
        )
    if _DECIMAL.fullmatch(text):
        value = float(text)
    elif _RATIONAL.fullmatch(text):
        value = _ratio(token, name)
    else:
        raise _fail(name, what, token)
    if not np.isfinite(value):
        raise GameFormatError(
            f"{name}: payoff {_show(token)} is too large for a finite float (line {token.line})"
        )
    return value


class _Cursor:
    """A read position in a token list that reports errors against the file name."""

    def __init__(self, tokens: list[_Token], name: str) -> None:
        self.tokens, self.name, self.pos = tokens, name, 0

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self, kind: str, expected: str) -> _Token:
        token = self.peek()
        if token.kind != kind:
            raise _fail(self.name, expected, token)
        self.pos += 1
        return token

    def take_atom(self, text: str, expected: str) -> None:
        if self.peek().text != text or self.peek().kind != "atom":
            raise _fail(self.name, expected, self.peek())
        self.pos += 1

    def strings(self, expected: str) -> list[str]:
        """A brace-enclosed list of quoted strings."""
        self.take("{", f"'{{' opening {expected}")
        items = []
        while self.peek().kind != "}":
            items.append(self.take("string", f"{expected} as quoted strings or '}}'").text)
        self.pos += 1
        return items

    def count(self, expected: str) -> int:
        """A positive integer atom."""
        token = self.peek()
        if token.kind != "atom" or not _COUNT.fullmatch(token.text) or int(token.text) < 1:
            raise _fail(self.name, expected, token)
        self.pos += 1
        return int(token.text)

    def optional_string(self) -> None:
        if self.peek().kind == "string":
            self.pos += 1

    def rest(self) -> list[_Token]:
        """All tokens up to the end of the file."""
        tokens, self.pos = self.tokens[self.pos : -1], len(self.tokens) - 1
        return tokens


def _header(cur: _Cursor, kind: str = "NFG", version: str = "1") -> tuple[str, list[str]]:
    """Parse ``NFG 1 R "title" { "P1" "P2" }`` (or ``EFG 2 R ...``); return the title and
    the two player names."""
    expected = f"'{kind} {version} R' header"
    cur.take_atom(kind, expected)
    cur.take_atom(version, expected)
    if cur.peek().text not in ("R", "D") or cur.peek().kind != "atom":
        raise _fail(cur.name, expected, cur.peek())
    cur.pos += 1
    title = cur.take("string", "the game title as a quoted string").text
    players = cur.strings("player names")
    if len(players) != 2:
        raise GameFormatError(
            f"{cur.name}: expected exactly 2 players (negsim supports two-player games only), "
            f"found {len(players)}"
        )
    return title, players


def _check_count(name: str, what: str, found: int, expected: int, shape: tuple[int, int]) -> None:
    if found != expected:
        m, n = shape
        raise GameFormatError(
            f"{name}: expected {expected} {what} for a {m}x{n} game, found {found}"
        )


def _unique_labels(labels) -> tuple[str, ...]:
    """The labels, with each one that repeats renamed ``label_1``, ``label_2``... as Gambit does.

    Gambit accepts files in which a player's strategies, or a move's actions (chance
    moves included, e.g. ``{ "1/2" 1/2 "1/2" 1/2 }``), share a label, and renames them;
    negsim renames them the same way (checked against pygambit 16.7), so that labels are
    unique and match Gambit's. Every occurrence of a repeated label ``x``, in order, gets
    the first ``x_k`` (``k`` counting up from 1 for each ``x``) that is neither one of the
    original labels nor already given out: ``("a", "a_1", "a")`` becomes
    ``("a_2", "a_1", "a_3")``. Labels that occur once are kept, the empty label included
    (pygambit also renames a lone empty label, to ``"_1"``; negsim keeps it empty).
    """
    labels = tuple(str(s) for s in labels)
    taken = set(labels)
    if len(taken) == len(labels):
        return labels
    repeated = {s for s, n in Counter(labels).items() if n > 1}
    counters = dict.fromkeys(repeated, 1)
    out = []
    for label in labels:
        if label in repeated:
            k = counters[label]
            while f"{label}_{k}" in taken:
                k += 1
            counters[label] = k + 1
            label = f"{label}_{k}"
            taken.add(label)
        out.append(label)
    return tuple(out)


def _strategies(cur: _Cursor) -> tuple[tuple[int, int], tuple[tuple[str, ...], tuple[str, ...]]]:
    """Parse ``{ m n }`` or ``{ { "a" ... } { "c" ... } }``; return the shape and the
    strategy labels (empty tuples for counts)."""
    cur.take("{", "'{' opening the strategy counts or strategy lists")
    if cur.peek().kind != "{":
        shape = (cur.count("a positive strategy count"), cur.count("a positive strategy count"))
        cur.take("}", "'}' closing the 2 strategy counts")
        return shape, ((), ())
    rows = cur.strings("the row player's strategy labels")
    cols = cur.strings("the column player's strategy labels")
    cur.take("}", "'}' closing the 2 strategy lists")
    if not rows or not cols:
        raise GameFormatError(f"{cur.name}: each player needs at least one strategy")
    return (len(rows), len(cols)), (_unique_labels(rows), _unique_labels(cols))


def _payoff_body(cur: _Cursor, shape: tuple[int, int]) -> tuple[list[float], list[float]]:
    """Parse the payoff version's flat list of payoffs; return each player's, by profile."""
    values = [_number(t, cur.name, "a numeric payoff") for t in cur.rest()]
    _check_count(cur.name, "payoffs", len(values), 2 * shape[0] * shape[1], shape)
    return values[0::2], values[1::2]


def _outcome(cur: _Cursor) -> tuple[float, float]:
    """Parse one outcome ``{ "name" u1, u2 }``."""
    cur.take("{", "'{' opening an outcome")
    cur.take("string", "the outcome's name as a quoted string")
    payoffs = []
    while cur.peek().kind != "}":
        payoffs.append(_number(cur.peek(), cur.name, "a numeric payoff or '}'"))
        cur.pos += 1
    if len(payoffs) != 2:
        raise GameFormatError(
            f"{cur.name}: expected 2 payoffs in the outcome, found {len(payoffs)} "
            f"(line {cur.peek().line})"
        )
    cur.pos += 1
    return payoffs[0], payoffs[1]


def _outcome_index(token: _Token, name: str, n_outcomes: int) -> int:
    if token.kind != "atom" or not _COUNT.fullmatch(token.text):
        raise _fail(name, "an outcome index", token)
    index = int(token.text)
    if index > n_outcomes:
        raise GameFormatError(
            f"{name}: outcome index {index} out of range 0..{n_outcomes} (line {token.line})"
        )
    return index


def _outcome_body(cur: _Cursor, shape: tuple[int, int]) -> tuple[list[float], list[float]]:
    """Parse the outcome version's outcome list and one outcome index per profile; return
    each player's payoffs, by profile."""
    cur.take("{", "'{' opening the outcome list")
    outcomes = [(0.0, 0.0)]
    while cur.peek().kind != "}":
        outcomes.append(_outcome(cur))
    cur.pos += 1
    indices = [_outcome_index(t, cur.name, len(outcomes) - 1) for t in cur.rest()]
    _check_count(cur.name, "outcome indices", len(indices), shape[0] * shape[1], shape)
    return [outcomes[k][0] for k in indices], [outcomes[k][1] for k in indices]


def _profile_matrices(u1: list[float], u2: list[float], shape: tuple[int, int]):
    """Arrange payoffs listed with the first player varying fastest into (m, n) matrices."""
    m, n = shape
    return np.reshape(u1, (n, m)).T, np.reshape(u2, (n, m)).T


def _read_text(path: PathLike, name: str) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise GameFormatError(f"{name}: no such file") from None
    except OSError as exc:
        raise GameFormatError(f"{name}: cannot read file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise GameFormatError(
            f"{name}: not a UTF-8 text file (bad byte at offset {exc.start})"
        ) from None


def read_nfg(path: PathLike) -> Game:
    """Read a two-player game from a Gambit ``.nfg`` file.

    Parameters
    ----------
    path : str or os.PathLike
        The file, in the payoff or the outcome version of the format (detected
        automatically), with an ``NFG 1 R`` or ``NFG 1 D`` header and either strategy
        counts or named strategies.

    Returns
    -------
    Game
        Payoffs as floats (rationals are rounded to the nearest float), with the file's
        title and player names. Named strategies become the action labels, in either
        version (a label repeated within a player's list is renamed ``label_1``,
        ``label_2``... as Gambit does); a header with strategy counts gets
        :class:`~negsim.game.Game`'s default labels.

    Raises
    ------
    GameFormatError
        If the file is missing, unreadable or malformed, or does not have exactly two
        players; the one-line message names the file and what was expected.
    """
    name = os.fspath(path)
    text = _read_text(path, name)
    if not text.strip():
        raise GameFormatError(f"{name}: file is empty, expected an 'NFG 1 R' header")
    cur = _Cursor(_tokenize(text, name), name)
    title, players = _header(cur)
    shape, actions = _strategies(cur)
    cur.optional_string()
    outcome_version = cur.peek().kind == "{"
    u1, u2 = (_outcome_body if outcome_version else _payoff_body)(cur, shape)
    A, B = _profile_matrices(u1, u2, shape)
    return Game(A, B, players=(players[0], players[1]), actions=actions, title=title)


def _quote(text: str) -> str:
    """A Gambit quoted string, with backslashes and double quotes escaped."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format_number(x: float) -> str:
    """The shortest text that reads back as exactly ``x`` (integers without ``.0``)."""
    return str(int(x)) if x.is_integer() else repr(x)


def _strings(items) -> str:
    return "{ " + " ".join(_quote(s) for s in items) + " }"


def _profiles(game: Game) -> list[tuple[str, str]]:
    """Formatted payoff pairs of all profiles, the row player's strategy varying fastest."""
    m, n = game.shape
    return [
        (_format_number(float(game.A[i, j])), _format_number(float(game.B[i, j])))
        for j in range(n)
        for i in range(m)
    ]


def _nfg_text(game: Game, version: str) -> str:
    """The ``.nfg`` text of ``game`` in the payoff or the outcome version."""
    head = f"NFG 1 R {_quote(game.title)} {_strings(game.players)}"
    pairs = _profiles(game)
    if version == "payoff":
        m, n = game.shape
        return f"{head} {{ {m} {n} }}\n\n" + "\n".join(f"{u} {v}" for u, v in pairs) + "\n"
    rows, cols = game.actions
    outcomes = "\n".join(f'{{ "" {u}, {v} }}' for u, v in pairs)
    indices = " ".join(str(k) for k in range(1, len(pairs) + 1))
    return (
        f'{head}\n\n{{ {_strings(rows)}\n{_strings(cols)}\n}}\n""\n\n'
        f"{{\n{outcomes}\n}}\n{indices}\n"
    )


def _write_error(name: str, exc: OSError) -> GameFormatError:
    return GameFormatError(f"{name}: cannot write file ({exc.strerror or exc})")


def _write_atomically(path: Path, data: bytes, name: str) -> None:
    """Write ``data`` to a fresh temporary file next to ``path``, then rename it over."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _write_error(name, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(name, exc) from None
        raise


def write_nfg(game: Game, path: PathLike, *, version: str = "outcome") -> None:
    """Write a two-player game to a Gambit ``.nfg`` file, atomically.

    Parameters
    ----------
    game : Game
        The game to write.
    path : str or os.PathLike
        Destination; replaced atomically (a temporary file in the same folder is
        renamed over it), so readers never see a half-written file.
    version : {"outcome", "payoff"}, optional
        ``"outcome"`` (default) keeps the strategy labels; ``"payoff"`` is the compact
        version, which has no strategy labels.

    Raises
    ------
    GameFormatError
        If ``version`` is unknown or the file cannot be written.

    Notes
    -----
    Payoffs are written as integers when they are whole numbers and as ``repr`` of the
    float otherwise, so :func:`read_nfg` (and Gambit) read back exactly the same floats.
    """
    name = os.fspath(path)
    if version not in _VERSIONS:
        raise GameFormatError(
            f"{name}: unknown .nfg version {version!r}, expected 'outcome' or 'payoff'"
        )
    data = _nfg_text(game, version).encode("utf-8")
    _write_atomically(Path(path), data, name)
