"""The talks game: one round of the Doha/Istanbul talks as a bimatrix game (DESIGN.md).

Pakistan (rows) insists on a written, verifiable guarantee, accepts a verbal pledge with
phased confidence-building, or walks out and coerces; Kabul (columns) signs a written
guarantee, reaffirms the verbal pledge only, or refuses and threatens. The labels, the
outcome of each pair and its features live in ``configs/game/talks.yaml``; the weights in
``configs/scenario/``; the leverage in ``configs/mediator/``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from negsim.equilibrium import Equilibrium
from negsim.game import Game
from negsim.model.payoffs import payoff_batch
from negsim.model.scenario import Scenario, check_knob


def with_mediator(scenario: Scenario, **knobs: float) -> Scenario:
    """A copy of ``scenario`` with some mediator knobs replaced (and re-validated)."""
    checked = {knob: check_knob(knob, value) for knob, value in knobs.items()}
    return replace(scenario, mediator=replace(scenario.mediator, **checked))


def cell_sources(scenario: Scenario) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Evidence IDs behind each cell: the outcome's coding plus every weight used (m, n)."""
    weight_ids = {s for player in scenario.weight_sources for src in player for s in src}
    med_ids = {s for src in scenario.mediator_sources.values() for s in src}
    return tuple(
        tuple(tuple(sorted(set(src) | weight_ids | med_ids)) for src in row)
        for row in scenario.outcome_sources
    )


def talks_game(scenario: Scenario) -> Game:
    """The talks game of a scenario at its mediator leverage.

    Returns
    -------
    Game
        ``A`` (Pakistan) and ``B`` (Kabul) of shape (m, n), in payoff units.
    """
    A, B = payoff_batch(scenario)
    return Game(
        A, B,
        players=scenario.players,
        actions=scenario.actions,
        title=f"{scenario.title} ({scenario.dates})",
        sources=cell_sources(scenario),
    )


def deal_probability(scenario: Scenario, eq: Equilibrium) -> float:
    """Probability that the talks end in a deal (a cell marked ``deal``) under ``eq``."""
    x, y = eq.strategies
    return float(np.outer(x, y)[scenario.deal].sum())


def outcome_distribution(scenario: Scenario, eq: Equilibrium) -> dict[str, float]:
    """Probability of each outcome label under a (mixed) equilibrium, and of a deal."""
    x, y = eq.strategies
    P = np.outer(x, y)
    dist: dict[str, float] = {}
    for i, row in enumerate(scenario.outcome_labels):
        for j, label in enumerate(row):
            if P[i, j] > 0:
                dist[label] = dist.get(label, 0.0) + float(P[i, j])
    return dist
