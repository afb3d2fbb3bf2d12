"""Ceasefire rollouts: retrodiction T2, direction, statistical honesty, reproducibility."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from omegaconf import OmegaConf

from negsim import load_scenario, select, solve, talks_game
from negsim.errors import ConfigError
from negsim.io.configs import config_dir
from negsim.model.rollout import (
    BLOCK,
    CeasefireParams,
    Situation,
    daily_probabilities,
    exact_breakdown_probability,
    rollout,
    transition_matrix,
    wilson_interval,
)
from negsim.model.scenario import build_rollout
from negsim.model.situation import situation_after_talks

PARAMS, EFFORT_UNVERIFIED, BREAKDOWN, _ = build_rollout(OmegaConf.load(config_dir() / "rollout" / "default.yaml"))


def after_talks(name: str) -> Situation:
    scenario = load_scenario(name)
    game = talks_game(scenario)
    eqs = solve(game)
    return situation_after_talks(
        scenario, eqs[select(game, eqs)], effort_unverified=EFFORT_UNVERIFIED, breakdown_level=BREAKDOWN
    )


def test_T2_unmediated_48_hour_truce_at_october_tension_breaks_within_a_week():
    # EV3: first truce, before any talks (no effort), no mediator, fighting under way (clash).
    october = Situation(effort=0.0, verification=0.0, deconfliction=0.0, start_level=2, border_closed=True)
    result = rollout(PARAMS, october, runs=20_000, days=60, seed=3)
    assert result.time_to_breakdown_quantiles((0.5,))[0.5] <= 7
    assert result.breakdown_probability()[2][1] > 0.25  # upper CI: a 48-hour truce often fails


def test_T2_mediated_doha_ceasefire_survives_three_weeks_with_incidents():
    doha = after_talks("doha_round")
    assert doha.deconfliction > 0 and doha.effort > 0  # mediated, with conditional restraint
    result = rollout(PARAMS, doha, runs=20_000, days=21, seed=4)
    p, lo, hi = result.breakdown_probability()
    assert hi[-1] <= 0.5  # survives 21 days with probability at least 0.5 (whole CI)
    assert result.incident_probability(21) >= 0.5


@pytest.mark.parametrize("knob", ["verification", "deconfliction"])
def test_breakdown_never_rises_with_verification_or_deconfliction(knob):
    base = Situation(effort=0.3, verification=0.2, deconfliction=0.3, start_level=1)
    curves = [
        rollout(PARAMS, replace(base, **{knob: v}), runs=3 * BLOCK, days=90, seed=11).breakdown_by_day()
        for v in np.linspace(0, 1, 6)
    ]
    for lower, higher in itertools.pairwise(curves):
        assert np.all(higher <= lower)
    assert curves[-1][-1] < curves[0][-1]


def test_common_random_numbers_pathwise():
    # Same seed, more de-confliction: no run breaks down earlier than it did before.
    base = Situation(effort=0.3, verification=0.2, deconfliction=0.1, start_level=1)
    a = rollout(PARAMS, base, runs=5000, days=120, seed=5).breakdown_day
    b = rollout(PARAMS, replace(base, deconfliction=0.9), runs=5000, days=120, seed=5).breakdown_day
    assert np.all((b == 0) | ((a > 0) & (b >= a)))


def constant_hazard(h: float) -> tuple[CeasefireParams, Situation]:
    """A ladder whose only move is clash -> strikes with probability h a day."""
    params = replace(PARAMS, attack_rate=0.0, incident=(0.0, 0.0, h, 0.0), deescalate=0.0, deconfliction_pull=0.0)
    return params, Situation(effort=0.0, verification=0.0, deconfliction=0.0, start_level=2)


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


def test_monte_carlo_agrees_with_the_exact_chain_on_the_default_model():
    situation = Situation(effort=0.3, verification=0.2, deconfliction=0.3, start_level=1)
    exact = exact_breakdown_probability(PARAMS, situation, 120)
    result = rollout(PARAMS, situation, runs=40_000, days=120, seed=8)
    p = result.breakdown_by_day() / result.runs
    se = np.sqrt(exact * (1 - exact) / result.runs)
    assert np.all(np.abs(p - exact) <= 4.5 * se + 1e-12)
    T = transition_matrix(daily_probabilities(PARAMS, situation))
    np.testing.assert_allclose(T.sum(axis=1), 1.0)
    assert T[4, 4] == pytest.approx(1.0, abs=1e-12)  # open war absorbing


def test_same_seed_same_numbers_whatever_the_chunk_size():
    situation = after_talks("istanbul_round2")
    runs = 2 * BLOCK + 123
    results = [rollout(PARAMS, situation, runs=runs, days=40, seed=21, chunk_runs=c) for c in (1, BLOCK, 10**6)]
    for r in results[1:]:
        for name in ("breakdown_day", "first_incident_day", "closed_days", "deaths", "final_level"):
            np.testing.assert_array_equal(getattr(r, name), getattr(results[0], name))
    other = rollout(PARAMS, situation, runs=runs, days=40, seed=22)
    assert not np.array_equal(other.breakdown_day, results[0].breakdown_day)
    # A prefix of runs is the same whatever the total number of runs.
    small = rollout(PARAMS, situation, runs=100, days=40, seed=21)
    np.testing.assert_array_equal(small.breakdown_day, results[0].breakdown_day[:100])


def test_outputs_are_consistent():
    r = rollout(PARAMS, after_talks("istanbul_round2"), runs=5000, days=90, seed=2)
    surv = r.survival()
    assert np.all(np.diff(surv) <= 0) and 0 <= surv[-1] <= 1
    h = r.hazard()
    np.testing.assert_allclose(np.cumprod(1 - h), surv)
    s = r.summary()
    assert s["mean_trade_lost_usd"] == pytest.approx(s["mean_closed_days"] * 1e6)
    assert np.all(r.closed_days <= 90) and s["mean_deaths"] > 0
    p, lo, hi = wilson_interval(np.array([0, 5, 10]), 10)
    assert lo[0] == 0 and hi[-1] == 1 and np.all(lo <= p) and np.all(p <= hi)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"attack_rate": 1.5}, "rollout.attack_rate: expected probabilities"),
        ({"incident": (0.1, 0.1)}, "rollout.incident needs 4 values"),
        ({"deaths_per_day": (0, 1, 2, 3, -4)}, "rollout.deaths_per_day"),
        ({"deescalate": 0.6, "deconfliction_pull": 0.6}, "must not exceed 1"),
    ],
)
def test_bad_parameters_are_named(change, message):
    with pytest.raises(ConfigError, match=message):
        replace(PARAMS, **change)


def test_bad_rollout_config_is_named():
    node = OmegaConf.load(config_dir() / "rollout" / "default.yaml")
    del node.sources["attack_rate"]
    with pytest.raises(ConfigError, match="rollout.sources.attack_rate: missing source"):
        build_rollout(node)
    with pytest.raises(ConfigError, match="rollout.runs and rollout.days"):
        rollout(PARAMS, Situation(0.0, 0.0, 0.0), runs=0, days=10, seed=1)
