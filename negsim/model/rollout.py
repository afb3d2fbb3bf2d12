"""Monte Carlo rollouts of ceasefire breakdown: a daily escalation ladder, many runs at once.

State per run: the level on the escalation ladder ``0 holding, 1 incident, 2 clash,
3 strikes, 4 open war``, the days left of a Pakistani punishment phase, whether the
crossings are closed, and what has been observed (first incident, breakdown day). Each
day ``t = 1..days``, for every run at once:

1. Kabul's effort against the TTP is ``effort_hold`` (its commitment) if it is deterred
   and no punishment phase is in force, ``effort_violate`` otherwise;
2. a TTP attack inside Pakistan traced to Afghan soil happens with probability
   ``attack_rate * m(t) * (1 - effort_cap * effort)``: even full effort leaves attacks
   (AF3). ``m(t) = ((t - 1 + tension_scale) / tension_scale) ** (tension_shape - 1)``
   is a Weibull-shaped tension multiplier, 1 on day 1, that falls as the ceasefire
   survives when ``tension_shape < 1`` (duration dependence: Fortna 2004);
3. a share of attacks are major, high-casualty attacks (EV6);
4. Pakistan attributes an attack to Kabul. Attacks are split into *no-fault* ones, which
   the committed effort would not have stopped (rate ``attack_rate * m * (1 - effort_cap
   * effort_hold)``), blamed with probability ``att_false = attribution * (1 -
   false_alarm_verification * v)``, and *fault* ones, which it would have stopped (rate
   ``attack_rate * m * effort_cap * (effort_hold - effort)``), blamed with probability
   ``att_true = attribution + (1 - attribution) * detection_verification * v``: the
   verification in force ``v`` lowers false alarms and raises detections (Green & Porter
   1984; Fortna 2003). One uniform decides attribution with the mixture of the two;
5. Pakistan retaliates on an attributed attack with probability ``pak_retaliate`` (PK5:
   the truce holds "unless attacked"), one step up the ladder, or straight to strikes
   after a major attack (EV6); Kabul answers a Pakistani step with probability
   ``afg_respond`` (AF5), one more step. A retaliation outside a punishment phase starts
   one of ``punishment_days`` days (0: none), during which Kabul's effort is
   ``effort_violate`` (mutual violation: a k-period trigger, :mod:`negsim.games.repeated`;
   more attacks, more of them blamed); the ladder itself still steps down;
6. without an attack, a border incident escalates the ladder by one step with a
   per-level probability times ``m(t)`` (EV3, EV4, EV7), damped by de-confliction (MD4);
7. on a day with no escalation, the ladder steps down with
   probability ``deescalate + deconfliction_pull * deconfliction`` (MD4, MD5); open war
   ends in a truce with probability ``war_exit`` a day, back to ``war_exit_level`` (the
   October fighting ended after about nine days with the Doha truce: MD1, EV2), drawn
   with the same uniform; a punishment phase does not hold the truce back (it runs on);
8. crossings close at clash or worse and reopen with a daily probability while holding
   (PK7, EC3); closed days cost about $1 million each in trade (EC1); casualties accrue
   at an expected daily rate per level (EV2: over 70 killed in about nine days of open
   war).

The ceasefire has broken down the first day the ladder reaches ``breakdown_level``
(first passage: a later truce does not undo it).

Exact check: the pair (level, punishment days left) is a Markov chain whose daily matrix
changes only through ``m(t)``; :mod:`negsim.model.chain` lists it by passing every
combination of the day's events through :func:`step` and computes every answer of a
rollout exactly from it (``rollout.method=exact``). :func:`signal_probabilities` gives
the repeated game's signal rates ``(q_hold, q_violate)``.

Randomness: one ``numpy.random.SeedSequence`` per rollout; runs are grouped in fixed
blocks of ``BLOCK`` runs, each with its own child stream, and every run-day uses
``DRAWS_PER_DAY`` uniforms from its block's stream. Results are therefore identical for
every chunk size, and two rollouts with the same seed that differ only in leverage see
the same attacks (common random numbers).

Kernels: :func:`step` advances all runs of a chunk a day in numpy; for large rollouts
:mod:`negsim.model.fused` does the same day in one compiled pass (numba, the ``fast``
extra), on the same uniforms, with the same numbers bit for bit (``rollout_points(...,
kernel=...)``, :data:`FUSED_MIN_WORK`).

References
----------
Fortna, V. P. (2003). Scraps of paper? Agreements and the durability of peace.
International Organization 57: 337-372.
Fortna, V. P. (2004). Peace Time: Cease-Fire Agreements and the Durability of Peace.
Princeton UP.
Green, E. J. & Porter, R. H. (1984). Noncooperative collusion under imperfect price
information. Econometrica 52: 87-100.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from negsim.errors import ConfigError

if TYPE_CHECKING:
    from negsim.games.repeated import StageGame

#: Runs per random stream block (chunks are whole numbers of blocks).
BLOCK = 4096
#: Uniform draws per run per day: attack, major, attribution, Pakistan's response,
#: Kabul's response, border incident, de-escalation (or, at open war, the truce),
#: border reopening.
DRAWS_PER_DAY = 8
LEVELS = ("holding", "incident", "clash", "strikes", "open war")
OPEN_WAR = 4
#: The arrays of a :class:`RolloutResult` holding the day each ladder level 1-4 was first
#: reached (its first passage), by level.
LEVEL_DAYS = ("incident_day", "clash_day", "strikes_day", "war_day")
#: Entries of :func:`daily_probabilities` that the tension multiplier ``m(t)`` scales.
TENSION_KEYS = ("attack", "attack_punish", "incident")
#: How the ceasefire is computed (``rollout.method``): Monte Carlo runs, or exactly from
#: the ladder's Markov chain (:mod:`negsim.model.chain`).
CEASEFIRE_METHODS = ("monte_carlo", "exact")
#: The arrays a chunk function returns, in that order, and their dtypes: the first passage of
#: each ladder level (:data:`LEVEL_DAYS`), the first rise, the first day the crossings were
#: open, closed days, deaths and the last level. A :class:`RolloutResult` also holds
#: ``breakdown_day``, the first passage of its breakdown level.
RESULT_ARRAYS = {**dict.fromkeys(LEVEL_DAYS, np.int32), "first_incident_day": np.int32, "reopen_day": np.int32,
                 "closed_days": np.int32, "deaths": np.float64, "final_level": np.int8}
#: How :func:`rollout_points` advances its chunks: ``auto`` (the compiled kernel for large
#: rollouts if numba is installed), ``numpy``, or ``fused`` (:mod:`negsim.model.fused`).
KERNELS = ("auto", "numpy", "fused")
#: Situation-run-days from which ``kernel="auto"`` takes the compiled kernel. Its start (numba's
#: import and the loading of the kernel from numba's disk cache) costs about 1.2 s of CPU, about
#: 4 s the first time (compiling); it saves 27-47 ns a situation-run-day, so it pays from
#: 2.7-4.6e7 (``experiments/bench_fused.py``). Below this a rollout does not import numba.
FUSED_MIN_WORK = 50_000_000
#: Fields of :class:`CeasefireParams` that are not probabilities.
_NOT_PROBABILITIES = ("deaths_per_day", "trade_loss_per_day", "war_exit_level", "tension_shape", "tension_scale")


def _whole(value: object) -> bool:
    """True for an integer that is not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class CeasefireParams:
    """Parameters of the daily ceasefire process (probabilities are per day).

    Attributes
    ----------
    attack_rate : float
        Daily probability of a TTP attack traced to Afghan soil at zero Kabul effort, on
        day 1 (tension multiplier 1).
    effort_cap : float
        Largest fraction of attacks Kabul's full effort prevents (< 1: AF3).
    major_share : float
        Share of attacks that are major, high-casualty attacks (EV6).
    attribution : float
        Probability that Pakistan attributes an attack to Kabul without verification.
    false_alarm_verification : float
        Fraction of attributions of no-fault attacks that full verification removes.
    detection_verification : float
        Fraction of the unattributed fault attacks that full verification attributes.
    pak_retaliate : float
        Pakistan's retaliation probability on an attributed attack when no deterrence
        calculation sets it (``Situation.pak_retaliate`` is None; PK5).
    afg_respond : float
        Kabul's probability of answering a Pakistani step (AF5).
    incident : tuple of 4 float
        Daily probability that a border incident raises levels 0..3 by one step (day 1).
    incident_damping : float
        Fraction of incident probability that full de-confliction removes.
    deescalate, deconfliction_pull : float
        Daily step-down probability is ``deescalate + deconfliction_pull * deconfliction``.
    war_exit : float
        Daily probability that open war ends in a truce (MD1, EV2).
    reopen : float
        Daily probability that closed crossings reopen while the ladder is holding.
    deaths_per_day : tuple of 5 float
        Expected deaths per day at each level (EV2).
    trade_loss_per_day : float
        US dollars of trade lost per day of closed crossings (EC1).
    war_exit_level : int
        Ladder level (0-3) a truce ends open war at (default 1, incident).
    tension_shape : float
        Weibull shape of the tension multiplier, in (0, 1]; 1 (default) is a flat hazard.
    tension_scale : float
        Days over which the tension multiplier falls, > 0 (default 30).
    """

    attack_rate: float
    effort_cap: float
    major_share: float
    attribution: float
    false_alarm_verification: float
    detection_verification: float
    pak_retaliate: float
    afg_respond: float
    incident: tuple[float, float, float, float]
    incident_damping: float
    deescalate: float
    deconfliction_pull: float
    war_exit: float
    reopen: float
    deaths_per_day: tuple[float, float, float, float, float]
    trade_loss_per_day: float
    war_exit_level: int = 1
    tension_shape: float = 1.0
    tension_scale: float = 30.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            values = value if isinstance(value, tuple) else (value,)
            if f.name in ("deaths_per_day", "trade_loss_per_day"):
                if any(not np.isfinite(v) or v < 0 for v in values):
                    raise ConfigError(f"rollout.{f.name}: expected non-negative numbers, got {value}")
            elif f.name not in _NOT_PROBABILITIES and any(not (0.0 <= v <= 1.0) for v in values):
                raise ConfigError(f"rollout.{f.name}: expected probabilities in [0, 1], got {value}")
        if len(self.incident) != 4 or len(self.deaths_per_day) != 5:
            raise ConfigError("rollout.incident needs 4 values (levels 0-3), rollout.deaths_per_day 5 (levels 0-4)")
        if self.deescalate + self.deconfliction_pull > 1.0:
            raise ConfigError("rollout.deescalate + rollout.deconfliction_pull: must not exceed 1")
        if not _whole(self.war_exit_level) or not 0 <= self.war_exit_level < OPEN_WAR:
            raise ConfigError(f"rollout.war_exit_level: expected a ladder level 0-3, got {self.war_exit_level!r}")
        if not 0.0 < self.tension_shape <= 1.0:
            raise ConfigError(f"rollout.tension_shape: expected a Weibull shape in (0, 1], got {self.tension_shape}")
        if not (math.isfinite(self.tension_scale) and self.tension_scale > 0.0):
            raise ConfigError(f"rollout.tension_scale: expected a positive number of days, got {self.tension_scale}")


@dataclass(frozen=True)
class Situation:
    """What one rollout starts from and what is fixed during it.

    Attributes
    ----------
    effort_hold : float
        Kabul's effort against the TTP while it holds to its commitment (its commitment
        level), in [0, 1].
    effort_violate : float
        Its effort while violating or during a punishment phase, in [0, effort_hold].
    deterred : bool
        Outside punishment phases Kabul's effort is ``effort_hold`` if deterred, else
        ``effort_violate``.
    verification : float
        Verification mechanism in force, in [0, 1].
    deconfliction : float
        De-confliction channel in force, in [0, 1].
    pak_retaliate : float or None
        Probability that Pakistan retaliates on an attributed attack; None takes
        ``CeasefireParams.pak_retaliate``.
    punishment_days : int
        Days of the punishment phase a retaliation outside one starts (0: none).
    start_level : int
        Ladder level on day 0 (0-4).
    border_closed : bool
        Crossings closed on day 0.
    breakdown_level : int
        The ceasefire has broken down once the ladder reaches this level (default strikes).
    """

    effort_hold: float
    effort_violate: float
    deterred: bool
    verification: float
    deconfliction: float
    pak_retaliate: float | None = None
    punishment_days: int = 0
    start_level: int = 0
    border_closed: bool = True
    breakdown_level: int = 3

    def __post_init__(self) -> None:
        def fraction(name: str, value: Any, high: float = 1.0, what: str = "1") -> None:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
                    or not 0.0 <= value <= high:
                raise ConfigError(f"rollout.{name}: expected a fraction in [0, {what}], got {value!r}")

        fraction("effort_hold", self.effort_hold)
        fraction("effort_violate", self.effort_violate, self.effort_hold, f"effort_hold={self.effort_hold}")
        for name in ("deterred", "border_closed"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"rollout.{name}: expected true or false, got {getattr(self, name)!r}")
        fraction("verification", self.verification)
        fraction("deconfliction", self.deconfliction)
        if self.pak_retaliate is not None:
            fraction("pak_retaliate", self.pak_retaliate)
        if not _whole(self.punishment_days) or self.punishment_days < 0:
            raise ConfigError(f"rollout.punishment_days: expected a whole number of days >= 0, got {self.punishment_days!r}")
        if not _whole(self.start_level) or not 0 <= self.start_level <= OPEN_WAR:
            raise ConfigError(f"rollout.start_level: expected a ladder level 0-4, got {self.start_level!r}")
        if not _whole(self.breakdown_level) or not 1 <= self.breakdown_level <= OPEN_WAR:
            raise ConfigError(f"rollout.breakdown_level: expected 1-4, got {self.breakdown_level!r}")


@dataclass(frozen=True)
class RolloutSetup:
    """A validated rollout config node (:func:`negsim.model.scenario.build_rollout`).

    Attributes
    ----------
    params : CeasefireParams
    breakdown_level : int
        Ladder level (1-4) that counts as breakdown.
    stage : negsim.games.repeated.StageGame
        Kabul's daily stage payoffs of the repeated ceasefire game (payoff units per day).
    punishment_days : int
        Days of a punishment phase, for :class:`Situation` and the repeated game.
    sizes : dict of str to int
        ``runs``, ``days`` and ``chunk_runs``.
    priors : dict of str to negsim.model.priors.Prior
        The priors stated in the config, by parameter name (``attack_rate``, ...).
    method : str
        How the ceasefire is computed, one of :data:`CEASEFIRE_METHODS`: ``monte_carlo``
        (``runs`` runs) or ``exact`` (the Markov chain, :mod:`negsim.model.chain`).
    """

    params: CeasefireParams
    breakdown_level: int
    stage: StageGame
    punishment_days: int
    sizes: dict[str, int]
    priors: dict = field(default_factory=dict, compare=False)
    method: str = "monte_carlo"


def tension(params: CeasefireParams, days: int) -> np.ndarray:
    """The tension multiplier ``m(t) = ((t - 1 + scale) / scale) ** (shape - 1)``, t = 1..days.

    Weibull-shaped duration dependence (Fortna 2004): 1 on day 1, falling as the
    ceasefire survives when ``tension_shape < 1``, flat when it is 1. Shape (days,), in (0, 1].
    """
    t = np.arange(1, days + 1, dtype=float)
    return ((t - 1.0 + params.tension_scale) / params.tension_scale) ** (params.tension_shape - 1.0)


def attribution_probabilities(params: CeasefireParams, verification: float) -> tuple[float, float]:
    """``(att_false, att_true)``: probability that a no-fault and a fault attack are blamed on Kabul.

    ``att_false = attribution * (1 - false_alarm_verification * v)`` and ``att_true =
    attribution + (1 - attribution) * detection_verification * v``: verification lowers
    false alarms and raises detections (``att_false <= attribution <= att_true``).
    """
    v = verification
    att_false = params.attribution * (1.0 - params.false_alarm_verification * v)
    att_true = params.attribution + (1.0 - params.attribution) * params.detection_verification * v
    return att_false, att_true


def attack_and_attribution(params: CeasefireParams, situation: Situation, effort: float) -> tuple[float, float]:
    """``(attack, attributed)`` at Kabul's ``effort`` and tension 1: the daily attack
    probability and the probability that an attack is blamed on Kabul.

    ``attack = attack_rate * (no_fault + fault)`` with ``no_fault = 1 - effort_cap *
    effort_hold`` and ``fault = effort_cap * (effort_hold - effort)``; ``attributed`` is
    the mixture ``(no_fault * att_false + fault * att_true) / (no_fault + fault)``
    (``att_false`` when no attack can happen).
    """
    no_fault = 1.0 - params.effort_cap * situation.effort_hold
    fault = params.effort_cap * (situation.effort_hold - effort)
    att_false, att_true = attribution_probabilities(params, situation.verification)
    total = no_fault + fault
    attributed = (no_fault * att_false + fault * att_true) / total if total > 0.0 else att_false
    return params.attack_rate * total, float(min(attributed, 1.0))


def signal_probabilities(params: CeasefireParams, situation: Situation) -> tuple[float, float]:
    """``(q_hold, q_violate)``: daily probability of an attack attributed to Kabul when it holds
    (``effort_hold``) and when it violates (``effort_violate``), at tension 1, outside punishment.

    ``q_hold = attack_rate * (1 - effort_cap * effort_hold) * att_false`` and ``q_violate =
    q_hold + attack_rate * effort_cap * (effort_hold - effort_violate) * att_true``
    (:func:`attribution_probabilities`): verification lowers ``q_hold`` and raises
    ``q_violate - q_hold``, so the signal separates violation from noise better
    (Green & Porter 1984). These are the signals of :class:`negsim.games.repeated.NoisyTrigger`.
    """
    att_false, att_true = attribution_probabilities(params, situation.verification)
    q_hold = params.attack_rate * (1.0 - params.effort_cap * situation.effort_hold) * att_false
    gap = params.attack_rate * params.effort_cap * (situation.effort_hold - situation.effort_violate) * att_true
    return float(q_hold), float(q_hold + gap)


def daily_probabilities(params: CeasefireParams, situation: Situation) -> dict[str, Any]:
    """The day's event probabilities at tension 1 (dict of scalars and per-level arrays).

    Keys: ``attack`` and ``attributed`` outside punishment (Kabul's effort ``effort_hold``
    if deterred, else ``effort_violate``), ``attack_punish`` and ``attributed_punish``
    during a punishment phase (``effort_violate``), ``major``, ``pak``, ``afg``,
    ``incident`` (shape (5,), 0 at open war), ``down``, ``war_exit``, ``reopen``,
    ``deaths`` (shape (5,)), and the integers ``war_exit_level`` and ``punishment_days``.
    :func:`on_day` scales them to day t.
    """
    damp = 1.0 - params.incident_damping * situation.deconfliction
    calm = situation.effort_hold if situation.deterred else situation.effort_violate
    attack, attributed = attack_and_attribution(params, situation, calm)
    attack_punish, attributed_punish = attack_and_attribution(params, situation, situation.effort_violate)
    pak = params.pak_retaliate if situation.pak_retaliate is None else situation.pak_retaliate
    return {
        "attack": attack,
        "attack_punish": attack_punish,
        "major": params.major_share,
        "attributed": attributed,
        "attributed_punish": attributed_punish,
        "pak": float(pak),
        "afg": params.afg_respond,
        "incident": np.append(np.asarray(params.incident) * damp, 0.0),  # no border incident at open war
        "down": params.deescalate + params.deconfliction_pull * situation.deconfliction,
        "war_exit": params.war_exit,
        "reopen": params.reopen,
        "deaths": np.asarray(params.deaths_per_day, dtype=float),
        "war_exit_level": np.int8(params.war_exit_level),
        "punishment_days": np.int32(situation.punishment_days),
    }


def on_day(p: dict, m: float) -> dict:
    """The probabilities ``p`` of :func:`daily_probabilities` (or :func:`stacked_probabilities`)
    on a day with tension multiplier ``m`` in (0, 1]: ``TENSION_KEYS`` scaled by ``m``."""
    if m == 1.0:
        return p
    return {k: v * m if k in TENSION_KEYS else v for k, v in p.items()}


def by_level(table: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per-level values looked up by each run's level: ``table`` (5,) or (P, 5), ``level`` (R,) or (P, R)."""
    return table[level] if table.ndim == 1 else np.take_along_axis(table, level, axis=1)


def step(level, closed, punish, u, p):
    """One day for many runs: the pure transition of the ladder, the punishment phase and the crossings.

    Parameters
    ----------
    level : numpy.ndarray of int8, shape (R,) or (P, R)
        Ladder level of each run (of each sweep point).
    closed : numpy.ndarray of bool, same shape
        Crossings closed in each run.
    punish : numpy.ndarray of int32, same shape
        Days left of the punishment phase in force (0: none).
    u : numpy.ndarray, shape (DRAWS_PER_DAY, R)
        The day's uniforms of each run, shared by all points (common random numbers).
    p : dict
        The day's probabilities: :func:`on_day` of :func:`daily_probabilities` (scalars)
        or of :func:`stacked_probabilities` (arrays of shape (P, 1)).

    Returns
    -------
    (level, closed, punish, incident) : new arrays; ``incident`` marks runs whose ladder rose.
    """
    # Boolean algebra rather than np.where throughout: the same values, several times faster.
    at_war = level == OPEN_WAR
    punishing = punish > 0
    calm = ~punishing
    attack = ~at_war & ((calm & (u[0] < p["attack"])) | (punishing & (u[0] < p["attack_punish"])))
    major = attack & (u[1] < p["major"])
    blamed = attack & ((calm & (u[2] < p["attributed"])) | (punishing & (u[2] < p["attributed_punish"])))
    pak_step = blamed & (u[3] < p["pak"])
    afg_step = pak_step & (u[4] < p["afg"])
    border = ~attack & ~at_war & (u[5] < by_level(p["incident"], level))
    rise = pak_step.astype(np.int8) + afg_step + border
    down = (rise == 0) & (level > 0) & ~at_war & (u[6] < p["down"])
    truce = at_war & (u[6] < p["war_exit"])  # at open war the step-down draw decides the truce
    new = np.maximum(level + rise, (pak_step & major) * np.int8(3))  # a major attack: straight to strikes
    new = (np.minimum(new - down, OPEN_WAR) - truce * (OPEN_WAR - p["war_exit_level"])).astype(np.int8, copy=False)
    punish = punish - punishing + (pak_step & calm) * p["punishment_days"]
    closed = (new >= 2) | (closed & ~((new == 0) & (u[7] < p["reopen"])))
    return new, closed, punish, new > level


def stacked_probabilities(params: CeasefireParams, situations) -> dict:
    """:func:`daily_probabilities` of several situations, as arrays of shape (P, 1).

    Per-level entries (``incident``, ``deaths``) become tables of shape (P, 5), looked up
    by :func:`by_level`; the integer entries keep their integer dtypes.
    """
    each = [daily_probabilities(params, s) for s in situations]
    out = {}
    for key in each[0]:
        values = np.array([e[key] for e in each])
        if values.dtype.kind == "f" or key in ("incident", "deaths"):
            values = values.astype(float)
        out[key] = values if values.ndim == 2 else values[:, None]
    return out


@dataclass(frozen=True, eq=False)
class RolloutResult:
    """Outcomes of ``runs`` rollouts over ``days`` days (arrays read-only).

    Every ``*_day`` array is the day (1-based) something first happened in each run, 0 if
    it never did; day 1 when it held from the start (a run that starts at a level has
    reached it by day 1, as one whose crossings start open has them open).

    Attributes
    ----------
    breakdown_day : numpy.ndarray of int32, shape (runs,)
        Day the ladder first reached the breakdown level.
    incident_day, clash_day, strikes_day, war_day : numpy.ndarray of int32, shape (runs,)
        Day the ladder first reached each level 1-4 (:data:`LEVEL_DAYS`).
    first_incident_day : numpy.ndarray of int32, shape (runs,)
        Day the ladder first rose.
    reopen_day : numpy.ndarray of int32, shape (runs,)
        First day whose end found the crossings open.
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
    incident_day: np.ndarray
    clash_day: np.ndarray
    strikes_day: np.ndarray
    war_day: np.ndarray
    first_incident_day: np.ndarray
    reopen_day: np.ndarray
    closed_days: np.ndarray
    deaths: np.ndarray
    final_level: np.ndarray
    days: int
    trade_loss_per_day: float

    def __post_init__(self) -> None:
        for name in ("breakdown_day", *RESULT_ARRAYS):
            getattr(self, name).setflags(write=False)

    @property
    def runs(self) -> int:
        """Number of runs."""
        return len(self.breakdown_day)

    def __repr__(self) -> str:
        """One line: the size and P(breakdown by the horizon) with its Wilson interval (no arrays)."""
        p, lo, hi = wilson_interval(np.count_nonzero(self.breakdown_day), self.runs)
        return (f"RolloutResult({self.runs:,} runs x {self.days} days: P(breakdown by day {self.days}) "
                f"{float(p):.3f} [{float(lo):.3f}, {float(hi):.3f}])")

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

    def happened(self, days_array: str, horizon: int) -> np.ndarray:
        """Whether each run's ``days_array`` (one of :data:`RESULT_ARRAYS`' ``*_day`` arrays)
        records the event by day ``horizon``: boolean, shape (runs,)."""
        d = getattr(self, days_array)
        return (d > 0) & (d <= horizon)

    def event_probability(self, days_array: str, horizon: int, confidence: float = 0.95) -> tuple[float, float, float]:
        """P(the event of ``days_array`` by day ``horizon``) with its Wilson interval: (p, low, high)."""
        p, lo, hi = wilson_interval(np.count_nonzero(self.happened(days_array, horizon)), self.runs, confidence)
        return float(p), float(lo), float(hi)

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
    p = np.asarray(successes, dtype=float) / n
    return (p, *wilson_bounds(p, n, confidence))


def wilson_bounds(p, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson interval ``(low, high)`` around proportions ``p`` from ``n`` trials.

    ``n`` may be an array of the shape of ``p`` (an effective number of trials, as for a
    stratified estimate: :class:`negsim.model.forecast.Forecast`); the interval is exact
    at the ends (0 at ``p = 0``, 1 at ``p = 1``, not 1 - 1e-16).
    """
    from scipy.special import ndtri  # slow to import; only once there are runs to bound

    p = np.asarray(p, dtype=float)
    z = ndtri(0.5 + confidence / 2)
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = np.where(p <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(p >= 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


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
    estimate): 41 bytes of results per point-run (:class:`RolloutResult`), kept twice while
    summaries are computed, plus the working arrays of one chunk (the day's uniforms and the
    per-run state)."""
    chunk = max(1, chunk_runs // (points * BLOCK)) * BLOCK
    return 82 * points * runs + 8 * DRAWS_PER_DAY * chunk + 150 * points * chunk


def rollout(
    params: CeasefireParams,
    situation: Situation,
    *,
    runs: int,
    days: int,
    seed: int | np.random.SeedSequence,
    chunk_runs: int = 16 * BLOCK,
    progress: bool = False,
    kernel: str = "auto",
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
    kernel : {"auto", "numpy", "fused"}
        As in :func:`rollout_points`.
    """
    return rollout_points(
        params, [situation], runs=runs, days=days, seed=seed, chunk_runs=chunk_runs, progress=progress, kernel=kernel
    )[0]


def _block_range(runs: int, blocks: object) -> tuple[int, int]:
    """``(first, stop)``: the blocks of ``runs`` runs that ``rollout_points`` simulates, all of
    them when ``blocks`` is None, else ``blocks`` checked (``0 <= first < stop <= blocks of runs``)."""
    total = -(-runs // BLOCK)
    if blocks is None:
        return 0, total
    if not (isinstance(blocks, tuple) and len(blocks) == 2 and all(_whole(b) for b in blocks)
            and 0 <= blocks[0] < blocks[1] <= total):
        raise ConfigError(f"blocks: expected (first, stop) with 0 <= first < stop <= {total} "
                          f"(the blocks of {runs} runs), got {blocks!r}")
    return int(blocks[0]), int(blocks[1])


def start_days(level: np.ndarray, closed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first-passage days of a chunk's runs on day 0: each level 1-4 already reached
    (day 1) or not (0), shape (4, P, R), and the crossings already open (day 1) or not,
    shape (P, R); int32. ``level`` (int8) and ``closed`` (bool) are the start, shape (P, R)."""
    reached = np.stack([(level >= k).astype(np.int32) for k in range(1, OPEN_WAR + 1)])
    return reached, (~closed).astype(np.int32)


def roll_chunk(p: dict, m: np.ndarray, start: np.ndarray, start_closed: np.ndarray,
               gens: list[np.random.Generator], n: int) -> tuple[np.ndarray, ...]:
    """One chunk of :func:`rollout_points` with numpy: :func:`step` on every situation and run a day.

    Parameters
    ----------
    p : dict
        :func:`stacked_probabilities` of the P situations.
    m : numpy.ndarray of float64, shape (days,)
        The tension multiplier of each day (:func:`tension`).
    start, start_closed : numpy.ndarray, shape (P, 1)
        Start level (int8) and crossings closed at the start (bool).
    gens : list of numpy.random.Generator
        The chunk's block streams, in block order.
    n : int
        Runs of the chunk that are kept (the compiled kernel, :func:`negsim.model.fused.roll_chunk`,
        simulates only these; numpy simulates every run of the chunk's blocks).

    Returns
    -------
    tuple of numpy.ndarray
        :data:`RESULT_ARRAYS`, in order, each shape (P, len(gens) * BLOCK).
    """
    P, R = len(start), len(gens) * BLOCK
    level = np.broadcast_to(start, (P, R)).copy()
    closed = np.broadcast_to(start_closed, (P, R)).copy()
    punish = np.zeros((P, R), np.int32)
    reached, reopen = start_days(level, closed)
    peak = level.copy()  # the highest level so far: a level is first reached when the peak passes it
    first = np.zeros((P, R), np.int32)
    closed_days = np.zeros((P, R), np.int32)
    deaths = np.zeros((P, R), np.float64)
    u = np.empty((DRAWS_PER_DAY, R))
    for day in range(1, len(m) + 1):
        for k, g in enumerate(gens):
            u[:, k * BLOCK : (k + 1) * BLOCK] = g.random((DRAWS_PER_DAY, BLOCK))
        level, closed, punish, rose = step(level, closed, punish, u, on_day(p, float(m[day - 1])))
        i, j = np.nonzero(level > peak)  # few runs a day: the first passages are found among them
        old, new = peak[i, j], level[i, j]
        for k in range(1, OPEN_WAR + 1):
            now = (old < k) & (new >= k)
            reached[k - 1, i[now], j[now]] = day
        peak[i, j] = new
        first[(first == 0) & rose] = day
        reopen[(reopen == 0) & ~closed] = day
        closed_days += closed
        deaths += by_level(p["deaths"], level)
    return (*reached, first, reopen, closed_days, deaths, level)


def chunk_kernel(kernel: object, work: int) -> Callable[..., tuple[np.ndarray, ...]]:
    """The chunk function (:func:`roll_chunk` or :func:`negsim.model.fused.roll_chunk`) that
    :func:`rollout_points` uses for ``kernel`` (one of :data:`KERNELS`) on ``work``
    situation-run-days.

    ``auto`` takes the compiled kernel from :data:`FUSED_MIN_WORK` situation-run-days on when
    numba can be imported, numpy otherwise (numba is not even imported below it); ``fused``
    insists on it (a :class:`ConfigError` without numba); ``numpy`` never uses it. Both give
    the same numbers, bit for bit.
    """
    if not isinstance(kernel, str) or kernel not in KERNELS:
        raise ConfigError(f"kernel: expected one of {', '.join(KERNELS)}, got {kernel!r}")
    if kernel == "numpy" or (kernel == "auto" and work < FUSED_MIN_WORK):
        return roll_chunk
    try:
        from negsim.model import fused  # imports numba: about a second, once a process
    except ImportError as exc:
        if kernel == "fused":
            raise ConfigError(f"kernel='fused' needs numba: pip install 'negsim[fast]' ({exc})") from None
        return roll_chunk
    return fused.roll_chunk


def rollout_points(
    params: CeasefireParams,
    situations,
    *,
    runs: int,
    days: int,
    seed: int | np.random.SeedSequence,
    chunk_runs: int = 16 * BLOCK,
    progress: bool = False,
    blocks: tuple[int, int] | None = None,
    kernel: str = "auto",
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
    blocks : (int, int), optional
        Only the runs of blocks ``first .. stop - 1`` (``BLOCK`` runs each, the last one
        possibly shorter), exactly as they are in the whole rollout: pieces of a rollout
        split by blocks (and by situations) on several workers, concatenated in block
        order, are the whole rollout (:func:`negsim.studies.parallel.roll_groups`).
    kernel : {"auto", "numpy", "fused"}
        How each chunk is advanced (:func:`chunk_kernel`): numpy, or the compiled kernel of
        :mod:`negsim.model.fused` (numba); ``auto`` compiles only rollouts of at least
        :data:`FUSED_MIN_WORK` situation-run-days. The numbers are the same whichever runs.

    Returns
    -------
    list of RolloutResult, one per situation (of the runs of ``blocks``, if given)
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
    m = tension(params, days)
    start = np.array([s.start_level for s in situations], np.int8)[:, None]
    start_closed = np.array([s.border_closed for s in situations])[:, None]
    breakdown = [s.breakdown_level for s in situations]
    blocks_per_chunk = max(1, chunk_runs // (P * BLOCK))
    first_block, stop_block = _block_range(runs, blocks)
    first_run = first_block * BLOCK
    kept = min(runs, stop_block * BLOCK) - first_run
    advance = chunk_kernel(kernel, P * kept * days)
    out = {name: np.zeros((P, kept), dtype) for name, dtype in RESULT_ARRAYS.items()}
    chunks = range(first_block, stop_block, blocks_per_chunk)
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="rollout", unit="chunk", total=len(chunks))
    for b0 in chunks:
        nb = min(blocks_per_chunk, stop_block - b0)
        lo, hi = b0 * BLOCK, min(runs, (b0 + nb) * BLOCK)
        arrays = advance(p, m, start, start_closed, _block_streams(ss, b0, nb), hi - lo)
        for name, arr in zip(RESULT_ARRAYS, arrays, strict=True):
            out[name][:, lo - first_run : hi - first_run] = arr[:, : hi - lo]
    return [
        RolloutResult(days=days, trade_loss_per_day=params.trade_loss_per_day,
                      breakdown_day=out[LEVEL_DAYS[breakdown[i] - 1]][i].copy(), **{k: v[i] for k, v in out.items()})
        for i in range(P)
    ]
