"""SIGKILL at five moments of a multirun point by point and of a batched one (start-up, between
points, during the table and plots at the end): no corrupt file, no finished point
recomputed, no temporary left, and a rerun completes the sweep."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

NEGSIM = [sys.executable, "-c", "from negsim.app.cli import main; main()"]


def _kill_then_rerun(args: list[str], folder: Path, cwd: Path, delay: float, values: list[float]) -> str:
    """Start ``negsim args``, SIGKILL it after ``delay`` s, check what it left, rerun; the rerun's output."""
    proc = subprocess.Popen([*NEGSIM, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    finished = {m: m.stat().st_mtime_ns for m in folder.rglob("metrics.json")}
    for m in finished:
        json.loads(m.read_text())  # whole or absent, never half-written
    if (folder / "table.csv").exists():
        with open(folder / "table.csv", newline="") as fh:
            assert list(csv.DictReader(fh))  # a table, if any, is whole
    rerun = subprocess.run([*NEGSIM, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    with open(folder / "table.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["mediator.verification"]) for r in rows] == values
    assert all(r["status"] == "ok" for r in rows)
    assert {m: m.stat().st_mtime_ns for m in finished} == finished  # finished points not recomputed
    assert not [p for p in folder.rglob(".*") if p.is_file() and ".hydra" not in p.parts]  # no temporary left
    return rerun.stdout


@pytest.mark.parametrize("delay", [1.0, 3.0, 5.0, 7.0, 8.5])
def test_sigkill_of_a_multirun_at_any_moment(delay, tmp_path):
    sweep = tmp_path / "sweep"
    args = ["-m", "mediator.verification=0,0.5,1", "rollout.runs=4000", "rollout.days=30", f"hydra.sweep.dir={sweep}",
            "hydra.sweeper.batch=false"]
    rerun = _kill_then_rerun(args, sweep, tmp_path, delay, [0.0, 0.5, 1.0])
    ran = sum(line.startswith("[#") for line in rerun.splitlines())  # a line a point run
    assert rerun.count("skipped") + ran == 3  # each point either kept or run, once


@pytest.mark.parametrize("delay", [0.5, 1.2, 1.8, 2.4, 3.2])
def test_sigkill_of_a_batched_sweep_at_any_moment(delay, tmp_path):
    out = tmp_path / "batch"
    args = ["-m", "mediator.verification=0,0.25,0.5,0.75,1", "rollout.runs=4000", "rollout.days=30",
            "hydra.sweeper.chunk_points=2", f"hydra.sweep.dir={out}"]
    _kill_then_rerun(args, out, tmp_path, delay, [0.0, 0.25, 0.5, 0.75, 1.0])


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> Path:
    """A finished three-point sweep folder, its table and plots removed."""
    root = tmp_path_factory.mktemp("aggregate")
    sweep = root / "sweep"
    done = subprocess.run([*NEGSIM, "-m", "mediator.verification=0,0.5,1", "rollout.runs=2000", "rollout.days=20",
                           f"hydra.sweep.dir={sweep}"], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    expected = (sweep / "table.csv").read_text()
    for made in [*sweep.glob("table.*"), *sweep.glob("*.png"), *sweep.glob("*.svg")]:
        made.unlink()
    (root / "expected.csv").write_text(expected)
    return sweep


@pytest.mark.parametrize("delay", [0.6, 1.0, 1.4, 1.8, 2.2])
def test_sigkill_during_the_aggregation_itself(delay, finished_sweep, tmp_path):
    """``python -m negsim.app.sweeps`` does nothing but aggregate: a kill at any of these
    moments lands in it. The table is whole or absent, the rerun removes any temporary and
    writes exactly the table of the uninterrupted sweep."""
    import shutil

    sweep = tmp_path / "sweep"
    shutil.copytree(finished_sweep, sweep)
    aggregate = [sys.executable, "-m", "negsim.app.sweeps", str(sweep)]
    proc = subprocess.Popen(aggregate, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    if (sweep / "table.csv").exists():
        assert (sweep / "table.csv").read_text() == (finished_sweep.parent / "expected.csv").read_text()
    rerun = subprocess.run(aggregate, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert (sweep / "table.csv").read_text() == (finished_sweep.parent / "expected.csv").read_text()
    assert not [p for p in sweep.rglob(".*") if p.is_file() and ".hydra" not in p.parts]
