"""Learning dynamics against the theory: fictitious play converges where it must (iterated
dominance; matching pennies, Robinson 1951) and cycles in Shapley's (1964) game; the
replicator dynamics reach a strict equilibrium and orbit in matching pennies; both agree
with nashpy where nashpy's version applies; the classifier and the seminar text."""

from __future__ import annotations

import numpy as np
import pytest

import negsim
from negsim.errors import ConfigError
from negsim.game import Game, iterated_elimination
from negsim.games.learning import (
    FictitiousPlayPath,
    ReplicatorPath,
    fictitious_play,
    learning_report,
    off_centre,
    relative_regrets,
    replicator_dynamics,
    settles,
)

# Matching pennies: zero-sum, unique equilibrium (1/2, 1/2) for both.
PENNIES = Game(np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]]), title="Matching pennies")
# Shapley (1964): unique equilibrium (1/3, 1/3, 1/3) for both; fictitious play cycles.
SHAPLEY = Game(np.eye(3), np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), title="Shapley 1964")
# Solvable by four rounds of iterated strict dominance (r3, then c3, then r2, then c2): (r1, c1).
DOMINANCE = Game(np.array([[4.0, 3.0, 1.0], [3.0, 2.0, 5.0], [1.0, 1.0, 0.0]]),
                 np.array([[3.0, 2.0, 1.0], [2.0, 3.0, 0.0], [0.0, 1.0, 5.0]]), title="Iterated dominance")
R1C1 = (np.array([1.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0]))


def distance(path, x, y) -> np.ndarray:
    """Largest probability difference from the profile (x, y) at each point, shape (K,)."""
    return np.maximum(np.abs(path.x - x).max(axis=1), np.abs(path.y - y).max(axis=1))


def test_the_dominance_game_needs_four_rounds_of_elimination():
    survivors, steps = iterated_elimination(DOMINANCE)
    assert survivors == [[0], [0]] and [s[0] for s in steps] == [1, 2, 3, 4]


# Fictitious play ----------------------------------------------------------------------------


def test_fictitious_play_converges_in_a_dominance_solvable_game():
    # from a start that favours the dominated actions: c3 first, so r2 is row's first reply
    path = fictitious_play(DOMINANCE, iterations=2_000, initial=([0, 0, 1], [0, 0, 1]))
    assert path.actions[0].tolist() != [0, 0]  # it does not start at the equilibrium
    late = path.actions[len(path.actions) // 10:]
    assert np.all(late == 0)  # dominated actions stop being played
    assert distance(path, *R1C1)[-1] < 0.02
    result = settles(DOMINANCE, path, equilibria=negsim.solve(DOMINANCE))
    assert result.verdict == "converges" and result.equilibrium == 0 and result.slope < -0.5


def test_fictitious_play_in_matching_pennies_converges_to_one_half():
    path = fictitious_play(PENNIES, iterations=20_000)
    d = distance(path, np.full(2, 0.5), np.full(2, 0.5))
    assert d[-1] < 0.01
    # the distance keeps shrinking: the largest in each later doubling window is smaller
    peaks = [d[int(20_000 / 2 ** (k + 1)):int(20_000 / 2**k)].max() for k in range(4)]
    assert peaks[0] < peaks[1] < peaks[2] < peaks[3]
    result = settles(PENNIES, path, equilibria=negsim.solve(PENNIES))
    assert result.verdict == "converges" and result.equilibrium == 0
    # after a thousand rounds it is still on its way (not yet within 2%)
    assert settles(PENNIES, fictitious_play(PENNIES, iterations=1_000)).verdict == "unclear"


def test_fictitious_play_cycles_in_shapleys_game():
    path = fictitious_play(SHAPLEY, iterations=50_000)
    d = distance(path, np.full(3, 1 / 3), np.full(3, 1 / 3))
    # the distance to the unique equilibrium does not go to zero: in every late window it
    # stays above 0.15 (about 0.17 to 0.26 on the cycle), as early as late
    for lo, hi in [(1_000, 2_000), (5_000, 10_000), (25_000, 50_000)]:
        assert d[lo:hi].min() > 0.15 and d[lo:hi].max() > 0.25
    # play runs around the six off-diagonal pairs, each run longer than the last by a factor ~1.47
    runs = path.run_lengths()[:-1]  # the last run is cut off by the end
    ratios = runs[-10:] / runs[-11:-1]
    assert np.all((ratios > 1.3) & (ratios < 1.7)) and runs[-1] > 5_000
    # always the same six action pairs, in the same order
    starts = np.concatenate([[0], np.cumsum(path.run_lengths())[:-1]])
    pairs = [tuple(path.actions[k]) for k in starts[10:]]
    assert len(set(pairs)) == 6 and all(pairs[k] == pairs[k + 6] for k in range(len(pairs) - 6))
    result = settles(SHAPLEY, path)
    assert result.verdict == "cycles" and result.late_regret > 0.2 and abs(result.slope) < 0.1


def test_fictitious_play_matches_nashpy_where_no_tie_occurs():
    nash = pytest.importorskip("nashpy")
    # non-integer initial counts in games whose utilities cannot tie (Shapley's: each is one
    # count; random normal payoffs), so nashpy's random tie-breaking never fires and both
    # must give the same counts, round by round
    rng = np.random.default_rng(7)
    for game in (SHAPLEY, Game(*rng.normal(size=(2, 3, 4))), Game(*rng.normal(size=(2, 5, 2)))):
        m, n = game.shape
        initial = (np.linspace(0.13, 0.71, m), np.linspace(0.05, 0.43, n))
        ours = fictitious_play(game, iterations=1_500, initial=initial)
        theirs = list(nash.Game(game.A, game.B).fictitious_play(iterations=1_500,
                                                                play_counts=[c.copy() for c in initial]))
        rows = np.array([c[0] for c in theirs[1:]])
        cols = np.array([c[1] for c in theirs[1:]])
        np.testing.assert_allclose(ours.x, rows / rows.sum(axis=1, keepdims=True), rtol=0, atol=1e-15)
        np.testing.assert_allclose(ours.y, cols / cols.sum(axis=1, keepdims=True), rtol=0, atol=1e-15)


def test_ties_are_broken_by_the_stated_rule():
    first = fictitious_play(PENNIES, iterations=50)
    assert first.actions[0].tolist() == [0, 0]  # every action ties at zero counts: the first
    a = fictitious_play(PENNIES, iterations=2_000, tie_breaking="random", rng=3)
    b = fictitious_play(PENNIES, iterations=2_000, tie_breaking="random", rng=np.random.default_rng(3))
    c = fictitious_play(PENNIES, iterations=2_000, tie_breaking="random", rng=4)
    np.testing.assert_array_equal(a.actions, b.actions)
    assert not np.array_equal(a.actions, c.actions)


def test_the_fictitious_play_path_is_read_only_and_shaped():
    path = fictitious_play(SHAPLEY, iterations=10)
    assert isinstance(path, FictitiousPlayPath) and path.kind == "fictitious_play"
    assert path.t.tolist() == list(range(1, 11)) and path.x.shape == (10, 3) and path.actions.shape == (10, 2)
    np.testing.assert_allclose(path.x.sum(axis=1), 1.0)
    with pytest.raises(ValueError):
        path.x[0, 0] = 0.5


# Replicator dynamics ------------------------------------------------------------------------


def test_replicator_dynamics_reach_the_strict_equilibrium_of_the_dominance_game():
    path = replicator_dynamics(DOMINANCE, x0=[0.1, 0.6, 0.3], y0=[0.1, 0.3, 0.6], t_max=200.0)
    assert isinstance(path, ReplicatorPath) and path.x.shape == (1001, 3)
    assert distance(path, *R1C1)[-1] < 1e-8
    # the dominated actions die out in the order of elimination: r3, c3, r2, c2
    gone = [int(np.argmax(share < 0.01)) for share in (path.x[:, 2], path.y[:, 2], path.x[:, 1], path.y[:, 1])]
    assert 0 < gone[0] < gone[1] < gone[2] < gone[3]
    assert np.all(path.x >= 0) and np.all(path.y >= 0)
    np.testing.assert_allclose(path.x.sum(axis=1), 1.0, atol=1e-12)
    result = settles(DOMINANCE, path, equilibria=negsim.solve(DOMINANCE))
    assert result.verdict == "converges" and result.equilibrium == 0


def test_replicator_dynamics_orbit_in_matching_pennies():
    path = replicator_dynamics(PENNIES, x0=[0.8, 0.2], y0=[0.5, 0.5], t_max=200.0, points=2001)
    # H = x*.log x + y*.log y is conserved (Hofbauer & Sigmund 1998, bimatrix games)
    H = 0.5 * np.log(path.x).sum(axis=1) + 0.5 * np.log(path.y).sum(axis=1)
    assert np.ptp(H) < 1e-8
    d = distance(path, np.full(2, 0.5), np.full(2, 0.5))
    # round and round: never nearer the equilibrium than 0.2, as far out as at the start (0.3)
    assert d.min() > 0.2 and d[1000:].max() > 0.29
    result = settles(PENNIES, path)
    assert result.verdict == "cycles" and result.late_movement > 0.5


def test_replicator_dynamics_match_nashpy_asymmetric_version():
    nash = pytest.importorskip("nashpy")
    game = Game(np.array([[3.0, 0.0, 2.0], [1.0, 2.0, 0.0]]), np.array([[1.0, 3.0, 0.0], [2.0, 0.0, 4.0]]))
    R = 4.0  # the payoff range: our time is in units of 1 / R
    xs, ys = nash.Game(game.A, game.B).asymmetric_replicator_dynamics(
        x0=np.array([0.3, 0.7]), y0=np.array([0.2, 0.3, 0.5]), timepoints=np.linspace(0, 20, 201))
    ours = replicator_dynamics(game, x0=[0.3, 0.7], y0=[0.2, 0.3, 0.5], t_max=20 * R, points=201)
    np.testing.assert_allclose(ours.x, xs, atol=1e-6)
    np.testing.assert_allclose(ours.y, ys, atol=1e-6)


def test_replicator_time_does_not_depend_on_payoff_units():
    a = replicator_dynamics(SHAPLEY, x0=off_centre(3), y0=[0.5, 0.3, 0.2], t_max=30.0)
    b = replicator_dynamics(Game(1e3 * SHAPLEY.A, 1e3 * SHAPLEY.B), x0=off_centre(3), y0=[0.5, 0.3, 0.2], t_max=30.0)
    np.testing.assert_allclose(a.x, b.x, atol=1e-8)


def test_an_action_absent_from_the_start_stays_absent_and_play_rests_off_equilibrium():
    dilemma = Game(np.array([[3.0, 0.0], [5.0, 1.0]]), np.array([[3.0, 5.0], [0.0, 1.0]]))
    path = replicator_dynamics(dilemma, x0=[1.0, 0.0], y0=[1.0, 0.0], t_max=20.0)
    assert np.all(path.x[:, 1] == 0) and np.all(path.y[:, 1] == 0)
    result = settles(dilemma, path)
    assert result.verdict == "rest_point" and result.regret == pytest.approx(0.4)


# The classifier and the text ----------------------------------------------------------------


def test_relative_regret_is_zero_at_equilibrium_and_a_share_of_the_range():
    r = relative_regrets(PENNIES, np.array([[0.5, 0.5], [1.0, 0.0]]), np.array([[0.5, 0.5], [1.0, 0.0]]))
    np.testing.assert_allclose(r, [0.0, 1.0])  # at (r1, c1) the column player gains 2 of its range 2


def test_learning_report_says_whether_play_settles():
    cyc = learning_report(SHAPLEY)
    assert "Fictitious play" in cyc and "Replicator dynamics" in cyc
    assert cyc.count("play does not settle") == 2 and "poor forecast" in cyc
    dom = learning_report(DOMINANCE, equilibria=negsim.solve(DOMINANCE))
    assert dom.count("play settles") == 2 and "ends at Row r1; Column c1" in dom
    assert "the same equilibrium" in dom
    assert all(len(line) <= 100 for line in (cyc + "\n" + dom).splitlines())


def test_learning_report_of_the_talks_game():
    game = negsim.talks_game(negsim.load_scenario("istanbul_round2"))
    text = learning_report(game, equilibria=negsim.solve(game))
    assert "PAK insist_written" in text and "AFG verbal_only" in text and "the same equilibrium" in text


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fictitious_play(PENNIES, iterations=0), "iterations: expected a whole number of rounds >= 1, got 0"),
        (lambda: fictitious_play(PENNIES, tie_breaking="last"), "tie_breaking: expected 'first' or 'random', got 'last'"),
        (lambda: fictitious_play(PENNIES, initial=([1, -1], [0, 0])),
         "initial: the row counts must be 2 finite numbers >= 0, got [1, -1]"),
        (lambda: replicator_dynamics(PENNIES, x0=[0.5, 0.6]),
         "x0: expected 2 probabilities >= 0 summing to 1, got [0.5, 0.6]"),
        (lambda: replicator_dynamics(PENNIES, t_max=0.0), "t_max: expected a positive finite time, got 0.0"),
        (lambda: settles(PENNIES, fictitious_play(PENNIES, iterations=5), tol=1.5),
         "tol: expected a tolerance in (0, 1), got 1.5"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ConfigError) as err:
        call()
    assert str(err.value) == message
