"""Sweeps end to end through the real CLI: multirun tables, launchers, resume, T3."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from negsim import load_scenario
from negsim import with_mediator as _with
from negsim.model.talks import deal_probability, predict
from negsim.studies.sweep import PRINTED_DIGITS

NEGSIM = [sys.executable, "-c", "from negsim.app.cli import main; main()"]
SMALL = ["rollout.runs=2000", "rollout.days=40"]
NUMERIC = ("p_deal", "p_written", "p_pledge", "p_breakdown", "p_breakdown_low", "p_breakdown_high", "mean_deaths", "mean_closed_days")


def negsim(args, cwd: Path, timeout: int = 300):
    return subprocess.run(NEGSIM + list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout)


def table(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_multirun_writes_table_and_plots_equal_to_single_runs(tmp_path):
    sweep = tmp_path / "sweep"
    proc = negsim(["-m", "mediator.verification=0,0.5,1", *SMALL, f"hydra.sweep.dir={sweep}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = table(sweep / "table.csv")
    assert [float(r["mediator.verification"]) for r in rows] == [0.0, 0.5, 1.0]
    assert all(r["status"] == "ok" and r["seed"] == "20251019" and len(r["config_hash"]) == 16 for r in rows)
    assert all(r["version_numpy"] and r["version_negsim"] for r in rows)
    for ext in ("png", "svg"):
        assert (sweep / f"sweep_mediator.verification.{ext}").is_file()
    # A single run of the middle point gives the same numbers as its row.
    single = tmp_path / "single"
    proc = negsim(["mediator.verification=0.5", *SMALL, f"hydra.run.dir={single}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((single / "metrics.json").read_text())
    for key in ("p_breakdown", "p_breakdown_low", "p_breakdown_high", "mean_deaths"):
        assert float(rows[1][key]) == round(metrics["rollout"][key], PRINTED_DIGITS)
    assert float(rows[1]["p_deal"]) == round(metrics["p_deal"], PRINTED_DIGITS)
    assert rows[1]["config_hash"] == metrics["config_hash"]
    # Breakdown never rises with verification (common random numbers across points).
    assert float(rows[0]["p_breakdown"]) >= float(rows[1]["p_breakdown"]) >= float(rows[2]["p_breakdown"])


@pytest.mark.parametrize(
    "launcher",
    [
        ["hydra.sweeper.batch=false", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
        ["hydra.sweeper.batch=false", "hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2",
         "+hydra.launcher.ray.init.include_dashboard=false"],
        ["hydra.sweeper.batch=false", "hydra/launcher=submitit_local"],
        [],
        ["hydra.sweeper.chunk_points=1"],
        ["workers.n_jobs=2"],
        ["workers.n_jobs=2", "hydra.sweeper.chunk_points=1"],
        ["fast=true"],
    ],
    ids=["joblib", "ray", "submitit_local", "batched", "batched_point_by_point", "batched_two_workers",
         "batched_chunks_on_two_workers", "fast_alias"],
)
def test_same_seed_same_numbers_whatever_the_launcher(launcher, tmp_path):
    pytest.importorskip({"joblib": "hydra_plugins.hydra_joblib_launcher", "ray": "hydra_plugins.hydra_ray_launcher",
                         "submitit_local": "hydra_plugins.hydra_submitit_launcher"}.get(
        next((a.split("=")[1] for a in launcher if a.startswith("hydra/launcher=")), ""), "negsim"))
    sweep = ["-m", "mediator.transfer_pledge=0,1.5", "mediator.verification=0,1", *SMALL]
    basic = negsim([*sweep, "hydra.sweeper.batch=false", f"hydra.sweep.dir={tmp_path / 'basic'}"], tmp_path)
    assert basic.returncode == 0, basic.stderr
    assert "batched sweep" not in basic.stdout
    assert sum(line.startswith("[#") for line in basic.stdout.splitlines()) == 4  # a line a point
    where = f"hydra.run.dir={tmp_path / 'other'}" if "fast=true" in launcher else f"hydra.sweep.dir={tmp_path / 'other'}"
    other = negsim([*sweep, *launcher, where], tmp_path)
    assert other.returncode == 0, other.stderr
    assert ("negsim: batched sweep of 4 point(s) in this process" in other.stdout) == ("hydra.sweeper.batch=false" not in launcher)
    a, b = table(tmp_path / "basic" / "table.csv"), table(tmp_path / "other" / "table.csv")
    assert len(a) == len(b) == 4
    assert a == b
    points = sorted((tmp_path / "basic" / "points").iterdir())
    assert len(points) == 4
    for point in points:  # the same folders, the same metrics and curves (no per-run outcomes in a sweep)
        mine = tmp_path / "other" / "points" / point.name
        assert json.loads((mine / "metrics.json").read_text()) == json.loads((point / "metrics.json").read_text())
        with np.load(point / "rollout.npz") as ref, np.load(mine / "rollout.npz") as got:
            assert sorted(ref.files) == sorted(got.files) == ["hazard", "high", "low", "p_breakdown", "strata", "weights"]
            assert all(np.array_equal(ref[k], got[k]) for k in ref.files)


@pytest.mark.parametrize("batch", ["true", "false"])
def test_each_run_is_written_on_request_in_a_sweep_and_by_default_in_a_single_run(batch, tmp_path):
    per_run = ["breakdown_day", "closed_days", "deaths"]
    sweep = negsim(["-m", "mediator.verification=0,1", *SMALL, "output.runs=true", f"hydra.sweeper.batch={batch}",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"], tmp_path)
    assert sweep.returncode == 0, sweep.stderr
    points = sorted((tmp_path / "sweep" / "points").iterdir())
    assert len(points) == 2
    assert all(not any("output.runs" in part for part in p.name.split(",")) for p in points)  # not in the folder name
    for point in points:
        with np.load(point / "rollout.npz") as arrays:
            assert set(per_run) <= set(arrays.files) and arrays["breakdown_day"].shape[-1] == 2000
        assert "output.runs=true" not in json.loads((point / "metrics.json").read_text())["overrides"]
    single = negsim(["output.runs=false", *SMALL, f"hydra.run.dir={tmp_path / 'single'}"], tmp_path)
    assert single.returncode == 0, single.stderr
    with np.load(tmp_path / "single" / "rollout.npz") as arrays:
        assert not set(per_run) & set(arrays.files) and "p_breakdown" in arrays.files


def test_a_group_sweep_goes_to_the_launcher_and_a_value_sweep_is_batched(tmp_path):
    groups = negsim(["-m", "scenario=doha_round,istanbul_round3", *SMALL, f"hydra.sweep.dir={tmp_path / 'g'}"], tmp_path)
    assert groups.returncode == 0, groups.stderr
    assert "batched sweep" not in groups.stdout
    assert sum(line.startswith("[#") for line in groups.stdout.splitlines()) == 2  # a line a point
    assert {r["scenario"] for r in table(tmp_path / "g" / "table.csv")} == {"doha_round", "istanbul_round3"}


@pytest.mark.parametrize("batch", [False, True], ids=["launcher", "batched"])
def test_killed_sweep_resumes_without_recomputing_finished_points(batch, tmp_path):
    sweep = tmp_path / "sweep"
    args = ["-m", "mediator.verification=0,0.25,0.5,0.75", "rollout.runs=120000", "rollout.days=120",
            f"hydra.sweep.dir={sweep}", "hydra.sweeper.chunk_points=1" if batch else "hydra.sweeper.batch=false"]
    proc = subprocess.Popen(NEGSIM + args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and not list(sweep.glob("points/*/metrics.json")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p: p.stat().st_mtime_ns for p in sweep.glob("points/*/metrics.json")}
    assert 1 <= len(done) < 4, "kill the sweep midway"
    assert not (sweep / "table.csv").exists()
    rerun = negsim(args, tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    if batch:
        assert f"({4 - len(done)} to run, {len(done)} already in {sweep};" in rerun.stdout
    else:
        assert rerun.stdout.count("skipped") == len(done)
    assert {p: p.stat().st_mtime_ns for p in done} == done  # finished points untouched
    assert len(table(sweep / "table.csv")) == 4


RUNS_DAYS = "rollout.runs/days/chunk_runs: expected runs >= 0, days >= 1, chunk_runs >= 1, got"


@pytest.mark.parametrize(
    "args, expected",
    [
        (["-m", "mediator.verification=range(0,0)"], "mediator.verification: empty sweep; give at least one value"),
        (["-m", "mediator.verification=range(0,1,0)"],
         "mediator.verification: bad sweep 'range(0,1,0)': range() arg 3 must not be zero"),
        (["-m", "mediator.verification=0,1", "--cfg", "job"],
         "--cfg and --multirun: give only one of --multirun, --cfg, --info and --shell-completion"),
        (["-m", "mediator.verification=0,0.5,1.5"], "mediator.verification: expected a fraction in [0, 1], got 1.5"),
        (["-m", "mediator.leverage=0,1"], "mediator.leverage: unknown key; mediator has: deconfliction, name, "
                                          "penalty_breakdown, sources, transfer_compliance, transfer_pledge, transfer_written, verification"),
        (["-m", "rollout.days=10,-1"], f"{RUNS_DAYS} 10000, -1, 65536"),
        (["-m", "mediator.verification=0,1", "rollout.runs=-5"], f"{RUNS_DAYS} -5, 180, 65536"),
        (["-m", "seed=1,abc"], "seed: expected int, got 'abc'"),
        (["-m", "mediator.verification=0,1", "rollout.runs=-5", "hydra.sweeper.batch=false"],
         f"{RUNS_DAYS} -5, 180, 65536"),
    ],
)
def test_bad_sweep_spec_is_one_line_and_writes_nothing(args, expected, tmp_path, negsim_cli):
    code, _, err = negsim_cli(args, tmp_path)
    assert code == 2
    assert err.strip().splitlines() == [f"negsim: error: {expected}"]
    assert not any(tmp_path.iterdir())


def test_T3_threshold_flips_istanbul_to_a_deal(tmp_path):
    out = tmp_path / "threshold"
    proc = negsim([
        "experiment=threshold", "threshold.scenarios=[istanbul_round2]", "threshold.knobs=[transfer_pledge]",
        "threshold.grid=41", f"results_dir={out}", f"hydra.run.dir={tmp_path / 'run'}",
    ], tmp_path)
    assert proc.returncode == 0, proc.stderr
    (row,) = table(out / "thresholds.csv")
    t = float(row["threshold"])
    assert 0.5 < t < 10 and row["already_deal"] == "False" and row["lam"] == "6.0"
    assert 0.5 < float(row["p_deal_at_threshold_plus_margin"]) < 0.51  # P(deal) is smooth: just past 1/2
    scenario = load_scenario("istanbul_round2")

    def p_deal(v: float) -> float:
        sc = _with(scenario, transfer_pledge=v)
        return deal_probability(sc, predict(sc))

    assert p_deal(t) >= 0.5 > p_deal(t - 1e-5)  # the root, not a grid point
    assert (out / "deal_transfer_pledge.png").is_file()
    costs = {r["deal"]: r for r in table(out / "least_cost.csv")}
    assert sorted(costs) == ["pledge", "written"]
    assert float(costs["pledge"]["least_leverage"]) < float(costs["written"]["least_leverage"])


def test_threshold_experiment_honours_mediator_and_scenario_overrides(tmp_path, negsim_cli):
    from negsim import with_mediator
    from negsim.studies.threshold import leverage_threshold

    out = tmp_path / "threshold"
    args = ["experiment=threshold", "threshold.scenarios=[istanbul_round2,istanbul_round3]",
            "threshold.knobs=[transfer_pledge]", "threshold.grid=11", "mediator.verification=1",
            "scenario.weights.PAK.pak_concession.value=-3.0", f"results_dir={out}", f"hydra.run.dir={tmp_path / 'run'}"]
    code, _, err = negsim_cli(args, tmp_path)
    assert code == 0, err
    rows = {r["scenario"]: r for r in table(out / "thresholds.csv")}
    assert sorted(rows) == ["istanbul_round2", "istanbul_round3"]
    for name, row in rows.items():
        scenario = with_mediator(load_scenario(name), verification=1.0)
        weights = scenario.weights.copy()
        weights[0, scenario.feature_names.index("pak_concession")] = -3.0
        expected = leverage_threshold(replace(scenario, weights=weights), "transfer_pledge", upper=10.0, grid=11)
        assert float(row["threshold"]) == pytest.approx(expected.value, abs=1e-6), name  # printed to 6 decimals
    plain = leverage_threshold(load_scenario("istanbul_round2"), "transfer_pledge", upper=10.0, grid=11)
    assert float(rows["istanbul_round2"]["threshold"]) != pytest.approx(plain.value, abs=1e-3)


def test_sensitivity_experiment_writes_a_ranked_tornado(tmp_path):
    out = tmp_path / "sens"
    proc = negsim(["experiment=sensitivity", "rollout.runs=2000", "rollout.days=60", f"results_dir={out}",
                   f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = table(out / "sensitivity.csv")
    swings = [float(r["swing"]) for r in rows]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    assert {r["input"] for r in rows} >= {"rollout attack_rate", "weight PAK.guarantee", "weight AFG.sovereignty"}
    assert (out / "tornado.svg").is_file()


def test_aggregator_runs_on_its_own(tmp_path):
    sweep = tmp_path / "sweep"
    assert negsim(["-m", "mediator.transfer_pledge=0,2", *SMALL, f"hydra.sweep.dir={sweep}"], tmp_path).returncode == 0
    first = (sweep / "table.csv").read_text()
    (sweep / "table.csv").unlink()
    proc = subprocess.run([sys.executable, "-m", "negsim.app.sweeps", str(sweep), str(tmp_path / "again")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "again" / "table.csv").read_text() == first
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = subprocess.run([sys.executable, "-m", "negsim.app.sweeps", str(empty)], capture_output=True, text=True)
    assert proc.returncode == 2 and "no finished points" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("batch", [False, True], ids=["launcher", "batched"])
def test_point_folders_are_safe_bounded_and_inside_the_sweep_folder(batch, tmp_path, negsim_cli):
    sweep = tmp_path / "sweep"
    weights = [f"scenario.weights.PAK.{f}.note=a-long-note-about-{f}-" + "x" * 40
               for f in ("guarantee", "sovereignty", "escalation", "border_open", "pak_concession", "afg_concession")]
    args = ["-m", "scenario.title=../../escaped,plain", *weights, "rollout.runs=200", "rollout.days=10",
            f"hydra.sweep.dir={sweep}", f"hydra.sweeper.batch={str(batch).lower()}"]
    code, _, err = negsim_cli(args, tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]  # nothing written beside it
    folders = sorted((sweep / "points").iterdir())
    assert len(folders) == 2 and all(len(f.name) <= 91 and (f / "metrics.json").is_file() for f in folders)
    assert {r["scenario.title"] for r in table(sweep / "table.csv")} == {"../../escaped", "plain"}
