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

import dataclasses
import shutil
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from negsim.config import RunConfig
from negsim.errors import ConfigError, NegsimError
from negsim.paths import config_dir
from negsim.results import config_hash, package_versions, write_arrays_atomic, write_json_atomic

ConfigStore.instance().store(name="run_schema", node=RunConfig)

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


def _split_args(argv: list[str]) -> tuple[list[str], str, bool]:
    """Overrides (without Hydra's own), the config name, and whether it is a multirun."""
    overrides, name, multirun, skip = [], "config", False, False
    for k, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg in ("-cn", "--config-name"):
            name, skip = argv[k + 1] if k + 1 < len(argv) else name, True
        elif arg in _FLAGS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-") and not arg.startswith(("hydra.", "hydra/", "+hydra", "~hydra")):
            overrides.append(arg)
    return overrides, name, multirun


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

    overrides, name, _ = _split_args(argv)
    try:
        sets = _candidate_override_sets(overrides)
    except NegsimError:
        raise
    except Exception as exc:
        raise ConfigError(f"bad override syntax: {_one_line(exc)}") from None
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        for override_set in sets:
            try:
                cfg = compose(config_name=name, overrides=override_set)
            except Exception as exc:
                raise ConfigError(_one_line(exc)) from None
            inputs(cfg)


def inputs(cfg: DictConfig):
    """Validate a composed config: (game to solve, scenario or None, rollout inputs)."""
    from negsim.games.talks import talks_game
    from negsim.io.gambit import read_nfg
    from negsim.scenario import build_rollout, build_scenario
    from negsim.selection import SELECTION_RULES
    from negsim.solvers import SOLVERS

    if cfg.solver.method not in SOLVERS:
        raise ConfigError(f"solver.method: unknown solver '{cfg.solver.method}'; expected one of: {', '.join(SOLVERS)}")
    if cfg.solver.selection not in SELECTION_RULES:
        raise ConfigError(
            f"solver.selection: unknown rule '{cfg.solver.selection}'; expected one of: {', '.join(SELECTION_RULES)}"
        )
    if not 0 < cfg.solver.tol < 1:
        raise ConfigError(f"solver.tol: expected a relative tolerance in (0, 1), got {cfg.solver.tol}")
    rollout_inputs = build_rollout(cfg.rollout)
    if cfg.nfg:
        return read_nfg(cfg.nfg), None, rollout_inputs
    scenario = build_scenario(cfg.scenario, cfg.game, cfg.mediator)
    return talks_game(scenario), scenario, rollout_inputs


def run(cfg: DictConfig):
    """Solve the configured game and roll out the ceasefire after it.

    Returns
    -------
    (text, metrics, rollout) : the printed report, the metrics to record, and the
    :class:`~negsim.rollout.RolloutResult` (None when there is no scenario or no runs).
    """
    from negsim import report
    from negsim.selection import select
    from negsim.solvers import solve

    game, scenario, (params, effort_unverified, breakdown_level, sizes) = inputs(cfg)
    equilibria = solve(game, method=cfg.solver.method, tol=cfg.solver.tol)
    chosen = select(game, equilibria, cfg.solver.selection)
    text = [f"{game.title}", report.payoff_table(game)]
    if scenario is not None:
        text.append(report.evidence_report(scenario))
    text.append(report.equilibria_report(game, equilibria, chosen, cfg.solver.selection))
    config_yaml = OmegaConf.to_yaml(cfg, resolve=True)
    metrics: dict[str, Any] = {
        "game": game.title,
        "players": list(game.players),
        "actions": [list(a) for a in game.actions],
        "payoffs": {"A": game.A.tolist(), "B": game.B.tolist()},
        "solver": OmegaConf.to_container(cfg.solver, resolve=True),
        "equilibria": [
            {
                "x": eq.strategies[0].tolist(),
                "y": eq.strategies[1].tolist(),
                "payoffs": eq.payoffs.tolist(),
                "regret": eq.regret.tolist(),
            }
            for eq in equilibria
        ],
        "selected": chosen,
        "config_hash": config_hash(config_yaml),
        "versions": package_versions(),
    }
    if scenario is not None:
        dist = report.outcome_distribution(scenario, equilibria[chosen])
        deal_labels = {
            scenario.outcome_labels[i][j] for i, j in zip(*scenario.deal.nonzero())
        }
        metrics["scenario"] = scenario.name
        metrics["selected_outcomes"] = dist
        metrics["p_deal"] = sum(p for lab, p in dist.items() if lab in deal_labels)
        text.append(
            "Selected outcome: "
            + "; ".join(f"{lab} (p={p:.3g})" for lab, p in dist.items())
            + f"; probability of a deal {metrics['p_deal']:.3g}"
        )
    result = None
    if scenario is not None and sizes["runs"] > 0:
        from negsim.ceasefire_after_talks import situation_after_talks
        from negsim.rollout import rollout

        situation = situation_after_talks(
            scenario, equilibria[chosen], effort_unverified=effort_unverified, breakdown_level=breakdown_level
        )
        result = rollout(
            params, situation, runs=sizes["runs"], days=sizes["days"], seed=int(cfg.seed),
            chunk_runs=sizes["chunk_runs"], progress=sizes["runs"] * sizes["days"] >= 20_000_000,
        )
        metrics["rollout"] = {
            "seed": int(cfg.seed),
            "situation": dataclasses.asdict(situation),
            **result.summary(),
            "p_incident_21_days": result.incident_probability(21),
            "quantiles_days_to_breakdown": {
                str(q): (None if d == float("inf") else d) for q, d in result.time_to_breakdown_quantiles().items()
            },
        }
        text.append(report.rollout_report(result, situation))
    return "\n\n".join(text), metrics, result


def _discard_run_dir(out: Path) -> None:
    """Remove what Hydra wrote for a run that failed (its config copy and log)."""
    shutil.rmtree(out / ".hydra", ignore_errors=True)
    for log in out.glob("*.log"):
        log.unlink(missing_ok=True)
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")
def _app(cfg: DictConfig) -> None:
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        text, metrics, result = run(cfg)
    except NegsimError as exc:
        _discard_run_dir(out)
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(text)
    written = []
    if result is not None:
        from negsim.plots import save_breakdown_plots

        p, lo, hi = result.breakdown_probability()
        written.append(write_arrays_atomic(
            out / "rollout.npz", p_breakdown=p, low=lo, high=hi, hazard=result.hazard(),
            breakdown_day=result.breakdown_day, closed_days=result.closed_days, deaths=result.deaths,
        ))
        written += save_breakdown_plots(result, metrics.get("game", ""), out)
    written.append(write_json_atomic(out / "metrics.json", metrics))
    print("\nWrote " + ", ".join(str(w) for w in written))


def main() -> None:
    """Entry point of the ``negsim`` command."""
    argv = sys.argv[1:]
    if not any(a in ("--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "-i") for a in argv):
        try:
            preflight(argv)
        except NegsimError as exc:
            print(f"negsim: error: {exc}", file=sys.stderr)
            sys.exit(2)
    _app()
