"""Solvers, selectable by name, and the batch path for sweeps.

========================  ============================================================
method                    what it returns
========================  ============================================================
``"enumerate"``           all extreme equilibria, degenerate games included (default)
``"pure"``                all pure-strategy equilibria
``"support"``             nashpy's support enumeration (complete if nondegenerate)
``"vertex"``              nashpy's vertex enumeration (complete if nondegenerate)
``"lemke_howson"``        the distinct equilibria Lemke-Howson reaches from every label
``"qre"``                 the one equilibrium the logit QRE path converges to
========================  ============================================================

Whatever the method, every equilibrium is checked for regret in
:func:`negsim.equilibrium.verified` before it is returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from negsim.equilibrium import (
    DEFAULT_TOL,
    Equilibrium,
    check_resolution,
    check_tol,
    verified,
    verified_exact,
    verified_regrets,
)
from negsim.errors import GameFormatError, SolverError
from negsim.game import Game, as_payoff_pair
from negsim.solvers import enumeration, nashpy_methods, pure

Profiles = list[tuple[np.ndarray, np.ndarray]]


def _lemke_howson(A: np.ndarray, B: np.ndarray) -> Profiles:
    from negsim.solvers.lemke_howson import lemke_howson_all

    return lemke_howson_all(A, B)


def _qre(A: np.ndarray, B: np.ndarray) -> Profiles:
    from negsim.solvers.selection import logit_selected

    return [logit_selected(A, B, enumeration.extreme_equilibria(A, B))]


SOLVERS: dict[str, Callable[[np.ndarray, np.ndarray], Profiles]] = {
    "enumerate": enumeration.extreme_equilibria,
    "pure": pure.pure_equilibria,
    "support": nashpy_methods.support_enumeration,
    "vertex": nashpy_methods.vertex_enumeration,
    "lemke_howson": _lemke_howson,
    "qre": _qre,
}

BATCH_SOLVERS = {
    "enumerate": enumeration.extreme_equilibria_batch,
    "pure": pure.pure_equilibria_batch,
}


def _unknown(method: str, known) -> SolverError:
    return SolverError(f"unknown solver '{method}'; expected one of: {', '.join(sorted(known))}")


def solve(
    game: Game, method: str = "enumerate", *, tol: float = DEFAULT_TOL, exact: bool = False
) -> list[Equilibrium]:
    """Equilibria of a two-player game by the named method, each checked for regret.

    Parameters
    ----------
    game : Game
        The game (or anything with payoff matrices ``A`` and ``B`` of shape (m, n)).
    method : str
        A key of :data:`SOLVERS`.
    tol : float
        Regret tolerance relative to each player's payoff range (see
        :mod:`negsim.equilibrium`).
    exact : bool
        Rational arithmetic (``method="enumerate"`` only, games up to 7x7): all extreme
        equilibria of the game whose payoffs are exactly the stored floats, each with zero
        regret and its fractions in :attr:`Equilibrium.exact`.

    Returns
    -------
    list of Equilibrium
        ``method="enumerate"`` returns all extreme equilibria.

    Raises
    ------
    SolverError
        For an unknown method, a bad ``tol``, or (float path) payoffs float64 cannot
        resolve (:func:`negsim.equilibrium.check_resolution`).
    """
    if method not in SOLVERS:
        raise _unknown(method, SOLVERS)
    tol = check_tol(tol)
    A, B = as_payoff_pair(game.A, game.B)
    if exact:
        if method != "enumerate":
            raise SolverError(f"exact=True: only method='enumerate' is exact, got method='{method}'")
        from negsim.solvers.exact import as_fractions, exact_equilibria

        FA, FB = as_fractions(A.tolist()), as_fractions(B.tolist())
        return verified_exact(FA, FB, exact_equilibria(FA, FB), method="enumerate (exact)")
    check_resolution(A, B)
    return verified(A, B, SOLVERS[method](A, B), method=method, tol=tol)


@dataclass(frozen=True, eq=False)
class BatchEquilibria:
    """Equilibria of a batch of games, as flat arrays (one row per equilibrium).

    Attributes
    ----------
    batch_shape : tuple of int
        Shape of the parameter grid the games came from.
    game : numpy.ndarray of intp, shape (E,)
        Flat index (C order over ``batch_shape``) of each equilibrium's game; ascending.
    x, y : numpy.ndarray, shape (E, m) and (E, n)
        Mixed strategies.
    payoffs, regret : numpy.ndarray, shape (E, 2)
        Expected payoffs and (checked) regrets of row and column player.
    method : str
    """

    batch_shape: tuple[int, ...]
    game: np.ndarray
    x: np.ndarray
    y: np.ndarray
    payoffs: np.ndarray
    regret: np.ndarray
    method: str

    def __repr__(self) -> str:
        """One line: how many games of which size, and how many equilibria per game (no arrays)."""
        counts = self.counts
        games = int(np.prod(self.batch_shape))
        per = f"{counts.min()}-{counts.max()}" if games else "0"
        return (f"BatchEquilibria({games:,} games of {self.x.shape[1]}x{self.y.shape[1]} over a grid of shape "
                f"{self.batch_shape}, {len(self.game):,} equilibria ({per} per game), method={self.method!r})")

    @property
    def counts(self) -> np.ndarray:
        """Number of equilibria of each game, shape ``batch_shape``."""
        return np.bincount(self.game, minlength=int(np.prod(self.batch_shape))).reshape(self.batch_shape)

    def for_game(self, index) -> list[Equilibrium]:
        """The equilibria of one game, by flat index or by grid index tuple."""
        flat = int(np.ravel_multi_index(index, self.batch_shape)) if isinstance(index, tuple) else int(index)
        lo, hi = np.searchsorted(self.game, [flat, flat + 1])
        return [
            Equilibrium((self.x[k], self.y[k]), self.payoffs[k], self.regret[k], self.method)
            for k in range(lo, hi)
        ]


def _fitting_chunk(method: str, m: int, n: int, chunk_games: int, limit: int | None = None) -> int:
    """Games per vectorised step that fit in half the available memory (at most
    ``chunk_games``); a :class:`SolverError` when not even one game fits.

    Games solved by supports (3x3 and smaller) hold a small system per basis; larger ones
    keep a record (about ``8 (m + n + 4)`` bytes) per vertex of each polytope, bounded by
    the upper bound theorem (:func:`~negsim.solvers.polytopes.vertex_bound`) and by
    :data:`~negsim.solvers.polytopes.MAX_VERTICES`.
    """
    from negsim.machine import available_memory
    from negsim.solvers.polytopes import MAX_VERTICES, vertex_bound

    if method == "enumerate" and math.comb(m + n, m) <= enumeration.SMALL_BASES:
        per_game = 64 * math.comb(m + n, m) * (m + n)
    elif method == "enumerate":
        vertices = min(max(vertex_bound(m, m + n), vertex_bound(n, m + n)), MAX_VERTICES)
        per_game = 2 * 8 * (m + n + 4) * vertices
    else:
        per_game = 64 * m * n
    limit = available_memory() if limit is None else limit
    if limit is None:
        return chunk_games
    fitting = (limit // 2) // per_game
    if fitting < 1:
        raise SolverError(
            f"{method}: one {m}x{n} game needs about {per_game / 2**30:.1f} GiB of memory, more than half the "
            f"{limit / 2**30:.1f} GiB available; use method='lemke_howson' for one equilibrium of large games"
        )
    return int(min(chunk_games, fitting))


def solve_batch(
    A: np.ndarray,
    B: np.ndarray,
    method: str = "enumerate",
    *,
    tol: float = DEFAULT_TOL,
    chunk_games: int = 20_000,
) -> BatchEquilibria:
    """Equilibria of many games of one size at once (vectorised), each checked for regret.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (..., m, n)
        Payoffs over a parameter grid of shape ``...`` (e.g. from
        :func:`negsim.model.payoffs.talks_payoff_batch`).
    method : {"enumerate", "pure"}
    tol : float
        Regret tolerance relative to each game's payoff range.
    chunk_games : int
        Games solved per vectorised step (bounds memory).

    Returns
    -------
    BatchEquilibria
        The same sets of equilibria as :func:`solve` on each game alone.
    """
    if method not in BATCH_SOLVERS:
        raise _unknown(method, BATCH_SOLVERS)
    tol = check_tol(tol)
    if isinstance(chunk_games, bool) or not isinstance(chunk_games, (int, np.integer)) or chunk_games < 1:
        raise SolverError(f"chunk_games: expected a whole number of games >= 1, got {chunk_games!r}")
    try:
        A = np.asarray(A, dtype=float)
        B = np.asarray(B, dtype=float)
    except (TypeError, ValueError) as exc:
        raise GameFormatError(f"A, B: payoff batches must be numeric ({exc})") from None
    if A.shape != B.shape or A.ndim < 2:
        raise SolverError(f"payoff batches must share a shape (..., m, n), got {A.shape} and {B.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise SolverError("payoff batch contains NaN or infinite payoffs")
    check_resolution(A, B)
    batch_shape = A.shape[:-2]
    m, n = A.shape[-2:]
    Af, Bf = A.reshape(-1, m, n), B.reshape(-1, m, n)
    chunk_games = _fitting_chunk(method, m, n, chunk_games)
    parts = []
    for start in range(0, len(Af), chunk_games):
        g, x, y = BATCH_SOLVERS[method](Af[start : start + chunk_games], Bf[start : start + chunk_games])
        parts.append((g + start, x, y))
    g = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.intp)
    x = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, m))
    y = np.concatenate([p[2] for p in parts]) if parts else np.zeros((0, n))
    Ag, Bg = Af[g], Bf[g]
    regret = verified_regrets(Ag, Bg, x, y, method=method, tol=tol)
    payoffs = np.stack(
        [np.einsum("em,emn,en->e", x, Ag, y), np.einsum("em,emn,en->e", x, Bg, y)], axis=-1
    )
    for arr in (g, x, y, payoffs, regret):
        arr.setflags(write=False)
    return BatchEquilibria(tuple(batch_shape), g, x, y, payoffs, regret, method)

from negsim.lazy import submodules  # noqa: E402

__getattr__ = submodules(__name__)
