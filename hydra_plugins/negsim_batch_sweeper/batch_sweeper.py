"""A Hydra sweeper that runs a sweep over values as one batch in this process.

``negsim -m mediator.verification=0,0.5,1`` sweeps values, not config groups: every
point has the same config but for those values, so :mod:`negsim.app.batch` validates
each point once, solves all their games together and rolls their ceasefires out on
shared random numbers, writing each point's ``metrics.json`` into Hydra's sweep folder
exactly where a job of the basic sweeper would, and resuming from it. A sweep over a
config group (``scenario=doha_round,istanbul_round3``), over Hydra's own keys or of a
mode that is not a solve goes, point by point, to the configured launcher through
Hydra's basic sweeper, as does every sweep with ``hydra.sweeper.batch=false``. On both
paths a ``range()`` sweep gives exact decimals (:mod:`.exact_ranges`): ``range(0,1.01,0.1)``
names its points, records its overrides and fills its table with ``0.7``, not
``0.7000000000000001``.

This module stays light: Hydra imports every plugin module whenever it starts. It has
no ``from __future__ import annotations``: Hydra executes plugin modules without
registering them in ``sys.modules``, where a dataclass would look its string annotations up.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from .exact_ranges import exact_override, exact_params


@dataclass
class BatchSweeperConf:
    """``hydra.sweeper``: ``params`` as Hydra's basic sweeper; ``batch`` false sends every
    point to the launcher; ``chunk_points`` points are run and written together (None:
    sized from the rollout; a killed sweep loses at most one chunk); ``max_batch_size`` is
    the basic sweeper's (launcher path only)."""

    _target_: str = "hydra_plugins.negsim_batch_sweeper.batch_sweeper.BatchSweeper"
    params: Optional[Dict[str, str]] = field(default_factory=dict)
    batch: bool = True
    chunk_points: Optional[int] = None
    max_batch_size: Optional[int] = None


ConfigStore.instance().store(group="hydra/sweeper", name="negsim_batch", node=BatchSweeperConf, provider="negsim")


class BatchSweeper(Sweeper):
    """Value sweeps in one batch (:func:`negsim.app.batch.run_batch`), others through
    Hydra's :class:`BasicSweeper` and the configured launcher; range sweeps in exact
    decimals on both paths (:func:`exact_params`, :func:`exact_override`)."""

    def __init__(self, params: Optional[Dict[str, str]] = None, batch: bool = True,
                 chunk_points: Optional[int] = None, max_batch_size: Optional[int] = None) -> None:
        super().__init__()
        self.params = exact_params(dict(params or {}))
        self.batch, self.chunk_points = batch, chunk_points
        self.basic = BasicSweeper(max_batch_size=max_batch_size, params=self.params)
        self.hydra_context: Optional[HydraContext] = None
        self.config: Optional[DictConfig] = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.hydra_context, self.config = hydra_context, config
        self.basic.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: List[str]) -> Any:
        assert self.config is not None and self.hydra_context is not None
        from negsim.app.batch import plan_sweep, run_batch

        exact = [exact_override(a) for a in arguments]
        plan = plan_sweep(self.config, self.hydra_context.config_loader, self.params, exact,
                          self.chunk_points) if self.batch else None
        if plan is None:
            return self.basic.sweep(exact)
        return run_batch(plan)
