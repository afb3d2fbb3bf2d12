"""The classroom's rules without HTTP: pairing, resolution against the game, what each side sees,
the ceasefire stage, sitting out, the dashboard and the export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from negsim.app.classroom.rooms import CLASSROOM_STAGE, Classroom, Refused, round_model
from negsim.app.classroom.store import Store
from negsim.games.repeated import ceasefire_game
from negsim.io.moves import COLUMNS, moves_csv, read_moves, talks_counts
from negsim.model.scenario import load_scenario
from negsim.model.talks import deal_probability, predict, talks_game, with_mediator
from negsim.solvers import solve
from negsim.solvers.selection import select


def _room(n: int, **settings) -> tuple[Classroom, str, list[str]]:
    c = Classroom(Store(":memory:"))
    code = c.create_room({"scenario": "istanbul_round2", "rounds": 5, **settings})
    tokens = [c.join({"room": code, "nickname": f"s{k}"})[0] for k in range(n)]
    return c, code, tokens


def _move_all(c: Classroom, tokens: list[str], number: int, pick=lambda view: view["seat"]["actions"][0]) -> None:
    for t in tokens:
        view = c.student_view(t)
        if view["todo"] is not None:
            c.submit(t, {"round": number, "action": pick(view)})


def test_every_student_is_seated_once_and_an_odd_one_plays_the_model():
    c, code, tokens = _room(7)
    c.start_round(code)
    seats = c.store.seats(code, 1)
    humans = [s["participant"] for s in seats if s["participant"] is not None]
    assert sorted(humans) == sorted(p["id"] for p in c.store.participants(code))
    assert len(seats) == 8 and sum(s["participant"] is None for s in seats) == 1
    pairs = {s["pair"] for s in seats}
    assert pairs == {1, 2, 3, 4}
    assert all(sorted(s["role"] for s in seats if s["pair"] == p) == ["AFG", "PAK"] for p in pairs)
    model_pair = next(s["pair"] for s in seats if s["participant"] is None)
    lone = next(t for t in tokens if c.student_view(t)["seat"]["pair"] == model_pair)
    assert c.student_view(lone)["seat"]["opponent"] == "model"


def test_each_outcome_and_payoff_is_the_games_cell_at_the_rounds_leverage():
    c, code, tokens = _room(6)
    knobs = {"verification": 1.0, "transfer_written": 3.0}
    c.start_round(code, {"knobs": knobs})
    rng = np.random.default_rng(1)
    _move_all(c, tokens, 1, pick=lambda v: v["seat"]["actions"][int(rng.integers(3))])
    game = talks_game(with_mediator(load_scenario("istanbul_round2"), **knobs))
    for t in tokens:
        entry = c.student_view(t)["history"][0]
        talks = entry["talks"]
        i, j = game.actions[0].index(talks["actions"]["PAK"]), game.actions[1].index(talks["actions"]["AFG"])
        assert talks["payoffs"] == {"PAK": float(game.A[i, j]), "AFG": float(game.B[i, j])}
        assert talks["actions"][entry["role"]] == entry["mine"]["talks"]


def test_the_other_sides_move_is_not_in_the_view_until_both_have_moved():
    c, code, tokens = _room(2)
    c.start_round(code)
    views = {c.student_view(t)["seat"]["role"]: t for t in tokens}
    c.submit(views["AFG"], {"round": 1, "action": "refuse"})
    before = c.student_view(views["PAK"])
    assert "refuse" not in json.dumps(before)
    assert before["todo"] == {"round": 1, "stage": "talks", "day": None}
    assert c.student_view(views["AFG"])["waiting"] == "the other side"
    assert "refuse" not in json.dumps(c.teacher_view(code)) and "refuse" not in json.dumps(
        {k: v for k, v in c.dashboard(code)["rounds"][0].items() if k != "actions"})
    c.submit(views["PAK"], {"round": 1, "action": "walk_out"})
    after = c.student_view(views["PAK"])["history"][0]["talks"]
    assert after["actions"] == {"PAK": "walk_out", "AFG": "refuse"}


def test_the_model_plays_its_side_of_the_selected_equilibrium():
    c, code, tokens = _room(1)
    c.start_round(code)
    view = c.student_view(tokens[0])
    role = view["seat"]["role"]
    c.submit(tokens[0], {"round": 1, "action": view["seat"]["actions"][2]})
    talks = c.student_view(tokens[0])["history"][0]["talks"]
    game = talks_game(load_scenario("istanbul_round2"))
    eqs = solve(game)
    x, y = eqs[select(game, eqs, "logit_limit")].strategies
    side = 1 if role == "PAK" else 0
    strategy = (x, y)[side]
    assert strategy[game.actions[side].index(talks["actions"]["AFG" if role == "PAK" else "PAK"])] > 0.5


def test_ceasefire_days_follow_the_talks_with_the_ladders_attribution_probabilities():
    c, code, tokens = _room(2, ceasefire_days=2)
    c.start_round(code)
    roles = {c.student_view(t)["seat"]["role"]: t for t in tokens}
    with pytest.raises(Refused, match="^the ceasefire of round 1 starts after both sides moved in the talks$"):
        c.submit(roles["PAK"], {"round": 1, "stage": "ceasefire", "day": 1, "action": "hold"})
    c.submit(roles["PAK"], {"round": 1, "action": "insist_written"})
    c.submit(roles["AFG"], {"round": 1, "action": "sign_written"})
    with pytest.raises(Refused, match="^day 2 of the ceasefire opens after day 1$"):
        c.submit(roles["PAK"], {"round": 1, "stage": "ceasefire", "day": 2, "action": "hold"})
    assert c.student_view(roles["AFG"])["todo"] == {"round": 1, "stage": "ceasefire", "day": 1}
    c.submit(roles["PAK"], {"round": 1, "stage": "ceasefire", "day": 1, "action": "hold"})
    c.submit(roles["AFG"], {"round": 1, "stage": "ceasefire", "day": 1, "action": "violate"})
    c.submit(roles["PAK"], {"round": 1, "stage": "ceasefire", "day": 2, "action": "violate"})
    c.submit(roles["AFG"], {"round": 1, "stage": "ceasefire", "day": 2, "action": "violate"})
    days = c.student_view(roles["PAK"])["history"][0]["ceasefire"]
    cf = ceasefire_game(CLASSROOM_STAGE)
    assert [d["payoffs"] for d in days] == [{"PAK": cf.A[0, 1], "AFG": cf.B[0, 1]}, {"PAK": cf.A[1, 1], "AFG": cf.B[1, 1]}]
    model = round_model("istanbul_round2", c.store.round(code, 1)["knobs"])
    assert days[0]["q_hold"] == pytest.approx(model.signals[0, 0, 0]) and days[0]["q_hold"] < days[0]["q_violate"]
    assert c.student_view(roles["PAK"])["todo"] is None


def test_a_student_who_did_not_move_sits_out_until_their_link_is_used_again():
    c, code, tokens = _room(4)
    c.start_round(code)
    _move_all(c, tokens[:3], 1)  # everyone but tokens[3]
    c.close_round(code, 1)
    assert [p["absent"] for p in c.store.participants(code)] == [0, 0, 0, 1]
    c.start_round(code)
    assert len([s for s in c.store.seats(code, 2) if s["participant"] is not None]) == 3
    view = c.student_view(tokens[3])  # back: seated from the next round
    assert view["seat"] is None and not view["sitting_out"]
    c.close_round(code, 2)
    c.start_round(code)
    assert c.student_view(tokens[3])["seat"] is not None


def test_dashboard_counts_resolved_pairs_and_reports_the_models_deal_probability():
    c, code, tokens = _room(6)
    c.start_round(code)
    _move_all(c, tokens, 1, pick=lambda v: v["seat"]["actions"][1])  # accept_verbal / verbal_only: a pledge
    c.close_round(code, 1)
    c.start_round(code, {"knobs": {"verification": 1.0}})
    dash = c.dashboard(code)
    first, second = dash["rounds"]
    assert first["counts"] == [[0, 3, 0], [0, 3, 0]] and second["counts"] == [[0, 0, 0], [0, 0, 0]]
    assert first["deal_class"] == 1.0 and first["pairs_played"] == 3
    sc = load_scenario("istanbul_round2")
    assert first["deal_model"] == pytest.approx(deal_probability(sc, predict(sc)))
    lifted = with_mediator(sc, verification=1.0)
    assert second["deal_model"] == pytest.approx(deal_probability(lifted, predict(lifted)))
    assert second["deal_class"] is None and second["fit"] is None
    fit = first["fit"]
    assert fit["n"] == [3, 3] and fit["shares"] == [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
    assert fit["model_shares"][0] == pytest.approx(predict(sc).sum(axis=1).tolist())
    assert fit["qre_fit"]["low"] <= fit["qre_fit"]["lam"]
    json.dumps(dash, allow_nan=False)  # JSON without Infinity


def test_export_rows_are_the_moves_record_and_read_back(tmp_path):
    c, code, tokens = _room(4)
    c.start_round(code, {"knobs": {"penalty_breakdown": 2.0}})
    _move_all(c, tokens, 1)
    rows = c.export_rows(code)
    assert len(rows) == 4 and set(rows[0]) == set(COLUMNS)
    path = tmp_path / "moves.csv"
    path.write_text(moves_csv(rows))
    back = read_moves(path)
    assert [r["participant"] for r in back] == [r["participant"] for r in rows]
    assert json.loads(back[0]["leverage"])["penalty_breakdown"] == 2.0
    assert back[0]["day"] == "" and back[0]["submitted_at"].endswith("Z")
    sc = load_scenario("istanbul_round2")
    assert [int(v.sum()) for v in talks_counts(back, sc.actions)] == [2, 2]
    exported = c.export_json(code)
    assert exported["moves"] == rows and exported["room"]["code"] == code
    assert len(exported["pairs"]) == 2 and exported["rounds"][0]["leverage"]["penalty_breakdown"] == 2.0


@pytest.mark.parametrize("payload, message", [
    ({"scenario": "kabul"}, "scenario: unknown scenario 'kabul'; expected one of: doha_round, istanbul_round2, "
                            "istanbul_round3"),
    ({"rounds": 0}, "rounds: expected a whole number from 1 to 20"),
    ({"rounds": True}, "rounds: expected a whole number from 1 to 20"),
    ({"ceasefire_days": 4}, "ceasefire_days: expected a whole number from 0 to 3"),
    ({"knobs": {"verification": 1.5}}, "knobs.verification: expected a fraction in [0, 1], got 1.5"),
    ({"knobs": {"bribe": 1}}, "knobs: unknown mediator knob 'bribe'; expected one of: transfer_written, "
                              "transfer_pledge, transfer_compliance, penalty_breakdown, verification, deconfliction"),
    ({"knobs": {"transfer_written": -1}}, "knobs.transfer_written: expected a non-negative payoff, got -1.0"),
    ({"colour": "red"}, "unknown field 'colour'; expected: scenario, rounds, show_table, ceasefire_days, knobs"),
])
def test_a_bad_room_is_refused_with_one_line_naming_the_field(payload, message):
    c = Classroom(Store(":memory:"))
    with pytest.raises(Refused) as err:
        c.create_room(payload)
    assert (err.value.status, err.value.message) == (400, message)
    assert c.store.rooms() == []


def test_the_docs_state_the_attribution_probabilities_the_model_gives():
    from pathlib import Path

    from negsim.app.classroom.rooms import default_knobs, knobs_json

    text = " ".join((Path(__file__).resolve().parents[2] / "docs" / "classroom.md").read_text().split())
    q_hold, q_violate = round_model("istanbul_round2", knobs_json(default_knobs("istanbul_round2"))).signals[0, 0]
    assert (f"{q_hold:.1%} of days when Kabul holds and {q_violate:.1%} when it violates after a verified written "
            f"guarantee in Istanbul round two") in text
