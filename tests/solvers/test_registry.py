"""Every solver method and every selection rule, run by name on games with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import profile_set
from hypothesis import given, settings
from hypothesis import strategies as st

from negsim import SOLVERS, Game, select, solve
from negsim.solvers.selection import SELECTION_RULES

#: Battle of the sexes: two pure equilibria and one mixed, x = (2/3, 1/3), y = (1/3, 2/3).
BOS = Game(np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]]))
PURE = {(1.0, 0.0, 1.0, 0.0), (0.0, 1.0, 0.0, 1.0)}
MIXED = {tuple(np.round([2 / 3, 1 / 3, 1 / 3, 2 / 3], 7))}
ALL = PURE | MIXED

#: What each method must return on BOS (a new method must say what it finds here).
EXPECTED = {
    "enumerate": lambda found: found == ALL,
    "support": lambda found: found == ALL,
    "vertex": lambda found: found == ALL,
    "pure": lambda found: found == PURE,
    "lemke_howson": lambda found: found and found <= ALL,
    "qre": lambda found: len(found) == 1 and found <= ALL,
}


def test_every_registered_solver_has_a_test_here():
    assert set(EXPECTED) == set(SOLVERS)


@pytest.mark.parametrize("method", sorted(SOLVERS))
def test_each_method_by_name_returns_checked_equilibria_of_the_battle_of_the_sexes(method):
    equilibria = solve(BOS, method)
    found = profile_set([e.strategies for e in equilibria])
    assert len(found) == len(equilibria)  # no duplicates
    assert EXPECTED[method](found), (method, found)
    for e in equilibria:
        assert BOS.is_nash(*e.strategies) and e.regret.max() <= 1e-12


def test_qre_returns_the_equilibrium_the_logit_rule_selects():
    (eq,) = solve(BOS, "qre")
    every = solve(BOS, "enumerate")
    chosen = every[select(BOS, every, "logit_limit")]
    np.testing.assert_allclose(np.concatenate(eq.strategies), np.concatenate(chosen.strategies), atol=1e-12)


#: Stag hunt: (stag, stag) is payoff dominant (welfare 8), (hare, hare) risk dominant.
STAG = np.array([[4.0, 0.0], [3.0, 3.0]])
STAG_HUNT = Game(STAG, STAG.T, actions=(("stag", "hare"), ("stag", "hare")))


def test_every_selection_rule_has_a_test_here():
    assert set(SELECTION_RULES) == {"logit_limit", "welfare"}


@pytest.mark.parametrize("rule, action", [("welfare", "stag"), ("logit_limit", "hare"), ("qre", "hare")])
def test_selection_rules_on_the_stag_hunt(rule, action):
    equilibria = solve(STAG_HUNT)
    assert len(equilibria) == 3
    x, y = equilibria[select(STAG_HUNT, equilibria, rule)].strategies
    k = STAG_HUNT.actions[0].index(action)
    assert x[k] == 1.0 and y[k] == 1.0


@pytest.mark.parametrize("method", ["support", "vertex"])
def test_nashpy_methods_refuse_games_too_large_to_search(method):
    from negsim.errors import SolverError

    big = Game(np.arange(256.0).reshape(16, 16), np.arange(256.0).reshape(16, 16).T)
    count = "4,294,836,225" if method == "support" else "601,080,390"
    with pytest.raises(SolverError, match=rf"^{method}: a 16x16 game has up to {count} candidate supports, "
                                          r"more than 200,000; use method='enumerate' \(complete, and faster\)$"):
        solve(big, method)


@pytest.mark.parametrize("shape", [(1, 40), (40, 1), (2, 30)])
def test_support_enumeration_refuses_the_games_it_would_search_without_end(shape):
    """nashpy tries every pair of non-empty supports: 2^40 of them for a 1x40 game."""
    from negsim.errors import SolverError

    rng = np.random.default_rng(0)
    game = Game(rng.normal(size=shape), rng.normal(size=shape))
    with pytest.raises(SolverError, match=r"^support: a \d+x\d+ game has up to [0-9,]+ candidate supports, more than "):
        solve(game, "support")
    assert len(solve(game, "enumerate")) >= 1


@pytest.mark.parametrize("A, shape", [(np.ones((3, 3)), "3x3 game with constant payoffs"), (np.arange(3.0)[None], "1x3 game")])
def test_vertex_enumeration_refuses_in_one_line_what_nashpy_cannot_take(A, shape):
    from negsim.errors import SolverError

    with pytest.raises(SolverError, match=rf"^vertex: nashpy's vertex enumeration needs two actions per player and "
                                          rf"payoffs that are not constant, got a {shape}; use method='enumerate'$"):
        solve(Game(A, A), "vertex")


def test_batch_enumeration_chunks_to_fit_memory_and_refuses_a_game_that_cannot():
    from negsim.errors import SolverError
    from negsim.solvers import _fitting_chunk

    assert _fitting_chunk("enumerate", 3, 3, 20_000, limit=2**30) == 20_000  # 3x3: 20 small systems
    # 10x10: at most 4004 vertices per polytope (upper bound theorem), 384 bytes each.
    assert _fitting_chunk("enumerate", 10, 10, 20_000, limit=2**30) == 2**29 // (2 * 8 * 24 * 4004)
    with pytest.raises(SolverError, match=r"^enumerate: one 30x30 game needs about 1\.0 GiB of memory, more than half "
                                          r"the 1\.0 GiB available; use method='lemke_howson'"):
        _fitting_chunk("enumerate", 30, 30, 20_000, limit=2**30)


def test_a_chunked_batch_gives_the_same_equilibria_as_one_pass():
    from negsim import solve_batch

    rng = np.random.default_rng(3)
    A, B = rng.integers(-2, 3, size=(2, 40, 3, 3)).astype(float)
    whole, chunked = solve_batch(A, B), solve_batch(A, B, chunk_games=7)
    np.testing.assert_array_equal(whole.game, chunked.game)
    np.testing.assert_array_equal(whole.x, chunked.x)
    np.testing.assert_array_equal(whole.y, chunked.y)


@given(st.integers(0, 10_000), st.floats(0.05, 20.0))
@settings(max_examples=60, deadline=None)
def test_the_logit_limit_pick_does_not_depend_on_one_players_payoff_unit(seed, unit):
    """Rescaling one player's payoffs (another unit) never changes the equilibrium picked
    (generic games: in degenerate ones the limit can sit at a tie, which the QRE
    prediction at a finite precision avoids)."""
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(2, 3, 3))
    game, rescaled = Game(A, B), Game(A, unit * B)
    eqs, eqs2 = solve(game), solve(rescaled)
    assert len(eqs) == len(eqs2)
    if len(eqs) < 2:
        return
    x, y = eqs[select(game, eqs, "logit_limit")].strategies
    x2, y2 = eqs2[select(rescaled, eqs2, "logit_limit")].strategies
    np.testing.assert_allclose(np.concatenate([x, y]), np.concatenate([x2, y2]), atol=1e-9)
