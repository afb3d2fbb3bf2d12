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
  information sets, payoffs).
"""

from __future__ import annotations

import textwrap
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from negsim.game import Game
from negsim.viz.canvas import new_figure

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
        for k, lab in enumerate(labels):
            ax.plot(lam[keep], probs[keep, k], lw=2, color=f"C{k}", label=f"{lab} (ends at {probs[-1, k]:.2f})")
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


def game_tree_figure(game, *, title: str | None = None, payoff_digits: int = 1) -> Figure:
    """An extensive-form game drawn as a tree: players' nodes coloured, chance moves with
    their probabilities, information sets joined by dashed lines, payoffs at the leaves.

    Parameters
    ----------
    game : negsim.games.extensive.ExtensiveGame
    """
    from negsim.games.extensive import Chance, Decision

    x, y = _tree_layout(game)
    width = max(6.0, 0.9 * len(game.terminals) + 1)
    height = max(3.5, 1.2 * (1 - y.min()) + 1)
    fig = new_figure((width, height))
    ax = fig.add_subplot()
    colours = (ROW_COLOUR, COL_COLOUR)
    for k, node in enumerate(game.nodes):
        for a, c in enumerate(game.children[k]):
            ax.plot([x[k], x[c]], [y[k], y[c]], color="0.55", lw=1, zorder=1)
            text = node.actions[a]
            if isinstance(node, Chance):
                text += f"\n{float(node.probs[a]):.2g}"
            ax.text((x[k] + x[c]) / 2, (y[k] + y[c]) / 2, text, fontsize=7, ha="center", va="center",
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85), zorder=3)
        if isinstance(node, Decision):
            ax.scatter(x[k], y[k], s=160, color=colours[node.player], zorder=4)
            ax.text(x[k], y[k], game.players[node.player][:3], fontsize=6, color="white", ha="center",
                    va="center", zorder=5, fontweight="bold")
        elif isinstance(node, Chance):
            ax.scatter(x[k], y[k], s=160, color="0.4", marker="D", zorder=4)
    for t, pay in zip(game.terminals, game.terminal_payoffs, strict=True):
        ax.text(x[t], y[t] - 0.12, f"{pay[0]:.{payoff_digits}f}\n{pay[1]:.{payoff_digits}f}", fontsize=7,
                ha="center", va="top", zorder=3)
    for p in (0, 1):
        for info in game.infosets[p]:
            if len(info.nodes) > 1:
                xs = sorted(x[list(info.nodes)])
                ax.plot([xs[0], xs[-1]], [y[info.nodes[0]]] * 2, ls="--", color=colours[p], lw=1, alpha=0.7, zorder=2)
    ax.set_title(title or game.title, fontsize=9)
    ax.set_axis_off()
    ax.set_ylim(y.min() - 0.9, 0.4)
    fig.tight_layout()
    return fig
