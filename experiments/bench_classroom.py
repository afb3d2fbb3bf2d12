#!/usr/bin/env python3
"""Benchmark the browser classroom: a scripted class against a real server in its own process.

    python experiments/bench_classroom.py [--students 30] [--rounds 5] [--repeat 3] [--ceasefire-days 0]

The server is ``negsim-classroom`` (uvicorn, one process, SQLite in a temporary folder) on
a free local port; the class is :func:`negsim.app.classroom.bots.play_class` (each student
an asyncio task with its own HTTP client and event stream, the teacher starting each
round with another leverage and closing it when every pair is done), in this process.
Reported per run, then the median run (by p95):

* the load held: requests, requests per second, moves;
* response times over all requests (p50/p95/p99, ms) and by kind (``state``, ``move``,
  ``join``, ``teacher``);
* CPU time of the server process and of the clients (seconds; per request, ms);
* two references measured in the same run, as ratios: ``GET /healthz`` one request at a
  time (the bare cost of a request through uvicorn and Starlette: its time and the
  server's CPU time) and in a burst of ``--students`` concurrent clients sending ten each
  (what a burst costs before any classroom logic).

The machine is shared: the load average is printed, and the ratios matter more than the
times. Exits with status 1 if a move was lost or counted twice.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from benchutil import cpu_name, usable_cpus

from negsim.app.classroom.bots import burst, play_class

LEVERAGE = [{}, {"verification": 1.0}, {"transfer_written": 3.0, "transfer_pledge": 0.0}, {"penalty_breakdown": 2.0},
            {"verification": 0.0}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python -m negsim.app.classroom.server`` on a free port and a fresh database."""

    def __init__(self, folder: Path) -> None:
        self.db = folder / "classroom.sqlite"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "negsim.app.classroom.server", "--host", "127.0.0.1", "--port", str(self.port),
             "--db", str(self.db), "--no-qr"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            self.stop()
            sys.exit("bench_classroom: the server did not start")
        time.sleep(1.0)  # let it finish warming up (it solves the scenarios in a thread at start)
        with sqlite3.connect(self.db) as db:
            self.key = str(db.execute("SELECT value FROM meta WHERE key = 'teacher_key'").fetchone()[0])

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _pct(values: list[float]) -> tuple[float, float, float]:
    p50, p95, p99 = np.percentile(np.asarray(values) * 1e3, [50, 95, 99])
    return float(p50), float(p95), float(p99)


def one_run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-classroom-") as folder:
        server = Server(Path(folder))
        try:
            ref0 = server.cpu()
            with httpx.Client(base_url=server.url) as client:
                seq = []
                for _ in range(300):
                    t = time.perf_counter()
                    client.get("/healthz")
                    seq.append(time.perf_counter() - t)
            healthz_cpu = (server.cpu() - ref0) / len(seq)
            reference = asyncio.run(burst(server.url, args.students, 10))
            cpu0, me0 = server.cpu(), resource.getrusage(resource.RUSAGE_SELF)
            run = asyncio.run(play_class(server.url, server.key, students=args.students, rounds=args.rounds,
                                         leverage=LEVERAGE, ceasefire_days=args.ceasefire_days, seed=args.seed))
            me1 = resource.getrusage(resource.RUSAGE_SELF)
            server_cpu = server.cpu() - cpu0
            with httpx.Client(base_url=server.url, headers={"X-Teacher-Key": server.key}) as client:
                rows = client.get(f"/rooms/{run.room}/moves.json").json()["moves"]
        finally:
            server.stop()
    stored = {(r["participant"], r["round"], r["stage"], r["day"] or 0): r["action"] for r in rows}
    ok = len(rows) == len(stored) == len(run.accepted) and stored == run.accepted
    times = [t for _, t in run.timings]
    return {
        "ok": ok,
        "requests": len(times),
        "moves": len(rows),
        "wall": run.wall,
        "all": _pct(times),
        "kinds": {k: _pct([t for kind, t in run.timings if kind == k]) for k in ("state", "move", "join", "teacher")},
        "server_cpu": server_cpu,
        "client_cpu": (me1.ru_utime + me1.ru_stime) - (me0.ru_utime + me0.ru_stime),
        "healthz_seq": _pct(seq),
        "healthz_cpu": healthz_cpu,
        "healthz_burst": _pct(reference),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ceasefire-days", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"bench_classroom: {cpu_name()}, {usable_cpus()} usable CPUs, load average {load}; "
          f"{args.students} students, {args.rounds} rounds, {args.ceasefire_days} ceasefire day(s) a round, "
          f"{args.repeat} run(s)")
    runs = []
    for k in range(args.repeat):
        r = one_run(args)
        runs.append(r)
        p50, p95, p99 = r["all"]
        print(f"  run {k + 1}: {r['requests']} requests, {r['moves']} moves in {r['wall']:.2f} s "
              f"({r['requests'] / r['wall']:.0f} requests/s); p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms; "
              f"server CPU {r['server_cpu']:.2f} s, clients' CPU {r['client_cpu']:.2f} s"
              + ("" if r["ok"] else "; MOVES LOST OR COUNTED TWICE"))
    best = sorted(runs, key=lambda r: r["all"][1])[(len(runs) - 1) // 2]
    p50, p95, p99 = best["all"]
    s50, s95, _ = best["healthz_seq"]
    b50, b95, _ = best["healthz_burst"]
    per = best["server_cpu"] / best["requests"] * 1e3
    ref = best["healthz_cpu"] * 1e3
    print(f"median run (by p95): {best['requests'] / best['wall']:.0f} requests/s held, "
          f"{best['moves']} moves, none lost or counted twice: {best['ok']}")
    print(f"  all requests      p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms")
    for kind, (k50, k95, k99) in best["kinds"].items():
        print(f"  {kind:<17} p50 {k50:7.1f} ms   p95 {k95:7.1f} ms   p99 {k99:7.1f} ms")
    print(f"  server CPU {best['server_cpu']:.2f} s ({per:.2f} ms a request); the clients' CPU "
          f"{best['client_cpu']:.2f} s (same machine)")
    print(f"  reference GET /healthz, one at a time: p50 {s50:.2f} ms, p95 {s95:.2f} ms, server CPU {ref:.2f} ms a "
          f"request; in a burst of {args.students} clients: p50 {b50:.1f} ms, p95 {b95:.1f} ms")
    print(f"  ratios: class p95 / healthz burst p95 {p95 / b95:.2f}x; class p50 / healthz burst p50 {p50 / b50:.2f}x; "
          f"server CPU a class request / a healthz request {per / ref:.2f}x")
    return 0 if all(r["ok"] for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
