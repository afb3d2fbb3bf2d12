"""The command line answers an analyst's question: a named outcome by a horizon with its
interval, every named outcome in metrics.json and the sweep table, one line a sweep point
and a closing summary, ``--json`` on stdout, ``efg=`` files, and a help that explains."""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path

import pytest

from negsim.model.outcomes import OUTCOMES

SMALL = ["rollout.runs=600", "rollout.days=60"]

ENTRY = """EFG 2 R "Entry deterrence" { "Entrant" "Incumbent" }
""

p "" 1 1 "E" { "enter" "stay_out" } 0
p "" 2 1 "I" { "fight" "accommodate" } 0
t "" 1 "fight" { -1, -1 }
t "" 2 "share" { 1, 1 }
t "" 3 "out" { 0, 2 }
"""


def only_metrics(folder: Path) -> dict:
    (path,) = folder.rglob("metrics.json")
    return json.loads(path.read_text())


def test_a_named_outcome_by_a_horizon_is_the_answer_with_its_interval(negsim_cli, tmp_path):
    code, out, err = negsim_cli(["scenario=istanbul_round3", "outcome=open_war", "horizon=45", *SMALL,
                                 f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert code == 0, err
    m = only_metrics(tmp_path / "run")
    answer, ladder = m["outcome"], m["rollout"]["ladder"]
    assert (answer["name"], answer["horizon"], answer["days"], answer["runs"]) == ("open_war", 45, 60, 600)
    assert answer["question"] == "P(open war within 45 days)"
    assert answer["low"] < answer["p"] < answer["high"]
    assert list(ladder) == list(OUTCOMES) and m["rollout"]["horizon"] == 45
    assert (ladder["open_war"]["p"], ladder["open_war"]["low"]) == (answer["p"], answer["low"])
    assert ladder["incident"]["p"] >= ladder["clash"]["p"] >= ladder["strikes"]["p"] >= ladder["open_war"]["p"]
    assert f"P(open war within 45 days): {answer['p']:.4f} (95% CI {answer['low']:.4f}-{answer['high']:.4f})" in out


def test_the_default_question_is_the_breakdown_by_the_last_day(negsim_cli, tmp_path):
    code, _, err = negsim_cli([*SMALL, f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert code == 0, err
    m = only_metrics(tmp_path / "run")
    assert (m["outcome"]["name"], m["outcome"]["horizon"]) == ("strikes", 60)
    assert m["outcome"]["p"] == pytest.approx(m["rollout"]["p_breakdown"], abs=1e-12)
    assert m["outcome"]["high"] == pytest.approx(m["rollout"]["p_breakdown_high"], abs=1e-12)


@pytest.mark.parametrize("args, expected", [
    (["outcome=war"], "outcome: expected one of incident, clash, strikes, open_war, first_incident, "
                      "crossings_reopened, got 'war'"),
    (["horizon=61"], "horizon: expected a whole number of days from 1 to rollout.days=60, got 61"),
    (["efg=missing.efg"], "missing.efg: no such file"),
    (["efg=game.efg", "nfg=game.nfg"], "efg: give one Gambit file, not nfg=game.nfg and efg=game.efg"),
])
def test_bad_questions_are_one_line_errors(args, expected, negsim_cli, tmp_path):
    code, out, err = negsim_cli([*args, *SMALL, f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert (code, err.strip().splitlines()) == (2, [f"negsim: error: {expected}"])
    assert not (tmp_path / "run").exists()


def test_a_sweep_prints_a_line_a_point_and_a_closing_table_with_every_outcome_in_its_table(negsim_cli, tmp_path):
    sweep = tmp_path / "sweep"
    code, out, err = negsim_cli(["-m", "scenario=istanbul_round3", "mediator.verification=0,0.5,1", "outcome=open_war",
                                 "horizon=45", *SMALL, f"hydra.sweep.dir={sweep}"], tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    points = [line for line in lines if line.startswith("[")]
    assert [p[:6] for p in points] == ["[1/3] ", "[2/3] ", "[3/3] "]
    assert all("P(open war within 45 days)" in p for p in points)
    start = lines.index("Sweep summary (3 point(s)):")
    header, rule, *rows = lines[start + 1 : start + 6]
    assert header.split()[:6] == ["mediator.verification", "P(open", "war", "within", "45", "days)"]
    assert set(rule) == {"-", " "} and [r.split()[0] for r in rows] == ["0", "0.5", "1"]
    with open(sweep / "table.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 3
    for row in table:
        assert row["outcome"] == "open_war" and row["horizon"] == "45"
        assert row["p_outcome"] == row["ladder_open_war"]
        for name in OUTCOMES:
            assert float(row[f"ladder_{name}_low"]) <= float(row[f"ladder_{name}"]) <= float(row[f"ladder_{name}_high"])


def test_json_on_stdout_is_the_metrics_and_nothing_else(negsim_cli, tmp_path):
    code, out, err = negsim_cli(["--json", *SMALL, f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert code == 0, err
    printed = json.loads(out)
    assert printed == only_metrics(tmp_path / "run")
    assert "Wrote" in err and "Equilibria" not in out


def test_json_of_a_sweep_is_one_line_a_point(negsim_cli, tmp_path):
    for batch in ("true", "false"):
        sweep = tmp_path / batch
        code, out, err = negsim_cli(["--json", "-m", "mediator.verification=0,1", *SMALL, f"hydra.sweeper.batch={batch}",
                                     f"hydra.sweep.dir={sweep}"], tmp_path)
        assert code == 0, err
        printed = [json.loads(line) for line in out.splitlines()]
        stored = [json.loads(p.read_text()) for p in sorted(sweep.rglob("metrics.json"))]
        key = lambda m: m["overrides"]  # noqa: E731
        assert len(printed) == len(stored) == 2
        assert sorted(printed, key=key) == sorted(stored, key=key)
        assert "Sweep summary" not in out and "sweep table and plots" in err


def test_an_extensive_form_file_is_solved_in_behaviour_strategies(negsim_cli, tmp_path):
    (tmp_path / "entry.efg").write_text(ENTRY)
    code, out, err = negsim_cli(["efg=entry.efg", f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert code == 0, err
    m = only_metrics(tmp_path / "run")
    assert m["actions"] == [["enter", "stay_out"], ["fight", "accommodate"]]
    assert len(m["equilibria"]) == len(m["extensive"]["behavior"]) == 3
    spe = m["extensive"]["subgame_perfect"]
    assert spe["players"] == [{"E": {"enter": 1.0, "stay_out": 0.0}}, {"I": {"fight": 0.0, "accommodate": 1.0}}]
    assert spe["outcomes"]["share"] == 1.0
    threats = [b for b in m["extensive"]["behavior"] if b["outcomes"].get("out") == 1.0]
    # the Nash equilibria off the subgame-perfect path: the entrant stays out before a threat of
    # fighting at least half the time (the ends of that component: fight 1/2 and fight 1)
    assert sorted(b["players"][1]["I"]["fight"] for b in threats) == [0.5, 1.0]
    assert "subgame perfect (backward induction):" in out


def test_the_help_explains_negsim_in_under_sixty_lines_with_ten_examples_that_run(negsim_cli, tmp_path):
    from negsim.app.cli import Composer, json_flag, preflight
    from negsim.app.help import EXAMPLES, WIDTH, short_help

    text = short_help()
    lines = text.splitlines()
    assert len(lines) < 60 and max(map(len, lines)) <= WIDTH
    assert len(EXAMPLES) == 10 and all(f"  {command}" in text for command, _ in EXAMPLES)
    words = " ".join(text.split())
    assert "outputs/run/" in words and "docs/reference.md" in words and "--cfg job" in words
    (tmp_path / "game.efg").write_text(ENTRY)
    with Composer() as compose:
        for command, _ in EXAMPLES:
            words = shlex.split(command.split(">")[0])
            assert words[0] == "negsim"
            args = [w.replace("game.efg", str(tmp_path / "game.efg")) for w in json_flag(words[1:])]
            base, _ = preflight(args, compose)
            assert base is not None, command
