"""Scenarios from evidence: load, validate and freeze the talks game's inputs.

A scenario is three config nodes (see :mod:`negsim.model.schema`): the *game* (players,
actions, and the outcome of every action pair: its features, the provisions it puts in
force, the kind of deal it is and who is blamed if it is none), the *scenario* proper
(each actor's weight on each feature, and the round's discount in the ceasefire game)
and the *mediator* (transfers tied to what they pay for, a penalty on the side blamed,
the verification and de-confliction on offer). :func:`build_scenario` checks them in one
place: every number names known evidence, every label is consistent, every
probability-like number lies in [0, 1]; the first problem raises a
:class:`~negsim.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.io.configs import config_dir, load_yaml
from negsim.model.evidence import check_sources
from negsim.model.priors import VALID_RANGES, VALID_RANGES_ROLLOUT, Prior, prior_from_spec
from negsim.model.schema import GameSpec, MediatorSpec, RolloutSpec, ScenarioSpec, SourcedValue, finite, parse

#: Mediator knobs that are fractions in [0, 1] (of what is on offer).
FRACTION_KNOBS = ("verification", "deconfliction")
#: Mediator knobs in payoff units, which must be >= 0.
PAYOFF_KNOBS = ("transfer_written", "transfer_pledge", "transfer_compliance", "penalty_breakdown")
MEDIATOR_KNOBS = PAYOFF_KNOBS + FRACTION_KNOBS
#: Kinds of deal an outcome can be; each deal kind has its own transfer.
DEAL_KINDS = ("written", "pledge")
#: Features the model reads by name: the commitment and its sovereignty cost (payoffs),
#: the starting level and the crossings (ceasefire).
REQUIRED_FEATURES = ("guarantee", "sovereignty", "escalation", "border_open")
#: Provisions an outcome can put in force, each the channel of one mediator knob.
PROVISIONS = ("verification", "channel", "compliance")


@dataclass(frozen=True)
class Mediator:
    """Mediator leverage (Qatar, Turkiye): one point in the leverage space.

    Attributes
    ----------
    transfer_written : float
        Payoff units paid, on a written guarantee, to the side whose concession it is.
    transfer_pledge : float
        Payoff units paid, on a pledge with confidence-building measures, likewise.
    transfer_compliance : float
        Daily payoff units (ceasefire game) paid to Kabul for each day it holds, where the
        outcome provides compliance payments.
    penalty_breakdown : float
        Payoff units taken, when a round fails, from the sides blamed (by blame share).
    verification : float
        Quality of the verification mechanism on offer, in [0, 1].
    deconfliction : float
        Strength of the de-confliction channel on offer, in [0, 1].
    """

    transfer_written: float
    transfer_pledge: float
    transfer_compliance: float
    penalty_breakdown: float
    verification: float
    deconfliction: float


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated negotiation round, ready to build payoff matrices.

    Shapes: ``m`` row (PAK) actions, ``n`` column (AFG) actions, ``K`` features, ``V``
    provisions (:data:`PROVISIONS`).

    Attributes
    ----------
    features : numpy.ndarray, shape (m, n, K)
        Outcome features of each action pair, in the units of ``feature_units``.
    weights : numpy.ndarray, shape (2, K)
        Each player's payoff per unit of each feature (payoff units).
    provisions : numpy.ndarray, shape (m, n, V)
        Share of each provision the outcome puts in force, in [0, 1].
    deal_kind : tuple of tuple of str, shape (m, n)
        ``written``, ``pledge`` or ``none``.
    deal : numpy.ndarray of bool, shape (m, n)
        Cells that end in a deal of any kind.
    blame : numpy.ndarray, shape (2, m, n)
        Each player's share of the blame for a failed round (0 in deal cells).
    transfer_to : dict of str to int
        The player (0 PAK, 1 AFG) who receives each deal kind's transfer.
    unverified_share, sovereignty_effect : float
        The mechanism: share of a commitment's effect delivered without verification, in
        [0, 1]; sovereignty cost added per unit of verification in force (signed).
    precision : float
        Logit QRE precision per unit of each player's payoff range at zero leverage.
    ceasefire_discount : float
        Daily discount factor of the ceasefire game after this round, in (0, 1).
    model_sources : dict of str to tuple of str
        Evidence of ``unverified_share``, ``sovereignty_effect``, ``precision``,
        ``ceasefire_discount`` and of each deal kind's recipient.
    priors : dict of str to Prior
        The priors stated in the configs, by parameter (``weights.PAK.escalation``,
        ``precision``, ``ceasefire_discount``, ``mechanism.unverified_share``,
        ``mechanism.sovereignty_effect``); see :mod:`negsim.studies.uncertainty` for the
        defaults of the others.
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
    provisions: np.ndarray
    deal_kind: tuple[tuple[str, ...], ...]
    deal: np.ndarray
    blame: np.ndarray
    transfer_to: dict[str, int]
    unverified_share: float
    sovereignty_effect: float
    precision: float
    ceasefire_discount: float
    outcome_labels: tuple[tuple[str, ...], ...]
    outcome_sources: tuple[tuple[tuple[str, ...], ...], ...]
    weight_sources: tuple[tuple[tuple[str, ...], ...], ...]
    weight_notes: tuple[tuple[str, ...], ...]
    mediator: Mediator
    mediator_sources: dict[str, tuple[str, ...]]
    model_sources: dict[str, tuple[str, ...]]
    evidence: tuple[str, ...]
    priors: dict[str, Prior] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for name in ("features", "weights", "provisions", "deal", "blame"):
            getattr(self, name).setflags(write=False)

    @property
    def shape(self) -> tuple[int, int]:
        """Numbers of actions ``(m, n)`` of the row and the column player."""
        m, n = self.features.shape[:2]
        return m, n

    def feature(self, name: str) -> np.ndarray:
        """One feature of every outcome, shape (m, n)."""
        return self.features[:, :, self.feature_names.index(name)]

    def provision(self, name: str) -> np.ndarray:
        """Share of one provision in force in every outcome, shape (m, n)."""
        return self.provisions[:, :, PROVISIONS.index(name)]

    def cell(self, row: str, col: str) -> tuple[int, int]:
        """Indices of the outcome of an action pair, or a ConfigError naming ``after``."""
        rows, cols = self.actions
        if row not in rows or col not in cols:
            raise ConfigError(
                f"after: unknown outcome {row}/{col}; expected ROW/COL with ROW one of {list(rows)} "
                f"and COL one of {list(cols)}"
            )
        return rows.index(row), cols.index(col)


def _fraction(key: str, value: float) -> float:
    v = finite(key, value)
    if not 0.0 <= v <= 1.0:
        raise ConfigError(f"{key}: expected a fraction in [0, 1], got {v}")
    return v


def _shares(key: str, given: dict[str, float], names: tuple[str, ...], what: str) -> list[float]:
    """Values of a mapping keyed by ``names`` (missing: 0), each a fraction, unknown keys refused."""
    extra = set(given) - set(names)
    if extra:
        raise ConfigError(f"{key}: unknown {what} {sorted(extra)[0]!r}; expected one of {list(names)}")
    return [_fraction(f"{key}.{k}", given.get(k, 0.0)) for k in names]


def _game_arrays(game: GameSpec, players: tuple[str, str]):
    """Outcome features, provisions, deal kinds, blame, labels and sources of the game, validated."""
    rows = tuple(game.actions[players[0]])
    cols = tuple(game.actions[players[1]])
    names = tuple(game.features.keys())
    m, n, K = len(rows), len(cols), len(names)
    if m < 1 or n < 1:
        raise ConfigError(f"game.actions: each player needs at least one action, got {m}x{n}")
    for p, given in zip(players, (rows, cols), strict=True):
        if len(set(given)) != len(given):
            raise ConfigError(f"game.actions.{p}: duplicate action labels {list(given)}")
    for f in REQUIRED_FEATURES:
        if f not in names:
            raise ConfigError(f"game.features: the model needs an outcome feature named {f!r}")
    if tuple(game.provisions) != PROVISIONS:
        raise ConfigError(f"game.provisions: expected exactly {list(PROVISIONS)}, got {list(game.provisions)}")
    features = np.full((m, n, K), np.nan)
    provisions = np.zeros((m, n, len(PROVISIONS)))
    kinds = [[""] * n for _ in range(m)]
    blame = np.zeros((2, m, n))
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
        provisions[i, j] = _shares(f"{key}.provisions", out.provisions, PROVISIONS, "provision")
        if out.deal not in DEAL_KINDS + ("none",):
            raise ConfigError(f"{key}.deal: expected one of {list(DEAL_KINDS + ('none',))}, got {out.deal!r}")
        kinds[i][j] = out.deal
        blame[:, i, j] = _shares(f"{key}.blame", out.blame, players, "player")
        if out.deal != "none" and blame[:, i, j].any():
            raise ConfigError(f"{key}.blame: a deal ({out.deal}) has no one to blame; give blame only where deal is none")
        if blame[:, i, j].sum() > 1.0 + 1e-12:
            raise ConfigError(f"{key}.blame: shares must add up to at most 1, got {blame[:, i, j].sum()}")
        labels[i][j] = out.label
        sources[i][j] = check_sources(f"{key}.source", out.source)
    empty = [(rows[i], cols[j]) for i in range(m) for j in range(n) if not labels[i][j]]
    if empty:
        raise ConfigError(f"game.outcomes: no outcome for action pair {empty[0]}; every pair needs one")
    return (rows, cols), names, features, provisions, kinds, blame, labels, sources


def _model_numbers(gm: GameSpec, sc: ScenarioSpec, players: tuple[str, str], priors: dict):
    """The mechanism, the transfer recipients, the precision and the round's discount, checked."""
    def sourced(key: str, entry: SourcedValue) -> float:
        srcs[key.rsplit(".", 1)[-1]] = check_sources(f"{key}.source", entry.source)
        return finite(f"{key}.value", entry.value)

    srcs: dict[str, tuple[str, ...]] = {}
    u = sourced("game.mechanism.unverified_share", gm.mechanism.unverified_share)
    if not 0.0 <= u <= 1.0:
        raise ConfigError(f"game.mechanism.unverified_share.value: expected a fraction in [0, 1], got {u}")
    sov = sourced("game.mechanism.sovereignty_effect", gm.mechanism.sovereignty_effect)
    lam = sourced("game.precision", gm.precision)
    if lam < 0:
        raise ConfigError(f"game.precision.value: expected a precision >= 0, got {lam}")
    delta = sourced("scenario.ceasefire_discount", sc.ceasefire_discount)
    if not 0.0 < delta < 1.0:
        raise ConfigError(f"scenario.ceasefire_discount.value: expected a daily discount factor in (0, 1), got {delta}")
    for name, key, entry, value in (
        ("mechanism.unverified_share", "game.mechanism.unverified_share", gm.mechanism.unverified_share, u),
        ("mechanism.sovereignty_effect", "game.mechanism.sovereignty_effect", gm.mechanism.sovereignty_effect, sov),
        ("precision", "game.precision", gm.precision, lam),
        ("ceasefire_discount", "scenario.ceasefire_discount", sc.ceasefire_discount, delta),
    ):
        if entry.prior is not None:
            priors[name] = prior_from_spec(entry.prior, key, value, VALID_RANGES[name])
    if set(gm.transfers) != set(DEAL_KINDS):
        raise ConfigError(f"game.transfers: expected a recipient for each of {list(DEAL_KINDS)}, got {sorted(gm.transfers)}")
    to = {}
    for kind, player in gm.transfers.items():
        if player not in players:
            raise ConfigError(f"game.transfers.{kind}: unknown player {player!r}; expected one of {list(players)}")
        to[kind] = players.index(player)
        if kind not in gm.transfer_sources:
            raise ConfigError(f"game.transfer_sources.{kind}: missing source for game.transfers.{kind}")
        srcs[f"transfer_{kind}"] = check_sources(f"game.transfer_sources.{kind}.source", gm.transfer_sources[kind].source)
    return u, sov, lam, delta, to, srcs


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
    actions, names, features, provisions, kinds, blame, labels, out_sources = _game_arrays(gm, players)
    weights = np.zeros((2, len(names)))
    w_sources, w_notes = [], []
    priors: dict[str, Prior] = {}
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
            if given[f].prior is not None:
                priors[f"weights.{p}.{f}"] = prior_from_spec(given[f].prior, key, weights[p_idx, k], (-math.inf, math.inf))
            notes.append(str(given[f].note))
        w_sources.append(tuple(srcs))
        w_notes.append(tuple(notes))
    extra = set(sc.weights) - set(players)
    if extra:
        raise ConfigError(f"scenario.weights: unknown player {sorted(extra)[0]!r}; expected {list(players)}")
    u, sov, lam, delta, transfer_to, model_sources = _model_numbers(gm, sc, players, priors)
    med, med_sources = _mediator(md)
    return Scenario(
        name=sc.name, title=sc.title, dates=sc.dates, summary=sc.summary,
        players=players, actions=actions, feature_names=names,
        feature_units=tuple(gm.features[f].unit for f in names),
        features=features, weights=weights, provisions=provisions,
        deal_kind=tuple(tuple(r) for r in kinds),
        deal=np.array([[k != "none" for k in r] for r in kinds]),
        blame=blame, transfer_to=transfer_to, unverified_share=u, sovereignty_effect=sov,
        precision=lam, ceasefire_discount=delta,
        outcome_labels=tuple(tuple(r) for r in labels),
        outcome_sources=tuple(tuple(r) for r in out_sources),
        weight_sources=tuple(w_sources), weight_notes=tuple(w_notes),
        mediator=med, mediator_sources=med_sources, model_sources=model_sources,
        evidence=check_sources("scenario.evidence", sc.evidence),
        priors=priors,
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
#: Rollout config keys that say how much to compute and how, not model parameters.
ROLLOUT_SETTINGS = (*ROLLOUT_SIZES, "method")


def build_rollout(node: Any):
    """Validate a rollout config node into a :class:`negsim.model.rollout.RolloutSetup`.

    Every model parameter must have a ``sources`` entry citing known evidence; sizes must
    be positive (``runs`` may be 0 to skip the rollout); the stage payoffs must make a
    prisoner's dilemma (``T > R > P > S``, ``2R > T + S``); ``punishment_days >= 0``;
    ``method`` one of :data:`negsim.model.rollout.CEASEFIRE_METHODS`.
    """
    import re

    from negsim.games.repeated import StageGame
    from negsim.model.rollout import CEASEFIRE_METHODS, CeasefireParams, RolloutSetup

    spec: RolloutSpec = parse(RolloutSpec, node, "rollout")
    if spec.method not in CEASEFIRE_METHODS:
        raise ConfigError(f"rollout.method: expected {' or '.join(CEASEFIRE_METHODS)}, got {spec.method!r}")
    model_keys = sourced_values(spec, "rollout", exclude=ROLLOUT_SETTINGS)
    if spec.runs < 0 or spec.days < 1 or spec.chunk_runs < 1:
        raise ConfigError(
            f"rollout.runs/days/chunk_runs: expected runs >= 0, days >= 1, chunk_runs >= 1, "
            f"got {spec.runs}, {spec.days}, {spec.chunk_runs}"
        )
    if not 1 <= spec.breakdown_level <= 4:
        raise ConfigError(f"rollout.breakdown_level: expected a ladder level 1-4, got {spec.breakdown_level}")
    if spec.punishment_days < 0:
        raise ConfigError(f"rollout.punishment_days: expected a whole number of days >= 0, got {spec.punishment_days}")
    try:
        stage = StageGame(T=spec.stage_T, R=spec.stage_R, P=spec.stage_P, S=spec.stage_S)
    except ConfigError as err:  # StageGame names its keys ceasefire.T etc.
        raise ConfigError(re.sub(r"^ceasefire\.", "rollout.stage_", str(err))) from None
    not_params = ("breakdown_level", "punishment_days", "stage_T", "stage_R", "stage_P", "stage_S")
    values = {k: getattr(spec, k) for k in model_keys if k not in not_params}
    values["incident"] = tuple(float(v) for v in values["incident"])
    values["deaths_per_day"] = tuple(float(v) for v in values["deaths_per_day"])
    params = CeasefireParams(**values)  # values checked before their priors
    priors = {}
    for k in model_keys:
        given = spec.sources[k].prior
        if given is None:
            continue
        if k not in VALID_RANGES_ROLLOUT or not isinstance(getattr(spec, k), (int, float)):
            raise ConfigError(f"rollout.sources.{k}.prior: {k} takes no prior (a level, a size or a list)")
        priors[k] = prior_from_spec(given, f"rollout.{k}", float(getattr(spec, k)), VALID_RANGES_ROLLOUT[k])
    return RolloutSetup(
        params=params,
        breakdown_level=int(spec.breakdown_level),
        stage=stage,
        punishment_days=int(spec.punishment_days),
        sizes={k: int(getattr(spec, k)) for k in ROLLOUT_SIZES},
        priors=priors,
        method=spec.method,
    )
