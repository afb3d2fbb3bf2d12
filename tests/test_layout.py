"""The layout's rules, checked on the code: data flows one way, only the shell knows Hydra.

Each package may import only the packages listed for it in ``ALLOWED`` (its own modules
included); ``docs/architecture.md`` draws the same table.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "negsim"

#: Which negsim packages a package may import ("core" = the top-level modules).
ALLOWED = {
    "core": {"core"},
    "games": {"core", "games"},
    "solvers": {"core", "games", "solvers"},
    "io": {"core", "games", "io"},
    "model": {"core", "games", "solvers", "io", "model"},
    "studies": {"core", "games", "solvers", "io", "model", "studies"},
    "viz": {"core", "games", "solvers", "io", "model", "studies", "viz"},
    "app": {"core", "games", "solvers", "io", "model", "studies", "viz", "app"},
}
SHELL_ONLY = ("hydra", "omegaconf", "hydra_plugins")


def _package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else "core"


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at any depth (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            if node.module == "negsim":
                found += [f"negsim.{a.name}" for a in node.names]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "configs" not in p.parts)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)


def test_every_module_sits_in_a_known_package():
    assert {_package_of(_module_name(p)) for p in MODULES} <= set(ALLOWED)
    assert len(MODULES) > 30


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_flow_one_way_and_only_the_shell_imports_hydra(path: Path):
    name = _module_name(path)
    if name == "negsim":  # the public API re-exports from the packages below the shell, and
        # negsim.ceasefire_after from studies, imported on first use (import negsim stays light)
        allowed = set(ALLOWED) - {"app", "viz"}
    else:
        allowed = ALLOWED[_package_of(name)]
    for imported in _imports(path):
        top = imported.split(".")[0]
        if top in SHELL_ONLY:
            assert _package_of(name) == "app", f"{name} imports {imported}; only negsim.app may"
        if top == "negsim" and imported != "negsim":
            assert _package_of(imported) in allowed, f"{name} imports {imported}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_no_library_module_switches_the_matplotlib_backend_or_uses_pyplot(path: Path):
    text = path.read_text(encoding="utf-8")
    assert "matplotlib.use(" not in text
    assert "pyplot" not in _imports(path) and "matplotlib.pyplot" not in _imports(path)


def test_import_negsim_loads_neither_matplotlib_nor_scipy_stats_nor_hydra():
    code = (
        "import json, sys, negsim\n"
        "negsim.load_scenario('istanbul_round2')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'hydra', 'omegaconf') or m.startswith('scipy.stats'))))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
