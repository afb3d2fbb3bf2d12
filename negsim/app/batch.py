"""A sweep over values as one batch: each point validated once, solved together, written as it finishes.

``negsim -m mediator.verification=0,0.5,1`` asks for points that differ only in values.
:func:`plan_sweep` decides whether a sweep is such a sweep (the swept keys are values,
not config groups or Hydra's keys; the mode is a solve; the point folders are the
shipped ones; no interpolation could read a swept key) and lists its points exactly as
Hydra's basic sweeper would (its own :meth:`~hydra._internal.core_plugins.basic_sweeper.BasicSweeper.split_arguments`).
:func:`run_batch` then composes the config once, applies each point's values to plain
data (only the dictionaries on a swept key's path are copied, and each value is
type-checked once per value, not once per point), validates every point before anything
is written, skips the points whose folder already holds their results, and runs the rest
in chunks (:func:`negsim.studies.pipeline.run_points`: batch solving, shared random
numbers, spread over ``workers``), writing each point's ``metrics.json`` where a job of
the basic sweeper would. The table and plots are written by the sweep's callback, as for
any multirun.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from negsim.errors import ConfigError, NegsimError

#: The point folders of the shipped config (``hydra.sweep.subdir``); the batch writes these.
POINT_SUBDIR = "points/${negsim_point:${hydra.job.override_dirname}}"
#: Bytes of rollout results a chunk of points may hold (a chunk is written, then freed).
CHUNK_BYTES = 2**29
#: Run-days a chunk simulates at most (about ten seconds of one core): a killed sweep
#: loses at most one chunk, and progress moves at least this often.
CHUNK_RUN_DAYS = 4 * 10**8
#: Strata a point has at most (the outcomes of a 3x3 round), for sizing chunks.
MAX_STRATA = 9


@dataclass(frozen=True)
class SweepPlan:
    """A value sweep ready to run.

    Attributes
    ----------
    config : DictConfig
        The multirun's config (Hydra's node included).
    jobs : tuple of tuple of str
        Each point's overrides, in the order Hydra's basic sweeper gives them.
    swept : tuple of str
        The keys that are swept.
    chunk_points : int or None
        Points per chunk (None: sized from the rollout, :func:`chunk_size`).
    """

    config: DictConfig
    jobs: tuple[tuple[str, ...], ...]
    swept: tuple[str, ...]
    chunk_points: int | None = None

    @property
    def sweep_dir(self) -> Path:
        return Path(str(self.config.hydra.sweep.dir))


def plan_sweep(config: DictConfig, loader: Any, params: Mapping[str, str], arguments: Sequence[str],
               chunk_points: int | None = None) -> SweepPlan | None:
    """The sweep as a batch, or None when it must go point by point to the launcher.

    Parameters
    ----------
    config : DictConfig
        The multirun's config.
    loader : hydra.core.config_loader.ConfigLoader
        Hydra's config loader (it knows the config groups of every search path).
    params : mapping
        ``hydra.sweeper.params``.
    arguments : sequence of str
        The command line's task overrides.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = OverridesParser.create(config_loader=loader).parse_overrides(
        [*(f"{k}={v}" for k, v in params.items()), *arguments])
    swept = [str(o.get_key_element()) for o in overrides if o.is_sweep_override()]
    if not batchable(config, swept, lambda key: bool(loader.get_group_options(key))):
        return None
    (jobs,) = BasicSweeper.split_arguments(overrides, None)
    return SweepPlan(config, tuple(tuple(j) for j in jobs), tuple(swept), chunk_points)


def batchable(config: DictConfig, swept: Sequence[str], is_group: Callable[[str], bool]) -> bool:
    """True when a multirun of ``config`` sweeping the keys ``swept`` runs as one batch:
    negsim's sweeper with ``batch`` on, a solve, only values swept (no config group, no
    Hydra key, no ``+``/``~``), the shipped point folders, and no interpolation outside
    Hydra's node (it might read a swept key)."""
    sweeper = config.hydra.get("sweeper") or {}
    if not (str(sweeper.get("_target_", "")).endswith(".BatchSweeper") and sweeper.get("batch", False)):
        return False
    if str(config.get("mode")) != "solve":
        return False
    if any(k.startswith(("+", "~", "hydra")) or k == "mode" or is_group(k) for k in swept):
        return False
    sweep = OmegaConf.to_container(config.hydra.sweep, resolve=False)
    if not isinstance(sweep, dict) or sweep.get("subdir") != POINT_SUBDIR:
        return False
    task = OmegaConf.masked_copy(config, [str(k) for k in config if k != "hydra"])
    return "${" not in OmegaConf.to_yaml(task, resolve=False)


def _assoc(data: Mapping[str, Any], path: Sequence[str], value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` set to ``value``: only the dictionaries on the path are copied."""
    head, *rest = path
    out = dict(data)
    out[head] = _assoc(data[head], rest, value) if rest else value
    return out


def point_configs(plan: SweepPlan) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Each point's overrides and its config as plain data (:func:`~negsim.app.config.plain_config`
    of the base, with the point's values set). Values are type-checked as Hydra would,
    once per distinct value (:func:`~negsim.app.overrides.coerced_value`).

    Raises
    ------
    ConfigError
        Naming the key of the first value of the wrong type.
    """
    from negsim.app.config import plain_config
    from negsim.app.overrides import coerced_value

    base = plain_config(plan.config)
    swept = set(plan.swept)
    values: dict[str, Any] = {}
    for job in plan.jobs:
        data = base
        for line in job:
            key, _, text = line.partition("=")
            if key not in swept:
                continue
            if line not in values:
                value = coerced_value(plan.config, key, text)
                if value is None:
                    raise ConfigError(f"{key}: not a value the batched sweep can set; use hydra.sweeper.batch=false")
                values[line] = value
            data = _assoc(data, key.split("."), values[line])
        yield job, data


def chunk_size(runs: int, days: int, strata: int = MAX_STRATA) -> int:
    """Points per chunk: as many as :data:`CHUNK_BYTES` of results and :data:`CHUNK_RUN_DAYS`
    of simulation allow (at least one)."""
    from negsim.model.rollout import rollout_memory

    if runs == 0:
        return 4096
    by_memory = CHUNK_BYTES // max(1, rollout_memory(runs, strata) - rollout_memory(0, strata))
    return max(1, min(by_memory, CHUNK_RUN_DAYS // (strata * runs * days), 4096))


def _validated(plan: SweepPlan) -> list[tuple[tuple[str, ...], Any]]:
    """Every point of the plan built and validated (:func:`~negsim.studies.pipeline.build_point`),
    the config nodes the points share read once (:func:`~negsim.model.schema.reused_parses`)."""
    from negsim.model.schema import reused_parses
    from negsim.studies.pipeline import build_point

    with reused_parses():
        return [(job, build_point(data)) for job, data in point_configs(plan)]


def _run_chunk(points: list, workers: Any) -> list:
    """Outcomes of a chunk; a point that fails (not its validation: that is done) is
    retried alone, so only it carries the error."""
    from negsim.studies.pipeline import run_point, run_points

    try:
        return run_points(points, workers=workers)
    except NegsimError:
        out: list = []
        for pt in points:
            try:
                out.append(run_point(pt))
            except NegsimError as exc:
                out.append(exc)
        return out


def chunk_files(task: tuple[list, bool]) -> list:
    """What the files of a chunk's points hold: ``(metrics, arrays of rollout.npz or None)``
    per point, or the point's :class:`~negsim.errors.NegsimError`. ``task`` is the chunk's
    points and whether each run's outcomes are written. A worker's task: it returns data,
    the driver writes (a cluster's workers need not share the sweep's file system)."""
    points, runs = task
    return _files(_run_chunk(points, None), runs)


def _files(outcomes: list, runs: bool) -> list:
    return [o if isinstance(o, NegsimError) else
            (o.metrics, None if o.rollout is None else o.rollout.arrays(runs=runs)) for o in outcomes]


def _chunk_results(chunks: list, runs: bool, workers: Any) -> Iterator[tuple[list, list]]:
    """Each chunk with :func:`chunk_files` of it, in order. With several workers and at least
    two chunks per worker, whole chunks go to the workers, a wave of
    ``TASKS_PER_WORKER`` per worker at a time (solving, prediction and metrics run in
    parallel too, and at most a wave is held); otherwise chunk by chunk here, each
    chunk's rollouts split over the workers. Each point's numbers are the same either way."""
    from negsim.studies.parallel import TASKS_PER_WORKER, map_tasks, worker_count

    n = 1 if workers.n_jobs == 1 else worker_count(workers)
    if n == 1 or len(chunks) < 2 * n:
        for chunk in chunks:
            yield chunk, _files(_run_chunk([p for _, p, _ in chunk], workers), runs)
        return
    wave = n * TASKS_PER_WORKER
    for k in range(0, len(chunks), wave):
        part = chunks[k:k + wave]
        yield from zip(part, map_tasks(chunk_files, [([p for _, p, _ in c], runs) for c in part], workers), strict=True)


def run_batch(plan: SweepPlan) -> list:
    """Run a value sweep in this process and write each point's results (resuming).

    A bad value ends the command before anything is written, with one line naming the key
    and exit status 2, as on the command line.
    """
    try:
        return _run_batch(plan)
    except NegsimError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(2)


def _run_batch(plan: SweepPlan) -> list:
    from tqdm import tqdm

    from negsim.app.cli import finished, json_out, point_report, write_point
    from negsim.app.overrides import point_folder, recorded
    from negsim.app.sweeps import claim_folder
    from negsim.io.results import write_json_atomic
    from negsim.studies.parallel import workers_from_config
    from negsim.studies.pipeline import check_memory

    workers = workers_from_config(plan.config.get("workers"))
    runs = bool(OmegaConf.select(plan.config, "output.runs", default=None))  # null: not for sweep points
    points = _validated(plan)
    folder = plan.sweep_dir
    claim_folder(folder, sorted(set(plan.swept)), plan.jobs[0])
    folder.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(plan.config, folder / "multirun.yaml")
    todo = []
    for job, point in points:
        where = folder / "points" / point_folder(",".join(sorted(recorded(job))))
        if not finished(where, point.config_hash):
            todo.append((job, point, where))
    size = plan.chunk_points or chunk_size(max((p.runs for _, p, _ in todo), default=0),
                                           max((p.days for _, p, _ in todo), default=1))
    if todo:
        check_memory(max(p.runs for _, p, _ in todo), min(len(todo), size) * MAX_STRATA, todo[0][1].chunk_runs)
    chunks = [todo[k:k + size] for k in range(0, len(todo), size)]
    as_json = bool(OmegaConf.select(plan.config, "output.json", default=False))
    print(f"negsim: batched sweep of {len(points)} point(s) in this process ({len(todo)} to run, "
          f"{len(points) - len(todo)} already in {folder}; {len(chunks)} chunk(s)"
          f"{'' if workers.n_jobs == 1 else f', {workers.n_jobs} {workers.backend} workers'})",
          flush=True, file=sys.stderr if as_json else sys.stdout)
    done = len(points) - len(todo)
    with tqdm(total=len(todo), desc="sweep", unit="point", disable=not todo) as bar:
        for chunk, files in _chunk_results(chunks, runs, workers):
            for (job, _, where), result in zip(chunk, files, strict=True):
                done += 1
                record: dict[str, Any] = {"overrides": recorded(job)}
                if isinstance(result, NegsimError):
                    record["error"] = str(result)
                    write_json_atomic(where / "error.json", record)
                else:
                    metrics, arrays = result
                    write_point(where, metrics, arrays, record)
                    record = {**metrics, **record}
                bar.write(point_report(record, done, len(points), as_json), file=json_out() if as_json else None)
            bar.update(len(chunk))
    return []
