"""The mediator as a strategic player: informational mediation (Kydd 2003) and trust building (after Kydd 2006).

Part 1: Kydd (2003), two types
------------------------------
Kydd, A. (2003), "Which side are you on? Bias, credibility, and mediation", *American
Journal of Political Science* 47(4): 597-611, in a two-type version.

* Side 1 (the proposer) and side 2 bargain over a unit issue. War gives side 1 ``p - c1``
  and side 2 ``1 - p - c2``. Side 2's war cost ``c2`` is private: *resolved* (``c_r``) with
  prior probability ``q``, *irresolute* (``c_i > c_r``) otherwise.
* Side 2 accepts a demand ``x`` iff ``1 - x >= 1 - p - c2``. Any other demand is dominated
  by one of two: ``x_safe = p + c_r`` (both types accept) or ``x_risky = p + c_i`` (the
  irresolute type accepts, the resolved one fights).
* A mediator observes a signal equal to side 2's type with probability ``a`` in [1/2, 1]
  and sends side 1 a cheap-talk message, "resolved" or "irresolute". Side 1 updates by
  Bayes' rule and demands.
* The mediator's utility: ``u_M = b u1 + (1 - b) u2 - w [war]``, bias ``b`` in [0, 1] (its
  weight on side 1), concern for peace ``w >= 0``.

Closed forms (``D = c_i - c_r``, side 1's gain when the risky demand is accepted;
``C = c1 + c_r``, its loss when it is refused; ``mu`` a belief that side 2 is resolved):

* side 1's gain from the risky demand: ``G1(mu) = (1 - mu) D - mu C``; it demands
  ``x_risky`` iff ``mu < mu* = D / (D + C)`` (tie rule: the safe demand at ``mu = mu*``);
* posteriors after the signal: ``mu_R = q a / (q a + (1 - q)(1 - a))`` and
  ``mu_I = q (1 - a) / (q (1 - a) + (1 - q) a)``;
* the mediator's gain from the risky demand given its posterior ``mu``: the resolved type
  is indifferent between ``x_safe`` and war, the irresolute type loses ``D``, so
  ``GM(mu) = b G1(mu) - (1 - b)(1 - mu) D - w mu`` (the issue gain against the expected
  war cost ``w mu``);
* the informative equilibrium (risky after "irresolute", safe after "resolved") needs
  side 1 to heed both messages, ``G1(mu_I) >= 0 >= G1(mu_R)``, and the mediator to report
  both signals truthfully, ``GM(mu_I) >= 0 >= GM(mu_R)``. Given ``G1(mu_R) <= 0`` the last
  holds for every ``b <= 1``, ``w >= 0``, and ``GM(mu_I) >= 0`` implies ``G1(mu_I) >= 0``,
  so it exists iff

      ``(1 - q)(1 - a) D <= q a C``   and   ``b >= b* = ((1 - q) a D + q (1 - a) w) / (2 (1 - q) a D - q (1 - a) C)``

  (with a positive denominator; none exists otherwise). ``b*`` is at least 1/2, equal
  to it only when ``a = 1``; it falls as ``a`` rises and rises with ``w``. A mediator with
  ``b <= 1/2`` (its utility does not increase in side 1's share) and an imperfect signal
  (``a < 1``) has ``GM(mu_I) < 0``: it would say "resolved" whatever it saw, and only
  babbling equilibria remain (Kydd's first result).
* Outcomes: babbling gives side 1's prior demand (war with probability ``q`` if
  ``q < mu*``, none otherwise); the informative equilibrium gives war with probability
  ``q (1 - a)`` and the risky deal with ``(1 - q) a``. Where it exists it weakly
  Pareto-dominates babbling for side 1 and for the mediator (each acts on a finer
  signal, and each signal's incentive constraint says the induced demand is the one
  it prefers), which is the selection rule of :func:`predict`.

:func:`pure_equilibria` is the brute force: every pure reporting strategy of the
mediator against every pure demand strategy of side 1, checked from the payoffs of the
outcomes (not from the formulas above); :func:`mediation_tree` is the same game as an
:class:`~negsim.games.extensive.ExtensiveGame` (chance moves for the type and the signal;
side 2's dominant reply folded into the leaves) for negsim's extensive-form solvers.

Part 2: trust building, a two-type reconstruction after Kydd (2006)
-------------------------------------------------------------------
Kydd, A. (2006), "When can mediators build trust?", *American Political Science Review*
100(3): 449-462, states (abstract) that a mediator without an intrinsic commitment to
honesty is a credible trust builder in one round only if it cares about the issue, has a
moderate ideal point and does not find conflict too costly; its working paper ("The
honest broker", 2005) puts the condition as preferring mutual non-cooperation to either
side exploiting the other. The setting here is stated exactly but is *our* two-type
reconstruction, not the paper's parameterisation (``docs/mediation.md``):

* Each side is trustworthy or untrustworthy (prior ``pi_i`` of untrustworthy). Stage
  payoffs of side ``i``: mutual cooperation 1, mutual defection 0, cooperating against
  a defector ``-s`` (``s > 0``), defecting against a cooperator ``t`` (``t_T < 1``:
  trustworthy, an assurance game; ``t_U > 1``: untrustworthy, a prisoner's dilemma).
* Outcomes sit on an issue line: mutual cooperation and mutual defection leave it at 1/2,
  side 1 exploiting side 2 moves it to ``1/2 + e``, side 2 exploiting side 1 to ``1/2 - e``
  (``0 < e <= 1/2``). The mediator, with ideal point ``m`` (1: side 1's end), salience
  ``beta >= 0`` and conflict cost ``k >= 0``, has ``u_M = -beta |z - m| - k [mutual defection]``.
* The mediator sees both types and says publicly "cooperate" or "do not". Truthful
  advice ("cooperate" iff both are trustworthy, obeyed by trustworthy types) is an
  equilibrium iff the mediator prefers mutual cooperation to mutual defection (always)
  and mutual defection to either exploitation: ``beta (e - 2 |m - 1/2|) >= k``, i.e.

      ``|m - 1/2| <= (e - k / beta) / 2``   (needs ``beta e >= k``; with ``beta = 0``, only ``k = 0``),

  the interval of :func:`truthful_interval`: a moderate ideal point, issue salience, and a
  conflict cost below ``beta e``. A mediator that only wants cooperation (``beta = 0``,
  ``k > 0``) or is biased (``|m - 1/2| > e / 2``) is never credible.

Numbers: every function is plain arithmetic, so it works with floats and with
``fractions.Fraction`` (the tests compare closed forms and brute force exactly, ties
included); :func:`side1_gain`, :func:`mediator_gain` and :func:`informative_conditions`
also take numpy arrays for the mediator's parameters (draws from priors).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.games.extensive import Chance, Decision, ExtensiveGame, Terminal

#: Side 2's types, the mediator's signals and its messages share these names.
RESOLVED, IRRESOLUTE = "resolved", "irresolute"
TYPES = (RESOLVED, IRRESOLUTE)
MESSAGES = TYPES
#: Side 1's two undominated demands.
SAFE, RISKY = "safe", "risky"
DEMANDS = (SAFE, RISKY)
#: The three outcomes (labels of the extensive game's leaves).
SAFE_DEAL, RISKY_DEAL, WAR = "deal at the safe demand", "the irresolute side 2 yields to the risky demand", "war"
OUTCOMES = (SAFE_DEAL, RISKY_DEAL, WAR)
BABBLING, INFORMATIVE = "babbling", "informative"


# --------------------------------------------------------------------------- validation


def _check(key: str, ok: Any, expected: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"mediation.{key}: expected {expected}, got {value}")


def _finite(key: str, value: Any) -> None:
    try:
        finite = value == value and abs(value) != float("inf")
    except TypeError:
        finite = False
    _check(key, finite, "a finite number", value)


# --------------------------------------------------------------------------- Kydd (2003)


@dataclass(frozen=True)
class KyddGame:
    """The bargaining game of Kydd (2003) with two types of side 2 (module docstring).

    Parameters
    ----------
    p : float
        Probability that side 1 wins the war, in [0, 1].
    c1 : float
        Side 1's war cost, >= 0 (issue units).
    c_r, c_i : float
        The resolved and the irresolute side 2's war costs, ``0 <= c_r < c_i``, with
        ``p + c_i <= 1`` (the risky demand is a share of the issue) and ``c1 + c_r > 0``
        (a refused demand costs side 1 something).
    q : float
        Prior probability that side 2 is resolved, in (0, 1).

    Raises
    ------
    ConfigError
        Naming the first parameter out of its range, ``mediation.<name>: expected ...``.
    """

    p: float
    c1: float
    c_r: float
    c_i: float
    q: float

    def __post_init__(self) -> None:
        for name in ("p", "c1", "c_r", "c_i", "q"):
            _finite(name, getattr(self, name))
        _check("p", 0 <= self.p <= 1, "a probability in [0, 1]", self.p)
        _check("c1", self.c1 >= 0, "a war cost >= 0", self.c1)
        _check("c_r", self.c_r >= 0, "a war cost >= 0", self.c_r)
        _check("c_i", self.c_i > self.c_r, f"a war cost above c_r = {self.c_r}", self.c_i)
        _check("c_i", self.p + self.c_i <= 1, f"p + c_i <= 1 (p = {self.p})", self.c_i)
        _check("c1", self.c1 + self.c_r > 0, f"c1 + c_r > 0 (c_r = {self.c_r})", self.c1)
        _check("q", 0 < self.q < 1, "a probability in (0, 1)", self.q)

    @property
    def x_safe(self) -> float:
        """The demand both types accept, ``p + c_r``."""
        return self.p + self.c_r

    @property
    def x_risky(self) -> float:
        """The demand only the irresolute type accepts, ``p + c_i``."""
        return self.p + self.c_i

    @property
    def gain(self) -> float:
        """``D = c_i - c_r``: side 1's gain when the risky demand is accepted (issue units)."""
        return self.c_i - self.c_r

    @property
    def loss(self) -> float:
        """``C = c1 + c_r``: side 1's loss when the risky demand is refused (issue units)."""
        return self.c1 + self.c_r

    @property
    def threshold(self) -> float:
        """``mu* = D / (D + C)``: side 1 demands ``x_risky`` iff its belief in resolve is below it."""
        return self.gain / (self.gain + self.loss)

    def war_cost(self, side_type: str) -> float:
        """Side 2's war cost if it is of type ``side_type``."""
        return self.c_r if side_type == RESOLVED else self.c_i

    def demand(self, name: str) -> float:
        """The share side 1 demands with the demand called ``name`` (:data:`DEMANDS`)."""
        return self.x_safe if name == SAFE else self.x_risky


@dataclass(frozen=True)
class Mediator:
    """A mediator of Kydd (2003).

    Parameters
    ----------
    bias : float
        ``b`` in [0, 1]: its weight on side 1's payoff (1 - b on side 2's).
    war_cost : float
        ``w >= 0``: what a war costs it, issue units (its concern for peace).
    accuracy : float
        ``a`` in [1/2, 1]: probability that its signal equals side 2's type.
    """

    bias: float
    war_cost: float
    accuracy: float

    def __post_init__(self) -> None:
        for name in ("bias", "war_cost", "accuracy"):
            _finite(name, getattr(self, name))
        _check("bias", 0 <= self.bias <= 1, "a weight in [0, 1]", self.bias)
        _check("war_cost", self.war_cost >= 0, "a cost >= 0", self.war_cost)
        _check("accuracy", 1 <= 2 * self.accuracy and self.accuracy <= 1, "an accuracy in [1/2, 1]", self.accuracy)


def responder_accepts(game: KyddGame, demand: float, side_type: str) -> bool:
    """Side 2 of type ``side_type`` accepts ``demand`` iff ``1 - demand >= 1 - p - c2``.

    Written ``demand <= p + c2`` (the same inequality), so that in floats the demand
    ``p + c2`` itself is accepted exactly as in exact arithmetic (indifference: accept).
    """
    return demand <= game.p + game.war_cost(side_type)


def outcome(game: KyddGame, demand: str, side_type: str) -> str:
    """The outcome (:data:`OUTCOMES`) of side 1's ``demand`` against side 2 of type ``side_type``."""
    if not responder_accepts(game, game.demand(demand), side_type):
        return WAR
    return SAFE_DEAL if demand == SAFE else RISKY_DEAL


def payoffs(game: KyddGame, demand: str, side_type: str) -> tuple[float, float, bool]:
    """Side 1's and side 2's payoffs and whether war follows, for ``demand`` against ``side_type``."""
    x = game.demand(demand)
    if responder_accepts(game, x, side_type):
        return x, 1 - x, False
    return game.p - game.c1, 1 - game.p - game.war_cost(side_type), True


def mediator_utility(mediator: Mediator, u1: float, u2: float, war: bool) -> float:
    """``u_M = b u1 + (1 - b) u2 - w [war]``."""
    b = mediator.bias
    return b * u1 + (1 - b) * u2 - (mediator.war_cost if war else 0)


def side1_gain(game: KyddGame, belief):
    """``G1(mu) = (1 - mu) D - mu C``: side 1's expected gain from the risky demand over the
    safe one when it believes side 2 resolved with probability ``belief`` (issue units)."""
    return (1 - belief) * game.gain - belief * game.loss


def best_demands(game: KyddGame, belief) -> tuple[str, ...]:
    """Side 1's optimal demands at ``belief`` (both at ``belief = mu*``)."""
    g = side1_gain(game, belief)
    return (RISKY,) if g > 0 else (SAFE,) if g < 0 else DEMANDS


def best_demand(game: KyddGame, belief) -> float:
    """Side 1's best demand (a share) at ``belief``: ``x_risky`` if ``belief < mu*``, else
    ``x_safe`` (the tie rule: the safe demand when side 1 is indifferent)."""
    return game.x_risky if side1_gain(game, belief) > 0 else game.x_safe


def signal_probabilities(q, accuracy) -> tuple[Any, Any]:
    """``(P(signal resolved), P(signal irresolute))`` = ``(q a + (1-q)(1-a), q (1-a) + (1-q) a)``."""
    return q * accuracy + (1 - q) * (1 - accuracy), q * (1 - accuracy) + (1 - q) * accuracy


def posteriors(q, accuracy) -> tuple[Any, Any]:
    """``(mu_R, mu_I)``: probability that side 2 is resolved after each signal."""
    p_r, p_i = signal_probabilities(q, accuracy)
    return q * accuracy / p_r, q * (1 - accuracy) / p_i


def mediator_gain(game: KyddGame, mediator: Mediator, belief):
    """``GM(mu) = b G1(mu) - (1 - b)(1 - mu) D - w mu``: the mediator's expected gain from the
    risky demand over the safe one at its posterior ``belief`` that side 2 is resolved."""
    b = mediator.bias
    return b * side1_gain(game, belief) - (1 - b) * (1 - belief) * game.gain - mediator.war_cost * belief


@dataclass(frozen=True)
class InformativeConditions:
    """The four conditions of the informative equilibrium, each as a slack that must be >= 0.

    Slacks are the gains of the module docstring times the probability of the signal
    (``P(signal) * G(mu_signal)``: the same sign, no division), issue units.

    Attributes
    ----------
    heeds_irresolute : side 1 demands ``x_risky`` after "irresolute": ``P_I G1(mu_I)``.
    heeds_resolved : side 1 demands ``x_safe`` after "resolved": ``-P_R G1(mu_R)``.
    reports_irresolute : the mediator with signal "irresolute" prefers the risky demand: ``P_I GM(mu_I)``.
    reports_resolved : the mediator with signal "resolved" prefers the safe demand: ``-P_R GM(mu_R)``.
    """

    heeds_irresolute: Any
    heeds_resolved: Any
    reports_irresolute: Any
    reports_resolved: Any

    @property
    def holds(self):
        """Whether all four hold (elementwise for arrays)."""
        return (
            (self.heeds_irresolute >= 0) & (self.heeds_resolved >= 0)
            & (self.reports_irresolute >= 0) & (self.reports_resolved >= 0)
        )


def informative_conditions(game: KyddGame, bias, war_cost, accuracy) -> InformativeConditions:
    """The informative equilibrium's conditions at mediator parameters ``bias``, ``war_cost``,
    ``accuracy`` (scalars or numpy arrays of one shape; not validated: use :class:`Mediator`)."""
    q, a, D, C = game.q, accuracy, game.gain, game.loss
    # P(signal I) * G1(mu_I) and P(signal R) * G1(mu_R), with P * mu = q(1 - a) and q a.
    g1_i = (1 - q) * a * D - q * (1 - a) * C
    g1_r = (1 - q) * (1 - a) * D - q * a * C
    gm_i = bias * g1_i - (1 - bias) * (1 - q) * a * D - war_cost * q * (1 - a)
    gm_r = bias * g1_r - (1 - bias) * (1 - q) * (1 - a) * D - war_cost * q * a
    return InformativeConditions(g1_i, -g1_r, gm_i, -gm_r)


def informative_exists(game: KyddGame, mediator: Mediator) -> bool:
    """Whether the informative (truthful) equilibrium exists (all four conditions hold)."""
    return bool(informative_conditions(game, mediator.bias, mediator.war_cost, mediator.accuracy).holds)


def bias_threshold(game: KyddGame, war_cost, accuracy):
    """``b*``: the least bias at which the mediator reports "irresolute" truthfully.

    ``b* = ((1 - q) a D + q (1 - a) w) / (2 (1 - q) a D - q (1 - a) C)``; ``None`` when the
    denominator is not positive (no bias makes that report credible). The informative
    equilibrium exists iff side 1 heeds "resolved" (:attr:`InformativeConditions.heeds_resolved`)
    and ``b* <= b`` (so ``b* <= 1``).
    """
    q, a, D, C = game.q, accuracy, game.gain, game.loss
    denominator = 2 * (1 - q) * a * D - q * (1 - a) * C
    if not denominator > 0:
        return None
    return ((1 - q) * a * D + q * (1 - a) * war_cost) / denominator


@dataclass(frozen=True)
class OutcomeDistribution:
    """Probabilities of the three outcomes of one equilibrium (they sum to one).

    Attributes
    ----------
    safe_deal, risky_deal, war : float
    """

    safe_deal: float
    risky_deal: float
    war: float

    @property
    def deal(self) -> float:
        """P(deal) = 1 - P(war)."""
        return self.safe_deal + self.risky_deal

    def as_dict(self) -> dict[str, float]:
        """``{outcome label: probability}`` (:data:`OUTCOMES`)."""
        return {SAFE_DEAL: self.safe_deal, RISKY_DEAL: self.risky_deal, WAR: self.war}


@dataclass(frozen=True)
class MediationEquilibrium:
    """One equilibrium of the mediated game and what it gives.

    Attributes
    ----------
    kind : str
        ``"babbling"`` (side 1 ignores the message) or ``"informative"``.
    demand_after : dict of str to str
        Side 1's demand (:data:`DEMANDS`) after each message (the same after both when babbling).
    outcomes : OutcomeDistribution
    payoffs : tuple of float
        Expected payoffs of side 1, side 2 and the mediator (issue units).
    """

    kind: str
    demand_after: dict[str, str]
    outcomes: OutcomeDistribution
    payoffs: tuple[float, float, float]


def _joint(game: KyddGame, accuracy) -> dict[tuple[str, str], Any]:
    """P(type, signal): ``{(side 2's type, the mediator's signal): probability}``."""
    q, a = game.q, accuracy
    return {(RESOLVED, RESOLVED): q * a, (RESOLVED, IRRESOLUTE): q * (1 - a),
            (IRRESOLUTE, RESOLVED): (1 - q) * (1 - a), (IRRESOLUTE, IRRESOLUTE): (1 - q) * a}


def _equilibrium(game: KyddGame, mediator: Mediator, kind: str, demand_after: dict[str, str]) -> MediationEquilibrium:
    """Outcomes and expected payoffs when side 1 demands ``demand_after[signal]`` (truthful reports)."""
    q = game.q
    prob = dict.fromkeys(OUTCOMES, 0 * q)
    u1 = u2 = um = 0 * q
    for (side_type, signal), pr in _joint(game, mediator.accuracy).items():
        demand = demand_after[signal]
        prob[outcome(game, demand, side_type)] += pr
        v1, v2, war = payoffs(game, demand, side_type)
        u1, u2, um = u1 + pr * v1, u2 + pr * v2, um + pr * mediator_utility(mediator, v1, v2, war)
    return MediationEquilibrium(kind, dict(demand_after), OutcomeDistribution(prob[SAFE_DEAL], prob[RISKY_DEAL], prob[WAR]),
                                (u1, u2, um))


def babbling(game: KyddGame, mediator: Mediator) -> MediationEquilibrium:
    """The babbling equilibrium: side 1 makes its best demand against the prior (tie: safe).

    War has probability ``q`` if ``q < mu*`` (the risky demand), else none.
    """
    demand = RISKY if side1_gain(game, game.q) > 0 else SAFE
    return _equilibrium(game, mediator, BABBLING, {RESOLVED: demand, IRRESOLUTE: demand})


def informative(game: KyddGame, mediator: Mediator) -> MediationEquilibrium:
    """The informative equilibrium's play (risky after "irresolute", safe after "resolved"):
    war with probability ``q (1 - a)``. Raises ConfigError if it is not an equilibrium."""
    if not informative_exists(game, mediator):
        raise ConfigError("mediation: no informative equilibrium at these parameters (see informative_conditions)")
    return _equilibrium(game, mediator, INFORMATIVE, {RESOLVED: SAFE, IRRESOLUTE: RISKY})


def equilibria(game: KyddGame, mediator: Mediator) -> list[MediationEquilibrium]:
    """Babbling, then the informative equilibrium where it exists.

    Up to relabelling the messages and the non-generic cases where a player is exactly
    indifferent, every equilibrium has the outcomes of one of these two (docs/mediation.md).
    """
    found = [babbling(game, mediator)]
    if informative_exists(game, mediator):
        found.append(informative(game, mediator))
    return found


def predict(game: KyddGame, mediator: Mediator) -> MediationEquilibrium:
    """negsim's prediction: the informative equilibrium where it exists (it weakly
    Pareto-dominates babbling for side 1 and the mediator), else babbling."""
    return equilibria(game, mediator)[-1]


# --------------------------------------------------------------------------- brute force


@dataclass(frozen=True)
class PureProfile:
    """A pure strategy profile: the mediator's message after each signal, side 1's demand after each message."""

    report: dict[str, str]
    demand: dict[str, str]

    @property
    def informative(self) -> bool:
        """Whether side 1's demand depends on the mediator's signal."""
        return self.demand[self.report[RESOLVED]] != self.demand[self.report[IRRESOLUTE]]


def _optimal(value, values, tol) -> bool:
    """``value >= max(values) - tol``, exactly when ``tol`` is 0 (a float would round a Fraction)."""
    best = max(values)
    return bool(value >= (best - tol if tol else best))


@dataclass(frozen=True)
class _Tables:
    """What the brute force needs, computed once per game: P(type, signal) and each
    player's payoff of each demand against each type (from :func:`payoffs`)."""

    joint: dict[tuple[str, str], Any]
    side1: dict[tuple[str, str], Any]
    mediator: dict[tuple[str, str], Any]


def _tables(game: KyddGame, mediator: Mediator) -> _Tables:
    pay = {(d, t): payoffs(game, d, t) for d in DEMANDS for t in TYPES}
    return _Tables(_joint(game, mediator.accuracy), {k: v[0] for k, v in pay.items()},
                   {k: mediator_utility(mediator, *v) for k, v in pay.items()})


def is_equilibrium(game: KyddGame, mediator: Mediator, profile: PureProfile, *, tol: float = 0.0,
                   tables: _Tables | None = None) -> bool:
    """Whether a pure profile is a perfect Bayesian equilibrium, checked from the outcomes' payoffs.

    Side 1's demand after each message that is sent with positive probability must be
    optimal against the Bayes posterior (unnormalised: the joint probability of each type
    and the message); after an unsent message any demand is optimal against some belief
    (the risky one if side 2 is surely irresolute, the safe one if surely resolved). With
    each signal the mediator's message must be optimal given side 1's demands. ``tol``
    (absolute, issue units) loosens both comparisons for floats; 0 for exact numbers.
    """
    tab = _tables(game, mediator) if tables is None else tables
    joint = tab.joint
    for message in MESSAGES:
        weight = {t: sum(pr for (t2, s), pr in joint.items() if t2 == t and profile.report[s] == message) for t in TYPES}
        if not sum(weight.values()) > 0:
            continue
        value = {d: sum(weight[t] * tab.side1[d, t] for t in TYPES) for d in DEMANDS}
        if not _optimal(value[profile.demand[message]], value.values(), tol):
            return False
    for signal in TYPES:
        value = {
            message: sum(pr * tab.mediator[profile.demand[message], t] for (t, s), pr in joint.items() if s == signal)
            for message in MESSAGES
        }
        if not _optimal(value[profile.report[signal]], value.values(), tol):
            return False
    return True


def pure_profiles() -> list[PureProfile]:
    """All 16 pure profiles: 4 reporting strategies of the mediator times 4 demand strategies of side 1."""
    return [
        PureProfile(dict(zip(TYPES, rep, strict=True)), dict(zip(MESSAGES, dem, strict=True)))
        for rep in product(MESSAGES, repeat=2) for dem in product(DEMANDS, repeat=2)
    ]


def pure_equilibria(game: KyddGame, mediator: Mediator, *, tol: float = 0.0) -> list[PureProfile]:
    """Every pure profile that is an equilibrium (:func:`is_equilibrium`), by enumeration."""
    tables = _tables(game, mediator)
    return [prof for prof in pure_profiles() if is_equilibrium(game, mediator, prof, tol=tol, tables=tables)]


# --------------------------------------------------------------------------- the tree


def mediation_tree(game: KyddGame, mediator: Mediator) -> ExtensiveGame:
    """The mediated game as a two-player extensive game: the mediator (player 0) and side 1.

    Chance draws side 2's type (resolved with probability ``q``), then the mediator's
    signal (right with probability ``a``); the mediator, knowing its signal, sends a
    message; side 1, knowing the message, demands ``x_safe`` or ``x_risky``; side 2's
    reply (accept iff it is not worse than war) is folded into the leaves, whose payoffs
    are ``(u_M, u1)`` and whose labels are :data:`OUTCOMES`. Side 2's payoff is not a
    player's payoff here; it enters through the mediator's.
    """
    a = float(mediator.accuracy)

    def leaf(demand: str, side_type: str) -> Terminal:
        u1, u2, war = payoffs(game, demand, side_type)
        pay = np.array([mediator_utility(mediator, u1, u2, war), u1], dtype=float)
        return Terminal(pay, label=outcome(game, demand, side_type))

    def side1(message: str, side_type: str) -> Decision:
        return Decision(1, f"side 1: message {message}", DEMANDS, tuple(leaf(d, side_type) for d in DEMANDS))

    def signal(side_type: str) -> Chance:
        right = np.array([a, 1 - a] if side_type == RESOLVED else [1 - a, a])
        children = tuple(
            Decision(0, f"mediator: signal {s}", MESSAGES, tuple(side1(m, side_type) for m in MESSAGES))
            for s in TYPES
        )
        return Chance(tuple(f"signal {s}" for s in TYPES), right, children, label=f"signal, side 2 {side_type}")

    q = float(game.q)
    root = Chance(tuple(f"side 2 {t}" for t in TYPES), np.array([q, 1 - q]), tuple(signal(t) for t in TYPES), label="side 2's type")
    return ExtensiveGame(root, players=("mediator", "side 1"), title="Informational mediation (Kydd 2003), two types",
                         comment=f"p={game.p}, c1={game.c1}, c_r={game.c_r}, c_i={game.c_i}, q={game.q}; "
                                 f"b={mediator.bias}, w={mediator.war_cost}, a={mediator.accuracy}")


# --------------------------------------------------------------------------- trust building (after Kydd 2006)

#: The sides' types and actions in the trust game.
TRUSTWORTHY, UNTRUSTWORTHY = "trustworthy", "untrustworthy"
TRUST_TYPES = (TRUSTWORTHY, UNTRUSTWORTHY)
COOPERATE, DEFECT = "cooperate", "defect"
ACTIONS = (COOPERATE, DEFECT)
#: The mediator's public advice.
ADVICE = ("cooperate", "do not")
#: The middle of the issue line (exact, so that Fraction inputs stay exact).
HALF = Fraction(1, 2)


@dataclass(frozen=True)
class TrustGame:
    """The two-type trust game of Part 2 of the module docstring.

    Parameters
    ----------
    untrustworthy : tuple of float
        ``(pi_1, pi_2)``: prior probability that each side is untrustworthy, in (0, 1).
    temptation_trustworthy, temptation_untrustworthy : float
        Payoff of defecting against a cooperator: ``t_T < 1 < t_U`` (mutual cooperation 1,
        mutual defection 0).
    sucker : float
        ``s > 0``: cooperating against a defector pays ``-s``.
    shift : float
        ``e`` in (0, 1/2]: how far an exploitation moves the issue toward the exploiter.
    """

    untrustworthy: tuple[float, float]
    temptation_trustworthy: float
    temptation_untrustworthy: float
    sucker: float
    shift: float

    def __post_init__(self) -> None:
        _check("untrustworthy", len(self.untrustworthy) == 2, "two probabilities", list(self.untrustworthy))
        for pi in self.untrustworthy:
            _finite("untrustworthy", pi)
            _check("untrustworthy", 0 < pi < 1, "probabilities in (0, 1)", list(self.untrustworthy))
        for name in ("temptation_trustworthy", "temptation_untrustworthy", "sucker", "shift"):
            _finite(name, getattr(self, name))
        _check("temptation_trustworthy", self.temptation_trustworthy < 1, "a temptation below 1 (an assurance game)",
               self.temptation_trustworthy)
        _check("temptation_untrustworthy", self.temptation_untrustworthy > 1,
               "a temptation above 1 (a prisoner's dilemma)", self.temptation_untrustworthy)
        _check("sucker", self.sucker > 0, "a cost > 0", self.sucker)
        _check("shift", 0 < self.shift and 2 * self.shift <= 1, "a shift in (0, 1/2]", self.shift)

    def stage_payoff(self, own_type: str, own: str, other: str) -> float:
        """A side's stage payoff from its action ``own`` against ``other``, given its type."""
        if own == COOPERATE:
            return 1 if other == COOPERATE else -self.sucker
        if other == COOPERATE:
            return self.temptation_trustworthy if own_type == TRUSTWORTHY else self.temptation_untrustworthy
        return 0

    def issue_position(self, a1: str, a2: str) -> float:
        """Where the outcome leaves the issue (1: side 1's end)."""
        if a1 == a2:
            return HALF + 0 * self.shift
        return HALF + self.shift if a1 == DEFECT else HALF - self.shift


@dataclass(frozen=True)
class TrustMediator:
    """A mediator of the trust game: ideal point ``m`` in [0, 1], salience ``beta >= 0``, conflict cost ``k >= 0``."""

    ideal_point: float
    salience: float
    conflict_cost: float

    def __post_init__(self) -> None:
        for name in ("ideal_point", "salience", "conflict_cost"):
            _finite(name, getattr(self, name))
        _check("ideal_point", 0 <= self.ideal_point <= 1, "a point in [0, 1]", self.ideal_point)
        _check("salience", self.salience >= 0, "a weight >= 0", self.salience)
        _check("conflict_cost", self.conflict_cost >= 0, "a cost >= 0", self.conflict_cost)

    def utility(self, game: TrustGame, a1: str, a2: str) -> float:
        """``-beta |z - m| - k [mutual defection]``."""
        z = game.issue_position(a1, a2)
        conflict = self.conflict_cost if a1 == a2 == DEFECT else 0
        return -self.salience * abs(z - self.ideal_point) - conflict


def truthful_interval(game: TrustGame, salience, conflict_cost) -> tuple[Any, Any] | None:
    """The ideal points at which truthful advice is an equilibrium: ``[1/2 - h, 1/2 + h]``,
    ``h = (e - k / beta) / 2``; ``None`` if ``beta e < k`` (or ``beta = 0 < k``); all of
    [0, 1] if ``beta = k = 0`` (the mediator is indifferent to everything)."""
    if salience == 0:
        return (0 * conflict_cost, 1 + 0 * conflict_cost) if conflict_cost == 0 else None
    h = (game.shift - conflict_cost / salience) / 2
    if h < 0:
        return None
    return HALF - h, HALF + h


def truthful_advice_holds(game: TrustGame, mediator: TrustMediator) -> bool:
    """Closed form: ``beta (e - 2 |m - 1/2|) >= k`` (mutual defection beats either exploitation
    for the mediator; mutual cooperation beats mutual defection for every mediator)."""
    return mediator.salience * (game.shift - 2 * abs(mediator.ideal_point - HALF)) >= mediator.conflict_cost


def _trust_profiles():
    return list(product(TRUST_TYPES, repeat=2))


def truthful_advice(t1: str, t2: str) -> str:
    """The truthful public advice: "cooperate" iff both sides are trustworthy."""
    return ADVICE[0] if t1 == t2 == TRUSTWORTHY else ADVICE[1]


def trust_is_equilibrium(game: TrustGame, mediator: TrustMediator, advice: dict[tuple[str, str], str],
                         obey: tuple[dict[str, str], dict[str, str]]) -> bool:
    """Whether a pure profile of the mediated trust game is an equilibrium, from the payoffs.

    ``advice[(t1, t2)]`` is the mediator's public message at each pair of types;
    ``obey[i][message]`` the action of side ``i`` when trustworthy (untrustworthy types
    defect: it is dominant). Each side's action after each message it can receive must be
    optimal against the Bayes posterior on the other's type (unnormalised); after a
    message it cannot receive any action is optimal against some belief. At each pair of
    types the mediator's message must be optimal given the sides' strategies.
    """
    pi = game.untrustworthy
    prior = [{TRUSTWORTHY: 1 - pi[i], UNTRUSTWORTHY: pi[i]} for i in (0, 1)]

    def act(i: int, own_type: str, message: str) -> str:
        return DEFECT if own_type == UNTRUSTWORTHY else obey[i][message]

    for i, own_type, message in product((0, 1), TRUST_TYPES, ADVICE):
        j = 1 - i
        weight = {}
        for other in TRUST_TYPES:
            pair = (own_type, other) if i == 0 else (other, own_type)
            weight[other] = prior[j][other] if advice[pair] == message else 0 * pi[0]
        if not sum(weight.values()) > 0:
            continue
        value = {a: sum(weight[o] * game.stage_payoff(own_type, a, act(j, o, message)) for o in TRUST_TYPES)
                 for a in ACTIONS}
        if value[act(i, own_type, message)] < max(value.values()):
            return False
    for t1, t2 in _trust_profiles():
        value = {m: mediator.utility(game, act(0, t1, m), act(1, t2, m)) for m in ADVICE}
        if value[advice[(t1, t2)]] < max(value.values()):
            return False
    return True


def truthful_advice_is_equilibrium(game: TrustGame, mediator: TrustMediator) -> bool:
    """Brute force: truthful advice, obeyed by trustworthy types, checked by :func:`trust_is_equilibrium`."""
    advice = {pair: truthful_advice(*pair) for pair in _trust_profiles()}
    obey = {ADVICE[0]: COOPERATE, ADVICE[1]: DEFECT}
    return trust_is_equilibrium(game, mediator, advice, (obey, obey))


def cooperation_without_mediator(game: TrustGame) -> bool:
    """Whether trustworthy types can cooperate without advice (a Bayesian equilibrium in
    which they cooperate and untrustworthy types defect): for each side ``i``,
    ``(1 - pi_j)(1 - t_T) >= pi_j s``. Mutual defection is always an equilibrium too."""
    pi = game.untrustworthy
    return all((1 - pi[j]) * (1 - game.temptation_trustworthy) >= pi[j] * game.sucker for j in (1, 0))


def trust_outcomes(game: TrustGame, *, mediated: bool) -> dict[str, Any]:
    """Probabilities of mutual cooperation, exploitation (either way) and mutual defection.

    ``mediated=True``: truthful advice (cooperation exactly when both are trustworthy, no
    exploitation). ``mediated=False``: the cooperative Bayesian equilibrium where it exists
    (trustworthy types cooperate, so an untrustworthy side exploits a trustworthy one),
    else mutual defection.
    """
    p1, p2 = game.untrustworthy
    both = (1 - p1) * (1 - p2)
    if mediated:
        return {"mutual cooperation": both, "exploitation": 0 * both, "mutual defection": 1 - both}
    if cooperation_without_mediator(game):
        exploit = p1 * (1 - p2) + (1 - p1) * p2
        return {"mutual cooperation": both, "exploitation": exploit, "mutual defection": p1 * p2}
    return {"mutual cooperation": 0 * both, "exploitation": 0 * both, "mutual defection": 1 + 0 * both}
