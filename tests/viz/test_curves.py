"""The result curves a policy reader sees (negsim.viz.curves): words, units, horizon, visible bands.

Inputs are made by negsim itself (the pipeline on the shipped rounds, few runs, 30 days);
each test reads the figure's text elements and drawn data back.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re

import numpy as np
import pytest
from conftest import shipped_config

import negsim
from negsim.studies.pipeline import build_point, run_point, run_points
from negsim.studies.sweep import table_row
from negsim.studies.threshold import deal_curve, leverage_threshold
from negsim.studies.uncertainty import parameter_space
from negsim.viz import curves

DAYS = 30


def sweep_rows(rounds, axes, runs=200):
    """Rows of the sweep table over the grid of ``axes`` (``mediator.`` or ``rollout.`` key to
    values) for each round, as :func:`negsim.app.sweeps.aggregate` reads them from the points'
    ``metrics.json``."""
    points, overrides = [], []
    for name in rounds:
        base = shipped_config(name, rollout={"runs": runs, "days": DAYS})
        for combo in itertools.product(*axes.values()):
            cfg = copy.deepcopy(base)
            for key, v in zip(axes, combo, strict=True):
                node, _, leaf = key.partition(".")
                cfg[node][leaf] = v
            points.append(build_point(cfg))
            overrides.append([f"scenario={name}"] + [f"{k}={v}" for k, v in zip(axes, combo, strict=True)])
    return [table_row({**o.metrics, "overrides": ov}) for o, ov in zip(run_points(points), overrides, strict=True)]


def flat(text):
    """Whitespace collapsed: wrapped lines read as one."""
    return " ".join(text.split())


def drawn_y(ax):
    """Every y value a line, band or error bar of ``ax`` draws."""
    ys = [line.get_ydata() for line in ax.get_lines()]
    ys += [path.vertices[:, 1] for c in ax.collections for path in c.get_paths()]
    y = np.concatenate([np.asarray(v, float).ravel() for v in ys])
    return y[np.isfinite(y)]


def assert_probabilities(ax):
    y = drawn_y(ax)
    assert len(y) and y.min() >= 0.0 and y.max() <= 1.0


def zoom_note_matches_axis(ax):
    """The panel's zoom note names exactly its y-range, and the range holds everything drawn."""
    note = ax.get_title(loc="right")
    m = re.fullmatch(r"y-axis zoomed: (\d\.\d+)-(\d\.\d+)", note)
    assert m, note
    low, high = map(float, m.groups())
    assert ax.get_ylim() == pytest.approx((low, high))
    y = drawn_y(ax)
    assert low <= y.min() and y.max() <= high


@pytest.fixture(scope="module")
def forecast():
    return run_point(build_point(shipped_config(rollout={"runs": 400, "days": DAYS})))


@pytest.fixture(scope="module")
def two_rounds():
    return sweep_rows(["istanbul_round2", "doha_round"], {"mediator.verification": [1.0, 0.0, 0.5]})


@pytest.fixture(scope="module")
def grid_rows():
    return sweep_rows(["istanbul_round2", "doha_round"],
                      {"mediator.transfer_written": [0.0, 8.0], "mediator.verification": [0.0, 1.0]})


def test_probability_limits():
    assert curves.probability_limits(np.array([0.874, 0.884])) == (0.869, 0.889, "y-axis zoomed: 0.869-0.889")
    assert curves.probability_limits(np.array([0.32, 0.76])) == (0.27, 0.81, "y-axis zoomed: 0.27-0.81")
    assert curves.probability_limits(np.array([0.0, 0.9])) == (-0.02, 1.02, None)
    assert curves.probability_limits(np.array([0.2, 0.3]), include=(0.5,)) == (0.17, 0.53, "y-axis zoomed: 0.17-0.53")
    assert curves.probability_limits(np.array([0.999, 1.0]))[:2] == (0.994, 1.0)  # never past 1


def test_breakdown_figure_states_horizon_outcome_and_leverage(forecast):
    result, metrics = forecast.rollout, forecast.metrics
    mediator = dataclasses.asdict(negsim.load_scenario("istanbul_round2").mediator)
    fig = curves.breakdown_figure(result, "istanbul_round2", leverage=mediator, outcome=metrics["selected_outcomes"])
    ax, axh, side = fig.axes
    assert ax.get_title() == ("Istanbul talks, round two\n"
                              "Ceasefire after the talks: 400 runs after each of 9 predicted outcome(s)")
    p, lo, hi = result.breakdown_probability()
    half = np.max(hi - lo) / 2
    assert sorted(ax.get_legend_handles_labels()[1]) == [
        f"95% interval (Monte Carlo, 400 runs per outcome; at most \u00b1{half:.3f})", "P(breakdown by day t)"]
    assert axh.get_xlabel() == "days after the talks" and ax.get_ylabel() == "probability (0-1)"
    lines = side.texts[0].get_text().splitlines()
    deadlock = metrics["selected_outcomes"]["deadlock: verbal pledge only, no deal"]
    for expected in (f"Within {DAYS} days", f"P(ceasefire breaks down) = {p[-1]:.3f}",
                     f"95% interval {lo[-1]:.3f}-{hi[-1]:.3f}", "Talks outcome (predicted probability)",
                     f"{deadlock:.2f}  deadlock: verbal pledge only, no deal", "Mediator leverage",
                     f"written-guarantee transfer: {mediator['transfer_written']:g} (payoff units)",
                     f"breakdown penalty: {mediator['penalty_breakdown']:g} (payoff units)"):
        assert expected in lines
    rest = sorted(metrics["selected_outcomes"].values())[:-4]
    assert f"{sum(rest):.2f}  {len(rest)} other outcome(s)" in lines
    assert_probabilities(ax)


def test_breakdown_figure_of_one_stated_outcome_and_of_the_exact_chain():
    out = run_point(build_point(shipped_config(rollout={"method": "exact", "days": 5})))
    fig = curves.breakdown_figure(out.rollout, out.metrics["game"], outcome="written, verified guarantee")
    ax, _, side = fig.axes
    assert ax.get_legend_handles_labels()[1] == ["P(breakdown by day t), exact (Markov chain)"]
    text = side.texts[0].get_text().splitlines()
    assert text[:3] == ["Within 5 days", f"P(ceasefire breaks down) = {out.rollout.breakdown_probability()[0][-1]:.3f}",
                        "exact (Markov chain)"]
    assert text[-2:] == ["Talks outcome", "written, verified guarantee"]
    # Five days reach a small probability: the axis follows it and says so.
    note = [t.get_text() for t in ax.texts]
    assert len(note) == 1 and note[0].startswith("y-axis zoomed: 0.00-")
    assert ax.get_ylim()[1] == pytest.approx(float(note[0].rsplit("-", 1)[1]))
    assert_probabilities(ax)


def test_a_sweep_of_two_rounds_draws_one_line_per_round(two_rounds):
    fig = curves.escalation_vs_leverage_figure(two_rounds, param="mediator.verification")
    ax, axd = fig.axes
    assert fig.get_suptitle() == "The ceasefire and the talks against the verification on offer"
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Doha ceasefire talks", "Istanbul talks, round two"]
    assert legend.get_title().get_text() == "round"
    for panel in (ax, axd):
        lines = [ln for ln in panel.get_lines() if len(ln.get_xdata()) == 3]
        assert [list(ln.get_xdata()) for ln in lines] == [[0.0, 0.5, 1.0]] * 2  # sorted: no zig-zag between rounds
        assert_probabilities(panel)
    styles = {(ln.get_linestyle(), ln.get_marker()) for ln in ax.get_lines()}
    assert len(styles) == 2
    assert ax.get_ylabel() == f"P(ceasefire breaks down\nwithin {DAYS} days)"
    assert axd.get_xlabel() == "Verification on offer (quality of the mechanism, 0 none to 1 full)"


def test_a_sweep_of_one_round_zooms_to_its_band_and_names_the_outcome(two_rounds):
    rows = [r for r in two_rounds if r["scenario"] == "istanbul_round2"]
    fig = curves.escalation_vs_leverage_figure(rows)
    ax, axd = fig.axes
    zoom_note_matches_axis(ax)
    zoom_note_matches_axis(axd)
    assert sorted(ax.get_legend_handles_labels()[1]) == ["95% interval (Monte Carlo)", "P(ceasefire breakdown)"]
    title = fig.get_suptitle().splitlines()
    assert title[0] == "Istanbul talks, round two: the ceasefire and the talks against the verification on offer"
    assert flat(" ".join(title[1:])) == (
        "Most likely talks outcome: deadlock: verbal pledge only, no deal (0 to 0.5); "
        "verbal pledge with phased confidence-building (at 1)")
    assert_probabilities(ax)


def test_outcome_note():
    assert curves.outcome_note(np.array([0.0, 1.0]), ["deadlock", "deadlock"]) == (
        "Most likely talks outcome at every value: deadlock")
    assert curves.outcome_note(np.array([0.0, 0.5, 1.0]), ["deadlock", "deadlock", "pledge"]) == (
        "Most likely talks outcome: deadlock (0 to 0.5); pledge (at 1)")
    assert curves.outcome_note(np.array([0.0]), [""]) is None


def test_a_flat_deal_probability_is_stated_not_drawn():
    rows = sweep_rows(["istanbul_round2"], {"rollout.attack_rate": [0.1, 0.2]})
    fig = curves.escalation_vs_leverage_figure(rows, param="rollout.attack_rate")
    assert len(fig.axes) == 1
    assert fig.get_suptitle().splitlines()[1] == f"P(deal) = {rows[0]['p_deal']:.3f} at every value (not drawn)"
    assert fig.axes[0].get_xlabel() == "Attacks traced to Afghan soil at zero Kabul effort (probability per day)"


def test_heatmap_prints_each_value_on_a_scale_of_the_data(grid_rows):
    rows = [r for r in grid_rows if r["scenario"] == "istanbul_round2"]
    values = [r["p_breakdown"] for r in rows]
    assert max(values) - min(values) >= 0.1  # two decimals in the cells
    fig = curves.sweep_heatmap_figure(rows, "mediator.transfer_written", "mediator.verification")
    ax, bar = fig.axes
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{v:.2f}" for v in values)
    mesh = ax.collections[0]
    assert mesh.get_cmap().name == "viridis"
    assert (mesh.norm.vmin, mesh.norm.vmax) == (min(values), max(values))
    assert bar.get_ylabel() == (f"P(ceasefire breaks down within {DAYS} days)\n"
                                f"(colour scale: the values' range, {min(values):.2f}-{max(values):.2f})")
    assert ax.get_title() == "Istanbul talks, round two"
    assert flat(ax.get_xlabel()) == ("Transfer paid on a written guarantee (payoff units) "
                                     "Payoff unit: a sixth of what a written, verified guarantee is worth to Pakistan.")
    assert fig.get_suptitle() == (f"P(ceasefire breaks down within {DAYS} days) over written-guarantee transfer "
                                  "and verification on offer")


def test_heatmap_of_two_rounds_draws_a_panel_each(grid_rows):
    fig = curves.sweep_heatmap_figure(grid_rows, "mediator.transfer_written", "mediator.verification")
    panels = fig.axes[:2]
    assert [a.get_title() for a in panels] == ["Doha ceasefire talks", "Istanbul talks, round two"]
    for a, name in zip(panels, ("doha_round", "istanbul_round2"), strict=True):
        cells = [r["p_breakdown"] for r in grid_rows if r["scenario"] == name]
        assert sorted(t.get_text() for t in a.texts) == sorted(f"{v:.2f}" for v in cells)
    assert flat(panels[0].get_ylabel()) == "Verification on offer (quality of the mechanism, 0 none to 1 full)"
    assert panels[1].get_ylabel() == ""  # one axis label for both
    assert fig.get_supxlabel().startswith("Transfer paid on a written guarantee (payoff units)\n")
    assert {a.collections[0].norm.vmin for a in panels} == {min(r["p_breakdown"] for r in grid_rows)}


@pytest.fixture(scope="module")
def rounds():
    return [negsim.load_scenario(n) for n in ("doha_round", "istanbul_round2", "istanbul_round3")]


def test_deal_curves_say_no_flip_within_the_range(rounds):
    values = np.linspace(0.0, 1.0, 11)
    curves_in = [(sc.name, deal_curve(sc, "verification", values), None) for sc in rounds]
    assert curves_in[0][1][0] >= 0.5 and max(curves_in[1][1]) < 0.5 and max(curves_in[2][1]) < 0.5
    fig = curves.deal_curves_figure("verification", values, curves_in)
    (ax,) = fig.axes
    title = fig.get_suptitle().splitlines()
    assert title[:2] == ["Where a deal becomes likelier than none: the verification on offer", "dashed: P(deal) = 1/2"]
    assert flat(" ".join(title[2:])) == (
        "No flip within the range 0-1 (P(deal) stays below 1/2): Istanbul talks, round two; Istanbul talks, round three")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Doha ceasefire talks: already likelier than not at 0", "Istanbul talks, round two: no flip within the range",
        "Istanbul talks, round three: no flip within the range"]
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(values)]
    assert len({(ln.get_linestyle(), ln.get_marker()) for ln in lines}) == 3
    for line, (_, p, _) in zip(lines, curves_in, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), p)  # drawn as computed: no offset
    assert_probabilities(ax)


def test_deal_curves_mark_each_threshold(rounds):
    values = np.linspace(0.0, 10.0, 11)
    sc = rounds[1]
    t = leverage_threshold(sc, "transfer_pledge", upper=10.0, grid=11, tol=1e-4)
    fig = curves.deal_curves_figure("transfer_pledge", values, [(sc.name, deal_curve(sc, "transfer_pledge", values),
                                                                 t.value)])
    assert [t_.get_text() for t_ in fig.legends[0].get_texts()] == [f"Istanbul talks, round two: flips at {t.value:.2f}"]
    assert "No flip" not in fig.get_suptitle()
    assert fig.axes[0].get_xlabel().startswith("Transfer paid on the pledge with confidence-building (payoff units)\n")
    assert_probabilities(fig.axes[0])


def _inside(fig, artists):
    """Whether every artist's drawn box lies inside the figure (nothing clipped at its edge)."""
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    return all(box.x0 - 1 <= b.x0 and b.x1 <= box.x1 + 1 and box.y0 - 1 <= b.y0 and b.y1 <= box.y1 + 1
               for b in (a.get_window_extent(renderer) for a in artists))


def test_tornado_names_the_inputs_in_words_and_clips_nothing():
    point = build_point(shipped_config(rollout={"runs": 0}))
    names = [f"rollout {k}" for k in ("tension_shape", "attack_rate")] + ["weight PAK.pak_concession"]
    rows = [{"input": n, "low": 0.80 + 0.01 * k, "high": 0.93 - 0.01 * k, "baseline": 0.868, "swing": 0.13 - 0.02 * k}
            for k, n in enumerate(names)]
    assert set(names) <= {f"rollout {k}" for k in vars(point.setup.params)} | {
        f"weight {p}.{f}" for p in point.scenario.players for f in point.scenario.feature_names}
    fig = curves.tornado_figure(rows, "Istanbul talks, round two: what moves P(breakdown)", horizon=DAYS)
    (ax,) = fig.axes
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Pakistan's weight on Pakistan backing down",
                      "Attacks traced to Afghan soil at zero Kabul\neffort", "How fast early tension fades"]
    assert ax.get_xlabel() == f"P(ceasefire breaks down within {DAYS} days)"
    assert ax.get_legend_handles_labels()[1] == ["input 25% lower", "input 25% higher"]
    assert [t.get_text() for t in ax.texts] == ["baseline 0.868"]
    assert _inside(fig, ax.get_yticklabels() + [ax.title, ax.xaxis.label])


def test_sobol_figure_names_the_judgement_calls_in_words():
    point = build_point(shipped_config(rollout={"runs": 0}))
    space = [p.name for p in parameter_space(point)]
    rows = [{"parameter": n, "S1": 0.01 * k, "S1_conf": 0.01, "ST": 0.02 * k, "ST_conf": 0.01}
            for k, n in enumerate(space)]
    fig = curves.sobol_figure(rows, "what P(deal) rests on", top=3)
    fig.canvas.draw()
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 3 and not [s for s in labels if "_" in s or s in space]
    assert _inside(fig, ax.get_yticklabels())


def test_no_line_of_a_sweep_is_a_key(two_rounds):
    """Nothing a reader sees names a config key or a scenario id."""
    fig = curves.escalation_vs_leverage_figure(two_rounds, param="mediator.verification")
    texts = [fig.get_suptitle()] + [t.get_text() for a in fig.axes for t in
                                    (a.texts + [a.title, a.xaxis.label, a.yaxis.label]
                                     + (a.get_legend().get_texts() if a.get_legend() else []))]
    assert not [t for t in texts if re.search(r"mediator\.|_round|\w_\w", t)]


def test_the_band_over_the_judgement_calls_is_drawn_and_zoomed_to(two_rounds):
    rows = [r for r in two_rounds if r["scenario"] == "doha_round"]
    rows = [{**r, "uncertainty_draws": 8, "p_breakdown_q05": r["p_breakdown"] - 0.1, "p_breakdown_q95": r["p_breakdown"] + 0.1,
             "p_deal_q05": r["p_deal"] - 0.2, "p_deal_q95": r["p_deal"] + 0.1} for r in rows]
    fig = curves.escalation_vs_leverage_figure(rows)
    ax, axd = fig.axes
    assert sorted(ax.get_legend_handles_labels()[1]) == [
        "5-95% over 8 draws of the judgement calls", "95% Monte Carlo interval", "P(ceasefire breakdown)"]
    assert sorted(axd.get_legend_handles_labels()[1]) == [
        "5-95% over 8 draws of the judgement calls", "P(deal), predicted"]
    zoom_note_matches_axis(ax)  # the axis holds the band as well
    assert_probabilities(ax)
    assert_probabilities(axd)
