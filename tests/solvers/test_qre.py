"""Logit QRE: closed forms, fixed-point residuals, turning points, pygambit as the oracle."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import games
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, softmax

from negsim.equilibrium import regrets
from negsim.errors import SolverError
from negsim.solvers.qre import DEFAULT_NU_MAX, QREPath, logit_limit, qre_at, qre_path

MATCHING_PENNIES = np.array([[1.0, -1.0], [-1.0, 1.0]])

# A 3x3 game whose principal branch has turning points, found by random search over
# integer payoffs 0..9 (seed 11) and confirmed with pygambit's logit_solve_branch: lambda
# rises to 3.31, the branch bends back down to lambda = 0.81 while play moves from
# row 2 towards row 3, then lambda rises again to the pure equilibrium (row 3, column 3).
FOLD_A = np.array([[4.0, 2.0, 1.0], [5.0, 4.0, 2.0], [1.0, 3.0, 7.0]])
FOLD_B = np.array([[9.0, 9.0, 1.0], [7.0, 4.0, 7.0], [1.0, 0.0, 3.0]])
# First passage of that branch through lambda = 2, by pygambit 16.7's logit_solve_lambda.
FOLD_AT_2 = (
    np.array([0.11789321212211444, 0.8788142017559755, 0.003292586121910244]),
    np.array([0.8630074767277454, 0.004397134030033296, 0.13259538924222133]),
)


def fixed_point_residual(A, B, lam, x, y) -> float:
    """Largest violation of x = softmax(lam A y), y = softmax(lam B^T x), in probability."""
    return max(
        np.abs(x - softmax(lam * (A @ y))).max(), np.abs(y - softmax(lam * (B.T @ x))).max()
    )


def payoff_range(A, B) -> float:
    """Largest max - min of either player's payoffs (1 for a constant game, as in qre)."""
    return max(np.ptp(A), np.ptp(B)) or 1.0


def gambit_profile(game, profile):
    return tuple(np.array([float(profile[s]) for s in p.strategies]) for p in game.players)


def test_lambda_zero_is_uniform_play():
    A, B = np.random.default_rng(1).normal(size=(2, 3, 4))
    x, y = qre_at(A, B, 0.0)
    np.testing.assert_array_equal(x, np.full(3, 1 / 3))
    np.testing.assert_array_equal(y, np.full(4, 1 / 4))
    path = qre_path(A, B)
    assert path.lam[0] == 0.0
    np.testing.assert_allclose(path.x[0], 1 / 3, atol=1e-15)
    np.testing.assert_allclose(path.y[0], 1 / 4, atol=1e-15)


def test_matching_pennies_is_one_half_at_every_lambda_on_the_path():
    path = qre_path(MATCHING_PENNIES, -MATCHING_PENNIES)
    assert len(path.lam) > 5 and np.all(np.diff(path.lam) > 0)
    assert path.lam[-1] == pytest.approx(DEFAULT_NU_MAX / 2)
    np.testing.assert_allclose(path.x, 0.5, atol=1e-9)
    np.testing.assert_allclose(path.y, 0.5, atol=1e-9)
    for lam in (0.3, 7.0, 1e3):
        for p in qre_at(MATCHING_PENNIES, -MATCHING_PENNIES, lam):
            np.testing.assert_allclose(p, 0.5, atol=1e-9)


@pytest.mark.parametrize("c", [0.25, 1.5, 4.0])
def test_dominant_action_gaining_c_has_logit_probability(c):
    # Prisoner's dilemma shape: defecting (action 1) gains c against either action.
    A = np.array([[3.0, 0.0], [3.0 + c, c]])
    for lam in (0.05, 0.4, 1.0, 2.5, 6.0):
        x, y = qre_at(A, A.T, lam)
        assert x[1] == pytest.approx(expit(lam * c), abs=1e-9)
        assert y[1] == pytest.approx(expit(lam * c), abs=1e-9)
    path = qre_path(A, A.T, lam_max=40.0)
    np.testing.assert_allclose(path.x[:, 1], expit(path.lam * c), atol=1e-9)


def test_dominance_closed_form_holds_whatever_the_opponent_plays():
    B = np.array([[2.0, -1.0, 0.5], [-3.0, 4.0, 1.0]])
    A = np.array([[0.0, 1.0, -2.0], [0.7, 1.7, -1.3]])  # row 1 gains 0.7 everywhere
    path = qre_path(A, B)
    np.testing.assert_allclose(path.x[:, 1], expit(0.7 * path.lam), atol=1e-9)
    # The column player's response is then the closed-form softmax as well.
    expected_y = softmax(path.lam[:, None] * (path.x @ B), axis=1)
    np.testing.assert_allclose(path.y, expected_y, atol=1e-9)


def test_one_row_game_is_the_column_players_softmax():
    B = np.array([[1.0, 3.0, -2.0, 0.0]])
    path = qre_path(np.zeros((1, 4)), B)
    np.testing.assert_allclose(path.y, softmax(path.lam[:, None] * B, axis=1), atol=1e-12)
    np.testing.assert_array_equal(path.x, 1.0)


@pytest.mark.parametrize(
    "A, B",
    [
        (FOLD_A, FOLD_B),
        (MATCHING_PENNIES, -MATCHING_PENNIES),
        tuple(np.random.default_rng(5).normal(size=(2, 4, 3)) * 50.0),
        tuple(np.random.default_rng(6).integers(-2, 3, size=(2, 4, 4)).astype(float)),
    ],
)
def test_fixed_point_residual_along_the_path_is_tiny(A, B):
    path = qre_path(A, B)
    residual = max(fixed_point_residual(A, B, *p) for p in zip(path.lam, path.x, path.y, strict=True))
    assert residual < 1e-10


def test_turning_point_is_followed_past_the_turn():
    path = qre_path(FOLD_A, FOLD_B)
    turn = int(np.argmax(np.diff(path.lam) < 0))
    assert turn > 0, "the branch must bend back in lambda"
    lam_top = path.lam[: turn + 1].max()
    back = int(np.argmax(path.lam[turn:] > lam_top)) + turn  # first point beyond the turn
    lam_bottom = path.lam[turn:back].min()
    assert lam_top == pytest.approx(3.31, abs=0.02) and lam_bottom == pytest.approx(0.81, abs=0.01)
    # Followed, not jumped: consecutive points stay close while play changes most.
    jumps = np.abs(np.diff(path.x, axis=0)).sum(1) + np.abs(np.diff(path.y, axis=0)).sum(1)
    assert jumps.max() < 0.3
    assert path.x[turn, 1] > 0.9 and path.x[back, 2] > 0.9  # row 2 before the fold, row 3 after
    np.testing.assert_allclose(path.final[0], [0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(path.final[1], [0, 0, 1], atol=1e-12)
    assert path.lam[-1] == pytest.approx(DEFAULT_NU_MAX / 9)  # payoff range 9


def test_qre_at_returns_the_first_passage_where_the_branch_folds():
    x, y = qre_at(FOLD_A, FOLD_B, 2.0)
    np.testing.assert_allclose(x, FOLD_AT_2[0], atol=1e-8)
    np.testing.assert_allclose(y, FOLD_AT_2[1], atol=1e-8)


def test_qre_at_finds_a_first_passage_that_peaks_between_path_points():
    # Just above the highest sampled point of the fold, below the branch's true peak:
    # the crossing lies inside one step, caught by interpolating lambda along the step.
    path = qre_path(FOLD_A, FOLD_B, lam_max=5.0)
    lam = path.lam[: int(np.argmax(np.diff(path.lam) < 0)) + 1].max() + 5e-7
    for x, y in (qre_at(FOLD_A, FOLD_B, lam), qre_at(FOLD_A, FOLD_B, lam, start=path)):
        assert x[1] > 0.9  # still on the rise towards row 2, not the later passage at row 3
        assert fixed_point_residual(FOLD_A, FOLD_B, lam, x, y) < 1e-10


def test_qre_at_reuses_a_path_within_and_beyond_it():
    path = qre_path(FOLD_A, FOLD_B, lam_max=3.0)
    for lam in (0.5, 2.0, 2.9999, 3.0, 5.0, 40.0):
        fresh, reused = qre_at(FOLD_A, FOLD_B, lam), qre_at(FOLD_A, FOLD_B, lam, start=path)
        for a, b in zip(fresh, reused, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-9)
        assert fixed_point_residual(FOLD_A, FOLD_B, lam, *reused) < 1e-10


def test_lambda_is_in_inverse_payoff_units():
    A, B = np.random.default_rng(2).normal(size=(2, 3, 3))
    x, y = qre_at(A, B, 1.3)
    x2, y2 = qre_at(10.0 * A + 4.0, 10.0 * B - 7.0, 0.13)
    np.testing.assert_allclose(x, x2, atol=1e-10)
    np.testing.assert_allclose(y, y2, atol=1e-10)
    assert qre_path(10.0 * A, 10.0 * B).lam[-1] == pytest.approx(qre_path(A, B).lam[-1] / 10.0)


def test_path_is_read_only_and_frozen():
    path = qre_path(MATCHING_PENNIES, -MATCHING_PENNIES, lam_max=2.0)
    assert isinstance(path, QREPath)
    for arr in (path.lam, path.x, path.y):
        assert not arr.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        path.lam = np.zeros(3)  # type: ignore[misc]
    assert path.x.shape == (len(path.lam), 2) and path.y.shape == (len(path.lam), 2)


def test_bad_requests_raise_solver_error():
    A, B = np.random.default_rng(3).normal(size=(2, 3, 3))
    with pytest.raises(SolverError, match="lam"):
        qre_at(A, B, -1.0)
    with pytest.raises(SolverError, match="lam_max"):
        qre_path(A, B, lam_max=0.0)
    with pytest.raises(SolverError, match="max_steps=3"):
        qre_path(A, B, max_steps=3)
    with pytest.raises(SolverError, match="not a logit QRE path of this game"):
        qre_at(A, B, 50.0, start=qre_path(A + np.eye(3), B, lam_max=100.0))


@settings(max_examples=30, deadline=None)
@given(games(min_size=2, max_size=4))
def test_every_path_point_is_a_probability_fixed_point_with_bounded_regret(game):
    A, B = game
    path = qre_path(A, B)
    assert path.lam[0] == 0 and path.lam[-1] == pytest.approx(DEFAULT_NU_MAX / payoff_range(A, B))
    assert np.all(path.lam >= 0)
    for p in (path.x, path.y):
        assert np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0, atol=1e-12, rtol=0)
    for lam, x, y in zip(path.lam, path.x, path.y, strict=True):
        assert fixed_point_residual(A, B, lam, x, y) < 1e-9
        # x = softmax(lam u) maximises x.u + entropy(x)/lam, so regret <= log(k)/lam.
        if lam > 0:
            bound = np.log([A.shape[0], A.shape[1]]) / lam
            assert np.all(regrets(A, B, x, y) <= bound + 1e-9 * payoff_range(A, B))


@settings(max_examples=25, deadline=None)
@given(games(min_size=2, max_size=4), st.data())
def test_logit_limit_has_small_regret_with_a_strict_pure_equilibrium(game, data):
    A, B = (M.copy() for M in game)
    m, n = A.shape
    i, j = data.draw(st.integers(0, m - 1)), data.draw(st.integers(0, n - 1))
    A[i, j] = A[:, j].max() + data.draw(st.floats(0.1, 10))
    B[i, j] = B[i, :].max() + data.draw(st.floats(0.1, 10))
    x, y = logit_limit(A, B)
    assert np.all(regrets(A, B, x, y) <= (np.log(max(m, n)) / DEFAULT_NU_MAX + 1e-9) * payoff_range(A, B))


def test_logit_limit_matches_pygambit_logit_solve_on_random_3x3_games():
    gbt = pytest.importorskip("pygambit")
    rng = np.random.default_rng(20251129)
    mixed_limits = 0
    for _ in range(20):
        A, B = rng.normal(size=(2, 3, 3))
        game = gbt.Game.from_arrays(A, B)
        theirs = gambit_profile(game, gbt.nash.logit_solve(game).equilibria[0])
        ours = logit_limit(A, B)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-3)
        mixed_limits += max(ours[0].max(), ours[1].max()) < 1 - 1e-6
    assert mixed_limits >= 2  # the comparison covers mixed limits, not only pure ones


def test_qre_at_matches_pygambit_logit_solve_lambda_including_the_fold():
    gbt = pytest.importorskip("pygambit")
    rng = np.random.default_rng(7)
    cases = [(FOLD_A, FOLD_B)] + [tuple(rng.normal(size=(2, 3, 3))) for _ in range(3)]
    lams = [0.2, 0.9, 1.5, 2.0, 3.0, 6.0]
    for A, B in cases:
        game = gbt.Game.from_arrays(A, B)
        path = qre_path(A, B, lam_max=10.0)
        for lam, qre in zip(lams, gbt.qre.logit_solve_lambda(game, lams), strict=True):
            theirs = gambit_profile(game, qre.profile)
            for a, b in zip(qre_at(A, B, lam, start=path), theirs, strict=True):
                np.testing.assert_allclose(a, b, atol=1e-6)
