"""Which judgement calls move the breakdown probability most (one-at-a-time, tornado).

Each payoff weight of the scenario and each parameter of the ceasefire process is moved
down and up by a relative step (default 25%; probabilities clipped to [0, 1]) with all
else at its value, and the whole pipeline (talks equilibrium, then rollout) is rerun on
common random numbers. The swing ``|P_high - P_low|`` of P(breakdown by the horizon)
ranks the inputs. One-at-a-time screening (a tornado diagram) is a deliberate choice
over Sobol or Morris indices: the inputs are a few dozen judgement calls, and a seminar
reads a tornado at a glance; interactions are left to the 2-D sweeps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.studies.pipeline import Point, run_points

#: Rollout parameters that are costs, not judgements about the ceasefire (left out).
_SIZES = ("deaths_per_day", "trade_loss_per_day")
#: Rollout parameters that are not probabilities (perturbed without clipping to [0, 1]).
_UNCLIPPED = ("tension_scale",)


def _perturbed_points(base: Point, step: float) -> list[tuple[str, str, Point]]:
    """(input name, 'low'/'high', point) for every weight and rollout parameter."""
    from negsim.model.talks import talks_game

    out = []
    sc = base.scenario
    if sc is None:
        raise ConfigError("sensitivity: needs a scenario, not an nfg file")
    for p, player in enumerate(sc.players):
        for k, feature in enumerate(sc.feature_names):
            if sc.weights[p, k] == 0:
                continue
            for side, factor in (("low", 1 - step), ("high", 1 + step)):
                W = sc.weights.copy()
                W[p, k] *= factor
                scenario = replace(sc, weights=W)
                out.append((f"weight {player}.{feature}", side, replace(base, scenario=scenario, game=talks_game(scenario))))
    params = base.setup.params
    for name, value in vars(params).items():
        if name in _SIZES or isinstance(value, int):  # an integer is a level, not a judgement of degree
            continue
        high = np.inf if name in _UNCLIPPED else 1.0
        for side, factor in (("low", 1 - step), ("high", 1 + step)):
            new: Any = tuple(np.clip(np.asarray(value) * factor, 0, high).tolist()) if isinstance(value, tuple) else float(
                np.clip(value * factor, 0, high))
            try:
                changed = replace(params, **{name: new})
            except ConfigError:
                continue  # e.g. de-escalation pushed past 1: that side is out of range
            out.append((f"rollout {name}", side, replace(base, setup=replace(base.setup, params=changed))))
    return out


def sensitivity(base: Point, *, step: float = 0.25) -> list[dict[str, Any]]:
    """Rows ``{input, low, high, swing, baseline}`` sorted by swing, largest first.

    Parameters
    ----------
    base : Point
        A scenario point with a rollout (``runs > 0``).
    step : float
        Relative perturbation, in (0, 1).
    """
    if base.scenario is None or base.runs == 0:
        raise ConfigError("sensitivity: needs a scenario and rollout.runs > 0")
    if not 0 < step < 1:
        raise ConfigError(f"sensitivity.step: expected a relative step in (0, 1), got {step}")
    cases = _perturbed_points(base, step)
    outcomes = run_points([base] + [pt for _, _, pt in cases], progress=True)
    baseline = outcomes[0].metrics["rollout"]["p_breakdown"]
    table: dict[str, dict[str, Any]] = {}
    for (name, side, _), outcome in zip(cases, outcomes[1:], strict=True):
        row = table.setdefault(name, {"input": name, "low": baseline, "high": baseline, "baseline": baseline})
        row[side] = outcome.metrics["rollout"]["p_breakdown"]
        row[f"p_deal_{side}"] = outcome.metrics["p_deal"]
    rows = list(table.values())
    for row in rows:
        row["swing"] = abs(row["high"] - row["low"])
    return sorted(rows, key=lambda r: -r["swing"])
