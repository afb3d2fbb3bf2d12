"""Curves of results (matplotlib object API, Agg canvas): breakdown, leverage, thresholds.

* :func:`breakdown_figure`: P(breakdown by day t) with its 95% Wilson band (none for
  the exact chain), and the daily hazard, of one forecast; beside them the answer at the
  horizon, the predicted talks outcome and the mediator's leverage when given.
* :func:`escalation_vs_leverage_figure`: P(breakdown) with its 95% band, and P(deal),
  against a swept value, from rows of a sweep table such as
  ``results/leverage_sweep/table.csv`` (the standard plot of a one-parameter sweep).
* :func:`sweep_heatmap_figure`: P(breakdown) over a two-parameter sweep, each cell's value
  printed, one panel per scenario.
* :func:`deal_curves_figure`: P(deal) against a mediator knob, one curve per scenario,
  thresholds marked and rounds that do not flip named.
* :func:`tornado_figure`: the swings of a one-at-a-time sensitivity analysis.
* :func:`sobol_figure`: first-order and total Sobol indices.

Every figure speaks words (:mod:`negsim.viz.words`): titles, axis labels with units, the
forecast's horizon. A probability axis spans 0-1 unless the values drawn on it span less
than :data:`ZOOM_BELOW`; then it follows the values with a margin and says so in a note
(``y-axis zoomed: 0.86-0.90``), so a 95% band of 10,000 runs can be seen. Each returns a
:class:`matplotlib.figure.Figure`; save it with :func:`negsim.viz.canvas.save_figure`.
Nothing here calls pyplot or switches a backend.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from negsim.errors import NegsimError
from negsim.model.forecast import ExactForecast, Forecast
from negsim.model.outcomes import OUTCOMES
from negsim.studies.sweep import ESTIMATES
from negsim.viz.canvas import new_figure
from negsim.viz.words import axis_label, metric_label, scenario_title, setting_text, term, unit_note

#: A probability axis whose values span less than this is zoomed to them.
ZOOM_BELOW = 0.5
#: Line style and marker of each series after the first (colour ``C<k>``): told apart in grey too.
STYLES = (("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"), ((0, (5, 1, 1, 1, 1, 1)), "v"), ((0, (1, 1)), "P"))
#: Colour of a note on a figure.
NOTE_COLOUR = "#444444"

#: The predicted talks outcome a caller may state: one outcome's label, or every outcome's
#: label with its predicted probability (``metrics.json``'s ``selected_outcomes``).
TalksOutcome = str | Mapping[str, float]


def _number(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _as_title(text: str) -> str:
    """A scenario id (``istanbul_round2``) as its title; any other text as it is."""
    return scenario_title(text) if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", text) else text


def _value_text(value: Any) -> str:
    number = _number(value)
    return f"{number:g}" if math.isfinite(number) else str(value)


def probability_limits(values: np.ndarray, *, include: Sequence[float] = ()) -> tuple[float, float, str | None]:
    """The y-range of a probability axis and its note.

    Parameters
    ----------
    values : numpy.ndarray
        Every probability drawn on the axis (bands included), any shape; NaN ignored.
    include : sequence of float
        Values the range must show as well (e.g. a reference line at 1/2).

    Returns
    -------
    (low, high, note)
        ``(-0.02, 1.02, None)`` when the values span at least :data:`ZOOM_BELOW`; else the
        values' range with a margin of a tenth of it (at least 0.005), rounded outwards and
        clipped to [0, 1], and the note ``"y-axis zoomed: low-high"``.
    """
    v = np.concatenate([np.ravel(np.asarray(values, float)), np.asarray(include, float)])
    v = v[np.isfinite(v)]
    if not len(v) or np.ptp(v) >= ZOOM_BELOW:
        return -0.02, 1.02, None
    span = float(np.ptp(v))
    digits = 2 if span >= 0.05 else 3 if span >= 0.005 else 4
    margin = max(0.1 * span, 0.005)
    scale = 10.0**digits
    low = max(0.0, math.floor(round((float(v.min()) - margin) * scale, 6)) / scale)  # round: 0.869 * 1000 is 868.99...
    high = min(1.0, math.ceil(round((float(v.max()) + margin) * scale, 6)) / scale)
    return low, high, f"y-axis zoomed: {low:.{digits}f}-{high:.{digits}f}"


def _probability_axis(ax: Axes, values: np.ndarray, *, include: Sequence[float] = ()) -> None:
    """Set ``ax``'s y-range by :func:`probability_limits`, its zoom note (if any) as the
    panel's right-hand title."""
    low, high, note = probability_limits(values, include=include)
    ax.set_ylim(low, high)
    if note:
        ax.set_title(note, loc="right", fontsize=8.5, color=NOTE_COLOUR)


def _x_label(key: str) -> str:
    """The axis label of a swept key, with the payoff unit explained where it is one."""
    note = unit_note(key)
    return axis_label(key) + (f"\n{note}" if note else "")


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.fill(line, width, subsequent_indent="  ") for line in text.splitlines())


# --- one forecast ----------------------------------------------------------------------------


def _outcome_lines(outcome: TalksOutcome, shown: int = 4) -> list[str]:
    """The predicted talks outcome as lines: a label, or the ``shown`` likeliest with their
    probabilities and the rest summed."""
    if isinstance(outcome, str):
        return ["Talks outcome", outcome]
    ranked = sorted(outcome.items(), key=lambda kv: -kv[1])
    lines = ["Talks outcome (predicted probability)"] + [f"{p:.2f}  {label}" for label, p in ranked[:shown]]
    rest = ranked[shown:]
    if rest:
        lines.append(f"{sum(p for _, p in rest):.2f}  {len(rest)} other outcome(s)")
    return lines


def _forecast_lines(result: Forecast | ExactForecast, p: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[str]:
    """The answer at the horizon: P(breakdown) with its interval, and the median day."""
    median = result.time_to_breakdown_quantiles((0.5,))[0.5]
    exact = result.method == "exact"
    return [
        f"Within {result.days} days",
        f"P(ceasefire breaks down) = {p[-1]:.3f}",
        "exact (Markov chain)" if exact else f"95% interval {lo[-1]:.3f}-{hi[-1]:.3f}",
        f"P(breakdown) passes 1/2 on day {median:.0f}" if math.isfinite(median) else "P(breakdown) stays below 1/2",
    ]


def _interval_label(runs: int, lo: np.ndarray, hi: np.ndarray) -> str:
    half = float(np.max(hi - lo)) / 2
    return f"95% interval (Monte Carlo, {runs:,} runs per outcome; at most \u00b1{half:.3f})"


def breakdown_figure(
    result: Forecast | ExactForecast,
    title: str,
    *,
    leverage: Mapping[str, float] | None = None,
    outcome: TalksOutcome | None = None,
    answer: Mapping[str, Any] | None = None,
) -> Figure:
    """P(breakdown by day t) with its 95% band (Monte Carlo; the exact chain has none), the
    daily hazard below it, and beside them what the forecast says and rests on.

    Parameters
    ----------
    result : Forecast or ExactForecast
        The forecast; its horizon is ``result.days`` days.
    title : str
        The round (a scenario id is written as its title).
    leverage : mapping of str to float, optional
        The mediator's knobs (``transfer_written`` or ``mediator.transfer_written`` to its
        value, e.g. ``dataclasses.asdict(scenario.mediator)``), listed in words with units.
    outcome : str or mapping of str to float, optional
        The talks outcome the ceasefire follows (its label, e.g. for ``after=``), or the
        prediction (each outcome's label to its probability, ``metrics["selected_outcomes"]``).
    answer : mapping, optional
        The run's question and answer (``metrics["outcome"]``), stated first beside the curves.
    """
    p, lo, hi = result.breakdown_probability()
    days = np.arange(1, result.days + 1)
    exact = result.method == "exact"
    fig = new_figure((11.0, 5.8))
    grid = fig.add_gridspec(2, 2, width_ratios=(3.0, 1.45), height_ratios=(3, 1.4))
    ax = fig.add_subplot(grid[0, 0])
    axh = fig.add_subplot(grid[1, 0], sharex=ax)
    side = fig.add_subplot(grid[:, 1])
    if isinstance(result, Forecast):
        ax.fill_between(days, lo, hi, color="C0", alpha=0.3, lw=0, label=_interval_label(result.runs, lo, hi))
    ax.plot(days, p, lw=1.8, color="C0", label="P(breakdown by day t)" + (", exact (Markov chain)" if exact else ""))
    low, high, note = probability_limits(np.concatenate([p, lo, hi]), include=(0.0,))  # from 0: a cumulative curve
    ax.set_ylim(low, high)
    if note:
        ax.text(0.01, 0.97, note, transform=ax.transAxes, va="top", fontsize=8.5, color=NOTE_COLOUR)
    ax.set_ylabel("probability (0-1)")
    how = "exact (Markov chain)" if exact else f"{result.runs:,} runs"
    ax.set_title(f"{_as_title(title)}\nCeasefire after the talks: {how} after each of {len(result.results)} "
                 "predicted outcome(s)", fontsize=10.5)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True, alpha=0.3)
    axh.plot(days, result.hazard(), lw=1.2, color="C3")
    axh.set_ylim(bottom=0)
    axh.set_ylabel("daily hazard\n(per day)")
    axh.set_xlabel("days after the talks")
    axh.grid(True, alpha=0.3)
    sections = [_forecast_lines(result, p, lo, hi)]
    if answer is not None:
        sections.insert(0, ["The question", f"{answer['question']} = {answer['p']:.3f}",
                            "exact (Markov chain)" if exact else f"95% interval {answer['low']:.3f}-{answer['high']:.3f}"])
    if outcome is not None:
        sections.append(_outcome_lines(outcome))
    if leverage is not None:
        sections.append(["Mediator leverage"] + [setting_text(k, float(v)) for k, v in leverage.items()])
    side.set_axis_off()
    side.text(0.0, 1.0, "\n\n".join(_wrapped("\n".join(s), 50) for s in sections), transform=side.transAxes,
              va="top", ha="left", fontsize=8.5, linespacing=1.35)
    fig.tight_layout()
    return fig


# --- sweeps ----------------------------------------------------------------------------------


def _sweep_param(rows: Sequence[Mapping[str, Any]]) -> str:
    keys = [k for k in rows[0] if str(k).startswith("mediator.")]
    varying = [k for k in keys if len({str(r.get(k)) for r in rows}) > 1]
    if len(varying) == 1:
        return varying[0]
    if len(keys) == 1:
        return keys[0]
    raise NegsimError(
        f"escalation_vs_leverage_figure: cannot tell the leverage column among {keys or list(rows[0])}; pass param="
    )


def _ok(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in rows if str(r.get("status", "ok")) in ("ok", "")]


def _varying_parameters(rows: Sequence[Mapping[str, Any]], exclude: Sequence[str]) -> list[str]:
    """Parameter columns (not estimates, versions or strategies) that take several values,
    ``scenario`` included, in the order of the first row."""
    return [k for k in rows[0] if k not in exclude and (k == "scenario" or k not in ESTIMATES)
            and not str(k).startswith("version_") and k not in ("x", "y")
            and len({str(r.get(k)) for r in rows}) > 1]


def _common(rows: Sequence[Mapping[str, Any]], column: str) -> str | None:
    """The one value of ``column`` in every row that has it, or None."""
    values = {str(r[column]) for r in rows if r.get(column) not in (None, "")}
    return values.pop() if len(values) == 1 else None


def _horizon(rows: Sequence[Mapping[str, Any]], horizon: int | None) -> int | None:
    days = _common(rows, "days")
    return horizon if horizon is not None else int(_number(days)) if days is not None else None


def _series_name(columns: Sequence[str], key: Sequence[str], titles: Mapping[str, str]) -> str:
    """A series in words: scenarios by their titles, other columns as ``short value``."""
    return ", ".join(titles.get(v) or scenario_title(v) if c == "scenario" else f"{term(c).short} {_value_text(v)}"
                     for c, v in zip(columns, key, strict=True))


@dataclass(frozen=True, eq=False)
class _Series:
    """One line of a sweep: ``v`` (K,) the swept values, sorted; P(breakdown) ``pb`` with
    its interval ``lo``, ``hi``; P(deal) ``pd``; ``modal`` the most likely outcome (K,)."""

    name: str
    v: np.ndarray
    pb: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    pd: np.ndarray
    modal: tuple[str, ...]


def _asked_horizon(rows: Sequence[Mapping[str, Any]]) -> int | None:
    """The rows' one ``horizon`` (the days a named outcome is counted within), or None."""
    value = _common(rows, "horizon")
    return None if value is None else int(_number(value))


def headline(rows: Sequence[Mapping[str, Any]]) -> str:
    """The probability a sweep's figures show: ``p_breakdown``, or the column of the named
    outcome the rows ask about (``outcome=``, ``horizon=``: ``ladder_<outcome>``) where that
    is another number in some row."""
    name = _common(rows, "outcome")
    column = f"ladder_{name}"
    if name is None or not rows or column not in rows[0]:
        return "p_breakdown"
    differs = any(abs(_number(r.get(column)) - _number(r.get("p_breakdown"))) > 1e-12 for r in rows)
    return column if differs else "p_breakdown"


def _series(rows: Sequence[Mapping[str, Any]], param: str, others: Sequence[str],
            titles: Mapping[str, str], metric: str = "p_breakdown") -> list[_Series]:
    """The rows grouped by the values of ``others``, each group sorted by ``param``;
    groups ordered by their values (numbers numerically). ``pb``, ``lo`` and ``hi`` of each
    series are ``metric`` and its interval (``<metric>_low``, ``<metric>_high``)."""
    cols = (param, metric, f"{metric}_low", f"{metric}_high", "p_deal")
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(str(r.get(k)) for k in others), []).append(r)

    def order(key: tuple[str, ...]) -> tuple:
        return tuple(_number(k) if math.isfinite(_number(k)) else math.inf for k in key) + key

    out = []
    for key in sorted(groups, key=order):
        group = [r for r in groups[key] if math.isfinite(_number(r[param]))]
        group.sort(key=lambda r: _number(r[param]))
        data = np.array([[_number(r[c]) for c in cols] for r in group], dtype=float).reshape(-1, len(cols))
        if len(data):
            v, pb, lo, hi, pd = data.T
            out.append(_Series(_series_name(others, key, titles), v, pb, lo, hi, pd,
                               tuple(str(r.get("modal_outcome") or "") for r in group)))
    return out


def _parameter_band(rows: Sequence[Mapping[str, Any]], param: str, metric: str = "p_breakdown"):
    """``(values, metric 5%, 95%, deal 5%, 95%, draws)`` of the rows' parameter band, sorted
    by the parameter, or None when the table has no band (a named outcome's band is that of
    the rows' question, ``p_outcome``)."""
    base = "p_breakdown" if metric == "p_breakdown" else "p_outcome"
    cols = (param, f"{base}_q05", f"{base}_q95", "p_deal_q05", "p_deal_q95")
    ok = [r for r in _ok(rows) if all(c in r for c in cols)]
    data = np.array([[_number(r[c]) for c in cols] for r in ok], dtype=float).reshape(-1, len(cols))
    data = data[np.all(np.isfinite(data), axis=1)]
    if not len(data):
        return None
    data = data[np.argsort(data[:, 0], kind="stable")]
    draws = {str(r.get("uncertainty_draws")) for r in ok}
    return (*data.T, draws.pop() if len(draws) == 1 else "several")


def outcome_note(values: np.ndarray, modal: Sequence[str]) -> str | None:
    """The most likely talks outcome along a sweep, in words (None when the rows name none).

    ``values`` (K,) sorted swept values; ``modal`` (K,) the most likely outcome at each.
    """
    if not any(modal):
        return None
    runs: list[list[Any]] = []  # [outcome, first value, last value]
    for x, m in zip(values, modal, strict=True):
        if runs and runs[-1][0] == m:
            runs[-1][2] = x
        else:
            runs.append([m, x, x])
    if len(runs) == 1:
        return f"Most likely talks outcome at every value: {runs[0][0]}"
    return "Most likely talks outcome: " + "; ".join(
        f"{m} (at {a:g})" if a == b else f"{m} ({a:g} to {b:g})" for m, a, b in runs)


def _half_crossing(v: np.ndarray, pd: np.ndarray) -> float | None:
    """Where P(deal) first reaches 1/2 between two grid points (linear), or None."""
    hit = np.flatnonzero(pd >= 0.5)
    if not hit.size or hit[0] == 0:
        return None
    k = hit[0]
    return float(v[k - 1] + (0.5 - pd[k - 1]) * (v[k] - v[k - 1]) / (pd[k] - pd[k - 1]))


def _flat(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return not len(finite) or float(np.ptp(finite)) < 1e-9


def _draw_one(ax: Axes, axd: Axes | None, s: _Series, band, short: str, quantity: str) -> None:
    """A single series: ``quantity`` (its name in the legend, e.g. "P(ceasefire breakdown)")
    with its band (and the parameter band) above, P(deal) below."""
    sampled = bool(np.any(s.hi > s.lo))  # the exact chain (rollout.method=exact) has no interval
    if band is not None:
        bv, b_lo, b_hi, d_lo, d_hi, draws = band
        ax.fill_between(bv, b_lo, b_hi, color="C3", alpha=0.15, lw=0,
                        label=f"5-95% over {draws} draws of the judgement calls")
        if axd is not None:
            axd.fill_between(bv, d_lo, d_hi, color="C0", alpha=0.12, lw=0,
                             label=f"5-95% over {draws} draws of the judgement calls")
        if sampled:
            ax.errorbar(s.v, s.pb, yerr=[s.pb - s.lo, s.hi - s.pb], fmt="none", ecolor="C3", elinewidth=1.2,
                        capsize=2.5, label="95% Monte Carlo interval")
    elif sampled:
        ax.fill_between(s.v, s.lo, s.hi, color="C3", alpha=0.25, lw=0, label="95% interval (Monte Carlo)")
    ax.plot(s.v, s.pb, color="C3", lw=2, marker="o", ms=3.5,
            label=quantity + ("" if sampled else ", exact (Markov chain)"))
    for x, y, ha in ((s.v[0], s.pb[0], "left"), (s.v[-1], s.pb[-1], "right")):
        ax.annotate(f"{y:.3f}", (x, y), xytext=(0, 7), textcoords="offset points", ha=ha, fontsize=8, color="C3")
    if axd is None:
        return
    axd.plot(s.v, s.pd, color="C0", lw=1.8, ls="--", marker="s", ms=3, label="P(deal), predicted")
    x = _half_crossing(s.v, s.pd)
    if x is not None:
        axd.axvline(x, color="#555555", lw=0.9, ls=":")
        axd.annotate(f"a deal becomes likelier than none\nat {short} \u2248 {x:.2f}", (x, 0.5), xytext=(6, -6),
                     textcoords="offset points", fontsize=8.5, color="#333333", va="top")


def _draw_many(ax: Axes, axd: Axes | None, series: Sequence[_Series]) -> None:
    """Several series: one colour, line style and marker each, the same in both panels."""
    for k, s in enumerate(series):
        ls, marker = STYLES[k % len(STYLES)]
        style: dict[str, Any] = dict(color=f"C{k % 10}", ls=ls, marker=marker, ms=4, lw=1.7)
        ax.fill_between(s.v, s.lo, s.hi, color=f"C{k % 10}", alpha=0.2, lw=0)
        ax.plot(s.v, s.pb, label=s.name, **style)
        if axd is not None:
            axd.plot(s.v, s.pd, **style)


def escalation_vs_leverage_figure(
    rows: Iterable[Mapping[str, Any]],
    *,
    param: str | None = None,
    title: str | None = None,
    horizon: int | None = None,
    titles: Mapping[str, str] | None = None,
) -> Figure:
    """P(breakdown) with its 95% band above, and P(deal) below, against a swept value.

    Each panel's probability axis follows :func:`probability_limits`. A P(deal) that is the
    same at every row (a sweep of a ceasefire parameter, or a round that never deals) is
    stated in a note instead of drawn.

    Parameters
    ----------
    rows : iterable of mappings
        Rows of a sweep table (e.g. ``csv.DictReader`` over
        ``results/leverage_sweep/table.csv``), with columns ``p_breakdown``,
        ``p_breakdown_low``, ``p_breakdown_high``, ``p_deal`` and the parameter; values
        may be strings; rows whose ``status`` is not ``ok`` are skipped. Rows that differ
        in the scenario or in another parameter column form separate series: one line per
        series, each with its colour, line style and marker, named in a legend.
    param : str, optional
        The swept column; default: the one ``mediator.*`` column that varies.
    title : str, optional
        Default: the round(s) and the swept value in words.
    horizon : int, optional
        The forecast's horizon in days; default: the rows' ``days`` column.
    titles : mapping of str to str, optional
        Scenario name to title, for scenarios without a readable title in the shipped
        configs (default: :func:`negsim.viz.words.scenario_title`).

    Raises
    ------
    NegsimError
        No rows, a missing column, or no way to tell the parameter column.
    """
    rows = list(rows)
    if not rows:
        raise NegsimError("escalation_vs_leverage_figure: no rows to plot")
    param = param or _sweep_param(rows)
    needed = (param, "p_breakdown", "p_breakdown_low", "p_breakdown_high", "p_deal")
    missing = [c for c in needed if c not in rows[0]]
    if missing:
        raise NegsimError(f"escalation_vs_leverage_figure: missing column '{missing[0]}'")
    ok = _ok(rows)
    titles = titles or {}
    others = _varying_parameters(ok, (param, "outcome", "horizon")) if ok else []
    metric = headline(ok)
    series = _series(ok, param, others, titles, metric)
    if not series:
        raise NegsimError("escalation_vs_leverage_figure: no finite rows to plot")
    horizon = _horizon(ok, horizon if horizon is not None or metric == "p_breakdown" else _asked_horizon(ok))
    short = term(param).short
    all_deal = np.concatenate([s.pd for s in series])
    show_deal = not _flat(all_deal)
    single = not others
    fig = new_figure((8.5 if single else 10.0, 6.6 if show_deal else 4.8))
    if show_deal:
        ax, axd = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    else:
        ax, axd = fig.add_subplot(1, 1, 1), None
    band = _parameter_band(ok, param, metric) if single else None
    if single:
        quantity = "P(ceasefire breakdown)" if metric == "p_breakdown" else f"P({OUTCOMES[metric[7:]].label})"
        _draw_one(ax, axd, series[0], band, short, quantity)
    else:
        _draw_many(ax, axd, series)
    drawn = [np.concatenate([s.pb, s.lo, s.hi]) for s in series] + ([band[1], band[2]] if band is not None else [])
    _probability_axis(ax, np.concatenate(drawn))
    ax.set_ylabel(metric_label(metric, horizon).replace(" within", "\nwithin"))
    bottom = ax
    if axd is not None:
        deal = [all_deal] + ([band[3], band[4]] if band is not None else [])
        _probability_axis(axd, np.concatenate(deal), include=(0.5,))
        axd.axhline(0.5, color="#999999", lw=0.8, ls="--")
        axd.set_ylabel("P(deal),\npredicted")
        bottom = axd
    bottom.set_xlabel(_x_label(param))
    for a in (ax, axd):
        if a is not None:
            a.grid(True, alpha=0.3)
            if single:
                a.legend(fontsize=8, loc="best", framealpha=0.9)
    if not single:
        ax.legend(fontsize=8.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                  title=", ".join(term(c).short if c != "scenario" else "round" for c in others), title_fontsize=8.5)
    what = "the ceasefire" if metric == "p_breakdown" else f"{OUTCOMES[metric[7:]].label} within {horizon} days"
    lines = [title if title is not None else _sweep_title(ok, short, titles, what)]
    if not show_deal:
        lines.append(f"P(deal) = {all_deal[np.isfinite(all_deal)][0]:.3f} at every value (not drawn)"
                     if np.isfinite(all_deal).any() else "P(deal) not given")
    note = outcome_note(series[0].v, series[0].modal) if single else None
    if note:
        lines.append(note)
    fig.suptitle("\n".join(_wrapped(line, 110) for line in lines), fontsize=10.5)
    fig.tight_layout()
    return fig


def _sweep_title(rows: Sequence[Mapping[str, Any]], short: str, titles: Mapping[str, str],
                 what: str = "the ceasefire") -> str:
    """The default title of a sweep: its round, if one, what it shows and the swept value."""
    one = _common(rows, "scenario")
    text = (f"{titles.get(one) or scenario_title(one)}: " if one else "") + f"{what} and the talks against the {short}"
    return text[:1].upper() + text[1:]


def _edges(values: Sequence[float]) -> np.ndarray:
    """Cell edges around sorted centre values (for pcolormesh)."""
    v = np.asarray(values, float)
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def heatmap_grid(rows: Sequence[Mapping[str, Any]], a: str, b: str, metric: str
                 ) -> tuple[list[float], list[float], np.ndarray]:
    """The sorted values of ``a`` (X,) and ``b`` (Y,), and ``metric`` on their grid, shape
    (Y, X) (NaN where no row gives the cell; a later row overwrites an earlier one)."""
    cells = [(_number(r[a]), _number(r[b]), _number(r[metric])) for r in rows]
    cells = [c for c in cells if math.isfinite(c[0]) and math.isfinite(c[1])]
    xs, ys = sorted({c[0] for c in cells}), sorted({c[1] for c in cells})
    Z = np.full((len(ys), len(xs)), np.nan)
    for x, y, z in cells:
        Z[ys.index(y), xs.index(x)] = z
    return xs, ys, Z


def sweep_heatmap_figure(
    rows: Sequence[Mapping[str, Any]],
    a: str,
    b: str,
    *,
    metric: str | None = None,
    horizon: int | None = None,
    titles: Mapping[str, str] | None = None,
) -> Figure:
    """``metric`` (default P(breakdown by the horizon)) over the grid of two swept columns
    ``a`` (x) and ``b`` (y), each cell's value printed in it.

    The colour map (viridis, perceptually uniform) spans the values' own range, said on
    the colour bar. Rows of several scenarios draw one panel each, on one colour scale.

    Parameters
    ----------
    rows : sequence of mappings
        Rows of a sweep table (numbers or strings); rows whose ``status`` is not ``ok`` are skipped.
    a, b : str
        The swept columns on x and y.
    metric : str, optional
        The column coloured (a probability or any other estimate); default :func:`headline`.
    horizon : int, optional
        The forecast's horizon in days; default: the rows' ``days`` column.
    titles : mapping of str to str, optional
        Scenario name to title (default: :func:`negsim.viz.words.scenario_title`).

    Raises
    ------
    NegsimError
        No rows with finite values, or a missing column.
    """
    ok = _ok(rows)
    if metric is None:
        metric = headline(ok)
    if metric.startswith("ladder_") and horizon is None:
        horizon = _asked_horizon(ok)
    missing = [c for c in (a, b, metric) if not ok or c not in ok[0]]
    if missing:
        raise NegsimError(f"sweep_heatmap_figure: missing column '{missing[0]}'" if ok
                          else "sweep_heatmap_figure: no rows to plot")
    titles = titles or {}
    horizon = _horizon(ok, horizon)
    rounds = sorted({str(r.get("scenario", "")) for r in ok})
    panels = [(name, heatmap_grid([r for r in ok if str(r.get("scenario", "")) == name], a, b, metric))
              for name in rounds]
    values = np.concatenate([Z.ravel() for _, (_, _, Z) in panels])
    if not np.isfinite(values).any():
        raise NegsimError(f"sweep_heatmap_figure: no finite values of '{metric}'")
    vmin, vmax = float(np.nanmin(values)), float(np.nanmax(values))
    if vmax - vmin < 1e-9:
        vmin, vmax = vmin - 0.005, vmax + 0.005
    digits = 2 if vmax - vmin >= 0.1 else 3
    n_x = max(len(xs) for _, (xs, _, _) in panels)
    n_y = max(len(ys) for _, (_, ys, _) in panels)
    width, height = max(5.5, 0.62 * n_x + 1.6), max(5.0, 0.45 * n_y + 2.6)
    fig = new_figure((width * len(panels) + 1.6, height))
    fig.set_layout_engine("constrained")
    axes = fig.subplots(1, len(panels), squeeze=False, sharey=True)[0]
    label = metric_label(metric, horizon)
    for ax, (name, (xs, ys, Z)) in zip(axes, panels, strict=True):
        mesh = ax.pcolormesh(_edges(xs), _edges(ys), Z, vmin=vmin, vmax=vmax, cmap="viridis")
        for (i, j), z in np.ndenumerate(Z):
            if math.isfinite(z):
                ax.text(xs[j], ys[i], f"{z:.{digits}f}", ha="center", va="center", fontsize=8.5 if n_x <= 10 else 7,
                        color="white" if (z - vmin) / (vmax - vmin) < 0.6 else "black")
        ax.set_xticks(xs, [f"{x:g}" for x in xs])
        ax.set_yticks(ys, [f"{y:g}" for y in ys])
        if name:
            ax.set_title(titles.get(name) or scenario_title(name), fontsize=10.5)
    axes[0].set_ylabel(_wrapped(axis_label(b), int(11 * height)))
    if len(axes) == 1:
        axes[0].set_xlabel(_wrapped(_x_label(a), int(11 * width)))
    else:
        fig.supxlabel(_x_label(a), fontsize=10)
    fig.colorbar(mesh, ax=list(axes), label=f"{label}\n(colour scale: the values' range, {vmin:.{digits}f}-{vmax:.{digits}f})")
    fig.suptitle(f"{label} over {term(a).short} and {term(b).short}", fontsize=11)
    return fig


# --- thresholds and sensitivity --------------------------------------------------------------


def _no_flip(values: np.ndarray, p_deal: np.ndarray, threshold: float | None) -> str | None:
    """Why a curve has no threshold, in words, or None when it has one."""
    if threshold is not None:
        return None
    if len(p_deal) and p_deal[0] >= 0.5:
        return f"already likelier than not at {values[0]:g}"
    return "no flip within the range"


def deal_curves_figure(
    knob: str,
    values: np.ndarray,
    curves: Sequence[tuple[str, np.ndarray, float | None]],
    *,
    titles: Mapping[str, str] | None = None,
) -> Figure:
    """The predicted P(deal) against a mediator knob, one curve per scenario, the P(deal) = 1/2
    thresholds dotted; rounds without one are named on the figure (no flip within the range,
    or already likelier than not).

    Parameters
    ----------
    knob : str
        The mediator knob (``verification`` or ``mediator.verification``).
    values : numpy.ndarray, shape (K,)
        The knob's values, increasing, in its unit.
    curves : sequence of (name, p_deal (K,), threshold or None)
        Scenario name, P(deal) at each value, and the value where it reaches 1/2 (None: none
        in the range, or already at the first value).
    titles : mapping of str to str, optional
        Scenario name to title (default: :func:`negsim.viz.words.scenario_title`).
    """
    titles = titles or {}
    key = knob if "." in knob else f"mediator.{knob}"
    values = np.asarray(values, float)
    fig = new_figure((8.5, 6.0))
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot(1, 1, 1)
    every = max(1, len(values) // 8)
    without = []
    for k, (name, p_deal, threshold) in enumerate(curves):
        ls, marker = STYLES[k % len(STYLES)]
        colour = f"C{k % 10}"
        words = titles.get(name) or scenario_title(name)
        why = _no_flip(values, np.asarray(p_deal, float), threshold)
        label = f"{words}: " + (why if why else f"flips at {threshold:.2f}")
        ax.plot(values, p_deal, label=label, color=colour, ls=ls, marker=marker, markevery=every, ms=4.5, lw=1.8)
        if threshold is not None:
            ax.axvline(threshold, color=colour, ls=":", lw=1)
            ax.plot([threshold], [0.5], marker="o", color=colour, ms=6, mfc="white", zorder=4)
        elif why == "no flip within the range":
            without.append(words)
    ax.axhline(0.5, color="#777777", lw=0.8, ls="--")
    _probability_axis(ax, np.concatenate([np.asarray(c[1], float) for c in curves] or [np.zeros(0)]),
                      include=(0.5,))
    ax.set_xlabel(_x_label(key))
    ax.set_ylabel("P(deal), predicted (logit QRE)")
    marked = any(c[2] is not None for c in curves)
    lines = [f"Where a deal becomes likelier than none: the {term(key).short}",
             "dashed: P(deal) = 1/2" + ("; dotted: each round's threshold" if marked else "")]
    if without:
        lines.append(f"No flip within the range {values[0]:g}-{values[-1]:g} (P(deal) stays below 1/2): "
                     + "; ".join(without))
    fig.suptitle("\n".join(_wrapped(line, 100) for line in lines), fontsize=10.5)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8.5, loc="outside lower center", frameon=False)
    ax.grid(True, alpha=0.3)
    return fig


def tornado_figure(rows: list[dict[str, Any]], title: str, top: int = 15, *, horizon: int | None = None,
                   step: float = 0.25) -> Figure:
    """A tornado diagram of the ``top`` largest swings (rows of
    :func:`negsim.studies.sensitivity.sensitivity`, largest first), each input named in words.

    ``horizon`` is the forecast's length in days (named on the axis); ``step`` the relative
    change of each input (named in the legend).
    """
    rows = rows[:top][::-1]
    base = rows[0]["baseline"] if rows else 0.0
    fig = new_figure((9.5, 0.45 * len(rows) + 2.0))
    ax = fig.add_subplot(1, 1, 1)
    for k, r in enumerate(rows):
        ax.barh(k, r["low"] - base, left=base, color="C0", label=f"input {step:.0%} lower" if k == 0 else None)
        ax.barh(k, r["high"] - base, left=base, color="C3", alpha=0.8,
                label=f"input {step:.0%} higher" if k == 0 else None)
    ax.axvline(base, color="k", lw=0.8)
    if rows:
        ax.annotate(f"baseline {base:.3f}", (base, len(rows) - 0.5), xytext=(0, 2), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8.5, bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none"))
    ax.set_yticks(range(len(rows)), [textwrap.fill(term(str(r["input"])).name, 48) for r in rows], fontsize=8.5)
    ax.set_ylim(-0.6, len(rows) + 0.2)
    ax.set_xlabel(metric_label("p_breakdown", horizon))
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8.5, loc="lower right")
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def sobol_figure(rows: list[dict[str, Any]], title: str, top: int = 12) -> Figure:
    """First-order and total Sobol indices of the ``top`` inputs by total index, as bars
    with their 95% bootstrap intervals (rows of :func:`negsim.studies.global_sensitivity.sobol_indices`),
    each input named in words."""
    rows = sorted(rows, key=lambda r: -r["ST"])[:top][::-1]
    y = np.arange(len(rows))
    fig = new_figure((9.5, 0.45 * len(rows) + 1.8))
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(y + 0.2, [r["ST"] for r in rows], 0.4, xerr=[r["ST_conf"] for r in rows], color="C3", alpha=0.8,
            label="total index (with interactions)")
    ax.barh(y - 0.2, [r["S1"] for r in rows], 0.4, xerr=[r["S1_conf"] for r in rows], color="C0", alpha=0.8,
            label="first-order index (alone)")
    ax.set_yticks(y, [textwrap.fill(term(str(r["parameter"])).name, 48) for r in rows], fontsize=8.5)
    ax.set_xlabel("share of the variance over the priors (Sobol index; bars: 95% bootstrap interval)")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=8.5, loc="lower right")
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig
