"""Pure-strategy Nash equilibria by enumeration of all action profiles, batched.

A profile ``(i, j)`` is an equilibrium when ``A[i, j]`` is a maximum of column ``j`` of
``A`` and ``B[i, j]`` a maximum of row ``i`` of ``B`` (ties count, within the tolerance of
the enumeration, :data:`negsim.solvers.polytopes.TIE_TOL` times that player's payoff range,
so the pure equilibria are exactly the pure ones among the extreme equilibria). See e.g.
Osborne & Rubinstein (1994), ch. 2.
"""

from __future__ import annotations

import numpy as np

from negsim.equilibrium import payoff_ranges
from negsim.solvers.polytopes import TIE_TOL


def pure_equilibria_batch(A: np.ndarray, B: np.ndarray):
    """All pure equilibria of a batch of games.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (G, m, n)

    Returns
    -------
    game : numpy.ndarray of intp, shape (E,)
    x : numpy.ndarray, shape (E, m)
    y : numpy.ndarray, shape (E, n)
        Degenerate (one-hot) mixed strategies of each equilibrium.
    """
    G, m, n = A.shape
    tol = TIE_TOL * payoff_ranges(A, B)[:, :, None, None]
    row_best = A >= A.max(axis=1, keepdims=True) - tol[:, 0]
    col_best = B >= B.max(axis=2, keepdims=True) - tol[:, 1]
    g, i, j = np.nonzero(row_best & col_best)
    return g, np.eye(m)[i], np.eye(n)[j]


def pure_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """All pure equilibria of one game of shape (m, n), as one-hot ``(x, y)`` pairs."""
    _, x, y = pure_equilibria_batch(A[None], B[None])
    return list(zip(x, y, strict=True))
