"""Kill the server mid-round (SIGKILL: no clean shutdown) and start a new process on the same
database: every submitted move is still there, the links still work and the round completes."""

from __future__ import annotations

import re

import httpx
from classroom_helpers import ProcessServer


def test_a_killed_server_loses_no_move_and_the_round_completes(tmp_path):
    db = tmp_path / "classroom.sqlite"
    first = ProcessServer(db).start()
    try:
        printed = first.output.read_text()
        key = first.key
        assert re.search(rf"^Teacher \(keep this link to yourself\): http://127\.0\.0\.1:{first.port}/\?key={key}$",
                         printed, re.M)
        assert re.search(rf"^Students join at: http://127\.0\.0\.1:{first.port}/join$", printed, re.M)
        assert "█" in printed or "▀" in printed  # the QR code of the join link
        teacher = {"X-Teacher-Key": key}
        code = httpx.post(f"{first.url}/rooms", json={"rounds": 2, "ceasefire_days": 1}, headers=teacher).json()["room"]
        tokens = [httpx.post(f"{first.url}/join", json={"room": code, "nickname": f"n{k}"}).json()["token"]
                  for k in range(4)]
        assert httpx.post(f"{first.url}/rooms/{code}/rounds", json={}, headers=teacher).json()["round"] == 1
        views = [httpx.get(f"{first.url}/p/{t}/state").json() for t in tokens]
        submitted = {}
        for t, view in zip(tokens[:3], views[:3], strict=True):  # the fourth has not moved yet
            action = view["seat"]["actions"][1]
            assert httpx.post(f"{first.url}/p/{t}/moves", json={"round": 1, "action": action}).status_code == 201
            submitted[view["participant"]] = action
        before = httpx.get(f"{first.url}/rooms/{code}/moves.json", headers=teacher).json()["moves"]
    finally:
        first.kill()

    second = ProcessServer(db).start()  # a new process, a new port, the same file
    try:
        assert second.key == key  # the teacher's link survives
        after = httpx.get(f"{second.url}/rooms/{code}/moves.json", headers=teacher).json()["moves"]
        assert after == before and {r["participant"]: r["action"] for r in after} == submitted
        for t, view in zip(tokens[:3], views[:3], strict=True):
            again = httpx.get(f"{second.url}/p/{t}/state").json()
            assert again["history"][0]["mine"] == {"talks": submitted[view["participant"]]}
            assert again["seat"] == view["seat"]
        last = views[3]
        assert httpx.post(f"{second.url}/p/{tokens[3]}/moves",
                          json={"round": 1, "action": last["seat"]["actions"][0]}).status_code == 201
        for t in tokens:  # the ceasefire day, then the round is complete
            todo = httpx.get(f"{second.url}/p/{t}/state").json()["todo"]
            assert todo == {"round": 1, "stage": "ceasefire", "day": 1}
            assert httpx.post(f"{second.url}/p/{t}/moves", json={**todo, "action": "hold"}).status_code == 201
        room = httpx.get(f"{second.url}/rooms/{code}", headers=teacher).json()
        assert [p["complete"] for p in room["pairs"]] == [True, True]
        assert httpx.post(f"{second.url}/rooms/{code}/rounds/1/close", json={}, headers=teacher).status_code == 200
        final = httpx.get(f"{second.url}/rooms/{code}/moves.json", headers=teacher).json()["moves"]
        assert final[:3] == before and len(final) == 8
    finally:
        second.stop()
