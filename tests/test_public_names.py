"""Every name the README gives (``negsim.games.bargaining``, ``negsim.model.rollout``, ...)
is reachable as an attribute after a bare ``import negsim``, as the README writes it, and
``import negsim`` itself stays light (no matplotlib, no submodule it does not need)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Every dotted ``negsim.`` name in backticks in the README (calls included: ``negsim.solve(``).
NAMED = sorted(set(re.findall(r"`(negsim(?:\.[A-Za-z_]\w*)+)", (ROOT / "README.md").read_text())))

PROBE = """
import json, sys
import negsim
light = "matplotlib" not in sys.modules and "negsim.model.rollout" not in sys.modules
found = {}
for name in json.loads(sys.argv[1]):
    obj = negsim
    try:
        for part in name.split(".")[1:]:
            obj = getattr(obj, part)
        found[name] = True
    except AttributeError as exc:
        found[name] = str(exc)
try:
    negsim.games.nonesuch
    missing = "no error"
except AttributeError as exc:
    missing = str(exc)
print(json.dumps({"light": light, "found": found, "missing": missing,
                  "rollout": negsim.rollout.__name__}))
"""


def test_the_readme_names_modules_and_functions():
    assert {"negsim.model.rollout", "negsim.games.bargaining", "negsim.viz.figures"} <= set(NAMED)


def test_every_name_in_the_readme_is_an_attribute_after_import_negsim():
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(NAMED)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["light"] is True
    assert sorted(out["found"]) == NAMED
    assert {k: v for k, v in out["found"].items() if v is not True} == {}
    assert out["rollout"] == "negsim.model.rollout"
    assert out["missing"] == "module 'negsim.games' has no attribute 'nonesuch'"
