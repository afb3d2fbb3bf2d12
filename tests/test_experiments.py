"""The scripts in experiments/ keep working as the package moves: every negsim name they
import exists, and the two fast benchmarks run end to end at a tiny size; the canonical
results are written to results/ only by an explicit path (``python3 tasks.py results``)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"
SCRIPTS = sorted(EXPERIMENTS.glob("*.py"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_negsim_import_of_a_script_resolves(path: Path):
    found = 0
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("negsim"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name) or importlib.util.find_spec(f"{node.module}.{alias.name}"), (
                    f"{path.name}: {node.module} has no {alias.name}")
                found += 1
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("negsim"):
                    importlib.import_module(alias.name)
                    found += 1
    # these drive only the command line (bench_sweep.py: its run is tested below)
    assert found or path.name in ("benchutil.py", "run_canonical_results.py", "bench_sweep.py")


@pytest.mark.parametrize("args", [
    ["bench_rollout.py", "--runs", "4096", "--days", "10", "--loop-runs", "100"],
    ["bench_solvers.py", "--games", "10", "--reference-games", "3", "--repeats", "1"],
])
def test_fast_benchmarks_run_at_a_tiny_size(args):
    proc = subprocess.run([sys.executable, EXPERIMENTS / args[0], *args[1:]], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "total wall time" in proc.stdout


def test_the_sweep_benchmark_runs_at_a_tiny_size():
    proc = subprocess.run([sys.executable, EXPERIMENTS / "bench_sweep.py", "small", "--points", "3", "--runs", "100"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3, proc.stdout
    assert lines[0].startswith("one run, rollout.runs=100 ") and lines[1].startswith("batched sweep of 3 points ")
    assert lines[2].startswith("sweep / one run: ") and "(goal under 6)" in lines[2]


def test_run_canonical_results_refuses_an_unknown_experiment():
    proc = subprocess.run([sys.executable, EXPERIMENTS / "run_canonical_results.py", "nonesuch"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("run_canonical_results: unknown experiment 'nonesuch'; expected one of "
                                   "leverage_sweep, leverage_verification, threshold, sensitivity")


def _module(path: Path):
    """Import a script by its path (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_canonical_results_sends_each_experiment_to_results_by_an_absolute_path(tmp_path):
    script = _module(EXPERIMENTS / "run_canonical_results.py")
    results = EXPERIMENTS.parent / "results"
    for name in script.EXPERIMENTS:
        cmd = script.command(name, tmp_path)
        (given,) = [a for a in cmd if a.startswith("results_dir=")]
        assert given == f"results_dir={results / name}" and Path(given.partition("=")[2]).is_absolute()
        assert f"hydra.sweep.dir={tmp_path / name}" in cmd and f"hydra.run.dir={tmp_path / name}" in cmd
        assert "output.report=false" in cmd  # the report page names this machine's folders


def test_tasks_results_sets_up_the_parquet_extra_then_runs_the_canonical_results(monkeypatch):
    tasks = _module(EXPERIMENTS.parent / "tasks.py")
    calls: list[tuple] = []
    monkeypatch.setattr(tasks, "ensure_env", lambda extras: calls.append(("env", extras)))
    monkeypatch.setattr(tasks, "_run", lambda *cmd: calls.append(tuple(str(c) for c in cmd)))
    tasks.main(["results", "threshold"])
    assert calls == [("env", "parquet"),
                     (str(tasks.BIN / "python"), str(EXPERIMENTS / "run_canonical_results.py"), "threshold")]
