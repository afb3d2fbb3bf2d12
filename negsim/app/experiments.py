"""The threshold and sensitivity experiments: tables and figures into a results folder.

Both are called by the CLI (``negsim experiment=threshold``, ``negsim
experiment=sensitivity``) and can be called from Python with plain arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.io.results import write_text_atomic
from negsim.io.tables import csv_text
from negsim.model.scenario import FRACTION_KNOBS, Scenario
from negsim.model.talks import deal_probability
from negsim.studies.pipeline import Point
from negsim.studies.threshold import deal_curve, least_cost_leverage, leverage_threshold, prediction_at
from negsim.viz.canvas import save_figure
from negsim.viz.curves import deal_curves_figure, tornado_figure


def _printed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every float rounded to the tables' printed precision (reproducible)."""
    from negsim.studies.sweep import PRINTED_DIGITS

    return [{k: round(v, PRINTED_DIGITS) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def threshold_experiment(
    scenarios: Sequence[Scenario], knobs: dict[str, float], folder: Path, *,
    grid: int = 41, tol: float = 1e-6, margin: float = 1e-3, selection: str = "qre", lam: float | None = None,
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Per scenario and knob: the leverage where P(deal) crosses 1/2, checked at + margin;
    per scenario and kind of deal: the least transfer tied to it that makes it the prediction.

    ``scenarios`` are validated scenarios as the user set them (overrides included: the
    shell composes one per scenario name). Writes ``thresholds.csv``, ``least_cost.csv``
    and ``deal_<knob>.png/svg`` (P(deal) against the knob, one curve per scenario,
    thresholds marked) into ``folder``.
    """
    rows, costs, paths = [], [], []
    for knob, upper in knobs.items():
        values = np.linspace(0.0, upper, grid)
        curves = []
        for sc in scenarios:
            t = leverage_threshold(sc, knob, upper=upper, grid=grid, tol=tol, selection=selection, lam=lam)
            check = None
            if t.value is not None:
                above = t.value + margin
                at = min(above, 1.0) if knob in FRACTION_KNOBS else above
                check = deal_probability(sc, prediction_at(sc, selection, lam, **{knob: at}))
            rows.append({
                "scenario": sc.name, "knob": knob, "baseline": getattr(sc.mediator, knob), "upper": upper,
                "threshold": t.value, "bracket_low": t.below, "bracket_high": t.above,
                "already_deal": t.already_deal, "outcome_below": t.outcome_below, "outcome_above": t.outcome_above,
                "p_deal_at_threshold_plus_margin": check, "margin": margin, "tol": tol, "selection": selection,
                "lam": (sc.precision if lam is None else lam) if selection == "qre" else None,
            })
            marked = t.value if t.value is not None and not t.already_deal else None
            curves.append((sc.name, deal_curve(sc, knob, values, selection=selection, lam=lam), marked))
        titles = {sc.name: sc.title for sc in scenarios}
        paths += save_figure(deal_curves_figure(knob, values, curves, titles=titles), folder / f"deal_{knob}")
    for sc in scenarios:
        costs += least_cost_leverage(sc, upper=max(knobs.values(), default=10.0), grid=grid, tol=tol,
                                     selection=selection, lam=lam)
    paths.insert(0, write_text_atomic(folder / "least_cost.csv", csv_text(_printed(costs))))
    paths.insert(0, write_text_atomic(folder / "thresholds.csv", csv_text(_printed(rows))))
    return rows, paths


def sensitivity_experiment(point: Point, folder: Path, *, step: float = 0.25) -> tuple[list[dict[str, Any]], list[Path]]:
    """Tornado of P(breakdown) over every weight and rollout parameter, +-``step``.

    Writes ``sensitivity.csv`` and ``tornado.png/svg`` into ``folder``.
    """
    from negsim.studies.sensitivity import sensitivity

    if point.scenario is None:
        raise ConfigError("sensitivity: needs a scenario, not an nfg file")
    rows = sensitivity(point, step=step)
    fig = tornado_figure(rows, f"{point.scenario.title}: what moves P(breakdown by day {point.days})",
                         horizon=point.days, step=step)
    return rows, [write_text_atomic(folder / "sensitivity.csv", csv_text(_printed(rows)))] + save_figure(fig, folder / "tornado")


def _need_draws(point: Point, experiment: str) -> None:
    if point.uncertainty.draws < 2:
        raise ConfigError(f"uncertainty.draws: experiment={experiment} needs at least 2 draws, got {point.uncertainty.draws}")


def _t1_holds(scenario: Scenario, p_deal: float, modal: tuple[int, int]) -> bool:
    """T1 for one draw: no deal likelier than not, and the deadlock the most likely outcome."""
    return bool(p_deal < 0.5 and tuple(modal) == scenario.cell("insist_written", "verbal_only"))


def uncertainty_experiment(point: Point, folder: Path, *, threshold_knobs: Sequence[str] = ("transfer_pledge", "transfer_written"),
                           upper: float = 10.0) -> tuple[dict[str, Any], list[Path]]:
    """What a round's answers rest on: bands, P(T1 holds), thresholds and Sobol indices.

    From ``point.uncertainty``: ``draws`` joint draws of the judgement calls give the
    5/50/95% points of P(deal), P(breakdown) and P(open war) and the share of draws in which
    T1 holds (no deal likelier than not, the deadlock most likely; a target of the Istanbul
    rounds); the first ``threshold_draws`` of them each give the least transfer that makes a
    deal likelier than not; ``sobol_base`` sets the Saltelli sample of the first-order and
    total Sobol indices of P(deal) and P(breakdown) (SALib). Writes ``band.csv``,
    ``thresholds.csv``, ``sobol.csv``, ``summary.json`` and ``sobol_<answer>.png/svg``.
    """
    from tqdm import tqdm

    from negsim.io.results import write_json_atomic
    from negsim.model.outcomes import LEVEL_OUTCOMES, question
    from negsim.studies.global_sensitivity import sobol_indices
    from negsim.studies.uncertainty import band, exact_answers, with_values
    from negsim.viz.curves import sobol_figure

    sc, spec = point.scenario, point.uncertainty
    if sc is None:
        raise ConfigError("uncertainty: needs a scenario, not an nfg file")
    _need_draws(point, "uncertainty")
    seed = point.seed if spec.seed is None else spec.seed
    with tqdm(total=spec.draws, desc="parameter draws", unit="draw") as bar:
        result = band(point, spec.draws, method=spec.method, seed=seed, width=spec.width,
                      progress=lambda k: bar.update(1))
    t1 = [_t1_holds(sc, d, tuple(m)) for d, m in zip(result.answers["p_deal"], result.modal, strict=True)]
    band_rows = [{"answer": name, **{f"q{round(100 * q):02d}": v for q, v in result.quantiles(name).items()}}
                 for name in result.answers]
    threshold_rows = []
    count = min(spec.threshold_draws, spec.draws)
    drawn = [with_values(point, result.space, row) for row in result.values[:count]]
    for knob in threshold_knobs:
        found = [leverage_threshold(d.scenario, knob, upper=upper, grid=21, selection=d.selection, lam=d.lam)
                 for d in tqdm(drawn, desc=f"thresholds of {knob}", unit="draw")]
        values = np.array([t.value for t in found if t.value is not None and not t.already_deal])
        threshold_rows.append({
            "knob": knob, "draws": count, "upper": upper,
            "share_already_deal": sum(t.already_deal for t in found) / count,
            "share_no_flip": sum(t.value is None for t in found) / count,
            **{f"q{round(100 * q):02d}": (float(np.quantile(values, q)) if len(values) else None) for q in (0.05, 0.5, 0.95)},
        })
    space = list(result.space)
    asked_default = point.outcome.name == LEVEL_OUTCOMES[point.setup.breakdown_level - 1] and point.horizon == point.days
    with tqdm(total=spec.sobol_base * (2 * len(space) + 2), desc="Sobol indices", unit="run") as bar:
        def evaluate(v: np.ndarray) -> dict[str, float]:
            answers = exact_answers(with_values(point, space, v))
            answers.pop("modal")
            answers.pop("p_open_war", None)
            if asked_default:  # the question is the breakdown by the last day: its indices once
                answers.pop("p_outcome", None)
            bar.update(1)
            return answers

        indices = sobol_indices(space, evaluate, spec.sobol_base, seed=seed)
    sobol_rows = [{"answer": name, **row} for name, rows in indices.items() for row in rows]
    summary = {
        "scenario": sc.name, "draws": spec.draws, "method": spec.method, "seed": seed,
        "p_t1_holds": float(np.mean(t1)), **result.summary(sc.actions),
        "thresholds": threshold_rows, "sobol_base": spec.sobol_base, "config_hash": point.config_hash,
    }
    paths = [
        write_text_atomic(folder / "band.csv", csv_text(_printed(band_rows))),
        write_text_atomic(folder / "thresholds.csv", csv_text(_printed(threshold_rows))),
        write_text_atomic(folder / "sobol.csv", csv_text(_printed(sobol_rows))),
        write_json_atomic(folder / "summary.json", summary),
    ]
    labels = {"p_deal": "P(deal)", "p_breakdown": f"P(breakdown by day {point.days})",
              "p_outcome": question(point.outcome, point.horizon)}
    for name, rows in indices.items():
        paths += save_figure(sobol_figure(rows, f"{sc.title}: what {labels.get(name, name)} rests on"), folder / f"sobol_{name}")
    return summary, paths


def _calibrated(point: Point):
    """The record and the calibration of its rounds' prior draws (``point.uncertainty``)."""
    from tqdm import tqdm

    from negsim.studies.calibration import calibrate, load_record, shipped_points

    if point.scenario is None:
        raise ConfigError("calibration: needs a scenario, not an nfg file")
    _need_draws(point, "calibrate")
    spec = point.uncertainty
    record = load_record()
    points = shipped_points(point, sorted({e.round for e in record}))
    with tqdm(total=spec.draws, desc="prior draws against the record", unit="draw") as bar:
        cal = calibrate(points, record, spec.draws, method=spec.method, seed=point.seed if spec.seed is None else spec.seed,
                        width=spec.width, progress=lambda k: bar.update(1))
    return record, cal


def calibration_experiment(point: Point, folder: Path) -> tuple[dict[str, Any], list[Path]]:
    """Weight prior draws by the record's likelihood; write ``posterior.csv`` (each parameter's
    prior and posterior), ``events.csv`` (each event's probability under both) and
    ``summary.json`` (effective sample size)."""
    from negsim.io.results import write_json_atomic

    record, cal = _calibrated(point)
    posterior = cal.posterior()
    events = [{"event": e.id, "round": e.round, "kind": e.kind, "source": " ".join(e.source),
               "p_prior_mean": float(cal.probabilities[:, k].mean()),
               "p_posterior_mean": float(cal.weights @ cal.probabilities[:, k])} for k, e in enumerate(record)]
    moved = sorted(posterior, key=lambda r: -abs(r["shift_in_prior_sd"]))
    summary = {"draws": len(cal.values), "effective_sample_size": cal.ess, "parameters": len(cal.space),
               "events": [e.id for e in record], "largest_shifts": moved[:5], "config_hash": point.config_hash}
    return summary, [
        write_text_atomic(folder / "posterior.csv", csv_text(_printed(posterior))),
        write_text_atomic(folder / "events.csv", csv_text(_printed(events))),
        write_json_atomic(folder / "summary.json", summary),
    ]


def hindcast_experiment(point: Point, folder: Path) -> tuple[list[dict[str, Any]], list[Path]]:
    """Score the model's probability of each recorded event before conditioning on it
    (prior and leave-one-out posterior); write ``hindcast.csv``, ``reliability.csv`` and
    ``forecasts.jsonl`` (one dated record per forecast, with the config hash)."""
    import datetime
    import json

    from negsim.io.results import package_versions
    from negsim.studies.calibration import reliability_table

    _, cal = _calibrated(point)
    rows = cal.hindcast()
    reliability = reliability_table([r["p_leave_one_out"] for r in rows], [1] * len(rows))
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    versions = package_versions()
    records = [json.dumps({"event": r["event"], "event_date": r["date"], "forecast": r["p_leave_one_out"],
                           "forecast_prior": r["p_prior"], "recorded": today, "draws": len(cal.values),
                           "config_hash": point.config_hash, "negsim": versions.get("negsim")}, sort_keys=True)
               for r in rows]
    return rows, [
        write_text_atomic(folder / "hindcast.csv", csv_text(_printed(rows))),
        write_text_atomic(folder / "reliability.csv", csv_text(_printed(reliability))),
        write_text_atomic(folder / "forecasts.jsonl", "\n".join(records) + "\n"),
    ]


def leverage_choice_experiment(scenarios: Sequence[Scenario], setup: Any, folder: Path, spec: Any = None,
                               progress: Any = None, seed: int = 0) -> tuple[list[dict[str, Any]], list[Path]]:
    """Per round and mediator objective, the leverage it chooses within its budget
    (:func:`negsim.studies.leverage_choice.leverage_choice_study`). Writes ``choices.csv``
    (a row per round and objective: the choice, its cost, the objective and its parts, the
    runner-up, the round's own leverage), ``choices.json`` (the same, with each objective's
    evidence, the draws' summaries, the seed and the package versions), ``choices.png``/``.svg``
    (:func:`negsim.viz.leverage_choice.leverage_choice_figure`), with ``spec.budgets``
    ``budgets.csv`` (the choice at each budget), and with ``spec.draws`` ``robustness.csv``
    (a row per round and objective: the choice under draws of its stated ranges,
    :func:`negsim.studies.leverage_choice.choice_robustness`) and ``robustness_pairs.csv``
    (per pair of objectives, the share of shared draws in which they lead with different
    knobs). ``seed`` seeds the draws unless ``spec.seed`` does."""
    from negsim.io.results import package_versions, write_json_atomic
    from negsim.studies.leverage_choice import choice_robustness, leverage_choice_study, robustness_pairs
    from negsim.viz.leverage_choice import leverage_choice_figure

    choices, curve = leverage_choice_study(scenarios, setup, spec, progress=progress)
    robust = choice_robustness(scenarios, choices, setup, spec, seed=seed, progress=progress)
    rows = [c.row() for c in choices]
    paths = [write_text_atomic(folder / "choices.csv", csv_text(_printed(rows)))]
    figure = leverage_choice_figure(choices, titles={s.name: s.title for s in scenarios}, robustness=robust)
    paths += save_figure(figure, folder / "choices")
    if curve:
        paths.append(write_text_atomic(folder / "budgets.csv", csv_text(_printed([c.row() for c in curve]))))
    summary = [r.row() for r in robust]
    pairs = robustness_pairs(robust)
    if robust:
        paths.append(write_text_atomic(folder / "robustness.csv", csv_text(_printed(summary))))
        paths.append(write_text_atomic(folder / "robustness_pairs.csv", csv_text(_printed(pairs))))
    objectives = {c.objective.name: c.objective for c in choices}
    paths.append(write_json_atomic(folder / "choices.json", {
        "choices": rows,
        "starts": [{"scenario": c.scenario, "mediator_objective": c.objective.name, "starts": list(c.starts)}
                   for c in choices],
        "objectives": {name: o.as_dict() for name, o in objectives.items()},
        "robustness": summary,
        "robustness_pairs": pairs,
        "seed": seed,
        "versions": package_versions(),
    }))
    return rows, paths


#: Each experiment's and analysis's page title and question, in words (``report.html``).
STUDIES = {
    "threshold": ("The leverage that flips each round to a deal",
                  "How much of each mediator knob would make a deal likelier than none, in each round of the talks?"),
    "sensitivity": ("Which judgement calls matter",
                    "Which of the judgement calls behind the payoffs and the ceasefire move the chance of a "
                    "breakdown the most?"),
    "uncertainty": ("The answers over the judgement calls",
                    "How far do the chance of a deal, of a breakdown and the leverage thresholds move over the "
                    "stated ranges of the judgement calls, and which calls move them?"),
    "calibrate": ("What the record says about the judgement calls",
                  "Which readings of the judgement calls does the record of the talks and the ceasefire support?"),
    "hindcast": ("The record's events, before knowing them",
                 "What chance would the model have given each recorded event before it was used to calibrate?"),
    "leverage_choice": ("The leverage each mediator would choose",
                        "What leverage would each mediator choose within its budget, and what would it buy in the "
                        "talks and in the ceasefire after them?"),
    "ceasefire": ("The ceasefire as a repeated game",
                  "Can holding the ceasefire be an equilibrium of the repeated hold-or-violate game, and for how "
                  "patient a side?"),
    "bargaining": ("Bargaining over the terms", "How would the classic bargaining models split what is at stake?"),
    "crisis": ("The crisis game", "How does a demand under private resolve play out, and where does it end?"),
    "mediation": ("A mediator's word", "When is a mediator's word on a side's resolve believed, and what does it "
                  "change for a deal and for escalation?"),
}


def study_report(mode: str, folder: Path, paths: Sequence[Path], command: str, text: str = "") -> Path:
    """``report.html`` of an experiment or analysis (:func:`negsim.viz.report.write_study_report`):
    its question in words, ``text``, the ``.svg`` figures and ``.csv`` tables among ``paths``
    (in order), and ``command``."""
    from negsim.io.tables import read_csv_rows
    from negsim.viz.report import write_study_report

    title, asked = STUDIES[mode]
    tables = [(p.name, read_csv_rows(p)) for p in paths if p.suffix == ".csv"]
    return write_study_report(folder, title=title, question=asked, command=command, tables=tables,
                              figures=[p for p in paths if p.suffix == ".svg"], text=text)
