"""Scenarios from evidence: validation, payoff batches, and retrodiction T1."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

from negsim import (
    ConfigError,
    load_scenario,
    payoff_batch,
    payoff_grid,
    solve_batch,
    talks_game,
    with_mediator,
)
from negsim.io.configs import config_dir
from negsim.model.evidence import EVIDENCE
from negsim.model.scenario import available_scenarios, build_scenario
from negsim.model.talks import deal_probability, kind_probabilities, predict

SHIPPED = ["doha_round", "istanbul_round2", "istanbul_round3"]
ROOT = Path(__file__).resolve().parents[2]
POSITIONS = ROOT.parent / "shared" / "POSITIONS.md"


def predicted(scenario):
    """The round's predicted outcome distribution (logit QRE at the stated precision)."""
    return predict(scenario)


def test_shipped_scenarios_load_and_cite_only_known_evidence():
    assert set(SHIPPED) <= set(available_scenarios())
    for name in SHIPPED:
        s = load_scenario(name)
        ids = {i for player in s.weight_sources for src in player for i in src}
        ids |= {i for src in s.mediator_sources.values() for i in src}
        ids |= {i for row in s.outcome_sources for src in row for i in src}
        ids |= {i for src in s.model_sources.values() for i in src}
        assert ids and {i for i in ids if not i.startswith("cite:")} <= set(EVIDENCE)
        assert s.features.shape == (3, 3, 6) and s.weights.shape == (2, 6)


def test_evidence_ids_match_the_ranges_documented_in_docs_evidence_md():
    text = (ROOT / "docs" / "evidence.md").read_text()
    ranges = re.findall(r"\| ([A-Z]{2})(\d+)-\1(\d+) \|$", text, flags=re.M)
    assert len(ranges) == 5
    documented = {f"{prefix}{k}" for prefix, lo, hi in ranges for k in range(int(lo), int(hi) + 1)}
    assert documented == set(EVIDENCE)


def test_evidence_ids_match_positions_md():
    if not POSITIONS.is_file():  # a clone without the shared folder: the docs test above still runs
        pytest.skip(f"{POSITIONS} not beside the checkout")
    ids = set(re.findall(r"^\| ([A-Z]{2}\d+) \|", POSITIONS.read_text(), flags=re.M))
    assert len(ids) > 30 and ids == set(EVIDENCE)


@pytest.mark.parametrize("name", ["istanbul_round2", "istanbul_round3"])
@pytest.mark.parametrize("lam", [2.0, None, 20.0])
def test_T1_istanbul_rounds_are_predicted_to_end_without_agreement(name, lam):
    """T1 as a probability: no deal is likelier than any deal, and the deadlock is the
    likeliest outcome, across the stated range of the precision (2-20)."""
    s = load_scenario(name)
    P = predict(s, lam=lam)
    assert P.sum() == pytest.approx(1.0)
    assert deal_probability(s, P) < 0.5
    kinds = kind_probabilities(s, P)
    assert max(kinds["written"], kinds["pledge"]) < kinds["none"]
    i, j = np.unravel_index(np.argmax(P), P.shape)
    assert s.outcome_labels[i][j] == "deadlock: verbal pledge only, no deal"


def test_doha_round_is_predicted_to_end_in_the_pledge_level_ceasefire_deal():
    s = load_scenario("doha_round")
    P = predict(s)
    assert deal_probability(s, P) > 0.5
    i, j = np.unravel_index(np.argmax(P), P.shape)
    assert s.outcome_labels[i][j] == "verbal pledge with phased confidence-building"


def test_enough_leverage_tied_to_the_pledge_flips_istanbul_to_a_deal():
    s = load_scenario("istanbul_round2")
    assert deal_probability(s, predict(with_mediator(s, transfer_pledge=4.0))) > 0.5
    assert deal_probability(s, predict(with_mediator(s, transfer_written=8.0))) > 0.5


def test_payoff_batch_matches_single_games_at_every_grid_point():
    s = load_scenario("istanbul_round2")
    A, B, mesh = payoff_grid(s, transfer_written=[0.0, 1.0, 2.5], verification=[0.0, 0.5, 0.8, 1.0])
    assert A.shape == B.shape == (3, 4, 3, 3)
    for idx in np.ndindex(3, 4):
        g = talks_game(with_mediator(s, transfer_written=mesh["transfer_written"][idx], verification=mesh["verification"][idx]))
        np.testing.assert_array_equal(A[idx], g.A)
        np.testing.assert_array_equal(B[idx], g.B)
    batch = solve_batch(A, B)
    assert batch.counts.min() >= 1


def test_payoffs_are_features_times_weights_plus_transfers_tied_to_deals():
    s = load_scenario("istanbul_round2")
    zero = dict(transfer_written=0.0, transfer_pledge=0.0, penalty_breakdown=0.0, verification=0.0)
    A, B = payoff_batch(s, **zero)
    F = s.features.copy()
    g = s.feature_names.index("guarantee")
    F[:, :, g] *= s.unverified_share  # unverified: a commitment delivers the share u
    np.testing.assert_allclose(A, F @ s.weights[0])
    np.testing.assert_allclose(B, F @ s.weights[1])
    written = np.array([[k == "written" for k in row] for row in s.deal_kind])
    pledge = np.array([[k == "pledge" for k in row] for row in s.deal_kind])
    A2, B2 = payoff_batch(s, **{**zero, "transfer_written": 1.5})
    np.testing.assert_allclose(B2 - B, 1.5 * written)  # paid to Kabul, only on a written guarantee
    np.testing.assert_allclose(A2 - A, 0.0)
    A3, B3 = payoff_batch(s, **{**zero, "transfer_pledge": 0.7})
    np.testing.assert_allclose(A3 - A, 0.7 * pledge)  # paid to Pakistan, only on the pledge
    np.testing.assert_allclose(B3 - B, 0.0)
    A4, B4 = payoff_batch(s, **{**zero, "penalty_breakdown": 2.0})
    np.testing.assert_allclose(A4 - A, -2.0 * s.blame[0])
    np.testing.assert_allclose(B4 - B, -2.0 * s.blame[1])
    assert s.blame[:, s.deal].sum() == 0 and s.blame[:, ~s.deal].sum(axis=0).min() > 0
    # A weight batch broadcasts too: shape (5, 2, K) -> (5, 3, 3).
    W = np.stack([s.weights * (1 + 0.1 * i) for i in range(5)])
    A5, _ = payoff_batch(s, weights=W)
    assert A5.shape == (5, 3, 3)


def test_verification_acts_only_where_a_mechanism_is_agreed():
    """MD6: no agreed mechanism, no verification effect; where one is agreed, verification
    raises Pakistan's value of the commitment and changes Kabul's sovereignty cost by the
    signed sovereignty_effect."""
    s = load_scenario("istanbul_round2")
    A0, B0 = payoff_batch(s, verification=0.0)
    A1, B1 = payoff_batch(s, verification=1.0)
    none = s.provision("verification") == 0
    assert none.sum() >= 5
    np.testing.assert_array_equal(A1[none], A0[none])
    np.testing.assert_array_equal(B1[none], B0[none])
    some = ~none & (s.feature("guarantee") > 0)
    assert np.all(A1[some] > A0[some])
    k = s.feature_names.index("sovereignty")
    expected = s.weights[1, k] * (np.maximum(s.feature("sovereignty") + s.sovereignty_effect * s.provision("verification"), 0)
                                  - s.feature("sovereignty"))
    np.testing.assert_allclose(B1 - B0, expected)
    assert s.sovereignty_effect > 0 and np.all((B1 - B0)[~none] < 0)  # AF4: monitors cost Kabul


@pytest.mark.parametrize("knob, kind", [("transfer_written", "written"), ("transfer_pledge", "pledge")])
def test_a_transfer_never_buys_a_worse_deal(knob, kind):
    """Each transfer pays only for its own deal: raising it never lowers that deal's
    predicted probability (round two, full verification, where the old transfer on any
    deal bought the pledge over the written guarantee)."""
    s = with_mediator(load_scenario("istanbul_round2"), verification=1.0)
    p = [kind_probabilities(s, predict(with_mediator(s, **{knob: v})))[kind] for v in np.linspace(0, 6, 13)]
    assert np.all(np.diff(p) > 0)


def test_the_penalty_falls_on_the_side_blamed_and_moves_the_prediction():
    s = load_scenario("istanbul_round2")
    p = [deal_probability(s, predict(with_mediator(s, penalty_breakdown=v))) for v in (0.0, 2.0, 4.0)]
    assert p[0] < p[1] < p[2] and p[2] > 0.5


def test_the_prediction_does_not_depend_on_a_players_payoff_unit():
    """Kabul's weights restated in another unit (times 7) leave the prediction as it is
    (without leverage: the mediator's payments are in one unit for both)."""
    s = with_mediator(load_scenario("istanbul_round3"), transfer_written=0.0, transfer_pledge=0.0, penalty_breakdown=0.0)
    W = s.weights.copy()
    W[1] *= 7.0
    from dataclasses import replace

    rescaled = replace(s, weights=W)
    np.testing.assert_allclose(predict(rescaled), predict(s), atol=1e-6)


def _nodes(name="istanbul_round2"):
    root = config_dir()
    return (
        OmegaConf.load(root / "scenario" / f"{name}.yaml"),
        OmegaConf.load(root / "game" / "talks.yaml"),
        OmegaConf.load(root / "mediator" / f"{name}.yaml"),
    )


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s, g, m: s.weights.PAK.guarantee.__setattr__("source", []), r"scenario.weights.PAK.guarantee.source: missing source"),
        (lambda s, g, m: s.weights.PAK.guarantee.__setattr__("source", ["ZZ9"]), r"unknown source 'ZZ9'"),
        (lambda s, g, m: s.weights.AFG.__delattr__("escalation"), r"scenario.weights.AFG.escalation: missing weight"),
        (lambda s, g, m: s.weights.AFG.__setattr__("morale", {"value": 1.0, "source": ["AF8"]}), r"unknown feature 'morale'"),
        (lambda s, g, m: s.weights.AFG.escalation.__setattr__("value", float("nan")), r"scenario.weights.AFG.escalation.value: expected a finite"),
        (lambda s, g, m: m.__setattr__("verification", 1.5), r"mediator.verification: expected a fraction in \[0, 1\], got 1.5"),
        (lambda s, g, m: m.__setattr__("transfer_written", -1.0), r"^mediator.transfer_written: expected a non-negative payoff, got -1.0$"),
        (lambda s, g, m: g.outcomes[1].__setattr__("deal", "maybe"), r"^game.outcomes\[1\].deal: expected one of \['written', 'pledge', 'none'\], got 'maybe'$"),
        (lambda s, g, m: g.outcomes[0].__setattr__("blame", {"AFG": 1.0}), r"^game.outcomes\[0\].blame: a deal \(written\) has no one to blame"),
        (lambda s, g, m: g.outcomes[1].__setattr__("blame", {"AFG": 0.8, "PAK": 0.8}), r"^game.outcomes\[1\].blame: shares must add up to at most 1, got 1.6$"),
        (lambda s, g, m: g.outcomes[1].provisions.__setattr__("hotline", 1.0), r"^game.outcomes\[1\].provisions: unknown provision 'hotline'"),
        (lambda s, g, m: g.outcomes[1].provisions.__setattr__("channel", 1.5), r"^game.outcomes\[1\].provisions.channel: expected a fraction in \[0, 1\], got 1.5$"),
        (lambda s, g, m: g.transfers.__setattr__("written", "USA"), r"^game.transfers.written: unknown player 'USA'; expected one of \['PAK', 'AFG'\]$"),
        (lambda s, g, m: g.mechanism.unverified_share.__setattr__("value", 1.2), r"^game.mechanism.unverified_share.value: expected a fraction in \[0, 1\], got 1.2$"),
        (lambda s, g, m: g.precision.__setattr__("source", []), r"^game.precision.source: missing source"),
        (lambda s, g, m: s.ceasefire_discount.__setattr__("value", 1.0), r"^scenario.ceasefire_discount.value: expected a daily discount factor in \(0, 1\), got 1.0$"),
        (lambda s, g, m: m.sources.__delattr__("deconfliction"), r"mediator.sources.deconfliction: missing source"),
        (lambda s, g, m: g.outcomes.pop(), r"no outcome for action pair \('walk_out', 'refuse'\)"),
        (lambda s, g, m: g.outcomes[0].__setattr__("row", "bargain"), r"game.outcomes\[0\].row: unknown action 'bargain'"),
        (lambda s, g, m: g.outcomes[0].features.__delattr__("escalation"), r"game.outcomes\[0\].features: missing feature 'escalation'"),
        (lambda s, g, m: s.__setattr__("weight", {}),
         r"^scenario\.weight: unknown key; expected one of \[.ceasefire_discount., .dates., .evidence., .name., .summary., .title., .weights.\]$"),
    ],
)
def test_invalid_scenarios_name_the_offending_key(edit, message):
    s, g, m = _nodes()
    edit(s, g, m)
    with pytest.raises(ConfigError, match=message):
        build_scenario(s, g, m)


def test_missing_scenario_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.yaml: config file not found"):
        load_scenario("nowhere")
    bad = tmp_path / "broken.yaml"
    bad.write_text("weights: [unclosed\n")
    with pytest.raises(ConfigError, match="broken.yaml: not valid YAML"):
        load_scenario(str(bad))
