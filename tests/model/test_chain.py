"""The exact ceasefire (negsim.model.chain): every answer of a rollout, held to a large Monte
Carlo of the same situation, to the first-passage chain, and to the laws of probability."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import shipped_config
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from negsim.errors import ConfigError
from negsim.io.configs import config_dir
from negsim.model.chain import (
    ExactResult,
    _levels,
    exact_breakdown_probability,
    exact_level_distribution,
    exact_results,
    horizon_probabilities,
    transition_matrix,
)
from negsim.model.forecast import ExactForecast, Forecast
from negsim.model.rollout import OPEN_WAR, Situation, daily_probabilities, on_day, rollout
from negsim.model.scenario import build_rollout
from negsim.studies.pipeline import build_point, run_point
from negsim.studies.sweep import columns, table_row

SETUP = build_rollout(OmegaConf.to_container(OmegaConf.load(config_dir() / "rollout" / "default.yaml")))
PARAMS = SETUP.params
RUNS, DAYS = 200_000, 40
#: z of the agreement checks: a Monte Carlo estimate within 4 of its standard errors.
Z = 4.0

CASES = {
    # a punishment phase, a steep tension (shape < 1), a start at incident, open crossings,
    # breakdown at open war, major attacks straight to strikes
    "punished, open war, crossings open": (
        replace(PARAMS, tension_shape=0.5, tension_scale=10.0, major_share=0.3, attack_rate=0.25),
        Situation(effort_hold=0.5, effort_violate=0.1, deterred=False, verification=0.3, deconfliction=0.2,
                  pak_retaliate=0.8, punishment_days=4, start_level=1, border_closed=False, breakdown_level=4),
    ),
    # deterred, a channel, crossings closed at the start, a clash under way, flat hazard
    "deterred at clash, crossings closed": (
        replace(PARAMS, tension_shape=1.0),
        Situation(effort_hold=0.9, effort_violate=0.4, deterred=True, verification=0.6, deconfliction=0.5,
                  pak_retaliate=0.5, punishment_days=6, start_level=2, border_closed=True, breakdown_level=3),
    ),
    # the default rates and a month-long punishment phase, starting at open war (broken
    # down from day 1; the truce, the crossings reopening)
    "starts at open war": (
        PARAMS,
        Situation(effort_hold=0.6, effort_violate=0.3, deterred=False, verification=0.0, deconfliction=0.0,
                  punishment_days=30, start_level=OPEN_WAR, border_closed=True, breakdown_level=3),
    ),
}


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def case(request):
    params, situation = CASES[request.param]
    (exact,) = exact_results(params, [situation], DAYS)
    return params, situation, exact, rollout(params, situation, runs=RUNS, days=DAYS, seed=17)


def binomial_ok(mc, exact, n: int = RUNS) -> bool:
    """Monte Carlo proportions within Z binomial standard errors of the exact ones (computed
    from the runs' own frequencies, with a floor of one run for a frequency of 0 or 1)."""
    mc, exact = np.asarray(mc, float), np.asarray(exact, float)
    se = np.sqrt(np.maximum(mc * (1 - mc), 1.0 / n) / n)
    return bool(np.all(np.abs(mc - exact) <= Z * se))


def test_breakdown_survival_and_hazard_agree_with_the_monte_carlo(case):
    _, _, exact, mc = case
    p, lo, hi = exact.breakdown_probability()
    assert p is lo is hi or (np.array_equal(p, lo) and np.array_equal(p, hi))  # no sampling error
    assert binomial_ok(mc.breakdown_by_day() / mc.runs, p)
    assert binomial_ok(mc.survival(), exact.survival())
    at_risk = mc.runs - np.concatenate([[0], mc.breakdown_by_day()[:-1]])
    h_mc, h = mc.hazard(), exact.hazard()
    risky = at_risk >= 1000
    se = np.sqrt(np.maximum(h_mc * (1 - h_mc), 1.0 / np.maximum(at_risk, 1)) / np.maximum(at_risk, 1))
    assert np.all(np.abs(h_mc - h)[risky] <= Z * se[risky])


def test_costs_open_war_and_incidents_agree_with_the_monte_carlo(case):
    params, _, exact, mc = case
    s, m = exact.summary(), mc.summary()
    for key, per_run in (("mean_closed_days", mc.closed_days), ("mean_deaths", mc.deaths)):
        se = per_run.std(ddof=1) / np.sqrt(mc.runs)
        assert abs(s[key] - m[key]) <= Z * se + 1e-12, (key, s[key], m[key], se)
    assert s["mean_trade_lost_usd"] == pytest.approx(s["mean_closed_days"] * params.trade_loss_per_day, rel=1e-12)
    assert binomial_ok(m["p_open_war"], s["p_open_war"])
    for by_day in (1, 7, 21, DAYS):
        assert binomial_ok(mc.incident_probability(by_day), exact.incident_probability(by_day))
    assert exact.incident_probability(DAYS + 30) == exact.incident_probability(DAYS)
    assert exact.incident_probability(0) == 0.0


def test_quantiles_of_the_time_to_breakdown_agree_with_the_monte_carlo(case):
    _, _, exact, mc = case
    cum = exact.breakdown
    se = np.sqrt(np.maximum(cum * (1 - cum), 1.0 / RUNS) / RUNS)
    q_exact, q_mc = exact.time_to_breakdown_quantiles(), mc.time_to_breakdown_quantiles()
    assert exact.summary()["median_days_to_breakdown"] == (None if np.isinf(q_exact[0.5]) else q_exact[0.5])
    for q, d in q_mc.items():
        if np.isinf(d):  # the Monte Carlo never reached q: nor, within its error, did the chain
            assert cum[-1] <= q + Z * se[-1]
            continue
        t = int(d) - 1  # the Monte Carlo reached q on day d, not before: so, within error, the chain
        assert cum[t] >= q - Z * se[t] and (t == 0 or cum[t - 1] <= q + Z * se[t - 1]), (q, d, q_exact[q])


@pytest.mark.parametrize("name", list(CASES))
def test_the_forecast_chain_is_the_first_passage_chain(name):
    params, situation = CASES[name]
    (exact,) = exact_results(params, [situation], 90)
    np.testing.assert_allclose(exact.breakdown, exact_breakdown_probability(params, situation, 90), rtol=1e-12,
                               atol=1e-15)
    H = horizon_probabilities(params, [situation], 90, (situation.breakdown_level, OPEN_WAR))
    assert H[0, 0] == pytest.approx(exact.breakdown[-1], rel=1e-12, abs=1e-15)
    # open war at the end of each day, from the crossings chain, is the level law's
    np.testing.assert_allclose(exact.open_war, exact_level_distribution(params, situation, 90)[:, OPEN_WAR],
                               rtol=1e-10, atol=1e-15)


def test_many_situations_at_once_give_what_each_gives_alone():
    situations = [s for _, s in CASES.values()] + [replace(CASES["starts at open war"][1], start_level=0)]
    together = exact_results(PARAMS, situations, 30)
    for situation, r in zip(situations, together, strict=True):
        (alone,) = exact_results(PARAMS, [situation], 30)
        for name in ("breakdown", "incident", "closed", "deaths", "open_war"):
            np.testing.assert_allclose(getattr(r, name), getattr(alone, name), rtol=1e-12, atol=1e-15)


def test_the_crossings_and_no_rise_chains_are_the_ladders_own():
    params, situation = CASES["punished, open war, crossings open"]
    p = on_day(daily_probabilities(params, situation), 0.7)
    T = transition_matrix(p)
    A = transition_matrix(p, crossings=True)
    calm = transition_matrix(p, rises=False)
    S = len(T)
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    for half in (slice(0, S), slice(S, 2 * S)):  # the crossings do not move the ladder
        np.testing.assert_allclose(A[half, :S] + A[half, S:], T, atol=1e-15)
    level = _levels(situation.punishment_days)
    rises = level[None, :] > level[:, None]
    np.testing.assert_allclose(calm, np.where(rises, 0.0, T), atol=1e-15)  # step's rise flag: a higher level
    # crossings close at clash or worse, and reopen only from holding
    lv = _levels(situation.punishment_days, crossings=True)
    assert np.all(A[:, :S][:, lv[:S] >= 2] == 0.0)
    assert np.all(A[S:, :S][:, lv[:S] > 0] == 0.0) and A[S + 0, 0] > 0


# --- laws of probability, for any parameters -------------------------------------------

fractions = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def chains(draw):
    params = replace(
        PARAMS, attack_rate=draw(fractions), major_share=draw(fractions), pak_retaliate=draw(fractions),
        afg_respond=draw(fractions), incident=tuple(draw(fractions) for _ in range(4)), war_exit=draw(fractions),
        reopen=draw(fractions), tension_shape=draw(st.floats(0.05, 1.0)), tension_scale=draw(st.floats(0.5, 100.0)),
        war_exit_level=draw(st.integers(0, 3)), deescalate=draw(st.floats(0.0, 0.4)),
    )
    hold = draw(fractions)
    situation = Situation(
        effort_hold=hold, effort_violate=hold * draw(fractions), deterred=draw(st.booleans()),
        verification=draw(fractions), deconfliction=draw(fractions), punishment_days=draw(st.integers(0, 4)),
        start_level=draw(st.integers(0, OPEN_WAR)), border_closed=draw(st.booleans()),
        breakdown_level=draw(st.integers(1, OPEN_WAR)),
    )
    return params, situation, draw(st.integers(1, 30))


@settings(max_examples=40, deadline=None)
@given(chains())
def test_the_exact_curves_are_probabilities_and_hang_together(chain):
    params, situation, days = chain
    (r,) = exact_results(params, [situation], days)
    tol = 1e-12
    for curve in (r.breakdown, r.incident, r.closed, r.open_war):
        assert np.all((curve >= -tol) & (curve <= 1 + tol))
    s = r.survival()
    assert np.all(np.diff(s) <= tol) and np.all(np.diff(r.incident) >= -tol)  # first passages only grow
    h = r.hazard()
    finite = np.isfinite(h)
    assert np.all((h[finite] >= -tol) & (h[finite] <= 1 + tol))
    np.testing.assert_allclose(np.cumprod(np.where(finite, 1 - h, 0.0)), s, atol=1e-9)
    deaths = np.asarray(params.deaths_per_day)
    assert np.all((r.deaths >= deaths.min() - tol) & (r.deaths <= deaths.max() + tol))
    law = exact_level_distribution(params, situation, days)
    np.testing.assert_allclose(law.sum(axis=1), 1.0, atol=1e-12)
    # broken down by day t at least as often as at or above the level on day t
    assert np.all(r.breakdown >= law[:, situation.breakdown_level:].sum(axis=1) - tol)
    assert r.summary()["mean_closed_days"] <= days + tol


@settings(max_examples=15, deadline=None)
@given(chains(), chains(), st.floats(0.0, 1.0))
def test_a_forecast_is_the_weighted_mixture_of_its_strata(a, b, w):
    (pa, sa, days), (_, sb, _) = a, b
    ra, rb = exact_results(pa, [sa, replace(sb, punishment_days=sa.punishment_days)], days)
    f = ExactForecast(((0, 0), (0, 1)), np.array([w, 1 - w]), (ra, rb))
    np.testing.assert_allclose(f.breakdown_probability()[0], w * ra.breakdown + (1 - w) * rb.breakdown, atol=1e-15)
    s = f.summary()
    for key in ("mean_closed_days", "mean_deaths", "p_open_war", "p_breakdown"):
        assert s[key] == pytest.approx(w * ra.summary()[key] + (1 - w) * rb.summary()[key], rel=1e-12, abs=1e-12)
    assert f.incident_probability(21) == pytest.approx(
        w * ra.incident_probability(21) + (1 - w) * rb.incident_probability(21), abs=1e-12)
    m = ExactResult.mixture([ra, rb], np.array([w, 1 - w]))
    np.testing.assert_allclose(m.closed, w * ra.closed + (1 - w) * rb.closed, atol=1e-15)


# --- the exact forecast in the pipeline -----------------------------------------------


def test_the_exact_forecast_has_the_forecasts_interface_without_runs():
    point = build_point(shipped_config(rollout={"method": "exact", "days": 60}))
    mc_point = build_point(shipped_config(rollout={"runs": 4096, "days": 60}))
    exact, mc = run_point(point), run_point(mc_point)
    assert isinstance(exact.rollout, ExactForecast) and isinstance(mc.rollout, Forecast)
    s, m = exact.rollout.summary(), mc.rollout.summary()
    assert set(s) == set(m) and s["method"] == "exact" and m["method"] == "monte_carlo"
    assert s["runs"] is None and s["p_breakdown_se"] == 0.0
    assert s["p_breakdown_low"] == s["p_breakdown"] == s["p_breakdown_high"]
    assert abs(s["p_breakdown"] - m["p_breakdown"]) <= Z * m["p_breakdown_se"]
    assert exact.metrics["rollout"]["seed"] is None and mc.metrics["rollout"]["seed"] == mc_point.seed
    assert set(exact.metrics["rollout"]) == set(mc.metrics["rollout"])
    np.testing.assert_array_equal(exact.rollout.standard_error(), np.zeros(60))
    assert sorted(exact.rollout.arrays()) == ["hazard", "p_breakdown", "strata", "weights"]
    n_cols = point.game.shape[1]
    for (i, j), r in zip(exact.rollout.cells, exact.rollout.results, strict=True):  # each stratum's own
        assert exact.metrics["outcomes"][i * n_cols + j]["ceasefire"]["p_breakdown"] == r.breakdown[-1]
    weighted = sum(w * r.breakdown[-1] for w, r in zip(exact.rollout.weights, exact.rollout.results, strict=True))
    assert s["p_breakdown"] == pytest.approx(weighted, rel=1e-12)


def test_the_method_enters_the_hash_only_when_it_is_not_the_default():
    base = shipped_config()
    default = {**base, "rollout": {**base["rollout"], "method": "monte_carlo"}}
    without = {**base, "rollout": {k: v for k, v in base["rollout"].items() if k != "method"}}
    exact = {**base, "rollout": {**base["rollout"], "method": "exact"}}
    assert build_point(default).config_hash == build_point(without).config_hash != build_point(exact).config_hash
    assert build_point(exact).setup.method == "exact" and build_point(without).setup.method == "monte_carlo"


def test_an_unknown_method_names_the_key():
    with pytest.raises(ConfigError, match=r"^rollout\.method: expected monte_carlo or exact, got 'markov'$"):
        build_rollout({**OmegaConf.to_container(OmegaConf.load(config_dir() / "rollout" / "default.yaml")),
                       "method": "markov"})


def test_the_table_carries_the_method_only_when_a_row_is_exact():
    point = build_point(shipped_config(rollout={"method": "exact", "days": 30}))
    mc_point = build_point(shipped_config(rollout={"runs": 512, "days": 30}))
    rows = [table_row(run_point(pt).metrics) for pt in (point, mc_point)]
    assert [r["ceasefire_method"] for r in rows] == ["exact", "monte_carlo"]
    assert rows[0]["runs"] is None and rows[0]["p_breakdown_se"] == 0.0
    assert "ceasefire_method" in columns(rows) and "ceasefire_method" not in columns(rows[1:])


def test_the_report_and_the_figures_say_exact_and_draw_no_interval():
    from negsim.viz.curves import breakdown_figure, escalation_vs_leverage_figure
    from negsim.viz.text import band_report, rollout_report

    out = run_point(build_point(shipped_config(rollout={"method": "exact", "days": 30})))
    text = rollout_report(out.rollout, out.metrics)
    assert text.startswith("Ceasefire forecast: exact (Markov chain), 30 days after each of 9 predicted outcome(s)")
    assert "(exact: no sampling error)" in text and "runs" not in text and "95% CI" not in text
    fig = breakdown_figure(out.rollout, "t")
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert "P(breakdown by day t), exact (Markov chain)" in labels and not any("interval" in s for s in labels)
    assert "exact (Markov chain) after each of 9 predicted outcome(s)" in ax.get_title()
    row = {**table_row(out.metrics), "mediator.transfer_pledge": 0.0}
    rows = [row, {**row, "mediator.transfer_pledge": 1.0}]
    labels = escalation_vs_leverage_figure(rows).axes[0].get_legend_handles_labels()[1]
    assert "P(ceasefire breakdown), exact (Markov chain)" in labels and not any("interval" in s for s in labels)
    band = {"draws": 2, "parameters": {}, "method": "sobol", "seed": 0, "p_breakdown_q05": 0.1,
            "p_breakdown_q50": 0.2, "p_breakdown_q95": 0.3, "p_outcome_is_prediction": {"a/b": 1.0}}
    assert "(exact chain at the stated values: " in band_report(band, out.metrics["rollout"])
