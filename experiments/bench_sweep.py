#!/usr/bin/env python3
"""Benchmark batched leverage sweeps through the ``negsim`` command against one run.

    python experiments/bench_sweep.py small [--points 201] [--runs 2000]
    python experiments/bench_sweep.py scale [--points 1000] [--runs 10000] [--n-jobs 2]

Each command runs in a fresh temporary folder, as a subprocess, with wall time
(``time.perf_counter``), the CPU time of the driver process (``os.wait4``; the workers'
is not in it) and the peak resident memory of the process tree (the driver, the fork
server and its workers, summed, sampled every 0.2 s from ``/proc``).

* **small**: the issue's first goal. ``negsim -m 'mediator.verification=range(0,1.0001,
  STEP)' rollout.runs=R`` (``--points`` values) against one ``negsim rollout.runs=R``
  measured just before it; prints the ratio of wall times (goal: under 6).
* **scale**: ``--points`` values of ``mediator.verification`` in [0, 1) at
  ``rollout.runs=R`` x 180 days on ``workers.n_jobs=--n-jobs``; prints the seconds per
  point of the sweep (the command's fixed cost, a 1-point sweep measured in the same
  run, taken off) and the estimate for 10,000 points (goal: under 10 minutes of wall
  time on 2 cores, peak memory under 2 GiB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NEGSIM = [sys.executable, "-c", "from negsim.app.command import main; main()"]


def _tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and its descendants (from ``/proc``; 0 where unreadable)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(stat[1])
            rss[int(entry)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, grew = {root}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(rss.get(p, 0) for p in tree)


def measure(args: list[str], cwd: Path) -> dict[str, float]:
    """Wall s, driver CPU s and tree peak RSS bytes of ``negsim args`` (exit 1 if it fails)."""
    start = time.perf_counter()
    proc = subprocess.Popen(NEGSIM + args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    wall = time.perf_counter() - start
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"negsim {' '.join(args)} failed:\n{err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak": peak[0]}


def _show(name: str, m: dict[str, float]) -> None:
    print(f"{name:<44} {m['wall']:8.1f} s wall {m['cpu']:8.1f} s CPU (driver) {m['peak'] / 2**20:8.0f} MiB peak",
          flush=True)


def small(points: int, runs: int, where: Path) -> None:
    step = 1 / (points - 1)
    one = measure([f"rollout.runs={runs}", f"hydra.run.dir={where / 'one'}"], where)
    _show(f"one run, rollout.runs={runs}", one)
    sweep = measure(["-m", f"mediator.verification=range(0,{1 + step / 50:g},{step:g})", f"rollout.runs={runs}",
                     f"hydra.sweep.dir={where / 'sweep'}"], where)
    _show(f"batched sweep of {points} points", sweep)
    print(f"sweep / one run: {sweep['wall'] / one['wall']:.1f}x wall (goal under 6), "
          f"{sweep['cpu'] / one['cpu']:.1f}x CPU")


def scale(points: int, runs: int, n_jobs: int, where: Path) -> None:
    common = [f"rollout.runs={runs}", f"workers.n_jobs={n_jobs}"]
    fixed = measure(["-m", "mediator.verification=0.5", *common, f"hydra.sweep.dir={where / 'fixed'}"], where)
    _show("1-point sweep (the command's fixed cost)", fixed)
    sweep = measure(["-m", f"mediator.verification=range(0,1,{1 / points:g})", *common,
                     f"hydra.sweep.dir={where / 'sweep'}"], where)
    _show(f"{points}-point sweep, {n_jobs} worker(s)", sweep)
    per_point = (sweep["wall"] - fixed["wall"]) / (points - 1)
    estimate = fixed["wall"] + per_point * 10_000
    print(f"per point {per_point * 1e3:.0f} ms wall; 10,000 points estimated {estimate / 60:.1f} min "
          f"(goal under 10), peak {sweep['peak'] / 2**30:.2f} GiB (goal under 2; chunks are written and freed, "
          f"so the peak does not grow with the points)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=("small", "scale"))
    parser.add_argument("--points", type=int)
    parser.add_argument("--runs", type=int)
    parser.add_argument("--n-jobs", type=int, default=2)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if a.case == "small":
            small(a.points or 201, a.runs or 2000, Path(tmp))
        else:
            scale(a.points or 1000, a.runs or 10_000, a.n_jobs, Path(tmp))


if __name__ == "__main__":
    main()
