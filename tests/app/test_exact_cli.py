"""``negsim rollout.method=exact``: the ceasefire from the ladder's chain, end to end."""

from __future__ import annotations

import json

import numpy as np
from conftest import shipped_config

from negsim.studies.pipeline import build_point, run_point


def test_the_exact_method_writes_the_monte_carlos_keys_and_agrees_with_it(tmp_path, negsim_cli):
    args = [f"hydra.run.dir={tmp_path / 'exact'}", "scenario=istanbul_round3", "rollout.days=60", "rollout.method=exact"]
    code, text, err = negsim_cli(args, tmp_path)
    assert code == 0, err
    exact = json.loads((tmp_path / "exact" / "metrics.json").read_text())
    # the same point by Monte Carlo (the library is the CLI's pipeline: tests/app/test_cli.py)
    mc = run_point(build_point(shipped_config("istanbul_round3", rollout={"days": 60, "runs": 20000}))).metrics
    assert set(exact) == {*mc, "overrides"} and set(exact["rollout"]) == set(mc["rollout"])
    e, m = exact["rollout"], mc["rollout"]
    assert (e["method"], m["method"]) == ("exact", "monte_carlo")
    assert e["runs"] is None and e["seed"] is None and e["p_breakdown_se"] == 0.0
    assert e["p_breakdown_low"] == e["p_breakdown"] == e["p_breakdown_high"]
    # the Monte Carlo's estimate of the same number, within four of its standard errors
    assert abs(e["p_breakdown"] - m["p_breakdown"]) <= 4 * m["p_breakdown_se"], (e["p_breakdown"], m)
    assert exact["config_hash"] != mc["config_hash"]
    assert all("p_breakdown" in o["ceasefire"] for o in exact["outcomes"])

    assert "Ceasefire forecast: exact (Markov chain), 60 days after each of 9 predicted outcome(s)" in text
    assert "(exact: no sampling error)" in text and "95% CI" not in text
    out = tmp_path / "exact"
    assert {"metrics.json", "rollout.npz", "breakdown.png", "breakdown.svg"} <= {p.name for p in out.iterdir()}
    arrays = np.load(out / "rollout.npz", allow_pickle=False)
    assert sorted(arrays.files) == ["hazard", "p_breakdown", "strata", "weights"]  # curves only: no runs
    assert arrays["p_breakdown"].shape == (60,) and arrays["p_breakdown"][-1] == e["p_breakdown"]
    assert np.isclose(arrays["weights"].sum(), 1.0) and arrays["strata"].shape == (9, 2)


def test_an_unknown_method_is_refused_before_anything_is_written(tmp_path, negsim_cli):
    code, _, err = negsim_cli([f"hydra.run.dir={tmp_path / 'bad'}", "rollout.method=markov"], tmp_path)
    assert code == 2
    assert err == "negsim: error: rollout.method: expected monte_carlo or exact, got 'markov'\n"
    assert not (tmp_path / "bad").exists()
