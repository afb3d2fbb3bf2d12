"""Where negsim finds its shipped configs (``configs/`` beside the package in a checkout).

Set ``NEGSIM_CONFIG_DIR`` to use another folder with the same layout.
"""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    """The folder holding the config groups (``scenario/``, ``game/``, ``mediator/``, ...)."""
    env = os.environ.get("NEGSIM_CONFIG_DIR")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[1] / "configs"
