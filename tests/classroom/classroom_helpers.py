"""Servers for the classroom tests: a real uvicorn, in a thread or in its own process, on a free port.

Not a ``conftest.py`` (one in a test subfolder would shadow ``tests/conftest.py`` for the
other tests' ``from conftest import ...``): the tests import these helpers.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in {timeout:g} s")


class ThreadServer:
    """uvicorn serving :func:`create_app` in a thread of this process (its app and store at hand)."""

    def __init__(self, db: str | Path, public_url: str = "") -> None:
        import uvicorn

        from negsim.app.classroom.server import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(db, public_url=public_url or self.url)
        self.key = self.app.state.server.classroom.teacher_key
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=1, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_healthy(self.url)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.server.store.close()


class ProcessServer:
    """``negsim-classroom`` in its own process (``python -m negsim.app.classroom.server``)."""

    def __init__(self, db: str | Path, port: int | None = None) -> None:
        self.db = Path(db)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.output = self.db.with_suffix(f".{self.port}.out")

    def start(self) -> ProcessServer:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(self.output, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "negsim.app.classroom.server", "--host", "127.0.0.1", "--port", str(self.port),
                 "--db", str(self.db)], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        wait_healthy(self.url, proc=self.proc)
        return self

    @property
    def key(self) -> str:
        with sqlite3.connect(self.db) as db:
            return str(db.execute("SELECT value FROM meta WHERE key = 'teacher_key'").fetchone()[0])

    def kill(self) -> None:
        """SIGKILL: no chance to clean up (a crash, a battery running out)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> ProcessServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
