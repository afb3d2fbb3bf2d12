"""Rooms, pairing, rounds and resolution: the classroom's rules, apart from HTTP.

A *room* plays one scenario's talks game for a planned number of rounds. The teacher
starts each round with the mediators' leverage in force (it can change only between
rounds); at the start the students present are shuffled into pairs, the first of each
pair Pakistan (PAK, rows), the second Kabul (AFG, columns), afresh every round (strangers
matching, so a round is one play of the one-shot game). With an odd number the last
student plays the *model*: the side's strategy in the Nash equilibrium the
``logit_limit`` rule selects, drawn (seeded by the room) when it is mixed, and a trigger
strategy in the ceasefire. A student who was seated but did not move before the round
closed sits out later rounds until their link is used again, so an absent student does
not block a partner.

Both sides of a pair move at once: :meth:`Classroom.student_view` never contains the
other side's move before both have moved. A pair's outcome is then the cell ``(i, j)``
of the round's game, with payoffs ``game.A[i, j]`` and ``game.B[i, j]``; nothing of it is
stored, it is computed from the moves each time (so it cannot disagree with them).

The optional ceasefire stage (``ceasefire_days`` 1-3 per round): after the talks, each
side holds or violates the truce each day, again at once, for the classroom payoffs of
``negsim-play`` (Axelrod's T=5 > R=3 > P=1 > S=0). Pakistan does not see Kabul's choice:
it sees whether an attack was attributed to Kabul that day, with the daily probabilities
of the model's ladder after the talks' outcome (:func:`negsim.model.rollout.signal_probabilities`:
``q_hold`` when Kabul holds, ``q_violate`` when it violates; verification in force
separates them). The day's result shows the signal, its two probabilities and the truth.

Every refusal is a :class:`Refused` with an HTTP status and a one-line message.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import random
import secrets
import string
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from negsim.app.classroom.store import Duplicate, Store
from negsim.equilibrium import Equilibrium
from negsim.errors import NegsimError
from negsim.game import Game
from negsim.games.repeated import ACTIONS as CEASEFIRE_ACTIONS
from negsim.games.repeated import StageGame, ceasefire_game
from negsim.io.moves import ROLES
from negsim.model.scenario import FRACTION_KNOBS, MEDIATOR_KNOBS, Scenario, check_knob, load_scenario
from negsim.model.talks import deal_probability, predict, talks_game, with_mediator
from negsim.solvers import solve
from negsim.solvers.selection import select

#: The scenarios a room can play.
SCENARIOS = ("doha_round", "istanbul_round2", "istanbul_round3")
#: The Nash equilibrium the model plays and the students are compared with.
RULE = "logit_limit"
#: Classroom payoffs of a ceasefire day, as in ``negsim-play`` (round numbers, not the model's).
CLASSROOM_STAGE = StageGame(T=5.0, R=3.0, P=1.0, S=0.0)
_CEASEFIRE = ceasefire_game(CLASSROOM_STAGE)
MAX_ROUNDS = 20
MAX_CEASEFIRE_DAYS = 3
NICKNAME_MAX = 24
#: Room codes: six characters without the look-alikes 0/O, 1/I/L.
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")
CODE_LENGTH = 6
#: Largest payoff knob a room accepts (payoff units); fractions lie in [0, 1].
KNOB_MAX = 20.0
log = logging.getLogger("negsim.classroom")
#: Each kind of deal in words.
KIND_WORDS = {"written": "a written guarantee", "pledge": "the pledge with confidence-building", "none": "no deal"}


class Refused(Exception):
    """A request the classroom refuses: ``status`` (HTTP) and a one-line ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- the model of a round --------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def base_scenario(name: str) -> Scenario:
    """A shipped scenario at its own leverage (cached)."""
    if name not in SCENARIOS:
        raise Refused(400, f"scenario: unknown scenario {name!r}; expected one of: {', '.join(SCENARIOS)}")
    return load_scenario(name)


def default_knobs(name: str) -> dict[str, float]:
    """The scenario's shipped leverage, every knob of :data:`MEDIATOR_KNOBS`."""
    med = base_scenario(name).mediator
    return {k: float(getattr(med, k)) for k in MEDIATOR_KNOBS}


def knobs_json(knobs: Mapping[str, float]) -> str:
    """The leverage as stored and exported: JSON, knobs in :data:`MEDIATOR_KNOBS` order."""
    return json.dumps({k: float(knobs[k]) for k in MEDIATOR_KNOBS})


@functools.lru_cache(maxsize=1)
def _rollout_setup():
    from negsim.io.configs import config_dir, load_yaml
    from negsim.model.scenario import build_rollout

    return build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml"))


@dataclass(frozen=True, eq=False)
class RoundModel:
    """One round's game at its leverage and what the model says about it.

    Attributes
    ----------
    scenario : Scenario
        The room's scenario with the round's leverage.
    game : Game
        Its talks game: ``A`` (PAK), ``B`` (AFG), shape (m, n), payoff units.
    eq : Equilibrium
        The Nash equilibrium the ``logit_limit`` rule selects.
    prediction : numpy.ndarray, shape (m, n)
        The model's prediction (logit QRE at the game's precision).
    signals : numpy.ndarray, shape (m, n, 2)
        After each talks outcome, the daily probability of an attack attributed to Kabul
        when it holds and when it violates the ceasefire (``q_hold``, ``q_violate``).
    """

    scenario: Scenario
    game: Game
    eq: Equilibrium
    prediction: np.ndarray
    signals: np.ndarray

    @property
    def actions(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.scenario.actions

    def eq_outcome(self) -> tuple[int, int]:
        """The most likely cell of equilibrium play."""
        P = np.outer(*self.eq.strategies)
        i, j = np.unravel_index(int(np.argmax(P)), P.shape)
        return int(i), int(j)

    def deal_model(self) -> float:
        """P(deal) predicted by the model (logit QRE)."""
        return deal_probability(self.scenario, self.prediction)

    def deal_nash(self) -> float:
        """P(deal) under equilibrium play."""
        return deal_probability(self.scenario, np.outer(*self.eq.strategies))


@functools.lru_cache(maxsize=64)
def round_model(scenario_name: str, leverage: str) -> RoundModel:
    """The :class:`RoundModel` of a scenario at the leverage ``leverage`` (JSON of the knobs); cached."""
    from negsim.model.rollout import signal_probabilities
    from negsim.model.situation import outcome_ceasefire

    scenario = with_mediator(base_scenario(scenario_name), **json.loads(leverage))
    game = talks_game(scenario)
    eqs = solve(game)
    eq = eqs[select(game, eqs, RULE)]
    setup = _rollout_setup()
    m, n = scenario.shape
    signals = np.zeros((m, n, 2))
    for i in range(m):
        for j in range(n):
            situation, _ = outcome_ceasefire(scenario, i, j, setup)
            signals[i, j] = signal_probabilities(setup.params, situation)
    signals.setflags(write=False)
    return RoundModel(scenario, game, eq, predict(scenario, game), signals)


def mix_words(labels: Sequence[str], p: np.ndarray) -> str:
    """A strategy in words: ``'insist_written'`` or ``'a' 60% / 'b' 40%``."""
    support = [(lab, float(q)) for lab, q in zip(labels, p, strict=True) if q > 1e-9]
    if len(support) == 1:
        return support[0][0]
    return " / ".join(f"{lab} {q:.0%}" for lab, q in support)


Counts = tuple[tuple[int, ...], tuple[int, ...]]


def _json_safe(value: Any) -> Any:
    """``value`` with every infinite or NaN float replaced by None (JSON has no infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


# --- validation of requests ------------------------------------------------------------------


def _whole(name: str, value: Any, lo: int, hi: int) -> int:
    """A whole number in [lo, hi] from JSON (an int) or a form (its digits)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise Refused(400, f"{name}: expected a whole number from {lo} to {hi}")
    return value


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "on", "yes", "0", "false", "off", "no", ""):
        return value.lower() in ("1", "true", "on", "yes")
    raise Refused(400, f"{name}: expected true or false")


def _text(name: str, value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise Refused(400, f"{name}: expected text")
    value = " ".join(value.split())
    if not value or len(value) > limit or not value.isprintable():
        raise Refused(400, f"{name}: expected 1 to {limit} printable characters")
    return value


def _only(payload: Any, allowed: Sequence[str], required: Sequence[str] = ()) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise Refused(400, "expected a JSON object")
    extra = sorted(set(payload) - set(allowed))
    if extra:
        raise Refused(400, f"unknown field {extra[0]!r}; expected: {', '.join(allowed)}")
    missing = [k for k in required if k not in payload]
    if missing:
        raise Refused(400, f"missing field {missing[0]!r}")
    return payload


def parse_knobs(given: Any, base: Mapping[str, float]) -> dict[str, float]:
    """``base`` with the knobs in ``given`` replaced, each checked (:func:`check_knob`, at most
    :data:`KNOB_MAX` payoff units); a :class:`Refused` (400) naming the knob otherwise."""
    if given is None:
        return dict(base)
    if not isinstance(given, Mapping):
        raise Refused(400, "knobs: expected an object of mediator knobs")
    out = dict(base)
    for knob, value in given.items():
        if knob not in MEDIATOR_KNOBS:
            raise Refused(400, f"knobs: unknown mediator knob {knob!r}; expected one of: {', '.join(MEDIATOR_KNOBS)}")
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise Refused(400, f"knobs.{knob}: expected a number") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Refused(400, f"knobs.{knob}: expected a number")
        try:
            v = check_knob(knob, float(value))
        except NegsimError as exc:
            raise Refused(400, f"knobs.{knob}: {str(exc).split(': ', 1)[-1]}") from None
        if knob not in FRACTION_KNOBS and v > KNOB_MAX:
            raise Refused(400, f"knobs.{knob}: expected at most {KNOB_MAX:g} payoff units, got {v:g}")
        out[knob] = v
    return out


# --- the classroom ---------------------------------------------------------------------------


Notify = Callable[[str, "set[int] | None"], None]


def _no_notify(code: str, participants: set[int] | None) -> None:
    return None


def _draw(rng: np.random.Generator, p: np.ndarray) -> int:
    """An index drawn with the probabilities ``p``."""
    k = int(np.searchsorted(np.cumsum(p), rng.random() * float(np.sum(p)), side="right"))
    return min(k, len(p) - 1)


class Classroom:
    """The classroom's rules on a :class:`~negsim.app.classroom.store.Store`.

    Parameters
    ----------
    store : Store
    notify : callable, optional
        ``notify(room, participants)`` after every change: the participants (ids) whose
        view changed, or None for everybody in the room (the teacher's view always changes).
    """

    def __init__(self, store: Store, notify: Notify | None = None) -> None:
        self.store = store
        self.notify = notify or _no_notify
        self._lock = threading.RLock()
        self._final: dict[tuple[str, int, int], dict[str, Any]] = {}
        self.fits = Fits(self.notify)
        self.teacher_key = store.set_meta_once("teacher_key", secrets.token_urlsafe(24))

    def is_teacher(self, key: str | None) -> bool:
        return isinstance(key, str) and secrets.compare_digest(key.encode(), self.teacher_key.encode())

    # --- rooms -------------------------------------------------------------------------

    def room(self, code: str) -> dict[str, Any]:
        """The room ``code``; a 404 if there is none."""
        room = self.store.room(code) if isinstance(code, str) else None
        if room is None:
            raise Refused(404, f"no room with the code {code!r}")
        return room

    def create_room(self, payload: Any) -> str:
        """A new room from ``{"scenario", "rounds", "show_table", "ceasefire_days", "knobs"}``; its code."""
        p = _only(payload, ("scenario", "rounds", "show_table", "ceasefire_days", "knobs"))
        scenario = p.get("scenario", "istanbul_round2")
        if scenario not in SCENARIOS:
            raise Refused(400, f"scenario: unknown scenario {scenario!r}; expected one of: {', '.join(SCENARIOS)}")
        rounds = _whole("rounds", p.get("rounds", 5), 1, MAX_ROUNDS)
        days = _whole("ceasefire_days", p.get("ceasefire_days", 0), 0, MAX_CEASEFIRE_DAYS)
        show = _flag("show_table", p.get("show_table", False))
        knobs = parse_knobs(p.get("knobs"), default_knobs(scenario))
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                self.store.add_room(code, scenario, rounds, show, days, knobs_json(knobs), secrets.randbits(62))
            except Duplicate:
                continue
            self.notify(code, None)
            return code
        raise Refused(503, "could not find a free room code")  # pragma: no cover

    def current_round(self, code: str) -> dict[str, Any] | None:
        """The last started round of a room (open, paused or closed), or None."""
        rounds = self.store.rounds(code)
        return rounds[-1] if rounds else None

    def _live_round(self, code: str) -> dict[str, Any] | None:
        last = self.current_round(code)
        return last if last is not None and last["state"] != "closed" else None

    def next_leverage(self, code: str, payload: Any = None) -> str:
        """The leverage (JSON) the room's next round would start with, given ``{"knobs": {...}}``."""
        p = _only(payload or {}, ("knobs",))
        return knobs_json(parse_knobs(p.get("knobs"), json.loads(self.room(code)["knobs"])))

    def start_round(self, code: str, payload: Any = None) -> int:
        """Open the room's next round (``{"knobs": {...}}`` changes the leverage first); its number."""
        p = _only(payload or {}, ("knobs",))
        with self._lock:
            room = self.room(code)
            if room["state"] == "closed":
                raise Refused(409, f"room {code} is closed")
            live = self._live_round(code)
            if live is not None:
                raise Refused(409, f"round {live['number']} is still {live['state']}; close it first")
            played = len(self.store.rounds(code))
            if played >= room["rounds"]:
                raise Refused(409, f"all {room['rounds']} rounds have been played")
            knobs = parse_knobs(p.get("knobs"), json.loads(room["knobs"]))
            present = [r for r in self.store.participants(code) if not r["absent"]]
            if not present:
                raise Refused(409, f"no student is present in room {code} (who did not move last round sits out "
                                   f"until their page is opened again)")
            random.SystemRandom().shuffle(present)
            seats: list[tuple[int, str, int | None]] = []
            for k in range(0, len(present) - 1, 2):
                seats += [(k // 2 + 1, "PAK", present[k]["id"]), (k // 2 + 1, "AFG", present[k + 1]["id"])]
            if len(present) % 2:
                pair, role = len(present) // 2 + 1, secrets.choice(ROLES)
                seats += [(pair, role, present[-1]["id"]), (pair, ROLES[1 - ROLES.index(role)], None)]
            number = played + 1
            self.store.set_room_knobs(code, knobs_json(knobs))
            self.store.open_round(code, number, knobs_json(knobs), seats)
        self.notify(code, None)
        return number

    def _round_for_teacher(self, code: str, number: Any) -> dict[str, Any]:
        self.room(code)
        n = _whole("round", number, 1, MAX_ROUNDS)
        rnd = self.store.round(code, n)
        if rnd is None:
            raise Refused(404, f"round {n} of room {code} has not started")
        return rnd

    def _switch_round(self, code: str, number: Any, now: str, then: str) -> None:
        """Move a round from state ``now`` to ``then`` (a 409 if it is not ``now``), and tell the room."""
        with self._lock:
            rnd = self._round_for_teacher(code, number)
            if rnd["state"] != now:
                raise Refused(409, f"round {rnd['number']} is {rnd['state']}, not {now}")
            self.store.set_round_state(code, rnd["number"], then)
        self.notify(code, None)

    def pause_round(self, code: str, number: Any) -> None:
        self._switch_round(code, number, "open", "paused")

    def resume_round(self, code: str, number: Any) -> None:
        self._switch_round(code, number, "paused", "open")

    def close_round(self, code: str, number: Any) -> None:
        """Close a round: no more moves; seated students who did not move in the talks sit out."""
        with self._lock:
            rnd = self._round_for_teacher(code, number)
            if rnd["state"] == "closed":
                raise Refused(409, f"round {rnd['number']} is closed already")
            n = rnd["number"]
            self.store.set_round_state(code, n, "closed")
            moved = {m["participant"] for m in self.store.moves(code, n) if m["stage"] == "talks"}
            seated = {s["participant"] for s in self.store.seats(code, n) if s["participant"] is not None}
            self.store.set_absent(code, sorted(seated - moved), True)
        self.notify(code, None)

    def set_leverage(self, code: str, payload: Any) -> dict[str, float]:
        """Change the leverage of the room's next round (``{"knobs": {...}}``); refused during a round."""
        p = _only(payload, ("knobs",), ("knobs",))
        with self._lock:
            room = self.room(code)
            if room["state"] == "closed":
                raise Refused(409, f"room {code} is closed")
            live = self._live_round(code)
            if live is not None:
                raise Refused(409, f"the leverage can change only between rounds; close round {live['number']} first")
            knobs = parse_knobs(p["knobs"], json.loads(room["knobs"]))
            self.store.set_room_knobs(code, knobs_json(knobs))
        self.notify(code, set())
        return knobs

    def close_room(self, code: str) -> None:
        with self._lock:
            room = self.room(code)
            if room["state"] == "closed":
                raise Refused(409, f"room {code} is closed already")
            self.store.close_room(code)
        self.notify(code, None)

    # --- students ----------------------------------------------------------------------

    def join(self, payload: Any) -> tuple[str, dict[str, Any]]:
        """A student joins a room (``{"room", "nickname"}``): their secret token and their row."""
        p = _only(payload, ("room", "nickname"), ("room", "nickname"))
        code = p["room"].strip().upper() if isinstance(p["room"], str) else p["room"]
        if not isinstance(code, str) or not code.isalnum() or len(code) > 16:
            raise Refused(400, "room: expected the room's code (letters and digits)")
        nickname = _text("nickname", p["nickname"], NICKNAME_MAX)
        room = self.room(code)
        if room["state"] == "closed":
            raise Refused(409, f"room {code} is closed")
        token = secrets.token_urlsafe(16)
        try:
            row = self.store.add_participant(code, nickname, token)
        except Duplicate:
            raise Refused(409, f"the nickname {nickname!r} is taken in room {code}; choose another") from None
        self.notify(code, set())
        return token, row

    def participant(self, token: Any) -> dict[str, Any]:
        """The participant of a secret token; a 403 for a forged or unknown one."""
        row = self.store.participant_by_token(token) if isinstance(token, str) and 0 < len(token) <= 64 else None
        if row is None:
            raise Refused(403, "unknown participant link")
        return row

    def seen(self, participant: dict[str, Any]) -> None:
        """A participant's link was used: one who sat out is present again."""
        if participant["absent"]:
            self.store.set_absent(participant["room"], [participant["id"]], False)
            participant["absent"] = 0
            self.notify(participant["room"], set())

    def submit(self, token: Any, payload: Any) -> dict[str, Any]:
        """One move ``{"round", "stage", "day", "action"}`` of the participant ``token``; their view after it."""
        me = self.participant(token)
        p = _only(payload, ("round", "stage", "day", "action"), ("round", "action"))
        number = _whole("round", p["round"], 1, MAX_ROUNDS)
        stage = p.get("stage", "talks")
        if stage not in ("talks", "ceasefire"):
            raise Refused(400, "stage: expected 'talks' or 'ceasefire'")
        code = me["room"]
        with self._lock:
            room = self.room(code)
            if room["state"] == "closed":
                raise Refused(409, f"room {code} is closed")
            rnd = self.store.round(code, number)
            if rnd is None or rnd["state"] == "closed":
                raise Refused(409, f"round {number} is not open")
            if rnd["state"] == "paused":
                raise Refused(409, f"round {number} is paused")
            seat = self.store.seat_of(code, number, me["id"])
            if seat is None:
                raise Refused(409, f"you have no seat in round {number}; you play from the next round")
            side = ROLES.index(seat["role"])
            model = round_model(room["scenario"], rnd["knobs"])
            if stage == "talks":
                if p.get("day") not in (None, 0, "", "0"):
                    raise Refused(400, "day: the talks have no day")
                day, allowed = 0, model.actions[side]
            else:
                day = _whole("day", p.get("day"), 1, MAX_CEASEFIRE_DAYS)
                allowed = CEASEFIRE_ACTIONS
            action = p["action"]
            if not isinstance(action, str) or action not in allowed:
                raise Refused(400, f"action: unknown action {str(action)[:40]!r} for {seat['role']} "
                                   f"({stage}); expected one of: {', '.join(allowed)}")
            if stage == "ceasefire":
                if day > room["ceasefire_days"]:
                    n_days = room["ceasefire_days"]
                    raise Refused(400, f"day: round {number} has {n_days} ceasefire day{'s' if n_days != 1 else ''}")
                result = self._pair_result(room, rnd, seat["pair"])
                if result["talks"] is None:
                    raise Refused(409, f"the ceasefire of round {number} starts after both sides moved in the talks")
                if len(result["ceasefire"]) < day - 1:
                    raise Refused(409, f"day {day} of the ceasefire opens after day {day - 1}")
            try:
                self.store.add_move(code, number, stage, day, me["id"], seat["role"], action)
            except Duplicate:
                what = "the talks" if stage == "talks" else f"day {day} of the ceasefire"
                raise Refused(409, f"you already moved in {what} of round {number}") from None
            pair = [s["participant"] for s in self.store.seats(code, number) if s["pair"] == seat["pair"]]
        # The mover's view comes back in the answer; only the partner's page needs telling.
        self.notify(code, {pid for pid in pair if pid is not None and pid != me["id"]})
        return self.student_view(token, mark_seen=False)

    # --- resolution --------------------------------------------------------------------

    def _pair_result(self, room: Mapping[str, Any], rnd: Mapping[str, Any], pair: int,
                     seats: list[dict[str, Any]] | None = None,
                     moves: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """What a pair of a round has done: who sits where, the talks and the ceasefire days resolved
        so far (only decisions both sides have made), and which side still has to move."""
        code, number = room["code"], rnd["number"]
        final = rnd["state"] == "closed"  # a closed round takes no more moves: its results are final
        if final and (code, number, pair) in self._final:
            return self._final[(code, number, pair)]
        model = round_model(room["scenario"], rnd["knobs"])
        seats = [s for s in (self.store.seats(code, number) if seats is None else seats) if s["pair"] == pair]
        by_role = {s["role"]: s for s in seats}
        pids = {s["participant"] for s in seats}
        moves = [m for m in (self.store.moves(code, number) if moves is None else moves) if m["participant"] in pids]
        chosen: dict[tuple[str, int], dict[str, str]] = {}
        for m in moves:
            chosen.setdefault((m["stage"], m["day"]), {})[m["role"]] = m["action"]
        seed = int(room["seed"])
        # The model's talks move, drawn from its equilibrium strategy, seeded by room, round and pair.
        for side, role in enumerate(ROLES):
            if by_role[role]["participant"] is None:
                rng = np.random.default_rng([seed, number, pair, 0])
                chosen.setdefault(("talks", 0), {})[role] = model.actions[side][_draw(rng, model.eq.strategies[side])]
        talks = chosen.get(("talks", 0), {})
        out: dict[str, Any] = {
            "pair": pair,
            "seats": {role: by_role[role] for role in ROLES},
            "talks": None,
            "ceasefire": [],
            "moved": {("talks", 0): sorted(talks)},
        }
        if len(talks) == 2:
            self._resolve(out, room, number, pair, model, talks, chosen, by_role)
        if final:
            self._final[(code, number, pair)] = out
        return out

    def _resolve(self, out: dict[str, Any], room: Mapping[str, Any], number: int, pair: int, model: RoundModel,
                 talks: Mapping[str, str], chosen: Mapping[tuple[str, int], Mapping[str, str]],
                 by_role: Mapping[str, Mapping[str, Any]]) -> None:
        """Fill a pair's talks outcome and the ceasefire days both sides (or the model) have played."""
        seed = int(room["seed"])
        i, j = model.actions[0].index(talks["PAK"]), model.actions[1].index(talks["AFG"])
        out["talks"] = self._talks_outcome(model, i, j)
        cf = _CEASEFIRE
        q_hold, q_violate = (float(v) for v in model.signals[i, j])
        signal_before = False
        for day in range(1, int(room["ceasefire_days"]) + 1):
            acts = dict(chosen.get(("ceasefire", day), {}))
            prev = out["ceasefire"][-1] if out["ceasefire"] else None
            for role in ROLES:  # the model: trigger strategy on what it sees (PAK: the signal only)
                if by_role[role]["participant"] is None:
                    punish = signal_before if role == "PAK" else (prev is not None and prev["actions"]["PAK"] == "violate")
                    acts[role] = "violate" if punish else "hold"
            out["moved"][("ceasefire", day)] = sorted(acts)
            if len(acts) < 2:
                break
            a = (CEASEFIRE_ACTIONS.index(acts["PAK"]), CEASEFIRE_ACTIONS.index(acts["AFG"]))
            u = float(np.random.default_rng([seed, number, pair, day]).random())
            signal = u < (q_violate if a[1] == 1 else q_hold)
            signal_before = signal
            out["ceasefire"].append({
                "day": day,
                "actions": {"PAK": acts["PAK"], "AFG": acts["AFG"]},
                "payoffs": {"PAK": float(cf.A[a]), "AFG": float(cf.B[a])},
                "signal": bool(signal),
                "q_hold": q_hold,
                "q_violate": q_violate,
            })

    @staticmethod
    def _talks_outcome(model: RoundModel, i: int, j: int) -> dict[str, Any]:
        sc, game = model.scenario, model.game
        kind = sc.deal_kind[i][j]
        best = {}
        for side, role in enumerate(ROLES):
            M = np.asarray(game.A if side == 0 else game.B.T, float)  # own payoffs, own action first
            mine, other = (i, j) if side == 0 else (j, i)
            b = int(np.argmax(M[:, other]))
            best[role] = {
                "best_reply": model.actions[side][b],
                "was_best": bool(M[mine, other] >= M[b, other] - 1e-12),
                "best_payoff": float(M[b, other]),
            }
        return {
            "actions": {"PAK": model.actions[0][i], "AFG": model.actions[1][j]},
            "cell": [i, j],
            "outcome": sc.outcome_labels[i][j],
            "deal": kind,
            "deal_words": KIND_WORDS[kind],
            "payoffs": {"PAK": float(game.A[i, j]), "AFG": float(game.B[i, j])},
            "best": best,
        }

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def equilibrium(model: RoundModel) -> dict[str, Any]:
        """What equilibrium play would do in a round: strategies, likely outcome, expected payoffs."""
        ei, ej = model.eq_outcome()
        return {
            "PAK": mix_words(model.actions[0], model.eq.strategies[0]),
            "AFG": mix_words(model.actions[1], model.eq.strategies[1]),
            "outcome": model.scenario.outcome_labels[ei][ej],
            "payoffs": {"PAK": float(model.eq.payoffs[0]), "AFG": float(model.eq.payoffs[1])},
            "deal_model": model.deal_model(),
        }

    @staticmethod
    def table(model: RoundModel) -> dict[str, Any]:
        """The payoff table with each side's best replies marked."""
        A, B = np.asarray(model.game.A, float), np.asarray(model.game.B, float)
        return {
            "rows": list(model.actions[0]),
            "cols": list(model.actions[1]),
            "A": A.tolist(),
            "B": B.tolist(),
            "best_pak": (A >= A.max(axis=0, keepdims=True) - 1e-12).tolist(),
            "best_afg": (B >= B.max(axis=1, keepdims=True) - 1e-12).tolist(),
            "outcomes": [list(r) for r in model.scenario.outcome_labels],
        }

    # --- views -------------------------------------------------------------------------

    def student_view(self, token: Any, *, mark_seen: bool = True) -> dict[str, Any]:
        """Everything the participant ``token`` may see, and nothing else: their room, the round,
        their side, what they have to do, and the results of their pairs (a decision's other
        half only once both sides made it)."""
        me = self.participant(token)
        if mark_seen:
            self.seen(me)
        room = self.room(me["room"])
        sc = base_scenario(room["scenario"])
        rounds = self.store.rounds(room["code"])
        view: dict[str, Any] = {
            "room": room["code"],
            "room_state": room["state"],
            "participant": f"p{me['number']}",
            "nickname": me["nickname"],
            "scenario": room["scenario"],
            "title": f"{sc.title} ({sc.dates})",
            "rounds_planned": room["rounds"],
            "ceasefire_days": room["ceasefire_days"],
            "sitting_out": bool(me["absent"]),
            "round": None,
            "seat": None,
            "todo": None,
            "waiting": None,
            "history": [],
        }
        seats_by_round: dict[int, list[dict[str, Any]]] = {}
        for s in self.store.pair_seats_of(room["code"], me["id"]):
            seats_by_round.setdefault(s["round"], []).append(s)
        moves_by_round: dict[int, list[dict[str, Any]]] = {}
        for m in self.store.pair_moves_of(room["code"], me["id"]):
            moves_by_round.setdefault(m["round"], []).append(m)
        for rnd in rounds:
            number = rnd["number"]
            current = rnd is rounds[-1]
            model = round_model(room["scenario"], rnd["knobs"])
            if current:
                view["round"] = {"number": number, "state": rnd["state"], "knobs": json.loads(rnd["knobs"])}
                if room["show_table"]:
                    view["table"] = self.table(model)
            seat = next((s for s in seats_by_round.get(number, ()) if s["participant"] == me["id"]), None)
            if seat is None:
                continue
            side = ROLES.index(seat["role"])
            moves = moves_by_round.get(number, [])
            result = self._pair_result(room, rnd, seat["pair"], seats_by_round[number], moves)
            other = result["seats"][ROLES[1 - side]]
            entry = {
                "round": number,
                "state": rnd["state"],
                "pair": seat["pair"],
                "role": seat["role"],
                "opponent": "model" if other["participant"] is None else other["nickname"],
                "mine": {("talks" if m["stage"] == "talks" else f"day{m['day']}"): m["action"]
                         for m in moves if m["participant"] == me["id"]},
                "talks": result["talks"],
                "ceasefire": result["ceasefire"],
                "equilibrium": self.equilibrium(model) if result["talks"] is not None else None,
            }
            view["history"].append(entry)
            if current:
                view["seat"] = {"pair": seat["pair"], "role": seat["role"], "opponent": entry["opponent"],
                                "actions": list(model.actions[side])}
                view["todo"], view["waiting"] = self._todo(room, rnd, seat["role"], result)
        return view

    @staticmethod
    def _todo(room: Mapping[str, Any], rnd: Mapping[str, Any], role: str,
              result: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The decision a seated participant has to make now, or what they are waiting for."""
        if room["state"] == "closed" or rnd["state"] == "closed":
            return None, None
        steps = [("talks", 0)] + [("ceasefire", d) for d in range(1, int(room["ceasefire_days"]) + 1)]
        for stage, day in steps:
            moved = result["moved"].get((stage, day))
            if moved is None:  # not open yet (the previous decision is not resolved)
                return None, "the other side"
            if len(moved) == 2:
                continue
            if role in moved:
                return None, "the other side"
            if rnd["state"] == "paused":
                return None, "the teacher (the round is paused)"
            return {"round": rnd["number"], "stage": stage, "day": day or None}, None
        return None, None

    def teacher_view(self, code: str) -> dict[str, Any]:
        """The room for its teacher: settings, participants, rounds, and the current round's pairs
        (who has moved; a pair's moves only once it is resolved, so a projected screen gives
        nothing away)."""
        room = self.room(code)
        sc = base_scenario(room["scenario"])
        people = self.store.participants(code)
        rounds = self.store.rounds(code)
        view: dict[str, Any] = {
            "room": code,
            "state": room["state"],
            "scenario": room["scenario"],
            "title": f"{sc.title} ({sc.dates})",
            "rounds_planned": room["rounds"],
            "show_table": bool(room["show_table"]),
            "ceasefire_days": room["ceasefire_days"],
            "knobs": json.loads(room["knobs"]),
            "participants": [{"id": f"p{r['number']}", "nickname": r["nickname"], "sitting_out": bool(r["absent"])}
                             for r in people],
            "rounds": [{"number": r["number"], "state": r["state"], "knobs": json.loads(r["knobs"]),
                        "opened_at": r["opened_at"], "closed_at": r["closed_at"]} for r in rounds],
            "pairs": [],
            "moves": 0,
        }
        if rounds:
            rnd = rounds[-1]
            seats = self.store.seats(code, rnd["number"])
            moves = self.store.moves(code, rnd["number"])
            view["moves"] = sum(m["stage"] == "talks" for m in moves)
            for pair in sorted({s["pair"] for s in seats}):
                res = self._pair_result(room, rnd, pair, seats, moves)
                names = {role: ("model" if s["participant"] is None else s["nickname"])
                         for role, s in res["seats"].items()}
                done = len(res["ceasefire"]) == int(room["ceasefire_days"]) and res["talks"] is not None
                view["pairs"].append({
                    "pair": pair,
                    "PAK": names["PAK"],
                    "AFG": names["AFG"],
                    "moved": res["moved"][("talks", 0)],
                    "talks": res["talks"],
                    "ceasefire_days_done": len(res["ceasefire"]),
                    "complete": done,
                })
        return view

    def dashboard(self, code: str, *, wait: bool = True) -> dict[str, Any]:
        """The class against the model, per round: choice shares with Nash and the logit QRE fitted
        to the class (``negsim.studies.class_play.class_fit``), and P(deal) in the class (pairs of
        two students) against the model's. A student's move counts once their pair is resolved
        (both sides moved), so a projected dashboard gives no move away early. ``wait=False``
        never waits for a fit (:class:`Fits`): a fit still being computed shows the round's
        previous one, with a note."""
        from negsim.model.rollout import wilson_interval

        room = self.room(code)
        out = []
        for rnd in self.store.rounds(code):
            model = round_model(room["scenario"], rnd["knobs"])
            moves = [m for m in self.store.moves(code, rnd["number"]) if m["stage"] == "talks"]
            counts = [[0] * len(a) for a in model.actions]
            seats = self.store.seats(code, rnd["number"])
            deals = played = 0
            for pair in sorted({s["pair"] for s in seats}):
                res = self._pair_result(room, rnd, pair, seats, moves)
                if res["talks"] is None:  # a move counts once its pair is resolved: nothing shows early
                    continue
                for side, role in enumerate(ROLES):
                    if res["seats"][role]["participant"] is not None:
                        counts[side][model.actions[side].index(res["talks"]["actions"][role])] += 1
                if all(s["participant"] is not None for s in res["seats"].values()):
                    played += 1
                    deals += res["talks"]["deal"] != "none"
            key = (room["scenario"], rnd["knobs"], (tuple(counts[0]), tuple(counts[1])))
            fit, note = fit_class(*key) if wait else self.fits.get(code, rnd["number"], *key)
            low, high = (None, None) if played == 0 else wilson_interval(deals, played)[1:]
            out.append({
                "round": rnd["number"],
                "state": rnd["state"],
                "knobs": json.loads(rnd["knobs"]),
                "actions": [list(a) for a in model.actions],
                "counts": counts,
                "fit": fit,
                "fit_note": note,
                "lam_model": float(model.scenario.precision),
                "nash": [model.eq.strategies[0].tolist(), model.eq.strategies[1].tolist()],
                "model_shares": [model.prediction.sum(axis=1).tolist(), model.prediction.sum(axis=0).tolist()],
                "pairs_played": played,
                "deal_class": None if played == 0 else deals / played,
                "deal_low": None if low is None else float(low),
                "deal_high": None if high is None else float(high),
                "deal_model": model.deal_model(),
                "deal_nash": model.deal_nash(),
            })
        return {"room": code, "scenario": room["scenario"], "rounds": out}

    # --- export ------------------------------------------------------------------------

    def export_rows(self, code: str) -> list[dict[str, Any]]:
        """Every student's move in the order received, as rows of :data:`negsim.io.moves.COLUMNS`."""
        room = self.room(code)
        rows = []
        pairs: dict[tuple[int, int], int] = {}
        knobs = {}
        for rnd in self.store.rounds(code):
            knobs[rnd["number"]] = rnd["knobs"]
            for s in self.store.seats(code, rnd["number"]):
                if s["participant"] is not None:
                    pairs[(rnd["number"], s["participant"])] = s["pair"]
        for m in self.store.moves(code):
            rows.append({
                "room": code,
                "round": m["round"],
                "stage": m["stage"],
                "day": m["day"] if m["stage"] == "ceasefire" else None,
                "pair": pairs[(m["round"], m["participant"])],
                "participant": f"p{m['pnumber']}",
                "nickname": m["nickname"],
                "role": m["role"],
                "action": m["action"],
                "submitted_at": m["submitted_at"],
                "scenario": room["scenario"],
                "leverage": knobs[m["round"]],
            })
        return rows

    def export_json(self, code: str) -> dict[str, Any]:
        """The export as JSON: the room's settings, its rounds, the rows of :meth:`export_rows` and
        each pair's resolved outcome (the model's moves included, which the rows leave out)."""
        from negsim.io.moves import COLUMNS

        room = self.room(code)
        rounds, pairs = [], []
        for rnd in self.store.rounds(code):
            rounds.append({"round": rnd["number"], "state": rnd["state"], "leverage": json.loads(rnd["knobs"]),
                           "opened_at": rnd["opened_at"], "closed_at": rnd["closed_at"]})
            seats = self.store.seats(code, rnd["number"])
            moves = self.store.moves(code, rnd["number"])
            for pair in sorted({s["pair"] for s in seats}):
                res = self._pair_result(room, rnd, pair, seats, moves)
                pairs.append({
                    "round": rnd["number"],
                    "pair": pair,
                    **{role: ("model" if s["participant"] is None else f"p{s['pnumber']}")
                       for role, s in res["seats"].items()},
                    "talks": None if res["talks"] is None else {
                        k: res["talks"][k] for k in ("actions", "outcome", "deal", "payoffs")},
                    "ceasefire": res["ceasefire"],
                })
        settings = {k: room[k] for k in ("code", "scenario", "rounds", "ceasefire_days", "state", "created_at")}
        settings["show_table"] = bool(room["show_table"])
        return {"room": settings, "rounds": rounds, "columns": list(COLUMNS), "moves": self.export_rows(code),
                "pairs": pairs}


FitResult = tuple[dict[str, Any] | None, str | None]
_FITS: dict[tuple[str, str, Counts], FitResult] = {}
_FITS_LOCK = threading.Lock()
_FITS_KEPT = 512


def cached_fit(scenario_name: str, leverage: str, counts: Counts) -> FitResult | None:
    """The result of :func:`fit_class` if it has been computed, else None (computing nothing)."""
    with _FITS_LOCK:
        return _FITS.get((scenario_name, leverage, counts))


def fit_class(scenario_name: str, leverage: str, counts: Counts) -> FitResult:
    """The class's choices in a round against the model: ``(fit, None)`` with the dict of
    :func:`negsim.studies.class_play.class_fit` (through ``scenario_class_fit``, whose
    precision is in the units of the scenario's own, so the two compare; an interval's
    open upper end is None), or ``(None, why not)``. Cached: a fit takes 0.1-1 s."""
    from negsim.studies.class_play import scenario_class_fit

    key = (scenario_name, leverage, counts)
    found = cached_fit(*key)
    if found is not None:
        return found
    result: FitResult
    if sum(map(sum, counts)) == 0:
        result = (None, "no pair has finished yet")
    else:
        model = round_model(scenario_name, leverage)
        try:
            fit = scenario_class_fit(model.scenario, (np.asarray(counts[0]), np.asarray(counts[1])))
            result = (_json_safe(fit), None)
        except NegsimError as exc:
            result = (None, str(exc))
    with _FITS_LOCK:
        if len(_FITS) >= _FITS_KEPT:
            _FITS.pop(next(iter(_FITS)))
        _FITS[key] = result
    return result


class Fits:
    """Fits of the class computed one at a time in a background thread, so that a request never
    waits for one: :meth:`get` answers with the fit of these counts if it is ready, else the
    last fit of the same round (marked as updating) and schedules the new one; when it is
    done, ``notify(room, set())`` tells the teacher's page to fetch the dashboard again."""

    def __init__(self, notify: Notify) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.notify = notify
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="negsim-class-fit")
        self._lock = threading.Lock()
        self._queued: set[tuple[str, str, Counts]] = set()
        self._last: dict[tuple[str, int], FitResult] = {}

    def get(self, code: str, number: int, scenario: str, leverage: str, counts: Counts) -> FitResult:
        key = (scenario, leverage, counts)
        found = fit_class(*key) if sum(map(sum, counts)) == 0 else cached_fit(*key)
        if found is not None:
            self._last[(code, number)] = found
            return found
        with self._lock:
            if key not in self._queued:
                self._queued.add(key)
                self._pool.submit(self._run, code, key)
        fit, _ = self._last.get((code, number), (None, None))
        return fit, "the fit to the class is being updated"

    def _run(self, code: str, key: tuple[str, str, Counts]) -> None:
        try:
            fit_class(*key)
        except Exception:  # pragma: no cover - a bug in the fit must not stop the fitter
            log.exception("negsim-classroom: the class fit failed")
        finally:
            with self._lock:
                self._queued.discard(key)
        self.notify(code, set())
