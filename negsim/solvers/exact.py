"""All extreme equilibria in exact rational arithmetic, for small games.

The same algorithm as the float path (:func:`negsim.solvers.polytopes.support_vertices`
and the pairing of :mod:`negsim.solvers.enumeration`): every vertex of the best-response
polytopes solves ``R[T, S] v_S = 1`` for a support ``S`` and as many tight rows ``T``;
feasible solutions are vertices, identified by their labels; vertex pairs whose labels
cover every action are the extreme equilibria. Here every number is an integer or a
:class:`fractions.Fraction`, so a tie is a tie and nothing else is: the result is the set
Gambit's ``enummixed`` returns in its default rational mode, whatever the payoff scale.

Each player's payoffs ``M`` become positive integers ``Z = L (M - min M + 1)`` (``L`` the
least common denominator), and ``R v <= 1`` becomes ``Z v <= L``; square systems are
solved by Cramer's rule with determinants by Bareiss's fraction-free elimination (Bareiss
1968, "Sylvester's identity and multistep integer-preserving Gaussian elimination", Math.
Comp. 22), so only integers are multiplied until the final division. Floats convert
exactly (a float is a dyadic rational), so ``exact=True`` solves the game whose payoffs
are exactly the stored floats.

Cost: ``C(m + n, m) - 1`` systems per polytope; games with more than
:data:`MAX_EXACT_BASES` are refused (7x7 is the largest square game).
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations
from typing import Sequence

from negsim.errors import SolverError

#: Largest ``C(m + n, m)`` the exact mode takes on (7x7: 3432).
MAX_EXACT_BASES = 3432

ExactProfile = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]


def as_fractions(M) -> list[list[Fraction]]:
    """A payoff matrix (numbers, ``"1/3"`` strings or fractions) as rows of fractions."""
    try:
        rows = [[v if isinstance(v, Fraction) else Fraction(v) for v in row] for row in M]
    except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
        raise SolverError(f"exact mode: payoffs must be finite rationals ({exc})") from None
    if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
        raise SolverError("exact mode: payoffs must be a non-empty rectangular matrix")
    return rows


def _integer_rows(M: list[list[Fraction]]) -> tuple[list[list[int]], int]:
    """``(Z, L)``: the payoffs shifted to start at 1, times their least common denominator."""
    lo = min(min(row) for row in M)
    shifted = [[v - lo + 1 for v in row] for row in M]
    L = math.lcm(*(v.denominator for row in shifted for v in row))
    return [[int(v * L) for v in row] for row in shifted], L


def _det(M: list[list[int]]) -> int:
    """Determinant of a square integer matrix by Bareiss elimination (exact)."""
    a = [row[:] for row in M]
    k, sign, prev = len(a), 1, 1
    for c in range(k - 1):
        p = next((i for i in range(c, k) if a[i][c] != 0), None)
        if p is None:
            return 0
        if p != c:
            a[c], a[p] = a[p], a[c]
            sign = -sign
        for i in range(c + 1, k):
            for j in range(c + 1, k):
                a[i][j] = (a[i][j] * a[c][c] - a[i][c] * a[c][j]) // prev
        prev = a[c][c]
    return sign * a[k - 1][k - 1]


def _vertices(Z: list[list[int]], L: int, action_labels: Sequence[int], row_labels: Sequence[int]):
    """Distinct non-zero vertices of ``{v >= 0 : Z v <= L}`` as ``{labels: coords}``.

    ``Z`` has one row per constraint (``r``) and one column per action (``k``); labels are
    bit masks over ``action_labels`` (``v_i = 0``) and ``row_labels`` (tight rows).
    """
    r, k = len(Z), len(Z[0])
    found: dict[int, tuple[Fraction, ...]] = {}
    for s in range(1, min(r, k) + 1):
        for S in combinations(range(k), s):
            for T in combinations(range(r), s):
                sub = [[Z[t][i] for i in S] for t in T]
                det = _det(sub)
                if det == 0:
                    continue
                w = [_det([row[:c] + [L] + row[c + 1 :] for row in sub]) for c in range(s)]
                if any(wi * det < 0 for wi in w):
                    continue
                coords = [Fraction(0)] * k
                for i, wi in zip(S, w, strict=True):
                    coords[i] = Fraction(wi, det)
                slack = [L - sum(Z[t][i] * coords[i] for i in S) for t in range(r)]
                if any(x < 0 for x in slack):
                    continue
                labels = sum(1 << action_labels[i] for i in range(k) if coords[i] == 0)
                labels += sum(1 << row_labels[t] for t in range(r) if slack[t] == 0)
                found.setdefault(labels, tuple(coords))
    return found


def exact_equilibria(A, B) -> list[ExactProfile]:
    """All extreme equilibria of ``(A, B)`` in rational arithmetic.

    Parameters
    ----------
    A, B : sequence of sequences, shape (m, n)
        Payoffs as ints, floats (converted exactly), fractions or ``"p/q"`` strings.

    Returns
    -------
    list of (x, y)
        Tuples of :class:`fractions.Fraction` of lengths m and n, sorted.

    Raises
    ------
    SolverError
        If the game has more than :data:`MAX_EXACT_BASES` bases or non-rational payoffs.
    """
    FA, FB = as_fractions(A), as_fractions(B)
    m, n = len(FA), len(FA[0])
    if (len(FB), len(FB[0])) != (m, n):
        raise SolverError(f"exact mode: payoff matrices must have the same shape, got {m}x{n} and {len(FB)}x{len(FB[0])}")
    if math.comb(m + n, m) > MAX_EXACT_BASES:
        raise SolverError(
            f"exact mode: a {m}x{n} game has {math.comb(m + n, m)} bases per player "
            f"(limit {MAX_EXACT_BASES}); use the float path (exact=False)"
        )
    ZA, LA = _integer_rows(FA)
    ZB, LB = _integer_rows(FB)
    ZBt = [list(col) for col in zip(*ZB, strict=True)]
    x_labels, y_labels = list(range(m)), list(range(m, m + n))
    P = _vertices(ZBt, LB, x_labels, y_labels)
    Q = _vertices(ZA, LA, y_labels, x_labels)
    full = (1 << (m + n)) - 1
    out = []
    for lx, vx in P.items():
        for ly, vy in Q.items():
            if lx | ly == full:
                sx, sy = sum(vx), sum(vy)
                out.append((tuple(v / sx for v in vx), tuple(v / sy for v in vy)))
    return sorted(out)
