"""The record of a class's moves: written, read back, counted for the estimator."""

from __future__ import annotations

import pytest

from negsim.errors import ConfigError
from negsim.io.moves import COLUMNS, read_moves, talks_counts, write_moves

ACTIONS = (("insist_written", "accept_verbal", "walk_out"), ("sign_written", "verbal_only", "refuse"))


def _move(round_, role, action, stage="talks", day=None):
    return {"room": "ABCD", "round": round_, "stage": stage, "day": day, "pair": 1, "participant": "p1",
            "nickname": "Ada, \"the\" first", "role": role, "action": action,
            "submitted_at": "2026-12-02T10:00:00.123Z", "scenario": "istanbul_round2",
            "leverage": '{"verification": 0.5}'}


def test_moves_round_trip_and_count(tmp_path):
    rows = [_move(1, "PAK", "insist_written"), _move(1, "AFG", "refuse"), _move(2, "PAK", "walk_out"),
            _move(2, "AFG", "refuse"), _move(2, "AFG", "hold", stage="ceasefire", day=1)]
    path = write_moves(rows, tmp_path / "moves.csv")
    back = read_moves(path)
    assert len(back) == len(rows) and back[0]["nickname"] == 'Ada, "the" first' and back[4]["day"] == "1"
    assert back[0]["day"] == "" and list(back[0]) == list(COLUMNS)
    c, d = talks_counts(back, ACTIONS)
    assert c.tolist() == [1, 0, 1] and d.tolist() == [0, 0, 2]
    c, d = talks_counts(back, ACTIONS, rounds=[2])
    assert c.tolist() == [0, 0, 1] and d.tolist() == [0, 0, 1]
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(path)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 5


def test_bad_files_and_moves_are_named(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("room,round\nA,1\n")
    with pytest.raises(ConfigError) as err:
        read_moves(bad)
    assert str(err.value) == f"{bad}: expected the columns {', '.join(COLUMNS)}, got room, round"
    with pytest.raises(ConfigError) as err:
        talks_counts([_move(3, "PAK", "shrug")], ACTIONS)
    assert str(err.value) == "moves: round 3: unknown move 'PAK' 'shrug'"
    with pytest.raises(ConfigError) as err:
        read_moves(tmp_path / "none.csv")
    assert str(err.value).startswith(f"{tmp_path / 'none.csv'}: cannot read the moves file")
