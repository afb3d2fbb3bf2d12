"""Maximum-likelihood logit QRE precision: pygambit's logit_estimate as the oracle, a
closed form, recovery of a known precision, the boundary cases and the error messages."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import log_expit
from scipy.stats import chi2

import negsim
from negsim.errors import SolverError
from negsim.game import Game
from negsim.solvers.qre import logit_limit, qre_at, qre_path
from negsim.solvers.qre_estimate import QREFit, counts_from_table, estimate_qre, path_log_likelihood

# The 3x3 game of tests/solvers/test_qre.py whose principal branch folds back: lambda
# rises to 3.31, falls to 0.81, then rises to the pure equilibrium (row 3, column 3).
FOLD_A = np.array([[4.0, 2.0, 1.0], [5.0, 4.0, 2.0], [1.0, 3.0, 7.0]])
FOLD_B = np.array([[9.0, 9.0, 1.0], [7.0, 4.0, 7.0], [1.0, 0.0, 3.0]])


def talks() -> Game:
    return negsim.talks_game(negsim.load_scenario("istanbul_round2"))


def random_games() -> dict[str, Game]:
    rng = np.random.default_rng(2025)
    return {f"random {m}x{n}": Game(*rng.normal(size=(2, m, n))) for m, n in [(2, 2), (3, 3), (2, 3)]}


def payoff_range(game: Game) -> float:
    return max(float(np.ptp(game.A)), float(np.ptp(game.B)))


def simulated_counts(game: Game, lam: float, choices: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each player's counts of ``choices`` independent draws from the QRE at ``lam``."""
    x, y = qre_at(game.A, game.B, lam)
    rng = np.random.default_rng(seed)
    return rng.multinomial(choices, x), rng.multinomial(choices, y)


def gambit_estimate(game: Game, counts) -> tuple[float, float, tuple[np.ndarray, np.ndarray]]:
    """pygambit's logit_estimate (defaults) on counts: lambda, log-likelihood, profile."""
    gbt = pytest.importorskip("pygambit")
    g = gbt.Game.from_arrays(game.A, game.B)
    data = g.mixed_strategy_profile(rational=False)
    for player, observed in zip(g.players, counts, strict=True):
        for strategy, count in zip(player.strategies, observed, strict=True):
            data[strategy] = float(count)
    fit = gbt.qre.logit_estimate(data)
    profile = tuple(np.array([float(fit.profile[s]) for s in p.strategies]) for p in g.players)
    return float(fit.lam), float(fit.log_like), profile


def closed_form_game(gap: float) -> Game:
    """Row action 0 beats action 1 by ``gap`` whatever the column does; the column player
    is indifferent, so ``x_0 = 1 / (1 + exp(-lam gap))`` and ``y`` is uniform."""
    return Game([[gap, gap], [0.0, 0.0]], np.zeros((2, 2)))


def closed_form_loglik(gap: float, c0: float, c1: float, col: float, lam: float) -> float:
    return c0 * log_expit(lam * gap) + c1 * log_expit(-lam * gap) + col * math.log(0.5)


# --- agreement with pygambit ---------------------------------------------------------

# Counts of 200 choices per player drawn from the QRE at nu = lambda * payoff range of 1,
# 3 and 8. On every case pygambit finds an interior maximum (0 < lambda < end of branch).
AGREEMENT_CASES = [(name, nu) for name in [*random_games(), "talks"] for nu in (1.0, 3.0, 8.0)]


@pytest.mark.parametrize(("name", "nu"), AGREEMENT_CASES)
def test_matches_pygambit_logit_estimate(name, nu):
    game = talks() if name == "talks" else random_games()[name]
    counts = simulated_counts(game, nu / payoff_range(game), 200, seed=int(10 * nu))
    theirs_lam, theirs_loglik, theirs_profile = gambit_estimate(game, counts)
    fit = estimate_qre(game, counts)
    assert 0 < theirs_lam and 0 < fit.lam < fit.lam_max, "not an interior maximum"
    # Relative, since lambda is in 1/payoff units (an absolute tolerance would depend on
    # the payoff scale). Observed: at most 3e-5 (pygambit's end point, which is off the
    # fixed point by 2e-10, is less exact than ours), mostly below 1e-8.
    assert fit.lam == pytest.approx(theirs_lam, rel=1e-3)
    # Log-likelihoods are unit-free; pygambit's can exceed the branch maximum by ~2e-7 for
    # the same reason.
    assert fit.log_likelihood == pytest.approx(theirs_loglik, abs=1e-6)
    np.testing.assert_allclose(fit.x, theirs_profile[0], atol=1e-5)
    np.testing.assert_allclose(fit.y, theirs_profile[1], atol=1e-5)


def test_matches_pygambit_past_a_turning_point_of_the_branch():
    """Data from a point of the branch between its two turning points: the maximum lies on
    the part that runs back down in lambda, not at the branch's first passage."""
    game = Game(FOLD_A, FOLD_B)
    path = qre_path(FOLD_A, FOLD_B)
    falling = np.flatnonzero(np.diff(path.lam) < 0)
    k = falling[len(falling) // 2]
    counts = (np.round(300 * path.x[k]), np.round(300 * path.y[k]))
    theirs_lam, theirs_loglik, theirs_profile = gambit_estimate(game, counts)
    fit = estimate_qre(game, counts)
    assert fit.lam == pytest.approx(theirs_lam, rel=1e-3)
    assert fit.log_likelihood == pytest.approx(theirs_loglik, abs=1e-6)
    np.testing.assert_allclose(fit.x, theirs_profile[0], atol=1e-5)
    # The first passage of the branch through the estimate is elsewhere, and fits worse.
    first_x, first_y = qre_at(FOLD_A, FOLD_B, fit.lam)
    assert np.abs(first_x - fit.x).max() > 0.1
    assert fit.interval[0] <= fit.lam <= fit.interval[1]


# --- recovery of a known precision -----------------------------------------------------


def test_recovers_a_known_lambda_with_plausible_coverage():
    game, lam = talks(), 0.5
    fits = [estimate_qre(game, simulated_counts(game, lam, 2000, seed)) for seed in range(10)]
    covered = sum(f.interval[0] <= lam <= f.interval[1] for f in fits)
    # 95% intervals: 8 or more of 10 has probability 0.99 (100 seeds gave 95).
    assert covered >= 8
    assert np.mean([f.lam for f in fits]) == pytest.approx(lam, rel=0.03)
    assert all(f.interval[0] < f.lam < f.interval[1] < math.inf for f in fits)


# --- closed form ---------------------------------------------------------------------


@pytest.mark.parametrize(("gap", "c0", "c1"), [(2.0, 30, 10), (0.5, 7, 3), (40.0, 1000, 1), (1.0, 51, 49)])
def test_dominant_action_closed_form(gap, c0, c1):
    game = closed_form_game(gap)
    fit = estimate_qre(game, ([c0, c1], [3, 4]))
    lam = math.log(c0 / c1) / gap
    assert fit.lam == pytest.approx(lam, rel=1e-12)
    loglik = closed_form_loglik(gap, c0, c1, 7, lam)
    assert fit.log_likelihood == pytest.approx(loglik, rel=1e-13)
    np.testing.assert_allclose(fit.x, [c0 / (c0 + c1), c1 / (c0 + c1)], rtol=1e-12)
    np.testing.assert_allclose(fit.y, [0.5, 0.5], rtol=1e-15)
    threshold = loglik - chi2.ppf(0.95, 1) / 2

    def excess(t):
        return closed_form_loglik(gap, c0, c1, 7, t) - threshold

    low = 0.0 if excess(0.0) >= 0 else brentq(excess, 0.0, lam, xtol=1e-15)
    high = brentq(excess, lam, 100 * lam + 10 / gap, xtol=1e-15)
    assert fit.interval == pytest.approx((low, high), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize(("c0", "c1"), [(10, 10), (4, 9), (0, 5)])
def test_dominant_action_chosen_at_most_half_the_time_gives_lambda_zero(c0, c1):
    fit = estimate_qre(closed_form_game(3.0), ([c0, c1], [3, 4]))
    assert fit.lam == 0.0
    assert fit.interval[0] == 0.0
    np.testing.assert_array_equal(fit.x, [0.5, 0.5])


def test_dominant_action_always_chosen_gives_the_end_of_the_branch():
    fit = estimate_qre(closed_form_game(4.0), ([5, 0], [1, 1]))
    assert fit.at_end and fit.lam == fit.lam_max == pytest.approx(1e5 / 4.0)
    assert fit.interval[1] == math.inf
    # The lower end solves the closed-form likelihood ratio against its supremum (lam -> inf).
    sup = 2 * math.log(0.5)
    low = brentq(lambda t: closed_form_loglik(4.0, 5, 0, 2, t) - (sup - chi2.ppf(0.95, 1) / 2), 0.0, 10.0)
    assert fit.interval[0] == pytest.approx(low, rel=1e-9)


# --- boundary cases ------------------------------------------------------------------


def test_uniform_data_gives_lambda_zero_exactly():
    game = random_games()["random 3x3"]
    fit = estimate_qre(game, ([5, 5, 5], [7, 7, 7]))
    assert fit.lam == 0.0
    assert fit.interval[0] == 0.0 < fit.interval[1] < math.inf
    np.testing.assert_array_equal(fit.x, np.full(3, 1 / 3))
    np.testing.assert_array_equal(fit.y, np.full(3, 1 / 3))
    assert fit.log_likelihood == pytest.approx(-36 * math.log(3), rel=1e-15)


def test_data_at_the_limit_equilibrium_gives_the_end_of_the_branch():
    game = talks()
    x, y = logit_limit(game.A, game.B)  # (insist_written, verbal_only) in the shipped round
    assert max(x) == max(y) == pytest.approx(1.0), "the talks branch should end at a pure equilibrium"
    counts = (np.round(10 * x), np.round(10 * y))
    fit = estimate_qre(game, counts)
    assert fit.at_end and fit.lam == pytest.approx(1e5 / payoff_range(game))
    assert 0 < fit.interval[0] < fit.lam and fit.interval[1] == math.inf
    np.testing.assert_allclose(fit.x, counts[0] / 10, atol=1e-12)
    np.testing.assert_allclose(fit.y, counts[1] / 10, atol=1e-12)
    short = estimate_qre(game, counts, lam_max=50.0)
    assert short.lam == 50.0 == short.lam_max and short.interval[1] == math.inf
    # The ratio is taken against the likelihood at the end of the branch followed, which is
    # lower at lambda = 50 than at 1e5 / R: the lower end moves down.
    assert 0 < short.interval[0] < fit.interval[0]


def test_constant_game_is_not_identified():
    fit = estimate_qre(Game(np.ones((2, 3)), np.ones((2, 3))), ([1, 5], [2, 0, 7]))
    assert fit.lam == 0.0 and fit.interval == (0.0, math.inf)


def test_one_players_counts_may_be_all_zero():
    with_col = estimate_qre(closed_form_game(2.0), ([30, 10], [3, 4]))
    without = estimate_qre(closed_form_game(2.0), ([30, 10], [0, 0]))
    assert without.lam == pytest.approx(with_col.lam, rel=1e-12)
    assert without.interval == pytest.approx(with_col.interval, rel=1e-10)


# --- the interval --------------------------------------------------------------------


def test_interval_ends_are_where_the_likelihood_ratio_reaches_the_quantile():
    game = talks()
    counts = simulated_counts(game, 0.4, 300, seed=3)
    fit = estimate_qre(game, counts)
    c, d = (np.asarray(v, float) for v in counts)
    for end in fit.interval:
        x, y = qre_at(game.A, game.B, end)
        ratio = 2 * (fit.log_likelihood - (c @ np.log(x) + d @ np.log(y)))
        assert ratio == pytest.approx(chi2.ppf(0.95, 1), rel=1e-9)
    # The fitted profile is the branch's QRE at the estimate; wider at higher confidence.
    x, y = qre_at(game.A, game.B, fit.lam)
    np.testing.assert_allclose(fit.x, x, atol=1e-12)
    np.testing.assert_allclose(fit.y, y, atol=1e-12)
    wide = estimate_qre(game, counts, confidence=0.99)
    assert wide.interval[0] < fit.interval[0] < fit.lam < fit.interval[1] < wide.interval[1]
    assert (wide.lam, wide.confidence) == (fit.lam, 0.99)


@pytest.mark.parametrize("s", [10.0, 0.01])
def test_scaling_payoffs_by_s_divides_lambda_by_s(s):
    game = random_games()["random 2x3"]
    counts = simulated_counts(game, 1.5, 200, seed=1)
    fit = estimate_qre(game, counts)
    scaled = estimate_qre(Game(s * game.A, s * game.B), counts)
    assert scaled.lam * s == pytest.approx(fit.lam, rel=1e-8)
    assert scaled.log_likelihood == pytest.approx(fit.log_likelihood, rel=1e-12)
    np.testing.assert_allclose(np.array(scaled.interval) * s, fit.interval, rtol=1e-8)
    np.testing.assert_allclose(scaled.x, fit.x, atol=1e-9)
    assert scaled.lam_max * s == pytest.approx(fit.lam_max)


# --- helpers and the result ----------------------------------------------------------


def test_counts_from_table_gives_each_players_marginals():
    row, col = counts_from_table([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(row, [6, 15])
    np.testing.assert_array_equal(col, [5, 7, 9])
    with pytest.raises(SolverError, match=r"^counts table must be 2-D of shape \(m, n\), got shape \(3,\)$"):
        counts_from_table([1, 2, 3])


def test_path_log_likelihood_is_the_likelihood_at_each_path_point():
    game = random_games()["random 3x3"]
    path = qre_path(game.A, game.B, lam_max=2.0)
    counts = ([3, 1, 2], [0, 4, 4])
    expected = [np.dot(counts[0], np.log(x)) + np.dot(counts[1], np.log(y)) for x, y in zip(path.x, path.y, strict=True)]
    np.testing.assert_allclose(path_log_likelihood(game, counts, path), expected, rtol=1e-12)


def test_fit_is_frozen_and_read_only():
    fit = estimate_qre(closed_form_game(2.0), ([30, 10], [3, 4]))
    assert isinstance(fit, QREFit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.lam = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        fit.x[0] = 0.0
    with pytest.raises(ValueError):
        fit.counts[0][0] = 0.0
    np.testing.assert_array_equal(fit.counts[1], [3.0, 4.0])


# --- errors --------------------------------------------------------------------------

PAIR_2X2 = "counts must be a pair (row_counts, col_counts) of shapes (2,) and (2,)"


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (np.zeros((2, 2)), PAIR_2X2),
        (([1, 2],), PAIR_2X2),
        (5, PAIR_2X2),
        (([1, 2, 3], [1, 2]), "counts: row_counts must have shape (2,), got shape (3,)"),
        (([1, 2], [[1, 2]]), "counts: col_counts must have shape (2,), got shape (1, 2)"),
        ((["a", 1], [1, 2]), "counts: row_counts must be numeric, shape (2,)"),
        (([1, -1], [1, 2]), "counts: row_counts[1] (r2) must be a finite number >= 0, got -1.0"),
        (([1, 2], [math.nan, 2]), "counts: col_counts[0] (c1) must be a finite number >= 0, got nan"),
        (([1, 2], [1, math.inf]), "counts: col_counts[1] (c2) must be a finite number >= 0, got inf"),
        (([0, 0], [0.0, 0]), "counts are all zero: there are no observed choices to fit"),
    ],
)
def test_bad_counts_are_refused_in_one_line(counts, message):
    with pytest.raises(SolverError, match=f"^{re.escape(message)}$"):
        estimate_qre(closed_form_game(1.0), counts)


def test_bad_counts_name_the_action():
    game = talks()
    label = game.actions[0][2]  # walk_out
    message = f"counts: row_counts[2] ({label}) must be a finite number >= 0, got -3.0"
    with pytest.raises(SolverError, match=f"^{re.escape(message)}$"):
        estimate_qre(game, ([1, 2, -3], [1, 2, 3]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"confidence": 1.0}, "confidence must be a number in (0, 1), got 1.0"),
        ({"confidence": 0}, "confidence must be a number in (0, 1), got 0"),
        ({"confidence": math.nan}, "confidence must be a number in (0, 1), got nan"),
        ({"confidence": "high"}, "confidence must be a number in (0, 1), got 'high'"),
        ({"lam_max": -1.0}, "lam_max must be a finite number >= 0, got -1.0"),
    ],
)
def test_bad_options_are_refused_in_one_line(kwargs, message):
    with pytest.raises(SolverError, match=f"^{re.escape(message)}$"):
        estimate_qre(closed_form_game(1.0), ([3, 1], [1, 1]), **kwargs)


def test_a_game_is_required():
    with pytest.raises(SolverError, match=r"^game must be a negsim Game, got tuple$"):
        estimate_qre((np.eye(2), np.eye(2)), ([1, 1], [1, 1]))  # type: ignore[arg-type]
