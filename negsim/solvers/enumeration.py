"""All extreme Nash equilibria of bimatrix games, degenerate ones included, in batches.

Algorithm: vertex enumeration of the two best-response polytopes by enumerating bases
(Mangasarian 1964; von Stengel 2007, "Equilibrium computation for two-player games in
strategic and extensive form", section 3.5; Avis, Rosenberg, Savani & von Stengel 2010
for the degenerate case). With payoffs shifted to be positive,

    P = {x in R^m : x >= 0,  B^T x <= 1}        Q = {y in R^n : A y <= 1,  y >= 0}

Label ``i < m`` marks ``x_i = 0`` in P and ``(A y)_i = 1`` in Q (row action i is unused
or a best response); label ``m + j`` marks ``(B^T x)_j = 1`` in P and ``y_j = 0`` in Q.
A pair of non-zero vertices ``(x, y)`` whose labels together cover all ``m + n`` labels
is an extreme equilibrium after normalising ``x`` and ``y`` to sum to one.

Every vertex of a polytope is the solution of some square system of its tight
constraints, so solving all ``C(m + n, m)`` choices of ``m`` constraints finds every
vertex, however degenerate. A vertex's full set of tight constraints (its labels)
determines it, so duplicates from several bases of one degenerate vertex are removed by
comparing label sets, not coordinates. This is the set Gambit's ``enummixed`` returns;
nashpy's support enumeration misses part of it on degenerate games.

Everything is vectorised over a leading batch axis of games: the single-game path is the
batch path with one game, so both return the same sets by construction.
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import combinations

import numpy as np

from negsim.errors import SolverError

#: A constraint counts as tight when its slack is within this, after payoffs are rescaled
#: into [1, 2] (so it is relative to the payoff range, or absolute below a range of 1).
TIGHT_TOL = 1e-9
#: A basis whose matrix has |determinant| below this is singular (entries are in [0, 2]).
SINGULAR_TOL = 1e-12
#: Games with more than this many bases per player are refused (use lemke_howson).
MAX_BASES = 20_000
#: Label sets are int64 bit masks: at most this many actions in all.
MAX_LABELS = 62


@lru_cache(maxsize=64)
def _bases(total: int, k: int) -> np.ndarray:
    """All choices of ``k`` of ``total`` constraints, shape (C(total, k), k)."""
    return np.array(list(combinations(range(total), k)), dtype=np.intp).reshape(-1, k)


def _rescale(M: np.ndarray) -> np.ndarray:
    """Affine rescale of each game's payoffs into [1, 2] (equilibria are unchanged).

    Payoffs are divided by ``max(range, 1)``, the scale of the regret tolerance in
    :mod:`negsim.equilibrium`, so differences below ``TIGHT_TOL * max(range, 1)`` count
    as ties. Shape (G, m, n) -> (G, m, n).
    """
    lo = M.min(axis=(1, 2), keepdims=True)
    spread = M.max(axis=(1, 2), keepdims=True) - lo
    return 1.0 + (M - lo) / np.maximum(spread, 1.0)


def _cross3(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Cross product over the last axis of length 3 (cheaper than numpy.cross on small batches)."""
    u0, u1, u2 = u[..., 0], u[..., 1], u[..., 2]
    v0, v1, v2 = v[..., 0], v[..., 1], v[..., 2]
    return np.stack([u1 * v2 - u2 * v1, u2 * v0 - u0 * v2, u0 * v1 - u1 * v0], axis=-1)


def _solve_square(M: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve many small systems ``M v = r``; closed forms for k <= 3, LAPACK beyond.

    Parameters
    ----------
    M : numpy.ndarray, shape (..., k, k)
    r : numpy.ndarray, shape (..., k)

    Returns
    -------
    v : numpy.ndarray, shape (..., k)
        The solution (zeros where singular).
    nonsingular : numpy.ndarray of bool, shape (...)
        ``|det M| > SINGULAR_TOL``.
    """
    k = M.shape[-1]
    if k == 1:
        det = M[..., 0, 0]
        adj_r = r
    elif k == 2:
        det = M[..., 0, 0] * M[..., 1, 1] - M[..., 0, 1] * M[..., 1, 0]
        adj_r = np.stack(
            [M[..., 1, 1] * r[..., 0] - M[..., 0, 1] * r[..., 1],
             M[..., 0, 0] * r[..., 1] - M[..., 1, 0] * r[..., 0]],
            axis=-1,
        )
    elif k == 3:
        # Rows a, b, c: M^-1 has columns b x c, c x a, a x b divided by det = a . (b x c).
        a, b, c = M[..., 0, :], M[..., 1, :], M[..., 2, :]
        bc, ca, ab = _cross3(b, c), _cross3(c, a), _cross3(a, b)
        det = np.einsum("...i,...i->...", a, bc)
        adj_r = r[..., :1] * bc + r[..., 1:2] * ca + r[..., 2:3] * ab
    else:
        det = np.linalg.det(M)
        nonsingular = np.abs(det) > SINGULAR_TOL
        safe = np.where(nonsingular[..., None, None], M, np.eye(k))
        return np.linalg.solve(safe, r[..., None])[..., 0], nonsingular
    nonsingular = np.abs(det) > SINGULAR_TOL
    return adj_r / np.where(nonsingular, det, 1.0)[..., None], nonsingular


def _vertices(payoff_rows: np.ndarray, k: int, other: int, identity_first: bool):
    """Vertices and label masks of one player's best-response polytope, for G games.

    Parameters
    ----------
    payoff_rows : numpy.ndarray, shape (G, other, k)
        The opponent's rescaled payoffs as constraint rows ``payoff_rows @ v <= 1``.
    k : int
        Dimension of the polytope (this player's number of actions).
    other : int
        The opponent's number of actions.
    identity_first : bool
        True for P (labels of ``v >= 0`` come first), False for Q.

    Returns
    -------
    V : numpy.ndarray, shape (G, K, k)
        A vertex per basis (garbage where ``valid`` is False).
    labels : numpy.ndarray of int64, shape (G, K)
        Bit mask of the vertex's tight constraints, by global label.
    valid : numpy.ndarray of bool, shape (G, K)
        Feasible, non-zero, non-singular, and the first basis giving this vertex.
    """
    G = payoff_rows.shape[0]
    eye = np.broadcast_to(np.eye(k), (G, k, k))
    if identity_first:
        C = np.concatenate([eye, payoff_rows], axis=1)
        rhs = np.concatenate([np.zeros(k), np.ones(other)])
        sign = np.concatenate([np.ones(k), -np.ones(other)])
    else:
        C = np.concatenate([payoff_rows, eye], axis=1)
        rhs = np.concatenate([np.ones(other), np.zeros(k)])
        sign = np.concatenate([-np.ones(other), np.ones(k)])
    idx = _bases(k + other, k)
    M = C[:, idx, :]  # (G, K, k, k)
    r = np.broadcast_to(rhs[idx], M.shape[:-1])
    V, nonsingular = _solve_square(M, r)  # (G, K, k), (G, K)
    slack = sign * (V @ np.swapaxes(C, 1, 2) - rhs)  # (G, K, m+n), >= 0 when feasible
    feasible = np.all(slack >= -TIGHT_TOL, axis=-1)
    labels = _bitmask(np.abs(slack) <= TIGHT_TOL)
    valid = nonsingular & feasible & (V.sum(axis=-1) > TIGHT_TOL)
    return V, labels, valid & _first_of_each(labels, valid)


def _bitmask(flags: np.ndarray) -> np.ndarray:
    """Boolean flags on the last axis (at most 64) as one int64 bit mask, bit i = flag i."""
    packed = np.packbits(flags, axis=-1, bitorder="little")  # (..., ceil(L / 8)) uint8
    width = packed.shape[-1]
    padded = np.zeros((*packed.shape[:-1], 8), np.uint8)
    padded[..., :width] = packed
    return padded.view("<i8")[..., 0]


def _first_of_each(labels: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """True at the first valid basis of each distinct label set, per game (G, K).

    A vertex is determined by its set of tight constraints, so equal label sets are one
    vertex found from several bases of a degenerate polytope.
    """
    K = labels.shape[1]
    keyed = np.where(valid, labels, -1 - np.arange(K))  # invalid bases never match
    order = np.argsort(keyed, axis=1, kind="stable")
    ranked = np.take_along_axis(keyed, order, axis=1)
    first_sorted = np.ones_like(valid)
    first_sorted[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
    first = np.empty_like(valid)
    np.put_along_axis(first, order, first_sorted, axis=1)
    return first


def extreme_equilibria_batch(A: np.ndarray, B: np.ndarray):
    """All extreme equilibria of a batch of bimatrix games.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (G, m, n)
        Row and column player's payoffs of ``G`` games of one size.

    Returns
    -------
    game : numpy.ndarray of intp, shape (E,)
        Index of the game each equilibrium belongs to, ascending.
    x : numpy.ndarray, shape (E, m)
    y : numpy.ndarray, shape (E, n)
        The equilibrium strategies (probability vectors).
    """
    G, m, n = A.shape
    n_bases = math.comb(m + n, m)
    if m + n > MAX_LABELS:
        raise SolverError(
            f"enumeration of a {m}x{n} game needs {m + n} labels (limit {MAX_LABELS}); "
            f"use method='lemke_howson' for one equilibrium of large games"
        )
    if n_bases > MAX_BASES:
        raise SolverError(
            f"enumeration of a {m}x{n} game needs {n_bases} bases per player (limit "
            f"{MAX_BASES}); use method='lemke_howson' for one equilibrium of large games"
        )
    As, Bs = _rescale(A), _rescale(B)
    X, Lx, okx = _vertices(np.swapaxes(Bs, 1, 2), m, n, identity_first=True)
    Y, Ly, oky = _vertices(As, n, m, identity_first=False)
    full = (np.int64(1) << (m + n)) - 1
    pairs = ((Lx[:, :, None] | Ly[:, None, :]) == full) & okx[:, :, None] & oky[:, None, :]
    g, i, j = np.nonzero(pairs)
    x = X[g, i]
    y = Y[g, j]
    x = np.clip(x, 0.0, None) + 0.0  # no -0.0 or -1e-17 entries
    y = np.clip(y, 0.0, None) + 0.0
    return g, x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True)


def extreme_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """All extreme equilibria of one game ``(A, B)`` of shape (m, n), as ``(x, y)`` pairs."""
    _, x, y = extreme_equilibria_batch(A[None], B[None])
    return list(zip(x, y, strict=True))
