"""Override expansion, unit by unit: which runs a command line asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from negsim.app.overrides import (
    candidate_override_sets,
    is_group,
    one_line,
    split_args,
    sweep_values,
    with_values,
)
from negsim.errors import ConfigError
from negsim.io.configs import config_dir


def test_split_args_keeps_overrides_and_reads_hydra_flags():
    argv = ["-m", "scenario=doha_round", "hydra.run.dir=out", "+hydra.job.chdir=false", "-cn", "other",
            "--config-dir", "mine", "--config-dir=theirs", "seed=3"]
    assert split_args(argv) == (["scenario=doha_round", "seed=3"], "other", ["mine", "theirs"])


def test_split_args_skips_the_value_of_every_flag_that_takes_one():
    assert split_args(["-cp", "x=1", "--info", "searchpath", "a=1"]) == (["a=1"], "config", [])


def test_candidate_sets_vary_one_sweep_at_a_time():
    sets = candidate_override_sets(["a=1,2,3", "b=x,y", "c=0"])
    assert sets == [
        ["a=1", "b=x", "c=0"], ["a=2", "b=x", "c=0"], ["a=3", "b=x", "c=0"], ["a=1", "b=y", "c=0"],
    ]


def test_candidate_sets_refuse_bad_syntax_and_empty_sweeps():
    with pytest.raises(ConfigError, match=r"^bad override syntax: "):
        candidate_override_sets(["a=[1,"])
    with pytest.raises(ConfigError, match=r"^a: empty sweep; give at least one value$"):
        candidate_override_sets(["a=range(1,1)"])


def test_sweep_values_expand_ranges_and_lists():
    assert sweep_values({"k": "range(0,1,0.25)", "s": "a,b", "one": "7"}) == {
        "k": ["0.0", "0.25", "0.5", "0.75"], "s": ["a", "b"], "one": ["7"],
    }
    with pytest.raises(ConfigError, match=r"^hydra\.sweeper\.params\.k: empty sweep"):
        sweep_values({"k": "range(2,1)"})
    with pytest.raises(ConfigError, match=r"^hydra\.sweeper\.params\.k: bad sweep 'range\(0,'"):
        sweep_values({"k": "range(0,"})


def test_fast_true_is_an_alias_of_a_multirun_into_its_run_folder():
    from negsim.app.cli import fast_alias

    assert fast_alias(["fast=true", "mediator.verification=0,0.5", "hydra.run.dir=s"]) == [
        "-m", "mediator.verification=0,0.5", "hydra.sweep.dir=s"]
    assert fast_alias(["-m", "fast=true", "a=1,2", "hydra.run.dir=r", "hydra.sweep.dir=s"]) == [
        "-m", "a=1,2", "hydra.run.dir=r", "hydra.sweep.dir=s"]
    assert fast_alias(["fast=false", "a=1"]) == ["a=1"]


def test_coerced_value_types_one_key_as_hydra_would_and_names_it_when_wrong():
    from hydra import compose, initialize_config_dir

    from negsim.app.config import register
    from negsim.app.overrides import coerced_value

    register()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        cfg = compose("config", [])
    assert coerced_value(cfg, "mediator.verification", "1") == 1.0
    assert isinstance(coerced_value(cfg, "mediator.verification", "1"), float)
    assert coerced_value(cfg, "seed", "7") == 7 and coerced_value(cfg, "scenario.title", "5") == "5"
    assert coerced_value(cfg, "rollout.incident", "[0.1,0.2,0.3,0.4]") == [0.1, 0.2, 0.3, 0.4]
    assert coerced_value(cfg, "scenario.nowhere", "1") is None and coerced_value(cfg, "mediator", "x") is None
    with pytest.raises(ConfigError, match=r"^seed: expected int, got '1\.5'$"):
        coerced_value(cfg, "seed", "1.5")
    with pytest.raises(ConfigError, match=r"^rollout\.runs: expected int, got 'abc'$"):
        coerced_value(cfg, "rollout.runs", "abc")


def test_is_group_tells_config_groups_from_value_keys(tmp_path: Path):
    (tmp_path / "mine").mkdir()
    dirs = [config_dir(), tmp_path]
    assert is_group("scenario", dirs) and is_group("+solver", dirs) and is_group("hydra/launcher", dirs)
    assert is_group("mine", dirs) and not is_group("mine", [config_dir()])
    assert not is_group("mediator.verification", dirs) and not is_group("seed", dirs)


def test_with_values_types_values_as_hydra_would_and_names_the_key():
    cfg = OmegaConf.create({"mediator": {"verification": 0.2}, "seed": 1})
    out = with_values(cfg, {"mediator.verification": "0.5", "seed": "7"})
    assert out.mediator.verification == 0.5 and out.seed == 7
    assert cfg.mediator.verification == 0.2  # the input is not changed
    OmegaConf.set_struct(cfg, True)
    with pytest.raises(ConfigError, match=r"^colour: "):
        with_values(cfg, {"colour": "blue"})


def test_one_line_joins_the_chain_without_noise():
    try:
        try:
            raise TypeError("inner\nfull_key: x\nobject_type=dict")
        except TypeError as inner:
            raise ValueError("outer") from inner
    except ValueError as exc:
        assert one_line(exc) == "outer; inner"


def test_sweep_keys_are_read_by_hydras_grammar_so_a_list_is_not_a_sweep():
    from negsim.app.overrides import sweep_keys

    assert sweep_keys(["a=1,2", "threshold.scenarios=[doha_round,istanbul_round2]", "c=range(0,1,0.5)", "d=3"]) == [
        "a", "c"]


def test_searchpath_entries_are_read_by_hydras_grammar():
    from negsim.app.overrides import searchpath_entries

    assert searchpath_entries("hydra.searchpath=[file:///a/b,'pkg://negsim.configs']") == [
        "file:///a/b", "pkg://negsim.configs"]
    with pytest.raises(ConfigError, match=r"^hydra\.searchpath: "):
        searchpath_entries("hydra.searchpath=[file:///a,")
