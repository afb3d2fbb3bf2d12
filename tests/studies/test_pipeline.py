"""The pipeline's guards: a run config as plain data, and rollouts refused before they
could exhaust memory."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import shipped_config

from negsim.errors import ConfigError
from negsim.model.rollout import BLOCK, rollout_memory
from negsim.studies.pipeline import build_point, check_memory, run_point, run_points


def _config(**rollout):
    return shipped_config(rollout=rollout, solver={"method": "enumerate", "selection": "qre", "tol": 1e-8}, seed=7)


def test_build_point_from_plain_data_and_its_hash_follows_the_inputs():
    a, b = build_point(_config()), build_point(_config(attack_rate=0.2))
    assert a.scenario is not None and a.scenario.name == "istanbul_round2" and a.seed == 7
    assert a.config_hash != b.config_hash and a.setup.params.attack_rate == 0.15 and b.setup.params.attack_rate == 0.2
    assert build_point(_config()).config_hash == a.config_hash


@pytest.mark.parametrize("seed", [-1, 2**63, 1.5, True, "7"])
def test_build_point_refuses_a_seed_that_is_not_a_non_negative_integer(seed):
    with pytest.raises(ConfigError, match=rf"^seed: expected an integer in \[0, 2\*\*63\), got {re.escape(repr(seed))}$"):
        build_point({**_config(), "seed": seed})


def test_rollout_memory_grows_with_runs_and_points():
    assert rollout_memory(10_000) < rollout_memory(20_000) < rollout_memory(2_000_000) < rollout_memory(2_000_000, points=4)
    assert rollout_memory(0, points=1, chunk_runs=BLOCK) == 8 * 8 * BLOCK + 150 * BLOCK


def test_check_memory_refuses_with_the_estimate_and_the_limit():
    check_memory(10_000, 1, 65536, limit=2**30)
    with pytest.raises(ConfigError, match=r"^rollout\.runs: 50,000,000 runs x 3 points need about 11\.5 GiB of memory, "
                                          r"1\.0 GiB is available; lower rollout\.runs \(or sweep fewer points at once\)$"):
        check_memory(50_000_000, 3, 65536, limit=2**30)


def test_a_rollout_too_large_for_the_machine_is_refused_before_anything_is_written(tmp_path, negsim_cli):
    code, _, err = negsim_cli(["rollout.runs=5000000000", f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert code == 2
    assert re.fullmatch(r"negsim: error: rollout\.runs: 5,000,000,000 runs x 1 point need about 381\.9 GiB of memory, "
                        r"[0-9.]+ GiB is available; lower rollout\.runs \(or sweep fewer points at once\)\n", err), err
    assert not any(tmp_path.iterdir())


def test_the_prediction_is_the_stated_precision_qre_and_after_fixes_one_outcome():
    pt = build_point(_config(runs=4096, days=30))
    assert pt.lam == pt.scenario.precision and pt.after is None
    out = run_point(pt)
    assert out.metrics["prediction"]["rule"] == "qre" and out.metrics["prediction"]["lam"] == pt.lam
    assert out.prediction.shape == (3, 3) and np.all(out.prediction > 0)
    assert out.rollout is not None and len(out.rollout.results) == 9
    assert np.isclose(sum(o["probability"] for o in out.metrics["outcomes"]), 1.0)
    fixed = run_point(build_point({**_config(runs=4096, days=30), "after": "insist_written/verbal_only"}))
    assert fixed.metrics["prediction"]["rule"] == "after" and fixed.metrics["after"] == "insist_written/verbal_only"
    assert fixed.prediction[0, 1] == 1.0 and fixed.prediction.sum() == 1.0
    assert fixed.metrics["p_deal"] == 0.0 and len(fixed.rollout.results) == 1
    # The mixture is the weighted sum of the strata: the deadlock stratum of the prediction
    # is exactly the rollout after the deadlock alone (same seed, common random numbers).
    k = out.rollout.cells.index((0, 1))
    np.testing.assert_array_equal(out.rollout.results[k].breakdown_day, fixed.rollout.results[0].breakdown_day)
    s = out.rollout.summary()
    expect = sum(w * r.summary()["p_breakdown"] for w, r in zip(out.rollout.weights, out.rollout.results, strict=True))
    assert np.isclose(s["p_breakdown"], expect, rtol=0, atol=1e-12)


def test_run_points_gives_each_point_what_run_point_gives_it():
    configs = [_config(runs=4096, days=20), {**_config(runs=4096, days=20), "after": "accept_verbal/verbal_only"}]
    configs[0]["mediator"] = {**configs[0]["mediator"], "transfer_pledge": 2.0}
    points = [build_point(c) for c in configs]
    together = run_points(points)
    assert len(together) == len(points)
    for pt, out in zip(points, together, strict=True):
        alone = run_point(pt)
        assert {k: v for k, v in alone.metrics.items() if k != "versions"} == {
            k: v for k, v in out.metrics.items() if k != "versions"}


@pytest.mark.parametrize("after, message", [
    ("insist_written", r"^after: expected ROW/COL \(PAK action / AFG action, e.g. insist_written/verbal_only\), got 'insist_written'$"),
    ("insist/verbal_only", r"^after: unknown outcome insist/verbal_only; expected ROW/COL with ROW one of "
                           r"\['insist_written', 'accept_verbal', 'walk_out'\] and COL one of \['sign_written', 'verbal_only', 'refuse'\]$"),
])
def test_a_bad_after_names_the_key(after, message):
    with pytest.raises(ConfigError, match=message):
        build_point({**_config(), "after": after})
