"""Calibration to the record and hindcasts: importance weights on a conjugate toy model,
the record's validation, and the experiments from the command line."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import shipped_config

from negsim.errors import ConfigError
from negsim.model.priors import Prior
from negsim.studies.calibration import (
    Event,
    calibrate,
    importance_weights,
    load_record,
    reliability_table,
    weighted_quantile,
)
from negsim.studies.pipeline import build_point
from negsim.studies.uncertainty import Parameter, draws


def test_importance_weights_recover_the_conjugate_beta_binomial_posterior():
    # Prior p ~ Beta(2, 3); 7 successes in 10 trials; posterior Beta(9, 6), mean 0.6.
    prior = Prior("beta", 0.0, 1.0, a=2.0, b=3.0)
    p = draws([Parameter("p", 0.4, prior)], 4096, "sobol", seed=11)[:, 0]
    w, ess = importance_weights(7 * np.log(p) + 3 * np.log1p(-p))
    mean = float(w @ p)
    sd = (9 * 6 / (15**2 * 16)) ** 0.5
    assert abs(mean - 0.6) < 3 * sd / np.sqrt(ess), (mean, ess)
    assert 1000 < ess < 4096
    assert abs(weighted_quantile(p, w, 0.5) - 0.6069) < 0.01  # the posterior median of Beta(9, 6)


def test_a_small_effective_sample_size_is_reported_with_a_warning():
    # A ceasefire holding half a year after every round: unlikely, and far likelier under
    # some draws than others, so the weights concentrate.
    rounds = ("doha_round", "istanbul_round2", "istanbul_round3")
    points = {r: build_point(shipped_config(r)) for r in rounds}
    record = [Event(f"{r}_holds", r, "holds_with_incidents", "2026-05-01", ("EV4",), days=180) for r in rounds]
    with pytest.warns(UserWarning, match=r"^calibration: effective sample size [0-9.]+ of 32 draws; the posterior "
                                         r"is unreliable"):
        cal = calibrate(points, record, 32, seed=1)
    assert cal.ess < 20 and abs(cal.weights.sum() - 1) < 1e-12
    # The same outcome event twice is no more evidence than once (a round has one outcome).
    no_deal = Event("no_deal", "istanbul_round2", "no_deal", "2025-10-29", ("EV5",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # four draws
        twice = calibrate({"istanbul_round2": points["istanbul_round2"]}, [no_deal, no_deal], 4, seed=1)
        once = calibrate({"istanbul_round2": points["istanbul_round2"]}, [no_deal], 4, seed=1)
    np.testing.assert_allclose(twice.log_likelihood, once.log_likelihood)


def test_the_record_is_validated_and_every_event_names_its_evidence(tmp_path):
    record = load_record()
    assert [e.id for e in record] == ["doha_deal", "istanbul_round2_no_deal", "istanbul_round3_no_deal",
                                      "doha_ceasefire_holds_with_incidents"]
    assert all(e.source for e in record) and record[-1].days == 19
    bad = tmp_path / "events.yaml"
    bad.write_text('events:\n  - {id: x, round: doha_round, kind: peace, date: "2025", source: [EV4]}\n')
    with pytest.raises(ConfigError, match=r"^record\.events\[0\]\.kind: expected one of deal, no_deal, "
                                          r"holds_with_incidents, got 'peace'$"):
        load_record(bad)
    bad.write_text('events:\n  - {id: x, round: doha_round, kind: holds_with_incidents, date: "2025", source: [EV4]}\n')
    with pytest.raises(ConfigError, match=r"^record\.events\[0\]\.days: expected a whole number of days >= 1, got 0$"):
        load_record(bad)


def test_hindcast_scores_are_brier_and_log_scores_of_events_that_happened():
    points = {r: build_point(shipped_config(r)) for r in ("doha_round", "istanbul_round2", "istanbul_round3")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few draws: the small-sample warning is expected
        cal = calibrate(points, load_record(), 16, seed=2)
    for row in cal.hindcast():
        assert 0 < row["p_prior"] < 1 and 0 < row["p_leave_one_out"] < 1
        assert row["brier_leave_one_out"] == pytest.approx((1 - row["p_leave_one_out"]) ** 2)
        assert row["log_score_prior"] == pytest.approx(-np.log(row["p_prior"]))
    table = reliability_table([0.1, 0.5, 0.55, 0.9], [0, 1, 1, 1], bins=5)
    assert [r["forecasts"] for r in table] == [1, 0, 2, 0, 1]
    assert table[2]["observed_frequency"] == 1.0 and table[0]["observed_frequency"] == 0.0


@pytest.mark.filterwarnings("ignore:calibration. effective sample size")  # eight draws, on purpose
def test_calibrate_and_hindcast_run_from_the_command_line_and_a_run_can_use_the_posterior(tmp_path, negsim_cli):
    for mode in ("calibrate", "hindcast"):
        out = tmp_path / mode
        code, stdout, err = negsim_cli([f"experiment={mode}", "uncertainty.draws=8", f"results_dir={out}",
                                        f"hydra.run.dir={tmp_path / (mode + '_run')}"], tmp_path)
        assert code == 0, err
    summary = json.loads((tmp_path / "calibrate" / "summary.json").read_text())
    assert 1 <= summary["effective_sample_size"] <= 8 and summary["parameters"] > 30
    records = [json.loads(line) for line in (tmp_path / "hindcast" / "forecasts.jsonl").read_text().splitlines()]
    assert len(records) == 4 and all({"event", "forecast", "recorded", "config_hash"} <= set(r) for r in records)
    code, stdout, err = negsim_cli(["uncertainty.draws=8", "uncertainty.use=posterior", "rollout.runs=1000",
                                    f"hydra.run.dir={tmp_path / 'posterior_run'}"], tmp_path)
    assert code == 0, err
    metrics = json.loads((tmp_path / "posterior_run" / "metrics.json").read_text())
    assert metrics["uncertainty"]["use"] == "posterior" and 1 <= metrics["uncertainty"]["effective_draws"] <= 8


def test_a_rounds_deal_and_its_ceasefire_are_one_joint_likelihood_and_after_is_ignored():
    from negsim.studies.calibration import event_given_outcome, prediction

    record = [e for e in load_record() if e.round == "doha_round"]
    point = build_point(shipped_config("doha_round", after="insist_written/verbal_only"))
    P = prediction(point)
    assert P.max() < 1  # the prediction, not the fixed outcome
    deal, holds = (event_given_outcome(e, point, P) for e in record)
    joint = float(np.sum(P * deal * holds))
    product = float(np.sum(P * deal)) * float(np.sum(P * holds))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = calibrate({"doha_round": point}, record, 2, seed=0)
    # The first draw is not the point itself; check the structure on the point directly:
    assert abs(joint - product) > 1e-4  # the events are linked through the outcome
    assert cal.log_likelihood.shape == (2,) and np.all(np.isfinite(cal.log_likelihood))


def test_calibration_works_under_a_nash_selection_rule():
    points = {"istanbul_round2": build_point(shipped_config("istanbul_round2", rollout={"runs": 0},
                                                           solver={"selection": "welfare"}))}
    record = [e for e in load_record() if e.round == "istanbul_round2"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = calibrate(points, record, 4, seed=0)
    assert set(np.unique(cal.probabilities)) <= {0.0, 1.0}  # a selected equilibrium here is pure
    assert "precision" not in [p.name for p in cal.space]  # no effect without the QRE


def test_experiments_refuse_too_few_draws_and_bad_settings():
    with pytest.raises(ConfigError, match=r"^uncertainty\.threshold_draws: expected a whole number of draws >= 1, got 0$"):
        build_point(shipped_config("istanbul_round2", uncertainty={"threshold_draws": 0}))
    with pytest.raises(ConfigError, match=r"^uncertainty\.sobol_base: expected a power of two >= 2, got 12$"):
        build_point(shipped_config("istanbul_round2", uncertainty={"sobol_base": 12}))
    from negsim.app.experiments import calibration_experiment

    with pytest.raises(ConfigError, match=r"^uncertainty\.draws: experiment=calibrate needs at least 2 draws, got 0$"):
        calibration_experiment(build_point(shipped_config("istanbul_round2")), Path("unused"))
