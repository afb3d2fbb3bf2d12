"""Tests for negsim.io.gambit: Gambit .nfg reading and writing, with pygambit as an oracle."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negsim.errors import GameFormatError
from negsim.game import Game
from negsim.io.gambit import read_nfg, write_nfg

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ORACLE = settings(FAST, max_examples=25)

# --------------------------------------------------------------------------- strategies

payoffs = st.floats(allow_nan=False, allow_infinity=False)
nice_payoffs = st.one_of(
    st.integers(-(10**6), 10**6).map(float),
    st.fractions(max_denominator=64).map(float),
    st.sampled_from([1e-300, -2.5e-7, 1e20, -1.7976931348623157e308, 5e-324, 0.1, -0.0]),
    payoffs,
)
labels = st.text(max_size=8)
# pygambit 16.7 renames empty and duplicate labels, accepts only printable ASCII labels
# without doubled or edge spaces, and keeps the escaping backslash of "\\"; the oracle
# tests stay within what it reads faithfully.
_ASCII = "".join(chr(c) for c in range(33, 127) if chr(c) != "\\")
# pygambit 16.7 refuses some labels our format allows (seen: all-digit labels such as
# '0', '3', '0 0' in one player's list, "Strategy label must be unique"): words start
# with a letter here; our own round-trip tests cover arbitrary labels.
gambit_labels = st.lists(
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,3}", fullmatch=True), min_size=1, max_size=2
).map(" ".join)
gambit_titles = st.text(_ASCII + " ", max_size=12)


@st.composite
def games(draw, label=labels, title=labels, payoff=nice_payoffs):
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    A = np.array(draw(st.lists(payoff, min_size=m * n, max_size=m * n))).reshape(m, n)
    B = np.array(draw(st.lists(payoff, min_size=m * n, max_size=m * n))).reshape(m, n)
    rows = tuple(draw(st.lists(label, min_size=m, max_size=m, unique=True)))
    cols = tuple(draw(st.lists(label, min_size=n, max_size=n, unique=True)))
    players = tuple(draw(st.lists(label, min_size=2, max_size=2, unique=True)))
    return Game(A, B, players=players, actions=(rows, cols), title=draw(title))


def assert_same_payoffs(got: Game, want: Game) -> None:
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.A, want.A)
    np.testing.assert_array_equal(got.B, want.B)


# --------------------------------------------------------------------------- round trip


@FAST
@given(game=games())
def test_outcome_version_round_trips_payoffs_and_labels(tmp_path, game):
    path = tmp_path / "g.nfg"
    write_nfg(game, path)
    back = read_nfg(path)
    assert_same_payoffs(back, game)
    assert back.actions == game.actions
    assert back.players == game.players
    assert back.title == game.title


@FAST
@given(game=games())
def test_payoff_version_round_trips_payoffs_and_names(tmp_path, game):
    path = tmp_path / "g.nfg"
    write_nfg(game, str(path), version="payoff")
    back = read_nfg(str(path))
    assert_same_payoffs(back, game)
    assert back.players == game.players
    assert back.title == game.title
    assert back.actions == Game(game.A, game.B).actions  # the payoff version has no labels


@pytest.mark.parametrize("version", ["outcome", "payoff"])
def test_numbers_are_written_exactly_and_integers_without_decimal_point(tmp_path, version):
    game = Game([[3.0, -0.5], [1e20, 0.1]], [[1e-7, 2**60], [-7.0, 1 / 3]])
    path = tmp_path / "g.nfg"
    write_nfg(game, path, version=version)
    text = path.read_text()
    assert "100000000000000000000" in text and str(2**60) in text and "1e-07" in text
    assert "3.0" not in text and "-7.0" not in text and "e+" not in text
    assert_same_payoffs(read_nfg(path), game)


def test_write_replaces_existing_file_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "g.nfg"
    path.write_text("old contents")
    write_nfg(Game([[1.0]], [[2.0]]), path)
    assert read_nfg(path).B[0, 0] == 2.0
    assert os.listdir(tmp_path) == ["g.nfg"]


def test_write_errors_are_game_format_errors(tmp_path):
    game = Game([[1.0]], [[2.0]])
    with pytest.raises(GameFormatError, match="missing.nfg.*cannot write"):
        write_nfg(game, tmp_path / "no_such_dir" / "missing.nfg")
    with pytest.raises(GameFormatError, match="version 'extensive'"):
        write_nfg(game, tmp_path / "g.nfg", version="extensive")
    (tmp_path / "adir.nfg").mkdir()
    with pytest.raises(GameFormatError, match="adir.nfg"):
        write_nfg(game, tmp_path / "adir.nfg")
    assert sorted(os.listdir(tmp_path)) == ["adir.nfg"]


# --------------------------------------------------------------------------- hand-written files

PAYOFF_EXAMPLE = """NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
{ "Player 1" "Player 2" } { 3 2 }
"payoffs with rationals and exponents"

1 1  0 2  0 2
1 1  0 3  2 0
"""

OUTCOME_EXAMPLE = r"""NFG 1 R "Talks \"round 2\"" { "Pakistan" "Afghanistan" }

{ { "Concede" "Hold" }
{ "Accept" "Reject" "Stall" }
}
"a comment
spanning two lines"

{
{ "deal" 3/4, -1/3 }
{ "walkout" -2, 1.5e-3 }
{ "stalemate" 0.25 5 }
}
1 2 3 2 1 3
"""


def test_payoff_example_is_read_with_first_player_varying_fastest(tmp_path):
    path = tmp_path / "selten.nfg"
    path.write_text(PAYOFF_EXAMPLE)
    game = read_nfg(path)
    assert game.title == "Selten (IJGT, 75), Figure 2, normal form"
    assert game.players == ("Player 1", "Player 2")
    np.testing.assert_array_equal(game.A, [[1, 1], [0, 0], [0, 2]])
    np.testing.assert_array_equal(game.B, [[1, 1], [2, 3], [2, 0]])


def test_outcome_example_with_rationals_escapes_and_multiline_comment(tmp_path):
    path = tmp_path / "talks.nfg"
    path.write_text(OUTCOME_EXAMPLE)
    game = read_nfg(path)
    assert game.title == 'Talks "round 2"'
    assert game.players == ("Pakistan", "Afghanistan")
    assert game.actions == (("Concede", "Hold"), ("Accept", "Reject", "Stall"))
    # profiles, row player fastest: (C,A)=1 (H,A)=2 (C,R)=3 (H,R)=2 (C,S)=1 (H,S)=3
    np.testing.assert_array_equal(game.A, [[0.75, 0.25, 0.75], [-2, -2, 0.25]])
    np.testing.assert_array_equal(game.B, [[-1 / 3, 5, -1 / 3], [1.5e-3, 1.5e-3, 5]])


def test_null_outcome_pays_zero_and_decimal_header_without_comment(tmp_path):
    path = tmp_path / "null.nfg"
    path.write_text('NFG 1 D "n" { "A" "B" }\n{ { "x" "y" } { "z" } }\n{ { "o" -1, 2 } }\n0 1\n')
    game = read_nfg(path)
    np.testing.assert_array_equal(game.A, [[0], [-1]])
    np.testing.assert_array_equal(game.B, [[0], [2]])


def test_payoff_version_accepts_commas_signs_and_exponents(tmp_path):
    path = tmp_path / "exp.nfg"
    path.write_text('NFG 1 R "" { "" "" } { 1 2 } 1.5E3, -2.5e+3, +3/4, .5\n')
    game = read_nfg(path)
    np.testing.assert_array_equal(game.A, [[1500, 0.75]])
    np.testing.assert_array_equal(game.B, [[-2500, 0.5]])
    assert game.title == "" and game.players == ("", "")


def test_rationals_round_to_the_nearest_float(tmp_path):
    path = tmp_path / "third.nfg"
    path.write_text('NFG 1 R "t" { "a" "b" } { 1 1 } 1/3 -123456789123456789123/10\n')
    game = read_nfg(path)
    assert game.A[0, 0] == float(Fraction(1, 3))
    assert game.B[0, 0] == float(Fraction(-123456789123456789123, 10))


# --------------------------------------------------------------------------- named strategies, either body

# Gambit's own files (e.g. contrib/games/coord2.nfg, winkels.nfg) name strategies in the
# header and then give the payoffs as a flat list; these are written by hand after them.
NAMED_PAYOFF_EXAMPLE = """NFG 1 R "Hand-written 3x2 game with named strategies" { "Row" "Col" }

{ { "1" "2" "3" }
{ "left" "right" }
}

4 1  0 0  7/2 -2
1 1  2 3  -1 5
"""

NAMED_DECIMAL_EXAMPLE = """NFG 1 D "Decimal header, named strategies, comment" { "1" "2" }

{ { "1" "2" }
{ "1" "2" "3" }
}
"payoffs in the decimal style"

1.250000 0.000000  0.000000 2.000000  4.000000 1.000000
0.000000 0.000000  1.500000 1.500000  2.000000 -0.500000
"""

COUNTED_OUTCOME_EXAMPLE = """NFG 1 R "Outcome version under a counts header" { "A" "B" } { 2 1 }
{ { "o" 1, 2 } { "p" 3, 4 } }
2 1
"""

NAMED_EXAMPLES = {
    "named_payoff": (
        NAMED_PAYOFF_EXAMPLE,
        [[4, 1], [0, 2], [3.5, -1]],
        [[1, 1], [0, 3], [-2, 5]],
        (("1", "2", "3"), ("left", "right")),
    ),
    "named_decimal": (
        NAMED_DECIMAL_EXAMPLE,
        [[1.25, 4, 1.5], [0, 0, 2]],
        [[0, 1, 1.5], [2, 0, -0.5]],
        (("1", "2"), ("1", "2", "3")),
    ),
    "named_outcome": (
        OUTCOME_EXAMPLE,
        [[0.75, 0.25, 0.75], [-2, -2, 0.25]],
        [[-1 / 3, 5, -1 / 3], [1.5e-3, 1.5e-3, 5]],
        (("Concede", "Hold"), ("Accept", "Reject", "Stall")),
    ),
    "counted_outcome": (COUNTED_OUTCOME_EXAMPLE, [[3], [1]], [[4], [2]], (("r1", "r2"), ("c1",))),
}


@pytest.mark.parametrize("case", sorted(NAMED_EXAMPLES))
def test_strategy_names_are_read_in_both_body_versions(tmp_path, case):
    text, A, B, actions = NAMED_EXAMPLES[case]
    path = tmp_path / f"{case}.nfg"
    path.write_text(text)
    game = read_nfg(path)
    np.testing.assert_array_equal(game.A, A)
    np.testing.assert_array_equal(game.B, B)
    assert game.actions == actions


@pytest.mark.parametrize("case", sorted(NAMED_EXAMPLES))
def test_named_strategy_files_round_trip(tmp_path, case):
    text, *_ = NAMED_EXAMPLES[case]
    (tmp_path / "in.nfg").write_text(text)
    game = read_nfg(tmp_path / "in.nfg")
    for version in ("outcome", "payoff"):
        write_nfg(game, tmp_path / f"{version}.nfg", version=version)
        back = read_nfg(tmp_path / f"{version}.nfg")
        assert_same_payoffs(back, game)
        assert (back.title, back.players) == (game.title, game.players)
        # the payoff version is written with strategy counts, hence default labels
        assert back.actions == (game.actions if version == "outcome" else Game(game.A, game.B).actions)


def _gambit_labels(g) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(s.label for s in p.strategies) for p in g.players)


@pytest.mark.parametrize("case", ["named_payoff", "named_decimal", "named_outcome"])
def test_named_strategy_files_agree_with_pygambit(tmp_path, case):
    gbt = pytest.importorskip("pygambit")
    text, *_ = NAMED_EXAMPLES[case]
    path = tmp_path / f"{case}.nfg"
    path.write_text(text)
    theirs = gbt.read_nfg(str(path))
    game = read_nfg(path)
    A, B = gambit_arrays(theirs)
    np.testing.assert_array_equal(game.A, A)
    np.testing.assert_array_equal(game.B, B)
    assert game.actions == _gambit_labels(theirs)
    assert game.players == tuple(p.label for p in theirs.players) and game.title == theirs.title


def _named_nfg(game: Game, version: str) -> str:
    """A named-strategy .nfg file in either body version, written independently of negsim."""
    def q(text: str) -> str:
        return '"' + text.replace('"', '\\"') + '"'

    head = f"NFG 1 R {q(game.title)} {{ {' '.join(map(q, game.players))} }}\n"
    head += "{ " + " ".join("{ " + " ".join(map(q, labels)) + " }" for labels in game.actions) + " }\n"
    m, n = game.shape
    num = lambda x: str(int(x)) if float(x).is_integer() else repr(float(x))  # noqa: E731 (Gambit refuses "1e+20")
    cells = [(num(game.A[i, j]), num(game.B[i, j])) for j in range(n) for i in range(m)]
    if version == "payoff":
        return head + " ".join(f"{u} {v}" for u, v in cells) + "\n"
    outcomes = " ".join(f'{{ "" {u}, {v} }}' for u, v in cells)
    return head + f"{{ {outcomes} }}\n" + " ".join(str(k + 1) for k in range(len(cells))) + "\n"


@pytest.mark.parametrize("version", ["payoff", "outcome"])
@ORACLE
@given(game=games(label=gambit_labels, title=gambit_titles))
def test_named_strategy_files_read_like_pygambit_reads_them(tmp_path, version, game):
    gbt = pytest.importorskip("pygambit")
    path = tmp_path / "named.nfg"
    path.write_text(_named_nfg(game, version))
    theirs = gbt.read_nfg(str(path))
    ours = read_nfg(path)
    A, B = gambit_arrays(theirs)
    np.testing.assert_array_equal(ours.A, A)
    np.testing.assert_array_equal(ours.B, B)
    assert_same_payoffs(ours, game)
    assert ours.actions == _gambit_labels(theirs) == game.actions


# A player's repeated strategy labels, and what pygambit 16.7 makes of them.
REPEATED = [
    (("a", "a"), ("a_1", "a_2")),
    (("a", "b", "a"), ("a_1", "b", "a_2")),
    (("a", "a_1", "a"), ("a_2", "a_1", "a_3")),
    (("a", "a", "a_2"), ("a_1", "a_3", "a_2")),
    (("a_1", "a_1", "a", "a"), ("a_1_1", "a_1_2", "a_2", "a_3")),
    (("", ""), ("_1", "_2")),
    (("1/2", "1/2", "x"), ("1/2_1", "1/2_2", "x")),
]


@pytest.mark.parametrize(("labels", "renamed"), REPEATED)
def test_repeated_strategy_labels_are_renamed_as_gambit_does(tmp_path, labels, renamed):
    rows = " ".join(f'"{s}"' for s in labels)
    path = tmp_path / "repeated.nfg"
    path.write_text(f'NFG 1 R "r" {{ "A" "B" }} {{ {{ {rows} }} {{ "c" }} }}\n' + "1 2 " * len(labels))
    game = read_nfg(path)
    assert game.actions == (renamed, ("c",))
    gbt = pytest.importorskip("pygambit")
    assert _gambit_labels(gbt.read_nfg(str(path)))[0] == renamed


@ORACLE
@given(labels=st.lists(st.sampled_from(["a", "a_1", "a_2", "a_1_1", "b", "b_1"]), min_size=1, max_size=7))
def test_renaming_of_repeated_labels_matches_pygambit(tmp_path, labels):
    gbt = pytest.importorskip("pygambit")
    rows = " ".join(f'"{s}"' for s in labels)
    path = tmp_path / "repeated.nfg"
    path.write_text(f'NFG 1 R "r" {{ "A" "B" }} {{ {{ {rows} }} {{ "c" }} }}\n' + "1 2 " * len(labels))
    got = read_nfg(path).actions[0]
    assert got == _gambit_labels(gbt.read_nfg(str(path)))[0]
    assert len(set(got)) == len(got)


# Malformed named-strategy files: the message names the real problem (never "outcome").
NAMED_MALFORMED = {
    "too_few_payoffs": ('{ { "a" "b" } { "c" "d" } } 1 2 3 4 5 6 7', "expected 8 payoffs for a 2x2 game, found 7"),
    "too_many_payoffs": ('{ { "a" } { "c" } }\n"comment" 1 2 3', "expected 2 payoffs for a 1x1 game, found 3"),
    "word_payoff": ('{ { "a" } { "c" } }\n1 two', "expected a numeric payoff, found a word of 3 characters (line 3)"),
    "label_not_quoted": ('{ { "a" b } { "c" } } 1 2', "strategy labels as quoted strings"),
    "one_list": ('{ { "a" "b" } } 1 2 3 4', "expected '{' opening the column player's strategy labels, found '}'"),
    "three_lists": ('{ { "a" } { "c" } { "e" } } 1 2', "expected '}' closing the 2 strategy lists, found '{'"),
    "no_payoffs": ('{ { "a" } { "c" } }', "expected 2 payoffs for a 1x1 game, found 0"),
}


@pytest.mark.parametrize("case", sorted(NAMED_MALFORMED))
def test_malformed_named_strategy_files_blame_the_real_problem(tmp_path, case):
    body, expected = NAMED_MALFORMED[case]
    path = tmp_path / f"{case}.nfg"
    path.write_text(f'NFG 1 R "t" {{ "P1" "P2" }}\n{body}\n')
    with pytest.raises(GameFormatError) as info:
        read_nfg(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert expected in message
    assert "outcome" not in message


# --------------------------------------------------------------------------- malformed files

MALFORMED = {
    "empty": ("", "empty"),
    "blank": ("  \n\t\n", "empty"),
    "bad_header": ('XYZ "t" { "a" "b" } { 1 1 } 1 2', "expected 'NFG 1 R' header, found a word of 3 characters"),
    "bad_version": ('NFG 2 R "t" { "a" "b" } { 1 1 } 1 2', "'NFG 1 R' header, found a word of 1 character (line 1)"),
    "no_title": ('NFG 1 R { "a" "b" } { 1 1 } 1 2', "game title"),
    "three_players": ('NFG 1 R "t" { "a" "b" "c" } { 1 1 1 } 1 2 3', "exactly 2 players"),
    "one_player": ('NFG 1 R "t" { "a" } { 2 } 1 2', "exactly 2 players"),
    "too_few_payoffs": ('NFG 1 R "t" { "a" "b" } { 2 2 } 1 2 3 4 5 6 7', "expected 8 payoffs"),
    "too_many_payoffs": ('NFG 1 R "t" { "a" "b" } { 1 1 } 1 2 3', "expected 2 payoffs"),
    "unterminated": ('NFG 1 R "t" { "a" "b } { 1 1 } 1 2', "unterminated string"),
    "escaped_end": ('NFG 1 R "t\\" { "a" "b" } { 1 1 } 1 2', "unterminated string"),
    "non_numeric": ('NFG 1 R "t" { "a" "b" } { 1 1 } 1 two', "numeric payoff, found a word of 3 characters"),
    "nan": ('NFG 1 R "t" { "a" "b" } { 1 1 } 1 nan', "NaN"),
    "inf": ('NFG 1 R "t" { "a" "b" } { 1 1 } -inf 1', "NaN and infinite"),
    "overflow": ('NFG 1 R "t" { "a" "b" } { 1 1 } 1e400 1', "too large"),
    "huge_rational": (f'NFG 1 R "t" {{ "a" "b" }} {{ 1 1 }} {10**400}/3 1', "too large"),
    "zero_denominator": ('NFG 1 R "t" { "a" "b" } { 1 1 } 1/0 1', "zero denominator"),
    "too_many_digits": (f'NFG 1 R "t" {{ "a" "b" }} {{ 1 1 }} 1/{"7" * 5000} 1', "too many digits"),
    "zero_strategies": ('NFG 1 R "t" { "a" "b" } { 0 1 }', "positive strategy count"),
    "huge_count": (f'NFG 1 R "t" {{ "a" "b" }} {{ {"9" * 5000} 1 }} 1 2', "strategy count"),
    "fractional_count": ('NFG 1 R "t" { "a" "b" } { 1.5 1 } 1 2', "positive strategy count"),
    "index_out_of_range": (
        'NFG 1 R "t" { "a" "b" } { { "x" } { "y" "z" } } { { "" 1, 2 } } 1 2',
        "outcome index 2 out of range 0..1",
    ),
    "negative_index": (
        'NFG 1 R "t" { "a" "b" } { { "x" } { "y" } } { { "" 1, 2 } } -1',
        "expected an outcome index, found a word of 2 characters",
    ),
    "too_few_indices": (
        'NFG 1 R "t" { "a" "b" } { { "x" "w" } { "y" } } { { "" 1, 2 } } 1',
        "expected 2 outcome indices",
    ),
    "three_payoff_outcome": (
        'NFG 1 R "t" { "a" "b" } { { "x" } { "y" } } { { "" 1, 2, 3 } } 1',
        "2 payoffs in the outcome, found 3",
    ),
    "unclosed_outcomes": ('NFG 1 R "t" { "a" "b" } { { "x" } { "y" } } { { "" 1, 2 }', "'{'"),
    "empty_strategy_list": ('NFG 1 R "t" { "a" "b" } { { } { "y" } } { } ', "at least one"),
    "stray_brace": ('NFG 1 R "t" { "a" "b" } { 1 1 } 1 { 2', "found '{'"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_raises_one_line_error_naming_the_file(tmp_path, case):
    text, expected = MALFORMED[case]
    path = tmp_path / f"{case}.nfg"
    path.write_text(text)
    with pytest.raises(GameFormatError) as info:
        read_nfg(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_error_reports_the_line_of_the_offending_token(tmp_path):
    path = tmp_path / "lines.nfg"
    path.write_text('NFG 1 R "t" { "a" "b" } { 1 1 }\n"multi\nline comment"\n1\noops\n')
    with pytest.raises(GameFormatError, match=r"found a word of 4 characters \(line 5\)$"):
        read_nfg(path)


def test_missing_unreadable_and_binary_files(tmp_path):
    with pytest.raises(GameFormatError, match=r"nowhere\.nfg: no such file"):
        read_nfg(tmp_path / "nowhere.nfg")
    with pytest.raises(GameFormatError, match=r"folder\.nfg: cannot read"):
        (tmp_path / "folder.nfg").mkdir()
        read_nfg(tmp_path / "folder.nfg")
    binary = tmp_path / "binary.nfg"
    binary.write_bytes(b"NFG 1 R \xff\xfe\x00")
    with pytest.raises(GameFormatError, match=r"binary\.nfg: not a UTF-8"):
        read_nfg(binary)


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(0, len(OUTCOME_EXAMPLE)), junk=st.text(max_size=3))
def test_truncated_or_corrupted_files_never_raise_raw_exceptions(tmp_path_factory, cut, junk):
    path = tmp_path_factory.mktemp("fuzz") / "cut.nfg"
    path.write_text(OUTCOME_EXAMPLE[:cut] + junk, encoding="utf-8")
    try:
        read_nfg(path)
    except GameFormatError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)


# --------------------------------------------------------------------------- pygambit oracle


def gambit_arrays(g) -> tuple[np.ndarray, np.ndarray]:
    """pygambit's exact rational payoffs, rounded to the nearest floats."""
    A, B = g.to_arrays()
    return A.astype(float), B.astype(float)


@pytest.mark.parametrize("version", ["outcome", "payoff"])
@ORACLE
@given(game=games(label=gambit_labels, title=gambit_titles))
def test_pygambit_reads_our_files_with_the_same_exact_payoffs(tmp_path, version, game):
    gbt = pytest.importorskip("pygambit")
    path = tmp_path / "ours.nfg"
    write_nfg(game, path, version=version)
    g = gbt.read_nfg(str(path))
    # Gambit reads our decimal text as an exact rational; it must round to our very float.
    A, B = gambit_arrays(g)
    np.testing.assert_array_equal(A, game.A)
    np.testing.assert_array_equal(B, game.B)
    assert g.title == game.title
    assert tuple(p.label for p in g.players) == game.players
    if version == "outcome":
        got = tuple(tuple(s.label for s in p.strategies) for p in g.players)
        assert got == game.actions


@ORACLE
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    data=st.data(),
)
def test_we_read_files_written_by_pygambit(tmp_path, shape, data):
    gbt = pytest.importorskip("pygambit")
    m, n = shape
    entries = st.lists(st.fractions(max_denominator=1000), min_size=m * n, max_size=m * n)
    A = np.array(data.draw(entries), dtype=object).reshape(m, n)
    B = np.array(data.draw(entries), dtype=object).reshape(m, n)
    g = gbt.Game.from_arrays(A, B, title=data.draw(gambit_titles.filter(bool)))
    names = data.draw(st.lists(gambit_labels, min_size=2, max_size=2, unique=True))
    for player, name in zip(g.players, names, strict=True):
        player.label = name
    path = tmp_path / "theirs.nfg"
    path.write_text(g.to_nfg(), encoding="utf-8")
    game = read_nfg(path)
    np.testing.assert_array_equal(game.A, A.astype(float))
    np.testing.assert_array_equal(game.B, B.astype(float))
    assert game.title == g.title
    assert game.players == tuple(p.label for p in g.players)
    assert game.actions == tuple(tuple(s.label for s in p.strategies) for p in g.players)


@pytest.mark.parametrize("text", [PAYOFF_EXAMPLE, OUTCOME_EXAMPLE])
def test_hand_written_examples_agree_with_pygambit(tmp_path, text):
    gbt = pytest.importorskip("pygambit")
    path = tmp_path / "example.nfg"
    path.write_text(text)
    A, B = gambit_arrays(gbt.read_nfg(str(path)))
    game = read_nfg(path)
    np.testing.assert_array_equal(game.A, A)
    np.testing.assert_array_equal(game.B, B)


def test_paths_may_be_str_or_pathlib(tmp_path):
    game = Game([[1.0, 2.0]], [[3.0, 4.0]], actions=(("only",), ("l", "r")))
    write_nfg(game, str(tmp_path / "s.nfg"))
    write_nfg(game, Path(tmp_path) / "p.nfg")
    assert (tmp_path / "s.nfg").read_bytes() == (tmp_path / "p.nfg").read_bytes()
    assert read_nfg(str(tmp_path / "p.nfg")).actions == game.actions


def test_errors_about_a_file_never_echo_its_contents(tmp_path):
    secret = tmp_path / "environ"
    secret.write_bytes(b"API_TOKEN=hunter2-do-not-print\x00HOME=/root\x00")
    with pytest.raises(GameFormatError) as info:
        read_nfg(secret)
    message = str(info.value)
    assert message == f"{secret}: expected 'NFG 1 R' header, found a word of 42 characters (line 1)"
    assert "hunter2" not in message and "API_TOKEN" not in message


def test_the_shipped_example_is_round_twos_game_as_written_today(tmp_path):
    """docs/examples/istanbul_round2.nfg (the README's `negsim nfg=...` example) is what
    write_nfg writes for round two's talks game now: the example cannot drift from the model."""
    import negsim

    shipped = Path(__file__).resolve().parents[2] / "docs" / "examples" / "istanbul_round2.nfg"
    fresh = tmp_path / "fresh.nfg"
    negsim.write_nfg(negsim.talks_game(negsim.load_scenario("istanbul_round2")), fresh)
    assert shipped.read_text() == fresh.read_text()
