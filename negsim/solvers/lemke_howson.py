"""The Lemke-Howson algorithm for bimatrix games, with a lexicographic ratio test.

Lemke & Howson (1964), "Equilibrium points of bimatrix games", SIAM J. Appl. Math. 12;
in the form of von Stengel (2007), "Equilibrium computation for two-player games in
strategic and extensive form", ch. 3 of *Algorithmic Game Theory* (Nisan, Roughgarden,
Tardos & Vazirani, eds.), sections 3.4-3.6.

Payoffs are first mapped affinely onto [1, 2] (``1 + (M - min M) / range``, separately for
``A`` and ``B``: :func:`negsim.solvers.polytopes.unit_rescale`), so the pivoting tolerances
are relative to each player's payoff range and the path is the same at any payoff scale.
A positive affine map of one player's payoffs leaves the equilibria unchanged, and
positive payoffs make the two best-response polytopes

    P = {x in R^m : x >= 0,  B^T x <= 1}        Q = {y in R^n : A y <= 1,  y >= 0}

bounded, with the origin as a vertex. Label ``i < m`` (row action ``i``) marks ``x_i = 0``
in P and ``(A y)_i = 1`` in Q; label ``m + j`` (column action ``j``) marks
``(B^T x)_j = 1`` in P and ``y_j = 0`` in Q. With slacks, each polytope is a tableau whose
columns are indexed by label:

    P:  [B^T | I_n] (x, s) = 1        Q:  [I_m | A] (r, y) = 1

A variable is *nonbasic* (zero) exactly when its polytope has that label. The pair of
origins, with every label, is the artificial equilibrium. Dropping label ``k`` (letting
variable ``k`` enter the basis of its polytope) leaves one label, the one of the variable
that left, in both polytopes; that label's variable then enters the other tableau, and so
on (complementary pivoting), until the variable that leaves has label ``k``: the two
vertices then have all labels between them, and normalising ``x`` and ``y`` to sum to one
gives a Nash equilibrium.

In degenerate games several rows can tie in the minimum-ratio test and naive
tie-breaking can cycle. The lexicographic test (von Stengel 2007, section 3.6) breaks ties
by comparing ``(rhs, B^-1)`` row by row, divided by the pivot column: this is the
minimum-ratio test for right-hand sides perturbed by ``(eps, eps^2, ...)``, which is
nondegenerate, so the path visits distinct bases and ends. The returned point is the
basic solution of the final bases without the perturbation: a vertex of each polytope,
so an extreme equilibrium. As a safeguard against numerical trouble the number of
pivots is bounded: at most ``2 * C(m + n, m)`` on a path of the perturbed problem (every
vertex of P is paired with at most two vertices of Q along it), capped at
:data:`MAX_PIVOTS`; exceeding it raises :class:`~negsim.errors.SolverError`.
"""

from __future__ import annotations

from math import comb

import numpy as np

from negsim.errors import SolverError
from negsim.game import as_payoff_pair
from negsim.solvers.polytopes import unit_rescale

Profile = tuple[np.ndarray, np.ndarray]

#: A pivot-column entry must exceed this to be a pivot candidate (tableau entries start
#: in [0, 2] after rescaling, so roundoff around an exact zero stays far below it).
PIVOT_TOL = 1e-9
#: Ratios within this (relative) of the minimum tie and go to the next lexicographic column.
TIE_TOL = 1e-9
#: Practical cap on pivots per run, whatever the combinatorial bound.
MAX_PIVOTS = 100_000
#: Profiles closer than this (max-norm) count as one equilibrium in :func:`lemke_howson_all`.
DEDUPE_TOL = 1e-8


def _tableaux(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Initial tableaux ``[constraints | rhs]`` of P and Q, columns indexed by label.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (m, n)
        Positive payoffs.

    Returns
    -------
    P : numpy.ndarray, shape (n, m + n + 1)
        ``[B^T | I_n | 1]``: columns ``x_0..x_{m-1}``, slacks ``s_0..s_{n-1}``, rhs.
    Q : numpy.ndarray, shape (m, m + n + 1)
        ``[I_m | A | 1]``: slacks ``r_0..r_{m-1}``, columns ``y_0..y_{n-1}``, rhs.
    """
    m, n = A.shape
    P = np.hstack([B.T, np.eye(n), np.ones((n, 1))])
    Q = np.hstack([np.eye(m), A, np.ones((m, 1))])
    return P, Q


def _leaving_row(T: np.ndarray, col: int, slack_cols: np.ndarray) -> int:
    """Row of the variable that leaves when column ``col`` enters: lexicographic min ratio.

    Parameters
    ----------
    T : numpy.ndarray, shape (r, c + 1)
        Current tableau, right-hand side last.
    col : int
        Entering column.
    slack_cols : numpy.ndarray of int, shape (r,)
        Columns of the initial (identity) basis; in the current tableau they hold the
        inverse basis matrix, the tie-breaking columns after the right-hand side.

    Returns
    -------
    int
        The pivot row.

    Raises
    ------
    SolverError
        If no entry of the column is positive (impossible for bounded polytopes; only
        numerical breakdown leads here).
    """
    rows = np.flatnonzero(T[:, col] > PIVOT_TOL)
    if rows.size == 0:
        raise SolverError(
            f"Lemke-Howson found no pivot row for column {col} (numerical breakdown)"
        )
    for c in (T.shape[1] - 1, *slack_cols):
        ratios = T[rows, c] / T[rows, col]
        best = ratios.min()
        rows = rows[ratios <= best + TIE_TOL * max(1.0, abs(best))]
        if rows.size == 1:
            break
    return int(rows[0])


def _pivot(T: np.ndarray, row: int, col: int) -> np.ndarray:
    """The tableau after pivoting on ``T[row, col]`` (a new array). Shape (r, c) -> (r, c)."""
    out = T - np.outer(T[:, col] / T[row, col], T[row])
    out[row] = T[row] / T[row, col]
    out[:, col] = 0.0
    out[row, col] = 1.0
    return out


def _basic_solution(T0: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Values of all variables in a basis, solved afresh from the initial tableau.

    Re-solving from the original constraints keeps pivoting roundoff out of the result.

    Parameters
    ----------
    T0 : numpy.ndarray, shape (r, c + 1)
        Initial tableau ``[constraints | rhs]``.
    basis : numpy.ndarray of int, shape (r,)
        Basic columns.

    Returns
    -------
    numpy.ndarray, shape (c,)
        Zero for nonbasic variables.
    """
    z = np.zeros(T0.shape[1] - 1)
    z[basis] = np.linalg.solve(T0[:, basis], T0[:, -1])
    return z


def _normalised(v: np.ndarray) -> np.ndarray:
    """A non-negative vector scaled to sum to one (tiny negative roundoff clipped)."""
    v = np.clip(v, 0.0, None) + 0.0
    return v / v.sum()


def pivot_bound(m: int, n: int) -> int:
    """Most pivots one Lemke-Howson run on an m x n game may take before it is abandoned.

    ``2 * C(m + n, m)`` bounds the path of the (lexicographically perturbed,
    nondegenerate) problem; :data:`MAX_PIVOTS` caps it for large games.
    """
    return min(2 * comb(m + n, m), MAX_PIVOTS)


def lemke_howson(
    A: np.ndarray, B: np.ndarray, label: int, *, max_pivots: int | None = None
) -> Profile:
    """One Nash equilibrium of the bimatrix game ``(A, B)``, by dropping ``label`` first.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    label : int
        In ``range(m + n)``: ``i < m`` is row action ``i``, ``m + j`` column action ``j``.
    max_pivots : int, optional
        Pivot limit; default :func:`pivot_bound`.

    Returns
    -------
    x : numpy.ndarray, shape (m,)
    y : numpy.ndarray, shape (n,)
        The equilibrium's mixed strategies (an extreme equilibrium).

    Raises
    ------
    SolverError
        If ``label`` is out of range or the pivot limit is exceeded.
    GameFormatError
        If the payoff matrices are malformed.
    """
    A, B = as_payoff_pair(A, B)
    m, n = A.shape
    if not (isinstance(label, (int, np.integer)) and 0 <= label < m + n):
        raise SolverError(
            f"Lemke-Howson label must be an integer in 0..{m + n - 1} for a {m}x{n} game, "
            f"got {label!r}"
        )
    limit = pivot_bound(m, n) if max_pivots is None else max_pivots
    initial = _tableaux(unit_rescale(A[None])[0], unit_rescale(B[None])[0])
    tableaux = list(initial)
    bases = [np.arange(m, m + n), np.arange(m)]
    slack_cols = (np.arange(m, m + n), np.arange(m))
    side, entering = (0 if label < m else 1), label
    for _ in range(limit):
        row = _leaving_row(tableaux[side], entering, slack_cols[side])
        leaving = int(bases[side][row])
        tableaux[side] = _pivot(tableaux[side], row, entering)
        bases[side][row] = entering
        if leaving == label:
            x = _basic_solution(initial[0], bases[0])[:m]
            y = _basic_solution(initial[1], bases[1])[m:]
            return _normalised(x), _normalised(y)
        side, entering = 1 - side, leaving
    raise SolverError(
        f"Lemke-Howson on a {m}x{n} game from label {label} did not finish within {limit} pivots"
    )


def _is_new(profile: Profile, found: list[Profile]) -> bool:
    """True if ``profile`` differs from every profile in ``found`` by more than DEDUPE_TOL."""
    x, y = profile
    return all(max(np.abs(x - a).max(), np.abs(y - b).max()) > DEDUPE_TOL for a, b in found)


def lemke_howson_all(
    A: np.ndarray, B: np.ndarray, *, max_pivots: int | None = None
) -> list[Profile]:
    """The distinct equilibria Lemke-Howson reaches from each of the ``m + n`` labels.

    Not necessarily all equilibria of the game (use ``method="enumerate"`` for those).

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    max_pivots : int, optional
        Pivot limit per run; default :func:`pivot_bound`.

    Returns
    -------
    list of (x, y)
        Equilibria, ``x`` of shape (m,) and ``y`` of shape (n,), in order of first
        discovery (label 0 first).
    """
    A, B = as_payoff_pair(A, B)
    found: list[Profile] = []
    for label in range(sum(A.shape)):
        profile = lemke_howson(A, B, label, max_pivots=max_pivots)
        if _is_new(profile, found):
            found.append(profile)
    return found
