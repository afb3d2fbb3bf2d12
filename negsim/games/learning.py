"""Learning dynamics of a two-player game, for teaching: does play settle on an equilibrium?

Two classic dynamics, each on a :class:`negsim.game.Game` (row payoffs ``A``, column
payoffs ``B``, shape (m, n)):

* :func:`fictitious_play`: discrete-time fictitious play (Brown 1951; Robinson 1951;
  Fudenberg & Levine 1998, "The Theory of Learning in Games", ch. 2). Each player
  keeps count of the other's past actions and, every round, plays a pure best reply
  to those counts (the empirical mixed strategy); both move at once, then both counts
  grow by one. The trajectory is the pair of *empirical frequencies* of play. They
  converge to a Nash equilibrium where fictitious play must: in zero-sum games
  (Robinson 1951, matching pennies among them), 2xN games (Berger 2005) and games
  solvable by iterated strict dominance (the dominated actions are eventually never
  played); they need not converge in general: in Shapley's (1964) 3x3 game play runs
  around a cycle of six action pairs, each run longer than the last by a roughly
  constant factor, and the frequencies never approach the unique equilibrium.
* :func:`replicator_dynamics`: the two-population (asymmetric) replicator dynamics
  (Taylor & Jonker 1978; Hofbauer & Sigmund 1998, "Evolutionary Games and Population
  Dynamics"): ``x_i' = x_i ((A y)_i - x.A y)`` and ``y_j' = y_j ((B^T x)_j -
  y.B^T x)``. Strictly dominated actions die out (Samuelson & Zhang 1992) and a strict
  equilibrium attracts nearby play; in a zero-sum game with an interior equilibrium
  ``(x*, y*)`` (matching pennies) ``H = x*.log x + y*.log y`` is conserved, so play
  orbits the equilibrium for ever (Hofbauer & Sigmund, on bimatrix games). It is solved in
  the cumulative-payoff coordinates ``a' = A y``, ``b' = B^T x`` with ``x =
  softmax(a)``, ``y = softmax(b)`` (the same paths: the softmax of the integrated
  payoffs solves the replicator equation), so probabilities stay positive and sum to
  one by construction however close play comes to a pure action; actions absent from
  the start stay absent (each face of the simplex is invariant). Time is measured in
  units of ``1 / R``, ``R`` the game's payoff range (the larger of the two players'),
  so a horizon means the same in any payoff unit.

:func:`settles` classifies a trajectory: it *converges* (the late part of the run is
an approximate equilibrium: every player's regret within ``tol`` of its payoff range),
*cycles* (it keeps moving and its distance from equilibrium does not shrink), comes to
a *rest point* that is not an equilibrium, or is *unclear* (still approaching; run it
longer). :func:`learning_report` says it in words for a seminar.

Why not nashpy's (version 0.0.43) learning functions, which negsim cross-checks against
in ``tests/games/test_learning.py``:

* ``nashpy.Game.fictitious_play`` is the same simultaneous fictitious play, but it breaks
  ties by ``np.random.choice`` on NumPy's global random state (no ``Generator`` can be
  passed; not reproducible without seeding the global state, which negsim never does)
  and finds ties by an exact ``==`` on float utilities; it yields a new list of count
  arrays per round (about 50 us a round, against about 4 us here). :func:`fictitious_play`
  breaks ties by a stated rule (the first action, or at random with an explicit ``rng``)
  within a tolerance relative to the payoff range, and returns the whole trajectory as
  arrays. Where no tie occurs the two give identical counts (tested).
* ``nashpy.Game.replicator_dynamics`` is the *single-population* (symmetric) dynamics: it
  reads only ``A`` and evolves one mixed strategy playing against itself, which is not
  the talks game (two different delegations with different payoffs).
  ``nashpy.Game.asymmetric_replicator_dynamics`` has the right (two-population) vector
  field, but integrates it in probabilities with ``scipy.integrate.odeint`` at its default
  tolerances: play drifts off the simplex (probabilities of ``-4.6e-10`` on a
  dominance-solvable game, and the conserved quantity of matching pennies drifting by
  ``1e-6`` over 200 time units), and time is in raw payoff units. Where both apply they
  agree to the integration tolerance (tested).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.game import Game

#: Verdicts of :func:`settles`.
VERDICTS = ("converges", "cycles", "rest_point", "unclear")
#: Payoff differences within this fraction of the payoff range (per observation counted)
#: are ties in fictitious play.
TIE_TOL = 1e-9
#: Doubling windows of the run that :func:`settles` compares (the last one is the late part).
_WINDOWS = 4
#: The regret's envelope must fall at least like ``t ** _APPROACH`` over the windows for
#: play to count as still approaching equilibrium (fictitious play in matching pennies
#: falls like ``t ** -1/2`` or faster; a cycle keeps it flat).
_APPROACH = -0.25


def _read_only(a, dtype=float) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class FictitiousPlayPath:
    """The trajectory of fictitious play.

    Attributes
    ----------
    t : numpy.ndarray, shape (T,)
        Rounds played, ``1 .. T``.
    x : numpy.ndarray, shape (T, m)
        The row player's empirical frequencies after each round (its counts, the
        initial ones included, over their total): what the column player believes.
    y : numpy.ndarray, shape (T, n)
        The column player's empirical frequencies after each round.
    actions : numpy.ndarray of int, shape (T, 2)
        The pure actions ``(row, column)`` played in each round.
    initial : tuple of numpy.ndarray
        The initial counts ``(row, column)``, shapes (m,) and (n,).
    """

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    actions: np.ndarray
    initial: tuple[np.ndarray, np.ndarray]

    def __post_init__(self) -> None:
        for name in ("t", "x", "y"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))
        object.__setattr__(self, "actions", _read_only(self.actions, int))
        object.__setattr__(self, "initial", tuple(_read_only(c) for c in self.initial))

    kind = "fictitious_play"

    @property
    def final(self) -> tuple[np.ndarray, np.ndarray]:
        """The empirical frequencies after the last round, shapes (m,) and (n,)."""
        return self.x[-1], self.y[-1]

    def run_lengths(self) -> np.ndarray:
        """Lengths of the runs of rounds in which the same action pair was played, in
        order, shape (R,): in Shapley's game they grow by a roughly constant factor."""
        a = self.actions
        change = np.flatnonzero(np.any(a[1:] != a[:-1], axis=1)) + 1
        edges = np.concatenate([[0], change, [len(a)]])
        return np.diff(edges)


@dataclass(frozen=True, eq=False)
class ReplicatorPath:
    """The trajectory of the two-population replicator dynamics.

    Attributes
    ----------
    t : numpy.ndarray, shape (K,)
        Times, from 0, in units of ``1 / R`` (``R`` the game's payoff range).
    x : numpy.ndarray, shape (K, m)
        The row population's shares of each action at each time.
    y : numpy.ndarray, shape (K, n)
        The column population's shares.
    """

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        for name in ("t", "x", "y"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))

    kind = "replicator"

    @property
    def final(self) -> tuple[np.ndarray, np.ndarray]:
        """The shares at the last time, shapes (m,) and (n,)."""
        return self.x[-1], self.y[-1]


@dataclass(frozen=True, eq=False)
class Settling:
    """Whether a learning trajectory settles (:func:`settles`).

    Attributes
    ----------
    verdict : str
        One of :data:`VERDICTS`: ``converges`` (the late part of the run is within
        ``tol`` of equilibrium), ``cycles`` (play keeps moving and its distance from
        equilibrium does not shrink), ``rest_point`` (play has stopped where some player
        would gain by switching: a rest point of the dynamics that is not an
        equilibrium), ``unclear`` (still approaching equilibrium, not yet within ``tol``).
    profile : tuple of numpy.ndarray
        The last point ``(x, y)`` of the run, shapes (m,) and (n,).
    regret : float
        The larger of the players' regrets at the last point, as a share of that
        player's payoff range.
    late_regret : float
        The largest such regret over the late part of the run (its second half in time).
    late_movement : float
        How far play moved over the late part: the largest range of any probability.
    slope : float
        The slope of ``log`` (largest regret in a window) against ``log`` (window end) over
        the last :data:`_WINDOWS` doublings of the run: about ``-1/2`` or steeper while
        play approaches an equilibrium, about 0 when it cycles.
    equilibrium : int or None
        Index (into the ``equilibria`` given) of the equilibrium play converges to: the
        nearest one, if the verdict is ``converges`` and it is within ``tol`` in every
        probability; None otherwise.
    nearest : int or None
        Index of the given equilibrium nearest to the last point, whatever the verdict
        (None when none were given).
    distance : float or None
        The largest probability difference between the last point and the nearest given
        equilibrium (None when none were given).
    tol : float
        The tolerance used.
    """

    verdict: str
    profile: tuple[np.ndarray, np.ndarray]
    regret: float
    late_regret: float
    late_movement: float
    slope: float
    equilibrium: int | None
    nearest: int | None
    distance: float | None
    tol: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "profile", tuple(_read_only(p) for p in self.profile))

    @property
    def converges(self) -> bool:
        """True if the verdict is ``converges``."""
        return self.verdict == "converges"


# Fictitious play -----------------------------------------------------------------------------


def _payoff_range(game: Game) -> float:
    spread = max(float(np.ptp(game.A)), float(np.ptp(game.B)))
    return spread if spread > 0 else 1.0


def _check_game(game) -> Game:
    if not isinstance(game, Game):
        raise ConfigError(f"game: expected a negsim Game, got {type(game).__name__}")
    return game


def _check_counts(game: Game, initial) -> tuple[np.ndarray, np.ndarray]:
    """Initial counts: zeros by default, else a pair of non-negative finite arrays."""
    m, n = game.shape
    if initial is None:
        return np.zeros(m), np.zeros(n)
    if isinstance(initial, np.ndarray) or not hasattr(initial, "__len__") or len(initial) != 2:
        raise ConfigError(f"initial: expected a pair (row_counts, col_counts) of shapes ({m},) and ({n},)")
    out = []
    for who, values, k in zip(("row", "column"), initial, (m, n), strict=True):
        try:
            arr = np.array(values, dtype=float)
        except (TypeError, ValueError):
            raise ConfigError(f"initial: the {who} counts must be numbers, shape ({k},)") from None
        if arr.shape != (k,) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ConfigError(f"initial: the {who} counts must be {k} finite numbers >= 0, got {values!r}")
        out.append(arr)
    return out[0], out[1]


def _best(u: list[float], eps: float, random: bool, rng: np.random.Generator | None) -> int:
    """A best reply among utilities ``u``: the first of the ties (within ``eps``), or one at random."""
    top = max(u)
    ties = [k for k, v in enumerate(u) if v >= top - eps]
    if len(ties) == 1 or not random:
        return ties[0]
    assert rng is not None
    return ties[int(rng.integers(len(ties)))]


def fictitious_play(
    game: Game,
    *,
    iterations: int = 10_000,
    initial: tuple | None = None,
    tie_breaking: str = "first",
    rng: np.random.Generator | int | None = None,
) -> FictitiousPlayPath:
    """Simultaneous fictitious play (Brown 1951; Fudenberg & Levine 1998, ch. 2).

    In each round both players play a pure best reply to the other's counts so far (the
    initial counts included), then both counts grow by one. Utilities are accumulated
    in plain floats (a column of ``A`` and a row of ``B`` added per round), so a round
    costs about a microsecond for small games.

    Parameters
    ----------
    game : Game
    iterations : int
        Rounds to play, >= 1.
    initial : pair of array_like, optional
        Initial counts ``(row_counts, col_counts)``, shapes (m,) and (n,), non-negative
        (need not be integers): each player's prior observations of the other. Default
        zeros, where every action ties in the first round.
    tie_breaking : {"first", "random"}
        Among best replies within :data:`TIE_TOL` of the payoff range (times the counts'
        total) of the best: the first action, or one drawn uniformly with ``rng``.
    rng : numpy.random.Generator or int, optional
        For ``tie_breaking="random"`` (normalised by :func:`numpy.random.default_rng`).

    Returns
    -------
    FictitiousPlayPath

    Raises
    ------
    ConfigError
        For a bad ``iterations``, ``initial`` or ``tie_breaking``.
    """
    game = _check_game(game)
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 1:
        raise ConfigError(f"iterations: expected a whole number of rounds >= 1, got {iterations!r}")
    if tie_breaking not in ("first", "random"):
        raise ConfigError(f"tie_breaking: expected 'first' or 'random', got {tie_breaking!r}")
    c0, d0 = _check_counts(game, initial)
    random = tie_breaking == "random"
    gen = np.random.default_rng(rng) if random else None
    T = int(iterations)
    A_cols = game.A.T.tolist()  # A_cols[j]: the row player's payoffs against column action j
    B_rows = game.B.tolist()    # B_rows[i]: the column player's payoffs against row action i
    u_row = (game.A @ d0).tolist()
    u_col = (game.B.T @ c0).tolist()
    step_tol = TIE_TOL * _payoff_range(game)
    total_row, total_col = float(d0.sum()), float(c0.sum())
    rows = [0] * T
    cols = [0] * T
    for k in range(T):
        i = _best(u_row, step_tol * max(1.0, total_row), random, gen)
        j = _best(u_col, step_tol * max(1.0, total_col), random, gen)
        rows[k], cols[k] = i, j
        u_row = [u + a for u, a in zip(u_row, A_cols[j], strict=True)]
        u_col = [u + b for u, b in zip(u_col, B_rows[i], strict=True)]
        total_row += 1.0
        total_col += 1.0
    actions = np.column_stack([rows, cols])
    m, n = game.shape
    counts_x = c0 + np.cumsum(np.eye(m)[actions[:, 0]], axis=0)
    counts_y = d0 + np.cumsum(np.eye(n)[actions[:, 1]], axis=0)
    return FictitiousPlayPath(
        t=np.arange(1, T + 1, dtype=float),
        x=counts_x / counts_x.sum(axis=1, keepdims=True),
        y=counts_y / counts_y.sum(axis=1, keepdims=True),
        actions=actions,
        initial=(c0, d0),
    )


# Replicator dynamics -------------------------------------------------------------------------


def _check_start(name: str, start, k: int) -> np.ndarray:
    """A starting mixed strategy: uniform by default, else a probability vector of length ``k``."""
    if start is None:
        return np.full(k, 1.0 / k)
    try:
        p = np.array(start, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected {k} probabilities, got {start!r}") from None
    if p.shape != (k,) or not np.all(np.isfinite(p)) or np.any(p < 0) or not math.isclose(p.sum(), 1.0, abs_tol=1e-9):
        raise ConfigError(f"{name}: expected {k} probabilities >= 0 summing to 1, got {start!r}")
    return p / p.sum()


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max())
    return e / e.sum()


def replicator_dynamics(
    game: Game,
    *,
    x0=None,
    y0=None,
    t_max: float = 50.0,
    points: int = 1001,
    rtol: float = 1e-10,
) -> ReplicatorPath:
    """The two-population replicator dynamics from ``(x0, y0)``.

    Solved with :func:`scipy.integrate.solve_ivp` (DOP853) in cumulative-payoff
    coordinates (module docstring) on the actions each population starts with (the
    others stay at zero).

    Parameters
    ----------
    game : Game
    x0, y0 : array_like, optional
        Starting shares of the row and column population, shapes (m,) and (n,)
        (default uniform).
    t_max : float
        Horizon, > 0, in units of ``1 / R`` (``R`` the payoff range).
    points : int
        Number of equally spaced times returned, from 0 to ``t_max`` (>= 2).
    rtol : float
        Relative tolerance of the integrator (the absolute tolerance is the same).

    Returns
    -------
    ReplicatorPath

    Raises
    ------
    ConfigError
        For a bad starting point, horizon or number of points.
    """
    from scipy.integrate import solve_ivp  # slow to import; only when integrating

    game = _check_game(game)
    m, n = game.shape
    x_start = _check_start("x0", x0, m)
    y_start = _check_start("y0", y0, n)
    if isinstance(t_max, bool) or not (isinstance(t_max, numbers.Real) and math.isfinite(t_max) and t_max > 0):
        raise ConfigError(f"t_max: expected a positive finite time, got {t_max!r}")
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise ConfigError(f"points: expected a whole number >= 2, got {points!r}")
    R = _payoff_range(game)
    rows, cols = np.flatnonzero(x_start > 0), np.flatnonzero(y_start > 0)
    A = game.A[np.ix_(rows, cols)] / R
    Bt = game.B[np.ix_(rows, cols)].T / R
    k = len(rows)

    def field(_t: float, z: np.ndarray) -> np.ndarray:
        return np.concatenate([A @ _softmax(z[k:]), Bt @ _softmax(z[:k])])

    z0 = np.concatenate([np.log(x_start[rows]), np.log(y_start[cols])])
    times = np.linspace(0.0, float(t_max), int(points))
    sol = solve_ivp(field, (0.0, float(t_max)), z0, method="DOP853", t_eval=times, rtol=rtol, atol=rtol)
    if not sol.success:  # pragma: no cover - the field is smooth and bounded
        raise ConfigError(f"replicator dynamics: the integration failed ({sol.message})")
    x = np.zeros((len(times), m))
    y = np.zeros((len(times), n))
    x[:, rows] = np.apply_along_axis(_softmax, 0, sol.y[:k]).T
    y[:, cols] = np.apply_along_axis(_softmax, 0, sol.y[k:]).T
    return ReplicatorPath(t=times, x=x, y=y)


# Does play settle? ---------------------------------------------------------------------------


def relative_regrets(game: Game, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The larger of the two players' regrets at each point of a trajectory, each as a
    share of that player's payoff range, shape (K,) for ``x`` (K, m) and ``y`` (K, n)."""
    A, B = game.A, game.B
    x = np.atleast_2d(x)
    y = np.atleast_2d(y)
    u_row = y @ A.T  # (K, m): the row player's payoff of each action
    u_col = x @ B    # (K, n)
    r_row = u_row.max(axis=1) - np.einsum("km,km->k", x, u_row)
    r_col = u_col.max(axis=1) - np.einsum("kn,kn->k", y, u_col)
    ranges = [float(np.ptp(A)) or 1.0, float(np.ptp(B)) or 1.0]
    return np.maximum(np.clip(r_row, 0, None) / ranges[0], np.clip(r_col, 0, None) / ranges[1])


def _strategies(eq) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of an :class:`negsim.equilibrium.Equilibrium` or of a pair."""
    pair = getattr(eq, "strategies", eq)
    return np.asarray(pair[0], float), np.asarray(pair[1], float)


def _envelope_slope(t: np.ndarray, r: np.ndarray) -> float:
    """Slope of log(max regret per doubling window) against log(window end)."""
    end = float(t[-1])
    ends, peaks = [], []
    for w in range(_WINDOWS):
        hi, lo = end / 2**w, end / 2 ** (w + 1)
        inside = (t > lo) & (t <= hi)
        if inside.any():
            ends.append(math.log(hi))
            peaks.append(math.log(max(float(r[inside].max()), 1e-300)))
    if len(ends) < 2:
        return math.nan
    return float(np.polyfit(ends, peaks, 1)[0])


def settles(
    game: Game,
    path: FictitiousPlayPath | ReplicatorPath,
    *,
    tol: float = 0.02,
    equilibria: Sequence | None = None,
) -> Settling:
    """Does play settle? Classify a learning trajectory.

    Rules, in order (regrets as shares of each player's payoff range; the *late part* is
    the second half of the run in time, ``t > t_end / 2``):

    1. ``converges`` if the largest regret over the late part is at most ``tol``: play
       stays an approximate equilibrium.
    2. ``rest_point`` if play has stopped moving (no probability ranges more than
       ``tol`` over the late part) while some player's regret exceeds ``tol``.
    3. ``cycles`` if the envelope of the regret (its largest value in each of the last
       four doubling windows of the run) does not fall at least like ``t ** -1/4``:
       play keeps moving without approaching equilibrium (Shapley's game; an orbit).
    4. ``unclear`` otherwise: still approaching, not yet within ``tol``.

    Parameters
    ----------
    game : Game
    path : FictitiousPlayPath or ReplicatorPath
    tol : float
        In (0, 1): regret (share of the payoff range) and probability tolerance.
    equilibria : sequence, optional
        Equilibria (:class:`negsim.equilibrium.Equilibrium`, or ``(x, y)`` pairs) to name
        the one play converges to (for example ``negsim.solve(game)``).

    Returns
    -------
    Settling
    """
    game = _check_game(game)
    if isinstance(tol, bool) or not (isinstance(tol, numbers.Real) and 0 < tol < 1):
        raise ConfigError(f"tol: expected a tolerance in (0, 1), got {tol!r}")
    t = np.asarray(path.t, float)
    r = relative_regrets(game, path.x, path.y)
    late = t > t[-1] / 2 if len(t) > 1 else np.ones(1, bool)
    late_regret = float(r[late].max())
    late_movement = float(max(np.ptp(path.x[late], axis=0).max(), np.ptp(path.y[late], axis=0).max()))
    slope = _envelope_slope(t, r)
    if late_regret <= tol:
        verdict = "converges"
    elif late_movement <= tol:
        verdict = "rest_point"
    elif not slope <= _APPROACH:  # NaN (too short a run) counts as not approaching
        verdict = "cycles"
    else:
        verdict = "unclear"
    x_end, y_end = path.final
    index: int | None = None
    nearest: int | None = None
    distance: float | None = None
    if equilibria:
        gaps = [max(float(np.abs(x_end - ex).max()), float(np.abs(y_end - ey).max()))
                for ex, ey in map(_strategies, equilibria)]
        nearest = int(np.argmin(gaps))
        distance = gaps[nearest]
        index = nearest if verdict == "converges" and distance <= tol else None
    return Settling(verdict=verdict, profile=(x_end, y_end), regret=float(r[-1]), late_regret=late_regret,
                    late_movement=late_movement, slope=slope, equilibrium=index, nearest=nearest, distance=distance,
                    tol=float(tol))


# In words ------------------------------------------------------------------------------------


def _profile_text(game: Game, x: np.ndarray, y: np.ndarray) -> str:
    """``PAK insist_written; AFG refuse 0.6, verbal_only 0.4`` (shares at least 0.05)."""
    parts = []
    for who, labels, p in ((game.players[0], game.actions[0], x), (game.players[1], game.actions[1], y)):
        order = np.argsort(-p, kind="stable")
        shown = [k for k in order if p[k] >= 0.05]
        if len(shown) == 1 and p[shown[0]] >= 0.995:
            parts.append(f"{who} {labels[shown[0]]}")
        else:
            parts.append(f"{who} " + ", ".join(f"{labels[k]} {p[k]:.2f}" for k in shown))
    return "; ".join(parts)


def _sentence(game: Game, name: str, s: Settling, horizon: str) -> str:
    where = _profile_text(game, *s.profile)
    if s.verdict == "converges":
        return (f"{name}: play settles. Over the second half of {horizon} neither side could gain more than "
                f"{100 * s.tol:g}% of its payoff range by switching: it ends at {where}, "
                "a Nash equilibrium (to within that margin).")
    if s.verdict == "cycles":
        return (f"{name}: play does not settle. It keeps circling: after {horizon} one side could still gain "
                f"{100 * s.late_regret:.0f}% of its payoff range by switching, and that gap is not shrinking "
                f"(last position: {where}).")
    if s.verdict == "rest_point":
        return (f"{name}: play comes to a stop that is not an equilibrium ({where}): a side could gain "
                f"{100 * s.regret:.0f}% of its payoff range by switching, but the dynamics never try it "
                "(an action absent from the start stays absent).")
    return (f"{name}: play is still moving towards an equilibrium after {horizon} (a side could still gain "
            f"{100 * s.late_regret:.0f}% of its payoff range by switching; last position: {where}); "
            "longer play would tell.")


def off_centre(k: int) -> np.ndarray:
    """A start away from the centre of the simplex: shares proportional to ``1, 2, ..., k``.

    :func:`learning_report` starts the replicator dynamics here, not at uniform play,
    which is itself the equilibrium of matching pennies and of Shapley's game (play
    would stay there, or leave it only by rounding error).
    """
    p = np.arange(1.0, k + 1.0)
    return p / p.sum()


def learning_report(game: Game, *, equilibria: Sequence | None = None, iterations: int = 10_000,
                    t_max: float = 200.0, tol: float = 0.02) -> str:
    """Does play settle here? Plain-language text for a seminar (``negsim-explain``).

    Runs fictitious play (from no observations, ties to the first action) for
    ``iterations`` rounds and the replicator dynamics from :func:`off_centre` shares up
    to ``t_max``, and says for each whether play settles (:func:`settles`), where, and
    what that means.

    Parameters
    ----------
    game : Game
    equilibria : sequence, optional
        The game's equilibria (``negsim.solve(game)``): with them the text says whether
        both dynamics end at the same one.
    iterations : int
        Rounds of fictitious play.
    t_max : float
        Horizon of the replicator dynamics (units of ``1 / R``).
    tol : float
        As for :func:`settles`.

    Returns
    -------
    str
        A few paragraphs, lines of at most 100 characters.
    """
    import textwrap

    game = _check_game(game)
    m, n = game.shape
    fp = settles(game, fictitious_play(game, iterations=iterations), tol=tol, equilibria=equilibria)
    rd = settles(game, replicator_dynamics(game, x0=off_centre(m), y0=off_centre(n), t_max=t_max), tol=tol,
                 equilibria=equilibria)
    paragraphs = [
        "Does play settle here? Two ways delegations could learn by repetition instead of "
        "computing an equilibrium:",
        "Fictitious play: each round, each side picks its best reply to how often the other side "
        "chose each action so far. " + _sentence(game, "Result", fp, f"{iterations:,} rounds"),
        "Replicator dynamics: in a large pool of negotiators on each side, actions that do better "
        "than the side's average spread, those that do worse die out. "
        + _sentence(game, "Result", rd, "the run"),
    ]
    if fp.verdict == "converges" and rd.verdict == "converges":
        if fp.nearest is not None:  # the equilibria are known: the nearest one to each end
            same = fp.nearest == rd.nearest
        else:  # each side's most played action
            same = all(int(np.argmax(a)) == int(np.argmax(b)) for a, b in zip(fp.profile, rd.profile, strict=True))
        paragraphs.append("Both ways of learning lead to the same equilibrium." if same else
                          "The two ways of learning end in different places: where play ends depends on how "
                          "the sides learn.")
    elif "cycles" in (fp.verdict, rd.verdict):
        paragraphs.append("Where play cycles, an equilibrium is a poor forecast of what repeated rounds look "
                          "like: expect positions to keep shifting.")
    return "\n\n".join(textwrap.fill(p, 100) for p in paragraphs)
