#!/usr/bin/env python3
"""Benchmark the exact ceasefire (``rollout.method=exact``) against the Monte Carlo of the same point.

    python experiments/bench_exact.py [--round istanbul_round2] [--runs 10000] [--days 180] [--repeats 7]

One point of the shipped configs (the logit QRE's nine predicted outcomes, each a stratum
with its own ceasefire). Measured in the same run, in CPU time (``time.process_time``),
the median of ``--repeats`` repeats after a warm-up:

* **ceasefire alone**: :func:`negsim.model.chain.exact_results` of the nine situations over
  ``--days`` days (every answer: breakdown curve, incidents, closed days, deaths, open
  war), against :func:`negsim.model.rollout.rollout_points` of the same situations, ``--runs``
  runs each;
* **whole point**: :func:`negsim.studies.pipeline.run_point` of the point with
  ``rollout.method=exact`` and with the Monte Carlo (solve, predict, ceasefire, metrics).

The first exact call in the process, which also imports ``scipy.sparse`` and lists the
chain's transition structure (cached after it), is printed apart. The exact answers are checked against the Monte Carlo
(P(breakdown by the horizon) within four of its standard errors); the exit status is 1 if
they disagree.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

from benchutil import cpu_name, usable_cpus

from negsim.io.configs import config_dir, load_yaml
from negsim.model.chain import exact_results
from negsim.model.rollout import rollout_points
from negsim.studies.pipeline import build_point, run_point


def shipped_config(round_name: str, **rollout) -> dict:
    """A round's run config from the shipped configs, as plain data, the rollout updated."""
    root = config_dir()
    return {
        "scenario": load_yaml(root / "scenario" / f"{round_name}.yaml"),
        "game": load_yaml(root / "game" / "talks.yaml"),
        "mediator": load_yaml(root / "mediator" / f"{round_name}.yaml"),
        "rollout": {**load_yaml(root / "rollout" / "default.yaml"), **rollout},
    }


def cpu_median(f, repeats: int) -> float:
    """Median CPU seconds of ``repeats`` calls of ``f`` (after one untimed call)."""
    f()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        f()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", default="istanbul_round2")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"machine: {cpu_name()}, {platform.system()}, cpu_count {os.cpu_count()}, usable {usable_cpus()}, "
          f"load average {load}")

    exact_point = build_point(shipped_config(args.round, method="exact", days=args.days))
    mc_point = build_point(shipped_config(args.round, runs=args.runs, days=args.days))
    sampled_point = run_point(mc_point)  # also the imports and caches of everything but the chain
    mc = sampled_point.metrics["rollout"]
    params, situations = exact_point.setup.params, list(sampled_point.situations.values())
    t0 = time.process_time()
    exact_results(params, situations, args.days)
    first = time.process_time() - t0
    print(f"{args.round}: {len(situations)} strata, {args.days} days; Monte Carlo {args.runs:,} runs per stratum; "
          f"CPU time, median of {args.repeats} repeats")
    print(f"  first exact ceasefire in this process (imports scipy.sparse, lists the chain's structure): "
          f"{1e3 * first:.0f} ms")

    chain = cpu_median(lambda: exact_results(params, situations, args.days), args.repeats)
    sampled = cpu_median(lambda: rollout_points(params, situations, runs=args.runs, days=args.days,
                                                seed=mc_point.seed), args.repeats)
    whole_exact = cpu_median(lambda: run_point(exact_point), args.repeats)
    whole_mc = cpu_median(lambda: run_point(mc_point), args.repeats)
    print(f"  ceasefire alone: exact {1e3 * chain:.0f} ms, Monte Carlo {1e3 * sampled:.0f} ms: "
          f"exact/MC {chain / sampled:.3f} ({sampled / chain:.1f}x faster)")
    print(f"  whole point (run_point): exact {1e3 * whole_exact:.0f} ms, Monte Carlo {1e3 * whole_mc:.0f} ms: "
          f"exact/MC {whole_exact / whole_mc:.3f} ({whole_mc / whole_exact:.1f}x faster)")

    e = run_point(exact_point).metrics["rollout"]
    gap = abs(e["p_breakdown"] - mc["p_breakdown"])
    ok = gap <= 4 * mc["p_breakdown_se"]
    print(f"  P(breakdown by day {args.days}): exact {e['p_breakdown']:.4f}, Monte Carlo {mc['p_breakdown']:.4f} "
          f"(SE {mc['p_breakdown_se']:.4f}): {'agree' if ok else 'DISAGREE'} within 4 SE")
    print(f"total wall time {time.perf_counter() - start:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
