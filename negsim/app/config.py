"""The Hydra side of configuration: the top-level schema and composed configs as plain data.

The library's specs (:mod:`negsim.model.schema`) are plain dataclasses; here they are
registered in Hydra's ``ConfigStore`` inside :class:`RunConfig`, so a typo or a wrong type
on the command line fails at composition with the key named. :func:`plain_config` turns
a composed config into the plain dict the library validates (:func:`point_from_config`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from negsim.errors import ConfigError
from negsim.model.mediation import MediationRunSpec
from negsim.model.schema import (
    BargainingSpec,
    CeasefireGameSpec,
    GameSpec,
    MediatorSpec,
    RolloutSpec,
    ScenarioSpec,
    SensitivitySpec,
    SolverSpec,
    ThresholdSpec,
    UncertaintySpec,
)
from negsim.studies.leverage_choice import LeverageChoiceSpec
from negsim.studies.pipeline import Point, build_point

#: What the ``negsim`` command can do (``mode``; set by ``experiment=`` and ``analysis=``).
MODES = ("solve", "threshold", "sensitivity", "uncertainty", "calibrate", "hindcast", "leverage_choice", "ceasefire",
         "bargaining", "crisis", "mediation")
#: Modes computed like a solve (one report, one metrics.json).
ANALYSES = ("ceasefire", "bargaining", "crisis", "mediation")


@dataclass
class WorkersConfig:
    """Where a batch's tasks run (:class:`negsim.studies.parallel.Workers`): ``n_jobs``
    processes (1: this one; -1: every core), on this machine (``local``) or a Ray cluster
    (``ray``, joining ``address``: ``host:port`` or ``auto``; none starts one here). No
    number depends on it, so it is left out of the config hash."""

    n_jobs: int = 1
    backend: str = "local"
    address: Optional[str] = None


@dataclass
class OutputConfig:
    """What a run writes beyond its results. ``runs``: each Monte Carlo run's outcomes
    (breakdown day, closed days, deaths) in ``rollout.npz``; null writes them for a single
    run and not for a sweep's points (10,000 runs are about 0.3 MB a point). No number
    depends on it, so it is left out of the config hash."""

    runs: Optional[bool] = None
    #: Print the run's metrics (a sweep's: one line per point) as JSON on stdout instead of the
    #: report (``negsim --json ...``).
    json: bool = False
    #: Write ``report.html`` (a run's, a sweep's): the one page for a reader. Drawing its payoff
    #: matrix imports matplotlib, about half a second of CPU on a run without a ceasefire.
    report: bool = True


@dataclass
class RunConfig:
    """The top-level config of the ``negsim`` command."""

    scenario: ScenarioSpec = MISSING
    game: GameSpec = MISSING
    mediator: MediatorSpec = MISSING
    solver: SolverSpec = field(default_factory=SolverSpec)
    rollout: RolloutSpec = MISSING
    seed: int = 20251019
    nfg: Optional[str] = None
    efg: Optional[str] = None
    after: Optional[str] = None
    outcome: Optional[str] = None
    horizon: Optional[int] = None
    results_dir: Optional[str] = None
    mode: str = "solve"
    threshold: ThresholdSpec = field(default_factory=ThresholdSpec)
    sensitivity: SensitivitySpec = field(default_factory=SensitivitySpec)
    uncertainty: UncertaintySpec = field(default_factory=UncertaintySpec)
    leverage_choice: LeverageChoiceSpec = field(default_factory=LeverageChoiceSpec)
    workers: WorkersConfig = field(default_factory=WorkersConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    ceasefire: Optional[CeasefireGameSpec] = None
    bargaining: Optional[BargainingSpec] = None
    mediation: Optional[MediationRunSpec] = None
    #: One file of configs/mediator_play/ (``mediator_play=NAME`` with analysis=mediation), validated by
    #: negsim.model.mediation.build_mediator_play; without it the analysis reads ``mediation.files``.
    mediator_play: Optional[Any] = None


def register() -> None:
    """Store :class:`RunConfig` as ``run_schema`` (the first entry of ``config.yaml``'s
    defaults) and the ``negsim_point`` resolver that names a sweep point's folder
    (:func:`negsim.app.overrides.point_folder`)."""
    from negsim.app.overrides import point_folder

    ConfigStore.instance().store(name="run_schema", node=RunConfig)
    OmegaConf.register_new_resolver("negsim_point", point_folder, replace=True)


def plain_config(cfg: DictConfig) -> dict[str, Any]:
    """A composed config as plain data, interpolations resolved, without Hydra's own node."""
    out: dict[str, Any] = {}
    for key in cfg:
        if key == "hydra":
            continue
        try:
            node = cfg[key]
            out[str(key)] = OmegaConf.to_container(node, resolve=True, throw_on_missing=True) if OmegaConf.is_config(node) else node
        except OmegaConfBaseException as exc:
            full_key = getattr(exc, "full_key", None) or str(key)
            raise ConfigError(f"{full_key}: {str(exc).splitlines()[0]}") from None
    return out


def check_mode(cfg: DictConfig) -> str:
    """The run's mode, or a :class:`ConfigError` naming ``mode``."""
    if cfg.mode not in MODES:
        raise ConfigError(f"mode: unknown mode '{cfg.mode}'; expected one of: {', '.join(MODES)}")
    return str(cfg.mode)


def point_from_config(cfg: DictConfig) -> Point:
    """Validate a composed config into a :class:`~negsim.studies.pipeline.Point`."""
    check_mode(cfg)
    return build_point(plain_config(cfg))
