"""Global sensitivity: which judgement calls the answers depend on, jointly (Sobol indices).

The one-at-a-time tornado (:mod:`negsim.studies.sensitivity`) moves one input with the
others at their values; Sobol indices split the variance of an answer over the joint
priors (Sobol 2001; Saltelli et al. 2010, "Variance based sensitivity analysis of model
output", Comput. Phys. Commun. 181): the *first-order* index ``S1`` of an input is the share
of the variance its own variation explains, the *total* index ``ST`` the share it takes part
in, interactions included (``S1 <= ST``; an input with ``ST`` near 0 can be fixed).

SALib (the field's library) makes the Saltelli sample and the estimates, with bootstrap
confidence intervals. Its sample is drawn on ``[0, 1]^D`` and mapped through each prior's
quantile function (:meth:`negsim.model.priors.Prior.ppf`), the same map as the parameter
bands, so the indices are those of the stated priors (they do not change under a monotone
map of an input). SALib is an optional extra (``pip install negsim[uncertainty]``).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.studies.uncertainty import Parameter


def _salib():
    try:
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample
    except ImportError:
        raise ConfigError("Sobol indices need SALib: pip install 'negsim[uncertainty]'") from None
    return sample, analyze


def sobol_indices(
    space: Sequence[Parameter],
    evaluate: Callable[[np.ndarray], dict[str, float]],
    base: int,
    *,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """First-order and total Sobol indices of each answer over the parameters' priors.

    Parameters
    ----------
    space : sequence of Parameter
        The inputs and their priors (``D`` of them).
    evaluate : callable
        Maps one draw (values in the parameters' own units, shape (D,)) to named answers.
    base : int
        Saltelli base sample size (a power of two); ``base * (2 D + 2)`` evaluations.
    seed : int
    progress : callable, optional
        Called with ``(done, total)`` after each evaluation.

    Returns
    -------
    dict of answer name to rows
        One row per parameter: ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
        (half-widths of 95% bootstrap intervals), in the order of ``space``.
    """
    if base < 2 or base & (base - 1):
        raise ConfigError(f"uncertainty.sobol_base: expected a power of two >= 2, got {base}")
    sample, analyze = _salib()
    problem = {"num_vars": len(space), "names": [p.name for p in space], "bounds": [[0.0, 1.0]] * len(space)}
    u = sample.sample(problem, base, calc_second_order=False, seed=seed)
    values = np.column_stack([p.prior.ppf(u[:, k]) for k, p in enumerate(space)])
    answers: dict[str, list[float]] = {}
    for k, row in enumerate(values):
        for name, v in evaluate(row).items():
            answers.setdefault(name, []).append(v)
        if progress is not None:
            progress(k + 1, len(values))
    out = {}
    for name, ys in answers.items():
        res = analyze.analyze(problem, np.array(ys), calc_second_order=False, seed=seed)
        out[name] = [
            {"parameter": p.name, "S1": float(res["S1"][k]), "S1_conf": float(res["S1_conf"][k]),
             "ST": float(res["ST"][k]), "ST_conf": float(res["ST_conf"][k])}
            for k, p in enumerate(space)
        ]
    return out
