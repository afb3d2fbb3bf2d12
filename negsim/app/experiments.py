"""The threshold and sensitivity experiments: tables and figures into a results folder.

Both are called by the CLI (``negsim experiment=threshold``, ``negsim
experiment=sensitivity``) and can be called from Python with plain arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.io.results import write_text_atomic
from negsim.io.tables import csv_text
from negsim.model.scenario import FRACTION_KNOBS, Scenario
from negsim.model.talks import deal_probability
from negsim.studies.pipeline import Point
from negsim.studies.threshold import deal_curve, least_cost_leverage, leverage_threshold, prediction_at
from negsim.viz.canvas import save_figure
from negsim.viz.curves import deal_curves_figure, tornado_figure


def _printed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every float rounded to the tables' printed precision (reproducible)."""
    from negsim.studies.sweep import PRINTED_DIGITS

    return [{k: round(v, PRINTED_DIGITS) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def threshold_experiment(
    scenarios: Sequence[Scenario], knobs: dict[str, float], folder: Path, *,
    grid: int = 41, tol: float = 1e-6, margin: float = 1e-3, selection: str = "qre", lam: float | None = None,
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Per scenario and knob: the leverage where P(deal) crosses 1/2, checked at + margin;
    per scenario and kind of deal: the least transfer tied to it that makes it the prediction.

    ``scenarios`` are validated scenarios as the user set them (overrides included: the
    shell composes one per scenario name). Writes ``thresholds.csv``, ``least_cost.csv``
    and ``deal_<knob>.png/svg`` (P(deal) against the knob, one curve per scenario,
    thresholds marked) into ``folder``.
    """
    rows, costs, paths = [], [], []
    for knob, upper in knobs.items():
        values = np.linspace(0.0, upper, grid)
        curves = []
        for sc in scenarios:
            t = leverage_threshold(sc, knob, upper=upper, grid=grid, tol=tol, selection=selection, lam=lam)
            check = None
            if t.value is not None:
                above = t.value + margin
                at = min(above, 1.0) if knob in FRACTION_KNOBS else above
                check = deal_probability(sc, prediction_at(sc, selection, lam, **{knob: at}))
            rows.append({
                "scenario": sc.name, "knob": knob, "baseline": getattr(sc.mediator, knob), "upper": upper,
                "threshold": t.value, "bracket_low": t.below, "bracket_high": t.above,
                "already_deal": t.already_deal, "outcome_below": t.outcome_below, "outcome_above": t.outcome_above,
                "p_deal_at_threshold_plus_margin": check, "margin": margin, "tol": tol, "selection": selection,
                "lam": (sc.precision if lam is None else lam) if selection == "qre" else None,
            })
            marked = t.value if t.value is not None and not t.already_deal else None
            curves.append((sc.name, deal_curve(sc, knob, values, selection=selection, lam=lam), marked))
        paths += save_figure(deal_curves_figure(knob, values, curves), folder / f"deal_{knob}")
    for sc in scenarios:
        costs += least_cost_leverage(sc, upper=max(knobs.values(), default=10.0), grid=grid, tol=tol,
                                     selection=selection, lam=lam)
    paths.insert(0, write_text_atomic(folder / "least_cost.csv", csv_text(_printed(costs))))
    paths.insert(0, write_text_atomic(folder / "thresholds.csv", csv_text(_printed(rows))))
    return rows, paths


def sensitivity_experiment(point: Point, folder: Path, *, step: float = 0.25) -> tuple[list[dict[str, Any]], list[Path]]:
    """Tornado of P(breakdown) over every weight and rollout parameter, +-``step``.

    Writes ``sensitivity.csv`` and ``tornado.png/svg`` into ``folder``.
    """
    from negsim.studies.sensitivity import sensitivity

    if point.scenario is None:
        raise ConfigError("sensitivity: needs a scenario, not an nfg file")
    rows = sensitivity(point, step=step)
    fig = tornado_figure(rows, f"{point.scenario.title}: what moves P(breakdown by day {point.days})")
    return rows, [write_text_atomic(folder / "sensitivity.csv", csv_text(_printed(rows)))] + save_figure(fig, folder / "tornado")
