"""One point of the pipeline, from a run config as plain data to its metrics.

A *point* is one validated configuration: the game (a scenario's talks game or a Gambit
file), the solver settings, and the rollout's inputs. :func:`run_point` solves it,
selects an equilibrium, rolls the ceasefire out from the selected outcome and returns
the metrics recorded in ``metrics.json``; :func:`run_points` does the same for many
points at once (batch solving, rollouts on shared random numbers) and returns exactly
the same metrics, point by point. The CLI and the sweeps are thin shells around these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from negsim.equilibrium import Equilibrium
from negsim.errors import ConfigError
from negsim.game import Game
from negsim.io.results import config_hash, package_versions
from negsim.model.rollout import CeasefireParams, RolloutResult, Situation, check_seed
from negsim.model.scenario import Scenario
from negsim.model.schema import SolverSpec, parse

#: Config keys that do not change a point's numbers (left out of its config hash).
NOT_INPUTS = ("hydra", "fast", "results_dir")


@dataclass(frozen=True, eq=False)
class Point:
    """A validated configuration, ready to solve and roll out."""

    game: Game
    scenario: Scenario | None
    method: str
    selection: str
    tol: float
    params: CeasefireParams
    effort_unverified: float
    breakdown_level: int
    runs: int
    days: int
    chunk_runs: int
    seed: int
    config_hash: str


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a point produced: equilibria, the selected one, the rollout and the metrics."""

    equilibria: list[Equilibrium]
    chosen: int
    situation: Situation | None
    rollout: RolloutResult | None
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


def build_point(config: Mapping[str, Any]) -> Point:
    """Validate a whole run config, as plain data, into a :class:`Point` (one place).

    Parameters
    ----------
    config : mapping
        The shape of the ``negsim`` command's config (``configs/config.yaml`` composed):
        ``solver``, ``rollout``, ``seed`` and either ``nfg`` (a Gambit file) or
        ``scenario``, ``game`` and ``mediator``. Every key but those of
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
    from negsim.solvers.selection import SELECTION_RULES

    solver = parse(SolverSpec, config.get("solver", {}), "solver")
    if solver.method not in SOLVERS:
        raise ConfigError(f"solver.method: unknown solver '{solver.method}'; expected one of: {', '.join(SOLVERS)}")
    if solver.selection not in SELECTION_RULES:
        raise ConfigError(
            f"solver.selection: unknown rule '{solver.selection}'; expected one of: {', '.join(SELECTION_RULES)}"
        )
    if not 0 < solver.tol < 1:
        raise ConfigError(f"solver.tol: expected a relative tolerance in (0, 1), got {solver.tol}")
    params, effort_unverified, breakdown_level, sizes = build_rollout(config.get("rollout"))
    check_memory(sizes["runs"], 1, sizes["chunk_runs"])
    scenario: Scenario | None
    if config.get("nfg"):
        game, scenario = read_nfg(config["nfg"]), None
    else:
        scenario = build_scenario(config.get("scenario"), config.get("game"), config.get("mediator"))
        game = talks_game(scenario)
    seed = check_seed(config.get("seed", 20251019))
    inputs = {k: v for k, v in config.items() if k not in NOT_INPUTS}
    return Point(
        game=game, scenario=scenario, method=solver.method, selection=solver.selection,
        tol=float(solver.tol), params=params, effort_unverified=effort_unverified,
        breakdown_level=breakdown_level, seed=seed,
        config_hash=config_hash(json.dumps(inputs, sort_keys=True, default=str)), **sizes,
    )


def _situation(point: Point, eq: Equilibrium) -> Situation | None:
    from negsim.model.situation import situation_after_talks

    if point.scenario is None or point.runs == 0:
        return None
    return situation_after_talks(
        point.scenario, eq, effort_unverified=point.effort_unverified, breakdown_level=point.breakdown_level
    )


def _metrics(point: Point, equilibria, chosen: int, situation, result) -> dict[str, Any]:
    from negsim.model.talks import deal_probability, outcome_distribution

    game = point.game
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
        "seed": point.seed,
        "config_hash": point.config_hash,
        "versions": package_versions(),
    }
    if point.scenario is not None:
        sc = point.scenario
        metrics["scenario"] = sc.name
        metrics["selected_outcomes"] = outcome_distribution(sc, equilibria[chosen])
        metrics["p_deal"] = deal_probability(sc, equilibria[chosen])
    if result is not None:
        metrics["rollout"] = {
            "seed": point.seed,
            "situation": asdict(situation),
            **result.summary(),
            "p_incident_21_days": result.incident_probability(21),
            "quantiles_days_to_breakdown": {
                str(q): (None if np.isinf(d) else d) for q, d in result.time_to_breakdown_quantiles().items()
            },
        }
    return metrics


def run_point(point: Point, *, progress: bool = False) -> Outcome:
    """Solve one point, select an equilibrium, roll out the ceasefire after it."""
    from negsim.model.rollout import rollout
    from negsim.solvers import solve
    from negsim.solvers.selection import select

    equilibria = solve(point.game, method=point.method, tol=point.tol)
    chosen = select(point.game, equilibria, point.selection)
    situation = _situation(point, equilibria[chosen])
    result = None
    if situation is not None:
        result = rollout(
            point.params, situation, runs=point.runs, days=point.days, seed=point.seed,
            chunk_runs=point.chunk_runs, progress=progress,
        )
    return Outcome(equilibria, chosen, situation, result, _metrics(point, equilibria, chosen, situation, result))


def run_points(points: Sequence[Point], *, progress: bool = False) -> list[Outcome]:
    """Many points at once: batch-solve their games, roll out groups on shared uniforms.

    Returns exactly what :func:`run_point` returns for each point (the batch solver
    returns the same equilibrium sets, and rollouts with the same seed are identical),
    only faster when the points are many.
    """
    from negsim.model.rollout import rollout_points
    from negsim.solvers import BATCH_SOLVERS, solve, solve_batch
    from negsim.solvers.selection import select

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
    chosen = [select(pt.game, eqs, pt.selection) for pt, eqs in zip(points, equilibria, strict=True)]
    situations = [_situation(pt, eqs[c]) for pt, eqs, c in zip(points, equilibria, chosen, strict=True)]
    results: list[RolloutResult | None] = [None] * len(points)
    groups: dict[tuple, list[int]] = {}
    for k, (pt, sit) in enumerate(zip(points, situations, strict=True)):
        if sit is not None:
            groups.setdefault((pt.params, pt.runs, pt.days, pt.seed), []).append(k)
    for (params, runs, days, seed), idx in groups.items():
        chunk = max(points[k].chunk_runs for k in idx) * len(idx)
        for k, res in zip(idx, rollout_points(
            params, [situations[k] for k in idx], runs=runs, days=days, seed=seed, chunk_runs=chunk, progress=progress
        ), strict=True):
            results[k] = res
    return [
        Outcome(eqs, c, sit, res, _metrics(pt, eqs, c, sit, res))
        for pt, eqs, c, sit, res in zip(points, equilibria, chosen, situations, results, strict=True)
    ]
