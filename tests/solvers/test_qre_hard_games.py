"""Logit QRE on hard games, with pygambit's ``logit_solve`` as the oracle.

One huge negative payoff (nashpy issue 35 and a family around it), payoff scales from
``1e-12`` to ``1e12``, degenerate games (repeated actions, constant payoffs, one-action
players, symmetric games) and random games of every size up to 5x5.

pygambit counts as having finished where its end point meets its own stopping rule
(regret below ``1e-8`` of the range of all payoffs). It does not always: it can stop at a
bifurcation point (it then returns the last point anyway), and where it detects one it
perturbs the equations and may continue on another branch than the principal one, so
degenerate games are checked by closed forms and symmetry rather than against it.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import games
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax

from negsim.equilibrium import regrets
from negsim.errors import SolverError
from negsim.solvers.qre import DEFAULT_NU_MAX, QREPathError, logit_limit, qre_at, qre_path

# nashpy issue 35: the last action of each player costs 1e4 against the other's last one.
ISSUE_35 = np.array([[-1.0, -1.0, -1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1e4]])
# Distance of the end point at nu = 1e5 to the limit on random generic games: the module
# docstring's figure (largest seen 5e-4 on 300 random games of sizes 2x2 to 5x5).
LIMIT_ATOL = 1e-3
# pygambit's own path points are accurate to about 1e-5 (largest seen 1e-5; on a 1x3 game,
# whose QRE is the closed-form softmax, it was 2.5e-6 off where negsim was exact).
SAME_LAMBDA_ATOL = 1e-5


def payoff_range(A, B) -> float:
    """Largest max - min of either player's payoffs (1 for a constant game), as in qre."""
    return max(np.ptp(A), np.ptp(B)) or 1.0


def fixed_point_residual(A, B, lam, x, y) -> float:
    """Largest violation of x = softmax(lam A y), y = softmax(lam B^T x), in probability."""
    return max(np.abs(x - softmax(lam * (A @ y))).max(), np.abs(y - softmax(lam * (B.T @ x))).max())


def path_residual(A, B, path) -> float:
    return max(fixed_point_residual(A, B, *p) for p in zip(path.lam, path.x, path.y, strict=True))


def end_regret_bound(A, B) -> float:
    """The documented regret bound at the default end, log(k) / nu_max of the payoff range."""
    return (np.log(max(A.shape)) / DEFAULT_NU_MAX + 1e-9) * payoff_range(A, B)


def _profile(game, profile) -> tuple[np.ndarray, ...]:
    return tuple(np.array([float(profile[s]) for s in p.strategies]) for p in game.players)


def gambit_logit_solve(A, B) -> tuple[np.ndarray, ...] | None:
    """pygambit's ``logit_solve`` end point, or None where it stopped short of its own rule."""
    gbt = pytest.importorskip("pygambit")
    game = gbt.Game.from_arrays(A, B)
    x, y = _profile(game, gbt.nash.logit_solve(game).equilibria[0])
    spread = max(A.max(), B.max()) - min(A.min(), B.min())
    return (x, y) if regrets(A, B, x, y).max() <= 1e-8 * (spread or 1.0) * (1 + 1e-6) else None


def gambit_qre_at(A, B, lams) -> list[tuple[np.ndarray, ...] | None]:
    """pygambit's first passage of the principal branch through each ``lam`` (None where
    its path stopped before reaching it)."""
    gbt = pytest.importorskip("pygambit")
    game = gbt.Game.from_arrays(A, B)
    found = gbt.qre.logit_solve_lambda(game, [float(lam) for lam in lams])
    return [
        _profile(game, q.profile) if abs(float(q.lam) - lam) <= 1e-9 * lam else None
        for lam, q in zip(lams, found, strict=True)
    ]


def assert_close(ours, theirs, atol, what=""):
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, atol=atol, rtol=0, err_msg=what)


def test_issue_35_game_reaches_the_end_next_to_pygambits_equilibrium():
    path = qre_path(ISSUE_35, ISSUE_35)
    assert path.lam[-1] == pytest.approx(DEFAULT_NU_MAX / 1e4)  # payoff range 1e4
    assert len(path.lam) < 200  # it used to give up after 10 000 steps at lambda = 3.19
    x, y = path.final
    theirs = gambit_logit_solve(ISSUE_35, ISSUE_35)
    assert theirs is not None
    # pygambit stops at lambda = 9.63 (x_1 = 6.6e-5), negsim at 10 (x_1 = 4.5e-5).
    assert_close((x, y), theirs, atol=5e-5)
    # Row 2 pays 0 against everything; against it the column player is indifferent, and
    # the branch keeps that player's play uniform.
    np.testing.assert_allclose(x, [0.0, 1.0, 0.0], atol=5e-5)
    np.testing.assert_allclose(y, 1 / 3, atol=1e-12)
    assert np.all(regrets(ISSUE_35, ISSUE_35, x, y) <= 5e-5)  # payoff units: 5e-9 of the range


def test_issue_35_path_stays_on_pygambits_branch_through_the_sharp_bend():
    # Near lambda = 8.4e-4 the branch bends sharply within about 0.05 of another branch of
    # QREs (x_3 and y_3 near 0.13 on both); a long step used to land on that one.
    path = qre_path(ISSUE_35, ISSUE_35)
    lams = [5e-4, 8.3e-4, 8.45e-4, 8.6e-4, 1e-3, 3e-3, 0.1, 1.0, 8.7, 9.5]
    for lam, theirs in zip(lams, gambit_qre_at(ISSUE_35, ISSUE_35, lams), strict=True):
        assert theirs is not None
        assert_close(qre_at(ISSUE_35, ISSUE_35, lam, start=path), theirs, SAME_LAMBDA_ATOL, f"lambda={lam}")


def huge_payoff_games(huge: float) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Games with one payoff ``huge`` in ``A``, in ``B`` or in both, at a corner, the far
    corner or a random cell; sizes 2x2 to 5x5; other payoffs in {-1, 0, 1} or normal."""
    rng = np.random.default_rng(35)
    cases = []
    for k, (m, n) in enumerate([(2, 2), (2, 5), (3, 3), (4, 4), (5, 3), (5, 5)]):
        for w, who in enumerate(("A", "B", "both")):
            if (k + w) % 2:
                A, B = rng.integers(-1, 2, size=(2, m, n)).astype(float)
            else:
                A, B = rng.normal(size=(2, m, n))
            i, j = [(0, 0), (m - 1, n - 1), (rng.integers(m), rng.integers(n))][(k + w) % 3]
            if who in ("A", "both"):
                A[i, j] = huge
            if who in ("B", "both"):
                B[i, j] = huge
            cases.append((f"{m}x{n} {who}[{i},{j}]", A, B))
    return cases


@pytest.mark.parametrize("huge", [-1e4, -1e6])
def test_one_huge_payoff_games_finish_on_pygambits_branch(huge):
    cases = huge_payoff_games(huge)
    compared = 0
    for name, A, B in cases:
        path = qre_path(A, B)
        assert path.lam[-1] == pytest.approx(DEFAULT_NU_MAX / payoff_range(A, B)), name
        # Vanished actions do not shorten the steps (they held some of these games to 400
        # to 700); the longest here fold back from nu = 2.8e4 to 23 and up again.
        assert len(path.lam) <= 300, name
        assert path_residual(A, B, path) < 1e-9, name
        assert np.all(regrets(A, B, *path.final) <= end_regret_bound(A, B)), name
        (theirs,) = gambit_qre_at(A, B, [path.lam[-1]])
        if theirs is not None:
            compared += 1
            assert_close(path.final, theirs, SAME_LAMBDA_ATOL, name)
    assert compared >= len(cases) - 2  # pygambit's path stops short on a few such games


@settings(max_examples=25, deadline=None)
@given(games(min_size=1, max_size=5), st.data())
def test_a_huge_payoff_anywhere_never_stops_the_path(game, data):
    A, B = (M.copy() for M in game)
    m, n = A.shape
    i, j = data.draw(st.integers(0, m - 1)), data.draw(st.integers(0, n - 1))
    huge = -(10.0 ** data.draw(st.floats(3, 6)))
    who = data.draw(st.sampled_from(["A", "B", "both"]))
    if who in ("A", "both"):
        A[i, j] = huge
    if who in ("B", "both"):
        B[i, j] = huge
    path = qre_path(A, B)
    assert path.lam[-1] == pytest.approx(DEFAULT_NU_MAX / payoff_range(A, B))
    assert path_residual(A, B, path) < 1e-9
    assert np.all(regrets(A, B, *path.final) <= end_regret_bound(A, B))


@pytest.mark.parametrize("spread", [1e-12, 1e-6, 1e6, 1e12])
def test_issue_35_game_has_the_same_limit_at_any_payoff_scale(spread):
    a = spread / 1e4
    x, y = logit_limit(ISSUE_35, ISSUE_35)
    xs, ys = logit_limit(a * ISSUE_35 + 7 * a, a * ISSUE_35 - 3 * a)
    np.testing.assert_allclose(xs, x, atol=1e-12)
    np.testing.assert_allclose(ys, y, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 5),
    st.integers(2, 5),  # 1x1 games are constant: lambda keeps its unit
    st.floats(-12, 12),
    st.floats(-10, 10),
    st.floats(-10, 10),
)
def test_logit_limit_is_unchanged_by_positive_affine_maps_of_the_payoffs(seed, m, n, exponent, b_row, b_col):
    # The path runs in nu = lambda * payoff range, so scaling every payoff by a > 0 and
    # shifting each player's by a constant changes only the unit of lambda.
    A, B = np.random.default_rng(seed).normal(size=(2, m, n))
    a = 10.0**exponent
    path, mapped = qre_path(A, B), qre_path(a * A + a * b_row, a * B + a * b_col)
    assert mapped.lam[-1] == pytest.approx(path.lam[-1] / a)
    assert_close(mapped.final, path.final, atol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_repeated_actions_get_equal_probability_and_match_pygambit(seed):
    A, B = np.random.default_rng(seed).normal(size=(2, 3, 3))
    A, B = (M[[0, 1, 2, 0]][:, [0, 1, 1, 2]] for M in (A, B))  # row 0 twice, column 1 twice
    path = qre_path(A, B)
    np.testing.assert_allclose(path.x[:, 0], path.x[:, 3], atol=1e-12)
    np.testing.assert_allclose(path.y[:, 1], path.y[:, 2], atol=1e-12)
    assert path_residual(A, B, path) < 1e-9
    theirs = gambit_logit_solve(A, B)
    assert theirs is not None
    assert_close(path.final, theirs, LIMIT_ATOL)


def test_a_player_with_constant_payoffs_plays_uniformly_and_the_other_responds():
    B = np.random.default_rng(4).normal(size=(3, 4))
    A = np.full((3, 4), 2.5)
    path = qre_path(A, B)
    np.testing.assert_allclose(path.x, 1 / 3, atol=1e-12)
    np.testing.assert_allclose(path.y, softmax(path.lam[:, None] * (path.x @ B), axis=1), atol=1e-9)
    theirs = gambit_logit_solve(A, B)
    assert theirs is not None
    assert_close(path.final, theirs, LIMIT_ATOL)
    both = qre_path(A, np.zeros((3, 4)))  # nobody cares: uniform play all the way
    assert both.lam[-1] == pytest.approx(DEFAULT_NU_MAX)
    np.testing.assert_allclose(both.x, 1 / 3, atol=1e-12)
    np.testing.assert_allclose(both.y, 1 / 4, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (4, 1)])
def test_one_action_players_give_the_others_softmax(shape):
    A, B = np.random.default_rng(5).normal(size=(2, *shape))
    path = qre_path(A, B)
    if shape[0] == 1:
        np.testing.assert_array_equal(path.x, 1.0)
        np.testing.assert_allclose(path.y, softmax(path.lam[:, None] * B[0], axis=1), atol=1e-12)
    if shape[1] == 1:
        np.testing.assert_array_equal(path.y, 1.0)
        np.testing.assert_allclose(path.x, softmax(path.lam[:, None] * A[:, 0], axis=1), atol=1e-12)
    theirs = gambit_logit_solve(A, B)
    assert theirs is not None
    assert_close(path.final, theirs, LIMIT_ATOL)


@pytest.mark.parametrize(
    "A, mixed",
    [
        (np.array([[0.0, -1.0], [1.0, -10.0]]), [0.9, 0.1]),  # chicken
        (np.array([[-1.0, 4.0], [0.0, 2.0]]), [2 / 3, 1 / 3]),  # hawk-dove
        (np.array([[2.0, 0.0], [0.0, 2.0]]), [0.5, 0.5]),  # pure coordination
    ],
)
def test_symmetric_games_keep_symmetric_play_through_their_pitchfork(A, mixed):
    # B = A^T: the branch stays on x = y, where asymmetric branches split off (a
    # non-generic bifurcation). It is continued straight through, to the symmetric mixed
    # equilibrium; pygambit stops there (chicken, coordination) or perturbs the equations
    # and follows an asymmetric branch to a pure equilibrium (hawk-dove).
    path = qre_path(A, A.T)
    assert path.lam[-1] == pytest.approx(DEFAULT_NU_MAX / payoff_range(A, A.T))
    np.testing.assert_allclose(path.x, path.y, atol=1e-12)
    assert path_residual(A, A.T, path) < 1e-9
    np.testing.assert_allclose(path.final[0], mixed, atol=1e-3)


def test_logit_limit_matches_pygambit_on_100_random_games_up_to_5x5():
    rng = np.random.default_rng(20260101)
    compared = 0
    for k in range(100):
        m, n = rng.integers(2, 6, size=2)
        A, B = rng.normal(size=(2, m, n))
        ours = logit_limit(A, B)
        theirs = gambit_logit_solve(A, B)
        if theirs is not None:
            compared += 1
            assert_close(ours, theirs, LIMIT_ATOL, f"game {k} ({m}x{n})")
    assert compared >= 95


def test_a_path_that_cannot_be_finished_raises_a_typed_error_with_the_last_point():
    A, B = np.random.default_rng(3).normal(size=(2, 3, 3))
    with pytest.raises(QREPathError) as caught:
        qre_path(A, B, max_steps=5)
    err = caught.value
    assert isinstance(err, SolverError)
    message = str(err)
    assert "\n" not in message and "max_steps=5" in message and f"lambda={err.lam:.6g}" in message
    assert 0 < err.lam < DEFAULT_NU_MAX / payoff_range(A, B)
    assert fixed_point_residual(A, B, err.lam, err.x, err.y) < 1e-10  # a QRE at err.lam
    assert_close((err.x, err.y), qre_at(A, B, err.lam), atol=1e-9)  # on the principal branch
    copy = pickle.loads(pickle.dumps(err))  # crosses process boundaries intact
    assert str(copy) == message and copy.lam == err.lam
    assert_close((copy.x, copy.y), (err.x, err.y), atol=0)


def test_selection_falls_back_to_the_equilibrium_nearest_the_last_point_reached(monkeypatch):
    import negsim.solvers.qre as qre
    from negsim.solvers.selection import logit_selected

    def stops_early(A, B):
        raise qre.QREPathError("stopped", 0.25, np.array([0.9, 0.1]), np.array([0.2, 0.8]))

    monkeypatch.setattr(qre, "logit_limit", stops_early)
    A = np.array([[2.0, 0.0], [0.0, 1.0]])
    profiles = [(np.array([1.0, 0.0]), np.array([1.0, 0.0])), (np.array([1.0, 0.0]), np.array([0.0, 1.0]))]
    with pytest.warns(UserWarning, match=r"^logit QRE branch followed only to lambda=0\.25 "):
        chosen = logit_selected(A, A, profiles)
    assert chosen is profiles[1]


def test_selection_from_no_candidates_is_a_solver_error_not_an_index_error():
    from negsim.solvers.selection import logit_selected

    with pytest.raises(SolverError, match=r"^logit selection: no candidate equilibria to select from$"):
        logit_selected(np.eye(2), np.eye(2), [])
