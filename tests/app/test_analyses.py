"""The ceasefire and bargaining analyses through the real CLI (issue: games beyond talks)."""

from __future__ import annotations

import json
import sys

import pytest

from negsim.app import cli
from negsim.games import bargaining as bg
from negsim.games import repeated as cf


def run(args, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["negsim", f"hydra.run.dir={tmp_path / 'run'}", *args])
    cli.main()
    return json.loads((tmp_path / "run" / "metrics.json").read_text()), capsys.readouterr().out


def test_ceasefire_analysis_matches_the_game_module(tmp_path, monkeypatch, capsys):
    metrics, out = run(["analysis=ceasefire", "ceasefire.delta=0.98"], tmp_path, monkeypatch, capsys)
    stage = cf.StageGame(1.0, 0.0, -2.0, -3.0)
    assert metrics["grim_trigger_threshold"] == pytest.approx(1 / 3, abs=1e-12)
    q_hold, q_violate = metrics["signal_probability_hold"], metrics["signal_probability_violate"]
    assert q_hold < q_violate
    assert metrics["retaliation_probability"] == pytest.approx(
        cf.retaliation_probability(stage, 0.98, q_hold, q_violate, 30), abs=1e-12
    )
    assert metrics["stage_equilibria"] == [{"x": [0.0, 1.0], "y": [0.0, 1.0]}]  # one-shot: both violate
    assert metrics["inputs"]["delta"]["source"] == ["AF6", "PK5", "EV4"]  # round two's discount, value overridden
    assert "least retaliation probability that deters at delta=0.98" in out


def test_bargaining_analysis_matches_the_closed_forms(tmp_path, monkeypatch, capsys):
    metrics, _ = run(["analysis=bargaining", "bargaining.breakdown=0"], tmp_path, monkeypatch, capsys)
    assert metrics["rubinstein_pak_share"] == pytest.approx((1 - 0.9) / (1 - 0.8 * 0.9), abs=1e-12)
    assert metrics["tioli_war_probability"] == pytest.approx((0.3 - 0.1) / (2 * 0.3), abs=1e-12)
    assert metrics["tioli_pak_demand"] == pytest.approx(0.6 + (0.3 - 0.1) / 2, abs=1e-12)
    assert metrics["fearon_range_at_mean_afg_cost"] == pytest.approx([0.5, 0.75])
    assert metrics["rubinstein_pak_share"] == bg.rubinstein(0.8, 0.9).proposer_share


@pytest.mark.parametrize(
    "args, expected",
    [
        (["analysis=ceasefire", "ceasefire.S=5"],
         "ceasefire.P: a prisoner's dilemma needs T > R > P > S, got T=1.0, R=0.0, P=-2.0, S=5.0"),
        (["analysis=ceasefire", "ceasefire.delta=1.5"], "ceasefire.delta: expected a discount factor in (0, 1), got 1.5"),
        (["analysis=ceasefire", "rollout.sources.stage_T.source=[]"],
         "rollout.sources.stage_T.source: missing source (list POSITIONS.md IDs or 'cite:Author Year')"),
        (["analysis=bargaining", "bargaining.pak_win=2"],
         "bargaining.pak_win (p): expected a probability that A wins in [0, 1], got 2.0"),
        (["mode=bargaining"], "bargaining: no parameters; use analysis=bargaining"),
    ],
)
def test_bad_analysis_input_is_one_line(args, expected, tmp_path, negsim_cli):
    code, _, err = negsim_cli(args, tmp_path)
    assert code == 2 and err.strip().splitlines() == [f"negsim: error: {expected}"]
    assert not any(tmp_path.iterdir())


def test_crisis_analysis_from_the_cli_writes_a_gambit_file(tmp_path, monkeypatch, capsys):
    from negsim.io.efg import read_efg
    from negsim.model.crisis import load_crisis_spec, predict
    from negsim.model.scenario import load_scenario

    metrics, out = run(["analysis=crisis", "scenario=istanbul_round3"], tmp_path, monkeypatch, capsys)
    spec = load_crisis_spec()
    pred = predict(load_scenario("istanbul_round3"), spec)
    assert metrics["solution_concept"].startswith("logit agent quantal response equilibrium")
    assert metrics["precision"]["value"] == spec.precision and "cite:McKelvey Palfrey 1998" in metrics["precision"]["source"]
    assert metrics["audience_cost"]["value"] == spec.audience_cost and "cite:Fearon 1994" in metrics["audience_cost"]["source"]
    assert metrics["residual"] < 1e-9 and sum(metrics["outcomes"].values()) == pytest.approx(1.0)
    assert metrics["outcomes"] == pytest.approx(pred.qre.outcomes, abs=1e-12)
    assert metrics["strike_probability"] == pytest.approx(pred.strike_probability, abs=1e-12)
    record = metrics["recorded_path"]
    assert record["leaf"] == "back_down" and record["actions"] == ["written", "refuse", "back_down"]
    assert record["probability"] == pytest.approx(pred.recorded_probability, abs=1e-12) and record["probability"] >= 0.2
    assert {"EV4", "EV5"} <= set(record["source"])
    by_lam = dict((lam, p) for lam, p in record["robustness"]["precision"])
    assert by_lam[spec.precision] == pytest.approx(record["probability"], abs=1e-9)
    assert [a for a, _ in record["robustness"]["audience_cost"]][0] == spec.audience_range[0]
    assert 0.0 < metrics["behavior"]["PAK irresolute: written refused"]["strike"] < 1.0
    game = read_efg(tmp_path / "run" / "crisis.efg")
    assert "Crisis" in game.title and "Gambit file:" in out and "Recorded path (written > refuse > back_down" in out


def test_ceasefire_analysis_follows_the_stated_outcome_and_its_provisions(tmp_path, monkeypatch, capsys):
    """The signals come from the outcome's ceasefire: verification acts only where the
    outcome agrees a mechanism, so after the deadlock the signals do not depend on it."""
    written, _ = run(["analysis=ceasefire", "mediator.verification=1"], tmp_path, monkeypatch, capsys)
    assert written["outcome"] == "written, verified guarantee" and written["verification_in_force"] == 1.0
    weak, _ = run(["analysis=ceasefire", "mediator.verification=0"], tmp_path, monkeypatch, capsys)
    assert written["signal_probability_hold"] < weak["signal_probability_hold"]
    assert written["retaliation_probability"] < weak["retaliation_probability"]
    deadlock = [run(["analysis=ceasefire", "after=insist_written/verbal_only", f"mediator.verification={v}"],
                    tmp_path, monkeypatch, capsys)[0] for v in (0, 1)]
    assert deadlock[0]["verification_in_force"] == deadlock[1]["verification_in_force"] == 0.0
    assert deadlock[0]["signal_probability_hold"] == deadlock[1]["signal_probability_hold"]


def test_the_ceasefire_analysis_explains_the_ceasefire_it_drives(tmp_path, monkeypatch, capsys):
    """Left to its defaults, the analysis uses the rollout's stage payoffs and punishment
    and the round's discount: its deterring retaliation is the rollout's."""
    from negsim import load_scenario
    from negsim.io.configs import config_dir, load_yaml
    from negsim.model.scenario import build_rollout
    from negsim.model.situation import outcome_ceasefire

    metrics, _ = run(["analysis=ceasefire", "scenario=istanbul_round3"], tmp_path, monkeypatch, capsys)
    setup = build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml"))
    _, det = outcome_ceasefire(load_scenario("istanbul_round3"), 0, 0, setup)
    assert metrics["retaliation_probability"] == pytest.approx(det.retaliate, rel=1e-12)
    assert metrics["inputs"]["delta"]["value"] == 0.98 and metrics["inputs"]["delta"]["source"] == ["PK10", "EV5"]
    assert metrics["inputs"]["T"]["value"] == setup.stage.T and metrics["inputs"]["punishment_days"]["value"] == 30
