"""The one-page HTML report (negsim.viz.report): self-contained, atomic, and every number traceable.

Inputs come from real command lines run in this process: a Monte Carlo run asking for open
war within 90 days, the same question answered exactly, a run without a ceasefire forecast,
a two-player game read from a Gambit file, and a two-point sweep.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import pytest

from negsim import load_scenario
from negsim.app.cli import main
from negsim.studies.sweep import collect, columns
from negsim.viz.report import _num, write_run_report, write_sweep_report

QUESTION = ["scenario=istanbul_round3", "horizon=90", "outcome=open_war"]
SPAN = re.compile(r'<span data-metric="([^"]*)">([^<]*)</span>')


def run_cli(args: list[str], cwd: Path) -> None:
    """``negsim ARGS`` in this process, from ``cwd``; fails the test on a non-zero exit."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        try:
            main(args)
        except SystemExit as exc:
            assert not exc.code, f"negsim {' '.join(args)} exited with {exc.code}"


def metric_at(data, path: str):
    """The value at a dotted ``path`` of ``data``; a key may itself hold dots or spaces
    (``rows.0.mediator.verification``, ``selected_outcomes.open confrontation``)."""
    node, rest = data, path
    while rest:
        if isinstance(node, list):
            head, _, rest = rest.partition(".")
            node = node[int(head)]
            continue
        key = max((k for k in node if rest == k or rest.startswith(k + ".")), key=len)
        node, rest = node[key], rest[len(key) + 1:]
    return node


def shown_as(text: str, value) -> bool:
    """Whether ``text`` shows ``value``: a float at 4 significant digits, a whole number in
    full (thousands separators allowed), anything else as itself."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return text == str(value)
    number = float(text.replace(",", ""))
    return number == value if isinstance(value, int) else number == float(f"{value:.4g}")


def spans(page: str) -> list[tuple[str, str]]:
    """Every ``(data-metric path, text)`` of the numbers :func:`_num` printed."""
    return [(html.unescape(p), html.unescape(t)) for p, t in SPAN.findall(page)]


def paragraph(page: str, cls: str) -> str:
    """The text of the first ``<p class=cls>``, without tags."""
    inner = re.search(rf'<p class="{cls}">(.*?)</p>', page, re.DOTALL)
    assert inner, cls
    return html.unescape(re.sub(r"<[^>]+>", "", inner.group(1)))


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    (root / "pennies.nfg").write_text('NFG 1 R "Matching pennies" { "P1" "P2" } { 2 2 }\n1 -1 -1 1 -1 1 1 -1\n')
    runs = {
        "nfg": [f"nfg={root / 'pennies.nfg'}"],
        "monte_carlo": [*QUESTION, "rollout.runs=2000"],
        "exact": [*QUESTION, "rollout.method=exact"],
        "talks": ["scenario=istanbul_round3", "rollout.runs=0"],
    }
    for name, args in runs.items():
        run_cli([*args, f"hydra.run.dir={root / name}"], root)
    run_cli(["-m", "mediator.verification=0,1", "rollout.runs=500", f"hydra.sweep.dir={root / 'sweep'}"], root)
    return {name: root / name for name in [*runs, "sweep"]}


def report(folder: Path, out: Path | None = None, *, scenario=None, metrics=None) -> tuple[dict, str]:
    """A run's metrics and its report (written into ``out``, default the run's folder)."""
    metrics = json.loads((folder / "metrics.json").read_text()) if metrics is None else metrics
    scenario = load_scenario("istanbul_round3") if scenario is None else scenario
    path = write_run_report(out or folder, metrics, figures=sorted(folder.glob("*.svg")),
                            command="negsim " + " ".join(metrics["overrides"]), scenario=scenario)
    return metrics, path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("value", "text"), [
    (0.050806541988063426, "0.05081"), (0.6199858037461597, "0.62"), (0.99996, "1"), (25.0, "25"), (0.0, "0"),
    (1.234e-5, "0.00001234"), (90425486.709796, "90,430,000"), (218.69149807027955, "218.7"), (2000, "2,000"),
])
def test_numbers_are_printed_at_four_significant_digits_with_their_path(value, text):
    assert _num("rollout.mean_deaths", value) == f'<span data-metric="rollout.mean_deaths">{text}</span>'


def test_the_report_is_written_atomically_and_deterministically(folders, tmp_path):
    folder = folders["monte_carlo"]
    _, first = report(folder, tmp_path)
    assert first.startswith("<!DOCTYPE html>") and first.endswith("</html>\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file left
    _, second = report(folder, tmp_path)
    assert second == first
    with pytest.raises(FileNotFoundError):  # a figure that cannot be read: the old report stays whole
        write_run_report(tmp_path, json.loads((folder / "metrics.json").read_text()),
                         figures=[tmp_path / "missing.svg"], command="negsim")
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_the_report_refers_to_nothing_on_the_network(folders, tmp_path):
    _, page = report(folders["monte_carlo"], tmp_path)
    references = re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', page) + re.findall(r"url\(([^)]*)\)", page)
    assert references  # the figures' glyphs and clip paths: local references only
    assert [r for r in references if not r.startswith("#")] == []
    assert not re.search(r"https?://", page)
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b|@import", page, re.IGNORECASE)


def test_every_number_is_the_metrics_value_at_four_significant_digits(folders, tmp_path):
    metrics, page = report(folders["monte_carlo"], tmp_path)
    shown = spans(page)
    assert len(shown) == page.count("data-metric=") - 1  # all but the config hash are spans
    wrong = [(path, text, metric_at(metrics, path)) for path, text in shown if not shown_as(text, metric_at(metrics, path))]
    assert wrong == []
    paths = {path for path, _ in shown}
    ladder = {f"rollout.ladder.{name}.{k}" for name in metrics["rollout"]["ladder"] for k in ("p", "low", "high")}
    talks = {f"selected_outcomes.{label}" for label in metrics["selected_outcomes"]}
    assert {"outcome.p", "outcome.low", "outcome.high", "outcome.horizon", "outcome.runs", "p_deal", "seed",
            *ladder, *talks} <= paths
    assert f'<code data-metric="config_hash">{metrics["config_hash"]}</code>' in page
    assert all(f'data-metric="versions.{k}">{v}<' in page for k, v in metrics["versions"].items())


def test_the_question_names_the_outcome_the_horizon_and_the_round(folders, tmp_path):
    metrics, page = report(folders["monte_carlo"], tmp_path)
    assert f"<title>{html.escape(metrics['game'])}</title>" in page
    assert paragraph(page, "question") == (
        "How likely is open war within 90 days of the Istanbul talks, round three, with the mediators' leverage as set?")
    answer = metrics["outcome"]
    assert paragraph(page, "answer") == (
        f"{answer['p']:.4g} (95% interval {answer['low']:.4g}–{answer['high']:.4g}, Monte Carlo, 2,000 runs after "
        f"each of {metrics['rollout']['strata']} predicted talks outcomes)")


def test_a_leverage_set_on_the_command_line_is_named_in_the_question(folders, tmp_path):
    scenario = load_scenario("istanbul_round3")
    scenario = dataclasses.replace(scenario, mediator=dataclasses.replace(scenario.mediator, verification=1.0))
    metrics = json.loads((folders["monte_carlo"] / "metrics.json").read_text())
    metrics["overrides"].append("mediator.verification=1")
    _, page = report(folders["monte_carlo"], tmp_path, scenario=scenario, metrics=metrics)
    assert paragraph(page, "question").endswith(
        "round three, with verification on offer at 1, the mediators' other leverage as set?")
    assert "verification on offer: 1 (quality of the mechanism, 0 none to 1 full)" in page


def test_an_exact_answer_shows_no_interval(folders, tmp_path):
    metrics, page = report(folders["exact"], tmp_path)
    assert metrics["outcome"]["method"] == "exact"
    assert paragraph(page, "answer") == f"{metrics['outcome']['p']:.4g} (exact, from the ladder's Markov chain)"
    paths = {path for path, _ in spans(page)}
    assert not {p for p in paths if p.endswith((".low", ".high", "_low", "_high"))}
    assert {f"rollout.ladder.{name}.p" for name in metrics["rollout"]["ladder"]} <= paths
    assert "interval" not in paragraph(page, "answer")


def test_a_run_without_a_ceasefire_forecast_reports_the_talks(folders, tmp_path):
    metrics, page = report(folders["talks"], tmp_path)
    assert "rollout" not in metrics and "outcome" not in metrics
    assert paragraph(page, "question") == (
        "How likely are the Istanbul talks, round three, to end in a deal, with the mediators' leverage as set?")
    assert paragraph(page, "answer").startswith(f"{metrics['p_deal']:.4g} (from the logit quantal response")
    assert "Every named outcome" not in page and "Figures" not in page
    assert all(shown_as(text, metric_at(metrics, path)) for path, text in spans(page))


def test_a_game_from_a_file_reports_how_it_is_played(folders, tmp_path):
    folder = folders["nfg"]
    metrics = json.loads((folder / "metrics.json").read_text())
    page = write_run_report(tmp_path, metrics, figures=[], command="negsim nfg=pennies.nfg").read_text()
    assert paragraph(page, "question") == "How are P1 and P2 predicted to play in Matching pennies?"
    assert paragraph(page, "answer") == (
        "P1: r1 0.5, r2 0.5; P2: c1 0.5, c2 0.5 (from the Nash equilibrium selected by the 'logit_limit' rule)")
    assert re.findall(r'<figure aria-label="([^"]*)">', page) == ["Payoff matrix"]
    assert '<pre class="evidence">' not in page and "leverage" not in page
    assert all(shown_as(text, metric_at(metrics, path)) for path, text in spans(page))


def test_the_payoff_matrix_and_its_evidence_are_shown(folders, tmp_path):
    scenario = load_scenario("istanbul_round3")
    _, page = report(folders["monte_carlo"], tmp_path, scenario=scenario)
    figures = re.findall(r'<figure aria-label="([^"]*)">\s*<svg\b', page)
    assert figures == ["Breakdown", "Payoff matrix"]
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # two figures' ids cannot collide
    evidence = {s for cells in scenario.weight_sources for ids_ in cells for s in ids_}
    evidence |= {s for row in scenario.outcome_sources for ids_ in row for s in ids_}
    assert all(f"{s}]" in page or f"{s}," in page for s in evidence)
    assert "Weights (payoff units per feature unit) and their evidence:" in page
    for label in (lab for row in scenario.outcome_labels for lab in row):
        assert html.escape(label) in page


def test_a_sweep_report_has_one_row_per_point(folders):
    folder = folders["sweep"]
    rows = collect(folder)
    path = write_sweep_report(folder, rows, columns(rows), figures=sorted(folder.glob("*.svg")),
                              command="negsim -m mediator.verification=0,1 rollout.runs=500")
    page = path.read_text(encoding="utf-8")
    assert sorted(p.name for p in folder.glob(".report.html*")) == []
    for table in ("headline", "full"):
        body = re.search(rf'<table class="{table}">.*?<tbody>(.*?)</tbody>', page, re.DOTALL)
        assert body and body.group(1).count("<tr>") == len(rows) == 2
    assert paragraph(page, "question") == (
        "How does the chance of strikes or worse within 180 days of the Istanbul talks, round two, "
        "change with verification on offer?")
    data = {"rows": rows}
    shown = spans(page)
    assert {"rows.0.mediator.verification", "rows.1.p_outcome", "rows.1.p_outcome_low"} <= {p for p, _ in shown}
    assert [(p, t) for p, t in shown if not shown_as(t, metric_at(data, p))] == []
    assert "<svg" in page and not re.search(r"https?://", page)


# --------------------------------------------------------------------------- experiments and analyses

CHOICE = ["experiment=leverage_choice", "leverage_choice.scenarios=[istanbul_round2]",
          "leverage_choice.objectives=[deal_only]", "leverage_choice.grid=2", "leverage_choice.max_evaluations=3"]


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("studies")
    runs = {"choice": CHOICE, "crisis": ["analysis=crisis"],
            "quiet": [*CHOICE, "output.report=false"]}
    for name, args in runs.items():
        run_cli([*args, f"hydra.run.dir={root / name}"], root)
    return {name: root / name for name in runs}


def test_an_experiment_reports_its_question_answer_figures_and_tables(studies):
    from negsim.app.experiments import STUDIES
    from negsim.io.tables import read_csv_rows

    folder = studies["choice"]
    page = (folder / "report.html").read_text(encoding="utf-8")
    title, asked = STUDIES["leverage_choice"]
    assert f"<h1>{html.escape(title)}</h1>" in page and paragraph(page, "question") == asked
    assert page.count("<figure") == len(list(folder.glob("*.svg"))) == 1
    rows = read_csv_rows(folder / "choices.csv")
    data = {"tables": [{"rows": rows}]}
    shown = [(p, t) for p, t in spans(page) if p.startswith("tables.")]
    assert len(shown) == sum(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rows[0].values()) > 20
    assert [(p, t) for p, t in shown if not shown_as(t, metric_at(data, p))] == []
    said = re.search(r"<pre>(.*?)</pre>", page, re.DOTALL)
    assert said and html.unescape(said.group(1)).startswith("istanbul_round2  deal_only ")
    command = html.unescape(re.findall(r"<pre><code>(.*?)</code></pre>", page, re.DOTALL)[-1])
    assert command.startswith("negsim experiment=leverage_choice ") and "leverage_choice.grid=2" in command


def test_an_analysis_reports_its_answer_in_words(studies):
    from negsim.app.experiments import STUDIES

    page = (studies["crisis"] / "report.html").read_text(encoding="utf-8")
    assert paragraph(page, "question") == STUDIES["crisis"][1]
    assert "<h2>The answer, in words</h2>" in page and "http" not in page.replace("http-equiv", "")


def test_output_report_false_writes_no_study_report(studies):
    assert (studies["quiet"] / "choices.csv").is_file() and not (studies["quiet"] / "report.html").exists()


def test_every_experiment_and_analysis_has_a_question():
    from negsim.app.config import MODES
    from negsim.app.experiments import STUDIES

    assert sorted(STUDIES) == sorted(m for m in MODES if m != "solve")
