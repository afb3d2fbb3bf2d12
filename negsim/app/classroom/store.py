"""The classroom's state in SQLite: rooms, rounds, participants, seats and moves.

One file (``--db FILE``) in WAL mode: a move is committed before its request is answered,
so killing the server (Ctrl-C, a crash, ``kill -9``) loses no submitted move, and a new
server on the same file carries on. Commits do not wait for the disk
(``synchronous=NORMAL``: under a busy disk an fsync per move took 4-12 ms, all of it in
the event loop); instead :meth:`Store.start_checkpoints` syncs the log to disk every
:data:`CHECKPOINT_SECONDS` seconds in a thread of its own, so even a power cut loses at
most the moves of the last seconds. Only what cannot
be recomputed is stored: a pair's outcome and payoffs are computed from its moves and
the round's settings each time they are read (:mod:`negsim.app.classroom.rooms`), so
there is nothing to get out of step.

Tables
------
``meta``
    ``teacher_key`` (kept so the teacher's link survives a restart) and the schema version.
``rooms``
    One row per room: its code, scenario, planned rounds, whether students see the
    payoff table, the ceasefire days per round, the leverage for the next round (JSON),
    a random seed (the model's draws and the ceasefire's signals) and ``open``/``closed``.
``rounds``
    One row per started round: its leverage (JSON), ``open``/``paused``/``closed`` and times.
``participants``
    One row per student: the public number (``p3``), the nickname, the SHA-256 of the
    secret link's token (the token itself is never stored) and whether the student sits
    out (seated in a round that closed before they moved, and not seen since).
``seats``
    Who plays which side in which pair of a round; ``participant`` NULL is the model.
``moves``
    One row per move; ``UNIQUE (room, round, stage, day, participant)`` makes a second
    move of the same person for the same decision impossible (never counted twice).

Every method holds one lock and runs in one transaction, so the store can be shared
by the server's threads; the server calls it from its event loop.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1"
#: Seconds between checkpoints (the write-ahead log synced to disk).
CHECKPOINT_SECONDS = 2.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY,
    scenario TEXT NOT NULL,
    rounds INTEGER NOT NULL CHECK (rounds >= 1),
    show_table INTEGER NOT NULL CHECK (show_table IN (0, 1)),
    ceasefire_days INTEGER NOT NULL CHECK (ceasefire_days >= 0),
    knobs TEXT NOT NULL,
    seed INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
    room TEXT NOT NULL REFERENCES rooms (code),
    number INTEGER NOT NULL CHECK (number >= 1),
    knobs TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'paused', 'closed')),
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    PRIMARY KEY (room, number)
);
CREATE TABLE IF NOT EXISTS participants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL REFERENCES rooms (code),
    number INTEGER NOT NULL,
    nickname TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    joined_at TEXT NOT NULL,
    absent INTEGER NOT NULL DEFAULT 0 CHECK (absent IN (0, 1)),
    UNIQUE (room, number),
    UNIQUE (room, nickname)
);
CREATE TABLE IF NOT EXISTS seats (
    room TEXT NOT NULL,
    round INTEGER NOT NULL,
    pair INTEGER NOT NULL CHECK (pair >= 1),
    role TEXT NOT NULL CHECK (role IN ('PAK', 'AFG')),
    participant INTEGER REFERENCES participants (id),
    PRIMARY KEY (room, round, pair, role),
    UNIQUE (room, round, participant),
    FOREIGN KEY (room, round) REFERENCES rounds (room, number)
);
CREATE TABLE IF NOT EXISTS moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    round INTEGER NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('talks', 'ceasefire')),
    day INTEGER NOT NULL CHECK (day >= 0),
    participant INTEGER NOT NULL REFERENCES participants (id),
    role TEXT NOT NULL CHECK (role IN ('PAK', 'AFG')),
    action TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    UNIQUE (room, round, stage, day, participant),
    FOREIGN KEY (room, round) REFERENCES rounds (room, number)
);
CREATE INDEX IF NOT EXISTS moves_by_round ON moves (room, round);
"""


def now() -> str:
    """The current time in UTC, ISO 8601 to the millisecond (``2026-12-02T10:00:00.123Z``)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def token_hash(token: str) -> str:
    """The SHA-256 of a participant's secret token, as stored (hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Duplicate(Exception):
    """A row that a UNIQUE constraint refuses (a second move, a taken nickname)."""


class Store:
    """The classroom's tables in one SQLite file (``":memory:"`` for a throwaway store).

    Parameters
    ----------
    path : str or Path
        The database file; created with its tables if missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self._db.executescript(SCHEMA)  # its own transaction (executescript commits first)
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))

        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None

    def start_checkpoints(self, seconds: float = CHECKPOINT_SECONDS) -> None:
        """Sync the write-ahead log to disk every ``seconds``, on a connection and thread of its own
        (the server's requests never wait for it)."""
        if self._checkpointer is not None or self.path == ":memory:":
            return

        def run() -> None:
            db = sqlite3.connect(self.path, timeout=10.0)
            try:
                while not self._stop.wait(seconds):
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                db.close()

        self._checkpointer = threading.Thread(target=run, name="negsim-classroom-checkpoint", daemon=True)
        self._checkpointer.start()

    def close(self) -> None:
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=5)
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), committed at the end, rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _all(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._db.execute(sql, args).fetchall()]

    def _one(self, sql: str, args: tuple = ()) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return None if row is None else dict(row)

    # --- meta -------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set_meta_once(self, key: str, value: str) -> str:
        """Store ``value`` under ``key`` unless a value is there already; the value kept."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
        kept = self.meta(key)
        assert kept is not None
        return kept

    # --- rooms ------------------------------------------------------------------------------

    def add_room(self, code: str, scenario: str, rounds: int, show_table: bool, ceasefire_days: int,
                 knobs: str, seed: int) -> None:
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO rooms (code, scenario, rounds, show_table, ceasefire_days, knobs, seed, state, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                    (code, scenario, rounds, int(show_table), ceasefire_days, knobs, seed, now()))
        except sqlite3.IntegrityError as exc:
            raise Duplicate(str(exc)) from None

    def room(self, code: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM rooms WHERE code = ?", (code,))

    def rooms(self) -> list[dict[str, Any]]:
        return self._all("SELECT * FROM rooms ORDER BY created_at, code")

    def set_room_knobs(self, code: str, knobs: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE rooms SET knobs = ? WHERE code = ?", (knobs, code))

    def close_room(self, code: str) -> None:
        stamp = now()
        with self.transaction() as db:
            db.execute("UPDATE rounds SET state = 'closed', closed_at = ? WHERE room = ? AND state != 'closed'",
                       (stamp, code))
            db.execute("UPDATE rooms SET state = 'closed' WHERE code = ?", (code,))

    # --- rounds -----------------------------------------------------------------------------

    def rounds(self, code: str) -> list[dict[str, Any]]:
        return self._all("SELECT * FROM rounds WHERE room = ? ORDER BY number", (code,))

    def round(self, code: str, number: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM rounds WHERE room = ? AND number = ?", (code, number))

    def open_round(self, code: str, number: int, knobs: str, seats: list[tuple[int, str, int | None]]) -> None:
        """Start round ``number`` with its leverage and its seats ``(pair, role, participant or None)``."""
        with self.transaction() as db:
            db.execute("INSERT INTO rounds (room, number, knobs, state, opened_at) VALUES (?, ?, ?, 'open', ?)",
                       (code, number, knobs, now()))
            db.executemany("INSERT INTO seats (room, round, pair, role, participant) VALUES (?, ?, ?, ?, ?)",
                           [(code, number, pair, role, pid) for pair, role, pid in seats])

    def set_round_state(self, code: str, number: int, state: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE rounds SET state = ?, closed_at = ? WHERE room = ? AND number = ?",
                       (state, now() if state == "closed" else None, code, number))

    # --- participants -----------------------------------------------------------------------

    def add_participant(self, code: str, nickname: str, token: str) -> dict[str, Any]:
        """A new participant of room ``code``; :class:`Duplicate` if the nickname is taken there."""
        try:
            with self.transaction() as db:
                row = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM participants WHERE room = ?",
                                 (code,)).fetchone()
                db.execute("INSERT INTO participants (room, number, nickname, token_hash, joined_at) "
                           "VALUES (?, ?, ?, ?, ?)", (code, int(row[0]), nickname, token_hash(token), now()))
        except sqlite3.IntegrityError as exc:
            raise Duplicate(str(exc)) from None
        found = self.participant_by_token(token)
        assert found is not None
        return found

    def participant_by_token(self, token: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM participants WHERE token_hash = ?", (token_hash(token),))

    def participants(self, code: str) -> list[dict[str, Any]]:
        return self._all("SELECT * FROM participants WHERE room = ? ORDER BY number", (code,))

    def set_absent(self, code: str, participants: list[int], absent: bool) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE participants SET absent = ? WHERE room = ? AND id = ?",
                           [(int(absent), code, pid) for pid in participants])

    # --- seats and moves --------------------------------------------------------------------

    def seats(self, code: str, number: int) -> list[dict[str, Any]]:
        """The seats of a round, with each participant's number and nickname (None for the model)."""
        return self._all(
            "SELECT s.pair, s.role, s.participant, p.number AS pnumber, p.nickname FROM seats s "
            "LEFT JOIN participants p ON p.id = s.participant WHERE s.room = ? AND s.round = ? "
            "ORDER BY s.pair, s.role DESC", (code, number))

    def pair_seats_of(self, code: str, participant: int) -> list[dict[str, Any]]:
        """Both seats of every pair ``participant`` sat in, all rounds (``round`` added)."""
        return self._all(
            "SELECT s.round, s.pair, s.role, s.participant, p.number AS pnumber, p.nickname FROM seats mine "
            "JOIN seats s ON s.room = mine.room AND s.round = mine.round AND s.pair = mine.pair "
            "LEFT JOIN participants p ON p.id = s.participant WHERE mine.room = ? AND mine.participant = ? "
            "ORDER BY s.round, s.role DESC", (code, participant))

    def pair_moves_of(self, code: str, participant: int) -> list[dict[str, Any]]:
        """The moves of ``participant`` and of their partners, all rounds, in the order received."""
        return self._all(
            "SELECT m.* FROM seats mine JOIN seats s ON s.room = mine.room AND s.round = mine.round "
            "AND s.pair = mine.pair JOIN moves m ON m.room = s.room AND m.round = s.round "
            "AND m.participant = s.participant WHERE mine.room = ? AND mine.participant = ? ORDER BY m.id",
            (code, participant))

    def seat_of(self, code: str, number: int, participant: int) -> dict[str, Any] | None:
        return self._one("SELECT pair, role FROM seats WHERE room = ? AND round = ? AND participant = ?",
                         (code, number, participant))

    def add_move(self, code: str, number: int, stage: str, day: int, participant: int, role: str,
                 action: str) -> str:
        """Record one move (its time returned); :class:`Duplicate` if this decision was made already."""
        stamp = now()
        try:
            with self.transaction() as db:
                db.execute("INSERT INTO moves (room, round, stage, day, participant, role, action, submitted_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (code, number, stage, day, participant, role, action,
                                                               stamp))
        except sqlite3.IntegrityError as exc:
            raise Duplicate(str(exc)) from None
        return stamp

    def moves(self, code: str, number: int | None = None) -> list[dict[str, Any]]:
        """The moves of a room (of one round), in the order received, with participant number and nickname."""
        sql = ("SELECT m.*, p.number AS pnumber, p.nickname FROM moves m JOIN participants p ON p.id = m.participant "
               "WHERE m.room = ?")
        args: tuple = (code,)
        if number is not None:
            sql += " AND m.round = ?"
            args = (code, number)
        return self._all(sql + " ORDER BY m.id", args)
