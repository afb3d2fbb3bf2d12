"""Bargaining over the terms of a deal, with war or stalemate as the disagreement point.

Payoffs are shares of a divisible "pie" (the value of a settlement; a unit pie unless
``pie`` says otherwise); each player's utility is linear in its share. Four models:

* Axiomatic: the asymmetric Nash bargaining solution (Nash 1950; Kalai 1977), in closed
  form on a linear frontier (:func:`nash_bargaining`) and numerically on a general
  concave frontier (:func:`nash_bargaining_frontier`).
* Strategic: Rubinstein's (1982) alternating offers, with a per-round risk that talks
  break down for good (Binmore, Rubinstein & Wolinsky 1986), infinite
  (:func:`rubinstein`) and finite horizon (:func:`rubinstein_finite`).
* The bargaining range of Fearon (1995): the splits both sides prefer to a costly war
  (:func:`fearon_range`, :func:`beats_war`).
* Fearon's (1995) take-it-or-leave-it offer under private information about the
  responder's cost of war, where war happens with positive probability
  (:func:`take_it_or_leave_it`).

References
----------
Binmore, K., Rubinstein, A. & Wolinsky, A. (1986). The Nash bargaining solution in
economic modelling. *RAND Journal of Economics* 17(2), 176-188.
Fearon, J. D. (1995). Rationalist explanations for war. *International Organization*
49(3), 379-414.
Kalai, E. (1977). Nonsymmetric Nash solutions and replications of 2-person bargaining.
*International Journal of Game Theory* 6(3), 129-133.
Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2), 155-162.
Rubinstein, A. (1982). Perfect equilibrium in a bargaining model. *Econometrica* 50(1),
97-109.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy import optimize

from negsim.errors import ConfigError

#: Slack allowed when checking that the responder accepts (shares are computed in floats).
ACCEPT_TOL = 1e-12


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise ConfigError(f"bargaining.{name}: expected a finite number, got {value}")
    return float(value)


def _in_unit(name: str, value: float, what: str) -> float:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"bargaining.{name}: expected {what} in [0, 1], got {value}")
    return float(value)


def _non_negative(name: str, value: float) -> float:
    if not (math.isfinite(value) and value >= 0.0):
        raise ConfigError(f"bargaining.{name}: expected a finite cost >= 0, got {value}")
    return float(value)


def nash_bargaining(d1: float, d2: float, alpha: float, pie: float = 1.0) -> tuple[float, float]:
    """Asymmetric Nash bargaining solution on a linear frontier ``u1 + u2 = pie``.

    Maximises ``(u1 - d1)**alpha * (u2 - d2)**(1 - alpha)``: each player gets its
    disagreement payoff plus its power-weighted part of the surplus,
    ``x1 = d1 + alpha * (pie - d1 - d2)`` and ``x2 = pie - x1``.

    Parameters
    ----------
    d1, d2 : float
        Disagreement payoffs (war or stalemate), pie units; may be negative (a costly war),
        with ``d1 + d2 <= pie`` (agreement is worth having).
    alpha : float
        Bargaining power of player 1, in [0, 1] (1/2: the symmetric Nash solution).
    pie : float
        Size of the pie, > 0.

    Returns
    -------
    (x1, x2) : tuple of float
        Shares of player 1 and player 2, pie units, summing to ``pie``.
    """
    d1, d2 = _finite("d1", d1), _finite("d2", d2)
    alpha = _in_unit("alpha", alpha, "a bargaining power")
    if not (math.isfinite(pie) and pie > 0.0):
        raise ConfigError(f"bargaining.pie: expected a finite size > 0, got {pie}")
    if d1 + d2 > pie:
        raise ConfigError(
            f"bargaining.d1 + bargaining.d2: disagreement payoffs {d1} + {d2} exceed the pie {pie}"
        )
    x1 = d1 + alpha * (pie - d1 - d2)
    return x1, pie - x1


def nash_bargaining_frontier(
    frontier: Callable[[float], float], d: tuple[float, float], alpha: float, u1_max: float
) -> tuple[float, float]:
    """Asymmetric Nash bargaining solution on a general frontier ``u2 = frontier(u1)``.

    Maximises ``alpha * log(u1 - d1) + (1 - alpha) * log(frontier(u1) - d2)`` over the
    individually rational part ``d1 < u1 < b`` of the frontier (``b``: where the
    frontier falls to ``d2``, or ``u1_max``) with scipy's bounded scalar minimiser. The
    result is accurate to about ``1e-8 * max(1, |u1|)`` (the flatness of a smooth maximum).
    With ``alpha = 1`` player 1 gets ``b``, with ``alpha = 0`` its disagreement payoff.

    Parameters
    ----------
    frontier : callable
        The Pareto frontier, ``u2 = frontier(u1)``: decreasing and concave on
        ``[d1, u1_max]``, payoff units.
    d : tuple of 2 float
        Disagreement point ``(d1, d2)``, strictly below the frontier at ``u1 = d1``.
    alpha : float
        Bargaining power of player 1, in [0, 1].
    u1_max : float
        Right end of the frontier's domain, > ``d1``.

    Returns
    -------
    (u1, u2) : tuple of float
        The solution on the frontier, payoff units.
    """
    d1, d2 = _finite("d[0]", d[0]), _finite("d[1]", d[1])
    alpha = _in_unit("alpha", alpha, "a bargaining power")
    if not (math.isfinite(u1_max) and u1_max > d1):
        raise ConfigError(f"bargaining.u1_max: expected a finite number > d1 = {d1}, got {u1_max}")
    if not frontier(d1) > d2:
        raise ConfigError(f"bargaining.d: disagreement point {(d1, d2)} is not below the frontier")
    if frontier(u1_max) >= d2:
        b = u1_max
    else:
        b = optimize.brentq(lambda u: frontier(u) - d2, d1, u1_max, xtol=1e-15)
    if alpha == 1.0:
        return b, frontier(b)
    if alpha == 0.0:
        return d1, frontier(d1)

    def neg_log_nash_product(u1: float) -> float:
        gain1, gain2 = u1 - d1, frontier(u1) - d2
        if gain1 <= 0.0 or gain2 <= 0.0:
            return math.inf
        return -(alpha * math.log(gain1) + (1.0 - alpha) * math.log(gain2))

    res = optimize.minimize_scalar(neg_log_nash_product, bounds=(d1, b), method="bounded", options={"xatol": 1e-12})
    return float(res.x), frontier(float(res.x))


@dataclass(frozen=True)
class AlternatingOffers:
    """Subgame-perfect agreement of an alternating-offers game on a unit pie.

    Player 1 proposes first; shares are of the unit pie, agreed in round 1.

    Attributes
    ----------
    proposer_share : float
        Player 1's share.
    responder_share : float
        Player 2's share, ``1 - proposer_share``.
    d1_eff, d2_eff : float
        Effective per-round discount factors ``d * (1 - breakdown)``.
    responder_continuation : float
        What player 2 expects from rejecting, valued at round 1: its share as proposer
        next round times ``d2_eff`` (breakdown gives 0); 0 if round 1 is the last.
    """

    proposer_share: float
    responder_share: float
    d1_eff: float
    d2_eff: float
    responder_continuation: float

    @property
    def immediate_agreement(self) -> bool:
        """Player 2 accepts the first offer: its share is at least what rejecting is worth.

        In equilibrium the responder is exactly indifferent (the proposer offers no more
        than needed), so there is no delay and no breakdown on the equilibrium path.
        """
        return self.responder_share >= self.responder_continuation - ACCEPT_TOL


def _effective_discounts(d1: float, d2: float, breakdown: float) -> tuple[float, float]:
    d1 = _in_unit("d1", d1, "a discount factor")
    d2 = _in_unit("d2", d2, "a discount factor")
    p = _in_unit("breakdown", breakdown, "a per-round breakdown probability")
    e1, e2 = d1 * (1.0 - p), d2 * (1.0 - p)
    if e1 * e2 >= 1.0:
        raise ConfigError(
            "bargaining.d1, bargaining.d2, bargaining.breakdown: with d1 = d2 = 1 and no breakdown "
            "risk every split is an equilibrium; lower a discount factor or set breakdown > 0"
        )
    return e1, e2


def rubinstein(d1: float, d2: float, breakdown: float = 0.0) -> AlternatingOffers:
    """Rubinstein's infinite-horizon alternating offers on a unit pie, player 1 first.

    The unique subgame-perfect equilibrium gives the first proposer
    ``(1 - e2) / (1 - e1 * e2)`` at once, where ``e_i = d_i * (1 - breakdown)``: after
    each rejection talks break down for good with probability ``breakdown`` (both get 0,
    the disagreement point) and otherwise continue one round later (Binmore, Rubinstein &
    Wolinsky 1986).

    Parameters
    ----------
    d1, d2 : float
        Per-round discount factors in [0, 1], not both 1 without breakdown risk.
    breakdown : float
        Probability in [0, 1] that talks break down after a rejection.

    Returns
    -------
    AlternatingOffers
    """
    e1, e2 = _effective_discounts(d1, d2, breakdown)
    x1 = (1.0 - e2) / (1.0 - e1 * e2)
    y2 = (1.0 - e1) / (1.0 - e1 * e2)  # player 2's share when it proposes
    return AlternatingOffers(x1, 1.0 - x1, e1, e2, e2 * y2)


def rubinstein_finite(d1: float, d2: float, rounds: int, breakdown: float = 0.0) -> AlternatingOffers:
    """Alternating offers over at most ``rounds`` rounds, by backward induction.

    Player 1 proposes in odd rounds, player 2 in even ones; a rejection in the last round
    (or a breakdown) leaves both with 0. The last proposer takes the whole pie, and the
    proposer of round ``t`` keeps ``s_t = 1 - e_r * s_{t+1}``, where ``e_r`` is the
    effective discount of round ``t``'s responder. As ``rounds`` grows this tends to
    :func:`rubinstein`.

    Parameters
    ----------
    d1, d2, breakdown : float
        As in :func:`rubinstein`.
    rounds : int
        Number of rounds, >= 1.

    Returns
    -------
    AlternatingOffers
    """
    e1, e2 = _effective_discounts(d1, d2, breakdown)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ConfigError(f"bargaining.rounds: expected an integer >= 1, got {rounds}")
    share = 1.0  # proposer's share in the current round, from the last round backwards
    continuation = 0.0  # round-1 responder's value of rejecting (set when t reaches 1)
    for t in range(rounds - 1, 0, -1):
        responder_discount = e2 if t % 2 == 1 else e1
        continuation = responder_discount * share
        share = 1.0 - continuation
    return AlternatingOffers(share, 1.0 - share, e1, e2, continuation)


def _check_war(p: float, cA: float, cB: float) -> tuple[float, float, float]:
    return (
        _in_unit("p", p, "a probability that A wins"),
        _non_negative("cA", cA),
        _non_negative("cB", cB),
    )


def fearon_range(p: float, cA: float, cB: float) -> tuple[float, float]:
    """Fearon's bargaining range: the shares of A that both sides prefer to war.

    War gives A ``p - cA`` and B ``1 - p - cB`` in expectation, so a split giving A the
    share ``x`` (B gets ``1 - x``) beats war for both exactly when ``p - cA < x < p + cB``.
    The interval is clipped to [0, 1]; a clipped end (0 when ``cA > p``, 1 when
    ``p + cB > 1``) beats war too. With ``cA = cB = 0`` the range is empty (both are
    indifferent at ``x = p``).

    Parameters
    ----------
    p : float
        Probability that A wins the war, in [0, 1].
    cA, cB : float
        Costs of war to A and B, >= 0, pie units.

    Returns
    -------
    (low, high) : tuple of float
        Ends of the range of A's share, ``low <= high``.
    """
    p, cA, cB = _check_war(p, cA, cB)
    return max(p - cA, 0.0), min(p + cB, 1.0)


def beats_war(x: float, p: float, cA: float, cB: float) -> bool:
    """Whether the split giving A the share ``x`` in [0, 1] is strictly better than war for both.

    A prefers it iff ``x > p - cA``, B iff ``1 - x > 1 - p - cB``; see :func:`fearon_range`
    for the parameters.
    """
    p, cA, cB = _check_war(p, cA, cB)
    x = _in_unit("x", x, "a share")
    return p - cA < x < p + cB


@dataclass(frozen=True)
class TakeItOrLeaveIt:
    """A's optimal take-it-or-leave-it demand when B's cost of war is private.

    Attributes
    ----------
    demand : float
        A's share in its proposal (B is offered ``1 - demand``), pie units.
    war_probability : float
        Probability that B rejects, so that war follows.
    expected_a : float
        A's expected payoff, ``demand * (1 - war_probability) + (p - cA) * war_probability``.
    """

    demand: float
    war_probability: float
    expected_a: float


def take_it_or_leave_it(p: float, cA: float, cbar: float) -> TakeItOrLeaveIt:
    """Fearon's (1995) ultimatum under private information: A demands, B accepts or fights.

    B's cost of war ``cB`` is private, uniform on ``[0, cbar]``. B accepts the demand
    ``x`` iff ``1 - x >= 1 - p - cB``, i.e. ``cB >= x - p``, so for ``z = x - p`` in
    ``[0, cbar]`` war has probability ``z / cbar`` and A expects

        ``U(z) = (p + z) * (1 - z / cbar) + (p - cA) * z / cbar = p + z * (1 - (z + cA) / cbar)``,

    a concave quadratic with maximum at ``z* = (cbar - cA) / 2``. Hence:

    * ``cA >= cbar``: A demands ``p``, which every type accepts (no war);
    * otherwise A demands ``p + (cbar - cA) / 2`` and war happens with probability
      ``(cbar - cA) / (2 * cbar)``: A trades a risk of war for a better deal;
    * the demand cannot exceed the whole pie: if ``p + z* > 1``, A demands 1 (the
      concave ``U`` is maximised at the bound) and war has probability ``(1 - p) / cbar``.

    Demands below ``p`` are accepted by every type and so dominated by ``p``; demands
    above ``p + cbar`` are always rejected, worth ``p - cA < U(z*)``. Since ``cA >= 0``,
    ``z* <= cbar / 2``: the optimum never reaches the top of B's cost support, and the
    war probability is at most 1/2.

    Parameters
    ----------
    p : float
        Probability that A wins the war, in [0, 1].
    cA : float
        A's cost of war, >= 0, pie units.
    cbar : float
        Upper end of B's cost distribution, > 0, pie units.

    Returns
    -------
    TakeItOrLeaveIt
    """
    p = _in_unit("p", p, "a probability that A wins")
    cA = _non_negative("cA", cA)
    if not (math.isfinite(cbar) and cbar > 0.0):
        raise ConfigError(f"bargaining.cbar: expected a finite upper cost > 0, got {cbar}")
    z = min(max(cbar - cA, 0.0) / 2.0, 1.0 - p)
    war = z / cbar
    return TakeItOrLeaveIt(p + z, war, (p + z) * (1.0 - war) + (p - cA) * war)
