"""Sweeps: the tidy table of a sweep's points, its standard plots, and grid expansion.

Each point of a sweep (a Hydra multirun job, or one point of the grid fast path) leaves
a ``metrics.json`` in its own folder. :func:`aggregate` gathers every finished point
under a sweep folder into one tidy table, a row per point, with the point's parameters,
estimates and confidence intervals, seed, config hash and package versions, and draws
the standard plots beside it. It is what the Hydra callback runs at the end of a
multirun, and it can be run on its own over any sweep folder (``python -m negsim.sweep
FOLDER [RESULTS]``), for instance after an interrupted sweep.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from negsim.errors import ConfigError
from negsim.results import write_figure_atomic, write_text_atomic

#: Estimate columns of the table, after the parameter columns.
ESTIMATES = (
    "scenario", "method", "selection", "n_equilibria", "selected_outcome", "p_deal", "effort",
    "p_breakdown", "p_breakdown_low", "p_breakdown_high", "median_days_to_breakdown",
    "p_incident_21_days", "mean_closed_days", "mean_trade_lost_usd", "mean_deaths", "p_open_war",
    "runs", "days", "seed", "config_hash", "status",
)


def parse_value(text: str) -> Any:
    """A sweep value as a number where it is one, else the string."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def parse_overrides(overrides: Sequence[str]) -> dict[str, Any]:
    """``["a.b=0.5", "scenario=doha_round"]`` -> ``{"a.b": 0.5, "scenario": "doha_round"}``."""
    out = {}
    for item in overrides:
        key, _, value = item.partition("=")
        out[key.lstrip("+~")] = parse_value(value)
    return out


def grid_points(axes: dict[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The outer product of named value lists, in C order (last axis fastest)."""
    if not axes:
        raise ConfigError("grid: no parameters to sweep")
    for key, values in axes.items():
        if len(values) == 0:
            raise ConfigError(f"{key}: empty sweep; give at least one value")
    keys = list(axes)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(axes[k] for k in keys))]


def table_row(metrics: dict[str, Any]) -> dict[str, Any]:
    """One tidy row from a point's ``metrics.json`` (parameters first, then estimates)."""
    row: dict[str, Any] = parse_overrides(metrics.get("overrides", []))
    if "error" in metrics:
        row["status"] = f"error: {metrics['error']}"
        return row
    roll = metrics.get("rollout", {})
    eq = metrics["equilibria"][metrics["selected"]]
    outcomes = metrics.get("selected_outcomes", {})
    row.update(
        scenario=metrics.get("scenario", metrics["game"]),
        method=metrics["solver"]["method"],
        selection=metrics["solver"]["selection"],
        n_equilibria=len(metrics["equilibria"]),
        selected_outcome=max(outcomes, key=outcomes.get) if outcomes else "",
        p_deal=metrics.get("p_deal"),
        effort=roll.get("situation", {}).get("effort"),
        **{k: roll.get(k) for k in (
            "p_breakdown", "p_breakdown_low", "p_breakdown_high", "median_days_to_breakdown",
            "p_incident_21_days", "mean_closed_days", "mean_trade_lost_usd", "mean_deaths", "p_open_war",
            "runs", "days",
        )},
        seed=metrics["seed"],
        config_hash=metrics["config_hash"],
        status="ok",
    )
    row["x"] = json.dumps([round(v, 12) for v in eq["x"]])
    row["y"] = json.dumps([round(v, 12) for v in eq["y"]])
    row.update({f"version_{k}": v for k, v in metrics["versions"].items()})
    return row


def collect(sweep_dir: Path) -> list[dict[str, Any]]:
    """Rows of every finished (or failed) point under ``sweep_dir``, sorted by parameters."""
    rows = []
    for path in sorted(Path(sweep_dir).rglob("metrics.json")) + sorted(Path(sweep_dir).rglob("error.json")):
        try:
            rows.append(table_row(json.loads(path.read_text())))
        except (ValueError, KeyError) as exc:
            rows.append({"status": f"unreadable {path}: {exc}"})
    return sorted(rows, key=_sort_key)


def _sort_key(row: dict[str, Any]) -> tuple:
    """Order rows by their parameters (by name), numbers numerically before strings."""
    return tuple(
        (k, 0, float(v), "") if isinstance(v, (int, float)) else (k, 1, 0.0, str(v))
        for k, v in sorted(row.items())
        if k not in ESTIMATES and not k.startswith("version_") and k not in ("x", "y")
    )


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    params = [k for r in rows for k in r if k not in ESTIMATES and not k.startswith("version_") and k not in ("x", "y")]
    rest = [k for r in rows for k in r if k.startswith("version_") or k in ("x", "y")]
    return sorted(set(params)) + [k for k in ESTIMATES if any(k in r for r in rows)] + sorted(set(rest))


def swept(rows: list[dict[str, Any]]) -> list[str]:
    """Numeric parameter columns that take more than one value."""
    cols = [c for c in _columns(rows) if c not in ESTIMATES and not c.startswith("version_") and c not in ("x", "y")]
    return [
        c for c in cols
        if all(isinstance(r.get(c), (int, float)) for r in rows) and len({r.get(c) for r in rows}) > 1
    ]


def csv_text(rows: list[dict[str, Any]], cols: Sequence[str] | None = None) -> str:
    """Rows as CSV text with the given columns (default: every key, in order of first
    appearance); missing values and None become empty cells."""
    cols = list(dict.fromkeys(k for r in rows for k in r)) if cols is None else list(cols)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})
    return buf.getvalue()


def write_table(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    """``table.csv`` (and ``table.parquet`` when pandas and pyarrow are installed), atomically."""
    cols = _columns(rows)
    paths = [write_text_atomic(Path(folder) / "table.csv", csv_text(rows, cols))]
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        return paths
    from negsim.results import _atomic

    frame = pd.DataFrame(rows, columns=cols)
    paths.append(_atomic(Path(folder) / "table.parquet", lambda tmp: frame.to_parquet(tmp, index=False)))
    return paths


def plot_sweep(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    """Standard plots: escalation and deal probability against one swept parameter, or a
    heat map of breakdown probability over two. PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r.get("status") == "ok" and r.get("p_breakdown") is not None]
    axes = swept(ok)
    if not ok or len(axes) not in (1, 2):
        return []
    if len(axes) == 1:
        (a,) = axes
        pts = sorted(ok, key=lambda r: r[a])
        x = np.array([r[a] for r in pts], float)
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, height_ratios=(3, 2))
        top.fill_between(x, [r["p_breakdown_low"] for r in pts], [r["p_breakdown_high"] for r in pts],
                         alpha=0.3, label="95% Wilson interval")
        top.plot(x, [r["p_breakdown"] for r in pts], marker="o", ms=3, label="P(breakdown by the horizon)")
        top.set_ylabel("escalation probability")
        top.set_ylim(0, 1)
        top.legend(fontsize=8)
        top.set_title(f"{pts[0]['scenario']}: {pts[0]['runs']:,} runs x {pts[0]['days']} days per point")
        bottom.step(x, [r["p_deal"] for r in pts], where="post", color="C2", marker="o", ms=3)
        bottom.set_ylabel("P(deal) in the\nselected equilibrium")
        bottom.set_ylim(-0.05, 1.05)
        bottom.set_xlabel(a)
        name = f"sweep_{a}"
    else:
        a, b = axes
        xs, ys = sorted({r[a] for r in ok}), sorted({r[b] for r in ok})
        Z = np.full((len(ys), len(xs)), np.nan)
        for r in ok:
            Z[ys.index(r[b]), xs.index(r[a])] = r["p_breakdown"]
        fig, ax = plt.subplots(figsize=(7, 5.5))
        mesh = ax.pcolormesh(_edges(xs), _edges(ys), Z, vmin=0, vmax=1, cmap="magma_r")
        fig.colorbar(mesh, ax=ax, label="P(breakdown by the horizon)")
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        ax.set_title(f"{ok[0]['scenario']}: breakdown probability")
        name = f"heatmap_{a}_{b}"
    fig.tight_layout()
    try:
        return [write_figure_atomic(fig, Path(folder) / f"{name}.{ext}") for ext in ("png", "svg")]
    finally:
        plt.close(fig)


def _edges(values: Sequence[float]) -> np.ndarray:
    """Cell edges around sorted centre values (for pcolormesh)."""
    v = np.asarray(values, float)
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def aggregate(sweep_dir: str | Path, results_dir: str | Path | None = None) -> list[Path]:
    """Gather a sweep folder's points into ``table.csv`` and the standard plots.

    Parameters
    ----------
    sweep_dir : path
        Folder whose subfolders hold the points' ``metrics.json``.
    results_dir : path, optional
        Where the table and plots go (default: ``sweep_dir``).
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise ConfigError(f"{sweep_dir}: sweep folder not found")
    rows = collect(sweep_dir)
    if not rows:
        raise ConfigError(f"{sweep_dir}: no finished points (no metrics.json below it)")
    folder = Path(results_dir) if results_dir else sweep_dir
    return write_table(rows, folder) + plot_sweep(rows, folder)


def main(argv: list[str] | None = None) -> None:
    """``python -m negsim.sweep SWEEP_DIR [RESULTS_DIR]``: aggregate a sweep folder."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m negsim.sweep SWEEP_DIR [RESULTS_DIR]", file=sys.stderr)
        sys.exit(2)
    try:
        paths = aggregate(*args)
    except ConfigError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print("Wrote " + ", ".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
