"""The repeated ceasefire game: trigger thresholds, tit-for-tat, noisy triggers, Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from negsim.errors import ConfigError
from negsim.game import Game
from negsim.games.repeated import (
    HOLD,
    VIOLATE,
    NoisyTrigger,
    StageGame,
    Strategy,
    always,
    ceasefire_game,
    cooperation_value,
    deviation_value,
    finite_punishment_threshold,
    grim_trigger,
    grim_trigger_threshold,
    incentive_slack,
    k_period_punishment,
    long_run_payoff,
    noisy_trigger_threshold,
    punishment_fraction,
    punishment_value,
    retaliation_probability,
    simulate_trigger,
    tit_for_tat,
    tit_for_tat_conditions,
)
from negsim.model.rollout import CeasefireParams, Situation, signal_probabilities

TOL = 1e-9
PD = StageGame(T=5.0, R=3.0, P=1.0, S=0.0)
fast = settings(max_examples=100, deadline=None)


@st.composite
def stages(draw):
    """Stage games with T > R > P > S and 2R > T + S."""
    S = draw(st.floats(-10, 10))
    P = S + draw(st.floats(0.01, 10))
    R = P + draw(st.floats(0.01, 10))
    T = R + draw(st.floats(0.01, 0.99)) * (R - S)
    return StageGame(T=T, R=R, P=P, S=S)


deltas = st.floats(0.01, 0.99)
probs = st.floats(0.0, 1.0)


def discounted(payoffs, delta: float) -> float:
    """``(1 - delta) sum_t delta^t u_t`` of an explicit (long) path."""
    u = np.asarray(payoffs, dtype=float)
    return float((1 - delta) * np.sum(delta ** np.arange(len(u)) * u))


def close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


# --- the stage game ----------------------------------------------------------------------


def test_bimatrix_is_a_prisoners_dilemma_game():
    A, B = PD.bimatrix()
    game = Game(A, B)
    assert game.A.tolist() == [[3, 0], [5, 1]] and np.array_equal(game.B, game.A.T)
    y = np.array([1.0, 0.0])
    assert game.best_responses(y, y)[0].tolist() == [VIOLATE]  # violating dominates
    g = ceasefire_game(PD, StageGame(T=4.0, R=3.0, P=1.0, S=-1.0))
    assert g.players == ("Pakistan", "Kabul") and g.actions[0] == ("hold", "violate")
    assert g.B[HOLD, VIOLATE] == 4.0 and g.A[HOLD, VIOLATE] == 0.0


# --- perfect monitoring ------------------------------------------------------------------


@fast
@given(stages(), deltas)
def test_grim_trigger_sustains_iff_delta_at_least_threshold(stage, d):
    thr = grim_trigger_threshold(stage)
    assert close(thr, (stage.T - stage.R) / (stage.T - stage.P))
    deviation = (1 - d) * stage.T + d * stage.P
    assert close(long_run_payoff(stage, always(VIOLATE), grim_trigger(), d)[0], deviation)
    assert close(long_run_payoff(stage, grim_trigger(), grim_trigger(), d)[0], stage.R)
    assume(abs(d - thr) > 1e-9)
    assert (d >= thr) == (deviation <= stage.R)


@fast
@given(stages(), st.integers(1, 60))
def test_finite_punishment_threshold_solves_its_equation(stage, k):
    c = (stage.T - stage.R) / (stage.R - stage.P)
    thr = finite_punishment_threshold(stage, k)
    if math.isinf(thr):
        assert k <= c
        return
    assert 0 < thr < 1
    assert close(sum(thr**t for t in range(1, k + 1)), c)
    # at the threshold, violating once then sitting out the k punishment periods is no better
    deviation = (1 - thr) * stage.T + (thr - thr ** (k + 1)) * stage.P + thr ** (k + 1) * stage.R
    assert abs(deviation - stage.R) <= TOL * (stage.T - stage.S)
    assert finite_punishment_threshold(stage, k + 1) <= thr + TOL


@fast
@given(stages())
def test_finite_punishment_threshold_tends_to_grim(stage):
    grim = grim_trigger_threshold(stage)
    assume(grim <= 0.95)
    assert abs(finite_punishment_threshold(stage, 3000) - grim) <= TOL
    assert finite_punishment_threshold(stage, 10) >= grim - TOL


def test_k_period_punishment_automaton_matches_its_threshold():
    k = 2
    thr = finite_punishment_threshold(PD, k)  # delta + delta^2 = 1: (sqrt(5) - 1) / 2
    assert close(thr, (math.sqrt(5) - 1) / 2)
    punisher = k_period_punishment(k)
    # violate once, sit out the punishment (violating), then hold: states 0 deviate, 1-2 punished, 3 hold
    deviator = Strategy(actions=(VIOLATE, VIOLATE, VIOLATE, HOLD), transitions=tuple(
        ((n, n), (n, n)) for n in (1, 2, 3, 3)))
    assert close(long_run_payoff(PD, deviator, punisher, thr)[0], PD.R)
    assert long_run_payoff(PD, deviator, punisher, thr + 0.01)[0] < PD.R
    assert long_run_payoff(PD, punisher, punisher, 0.5) == (PD.R, PD.R)


def tft_value(stage: StageGame, d: float, last: tuple[int, int], first: int | None, n: int = 300) -> float:
    """Row's value when both play TFT from last profile ``last``, row playing ``first`` at t = 0."""
    M = stage.matrix()
    own, other = last
    payoffs = []
    for t in range(n):
        a = other if (t > 0 or first is None) else first
        b = own
        payoffs.append(M[a, b])
        own, other = a, b
    return discounted(payoffs, d)


@fast
@given(stages(), st.floats(0.01, 0.9))
def test_tit_for_tat_one_shot_deviations(stage, d):
    cond = tit_for_tat_conditions(stage, d)
    T, R, P, S = stage.T, stage.R, stage.P, stage.S
    assert close(cond.alternation_threshold, (T - R) / (R - S))
    assert close(cond.defection_threshold, (T - R) / (T - P))
    assert close(cond.reconciliation_threshold, (P - S) / (T - P))
    for a in (HOLD, VIOLATE):
        for b in (HOLD, VIOLATE):
            gain = tft_value(stage, d, (a, b), 1 - b) - tft_value(stage, d, (a, b), None)
            assert close(cond.one_shot_gains[a][b], gain)
    # Nash: TFT beats the stationary replies to TFT (alternate V, H, ... and always violate)
    alternate = Strategy(actions=(VIOLATE, HOLD), transitions=(((1, 1), (1, 1)), ((0, 0), (0, 0))))
    best_other = max(long_run_payoff(stage, s, tit_for_tat(), d)[0] for s in (alternate, always(VIOLATE)))
    assert close(long_run_payoff(stage, tit_for_tat(), tit_for_tat(), d)[0], R)
    assume(abs(best_other - R) > 1e-9)
    assert cond.nash == (best_other < R)
    assert cond.nash == (d >= max(cond.alternation_threshold, cond.defection_threshold))
    assert not cond.subgame_perfect or close(d, cond.alternation_threshold, 1e-6)


def test_tit_for_tat_subgame_perfect_only_on_the_knife_edge():
    stage = StageGame(T=4.0, R=3.0, P=1.0, S=0.0)  # (T-R)/(R-S) = (P-S)/(T-P) = 1/3
    edge = tit_for_tat_conditions(stage, 1 / 3)
    assert edge.subgame_perfect and edge.nash
    off = tit_for_tat_conditions(stage, 0.34)
    assert off.nash and not off.subgame_perfect
    assert not tit_for_tat_conditions(stage, 0.3).nash


# --- imperfect monitoring ----------------------------------------------------------------


@st.composite
def triggers(draw):
    q_hold = draw(st.floats(0.0, 0.9))
    q_violate = q_hold + draw(st.floats(0.01, 1.0)) * (1 - q_hold)
    assume(q_violate > q_hold)
    k = draw(st.one_of(st.none(), st.integers(1, 40)))
    return NoisyTrigger(q_hold, min(q_violate, 1.0), k, draw(probs))


def bellman_values(stage: StageGame, d: float, trig: NoisyTrigger) -> tuple[float, float]:
    """(V, deviation value) by solving the cooperative/punishment chain's linear equations."""
    a, b = trig.retaliate * trig.q_hold, trig.retaliate * trig.q_violate
    k = trig.k
    if k is None:  # W = P forever
        V = ((1 - d) * stage.R + d * a * stage.P) / (1 - d * (1 - a))
        return V, (1 - d) * stage.T + d * ((1 - b) * V + b * stage.P)
    # states 0 (cooperate), 1..k (punishment period j)
    n = k + 1
    M = np.zeros((n, n))
    u = np.full(n, stage.P)
    u[0] = stage.R
    M[0, 0], M[0, 1] = 1 - a, a
    for j in range(1, n):
        M[j, j + 1 if j < k else 0] = 1.0
    values = np.linalg.solve(np.eye(n) - d * M, (1 - d) * u)
    return values[0], (1 - d) * stage.T + d * ((1 - b) * values[0] + b * values[1])


@fast
@given(stages(), deltas, triggers())
def test_noisy_trigger_closed_forms_solve_the_bellman_equations(stage, d, trig):
    V, dev = bellman_values(stage, d, trig)
    assert close(cooperation_value(stage, d, trig), V)
    assert close(deviation_value(stage, d, trig), dev)
    assert close(incentive_slack(stage, d, trig), V - dev)
    W = punishment_value(stage, d, trig)
    a = trig.retaliate * trig.q_hold
    assert close(V, (1 - d) * stage.R + d * ((1 - a) * V + a * W))


@fast
@given(stages(), triggers())
def test_noisy_threshold_is_where_the_incentive_constraint_binds(stage, trig):
    thr = noisy_trigger_threshold(stage, trig)
    if math.isinf(thr):
        assert incentive_slack(stage, 0.999999, trig) < 0
        return
    assume(0.001 < thr < 0.999)
    assert abs(incentive_slack(stage, thr, trig)) <= TOL * (stage.T - stage.S)
    assert incentive_slack(stage, thr + 1e-4, trig) > 0 > incentive_slack(stage, thr - 1e-4, trig)


@fast
@given(stages(), deltas, st.one_of(st.none(), st.integers(1, 40)))
def test_perfect_monitoring_is_the_special_case_q_hold_0_q_violate_1(stage, d, k):
    trig = NoisyTrigger(q_hold=0.0, q_violate=1.0, k=k)
    assert cooperation_value(stage, d, trig) == stage.R
    assert punishment_fraction(trig) == 0.0
    perfect = grim_trigger_threshold(stage) if k is None else finite_punishment_threshold(stage, k)
    assert noisy_trigger_threshold(stage, trig) == perfect or close(noisy_trigger_threshold(stage, trig), perfect)
    decay = 0.0 if k is None else d**k
    W = (1 - decay) * stage.P + decay * stage.R
    assert close(incentive_slack(stage, d, trig), stage.R - ((1 - d) * stage.T + d * W))


@pytest.mark.parametrize("k", [3, None])
def test_noisy_trigger_closed_forms_agree_with_monte_carlo(k):
    trig = NoisyTrigger(q_hold=0.1, q_violate=0.5, k=k, retaliate=0.8)
    d = 0.9
    rng = np.random.default_rng(20251019)
    for deviate, expected in ((False, cooperation_value(PD, d, trig)), (True, deviation_value(PD, d, trig))):
        runs = simulate_trigger(PD, d, trig, runs=20_000, periods=300, rng=rng, deviate_first=deviate)
        se = runs.payoff.std(ddof=1) / math.sqrt(len(runs.payoff))
        assert abs(runs.payoff.mean() - expected) <= 4 * se + d**300 * PD.T
    if k is not None:
        periods = 3000
        runs = simulate_trigger(PD, d, trig, runs=2000, periods=periods, rng=rng)
        share = runs.punished_share
        se = share.std(ddof=1) / math.sqrt(len(share))
        bias = 2 * k / periods  # runs start cooperating, not in the stationary law
        assert abs(share.mean() - punishment_fraction(trig)) <= 4 * se + bias


def test_simulation_is_reproducible_and_perfect_monitoring_never_punishes():
    trig = NoisyTrigger(q_hold=0.2, q_violate=0.6, k=2)
    one = simulate_trigger(PD, 0.8, trig, runs=50, periods=40, rng=np.random.default_rng(1))
    two = simulate_trigger(PD, 0.8, trig, runs=50, periods=40, rng=np.random.default_rng(1))
    assert np.array_equal(one.payoff, two.payoff) and np.array_equal(one.punished_share, two.punished_share)
    clean = simulate_trigger(PD, 0.8, NoisyTrigger(0.0, 1.0, 2), runs=10, periods=200, rng=np.random.default_rng(1))
    assert np.all(clean.punished_share == 0) and np.allclose(clean.payoff, PD.R * (1 - 0.8**200))


@fast
@given(stages(), deltas, triggers())
def test_retaliation_probability_makes_kabul_exactly_indifferent(stage, d, trig):
    try:
        rho = retaliation_probability(stage, d, trig.q_hold, trig.q_violate, trig.k)
    except ConfigError:
        assert noisy_trigger_threshold(stage, NoisyTrigger(trig.q_hold, trig.q_violate, trig.k)) >= d
        return
    assert 0.0 <= rho <= 1.0
    V, dev = bellman_values(stage, d, NoisyTrigger(trig.q_hold, trig.q_violate, trig.k, rho))
    assert abs(V - dev) <= TOL * (stage.T - stage.S)


def test_retaliation_is_certain_at_the_threshold_and_rises_as_patience_runs_out():
    thr = noisy_trigger_threshold(PD, NoisyTrigger(0.05, 0.6, k=5))
    assert close(retaliation_probability(PD, thr, 0.05, 0.6, 5), 1.0)
    rhos = [retaliation_probability(PD, d, 0.05, 0.6, 5) for d in (0.99, 0.95, 0.9, thr + 1e-6)]
    assert rhos == sorted(rhos) and rhos[-1] < 1  # PK10: less patience, more retaliation needed
    assert close(retaliation_probability(PD, 0.8, 0.0, 1.0), (PD.T - PD.R) * 0.2 / (0.8 * (PD.R - PD.P)))


def test_signal_probabilities_follow_the_rollout_attribution():
    params = CeasefireParams(
        attack_rate=0.2, effort_cap=0.7, major_share=0.1, attribution=0.5, false_alarm_verification=0.6,
        detection_verification=0.4, pak_retaliate=0.5, afg_respond=0.5, incident=(0.01, 0.01, 0.01, 0.01),
        incident_damping=0.5, deescalate=0.1, deconfliction_pull=0.1, war_exit=0.1, reopen=0.1,
        deaths_per_day=(0, 1, 2, 3, 4), trade_loss_per_day=1e6,
    )
    situation = Situation(effort_hold=1.0, effort_violate=0.0, deterred=True, verification=0.5, deconfliction=0.0)
    q_hold, q_violate = signal_probabilities(params, situation)
    false_alarm = 0.5 * (1 - 0.6 * 0.5)
    detection = 0.5 + 0.5 * 0.4 * 0.5
    assert close(q_hold, 0.2 * 0.3 * false_alarm) and close(q_violate, q_hold + 0.2 * 0.7 * detection)
    assert 0 < retaliation_probability(PD, 0.99, q_hold, q_violate) < 1  # daily discounting, grim punishment
    with pytest.raises(ConfigError, match="at no discount factor"):  # 3 days of punishment are too short
        retaliation_probability(PD, 0.99, q_hold, q_violate, k=3)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, key",
    [
        (lambda: StageGame(T=3.0, R=3.0, P=1.0, S=0.0), "ceasefire.T"),
        (lambda: StageGame(T=5.0, R=1.0, P=1.0, S=0.0), "ceasefire.R"),
        (lambda: StageGame(T=5.0, R=3.0, P=0.0, S=0.0), "ceasefire.P"),
        (lambda: StageGame(T=9.0, R=3.0, P=1.0, S=0.0), "ceasefire.R"),  # 2R <= T + S
        (lambda: StageGame(T=math.nan, R=3.0, P=1.0, S=0.0), "ceasefire.T"),
        (lambda: grim_trigger_threshold(PD) + long_run_payoff(PD, always(0), always(0), 1.0)[0], "ceasefire.delta"),
        (lambda: tit_for_tat_conditions(PD, 0.0), "ceasefire.delta"),
        (lambda: cooperation_value(PD, -0.5, NoisyTrigger(0.1, 0.5)), "ceasefire.delta"),
        (lambda: NoisyTrigger(q_hold=-0.1, q_violate=0.5), "ceasefire.q_hold"),
        (lambda: NoisyTrigger(q_hold=0.1, q_violate=1.5), "ceasefire.q_violate"),
        (lambda: NoisyTrigger(q_hold=0.5, q_violate=0.5), "ceasefire.q_violate"),
        (lambda: NoisyTrigger(q_hold=0.1, q_violate=0.5, retaliate=2.0), "ceasefire.retaliate"),
        (lambda: NoisyTrigger(q_hold=0.1, q_violate=0.5, k=0), "ceasefire.k"),
        (lambda: finite_punishment_threshold(PD, 0), "ceasefire.k"),
        (lambda: finite_punishment_threshold(PD, 2.5), "ceasefire.k"),
        (lambda: retaliation_probability(PD, 0.3, 0.1, 0.5), "ceasefire.delta"),  # too impatient
        (lambda: retaliation_probability(PD, 0.99, 0.1, 0.5, 3), "ceasefire.k"),  # punishment too short
        (lambda: retaliation_probability(PD, 0.9, 0.5, 0.6), "ceasefire.q_hold"),  # false alarms swamp
        (lambda: simulate_trigger(PD, 0.9, NoisyTrigger(0.1, 0.5), runs=0, periods=10, rng=np.random.default_rng()),
         "ceasefire.runs"),
        (lambda: Strategy(actions=(2,), transitions=(((0, 0), (0, 0)),)), "strategy.actions"),
        (lambda: Strategy(actions=(0,), transitions=(((0, 1), (0, 0)),)), "strategy.transitions"),
    ],
)
def test_bad_parameters_raise_config_error_naming_them(make, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        make()
