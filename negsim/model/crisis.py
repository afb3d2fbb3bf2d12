"""The crisis game: a talks round played out in sequence, with private resolve (DESIGN.md, game 2).

Nature draws Pakistan's type, then Kabul's (resolved or irresolute; each side knows only
its own). Pakistan demands a written guarantee or settles for a lesser demand (the
verbal pledge with phased confidence-building that Kabul already offers, AF2, MD4);
Kabul accepts or refuses, seeing the demand but not Pakistan's type; after a refused
written demand Pakistan strikes or backs down, not knowing Kabul's type; after a strike
Kabul retaliates or absorbs, not knowing Pakistan's. A refused lesser demand ends the
round. This is the incomplete-information crisis bargaining of Fearon (1994, "Domestic
political audiences and the escalation of international disputes") and Schultz (1999):
types differ in their audience costs and in their cost of fighting.

The tree's shape is fixed here; its numbers live in ``configs/game/crisis.yaml``: type
priors, each type's *weight shift* (an additive change of the scenario's feature weights,
payoff units per feature unit), and the outcome of every leaf coded in the features of
``configs/game/talks.yaml``, in the same units. A leaf's payoffs under types
``(t_PAK, t_AFG)`` are ``(w_PAK + shift[t_PAK]) . f`` and ``(w_AFG + shift[t_AFG]) . f``,
with ``w`` the scenario's weights. The mediator's transfers are not part of this game.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.games.extensive import (
    Chance,
    Decision,
    ExtensiveGame,
    terminal_from_features,
)
from negsim.io.configs import config_dir, load_yaml
from negsim.model.evidence import check_sources
from negsim.model.scenario import Scenario
from negsim.model.schema import SourcedValue, finite, parse

#: Pakistan's first move, Kabul's answer, Pakistan's move after a refusal, Kabul's reply to a strike.
DEMAND = ("written", "lesser")
ANSWER = ("accept", "refuse")
COERCE = ("strike", "back_down")
RESPOND = ("retaliate", "absorb")
#: The leaves every crisis config must code.
OUTCOMES = ("accept_written", "back_down", "absorb", "confrontation", "accept_lesser", "refuse_lesser")
#: The decision stages, by player: information set keys are ``"<player> <type>: <stage>"``.
STAGES = (("demand", "written refused"), ("answer written", "answer lesser", "struck"))


# --------------------------------------------------------------------------- config schema


@dataclass
class TypeSpec:
    """A private type: its prior probability and how it shifts its player's weights."""

    prior: SourcedValue
    weight_shift: dict[str, SourcedValue] = field(default_factory=dict)
    description: str = ""


@dataclass
class LeafSpec:
    """One leaf of the crisis tree: what happens, coded in the talks game's features."""

    label: str
    features: dict[str, float]
    source: list[str]


@dataclass
class CrisisConfig:
    """The shape of ``configs/game/crisis.yaml``."""

    name: str
    title: str
    players: list[str]
    types: dict[str, dict[str, TypeSpec]]
    outcomes: dict[str, LeafSpec]


@dataclass(frozen=True, eq=False)
class CrisisSpec:
    """A validated crisis config.

    Attributes
    ----------
    players : tuple of str
        Pakistan's and Kabul's names (as in the scenario).
    types : tuple of tuple of str
        Each player's type names, in config order.
    priors : tuple of numpy.ndarray
        Prior probability of each type, per player (sums to one).
    shifts : tuple of tuple of dict of str to float
        ``shifts[p][k][feature]``: weight change of player ``p``'s type ``k``, payoff
        units per feature unit (features not named are unchanged).
    outcomes : dict of str to dict of str to float
        Features of each leaf of :data:`OUTCOMES`.
    labels, sources : dict of str to str, dict of str to tuple of str
        Each leaf's description and evidence.
    prior_sources, shift_sources : tuple of tuple of ...
        Evidence behind each prior and each weight shift.
    """

    name: str
    title: str
    players: tuple[str, str]
    types: tuple[tuple[str, ...], tuple[str, ...]]
    priors: tuple[np.ndarray, np.ndarray]
    shifts: tuple
    outcomes: dict[str, dict[str, float]]
    labels: dict[str, str]
    sources: dict[str, tuple[str, ...]]
    prior_sources: tuple
    shift_sources: tuple


def build_crisis_spec(node: Any) -> CrisisSpec:
    """Validate a crisis config node (a mapping) into a :class:`CrisisSpec`.

    Raises
    ------
    ConfigError
        On the first invalid key, naming it: unknown or missing players, types or
        leaves, priors outside [0, 1] or not summing to one, missing or unknown sources.
    """
    cfg: CrisisConfig = parse(CrisisConfig, node, "crisis")
    players = tuple(str(p) for p in cfg.players)
    if len(players) != 2:
        raise ConfigError(f"crisis.players: expected exactly 2 players, got {list(players)}")
    if set(cfg.types) != set(players):
        raise ConfigError(f"crisis.types: expected types for exactly {list(players)}, got {sorted(cfg.types)}")
    types, priors, shifts, prior_src, shift_src = [], [], [], [], []
    for p in players:
        names = tuple(cfg.types[p])
        if not names:
            raise ConfigError(f"crisis.types.{p}: needs at least one type")
        pr, sh, psrc, ssrc = [], [], [], []
        for t in names:
            key = f"crisis.types.{p}.{t}"
            spec = cfg.types[p][t]
            v = finite(f"{key}.prior.value", spec.prior.value)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"{key}.prior.value: expected a probability in [0, 1], got {v}")
            pr.append(v)
            psrc.append(check_sources(f"{key}.prior.source", spec.prior.source))
            sh.append({f: finite(f"{key}.weight_shift.{f}.value", s.value) for f, s in spec.weight_shift.items()})
            ssrc.append({
                f: check_sources(f"{key}.weight_shift.{f}.source", s.source) for f, s in spec.weight_shift.items()
            })
        if abs(sum(pr) - 1.0) > 1e-9:
            raise ConfigError(f"crisis.types.{p}: priors sum to {sum(pr):.12g}, expected 1")
        types.append(names)
        priors.append(np.array(pr))
        shifts.append(tuple(sh))
        prior_src.append(tuple(psrc))
        shift_src.append(tuple(ssrc))
    if set(cfg.outcomes) != set(OUTCOMES):
        missing = sorted(set(OUTCOMES) - set(cfg.outcomes))
        what = f"missing leaf {missing[0]!r}" if missing else f"unknown leaf {min(set(cfg.outcomes) - set(OUTCOMES))!r}"
        raise ConfigError(f"crisis.outcomes: {what}; expected exactly {list(OUTCOMES)}")
    outcomes, labels, sources = {}, {}, {}
    for leaf in OUTCOMES:
        key = f"crisis.outcomes.{leaf}"
        leaf_spec = cfg.outcomes[leaf]
        outcomes[leaf] = {f: finite(f"{key}.features.{f}", v) for f, v in leaf_spec.features.items()}
        labels[leaf] = str(leaf_spec.label)
        sources[leaf] = check_sources(f"{key}.source", leaf_spec.source)
    for arr in priors:
        arr.setflags(write=False)
    return CrisisSpec(
        name=str(cfg.name), title=str(cfg.title), players=(players[0], players[1]),
        types=(types[0], types[1]), priors=(priors[0], priors[1]), shifts=tuple(shifts),
        outcomes=outcomes, labels=labels, sources=sources,
        prior_sources=tuple(prior_src), shift_sources=tuple(shift_src),
    )


def load_crisis_spec(name: str = "crisis") -> CrisisSpec:
    """Load and validate ``configs/game/<name>.yaml`` (or a path to a YAML file)."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else config_dir() / "game" / f"{name}.yaml"
    return build_crisis_spec(load_yaml(path))


# --------------------------------------------------------------------------- the tree


def infoset_key(player: str, type_name: str, stage: str) -> str:
    """Key of the information set of ``player`` of type ``type_name`` at ``stage`` (see :data:`STAGES`)."""
    return f"{player} {type_name}: {stage}"


def _features(scenario: Scenario, spec: CrisisSpec) -> dict[str, np.ndarray]:
    """Each leaf's feature vector in the scenario's feature order, shape (K,)."""
    names = scenario.feature_names
    out = {}
    for leaf, feats in spec.outcomes.items():
        missing, extra = set(names) - set(feats), set(feats) - set(names)
        if missing or extra:
            what = f"missing feature {min(missing)!r}" if missing else f"unknown feature {min(extra)!r}"
            raise ConfigError(f"crisis.outcomes.{leaf}.features: {what}; expected exactly {list(names)}")
        out[leaf] = np.array([feats[f] for f in names])
    return out


def _shift_matrix(scenario: Scenario, spec: CrisisSpec, p: int) -> np.ndarray:
    """Weight shifts of player ``p``'s types, shape (types, K)."""
    names = scenario.feature_names
    rows = []
    for t, shift in zip(spec.types[p], spec.shifts[p], strict=True):
        unknown = set(shift) - set(names)
        if unknown:
            raise ConfigError(
                f"crisis.types.{spec.players[p]}.{t}.weight_shift: unknown feature "
                f"{min(unknown)!r}; expected one of {list(names)}"
            )
        rows.append([shift.get(f, 0.0) for f in names])
    return np.array(rows)


def crisis_game(scenario: Scenario, spec: CrisisSpec) -> ExtensiveGame:
    """The crisis game of a scenario: its weights, the config's types and leaves.

    Parameters
    ----------
    scenario : Scenario
        Supplies players, feature names (units of ``configs/game/talks.yaml``) and
        weights, shape (2, K).
    spec : CrisisSpec
        From :func:`load_crisis_spec`.

    Returns
    -------
    ExtensiveGame
        Terminals carry their features (``feature_names`` of the scenario), labels and
        evidence (the leaf's coding, plus the sources of the type shifts that apply).

    Raises
    ------
    ConfigError
        If the players differ from the scenario's, or a leaf or a shift names features
        the scenario does not have.
    """
    if spec.players != scenario.players:
        raise ConfigError(
            f"crisis.players: {list(spec.players)} do not match the scenario's players {list(scenario.players)}"
        )
    pak, afg = spec.players
    feats = _features(scenario, spec)
    shift = [_shift_matrix(scenario, spec, p) for p in (0, 1)]

    def leaf(name: str, i: int, j: int):
        W = scenario.weights + np.stack([shift[0][i], shift[1][j]])
        extra = {s for p, k in ((0, i), (1, j)) for src in spec.shift_sources[p][k].values() for s in src}
        return terminal_from_features(
            feats[name], W, label=spec.labels[name], sources=tuple(sorted(set(spec.sources[name]) | extra))
        )

    def kabul_struck(i: int, j: int, tA: str):
        return Decision(1, infoset_key(afg, tA, "struck"), RESPOND,
                        (leaf("confrontation", i, j), leaf("absorb", i, j)))

    def afg_type(i: int, tP: str):
        subtrees = []
        for j, tA in enumerate(spec.types[1]):
            refused = Decision(0, infoset_key(pak, tP, "written refused"), COERCE,
                               (kabul_struck(i, j, tA), leaf("back_down", i, j)))
            written = Decision(1, infoset_key(afg, tA, "answer written"), ANSWER,
                               (leaf("accept_written", i, j), refused))
            lesser = Decision(1, infoset_key(afg, tA, "answer lesser"), ANSWER,
                              (leaf("accept_lesser", i, j), leaf("refuse_lesser", i, j)))
            subtrees.append(Decision(0, infoset_key(pak, tP, "demand"), DEMAND, (written, lesser)))
        return Chance(tuple(f"{afg} {t}" for t in spec.types[1]), spec.priors[1], tuple(subtrees),
                      label=f"{afg} type, {pak} {tP}")

    root = Chance(
        tuple(f"{pak} {t}" for t in spec.types[0]), spec.priors[0],
        tuple(afg_type(i, tP) for i, tP in enumerate(spec.types[0])), label=f"{pak} type",
    )
    return ExtensiveGame(
        root, players=scenario.players, title=f"{spec.title}: {scenario.title} ({scenario.dates})",
        comment=f"payoffs: weights of scenario {scenario.name} plus type shifts of {spec.name}",
        feature_names=scenario.feature_names,
    )


def type_behavior(game: ExtensiveGame, behavior) -> dict[str, dict[str, float]]:
    """Which type does what: ``{infoset key: {action: probability}}`` for every stage and type."""
    out = {}
    for p in (0, 1):
        for info, b in zip(game.infosets[p], behavior[p], strict=True):
            out[info.key] = {a: float(pr) for a, pr in zip(info.actions, b, strict=True)}
    return out


def expected_escalation(game: ExtensiveGame, outcomes: dict[str, float]) -> float:
    """Expected escalation level (ladder 0-4) of an outcome distribution of the crisis game."""
    k = game.feature_names.index("escalation")
    level = {game.nodes[t].label: float(game.nodes[t].features[k]) for t in game.terminals}
    return math.fsum(pr * level[label] for label, pr in outcomes.items())
