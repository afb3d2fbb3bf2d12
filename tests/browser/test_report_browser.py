"""The HTML report in a real browser: its title, question, figures and every number as shown.

Each report is opened from a ``file://`` URL in headless Chromium: the page title and the
question are shown, every SVG is rendered with a size, the payoff matrix is there, and
every element with a ``data-metric`` shows the value at that path of ``metrics.json`` (or
of the sweep table) at the printed precision. The same checks run on a report written
directly (:func:`negsim.viz.report.write_run_report`) and on the one the command writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from negsim import load_scenario
from negsim.app.cli import main
from negsim.studies.sweep import collect, columns
from negsim.viz.report import write_run_report, write_sweep_report

RUN = ["scenario=istanbul_round3", "rollout.runs=2000", "horizon=90", "outcome=open_war"]
SWEEP = ["-m", "mediator.verification=0,1", "rollout.runs=500"]
#: The figures' references (glyphs, markers, clip paths) that point at no element of the page, or
#: that draw nothing although what they point at has a shape (a space glyph has none).
BROKEN_REFERENCES = """
const target = ref => document.getElementById(ref.slice(1));
const uses = [...document.querySelectorAll('use')].map(u => [u, u.getAttribute('xlink:href') || u.getAttribute('href')]);
const clips = [...document.querySelectorAll('[clip-path]')].map(e => [e, e.getAttribute('clip-path').slice(4, -1)]);
const drawsNothing = (e, ref) => e.tagName === 'use' && target(ref).getAttribute('d')
                                 && e.getBBox().width + e.getBBox().height === 0;
return uses.concat(clips).filter(([e, ref]) => !target(ref) || drawsNothing(e, ref)).map(([e, ref]) => ref);
"""


def run_cli(args: list[str], cwd: Path) -> None:
    """``negsim ARGS`` in this process, from ``cwd``; fails the test on a non-zero exit."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        try:
            main(args)
        except SystemExit as exc:
            assert not exc.code, f"negsim {' '.join(args)} exited with {exc.code}"


def metric_at(data, path: str):
    """The value at a dotted ``path`` of ``data``; a key may itself hold dots or spaces."""
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


def check_page(browser, report: Path, data, *, title: str, asks: tuple[str, ...], figures: int) -> None:
    """Open ``report`` and check what a reader sees against ``data`` (metrics.json or the sweep rows)."""
    browser.get(report.resolve().as_uri())
    assert browser.title == title
    assert browser.find_element("css selector", "h1").text == title
    question = browser.find_element("css selector", "p.question")
    assert question.is_displayed() and all(words in question.text for words in asks), question.text
    svgs = browser.find_elements("css selector", "figure > svg")
    assert len(svgs) == figures
    assert all(s.size["width"] > 100 and s.size["height"] > 100 for s in svgs), [s.size for s in svgs]
    assert browser.execute_script(BROKEN_REFERENCES) == []
    shown = [(e.get_attribute("data-metric"), e.text) for e in browser.find_elements("css selector", "[data-metric]")]
    assert len(shown) > 20
    wrong = [(path, text, metric_at(data, path)) for path, text in shown if not shown_as(text, metric_at(data, path))]
    assert wrong == []


def check_run(browser, report: Path, metrics: dict) -> None:
    """The run report's checks, and its payoff matrix."""
    check_page(browser, report, metrics, title=metrics["game"], asks=("open war", "within 90 days"), figures=2)
    payoff = browser.find_element("css selector", 'figure[aria-label="Payoff matrix"] > svg')
    assert payoff.size["width"] > 300 and payoff.size["height"] > 200


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    run_cli([*RUN, f"hydra.run.dir={root / 'run'}"], root)
    return root / "run"


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser_sweep")
    run_cli([*SWEEP, f"hydra.sweep.dir={root / 'sweep'}"], root)
    return root / "sweep"


def test_a_run_report_written_directly_reads_right_in_a_browser(browser, run_folder, tmp_path):
    metrics = json.loads((run_folder / "metrics.json").read_text())
    report = write_run_report(tmp_path, metrics, figures=sorted(run_folder.glob("*.svg")),
                              command="negsim " + " ".join(RUN), scenario=load_scenario("istanbul_round3"))
    check_run(browser, report, metrics)


def test_the_commands_run_report_reads_right_in_a_browser(browser, run_folder):
    report = run_folder / "report.html"
    assert report.is_file(), f"negsim {' '.join(RUN)} wrote no report.html in {run_folder}"
    check_run(browser, report, json.loads((run_folder / "metrics.json").read_text()))


def check_sweep(browser, report: Path, rows: list[dict]) -> None:
    check_page(browser, report, {"rows": rows}, title="Istanbul talks, round two: a sweep of verification on offer",
               asks=("strikes or worse within 180 days", "verification on offer"), figures=1)
    body = browser.find_elements("css selector", "table.headline tbody tr")
    assert len(body) == len(rows) == 2


def test_a_sweep_report_written_directly_reads_right_in_a_browser(browser, sweep_folder, tmp_path):
    rows = collect(sweep_folder)
    report = write_sweep_report(tmp_path, rows, columns(rows), figures=sorted(sweep_folder.glob("*.svg")),
                                command="negsim " + " ".join(SWEEP))
    check_sweep(browser, report, rows)


def test_the_commands_sweep_report_reads_right_in_a_browser(browser, sweep_folder):
    report = sweep_folder / "report.html"
    assert report.is_file(), f"negsim {' '.join(SWEEP)} wrote no report.html in {sweep_folder}"
    check_sweep(browser, report, collect(sweep_folder))


CHOICE = ["experiment=leverage_choice", "leverage_choice.scenarios=[istanbul_round2]",
          "leverage_choice.objectives=[deal_only,durable_peace]", "leverage_choice.grid=2",
          "leverage_choice.max_evaluations=3"]


def test_the_commands_experiment_report_reads_right_in_a_browser(browser, tmp_path):
    from negsim.app.experiments import STUDIES
    from negsim.io.results import package_versions
    from negsim.io.tables import read_csv_rows

    run_cli([*CHOICE, f"hydra.run.dir={tmp_path / 'choice'}"], tmp_path)
    folder = tmp_path / "choice"
    rows = read_csv_rows(folder / "choices.csv")
    check_page(browser, folder / "report.html", {"tables": [{"rows": rows}], "versions": package_versions()},
               title=STUDIES["leverage_choice"][0], asks=("leverage", "budget", "ceasefire"), figures=1)
    body = browser.find_elements("css selector", "table.full tbody tr")
    assert len(body) == len(rows) == 2
