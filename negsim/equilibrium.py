"""Equilibria and the one place where every returned equilibrium is checked.

The regret of a mixed profile ``(x, y)`` in the game ``(A, B)`` is, for each player, the
most they could gain by deviating to a pure action::

    regret_row = max_i (A y)_i - x^T A y        regret_col = max_j (x^T B)_j - x^T B y

A profile is a Nash equilibrium iff both regrets are zero. Solvers work in floating
point, so :func:`verified` accepts each player's regret up to ``tol`` times that player's
payoff range (``DEFAULT_TOL = 1e-8``, a hundred-millionth of the spread between their worst
and best payoff), plus the rounding of the check itself, and raises
:class:`EquilibriumCheckError` otherwise: a failure there is a solver bug, never silently
dropped. Regrets are computed on payoffs shifted to start at zero (they do not change), so
the check means the same at any payoff scale and offset. The exact mode
(:func:`verified_exact`) accepts only zero regret, in rational arithmetic.

Float64 cannot tell apart payoffs that differ by less than about ``1e-16`` of their
magnitude; :func:`check_resolution` refuses, before any solver runs, games with two
payoffs of one player that differ by less than ``RESOLUTION = 1e-10`` of that player's
payoff range unless they are rounding noise of each other (within a few units in the
last place, as ``0.1 + 0.2`` and ``0.3``, which count as ties; beside an exact zero, within
a few units in the last place of the largest payoff, as ``0.1 + 0.2 - 0.3``). Ties are
decided on the slacks of the best-response polytopes, which can be products of payoff
gaps: gaps of ``1e-6`` can make a slack of ``1e-12``, a tie at the solvers' ``1e-11``, so the
float path then returns equilibria of the tied game (regret within tolerance, not zero);
the exact mode has no such limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_TOL = 1e-8
#: Payoff differences below this fraction of a player's payoff range, and not rounding
#: noise, cannot be resolved in float64 (see module docstring).
RESOLUTION = 1e-10
#: Differences within this many units in the last place of the larger value are noise.
_NOISE_ULPS = 8


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
    exact : tuple, optional
        In exact mode, ``(x, y, payoffs)`` as tuples of :class:`fractions.Fraction`
        (the float attributes are their nearest floats); None otherwise.
    """

    strategies: tuple[np.ndarray, np.ndarray]
    payoffs: np.ndarray
    regret: np.ndarray
    method: str = ""
    exact: tuple | None = None

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
    A = A - A.min(axis=(-2, -1), keepdims=True)  # regret is unchanged by a shift
    B = B - B.min(axis=(-2, -1), keepdims=True)
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


def payoff_ranges(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Each player's payoff range (max minus min), shapes (..., m, n) -> (..., 2)."""
    return np.stack([A.max(axis=(-2, -1)) - A.min(axis=(-2, -1)), B.max(axis=(-2, -1)) - B.min(axis=(-2, -1))], axis=-1)


def regret_tolerance(A: np.ndarray, B: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Each player's absolute regret tolerance: ``tol`` times their payoff range, plus the
    rounding of computing a regret (``4 (m + n)`` units of ``2^-52`` of the range).

    Shapes: ``A, B`` (..., m, n) -> (..., 2).
    """
    m, n = A.shape[-2:]
    return (tol + 4 * (m + n) * np.finfo(float).eps) * payoff_ranges(A, B)


def _unresolved(M: np.ndarray) -> tuple[int, float, float] | None:
    """The first game of (G, m, n) payoffs with two values float64 cannot resolve, as
    ``(game, a, b)``, or None."""
    v = np.sort(M.reshape(len(M), -1), axis=1)
    gaps = np.diff(v, axis=1)
    spread = v[:, -1:] - v[:, :1]
    noise = gaps <= _NOISE_ULPS * np.spacing(np.maximum(np.abs(v[:, :-1]), np.abs(v[:, 1:])))
    # A residue next to an exact zero (0.1 + 0.2 - 0.3 beside 0) is rounding of a sum whose
    # terms are of the payoffs' size: noise within a few units in the last place of those.
    scale = np.abs(v).max(axis=1, keepdims=True)
    at_zero = (v[:, :-1] == 0) | (v[:, 1:] == 0)
    noise |= at_zero & (gaps <= _NOISE_ULPS * np.spacing(scale))
    bad = (gaps > 0) & (gaps < RESOLUTION * spread) & ~noise
    if not bad.any():
        return None
    g, k = np.argwhere(bad)[0]
    return int(g), float(v[g, k]), float(v[g, k + 1])


def check_resolution(A: np.ndarray, B: np.ndarray) -> None:
    """Refuse games whose payoffs float64 cannot resolve, with one line naming the player,
    the two payoffs and the range, and pointing to ``exact=True``.

    Shapes: ``A, B`` (m, n) or (G, m, n).

    Raises
    ------
    SolverError
    """
    from negsim.errors import SolverError

    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    both = np.stack([A, B], axis=-3).reshape(-1, *A.shape[-2:])  # game g, player p at 2 g + p
    found = _unresolved(both)
    if found is not None:
        k, a, b = found
        spread = float(np.ptp(both[k]))
        where = f" (game {k // 2} of the batch)" if A.ndim > 2 else ""
        raise SolverError(
            f"the {('row', 'column')[k % 2]} player's payoffs {a!r} and {b!r} differ by {b - a:.3g}, "
            f"{(b - a) / spread:.2g} of their range {spread:.3g}{where}: float64 cannot resolve "
            f"differences below {RESOLUTION:g} of the range; use exact=True"
        )


def is_probability_vector(p: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """True where the last axis of ``p`` is non-negative and sums to one (within ``tol``)."""
    return np.all(p >= -tol, axis=-1) & (np.abs(p.sum(axis=-1) - 1.0) <= tol * p.shape[-1] + tol)


def verified_regrets(
    A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray, *, method: str, tol: float = DEFAULT_TOL
) -> np.ndarray:
    """Check profiles, batched: the one place equilibria are verified.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (E, m, n) or (m, n)
        The game of each profile (one game for all of them when 2-D).
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
    bad = np.any(r > limit, axis=-1)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise EquilibriumCheckError(
            f"solver '{method}' returned a profile with regret {r[k].tolist()} above "
            f"tolerance {limit[k].tolist()}: x={x[k]}, y={y[k]}"
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
    r = verified_regrets(game_A, game_B, x, y, method=method, tol=tol)  # (m, n) broadcasts over E
    pay = np.stack([((x @ game_A) * y).sum(axis=1), ((x @ game_B) * y).sum(axis=1)], axis=-1)
    return [Equilibrium((x[k], y[k]), pay[k], r[k], method) for k in range(len(x))]


def verified_exact(A, B, profiles, *, method: str) -> list[Equilibrium]:
    """Check rational profiles exactly (zero regret, probabilities summing to one) and wrap
    them as :class:`Equilibrium` with their fractions in ``exact``.

    Parameters
    ----------
    A, B : sequence of sequences of fractions.Fraction, shape (m, n)
    profiles : sequence of (x, y)
        Tuples of fractions of lengths m and n.

    Raises
    ------
    EquilibriumCheckError
        If any profile is not exactly an equilibrium.
    """
    out = []
    for x, y in profiles:
        if sum(x) != 1 or sum(y) != 1 or min(x) < 0 or min(y) < 0:
            raise EquilibriumCheckError(f"solver '{method}' returned non-probabilities: x={x}, y={y}")
        Ay = [sum(a * q for a, q in zip(row, y, strict=True)) for row in A]
        xB = [sum(p * B[i][j] for i, p in enumerate(x)) for j in range(len(y))]
        pay = (sum(p * v for p, v in zip(x, Ay, strict=True)), sum(q * v for q, v in zip(y, xB, strict=True)))
        regret = (max(Ay) - pay[0], max(xB) - pay[1])
        if regret != (0, 0):
            raise EquilibriumCheckError(f"solver '{method}' returned a profile with exact regret {regret}: x={x}, y={y}")
        floats = (np.array([float(p) for p in x]), np.array([float(q) for q in y]))
        out.append(Equilibrium(floats, np.array([float(v) for v in pay]), np.zeros(2), method, (x, y, pay)))
    return out
