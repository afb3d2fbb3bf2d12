#!/usr/bin/env python3
"""Benchmark a batched rollout on 1 and 2 local worker processes and on Ray: speed-up and identity.

    python experiments/bench_parallel.py [--situations 20] [--runs 200000] [--days 180] [--repeats 3] [--no-ray]

The batch is what the pipeline hands :func:`negsim.studies.parallel.roll_groups`: one group
of ``--situations`` distinct ceasefires (the realistic situation of ``bench_rollout.py``
with the verification in force from 0 to 1, Kabul deterred in every other one) on one
seed, ``--runs`` runs x ``--days`` days each, on ``configs/rollout/default.yaml``.

Measured in one run of this script (the machine may be shared, so the ratio of two
figures measured side by side matters more than either):

* **reference**: :func:`negsim.model.rollout.rollout_points` of the whole group, unsplit (once);
* **1 worker** and **2 local processes**: ``roll_groups(groups, Workers(1))`` and
  ``Workers(2)``, alternated, ``--repeats`` times each; medians;
* **Ray**: ``Workers(2, "ray")`` on a Ray instance started here with
  ``ray.init(num_cpus=2, include_dashboard=False)``, ``--repeats`` times, after the local runs.

Each run reports wall time (``time.perf_counter``), the driver's CPU (``time.process_time``)
and the workers' CPU: for local processes the CPU of the fork server's reaped children
(the workers are forked by the fork server, not by the driver, so the driver's own
``RUSAGE_CHILDREN`` does not see them; it is printed too), for Ray the CPU of every process
below the driver (the raylet, the GCS and the workers), both through psutil. One small
batch first starts the fork server (and the Ray workers) so that their start-up, reported
apart, is not in the timed runs.

Goal: 2 workers at least 1.7x faster (wall) than 1 on 2 idle cores. Because the machine may
not be idle, the CPU ceiling ``2 x CPU(1 worker) / CPU(2 processes)`` is printed too: the
speed-up two idle cores would give with the work split as it is (the split's own cost). Every result must
equal the reference array for array (``np.array_equal`` and the dtype); exit status 1 if not.
The load average (``os.getloadavg()``) is printed before and after each phase.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np
import psutil
from benchutil import cpu_name, usable_cpus

from negsim.io.configs import config_dir, load_yaml
from negsim.model.rollout import BLOCK, Situation, rollout_points
from negsim.model.scenario import build_rollout
from negsim.studies.parallel import Workers, plan_rollouts, roll_groups

GOAL_SPEEDUP = 1.7
ARRAYS = ("breakdown_day", "first_incident_day", "closed_days", "deaths", "final_level")


def situations(n: int) -> list[Situation]:
    """``n`` distinct realistic ceasefires: verification 0..1, deterred in every other one."""
    return [Situation(effort_hold=0.5, effort_violate=0.25, deterred=k % 2 == 0, verification=k / max(n - 1, 1),
                      deconfliction=0.3, punishment_days=30, start_level=1, border_closed=True, breakdown_level=3)
            for k in range(n)]


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def fork_server() -> psutil.Process | None:
    """The multiprocessing fork server started by this process, if any."""
    for child in psutil.Process().children():
        try:
            if any("forkserver" in part for part in child.cmdline()):
                return child
        except psutil.Error:
            continue
    return None


def local_workers_cpu() -> float:
    """CPU seconds of the fork server's reaped children (the local workers that have ended)."""
    server = fork_server()
    if server is None:
        return 0.0
    t = server.cpu_times()
    return t.children_user + t.children_system


def descendants_cpu() -> float:
    """CPU seconds of every live process below this one, and of their reaped children."""
    total = 0.0
    for p in psutil.Process().children(recursive=True):
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def children_rusage() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(fn, workers_cpu) -> tuple[dict, float, float, float, float]:
    """``(result, wall, driver CPU, workers' CPU, driver's RUSAGE_CHILDREN)`` of one call."""
    w0, c0, k0, r0 = time.perf_counter(), time.process_time(), workers_cpu(), children_rusage()
    out = fn()
    return (out, time.perf_counter() - w0, time.process_time() - c0, workers_cpu() - k0, children_rusage() - r0)


def same(a: dict, b: dict) -> list[str]:
    """What differs between two rollout dicts (empty: identical keys, arrays and dtypes)."""
    if list(a) != list(b):
        return ["keys"]
    return [f"{k[-1].verification:.2f}:{name}" for k in a for name in ARRAYS
            if getattr(a[k], name).dtype != getattr(b[k], name).dtype
            or not np.array_equal(getattr(a[k], name), getattr(b[k], name))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--situations", type=int, default=20)
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray runs")
    args = parser.parse_args(argv)
    if min(args.situations, args.runs, args.days, args.repeats) < 1:
        parser.error("--situations, --runs, --days and --repeats must be positive")

    start = time.perf_counter()
    params = build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml")).params
    groups = {(params, args.runs, args.days, args.seed, 16 * BLOCK): situations(args.situations)}
    small = {(params, 3 * BLOCK, 5, args.seed, 16 * BLOCK): situations(4)}
    print(f"negsim parallel rollout benchmark, seed {args.seed}, {time.strftime('%Y-%m-%d')}")
    print(f"machine: {cpu_name()}, {platform.system()}, cpu_count {os.cpu_count()}, usable {usable_cpus()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"batch: {args.situations} distinct situations x {args.runs:,} runs x {args.days} days "
          f"({args.situations * args.runs * args.days:,} situation-run-days), {-(-args.runs // BLOCK)} blocks")
    _, tasks, _ = plan_rollouts(groups, 2)
    print(f"2-worker plan: {len(tasks)} tasks of {sorted({b - a for a, b in (t.blocks for t in tasks if t.blocks)})} "
          f"blocks x {sorted({len(t.situations) for t in tasks})} situations")
    print()

    rows: dict[str, list[tuple[float, float, float, float]]] = {}
    bad: list[str] = []

    def record(name: str, fn, workers_cpu) -> None:
        out, *figures = measure(fn, workers_cpu)
        rows.setdefault(name, []).append(tuple(figures))
        diff = same(out, ref)
        bad.extend(f"{name}: {d}" for d in diff)
        print(f"   {name:<34} wall {figures[0]:7.2f} s  driver CPU {figures[1]:6.2f} s  workers CPU {figures[2]:6.2f} s"
              f"  {'identical' if not diff else 'DIFFERENT'}  (load {load()})", flush=True)

    print(f"== reference and local workers (load {load()})")
    ((params_, runs, days, seed, chunk), sits), = groups.items()
    ref, wall, cpu, _, _ = measure(lambda: dict(zip(
        [(params_, runs, days, seed, chunk, s) for s in sits],
        rollout_points(params_, sits, runs=runs, days=days, seed=seed, chunk_runs=chunk * len(sits)), strict=True)),
        lambda: 0.0)
    print(f"   {'rollout_points (reference)':<34} wall {wall:7.2f} s  driver CPU {cpu:6.2f} s  (load {load()})")
    t0 = time.perf_counter()
    roll_groups(small, Workers(2))
    print(f"   first pool of this process (fork server start, imports once): {time.perf_counter() - t0:.2f} s")
    for _ in range(args.repeats):
        record("roll_groups, 1 worker (here)", lambda: roll_groups(groups, Workers(1)), lambda: 0.0)
        record("roll_groups, 2 local processes", lambda: roll_groups(groups, Workers(2)), local_workers_cpu)

    if not args.no_ray:
        import ray

        print()
        print(f"== Ray (load {load()})")
        t0 = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        t1 = time.perf_counter()
        roll_groups(small, Workers(2, "ray"))
        print(f"   ray.init(num_cpus=2) {t1 - t0:.2f} s; first batch (worker processes start) "
              f"{time.perf_counter() - t1:.2f} s")
        try:
            for _ in range(args.repeats):
                record("roll_groups, Ray (2 CPUs)", lambda: roll_groups(groups, Workers(2, "ray")), descendants_cpu)
        finally:
            ray.shutdown()

    def med(name: str, k: int) -> float:
        return statistics.median(r[k] for r in rows[name])

    one = med("roll_groups, 1 worker (here)", 0)
    print()
    print(f"== medians of {args.repeats} (speed-up: 1 worker's median wall over the row's)")
    print(f"   {'run':<34} {'wall s':>8} {'driver CPU s':>13} {'workers CPU s':>14} {'speed-up':>9}")
    print(f"   {'rollout_points (reference, once)':<34} {wall:8.2f} {cpu:13.2f} {'':>14} {one / wall:8.2f}x")
    for name in rows:
        print(f"   {name:<34} {med(name, 0):8.2f} {med(name, 1):13.2f} {med(name, 2):14.2f} "
              f"{one / med(name, 0):8.2f}x")
    two = one / med("roll_groups, 2 local processes", 0)
    ceiling = 2 * med("roll_groups, 1 worker (here)", 1) / (med("roll_groups, 2 local processes", 1)
                                                           + med("roll_groups, 2 local processes", 2))
    print(f"   CPU ceiling on 2 idle cores, 2 x CPU(1 worker) / CPU(2 processes, driver + workers): {ceiling:.2f}x "
          "(what the split itself costs; the wall ratio also depends on what else runs)")
    print(f"   driver RUSAGE_CHILDREN during the 2-process runs (median): "
          f"{med('roll_groups, 2 local processes', 3):.2f} s (fork-server workers are not the driver's children)")
    print()
    print(f"   goal 2 local workers >= {GOAL_SPEEDUP}x 1 worker: {two:.2f}x -> {'MET' if two >= GOAL_SPEEDUP else 'NOT MET'}"
          f" (load {load()})")
    print(f"total wall time {time.perf_counter() - start:.1f} s")
    if bad:
        print("FAIL: results differ from the reference: " + ", ".join(bad[:10]))
        return 1
    print("OK: every run gave the reference's arrays, byte for byte")
    return 0


if __name__ == "__main__":
    sys.exit(main())
