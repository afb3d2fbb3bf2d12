"""What the benchmarks print about the machine they ran on (shared by the bench scripts)."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path


def cpu_name() -> str:
    """The processor's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as fh:
            return next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def usable_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def console_script(name: str, caller: str) -> list[str]:
    """The console script ``name`` of this interpreter's environment (else the one on
    ``PATH``) as a command; exits naming ``caller`` if there is none."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{caller}: the {name} command was not found (pip install -e . in the venv)")
    return [found]
