"""All extreme Nash equilibria of bimatrix games, degenerate ones included, in batches.

Algorithm: list the vertices of the two best-response polytopes (:mod:`negsim.solvers.polytopes`)
and pair them (Mangasarian 1964; von Stengel 2007, "Equilibrium computation for two-player
games in strategic and extensive form", section 3.5; Avis, Rosenberg, Savani & von Stengel
2010 for the degenerate case). Label ``i < m`` marks ``x_i = 0`` in P and ``(A y)_i = 1``
in Q (row action i is unused or a best response); label ``m + j`` marks ``(B^T x)_j = 1`` in
P and ``y_j = 0`` in Q. A pair of non-zero vertices ``(x, y)`` of one game whose labels
together cover all ``m + n`` labels is an extreme equilibrium after normalising ``x`` and
``y`` to sum to one. A vertex is determined by its set of labels, so each is listed once
however many bases give it. This is the set Gambit's ``enummixed`` returns; nashpy's
support enumeration misses part of it on degenerate games.

Games with at most :data:`SMALL_BASES` bases per polytope (3x3 and smaller) solve every
basis; larger ones follow the polytopes' edges (:func:`~negsim.solvers.polytopes.search_vertices`),
whose cost grows with the number of vertices rather than of bases. Only the vertices of
one game are paired, so memory is linear in the vertices too. Both paths give the same
sets on random, degenerate and near-tie games (tested; see docs/solvers.md for slacks that
tie at products of payoff gaps). A single game up to 3x3 takes the same algorithm in plain Python floats
(:mod:`negsim.solvers.small_games`, tested to give the same equilibria); larger single
games are the batch path with one game.

Ties: each player's payoffs are mapped onto ``[1, 2]`` first, so payoff differences below
``TIE_TOL = 1e-11`` of that player's payoff range count as ties, whatever the unit.
Float64 cannot resolve smaller differences between values that are not rounding noise of
each other (``1`` and ``-1`` next to ``1e19``): :func:`negsim.equilibrium.check_resolution`
refuses such games with a pointer to the exact mode.
"""

from __future__ import annotations

import math

import numpy as np

from negsim.errors import SolverError
from negsim.solvers import small_games
from negsim.solvers.polytopes import (
    MAX_LABELS,
    search_vertices,
    support_vertices,
    tableau,
    unit_rescale,
)

#: Games with at most this many bases per polytope solve every basis (3x3: 20).
SMALL_BASES = 20
#: Vertex pairs examined per vectorised step.
_PAIR_CHUNK = 4_000_000


def _paired(gx: np.ndarray, Lx: np.ndarray, gy: np.ndarray, Ly: np.ndarray, G: int, full: int):
    """Indices ``(i, j)`` of the vertex pairs of one game whose labels cover ``full``.

    ``gx``, ``gy`` (ascending game of each vertex) and ``Lx``, ``Ly`` (label masks) list the
    vertices of P and Q; every P vertex is compared with the Q vertices of its own game only.
    """
    cy = np.bincount(gy, minlength=G)
    start_y = np.cumsum(cy) - cy
    partners = cy[gx]
    ends = np.cumsum(partners)
    out_i, out_j = [], []
    lo = 0
    while lo < len(gx):
        hi = int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + _PAIR_CHUNK, side="right"))
        hi = max(hi, lo + 1)
        per = partners[lo:hi]
        i = np.repeat(np.arange(lo, hi), per)
        offset = np.arange(len(i)) - np.repeat(np.cumsum(per) - per, per)
        j = start_y[gx[i]] + offset
        hit = (Lx[i] | Ly[j]) == full
        out_i.append(i[hit])
        out_j.append(j[hit])
        lo = hi
    if not out_i:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return np.concatenate(out_i), np.concatenate(out_j)


def polytope_vertices(A: np.ndarray, B: np.ndarray, path: str | None = None):
    """Vertices of both best-response polytopes of a batch of games.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (G, m, n)
    path : {"supports", "search"}, optional
        Force one vertex-listing method (default: by size, see module docstring).

    Returns
    -------
    tuple
        ``(gx, Lx, X)`` for P and ``(gy, Ly, Y)`` for Q, as returned by
        :func:`~negsim.solvers.polytopes.support_vertices`.
    """
    G, m, n = A.shape
    if m + n > MAX_LABELS:
        raise SolverError(
            f"enumeration of a {m}x{n} game needs {m + n} labels (limit {MAX_LABELS}); "
            f"use method='lemke_howson' for one equilibrium of large games"
        )
    path = path or ("supports" if math.comb(m + n, m) <= SMALL_BASES else "search")
    Bt, As = np.swapaxes(unit_rescale(B), 1, 2), unit_rescale(A)
    x_labels, y_labels = np.arange(m), np.arange(m, m + n)
    if path == "supports":
        return support_vertices(Bt, x_labels, y_labels), support_vertices(As, y_labels, x_labels)
    P = tableau(Bt, slack_first=False)  # x first, then s
    Q = tableau(As, slack_first=True)  # r first, then y
    return search_vertices(P, x_labels), search_vertices(Q, y_labels)


def extreme_equilibria_batch(A: np.ndarray, B: np.ndarray, path: str | None = None):
    """All extreme equilibria of a batch of bimatrix games.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (G, m, n)
        Row and column player's payoffs of ``G`` games of one size.
    path : {"supports", "search"}, optional
        Force one vertex-listing method (for tests and benchmarks).

    Returns
    -------
    game : numpy.ndarray of intp, shape (E,)
        Index of the game each equilibrium belongs to, ascending.
    x : numpy.ndarray, shape (E, m)
    y : numpy.ndarray, shape (E, n)
        The equilibrium strategies (probability vectors).
    """
    G, m, n = A.shape
    (gx, Lx, X), (gy, Ly, Y) = polytope_vertices(A, B, path)
    i, j = _paired(gx, Lx, gy, Ly, G, (1 << (m + n)) - 1)
    order = np.lexsort((j, i, gx[i]))
    i, j = i[order], j[order]
    x, y = X[i], Y[j]
    return gx[i], x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True)


def extreme_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """All extreme equilibria of one game ``(A, B)`` of shape (m, n), as ``(x, y)`` pairs
    (games up to 3x3 by :mod:`negsim.solvers.small_games`, the same sets in plain floats)."""
    if max(A.shape) <= small_games.MAX_ACTIONS:
        return small_games.extreme_equilibria_small(A, B)
    _, x, y = extreme_equilibria_batch(A[None], B[None])
    return list(zip(x, y, strict=True))
