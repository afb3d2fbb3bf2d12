#!/usr/bin/env python3
"""Set up and run negsim from a fresh clone, with nothing but Python (>= 3.10) and pip.

    python3 tasks.py demo      # create .venv if needed, install the core, solve the default scenario
    python3 tasks.py test      # install the test extra too, then lint, type check and the test suite
    python3 tasks.py bench     # the solver benchmark (prints ms per game and ratios)
    python3 tasks.py results   # regenerate the committed results/ (about 2 minutes; git diff results/ after)

The virtual environment is created once in ``.venv``; each set of extras is installed
once per version of ``pyproject.toml`` (a stamp file per set records it), with pip's own
progress shown. Extra arguments are passed on (``python3 tasks.py demo
scenario=doha_round``, ``python3 tasks.py test -k gambit``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")

#: What each task needs installed: the core for the demo, Parquet for the results' tables
#: (``table.parquet`` beside each ``table.csv``), the test extra for the rest.
EXTRAS = {"demo": "", "test": "test", "bench": "test", "results": "parquet"}


def _phase(text: str) -> None:
    print(f"tasks.py: {text}", flush=True)


def _run(*cmd: str | Path) -> None:
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_env(extras: str) -> None:
    """Create ``.venv`` and install negsim (editable) with ``extras``, if not done for this pyproject."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".negsim-installed-{extras or 'core'}"
    if stamp.is_file() and stamp.read_text() == digest and (BIN / "negsim").exists():
        return
    if not (BIN / "python").exists():
        _phase("creating the virtual environment .venv")
        venv.create(VENV, with_pip=True)
        _run(BIN / "python", "-m", "pip", "install", "--upgrade", "--progress-bar", "on", "pip")
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    what = f"negsim with its '{extras}' extra" if extras else "negsim (core dependencies only)"
    _phase(f"installing {what} into .venv (pip's progress follows)")
    start = time.monotonic()
    _run(BIN / "python", "-m", "pip", "install", "--progress-bar", "on", "-e", target)
    _phase(f"installed in {time.monotonic() - start:.0f} s")
    stamp.write_text(digest)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in EXTRAS:
        print(__doc__)
        sys.exit(2)
    task, rest = argv[0], argv[1:]
    ensure_env(EXTRAS[task])
    if task == "demo":
        _phase("running negsim on the default scenario")
        _run(BIN / "negsim", *rest)
    elif task == "test":
        _phase("lint: ruff check")
        _run(BIN / "ruff", "check", "negsim", "tests", "experiments", "tasks.py")
        _phase("types: mypy")
        _run(BIN / "mypy")
        _phase("tests: pytest, two workers (one test file per worker at a time)")
        _run(BIN / "python", "-m", "pytest", "-n", "2", "--dist", "loadfile", *rest)
    elif task == "bench":
        _run(BIN / "python", ROOT / "experiments" / "bench_solvers.py", *rest)
    else:
        _phase("regenerating results/ (experiments/run_canonical_results.py)")
        _run(BIN / "python", ROOT / "experiments" / "run_canonical_results.py", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
