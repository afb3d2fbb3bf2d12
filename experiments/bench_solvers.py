#!/usr/bin/env python3
"""Benchmark negsim's batch equilibrium solver against pygambit, nashpy and itself.

    python experiments/bench_solvers.py [--games 10000] [--reference-games 1000] [--seed 0]

(or ``python3 tasks.py bench``, which sets up ``.venv`` first). Two suites of 3x3 games:

* **talks**: the Istanbul-round-two talks game over a mediator-leverage grid,
  ``transfer_pledge`` in [0, 5] payoff units times ``verification`` in [0, 1] (100 x 100
  for 10,000 games; for another ``--games`` count the grid is about square and cut to the
  count). The grid alone gives distinct payoff matrices (no random perturbation).
* **random**: independent standard-normal payoffs for both players (generic games, more
  mixed equilibria).

For each suite, all games are solved by :func:`negsim.solve_batch` (``method="enumerate"``,
best of ``--repeats`` runs). A random subsample of ``--reference-games`` of the same games
is solved one game at a time by

* pygambit: ``gbt.Game.from_arrays(A, B)`` + ``gbt.nash.enummixed_solve(g, rational=False)``,
  timed with game construction included (and, for reference, the solve alone);
* nashpy: ``list(nashpy.Game(A, B).support_enumeration())`` (construction included);
* negsim's single-game path: ``negsim.solve(Game(A, B))`` (construction included).

Every solver is warmed up on a few games first; the batch solver, pygambit and the
single-game path report the best of ``--repeats`` passes, nashpy (the slowest by far) one
pass. Equilibrium sets are compared game by
game with pygambit as the oracle (as sets: duplicates removed, entries within 1e-6). The
exit status is 1 only if the batch solver disagrees with pygambit on some game; nashpy's
disagreements (it can miss equilibria of degenerate games) are reported, not fatal.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field

import nashpy
import numpy as np
import pygambit as gbt
from benchutil import cpu_name, usable_cpus

from negsim.game import Game
from negsim.model.payoffs import payoff_grid
from negsim.model.scenario import load_scenario
from negsim.solvers import solve, solve_batch

#: Two equilibria are the same when every probability differs by at most this.
MATCH_TOL = 1e-6
#: Reference solvers are run on this many games before their timed pass.
WARMUP_GAMES = 20
#: The goal: batch at least this many times faster per game than pygambit.
GOAL_SPEEDUP = 10.0

Profiles = list[np.ndarray]  # each equilibrium as the concatenation (x, y)


# --------------------------------------------------------------------------- games


def talks_games(n_games: int) -> tuple[np.ndarray, np.ndarray, str]:
    """``n_games`` talks games from a transfer_pledge x verification grid, shape (n, 3, 3)."""
    scenario = load_scenario("istanbul_round2")
    n_t = max(1, round(math.sqrt(n_games)))
    n_v = math.ceil(n_games / n_t)
    A, B, _ = payoff_grid(
        scenario,
        transfer_pledge=np.linspace(0.0, 5.0, n_t),
        verification=np.linspace(0.0, 1.0, n_v),
    )
    m, n = A.shape[-2:]
    A, B = A.reshape(-1, m, n)[:n_games], B.reshape(-1, m, n)[:n_games]
    desc = (
        f"istanbul_round2 talks game, transfer_pledge 0..5 ({n_t} values) x verification "
        f"0..1 ({n_v} values), first {n_games} grid points"
    )
    return np.ascontiguousarray(A), np.ascontiguousarray(B), desc


def random_games(n_games: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """``n_games`` 3x3 games with independent standard-normal payoffs."""
    A = rng.standard_normal((n_games, 3, 3))
    B = rng.standard_normal((n_games, 3, 3))
    return A, B, "3x3, A and B i.i.d. standard normal"


# --------------------------------------------------------------------------- solvers


def run_pygambit(A: np.ndarray, B: np.ndarray, repeats: int) -> tuple[list[Profiles], float, float]:
    """Solve games one by one with pygambit's float enummixed.

    Returns the equilibria, the best of ``repeats`` passes in seconds for construction +
    solve, and the same for the solve alone (games built beforehand). Reading the
    probabilities back is not timed.
    """
    for a, b in zip(A[:WARMUP_GAMES], B[:WARMUP_GAMES], strict=True):
        gbt.nash.enummixed_solve(gbt.Game.from_arrays(a, b), rational=False)
    total = solve_only = math.inf
    for _ in range(repeats):
        results = []
        t0 = time.perf_counter()
        for a, b in zip(A, B, strict=True):
            g = gbt.Game.from_arrays(a, b)
            results.append((g, gbt.nash.enummixed_solve(g, rational=False)))
        total = min(total, time.perf_counter() - t0)

    games = [gbt.Game.from_arrays(a, b) for a, b in zip(A, B, strict=True)]
    for _ in range(repeats):
        t0 = time.perf_counter()
        for g in games:
            gbt.nash.enummixed_solve(g, rational=False)
        solve_only = min(solve_only, time.perf_counter() - t0)

    out = []
    for g, res in results:
        row, col = g.players
        out.append([
            np.array([float(eq[s]) for s in row.strategies] + [float(eq[s]) for s in col.strategies])
            for eq in res.equilibria
        ])
    return out, total, solve_only


def run_nashpy(A: np.ndarray, B: np.ndarray) -> tuple[list[Profiles], float]:
    """Solve games one by one with nashpy's support enumeration (construction timed).

    One timed pass only: it is by far the slowest, and repeating it would dominate the
    run time.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its "even number of equilibria" warning on degenerate games
        for a, b in zip(A[:WARMUP_GAMES], B[:WARMUP_GAMES], strict=True):
            list(nashpy.Game(a, b).support_enumeration())
        results = []
        t0 = time.perf_counter()
        for a, b in zip(A, B, strict=True):
            results.append(list(nashpy.Game(a, b).support_enumeration()))
        elapsed = time.perf_counter() - t0
    return [[np.concatenate([x, y]) for x, y in eqs] for eqs in results], elapsed


def run_single(A: np.ndarray, B: np.ndarray, repeats: int) -> tuple[list[Profiles], float]:
    """Solve games one by one with negsim's single-game path (construction timed, best pass)."""
    for a, b in zip(A[:WARMUP_GAMES], B[:WARMUP_GAMES], strict=True):
        solve(Game(a, b))
    elapsed = math.inf
    for _ in range(repeats):
        results = []
        t0 = time.perf_counter()
        for a, b in zip(A, B, strict=True):
            results.append(solve(Game(a, b)))
        elapsed = min(elapsed, time.perf_counter() - t0)
    return [[np.concatenate(eq.strategies) for eq in eqs] for eqs in results], elapsed


def run_batch(A: np.ndarray, B: np.ndarray, repeats: int):
    """Solve all games with :func:`solve_batch`; best wall time of ``repeats`` runs."""
    solve_batch(A[:WARMUP_GAMES], B[:WARMUP_GAMES])
    best, result = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = solve_batch(A, B)
        best = min(best, time.perf_counter() - t0)
    return result, best


# --------------------------------------------------------------------------- comparison


def _unique(profiles: Profiles, tol: float) -> list[np.ndarray]:
    kept: list[np.ndarray] = []
    for p in profiles:
        if not any(np.max(np.abs(p - q)) <= tol for q in kept):
            kept.append(p)
    return kept


def compare(found: Profiles, oracle: Profiles, tol: float = MATCH_TOL) -> tuple[int, int]:
    """Equilibria of ``oracle`` missing from ``found``, and ``found``'s extra ones (as sets)."""
    f, o = _unique(found, tol), _unique(oracle, tol)
    missing = sum(not any(np.max(np.abs(p - q)) <= tol for q in f) for p in o)
    extra = sum(not any(np.max(np.abs(p - q)) <= tol for q in o) for p in f)
    return missing, extra


@dataclass
class Agreement:
    games: int = 0  # games whose equilibrium set differs from pygambit's
    missing: int = 0  # pygambit equilibria not found
    extra: int = 0  # equilibria pygambit does not list

    def add(self, found: Profiles, oracle: Profiles) -> None:
        missing, extra = compare(found, oracle)
        if missing or extra:
            self.games += 1
            self.missing += missing
            self.extra += extra

    def __str__(self) -> str:
        if not self.games:
            return "agrees on every game"
        return f"differs on {self.games} games ({self.missing} missing, {self.extra} extra equilibria)"


@dataclass
class SuiteResult:
    name: str
    description: str
    n_games: int
    n_ref: int
    timings: list[tuple[str, int, float]] = field(default_factory=list)  # (label, games, seconds)
    agreement: dict[str, Agreement] = field(default_factory=dict)
    eq_counts: str = ""
    gambit_duplicates: int = 0

    def ms(self, label: str) -> float:
        for lab, n, sec in self.timings:
            if lab == label:
                return 1e3 * sec / n
        raise KeyError(label)


BATCH = "negsim solve_batch, all games in one call"  # best of repeats
SINGLE = "negsim solve(Game(A, B)), one game per call"  # best of repeats
GAMBIT = "pygambit enummixed float, incl. from_arrays"  # best of repeats
GAMBIT_SOLVE = "pygambit enummixed float, solve only"  # best of repeats
NASHPY = "nashpy support_enumeration, incl. Game(), 1 pass"


def run_suite(name: str, A, B, description: str, n_ref: int, repeats: int,
              rng: np.random.Generator) -> SuiteResult:
    n_games = len(A)
    n_ref = min(n_ref, n_games)
    res = SuiteResult(name, description, n_games, n_ref)
    print(f"[{name}] batch: {n_games} games x {repeats} repeats ...", flush=True)
    batch, t_batch = run_batch(A, B, repeats)
    res.timings.append((BATCH, n_games, t_batch))
    counts = np.bincount(batch.counts.ravel())
    res.eq_counts = ", ".join(f"{c} games with {k}" for k, c in enumerate(counts) if c)

    idx = np.sort(rng.choice(n_games, size=n_ref, replace=False))
    As, Bs = A[idx], B[idx]
    print(f"[{name}] pygambit on {n_ref} games ...", flush=True)
    gambit, t_gambit, t_gambit_solve = run_pygambit(As, Bs, repeats)
    print(f"[{name}] nashpy on {n_ref} games ...", flush=True)
    nash, t_nash = run_nashpy(As, Bs)
    print(f"[{name}] negsim single-game path on {n_ref} games ...", flush=True)
    single, t_single = run_single(As, Bs, repeats)
    res.timings += [
        (SINGLE, n_ref, t_single),
        (GAMBIT, n_ref, t_gambit),
        (GAMBIT_SOLVE, n_ref, t_gambit_solve),
        (NASHPY, n_ref, t_nash),
    ]

    batch_profiles = [
        [np.concatenate(eq.strategies) for eq in batch.for_game(int(i))] for i in idx
    ]
    res.agreement = {"negsim batch": Agreement(), "negsim single": Agreement(), "nashpy": Agreement()}
    for k in range(n_ref):
        res.agreement["negsim batch"].add(batch_profiles[k], gambit[k])
        res.agreement["negsim single"].add(single[k], gambit[k])
        res.agreement["nashpy"].add(nash[k], gambit[k])
        res.gambit_duplicates += len(gambit[k]) > len(_unique(gambit[k], MATCH_TOL))
    return res


# --------------------------------------------------------------------------- report


def machine() -> list[str]:
    usable = usable_cpus()
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_name = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        blas_name = "unknown"
    threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
               if k in os.environ}
    cpu = cpu_name()
    return [
        f"machine: {cpu}, {platform.system()}, cpu_count {os.cpu_count()}, usable {usable}",
        f"python {platform.python_version()}, numpy {np.__version__}, pygambit {gbt.__version__}, "
        f"nashpy {nashpy.__version__}",
        f"BLAS: {blas_name}; thread variables: {threads or 'none set'}",
        "BLAS note: for 3x3 games the batch solver solves its small systems by closed forms "
        "and vectorised elimination (no LAPACK) and otherwise runs elementwise numpy and "
        "einsums of tiny matrices, far below BLAS's threading threshold: it is effectively "
        "single-threaded, like pygambit and nashpy, so the ratios compare one core with "
        "one core and should not depend on the BLAS thread count.",
    ]


def print_suite(res: SuiteResult) -> None:
    print()
    print(f"== {res.name}: {res.description}")
    print(f"   equilibria (batch): {res.eq_counts}")
    print(f"   reference subsample: {res.n_ref} of {res.n_games} games")
    print()
    b = res.ms(BATCH)
    print(f"   {'solver':<50} {'games':>6} {'ms/game':>9} {'batch speed-up':>15}")
    for label, n, sec in res.timings:
        ms = 1e3 * sec / n
        print(f"   {label:<50} {n:>6} {ms:>9.4f} {ms / b:>14.1f}x")
    print()
    for solver, agr in res.agreement.items():
        print(f"   vs pygambit, {solver:<14} {agr}")
    print(f"   pygambit listed an equilibrium twice in {res.gambit_duplicates} games (compared as sets)")
    speedup = res.ms(GAMBIT) / b
    verdict = "MET" if speedup >= GOAL_SPEEDUP else "NOT MET"
    print(
        f"   goal (batch >= {GOAL_SPEEDUP:.0f}x faster per game than pygambit incl. construction): "
        f"{speedup:.1f}x -> {verdict}; against pygambit's solve alone: "
        f"{res.ms(GAMBIT_SOLVE) / b:.1f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=10_000, help="games per suite for the batch solver")
    parser.add_argument("--reference-games", type=int, default=1_000,
                        help="random subsample solved one at a time by pygambit, nashpy and negsim.solve")
    parser.add_argument("--seed", type=int, default=0, help="seed for the random games and subsamples")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed passes of the batch, pygambit and single-game runs; the best is reported")
    args = parser.parse_args(argv)
    if args.games < 1 or args.reference_games < 1 or args.repeats < 1:
        parser.error("--games, --reference-games and --repeats must be positive")

    rng_talks_sample, rng_random_games, rng_random_sample = (
        np.random.default_rng(s) for s in np.random.SeedSequence(args.seed).spawn(3)
    )
    start = time.perf_counter()
    suites = [
        run_suite("talks", *talks_games(args.games), args.reference_games, args.repeats, rng_talks_sample),
        run_suite("random", *random_games(args.games, rng_random_games), args.reference_games,
                  args.repeats, rng_random_sample),
    ]
    print()
    print(f"negsim solver benchmark, seed {args.seed}, {time.strftime('%Y-%m-%d')}")
    for line in machine():
        print(line)
    for res in suites:
        print_suite(res)
    print()
    print(f"total wall time {time.perf_counter() - start:.1f} s")

    failed = [r.name for r in suites if r.agreement["negsim batch"].games]
    if failed:
        print(f"FAIL: the batch solver disagrees with pygambit in suite(s): {', '.join(failed)}")
        return 1
    print("OK: the batch solver agrees with pygambit on every subsampled game")
    return 0


if __name__ == "__main__":
    sys.exit(main())
