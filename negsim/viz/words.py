"""Words for readers: scenario ids, config keys and metric names as titles and axis labels.

Figures and reports show a policy reader words, not ids:

* :func:`scenario_title`: ``"istanbul_round3"`` -> ``"Istanbul talks, round three"``, the
  ``title`` of the scenario's own config (``configs/scenario/<name>.yaml``, or the YAML file
  a path names); a scenario without a readable title gets :func:`readable` of its name.
* :func:`term`, :func:`axis_label`, :func:`setting_text`: a config key (``mediator.verification``,
  ``rollout.attack_rate``, ``solver.lam``, ``scenario.weights.PAK.escalation.value``, or the
  names the sensitivity studies give their inputs, ``weight PAK.escalation``) as a name with
  its unit, from the meanings in :mod:`negsim.model.schema` and ``docs/reference.md``; an
  unknown key gets a readable name with the key itself in place of the unit.
* :func:`metric_label`: a column of the sweep table (``p_breakdown``) as words, with the
  forecast's horizon in days.

Nothing here imports matplotlib: the words can be used in text reports as well.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from negsim.errors import ConfigError
from negsim.io.configs import config_dir, load_yaml
from negsim.model.scenario import MEDIATOR_KNOBS


class Term(NamedTuple):
    """A config key in words: ``name`` (capitalised), ``unit`` (how its values are read)
    and ``short`` (a lower-case name for legends and notes)."""

    name: str
    unit: str
    short: str


#: One payoff unit, for a note beside figures whose axis is in payoff units (docs/reference.md).
PAYOFF_UNIT_NOTE = "Payoff unit: a sixth of what a written, verified guarantee is worth to Pakistan."

_PAYOFF = "payoff units"
_SHARE = "share, 0-1"
_DAILY = "probability per day"

#: Every key a user can set on the command line and sweep, in its canonical form (:func:`canonical_key`).
_TERMS: dict[str, Term] = {
    "mediator.transfer_written": Term("Transfer paid on a written guarantee", _PAYOFF, "written-guarantee transfer"),
    "mediator.transfer_pledge": Term("Transfer paid on the pledge with confidence-building", _PAYOFF,
                                     "pledge transfer"),
    "mediator.transfer_compliance": Term("Transfer to Kabul per day the ceasefire holds", "daily ceasefire payoff units",
                                         "compliance transfer"),
    "mediator.penalty_breakdown": Term("Penalty on the side blamed for failed talks", _PAYOFF, "breakdown penalty"),
    "mediator.verification": Term("Verification on offer", "quality of the mechanism, 0 none to 1 full",
                                  "verification on offer"),
    "mediator.deconfliction": Term("De-confliction channel on offer", "quality of the channel, 0 none to 1 full",
                                   "de-confliction on offer"),
    "rollout.runs": Term("Simulated ceasefires per predicted outcome", "runs", "runs"),
    "rollout.days": Term("Forecast horizon", "days", "horizon"),
    "rollout.chunk_runs": Term("Runs simulated together", "runs; memory only", "chunk size"),
    "rollout.breakdown_level": Term("Ladder level that counts as breakdown", "1 incident to 4 open war",
                                    "breakdown level"),
    "rollout.attack_rate": Term("Attacks traced to Afghan soil at zero Kabul effort", _DAILY, "attack rate"),
    "rollout.effort_cap": Term("Largest share of attacks Kabul's full effort prevents", _SHARE, "effort cap"),
    "rollout.major_share": Term("Share of attacks that are major", _SHARE, "major-attack share"),
    "rollout.attribution": Term("Chance Pakistan blames an attack on Kabul without verification", _SHARE,
                                "attribution"),
    "rollout.false_alarm_verification": Term("Blame for no-fault attacks that full verification removes", _SHARE,
                                             "false alarms removed"),
    "rollout.detection_verification": Term("Unblamed violations that full verification attributes", _SHARE,
                                           "violations detected"),
    "rollout.pak_retaliate": Term("Chance Pakistan retaliates on a blamed attack", _SHARE, "Pakistani retaliation"),
    "rollout.afg_respond": Term("Chance Kabul answers a Pakistani step", _SHARE, "Kabul's response"),
    "rollout.incident": Term("Border incidents at each ladder level", _DAILY, "border incidents"),
    "rollout.incident_damping": Term("Share of border incidents full de-confliction removes", _SHARE,
                                     "incident damping"),
    "rollout.deescalate": Term("Stepping down the ladder without a channel", _DAILY, "de-escalation"),
    "rollout.deconfliction_pull": Term("Extra step-down chance at full de-confliction", _DAILY,
                                       "de-confliction pull"),
    "rollout.war_exit": Term("Open war ending in a truce", _DAILY, "war exit"),
    "rollout.war_exit_level": Term("Ladder level a truce ends open war at", "0 holding to 3 strikes",
                                   "truce level"),
    "rollout.tension_shape": Term("How fast early tension fades", "Weibull shape, 0-1; 1 = no fading",
                                  "tension shape"),
    "rollout.tension_scale": Term("Time over which early tension fades", "days", "tension scale"),
    "rollout.reopen": Term("Closed crossings reopening while calm", _DAILY, "reopening"),
    "rollout.deaths_per_day": Term("Deaths at each ladder level", "deaths per day", "deaths per day"),
    "rollout.trade_loss_per_day": Term("Trade lost per day of closed crossings", "US dollars per day", "trade loss"),
    "rollout.stage_T": Term("Kabul's payoff from violating while Pakistan holds", "daily ceasefire payoff units",
                            "temptation"),
    "rollout.stage_R": Term("Kabul's payoff from mutual restraint", "daily ceasefire payoff units", "restraint"),
    "rollout.stage_P": Term("Kabul's payoff from mutual violation", "daily ceasefire payoff units",
                            "mutual violation"),
    "rollout.stage_S": Term("Kabul's payoff from holding while Pakistan violates", "daily ceasefire payoff units",
                            "sucker's payoff"),
    "rollout.punishment_days": Term("Punishment after a violation signal", "days", "punishment length"),
    "solver.lam": Term("Precision of the delegations' choices, lambda", "logit QRE, per unit of payoff range",
                       "precision"),
    "solver.tol": Term("Largest accepted regret", "share of each player's payoff range", "regret tolerance"),
    "precision": Term("Precision of the delegations' choices, lambda", "logit QRE, per unit of payoff range",
                      "precision"),
    "ceasefire_discount": Term("Daily discount of the ceasefire game", "per day, 0-1", "ceasefire discount"),
    "mechanism.unverified_share": Term("Effect an unverified commitment delivers", _SHARE, "unverified share"),
    "mechanism.sovereignty_effect": Term("Sovereignty cost added per unit of verification in force", "signed",
                                         "sovereignty effect"),
    "seed": Term("Random seed", "integer", "seed"),
    "uncertainty.draws": Term("Draws of the judgement calls from their priors", "count", "draws"),
    "uncertainty.width": Term("Half-width of the default prior", "relative, 0-1", "prior width"),
    "uncertainty.seed": Term("Seed of the draws", "integer", "draw seed"),
    "uncertainty.sobol_base": Term("Base sample of the Sobol indices", "count", "Sobol base"),
    "uncertainty.threshold_draws": Term("Draws whose leverage thresholds are found", "count", "threshold draws"),
}

_PLAYERS = {"PAK": "Pakistan", "AFG": "Kabul"}
#: The talks game's features (configs/game/talks.yaml) as words.
_FEATURES = {
    "guarantee": "Kabul's guarantee against TTP sanctuaries",
    "sovereignty": "Kabul's sovereignty cost",
    "escalation": "escalation",
    "border_open": "open border crossings",
    "pak_concession": "Pakistan backing down",
    "afg_concession": "Kabul yielding",
}
_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def readable(identifier: str) -> str:
    """An id as words: separators to spaces, small numbers spelt out, first letter capitalised.

    ``"istanbul_round3"`` -> ``"Istanbul round three"``; ``"rollout.new_knob"`` -> ``"Rollout new knob"``.
    """
    spaced = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", re.sub(r"[_.\-/]+", " ", identifier))
    words = [_NUMBERS[int(w)] if w.isdigit() and int(w) < len(_NUMBERS) else w for w in spaced.split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def scenario_title(name: str) -> str:
    """A scenario's title: the ``title`` of its config, else :func:`readable` of its name.

    ``name`` is a shipped scenario's name (``configs/scenario/<name>.yaml``) or the path of a
    scenario YAML file, as :func:`negsim.model.scenario.load_scenario` takes it.
    """
    path = Path(name) if name.endswith((".yaml", ".yml")) else config_dir() / "scenario" / f"{name}.yaml"
    try:
        title = load_yaml(path).get("title")
    except ConfigError:
        title = None
    return title.strip() if isinstance(title, str) and title.strip() else readable(Path(name).stem)


def player_name(player: str) -> str:
    """``"PAK"`` -> ``"Pakistan"``, ``"AFG"`` -> ``"Kabul"``; another id as it is."""
    return _PLAYERS.get(player, player)


def canonical_key(key: str) -> str:
    """The one spelling of a key that :func:`term` looks up.

    ``"weight PAK.escalation"`` and ``"scenario.weights.PAK.escalation.value"`` ->
    ``"weights.PAK.escalation"``; ``"rollout attack_rate"`` -> ``"rollout.attack_rate"``;
    ``"game.precision.value"`` -> ``"precision"``; a bare mediator knob
    (``"verification"``) -> ``"mediator.verification"``.
    """
    k = key.strip().lstrip("+~")
    head, space, rest = k.partition(" ")
    if space and head in ("weight", "rollout"):
        k = f"{'weights' if head == 'weight' else 'rollout'}.{rest}"
    k = k.removesuffix(".value")
    for node in ("scenario.", "game."):
        if k.startswith(node) and k.removeprefix(node).split(".")[0] in (
                "weights", "ceasefire_discount", "precision", "mechanism"):
            k = k.removeprefix(node)
    return f"mediator.{k}" if k in MEDIATOR_KNOBS else k


def _weight_term(player: str, feature: str) -> Term:
    owner = player_name(player)
    what = _FEATURES.get(feature, readable(feature).lower())
    return Term(f"{owner}'s weight on {what}", "payoff units per unit of the feature", f"{owner}'s weight on {what}")


def term(key: str) -> Term:
    """A config key in words (:class:`Term`); an unknown key: :func:`readable` of its last
    part as the name, the key itself as the unit."""
    k = canonical_key(key)
    parts = k.split(".")
    if k in _TERMS:
        return _TERMS[k]
    if len(parts) == 3 and parts[0] == "weights":
        return _weight_term(parts[1], parts[2])
    name = readable(parts[-1])
    return Term(name, key, name.lower())


def axis_label(key: str) -> str:
    """``"mediator.verification"`` -> ``"Verification on offer (quality of the mechanism, 0 none to 1 full)"``."""
    t = term(key)
    return f"{t.name} ({t.unit})"


def setting_text(key: str, value: float) -> str:
    """A setting as words: ``("mediator.transfer_written", 5)`` -> ``"written-guarantee transfer: 5 (payoff units)"``."""
    t = term(key)
    return f"{t.short}: {value:g} ({t.unit})"


def unit_note(key: str) -> str | None:
    """:data:`PAYOFF_UNIT_NOTE` for a key measured in the talks' payoff units, else None."""
    return PAYOFF_UNIT_NOTE if term(key).unit == _PAYOFF else None


def _within(horizon: int | None) -> str:
    return f"within {horizon} days" if horizon else "by the horizon"


def metric_label(name: str, horizon: int | None = None) -> str:
    """A column of the sweep table in words; ``horizon`` is the forecast's length in days.

    ``("p_breakdown", 180)`` -> ``"P(ceasefire breaks down within 180 days)"``; a band column
    (``p_breakdown_q05``) adds which point of the band; an unknown name gets :func:`readable`.
    """
    if name.startswith("ladder_"):  # a named outcome by the horizon (negsim.model.outcomes)
        from negsim.model.outcomes import OUTCOMES

        stem = name[len("ladder_"):].removesuffix("_low").removesuffix("_high")
        if stem in OUTCOMES:
            return f"P({OUTCOMES[stem].label} {_within(horizon)})"
    base, _, q = name.rpartition("_q")
    if base and q in ("05", "50", "95"):
        point = {"05": "5th percentile", "50": "median", "95": "95th percentile"}[q]
        return f"{metric_label(base, horizon)}, {point} over the judgement calls"
    within = _within(horizon)
    words = {
        "p_breakdown": f"P(ceasefire breaks down {within})",
        "p_deal": "P(the talks end in a deal)",
        "p_written": "P(a written guarantee is agreed)",
        "p_pledge": "P(the verbal pledge with confidence-building is agreed)",
        "p_open_war": f"P(open war on day {horizon})" if horizon else "P(open war at the horizon)",
        "p_incident_21_days": "P(a border incident within 21 days)",
        "median_days_to_breakdown": "Median time until the ceasefire breaks down (days)",
        "mean_closed_days": f"Expected days the crossings are closed {within} (days)",
        "mean_deaths": f"Expected deaths {within}",
        "mean_trade_lost_usd": f"Expected trade lost {within} (US dollars)",
        "verification_in_force": "Verification in force after the talks, expected (0-1)",
        "channel_in_force": "De-confliction channel in force after the talks, expected (0-1)",
    }
    return words.get(name, readable(name))
