"""Selecting one equilibrium when a game has several.

Rules, by name (:data:`SELECTION_RULES`):

``"logit_limit"``
    The *logit tracing* rule: follow the principal branch of the logit quantal response
    equilibrium from uniform play at precision 0 towards full rationality and select the
    equilibrium it converges to (McKelvey & Palfrey 1995; Turocy 2005). It is principled
    for this model: it assumes nothing about which equilibrium the delegations expect,
    starts from complete uncertainty and lets payoff differences (not labels or the
    order of actions) pull play towards one equilibrium, the same selection the
    Harsanyi-Selten tracing procedure smooths; it is unique for generic games; and it is
    the limit of the model the seminar uses for noisy, boundedly rational play. Each
    player's payoffs are first divided by their own range, so the pick does not depend
    on the unit either player's payoffs are stated in.
``"welfare"``
    The equilibrium with the largest sum of expected payoffs (a mediator's benchmark);
    ties broken by order.

With a single equilibrium every rule returns it.

A round's *prediction* (:data:`PREDICTION_RULES`) is either the logit QRE at a stated
precision (``"qre"``, the default; :func:`negsim.model.talks.qre_prediction`), under which
the equilibrium reported as selected is the ``"logit_limit"`` one, or the equilibrium a
selection rule picks.
"""

from __future__ import annotations

import warnings
from typing import Callable, Sequence

import numpy as np

from negsim.equilibrium import Equilibrium
from negsim.errors import SolverError
from negsim.game import player_scales

Profile = tuple[np.ndarray, np.ndarray]
#: Profiles whose distances to the logit limit differ by less than this are equally near.
_SAME_DISTANCE = 1e-9


def logit_selected(A: np.ndarray, B: np.ndarray, profiles: Sequence[Profile]) -> Profile:
    """The profile nearest (L1) to the end of the principal logit QRE branch; of profiles
    equally near (within ``1e-9``, as when a player is indifferent), the first listed.
    Where the branch cannot be followed to its end
    (:class:`~negsim.solvers.qre.QREPathError`), the profile nearest the last point it
    reached, with a warning.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (m, n)
    profiles : sequence of (x, y)
        Candidate equilibria, e.g. all extreme equilibria.
    """
    if not profiles:
        raise SolverError("logit selection: no candidate equilibria to select from")
    if len(profiles) == 1:
        return profiles[0]
    from negsim.solvers.qre import QREPathError, logit_limit

    unit = player_scales(A, B)
    try:
        x_end, y_end = logit_limit(A / unit[0], B / unit[1])
    except QREPathError as err:  # the documented fallback: nearest to the last point reached
        warnings.warn(
            f"logit QRE branch followed only to lambda={err.lam:.3g} (per unit of each player's payoff "
            f"range); selecting the equilibrium nearest the last point reached",
            stacklevel=2,
        )
        x_end, y_end = err.x, err.y
    dist = np.array([np.abs(x - x_end).sum() + np.abs(y - y_end).sum() for x, y in profiles])
    return profiles[int(np.flatnonzero(dist <= dist.min() + _SAME_DISTANCE)[0])]


def _by_logit(A, B, equilibria: Sequence[Equilibrium]) -> int:
    chosen = logit_selected(A, B, [e.strategies for e in equilibria])
    return next(k for k, e in enumerate(equilibria) if e.strategies is chosen)


def _by_welfare(A, B, equilibria: Sequence[Equilibrium]) -> int:
    return int(np.argmax([e.payoffs.sum() for e in equilibria]))


SELECTION_RULES: dict[str, Callable[..., int]] = {"logit_limit": _by_logit, "welfare": _by_welfare}
#: What may predict a round: the logit QRE, or a selected Nash equilibrium.
PREDICTION_RULES = ("qre", *SELECTION_RULES)


def select(game, equilibria: Sequence[Equilibrium], rule: str = "logit_limit") -> int:
    """Index of the equilibrium that ``rule`` selects among ``equilibria`` of ``game``
    (``"qre"``: the ``"logit_limit"`` one)."""
    rule = "logit_limit" if rule == "qre" else rule
    if rule not in SELECTION_RULES:
        raise SolverError(f"unknown selection rule '{rule}'; expected one of: {', '.join(PREDICTION_RULES)}")
    if not equilibria:
        raise SolverError("no equilibria to select from")
    return 0 if len(equilibria) == 1 else SELECTION_RULES[rule](game.A, game.B, equilibria)
