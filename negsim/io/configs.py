"""Where negsim finds its shipped configs, and how a config file is read.

The config groups (``scenario/``, ``game/``, ``mediator/``, ...) are kept in ``configs/``
at the top of the repository. A wheel carries them inside the package as
``negsim/configs``; an editable install or a checkout reads the repository's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from negsim.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parents[1]


def config_dir() -> Path:
    """The folder holding the shipped config groups (``scenario/``, ``game/``, ...)."""
    inside = _PACKAGE / "configs"
    return inside if inside.is_dir() else _PACKAGE.parent / "configs"


def load_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML config file as a plain dict (safe loader: data only, no tags or objects).

    Raises
    ------
    ConfigError
        Naming the file when it is missing, unreadable, not YAML or not a mapping.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        node = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(node, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values")
    return node
