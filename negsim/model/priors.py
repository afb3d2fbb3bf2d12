"""Priors on the judgement calls: how far each number of the configs could be from its value.

Every number that comes from the record (a payoff weight, a rate of the ceasefire
process, the ceasefire's discount, the mechanism's shares, the stated precision) may carry
a prior beside its value and sources::

    escalation: {value: -1.5, source: [PK4, PK9, EV2], prior: {dist: uniform, low: -2.5, high: -0.5}}

(for the rollout's plain numbers, in their ``sources`` entry). Four families:

==============  ==============================================  ==========================
``dist``        parameters                                      support
==============  ==============================================  ==========================
``uniform``     ``low``, ``high``                               [low, high]
``triangular``  ``low``, ``high``, ``mode`` (default: the value) [low, high]
``normal``      ``mean`` (default: the value), ``sd``; truncated [low, high] (default: the
                to ``low``/``high``                              parameter's valid range)
``beta``        ``a``, ``b`` on [``low``, ``high``]               [low, high] (default [0, 1])
==============  ==============================================  ==========================

A prior must lie inside the parameter's valid range and contain its value. Where the
evidence gives a range (the notes of ``configs/rollout/default.yaml`` do), the configs
state it as a prior; where it gives only a direction, :func:`default_prior` applies the
documented default: uniform within ``DEFAULT_WIDTH = 25%`` of the value on either side
(the tornado's step, :mod:`negsim.studies.sensitivity`), clipped to the valid range. A zero
(a feature that does not matter to a player) and a whole number (a ladder level, a number
of days) stay fixed unless given a prior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from negsim.errors import ConfigError

#: Relative half-width of the default prior where the evidence gives only a direction.
DEFAULT_WIDTH = 0.25
DISTRIBUTIONS = ("uniform", "triangular", "normal", "beta")
_UNIT = (0.0, 1.0)
_ANY = (-math.inf, math.inf)
#: Valid range of each scenario-level parameter that may carry a prior.
VALID_RANGES: dict[str, tuple[float, float]] = {
    "mechanism.unverified_share": _UNIT,
    "mechanism.sovereignty_effect": _ANY,
    "precision": (0.0, math.inf),
    "ceasefire_discount": (1e-9, 1.0 - 1e-9),
}
#: Valid range of each scalar ceasefire-process parameter (:class:`negsim.model.rollout.CeasefireParams`).
VALID_RANGES_ROLLOUT: dict[str, tuple[float, float]] = {
    **{k: _UNIT for k in (
        "attack_rate", "effort_cap", "major_share", "attribution", "false_alarm_verification",
        "detection_verification", "pak_retaliate", "afg_respond", "incident_damping", "deescalate",
        "deconfliction_pull", "war_exit", "reopen")},
    "tension_shape": (1e-9, 1.0),
    "tension_scale": (1e-9, math.inf),
}


@dataclass(frozen=True)
class Prior:
    """A prior distribution on one parameter, with support ``[low, high]``.

    ``origin`` says where it came from: ``"config"`` (stated with a source beside the
    value) or ``"default"`` (:data:`DEFAULT_WIDTH` around the value).
    """

    dist: str
    low: float
    high: float
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    a: float | None = None
    b: float | None = None
    origin: str = "config"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles at probabilities ``u`` in [0, 1] (any shape): maps uniform draws
        (Latin hypercube or Sobol points) to draws of this prior."""
        u = np.asarray(u, dtype=float)
        lo, hi = self.low, self.high
        if self.dist == "uniform":
            return lo + u * (hi - lo)
        if self.dist == "triangular":
            c = (self.mode - lo) / (hi - lo)  # type: ignore[operator]
            left = lo + np.sqrt(u * (hi - lo) * (self.mode - lo))  # type: ignore[operator]
            right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - self.mode))  # type: ignore[operator]
            return np.where(u < c, left, right)
        from scipy import stats  # slow to import; only when drawing

        if self.dist == "normal":
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd  # type: ignore[operator]
            return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        return lo + (hi - lo) * stats.beta.ppf(u, self.a, self.b)

    def describe(self) -> str:
        """A short text, e.g. ``triangular(0.05, 0.15, 0.3)``."""
        args = {
            "uniform": (self.low, self.high),
            "triangular": (self.low, self.mode, self.high),
            "normal": (self.mean, self.sd, self.low, self.high),
            "beta": (self.a, self.b, self.low, self.high),
        }[self.dist]
        return f"{self.dist}({', '.join(f'{v:g}' for v in args)})"


def _given(spec, name: str):
    return getattr(spec, name, None)


def prior_from_spec(spec, key: str, value: float, valid: tuple[float, float]) -> Prior:
    """Validate a :class:`~negsim.model.schema.PriorSpec` for the parameter ``key``.

    Parameters
    ----------
    spec : PriorSpec
    key : str
        The parameter's dotted config key (for messages), e.g.
        ``scenario.weights.PAK.escalation``.
    value : float
        The parameter's value, which the prior's support must contain.
    valid : (float, float)
        The parameter's valid range (``-inf``/``inf`` where open), which must contain the support.

    Raises
    ------
    ConfigError
        One line naming ``key.prior`` and what was expected.
    """
    where = f"{key}.prior"
    if spec.dist not in DISTRIBUTIONS:
        raise ConfigError(f"{where}.dist: expected one of {', '.join(DISTRIBUTIONS)}, got {spec.dist!r}")
    lo = spec.low if spec.low is not None else (0.0 if spec.dist == "beta" else valid[0])
    hi = spec.high if spec.high is not None else (1.0 if spec.dist == "beta" else valid[1])
    for name in ("low", "high", "mode", "mean", "sd", "a", "b"):
        v = _given(spec, name)
        if v is not None and not math.isfinite(v):
            raise ConfigError(f"{where}.{name}: expected a finite number, got {v!r}")
    need = {"uniform": ("low", "high"), "triangular": ("low", "high"), "normal": ("sd",), "beta": ("a", "b")}
    for name in need[spec.dist]:
        if _given(spec, name) is None:
            raise ConfigError(f"{where}.{name}: missing, a {spec.dist} prior needs {' and '.join(need[spec.dist])}")
    bounded = spec.dist == "normal" or (math.isfinite(lo) and math.isfinite(hi))
    if not (bounded and lo < hi):
        raise ConfigError(f"{where}: expected finite bounds low < high, got [{lo}, {hi}]")
    if lo < valid[0] or hi > valid[1]:
        raise ConfigError(f"{where}: expected a support inside the valid range [{valid[0]}, {valid[1]}], got [{lo}, {hi}]")
    if not lo <= value <= hi:
        raise ConfigError(f"{where}: the support [{lo}, {hi}] does not contain the value {value}")
    extra: dict[str, float | None] = {}
    if spec.dist == "triangular":
        mode = value if spec.mode is None else spec.mode
        if not lo <= mode <= hi:
            raise ConfigError(f"{where}.mode: expected a mode in [{lo}, {hi}], got {mode}")
        extra["mode"] = mode
    elif spec.dist == "normal":
        if spec.sd <= 0:
            raise ConfigError(f"{where}.sd: expected a positive standard deviation, got {spec.sd}")
        extra["mean"], extra["sd"] = (value if spec.mean is None else spec.mean), spec.sd
    elif spec.dist == "beta":
        if spec.a <= 0 or spec.b <= 0:
            raise ConfigError(f"{where}.a, .b: expected positive shapes, got {spec.a}, {spec.b}")
        extra["a"], extra["b"] = spec.a, spec.b
    return Prior(spec.dist, float(lo), float(hi), **extra)  # type: ignore[arg-type]


def default_prior(value: float, valid: tuple[float, float], width: float = DEFAULT_WIDTH) -> Prior | None:
    """Uniform within ``width`` of ``value`` on either side, clipped to ``valid``; None
    for a zero (fixed by the evidence's direction) or where clipping leaves no range."""
    if value == 0.0:
        return None
    lo, hi = sorted((value * (1 - width), value * (1 + width)))
    lo, hi = max(lo, valid[0]), min(hi, valid[1])
    return Prior("uniform", lo, hi, origin="default") if lo < hi else None
