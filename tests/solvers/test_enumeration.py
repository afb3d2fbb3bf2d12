"""All extreme equilibria: oracle tests against pygambit, closed forms, batch = single."""

from __future__ import annotations

import warnings

import nashpy
import numpy as np
import pytest
from conftest import gambit_equilibria, games, profile_set, random_game
from hypothesis import given, settings

from negsim import Game, solve, solve_batch
from negsim.errors import SolverError
from negsim.solvers.enumeration import extreme_equilibria
from negsim.solvers.polytopes import search_vertices, tableau, unit_rescale


def naive_regret(A, B, x, y):
    """Regret by explicit loops over pure deviations (independent of negsim.equilibrium)."""
    value_row = sum(x[i] * A[i, j] * y[j] for i in range(len(x)) for j in range(len(y)))
    value_col = sum(x[i] * B[i, j] * y[j] for i in range(len(x)) for j in range(len(y)))
    best_row = max(sum(A[i, j] * y[j] for j in range(len(y))) for i in range(len(x)))
    best_col = max(sum(x[i] * B[i, j] for i in range(len(x))) for j in range(len(y)))
    return best_row - value_row, best_col - value_col


def test_oracle_pygambit_on_240_random_games_a_third_degenerate():
    rng = np.random.default_rng(20251029)
    checked = degenerate_seen = 0
    for t in range(240):
        m, n = rng.integers(2, 6, size=2)
        degenerate = t % 3 == 0
        A, B = random_game(rng, m, n, degenerate)
        ours = extreme_equilibria(A, B)
        theirs = gambit_equilibria(A, B)
        assert profile_set(ours) == profile_set(theirs), (A, B)
        assert len(ours) == len(profile_set(ours)), "negsim must not list an equilibrium twice"
        checked += 1
        degenerate_seen += degenerate and len(ours) > 1
    assert checked == 240 and degenerate_seen > 20


def test_nashpy_misses_what_enumeration_finds_on_a_degenerate_game():
    # Column player indifferent everywhere: a continuum of equilibria with extreme points.
    A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    B = np.zeros((3, 2))
    ours = profile_set(extreme_equilibria(A, B))
    assert ours == profile_set(gambit_equilibria(A, B))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nash = profile_set(list(nashpy.Game(A, B).support_enumeration()))
    assert nash < ours  # nashpy finds a strict subset


def test_constant_game_has_every_pure_profile_as_extreme_equilibrium():
    eqs = solve(Game(np.zeros((3, 4)), np.zeros((3, 4))))
    assert len(eqs) == 12 and all(e.is_pure for e in eqs)


@settings(max_examples=60, deadline=None)
@given(games(min_size=2, max_size=2, small_ints=False))
def test_2x2_fully_mixed_equilibrium_matches_closed_form(game):
    A, B = game
    # Make the game cyclic (no pure equilibrium) so the unique equilibrium is fully mixed.
    A, B = A.copy(), B.copy()
    A[0, 0], A[1, 0] = max(A[0, 0], A[1, 0]) + 1.0, min(A[0, 0], A[1, 0])
    A[1, 1], A[0, 1] = max(A[1, 1], A[0, 1]) + 1.0, min(A[1, 1], A[0, 1])
    B[0, 1], B[0, 0] = max(B[0, 1], B[0, 0]) + 1.0, min(B[0, 1], B[0, 0])
    B[1, 0], B[1, 1] = max(B[1, 0], B[1, 1]) + 1.0, min(B[1, 0], B[1, 1])
    p = (B[1, 1] - B[1, 0]) / (B[0, 0] - B[1, 0] - B[0, 1] + B[1, 1])  # P(row 0)
    q = (A[1, 1] - A[0, 1]) / (A[0, 0] - A[0, 1] - A[1, 0] + A[1, 1])  # P(col 0)
    (eq,) = solve(Game(A, B))
    x, y = eq.strategies
    np.testing.assert_allclose(x, [p, 1 - p], atol=1e-9)
    np.testing.assert_allclose(y, [q, 1 - q], atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(games(max_size=4))
def test_every_equilibrium_has_small_regret_and_is_a_probability_vector(game):
    A, B = game
    scale = max(np.ptp(A), np.ptp(B), 1.0)
    eqs = solve(Game(A, B), method="enumerate")
    assert eqs, "every finite game has an equilibrium"
    for eq in eqs:
        x, y = eq.strategies
        assert np.all(x >= 0) and np.all(y >= 0)
        assert abs(x.sum() - 1) < 1e-12 and abs(y.sum() - 1) < 1e-12
        r_row, r_col = naive_regret(A, B, x, y)
        assert r_row <= 1e-8 * scale and r_col <= 1e-8 * scale
    pure = profile_set(e.strategies for e in solve(Game(A, B), method="pure"))
    assert pure <= profile_set(e.strategies for e in eqs), "pure equilibria are extreme"


@settings(max_examples=40, deadline=None)
@given(games(min_size=3, max_size=3))
def test_other_methods_return_equilibria_within_the_enumerated_set(game):
    A, B = game
    full = profile_set(e.strategies for e in solve(Game(A, B)))
    for method in ("support", "lemke_howson"):
        for eq in solve(Game(A, B), method=method):
            r = naive_regret(A, B, *eq.strategies)
            assert max(r) <= 1e-8 * max(np.ptp(A), np.ptp(B), 1.0)
            if method == "lemke_howson":
                assert profile_set([eq.strategies]) <= full


def test_batch_returns_the_same_sets_as_the_single_game_path():
    rng = np.random.default_rng(7)
    A = rng.integers(-2, 3, size=(6, 50, 3, 3)).astype(float)
    B = rng.integers(-2, 3, size=(6, 50, 3, 3)).astype(float)
    A[1] = rng.normal(size=(50, 3, 3))
    batch = solve_batch(A, B, chunk_games=37)
    assert batch.counts.shape == (6, 50)
    for idx in np.ndindex(6, 50):
        single = profile_set(e.strategies for e in solve(Game(A[idx], B[idx])))
        assert profile_set(e.strategies for e in batch.for_game(idx)) == single
    pure = solve_batch(A, B, method="pure")
    for idx in [(0, 0), (3, 17), (5, 49)]:
        assert profile_set(e.strategies for e in pure.for_game(idx)) == profile_set(
            e.strategies for e in solve(Game(A[idx], B[idx]), method="pure")
        )


def test_unknown_solver_and_bad_batches_are_clear_errors():
    with pytest.raises(SolverError, match="unknown solver 'simplex'"):
        solve(Game(np.eye(2), np.eye(2)), method="simplex")
    with pytest.raises(SolverError, match="share a shape"):
        solve_batch(np.zeros((4, 2, 2)), np.zeros((4, 2, 3)))
    with pytest.raises(SolverError, match="NaN"):
        solve_batch(np.full((1, 2, 2), np.nan), np.zeros((1, 2, 2)))
    with pytest.raises(SolverError, match="unknown solver 'qre'"):
        solve_batch(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), method="qre")


def test_games_beyond_the_enumeration_limits_are_refused_clearly():
    with pytest.raises(SolverError, match="63 labels|65 labels"):
        solve(Game(np.zeros((2, 63)), np.zeros((2, 63))))
    T = tableau(unit_rescale(np.random.default_rng(0).normal(size=(1, 5, 5))), slack_first=True)
    with pytest.raises(SolverError, match=r"^vertex search: a best-response polytope has more than 4 vertices \(bases visited\); "
                                          r"use method='lemke_howson'"):
        search_vertices(T, np.arange(5, 10), max_vertices=4)


def test_games_that_enumerating_bases_could_not_afford_are_solved():
    # 9x9 has C(18, 9) = 48620 bases per polytope; a constant game has every pure profile.
    eqs = solve(Game(np.zeros((9, 9)), np.zeros((9, 9))))
    assert len(eqs) == 81 and all(e.is_pure for e in eqs)


@pytest.mark.parametrize(("size", "values", "count"), [(6, 3, 20), (8, 2, 6), (10, 5, 3)])
def test_vertex_search_matches_pygambit_on_larger_degenerate_games(size, values, count):
    # Small integer payoffs: many ties, degenerate vertices, and singular bases next to
    # the feasible ones (a singular basis once gave a garbage vertex; it is now refused).
    rng = np.random.default_rng(size)
    for _ in range(count):
        A, B = (rng.integers(0, values, (size, size)).astype(float) for _ in "AB")
        ours = extreme_equilibria(A, B)
        assert profile_set(ours) == profile_set(gambit_equilibria(A, B)), (A, B)
        assert len(ours) == len(profile_set(ours))


@settings(max_examples=80, deadline=None)
@given(games(min_size=1, max_size=3))
def test_both_vertex_paths_give_the_same_equilibria(game):
    from negsim.solvers.enumeration import extreme_equilibria_batch

    A, B = game
    found = [extreme_equilibria_batch(A[None], B[None], path) for path in ("supports", "search")]
    assert [len(f[0]) for f in found] == [len(found[0][0])] * 2
    np.testing.assert_allclose(found[0][1], found[1][1], atol=1e-12)
    np.testing.assert_allclose(found[0][2], found[1][2], atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(games(min_size=1, max_size=3))
def test_the_single_small_game_path_gives_the_batch_paths_equilibria(game):
    from negsim.solvers.enumeration import extreme_equilibria_batch
    from negsim.solvers.small_games import extreme_equilibria_small

    A, B = game
    small = extreme_equilibria_small(A, B)
    _, x, y = extreme_equilibria_batch(A[None], B[None])
    assert len(small) == len(x)
    np.testing.assert_allclose(np.array([p[0] for p in small]).reshape(x.shape), x, atol=1e-12)
    np.testing.assert_allclose(np.array([p[1] for p in small]).reshape(y.shape), y, atol=1e-12)
