"""Maximum-likelihood estimate of the logit QRE precision from observed choices.

Given each player's observed choice counts, ``c`` (shape (m,)) for the row player and
``d`` (shape (n,)) for the column player, the log-likelihood of a precision ``lambda``
(1/payoff units, see :mod:`negsim.solvers.qre`) is that of independent choices drawn
from the logit QRE on the principal branch at ``lambda``::

    L(lambda) = sum_i c_i log x_i(lambda) + sum_j d_j log y_j(lambda)

(without the multinomial coefficient, as Gambit's ``logit_estimate`` reports it). As in
Gambit (McKelvey & Palfrey 1995, section 5; Bland & Turocy 2023, "Quantal response
equilibrium as a structural model for estimation: the missing manual"), the estimate is
the point of the principal branch with the largest likelihood, and ``lambda`` is its
precision.

Method:

* The branch is followed with :func:`negsim.solvers.qre.qre_path` (dense points: each
  step moves a probability by at most about 0.05) and ``L`` is evaluated at each point.
  On a QRE ``log x = log_softmax(lambda A y)`` and ``log y = log_softmax(lambda B^T x)``,
  so the log-probabilities are computed from the other player's strategy and stay
  finite however small a probability becomes.
* Every local maximum of the sampled ``L`` is refined on the two path segments beside it
  by a bounded scalar optimiser (:func:`scipy.optimize.minimize_scalar`) over
  ``lambda``, evaluating the QRE with :func:`negsim.solvers.qre.qre_at` continued from
  the segment's lower-precision end (so a segment past a turning point of the branch is
  evaluated on that segment, not at the branch's first passage of ``lambda``). As ``L``
  is flat to rounding within about ``sqrt(eps)`` of its maximum, the result is polished
  to the root of the analytic ``dL/dlambda`` (implicit differentiation of the fixed
  point), so ``lambda`` is found to about ``1e-12`` relative, not ``1e-8``.
* ``lambda = 0`` is the estimate when ``dL/dlambda <= 0`` there (computed in closed
  form: ``(c - C/m) . A u_n + (d - D/n) . B^T u_m`` with ``u_k`` uniform), for example
  when the data are exactly uniform play.
* When the likelihood is still increasing (or flat, to rounding) at the end of the
  branch, the estimate is the end of the branch, ``lam_max`` (by default ``1e5 / R``
  with ``R`` the payoff range): this happens when the data are consistent with the
  pure (or mixed) equilibrium the branch converges to, for example when every choice
  is the limit's pure action. The supremum is then approached only as
  ``lambda -> inf``, and the interval's upper end is ``inf``. Ties (within ``1e-10``
  relative) go to ``lambda = 0`` first, then to the end of the branch: where the
  likelihood does not depend on ``lambda`` at all (a game with constant payoffs) the
  estimate is ``0.0`` with the interval ``(0.0, inf)``.
* The interval is the profile-likelihood (likelihood-ratio) interval: the precisions
  of the points of the branch with ``2 (L_max - L) <= chi2.ppf(confidence, 1)``. Its
  ends are found by :func:`scipy.optimize.brentq` on ``L - threshold`` in the path
  segments (split at the refined maxima) where ``L`` crosses the threshold. The lower
  end is ``0.0`` when uniform play is inside it, the upper end ``inf`` when the end of
  the branch is (the likelihood is taken to stay above the threshold beyond it, as it
  converges to its value at the limit equilibrium). Where the branch folds back (turning
  points) this is the hull of the precisions of the points inside, and a turning point
  inside it counts with its nearest path point.

The precision is in 1/payoff units of the game as given, one ``lambda`` for both
players (Gambit's convention). For a precision per unit of each player's own payoff
range (as :func:`negsim.model.talks.predict` uses), estimate on a game whose payoffs
are divided by :func:`negsim.game.player_scales`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from negsim.errors import SolverError
from negsim.game import Game
from negsim.solvers.qre import QREPath, qre_at, qre_path

#: The likelihood counts as flat when it differs by at most this, relative to ``max(1, |L|)``.
_FLAT = 1e-10
#: A slope of ``L`` at ``lambda = 0`` up to this, relative to the counts times the payoff
#: range, counts as zero (uniform play is then the estimate).
_FLAT_SLOPE = 1e-12
#: Absolute tolerance on ``lambda`` of the optimiser and root finder, relative to the
#: segment length (the optimiser also stops at ``1.5e-8`` relative to ``lambda``).
_XTOL = 1e-12
#: Relative tolerance of the root finders (the smallest :func:`scipy.optimize.brentq` allows).
_RTOL = 4 * np.finfo(float).eps
#: Half-width of the bracket of the slope's root around the optimiser's result, relative
#: to the segment's length.
_POLISH = 1e-6


@dataclass(frozen=True, eq=False)
class QREFit:
    """A logit QRE fitted to observed choices by maximum likelihood.

    Attributes
    ----------
    lam : float
        Estimated precision (1/payoff units): the precision of the point of the principal
        branch with the largest likelihood. ``0.0`` when uniform play fits best;
        ``lam_max`` (the end of the branch) when the likelihood increases to the end.
    interval : tuple of float
        ``(low, high)``: the profile-likelihood interval at ``confidence``, the precisions
        where ``2 (log_likelihood - L(lambda)) <= chi2.ppf(confidence, 1)``. ``low`` may
        be ``0.0``; ``high`` is ``math.inf`` when the likelihood at the end of the branch
        is still above the threshold.
    log_likelihood : float
        ``sum_i c_i log x_i + sum_j d_j log y_j`` at the estimate (natural log, no
        multinomial coefficient).
    x, y : numpy.ndarray, shapes (m,) and (n,)
        The fitted QRE: the players' mixed strategies at ``lam`` on the principal branch.
    confidence : float
        Confidence level of ``interval``, in (0, 1).
    counts : tuple of numpy.ndarray
        The observed counts ``(row_counts, col_counts)``, shapes (m,) and (n,), float.
    lam_max : float
        End of the branch that was followed (1/payoff units).
    """

    lam: float
    interval: tuple[float, float]
    log_likelihood: float
    x: np.ndarray
    y: np.ndarray
    confidence: float
    counts: tuple[np.ndarray, np.ndarray]
    lam_max: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", _read_only(self.x))
        object.__setattr__(self, "y", _read_only(self.y))
        object.__setattr__(self, "counts", tuple(_read_only(c) for c in self.counts))

    @property
    def at_end(self) -> bool:
        """True if the estimate is the end of the branch (likelihood increasing to it)."""
        return self.lam == self.lam_max


def _read_only(a) -> np.ndarray:
    arr = np.array(a, dtype=float)
    arr.setflags(write=False)
    return arr


def counts_from_table(table) -> tuple[np.ndarray, np.ndarray]:
    """Each player's choice counts from a table of joint counts.

    Parameters
    ----------
    table : array_like, shape (m, n)
        ``table[i, j]``: how often the row player chose ``i`` while the column player
        chose ``j``.

    Returns
    -------
    (row_counts, col_counts) : tuple of numpy.ndarray, shapes (m,) and (n,)
        Row sums and column sums, the argument :func:`estimate_qre` takes.
    """
    try:
        arr = np.array(table, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SolverError(f"counts table is not numeric: {exc}") from None
    if arr.ndim != 2:
        raise SolverError(f"counts table must be 2-D of shape (m, n), got shape {arr.shape}")
    return arr.sum(axis=1), arr.sum(axis=0)


def _check_counts(game: Game, counts) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``counts`` as a pair of non-negative finite arrays of shapes (m,) and (n,)."""
    m, n = game.shape
    expected = f"a pair (row_counts, col_counts) of shapes ({m},) and ({n},)"
    if isinstance(counts, np.ndarray) or not hasattr(counts, "__len__") or len(counts) != 2:
        raise SolverError(f"counts must be {expected}")
    out = []
    for p, (who, values, k) in enumerate(zip(("row", "col"), counts, (m, n), strict=True)):
        try:
            arr = np.array(values, dtype=float)
        except (TypeError, ValueError):
            raise SolverError(f"counts: {who}_counts must be numeric, shape ({k},)") from None
        if arr.shape != (k,):
            raise SolverError(f"counts: {who}_counts must have shape ({k},), got shape {arr.shape}")
        bad = np.flatnonzero(~(np.isfinite(arr) & (arr >= 0)))
        if len(bad):
            i = int(bad[0])
            raise SolverError(
                f"counts: {who}_counts[{i}] ({game.actions[p][i]}) must be a finite number >= 0, "
                f"got {float(arr[i])!r}"
            )
        out.append(arr)
    if out[0].sum() + out[1].sum() == 0:
        raise SolverError("counts are all zero: there are no observed choices to fit")
    return out[0], out[1]


def _check_confidence(confidence: float) -> float:
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise SolverError(f"confidence must be a number in (0, 1), got {confidence!r}") from None
    if not 0 < level < 1:
        raise SolverError(f"confidence must be a number in (0, 1), got {confidence!r}")
    return level


def _log_likelihood(game: Game, c: np.ndarray, d: np.ndarray, lam: float, x: np.ndarray, y: np.ndarray) -> float:
    """``c . log x + d . log y`` at a QRE ``(x, y)`` of precision ``lam`` (1/payoff units).

    The log-probabilities are ``log_softmax(lam A y)`` and ``log_softmax(lam B^T x)``:
    equal to ``log x`` and ``log y`` on a QRE, and finite where probabilities underflow.
    """
    from scipy.special import log_softmax  # slow to import; only when estimating

    log_x = log_softmax(lam * (game.A @ y))
    log_y = log_softmax(lam * (game.B.T @ x))
    return float(c @ log_x + d @ log_y)


def path_log_likelihood(game: Game, counts, path: QREPath) -> np.ndarray:
    """The log-likelihood of the counts at every point of a path of the game.

    Parameters
    ----------
    game : Game
    counts : pair of array_like, shapes (m,) and (n,)
        Observed choice counts, as for :func:`estimate_qre`.
    path : QREPath
        Points of the game's principal branch (:func:`negsim.solvers.qre.qre_path`).

    Returns
    -------
    numpy.ndarray, shape (K,)
        ``L`` at each of the path's ``K`` points (for plotting against ``path.lam``).
    """
    c, d = _check_counts(game, counts)
    return _loglik_along(game, c, d, path)


def _loglik_along(game: Game, c: np.ndarray, d: np.ndarray, path: QREPath) -> np.ndarray:
    """``L`` at each point of ``path``, shape (K,)."""
    points = zip(path.lam, path.x, path.y, strict=True)
    return np.array([_log_likelihood(game, c, d, lam, x, y) for lam, x, y in points])


def _slope_at_zero(game: Game, c: np.ndarray, d: np.ndarray) -> float:
    """``dL/dlambda`` at ``lambda = 0`` (count times payoff units).

    At uniform play ``d log x_i / d lambda = (A u)_i - mean(A u)`` with ``u`` the uniform
    strategy of the column player (the opponent's response enters multiplied by
    ``lambda``), likewise for the column player.
    """
    m, n = game.shape
    u_row = game.A @ np.full(n, 1.0 / n)
    u_col = game.B.T @ np.full(m, 1.0 / m)
    return float((c - c.sum() / m) @ u_row + (d - d.sum() / n) @ u_col)


def _slope(game: Game, c: np.ndarray, d: np.ndarray, lam: float, x: np.ndarray, y: np.ndarray) -> float:
    """``dL/dlambda`` along the branch at a QRE ``(x, y)`` of precision ``lam``.

    Differentiating ``x = softmax(lam A y)``, ``y = softmax(lam B^T x)`` gives, with
    ``J_p = diag(p) - p p^T`` (the softmax Jacobian), the linear system::

        x' - lam J_x A y' = J_x A y        y' - lam J_y B^T x' = J_y B^T x

    and ``d log x / d lambda = w - (x . w)`` with ``w = A y + lam A y'`` (likewise for
    ``y``), finite where probabilities underflow. NaN at a turning point of the branch
    (the system is singular there).
    """
    A, Bt = game.A, game.B.T
    m, n = A.shape
    Jx = np.diag(x) - np.outer(x, x)
    Jy = np.diag(y) - np.outer(y, y)
    M = np.block([[np.eye(m), -lam * Jx @ A], [-lam * Jy @ Bt, np.eye(n)]])
    try:
        dp = np.linalg.solve(M, np.concatenate([Jx @ (A @ y), Jy @ (Bt @ x)]))
    except np.linalg.LinAlgError:
        return math.nan
    wx = A @ y + lam * (A @ dp[m:])
    wy = Bt @ x + lam * (Bt @ dp[:m])
    return float(c @ wx - c.sum() * (x @ wx) + d @ wy - d.sum() * (y @ wy))


@dataclass(frozen=True)
class _Sample:
    """A point of the branch: precision, log-likelihood, and the path segment it lies on.

    ``segment`` is ``k`` for a point between path points ``k`` and ``k + 1``.
    """

    lam: float
    loglik: float
    segment: int


class _Branch:
    """The principal branch of a game sampled by a path, with the likelihood along it."""

    def __init__(self, game: Game, c: np.ndarray, d: np.ndarray, path: QREPath) -> None:
        self.game, self.c, self.d, self.path = game, c, d, path
        self.loglik = _loglik_along(game, c, d, path)

    def point(self, k: int, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """The QRE at precision ``lam`` on the branch between path points ``k`` and ``k+1``."""
        lo, hi = sorted((k, k + 1), key=lambda i: self.path.lam[i])
        if lam == self.path.lam[lo]:
            return self.path.x[lo], self.path.y[lo]
        if lam == self.path.lam[hi]:
            return self.path.x[hi], self.path.y[hi]
        p = self.path
        start = QREPath(p.lam[[lo, hi]], p.x[[lo, hi]], p.y[[lo, hi]])
        return qre_at(self.game.A, self.game.B, lam, start=start)

    def loglik_at(self, k: int, lam: float) -> float:
        """``L`` at precision ``lam`` on segment ``k``."""
        x, y = self.point(k, lam)
        return _log_likelihood(self.game, self.c, self.d, lam, x, y)

    def slope_at(self, k: int, lam: float) -> float:
        """``dL/dlambda`` at precision ``lam`` on segment ``k``."""
        x, y = self.point(k, lam)
        return _slope(self.game, self.c, self.d, lam, x, y)

    def bounds(self, k: int) -> tuple[float, float]:
        """The precisions spanned by segment ``k``, low first."""
        a, b = self.path.lam[k], self.path.lam[k + 1]
        return (float(a), float(b)) if a <= b else (float(b), float(a))

    def samples(self) -> list[_Sample]:
        """The path points as samples (the last one on the last segment)."""
        last = len(self.path.lam) - 2
        points = enumerate(zip(self.path.lam, self.loglik, strict=True))
        return [_Sample(float(lam), float(L), min(k, last)) for k, (lam, L) in points]


def _refine_on_segment(branch: _Branch, k: int) -> _Sample:
    """The largest likelihood on segment ``k``: a bounded scalar optimiser over ``lambda``,
    then the root of ``dL/dlambda`` next to its result.

    Maximising ``L`` locates ``lambda`` only to about ``sqrt(eps)`` relative, where ``L``
    is flat to rounding; the root of the slope, bracketed within ``1e-6`` of the
    segment's length, is found to rounding. The optimiser's result is kept where the
    slope does not change sign there (a maximum at the segment's end).
    """
    a, b = branch.bounds(k)
    from scipy.optimize import minimize_scalar  # slow to import; only when fitting
    res = minimize_scalar(
        lambda lam: -branch.loglik_at(k, lam),
        bounds=(a, b),
        method="bounded",
        options={"xatol": _XTOL * (b - a)},
    )
    best = _Sample(float(res.x), float(-res.fun), k)
    h = _POLISH * (b - a)
    lo, hi = max(a, best.lam - h), min(b, best.lam + h)
    if not branch.slope_at(k, lo) > 0 > branch.slope_at(k, hi):
        return best
    from scipy.optimize import brentq
    root = float(brentq(lambda lam: branch.slope_at(k, lam), lo, hi, xtol=_XTOL * (hi - lo), rtol=_RTOL))
    polished = _Sample(root, branch.loglik_at(k, root), k)
    return polished if polished.loglik >= best.loglik - _FLAT * max(1.0, abs(best.loglik)) else best


def _local_maxima(loglik: np.ndarray) -> list[int]:
    """Indices of the sampled local maxima of ``L``, beyond the flat noise of rounding."""
    tol = _FLAT * max(1.0, float(np.abs(loglik).max()))
    padded = np.concatenate([[-np.inf], loglik, [-np.inf]])
    return [
        k for k in range(len(loglik))
        if padded[k + 1] > padded[k] + tol and padded[k + 1] >= padded[k + 2] - tol
    ]


def _maximum(branch: _Branch, slope0: float, slope_tol: float) -> tuple[_Sample, list[_Sample]]:
    """The point of largest likelihood, and every refined candidate (to split segments at)."""
    L = branch.loglik
    last = len(L) - 1
    refined: list[_Sample] = []
    for k in _local_maxima(L):
        if k > 0:
            refined.append(_refine_on_segment(branch, k - 1))
        if k < last and (k > 0 or slope0 > slope_tol):
            refined.append(_refine_on_segment(branch, k))
    samples = branch.samples()
    best = max(samples + refined, key=lambda s: s.loglik)
    tol = _FLAT * max(1.0, abs(best.loglik))
    if slope0 <= slope_tol and L[0] >= best.loglik - tol:
        return samples[0], refined  # uniform play fits as well as anything
    if L[last] >= best.loglik - tol:
        return samples[last], refined  # still increasing (or flat) at the end
    return best, refined


def _crossing(branch: _Branch, s0: _Sample, s1: _Sample, threshold: float) -> float:
    """The precision between two samples on one segment where ``L`` crosses ``threshold``."""
    if s0.lam == s1.lam:
        return s0.lam
    a, b = sorted((s0, s1), key=lambda s: s.lam)
    k = s0.segment  # consecutive in branch order: s1 ends the segment s0 is on

    def excess(lam: float) -> float:
        if lam == a.lam:
            return a.loglik - threshold
        if lam == b.lam:
            return b.loglik - threshold
        return branch.loglik_at(k, lam) - threshold

    from scipy.optimize import brentq
    return float(brentq(excess, a.lam, b.lam, xtol=_XTOL * (b.lam - a.lam) + 1e-300, rtol=_RTOL))


def _interval(branch: _Branch, samples: list[_Sample], threshold: float) -> tuple[float, float]:
    """Hull of the precisions of the branch points with ``L >= threshold``.

    ``samples`` are in branch order; consecutive ones lie on one path segment.
    """
    lams: list[float] = []
    for s0, s1 in zip(samples[:-1], samples[1:], strict=True):
        if (s0.loglik >= threshold) != (s1.loglik >= threshold):
            lams.append(_crossing(branch, s0, s1, threshold))
    lams.extend(s.lam for s in samples if s.loglik >= threshold)
    low, high = min(lams), max(lams)
    if samples[-1].loglik >= threshold:
        high = math.inf
    return (0.0 if samples[0].loglik >= threshold else low), high


def _in_branch_order(samples: list[_Sample], extra: list[_Sample], path_lam: np.ndarray) -> list[_Sample]:
    """Path samples with the refined ones inserted into their segments, in branch order."""

    def position(s: _Sample, j: int) -> tuple[float, int]:
        k = s.segment
        a, b = path_lam[k], path_lam[k + 1] if k + 1 < len(path_lam) else path_lam[k]
        frac = 0.0 if a == b else (s.lam - a) / (b - a)
        return k + frac, j

    pool = [(position(s, 0), s) for s in samples]
    pool += [(position(s, 1), s) for s in extra]
    # A path sample at index k sits at position k (segment k, fraction 0), the last one at
    # K-1 (segment K-2, fraction 1).
    return [s for _, s in sorted(pool, key=lambda item: item[0])]


def estimate_qre(game: Game, counts, *, confidence: float = 0.95, lam_max: float | None = None) -> QREFit:
    """Fit the logit QRE precision to observed choice counts by maximum likelihood.

    The same estimate as Gambit's ``pygambit.qre.logit_estimate`` (the point of the
    principal branch with the largest likelihood), with a profile-likelihood interval;
    see the module docstring for the method.

    Parameters
    ----------
    game : Game
        ``A``, ``B`` of shape (m, n), in payoff units.
    counts : pair of array_like
        ``(row_counts, col_counts)`` of shapes (m,) and (n,): how often each player was
        observed choosing each action (non-negative, finite, not all zero; need not be
        integers, and one player's may be all zero). Only this pair is accepted (a 2-D
        array is refused, as it would be ambiguous for a 2-row game); for a table of
        joint counts of shape (m, n) pass :func:`counts_from_table` of it.
    confidence : float
        Level of the profile-likelihood interval, in (0, 1).
    lam_max : float, optional
        End of the branch to search (1/payoff units). Default ``1e5 / R``, ``R`` the
        payoff range (:func:`negsim.solvers.qre.qre_path`).

    Returns
    -------
    QREFit
        With ``lam == lam_max`` and ``interval[1] == inf`` when the likelihood increases
        to the end of the branch: data consistent with the equilibrium the branch
        converges to (for example every choice the limit's pure action), where the
        precision is unbounded. With ``lam == 0.0`` when uniform play fits best (for
        example data exactly at uniform play).

    Raises
    ------
    SolverError
        If ``counts`` or ``confidence`` is invalid (one line naming it), or ``lam_max``
        is not positive and finite.
    QREPathError
        If the branch cannot be followed.
    """
    if not isinstance(game, Game):
        raise SolverError(f"game must be a negsim Game, got {type(game).__name__}")
    c, d = _check_counts(game, counts)
    level = _check_confidence(confidence)
    branch = _Branch(game, c, d, qre_path(game.A, game.B, lam_max=lam_max))
    spread = max(float(np.ptp(game.A)), float(np.ptp(game.B))) or 1.0
    slope0 = _slope_at_zero(game, c, d)
    best, refined = _maximum(branch, slope0, _FLAT_SLOPE * (c.sum() + d.sum()) * spread)
    from scipy.stats import chi2
    threshold = best.loglik - 0.5 * float(chi2.ppf(level, 1))
    samples = _in_branch_order(branch.samples(), refined, branch.path.lam)
    interval = _interval(branch, samples, threshold)
    x, y = branch.point(best.segment, best.lam)
    return QREFit(
        lam=best.lam,
        interval=interval,
        log_likelihood=best.loglik,
        x=x,
        y=y,
        confidence=level,
        counts=(c, d),
        lam_max=float(branch.path.lam[-1]),
    )
