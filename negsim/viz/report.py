"""One-page HTML reports of a run and of a sweep, for a policy reader.

A report is a single self-contained file, ``report.html`` beside the run's results: its
figures are the run's own SVG files inlined, its style is inline CSS, and it refers to
nothing on the network (no script, stylesheet, image or font from anywhere), so it opens
the same from a laptop, an e-mail attachment or an archive.

* :func:`write_run_report`: the question in words, the answer with its interval, the
  figures, every named outcome by the horizon, the talks prediction, the payoff matrix
  with the evidence behind each number, the mediators' leverage and how to reproduce it.
* :func:`write_sweep_report`: the question a sweep answers, its figures, its table, the
  command.

Every number taken from ``metrics.json`` (or from the sweep's table) is printed by
:func:`_num` inside ``<span data-metric="dotted.path">``, at 4 significant digits (whole
numbers in full), so a reader or a test can trace each one back to its source. The report
only shows numbers: it computes none.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from negsim.io.results import write_text_atomic
from negsim.model.outcomes import OUTCOMES, question
from negsim.model.scenario import MEDIATOR_KNOBS, Scenario
from negsim.studies.sweep import parse_overrides, swept
from negsim.viz.text import evidence_report
from negsim.viz.words import canonical_key, metric_label, readable, scenario_title, setting_text, term

#: The style of every report: readable on a laptop and printed, no external font.
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
       max-width: 62rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
p.question { font-size: 1.2rem; font-style: italic; }
p.answer { font-size: 1.3rem; }
p.answer .value { font-weight: bold; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.95rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { background: #f3f3f3; }
.wide { overflow-x: auto; }
table.full { font-size: 0.8rem; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; font-size: 0.85rem; }
pre.evidence { white-space: pre-wrap; }
.note { color: #555; font-size: 0.9rem; }
"""

_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<metadata>.*?</metadata>", re.DOTALL)
_ROOT = re.compile(r"<svg\b[^>]*>")
_NAMESPACE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_IDS = re.compile(r'(\bid=")([^"]+)(")|(href="#)([^"]+)(")|(url\(#)([^)]+)(\))')


# Numbers and text ------------------------------------------------------------------------------


def _fmt(value: Any, *, grouped: bool = True) -> str:
    """A number as printed: a whole number in full, a float at 4 significant digits without
    trailing zeros or an exponent (``0.05081``, ``90,430,000``); anything else as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if grouped else str(value)
    if not math.isfinite(value):
        return str(value)
    rounded = float(f"{value:.4g}")
    if rounded == 0:
        return "0"
    decimals = max(0, 3 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:,.{decimals}f}" if grouped else f"{rounded:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _num(path: str, value: Any, *, grouped: bool = True) -> str:
    """``<span data-metric="outcome.p">0.0508</span>``: a value of ``metrics.json`` (or the
    sweep table) at ``path``, as :func:`_fmt` prints it."""
    return f'<span data-metric="{html.escape(path)}">{html.escape(_fmt(value, grouped=grouped))}</span>'


def _esc(text: Any) -> str:
    return html.escape(str(text))


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: Sequence[bool] = (), cls: str = "") -> str:
    """An HTML table of already escaped cells (of class ``cls``); ``numeric[k]`` right-aligns column ``k``."""
    def cell(k: int, text: str) -> str:
        return f'<td class="number">{text}</td>' if k < len(numeric) and numeric[k] else f"<td>{text}</td>"

    header = "".join(f"<th>{h}</th>" for h in head)
    body = "\n".join("<tr>" + "".join(cell(k, c) for k, c in enumerate(r)) + "</tr>" for r in rows)
    opening = f'<table class="{cls}">' if cls else "<table>"
    return f'<div class="wide">{opening}\n<thead><tr>{header}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'


def _section(title: str, body: str) -> str:
    return f"<section>\n<h2>{_esc(title)}</h2>\n{body}\n</section>"


def _page(title: str, body: Sequence[str]) -> str:
    """A whole HTML document: ``title`` as its title and heading, then the ``body`` parts."""
    parts = "\n".join(body)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_esc(title)}</h1>\n{parts}\n</body>\n</html>\n"
    )


# Figures ---------------------------------------------------------------------------------------


def _inline_svg(text: str, prefix: str) -> str:
    """An SVG file's text as an element to place in HTML: without the XML prolog, doctype,
    metadata and namespace declarations (HTML supplies them), every ``id`` and reference to
    one prefixed with ``prefix`` so several figures' ids cannot collide."""
    svg = _PROLOG.sub("", text).strip()
    svg = _ROOT.sub(lambda root: _NAMESPACE.sub("", root.group(0)), svg, count=1)

    def rename(match: re.Match[str]) -> str:
        groups = [g for g in match.groups() if g is not None]
        return f"{groups[0]}{prefix}-{groups[1]}{groups[2]}"

    return _IDS.sub(rename, svg)


def _figure(svg: str, caption: str) -> str:
    return f'<figure aria-label="{_esc(caption)}">\n{svg}\n</figure>'


def _figures(paths: Sequence[Path]) -> str:
    """The SVG files ``paths`` inlined, one figure each."""
    return "\n".join(
        _figure(_inline_svg(Path(p).read_text(encoding="utf-8"), f"fig{k}"), readable(Path(p).stem))
        for k, p in enumerate(paths)
    )


def _payoff_svg(metrics: Mapping[str, Any], scenario: Scenario | None) -> str:
    """The run's payoff matrix (:func:`negsim.viz.figures.payoff_matrix_figure`) as SVG text,
    its equilibria and the selected one as the run found them."""
    import numpy as np
    from matplotlib import rc_context

    from negsim.equilibrium import Equilibrium
    from negsim.game import Game
    from negsim.viz.figures import payoff_matrix_figure

    rows, cols = metrics["actions"]
    game = Game(np.asarray(metrics["payoffs"]["A"], float), np.asarray(metrics["payoffs"]["B"], float),
                players=tuple(metrics["players"]), actions=(tuple(rows), tuple(cols)), title=metrics["game"])
    equilibria = [
        Equilibrium((np.asarray(e["x"], float), np.asarray(e["y"], float)), np.asarray(e["payoffs"], float),
                    np.asarray(e["regret"], float))
        for e in metrics["equilibria"]
    ]
    fig = payoff_matrix_figure(game, equilibria=equilibria, selected=metrics.get("selected"),
                               outcome_labels=None if scenario is None else scenario.outcome_labels)
    buffer = io.StringIO()
    with rc_context({"svg.hashsalt": "negsim"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


# The run's question and answer ------------------------------------------------------------------


def _round_name(metrics: Mapping[str, Any], scenario: Scenario | None) -> str:
    """The round in words without its dates: ``Istanbul talks, round three``."""
    if scenario is not None:
        return scenario.title
    return scenario_title(metrics["scenario"]) if metrics.get("scenario") else metrics["game"]


def _closed(name: str) -> str:
    """A name with a comma inside closed by another before the sentence goes on:
    ``Istanbul talks, round three,``; other names as they are."""
    return f"{name}," if "," in name else name


def _leverage_clause(metrics: Mapping[str, Any], scenario: Scenario | None) -> str:
    """``with the mediators' leverage as set``, naming the knobs the command line changed
    (``with verification on offer at 1, the mediators' other leverage as set``); nothing for
    a game without mediators."""
    if scenario is None:
        return ""
    changed = [canonical_key(k) for k in parse_overrides(metrics.get("overrides", []))]
    knobs = [k.removeprefix("mediator.") for k in changed if k.removeprefix("mediator.") in MEDIATOR_KNOBS]
    if not knobs:
        return ", with the mediators' leverage as set"
    settings = ", ".join(f"{term(k).short} at {getattr(scenario.mediator, k):g}" for k in dict.fromkeys(knobs))
    return f", with {settings}, the mediators' other leverage as set"


def _question(metrics: Mapping[str, Any], scenario: Scenario | None) -> str:
    """The run's question in words (HTML): the named outcome by its horizon; without a
    ceasefire forecast, whether the talks end in a deal; for a game without talks (``nfg=``),
    how its players play."""
    name = _round_name(metrics, scenario)
    where, leverage = _esc(name), _esc(_leverage_clause(metrics, scenario))
    answer = metrics.get("outcome")
    if answer is None and "p_deal" not in metrics:
        return f"How are {_esc(' and '.join(metrics['players']))} predicted to play in {where}?"
    if answer is None:
        return f"How likely are the {_esc(_closed(name))} to end in a deal{leverage}?"
    days = "day" if answer["horizon"] == 1 else "days"
    return (f"How likely is {_esc(answer['label'])} within {_num('outcome.horizon', answer['horizon'])} {days} "
            f"of the {where}{leverage}?")


def _talks_method(metrics: Mapping[str, Any]) -> str:
    """How the talks were predicted, in words (HTML)."""
    pred = metrics["prediction"]
    if pred["rule"] == "qre":
        return f"the logit quantal response equilibrium at precision {_num('prediction.lam', pred['lam'])}"
    if pred["rule"] == "after":
        return "the outcome stated on the command line (after=)"
    return f"the Nash equilibrium selected by the '{_esc(pred['rule'])}' rule"


def _strategies(metrics: Mapping[str, Any]) -> str:
    """The predicted strategies: ``P1: r1 0.5, r2 0.5; P2: c1 0.5, c2 0.5`` (HTML)."""
    pred = metrics["prediction"]
    return "; ".join(
        f"{_esc(player)}: " + ", ".join(f"{_esc(a)} {_num(f'prediction.{xy}.{k}', p)}"
                                        for k, (a, p) in enumerate(zip(actions, pred[xy], strict=True)))
        for player, actions, xy in zip(metrics["players"], metrics["actions"], ("x", "y"), strict=True)
    )


def _answer(metrics: Mapping[str, Any]) -> str:
    """The answer with its interval and how it was computed (HTML)."""
    answer = metrics.get("outcome")
    if answer is None and "p_deal" not in metrics:
        return f"{_strategies(metrics)} (from {_talks_method(metrics)})"
    if answer is None:
        return (f'<span class="value">{_num("p_deal", metrics["p_deal"])}</span> '
                f"(from {_talks_method(metrics)}; computed, not sampled)")
    value = f'<span class="value">{_num("outcome.p", answer["p"])}</span>'
    if answer["method"] == "exact":
        return f"{value} (exact, from the ladder's Markov chain)"
    strata = metrics["rollout"]["strata"]
    after = ("the one outcome of the talks" if strata == 1
             else f"each of {_num('rollout.strata', strata)} predicted talks outcomes")
    return (f"{value} (95% interval {_num('outcome.low', answer['low'])}–{_num('outcome.high', answer['high'])}, "
            f"Monte Carlo, {_num('outcome.runs', answer['runs'])} runs after {after})")


# The run's tables -------------------------------------------------------------------------------


def _ladder_table(metrics: Mapping[str, Any]) -> str:
    """Every named outcome's probability by the horizon, with its interval (HTML)."""
    roll, horizon = metrics["rollout"], metrics["outcome"]["horizon"]
    exact = roll.get("method") == "exact"
    rows = []
    for name, v in roll["ladder"].items():
        path = f"rollout.ladder.{name}"
        interval = "exact" if exact else f"{_num(path + '.low', v['low'])}–{_num(path + '.high', v['high'])}"
        rows.append([_esc(v["label"]), _num(path + ".p", v["p"]), interval])
    head = ["Outcome", f"Probability within {_num('outcome.horizon', horizon)} days", "95% interval"]
    return _table(head, rows, numeric=[False, True, True])


#: The ceasefire's headline numbers by the rollout's last day (``metrics["rollout"]``).
_HEADLINE = ("p_breakdown", "median_days_to_breakdown", "p_incident_21_days", "mean_closed_days",
             "mean_trade_lost_usd", "mean_deaths")


def _headline_table(metrics: Mapping[str, Any]) -> str:
    """The ceasefire's headline numbers by the rollout's last day (HTML)."""
    roll = metrics["rollout"]
    exact = roll.get("method") == "exact"
    rows = []
    for key in _HEADLINE:
        value = roll.get(key)
        shown = "not within the forecast" if value is None else _num(f"rollout.{key}", value)
        if key == "p_breakdown" and not exact:
            shown += (f" (95% interval {_num('rollout.p_breakdown_low', roll['p_breakdown_low'])}–"
                      f"{_num('rollout.p_breakdown_high', roll['p_breakdown_high'])})")
        rows.append([_esc(metric_label(key, roll["days"])), shown])
    return _table(["Quantity", "Value"], rows, numeric=[False, True])


def _talks_table(metrics: Mapping[str, Any]) -> str:
    """The predicted outcomes of the talks, most likely first, and P(deal) (HTML)."""
    outcomes = sorted(metrics["selected_outcomes"].items(), key=lambda kv: -kv[1])
    rows = [[_esc(label), _num(f"selected_outcomes.{label}", p)] for label, p in outcomes]
    rows.append([f"<strong>{_esc(metric_label('p_deal'))}</strong>", _num("p_deal", metrics["p_deal"])])
    return (f"<p>Predicted by {_talks_method(metrics)}.</p>\n"
            + _table(["Outcome of the talks", "Probability"], rows, numeric=[False, True]))


def _leverage_table(scenario: Scenario) -> str:
    """The mediators' leverage in words, each knob with its evidence ids (HTML)."""
    rows = [[_esc(setting_text(k, getattr(scenario.mediator, k))), _esc(", ".join(scenario.mediator_sources[k]))]
            for k in MEDIATOR_KNOBS]
    return _table(["Setting", "Evidence"], rows)


def _versions_table(versions: Mapping[str, str]) -> str:
    """The package versions, each tagged ``versions.NAME`` (HTML)."""
    rows = [[_esc(name), f'<span data-metric="versions.{_esc(name)}">{_esc(v)}</span>'] for name, v in versions.items()]
    return _table(["Package", "Version"], rows)


def _reproduce(metrics: Mapping[str, Any], command: str) -> str:
    """The command, seed, config hash and package versions (HTML)."""
    return (
        f"<pre><code>{_esc(command)}</code></pre>\n"
        f"<p>Seed {_num('seed', metrics['seed'], grouped=False)}; config hash "
        f'<code data-metric="config_hash">{_esc(metrics["config_hash"])}</code>.</p>\n'
        + _versions_table(metrics["versions"])
    )


_EVIDENCE_NOTE = ("Each outcome of the talks is coded by its features, each player's payoff is a weighted sum of "
                  "them; every number names its evidence by id (PK: Pakistan's positions, AF: Kabul's, MD: the "
                  "mediators', EV: events, EC: the economy), as listed in POSITIONS.md.")


def _run_html(metrics: Mapping[str, Any], figures: Sequence[Path], command: str, scenario: Scenario | None) -> str:
    """The whole run report as an HTML document."""
    parts = [
        f'<p class="question">{_question(metrics, scenario)}</p>',
        f'<p class="answer">{_answer(metrics)}</p>',
    ]
    if figures:
        parts.append(_section("Figures", _figures(figures)))
    if metrics.get("rollout") is not None:
        parts.append(_section("Every named outcome by the horizon", _ladder_table(metrics)))
        parts.append(_section(f"The ceasefire by day {metrics['rollout']['days']}", _headline_table(metrics)))
    if "selected_outcomes" in metrics:
        parts.append(_section("What the talks are predicted to end in", _talks_table(metrics)))
    if "payoffs" in metrics:
        evidence = "" if scenario is None else (f'<p class="note">{_esc(_EVIDENCE_NOTE)}</p>\n'
                                                f'<pre class="evidence">{_esc(evidence_report(scenario))}</pre>')
        parts.append(_section("The payoffs and the evidence behind each number",
                              _figure(_inline_svg(_payoff_svg(metrics, scenario), "payoff"), "Payoff matrix")
                              + "\n" + evidence))
    if scenario is not None:
        parts.append(_section("The mediators' leverage", _leverage_table(scenario)))
    parts.append(_section("To reproduce this run", _reproduce(metrics, command)))
    return _page(metrics["game"], parts)


def write_run_report(folder: Path, metrics: dict, *, figures: Sequence[Path], command: str,
                     scenario: Scenario | None = None) -> Path:
    """Write ``folder/report.html``: a one-page report of one run, for a policy reader.

    Parameters
    ----------
    folder : Path
        The run's folder.
    metrics : dict
        The run's ``metrics.json`` content.
    figures : sequence of Path
        The ``.svg`` files the run wrote, inlined in this order.
    command : str
        The exact shell command that reproduces the run.
    scenario : Scenario, optional
        The run's scenario, for the outcome labels, the evidence and the leverage; None for a
        game read from a file (``nfg=``).

    Returns
    -------
    Path
        The report, written atomically.
    """
    return write_text_atomic(Path(folder) / "report.html", _run_html(metrics, figures, command, scenario))


# Sweeps -----------------------------------------------------------------------------------------


def _sweep_outcome(rows: Sequence[Mapping[str, Any]]) -> tuple[str, str, str] | None:
    """What the sweep asks, as (column, heading, words): ``("p_outcome", "P(open war within 90
    days)", "the chance of open war within 90 days")``, or P(deal) without a ceasefire
    forecast; None if neither is in the table."""
    first = next((r for r in rows if r.get("p_outcome") is not None), None)
    if first is not None and first.get("outcome") in OUTCOMES:
        named, horizon = OUTCOMES[first["outcome"]], int(first["horizon"])
        within = f"within {horizon} day{'s' if horizon != 1 else ''}"
        return "p_outcome", question(named, horizon), f"the chance of {named.label} {within} of"
    if any(r.get("p_deal") is not None for r in rows):
        return "p_deal", metric_label("p_deal"), "the chance of a deal in"
    return None


def _sweep_round(rows: Sequence[Mapping[str, Any]]) -> str:
    names = sorted({str(r["scenario"]) for r in rows if r.get("scenario")})
    return " and ".join(scenario_title(n) for n in names) if names else "the talks"


def _sweep_question(rows: Sequence[Mapping[str, Any]], axes: Sequence[str]) -> str:
    """The sweep's question in words (plain text)."""
    asked = _sweep_outcome(rows)
    what = "the outcome of" if asked is None else asked[2]
    knobs = " and ".join(term(a).short for a in axes) or "the settings below"
    return f"How does {what} the {_closed(_sweep_round(rows))} change with {knobs}?"


def _cell(i: int, column: str, value: Any) -> str:
    return _cell_at(f"rows.{i}.{column}", value)


def _interval_cell(i: int, row: Mapping[str, Any], column: str) -> str:
    if row.get(f"{column}_low") is None:
        return ""
    if row.get("ceasefire_method") == "exact":
        return "exact"
    return f"{_cell(i, column + '_low', row[column + '_low'])}–{_cell(i, column + '_high', row[column + '_high'])}"


def _headline_sweep_table(rows: Sequence[Mapping[str, Any]], axes: Sequence[str]) -> str:
    """One row per point: the swept values, the answer with its interval, P(deal), the most
    likely outcome of the talks, and the status where a point failed (HTML)."""
    def value(column: str) -> Callable[[int, Mapping[str, Any]], str]:
        return lambda i, r: _cell(i, column, r.get(column))

    asked = _sweep_outcome(rows)
    shown: list[tuple[str, Callable[[int, Mapping[str, Any]], str], bool]] = [
        (_esc(term(a).name), value(a), True) for a in axes]
    if asked is not None and asked[0] == "p_outcome":
        shown += [(_esc(asked[1]), value("p_outcome"), True),
                  ("95% interval", lambda i, r: _interval_cell(i, r, "p_outcome"), True)]
    shown += [(_esc(metric_label("p_deal")), value("p_deal"), True),
              ("Most likely outcome of the talks", value("modal_outcome"), False)]
    if any(r.get("status") != "ok" for r in rows):
        shown.append(("Status", value("status"), False))
    body = [[cell(i, r) for _, cell, _ in shown] for i, r in enumerate(rows)]
    return _table([h for h, _, _ in shown], body, numeric=[n for _, _, n in shown], cls="headline")


def _full_sweep_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Every column of the sweep table, as in ``table.csv`` (HTML)."""
    head = [f"<code>{_esc(c)}</code>" for c in columns]
    body = [[_cell(i, c, r.get(c)) for c in columns] for i, r in enumerate(rows)]
    numeric = [all(isinstance(r.get(c), (int, float)) for r in rows) for c in columns]
    return _table(head, body, numeric=numeric, cls="full")


def _sweep_html(rows: list[dict], columns: Sequence[str], figures: Sequence[Path], command: str) -> str:
    """The whole sweep report as an HTML document."""
    axes = swept(rows)
    knobs = " and ".join(term(a).short for a in axes)
    title = f"{_sweep_round(rows)}: " + (f"a sweep of {knobs}" if knobs else "a sweep")
    parts = [f'<p class="question">{_esc(_sweep_question(rows, axes))}</p>']
    if figures:
        parts.append(_section("Figures", _figures(figures)))
    parts.append(_section("The answer at each point", _headline_sweep_table(rows, axes)))
    parts.append(_section("The whole table (as in table.csv)", _full_sweep_table(rows, columns)))
    parts.append(_section("To reproduce this sweep", f"<pre><code>{_esc(command)}</code></pre>"))
    return _page(title[:1].upper() + title[1:], parts)


def write_sweep_report(folder: Path, rows: list[dict], columns: Sequence[str], *, figures: Sequence[Path],
                       command: str) -> Path:
    """Write ``folder/report.html``: a one-page report of a sweep, for a policy reader.

    Parameters
    ----------
    folder : Path
        The sweep's folder.
    rows, columns : list of dict, sequence of str
        The sweep table, as in ``table.csv`` (:func:`negsim.studies.sweep.collect` and
        :func:`~negsim.studies.sweep.columns`).
    figures : sequence of Path
        The sweep's ``.svg`` plots, inlined in this order.
    command : str
        The exact shell command that reproduces the sweep.

    Returns
    -------
    Path
        The report, written atomically.
    """
    return write_text_atomic(Path(folder) / "report.html", _sweep_html(rows, columns, figures, command))


# Experiments and analyses ----------------------------------------------------------------------


def _study_table(k: int, rows: Sequence[Mapping[str, Any]]) -> str:
    """Table ``k`` of a study, every column as written (HTML); numbers tagged ``tables.k.rows.i.column``."""
    columns = list(dict.fromkeys(c for r in rows for c in r))
    head = [f"<code>{_esc(c)}</code>" for c in columns]
    body = [[_cell_at(f"tables.{k}.rows.{i}.{c}", r.get(c)) for c in columns] for i, r in enumerate(rows)]
    numeric = [all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool) for r in rows)
               for c in columns]
    return _table(head, body, numeric=numeric, cls="full")


def _cell_at(path: str, value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _num(path, value)
    return "" if value is None else _esc(value)


def write_study_report(folder: Path, *, title: str, question: str, command: str,
                       tables: Sequence[tuple[str, Sequence[Mapping[str, Any]]]] = (),
                       figures: Sequence[Path] = (), text: str = "",
                       versions: Mapping[str, str] | None = None) -> Path:
    """Write ``folder/report.html``: a one-page report of an experiment or an analysis.

    Parameters
    ----------
    folder : Path
        Where the study wrote its results.
    title, question : str
        The page's title and the question the study answers, in words.
    command : str
        The exact shell command that reproduces it.
    tables : sequence of (caption, rows)
        Its tables as written (each ``.csv`` the study wrote), every number tagged.
    figures : sequence of Path
        Its ``.svg`` figures, inlined in this order.
    text : str
        What the study printed, in words (an analysis's plain-language answer).
    versions : mapping, optional
        Package versions (default: :func:`negsim.io.results.package_versions`).

    Returns
    -------
    Path
        The report, written atomically.
    """
    from negsim.io.results import package_versions

    versions = package_versions() if versions is None else versions
    parts = [f'<p class="question">{_esc(question)}</p>']
    if text.strip():
        parts.append(_section("The answer, in words", f"<pre>{_esc(text.strip())}</pre>"))
    if figures:
        parts.append(_section("Figures", _figures(figures)))
    for k, (caption, rows) in enumerate(tables):
        if rows:
            parts.append(_section(caption, _study_table(k, rows)))
    parts.append(_section("To reproduce this", f"<pre><code>{_esc(command)}</code></pre>\n"
                          + _versions_table(versions)))
    return write_text_atomic(Path(folder) / "report.html", _page(title, parts))
