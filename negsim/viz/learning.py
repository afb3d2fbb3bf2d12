"""Figures of learning dynamics for teaching: where each side's play goes, round by round.

* :func:`learning_figure`: one panel per player, over that player's strategy simplex: for
  two actions, the share of the first action against time (a line in [0, 1]); for three,
  the path inside a triangle whose corners are the pure actions (start and end marked);
  for more, every action's share against time. Equilibria given are marked.
* :func:`regret_figure`: how far play is from equilibrium: the most either side could gain
  by switching, as a share of its payoff range, against time (log scales): a line falling
  steadily means play settles, a flat band means it cycles.

Both take a path of :mod:`negsim.games.learning` (fictitious play: time is rounds played,
on a log scale, where cycles that grow by a constant factor look evenly spaced;
replicator dynamics: time in units of one over the payoff range). Figures are built on an
Agg canvas (:func:`negsim.viz.canvas.new_figure`): no pyplot, no backend switch.
"""

from __future__ import annotations

import math
import textwrap
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from negsim.game import Game
from negsim.games.learning import FictitiousPlayPath, ReplicatorPath, relative_regrets
from negsim.viz.canvas import new_figure
from negsim.viz.words import player_name

#: The corners of the strategy triangle: the first, second and third action.
TRIANGLE = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3) / 2]])
#: Most points drawn per path (fictitious play runs are thinned, log-spaced).
MAX_POINTS = 2_000
PATH_COLOUR = "#1f4e9c"
EQ_COLOUR = "#b8431b"

_KIND = {
    "fictitious_play": ("Fictitious play", "each side's observed frequencies of play, round by round"),
    "replicator": ("Replicator dynamics", "the share of each action in each side's population over time"),
}


def action_words(label: str) -> str:
    """An action id in words: ``insist_written`` -> ``insist written``."""
    return label.replace("_", " ")


def _wrapped(text: str, width: int = 95) -> str:
    return textwrap.fill(text, width)


def _time_label(path: FictitiousPlayPath | ReplicatorPath, *, log: bool = False) -> str:
    """The time axis in words: rounds (fictitious play, always on a log scale) or time."""
    if path.kind == "fictitious_play":
        return "Rounds played (log scale)"
    return "Time (units of one over the payoff range" + ("; log scale)" if log else ")")


def _thinned(path: FictitiousPlayPath | ReplicatorPath) -> np.ndarray:
    """Indices of the points to draw: all of them up to :data:`MAX_POINTS`, else log-spaced
    (fictitious play) or evenly spaced, always with the first and the last."""
    K = len(path.t)
    if K <= MAX_POINTS:
        return np.arange(K)
    if path.kind == "fictitious_play":
        idx = np.unique(np.geomspace(1, K, MAX_POINTS).astype(int) - 1)
    else:
        idx = np.unique(np.linspace(0, K - 1, MAX_POINTS).astype(int))
    return np.unique(np.concatenate([[0], idx, [K - 1]]))


def _equilibrium_strategies(equilibria: Sequence | None) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for eq in equilibria or ():
        pair = getattr(eq, "strategies", eq)
        out.append((np.asarray(pair[0], float), np.asarray(pair[1], float)))
    return out


def _to_triangle(p: np.ndarray) -> np.ndarray:
    """Mixed strategies over three actions, shape (K, 3), as points of :data:`TRIANGLE`, (K, 2)."""
    return np.atleast_2d(p) @ TRIANGLE


def _line_panel(ax, t: np.ndarray, p: np.ndarray, labels: Sequence[str], who: str, eqs: list[np.ndarray],
                log_time: bool) -> None:
    """Shares against time: the first action's share for two actions, every action's for more."""
    shown = [0] if len(labels) == 2 else list(range(len(labels)))
    for k in shown:
        ax.plot(t, p[:, k], lw=1.8, color=PATH_COLOUR if len(shown) == 1 else f"C{k}",
                label=f"{action_words(labels[k])} (ends at {p[-1, k]:.2f})")
    for e, eq in enumerate(eqs):
        for k in shown:
            ax.axhline(eq[k], color=EQ_COLOUR if len(shown) == 1 else f"C{k}", lw=1.2, ls="--",
                       label=f"{action_words(labels[k])} in Nash equilibrium {e + 1} ({eq[k]:.2f})")
    if log_time:
        ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    what = f"share of {action_words(labels[0])}" if len(shown) == 1 else "share of each action"
    ax.set_ylabel(f"{who}: {what} (probability, 0-1)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")


def _triangle_panel(ax, p: np.ndarray, labels: Sequence[str], eqs: list[np.ndarray]) -> None:
    """The path inside the strategy triangle, corners named, start and end marked."""
    corners = np.vstack([TRIANGLE, TRIANGLE[:1]])
    ax.plot(corners[:, 0], corners[:, 1], color="#555555", lw=1.0)
    offsets = [(-0.04, -0.06, "right"), (1.04, -0.06, "left"), (0.5, math.sqrt(3) / 2 + 0.05, "center")]
    for (x, y, align), lab in zip(offsets, labels, strict=True):
        ax.text(x, y, f"always {action_words(lab)}", ha=align, va="center", fontsize=9)
    xy = _to_triangle(p)
    ax.plot(xy[:, 0], xy[:, 1], color=PATH_COLOUR, lw=1.3, label="path of play")
    ax.plot(*xy[0], marker="o", ms=7, color=PATH_COLOUR, ls="none", mfc="white", label="start")
    ax.plot(*xy[-1], marker="s", ms=7, color=PATH_COLOUR, ls="none", label="end")
    centre = _to_triangle(np.full(3, 1 / 3))[0]
    ax.plot(*centre, marker="+", ms=8, color="#888888", ls="none", label="all three equally often")
    for e, eq in enumerate(eqs):
        ax.plot(*_to_triangle(eq)[0], marker="*", ms=12, color=EQ_COLOUR, ls="none",
                label=f"Nash equilibrium {e + 1}")
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(-0.15, math.sqrt(3) / 2 + 0.12)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(-0.05, 1.0), frameon=False)


def learning_figure(
    game: Game,
    path: FictitiousPlayPath | ReplicatorPath,
    *,
    equilibria: Sequence | None = None,
    title: str | None = None,
) -> Figure:
    """Each player's play over its strategy simplex along a learning path.

    Parameters
    ----------
    game : Game
        The game the path was computed on (its players and action labels name the panels).
    path : FictitiousPlayPath or ReplicatorPath
        From :func:`negsim.games.learning.fictitious_play` or
        :func:`negsim.games.learning.replicator_dynamics`.
    equilibria : sequence, optional
        Equilibria to mark (:class:`negsim.equilibrium.Equilibrium` or ``(x, y)`` pairs),
        e.g. ``negsim.solve(game)``.
    title : str, optional
        Default: the dynamics and the game's title, in words.

    Returns
    -------
    matplotlib.figure.Figure
    """
    name, what = _KIND[path.kind]
    keep = _thinned(path)
    t = np.asarray(path.t)[keep]
    eqs = _equilibrium_strategies(equilibria)
    fig = new_figure((11.0, 5.0))
    axes = fig.subplots(1, 2)
    log_time = path.kind == "fictitious_play"
    for p_idx, (ax, probs) in enumerate(zip(axes, (path.x, path.y), strict=True)):
        labels = game.actions[p_idx]
        who = player_name(game.players[p_idx])
        p = np.asarray(probs)[keep]
        own = [eq[p_idx] for eq in eqs]
        if len(labels) == 3:
            _triangle_panel(ax, p, labels, own)
            ax.set_title(f"{who}: the mix of its three actions", fontsize=11)
        else:
            _line_panel(ax, t, p, labels, who, own, log_time)
            ax.set_xlabel(_time_label(path))
            ax.set_title(f"{who}", fontsize=11)
    fig.suptitle(title if title is not None else _wrapped(f"{name} in {game.title}: {what}"), fontsize=12)
    fig.tight_layout()
    return fig


def regret_figure(game: Game, path: FictitiousPlayPath | ReplicatorPath, *, tol: float = 0.02,
                  title: str | None = None) -> Figure:
    """How far play is from equilibrium along a learning path (log scales).

    The line is the larger of the two players' regrets (what switching to its best reply
    would gain, as a share of that player's payoff range,
    :func:`negsim.games.learning.relative_regrets`): zero exactly at a Nash equilibrium.

    Parameters
    ----------
    game : Game
    path : FictitiousPlayPath or ReplicatorPath
    tol : float
        The tolerance drawn as a reference line (that of :func:`negsim.games.learning.settles`).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    name, _ = _KIND[path.kind]
    keep = _thinned(path)
    t = np.asarray(path.t)[keep]
    r = relative_regrets(game, np.asarray(path.x)[keep], np.asarray(path.y)[keep])
    positive = (t > 0) & (r > 0)
    fig = new_figure((7.5, 4.5))
    ax = fig.add_subplot()
    ax.plot(t[positive], r[positive], color=PATH_COLOUR, lw=1.6, label="largest gain from switching")
    ax.axhline(tol, color=EQ_COLOUR, lw=1.0, ls="--", label=f"{100 * tol:g}% of the payoff range")
    ax.set_xscale("log")
    ax.set_yscale("log")
    low = float(r[positive].min()) if positive.any() else 1e-3
    ax.set_ylim(max(min(low / 2, tol / 2), 1e-12), 1.0)
    ax.set_xlabel(_time_label(path, log=True))
    ax.set_ylabel("Gain from switching (share of the payoff range, log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="best")
    fig.suptitle(title if title is not None else _wrapped(f"{name} in {game.title}: how far from equilibrium", 70),
                 fontsize=12)
    fig.tight_layout()
    return fig
