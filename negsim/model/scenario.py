"""Scenarios from evidence: load, validate and freeze the talks game's inputs.

A scenario is three config nodes (see :mod:`negsim.model.schema`): the *game* (players,
actions, and the outcome of every action pair described by features), the *scenario*
proper (each actor's weight on each feature, per negotiation round) and the *mediator*
(transfers, penalties, verification). :func:`build_scenario` checks them in one place:
every weight and mediator number names known evidence, every label is consistent, every
probability-like number lies in [0, 1]; the first problem raises a
:class:`~negsim.errors.ConfigError` naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.io.configs import config_dir, load_yaml
from negsim.model.evidence import check_sources
from negsim.model.schema import GameSpec, MediatorSpec, RolloutSpec, ScenarioSpec, finite, parse

#: Mediator knobs that are fractions in [0, 1].
FRACTION_KNOBS = ("verification", "sovereignty_relief", "deconfliction")
#: Mediator knobs in payoff units, which must be >= 0.
PAYOFF_KNOBS = ("transfer_deal", "penalty_walkout")
MEDIATOR_KNOBS = PAYOFF_KNOBS + FRACTION_KNOBS


@dataclass(frozen=True)
class Mediator:
    """Mediator leverage (Qatar, Turkiye): one point in the leverage space.

    Attributes
    ----------
    transfer_deal : float
        Payoff units each side receives when the round ends in a deal (carrot).
    penalty_walkout : float
        Payoff units taken from a side that walks out or refuses (stick).
    verification : float
        Third-party verification in [0, 1]; scales down the sovereignty cost.
    sovereignty_relief : float
        Fraction of the sovereignty cost removed at full verification, in [0, 1].
    deconfliction : float
        Strength of de-confliction channels in [0, 1] (used by ceasefire rollouts).
    """

    transfer_deal: float
    penalty_walkout: float
    verification: float
    sovereignty_relief: float
    deconfliction: float


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated negotiation round, ready to build payoff matrices.

    Shapes: ``m`` row (PAK) actions, ``n`` column (AFG) actions, ``K`` features.

    Attributes
    ----------
    features : numpy.ndarray, shape (m, n, K)
        Outcome features of each action pair, in the units of ``feature_units``.
    weights : numpy.ndarray, shape (2, K)
        Each player's payoff per unit of each feature (payoff units).
    deal : numpy.ndarray of bool, shape (m, n)
        Cells that end in a deal (mediator transfer paid).
    walkout : numpy.ndarray, shape (2, m, n)
        1 where a player bears the mediator's penalty for walking out or refusing.
    relief_feature : int
        Index of the feature scaled by ``1 - sovereignty_relief * verification``.
    """

    name: str
    title: str
    dates: str
    summary: str
    players: tuple[str, str]
    actions: tuple[tuple[str, ...], tuple[str, ...]]
    feature_names: tuple[str, ...]
    feature_units: tuple[str, ...]
    features: np.ndarray
    weights: np.ndarray
    deal: np.ndarray
    walkout: np.ndarray
    relief_feature: int
    outcome_labels: tuple[tuple[str, ...], ...]
    outcome_sources: tuple[tuple[tuple[str, ...], ...], ...]
    weight_sources: tuple[tuple[tuple[str, ...], ...], ...]
    weight_notes: tuple[tuple[str, ...], ...]
    mediator: Mediator
    mediator_sources: dict[str, tuple[str, ...]]
    evidence: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("features", "weights", "deal", "walkout"):
            getattr(self, name).setflags(write=False)

    @property
    def shape(self) -> tuple[int, int]:
        """Numbers of actions ``(m, n)`` of the row and the column player."""
        m, n = self.features.shape[:2]
        return m, n


def _game_arrays(game: GameSpec, players: tuple[str, str]):
    """Outcome features, deal and walk-out masks, labels and sources of the game, validated."""
    rows = tuple(game.actions[players[0]])
    cols = tuple(game.actions[players[1]])
    names = tuple(game.features.keys())
    m, n, K = len(rows), len(cols), len(names)
    if m < 1 or n < 1:
        raise ConfigError(f"game.actions: each player needs at least one action, got {m}x{n}")
    for p, given in zip(players, (rows, cols), strict=True):
        if len(set(given)) != len(given):
            raise ConfigError(f"game.actions.{p}: duplicate action labels {list(given)}")
    features = np.full((m, n, K), np.nan)
    deal = np.zeros((m, n), dtype=bool)
    walkout = np.zeros((2, m, n))
    labels = [[""] * n for _ in range(m)]
    sources: list[list[tuple[str, ...]]] = [[()] * n for _ in range(m)]
    for k, out in enumerate(game.outcomes):
        key = f"game.outcomes[{k}]"
        if out.row not in rows:
            raise ConfigError(f"{key}.row: unknown action {out.row!r} of {players[0]}; expected one of {list(rows)}")
        if out.col not in cols:
            raise ConfigError(f"{key}.col: unknown action {out.col!r} of {players[1]}; expected one of {list(cols)}")
        i, j = rows.index(out.row), cols.index(out.col)
        if labels[i][j]:
            raise ConfigError(f"{key}: duplicate outcome for ({out.row}, {out.col})")
        missing = set(names) - set(out.features)
        extra = set(out.features) - set(names)
        if missing or extra:
            what = f"missing feature {sorted(missing)[0]!r}" if missing else f"unknown feature {sorted(extra)[0]!r}"
            raise ConfigError(f"{key}.features: {what}; expected exactly {list(names)}")
        features[i, j] = [finite(f"{key}.features.{f}", out.features[f]) for f in names]
        deal[i, j] = out.deal
        for p in out.walkout:
            if p not in players:
                raise ConfigError(f"{key}.walkout: unknown player {p!r}; expected one of {list(players)}")
            walkout[players.index(p), i, j] = 1.0
        labels[i][j] = out.label
        sources[i][j] = check_sources(f"{key}.source", out.source)
    empty = [(rows[i], cols[j]) for i in range(m) for j in range(n) if not labels[i][j]]
    if empty:
        raise ConfigError(f"game.outcomes: no outcome for action pair {empty[0]}; every pair needs one")
    if game.verification_relieves not in names:
        raise ConfigError(
            f"game.verification_relieves: unknown feature {game.verification_relieves!r}; expected one of {list(names)}"
        )
    return (rows, cols), names, features, deal, walkout, labels, sources


def check_knob(knob: str, value: float) -> float:
    """Validate one mediator knob's value (name known, finite, in its range)."""
    if knob not in MEDIATOR_KNOBS:
        raise ConfigError(f"mediator.{knob}: unknown mediator knob; expected one of {list(MEDIATOR_KNOBS)}")
    v = finite(f"mediator.{knob}", value)
    if knob in FRACTION_KNOBS and not 0.0 <= v <= 1.0:
        raise ConfigError(f"mediator.{knob}: expected a fraction in [0, 1], got {v}")
    if knob in PAYOFF_KNOBS and v < 0.0:
        raise ConfigError(f"mediator.{knob}: expected a non-negative payoff, got {v}")
    return v


def _mediator(med: MediatorSpec) -> tuple[Mediator, dict[str, tuple[str, ...]]]:
    values = {knob: check_knob(knob, getattr(med, knob)) for knob in MEDIATOR_KNOBS}
    extra = set(med.sources) - set(MEDIATOR_KNOBS)
    if extra:
        raise ConfigError(f"mediator.sources: unknown knob {sorted(extra)[0]!r}; expected {list(MEDIATOR_KNOBS)}")
    sources = {}
    for knob in MEDIATOR_KNOBS:
        if knob not in med.sources:
            raise ConfigError(f"mediator.sources.{knob}: missing source for mediator.{knob}")
        sources[knob] = check_sources(f"mediator.sources.{knob}.source", med.sources[knob].source)
    return Mediator(**values), sources


def build_scenario(scenario: Any, game: Any, mediator: Any) -> Scenario:
    """Validate three config nodes and build a :class:`Scenario`.

    Parameters
    ----------
    scenario, game, mediator : mapping
        Nodes of the shapes :class:`~negsim.model.schema.ScenarioSpec`,
        :class:`~negsim.model.schema.GameSpec` and :class:`~negsim.model.schema.MediatorSpec`.

    Raises
    ------
    ConfigError
        On the first invalid key, naming it.
    """
    sc: ScenarioSpec = parse(ScenarioSpec, scenario, "scenario")
    gm: GameSpec = parse(GameSpec, game, "game")
    md: MediatorSpec = parse(MediatorSpec, mediator, "mediator")
    if len(gm.players) != 2:
        raise ConfigError(f"game.players: expected exactly 2 players, got {list(gm.players)}")
    players = (str(gm.players[0]), str(gm.players[1]))
    for p in players:
        if p not in gm.actions:
            raise ConfigError(f"game.actions: no actions for player {p!r}")
    extra = set(gm.actions) - set(players)
    if extra:
        raise ConfigError(f"game.actions: unknown player {sorted(extra)[0]!r}; expected {list(players)}")
    actions, names, features, deal, walkout, labels, out_sources = _game_arrays(gm, players)
    weights = np.zeros((2, len(names)))
    w_sources, w_notes = [], []
    for p_idx, p in enumerate(players):
        if p not in sc.weights:
            raise ConfigError(f"scenario.weights: no weights for player {p!r}")
        given = sc.weights[p]
        extra = set(given) - set(names)
        if extra:
            raise ConfigError(f"scenario.weights.{p}: unknown feature {sorted(extra)[0]!r}; expected {list(names)}")
        srcs, notes = [], []
        for k, f in enumerate(names):
            key = f"scenario.weights.{p}.{f}"
            if f not in given:
                raise ConfigError(f"{key}: missing weight (give value and source, 0 if the feature does not matter)")
            weights[p_idx, k] = finite(f"{key}.value", given[f].value)
            srcs.append(check_sources(f"{key}.source", given[f].source))
            notes.append(str(given[f].note))
        w_sources.append(tuple(srcs))
        w_notes.append(tuple(notes))
    extra = set(sc.weights) - set(players)
    if extra:
        raise ConfigError(f"scenario.weights: unknown player {sorted(extra)[0]!r}; expected {list(players)}")
    med, med_sources = _mediator(md)
    return Scenario(
        name=sc.name, title=sc.title, dates=sc.dates, summary=sc.summary,
        players=players, actions=actions, feature_names=names,
        feature_units=tuple(gm.features[f].unit for f in names),
        features=features, weights=weights, deal=deal, walkout=walkout,
        relief_feature=names.index(gm.verification_relieves),
        outcome_labels=tuple(tuple(r) for r in labels),
        outcome_sources=tuple(tuple(r) for r in out_sources),
        weight_sources=tuple(w_sources), weight_notes=tuple(w_notes),
        mediator=med, mediator_sources=med_sources,
        evidence=check_sources("scenario.evidence", sc.evidence),
    )


def _config_file(group: str, name: str, beside: Path | None = None) -> Path:
    """A config file given by path (``*.yaml``) or by name: the folder ``group`` next to
    ``beside``'s folder first (a user's own config folder), then the shipped configs."""
    if name.endswith((".yaml", ".yml")):
        return Path(name)
    if beside is not None:
        own = beside.parent.parent / group / f"{name}.yaml"
        if own.is_file():
            return own
    return config_dir() / group / f"{name}.yaml"


def load_scenario(name: str, *, game: str = "talks", mediator: str | None = None) -> Scenario:
    """Load a scenario, without Hydra: a shipped one by name, or a user's YAML file.

    Parameters
    ----------
    name : str
        Scenario name, e.g. ``"istanbul_round2"`` (``configs/scenario/<name>.yaml``), or
        the path of a scenario YAML file, e.g. ``"mine/scenario/my_round.yaml"``.
    game : str
        Game config: a name under ``configs/game/``, or a path.
    mediator : str, optional
        Mediator config: a name or a path. Default: the scenario's own name, looked up
        first in a ``mediator/`` folder beside the scenario file's folder (the layout of
        a config folder given to ``negsim --config-dir``), then among the shipped ones.
    """
    given = name.endswith((".yaml", ".yml"))
    path = _config_file("scenario", name)
    beside = path if given else None
    return build_scenario(
        load_yaml(path),
        load_yaml(_config_file("game", game, beside)),
        load_yaml(_config_file("mediator", mediator or path.stem, beside)),
    )


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped under ``configs/scenario/``."""
    return sorted(p.stem for p in (config_dir() / "scenario").glob("*.yaml"))


def sourced_values(spec: Any, key: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """Check that every field of a config node (but ``sources`` and ``exclude``) has a
    ``sources`` entry citing known evidence; return those field names."""
    names = [f.name for f in fields(spec) if f.name not in exclude + ("sources",)]
    extra = set(spec.sources) - set(names)
    if extra:
        raise ConfigError(f"{key}.sources: unknown parameter {sorted(extra)[0]!r}")
    for k in names:
        if k not in spec.sources:
            raise ConfigError(f"{key}.sources.{k}: missing source for {key}.{k}")
        check_sources(f"{key}.sources.{k}.source", spec.sources[k].source)
    return names


#: Rollout config keys that are run sizes, not model parameters (need no source).
ROLLOUT_SIZES = ("runs", "days", "chunk_runs")


def build_rollout(node: Any):
    """Validate a rollout config node: (CeasefireParams, effort_unverified, breakdown_level, sizes).

    Every model parameter must have a ``sources`` entry citing known evidence; sizes must
    be positive (``runs`` may be 0 to skip the rollout).
    """
    from negsim.model.rollout import CeasefireParams

    spec: RolloutSpec = parse(RolloutSpec, node, "rollout")
    model_keys = sourced_values(spec, "rollout", exclude=ROLLOUT_SIZES)
    if spec.runs < 0 or spec.days < 1 or spec.chunk_runs < 1:
        raise ConfigError(
            f"rollout.runs/days/chunk_runs: expected runs >= 0, days >= 1, chunk_runs >= 1, "
            f"got {spec.runs}, {spec.days}, {spec.chunk_runs}"
        )
    if not 0.0 <= spec.effort_unverified <= 1.0:
        raise ConfigError(f"rollout.effort_unverified: expected a fraction in [0, 1], got {spec.effort_unverified}")
    if not 1 <= spec.breakdown_level <= 4:
        raise ConfigError(f"rollout.breakdown_level: expected a ladder level 1-4, got {spec.breakdown_level}")
    names = [k for k in model_keys if k not in ("effort_unverified", "breakdown_level")]
    values = {k: getattr(spec, k) for k in names}
    values["incident"] = tuple(float(v) for v in values["incident"])
    values["deaths_per_day"] = tuple(float(v) for v in values["deaths_per_day"])
    params = CeasefireParams(**values)
    sizes = {k: int(getattr(spec, k)) for k in ROLLOUT_SIZES}
    return params, float(spec.effort_unverified), int(spec.breakdown_level), sizes
