"""``negsim.ceasefire_after``: the ceasefire after a round in one call, the command's numbers;
short reprs of forecasts, rollouts and batch equilibria (no arrays)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import negsim
from negsim.app.cli import main


@pytest.mark.parametrize("method", ["monte_carlo", "exact"])
def test_the_same_numbers_as_the_command(method, tmp_path):
    forecast = negsim.ceasefire_after("istanbul_round3", mediator={"verification": 1.0}, runs=2000, days=40,
                                      method=method)
    main(["scenario=istanbul_round3", "mediator.verification=1.0", "rollout.runs=2000", "rollout.days=40",
          f"rollout.method={method}", f"hydra.run.dir={tmp_path / 'run'}"])
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    summary = forecast.summary()
    for key in ("p_breakdown", "p_breakdown_low", "p_breakdown_high", "p_open_war", "mean_deaths"):
        assert summary[key] == metrics["rollout"][key], key


def test_a_mediator_change_and_a_given_outcome_apply():
    base = negsim.ceasefire_after(runs=1000, days=30, method="exact")
    verified = negsim.ceasefire_after(mediator={"verification": 1.0}, runs=1000, days=30, method="exact")
    assert verified.summary()["p_breakdown"] != base.summary()["p_breakdown"]
    given = negsim.ceasefire_after(after="insist_written/sign_written", days=30, method="exact")
    assert len(given.cells) == 1 and list(given.weights) == [1.0]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"round_name": "nowhere"}, "round_name: unknown round 'nowhere'; expected one of: "),
    ({"mediator": {"bribe": 1.0}}, "mediator.bribe: unknown key; expected one of ["),
    ({"runs": 0}, "runs: expected a positive number of runs, got 0"),
])
def test_bad_arguments_name_themselves(kwargs, message):
    with pytest.raises(negsim.ConfigError) as err:
        negsim.ceasefire_after(**kwargs)
    assert str(err.value).startswith(message)


def test_reprs_are_one_line_without_arrays():
    forecast = negsim.ceasefire_after(runs=1000, days=20)
    text = repr(forecast)
    assert re.fullmatch(r"Forecast\(1,000 runs x 20 days after \d predicted outcome\(s\): P\(breakdown by day 20\) "
                        r"0\.\d{3} \[0\.\d{3}, 0\.\d{3}\], P\(open war\) 0\.\d{3}\)", text), text
    p, lo, hi = forecast.results[0].breakdown_probability()
    assert repr(forecast.results[0]) == (f"RolloutResult(1,000 runs x 20 days: P(breakdown by day 20) {p[-1]:.3f} "
                                         f"[{lo[-1]:.3f}, {hi[-1]:.3f}])")
    exact = negsim.ceasefire_after(days=20, method="exact")
    assert repr(exact).startswith("ExactForecast(exact, 20 days after ") and "array" not in repr(exact)
    assert repr(exact.results[0]) == (f"ExactResult(20 days: P(breakdown by day 20) {exact.results[0].breakdown[-1]:.3f}, "
                                      f"P(open war) {exact.results[0].open_war[-1]:.3f})")
    game = negsim.talks_game(negsim.load_scenario("istanbul_round2"))
    batch = negsim.solve_batch(np.stack([game.A] * 3), np.stack([game.B] * 3))
    assert repr(batch) == ("BatchEquilibria(3 games of 3x3 over a grid of shape (3,), 3 equilibria (1-1 per game), "
                           "method='enumerate')")
