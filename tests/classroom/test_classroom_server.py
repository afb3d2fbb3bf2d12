"""The server's other routes: plain HTML forms (no script), the event streams, the explorer's data,
and the command's argument errors."""

from __future__ import annotations

import httpx
import pytest
from classroom_helpers import ThreadServer

from negsim.app.classroom.server import main


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ThreadServer(tmp_path_factory.mktemp("server") / "classroom.sqlite") as s:
        yield s


@pytest.fixture()
def http(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_the_forms_work_without_the_script(http, server):
    made = http.post(f"/rooms?key={server.key}", data={"scenario": "doha_round", "rounds": "2", "show_table": "on",
                                                       "ceasefire_days": "1", "knobs.verification": "0.6"})
    assert made.status_code == 303 and made.headers["location"].startswith(f"/?key={server.key}&room=")
    code = made.headers["location"].rsplit("=", 1)[1]
    room = http.get(f"/rooms/{code}", headers={"X-Teacher-Key": server.key}).json()
    assert (room["scenario"], room["rounds_planned"], room["show_table"], room["ceasefire_days"]) == (
        "doha_round", 2, True, 1)
    assert room["knobs"]["verification"] == 0.6
    joined = http.post("/join", data={"room": code.lower(), "nickname": "Zara"})
    assert joined.status_code == 303 and joined.headers["location"].startswith("/p/")
    token = joined.headers["location"][3:]
    assert http.post(f"/rooms/{code}/rounds?key={server.key}", data={"knobs.verification": "0.7"}).status_code == 303
    form = http.get(f"/p/{token}").text
    assert f'<form class="moves" method="post" action="/p/{token}/moves"><input type="hidden" name="round" ' \
           f'value="1">' in form
    assert form.count('<button type="submit" name="action" value="') == 3
    role = http.get(f"/p/{token}/state").json()["seat"]["role"]
    action = "walk_out" if role == "PAK" else "refuse"
    moved = http.post(f"/p/{token}/moves", data={"round": "1", "action": action})
    assert moved.status_code == 303 and moved.headers["location"] == f"/p/{token}"
    page = http.get(f"/p/{token}").text
    assert f"chose <b>{action}</b>" in page and "<table class=\"payoffs\">" in page  # against the model


def test_pages_and_their_address(http, server):
    assert http.get("/").status_code == 303 and http.get("/").headers["location"] == "/join"
    join = http.get("/join", params={"room": "ABC234"})
    assert 'value="ABC234"' in join.text and join.headers["cache-control"] == "no-store"
    assert http.get("/static/classroom.js").status_code == 200 and "cache-control" not in http.get(
        "/static/classroom.css").headers
    assert http.get("/favicon.ico").status_code == 204
    teacher = http.get("/", params={"key": server.key}).text
    assert "New room" in teacher and "/explorer" in teacher


def test_a_students_event_stream_starts_with_a_state_event(http, server):
    code = http.post("/rooms", json={}, headers={"X-Teacher-Key": server.key}).json()["room"]
    token = http.post("/join", json={"room": code, "nickname": "Omar"}).json()["token"]
    with http.stream("GET", f"/p/{token}/events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        lines = events.iter_lines()
        assert [next(lines) for _ in range(4)] == ["retry: 2000", "", "event: state", "data: {}"]
        http.post(f"/rooms/{code}/rounds", json={}, headers={"X-Teacher-Key": server.key})  # a change: one more
        assert [next(lines) for _ in range(3)] == ["", "event: state", "data: {}"]
    with http.stream("GET", "/p/not-a-token/events") as refused:
        assert refused.status_code == 403


def test_the_explorer_gives_the_view_of_the_knobs(http):
    base = http.get("/explorer/view", params={"scenario": "istanbul_round3"}).json()
    lifted = http.get("/explorer/view", params={"scenario": "istanbul_round3", "verification": "1"}).json()
    assert set(base) == {"table_html", "equilibria_html", "prediction_html", "curve_svg"}
    assert base["prediction_html"] != lifted["prediction_html"] and lifted["curve_svg"].startswith("<svg")
    for params, message in (({"verification": "2"}, "knobs.verification: expected a fraction in [0, 1], got 2.0"),
                            ({"bribe": "1"}, "unknown parameter 'bribe'; expected scenario or a mediator knob"),
                            ({"scenario": "x"}, "scenario: unknown scenario 'x'; expected one of: doha_round, "
                                                "istanbul_round2, istanbul_round3")):
        refused = http.get("/explorer/view", params=params)
        assert (refused.status_code, refused.json()) == (400, {"error": message})
    page = http.get("/explorer", params={"verification": "0.5"}).text
    assert page.count('type="range"') == 6 and 'id="knob-verification"' in page and 'value="0.5"' in page


def test_the_command_refuses_a_bad_port(capsys):
    assert main(["--port", "70000", "--db", ":memory:"]) == 2
    assert capsys.readouterr().err == "negsim: error: --port: expected 1-65535, got 70000\n"


def test_the_command_keeps_the_class_under_outputs_by_default(tmp_path, monkeypatch, capsys):
    """The default database is outputs/classroom.sqlite below the current folder (ignored by
    git, like every run's output), its folder made; the server is not started here."""
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw["port"]))
    monkeypatch.chdir(tmp_path)
    assert main(["--no-qr", "--host", "127.0.0.1", "--port", "8123"]) == 0
    db = tmp_path / "outputs" / "classroom.sqlite"
    assert db.is_file() and served == [8123]
    assert capsys.readouterr().out.splitlines()[0] == f"negsim-classroom: the class is in {db}"


def test_the_command_refuses_a_database_it_cannot_make(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    bad = tmp_path / "file" / "class.sqlite"  # its folder would be a file
    assert main(["--no-qr", "--port", "8123", "--db", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"negsim: error: --db {bad}: ") and err.count("\n") == 1


def test_creating_the_app_imports_what_starlette_reaches_mid_request(tmp_path):
    """anyio imports its API on first use; the app resolves it up front, so no request imports
    (a static file's anyio.open_file once failed a threaded test server mid-import)."""
    import subprocess
    import sys

    probe = ("import sys; from negsim.app.classroom.server import create_app; "
             "before = 'anyio._core._fileio' in sys.modules; create_app(sys.argv[1]); "
             "print(before, 'anyio._core._fileio' in sys.modules, 'anyio.to_thread' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "c.sqlite")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "True"]
