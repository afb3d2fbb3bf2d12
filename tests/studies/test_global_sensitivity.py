"""Sobol indices through negsim's priors: Ishigami's known values; the talks model's are sane."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shipped_config

from negsim.errors import ConfigError
from negsim.model.priors import Prior
from negsim.studies.pipeline import build_point
from negsim.studies.uncertainty import Parameter, exact_answers, parameter_space, with_values

pytest.importorskip("SALib")
from negsim.studies.global_sensitivity import sobol_indices  # noqa: E402

# Ishigami & Homma (1990) with a = 7, b = 0.1 on U(-pi, pi)^3: the closed-form indices.
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def test_ishigami_indices_match_their_closed_form():
    space = [Parameter(f"x{k}", 0.0, Prior("uniform", -np.pi, np.pi)) for k in (1, 2, 3)]

    def ishigami(x):
        return {"f": float(np.sin(x[0]) + 7 * np.sin(x[1]) ** 2 + 0.1 * x[2] ** 4 * np.sin(x[0]))}

    rows = sobol_indices(space, ishigami, 4096, seed=1)["f"]
    assert len(rows) == 3
    for row, s1, st in zip(rows, ISHIGAMI_S1, ISHIGAMI_ST, strict=True):
        assert abs(row["S1"] - s1) < 0.02, row
        assert abs(row["ST"] - st) < 0.02, row


def test_talks_indices_are_shares_with_first_order_below_total():
    point = build_point(shipped_config("istanbul_round2", rollout={"runs": 0}))
    space = parameter_space(point)
    rows = sobol_indices(space, lambda v: {"p_deal": exact_answers(with_values(point, space, v))["p_deal"]}, 16,
                         seed=2)["p_deal"]
    assert [r["parameter"] for r in rows] == [p.name for p in space]
    for r in rows:
        assert r["S1"] <= r["ST"] + r["S1_conf"] + r["ST_conf"], r
    top = max(rows, key=lambda r: r["ST"])
    assert top["ST"] > 0.1  # some judgement call matters
    assert sum(r["S1"] for r in rows) < 1.0 + sum(r["S1_conf"] for r in rows)


def test_the_base_sample_must_be_a_power_of_two():
    with pytest.raises(ConfigError, match=r"^uncertainty\.sobol_base: expected a power of two >= 2, got 12$"):
        sobol_indices([], lambda v: {}, 12)


def test_the_uncertainty_experiment_writes_its_tables_from_the_command_line(tmp_path, negsim_cli):
    import csv
    import json

    out = tmp_path / "u"
    code, stdout, err = negsim_cli(["experiment=uncertainty", "uncertainty.draws=8", "uncertainty.sobol_base=2",
                                    "uncertainty.threshold_draws=2", f"results_dir={out}",
                                    f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert 0.0 <= summary["p_t1_holds"] <= 1.0 and summary["draws"] == 8
    assert summary["p_breakdown_q05"] <= summary["p_breakdown_q50"] <= summary["p_breakdown_q95"]
    sobol = list(csv.DictReader((out / "sobol.csv").open()))
    assert {r["answer"] for r in sobol} == {"p_deal", "p_breakdown"}
    assert len(sobol) == 2 * len(summary["parameters"])
    thresholds = list(csv.DictReader((out / "thresholds.csv").open()))
    assert [t["knob"] for t in thresholds] == ["transfer_pledge", "transfer_written"]
    assert "P(T1 holds)" in stdout
    assert (out / "sobol_p_breakdown.png").exists()
