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

#: The environment variable that names the driver: ``host:pid``.
DRIVER_ENV = "NEGSIM_DRIVER"
#: Seconds between two checks that the driver is alive.
POLL_SECONDS = 1.0
#: Exit status of a worker that stopped because its driver died.
ORPHAN_EXIT = 75

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


def alive(pid: int) -> bool:
    """True while process ``pid`` exists (a zombie counts as gone only once reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def watch_driver() -> bool:
    """In a worker process of a live driver on this machine, start the watchdog thread
    (once per process); True if one is running."""
    pid = driver_pid(os.environ.get(DRIVER_ENV), socket.gethostname())
    if pid is None or pid == os.getpid():
        return False
    if not _watching.is_set():
        _watching.set()

        def watch() -> None:
            while alive(pid):
                threading.Event().wait(POLL_SECONDS)
            os._exit(ORPHAN_EXIT)  # the driver is gone: nobody will read what this job makes

        threading.Thread(target=watch, name="negsim-driver-watch", daemon=True).start()
    return True
