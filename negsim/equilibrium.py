"""Equilibria and the one place where every returned equilibrium is checked.

The regret of a mixed profile ``(x, y)`` in the game ``(A, B)`` is, for each player, the
most they could gain by deviating to a pure action::

    regret_row = max_i (A y)_i - x^T A y        regret_col = max_j (x^T B)_j - x^T B y

A profile is a Nash equilibrium iff both regrets are zero. Solvers work in floating
point, so :func:`verified` accepts a regret up to ``tol`` times the game's payoff range
(``DEFAULT_TOL = 1e-8``, i.e. a hundred-millionth of the spread between the worst and the
best payoff) and raises :class:`EquilibriumCheckError` otherwise: a failure there is a
solver bug, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_TOL = 1e-8


class EquilibriumCheckError(AssertionError):
    """A solver returned a profile that is not an equilibrium (a bug, not bad input)."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """A checked Nash equilibrium of a two-player game.

    Attributes
    ----------
    strategies : tuple of numpy.ndarray
        Mixed strategies ``(x, y)``: probability vectors of shape (m,) and (n,).
    payoffs : numpy.ndarray, shape (2,)
        Expected payoffs of the row and column player, in the game's payoff units.
    regret : numpy.ndarray, shape (2,)
        Each player's regret (gain from the best pure deviation), >= 0 and within tolerance.
    method : str
        The solver that found it.
    """

    strategies: tuple[np.ndarray, np.ndarray]
    payoffs: np.ndarray
    regret: np.ndarray
    method: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "strategies", tuple(_readonly(s) for s in self.strategies))
        object.__setattr__(self, "payoffs", _readonly(self.payoffs))
        object.__setattr__(self, "regret", _readonly(self.regret))

    @property
    def is_pure(self) -> bool:
        """True when both players put all weight on one action."""
        return all(np.isclose(s.max(), 1.0) for s in self.strategies)

    @property
    def support(self) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the actions each player plays with positive probability."""
        return tuple(np.flatnonzero(s > 1e-9) for s in self.strategies)  # type: ignore[return-value]

    def __repr__(self) -> str:
        x, y = (np.array2string(s, precision=4, suppress_small=True) for s in self.strategies)
        return f"Equilibrium(x={x}, y={y}, payoffs={np.round(self.payoffs, 6).tolist()})"


def regrets(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Both players' regrets of profiles, batched.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (..., m, n)
        Payoff matrices.
    x : numpy.ndarray, shape (..., m)
    y : numpy.ndarray, shape (..., n)
        Mixed strategies, broadcast against the leading axes of ``A`` and ``B``.

    Returns
    -------
    numpy.ndarray, shape (..., 2)
        Row player's and column player's regret.
    """
    Ay = np.einsum("...mn,...n->...m", A, y)
    xB = np.einsum("...m,...mn->...n", x, B)
    r_row = Ay.max(axis=-1) - np.einsum("...m,...m->...", x, Ay)
    r_col = xB.max(axis=-1) - np.einsum("...n,...n->...", xB, y)
    return np.stack([r_row, r_col], axis=-1)


def check_tol(tol: float) -> float:
    """A relative regret tolerance in (0, 1), or a :class:`~negsim.errors.SolverError`
    naming ``tol`` (NaN would accept any profile, a negative value reject every one)."""
    from negsim.errors import SolverError

    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not 0.0 < float(tol) < 1.0:
        raise SolverError(f"tol: expected a relative tolerance in (0, 1), got {tol!r}")
    return float(tol)


def regret_tolerance(A: np.ndarray, B: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Absolute regret tolerance per game: ``tol`` times the payoff range (at least ``tol``).

    Shapes: ``A, B`` (..., m, n) -> (...,).
    """
    spread = np.maximum(
        A.max(axis=(-2, -1)) - A.min(axis=(-2, -1)), B.max(axis=(-2, -1)) - B.min(axis=(-2, -1))
    )
    return tol * np.maximum(spread, 1.0)


def is_probability_vector(p: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """True where the last axis of ``p`` is non-negative and sums to one (within ``tol``)."""
    return np.all(p >= -tol, axis=-1) & (np.abs(p.sum(axis=-1) - 1.0) <= tol * p.shape[-1] + tol)


def verified_regrets(
    A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray, *, method: str, tol: float = DEFAULT_TOL
) -> np.ndarray:
    """Check profiles, batched: the one place equilibria are verified.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (E, m, n)
        The game of each profile.
    x, y : numpy.ndarray, shape (E, m) and (E, n)
        The candidate equilibria.
    method : str
        Solver name, for the error message.
    tol : float
        Relative tolerance (see module docstring).

    Returns
    -------
    numpy.ndarray, shape (E, 2)
        The regrets, all within tolerance.

    Raises
    ------
    EquilibriumCheckError
        If any profile is not a probability vector or has regret above tolerance.
    """
    if len(x) == 0:
        return np.zeros((0, 2))
    bad_prob = ~(is_probability_vector(x) & is_probability_vector(y))
    if np.any(bad_prob):
        k = int(np.flatnonzero(bad_prob)[0])
        raise EquilibriumCheckError(
            f"solver '{method}' returned strategies that are not probability vectors: "
            f"x={x[k]}, y={y[k]}"
        )
    r = regrets(A, B, x, y)
    limit = regret_tolerance(A, B, tol)
    bad = np.any(r > limit[..., None], axis=-1)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise EquilibriumCheckError(
            f"solver '{method}' returned a profile with regret {r[k].tolist()} above "
            f"tolerance {float(limit[k]):.3g}: x={x[k]}, y={y[k]}"
        )
    return np.maximum(r, 0.0)


def verified(game_A, game_B, profiles, *, method: str, tol: float = DEFAULT_TOL) -> list[Equilibrium]:
    """Check a list of ``(x, y)`` profiles of one game and wrap them as :class:`Equilibrium`.

    Parameters
    ----------
    game_A, game_B : numpy.ndarray, shape (m, n)
    profiles : sequence of (x, y)
        Candidate equilibria, x of shape (m,), y of shape (n,).
    """
    if not profiles:
        return []
    x = np.array([p[0] for p in profiles], dtype=float)
    y = np.array([p[1] for p in profiles], dtype=float)
    E = len(profiles)
    A = np.broadcast_to(game_A, (E, *game_A.shape))
    B = np.broadcast_to(game_B, (E, *game_B.shape))
    r = verified_regrets(A, B, x, y, method=method, tol=tol)
    pay = np.stack([np.einsum("em,emn,en->e", x, A, y), np.einsum("em,emn,en->e", x, B, y)], axis=-1)
    return [Equilibrium((x[k], y[k]), pay[k], r[k], method) for k in range(E)]
