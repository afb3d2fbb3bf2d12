"""The documented experiment commands write only into their own run or sweep folder: never
into the committed ``results/``, never anywhere else below the folder they run from.
The committed results are written only by ``python3 tasks.py results``
(``experiments/run_canonical_results.py``, with an explicit ``results_dir``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NEGSIM = [sys.executable, "-c", "from negsim.app.command import main; main()"]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` (relative path) with its modification time and size."""
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in folder.rglob("*") if p.is_file()}


def files_below(folder: Path) -> list[Path]:
    """Every file below ``folder``, sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_no_experiment_config_names_a_results_folder():
    """Without a ``results_dir`` of its own, an experiment writes into its run or sweep folder
    (``negsim.app.cli.run_task``, ``negsim.app.callbacks.AggregateSweep``)."""
    configs = sorted((ROOT / "configs" / "experiment").glob("*.yaml"))
    assert configs
    for path in configs:
        assert "results_dir" not in (yaml.safe_load(path.read_text()) or {}), path.name


# A documented command (results/README.md, docs/sweeps.md) with overrides that make it small,
# the folder every file it writes must be in (relative to where it runs; "*": the one run
# folder), and a file the folder must hold.
COMMANDS = [
    pytest.param(["experiment=threshold", "threshold.scenarios=[istanbul_round2]", "threshold.knobs=[transfer_pledge]",
                  "threshold.grid=11"], "outputs/run/*", "thresholds.csv", id="threshold"),
    pytest.param(["experiment=leverage_sweep", "mediator.transfer_pledge=0,2", "rollout.runs=200"],
                 "multirun/leverage_sweep", "table.csv", id="leverage_sweep"),
    pytest.param(["experiment=leverage_choice", "leverage_choice.scenarios=[istanbul_round2]",
                  "leverage_choice.objectives=[deal_only]", "leverage_choice.grid=3", "leverage_choice.starts=1",
                  "leverage_choice.max_evaluations=10"], "outputs/run/*", "choices.csv", id="leverage_choice"),
]


@pytest.mark.parametrize("args, folder, expected", COMMANDS)
def test_an_experiment_writes_only_into_its_own_output_folder(args, folder, expected, tmp_path):
    before = snapshot(ROOT / "results")
    proc = subprocess.run([*NEGSIM, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (out,) = tmp_path.glob(folder)
    assert (out / expected).is_file()
    outside = [p for p in files_below(tmp_path) if out not in p.parents]
    assert outside == [], f"written outside {out}: {outside}"
    assert snapshot(ROOT / "results") == before
    assert str(ROOT / "results") not in proc.stdout + proc.stderr


def test_results_dir_places_the_table_and_changes_no_record(tmp_path, negsim_cli):
    """``results_dir`` (as ``python3 tasks.py results`` gives it) says where the table goes,
    like ``workers.*``: it is not a parameter of the table, of a point's recorded overrides
    or of its folder's name (``negsim.app.overrides.PLACEMENT_KEYS``)."""
    out, sweep = tmp_path / "out", tmp_path / "sweep"
    code, _, err = negsim_cli(["-m", "mediator.verification=0,1", "rollout.runs=0", f"results_dir={out}",
                               f"hydra.sweep.dir={sweep}"], tmp_path)
    assert code == 0, err
    assert (out / "table.csv").is_file() and not (sweep / "table.csv").exists()
    header = (out / "table.csv").read_text().splitlines()[0].split(",")
    assert header[:2] == ["mediator.verification", "rollout.runs"] and "results_dir" not in header
    points = sorted((sweep / "points").iterdir())
    assert len(points) == 2 and not any("results_dir" in p.name for p in points)
    for point in points:
        assert not any("results_dir" in o for o in json.loads((point / "metrics.json").read_text())["overrides"])
