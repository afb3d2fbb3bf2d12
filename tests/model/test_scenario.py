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
    select,
    solve,
    solve_batch,
    talks_game,
    with_mediator,
)
from negsim.io.configs import config_dir
from negsim.model.evidence import EVIDENCE
from negsim.model.scenario import available_scenarios, build_scenario
from negsim.model.talks import outcome_distribution

SHIPPED = ["doha_round", "istanbul_round2", "istanbul_round3"]
ROOT = Path(__file__).resolve().parents[2]
POSITIONS = ROOT.parent / "shared" / "POSITIONS.md"


def selected_outcome(scenario):
    game = talks_game(scenario)
    eqs = solve(game)
    return outcome_distribution(scenario, eqs[select(game, eqs)])


def test_shipped_scenarios_load_and_cite_only_known_evidence():
    assert set(SHIPPED) <= set(available_scenarios())
    for name in SHIPPED:
        s = load_scenario(name)
        ids = {i for player in s.weight_sources for src in player for i in src}
        ids |= {i for src in s.mediator_sources.values() for i in src}
        ids |= {i for row in s.outcome_sources for src in row for i in src}
        assert ids and ids <= set(EVIDENCE)
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
def test_T1_istanbul_rounds_select_no_written_guarantee_and_no_deal(name):
    s = load_scenario(name)
    dist = selected_outcome(s)
    assert dist == {"deadlock: verbal pledge only, no deal": 1.0}
    written = {s.outcome_labels[i][0] for i in range(3)}
    assert not written & set(dist)


def test_doha_round_selects_the_pledge_level_ceasefire_deal():
    assert selected_outcome(load_scenario("doha_round")) == {
        "verbal pledge with phased confidence-building": 1.0
    }


def test_enough_leverage_flips_istanbul_to_a_deal():
    s = with_mediator(load_scenario("istanbul_round2"), transfer_deal=4.0, verification=1.0)
    dist = selected_outcome(s)
    deals = {s.outcome_labels[i][j] for i, j in zip(*s.deal.nonzero(), strict=True)}
    assert sum(p for lab, p in dist.items() if lab in deals) == pytest.approx(1.0)


def test_payoff_batch_matches_single_games_at_every_grid_point():
    s = load_scenario("istanbul_round2")
    A, B, mesh = payoff_grid(s, transfer_deal=[0.0, 1.0, 2.5], verification=[0.0, 0.5, 0.8, 1.0])
    assert A.shape == B.shape == (3, 4, 3, 3)
    for idx in np.ndindex(3, 4):
        g = talks_game(with_mediator(s, transfer_deal=mesh["transfer_deal"][idx], verification=mesh["verification"][idx]))
        np.testing.assert_array_equal(A[idx], g.A)
        np.testing.assert_array_equal(B[idx], g.B)
    batch = solve_batch(A, B)
    assert batch.counts.min() >= 1


def test_payoffs_are_features_times_weights_plus_transfers():
    s = load_scenario("istanbul_round2")
    A, B = payoff_batch(s, transfer_deal=0.0, penalty_walkout=0.0, verification=0.0)
    np.testing.assert_allclose(A, s.features @ s.weights[0])
    np.testing.assert_allclose(B, s.features @ s.weights[1])
    A2, B2 = payoff_batch(s, transfer_deal=1.5, penalty_walkout=0.0, verification=0.0)
    np.testing.assert_allclose(A2 - A, 1.5 * s.deal)
    # Full verification removes sovereignty_relief of Kabul's sovereignty cost.
    _, B3 = payoff_batch(s, transfer_deal=0.0, penalty_walkout=0.0, verification=1.0)
    k = s.feature_names.index("sovereignty")
    np.testing.assert_allclose(
        B3 - B, -s.mediator.sovereignty_relief * s.weights[1, k] * s.features[:, :, k]
    )
    # A weight batch broadcasts too: shape (5, 2, K) -> (5, 3, 3).
    W = np.stack([s.weights * (1 + 0.1 * i) for i in range(5)])
    A4, _ = payoff_batch(s, weights=W)
    assert A4.shape == (5, 3, 3)


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
        (lambda s, g, m: m.__setattr__("transfer_deal", -1.0), r"mediator.transfer_deal: expected a non-negative"),
        (lambda s, g, m: m.sources.__delattr__("deconfliction"), r"mediator.sources.deconfliction: missing source"),
        (lambda s, g, m: g.outcomes.pop(), r"no outcome for action pair \('walk_out', 'refuse'\)"),
        (lambda s, g, m: g.outcomes[0].__setattr__("row", "bargain"), r"game.outcomes\[0\].row: unknown action 'bargain'"),
        (lambda s, g, m: g.outcomes[0].features.__delattr__("escalation"), r"game.outcomes\[0\].features: missing feature 'escalation'"),
        (lambda s, g, m: s.__setattr__("weight", {}),
         r"^scenario\.weight: unknown key; expected one of \[.dates., .evidence., .name., .summary., .title., .weights.\]$"),
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
