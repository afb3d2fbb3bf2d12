"""Batches on several workers, with the same numbers whatever the number of workers.

Two kinds of batch split into independent tasks whose answers do not depend on where
they run:

* **rollouts** (:func:`roll_groups`): a rollout's runs come in blocks of
  :data:`~negsim.model.rollout.BLOCK` runs, each block with its own child stream of the
  rollout's seed, and the situations of one call share the uniforms but not their state.
  So a piece ``(some situations, blocks first..stop-1)`` is exactly that slice of the
  whole rollout (:func:`~negsim.model.rollout.rollout_points` with ``blocks``), and the
  pieces, concatenated in block order, are the whole rollout, byte for byte;
* **parameter draws** (:func:`map_rows`): every draw of a band or a calibration is one
  exact computation of its own, so contiguous chunks of draws can run anywhere.

Where the tasks run is a :class:`Workers`: this process (``n_jobs=1``), local worker
processes (``backend="local"``: :class:`concurrent.futures.ProcessPoolExecutor`), or Ray
(``backend="ray"``: a cluster at ``address``, or an instance started on this machine).

Start method of the local processes: ``forkserver`` where the platform has it (Linux,
macOS), else ``spawn``. Not ``fork``: the driver may hold threads (tqdm's monitor, a Ray
client, BLAS pools) and forking a process with threads can deadlock the child (Python 3.12
warns, 3.14 no longer forks by default). The fork server is started once per driver
process, imports numpy, scipy and the task modules once (:data:`PRELOAD`), and forks each
worker from that clean single-threaded process in milliseconds; a worker lives for the
whole batch, so nothing is imported per task.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numpy as np

from negsim.errors import ConfigError
from negsim.machine import exit_when_gone
from negsim.model.rollout import BLOCK, RESULT_ARRAYS, CeasefireParams, RolloutResult, Situation, _whole, rollout_points

T = TypeVar("T")
R = TypeVar("R")

#: Backends of :class:`Workers`.
BACKENDS = ("local", "ray")
#: Tasks per worker a batch is split into, so that a slow or busy worker does not hold up the rest.
TASKS_PER_WORKER = 3
#: Cost of drawing one block-day's uniforms, in units of stepping one situation through it
#: (``experiments/bench_rollout.py``: drawing 60 % and the step and bookkeeping 40 % of a
#: one-situation rollout). Splitting the situations of a rollout draws its uniforms again
#: in every piece; splitting its blocks costs nothing.
UNIFORMS_COST = 1.5
#: Modules the fork server imports once, before it forks the workers: the driver's main
#: module (which each worker would otherwise import again, as spawn does), the tasks' modules
#: and what they import lazily (scipy.optimize alone takes about a second to import).
PRELOAD = ("__main__", "negsim.studies.parallel", "negsim.studies.uncertainty", "negsim.studies.calibration",
           "negsim.model.situation", "negsim.model.chain", "scipy.optimize", "scipy.sparse", "scipy.special")
CLUSTER_EXTRA = "workers.backend: ray needs the cluster extra (pip install 'negsim[cluster]')"


@dataclass(frozen=True)
class Workers:
    """Where a batch's tasks run.

    Attributes
    ----------
    n_jobs : int
        Tasks at once: 1 runs everything in this process (whatever the backend), -1 uses
        every usable core (local) or every CPU of the Ray cluster.
    backend : {"local", "ray"}
        ``local``: worker processes on this machine; ``ray``: Ray tasks (extra ``cluster``).
    address : str, optional
        With ``ray``: the cluster to join (``host:port``, or ``auto`` for the one running on
        this machine); None starts a Ray instance on this machine. Only with ``ray``.
    """

    n_jobs: int = 1
    backend: str = "local"
    address: str | None = None

    def __post_init__(self) -> None:
        if not _whole(self.n_jobs) or not (self.n_jobs >= 1 or self.n_jobs == -1):
            raise ConfigError(f"workers.n_jobs: expected a whole number >= 1 (or -1 for every core), got {self.n_jobs!r}")
        if self.backend not in BACKENDS:
            raise ConfigError(f"workers.backend: expected local or ray, got {self.backend!r}")
        if self.address is not None:
            if not isinstance(self.address, str) or not self.address.strip():
                raise ConfigError(f"workers.address: expected a Ray address (host:port, or auto), got {self.address!r}")
            if self.backend != "ray":
                raise ConfigError(f"workers.address: a cluster address goes only with backend ray, got "
                                  f"{self.address!r} with backend {self.backend}")
        if self.backend == "ray" and importlib.util.find_spec("ray") is None:
            raise ConfigError(CLUSTER_EXTRA)


def workers_from_config(node: Mapping[str, Any] | None) -> Workers:
    """A validated :class:`Workers` from a ``workers`` config node (None: this process only).

    Raises
    ------
    ConfigError
        One line naming the key (``workers.n_jobs: ...``, an unknown key, ...).
    """
    if node is None:
        return Workers()
    if not isinstance(node, Mapping):
        raise ConfigError(f"workers: expected a mapping with n_jobs, backend and address, got {node!r}")
    known = [f.name for f in fields(Workers)]
    for key in node:
        if key not in known:
            raise ConfigError(f"workers.{key}: unknown key; expected one of {', '.join(known)}")
    return Workers(**{str(k): v for k, v in node.items()})


def _ray(workers: Workers):
    """The ``ray`` module, initialised: joining ``workers.address``, or a new local instance
    (one line on stderr says which); an instance the caller initialised is used as it is."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(CLUSTER_EXTRA) from exc
    if not ray.is_initialized():
        if workers.address:
            print(f"negsim: Ray: joining the cluster at {workers.address}", file=sys.stderr)
            ray.init(address=workers.address)
        else:
            print("negsim: Ray: starting a Ray instance on this machine", file=sys.stderr)
            ray.init(address="local", include_dashboard=False,
                     num_cpus=workers.n_jobs if workers.n_jobs > 0 else None)
    return ray


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def worker_count(workers: Workers | None) -> int:
    """How many tasks run at once: ``n_jobs``, or for -1 every usable core (local) or every
    CPU of the Ray cluster (which this joins or starts)."""
    if workers is None or workers.n_jobs == 1:
        return 1
    if workers.n_jobs > 0:
        return workers.n_jobs
    if workers.backend == "ray":
        return max(1, int(_ray(workers).cluster_resources().get("CPU", 1)))
    return _usable_cpus()


def map_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    workers: Workers | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(task) for task in tasks]``, on the workers, in the order of ``tasks``.

    Parameters
    ----------
    fn : callable
        A top-level function (or a :func:`functools.partial` of one): local workers receive
        it by pickle, by reference to its module.
    tasks : sequence
        Picklable arguments, one per task.
    workers : Workers, optional
        Default: this process. One worker, or at most one task, also runs here.
    progress : callable, optional
        Called with a task's index as each task completes (in completion order).
    """
    tasks = list(tasks)
    n = worker_count(workers)
    if workers is None or n == 1 or len(tasks) <= 1:
        out = []
        for i, task in enumerate(tasks):
            out.append(fn(task))
            if progress is not None:
                progress(i)
        return out
    if workers.backend == "ray":
        return _map_ray(fn, tasks, workers, n, progress)
    return _map_local(fn, tasks, n, progress)


def _context():
    """The multiprocessing context of the local workers (the module's docstring says why)."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))  # effective when the server starts, once per process
    return ctx


def _map_local(fn: Callable[[T], R], tasks: list[T], n: int, progress: Callable[[int], None] | None) -> list[R]:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pool = ProcessPoolExecutor(max_workers=min(n, len(tasks)), mp_context=_context(),
                               initializer=exit_when_gone, initargs=(os.getpid(),))
    try:
        futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            future.result()  # the first failure stops the batch
            if progress is not None:
                progress(futures[future])
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _map_ray(fn: Callable[[T], R], tasks: list[T], workers: Workers, n: int,
             progress: Callable[[int], None] | None) -> list[R]:
    """Ray tasks, at most ``n`` in flight (Ray's pattern for limiting pending tasks)."""
    ray = _ray(workers)
    remote = ray.remote(fn)
    results: list[Any] = [None] * len(tasks)
    pending: dict[Any, int] = {}

    def finish_one() -> None:
        (ref,), _ = ray.wait(list(pending), num_returns=1)
        i = pending.pop(ref)
        results[i] = ray.get(ref)  # the first failure stops the batch
        if progress is not None:
            progress(i)

    try:
        for i, task in enumerate(tasks):
            if len(pending) >= n:
                finish_one()
            pending[remote.remote(task)] = i
        while pending:
            finish_one()
    finally:
        for ref in pending:
            ray.cancel(ref)
    return results


def _split(n: int, pieces: int) -> list[tuple[int, int]]:
    """``0..n`` in ``pieces`` contiguous ranges ``(a, b)`` of nearly equal length (the
    longer first), at most ``n`` of them and at least one."""
    k = max(1, min(pieces, n))
    q, r = divmod(n, k)
    bounds = [i * q + min(i, r) for i in range(k + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _apply_rows(task: tuple[Callable[[Any], Any], Any]) -> list:
    fn, rows = task
    return [fn(row) for row in rows]


def map_rows(
    fn: Callable[[Any], R],
    rows: Sequence[Any] | np.ndarray,
    workers: Workers | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(row) for row in rows]``, the rows split into contiguous chunks over the workers
    (:data:`TASKS_PER_WORKER` chunks per worker; one row a task in this process).

    ``fn`` must be picklable for local workers (a top-level function or a
    :func:`functools.partial` of one, not a lambda). ``progress`` is called with the number
    of rows done, once per row, as each chunk completes.
    """
    n = worker_count(workers)
    spans = _split(len(rows), len(rows) if n == 1 else n * TASKS_PER_WORKER)
    done = 0

    def tick(i: int) -> None:
        nonlocal done
        assert progress is not None
        for _ in range(*spans[i]):
            done += 1
            progress(done)

    parts = map_tasks(_apply_rows, [(fn, rows[a:b]) for a, b in spans], workers, tick if progress else None)
    return [x for part in parts for x in part]


@dataclass(frozen=True)
class RollTask:
    """One piece of a rollout: some of its situations over blocks ``first..stop-1`` of its
    runs (None: all of them)."""

    params: CeasefireParams
    situations: tuple[Situation, ...]
    runs: int
    days: int
    seed: Any
    chunk_runs: int
    blocks: tuple[int, int] | None
    progress: bool = False


def roll_task(task: RollTask) -> list[RolloutResult]:
    """Run one piece (:func:`~negsim.model.rollout.rollout_points` with its ``blocks``)."""
    return rollout_points(task.params, task.situations, runs=task.runs, days=task.days, seed=task.seed,
                          chunk_runs=task.chunk_runs, progress=task.progress, blocks=task.blocks)


def _count(value: object) -> int:
    """A size for planning; 1 for a value ``rollout_points`` will refuse (it says why)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
        return int(value)
    return 1


@dataclass(frozen=True)
class _Group:
    key: tuple
    slices: list[tuple[Situation, ...]]
    ranges: list[tuple[int, int] | None]


def plan_rollouts(groups: Mapping[tuple, Sequence[Situation]], n_workers: int,
                  progress: bool = False) -> tuple[list[_Group], list[RollTask], list[float]]:
    """Split rollout groups into pieces for ``n_workers``: ``(layout, tasks, costs)``, the
    tasks of group ``g`` listed slice by slice, block range by block range.

    Each group gets pieces in proportion to its cost (block-days times
    :data:`UNIFORMS_COST` plus its situations), :data:`TASKS_PER_WORKER` per worker's
    share, by splitting its blocks; its situations are split only when it has too few
    blocks to give each of its workers one piece (every piece draws the uniforms again).
    One worker: one task per group, the whole rollout.
    """
    items = []
    for key, sits in groups.items():
        unique = tuple(dict.fromkeys(sits))
        if unique:
            _, runs, days, _, _ = key
            blocks = -(-_count(runs) // BLOCK)
            items.append((key, unique, blocks, blocks * _count(days) * (UNIFORMS_COST + len(unique))))
    total = sum(cost for *_, cost in items)
    layout, tasks, costs = [], [], []
    for key, unique, blocks, cost in items:
        params, runs, days, seed, chunk = key
        slices: list[tuple[Situation, ...]]
        ranges: list[tuple[int, int] | None]
        if n_workers == 1:
            slices, ranges = [unique], [None]
        else:
            share = n_workers * cost / total  # this group's workers
            need = math.ceil(share - 1e-9)
            r = min(math.ceil(share * TASKS_PER_WORKER - 1e-9), blocks)
            s = 1 if r >= need else min(len(unique), math.ceil(need / r))
            slices = [unique[a:b] for a, b in _split(len(unique), s)]
            ranges = [*_split(blocks, r)]
        layout.append(_Group(key, slices, ranges))
        for sl in slices:
            for rng in ranges:
                tasks.append(RollTask(params, sl, runs, days, seed, chunk * len(sl), rng, progress))
                costs.append((blocks if rng is None else rng[1] - rng[0]) * _count(days) * (UNIFORMS_COST + len(sl)))
    return layout, tasks, costs


_RESULT_ARRAYS = ("breakdown_day", *RESULT_ARRAYS)


def roll_groups(
    groups: Mapping[tuple, Sequence[Situation]],
    workers: Workers | None = None,
    progress: bool = False,
) -> dict[tuple, RolloutResult]:
    """One rollout per distinct (rollout inputs, situation), on the shared seed of its group,
    split over the workers; the same arrays, byte for byte, for any workers.

    Parameters
    ----------
    groups : mapping
        ``(params, runs, days, seed, chunk_runs)`` to the situations rolled out on that
        seed (repeats are rolled out once), as :func:`negsim.studies.pipeline` builds them.
    workers : Workers, optional
        Default: this process, one :func:`~negsim.model.rollout.rollout_points` per group.
    progress : bool
        A progress bar (tqdm): over each group's chunks in this process, over the tasks on workers.

    Returns
    -------
    dict
        ``(params, runs, days, seed, chunk_runs, situation)`` to its RolloutResult.
    """
    from tqdm import tqdm

    n = worker_count(workers)
    layout, tasks, costs = plan_rollouts(groups, n, progress and n == 1)
    order = sorted(range(len(tasks)), key=lambda i: -costs[i])  # the longest first: a balanced finish
    with tqdm(total=len(tasks), desc="rollout tasks", unit="task", disable=not progress or n == 1) as bar:
        ran = map_tasks(roll_task, [tasks[i] for i in order], workers, lambda _: bar.update(1))
    pieces: list[list[RolloutResult]] = [[] for _ in tasks]
    for pos, i in enumerate(order):
        pieces[i] = ran[pos]
    done: dict[tuple, RolloutResult] = {}
    k = 0
    for group in layout:
        for sl in group.slices:
            parts = pieces[k : k + len(group.ranges)]
            k += len(group.ranges)
            for j, sit in enumerate(sl):
                each = [part[j] for part in parts]
                arrays = {name: getattr(each[0], name) if len(each) == 1
                          else np.concatenate([getattr(r, name) for r in each]) for name in _RESULT_ARRAYS}
                done[(*group.key, sit)] = RolloutResult(days=each[0].days, trade_loss_per_day=each[0].trade_loss_per_day,
                                                        **arrays)
    return done
