"""The leverage at which the talks' prediction flips to a deal (target T3), by root finding.

``p_deal(v)`` is the predicted probability of a deal (of any kind, or of one kind) when
one mediator knob is set to ``v``, the other knobs at the scenario's values. Under the
logit QRE prediction (the default) it is a smooth function of ``v``; under a rule that
selects a Nash equilibrium it is a step function. Either way the threshold is found by
bracketing on a grid, then Brent's method on ``p_deal(v) - 1/2`` in the first bracket
where it changes sign, down to ``tol`` (for a step, Brent's method converges to the
jump). :func:`least_cost_leverage` gives, per kind of deal, the least transfer tied to it
that makes it the prediction, and what the mediator then pays in expectation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from negsim.errors import ConfigError
from negsim.model.payoffs import TALKS_KNOBS
from negsim.model.scenario import DEAL_KINDS, Scenario
from negsim.model.talks import kind_probabilities, outcome_distribution, predict, talks_game, with_mediator
from negsim.solvers import solve
from negsim.solvers.selection import PREDICTION_RULES, select

#: The transfer tied to each kind of deal.
DEAL_KNOBS = {"written": "transfer_written", "pledge": "transfer_pledge"}


@dataclass(frozen=True)
class Threshold:
    """Where a mediator knob flips the talks' prediction to a deal.

    Attributes
    ----------
    knob : str
    kind : str
        ``deal`` (any kind), ``written`` or ``pledge``.
    value : float or None
        Least value (within ``tol``) with ``p_deal >= 1/2``; None if none in the range.
    below, above : float or None
        The final bracket: ``p_deal < 1/2`` at ``below``, ``>= 1/2`` at ``above``.
    outcome_below, outcome_above : str
        The most likely outcome on each side.
    already_deal : bool
        True if the prediction is already a deal at the bottom of the range.
    """

    knob: str
    kind: str
    value: float | None
    below: float | None
    above: float | None
    outcome_below: str
    outcome_above: str
    already_deal: bool


def prediction_at(scenario: Scenario, selection: str = "qre", lam: float | None = None, **knobs: float) -> np.ndarray:
    """Predicted probability of each outcome at the given knobs, shape (m, n).

    ``selection`` ``qre``: the logit QRE at precision ``lam`` (default the game's); a
    selection rule: the outcome distribution of the Nash equilibrium it picks.
    """
    if selection not in PREDICTION_RULES:
        raise ConfigError(f"solver.selection: unknown rule '{selection}'; expected one of: {', '.join(PREDICTION_RULES)}")
    sc = with_mediator(scenario, **knobs)
    game = talks_game(sc)
    if selection == "qre":
        return predict(sc, game, lam)
    eqs = solve(game)
    x, y = eqs[select(game, eqs, selection)].strategies
    return np.outer(x, y)


def _p(scenario: Scenario, P: np.ndarray, kind: str) -> float:
    probs = kind_probabilities(scenario, P)
    return 1.0 - probs.get("none", 0.0) if kind == "deal" else probs.get(kind, 0.0)


def _modal(scenario: Scenario, P: np.ndarray) -> str:
    dist = outcome_distribution(scenario, P)
    return max(dist, key=lambda label: dist[label])


def deal_curve(
    scenario: Scenario, knob: str, values: np.ndarray, *, kind: str = "deal", selection: str = "qre",
    lam: float | None = None,
) -> np.ndarray:
    """Predicted P(deal of ``kind``) on a grid of ``knob`` values, shape (len(values),)."""
    return np.array([_p(scenario, prediction_at(scenario, selection, lam, **{knob: float(v)}), kind) for v in values])


def _check(knob: str, kind: str, upper: float, grid: int, tol: float) -> None:
    if knob not in TALKS_KNOBS:
        raise ConfigError(f"threshold.knobs: expected a mediator knob that enters the talks payoffs {list(TALKS_KNOBS)}, got '{knob}'")
    if kind not in ("deal", *DEAL_KINDS):
        raise ConfigError(f"threshold.kind: expected deal or one of {list(DEAL_KINDS)}, got '{kind}'")
    if upper <= 0 or grid < 2 or tol <= 0:
        raise ConfigError(f"threshold: expected upper > 0, grid >= 2, tol > 0; got {upper}, {grid}, {tol}")


def leverage_threshold(
    scenario: Scenario,
    knob: str = "transfer_pledge",
    *,
    kind: str = "deal",
    upper: float = 10.0,
    grid: int = 41,
    tol: float = 1e-6,
    selection: str = "qre",
    lam: float | None = None,
) -> Threshold:
    """The least value of ``knob`` in ``[0, upper]`` at which P(deal of ``kind``) reaches 1/2.

    Parameters
    ----------
    scenario : Scenario
    knob : str
        A mediator knob of the talks payoffs (:data:`negsim.model.payoffs.TALKS_KNOBS`).
    kind : str
        ``deal`` (any), ``written`` or ``pledge``.
    upper : float
        Top of the search range (payoff units, or at most 1 for fractions).
    grid : int
        Points of the bracketing grid.
    tol : float
        Width of the final bracket.
    selection, lam
        The prediction (:func:`prediction_at`).
    """
    _check(knob, kind, upper, grid, tol)

    def at(v: float) -> tuple[float, str]:
        P = prediction_at(scenario, selection, lam, **{knob: float(v)})
        return _p(scenario, P, kind), _modal(scenario, P)

    p0, outcome0 = at(0.0)
    if p0 >= 0.5:
        return Threshold(knob, kind, 0.0, None, 0.0, "", outcome0, True)
    values = np.linspace(0.0, upper, grid)
    p = np.array([at(v)[0] for v in values])
    hits = np.flatnonzero(p >= 0.5)
    if not hits.size:
        return Threshold(knob, kind, None, float(upper), None, at(upper)[1], "", False)
    lo, hi = float(values[hits[0] - 1]), float(values[hits[0]])
    root = brentq(lambda v: at(v)[0] - 0.5, lo, hi, xtol=tol / 2)
    lo, hi = max(lo, root - tol / 2), min(hi, root + tol / 2)
    while at(hi)[0] < 0.5:  # the right end of the bracket must be a deal (steps, rounding)
        lo, hi = hi, min(upper, hi + tol)
    return Threshold(knob, kind, hi, lo, hi, at(lo)[1], at(hi)[1], False)


def least_cost_leverage(
    scenario: Scenario, *, upper: float = 10.0, grid: int = 41, tol: float = 1e-6, selection: str = "qre",
    lam: float | None = None,
) -> list[dict[str, Any]]:
    """Per kind of deal, the least transfer tied to it that makes it the prediction.

    For each kind (written guarantee, pledge with confidence-building) the transfer that
    pays for it (:data:`DEAL_KNOBS`) is raised, the others left at the scenario's values,
    until the kind's predicted probability reaches 1/2. The mediator's expected payment
    there is the transfer times that probability (it pays only if the deal is reached).
    """
    rows = []
    for kind, knob in DEAL_KNOBS.items():
        t = leverage_threshold(scenario, knob, kind=kind, upper=upper, grid=grid, tol=tol, selection=selection, lam=lam)
        paid = None
        if t.value is not None:
            paid = t.value * _p(scenario, prediction_at(scenario, selection, lam, **{knob: t.value}), kind)
        rows.append({
            "scenario": scenario.name, "deal": kind, "knob": knob, "baseline": getattr(scenario.mediator, knob),
            "least_leverage": t.value, "expected_payment": paid, "already": t.already_deal,
            "outcome_below": t.outcome_below, "outcome_above": t.outcome_above,
        })
    return rows
