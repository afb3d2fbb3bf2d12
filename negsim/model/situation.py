"""The link from the talks to the ceasefire: each outcome's provisions and its deterrence.

After outcome ``(i, j)`` of the talks, the ceasefire rollout starts from that outcome's
escalation level and crossings, with what the outcome puts in force: the mediator's
verification times the outcome's verification provision, its de-confliction times the
outcome's channel, its compliance transfer where the outcome provides one
(:func:`negsim.model.talks.provisions_in_force`). Kabul's commitment is the outcome's
guarantee level ``c`` (its effort against the TTP while it holds); violating, it delivers
the unverified share ``u c`` (PK2, AF9).

Whether Kabul holds comes from the repeated ceasefire game (:mod:`negsim.games.repeated`)
at the round's daily discount (PK10): the daily signal probabilities of an attack blamed
on Kabul when it holds and when it violates (:func:`negsim.model.rollout.signal_probabilities`,
where verification lowers false alarms more than detections), Kabul's daily stage payoffs
with the compliance transfer lowering its temptation, and Pakistan's k-day punishment.
If some retaliation probability deters, Kabul is *deterred* and Pakistan retaliates with
the least such probability (:func:`negsim.games.repeated.retaliation_probability`, the
most forgiving deterring trigger); if none does, Kabul violates and Pakistan keeps its
conditional-truce rule (``rollout.pak_retaliate``, PK5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from negsim.errors import ConfigError
from negsim.games.repeated import NoisyTrigger, StageGame, noisy_trigger_threshold, retaliation_probability
from negsim.model.rollout import OPEN_WAR, RolloutSetup, Situation, signal_probabilities
from negsim.model.scenario import Scenario
from negsim.model.talks import provisions_in_force


@dataclass(frozen=True)
class Deterrence:
    """The ceasefire game after one outcome.

    Attributes
    ----------
    q_hold, q_violate : float
        Daily probability of an attack blamed on Kabul when it holds / violates.
    retaliate : float or None
        The least deterring retaliation probability; None if nothing deters.
    least_discount : float
        The least daily discount at which certain retaliation deters (inf if none does).
    deterred : bool
    """

    q_hold: float
    q_violate: float
    retaliate: float | None
    least_discount: float
    deterred: bool


def compliance_stage(stage: StageGame, transfer: float) -> StageGame | None:
    """Kabul's stage game with a daily compliance transfer: the temptation ``T`` falls by it.

    Paid for each day Kabul holds, the transfer is what violating forgoes; it is counted
    against the temptation only (the reward of mutual holding is left as it is, so the
    deterrence it buys is a lower bound). Returns None when it covers the whole temptation
    (``T - transfer <= R``): holding then pays without any threat.
    """
    if transfer <= 0:
        return stage
    if stage.T - transfer <= stage.R:
        return None
    return replace(stage, T=stage.T - transfer)


def deterrence(setup: RolloutSetup, situation: Situation, delta: float, compliance: float = 0.0) -> Deterrence:
    """Whether some retaliation probability keeps Kabul holding, and the least one.

    Parameters
    ----------
    setup : RolloutSetup
        The rollout's parameters, stage payoffs and punishment length.
    situation : Situation
        The outcome's ceasefire (effort when holding and violating, provisions in force).
    delta : float
        Daily discount factor of the round, in (0, 1).
    compliance : float
        Daily compliance transfer in force (stage payoff units).
    """
    q_hold, q_violate = signal_probabilities(setup.params, situation)
    stage = compliance_stage(setup.stage, compliance)
    if stage is None:
        return Deterrence(q_hold, q_violate, 0.0, 0.0, True)
    if not q_violate > q_hold:  # nothing committed, nothing to detect
        return Deterrence(q_hold, q_violate, None, math.inf, False)
    k = setup.punishment_days or None
    least = noisy_trigger_threshold(stage, NoisyTrigger(q_hold, q_violate, k, 1.0))
    try:
        rho = retaliation_probability(stage, delta, q_hold, q_violate, k)
    except ConfigError:
        return Deterrence(q_hold, q_violate, None, least, False)
    return Deterrence(q_hold, q_violate, rho, least, True)


def outcome_ceasefire(scenario: Scenario, i: int, j: int, setup: RolloutSetup) -> tuple[Situation, Deterrence]:
    """The ceasefire after outcome ``(i, j)``: its starting situation and its deterrence."""
    prov = provisions_in_force(scenario, i, j)
    commitment = float(scenario.feature("guarantee")[i, j])
    base = Situation(
        effort_hold=commitment,
        effort_violate=commitment * scenario.unverified_share,
        deterred=False,
        verification=prov["verification"],
        deconfliction=prov["channel"],
        punishment_days=setup.punishment_days,
        start_level=int(min(round(float(scenario.feature("escalation")[i, j])), OPEN_WAR)),
        border_closed=bool(scenario.feature("border_open")[i, j] < 0.5),
        breakdown_level=setup.breakdown_level,
    )
    det = deterrence(setup, base, scenario.ceasefire_discount, prov["compliance"])
    if not det.deterred:
        return base, det
    return replace(base, deterred=True, pak_retaliate=det.retaliate), det
