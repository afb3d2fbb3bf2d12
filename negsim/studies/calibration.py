"""Calibration to the record, and scored hindcasts of it.

The record (``configs/record/events.yaml``) is a handful of observed events: the Doha round
ended in a deal, both Istanbul rounds without one, and the Doha ceasefire held through the
end of round three with incidents (EV4, EV5, MD1). Each joint draw ``theta`` of the
judgement calls of all three rounds (:mod:`negsim.studies.uncertainty`; a round's payoff
weights and discount are its own, the precision, the mechanism and the ceasefire process
are shared) gives each event a probability ``p_e(theta)``: P(deal), 1 - P(deal), or
P(the ladder rose but did not reach breakdown within the days), mixed over the round's
predicted outcomes and computed exactly from the ladder's chain.

**Calibration** weights the prior draws by the likelihood of the record,
``w_i ∝ prod_e p_e(theta_i)`` (importance sampling from the prior; Esarey, Mukherjee &
Moore 2008 use the same idea to assess models of strategic choice), and reports the
effective sample size ``ESS = (sum w)^2 / sum w^2`` and each parameter's posterior
against its prior. Four events cannot identify 30-odd judgement calls: most posteriors
stay close to their priors, and the report says by how much each moved (in prior
standard deviations).

**Hindcasts** state the model's probability of each event before it is conditioned on:
the prior predictive ``mean_i p_e(theta_i)`` and the leave-one-out posterior predictive
(weights from the other events only), scored by the Brier score ``(1 - p)^2`` and the log
score ``-log p`` (every recorded event happened), with a reliability table.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.studies.parallel import Workers, map_rows
from negsim.studies.pipeline import Point
from negsim.studies.uncertainty import Parameter, draws, parameter_space, with_values

#: Kinds of recorded event.
KINDS = ("deal", "no_deal", "holds_with_incidents")
#: Parameters that belong to one round (the others are shared by all rounds).
_ROUND_OWN = ("weights.", "ceasefire_discount")
#: Below this effective sample size (and 5% of the draws) the weights are said to be unreliable.
SMALL_ESS = 20


@dataclass(frozen=True)
class Event:
    """One recorded event: its id, round, kind, date, days (ceasefire events) and evidence."""

    id: str
    round: str
    kind: str
    date: str
    source: tuple[str, ...]
    days: int = 0
    note: str = ""


def load_record(path: Path | None = None) -> list[Event]:
    """The recorded events, validated (known kind and evidence, days for ceasefire events)."""
    from negsim.io.configs import config_dir, load_yaml
    from negsim.model.evidence import check_sources

    path = path or config_dir() / "record" / "events.yaml"
    data = load_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("events"), list) or not data["events"]:
        raise ConfigError(f"{path}: expected a mapping with a non-empty list 'events'")
    out = []
    for k, raw in enumerate(data["events"]):
        key = f"record.events[{k}]"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{key}: expected a mapping")
        missing = [f for f in ("id", "round", "kind", "date", "source") if f not in raw]
        if missing:
            raise ConfigError(f"{key}.{missing[0]}: missing")
        if raw["kind"] not in KINDS:
            raise ConfigError(f"{key}.kind: expected one of {', '.join(KINDS)}, got {raw['kind']!r}")
        days = raw.get("days", 0)
        if raw["kind"] == "holds_with_incidents" and not (isinstance(days, int) and days >= 1):
            raise ConfigError(f"{key}.days: expected a whole number of days >= 1, got {days!r}")
        out.append(Event(str(raw["id"]), str(raw["round"]), str(raw["kind"]), str(raw["date"]),
                         check_sources(f"{key}.source", raw["source"]), int(days), str(raw.get("note", ""))))
    return out


def _name(round_name: str, parameter: str) -> str:
    return f"{round_name}:{parameter}" if parameter.startswith(_ROUND_OWN) else parameter


def joint_space(points: Mapping[str, Point], width: float) -> list[Parameter]:
    """The judgement calls of several rounds, a round's own ones prefixed ``round:``."""
    space: dict[str, Parameter] = {}
    for round_name, point in points.items():
        for p in parameter_space(point, width):
            name = _name(round_name, p.name)
            space.setdefault(name, Parameter(name, p.value, p.prior))
    return list(space.values())


def _round_point(point: Point, round_name: str, space: Sequence[Parameter], row: np.ndarray) -> Point:
    """One round's point at a joint draw."""
    own = [(Parameter(p.name.split(":", 1)[-1], p.value, p.prior), v) for p, v in zip(space, row, strict=True)
           if ":" not in p.name or p.name.startswith(f"{round_name}:")]
    return with_values(point, [p for p, _ in own], np.array([v for _, v in own]))


def event_given_outcome(event: Event, point: Point, prediction: np.ndarray) -> np.ndarray:
    """The probability of one recorded event given each outcome of its round, shape (m, n):
    1 or 0 for a deal or no deal; for a ceasefire event, P(the ladder is at or above the
    incident level at some point, the start included, and never at breakdown, within the
    days), from the exact chain (0 where the prediction gives the outcome no weight)."""
    from negsim.studies.uncertainty import outcome_horizons

    sc = point.scenario
    assert sc is not None
    if event.kind == "deal":
        return sc.deal.astype(float)
    if event.kind == "no_deal":
        return 1.0 - sc.deal
    out = np.zeros(sc.shape)
    cells = [(int(i), int(j)) for i, j in np.argwhere(prediction > 0)]
    H = outcome_horizons(point, cells, event.days, (1, point.setup.breakdown_level))
    for (i, j), h in zip(cells, H[:, 0] - H[:, 1], strict=True):
        out[i, j] = h
    return out


def importance_weights(log_likelihood: np.ndarray) -> tuple[np.ndarray, float]:
    """Normalised importance weights from log-likelihoods (shape (N,)) and their ESS."""
    ll = np.asarray(log_likelihood, dtype=float)
    if not np.any(np.isfinite(ll)):
        raise ConfigError("calibration: the record has probability zero under every draw")
    w = np.exp(ll - np.max(ll[np.isfinite(ll)]))
    w = np.where(np.isfinite(w), w, 0.0)
    w /= w.sum()
    return w, float(1.0 / np.sum(w**2))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` under normalised ``weights`` (both shape (N,))."""
    order = np.argsort(values)
    cdf = np.cumsum(weights[order])
    return float(values[order][min(int(np.searchsorted(cdf, q)), len(values) - 1)])


@dataclass(frozen=True, eq=False)
class Calibration:
    """Prior draws, each event's probability under each draw, and the record's weights.

    Attributes
    ----------
    space : tuple of Parameter
    values : numpy.ndarray, shape (N, D)
    events : tuple of Event
    probabilities : numpy.ndarray, shape (N, E)
        Each event's probability under each draw (its marginal).
    weights : numpy.ndarray, shape (N,)
        Normalised, proportional to the record's likelihood under each draw: per round,
        the sum over its outcomes of the outcome's probability times the probability of
        each of the round's events given it (a round's deal and its ceasefire are not
        independent), multiplied over the rounds.
    ess : float
    log_likelihood : numpy.ndarray, shape (N,)
    without : numpy.ndarray, shape (N, E)
        The record's log-likelihood with one event left out.
    """

    space: tuple[Parameter, ...]
    values: np.ndarray
    events: tuple[Event, ...]
    probabilities: np.ndarray
    weights: np.ndarray
    ess: float
    log_likelihood: np.ndarray
    without: np.ndarray

    def posterior(self) -> list[dict[str, Any]]:
        """Per parameter: prior and posterior mean, 5% and 95% points, and the shift of the
        mean in prior standard deviations."""
        rows = []
        for k, p in enumerate(self.space):
            v = self.values[:, k]
            prior_mean, post_mean = float(v.mean()), float(self.weights @ v)
            sd = float(v.std())
            rows.append({
                "parameter": p.name, "value": p.value, "prior": p.prior.describe(),
                "prior_mean": prior_mean, "posterior_mean": post_mean,
                "prior_q05": float(np.quantile(v, 0.05)), "prior_q95": float(np.quantile(v, 0.95)),
                "posterior_q05": weighted_quantile(v, self.weights, 0.05),
                "posterior_q95": weighted_quantile(v, self.weights, 0.95),
                "shift_in_prior_sd": (post_mean - prior_mean) / sd if sd > 0 else 0.0,
            })
        return rows

    def hindcast(self) -> list[dict[str, Any]]:
        """Per event: the prior predictive probability and the leave-one-out posterior
        predictive ``P(event | the rest of the record)``, and their Brier and log scores
        (every recorded event happened)."""
        from scipy.special import logsumexp

        rows = []
        for e, event in enumerate(self.events):
            prior_p = float(self.probabilities[:, e].mean())
            loo_p = float(np.exp(logsumexp(self.log_likelihood) - logsumexp(self.without[:, e])))
            _, ess = importance_weights(self.without[:, e])
            rows.append({
                "event": event.id, "round": event.round, "kind": event.kind, "date": event.date,
                "p_prior": prior_p, "p_leave_one_out": loo_p, "ess_leave_one_out": ess,
                "brier_prior": (1 - prior_p) ** 2, "brier_leave_one_out": (1 - loo_p) ** 2,
                "log_score_prior": -math.log(max(prior_p, 1e-300)), "log_score_leave_one_out": -math.log(max(loo_p, 1e-300)),
            })
        return rows


def reliability_table(probabilities: Sequence[float], outcomes: Sequence[int], bins: int = 5) -> list[dict[str, Any]]:
    """Forecasts grouped in ``bins`` equal bins of [0, 1]: count, mean forecast, observed frequency."""
    p, o = np.asarray(probabilities, float), np.asarray(outcomes, float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    return [{"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "forecasts": int(np.sum(which == b)),
             "mean_forecast": float(p[which == b].mean()) if np.any(which == b) else None,
             "observed_frequency": float(o[which == b].mean()) if np.any(which == b) else None}
            for b in range(bins)]


def calibrate(
    points: Mapping[str, Point], record: Sequence[Event], n: int, *, method: str = "sobol", seed: int = 0,
    width: float = 0.25, progress=None, workers: Workers | None = None,
) -> Calibration:
    """Weight ``n`` joint prior draws of the rounds' judgement calls by the record's likelihood.

    Parameters
    ----------
    points : mapping of round name to Point
        Every round the record names (each with a rollout if a ceasefire event names it).
    record : sequence of Event
    n : int
        Number of prior draws.
    workers : negsim.studies.parallel.Workers, optional
        Contiguous chunks of the draws on several workers (default: this process); the
        same numbers whatever the workers.
    """
    unknown = [e.round for e in record if e.round not in points]
    if unknown:
        raise ConfigError(f"record: event of round '{unknown[0]}', which is not among {sorted(points)}")
    space = joint_space(points, width)
    values = draws(space, n, method, seed)
    by_round = {r: [e for e, ev in enumerate(record) if ev.round == r] for r in sorted({e.round for e in record})}
    rows = map_rows(partial(_record_at, points, list(record), by_round, space), values, workers, progress)
    probs = np.array([p for p, _, _ in rows]).reshape(n, len(record))
    loglik = np.array([ll for _, ll, _ in rows], dtype=float)
    without = np.array([wo for _, _, wo in rows]).reshape(n, len(record))  # log-likelihood of the record but one event
    w, ess = importance_weights(loglik)
    if ess < max(SMALL_ESS, 0.05 * n):
        warnings.warn(f"calibration: effective sample size {ess:.1f} of {n} draws; the posterior is unreliable "
                      f"(draw more: uncertainty.draws)", stacklevel=2)
    return Calibration(tuple(space), values, tuple(record), probs, w, ess, loglik, without)


def _record_at(points: Mapping[str, Point], record: Sequence[Event], by_round: Mapping[str, list[int]],
               space: Sequence[Parameter], row: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """One draw of :func:`calibrate`: each event's probability, the record's log-likelihood
    and the log-likelihood of the record but each event."""
    probs = np.empty(len(record))
    loglik = 0.0
    without = np.zeros(len(record))
    for r, mine in by_round.items():
        pt = _round_point(points[r], r, space, row)
        P = prediction(pt)
        V = {e: event_given_outcome(record[e], pt, P) for e in mine}
        for e in mine:
            probs[e] = float(np.sum(P * V[e]))
        joint = float(np.sum(P * np.prod([V[e] for e in mine], axis=0)))
        loglik += _log(joint)
        for e in range(len(record)):
            if e in mine:
                rest = [V[k] for k in mine if k != e]
                without[e] += _log(float(np.sum(P * np.prod(rest, axis=0)))) if rest else 0.0
            else:
                without[e] += _log(joint)
    return probs, loglik, without


def _log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf


def prediction(point: Point) -> np.ndarray:
    """The point's predicted outcome distribution, shape (m, n), whatever its rule; a
    calibration ignores ``after`` (the record is about what the model predicts)."""
    from negsim.studies.uncertainty import predicted_outcomes

    return predicted_outcomes(replace(point, after=None))


def shipped_points(point: Point, rounds: Sequence[str]) -> dict[str, Point]:
    """``point``'s round (without ``after``), and the other ``rounds`` from their shipped
    scenario and mediator configs with ``point``'s game, rollout and solver settings."""
    from negsim.io.configs import config_dir, load_yaml
    from negsim.model.scenario import build_scenario
    from negsim.model.talks import talks_game

    assert point.scenario is not None
    game_node = load_yaml(config_dir() / "game" / "talks.yaml")
    out = {}
    for r in rounds:
        if r == point.scenario.name:
            out[r] = replace(point, after=None)
            continue
        sc = build_scenario(load_yaml(config_dir() / "scenario" / f"{r}.yaml"), game_node,
                            load_yaml(config_dir() / "mediator" / f"{r}.yaml"))
        lam = sc.precision if point.lam == point.scenario.precision else point.lam
        out[r] = replace(point, scenario=sc, game=talks_game(sc), lam=lam, after=None)
    return out


def posterior_band(point: Point, n: int, *, method: str = "sobol", seed: int = 0, width: float = 0.25, progress=None,
                   workers: Workers | None = None):
    """The point's parameter band under the posterior: joint draws of the recorded rounds'
    judgement calls, weighted by the record's likelihood (:func:`calibrate`); both the
    calibration's draws and the band's run on ``workers`` (default: this process)."""
    from negsim.studies.uncertainty import band_of_draws

    record = load_record()
    assert point.scenario is not None
    points = shipped_points(point, sorted({e.round for e in record} | {point.scenario.name}))
    cal = calibrate(points, record, n, method=method, seed=seed, width=width, workers=workers)
    name = point.scenario.name
    return band_of_draws(point, cal.space, cal.values, method, seed, weights=cal.weights,
                         at=partial(_round_point, point, name, cal.space), progress=progress, workers=workers)
