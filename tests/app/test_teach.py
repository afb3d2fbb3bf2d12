"""Seminar material: negsim-explain, the classroom game negsim-play, and the teaching figures."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
import pytest

import negsim
from negsim.app import teach
from negsim.equilibrium import Equilibrium
from negsim.errors import ConfigError, NegsimError
from negsim.model.talks import deal_probability, expected_provisions, kind_probabilities, predict
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
    """The explanation of round two, and what the threshold studies returned to it (recorded,
    so the tests can check the text shows the model's numbers without recomputing them)."""
    from negsim.studies import threshold

    seen = {}

    def spy(name, fn):
        def wrapped(*args, **kwargs):
            seen[name] = fn(*args, **kwargs)
            return seen[name]
        return wrapped

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(threshold, "least_cost_leverage", spy("least_cost", threshold.least_cost_leverage))
        mp.setattr(threshold, "leverage_threshold", spy("threshold", threshold.leverage_threshold))

        report = teach.learning_report

        def learning(game, **kw):
            seen["learning_args"] = (game, kw)
            return spy("learning", report)(game, **kw)

        mp.setattr(teach, "learning_report", learning)
        text = teach.explain("istanbul_round2")
    return text, seen


@pytest.fixture(scope="module")
def predicted(round2):
    scenario, game = round2
    return predict(scenario, game)


# --- explain -------------------------------------------------------------------------------


def test_explain_shows_table_sources_and_the_selected_equilibrium(explained, round2):
    _, game = round2
    text = flat(explained[0])
    assert payoff_table(game) in explained[0]  # best replies starred, as in `negsim`
    assert "PAK guarantee +6.00 [PK1, PK2, PK3]" in text
    assert ("transfer_written (0.5) is paid to AFG when the round ends in a written guarantee, transfer_pledge "
            "(0.5) to PAK when it ends in the pledge with confidence-building, and penalty_breakdown (0.5) is "
            "taken from the side blamed for a failed round, by its share of the blame.") in text
    assert "an unverified one delivers 50% of its effect) and changes Kabul's sovereignty cost by +0.3" in text
    assert "4. Nash equilibria and the one the 'logit_limit' rule selects" in text
    assert "Selected by the 'logit_limit' rule: #1" in text
    assert "Equilibrium outcome: deadlock: verbal pledge only, no deal (p=1)" in text
    assert ("if both sides always played a best reply, PAK would play 'insist_written' and AFG 'verbal_only'"
            ) in text
    assert "It is the only equilibrium of this game, so every selection rule picks it." in text
    assert "PAK's best reply to 'verbal_only' is 'insist_written' (-0.25 for PAK)." in text
    assert "AFG's best reply to 'insist_written' is 'verbal_only' (-1.75 for AFG)." in text


def test_explain_shows_the_predicted_outcome_distribution(explained, round2, predicted):
    scenario, _ = round2
    P = predicted
    raw, text = explained[0], flat(explained[0])
    assert "5. The prediction: the logit QRE at precision 6" in raw
    # Every outcome, most likely first, with the model's probability and deal kind.
    table = raw[raw.index("      p  deal"):raw.index("PAK plays a mix")].strip().splitlines()[1:]
    cells = sorted(((i, j) for i in range(3) for j in range(3)), key=lambda c: -P[c])
    assert [line.split()[0] for line in table] == [f"{P[c]:.3f}" for c in cells]
    assert [line.split(None, 2)[1] for line in table] == [scenario.deal_kind[i][j] for i, j in cells]
    assert [line.endswith(scenario.outcome_labels[i][j]) for line, (i, j) in zip(table, cells, strict=True)] == [True] * 9
    x, y = P.sum(axis=1), P.sum(axis=0)
    assert (f"PAK plays a mix of 'insist_written' {x[0]:.0%}, 'accept_verbal' {x[1]:.0%} and 'walk_out' {x[2]:.0%}; "
            f"AFG plays a mix of 'sign_written' {y[0]:.0%}, 'verbal_only' {y[1]:.0%} and 'refuse' {y[2]:.0%}.") in text
    kinds = kind_probabilities(scenario, P)
    assert (f"Most likely outcome: 'deadlock: verbal pledge only, no deal' (p={P[0, 1]:.3f}). Probability of a deal "
            f"{deal_probability(scenario, P):.3f}: a written guarantee {kinds['written']:.3f}, the pledge with "
            f"confidence-building {kinds['pledge']:.3f}.") in text
    assert "The most likely outcome is the equilibrium's: the equilibrium assumes" in text


def test_explain_follows_the_qre_path_to_the_selected_equilibrium(explained, round2, predicted):
    scenario, game = round2
    raw, text = explained[0], flat(explained[0])
    x, y = predicted.sum(axis=1), predicted.sum(axis=0)
    rows = [line for line in raw.splitlines() if line.startswith("  lambda = ")]
    assert [r.split("  ")[1].strip() for r in rows[:6]] == [
        "lambda = 0 (random)", "lambda = 1", "lambda = 3", "lambda = 6 (prediction)", "lambda = 30", "lambda = 1000"]
    assert rows[0].split()[-3:] == ["0.333"] * 3 and rows[6].split()[-3:] == ["0.333"] * 3
    assert rows[3].split()[-3:] == [f"{v:.3f}" for v in x]  # the prediction's row is the prediction
    assert rows[9].split()[-3:] == [f"{v:.3f}" for v in y]
    assert "payoff range without leverage (PAK 10.00, AFG 9.00 payoff units)" in text
    assert ("At lambda = 1000 PAK plays 'insist_written' and AFG 'verbal_only': the equilibrium the 'logit_limit' "
            "rule selects (the rule follows this path to its end).") in text


def test_explain_shows_what_each_outcome_puts_in_force(explained, round2, predicted):
    scenario, _ = round2
    raw, text = explained[0], flat(explained[0])
    assert ("          0.10     0.30        0.00  verbal pledge with phased confidence-building "
            "(accept_verbal / verbal_only)") in raw
    assert "          0.20     0.30        0.00  written, verified guarantee (insist_written / sign_written)" in raw
    assert ("          0.00     0.00        0.00  deadlock: verbal pledge only, no deal (insist_written / verbal_only)"
            ) in raw
    avg = expected_provisions(scenario, predicted)
    assert (f"Averaged over the prediction: verification {avg['verification']:.3f}, channel {avg['channel']:.3f}, "
            f"compliance {avg['compliance']:.3f} a day.") in text
    assert "Every failed round agrees nothing: the ceasefire after it has no verification" in text


def test_explain_shows_the_least_leverage_and_the_threshold_the_model_found(explained):
    raw, seen = explained
    text = flat(raw)
    written, pledge = seen["least_cost"]
    assert (written["deal"], written["knob"], pledge["deal"], pledge["knob"]) == (
        "written", "transfer_written", "pledge", "transfer_pledge")
    assert (f"A written guarantee (transfer_written, now 0.5): from {written['least_leverage']:.2f} payoff units "
            f"P(written) reaches 1/2; the mediators then expect to pay {written['expected_payment']:.2f}, since "
            "they pay only when the deal is reached.") in text
    assert (f"The pledge with confidence-building (transfer_pledge, now 0.5): from {pledge['least_leverage']:.2f} "
            f"payoff units P(pledge) reaches 1/2; the mediators then expect to pay "
            f"{pledge['expected_payment']:.2f}") in text
    assert f"Cheapest for the mediators: the pledge with confidence-building (transfer_pledge {pledge['least_leverage']:.2f}" in text
    assert 0.5 < pledge["least_leverage"] < written["least_leverage"]  # round two: neither is enough today
    t = seen["threshold"]
    assert (t.knob, t.kind) == ("transfer_pledge", "deal")
    assert f"Leverage threshold for transfer_pledge: {t.value:.2f} payoff units." in text
    assert t.value <= pledge["least_leverage"]  # a deal of either kind comes no later than the pledge alone
    assert (f"In words: the mediators must raise transfer_pledge from 0.5 to {t.value:.2f} before a deal becomes "
            "at least as likely as not.") in text
    assert (f"Below it a deal is less likely than not, from {t.value:.2f} on P(deal) >= 1/2; the most likely single "
            f"outcome is '{t.outcome_above}' on both sides") in text


def test_explain_ends_with_whether_learning_settles(explained, round2):
    raw, seen = explained
    _, game = round2
    title = "9. Does play settle here? Learning by repetition"
    heading = f"{title}\n{'-' * len(title)}\n"
    assert raw.endswith(heading + seen["learning"] + "\n")
    assert seen["learning"].startswith("Does play settle here? Two ways delegations could learn")
    assert "Fictitious play: each round" in seen["learning"] and "Replicator dynamics:" in seen["learning"]
    called, kw = seen["learning_args"]
    np.testing.assert_array_equal(called.A, game.A)
    np.testing.assert_array_equal(called.B, game.B)
    (eq,) = kw["equilibria"]  # the equilibria explain found: round two has one
    np.testing.assert_array_equal(eq.strategies[0], [1.0, 0.0, 0.0])


def test_threshold_lines_when_no_value_or_none_needed(round2):
    scenario, _ = round2
    lines = flat(" ".join(teach.threshold_lines(scenario, "verification")))
    assert "Leverage threshold for verification: none up to 1." in lines
    assert ("However large verification is (up to 1), P(deal) stays below 1/2 (most likely outcome 'verbal pledge "
            "with phased confidence-building'): this lever alone cannot make a deal the prediction.") in lines
    doha = flat(" ".join(teach.threshold_lines(negsim.load_scenario("doha_round"), "transfer_pledge")))
    assert "transfer_pledge: what the mediators pay PAK when the round ends in the pledge" in doha
    assert "Leverage threshold for transfer_pledge: none needed." in doha
    assert ("P(deal) >= 1/2 even at transfer_pledge = 0 (most likely outcome 'verbal pledge with phased "
            "confidence-building').") in doha


def test_least_cost_lines_for_every_case(monkeypatch, round2):
    from negsim.studies import threshold

    scenario, _ = round2
    base = {"scenario": scenario.name, "baseline": 0.5, "outcome_below": "B", "outcome_above": "A"}
    rows = [
        {**base, "deal": "written", "knob": "transfer_written", "least_leverage": None, "expected_payment": None,
         "already": False},
        {**base, "deal": "pledge", "knob": "transfer_pledge", "least_leverage": 0.25, "expected_payment": 0.125,
         "already": False},
    ]
    monkeypatch.setattr(threshold, "least_cost_leverage", lambda sc, **kw: rows)
    assert [flat(s) for s in teach.least_cost_lines(scenario)] == [
        "A written guarantee (transfer_written, now 0.5): no transfer_written up to 10 payoff units makes it the "
        "prediction; P(written) stays below 1/2 (most likely outcome 'B').",
        "The pledge with confidence-building (transfer_pledge, now 0.5): from 0.25 payoff units P(pledge) reaches "
        "1/2 (today's 0.5 is already enough); the mediators then expect to pay 0.12, since they pay only when the "
        "deal is reached.",
    ]
    rows[0] = {**rows[0], "least_leverage": 0.0, "expected_payment": 0.0, "already": True}
    assert flat(teach.least_cost_lines(scenario)[0]) == (
        "A written guarantee (transfer_written, now 0.5): already the prediction without any transfer_written: "
        "P(written) >= 1/2 at 0 (most likely outcome 'A').")


def test_explain_lists_the_dominated_actions_of_round_two(explained):
    # By hand from the table: insist_written beats accept_verbal (4.60 > 2.85, -0.25 > -0.35,
    # -3.00 > -5.00) and walk_out (4.60 > -5.00, -0.25 > -3.50, -3.00 > -6.25); verbal_only
    # beats sign_written (-1.75 > -4.80, 2.85 > -4.30, -4.50 > -5.50) and refuse (-1.75 >
    # -3.50, 2.85 > -1.00, -4.50 > -6.25).
    text = flat(explained[0])
    assert ("PAK: 'accept_verbal' is strictly dominated by 'insist_written': +4.60 instead of +2.85 against "
            "'sign_written'; -0.25 instead of -0.35 against 'verbal_only'; -3.00 instead of -5.00 against 'refuse'."
            ) in text
    for line in (
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


TALKS_KNOBS = "expected one of: transfer_written, transfer_pledge, penalty_breakdown, verification"


@pytest.mark.parametrize("argv, needle", [
    (["--knob", "deconfliction"], f"knob: 'deconfliction' acts in the ceasefire, not in the talks payoffs; {TALKS_KNOBS}"),
    (["--knob", "transfer_compliance"],
     f"knob: 'transfer_compliance' acts in the ceasefire, not in the talks payoffs; {TALKS_KNOBS}"),
    (["--knob", "transfer_deal"], f"knob: 'transfer_deal' is not a mediator knob of the talks payoffs; {TALKS_KNOBS}"),
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
    assert seen == {"name": "istanbul_round2", "knob": "transfer_pledge"}


def test_explain_main_prints_a_card_for_the_leader_or_the_students(capsys):
    card = (ROOT / "docs" / "seminar" / "istanbul_round2.md").read_text()
    assert teach.explain_main(["--card", "istanbul_round2"]) == 0
    assert capsys.readouterr().out == card
    assert teach.explain_main(["--card", "istanbul_round2", "--student"]) == 0
    out = capsys.readouterr().out
    assert out == teach.student_card(card, name="istanbul_round2")
    assert "### Worked answers" in card and "### Worked answers" not in out


def test_explain_main_writes_every_student_card(tmp_path, capsys):
    assert teach.available_cards() == ["counterfactual_verification", "doha_round", "istanbul_round2",
                                       "istanbul_round3", "who_mediates"]
    assert teach.explain_main(["--card", "all", "--student", "--out", str(tmp_path / "handouts")]) == 0
    written = [tmp_path / "handouts" / f"{n}.md" for n in teach.available_cards()]
    assert capsys.readouterr().out == "".join(f"wrote {p}\n" for p in written)
    for path in written:
        assert path.read_text() == teach.card(path.stem, student=True)
    assert sorted(p.name for p in (tmp_path / "handouts").iterdir()) == [p.name for p in written]  # no temp files


@pytest.mark.parametrize("argv, message", [
    (["--card", "all", "--student"],
     "negsim-explain: --card all writes one file per card: give --out DIR (see negsim-explain --help)"),
    (["--student"], "negsim-explain: --student goes with --card NAME (see negsim-explain --help)"),
    (["--out", "x"], "negsim-explain: --out goes with --card NAME (see negsim-explain --help)"),
    (["doha_round", "--card", "doha_round"],
     "negsim-explain: give a scenario or --card, not both (got 'doha_round' and --card doha_round) "
     "(see negsim-explain --help)"),
    (["--card", "kabul_round9"], "card: unknown card 'kabul_round9'; expected one of: counterfactual_verification, "
     "doha_round, istanbul_round2, istanbul_round3, who_mediates, all, or a .md file"),
    (["--card", "nowhere.md"], "card: no file nowhere.md"),
    (["--card", "all", "--student", "--out", str(ROOT / "docs" / "seminar")],
     f"--out: {ROOT / 'docs' / 'seminar'} is the cards' own folder; writing there would overwrite the leader's "
     "versions"),
])
def test_explain_main_card_errors_are_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        teach.explain_main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err == f"negsim: error: {message}\n"


# --- the classroom game --------------------------------------------------------------------


def run(lines: str, **kw):
    out = io.StringIO()
    kw.setdefault("rounds", 1)
    record = teach.play(io.StringIO(lines), out, **kw)
    return record, out.getvalue()


def test_pvp_insist_against_verbal_only_is_deadlock_and_totals_add_up(round2):
    # Round 1: insist_written / verbal_only, both hold; round 2: accept_verbal / verbal_only,
    # PAK violates (T=5 for PAK, S=0 for AFG).
    scenario, game = round2
    record, text = run("insist_written\nverbal_only\nhold\nhold\n2\n2\nviolate\nhold\n", rounds=2)
    assert not record.stopped and record.rounds_played == 2
    first, second = record.talks
    assert first.outcome == "deadlock: verbal pledge only, no deal" and not first.deal
    assert first.payoffs == pytest.approx((-0.25, -1.75))
    assert second.outcome == "verbal pledge with phased confidence-building" and second.deal
    assert second.payoffs == pytest.approx((-0.35, 2.85))
    assert [d.actions for d in record.ceasefire] == [(0, 0), (1, 0)]
    assert [d.payoffs for d in record.ceasefire] == [(3.0, 3.0), (5.0, 0.0)]
    assert record.talks_totals == pytest.approx((-0.6, 1.1))
    assert record.ceasefire_totals == (8.0, 3.0)
    text_flat = flat(text)
    assert ("-> deadlock: verbal pledge only, no deal Payoffs this round: PAK -0.25, AFG -1.75 In force for the "
            "ceasefire: nothing (no verification, no de-confliction channel, no payments).") in text_flat
    assert ("-> verbal pledge with phased confidence-building (a deal: the pledge with confidence-building) "
            "Payoffs this round: PAK -0.35, AFG +2.85 In force for the ceasefire: verification 0.10, "
            "de-confliction channel 0.30, compliance payments 0.00 a day.") in text_flat
    assert ("Equilibrium play would be: PAK 'insist_written', AFG 'verbal_only' -> 'deadlock: verbal pledge only, "
            "no deal'; expected payoffs PAK -0.25, AFG -1.75.") in text_flat
    assert "PAK's best reply to 'verbal_only' was 'insist_written' (-0.25 instead of -0.35)." in text_flat
    assert "PAK violated while AFG held" in text_flat
    # The two benchmarks: the selected Nash equilibrium, and the model's prediction (logit QRE).
    P = predict(scenario, game)
    assert ("Two benchmarks for the talks. Perfectly rational play: the Nash equilibrium the 'logit_limit' rule "
            "selects, PAK 'insist_written' and AFG 'verbal_only'. Real delegations, as the model predicts them "
            f"(logit QRE at precision 6): most likely 'deadlock: verbal pledge only, no deal' (p={P[0, 1]:.2f}), "
            f"a deal with probability {deal_probability(scenario, P):.2f}.") in text_flat
    assert "the model plays its side of it" not in text_flat  # no model in pvp
    lines = text.splitlines()
    assert f"{'talks (payoff units)':<28}" + "-0.60".rjust(9) + "+1.10".rjust(9) in lines
    assert f"{'equilibrium play, expected':<28}" + "-0.50".rjust(9) + "-3.50".rjust(9) in lines
    expected = [f"{2 * (P * M).sum():+.2f}".rjust(9) for M in (game.A, game.B)]
    assert f"{'predicted play, expected':<28}" + "".join(expected) in lines
    assert "Final score after 2 rounds" in text


def test_invalid_moves_are_reasked_with_a_clear_message():
    record, text = run("foo\n\n9\n0\n1\nmaybe\nh\n", mode="pak")
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
    assert "PAK 'insist_written' and AFG 'verbal_only'; the model plays its side of it." in flat(text)
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


def test_play_help_says_what_the_model_plays(capsys):
    with pytest.raises(SystemExit) as exc:
        teach.play_main(["--help"])
    out = flat(capsys.readouterr().out)
    assert exc.value.code == 0
    assert ("Against a student, the model plays its side of the Nash equilibrium the 'logit_limit' rule selects "
            "in the talks (drawn at random when mixed) and a trigger strategy in the ceasefire") in out
    assert "one student as Pakistan/Kabul against the model, which plays the 'logit_limit' Nash equilibrium" in out


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


# --- what students see: the table, the benchmarks, hidden moves, help -------------------------


def before_first_move(text: str) -> str:
    return text[:text.index("your move in the talks")]


def test_default_table_has_no_stars_and_the_answers_come_after_the_last_move(round2):
    _, game = round2
    record, text = run("1\n2\nhold\nhold\n2\n2\nhold\nhold\n", rounds=2)
    intro = before_first_move(text)
    assert teach.plain_payoff_table(game) in intro
    assert "*" not in intro and payoff_table(game) not in intro
    assert "Two benchmarks" not in intro and "'insist_written' and AFG 'verbal_only'" not in intro
    play_part = text[:text.index("=== Final score")]
    assert "best reply" not in play_part and "Equilibrium play would be" not in play_part
    answers = text[text.index("=== The answers: best replies and benchmarks ==="):]
    assert payoff_table(game) in answers  # the starred table, after the last move
    assert "Two benchmarks for the talks. Perfectly rational play:" in flat(answers)
    assert ("Equilibrium play would be: PAK 'insist_written', AFG 'verbal_only' -> 'deadlock: verbal pledge only, "
            "no deal'; expected payoffs PAK -0.25, AFG -1.75.") in flat(answers)
    assert "Round 1: PAK's 'insist_written' was a best reply to 'verbal_only'." in flat(answers)
    assert "Round 2: PAK's best reply to 'verbal_only' was 'insist_written' (-0.25 instead of -0.35)." in flat(answers)
    assert record.rounds_played == 2


def test_plain_table_is_the_starred_table_without_stars(round2):
    _, game = round2
    plain = teach.plain_payoff_table(game).splitlines()
    assert plain[0] == "Payoffs (PAK rows, AFG columns)"
    assert plain[2].split() == ["insist_written", "+4.60,", "-4.80", "-0.25,", "-1.75", "-3.00,", "-3.50"]
    starred = payoff_table(game).splitlines()
    assert [line.replace("*", "").replace(" ,", ",").split() for line in starred[2:]] == [line.split() for line in plain[2:]]


def test_stars_table_shows_the_benchmarks_before_the_first_move_and_after_each_round(round2):
    _, game = round2
    _, text = run("1\n2\nhold\nhold\n", table="stars")
    intro = before_first_move(text)
    assert payoff_table(game) in intro
    assert "Two benchmarks for the talks" in intro
    play_part = flat(text[:text.index("=== Final score")])
    assert "Equilibrium play would be: PAK 'insist_written'" in play_part
    assert "PAK's 'insist_written' was a best reply to 'verbal_only'." in play_part
    assert "=== The answers" not in text  # nothing was held back


def test_hidden_table_shows_the_outcomes_but_no_payoffs():
    _, text = run("?\n1\n2\nhold\nhold\n", table="hidden", mode="pak")
    intro = before_first_move(text)
    assert "Payoffs (" not in intro and "+4.60" not in intro
    assert "  insist_written / verbal_only: deadlock: verbal pledge only, no deal" in intro
    help_text = text[text.index("your move in the talks"):text.index("Outcome:")]
    assert "The payoff table is hidden in this game: choose from what each outcome means to your side." in help_text
    assert "Payoffs (" not in help_text
    assert "Payoffs this round: PAK -0.25, AFG -1.75" in text  # learnt by playing


def test_question_mark_explains_every_prompt_and_asks_again(round2):
    _, game = round2
    record, text = run("?\n1\n?\nhelp\nhold\n", mode="pak")
    assert record.rounds_played == 1 and "invalid move" not in text
    talks = text[text.index("PAK, your move in the talks"):text.index("Outcome:")]
    assert talks.count("PAK, your move in the talks") == 2  # asked again
    assert ("Your move in the talks, PAK: type a number 1-3 or a name (insist_written, accept_verbal, walk_out); its "
            "start is enough. Both sides choose at once: the other's move, the outcome and the payoffs are shown "
            "when both have moved. 'quit' stops the game.") in flat(talks)
    assert teach.plain_payoff_table(game) in talks
    ceasefire = text[text.index("PAK, hold or violate"):]
    assert ceasefire.count("PAK, hold or violate the truce?") == 3
    assert flat(ceasefire).count(
        "Today's move in the ceasefire: 1 or 'hold' keeps the truce, 2 or 'violate' breaks it (its start is "
        "enough). Both choose at once. Classroom payoffs for the day: both hold 3 each; both violate 1 each; "
        "violating while the other holds 5, against 0 for the one who held. 'quit' stops the game.") == 2


PLAIN_TABLE = teach.plain_payoff_table(negsim.talks_game(negsim.load_scenario("istanbul_round2")))
PASS_TALKS = ("\n" + "\n" * teach.PASS_LINES + "PAK has moved; the move stays hidden until both have moved. Pass the "
              "keyboard to AFG.\n--- Round 1 of 1, stage (a): the talks ---\n" + PLAIN_TABLE + "\n")
PASS_CEASEFIRE = ("\n" + "\n" * teach.PASS_LINES + "PAK has moved; the move stays hidden until both have moved. Pass "
                  "the keyboard to AFG.\n--- Round 1 of 1, stage (b): the ceasefire, day 1 of 1 ---\n")
TALKS_PROMPTS = ("PAK, your move in the talks [1 insist_written, 2 accept_verbal, 3 walk_out]: ",
                 "AFG, your move in the talks [1 sign_written, 2 verbal_only, 3 refuse]: ")
CEASEFIRE_PROMPTS = ("PAK, hold or violate the truce? [1 hold, 2 violate]: ",
                     "AFG, hold or violate the truce? [1 hold, 2 violate]: ")


def between(text: str, first: str, second: str) -> str:
    start = text.index(first) + len(first)
    return text[start:text.index(second, start)]


def test_pvp_first_move_is_not_on_screen_when_the_second_student_moves():
    record, text = run("accept\n2\nviolate\nhold\n")
    assert record.talks[0].labels == ("accept_verbal", "verbal_only")
    assert record.ceasefire[0].actions == (1, 0)
    # Between the two prompts: the blank screen and the hand-over, never the first move.
    assert between(text, *TALKS_PROMPTS) == PASS_TALKS
    assert between(text, *CEASEFIRE_PROMPTS) == PASS_CEASEFIRE
    # The first move is shown only once both have moved, with the second.
    assert text.index(TALKS_PROMPTS[1]) < text.index("Outcome: PAK 'accept_verbal', AFG 'verbal_only'")
    assert "accept\n" not in text and "violate\n" not in text  # the typed lines are not echoed


def test_pvp_invalid_move_is_not_repeated():
    _, text = run("accept_verbl\naccept\n2\nhold\nhold\n")
    assert "accept_verbl" not in text
    assert ("  invalid move (not shown, so that the other side cannot read it): type a number 1-3 or a name "
            "(insist_written, accept_verbal, walk_out). Try again.\n") in text


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_pvp_clears_a_terminal_and_reads_moves_without_echo(monkeypatch):
    hidden = []

    def fake_hidden(stream):
        hidden.append(True)
        return stream.readline()

    monkeypatch.setattr(teach, "read_hidden_line", fake_hidden)
    out = _Terminal()
    teach.play(_Terminal("1\n2\nhold\nhold\n"), out, rounds=1)
    text = out.getvalue()
    assert len(hidden) == 4  # every move of both students
    assert between(text, *TALKS_PROMPTS) == ("\n" + teach.CLEAR_SCREEN + "PAK has moved; the move stays hidden until "
                                             "both have moved. Pass the keyboard to AFG.\n--- Round 1 of 1, stage "
                                             "(a): the talks ---\n" + PLAIN_TABLE + "\n")
    hidden.clear()
    teach.play(_Terminal("1\nhold\n"), _Terminal(), rounds=1, mode="pak")
    assert hidden == []  # one student against the model: nothing to hide


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here (Windows)")
def test_read_hidden_line_turns_the_terminal_echo_off():
    import termios
    import threading

    master, slave = os.openpty()
    stdin = os.fdopen(slave, "r")
    try:
        got = {}
        reader = threading.Thread(target=lambda: got.update(line=teach.read_hidden_line(stdin)))
        reader.start()
        deadline = time.monotonic() + 5
        while termios.tcgetattr(slave)[3] & termios.ECHO and time.monotonic() < deadline:
            time.sleep(0.002)
        os.write(master, b"accept\n")
        reader.join(5)
        assert got == {"line": "accept\n"}
        assert termios.tcgetattr(slave)[3] & termios.ECHO  # restored
        os.set_blocking(master, False)
        try:
            echoed = os.read(master, 1024)
        except BlockingIOError:
            echoed = b""
        assert b"accept" not in echoed
    finally:
        stdin.close()
        os.close(master)


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
    assert texts["+4.60*"].get_fontweight() == "bold"  # PAK's best reply to sign_written
    assert texts["-4.80"].get_fontweight() == "normal"  # AFG's sign_written against insist_written
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


def test_escalation_vs_leverage_figure_of_a_pledge_sweep(tmp_path):
    # Rows shaped like results/leverage_sweep/table.csv (configs/experiment/leverage_sweep.yaml):
    # strings, as csv.DictReader gives them; P(deal) under the QRE prediction rises smoothly.
    knob = "mediator.transfer_pledge"
    rows = [{knob: str(v), "scenario": "istanbul_round2", "days": "180", "status": "ok",
             "p_breakdown": str(0.8 - 0.05 * v), "p_breakdown_low": str(0.78 - 0.05 * v),
             "p_breakdown_high": str(0.82 - 0.05 * v), "p_deal": str(0.36 + 0.08 * v)} for v in (0.0, 1.0, 2.0, 3.0)]
    fig = curves.escalation_vs_leverage_figure(rows)
    ax = fig.axes[-1]  # P(deal), below P(breakdown)
    assert ax.get_xlabel() == ("Transfer paid on the pledge with confidence-building (payoff units)\n"
                               "Payoff unit: a sixth of what a written, verified guarantee is worth to Pakistan.")
    assert [t.get_text() for t in ax.texts if "likelier" in t.get_text()] == [
        "a deal becomes likelier than none\nat pledge transfer \u2248 1.75"]  # 0.36 + 0.08 v = 1/2
    _saved(save_figure(fig, tmp_path / "sweep.transfer_pledge"), tmp_path / "sweep.transfer_pledge")
    # Numbers work as well as strings; two series draw two panels.
    rows2 = [{knob: v, "mediator.verification": w, "p_breakdown": 0.8 - 0.1 * w,
              "p_breakdown_low": 0.75 - 0.1 * w, "p_breakdown_high": 0.85 - 0.1 * w, "p_deal": float(v >= 1)}
             for v in (0.0, 1.0, 2.0) for w in (0.0, 1.0)]
    assert len(curves.escalation_vs_leverage_figure(rows2, param=knob).axes) == 2
    with pytest.raises(NegsimError, match="no rows"):
        curves.escalation_vs_leverage_figure([])
    with pytest.raises(NegsimError, match="missing column 'p_deal'"):
        curves.escalation_vs_leverage_figure([{knob: 1, "p_breakdown": 0.5, "p_breakdown_low": 0.4,
                                                "p_breakdown_high": 0.6}])


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
