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
  but the first, ``log x_i - log x_0 = nu ((A y)_i - (A y)_0)`` (likewise for ``y``).
  Log-probabilities keep the curve smooth and well scaled as probabilities go to zero.
* Predictor: a step of arc length ``h`` along the unit tangent (the null vector of the
  Jacobian ``H'(z)``, oriented to continue in the previous direction, initially towards
  increasing ``nu``). Corrector: Newton's method on ``H(z) = 0`` restricted to the
  hyperplane through the predicted point orthogonal to the tangent (pseudo-arclength),
  so turning points, where ``nu`` reverses, are passed like any other point.
* Adaptive step size: a step is rejected and halved when Newton fails to contract, and
  otherwise ``h`` is rescaled from the first corrector distance, the Newton contraction
  rate and the angle between successive tangents (Allgower & Georg, section 6.1),
  growing at most twofold per step.
* The path stops at the first point where ``nu`` reaches its target, located exactly
  by Newton's method with ``nu`` held fixed.

Default end point: ``lam_max = 1000 / R`` (``nu = 1000``). Since ``softmax(lambda u)``
maximises ``x . u + entropy(x) / lambda``, every QRE has regret at most
``log(k) / lambda`` for a player with ``k`` actions, so at ``nu = 1000`` each regret is
below 0.14% of the payoff range for up to four actions, and an action that is worse by
a fraction ``g`` of the range in the limit has probability about ``exp(-1000 g)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from negsim.errors import SolverError
from negsim.game import as_payoff_pair

#: Default end of the path in dimensionless precision ``lambda * payoff range``.
DEFAULT_NU_MAX = 1e5
#: Arc length of the first predictor step (dimensionless coordinates).
_FIRST_STEP = 0.1
#: Steps shorter than this mean the path cannot be followed.
_MIN_STEP = 1e-10
#: Largest step growth per accepted step.
_MAX_ACCEL = 2.0
#: Nominal first corrector distance, Newton contraction rate and tangent angle (radians).
_NOMINAL_DIST = 0.1
_NOMINAL_CONTRACTION = 0.25
_NOMINAL_ANGLE = 0.1
#: Newton iterations per corrector; tolerance on each equation relative to its terms;
#: a Newton step below ``_ROUNDING`` relative to every coordinate ends the iteration.
_MAX_NEWTON = 10
_NEWTON_TOL = 1e-14
_ROUNDING = 1e-14
#: A ``start`` path whose last point violates the fixed point by more than this is refused.
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
    A, B = as_payoff_pair(A, B)
    spread = max(np.ptp(A), np.ptp(B))
    scale = float(spread) if spread > 0 else 1.0
    return _System(A / scale, B.T / scale, scale)


def _player_equations(a: np.ndarray, p: np.ndarray, nu: float, M: np.ndarray, r: int):
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


def _equations(z: np.ndarray, s: _System, ref: tuple[int, int]):
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


def _tangent(z: np.ndarray, s: _System, ref: tuple[int, int], direction: np.ndarray) -> np.ndarray | None:
    """Unit null vector of ``H'(z)`` with positive component along ``direction``.

    Returns None where ``H'(z)`` together with ``direction`` is singular.
    """
    M = np.vstack([_equations(z, s, ref)[1], direction])
    rhs = np.zeros(len(z))
    rhs[-1] = 1.0
    try:
        t = np.linalg.solve(M, rhs)
    except np.linalg.LinAlgError:
        return None
    norm = np.linalg.norm(t)
    return t / norm if np.isfinite(norm) and norm > 0 else None


def _newton(
    z: np.ndarray, s: _System, ref: tuple[int, int], c: np.ndarray, d: float
) -> tuple[np.ndarray, list[float]] | None:
    """Solve ``H(z) = 0, c . z = d`` by Newton's method from ``z``.

    Converged when every equation holds to ``_NEWTON_TOL`` relative to the size of its
    terms, or the Newton step is at rounding level in every coordinate. Returns the
    solution and the norms of the Newton steps taken, or None when the iteration does not
    contract (each step at most half the previous) within ``_MAX_NEWTON`` steps.
    """
    norms: list[float] = []
    for _ in range(_MAX_NEWTON):
        H, J, size = _equations(z, s, ref)
        if np.all(np.abs(H) <= _NEWTON_TOL * size) and abs(c @ z - d) <= _NEWTON_TOL * (1.0 + abs(d)):
            return z, norms
        try:
            dz = np.linalg.solve(np.vstack([J, c]), -np.append(H, c @ z - d))
        except np.linalg.LinAlgError:
            return None
        z = z + dz
        norms.append(float(np.linalg.norm(dz)))
        if not np.all(np.isfinite(z)) or np.max(z[:-1]) > 1.0:
            return None
        if np.all(np.abs(dz) <= _ROUNDING * (1.0 + np.abs(z))):
            return z, norms
        if len(norms) > 1 and norms[-1] > 0.5 * norms[-2]:
            return None
    return None


def _step_factor(norms: list[float], angle: float) -> float:
    """Allgower-Georg deceleration factor: > 1 shrinks the next step, < 1 grows it."""
    dist = norms[0] if norms else 0.0
    contraction = norms[1] / norms[0] if len(norms) > 1 and norms[0] > 0 else 0.0
    return max(
        np.sqrt(dist / _NOMINAL_DIST),
        np.sqrt(contraction / _NOMINAL_CONTRACTION),
        angle / _NOMINAL_ANGLE,
        1.0 / _MAX_ACCEL,
    )


def _land(z0: np.ndarray, z1: np.ndarray, s: _System, nu: float) -> np.ndarray | None:
    """The point with precision ``nu`` between path points ``z0`` and ``z1`` (``nu0 < nu <= nu1``)."""
    w = (nu - z0[-1]) / (z1[-1] - z0[-1])
    guess = z0 + w * (z1 - z0)
    guess[-1] = nu
    c = np.zeros(len(z0))
    c[-1] = 1.0
    solved = _newton(guess, s, _reference(z0, s.m), c, nu)
    if solved is None or np.linalg.norm(solved[0] - guess) > np.linalg.norm(z1 - z0):
        return None
    return solved[0]


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
    SolverError
        If the step size underflows or ``max_steps`` is exhausted.
    """
    t = _tangent(z, s, _reference(z, s.m), direction)
    if t is None:
        raise SolverError(f"logit QRE path: singular Jacobian at lambda={z[-1] / s.scale:.6g}")
    points: list[np.ndarray] = []
    for _ in range(max_steps):
        if h < _MIN_STEP:
            raise SolverError(
                f"logit QRE path cannot be followed past lambda={z[-1] / s.scale:.6g} "
                f"(step size below {_MIN_STEP:g}; the branch may bifurcate there)"
            )
        predicted = z + h * t
        ref = _reference(z, s.m)
        corrected = _newton(predicted, s, ref, t, float(t @ predicted))
        t_new = None if corrected is None else _tangent(corrected[0], s, ref, t)
        if t_new is None:
            h *= 0.5
            continue
        z_new, norms = corrected
        factor = _step_factor(norms, float(np.arccos(np.clip(t @ t_new, -1.0, 1.0))))
        if factor > _MAX_ACCEL:
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
        z, t, h = z_new, t_new, h / factor
    raise SolverError(
        f"logit QRE path did not reach lambda={nu_end / s.scale:.6g} within max_steps={max_steps} "
        f"steps (stopped at lambda={z[-1] / s.scale:.6g})"
    )


def _centroid(s: _System) -> np.ndarray:
    return np.concatenate([np.full(s.m, -np.log(s.m)), np.full(s.n, -np.log(s.n)), [0.0]])


def _to_path(points: list[np.ndarray], s: _System) -> QREPath:
    Z = np.array(points)
    a, b = Z[:, : s.m], Z[:, s.m : -1]
    x = np.exp(a - logsumexp(a, axis=1, keepdims=True))
    y = np.exp(b - logsumexp(b, axis=1, keepdims=True))
    return QREPath(Z[:, -1] / s.scale, x, y)


def _from_path(path: QREPath, s: _System) -> np.ndarray:
    """Path points as ``z`` coordinates, shape (K, m+n+1); underflowed logs are clipped."""
    tiny = np.finfo(float).tiny
    return np.hstack([np.log(np.maximum(path.x, tiny)), np.log(np.maximum(path.y, tiny)), path.lam[:, None] * s.scale])


def _softmax(v: np.ndarray) -> np.ndarray:
    return np.exp(v - logsumexp(v))


def _fixed_point_residual(s: _System, lam: float, x: np.ndarray, y: np.ndarray) -> float:
    """Largest violation of ``x = softmax(lam A y)``, ``y = softmax(lam B^T x)``."""
    nu = lam * s.scale
    x_fit = _softmax(nu * (s.A @ y))
    y_fit = _softmax(nu * (s.Bt @ x))
    return float(max(np.max(np.abs(x - x_fit)), np.max(np.abs(y - y_fit))))


def _check_count(max_steps: int) -> None:
    if not (isinstance(max_steps, (int, np.integer)) and max_steps >= 1):
        raise SolverError(f"max_steps must be a positive integer, got {max_steps!r}")


def _check_lambda(name: str, lam: float) -> float:
    lam = float(lam)
    if not (np.isfinite(lam) and lam >= 0):
        raise SolverError(f"{name} must be a finite number >= 0, got {lam!r}")
    return lam


def qre_path(A, B, *, lam_max: float | None = None, max_steps: int = 10_000) -> QREPath:
    """Follow the principal logit QRE branch from uniform play at ``lambda = 0``.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    lam_max : float, optional
        Precision (1/payoff units) where the path stops: at the first point of the branch
        with ``lambda = lam_max``. Default ``1000 / R`` with ``R`` the payoff range (the
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
        If ``lam_max`` is not positive and finite, or the branch cannot be followed
        (step size underflow, typically at a bifurcation of a non-generic game, or
        ``max_steps`` exhausted).
    """
    _check_count(max_steps)
    s = _system(A, B)
    nu_end = DEFAULT_NU_MAX if lam_max is None else _check_lambda("lam_max", lam_max) * s.scale
    if nu_end <= 0:
        raise SolverError("lam_max must be > 0")
    z0 = _centroid(s)
    up = np.zeros(len(z0))
    up[-1] = 1.0
    return _to_path([z0, *_trace(s, z0, up, _FIRST_STEP, nu_end, max_steps)], s)


def _resume_index(lam: np.ndarray, target: float) -> int:
    """Index of the last path point before ``lam`` first reaches ``target``."""
    reached = np.flatnonzero(lam >= target)
    return int(reached[0]) - 1 if len(reached) else len(lam) - 1


def _resume(s: _System, path: QREPath, nu: float, max_steps: int) -> np.ndarray:
    """Continue a given path of the game from its last point before ``nu``; the point at ``nu``."""
    if path.x.shape[1:] != (s.m,) or path.y.shape[1:] != (s.n,) or len(path.lam) < 2:
        raise SolverError(f"start path has the wrong shape for a {s.m}x{s.n} game")
    k = _resume_index(path.lam * s.scale, nu)
    if _fixed_point_residual(s, path.lam[k], path.x[k], path.y[k]) > _START_TOL:
        raise SolverError("start is not a logit QRE path of this game (fixed point violated)")
    Z = _from_path(path, s)
    c = np.zeros(Z.shape[1])
    c[-1] = 1.0
    solved = _newton(Z[k], s, _reference(Z[k], s.m), c, Z[k, -1])
    if solved is None:
        raise SolverError("start path point cannot be refined on the logit QRE branch of this game")
    nxt = min(k + 1, len(Z) - 1)
    secant = Z[nxt] - Z[nxt - 1]
    h = float(np.linalg.norm(secant))
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
        before ``lam`` (or its end, if ``lam`` lies beyond it).

    Returns
    -------
    (x, y) : tuple of numpy.ndarray, shapes (m,) and (n,)

    Raises
    ------
    SolverError
        If ``lam`` is negative or not finite, ``start`` does not belong to this game, or the
        branch cannot be followed.
    """
    lam = _check_lambda("lam", lam)
    s = _system(A, B)
    nu = lam * s.scale
    if nu == 0:
        return _to_path([_centroid(s)], s).final
    if start is None:
        z0 = _centroid(s)
        up = np.zeros(len(z0))
        up[-1] = 1.0
        z = _trace(s, z0, up, _FIRST_STEP, nu, 10_000)[-1]
    else:
        z = _resume(s, start, nu, 10_000)
    return _to_path([z], s).final


def logit_limit(A, B) -> tuple[np.ndarray, np.ndarray]:
    """End of the principal logit QRE branch at the default ``lam_max`` (``1000 / R``).

    An approximation of the Nash equilibrium the branch converges to (the logit tracing
    selection): each player's regret is at most ``log(k) / 1000`` of the payoff range
    for ``k`` actions.

    Parameters
    ----------
    A, B : array_like, shape (m, n)

    Returns
    -------
    (x, y) : tuple of numpy.ndarray, shapes (m,) and (n,)
    """
    x, y = qre_path(A, B).final
    return x.copy(), y.copy()
