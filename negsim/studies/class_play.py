"""The class against the model: how a class of students played a round, next to the theory.

For one round of the talks game played by a class (the moves of
:mod:`negsim.io.moves`, counted by :func:`negsim.io.moves.talks_counts`):

* :func:`class_fit`: each side's choice shares; the Nash prediction (the equilibrium
  negsim selects, :func:`negsim.select` with ``"logit_limit"``); the logit QRE fitted to
  the class's own choices by maximum likelihood (:func:`negsim.estimate_qre`), with its
  profile-likelihood interval and the shares it implies; and the model's predicted
  shares at its stated precision.
* :func:`scenario_class_fit`: the same for a scenario's round, at the scenario's own
  precision and payoff units, so its model shares are exactly those of
  :func:`negsim.model.talks.predict`.
* :func:`class_deal`: the share of pairs whose outcome was a deal, with its interval, next
  to the model's P(deal) (:func:`negsim.model.talks.deal_probability`) and the selected
  equilibrium's.

Units of the precision ``lambda``: *per unit of each player's own payoff range*, the
convention of :func:`negsim.model.talks.predict` and of a scenario's ``precision``: the
QRE is fitted on the game with each player's payoffs divided by its scale. In
:func:`class_fit` the scale is the game's own range (:func:`negsim.game.player_scales`);
a scenario's prediction uses the range *without leverage*
(:func:`negsim.model.payoffs.payoff_scale`), which differs when the mediator offers
transfers or penalties (by about 8% for the shipped rounds): for a scenario use
:func:`scenario_class_fit`, whose fitted ``lambda`` is then directly comparable with
``scenario.precision``.

Every result is a plain dict of lists and numbers (JSON-ready, except that an interval's
upper end is ``math.inf`` when the class's choices are consistent with ever more precise
play, and ``json.dumps`` writes that as ``Infinity``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.game import Game, player_scales
from negsim.model.payoffs import payoff_scale
from negsim.model.scenario import Scenario
from negsim.model.talks import deal_probability, predict, talks_game


def _counts(game: Game, counts: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate the class's counts: a pair of non-negative finite arrays of shapes (m,), (n,)."""
    m, n = game.shape
    if isinstance(counts, np.ndarray) or not hasattr(counts, "__len__") or len(counts) != 2:
        raise ConfigError(f"counts: expected a pair (row_counts, col_counts) of shapes ({m},) and ({n},)")
    out = []
    for p, (values, k) in enumerate(zip(counts, (m, n), strict=True)):
        who = game.players[p]
        try:
            arr = np.array(values, dtype=float)
        except (TypeError, ValueError):
            raise ConfigError(f"counts: {who}'s counts must be numbers, shape ({k},)") from None
        if arr.shape != (k,):
            raise ConfigError(f"counts: {who}'s counts must have shape ({k},), got shape {arr.shape}")
        if not np.all(np.isfinite(arr) & (arr >= 0)):
            raise ConfigError(f"counts: {who}'s counts must be finite numbers >= 0, got {arr.tolist()}")
        out.append(arr)
    return out[0], out[1]


def _check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ConfigError(f"confidence: expected a level in (0, 1), got {confidence!r}")
    return float(confidence)


def _check_lam(lam: float | None) -> float | None:
    if lam is None:
        return None
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not (math.isfinite(lam) and lam >= 0):
        raise ConfigError(f"lam_model: expected a precision >= 0 (per unit of payoff range), got {lam!r}")
    return float(lam)


def _shares(c: np.ndarray) -> list[float] | None:
    total = float(c.sum())
    return None if total == 0 else (c / total).tolist()


def _fit(game: Game, counts: Any, scale: np.ndarray, lam_model: float | None, confidence: float) -> dict:
    """:func:`class_fit` with each player's payoff unit ``scale`` (shape (2,)) stated."""
    from negsim.solvers import solve
    from negsim.solvers.qre import qre_at
    from negsim.solvers.qre_estimate import estimate_qre
    from negsim.solvers.selection import select

    c, d = _counts(game, counts)
    level = _check_confidence(confidence)
    lam = _check_lam(lam_model)
    scaled = Game(game.A / scale[0], game.B / scale[1], players=game.players, actions=game.actions,
                  title=game.title)
    equilibria = solve(game)
    x_nash, y_nash = equilibria[select(game, equilibria, "logit_limit")].strategies
    qre_fit = None
    if c.sum() + d.sum() > 0:
        fit = estimate_qre(scaled, (c, d), confidence=level)
        low, high = fit.interval
        qre_fit = {"lam": float(fit.lam), "low": float(low), "high": float(high),
                   "shares": [fit.x.tolist(), fit.y.tolist()]}
    model = None
    if lam is not None:
        x_model, y_model = qre_at(scaled.A, scaled.B, lam)
        model = [x_model.tolist(), y_model.tolist()]
    return {
        "shares": [_shares(c), _shares(d)],
        "nash": [x_nash.tolist(), y_nash.tolist()],
        "qre_fit": qre_fit,
        "model_shares": model,
        "n": [int(round(float(c.sum()))), int(round(float(d.sum())))],
    }


def class_fit(game: Game, counts: tuple[np.ndarray, np.ndarray], *, lam_model: float | None = None,
              confidence: float = 0.95) -> dict:
    """The class's choices against the Nash prediction and the logit QRE.

    Parameters
    ----------
    game : Game
        The round's game (``A`` row player's payoffs, ``B`` column player's, shape (m, n)).
    counts : pair of array_like
        ``(row_counts, col_counts)``, shapes (m,) and (n,): how often the class chose each
        action on each side (:func:`negsim.io.moves.talks_counts`); non-negative.
    lam_model : float, optional
        The model's precision (per unit of each player's payoff range, here the game's
        own, :func:`negsim.game.player_scales`); with it, ``model_shares`` is the logit QRE
        at that precision. For a scenario pass it to :func:`scenario_class_fit` instead.
    confidence : float
        Level of the precision's profile-likelihood interval, in (0, 1).

    Returns
    -------
    dict
        ``shares``: ``[row_shares, col_shares]``, each side's choice shares (None for a
        side without moves); ``nash``: ``[x, y]``, the equilibrium negsim selects
        (``logit_limit``); ``qre_fit``: ``{"lam", "low", "high", "shares"}``, the
        precision fitted by maximum likelihood (per unit of each player's payoff range),
        its interval at ``confidence`` (``high`` may be ``math.inf``) and the QRE shares
        ``[x, y]`` at the fit, or None when there are no moves; ``model_shares``: ``[x,
        y]`` at ``lam_model``, or None without it; ``n``: ``[row_moves, col_moves]``.

    Raises
    ------
    ConfigError
        For counts of the wrong shape or negative, a bad ``lam_model`` or ``confidence``.
    """
    if not isinstance(game, Game):
        raise ConfigError(f"game: expected a negsim Game, got {type(game).__name__}")
    return _fit(game, counts, player_scales(game.A, game.B), lam_model, confidence)


def scenario_class_fit(scenario: Scenario, counts: tuple[np.ndarray, np.ndarray], *,
                       confidence: float = 0.95) -> dict:
    """:func:`class_fit` for a scenario's round, in the scenario's own units.

    The game is the scenario's talks game at its mediator's leverage (pass
    ``negsim.with_mediator(scenario, **leverage)`` for the leverage a classroom round
    used); the precision is per unit of each player's payoff range without leverage
    (:func:`negsim.model.payoffs.payoff_scale`), as ``scenario.precision`` is, and
    ``model_shares`` is the prediction at ``scenario.precision``: the marginals of
    :func:`negsim.model.talks.predict` exactly.

    Returns
    -------
    dict
        As :func:`class_fit`.
    """
    if not isinstance(scenario, Scenario):
        raise ConfigError(f"scenario: expected a negsim Scenario, got {type(scenario).__name__}")
    return _fit(talks_game(scenario), counts, payoff_scale(scenario), scenario.precision, confidence)


def class_deal(scenario: Scenario, outcome_counts: Any, *, confidence: float = 0.95) -> dict:
    """P(deal) in the class against the model's.

    Parameters
    ----------
    scenario : Scenario
        The round (at the leverage the class played: ``negsim.with_mediator(...)``).
    outcome_counts : array_like, shape (m, n)
        How many pairs ended in each outcome (Pakistan's action, Kabul's action): whole
        numbers >= 0.
    confidence : float
        Level of the Wilson interval of the class's share, in (0, 1).

    Returns
    -------
    dict
        ``class``: the share of pairs whose outcome is a deal (``scenario.deal``; None
        without pairs), ``low`` and ``high`` its Wilson interval
        (:func:`negsim.model.rollout.wilson_interval`; None without pairs),
        ``model``: the model's P(deal) (:func:`negsim.model.talks.predict` at the
        scenario's precision), ``nash``: P(deal) in the selected equilibrium
        (``logit_limit``), ``pairs``: the number of pairs.

    Raises
    ------
    ConfigError
        For a table of the wrong shape, or with entries that are not whole numbers >= 0.
    """
    from negsim.model.rollout import wilson_interval
    from negsim.solvers import solve
    from negsim.solvers.selection import select

    if not isinstance(scenario, Scenario):
        raise ConfigError(f"scenario: expected a negsim Scenario, got {type(scenario).__name__}")
    level = _check_confidence(confidence)
    try:
        table = np.array(outcome_counts, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"outcome_counts: expected numbers of shape {scenario.shape}") from None
    if table.shape != tuple(scenario.shape):
        raise ConfigError(f"outcome_counts: expected shape {tuple(scenario.shape)}, got shape {table.shape}")
    if not np.all(np.isfinite(table) & (table >= 0) & (table == np.round(table))):
        raise ConfigError("outcome_counts: expected whole numbers of pairs >= 0")
    game = talks_game(scenario)
    equilibria = solve(game)
    x, y = equilibria[select(game, equilibria, "logit_limit")].strategies
    pairs = float(table.sum())
    deals = float(table[scenario.deal].sum())
    share = low = high = None
    if pairs > 0:
        p, lo, hi = wilson_interval(deals, int(round(pairs)), level)
        share, low, high = float(p), float(lo), float(hi)
    return {
        "class": share,
        "low": low,
        "high": high,
        "model": deal_probability(scenario, predict(scenario, game)),
        "nash": deal_probability(scenario, np.outer(x, y)),
        "pairs": int(round(pairs)),
    }
