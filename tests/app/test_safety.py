"""Configuration is data: every route by which a config or an override could run code,
write a file or read the environment, tried with a harmless target that would leave a
marker file, and refused in one line before anything runs or is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from negsim.app.safety import check_overrides
from negsim.errors import ConfigError
from negsim.io.configs import config_dir

TRUST = "(configs are data; see docs/trust.md)"


def _user_folder(root: Path, group: str, name: str, text: str) -> Path:
    folder = root / "mine"
    (folder / group).mkdir(parents=True, exist_ok=True)
    (folder / group / f"{name}.yaml").write_text(text)
    return folder


def _routes(tmp: Path) -> list[tuple[list[str], str]]:
    marker = tmp / "marker"
    source = tmp / "source.txt"
    source.write_text("secret")
    scenario = (config_dir() / "scenario" / "istanbul_round2.yaml").read_text()
    global_scenario = _user_folder(tmp / "a", "scenario", "evil", "# @package _global_\n" + scenario.replace(
        "name: istanbul_round2", "name: evil"))
    callback_experiment = _user_folder(tmp / "b", "experiment", "evil", (
        "# @package _global_\nhydra:\n  callbacks:\n    evil:\n"
        f"      _target_: shutil.copyfile\n      src: {source}\n      dst: {marker}\n"))
    env_scenario = _user_folder(tmp / "c", "scenario", "env", scenario.replace(
        '"Istanbul talks, round two"', '"${oc.env:HOME}"').replace("name: istanbul_round2", "name: env"))
    interpolated = _user_folder(tmp / "d", "scenario", "interp", scenario.replace(
        '"Istanbul talks, round two"', '"${seed}"').replace("name: istanbul_round2", "name: interp"))
    return [
        (["+hydra.callbacks.e._target_=shutil.copyfile", f"+hydra.callbacks.e.src={source}",
          f"+hydra.callbacks.e.dst={marker}"], f"hydra.callbacks.e._target_: may not be set {TRUST}"),
        (["+hydra.job_logging.handlers.evil.class=logging.FileHandler",
          f"+hydra.job_logging.handlers.evil.filename={marker}"],
         f"hydra.job_logging.handlers.evil.class: may not be set {TRUST}"),
        (["hydra.hydra_logging.handlers.console.stream=ext://sys.stderr"],
         f"hydra.hydra_logging.handlers.console.stream: may not be set {TRUST}"),
        (["+hydra.job.env_set.PYTHONSTARTUP=x"], f"hydra.job.env_set.PYTHONSTARTUP: may not be set {TRUST}"),
        (["scenario.title=${oc.env:HOME}"], "scenario.title: environment and decode resolvers are not allowed in values"),
        (["seed=${oc.decode:7}"], "seed: environment and decode resolvers are not allowed in values"),
        (["--config-dir", global_scenario, "scenario=evil"],
         f"{global_scenario / 'scenario' / 'evil.yaml'}: a user config file may not carry a '@package' header "
         "(configs are data)"),
        (["--config-dir", callback_experiment, "experiment=evil"],
         f"hydra.callbacks: may not be changed from what negsim ships {TRUST}"),
        (["--config-dir", env_scenario, "scenario=env", "mediator=istanbul_round2"],
         "scenario.title: environment and decode resolvers are not allowed ('${oc.env:HOME}')"),
        (["--config-dir", interpolated, "scenario=interp", "mediator=istanbul_round2"],
         "scenario.title: interpolations are not allowed in config values (found '${seed}')"),
    ]


@pytest.mark.parametrize("k", range(10))
def test_each_route_to_code_or_secrets_is_refused_before_anything_runs(k, tmp_path, negsim_cli):
    routes = _routes(tmp_path)
    assert len(routes) == 10
    args, expected = routes[k]
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = negsim_cli([*args, f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert code == 2 and err == f"negsim: error: {expected}\n"
    assert not (tmp_path / "marker").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no run folder, no log


def test_help_and_cfg_are_checked_too(tmp_path, negsim_cli):
    code, _, err = negsim_cli(["--cfg", "job", "+hydra.callbacks.e._target_=os.getcwd"], tmp_path)
    assert code == 2 and err == f"negsim: error: hydra.callbacks.e._target_: may not be set {TRUST}\n"


def test_the_shipped_launchers_and_ordinary_hydra_settings_pass():
    check_overrides(["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.run.dir=out/${now:%H}",
                     "mediator.verification=0.5", "hydra.sweep.dir=s"])
    with pytest.raises(ConfigError, match=r"^mediator\._target_: may not be set"):
        check_overrides(["+mediator._target_=os.system"])


def test_the_ray_cluster_launcher_needs_an_explicit_address(tmp_path, negsim_cli):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    code, _, err = negsim_cli(["-m", "mediator.verification=0,1", "hydra/launcher=ray_cluster"], tmp_path)
    assert code == 2
    assert err == ("negsim: error: hydra.launcher.ray.init.address: give the Ray head's address (host:port, with "
                   "RAY_AUTH_MODE=token set for Ray 2.60), or auto to join the cluster running on this machine\n")
    assert not any(tmp_path.iterdir())


def test_a_binary_file_in_a_users_config_folder_is_named(tmp_path, negsim_cli):
    folder = _user_folder(tmp_path, "scenario", "b", "")
    (folder / "scenario" / "b.yaml").write_bytes(b"\xc3\x28 binary")
    code, _, err = negsim_cli(["--config-dir", folder, "scenario=b"], tmp_path)
    assert code == 2 and err == f"negsim: error: {folder / 'scenario' / 'b.yaml'}: not a UTF-8 text file\n"
