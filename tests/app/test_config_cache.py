"""The cache of composed configs (:mod:`negsim.app.config_cache`): a repeated command line
skips Hydra's composition and gives the same files; any change of its inputs composes again;
a file it cannot trust is never unpickled."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from negsim.app import config_cache
from negsim.io.configs import config_dir

NEGSIM = [sys.executable, "-c", "from negsim.app.cli import main; main()"]


def negsim(args, cwd: Path, cache: Path | str):
    env = {**os.environ, config_cache.CACHE_ENV: str(cache)}
    return subprocess.run(NEGSIM + list(args), cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def hydra_files(run: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((run / ".hydra").iterdir())}


def test_a_repeated_command_uses_the_cached_config_and_writes_the_same_files(tmp_path):
    cache = tmp_path / "cache"
    args = ["rollout.runs=0", f"hydra.run.dir={tmp_path / 'run'}"]
    first = negsim(args, tmp_path, cache)
    assert first.returncode == 0, first.stderr
    (entry,) = cache.glob("*.pickle")
    stamp = entry.stat().st_mtime_ns
    files, metrics = hydra_files(tmp_path / "run"), (tmp_path / "run" / "metrics.json").read_text()
    again = negsim(args, tmp_path, cache)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in cache.glob("*.pickle")] == [entry.name] and entry.stat().st_mtime_ns == stamp  # a hit
    assert hydra_files(tmp_path / "run") == files
    assert (tmp_path / "run" / "metrics.json").read_text() == metrics
    assert oct(cache.stat().st_mode & 0o777) == "0o700" and oct(entry.stat().st_mode & 0o777) == "0o600"


def test_an_edited_user_config_is_composed_again(tmp_path):
    mine = tmp_path / "mine" / "mediator"
    mine.mkdir(parents=True)
    shipped = (config_dir() / "mediator" / "istanbul_round2.yaml").read_text()
    assert "\nverification: 0.2\n" in shipped
    args = ["-cd", str(tmp_path / "mine"), "mediator=edited", "rollout.runs=0", f"hydra.run.dir={tmp_path / 'run'}"]
    verification = []
    for value in ("0.25", "0.75"):
        (mine / "edited.yaml").write_text(shipped.replace("\nverification: 0.2\n", f"\nverification: {value}\n"))
        proc = negsim(args, tmp_path, tmp_path / "cache")
        assert proc.returncode == 0, proc.stderr
        verification.append(OmegaConf.load(tmp_path / "run" / ".hydra" / "config.yaml").mediator.verification)
    assert verification == [0.25, 0.75]
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2


def test_a_corrupt_entry_is_composed_again_and_replaced(tmp_path):
    cache = tmp_path / "cache"
    args = ["rollout.runs=0", f"hydra.run.dir={tmp_path / 'run'}"]
    assert negsim(args, tmp_path, cache).returncode == 0
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    proc = negsim(args, tmp_path, cache)
    assert proc.returncode == 0, proc.stderr
    assert entry.read_bytes() != b"not a pickle"


def test_off_writes_no_cache(tmp_path):
    proc = negsim(["rollout.runs=0", f"hydra.run.dir={tmp_path / 'run'}"], tmp_path, "off")
    assert proc.returncode == 0, proc.stderr
    assert config_cache.cache_folder() is not None and not (tmp_path / "off").exists()


@pytest.mark.parametrize("loose", ["file", "folder"])
def test_an_entry_others_can_write_is_not_unpickled(loose, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    config_cache.store(folder, "k", OmegaConf.create({"a": 1}))
    assert config_cache.load(folder, "k") == {"a": 1}
    (folder / "k.pickle" if loose == "file" else folder).chmod(0o666 if loose == "file" else 0o777)
    assert config_cache.load(folder, "k") is None


def test_the_key_follows_every_input(tmp_path, monkeypatch):
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "a.yaml").write_text("x: 1\n")
    folders = [config_dir(), tmp_path / "user"]
    key = config_cache.cache_key("config", ["a=1"], folders)
    assert config_cache.cache_key("config", ["a=1"], folders) == key
    assert config_cache.cache_key("config", ["a=2"], folders) != key
    assert config_cache.cache_key("other", ["a=1"], folders) != key
    assert config_cache.cache_key("config", ["a=1"], folders[:1]) != key
    (tmp_path / "user" / "a.yaml").write_text("x: 2\n")
    edited = config_cache.cache_key("config", ["a=1"], folders)
    assert edited != key
    monkeypatch.chdir(tmp_path)
    assert config_cache.cache_key("config", ["a=1"], folders) != edited


def test_a_plain_run_writes_what_hydra_main_writes(tmp_path):
    """The plain run (one composition, Hydra's run_job) against the same command through
    hydra.main (a flag sends it there): the same .hydra files but for the folder's name."""
    plain = negsim(["rollout.runs=0", f"hydra.run.dir={tmp_path / 'a'}"], tmp_path, tmp_path / "cache")
    assert plain.returncode == 0, plain.stderr
    main = negsim(["--config-name", "config", "rollout.runs=0", f"hydra.run.dir={tmp_path / 'b'}"], tmp_path, "off")
    assert main.returncode == 0, main.stderr
    a, b = hydra_files(tmp_path / "a"), hydra_files(tmp_path / "b")
    assert sorted(a) == sorted(b) == ["config.yaml", "hydra.yaml", "overrides.yaml"]
    assert a["config.yaml"] == b["config.yaml"] and a["overrides.yaml"] == b["overrides.yaml"]
    assert a["hydra.yaml"].replace(str(tmp_path / "a"), str(tmp_path / "b")) == b["hydra.yaml"]
    assert "- hydra.mode=RUN" in a["hydra.yaml"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in (tmp_path / "b").iterdir())
