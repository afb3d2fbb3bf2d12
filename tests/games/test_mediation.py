"""Informational mediation (Kydd 2003) and trust-building advice (after Kydd 2006): closed
forms against brute force (exactly, in fractions), Kydd's headline results, and the
mediated game solved by negsim's extensive-form solver."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from negsim.errors import ConfigError
from negsim.games.mediation import (
    DEMANDS,
    IRRESOLUTE,
    MESSAGES,
    RESOLVED,
    RISKY,
    RISKY_DEAL,
    SAFE,
    SAFE_DEAL,
    WAR,
    KyddGame,
    Mediator,
    PureProfile,
    TrustGame,
    TrustMediator,
    babbling,
    best_demand,
    best_demands,
    bias_threshold,
    cooperation_without_mediator,
    equilibria,
    informative,
    informative_conditions,
    informative_exists,
    is_equilibrium,
    mediation_tree,
    mediator_gain,
    posteriors,
    predict,
    pure_equilibria,
    pure_profiles,
    side1_gain,
    signal_probabilities,
    trust_outcomes,
    truthful_advice_holds,
    truthful_advice_is_equilibrium,
    truthful_interval,
)
from negsim.solvers.backward_induction import solve_extensive

# --- strategies: exact parameters, so that ties are hit and compared exactly -------------


def frac(lo, hi, den=24):
    return st.integers(int(lo * den), int(hi * den)).map(lambda k: F(k, den))


@st.composite
def kydd_games(draw):
    c_r = draw(frac(0, F(1, 2)))
    c_i = c_r + draw(frac(F(1, 24), 1 - c_r))
    p = draw(frac(0, 1 - c_i))
    c1 = draw(frac(0 if c_r > 0 else F(1, 24), 1))
    q = draw(frac(F(1, 24), F(23, 24)))
    return KyddGame(p, c1, c_r, c_i, q)


UNIT, HALF_TO_ONE = frac(0, 1), frac(F(1, 2), 1)


@st.composite
def mediators(draw, bias=UNIT, accuracy=HALF_TO_ONE):
    return Mediator(draw(bias), draw(UNIT), draw(accuracy))


EXAMPLE = KyddGame(F(1, 5), F(1, 5), F(1, 10), F(3, 5), F(1, 2))  # D = 1/2, C = 3/10, mu* = 5/8


# --- the model's pieces ------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: KyddGame(1.2, 0.1, 0.1, 0.2, 0.5), r"^mediation\.p: expected a probability in \[0, 1\], got 1\.2$"),
        (lambda: KyddGame(0.5, 0.1, 0.2, 0.6, 0.5), r"^mediation\.c_i: expected p \+ c_i <= 1 \(p = 0\.5\), got 0\.6$"),
        (lambda: KyddGame(0.2, 0.1, 0.3, 0.3, 0.5), r"^mediation\.c_i: expected a war cost above c_r = 0\.3, got 0\.3$"),
        (lambda: KyddGame(0.2, 0.0, 0.0, 0.3, 0.5), r"^mediation\.c1: expected c1 \+ c_r > 0 \(c_r = 0\.0\), got 0\.0$"),
        (lambda: KyddGame(0.2, 0.1, 0.1, 0.3, 1.0), r"^mediation\.q: expected a probability in \(0, 1\), got 1\.0$"),
        (lambda: KyddGame(0.2, float("nan"), 0.1, 0.3, 0.5), r"^mediation\.c1: expected a finite number, got nan$"),
        (lambda: Mediator(0.5, 0.1, 0.4), r"^mediation\.accuracy: expected an accuracy in \[1/2, 1\], got 0\.4$"),
        (lambda: Mediator(1.5, 0.1, 0.8), r"^mediation\.bias: expected a weight in \[0, 1\], got 1\.5$"),
        (lambda: Mediator(0.5, -0.1, 0.8), r"^mediation\.war_cost: expected a cost >= 0, got -0\.1$"),
        (lambda: TrustGame((0.5, 0.5), 1.0, 2.0, 0.5, 0.25),
         r"^mediation\.temptation_trustworthy: expected a temptation below 1 \(an assurance game\), got 1\.0$"),
        (lambda: TrustGame((0.5, 0.5), 0.5, 2.0, 0.5, 0.75), r"^mediation\.shift: expected a shift in \(0, 1/2\], got 0\.75$"),
        (lambda: TrustMediator(1.2, 1.0, 0.0), r"^mediation\.ideal_point: expected a point in \[0, 1\], got 1\.2$"),
    ],
)
def test_parameters_out_of_range_name_the_parameter(make, message):
    with pytest.raises(ConfigError, match=message):
        make()


def test_the_two_demands_and_side_twos_replies():
    g = EXAMPLE
    assert (g.x_safe, g.x_risky, g.gain, g.loss, g.threshold) == (F(3, 10), F(4, 5), F(1, 2), F(3, 10), F(5, 8))
    # the resolved type fights the risky demand, the irresolute one is indifferent and accepts it
    from negsim.games.mediation import outcome, payoffs

    assert [outcome(g, d, t) for d in DEMANDS for t in (RESOLVED, IRRESOLUTE)] == [SAFE_DEAL, SAFE_DEAL, WAR, RISKY_DEAL]
    assert payoffs(g, RISKY, RESOLVED) == (F(0), F(7, 10), True)  # p - c1, 1 - p - c_r
    # in floats the demand p + c2 is accepted too (indifference), however 1 - p - c2 rounds
    h = KyddGame(0.2, 0.2, 0.1, 0.6, 0.5)
    assert outcome(h, SAFE, RESOLVED) == SAFE_DEAL and outcome(h, RISKY, IRRESOLUTE) == RISKY_DEAL


@given(kydd_games(), frac(0, 1))
def test_side_one_demands_risky_iff_its_belief_is_below_the_threshold(g, mu):
    direct = (1 - mu) * g.x_risky + mu * (g.p - g.c1) - g.x_safe  # expected payoffs, no formula
    assert side1_gain(g, mu) == direct
    assert (best_demand(g, mu) == g.x_risky) == (mu < g.threshold)
    assert best_demands(g, mu) == ((RISKY,) if mu < g.threshold else (SAFE,) if mu > g.threshold else (SAFE, RISKY))


@given(frac(F(1, 24), F(23, 24)), frac(F(1, 2), 1))
def test_posteriors_are_bayes(q, a):
    mu_r, mu_i = posteriors(q, a)
    p_r, p_i = signal_probabilities(q, a)
    assert p_r + p_i == 1
    assert mu_r == q * a / (q * a + (1 - q) * (1 - a)) and mu_i * p_i == q * (1 - a)
    assert mu_i <= q <= mu_r  # an accurate signal moves the belief the right way
    assert p_r * mu_r + p_i * mu_i == q  # the posteriors average to the prior


def test_a_useless_or_a_perfect_signal():
    assert posteriors(F(1, 3), F(1, 2)) == (F(1, 3), F(1, 3))
    assert posteriors(F(1, 3), F(1)) == (F(1), F(0))


@given(kydd_games(), mediators(), frac(0, 1))
def test_the_mediators_gain_is_its_utility_difference(g, m, mu):
    from negsim.games.mediation import mediator_utility, payoffs

    def value(demand):
        return sum(w * mediator_utility(m, *payoffs(g, demand, t)) for t, w in ((RESOLVED, mu), (IRRESOLUTE, 1 - mu)))

    assert mediator_gain(g, m, mu) == value(RISKY) - value(SAFE)


def test_the_bias_threshold_by_hand():
    # b* = ((1-q) a D + q (1-a) w) / (2 (1-q) a D - q (1-a) C) = (0.2125 + 0.00375) / (0.425 - 0.0225)
    assert bias_threshold(EXAMPLE, F(1, 20), F(17, 20)) == F(173, 322)
    assert bias_threshold(EXAMPLE, F(1, 20), F(1)) == F(1, 2)  # a perfect signal: any lean toward side 1
    assert bias_threshold(KyddGame(F(0), F(9, 10), F(0), F(1, 10), F(9, 10)), F(0), F(3, 5)) is None


# --- closed form against brute force, everywhere -----------------------------------------


@settings(max_examples=300, deadline=None)
@given(kydd_games(), mediators())
def test_closed_form_and_brute_force_agree_exactly(g, m):
    closed = informative_exists(g, m)
    found = pure_equilibria(g, m)
    brute = any(prof.informative for prof in found)
    assert closed == brute
    c = informative_conditions(g, m.bias, m.war_cost, m.accuracy)
    threshold = bias_threshold(g, m.war_cost, m.accuracy)
    assert closed == (c.heeds_resolved >= 0 and threshold is not None and m.bias >= threshold)
    # the two implications of the module docstring
    assert not (c.reports_irresolute >= 0) or c.heeds_irresolute >= 0
    assert not (c.heeds_resolved >= 0) or c.reports_resolved >= 0
    truthful = PureProfile({RESOLVED: RESOLVED, IRRESOLUTE: IRRESOLUTE}, {RESOLVED: SAFE, IRRESOLUTE: RISKY})
    assert is_equilibrium(g, m, truthful) == closed
    # babbling always exists: side 1 ignoring the messages with its prior demand
    prior_demand = babbling(g, m).demand_after[RESOLVED]
    assert any(not prof.informative and prof.demand[prof.report[RESOLVED]] == prior_demand for prof in found)


def test_the_brute_force_rejects_what_is_not_an_equilibrium():
    m = Mediator(F(4, 5), F(1, 20), F(17, 20))
    assert informative_exists(EXAMPLE, m)
    lying = PureProfile({RESOLVED: RESOLVED, IRRESOLUTE: RESOLVED}, {RESOLVED: SAFE, IRRESOLUTE: RISKY})
    credulous = PureProfile({RESOLVED: RESOLVED, IRRESOLUTE: IRRESOLUTE}, {RESOLVED: RISKY, IRRESOLUTE: RISKY})
    assert not is_equilibrium(EXAMPLE, m, lying) and not is_equilibrium(EXAMPLE, m, credulous)
    assert len(pure_profiles()) == 16
    found = pure_equilibria(EXAMPLE, m)
    assert sum(p.informative for p in found) == 2  # truthful, and the same with the messages' names swapped


# --- Kydd's results ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(kydd_games(), mediators(bias=frac(0, F(1, 2)), accuracy=frac(F(1, 2), F(23, 24))))
def test_a_mediator_not_leaning_to_side_one_with_an_imperfect_signal_only_babbles(g, m):
    # (i): b <= 1/2 (its utility does not increase in side 1's share), a < 1
    mu_r, mu_i = posteriors(g.q, m.accuracy)
    assert mediator_gain(g, m, mu_i) < 0  # having seen "irresolute", it prefers the safe demand: it says "resolved"
    assert not informative_exists(g, m)
    assert not any(p.informative for p in pure_equilibria(g, m))
    assert [e.kind for e in equilibria(g, m)] == ["babbling"]


def test_an_unbiased_mediator_is_credible_only_with_a_perfect_signal():
    for w in (F(0), F(1, 10)):
        assert not informative_exists(EXAMPLE, Mediator(F(1, 2), w, F(99, 100)))
        assert informative_exists(EXAMPLE, Mediator(F(1, 2), w, F(1)))  # indifferent after a sure "irresolute"


@given(kydd_games(), frac(F(1, 2), 1), frac(F(1, 2), F(23, 24)))
def test_a_mediator_that_fears_war_enough_only_babbles(g, b, a):
    mu_r, mu_i = posteriors(g.q, a)
    w_max = (b * side1_gain(g, mu_i) - (1 - b) * (1 - mu_i) * g.gain) / mu_i  # GM(mu_I) = 0
    assert not informative_exists(g, Mediator(b, max(w_max, 0) + F(1, 100), a))


@settings(max_examples=150, deadline=None)
@given(kydd_games(), frac(0, 1), frac(F(1, 2), F(23, 24)), frac(F(1, 2), F(23, 24)))
def test_the_threshold_falls_with_accuracy_and_rises_with_the_war_cost(g, w, a1, a2):
    lo, hi = sorted((a1, a2))
    assume(lo < hi)
    t_lo, t_hi = bias_threshold(g, w, lo), bias_threshold(g, w, hi)
    assume(t_lo is not None)
    assert t_hi is not None and t_hi < t_lo
    assert F(1, 2) < t_hi  # at least 1/2, and equal only when a = 1
    assert bias_threshold(g, w + F(1, 10), lo) > t_lo
    assert bias_threshold(g, w, F(1)) == F(1, 2)


@given(kydd_games(), mediators())
def test_outcomes_in_closed_form_and_the_pareto_selection(g, m):
    base = babbling(g, m)
    risky_prior = g.q < g.threshold
    assert base.outcomes.war == (g.q if risky_prior else 0)
    assert base.outcomes.deal == 1 - base.outcomes.war
    chosen = predict(g, m)
    if not informative_exists(g, m):
        assert chosen == base
        with pytest.raises(ConfigError, match=r"^mediation: no informative equilibrium at these parameters"):
            informative(g, m)
        return
    a, q = m.accuracy, g.q
    assert chosen.kind == "informative"
    assert (chosen.outcomes.war, chosen.outcomes.risky_deal) == (q * (1 - a), (1 - q) * a)
    # the change from no mediator: -q a if side 1 would gamble on the prior, +q (1 - a) if it would not
    assert chosen.outcomes.war - base.outcomes.war == (-q * a if risky_prior else q * (1 - a))
    assert chosen.payoffs[0] >= base.payoffs[0] and chosen.payoffs[2] >= base.payoffs[2]


# --- the same game, solved as an extensive game ------------------------------------------

POINTS = [
    (KyddGame(0.2, 0.2, 0.1, 0.6, 0.5), Mediator(0.8, 0.05, 0.85), True),
    (KyddGame(0.2, 0.2, 0.1, 0.6, 0.5), Mediator(0.5, 0.05, 0.85), False),
    (KyddGame(0.2, 0.2, 0.1, 0.6, 0.5), Mediator(0.52, 0.05, 0.85), False),  # just below b* = 0.5373
    (KyddGame(0.2, 0.2, 0.1, 0.6, 0.5), Mediator(0.55, 0.05, 0.85), True),   # just above
    (KyddGame(0.1, 0.3, 0.3, 0.8, 0.6), Mediator(0.9, 0.02, 0.9), True),    # side 1 would not gamble unmediated
    (KyddGame(0.1, 0.3, 0.3, 0.8, 0.6), Mediator(0.55, 0.02, 0.9), False),  # b* = 0.559
]


@pytest.mark.parametrize("g, m, credible", POINTS, ids=lambda v: str(v) if isinstance(v, bool) else None)
def test_the_extensive_form_solver_finds_the_closed_form_equilibria(g, m, credible):
    assert informative_exists(g, m) == credible
    tree = mediation_tree(g, m)
    found = solve_extensive(tree)
    assert found and all(e.sequentially_rational for e in found)
    outcomes = {tuple(round(e.outcomes.get(k, 0.0), 9) for k in (SAFE_DEAL, RISKY_DEAL, WAR)) for e in found}
    expected = {tuple(round(float(getattr(e.outcomes, k)), 9) for k in ("safe_deal", "risky_deal", "war"))
                for e in equilibria(g, m)}
    assert outcomes == expected
    if credible:
        closed = informative(g, m)
        (eq, *_) = [e for e in found if abs(e.outcomes.get(WAR, 0.0) - float(closed.outcomes.war)) < 1e-9]
        np.testing.assert_allclose(eq.payoffs, [closed.payoffs[2], closed.payoffs[0]], atol=1e-12)
        # the mediator's report follows its signal (or its negation), and side 1 acts on it
        mediator_moves = [tuple(np.round(b, 9)) for b in eq.behavior[0]]
        assert sorted(mediator_moves) == [(0.0, 1.0), (1.0, 0.0)]
    assert tree.players == ("mediator", "side 1") and [i.key for i in tree.infosets[1]] == [
        f"side 1: message {msg}" for msg in MESSAGES]


# --- trust building (after Kydd 2006) ---------------------------------------------------


@st.composite
def trust_games(draw):
    return TrustGame((draw(frac(F(1, 24), F(23, 24))), draw(frac(F(1, 24), F(23, 24)))), draw(frac(-1, F(23, 24))),
                     1 + draw(frac(F(1, 24), 2)), draw(frac(F(1, 24), 2)), draw(frac(F(1, 24), F(1, 2))))


@st.composite
def trust_mediators(draw):
    return TrustMediator(draw(frac(0, 1)), draw(frac(0, 3)), draw(frac(0, 1)))


@settings(max_examples=200, deadline=None)
@given(trust_games(), trust_mediators())
def test_truthful_advice_closed_form_interval_and_brute_force_agree(g, m):
    closed = truthful_advice_holds(g, m)
    assert truthful_advice_is_equilibrium(g, m) == closed
    interval = truthful_interval(g, m.salience, m.conflict_cost)
    assert closed == (interval is not None and interval[0] <= m.ideal_point <= interval[1])
    # the working paper's condition: mutual defection beats either exploitation for the mediator
    from negsim.games.mediation import COOPERATE, DEFECT

    dd = m.utility(g, DEFECT, DEFECT)
    assert closed == (dd >= m.utility(g, DEFECT, COOPERATE) and dd >= m.utility(g, COOPERATE, DEFECT))


def test_who_can_build_trust():
    g = TrustGame((F(1, 2), F(1, 2)), F(1, 2), F(2), F(1), F(1, 4))
    # moderate, caring about the issue, conflict not too costly: |m - 1/2| <= (e - k / beta) / 2
    assert truthful_interval(g, F(2), F(1, 4)) == (F(7, 16), F(9, 16))
    assert truthful_advice_holds(g, TrustMediator(F(9, 16), F(2), F(1, 4)))
    assert not truthful_advice_holds(g, TrustMediator(F(10, 16), F(2), F(1, 4)))  # biased
    assert truthful_interval(g, F(0), F(1, 10)) is None  # only wants cooperation: it would always say cooperate
    assert truthful_interval(g, F(2), F(1, 2)) == (F(1, 2), F(1, 2))  # k = beta e: only the exact centre
    assert truthful_interval(g, F(2), F(3, 5)) is None  # conflict too costly
    assert truthful_interval(g, F(0), F(0)) == (0, 1)  # indifferent to everything


def test_trust_outcomes_with_and_without_advice():
    g = TrustGame((F(1, 5), F(1, 5)), F(1, 2), F(2), F(1), F(1, 4))
    assert cooperation_without_mediator(g)  # (1 - 1/5)(1 - 1/2) = 2/5 >= 1/5
    assert trust_outcomes(g, mediated=False) == {"mutual cooperation": F(16, 25), "exploitation": F(8, 25),
                                                  "mutual defection": F(1, 25)}
    assert trust_outcomes(g, mediated=True) == {"mutual cooperation": F(16, 25), "exploitation": 0,
                                                 "mutual defection": F(9, 25)}
    mistrust = TrustGame((F(1, 2), F(1, 2)), F(1, 2), F(2), F(1), F(1, 4))
    assert not cooperation_without_mediator(mistrust)  # (1/2)(1/2) < 1/2: trust fails unmediated
    assert trust_outcomes(mistrust, mediated=False)["mutual cooperation"] == 0
    assert trust_outcomes(mistrust, mediated=True)["mutual cooperation"] == F(1, 4)
