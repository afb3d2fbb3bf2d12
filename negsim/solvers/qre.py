"""Logit quantal response equilibrium (QRE) of bimatrix games and its principal branch.

In the logit QRE at precision ``lambda >= 0`` (McKelvey & Palfrey 1995, "Quantal response
equilibria for normal form games", Games and Economic Behavior 10: 6-38) each player
plays a softmax response to the other's mixed strategy::

    x = softmax(lambda * A y)        y = softmax(lambda * B^T x)

``lambda`` is in 1/payoff units: ``lambda = 0`` is uniform play, ``lambda -> inf`` full
rationality. For generic games the QRE correspondence contains a unique smooth curve,
the *principal branch*, from the centroid at ``lambda = 0`` to one Nash equilibrium as
``lambda -> inf`` (the *logit tracing* selection). The branch may bend back in
``lambda`` (turning points), so it cannot be followed by increasing ``lambda`` alone.

Algorithm (Turocy 2005, "A dynamic homotopy interpretation of the logistic quantal
response equilibrium correspondence", Games and Economic Behavior 51: 243-263; predictor-
corrector continuation as in Allgower & Georg 1990, "Numerical Continuation Methods",
ch. 2 and 6):

* Payoffs are divided by the payoff range ``R`` (largest ``max - min`` of either
  player), so the continuation runs in the dimensionless precision ``nu = lambda * R``
  and step sizes do not depend on payoff units.
* Unknowns ``z = (log x, log y, nu)`` (``m + n + 1`` of them) and ``m + n`` equations
  ``H(z) = 0``: for each player, probabilities sum to one and, for every action ``i``
  but a reference action ``r``, ``log x_i - log x_r = nu ((A y)_i - (A y)_r)`` (likewise
  for ``y``). Log-probabilities keep the curve smooth and well scaled as probabilities
  go to zero. Any ``r`` gives the same solution set; each step takes the currently most
  probable action, so ``log x_r`` stays small and the equations of the actions still in
  play are solved to full relative precision however negative the others' logs become.
* Predictor: a step of arc length ``h`` along the unit tangent (the null vector of the
  Jacobian ``H'(z)``, oriented to continue in the previous direction, initially towards
  increasing ``nu``). Corrector: Newton's method on ``H(z) = 0`` restricted to the
  hyperplane through the predicted point orthogonal to the tangent (pseudo-arclength),
  so turning points, where ``nu`` reverses, are passed like any other point.
* Step metric: lengths and angles count ``nu`` and the log-probabilities of actions
  still in play, not those of actions that have vanished (probability times
  ``max(1, nu)`` below ``1e-30``). Such a coordinate runs like ``-nu`` times a payoff
  gap (down to ``-3e4`` on the issue-35 game below) and bends with the opponent's play
  without moving any other equation; counted, it would hold the steps near ``100`` in
  ``nu`` up to ``nu = 1e5`` on games with one payoff of ``-1e4`` (400 to 600 steps
  instead of 40 to 80). Its equation is still solved to the same tolerance as the others.
* Adaptive step size: a step is rejected and halved when Newton fails to contract, and
  otherwise ``h`` is rescaled from the first corrector distance, the Newton contraction
  rate and the angle between successive tangents (Allgower & Georg, section 6.1), and
  from the largest change of a probability (at most about 0.05 per step, so the path
  is resolved for plotting), growing at most twofold per step.
* Branch jumping: the orientation ``sign det [H'(z); t]`` is constant along a smooth
  branch (Allgower & Georg, section 8.1), so a step that reverses it has left the
  principal branch, and is retried at half the length. Without the check, nashpy's
  issue-35 game ``A = B = [[-1,-1,-1],[0,0,0],[-1,-1,-1e4]]`` fails: near ``nu = 8.4``
  its principal branch bends sharply within about ``0.05`` of another branch of QREs,
  a step of length 3 lands on that one, which turns back at ``lambda = 8.71`` and never
  reaches the end, and the step budget runs out. A reversal
  that persists down to steps of ``1e-6`` is a bifurcation point of a non-generic game
  (a pitchfork of a symmetric game, say): the branch is continued straight through it,
  so a symmetric game keeps symmetric play (Gambit's ``logit_solve`` instead perturbs
  the equations and follows one of the branches that split off, or stops there).
* The path stops at the first point where ``nu`` reaches its target, located exactly
  by Newton's method with ``nu`` held fixed. A turning point inside one step whose peak
  (by cubic Hermite interpolation of ``nu`` along the step) reaches the target makes
  the step shorter, so the *first* passage is found even when the branch peaks above
  the target between two points. Newton iterations stop when every equation
  holds to ``1e-14`` relative to the size of its terms, so path points satisfy the fixed
  point to about ``1e-11`` in probability even at ``nu = 1e5``.

Default end point: ``lam_max = 1e5 / R`` (``nu = 1e5``). Since ``softmax(lambda u)``
maximises ``x . u + entropy(x) / lambda``, every QRE has regret at most
``log(k) / lambda`` for a player with ``k`` actions: at ``nu = 1e5`` below ``1.4e-5``
of the payoff range for up to four actions. An action worse by a fraction ``g`` of the
range in the limit keeps probability about ``exp(-1e5 g)``, but towards a *mixed*
equilibrium the branch converges only like ``1 / nu``, and near-ties need ``nu`` well
beyond ``1 / g``. ``nu = 1000`` is not enough: on 200 random normal 3x3 games the end
point was further than ``1e-3`` from the limit (Gambit's ``logit_solve``) in 40 games,
and in one (a payoff gap of ``5e-4 R``) it still sat between two equilibria; at
``nu = 1e5`` the largest distance was ``1.5e-4`` (``5e-4`` on 300 random normal games of
sizes 2x2 to 5x5), for about 25% more steps (the step length doubles along the nearly
straight tail, so the cost grows like ``log nu``).
Where payoffs that decide the limit differ by much less than ``1e-5 R`` (a game with one
payoff of ``-1e6`` and the rest of order 1, say), the end point at ``nu = 1e5`` is still
far from every equilibrium; follow the path further with ``qre_path(lam_max=...)``.

Where the branch cannot be followed (the step size underflows, or ``max_steps`` runs
out), :class:`QREPathError` is raised with the last point reached; its docstring gives
the fallback rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.errors import SolverError
from negsim.game import as_payoff_pair

#: Default end of the path in dimensionless precision ``lambda * payoff range``.
DEFAULT_NU_MAX = 1e5
#: Default bound on predictor-corrector steps (a 3x3 path takes about 40).
_MAX_STEPS = 10_000
#: Arc length of the first predictor step (dimensionless coordinates).
_FIRST_STEP = 0.1
#: Steps shorter than this mean the path cannot be followed.
_MIN_STEP = 1e-10
#: A step this short that still reverses the tangent's orientation crosses a bifurcation
#: point of the branch, and is accepted; longer ones are retried shorter (they jumped).
_BIFURCATION_STEP = 1e-6
#: Probability (times ``max(1, nu)``) below which an action no longer steers the step size.
_VANISHED = 1e-30
#: Largest step growth per accepted step.
_MAX_ACCEL = 2.0
#: Nominal first corrector distance, Newton contraction rate, tangent angle (radians) and
#: largest change of a probability per step (so the path is resolved for plots).
_NOMINAL_DIST = 0.1
_NOMINAL_CONTRACTION = 0.25
_NOMINAL_ANGLE = 0.1
_NOMINAL_PROB_STEP = 0.05
#: Newton iterations per corrector; tolerance on each equation relative to its terms;
#: a Newton step below ``_ROUNDING`` relative to every coordinate ends the iteration.
_MAX_NEWTON = 10
_NEWTON_TOL = 1e-14
_ROUNDING = 1e-14
#: A ``start`` path violating the fixed point by more than this (in probability) is refused.
_START_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class QREPath:
    """Points of the principal logit QRE branch, in the order the branch passes them.

    Attributes
    ----------
    lam : numpy.ndarray, shape (K,)
        Precision of each point, in 1/payoff units; starts at 0. Not monotone where the
        branch has turning points.
    x : numpy.ndarray, shape (K, m)
        Row player's mixed strategy at each point.
    y : numpy.ndarray, shape (K, n)
        Column player's mixed strategy at each point.
    """

    lam: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        for name in ("lam", "x", "y"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def final(self) -> tuple[np.ndarray, np.ndarray]:
        """The last point ``(x, y)``, shapes (m,) and (n,), at precision ``lam[-1]``."""
        return self.x[-1], self.y[-1]


class QREPathError(SolverError):
    """The principal branch could not be followed to the requested precision.

    Raised where the step size underflows (typically at a bifurcation point of a
    non-generic game that the branch cannot be continued through) or the step budget
    ``max_steps`` is exhausted. The last point reached is a logit QRE of the game, so
    each player's regret there is at most ``log(k) / lam`` for ``k`` actions.

    Fallback rule for callers that need an equilibrium: take the candidate equilibrium
    nearest (L1 over both players) to the last point ``(x, y)``, the rule
    :func:`negsim.solvers.selection.logit_selected` applies to the end of a complete
    path, and report that the branch was followed only to ``lam``.

    Attributes
    ----------
    lam : float
        Precision of the last point reached, in 1/payoff units.
    x, y : numpy.ndarray, shapes (m,) and (n,)
        The players' mixed strategies at that point.
    """

    def __init__(self, message: str, lam: float, x: np.ndarray, y: np.ndarray) -> None:
        super().__init__(message)
        self.lam = lam
        self.x = x
        self.y = y

    def __reduce__(self):
        return type(self), (str(self), self.lam, self.x, self.y)


@dataclass(frozen=True, eq=False)
class _System:
    """A game with payoffs divided by the payoff range ``scale`` (so ``nu = lambda * scale``).

    ``A`` (m, n) holds the row player's payoffs, ``Bt`` (n, m) the column player's
    payoffs transposed (both players' payoffs against the other's actions).
    """

    A: np.ndarray
    Bt: np.ndarray
    scale: float

    @property
    def m(self) -> int:
        return self.A.shape[0]

    @property
    def n(self) -> int:
        return self.A.shape[1]


def _system(A, B) -> _System:
    """Validate payoffs of shape (m, n) and scale them by their range (1 if constant)."""
    A, B = as_payoff_pair(A, B)
    spread = max(np.ptp(A), np.ptp(B))
    scale = float(spread) if spread > 0 else 1.0
    return _System(A / scale, B.T / scale, scale)


def _player_equations(
    a: np.ndarray, p: np.ndarray, nu: float, M: np.ndarray, r: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One player's equations ``log x_i - log x_r = nu ((M p)_i - (M p)_r)``, ``sum x = 1``.

    The equation of the reference action ``r`` is replaced by ``sum x = 1``.

    Parameters
    ----------
    a : numpy.ndarray, shape (k,)
        The player's log-probabilities.
    p : numpy.ndarray, shape (l,)
        The opponent's probabilities.
    nu : float
    M : numpy.ndarray, shape (k, l)
        The player's payoffs against the opponent's actions.
    r : int
        Reference action (best use: the most probable one, so ``|a_r|`` is small).

    Returns
    -------
    H : numpy.ndarray, shape (k,)
        Residuals.
    J_own, J_other, J_nu : numpy.ndarray, shapes (k, k), (k, l), (k,)
        Derivatives with respect to ``a``, the opponent's log-probabilities and ``nu``.
    size : numpy.ndarray, shape (k,)
        Magnitude of the terms of each equation (the scale of its rounding error).
    """
    D = M - M[r]
    u = D @ p
    x = np.exp(a)
    H = a - a[r] - nu * u
    H[r] = x.sum() - 1.0
    J_own = np.eye(len(a))
    J_own[:, r] -= 1.0
    J_own[r] = x
    size = 1.0 + np.abs(a) + abs(a[r]) + nu * (np.abs(D) @ p)
    size[r] = 1.0
    return H, J_own, -nu * D * p, -u, size


def _equations(z: np.ndarray, s: _System, ref: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``H(z)`` (m+n,), ``H'(z)`` (m+n, m+n+1) and equation sizes (m+n,) at ``z = (log x, log y, nu)``."""
    m = s.m
    a, b, nu = z[:m], z[m:-1], z[-1]
    Hx, Jxx, Jxy, Jxn, size_x = _player_equations(a, np.exp(b), nu, s.A, ref[0])
    Hy, Jyy, Jyx, Jyn, size_y = _player_equations(b, np.exp(a), nu, s.Bt, ref[1])
    J = np.empty((m + s.n, m + s.n + 1))
    J[:m, :m], J[:m, m:-1], J[:m, -1] = Jxx, Jxy, Jxn
    J[m:, :m], J[m:, m:-1], J[m:, -1] = Jyx, Jyy, Jyn
    return np.concatenate([Hx, Hy]), J, np.concatenate([size_x, size_y])


def _reference(z: np.ndarray, m: int) -> tuple[int, int]:
    """Each player's most probable action: the reference actions of the equations."""
    return int(np.argmax(z[:m])), int(np.argmax(z[m:-1]))


def _nu_axis(z: np.ndarray) -> np.ndarray:
    """The unit vector along ``nu`` in the space of ``z``."""
    e = np.zeros(len(z))
    e[-1] = 1.0
    return e


def _tangent(z: np.ndarray, s: _System, ref: tuple[int, int], direction: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Null vector ``t`` of ``H'(z)`` with ``t . direction > 0``, and its orientation.

    ``t`` has unit length in the step metric: over the coordinates :func:`_live` at ``z``.
    The orientation is the sign (+1 or -1) of ``det [H'(z); t]``: constant along a smooth
    branch followed in one direction, so a step that reverses it has jumped to another
    branch or crossed a bifurcation point (Allgower & Georg, section 8.1). It does not
    depend on the reference actions ``ref`` (changing them maps ``H`` by a constant
    matrix of determinant 1). With ``M = [H'(z); direction]``, ``t`` is ``M^-1 e`` scaled
    by a positive number (``e`` the last unit vector), so by Cramer's rule the determinant
    has the sign of ``det M``. Returns None where ``M`` is singular.
    """
    M = np.vstack([_equations(z, s, ref)[1], direction])
    sign = np.linalg.slogdet(M)[0]
    if sign == 0:
        return None
    t = np.linalg.solve(M, _nu_axis(z))
    norm = np.linalg.norm(t[_live(z)])
    return (t / norm, float(sign)) if np.isfinite(norm) and norm > 0 else None


def _newton(
    z: np.ndarray, s: _System, ref: tuple[int, int], c: np.ndarray, d: float
) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """Solve ``H(z) = 0, c . z = d`` by Newton's method from ``z``.

    Converged when every equation holds to ``_NEWTON_TOL`` relative to the size of its
    terms, or the Newton step is at rounding level in every coordinate. Returns the
    solution and the Newton steps taken (each of shape (m+n+1,)), or None when the
    iteration does not contract (each step at most half the previous in norm) within
    ``_MAX_NEWTON`` steps.
    """
    steps: list[np.ndarray] = []
    for _ in range(_MAX_NEWTON):
        H, J, size = _equations(z, s, ref)
        if np.all(np.abs(H) <= _NEWTON_TOL * size) and abs(c @ z - d) <= _NEWTON_TOL * (1.0 + abs(d)):
            return z, steps
        try:
            dz = np.linalg.solve(np.vstack([J, c]), -np.append(H, c @ z - d))
        except np.linalg.LinAlgError:
            return None
        z = z + dz
        steps.append(dz)
        if not np.all(np.isfinite(z)) or np.max(z[:-1]) > 1.0:
            return None
        if np.all(np.abs(dz) <= _ROUNDING * (1.0 + np.abs(z))):
            return z, steps
        if len(steps) > 1 and np.linalg.norm(dz) > 0.5 * np.linalg.norm(steps[-2]):
            return None
    return None


def _live(z: np.ndarray) -> np.ndarray:
    """Mask, shape (m+n+1,), of the coordinates of ``z`` in the step metric: ``nu`` and the
    log-probabilities of actions that have not vanished.

    An action has vanished when ``x_i max(1, nu) < _VANISHED``: it then moves neither the
    sums of probabilities nor, through terms ``nu D x_i``, the other equations, and its own
    equation is linear in ``log x_i``, so Newton's method places it whatever the step.
    That coordinate runs like ``-nu`` times a payoff gap and bends with the opponent's
    play: measuring arc length with it would cut the steps for nothing (its equation is
    still solved to the same tolerance as the others). The most probable action of each
    player is always in the metric.
    """
    return np.append(z[:-1] + np.log(max(1.0, z[-1])) >= np.log(_VANISHED), True)


def _angle(t0: np.ndarray, t1: np.ndarray) -> float:
    """Angle in radians between two nonzero vectors of the same shape."""
    return float(np.arccos(np.clip(t0 @ t1 / (np.linalg.norm(t0) * np.linalg.norm(t1)), -1.0, 1.0)))


def _step_factor(norms: list[float], angle: float, prob_step: float) -> float:
    """Allgower-Georg deceleration factor: > 1 shrinks the next step, < 1 grows it.

    From the first corrector distance and the Newton contraction rate (``norms``), the
    angle between successive tangents and the largest change of a probability.
    """
    dist = norms[0] if norms else 0.0
    contraction = norms[1] / norms[0] if len(norms) > 1 and norms[0] > 0 else 0.0
    return max(
        np.sqrt(dist / _NOMINAL_DIST),
        np.sqrt(contraction / _NOMINAL_CONTRACTION),
        angle / _NOMINAL_ANGLE,
        prob_step / _NOMINAL_PROB_STEP,
        1.0 / _MAX_ACCEL,
    )


def _peak_nu(nu0: float, nu1: float, slope0: float, slope1: float, length: float) -> float:
    """Largest ``nu`` on a step by cubic Hermite interpolation of its end values and slopes.

    ``slope0``, ``slope1`` are ``d nu / d arclength`` at the ends, ``length`` the step's
    arc length.
    """
    s = np.linspace(0.0, 1.0, 33)
    nu = (
        (2 * s**3 - 3 * s**2 + 1) * nu0
        + (s**3 - 2 * s**2 + s) * length * slope0
        + (3 * s**2 - 2 * s**3) * nu1
        + (s**3 - s**2) * length * slope1
    )
    return float(nu.max())


def _peaks_inside(z0: np.ndarray, z1: np.ndarray, t0: np.ndarray, t1: np.ndarray, nu_end: float) -> bool:
    """Whether the step from ``z0`` to ``z1`` (tangents ``t0``, ``t1``) turns back in ``nu``
    after reaching ``nu_end`` although both ends lie below it (lengths in the step metric)."""
    if not (t0[-1] > 0 > t1[-1] and z1[-1] < nu_end):
        return False
    length = float(np.linalg.norm((z1 - z0)[_live(z0)]))
    return _peak_nu(z0[-1], z1[-1], t0[-1], t1[-1], length) >= nu_end


def _land(z0: np.ndarray, z1: np.ndarray, s: _System, nu: float) -> np.ndarray | None:
    """The point with precision ``nu`` between path points ``z0`` and ``z1`` (``nu0 < nu <= nu1``)."""
    w = (nu - z0[-1]) / (z1[-1] - z0[-1])
    guess = z0 + w * (z1 - z0)
    guess[-1] = nu
    solved = _newton(guess, s, _reference(z0, s.m), _nu_axis(z0), nu)
    if solved is None or np.linalg.norm(solved[0] - guess) > np.linalg.norm(z1 - z0):
        return None
    return solved[0]


def _corrector_step(
    s: _System, z: np.ndarray, t: np.ndarray, orient: float, h: float
) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """One predictor-corrector step of arc length ``h`` from the path point ``z``.

    ``t`` is the unit tangent at ``z`` and ``orient`` its orientation (see
    :func:`_tangent`). Lengths, the corrector's hyperplane (through the predicted point,
    orthogonal to ``t``) and the step-size criteria use the step metric, which leaves out
    the coordinates of vanished actions (:func:`_live`).

    Returns the new point, its tangent and orientation, and the step-size factor of
    :func:`_step_factor`; or None when the step must be retried shorter: Newton fails to
    contract, the tangent is singular, or the orientation reverses although the step is
    longer than ``_BIFURCATION_STEP`` (the corrector landed on another branch passing
    close by; a shorter step follows the principal branch round its bend).
    """
    live = _live(z)
    normal = np.where(live, t, 0.0)
    predicted = z + h * t
    ref = _reference(z, s.m)
    corrected = _newton(predicted, s, ref, normal, float(normal @ predicted))
    if corrected is None:
        return None
    z_new, newton_steps = corrected
    found = _tangent(z_new, s, ref, normal)
    if found is None or (found[1] != orient and h > _BIFURCATION_STEP):
        return None
    t_new, orient_new = found
    norms = [float(np.linalg.norm(dz[live])) for dz in newton_steps]
    prob_step = float(np.max(np.abs(np.exp(z_new[:-1]) - np.exp(z[:-1]))))
    return z_new, t_new, orient_new, _step_factor(norms, _angle(t[live], t_new[live]), prob_step)


def _path_error(s: _System, z: np.ndarray, reason: str) -> QREPathError:
    """A :class:`QREPathError` for a path stopped at ``z`` (shape (m+n+1,)), ``reason`` saying why."""
    lam = float(z[-1] / s.scale)
    x, y = _to_path([z], s).final
    return QREPathError(f"logit QRE path cannot be followed past lambda={lam:.6g} ({reason})", lam, x, y)


def _trace(
    s: _System, z: np.ndarray, direction: np.ndarray, h: float, nu_end: float, max_steps: int
) -> list[np.ndarray]:
    """Follow the branch from the solution ``z`` until ``nu`` first reaches ``nu_end``.

    Parameters
    ----------
    s : _System
    z : numpy.ndarray, shape (m+n+1,)
        A solution of ``H(z) = 0`` with ``nu < nu_end``.
    direction : numpy.ndarray, shape (m+n+1,)
        The tangent is oriented to have a positive component along it.
    h : float
        First step length.
    nu_end : float
    max_steps : int
        Bound on predictor-corrector steps, accepted or rejected.

    Returns
    -------
    list of numpy.ndarray, shape (m+n+1,)
        The points after ``z``, the last at ``nu = nu_end``.

    Raises
    ------
    QREPathError
        If the Jacobian is singular at ``z``, the step size underflows or ``max_steps``
        is exhausted; it holds the last point reached.
    """
    found = _tangent(z, s, _reference(z, s.m), direction)
    if found is None:
        raise _path_error(s, z, "singular Jacobian")
    t, orient = found
    points: list[np.ndarray] = []
    for _ in range(max_steps):
        if h < _MIN_STEP:
            raise _path_error(s, z, f"step size below {_MIN_STEP:g}; the branch may bifurcate there")
        step = _corrector_step(s, z, t, orient, h)
        if step is None:
            h *= 0.5
            continue
        z_new, t_new, orient_new, factor = step
        if factor > _MAX_ACCEL or _peaks_inside(z, z_new, t, t_new, nu_end):
            h *= 0.5
            continue
        if z_new[-1] >= nu_end:
            landed = _land(z, z_new, s, nu_end)
            if landed is None:
                h *= 0.5
                continue
            points.append(landed)
            return points
        points.append(z_new)
        z, t, orient, h = z_new, t_new, orient_new, h / factor
    raise _path_error(s, z, f"lambda={nu_end / s.scale:.6g} not reached within max_steps={max_steps} steps")


def _centroid(s: _System) -> np.ndarray:
    """Uniform play at ``nu = 0``, the start of the branch, as ``z`` of shape (m+n+1,)."""
    return np.concatenate([np.full(s.m, -np.log(s.m)), np.full(s.n, -np.log(s.n)), [0.0]])


def softmax(z: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``exp(z) / sum(exp(z))`` along ``axis`` (None: the whole array), shifted by the
    maximum against overflow: the operations of ``scipy.special.softmax``, so the same
    numbers, without importing ``scipy.special`` (0.4 s of CPU) on every solve's path."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _to_path(points: list[np.ndarray], s: _System) -> QREPath:
    """Points ``z`` as a :class:`QREPath` in the game's payoff units (``lam = nu / R``)."""
    Z = np.array(points)
    return QREPath(Z[:, -1] / s.scale, softmax(Z[:, : s.m], axis=1), softmax(Z[:, s.m : -1], axis=1))


def _from_path(path: QREPath, s: _System) -> np.ndarray:
    """Path points as ``z`` coordinates, shape (K, m+n+1); underflowed logs are clipped."""
    tiny = np.finfo(float).tiny
    logs = [np.log(np.maximum(p, tiny)) for p in (path.x, path.y)]
    return np.hstack([*logs, path.lam[:, None] * s.scale])


def _fixed_point_residual(s: _System, path: QREPath) -> float:
    """Largest violation of ``x = softmax(lam A y)``, ``y = softmax(lam B^T x)`` on a path."""
    nu = path.lam[:, None] * s.scale
    x_fit = softmax(nu * (path.y @ s.A.T), axis=1)
    y_fit = softmax(nu * (path.x @ s.Bt.T), axis=1)
    return float(max(np.max(np.abs(path.x - x_fit)), np.max(np.abs(path.y - y_fit))))


def _check_max_steps(max_steps: int) -> None:
    if not (isinstance(max_steps, (int, np.integer)) and max_steps >= 1):
        raise SolverError(f"max_steps must be a positive integer, got {max_steps!r}")


def _check_lambda(name: str, lam: float) -> float:
    lam = float(lam)
    if not (np.isfinite(lam) and lam >= 0):
        raise SolverError(f"{name} must be a finite number >= 0, got {lam!r}")
    return lam


def qre_path(A, B, *, lam_max: float | None = None, max_steps: int = _MAX_STEPS) -> QREPath:
    """Follow the principal logit QRE branch from uniform play at ``lambda = 0``.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    lam_max : float, optional
        Precision (1/payoff units) where the path stops: at the first point of the branch
        with ``lambda = lam_max``. Default ``1e5 / R`` with ``R`` the payoff range (the
        larger ``max - min`` of ``A`` and ``B``; 1 for a constant game), see the module
        docstring.
    max_steps : int
        Bound on predictor-corrector steps (accepted or rejected).

    Returns
    -------
    QREPath
        ``K`` points with ``lam`` (K,), ``x`` (K, m), ``y`` (K, n), from ``lam = 0`` to
        ``lam = lam_max``.

    Raises
    ------
    SolverError
        If ``lam_max`` is not positive and finite or ``max_steps`` not a positive integer.
    QREPathError
        If the branch cannot be followed (step size underflow, or ``max_steps``
        exhausted); it holds the last point reached.
    """
    _check_max_steps(max_steps)
    s = _system(A, B)
    nu_end = DEFAULT_NU_MAX if lam_max is None else _check_lambda("lam_max", lam_max) * s.scale
    if nu_end <= 0:
        raise SolverError("lam_max must be > 0")
    z0 = _centroid(s)
    return _to_path([z0, *_trace(s, z0, _nu_axis(z0), _FIRST_STEP, nu_end, max_steps)], s)


def _resume_index(lam: np.ndarray, target: float) -> int:
    """Index of the path point to continue from towards ``target``.

    The last point before ``lam`` first reaches ``target`` or before the first turning
    point, whichever comes first: the branch may peak above ``target`` between the
    sampled points around a turning point, so it is followed again from there.
    """
    stop = np.flatnonzero((lam >= target) | np.append(np.diff(lam) < 0, False))
    return int(stop[0]) - 1 if len(stop) else len(lam) - 1


def _resume(s: _System, path: QREPath, nu: float, max_steps: int) -> np.ndarray:
    """Continue a given path of the game from its last point before ``nu``; the point at ``nu``."""
    if path.x.shape[1:] != (s.m,) or path.y.shape[1:] != (s.n,) or len(path.lam) < 2:
        raise SolverError(f"start path has the wrong shape for a {s.m}x{s.n} game")
    if _fixed_point_residual(s, path) > _START_TOL:
        raise SolverError("start is not a logit QRE path of this game (fixed point violated)")
    k = _resume_index(path.lam * s.scale, nu)
    Z = _from_path(path, s)
    nxt = min(k + 1, len(Z) - 1)
    secant = Z[nxt] - Z[nxt - 1]
    h = float(np.linalg.norm(secant[_live(Z[k])]))
    # Refine the point (its stored probabilities may have underflowed) across the branch.
    solved = _newton(Z[k], s, _reference(Z[k], s.m), secant / h, float(secant @ Z[k]) / h)
    if solved is None:
        raise SolverError("start path point cannot be refined on the logit QRE branch of this game")
    return _trace(s, solved[0], secant, h, nu, max_steps)[-1]


def qre_at(A, B, lam: float, *, start: QREPath | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The logit QRE on the principal branch at precision ``lam``.

    Where the branch passes ``lam`` several times (between turning points) this is the
    *first* passage, the point reached by following the branch from ``lambda = 0``.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    lam : float
        Precision, >= 0, in 1/payoff units.
    start : QREPath, optional
        A path of the same game from :func:`qre_path`, reused to avoid following the
        branch from ``lambda = 0`` again: continuation restarts from its last point
        before ``lam`` is first reached or before its first turning point, whichever comes
        first (from its end if neither occurs).

    Returns
    -------
    (x, y) : tuple of numpy.ndarray, shapes (m,) and (n,)

    Raises
    ------
    SolverError
        If ``lam`` is negative or not finite, or ``start`` does not belong to this game.
    QREPathError
        If the branch cannot be followed; it holds the last point reached.
    """
    lam = _check_lambda("lam", lam)
    s = _system(A, B)
    nu = lam * s.scale
    if nu == 0:
        x, y = _to_path([_centroid(s)], s).final
        return x.copy(), y.copy()
    if start is None:
        z0 = _centroid(s)
        z = _trace(s, z0, _nu_axis(z0), _FIRST_STEP, nu, _MAX_STEPS)[-1]
    else:
        z = _resume(s, start, nu, _MAX_STEPS)
    x, y = _to_path([z], s).final
    return x.copy(), y.copy()


def logit_limit(A, B) -> tuple[np.ndarray, np.ndarray]:
    """End of the principal logit QRE branch at the default ``lam_max`` (``1e5 / R``).

    An approximation of the Nash equilibrium the branch converges to (the logit tracing
    selection): each player's regret is at most ``log(k) / 1e5`` of the payoff range
    for ``k`` actions.

    Parameters
    ----------
    A, B : array_like, shape (m, n)

    Returns
    -------
    (x, y) : tuple of numpy.ndarray, shapes (m,) and (n,)

    Raises
    ------
    QREPathError
        If the branch cannot be followed; see its fallback rule.
    """
    x, y = qre_path(A, B).final
    return x.copy(), y.copy()
