"""The wheel: built from the repository, installed into a fresh environment, run from elsewhere.

This is the install a user gets from ``pip install negsim``: the configs must travel
inside the package (``negsim/configs``), and nothing may depend on the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str | Path], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, ROOT], cwd=out)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("negsim-*.whl")
    return path


def test_the_wheel_carries_every_shipped_config(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"negsim/configs/{p.relative_to(ROOT / 'configs').as_posix()}" for p in (ROOT / "configs").rglob("*.yaml")}
    assert len(shipped) >= 20 and shipped <= names
    assert "hydra_plugins/negsim_batch_sweeper/batch_sweeper.py" in names
    assert "negsim/app/cli.py" in names and not any(n.startswith(("tests/", "configs/")) for n in names)


def test_an_installed_wheel_runs_negsim_and_loads_a_scenario_outside_the_repository(wheel: Path, tmp_path: Path):
    env = tmp_path / "env"
    venv.create(env, with_pip=True)
    bin_dir = env / ("Scripts" if os.name == "nt" else "bin")
    proc = _run([bin_dir / "python", "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    proc = _run([bin_dir / "negsim", "rollout.runs=2000", "rollout.days=30", "hydra.run.dir=run"], cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert "Istanbul talks, round two" in proc.stdout
    metrics = json.loads((elsewhere / "run" / "metrics.json").read_text())
    assert metrics["scenario"] == "istanbul_round2" and metrics["rollout"]["runs"] == 2000
    proc = _run([bin_dir / "negsim", "-m", "mediator.verification=0,1", "rollout.runs=200", "rollout.days=10",
                 "hydra.sweep.dir=sweep"], cwd=elsewhere)  # the installed sweeper batches a sweep over values
    assert proc.returncode == 0, proc.stderr
    assert "negsim: batched sweep of 2 point(s) in this process" in proc.stdout
    assert (elsewhere / "sweep" / "table.csv").is_file()
    code = (
        "import json, negsim; s = negsim.load_scenario('istanbul_round2'); "
        "print(json.dumps([negsim.__file__, s.title, negsim.available_scenarios()]))"
    )
    proc = _run([bin_dir / "python", "-c", code], cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    where, title, scenarios = json.loads(proc.stdout)
    assert Path(where).is_relative_to(env) and title == "Istanbul talks, round two"
    assert scenarios == ["doha_round", "istanbul_round2", "istanbul_round3"]
