#!/usr/bin/env python3
"""Benchmark complete enumeration at every size against pygambit's float ``enummixed``.

    python experiments/bench_enumeration.py [--seed 0] [--quick]

Suites (CPU time by ``time.process_time``, medians; the machine is shared, so ratios
measured in the same run matter more than times):

* **large**: 100 random 10x10 and 20 random 12x12 games (standard-normal payoffs), and 20
  degenerate 10x10 games (payoffs in 0..4), one game per call: negsim's ``solve`` against
  ``pygambit.nash.enummixed_solve(g, rational=False)`` on the same game; the equilibrium
  sets must match (as sets, entries within 1e-6).
* **batch 3x3 talks**: 10,000 talks games of Istanbul round two over a leverage grid in one
  ``solve_batch`` call (median of 5).
* **batch 6x6**: 10,000 random 6x6 games in one ``solve_batch`` call, its peak memory, and
  pygambit on a 200-game subsample.
* **single 3x3**: ``solve(game)`` on 2,000 random 3x3 games, one call each.

Exits with status 1 if any equilibrium set differs from pygambit's.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time

import numpy as np
import pygambit as gbt
from benchutil import cpu_name

from negsim import Game, solve, solve_batch
from negsim.model.payoffs import payoff_grid
from negsim.model.scenario import load_scenario

MATCH_TOL = 1e-6


def gambit(A: np.ndarray, B: np.ndarray) -> tuple[list[np.ndarray], float]:
    """pygambit's float enummixed on one game: equilibria as (x, y) vectors, CPU seconds."""
    t0 = time.process_time()
    g = gbt.Game.from_arrays(A, B)
    found = gbt.nash.enummixed_solve(g, rational=False).equilibria
    cpu = time.process_time() - t0
    row, col = g.players
    return [np.array([float(eq[s]) for s in (*row.strategies, *col.strategies)]) for eq in found], cpu


def ours(A: np.ndarray, B: np.ndarray) -> tuple[list[np.ndarray], float]:
    t0 = time.process_time()
    found = solve(Game(A, B))
    return [np.concatenate(e.strategies) for e in found], time.process_time() - t0


def same_set(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    """Equal as sets (pygambit may list a degenerate equilibrium twice)."""
    def covered(xs, ys):
        return all(any(np.abs(x - y).max() <= MATCH_TOL for y in ys) for x in xs)
    return covered(a, b) and covered(b, a)


def large_suite(rng: np.random.Generator, quick: bool) -> bool:
    cases = [("10x10 random", 10, 100, False), ("12x12 random", 12, 20, False), ("10x10 degenerate", 10, 20, True)]
    ok = True
    print(f"{'suite':<18} {'games':>5} {'negsim ms':>10} {'pygambit ms':>12} {'ratio':>7} {'eqs (median)':>13} {'agree':>6}")
    for name, k, count, degenerate in cases:
        count = max(2, count // 10) if quick else count
        ours_t, theirs_t, ratios, eqs, agree = [], [], [], [], 0
        for _ in range(count):
            if degenerate:
                A, B = (rng.integers(0, 5, (k, k)).astype(float) for _ in "AB")
            else:
                A, B = rng.standard_normal((k, k)), rng.standard_normal((k, k))
            mine, t_mine = ours(A, B)
            ref, t_ref = gambit(A, B)
            ours_t.append(t_mine)
            theirs_t.append(t_ref)
            ratios.append(t_ref / max(t_mine, 1e-9))
            eqs.append(len(mine))
            agree += same_set(mine, ref)
        ok &= agree == count
        print(f"{name:<18} {count:>5} {1e3 * np.median(ours_t):>10.2f} {1e3 * np.median(theirs_t):>12.2f} "
              f"{np.median(ratios):>6.1f}x {np.median(eqs):>13.0f} {agree:>3}/{count}")
    return ok


def talks_grid(n_games: int) -> tuple[np.ndarray, np.ndarray]:
    n_t = max(1, round(math.sqrt(n_games)))
    A, B, _ = payoff_grid(
        load_scenario("istanbul_round2"),
        transfer_pledge=np.linspace(0.0, 5.0, n_t),
        verification=np.linspace(0.0, 1.0, math.ceil(n_games / n_t)),
    )
    return A.reshape(-1, 3, 3)[:n_games], B.reshape(-1, 3, 3)[:n_games]


def batch_suites(rng: np.random.Generator, quick: bool) -> bool:
    n = 1000 if quick else 10_000
    A, B = talks_grid(n)
    times = []
    for _ in range(5):
        t0 = time.process_time()
        solve_batch(A, B)
        times.append(time.process_time() - t0)
    print(f"batch 3x3 talks: {n} games, median {1e6 * np.median(times) / n:.2f} us/game of CPU "
          f"(runs {', '.join(f'{1e6 * t / n:.2f}' for t in times)})")

    A6, B6 = rng.standard_normal((n, 6, 6)), rng.standard_normal((n, 6, 6))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.process_time()
    batch = solve_batch(A6, B6)
    cpu = time.process_time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sample = rng.choice(n, size=min(200, n), replace=False)
    ref_t, agree = [], 0
    for i in sample:
        ref, t_ref = gambit(A6[i], B6[i])
        ref_t.append(t_ref)
        agree += same_set([np.concatenate(e.strategies) for e in batch.for_game(int(i))], ref)
    per_game = cpu / n
    print(f"batch 6x6 random: {n} games, {cpu:.1f} s of CPU ({1e3 * per_game:.3f} ms/game), "
          f"peak resident {peak / 2**20:.2f} GiB (before {before / 2**20:.2f} GiB); pygambit median "
          f"{1e3 * np.median(ref_t):.3f} ms/game -> {np.median(ref_t) / per_game:.1f}x; agree {agree}/{len(sample)}")
    return agree == len(sample)


def single_suite(rng: np.random.Generator, quick: bool) -> None:
    games = [Game(rng.standard_normal((3, 3)), rng.standard_normal((3, 3))) for _ in range(200 if quick else 2000)]
    for g in games[:50]:
        solve(g)
    times = []
    for g in games:
        t0 = time.process_time()
        solve(g)
        times.append(time.process_time() - t0)
    ref = []
    for g in games[: len(games) // 4]:
        ref.append(gambit(g.A, g.B)[1])
    print(f"single 3x3 solve: median {1e6 * np.median(times):.0f} us of CPU per call "
          f"(pygambit incl. from_arrays {1e6 * np.median(ref):.0f} us)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a tenth of the games, for a smoke run")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    print(f"negsim enumeration benchmark, seed {args.seed}, {time.strftime('%Y-%m-%d')}, {cpu_name()}, "
          f"numpy {np.__version__}, pygambit {gbt.__version__}")
    ok = large_suite(rng, args.quick)
    ok &= batch_suites(rng, args.quick)
    single_suite(rng, args.quick)
    print("OK: every equilibrium set matches pygambit's" if ok else "FAIL: some equilibrium set differs from pygambit's")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
