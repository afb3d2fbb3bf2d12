"""Named outcomes of the ceasefire: what an analyst asks the probability of, by a horizon.

Each named outcome is an event of a ceasefire run with the day it first happened: the
ladder reaching a level (``incident``, ``clash``, ``strikes``, ``open_war``: first
passage, so a later truce does not undo it), the first rise of the ladder
(``first_incident``) or the crossings open again (``crossings_reopened``). The question
"how likely is open war within 90 days?" is ``outcome=open_war horizon=90`` on the
command line; every run also reports every named outcome by the horizon, each with its
95% interval (Wilson's, at the stratified estimate's effective number of runs:
:meth:`negsim.model.forecast.Forecast.event_probability`), or exactly with
``rollout.method=exact``.

Without ``outcome`` the question is the model's breakdown (``rollout.breakdown_level``,
strikes or worse by default); without ``horizon`` it is the rollout's last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from negsim.errors import ConfigError
from negsim.model.rollout import LEVEL_DAYS, _whole


@dataclass(frozen=True)
class NamedOutcome:
    """An event of a ceasefire run, by name.

    Attributes
    ----------
    name : str
        The name on the command line (``outcome=open_war``) and in tables (``ladder_open_war``).
    label : str
        The event in words, as in "P(open war within 90 days)".
    days_array : str
        The :class:`~negsim.model.rollout.RolloutResult` array holding the day it first happened.
    """

    name: str
    label: str
    days_array: str


#: Every named outcome, in ladder order, then the first rise and the crossings.
OUTCOMES: dict[str, NamedOutcome] = {o.name: o for o in (
    NamedOutcome("incident", "an incident or worse", LEVEL_DAYS[0]),
    NamedOutcome("clash", "a clash or worse", LEVEL_DAYS[1]),
    NamedOutcome("strikes", "strikes or worse", LEVEL_DAYS[2]),
    NamedOutcome("open_war", "open war", LEVEL_DAYS[3]),
    NamedOutcome("first_incident", "a first incident (the ladder rises)", "first_incident_day"),
    NamedOutcome("crossings_reopened", "the crossings reopened", "reopen_day"),
)}
#: The named outcome of each ladder level 1-4 (index level - 1).
LEVEL_OUTCOMES = ("incident", "clash", "strikes", "open_war")


def named_outcome(name: Any, breakdown_level: int) -> NamedOutcome:
    """The named outcome ``name`` (a key of :data:`OUTCOMES`), or for None the ladder level
    that counts as breakdown; a :class:`ConfigError` naming ``outcome`` otherwise."""
    if name is None:
        return OUTCOMES[LEVEL_OUTCOMES[breakdown_level - 1]]
    if not isinstance(name, str) or name not in OUTCOMES:
        raise ConfigError(f"outcome: expected one of {', '.join(OUTCOMES)}, got {name!r}")
    return OUTCOMES[name]


def check_horizon(horizon: Any, days: int) -> int:
    """The horizon in days: ``days`` for None, else a whole number 1..``days`` (the rollout's
    length); a :class:`ConfigError` naming ``horizon`` otherwise."""
    if horizon is None:
        return days
    if not _whole(horizon) or not 1 <= horizon <= days:
        raise ConfigError(f"horizon: expected a whole number of days from 1 to rollout.days={days}, got {horizon!r}")
    return int(horizon)


def question(outcome: NamedOutcome, horizon: int) -> str:
    """The quantity in words, for axes and reports: ``P(open war within 90 days)``."""
    return f"P({outcome.label} within {horizon} day{'s' if horizon != 1 else ''})"
