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
import json
import shlex
import shutil
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, cast

import hydra
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from negsim.app.batch import batchable
from negsim.app.config import ANALYSES, check_mode, plain_config, point_from_config, register
from negsim.app.config_cache import composed
from negsim.app.overrides import (
    INFO_FLAGS,
    candidate_override_sets,
    check_flags,
    check_group_choices,
    check_keys,
    is_group,
    one_line,
    recorded,
    searchpath_entries,
    split_args,
    sweep_keys,
    sweep_values,
    with_values,
)
from negsim.app.safety import check_composed, check_overrides, check_user_folders
from negsim.app.sweeps import claim_folder
from negsim.errors import ConfigError, NegsimError
from negsim.io.configs import config_dir
from negsim.io.results import package_versions, write_arrays_atomic, write_json_atomic
from negsim.model.scenario import Scenario
from negsim.studies.pipeline import outcome_cell, run_point

register()


def _search_dirs(argv: Sequence[str]) -> list[Path]:
    """The user's config folders: ``--config-dir`` values and ``hydra.searchpath`` file entries."""
    _, _, dirs = split_args(argv)
    out = [Path(d).resolve() for d in dirs]
    for arg in argv:
        if arg.lstrip("+").startswith("hydra.searchpath="):
            for entry in searchpath_entries(arg):
                if entry.startswith("file://"):
                    out.append(Path(entry.removeprefix("file://")).resolve())
    return out


class Composer:
    """Hydra's compose API on negsim's config folder, initialised on first use (a command
    whose config comes from :mod:`negsim.app.config_cache` needs no Hydra set-up) and
    closed at the end of the ``with`` block. Inside a Hydra job, Hydra's own state is used."""

    def __init__(self) -> None:
        self._stack = ExitStack()

    def __enter__(self) -> Composer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def __call__(self, name: str, overrides: Sequence[str], *, with_hydra: bool = True) -> DictConfig:
        """``config_name`` composed with ``overrides`` (and Hydra's node, ``with_hydra``); a
        failure is a :class:`~negsim.errors.ConfigError` with Hydra's message on one line."""
        from hydra import compose, initialize_config_dir

        if not GlobalHydra.instance().is_initialized():
            self._stack.enter_context(initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"))
        try:
            return compose(config_name=name, overrides=list(overrides), return_hydra_config=with_hydra)
        except Exception as exc:
            raise ConfigError(one_line(exc)) from None


def preflight(argv: Sequence[str], compose: Composer, *, info_only: bool = False) -> tuple[DictConfig | None, Any]:
    """Compose and validate the config of every run the command line asks for; with
    ``info_only`` (``--help``, ``--cfg``, ...) only the safety checks of the config.

    Returns
    -------
    (DictConfig or None, Point or None)
        The config of the command line's first run, with Hydra's node (None when
        ``info_only`` and Hydra is to report the error itself), and its validated point
        when the run is a plain solve.

    Raises
    ------
    NegsimError
        Naming the offending key, option or file, before Hydra writes anything.
    """
    overrides, name, _ = split_args(argv)
    user_dirs = _search_dirs(argv)
    for d in user_dirs:
        if not d.is_dir():
            raise ConfigError(f"{d}: config folder not found (given with --config-dir or hydra.searchpath)")
    search = [f"hydra.searchpath=[{','.join(f'file://{d}' for d in user_dirs)}]"] if user_dirs else []
    groups_in = [config_dir(), *user_dirs]
    check_overrides([a for a in argv if not a.startswith("-")])
    check_user_folders(user_dirs)
    sets = candidate_override_sets(overrides)
    check_group_choices(overrides, groups_in)
    # Hydra's own settings on the command line (not its sweeps), so the checks see what Hydra will run.
    hydra_keys = [a for a in argv if _hydra_setting(a) and "," not in a]
    # Only a config file from outside negsim can change the guarded nodes (their overrides
    # are refused above), so the shipped reference is composed only when there is one.
    foreign = bool(user_dirs) or any(a.lstrip("+").startswith("hydra.searchpath=") for a in argv)
    shipped = compose("config", []) if foreign else None
    try:
        base = composed(compose, name, sets[0] + hydra_keys + search, groups_in)
    except ConfigError:  # name the key ourselves where we can, else Hydra's message
        if info_only:
            return None, None  # Hydra prints the config or its help, and its own error
        groups = [o for o in sets[0] if is_group(o.split("=", 1)[0], groups_in)]
        bare = compose(name, groups + search, with_hydra=False)
        check_keys(bare, sets[0], groups_in)
        values = [o for o in sets[0] if o not in groups and not o.startswith(("+", "~", "hydra"))]
        with_values(bare, dict(o.split("=", 1) for o in values))
        raise
    check_composed(base, shipped)
    announce_launcher(base)
    if info_only:
        return base, None
    check_keys(base, sets[0], groups_in)
    axes = sweep_values(dict(base.hydra.sweeper.params or {}))
    if _multirun(argv, base) and batchable(base, [*axes, *sweep_keys(overrides)], lambda k: is_group(k, groups_in)):
        return base, None  # negsim's sweeper validates every point of the batch, once, before writing anything
    plain: DictConfig | None = None  # the config without Hydra's node, copied once if a variant needs it
    variants = [*sets, *(sets[0] + [f"{key}={value}"] for key, values in axes.items() for value in values)]
    first = None
    for override_set in variants:
        extra = [o for o in override_set if o not in sets[0]]
        if override_set is sets[0]:
            cfg = base
        elif all(not is_group(o.split("=", 1)[0], groups_in) for o in extra):
            if plain is None:
                plain = OmegaConf.masked_copy(base, [str(k) for k in base if k != "hydra"])
                OmegaConf.set_struct(plain, True)
            cfg = with_values(plain, dict(o.split("=", 1) for o in extra))
        else:
            cfg = compose(name, override_set + search)
            check_composed(cfg, shipped)
        point = point_from_config(cfg)
        first = point if override_set is sets[0] and cfg.mode == "solve" else first
        if cfg.mode in ANALYSES:
            analysis_result(cfg)
        if cfg.mode == "threshold":
            threshold_scenarios(compose, name, [*override_set, *search], list(cfg.threshold.scenarios))
        if cfg.mode == "leverage_choice":
            from negsim.studies.leverage_choice import load_objective

            threshold_scenarios(compose, name, [*override_set, *search], list(cfg.leverage_choice.scenarios))
            for objective in cfg.leverage_choice.objectives:
                load_objective(str(objective))
    claim_sweep_folder(argv, base, axes)
    return base, first


def _hydra_setting(arg: str) -> bool:
    """True for a command-line setting of Hydra's own node (``hydra.run.dir=out``); the
    pre-flight composes those without a comma (the others may be sweeps)."""
    return arg.lstrip("+~").startswith("hydra") and "=" in arg and not arg.startswith("-")


def _multirun(argv: Sequence[str], cfg: DictConfig) -> bool:
    """True when the command line (``-m``) or the config (``hydra.mode``) asks for a multirun."""
    return any(a in ("-m", "--multirun") for a in argv) or str(cfg.hydra.mode) == "RunMode.MULTIRUN"


def announce_launcher(cfg: DictConfig) -> None:
    """Say where a Ray launcher runs the jobs; refuse a cluster launcher without an address."""
    launcher = cfg.hydra.get("launcher")
    if launcher is None or not str(launcher.get("_target_", "")).endswith("RayLauncher"):
        return
    init = OmegaConf.select(launcher, "ray.init", default=None)
    if init is not None and init.get("address") == "SET_ME":  # configs/hydra/launcher/ray_cluster.yaml
        raise ConfigError(
            "hydra.launcher.ray.init.address: give the Ray head's address (host:port, with RAY_AUTH_MODE=token "
            "set for Ray 2.60), or auto to join the cluster running on this machine"
        )
    address = init.get("address") if init is not None else None
    where = f"joining the Ray cluster at {address}" if address else "starting a Ray instance on this machine"
    print(f"negsim: Ray launcher: {where}", file=sys.stderr)


def claim_sweep_folder(argv: Sequence[str], cfg: DictConfig, axes: dict[str, list[str]]) -> None:
    """Claim a multirun's sweep folder for its sweep (:func:`negsim.app.sweeps.claim_folder`)."""
    if not _multirun(argv, cfg):
        return
    overrides, _, _ = split_args(argv)
    swept = sorted({*axes, *sweep_keys(overrides)})
    claim_folder(Path(str(cfg.hydra.sweep.dir)), swept, overrides)


def report_text(point, outcome) -> str:
    """The printed report of a solved point: table, evidence, equilibria, rollout."""
    from negsim.viz import text as report

    game, m = point.game, outcome.metrics
    text = [f"{game.title}", report.payoff_table(game)]
    if point.scenario is not None:
        text.append(report.evidence_report(point.scenario))
    rule = "logit_limit" if point.selection == "qre" else point.selection
    text.append(report.equilibria_report(game, outcome.equilibria, outcome.chosen, rule))
    if point.extensive is not None:
        text.append(report.behavior_report(point.extensive, outcome.equilibria))
    if point.scenario is not None:
        pred = m["prediction"]
        how = (f"logit QRE at precision {pred['lam']:g}" if pred["rule"] == "qre"
               else "given by after=" if pred["rule"] == "after" else f"the '{pred['rule']}' equilibrium")
        text.append(
            f"Predicted outcomes ({how}): "
            + "; ".join(f"{lab} (p={p:.3g})" for lab, p in sorted(m["selected_outcomes"].items(), key=lambda kv: -kv[1]))
            + f"; probability of a deal {m['p_deal']:.3g}"
        )
    if outcome.rollout is not None:
        text.append(report.rollout_report(outcome.rollout, m))
    if "uncertainty" in m:
        text.append(report.band_report(m["uncertainty"], m.get("rollout"), m.get("outcome", {}).get("question")))
    return "\n\n".join(text)


def point_report(metrics: dict[str, Any], k: int | None, total: int | None, as_json: bool) -> str:
    """What a sweep prints for its point ``k`` of ``total`` (``metrics`` with its ``overrides``,
    or its ``error``): one line in words (:func:`negsim.viz.text.point_line`), or with
    ``as_json`` the metrics as one line of JSON."""
    if as_json:
        return json.dumps(metrics, separators=(",", ":"), allow_nan=False)
    from negsim.viz.text import point_line

    where = " ".join(metrics.get("overrides", [])) or "(defaults)"
    position = "" if k is None else f"[{k}/{total}] " if total else f"[#{k}] "
    return position + point_line(where, metrics)


def write_point(out: Path, metrics: dict[str, Any], arrays: dict[str, Any] | None, extra: dict[str, Any]) -> list[Path]:
    """Write a point's ``rollout.npz`` (if it has ``arrays``) and ``metrics.json`` (last, so
    its presence means done); the paths written."""
    written = [] if arrays is None else [write_arrays_atomic(out / "rollout.npz", **arrays)]
    return [*written, write_json_atomic(out / "metrics.json", {**metrics, **extra})]


def write_outcome(out: Path, outcome, extra: dict[str, Any], *, plots: bool, runs: bool,
                  leverage: dict[str, float] | None = None) -> list[Path]:
    """Write a point's arrays, plots and metrics.json (:func:`write_point`); the breakdown
    figure states the mediator's ``leverage`` and the predicted talks outcome.

    ``rollout.npz`` holds what the forecast gives (``Forecast.arrays``): the curves, the
    strata and, for the Monte Carlo, the intervals and (with ``runs``) every run's outcomes."""
    result = outcome.rollout
    figures = []
    if result is not None and plots:
        from negsim.viz.canvas import save_figure
        from negsim.viz.curves import breakdown_figure

        fig = breakdown_figure(result, outcome.metrics["game"], leverage=leverage,
                               outcome=outcome.metrics.get("selected_outcomes"), answer=outcome.metrics.get("outcome"))
        figures = save_figure(fig, out / "breakdown")
    arrays = None if result is None else result.arrays(runs=runs)
    return [*figures, *write_point(out, outcome.metrics, arrays, extra)]


def _discard_run_dir(out: Path) -> None:
    """Remove what Hydra wrote for a run that failed (its config copy and log)."""
    shutil.rmtree(out / ".hydra", ignore_errors=True)
    for log in out.glob("*.log"):
        log.unlink(missing_ok=True)
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()


def run_task(cfg: DictConfig, point: Any = None) -> None:
    """The work of one Hydra job: a solve, an analysis or an experiment (``point``: the
    solve's point, if :func:`preflight` validated it already)."""
    from negsim.app.workers import watch_driver

    watch_driver()  # in a launcher's worker: stop if the command is killed
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    overrides = recorded(hc.overrides.task)
    multirun = hc.mode == RunMode.MULTIRUN
    try:
        if cfg.mode in ANALYSES:
            _analysis(cfg, out, overrides)
            return
        if cfg.mode != "solve":
            _experiment(cfg, Path(cfg.results_dir or out), overrides)
            return
        point = point_from_config(cfg) if point is None else point
        if finished(out, point.config_hash):
            print(f"negsim: {out} already holds this point's results (config {point.config_hash}); skipped")
            return
        from negsim.studies.parallel import workers_from_config

        outcome = run_point(point, progress=point.runs * point.days >= 20_000_000, workers=workers_from_config(cfg.workers))
    except NegsimError as exc:
        if multirun:  # keep the other points going; the table records the failure
            write_json_atomic(out / "error.json", {"error": str(exc), "overrides": overrides})
            print(point_report({"error": str(exc), "overrides": overrides}, hc.job.num, None, cfg.output.json),
                  file=sys.stderr)
            return
        _discard_run_dir(out)
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    runs = not multirun if cfg.output.runs is None else bool(cfg.output.runs)
    leverage = None if point.scenario is None else dataclasses.asdict(point.scenario.mediator)
    written = write_outcome(out, outcome, {"overrides": overrides}, plots=not multirun, runs=runs, leverage=leverage)
    if not multirun and cfg.output.report:  # a sweep's points have the sweep's report
        from negsim.viz.report import write_run_report

        written.append(write_run_report(out, {**outcome.metrics, "overrides": overrides},
                                        figures=[p for p in written if p.suffix == ".svg"],
                                        command=_command(), scenario=point.scenario))
    if multirun:  # one line a point; the folder is in the closing table's line
        print(point_report({**outcome.metrics, "overrides": overrides}, hc.job.num, None, cfg.output.json),
              file=json_out() if cfg.output.json else sys.stdout, flush=True)
        return
    if cfg.output.json:
        print(json.dumps({**outcome.metrics, "overrides": overrides}, indent=1, allow_nan=False), file=json_out())
    else:
        print(report_text(point, outcome))
    print(("" if cfg.output.json else "\n") + "Wrote " + ", ".join(str(w) for w in written),
          file=sys.stderr if cfg.output.json else sys.stdout)


def _knob_ranges(spec: DictConfig) -> dict[str, float]:
    """The threshold experiment's knobs with the top of each search range."""
    missing = [k for k in spec.knobs if k not in spec.upper]
    if missing:
        raise ConfigError(f"threshold.upper.{missing[0]}: no search range for knob '{missing[0]}'")
    return {k: float(spec.upper[k]) for k in spec.knobs}


def threshold_scenarios(compose: Composer, name: str, overrides: Sequence[str], names: Sequence[str]) -> list[Scenario]:
    """Each scenario of the threshold experiment as the user set it: composed with the
    command line's overrides (``mediator.verification=1`` applies to every scenario)."""
    from negsim.model.scenario import build_scenario

    keep = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != "scenario"]
    out = []
    for scenario in names:
        data = plain_config(compose(name, [*keep, f"scenario={scenario}"], with_hydra=False))
        out.append(build_scenario(data.get("scenario"), data.get("game"), data.get("mediator")))
    return out


def _experiment(cfg: DictConfig, folder: Path, overrides: Sequence[str]) -> None:
    """The threshold, leverage_choice, sensitivity, uncertainty, calibrate or hindcast experiment (``mode``), written
    to ``folder``; the ``overrides`` of the command line apply to every scenario it studies."""
    from negsim.app import experiments

    said: list[str] = []  # what the experiment says, printed and kept for its report

    def say(line: str) -> None:
        print(line)
        said.append(line)

    if cfg.mode == "threshold":
        spec = cfg.threshold
        scenarios = _rounds(overrides, spec.scenarios)
        rows, paths = experiments.threshold_experiment(
            scenarios, _knob_ranges(spec), folder, grid=spec.grid, tol=spec.tol, margin=spec.margin,
            selection=cfg.solver.selection, lam=cfg.solver.lam,
        )
        for r in rows:
            moves = (f"from '{r['outcome_below']}' to '{r['outcome_above']}'" if r["outcome_below"] != r["outcome_above"]
                     else f"P(deal) passes 1/2; the most likely outcome stays '{r['outcome_below']}'")
            where = "already a deal at 0" if r["already_deal"] else (
                f"{r['threshold']:.6g} ({moves})" if r["threshold"] is not None else f"no flip up to {r['upper']:g}")
            say(f"{r['scenario']:<16} {r['knob']:<14} baseline {r['baseline']:g}: threshold {where}")
    elif cfg.mode == "leverage_choice":
        scenarios = _rounds(overrides, cfg.leverage_choice.scenarios)
        spec = OmegaConf.to_container(cfg.leverage_choice, resolve=True)
        point = point_from_config(cfg)
        rows, paths = experiments.leverage_choice_experiment(scenarios, point.setup, folder, spec, progress=say,
                                                             seed=point.seed)
    elif cfg.mode == "uncertainty":
        point = point_from_config(cfg)
        summary, paths = experiments.uncertainty_experiment(point, folder)
        say(f"{summary['scenario']}: {summary['draws']} draws; P(T1 holds) {summary['p_t1_holds']:.3f}; "
            f"P(deal) 5-95% {summary['p_deal_q05']:.3f}-{summary['p_deal_q95']:.3f}"
            + (f"; P(breakdown) 5-95% {summary['p_breakdown_q05']:.3f}-{summary['p_breakdown_q95']:.3f}"
               if "p_breakdown_q05" in summary else ""))
        for t in summary["thresholds"]:
            q = " / ".join("-" if t[k] is None else f"{t[k]:.3f}" for k in ("q05", "q50", "q95"))
            say(f"  threshold of {t['knob']}: 5/50/95% {q} "
                f"(already a deal in {t['share_already_deal']:.0%}, no flip up to {t['upper']:g} in {t['share_no_flip']:.0%})")
    elif cfg.mode == "calibrate":
        summary, paths = experiments.calibration_experiment(point_from_config(cfg), folder)
        say(f"calibration to {len(summary['events'])} recorded events: {summary['draws']} prior draws of "
            f"{summary['parameters']} judgement calls, effective sample size {summary['effective_sample_size']:.1f}")
        for r in summary["largest_shifts"]:
            say(f"  {r['parameter']:<44} moved {r['shift_in_prior_sd']:+.2f} prior sd "
                f"(prior mean {r['prior_mean']:.3g}, posterior mean {r['posterior_mean']:.3g})")
    elif cfg.mode == "hindcast":
        rows, paths = experiments.hindcast_experiment(point_from_config(cfg), folder)
        for r in rows:
            say(f"  {r['event']:<38} P before conditioning {r['p_leave_one_out']:.3f} (prior {r['p_prior']:.3f}); "
                f"Brier {r['brier_leave_one_out']:.3f}, log score {r['log_score_leave_one_out']:.3f}")
    elif cfg.mode == "sensitivity":
        rows, paths = experiments.sensitivity_experiment(point_from_config(cfg), folder, step=cfg.sensitivity.step)
        for r in rows[:10]:
            say(f"{r['input']:<36} P(breakdown) {r['low']:.4f} .. {r['high']:.4f} (swing {r['swing']:.4f})")
    else:
        check_mode(cfg)
        raise ConfigError(f"mode: '{cfg.mode}' is not an experiment")
    if cfg.output.report:
        paths = [*paths, experiments.study_report(cfg.mode, folder, paths, _command(), text="\n".join(said))]
    print("Wrote " + ", ".join(str(p) for p in paths))


def _rounds(overrides: Sequence[str], names: Sequence[str]) -> list[Scenario]:
    """The rounds ``names`` of an experiment, each composed with the command line's ``overrides``
    (:func:`threshold_scenarios`)."""
    with Composer() as compose:
        return threshold_scenarios(compose, HydraConfig.get().job.config_name or "config", overrides, list(names))


def _command() -> str:
    """The command line of this run, as a shell would take it."""
    return shlex.join(["negsim", *HydraConfig.get().overrides.task])


def _analysis(cfg: DictConfig, out: Path, overrides: list[str]) -> None:
    """The ceasefire, bargaining or crisis analysis: report and metrics.json, like a solve."""
    text, metrics = analysis_result(cfg, out)
    print(text)
    paths = [write_json_atomic(out / "metrics.json", {
        **metrics, "mode": cfg.mode, "overrides": overrides, "versions": package_versions(),
    })]
    if cfg.output.report:
        from negsim.app.experiments import study_report

        paths.append(study_report(cfg.mode, out, [], _command(), text=text))
    print("\nWrote " + ", ".join(str(p) for p in paths))


def analysis_result(cfg: DictConfig, out: Path | None = None) -> tuple[str, dict[str, Any]]:
    """Validate and run the analysis named by ``cfg.mode`` (ceasefire, bargaining, crisis, mediation);
    ``out``, if given, receives the crisis game's Gambit ``.efg`` file."""
    from negsim.app.analyses import (
        bargaining_analysis,
        ceasefire_analysis,
        crisis_analysis,
        mediation_analysis,
        with_ceasefire_defaults,
    )
    from negsim.model.scenario import build_rollout, build_scenario

    data = plain_config(cfg)
    scenario = build_scenario(data.get("scenario"), data.get("game"), data.get("mediator"))
    if cfg.mode == "crisis":
        return crisis_analysis(scenario, out)
    if cfg.mode == "mediation":
        return mediation_analysis(scenario, data.get("mediation"), data.get("mediator_play"), seed=data.get("seed"))
    node = data.get(cfg.mode)
    if node is None:
        raise ConfigError(f"{cfg.mode}: no parameters; use analysis={cfg.mode}")
    if cfg.mode == "bargaining":
        return bargaining_analysis(node)
    from negsim.model.situation import outcome_ceasefire

    setup = build_rollout(data.get("rollout"))
    i, j = outcome_cell(scenario, data.get("after") or "insist_written/sign_written")  # default: the written guarantee
    situation, _ = outcome_ceasefire(scenario, i, j, setup)
    node = with_ceasefire_defaults(node, data["rollout"], data["scenario"])
    return ceasefire_analysis(node, setup.params, situation, scenario.outcome_labels[i][j])


def finished(out: Path, digest: str) -> bool:
    """True when ``out/metrics.json`` holds results of exactly this config."""
    try:
        return bool(json.loads((out / "metrics.json").read_text()).get("config_hash") == digest)
    except (OSError, ValueError):
        return False


@contextmanager
def _argv(args: Sequence[str]) -> Iterator[None]:
    """Hand ``args`` to Hydra, whose ``main`` reads only ``sys.argv``; restore it after."""
    saved = sys.argv[:]
    sys.argv[1:] = list(args)
    try:
        yield
    finally:
        sys.argv[:] = saved


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings on the command line as one line, like its errors (no source line)."""
    return f"negsim: warning: {message}\n"


#: Where ``--json`` prints: the command's stdout, while everything else printed goes to
#: stderr (:func:`json_stdout`); None without ``--json``.
_JSON_OUT: list[Any] = [None]


def json_out() -> Any:
    """The stream JSON results go to: stdout, as the command found it."""
    return _JSON_OUT[0] or sys.stdout


@contextmanager
def json_stdout(on: bool) -> Iterator[None]:
    """With ``on`` (``--json``), everything printed goes to stderr, Hydra's log lines included,
    and only the JSON (:func:`json_out`) to stdout; restored after."""
    if not on:
        yield
        return
    saved, _JSON_OUT[0] = sys.stdout, sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout, _JSON_OUT[0] = saved, None


def json_flag(args: Sequence[str]) -> list[str]:
    """``--json`` as the override it stands for, ``output.json=true``: the run's metrics (a
    sweep's, one line per point) as JSON on stdout, everything else on stderr."""
    if "--json" not in args:
        return list(args)
    return [a for a in args if a != "--json"] + ["output.json=true"]  # after any flag: Hydra's parser wants that


def fast_alias(args: Sequence[str]) -> list[str]:
    """``fast=true``, the old switch to the grid fast path, as what it now is: a multirun
    (value sweeps are batched by negsim's sweeper), its ``hydra.run.dir`` taken as the
    sweep folder; ``fast=false`` is dropped. Said once on stderr."""
    given = [a for a in args if a.startswith("fast=")]
    if not given:
        return list(args)
    rest = [a for a in args if not a.startswith("fast=")]
    if given[-1] != "fast=true":
        return rest
    print("negsim: warning: fast=true is no longer needed: a sweep over values runs as one batch; running it as -m",
          file=sys.stderr)
    if not any(a.startswith("hydra.sweep.dir=") for a in rest):
        rest = [f"hydra.sweep.dir={a.partition('=')[2]}" if a.startswith("hydra.run.dir=") else a for a in rest]
    return rest if any(a in ("-m", "--multirun") for a in rest) else ["-m", *rest]


def single_run(argv: Sequence[str], cfg: DictConfig) -> bool:
    """True when the command line is one plain run: overrides only (no flag), no sweep."""
    hydra_lists = any("," in a for a in argv if _hydra_setting(a))  # not in preflight's config
    return not any(a.startswith("-") for a in argv) and not hydra_lists and not _multirun(argv, cfg) \
        and not sweep_keys(list(argv))


def run_composed(cfg: DictConfig, name: str, point: Any = None) -> None:
    """Run one job of an already composed config as Hydra's ``Hydra.run`` does (run folder,
    ``.hydra/`` files, logging, callbacks: Hydra's own ``run_job``), without composing it
    again; ``point`` is passed to :func:`run_task`."""
    from hydra._internal.callbacks import Callbacks
    from hydra.core.utils import configure_log, run_job, setup_globals
    from hydra.types import HydraContext

    setup_globals()  # Hydra's resolvers (now, hydra), as its set-up registers them
    configure_log(cfg.hydra.hydra_logging, cfg.hydra.verbose)
    if cfg.hydra.mode is None:  # as hydra.main records it
        with open_dict(cfg.hydra):
            cfg.hydra.mode = RunMode.RUN
            cfg.hydra.overrides.hydra.append("hydra.mode=RUN")
    callbacks = Callbacks(cfg)
    callbacks.on_run_start(config=cfg, config_name=name)
    # run_job reads only the callbacks of its context; the config loader exists only if
    # this command composed (a cached config needs none, and setting Hydra up costs 0.1 s)
    loader = GlobalHydra.instance().config_loader() if GlobalHydra.instance().is_initialized() else None
    context = HydraContext(config_loader=cast(Any, loader), callbacks=callbacks)
    ret = run_job(hydra_context=context, task_function=partial(run_task, point=point), config=cfg,
                  job_dir_key="hydra.run.dir", job_subdir_key=None, configure_logging=True)
    callbacks.on_run_end(config=cfg, config_name=name, job_return=ret)
    _ = ret.return_value  # raises what the job raised


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``negsim`` command (``argv`` defaults to the command line).

    The command line is checked (:func:`preflight`) on one composition of its config
    (cached: :mod:`negsim.app.config_cache`); a plain run then runs on that config
    (:func:`run_composed`), anything else (a sweep, ``--cfg``, ``--info``, ...) through
    ``hydra.main``."""
    args = list(sys.argv[1:] if argv is None else argv)
    from negsim.app.command import HELP_FLAGS
    from negsim.app.command import main as command

    if any(a in HELP_FLAGS for a in args):  # the console command answers these before importing Hydra
        command(args)
        return
    warnings.formatwarning = _one_line_warning
    with json_stdout("--json" in args):
        _run(args)


def _run(args: list[str]) -> None:
    """:func:`main` after the help flags."""
    from negsim.app.workers import mark_driver

    try:
        args = json_flag(fast_alias(args))
        check_flags(args)
        with Composer() as compose:
            base, point = preflight(args, compose, info_only=any(a in INFO_FLAGS for a in args))
            if base is not None and single_run(args, base):
                mark_driver()
                run_composed(base, split_args(args)[1], point)
                return
    except NegsimError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    mark_driver()
    app = hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")(run_task)
    try:
        with _argv(args):
            app()
    finally:  # a later call in the same process (a test, a notebook) starts afresh
        GlobalHydra.instance().clear()


if __name__ == "__main__":
    main()
