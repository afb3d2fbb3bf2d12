"""Launcher workers stop when the command that started them is killed (joblib's loky
workers used to outlive a SIGKILLed driver by many minutes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from negsim.app import workers

NEGSIM = [sys.executable, "-c", "from negsim.app.cli import main; main()"]


def _processes_of(driver: int) -> list[int]:
    """Pids of this user's processes started by ``driver`` (they carry its DRIVER_ENV)."""
    mark = f"{workers.DRIVER_ENV}={socket.gethostname()}:{driver}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == driver:
            continue
        try:
            if mark in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def _wait(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_joblib_workers_stop_soon_after_their_driver_is_killed(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    args = ["-m", "mediator.verification=0,0.25,0.5,0.75,1", "hydra.sweeper.batch=false", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
            "rollout.runs=400000", "rollout.days=180", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    driver = subprocess.Popen([*NEGSIM, *args], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait(lambda: len(_processes_of(driver.pid)) >= 1, 90), "no worker started"
        time.sleep(2 * workers.POLL_SECONDS)  # the jobs are running: their watchdogs are up
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=30)
    assert _wait(lambda: not _processes_of(driver.pid), 5 * workers.POLL_SECONDS + 5), _processes_of(driver.pid)


def test_the_driver_is_named_by_host_and_pid():
    host = socket.gethostname()
    assert workers.driver_pid(f"{host}:123", host) == 123
    assert workers.driver_pid("elsewhere:123", host) is None  # another machine: not watched
    assert workers.driver_pid(None, host) is None and workers.driver_pid("garbage", host) is None
    assert workers.alive(os.getpid()) and not workers.alive(2**22 + 12345)
