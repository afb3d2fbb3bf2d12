"""The leverage at which the talks equilibrium flips to a deal (target T3), by root finding.

``p_deal(v)`` is the probability of a deal in the equilibrium the selection rule picks
when one mediator knob is set to ``v`` (other knobs at the scenario's values). It is a
step function of ``v``, so the threshold is found by bracketing on a grid solved in one
batch, then bisecting the first bracket where ``p_deal`` crosses 1/2 down to ``tol``.
The reported threshold is the right end of the final bracket: the smallest value found
at which the selected equilibrium is a deal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.errors import ConfigError
from negsim.model.payoffs import payoff_batch
from negsim.model.scenario import MEDIATOR_KNOBS, Scenario
from negsim.model.talks import deal_probability, outcome_distribution, talks_game, with_mediator
from negsim.solvers import solve, solve_batch
from negsim.solvers.selection import select


@dataclass(frozen=True)
class Threshold:
    """Where a mediator knob flips the talks to a deal.

    Attributes
    ----------
    knob : str
    value : float or None
        Smallest value (within ``tol``) selecting a deal; None if none in the range.
    below, above : float or None
        The final bracket: ``p_deal < 1/2`` at ``below``, ``>= 1/2`` at ``above``.
    outcome_below, outcome_above : str
        The most likely selected outcome on each side.
    already_deal : bool
        True if the scenario already selects a deal at the bottom of the range.
    """

    knob: str
    value: float | None
    below: float | None
    above: float | None
    outcome_below: str
    outcome_above: str
    already_deal: bool


def selected_deal(scenario: Scenario, selection: str = "logit", **knobs: float) -> tuple[float, str]:
    """P(deal) in the selected equilibrium and its most likely outcome, at given knobs."""
    sc = with_mediator(scenario, **knobs)
    game = talks_game(sc)
    eqs = solve(game)
    eq = eqs[select(game, eqs, selection)]
    dist = outcome_distribution(sc, eq)
    return deal_probability(sc, eq), max(dist, key=lambda label: dist[label])


def deal_curve(scenario: Scenario, knob: str, values: np.ndarray, selection: str = "logit") -> np.ndarray:
    """p_deal on a grid of ``knob`` values, shape (len(values),): one batch solve; the
    selection rule runs only where a game has several equilibria."""
    A, B = payoff_batch(scenario, **{knob: values})
    batch = solve_batch(A, B)
    out = np.empty(len(values))
    for k, v in enumerate(values):
        eqs = batch.for_game(k)
        if len(eqs) > 1:
            out[k] = selected_deal(scenario, selection, **{knob: float(v)})[0]
        else:
            out[k] = deal_probability(scenario, eqs[0])
    return out


def leverage_threshold(
    scenario: Scenario,
    knob: str = "transfer_deal",
    *,
    upper: float = 10.0,
    grid: int = 201,
    tol: float = 1e-6,
    selection: str = "logit",
) -> Threshold:
    """The smallest value of ``knob`` in ``[0, upper]`` whose selected equilibrium is a deal.

    Parameters
    ----------
    scenario : Scenario
    knob : str
        A mediator knob (``transfer_deal``, ``penalty_walkout``, ``verification``, ...).
    upper : float
        Top of the search range (payoff units, or at most 1 for fractions).
    grid : int
        Points of the bracketing grid.
    tol : float
        Width of the final bisection bracket.
    """
    if knob not in MEDIATOR_KNOBS or knob == "deconfliction":
        raise ConfigError(f"threshold.knob: expected a mediator knob that enters the talks payoffs, got '{knob}'")
    if upper <= 0 or grid < 2 or tol <= 0:
        raise ConfigError(f"threshold: expected upper > 0, grid >= 2, tol > 0; got {upper}, {grid}, {tol}")
    at = lambda v: selected_deal(scenario, selection, **{knob: float(v)})  # noqa: E731
    p0, outcome0 = at(0.0)
    if p0 >= 0.5:
        return Threshold(knob, 0.0, None, 0.0, "", outcome0, True)
    values = np.linspace(0.0, upper, grid)
    p = deal_curve(scenario, knob, values, selection)
    hits = np.flatnonzero(p >= 0.5)
    if not hits.size:
        return Threshold(knob, None, float(upper), None, at(upper)[1], "", False)
    lo, hi = float(values[hits[0] - 1]), float(values[hits[0]])
    for _ in range(200):
        if hi - lo <= tol:
            break
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if at(mid)[0] >= 0.5 else (mid, hi)
    return Threshold(knob, hi, lo, hi, at(lo)[1], at(hi)[1], False)
