"""Security over real HTTP: who may do what, and bad requests refused with one line of JSON that
changes nothing. Each refusal asserts the exact status and message."""

from __future__ import annotations

import json
import socket
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from classroom_helpers import ThreadServer

DB_FILE = "classroom.sqlite"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ThreadServer(tmp_path_factory.mktemp("security") / DB_FILE) as s:
        yield s


@pytest.fixture()
def http(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def _teacher(server) -> dict[str, str]:
    return {"X-Teacher-Key": server.key}


def _room(http, server, students: int = 2, start: bool = True, **settings) -> tuple[str, list[str]]:
    code = http.post("/rooms", json={"rounds": 3, **settings}, headers=_teacher(server)).json()["room"]
    tokens = [http.post("/join", json={"room": code, "nickname": f"n{k}"}).json()["token"] for k in range(students)]
    if start:
        assert http.post(f"/rooms/{code}/rounds", json={}, headers=_teacher(server)).status_code == 200
    return code, tokens


def _by_role(http, tokens) -> dict[str, str]:
    return {http.get(f"/p/{t}/state").json()["seat"]["role"]: t for t in tokens}


def _snapshot(server) -> list[tuple]:
    """Every row of every table: what a refused request must leave as it was."""
    db = sqlite3.connect(server.app.state.server.store.path)
    try:
        return [row for table in ("rooms", "rounds", "participants", "seats", "moves")
                for row in db.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    finally:
        db.close()


def _refused(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": message}
    assert "\n" not in response.text


def test_a_forged_link_is_refused_for_reading_and_for_moving(http, server):
    _room(http, server)
    before = _snapshot(server)
    _refused(http.get("/p/forged-token-000000000/state"), 403, "unknown participant link")
    _refused(http.get("/p/forged-token-000000000"), 403, "unknown participant link")
    _refused(http.post("/p/forged-token-000000000/moves", json={"round": 1, "action": "refuse"}), 403,
             "unknown participant link")
    assert _snapshot(server) == before


def test_a_second_move_is_refused_and_counted_once(http, server):
    code, tokens = _room(http, server)
    t = _by_role(http, tokens)["PAK"]
    assert http.post(f"/p/{t}/moves", json={"round": 1, "action": "insist_written"}).status_code == 201
    before = _snapshot(server)
    _refused(http.post(f"/p/{t}/moves", json={"round": 1, "action": "walk_out"}), 409,
             "you already moved in the talks of round 1")
    assert _snapshot(server) == before
    rows = http.get(f"/rooms/{code}/moves.json", headers=_teacher(server)).json()["moves"]
    assert [r["action"] for r in rows] == ["insist_written"]


def test_the_same_move_sent_at_once_from_many_connections_is_stored_once(http, server):
    code, tokens = _room(http, server)
    t = _by_role(http, tokens)["AFG"]

    def send(_: int) -> int:
        return httpx.post(f"{server.url}/p/{t}/moves", json={"round": 1, "action": "refuse"}, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(send, range(12)))
    assert statuses == [201] + [409] * 11
    assert len(http.get(f"/rooms/{code}/moves.json", headers=_teacher(server)).json()["moves"]) == 1


def test_a_student_cannot_act_as_teacher_nor_read_another_room(http, server):
    code_a, tokens_a = _room(http, server)
    code_b, _ = _room(http, server)
    student = tokens_a[0]
    for url in (f"/rooms/{code_b}", f"/rooms/{code_b}/moves.csv", f"/rooms/{code_b}/dashboard",
                f"/rooms/{code_a}/moves.json", f"/rooms/{code_b}/events"):
        _refused(http.get(url), 403, "teacher key required")
        _refused(http.get(url, params={"key": student}), 403, "wrong teacher key")
        _refused(http.get(url, headers={"X-Teacher-Key": student}), 403, "wrong teacher key")
    before = _snapshot(server)
    _refused(http.post(f"/rooms/{code_b}/rounds/1/close", json={}, headers={"X-Teacher-Key": student}), 403,
             "wrong teacher key")
    _refused(http.post("/rooms", json={}), 403, "teacher key required")
    _refused(http.get("/", params={"key": "guess"}), 403, "wrong teacher key")
    # A student's own link names no room: a room in the body is refused, not obeyed.
    _refused(http.post(f"/p/{student}/moves", json={"room": code_b, "round": 1, "action": "refuse"}), 400,
             "unknown field 'room'; expected: round, stage, day, action")
    assert _snapshot(server) == before
    view = http.get(f"/p/{student}/state").json()
    assert view["room"] == code_a and code_b not in json.dumps(view)


def test_a_closed_room_takes_no_one_and_no_move(http, server):
    code, tokens = _room(http, server)
    assert http.post(f"/rooms/{code}/close", json={}, headers=_teacher(server)).json() == {"room": code,
                                                                                          "state": "closed"}
    before = _snapshot(server)
    _refused(http.post("/join", json={"room": code, "nickname": "late"}), 409, f"room {code} is closed")
    _refused(http.post(f"/p/{tokens[0]}/moves", json={"round": 1, "action": "refuse"}), 409, f"room {code} is closed")
    _refused(http.post(f"/rooms/{code}/rounds", json={}, headers=_teacher(server)), 409, f"room {code} is closed")
    _refused(http.post("/join", json={"room": "NOSUCH", "nickname": "x"}), 404, "no room with the code 'NOSUCH'")
    assert _snapshot(server) == before


def test_a_move_for_a_round_that_is_not_open_is_refused(http, server):
    code, tokens = _room(http, server)
    roles = _by_role(http, tokens)
    t = roles["PAK"]
    _refused(http.post(f"/p/{t}/moves", json={"round": 2, "action": "walk_out"}), 409, "round 2 is not open")
    assert http.post(f"/rooms/{code}/rounds/1/pause", json={}, headers=_teacher(server)).json()["state"] == "paused"
    _refused(http.post(f"/p/{t}/moves", json={"round": 1, "action": "walk_out"}), 409, "round 1 is paused")
    assert http.get(f"/p/{t}/state").json()["todo"] is None
    assert http.post(f"/rooms/{code}/rounds/1/resume", json={}, headers=_teacher(server)).json()["state"] == "open"
    assert http.post(f"/rooms/{code}/rounds/1/close", json={}, headers=_teacher(server)).json()["state"] == "closed"
    _refused(http.post(f"/p/{t}/moves", json={"round": 1, "action": "walk_out"}), 409, "round 1 is not open")
    _refused(http.post(f"/rooms/{code}/rounds/1/close", json={}, headers=_teacher(server)), 409,
             "round 1 is closed already")
    _refused(http.post(f"/rooms/{code}/rounds", json={}, headers=_teacher(server)), 409,
             f"no student is present in room {code} (who did not move last round sits out until their page is "
             f"opened again)")
    for token in tokens:  # back
        http.get(f"/p/{token}/state")
    # Joined after round 2 started: no seat in it.
    assert http.post(f"/rooms/{code}/rounds", json={}, headers=_teacher(server)).json()["round"] == 2
    late = http.post("/join", json={"room": code, "nickname": "late"}).json()["token"]
    _refused(http.post(f"/p/{late}/moves", json={"round": 2, "action": "refuse"}), 409,
             "you have no seat in round 2; you play from the next round")
    assert http.get(f"/rooms/{code}/moves.json", headers=_teacher(server)).json()["moves"] == []


@pytest.mark.parametrize("body, headers, status, message", [
    (b"{not json", {"content-type": "application/json"}, 400, "malformed JSON body"),
    (b"[1, 2]", {"content-type": "application/json"}, 400, "expected a JSON object"),
    (b'{"round": 1}', {"content-type": "application/json"}, 400, "missing field 'action'"),
    (b'{"round": "one", "action": "refuse"}', {"content-type": "application/json"}, 400,
     "round: expected a whole number from 1 to 20"),
    (b'{"round": 1, "action": "surrender"}', {"content-type": "application/json"}, 400,
     "action: unknown action 'surrender' for AFG (talks); expected one of: sign_written, verbal_only, refuse"),
    (b'{"round": 1, "action": "refuse", "stage": "war"}', {"content-type": "application/json"}, 400,
     "stage: expected 'talks' or 'ceasefire'"),
    (b'{"round": 1, "action": "hold", "stage": "ceasefire", "day": 1}', {"content-type": "application/json"}, 400,
     "day: round 1 has 0 ceasefire days"),
    (b"\xff\xfe", {"content-type": "application/json"}, 400, "request body is not UTF-8"),
    (b"round=1&round=1&action=refuse", {"content-type": "application/x-www-form-urlencoded"}, 400,
     "field 'round' given twice"),
    (b"<move/>", {"content-type": "application/xml"}, 415,
     "unsupported content type; send application/json or an HTML form"),
    (b'{"round": 1, "action": "' + b"x" * 5000 + b'"}', {"content-type": "application/json"}, 413,
     "request body too large (limit 4096 bytes)"),
])
def test_a_malformed_or_oversized_move_is_refused_and_changes_nothing(http, server, body, headers, status, message):
    _, tokens = _room(http, server)
    t = _by_role(http, tokens)["AFG"]
    before = _snapshot(server)
    _refused(http.post(f"/p/{t}/moves", content=body, headers=headers), status, message)
    assert _snapshot(server) == before
    assert http.get(f"/p/{t}/state").json()["todo"] is not None  # still to move


def test_an_oversized_body_without_a_length_is_cut_off(server):
    """A chunked body (no Content-Length) is read only up to the limit."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(8):
            s.sendall(b"400\r\n" + b"x" * 1024 + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        reply = b""
        while not reply.endswith(b"}"):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413")
    assert reply.endswith(b'\r\n\r\n{"error":"request body too large (limit 4096 bytes)"}')


def test_join_and_teacher_actions_check_their_fields(http, server):
    code, _ = _room(http, server, start=False)
    _refused(http.post("/join", json={"room": code, "nickname": "   "}), 400,
             "nickname: expected 1 to 24 printable characters")
    _refused(http.post("/join", json={"room": code, "nickname": "x" * 25}), 400,
             "nickname: expected 1 to 24 printable characters")
    _refused(http.post("/join", json={"room": code}), 400, "missing field 'nickname'")
    _refused(http.post("/join", json={"room": "../etc", "nickname": "x"}), 400,
             "room: expected the room's code (letters and digits)")
    _refused(http.post("/join", json={"room": code, "nickname": "n0"}), 409,
             f"the nickname 'n0' is taken in room {code}; choose another")
    _refused(http.post(f"/rooms/{code}/leverage", json={"knobs": {"verification": 2}}, headers=_teacher(server)),
             400, "knobs.verification: expected a fraction in [0, 1], got 2.0")
    _refused(http.post(f"/rooms/{code}/leverage", json={"knobs": {"transfer_pledge": 1e9}},
                       headers=_teacher(server)), 400, "knobs.transfer_pledge: expected at most 20 payoff units, got 1e+09")
    _refused(http.post(f"/rooms/{code}/rounds/1/pause", json={}, headers=_teacher(server)), 404,
             f"round 1 of room {code} has not started")
    assert http.post(f"/rooms/{code}/leverage", json={"knobs": {"verification": 0.9}},
                     headers=_teacher(server)).json()["knobs"]["verification"] == 0.9
    assert http.post(f"/rooms/{code}/rounds", json={}, headers=_teacher(server)).json()["round"] == 1
    _refused(http.post(f"/rooms/{code}/leverage", json={"knobs": {"verification": 0.1}}, headers=_teacher(server)),
             409, "the leverage can change only between rounds; close round 1 first")
    _refused(http.post(f"/rooms/{code}/rounds", json={}, headers=_teacher(server)), 409,
             "round 1 is still open; close it first")
    assert http.get(f"/rooms/{code}", headers=_teacher(server)).json()["rounds"][0]["knobs"]["verification"] == 0.9
    _refused(http.get("/nowhere"), 404, "not found")
    _refused(http.delete(f"/rooms/{code}"), 405, "method not allowed")


def test_only_a_hash_of_each_token_is_stored_and_pages_escape_nicknames(http, server):
    code, _ = _room(http, server, students=0, start=False)
    joined = http.post("/join", json={"room": code, "nickname": "<script>alert()</script>"}).json()
    db = Path(server.app.state.server.store.path)
    raw = b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())
    assert joined["token"].encode() not in raw
    page = http.get("/", params={"key": server.key, "room": code}).text
    assert "<script>alert()</script>" not in page and "&lt;script&gt;alert()&lt;/script&gt;" in page
    student = http.get(joined["url"])
    assert student.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self';")
    assert student.headers["referrer-policy"] == "no-referrer"
