"""A scripted class of 30 students plays 5 rounds in one room at once, against a real server in
its own process: no move lost or counted twice, every outcome the game's, p95 under 200 ms."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import httpx
import numpy as np
import pytest
from classroom_helpers import ProcessServer

from negsim.app.classroom.bots import burst, play_class
from negsim.model.scenario import load_scenario
from negsim.model.talks import talks_game, with_mediator

STUDENTS, ROUNDS = 30, 5
#: The leverage each round starts with: a change between rounds must show in the outcomes.
LEVERAGE = [{}, {"verification": 1.0}, {"transfer_written": 3.0, "transfer_pledge": 0.0}, {"penalty_breakdown": 2.0},
            {"verification": 0.0}]


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    with ProcessServer(tmp_path_factory.mktemp("bots") / "classroom.sqlite") as server:
        reference = asyncio.run(burst(server.url, STUDENTS, 5))
        cpu = server.cpu_seconds()
        run = asyncio.run(play_class(server.url, server.key, students=STUDENTS, rounds=ROUNDS, leverage=LEVERAGE,
                                     seed=7))
        cpu = server.cpu_seconds() - cpu
        headers = {"X-Teacher-Key": server.key}
        exported = httpx.get(f"{server.url}/rooms/{run.room}/moves.json", headers=headers).json()
        text = httpx.get(f"{server.url}/rooms/{run.room}/moves.csv", headers=headers).text
        yield run, exported, text, cpu, float(np.percentile(reference, 95) * 1e3)


def test_no_move_is_lost_or_counted_twice(played):
    run, exported, text, _, _ = played
    rows = exported["moves"]
    assert len(run.accepted) == STUDENTS * ROUNDS
    stored = {(r["participant"], r["round"], r["stage"], r["day"] or 0): r["action"] for r in rows}
    assert len(rows) == len(stored) == STUDENTS * ROUNDS
    assert stored == run.accepted
    assert run.duplicates_sent > 0 and run.duplicates_refused == run.duplicates_sent
    assert list(csv.DictReader(io.StringIO(text))) == [
        {k: ("" if v is None else str(v)) for k, v in r.items()} for r in rows]


def test_every_pairs_outcome_and_payoffs_are_the_games(played):
    run, exported, _, _, _ = played
    base = load_scenario("istanbul_round2")
    games = {}
    for number, knobs in enumerate(run.leverage, start=1):
        games[number] = talks_game(with_mediator(base, **knobs))
    assert [json.loads(r["leverage"]) for r in exported["moves"][::STUDENTS]] == run.leverage
    assert run.leverage[1]["verification"] == 1.0 and run.leverage[2]["transfer_written"] == 3.0
    checked = 0
    for pair in exported["pairs"]:
        game = games[pair["round"]]
        acts = pair["talks"]["actions"]
        i, j = game.actions[0].index(acts["PAK"]), game.actions[1].index(acts["AFG"])
        assert pair["talks"]["payoffs"] == {"PAK": float(game.A[i, j]), "AFG": float(game.B[i, j])}
        for role in ("PAK", "AFG"):  # what each student's own page showed
            seen = run.seen[(pair[role], pair["round"])]
            assert seen["talks"]["actions"] == acts and seen["talks"]["payoffs"] == pair["talks"]["payoffs"]
            assert seen["role"] == role and run.accepted[(pair[role], pair["round"], "talks", 0)] == acts[role]
        checked += 1
    assert checked == ROUNDS * STUDENTS // 2
    assert len(run.seen) == STUDENTS * ROUNDS


def test_the_class_is_served_fast(played):
    """p95 under 200 ms. The machine is shared: when it is so busy that a burst of 30 clients
    asking for nothing (GET /healthz, measured just before) already takes over 120 ms at p95,
    the class must stay within 1.6 times that instead (the classroom's own cost, not the load)."""
    run, _, _, cpu, reference = played
    p95 = run.percentile(95)
    print(f"\n{len(run.timings)} requests in {run.wall:.2f} s ({len(run.timings) / run.wall:.0f}/s), "
          f"p50 {run.percentile(50):.1f} ms, p95 {p95:.1f} ms, p99 {run.percentile(99):.1f} ms, server CPU {cpu:.2f} s; "
          f"reference burst p95 {reference:.1f} ms")
    limit = 200.0 if reference <= 120.0 else 1.6 * reference
    assert p95 < limit
    assert run.wall < 20.0


def test_an_odd_class_with_ceasefire_days_plays_through(tmp_path):
    """Seven students (one plays the model each round), two ceasefire days a round."""
    from classroom_helpers import ThreadServer

    from negsim.app.classroom.rooms import CLASSROOM_STAGE
    from negsim.games.repeated import ceasefire_game

    with ThreadServer(tmp_path / "classroom.sqlite") as server:
        run = asyncio.run(play_class(server.url, server.key, students=7, rounds=2, ceasefire_days=2, seed=3))
        exported = httpx.get(f"{server.url}/rooms/{run.room}/moves.json",
                             headers={"X-Teacher-Key": server.key}).json()
    assert len(exported["moves"]) == len(run.accepted) == 7 * 2 * 3
    with_model = [p for p in exported["pairs"] if "model" in (p["PAK"], p["AFG"])]
    assert len(with_model) == 2 and len(exported["pairs"]) == 8
    cf = ceasefire_game(CLASSROOM_STAGE)
    hold_violate = ("hold", "violate")
    for pair in exported["pairs"]:
        assert [d["day"] for d in pair["ceasefire"]] == [1, 2]
        for d in pair["ceasefire"]:
            a = (hold_violate.index(d["actions"]["PAK"]), hold_violate.index(d["actions"]["AFG"]))
            assert d["payoffs"] == {"PAK": cf.A[a], "AFG": cf.B[a]}
            assert 0 < d["q_hold"] <= d["q_violate"] < 1
