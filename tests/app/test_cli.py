"""End-to-end tests of the real ``negsim`` command, and of its bad-input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from negsim.app import cli

NEGSIM = [sys.executable, "-c", "from negsim.app.cli import main; main()"]


def run_cli(args, cwd: Path):
    return subprocess.run(NEGSIM + list(args), cwd=cwd, capture_output=True, text=True, timeout=120)


def test_default_run_prints_sources_equilibria_and_writes_metrics(tmp_path):
    out = tmp_path / "run"
    proc = run_cli([f"hydra.run.dir={out}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "Istanbul talks, round two" in text
    assert "insist_written" in text and "[PK1, PK2, PK3]" in text
    assert "Selected by the 'logit_limit' rule: #1" in text
    assert "Predicted outcomes (logit QRE at precision 6): deadlock: verbal pledge only, no deal (p=0." in text
    assert "Ceasefire forecast: 10,000 runs x 180 days after each of 9 predicted outcome(s)" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["scenario"] == "istanbul_round2"
    assert 0.0 < metrics["p_deal"] < 0.5  # T1 as a probability
    assert metrics["prediction"]["rule"] == "qre" and metrics["prediction"]["lam"] == 6.0
    assert len(metrics["outcomes"]) == 9 and all("ceasefire" in o for o in metrics["outcomes"])
    assert set(metrics["provisions_in_force"]) == {"verification", "channel", "compliance"}
    assert metrics["equilibria"][metrics["selected"]]["x"] == [1.0, 0.0, 0.0]
    assert metrics["versions"]["numpy"] and len(metrics["config_hash"]) == 16
    assert (out / ".hydra" / "config.yaml").is_file()
    assert sorted(p.name for p in out.iterdir()) == [
        ".hydra", "breakdown.png", "breakdown.svg", "metrics.json", "negsim.log", "report.html", "rollout.npz",
    ]
    roll = metrics["rollout"]
    assert roll["seed"] == 20251019 and roll["runs"] == 10000 and roll["days"] == 180
    assert roll["p_breakdown_low"] <= roll["p_breakdown"] <= roll["p_breakdown_high"]
    arrays = np.load(out / "rollout.npz", allow_pickle=False)
    assert arrays["p_breakdown"].shape == (180,) and arrays["breakdown_day"].shape == (9, 10000)
    assert arrays["p_breakdown"][-1] == roll["p_breakdown"]
    assert np.isclose(arrays["weights"].sum(), 1.0) and arrays["strata"].shape == (9, 2)


def test_cli_rollout_equals_the_library_with_the_same_seed(tmp_path, negsim_cli):
    from omegaconf import OmegaConf

    from negsim import load_scenario
    from negsim.io.configs import config_dir
    from negsim.model.rollout import rollout
    from negsim.model.scenario import build_rollout
    from negsim.model.situation import outcome_ceasefire
    from negsim.model.talks import predict

    out = tmp_path / "run"
    code, _, err = negsim_cli([f"hydra.run.dir={out}", "scenario=istanbul_round3", "rollout.runs=3000", "rollout.days=30",
                               "seed=7"], tmp_path)
    assert code == 0, err
    cli_numbers = json.loads((out / "metrics.json").read_text())["rollout"]
    setup = build_rollout(OmegaConf.to_container(OmegaConf.load(config_dir() / "rollout" / "default.yaml")))
    scenario = load_scenario("istanbul_round3")
    P = predict(scenario)
    cells = [(i, j) for i in range(3) for j in range(3)]
    results = [rollout(setup.params, outcome_ceasefire(scenario, i, j, setup)[0], runs=3000, days=30, seed=7)
               for i, j in cells]
    for key in ("p_breakdown", "mean_deaths", "mean_closed_days", "p_open_war"):
        lib = sum(P[c] / P.sum() * r.summary()[key] for c, r in zip(cells, results, strict=True))
        assert np.isclose(cli_numbers[key], lib, rtol=1e-12, atol=1e-12), key


def test_after_rolls_the_ceasefire_out_after_the_stated_outcome(tmp_path, negsim_cli):
    out = tmp_path / "run"
    code, text, err = negsim_cli([f"hydra.run.dir={out}", "after=accept_verbal/verbal_only", "rollout.runs=2000",
                                  "rollout.days=30"], tmp_path)
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["after"] == "accept_verbal/verbal_only" and metrics["p_deal"] == 1.0
    assert metrics["selected_outcomes"] == {"verbal pledge with phased confidence-building": 1.0}
    assert "Predicted outcomes (given by after=): verbal pledge with phased confidence-building (p=1)" in text
    code, _, err = negsim_cli([f"hydra.run.dir={tmp_path / 'bad'}", "after=accept_verbal"], tmp_path)
    assert code == 2 and err == ("negsim: error: after: expected ROW/COL (PAK action / AFG action, e.g. "
                                 "insist_written/verbal_only), got 'accept_verbal'\n")
    assert not (tmp_path / "bad").exists()


def test_other_scenario_and_solver_from_the_command_line(tmp_path, negsim_cli):
    out = tmp_path / "run"
    code, _, err = negsim_cli([f"hydra.run.dir={out}", "scenario=doha_round", "solver=lemke_howson"], tmp_path)
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["scenario"] == "doha_round" and metrics["p_deal"] > 0.5  # the Doha truce: a deal
    assert metrics["solver"]["method"] == "lemke_howson"


def test_solving_a_gambit_file(tmp_path, negsim_cli):
    nfg = tmp_path / "pennies.nfg"
    nfg.write_text('NFG 1 R "Matching pennies" { "P1" "P2" } { 2 2 }\n1 -1 -1 1 -1 1 1 -1\n')
    out = tmp_path / "run"
    code, _, err = negsim_cli([f"hydra.run.dir={out}", f"nfg={nfg}"], tmp_path)
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["equilibria"] == [
        {"x": [0.5, 0.5], "y": [0.5, 0.5], "payoffs": [0.0, 0.0], "regret": [0.0, 0.0]}
    ]
    # A Gambit file states no precision: the prediction is the selected equilibrium,
    # unless solver.lam gives one.
    assert metrics["prediction"]["rule"] == "logit_limit" and metrics["prediction"]["lam"] is None
    code, _, err = negsim_cli([f"hydra.run.dir={tmp_path / 'qre'}", f"nfg={nfg}", "solver.lam=3"], tmp_path)
    assert code == 0, err
    qre = json.loads((tmp_path / "qre" / "metrics.json").read_text())["prediction"]
    assert qre["rule"] == "qre" and qre["lam"] == 3.0 and np.allclose(qre["x"], [0.5, 0.5])


BAD_NFG = {
    "malformed.nfg": 'NFG 1 R "x" { "P1" "P2" } { 2 2 }\n1 2 3 oops 5 6 7 8\n',
    "empty.nfg": "",
    "short.nfg": 'NFG 1 R "x" { "P1" "P2" } { 2 2 }\n1 2 3 4 5\n',
    "nan.nfg": 'NFG 1 R "x" { "P1" "P2" } { 1 1 }\nnan 1\n',
    "three.nfg": 'NFG 1 R "x" { "P1" "P2" "P3" } { 1 1 1 }\n1 2 3\n',
}


TOP_KEYS = ("after, bargaining, ceasefire, efg, game, horizon, leverage_choice, mediation, mediator, mediator_play, mode, "
            "nfg, outcome, output, results_dir, rollout, scenario, seed, sensitivity, solver, threshold, uncertainty, "
            "workers")
NO_SOURCE = "missing source (list POSITIONS.md IDs or 'cite:Author Year')"


@pytest.mark.parametrize(
    "args, expected",
    [
        (["colour=blue"], f"colour: unknown key; the top-level keys are: {TOP_KEYS}"),
        (["mediator.leverage=1"], "mediator.leverage: unknown key; mediator has: deconfliction, name, penalty_breakdown, "
                                  "sources, transfer_compliance, transfer_pledge, transfer_written, verification"),
        (["scenario=nowhere"], "scenario: no config 'nowhere'; expected one of: doha_round, istanbul_round2, istanbul_round3"),
        (["solver=simplex"], "solver: no config 'simplex'; expected one of: enumerate, lemke_howson, pure, qre, support, vertex"),
        (["solver.method=simplex"],
         "solver.method: unknown solver 'simplex'; expected one of: enumerate, pure, support, vertex, lemke_howson, qre"),
        (["solver.selection=coin_flip"], "solver.selection: unknown rule 'coin_flip'; expected one of: qre, logit_limit, welfare"),
        (["mediator.verification=1.5"], "mediator.verification: expected a fraction in [0, 1], got 1.5"),
        (["mediator.transfer_pledge=lots"], "mediator.transfer_pledge: expected float, got 'lots'"),
        (["seed=x"], "seed: expected int, got 'x'"),
        (["scenario.weights.PAK.guarantee.source=[]"], f"scenario.weights.PAK.guarantee.source: {NO_SOURCE}"),
        (["scenario.weights.PAK.guarantee.source=[XX1]"], "scenario.weights.PAK.guarantee.source: unknown source 'XX1' "
                                                          "(expected a POSITIONS.md ID such as PK2, or 'cite:Author Year')"),
        (["scenario.weights.AFG.escalation.value=nan"], "scenario.weights.AFG.escalation.value: expected a finite number, got nan"),
        (["mediator.verification=0,0.5,2"], "mediator.verification: expected a fraction in [0, 1], got 2.0"),
        (["nfg=missing.nfg"], "missing.nfg: no such file"),
        (["rollout.attack_rate=2"], "rollout.attack_rate: expected probabilities in [0, 1], got 2.0"),
        (["rollout.days=0"], "rollout.runs/days/chunk_runs: expected runs >= 0, days >= 1, chunk_runs >= 1, got 10000, 0, 65536"),
        (["nfg=malformed.nfg"], "malformed.nfg: expected a numeric payoff, found a word of 4 characters (line 2)"),
        (["nfg=empty.nfg"], "empty.nfg: file is empty, expected an 'NFG 1 R' header"),
        (["nfg=short.nfg"], "short.nfg: expected 8 payoffs for a 2x2 game, found 5"),
        (["nfg=nan.nfg"], "nan.nfg: expected a numeric payoff, found 'nan': NaN and infinite payoffs are not allowed (line 2)"),
        (["nfg=three.nfg"], "three.nfg: expected exactly 2 players (negsim supports two-player games only), found 3"),
    ],
)
def test_bad_input_gives_one_line_error_exit_2_and_writes_nothing(args, expected, tmp_path, monkeypatch, capsys):
    for name, text in BAD_NFG.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.setattr(sys, "argv", ["negsim", f"hydra.run.dir={tmp_path / 'run'}", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    lines = err.strip().splitlines()
    assert lines == [f"negsim: error: {expected}"], err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_bad_input_through_the_installed_command_has_no_traceback(tmp_path):
    proc = run_cli(["mediator.deconfliction=-0.1"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "negsim: error: mediator.deconfliction: expected a fraction in [0, 1], got -0.1"
    assert not any(tmp_path.iterdir())


def _own_configs(root: Path) -> Path:
    """A user's config folder with one scenario of their own (and its mediator)."""
    from negsim.io.configs import config_dir

    mine = root / "mine"
    (mine / "scenario").mkdir(parents=True)
    (mine / "mediator").mkdir()
    text = (config_dir() / "scenario" / "istanbul_round2.yaml").read_text()
    text = text.replace("name: istanbul_round2", "name: my_round").replace('"Istanbul talks, round two"', '"My own round"')
    (mine / "scenario" / "my_round.yaml").write_text(text)
    med = (config_dir() / "mediator" / "istanbul_round2.yaml").read_text().replace("name: istanbul_round2", "name: my_round")
    (mine / "mediator" / "my_round.yaml").write_text(med.replace("transfer_pledge: 0.5", "transfer_pledge: 3.0"))
    return mine


def test_a_users_own_scenario_through_config_dir(tmp_path, negsim_cli):
    mine = _own_configs(tmp_path)
    code, out, err = negsim_cli(["--config-dir", mine, "scenario=my_round", "rollout.runs=500", "hydra.run.dir=run"], tmp_path)
    assert code == 0, err
    assert "My own round" in out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["scenario"] == "my_round"
    assert metrics["p_deal"] > 0.5  # the larger transfer of the user's own mediator buys the pledge-level deal


def test_a_users_own_scenario_through_hydra_searchpath(tmp_path, negsim_cli):
    mine = _own_configs(tmp_path)
    args = [f"hydra.searchpath=[file://{mine}]", "scenario=my_round", "mediator=istanbul_round2", "rollout.runs=500",
            "hydra.run.dir=run"]
    code, out, err = negsim_cli(args, tmp_path)
    assert code == 0, err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["scenario"] == "my_round" and metrics["p_deal"] < 0.5  # the shipped mediator: no deal


def test_a_users_scenario_file_from_python_finds_its_own_mediator(tmp_path):
    from negsim import load_scenario

    mine = _own_configs(tmp_path)
    own = load_scenario(str(mine / "scenario" / "my_round.yaml"))
    assert own.name == "my_round" and own.mediator.transfer_pledge == 3.0
    shipped_mediator = load_scenario(str(mine / "scenario" / "my_round.yaml"), mediator="istanbul_round2")
    assert shipped_mediator.mediator.transfer_pledge == 0.5


def test_a_missing_config_dir_and_an_unknown_own_scenario_are_one_line_errors(tmp_path, negsim_cli):
    code, out, err = negsim_cli(["--config-dir", tmp_path / "nowhere", "scenario=my_round"], tmp_path)
    assert code == 2
    assert err.strip() == f"negsim: error: {tmp_path / 'nowhere'}: config folder not found (given with --config-dir or hydra.searchpath)"
    code, out, err = negsim_cli(["scenario=my_round"], tmp_path)
    assert code == 2
    assert err == "negsim: error: scenario: no config 'my_round'; expected one of: doha_round, istanbul_round2, istanbul_round3\n"
    assert not any(tmp_path.iterdir())
