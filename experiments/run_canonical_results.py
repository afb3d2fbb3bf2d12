#!/usr/bin/env python3
"""Regenerate the canonical results in ``results/`` (the one command that writes there).

    python3 tasks.py results                               # all four, in .venv (set up if needed)
    python experiments/run_canonical_results.py            # the same, in the current environment
    python experiments/run_canonical_results.py threshold  # some of them

Each experiment runs as ``negsim experiment=<name>`` (a sweep over values runs as one
batch, which gives the same table as a job per point) with its per-point files in a fresh
temporary folder, so nothing is resumed from an earlier run; its tables and figures go
to ``results/<name>/``, given as an explicit, absolute ``results_dir`` (without one, an
experiment writes into its own run or sweep folder). Same seed, same numbers: a table that
changes means the model or its inputs changed, and ``git diff results/`` shows how.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"

#: Experiment name -> extra arguments.
EXPERIMENTS: dict[str, list[str]] = {
    "leverage_sweep": [],
    "leverage_verification": [],
    "threshold": [],
    "sensitivity": [],
}


def command(name: str, scratch: Path) -> list[str]:
    """The command line that runs experiment ``name``: its per-point files in ``scratch/name``,
    its tables and figures in ``results/name`` (absolute paths, whatever the current folder),
    without ``report.html`` (it names this machine's folders; it changes no number)."""
    folder = scratch / name
    return [sys.executable, "-m", "negsim.app.cli", f"experiment={name}", *EXPERIMENTS[name],
            f"hydra.run.dir={folder}", f"hydra.sweep.dir={folder}", f"results_dir={RESULTS / name}",
            "output.report=false"]


def run(name: str, scratch: Path) -> None:
    """Run experiment ``name`` (:func:`command`) from the repository root; exit on failure."""
    cmd = command(name, scratch)
    print(f"run_canonical_results: {name}: {' '.join(cmd[3:])}", flush=True)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT)
    if proc.returncode:
        sys.exit(f"run_canonical_results: {name} failed with exit status {proc.returncode}")
    print(f"run_canonical_results: {name} done in {time.monotonic() - start:.0f} s", flush=True)


def main(argv: list[str]) -> None:
    names = argv or list(EXPERIMENTS)
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        sys.exit(f"run_canonical_results: unknown experiment '{unknown[0]}'; expected one of {', '.join(EXPERIMENTS)}")
    with tempfile.TemporaryDirectory(prefix="negsim-results-") as scratch:
        for name in names:
            run(name, Path(scratch))


if __name__ == "__main__":
    main(sys.argv[1:])
