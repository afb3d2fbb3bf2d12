"""The ``negsim`` command: a thin Hydra shell around the library.

``negsim`` solves the default scenario's talks game; ``negsim scenario=doha_round
solver=lemke_howson`` picks others; ``negsim nfg=game.nfg`` solves a Gambit file. Each run
prints the payoff table with the evidence behind every number, the equilibria and the
selected one, and writes ``metrics.json`` beside Hydra's ``.hydra/config.yaml`` in the
run's output folder.

Bad input (unknown key or option, wrong type, missing source, malformed file) is caught
before anything is written and reported as one line, ``negsim: error: ...``, with exit
status 2.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from negsim.config import RunConfig
from negsim.errors import ConfigError, NegsimError
from negsim.paths import config_dir
from negsim.pipeline import MODES, point_from_config, run_point
from negsim.results import package_versions, write_arrays_atomic, write_json_atomic

ConfigStore.instance().store(name="run_schema", node=RunConfig)

#: Modes computed like a solve (one report, one metrics.json).
ANALYSES = ("ceasefire", "bargaining", "crisis")

#: Hydra flags followed by a value (skipped by the pre-flight check).
_FLAGS_WITH_VALUE = {"-cn", "--config-name", "-cp", "--config-path", "-cd", "--config-dir", "--info", "-i"}


#: Lines of Hydra/OmegaConf messages that add nothing for a user.
_NOISE = ("object_type=", "reference_type=", "full_key:", "Set the environment", "Config search path", "provider=")


def _one_line(exc: BaseException) -> str:
    """Hydra/OmegaConf errors as one line: messages of the exception chain, no traceback."""
    parts: list[str] = []
    while exc is not None:
        for line in str(exc).splitlines():
            line = line.strip()
            if line and not line.startswith(_NOISE) and line not in parts:
                parts.append(line)
        exc = exc.__cause__  # type: ignore[assignment]
    return "; ".join(parts).replace(":; ", ": ")


def _split_args(argv: list[str]) -> tuple[list[str], str]:
    """Overrides (without Hydra's own flags and keys) and the config name."""
    overrides, name, skip = [], "config", False
    for k, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in ("-cn", "--config-name"):
            name, skip = argv[k + 1] if k + 1 < len(argv) else name, True
        elif arg in _FLAGS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-") and not arg.startswith(("hydra.", "hydra/", "+hydra", "~hydra")):
            overrides.append(arg)
    return overrides, name


def _candidate_override_sets(overrides: list[str]) -> list[list[str]]:
    """One override list per sweep value (other sweeps at their first value)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    firsts, choices = [], []
    for o in parsed:
        key = o.get_key_element()
        if o.is_sweep_override():
            values = list(o.sweep_string_iterator())
            if not values:
                raise ConfigError(f"{key}: empty sweep; give at least one value")
            firsts.append(f"{key}={values[0]}")
            choices.append([f"{key}={v}" for v in values])
        else:
            firsts.append(o.input_line)
            choices.append([o.input_line])
    sets = [firsts]
    for pos, opts in enumerate(choices):
        for alt in opts[1:]:
            sets.append(firsts[:pos] + [alt] + firsts[pos + 1 :])
    return sets


def preflight(argv: list[str]) -> None:
    """Compose and validate the config of every run the command line asks for.

    Raises
    ------
    NegsimError
        Naming the offending key, option or file, before Hydra writes anything.
    """
    from hydra import compose, initialize_config_dir

    overrides, name = _split_args(argv)
    try:
        sets = _candidate_override_sets(overrides)
    except NegsimError:
        raise
    except Exception as exc:
        raise ConfigError(f"bad override syntax: {_one_line(exc)}") from None
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        base = _compose(compose, name, sets[0], with_hydra=True)
        plain = OmegaConf.masked_copy(base, [k for k in base if k != "hydra"])
        OmegaConf.set_struct(plain, True)
        axes = sweep_values(dict(base.hydra.sweeper.params or {}))
        variants = [*sets, *(sets[0] + [f"{key}={value}"] for key, values in axes.items() for value in values)]
        for override_set in variants:
            extra = [o for o in override_set if o not in sets[0]]
            if override_set is sets[0]:
                cfg = base
            elif all(not _is_group(o.split("=", 1)[0]) for o in extra):
                cfg = with_values(plain, dict(o.split("=", 1) for o in extra))
            else:
                cfg = _compose(compose, name, override_set, with_hydra=False)
            point_from_config(cfg)
            if cfg.mode in ANALYSES:
                analysis_result(cfg)


def _is_group(key: str) -> bool:
    """True for a config group (``scenario``, ``solver``, ...), false for a value key."""
    return key.lstrip("+~").startswith("hydra") or (config_dir() / key.lstrip("+~")).is_dir()


def with_values(cfg: DictConfig, values: dict[str, str]) -> DictConfig:
    """A copy of a composed config with value overrides (``{"mediator.verification": "0.5"}``),
    parsed and type-checked as Hydra would, without composing again."""
    import copy

    from hydra.core.override_parser.overrides_parser import OverridesParser

    out = copy.deepcopy(cfg)
    parser = OverridesParser.create()
    for key, text in values.items():
        try:
            (o,) = parser.parse_overrides([f"{key}={text}"])
            OmegaConf.update(out, key, o.value(), merge=True)
        except NegsimError:
            raise
        except Exception as exc:
            raise ConfigError(f"{key}: {_one_line(exc)}") from None
    return out


def _compose(compose, name: str, overrides: list[str], *, with_hydra: bool) -> DictConfig:
    try:
        return compose(config_name=name, overrides=overrides, return_hydra_config=with_hydra)
    except Exception as exc:
        raise ConfigError(_one_line(exc)) from None


def report_text(point, outcome) -> str:
    """The printed report of a solved point: table, evidence, equilibria, rollout."""
    from negsim import report

    game, m = point.game, outcome.metrics
    text = [f"{game.title}", report.payoff_table(game)]
    if point.scenario is not None:
        text.append(report.evidence_report(point.scenario))
    text.append(report.equilibria_report(game, outcome.equilibria, outcome.chosen, point.selection))
    if point.scenario is not None:
        text.append(
            "Selected outcome: "
            + "; ".join(f"{lab} (p={p:.3g})" for lab, p in m["selected_outcomes"].items())
            + f"; probability of a deal {m['p_deal']:.3g}"
        )
    if outcome.rollout is not None:
        text.append(report.rollout_report(outcome.rollout, outcome.situation))
    return "\n\n".join(text)


def write_outcome(out: Path, outcome, extra: dict[str, Any], *, plots: bool) -> list[Path]:
    """Write a point's arrays, plots and metrics.json (last, so its presence means done)."""
    written = []
    result = outcome.rollout
    if result is not None:
        p, lo, hi = result.breakdown_probability()
        written.append(write_arrays_atomic(
            out / "rollout.npz", p_breakdown=p, low=lo, high=hi, hazard=result.hazard(),
            breakdown_day=result.breakdown_day, closed_days=result.closed_days, deaths=result.deaths,
        ))
        if plots:
            from negsim.plots import save_breakdown_plots

            written += save_breakdown_plots(result, outcome.metrics["game"], out)
    written.append(write_json_atomic(out / "metrics.json", {**outcome.metrics, **extra}))
    return written


def _discard_run_dir(out: Path) -> None:
    """Remove what Hydra wrote for a run that failed (its config copy and log)."""
    shutil.rmtree(out / ".hydra", ignore_errors=True)
    for log in out.glob("*.log"):
        log.unlink(missing_ok=True)
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    overrides = [o for o in hc.overrides.task if not o.startswith("fast=")]
    multirun = hc.mode == RunMode.MULTIRUN
    try:
        if cfg.fast:
            _grid_fast_path(cfg, out, overrides, {**(hc.sweeper.params or {}), **_CLI_SWEEPS})
            return
        if cfg.mode in ANALYSES:
            _analysis(cfg, out, overrides)
            return
        if cfg.mode != "solve":
            _experiment(cfg, Path(cfg.results_dir or out))
            return
        point = point_from_config(cfg)
        if _finished(out, point.config_hash):
            print(f"negsim: {out} already holds this point's results (config {point.config_hash}); skipped")
            return
        outcome = run_point(point, progress=point.runs * point.days >= 20_000_000)
    except NegsimError as exc:
        if multirun:  # keep the other points going; the table records the failure
            write_json_atomic(out / "error.json", {"error": str(exc), "overrides": overrides})
            print(f"negsim: error: {exc}", file=sys.stderr)
            return
        _discard_run_dir(out)
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(report_text(point, outcome))
    written = write_outcome(out, outcome, {"overrides": overrides}, plots=not multirun)
    print("\nWrote " + ", ".join(str(w) for w in written))


def sweep_values(params: dict[str, Any]) -> dict[str, list[str]]:
    """Hydra sweep specs (``"0,0.5,1"``, ``"range(0,1,0.25)"``) as lists of value strings."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    axes = {}
    for key, spec in params.items():
        try:
            (o,) = parser.parse_overrides([f"{key}={spec}"])
        except Exception as exc:
            raise ConfigError(f"hydra.sweeper.params.{key}: bad sweep '{spec}': {_one_line(exc)}") from None
        values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [str(o.value())]
        if not values:
            raise ConfigError(f"hydra.sweeper.params.{key}: empty sweep; give at least one value")
        axes[key] = values
    return axes


def _grid_fast_path(cfg: DictConfig, out: Path, overrides: list[str], params: dict[str, Any]) -> None:
    """Run every point of the sweep in this process and aggregate them (same table)."""
    from negsim.pipeline import run_points
    from negsim.sweep import aggregate, grid_points

    axes = sweep_values(params)
    if not axes:
        raise ConfigError("fast=true: nothing to sweep; give -m KEY=V1,V2,... or an experiment with hydra.sweeper.params")
    todo, folders, extras = [], [], []
    groups = [k for k in axes if _is_group(k)]
    if groups:
        raise ConfigError(f"{groups[0]}: fast=true sweeps values, not config groups; use a multirun (-m) for it")
    for values in grid_points(axes):
        lines = [f"{k}={v}" for k, v in values.items()]
        point = point_from_config(with_values(cfg, values))
        folder = out / "points" / ",".join(sorted(overrides + lines))
        if _finished(folder, point.config_hash):
            continue
        todo.append(point)
        folders.append(folder)
        extras.append({"overrides": overrides + lines})
    print(f"negsim: grid fast path: {len(todo)} of {len(grid_points(axes))} points to run "
          f"({', '.join(f'{k}: {len(v)} values' for k, v in axes.items())})")
    for outcome, folder, extra in zip(run_points(todo, progress=True), folders, extras):
        write_outcome(folder, outcome, extra, plots=False)
    paths = aggregate(out, cfg.results_dir or None)
    print("negsim: sweep table and plots: " + ", ".join(str(p) for p in paths))


def _knob_ranges(spec: DictConfig) -> dict[str, float]:
    """The threshold experiment's knobs with the top of each search range."""
    missing = [k for k in spec.knobs if k not in spec.upper]
    if missing:
        raise ConfigError(f"threshold.upper.{missing[0]}: no search range for knob '{missing[0]}'")
    return {k: float(spec.upper[k]) for k in spec.knobs}


def _experiment(cfg: DictConfig, folder: Path) -> None:
    """The threshold or sensitivity experiment (``mode``), written to ``folder``."""
    from negsim import experiments

    if cfg.mode == "threshold":
        spec = cfg.threshold
        rows, paths = experiments.threshold_experiment(
            list(spec.scenarios), _knob_ranges(spec), folder, grid=spec.grid, tol=spec.tol, margin=spec.margin,
            selection=cfg.solver.selection,
        )
        for r in rows:
            where = "already a deal at 0" if r["already_deal"] else (
                f"{r['threshold']:.6g} (from '{r['outcome_below']}' to '{r['outcome_above']}')"
                if r["threshold"] is not None else f"no flip up to {r['upper']:g}")
            print(f"{r['scenario']:<16} {r['knob']:<14} baseline {r['baseline']:g}: threshold {where}")
    elif cfg.mode == "sensitivity":
        rows, paths = experiments.sensitivity_experiment(point_from_config(cfg), folder, step=cfg.sensitivity.step)
        for r in rows[:10]:
            print(f"{r['input']:<36} P(breakdown) {r['low']:.4f} .. {r['high']:.4f} (swing {r['swing']:.4f})")
    else:
        raise ConfigError(f"mode: unknown mode '{cfg.mode}'; expected one of {', '.join(MODES)}")
    print("Wrote " + ", ".join(str(p) for p in paths))


def _analysis(cfg: DictConfig, out: Path, overrides: list[str]) -> None:
    """The ceasefire, bargaining or crisis analysis: report and metrics.json, like a solve."""
    text, metrics = analysis_result(cfg, out)
    print(text)
    path = write_json_atomic(out / "metrics.json", {
        **metrics, "mode": cfg.mode, "overrides": overrides, "versions": package_versions(),
    })
    print(f"\nWrote {path}")


def analysis_result(cfg: DictConfig, out: Path | None = None) -> tuple[str, dict[str, Any]]:
    """Validate and run the analysis named by ``cfg.mode`` (ceasefire, bargaining, crisis);
    ``out``, if given, receives the crisis game's Gambit ``.efg`` file."""
    from negsim.analyses import bargaining_analysis, ceasefire_analysis, crisis_analysis
    from negsim.scenario import build_rollout, build_scenario

    scenario = build_scenario(cfg.scenario, cfg.game, cfg.mediator)
    if cfg.mode == "crisis":
        return crisis_analysis(scenario, out)
    node = cfg.get(cfg.mode)
    if node is None:
        raise ConfigError(f"{cfg.mode}: no parameters; use analysis={cfg.mode}")
    if cfg.mode == "bargaining":
        return bargaining_analysis(node)
    return ceasefire_analysis(node, build_rollout(cfg.rollout)[0], scenario.mediator.verification)


def _finished(out: Path, digest: str) -> bool:
    """True when ``out/metrics.json`` holds results of exactly this config."""
    import json

    try:
        return json.loads((out / "metrics.json").read_text()).get("config_hash") == digest
    except (OSError, ValueError):
        return False


#: Sweeps given with ``-m`` on a ``fast=true`` command line, run by the grid fast path.
_CLI_SWEEPS: dict[str, str] = {}


def split_fast_sweeps(argv: list[str]) -> tuple[list[str], dict[str, str]]:
    """With ``fast=true``: the arguments for one Hydra run, and the ``-m`` sweeps taken out."""
    if "fast=true" not in argv:
        return argv, {}
    from hydra.core.override_parser.overrides_parser import OverridesParser

    rest, sweeps = [], {}
    for arg in argv:
        if arg in ("-m", "--multirun"):
            continue
        if not arg.startswith(("-", "hydra")) and "=" in arg:
            try:
                (o,) = OverridesParser.create().parse_overrides([arg])
            except Exception:
                o = None
            if o is not None and o.is_sweep_override():
                key, _, spec = arg.partition("=")
                sweeps[key] = spec
                continue
        rest.append(arg)
    return rest + ["hydra.mode=RUN"], sweeps


def main() -> None:
    """Entry point of the ``negsim`` command."""
    argv = sys.argv[1:]
    if not any(a in ("--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "-i") for a in argv):
        try:
            preflight(argv)
        except NegsimError as exc:
            print(f"negsim: error: {exc}", file=sys.stderr)
            sys.exit(2)
    sys.argv[1:], sweeps = split_fast_sweeps(argv)
    _CLI_SWEEPS.update(sweeps)
    _app()
