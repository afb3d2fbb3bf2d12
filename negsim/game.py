"""The two-player strategic-form game: a validated handle on two payoff matrices.

A :class:`Game` holds the row player's payoffs ``A`` and the column player's payoffs
``B``, both of shape ``(m, n)`` (row player has ``m`` actions, column player ``n``), in
the scenario's payoff units ("utils": weighted sums of outcome features, see
:mod:`negsim.model.payoffs`). Labels name the players and their actions; ``sources`` optionally
maps each cell to the evidence IDs behind it. The field's vocabulary lives on it:
best responses, regret, the Nash test, and dominated actions (pure or mixed dominators,
and iterated elimination of strictly dominated actions).
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
        m, n = self.A.shape
        return m, n

    def expected_payoffs(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Expected payoffs ``(x^T A y, x^T B y)`` of a mixed profile, shape (2,)."""
        return np.array([x @ self.A @ y, x @ self.B @ y])

    def best_response(self, player: int, opponent: np.ndarray, *, tol: float = 1e-9) -> np.ndarray:
        """Indices of ``player``'s (0 row, 1 column) pure best responses to the opponent's
        mixed strategy ``opponent`` (shape ``(n,)`` for the row player, ``(m,)`` for the
        column player), payoffs within ``tol`` of the best counting as ties."""
        u = self.A @ opponent if player == 0 else opponent @ self.B
        return np.flatnonzero(u >= u.max() - tol)

    def best_responses(self, x: np.ndarray, y: np.ndarray, *, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
        """Index arrays of the row player's best responses to ``y`` and the column player's to ``x``."""
        return self.best_response(0, y, tol=tol), self.best_response(1, x, tol=tol)

    def regret(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each player's regret of the profile ``(x, y)``, shape (2,): what the best pure
        deviation gains (payoff units); see :func:`negsim.equilibrium.regrets`."""
        from negsim.equilibrium import regrets

        return regrets(self.A, self.B, np.asarray(x, float), np.asarray(y, float))

    def is_nash(self, x: np.ndarray, y: np.ndarray, *, tol: float | None = None) -> bool:
        """True if ``(x, y)`` is a Nash equilibrium: both regrets within ``tol`` times the
        payoff range (default :data:`negsim.equilibrium.DEFAULT_TOL`, the solvers' check)."""
        from negsim.equilibrium import DEFAULT_TOL, regret_tolerance

        bound = regret_tolerance(self.A, self.B, DEFAULT_TOL if tol is None else tol)
        return bool(np.all(self.regret(x, y) <= bound))

    def dominated_actions(self, *, mixtures: bool = True, tol: float = 1e-9) -> list[Dominated]:
        """Every dominated action of each player (see :func:`dominated_actions`)."""
        return dominated_actions(self, mixtures=mixtures, tol=tol)

    def __repr__(self) -> str:
        m, n = self.shape
        return f"Game({self.title!r}, {self.players[0]} {m} x {self.players[1]} {n})"


@dataclass(frozen=True)
class Dominated:
    """An action that another (pure or mixed) action of the same player beats.

    Attributes
    ----------
    player : int
        0 for the row player, 1 for the column player.
    action : int
        Index of the dominated action.
    strict : bool
        True if the dominating strategy gives strictly more against every opponent
        action; False if at least as much everywhere and strictly more somewhere.
    by : numpy.ndarray
        The dominating mixed strategy over the player's actions (one-hot if pure).
    """

    player: int
    action: int
    strict: bool
    by: np.ndarray

    @property
    def by_pure(self) -> bool:
        """True if a single pure action dominates."""
        return bool(np.isclose(self.by.max(), 1.0))


def player_scales(A, B) -> np.ndarray:
    """Each player's payoff range (max minus min over the cells), shape (2,); 1 where a
    player's payoffs are flat. Dividing a player's payoffs by it states them in a unit of
    their own, which leaves equilibria unchanged and makes logit responses unit-free."""
    from negsim.equilibrium import payoff_ranges

    spread = payoff_ranges(np.asarray(A, float), np.asarray(B, float))
    return np.where(spread > 0, spread, 1.0)


def own_payoffs(game: Game, player: int) -> np.ndarray:
    """The player's payoffs with its own actions in rows, the opponent's in columns."""
    return np.asarray(game.A if player == 0 else game.B.T, dtype=float)


def _mixture_domination(M: np.ndarray, i: int, others: list[int], strict: bool, tol: float) -> np.ndarray | None:
    """A mixture over ``others`` dominating row ``i`` of ``M`` (by linear programming), or None.

    Strict: maximise ``e`` subject to ``x . M[others, j] >= M[i, j] + e`` for every column
    ``j``; dominated iff ``e > tol``. Weak: maximise the total slack subject to
    ``x . M[others, j] >= M[i, j]``; dominated iff it is feasible with slack > tol.
    """
    from scipy.optimize import linprog

    if len(others) < 2:
        return None
    sub = M[others]  # (k, n)
    k, n = sub.shape
    if strict:
        # variables (x_1..x_k, e); minimise -e; -sub^T x + e <= -M[i]
        c = np.zeros(k + 1)
        c[-1] = -1.0
        A_ub = np.hstack([-sub.T, np.ones((n, 1))])
        b_ub = -M[i]
        A_eq = np.append(np.ones(k), 0.0)[None, :]
        bounds = [(0, None)] * k + [(None, None)]
    else:
        c = -sub.sum(axis=1)
        A_ub, b_ub = -sub.T, -M[i]
        A_eq = np.ones((1, k))
        bounds = [(0, None)] * k
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs")
    if res.status != 0:
        return None
    x = np.clip(res.x[:k], 0.0, None)
    x /= x.sum()
    gain = x @ sub - M[i]
    ok = gain.min() > tol if strict else (gain.min() >= -tol and gain.max() > tol)
    if not ok:
        return None
    full = np.zeros(M.shape[0])
    full[others] = x
    return full


def dominated_actions(game: Game, *, mixtures: bool = True, tol: float = 1e-9) -> list[Dominated]:
    """Every dominated action of each player, strictly dominated ones marked ``strict``.

    An action is *strictly dominated* if another of the player's strategies gives a
    strictly higher payoff against every action of the opponent, and *weakly dominated*
    (and not strictly) if another gives at least as much against every action and more
    against at least one. Pure dominating actions are preferred; with ``mixtures`` a
    dominating mixed strategy is searched by linear programming when no pure one exists.

    Parameters
    ----------
    game : Game
    mixtures : bool
        Also look for domination by mixed strategies.
    tol : float
        Payoff differences up to ``tol`` times the payoff range (at least ``tol``) count
        as ties.
    """
    spread = max(float(np.ptp(game.A)), float(np.ptp(game.B)), 1.0)
    eps = tol * spread
    out: list[Dominated] = []
    for player in (0, 1):
        M = own_payoffs(game, player)
        m = M.shape[0]
        for i in range(m):
            others = [k for k in range(m) if k != i]
            found = None
            for strict in (True, False):
                for k in others:
                    diff = M[k] - M[i]
                    if (diff.min() > eps) if strict else (diff.min() >= -eps and diff.max() > eps):
                        found = np.eye(m)[k]
                        break
                if found is None and mixtures:
                    found = _mixture_domination(M, i, others, strict, eps)
                if found is not None:
                    out.append(Dominated(player, i, strict, found))
                    break
    return out


def iterated_elimination(game: Game, *, tol: float = 1e-9) -> tuple[list[list[int]], list[tuple[int, int, int]]]:
    """Iterated elimination of strictly dominated actions (pure or mixed dominators).

    Returns
    -------
    (survivors, steps)
        ``survivors[p]``: indices of player ``p``'s actions left; ``steps``: ``(round,
        player, action)`` of each elimination, in order (all strictly dominated actions of
        both players are removed together in each round).
    """
    alive = [list(range(game.A.shape[0])), list(range(game.A.shape[1]))]
    steps: list[tuple[int, int, int]] = []
    rnd = 0
    while True:
        rnd += 1
        sub = Game(game.A[np.ix_(*alive)], game.B[np.ix_(*alive)])
        gone = [d for d in dominated_actions(sub, tol=tol) if d.strict]
        if not gone:
            return alive, steps
        for p in (0, 1):
            drop = {alive[p][d.action] for d in gone if d.player == p}
            steps.extend((rnd, p, a) for a in sorted(drop))
            alive[p] = [a for a in alive[p] if a not in drop]
