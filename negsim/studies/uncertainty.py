"""Parameter bands: how much the answers move when the judgement calls move within their priors.

Every payoff weight, the mechanism's shares, the stated precision, the ceasefire's discount
and every rate of the ceasefire process is a judgement call anchored in the record
(:mod:`negsim.model.priors`). This module draws ``N`` joint parameter sets from their priors
by scrambled Sobol points or a Latin hypercube (``scipy.stats.qmc``, seeded), and for each
draw predicts the round (the logit QRE at the drawn precision) and computes the ceasefire
after each predicted outcome **exactly**, from the ladder's Markov chain
(:func:`negsim.model.chain.horizon_probabilities`): a draw has no Monte Carlo error,
so the band it gives is the parameter uncertainty alone, to be read beside the Monte Carlo
interval of the point's own rollout. The quantiles are those of the ``N`` draws.

What each draw reports: P(deal), P(breakdown by the horizon), P(open war by the horizon),
and which outcome is the most probable (the *modal* outcome, whose frequency over the draws
is "P(this outcome is the prediction)").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.model.priors import DEFAULT_WIDTH, VALID_RANGES, VALID_RANGES_ROLLOUT, Prior, default_prior
from negsim.model.rollout import OPEN_WAR
from negsim.studies.parallel import Workers, map_rows
from negsim.studies.pipeline import Point

#: Draw methods of :func:`unit_draws`.
METHODS = ("sobol", "lhs")
#: Quantiles reported per point.
QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Parameter:
    """One judgement call: its name (``weights.PAK.escalation``, ``precision``,
    ``rollout.attack_rate``), its value and its prior."""

    name: str
    value: float
    prior: Prior


def parameter_space(point: Point, width: float = DEFAULT_WIDTH) -> list[Parameter]:
    """Every judgement call of a point with a prior: the stated ones, else the default.

    The precision is included only when the point predicts by the logit QRE at the game's
    stated precision (not when ``solver.lam`` sets it, nor under a Nash selection rule).
    """
    sc = point.scenario
    if sc is None:
        raise ConfigError("uncertainty: needs a scenario, not an nfg file")
    space = []

    def add(name: str, value: float, valid: tuple[float, float], stated: Prior | None) -> None:
        prior = stated or default_prior(value, valid, width)
        if prior is not None:
            space.append(Parameter(name, float(value), prior))

    for p, player in enumerate(sc.players):
        for k, feature in enumerate(sc.feature_names):
            name = f"weights.{player}.{feature}"
            add(name, sc.weights[p, k], (-math.inf, math.inf), sc.priors.get(name))
    scenario_values = {
        "mechanism.unverified_share": sc.unverified_share,
        "mechanism.sovereignty_effect": sc.sovereignty_effect,
        "ceasefire_discount": sc.ceasefire_discount,
    }
    if point.selection == "qre" and point.lam is not None and point.lam == sc.precision:
        scenario_values["precision"] = sc.precision
    for name, value in scenario_values.items():
        add(name, value, VALID_RANGES[name], sc.priors.get(name))
    if point.runs > 0:
        params = point.setup.params
        for name, valid in VALID_RANGES_ROLLOUT.items():
            add(f"rollout.{name}", getattr(params, name), valid, point.setup.priors.get(name))
    return space


def unit_draws(n: int, d: int, method: str, seed: int) -> np.ndarray:
    """``n`` points in ``[0, 1)^d``: scrambled Sobol (``n`` rounded up to a power of two
    internally, the first ``n`` kept) or a Latin hypercube. Shape (n, d)."""
    from scipy.stats import qmc

    if method not in METHODS:
        raise ConfigError(f"uncertainty.method: expected one of {', '.join(METHODS)}, got {method!r}")
    if method == "lhs":
        return qmc.LatinHypercube(d, seed=seed).random(n)
    sampler = qmc.Sobol(d, scramble=True, seed=seed)
    return sampler.random_base2(max(0, math.ceil(math.log2(max(n, 1)))))[:n]


def draws(space: Sequence[Parameter], n: int, method: str = "sobol", seed: int = 0) -> np.ndarray:
    """``n`` joint draws of the parameters, shape (n, len(space)), in their own units."""
    u = unit_draws(n, len(space), method, seed)
    return np.column_stack([p.prior.ppf(u[:, k]) for k, p in enumerate(space)]) if space else np.zeros((n, 0))


def with_values(point: Point, space: Sequence[Parameter], values: np.ndarray) -> Point:
    """The point with the parameters of ``space`` set to ``values`` (shape (len(space),))."""
    from negsim.model.talks import talks_game

    sc = point.scenario
    assert sc is not None
    W = sc.weights.copy()
    scalars: dict[str, Any] = {}
    rollout: dict[str, Any] = {}
    lam = point.lam
    for p, v in zip(space, values, strict=True):
        head, _, rest = p.name.partition(".")
        if head == "weights":
            player, feature = rest.split(".")
            W[sc.players.index(player), sc.feature_names.index(feature)] = v
        elif head == "rollout":
            rollout[rest] = float(v)
        elif p.name == "precision":
            lam = float(v)
        else:
            scalars[rest if head == "mechanism" else p.name] = float(v)
    W.setflags(write=False)
    scenario = replace(sc, weights=W, **scalars)
    setup = point.setup if not rollout else replace(point.setup, params=replace(point.setup.params, **rollout))
    return replace(point, scenario=scenario, game=talks_game(scenario), lam=lam, setup=setup)


def exact_answers(point: Point) -> dict[str, Any]:
    """P(deal), P(breakdown) and P(open war) by the last day, the answer to the point's
    question (``p_outcome``: its named outcome within its horizon) and the modal outcome, of
    one point, with the ceasefire after each predicted outcome computed exactly (no sampling)."""
    from negsim.model.forecast import strata
    from negsim.model.talks import deal_probability

    sc = point.scenario
    assert sc is not None
    P = predicted_outcomes(point)
    out: dict[str, Any] = {"p_deal": deal_probability(sc, P), "modal": np.unravel_index(int(np.argmax(P)), P.shape)}
    if point.runs > 0:
        cells, weights = strata(P)
        levels = (point.setup.breakdown_level, OPEN_WAR)
        H = outcome_horizons(point, cells, point.days, levels)
        out["p_breakdown"], out["p_open_war"] = (float(v) for v in weights @ H)
        out["p_outcome"] = float(weights @ asked_outcome(point, cells, H, levels))
    return out


def asked_outcome(point: Point, cells: Sequence[tuple[int, int]], H: np.ndarray, levels: Sequence[int]) -> np.ndarray:
    """P(the point's named outcome within its horizon) after each outcome ``cells``, exactly,
    shape (len(cells),): read off ``H`` (:func:`outcome_horizons` of ``levels`` by the last
    day) when it holds the answer, else from the chain."""
    from negsim.model.chain import exact_results
    from negsim.model.outcomes import LEVEL_OUTCOMES
    from negsim.model.situation import outcome_ceasefire

    name = point.outcome.name
    if name in LEVEL_OUTCOMES:
        level = LEVEL_OUTCOMES.index(name) + 1
        if level in levels and point.horizon == point.days:
            return np.asarray(H)[:, list(levels).index(level)]
        return outcome_horizons(point, cells, point.horizon, (level,))[:, 0]
    assert point.scenario is not None
    situations = [outcome_ceasefire(point.scenario, i, j, point.setup)[0] for i, j in cells]
    return np.array([r.event_curve(point.outcome.days_array)[-1]
                     for r in exact_results(point.setup.params, situations, point.horizon)])


def outcome_horizons(point: Point, cells: Sequence[tuple[int, int]], days: int, levels: Sequence[int]) -> np.ndarray:
    """P(the ladder reaches each of ``levels`` within ``days``) after each outcome ``cells``,
    exactly (:func:`negsim.model.chain.horizon_probabilities`). Shape (len(cells), len(levels))."""
    from negsim.model.chain import horizon_probabilities
    from negsim.model.situation import outcome_ceasefire

    assert point.scenario is not None
    situations = [outcome_ceasefire(point.scenario, i, j, point.setup)[0] for i, j in cells]
    return horizon_probabilities(point.setup.params, situations, days, levels)


def predicted_outcomes(point: Point) -> np.ndarray:
    """The point's predicted outcome distribution, shape (m, n), by its rule (the logit QRE,
    a selected Nash equilibrium, or ``after``)."""
    from negsim.solvers import solve
    from negsim.solvers.selection import select
    from negsim.studies.pipeline import predict_point

    if point.after is not None or (point.selection == "qre" and point.lam is not None):
        return predict_point(point, [], 0)[0]
    eqs = solve(point.game, method=point.method, tol=point.tol)
    return predict_point(point, eqs, select(point.game, eqs, point.selection))[0]


@dataclass(frozen=True, eq=False)
class Band:
    """The answers of ``N`` parameter draws of one point.

    Attributes
    ----------
    space : tuple of Parameter
    values : numpy.ndarray, shape (N, len(space))
        The draws.
    answers : dict of str to numpy.ndarray, shape (N,)
        ``p_deal``, and with a rollout ``p_breakdown`` and ``p_open_war``, per draw.
    modal : numpy.ndarray of int, shape (N, 2)
        The most probable outcome of each draw.
    method : str
    seed : int
    weights : numpy.ndarray, shape (N,)
        Normalised weight of each draw: equal under the prior, the record's likelihood
        under the posterior (:mod:`negsim.studies.calibration`).
    use : str
        ``prior`` or ``posterior``.
    """

    space: tuple[Parameter, ...]
    values: np.ndarray
    answers: dict[str, np.ndarray]
    modal: np.ndarray
    method: str
    seed: int
    weights: np.ndarray
    use: str = "prior"

    def quantiles(self, name: str, qs: Sequence[float] = QUANTILES) -> dict[float, float]:
        """Quantiles of one answer over the (weighted) draws."""
        from negsim.studies.calibration import weighted_quantile

        if self.use == "prior":
            return {q: float(np.quantile(self.answers[name], q)) for q in qs}
        return {q: weighted_quantile(self.answers[name], self.weights, q) for q in qs}

    def modal_share(self, actions: tuple[tuple[str, ...], tuple[str, ...]]) -> dict[str, float]:
        """Weight of the draws in which each outcome (``ROW/COL``) is the most probable one."""
        cells = np.unique(self.modal, axis=0)
        return {f"{actions[0][i]}/{actions[1][j]}": float(self.weights[np.all(self.modal == (i, j), axis=1)].sum())
                for i, j in cells}

    def summary(self, actions) -> dict[str, Any]:
        """``{answer}_q05``, ``_q50``, ``_q95`` per answer, the modal shares and the draw settings."""
        out: dict[str, Any] = {"draws": len(self.values), "method": self.method, "seed": self.seed, "use": self.use,
                               "effective_draws": float(1.0 / np.sum(self.weights**2))}
        for name in self.answers:
            for q, v in self.quantiles(name).items():
                out[f"{name}_q{round(100 * q):02d}"] = v
        out["p_outcome_is_prediction"] = self.modal_share(actions)
        out["parameters"] = {p.name: {"value": p.value, "prior": p.prior.describe(), "origin": p.prior.origin}
                             for p in self.space}
        return out


def band(
    point: Point,
    n: int,
    *,
    method: str = "sobol",
    seed: int = 0,
    width: float = DEFAULT_WIDTH,
    space: Sequence[Parameter] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: Workers | None = None,
) -> Band:
    """The parameter band of one point from ``n`` draws of its judgement calls.

    Parameters
    ----------
    point : Point
        A scenario point (its rollout, if any, gives the horizon ``days``).
    n : int
        Number of draws (>= 2).
    method : {"sobol", "lhs"}
    seed : int
        Seed of the draws (the same seed gives the same draws at every point of a sweep:
        common random numbers for the parameters).
    width : float
        Relative half-width of the default prior.
    space : sequence of Parameter, optional
        The parameters to draw (default: :func:`parameter_space` of the point).
    progress : callable, optional
        Called with the number of draws done after each draw.
    workers : negsim.studies.parallel.Workers, optional
        Contiguous chunks of the draws on several workers (default: this process); the
        same band, number for number, whatever the workers.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ConfigError(f"uncertainty.draws: expected a whole number of draws >= 2, got {n!r}")
    space = parameter_space(point, width) if space is None else list(space)
    return band_of_draws(point, space, draws(space, n, method, seed), method, seed, progress=progress, workers=workers)


def band_of_draws(
    point: Point,
    space: Sequence[Parameter],
    values: np.ndarray,
    method: str,
    seed: int,
    *,
    weights: np.ndarray | None = None,
    at: Callable[[np.ndarray], Point] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: Workers | None = None,
) -> Band:
    """The band of given draws ``values`` (N, D) of ``space``, optionally weighted; ``at``
    maps a draw to the point it gives (default :func:`with_values` on ``point``; picklable,
    a top-level function or a :func:`functools.partial` of one, for local ``workers``), and
    the draws run in contiguous chunks on ``workers`` (:func:`negsim.studies.parallel.map_rows`)."""
    at = at or partial(with_values, point, list(space))
    answers: dict[str, list[float]] = {}
    modal = []
    for result in map_rows(partial(_answers_at, at), values, workers, progress):
        modal.append(result.pop("modal"))
        for name, v in result.items():
            answers.setdefault(name, []).append(v)
    arrays = {name: np.array(v) for name, v in answers.items()}
    use = "prior" if weights is None else "posterior"
    w = np.full(len(values), 1.0 / len(values)) if weights is None else weights
    return Band(tuple(space), values, arrays, np.array(modal, dtype=int).reshape(-1, 2), method, seed, w, use)


def _answers_at(at: Callable[[np.ndarray], Point], row: np.ndarray) -> dict[str, Any]:
    """:func:`exact_answers` of the point a draw gives (one task row of :func:`band_of_draws`)."""
    return exact_answers(at(row))
