"""The ceasefire rollout's day compiled (numba): :func:`negsim.model.rollout.step` and the
rollout's bookkeeping fused into one pass over every situation and run of a chunk.

The numpy kernel of :func:`negsim.model.rollout.rollout_points` makes some thirty passes a
day over its ``(P, R)`` arrays (one per comparison, mask and update); this one makes one,
run by run, with the run's state in registers, and LLVM vectorises it (the per-level
lookups are chains of selects, :func:`by_level`, not indexed loads, so that it can).

The numbers are the same bit for bit:

* the uniforms come from the same ``Generator.random`` calls in the same order: one
  ``(DRAWS_PER_DAY, BLOCK)`` array per block per day, written in place (``out=``), which
  draws exactly what a fresh array would;
* the probabilities the tension multiplier scales (:data:`~negsim.model.rollout.TENSION_KEYS`)
  are the float64 products ``v * m`` that :func:`~negsim.model.rollout.on_day` computes (its
  shortcut at ``m == 1`` changes nothing: ``v * 1.0 == v``), compared with the uniforms in
  float64 as numpy does (a probability given as the integer 0 or 1 becomes 0.0 or 1.0, as
  numpy converts it);
* levels, punishment days and the days recorded are the integers numpy computes (no
  intermediate leaves the int8/int32 range), and each run's deaths are summed day by day,
  one float64 addition a day, in the same order.

Runs past a rollout's last run (the rest of its last block) are drawn for, as in numpy,
but not simulated.

Speed (``experiments/bench_fused.py``, one core): about 7.7 ns a situation-run-day for 60
situations on shared uniforms (numpy 35 ns, 4.6x); for one situation both are bound by
drawing the 8 uniforms a run-day (37 ns): 40 ns against numpy's 87 (2.2x).

numba is an optional dependency (``pip install 'negsim[fast]'``). Importing this module
imports it (about 0.4 s of CPU) and the first call loads the compiled kernel from numba's
disk cache (``cache=True``; about 0.8 s, or 3.5 s to compile it the first time), so
:mod:`negsim.model.rollout` imports this module only for rollouts large enough to repay
that (:data:`negsim.model.rollout.FUSED_MIN_WORK`). No ``parallel=True``: sweeps
parallelise over worker processes (:mod:`negsim.studies.parallel`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from negsim.model.rollout import BLOCK, DRAWS_PER_DAY, OPEN_WAR, TENSION_KEYS, start_days

#: Columns of :func:`probability_table`: the scalar entries of
#: :func:`~negsim.model.rollout.daily_probabilities`, the two tension-scaled ones first.
COLUMNS = ("attack", "attack_punish", "major", "attributed", "attributed_punish", "pak", "afg", "down",
           "war_exit", "reopen")
#: Columns of :func:`integer_table`.
INTEGER_COLUMNS = ("war_exit_level", "punishment_days")
if set(TENSION_KEYS) != {*COLUMNS[:2], "incident"}:  # pragma: no cover - a guard for who edits TENSION_KEYS
    raise ImportError("negsim.model.fused scales attack, attack_punish and incident by the tension multiplier; "
                      f"TENSION_KEYS is now {TENSION_KEYS}")


def probability_table(p: dict) -> np.ndarray:
    """The scalar entries of :func:`~negsim.model.rollout.stacked_probabilities` ``p``, at
    tension 1, as one float64 table: shape (P, len(COLUMNS)), columns :data:`COLUMNS`."""
    return np.ascontiguousarray(np.concatenate([np.asarray(p[k], np.float64) for k in COLUMNS], axis=1))


def integer_table(p: dict) -> np.ndarray:
    """The integer entries of ``p``, as one int32 table: shape (P, 2), columns :data:`INTEGER_COLUMNS`."""
    return np.ascontiguousarray(np.concatenate([p["war_exit_level"], p["punishment_days"]], axis=1).astype(np.int32))


@njit(cache=True)
def by_level(level, values):  # pragma: no cover - compiled (numba)
    """``values[level]`` for a ladder level 0-4 and a 5-tuple ``values``, as a chain of
    selects: unlike an indexed load, it lets the run loop vectorise."""
    if level == 0:
        return values[0]
    if level == 1:
        return values[1]
    if level == 2:
        return values[2]
    if level == 3:
        return values[3]
    return values[4]


@njit(cache=True)
def step_run(level, closed, punish, u, q, incident, war_exit_level,
             punishment_days):  # pragma: no cover - compiled (numba)
    """One day of one run: :func:`negsim.model.rollout.step` in scalar, branch-free form.

    Parameters
    ----------
    level : int32
        Ladder level (0-4).
    closed : bool
        Crossings closed.
    punish : int32
        Days left of the punishment phase in force (0: none).
    u : tuple of ``DRAWS_PER_DAY`` float64
        The run's uniforms of the day (attack, major, attribution, Pakistan's response,
        Kabul's response, border incident, de-escalation or truce, reopening).
    q : tuple of ``len(COLUMNS)`` float64
        The situation's probabilities of the day, :data:`COLUMNS` (tension applied).
    incident : tuple of 5 float64
        Its border-incident probability by level (tension applied).
    war_exit_level, punishment_days : int32
        The level a truce ends open war at; the days of a punishment phase.

    Returns
    -------
    (level, closed, punish) : int32, bool, int32
    """
    at_war = level == OPEN_WAR
    punishing = punish > 0
    attack = (not at_war) & (u[0] < (q[1] if punishing else q[0]))
    major = attack & (u[1] < q[2])
    blamed = attack & (u[2] < (q[4] if punishing else q[3]))
    pak_step = blamed & (u[3] < q[5])
    afg_step = pak_step & (u[4] < q[6])
    border = (not attack) & (not at_war) & (u[5] < by_level(level, incident))
    rise = np.int32(pak_step) + np.int32(afg_step) + np.int32(border)
    down = (rise == 0) & (level > 0) & (not at_war) & (u[6] < q[7])
    truce = at_war & (u[6] < q[8])
    new = max(level + rise, np.int32(3) * np.int32(pak_step & major))  # a major attack: straight to strikes
    new = min(new - np.int32(down), np.int32(OPEN_WAR)) - np.int32(truce) * (np.int32(OPEN_WAR) - war_exit_level)
    punish = punish - np.int32(punishing) + np.int32(pak_step & (not punishing)) * punishment_days
    closed = (new >= 2) | (closed & (not ((new == 0) & (u[7] < q[9]))))
    return new, closed, punish


@njit(cache=True)
def advance_block(day, u, q, incident, deaths_per_level, ints, level, closed, punish, r1, r2, r3, r4, first, reopen,
                  closed_days, deaths):  # pragma: no cover - compiled (numba)
    """Advance the runs of one block of one situation through day ``day``, in place.

    Parameters
    ----------
    day : int32
        The day, 1-based.
    u : numpy.ndarray of float64, shape (DRAWS_PER_DAY, BLOCK)
        The block's uniforms of the day.
    q, incident : tuple of float64
        As in :func:`step_run`.
    deaths_per_level : tuple of 5 float64
        Expected deaths per day at each level.
    ints : numpy.ndarray of int32, shape (2,)
        The situation's row of :func:`integer_table`.
    level, closed, punish : numpy.ndarray, shape (n,), int8, bool, int32
        The state of the block's first ``n <= BLOCK`` runs, updated.
    r1, r2, r3, r4 : numpy.ndarray of int32, shape (n,)
        The day each run first reached levels 1-4 (0: not yet), updated (four contiguous
        arrays rather than one of shape (4, n): the run loop then vectorises).
    first, reopen, closed_days : numpy.ndarray of int32, shape (n,)
        First-incident day, first day with the crossings open (0: not yet), closed days so
        far, updated.
    deaths : numpy.ndarray of float64, shape (n,)
        Expected deaths so far, updated.
    """
    war_exit_level, punishment_days = ints[0], ints[1]
    u0, u1, u2, u3, u4, u5, u6, u7 = u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7]
    for j in range(len(level)):
        before = np.int32(level[j])
        new, closed[j], punish[j] = step_run(before, closed[j], punish[j],
                                             (u0[j], u1[j], u2[j], u3[j], u4[j], u5[j], u6[j], u7[j]),
                                             q, incident, war_exit_level, punishment_days)
        level[j] = new
        first[j] += np.int32((first[j] == 0) & (new > before)) * day
        closed_days[j] += np.int32(closed[j])
        deaths[j] += by_level(new, deaths_per_level)
    # The first passages in a second pass: with them in the first, the loop writes too many
    # arrays for LLVM to check they do not overlap, and it stops vectorising (3x slower).
    for j in range(len(level)):
        new = level[j]
        r1[j] += np.int32((r1[j] == 0) & (new >= 1)) * day
        r2[j] += np.int32((r2[j] == 0) & (new >= 2)) * day
        r3[j] += np.int32((r3[j] == 0) & (new >= 3)) * day
        r4[j] += np.int32((r4[j] == 0) & (new >= 4)) * day
        reopen[j] += np.int32((reopen[j] == 0) & (not closed[j])) * day


@njit(cache=True)
def advance_day(day, m, u, prob, incident, deaths_table, ints, n, level, closed, punish, reached, first, reopen,
                closed_days, deaths):  # pragma: no cover - compiled (numba)
    """Advance the first ``n`` runs of every situation of a chunk through day ``day``, in place.

    Parameters
    ----------
    day : int
        The day, 1-based.
    m : float
        Its tension multiplier (:func:`~negsim.model.rollout.tension`).
    u : numpy.ndarray of float64, shape (blocks, DRAWS_PER_DAY, BLOCK)
        The day's uniforms, block by block: run ``r``'s are ``u[r // BLOCK, :, r % BLOCK]``.
    prob : numpy.ndarray of float64, shape (P, len(COLUMNS))
        :func:`probability_table`.
    incident, deaths_table : numpy.ndarray of float64, shape (P, 5)
        Border-incident probability (tension 1) and expected deaths per day, by level.
    ints : numpy.ndarray of int32, shape (P, 2)
        :func:`integer_table`.
    n : int
        Runs simulated, at most ``blocks * BLOCK`` (the rest of the chunk is padding).
    level, closed, punish, first, reopen, closed_days, deaths : numpy.ndarray, shape (P, blocks * BLOCK)
        As in :func:`advance_block`, for every situation and run of the chunk.
    reached : numpy.ndarray of int32, shape (4, P, blocks * BLOCK)
        As in :func:`advance_block`.
    """
    for i in range(prob.shape[0]):
        pr, inc, dl = prob[i], incident[i], deaths_table[i]
        q = (pr[0] * m, pr[1] * m, pr[2], pr[3], pr[4], pr[5], pr[6], pr[7], pr[8], pr[9])
        incident_day = (inc[0] * m, inc[1] * m, inc[2] * m, inc[3] * m, inc[4] * m)
        deaths_per_level = (dl[0], dl[1], dl[2], dl[3], dl[4])
        for lo in range(0, n, BLOCK):
            s = slice(lo, min(n, lo + BLOCK))
            advance_block(np.int32(day), u[lo // BLOCK], q, incident_day, deaths_per_level, ints[i],
                          level[i, s], closed[i, s], punish[i, s], reached[0, i, s], reached[1, i, s],
                          reached[2, i, s], reached[3, i, s], first[i, s], reopen[i, s], closed_days[i, s], deaths[i, s])


def roll_chunk(p: dict, m: np.ndarray, start: np.ndarray, start_closed: np.ndarray,
               gens: list[np.random.Generator], n: int) -> tuple[np.ndarray, ...]:
    """One chunk of :func:`negsim.model.rollout.rollout_points`, compiled: the same arguments
    and results as :func:`negsim.model.rollout.roll_chunk`, except that only the first ``n``
    runs of the chunk are simulated (the other columns of the results are meaningless)."""
    P, R = len(start), len(gens) * BLOCK
    prob = probability_table(p)
    incident = np.ascontiguousarray(p["incident"], np.float64)
    deaths_table = np.ascontiguousarray(p["deaths"], np.float64)
    ints = integer_table(p)
    level = np.broadcast_to(start, (P, R)).copy()
    closed = np.broadcast_to(start_closed, (P, R)).copy()
    punish = np.zeros((P, R), np.int32)
    reached, reopen = start_days(level, closed)
    first = np.zeros((P, R), np.int32)
    closed_days = np.zeros((P, R), np.int32)
    deaths = np.zeros((P, R), np.float64)
    u = np.empty((len(gens), DRAWS_PER_DAY, BLOCK))
    for day in range(1, len(m) + 1):
        for k, g in enumerate(gens):
            g.random(out=u[k])
        advance_day(day, float(m[day - 1]), u, prob, incident, deaths_table, ints, n,
                    level, closed, punish, reached, first, reopen, closed_days, deaths)
    return (*reached, first, reopen, closed_days, deaths, level)
