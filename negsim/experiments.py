"""The threshold and sensitivity experiments: tables and figures into a results folder.

Both are called by the CLI (``negsim experiment=threshold``, ``negsim
experiment=sensitivity``) and can be called from Python with plain arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.pipeline import Point
from negsim.results import write_figure_atomic, write_text_atomic
from negsim.scenario import FRACTION_KNOBS, load_scenario
from negsim.sweep import csv_text
from negsim.threshold import deal_curve, leverage_threshold, selected_deal


def _save(fig, folder: Path, name: str) -> list[Path]:
    import matplotlib.pyplot as plt

    try:
        return [write_figure_atomic(fig, folder / f"{name}.{ext}") for ext in ("png", "svg")]
    finally:
        plt.close(fig)


def threshold_experiment(
    scenarios: Sequence[str], knobs: dict[str, float], folder: Path, *,
    grid: int = 201, tol: float = 1e-6, margin: float = 1e-3, selection: str = "logit",
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Per scenario and knob: the flip threshold, checked at threshold + margin.

    Writes ``thresholds.csv`` and ``deal_<knob>.png/svg`` (P(deal) against the knob, one
    curve per scenario, thresholds marked) into ``folder``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, paths = [], []
    for knob, upper in knobs.items():
        fig, ax = plt.subplots(figsize=(7, 4))
        values = np.linspace(0.0, upper, grid)
        for k, name in enumerate(scenarios):
            sc = load_scenario(name)
            t = leverage_threshold(sc, knob, upper=upper, grid=grid, tol=tol, selection=selection)
            check = None
            if t.value is not None:
                above = t.value + margin
                check = selected_deal(sc, selection, **{knob: min(above, 1.0) if knob in FRACTION_KNOBS else above})[0]
            rows.append({
                "scenario": name, "knob": knob, "baseline": getattr(sc.mediator, knob), "upper": upper,
                "threshold": t.value, "bracket_low": t.below, "bracket_high": t.above,
                "already_deal": t.already_deal, "outcome_below": t.outcome_below, "outcome_above": t.outcome_above,
                "p_deal_at_threshold_plus_margin": check, "margin": margin, "tol": tol, "selection": selection,
            })
            ax.step(values, deal_curve(sc, knob, values, selection) + 0.02 * k, where="post", label=name, color=f"C{k}")
            if t.value is not None and not t.already_deal:
                ax.axvline(t.value, color=f"C{k}", ls=":", lw=1)
        ax.set_xlabel(f"mediator.{knob}")
        ax.set_ylabel("P(deal) in the selected equilibrium\n(curves offset by 0.02)")
        ax.set_title(f"Leverage that flips the talks to a deal: {knob}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        paths += _save(fig, folder, f"deal_{knob}")
    paths.insert(0, write_text_atomic(folder / "thresholds.csv", csv_text(rows)))
    return rows, paths


def sensitivity_experiment(point: Point, folder: Path, *, step: float = 0.25) -> tuple[list[dict[str, Any]], list[Path]]:
    """Tornado of P(breakdown) over every weight and rollout parameter, +-``step``.

    Writes ``sensitivity.csv`` and ``tornado.png/svg`` into ``folder``.
    """
    from negsim.sensitivity import sensitivity, tornado_figure

    if point.scenario is None:
        raise ConfigError("sensitivity: needs a scenario, not an nfg file")
    rows = sensitivity(point, step=step)
    fig = tornado_figure(rows, f"{point.scenario.title}: what moves P(breakdown by day {point.days})")
    return rows, [write_text_atomic(folder / "sensitivity.csv", csv_text(rows))] + _save(fig, folder, "tornado")
