"""Hydra callbacks: aggregate a multirun's points into a table and plots when it ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from negsim.app.sweeps import aggregate
from negsim.errors import NegsimError


class AggregateSweep(Callback):
    """At the end of a multirun, write ``table.csv`` and plots (to ``results_dir`` if set)."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            paths = aggregate(sweep_dir, config.get("results_dir") or None)
        except NegsimError as exc:
            print(f"negsim: could not aggregate {sweep_dir}: {exc}")
            return
        print("negsim: sweep table and plots: " + ", ".join(str(p) for p in paths))
