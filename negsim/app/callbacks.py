"""Hydra callbacks: aggregate a multirun's points into a table and plots when it ends."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from negsim.app.sweeps import aggregate, varying
from negsim.errors import NegsimError


class AggregateSweep(Callback):
    """At the end of a multirun, write ``table.csv`` and plots (to ``results_dir`` if set).

    A table that could not be written, or points that failed, end the command with exit
    status 1 and one line saying what is missing: Hydra turns an exception of a callback
    into a warning, so this raises :class:`SystemExit`, which it lets through.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():  # the sweep stopped before writing anything (a bad value), and said why
            return
        as_json = bool(OmegaConf.select(config, "output.json", default=False))
        try:
            task = [o for o in OmegaConf.select(config, "hydra.overrides.task", default=[]) if o != "output.json=true"]
            paths = aggregate(sweep_dir, config.get("results_dir") or None, show=None if as_json else _summary,
                              command=shlex.join(["negsim", "-m", *task]),
                              report=bool(OmegaConf.select(config, "output.report", default=True)))
        except NegsimError as exc:
            print(f"negsim: error: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
        print("negsim: sweep table and plots: " + ", ".join(str(p) for p in paths),
              file=sys.stderr if as_json else sys.stdout)


def _summary(rows: list[dict[str, Any]]) -> None:
    """Print a sweep's closing summary table (:func:`negsim.viz.text.summary_table`)."""
    from negsim.viz.text import summary_table

    print(summary_table(rows, varying(rows)))
