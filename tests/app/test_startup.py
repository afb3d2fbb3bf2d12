"""Start-up of the ``negsim`` command: what its path imports, and its own short help.

The import checks run in a fresh interpreter (this one has imported everything already):
the modules a start-up must not load are the slow ones that only some commands need
(``experiments/bench_startup.py`` measures what they cost).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

#: Loaded only by the commands that need them: plots, statistics, tables, sparse chains,
#: root finding, estimation, other solvers, parallel back ends, progress bars.
NOT_ON_THE_PATH = (
    "matplotlib", "scipy.stats", "scipy.sparse", "scipy.optimize", "scipy.special", "pandas", "ray", "joblib",
    "nashpy", "SALib", "tqdm",
)


def loaded_after(code: str, cwd: Path) -> list[str]:
    """The modules of :data:`NOT_ON_THE_PATH` loaded after ``code`` runs in a fresh interpreter."""
    probe = (
        "import json, sys\n"
        "try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) +
        "finally:\n"
        f"    print('@@' + json.dumps([m for m in {list(NOT_ON_THE_PATH)!r} if m in sys.modules]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=300)
    marked = [line for line in proc.stdout.splitlines() if line.startswith("@@")]
    assert marked, f"the probe did not finish: {proc.stderr[-2000:]}"
    return json.loads(marked[-1][2:])


@pytest.mark.parametrize("module", ["negsim", "negsim.app.cli"])
def test_importing_loads_no_slow_module(module, tmp_path):
    assert loaded_after(f"import {module}", tmp_path) == []


def test_a_solve_without_rollout_loads_no_slow_module(tmp_path):
    """Without its report (whose payoff figure needs matplotlib): the report is the only slow part."""
    code = (
        "from negsim.app.cli import main\n"
        f"main(['rollout.runs=0', 'output.report=false', 'hydra.run.dir={(tmp_path / 'run').as_posix()}'])"
    )
    assert loaded_after(code, tmp_path) == []
    assert (tmp_path / "run" / "metrics.json").is_file() and not (tmp_path / "run" / "report.html").exists()


def test_the_help_imports_neither_hydra_nor_omegaconf(tmp_path):
    code = ("import sys\nfrom negsim.app.help import short_help\nshort_help()\n"
            "assert 'hydra' not in sys.modules and 'omegaconf' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_the_command_answers_help_from_its_own_text_before_importing_hydra(flag, tmp_path):
    from negsim.app.help import short_help

    code = (f"import sys\nfrom negsim.app.command import main\nmain([{flag!r}])\n"
            "assert 'hydra' not in sys.modules and 'negsim.app.cli' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == short_help() + "\n"
    assert not any(tmp_path.iterdir())  # no run folder


def _composed(overrides: list[str]):
    from hydra import compose, initialize_config_dir

    import negsim.app.cli  # noqa: F401  (registers the run schema)
    from negsim.io.configs import config_dir

    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=True)


def test_the_help_lists_every_config_group_and_option():
    from negsim.app.help import WIDTH, short_help
    from negsim.io.configs import config_dir

    text = short_help()
    section = text.split("Config groups", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^  (\S+) +(.*(?:\n {4,}.*)*)", section, flags=re.M)
    listed = {group: set(re.findall(r"[\w-]+", options)) for group, options in rows}
    root = config_dir()
    folders = {p.parent.relative_to(root).as_posix() for p in root.rglob("*.yaml") if p.parent != root}
    assert set(listed) == folders
    for group in folders:
        assert {p.stem for p in (root / group).glob("*.yaml")} <= listed[group], group
    assert "istanbul_round2*" in section and "enumerate*" in section  # the defaults
    lines = text.splitlines()
    assert len(lines) <= 60 and max(map(len, lines)) <= WIDTH and text.isascii()
    for needle in ("Doha", "Istanbul", "equilibri", "ceasefire", "leverage", "negsim -m", "experiment=",
                   "analysis=", "nfg=", "negsim-explain", "negsim-play", "--hydra-help", "--cfg job",
                   "docs/reference.md"):
        assert needle in text, needle


def test_the_keys_the_help_names_are_keys_of_the_composed_config():
    from omegaconf import OmegaConf

    from negsim.app.help import KEYS, short_help

    text = short_help()
    cfg = _composed([])
    missing = [key for key, _ in KEYS if OmegaConf.select(cfg, key, default="<missing>") == "<missing>"]
    assert missing == []
    assert all(f"  {key} " in text for key, _ in KEYS)
    launcher = _composed(["hydra/launcher=joblib"])
    for key in re.findall(r"\b((?:[a-z_]+\.)+[a-z_]+)=", text):  # KEY=VALUE examples of the text
        assert OmegaConf.select(launcher, key, default="<missing>") != "<missing>", key
