"""Ceasefire rollouts: retrodiction T2, direction, statistical honesty, reproducibility.

Situations are built directly (not from the talks), so these tests pin the rollout alone.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from negsim.errors import ConfigError
from negsim.games.repeated import StageGame
from negsim.io.configs import config_dir, load_yaml
from negsim.model.chain import exact_breakdown_probability, exact_level_distribution, state_index, transition_matrix
from negsim.model.rollout import (
    BLOCK,
    DRAWS_PER_DAY,
    OPEN_WAR,
    RESULT_ARRAYS,
    CeasefireParams,
    RolloutSetup,
    Situation,
    daily_probabilities,
    on_day,
    rollout,
    rollout_points,
    signal_probabilities,
    step,
    tension,
    wilson_interval,
)
from negsim.model.scenario import build_rollout

SETUP = build_rollout(OmegaConf.load(config_dir() / "rollout" / "default.yaml"))
PARAMS, BREAKDOWN = SETUP.params, SETUP.breakdown_level

#: EV3: the first truce, before any talks, no mediator, fighting under way (clash).
UNMEDIATED = Situation(effort_hold=0.5, effort_violate=0.25, deterred=False, verification=0.0, deconfliction=0.0,
                       start_level=2, border_closed=True)
#: EV4: the Doha ceasefire: mediated, conditional restraint on both sides (PK5, AF6).
MEDIATED = Situation(effort_hold=1.0, effort_violate=0.5, deterred=True, verification=0.5, deconfliction=0.6,
                     pak_retaliate=0.4, punishment_days=30, start_level=1, border_closed=True)
#: A middling situation, deterred, without punishment phases.
MIDDLE = Situation(effort_hold=0.6, effort_violate=0.3, deterred=True, verification=0.2, deconfliction=0.3,
                   start_level=1)


def test_T2_unmediated_48_hour_truce_at_october_tension_breaks_within_a_week():
    result = rollout(PARAMS, UNMEDIATED, runs=20_000, days=60, seed=3)
    assert result.time_to_breakdown_quantiles((0.5,))[0.5] <= 7
    assert result.breakdown_probability()[2][1] > 0.25  # upper CI: a 48-hour truce often fails


def test_T2_mediated_doha_ceasefire_survives_three_weeks_with_incidents():
    result = rollout(PARAMS, MEDIATED, runs=20_000, days=21, seed=4)
    p, lo, hi = result.breakdown_probability()
    assert hi[-1] <= 0.5  # survives 21 days with probability at least 0.5 (whole CI)
    assert result.incident_probability(21) >= 0.5


def test_the_default_config_builds_a_rollout_setup():
    assert isinstance(SETUP, RolloutSetup)
    assert SETUP.stage == StageGame(T=1.0, R=0.0, P=-2.0, S=-3.0)
    assert SETUP.punishment_days == 30 and BREAKDOWN == 3
    assert SETUP.sizes == {"runs": 10000, "days": 180, "chunk_runs": 65536}
    # EV2: over 70 killed in about nine days of open war; open war ends after about nine days
    assert PARAMS.deaths_per_day[OPEN_WAR] == pytest.approx(70 / 9, abs=0.5)
    assert np.all(np.diff(PARAMS.deaths_per_day) > 0)
    assert 1 / PARAMS.war_exit == pytest.approx(9, abs=0.1)


# --- the signal: verification lowers false alarms more than detections --------------------


fractions = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(attack_rate=fractions, effort_cap=fractions, attribution=fractions, false_alarm=fractions,
       detection=fractions, hold=fractions, violate_share=fractions, v=st.lists(fractions, min_size=2, max_size=6))
def test_verification_never_blurs_the_signal(attack_rate, effort_cap, attribution, false_alarm, detection, hold,
                                             violate_share, v):
    params = replace(PARAMS, attack_rate=attack_rate, effort_cap=effort_cap, attribution=attribution,
                     false_alarm_verification=false_alarm, detection_verification=detection)
    base = Situation(effort_hold=hold, effort_violate=hold * violate_share, deterred=True, verification=0.0,
                     deconfliction=0.0)
    q = np.array([signal_probabilities(params, replace(base, verification=x)) for x in sorted(v)])
    q_hold, gap = q[:, 0], q[:, 1] - q[:, 0]
    assert np.all(np.diff(q_hold) <= 1e-12)  # false alarms never rise with verification
    assert np.all(np.diff(gap) >= -1e-12)  # the separation never falls
    assert np.all((0 <= q_hold) & (q_hold <= q[:, 1]) & (q[:, 1] <= 1))


@pytest.mark.parametrize("situation", [MIDDLE, UNMEDIATED, MEDIATED], ids=["middle", "unmediated", "mediated"])
def test_signal_probabilities_are_the_rollouts_own_rates(situation):
    q_hold, q_violate = signal_probabilities(PARAMS, situation)
    hold = daily_probabilities(PARAMS, replace(situation, deterred=True))
    violate = daily_probabilities(PARAMS, replace(situation, deterred=False))
    assert q_hold == pytest.approx(hold["attack"] * hold["attributed"], rel=1e-12)
    assert q_violate == pytest.approx(violate["attack"] * violate["attributed"], rel=1e-12)
    assert q_violate == pytest.approx(hold["attack_punish"] * hold["attributed_punish"], rel=1e-12)
    # closed form of the gap
    v, a = situation.verification, PARAMS.attribution
    att_true = a + (1 - a) * PARAMS.detection_verification * v
    gap = PARAMS.attack_rate * PARAMS.effort_cap * (situation.effort_hold - situation.effort_violate) * att_true
    assert q_violate - q_hold == pytest.approx(gap, rel=1e-9)


def test_verification_blames_a_violating_kabul_more_and_a_holding_one_less():
    # Kabul committed to full effort but violating: most attacks are its fault, so
    # verification's detections outweigh the false alarms it removes.
    undeterred = replace(MIDDLE, effort_hold=1.0, deterred=False, effort_violate=0.0)
    p0, p1 = (daily_probabilities(PARAMS, replace(undeterred, verification=v)) for v in (0.0, 1.0))
    assert p0["attributed"] == pytest.approx(PARAMS.attribution)  # unverified: blame is blind
    assert p1["attributed"] > p0["attributed"]
    h0, h1 = (daily_probabilities(PARAMS, replace(undeterred, deterred=True, verification=v)) for v in (0.0, 1.0))
    assert h1["attributed"] < h0["attributed"] == pytest.approx(PARAMS.attribution)
    assert p1["attributed"] > h1["attributed"]  # verified, the blame tells holding from violating
    # during a punishment phase Kabul's effort is effort_violate whether deterred or not
    assert h1["attributed_punish"] == p1["attributed"] and h1["attack_punish"] == p1["attack"]


# --- direction and common random numbers ----------------------------------------------


@pytest.mark.parametrize("knob", ["verification", "deconfliction"])
def test_breakdown_never_rises_with_verification_or_deconfliction_for_a_deterred_kabul(knob):
    # Deterred and without punishment phases, Kabul always holds: verification only
    # removes false alarms, so (on common random numbers) breakdowns can only fall.
    base = replace(MIDDLE, effort_hold=0.3, effort_violate=0.1)
    curves = [
        rollout(PARAMS, replace(base, **{knob: v}), runs=3 * BLOCK, days=90, seed=11).breakdown_by_day()
        for v in np.linspace(0, 1, 6)
    ]
    for lower, higher in itertools.pairwise(curves):
        assert np.all(higher <= lower)
    assert curves[-1][-1] < curves[0][-1]


def test_common_random_numbers_pathwise():
    # Same seed, more de-confliction: no run breaks down earlier than it did before (also
    # with punishment phases: both runs see the same retaliations until the first breaks).
    for base in (replace(MIDDLE, effort_hold=0.3, deconfliction=0.1), replace(MEDIATED, deconfliction=0.1)):
        a = rollout(PARAMS, base, runs=5000, days=120, seed=5).breakdown_day
        b = rollout(PARAMS, replace(base, deconfliction=0.9), runs=5000, days=120, seed=5).breakdown_day
        assert np.all((b == 0) | ((a > 0) & (b >= a)))


def test_punishment_phases_raise_breakdown():
    short, long = (rollout(PARAMS, replace(MEDIATED, punishment_days=k), runs=2 * BLOCK, days=90, seed=6)
                   for k in (0, 60))
    assert long.breakdown_by_day()[-1] > short.breakdown_by_day()[-1]


# --- the mechanics of one day ---------------------------------------------------------


def one_run(level: int, punish: int, events: dict[int, bool]) -> tuple[int, int]:
    """:func:`step` of one run with uniforms that make exactly ``events`` (draw -> happens) happen."""
    u = np.ones((DRAWS_PER_DAY, 1))
    for k, happens in events.items():
        u[k] = 0.0 if happens else 1.0
    p = daily_probabilities(PARAMS, MEDIATED)
    new, _, new_punish, _ = step(np.array([level], np.int8), np.array([True]), np.array([punish], np.int32), u, p)
    return int(new[0]), int(new_punish[0])


def test_a_retaliation_starts_one_punishment_phase_that_counts_down():
    attack_blamed_retaliated = {0: True, 2: True, 3: True}
    level, punish = one_run(0, 0, attack_blamed_retaliated)
    assert (level, punish) == (1, MEDIATED.punishment_days)
    level, punish = one_run(1, 5, attack_blamed_retaliated)  # during a phase: no restart
    assert (level, punish) == (2, 4)
    days_down = []
    level, punish = 2, 3
    for _ in range(5):
        level, punish = one_run(level, punish, {6: True})  # a step-down draw every day
        days_down.append(level)
    assert days_down == [1, 0, 0, 0, 0]  # the ladder steps down during the phase too


def test_open_war_ends_in_a_truce_at_war_exit_level():
    assert one_run(OPEN_WAR, 0, {6: True}) == (PARAMS.war_exit_level, 0)
    assert one_run(OPEN_WAR, 7, {6: True}) == (PARAMS.war_exit_level, 6)
    assert one_run(OPEN_WAR, 0, {0: True, 2: True, 3: True, 5: True}) == (OPEN_WAR, 0)  # nothing else at war


def test_tension_is_weibull_shaped_and_flat_at_shape_one():
    m = tension(PARAMS, 180)
    assert m[0] == 1.0 and np.all(np.diff(m) < 0) and m[-1] > 0
    t, s, k = 100, PARAMS.tension_scale, PARAMS.tension_shape
    assert m[t - 1] == pytest.approx(((t - 1 + s) / s) ** (k - 1))
    np.testing.assert_array_equal(tension(replace(PARAMS, tension_shape=1.0), 50), 1.0)
    p = daily_probabilities(PARAMS, MIDDLE)
    q = on_day(p, 0.5)
    assert q["attack"] == 0.5 * p["attack"] and q["down"] == p["down"]
    np.testing.assert_array_equal(q["incident"], 0.5 * p["incident"])


# --- exactness: the chain and the Monte Carlo agree -----------------------------------


def constant_hazard(h: float) -> tuple[CeasefireParams, Situation]:
    """A ladder whose only move is clash -> strikes with probability h a day."""
    params = replace(PARAMS, attack_rate=0.0, incident=(0.0, 0.0, h, 0.0), deescalate=0.0, deconfliction_pull=0.0,
                     tension_shape=1.0)
    return params, Situation(effort_hold=0.0, effort_violate=0.0, deterred=False, verification=0.0,
                             deconfliction=0.0, start_level=2)


def test_constant_hazard_matches_closed_form_and_wilson_covers_about_95_percent():
    h, t, runs = 0.03, 10, 300
    params, situation = constant_hazard(h)
    truth = 1 - (1 - h) ** t
    np.testing.assert_allclose(exact_breakdown_probability(params, situation, t)[-1], truth, rtol=1e-12)
    covered = []
    for rep in range(300):
        _, lo, hi = rollout(params, situation, runs=runs, days=t, seed=1000 + rep).breakdown_probability()
        covered.append(lo[-1] <= truth <= hi[-1])
    coverage = np.mean(covered)
    assert 0.91 <= coverage <= 0.985, coverage


def test_weibull_hazard_matches_closed_form():
    # Only move: clash -> strikes with probability h * m(t) on day t.
    h, t = 0.05, 60
    params, situation = constant_hazard(h)
    params = replace(params, tension_shape=0.6, tension_scale=10.0)
    truth = 1 - np.cumprod(1 - h * tension(params, t))
    np.testing.assert_allclose(exact_breakdown_probability(params, situation, t), truth, rtol=1e-12)


CHAIN_CASES = {
    "middle": (PARAMS, MIDDLE),
    "flat hazard": (replace(PARAMS, tension_shape=1.0), MIDDLE),
    "undeterred, verified": (PARAMS, replace(MIDDLE, deterred=False, verification=0.9)),
    "mediated, 30-day punishment": (PARAMS, MEDIATED),
    "punishment, steep tension": (replace(PARAMS, tension_shape=0.4, tension_scale=5.0),
                                  replace(MIDDLE, punishment_days=12, pak_retaliate=0.9)),
    "unmediated at clash": (PARAMS, UNMEDIATED),
    "breakdown at open war, majors": (replace(PARAMS, major_share=0.5),
                                      replace(MIDDLE, effort_hold=0.2, effort_violate=0.0, deterred=False,
                                              punishment_days=5, breakdown_level=4)),
}


@pytest.mark.parametrize("params, situation", list(CHAIN_CASES.values()), ids=list(CHAIN_CASES))
def test_monte_carlo_agrees_with_the_exact_chain(params, situation):
    days = 120
    exact = exact_breakdown_probability(params, situation, days)
    result = rollout(params, situation, runs=40_000, days=days, seed=8)
    p = result.breakdown_by_day() / result.runs
    se = np.sqrt(exact * (1 - exact) / result.runs)
    assert np.all(np.abs(p - exact) <= 4.5 * se + 1e-12)


@pytest.mark.parametrize("war_exit", [0.0, 1 / 9, 0.5])
def test_monte_carlo_level_distribution_agrees_with_the_exact_chain_through_war_and_truce(war_exit):
    params = replace(PARAMS, war_exit=war_exit, major_share=0.4, attack_rate=0.3)
    situation = replace(MIDDLE, effort_hold=0.2, effort_violate=0.0, deterred=False, punishment_days=10,
                        pak_retaliate=0.8, start_level=2)
    days = 60
    exact = exact_level_distribution(params, situation, days)[-1]
    result = rollout(params, situation, runs=40_000, days=days, seed=9)
    freq = np.bincount(result.final_level, minlength=OPEN_WAR + 1) / result.runs
    se = np.sqrt(exact * (1 - exact) / result.runs)
    assert np.all(np.abs(freq - exact) <= 4.5 * se + 1e-12), (freq, exact)
    if war_exit == 0.0:
        assert exact[OPEN_WAR] == pytest.approx(1 - exact[:OPEN_WAR].sum()) and exact[OPEN_WAR] > 0.5
    else:
        assert 0 < exact[OPEN_WAR] < 0.99


def test_transition_matrix_is_stochastic_with_the_truce_out_of_open_war():
    p = daily_probabilities(PARAMS, MEDIATED)
    T = transition_matrix(p)
    K = MEDIATED.punishment_days
    assert T.shape == (5 * (K + 1),) * 2
    np.testing.assert_allclose(T.sum(axis=1), 1.0)
    war = state_index(OPEN_WAR, 0)
    assert T[war, state_index(PARAMS.war_exit_level, 0)] == pytest.approx(PARAMS.war_exit)
    assert T[war, war] == pytest.approx(1 - PARAMS.war_exit)
    # from punishment day k the counter goes to k - 1, from 0 to 0 or K
    for k in (3, K):
        src = state_index(np.arange(5), k)
        assert T[np.ix_(src, state_index(np.arange(5), k - 1))].sum(axis=1) == pytest.approx(np.ones(5))
    assert T[state_index(0, 0), state_index(np.arange(5), K)].sum() > 0
    # the ladder steps down during punishment too: from (2, 5) to (1, 4)
    assert T[state_index(2, 5), state_index(1, 4)] > 0.0


# --- reproducibility and outputs ------------------------------------------------------


def test_same_seed_same_numbers_whatever_the_chunk_size():
    situation = MEDIATED
    runs = 2 * BLOCK + 123
    results = [rollout(PARAMS, situation, runs=runs, days=40, seed=21, chunk_runs=c) for c in (1, BLOCK, 10**6)]
    for r in results[1:]:
        for name in ("breakdown_day", *RESULT_ARRAYS):
            np.testing.assert_array_equal(getattr(r, name), getattr(results[0], name))
    other = rollout(PARAMS, situation, runs=runs, days=40, seed=22)
    assert not np.array_equal(other.first_incident_day, results[0].first_incident_day)
    # A prefix of runs is the same whatever the total number of runs.
    small = rollout(PARAMS, situation, runs=100, days=40, seed=21)
    np.testing.assert_array_equal(small.first_incident_day, results[0].first_incident_day[:100])


def test_each_point_gets_what_it_gets_alone():
    points = [MIDDLE, UNMEDIATED, MEDIATED, replace(MEDIATED, pak_retaliate=None, punishment_days=7)]
    together = rollout_points(PARAMS, points, runs=BLOCK + 50, days=30, seed=13, chunk_runs=2 * BLOCK)
    for situation, r in zip(points, together, strict=True):
        alone = rollout(PARAMS, situation, runs=BLOCK + 50, days=30, seed=13)
        for name in ("breakdown_day", *RESULT_ARRAYS):
            np.testing.assert_array_equal(getattr(r, name), getattr(alone, name))


def test_outputs_are_consistent():
    r = rollout(PARAMS, MEDIATED, runs=5000, days=90, seed=2)
    surv = r.survival()
    assert np.all(np.diff(surv) <= 0) and 0 <= surv[-1] <= 1
    h = r.hazard()
    np.testing.assert_allclose(np.cumprod(1 - h), surv)
    s = r.summary()
    assert s["mean_trade_lost_usd"] == pytest.approx(s["mean_closed_days"] * 1e6)
    assert np.all(r.closed_days <= 90) and s["mean_deaths"] > 0
    p, lo, hi = wilson_interval(np.array([0, 5, 10]), 10)
    assert lo[0] == 0 and hi[-1] == 1 and np.all(lo <= p) and np.all(p <= hi)


# --- errors name the key --------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"attack_rate": 1.5}, "rollout.attack_rate: expected probabilities"),
        ({"false_alarm_verification": -0.1}, "rollout.false_alarm_verification: expected probabilities"),
        ({"war_exit": 2.0}, "rollout.war_exit: expected probabilities"),
        ({"incident": (0.1, 0.1)}, "rollout.incident needs 4 values"),
        ({"deaths_per_day": (0, 1, 2, 3, -4)}, "rollout.deaths_per_day"),
        ({"deescalate": 0.6, "deconfliction_pull": 0.6}, "must not exceed 1"),
        ({"war_exit_level": 4}, "rollout.war_exit_level: expected a ladder level 0-3"),
        ({"tension_shape": 0.0}, r"rollout.tension_shape: expected a Weibull shape in \(0, 1\]"),
        ({"tension_shape": 1.5}, "rollout.tension_shape"),
        ({"tension_scale": 0.0}, "rollout.tension_scale: expected a positive number of days"),
    ],
)
def test_bad_parameters_are_named(change, message):
    with pytest.raises(ConfigError, match=message):
        replace(PARAMS, **change)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"effort_hold": 1.2}, r"rollout.effort_hold: expected a fraction in \[0, 1\]"),
        ({"effort_violate": 0.7}, r"rollout.effort_violate: expected a fraction in \[0, effort_hold=0.6\]"),
        ({"deterred": "yes"}, "rollout.deterred: expected true or false"),
        ({"verification": -0.1}, "rollout.verification: expected a fraction"),
        ({"pak_retaliate": 1.5}, "rollout.pak_retaliate: expected a fraction"),
        ({"punishment_days": -1}, "rollout.punishment_days: expected a whole number"),
        ({"punishment_days": 2.5}, "rollout.punishment_days: expected a whole number"),
        ({"start_level": 5}, "rollout.start_level: expected a ladder level 0-4"),
        ({"breakdown_level": 0}, "rollout.breakdown_level: expected 1-4"),
    ],
)
def test_bad_situations_are_named(change, message):
    with pytest.raises(ConfigError, match=message):
        replace(MIDDLE, **change)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda n: n["sources"].pop("attack_rate"), "rollout.sources.attack_rate: missing source"),
        (lambda n: n["sources"].pop("war_exit"), "rollout.sources.war_exit: missing source"),
        (lambda n: n.__setitem__("effort_unverified", 0.5), "rollout.effort_unverified: unknown key"),
        (lambda n: n.__setitem__("stage_S", 0.5), "rollout.stage_P: a prisoner's dilemma needs T > R > P > S"),
        (lambda n: n.__setitem__("punishment_days", -1), "rollout.punishment_days: expected a whole number"),
        (lambda n: n.__setitem__("tension_shape", 2.0), "rollout.tension_shape"),
    ],
)
def test_bad_rollout_config_is_named(edit, message):
    node = load_yaml(config_dir() / "rollout" / "default.yaml")
    edit(node)
    with pytest.raises(ConfigError, match=message):
        build_rollout(node)


def test_bad_run_sizes_are_named():
    with pytest.raises(ConfigError, match="rollout.runs and rollout.days"):
        rollout(PARAMS, MIDDLE, runs=0, days=10, seed=1)
