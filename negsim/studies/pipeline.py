"""One point of the pipeline, from a run config as plain data to its metrics.

A *point* is one validated configuration: the game (a scenario's talks game or a Gambit
file), the solver and prediction settings, and the rollout's inputs. :func:`run_point`
solves it (every Nash equilibrium, regret-checked), predicts the round (the logit QRE at
the stated precision, a selected equilibrium, or the outcome given by ``after``), rolls
the ceasefire out after every predicted outcome as a stratum and returns the metrics
recorded in ``metrics.json``; :func:`run_points` does the same for many points at once
(batch solving, one rollout per distinct ceasefire on shared random numbers) and returns
exactly the same metrics, point by point. With ``rollout.method=exact`` each distinct
ceasefire is computed exactly from the ladder's chain instead (:mod:`negsim.model.chain`;
no seed). The CLI and the sweeps are thin shells around these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from negsim.equilibrium import Equilibrium
from negsim.errors import ConfigError
from negsim.game import Game, player_scales
from negsim.io.results import config_hash, package_versions
from negsim.model.chain import ExactResult
from negsim.model.forecast import ExactForecast, Forecast
from negsim.model.outcomes import OUTCOMES, NamedOutcome, check_horizon, named_outcome, question
from negsim.model.rollout import RolloutSetup, Situation, check_seed
from negsim.model.scenario import Scenario
from negsim.model.schema import SolverSpec, UncertaintySpec, parse

if TYPE_CHECKING:
    from negsim.games.extensive import ExtensiveGame
    from negsim.studies.parallel import Workers

#: Config keys that do not change a point's numbers (left out of its config hash).
NOT_INPUTS = ("hydra", "results_dir", "workers", "output")


@dataclass(frozen=True, eq=False)
class Point:
    """A validated configuration, ready to solve, predict and roll out.

    ``lam`` is the prediction's precision (None: no QRE prediction, e.g. a Gambit file
    without ``solver.lam``); ``after`` the outcome the ceasefire follows instead of the
    prediction, as (row, column) indices.
    """

    game: Game
    scenario: Scenario | None
    method: str
    selection: str
    tol: float
    lam: float | None
    after: tuple[int, int] | None
    setup: RolloutSetup
    runs: int
    days: int
    chunk_runs: int
    seed: int
    config_hash: str
    uncertainty: UncertaintySpec = field(default_factory=UncertaintySpec)
    outcome: NamedOutcome = OUTCOMES["strikes"]
    horizon: int = 180
    #: The extensive game of an ``efg=`` file (``game`` is its reduced strategic form).
    extensive: ExtensiveGame | None = None


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a point produced: equilibria, the selected one, the prediction, the forecast, the metrics.

    ``prediction`` has shape (m, n): the probability of every outcome of the round.
    """

    equilibria: list[Equilibrium]
    chosen: int
    prediction: np.ndarray
    situations: dict[tuple[int, int], Situation]
    rollout: Forecast | ExactForecast | None
    metrics: dict[str, Any]


def check_memory(runs: int, points: int, chunk_runs: int, limit: int | None = None) -> None:
    """Refuse a rollout that would not fit in memory, before anything is written.

    ``limit`` defaults to the memory available now (:func:`negsim.machine.available_memory`); no check
    where the platform does not say.
    """
    from negsim.machine import available_memory
    from negsim.model.rollout import rollout_memory

    limit = available_memory() if limit is None else limit
    need = rollout_memory(runs, points, chunk_runs)
    if limit is not None and need > limit:
        raise ConfigError(
            f"rollout.runs: {runs:,} runs x {points:,} point{'s' if points != 1 else ''} need about "
            f"{need / 2**30:.1f} GiB of memory, {limit / 2**30:.1f} GiB is available; lower rollout.runs "
            "(or sweep fewer points at once)"
        )


def outcome_cell(scenario: Scenario, value: Any) -> tuple[int, int]:
    """The outcome ``ROW/COL`` (PAK action / AFG action) as indices, or a ConfigError naming ``after``."""
    if not isinstance(value, str) or value.count("/") != 1:
        raise ConfigError(f"after: expected ROW/COL (PAK action / AFG action, e.g. insist_written/verbal_only), got {value!r}")
    row, col = value.split("/")
    return scenario.cell(row, col)


def after_cell(scenario: Scenario | None, value: Any) -> tuple[int, int] | None:
    """The ``after=ROW/COL`` outcome as indices (:func:`outcome_cell`), or None when not given."""
    if value in (None, ""):
        return None
    if scenario is None:
        raise ConfigError("after: a Gambit file has no talks outcomes to roll the ceasefire out after; drop after")
    return outcome_cell(scenario, value)


def build_point(config: Mapping[str, Any]) -> Point:
    """Validate a whole run config, as plain data, into a :class:`Point` (one place).

    Parameters
    ----------
    config : mapping
        The shape of the ``negsim`` command's config (``configs/config.yaml`` composed):
        ``solver``, ``rollout``, ``seed``, optionally ``after``, and either ``nfg`` (a
        Gambit file) or ``scenario``, ``game`` and ``mediator``. Every key but those of
        :data:`NOT_INPUTS` enters the point's config hash.

    Raises
    ------
    ConfigError
        Naming the first invalid key.
    """
    from negsim.io.gambit import read_nfg
    from negsim.model.scenario import build_rollout, build_scenario
    from negsim.model.talks import talks_game
    from negsim.solvers import SOLVERS
    from negsim.solvers.selection import PREDICTION_RULES

    solver = parse(SolverSpec, config.get("solver", {}), "solver")
    if solver.method not in SOLVERS:
        raise ConfigError(f"solver.method: unknown solver '{solver.method}'; expected one of: {', '.join(SOLVERS)}")
    if solver.selection not in PREDICTION_RULES:
        raise ConfigError(
            f"solver.selection: unknown rule '{solver.selection}'; expected one of: {', '.join(PREDICTION_RULES)}"
        )
    if not 0 < solver.tol < 1:
        raise ConfigError(f"solver.tol: expected a relative tolerance in (0, 1), got {solver.tol}")
    if solver.lam is not None and not (np.isfinite(solver.lam) and solver.lam >= 0):
        raise ConfigError(f"solver.lam: expected a precision >= 0, got {solver.lam}")
    setup = build_rollout(config.get("rollout"))
    if setup.method == "monte_carlo":  # the exact chain keeps no runs
        check_memory(setup.sizes["runs"], 1, setup.sizes["chunk_runs"])
    scenario: Scenario | None
    extensive = None
    if config.get("nfg") and config.get("efg"):
        raise ConfigError(f"efg: give one Gambit file, not nfg={config['nfg']} and efg={config['efg']}")
    if config.get("nfg"):
        game, scenario = read_nfg(config["nfg"]), None
    elif config.get("efg"):
        from negsim.games.extensive import reduced_strategic_form
        from negsim.io.efg import read_efg

        extensive = read_efg(config["efg"])
        game, scenario = reduced_strategic_form(extensive), None
    else:
        scenario = build_scenario(config.get("scenario"), config.get("game"), config.get("mediator"))
        game = talks_game(scenario)
    lam = solver.lam if solver.lam is not None else (scenario.precision if scenario is not None else None)
    seed = check_seed(config.get("seed", 20251019))
    uncertainty = check_uncertainty(parse(UncertaintySpec, config.get("uncertainty", {}), "uncertainty"), scenario)
    outcome = named_outcome(config.get("outcome"), setup.breakdown_level)
    horizon = check_horizon(config.get("horizon"), setup.sizes["days"])
    inputs = {k: v for k, v in config.items() if k not in NOT_INPUTS}
    for key in ("outcome", "horizon", "efg"):  # unset: the hash of a point is what it was before they existed
        if inputs.get(key) is None:
            inputs.pop(key, None)
    if not uncertainty.draws:  # no band: its settings do not change the results
        inputs.pop("uncertainty", None)
    if isinstance(inputs.get("rollout"), Mapping) and inputs["rollout"].get("method") == "monte_carlo":
        # the default method: the hash of a point is what it was before the key existed
        inputs["rollout"] = {k: v for k, v in inputs["rollout"].items() if k != "method"}
    return Point(
        game=game, scenario=scenario, method=solver.method, selection=solver.selection,
        tol=float(solver.tol), lam=None if lam is None else float(lam), after=after_cell(scenario, config.get("after")),
        setup=setup, seed=seed, config_hash=config_hash(json.dumps(inputs, sort_keys=True, default=str)),
        uncertainty=uncertainty, outcome=outcome, horizon=horizon, extensive=extensive, **setup.sizes,
    )


def check_uncertainty(spec: UncertaintySpec, scenario: Scenario | None) -> UncertaintySpec:
    """Validate the ``uncertainty`` node (draws 0 or >= 2, a known method, a width in (0, 1))."""
    from negsim.studies.uncertainty import METHODS

    if isinstance(spec.draws, bool) or spec.draws < 0 or spec.draws == 1:
        raise ConfigError(f"uncertainty.draws: expected 0 (no band) or a number of draws >= 2, got {spec.draws}")
    if spec.method not in METHODS:
        raise ConfigError(f"uncertainty.method: expected one of {', '.join(METHODS)}, got {spec.method!r}")
    if not 0.0 < spec.width < 1.0:
        raise ConfigError(f"uncertainty.width: expected a relative half-width in (0, 1), got {spec.width}")
    if spec.seed is not None and not 0 <= spec.seed < 2**63:
        raise ConfigError(f"uncertainty.seed: expected a whole number in [0, 2^63), got {spec.seed}")
    if isinstance(spec.threshold_draws, bool) or spec.threshold_draws < 1:
        raise ConfigError(f"uncertainty.threshold_draws: expected a whole number of draws >= 1, got {spec.threshold_draws}")
    if spec.sobol_base < 2 or spec.sobol_base & (spec.sobol_base - 1):
        raise ConfigError(f"uncertainty.sobol_base: expected a power of two >= 2, got {spec.sobol_base}")
    if spec.use not in ("prior", "posterior"):
        raise ConfigError(f"uncertainty.use: expected prior or posterior, got {spec.use!r}")
    if spec.draws and scenario is None:
        raise ConfigError("uncertainty.draws: parameter bands need a scenario, not an nfg file")
    return spec


def _scale(point: Point) -> np.ndarray:
    """Each player's payoff unit for the prediction: its range without leverage (scenario)
    or in the game itself (Gambit file)."""
    from negsim.model.payoffs import payoff_scale

    return payoff_scale(point.scenario) if point.scenario is not None else player_scales(point.game.A, point.game.B)


def predict_point(point: Point, equilibria: Sequence[Equilibrium], chosen: int) -> tuple[np.ndarray, str]:
    """The round's prediction, shape (m, n), and the rule that gave it.

    ``after`` fixes one outcome; selection ``qre`` with a precision gives the logit QRE;
    otherwise (a rule that selects a Nash equilibrium, or no stated precision) the
    selected equilibrium's outcome distribution.
    """
    from negsim.model.talks import qre_prediction

    if point.after is not None:
        P = np.zeros(point.game.shape)
        P[point.after] = 1.0
        return P, "after"
    if point.selection == "qre" and point.lam is not None:
        x, y = qre_prediction(point.game.A, point.game.B, point.lam, _scale(point))
        return np.outer(x, y), "qre"
    x, y = equilibria[chosen].strategies
    rule = "logit_limit" if point.selection == "qre" else point.selection
    return np.outer(x, y), rule


def _situations(point: Point, prediction: np.ndarray):
    """The strata of the prediction (cells and weights) and the ceasefire of each, with its
    deterrence; no strata without a scenario or a rollout."""
    from negsim.model.forecast import strata
    from negsim.model.situation import outcome_ceasefire

    if point.scenario is None or point.runs == 0:
        return (), np.zeros(0), {}, {}
    cells, weights = strata(prediction)
    pairs = {c: outcome_ceasefire(point.scenario, *c, point.setup) for c in cells}
    return cells, weights, {c: s for c, (s, _) in pairs.items()}, {c: d for c, (_, d) in pairs.items()}


def _finite(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def _metrics(point: Point, equilibria, chosen: int, prediction, rule, situations, deterrence, forecast) -> dict:
    from negsim.model.talks import (
        deal_probability,
        expected_provisions,
        kind_probabilities,
        outcome_distribution,
        outcome_table,
    )

    game = point.game
    x, y = prediction.sum(axis=1), prediction.sum(axis=0)
    metrics: dict[str, Any] = {
        "game": game.title,
        "players": list(game.players),
        "actions": [list(a) for a in game.actions],
        "payoffs": {"A": game.A.tolist(), "B": game.B.tolist()},
        "solver": {"method": point.method, "selection": point.selection, "tol": point.tol},
        "equilibria": [
            {"x": e.strategies[0].tolist(), "y": e.strategies[1].tolist(), "payoffs": e.payoffs.tolist(),
             "regret": e.regret.tolist()}
            for e in equilibria
        ],
        "selected": chosen,
        "prediction": {
            "rule": rule, "lam": point.lam if rule == "qre" else None,
            "payoff_scale": _scale(point).tolist() if rule == "qre" else None,
            "x": x.tolist(), "y": y.tolist(),
        },
        "seed": point.seed,
        "config_hash": point.config_hash,
        "versions": package_versions(),
    }
    if point.extensive is not None:
        metrics["extensive"] = behavior_metrics(point.extensive, equilibria)
    if point.scenario is not None:
        sc = point.scenario
        table = outcome_table(sc, prediction)
        for (i, j), sit in situations.items():
            det = deterrence[(i, j)]
            rec = table[i * sc.shape[1] + j]
            rec["ceasefire"] = {
                **asdict(sit), "q_hold": det.q_hold, "q_violate": det.q_violate,
                "least_discount": _finite(det.least_discount),
            }
            if forecast is not None:
                res = forecast.results[forecast.cells.index((i, j))]
                rec["ceasefire"]["p_breakdown"] = res.summary()["p_breakdown"]
        metrics["scenario"] = sc.name
        metrics["after"] = None if point.after is None else "/".join(
            (sc.actions[0][point.after[0]], sc.actions[1][point.after[1]]))
        metrics["outcomes"] = table
        metrics["selected_outcomes"] = outcome_distribution(sc, prediction)
        metrics["p_deal"] = deal_probability(sc, prediction)
        metrics["p_deal_kind"] = kind_probabilities(sc, prediction)
        metrics["provisions_in_force"] = expected_provisions(sc, prediction)
        metrics["ceasefire_discount"] = sc.ceasefire_discount
    if forecast is not None:
        metrics["rollout"] = {
            "seed": point.seed if forecast.method == "monte_carlo" else None,  # the exact chain draws nothing
            **forecast.summary(),
            "p_incident_21_days": forecast.incident_probability(21),
            "quantiles_days_to_breakdown": {
                str(q): _finite(d) for q, d in forecast.time_to_breakdown_quantiles().items()
            },
            "horizon": point.horizon,
            "ladder": forecast.ladder(point.horizon),
        }
        p, lo, hi = forecast.event_probability(point.outcome.days_array, point.horizon)
        metrics["outcome"] = {
            "name": point.outcome.name, "label": point.outcome.label,
            "question": question(point.outcome, point.horizon), "horizon": point.horizon, "days": point.days,
            "method": forecast.method, "runs": forecast.runs, "p": p, "low": lo, "high": hi,
        }
    return metrics


def behavior_metrics(game: ExtensiveGame, equilibria: Sequence[Equilibrium]) -> dict[str, Any]:
    """An extensive game's equilibria (found on its reduced strategic form) as behaviour
    strategies (Kuhn): per equilibrium, each player's information sets (key to each action's
    probability, None where the player's own moves never reach it) and the probability of
    each outcome label; and, for a game of perfect information, its subgame-perfect
    equilibrium by backward induction."""
    from negsim.games.extensive import is_perfect_information, mixed_to_behavior, outcome_probabilities
    from negsim.solvers.backward_induction import backward_induction

    def by_infoset(p: int, behavior, defined) -> dict[str, Any]:
        return {info.key: (dict(zip(info.actions, map(float, b), strict=True)) if ok else None)
                for info, b, ok in zip(game.infosets[p], behavior, defined, strict=True)}

    out: dict[str, Any] = {"title": game.title, "behavior": []}
    for e in equilibria:
        beh = [mixed_to_behavior(game, p, e.strategies[p]) for p in (0, 1)]
        out["behavior"].append({
            "players": [by_infoset(p, *beh[p]) for p in (0, 1)],
            "outcomes": outcome_probabilities(game, (beh[0][0], beh[1][0])),
        })
    if is_perfect_information(game):
        spe = backward_induction(game)
        out["subgame_perfect"] = {
            "players": [by_infoset(p, spe.behavior[p], [True] * len(game.infosets[p])) for p in (0, 1)],
            "outcomes": outcome_probabilities(game, spe.behavior), "payoffs": spe.payoffs.tolist(),
        }
    return out


def _key(point: Point) -> tuple:
    return (point.setup.params, point.runs, point.days, point.seed, point.chunk_runs)


def _exact(groups: dict[tuple, list[Situation]]) -> dict[tuple, ExactResult]:
    """The exact ceasefire of each distinct (params, days, situation) (``rollout.method=exact``):
    one pass of the chains per group of :func:`_exact_key`, no seed."""
    from negsim.model.chain import exact_results

    done: dict[tuple, ExactResult] = {}
    for (params, days), sits in groups.items():
        unique = list(dict.fromkeys(sits))
        done.update(zip([(params, days, s) for s in unique], exact_results(params, unique, days), strict=True))
    return done


def _exact_key(point: Point) -> tuple:
    return (point.setup.params, point.days)


def _outcomes(points: Sequence[Point], equilibria, progress: bool, workers: Workers | None = None) -> list[Outcome]:
    """Select, predict, roll out (distinct ceasefires once, over ``workers``) and measure each point."""
    from negsim.solvers.selection import select
    from negsim.studies.parallel import roll_groups

    chosen = [select(pt.game, eqs, pt.selection) for pt, eqs in zip(points, equilibria, strict=True)]
    predicted = [predict_point(pt, eqs, c) for pt, eqs, c in zip(points, equilibria, chosen, strict=True)]
    both = [_situations(pt, P) for pt, (P, _) in zip(points, predicted, strict=True)]
    groups: dict[tuple, list[Situation]] = {}
    exact: dict[tuple, list[Situation]] = {}
    for pt, (_, _, sits, _) in zip(points, both, strict=True):
        if pt.setup.method == "exact":
            exact.setdefault(_exact_key(pt), []).extend(sits.values())
        else:
            groups.setdefault(_key(pt), []).extend(sits.values())
    rolled: dict[tuple, Any] = {**(roll_groups(groups, workers, progress) if any(groups.values()) else {}),
                                **_exact(exact)}
    out = []
    for pt, eqs, c, (P, rule), (cells, w, sits, dets) in zip(points, equilibria, chosen, predicted, both, strict=True):
        forecast: Forecast | ExactForecast | None = None
        if cells and pt.setup.method == "exact":
            forecast = ExactForecast(cells, w, tuple(rolled[(*_exact_key(pt), sits[cell])] for cell in cells))
        elif cells:
            forecast = Forecast(cells, w, tuple(rolled[(*_key(pt), sits[cell])] for cell in cells))
        metrics = _metrics(pt, eqs, c, P, rule, sits, dets, forecast)
        if pt.uncertainty.draws:
            metrics["uncertainty"] = parameter_band(pt, progress, workers)
        out.append(Outcome(eqs, c, P, sits, forecast, metrics))
    return out


def parameter_band(point: Point, progress: bool = False, workers: Workers | None = None) -> dict[str, Any]:
    """The summary of the point's parameter band (:func:`negsim.studies.uncertainty.band`)."""
    from tqdm import tqdm

    from negsim.studies.uncertainty import band

    spec = point.uncertainty
    assert point.scenario is not None
    seed = point.seed if spec.seed is None else spec.seed
    with tqdm(total=spec.draws, desc="parameter draws", unit="draw", disable=not progress) as bar:
        if spec.use == "posterior":
            from negsim.studies.calibration import posterior_band

            result = posterior_band(point, spec.draws, method=spec.method, seed=seed, width=spec.width,
                                    progress=lambda k: bar.update(1), workers=workers)
        else:
            result = band(point, spec.draws, method=spec.method, seed=seed, width=spec.width,
                          progress=lambda k: bar.update(1), workers=workers)
    return result.summary(point.scenario.actions)


def run_point(point: Point, *, progress: bool = False, workers: Workers | None = None) -> Outcome:
    """Solve one point, predict the round, roll out the ceasefire after each predicted outcome
    (its rollouts and parameter draws spread over ``workers``: the same numbers)."""
    from negsim.solvers import solve

    return _outcomes([point], [solve(point.game, method=point.method, tol=point.tol)], progress, workers)[0]


def run_points(points: Sequence[Point], *, progress: bool = False, workers: Workers | None = None) -> list[Outcome]:
    """Many points at once: batch-solve their games, roll out each distinct ceasefire once.

    Returns exactly what :func:`run_point` returns for each point (the batch solver
    returns the same equilibrium sets, and rollouts with the same seed are identical),
    only faster when the points are many.
    """
    from negsim.solvers import BATCH_SOLVERS, solve, solve_batch

    points = list(points)
    by_shape: dict[tuple, list[int]] = {}
    for k, pt in enumerate(points):
        by_shape.setdefault((pt.game.shape, pt.method, pt.tol), []).append(k)
    equilibria: list[list[Equilibrium]] = [[] for _ in points]
    for (_, method, tol), idx in by_shape.items():
        if method in BATCH_SOLVERS:
            A = np.stack([points[k].game.A for k in idx])
            B = np.stack([points[k].game.B for k in idx])
            batch = solve_batch(A, B, method=method, tol=tol)
            for pos, k in enumerate(idx):
                equilibria[k] = batch.for_game(pos)
        else:
            for k in idx:
                equilibria[k] = solve(points[k].game, method=method, tol=tol)
    return _outcomes(points, equilibria, progress, workers)


def ceasefire_after(
    round_name: str = "istanbul_round2",
    *,
    mediator: Mapping[str, float] | None = None,
    after: str | None = None,
    runs: int = 10_000,
    days: int = 180,
    seed: int = 20251019,
    method: str = "monte_carlo",
) -> Forecast | ExactForecast:
    """The ceasefire after a shipped round's talks, in one call: the round solved, its
    outcome predicted (or ``after``, ``"ROW/COL"`` action ids, taken as given) and the
    ceasefire rolled out after each predicted outcome, exactly as ``negsim
    scenario=ROUND`` does (the same numbers for the same settings).

    Parameters
    ----------
    round_name : str
        A shipped scenario (:func:`negsim.available_scenarios`), with its own mediator.
    mediator : mapping of str to float, optional
        Mediator knobs to change (``{"verification": 1.0}``); the others as shipped.
    after : str, optional
        The talks outcome the ceasefire follows instead of the prediction.
    runs, days : int
        Monte Carlo runs per predicted outcome (ignored by the exact chain) and horizon in days.
    seed : int
        The rollout's seed.
    method : {"monte_carlo", "exact"}
        ``rollout.method``.

    Returns
    -------
    Forecast or ExactForecast
        ``.summary()`` has P(breakdown by the horizon) with its interval, P(open war),
        closed days and deaths; ``.breakdown_probability()`` the curve.

    Raises
    ------
    ConfigError
        Naming the bad argument (an unknown round or knob, a bad size or outcome).
    """
    from negsim.io.configs import config_dir, load_yaml
    from negsim.model.scenario import available_scenarios

    if round_name not in available_scenarios():
        raise ConfigError(f"round_name: unknown round '{round_name}'; expected one of: {', '.join(available_scenarios())}")
    if runs < 1 and method == "monte_carlo":
        raise ConfigError(f"runs: expected a positive number of runs, got {runs}")
    root = config_dir()
    config = {
        "scenario": load_yaml(root / "scenario" / f"{round_name}.yaml"),
        "game": load_yaml(root / "game" / "talks.yaml"),
        "mediator": {**load_yaml(root / "mediator" / f"{round_name}.yaml"), **(mediator or {})},
        "rollout": {**load_yaml(root / "rollout" / "default.yaml"), "runs": runs, "days": days, "method": method},
        "seed": seed,
        "after": after,
    }
    forecast = run_point(build_point(config)).rollout
    assert forecast is not None  # runs >= 1 or the exact chain: there is a rollout
    return forecast
