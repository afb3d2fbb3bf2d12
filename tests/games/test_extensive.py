"""Tests for extensive games: the tree, Kuhn conversions, .efg files, backward induction.

pygambit is the oracle: it reads our .efg files, we read its, its equilibria of the
reduced strategic form are among ours, and its pure equilibria contain our
subgame-perfect profiles.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negsim.equilibrium import verified
from negsim.errors import GameFormatError, SolverError
from negsim.games.extensive import (
    Chance,
    Decision,
    ExtensiveGame,
    Terminal,
    behavior_to_mixed,
    expected_payoffs,
    is_perfect_information,
    mixed_to_behavior,
    n_reduced_strategies,
    realization_matrix,
    realization_plan,
    reduced_strategic_form,
    reduced_strategies,
    terminal_from_features,
)
from negsim.io.efg import read_efg, write_efg
from negsim.solvers.backward_induction import (
    assess,
    backward_induction,
    describe,
    prune_dominated,
    solve_extensive,
    subgame_perfect_equilibria,
)

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --------------------------------------------------------------------------- random trees


def _stage_node(rng, plan, s, hist):
    """Node of a stage game at stage ``s`` after the actions ``hist`` (see :func:`stage_tree`)."""
    movers, ks, sees, probs = plan
    if s == len(movers):
        return Terminal(rng.normal(size=2).round(3), label=f"end {hist}")
    m = movers[s]
    kids = tuple(_stage_node(rng, plan, s + 1, (*hist, a)) for a in range(ks[s]))
    acts = tuple(f"a{s}{a}" for a in range(ks[s]))
    if m == 2:
        return Chance(acts, probs[s] / probs[s].sum(), kids, label=f"nature {s} after {hist}")
    seen = tuple(h if (movers[t] == m or sees[m, t]) else "?" for t, h in enumerate(hist))
    return Decision(m, f"s{s} {seen}", acts, kids)


def stage_tree(rng: np.random.Generator, max_strategies: int = 60) -> ExtensiveGame:
    """A random imperfect-information game with perfect recall.

    Two to four stages, each moved by player 0, player 1 or chance with 2-3 actions; a
    player sees their own earlier moves and, by a random flag per stage, the others'.
    Payoffs are normal, rounded to 3 decimals (generic). The reduced strategic form is
    kept small: at most ``max_strategies`` strategies in all and 3000 enumeration bases.
    """
    while True:
        S = int(rng.integers(2, 5))
        movers = [int(m) for m in rng.choice(3, size=S, p=[0.4, 0.4, 0.2])]
        if 0 not in movers or 1 not in movers:
            continue
        ks = [int(rng.integers(2, 4)) for _ in range(S)]
        plan = (movers, ks, rng.random((2, S)) < 0.5, [rng.integers(1, 5, size=k) for k in ks])
        game = ExtensiveGame(_stage_node(rng, plan, 0, ()), players=("P1", "P2"), title="random stage game")
        m, n = n_reduced_strategies(game)
        if m + n <= max_strategies and math.comb(m + n, m) <= 3000 and not is_perfect_information(game):
            return game


def _perfect_node(rng, depth: int, counter: list[int]):
    if depth == 4 or (depth > 0 and rng.random() < 0.3):
        return Terminal(rng.normal(size=2))
    k = int(rng.integers(2, 4))
    kids = tuple(_perfect_node(rng, depth + 1, counter) for _ in range(k))
    acts = tuple(f"m{a}" for a in range(k))
    if rng.random() < 0.2:
        w = rng.integers(1, 5, size=k)
        return Chance(acts, w / w.sum(), kids)
    counter[0] += 1
    return Decision(int(rng.integers(0, 2)), f"n{counter[0]}", acts, kids)


def perfect_tree(rng: np.random.Generator, max_cells: int = 300) -> ExtensiveGame:
    """A random perfect-information tree (depth <= 4, 2-3 actions, some chance nodes)."""
    while True:
        game = ExtensiveGame(_perfect_node(rng, 0, [0]), players=("P1", "P2"), title="random perfect-information game")
        if np.prod(n_reduced_strategies(game)) <= max_cells:
            return game


def entry_game() -> ExtensiveGame:
    """Selten's chain-store stage: the entrant stays out (0, 2) or enters; the incumbent fights (-1, -1) or accommodates (1, 1)."""
    fight = Decision(1, "incumbent", ("fight", "accommodate"), (Terminal([-1, -1], "war"), Terminal([1, 1], "share")))
    return ExtensiveGame(
        Decision(0, "entrant", ("out", "in"), (Terminal([0, 2], "monopoly"), fight)),
        players=("Entrant", "Incumbent"), title="entry",
    )


def signalling_game() -> ExtensiveGame:
    """Beer-quiche (Cho & Kreps 1987): strong w.p. 0.9; the receiver duels or not."""
    def sender(t, bonus):
        kids = []
        for meal, pref in (("beer", t == "strong"), ("quiche", t == "weak")):
            kids.append(Decision(1, f"after {meal}", ("duel", "not"), (
                Terminal([int(pref), 1 if t == "weak" else 0], f"{t} {meal} duel"),
                Terminal([int(pref) + bonus, 0 if t == "weak" else 1], f"{t} {meal} peace"),
            )))
        return Decision(0, t, ("beer", "quiche"), tuple(kids))

    return ExtensiveGame(Chance(("strong", "weak"), [0.9, 0.1], (sender("strong", 2), sender("weak", 2))),
                         players=("Sender", "Receiver"), title="beer-quiche")


# --------------------------------------------------------------------------- the tree


def test_flattening_infosets_and_sequences():
    g = signalling_game()
    assert len(g.nodes) == 15 and len(g.terminals) == 8
    assert [i.key for i in g.infosets[0]] == ["strong", "weak"]
    assert [i.key for i in g.infosets[1]] == ["after beer", "after quiche"]
    assert [len(i.nodes) for i in g.infosets[1]] == [2, 2]
    assert g.n_sequences == (5, 5)
    np.testing.assert_allclose(g.chance_reach[g.terminals], [0.9] * 4 + [0.1] * 4)
    assert not is_perfect_information(g) and is_perfect_information(entry_game())


def test_reduced_strategic_form_of_a_two_stage_tree():
    # player 0 moves, player 1 answers, player 0 moves again only after (a, l)
    inner = Decision(0, "again", ("x", "y"), (Terminal([1, 2]), Terminal([3, 4])))
    answer = Decision(1, "answer", ("l", "r"), (inner, Terminal([5, 6])))
    g = ExtensiveGame(Decision(0, "first", ("a", "b"), (answer, Terminal([0, 1]))))
    form = reduced_strategic_form(g)
    assert form.actions == (("a/x", "a/y", "b/*"), ("l", "r"))
    np.testing.assert_array_equal(form.A, [[1, 5], [3, 5], [0, 0]])
    np.testing.assert_array_equal(form.B, [[2, 6], [4, 6], [1, 1]])
    np.testing.assert_array_equal(reduced_strategies(g, 0), [[0, 0], [0, 1], [1, -1]])


def test_terminal_from_features_is_weights_times_features():
    t = terminal_from_features([1.0, 0.5], [[2.0, -1.0], [0.0, 4.0]], label="x", sources=("PK1",))
    np.testing.assert_array_equal(t.payoffs, [1.5, 2.0])
    np.testing.assert_array_equal(t.features, [1.0, 0.5])
    with pytest.raises(GameFormatError, match="weights of shape"):
        terminal_from_features([1.0], [[1.0, 2.0]])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Chance(("a", "b"), [0.5, 0.6], (Terminal([0, 0]), Terminal([0, 0]))), "sum to 1.1"),
        (lambda: Chance(("a", "b"), [1.5, -0.5], (Terminal([0, 0]), Terminal([0, 0]))), ">= 0"),
        (lambda: Decision(0, "h", ("a", "a"), (Terminal([0, 0]), Terminal([0, 0]))), "duplicate action"),
        (lambda: Decision(2, "h", ("a",), (Terminal([0, 0]),)), "player must be 0 or 1"),
        (lambda: Decision(0, "h", ("a", "b"), (Terminal([0, 0]),)), "1 children for 2 actions"),
        (lambda: Terminal([0, np.nan]), "2 finite payoffs"),
        (lambda: Terminal([0, 1, 2]), "2 finite payoffs"),
    ],
)
def test_malformed_nodes(make, message):
    with pytest.raises(GameFormatError, match=message):
        make()


def _leaf():
    return Terminal([0.0, 0.0])


@pytest.mark.parametrize(
    "root, message",
    [
        # one information set, two different action lists
        (Chance(("u", "v"), [0.5, 0.5], (Decision(0, "h", ("a", "b"), (_leaf(), _leaf())),
                                         Decision(0, "h", ("a", "c"), (_leaf(), _leaf())))), "different actions"),
        # one information set, two players
        (Chance(("u", "v"), [0.5, 0.5], (Decision(0, "h", ("a",), (_leaf(),)),
                                         Decision(1, "h", ("a",), (_leaf(),)))), "different players"),
        # player 0 forgets their own first move
        (Decision(0, "first", ("a", "b"), (Decision(0, "then", ("x", "y"), (_leaf(), _leaf())),
                                           Decision(0, "then", ("x", "y"), (_leaf(), _leaf())))), "perfect recall"),
        # absent-mindedness: the information set follows itself
        (Decision(0, "h", ("a", "b"), (Decision(0, "h", ("a", "b"), (_leaf(), _leaf())), _leaf())), "perfect recall"),
    ],
)
def test_malformed_information_structure(root, message):
    with pytest.raises(GameFormatError, match=message):
        ExtensiveGame(root)


def test_features_must_match_the_game():
    with pytest.raises(GameFormatError, match="expected 2 features"):
        ExtensiveGame(Terminal([1, 2], features=[1.0]), feature_names=("a", "b"))


# --------------------------------------------------------------------------- Kuhn conversions


@st.composite
def game_and_behavior(draw):
    game = stage_tree(np.random.default_rng(draw(st.integers(0, 2**32 - 1))))
    weight = st.one_of(st.just(0.0), st.floats(0.01, 1.0))
    profile = []
    for p in (0, 1):
        beh = []
        for info in game.infosets[p]:
            w = np.array(draw(st.lists(weight, min_size=len(info.actions), max_size=len(info.actions))))
            beh.append(w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / len(w)))
        profile.append(tuple(beh))
    return game, tuple(profile)


@FAST
@given(gb=game_and_behavior())
def test_kuhn_behavior_to_mixed_to_behavior(gb):
    game, profile = gb
    for p in (0, 1):
        x = behavior_to_mixed(game, p, profile[p])
        assert np.all(x >= 0) and np.isclose(x.sum(), 1.0)
        # the mixed strategy has the behaviour strategy's realization plan ...
        np.testing.assert_allclose(x @ realization_matrix(game, p), realization_plan(game, p, profile[p]), atol=1e-12)
        # ... and converts back to it wherever the player's own play reaches
        back, defined = mixed_to_behavior(game, p, x)
        plan = realization_plan(game, p, profile[p])
        for info, b, b2, d in zip(game.infosets[p], profile[p], back, defined, strict=True):
            assert d == (plan[info.parent_sequence] > 1e-9)
            if d:
                np.testing.assert_allclose(b2, b, atol=1e-9)


@FAST
@given(seed=st.integers(0, 2**32 - 1))
def test_kuhn_mixed_to_behavior_is_realization_equivalent_and_pays_the_same(seed):
    rng = np.random.default_rng(seed)
    game = stage_tree(rng)
    form = reduced_strategic_form(game)
    xs = [rng.dirichlet(np.ones(k)) * (rng.random(k) < 0.7) + 1e-300 for k in form.shape]
    xs = [x / x.sum() for x in xs]
    profile = []
    for p in (0, 1):
        beh, _ = mixed_to_behavior(game, p, xs[p])
        np.testing.assert_allclose(realization_plan(game, p, beh), xs[p] @ realization_matrix(game, p), atol=1e-9)
        profile.append(beh)
    np.testing.assert_allclose(expected_payoffs(game, profile), form.expected_payoffs(*xs), atol=1e-9)


def test_behavior_validation():
    g = entry_game()
    with pytest.raises(GameFormatError, match="not a probability vector"):
        behavior_to_mixed(g, 0, [np.array([0.7, 0.7])])
    with pytest.raises(GameFormatError, match="2 information sets, the game has 1"):
        realization_plan(g, 1, [np.array([1.0, 0.0]), np.array([1.0, 0.0])])


# --------------------------------------------------------------------------- .efg files

HAND_WRITTEN = r"""EFG 2 R "Bayes \"game\"" { "Player 1" "Player 2" }
"a comment"

c "ROOT" 1 "(0,1)" { "1G" 0.500000 "1B" 0.500000 } 0
p "" 1 1 "(1,1)" { "H" "L" } 1 "stage" { 1, -1/2 }
t "" 2 "Outcome 2" { 10 2 }
t "" 3 "Outcome 3" { 0.000000 1e1 }
p "" 1 1 0
t "" 2
t "" 0
"""


def test_hand_written_file_with_incremental_payoffs_and_omitted_descriptions(tmp_path):
    path = tmp_path / "bayes.efg"
    path.write_text(HAND_WRITTEN)
    g = read_efg(path)
    assert g.title == 'Bayes "game"' and g.comment == "a comment"
    assert g.players == ("Player 1", "Player 2")
    assert len(g.infosets[0]) == 1 and len(g.infosets[0][0].nodes) == 2
    # the outcome at the first decision node adds to the terminals below it
    np.testing.assert_array_equal(g.terminal_payoffs, [[11, 1.5], [1, 9.5], [10, 2], [0, 0]])
    assert [g.nodes[t].label for t in g.terminals] == ["Outcome 2", "Outcome 3", "Outcome 2", ""]


def assert_same_game(a: ExtensiveGame, b: ExtensiveGame) -> None:
    assert a.players == b.players and a.title == b.title and a.comment == b.comment
    assert len(a.nodes) == len(b.nodes)
    for x, y in zip(a.nodes, b.nodes, strict=True):
        assert type(x) is type(y)
        assert x.label == y.label or x.label.startswith(f"{y.label} #")  # repeated names numbered
        if isinstance(x, Terminal):
            np.testing.assert_array_equal(x.payoffs, y.payoffs)
        else:
            assert x.actions == y.actions
        if isinstance(x, Chance):
            np.testing.assert_array_equal(x.probs, y.probs)
        if isinstance(x, Decision):
            assert (x.player, x.infoset) == (y.player, y.infoset)


@FAST
@given(seed=st.integers(0, 2**32 - 1), title=st.text(max_size=8), perfect=st.booleans())
def test_efg_round_trip(tmp_path, seed, title, perfect):
    rng = np.random.default_rng(seed)
    g = perfect_tree(rng) if perfect else stage_tree(rng)
    g = ExtensiveGame(g.root, players=("Pakistan \"P\"", "Kabul \\ K"), title=title, comment="c\nd")
    path = tmp_path / "g.efg"
    write_efg(g, path)
    assert_same_game(read_efg(path), g)


def test_write_replaces_atomically_and_reports_errors(tmp_path):
    path = tmp_path / "g.efg"
    path.write_text("old")
    write_efg(entry_game(), path)
    assert read_efg(path).players == ("Entrant", "Incumbent")
    assert os.listdir(tmp_path) == ["g.efg"]
    with pytest.raises(GameFormatError, match="missing.efg.*cannot write"):
        write_efg(entry_game(), tmp_path / "no_such_dir" / "missing.efg")


def test_repeated_node_names_are_numbered_for_gambit(tmp_path):
    kids = tuple(Decision(0, f"h{k}", ("a",), (Terminal([k, 0], "same"),), label="move") for k in range(3))
    g = ExtensiveGame(Chance(("x", "y", "z"), [0.2, 0.3, 0.5], kids, label="move #2"))
    write_efg(g, tmp_path / "g.efg")
    back = read_efg(tmp_path / "g.efg")
    assert [n.label for n in back.nodes if not isinstance(n, Terminal)] == ["move #2", "move", "move #3", "move #4"]
    assert [back.nodes[t].label for t in back.terminals] == ["same"] * 3


def test_probabilities_are_written_as_exact_fractions(tmp_path):
    g = ExtensiveGame(Chance(("a", "b", "c"), [1 / 3, 0.6, 1 - 1 / 3 - 0.6], (_leaf(), _leaf(), _leaf())))
    path = tmp_path / "g.efg"
    write_efg(g, path)
    assert "1/3" in path.read_text() and "3/5" in path.read_text()
    np.testing.assert_allclose(read_efg(path).nodes[0].probs, g.nodes[0].probs, rtol=0, atol=1e-15)


MALFORMED = {
    "empty": ("", "file is empty"),
    "wrong header": ('NFG 1 R "x" { "A" "B" }', "expected 'EFG 2 R' header"),
    "three players": ('EFG 2 R "x" { "A" "B" "C" } t "" 0', "exactly 2 players"),
    "unknown node type": ('EFG 2 R "x" { "A" "B" } x "" 0', r"expected a node \('p', 'c' or 't'\), found a word of 1 character"),
    "probabilities": ('EFG 2 R "x" { "A" "B" } c "" 1 "" { "a" 1/2 "b" 0.6 } 0 t "" 0 t "" 0', "sum to 1.1"),
    "negative probability": ('EFG 2 R "x" { "A" "B" } c "" 1 "" { "a" -1/2 "b" 3/2 } 0 t "" 0 t "" 0', "probability"),
    "truncated tree": ('EFG 2 R "x" { "A" "B" } p "" 1 1 "" { "a" "b" } 0 t "" 0', "found end of file"),
    "trailing node": ('EFG 2 R "x" { "A" "B" } t "" 0 t "" 0', "after the last node"),
    "three payoffs": ('EFG 2 R "x" { "A" "B" } t "" 1 "o" { 1, 2, 3 }', "expected 2 payoffs"),
    "player 3": ('EFG 2 R "x" { "A" "B" } p "" 3 1 "" { "a" } 0 t "" 0', "player number 3"),
    "infoset redeclared": (
        (
            'EFG 2 R "x" { "A" "B" } c "" 1 "" { "u" 1/2 "v" 1/2 } 0 '
            'p "" 1 1 "h" { "a" "b" } 0 t "" 0 t "" 0 p "" 1 1 "h" { "a" "c" } 0 t "" 0 t "" 0'
        ),
        "described twice, differently",
    ),
    "outcome used before described": ('EFG 2 R "x" { "A" "B" } t "" 4', "outcome 4 is used before"),
    "null outcome with payoffs": ('EFG 2 R "x" { "A" "B" } t "" 0 "o" { 1, 2 }', "null outcome"),
    "unterminated string": ('EFG 2 R "x { "A" "B" }', "unterminated string"),
    "not a number": ('EFG 2 R "x" { "A" "B" } t "" 1 "o" { 1, nan }', "NaN"),
    "imperfect recall": (
        (
            'EFG 2 R "x" { "A" "B" } p "" 1 1 "" { "a" "b" } 0 '
            'p "" 1 2 "" { "x" "y" } 0 t "" 0 t "" 0 p "" 1 2 "" { "x" "y" } 0 t "" 0 t "" 0'
        ),
        "perfect recall",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_raise_one_line_errors_naming_the_file(tmp_path, case):
    text, message = MALFORMED[case]
    path = tmp_path / "bad game.efg"
    path.write_text(text)
    with pytest.raises(GameFormatError, match=message) as info:
        read_efg(path)
    assert str(info.value).startswith(f"{path}:") and "\n" not in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(GameFormatError, match="nothere.efg: no such file"):
        read_efg(tmp_path / "nothere.efg")
    (tmp_path / "bin.efg").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(GameFormatError, match="bin.efg: not a UTF-8"):
        read_efg(tmp_path / "bin.efg")


# --------------------------------------------------------------------------- pygambit: files


def _gambit_terminals(node, gbt, above=(0.0, 0.0), prob=1.0):
    """(payoff pair, chance probability) of each terminal of a pygambit tree, prefix order."""
    here = np.array(above) + (np.array([float(node.outcome[p]) for p in node.game.players]) if node.outcome else 0.0)
    if node.is_terminal:
        return [(here, prob)]
    out = []
    for action, child in zip(node.infoset.actions, node.children, strict=True):
        p = float(action.prob) if node.player.is_chance else 1.0
        out += _gambit_terminals(child, gbt, here, prob * p)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_pygambit_reads_our_files_with_the_same_payoffs(tmp_path, seed):
    gbt = pytest.importorskip("pygambit")
    rng = np.random.default_rng(seed)
    g = stage_tree(rng) if seed % 2 else perfect_tree(rng)
    write_efg(g, tmp_path / "g.efg")
    theirs = gbt.read_efg(str(tmp_path / "g.efg"))
    terms = _gambit_terminals(theirs.root, gbt)
    np.testing.assert_array_equal(np.array([u for u, _ in terms]), g.terminal_payoffs)
    np.testing.assert_allclose([pr for _, pr in terms], g.chance_reach[g.terminals], rtol=1e-15)
    assert [p.label for p in theirs.players] == list(g.players)


def test_we_read_pygambit_written_files(tmp_path):
    gbt = pytest.importorskip("pygambit")
    theirs = gbt.Game.new_tree(players=["Row", "Col"], title="made by pygambit")
    theirs.append_move(theirs.root, theirs.players.chance, ["u", "v"])
    theirs.set_chance_probs(theirs.root.infoset, [gbt.Rational(1, 3), gbt.Rational(2, 3)])
    u, v = list(theirs.root.children)
    theirs.append_move(u, "Row", ["x", "y"])
    theirs.append_infoset(v, u.infoset)
    theirs.set_outcome(u, theirs.add_outcome("bonus", [1, 0]))  # incremental payoff
    k = 0
    for node in (u, v):
        kids = list(node.children)
        theirs.append_move(kids[0], "Col", ["l", "r"])
        for leaf in kids[0].children:
            k += 1
            theirs.set_outcome(leaf, theirs.add_outcome(f"o{k}", [k, gbt.Rational(-k, 2)]))
        k += 1
        theirs.set_outcome(kids[1], theirs.add_outcome(f"o{k}", [gbt.Rational(1, 4), k]))
    path = tmp_path / "theirs.efg"
    path.write_text(theirs.to_efg())
    g = read_efg(path)
    np.testing.assert_array_equal(
        g.terminal_payoffs, [[2, -0.5], [3, -1], [1.25, 3], [4, -2], [5, -2.5], [0.25, 6]]
    )
    np.testing.assert_allclose(g.nodes[0].probs, [1 / 3, 2 / 3])
    assert [len(i.nodes) for i in g.infosets[0]] == [2] and len(g.infosets[1]) == 2
    for node_terms, t in zip(_gambit_terminals(theirs.root, gbt), g.terminal_payoffs, strict=True):
        np.testing.assert_array_equal(node_terms[0], t)


# --------------------------------------------------------------------------- backward induction


def test_entry_game_backward_induction_and_non_credible_threat():
    g = entry_game()
    spe = backward_induction(g)
    assert spe.actions[0].tolist() == [1] and spe.actions[1].tolist() == [1]
    np.testing.assert_array_equal(spe.payoffs, [1, 1])
    np.testing.assert_array_equal(spe.values[g.children[0][1]], [1, 1])
    # Nash equilibria include "out, fight if entered" (a component; its extreme points) ...
    nash = solve_extensive(g, prune=False)
    assert {round(float(e.behavior[0][0][0]), 9) for e in nash} == {0.0, 1.0}
    # ... pruning the dominated "fight" leaves only the subgame-perfect outcome
    [eq] = solve_extensive(g)
    assert eq.outcomes == {"monopoly": 0.0, "war": 0.0, "share": 1.0}
    assert prune_dominated(g).kept[1][0].tolist() == [1]


def test_ties_first_action_and_all_profiles():
    g = ExtensiveGame(Decision(0, "a", ("l", "r"), (
        Decision(1, "b", ("x", "y"), (Terminal([1, 0]), Terminal([2, 0]))), Terminal([1.5, 0]),
    )))
    all_spe = subgame_perfect_equilibria(g)
    assert [(s.actions[0].tolist(), s.actions[1].tolist()) for s in all_spe] == [([1], [0]), ([0], [1])]
    first = backward_induction(g)
    assert first.actions[1].tolist() == [0] and first.actions[0].tolist() == [1]
    with pytest.raises(SolverError, match="more than 1 pure"):
        subgame_perfect_equilibria(g, limit=1)


def test_backward_induction_refuses_imperfect_information():
    with pytest.raises(SolverError, match="perfect information.*'after beer'"):
        backward_induction(signalling_game())


def test_centipede_unravels():
    node = Terminal([8, 4])
    for k, (take, player) in enumerate([([4, 8], 1), ([4, 2], 0), ([1, 4], 1), ([2, 1], 0)]):
        node = Decision(player, f"move {4 - k}", ("take", "pass"), (Terminal(take), node))
    spe = backward_induction(ExtensiveGame(node))
    assert spe.actions[0].tolist() == [0, 0] and spe.actions[1].tolist() == [0, 0]
    np.testing.assert_array_equal(spe.payoffs, [2, 1])


def test_perfect_information_agrees_with_pygambit(tmp_path):
    gbt = pytest.importorskip("pygambit")
    rng = np.random.default_rng(20251019)
    for k in range(60):
        g = perfect_tree(rng)
        [spe] = subgame_perfect_equilibria(g)  # generic payoffs: exactly one
        assert spe.actions[0].tolist() == backward_induction(g).actions[0].tolist()
        form = reduced_strategic_form(g)
        x, y = (behavior_to_mixed(g, p, spe.behavior[p]) for p in (0, 1))
        verified(form.A, form.B, [(x, y)], method="backward induction")  # a Nash equilibrium
        np.testing.assert_allclose(x @ form.A @ y, spe.payoffs[0], atol=1e-9)
        write_efg(g, tmp_path / "p.efg")
        theirs = gbt.read_efg(str(tmp_path / "p.efg"))
        pure = [eq.as_behavior() for eq in gbt.nash.enumpure_solve(theirs).equilibria]
        assert any(_same_pure(g, theirs, spe, b) for b in pure), f"tree {k}"


def _same_pure(g, theirs, spe, b) -> bool:
    """Does pygambit's pure profile ``b`` take our actions wherever our players' own play reaches?"""
    for p, player in enumerate(theirs.players):
        infos = {h.label: h for h in player.infosets}
        plan = realization_plan(g, p, spe.behavior[p])
        for info, a in zip(g.infosets[p], spe.actions[p], strict=True):
            if plan[info.parent_sequence] > 0 and float(b[infos[info.key].actions[info.actions[a]]]) != 1.0:
                return False
    return True


# --------------------------------------------------------------------------- imperfect information


def _gambit_profiles(g, theirs, equilibria):
    """pygambit equilibria as (our-shaped behaviour profile, reached information sets)."""
    out = []
    for eq in equilibria:
        b = eq.as_behavior()
        prof, reached = [], []
        for p, player in enumerate(theirs.players):
            infos = {h.label: h for h in player.infosets}
            prof.append([np.array([float(b[a]) for a in infos[i.key].actions]) for i in g.infosets[p]])
            reached.append([float(b.infoset_prob(infos[i.key])) > 1e-9 for i in g.infosets[p]])
        out.append((prof, reached))
    return out


def _agree(a, b, reached) -> bool:
    return all(np.allclose(a[p][h], b[p][h], atol=1e-6) for p in (0, 1) for h in range(len(a[p])) if reached[p][h])


def test_imperfect_information_agrees_with_pygambit(tmp_path):
    gbt = pytest.importorskip("pygambit")
    rng = np.random.default_rng(7)
    mixed = 0
    for k in range(60):
        g = stage_tree(rng)
        ours = solve_extensive(g, prune=False)
        assert ours and all(e.sequentially_rational for e in ours)
        write_efg(g, tmp_path / "s.efg")
        theirs = gbt.read_efg(str(tmp_path / "s.efg"))
        found = list(gbt.nash.enummixed_solve(theirs, rational=False).equilibria)
        found += list(gbt.nash.lcp_solve(theirs, rational=False, use_strategic=True).equilibria)
        gambit = _gambit_profiles(g, theirs, found)
        for prof, reached in gambit:  # each of pygambit's is among ours
            assert any(_agree(prof, e.behavior, reached) for e in ours), f"tree {k}"
        for e in ours:  # and each of ours among pygambit's extreme equilibria
            reached = [e.assessment.infoset_prob[p] > 1e-9 for p in (0, 1)]
            assert any(_agree(prof, e.behavior, reached) for prof, _ in gambit), f"tree {k}"
        mixed += any(((b > 1e-6) & (b < 1 - 1e-6)).any() for e in ours for beh in e.behavior for b in beh)
    assert mixed >= 20  # the trees exercise mixed equilibria, not just pure ones


def test_beliefs_by_bayes_rule_in_beer_quiche():
    g = signalling_game()
    eqs = solve_extensive(g, prune=False)
    pooling_beer = [e for e in eqs if e.outcomes["strong beer peace"] > 0.89 and e.outcomes["weak beer peace"] > 0.09]
    assert pooling_beer
    a = pooling_beer[0].assessment
    after_beer = g.infoset_index(1, "after beer")
    np.testing.assert_allclose(a.beliefs[1][after_beer], [0.9, 0.1])  # pooled: the prior
    np.testing.assert_allclose(a.action_values[1][after_beer], [0.1, 0.9])  # duel pays only against weak
    assert np.isnan(a.beliefs[1][g.infoset_index(1, "after quiche")]).all()  # off the path
    assert a.sequentially_rational
    text = describe(g, pooling_beer[0].behavior, defined=pooling_beer[0].defined)
    assert "after beer [reached 1.000]" in text and "expected payoffs" in text


def test_assess_flags_a_profile_that_is_not_sequentially_rational():
    g = signalling_game()
    beer = np.array([1.0, 0.0])
    duel = np.array([1.0, 0.0])
    a = assess(g, ((beer, beer), (duel, duel)))  # dueling a sender who is strong w.p. 0.9
    assert not a.sequentially_rational
    np.testing.assert_allclose(a.regret[1][g.infoset_index(1, "after beer")], 0.8)
