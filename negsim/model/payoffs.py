"""Payoffs as features times weights, plus transfers tied to deals, for grids of parameters.

For the outcome of action pair ``(i, j)`` with features ``F[i, j, :]`` (DESIGN.md)::

    u_p(i, j) = sum_k w[p, k] * F_eff[i, j, k]
                + t_written * written[i, j] * [p receives it]
                + t_pledge * pledge[i, j] * [p receives it]
                - s * blame[p, i, j]

Verification acts only where the outcome agrees a mechanism: ``v_ij = v * V[i, j]`` with
``V`` the outcome's verification provision (MD6: no mechanism, no effect). It raises the
value of a commitment, whose guarantee feature counts at ``g * (u + (1 - u) v_ij)`` (an
unverified commitment delivers the share ``u``: PK2, Walter 2002, Fortna 2003), and it
changes Kabul's sovereignty cost by the signed ``sovereignty_effect * v_ij`` (AF4; the
cost never falls below zero). Each transfer is paid only on the deal it buys, to the side
whose concession it is (``game.transfers``), and the penalty falls on the side blamed for
a failed round, by its share. Every parameter may be an array: they broadcast together
into a grid, and the payoffs come back as a batch of matrices of shape ``grid + (m, n)``.
"""

from __future__ import annotations

import numpy as np

from negsim.errors import ConfigError
from negsim.game import player_scales
from negsim.model.scenario import Scenario, check_knob

#: The mediator knobs that enter the talks game's payoffs (the rest act in the ceasefire).
TALKS_KNOBS = ("transfer_written", "transfer_pledge", "penalty_breakdown", "verification")


def _knob(name: str, values) -> np.ndarray:
    """A mediator knob's values as an array, each checked like a config value
    (:func:`negsim.model.scenario.check_knob`: finite, in its range)."""
    try:
        arr = np.asarray(values, float)
    except (TypeError, ValueError):
        raise ConfigError(f"mediator.{name}: expected numbers, got {values!r}") from None
    for value in np.unique(arr):  # grids repeat values; each distinct one is checked once
        check_knob(name, float(value))
    return arr


def payoff_batch(
    scenario: Scenario,
    *,
    transfer_written=None,
    transfer_pledge=None,
    penalty_breakdown=None,
    verification=None,
    weights=None,
    unverified_share=None,
    sovereignty_effect=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Payoff matrices of both players over a broadcast grid of parameters.

    Parameters
    ----------
    scenario : Scenario
        Supplies features, provisions, default weights, mechanism and mediator leverage.
    transfer_written, transfer_pledge, penalty_breakdown : float or array_like, optional
        Mediator carrots and stick, payoff units; default: the scenario's mediator.
    verification : float or array_like, optional
        Verification on offer, in [0, 1]; default: the scenario's mediator.
    weights : array_like, shape (..., 2, K), optional
        Feature weights per player; default: the scenario's weights.
    unverified_share, sovereignty_effect : float or array_like, optional
        The mechanism (:class:`~negsim.model.scenario.Scenario`); default: the scenario's.

    Returns
    -------
    A, B : numpy.ndarray, shape (*grid, m, n)
        Row (first player) and column (second player) payoffs, where ``grid`` is the
        broadcast shape of all parameters given (``()`` for a single game).
    """
    med = scenario.mediator
    given = {"transfer_written": transfer_written, "transfer_pledge": transfer_pledge,
             "penalty_breakdown": penalty_breakdown, "verification": verification}
    k = {name: _knob(name, getattr(med, name) if value is None else value) for name, value in given.items()}
    u = np.asarray(scenario.unverified_share if unverified_share is None else unverified_share, float)
    if np.any((u < 0) | (u > 1)) or not np.all(np.isfinite(u)):
        raise ConfigError(f"game.mechanism.unverified_share: expected fractions in [0, 1], got {u}")
    sov = np.asarray(scenario.sovereignty_effect if sovereignty_effect is None else sovereignty_effect, float)
    W = np.asarray(scenario.weights if weights is None else weights, float)
    grid = np.broadcast_shapes(*(a.shape for a in k.values()), u.shape, sov.shape, W.shape[:-2])

    def g(a: np.ndarray) -> np.ndarray:  # a grid value against the cells, shape (..., 1, 1)
        return a[..., None, None]

    F = scenario.features  # (m, n, K)
    names = scenario.feature_names
    v_in_force = g(k["verification"]) * scenario.provision("verification")  # (..., m, n)
    F_eff = np.broadcast_to(F, (*v_in_force.shape, F.shape[-1])).copy()
    gi, si = names.index("guarantee"), names.index("sovereignty")
    F_eff[..., gi] = F[:, :, gi] * (g(u) + (1.0 - g(u)) * v_in_force)
    F_eff[..., si] = np.maximum(F[:, :, si] + g(sov) * v_in_force, 0.0)
    U = np.einsum("...mnk,...pk->...pmn", F_eff, W)
    written = np.array([[kind == "written" for kind in row] for row in scenario.deal_kind], float)
    pledge = np.array([[kind == "pledge" for kind in row] for row in scenario.deal_kind], float)
    recipient = np.eye(2)
    U = (
        U
        + g(k["transfer_written"])[..., None, :, :] * recipient[scenario.transfer_to["written"]][:, None, None] * written
        + g(k["transfer_pledge"])[..., None, :, :] * recipient[scenario.transfer_to["pledge"]][:, None, None] * pledge
        - g(k["penalty_breakdown"])[..., None, :, :] * scenario.blame
    )
    U = np.broadcast_to(U, (*grid, 2, *scenario.shape))
    return U[..., 0, :, :].copy(), U[..., 1, :, :].copy()


def payoff_scale(scenario: Scenario) -> np.ndarray:
    """Each player's payoff unit for predictions: the range of its payoffs without leverage.

    The range (max minus min over the cells) of each player's payoffs with every talks
    knob at zero. Dividing a player's payoffs by it makes the logit prediction independent
    of the arbitrary unit each player's weights are stated in, while a transfer of one unit
    means the same at every leverage point of a sweep.

    Returns
    -------
    numpy.ndarray, shape (2,)
        Positive scales of Pakistan's and Kabul's payoffs (1 where a player's payoffs are flat).
    """
    return player_scales(*payoff_batch(scenario, **{knob: 0.0 for knob in TALKS_KNOBS}))


def payoff_grid(scenario: Scenario, **axes) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Payoffs on the outer product of named 1-D parameter axes.

    Parameters
    ----------
    scenario : Scenario
    **axes : 1-D array_like
        Named parameters of :func:`payoff_batch` (e.g.
        ``verification=np.linspace(0, 1, 11), transfer_written=np.linspace(0, 5, 21)``).

    Returns
    -------
    A, B : numpy.ndarray, shape (len(axis_1), ..., len(axis_k), m, n)
    mesh : dict of str to numpy.ndarray
        The parameter value of every grid point, each of the grid's shape.
    """
    names = list(axes)
    arrays = [np.asarray(axes[a], float).ravel() for a in names]
    mesh = dict(zip(names, np.meshgrid(*arrays, indexing="ij"), strict=True))
    A, B = payoff_batch(scenario, **mesh)
    return A, B, mesh
