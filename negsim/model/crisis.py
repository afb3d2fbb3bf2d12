"""The crisis game: a talks round played out in sequence, with private resolve (DESIGN.md, game 2).

The tree (fixed here; ``docs/crisis.md`` tells it in words). Nature draws Pakistan's type,
then Kabul's (resolved or irresolute; each side knows only its own). Pakistan demands a
written guarantee or settles at the outset for a lesser demand (the verbal pledge with
phased confidence-building that Kabul already offers, AF2, MD4); Kabul accepts or
refuses, seeing the demand but not Pakistan's type; after a refused written demand
Pakistan strikes or backs down, not knowing Kabul's type; after a strike Kabul retaliates
or absorbs, not knowing Pakistan's. A refused lesser demand ends the round.

Mechanisms, each a number of ``configs/game/crisis.yaml`` with its evidence:

* *Private resolve* (Fearon 1994, "Domestic political audiences and the escalation of
  international disputes"; Schultz 1999): what a side keeps private is what fighting costs
  it. Types differ by a *weight shift*, an additive change of the scenario's feature
  weights (payoff units per feature unit).
* *Audience costs that grow as the crisis goes on* (Fearon 1994): settling for the lesser
  terms at the outset costs Pakistan the concession its leaf codes (feature
  ``pak_concession``); backing down after its public written demand has been refused
  costs the concession coded at that leaf *plus* ``audience_cost`` units of the same
  feature, priced by the same (type-shifted) weight. :func:`build_crisis_spec` refuses a
  config in which backing down would not cost more than settling at the outset.
* Leaves are coded in the features of ``configs/game/talks.yaml``, in the same units, so a
  leaf's payoffs under types ``(t_PAK, t_AFG)`` are ``(w_PAK + shift[t_PAK]) . f`` and
  ``(w_AFG + shift[t_AFG]) . f`` (``w`` the scenario's weights), plus Pakistan's audience
  cost at the back-down leaf. The mediator's transfers are not part of this game.

Solution concept: the logit *agent quantal response equilibrium* (AQRE; McKelvey & Palfrey
1998, "Quantal response equilibria for extensive form games", Experimental Economics 1:
9-41). Every information set is an agent of its player who takes action ``a`` with
probability proportional to ``exp(lam * v(a) / R_p)``: ``v(a)`` is the expected payoff of
``a`` given Bayes beliefs over the set's nodes and everybody's continuation play (beliefs
are always defined: every action has positive probability), and ``R_p`` is the range of
player ``p``'s payoffs over the leaves, so the precision ``lam`` is dimensionless and the
prediction does not depend on either player's payoff unit. At ``lam = 0`` play is uniform;
as ``lam`` grows the AQRE approaches a sequential equilibrium. :func:`agent_qre` follows
the principal branch: ``lam`` rises from 0 in small steps, and each fixed point is solved by
Newton's method from an extrapolation of the last two (damped iteration if that fails).
It agrees with Gambit's behaviour-strategy logit QRE (``pygambit.qre.logit_solve_lambda``)
on the game with each player's payoffs divided by ``R_p``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.games.extensive import (
    Chance,
    Decision,
    ExtensiveGame,
    Terminal,
)
from negsim.io.configs import config_dir, load_yaml
from negsim.model.evidence import check_sources
from negsim.model.scenario import Scenario
from negsim.model.schema import SourcedValue, finite, parse
from negsim.solvers.agent_qre import AgentQRE, agent_qre, agent_qre_path

#: Pakistan's first move, Kabul's answer, Pakistan's move after a refusal, Kabul's reply to a strike.
DEMAND = ("written", "lesser")
ANSWER = ("accept", "refuse")
COERCE = ("strike", "back_down")
RESPOND = ("retaliate", "absorb")
#: The leaves every crisis config must code.
OUTCOMES = ("accept_written", "back_down", "absorb", "confrontation", "accept_lesser", "refuse_lesser")
#: The actions that lead to each leaf (the same for every pair of types).
PATHS: dict[str, tuple[str, ...]] = {
    "accept_written": ("written", "accept"),
    "back_down": ("written", "refuse", "back_down"),
    "absorb": ("written", "refuse", "strike", "absorb"),
    "confrontation": ("written", "refuse", "strike", "retaliate"),
    "accept_lesser": ("lesser", "accept"),
    "refuse_lesser": ("lesser", "refuse"),
}
#: Leaves where Pakistan settles at the outset (no public demand refused yet).
OUTSET = ("accept_lesser", "refuse_lesser")
#: Leaves after a strike.
STRUCK = ("absorb", "confrontation")
#: The feature that prices Pakistan's concessions, and so its audience cost.
CONCESSION = "pak_concession"
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
class RangedValue:
    """A number with its evidence and the range it is judged to lie in (``[low, high]``)."""

    value: float
    range: list[float]
    source: list[str]
    note: str = ""


@dataclass
class RecordSpec:
    """What happened in one round: the leaf its recorded path ends in."""

    leaf: str
    source: list[str]
    note: str = ""


@dataclass
class CrisisConfig:
    """The shape of ``configs/game/crisis.yaml``."""

    name: str
    title: str
    players: list[str]
    types: dict[str, dict[str, TypeSpec]]
    outcomes: dict[str, LeafSpec]
    audience_cost: RangedValue
    precision: RangedValue
    record: dict[str, RecordSpec] = field(default_factory=dict)


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
        Each leaf's description (distinct) and evidence.
    prior_sources, shift_sources : tuple of tuple of ...
        Evidence behind each prior and each weight shift.
    audience_cost : float
        Pakistan's extra cost of backing down after a refused written demand, in units of
        the ``pak_concession`` feature (so in payoff units it is this times the type's
        ``pak_concession`` weight), >= 0.
    audience_range : tuple of float
        ``(low, high)`` of the audience cost.
    precision : float
        AQRE precision ``lam``, per unit of each player's payoff range over the leaves.
    precision_range : tuple of float
        ``(low, high)`` of the precision.
    record : dict of str to str
        Scenario name -> the leaf its recorded path ends in.
    model_sources : dict of str to tuple of str
        Evidence of ``audience_cost``, ``precision`` and ``record.<scenario>``.
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
    audience_cost: float
    audience_range: tuple[float, float]
    precision: float
    precision_range: tuple[float, float]
    record: dict[str, str]
    model_sources: dict[str, tuple[str, ...]]


def _ranged(key: str, spec: RangedValue, *, what: str) -> tuple[float, tuple[float, float], tuple[str, ...]]:
    """A ranged, sourced number >= 0: its value, ``(low, high)`` and sources, or a ConfigError naming ``key``."""
    value = finite(f"{key}.value", spec.value)
    if len(spec.range) != 2:
        raise ConfigError(f"{key}.range: expected [low, high], got {list(spec.range)}")
    low, high = (finite(f"{key}.range", v) for v in spec.range)
    if not 0.0 <= low <= value <= high:
        raise ConfigError(f"{key}: expected 0 <= low <= value <= high for {what}, got value {value} and range {[low, high]}")
    return value, (low, high), check_sources(f"{key}.source", spec.source)


def _check_audience_order(outcomes: dict[str, dict[str, float]], audience: float, key: str) -> None:
    """Backing down after a refusal must cost Pakistan more than settling at the outset (Fearon 1994)."""
    if any(CONCESSION not in outcomes[leaf] for leaf in ("back_down", *OUTSET)):
        return  # the missing feature is reported against the scenario by crisis_game
    after = outcomes["back_down"][CONCESSION] + audience
    outset = max(outcomes[leaf][CONCESSION] for leaf in OUTSET)
    if not after > outset:
        raise ConfigError(
            f"{key}: backing down after a refusal must cost Pakistan more than settling at the outset "
            f"(Fearon 1994), got {CONCESSION} {after:g} after a refusal and {outset:g} at the outset"
        )


def build_crisis_spec(node: Any) -> CrisisSpec:
    """Validate a crisis config node (a mapping) into a :class:`CrisisSpec`.

    Raises
    ------
    ConfigError
        On the first invalid key, naming it: unknown or missing players, types, leaves or
        recorded leaves, priors outside [0, 1] or not summing to one, duplicate leaf
        labels, a precision or audience cost outside its range or negative, an audience
        cost that does not make backing down dearer than settling at the outset, missing
        or unknown sources.
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
        if labels[leaf] in list(labels.values())[:-1]:
            raise ConfigError(f"{key}.label: {labels[leaf]!r} is the label of another leaf; labels must be distinct")
        sources[leaf] = check_sources(f"{key}.source", leaf_spec.source)
    audience, audience_range, audience_src = _ranged("crisis.audience_cost", cfg.audience_cost, what="an audience cost")
    _check_audience_order(outcomes, audience, "crisis.audience_cost.value")
    lam, lam_range, lam_src = _ranged("crisis.precision", cfg.precision, what="a precision")
    record, model_sources = {}, {"audience_cost": audience_src, "precision": lam_src}
    for scenario, rec in cfg.record.items():
        key = f"crisis.record.{scenario}"
        if rec.leaf not in OUTCOMES:
            raise ConfigError(f"{key}.leaf: unknown leaf {rec.leaf!r}; expected one of {list(OUTCOMES)}")
        record[str(scenario)] = rec.leaf
        model_sources[f"record.{scenario}"] = check_sources(f"{key}.source", rec.source)
    for arr in priors:
        arr.setflags(write=False)
    return CrisisSpec(
        name=str(cfg.name), title=str(cfg.title), players=(players[0], players[1]),
        types=(types[0], types[1]), priors=(priors[0], priors[1]), shifts=tuple(shifts),
        outcomes=outcomes, labels=labels, sources=sources,
        prior_sources=tuple(prior_src), shift_sources=tuple(shift_src),
        audience_cost=audience, audience_range=audience_range, precision=lam, precision_range=lam_range,
        record=record, model_sources=model_sources,
    )


def load_crisis_spec(name: str = "crisis") -> CrisisSpec:
    """Load and validate ``configs/game/<name>.yaml`` (or a path to a YAML file)."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else config_dir() / "game" / f"{name}.yaml"
    return build_crisis_spec(load_yaml(path))


def with_audience_cost(spec: CrisisSpec, audience_cost: float) -> CrisisSpec:
    """The same spec with another audience cost (checked like the config's, key ``audience_cost``)."""
    value = finite("audience_cost", audience_cost)
    if value < 0:
        raise ConfigError(f"audience_cost: expected a cost >= 0, got {value}")
    _check_audience_order(spec.outcomes, value, "audience_cost")
    return replace(spec, audience_cost=value)


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


def _concession_weights(scenario: Scenario, spec: CrisisSpec, shift: np.ndarray) -> np.ndarray:
    """Pakistan's ``pak_concession`` weight by type, shape (types,), payoff units; all must be < 0."""
    k = scenario.feature_names.index(CONCESSION)
    w = scenario.weights[0, k] + shift[:, k]
    for t, wt in zip(spec.types[0], w, strict=True):
        if not wt < 0:
            raise ConfigError(
                f"crisis.audience_cost: needs Pakistan's {CONCESSION} weight < 0 for every type, got {wt:g} "
                f"for type {t!r} in scenario {scenario.name}"
            )
    return w


def crisis_game(scenario: Scenario, spec: CrisisSpec) -> ExtensiveGame:
    """The crisis game of a scenario: its weights, the config's types, leaves and audience cost.

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
        evidence (the leaf's coding, plus the sources of the type shifts that apply, plus
        those of the audience cost at the back-down leaf). Payoffs are weights times
        features; at the back-down leaf Pakistan's also carries ``audience_cost`` times its
        type's ``pak_concession`` weight.

    Raises
    ------
    ConfigError
        If the players differ from the scenario's, a leaf or a shift names features the
        scenario does not have, or some Pakistani type does not dislike conceding.
    """
    if spec.players != scenario.players:
        raise ConfigError(
            f"crisis.players: {list(spec.players)} do not match the scenario's players {list(scenario.players)}"
        )
    if CONCESSION not in scenario.feature_names:
        raise ConfigError(f"crisis.audience_cost: the scenario has no feature {CONCESSION!r} to price it")
    pak, afg = spec.players
    feats = _features(scenario, spec)
    shift = [_shift_matrix(scenario, spec, p) for p in (0, 1)]
    concession = _concession_weights(scenario, spec, shift[0])
    audience_src = set(spec.model_sources.get("audience_cost", ()))

    def leaf(name: str, i: int, j: int) -> Terminal:
        W = scenario.weights + np.stack([shift[0][i], shift[1][j]])
        extra = {s for p, k in ((0, i), (1, j)) for src in spec.shift_sources[p][k].values() for s in src}
        payoffs = W @ feats[name]
        if name == "back_down":
            payoffs = payoffs + np.array([spec.audience_cost * concession[i], 0.0])
            extra |= audience_src
        return Terminal(payoffs, label=spec.labels[name], features=feats[name],
                        sources=tuple(sorted(set(spec.sources[name]) | extra)))

    def kabul_struck(i: int, j: int, tA: str) -> Decision:
        return Decision(1, infoset_key(afg, tA, "struck"), RESPOND,
                        (leaf("confrontation", i, j), leaf("absorb", i, j)))

    def afg_type(i: int, tP: str) -> Chance:
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
        comment=(f"payoffs: weights of scenario {scenario.name} plus type shifts of {spec.name}; "
                 f"audience cost {spec.audience_cost:g} x {CONCESSION} weight at the back-down leaf"),
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


# --------------------------------------------------------------------------- predictions


@dataclass(frozen=True, eq=False)
class CrisisPrediction:
    """The crisis game of one scenario and its agent QRE.

    Attributes
    ----------
    game : ExtensiveGame
    qre : AgentQRE
    recorded_leaf : str or None
        The leaf of :data:`OUTCOMES` the round's recorded path ends in (``None`` if the
        config records none for this scenario).
    recorded_probability : float
        Probability of that path (summed over the types); NaN without a record.
    strike_probability : float
        Probability that Pakistan strikes.
    expected_escalation : float
        Expected escalation level, ladder 0-4.
    """

    game: ExtensiveGame
    qre: AgentQRE
    recorded_leaf: str | None
    recorded_probability: float
    strike_probability: float
    expected_escalation: float


def leaf_probability(spec: CrisisSpec, outcomes: dict[str, float], leaf: str) -> float:
    """Probability of leaf ``leaf`` (a key of :data:`OUTCOMES`) in an outcome distribution."""
    return float(outcomes.get(spec.labels[leaf], 0.0))


def predict(scenario: Scenario, spec: CrisisSpec, *, lam: float | None = None,
            audience_cost: float | None = None) -> CrisisPrediction:
    """The scenario's crisis game solved by agent QRE (at ``spec.precision`` unless ``lam`` is given).

    ``audience_cost`` replaces the config's (see :func:`with_audience_cost`).
    """
    if audience_cost is not None:
        spec = with_audience_cost(spec, audience_cost)
    game = crisis_game(scenario, spec)
    qre = agent_qre(game, spec.precision if lam is None else lam)
    leaf = spec.record.get(scenario.name)
    recorded = math.nan if leaf is None else leaf_probability(spec, qre.outcomes, leaf)
    strike = math.fsum(leaf_probability(spec, qre.outcomes, s) for s in STRUCK)
    return CrisisPrediction(game, qre, leaf, recorded, strike, expected_escalation(game, qre.outcomes))


def record_robustness(scenario: Scenario, spec: CrisisSpec, *, lams=None, audience_costs=None) -> dict[str, list]:
    """Probability of the round's recorded path across the precision and the audience cost.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a recorded path in ``spec.record``.
    spec : CrisisSpec
    lams : sequence of float, optional
        Precisions to try at the config's audience cost (default: 7 points across
        ``spec.precision_range`` and the baseline).
    audience_costs : sequence of float, optional
        Audience costs to try at the config's precision (default: 5 points across
        ``spec.audience_range`` and the baseline).

    Returns
    -------
    dict
        ``{"precision": [[lam, p], ...], "audience_cost": [[a, p], ...]}``, ``p`` the
        probability of the recorded path.

    Raises
    ------
    ConfigError
        If the config records no path for the scenario.
    """
    leaf = spec.record.get(scenario.name)
    if leaf is None:
        raise ConfigError(f"crisis.record: no recorded path for scenario {scenario.name!r}")
    if lams is None:
        lams = np.unique(np.r_[np.linspace(*spec.precision_range, 7), spec.precision])
    if audience_costs is None:
        audience_costs = np.unique(np.r_[np.linspace(*spec.audience_range, 5), spec.audience_cost])
    game = crisis_game(scenario, spec)
    by_lam = [[float(q.lam), leaf_probability(spec, q.outcomes, leaf)] for q in agent_qre_path(game, lams)]
    by_cost = [[float(a), predict(scenario, spec, audience_cost=float(a)).recorded_probability] for a in audience_costs]
    return {"precision": by_lam, "audience_cost": by_cost}
