"""Monte Carlo rollouts of ceasefire breakdown: a daily escalation ladder, many runs at once.

State per run: the level on the escalation ladder ``0 holding, 1 incident, 2 clash,
3 strikes, 4 open war`` (open war absorbing), whether the crossings are closed, and
what has been observed (first incident, breakdown day). Each day, for every run at once:

1. a TTP attack inside Pakistan traced to Afghan soil happens with probability
   ``attack_rate * (1 - effort_cap * effort)``: Kabul's effort comes from the talks
   outcome the equilibrium selects, and even full effort leaves attacks (AF3);
2. a share of attacks are major, high-casualty attacks (EV6);
3. Pakistan attributes an attack to Kabul with probability ``attribution * (1 -
   verification_attribution * verification)``: mediator verification lowers false
   attribution;
4. Pakistan retaliates on an attributed attack with probability ``pak_retaliate`` (PK5:
   the truce holds "unless attacked"), one step up the ladder, or straight to strikes
   after a major attack (EV6); Kabul answers a Pakistani step with probability
   ``afg_respond`` (AF5), one more step;
5. without an attack, a border incident escalates the ladder by one step with a
   per-level probability (EV3, EV4, EV7), damped by de-confliction (MD4);
6. on a day with no escalation, the ladder steps down with probability
   ``deescalate + deconfliction_pull * deconfliction`` (MD4, MD5);
7. crossings close at clash or worse and reopen with a daily probability while holding
   (PK7, EC3); closed days cost about $1 million each in trade (EC1); casualties accrue
   at an expected daily rate per level (EV2).

Randomness: one ``numpy.random.SeedSequence`` per rollout; runs are grouped in fixed
blocks of ``BLOCK`` runs, each with its own child stream, and every run-day uses
``DRAWS_PER_DAY`` uniforms from its block's stream. Results are therefore identical for
every chunk size, and two rollouts with the same seed that differ only in leverage see
the same attacks (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy.special import ndtri

from negsim.errors import ConfigError

#: Runs per random stream block (chunks are whole numbers of blocks).
BLOCK = 4096
#: Uniform draws per run per day: attack, major, attribution, Pakistan's response,
#: Kabul's response, border incident, de-escalation, border reopening.
DRAWS_PER_DAY = 8
LEVELS = ("holding", "incident", "clash", "strikes", "open war")
OPEN_WAR = 4


@dataclass(frozen=True)
class CeasefireParams:
    """Parameters of the daily ceasefire process (probabilities are per day).

    Attributes
    ----------
    attack_rate : float
        Daily probability of a TTP attack traced to Afghan soil at zero Kabul effort.
    effort_cap : float
        Largest fraction of attacks Kabul's full effort prevents (< 1: AF3).
    major_share : float
        Share of attacks that are major, high-casualty attacks (EV6).
    attribution : float
        Probability that Pakistan attributes an attack to Kabul, unverified.
    verification_attribution : float
        Fraction of attributions that full verification removes.
    pak_retaliate, afg_respond : float
        Response probabilities of the ceasefire strategies (PK5, AF5).
    incident : tuple of 4 float
        Daily probability that a border incident raises levels 0..3 by one step.
    incident_damping : float
        Fraction of incident probability that full de-confliction removes.
    deescalate, deconfliction_pull : float
        Daily step-down probability is ``deescalate + deconfliction_pull * deconfliction``.
    reopen : float
        Daily probability that closed crossings reopen while the ladder is holding.
    deaths_per_day : tuple of 5 float
        Expected deaths per day at each level (EV2).
    trade_loss_per_day : float
        US dollars of trade lost per day of closed crossings (EC1).
    """

    attack_rate: float
    effort_cap: float
    major_share: float
    attribution: float
    verification_attribution: float
    pak_retaliate: float
    afg_respond: float
    incident: tuple[float, float, float, float]
    incident_damping: float
    deescalate: float
    deconfliction_pull: float
    reopen: float
    deaths_per_day: tuple[float, float, float, float, float]
    trade_loss_per_day: float

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            values = value if isinstance(value, tuple) else (value,)
            if f.name in ("deaths_per_day", "trade_loss_per_day"):
                if any(not np.isfinite(v) or v < 0 for v in values):
                    raise ConfigError(f"rollout.{f.name}: expected non-negative numbers, got {value}")
            elif any(not (0.0 <= v <= 1.0) for v in values):
                raise ConfigError(f"rollout.{f.name}: expected probabilities in [0, 1], got {value}")
        if len(self.incident) != 4 or len(self.deaths_per_day) != 5:
            raise ConfigError("rollout.incident needs 4 values (levels 0-3), rollout.deaths_per_day 5 (levels 0-4)")
        if self.deescalate + self.deconfliction_pull > 1.0:
            raise ConfigError("rollout.deescalate + rollout.deconfliction_pull: must not exceed 1")


@dataclass(frozen=True)
class Situation:
    """What one rollout starts from and what is fixed during it.

    Attributes
    ----------
    effort : float
        Kabul's effort against the TTP in [0, 1], from the talks outcome.
    verification, deconfliction : float
        Mediator leverage in [0, 1].
    start_level : int
        Ladder level on day 0 (0-4).
    border_closed : bool
        Crossings closed on day 0.
    breakdown_level : int
        The ceasefire has broken down once the ladder reaches this level (default strikes).
    """

    effort: float
    verification: float
    deconfliction: float
    start_level: int = 0
    border_closed: bool = True
    breakdown_level: int = 3

    def __post_init__(self) -> None:
        for name in ("effort", "verification", "deconfliction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"rollout.{name}: expected a fraction in [0, 1], got {getattr(self, name)}")
        if not 0 <= self.start_level <= OPEN_WAR:
            raise ConfigError(f"rollout.start_level: expected a ladder level 0-4, got {self.start_level}")
        if not 1 <= self.breakdown_level <= OPEN_WAR:
            raise ConfigError(f"rollout.breakdown_level: expected 1-4, got {self.breakdown_level}")


def kabul_effort(outcome_probs: np.ndarray, guarantee: np.ndarray, verification: float, effort_unverified: float) -> float:
    """Kabul's effort against the TTP implied by the talks outcome, in [0, 1].

    ``effort = sum_ij P(i, j) * g(i, j) * (u + (1 - u) * v)``: the guarantee level of the
    outcome (0 none, 0.5 verbal pledge, 1 written), of which an unverified commitment
    delivers the fraction ``u`` (PK2) and a fully verified one all.

    Parameters
    ----------
    outcome_probs : numpy.ndarray, shape (m, n)
        Probability of each talks outcome under the selected equilibrium (``outer(x, y)``).
    guarantee : numpy.ndarray, shape (m, n)
        The guarantee feature of each outcome, in [0, 1].
    verification, effort_unverified : float
        Fractions in [0, 1].
    """
    level = float(np.sum(outcome_probs * guarantee))
    return float(np.clip(level * (effort_unverified + (1.0 - effort_unverified) * verification), 0.0, 1.0))


def daily_probabilities(params: CeasefireParams, situation: Situation) -> dict[str, Any]:
    """The day's event probabilities, fixed over a rollout (dict of scalars and arrays)."""
    damp = 1.0 - params.incident_damping * situation.deconfliction
    return {
        "attack": params.attack_rate * (1.0 - params.effort_cap * situation.effort),
        "major": params.major_share,
        "attributed": params.attribution * (1.0 - params.verification_attribution * situation.verification),
        "pak": params.pak_retaliate,
        "afg": params.afg_respond,
        "incident": np.append(np.asarray(params.incident) * damp, 0.0),  # level 4 absorbing
        "down": params.deescalate + params.deconfliction_pull * situation.deconfliction,
        "reopen": params.reopen,
        "deaths": np.asarray(params.deaths_per_day, dtype=float),
    }


def by_level(table: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per-level values looked up by each run's level: ``table`` (5,) or (P, 5), ``level`` (R,) or (P, R)."""
    return table[level] if table.ndim == 1 else np.take_along_axis(table, level, axis=1)


def step(level, closed, u, p):
    """One day for many runs: the pure transition of the ladder and the crossings.

    Parameters
    ----------
    level : numpy.ndarray of int8, shape (R,) or (P, R)
        Ladder level of each run (of each sweep point).
    closed : numpy.ndarray of bool, same shape
        Crossings closed in each run.
    u : numpy.ndarray, shape (DRAWS_PER_DAY, R)
        The day's uniforms of each run, shared by all points (common random numbers).
    p : dict
        From :func:`daily_probabilities` (scalars) or :func:`stacked_probabilities`
        (arrays of shape (P, 1)).

    Returns
    -------
    (level, closed, incident) : new arrays; ``incident`` marks runs whose ladder rose.
    """
    at_war = level == OPEN_WAR
    attack = (u[0] < p["attack"]) & ~at_war
    major = attack & (u[1] < p["major"])
    blamed = attack & (u[2] < p["attributed"])
    pak_step = blamed & (u[3] < p["pak"])
    afg_step = pak_step & (u[4] < p["afg"])
    border = ~attack & ~at_war & (u[5] < by_level(p["incident"], level))
    rise = pak_step.astype(np.int8) + afg_step + border
    new = level + rise
    new = np.where(pak_step & major, np.maximum(new, 3), new)
    down = (rise == 0) & (level > 0) & ~at_war & (u[6] < p["down"])
    new = np.minimum(new - down, OPEN_WAR).astype(np.int8)
    closed = np.where(new >= 2, True, closed & ~((new == 0) & (u[7] < p["reopen"])))
    return new, closed, new > level


def stacked_probabilities(params: CeasefireParams, situations) -> dict:
    """:func:`daily_probabilities` of several situations, as arrays of shape (P, 1).

    Per-level entries (``incident``, ``deaths``) become tables of shape (P, 5), looked up
    by :func:`by_level`.
    """
    each = [daily_probabilities(params, s) for s in situations]
    out = {}
    for key in each[0]:
        values = np.array([e[key] for e in each], dtype=float)
        out[key] = values if values.ndim == 2 else values[:, None]
    return out


def transition_matrix(p: dict) -> np.ndarray:
    """Exact one-day transition probabilities of the ladder level, shape (5, 5).

    The level alone is a Markov chain (the crossings do not feed back), so its law can be
    listed rather than sampled: every combination of the day's seven events is passed
    through :func:`step` with uniforms that make exactly those events happen, weighted by
    its probability. Row ``i`` is the distribution of tomorrow's level given level ``i``.
    """
    from itertools import product

    T = np.zeros((OPEN_WAR + 1, OPEN_WAR + 1))
    for level in range(OPEN_WAR + 1):
        probs = [p["attack"], p["major"], p["attributed"], p["pak"], p["afg"], p["incident"][level], p["down"]]
        combos = np.array(list(product((True, False), repeat=len(probs))))
        weight = np.prod(np.where(combos, probs, 1.0 - np.asarray(probs)), axis=1)
        u = np.ones((DRAWS_PER_DAY, len(combos)))
        u[:7] = np.where(combos.T, 0.0, 1.0)
        new, _, _ = step(np.full(len(combos), level, np.int8), np.zeros(len(combos), bool), u, p)
        np.add.at(T[level], new, weight)
    return T


def exact_breakdown_probability(params: CeasefireParams, situation: Situation, days: int) -> np.ndarray:
    """P(breakdown by day t), t = 1..days, computed exactly from :func:`transition_matrix`."""
    T = transition_matrix(daily_probabilities(params, situation))
    b = situation.breakdown_level
    T[b:] = 0.0
    T[b:, b] = 1.0  # first passage: broken stays broken
    dist = np.zeros(OPEN_WAR + 1)
    dist[situation.start_level] = 1.0
    out = np.empty(days)
    for t in range(days):
        dist = dist @ T
        out[t] = dist[b:].sum()
    return out


@dataclass(frozen=True, eq=False)
class RolloutResult:
    """Outcomes of ``runs`` rollouts over ``days`` days (arrays read-only).

    Attributes
    ----------
    breakdown_day : numpy.ndarray of int32, shape (runs,)
        Day (1-based) the ladder first reached the breakdown level; 0 if never.
    first_incident_day : numpy.ndarray of int32, shape (runs,)
        Day the ladder first rose; 0 if never.
    closed_days : numpy.ndarray of int32, shape (runs,)
        Days with closed crossings.
    deaths : numpy.ndarray of float64, shape (runs,)
        Expected deaths accrued along the run's path.
    final_level : numpy.ndarray of int8, shape (runs,)
    days : int
    trade_loss_per_day : float
        US dollars per closed day.
    """

    breakdown_day: np.ndarray
    first_incident_day: np.ndarray
    closed_days: np.ndarray
    deaths: np.ndarray
    final_level: np.ndarray
    days: int
    trade_loss_per_day: float

    def __post_init__(self) -> None:
        for name in ("breakdown_day", "first_incident_day", "closed_days", "deaths", "final_level"):
            getattr(self, name).setflags(write=False)

    @property
    def runs(self) -> int:
        """Number of runs."""
        return len(self.breakdown_day)

    def breakdown_by_day(self) -> np.ndarray:
        """Number of runs broken down by day t, for t = 1..days, shape (days,)."""
        counts = np.bincount(self.breakdown_day, minlength=self.days + 1)[1:]
        return np.cumsum(counts)

    def breakdown_probability(self, confidence: float = 0.95):
        """P(breakdown by day t) with Wilson intervals: (estimate, low, high), each (days,)."""
        return wilson_interval(self.breakdown_by_day(), self.runs, confidence)

    def survival(self) -> np.ndarray:
        """Fraction of runs not yet broken down at the end of day t, shape (days,)."""
        return 1.0 - self.breakdown_by_day() / self.runs

    def hazard(self) -> np.ndarray:
        """Breakdowns on day t over runs at risk at its start, shape (days,) (NaN if none at risk)."""
        new = np.bincount(self.breakdown_day, minlength=self.days + 1)[1:]
        at_risk = self.runs - np.concatenate([[0], self.breakdown_by_day()[:-1]])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(at_risk > 0, new / np.maximum(at_risk, 1), np.nan)

    def time_to_breakdown_quantiles(self, qs=(0.1, 0.25, 0.5, 0.75, 0.9)) -> dict[float, float]:
        """Day by which a fraction q of runs has broken down; inf when not within the horizon."""
        cum = self.breakdown_by_day() / self.runs
        out = {}
        for q in qs:
            hit = np.flatnonzero(cum >= q)
            out[q] = float(hit[0] + 1) if hit.size else float("inf")
        return out

    def incident_probability(self, by_day: int) -> float:
        """Fraction of runs with at least one incident (ladder rise) by ``by_day``."""
        d = self.first_incident_day
        return float(np.mean((d > 0) & (d <= by_day)))

    def summary(self) -> dict[str, float | None]:
        """Headline numbers: P(breakdown by the horizon) with CI, median day (None if
        beyond the horizon), costs."""
        p, lo, hi = self.breakdown_probability()
        return {
            "runs": self.runs,
            "days": self.days,
            "p_breakdown": float(p[-1]),
            "p_breakdown_low": float(lo[-1]),
            "p_breakdown_high": float(hi[-1]),
            "median_days_to_breakdown": _finite_or_none(self.time_to_breakdown_quantiles((0.5,))[0.5]),
            "mean_closed_days": float(self.closed_days.mean()),
            "mean_trade_lost_usd": float(self.closed_days.mean() * self.trade_loss_per_day),
            "mean_deaths": float(self.deaths.mean()),
            "p_open_war": float(np.mean(self.final_level == OPEN_WAR)),
        }


def _finite_or_none(x: float) -> float | None:
    """``x``, or None when it is infinite (JSON has no infinity: 'beyond the horizon')."""
    return None if np.isinf(x) else x


def wilson_interval(successes, n: int, confidence: float = 0.95):
    """Wilson score interval for binomial proportions (Wilson 1927).

    Parameters
    ----------
    successes : array_like of int
    n : int
        Trials (the same for every entry).

    Returns
    -------
    (p, low, high) : numpy.ndarray each, the shape of ``successes``
    """
    k = np.asarray(successes, dtype=float)
    z = ndtri(0.5 + confidence / 2)
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))  # exact at the ends,
    high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))  # not 1 - 1e-16
    return p, low, high


def _block_streams(seed: np.random.SeedSequence, first: int, count: int) -> list[np.random.Generator]:
    """Generators of blocks ``first .. first+count-1`` of a rollout's seed."""
    return [
        np.random.default_rng(np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, b)))
        for b in range(first, first + count)
    ]


def check_seed(seed: object) -> int:
    """A rollout seed: a whole number in [0, 2**63), or a :class:`ConfigError` naming ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise ConfigError(f"seed: expected an integer in [0, 2**63), got {seed!r}")
    return int(seed)


def rollout_memory(runs: int, points: int = 1, chunk_runs: int = 16 * BLOCK) -> int:
    """Bytes a rollout of ``points`` sweep points x ``runs`` runs needs, about (an upper
    estimate): 21 bytes of results per point-run, kept twice while summaries are computed,
    plus the working arrays of one chunk (the day's uniforms and the per-run state)."""
    chunk = max(1, chunk_runs // (points * BLOCK)) * BLOCK
    return 42 * points * runs + 8 * DRAWS_PER_DAY * chunk + 128 * points * chunk


def rollout(
    params: CeasefireParams,
    situation: Situation,
    *,
    runs: int,
    days: int,
    seed: int | np.random.SeedSequence,
    chunk_runs: int = 16 * BLOCK,
    progress: bool = False,
) -> RolloutResult:
    """Simulate ``runs`` independent ceasefires for ``days`` days, vectorised across runs.

    Parameters
    ----------
    params : CeasefireParams
    situation : Situation
    runs, days : int
        Number of runs and horizon in days.
    seed : int or numpy.random.SeedSequence
        The rollout's seed; the same seed gives the same numbers for any ``chunk_runs``.
    chunk_runs : int
        Runs simulated together (rounded up to a multiple of ``BLOCK``); bounds memory to
        about ``chunk_runs * 100`` bytes plus the per-run results.
    progress : bool
        Show a progress bar (tqdm) over chunks.
    """
    return rollout_points(
        params, [situation], runs=runs, days=days, seed=seed, chunk_runs=chunk_runs, progress=progress
    )[0]


def rollout_points(
    params: CeasefireParams,
    situations,
    *,
    runs: int,
    days: int,
    seed: int | np.random.SeedSequence,
    chunk_runs: int = 16 * BLOCK,
    progress: bool = False,
) -> list[RolloutResult]:
    """Rollouts of several sweep points at once, on common random numbers.

    Every point sees the same uniforms (drawn once per run-day), so points that differ
    only in leverage see the same attacks, and each point's result is identical to
    :func:`rollout` of that point alone with the same seed.

    Parameters
    ----------
    params : CeasefireParams
    situations : sequence of Situation, length P
    runs, days, seed, progress
        As in :func:`rollout`.
    chunk_runs : int
        Point-runs simulated together: each chunk holds ``chunk_runs // P`` runs of every
        point (at least one block), so memory stays bounded as P grows.

    Returns
    -------
    list of RolloutResult, one per situation
    """
    def whole(v: object) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if not (whole(runs) and whole(days)) or runs < 1 or days < 1:
        raise ConfigError(f"rollout.runs and rollout.days: expected positive integers, got {runs!r} and {days!r}")
    if not whole(chunk_runs) or chunk_runs < 1:
        raise ConfigError(f"rollout.chunk_runs: expected a positive integer, got {chunk_runs!r}")
    if not isinstance(seed, np.random.SeedSequence):
        check_seed(seed)
    situations = list(situations)
    P = len(situations)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    p = stacked_probabilities(params, situations)
    start = np.array([s.start_level for s in situations], np.int8)[:, None]
    start_closed = np.array([s.border_closed for s in situations])[:, None]
    breakdown = np.array([s.breakdown_level for s in situations], np.int8)[:, None]
    blocks_per_chunk = max(1, chunk_runs // (P * BLOCK))
    n_blocks = -(-runs // BLOCK)
    out: dict[str, np.ndarray] = {
        "breakdown_day": np.zeros((P, runs), np.int32),
        "first_incident_day": np.zeros((P, runs), np.int32),
        "closed_days": np.zeros((P, runs), np.int32),
        "deaths": np.zeros((P, runs), np.float64),
        "final_level": np.zeros((P, runs), np.int8),
    }
    chunks = range(0, n_blocks, blocks_per_chunk)
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="rollout", unit="chunk", total=len(chunks))
    for b0 in chunks:
        nb = min(blocks_per_chunk, n_blocks - b0)
        gens = _block_streams(ss, b0, nb)
        lo, hi = b0 * BLOCK, min(runs, (b0 + nb) * BLOCK)
        R = nb * BLOCK
        level = np.broadcast_to(start, (P, R)).copy()
        closed = np.broadcast_to(start_closed, (P, R)).copy()
        broke = np.zeros((P, R), np.int32)
        first = np.zeros((P, R), np.int32)
        closed_days = np.zeros((P, R), np.int32)
        deaths = np.zeros((P, R), np.float64)
        u = np.empty((DRAWS_PER_DAY, R))
        for day in range(1, days + 1):
            for k, g in enumerate(gens):
                u[:, k * BLOCK : (k + 1) * BLOCK] = g.random((DRAWS_PER_DAY, BLOCK))
            level, closed, rose = step(level, closed, u, p)
            broke[(broke == 0) & (level >= breakdown)] = day
            first[(first == 0) & rose] = day
            closed_days += closed
            deaths += by_level(p["deaths"], level)
        n = hi - lo
        for name, arr in (("breakdown_day", broke), ("first_incident_day", first), ("closed_days", closed_days),
                          ("deaths", deaths), ("final_level", level)):
            out[name][:, lo:hi] = arr[:, :n]
    return [
        RolloutResult(days=days, trade_loss_per_day=params.trade_loss_per_day, **{k: v[i] for k, v in out.items()})
        for i in range(P)
    ]
