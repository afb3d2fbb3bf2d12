#!/usr/bin/env python3
"""Benchmark the start-up of the ``negsim`` command: CPU of ``--help`` and of a solve without rollout.

    python experiments/bench_startup.py [--repeats 7] [--goal 0.8]

Each command runs ``--repeats`` times as a fresh process, the commands interleaved (one of
each, then again), after one untimed warm-up of each (which also writes the bytecode
caches: ``PYTHONDONTWRITEBYTECODE`` is dropped from the children's environment, so they
start as an installed command does). Its CPU time is user + system of the child
(``resource.getrusage(RUSAGE_CHILDREN)`` before and after); medians are printed, with
the minimum and the wall time:

* references, measured in the same run: ``python -c pass`` (the interpreter),
  ``python -c "import numpy"`` and ``python -c "import hydra"``;
* ``negsim --help``;
* ``negsim rollout.runs=0 hydra.run.dir=DIR`` (the default round, solved and written,
  no ceasefire rollout), run in a temporary folder, a fresh ``DIR`` each time: a command
  line never seen, so its config is composed (and stored in the cache of composed
  configs, ``negsim.app.config_cache``);
* ``negsim rollout.runs=0 hydra.run.dir=run/${now:...}``: the same command line each
  time (a fresh folder through Hydra's ``now`` resolver), as when a command is repeated,
  so its config comes from the cache.

The machine may be shared, so the ratios to the references (measured in the same run)
say more than the seconds. Goal: each negsim command under ``--goal`` seconds of CPU.

Also printed: which slow modules (plots, statistics, tables, sparse matrices, root
finding, parallel back ends) the solve loads although it does not need them, and what
importing the command's module costs by top-level package (``python -X importtime``,
cumulative). Only the command line is used, through the ``negsim`` console script and
its entry point, so the script measures any version of the command. Exit status 1 if a
command fails.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from benchutil import console_script, cpu_name, usable_cpus

from negsim import __version__

#: Modules only some commands need; a solve without rollout should load none of them.
SLOW_MODULES = (
    "matplotlib", "scipy.stats", "scipy.sparse", "scipy.optimize", "scipy.special", "pandas", "ray", "joblib",
    "nashpy", "SALib", "tqdm",
)


def child_env() -> dict[str, str]:
    """The children's environment: as given, but writing bytecode caches as usual."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def cpu_of(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """CPU seconds (user + system) and wall seconds of one run of ``cmd``, and its exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        print(f"   FAILED ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}", file=sys.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, proc.returncode


def entry_point() -> str:
    """``module:function`` of the ``negsim`` console script."""
    found = [ep for ep in metadata.entry_points(group="console_scripts") if ep.name == "negsim"]
    return found[0].value if found else "negsim.app.cli:main"


def slow_modules_loaded(args: list[str], cwd: Path) -> list[str] | None:
    """The :data:`SLOW_MODULES` loaded by a run of ``negsim ARGS`` (None if it could not be run)."""
    module, _, func = entry_point().partition(":")
    probe = (
        "import json, sys\n"
        f"sys.argv = ['negsim', *{args!r}]\n"
        "try:\n"
        f"    from {module} import {func}\n"
        f"    {func}()\n"
        "finally:\n"
        f"    print('@@' + json.dumps([m for m in {list(SLOW_MODULES)!r} if m in sys.modules]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=child_env(), capture_output=True, text=True,
                          check=False)
    marked = [line for line in proc.stdout.splitlines() if line.startswith("@@")]
    return json.loads(marked[-1][2:]) if marked else None


def import_costs(cwd: Path) -> dict[str, float]:
    """Milliseconds spent importing the command's module, by top-level package: the
    modules' own times (``python -X importtime``, self column), summed per package."""
    module = entry_point().partition(":")[0]
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=cwd, env=child_env(),
                          capture_output=True, text=True, check=False)
    out: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        package = fields[2].strip().split(".")[0]
        out[package] = out.get(package, 0.0) + int(fields[0]) / 1000
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each command (median)")
    parser.add_argument("--goal", type=float, default=0.8, help="CPU seconds each negsim command should stay under")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be positive")
    start = time.perf_counter()
    negsim = console_script("negsim", "bench_startup")
    py = sys.executable
    folder = Path(tempfile.mkdtemp(prefix="bench_startup_"))
    runs = itertools.count()

    def solve() -> list[str]:
        return [*negsim, "rollout.runs=0", f"hydra.run.dir={folder / f'run{next(runs)}'}"]

    commands = {
        "python -c pass": lambda: [py, "-c", "pass"],
        "python -c 'import numpy'": lambda: [py, "-c", "import numpy"],
        "python -c 'import hydra'": lambda: [py, "-c", "import hydra"],
        "negsim --help": lambda: [*negsim, "--help"],
        "negsim rollout.runs=0": solve,
        "negsim rollout.runs=0 (repeated)": lambda: [*negsim, "rollout.runs=0",
                                                      f"hydra.run.dir={folder}/again/${{now:%H%M%S%f}}"],
    }
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    wall: dict[str, list[float]] = {name: [] for name in commands}
    failed = False
    for cmd in commands.values():  # warm-up: bytecode caches, disk cache
        failed |= cpu_of(cmd(), folder)[2] != 0
    for _ in range(args.repeats):
        for name, cmd in commands.items():
            c, w, code = cpu_of(cmd(), folder)
            failed |= code != 0
            cpu[name].append(c)
            wall[name].append(w)
    med = {name: statistics.median(ts) for name, ts in cpu.items()}
    loaded = slow_modules_loaded(["rollout.runs=0", f"hydra.run.dir={folder / 'probe'}"], folder)
    imports = import_costs(folder)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("numpy", "hydra-core", "omegaconf"))
    print(f"negsim start-up benchmark, {time.strftime('%Y-%m-%d')}")
    print(f"machine: {cpu_name()}, {platform.system()}, cpu_count {os.cpu_count()}, usable {usable_cpus()}, "
          f"load average {load}")
    print(f"python {platform.python_version()}, negsim {__version__}, {versions}; entry point {entry_point()}")
    print(f"{args.repeats} runs of each command, interleaved, after a warm-up; CPU = user + sys of the child")
    print()
    ref_py, ref_hydra = med["python -c pass"], med["python -c 'import hydra'"]
    print(f"   {'command':<34} {'CPU s':>7} {'min':>7} {'wall s':>7} {'x pass':>8} {'x import hydra':>15}")
    for name in commands:
        print(f"   {name:<34} {med[name]:>7.3f} {min(cpu[name]):>7.3f} {statistics.median(wall[name]):>7.3f} "
              f"{med[name] / max(ref_py, 1e-9):>8.1f} {med[name] / max(ref_hydra, 1e-9):>15.2f}")
    print()
    print(f"   above 'import hydra': --help {med['negsim --help'] - ref_hydra:+.3f} s, "
          f"rollout.runs=0 {med['negsim rollout.runs=0'] - ref_hydra:+.3f} s")
    for name in ("negsim --help", "negsim rollout.runs=0", "negsim rollout.runs=0 (repeated)"):
        ok = med[name] < args.goal
        print(f"   goal {name} < {args.goal:g} s of CPU: {med[name]:.3f} s -> {'MET' if ok else 'NOT MET'}")
    print("   slow modules the solve loads: "
          + ("(could not run it)" if loaded is None else ", ".join(loaded) or "none"))
    top = sorted(imports.items(), key=lambda kv: -kv[1])[:8]
    print(f"   import {entry_point().partition(':')[0]}: ms by top-level package (python -X importtime, the "
          "modules' own times; inflated by the measurement): " + ", ".join(f"{p} {ms:.0f}" for p, ms in top))
    print()
    print(f"total wall time {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
