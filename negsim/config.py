"""Config schemas: the typed shape of every config group, for OmegaConf and Hydra.

These dataclasses only describe configs; :mod:`negsim.scenario` turns a config into
validated, frozen domain objects. Hydra registers them in its ``ConfigStore`` (see
:mod:`negsim.cli`), so a typo or a wrong type fails at start-up with the key named.
Every number that comes from the record carries a ``source`` list of evidence IDs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from omegaconf import MISSING


@dataclass
class SourcedValue:
    """A number with the evidence behind it (IDs of POSITIONS.md or ``cite:`` entries)."""

    value: float = MISSING
    source: list[str] = MISSING
    note: str = ""


@dataclass
class Sources:
    """The evidence behind a plain number elsewhere in the same config node."""

    source: list[str] = MISSING
    note: str = ""


@dataclass
class FeatureSpec:
    """An outcome feature: its unit and meaning."""

    unit: str = MISSING
    description: str = MISSING


@dataclass
class OutcomeSpec:
    """One cell of the talks game: the action pair, what happens, and its features."""

    row: str = MISSING
    col: str = MISSING
    label: str = MISSING
    deal: bool = MISSING
    walkout: list[str] = field(default_factory=list)
    features: dict[str, float] = MISSING
    source: list[str] = MISSING


@dataclass
class GameSpec:
    """A two-player game whose outcomes are described by features (DESIGN.md)."""

    name: str = MISSING
    title: str = MISSING
    players: list[str] = MISSING
    actions: dict[str, list[str]] = MISSING
    features: dict[str, FeatureSpec] = MISSING
    verification_relieves: str = MISSING
    outcomes: list[OutcomeSpec] = MISSING


@dataclass
class MediatorSpec:
    """Mediator leverage: plain numbers (so sweeps can set them) plus their sources.

    Units: ``transfer_deal`` and ``penalty_walkout`` in payoff units; ``verification``,
    ``sovereignty_relief`` and ``deconfliction`` are fractions in [0, 1].
    """

    name: str = MISSING
    transfer_deal: float = MISSING
    penalty_walkout: float = MISSING
    verification: float = MISSING
    sovereignty_relief: float = MISSING
    deconfliction: float = MISSING
    sources: dict[str, Sources] = MISSING


@dataclass
class ScenarioSpec:
    """A negotiation round: what happened, and each actor's weights on outcome features."""

    name: str = MISSING
    title: str = MISSING
    dates: str = MISSING
    summary: str = MISSING
    evidence: list[str] = MISSING
    weights: dict[str, dict[str, SourcedValue]] = MISSING


@dataclass
class SolverSpec:
    """Which solver finds equilibria, and which rule selects one of several."""

    method: str = "enumerate"
    selection: str = "logit"
    tol: float = 1e-8


@dataclass
class RolloutSpec:
    """Monte Carlo ceasefire rollouts after the talks (see :mod:`negsim.rollout`).

    ``runs = 0`` skips the rollout. Probabilities are per day; ``sources`` must name the
    evidence of every model parameter.
    """

    runs: int = 10000
    days: int = 180
    chunk_runs: int = 65536
    breakdown_level: int = MISSING
    attack_rate: float = MISSING
    effort_cap: float = MISSING
    effort_unverified: float = MISSING
    major_share: float = MISSING
    attribution: float = MISSING
    verification_attribution: float = MISSING
    pak_retaliate: float = MISSING
    afg_respond: float = MISSING
    incident: list[float] = MISSING
    incident_damping: float = MISSING
    deescalate: float = MISSING
    deconfliction_pull: float = MISSING
    reopen: float = MISSING
    deaths_per_day: list[float] = MISSING
    trade_loss_per_day: float = MISSING
    sources: dict[str, Sources] = MISSING


@dataclass
class ThresholdSpec:
    """The threshold experiment: per scenario, the leverage that flips the talks to a deal.

    ``knobs`` are the mediator knobs to search, each over ``[0, upper[knob]]``.
    """

    scenarios: list[str] = field(default_factory=lambda: ["doha_round", "istanbul_round2", "istanbul_round3"])
    knobs: list[str] = field(default_factory=lambda: ["transfer_deal", "verification"])
    upper: dict[str, float] = field(
        default_factory=lambda: {"transfer_deal": 10.0, "penalty_walkout": 10.0, "verification": 1.0, "sovereignty_relief": 1.0}
    )
    grid: int = 201
    tol: float = 1e-6
    margin: float = 1e-3


@dataclass
class SensitivitySpec:
    """The sensitivity experiment: one-at-a-time relative step of every judgement call."""

    step: float = 0.25


@dataclass
class CeasefireGameSpec:
    """The repeated hold/violate game: daily stage payoffs, discount, punishment length."""

    T: float = MISSING
    R: float = MISSING
    P: float = MISSING
    S: float = MISSING
    delta: float = MISSING
    punishment_days: int = MISSING
    sources: dict[str, Sources] = MISSING


@dataclass
class BargainingSpec:
    """Bargaining over a unit pie: discounts, breakdown risk, power, war terms."""

    pak_discount: float = MISSING
    afg_discount: float = MISSING
    breakdown: float = MISSING
    pak_power: float = MISSING
    pak_disagreement: float = MISSING
    afg_disagreement: float = MISSING
    pak_win: float = MISSING
    pak_war_cost: float = MISSING
    afg_war_cost_max: float = MISSING
    sources: dict[str, Sources] = MISSING


@dataclass
class RunConfig:
    """The top-level config of the ``negsim`` command."""

    scenario: ScenarioSpec = MISSING
    game: GameSpec = MISSING
    mediator: MediatorSpec = MISSING
    solver: SolverSpec = field(default_factory=SolverSpec)
    rollout: RolloutSpec = MISSING
    seed: int = 20251019
    nfg: Optional[str] = None
    results_dir: Optional[str] = None
    fast: bool = False
    mode: str = "solve"
    threshold: ThresholdSpec = field(default_factory=ThresholdSpec)
    sensitivity: SensitivitySpec = field(default_factory=SensitivitySpec)
    ceasefire: Optional[CeasefireGameSpec] = None
    bargaining: Optional[BargainingSpec] = None
