"""SIGKILL of a multirun at five moments (start-up, between points, during the table and
plots at the end): no corrupt file, no finished point recomputed, and a rerun completes."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time

import pytest

NEGSIM = [sys.executable, "-c", "from negsim.app.cli import main; main()"]


@pytest.mark.parametrize("delay", [1.0, 3.0, 5.0, 7.0, 8.5])
def test_sigkill_of_a_multirun_at_any_moment_leaves_no_corrupt_file_and_a_rerun_completes(delay, tmp_path):
    sweep = tmp_path / "sweep"
    args = [*NEGSIM, "-m", "mediator.verification=0,0.5,1", "rollout.runs=4000", "rollout.days=30",
            f"hydra.sweep.dir={sweep}"]
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    finished = {m: m.stat().st_mtime_ns for m in sweep.rglob("metrics.json")}
    for m in finished:
        json.loads(m.read_text())  # whole or absent, never half-written
    if (sweep / "table.csv").exists():
        with open(sweep / "table.csv", newline="") as fh:
            assert list(csv.DictReader(fh))  # a table, if any, is whole
    rerun = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.count("skipped") == len(finished)
    with open(sweep / "table.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["mediator.verification"]) for r in rows] == [0.0, 0.5, 1.0]
    assert all(r["status"] == "ok" for r in rows)
    assert {m: m.stat().st_mtime_ns for m in finished} == finished  # finished points not recomputed
    assert not [p for p in sweep.rglob(".*") if p.is_file() and p.name != ".gitignore" and ".hydra" not in p.parts]
