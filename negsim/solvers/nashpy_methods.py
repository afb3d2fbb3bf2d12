"""nashpy's support and vertex enumeration, for comparison with negsim's own enumeration.

nashpy (Knight & Campbell 2018) implements support enumeration (Nisan et al. 2007, ch. 3)
and vertex enumeration. Both are exact for nondegenerate games; on degenerate games they
can miss equilibria, and support enumeration can drop a true equilibrium when a
probability comes out as, say, -4.5e-17 (an exact ``>= 0`` test). negsim uses them as
the ``support`` and ``vertex`` methods for cross-checking and teaching; ``enumerate`` is
the complete method. Tiny negative probabilities are clipped, and every result still goes
through the regret check in :mod:`negsim.equilibrium`; but nashpy's support enumeration
tests the probabilities it solves for with an exact ``>= 0`` before negsim sees them, so
it can miss an equilibrium of a nondegenerate game whose probability rounds to -5e-19:
it is not complete, even there.

Both are refused, in one line, where they would run without end or crash: support
enumeration tries every pair of non-empty supports (``(2^m - 1)(2^n - 1)`` of them, so a
1x40 game is hopeless), vertex enumeration every basis, and nashpy's vertex enumeration
fails on a player with one action and on constant payoffs.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from negsim.errors import SolverError

_PROB_TOL = 1e-9
#: Most support pairs (or, for vertex enumeration, candidate vertices) these methods may
#: try: nashpy tries every one, so a 16x16 game (C(32, 16) = 6e8) would run for days.
MAX_CANDIDATES = 200_000


def _guard(A: np.ndarray, B: np.ndarray, method: str) -> None:
    """Refuse games nashpy's exhaustive search cannot finish or handle, saying why and the way out."""
    m, n = np.shape(A)
    # support: every pair of non-empty supports; vertex: every basis of each polytope
    candidates = (2**m - 1) * (2**n - 1) if method == "support" else math.comb(m + n, m)
    if method == "vertex" and (min(m, n) < 2 or np.ptp(A) == 0 or np.ptp(B) == 0):
        raise SolverError(
            f"vertex: nashpy's vertex enumeration needs two actions per player and payoffs that are not "
            f"constant, got a {m}x{n} game{' with constant payoffs' if min(m, n) >= 2 else ''}; use method='enumerate'"
        )
    if candidates > MAX_CANDIDATES:
        raise SolverError(
            f"{method}: a {m}x{n} game has up to {candidates:,} candidate supports, more than "
            f"{MAX_CANDIDATES:,}; use method='enumerate' (complete, and faster)"
        )


def _clean(profiles) -> list[tuple[np.ndarray, np.ndarray]]:
    """Clip tiny negative probabilities, renormalise, drop duplicates."""
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for x, y in profiles:
        x = np.clip(np.asarray(x, float), 0.0, None)
        y = np.clip(np.asarray(y, float), 0.0, None)
        x, y = x / x.sum(), y / y.sum()
        if not any(np.allclose(x, a, atol=_PROB_TOL) and np.allclose(y, b, atol=_PROB_TOL) for a, b in out):
            out.append((x, y))
    return out


def support_enumeration(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Equilibria from nashpy's support enumeration (complete for nondegenerate games only)."""
    import nashpy  # imported on use: it is slow to import and most runs never need it

    _guard(A, B, "support")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _clean(nashpy.Game(A, B).support_enumeration(non_degenerate=False, tol=_PROB_TOL))


def vertex_enumeration(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Equilibria from nashpy's vertex enumeration (complete for nondegenerate games only)."""
    import nashpy

    _guard(A, B, "vertex")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _clean(nashpy.Game(A, B).vertex_enumeration())
