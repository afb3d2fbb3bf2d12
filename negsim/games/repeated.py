"""The ceasefire as a repeated hold/violate game: when can conditional restraint last?

Each period (a day, when linked to :mod:`negsim.model.rollout`) Pakistan and Kabul each *hold*
or *violate* the truce. The stage game is a symmetric prisoner's dilemma with payoffs
``T > R > P > S`` (temptation, reward for mutual holding, punishment of mutual violation,
sucker) and ``2R > T + S`` (mutual holding beats taking turns). Payoffs are in payoff
units per period; every value below is the *normalised* discounted average
``(1 - delta) * sum_t delta^t u_t``, in the same units, so values compare with ``R``.

The evidence behind the model: Pakistan's truce holds "unless attacked from the Afghan
side" (PK5: a trigger strategy); Kabul answers any strike decisively (AF5: punishment is
mutual) yet keeps the ceasefire (AF6: the punishment ends, a k-period rather than a grim
trigger); Kabul has limited control over the TTP (AF3), so an attack attributed to Kabul
is a noisy signal of its restraint (imperfect monitoring, false alarms); Pakistan's
"patience has run its course" (PK10: a lower discount factor ``delta``).

Perfect monitoring (Friedman 1971; Axelrod 1984; Mailath & Samuelson 2006, ch. 2):
:func:`grim_trigger_threshold`, :func:`finite_punishment_threshold`,
:func:`tit_for_tat_conditions`, and :func:`long_run_payoff` of any pair of finite
automata (:class:`Strategy`).

Imperfect public monitoring (Green & Porter 1984; Abreu, Pearce & Stacchetti 1990; kept
to one-state trigger strategies): each period of cooperation a violation signal appears
with probability ``q_hold`` if Kabul held and ``q_violate > q_hold`` if it violated; on a
signal, Pakistan starts a punishment phase of ``k`` periods of mutual violation (or
forever) with probability ``retaliate`` (:class:`NoisyTrigger`). Closed forms:
:func:`cooperation_value`, :func:`punishment_value`, :func:`deviation_value`,
:func:`incentive_slack`, :func:`noisy_trigger_threshold`, :func:`punishment_fraction`,
and the least deterring retaliation probability :func:`retaliation_probability`, which
:class:`negsim.model.rollout.CeasefireParams` can take as ``pak_retaliate``, with the signal
probabilities from :func:`negsim.model.rollout.signal_probabilities`. :func:`simulate_trigger` cross-checks
them by seeded Monte Carlo.

Throughout, ``x_k(delta) = sum_{t=1..k} delta^t = delta (1 - delta^k) / (1 - delta)`` is
the *discounted length* of a k-period punishment (``delta / (1 - delta)`` when it lasts
forever).

References
----------
Abreu, D., Pearce, D. & Stacchetti, E. (1990). Toward a theory of discounted repeated
games with imperfect monitoring. Econometrica 58: 1041-1063.
Axelrod, R. (1984). The Evolution of Cooperation. Basic Books (ch. 3, Proposition 2).
Friedman, J. W. (1971). A non-cooperative equilibrium for supergames. Review of Economic
Studies 38: 1-12.
Green, E. J. & Porter, R. H. (1984). Noncooperative collusion under imperfect price
information. Econometrica 52: 87-100.
Mailath, G. J. & Samuelson, L. (2006). Repeated Games and Reputations. Oxford UP (ch. 2,
one-shot deviation principle and automata; ch. 7, imperfect public monitoring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from negsim.errors import ConfigError
from negsim.game import Game

HOLD, VIOLATE = 0, 1
ACTIONS = ("hold", "violate")


@dataclass(frozen=True)
class StageGame:
    """One player's payoffs in the hold/violate stage game, in payoff units per period.

    Attributes
    ----------
    T : float
        Temptation: violate while the other holds.
    R : float
        Reward: both hold.
    P : float
        Punishment: both violate.
    S : float
        Sucker: hold while the other violates.

    Raises
    ------
    ConfigError
        Unless ``T > R > P > S`` and ``2R > T + S`` (finite numbers).
    """

    T: float
    R: float
    P: float
    S: float

    def __post_init__(self) -> None:
        for name in ("T", "R", "P", "S"):
            if not math.isfinite(getattr(self, name)):
                raise ConfigError(f"ceasefire.{name}: expected a finite payoff, got {getattr(self, name)}")
        T, R, P, S = self.T, self.R, self.P, self.S
        for name, high, low in (("T", T, R), ("R", R, P), ("P", P, S)):
            if not high > low:
                raise ConfigError(
                    f"ceasefire.{name}: a prisoner's dilemma needs T > R > P > S, got T={T}, R={R}, P={P}, S={S}"
                )
        if not 2 * R > T + S:
            raise ConfigError(
                f"ceasefire.R: mutual holding must beat taking turns, 2R > T + S, got R={R}, T + S={T + S}"
            )

    def matrix(self) -> np.ndarray:
        """This player's payoffs, rows its own action, columns the other's (hold, violate), shape (2, 2)."""
        return np.array([[self.R, self.S], [self.T, self.P]])

    def bimatrix(self) -> tuple[np.ndarray, np.ndarray]:
        """``(A, B)`` of the symmetric game, for ``negsim.game.Game(A, B)``: ``B = A.T``."""
        A = self.matrix()
        return A, A.T.copy()


def ceasefire_game(pakistan: StageGame, kabul: StageGame | None = None) -> Game:
    """The stage game as a :class:`negsim.game.Game`, Pakistan in rows, Kabul in columns.

    Parameters
    ----------
    pakistan : StageGame
    kabul : StageGame, optional
        Kabul's own payoffs (asymmetric game); Pakistan's when omitted (symmetric).
    """
    kabul = pakistan if kabul is None else kabul
    return Game(
        pakistan.matrix(), kabul.matrix().T,
        players=("Pakistan", "Kabul"),
        actions=(ACTIONS, ACTIONS),
        title="Ceasefire stage game (hold/violate)",
    )


def check_delta(delta: float) -> float:
    """``delta`` as a float, or ConfigError unless it is a discount factor in (0, 1) per period."""
    if not 0.0 < delta < 1.0:
        raise ConfigError(f"ceasefire.delta: expected a discount factor in (0, 1), got {delta}")
    return float(delta)


def _check_k(k: int | None) -> int | None:
    """A punishment length: a whole number of periods >= 1, or None for forever."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"ceasefire.k: expected a whole number of punishment periods >= 1 (None: forever), got {k!r}")
    return int(k)


def _discounted_length(delta: float, k: int | None) -> float:
    """``x_k(delta) = sum_{t=1..k} delta^t`` on [0, 1] (``delta / (1 - delta)`` if k is None)."""
    if k is None:
        return delta / (1.0 - delta)
    if delta == 0.0 or delta == 1.0:
        return delta * k
    return delta * -math.expm1(k * math.log(delta)) / (1.0 - delta)


def _least_delta(c: float, k: int | None) -> float:
    """The least ``delta`` in (0, 1) with ``x_k(delta) >= c`` (c > 0), or inf if there is none.

    ``x_k`` increases from 0 at ``delta = 0`` to ``k`` at ``delta -> 1``, so the root of
    ``x_k(delta) = c`` exists iff ``c < k``; for k = None it is ``c / (1 + c)``.
    """
    if k is None:
        return c / (1.0 + c)
    if c >= k:
        return math.inf
    from scipy.optimize import brentq  # slow to import; only for a finite punishment

    return float(brentq(lambda d: _discounted_length(d, k) - c, 0.0, 1.0, xtol=1e-15, rtol=4 * np.finfo(float).eps))


# --- perfect monitoring -------------------------------------------------------------------


def grim_trigger_threshold(stage: StageGame) -> float:
    """Least discount factor at which grim trigger sustains mutual holding: ``(T-R)/(T-P)``.

    Derivation (one-shot deviation): holding gives ``R``; violating once gives ``T`` now
    and ``P`` forever after, ``(1 - delta) T + delta P``. Holding is optimal iff
    ``R >= (1 - delta) T + delta P``, i.e. ``delta >= (T - R) / (T - P)``. In the
    punishment phase mutual violation is the stage game's Nash equilibrium, so grim
    trigger is subgame perfect exactly then (Friedman 1971).
    """
    return (stage.T - stage.R) / (stage.T - stage.P)


def finite_punishment_threshold(stage: StageGame, k: int) -> float:
    """Least discount factor at which a k-period punishment sustains mutual holding.

    The strategy: hold; after any violation, both violate for ``k`` periods, then hold
    again (a violation during the punishment neither helps nor restarts it). Deviating
    once gives ``T - R`` now and loses ``R - P`` in each of the next ``k`` periods, so
    holding is optimal iff ``T - R <= (R - P) x_k(delta)``, i.e.
    ``sum_{t=1..k} delta^t >= (T - R) / (R - P)``. ``x_k`` increases in ``delta`` to ``k``,
    so the least root is found by bracketing (Brent) on [0, 1]. As ``k -> inf`` it tends
    to :func:`grim_trigger_threshold` (``delta / (1 - delta) >= (T-R)/(R-P)``).

    Returns
    -------
    float
        The threshold in (0, 1), or ``inf`` when ``k <= (T - R) / (R - P)``: no
        discount factor makes so short a punishment deter.
    """
    return _least_delta((stage.T - stage.R) / (stage.R - stage.P), _check_k(k))


@dataclass(frozen=True)
class TitForTatConditions:
    """Whether tit-for-tat against tit-for-tat is an equilibrium at ``delta``.

    Attributes
    ----------
    delta : float
    alternation_threshold : float
        ``(T - R) / (R - S)``: deviating once and returning to TFT (which locks the pair
        into alternating T, S, T, ...) does not pay iff ``delta`` is at least this.
    defection_threshold : float
        ``(T - R) / (T - P)``: violating forever against TFT (T, P, P, ...) does not pay
        iff ``delta`` is at least this.
    reconciliation_threshold : float
        ``(P - S) / (T - P)``: after a mutual violation, TFT's answering the other's
        hold (S, T, S, ...) rather than continuing to violate (P forever) is optimal
        iff ``delta`` is at least this, and continuing mutual violation iff at most.
    one_shot_gains : tuple of tuple of float
        ``one_shot_gains[a][b]``: normalised gain from deviating for one period from
        TFT when last period's actions were ``a`` (own) and ``b`` (other's).
    nash : bool
        TFT is a best response to TFT (Axelrod's collective stability): ``delta >=``
        both the alternation and the defection threshold.
    subgame_perfect : bool
        No one-shot deviation gains in any state (more than ``tol``): only on the knife
        edge ``delta = (T-R)/(R-S) = (P-S)/(T-P)``.
    """

    delta: float
    alternation_threshold: float
    defection_threshold: float
    reconciliation_threshold: float
    one_shot_gains: tuple[tuple[float, float], tuple[float, float]]
    nash: bool
    subgame_perfect: bool


def tit_for_tat_conditions(stage: StageGame, delta: float, *, tol: float = 1e-12) -> TitForTatConditions:
    """Nash and subgame-perfection conditions of tit-for-tat (TFT) against itself.

    Under TFT each player plays the other's last action, so the state is last period's
    profile ``(a, b)`` (own, other's) and play from it alternates ``(b, a), (a, b), ...``;
    normalised values: ``R`` from (H, H), ``P`` from (V, V), ``(T + delta S)/(1 + delta)``
    from (H, V) and ``(S + delta T)/(1 + delta)`` from (V, H). One-shot deviation gains:

    * (H, H): violate once, then TFT: ``(T + delta S)/(1 + delta) - R``, <= 0 iff
      ``delta >= (T - R)/(R - S)``;
    * (H, V): hold instead of answering: ``R - (T + delta S)/(1 + delta)``, the negative
      of the (H, H) gain, <= 0 iff ``delta <= (T - R)/(R - S)``;
    * (V, H): violate instead of making amends: ``P - (S + delta T)/(1 + delta)``, <= 0
      iff ``delta >= (P - S)/(T - P)``;
    * (V, V): hold to reconcile: ``(S + delta T)/(1 + delta) - P``, the negative of the
      (V, H) gain.

    By the one-shot deviation principle TFT is subgame perfect iff all four are <= 0, i.e.
    only when ``delta`` equals both ``(T-R)/(R-S)`` and ``(P-S)/(T-P)``. Against TFT the
    best replies are stationary in the other's next action, so TFT is a Nash equilibrium
    iff ``R`` beats both alternation (the (H, H) gain) and permanent violation
    ``(1 - delta) T + delta P``: ``delta >= max((T-R)/(R-S), (T-R)/(T-P))`` (Axelrod 1984,
    Proposition 2).

    Parameters
    ----------
    stage : StageGame
    delta : float
        Discount factor per period, in (0, 1).
    tol : float
        Gains up to ``tol`` (payoff units) count as no gain.
    """
    d = check_delta(delta)
    T, R, P, S = stage.T, stage.R, stage.P, stage.S
    alternate = (T + d * S) / (1 + d) - R
    amends = P - (S + d * T) / (1 + d)
    defect = (1 - d) * T + d * P - R
    gains = ((alternate, -alternate), (amends, -amends))
    return TitForTatConditions(
        delta=d,
        alternation_threshold=(T - R) / (R - S),
        defection_threshold=(T - R) / (T - P),
        reconciliation_threshold=(P - S) / (T - P),
        one_shot_gains=gains,
        nash=max(alternate, defect) <= tol,
        subgame_perfect=max(max(row) for row in gains) <= tol,
    )


@dataclass(frozen=True)
class Strategy:
    """A repeated-game strategy as a finite automaton (Moore machine).

    Attributes
    ----------
    actions : tuple of int
        Action played in each state (``HOLD`` 0, ``VIOLATE`` 1).
    transitions : tuple of ((int, int), (int, int))
        ``transitions[s][own][other]``: next state after the period's actions.
    initial : int
        Starting state.
    """

    actions: tuple[int, ...]
    transitions: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    initial: int = 0

    def __post_init__(self) -> None:
        n = len(self.actions)
        if n < 1 or any(a not in (HOLD, VIOLATE) for a in self.actions):
            raise ConfigError(
                f"strategy.actions: expected one action 0 (hold) or 1 (violate) per state, got {self.actions}"
            )
        table = np.asarray(self.transitions)
        if table.shape != (n, 2, 2) or not np.all((table >= 0) & (table < n)):
            raise ConfigError(
                f"strategy.transitions: expected {n} x 2 x 2 next states in 0..{n - 1}, got {self.transitions}"
            )
        if not 0 <= self.initial < n:
            raise ConfigError(f"strategy.initial: expected a state in 0..{n - 1}, got {self.initial}")


def always(action: int) -> Strategy:
    """Play ``action`` (``HOLD`` or ``VIOLATE``) whatever happens."""
    return Strategy(actions=(action,), transitions=(((0, 0), (0, 0)),))


def grim_trigger() -> Strategy:
    """Hold until anyone violates, then violate forever (state 0 holds, 1 punishes)."""
    return Strategy(actions=(HOLD, VIOLATE), transitions=(((0, 1), (1, 1)), ((1, 1), (1, 1))))


def tit_for_tat() -> Strategy:
    """Hold first, then play the other's last action (state = that action)."""
    return Strategy(actions=(HOLD, VIOLATE), transitions=(((0, 1), (0, 1)), ((0, 1), (0, 1))))


def k_period_punishment(k: int) -> Strategy:
    """Hold; after any violation while holding, violate for ``k`` periods, then hold again.

    States ``0`` (hold) and ``1..k`` (punishment period j); violations during the
    punishment do not restart it.
    """
    length = _check_k(k)
    if length is None:
        raise ConfigError("ceasefire.k: a k-period punishment needs a whole number of periods >= 1")
    k = length
    nxt = [1 + j if j < k else 0 for j in range(1, k + 1)]
    return Strategy(
        actions=(HOLD,) + (VIOLATE,) * k,
        transitions=(((0, 1), (1, 1)),) + tuple(((n, n), (n, n)) for n in nxt),
    )


def long_run_payoff(
    stage: StageGame, row: Strategy, col: Strategy, delta: float, col_stage: StageGame | None = None
) -> tuple[float, float]:
    """Normalised discounted payoffs ``(1 - delta) sum_t delta^t u_t`` of a strategy pair.

    The pair of automata is a deterministic chain on joint states ``(i, j)``; its values
    solve ``V = (1 - delta) u + delta V[next]`` exactly, i.e. ``(I - delta M) V = (1 - delta) u``
    with ``M`` the 0/1 transition matrix of joint states.

    Parameters
    ----------
    stage : StageGame
        The row player's payoffs (and the column player's unless ``col_stage`` is given).
    row, col : Strategy
    delta : float
        Discount factor per period, in (0, 1).
    col_stage : StageGame, optional
        The column player's payoffs (asymmetric game).

    Returns
    -------
    (float, float)
        Row and column player's values, in payoff units per period.
    """
    d = check_delta(delta)
    A, B = stage.matrix(), (col_stage or stage).matrix()
    n1, n2 = len(row.actions), len(col.actions)
    M = np.zeros((n1 * n2, n1 * n2))
    u = np.zeros((n1 * n2, 2))
    for i, a in enumerate(row.actions):
        for j, b in enumerate(col.actions):
            M[i * n2 + j, row.transitions[i][a][b] * n2 + col.transitions[j][b][a]] = 1.0
            u[i * n2 + j] = A[a, b], B[b, a]
    V = np.linalg.solve(np.eye(n1 * n2) - d * M, (1 - d) * u)
    start = row.initial * n2 + col.initial
    return float(V[start, 0]), float(V[start, 1])


# --- imperfect monitoring -----------------------------------------------------------------


@dataclass(frozen=True)
class NoisyTrigger:
    """Pakistan's trigger strategy when Kabul's restraint is seen only through noisy signals.

    While cooperating, a violation signal (an attack attributed to Kabul) appears with
    probability ``q_hold`` per period if Kabul held and ``q_violate`` if it violated; on a
    signal, a punishment phase of ``k`` periods of mutual violation starts with
    probability ``retaliate`` (signals during the phase are ignored).

    Attributes
    ----------
    q_hold : float
        Per-period false-alarm probability, in [0, 1).
    q_violate : float
        Per-period detection probability, in (q_hold, 1].
    k : int or None
        Punishment length in periods (>= 1); None punishes forever (grim).
    retaliate : float
        Probability of punishing a signal, in [0, 1] (1 - forgiveness).
    """

    q_hold: float
    q_violate: float
    k: int | None = None
    retaliate: float = 1.0

    def __post_init__(self) -> None:
        for name in ("q_hold", "q_violate", "retaliate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"ceasefire.{name}: expected a probability in [0, 1], got {getattr(self, name)}")
        if not self.q_violate > self.q_hold:
            raise ConfigError(
                f"ceasefire.q_violate: a violation must be likelier to be signalled than holding, "
                f"got q_violate={self.q_violate} <= q_hold={self.q_hold}"
            )
        object.__setattr__(self, "k", _check_k(self.k))


def _decay(delta: float, k: int | None) -> float:
    """``delta^k``, the weight of the return to cooperation after a punishment (0 if forever)."""
    return 0.0 if k is None else delta**k


def cooperation_value(stage: StageGame, delta: float, trigger: NoisyTrigger) -> float:
    """Kabul's normalised value of the cooperative phase when both hold, ``V``.

    With ``a = retaliate * q_hold`` (a punishment starts after a false alarm) and the
    punishment-phase value ``W = (1 - delta^k) P + delta^k V`` (:func:`punishment_value`),
    ``V = (1 - delta) R + delta ((1 - a) V + a W)``; solving,

    ``V = ((1 - delta) R + delta a (1 - delta^k) P) / (1 - delta + delta a (1 - delta^k))
    = (R + a x_k P) / (1 + a x_k)``,

    a weighted mean of ``R`` and ``P``: ``a x_k / (1 + a x_k)`` is the discounted share
    of time spent punishing false alarms. ``V = R`` without false alarms (``q_hold = 0``).
    """
    ax = trigger.retaliate * trigger.q_hold * _discounted_length(check_delta(delta), trigger.k)
    return (stage.R + ax * stage.P) / (1.0 + ax)


def punishment_value(stage: StageGame, delta: float, trigger: NoisyTrigger) -> float:
    """Normalised value at the start of a punishment phase: ``W = (1 - delta^k) P + delta^k V``."""
    decay = _decay(check_delta(delta), trigger.k)
    return (1.0 - decay) * stage.P + decay * cooperation_value(stage, delta, trigger)


def deviation_value(stage: StageGame, delta: float, trigger: NoisyTrigger) -> float:
    """Kabul's normalised value of violating for one period of cooperation, then holding.

    ``(1 - delta) T + delta ((1 - b) V + b W)`` with ``b = retaliate * q_violate``.
    """
    d = check_delta(delta)
    b = trigger.retaliate * trigger.q_violate
    V, W = cooperation_value(stage, d, trigger), punishment_value(stage, d, trigger)
    return (1 - d) * stage.T + d * ((1 - b) * V + b * W)


def incentive_slack(stage: StageGame, delta: float, trigger: NoisyTrigger) -> float:
    """``V`` minus the one-shot deviation value: holding is optimal for Kabul iff >= 0.

    Subtracting the Bellman equations of :func:`cooperation_value` and
    :func:`deviation_value`: ``V - dev = -(1 - delta)(T - R) + delta (b - a)(V - W)``, with
    ``V - W = (1 - delta^k)(V - P)``, ``V - P = (R - P)/(1 + a x_k)`` and
    ``delta (1 - delta^k) = (1 - delta) x_k``, so

    ``slack = (1 - delta) ((b - a) x_k (R - P) / (1 + a x_k) - (T - R))``.

    One-shot deviations suffice (one-shot deviation principle): in the punishment phase
    violating is the stage Nash equilibrium and signals are ignored. The same constraint
    with ``q_violate = 1`` is Pakistan's (its strikes are public, false alarms about
    Kabul still occur); it is weaker than Kabul's, so with symmetric payoffs Kabul's binds.
    """
    d = check_delta(delta)
    x = _discounted_length(d, trigger.k)
    a, b = trigger.retaliate * trigger.q_hold, trigger.retaliate * trigger.q_violate
    return (1 - d) * ((b - a) * x * (stage.R - stage.P) / (1 + a * x) - (stage.T - stage.R))


def _deterrence(stage: StageGame, q_hold: float, q_violate: float) -> float:
    """``D = (q_violate - q_hold)(R - P) - q_hold (T - R)``: > 0 iff signals can deter at all."""
    return (q_violate - q_hold) * (stage.R - stage.P) - q_hold * (stage.T - stage.R)


def noisy_trigger_threshold(stage: StageGame, trigger: NoisyTrigger) -> float:
    """Least discount factor at which the noisy trigger keeps Kabul holding.

    ``slack >= 0`` iff ``(b - a) x_k (R - P) >= (T - R)(1 + a x_k)`` iff
    ``x_k(delta) * retaliate * D >= T - R`` with ``D`` = ``(q_violate - q_hold)(R - P) -
    q_hold (T - R)``. As ``x_k`` increases in ``delta`` the threshold is the least root of
    ``x_k(delta) = (T - R) / (retaliate D)``: ``c / (1 + c)`` for grim punishment, by
    Brent's method for k periods. With ``q_hold = 0, q_violate = 1, retaliate = 1`` it is
    :func:`finite_punishment_threshold` (grim: :func:`grim_trigger_threshold`).

    Returns
    -------
    float
        The threshold in (0, 1), or ``inf`` if no discount factor deters (false alarms
        too frequent, ``retaliate * D <= 0``, or a punishment too short).
    """
    D = trigger.retaliate * _deterrence(stage, trigger.q_hold, trigger.q_violate)
    if D <= 0:
        return math.inf
    return _least_delta((stage.T - stage.R) / D, trigger.k)


def punishment_fraction(trigger: NoisyTrigger) -> float:
    """Long-run (undiscounted) fraction of periods in punishment while Kabul always holds.

    Renewal argument: a cooperative spell ends with probability ``a = retaliate * q_hold``
    per period (mean ``1 / a`` periods, the signalling period included) and is followed
    by ``k`` punishment periods, so the fraction is ``k / (1/a + k) = a k / (1 + a k)``;
    with grim punishment it is 1 (0 if ``a = 0``).
    """
    a = trigger.retaliate * trigger.q_hold
    if trigger.k is None:
        return 1.0 if a > 0 else 0.0
    return a * trigger.k / (1.0 + a * trigger.k)


def retaliation_probability(
    stage: StageGame, delta: float, q_hold: float, q_violate: float, k: int | None = None
) -> float:
    """The least probability of punishing a signal that keeps Kabul holding (``pak_retaliate``).

    :func:`incentive_slack` increases in ``retaliate`` (``r / (1 + r q_hold x_k)`` does),
    and is zero at ``retaliate * x_k(delta) * D = T - R``, so

    ``retaliate* = (T - R) / (x_k(delta) D)``,  ``D = (q_violate - q_hold)(R - P) - q_hold (T - R)``.

    At ``retaliate*`` Kabul is exactly indifferent between holding and violating; any
    larger probability also deters but punishes more false alarms (lower ``V``), so this
    is the most forgiving deterring trigger. A lower ``delta`` (PK10) raises it.

    Raises
    ------
    ConfigError
        If no probability in [0, 1] deters: ``D <= 0`` (names ``q_hold``), or
        ``retaliate* > 1`` because ``delta`` is below :func:`noisy_trigger_threshold`
        (names ``delta``) or the punishment is too short for any ``delta`` (names ``k``).
    """
    trigger = NoisyTrigger(q_hold, q_violate, k)
    d = check_delta(delta)
    D = _deterrence(stage, trigger.q_hold, trigger.q_violate)
    if D <= 0:
        raise ConfigError(
            f"ceasefire.q_hold: false alarms too frequent to deter, (q_violate - q_hold)(R - P) <= q_hold (T - R) "
            f"with q_hold={q_hold}, q_violate={q_violate}"
        )
    rho = (stage.T - stage.R) / (_discounted_length(d, trigger.k) * D)
    if rho > 1.0:
        least = noisy_trigger_threshold(stage, trigger)
        raise ConfigError(
            f"ceasefire.delta: {d} is below {least}, the least discount factor at which even certain retaliation deters"
            if math.isfinite(least)
            else f"ceasefire.k: even certain retaliation with k={k} punishment periods deters at no discount factor"
        )
    return rho


@dataclass(frozen=True, eq=False)
class TriggerRuns:
    """Simulated runs of the noisy-trigger repeated game (arrays read-only).

    Attributes
    ----------
    payoff : numpy.ndarray, shape (runs,)
        Kabul's normalised discounted payoff over the horizon, in payoff units per period
        (the omitted tail is at most ``delta^periods * max(|T|, |S|)``).
    punished_share : numpy.ndarray, shape (runs,)
        Fraction of the horizon's periods spent in punishment.
    """

    payoff: np.ndarray
    punished_share: np.ndarray

    def __post_init__(self) -> None:
        self.payoff.setflags(write=False)
        self.punished_share.setflags(write=False)


def simulate_trigger(
    stage: StageGame,
    delta: float,
    trigger: NoisyTrigger,
    *,
    runs: int,
    periods: int,
    rng: np.random.Generator,
    deviate_first: bool = False,
) -> TriggerRuns:
    """Monte Carlo play of the noisy trigger, vectorised across runs.

    Every run starts cooperating; Kabul holds throughout (or violates in period 0 only,
    ``deviate_first``, to check :func:`deviation_value`); punishment periods pay ``P``.
    Each cooperative period draws two uniforms per run: the signal, then Pakistan's
    retaliation.

    Parameters
    ----------
    stage : StageGame
    delta : float
        Discount factor per period, in (0, 1).
    trigger : NoisyTrigger
    runs, periods : int
        Number of runs and horizon in periods (>= 1 each).
    rng : numpy.random.Generator
        Seeded source of randomness.
    deviate_first : bool
        Kabul violates in period 0.
    """
    d = check_delta(delta)
    if runs < 1 or periods < 1:
        raise ConfigError(f"ceasefire.runs and ceasefire.periods: expected positive integers, got {runs} and {periods}")
    k = periods if trigger.k is None else trigger.k
    left = np.zeros(runs, dtype=np.int64)  # punishment periods still to come
    payoff = np.zeros(runs)
    punished = np.zeros(runs, dtype=np.int64)
    weight = 1.0 - d
    for t in range(periods):
        punishing = left > 0
        violate = deviate_first and t == 0
        u = stage.T if violate else stage.R
        payoff += weight * np.where(punishing, stage.P, u)
        punished += punishing
        signal = rng.random(runs) < (trigger.q_violate if violate else trigger.q_hold)
        retaliate = rng.random(runs) < trigger.retaliate
        left = np.where(punishing, left - 1, np.where(signal & retaliate, k, 0))
        weight *= d
    return TriggerRuns(payoff=payoff, punished_share=punished / periods)
