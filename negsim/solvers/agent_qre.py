"""Logit agent quantal response equilibrium of a two-player extensive game (McKelvey &
Palfrey 1998).

Each information set is an agent that plays a logit response to the expected payoffs of
its actions, given Bayes beliefs at the set and the continuation play of everyone else.
Payoffs are divided by each player's payoff range over the leaves, so the precision
``lam`` is unit-free per player; the principal branch is followed from uniform play at
``lam = 0``. Cross-checked against Gambit's behaviour-strategy logit QRE in the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from negsim.errors import SolverError
from negsim.games.extensive import ExtensiveGame, Profile, node_values, outcome_probabilities

#: Steps of the precision along the principal branch, and the fixed-point tolerance.
QRE_STEP = 0.5
QRE_TOL = 1e-10
QRE_MAX_ITER = 5_000
#: Newton iterations per step, and the forward-difference step (log-odds) of its Jacobian.
_NEWTON_ITER = 30
_FD_STEP = 1e-7


@dataclass(frozen=True, eq=False)
class AgentQRE:
    """A logit agent quantal response equilibrium of an extensive game.

    Attributes
    ----------
    lam : float
        Precision, per unit of each player's payoff range over the leaves (dimensionless).
    scale : numpy.ndarray, shape (2,)
        Each player's payoff range over the leaves (payoff units) that payoffs are divided by.
    behavior : tuple of tuple of numpy.ndarray
        ``behavior[p][h]``: probabilities of player ``p``'s actions at information set ``h``
        (all positive for finite ``lam``).
    values : tuple of tuple of numpy.ndarray
        ``values[p][h][a]``: expected payoff (payoff units) of action ``a`` at ``h`` given
        the Bayes beliefs and the continuation play of ``behavior``.
    outcomes : dict of str to float
        Probability of each terminal label.
    residual : float
        Largest ``|behavior - logit response to behavior|`` (probability units).
    """

    lam: float
    scale: np.ndarray
    behavior: Profile
    values: tuple
    outcomes: dict[str, float]
    residual: float


def payoff_scale(game: ExtensiveGame) -> np.ndarray:
    """Range (max - min) of each player's payoffs over the leaves, shape (2,); 1 where constant."""
    U = game.terminal_payoffs
    spread = U.max(axis=0) - U.min(axis=0)
    return np.where(spread > 0, spread, 1.0)


def action_values(game: ExtensiveGame, profile) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Each agent's expected payoff of each of its actions (payoff units).

    At information set ``h`` of player ``p`` the belief over its nodes is proportional to
    the probability that chance and the opponent reach each (Bayes' rule; with perfect
    recall the player's own earlier moves are common to all nodes), uniform if none is
    reachable; an action's value is the belief-weighted value of the children it leads to
    under ``profile``. Returns ``values[p][h]`` of shape (actions at ``h``,).
    """
    V = node_values(game, profile)
    plans = [_plan(game, p, profile[p]) for p in (0, 1)]
    out = []
    for p in (0, 1):
        other = game.chance_reach * plans[1 - p][game.node_sequence[1 - p]]
        vals = []
        for info, kids in zip(game.infosets[p], _children(game)[p], strict=True):
            w = other[info.nodes]
            mass = w.sum()
            belief = w / mass if mass > 0 else np.full(len(w), 1.0 / len(w))
            vals.append(belief @ V[kids, p])
        out.append(tuple(vals))
    return out[0], out[1]


@lru_cache(maxsize=64)
def _children(game: ExtensiveGame) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Children of the nodes of each information set, shape (nodes, actions) per set (cached per game)."""
    kids = [tuple(np.array([game.children[n] for n in info.nodes]) for info in game.infosets[p]) for p in (0, 1)]
    return kids[0], kids[1]


def _plan(game: ExtensiveGame, p: int, behavior) -> np.ndarray:
    """Realization plan of a behaviour strategy known to be valid, shape (n_sequences[p],)."""
    r = np.ones(game.n_sequences[p])
    for info, b in zip(game.infosets[p], behavior, strict=True):  # parents come first
        r[info.sequences] = r[info.parent_sequence] * b
    return r


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def logit_response(game: ExtensiveGame, profile, lam: float, scale: np.ndarray) -> Profile:
    """Each agent's logit response ``softmax(lam * values / scale[p])`` to ``profile``."""
    vals = action_values(game, profile)
    resp = [tuple(_softmax(lam * v / scale[p]) for v in vals[p]) for p in (0, 1)]
    return resp[0], resp[1]


def _distance(a, b) -> float:
    return max(float(np.max(np.abs(x - y))) for p in (0, 1) for x, y in zip(a[p], b[p], strict=True))


def _to_logits(game: ExtensiveGame, profile) -> np.ndarray:
    """A positive behaviour profile as log-odds against each set's first action, flat (actions - 1 per set)."""
    tiny = np.finfo(float).tiny
    logs = [np.log(np.maximum(b, tiny)) for p in (0, 1) for b in profile[p]]
    return np.concatenate([np.zeros(0), *(x[1:] - x[0] for x in logs)])


def _to_profile(game: ExtensiveGame, d: np.ndarray) -> Profile:
    """The inverse of :func:`_to_logits`."""
    out, k = [], 0
    for p in (0, 1):
        beh = []
        for info in game.infosets[p]:
            n = len(info.actions) - 1
            beh.append(_softmax(np.r_[0.0, d[k:k + n]]))
            k += n
        out.append(tuple(beh))
    return out[0], out[1]


def _equations(game: ExtensiveGame, d: np.ndarray, lam: float, scale: np.ndarray) -> np.ndarray:
    """Logit equilibrium conditions in log-odds: ``d - lam * (v[1:] - v[0]) / scale[p]`` per set, flat."""
    vals = action_values(game, _to_profile(game, d))
    return d - np.concatenate([np.zeros(0), *(lam * (v[1:] - v[0]) / scale[p] for p in (0, 1) for v in vals[p])])


def _jacobian(game: ExtensiveGame, d: np.ndarray, F: np.ndarray, lam: float, scale: np.ndarray) -> np.ndarray:
    """Forward-difference Jacobian of :func:`_equations` at ``d`` (where they take the value ``F``)."""
    J = np.empty((len(d), len(d)))
    for j in range(len(d)):
        e = np.zeros(len(d))
        e[j] = _FD_STEP
        J[:, j] = (_equations(game, d + e, lam, scale) - F) / _FD_STEP
    return J


def _newton(game: ExtensiveGame, d: np.ndarray, lam: float, scale: np.ndarray, tol: float) -> np.ndarray | None:
    """Newton's method on :func:`_equations`, keeping the Jacobian while the residual at least halves
    (``None`` if it does not converge)."""
    F = _equations(game, d, lam, scale)
    norm = first = float(np.max(np.abs(F)))
    J = None
    for _ in range(_NEWTON_ITER):
        if norm < tol:
            return d
        if J is None:
            J = _jacobian(game, d, F, lam, scale)
        try:
            d = d + np.linalg.solve(J, -F)
        except np.linalg.LinAlgError:
            return None
        F = _equations(game, d, lam, scale)
        new = float(np.max(np.abs(F)))
        if not math.isfinite(new) or new > 10 * max(first, tol):
            return None
        if new > norm / 2:
            J = None
        norm = new
    return None


def _iterate(game: ExtensiveGame, start, lam: float, scale: np.ndarray, tol: float, max_iter: int) -> Profile:
    """The AQRE at ``lam`` by damped iteration of the logit response from ``start`` (the step halves when the
    change grows)."""
    profile, alpha, last = start, 1.0, math.inf
    for _ in range(max_iter):
        resp = logit_response(game, profile, lam, scale)
        change = _distance(resp, profile)
        if change < tol:
            return resp
        if change > last:
            alpha = max(alpha / 2, 1 / 64)
        last = change
        profile = tuple(
            tuple((1 - alpha) * x + alpha * y for x, y in zip(profile[p], resp[p], strict=True)) for p in (0, 1)
        )
    raise SolverError(f"agent QRE of '{game.title}' did not converge at lambda={lam:g} in {max_iter} iterations")


def _fixed_point(game: ExtensiveGame, guess: np.ndarray, last: np.ndarray, lam: float, scale: np.ndarray,
                 tol: float, max_iter: int) -> np.ndarray:
    """The AQRE at ``lam`` in log-odds: Newton from ``guess``, then from ``last``, else damped iteration."""
    for start in (guess, last):
        found = _newton(game, start, lam, scale, tol)
        if found is not None:
            return found
    return _to_logits(game, _iterate(game, _to_profile(game, last), lam, scale, tol, max_iter))


def _check_lambda(lam: float) -> float:
    lam = float(lam)
    if not (math.isfinite(lam) and lam >= 0):
        raise SolverError(f"agent QRE: lambda must be a finite number >= 0, got {lam!r}")
    return lam


def agent_qre_path(game: ExtensiveGame, lams, *, step: float = QRE_STEP, tol: float = QRE_TOL,
                   max_iter: int = QRE_MAX_ITER) -> list[AgentQRE]:
    """The logit agent QRE of ``game`` at each precision of ``lams``, along the principal branch.

    Parameters
    ----------
    game : ExtensiveGame
    lams : sequence of float
        Precisions >= 0, per unit of each player's payoff range over the leaves (each
        player's payoffs are divided by :func:`payoff_scale`): ``lam = 0`` is uniform play.
    step : float
        The branch is followed from ``lam = 0`` in steps of at most this much; each fixed
        point is solved by Newton's method in log-odds from a linear extrapolation of the
        last two, or, failing that, by damped iteration of the logit response.
    tol : float
        Tolerance of the fixed point: on the equilibrium conditions in log-odds (Newton),
        or on the largest change of a probability (iteration).
    max_iter : int
        Damped iterations allowed per step.

    Returns
    -------
    list of AgentQRE
        One per entry of ``lams``, in the given order.

    Raises
    ------
    SolverError
        If some ``lam`` is negative or not finite, or a fixed point is not reached.
    """
    targets = [_check_lambda(lam) for lam in lams]
    scale = payoff_scale(game)
    scale.setflags(write=False)
    previous = current = np.zeros(sum(len(i.actions) - 1 for p in (0, 1) for i in game.infosets[p]))
    level, found = 0.0, {0.0: current}
    for target in sorted(set(targets)):
        for nxt in np.linspace(level, target, max(1, math.ceil((target - level) / step)) + 1)[1:]:
            guess = 2 * current - previous  # linear predictor along the branch
            previous, current = current, _fixed_point(game, guess, current, float(nxt), scale, tol, max_iter)
        level, found[target] = target, current
    out = []
    for lam in targets:
        frozen = tuple(tuple(_readonly(b) for b in _to_profile(game, found[lam])[p]) for p in (0, 1))
        behavior: Profile = (frozen[0], frozen[1])
        residual = _distance(logit_response(game, behavior, lam, scale), behavior)
        out.append(AgentQRE(lam, scale, behavior, action_values(game, behavior),
                            outcome_probabilities(game, behavior), residual))
    return out


def agent_qre(game: ExtensiveGame, lam: float, *, step: float = QRE_STEP, tol: float = QRE_TOL,
              max_iter: int = QRE_MAX_ITER) -> AgentQRE:
    """The logit agent QRE of ``game`` at precision ``lam`` on the principal branch.

    See :func:`agent_qre_path` (``lam`` per unit of each player's payoff range over the
    leaves; 0 is uniform play).
    """
    [qre] = agent_qre_path(game, [lam], step=step, tol=tol, max_iter=max_iter)
    return qre


def _readonly(a) -> np.ndarray:
    arr = np.array(a, dtype=float)
    arr.setflags(write=False)
    return arr
