"""The mediator as a strategic player in the case: Kydd's (2003) informational mediation on the crisis game's numbers.

The game theory is :mod:`negsim.games.mediation` (two-type Kydd 2003); this module maps
each shipped round onto it and reads the mediators' preferences and information from
``configs/mediator_play/`` (``docs/mediation.md`` tells it in words).

The mapping (fixed here; every number it uses is a number of ``configs/game/crisis.yaml``
and of the round's scenario weights, with their sources):

* Side 1 is Pakistan (it makes the demand, PK1, PK2), side 2 is Kabul, whose private
  type is the crisis game's: resolved with the crisis prior ``q`` (AF5, AF8).
* The risky demand is the written guarantee (crisis leaf ``accept_written`` when Kabul
  yields), the safe demand the lesser terms (``accept_lesser``), war the crisis game's
  open confrontation (``confrontation``: strikes and retaliation).
* Pakistan's payoff at each of the three leaves is the crisis game's: the scenario's
  weights plus the prior-weighted mean of Pakistan's type shifts (Kydd's side 1 has no
  private type), times the leaf's features.
* The unit issue is Pakistan's payoff rescaled so that war is worth 0 and the written
  guarantee 1: ``x = (u - u_war) / (u_written - u_war)``. The lesser terms sit at
  ``s = (u_lesser - u_war) / (u_written - u_war)``. Kydd's identities ``p - c1 = 0``,
  ``p + c_r = s``, ``p + c_i = 1`` then give ``c1 = p``, ``c_r = s - p``, ``c_i = 1 - p``.
* ``p`` is not identified by the crisis game: every equilibrium, probability and
  threshold depends on ``D = c_i - c_r = 1 - s`` and ``C = c1 + c_r = s`` only (tested).
  It is an assumption, the midpoint ``s / 2`` of its admissible range ``[0, s]``.
* Kabul's payoffs are Kydd's (``1 - x``, and its war payoff ``1 - p - c2``), not the
  crisis game's; :func:`kabul_check` says whether Kabul's own crisis payoffs order the
  three leaves as Kydd's types need (both accept the lesser terms, the irresolute type
  accepts the written demand, the resolved one fights).
* The mediator's war cost ``w`` is in the same issue units; its bias ``b`` weights
  Pakistan's share ``x`` against Kabul's ``1 - x``.

Prediction: the informative equilibrium where it exists (it weakly Pareto-dominates
babbling for Pakistan and the mediator), else babbling, which is also the game without a
mediator. Across the priors of ``configs/mediator_play/`` the share of draws in which the
mediator is credible is a Monte Carlo estimate (seeded, with its standard error).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.games.mediation import (
    INFORMATIVE,
    RISKY_DEAL,
    SAFE_DEAL,
    WAR,
    InformativeConditions,
    KyddGame,
    MediationEquilibrium,
    Mediator,
    babbling,
    bias_threshold,
    equilibria,
    informative_conditions,
    predict,
)
from negsim.io.configs import config_dir, load_yaml
from negsim.model.crisis import CrisisSpec
from negsim.model.evidence import CITE_PREFIX, EVIDENCE
from negsim.model.priors import Prior, prior_from_spec
from negsim.model.scenario import Scenario
from negsim.model.schema import SourcedValue, finite, parse

#: The config group, and its files (each holds one or more mediators).
GROUP = "mediator_play"
FILES = ("qatar", "turkiye", "helpers")
#: The shipped rounds.
ROUNDS = ("doha_round", "istanbul_round2", "istanbul_round3")
#: A source entry that marks a number the evidence says nothing about (its prior is the claim).
ASSUMPTION = "assumption"
#: The mediator's parameters in the config and their valid ranges.
PARAMETERS: dict[str, tuple[float, float]] = {"bias": (0.0, 1.0), "war_cost": (0.0, math.inf), "accuracy": (0.5, 1.0)}
#: Kydd's roles of the crisis game's leaves.
LEAVES = {"risky": "accept_written", "safe": "accept_lesser", "war": "confrontation"}
#: The games module's outcome labels -> the crisis leaf each stands for.
OUTCOME_LEAVES = {SAFE_DEAL: "accept_lesser", RISKY_DEAL: "accept_written", WAR: "confrontation"}
#: Seed of the prior draws (numpy SeedSequence entropy; the project's default seed).
SEED = 20251019
#: Draws of the mediators' priors for the credible share.
DRAWS = 20_000


# --------------------------------------------------------------------------- config


@dataclass
class MediatorPlayEntry:
    """One mediator of a ``configs/mediator_play/`` file."""

    label: str
    bias: SourcedValue
    war_cost: SourcedValue
    accuracy: SourcedValue
    mediated: list[str]
    mediated_source: list[str]
    note: str = ""


@dataclass
class MediatorPlayConfig:
    """The shape of a ``configs/mediator_play/<name>.yaml`` file."""

    name: str
    title: str
    mediators: dict[str, MediatorPlayEntry]


@dataclass
class MediationRunSpec:
    """The ``mediation`` node of ``negsim analysis=mediation``: which files of
    ``configs/mediator_play/`` to read, and how many draws of their priors."""

    files: list[str] = field(default_factory=lambda: list(FILES))
    draws: int = DRAWS


@dataclass(frozen=True)
class MediatorPrior:
    """A validated mediator: its stated values, priors and evidence.

    Attributes
    ----------
    key, label : str
    values : dict of str to float
        ``bias`` (weight on Pakistan), ``war_cost`` (issue units), ``accuracy``.
    priors : dict of str to Prior
        The prior of each (triangular low/mode/high in the shipped files).
    sources : dict of str to tuple of str
        Evidence of each value (POSITIONS.md IDs, ``cite:`` entries, ``"assumption"``),
        and of ``mediated``.
    notes : dict of str to str
    mediated : tuple of str
        The rounds it mediated (empty for a would-be helper).
    """

    key: str
    label: str
    values: dict[str, float]
    priors: dict[str, Prior]
    sources: dict[str, tuple[str, ...]]
    notes: dict[str, str]
    mediated: tuple[str, ...]

    @property
    def mediator(self) -> Mediator:
        """The stated values as a :class:`~negsim.games.mediation.Mediator`."""
        return Mediator(self.values["bias"], self.values["war_cost"], self.values["accuracy"])

    def is_assumption(self, name: str) -> bool:
        """Whether the value ``name`` is (partly) an assumption rather than evidence."""
        return ASSUMPTION in self.sources[name]


def check_play_sources(key: str, source: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The entries of one ``source:`` list, or a one-line ConfigError naming ``key``.

    Entries are POSITIONS.md IDs, ``"cite:Author Year"`` or ``"assumption"``; an empty or
    missing list and an unknown entry are refused.
    """
    if source is None or len(source) == 0:
        raise ConfigError(f"{key}: missing source (list POSITIONS.md IDs, 'cite:Author Year' or 'assumption')")
    for s in source:
        ok = s in EVIDENCE or s == ASSUMPTION or (s.startswith(CITE_PREFIX) and len(s) > len(CITE_PREFIX) + 3)
        if not ok:
            raise ConfigError(f"{key}: unknown source {s!r} (expected a POSITIONS.md ID such as MD1, "
                              f"'cite:Author Year' or 'assumption')")
    return tuple(source)


def build_mediator_play(node: Any, key: str = GROUP) -> dict[str, MediatorPrior]:
    """Validate one ``configs/mediator_play/`` file into its mediators, by key.

    Raises
    ------
    ConfigError
        One line naming the first bad key: unknown or missing keys, a value outside its
        range (bias in [0, 1], war cost >= 0, accuracy in [1/2, 1]), a missing or unknown
        source, a missing prior or one that does not contain its value.
    """
    cfg: MediatorPlayConfig = parse(MediatorPlayConfig, node, key)
    if not cfg.mediators:
        raise ConfigError(f"{key}.mediators: needs at least one mediator")
    out = {}
    for name, entry in cfg.mediators.items():
        where = f"{key}.mediators.{name}"
        values, priors, sources, notes = {}, {}, {}, {}
        for param, valid in PARAMETERS.items():
            spec: SourcedValue = getattr(entry, param)
            pkey = f"{where}.{param}"
            value = finite(f"{pkey}.value", spec.value)
            if not valid[0] <= value <= valid[1]:
                raise ConfigError(f"{pkey}.value: expected a value in [{valid[0]:g}, {valid[1]:g}], got {value:g}")
            sources[param] = check_play_sources(f"{pkey}.source", spec.source)
            if spec.prior is None:
                raise ConfigError(f"{pkey}.prior: missing prior (triangular low/mode/high, as in configs/rollout/)")
            priors[param] = prior_from_spec(spec.prior, pkey, value, valid)
            values[param], notes[param] = value, str(spec.note)
        sources["mediated"] = check_play_sources(f"{where}.mediated_source", entry.mediated_source)
        out[str(name)] = MediatorPrior(str(name), str(entry.label), values, priors, sources, notes,
                                       tuple(str(r) for r in entry.mediated))
    return out


def load_mediator_play(name: str) -> dict[str, MediatorPrior]:
    """Load and validate ``configs/mediator_play/<name>.yaml`` (or a path to a YAML file)."""
    if name.endswith((".yaml", ".yml")):
        path = Path(name)
    else:
        folder = config_dir() / GROUP
        path = folder / f"{name}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in folder.glob("*.yaml"))
            raise ConfigError(f"{GROUP}: no file {name!r} in {folder}; expected one of {known}")
    return build_mediator_play(load_yaml(path), f"{GROUP}.{path.stem}")


def load_mediators(files: tuple[str, ...] = FILES) -> dict[str, MediatorPrior]:
    """The mediators of several files, by key (a key defined twice is refused)."""
    out: dict[str, MediatorPrior] = {}
    for name in files:
        for key, med in load_mediator_play(name).items():
            if key in out:
                raise ConfigError(f"{GROUP}.{name}.mediators.{key}: defined twice")
            out[key] = med
    return out


# --------------------------------------------------------------------------- the case


@dataclass(frozen=True)
class KyddCase:
    """One round mapped onto Kydd's game (module docstring).

    Attributes
    ----------
    scenario : str
    game : KyddGame
        ``p``, ``c1``, ``c_r``, ``c_i`` in issue units and ``q``.
    pakistan_payoffs : dict of str to float
        Pakistan's payoff (payoff units of the scenario) at the risky, safe and war leaves.
    share_safe : float
        ``s``, the safe demand's share of the issue (``x_risky = 1``, war worth 0).
    p_range : tuple of float
        The admissible ``[0, s]`` of the unidentified ``p`` (``c1 = p >= 0``, ``c_r = s - p >= 0``).
    escalation : dict of str to float
        Ladder level (0-4) of each outcome (:data:`~negsim.games.mediation.OUTCOMES`).
    sources : dict of str to tuple of str
        Evidence of ``p`` (an assumption), ``c1``, ``c_r``, ``c_i``, ``q`` and ``escalation``.
    kabul : dict of str to bool
        :func:`kabul_check` on Kabul's own crisis payoffs.
    """

    scenario: str
    game: KyddGame
    pakistan_payoffs: dict[str, float]
    share_safe: float
    p_range: tuple[float, float]
    escalation: dict[str, float]
    sources: dict[str, tuple[str, ...]]
    kabul: dict[str, bool]


def _leaf_payoff(scenario: Scenario, spec: CrisisSpec, player: int, leaf: str, shift: dict[str, float]) -> float:
    feats = spec.outcomes[leaf]
    names = scenario.feature_names
    missing = set(names) - set(feats)
    if missing:
        raise ConfigError(f"crisis.outcomes.{leaf}.features: missing feature {min(missing)!r}")
    return math.fsum((scenario.weights[player, k] + shift.get(f, 0.0)) * feats[f] for k, f in enumerate(names))


def kabul_check(scenario: Scenario, spec: CrisisSpec) -> dict[str, bool]:
    """Whether Kabul's own crisis payoffs rank the three leaves as Kydd's types need.

    ``both_accept_safe``: every type prefers the lesser terms to confrontation;
    ``irresolute_accepts_risky``: the irresolute type prefers the written guarantee to it;
    ``resolved_refuses_risky``: the resolved type prefers confrontation to the written guarantee.
    """
    types = spec.types[1]
    u = {t: {role: _leaf_payoff(scenario, spec, 1, leaf, spec.shifts[1][k]) for role, leaf in LEAVES.items()}
         for k, t in enumerate(types)}
    resolved, irresolute = u.get("resolved"), u.get("irresolute")
    if resolved is None or irresolute is None:
        raise ConfigError(f"crisis.types.{spec.players[1]}: expected types 'resolved' and 'irresolute', got {list(types)}")
    return {
        "both_accept_safe": all(v["safe"] >= v["war"] for v in u.values()),
        "irresolute_accepts_risky": irresolute["risky"] >= irresolute["war"],
        "resolved_refuses_risky": resolved["risky"] < resolved["war"],
    }


def kydd_case(scenario: Scenario, spec: CrisisSpec, *, p: float | None = None) -> KyddCase:
    """Map a round onto Kydd's game (module docstring).

    Parameters
    ----------
    scenario : Scenario
        The round's weights (payoff units).
    spec : CrisisSpec
        The crisis config: leaves, Pakistan's type shifts and priors, Kabul's prior.
    p : float, optional
        Side 1's probability of winning; default the midpoint of ``[0, s]`` (it changes no result).

    Raises
    ------
    ConfigError
        If Pakistan does not rank the written guarantee above the lesser terms above
        confrontation (no Kydd game), or ``p`` is outside ``[0, s]``.
    """
    if spec.players != scenario.players:
        raise ConfigError(f"crisis.players: {list(spec.players)} do not match the scenario's players {list(scenario.players)}")
    prior0 = spec.priors[0]
    mean_shift: dict[str, float] = {}
    for k, shift in enumerate(spec.shifts[0]):
        for f, v in shift.items():
            mean_shift[f] = mean_shift.get(f, 0.0) + float(prior0[k]) * v
    u = {role: _leaf_payoff(scenario, spec, 0, leaf, mean_shift) for role, leaf in LEAVES.items()}
    if not u["risky"] > u["safe"] > u["war"]:
        raise ConfigError(
            f"mediation: Pakistan must rank the written guarantee above the lesser terms above confrontation "
            f"in scenario {scenario.name}, got {u['risky']:g}, {u['safe']:g}, {u['war']:g}"
        )
    s = (u["safe"] - u["war"]) / (u["risky"] - u["war"])
    p = s / 2 if p is None else finite("mediation.p", p)
    if not 0 <= p <= s:
        raise ConfigError(f"mediation.p: expected a probability in [0, s] = [0, {s:.6g}], got {p:g}")
    types1 = spec.types[1]
    if "resolved" not in types1:
        raise ConfigError(f"crisis.types.{spec.players[1]}: expected a type 'resolved', got {list(types1)}")
    r = types1.index("resolved")
    q = float(spec.priors[1][r])
    game = KyddGame(p=p, c1=p, c_r=s - p, c_i=1 - p, q=q)
    pak_sources = set()
    for leaf in LEAVES.values():
        pak_sources |= set(spec.sources[leaf])
    for k, f in enumerate(scenario.feature_names):  # the weights of the features these leaves have
        if any(spec.outcomes[leaf].get(f, 0.0) != 0.0 for leaf in LEAVES.values()):
            pak_sources |= set(scenario.weight_sources[0][k])
    for k in range(len(spec.types[0])):
        pak_sources |= set(spec.prior_sources[0][k])
        for src in spec.shift_sources[0][k].values():
            pak_sources |= set(src)
    pak = tuple(sorted(pak_sources))
    esc_sources = tuple(sorted({s_ for leaf in LEAVES.values() for s_ in spec.sources[leaf]}))
    escalation = {label: float(spec.outcomes[leaf].get("escalation", math.nan)) for label, leaf in OUTCOME_LEAVES.items()}
    return KyddCase(
        scenario=scenario.name, game=game, pakistan_payoffs=u, share_safe=s, p_range=(0.0, s),
        escalation=escalation,
        sources={"p": (ASSUMPTION,), "c1": pak, "c_r": pak, "c_i": pak,
                 "q": tuple(spec.prior_sources[1][r]), "escalation": esc_sources},
        kabul=kabul_check(scenario, spec),
    )


def expected_escalation(case: KyddCase, eq: MediationEquilibrium) -> float:
    """Expected escalation level (ladder 0-4) of an equilibrium's outcomes."""
    return math.fsum(pr * case.escalation[label] for label, pr in eq.outcomes.as_dict().items())


# --------------------------------------------------------------------------- priors


def draw_mediators(prior: MediatorPrior, draws: int = DRAWS, *, rng: Any = SEED) -> dict[str, np.ndarray]:
    """Independent draws of ``bias``, ``war_cost`` and ``accuracy`` from their priors, shape (draws,) each."""
    gen = np.random.default_rng(rng)
    u = gen.random((len(PARAMETERS), int(draws)))
    return {name: prior.priors[name].ppf(u[i]) for i, name in enumerate(PARAMETERS)}


@dataclass(frozen=True)
class PriorSummary:
    """What the mediator's priors imply for one round.

    Attributes
    ----------
    draws : int
    credible_draws : int
        Draws in which the informative equilibrium exists.
    credible_share : float
        Their share, ``credible_draws / draws``.
    credible_se : float
        Its Monte Carlo standard error.
    war_probability : float
        Mean over the draws of the predicted P(war).
    expected_escalation : float
        Mean over the draws of the predicted expected escalation.
    """

    draws: int
    credible_draws: int
    credible_share: float
    credible_se: float
    war_probability: float
    expected_escalation: float


def prior_summary(case: KyddCase, prior: MediatorPrior, draws: int = DRAWS, *, rng: Any = SEED) -> PriorSummary:
    """The share of prior draws in which the mediator is credible, and the predicted P(war) averaged over them."""
    d = draw_mediators(prior, draws, rng=rng)
    holds = np.asarray(informative_conditions(case.game, d["bias"], d["war_cost"], d["accuracy"]).holds)
    g = case.game
    base = babbling(g, prior.mediator)
    war = np.where(holds, g.q * (1 - d["accuracy"]), base.outcomes.war)
    risky_deal = (1 - g.q) * d["accuracy"]
    safe_deal = 1 - war - risky_deal
    esc_informative = (safe_deal * case.escalation[SAFE_DEAL] + risky_deal * case.escalation[RISKY_DEAL]
                       + war * case.escalation[WAR])
    esc = np.where(holds, esc_informative, expected_escalation(case, base))
    count = int(holds.sum())
    share = count / int(draws)
    return PriorSummary(int(draws), count, share, math.sqrt(share * (1 - share) / draws), float(war.mean()),
                        float(esc.mean()))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MediatedRound:
    """One round with one mediator: equilibria, prediction, and the numbers with and without it.

    Attributes
    ----------
    case : KyddCase
    prior : MediatorPrior
    mediated : bool
        Whether the record has this mediator in this round.
    conditions : InformativeConditions
        At the stated values (slacks, issue units).
    threshold : float or None
        ``b*`` at the stated war cost and accuracy (None: no bias suffices).
    equilibria : tuple of str
        The kinds that exist at the stated values (``babbling``, ``informative``).
    predicted : MediationEquilibrium
        The informative equilibrium if it exists, else babbling.
    without : MediationEquilibrium
        Babbling: the game without a mediator.
    escalation_with, escalation_without : float
        Expected escalation (ladder 0-4).
    priors : PriorSummary
    """

    case: KyddCase
    prior: MediatorPrior
    mediated: bool
    conditions: InformativeConditions
    threshold: float | None
    equilibria: tuple[str, ...]
    predicted: MediationEquilibrium
    without: MediationEquilibrium
    escalation_with: float
    escalation_without: float
    priors: PriorSummary = field(repr=False)

    @property
    def credible(self) -> bool:
        """Whether the mediator is credible (the informative equilibrium exists) at its stated values."""
        return self.predicted.kind == INFORMATIVE


def mediate(case: KyddCase, prior: MediatorPrior, draws: int = DRAWS, *, rng: Any = SEED) -> MediatedRound:
    """Equilibria, prediction and prior summary of one round with one mediator."""
    med = prior.mediator
    found = equilibria(case.game, med)
    chosen, without = predict(case.game, med), babbling(case.game, med)
    return MediatedRound(
        case=case, prior=prior, mediated=case.scenario in prior.mediated,
        conditions=informative_conditions(case.game, med.bias, med.war_cost, med.accuracy),
        threshold=bias_threshold(case.game, med.war_cost, med.accuracy),
        equilibria=tuple(e.kind for e in found), predicted=chosen, without=without,
        escalation_with=expected_escalation(case, chosen), escalation_without=expected_escalation(case, without),
        priors=prior_summary(case, prior, draws, rng=rng),
    )


def mediate_rounds(rounds: tuple[str, ...] = ROUNDS, files: tuple[str, ...] = FILES, draws: int = DRAWS,
                   *, rng: Any = SEED, spec: CrisisSpec | None = None) -> list[MediatedRound]:
    """Every round of ``rounds`` with every mediator of ``files`` (the same seed for each pair)."""
    from negsim.model.crisis import load_crisis_spec
    from negsim.model.scenario import load_scenario

    spec = load_crisis_spec() if spec is None else spec
    mediators = load_mediators(files)
    out: list[MediatedRound] = []
    for name in rounds:
        case = kydd_case(load_scenario(name), spec)
        out.extend(mediate(case, prior, draws, rng=rng) for prior in mediators.values())
    return out


def as_metrics(result: MediatedRound) -> dict[str, Any]:
    """A round-and-mediator result as plain data (JSON-ready)."""
    g, case, med = result.case.game, result.case, result.prior

    def eq(e: MediationEquilibrium) -> dict[str, Any]:
        return {"kind": e.kind, "demand_after": e.demand_after, "p_deal": e.outcomes.deal, "p_war": e.outcomes.war,
                "outcomes": e.outcomes.as_dict(), "payoffs": {"pakistan": e.payoffs[0], "kabul": e.payoffs[1],
                                                              "mediator": e.payoffs[2]}}

    c = result.conditions
    return {
        "scenario": case.scenario, "mediator": med.key, "label": med.label, "mediated": result.mediated,
        "game": {"p": g.p, "c1": g.c1, "c_r": g.c_r, "c_i": g.c_i, "q": g.q, "share_safe": case.share_safe,
                 "threshold_belief": g.threshold, "p_range": list(case.p_range),
                 "sources": {k: list(v) for k, v in case.sources.items()}, "kabul_check": case.kabul},
        "inputs": {k: {"value": med.values[k], "prior": med.priors[k].describe(), "source": list(med.sources[k]),
                       "note": med.notes[k]} for k in PARAMETERS},
        "conditions": {"heeds_irresolute": c.heeds_irresolute, "heeds_resolved": c.heeds_resolved,
                       "reports_irresolute": c.reports_irresolute, "reports_resolved": c.reports_resolved},
        "bias_threshold": result.threshold,
        "equilibria": list(result.equilibria),
        "predicted": eq(result.predicted), "without_mediator": eq(result.without),
        "expected_escalation": {"with": result.escalation_with, "without": result.escalation_without},
        "priors": {"draws": result.priors.draws, "credible_draws": result.priors.credible_draws,
                   "credible_share": result.priors.credible_share,
                   "credible_se": result.priors.credible_se, "p_war": result.priors.war_probability,
                   "expected_escalation": result.priors.expected_escalation},
    }
