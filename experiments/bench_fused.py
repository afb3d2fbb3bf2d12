#!/usr/bin/env python3
"""Benchmark the compiled rollout kernel (negsim.model.fused) against the numpy kernel: speed and identity.

    python experiments/bench_fused.py [--repeats 5] [--start-repeats 3] [--seed 0]

Two rollouts of :func:`negsim.model.rollout.rollout_points` on ``configs/rollout/default.yaml``,
each with ``kernel="numpy"`` and ``kernel="fused"`` alternated, ``--repeats`` times each:

* **(a) a sweep batch**: 60 situations x 10,000 runs x 180 days (the realistic situation of
  ``bench_rollout.py`` with verification 0, 0.2, .., 1 x de-confliction 0, 0.25, .., 1 x Kabul
  deterred or not), every point on the same uniforms;
* **(b) one ceasefire**: the realistic situation alone, 200,000 runs x 180 days.

Each figure is the median CPU time (``time.process_time``: the machine may be shared and
noisy) in ns per situation-run-day; the ratio numpy / fused is of the medians measured in
this run. The uniforms alone (the same ``Generator.random`` calls, 8 per run-day) are timed
too: no kernel drawing them can be faster.

**Start-up of the compiled kernel**, each in a fresh interpreter (CPU of ``import
negsim.model.fused``, which imports numba, plus the first call, a rollout of one run for one
day): *cold* with an empty numba cache (``NUMBA_CACHE_DIR`` a new folder: numba compiles),
*warm* with the cache that run left (numba loads it), and warm in an interpreter that has
imported ``scipy.special`` first, as every rollout does for its Wilson intervals (numba's
first call imports ``scipy.linalg``, which is then almost free). Medians of
``--start-repeats``. The break-even work ``warm cost / (numpy - fused ns)`` of each case is
what ``FUSED_MIN_WORK`` in :mod:`negsim.model.rollout` is set against.

Every fused result must equal the numpy result array for array (values, dtype, shape);
the exit status is 1 if one does not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from bench_rollout import SITUATION
from benchutil import cpu_name, usable_cpus

from negsim.io.configs import config_dir, load_yaml
from negsim.model.rollout import (
    BLOCK,
    DRAWS_PER_DAY,
    FUSED_MIN_WORK,
    RESULT_ARRAYS,
    CeasefireParams,
    Situation,
    _block_streams,
    rollout_points,
)
from negsim.model.scenario import build_rollout

DAYS = 180
#: The sweep the compiled kernel is for: points x runs x days, estimated from case (a).
SWEEP = (10_000, 10_000, DAYS)
#: What a fresh interpreter runs to time the compiled kernel's start (prints JSON).
START_PROBE = """
import json, sys, time
{before}
from negsim.io.configs import config_dir, load_yaml
from negsim.model.rollout import Situation, rollout_points
from negsim.model.scenario import build_rollout
params = build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml")).params
situation = Situation(effort_hold=0.5, effort_violate=0.25, deterred=True, verification=0.2, deconfliction=0.3)
t0 = time.process_time()
import negsim.model.fused
t1 = time.process_time()
rollout_points(params, [situation], runs=1, days=1, seed=0, kernel="fused")
t2 = time.process_time()
print(json.dumps({{"import": t1 - t0, "first_call": t2 - t1}}))
"""


def sweep_situations() -> list[Situation]:
    """60 distinct situations: verification 0..1 (6) x de-confliction 0..1 (5) x deterred or not."""
    return [Situation(effort_hold=0.5, effort_violate=0.25, deterred=deterred, verification=v, deconfliction=d,
                      punishment_days=30, start_level=1, border_closed=True, breakdown_level=3)
            for v in np.linspace(0.0, 1.0, 6) for d in np.linspace(0.0, 1.0, 5) for deterred in (True, False)]


def cpu_seconds(fn) -> tuple[float, object]:
    """CPU seconds of ``fn()`` in this process, and what it returned."""
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def identical(a: list, b: list) -> bool:
    """Whether two lists of RolloutResult agree array for array (values, dtype, shape)."""
    return len(a) == len(b) and all(
        getattr(x, n).dtype == getattr(y, n).dtype and np.array_equal(getattr(x, n), getattr(y, n))
        for x, y in zip(a, b, strict=True) for n in RESULT_ARRAYS)


def time_kernels(params: CeasefireParams, situations: list[Situation], runs: int, seed: int,
                 repeats: int) -> dict:
    """Median CPU seconds of the numpy and the fused kernel (alternated) and whether they agree."""
    times: dict[str, list[float]] = {"numpy": [], "fused": []}
    same = True
    for _ in range(repeats):
        results = {}
        for kernel in times:
            sec, results[kernel] = cpu_seconds(lambda k=kernel: rollout_points(
                params, situations, runs=runs, days=DAYS, seed=seed, kernel=k))
            times[kernel].append(sec)
        same &= identical(results["numpy"], results["fused"])
    return {"numpy": statistics.median(times["numpy"]), "fused": statistics.median(times["fused"]), "same": same,
            "work": len(situations) * runs * DAYS}


def time_uniforms(runs: int, seed: int, repeats: int) -> float:
    """Median CPU seconds of drawing the uniforms of ``runs`` runs x ``DAYS`` days in the rollout's
    blocks (``Generator.random(out=...)``, as the compiled kernel draws them)."""
    def draw() -> None:
        gens = _block_streams(np.random.SeedSequence(seed), 0, -(-runs // BLOCK))
        u = np.empty((DRAWS_PER_DAY, BLOCK))
        for _ in range(DAYS):
            for g in gens:
                g.random(out=u)

    return statistics.median(cpu_seconds(draw)[0] for _ in range(repeats))


def start_cost(cache: str, before: str = "") -> dict[str, float]:
    """CPU seconds of the compiled kernel's start in a fresh interpreter with numba's cache in ``cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    proc = subprocess.run([sys.executable, "-c", START_PROBE.format(before=before)], env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**out, "total": out["import"] + out["first_call"]}


def start_costs(repeats: int) -> dict[str, dict[str, float]]:
    """Medians of :func:`start_cost`, cold (a new cache each time), warm, and warm after scipy.special."""
    runs: dict[str, list[dict[str, float]]] = {"cold": [], "warm": [], "warm, scipy.special loaded": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            runs["cold"].append(start_cost(cache))
            runs["warm"].append(start_cost(cache))
            runs["warm, scipy.special loaded"].append(start_cost(cache, "import scipy.special"))
    return {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each kernel on each case")
    parser.add_argument("--start-repeats", type=int, default=3, help="fresh interpreters per start-up figure")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if min(args.repeats, args.start_repeats) < 1:
        parser.error("--repeats and --start-repeats must be positive")

    wall = time.perf_counter()
    params = build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml")).params
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    starts = start_costs(args.start_repeats)  # before this process imports numba: fresh interpreters anyway
    rollout_points(params, [SITUATION], runs=1, days=1, seed=0, kernel="fused")  # this process: numba loaded
    cases = {
        "(a) 60 situations x 10,000 runs": (sweep_situations(), 10_000),
        "(b) 1 situation x 200,000 runs": ([SITUATION], 200_000),
    }
    measured = {name: time_kernels(params, sits, runs, args.seed, args.repeats) for name, (sits, runs) in cases.items()}
    uniforms = {name: time_uniforms(runs, args.seed, args.repeats) for name, (_, runs) in cases.items()}

    print(f"negsim fused-kernel benchmark, seed {args.seed}, {time.strftime('%Y-%m-%d')}")
    print(f"machine: {cpu_name()}, {platform.system()}, usable cpus {usable_cpus()}, load average {load} at the "
          f"start, {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {sys.modules['numba'].__version__}")
    print(f"CPU time, medians of {args.repeats} alternated runs, {DAYS} days, configs/rollout/default.yaml")
    print()
    print(f"   {'case':<34} {'numpy ns':>9} {'fused ns':>9} {'ratio':>6} {'uniforms ns':>12} {'identical':>10}")
    warm = starts["warm"]["total"]
    ok = True
    for name, m in measured.items():
        per = {k: 1e9 * m[k] / m["work"] for k in ("numpy", "fused")}
        draws = 1e9 * uniforms[name] / m["work"]
        print(f"   {name:<34} {per['numpy']:>9.2f} {per['fused']:>9.2f} {per['numpy'] / per['fused']:>5.2f}x "
              f"{draws:>12.2f} {'yes' if m['same'] else 'NO':>10}")
        m["break_even"] = warm / ((per["numpy"] - per["fused"]) * 1e-9)
        ok &= m["same"]
    print("   (ns per situation-run-day; uniforms: the same Generator.random calls alone, shared by the situations)")
    print()
    print(f"   start of the compiled kernel, CPU s, medians of {args.start_repeats} fresh interpreters:")
    for name, s in starts.items():
        print(f"      {name:<28} import (numba) {s['import']:6.2f}   first call {s['first_call']:6.2f}   "
              f"total {s['total']:6.2f}")
    for name, m in measured.items():
        print(f"   break-even work of {name}: warm start / (numpy - fused) = {m['break_even']:.3g} "
              f"situation-run-days")
    print(f"   FUSED_MIN_WORK (kernel='auto' compiles from): {FUSED_MIN_WORK:.3g} situation-run-days")
    a = measured["(a) 60 situations x 10,000 runs"]
    work = SWEEP[0] * SWEEP[1] * SWEEP[2]
    print(f"   a sweep of {SWEEP[0]:,} points x {SWEEP[1]:,} runs x {SWEEP[2]} days at case (a)'s rates, one core: "
          f"numpy {work * a['numpy'] / a['work'] / 60:.1f} min, fused {work * a['fused'] / a['work'] / 60:.1f} min")
    print()
    print(f"total wall time {time.perf_counter() - wall:.1f} s")
    if not ok:
        print("FAIL: the fused kernel's results differ from numpy's")
        return 1
    print("OK: the fused kernel gives numpy's arrays, bit for bit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
