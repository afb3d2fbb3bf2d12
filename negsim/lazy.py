"""A package's modules as its attributes, imported on first use (PEP 562).

After ``import negsim``, ``negsim.model.rollout`` or ``negsim.games.bargaining`` works as
the docs write it, without importing every module (and matplotlib) up front. Each
package's ``__init__`` sets ``__getattr__ = submodules(__name__)``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from types import ModuleType


def submodules(package: str) -> Callable[[str], ModuleType]:
    """A module ``__getattr__`` for ``package``: ``name`` is its module ``package.name``,
    imported now; a name that is no module of it is an ``AttributeError``, as usual."""

    def attribute(name: str) -> ModuleType:
        if not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}") is not None:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return attribute
