"""Batches on workers: the same arrays, byte for byte, for any number of workers and any backend.

Rollouts split by blocks of runs and by situations, parameter bands and the calibration
split by draws, on this process, local processes and Ray; every bad ``workers`` value
named by its key.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types
import warnings
from unittest import mock

import numpy as np
import pytest
from conftest import shipped_config
from hypothesis import given, settings
from hypothesis import strategies as st

from negsim.errors import ConfigError
from negsim.io.configs import config_dir, load_yaml
from negsim.model.rollout import BLOCK, RESULT_ARRAYS, Situation, rollout_points
from negsim.model.scenario import build_rollout
from negsim.studies import parallel
from negsim.studies.calibration import Event, calibrate
from negsim.studies.parallel import (
    CLUSTER_EXTRA,
    Workers,
    map_tasks,
    plan_rollouts,
    roll_groups,
    worker_count,
    workers_from_config,
)
from negsim.studies.pipeline import build_point
from negsim.studies.uncertainty import band

PARAMS = build_rollout(load_yaml(config_dir() / "rollout" / "default.yaml")).params
ARRAYS = ("breakdown_day", *RESULT_ARRAYS)
#: Five distinct ceasefires (deterred or not, verification 0..0.8), with punishment phases.
SITUATIONS = [Situation(effort_hold=0.5, effort_violate=0.25, deterred=bool(k % 2), verification=k / 5,
                        deconfliction=0.3, punishment_days=30, start_level=1) for k in range(5)]


def groups_of(*specs):
    """Rollout groups as the pipeline builds them: (runs, days, seed, situations) each."""
    return {(PARAMS, runs, days, seed, 16 * BLOCK): list(sits) for runs, days, seed, sits in specs}


#: Runs not a multiple of BLOCK, repeated situations, a one-situation group of less than a block.
GROUPS = groups_of((3 * BLOCK + 17, 12, 7, SITUATIONS + SITUATIONS[:2]), (100, 5, 8, SITUATIONS[:1]))


def _roll(groups, progress=False):
    """The oracle: one :func:`rollout_points` per group of its distinct situations, unsplit
    (what the pipeline did before the work was split), keyed as :func:`roll_groups` keys it."""
    done = {}
    for (params, runs, days, seed, chunk), sits in groups.items():
        unique = list(dict.fromkeys(sits))
        if not unique:
            continue
        results = rollout_points(params, unique, runs=runs, days=days, seed=seed, chunk_runs=chunk * len(unique),
                                 progress=progress)
        for sit, res in zip(unique, results, strict=True):
            done[(params, runs, days, seed, chunk, sit)] = res
    return done


def assert_same(got, ref):
    assert list(got) == list(ref)  # the same keys, in the same order
    for key, want in ref.items():
        have = got[key]
        assert (have.days, have.trade_loss_per_day) == (want.days, want.trade_loss_per_day)
        for name in ARRAYS:
            a, b = getattr(have, name), getattr(want, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), (key[-1], name)
            assert not a.flags.writeable


def in_process_pool(fn, tasks, n, progress):
    """``_map_local`` without processes: the same tasks, here, in reverse (any completion order)."""
    out = {}
    for i in reversed(range(len(tasks))):
        out[i] = fn(tasks[i])
        if progress is not None:
            progress(i)
    return [out[i] for i in range(len(tasks))]


def test_one_worker_is_exactly_one_unsplit_rollout_per_group():
    assert_same(roll_groups(GROUPS, Workers(1)), _roll(GROUPS, False))
    assert_same(roll_groups(GROUPS), _roll(GROUPS, False))


@pytest.mark.parametrize("workers, groups", [
    (Workers(2), GROUPS),
    # one situation, runs not a multiple of BLOCK, more workers than blocks
    (Workers(4), groups_of((2 * BLOCK + 5, 6, 3, SITUATIONS[3:4]))),
], ids=["two workers", "four workers, three blocks, one situation"])
def test_local_workers_give_the_same_arrays(workers, groups):
    assert_same(roll_groups(groups, workers), _roll(groups, False))


@settings(max_examples=25, deadline=None)
@given(runs=st.integers(1, 3 * BLOCK + 50), n_workers=st.integers(2, 9), n_sits=st.integers(1, 5),
       days=st.integers(1, 3))
def test_any_split_over_any_number_of_workers_gives_the_whole_rollout(runs, n_workers, n_sits, days):
    groups = groups_of((runs, days, runs, SITUATIONS[:n_sits]), (BLOCK, 2, 1, SITUATIONS[-2:]))
    with mock.patch.object(parallel, "_map_local", in_process_pool):
        got = roll_groups(groups, Workers(n_workers))
    assert_same(got, _roll(groups, False))


@settings(max_examples=25, deadline=None)
@given(data=st.data(), runs=st.integers(1, 4 * BLOCK), n_sits=st.integers(1, 4))
def test_blocks_of_a_rollout_concatenated_are_the_rollout(data, runs, n_sits):
    n_blocks = -(-runs // BLOCK)
    cuts = sorted(data.draw(st.sets(st.integers(1, n_blocks - 1), max_size=3)) if n_blocks > 1 else set())
    sits = SITUATIONS[:n_sits]
    whole = rollout_points(PARAMS, sits, runs=runs, days=3, seed=11)
    first = data.draw(st.integers(0, n_sits - 1))  # a piece of the situations alone: the same numbers
    bounds = [0, *cuts, n_blocks]
    pieces = [rollout_points(PARAMS, sits[first:], runs=runs, days=3, seed=11, blocks=(a, b), chunk_runs=BLOCK)
              for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    for i, want in enumerate(whole[first:]):
        for name in ARRAYS:
            got = np.concatenate([getattr(p[i], name) for p in pieces])
            assert got.dtype == getattr(want, name).dtype and np.array_equal(got, getattr(want, name))


@pytest.mark.parametrize("blocks", [(1, 1), (0, 3), (-1, 1), [0, 1], (0.0, 1)])
def test_rollout_points_refuses_blocks_outside_the_rollout(blocks):
    with pytest.raises(ConfigError, match=r"^blocks: expected \(first, stop\) with 0 <= first < stop <= 2 "):
        rollout_points(PARAMS, SITUATIONS[:1], runs=BLOCK + 1, days=2, seed=0, blocks=blocks)


def test_the_plan_splits_blocks_first_and_situations_only_when_blocks_are_too_few():
    many_blocks = groups_of((40 * BLOCK, 10, 0, SITUATIONS))
    _, tasks, _ = plan_rollouts(many_blocks, 2)
    assert len(tasks) == 2 * parallel.TASKS_PER_WORKER
    assert all(t.situations == tuple(SITUATIONS) for t in tasks)  # the uniforms drawn once per block
    one_block = groups_of((BLOCK, 10, 0, SITUATIONS))
    _, tasks, _ = plan_rollouts(one_block, 2)
    assert [len(t.situations) for t in tasks] == [3, 2] and {t.blocks for t in tasks} == {(0, 1)}
    layout, tasks, _ = plan_rollouts(GROUPS, 1)
    assert [(t.situations, t.blocks) for t in tasks] == [(tuple(SITUATIONS), None), (tuple(SITUATIONS[:1]), None)]
    assert plan_rollouts(groups_of((BLOCK, 10, 0, [])), 3)[1] == []


def test_map_tasks_keeps_the_order_reports_each_task_and_stops_at_a_failure():
    done = []
    assert map_tasks(int, ["3", "1", "2"], Workers(2), done.append) == [3, 1, 2]
    assert sorted(done) == [0, 1, 2]
    with pytest.raises(ValueError, match="invalid literal"):
        map_tasks(int, ["1", "x", "3"], Workers(2))
    assert map_tasks(int, [], Workers(2)) == []


def test_the_band_and_the_calibration_are_the_same_on_one_and_two_workers():
    point = build_point(shipped_config("istanbul_round2", rollout={"runs": 1000}))
    seen = []
    one = band(point, 4, seed=3)
    two = band(point, 4, seed=3, workers=Workers(2), progress=seen.append)
    assert sorted(seen) == [1, 2, 3, 4]  # once per draw, as in this process
    np.testing.assert_array_equal(one.values, two.values)
    assert set(one.answers) == set(two.answers) == {"p_deal", "p_breakdown", "p_open_war", "p_outcome"}
    for name in one.answers:
        assert one.answers[name].dtype == two.answers[name].dtype
        assert np.array_equal(one.answers[name], two.answers[name]), name
    assert one.modal.dtype == two.modal.dtype and np.array_equal(one.modal, two.modal)

    record = [Event("no_deal", "istanbul_round2", "no_deal", "2025-10-29", ("EV5",)),
              Event("holds", "istanbul_round2", "holds_with_incidents", "2025-11-20", ("EV4",), days=30)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a handful of draws: a small effective sample
        a, b = (calibrate({"istanbul_round2": point}, record, 4, seed=2, workers=w) for w in (None, Workers(2)))
    for name in ("probabilities", "log_likelihood", "without", "weights"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize("node, key", [
    ({"n_jobs": 0}, "workers.n_jobs: expected a whole number >= 1 (or -1 for every core), got 0"),
    ({"n_jobs": -2}, "workers.n_jobs: expected a whole number >= 1 (or -1 for every core), got -2"),
    ({"n_jobs": 1.5}, "workers.n_jobs: "),
    ({"n_jobs": True}, "workers.n_jobs: "),
    ({"n_jobs": "2"}, "workers.n_jobs: "),
    ({"backend": "dask"}, "workers.backend: expected local or ray, got 'dask'"),
    ({"backend": None}, "workers.backend: "),
    ({"address": "10.0.0.1:6379"}, "workers.address: a cluster address goes only with backend ray"),
    ({"backend": "ray", "address": ""}, "workers.address: "),
    ({"backend": "ray", "address": 6379}, "workers.address: "),
    ({"jobs": 2}, "workers.jobs: unknown key; expected one of n_jobs, backend, address"),
    ([2], "workers: expected a mapping"),
])
def test_every_bad_workers_value_names_its_key(node, key):
    with pytest.raises(ConfigError) as err:
        workers_from_config(node)
    assert str(err.value).startswith(key)
    assert "\n" not in str(err.value)


def test_good_workers_values_and_a_missing_ray(monkeypatch):
    assert workers_from_config(None) == Workers()
    assert workers_from_config({"n_jobs": -1}) == Workers(-1)
    assert worker_count(Workers(-1)) >= 1 and worker_count(None) == 1
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    with pytest.raises(ConfigError) as err:
        Workers(2, "ray")
    assert str(err.value) == CLUSTER_EXTRA == "workers.backend: ray needs the cluster extra (pip install 'negsim[cluster]')"


def fake_ray():
    """Enough of ``ray`` to see what is started and in what order tasks run (eagerly)."""
    ray = types.ModuleType("ray")
    ray.__spec__ = importlib.machinery.ModuleSpec("ray", None)
    ray.calls, ray.in_flight, ray.most = [], set(), 0

    def remote(fn):
        def submit(task):
            ref = object()
            ray.in_flight.add(ref)
            ray.most = max(ray.most, len(ray.in_flight))
            ray.calls.append((ref, fn(task)))
            return ref
        return types.SimpleNamespace(remote=submit)

    def wait(refs, num_returns):
        done = refs[-num_returns:]  # the latest first: results must still come back in order
        ray.in_flight.difference_update(done)
        return done, refs[:-num_returns]

    ray.is_initialized = lambda: hasattr(ray, "init_kwargs")
    ray.init = lambda **kw: setattr(ray, "init_kwargs", kw)
    ray.cluster_resources = lambda: {"CPU": 3.0}
    ray.remote, ray.wait, ray.cancel = remote, wait, lambda ref: None
    ray.get = lambda ref: dict(ray.calls)[ref]
    return ray


@pytest.mark.parametrize("address, line, init", [
    (None, "negsim: Ray: starting a Ray instance on this machine\n",
     {"address": "local", "include_dashboard": False, "num_cpus": None}),
    ("auto", "negsim: Ray: joining the cluster at auto\n", {"address": "auto"}),
])
def test_ray_says_where_it_runs_and_keeps_the_order(monkeypatch, capsys, address, line, init):
    ray = fake_ray()
    monkeypatch.setitem(sys.modules, "ray", ray)
    workers = Workers(-1, "ray", address)
    assert worker_count(workers) == 3  # every CPU of the cluster
    assert capsys.readouterr().err == line and ray.init_kwargs == init
    assert map_tasks(int, [str(k) for k in range(8)], workers) == list(range(8))
    assert ray.most == 3 and capsys.readouterr().err == ""  # at most n_jobs at once; started once


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (extra cluster)")
def test_ray_on_this_machine_gives_the_same_arrays_and_band(capsys):
    import ray

    point = build_point(shipped_config("istanbul_round3", rollout={"runs": 0}))
    want_band = band(point, 4, seed=5)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        assert_same(roll_groups(GROUPS, Workers(2, "ray")), _roll(GROUPS, False))
        got_band = band(point, 4, seed=5, workers=Workers(2, "ray"))
    finally:
        ray.shutdown()
    assert np.array_equal(want_band.answers["p_deal"], got_band.answers["p_deal"])
    assert np.array_equal(want_band.modal, got_band.modal)
    assert "negsim: Ray" not in capsys.readouterr().err  # the caller's instance, used as it is
