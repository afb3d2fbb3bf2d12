"""Faults end with a non-zero exit that says what is missing, and leave nothing half-written."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from negsim.app.sweeps import aggregate, main
from negsim.errors import ConfigError, SweepIncomplete
from negsim.io.results import remove_stale_temporaries, write_text_atomic

SMALL = ["rollout.runs=200", "rollout.days=10"]


@pytest.fixture
def sweep(tmp_path, negsim_cli) -> Path:
    folder = tmp_path / "sweep"
    code, _, err = negsim_cli(["-m", "mediator.verification=0,1", *SMALL, f"hydra.sweep.dir={folder}"], tmp_path)
    assert code == 0, err
    return folder


def test_a_half_written_point_makes_the_aggregation_fail_after_writing_the_table(sweep, capsys):
    (first, _) = sorted((sweep / "points").iterdir())
    (first / "metrics.json").write_text('{"game": "Istanbul", "equilibria": [')  # as a killed writer would leave it
    with pytest.raises(SweepIncomplete, match=rf"^{sweep}: 1 of 2 points did not finish \(table written with their "
                                              r"status; first: unreadable .*metrics\.json: "):
        aggregate(sweep)
    with open(sweep / "table.csv", newline="") as fh:
        statuses = sorted(r["status"][:10] for r in csv.DictReader(fh))
    assert statuses == ["ok", "unreadable"]
    with pytest.raises(SystemExit) as info:
        main([str(sweep)])
    assert info.value.code == 1
    assert capsys.readouterr().err.startswith(f"negsim: error: {sweep}: 1 of 2 points did not finish")


def test_a_failed_point_makes_the_aggregation_fail(sweep):
    (first, _) = sorted((sweep / "points").iterdir())
    (first / "metrics.json").unlink()
    write_text_atomic(first / "error.json", json.dumps({"error": "disk full", "overrides": ["mediator.verification=0"]}))
    with pytest.raises(SweepIncomplete, match=r"1 of 2 points did not finish .* first: error: disk full\)$"):
        aggregate(sweep)


def test_a_results_folder_that_cannot_be_written_ends_the_multirun_with_exit_1(tmp_path, negsim_cli):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    args = ["-m", "mediator.verification=0,1", *SMALL, f"hydra.sweep.dir={tmp_path / 'sweep'}",
            f"results_dir={blocker / 'results'}"]
    code, _, err = negsim_cli(args, tmp_path)
    assert code == 1
    assert err.strip().splitlines()[-1].startswith(f"negsim: error: {blocker / 'results'}: could not write the sweep's table")


def test_an_empty_sweep_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=rf"^{tmp_path}: no finished points \(no metrics\.json below it\)$"):
        aggregate(tmp_path)


def test_temporaries_a_killed_writer_left_are_removed_and_nothing_else(tmp_path):
    (tmp_path / "p").mkdir()
    stale = [tmp_path / "p" / ".metrics.json.ab12_x9z.json", tmp_path / ".table.csv.q1w2e3r4.csv"]
    keep = [tmp_path / "p" / "metrics.json", tmp_path / ".hidden_notes", tmp_path / ".metrics.json.short.json"]
    for path in stale + keep:
        path.write_text("x")
    assert remove_stale_temporaries(tmp_path) == sorted(stale)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in stale)


def test_a_batched_sweep_cleans_up_after_an_interrupted_run(tmp_path, negsim_cli):
    out = tmp_path / "batch"
    args = ["-m", "mediator.verification=0,1", *SMALL, f"hydra.sweep.dir={out}"]
    code, _, err = negsim_cli(args, tmp_path)
    assert code == 0, err
    leftover = next((out / "points").iterdir()) / ".metrics.json.zz99zz99.json"
    leftover.write_text('{"half": ')
    code, stdout, err = negsim_cli(args, tmp_path)
    assert code == 0, err
    assert "removed 1 temporary file(s) an interrupted run left" in stdout and not leftover.exists()


def test_a_different_sweep_into_a_folder_holding_another_is_refused(tmp_path, negsim_cli):
    folder = tmp_path / "sweep"
    first = ["-m", "mediator.verification=0,1", *SMALL, f"hydra.sweep.dir={folder}"]
    assert negsim_cli(first, tmp_path)[0] == 0
    assert json.loads((folder / "sweep.json").read_text()) == {
        "swept": ["mediator.verification"], "fixed": ["rollout.days=10", "rollout.runs=200"]}
    more_values = ["-m", "mediator.verification=0,0.5,1", *SMALL, f"hydra.sweep.dir={folder}"]
    assert negsim_cli(more_values, tmp_path)[0] == 0  # resuming, or adding values, is the same sweep
    before = sorted(p.name for p in (folder / "points").iterdir())
    other = ["-m", "mediator.transfer_pledge=0,1", *SMALL, f"hydra.sweep.dir={folder}"]
    code, _, err = negsim_cli(other, tmp_path)
    assert code == 2
    assert err == (f"negsim: error: {folder}: holds another sweep (swept ['mediator.verification'], fixed "
                   "['rollout.days=10', 'rollout.runs=200']); give this one its own hydra.sweep.dir\n")
    assert sorted(p.name for p in (folder / "points").iterdir()) == before


def test_a_full_disk_under_the_results_folder_ends_with_exit_1_and_no_partial_file(tmp_path, negsim_cli):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)], capture_output=True)
    if mounted.returncode:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        args = ["-m", "mediator.verification=0,1", *SMALL, f"hydra.sweep.dir={tmp_path / 'sweep'}",
                f"results_dir={small}"]
        code, _, err = negsim_cli(args, tmp_path)
        assert code == 1
        assert err.strip().splitlines()[-1].startswith(f"negsim: error: {small}: could not write the sweep's table or plots")
        assert not [p.name for p in small.iterdir() if p.name.startswith(".")]  # no temporary left
        for path in small.iterdir():  # what was written is whole
            if path.suffix == ".csv":
                assert len(list(csv.DictReader(path.open()))) == 2
    finally:
        subprocess.run(["umount", str(small)], capture_output=True)


def test_aggregation_removes_the_temporaries_a_killed_multirun_left(sweep, capsys):
    leftovers = [sweep / ".sweep_mediator.verification.png.6w6y0s_8.png",
                 next((sweep / "points").iterdir()) / ".metrics.json.ab12cd34.json"]
    for path in leftovers:
        path.write_bytes(b"half")
    aggregate(sweep)
    assert not any(p.exists() for p in leftovers)
    assert f"negsim: removed 2 temporary file(s) an interrupted run left in {sweep}" in capsys.readouterr().out
