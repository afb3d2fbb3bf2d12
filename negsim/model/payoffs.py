"""Payoffs as features times weights, plus mediator transfers, for grids of parameters.

For the outcome of action pair ``(i, j)`` with features ``F[i, j, :]`` (DESIGN.md)::

    u_p(i, j) = sum_k w[p, k] * F_eff[i, j, k]  +  t * deal[i, j]  -  s * walkout[p, i, j]

where ``F_eff`` equals ``F`` except that the sovereignty feature is scaled by
``1 - relief * v`` (third-party verification ``v`` lowers the sovereignty cost of a
guarantee), ``t`` is the mediator's transfer on a deal and ``s`` its penalty on the side
that walks out. Every parameter may be an array: they broadcast together into a grid, and
the payoffs come back as a batch of matrices of shape ``grid + (m, n)`` in one call.
"""

from __future__ import annotations

import numpy as np

from negsim.errors import ConfigError
from negsim.model.scenario import Scenario, check_knob


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
    transfer_deal=None,
    penalty_walkout=None,
    verification=None,
    sovereignty_relief=None,
    weights=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Payoff matrices of both players over a broadcast grid of parameters.

    Parameters
    ----------
    scenario : Scenario
        Supplies features, default weights and default mediator leverage.
    transfer_deal, penalty_walkout : float or array_like, optional
        Mediator carrot and stick, payoff units; default: the scenario's mediator.
    verification, sovereignty_relief : float or array_like, optional
        Fractions in [0, 1]; default: the scenario's mediator.
    weights : array_like, shape (..., 2, K), optional
        Feature weights per player; default: the scenario's weights.

    Returns
    -------
    A, B : numpy.ndarray, shape (*grid, m, n)
        Row (first player) and column (second player) payoffs, where ``grid`` is the
        broadcast shape of all parameters given (``()`` for a single game).
    """
    med = scenario.mediator
    t = _knob("transfer_deal", med.transfer_deal if transfer_deal is None else transfer_deal)
    s = _knob("penalty_walkout", med.penalty_walkout if penalty_walkout is None else penalty_walkout)
    v = _knob("verification", med.verification if verification is None else verification)
    r = _knob("sovereignty_relief", med.sovereignty_relief if sovereignty_relief is None else sovereignty_relief)
    W = np.asarray(scenario.weights if weights is None else weights, float)
    grid = np.broadcast_shapes(t.shape, s.shape, v.shape, r.shape, W.shape[:-2])
    F = scenario.features  # (m, n, K)
    k = scenario.relief_feature
    base = np.einsum("mnk,...pk->...pmn", np.delete(F, k, axis=-1), np.delete(W, k, axis=-1))
    sov = W[..., :, k, None, None] * F[:, :, k]  # (..., 2, m, n)
    scale = (1.0 - r * v)[..., None, None, None]
    U = (
        base
        + sov * scale
        + t[..., None, None, None] * scenario.deal
        - s[..., None, None, None] * scenario.walkout
    )
    U = np.broadcast_to(U, (*grid, 2, *scenario.shape))
    return U[..., 0, :, :].copy(), U[..., 1, :, :].copy()


def payoff_grid(scenario: Scenario, **axes) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Payoffs on the outer product of named 1-D parameter axes.

    Parameters
    ----------
    scenario : Scenario
    **axes : 1-D array_like
        Named mediator parameters of :func:`payoff_batch` (e.g.
        ``verification=np.linspace(0, 1, 11), transfer_deal=np.linspace(0, 5, 21)``).

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
