"""A scripted class: many students and their teacher, as HTTP clients of a running classroom.

For the load test and the benchmark (``experiments/bench_classroom.py``), and for a dry run
before a seminar::

    python -m negsim.app.classroom.bots http://127.0.0.1:8000 TEACHER_KEY --students 30 --rounds 5

Each student is an asyncio task with its own event stream (``/p/T/events``), as a browser
page has: it waits for an event (or a second, whichever is first), reads its view,
moves when it has something to do (a seeded random action), sometimes sends the same move
twice (which must be refused), and records the outcome its page shows. The teacher
creates the room, starts each round with its leverage, waits until every pair is done
and closes the round. Every request's time is recorded (the stream's are not: they last).
Needs ``httpx`` (the test extra).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from negsim.games.repeated import ACTIONS as CEASEFIRE_ACTIONS


@dataclass
class ClassRun:
    """What a scripted class did and saw.

    Attributes
    ----------
    room : str
    participants : dict of str to str
        Each student's public id (``p3``) by nickname.
    timings : list of (str, float)
        Each request's kind (``join``, ``state``, ``move``, ``teacher``) and seconds.
    accepted : dict
        ``(participant, round, stage, day) -> action`` of every move the server accepted.
    duplicates_refused : int
        Repeated moves answered 409 (each must be).
    duplicates_sent : int
    seen : dict
        ``(participant, round) -> the round's entry of the student's own view`` at the end of the round.
    leverage : list of dict
        The knobs each round was started with.
    wall : float
        Seconds from the first join to the last round's close.
    """

    room: str = ""
    participants: dict[str, str] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)
    accepted: dict[tuple[str, int, str, int], str] = field(default_factory=dict)
    duplicates_refused: int = 0
    duplicates_sent: int = 0
    seen: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    leverage: list[dict[str, float]] = field(default_factory=list)
    wall: float = 0.0

    def percentile(self, q: float, kind: str | None = None) -> float:
        """The ``q``-th percentile of the request times (of one kind), in milliseconds."""
        values = [t for k, t in self.timings if kind is None or k == kind]
        return float(np.percentile(values, q) * 1e3) if values else float("nan")


class _Failed(AssertionError):
    """The classroom answered a scripted request unexpectedly."""


async def play_class(base_url: str, key: str, *, students: int = 30, rounds: int = 5,
                     scenario: str = "istanbul_round2", leverage: Sequence[Mapping[str, float]] | None = None,
                     ceasefire_days: int = 0, seed: int = 0, duplicate_every: int = 4,
                     timeout: float = 30.0) -> ClassRun:
    """Play a whole class against the server at ``base_url``; see the module docstring.

    Parameters
    ----------
    base_url, key : str
        The server and its teacher key.
    students, rounds : int
    scenario : str
    leverage : sequence of mappings, optional
        Knobs to change at the start of each round (``leverage[r - 1]``, cycled); default none.
    ceasefire_days : int
    seed : int
        Seed of the students' choices.
    duplicate_every : int
        Every so many students send each talks move twice (0: never).
    timeout : float
        Seconds any one round may take before the run fails.

    Returns
    -------
    ClassRun
    """
    import httpx

    run = ClassRun()
    teacher = {"X-Teacher-Key": key}
    streams = np.random.SeedSequence(seed).spawn(students)
    # One client per person, as every phone is its own browser (and one shared pool of many
    # connections costs httpx time quadratic in their number).
    tls = ssl.create_default_context()  # made once: each client would load the certificates again
    clients = [httpx.AsyncClient(base_url=base_url, timeout=timeout, verify=tls) for _ in range(students + 1)]
    try:

        async def call(kind: str, method: str, url: str, who: int = students, **kw: Any) -> httpx.Response:
            t = time.perf_counter()
            r = await clients[who].request(method, url, **kw)
            run.timings.append((kind, time.perf_counter() - t))
            return r

        def expect(r: httpx.Response, *status: int) -> dict[str, Any]:
            if r.status_code not in status:
                raise _Failed(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:200]}")
            return r.json()

        made = expect(await call("teacher", "POST", "/rooms", headers=teacher, json={
            "scenario": scenario, "rounds": rounds, "ceasefire_days": ceasefire_days}), 201)
        run.room = code = made["room"]
        start = time.perf_counter()
        joined = await asyncio.gather(*[
            call("join", "POST", "/join", k, json={"room": code, "nickname": f"student{k:02d}"})
            for k in range(students)])
        tokens = []
        for k, r in enumerate(joined):
            body = expect(r, 201)
            tokens.append(body["token"])
            run.participants[f"student{k:02d}"] = body["participant"]

        async def student(k: int) -> None:
            token, rng = tokens[k], np.random.default_rng(streams[k])
            me = run.participants[f"student{k:02d}"]
            changed = asyncio.Event()

            async def listen() -> None:
                async with clients[k].stream("GET", f"/p/{token}/events") as events:
                    async for line in events.aiter_lines():
                        if line.startswith("event:"):
                            changed.set()

            listener = asyncio.create_task(listen())
            try:
                view: dict[str, Any] | None = None
                for number in range(1, rounds + 1):
                    deadline = time.perf_counter() + timeout
                    # The view that finished the last round shows nothing to do: wait for an event.
                    waiting = view is not None
                    while True:
                        if waiting:
                            waiting = False
                            try:
                                await asyncio.wait_for(changed.wait(), timeout=1.0)
                            except asyncio.TimeoutError:
                                pass
                            view = None
                        if view is None:
                            changed.clear()  # an event from now on wakes the wait below
                            view = expect(await call("state", "GET", f"/p/{token}/state", k), 200)
                        entry = next((h for h in view["history"] if h["round"] == number), None)
                        if entry is None and view["round"] and view["round"]["number"] == number \
                                and view["seat"] is None:
                            raise _Failed(f"{me} has no seat in round {number}")
                        if entry is not None and entry["talks"] is not None \
                                and len(entry["ceasefire"]) == ceasefire_days:
                            run.seen[(me, number)] = entry
                            break
                        todo = view["todo"]
                        if todo is not None and todo["round"] == number:
                            if todo["stage"] == "talks":
                                options = view["seat"]["actions"]
                            else:
                                options = list(CEASEFIRE_ACTIONS)
                            action = options[int(rng.integers(len(options)))]
                            move = {**todo, "action": action}
                            changed.clear()
                            after = expect(await call("move", "POST", f"/p/{token}/moves", k, json=move), 201)
                            run.accepted[(me, number, todo["stage"], todo["day"] or 0)] = action
                            if duplicate_every and k % duplicate_every == 0 and todo["stage"] == "talks":
                                run.duplicates_sent += 1
                                again = await call("move", "POST", f"/p/{token}/moves", k, json=move)
                                run.duplicates_refused += again.status_code == 409
                            view = after  # the answer to a move is the student's view after it
                            continue
                        view = None
                        if time.perf_counter() > deadline:
                            raise _Failed(f"{me}: round {number} did not finish in {timeout:g} s")
                        try:
                            await asyncio.wait_for(changed.wait(), timeout=1.0)
                        except asyncio.TimeoutError:
                            pass
            finally:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

        async def lead() -> None:
            for number in range(1, rounds + 1):
                knobs = dict(leverage[(number - 1) % len(leverage)]) if leverage else {}
                body = expect(await call("teacher", "POST", f"/rooms/{code}/rounds", headers=teacher,
                                         json={"knobs": knobs} if knobs else {}), 200)
                if body["round"] != number:
                    raise _Failed(f"started round {body['round']}, expected {number}")
                view = expect(await call("teacher", "GET", f"/rooms/{code}", headers=teacher), 200)
                run.leverage.append(view["rounds"][-1]["knobs"])
                deadline = time.perf_counter() + timeout
                while not (view["pairs"] and all(p["complete"] for p in view["pairs"])):
                    if time.perf_counter() > deadline:
                        raise _Failed(f"round {number} did not finish in {timeout:g} s")
                    await asyncio.sleep(0.2)
                    view = expect(await call("teacher", "GET", f"/rooms/{code}", headers=teacher), 200)
                expect(await call("teacher", "POST", f"/rooms/{code}/rounds/{number}/close", headers=teacher,
                                  json={}), 200)

        await asyncio.gather(lead(), *[student(k) for k in range(students)])
        run.wall = time.perf_counter() - start
    finally:
        await asyncio.gather(*[c.aclose() for c in clients])
    return run


async def burst(base_url: str, clients: int, each: int, path: str = "/healthz") -> list[float]:
    """A reference load: ``clients`` concurrent clients, each sending ``each`` GET ``path`` one
    after another; every request's seconds."""
    import httpx

    times: list[float] = []

    async def one(client: httpx.AsyncClient) -> None:
        for _ in range(each):
            t = time.perf_counter()
            r = await client.get(path)
            times.append(time.perf_counter() - t)
            if r.status_code != 200:
                raise _Failed(f"GET {path}: {r.status_code}")

    tls = ssl.create_default_context()
    pool = [httpx.AsyncClient(base_url=base_url, verify=tls) for _ in range(clients)]
    try:
        await asyncio.gather(*[one(c) for c in pool])
    finally:
        await asyncio.gather(*[c.aclose() for c in pool])
    return times


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m negsim.app.classroom.bots URL KEY [--students 30] [--rounds 5]``: a dry run."""
    parser = argparse.ArgumentParser(prog="python -m negsim.app.classroom.bots", description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenario", default="istanbul_round2")
    parser.add_argument("--ceasefire-days", type=int, default=0)
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    run = asyncio.run(play_class(args.url, args.key, students=args.students, rounds=args.rounds,
                                 scenario=args.scenario, ceasefire_days=args.ceasefire_days))
    print(json.dumps({"room": run.room, "moves": len(run.accepted), "requests": len(run.timings),
                      "seconds": round(run.wall, 3), "p50_ms": round(run.percentile(50), 2),
                      "p95_ms": round(run.percentile(95), 2), "p99_ms": round(run.percentile(99), 2)}))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
