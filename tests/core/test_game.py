"""The field's vocabulary on Game: best responses, regret, the Nash test, dominance."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import games
from hypothesis import given, settings

from negsim import Game, solve
from negsim.equilibrium import regrets
from negsim.game import dominated_actions, iterated_elimination

PENNIES = Game(np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]]))
HALF = np.array([0.5, 0.5])


def test_matching_pennies_uniform_profile_is_the_only_nash():
    assert PENNIES.is_nash(HALF, HALF)
    assert not PENNIES.is_nash(np.array([1.0, 0.0]), HALF)
    np.testing.assert_allclose(PENNIES.regret(np.array([1.0, 0.0]), np.array([1.0, 0.0])), [0.0, 2.0])


def test_best_response_of_each_player():
    A = np.array([[3.0, 0.0], [5.0, 1.0]])  # prisoner's dilemma, row player
    pd = Game(A, A.T)
    assert pd.best_response(0, np.array([1.0, 0.0])).tolist() == [1]
    assert pd.best_response(1, np.array([0.0, 1.0])).tolist() == [1]
    assert PENNIES.best_response(0, HALF).tolist() == [0, 1]  # indifferent: both are best
    rows, cols = pd.best_responses(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert rows.tolist() == [1] and cols.tolist() == [1]


@settings(max_examples=40, deadline=None)
@given(games(max_size=4))
def test_every_solved_equilibrium_passes_is_nash_and_matches_the_batched_regret(AB):
    A, B = AB
    game = Game(A, B)
    for eq in solve(game):
        x, y = eq.strategies
        assert game.is_nash(x, y)
        np.testing.assert_array_equal(game.regret(x, y), regrets(A, B, x, y))


def test_a_pure_profile_with_a_profitable_deviation_is_not_nash():
    A = np.array([[3.0, 0.0], [5.0, 1.0]])
    pd = Game(A, A.T)
    cooperate = np.array([1.0, 0.0])
    assert not pd.is_nash(cooperate, cooperate)
    assert pd.regret(cooperate, cooperate).tolist() == [2.0, 2.0]


def test_dominated_actions_on_the_game_and_as_a_function_agree():
    A = np.array([[3.0, 0.0], [5.0, 1.0]])
    pd = Game(A, A.T)
    found = pd.dominated_actions()
    assert [(d.player, d.action, d.strict, d.by_pure) for d in found] == [(0, 0, True, True), (1, 0, True, True)]
    assert [(d.player, d.action) for d in dominated_actions(pd)] == [(0, 0), (1, 0)]
    survivors, steps = iterated_elimination(pd)
    assert survivors == [[1], [1]] and steps == [(1, 0, 0), (1, 1, 0)]


def test_is_nash_tolerance_is_relative_to_the_payoff_range():
    scaled = Game(PENNIES.A * 1e6, PENNIES.B * 1e6)
    near = np.array([0.5 + 1e-16, 0.5 - 1e-16])
    assert scaled.is_nash(near, HALF)
    with pytest.raises(ValueError):
        Game(PENNIES.A, PENNIES.B).regret(np.array([1.0, 0.0, 0.0]), HALF)
