"""Bargaining: closed forms against numeric maximisers, backward induction and Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize

from negsim.errors import ConfigError
from negsim.games.bargaining import (
    beats_war,
    fearon_range,
    nash_bargaining,
    nash_bargaining_frontier,
    rubinstein,
    rubinstein_finite,
    take_it_or_leave_it,
)

TOL = 1e-9
unit = st.floats(0.0, 1.0)
power = st.floats(0.01, 0.99)


# --- Nash bargaining ------------------------------------------------------------------


@given(st.floats(-2.0, 1.0), st.floats(-2.0, 1.0), unit, st.floats(0.1, 10.0))
def test_nash_closed_form(d1, d2, alpha, pie):
    assume(d1 + d2 <= pie)
    x1, x2 = nash_bargaining(d1, d2, alpha, pie)
    assert x1 == pytest.approx(d1 + alpha * (pie - d1 - d2), abs=TOL)
    assert x1 + x2 == pytest.approx(pie, abs=TOL)
    assert x1 >= d1 - TOL and x2 >= d2 - TOL


@settings(max_examples=50)
@given(st.floats(-0.5, 0.5), st.floats(-0.5, 0.5), power, st.booleans())
def test_nash_numeric_frontier_agrees_with_closed_form_on_linear_frontier(d1, d2, alpha, long_domain):
    assume(d1 + d2 < 0.999)  # a surplus to share
    # long_domain: the frontier runs past u2 = d2 and its end is found by root finding.
    u1_max = 3.0 if long_domain else 1.0 - d2
    u1, u2 = nash_bargaining_frontier(lambda u: 1.0 - u, (d1, d2), alpha, u1_max)
    x1, x2 = nash_bargaining(d1, d2, alpha)
    assert u1 == pytest.approx(x1, abs=1e-7)
    assert u2 == pytest.approx(x2, abs=1e-7)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_nash_numeric_frontier_extreme_powers(alpha):
    d = (0.1, 0.3)
    got = nash_bargaining_frontier(lambda u: 1.0 - u, d, alpha, 2.0)
    assert got == pytest.approx(nash_bargaining(*d, alpha), abs=TOL)


@settings(max_examples=50)
@given(power)
def test_nash_numeric_frontier_known_nonlinear_answers(alpha):
    # Quarter circle u2 = sqrt(1 - u1^2): alpha / u1 = (1 - alpha) u1 / (1 - u1^2) => u1 = sqrt(alpha).
    u1, u2 = nash_bargaining_frontier(lambda u: math.sqrt(max(1.0 - u * u, 0.0)), (0.0, 0.0), alpha, 1.0)
    assert u1 == pytest.approx(math.sqrt(alpha), abs=1e-7)
    assert u2 == pytest.approx(math.sqrt(1.0 - alpha), abs=1e-7)
    # Parabola u2 = 1 - u1^2: alpha (1 - u1^2) = 2 (1 - alpha) u1^2 => u1^2 = alpha / (2 - alpha).
    u1, _ = nash_bargaining_frontier(lambda u: 1.0 - u * u, (0.0, 0.0), alpha, 1.0)
    assert u1 == pytest.approx(math.sqrt(alpha / (2.0 - alpha)), abs=1e-7)


def test_nash_numeric_frontier_nonlinear_with_disagreement_point():
    # max (u - 0.2)(0.9 - u^2): 0.9 + 0.4 u - 3 u^2 = 0.
    u1, u2 = nash_bargaining_frontier(lambda u: 1.0 - u * u, (0.2, 0.1), 0.5, 1.0)
    expected = (0.4 + math.sqrt(0.16 + 10.8)) / 6.0
    assert u1 == pytest.approx(expected, abs=1e-7)
    assert u2 == pytest.approx(1.0 - expected**2, abs=1e-7)


# --- Rubinstein alternating offers ----------------------------------------------------


@given(st.floats(0.0, 0.99), st.floats(0.0, 0.99), st.floats(0.0, 0.9))
def test_rubinstein_closed_form_and_immediate_agreement(d1, d2, p):
    r = rubinstein(d1, d2, p)
    e1, e2 = d1 * (1 - p), d2 * (1 - p)
    assert (r.d1_eff, r.d2_eff) == pytest.approx((e1, e2), abs=TOL)
    assert r.proposer_share == pytest.approx((1 - e2) / (1 - e1 * e2), abs=TOL)
    assert r.proposer_share + r.responder_share == pytest.approx(1.0, abs=TOL)
    # The responder is offered exactly what rejecting is worth, so it accepts at once.
    assert r.responder_share == pytest.approx(r.responder_continuation, abs=TOL)
    assert r.immediate_agreement


@given(st.floats(0.0, 0.999))
def test_rubinstein_symmetric_share(d):
    assert rubinstein(d, d).proposer_share == pytest.approx(1.0 / (1.0 + d), abs=TOL)


def test_rubinstein_corners_and_pure_breakdown_risk():
    assert rubinstein(0.9, 0.0).proposer_share == pytest.approx(1.0, abs=TOL)  # impatient responder
    assert rubinstein(1.0, 0.5).proposer_share == pytest.approx(1.0, abs=TOL)  # patient proposer
    for p in (0.5, 0.1, 1e-4):  # no discounting, only breakdown risk: 1 / (2 - p) -> 1/2
        assert rubinstein(1.0, 1.0, p).proposer_share == pytest.approx(1.0 / (2.0 - p), abs=TOL)


def test_rubinstein_short_periods_approach_asymmetric_nash():
    # d_i = exp(-r_i * dt), dt -> 0: the patient player's power r_other / (r1 + r2) (BRW 1986).
    r1, r2, dt = 0.3, 0.1, 1e-6
    share = rubinstein(math.exp(-r1 * dt), math.exp(-r2 * dt)).proposer_share
    assert share == pytest.approx(nash_bargaining(0.0, 0.0, r2 / (r1 + r2))[0], abs=1e-5)


def test_rubinstein_finite_short_horizons():
    assert rubinstein_finite(0.9, 0.8, 1).proposer_share == 1.0  # ultimatum
    two = rubinstein_finite(0.9, 0.8, 2, breakdown=0.5)
    assert two.proposer_share == pytest.approx(1.0 - 0.8 * 0.5, abs=TOL)
    assert two.immediate_agreement


@given(st.floats(0.0, 0.99), st.integers(1, 60))
def test_rubinstein_finite_symmetric_closed_form(d, rounds):
    # s_1 = 1 - d + d^2 - ... +- d^(T-1) = (1 - (-d)^T) / (1 + d).
    got = rubinstein_finite(d, d, rounds).proposer_share
    assert got == pytest.approx((1.0 - (-d) ** rounds) / (1.0 + d), abs=TOL)


@given(st.floats(0.05, 0.95), st.floats(0.05, 0.95), st.floats(0.0, 0.5), st.integers(0, 1))
def test_rubinstein_finite_tends_to_closed_form(d1, d2, p, parity):
    r = rubinstein(d1, d2, p)
    # The gap shrinks by e1 * e2 every two rounds: enough rounds for 1e-12, odd or even.
    rounds = 2 * math.ceil(math.log(1e-12) / math.log(r.d1_eff * r.d2_eff)) + parity
    f = rubinstein_finite(d1, d2, rounds, p)
    assert f.proposer_share == pytest.approx(r.proposer_share, abs=TOL)
    assert f.responder_continuation == pytest.approx(r.responder_continuation, abs=TOL)
    assert f.immediate_agreement


# --- Fearon's bargaining range --------------------------------------------------------


@given(unit, unit, unit, st.floats(0.001, 0.999))
def test_fearon_splits_inside_range_beat_war_for_both(p, cA, cB, t):
    low, high = fearon_range(p, cA, cB)
    assert 0.0 <= low <= p <= high <= 1.0
    assume(high - low > 1e-6)
    x = low + t * (high - low)
    assert x > p - cA  # A: x beats its war payoff
    assert 1.0 - x > 1.0 - p - cB  # B: 1 - x beats its war payoff
    assert beats_war(x, p, cA, cB)


@given(unit, unit, unit, unit)
def test_fearon_splits_outside_range_do_not(p, cA, cB, x):
    low, high = fearon_range(p, cA, cB)
    assume(x < low - 1e-9 or x > high + 1e-9)
    assert not beats_war(x, p, cA, cB)
    assert x <= p - cA or 1.0 - x <= 1.0 - p - cB


def test_fearon_range_edges():
    assert fearon_range(0.6, 0.1, 0.2) == pytest.approx((0.5, 0.8), abs=TOL)
    assert not beats_war(0.5, 0.6, 0.1, 0.2) and not beats_war(0.8, 0.6, 0.1, 0.2)  # indifferent
    assert fearon_range(0.1, 0.3, 0.95) == pytest.approx((0.0, 1.0), abs=TOL)  # clipped
    assert beats_war(0.0, 0.1, 0.3, 0.95) and beats_war(1.0, 0.1, 0.3, 0.95)  # clipped ends beat war
    low, high = fearon_range(0.4, 0.0, 0.0)  # costless war: empty range
    assert low == high == 0.4 and not beats_war(0.4, 0.4, 0.0, 0.0)


# --- Take-it-or-leave-it under private costs ------------------------------------------


def expected_payoff_a(x, p, cA, cbar):
    """A's expected payoff from demanding x when cB ~ U[0, cbar] (B accepts iff cB >= x - p)."""
    accept = np.clip(1.0 - (np.asarray(x) - p) / cbar, 0.0, 1.0)
    return x * accept + (p - cA) * (1.0 - accept)


def numeric_demand(p, cA, cbar):
    """A's best demand in [0, 1]: a grid of step 1e-5, refined by a bounded scalar search."""
    grid = np.linspace(0.0, 1.0, 100_001)
    best = grid[np.argmax(expected_payoff_a(grid, p, cA, cbar))]
    res = optimize.minimize_scalar(
        lambda x: -expected_payoff_a(x, p, cA, cbar),
        bounds=(max(best - 2e-5, 0.0), min(best + 2e-5, 1.0)),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return float(res.x)


@given(st.floats(0.0, 1.0), st.floats(0.0, 0.6), st.floats(0.05, 0.6))
@settings(max_examples=40)
def test_tioli_formula_and_numeric_maximiser(p, cA, cbar):
    offer = take_it_or_leave_it(p, cA, cbar)
    z = max(cbar - cA, 0.0) / 2.0
    if p + z <= 1.0:  # the formula, where the demand fits in the pie
        assert offer.demand == pytest.approx(p + z, abs=TOL)
        assert offer.war_probability == pytest.approx(max(cbar - cA, 0.0) / (2.0 * cbar), abs=TOL)
    else:  # capped: A demands the whole pie
        assert offer.demand == 1.0
        assert offer.war_probability == pytest.approx((1.0 - p) / cbar, abs=TOL)
    assert offer.war_probability <= 0.5
    assert offer.expected_a == pytest.approx(float(expected_payoff_a(offer.demand, p, cA, cbar)), abs=TOL)
    x = numeric_demand(p, cA, cbar)
    assert x == pytest.approx(offer.demand, abs=1e-7)
    assert float(np.clip((x - p) / cbar, 0, 1)) == pytest.approx(offer.war_probability, abs=1e-6)
    assert float(expected_payoff_a(x, p, cA, cbar)) <= offer.expected_a + TOL


@pytest.mark.parametrize(
    "p, cA, cbar",
    [(0.5, 0.1, 0.4), (0.3, 0.0, 0.5), (0.5, 0.5, 0.3), (0.9, 0.0, 0.6)],  # interior, cA=0, no war, capped
)
def test_tioli_monte_carlo(p, cA, cbar):
    offer = take_it_or_leave_it(p, cA, cbar)
    n = 200_000
    cB = np.random.default_rng(20251019).uniform(0.0, cbar, n)
    war = cB < offer.demand - p  # B fights iff its war payoff 1 - p - cB beats 1 - demand
    w = offer.war_probability
    assert abs(war.mean() - w) <= 4.0 * math.sqrt(w * (1.0 - w) / n)
    payoff = np.where(war, p - cA, offer.demand)
    assert abs(payoff.mean() - offer.expected_a) <= 4.0 * payoff.std() / math.sqrt(n) + TOL


# --- Invalid parameters ---------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: nash_bargaining(0.7, 0.5, 0.5), r"bargaining\.d1 \+ bargaining\.d2"),
        (lambda: nash_bargaining(0.1, 0.1, 1.5), r"bargaining\.alpha: expected a bargaining power in \[0, 1\]"),
        (lambda: nash_bargaining(float("nan"), 0.1, 0.5), r"bargaining\.d1: expected a finite number"),
        (lambda: nash_bargaining(0.1, 0.1, 0.5, pie=0.0), r"bargaining\.pie"),
        (lambda: nash_bargaining_frontier(lambda u: 1 - u, (0.1, 0.1), 0.5, 0.1), r"bargaining\.u1_max"),
        (lambda: nash_bargaining_frontier(lambda u: 1 - u, (0.5, 0.6), 0.5, 1.0), r"bargaining\.d: "),
        (lambda: rubinstein(1.2, 0.5), r"bargaining\.d1: expected a discount factor in \[0, 1\], got 1\.2"),
        (lambda: rubinstein(0.5, -0.1), r"bargaining\.d2: expected a discount factor"),
        (lambda: rubinstein(0.5, 0.5, breakdown=2.0), r"bargaining\.breakdown"),
        (lambda: rubinstein(1.0, 1.0), r"bargaining\.d1, bargaining\.d2, bargaining\.breakdown"),
        (lambda: rubinstein_finite(0.5, 0.5, 0), r"bargaining\.rounds"),
        (lambda: rubinstein_finite(0.5, 0.5, 2.5), r"bargaining\.rounds"),
        (lambda: fearon_range(1.1, 0.1, 0.1), r"bargaining\.p: expected a probability"),
        (lambda: fearon_range(0.5, -0.1, 0.1), r"bargaining\.cA: expected a finite cost >= 0"),
        (lambda: fearon_range(0.5, 0.1, math.inf), r"bargaining\.cB"),
        (lambda: beats_war(1.5, 0.5, 0.1, 0.1), r"bargaining\.x"),
        (lambda: take_it_or_leave_it(0.5, 0.1, 0.0), r"bargaining\.cbar"),
        (lambda: take_it_or_leave_it(0.5, -1.0, 0.3), r"bargaining\.cA"),
    ],
)
def test_invalid_parameters_name_the_parameter(call, match):
    with pytest.raises(ConfigError, match=match):
        call()
