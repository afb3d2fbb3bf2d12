"""All extreme equilibria of one small game (up to 3x3), in plain Python floats.

The algorithm, tolerances and order of :func:`negsim.solvers.polytopes.support_vertices`
and :mod:`negsim.solvers.enumeration`, written for one game at a time: numpy's fixed cost
per call (about a microsecond, hundreds of calls for a batch of one) is most of a single
3x3 solve, while the arithmetic is a few hundred floating-point operations. The batch path
stays the reference; tests check that both give the same equilibria.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from negsim.solvers.polytopes import SINGULAR_RCOND, TIE_TOL

#: Games with at most this many actions per player take this path in :func:`solve`.
MAX_ACTIONS = 3

Rows = list[list[float]]


def _unit_rows(M: np.ndarray) -> Rows:
    """Payoffs mapped affinely onto [1, 2] (constant payoffs to 1), as nested lists."""
    lo, hi = float(M.min()), float(M.max())
    spread = hi - lo if hi > lo else 1.0
    return [[1.0 + (v - lo) / spread for v in row] for row in M.tolist()]


def _solve(M: Rows) -> tuple[list[float], float]:
    """``M v = 1`` for ``s <= 3`` and the estimated reciprocal condition number."""
    s = len(M)
    if s == 1:
        return [1.0 / M[0][0]], 1.0
    if s == 2:
        (a, b), (c, d) = M
        det = a * d - b * c
        safe = det if det != 0.0 else 1.0
        v0, v1 = (d - b) / safe, (a - c) / safe
        r0, r1 = 1.0 - (a * v0 + b * v1), 1.0 - (c * v0 + d * v1)
        v = [v0 + (d * r0 - b * r1) / safe, v1 + (a * r1 - c * r0) / safe]
        norm = max(abs(a) + abs(b), abs(c) + abs(d))
        adj = max(abs(d) + abs(b), abs(c) + abs(a))
        return v, abs(det) / (norm * adj)
    return _lu3(M)


def _lu3(M: Rows) -> tuple[list[float], float]:
    """Gaussian elimination with partial pivoting, one refinement step (``s = 3``)."""
    U = [row[:] for row in M]
    perm = [0, 1, 2]
    L = [[0.0] * 3 for _ in range(3)]
    for c in range(3):
        p = max(range(c, 3), key=lambda i: abs(U[i][c]))
        U[c], U[p] = U[p], U[c]
        L[c], L[p] = L[p], L[c]
        perm[c], perm[p] = perm[p], perm[c]
        pivot = U[c][c] if U[c][c] != 0.0 else 1.0
        for i in range(c + 1, 3):
            f = U[i][c] / pivot
            L[i][c] = f
            for j in range(c, 3):
                U[i][j] -= f * U[c][j]
    diag = [abs(U[i][i]) for i in range(3)]
    scale = max(abs(v) for row in M for v in row) or 1.0
    udiag = [U[i][i] if diag[i] > 0 else 1.0 for i in range(3)]

    def substitute(b: list[float]) -> list[float]:
        z = [b[perm[i]] for i in range(3)]
        for i in range(1, 3):
            z[i] -= sum(L[i][j] * z[j] for j in range(i))
        for i in (2, 1, 0):
            z[i] = (z[i] - sum(U[i][j] * z[j] for j in range(i + 1, 3))) / udiag[i]
        return z

    v = substitute([1.0, 1.0, 1.0])
    fix = substitute([1.0 - sum(M[i][j] * v[j] for j in range(3)) for i in range(3)])
    return [v[i] + fix[i] for i in range(3)], min(diag) / scale


def _record(R: Rows, coords: list[float], action_labels: list[int], row_labels: list[int], found: dict) -> None:
    """Add the basic solution ``coords`` to ``found`` (labels -> coords) if feasible."""
    slack = [1.0 - sum([a * c for a, c in zip(row, coords, strict=True)]) for row in R]
    if min(slack) < -TIE_TOL:
        return
    coords = [c if c > 0.0 else 0.0 for c in coords]
    if sum(coords) <= TIE_TOL:
        return
    labels = 0
    for i, c in enumerate(coords):
        if c <= TIE_TOL:
            labels |= 1 << action_labels[i]
    for t, sl in enumerate(slack):
        if -TIE_TOL <= sl <= TIE_TOL:
            labels |= 1 << row_labels[t]
    found.setdefault(labels, coords)


def _vertices(R: Rows, action_labels: list[int], row_labels: list[int]) -> list[tuple[int, list[float]]]:
    """Distinct non-zero vertices of ``{v >= 0 : R v <= 1}`` as ``(labels, coords)``,
    sorted by label mask (as :func:`~negsim.solvers.polytopes.support_vertices`)."""
    r, k = len(R), len(R[0])
    found: dict[int, list[float]] = {}
    for i in range(k):  # support of one action: only its tightest row can be feasible
        coords = [0.0] * k
        coords[i] = 1.0 / max([row[i] for row in R])
        _record(R, coords, action_labels, row_labels, found)
    for s in range(2, min(r, k) + 1):
        for S in combinations(range(k), s):
            for T in combinations(range(r), s):
                v, rcond = _solve([[R[t][i] for i in S] for t in T])
                if rcond <= SINGULAR_RCOND or min(v) < -TIE_TOL:
                    continue
                coords = [0.0] * k
                for i, vi in zip(S, v, strict=True):
                    coords[i] = vi
                _record(R, coords, action_labels, row_labels, found)
    return sorted(found.items())


def extreme_equilibria_small(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """All extreme equilibria of one game of shape (m, n), ``m, n <= 3``, as ``(x, y)``."""
    m, n = A.shape
    As, Bs = _unit_rows(A), _unit_rows(B)
    Bt = [list(col) for col in zip(*Bs, strict=True)]
    x_labels, y_labels = list(range(m)), list(range(m, m + n))
    P = _vertices(Bt, x_labels, y_labels)
    Q = _vertices(As, y_labels, x_labels)
    full = (1 << (m + n)) - 1
    out = []
    for lx, vx in P:
        for ly, vy in Q:
            if lx | ly == full:
                sx, sy = sum(vx), sum(vy)
                out.append((np.array([v / sx for v in vx]), np.array([v / sy for v in vy])))
    return out
