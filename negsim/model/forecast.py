"""The ceasefire forecast after a round: rollouts stratified over the predicted outcomes.

The talks prediction gives every outcome a probability ``w_c``; each outcome with
``w_c > 0`` is a stratum with its own ceasefire (:mod:`negsim.model.situation`), rolled
out on the same seed (common random numbers across strata and sweep points). Any
statistic of the mixture is the ``w``-weighted sum of the strata's: the weights are exact,
so the estimate has no sampling noise from the talks outcome (stratified sampling,
Cochran 1977 ch. 5). The strata share their random numbers, so they are correlated: the
estimate of P(breakdown by day t) is the mean over runs ``r`` of ``Y_r = sum_c w_c
1[run r of stratum c broke down by t]``, and its variance is ``var(Y) / runs`` with
``E[Y^2] = sum_c sum_d w_c w_d P(both broke down by t)``, counted from the runs. As
``0 <= Y <= 1``, ``var(Y) <= p (1 - p)``: never more than sampling the talks outcome.

:class:`ExactForecast` is the same mixture with each stratum's ceasefire computed exactly
from the ladder's Markov chain (:mod:`negsim.model.chain`, ``rollout.method=exact``): the
same interface, no runs and no sampling error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from negsim.model.chain import QUANTILES, ExactResult, first_days, hazard_from_survival
from negsim.model.rollout import LEVEL_DAYS, OPEN_WAR, RolloutResult, wilson_bounds

#: The per-run arrays ``rollout.npz`` holds (``Forecast.arrays(runs=True)``): the day of the
#: breakdown, of each ladder level's first passage, of the first rise and of the reopening
#: (0: never), closed days and deaths; any named outcome at any horizon follows from them.
PER_RUN = ("breakdown_day", *LEVEL_DAYS, "first_incident_day", "reopen_day", "closed_days", "deaths")


@dataclass(frozen=True, eq=False)
class _Strata:
    """The strata of a forecast (``cells``, ``weights``, ``results``: :class:`Forecast`),
    and what of their mixture follows from P(breakdown by day t) (:meth:`_estimate`) or
    mixes stratum by stratum: shared by both forecasts."""

    cells: tuple[tuple[int, int], ...]
    weights: np.ndarray
    results: tuple[Any, ...]

    def __post_init__(self) -> None:
        self.weights.setflags(write=False)

    @property
    def days(self) -> int:
        return self.results[0].days

    def _mix(self, per_stratum) -> np.ndarray:
        return np.tensordot(self.weights, np.asarray(per_stratum, float), axes=1)

    def _estimate(self) -> np.ndarray:  # pragma: no cover - each forecast has its own
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:  # pragma: no cover - each forecast has its own
        raise NotImplementedError

    def __repr__(self) -> str:
        """One line: the method, the size, the strata and P(breakdown by the horizon) with its interval."""
        s = self.summary()
        size = f"exact, {self.days} days" if s["runs"] is None else f"{s['runs']:,} runs x {self.days} days"
        band = "" if s["runs"] is None else f" [{s['p_breakdown_low']:.3f}, {s['p_breakdown_high']:.3f}]"
        return (f"{type(self).__name__}({size} after {len(self.cells)} predicted outcome(s): "
                f"P(breakdown by day {self.days}) {s['p_breakdown']:.3f}{band}, P(open war) {s['p_open_war']:.3f})")

    def survival(self) -> np.ndarray:
        """P(no breakdown by the end of day t), shape (days,)."""
        return 1.0 - self._estimate()

    def hazard(self) -> np.ndarray:
        """P(breakdown on day t | none before), shape (days,) (NaN once none survive)."""
        return hazard_from_survival(self.survival())

    def time_to_breakdown_quantiles(self, qs=QUANTILES) -> dict[float, float]:
        """Day by which a fraction q has broken down (mixture); inf when beyond the horizon."""
        return first_days(self._estimate(), qs)

    def incident_probability(self, by_day: int) -> float:
        """P(at least one incident, a ladder rise, by ``by_day``)."""
        return float(self._mix([r.incident_probability(by_day) for r in self.results]))

    def event_probability(self, days_array: str, horizon: int,
                          confidence: float = 0.95) -> tuple[float, float, float]:  # pragma: no cover - each has its own
        raise NotImplementedError

    def ladder(self, horizon: int) -> dict[str, dict[str, Any]]:
        """Every named outcome (:data:`negsim.model.outcomes.OUTCOMES`) by day ``horizon``:
        name to its ``label`` and ``p``, ``low``, ``high`` (the 95% interval)."""
        from negsim.model.outcomes import OUTCOMES

        out = {}
        for o in OUTCOMES.values():
            p, lo, hi = self.event_probability(o.days_array, horizon)
            out[o.name] = {"label": o.label, "p": p, "low": lo, "high": hi}
        return out


@dataclass(frozen=True, eq=False, repr=False)
class Forecast(_Strata):
    """Rollouts of the ceasefire after each predicted outcome, and their mixture.

    Attributes
    ----------
    cells : tuple of (int, int)
        The outcomes (row, column) that are strata, length C.
    weights : numpy.ndarray, shape (C,)
        Their predicted probabilities, summing to 1.
    results : tuple of RolloutResult
        One rollout per stratum (the same runs, days and seed).
    """

    results: tuple[RolloutResult, ...]
    #: How the strata's ceasefires were computed (``rollout.method``).
    method: ClassVar[str] = "monte_carlo"

    @property
    def runs(self) -> int:
        """Runs per stratum."""
        return self.results[0].runs

    def _estimate(self) -> np.ndarray:
        """P(breakdown by day t), the weighted mean of the strata's, shape (days,)."""
        return self._mix([r.breakdown_by_day() / r.runs for r in self.results])

    def breakdown_probability(self, confidence: float = 0.95):
        """P(breakdown by day t) with intervals: (estimate, low, high), each shape (days,).

        The interval is Wilson's (:func:`negsim.model.rollout.wilson_bounds`) at the
        effective number of runs ``p (1 - p) / var`` of the stratified estimate (all runs
        where that variance is zero); with one stratum it is that stratum's Wilson interval.
        """
        p = self._estimate()
        return (p, *self._bounds(p, self._variance(p), confidence))

    def _bounds(self, p: np.ndarray, var: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
        """Wilson's interval around ``p`` at the effective number of runs ``p (1 - p) / var``."""
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = np.where(var > 0, p * (1 - p) / np.maximum(var, 1e-300), self.runs * len(self.results))
        return wilson_bounds(p, np.maximum(n_eff, 1.0), confidence)

    def _variance(self, p: np.ndarray) -> np.ndarray:
        """Variance of the estimate ``p`` of P(breakdown by day t), shape (days,), the
        strata's correlation through their shared random numbers included (module docstring)."""
        never = self.days + 1
        days = [np.where(r.breakdown_day > 0, r.breakdown_day, never) for r in self.results]
        second = np.zeros(self.days)
        for c, (wc, dc) in enumerate(zip(self.weights, days, strict=True)):
            for d in range(c, len(days)):
                both = np.bincount(np.maximum(dc, days[d]), minlength=never + 1)[1 : self.days + 1].cumsum() / self.runs
                second += (1 if d == c else 2) * wc * self.weights[d] * both
        return np.maximum(second - p**2, 0.0) / self.runs

    def event_probability(self, days_array: str, horizon: int, confidence: float = 0.95) -> tuple[float, float, float]:
        """P(the event of a ``*_day`` array of the strata's results by day ``horizon``) with
        its interval: ``(p, low, high)``. As for :meth:`breakdown_probability`, the estimate
        is the mean over runs of ``Y_r = sum_c w_c 1[event in run r of stratum c]`` and the
        interval Wilson's at the effective number of runs ``p (1 - p) / (var(Y) / runs)``."""
        y = self._mix([r.happened(days_array, horizon) for r in self.results])
        p, var = np.array(y.mean()), np.array(y.var() / self.runs)
        lo, hi = self._bounds(p, var, confidence)
        return float(p), float(lo), float(hi)

    def standard_error(self) -> np.ndarray:
        """Standard error of P(breakdown by day t), shape (days,) (:meth:`_variance`)."""
        return np.sqrt(self._variance(self._estimate()))

    def summary(self) -> dict[str, Any]:
        """Headline numbers of the mixture, as :meth:`RolloutResult.summary`, plus the
        standard error of P(breakdown by the horizon) and the number of strata."""
        p = self._estimate()
        var = self._variance(p)
        lo, hi = self._bounds(p, var, 0.95)
        median = self.time_to_breakdown_quantiles((0.5,))[0.5]
        closed = self._mix([r.closed_days.mean() for r in self.results])
        return {
            "method": self.method,
            "runs": self.runs,
            "strata": len(self.results),
            "days": self.days,
            "p_breakdown": float(p[-1]),
            "p_breakdown_low": float(lo[-1]),
            "p_breakdown_high": float(hi[-1]),
            "p_breakdown_se": float(np.sqrt(var[-1])),
            "median_days_to_breakdown": None if np.isinf(median) else median,
            "mean_closed_days": float(closed),
            "mean_trade_lost_usd": float(closed * self.results[0].trade_loss_per_day),
            "mean_deaths": float(self._mix([r.deaths.mean() for r in self.results])),
            "p_open_war": float(self._mix([np.mean(r.final_level == OPEN_WAR) for r in self.results])),
        }

    def arrays(self, *, runs: bool = True) -> dict[str, np.ndarray]:
        """What ``rollout.npz`` holds: the mixture's curves with their intervals, the strata,
        and (with ``runs``) each stratum's per-run outcomes, shape (strata, runs)."""
        p, lo, hi = self.breakdown_probability()
        curves = {"p_breakdown": p, "low": lo, "high": hi, "hazard": self.hazard(),
                  "strata": np.array(self.cells), "weights": self.weights}
        if not runs:
            return curves
        return {**curves, **{name: np.stack([getattr(r, name) for r in self.results]) for name in PER_RUN}}


@dataclass(frozen=True, eq=False, repr=False)
class ExactForecast(_Strata):
    """The ceasefire after each predicted outcome computed exactly, and their mixture: the
    interface of :class:`Forecast` without sampling (``rollout.method=exact``).

    ``cells`` and ``weights`` are those of :class:`Forecast`; ``results`` holds the exact
    ceasefire after each stratum (:class:`negsim.model.chain.ExactResult`, the same days).
    """

    results: tuple[ExactResult, ...]
    #: How the strata's ceasefires were computed (``rollout.method``).
    method: ClassVar[str] = "exact"
    #: Nothing is sampled: there are no runs.
    runs: ClassVar[None] = None

    @property
    def mixture(self) -> ExactResult:
        """The ceasefire after the predicted outcome, whichever it is: the weighted sum of the
        strata's curves (every answer is linear in the law)."""
        return ExactResult.mixture(self.results, self.weights)

    def _estimate(self) -> np.ndarray:
        """P(breakdown by day t), the weighted mean of the strata's, shape (days,)."""
        return self._mix([r.breakdown for r in self.results])

    def breakdown_probability(self, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """P(breakdown by day t) as (estimate, low, high), each shape (days,): the interval is
        the value itself (no sampling error; ``confidence`` is ignored)."""
        p = self._estimate()
        return p, p, p

    def event_probability(self, days_array: str, horizon: int, confidence: float = 0.95) -> tuple[float, float, float]:
        """P(the event of a ``*_day`` array by day ``horizon``), exactly: ``(p, p, p)`` (the
        interval is the value; ``confidence`` is ignored)."""
        p = float(self._mix([r.event_curve(days_array)[horizon - 1] for r in self.results]))
        return p, p, p

    def standard_error(self) -> np.ndarray:
        """Standard error of P(breakdown by day t): zero, shape (days,)."""
        return np.zeros(self.days)

    def summary(self) -> dict[str, Any]:
        """The keys of :meth:`Forecast.summary`: ``method`` ``exact``, ``runs`` None, the
        interval equal to the value and a standard error of 0."""
        return {**self.mixture.summary(), "strata": len(self.results), "p_breakdown_se": 0.0}

    def arrays(self, *, runs: bool = True) -> dict[str, np.ndarray]:
        """What ``rollout.npz`` holds: the mixture's curves and the strata (there are no runs
        and no interval; ``runs`` is accepted for :class:`Forecast`'s interface)."""
        return {"p_breakdown": self._estimate(), "hazard": self.hazard(), "strata": np.array(self.cells),
                "weights": self.weights}


def strata(outcomes: np.ndarray) -> tuple[tuple[tuple[int, int], ...], np.ndarray]:
    """The outcomes with positive probability and their weights (renormalised to sum 1).

    Parameters
    ----------
    outcomes : numpy.ndarray, shape (m, n)
        Predicted probability of each outcome.
    """
    P = np.asarray(outcomes, float)
    cells = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(P > 0), strict=True))
    w = np.array([P[c] for c in cells])
    return cells, w / w.sum()
