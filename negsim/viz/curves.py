"""Curves of results (matplotlib object API, Agg canvas): breakdown, leverage, thresholds.

* :func:`breakdown_figure`: P(breakdown by day t) with its 95% Wilson band (none for
  the exact chain), and the daily hazard, of one forecast.
* :func:`escalation_vs_leverage_figure`: P(breakdown) with its 95% band and P(deal)
  against a swept value, from rows of a sweep table such as
  ``results/leverage_sweep/table.csv`` (the standard plot of a one-parameter sweep).
* :func:`sweep_heatmap_figure`: P(breakdown) over a two-parameter sweep.
* :func:`deal_curves_figure`: P(deal) against a mediator knob, one curve per scenario,
  thresholds marked.
* :func:`tornado_figure`: the swings of a one-at-a-time sensitivity analysis.

Each returns a :class:`matplotlib.figure.Figure`; save it with
:func:`negsim.viz.canvas.save_figure`. Nothing here calls pyplot or switches a backend.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from negsim.errors import NegsimError
from negsim.model.forecast import ExactForecast, Forecast
from negsim.viz.canvas import new_figure


def breakdown_figure(result: Forecast | ExactForecast, title: str) -> Figure:
    """P(breakdown by day t) with its 95% band (Monte Carlo; the exact chain has none), and
    the daily hazard below it."""
    p, lo, hi = result.breakdown_probability()
    days = range(1, result.days + 1)
    exact = result.method == "exact"
    fig = new_figure((7, 5.5))
    ax, axh = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.4))
    if not exact:
        ax.fill_between(days, lo, hi, alpha=0.3, label="95% interval (Monte Carlo)")
    ax.plot(days, p, lw=1.8, label="P(breakdown by day t)" + (", exact (Markov chain)" if exact else ""))
    ax.plot(days, 1 - p, lw=1.2, ls="--", label="survival")
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    how = "exact (Markov chain)" if exact else f"{result.runs:,} runs"
    ax.set_title(f"{title}\n{how} after each of {len(result.results)} predicted outcome(s)")
    ax.legend(loc="center right", fontsize=8)
    axh.plot(days, result.hazard(), lw=1.2, color="C3")
    axh.set_ylabel("daily hazard")
    axh.set_xlabel("days after the talks")
    fig.tight_layout()
    return fig


def _number(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


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


def _parameter_band(rows: Sequence[Mapping[str, Any]], param: str):
    """``(values, breakdown 5%, 95%, deal 5%, 95%, draws)`` of the rows' parameter band,
    sorted by the parameter, or None when the table has no band."""
    cols = (param, "p_breakdown_q05", "p_breakdown_q95", "p_deal_q05", "p_deal_q95")
    ok = [r for r in rows if str(r.get("status", "ok")) in ("ok", "") and all(c in r for c in cols)]
    data = np.array([[_number(r[c]) for c in cols] for r in ok], dtype=float).reshape(-1, len(cols))
    data = data[np.all(np.isfinite(data), axis=1)]
    if not len(data):
        return None
    data = data[np.argsort(data[:, 0], kind="stable")]
    draws = {str(r.get("uncertainty_draws")) for r in ok}
    return (*data.T, draws.pop() if len(draws) == 1 else "several")


def escalation_vs_leverage_figure(
    rows: Iterable[Mapping[str, Any]],
    *,
    param: str | None = None,
    title: str | None = None,
) -> Figure:
    """P(breakdown) with its 95% band, and P(deal), against a leverage value.

    Parameters
    ----------
    rows : iterable of mappings
        Rows of a sweep table (e.g. ``csv.DictReader`` over
        ``results/leverage_sweep/table.csv``), with columns ``p_breakdown``,
        ``p_breakdown_low``, ``p_breakdown_high``, ``p_deal`` and the parameter; values
        may be strings; rows whose ``status`` is not ``ok`` are skipped. Rows that differ
        in the scenario or in another varying ``mediator.*`` column form separate series,
        drawn in two panels (breakdown above, deal below) with one colour per series.
    param : str, optional
        The leverage column; default: the one ``mediator.*`` column that varies.
    title : str, optional

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
    others = [k for k in rows[0] if k != param and (str(k).startswith("mediator.") or k == "scenario")
              and len({str(r.get(k)) for r in rows}) > 1]
    groups: dict[tuple, list] = {}
    for r in rows:
        if str(r.get("status", "ok")) not in ("ok", ""):
            continue
        groups.setdefault(tuple(str(r.get(k)) for k in others), []).append([_number(r[c]) for c in needed])
    series = []
    for key, values in groups.items():
        data = np.array(values, dtype=float)
        data = data[np.isfinite(data[:, 0])]
        series.append((key, data[np.argsort(data[:, 0], kind="stable")]))
    series.sort(key=lambda kd: tuple(_number(k) if math.isfinite(_number(k)) else math.inf for k in kd[0]) + kd[0])
    if not series or not any(len(d) for _, d in series):
        raise NegsimError("escalation_vs_leverage_figure: no finite rows to plot")
    short = param.removeprefix("mediator.")
    axis_label = f"{short} (mediator leverage)" if param.startswith("mediator.") else param

    scenarios = {str(r.get("scenario")) for r in rows if r.get("scenario")}
    days = {str(r.get("days")) for r in rows if r.get("days")}
    default = "Ceasefire breakdown and deals against mediator leverage"
    if len(scenarios) == 1:
        default += f"\n{next(iter(scenarios))}" + (f", ceasefire breakdown within {next(iter(days))} days"
                                                   if len(days) == 1 else "")

    if not others:
        v, pb, lo, hi, pd = series[0][1].T
        fig = new_figure((8.0, 4.8))
        ax = fig.add_subplot(1, 1, 1)
        band = _parameter_band(rows, param)
        sampled = bool(np.any(hi > lo))  # the exact chain (rollout.method=exact) has no interval
        if band is not None:
            bv, b_lo, b_hi, d_lo, d_hi, draws = band
            ax.fill_between(bv, b_lo, b_hi, color="C3", alpha=0.15, lw=0,
                            label=f"P(breakdown), 5-95% over {draws} draws of the judgement calls")
            ax.fill_between(bv, d_lo, d_hi, color="C0", alpha=0.12, lw=0,
                            label=f"P(deal), 5-95% over {draws} draws of the judgement calls")
            if sampled:
                ax.errorbar(v, pb, yerr=[pb - lo, hi - pb], fmt="none", ecolor="C3", elinewidth=1.2, capsize=2.5,
                            label="95% Monte Carlo interval of P(breakdown)")
        elif sampled:
            ax.fill_between(v, lo, hi, color="C3", alpha=0.25, lw=0, label="95% interval of P(breakdown)")
        ax.plot(v, pb, color="C3", lw=2, marker="o", ms=3.5,
                label="P(ceasefire breakdown)" + ("" if sampled else ", exact (Markov chain)"))
        ax.plot(v, pd, color="C0", lw=1.8, ls="--", label="P(deal), predicted")
        for x, y, ha in ((v[0], pb[0], "left"), (v[-1], pb[-1], "right")):
            ax.annotate(f"{y:.3f}", (x, y), xytext=(0, 7), textcoords="offset points", ha=ha, fontsize=8, color="C3")
        hit = np.flatnonzero(pd >= 0.5)
        if hit.size and hit[0] > 0:  # P(deal) = 1/2 between two grid points, by linear interpolation
            k = hit[0]
            x = v[k - 1] + (0.5 - pd[k - 1]) * (v[k] - v[k - 1]) / (pd[k] - pd[k - 1])
            ax.axvline(x, color="#555555", lw=0.9, ls=":")
            ax.annotate(f"a deal becomes likelier than none\nat {short} \u2248 {x:.2f}", (x, 0.5), xytext=(6, 0),
                        textcoords="offset points", fontsize=8.5, color="#333333", va="center")
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel(axis_label)
        ax.set_ylabel("probability")
        ax.grid(True, alpha=0.3)
        if band is None:
            ax.legend(fontsize=8.5, loc="center right", framealpha=0.95)
        else:  # five entries: below the axes, clear of the curves and the threshold's note
            fig.set_size_inches(8.0, 6.0)
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
        ax.set_title(title if title is not None else default, fontsize=11)
        fig.tight_layout()
        return fig

    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    fig = new_figure((9.5, 6.4))
    ax, axd = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    for g, (key, data) in enumerate(series):
        v, pb, lo, hi, pd = data.T
        colour = cmap(0.9 * g / max(len(series) - 1, 1))
        name = ", ".join(f"{k.removeprefix('mediator.')} = {s}" for k, s in zip(others, key, strict=True))
        ax.fill_between(v, lo, hi, color=colour, alpha=0.25, lw=0)
        ax.plot(v, pb, color=colour, lw=1.8, marker="o", ms=3, label=name)
        axd.plot(v, pd, color=colour, lw=1.6)
    ax.set_ylabel("P(ceasefire breakdown)\n(band: 95% interval)")
    axd.set_ylabel("P(deal),\npredicted")
    axd.set_xlabel(axis_label)
    axd.set_ylim(-0.05, 1.05)
    for a in (ax, axd):
        a.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="series", title_fontsize=8)
    ax.set_title(title if title is not None else default, fontsize=11)
    fig.tight_layout()
    return fig


def _edges(values: Sequence[float]) -> np.ndarray:
    """Cell edges around sorted centre values (for pcolormesh)."""
    v = np.asarray(values, float)
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def sweep_heatmap_figure(rows: Sequence[Mapping[str, Any]], a: str, b: str) -> Figure:
    """P(breakdown by the horizon) over the grid of two swept columns ``a`` (x) and ``b`` (y)."""
    xs, ys = sorted({r[a] for r in rows}), sorted({r[b] for r in rows})
    Z = np.full((len(ys), len(xs)), np.nan)
    for r in rows:
        Z[ys.index(r[b]), xs.index(r[a])] = r["p_breakdown"]
    fig = new_figure((7, 5.5))
    ax = fig.add_subplot(1, 1, 1)
    mesh = ax.pcolormesh(_edges(xs), _edges(ys), Z, vmin=0, vmax=1, cmap="magma_r")
    fig.colorbar(mesh, ax=ax, label="P(breakdown by the horizon)")
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.set_title(f"{rows[0]['scenario']}: breakdown probability")
    fig.tight_layout()
    return fig


def deal_curves_figure(
    knob: str, values: np.ndarray, curves: Sequence[tuple[str, np.ndarray, float | None]]
) -> Figure:
    """The predicted P(deal) against a mediator knob, one curve per scenario
    (``(name, p_deal over values, threshold or None)``), the P(deal) = 1/2 thresholds dotted."""
    fig = new_figure((7, 4))
    ax = fig.add_subplot(1, 1, 1)
    for k, (name, p_deal, threshold) in enumerate(curves):
        ax.plot(values, p_deal, label=name, color=f"C{k}", lw=1.8)
        if threshold is not None:
            ax.axvline(threshold, color=f"C{k}", ls=":", lw=1)
    ax.axhline(0.5, color="#777777", lw=0.8, ls="--")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"mediator.{knob} (payoff units)" if knob != "verification" else "mediator.verification (share on offer)")
    ax.set_ylabel("P(deal), predicted (logit QRE)")
    ax.set_title(f"Leverage at which a deal becomes likelier than none: {knob}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def tornado_figure(rows: list[dict[str, Any]], title: str, top: int = 15) -> Figure:
    """A tornado diagram of the ``top`` largest swings (rows of
    :func:`negsim.studies.sensitivity.sensitivity`, largest first)."""
    rows = rows[:top][::-1]
    base = rows[0]["baseline"] if rows else 0.0
    fig = new_figure((8, 0.38 * len(rows) + 1.6))
    ax = fig.add_subplot(1, 1, 1)
    for k, r in enumerate(rows):
        ax.barh(k, r["low"] - base, left=base, color="C0", label="input -25%" if k == 0 else None)
        ax.barh(k, r["high"] - base, left=base, color="C3", alpha=0.8, label="input +25%" if k == 0 else None)
    ax.axvline(base, color="k", lw=0.8)
    ax.set_yticks(range(len(rows)), [r["input"] for r in rows], fontsize=8)
    ax.set_xlabel("P(breakdown by the horizon)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def sobol_figure(rows: list[dict[str, Any]], title: str, top: int = 12) -> Figure:
    """First-order and total Sobol indices of the ``top`` inputs by total index, as bars
    with their 95% bootstrap intervals (rows of :func:`negsim.studies.global_sensitivity.sobol_indices`)."""
    rows = sorted(rows, key=lambda r: -r["ST"])[:top][::-1]
    y = np.arange(len(rows))
    fig = new_figure((8.0, 0.42 * len(rows) + 1.6))
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(y + 0.2, [r["ST"] for r in rows], 0.4, xerr=[r["ST_conf"] for r in rows], color="C3", alpha=0.8,
            label="total index (with interactions)")
    ax.barh(y - 0.2, [r["S1"] for r in rows], 0.4, xerr=[r["S1_conf"] for r in rows], color="C0", alpha=0.8,
            label="first-order index (alone)")
    ax.set_yticks(y, [str(r["parameter"]) for r in rows], fontsize=8.5)
    ax.set_xlabel("share of the variance over the priors (Sobol index; bars: 95% bootstrap interval)")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=8.5, loc="lower right")
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig
