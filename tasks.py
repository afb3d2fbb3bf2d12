#!/usr/bin/env python3
"""Set up and run negsim from a fresh clone, with nothing but Python (>= 3.10) and pip.

    python3 tasks.py demo    # create .venv if needed, install, solve the default scenario
    python3 tasks.py test    # the same set-up, then the whole test suite
    python3 tasks.py bench   # the solver benchmark (prints ms per game and ratios)

The virtual environment is created once in ``.venv`` and reinstalled only when
``pyproject.toml`` changes. Extra arguments are passed on (e.g. ``python3 tasks.py demo
scenario=doha_round`` or ``python3 tasks.py test -k gambit``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".negsim-installed"


def _run(*cmd: str | Path) -> None:
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_env() -> None:
    """Create ``.venv`` and install negsim with its test extra, if not done for this pyproject."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text() == digest and (BIN / "negsim").exists():
        return
    if not (BIN / "python").exists():
        print("tasks.py: creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    print("tasks.py: installing negsim and its test dependencies into .venv", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]")
    STAMP.write_text(digest)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("demo", "test", "bench"):
        print(__doc__)
        sys.exit(2)
    ensure_env()
    task, rest = argv[0], argv[1:]
    if task == "demo":
        _run(BIN / "negsim", *rest)
    elif task == "test":
        _run(BIN / "python", "-m", "pytest", *rest)
    else:
        _run(BIN / "python", ROOT / "experiments" / "bench_solvers.py", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
