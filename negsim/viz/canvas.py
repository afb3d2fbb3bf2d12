"""Figures without pyplot: a new figure on its own Agg canvas, and the one way to save it.

A figure made here is not registered with pyplot: nothing to close, and no backend is
switched for the caller (a Jupyter session keeps its inline backend and shows the
returned figure as usual).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from negsim.io.results import write_figure_atomic


def new_figure(size: tuple[float, float]) -> Figure:
    """A figure of ``size`` (width, height in inches) on an Agg canvas."""
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path_without_ext: str | Path) -> list[Path]:
    """Write ``fig`` to ``<path>.png`` and ``<path>.svg`` atomically; the two paths."""
    base = str(path_without_ext)
    return [write_figure_atomic(fig, Path(f"{base}.{ext}")) for ext in ("png", "svg")]
