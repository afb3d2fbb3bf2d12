#!/usr/bin/env python3
"""Benchmark the three ways of running a leverage sweep through the ``negsim`` command.

    python experiments/bench_sweep.py [--points 50] [--runs 10000] [--days 180] [--keep]

The sweep is ``mediator.transfer_pledge`` at ``--points`` values evenly spaced in [0, 4]
(default scenario, ``rollout.runs=--runs``, ``rollout.days=--days``). One run of this
script times, wall clock (``time.perf_counter`` around ``subprocess.run``), each in a
fresh temporary folder and with ``OMP_NUM_THREADS=1``:

* **basic**: ``negsim -m mediator.transfer_pledge=V1,...,Vn rollout.runs=R rollout.days=D
  hydra.sweep.dir=DIR`` (Hydra's basic launcher: one job per point, one after the other,
  in one process);
* **joblib(2)**: the same with ``hydra/launcher=joblib hydra.launcher.n_jobs=2`` (two
  local worker processes);
* **fast path**: ``negsim -m mediator.transfer_pledge=V1,...,Vn ... fast=true
  hydra.run.dir=DIR`` (one process: batch solver, then every point's rollout on shared
  random numbers).

Each writes ``DIR/table.csv``; the three must be byte-identical (exit status 1 if not,
or if a command fails).

Goals: joblib(2) at least 1.7x faster than basic, and the fast path at least as fast as
joblib(2) (t_joblib / t_fast >= 1.0).

To show where the time goes, it also measures:

* **per-point overhead**: a basic multirun of the same points with ``rollout.runs=0``
  (Hydra job set-up, compose, solve, writing ``metrics.json``; no rollout), divided by
  the number of points; and, to separate the fixed cost of the command (interpreter and
  imports, the pre-flight check, aggregation and plots), the same with one point, which
  gives the marginal per-point overhead ``(t0(n) - t0(1)) / (n - 1)``;
* **in-process compute**: :func:`negsim.studies.pipeline.run_point` on one composed point
  (the middle value of the sweep; best of 3), with and without the rollout, and
  :func:`negsim.studies.pipeline.run_points` on all the points (what the fast path computes,
  without the command around it; one pass; its ``p_breakdown`` must equal the tables');
* **config handling**: composing one point's config (with and without Hydra's own node)
  and validating it (:func:`negsim.app.config.point_from_config`), which the command does
  several times per point (pre-flight check, Hydra's sweeper check, the launcher, the
  job). A per-point model built from these figures is printed beside the measurements;
* **where the wall time went** in each command, from the modification times of the files
  it wrote (:func:`phases`): start-up and pre-flight check, Hydra's sweeper check (and,
  for joblib, the workers' start), the jobs, aggregation and plots.

``--keep`` keeps the temporary folders (they are also kept if the tables differ).

The load average (``os.getloadavg()``) is printed at the start and after each timing:
the machine may be shared.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchutil import console_script


def load() -> str:
    """The 1, 5 and 15 minute load averages, as text."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def negsim_command() -> list[str]:
    """The ``negsim`` console script of this interpreter's environment."""
    return console_script("negsim", "bench_sweep")


#: Epoch times at the start and end of each timed command, for :func:`phases`.
SPANS: dict[str, tuple[float, float]] = {}


def timed(name: str, args: list[str], log: Path, env: dict[str, str], key: str) -> float:
    """Run ``args``, stdout and stderr to ``log``; wall-clock seconds. Exit 1 on failure."""
    with open(log, "w") as fh:
        start = time.time()
        t0 = time.perf_counter()
        proc = subprocess.run(args, stdout=fh, stderr=subprocess.STDOUT, env=env, check=False)
        seconds = time.perf_counter() - t0
        SPANS[key] = (start, time.time())
    print(f"   {name:<40} {seconds:8.2f} s   (load {load()})", flush=True)
    if proc.returncode != 0:
        tail = log.read_text().splitlines()[-15:]
        print(f"FAILED: {name} exited with status {proc.returncode}; end of {log}:", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
        sys.exit(1)
    return seconds


def phases(key: str, folder: Path, fast: bool) -> list[tuple[str, float]]:
    """Where a command's wall time went, from the times its output files were written.

    Hydra writes ``.hydra/config.yaml`` when a job (or the fast path's single run) starts,
    and each point's ``metrics.json`` is written last. For a multirun, ``multirun.yaml``
    is written after the start-up and negsim's pre-flight check (which composes and
    validates every point), just before Hydra's sweeper composes every point again to
    check it; the first job starts after that check.
    """
    start, end = SPANS[key]
    starts = [p.stat().st_mtime for p in folder.glob("points/*/.hydra/config.yaml")]
    ends = [p.stat().st_mtime for p in folder.glob("points/*/metrics.json")]
    if fast:
        run_start = (folder / ".hydra" / "config.yaml").stat().st_mtime
        return [
            ("start-up + pre-flight (compose and validate every point)", run_start - start),
            ("fast path: merge + validate every point, run_points", min(ends) - run_start),
            ("write every point's metrics.json and rollout.npz", max(ends) - min(ends)),
            ("aggregate: table.csv, parquet, plots; exit", end - max(ends)),
        ]
    yaml = (folder / "multirun.yaml").stat().st_mtime
    in_jobs = sum(
        (d / "metrics.json").stat().st_mtime - (d / ".hydra" / "config.yaml").stat().st_mtime
        for d in folder.glob("points/*") if (d / "metrics.json").exists()
    )
    return [
        ("start-up + pre-flight (compose and validate every point)", yaml - start),
        ("sweeper check (compose every point), joblib: + worker start", min(starts) - yaml),
        ("jobs, first start to last metrics.json", max(ends) - min(starts)),
        ("  of which inside jobs (config.yaml to metrics.json), summed", in_jobs),
        ("aggregate: table.csv, parquet, plots; exit", end - max(ends)),
    ]


def in_process(values: list[str], runs: int, days: int) -> dict[str, float]:
    """Where one point's time goes inside a process, and run_points on all the points.

    Times (seconds): ``compose`` one point's config (median of 3 values), ``compose_hydra``
    the same with the Hydra node (what Hydra's sweeper and launcher load per job),
    ``validate`` (:func:`~negsim.app.config.point_from_config`, median of 3),
    ``run_point`` and ``run_point_solve_only`` (``rollout.runs=0``) on the middle point
    (best of 3), and ``run_points`` on every point (one pass). The points given to
    ``run_points`` are built from one composed config with only the mediator's
    ``transfer_pledge`` changed (scenario and talks game rebuilt), which gives the same
    numbers as composing each point but skips ``n`` composes; ``p_breakdown`` is
    returned per value so that the caller can check it against the tables.
    """
    import dataclasses
    import statistics

    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    import negsim.app.cli  # noqa: F401  (registers the run_schema config node)
    from negsim.app.config import point_from_config
    from negsim.io.configs import config_dir
    from negsim.model.scenario import build_scenario
    from negsim.model.talks import talks_game
    from negsim.studies.pipeline import run_point, run_points

    common = [f"rollout.runs={runs}", f"rollout.days={days}"]
    mid = values[len(values) // 2]
    probe = [values[0], mid, values[-1]]
    t_compose, t_compose_hydra, t_validate = [], [], []
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        compose(config_name="config", overrides=common)  # warm-up
        for v in probe:
            t0 = time.perf_counter()
            cfg = compose(config_name="config", overrides=[f"mediator.transfer_pledge={v}", *common])
            t1 = time.perf_counter()
            point = point_from_config(cfg)
            t2 = time.perf_counter()
            compose(config_name="config", overrides=[f"mediator.transfer_pledge={v}", *common], return_hydra_config=True)
            t3 = time.perf_counter()
            t_compose.append(t1 - t0)
            t_validate.append(t2 - t1)
            t_compose_hydra.append(t3 - t2)
        cfg = compose(config_name="config", overrides=[f"mediator.transfer_pledge={mid}", *common])
        point = point_from_config(cfg)
        solve_only = point_from_config(
            compose(config_name="config", overrides=[f"mediator.transfer_pledge={mid}", "rollout.runs=0", f"rollout.days={days}"])
        )
    points = []
    for v in values:
        mediator = OmegaConf.create(OmegaConf.to_container(cfg.mediator, resolve=True))
        mediator.transfer_pledge = float(v)
        scenario = build_scenario(cfg.scenario, cfg.game, mediator)
        points.append(dataclasses.replace(point, scenario=scenario, game=talks_game(scenario)))
    run_point(solve_only)  # warm-up: imports of the solver, selection and report modules
    run_point(point)
    best = {"run_point": np.inf, "run_point_solve_only": np.inf}
    for _ in range(3):
        t0 = time.perf_counter()
        run_point(solve_only)
        best["run_point_solve_only"] = min(best["run_point_solve_only"], time.perf_counter() - t0)
        t0 = time.perf_counter()
        run_point(point)
        best["run_point"] = min(best["run_point"], time.perf_counter() - t0)
    t0 = time.perf_counter()
    outcomes = run_points(points)
    best["run_points"] = time.perf_counter() - t0
    best["compose"] = statistics.median(t_compose)
    best["compose_hydra"] = statistics.median(t_compose_hydra)
    best["validate"] = statistics.median(t_validate)
    best["p_breakdown"] = {float(v): o.metrics["rollout"]["p_breakdown"] for v, o in zip(values, outcomes, strict=True)}
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=50, help="sweep points, transfer_pledge evenly spaced in [0, 4]")
    ap.add_argument("--runs", type=int, default=10000, help="rollout runs per point")
    ap.add_argument("--days", type=int, default=180, help="rollout horizon in days")
    ap.add_argument("--keep", action="store_true", help="keep the temporary output folders")
    args = ap.parse_args()
    if args.points < 2:
        ap.error("--points must be at least 2")

    n = args.points
    values = [f"{v:.6g}" for v in np.linspace(0.0, 4.0, n)]
    sweep = f"mediator.transfer_pledge={','.join(values)}"
    size = [f"rollout.runs={args.runs}", f"rollout.days={args.days}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = negsim_command()
    root = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    wall0 = time.perf_counter()
    load_start = load()

    print(f"== sweep benchmark: {n} points (transfer_pledge {values[0]} .. {values[-1]}), "
          f"{args.runs} runs x {args.days} days per point")
    print(f"   {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; load average at start {load_start} (1/5/15 min)")
    print(f"   output under {root}\n")

    dirs = {k: root / k for k in ("basic", "joblib", "fast", "zero", "zero1")}
    t = {}
    t["basic"] = timed("basic launcher, sequential", [*cmd, "-m", sweep, *size, f"hydra.sweep.dir={dirs['basic']}"],
                       root / "basic.log", env, "basic")
    t["joblib"] = timed("joblib launcher, n_jobs=2",
                        [*cmd, "-m", sweep, *size, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
                         f"hydra.sweep.dir={dirs['joblib']}"], root / "joblib.log", env, "joblib")
    t["fast"] = timed("grid fast path (fast=true)", [*cmd, "-m", sweep, *size, "fast=true", f"hydra.run.dir={dirs['fast']}"],
                      root / "fast.log", env, "fast")
    t["zero"] = timed(f"basic, rollout.runs=0, {n} points",
                      [*cmd, "-m", sweep, "rollout.runs=0", f"rollout.days={args.days}", f"hydra.sweep.dir={dirs['zero']}"],
                      root / "zero.log", env, "zero")
    t["zero1"] = timed("basic, rollout.runs=0, 1 point",
                       [*cmd, "-m", f"mediator.transfer_pledge={values[n // 2]}", "rollout.runs=0",
                        f"rollout.days={args.days}", f"hydra.sweep.dir={dirs['zero1']}"], root / "zero1.log", env, "zero1")
    os.environ["OMP_NUM_THREADS"] = "1"  # numpy is already imported; BLAS plays no part in the timed code
    t0 = time.perf_counter()
    ip = in_process(values, args.runs, args.days)
    print(f"   {'in-process run_point / run_points':<40} {time.perf_counter() - t0:8.2f} s   (load {load()})")

    tables = {k: dirs[k] / "table.csv" for k in ("basic", "joblib", "fast")}
    missing = [k for k, p in tables.items() if not p.is_file()]
    if missing:
        print(f"FAILED: no table.csv from {', '.join(missing)}", file=sys.stderr)
        sys.exit(1)
    identical = all(filecmp.cmp(tables["basic"], tables[k], shallow=False) for k in ("joblib", "fast"))
    rows = len(tables["basic"].read_text().splitlines()) - 1

    per_point_overhead = t["zero"] / n
    marginal_overhead = (t["zero"] - t["zero1"]) / (n - 1)
    compute_estimate = t["basic"] / n - per_point_overhead
    speedup_joblib = t["basic"] / t["joblib"]
    speedup_fast = t["joblib"] / t["fast"]
    with open(tables["basic"], newline="") as fh:
        table_p = {float(r["mediator.transfer_pledge"]): float(r["p_breakdown"]) for r in csv.DictReader(fh)}
    same_numbers = table_p == ip["p_breakdown"]

    print("\n== results")
    print(f"   {'path':<44} {'seconds':>8} {'s/point':>8} {'vs basic':>9}")
    for key, label in (("basic", "basic launcher (sequential)"), ("joblib", "joblib launcher, n_jobs=2"),
                       ("fast", "grid fast path (fast=true)")):
        print(f"   {label:<44} {t[key]:8.2f} {t[key] / n:8.3f} {t['basic'] / t[key]:8.2f}x")
    print()
    print(f"   per-point overhead, basic with rollout.runs=0: {t['zero']:.2f} s / {n} = {per_point_overhead:.3f} s/point")
    print(f"     fixed cost of one command (1 point, runs=0): {t['zero1']:.2f} s; "
          f"marginal overhead (t0({n}) - t0(1)) / {n - 1} = {marginal_overhead:.3f} s/point")
    print(f"   in-process compute per point: run_point {ip['run_point']:.3f} s "
          f"(solve, select, metrics without rollout {ip['run_point_solve_only']:.3f} s; rollout "
          f"{ip['run_point'] - ip['run_point_solve_only']:.3f} s)")
    print(f"     estimate basic/points - overhead: {t['basic'] / n:.3f} - {per_point_overhead:.3f} = {compute_estimate:.3f} s/point")
    print(f"   in-process run_points on all {n} points (the fast path's compute): {ip['run_points']:.2f} s "
          f"= {ip['run_points'] / n:.3f} s/point; p_breakdown equal to table.csv: {'yes' if same_numbers else 'NO'}")
    c, ch, v, r = ip["compose"], ip["compose_hydra"], ip["validate"], ip["run_point"]
    print(f"   config handling, in-process, one point (median of 3): compose {c:.3f} s, compose with the hydra node "
          f"{ch:.3f} s, validate (point_from_config) {v:.3f} s")
    print("   per-point model (seconds per point, from the in-process figures):")
    print(f"     basic:  preflight compose+validate {c + v:.2f} + sweeper check compose {ch:.2f} + launcher compose "
          f"{ch:.2f} + job validate {v:.2f} + run_point {r:.2f} = {c + v + 2 * ch + v + r:.2f}")
    print(f"     joblib: serial in the parent (preflight + sweeper check) {c + v + ch:.2f}; in the 2 workers "
          f"(compose + validate + run_point) {ch + v + r:.2f} / 2 = {(ch + v + r) / 2:.2f}")
    print(f"     fast:   preflight compose+validate {c + v:.2f} + fast path merge+validate ~{v:.2f} "
          f"+ run_points {ip['run_points'] / n:.2f}")
    print("\n== where the wall time went (from the times the output files were written)")
    for key, label in (("basic", "basic launcher"), ("joblib", "joblib launcher, n_jobs=2"),
                       ("fast", "grid fast path"), ("zero", "basic, rollout.runs=0")):
        print(f"   {label}, {t[key]:.1f} s:")
        for what, sec in phases(key, dirs[key], key == "fast"):
            print(f"     {what:<58} {sec:7.1f} s")
    print()
    print(f"   tables: basic, joblib(2) and fast path table.csv ({rows} rows) -> "
          f"{'identical' if identical else 'DIFFER'}")
    print(f"   goal joblib(2) speed-up over basic >= 1.7x: {speedup_joblib:.2f}x -> "
          f"{'MET' if speedup_joblib >= 1.7 else 'NOT MET'}")
    print(f"   goal fast path vs joblib(2) (t_joblib / t_fast) >= 1.0x: {speedup_fast:.2f}x -> "
          f"{'MET' if speedup_fast >= 1.0 else 'NOT MET'}")
    print(f"   load average at start {load_start}, at end {load()} (1/5/15 min, {os.cpu_count()} cores)")
    print(f"\ntotal wall time {time.perf_counter() - wall0:.1f} s")

    if args.keep or not identical:
        print(f"kept {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    if not identical:
        print("FAILED: the three table.csv files differ", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
