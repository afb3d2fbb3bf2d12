"""Figures of learning dynamics say what they show: titles, axis labels and legends in words,
probability axes within [0, 1], the strategy triangle for three actions, the project's
figure checks (tests/viz/test_every_figure.py) passed."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import negsim
from negsim.game import Game
from negsim.games.learning import fictitious_play, off_centre, replicator_dynamics
from negsim.viz.learning import TRIANGLE, learning_figure, regret_figure

PENNIES = Game(np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]]), title="Matching pennies",
               players=("Row", "Column"), actions=(("heads", "tails"), ("heads", "tails")))
SHAPLEY = Game(np.eye(3), np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), title="Shapley's game")


def _project_checks():
    """The checks every figure of the project passes (loaded from its file, whatever the import mode)."""
    spec = importlib.util.spec_from_file_location("every_figure", Path(__file__).with_name("test_every_figure.py"))
    assert spec is not None and spec.loader is not None
    module = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    return module.CHECKS


@pytest.fixture(scope="module")
def talks():
    return negsim.talks_game(negsim.load_scenario("istanbul_round2"))


def texts(fig: Figure) -> dict[str, list[str]]:
    axes = fig.axes
    return {
        "suptitle": [fig._suptitle.get_text()] if fig._suptitle is not None else [],
        "titles": [ax.get_title() for ax in axes],
        "xlabels": [ax.get_xlabel() for ax in axes],
        "ylabels": [ax.get_ylabel() for ax in axes],
        "legend": [t.get_text() for ax in axes if ax.get_legend() for t in ax.get_legend().get_texts()],
        "text": [t.get_text() for ax in axes for t in ax.texts],
    }


def test_two_actions_are_a_line_in_zero_one_against_rounds():
    game_eqs = negsim.solve(PENNIES)
    path = fictitious_play(PENNIES, iterations=5_000)
    fig = learning_figure(PENNIES, path, equilibria=game_eqs)
    t = texts(fig)
    assert t["suptitle"] == ["Fictitious play in Matching pennies: each side's observed frequencies of play, round by "
                             "round"]
    assert t["titles"] == ["Row", "Column"]
    assert t["xlabels"] == ["Rounds played (log scale)"] * 2
    assert t["ylabels"] == ["Row: share of heads (probability, 0-1)", "Column: share of heads (probability, 0-1)"]
    x, y = path.final
    assert t["legend"] == [f"heads (ends at {x[0]:.2f})", "heads in Nash equilibrium 1 (0.50)",
                           f"heads (ends at {y[0]:.2f})", "heads in Nash equilibrium 1 (0.50)"]
    for ax in fig.axes:
        low, high = ax.get_ylim()
        assert -0.05 <= low < 0 and 1 < high <= 1.05
        assert ax.get_xscale() == "log"
        ticks = [v for v, lab in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
                 if low <= v <= high and lab.get_text()]
        assert min(ticks) == pytest.approx(0) and max(ticks) == pytest.approx(1)
        for line in ax.lines:
            y = np.asarray(line.get_ydata(), float)
            assert np.all((y >= 0) & (y <= 1))


def test_three_actions_are_a_path_in_the_strategy_triangle(talks):
    path = replicator_dynamics(talks, x0=off_centre(3), y0=off_centre(3), t_max=100.0)
    fig = learning_figure(talks, path, equilibria=negsim.solve(talks))
    t = texts(fig)
    assert t["titles"] == ["Pakistan: the mix of its three actions", "Kabul: the mix of its three actions"]
    assert t["suptitle"][0].startswith("Replicator dynamics in Istanbul talks, round two")
    assert t["text"] == ["always insist written", "always accept verbal", "always walk out",
                         "always sign written", "always verbal only", "always refuse"]
    assert t["legend"] == ["path of play", "start", "end", "all three equally often", "Nash equilibrium 1"] * 2
    top = math.sqrt(3) / 2
    for ax in fig.axes:
        assert not ax.axison  # a triangle, not a probability axis
        for line in ax.lines:
            x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
            assert np.all((x >= -1e-12) & (x <= 1 + 1e-12) & (y >= -1e-12) & (y <= top + 1e-12))
    # the path starts where it started and ends at the equilibrium corner (insist written; verbal only)
    start = fig.axes[0].lines[2]
    np.testing.assert_allclose(np.ravel([start.get_xdata(), start.get_ydata()]), off_centre(3) @ TRIANGLE)
    end = fig.axes[1].lines[3]
    np.testing.assert_allclose(np.ravel([end.get_xdata(), end.get_ydata()]), TRIANGLE[1], atol=1e-3)


def test_a_long_run_is_thinned_for_drawing():
    fig = learning_figure(SHAPLEY, fictitious_play(SHAPLEY, iterations=100_000))
    path_line = fig.axes[0].lines[1]
    assert len(path_line.get_xdata()) <= 2_002


def test_the_regret_figure_is_in_words_and_log_scaled():
    fig = regret_figure(SHAPLEY, fictitious_play(SHAPLEY, iterations=5_000))
    t = texts(fig)
    assert t["suptitle"] == ["Fictitious play in Shapley's game: how far from equilibrium"]
    assert t["xlabels"] == ["Rounds played (log scale)"]
    assert t["ylabels"] == ["Gain from switching (share of the payoff range, log scale)"]
    assert t["legend"] == ["largest gain from switching", "2% of the payoff range"]
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylim()[1] == 1.0 and ax.get_ylim()[0] > 0
    rd = regret_figure(PENNIES, replicator_dynamics(PENNIES, x0=[0.7, 0.3], t_max=50.0), tol=0.05)
    assert texts(rd)["xlabels"] == ["Time (units of one over the payoff range; log scale)"]
    assert texts(rd)["legend"][1] == "5% of the payoff range"


def test_every_learning_figure_passes_the_project_figure_checks(talks):
    checks = _project_checks()
    figures = {
        "fp pennies": learning_figure(PENNIES, fictitious_play(PENNIES, iterations=2_000)),
        "rd pennies": learning_figure(PENNIES, replicator_dynamics(PENNIES, x0=[0.7, 0.3]),
                                      equilibria=negsim.solve(PENNIES)),
        "fp talks": learning_figure(talks, fictitious_play(talks, iterations=2_000), equilibria=negsim.solve(talks)),
        "four actions": learning_figure(Game(*np.random.default_rng(1).normal(size=(2, 4, 2))),
                                        fictitious_play(Game(*np.random.default_rng(1).normal(size=(2, 4, 2))),
                                                        iterations=500)),
        "regret": regret_figure(talks, replicator_dynamics(talks, t_max=20.0)),
    }
    problems = [f"{name}: {p}" for name, fig in figures.items() for check in checks for p in check(fig)]
    assert not problems, "\n".join(problems)
    # the checks can fail: an axis label that is an id, and a probability axis past [0, 1]
    bad = learning_figure(PENNIES, fictitious_play(PENNIES, iterations=50))
    bad.axes[0].set_ylabel("p_heads (probability)")
    bad.axes[1].set_ylim(-0.5, 1.5)
    assert len([p for check in checks for p in check(bad)]) >= 2
