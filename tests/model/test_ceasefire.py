"""The chain from the talks to the ceasefire (issue 10's must-shows): provisions,
verification that works the right way, and the repeated game driving the rollout."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shipped_config

from negsim import load_scenario, with_mediator
from negsim.io.configs import config_dir, load_yaml
from negsim.model.chain import exact_breakdown_probability
from negsim.model.rollout import rollout
from negsim.model.scenario import build_rollout
from negsim.model.situation import outcome_ceasefire
from negsim.studies.pipeline import build_point, run_point

SETUP = build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml"))
WRITTEN, PLEDGE, DEADLOCK = (0, 0), (1, 1), (0, 1)
RUNS = 8192


def _config(round_name: str = "istanbul_round2", *, days: int | None = None, runs: int = RUNS, **top):
    rollout = {"runs": runs} if days is None else {"runs": runs, "days": days}
    return shipped_config(round_name, rollout=rollout, seed=11, **top)


def _after(cell_name: str, **mediator):
    config = _config(after=cell_name)
    config["mediator"] = {**config["mediator"], **mediator}
    return run_point(build_point(config)).metrics["rollout"]


def test_after_the_deadlock_verification_alone_does_not_change_the_ceasefire():
    """MD6: no agreed mechanism, no verification effect (same seed, so the runs are equal)."""
    weak, full = (_after("insist_written/verbal_only", verification=v) for v in (0.0, 1.0))
    assert weak["p_breakdown"] == full["p_breakdown"] and weak["mean_deaths"] == full["mean_deaths"]
    # ... while after the written, verified guarantee it does, by far more than the error
    w0, w1 = (_after("insist_written/sign_written", verification=v) for v in (0.0, 1.0))
    assert w0["p_breakdown"] - w1["p_breakdown"] > 3 * np.hypot(w0["p_breakdown_se"], w1["p_breakdown_se"])


def test_outcomes_are_ordered_by_their_provisions_at_full_verification():
    """P(breakdown by day 180): written, verified guarantee < pledge with confidence-building
    < deadlock, each gap larger than three standard errors."""
    m = [_after(cell, verification=1.0) for cell in
         ("insist_written/sign_written", "accept_verbal/verbal_only", "insist_written/verbal_only")]
    for better, worse in zip(m, m[1:], strict=False):
        gap = worse["p_breakdown"] - better["p_breakdown"]
        assert gap > 3 * np.hypot(better["p_breakdown_se"], worse["p_breakdown_se"]), (better, worse)


@pytest.mark.parametrize("name", ["doha_round", "istanbul_round2", "istanbul_round3"])
def test_the_least_deterring_retaliation_never_rises_with_verification(name):
    base = load_scenario(name)
    for cell in (WRITTEN, PLEDGE, (1, 0)):
        dets = [outcome_ceasefire(with_mediator(base, verification=v), *cell, SETUP)[1] for v in np.linspace(0, 1, 21)]
        least = [d.least_discount for d in dets]
        assert all(b <= a for a, b in zip(least, least[1:], strict=False))  # inf <= inf holds
        rho = [d.retaliate for d in dets if d.deterred]
        assert all(b <= a + 1e-15 for a, b in zip(rho, rho[1:], strict=False))
        q_hold = [d.q_hold for d in dets]
        assert all(b <= a for a, b in zip(q_hold, q_hold[1:], strict=False))
    written = [outcome_ceasefire(with_mediator(base, verification=v), *WRITTEN, SETUP)[1] for v in (0.0, 1.0)]
    assert written[0].deterred and written[1].deterred and written[1].retaliate < written[0].retaliate


def test_a_pledge_cannot_be_enforced_and_a_written_guarantee_can():
    """Why Pakistan insists on a written text (PK2): with half a commitment and half of it
    unverified, false alarms swamp the signal, so no retaliation deters."""
    s = load_scenario("istanbul_round2")
    for v in (0.0, 1.0):
        sv = with_mediator(s, verification=v)
        assert not outcome_ceasefire(sv, *PLEDGE, SETUP)[1].deterred
        assert not outcome_ceasefire(sv, *DEADLOCK, SETUP)[1].deterred
        assert outcome_ceasefire(sv, *WRITTEN, SETUP)[1].deterred


def test_rounds_two_and_three_give_different_ceasefires_after_the_same_outcome():
    """PK10: round three's shorter shadow of the future needs more retaliation to deter."""
    two, three = load_scenario("istanbul_round2"), load_scenario("istanbul_round3")
    assert three.ceasefire_discount < two.ceasefire_discount
    (s2, d2), (s3, d3) = (outcome_ceasefire(sc, *WRITTEN, SETUP) for sc in (two, three))
    assert d3.retaliate > d2.retaliate and s3 != s2
    r2, r3 = (rollout(SETUP.params, s, runs=RUNS, days=180, seed=5).summary() for s in (s2, s3))
    se = np.hypot(*(np.sqrt(r["p_breakdown"] * (1 - r["p_breakdown"]) / RUNS) for r in (r2, r3)))
    assert r3["p_breakdown"] - r2["p_breakdown"] > 3 * se


def test_kabuls_effort_follows_deterrence_and_the_commitment():
    s = load_scenario("istanbul_round2")
    written, _ = outcome_ceasefire(s, *WRITTEN, SETUP)
    deadlock, _ = outcome_ceasefire(s, *DEADLOCK, SETUP)
    refuse, det = outcome_ceasefire(s, 0, 2, SETUP)
    assert (written.effort_hold, written.effort_violate, written.deterred) == (1.0, s.unverified_share, True)
    assert (deadlock.effort_hold, deadlock.deterred) == (0.5, False)
    assert refuse.effort_hold == refuse.effort_violate == 0.0 and not det.deterred and det.retaliate is None
    assert written.pak_retaliate is not None and deadlock.pak_retaliate is None  # the rule of PK5
    assert written.punishment_days == deadlock.punishment_days == SETUP.punishment_days > 0


def test_a_compliance_transfer_in_force_makes_deterrence_cheaper():
    s = load_scenario("istanbul_round2")
    before = outcome_ceasefire(s, *WRITTEN, SETUP)[1]
    paid = outcome_ceasefire(with_mediator(s, transfer_compliance=0.5), *WRITTEN, SETUP)[1]
    assert paid.retaliate < before.retaliate
    covered = outcome_ceasefire(with_mediator(s, transfer_compliance=SETUP.stage.T - SETUP.stage.R), *WRITTEN, SETUP)[1]
    assert covered.deterred and covered.retaliate == 0.0
    # ... and is not in force after the deadlock (no compliance provision)
    assert outcome_ceasefire(with_mediator(s, transfer_compliance=0.5), *DEADLOCK, SETUP) == outcome_ceasefire(s, *DEADLOCK, SETUP)


def test_the_stratified_forecast_agrees_with_the_exact_chain():
    """The mixture over the predicted outcomes against the exact, time-dependent chain."""
    out = run_point(build_point(_config()))
    exact = sum(w * exact_breakdown_probability(SETUP.params, out.situations[c], 180)[-1]
                for c, w in zip(out.rollout.cells, out.rollout.weights, strict=True))
    roll = out.metrics["rollout"]
    assert abs(roll["p_breakdown"] - exact) < 4 * roll["p_breakdown_se"]
    # stratifying is never worse than sampling outcomes: its variance is at most the binomial one
    p = roll["p_breakdown"]
    assert roll["p_breakdown_se"] <= np.sqrt(p * (1 - p) / RUNS) + 1e-12


def test_a_ceasefire_that_starts_broken_down_counts_as_broken_by_day_one():
    s = load_scenario("istanbul_round2")
    strikes, _ = outcome_ceasefire(s, 2, 1, SETUP)  # talks collapse; Pakistan strikes hideouts
    assert strikes.start_level >= strikes.breakdown_level
    r = rollout(SETUP.params, strikes, runs=BLOCK_RUNS, days=5, seed=3)
    assert np.all(r.breakdown_day == 1)
    np.testing.assert_array_equal(exact_breakdown_probability(SETUP.params, strikes, 5), np.ones(5))


BLOCK_RUNS = 4096


@pytest.mark.parametrize("name", ["doha_round", "istanbul_round2"])
def test_T2_the_mediated_ceasefire_is_predicted_to_survive_three_weeks_with_incidents(name):
    """T2 (EV4) as probabilities from the prediction: after the Doha round and after round
    two, the ceasefire is likelier than not to hold for 21 days, and an incident within
    them is likelier than not."""
    config = _config(name, days=21)
    out = run_point(build_point(config))
    assert out.metrics["rollout"]["p_breakdown_high"] < 0.5
    assert out.rollout.incident_probability(21) > 0.5


def test_the_forecasts_standard_error_counts_the_strata_correlation():
    """The strata share random numbers: the standard error is that of the per-run mixture
    Y_r = sum_c w_c 1[run r of stratum c broke down by t] (computed here run by run), and
    it matches the spread of the estimate over seeds."""
    config = _config(runs=4096, days=21)
    out = run_point(build_point(config))
    f = out.rollout
    broke = np.array([(r.breakdown_day > 0) & (r.breakdown_day <= 21) for r in f.results], float)  # (C, runs)
    Y = f.weights @ broke
    assert f.standard_error()[-1] == pytest.approx(Y.std() / np.sqrt(len(Y)), rel=1e-9)
    independent = np.sqrt(np.sum(f.weights**2 * broke.mean(1) * (1 - broke.mean(1))) / len(Y))
    assert f.standard_error()[-1] > 1.2 * independent  # positively correlated strata
    estimates = [run_point(build_point({**config, "seed": s})).metrics["rollout"]["p_breakdown"] for s in range(24)]
    assert 0.6 < np.std(estimates, ddof=1) / f.standard_error()[-1] < 1.6
