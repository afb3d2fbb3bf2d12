"""Named outcomes: each ladder level, the first rise and the crossings by a horizon, with
intervals; Monte Carlo against the exact chain, first-passage bookkeeping, bad names."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from negsim.errors import ConfigError
from negsim.io.configs import config_dir
from negsim.model.chain import exact_results
from negsim.model.forecast import ExactForecast, Forecast
from negsim.model.outcomes import LEVEL_OUTCOMES, OUTCOMES, check_horizon, named_outcome, question
from negsim.model.rollout import LEVEL_DAYS, OPEN_WAR, Situation, rollout, rollout_points
from negsim.model.scenario import build_rollout

SETUP = build_rollout(OmegaConf.load(config_dir() / "rollout" / "default.yaml"))
PARAMS = SETUP.params
#: A volatile ceasefire: every named outcome has a probability well inside (0, 1) within 60 days.
VOLATILE = Situation(effort_hold=0.4, effort_violate=0.1, deterred=False, verification=0.2, deconfliction=0.2,
                     punishment_days=5, start_level=0, border_closed=True)
CALMER = Situation(effort_hold=0.9, effort_violate=0.4, deterred=True, verification=0.6, deconfliction=0.6,
                   pak_retaliate=0.3, punishment_days=10, start_level=1, border_closed=True)


def test_every_named_outcome_is_its_own_array_and_the_levels_are_in_ladder_order():
    assert list(OUTCOMES) == ["incident", "clash", "strikes", "open_war", "first_incident", "crossings_reopened"]
    assert [OUTCOMES[n].days_array for n in LEVEL_OUTCOMES] == list(LEVEL_DAYS)
    assert len({o.days_array for o in OUTCOMES.values()}) == len(OUTCOMES)
    assert question(OUTCOMES["open_war"], 90) == "P(open war within 90 days)"
    assert question(OUTCOMES["strikes"], 1) == "P(strikes or worse within 1 day)"


@pytest.mark.parametrize("situation", [VOLATILE, CALMER], ids=["volatile", "calmer"])
@pytest.mark.parametrize("horizon", [7, 30, 60])
def test_monte_carlo_agrees_with_the_exact_chain_for_every_named_outcome(situation, horizon):
    runs, days = 30_000, 60
    mc = rollout(PARAMS, situation, runs=runs, days=days, seed=11)
    (exact,) = exact_results(PARAMS, [situation], days)
    for o in OUTCOMES.values():
        truth = float(exact.event_curve(o.days_array)[horizon - 1])
        p, lo, hi = mc.event_probability(o.days_array, horizon)
        se = np.sqrt(truth * (1 - truth) / runs)
        assert abs(p - truth) <= 4.5 * se + 1e-12, (o.name, p, truth)
        assert lo <= p <= hi
    assert 0.01 < exact.event_curve("war_day")[days - 1] < 0.99  # the test has something to find


def test_first_passage_days_are_ordered_and_breakdown_is_its_level():
    for level in range(1, OPEN_WAR + 1):
        r = rollout(PARAMS, replace(VOLATILE, breakdown_level=level), runs=3000, days=60, seed=5)
        assert np.array_equal(r.breakdown_day, getattr(r, LEVEL_DAYS[level - 1]))
    days = np.stack([getattr(r, name) for name in LEVEL_DAYS])
    reached = days > 0
    assert np.all(reached[:-1] >= reached[1:])  # reaching a level means reaching every lower one
    both = reached[:-1] & reached[1:]
    assert np.all(days[:-1][both] <= days[1:][both])
    assert np.any(days[:-1][both] < days[1:][both]) and np.any(reached[-1])
    # the first rise is the first incident when the ladder starts at holding
    assert np.array_equal(r.first_incident_day, r.incident_day)


def test_what_holds_from_the_start_has_happened_by_day_one():
    r = rollout(PARAMS, replace(CALMER, start_level=2, border_closed=False), runs=500, days=10, seed=2)
    assert np.all(r.incident_day == 1) and np.all(r.clash_day == 1) and np.all(r.reopen_day == 1)
    assert np.all((r.strikes_day == 0) | (r.strikes_day >= 1))
    shut = rollout(replace(PARAMS, reopen=0.0), replace(CALMER, start_level=0), runs=500, days=10, seed=2)
    assert np.all(shut.reopen_day == 0)  # closed at the start and never reopened
    (exact,) = exact_results(replace(PARAMS, reopen=0.0), [replace(CALMER, start_level=0)], 10)
    assert np.all(exact.reopened == 0.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), horizon=st.integers(1, 40), level=st.integers(1, OPEN_WAR))
def test_the_stratified_estimate_of_the_breakdown_level_is_the_breakdown_curve(seed, horizon, level):
    sits = [replace(VOLATILE, breakdown_level=level), replace(CALMER, breakdown_level=level)]
    results = tuple(rollout_points(PARAMS, sits, runs=1500, days=40, seed=seed))
    forecast = Forecast(((0, 0), (1, 1)), np.array([0.3, 0.7]), results)
    p, lo, hi = forecast.breakdown_probability()
    got = forecast.event_probability(LEVEL_DAYS[level - 1], horizon)
    assert got == pytest.approx((p[horizon - 1], lo[horizon - 1], hi[horizon - 1]), abs=1e-12)
    # and the ladder's outcomes nest: each level at least as likely as the next
    ladder = forecast.ladder(horizon)
    chain = [ladder[n]["p"] for n in LEVEL_OUTCOMES]
    assert all(chain[k] >= chain[k + 1] for k in range(len(chain) - 1)) and len(chain) == 4


def test_the_exact_forecast_mixes_the_strata_exactly():
    exact = exact_results(PARAMS, [VOLATILE, CALMER], 60)
    forecast = ExactForecast(((0, 0), (1, 1)), np.array([0.25, 0.75]), tuple(exact))
    for o in OUTCOMES.values():
        want = 0.25 * exact[0].event_curve(o.days_array)[44] + 0.75 * exact[1].event_curve(o.days_array)[44]
        assert forecast.event_probability(o.days_array, 45) == pytest.approx((want, want, want), abs=1e-15)


def test_the_default_outcome_is_the_breakdown_level_and_bad_names_are_refused():
    assert named_outcome(None, 3).name == "strikes" and named_outcome(None, 4).name == "open_war"
    assert named_outcome("crossings_reopened", 3).days_array == "reopen_day"
    with pytest.raises(ConfigError) as bad:
        named_outcome("war", 3)
    assert str(bad.value) == ("outcome: expected one of incident, clash, strikes, open_war, first_incident, "
                              "crossings_reopened, got 'war'")
    assert check_horizon(None, 180) == 180 and check_horizon(90, 180) == 90
    for wrong in (0, 181, 2.5, True, "90"):
        with pytest.raises(ConfigError) as bad:
            check_horizon(wrong, 180)
        assert str(bad.value) == f"horizon: expected a whole number of days from 1 to rollout.days=180, got {wrong!r}"
