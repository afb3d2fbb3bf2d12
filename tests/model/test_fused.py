"""The compiled rollout kernel (negsim.model.fused): the numpy kernel's numbers, bit for bit.

Every array of every result (breakdown day, first incident, closed days, deaths, final
level) must be identical, dtype and shape included, for any parameters, situations, runs,
days, seed, chunk size and block range; and numba must stay out of the processes that do
not need it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

import negsim.model
from negsim.errors import ConfigError
from negsim.io.configs import config_dir
from negsim.model import rollout as rollout_module
from negsim.model.rollout import (
    BLOCK,
    FUSED_MIN_WORK,
    OPEN_WAR,
    RESULT_ARRAYS,
    CeasefireParams,
    Situation,
    chunk_kernel,
    rollout,
    rollout_points,
)
from negsim.model.scenario import build_rollout

PARAMS = build_rollout(OmegaConf.load(config_dir() / "rollout" / "default.yaml")).params
#: Every branch often: punishment phases, major attacks, open war and truces out of it, steep tension.
STRESS = replace(PARAMS, attack_rate=0.5, major_share=0.4, attribution=0.9, pak_retaliate=0.8, afg_respond=0.7,
                 incident=(0.2, 0.2, 0.3, 0.2), deescalate=0.3, deconfliction_pull=0.5, reopen=0.3, war_exit=0.3,
                 war_exit_level=2, tension_shape=0.5, tension_scale=5.0)
STRESSED = Situation(effort_hold=0.4, effort_violate=0.0, deterred=False, verification=0.5, deconfliction=0.5,
                     pak_retaliate=0.9, punishment_days=4, start_level=2, border_closed=False, breakdown_level=4)
MEDIATED = Situation(effort_hold=1.0, effort_violate=0.5, deterred=True, verification=0.5, deconfliction=0.6,
                     pak_retaliate=0.4, punishment_days=30, start_level=1, border_closed=True)


@pytest.fixture(scope="module")
def fused():
    """The compiled kernel's module (compiled, or loaded from numba's disk cache, once)."""
    pytest.importorskip("numba")
    from negsim.model import fused

    return fused


def assert_identical(numpy_results, fused_results):
    """Both kernels' results agree array for array: values, dtypes and shapes."""
    assert len(numpy_results) == len(fused_results)
    for a, b in zip(numpy_results, fused_results, strict=True):
        assert (a.days, a.trade_loss_per_day) == (b.days, b.trade_loss_per_day)
        for name, dtype in RESULT_ARRAYS.items():
            x, y = getattr(a, name), getattr(b, name)
            assert x.dtype == y.dtype == dtype and x.shape == y.shape, name
            assert np.array_equal(x, y), f"{name}: {int(np.sum(x != y))} of {x.size} runs differ"


def both(params, situations, **sizes):
    """:func:`rollout_points` of the same arguments with the numpy and the compiled kernel."""
    return [rollout_points(params, situations, **sizes, kernel=k) for k in ("numpy", "fused")]


# --- random models, sizes and seeds ---------------------------------------------------

#: Probabilities, with the exact ends (as ints too: numpy compares and scales them as floats).
probabilities = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0, 1, 0.0, 1.0, 0.5]))


@st.composite
def models(draw):
    deescalate, pull = draw(probabilities), draw(probabilities)
    assume(deescalate + pull <= 1.0)
    params = CeasefireParams(
        attack_rate=draw(probabilities), effort_cap=draw(probabilities), major_share=draw(probabilities),
        attribution=draw(probabilities), false_alarm_verification=draw(probabilities),
        detection_verification=draw(probabilities), pak_retaliate=draw(probabilities),
        afg_respond=draw(probabilities), incident=tuple(draw(probabilities) for _ in range(4)),
        incident_damping=draw(probabilities), deescalate=deescalate, deconfliction_pull=pull,
        war_exit=draw(probabilities), reopen=draw(probabilities),
        deaths_per_day=tuple(draw(st.floats(0.0, 100.0)) for _ in range(5)),
        trade_loss_per_day=draw(st.floats(0.0, 1e7)), war_exit_level=draw(st.integers(0, OPEN_WAR - 1)),
        tension_shape=draw(st.one_of(st.just(1.0), st.floats(0.01, 1.0))),  # steep to flat
        tension_scale=draw(st.one_of(st.floats(0.1, 5.0), st.floats(5.0, 200.0))),
    )
    situations = []
    for _ in range(draw(st.integers(1, 4))):
        hold = draw(probabilities)
        situations.append(Situation(
            effort_hold=hold, effort_violate=hold * draw(st.floats(0.0, 1.0)), deterred=draw(st.booleans()),
            verification=draw(st.one_of(probabilities, st.floats(0.0, 1.0, width=32).map(np.float32))),
            deconfliction=draw(probabilities), pak_retaliate=draw(st.one_of(st.none(), probabilities)),
            punishment_days=draw(st.one_of(st.integers(0, 6), st.integers(0, 2**31 - 1))),
            start_level=draw(st.integers(0, OPEN_WAR)), border_closed=draw(st.booleans()),
            breakdown_level=draw(st.integers(1, OPEN_WAR)),
        ))
    return params, situations


@st.composite
def sizes(draw):
    runs = draw(st.one_of(st.integers(1, 300), st.integers(BLOCK - 3, 2 * BLOCK + 300)))
    total = -(-runs // BLOCK)
    first = draw(st.integers(0, total - 1))
    blocks = draw(st.one_of(st.none(), st.integers(first + 1, total).map(lambda stop: (first, stop))))
    return {"runs": runs, "days": draw(st.integers(1, 40)), "seed": draw(st.integers(0, 2**63 - 1)),
            "chunk_runs": draw(st.integers(1, 5 * BLOCK)), "blocks": blocks}


@settings(max_examples=40, deadline=None)
@given(model=models(), size=sizes())
def test_the_compiled_kernel_gives_the_numpy_kernels_numbers(fused, model, size):
    params, situations = model
    assert_identical(*both(params, situations, **size))


@pytest.mark.parametrize("params, situation", [
    (STRESS, STRESSED),
    (PARAMS, MEDIATED),
    (STRESS, replace(STRESSED, deterred=True, punishment_days=0, start_level=OPEN_WAR, border_closed=True)),
    (replace(PARAMS, tension_shape=1.0), replace(MEDIATED, pak_retaliate=None)),  # m == 1 every day
], ids=["stress", "mediated", "stress-from-open-war", "flat-tension"])
def test_every_branch_on_many_runs_and_days(fused, params, situation):
    numpy_results, fused_results = both(params, [situation, replace(situation, breakdown_level=2)],
                                        runs=3 * BLOCK + 17, days=120, seed=5, chunk_runs=4 * BLOCK)
    assert_identical(numpy_results, fused_results)
    if params is STRESS:  # open war reached (breakdown at 4) and ended by a truce in some runs
        r = numpy_results[0]
        assert np.any(r.final_level == OPEN_WAR) and np.any((r.breakdown_day > 0) & (r.final_level < OPEN_WAR))


def test_chunks_and_block_pieces_of_the_compiled_kernel_are_the_whole_numpy_rollout(fused):
    runs = 3 * BLOCK + 5
    whole = rollout_points(STRESS, [STRESSED, MEDIATED], runs=runs, days=30, seed=11, kernel="numpy")
    pieces = [rollout_points(STRESS, [STRESSED, MEDIATED], runs=runs, days=30, seed=11, chunk_runs=1,
                             blocks=b, kernel="fused") for b in ((0, 1), (1, 3), (3, 4))]
    for i, r in enumerate(whole):
        for name in RESULT_ARRAYS:
            np.testing.assert_array_equal(np.concatenate([getattr(p[i], name) for p in pieces]), getattr(r, name))


# --- which kernel runs ------------------------------------------------------------------


def test_auto_compiles_only_large_rollouts(fused):
    assert chunk_kernel("auto", FUSED_MIN_WORK - 1) is rollout_module.roll_chunk
    assert chunk_kernel("auto", FUSED_MIN_WORK) is fused.roll_chunk
    assert chunk_kernel("fused", 1) is fused.roll_chunk
    assert chunk_kernel("numpy", 10 * FUSED_MIN_WORK) is rollout_module.roll_chunk


@pytest.mark.parametrize("kernel", ["numba", "Fused", "", None, 1, ("fused",)])
def test_a_bad_kernel_is_named(kernel):
    with pytest.raises(ConfigError, match=r"^kernel: expected one of auto, numpy, fused, got "):
        rollout(PARAMS, MEDIATED, runs=10, days=2, seed=0, kernel=kernel)


def test_without_numba_fused_says_what_to_install_and_auto_falls_back_to_numpy(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.delitem(sys.modules, "negsim.model.fused", raising=False)
    monkeypatch.delattr(negsim.model, "fused", raising=False)
    with pytest.raises(ConfigError, match=r"^kernel='fused' needs numba: pip install 'negsim\[fast\]'"):
        rollout(PARAMS, MEDIATED, runs=10, days=2, seed=0, kernel="fused")
    assert chunk_kernel("auto", FUSED_MIN_WORK) is rollout_module.roll_chunk


def loaded_after(code: str, cwd) -> bool:
    """Whether ``code``, run in a fresh interpreter, leaves numba imported."""
    probe = code + "\nimport sys\nprint('@@' + str('numba' in sys.modules))\n"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=300)
    marked = [line for line in proc.stdout.splitlines() if line.startswith("@@")]
    assert marked, f"the probe did not finish: {proc.stderr[-2000:]}"
    return json.loads(marked[-1][2:].lower())


def test_the_command_without_rollout_and_small_rollouts_do_not_import_numba(tmp_path):
    run = (tmp_path / "run").as_posix()
    assert not loaded_after(f"from negsim.app.cli import main\nmain(['rollout.runs=0', 'hydra.run.dir={run}'])",
                            tmp_path)
    assert (tmp_path / "run" / "metrics.json").is_file()
    small = (  # 9 situations x 4096 runs x 365 days: 13 million situation-run-days
        "from negsim.io.configs import config_dir, load_yaml\n"
        "from negsim.model.rollout import Situation, rollout_points\n"
        "from negsim.model.scenario import build_rollout\n"
        "params = build_rollout(load_yaml(config_dir() / 'rollout' / 'default.yaml')).params\n"
        f"situation = Situation(effort_hold=1.0, effort_violate=0.5, deterred=True, verification=0.5, "
        f"deconfliction=0.6)\n"
        f"rollout_points(params, [situation] * 9, runs={BLOCK}, days=365, seed=0)"
    )
    assert 9 * BLOCK * 365 < FUSED_MIN_WORK
    assert not loaded_after(small, tmp_path)
