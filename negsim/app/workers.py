"""Launcher workers that stop when the command that started them is killed.

Hydra's joblib launcher runs jobs in loky worker processes, which outlive a driver killed
with SIGKILL (nothing tells them; one set was seen alive 19 minutes later). The driver
records who it is in the environment its workers inherit (:func:`mark_driver`); a job
that finds itself in another process on the same machine starts a daemon thread
(:func:`watch_driver`) that ends its process within about ``POLL_SECONDS`` of the
driver's death. Workers on other machines (a Ray or SLURM cluster) are left to their
cluster manager: a process id means nothing there.
"""

from __future__ import annotations

import os
import socket
import threading

from negsim.machine import ORPHAN_EXIT, POLL_SECONDS, alive, exit_when_gone

__all__ = ["DRIVER_ENV", "ORPHAN_EXIT", "POLL_SECONDS", "alive", "driver_pid", "mark_driver", "watch_driver"]

#: The environment variable that names the driver: ``host:pid``.
DRIVER_ENV = "NEGSIM_DRIVER"
_watching = threading.Event()


def mark_driver() -> None:
    """Record this process as the driver of the jobs it launches (a ``negsim`` started
    from another's job drives its own)."""
    os.environ[DRIVER_ENV] = f"{socket.gethostname()}:{os.getpid()}"


def driver_pid(value: str | None, host: str) -> int | None:
    """The driver's pid from ``DRIVER_ENV``'s value when it runs on ``host``, else None."""
    if not value or ":" not in value:
        return None
    where, _, pid = value.rpartition(":")
    return int(pid) if where == host and pid.isdigit() else None


def watch_driver() -> bool:
    """In a worker process of a live driver on this machine, start the watchdog thread
    (:func:`negsim.machine.exit_when_gone`, once per process); True in such a worker."""
    pid = driver_pid(os.environ.get(DRIVER_ENV), socket.gethostname())
    if pid is None or pid == os.getpid():
        return False
    if not _watching.is_set():
        _watching.set()
        exit_when_gone(pid)
    return True
