"""Gambit .efg files as Gambit reads them: repeated action labels (e.g. chance actions
labelled by their probabilities) are renamed the way pygambit renames them, and the games
read and solve. pygambit is the oracle; tests that need it skip without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negsim.errors import GameFormatError
from negsim.games.extensive import Chance, Decision
from negsim.io.efg import read_efg, write_efg
from negsim.solvers.backward_induction import solve_extensive

ORACLE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# A small poker: nature deals high or low, each with probability 1/2 and both actions
# labelled "1/2" (as in the pygambit catalog's vonstengel2022/fig10.1). The bettor raises
# or folds; the caller, not knowing the deal, calls or passes. Its unique equilibrium:
# raise when high, bluff with probability 1/3 when low, call with probability 2/3; the
# bettor expects 1/3.
POKER = """EFG 2 R "Bluffing with repeated chance labels" { "Bettor" "Caller" }
""

c "deal" 1 "" { "1/2" 1/2 "1/2" 1/2 } 0
p "" 1 1 "high" { "raise" "fold" } 0
p "" 2 1 "raised" { "call" "pass" } 0
t "" 1 "showdown won" { 2, -2 }
t "" 2 "caller passed" { 1, -1 }
t "" 3 "folded" { -1, 1 }
p "" 1 2 "low" { "raise" "fold" } 0
p "" 2 1 0
t "" 4 "showdown lost" { -2, 2 }
t "" 5 "caller passed" { 1, -1 }
t "" 6 "folded" { -1, 1 }
"""

# Three chance actions share a label, a decision move repeats one, and a chance event is
# used again by number (its description omitted) and described again, identically.
MIXED = """EFG 2 R "Repeated labels everywhere" { "P1" "P2" }
""

c "" 1 "" { "1/3" 1/3 "x" 1/3 "1/3" 1/3 } 0
p "" 1 1 "" { "go" "go" "go_1" } 0
c "" 2 "" { "" 1/2 "" 1/2 } 0
t "" 1 "a" { 1, 0 }
t "" 2 "b" { 0, 1 }
c "" 2 0
t "" 3 "c" { 2, 0 }
t "" 4 "d" { 0, 2 }
t "" 5 "e" { 3, 3 }
p "" 2 1 "" { "l" "r" } 0
t "" 6 "f" { 1, 1 }
t "" 7 "g" { 0, 0 }
c "" 2 "" { "" 1/2 "" 1/2 } 0
t "" 8 "h" { 4, 0 }
t "" 9 "i" { 0, 4 }
"""


def _write(tmp_path: Path, text: str, name: str = "g.efg") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _move_labels(game) -> list[tuple[str, ...]]:
    """Action labels of every chance and decision node, prefix order."""
    return [n.actions for n in game.nodes if isinstance(n, (Chance, Decision))]


def _gambit_move_labels(node) -> list[tuple[str, ...]]:
    """The same for a pygambit tree (prefix order)."""
    if node.is_terminal:
        return []
    out = [tuple(a.label for a in node.infoset.actions)]
    for child in node.children:
        out += _gambit_move_labels(child)
    return out


def test_repeated_chance_labels_are_renamed_and_the_game_solves(tmp_path):
    game = read_efg(_write(tmp_path, POKER))
    root = game.nodes[0]
    assert isinstance(root, Chance) and root.actions == ("1/2_1", "1/2_2")
    np.testing.assert_array_equal(root.probs, [0.5, 0.5])
    (eq,) = solve_extensive(game)
    np.testing.assert_allclose(eq.payoffs, [1 / 3, -1 / 3], atol=1e-12)
    high, low = (eq.behavior[0][game.infoset_index(0, key)] for key in ("high", "low"))
    np.testing.assert_allclose(high, [1, 0], atol=1e-12)
    np.testing.assert_allclose(low, [1 / 3, 2 / 3], atol=1e-12)
    np.testing.assert_allclose(eq.behavior[1][0], [2 / 3, 1 / 3], atol=1e-12)


def test_repeated_labels_of_chance_and_decision_moves_are_renamed(tmp_path):
    game = read_efg(_write(tmp_path, MIXED))
    assert _move_labels(game) == [
        ("1/3_1", "x", "1/3_2"),
        ("go_2", "go_3", "go_1"),  # "go_1" is taken, so the repeated "go" skip it
        ("_1", "_2"),
        ("_1", "_2"),
        ("l", "r"),
        ("_1", "_2"),
    ]
    assert [len(i.nodes) for i in game.infosets[0]] == [1]
    assert len(solve_extensive(game)) >= 1


@pytest.mark.parametrize("text", [POKER, MIXED])
def test_renamed_labels_agree_with_pygambit(tmp_path, text):
    gbt = pytest.importorskip("pygambit")
    path = _write(tmp_path, text)
    assert _move_labels(read_efg(path)) == _gambit_move_labels(gbt.read_efg(str(path)).root)


@pytest.mark.parametrize("text", [POKER, MIXED])
def test_renamed_labels_round_trip_and_pygambit_reads_them_back(tmp_path, text):
    game = read_efg(_write(tmp_path, text))
    write_efg(game, tmp_path / "ours.efg")
    back = read_efg(tmp_path / "ours.efg")
    assert _move_labels(back) == _move_labels(game)
    np.testing.assert_array_equal(back.terminal_payoffs, game.terminal_payoffs)
    gbt = pytest.importorskip("pygambit")
    assert _gambit_move_labels(gbt.read_efg(str(tmp_path / "ours.efg")).root) == _move_labels(game)


def test_poker_equilibrium_agrees_with_pygambit(tmp_path):
    gbt = pytest.importorskip("pygambit")
    path = _write(tmp_path, POKER)
    theirs = gbt.read_efg(str(path))
    (eq,) = gbt.nash.lcp_solve(theirs, rational=False).equilibria
    (ours,) = solve_extensive(read_efg(path))
    np.testing.assert_allclose(ours.payoffs, [float(eq.payoff(p)) for p in theirs.players], atol=1e-9)


@ORACLE
@given(labels=st.lists(st.sampled_from(["a", "a_1", "a_2", "a_1_1", "b", "1/2"]), min_size=1, max_size=6))
def test_renaming_of_repeated_chance_labels_matches_pygambit(tmp_path, labels):
    gbt = pytest.importorskip("pygambit")
    k = len(labels)
    moves = " ".join(f'"{s}" 1/{k}' for s in labels)
    leaves = "".join(f't "" {i + 1} "o{i}" {{ {i}, 0 }}\n' for i in range(k))
    path = _write(tmp_path, f'EFG 2 R "x" {{ "P1" "P2" }}\n""\nc "" 1 "" {{ {moves} }} 0\n{leaves}')
    got = read_efg(path).nodes[0].actions
    assert got == _gambit_move_labels(gbt.read_efg(str(path)).root)[0]
    assert len(set(got)) == len(got)


def test_a_chance_event_described_twice_differently_is_still_refused(tmp_path):
    text = MIXED.replace('c "" 2 "" { "" 1/2 "" 1/2 } 0\nt "" 8', 'c "" 2 "" { "" 1/2 "y" 1/2 } 0\nt "" 8')
    assert text != MIXED
    with pytest.raises(GameFormatError, match=r"chance event 2 is described twice, differently \(line 16\)$"):
        read_efg(_write(tmp_path, text))


# The pygambit catalog's two-player trees that label chance actions by their
# probabilities; read from the installed pygambit package, if any (no download).
CATALOG = [
    "books/vonstengel2022/fig10.1.efg",
    "journals/mor/vonstengelforges2008/fig1.efg",
    "journals/mor/vonstengelforges2008/fig9.efg",
]


@pytest.mark.parametrize("name", CATALOG)
def test_pygambit_catalog_trees_with_repeated_chance_labels_read_and_solve(name):
    gbt = pytest.importorskip("pygambit")
    path = Path(gbt.__file__).parent / "catalog_data" / name
    if not path.is_file():
        pytest.skip(f"this pygambit has no catalog file {name}")
    game = read_efg(path)
    theirs = gbt.read_efg(str(path))
    assert _move_labels(game) == _gambit_move_labels(theirs.root)
    ours = solve_extensive(game)
    assert ours
    for eq in gbt.nash.lcp_solve(theirs, rational=False).equilibria:
        want = [float(eq.payoff(p)) for p in theirs.players]
        assert any(np.allclose(e.payoffs, want, atol=1e-9) for e in ours)
