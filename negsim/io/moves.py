"""The record of a class's moves: one row per move, the same file from the browser classroom
(``negsim-classroom``) and from terminal play (``negsim-play --record FILE``).

Columns (:data:`COLUMNS`), one row per submitted move:

``room``
    The room's code (terminal play: ``terminal``).
``round``
    The round, 1-based.
``stage``
    ``talks`` (the simultaneous move of the round) or ``ceasefire`` (a day of the
    ceasefire stage after it).
``day``
    The ceasefire day, 1-based; empty for the talks.
``pair``
    The pair within the room (students paired for the round), 1-based.
``participant``
    The participant's public id within the room (never their secret link).
``nickname``
    The name the student gave.
``role``
    ``PAK`` or ``AFG``: the side played.
``action``
    The action chosen: an action label of the round's talks game (``insist_written``...),
    or ``hold`` / ``violate`` in the ceasefire stage.
``submitted_at``
    When the move was received: ISO 8601 in UTC, to the millisecond.
``scenario``
    The round's scenario (``istanbul_round2``...).
``leverage``
    The mediator's leverage in force, as JSON (``{"verification": 0.5, ...}``).

Readable by :func:`read_moves`, by pandas (``pandas.read_csv``) and by the estimator
(:func:`talks_counts`, then :func:`negsim.solvers.qre_estimate.estimate_qre`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.io.results import write_text_atomic

COLUMNS = ("room", "round", "stage", "day", "pair", "participant", "nickname", "role", "action", "submitted_at",
           "scenario", "leverage")
#: The sides, in the order of a talks game's players.
ROLES = ("PAK", "AFG")
STAGES = ("talks", "ceasefire")


def moves_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """The moves as CSV text with the header :data:`COLUMNS` (missing values empty)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in COLUMNS})
    return buf.getvalue()


def write_moves(rows: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """Write the moves to ``path`` as CSV, atomically."""
    return write_text_atomic(Path(path), moves_csv(rows))


def read_moves(path: str | Path) -> list[dict[str, str]]:
    """The rows of a moves file (values as text), checked to have the columns :data:`COLUMNS`;
    a :class:`ConfigError` naming the file otherwise."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the moves file ({exc.strerror or exc})") from None
    if tuple(header) != COLUMNS:
        raise ConfigError(f"{path}: expected the columns {', '.join(COLUMNS)}, got {', '.join(header) or 'none'}")
    return rows


def talks_counts(rows: Iterable[Mapping[str, Any]], actions: Sequence[Sequence[str]],
                 rounds: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """How often each side chose each talks action: ``(c, d)``, shapes (m,) and (n,), from the
    moves' ``talks`` rows (of ``rounds`` only, if given), for the estimator. An action not
    in ``actions`` (``actions[0]`` Pakistan's, ``actions[1]`` Kabul's) is a :class:`ConfigError`."""
    keep = None if rounds is None else {int(r) for r in rounds}
    counts = [np.zeros(len(a), dtype=int) for a in actions]
    for row in rows:
        if row["stage"] != "talks" or (keep is not None and int(row["round"]) not in keep):
            continue
        side = ROLES.index(row["role"]) if row["role"] in ROLES else None
        if side is None or row["action"] not in actions[side]:
            raise ConfigError(f"moves: round {row['round']}: unknown move {row['role']!r} {row['action']!r}")
        counts[side][list(actions[side]).index(row["action"])] += 1
    return counts[0], counts[1]
