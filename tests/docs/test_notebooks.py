"""The tutorial notebooks (docs/notebooks/*.ipynb) run top to bottom without an error."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["01_talks_game", "02_rollouts_and_leverage", "03_crisis_game"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (pip install nbformat)")
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed (pip install nbclient ipykernel)")
    pytest.importorskip("ipykernel", reason="ipykernel not installed (pip install ipykernel)")
    monkeypatch.setenv("MPLBACKEND", "Agg")  # no display; plt.show() is a no-op
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 3
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))  # every cell ran, in order
    assert any(o.output_type in ("execute_result", "display_data", "stream") for c in code for o in c.outputs)


def test_notebooks_are_stored_without_outputs():
    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed")
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


def test_notebooks_are_what_build_notebooks_writes():
    """The stored notebooks hold the cells of docs/notebooks/build_notebooks.py (rebuild after editing it)."""
    import importlib.util

    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed")
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "docs" / "notebooks" / "build_notebooks.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    sources = {"01_talks_game": build.TALKS, "02_rollouts_and_leverage": build.ROLLOUTS, "03_crisis_game": build.CRISIS}
    assert sorted(sources) == [p.stem for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        stored = [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]
        built = [(c.cell_type, c.source) for c in build.notebook(sources[path.stem]).cells]
        assert stored == built, f"{path.name} is out of date: run python docs/notebooks/build_notebooks.py"
