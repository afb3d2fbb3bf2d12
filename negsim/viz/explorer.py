"""The classroom's explorer: one round at the leverage a student sets, as HTML fragments.

:func:`explorer_view` solves a shipped round with some mediator knobs changed and returns
four fragments for a web page: the payoff table with best replies marked, the Nash
equilibria (the selected one marked), the model's prediction (the logit QRE: every
outcome's probability and P(deal)), and the ceasefire's escalation curve (the exact
P(breakdown by day t), the ``rollout.method=exact`` chain, over 90 days) as inline SVG.

The numbers are those of ``negsim scenario=ROUND mediator.KNOB=VALUE rollout.method=exact
rollout.days=90``: the round's configs are composed as
:func:`negsim.studies.pipeline.ceasefire_after` composes them and run by
:func:`negsim.studies.pipeline.run_point` (one solve, one prediction, one exact chain);
the shipped YAML files are read once per round and kept (they are part of the
installation). Every text is escaped (:func:`html.escape`); the SVG has no XML prolog,
doctype, metadata or namespace declarations and its ids are prefixed, so the fragments
refer to nothing outside the page (no ``http`` anywhere) and several can share a page.

A warm call (the round's files read, the first chain built) takes about 0.15-0.2 s on
one core: the pipeline (solve, prediction, exact chain) about 0.09 s, the SVG about 0.06 s.
"""

from __future__ import annotations

import copy
import functools
import html
import io
import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from negsim.errors import ConfigError
from negsim.model.scenario import MEDIATOR_KNOBS, Scenario, available_scenarios, check_knob
from negsim.viz.words import PAYOFF_UNIT_NOTE, player_name

#: The explorer's horizon and the chain it uses.
DAYS = 90
METHOD = "exact"
#: Payoffs within this of the best (payoff units) count as best replies, as in :func:`negsim.viz.text.payoff_table`.
_TIE = 1e-12
#: Prefix of the SVG's ids.
SVG_PREFIX = "negsim-explorer"

_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<metadata>.*?</metadata>|<!--.*?-->", re.DOTALL)
_ROOT = re.compile(r"<svg\b[^>]*>")
_NAMESPACE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_IDS = re.compile(r'(\bid=")([^"]+)(")|(href="#)([^"]+)(")|(url\(#)([^)]+)(\))')


def _esc(text: Any) -> str:
    return html.escape(str(text))


def _words(label: str) -> str:
    """An action id in words: ``insist_written`` -> ``insist written``."""
    return label.replace("_", " ")


# Input ---------------------------------------------------------------------------------------


def check_knobs(knobs: Mapping[str, Any]) -> dict[str, float]:
    """The knobs as floats, each checked by :func:`negsim.model.scenario.check_knob`.

    Raises
    ------
    ConfigError
        Naming the first bad knob: ``mediator.KNOB: unknown mediator knob; ...``,
        ``mediator.KNOB: expected a number, got 'abc'``, or out of its range
        (``mediator.verification: expected a fraction in [0, 1], got 1.5``).
    """
    if not isinstance(knobs, Mapping):
        raise ConfigError(f"knobs: expected a mapping of mediator knobs to numbers, got {type(knobs).__name__}")
    out = {}
    for knob, value in knobs.items():
        if knob in MEDIATOR_KNOBS and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise ConfigError(f"mediator.{knob}: expected a number, got {value!r}")
        out[str(knob)] = check_knob(str(knob), value)
    return out


def _check_round(name: Any) -> str:
    rounds = available_scenarios()
    if not isinstance(name, str) or name not in rounds:
        raise ConfigError(f"scenario: unknown round {name!r}; expected one of: {', '.join(rounds)}")
    return name


@functools.lru_cache(maxsize=None)
def _shipped(round_name: str) -> dict[str, Any]:
    """The round's shipped config nodes (read once): scenario, game, mediator, rollout."""
    from negsim.io.configs import config_dir, load_yaml

    root = config_dir()
    return {
        "scenario": load_yaml(root / "scenario" / f"{round_name}.yaml"),
        "game": load_yaml(root / "game" / "talks.yaml"),
        "mediator": load_yaml(root / "mediator" / f"{round_name}.yaml"),
        "rollout": load_yaml(root / "rollout" / "default.yaml"),
    }


def _run(round_name: str, knobs: Mapping[str, float]):
    """The round solved, predicted and rolled out (exact chain, :data:`DAYS` days) at ``knobs``.

    The config is :func:`negsim.studies.pipeline.ceasefire_after`'s for the same arguments
    (``method="exact"``, ``days=DAYS``, its default runs and seed).
    """
    from negsim.studies.pipeline import build_point, run_point

    nodes = copy.deepcopy(_shipped(round_name))
    config = {
        "scenario": nodes["scenario"],
        "game": nodes["game"],
        "mediator": {**nodes["mediator"], **knobs},
        "rollout": {**nodes["rollout"], "runs": 10_000, "days": DAYS, "method": METHOD},
        "seed": 20251019,
        "after": None,
    }
    point = build_point(config)
    return point, run_point(point)


@functools.lru_cache(maxsize=None)
def _shipped_curve(round_name: str) -> tuple[float, ...]:
    """P(breakdown by day t), t = 1..DAYS, at the round's shipped leverage (computed once)."""
    _, outcome = _run(round_name, {})
    return tuple(float(p) for p in outcome.rollout.breakdown_probability()[0])


# Fragments -----------------------------------------------------------------------------------


def _best_replies(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells where the row player's payoff is a best reply to the column, and the column's to the row."""
    return A >= A.max(axis=0, keepdims=True) - _TIE, B >= B.max(axis=1, keepdims=True) - _TIE


def _table_html(scenario: Scenario, A: np.ndarray, B: np.ndarray) -> str:
    rows, cols = scenario.actions
    row_best, col_best = _best_replies(A, B)
    pak, afg = (player_name(p) for p in scenario.players)
    head = "".join(f'<th scope="col">{_esc(_words(c))}</th>' for c in cols)
    body = []
    for i, r in enumerate(rows):
        cells = []
        for j in range(len(cols)):
            a = f"{A[i, j]:+.2f}"
            b = f"{B[i, j]:+.2f}"
            a_html = f'<strong class="best">{_esc(a)}*</strong>' if row_best[i, j] else _esc(a)
            b_html = f'<strong class="best">{_esc(b)}*</strong>' if col_best[i, j] else _esc(b)
            cls = ' class="pure-equilibrium"' if row_best[i, j] and col_best[i, j] else ""
            cells.append(
                f'<td{cls} data-row="{_esc(r)}" data-col="{_esc(cols[j])}">'
                f'<span class="pak">{a_html}</span>, <span class="afg">{b_html}</span>'
                f'<br><small class="outcome">{_esc(scenario.outcome_labels[i][j])}</small></td>'
            )
        body.append(f'<tr><th scope="row">{_esc(_words(r))}</th>{"".join(cells)}</tr>')
    caption = (f"Payoffs: {pak} first (rows), {afg} second (columns). * marks a best reply to the other "
               "side's action; a cell where both are best replies (shaded) is a pure Nash equilibrium. "
               + PAYOFF_UNIT_NOTE)
    return (f'<table class="negsim-payoffs">\n<caption>{_esc(caption)}</caption>\n'
            f'<thead><tr><th scope="col">{_esc(pak)} \\ {_esc(afg)}</th>{head}</tr></thead>\n'
            f'<tbody>\n' + "\n".join(body) + "\n</tbody>\n</table>")


def _strategy_text(labels, p: np.ndarray) -> str:
    parts = [f"{_words(lab)} {q:.2f}" if q < 1 - 1e-9 else _words(lab)
             for lab, q in zip(labels, p, strict=True) if q > 1e-9]
    return ", ".join(parts)


def _equilibria_html(scenario: Scenario, equilibria, chosen: int) -> str:
    pak, afg = (player_name(p) for p in scenario.players)
    rows, cols = scenario.actions
    items = []
    for k, eq in enumerate(equilibria):
        x, y = eq.strategies
        kind = "pure" if eq.is_pure else "mixed"
        mark = " <em>(selected: the limit of the logit QRE as play becomes fully rational)</em>" if k == chosen else ""
        opening = '<li class="selected">' if k == chosen else "<li>"
        items.append(
            f"{opening}"
            f"{_esc(pak)}: {_esc(_strategy_text(rows, x))}; {_esc(afg)}: {_esc(_strategy_text(cols, y))} "
            f"({_esc(kind)}; payoffs {eq.payoffs[0]:+.2f}, {eq.payoffs[1]:+.2f}){mark}</li>"
        )
    n = len(equilibria)
    return (f'<div class="negsim-equilibria">\n<p>{n} Nash equilibri{"um" if n == 1 else "a"}: '
            "play where neither side gains by changing its action alone.</p>\n<ol>\n"
            + "\n".join(items) + "\n</ol>\n</div>")


def _prediction_html(scenario: Scenario, point, outcome) -> str:
    from negsim.model.talks import deal_probability, kind_probabilities

    P = outcome.prediction
    rows, cols = scenario.actions
    order = sorted(((i, j) for i in range(P.shape[0]) for j in range(P.shape[1])), key=lambda c: (-P[c], c))
    kinds = {"written": "written guarantee", "pledge": "verbal pledge", "none": "no deal"}
    body = "\n".join(
        f'<tr><td>{_esc(scenario.outcome_labels[i][j])}</td><td>{_esc(_words(rows[i]))}</td>'
        f'<td>{_esc(_words(cols[j]))}</td><td>{_esc(kinds.get(scenario.deal_kind[i][j], scenario.deal_kind[i][j]))}'
        f'</td><td class="number">{P[i, j]:.3f}</td></tr>'
        for i, j in order
    )
    pak, afg = (player_name(p) for p in scenario.players)
    by_kind = kind_probabilities(scenario, P)
    p_deal = deal_probability(scenario, P)
    rollout = outcome.rollout.summary()
    intro = (f"The model's prediction: the logit quantal response equilibrium (each side picks better actions "
             f"more often, not always) at precision {point.lam:g} per unit of each side's payoff range.")
    deal = (f"P(the talks end in a deal) = {p_deal:.3f} (written guarantee {by_kind.get('written', 0.0):.3f}, "
            f"verbal pledge {by_kind.get('pledge', 0.0):.3f}).")
    ceasefire = (f"P(the ceasefire breaks down within {DAYS} days) = {rollout['p_breakdown']:.3f}; "
                 f"P(open war on day {DAYS}) = {rollout['p_open_war']:.3f} (exact: no sampling error).")
    return (f'<div class="negsim-prediction">\n<p>{_esc(intro)}</p>\n'
            f'<table class="negsim-outcomes">\n<thead><tr><th scope="col">Outcome</th><th scope="col">{_esc(pak)}</th>'
            f'<th scope="col">{_esc(afg)}</th><th scope="col">Deal</th><th scope="col">Probability</th></tr></thead>\n'
            f"<tbody>\n{body}\n</tbody>\n</table>\n"
            f'<p class="deal" data-p-deal="{p_deal:.6f}">{_esc(deal)}</p>\n'
            f'<p class="ceasefire" data-p-breakdown="{rollout["p_breakdown"]:.6f}">{_esc(ceasefire)}</p>\n</div>')


def inline_svg(text: str, prefix: str = SVG_PREFIX) -> str:
    """SVG text as an element for an HTML page: no XML prolog, doctype, metadata, comments or
    namespace declarations (HTML supplies them), every id and reference prefixed by ``prefix``."""
    svg = _PROLOG.sub("", text).strip()
    svg = _ROOT.sub(lambda root: _NAMESPACE.sub("", root.group(0)), svg, count=1)

    def rename(match: re.Match[str]) -> str:
        groups = [g for g in match.groups() if g is not None]
        return f"{groups[0]}{prefix}-{groups[1]}{groups[2]}"

    return _IDS.sub(rename, svg)


def _curve_svg(scenario: Scenario, curve: np.ndarray, shipped: tuple[float, ...] | None) -> str:
    from matplotlib import rc_context

    from negsim.viz.canvas import new_figure

    days = np.arange(1, len(curve) + 1)
    fig = new_figure((6.4, 3.6))
    ax = fig.add_subplot()
    ax.plot(days, curve, color="#b8431b", lw=2.0, label="at the leverage set here")
    if shipped is not None:
        ax.plot(days, shipped, color="#777777", lw=1.4, ls="--", label="at the leverage the mediators offered")
    ax.set_xlim(0, len(curve))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Days after the talks (days)")
    ax.set_ylabel("P(ceasefire broken down by that day)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8.5, loc="lower right")
    title = f"{scenario.title}: the ceasefire after the talks"
    ax.set_title(title, fontsize=10.5)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.15, top=0.9)  # fixed: tight_layout would draw twice
    buffer = io.StringIO()
    # text as <text> elements (the page's font; searchable, and half the time of glyph outlines)
    with rc_context({"svg.hashsalt": SVG_PREFIX, "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = inline_svg(buffer.getvalue())
    label = (f"{title}. Chance the ceasefire has broken down by day {len(curve)}: {curve[-1]:.2f}"
             + (f" (with the mediators' own offer: {shipped[-1]:.2f})" if shipped is not None else "") + ".")
    return svg.replace("<svg", f'<svg role="img" aria-label="{_esc(label)}"', 1)


# The view ------------------------------------------------------------------------------------


def explorer_view(scenario_name: str, knobs: dict[str, float]) -> dict:
    """The explorer page's fragments for a shipped round at some mediator leverage.

    Parameters
    ----------
    scenario_name : str
        A shipped round (:func:`negsim.available_scenarios`).
    knobs : dict of str to float
        Mediator knobs to change (``{"verification": 1.0, "transfer_written": 3}``; any of
        :data:`negsim.model.scenario.MEDIATOR_KNOBS`), the others as the round's mediator
        file has them. An empty dict is the round as shipped.

    Returns
    -------
    dict
        ``table_html`` (the payoff table, best replies marked), ``equilibria_html`` (the
        Nash equilibria, the selected one marked), ``prediction_html`` (every outcome's
        probability under the logit QRE, P(deal), P(breakdown within 90 days)) and
        ``curve_svg`` (the exact P(ceasefire broken down by day t), t = 1..90, as an
        inline ``<svg>`` element, with the round's shipped leverage dashed for
        comparison when the knobs change anything). All text escaped; nothing refers
        outside the page.

    Raises
    ------
    ConfigError
        An unknown round; an unknown knob, a value that is not a number or out of its
        range, naming the knob (``mediator.verification: expected a fraction in [0, 1],
        got 1.5``).
    """
    name = _check_round(scenario_name)
    checked = check_knobs(knobs)
    point, outcome = _run(name, checked)
    scenario = point.scenario
    assert scenario is not None and outcome.rollout is not None  # a shipped round, the exact chain
    curve = np.asarray(outcome.rollout.breakdown_probability()[0], float)
    shipped_values = _shipped(name)["mediator"]
    changed = any(not math.isclose(v, float(shipped_values[k]), rel_tol=0, abs_tol=1e-12) for k, v in checked.items())
    return {
        "table_html": _table_html(scenario, point.game.A, point.game.B),
        "equilibria_html": _equilibria_html(scenario, outcome.equilibria, outcome.chosen),
        "prediction_html": _prediction_html(scenario, point, outcome),
        "curve_svg": _curve_svg(scenario, curve, _shipped_curve(name) if changed else None),
    }
