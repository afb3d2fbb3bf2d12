"""The two-player strategic-form game: a thin, validated handle on two payoff matrices.

A :class:`Game` holds the row player's payoffs ``A`` and the column player's payoffs
``B``, both of shape ``(m, n)`` (row player has ``m`` actions, column player ``n``), in
the scenario's payoff units ("utils": weighted sums of outcome features, see
:mod:`negsim.payoffs`). Labels name the players and their actions; ``sources`` optionally
maps each cell to the evidence IDs behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from negsim.errors import GameFormatError


def as_payoff_pair(A, B) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert two payoff arrays to read-only float matrices.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs; finite numbers.

    Returns
    -------
    (A, B) : tuple of numpy.ndarray, float64, shape (m, n), read-only
    """
    out = []
    for name, M in (("A (row player's payoffs)", A), ("B (column player's payoffs)", B)):
        try:
            arr = np.array(M, dtype=float)
        except (TypeError, ValueError) as exc:
            raise GameFormatError(f"payoff matrix {name} is not numeric: {exc}") from None
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise GameFormatError(
                f"payoff matrix {name} must be 2-D with at least one row and column, "
                f"got shape {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise GameFormatError(f"payoff matrix {name} contains NaN or infinite payoffs")
        arr.setflags(write=False)
        out.append(arr)
    if out[0].shape != out[1].shape:
        raise GameFormatError(
            f"payoff matrices must have the same shape, got A {out[0].shape} and B {out[1].shape}"
        )
    return out[0], out[1]


@dataclass(frozen=True, eq=False)
class Game:
    """A finite two-player game in strategic form.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (m, n)
        Payoffs of the row player and the column player, in payoff units.
    players : tuple of str
        Names of the row and column player.
    actions : tuple of (tuple of str, tuple of str)
        Action labels of the row player (``m``) and column player (``n``).
    title : str
        A short description.
    sources : tuple of tuple of tuple of str, optional
        ``sources[i][j]`` lists the evidence IDs behind cell ``(i, j)``.
    """

    A: np.ndarray
    B: np.ndarray
    players: tuple[str, str] = ("Row", "Column")
    actions: tuple[tuple[str, ...], tuple[str, ...]] = field(default=((), ()))
    title: str = "Untitled game"
    sources: tuple = ()

    def __post_init__(self) -> None:
        A, B = as_payoff_pair(self.A, self.B)
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "B", B)
        m, n = A.shape
        rows, cols = self.actions if self.actions != ((), ()) else ((), ())
        rows = tuple(rows) or tuple(f"r{i + 1}" for i in range(m))
        cols = tuple(cols) or tuple(f"c{j + 1}" for j in range(n))
        if len(rows) != m or len(cols) != n:
            raise GameFormatError(
                f"game '{self.title}': {len(rows)}x{len(cols)} action labels for a "
                f"{m}x{n} payoff matrix"
            )
        object.__setattr__(self, "actions", (rows, cols))
        if len(self.players) != 2:
            raise GameFormatError(f"game '{self.title}': expected 2 players, got {len(self.players)}")
        object.__setattr__(self, "players", tuple(self.players))

    @property
    def shape(self) -> tuple[int, int]:
        """Number of actions ``(m, n)`` of the row and column player."""
        return self.A.shape  # type: ignore[return-value]

    def expected_payoffs(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Expected payoffs ``(x^T A y, x^T B y)`` of a mixed profile, shape (2,)."""
        return np.array([x @ self.A @ y, x @ self.B @ y])

    def best_responses(self, x: np.ndarray, y: np.ndarray, *, tol: float = 1e-9):
        """Index arrays of the row player's best responses to ``y`` and the column player's to ``x``."""
        u_row = self.A @ y
        u_col = x @ self.B
        return (
            np.flatnonzero(u_row >= u_row.max() - tol),
            np.flatnonzero(u_col >= u_col.max() - tol),
        )

    def __repr__(self) -> str:
        m, n = self.shape
        return f"Game({self.title!r}, {self.players[0]} {m} x {self.players[1]} {n})"
