"""The classroom explorer's fragments: the same numbers as the pipeline, knobs that change
them, best replies marked, everything escaped and self-contained, bad knobs named, fast."""

from __future__ import annotations

import copy
import re
import time

import numpy as np
import pytest

import negsim
from negsim.errors import ConfigError
from negsim.model.talks import deal_probability, predict, with_mediator
from negsim.viz import explorer
from negsim.viz.explorer import explorer_view

KEYS = {"table_html", "equilibria_html", "prediction_html", "curve_svg"}


@pytest.fixture(scope="module")
def shipped():
    return explorer_view("istanbul_round2", {})


@pytest.fixture(scope="module")
def verified():
    return explorer_view("istanbul_round2", {"verification": 1.0, "transfer_written": 3.0})


def _p_deal(view) -> float:
    return float(re.search(r'data-p-deal="([0-9.]+)"', view["prediction_html"]).group(1))


def _p_breakdown(view) -> float:
    return float(re.search(r'data-p-breakdown="([0-9.]+)"', view["prediction_html"]).group(1))


def test_the_view_has_four_self_contained_fragments(shipped, verified):
    for view in (shipped, verified):
        assert set(view) == KEYS and all(isinstance(v, str) and v for v in view.values())
        for text in view.values():
            assert "http" not in text and "<script" not in text and "<?xml" not in text and "DOCTYPE" not in text
        svg = view["curve_svg"]
        assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>") and "xmlns" not in svg
        ids = re.findall(r'\bid="([^"]+)"', svg)
        assert ids and all(i.startswith("negsim-explorer-") for i in ids)
        refs = re.findall(r'href="#([^"]+)"', svg)
        assert set(refs) <= set(ids)
    assert shipped["table_html"].startswith('<table class="negsim-payoffs">')


def test_the_numbers_are_the_pipelines():
    knobs = {"verification": 0.8, "deconfliction": 0.6, "transfer_pledge": 1.5}
    view = explorer_view("istanbul_round3", knobs)
    forecast = negsim.ceasefire_after("istanbul_round3", mediator=knobs, method="exact", days=90)
    assert _p_breakdown(view) == pytest.approx(forecast.summary()["p_breakdown"], abs=1e-6)
    scenario = with_mediator(negsim.load_scenario("istanbul_round3"), **knobs)
    assert _p_deal(view) == pytest.approx(deal_probability(scenario, predict(scenario)), abs=1e-6)
    P = predict(scenario)
    shown = [float(v) for v in re.findall(r'<td class="number">([0-9.]+)</td>', view["prediction_html"])]
    np.testing.assert_allclose(sorted(shown, reverse=True), np.sort(P.ravel())[::-1], atol=5e-4)


def test_knobs_change_the_numbers(shipped, verified):
    assert _p_deal(verified) > _p_deal(shipped) + 0.05
    assert _p_breakdown(verified) != pytest.approx(_p_breakdown(shipped), abs=1e-3)
    assert verified["table_html"] != shipped["table_html"]
    assert verified["curve_svg"] != shipped["curve_svg"]
    # only a changed round is compared with the mediators' own offer
    assert "at the leverage the mediators offered" in verified["curve_svg"]
    assert "at the leverage the mediators offered" not in shipped["curve_svg"]
    same = explorer_view("istanbul_round2", {"verification": 0.2})  # the shipped value
    assert "at the leverage the mediators offered" not in same["curve_svg"]


def test_best_replies_and_the_pure_equilibrium_are_marked(shipped):
    game = negsim.talks_game(negsim.load_scenario("istanbul_round2"))
    A, B = game.A, game.B
    cells = re.findall(r'<td( class="pure-equilibrium")? data-row="(\w+)" data-col="(\w+)"><span class="pak">(.*?)'
                       r'</span>, <span class="afg">(.*?)</span>', shipped["table_html"])
    assert len(cells) == 9
    rows, cols = game.actions
    for eq_mark, row, col, pak, afg in cells:
        i, j = rows.index(row), cols.index(col)
        row_best = A[i, j] == A[:, j].max()
        col_best = B[i, j] == B[i, :].max()
        assert ("<strong" in pak) == row_best and ("<strong" in afg) == col_best
        assert bool(eq_mark) == (row_best and col_best)
        assert f"{A[i, j]:+.2f}" in pak and f"{B[i, j]:+.2f}" in afg
    assert shipped["equilibria_html"].count('<li class="selected">') == 1
    (eq,) = negsim.solve(game)  # one, pure: insist written against verbal only
    i, j = int(np.argmax(eq.strategies[0])), int(np.argmax(eq.strategies[1]))
    assert (rows[i], cols[j]) == ("insist_written", "verbal_only")
    assert "Pakistan: insist written; Kabul: verbal only (pure; payoffs -0.25, -1.75)" in shipped["equilibria_html"]


def test_every_text_is_escaped(shipped, monkeypatch):
    assert "Kabul&#x27;s offer" in shipped["table_html"] and "Kabul's offer" not in shipped["table_html"]
    nodes = copy.deepcopy(explorer._shipped("doha_round"))
    nodes["game"]["outcomes"][0]["label"] = '<b onclick="x()">written & "verified"</b>'
    monkeypatch.setattr(explorer, "_shipped", lambda name: nodes)
    monkeypatch.setattr(explorer, "_shipped_curve", lambda name: tuple(np.linspace(0, 0.5, 90)))
    view = explorer_view("doha_round", {"verification": 0.9})
    for text in view.values():
        assert "<b " not in text and "onclick=\"" not in text
    assert "&lt;b onclick=&quot;x()&quot;&gt;written &amp; &quot;verified&quot;&lt;/b&gt;" in view["table_html"]
    assert "&lt;b onclick" in view["prediction_html"]


@pytest.mark.parametrize(
    ("round_name", "knobs", "message"),
    [
        ("istanbul_round2", {"leverage": 1.0},
         "mediator.leverage: unknown mediator knob; expected one of ['transfer_written', 'transfer_pledge', "
         "'transfer_compliance', 'penalty_breakdown', 'verification', 'deconfliction']"),
        ("istanbul_round2", {"verification": 1.5}, "mediator.verification: expected a fraction in [0, 1], got 1.5"),
        ("istanbul_round2", {"transfer_written": -2}, "mediator.transfer_written: expected a non-negative payoff, got -2.0"),
        ("istanbul_round2", {"deconfliction": "high"}, "mediator.deconfliction: expected a number, got 'high'"),
        ("istanbul_round2", {"penalty_breakdown": float("nan")},
         "mediator.penalty_breakdown: expected a finite number, got nan"),
        ("istanbul_round9", {}, "scenario: unknown round 'istanbul_round9'; expected one of: doha_round, "
                                "istanbul_round2, istanbul_round3"),
    ],
)
def test_bad_knobs_and_rounds_are_named(round_name, knobs, message):
    with pytest.raises(ConfigError) as err:
        explorer_view(round_name, knobs)
    assert str(err.value) == message


def test_a_warm_call_is_fast(shipped):
    explorer_view("istanbul_round2", {"verification": 0.55})  # warm: the round's files and curve cached
    start = time.process_time()
    for v in (0.35, 0.65, 0.95):
        explorer_view("istanbul_round2", {"verification": v})
    per_call = (time.process_time() - start) / 3
    assert per_call < 0.6, f"{per_call:.3f} s of CPU per warm call (about 0.15 s expected)"
