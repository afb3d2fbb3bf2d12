"""The best-response polytopes of bimatrix games and their vertices, in batches.

With each player's payoffs mapped affinely onto ``[1, 2]`` (:func:`unit_rescale`: a positive
affine map of one player's payoffs leaves the equilibria unchanged, and every tolerance
below is then relative to that player's payoff range), the two polytopes

    P = {x in R^m : x >= 0,  B^T x <= 1}        Q = {y in R^n : A y <= 1,  y >= 0}

are bounded, with the origin as a vertex. With slack variables each is a tableau whose
``N = m + n`` columns are indexed by label (von Stengel 2007, "Equilibrium computation for
two-player games in strategic and extensive form", section 3.4):

    P:  [B^T | I_n] (x, s) = 1        Q:  [I_m | A] (r, y) = 1

A variable is zero exactly when its polytope has that label; a vertex is a basic feasible
solution, and its labels are all its zero variables. Two ways list every vertex:

* :func:`support_vertices` solves, for every support of ``s`` actions and every ``s`` tight
  payoff rows, the square system they define (``C(N, k) - 1`` small systems in all,
  vectorised over games; used for games up to 3x3, where it is fastest).
* :func:`search_vertices` follows the polytope's edges from the origin by simplex pivots
  with the lexicographic ratio test, breadth first over the lexicographically feasible
  bases. These are the vertices of the polytope with right-hand sides perturbed by
  ``(eps, eps^2, ...)`` (simple, so its vertex graph is connected and each vertex is one
  basis: Avis & Fukuda 1992, "A pivoting algorithm for convex hulls and vertex
  enumeration of arrangements and polyhedra", Discrete Comput. Geom. 8; the lexicographic
  rule as in Lemke-Howson, von Stengel 2007, section 3.6). Every vertex of the unperturbed
  polytope is the basic solution of at least one of them, so the cost follows the number of
  vertices, not of bases, and memory is linear in the vertices found.

Numerics. Each basis is solved afresh from the original tableau (a LAPACK inverse in the
search; closed forms or elimination with partial pivoting for the small systems of the
supports, each followed by one step of iterative refinement), so pivoting roundoff does not accumulate.
The search refines its entering columns ``B^-1 a_j`` the same way: the computed inverse of a
near-tie basis has errors of order ``eps / gap`` even in its rows of order one (about
``eps |B^-1| |B| |B^-1|``), so the plain product can get a small entry of such a row wrong
in sign (gaps of ``1e-8`` in a 6x6 game: ``1.2e-8`` came out as ``-2e-8``) and the ratio
test then drops the pivot into a vertex; after one refinement step the error of each entry
is of order ``eps (|B^-1| (|a_j| + |B| |B^-1 a_j|))_i`` (Skeel 1980), small for those rows. A variable counts as
zero, and a constraint as tight, within :data:`TIE_TOL` (payoffs on ``[1, 2]``, so relative
to the payoff range); a basis is singular when its reciprocal condition number (estimated
from the pivots) is below :data:`SINGULAR_RCOND`, which a near-tie basis (payoff gaps of
``1e-9`` of the range give ``rcond`` about ``1e-10``) passes and an exactly singular one
(``rcond`` about ``1e-16``) fails. A determinant test cannot tell the two apart: the
determinant of ``k`` rows that nearly tie scales like ``gap^(k-1)``.
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import combinations

import numpy as np

from negsim.errors import SolverError

#: Slack (or variable value) at most this counts as zero: differences below ``1e-11`` of a
#: player's payoff range are ties.
TIE_TOL = 1e-11
#: A basis whose estimated reciprocal condition number is below this is singular.
SINGULAR_RCOND = 1e-13
#: A pivot-column entry must exceed this, relative to the rounding bound of its
#: computation, to be a pivot candidate.
PIVOT_TOL = 1e-12
#: Label sets are int64 bit masks: at most this many actions in all.
MAX_LABELS = 62
#: Largest number of lexicographic bases followed per polytope before giving up.
MAX_VERTICES = 1_000_000
#: Bound on the floats of one frontier chunk's ratio tests (about 160 MB).
_FRONTIER_ELEMENTS = 20_000_000


def vertex_bound(d: int, f: int) -> int:
    """Most vertices a ``d``-dimensional polytope with ``f`` facets can have (McMullen's
    upper bound theorem, 1970): ``C(f - ceil(d/2), floor(d/2)) + C(f - floor(d/2) - 1, ceil(d/2) - 1)``."""
    lo, hi = d // 2, (d + 1) // 2
    return math.comb(f - hi, lo) + math.comb(f - lo - 1, hi - 1)


def unit_rescale(M: np.ndarray) -> np.ndarray:
    """Each game's payoffs mapped affinely onto ``[1, 2]`` (constant payoffs to 1).

    Shape (G, m, n) -> (G, m, n). Best responses, and so equilibria, are unchanged.
    """
    lo = M.min(axis=(1, 2), keepdims=True)
    spread = M.max(axis=(1, 2), keepdims=True) - lo
    return 1.0 + (M - lo) / np.where(spread > 0, spread, 1.0)


def tableau(R: np.ndarray, slack_first: bool) -> np.ndarray:
    """Constraint columns ``[I | R]`` or ``[R | I]`` of one polytope for G games.

    Parameters
    ----------
    R : numpy.ndarray, shape (G, r, k)
        Rescaled payoff rows of the constraints ``R v <= 1`` (``A`` for Q, ``B^T`` for P).
    slack_first : bool
        True for Q (labels of the slacks come first), False for P.

    Returns
    -------
    numpy.ndarray, shape (G, r, r + k)
        Columns indexed by label; right-hand side all ones.
    """
    G, r, _ = R.shape
    eye = np.broadcast_to(np.eye(r), (G, r, r))
    return np.concatenate([eye, R] if slack_first else [R, eye], axis=2)


def bitmask(flags: np.ndarray) -> np.ndarray:
    """Boolean flags on the last axis (at most 64) as one int64 bit mask, bit i = flag i."""
    packed = np.packbits(flags, axis=-1, bitorder="little")  # (..., ceil(L / 8)) uint8
    padded = np.zeros((*packed.shape[:-1], 8), np.uint8)
    padded[..., : packed.shape[-1]] = packed
    return padded.view("<i8")[..., 0]


def _lu_solve(M: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve many small systems ``M v = r`` by Gaussian elimination with partial pivoting,
    vectorised over the leading axis, with one step of iterative refinement.

    Parameters
    ----------
    M : numpy.ndarray, shape (S, k, k)
    r : numpy.ndarray, shape (S, k)

    Returns
    -------
    v : numpy.ndarray, shape (S, k)
        The solution (arbitrary where singular).
    rcond : numpy.ndarray, shape (S,)
        Smallest over largest pivot magnitude, relative to the largest entry: an estimate of
        the reciprocal condition number (0 for a singular matrix).
    """
    S, k, _ = M.shape
    if k > 3:
        return _lapack_solve(M, r)
    rows = np.arange(S)
    U = M.copy()
    perm = np.tile(np.arange(k), (S, 1))
    L = np.zeros_like(U)
    for c in range(k):
        p = c + np.argmax(np.abs(U[:, c:, c]), axis=1)
        for arr in (U, L, perm):
            top, piv = arr[rows, c].copy(), arr[rows, p].copy()
            arr[rows, c], arr[rows, p] = piv, top
        pivot = U[:, c, c]
        safe = np.where(pivot != 0.0, pivot, 1.0)
        for i in range(c + 1, k):
            f = U[:, i, c] / safe
            L[:, i, c] = f
            U[:, i, c:] -= f[:, None] * U[:, c, c:]
    diag = np.abs(np.diagonal(U, axis1=1, axis2=2))
    scale = np.abs(M).max(axis=(1, 2))
    rcond = diag.min(axis=1) / np.where(scale > 0, scale, 1.0)
    udiag = np.where(diag > 0, np.diagonal(U, axis1=1, axis2=2), 1.0)

    def substitute(b: np.ndarray) -> np.ndarray:
        z = np.take_along_axis(b, perm, axis=1)
        for i in range(1, k):
            z[:, i] -= np.einsum("sj,sj->s", L[:, i, :i], z[:, :i])
        for i in range(k - 1, -1, -1):
            z[:, i] = (z[:, i] - np.einsum("sj,sj->s", U[:, i, i + 1 :], z[:, i + 1 :])) / udiag[:, i]
        return z

    v = substitute(r.astype(float, copy=True))
    v += substitute(r - np.einsum("sij,sj->si", M, v))
    return v, rcond


def _lapack_solve(M: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_lu_solve` by LAPACK (``k > 3``): the 1-norm reciprocal condition number."""
    v, _, rcond = _inverse_solve(M, r)
    return v, rcond


def _inverse_solve(M: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``M v = r`` for many systems through LAPACK inverses, with one step of iterative
    refinement: ``(v, inverse, rcond)``, shapes (S, k), (S, k, k), (S,); ``rcond`` is the
    1-norm reciprocal condition number, 0 where the inverse failed."""
    norm = np.abs(M).sum(axis=1).max(axis=1)
    inv, bad = _batch_inverse(M)
    v = np.einsum("sij,sj->si", inv, r)
    v += np.einsum("sij,sj->si", inv, r - np.einsum("sij,sj->si", M, v))
    rcond = 1.0 / (np.where(norm > 0, norm, 1.0) * np.abs(inv).sum(axis=1).max(axis=1))
    rcond[bad] = 0.0
    return v, inv, rcond


def _inverse_each(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverses one by one where the batch contains exactly singular matrices."""
    inv = np.empty_like(M)
    bad = np.zeros(len(M), bool)
    for s, Ms in enumerate(M):
        try:
            inv[s] = np.linalg.inv(Ms)
        except np.linalg.LinAlgError:
            bad[s] = True
    bad |= ~np.all(np.isfinite(inv), axis=(1, 2))
    return inv, bad


@lru_cache(maxsize=256)
def _choices(total: int, k: int) -> np.ndarray:
    """All choices of ``k`` of ``total`` items, shape (C(total, k), k)."""
    return np.array(list(combinations(range(total), k)), dtype=np.intp).reshape(-1, k)


def _solve_small(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``M v = 1`` for many small systems; the estimated reciprocal condition number.

    Shapes: ``M`` (S, s, s) -> ``v`` (S, s), ``rcond`` (S,). Closed forms for ``s <= 2``
    (forward stable, then one step of iterative refinement so that the residual is at the
    rounding level too), elimination with partial pivoting beyond.
    """
    s = M.shape[-1]
    if s == 1:
        return 1.0 / M[:, :, 0], np.ones(len(M))
    if s > 2:
        return _lu_solve(M, np.ones(M.shape[:2]))
    a, b, c, d = M[:, 0, 0], M[:, 0, 1], M[:, 1, 0], M[:, 1, 1]
    det = a * d - b * c
    safe = np.where(det != 0.0, det, 1.0)
    v0, v1 = (d - b) / safe, (a - c) / safe
    r0, r1 = 1.0 - (a * v0 + b * v1), 1.0 - (c * v0 + d * v1)  # one step of refinement
    v = np.stack([v0 + (d * r0 - b * r1) / safe, v1 + (a * r1 - c * r0) / safe], axis=1)
    norm = np.maximum(np.abs(a) + np.abs(b), np.abs(c) + np.abs(d))
    adj = np.maximum(np.abs(d) + np.abs(b), np.abs(c) + np.abs(a))
    return v, np.abs(det) / (norm * adj)


def _support_records(R: np.ndarray, s: int, action_labels: np.ndarray, row_labels: np.ndarray):
    """Feasible basic solutions with ``s`` actions in the support and ``s`` tight rows.

    Solves the ``C(k, s) C(r, s)`` systems of each game (for ``s = 1`` only the tightest
    row of each action can be feasible) and returns the game, label mask and coordinates
    of the feasible ones: shapes (S,), (S,), (S, k).
    """
    G, r, k = R.shape
    if s == 1:
        g, supp = np.repeat(np.arange(G), k), np.tile(np.arange(k)[:, None], (G, 1))
        v = 1.0 / R.max(axis=1).reshape(G * k, 1)
    else:
        supports, rows = _choices(k, s), _choices(r, s)
        si = np.repeat(np.arange(len(supports)), len(rows))
        ri = np.tile(np.arange(len(rows)), len(supports))
        M = R[:, rows[ri][:, :, None], supports[si][:, None, :]].reshape(-1, s, s)
        v, rcond = _solve_small(M)
        keep = np.flatnonzero((rcond > SINGULAR_RCOND) & np.all(v >= -TIE_TOL, axis=1))
        g, v, supp = keep // len(si), v[keep], supports[si[keep % len(si)]]
    coords = np.zeros((len(g), k))
    np.put_along_axis(coords, supp, v, axis=1)
    slack = 1.0 - np.einsum("sri,si->sr", R[g], coords)
    feasible = np.all(slack >= -TIE_TOL, axis=1)
    g, coords, slack = g[feasible], np.clip(coords[feasible], 0.0, None) + 0.0, slack[feasible]
    zero = np.concatenate([coords <= TIE_TOL, np.abs(slack) <= TIE_TOL], axis=1)
    labels = bitmask(zero[:, np.argsort(np.concatenate([action_labels, row_labels]))])
    return g, labels, coords


def support_vertices(R: np.ndarray, action_labels: np.ndarray, row_labels: np.ndarray):
    """Every non-zero vertex of G polytopes ``{v >= 0 : R v <= 1}`` by their supports.

    A vertex with support ``S`` solves ``R[T, S] v_S = 1`` for some set ``T`` of ``|S|``
    tight rows whose submatrix is nonsingular (its tight constraints have full rank), so
    solving every such square system and keeping the feasible solutions lists them all:
    ``sum_s C(k, s) C(r, s)`` systems of size ``s``, most of them tiny.

    Parameters
    ----------
    R : numpy.ndarray, shape (G, r, k)
        Rescaled payoff rows (``B^T`` for P, ``A`` for Q), entries in [1, 2].
    action_labels, row_labels : numpy.ndarray of int, shapes (k,) and (r,)
        Label of each coordinate (``v_i = 0``) and of each row (tight); together
        ``0 .. r + k - 1``.

    Returns
    -------
    game : numpy.ndarray of intp, shape (V,)
        Game of each vertex, ascending.
    labels : numpy.ndarray of int64, shape (V,)
        Bit mask of its labels.
    coords : numpy.ndarray, shape (V, k)
        Its coordinates (not normalised), never all zero.
    """
    parts = [_support_records(R, s, action_labels, row_labels) for s in range(1, min(R.shape[1:]) + 1)]
    g, labels, coords = (np.concatenate(p) for p in zip(*parts, strict=True))
    return _distinct(g, labels, coords)


def _distinct(g: np.ndarray, labels: np.ndarray, coords: np.ndarray):
    """The non-zero records, one per (game, label set), sorted by game: a vertex is
    determined by its labels, so equal label sets are one vertex found several times."""
    ok = coords.sum(axis=1) > TIE_TOL
    g, labels, coords = g[ok], labels[ok], coords[ok]
    order = np.lexsort((labels, g))
    g, labels, coords = g[order], labels[order], coords[order]
    first = np.ones(len(g), bool)
    first[1:] = (g[1:] != g[:-1]) | (labels[1:] != labels[:-1])
    return g[first], labels[first], coords[first]


def _values(N: int, basic: np.ndarray, solution: np.ndarray) -> np.ndarray:
    """All ``N`` variables of basic solutions: ``solution`` at ``basic``, zero elsewhere.

    Shapes: ``basic`` (S, r), ``solution`` (S, r) -> (S, N).
    """
    z = np.zeros((len(basic), N))
    np.put_along_axis(z, basic, solution, axis=1)
    return z


def _lex_leaving(lex: np.ndarray, D: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Row leaving the basis for each entering column: the lexicographic minimum ratio.

    Parameters
    ----------
    lex : numpy.ndarray, shape (F, r, 1 + r)
        Rows ``(rhs_i, (B^-1)_i)`` of each basis.
    D : numpy.ndarray, shape (F, r, k)
        Entering columns ``B^-1 a_j``, after one step of iterative refinement (without it
        the inverse's own error, not bounded by ``bound``, can flip a near tie's small entry).
    bound : numpy.ndarray, shape (F, r, k)
        Rounding bound ``|B^-1| |a_j|`` of each entry of ``D``; an entry is a pivot
        candidate when it exceeds :data:`PIVOT_TOL` times its bound. (For a slack's unit
        column the bound is the entry itself, so a leftover of ``1e-16`` of an exact zero
        can pass; the search then reaches an infeasible basis, which it records as such and
        does not expand. Near ties need the per-entry test: their genuine pivots are tiny
        next to the column's largest entries.)

    Returns
    -------
    numpy.ndarray of intp, shape (F, k)
        The leaving row, or -1 where no entry is a pivot candidate (numerical breakdown).
    """
    cand = D > PIVOT_TOL * bound
    safe = np.where(cand, D, 1.0)
    alive = cand.copy()
    for c in range(lex.shape[2]):
        ratio = np.where(alive, lex[:, :, None, c] / safe, np.inf)
        best = ratio.min(axis=1, keepdims=True)
        alive &= ratio <= best + TIE_TOL * np.maximum(1.0, np.abs(best))
        if not np.any(alive.sum(axis=1) > 1):
            break
    return np.where(alive.any(axis=1), np.argmax(alive, axis=1), -1)


def _pivots(T: np.ndarray, g: np.ndarray, basic: np.ndarray):
    """Solve a frontier of bases and pivot each one on every entering column.

    Parameters
    ----------
    T : numpy.ndarray, shape (G, r, N)
    g : numpy.ndarray of intp, shape (F,)
        Game of each basis.
    basic : numpy.ndarray of intp, shape (F, r)
        Sorted basic columns.

    Returns
    -------
    z : numpy.ndarray, shape (F, N)
        Every variable's value in each basis.
    feasible : numpy.ndarray of bool, shape (F,)
    parent, child : numpy.ndarray, shapes (C,) and (C, r)
        The basis each pivot starts from and the (sorted) basis it reaches.
    """
    N = T.shape[2]
    Tg = T[g]
    Bm = np.take_along_axis(Tg, basic[:, None, :], axis=2)
    rhs, inv, rcond = _inverse_solve(Bm, np.ones(basic.shape))
    residual = np.abs(np.einsum("fij,fj->fi", Bm, rhs) - 1.0).max(axis=1)
    bad = (rcond < SINGULAR_RCOND) | (residual > TIE_TOL)
    z = _values(N, basic, rhs)
    nonbasic = _complement(basic, N)
    cols = np.take_along_axis(Tg, nonbasic[:, None, :], axis=2)  # (F, r, k)
    D = np.einsum("fij,fjk->fik", inv, cols)
    D += np.einsum("fij,fjk->fik", inv, cols - np.einsum("fij,fjk->fik", Bm, D))  # refinement: see module docstring
    bound = np.einsum("fij,fjk->fik", np.abs(inv), np.abs(cols))
    lex = np.concatenate([np.clip(rhs, 0.0, None)[:, :, None], inv], axis=2)
    leave = _lex_leaving(lex, D, bound)
    feasible = ~bad & np.all(z >= -TIE_TOL, axis=1)
    f, j = np.nonzero((leave >= 0) & feasible[:, None])  # lexicographic bases are feasible: expand only those
    child = basic[f]
    child[np.arange(len(f)), leave[f, j]] = nonbasic[f, j]
    child.sort(axis=1)
    return z, feasible, f, child


def search_vertices(T: np.ndarray, action_cols: np.ndarray, max_vertices: int = MAX_VERTICES):
    """Every vertex of G polytopes by following edges under the lexicographic rule.

    Breadth first from the origin's basis (all slacks), over the lexicographically
    feasible bases, each visited once (a sorted array of visited basis keys); frontiers
    are solved in chunks of bounded memory.

    Parameters
    ----------
    T : numpy.ndarray, shape (G, r, N)
        Tableaux from :func:`tableau`, right-hand side all ones.
    action_cols : numpy.ndarray of int, shape (k,)
        Columns of the player's actions (``k = N - r``), the other columns being slacks.
    max_vertices : int
        Most lexicographic bases followed per polytope.

    Returns
    -------
    Same as :func:`support_vertices`.

    Raises
    ------
    SolverError
        When a polytope has more than ``max_vertices`` lexicographic bases.
    """
    G, r, N = T.shape
    if N + max(G - 1, 1).bit_length() > 63:
        raise SolverError(f"vertex search of {G} games with {N} labels exceeds the 63-bit basis keys")
    g = np.arange(G)
    basic = np.tile(np.setdiff1d(np.arange(N), action_cols), (G, 1))  # (F, r), sorted
    seen = np.sort((g << N) | bitmask(_onehot(basic, N)))
    chunk = max(1, _FRONTIER_ELEMENTS // (r * (N - r) * (r + 1)))
    found: list[tuple[np.ndarray, ...]] = []
    while len(g):
        children_g, children = [], []
        for lo in range(0, len(g), chunk):
            z, ok, parent, child = _pivots(T, g[lo : lo + chunk], basic[lo : lo + chunk])
            gs = g[lo : lo + chunk]
            found.append((gs[ok], bitmask(z[ok] <= TIE_TOL), np.clip(z[ok][:, action_cols], 0.0, None) + 0.0))
            children_g.append(gs[parent])
            children.append(child)
        cg, cb = np.concatenate(children_g), np.concatenate(children)
        keys, first = np.unique((cg << N) | bitmask(_onehot(cb, N)), return_index=True)
        new = ~_sorted_contains(seen, keys)
        g, basic = cg[first[new]], cb[first[new]]
        seen = np.union1d(seen, keys[new])
        if np.bincount(seen >> N).max() > max_vertices:
            raise SolverError(
                f"vertex search: a best-response polytope has more than {max_vertices} vertices (bases visited); "
                f"use method='lemke_howson' for one equilibrium of large games"
            )
    gv, labels, coords = (np.concatenate(p) for p in zip(*found, strict=True))
    return _distinct(gv, labels, coords)


def _batch_inverse(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverses of (F, r, r) matrices and a mask of the (numerically) singular ones."""
    try:
        inv = np.linalg.inv(M)
        bad = ~np.all(np.isfinite(inv), axis=(1, 2))
    except np.linalg.LinAlgError:
        inv, bad = _inverse_each(M)
    inv[bad] = np.eye(M.shape[-1])
    return inv, bad


def _onehot(idx: np.ndarray, N: int) -> np.ndarray:
    """Rows of indices (F, r) as boolean rows of length N (F, N)."""
    out = np.zeros((len(idx), N), bool)
    np.put_along_axis(out, idx, True, axis=1)
    return out


def _complement(basic: np.ndarray, N: int) -> np.ndarray:
    """The sorted indices of ``range(N)`` not in each row of ``basic``: (F, r) -> (F, N - r)."""
    out = ~_onehot(basic, N)
    return np.nonzero(out)[1].reshape(len(basic), N - basic.shape[1])


def _sorted_contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Membership of ``keys`` in the sorted array ``sorted_keys``."""
    pos = np.searchsorted(sorted_keys, keys)
    pos = np.minimum(pos, len(sorted_keys) - 1)
    return sorted_keys[pos] == keys
