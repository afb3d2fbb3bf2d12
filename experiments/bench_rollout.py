#!/usr/bin/env python3
"""Benchmark the vectorised ceasefire rollout against its RNG bound and a plain Python loop.

    python experiments/bench_rollout.py [--runs 1000000] [--days 365] [--loop-runs 2000] [--seed 0]

One run measures, on the default model (``configs/rollout/default.yaml``, with its
falling tension multiplier) and a realistic situation (Kabul deterred, effort 0.5 while
holding and 0.25 while violating, verification 0.2, de-confliction 0.3, 30-day punishment
phases, start at level 1 with the crossings closed, breakdown at strikes):

* **vectorised**: :func:`negsim.model.rollout.rollout` on ``--runs`` x ``--days`` run-days (one
  timed pass, after a small warm-up), with the process's peak resident memory
  (``ru_maxrss``) and, in a separate ``--runs`` x ``MEM_DAYS`` run, the peak of numpy's
  own allocations (``tracemalloc``; memory does not grow with the days);
* **RNG bound**: ``numpy.random.Generator.random`` uniforms per second, drawn in the
  rollout's blocked shape ``(DRAWS_PER_DAY, BLOCK)`` per call (the bound) and, for
  comparison, as one large array (fresh and with ``out=``); divided by
  ``DRAWS_PER_DAY`` draws per run-day, this is the run-days/s a loop that only drew the
  rollout's random numbers would reach;
* **Python loop**: the same model written as scalar Python (:func:`scalar_step`), one run
  at a time and one day at a time, with eight ``random.random()`` draws per run-day and
  the rollout's bookkeeping (punishment days left, breakdown day, first incident, closed
  days, deaths), on ``--loop-runs`` runs x ``--days``.

Goals: vectorised at least 25% of the RNG bound, at least 100x the Python loop, peak
memory under 1 GiB.

**Correctness check.** :func:`scalar_step` and :func:`negsim.model.rollout.step` are fed the
same uniforms, an array of shape ``(days, DRAWS_PER_DAY, R)``, day by day, in three
cases (the realistic situation on the rollout's own random stream, so that
:func:`~negsim.model.rollout.rollout` itself is compared too; a fully mediated calm
situation; a stress parameter set that takes every branch often: punishment phases,
major attacks, open war and truces out of it, a steep tension multiplier). Final levels,
breakdown days, first-incident days, closed days and deaths must be identical; the exit
status is 1 if they are not.

The RNG bound is timed just before and just after the rollout and the faster figure is
used (the machine may be shared). A per-phase timing of the rollout's inner loop (drawing
the uniforms, :func:`step`, bookkeeping) on one chunk is always printed; if the vectorised
rollout is below 25% of the RNG bound (or with ``--profile``), the rollout is also
profiled with cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import os
import platform
import pstats
import random
import resource
import sys
import time
import tracemalloc

import numpy as np
from benchutil import cpu_name, usable_cpus

from negsim.io.configs import config_dir, load_yaml
from negsim.model.rollout import (
    BLOCK,
    DRAWS_PER_DAY,
    OPEN_WAR,
    CeasefireParams,
    Situation,
    _block_streams,
    by_level,
    daily_probabilities,
    on_day,
    rollout,
    stacked_probabilities,
    step,
    tension,
)
from negsim.model.scenario import build_rollout

#: A realistic situation: Kabul deterred, 30-day punishment phases, start at incident level.
SITUATION = Situation(effort_hold=0.5, effort_violate=0.25, deterred=True, verification=0.2, deconfliction=0.3,
                      punishment_days=30, start_level=1, border_closed=True, breakdown_level=3)
#: Goals: vectorised / RNG bound, vectorised / Python loop, peak memory.
GOAL_RNG_SHARE = 0.25
GOAL_LOOP_SPEEDUP = 100.0
GOAL_MEMORY = 1 << 30
#: Passes of the Python loop and of the paired chunk/draws timing (best reported).
REPEATS = 3
#: Days of the tracemalloc run (memory does not depend on the number of days).
MEM_DAYS = 3
#: Runs of each correctness-check case.
CHECK_RUNS = 1000
#: Uniforms per call of the "one large array" RNG variant (64 MiB of float64).
BIG_DRAWS = DRAWS_PER_DAY << 20


# --------------------------------------------------------------------------- scalar model


def scalar_probabilities(p: dict) -> dict:
    """:func:`daily_probabilities` (or one day's :func:`on_day` of it) with its arrays as
    tuples of Python floats and its integers as Python ints (same values).

    :func:`scalar_step` accepts either dict; this one only makes indexing faster.
    """
    def plain(v):
        if isinstance(v, np.ndarray):
            return tuple(float(x) for x in v)
        return int(v) if isinstance(v, (int, np.integer)) else float(v)

    return {k: plain(v) for k, v in p.items()}


def scalar_days(p: dict, params: CeasefireParams, days: int) -> list[dict]:
    """:func:`scalar_probabilities` of each day 1..days (the tension multiplier applied)."""
    return [scalar_probabilities(on_day(p, float(m))) for m in tension(params, days)]


def scalar_step(level, closed, punish, u, p):
    """One day of one run: :func:`negsim.model.rollout.step` in scalar form.

    Parameters
    ----------
    level : int
        Ladder level (0-4).
    closed : bool
        Crossings closed.
    punish : int
        Days left of the punishment phase in force (0: none).
    u : sequence of ``DRAWS_PER_DAY`` floats
        The day's uniforms: attack, major, attribution, Pakistan's response, Kabul's
        response, border incident, de-escalation (at open war: the truce), reopening.
    p : dict
        The day's probabilities: :func:`negsim.model.rollout.on_day` of
        :func:`~negsim.model.rollout.daily_probabilities` (or :func:`scalar_probabilities` of it).

    Returns
    -------
    (level, closed, punish, rose) : int, bool, int, bool
    """
    at_war = level == OPEN_WAR
    punishing = punish > 0
    attack = not at_war and u[0] < (p["attack_punish"] if punishing else p["attack"])
    major = attack and u[1] < p["major"]
    pak_step = attack and u[2] < (p["attributed_punish"] if punishing else p["attributed"]) and u[3] < p["pak"]
    afg_step = pak_step and u[4] < p["afg"]
    border = not attack and not at_war and u[5] < p["incident"][level]
    rise = pak_step + afg_step + border
    new = level + rise
    if pak_step and major and new < 3:
        new = 3
    if at_war:
        if u[6] < p["war_exit"]:
            new = p["war_exit_level"]
    elif rise == 0 and level > 0 and u[6] < p["down"]:
        new -= 1
    new = min(new, OPEN_WAR)
    if punishing:
        punish -= 1
    elif pak_step:
        punish = p["punishment_days"]
    if new >= 2:
        closed = True
    elif closed and new == 0 and u[7] < p["reopen"]:
        closed = False
    return new, closed, punish, new > level


def scalar_rollout(p: dict, params: CeasefireParams, situation: Situation, runs: int, days: int,
                   seed: int) -> dict[str, list]:
    """The rollout as a plain Python loop over runs and days (``random.random()`` draws)."""
    rand = random.Random(seed).random
    sp_days = scalar_days(p, params, days)
    deaths_per_level = sp_days[0]["deaths"]
    bl = situation.breakdown_level
    out = {k: [] for k in ("breakdown_day", "first_incident_day", "closed_days", "deaths", "final_level")}
    for _ in range(runs):
        level, closed, punish = situation.start_level, situation.border_closed, 0
        first = closed_days = 0
        broke = 1 if situation.start_level >= bl else 0  # starts broken down: broken by day 1
        deaths = 0.0
        for day in range(1, days + 1):
            u = (rand(), rand(), rand(), rand(), rand(), rand(), rand(), rand())
            level, closed, punish, rose = scalar_step(level, closed, punish, u, sp_days[day - 1])
            if not broke and level >= bl:
                broke = day
            if not first and rose:
                first = day
            closed_days += closed
            deaths += deaths_per_level[level]
        out["breakdown_day"].append(broke)
        out["first_incident_day"].append(first)
        out["closed_days"].append(closed_days)
        out["deaths"].append(deaths)
        out["final_level"].append(level)
    return out


# --------------------------------------------------------------------------- correctness


def replay_vectorised(u_all: np.ndarray, p: dict, params: CeasefireParams,
                      situation: Situation) -> dict[str, np.ndarray]:
    """Run :func:`step` day by day on given uniforms ``(days, DRAWS_PER_DAY, R)``, with
    the bookkeeping of :func:`rollout`."""
    days, _, R = u_all.shape
    m = tension(params, days)
    level = np.full(R, situation.start_level, np.int8)
    closed = np.full(R, situation.border_closed)
    punish = np.zeros(R, np.int32)
    broke = np.zeros(R, np.int32)
    broke[level >= situation.breakdown_level] = 1
    first = np.zeros(R, np.int32)
    closed_days = np.zeros(R, np.int32)
    deaths = np.zeros(R, np.float64)
    for day in range(1, days + 1):
        level, closed, punish, rose = step(level, closed, punish, u_all[day - 1], on_day(p, float(m[day - 1])))
        broke = np.where((broke == 0) & (level >= situation.breakdown_level), day, broke)
        first = np.where((first == 0) & rose, day, first)
        closed_days += closed
        deaths += p["deaths"][level]
    return {"breakdown_day": broke, "first_incident_day": first, "closed_days": closed_days, "deaths": deaths,
            "final_level": level}


def replay_scalar(u_all: np.ndarray, p: dict, params: CeasefireParams,
                  situation: Situation) -> dict[str, np.ndarray]:
    """Run :func:`scalar_step` run by run, day by day, on the same uniforms."""
    sp_days = scalar_days(p, params, u_all.shape[0])
    bl = situation.breakdown_level
    out = {k: [] for k in ("breakdown_day", "first_incident_day", "closed_days", "deaths", "final_level")}
    for run_u in u_all.transpose(2, 0, 1).tolist():  # [run][day][draw]
        level, closed, punish = situation.start_level, situation.border_closed, 0
        first = closed_days = 0
        broke = 1 if situation.start_level >= bl else 0  # starts broken down: broken by day 1
        deaths = 0.0
        for day, u in enumerate(run_u, start=1):
            level, closed, punish, rose = scalar_step(level, closed, punish, u, sp_days[day - 1])
            if not broke and level >= bl:
                broke = day
            if not first and rose:
                first = day
            closed_days += closed
            deaths += float(p["deaths"][level])
        out["breakdown_day"].append(broke)
        out["first_incident_day"].append(first)
        out["closed_days"].append(closed_days)
        out["deaths"].append(deaths)
        out["final_level"].append(level)
    return {k: np.asarray(v) for k, v in out.items()}


def _mismatches(a: dict, b: dict) -> list[str]:
    return [f"{k} ({int(np.sum(np.asarray(a[k]) != np.asarray(b[k])))} runs)"
            for k in a if not np.array_equal(np.asarray(a[k]), np.asarray(b[k]))]


def check_agreement(params: CeasefireParams, days: int, seed: int) -> tuple[bool, list[str]]:
    """Compare :func:`step`, :func:`scalar_step` and (case 1) :func:`rollout` on the same uniforms."""
    ss = np.random.SeedSequence(seed)
    stress = dataclasses.replace(
        params, attack_rate=0.5, major_share=0.4, attribution=0.9, pak_retaliate=0.8, afg_respond=0.7,
        incident=(0.2, 0.2, 0.3, 0.2), deescalate=0.3, deconfliction_pull=0.5, reopen=0.3, war_exit=0.3,
        war_exit_level=2, tension_shape=0.5, tension_scale=5.0)
    cases = [
        ("realistic, rollout's own stream", params, SITUATION),
        ("calm, fully mediated, open border", params,
         Situation(effort_hold=1.0, effort_violate=1.0, deterred=True, verification=1.0, deconfliction=1.0,
                   start_level=0, border_closed=False, breakdown_level=2)),
        ("stress parameters, start at clash", stress,
         Situation(effort_hold=0.4, effort_violate=0.0, deterred=False, verification=0.5, deconfliction=0.5,
                   pak_retaliate=0.9, punishment_days=4, start_level=2, border_closed=False, breakdown_level=4)),
    ]
    children = np.random.SeedSequence((seed, 1)).spawn(len(cases))  # apart from the block streams
    ok, lines = True, []
    for i, (name, prm, sit) in enumerate(cases):
        p = daily_probabilities(prm, sit)
        if i == 0:  # the rollout's block-0 stream: BLOCK columns a day, the first CHECK_RUNS used
            (g,) = _block_streams(ss, 0, 1)
            u_all = np.stack([g.random((DRAWS_PER_DAY, BLOCK))[:, :CHECK_RUNS] for _ in range(days)])
        else:
            u_all = np.random.default_rng(children[i]).random((days, DRAWS_PER_DAY, CHECK_RUNS))
        vec = replay_vectorised(u_all, p, prm, sit)
        sca = replay_scalar(u_all, p, prm, sit)
        bad = _mismatches(vec, sca)
        if i == 0:
            res = rollout(prm, sit, runs=CHECK_RUNS, days=days, seed=seed)
            bad += [f"rollout() vs step replay: {m}" for m in _mismatches(
                {k: getattr(res, k) for k in vec}, vec)]
        levels = np.bincount(vec["final_level"], minlength=OPEN_WAR + 1).tolist()
        verdict = "identical" if not bad else "DIFFER: " + ", ".join(bad)
        lines.append(f"   {name:<36} {CHECK_RUNS} runs x {days} days: final levels 0-4 {levels}, "
                     f"{int(np.sum(vec['breakdown_day'] > 0))} broke down -> {verdict}")
        ok &= not bad
    return ok, lines


# --------------------------------------------------------------------------- timing


def max_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def time_rng(seed: int, calls: int, repeats: int = 3, big: bool = True) -> dict[str, float]:
    """Uniform draws per second: blocked ``(DRAWS_PER_DAY, BLOCK)`` calls and, if ``big``,
    one large array freshly allocated and one into a preallocated buffer (best of ``repeats``)."""
    g = np.random.default_rng(seed)
    rates = {}

    def blocked():
        for _ in range(calls):
            g.random((DRAWS_PER_DAY, BLOCK))  # discarded at once, as in the rollout

    best = min(_timed(blocked) for _ in range(repeats))
    rates["blocked"] = calls * DRAWS_PER_DAY * BLOCK / best
    if not big:
        return rates
    best = min(_timed(lambda: g.random(BIG_DRAWS)) for _ in range(repeats))
    rates["big"] = BIG_DRAWS / best
    buf = np.empty(BIG_DRAWS)
    g.random(out=buf)
    best = min(_timed(lambda: g.random(out=buf)) for _ in range(repeats))
    rates["big_out"] = BIG_DRAWS / best
    return rates


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def phase_times(params: CeasefireParams, situation: Situation, seed: int, runs: int, days: int) -> dict[str, float]:
    """Seconds per phase of the rollout's inner loop on one chunk.

    A copy of the day loop of :func:`negsim.model.rollout.rollout_points` (through which
    :func:`rollout` runs, with one point) as of 2026-12-01, with a clock around each phase
    (the day's tension multiplier counts with ``step()``).
    """
    p = stacked_probabilities(params, [situation])
    m = tension(params, days)
    nb = -(-runs // BLOCK)
    gens = _block_streams(np.random.SeedSequence(seed), 0, nb)
    R = nb * BLOCK
    level = np.full((1, R), situation.start_level, np.int8)
    closed = np.full((1, R), situation.border_closed)
    punish = np.zeros((1, R), np.int32)
    breakdown = np.array([[situation.breakdown_level]], np.int8)
    broke = np.zeros((1, R), np.int32)
    first = np.zeros((1, R), np.int32)
    closed_days = np.zeros((1, R), np.int32)
    deaths = np.zeros((1, R), np.float64)
    u = np.empty((DRAWS_PER_DAY, R))
    names = ("draw uniforms into u", "step()", "breakdown/first/closed", "deaths (by_level)")
    t = dict.fromkeys(names, 0.0)
    clock = time.perf_counter
    for day in range(1, days + 1):
        t0 = clock()
        for k, g in enumerate(gens):
            u[:, k * BLOCK:(k + 1) * BLOCK] = g.random((DRAWS_PER_DAY, BLOCK))
        t1 = clock()
        level, closed, punish, rose = step(level, closed, punish, u, on_day(p, float(m[day - 1])))
        t2 = clock()
        broke[(broke == 0) & (level >= breakdown)] = day
        first[(first == 0) & rose] = day
        closed_days += closed
        t3 = clock()
        deaths += by_level(p["deaths"], level)
        t4 = clock()
        for name, dt in zip(names, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            t[name] += dt
    return t


def profile_rollout(params, situation, seed: int, runs: int, days: int) -> None:
    """cProfile of one rollout (numpy's C calls, Generator.random included, count as the
    caller's own time)."""
    print()
    print(f"== cProfile: rollout() on {runs} runs x {days} days")
    prof = cProfile.Profile()
    prof.enable()
    rollout(params, situation, runs=runs, days=days, seed=seed)
    prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(10)
    lines = s.getvalue().rstrip().splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    print("\n".join("   " + line for line in lines[header:]))
    print("   (Generator.random, a Cython method, is not listed: its time counts as rollout_points' own)")


def machine() -> list[str]:
    usable = usable_cpus()
    cpu = cpu_name()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        f"machine: {cpu}, {platform.system()}, cpu_count {os.cpu_count()}, usable {usable}, load average {load}",
        f"python {platform.python_version()}, numpy {np.__version__}",
    ]


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000, help="runs of the timed vectorised rollout")
    parser.add_argument("--days", type=int, default=365, help="days per run (all three measurements)")
    parser.add_argument("--loop-runs", type=int, default=2000, help="runs of the plain Python loop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="profile the rollout even if it meets the goal")
    args = parser.parse_args(argv)
    if min(args.runs, args.days, args.loop_runs) < 1:
        parser.error("--runs, --days and --loop-runs must be positive")

    start = time.perf_counter()
    params = build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml")).params
    p = daily_probabilities(params, SITUATION)

    # (b, first half) RNG bound just before the rollout (blocked draws only: no big arrays
    # before ru_maxrss is read); the machine's load varies, so (b) is timed again after (a)
    # and the faster figure is the bound
    rng_calls = 16 * min(args.days, 365)  # as many blocked calls as one default chunk makes
    rng_before = time_rng(args.seed, rng_calls, big=False)

    # (a) vectorised rollout, before anything large is allocated, so that ru_maxrss is its
    # peak (plus imports)
    rollout(params, SITUATION, runs=BLOCK, days=5, seed=args.seed)  # warm-up
    rss_before = max_rss_bytes()
    t_vec = _timed(lambda: rollout(params, SITUATION, runs=args.runs, days=args.days, seed=args.seed))
    rss_peak = max_rss_bytes()
    tracemalloc.start()
    rollout(params, SITUATION, runs=args.runs, days=MEM_DAYS, seed=args.seed)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    vec_rate = args.runs * args.days / t_vec

    # (b, second half)
    rng = time_rng(args.seed, rng_calls)
    rng["blocked_before"], rng["blocked_after"] = rng_before["blocked"], rng["blocked"]
    rng["blocked"] = max(rng_before["blocked"], rng["blocked"])
    bound = rng["blocked"] / DRAWS_PER_DAY

    # correctness: step vs scalar_step (and rollout) on the same uniforms
    check_ok, check_lines = check_agreement(params, args.days, args.seed)

    # (c) plain Python loop
    t_loop = min(_timed(lambda: scalar_rollout(p, params, SITUATION, args.loop_runs, args.days, args.seed))
                 for _ in range(REPEATS))

    # paired: one default chunk of the rollout and the same run-days of blocked draws,
    # alternated, best of REPEATS each (less exposed to a changing machine load than (a)/(b))
    chunk = 16 * BLOCK
    t_chunk, t_draws = float("inf"), float("inf")
    for _ in range(REPEATS):
        t_chunk = min(t_chunk, _timed(lambda: rollout(params, SITUATION, runs=chunk, days=args.days, seed=args.seed)))
        t_draws = min(t_draws, chunk * args.days * DRAWS_PER_DAY / time_rng(args.seed, 16 * args.days, 1, False)["blocked"])
    paired_share = t_draws / t_chunk
    loop_rate = args.loop_runs * args.days / t_loop

    share = vec_rate / bound
    speedup = vec_rate / loop_rate

    def met(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    print()
    print(f"negsim rollout benchmark, seed {args.seed}, {time.strftime('%Y-%m-%d')}")
    for line in machine():
        print(line)
    print("model: configs/rollout/default.yaml; situation: deterred, effort 0.5 holding / 0.25 violating, "
          "verification 0.2, deconfliction 0.3, 30-day punishment, start level 1, crossings closed, "
          "breakdown at level 3")
    print(f"daily probabilities on day 1: attack {p['attack']:.4f} ({p['attack_punish']:.4f} in punishment), "
          f"attributed {p['attributed']:.4f} ({p['attributed_punish']:.4f}), step down {p['down']:.4f}, "
          f"incident {np.round(p['incident'], 4).tolist()}; tension multiplier on the last day "
          f"{tension(params, args.days)[-1]:.3f}")
    print()
    print(f"   {'measurement':<58} {'run-days':>13} {'seconds':>8} {'run-days/s':>12}")
    print(f"   {'vectorised rollout()':<58} {args.runs * args.days:>13,} {t_vec:>8.2f} {vec_rate:>12.3g}")
    print(f"   {'RNG bound: Generator.random((8, BLOCK)) per call, / 8':<58} {'':>13} {'':>8} {bound:>12.3g}")
    print(f"   {f'  (one array of {BIG_DRAWS >> 20} M draws, fresh: / 8)':<58} {'':>13} {'':>8} "
          f"{rng['big'] / DRAWS_PER_DAY:>12.3g}")
    print(f"   {f'  (one array of {BIG_DRAWS >> 20} M draws, out=: / 8)':<58} {'':>13} {'':>8} "
          f"{rng['big_out'] / DRAWS_PER_DAY:>12.3g}")
    print(f"   {f'Python loop, scalar_step + random.random(), best of {REPEATS}':<58} {args.loop_runs * args.days:>13,} "
          f"{t_loop:>8.2f} {loop_rate:>12.3g}")
    print()
    print(f"   uniforms/s: blocked {rng['blocked_before']:.3g} before and {rng['blocked_after']:.3g} after the "
          f"rollout (bound: the faster), one array fresh {rng['big']:.3g}, "
          f"one array out= {rng['big_out']:.3g}")
    print(f"   memory: peak RSS {rss_peak / 2**20:.0f} MiB (process, incl. imports; {rss_before / 2**20:.0f} MiB "
          f"before the timed rollout); tracemalloc peak of rollout() {traced_peak / 2**20:.1f} MiB "
          f"({args.runs} runs x {MEM_DAYS} days)")
    print()
    print(f"   goal vectorised >= {GOAL_RNG_SHARE:.0%} of the RNG bound: {share:.0%} -> {met(share >= GOAL_RNG_SHARE)}")
    print(f"   goal vectorised >= {GOAL_LOOP_SPEEDUP:.0f}x the Python loop: {speedup:.0f}x "
          f"-> {met(speedup >= GOAL_LOOP_SPEEDUP)}")
    print(f"   paired, best of {REPEATS} alternated: rollout() of {chunk} runs x {args.days} days "
          f"{chunk * args.days / t_chunk:.3g} run-days/s, the same draws alone {chunk * args.days / t_draws:.3g} "
          f"-> {paired_share:.0%} of the RNG bound")
    print(f"   for scale: RNG bound / Python loop = {bound / loop_rate:.0f}x, the most a one-core rollout "
          f"drawing the same {DRAWS_PER_DAY} float64 uniforms per run-day could reach")
    print(f"   goal peak memory < 1 GiB: {rss_peak / 2**20:.0f} MiB -> {met(rss_peak < GOAL_MEMORY)}")
    print()
    print("== correctness: step() vs scalar_step() on the same uniforms")
    for line in check_lines:
        print(line)

    print()
    runs_p, days_p = 16 * BLOCK, 60
    phases = phase_times(params, SITUATION, args.seed, runs_p, days_p)
    total = sum(phases.values())
    print(f"== where the time goes: the rollout's inner loop on one chunk ({runs_p} runs x {days_p} days)")
    for name, sec in phases.items():
        print(f"   {name:<24} {sec:7.3f} s  {100 * sec / total:5.1f} %")
    if args.profile or share < GOAL_RNG_SHARE:
        profile_rollout(params, SITUATION, args.seed, runs_p, days_p)

    print()
    print(f"total wall time {time.perf_counter() - start:.1f} s")
    if not check_ok:
        print("FAIL: the scalar loop and the vectorised step disagree")
        return 1
    print("OK: scalar_step and step (and rollout) give identical results on the same uniforms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
