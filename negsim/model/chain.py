"""The ceasefire ladder as an exact Markov chain: the rollout's answers without sampling.

The daily process of :mod:`negsim.model.rollout` keeps, per run, the ladder level, the
days left of a punishment phase and whether the crossings are closed. The pair (level,
punishment days left) is a Markov chain on ``S = 5 (punishment_days + 1)`` states, ordered
by :func:`state_index` (the crossings do not feed back); with the crossings flag it is one
on ``2 S`` states (the open states first). Its daily matrix changes only through the
tension ``m(t)`` (:func:`negsim.model.rollout.tension`), and quadratically: ``T(t) = T0 +
m(t) T1 + m(t)^2 T2``, as a day's weights multiply at most two tension-scaled events (an
attack and a border incident; :func:`_tension_coefficients`). :func:`transition_matrix`
lists the matrix by passing every combination of the day's events through
:func:`negsim.model.rollout.step` itself, so the chain and the simulation share one
description of a day.

Every answer of a rollout is then a linear functional of a chain's day-by-day law:

* P(breakdown by day t): first passage of ``breakdown_level``, those states made
  absorbing (:func:`exact_breakdown_probability`, :func:`horizon_probabilities`);
* P(at least one incident, a ladder rise, by day t): one minus the mass of the chain
  that keeps only the transitions ``step`` does not flag as a rise;
* expected closed-crossing days, expected deaths and P(open war at the horizon): the chain
  with the crossings flag (the reopening draw is independent of the seven others), read
  every day: ``sum_t P(closed at the end of day t)`` and ``sum_t E[deaths_per_day[level at
  the end of day t]]``, as the rollout accrues them.

:func:`exact_results` gives them all per situation (:class:`ExactResult`, the exact
counterpart of :class:`negsim.model.rollout.RolloutResult`); :func:`_propagate` carries
many chains at once, one sparse block-diagonal product per day.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import product
from typing import Any, ClassVar, Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.model.rollout import (
    DRAWS_PER_DAY,
    LEVEL_DAYS,
    OPEN_WAR,
    CeasefireParams,
    Situation,
    daily_probabilities,
    on_day,
    step,
    tension,
)

#: The horizon's quantiles of the time to breakdown reported in summaries.
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Events of one day that move the ladder (attack, major, blamed, Pakistan's and Kabul's
#: steps, a border incident, a step down or truce): the first draws of ``step``; with the
#: crossings, the next draw (their reopening) is listed too.
_EVENTS = 7

#: A chain to carry through the days: its tension coefficients ``(T0, T1, T2)``, each a
#: sparse (n, n) matrix (:func:`_tension_coefficients`); its law on day 0, shape (n,); what
#: is read of its law at the end of each day, shape (n, q) (column k: functional k's value
#: in each state).
Chain = tuple[tuple[Any, ...], np.ndarray, np.ndarray]


def state_index(level, punish):
    """Index of the chain state (level, punishment days left): ``punish * 5 + level``."""
    return punish * (OPEN_WAR + 1) + level


def _levels(punishment_days: int, crossings: bool = False) -> np.ndarray:
    """Ladder level of each chain state, shape (S,), or (2 S,) with the crossings flag."""
    level = np.tile(np.arange(OPEN_WAR + 1), punishment_days + 1)
    return np.tile(level, 2) if crossings else level


def _start(situation: Situation, crossings: bool = False) -> np.ndarray:
    """The chain's law on day 0: all mass on the situation's start (no punishment phase; with
    ``crossings``, on the closed copy when the crossings start closed). Shape (S,) or (2 S,)."""
    S = (OPEN_WAR + 1) * (situation.punishment_days + 1)
    start = np.zeros(2 * S if crossings else S)
    start[state_index(situation.start_level, 0) + (S if crossings and situation.border_closed else 0)] = 1.0
    return start


@lru_cache(maxsize=2)
def _combinations(events: int) -> np.ndarray:
    """Every combination of ``events`` events happening or not, shape (2**events, events),
    in :func:`itertools.product` order (the first event slowest; happening before not)."""
    return np.array(list(product((True, False), repeat=events)))


@lru_cache(maxsize=32)
def _transition_structure(
    punishment_days: int, war_exit_level: int, crossings: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each (state, combination of the day's events) leads, for :func:`transition_matrix`.

    Returns ``(level, punish, pairs, inverse, rose)``: the level and punishment days left
    of each of the N states (N = S, or 2 S with the ``crossings`` flag and its reopening
    draw); ``pairs``, sorted, the transitions that can happen, as ``state * N + next
    state``; ``inverse`` of shape (N * C,) the position in ``pairs`` of each (state,
    combination) (C = 128 combinations, 256 with the crossings); ``rose`` (N * C,)
    ``step``'s flag that the ladder rose. It depends only on the integers: each event is
    made to happen or not by a uniform of 0 or 1 against a probability of one half.
    Arrays read-only.
    """
    n, K = OPEN_WAR + 1, punishment_days
    S = n * (K + 1)
    level = np.tile(np.arange(n), K + 1)
    punish = np.repeat(np.arange(K + 1), n)
    closed = np.zeros(S, bool)
    if crossings:
        level, punish, closed = np.tile(level, 2), np.tile(punish, 2), np.repeat([False, True], S)
    combos = _combinations(_EVENTS + crossings)
    N, C = len(level), len(combos)
    half: dict[str, Any] = {k: 0.5 for k in ("attack", "attack_punish", "major", "attributed", "attributed_punish",
                             "pak", "afg", "down", "war_exit", "reopen")}
    half.update(incident=np.full(n, 0.5), punishment_days=np.int32(K), war_exit_level=np.int8(war_exit_level))
    u = np.ones((DRAWS_PER_DAY, N * C))
    u[: combos.shape[1]] = np.tile(np.where(combos.T, 0.0, 1.0), (1, N))
    new, new_closed, new_punish, rose = step(
        np.repeat(level, C).astype(np.int8), np.repeat(closed, C), np.repeat(punish, C).astype(np.int32), u, half
    )
    target = state_index(new.astype(np.int64), new_punish.astype(np.int64)) + (S * new_closed if crossings else 0)
    pairs, inverse = np.unique(np.repeat(np.arange(N), C) * N + target, return_inverse=True)
    for a in (level, punish, pairs, inverse, rose):
        a.setflags(write=False)
    return level, punish, pairs, inverse, rose


def _transition_values(p: dict, crossings: bool, rises: bool) -> np.ndarray:
    """The probability of each transition ``pairs`` of :func:`_transition_structure`, shape
    (len(pairs),): the sum of the weights of the combinations that lead there (those that
    raise the ladder left out without ``rises``)."""
    level, punish, pairs, inverse, rose = _transition_structure(
        int(p["punishment_days"]), int(p["war_exit_level"]), crossings)
    # The events' probabilities depend on a state's level and on whether a punishment phase
    # is in force only: ten kinds of state, each event's probability per kind, shape (10,).
    kind_level, punishing = np.tile(np.arange(OPEN_WAR + 1), 2), np.repeat([False, True], OPEN_WAR + 1)
    probs = [  # in the order of step's draws
        np.where(punishing, p["attack_punish"], p["attack"]),
        np.full(10, p["major"]),
        np.where(punishing, p["attributed_punish"], p["attributed"]),
        np.full(10, p["pak"]),
        np.full(10, p["afg"]),
        np.asarray(p["incident"])[kind_level],
        np.where(kind_level == OPEN_WAR, p["war_exit"], p["down"]),
    ] + ([np.full(10, p["reopen"])] if crossings else [])
    weight = np.ones((10, 1))
    for q in probs:  # outer products in the order of _combinations: (10, 2**events) at the end
        weight = (weight[:, :, None] * np.stack([q, 1.0 - q], axis=1)[:, None, :]).reshape(10, -1)
    flat_weight = weight[level + (OPEN_WAR + 1) * (punish > 0)].ravel()
    if not rises:
        flat_weight[rose] = 0.0
    return np.bincount(inverse, weights=flat_weight, minlength=len(pairs))


def transition_matrix(p: dict, *, crossings: bool = False, rises: bool = True) -> np.ndarray:
    """Exact one-day transition probabilities of (level, punishment days left), shape (S, S).

    ``S = 5 * (punishment_days + 1)``, states ordered by :func:`state_index` (the first
    five, punishment 0, are the ladder levels). The pair is a Markov chain (the crossings
    do not feed back), so its law can be listed rather than sampled: every combination of
    the day's seven events is passed through :func:`negsim.model.rollout.step` with
    uniforms that make exactly those events happen (:func:`_transition_structure`),
    weighted by its probability in that state. Row ``i`` is the distribution of tomorrow's
    state given state ``i``.

    Parameters
    ----------
    p : dict
        One day's probabilities (scalars): :func:`negsim.model.rollout.on_day` of
        :func:`negsim.model.rollout.daily_probabilities`.
    crossings : bool
        The chain with the crossings flag too, shape (2 S, 2 S): states ``S + i`` are state
        ``i`` with the crossings closed, and the reopening draw is the eighth event.
    rises : bool
        False leaves out the transitions that raise the ladder (``step``'s rise flag): the
        rows then sum to the probability of no incident that day.
    """
    level, _, pairs, _, _ = _transition_structure(int(p["punishment_days"]), int(p["war_exit_level"]), crossings)
    T = np.zeros(len(level) ** 2)
    T[pairs] = _transition_values(p, crossings, rises)
    return T.reshape(len(level), len(level))


def _tension_coefficients(p: dict, crossings: bool = False, rises: bool = True) -> tuple[Any, Any, Any]:
    """``(T0, T1, T2)`` with ``transition_matrix(on_day(p, m), crossings=..., rises=...) = T0 +
    m T1 + m^2 T2`` for every tension ``m``, as sparse CSR matrices: a day's weights multiply
    at most two tension-scaled events (an attack and a border incident), so they are
    quadratic in ``m``; the three matrices follow from ``m = 0, 1/2, 1``."""
    from scipy import sparse

    level, _, pairs, _, _ = _transition_structure(int(p["punishment_days"]), int(p["war_exit_level"]), crossings)
    N = len(level)
    v0, vh, v1 = (_transition_values(on_day(p, m), crossings, rises) for m in (0.0, 0.5, 1.0))
    v2 = 2.0 * (v1 - 2.0 * vh + v0)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pairs // N, minlength=N))])
    return tuple(sparse.csr_matrix((v, pairs % N, indptr), shape=(N, N)) for v in (v0, v1 - v0 - v2, v2))


def _absorbing(coef: tuple[Any, ...], broken: np.ndarray) -> tuple[Any, ...]:
    """The coefficients of :func:`_tension_coefficients` with the states where ``broken``
    (boolean, shape (N,)) made absorbing (first passage: broken stays broken, whatever the
    tension)."""
    from scipy import sparse

    out = []
    for T in coef:
        T = T.copy()
        T.data[np.repeat(broken, np.diff(T.indptr))] = 0.0  # no way out of a broken state
        out.append(T)
    out[0] = (out[0] + sparse.diags(broken.astype(float))).tocsr()
    return tuple(out)


def _first_passage(coef: tuple[Any, ...], situation: Situation, level: int) -> Chain:
    """The chain of ``coef`` (the situation's (level, punishment) chain) with the states at
    ``level`` or above absorbing, read as P(they have been reached), one column."""
    reached = _levels(situation.punishment_days) >= level
    return _absorbing(coef, reached), _start(situation), reached[:, None].astype(float)


def _propagate(chains: Sequence[Chain], m: np.ndarray, every_day: bool = True) -> list[np.ndarray]:
    """The laws of many chains carried through the days at once, read at the end of each day.

    Parameters
    ----------
    chains : sequence of Chain
        ``(coef, start, read)`` per chain; the chains may differ in size.
    m : numpy.ndarray, shape (days,)
        The tension of each day (day t's matrix is ``T0 + m[t] T1 + m[t]^2 T2``).
    every_day : bool
        False reads the last day only.

    Returns
    -------
    list of numpy.ndarray, one per chain, shape (days, q) (or (1, q)): the law at the end of
    each day times ``read``. One sparse block-diagonal product a day for all the chains.
    """
    from scipy import sparse

    if not chains:
        return []
    N = sum(len(start) for _, start, _ in chains)
    # The blocks of each coefficient, transposed, stacked: a day is one product.
    step_t = sparse.vstack([sparse.block_diag([coef[k].T for coef, _, _ in chains]) for k in range(3)], format="csr")
    read_t = sparse.block_diag([sparse.csr_matrix(read.T) for _, _, read in chains], format="csr")
    dist = np.concatenate([start for _, start, _ in chains])
    out = np.empty((len(m) if every_day else 1, read_t.shape[0]))
    for t, mt in enumerate(m):
        parts = step_t @ dist
        dist = parts[:N] + mt * parts[N : 2 * N] + (mt * mt) * parts[2 * N :]
        if every_day:
            out[t] = read_t @ dist
    if not every_day:
        out[0] = read_t @ dist
    return np.split(out, np.cumsum([read.shape[1] for _, _, read in chains])[:-1], axis=1)


def horizon_probabilities(params: CeasefireParams, situations, days: int, levels: Sequence[int]) -> np.ndarray:
    """P(the ladder reaches each of ``levels`` by day ``days``), exactly, for several
    situations at once (first passage; the chain of :func:`transition_matrix` with the day's
    tension, through :func:`_tension_coefficients`). Shape (len(situations), len(levels)).

    Cheaper than :func:`exact_breakdown_probability` for a horizon alone: every situation
    and level in one sparse product per day, and no day-by-day record.
    """
    chains = []
    for situation in situations:
        coef = _tension_coefficients(daily_probabilities(params, situation))
        chains += [_first_passage(coef, situation, level) for level in levels]
    reads = _propagate(chains, tension(params, days), every_day=False)
    return np.array([r[0, 0] for r in reads]).reshape(len(situations), len(levels))


def exact_breakdown_probability(params: CeasefireParams, situation: Situation, days: int) -> np.ndarray:
    """P(breakdown by day t), t = 1..days, computed exactly from the chain of
    :func:`transition_matrix` (first passage of ``breakdown_level``). Shape (days,)."""
    coef = _tension_coefficients(daily_probabilities(params, situation))
    (read,) = _propagate([_first_passage(coef, situation, situation.breakdown_level)], tension(params, days))
    return read[:, 0]


def exact_level_distribution(params: CeasefireParams, situation: Situation, days: int) -> np.ndarray:
    """P(ladder at level l at the end of day t), t = 1..days, l = 0..4, exactly (no
    absorption: truces out of open war included). Shape (days, 5)."""
    coef = _tension_coefficients(daily_probabilities(params, situation))
    by_level = np.eye(OPEN_WAR + 1)[_levels(situation.punishment_days)]
    (read,) = _propagate([(coef, _start(situation), by_level)], tension(params, days))
    return read


def hazard_from_survival(survival: np.ndarray) -> np.ndarray:
    """P(breakdown on day t | none before) from P(no breakdown by the end of day t), t =
    1..days (none has broken down on day 0), shape (days,); NaN once none survive."""
    before = np.concatenate([[1.0], survival[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before > 0, (before - survival) / before, np.nan)


def first_days(cum: np.ndarray, qs: Sequence[float] = QUANTILES) -> dict[float, float]:
    """The first day t (1-based) by which ``cum[t - 1] >= q`` (to 1e-12), for each q; inf
    when not within the horizon. ``cum``: P(breakdown by day t), shape (days,)."""
    out = {}
    for q in qs:
        hit = np.flatnonzero(cum >= q - 1e-12)
        out[q] = float(hit[0] + 1) if hit.size else float("inf")
    return out


@dataclass(frozen=True, eq=False)
class ExactResult:
    """The ceasefire of one situation (or a mixture of situations) over ``days`` days,
    computed exactly from the chain: what :class:`negsim.model.rollout.RolloutResult`
    estimates from runs. Arrays read-only, each shape (days,), for the end of day t = 1..days.

    Attributes
    ----------
    breakdown : numpy.ndarray
        P(broken down by day t): first passage of the breakdown level.
    reached : numpy.ndarray, shape (days, 4)
        P(the ladder has reached level k by day t), k = 1..4: first passage of each level.
    reopened : numpy.ndarray
        P(the crossings have been open at the end of a day by day t; 1 when they start open).
    incident : numpy.ndarray
        P(at least one incident, a ladder rise, by day t).
    closed : numpy.ndarray
        P(crossings closed at the end of day t); its sum is the expected closed days.
    deaths : numpy.ndarray
        Expected deaths on day t (the level's daily rate at the end of the day).
    open_war : numpy.ndarray
        P(open war at the end of day t).
    trade_loss_per_day : float
        US dollars per closed day.
    """

    breakdown: np.ndarray
    reached: np.ndarray
    reopened: np.ndarray
    incident: np.ndarray
    closed: np.ndarray
    deaths: np.ndarray
    open_war: np.ndarray
    trade_loss_per_day: float
    #: How the numbers were obtained (``rollout.method``).
    method: ClassVar[str] = "exact"
    #: Nothing is sampled: an exact result has no runs.
    runs: ClassVar[None] = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    def __repr__(self) -> str:
        """One line: the horizon, P(breakdown) and P(open war) by it (no arrays)."""
        return (f"ExactResult({len(self.breakdown)} days: P(breakdown by day {len(self.breakdown)}) "
                f"{float(self.breakdown[-1]):.3f}, P(open war) {float(self.open_war[-1]):.3f})")

    @classmethod
    def mixture(cls, results: Sequence[ExactResult], weights: np.ndarray) -> ExactResult:
        """The ceasefire after a random situation: ``results[c]`` with probability
        ``weights[c]`` (summing to 1). Every curve is linear in the law, so it is the
        weighted sum of the results' curves."""
        curves = {f.name: np.tensordot(weights, np.stack([getattr(r, f.name) for r in results]), axes=1)
                  for f in fields(cls) if f.name != "trade_loss_per_day"}
        return cls(trade_loss_per_day=results[0].trade_loss_per_day, **curves)

    def breakdown_probability(self, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """P(breakdown by day t) as ``(estimate, low, high)``, each shape (days,): the
        interval is the value itself (no sampling error; ``confidence`` is ignored)."""
        p = np.asarray(self.breakdown)
        return p, p, p

    @property
    def days(self) -> int:
        """The horizon, in days."""
        return len(self.breakdown)

    def survival(self) -> np.ndarray:
        """P(no breakdown by the end of day t), shape (days,)."""
        return 1.0 - self.breakdown

    def hazard(self) -> np.ndarray:
        """P(breakdown on day t | none before), shape (days,) (NaN once none survive)."""
        return hazard_from_survival(self.survival())

    def time_to_breakdown_quantiles(self, qs: Sequence[float] = QUANTILES) -> dict[float, float]:
        """Day by which a fraction q has broken down; inf when beyond the horizon."""
        return first_days(self.breakdown, qs)

    def incident_probability(self, by_day: int) -> float:
        """P(at least one incident, a ladder rise, by ``by_day``) (by the horizon beyond it)."""
        return float(self.incident[min(by_day, self.days) - 1]) if by_day >= 1 else 0.0

    def event_curve(self, days_array: str) -> np.ndarray:
        """P(the event of a :class:`~negsim.model.rollout.RolloutResult` ``*_day`` array by
        day t), shape (days,): the exact counterpart of counting that array's runs."""
        if days_array in LEVEL_DAYS:
            return self.reached[:, LEVEL_DAYS.index(days_array)]
        return {"first_incident_day": self.incident, "reopen_day": self.reopened,
                "breakdown_day": self.breakdown}[days_array]

    def summary(self) -> dict[str, Any]:
        """Headline numbers, as :meth:`negsim.model.rollout.RolloutResult.summary` (the
        interval is the value; ``runs`` None), with ``method`` ``exact``."""
        p, closed = float(self.breakdown[-1]), float(self.closed.sum())
        median = self.time_to_breakdown_quantiles((0.5,))[0.5]
        return {
            "method": self.method,
            "runs": self.runs,
            "days": self.days,
            "p_breakdown": p,
            "p_breakdown_low": p,
            "p_breakdown_high": p,
            "median_days_to_breakdown": None if np.isinf(median) else median,
            "mean_closed_days": closed,
            "mean_trade_lost_usd": closed * self.trade_loss_per_day,
            "mean_deaths": float(self.deaths.sum()),
            "p_open_war": float(self.open_war[-1]),
        }


def _situation_chains(params: CeasefireParams, situation: Situation) -> list[Chain]:
    """The seven chains whose laws give every answer of one situation: the first passage of
    each ladder level 1-4 (read: reached); the chain without rises (read: mass, no incident
    yet); the chain with the crossings (read: deaths that day, closed, open war); and that
    chain with the open states absorbing (read: the crossings have been open)."""
    p = daily_probabilities(params, situation)
    level = _levels(situation.punishment_days, crossings=True)
    closed = np.repeat([0.0, 1.0], len(level) // 2)
    coef, crossing = _tension_coefficients(p), _tension_coefficients(p, crossings=True)
    return [
        *(_first_passage(coef, situation, k) for k in range(1, OPEN_WAR + 1)),
        (_tension_coefficients(p, rises=False), _start(situation), np.ones((len(level) // 2, 1))),
        (crossing, _start(situation, crossings=True), np.column_stack([p["deaths"][level], closed, level == OPEN_WAR])),
        (_absorbing(crossing, closed == 0), _start(situation, crossings=True), (closed == 0)[:, None].astype(float)),
    ]


def exact_results(params: CeasefireParams, situations: Sequence[Situation], days: int) -> list[ExactResult]:
    """The exact ceasefire of each situation over ``days`` days, all in one pass of the chains.

    Parameters
    ----------
    params : CeasefireParams
    situations : sequence of Situation, length P
    days : int
        Horizon in days (>= 1).

    Returns
    -------
    list of ExactResult, one per situation
    """
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
        raise ConfigError(f"rollout.days: expected a positive integer, got {days!r}")
    situations = list(situations)
    reads = _propagate([c for s in situations for c in _situation_chains(params, s)], tension(params, days))
    out = []
    for k, situation in enumerate(situations):
        *levels, calm, crossing, opened = reads[7 * k : 7 * k + 7]
        reached = np.column_stack([r[:, 0] for r in levels])
        out.append(ExactResult(
            breakdown=reached[:, situation.breakdown_level - 1].copy(), reached=reached, reopened=opened[:, 0],
            incident=1.0 - calm[:, 0], deaths=crossing[:, 0], closed=crossing[:, 1], open_war=crossing[:, 2],
            trade_loss_per_day=params.trade_loss_per_day,
        ))
    return out
