"""negsim-play --record FILE: every move, in the moves format of negsim.io.moves, saved after each round."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import negsim
from negsim.app import teach
from negsim.errors import ConfigError
from negsim.io.moves import COLUMNS, read_moves, talks_counts
from negsim.model.scenario import MEDIATOR_KNOBS

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def round2():
    return negsim.load_scenario("istanbul_round2")


def play(lines: str, path, **kw):
    kw.setdefault("rounds", 1)
    out = io.StringIO()
    record = teach.play(io.StringIO(lines), out, record_path=path, **kw)
    return record, out.getvalue()


def test_pvp_record_reads_back_with_every_move_and_counts_the_talks(tmp_path, round2):
    path = tmp_path / "moves.csv"
    # Round 1: insist / verbal_only, day 1 both hold, day 2 PAK violates; round 2: accept / verbal_only,
    # day 1 AFG violates, day 2 both violate.
    record, text = play("1\n2\nhold\nhold\nviolate\nhold\n2\nverbal\nhold\nviolate\nv\nv\n", path, rounds=2, days=2)
    assert record.rounds_played == 2 and not record.stopped
    rows = read_moves(path)  # checks the header is COLUMNS
    assert rows == [{c: ("" if row[c] is None else str(row[c])) for c in COLUMNS} for row in record.moves]
    assert [(r["round"], r["stage"], r["day"], r["participant"], r["role"], r["action"]) for r in rows] == [
        ("1", "talks", "", "1", "PAK", "insist_written"), ("1", "talks", "", "2", "AFG", "verbal_only"),
        ("1", "ceasefire", "1", "1", "PAK", "hold"), ("1", "ceasefire", "1", "2", "AFG", "hold"),
        ("1", "ceasefire", "2", "1", "PAK", "violate"), ("1", "ceasefire", "2", "2", "AFG", "hold"),
        ("2", "talks", "", "1", "PAK", "accept_verbal"), ("2", "talks", "", "2", "AFG", "verbal_only"),
        ("2", "ceasefire", "1", "1", "PAK", "hold"), ("2", "ceasefire", "1", "2", "AFG", "violate"),
        ("2", "ceasefire", "2", "1", "PAK", "violate"), ("2", "ceasefire", "2", "2", "AFG", "violate"),
    ]
    assert {(r["room"], r["pair"], r["nickname"], r["scenario"]) for r in rows} == {
        ("terminal", "1", "", "istanbul_round2")}
    assert all(STAMP.match(r["submitted_at"]) for r in rows)
    assert [r["submitted_at"] for r in rows] == sorted(r["submitted_at"] for r in rows)
    leverage = {json.loads(r["leverage"])["verification"] for r in rows}
    assert leverage == {0.2}
    assert json.loads(rows[0]["leverage"]) == {k: float(getattr(round2.mediator, k)) for k in MEDIATOR_KNOBS}
    c, d = talks_counts(rows, round2.actions)
    np.testing.assert_array_equal(c, [1, 1, 0])
    np.testing.assert_array_equal(d, [0, 2, 0])
    assert f"The moves of 2 rounds are in {path}." in text


def test_record_against_the_model_names_the_model(tmp_path, round2):
    path = tmp_path / "moves.csv"
    play("3\nhold\n", path, mode="afg")
    rows = read_moves(path)
    assert [(r["participant"], r["nickname"], r["role"], r["stage"], r["action"]) for r in rows] == [
        ("1", "", "AFG", "talks", "refuse"), ("model", "model", "PAK", "talks", "insist_written"),
        ("1", "", "AFG", "ceasefire", "hold"), ("model", "model", "PAK", "ceasefire", "hold"),
    ]
    students = [r for r in rows if r["participant"] != "model"]
    c, d = talks_counts(students, round2.actions)
    assert (c.tolist(), d.tolist()) == ([0, 0, 0], [0, 0, 1])


class _Interrupting(io.StringIO):
    """Input that is interrupted (Ctrl-C) when it runs out, mid-game."""

    def readline(self, *args):
        line = super().readline(*args)
        if not line:
            raise KeyboardInterrupt
        return line


def test_record_is_saved_after_each_round_so_an_interrupted_game_keeps_its_rounds(tmp_path):
    path = tmp_path / "moves.csv"
    with pytest.raises(KeyboardInterrupt):  # round 2 is interrupted in its ceasefire stage
        teach.play(_Interrupting("1\n2\nhold\nhold\n2\n2\n"), io.StringIO(), rounds=3, record_path=path)
    rows = read_moves(path)
    assert [(r["round"], r["stage"]) for r in rows] == [("1", "talks")] * 2 + [("1", "ceasefire")] * 2


def test_record_of_a_game_stopped_before_its_first_round_is_the_header(tmp_path):
    path = tmp_path / "sub" / "moves.csv"  # the folder is made
    record, text = play("1\n", path)
    assert record.stopped and read_moves(path) == []
    assert path.read_text() == ",".join(COLUMNS) + "\n"
    assert "The moves of 0 rounds are in" in text


def test_record_that_cannot_be_written_fails_before_the_game(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    bad = blocker / "moves.csv"  # a folder that is a file
    with pytest.raises(ConfigError) as exc:
        play("1\n2\nhold\nhold\n", bad)
    assert str(exc.value) == f"play.record: cannot write {bad} (File exists)"
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n2\nhold\nhold\n"))
    with pytest.raises(SystemExit) as exit_:
        teach.play_main(["--record", str(bad)])
    captured = capsys.readouterr()
    assert exit_.value.code == 2 and captured.out == ""
    assert captured.err == f"negsim: error: play.record: cannot write {bad} (File exists)\n"


def test_play_main_passes_table_and_record(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(teach, "play", lambda stdin, stdout, **kw: seen.update(kw))
    assert teach.play_main([]) == 0
    assert (seen["table"], seen["record_path"], seen["mode"]) == ("plain", None, "pvp")
    assert teach.play_main(["--table", "stars", "--record", str(tmp_path / "m.csv"), "--mode", "pak"]) == 0
    assert (seen["table"], seen["record_path"], seen["mode"]) == ("stars", str(tmp_path / "m.csv"), "pak")


def test_play_rejects_an_unknown_table():
    with pytest.raises(ConfigError) as exc:
        teach.play(io.StringIO(""), io.StringIO(), table="starred")
    assert str(exc.value) == "play.table: unknown table 'starred'; expected one of: hidden, plain, stars"


def test_negsim_play_command_end_to_end(tmp_path):
    """The real command, its input piped: two students, one round, recorded."""
    path = tmp_path / "moves.csv"
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from negsim.app.teach import play_main; sys.exit(play_main())",
         "--rounds", "1", "--record", str(path)],
        input="2\n2\nhold\nhold\n", capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert "Outcome: PAK 'accept_verbal', AFG 'verbal_only'" in proc.stdout
    assert [(r["role"], r["action"]) for r in read_moves(path)] == [
        ("PAK", "accept_verbal"), ("AFG", "verbal_only"), ("PAK", "hold"), ("AFG", "hold")]
