"""Config schemas: the typed shape of every config node, as plain dataclasses.

These dataclasses only describe configs; :func:`parse` reads a plain mapping (parsed
YAML, or a composed config turned into a dict by the shell) into one of them, naming the
first unknown, missing or mistyped key, and :mod:`negsim.model.scenario` turns the result
into validated, frozen domain objects. A field without a default is mandatory. The
command-line shell registers the same classes in Hydra's ``ConfigStore``
(:mod:`negsim.app.schema`), so a typo fails at start-up there too; nothing here imports
Hydra or OmegaConf. Every number that comes from the record carries a ``source`` list of
evidence IDs.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import math
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from negsim.errors import ConfigError

T = TypeVar("T")



@dataclass
class PriorSpec:
    """A prior beside a value (:mod:`negsim.model.priors`): ``dist`` and its parameters."""

    dist: str
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    a: float | None = None
    b: float | None = None


@dataclass
class SourcedValue:
    """A number with the evidence behind it (IDs of POSITIONS.md or ``cite:`` entries)
    and, optionally, a prior on how far it could be from its value."""

    value: float
    source: list[str]
    note: str = ""
    prior: PriorSpec | None = None


@dataclass
class Sources:
    """The evidence behind a plain number elsewhere in the same config node (and its prior)."""

    source: list[str]
    note: str = ""
    prior: PriorSpec | None = None


@dataclass
class FeatureSpec:
    """An outcome feature: its unit and meaning."""

    unit: str
    description: str


@dataclass
class OutcomeSpec:
    """One cell of the talks game: the action pair, what happens, its features and provisions.

    ``deal`` names the kind of deal the cell is (``written``, ``pledge``) or ``none``;
    ``blame`` shares the blame for a failed round between the players (the mediator's
    penalty falls by these shares); ``provisions`` lists what the outcome puts in force.
    """

    row: str
    col: str
    label: str
    deal: str
    features: dict[str, float]
    provisions: dict[str, float]
    source: list[str]
    blame: dict[str, float] = field(default_factory=dict)


@dataclass
class MechanismSpec:
    """How a verification mechanism in force changes what a commitment is worth."""

    unverified_share: SourcedValue
    sovereignty_effect: SourcedValue


@dataclass
class GameSpec:
    """A two-player game whose outcomes are described by features and provisions (DESIGN.md)."""

    name: str
    title: str
    players: list[str]
    actions: dict[str, list[str]]
    features: dict[str, FeatureSpec]
    provisions: dict[str, FeatureSpec]
    mechanism: MechanismSpec
    transfers: dict[str, str]
    transfer_sources: dict[str, Sources]
    precision: SourcedValue
    outcomes: list[OutcomeSpec]


@dataclass
class MediatorSpec:
    """Mediator leverage: plain numbers (so sweeps can set them) plus their sources.

    Units: ``transfer_written``, ``transfer_pledge`` and ``penalty_breakdown`` in payoff
    units of the talks game; ``transfer_compliance`` in the ceasefire game's daily payoff
    units; ``verification`` and ``deconfliction`` are fractions in [0, 1] of what is on
    offer, in force only where an outcome's provisions put them in force.
    """

    name: str
    transfer_written: float
    transfer_pledge: float
    transfer_compliance: float
    penalty_breakdown: float
    verification: float
    deconfliction: float
    sources: dict[str, Sources]


@dataclass
class ScenarioSpec:
    """A negotiation round: what happened, and each actor's weights on outcome features."""

    name: str
    title: str
    dates: str
    summary: str
    evidence: list[str]
    ceasefire_discount: SourcedValue
    weights: dict[str, dict[str, SourcedValue]]


@dataclass
class SolverSpec:
    """Which solver finds the equilibria, and what predicts the round.

    ``selection``: ``qre`` (the logit QRE at precision ``lam``, default the game's stated
    ``precision``), or a rule that selects one Nash equilibrium as the prediction
    (``logit_limit``, ``welfare``; :mod:`negsim.solvers.selection`).
    """

    method: str = "enumerate"
    selection: str = "qre"
    tol: float = 1e-8
    lam: float | None = None


@dataclass
class RolloutSpec:
    """Ceasefire rollouts after the talks (see :mod:`negsim.model.rollout`).

    ``method``: ``monte_carlo`` (``runs`` runs from the seed) or ``exact`` (computed from
    the ladder's Markov chain, :mod:`negsim.model.chain`: no sampling, so neither the seed
    nor the number of runs counts); ``runs = 0`` skips the ceasefire either way.
    Probabilities are per day; ``sources`` must name the evidence of every model parameter. ``stage_T``, ``stage_R``, ``stage_P``, ``stage_S``
    are Kabul's daily stage payoffs of the repeated hold/violate game
    (:class:`negsim.games.repeated.StageGame`); ``punishment_days`` the length of a
    punishment phase (0: none).
    """

    breakdown_level: int
    attack_rate: float
    effort_cap: float
    major_share: float
    attribution: float
    false_alarm_verification: float
    detection_verification: float
    pak_retaliate: float
    afg_respond: float
    incident: list[float]
    incident_damping: float
    deescalate: float
    deconfliction_pull: float
    war_exit: float
    war_exit_level: int
    tension_shape: float
    tension_scale: float
    reopen: float
    deaths_per_day: list[float]
    trade_loss_per_day: float
    stage_T: float
    stage_R: float
    stage_P: float
    stage_S: float
    punishment_days: int
    sources: dict[str, Sources]
    runs: int = 10000
    days: int = 180
    chunk_runs: int = 65536
    method: str = "monte_carlo"


@dataclass
class ThresholdSpec:
    """The threshold experiment: per scenario, the leverage that flips the talks to a deal.

    ``knobs`` are the mediator knobs to search, each over ``[0, upper[knob]]``.
    """

    scenarios: list[str] = field(default_factory=lambda: ["doha_round", "istanbul_round2", "istanbul_round3"])
    knobs: list[str] = field(default_factory=lambda: ["transfer_pledge", "transfer_written"])
    upper: dict[str, float] = field(
        default_factory=lambda: {"transfer_written": 10.0, "transfer_pledge": 10.0, "penalty_breakdown": 10.0,
                                 "verification": 1.0}
    )
    grid: int = 41
    tol: float = 1e-6
    margin: float = 1e-3


@dataclass
class UncertaintySpec:
    """Parameter bands (:mod:`negsim.studies.uncertainty`): ``draws`` joint draws of the
    judgement calls from their priors (0: none), by ``sobol`` or ``lhs`` points, seeded by
    ``seed`` (default: the run's seed); ``width`` is the default prior's relative half-width.
    ``experiment=uncertainty`` also uses ``sobol_base`` (Saltelli base sample of the Sobol
    indices) and ``threshold_draws`` (draws whose leverage thresholds are found). ``use``:
    ``prior``, or ``posterior`` (the draws weighted by the record's likelihood,
    :mod:`negsim.studies.calibration`)."""

    draws: int = 0
    method: str = "sobol"
    width: float = 0.25
    seed: int | None = None
    sobol_base: int = 32
    threshold_draws: int = 64
    use: str = "prior"


@dataclass
class SensitivitySpec:
    """The sensitivity experiment: one-at-a-time relative step of every judgement call."""

    step: float = 0.25


@dataclass
class CeasefireGameSpec:
    """The repeated hold/violate game: daily stage payoffs, discount, punishment length.

    A value left out (None) is the one the ceasefire uses: the rollout's stage payoffs and
    punishment, the round's ``ceasefire_discount``, with their sources.
    """

    T: float | None = None
    R: float | None = None
    P: float | None = None
    S: float | None = None
    delta: float | None = None
    punishment_days: int | None = None
    sources: dict[str, Sources] = field(default_factory=dict)


@dataclass
class BargainingSpec:
    """Bargaining over a unit pie: discounts, breakdown risk, power, war terms."""

    pak_discount: float
    afg_discount: float
    breakdown: float
    pak_power: float
    pak_disagreement: float
    afg_disagreement: float
    pak_win: float
    pak_war_cost: float
    afg_war_cost_max: float
    sources: dict[str, Sources]


def finite(key: str, value: float) -> float:
    """``value`` as a float, or a :class:`ConfigError` naming ``key`` if it is not finite."""
    if not math.isfinite(value):
        raise ConfigError(f"{key}: expected a finite number, got {value}")
    return float(value)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _scalar(tp: type, value: Any, key: str) -> Any:
    """A YAML scalar as ``tp`` (bool, int, float or str), with the conversions YAML needs."""
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads ``1e-3`` as a string
            try:
                return float(value)
            except ValueError:
                pass
    elif tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    else:  # pragma: no cover - a schema with a type this reader does not know
        raise TypeError(f"{key}: schema type {tp!r} is not supported")
    raise ConfigError(f"{key}: expected {_type_name(tp)}, got {value!r}")


def _value(tp: Any, value: Any, key: str) -> Any:
    """``value`` read as the annotation ``tp``, recursively."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if value is None else _value(args[0], value, key)
    if value is None:
        raise ConfigError(f"{key}: missing mandatory value")
    if dataclasses.is_dataclass(tp):
        return parse(tp, value, key)  # type: ignore[arg-type]
    if origin is list:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        (item,) = typing.get_args(tp)
        return [_value(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        _, item = typing.get_args(tp)
        return {str(k): _value(item, v, f"{key}.{k}") for k, v in value.items()}
    return _scalar(tp, value, key)


#: The specs parsed inside :func:`reused_parses`, by (schema, node identity, key); each
#: entry holds its node, so the identity cannot be reused while the entry lives.
_REUSED: contextvars.ContextVar[dict[tuple, tuple[Any, Any]] | None] = contextvars.ContextVar("reused", default=None)


@contextlib.contextmanager
def reused_parses() -> Iterator[None]:
    """Within this block, :func:`parse` of a node it has parsed before (the very same
    object, under the same key) returns the spec it gave then. A sweep's points share
    every config node their values leave alone, so each node is read once per sweep, not
    once per point; the nodes must not change inside the block (plain data built for it)."""
    token = _REUSED.set({})
    try:
        yield
    finally:
        _REUSED.reset(token)


@functools.lru_cache(maxsize=None)
def _fields_and_hints(schema: type) -> tuple[dict[str, dataclasses.Field], dict[str, Any]]:
    """A spec's fields by name and their resolved annotations (``typing.get_type_hints``
    evaluates every string annotation anew: most of a parse's time, hence kept)."""
    return {f.name: f for f in dataclasses.fields(schema)}, typing.get_type_hints(schema)


def parse(schema: type[T], node: Any, key: str) -> T:
    """Read a plain mapping (parsed YAML, a composed config as a dict) into ``schema``.

    Parameters
    ----------
    schema : dataclass type
        One of the specs of this module (fields without a default are mandatory).
    node : mapping or instance of ``schema``
        The config node; an instance is returned as it is.
    key : str
        The node's dotted name, used in error messages (``"scenario"``, ``"rollout"``).

    Raises
    ------
    ConfigError
        Naming the first unknown key, missing mandatory key or value of the wrong type,
        e.g. ``mediator.verification: expected float, got 'high'``.
    """
    if isinstance(node, schema):
        return node
    memo = _REUSED.get()
    if memo is not None:
        held = memo.get((schema, id(node), key))
        if held is not None and held[0] is node:
            return held[1]
    if not isinstance(node, Mapping):
        raise ConfigError(f"{key}: expected a mapping of keys to values, got {node!r}")
    fields, hints = _fields_and_hints(schema)  # type: ignore[arg-type]
    unknown = [str(k) for k in node if k not in fields]
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}: unknown key; expected one of {sorted(fields)}")
    values = {}
    for name, f in fields.items():
        sub = f"{key}.{name}"
        if name not in node:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{sub}: missing mandatory value")
            continue
        values[name] = _value(hints[name], node[name], sub)
    spec = schema(**values)
    if memo is not None:
        memo[(schema, id(node), key)] = (node, spec)
    return spec
