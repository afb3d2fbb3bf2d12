"""Seminar material: negsim-explain, the classroom game negsim-play, and the teaching figures."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

import negsim
from negsim.app import teach
from negsim.equilibrium import Equilibrium
from negsim.errors import ConfigError, NegsimError
from negsim.viz import curves, figures
from negsim.viz.canvas import save_figure
from negsim.viz.text import payoff_table

ROOT = Path(__file__).resolve().parents[2]


def flat(text: str) -> str:
    """Whitespace collapsed, so wrapped sentences can be matched."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def round2():
    scenario = negsim.load_scenario("istanbul_round2")
    return scenario, negsim.talks_game(scenario)


@pytest.fixture(scope="module")
def explained():
    return teach.explain("istanbul_round2")


# --- explain -------------------------------------------------------------------------------


def test_explain_shows_table_sources_equilibrium_and_threshold(explained, round2):
    _, game = round2
    assert payoff_table(game) in explained  # best replies starred, as in `negsim`
    text = flat(explained)
    assert "PAK guarantee +6.00 [PK1, PK2, PK3]" in text
    assert "Selected by the 'logit' rule: #1" in text
    assert "Selected outcome: deadlock: verbal pledge only, no deal (p=1)" in text
    assert "PAK's best reply to 'verbal_only' is 'insist_written' (+1.50 for PAK)." in text
    assert "AFG's best reply to 'insist_written' is 'verbal_only' (-1.50 for AFG)." in text
    # QRE summary: uniform start, end at the selected equilibrium.
    assert "lambda = 0 (random)" in explained
    assert "the selected equilibrium (that is how the 'logit' rule selects)" in text
    # T3: the transfer that flips round two to a deal (results/threshold).
    assert "Leverage threshold for transfer_deal: 1.00 payoff units." in text
    assert "from 1.00 on, 'verbal pledge with phased confidence-building'" in text


def test_explain_lists_the_dominated_actions_of_round_two(explained):
    # By hand from the table: insist_written beats accept_verbal (7.50 > 5.75, 1.50 > 1.00,
    # -3.00 > -5.00) and walk_out (7.50 > -5.00, 1.50 > -2.00, -3.00 > -6.50); verbal_only
    # beats sign_written (-1.50 > -3.90, 3.50 > -3.40, -4.50 > -5.50) and refuse (-1.50 >
    # -3.50, 3.50 > -1.00, -4.50 > -6.50).
    text = flat(explained)
    for line in (
        "PAK: 'accept_verbal' is strictly dominated by 'insist_written'",
        "PAK: 'walk_out' is strictly dominated by 'insist_written'",
        "AFG: 'sign_written' is strictly dominated by 'verbal_only'",
        "AFG: 'refuse' is strictly dominated by 'verbal_only'",
    ):
        assert line in text
    assert "PAK: 'insist_written' is" not in text and "AFG: 'verbal_only' is" not in text
    assert "leaves: PAK 'insist_written'; AFG 'verbal_only'" in text


def _dominated_set(game):
    return {(d.player, d.action, d.strict) for d in negsim.game.dominated_actions(game)}


def test_dominated_actions_of_every_scenario(round2):
    _, game = round2
    assert _dominated_set(game) == {(0, 1, True), (0, 2, True), (1, 0, True), (1, 2, True)}
    doha = negsim.talks_game(negsim.load_scenario("doha_round"))
    # Doha: only walk_out for PAK (insist_written and accept_verbal each best somewhere).
    assert _dominated_set(doha) == {(0, 2, True), (1, 0, True), (1, 2, True)}
    survivors, steps = negsim.game.iterated_elimination(doha)
    assert survivors == [[1], [1]]  # accept_verbal / verbal_only, the Doha equilibrium
    assert max(s[0] for s in steps) == 2
    round3 = negsim.talks_game(negsim.load_scenario("istanbul_round3"))
    assert _dominated_set(round3) == {(0, 1, True), (0, 2, True), (1, 0, True), (1, 2, True)}


def test_domination_by_a_mixture_and_weak_domination():
    # Row 3 is beaten by no pure row, but by the 50/50 mixture of rows 1 and 2 (1.5 > 1).
    A = np.array([[3.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    found = negsim.game.dominated_actions(negsim.Game(A, np.zeros_like(A)))
    (d,) = [d for d in found if d.player == 0]
    assert d.action == 2 and d.strict and not d.by_pure
    np.testing.assert_allclose(d.by, [0.5, 0.5, 0.0], atol=0.2)
    assert np.all(d.by @ A > A[2])
    assert negsim.game.dominated_actions(negsim.Game(A, np.zeros_like(A)), mixtures=False) == []
    # Weak: row 2 ties row 1 against column 1 and loses against column 2.
    W = np.array([[1.0, 1.0], [1.0, 0.0]])
    weak = [d for d in negsim.game.dominated_actions(negsim.Game(W, np.zeros_like(W))) if d.player == 0]
    assert [(d.action, d.strict, d.by_pure) for d in weak] == [(1, False, True)]


def test_explain_main_bad_scenario_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        teach.explain_main(["no_such_round"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("negsim: error: unknown scenario 'no_such_round'")
    assert "istanbul_round2" in err and "Traceback" not in err


@pytest.mark.parametrize("argv, needle", [
    (["--knob", "deconfliction"],
     "knob: 'deconfliction' is not a mediator knob of the talks payoffs; expected one of: transfer_deal, penalty_walkout, verification, sovereignty_relief"),
    (["--bogus"], "negsim-explain: unrecognized arguments: --bogus (see negsim-explain --help)"),
])
def test_explain_main_bad_options_are_one_line(capsys, argv, needle):
    with pytest.raises(SystemExit) as exc:
        teach.explain_main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err == f"negsim: error: {needle}\n"


def test_explain_main_prints_explain(monkeypatch, capsys):
    seen = {}

    def fake(name, *, knob):
        seen.update(name=name, knob=knob)
        return "EXPLAINED\n"

    monkeypatch.setattr(teach, "explain", fake)
    assert teach.explain_main(["doha_round", "--knob", "verification"]) == 0
    assert capsys.readouterr().out == "EXPLAINED\n"
    assert seen == {"name": "doha_round", "knob": "verification"}
    monkeypatch.setattr("sys.argv", ["negsim-explain"])
    assert teach.explain_main() == 0
    assert seen["name"] == "istanbul_round2" and seen["knob"] == "transfer_deal"


# --- the classroom game --------------------------------------------------------------------


def run(lines: str, **kw):
    out = io.StringIO()
    kw.setdefault("rounds", 1)
    record = teach.play(io.StringIO(lines), out, **kw)
    return record, out.getvalue()


def test_pvp_insist_against_verbal_only_is_deadlock_and_totals_add_up():
    # Round 1: insist_written / verbal_only, both hold; round 2: accept_verbal / verbal_only,
    # PAK violates (T=5 for PAK, S=0 for AFG).
    record, text = run("insist_written\nverbal_only\nhold\nhold\n2\n2\nviolate\nhold\n", rounds=2)
    assert not record.stopped and record.rounds_played == 2
    first, second = record.talks
    assert first.outcome == "deadlock: verbal pledge only, no deal" and not first.deal
    assert first.payoffs == (1.5, -1.5)
    assert second.outcome == "verbal pledge with phased confidence-building" and second.deal
    assert second.payoffs == (1.0, 3.5)
    assert [d.actions for d in record.ceasefire] == [(0, 0), (1, 0)]
    assert [d.payoffs for d in record.ceasefire] == [(3.0, 3.0), (5.0, 0.0)]
    assert record.talks_totals == (2.5, 2.0)
    assert record.ceasefire_totals == (8.0, 3.0)
    assert "-> deadlock: verbal pledge only, no deal" in flat(text)
    assert "Payoffs this round: PAK +1.50, AFG -1.50" in text
    assert "Equilibrium play would be: PAK 'insist_written', AFG 'verbal_only'" in flat(text)
    assert "PAK violated while AFG held" in flat(text)
    assert "talks (payoff units)" in text and "+2.50" in text and "+2.00" in text
    assert "Final score after 2 rounds" in text


def test_invalid_moves_are_reasked_with_a_clear_message():
    record, text = run("foo\n\n9\n0\n1\nverbal\nmaybe\nh\n1\n")
    assert record.rounds_played == 1 and not record.stopped
    assert record.talks[0].outcome == "deadlock: verbal pledge only, no deal"
    assert "invalid move: 'foo' is not a move: type a number 1-3" in text
    assert "invalid move: no move entered" in text
    assert "invalid move: 9 is out of range" in text
    assert "invalid move: 0 is out of range" in text
    assert "invalid move: 'maybe' is not a move: type a number 1-2 or a name (hold, violate)" in text
    assert text.count("invalid move") == 5


def test_parse_move():
    opts = ("insist_written", "accept_verbal", "walk_out")
    assert teach.parse_move("2", opts) == (1, "")
    assert teach.parse_move(" WALK ", opts) == (2, "")
    assert teach.parse_move("Insist_Written", opts) == (0, "")
    k, msg = teach.parse_move("a", ("alpha", "alps"))
    assert k is None and "could be 'alpha' or 'alps'" in msg
    assert teach.parse_move("-1", opts)[0] is None


@pytest.mark.parametrize("lines, done", [("", 0), ("1\n2\n", 0), ("1\n2\n1\n1\n3\n", 1)])
def test_end_of_input_stops_cleanly(lines, done):
    record, text = run(lines, rounds=3)
    assert record.stopped and record.rounds_played == done
    assert f"input ended: game stopped after round {done}" in text
    assert len(record.ceasefire) == done  # an unfinished round does not count
    assert f"Final score after {done} round" in text


def test_quit_stops_the_game():
    record, text = run("quit\n", rounds=2)
    assert record.stopped and "a player quit: game stopped after round 0" in text


def test_model_plays_the_equilibrium_and_the_trigger_strategy():
    # PAK (student) insists and violates the truce on day 1; the model (AFG) answers with
    # verbal_only (its pure equilibrium strategy) and punishes on the next two days.
    record, text = run("1\n2\n1\n1\n1\n1\n", mode="pak", days=2, rounds=2, seed=0)
    assert [t.labels[1] for t in record.talks] == ["verbal_only", "verbal_only"]
    assert [d.actions for d in record.ceasefire] == [(1, 0), (0, 1), (0, 1), (0, 0)]
    assert "AFG (model, trigger strategy) violates: punishing the violation by PAK, day 1 of 2" in flat(text)
    assert "AFG (model, trigger strategy) holds: no violation seen" in flat(text)


def test_model_move_is_shown_only_after_the_student_chose():
    _, text = run("2\n1\n", mode="afg")
    assert text.index("AFG, your move in the talks") < text.index("PAK (model) plays 'insist_written'")
    assert text.index("AFG, hold or violate") < text.index("PAK (model, trigger strategy) holds")


def test_pak_mode_is_reproducible_with_a_seed(monkeypatch, round2):
    # A mixed equilibrium for the model's side, to exercise the seeded draws.
    x, y = np.array([1.0, 0.0, 0.0]), np.array([0.5, 0.5, 0.0])
    mixed = Equilibrium((x, y), np.zeros(2), np.zeros(2), "test")
    monkeypatch.setattr(teach, "solve", lambda game: [mixed])
    lines = "1\n1\n" * 12
    a = run(lines, mode="pak", rounds=12, seed=7)
    b = run(lines, mode="pak", rounds=12, seed=7)
    c = run(lines, mode="pak", rounds=12, seed=8)
    assert a[1] == b[1]
    moves = [t.labels[1] for t in a[0].talks]
    assert set(moves) == {"sign_written", "verbal_only"}  # both drawn in 12 rounds
    assert moves != [t.labels[1] for t in c[0].talks]
    assert "drawn at random from its equilibrium strategy, a mix of 'sign_written' 50% and 'verbal_only' 50%" in flat(a[1])


def test_play_rejects_bad_settings():
    with pytest.raises(ConfigError, match="play.mode"):
        run("", mode="solo")
    with pytest.raises(ConfigError, match="play.rounds"):
        run("", rounds=0)
    with pytest.raises(NegsimError, match="unknown scenario"):
        run("", scenario_name="kabul_round9")


def test_play_main_reads_stdin_and_reports_bad_input(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n2\n1\n1\n"))
    assert teach.play_main(["--rounds", "1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "deadlock" in out and "Final score after 1 round" in out
    for argv, needle in (
        (["--scenario", "nowhere"], "unknown scenario 'nowhere'; expected one of: doha_round, istanbul_round2, istanbul_round3"),
        (["--rounds", "0"], "play.rounds: expected a whole number >= 1, got 0"),
    ):
        with pytest.raises(SystemExit) as exc:
            teach.play_main(argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2 and err == f"negsim: error: {needle}\n"
    with pytest.raises(SystemExit) as exc:
        teach.play_main(["--mode", "solo"])
    err = capsys.readouterr().err  # argparse's own words between these two ends vary with Python's version
    assert exc.value.code == 2 and err.count("\n") == 1
    assert err.startswith("negsim: error: negsim-play: argument --mode: invalid choice: 'solo'")
    assert err.endswith("(see negsim-play --help)\n")


# --- figures -------------------------------------------------------------------------------


def _saved(paths, base: Path):
    assert [p.name for p in paths] == [f"{base.name}.png", f"{base.name}.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths[1].read_text()[:2000]
    assert not [p for p in base.parent.iterdir() if p.name.startswith(".")]  # no temp files left


def test_payoff_matrix_figure_marks_best_replies_and_equilibrium(round2, tmp_path):
    scenario, game = round2
    fig = figures.payoff_matrix_figure(game, outcome_labels=scenario.outcome_labels)
    texts = {t.get_text(): t for t in fig.axes[0].texts}
    assert texts["+7.50*"].get_fontweight() == "bold"  # PAK's best reply to sign_written
    assert texts["-3.90"].get_fontweight() == "normal"
    eq_cells = [p for p in fig.axes[0].patches if p.get_facecolor()[:3] != (1.0, 1.0, 1.0) and p.get_fill()]
    assert len(eq_cells) == 1 and eq_cells[0].get_xy() == (1, 0)  # insist_written / verbal_only
    _saved(save_figure(fig, tmp_path / "payoffs"), tmp_path / "payoffs")


def test_qre_path_figure(round2, tmp_path):
    _, game = round2
    fig = figures.qre_path_figure(game)
    left, right = fig.axes
    assert left.get_xscale() == "log" and len(left.get_lines()) == 4  # 3 actions + uniform line
    assert right.get_title() == "AFG"
    _saved(save_figure(fig, tmp_path / "qre"), tmp_path / "qre")


def test_escalation_vs_leverage_figure_from_the_sweep_table(tmp_path):
    with open(ROOT / "results" / "leverage_sweep" / "table.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fig = curves.escalation_vs_leverage_figure(rows)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("transfer_deal")
    assert any("flip to a deal" in t.get_text() and "transfer_deal = 1" in t.get_text() for t in ax.texts)
    _saved(save_figure(fig, tmp_path / "sweep.transfer_deal"), tmp_path / "sweep.transfer_deal")
    # Numbers work as well as strings; two series draw two panels.
    rows2 = [{"mediator.transfer_deal": v, "mediator.verification": w, "p_breakdown": 0.8 - 0.1 * w,
              "p_breakdown_low": 0.75 - 0.1 * w, "p_breakdown_high": 0.85 - 0.1 * w, "p_deal": float(v >= 1)}
             for v in (0.0, 1.0, 2.0) for w in (0.0, 1.0)]
    assert len(curves.escalation_vs_leverage_figure(rows2, param="mediator.transfer_deal").axes) == 2
    with pytest.raises(NegsimError, match="no rows"):
        curves.escalation_vs_leverage_figure([])
    with pytest.raises(NegsimError, match="missing column 'p_deal'"):
        curves.escalation_vs_leverage_figure([{"mediator.transfer_deal": 1, "p_breakdown": 0.5,
                                                "p_breakdown_low": 0.4, "p_breakdown_high": 0.6}])


def test_game_tree_figure_draws_the_crisis_game(tmp_path):
    from negsim import load_scenario
    from negsim.model.crisis import crisis_game, load_crisis_spec
    from negsim.viz.figures import _tree_layout, game_tree_figure

    game = crisis_game(load_scenario("istanbul_round3"), load_crisis_spec())
    x, y = _tree_layout(game)
    assert sorted(x[list(game.terminals)]) == list(range(len(game.terminals)))
    for k, kids in enumerate(game.children):  # parents sit above and between their children
        if kids:
            assert min(x[c] for c in kids) <= x[k] <= max(x[c] for c in kids)
            assert all(y[c] == y[k] - 1 for c in kids)
    paths = save_figure(game_tree_figure(game), tmp_path / "tree")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)
