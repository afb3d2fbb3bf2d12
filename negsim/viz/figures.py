"""Figures of games (matplotlib, Agg canvas): the payoff matrix, the QRE path, the game tree.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no
global figure registry, nothing to close, no backend switch for the caller), drawn on
an Agg canvas; :func:`negsim.viz.canvas.save_figure` writes it as PNG and SVG atomically.
Curves of results (breakdown, leverage sweeps, thresholds, tornado) are in
:mod:`negsim.viz.curves`.

* :func:`payoff_matrix_figure`: the bimatrix as a table: each cell's two payoffs (row
  player's first), best replies in bold with ``*`` as in :func:`negsim.viz.text.payoff_table`,
  the cells of Nash equilibria shaded, optional outcome labels.
* :func:`qre_path_figure`: each action's probability on the principal logit QRE branch
  against the precision lambda (log scale), one panel per player.
* :func:`game_tree_figure`: an extensive-form game as a tree (players, chance,
  information sets, payoffs), sized and lettered for a slide (:data:`SLIDE`).
"""

from __future__ import annotations

import math
import textwrap
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.textpath import TextPath

from negsim.game import Game
from negsim.viz.canvas import new_figure
from negsim.viz.words import player_name

#: Colours of the row and the column player's numbers and curves.
ROW_COLOUR = "#1f4e9c"
COL_COLOUR = "#b8431b"
EQ_FILL = "#f6d98b"
SELECTED_EDGE = "#7a5a00"


def _labels(game: Game) -> tuple[tuple[str, ...], tuple[str, ...]]:
    m, n = game.A.shape
    rows, cols = game.actions if game.actions and len(game.actions[0]) == m and len(game.actions[1]) == n else ((), ())
    return (tuple(rows) or tuple(f"row {i + 1}" for i in range(m)),
            tuple(cols) or tuple(f"column {j + 1}" for j in range(n)))


def payoff_matrix_figure(
    game: Game,
    *,
    equilibria: Sequence | None = None,
    selected: int | None = None,
    outcome_labels: Sequence[Sequence[str]] | None = None,
    title: str | None = None,
) -> Figure:
    """The payoff bimatrix as a table-like figure.

    Parameters
    ----------
    game : Game
    equilibria : sequence of Equilibrium, optional
        Equilibria to shade (default: all extreme equilibria, :func:`negsim.solve`). A
        cell is shaded if some equilibrium plays it with positive probability.
    selected : int, optional
        Index of the selected equilibrium, whose cells get a heavy border (default: the
        'logit' selection when ``equilibria`` is not given).
    outcome_labels : (m, n) strings, optional
        A short description printed in each cell (e.g. ``scenario.outcome_labels``).
    title : str, optional
        Default: the game's title.
    """
    from negsim.solvers import solve
    from negsim.solvers.selection import select

    A, B = np.asarray(game.A), np.asarray(game.B)
    m, n = A.shape
    rows, cols = _labels(game)
    if equilibria is None:
        equilibria = solve(game)
        if selected is None and equilibria:
            selected = select(game, equilibria)
    row_best = A >= A.max(axis=0, keepdims=True) - 1e-12
    col_best = B >= B.max(axis=1, keepdims=True) - 1e-12
    in_eq = np.zeros((m, n), dtype=bool)
    for eq in equilibria:
        in_eq |= np.outer(*eq.strategies) > 1e-9
    sel = np.zeros((m, n), dtype=bool)
    if selected is not None and 0 <= selected < len(equilibria):
        sel = np.outer(*equilibria[selected].strategies) > 1e-9

    cell_w, cell_h = 2.5, 1.25 if outcome_labels is not None else 0.8
    label_w = max(len(r) for r in rows) * 0.085 + 0.5
    n_legend = 3 if sel.any() else 2
    width = label_w + cell_w * n + 0.3
    one_row = width >= 9.5  # the legend fits on one line
    top, bottom = 0.85, 0.45 if one_row else 0.2 + 0.22 * n_legend  # inches: title and column labels; legend
    height = cell_h * m + top + bottom
    fig = new_figure((width, height))
    ax = fig.add_axes((label_w / width, bottom / height, cell_w * n / width, cell_h * m / height))
    ax.set_xlim(0, n)
    ax.set_ylim(m, 0)
    ax.set_axis_off()
    for i in range(m):
        for j in range(n):
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=EQ_FILL if in_eq[i, j] else "white",
                                   edgecolor="#888888", lw=0.8, zorder=1, clip_on=False))
            if sel[i, j]:
                ax.add_patch(Rectangle((j + 0.02, i + 0.03), 0.96, 0.94, fill=False,
                                       edgecolor=SELECTED_EDGE, lw=2.4, zorder=2, clip_on=False))
            y_num = i + (0.36 if outcome_labels is not None else 0.5)
            ax.text(j + 0.47, y_num, f"{A[i, j]:+.2f}" + ("*" if row_best[i, j] else ""), ha="right", va="center",
                    fontsize=12, color=ROW_COLOUR, fontweight="bold" if row_best[i, j] else "normal", zorder=3)
            ax.text(j + 0.5, y_num, ",", ha="center", va="center", fontsize=12, color="#444444", zorder=3)
            ax.text(j + 0.55, y_num, f"{B[i, j]:+.2f}" + ("*" if col_best[i, j] else ""), ha="left", va="center",
                    fontsize=12, color=COL_COLOUR, fontweight="bold" if col_best[i, j] else "normal", zorder=3)
            if outcome_labels is not None:
                ax.text(j + 0.5, i + 0.7, textwrap.fill(str(outcome_labels[i][j]), 30), ha="center", va="center",
                        fontsize=7.5, color="#555555", linespacing=1.1, zorder=3)
    # A mixed selected equilibrium: each action's probability beside its label.
    chosen = equilibria[selected] if selected is not None and sel.any() else None
    px, py = chosen.strategies if chosen is not None and not chosen.is_pure else (None, None)
    for i, r in enumerate(rows):
        ax.text(-0.06, i + 0.5, r + (f"\np = {px[i]:.2f}" if px is not None else ""), ha="right", va="center",
                fontsize=10, color=ROW_COLOUR)
    for j, c in enumerate(cols):
        ax.text(j + 0.5, -0.08, c + (f" (p = {py[j]:.2f})" if py is not None else ""), ha="center", va="bottom",
                fontsize=10, color=COL_COLOUR)
    p_row, p_col = game.players
    ax.text(-0.06, -0.08, f"{p_row} \\ {p_col}", ha="right", va="bottom", fontsize=10, fontweight="bold")
    fig.suptitle(title if title is not None else game.title, fontsize=12, y=1 - 0.12 / height, va="top")
    handles = [
        Patch(facecolor="white", edgecolor="none",
              label=f"cell: {p_row}'s payoff, {p_col}'s payoff;  bold with * = best reply"),
        Patch(facecolor=EQ_FILL, edgecolor="#888888", label="played in a Nash equilibrium"),
    ]
    if sel.any():
        handles.append(Patch(facecolor="none", edgecolor=SELECTED_EDGE, lw=2.2, label="selected equilibrium"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles) if one_row else 1, fontsize=8,
               frameon=False, handlelength=1.4, bbox_to_anchor=(0.5, 0.02 / height))
    return fig


def qre_path_figure(game: Game, *, path=None, title: str | None = None) -> Figure:
    """Each action's probability on the principal logit QRE branch against lambda.

    Parameters
    ----------
    game : Game
    path : negsim.solvers.qre.QREPath, optional
        A precomputed path of the game (default: :func:`negsim.solvers.qre.qre_path`).
    title : str, optional
    """
    from negsim.solvers.qre import qre_path

    if path is None:
        path = qre_path(game.A, game.B)
    lam = np.asarray(path.lam)
    keep = lam > 0
    rows, cols = _labels(game)
    fig = new_figure((10.5, 4.9))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, probs, labels, player in ((axes[0], path.x, rows, game.players[0]), (axes[1], path.y, cols, game.players[1])):
        start = 1.0 / len(labels)
        for k, lab in enumerate(labels):  # an action's id in words (insist_written: "insist written")
            ax.plot(lam[keep], probs[keep, k], lw=2, color=f"C{k}",
                    label=f"{lab.replace('_', ' ')} (ends at {probs[-1, k]:.2f})")
        ax.axhline(start, color="#888888", lw=1, ls=":", label=f"random play at λ = 0 (1/{len(labels)} each)")
        ax.set_xscale("log")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"{player}", fontsize=11)
        ax.set_xlabel("λ: how sharply players respond to payoffs (1/payoff units, log scale)", fontsize=9)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
                  frameon=False)
    axes[0].set_ylabel("probability of each action")
    fig.suptitle(title if title is not None else f"Logit QRE path: {game.title}", fontsize=12)
    fig.tight_layout()
    return fig


def _tree_layout(game) -> tuple[np.ndarray, np.ndarray]:
    """Node positions: leaves evenly spaced on x (prefix order), parents centred over
    their children; depth on y (root at 0, going down). Shapes (N,), (N,)."""
    N = len(game.nodes)
    x, y = np.zeros(N), np.zeros(N)
    x[list(game.terminals)] = np.arange(len(game.terminals))
    for k in range(N - 1, -1, -1):  # prefix order: children come after their parent
        if game.children[k]:
            x[k] = np.mean([x[c] for c in game.children[k]])
    for k in range(1, N):
        y[k] = y[game.parent[k]] - 1
    return x, y


#: The largest a game tree is drawn (inches, a 16:9 slide), and its margins: sides, top (title), bottom (legend).
SLIDE = (13.33, 7.5)
_TREE_MARGINS = (0.35, 0.95, 0.85)


def _upright(degrees: float) -> float:
    """An angle turned by half a turn if needed so text along it reads left to right."""
    return degrees - 180 if degrees > 90 else degrees + 180 if degrees < -90 else degrees


def _fitting_size(text: str, length: float, size: float, least: float = 7.0) -> float:
    """The font size (points, at most ``size``, at least ``least``) at which the widest line
    of ``text`` takes no more than ``length`` inches (measured in the default font)."""
    widest = max(TextPath((0, 0), line, size=size).get_extents().width for line in text.splitlines())  # points
    return float(np.clip(size * length * 72 / widest, least, size)) if widest > 0 else size


def _open_between(x: np.ndarray, y: np.ndarray, nodes: Sequence[int]) -> bool:
    """Whether no other node on the nodes' row lies between them (a line joining them
    then passes through no other node)."""
    row = np.flatnonzero(np.isclose(y, y[nodes[0]]))
    lo, hi = min(x[list(nodes)]), max(x[list(nodes)])
    inside = set(row[(x[row] > lo) & (x[row] < hi)].tolist())
    return inside <= set(int(k) for k in nodes)


def _infoset_tags(game) -> dict[int, tuple[int, str]]:
    """Node -> (player, tag) for every node of an information set of several nodes
    (``"AFG 1"``, ``"AFG 2"``, ...: one number per information set of the player)."""
    tags: dict[int, tuple[int, str]] = {}
    for p in (0, 1):
        shared = [info for info in game.infosets[p] if len(info.nodes) > 1]
        for k, info in enumerate(shared, start=1):
            for node in info.nodes:
                tags[int(node)] = (p, f"{game.players[p]} {k}")
    return tags


def game_tree_figure(game, *, title: str | None = None, payoff_digits: int = 1) -> Figure:
    """An extensive-form game drawn as a tree, readable on a slide: players' nodes coloured,
    chance moves with their probabilities, action names along their edges, information sets
    tagged (and joined by a dashed line where nothing lies between their nodes), each leaf's
    payoffs in the players' colours (row player's above), a legend below.

    The figure is at most :data:`SLIDE` (inches); fonts follow the space a leaf gets.

    Parameters
    ----------
    game : negsim.games.extensive.ExtensiveGame
    title : str, optional
        Default: the game's title.
    payoff_digits : int
        Decimals of the payoffs.
    """
    from negsim.games.extensive import Chance, Decision

    x, y = _tree_layout(game)
    leaves, depth = set(game.terminals.tolist()), int(1 - y.min())
    side, top, bottom = _TREE_MARGINS
    width = min(SLIDE[0], max(8.0, 0.62 * len(leaves) + 2 * side))
    height = min(SLIDE[1], max(4.8, 1.15 * depth + top + bottom + 0.6))
    fig = new_figure((width, height))
    ax = fig.add_axes((side / width, bottom / height, 1 - 2 * side / width, 1 - (top + bottom) / height))
    x_lim, y_lim = (-0.6, len(leaves) - 0.4), (y.min() - 0.75, 0.3)
    ax.set_xlim(*x_lim)
    ax.set_ylim(*y_lim)
    ax.set_axis_off()
    per_x = (width - 2 * side) / (x_lim[1] - x_lim[0])  # inches per unit of the layout
    per_y = (height - top - bottom) / (y_lim[1] - y_lim[0])
    size = float(np.clip(19 * per_x, 7.0, 10.5))  # points: a leaf's payoffs fit in its space
    colours = (ROW_COLOUR, COL_COLOUR)
    radius = 1.2 * size / 72  # inches: a node's marker
    for k, node in enumerate(game.nodes):
        for a, c in enumerate(game.children[k]):
            ax.plot([x[k], x[c]], [y[k], y[c]], color="0.6", lw=1.1, zorder=1)
            text = node.actions[a].replace("_", " ")
            if isinstance(node, Chance):
                text += f"\np = {float(node.probs[a]):.2g}"
            dx, dy = (x[c] - x[k]) * per_x, (y[c] - y[k]) * per_y
            length = math.hypot(dx, dy)
            end = length - radius * (c not in leaves)  # a leaf has no marker
            fits = _fitting_size(text, 0.9 * (end - radius), size)
            f = (radius + end) / 2 / length  # the label at the middle of the edge's free part
            ax.text(x[k] + f * (x[c] - x[k]), y[k] + f * (y[c] - y[k]), text, fontsize=fits, ha="center", va="center",
                    rotation=_upright(math.degrees(math.atan2(dy, dx))), rotation_mode="anchor", zorder=3,
                    linespacing=1.0, bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.9))
        if isinstance(node, Decision):
            ax.scatter(x[k], y[k], s=(2.4 * size) ** 2, color=colours[node.player], zorder=4)
            ax.text(x[k], y[k], game.players[node.player][:3], fontsize=size - 2, color="white", ha="center",
                    va="center", zorder=5, fontweight="bold")
        elif isinstance(node, Chance):
            ax.scatter(x[k], y[k], s=(2.2 * size) ** 2, color="0.4", marker="D", zorder=4)
    for t, pay in zip(game.terminals, game.terminal_payoffs, strict=True):
        for p in (0, 1):
            ax.annotate(f"{pay[p]:.{payoff_digits}f}", (x[t], y[t]), xytext=(0, -4 - 1.25 * size * p),
                        textcoords="offset points", fontsize=size, ha="center", va="top", color=colours[p], zorder=3)
    tags = _infoset_tags(game)
    for node, (p, tag) in tags.items():
        right = node > 0 and x[game.parent[node]] < x[node]  # the side away from the edge coming in
        ax.annotate(tag, (x[node], y[node]), xytext=((1.5 if right else -1.5) * size, 0), textcoords="offset points",
                    fontsize=size - 1, ha="left" if right else "right", va="center", color=colours[p],
                    fontstyle="italic", zorder=5,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.9))
    for p in (0, 1):
        for info in game.infosets[p]:
            if len(info.nodes) > 1 and _open_between(x, y, info.nodes):
                xs = sorted(x[list(info.nodes)])
                ax.plot([xs[0], xs[-1]], [y[info.nodes[0]]] * 2, ls="--", color=colours[p], lw=1.1, alpha=0.8,
                        zorder=2)
    handles = [Line2D([], [], ls="none", marker="o", ms=9, color=colours[p],
                      label=f"{game.players[p]} ({player_name(game.players[p])}) decides") for p in (0, 1)]
    handles.append(Line2D([], [], ls="none", marker="D", ms=8, color="0.4", label="chance"))
    if tags:
        handles.append(Line2D([], [], ls="--", color="0.3",
                              label="same tag: nodes the player cannot tell apart (information set)"))
    handles.append(Line2D([], [], ls="none", label=f"leaves: {game.players[0]}'s payoff above {game.players[1]}'s"))
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 3), fontsize=size, frameon=False,
               bbox_to_anchor=(0.5, 0.01))
    fig.suptitle(textwrap.fill(title or game.title, 120), fontsize=size + 3, y=1 - 0.12 / height, va="top")
    return fig
