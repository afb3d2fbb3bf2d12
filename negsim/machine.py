"""Facts about the machine a computation runs on, for guards that refuse work too large
for it before anything is written (memory, in bytes), and a watch that ends a worker
process when the process it works for is gone."""

from __future__ import annotations

import os
import threading

#: Seconds between two checks that a watched process is alive.
POLL_SECONDS = 1.0
#: Exit status of a process that ended because the process it worked for died.
ORPHAN_EXIT = 75


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def alive(pid: int) -> bool:
    """True while process ``pid`` exists (a zombie counts as gone only once reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def exit_when_gone(pid: int) -> None:
    """Start a daemon thread that ends this process (status :data:`ORPHAN_EXIT`) within
    about :data:`POLL_SECONDS` of process ``pid``'s death, SIGKILL included: nobody would
    read what it makes. POSIX only (``os.kill(pid, 0)`` would signal the process on Windows)."""
    if os.name != "posix":
        return

    def watch() -> None:
        while alive(pid):
            threading.Event().wait(POLL_SECONDS)
        os._exit(ORPHAN_EXIT)

    threading.Thread(target=watch, name="negsim-driver-watch", daemon=True).start()
