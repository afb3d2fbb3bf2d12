"""The Python API raises negsim's own errors, naming the argument, for bad input."""

from __future__ import annotations

import numpy as np
import pytest

import negsim
from negsim.errors import ConfigError, GameFormatError, SolverError
from negsim.io.configs import config_dir, load_yaml
from negsim.model.rollout import Situation, rollout, rollout_points
from negsim.model.scenario import build_rollout

GAME = negsim.Game(np.eye(2), np.eye(2))
PARAMS = build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml")).params
SITUATION = Situation(effort_hold=0.6, effort_violate=0.3, deterred=False, verification=0.2, deconfliction=0.3)
SCENARIO = negsim.load_scenario("istanbul_round2")


@pytest.mark.parametrize("call, error, message", [
    (lambda: negsim.solve(GAME, tol=-1), SolverError, r"^tol: expected a relative tolerance in \(0, 1\), got -1$"),
    (lambda: negsim.solve(GAME, tol=float("nan")), SolverError, r"^tol: expected a relative tolerance in \(0, 1\), got nan$"),
    (lambda: negsim.solve(GAME, tol=2), SolverError, r"^tol: expected a relative tolerance in \(0, 1\), got 2$"),
    (lambda: negsim.solve(GAME, "simplex"), SolverError, r"^unknown solver 'simplex'; expected one of: "),
    (lambda: negsim.solve_batch(np.eye(2)[None], np.eye(2)[None], tol=0), SolverError, r"^tol: expected"),
    (lambda: negsim.solve_batch(np.eye(2)[None], np.eye(2)[None], chunk_games=0), SolverError,
     r"^chunk_games: expected a whole number of games >= 1, got 0$"),
    (lambda: negsim.solve_batch(np.array([[["a", "b"], ["c", "d"]]]), np.zeros((1, 2, 2))), GameFormatError,
     r"^A, B: payoff batches must be numeric \(could not convert string to float"),
    (lambda: negsim.Game(np.zeros((0, 2)), np.zeros((0, 2))), GameFormatError,
     r"^payoff matrix A \(row player's payoffs\) must be 2-D with at least one row and column, got shape \(0, 2\)$"),
    (lambda: negsim.Game([["x"]], [[1]]), GameFormatError, r"^payoff matrix A \(row player's payoffs\) is not numeric"),
    (lambda: negsim.select(GAME, negsim.solve(GAME), "coin"), SolverError, r"^unknown selection rule 'coin'"),
    (lambda: negsim.select(GAME, [], "logit_limit"), SolverError, r"^no equilibria to select from$"),
    (lambda: negsim.payoff_grid(SCENARIO, verification=[0.5, 2.0]), ConfigError,
     r"^mediator\.verification: expected a fraction in \[0, 1\], got 2\.0$"),
    (lambda: negsim.payoff_batch(SCENARIO, transfer_written=-1.0), ConfigError,
     r"^mediator\.transfer_written: expected a non-negative payoff, got -1\.0$"),
    (lambda: negsim.payoff_batch(SCENARIO, penalty_breakdown=float("nan")), ConfigError,
     r"^mediator\.penalty_breakdown: expected a finite number, got nan$"),
    (lambda: negsim.payoff_batch(SCENARIO, unverified_share=1.5), ConfigError,
     r"^game\.mechanism\.unverified_share: expected fractions in \[0, 1\], got 1\.5$"),
    (lambda: negsim.payoff_batch(SCENARIO, transfer_written="lots"), ConfigError,
     r"^mediator\.transfer_written: expected numbers, got 'lots'$"),
    (lambda: negsim.with_mediator(SCENARIO, leverage=1.0), ConfigError, r"^mediator\.leverage: unknown mediator knob"),
    (lambda: rollout(PARAMS, SITUATION, runs=100, days=5, seed=-1), ConfigError,
     r"^seed: expected an integer in \[0, 2\*\*63\), got -1$"),
    (lambda: rollout(PARAMS, SITUATION, runs=10.5, days=5, seed=1), ConfigError,
     r"^rollout\.runs and rollout\.days: expected positive integers, got 10\.5 and 5$"),
    (lambda: rollout_points(PARAMS, [SITUATION], runs=10, days=5, seed=1, chunk_runs=0), ConfigError,
     r"^rollout\.chunk_runs: expected a positive integer, got 0$"),
    (lambda: negsim.load_scenario("nowhere"), ConfigError, r"nowhere\.yaml: config file not found$"),
])
def test_bad_arguments_raise_negsims_own_error_naming_them(call, error, message):
    with pytest.raises(error, match=message):
        call()
