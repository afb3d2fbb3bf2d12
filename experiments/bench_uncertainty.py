#!/usr/bin/env python3
"""Benchmark parameter bands: 1,000 joint draws of one round's judgement calls, end to end.

    python experiments/bench_uncertainty.py [--draws 1000] [--round istanbul_round2]

Each draw predicts the round (the logit QRE at the drawn precision) and computes the
ceasefire after each of the nine predicted outcomes exactly, from the ladder's chain
(180 days, breakdown and open war). Prints CPU time per draw against one plain point of the
same round (the 10,000-run Monte Carlo rollout and its report) measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time

from negsim.io.configs import config_dir, load_yaml
from negsim.studies.pipeline import build_point, run_point
from negsim.studies.uncertainty import band


def shipped_config(round_name: str) -> dict:
    """A round's run config from the shipped configs, as plain data."""
    root = config_dir()
    return {
        "scenario": load_yaml(root / "scenario" / f"{round_name}.yaml"),
        "game": load_yaml(root / "game" / "talks.yaml"),
        "mediator": load_yaml(root / "mediator" / f"{round_name}.yaml"),
        "rollout": load_yaml(root / "rollout" / "default.yaml"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--round", default="istanbul_round2")
    args = parser.parse_args(argv)
    point = build_point(shipped_config(args.round))
    run_point(point)  # warm up imports and caches
    t0 = time.process_time()
    run_point(point)
    plain = time.process_time() - t0
    w0, t0 = time.perf_counter(), time.process_time()
    result = band(point, args.draws)
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    q = result.quantiles("p_breakdown")
    print(f"{args.round}: {args.draws} draws of {len(result.space)} judgement calls in {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU ({1e3 * cpu / args.draws:.1f} ms per draw); one plain point "
          f"({point.runs} runs x {point.days} days, Monte Carlo) {1e3 * plain:.0f} ms: a draw costs "
          f"{cpu / args.draws / plain:.2f} of a point")
    print(f"P(breakdown by day {point.days}) over the draws: 5% {q[0.05]:.3f}, 50% {q[0.5]:.3f}, 95% {q[0.95]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
