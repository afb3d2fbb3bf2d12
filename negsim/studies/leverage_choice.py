"""A mediator that chooses its leverage: its objective, its budget, and the search.

The mediator (Qatar, Turkiye) is a player with an objective of its own. Given the knobs
it may set (those its objective prices, :data:`negsim.model.scenario.MEDIATOR_KNOBS`;
the others stay at the round's values), it picks the leverage ``k`` that maximises::

    U(k) = sum_kind value[kind] * P(kind | k)                       deal kinds: written, pledge
           - w_outcome * P(outcome within H days | k)               e.g. strikes or worse in 90 days
           - w_deaths  * E[deaths within H days | k]
           - expected_cost(k)

subject to ``committed_cost(k) <= budget``, in *mediator units*: 1 is what a deal of the
valued kind is worth to the mediator for certain (an objective that values no deal
states its unit in its own ``title``). ``P(kind | k)`` is the talks prediction (the logit
QRE at the game's precision, :func:`negsim.model.talks.predict`); the ceasefire after
each predicted outcome is computed exactly from the ladder's Markov chain (as
``rollout.method=exact``), so ``U`` is deterministic. The costs, per unit of each knob
(``price``)::

    expected_cost  = price_w t_w P(written) + price_p t_p P(pledge)      paid only on that deal
                   + price_c t_c E[compliance days paid]                 each day the ceasefire holds
                                                                         while the mediator stays
                   + price_v v + price_d d (+ price_s s)                 per unit offered
    committed_cost = max(price_w t_w, price_p t_p) + price_c t_c L + price_v v + price_d d (+ price_s s)

The budget binds what the mediator *offers* (the most it could have to pay: only one deal
is reached, and the compliance transfer for every one of the ``L`` days it stays), not
what it expects to pay, so the feasible leverage does not depend on the prediction.

Beardsley's time inconsistency (Beardsley 2008, "Agreement without peace? International
mediation and time inconsistency problems", AJPS 52(4): 723-740; 2011, *The Mediation
Dilemma*, Cornell UP), stated in the model: a mediator's leverage creates incentives that
last only while it stays involved. Here the mediator stays ``L = engagement_days`` days
after the talks, then leaves; the ceasefire after outcome ``(i, j)`` is a chain in two
regimes, switched at the end of day ``L`` (the state carried over, the tension kept on
the calendar):

* days ``1..L`` (engaged): what the outcome puts in force at the chosen leverage
  (:func:`negsim.model.situation.outcome_ceasefire`): verification, de-confliction and
  the compliance transfer, and the deterrence they buy;
* days ``L+1..H`` (the mediator gone): the compliance transfer stops (a carrot is in
  force only while someone pays it), while verification and de-confliction, agreed
  provisions the parties run themselves (Fortna 2003: agreed mechanisms make peace
  last), persist at the shares ``persistence`` (1: in full); the deterrence is that of
  the new regime (Kabul does not anticipate the exit: an assumption).

The talks transfers ``t_w``, ``t_p`` and the penalty are paid or threatened once, at the
table: they raise P(deal) and put nothing in force in the ceasefire. So leverage that
buys a deal (carrots) and leverage that makes it last (provisions) are different knobs,
and a mediator that values only a deal chooses differently from one that values
P(no breakdown within the horizon) (``durable_peace``): Werner & Yuen (2005) find
ceasefires reached under third-party pressure more likely to fail.

Search (:func:`choose_leverage`): a coarse grid over the chosen knobs, each on
``[0, min(upper, budget / price)]``, those within the budget evaluated at once (the talks
games in one batch, :func:`natural_qre`; each distinct ceasefire once), then COBYLA
(:func:`scipy.optimize.minimize`, bounded, the budget as two linear constraints) from the
best grid point of each of the ``starts`` best *leading knobs* (the knob a point expects
to spend the most on: the kind of leverage it is); the best point found is the choice,
the best one led by another knob the runner-up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.model.evidence import check_sources
from negsim.model.outcomes import LEVEL_OUTCOMES, OUTCOMES, NamedOutcome
from negsim.model.payoffs import TALKS_KNOBS, payoff_batch, payoff_scale
from negsim.model.priors import Prior
from negsim.model.rollout import OPEN_WAR, CeasefireParams, RolloutSetup, Situation
from negsim.model.scenario import DEAL_KINDS, FRACTION_KNOBS, MEDIATOR_KNOBS, Scenario
from negsim.model.schema import PriorSpec, finite, parse

#: Top of the search range of each payoff knob (payoff units; ``transfer_compliance`` in
#: the ceasefire game's daily units, where 1 covers Kabul's whole daily temptation
#: ``stage_T - stage_R``). Fractions run to 1. A search setting, not a judgement: the
#: budget usually binds first.
DEFAULT_UPPER = {"transfer_written": 8.0, "transfer_pledge": 8.0, "transfer_compliance": 1.0, "penalty_breakdown": 4.0}
#: The knobs of the ceasefire (what each outcome puts in force); the rest act in the talks.
CEASEFIRE_KNOBS = ("verification", "deconfliction", "transfer_compliance")
#: Provisions that persist after the mediator leaves (``persistence`` keys).
PERSISTENT = ("verification", "deconfliction")
#: A source entry marking a number the record says nothing about (its ``prior`` states the range).
ASSUMPTION = "assumption"
#: Transfers paid only on the deal they buy (the mediator's commitment is the larger one).
DEAL_TRANSFERS = {"written": "transfer_written", "pledge": "transfer_pledge"}


# --------------------------------------------------------------------------- the objective's config


@dataclass
class ObjectiveParamSpec:
    """One number of a mediator objective and its evidence: ``source`` lists POSITIONS.md
    IDs, ``cite:Author Year`` entries, or ``assumption`` where the record says nothing
    about it (alone or beside the evidence that points its direction); an assumption
    states the range considered as its ``prior`` (:class:`negsim.model.schema.PriorSpec`,
    e.g. ``{dist: triangular, low: 0.02, high: 0.5}``), as the other configs do."""

    value: float
    source: list[str] | None = None
    note: str = ""
    prior: PriorSpec | None = None


@dataclass
class EscalationSpec:
    """The escalation the mediator fears: a ladder outcome (``incident``, ``clash``,
    ``strikes``, ``open_war``: first passage) within ``horizon`` days, and its weight
    (mediator units per unit probability)."""

    outcome: str
    horizon: int
    weight: ObjectiveParamSpec


@dataclass
class MediatorObjectiveSpec:
    """A ``configs/mediator_objective/*.yaml`` node: what the mediator wants and can spend.

    ``value``: per deal kind (``written``, ``pledge``), mediator units per unit probability;
    ``deaths``: mediator units per expected death within the horizon; ``price``: per knob it
    chooses (its keys are the knobs chosen), mediator units per payoff unit paid (a deal's
    transfer), per daily unit per day paid (``transfer_compliance``) or per unit offered
    (verification, de-confliction, penalty); ``budget``: the most it can commit, mediator
    units; ``engagement_days``: days it stays after the talks; ``persistence``: share of
    verification and de-confliction in force after it leaves.
    """

    name: str
    title: str
    value: dict[str, ObjectiveParamSpec]
    escalation: EscalationSpec
    deaths: ObjectiveParamSpec
    price: dict[str, ObjectiveParamSpec]
    budget: ObjectiveParamSpec
    engagement_days: ObjectiveParamSpec
    persistence: dict[str, ObjectiveParamSpec]
    summary: str = ""


@dataclass(frozen=True, eq=False)
class MediatorObjective:
    """A validated mediator objective (:func:`build_objective`).

    Attributes
    ----------
    name, title, summary : str
    value : dict of str to float
        Mediator units per unit probability of each deal kind (``written``, ``pledge``).
    outcome : NamedOutcome
        The ladder outcome the mediator fears (first passage).
    horizon : int
        Days within which the outcome, the deaths and P(breakdown) are counted.
    outcome_weight, deaths_weight : float
        Mediator units per unit probability of ``outcome`` within the horizon, and per
        expected death within it; >= 0.
    prices : dict of str to float
        The knobs the mediator chooses (in :data:`MEDIATOR_KNOBS` order), each with its
        price (>= 0; see :class:`MediatorObjectiveSpec`).
    budget : float
        The most it can commit, mediator units, >= 0.
    engagement_days : int
        Days it stays after the talks (its compliance payments and their deterrence last
        that long), >= 0.
    persistence : dict of str to float
        Share of verification and de-confliction still in force once it has left, in [0, 1].
    evidence : dict of str to tuple of str
        Per parameter key (``mediator_objective.price.verification``), its sources;
        ``assumption`` last where it is one.
    priors : dict of str to Prior
        The stated range of each parameter that has one (every assumption), by key.
    """

    name: str
    title: str
    summary: str
    value: dict[str, float]
    outcome: NamedOutcome
    horizon: int
    outcome_weight: float
    deaths_weight: float
    prices: dict[str, float]
    budget: float
    engagement_days: int
    persistence: dict[str, float]
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    priors: dict[str, Prior] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The objective's numbers as plain data (the shape of its config, values only),
        with each parameter's evidence and stated range by key."""
        return {
            "name": self.name, "title": self.title, "value": dict(self.value),
            "escalation": {"outcome": self.outcome.name, "horizon": self.horizon, "weight": self.outcome_weight},
            "deaths": self.deaths_weight, "price": dict(self.prices), "budget": self.budget,
            "engagement_days": self.engagement_days, "persistence": dict(self.persistence),
            "evidence": {k: list(v) for k, v in self.evidence.items()},
            "ranges": {k: [p.low, p.high] for k, p in self.priors.items()},
        }

    def with_budget(self, budget: float) -> MediatorObjective:
        """The same objective with another budget (checked: finite, >= 0)."""
        b = finite("mediator_objective.budget.value", budget)
        if b < 0:
            raise ConfigError(f"mediator_objective.budget.value: expected a budget >= 0, got {b}")
        return replace(self, budget=b)


def _param(key: str, spec: ObjectiveParamSpec, evidence: dict, priors: dict, low: float = -math.inf,
           high: float = math.inf) -> float:
    """A parameter's value, checked finite and in ``[low, high]``, its evidence recorded.

    It must name its evidence (``source``); an ``assumption`` among them needs the range
    considered (``prior``). A missing source is one line naming the key.
    """
    from negsim.model.priors import prior_from_spec

    value = finite(f"{key}.value", spec.value)
    if not low <= value <= high:
        raise ConfigError(f"{key}.value: expected a value in [{low:g}, {high:g}], got {value:g}")
    if not spec.source:
        raise ConfigError(f"{key}.source: missing source (list POSITIONS.md IDs, 'cite:Author Year' or 'assumption')")
    named = [src for src in spec.source if src != ASSUMPTION]
    srcs = check_sources(f"{key}.source", named) if named else ()
    assumed = len(named) < len(spec.source)
    if assumed and spec.prior is None:
        raise ConfigError(f"{key}.prior: an assumption needs the range considered "
                          "(prior: {dist: triangular, low: ..., high: ...})")
    if spec.prior is not None:
        priors[key] = prior_from_spec(spec.prior, key, value, (low, high))
    evidence[key] = (*srcs, ASSUMPTION) if assumed else srcs
    return value


def _whole(key: str, value: float, low: int) -> int:
    if value != int(value) or value < low:
        raise ConfigError(f"{key}: expected a whole number >= {low}, got {value:g}")
    return int(value)


def build_objective(node: Any, key: str = "mediator_objective") -> MediatorObjective:
    """Validate a mediator objective node (:class:`MediatorObjectiveSpec`) in one place.

    Raises
    ------
    ConfigError
        Naming the first bad key: unknown, missing or mistyped keys; a parameter without
        a source, or an assumption without its range; a knob or deal kind not known; a
        value out of its range.
    """
    spec: MediatorObjectiveSpec = parse(MediatorObjectiveSpec, node, key)
    ev: dict[str, tuple[str, ...]] = {}
    rg: dict[str, Prior] = {}
    if set(spec.value) != set(DEAL_KINDS):
        extra = sorted(set(spec.value) ^ set(DEAL_KINDS))[0]
        raise ConfigError(f"{key}.value.{extra}: expected a value for exactly each deal kind {list(DEAL_KINDS)}")
    value = {kind: _param(f"{key}.value.{kind}", spec.value[kind], ev, rg) for kind in DEAL_KINDS}
    esc = spec.escalation
    if esc.outcome not in LEVEL_OUTCOMES:
        raise ConfigError(f"{key}.escalation.outcome: expected a ladder outcome, one of {', '.join(LEVEL_OUTCOMES)}; "
                          f"got {esc.outcome!r}")
    horizon = _whole(f"{key}.escalation.horizon", esc.horizon, 1)
    w_out = _param(f"{key}.escalation.weight", esc.weight, ev, rg, low=0.0)
    w_deaths = _param(f"{key}.deaths", spec.deaths, ev, rg, low=0.0)
    unknown = [k for k in spec.price if k not in MEDIATOR_KNOBS]
    if unknown:
        raise ConfigError(f"{key}.price.{unknown[0]}: unknown mediator knob; expected some of {list(MEDIATOR_KNOBS)}")
    if not spec.price:
        raise ConfigError(f"{key}.price: price at least one mediator knob (the knobs priced are the ones chosen)")
    prices = {k: _param(f"{key}.price.{k}", spec.price[k], ev, rg, low=0.0) for k in MEDIATOR_KNOBS if k in spec.price}
    budget = _param(f"{key}.budget", spec.budget, ev, rg, low=0.0)
    days = _whole(f"{key}.engagement_days.value",
                  _param(f"{key}.engagement_days", spec.engagement_days, ev, rg, low=0.0), 0)
    if set(spec.persistence) != set(PERSISTENT):
        extra = sorted(set(spec.persistence) ^ set(PERSISTENT))[0]
        raise ConfigError(f"{key}.persistence.{extra}: expected a share for exactly {list(PERSISTENT)}")
    persistence = {k: _param(f"{key}.persistence.{k}", spec.persistence[k], ev, rg, 0.0, 1.0) for k in PERSISTENT}
    return MediatorObjective(
        name=spec.name, title=spec.title, summary=spec.summary, value=value, outcome=OUTCOMES[esc.outcome],
        horizon=horizon, outcome_weight=w_out, deaths_weight=w_deaths, prices=prices, budget=budget,
        engagement_days=days, persistence=persistence, evidence=ev, priors=rg,
    )


def load_objective(name: str) -> MediatorObjective:
    """A shipped objective by name (``configs/mediator_objective/<name>.yaml``) or a YAML path."""
    from negsim.io.configs import config_dir, load_yaml

    path = Path(name) if name.endswith((".yaml", ".yml")) else config_dir() / "mediator_objective" / f"{name}.yaml"
    if not path.is_file() and not name.endswith((".yaml", ".yml")):
        raise ConfigError(f"mediator_objective: unknown objective {name!r}; expected one of: "
                          f"{', '.join(available_objectives())}")
    return build_objective(load_yaml(path))


def available_objectives() -> list[str]:
    """Names of the objectives shipped under ``configs/mediator_objective/``."""
    from negsim.io.configs import config_dir

    return sorted(p.stem for p in (config_dir() / "mediator_objective").glob("*.yaml"))


# --------------------------------------------------------------------------- costs


def committed_cost(objective: MediatorObjective, knobs: Mapping[str, np.ndarray]) -> np.ndarray:
    """What the mediator offers at leverage ``knobs`` (arrays of the chosen knobs), in
    mediator units: the larger deal transfer (only one deal is reached), the compliance
    transfer for every engaged day, and every other priced knob per unit offered."""
    price = objective.prices
    shape = np.broadcast_shapes(*(np.shape(knobs[k]) for k in price))
    deal = np.zeros(shape)
    rest = np.zeros(shape)
    for k, c in price.items():
        x = np.asarray(knobs[k], float)
        if k in DEAL_TRANSFERS.values():
            deal = np.maximum(deal, c * x)
        elif k == "transfer_compliance":
            rest = rest + c * x * objective.engagement_days
        else:
            rest = rest + c * x
    return deal + rest


# --------------------------------------------------------------------------- the talks, in a batch


def natural_qre(As: np.ndarray, Bs: np.ndarray, lam: float, *, steps: int = 8,
                newton: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The logit QRE at precision ``lam`` of a batch of games, by natural continuation.

    ``lam`` runs from 0 to its value in ``steps`` equal steps, each a tangent predictor and
    Newton's method on ``log x = log softmax(lam A y)``, ``log y = log softmax(lam B^T x)``
    (all games at once). Below the first turning point of the principal branch the
    Jacobian in ``(log x, log y)`` has a positive determinant (1 at ``lam = 0``), and the
    point reached is the branch's first passage of ``lam``: the point
    :func:`negsim.solvers.qre.qre_at` returns (Turocy 2005). A game whose determinant
    turns, or whose Newton iteration does not reach a residual of ``1e-12``, is flagged
    (``ok`` False) and left alone from then on, for that path follower to solve.

    Parameters
    ----------
    As, Bs : numpy.ndarray, shape (G, m, n)
        Payoffs, already in each player's unit.
    lam : float
        Precision per unit, >= 0.

    Returns
    -------
    x, y, ok : numpy.ndarray, shapes (G, m), (G, n), (G,)
    """
    G, m, n = As.shape
    eye_m, eye_n = np.eye(m), np.eye(n)
    z = np.concatenate([np.full((G, m), -np.log(m)), np.full((G, n), -np.log(n))], axis=1)
    ok = np.ones(G, bool)

    def system(z: np.ndarray, L: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Residual F, its Jacobian in z and its derivative in lam; games not ok get F = 0, J = I."""
        x, y = np.exp(z[:, :m]), np.exp(z[:, m:])
        Ay, Bx = np.einsum("gij,gj->gi", As, y), np.einsum("gij,gi->gj", Bs, x)
        lu = L * Ay - np.logaddexp.reduce(L * Ay, axis=1, keepdims=True)
        lv = L * Bx - np.logaddexp.reduce(L * Bx, axis=1, keepdims=True)
        F = np.concatenate([z[:, :m] - lu, z[:, m:] - lv], axis=1)
        Px = eye_m[None] - np.exp(lu)[:, None, :]  # d(log softmax)/d(utility): I - 1 x^T
        Py = eye_n[None] - np.exp(lv)[:, None, :]
        J = np.zeros((G, m + n, m + n))
        J[:, :m, :m], J[:, m:, m:] = eye_m, eye_n
        J[:, :m, m:] = -L * np.einsum("gik,gkj->gij", Px, As) * y[:, None, :]
        J[:, m:, :m] = -L * np.einsum("gjl,gil->gji", Py, Bs) * x[:, None, :]
        dF = -np.concatenate([np.einsum("gik,gk->gi", Px, Ay), np.einsum("gjl,gl->gj", Py, Bx)], axis=1)
        off = ~ok | ~np.all(np.isfinite(J), axis=(1, 2)) | ~np.all(np.isfinite(F), axis=1)
        F[off], dF[off], J[off] = 0.0, 0.0, np.eye(m + n)
        ok[off] = False
        return F, J, dF

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        F, J, dF = system(z, 0.0)
        previous = 0.0
        for k in range(1, steps + 1):
            L = lam * k / steps
            z = z - np.linalg.solve(J, dF[..., None] * (L - previous))[..., 0]  # along the tangent
            for _ in range(newton):
                F, J, dF = system(z, L)
                if np.max(np.abs(F)) < 1e-13:
                    break
                z = z - np.linalg.solve(J, F[..., None])[..., 0]
            else:
                F, J, dF = system(z, L)
            ok &= (np.linalg.det(J) > 0) & (np.max(np.abs(F), axis=1) < 1e-12)
            previous = L
        x, y = np.exp(z[:, :m]), np.exp(z[:, m:])
        return x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True), ok


#: Talks predictions (m, n) by content: payoffs, precision and units.
_TALKS: dict[bytes, np.ndarray] = {}


def talks_predictions(scenario: Scenario, knobs: Mapping[str, np.ndarray]) -> np.ndarray:
    """The predicted probability of every outcome at each of G leverage points, shape
    (G, m, n): :func:`negsim.model.talks.predict` of each, computed in one batch
    (:func:`natural_qre`; a game it flags goes to the path follower). Kept by content
    (the payoffs, precision and units), so a game met again is not solved again."""
    from negsim.model.talks import qre_prediction

    A, B = payoff_batch(scenario, **{k: np.asarray(knobs[k], float) for k in TALKS_KNOBS})
    scale = payoff_scale(scenario)
    A, B = A.reshape(-1, *scenario.shape), B.reshape(-1, *scenario.shape)
    tail = np.array([scenario.precision, *scale]).tobytes()
    keys = [a.tobytes() + b.tobytes() + tail for a, b in zip(A, B, strict=True)]
    todo = sorted({g for g, key in enumerate(keys) if key not in _TALKS})
    if todo:
        x, y, ok = natural_qre(A[todo] / scale[0], B[todo] / scale[1], scenario.precision)
        for k, g in enumerate(todo):
            if not ok[k]:
                x[k], y[k] = qre_prediction(A[g], B[g], scenario.precision, scale)
        if len(_TALKS) > 200_000:
            _TALKS.clear()
        _TALKS.update((keys[g], np.outer(x[k], y[k])) for k, g in enumerate(todo))
    return np.stack([_TALKS[key] for key in keys])


# --------------------------------------------------------------------------- the ceasefire, in two regimes


def ceasefire_regimes(scenario: Scenario, setup: RolloutSetup, objective: MediatorObjective,
                      knobs: Mapping[str, float]) -> dict[tuple[int, int], tuple[Situation, Situation]]:
    """Per outcome ``(i, j)``, its ceasefire while the mediator stays and after it leaves.

    Engaged: :func:`negsim.model.situation.outcome_ceasefire` at the leverage ``knobs``.
    Gone: the same outcome with no compliance transfer and verification and
    de-confliction at their ``persistence`` shares (deterrence recomputed).
    """
    from negsim.model.situation import outcome_ceasefire
    from negsim.model.talks import with_mediator

    now = with_mediator(scenario, **knobs)
    med = now.mediator
    gone = with_mediator(scenario, transfer_compliance=0.0,
                         verification=med.verification * objective.persistence["verification"],
                         deconfliction=med.deconfliction * objective.persistence["deconfliction"])
    m, n = scenario.shape
    return {(i, j): (outcome_ceasefire(now, i, j, setup)[0], outcome_ceasefire(gone, i, j, setup)[0])
            for i in range(m) for j in range(n)}


#: Ceasefire reads (:func:`switched_reads`) by (engaged, gone, params, horizon, switch day, levels).
_CEASEFIRE: dict[tuple, np.ndarray] = {}
#: Transposed chain coefficients (:func:`_coefficients`) by (params, situation, absorbing level):
#: about 20 kB each, so at most about 100 MB.
_COEFFICIENTS: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


@lru_cache(maxsize=16)  # dense, about 0.6 MB each: kept only while a situation's variants are made
def _plain_coefficients(params: CeasefireParams, situation: Situation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(T0, T1, T2)``, dense, with the day's matrix ``T0 + m T1 + m^2 T2`` at tension ``m``
    (quadratic in ``m``: :mod:`negsim.model.chain`), from
    :func:`negsim.model.chain.transition_matrix` at ``m = 0, 1/2, 1``."""
    from negsim.model.chain import transition_matrix
    from negsim.model.rollout import daily_probabilities, on_day

    p = daily_probabilities(params, situation)
    v0, vh, v1 = (transition_matrix(on_day(p, m)) for m in (0.0, 0.5, 1.0))
    T2 = 2.0 * (v1 - 2.0 * vh + v0)
    return v0, v1 - v0 - T2, T2


def _coefficients(params: CeasefireParams, situation: Situation, absorb: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The day's transition of :func:`_plain_coefficients` with the states at level ``absorb``
    or above made absorbing (first passage; 0: none), as the nonzeros of the three
    *transposed* coefficients: ``(to_state, from_state, values)``, of shapes (nnz,), (nnz,)
    and (3, nnz) (the three share one pattern, zeros included). Cached by content."""
    key = (params, situation, absorb)
    if key not in _COEFFICIENTS:
        coef = [T.copy() for T in _plain_coefficients(params, situation)]
        if absorb:
            held = np.tile(np.arange(OPEN_WAR + 1), situation.punishment_days + 1) >= absorb
            for T in coef:
                T[held] = 0.0
            coef[0][held, held] = 1.0
        frm, to = np.nonzero(np.any(np.stack(coef) != 0.0, axis=0))
        if len(_COEFFICIENTS) > 5_000:
            _COEFFICIENTS.clear()
        _COEFFICIENTS[key] = (to.astype(np.int32), frm.astype(np.int32), np.stack([T[frm, to] for T in coef]))
    return _COEFFICIENTS[key]


#: What :func:`switched_reads` returns per pair, in order.
READS = ("p_outcome", "p_breakdown", "deaths", "held_days")


def _stacked(blocks: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], sizes: Sequence[int]) -> Any:
    """The block-diagonal transposed coefficients of many chains stacked, shape (3 N, N):
    one product with the chains' laws gives the three parts of the next day's laws."""
    from scipy import sparse

    offsets = np.concatenate([[0], np.cumsum(sizes)])
    N = int(offsets[-1])
    rows = np.concatenate([np.concatenate([to + o for (to, _, _), o in zip(blocks, offsets[:-1], strict=True)]) + k * N
                           for k in range(3)])
    cols = np.tile(np.concatenate([frm + o for (_, frm, _), o in zip(blocks, offsets[:-1], strict=True)]), 3)
    vals = np.concatenate([np.concatenate([v[k] for _, _, v in blocks]) for k in range(3)])
    return sparse.csr_matrix((vals, (rows, cols)), shape=(3 * N, N))


def switched_reads(params: CeasefireParams, pairs: Sequence[tuple[Situation, Situation]], *, horizon: int,
                   switch_day: int, outcome_level: int, breakdown_level: int) -> np.ndarray:
    """The ceasefire of each (engaged, gone) pair, exactly: the chain of the first situation
    for days ``1..switch_day``, of the second after (the state carried over).

    Returns
    -------
    numpy.ndarray, shape (len(pairs), 4)
        Per pair (:data:`READS`): P(the ladder reaches ``outcome_level`` by day
        ``horizon``), P(it reaches ``breakdown_level`` by then), the expected deaths on
        days ``1..horizon``, and the expected number of days ``1..switch_day`` at whose end
        the ceasefire has not broken down (the days a compliance transfer is paid).
    """
    from scipy import sparse

    from negsim.model.chain import state_index
    from negsim.model.rollout import tension

    if not pairs:
        return np.zeros((0, len(READS)))
    days = max(horizon, switch_day, 1)
    levels = sorted({outcome_level, breakdown_level})
    absorbs = (0, *levels)  # the plain chain (deaths), then one first passage per level
    sizes, starts, reads = [], [], []
    for situation, _ in pairs:
        level = np.tile(np.arange(OPEN_WAR + 1), situation.punishment_days + 1)
        start = np.zeros(len(level))
        start[state_index(situation.start_level, 0)] = 1.0
        sizes += [len(level)] * len(absorbs)
        starts += [start] * len(absorbs)
        reads += [np.asarray(params.deaths_per_day, float)[level]] + [(level >= a).astype(float) for a in levels]
    stacks = [_stacked([_coefficients(params, pair[r], a) for pair in pairs for a in absorbs], sizes)
              for r in ((0, 1) if switch_day < days else (0,))]  # the regime after the switch only if it comes
    N = sum(sizes)
    read = sparse.csr_matrix(
        (np.concatenate(reads), (np.repeat(np.arange(len(reads)), sizes), np.arange(N))), shape=(len(reads), N))
    dist = np.concatenate(starts)
    out = np.zeros((len(pairs), len(READS)))
    at = {lv: 1 + k for k, lv in enumerate(levels)}
    m = tension(params, days)
    for t in range(1, days + 1):
        parts = (stacks[0] if t <= switch_day else stacks[-1]) @ dist
        mt = m[t - 1]
        dist = parts[:N] + mt * parts[N:2 * N] + (mt * mt) * parts[2 * N:]
        got = (read @ dist).reshape(len(pairs), len(absorbs))
        if t <= horizon:
            out[:, 2] += got[:, 0]
        if t == horizon:
            out[:, 0], out[:, 1] = got[:, at[outcome_level]], got[:, at[breakdown_level]]
        if t <= switch_day:
            out[:, 3] += 1.0 - got[:, at[breakdown_level]]
    return out


# --------------------------------------------------------------------------- the problem


@dataclass(frozen=True, eq=False)
class Assessment:
    """One leverage point under an objective: the knobs, the objective and its parts.

    Attributes
    ----------
    knobs : dict of str to float
        Every mediator knob (the chosen ones and those held at the round's values).
    objective : float
        ``U``, mediator units.
    p_deal, p_written, p_pledge : float
        Predicted probabilities of the talks ending in a deal, and of each kind.
    p_outcome, p_breakdown : float
        P(the feared outcome within the horizon), P(breakdown within it), over the
        predicted outcomes.
    deaths : float
        Expected deaths within the horizon.
    held_days : float
        Expected compliance days paid (days the ceasefire holds while the mediator stays,
        after outcomes that provide compliance payments).
    value, outcome_cost, deaths_cost, expected_cost, committed_cost : float
        The parts of ``U = value - outcome_cost - deaths_cost - expected_cost`` and what
        the leverage commits (<= the budget when feasible), mediator units.
    leading : str
        The knob with the largest expected cost (``none`` if it spends nothing): the
        kind of leverage it is.
    """

    knobs: dict[str, float]
    objective: float
    p_deal: float
    p_written: float
    p_pledge: float
    p_outcome: float
    p_breakdown: float
    deaths: float
    held_days: float
    value: float
    outcome_cost: float
    deaths_cost: float
    expected_cost: float
    committed_cost: float
    leading: str

    def row(self, prefix: str = "") -> dict[str, Any]:
        """The assessment as flat table columns (knobs by name)."""
        out = {f"{prefix}{k}": v for k, v in self.knobs.items()}
        out.update({f"{prefix}{k}": v for k, v in asdict(self).items() if k != "knobs"})
        return out


class LeverageProblem:
    """A mediator's choice in one round: the knobs it chooses, their ranges, and ``U``.

    A handle (no search of its own): :meth:`evaluate` gives the objective and its parts
    at many leverage points at once; each distinct talks game and each distinct ceasefire
    is computed once and kept by content (for this and every later problem).

    Parameters
    ----------
    scenario : Scenario
        The round (its mediator's values hold the knobs the objective does not price).
    objective : MediatorObjective
    setup : RolloutSetup
        The ceasefire's parameters (its ``method``, runs and days are not used: the chain
        is exact, over the objective's horizon).
    upper : mapping of str to float, optional
        Top of each payoff knob's search range (:data:`DEFAULT_UPPER`).
    """

    def __init__(self, scenario: Scenario, objective: MediatorObjective, setup: RolloutSetup,
                 upper: Mapping[str, float] | None = None) -> None:
        self.scenario, self.objective, self.setup = scenario, objective, setup
        self.knobs = tuple(objective.prices)
        tops = {**DEFAULT_UPPER, **(upper or {})}
        for k, v in tops.items():
            if k not in DEFAULT_UPPER or not (math.isfinite(v) and v > 0):
                raise ConfigError(f"leverage_choice.upper.{k}: expected a payoff knob {list(DEFAULT_UPPER)} "
                                  f"with a positive top, got {v!r}")
        self.upper = np.array([1.0 if k in FRACTION_KNOBS else float(tops[k]) for k in self.knobs])
        self.base = asdict(scenario.mediator)
        self.evaluations = 0
        outcome_level = LEVEL_OUTCOMES.index(objective.outcome.name) + 1
        self._levels = (outcome_level, setup.breakdown_level)
        self._deal = {kind: np.array([[k == kind for k in row] for row in scenario.deal_kind]) for kind in DEAL_KINDS}
        self._compliance = scenario.provision("compliance")

    def ranges(self) -> np.ndarray:
        """Each chosen knob's search range top: ``min(upper, budget / price)`` (the budget
        alone caps a knob at ``budget / price``), shape (K,)."""
        price = np.array([self.objective.prices[k] for k in self.knobs])
        per_day = np.array([self.objective.engagement_days if k == "transfer_compliance" else 1 for k in self.knobs])
        with np.errstate(divide="ignore"):
            cap = np.where(price * per_day > 0, self.objective.budget / (price * per_day), np.inf)
        return np.minimum(self.upper, cap)

    def full(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Every mediator knob at each point of ``X`` (shape (N, K), the chosen knobs)."""
        X = np.atleast_2d(np.asarray(X, float))
        out = {k: np.full(len(X), float(self.base[k])) for k in MEDIATOR_KNOBS}
        for c, k in enumerate(self.knobs):
            out[k] = X[:, c]
        return out

    def committed(self, X: np.ndarray) -> np.ndarray:
        """:func:`committed_cost` at each point, shape (N,)."""
        return committed_cost(self.objective, self.full(X))

    def _talks_at(self, knobs: dict[str, np.ndarray]) -> np.ndarray:
        rows = np.column_stack([knobs[k] for k in TALKS_KNOBS])
        unique, inverse = np.unique(rows, axis=0, return_inverse=True)
        return talks_predictions(self.scenario, dict(zip(TALKS_KNOBS, unique.T, strict=True)))[inverse.ravel()]

    def _ceasefire_at(self, knobs: dict[str, np.ndarray]) -> np.ndarray:
        obj = self.objective
        rows = np.column_stack([knobs[k] for k in CEASEFIRE_KNOBS])
        unique, inverse = np.unique(rows, axis=0, return_inverse=True)
        m, n = self.scenario.shape
        cells = [(i, j) for i in range(m) for j in range(n)]
        per_row = []
        for u in unique:
            regimes = ceasefire_regimes(self.scenario, self.setup, obj, dict(zip(CEASEFIRE_KNOBS, map(float, u), strict=True)))
            per_row.append([regimes[c] for c in cells])
        tail = (self.setup.params, obj.horizon, obj.engagement_days, *self._levels)
        todo = list(dict.fromkeys(p for pairs in per_row for p in pairs if (*p, *tail) not in _CEASEFIRE))
        if todo:
            reads = switched_reads(self.setup.params, todo, horizon=obj.horizon, switch_day=obj.engagement_days,
                                   outcome_level=self._levels[0], breakdown_level=self._levels[1])
            if len(_CEASEFIRE) > 200_000:
                _CEASEFIRE.clear()
            _CEASEFIRE.update(((*p, *tail), r) for p, r in zip(todo, reads, strict=True))
        Q = np.array([[_CEASEFIRE[(*p, *tail)] for p in pairs] for pairs in per_row]).reshape(len(unique), m, n, len(READS))
        return Q[inverse.ravel()]

    def evaluate(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """``U`` and its parts at each leverage point (rows of ``X``, shape (N, K)).

        Returns a dict of arrays of shape (N,): the fields of :class:`Assessment` but
        ``knobs`` and ``leading``, the knob of the largest expected cost (index into
        :attr:`knobs`, -1 when the point spends nothing): what kind of leverage it is.
        """
        obj = self.objective
        knobs = self.full(X)
        self.evaluations += len(knobs[self.knobs[0]])
        P = self._talks_at(knobs)
        Q = self._ceasefire_at(knobs)
        p_kind = {kind: (P * mask).sum(axis=(1, 2)) for kind, mask in self._deal.items()}
        p_outcome, p_breakdown, deaths = ((P * Q[..., r]).sum(axis=(1, 2)) for r in range(3))
        held = (P * self._compliance * Q[..., 3]).sum(axis=(1, 2))
        spend = np.zeros((len(P), len(self.knobs)))  # expected cost of each chosen knob
        for c, k in enumerate(self.knobs):
            kind = next((d for d, t in DEAL_TRANSFERS.items() if t == k), None)
            paid = p_kind[kind] if kind is not None else held if k == "transfer_compliance" else 1.0
            spend[:, c] = obj.prices[k] * knobs[k] * paid
        cost = spend.sum(axis=1)
        value = sum(obj.value[kind] * p_kind[kind] for kind in DEAL_KINDS)
        outcome_cost, deaths_cost = obj.outcome_weight * p_outcome, obj.deaths_weight * deaths
        return {
            "objective": value - outcome_cost - deaths_cost - cost,
            "p_deal": p_kind["written"] + p_kind["pledge"], "p_written": p_kind["written"], "p_pledge": p_kind["pledge"],
            "p_outcome": p_outcome, "p_breakdown": p_breakdown, "deaths": deaths, "held_days": held,
            "value": np.asarray(value, float) + np.zeros(len(P)), "outcome_cost": outcome_cost, "deaths_cost": deaths_cost,
            "expected_cost": cost, "committed_cost": committed_cost(obj, knobs),
            "leading": np.where(spend.max(axis=1) > 0, np.argmax(spend, axis=1), -1),
        }

    def assess(self, x: np.ndarray) -> Assessment:
        """One leverage point (shape (K,)) as an :class:`Assessment`."""
        parts = self.evaluate(np.asarray(x, float)[None])
        knobs = {k: float(v[0]) for k, v in self.full(np.asarray(x, float)[None]).items()}
        lead = int(parts.pop("leading")[0])
        return Assessment(knobs=knobs, leading=self.knobs[lead] if lead >= 0 else "none",
                          **{k: float(v[0]) for k, v in parts.items()})

    def grid(self, levels: int) -> np.ndarray:
        """The search grid within the budget: ``levels`` values per chosen knob on
        ``[0, range]`` (:meth:`ranges`), the points whose commitment fits, shape (N, K)."""
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
            raise ConfigError(f"leverage_choice.grid: expected a whole number of levels >= 2, got {levels!r}")
        axes = [np.linspace(0.0, hi, levels) for hi in self.ranges()]
        X = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(self.knobs))
        X = np.unique(X, axis=0)  # a range of 0 collapses its axis
        return X[self.committed(X) <= self.objective.budget * (1 + 1e-12) + 1e-15]

    def feasible(self, x: np.ndarray) -> np.ndarray:
        """``x`` (shape (K,)) within its bounds and, scaled down if need be, the budget."""
        hi = self.ranges()
        x = np.clip(np.asarray(x, float), 0.0, hi)
        x[x <= 1e-9 * hi] = 0.0  # the optimiser's rounding, not leverage
        c = float(self.committed(x[None])[0])
        b = self.objective.budget
        return x * (b / c) if c > b and c > 0 else x


# --------------------------------------------------------------------------- the search


@dataclass(frozen=True, eq=False)
class LeverageChoice:
    """What a mediator with an objective chooses in one round.

    Attributes
    ----------
    scenario : str
    objective : MediatorObjective
    knobs : tuple of str
        The knobs it chose (the rest held at the round's values).
    chosen, runner_up : Assessment
        The best leverage found, and the best found whose largest expected cost is on
        another knob (another kind of leverage; None if the budget leaves none).
    shipped : Assessment
        The round's own leverage under the same objective (its commitment may exceed the budget).
    grid_points, evaluations : int
        Grid points within the budget, and leverage points evaluated in all.
    starts : tuple of dict
        The grid points the refinements started from: the best of each of the best
        leading knobs (the knob of the largest expected cost).
    refined : bool
        True if the refinement improved on the best grid point.
    """

    scenario: str
    objective: MediatorObjective
    knobs: tuple[str, ...]
    chosen: Assessment
    runner_up: Assessment | None
    shipped: Assessment
    grid_points: int
    evaluations: int
    starts: tuple[dict[str, float], ...]
    refined: bool

    def row(self) -> dict[str, Any]:
        """One table row: the round, the objective (``mediator_objective``: its name;
        ``objective``: the value U of the choice), the choice and its parts, the runner-up
        (``runner_up_*``) and the round's own leverage (``shipped_*``)."""
        obj = self.objective
        out: dict[str, Any] = {
            "scenario": self.scenario, "mediator_objective": obj.name, "budget": obj.budget, "outcome": obj.outcome.name,
            "horizon": obj.horizon, "engagement_days": obj.engagement_days, "chosen_knobs": " ".join(self.knobs),
            **self.chosen.row(),
        }
        if self.runner_up is not None:
            out.update(self.runner_up.row("runner_up_"))
            out["runner_up_gap"] = self.chosen.objective - self.runner_up.objective
        out.update({f"shipped_{k}": v for k, v in self.shipped.row().items() if k in (
            "objective", "p_deal", "p_written", "p_breakdown", "deaths", "expected_cost", "committed_cost")})
        out.update({"grid_points": self.grid_points, "evaluations": self.evaluations, "refined": self.refined})
        return out


def _starts(U: np.ndarray, lead: np.ndarray, count: int) -> list[int]:
    """Indices of the best point of each of the ``count`` best leading knobs (``leading`` of
    :meth:`LeverageProblem.evaluate`), so that the refinements start from different kinds of leverage."""
    taken: list[int] = []
    for k in np.argsort(-U, kind="stable"):
        if len(taken) == count:
            break
        if all(lead[k] != lead[t] for t in taken):
            taken.append(int(k))
    return taken


def _refine(problem: LeverageProblem, x0: np.ndarray, step: np.ndarray, max_evaluations: int) -> np.ndarray:
    """COBYLA from ``x0`` in units of each knob's range, bounded, the budget as linear constraints."""
    from scipy.optimize import minimize

    hi = problem.ranges()
    live = hi > 0
    if not live.any():
        return x0
    obj = problem.objective
    price = np.array([obj.prices[k] for k in problem.knobs])
    per = np.array([obj.engagement_days if k == "transfer_compliance" else 1.0 for k in problem.knobs]) * price
    deal = np.array([k in DEAL_TRANSFERS.values() for k in problem.knobs])

    def x_of(u: np.ndarray) -> np.ndarray:
        x = x0.copy()
        x[live] = np.clip(u, 0.0, 1.0) * hi[live]
        return x

    def f(u: np.ndarray) -> float:
        return -float(problem.evaluate(x_of(u)[None])["objective"][0])

    constraints = []
    rest = ~deal
    for d in (np.flatnonzero(deal) if deal.any() else [None]):
        weight = per * rest
        if d is not None:
            weight = weight.copy()
            weight[d] = per[d]

        def g(u: np.ndarray, w: np.ndarray = weight) -> float:
            return obj.budget - float(w @ x_of(u))

        constraints.append({"type": "ineq", "fun": g})
    u0 = x0[live] / hi[live]
    rho = float(np.min(step[live] / hi[live])) / 2
    res = minimize(f, u0, method="COBYLA", bounds=[(0.0, 1.0)] * int(live.sum()), constraints=constraints,
                   options={"rhobeg": max(rho, 1e-3), "tol": 1e-5,
                            # COBYLA needs a simplex first: at least one evaluation per knob + 2.
                            "maxiter": max(max_evaluations, int(live.sum()) + 2)})
    return problem.feasible(x_of(res.x))


def choose_leverage(
    scenario: Scenario,
    objective: MediatorObjective,
    setup: RolloutSetup,
    *,
    grid: int = 5,
    starts: int = 2,
    max_evaluations: int = 60,
    upper: Mapping[str, float] | None = None,
    candidates: Sequence[Mapping[str, float]] = (),
    problem: LeverageProblem | None = None,
) -> LeverageChoice:
    """The leverage that maximises the mediator's objective within its budget.

    Parameters
    ----------
    scenario : Scenario
    objective : MediatorObjective
    setup : RolloutSetup
        The ceasefire's parameters.
    grid : int
        Levels per chosen knob of the coarse grid (>= 2).
    starts : int
        Refinements (COBYLA), each from the best grid point of one of the best leading
        knobs (>= 0).
    max_evaluations : int
        Evaluations per refinement (raised to the number of knobs + 2 when lower: COBYLA
        needs a first simplex).
    upper : mapping, optional
        Top of each payoff knob's range (:data:`DEFAULT_UPPER`).
    candidates : sequence of mappings
        Other leverage points to consider (chosen knobs by name), if within the budget:
        e.g. the choice at a smaller budget.
    problem : LeverageProblem, optional
        Reuse one (its caches) for the same round, objective and setup.

    Returns
    -------
    LeverageChoice
    """
    if isinstance(starts, bool) or not isinstance(starts, int) or starts < 0:
        raise ConfigError(f"leverage_choice.starts: expected a whole number >= 0, got {starts!r}")
    if isinstance(max_evaluations, bool) or not isinstance(max_evaluations, int) or max_evaluations < 1:
        raise ConfigError(f"leverage_choice.max_evaluations: expected a whole number >= 1, got {max_evaluations!r}")
    pb = problem if problem is not None else LeverageProblem(scenario, objective, setup, upper)
    X = pb.grid(grid)
    extra = [np.array([float(c[k]) for k in pb.knobs]) for c in candidates]
    extra = [x for x in extra if pb.committed(x[None])[0] <= objective.budget * (1 + 1e-12) + 1e-15
             and np.all(x >= 0) and np.all(x <= pb.ranges() * (1 + 1e-12))]
    if extra:
        X = np.vstack([X, *extra])
    grid_parts = pb.evaluate(X)
    step = pb.ranges() / (grid - 1)
    first = _starts(grid_parts["objective"], grid_parts["leading"], starts)
    ends = [_refine(pb, X[k], step, max_evaluations) for k in first]
    found = np.vstack([X, *ends]) if ends else X
    parts = {k: np.concatenate([v, pb.evaluate(np.array(ends))[k]]) if ends else v for k, v in grid_parts.items()}
    values, lead = parts["objective"], parts["leading"]
    best = int(np.argmax(values))
    other = np.flatnonzero(lead != lead[best])
    runner = int(other[np.argmax(values[other])]) if other.size else None
    shipped = np.array([pb.base[k] for k in pb.knobs])
    return LeverageChoice(
        scenario=scenario.name, objective=objective, knobs=pb.knobs, chosen=pb.assess(found[best]),
        runner_up=None if runner is None else pb.assess(found[runner]), shipped=pb.assess(shipped),
        grid_points=len(X), evaluations=pb.evaluations,
        starts=tuple({k: float(v) for k, v in zip(pb.knobs, X[k0], strict=True)} for k0 in first),
        refined=best >= len(X),
    )


def budget_curve(scenario: Scenario, objective: MediatorObjective, setup: RolloutSetup, budgets: Sequence[float],
                 **search: Any) -> list[LeverageChoice]:
    """The choice at each budget, smallest first; each search also considers the choice at
    the budget before it (feasible at a larger one), so the objective never falls as the
    budget grows. ``search``: the settings of :func:`choose_leverage`."""
    out: list[LeverageChoice] = []
    for b in sorted(float(b) for b in budgets):
        obj = objective.with_budget(b)
        before = [{k: out[-1].chosen.knobs[k] for k in out[-1].knobs}] if out else []
        out.append(choose_leverage(scenario, obj, setup, candidates=before, **search))
    return out


# --------------------------------------------------------------------------- the experiment


@dataclass
class LeverageChoiceSpec:
    """The ``leverage_choice`` experiment (``negsim experiment=leverage_choice``): per round
    of ``scenarios`` and objective of ``objectives`` (names under
    ``configs/mediator_objective/``, or YAML paths), the choice (:func:`choose_leverage`,
    with ``grid``, ``starts``, ``max_evaluations``, ``upper``). ``budgets``, if given, adds
    each objective's choice at each of those budgets (:func:`budget_curve`);
    ``engagement_days``, if given, replaces every objective's. ``draws`` > 0 adds the
    choice under that many joint draws of each objective's stated ranges (``method``:
    ``sobol`` or ``lhs``; ``seed``: default the run's), :func:`choice_robustness`."""

    scenarios: list[str] = field(default_factory=lambda: ["doha_round", "istanbul_round2", "istanbul_round3"])
    objectives: list[str] = field(default_factory=lambda: ["deal_only", "durable_peace", "qatar", "turkiye"])
    grid: int = 5
    starts: int = 2
    max_evaluations: int = 60
    upper: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_UPPER))
    budgets: list[float] = field(default_factory=list)
    engagement_days: int | None = None
    draws: int = 0
    method: str = "sobol"
    seed: int | None = None

    @classmethod
    def parsed(cls, spec: Any) -> LeverageChoiceSpec:
        """The ``leverage_choice`` node (a mapping, a spec or None: the defaults), validated."""
        return parse(cls, {} if spec is None else spec, "leverage_choice")

    def search(self) -> dict[str, Any]:
        """The keyword arguments of :func:`choose_leverage` these settings give."""
        return {"grid": self.grid, "starts": self.starts, "max_evaluations": self.max_evaluations,
                "upper": self.upper}


def leverage_choice_study(
    scenarios: Sequence[Scenario], setup: RolloutSetup, spec: Any = None, progress: Any = None,
) -> tuple[list[LeverageChoice], list[LeverageChoice]]:
    """Every round's choice under every objective, and (``spec.budgets``) along the budgets.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The rounds, as the user set them (their mediators hold the unpriced knobs).
    setup : RolloutSetup
        The ceasefire's parameters.
    spec : LeverageChoiceSpec or mapping, optional
        The experiment's settings (validated here; defaults as :class:`LeverageChoiceSpec`).
    progress : callable, optional
        Called with a line of text after each choice.

    Returns
    -------
    (choices, curve) : two lists of LeverageChoice
        One choice per (round, objective) at the objective's budget, in that order; and
        one per (round, objective, budget) of ``spec.budgets``.
    """
    sp = LeverageChoiceSpec.parsed(spec)
    objectives = [load_objective(name) for name in sp.objectives]
    if sp.engagement_days is not None:
        days = _whole("leverage_choice.engagement_days", sp.engagement_days, 0)
        objectives = [replace(o, engagement_days=days) for o in objectives]
    budgets = [finite(f"leverage_choice.budgets[{k}]", b) for k, b in enumerate(sp.budgets)]
    if any(b < 0 for b in budgets):
        raise ConfigError(f"leverage_choice.budgets: expected budgets >= 0, got {budgets}")
    search = sp.search()
    choices, curve = [], []
    for sc in scenarios:
        for obj in objectives:
            choices.append(choose_leverage(sc, obj, setup, **search))
            if progress is not None:
                progress(choice_line(choices[-1]))
            if budgets:
                curve += budget_curve(sc, obj, setup, budgets, **search)
    return choices, curve


def choice_line(choice: LeverageChoice) -> str:
    """One line of text: the round, the objective, the choice, its parts and the runner-up."""
    c, obj = choice.chosen, choice.objective
    knobs = ", ".join(f"{k} {c.knobs[k]:.3g}" for k in choice.knobs if c.knobs[k] > 0) or "no paid leverage"
    line = (f"{choice.scenario:<16} {obj.name:<14} U {c.objective:+.4f}: {knobs} (commits {c.committed_cost:.3g} "
            f"of {obj.budget:.3g}); P(deal) {c.p_deal:.3f}, P({obj.outcome.label} within {obj.horizon} days) "
            f"{c.p_outcome:.3f}, deaths {c.deaths:.1f}")
    if choice.runner_up is not None:
        line += f"; runner-up ({choice.runner_up.leading}) U {choice.runner_up.objective:+.4f}"
    return line


# --------------------------------------------------------------------------- robustness to the assumptions


def with_parameters(objective: MediatorObjective, values: Mapping[str, float]) -> MediatorObjective:
    """The objective with some of its parameters replaced, by key (the keys of its
    ``evidence`` and ``priors``: ``mediator_objective.price.verification``,
    ``mediator_objective.engagement_days`` (rounded to whole days), ...)."""
    value, prices, persistence = dict(objective.value), dict(objective.prices), dict(objective.persistence)
    scalars: dict[str, Any] = {}
    for key, v in values.items():
        head, _, part = key.partition(".")[2].partition(".")
        if head == "value" and part in value:
            value[part] = float(v)
        elif head == "price" and part in prices:
            prices[part] = float(v)
        elif head == "persistence" and part in persistence:
            persistence[part] = float(v)
        elif (head, part) in (("escalation", "weight"), ("deaths", ""), ("budget", ""), ("engagement_days", "")):
            field_name = {"escalation": "outcome_weight", "deaths": "deaths_weight"}.get(head, head)
            scalars[field_name] = int(round(float(v))) if head == "engagement_days" else float(v)
        else:
            raise ConfigError(f"{key}: not a parameter of the mediator objective {objective.name!r}")
    return replace(objective, value=value, prices=prices, persistence=persistence, **scalars)


def objective_draws(objectives: Sequence[MediatorObjective], n: int, method: str = "sobol",
                    seed: int = 0) -> tuple[list[str], np.ndarray, list[list[MediatorObjective]]]:
    """``n`` joint draws of every stated range (``priors``) of the objectives.

    One point set over the union of their parameter keys (sorted), so a key two objectives
    share takes the same quantile in the same draw (common random numbers: two mediators
    are compared under the same reading of a shared assumption).

    Returns
    -------
    (keys, u, variants)
        The keys; the unit draws, shape (n, len(keys)); per objective, its ``n`` variants
        (:func:`with_parameters` at its own keys' quantiles).
    """
    from negsim.studies.uncertainty import METHODS, unit_draws

    if method not in METHODS:
        raise ConfigError(f"leverage_choice.method: expected one of {', '.join(METHODS)}, got {method!r}")
    keys = sorted({k for o in objectives for k in o.priors})
    u = unit_draws(n, len(keys), method, seed) if keys else np.zeros((n, 0))
    variants = []
    for o in objectives:
        own = {k: o.priors[k].ppf(u[:, keys.index(k)]) for k in o.priors}
        variants.append([with_parameters(o, {k: float(v[d]) for k, v in own.items()}) for d in range(n)])
    return keys, u, variants


@dataclass(frozen=True, eq=False)
class Robustness:
    """One round's choice under one objective, and the choices under draws of its stated ranges.

    Attributes
    ----------
    central : LeverageChoice
        The choice at the objective's stated values.
    draws : tuple of LeverageChoice
        The choice at each joint draw of its ranges (in draw order).
    parameters : tuple of str
        The keys drawn (the objective's ``priors``).
    """

    central: LeverageChoice
    draws: tuple[LeverageChoice, ...]
    parameters: tuple[str, ...]

    def leading(self) -> list[str]:
        """The leading knob (the kind of leverage) of each draw's choice."""
        return [c.chosen.leading for c in self.draws]

    def row(self) -> dict[str, Any]:
        """One table row: how often the draws choose the central choice's kind of leverage,
        the kinds they choose, and the 5%, 50% and 95% points of the objective, P(deal),
        P(the feared outcome), the commitment and each chosen knob over the draws."""
        c = self.central
        lead = self.leading()
        counts = {k: lead.count(k) for k in dict.fromkeys(sorted(lead, key=lambda k: -lead.count(k)))}
        out: dict[str, Any] = {
            "scenario": c.scenario, "mediator_objective": c.objective.name, "draws": len(self.draws),
            "parameters": " ".join(self.parameters), "leading": c.chosen.leading,
            "same_leading": sum(k == c.chosen.leading for k in lead) / len(lead) if lead else float("nan"),
            "leading_counts": " ".join(f"{k}:{v}" for k, v in counts.items()),
        }
        columns: dict[str, list[float]] = {"objective": [], "p_deal": [], "p_outcome": [], "committed_cost": [],
                                           **{k: [] for k in c.knobs}}
        for d in self.draws:
            for name, values in columns.items():
                values.append(d.chosen.knobs[name] if name in c.knobs else getattr(d.chosen, name))
        for name, values in columns.items():
            for q, v in zip(("q05", "q50", "q95"), np.quantile(values, [0.05, 0.5, 0.95]) if values else [np.nan] * 3,
                            strict=True):
                out[f"{name}_{q}"] = float(v)
        return out


def choice_robustness(scenarios: Sequence[Scenario], choices: Sequence[LeverageChoice], setup: RolloutSetup,
                      spec: Any = None, *, seed: int = 0, progress: Any = None) -> list[Robustness]:
    """Each choice of :func:`leverage_choice_study` again under ``spec.draws`` joint draws
    of its objective's stated ranges (:func:`objective_draws`, over all the run's
    objectives at once, so the mediators share the draws of a shared assumption).

    ``seed``: the run's, unless ``spec.seed`` is set. ``progress`` is called with a line
    per (round, objective). Returns one :class:`Robustness` per choice, in order (none
    when ``spec.draws`` is 0).
    """
    sp = LeverageChoiceSpec.parsed(spec)
    n = _whole("leverage_choice.draws", sp.draws, 0)
    if n == 0:
        return []
    objectives = list({c.objective.name: c.objective for c in choices}.values())
    _, _, variants = objective_draws(objectives, n, sp.method, seed if sp.seed is None else sp.seed)
    by_name = {o.name: v for o, v in zip(objectives, variants, strict=True)}
    rounds = {sc.name: sc for sc in scenarios}
    search = sp.search()
    out = []
    for c in choices:
        drawn = tuple(choose_leverage(rounds[c.scenario], v, setup, **search) for v in by_name[c.objective.name])
        out.append(Robustness(central=c, draws=drawn, parameters=tuple(sorted(c.objective.priors))))
        if progress is not None:
            r = out[-1].row()
            progress(f"{c.scenario:<16} {c.objective.name:<14} over {n} draws of its assumptions: "
                     f"{r['same_leading']:.0%} choose {c.chosen.leading} ({r['leading_counts']}); "
                     f"P(deal) {r['p_deal_q05']:.3f}-{r['p_deal_q95']:.3f}, "
                     f"P({c.objective.outcome.label}) {r['p_outcome_q05']:.3f}-{r['p_outcome_q95']:.3f} (5-95%)")
    return out


def robustness_pairs(results: Sequence[Robustness]) -> list[dict[str, Any]]:
    """Per round and pair of objectives: whether their choices lead with different knobs
    (kinds of leverage) at the stated values, and in what share of the shared draws."""
    rows = []
    for a_k, a in enumerate(results):
        for b in results[a_k + 1:]:
            if a.central.scenario != b.central.scenario or len(a.draws) != len(b.draws):
                continue
            la, lb = a.leading(), b.leading()
            rows.append({
                "scenario": a.central.scenario, "objective_a": a.central.objective.name,
                "objective_b": b.central.objective.name, "draws": len(la),
                "differ_at_stated": a.central.chosen.leading != b.central.chosen.leading,
                "differ_share": sum(x != y for x, y in zip(la, lb, strict=True)) / len(la) if la else float("nan"),
            })
    return rows
