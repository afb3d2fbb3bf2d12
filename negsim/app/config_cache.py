"""Composed configs kept between commands, so a repeated command line skips Hydra's composition.

Hydra composes ``config.yaml`` with its defaults, the scenario files and negsim's schema
in 0.4-0.7 s of CPU, more than a plain run's work. The composition is a pure function of
what :func:`cache_key` hashes: the config name, the overrides, the working folder, the
bytes of every file in the config folders, the source of the modules that define the
structured schema, the installed Hydra plugins and the versions of Python, Hydra and
OmegaConf. A composed config is stored under that key (a pickle, as OmegaConf pickles
its configs) and loaded instead of composing again; every check of the command line
still runs on it (:func:`negsim.app.cli.preflight`).

The cache lives in ``$NEGSIM_CONFIG_CACHE`` if set (``off`` turns it off), else
``$XDG_CACHE_HOME/negsim/configs`` or ``~/.cache/negsim/configs``: the user's own folder,
created ``0700``. A cached file is read only if this user owns it and its folder is
writable by no one else (a pickle can run code; no config a user supplies is unpickled).
Unreadable or stale entries are composed again and replaced; the newest
:data:`KEEP` entries are kept.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from omegaconf import DictConfig

from negsim.io.results import atomic_write

#: Entries kept in the cache folder (the oldest beyond are removed when one is added).
KEEP = 256
#: The environment variable naming the cache folder, or ``off``.
CACHE_ENV = "NEGSIM_CONFIG_CACHE"
#: Modules whose source defines what composition validates against (``ConfigStore`` nodes).
SCHEMA_MODULES = ("negsim.app.config", "negsim.model.schema", "hydra_plugins.negsim_batch_sweeper.batch_sweeper")


def cache_folder() -> Path | None:
    """Where composed configs are kept, or None when the cache is off."""
    given = os.environ.get(CACHE_ENV)
    if given == "off":
        return None
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "negsim" / "configs"


def _hash_files(digest: hashlib._Hash, folder: Path) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")


def _plugins(digest: hashlib._Hash) -> None:
    """Hydra's plugins as installed: every entry of the ``hydra_plugins`` namespace with
    its modification time (a new or upgraded plugin changes its config nodes)."""
    import hydra_plugins

    for where in sorted(set(hydra_plugins.__path__)):
        for entry in sorted(os.scandir(where), key=lambda e: e.name):
            digest.update(f"{where}/{entry.name}:{entry.stat().st_mtime_ns}\0".encode())


def cache_key(name: str, overrides: Sequence[str], folders: Sequence[Path]) -> str:
    """The hex digest of everything Hydra's composition of ``name`` with ``overrides``
    from the config ``folders`` (negsim's first) depends on."""
    import hydra
    import omegaconf

    digest = hashlib.sha256()
    digest.update(repr((sys.version, hydra.__version__, omegaconf.__version__, name, list(overrides),
                        os.getcwd(), [str(f) for f in folders])).encode())
    for folder in folders:
        _hash_files(digest, folder)
    for module in SCHEMA_MODULES:
        digest.update(Path(str(importlib.import_module(module).__file__)).read_bytes())
    _plugins(digest)
    return digest.hexdigest()


def _trusted(path: Path) -> bool:
    """True when ``path`` and its folder belong to this user and no one else can write them."""
    try:
        for p in (path.parent, path):
            info = p.stat()
            if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False
    except OSError:
        return False
    return True


def load(folder: Path, key: str) -> DictConfig | None:
    """The config stored under ``key``, or None (absent, untrusted or unreadable)."""
    path = folder / f"{key}.pickle"
    if not _trusted(path):
        return None
    try:
        cfg = pickle.loads(path.read_bytes())
    except Exception:  # a truncated or foreign file: compose again
        return None
    return cfg if isinstance(cfg, DictConfig) else None


def store(folder: Path, key: str, cfg: DictConfig) -> None:
    """Keep ``cfg`` under ``key`` (atomically, mode 0600) and drop the oldest entries beyond :data:`KEEP`.
    A folder that cannot be written leaves the cache off for this command."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        blob = pickle.dumps(cfg)
        path = atomic_write(folder / f"{key}.pickle", lambda tmp: Path(tmp).write_bytes(blob))
        path.chmod(0o600)
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def composed(compose: Callable[[str, list[str]], DictConfig], name: str, overrides: Sequence[str],
             folders: Sequence[Path]) -> DictConfig:
    """``compose(name, overrides)``, or the same config from the cache when the inputs are
    unchanged since it was stored."""
    folder = cache_folder()
    if folder is None:
        return compose(name, list(overrides))
    key = cache_key(name, overrides, folders)
    cfg = load(folder, key)
    if cfg is None:
        cfg = compose(name, list(overrides))
        store(folder, key, cfg)
    return cfg
