"""The link from the talks to the ceasefire: the selected equilibrium sets the rollout's start.

The talks equilibrium fixes, for the rollout that follows, Kabul's effort against the
TTP (expected over the equilibrium's outcome distribution, :func:`negsim.model.rollout.kabul_effort`),
the escalation level and the state of the crossings of its most likely outcome, and the
mediator's verification and de-confliction. :func:`signal_probabilities` links the
rollout's rates to the repeated ceasefire game of :mod:`negsim.games.repeated`.
"""

from __future__ import annotations

import numpy as np

from negsim.equilibrium import Equilibrium
from negsim.errors import ConfigError
from negsim.model.rollout import OPEN_WAR, CeasefireParams, Situation, daily_probabilities, kabul_effort
from negsim.model.scenario import Scenario


def _feature(scenario: Scenario, name: str) -> np.ndarray:
    if name not in scenario.feature_names:
        raise ConfigError(f"game.features: the rollout needs an outcome feature named {name!r}")
    return scenario.features[:, :, scenario.feature_names.index(name)]


def situation_after_talks(
    scenario: Scenario, equilibrium: Equilibrium, *, effort_unverified: float, breakdown_level: int
) -> Situation:
    """The ceasefire's starting situation after the talks end in ``equilibrium``."""
    x, y = equilibrium.strategies
    P = np.outer(x, y)
    i, j = np.unravel_index(int(np.argmax(P)), P.shape)
    med = scenario.mediator
    return Situation(
        effort=kabul_effort(P, _feature(scenario, "guarantee"), med.verification, effort_unverified),
        verification=med.verification,
        deconfliction=med.deconfliction,
        start_level=int(min(round(_feature(scenario, "escalation")[i, j]), OPEN_WAR)),
        border_closed=bool(_feature(scenario, "border_open")[i, j] < 0.5),
        breakdown_level=breakdown_level,
    )


def signal_probabilities(params: CeasefireParams, verification: float = 0.0) -> tuple[float, float]:
    """``(q_hold, q_violate)`` per day from the rollout's attack and attribution rates.

    A violation signal is an attack traced to Afghan soil and attributed to Kabul
    (:func:`negsim.model.rollout.daily_probabilities`): holding is Kabul's full effort against
    the TTP, which still leaves attacks (AF3: false alarms), violating is zero effort.

    Parameters
    ----------
    params : negsim.model.rollout.CeasefireParams
    verification : float
        Mediator verification in [0, 1] (lowers attribution).
    """

    def signal(effort: float) -> float:
        p = daily_probabilities(params, Situation(effort=effort, verification=verification, deconfliction=0.0))
        return float(p["attack"] * p["attributed"])

    return signal(1.0), signal(0.0)
