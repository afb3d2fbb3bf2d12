"""The talks game: one round of the Doha/Istanbul talks as a bimatrix game (DESIGN.md).

Pakistan (rows) insists on a written, verifiable guarantee, accepts a verbal pledge with
phased confidence-building, or walks out and coerces; Kabul (columns) signs a written
guarantee, reaffirms the verbal pledge only, or refuses and threatens. The labels, the
outcome of each pair, its features and provisions live in ``configs/game/talks.yaml``;
the weights in ``configs/scenario/``; the leverage in ``configs/mediator/``.

The round's *prediction* is a probability for every outcome (shape (m, n)): by default
the logit quantal response equilibrium on its principal branch at the game's stated
precision, with each player's payoffs in units of its own payoff range without leverage
(:func:`predict`; McKelvey & Palfrey 1995, Signorino 1999), or a selected Nash equilibrium.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from negsim.game import Game
from negsim.model.payoffs import payoff_batch, payoff_scale
from negsim.model.scenario import PROVISIONS, Scenario, check_knob


def with_mediator(scenario: Scenario, **knobs: float) -> Scenario:
    """A copy of ``scenario`` with some mediator knobs replaced (and re-validated)."""
    checked = {knob: check_knob(knob, value) for knob, value in knobs.items()}
    return replace(scenario, mediator=replace(scenario.mediator, **checked))


def cell_sources(scenario: Scenario) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Evidence IDs behind each cell: the outcome's coding plus every weight, knob and
    mechanism number used (m, n)."""
    ids = {s for player in scenario.weight_sources for src in player for s in src}
    ids |= {s for src in scenario.mediator_sources.values() for s in src}
    ids |= {s for src in scenario.model_sources.values() for s in src}
    return tuple(tuple(tuple(sorted(set(src) | ids)) for src in row) for row in scenario.outcome_sources)


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


def scaled_payoffs(A: np.ndarray, B: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Payoffs in units of each player's scale (``scale`` shape (2,), positive)."""
    return np.asarray(A, float) / scale[0], np.asarray(B, float) / scale[1]


def qre_prediction(A: np.ndarray, B: np.ndarray, lam: float, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The logit QRE on the principal branch at precision ``lam`` per unit of ``scale``.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (m, n)
        Payoffs in payoff units.
    lam : float
        Precision, >= 0, per unit of each player's scale (0: uniform play).
    scale : numpy.ndarray, shape (2,)
        Each player's payoff unit (:func:`negsim.model.payoffs.payoff_scale`).

    Returns
    -------
    (x, y) : numpy.ndarray, shapes (m,) and (n,)
    """
    from negsim.solvers.qre import qre_at

    As, Bs = scaled_payoffs(A, B, scale)
    return qre_at(As, Bs, lam)  # lam per unit of the scaled payoffs: per unit of each player's scale


def predict(scenario: Scenario, game: Game | None = None, lam: float | None = None) -> np.ndarray:
    """Probability of each outcome under the logit QRE prediction, shape (m, n).

    Parameters
    ----------
    scenario : Scenario
    game : Game, optional
        The scenario's talks game (built if not given).
    lam : float, optional
        Precision; default the game's stated ``precision``.
    """
    game = talks_game(scenario) if game is None else game
    x, y = qre_prediction(game.A, game.B, scenario.precision if lam is None else lam, payoff_scale(scenario))
    return np.outer(x, y)


def deal_probability(scenario: Scenario, outcomes: np.ndarray) -> float:
    """Probability that the talks end in a deal (of any kind), ``outcomes`` shape (m, n)."""
    return float(np.asarray(outcomes)[scenario.deal].sum())


def kind_probabilities(scenario: Scenario, outcomes: np.ndarray) -> dict[str, float]:
    """Probability of each kind of deal (``written``, ``pledge``) and of ``none``."""
    out: dict[str, float] = {}
    for i, row in enumerate(scenario.deal_kind):
        for j, kind in enumerate(row):
            out[kind] = out.get(kind, 0.0) + float(outcomes[i, j])
    return out


def outcome_distribution(scenario: Scenario, outcomes: np.ndarray) -> dict[str, float]:
    """Probability of each outcome label (cells with probability 0 left out)."""
    dist: dict[str, float] = {}
    for i, row in enumerate(scenario.outcome_labels):
        for j, label in enumerate(row):
            if outcomes[i, j] > 0:
                dist[label] = dist.get(label, 0.0) + float(outcomes[i, j])
    return dist


def provisions_in_force(scenario: Scenario, i: int, j: int) -> dict[str, float]:
    """What outcome ``(i, j)`` puts in force: each mediator offer times the outcome's provision.

    ``verification`` and ``channel`` (de-confliction) are fractions in [0, 1];
    ``compliance`` is the daily compliance transfer in force (ceasefire payoff units).
    """
    med = scenario.mediator
    offered = {"verification": med.verification, "channel": med.deconfliction, "compliance": med.transfer_compliance}
    return {name: float(offered[name] * scenario.provisions[i, j, k]) for k, name in enumerate(PROVISIONS)}


def expected_provisions(scenario: Scenario, outcomes: np.ndarray) -> dict[str, float]:
    """Provisions in force averaged over the predicted outcome distribution."""
    m, n = scenario.shape
    total = dict.fromkeys(PROVISIONS, 0.0)
    for i in range(m):
        for j in range(n):
            for name, value in provisions_in_force(scenario, i, j).items():
                total[name] += float(outcomes[i, j]) * value
    return total


def outcome_table(scenario: Scenario, outcomes: np.ndarray) -> list[dict[str, Any]]:
    """One record per outcome: actions, label, deal kind, probability and provisions in force."""
    rows, cols = scenario.actions
    return [
        {"row": rows[i], "col": cols[j], "label": scenario.outcome_labels[i][j], "deal": scenario.deal_kind[i][j],
         "probability": float(outcomes[i, j]), "provisions": provisions_in_force(scenario, i, j)}
        for i in range(len(rows)) for j in range(len(cols))
    ]
