"""Writing results: atomically, with the versions and config hash that made them.

One place writes files: a result is first written to a temporary file in the target
folder and then moved over the final name (``os.replace``), so a reader never sees a
half-written file and an interrupted run leaves no partial result. Files get the mode a
plain ``open`` would give them (``0o666`` less the process's umask: 0644 under the usual
022), so colleagues and web servers can read shared results.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

TRACKED_PACKAGES = ("negsim", "numpy", "scipy", "nashpy", "hydra-core", "omegaconf", "matplotlib")


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temp file in the same folder, then rename)."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    return atomic_write(Path(path), write)


def _file_mode() -> int:
    """``0o666`` less the process's umask (what ``open(path, "w")`` would create)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, write: Callable[[str], Any]) -> Path:
    """Call ``write(tmp_path)`` on a temp file beside ``path``, then move it into place
    with the umask's mode (``mkstemp`` alone would leave it 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


#: A temporary file of :func:`atomic_write`: ``.<name>.<8 random characters><suffix>``.
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}(?P<suffix>(\.[^.]+)?)$")


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove what an interrupted :func:`atomic_write` left below ``folder`` (a killed run
    cannot clean up after itself); the paths removed."""
    removed = []
    for path in sorted(Path(folder).rglob(".*")):
        match = _TEMPORARY.match(path.name)
        if path.is_file() and match and match["name"].endswith(match["suffix"]):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_figure_atomic(fig, path: str | Path) -> Path:
    """Save a matplotlib figure atomically (format from the suffix), byte-identical for the
    same figure: no date in an SVG's metadata and a fixed salt for its element ids (set for
    this call only; the user's rcParams are left alone)."""
    from matplotlib import rc_context

    fmt = Path(path).suffix[1:]
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None

    def save(tmp: str) -> None:
        with rc_context({"svg.hashsalt": "negsim"}):
            fig.savefig(tmp, dpi=120, format=fmt, metadata=metadata)

    return atomic_write(Path(path), save)


def write_arrays_atomic(path: str | Path, **arrays) -> Path:
    """Save numpy arrays as an ``.npz`` file atomically (no pickled objects)."""
    import numpy as np

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    return atomic_write(Path(path), write)


def write_json_atomic(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    return write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n")


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on (looked up once per
    process: they do not change while it runs; a sweep of 10,000 points asks 10,000 times)."""
    return dict(_versions())


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    from importlib import metadata  # 25 ms to import: only when a result is recorded

    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def config_hash(config_text: str) -> str:
    """Short SHA-256 of a resolved config's canonical text (identifies the exact inputs)."""
    return hashlib.sha256(config_text.encode("utf-8")).hexdigest()[:16]
