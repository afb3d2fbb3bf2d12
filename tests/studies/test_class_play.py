"""The class against the model: a simulated class of logit-QRE bots recovers its precision,
the units agree with the model's prediction, deals are counted, bad input is named."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import negsim
from negsim.errors import ConfigError
from negsim.game import Game, player_scales
from negsim.io.moves import talks_counts
from negsim.model.payoffs import payoff_scale
from negsim.model.talks import predict, qre_prediction
from negsim.studies.class_play import class_deal, class_fit, scenario_class_fit

STUDENTS = 200  # 100 pairs a round: 100 choices per side per round
ROUNDS = 5


@pytest.fixture(scope="module")
def scenario():
    return negsim.load_scenario("istanbul_round2")


@pytest.fixture(scope="module")
def game(scenario):
    return negsim.talks_game(scenario)


def class_moves(game: Game, lam: float, seed: int) -> list[dict]:
    """The moves of a class of bots: ``STUDENTS`` students paired at random for
    ``ROUNDS`` rounds, each choosing independently from the logit QRE at ``lam`` (per unit
    of each player's payoff range, as ``predict`` states it)."""
    x, y = qre_prediction(game.A, game.B, lam, player_scales(game.A, game.B))
    rng = np.random.default_rng(seed)
    rows = []
    for rnd in range(1, ROUNDS + 1):
        order = rng.permutation(STUDENTS)
        for pair in range(STUDENTS // 2):
            for role, who, p, labels in (("PAK", order[2 * pair], x, game.actions[0]),
                                         ("AFG", order[2 * pair + 1], y, game.actions[1])):
                rows.append({"room": "SIM", "round": rnd, "stage": "talks", "day": None, "pair": pair + 1,
                             "participant": f"p{who}", "role": role, "action": labels[rng.choice(len(p), p=p)]})
    return rows


# (true lambda, seed): 5 seeds at each of four precisions around the model's (6)
CLASSES = [(lam, 100 * k + s) for k, lam in enumerate((2.0, 4.0, 6.0, 10.0)) for s in range(5)]


@pytest.fixture(scope="module")
def simulated_fits(game):
    out = []
    for lam, seed in CLASSES:
        counts = talks_counts(class_moves(game, lam, seed), game.actions)
        out.append((lam, class_fit(game, counts, lam_model=lam)))
    return out


def test_a_class_of_qre_bots_recovers_its_precision_within_the_interval(simulated_fits):
    covered = [fit["qre_fit"]["low"] <= lam <= fit["qre_fit"]["high"] for lam, fit in simulated_fits]
    assert sum(covered) >= 17, f"95% intervals covered the true precision in {sum(covered)} of 20 classes"
    # the interval is informative, not everything: it excludes half and twice the truth
    assert all(not fit["qre_fit"]["low"] <= 0.5 * lam for lam, fit in simulated_fits)
    assert all(not fit["qre_fit"]["high"] >= 2 * lam for lam, fit in simulated_fits)
    errors = [abs(math.log(fit["qre_fit"]["lam"] / lam)) for lam, fit in simulated_fits]
    assert np.median(errors) < 0.1


def test_the_fit_reports_counts_shares_nash_and_model(simulated_fits, game):
    lam, fit = simulated_fits[0]
    assert fit["n"] == [STUDENTS // 2 * ROUNDS] * 2
    assert set(fit) == {"shares", "nash", "qre_fit", "model_shares", "n"}
    for side in (0, 1):
        assert math.isclose(sum(fit["shares"][side]), 1.0)
        assert len(fit["shares"][side]) == game.shape[side]
    eqs = negsim.solve(game)
    x, y = eqs[negsim.select(game, eqs, "logit_limit")].strategies
    assert fit["nash"] == [x.tolist(), y.tolist()]
    # the model's shares at lam_model are the bots' own distribution
    truth = qre_prediction(game.A, game.B, lam, player_scales(game.A, game.B))
    np.testing.assert_allclose(fit["model_shares"][0], truth[0], atol=1e-9)
    np.testing.assert_allclose(fit["model_shares"][1], truth[1], atol=1e-9)
    # the fitted QRE's shares sit near the class's shares (500 choices a side)
    np.testing.assert_allclose(fit["qre_fit"]["shares"][0], fit["shares"][0], atol=0.06)
    json.dumps(fit)  # plain data


def test_a_class_without_moves_has_no_fit(game):
    fit = class_fit(game, (np.zeros(3), np.zeros(3)), lam_model=6.0)
    assert fit["qre_fit"] is None and fit["shares"] == [None, None] and fit["n"] == [0, 0]
    assert fit["model_shares"] is not None and fit["nash"] is not None
    assert class_fit(game, ([0, 0, 0], [0, 0, 0]))["model_shares"] is None


def test_one_side_only_is_still_fitted(game):
    fit = class_fit(game, ([40, 50, 10], [0, 0, 0]))
    assert fit["shares"][1] is None and fit["qre_fit"] is not None and fit["n"] == [100, 0]


def test_scenario_fit_uses_the_prediction_units(scenario):
    counts = talks_counts(class_moves(negsim.talks_game(scenario), 6.0, 1), scenario.actions)
    fit = scenario_class_fit(scenario, counts)
    P = predict(scenario)
    np.testing.assert_allclose(fit["model_shares"][0], P.sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(fit["model_shares"][1], P.sum(axis=0), atol=1e-12)
    # the same counts in the game's own units give a different lambda, by the ratio of the units
    plain = class_fit(negsim.talks_game(scenario), counts)
    assert not np.allclose(payoff_scale(scenario), player_scales(*negsim.payoff_batch(scenario)))
    assert plain["qre_fit"]["lam"] != pytest.approx(fit["qre_fit"]["lam"], rel=1e-3)


def test_class_deal_counts_the_deal_cells(scenario):
    table = np.zeros(scenario.shape)
    table[0, 0] = 3   # insist_written / sign_written: a written deal
    table[1, 1] = 2   # accept_verbal / verbal_only: the pledge
    table[2, 2] = 5   # walk_out / refuse: no deal
    assert scenario.deal[0, 0] and scenario.deal[1, 1] and not scenario.deal[2, 2]
    out = class_deal(scenario, table)
    assert out["class"] == 0.5 and out["pairs"] == 10
    assert 0.0 < out["low"] < 0.5 < out["high"] < 1.0
    assert out["low"] == pytest.approx(0.2366, abs=1e-4) and out["high"] == pytest.approx(0.7634, abs=1e-4)
    assert out["model"] == pytest.approx(float(predict(scenario)[scenario.deal].sum()))
    empty = class_deal(scenario, np.zeros(scenario.shape))
    assert empty["class"] is None and empty["low"] is None and empty["pairs"] == 0


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (np.zeros((2, 3)), "counts: expected a pair (row_counts, col_counts) of shapes (3,) and (3,)"),
        (([1, 2], [1, 2, 3]), "counts: PAK's counts must have shape (3,), got shape (2,)"),
        (([1, 2, 3], [1, -2, 3]), "counts: AFG's counts must be finite numbers >= 0, got [1.0, -2.0, 3.0]"),
    ],
)
def test_bad_counts_are_named(game, counts, message):
    with pytest.raises(ConfigError) as err:
        class_fit(game, counts)
    assert str(err.value) == message


def test_bad_precision_and_table_are_named(game, scenario):
    with pytest.raises(ConfigError) as err:
        class_fit(game, ([1, 1, 1], [1, 1, 1]), lam_model=-1.0)
    assert str(err.value) == "lam_model: expected a precision >= 0 (per unit of payoff range), got -1.0"
    with pytest.raises(ConfigError) as err:
        class_deal(scenario, np.zeros((2, 2)))
    assert str(err.value) == "outcome_counts: expected shape (3, 3), got shape (2, 2)"
    with pytest.raises(ConfigError) as err:
        class_deal(scenario, np.full((3, 3), 0.5))
    assert str(err.value) == "outcome_counts: expected whole numbers of pairs >= 0"
