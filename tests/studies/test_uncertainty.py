"""Parameter bands: priors validated, bands honest on a closed form, wider than Monte Carlo."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import shipped_config

from negsim.errors import ConfigError
from negsim.model.chain import exact_breakdown_probability, horizon_probabilities
from negsim.model.priors import Prior, default_prior
from negsim.model.rollout import OPEN_WAR
from negsim.model.situation import outcome_ceasefire
from negsim.studies.pipeline import build_point, run_point
from negsim.studies.uncertainty import Parameter, band, parameter_space

# A ceasefire that breaks down exactly when a major attack is blamed and answered: every
# attack is major and blamed, Pakistan always strikes back, Kabul's effort stops nothing,
# no border incident, flat tension. P(breakdown by t) = 1 - (1 - attack_rate)^t.
HAZARD_ONLY = {
    "runs": 2000, "effort_cap": 0.0, "major_share": 1.0, "attribution": 1.0, "false_alarm_verification": 0.0,
    "detection_verification": 0.0, "pak_retaliate": 1.0, "incident": [0.0, 0.0, 0.0, 0.0],
    "tension_shape": 1.0, "punishment_days": 0,
}


def hazard_point():
    config = shipped_config("istanbul_round2", rollout=HAZARD_ONLY, after="accept_verbal/verbal_only")
    for key in HAZARD_ONLY:
        config["rollout"]["sources"].get(key, {}).pop("prior", None)  # the range no longer holds the value
    config["scenario"]["ceasefire_discount"]["value"] = 0.01  # no deterrence: Pakistan's rule is to strike
    config["scenario"]["ceasefire_discount"].pop("prior")
    return build_point(config)


def test_band_quantiles_match_the_closed_form_of_a_uniform_constant_hazard():
    point = hazard_point()
    situation, det = outcome_ceasefire(point.scenario, *point.after, point.setup)
    assert not det.deterred and situation.start_level == 0
    lo, hi, days = 0.002, 0.02, point.days
    space = [Parameter("rollout.attack_rate", 0.01, Prior("uniform", lo, hi))]
    result = band(point, 1024, space=space, seed=7)
    for q, got in result.quantiles("p_breakdown", (0.05, 0.25, 0.5, 0.75, 0.95)).items():
        exact = 1 - (1 - (lo + q * (hi - lo))) ** days
        # Sobol points: the q-quantile of 1024 draws is within about 1/1024 in probability of q.
        slope = days * (1 - (lo + q * (hi - lo))) ** (days - 1) * (hi - lo)
        assert abs(got - exact) <= 2e-3 * slope + 1e-12, (q, got, exact)


def test_round_two_band_is_wider_than_its_monte_carlo_interval_and_contains_the_estimate():
    point = build_point(shipped_config("istanbul_round2", rollout={"runs": 20_000}))
    rollout = run_point(point).metrics["rollout"]
    summary = band(point, 64, seed=3).summary(point.scenario.actions)
    mc_width = rollout["p_breakdown_high"] - rollout["p_breakdown_low"]
    assert summary["p_breakdown_q95"] - summary["p_breakdown_q05"] > 5 * mc_width
    assert summary["p_breakdown_q05"] < rollout["p_breakdown"] < summary["p_breakdown_q95"]
    assert summary["p_deal_q05"] < summary["p_deal_q50"] < summary["p_deal_q95"]
    assert abs(sum(summary["p_outcome_is_prediction"].values()) - 1) < 1e-12


def test_the_band_is_reproducible_by_seed_and_changes_with_it():
    point = build_point(shipped_config("istanbul_round3", rollout={"runs": 0}))
    a, b, c = (band(point, 16, seed=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.answers["p_deal"], b.answers["p_deal"])
    assert not np.array_equal(a.values, c.values)
    assert set(a.answers) == {"p_deal"}  # no rollout, no ceasefire answers


def test_the_space_has_every_stated_prior_and_defaults_for_the_rest():
    point = build_point(shipped_config("istanbul_round2"))
    space = {p.name: p for p in parameter_space(point)}
    assert space["precision"].prior.describe() == "triangular(2, 6, 20)"
    assert space["rollout.attack_rate"].prior.describe() == "triangular(0.05, 0.15, 0.3)"
    assert space["weights.PAK.escalation"].prior == default_prior(-1.5, (-np.inf, np.inf))
    assert space["weights.PAK.escalation"].prior.describe() == "uniform(-1.875, -1.125)"
    assert "weights.PAK.sovereignty" not in space  # a zero weight stays fixed
    for p in space.values():
        assert p.prior.low <= p.value <= p.prior.high, p


def test_exact_horizon_probabilities_equal_the_day_by_day_chain():
    point = build_point(shipped_config("istanbul_round3"))
    situations = [outcome_ceasefire(point.scenario, i, j, point.setup)[0] for i in range(3) for j in range(3)]
    H = horizon_probabilities(point.setup.params, situations, 120, (3, OPEN_WAR))
    for k, s in enumerate(situations):
        assert abs(H[k, 0] - exact_breakdown_probability(point.setup.params, s, 120)[-1]) < 1e-12
        war = replace(s, breakdown_level=OPEN_WAR)
        assert abs(H[k, 1] - exact_breakdown_probability(point.setup.params, war, 120)[-1]) < 1e-12


@pytest.mark.parametrize(("prior", "message"), [
    ({"dist": "uniform", "low": -1.0, "high": -0.5},
     r"^scenario\.weights\.PAK\.escalation\.prior: the support \[-1\.0, -0\.5\] does not contain the value -1\.5$"),
    ({"dist": "cauchy"}, r"^scenario\.weights\.PAK\.escalation\.prior\.dist: expected one of uniform, triangular, "
                         r"normal, beta, got 'cauchy'$"),
    ({"dist": "normal"}, r"^scenario\.weights\.PAK\.escalation\.prior\.sd: missing, a normal prior needs sd$"),
    ({"dist": "uniform", "low": -2}, r"^scenario\.weights\.PAK\.escalation\.prior\.high: missing, a uniform prior "
                                     r"needs low and high$"),
])
def test_bad_priors_of_a_weight_are_refused_in_one_line(prior, message):
    config = shipped_config("istanbul_round2")
    config["scenario"]["weights"]["PAK"]["escalation"]["prior"] = prior
    with pytest.raises(ConfigError, match=message):
        build_point(config)


def test_a_rollout_prior_outside_the_valid_range_is_refused():
    config = shipped_config("istanbul_round2")
    config["rollout"]["sources"]["attack_rate"]["prior"] = {"dist": "uniform", "low": 0.1, "high": 1.5}
    with pytest.raises(ConfigError, match=r"^rollout\.attack_rate\.prior: expected a support inside the valid "
                                          r"range \[0\.0, 1\.0\], got \[0\.1, 1\.5\]$"):
        build_point(config)


def test_uncertainty_settings_are_checked():
    for key, value, message in (
        ("draws", 1, r"^uncertainty\.draws: expected 0 \(no band\) or a number of draws >= 2, got 1$"),
        ("method", "halton", r"^uncertainty\.method: expected one of sobol, lhs, got 'halton'$"),
        ("width", 1.5, r"^uncertainty\.width: expected a relative half-width in \(0, 1\), got 1\.5$"),
    ):
        with pytest.raises(ConfigError, match=message):
            build_point(shipped_config("istanbul_round2", uncertainty={key: value}))


def test_triangular_and_truncated_priors_draw_inside_their_support():
    u = np.linspace(0, 1, 101)
    tri = Prior("triangular", 0.0, 4.0, mode=1.0).ppf(u)
    assert tri[0] == 0.0 and tri[-1] == 4.0 and abs(tri[25] - 1.0) < 1e-12  # P(X < mode) = 1/4
    normal = Prior("normal", 0.0, 1.0, mean=0.9, sd=0.5).ppf(u[1:-1])
    assert normal.min() > 0.0 and normal.max() < 1.0
    beta = Prior("beta", 2.0, 4.0, a=2.0, b=2.0).ppf(np.array([0.5]))
    assert abs(beta[0] - 3.0) < 1e-12
