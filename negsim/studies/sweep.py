"""Sweeps as rows: grid expansion, a tidy table row per point, and the table as CSV text.

Each point of a sweep (a Hydra multirun job, or one point of the grid fast path) leaves
a ``metrics.json`` in its own folder; :func:`table_row` turns one point's metrics into a
row of the tidy table (the point's parameters, estimates and confidence intervals, seed,
config hash and package versions), :func:`csv_text` writes rows as CSV. Reading a sweep
folder and writing the table are in :mod:`negsim.io.tables`; the standard plots in
:mod:`negsim.viz.curves`; :func:`negsim.app.sweeps.aggregate` puts them together.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from negsim.errors import ConfigError
from negsim.io.tables import read_json_files
from negsim.model.outcomes import OUTCOMES

#: Estimate columns of the table, after the parameter columns.
#: Decimals of every estimate in a table: what reproduces on another machine (the logit
#: QRE is solved to about 1e-10, and the Monte Carlo is exact given the seed).
PRINTED_DIGITS = 6

ESTIMATES = (
    "scenario", "method", "selection", "prediction", "lam", "n_equilibria", "modal_outcome", "p_deal",
    "p_written", "p_pledge", "verification_in_force", "channel_in_force",
    "p_breakdown", "p_breakdown_low", "p_breakdown_high", "p_breakdown_se", "median_days_to_breakdown",
    "p_incident_21_days", "mean_closed_days", "mean_trade_lost_usd", "mean_deaths", "p_open_war",
    "outcome", "horizon", "p_outcome", "p_outcome_low", "p_outcome_high",
    *(f"ladder_{name}{end}" for name in OUTCOMES for end in ("", "_low", "_high")),
    "p_deal_q05", "p_deal_q50", "p_deal_q95", "p_breakdown_q05", "p_breakdown_q50", "p_breakdown_q95",
    "p_open_war_q05", "p_open_war_q50", "p_open_war_q95", "p_outcome_q05", "p_outcome_q50", "p_outcome_q95",
    "uncertainty_draws",
    "ceasefire_method", "runs", "days", "seed", "config_hash", "status",
)
#: Estimate columns a table leaves out when no row has a value but the default: a table
#: of Monte Carlo points reads as it did before the exact method existed.
DEFAULT_ONLY = {"ceasefire_method": "monte_carlo"}


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


def grid_points(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The outer product of named value lists, in C order (last axis fastest)."""
    if not axes:
        raise ConfigError("grid: no parameters to sweep")
    for key, values in axes.items():
        if len(values) == 0:
            raise ConfigError(f"{key}: empty sweep; give at least one value")
    keys = list(axes)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(axes[k] for k in keys))]


def table_row(metrics: dict[str, Any]) -> dict[str, Any]:
    """One tidy row from a point's ``metrics.json`` (parameters first, then estimates)."""
    row: dict[str, Any] = parse_overrides(metrics.get("overrides", []))
    if "error" in metrics:
        row["status"] = f"error: {metrics['error']}"
        return row
    roll = metrics.get("rollout", {})
    eq = metrics["prediction"]
    outcomes = metrics.get("selected_outcomes", {})
    kinds = metrics.get("p_deal_kind", {})
    provisions = metrics.get("provisions_in_force", {})
    row.update(
        scenario=metrics.get("scenario", metrics["game"]),
        method=metrics["solver"]["method"],
        selection=metrics["solver"]["selection"],
        prediction=eq["rule"],
        lam=eq["lam"],
        n_equilibria=len(metrics["equilibria"]),
        modal_outcome=max(outcomes, key=outcomes.get) if outcomes else "",
        p_deal=metrics.get("p_deal"),
        p_written=kinds.get("written"),
        p_pledge=kinds.get("pledge"),
        verification_in_force=provisions.get("verification"),
        channel_in_force=provisions.get("channel"),
        **{k: roll.get(k) for k in (
            "p_breakdown", "p_breakdown_low", "p_breakdown_high", "p_breakdown_se", "median_days_to_breakdown",
            "p_incident_21_days", "mean_closed_days", "mean_trade_lost_usd", "mean_deaths", "p_open_war",
            "runs", "days",
        )},
        ceasefire_method=roll.get("method", "monte_carlo") if roll else None,
        **_answer_columns(metrics),
        seed=metrics["seed"],
        config_hash=metrics["config_hash"],
        status="ok",
    )
    band = metrics.get("uncertainty")
    if band:
        row.update({k: band.get(k) for k in ESTIMATES if k.endswith(("_q05", "_q50", "_q95"))})
        row["uncertainty_draws"] = band["draws"]
    for key, value in row.items():
        if isinstance(value, float) and key in ESTIMATES:
            row[key] = round(value, PRINTED_DIGITS)
    row["x"] = json.dumps([round(v, PRINTED_DIGITS) for v in eq["x"]])
    row["y"] = json.dumps([round(v, PRINTED_DIGITS) for v in eq["y"]])
    row.update({f"version_{k}": v for k, v in metrics["versions"].items()})
    return row


def _answer_columns(metrics: dict[str, Any]) -> dict[str, Any]:
    """The run's question and answer (``metrics["outcome"]``: ``outcome``, ``horizon``,
    ``p_outcome`` and its interval) and every named outcome by the horizon with its interval
    (``ladder_<name>``, ``_low``, ``_high``); nothing without a ceasefire."""
    answer, ladder = metrics.get("outcome"), metrics.get("rollout", {}).get("ladder", {})
    if answer is None:
        return {}
    out = {"outcome": answer["name"], "horizon": answer["horizon"], "p_outcome": answer["p"],
           "p_outcome_low": answer["low"], "p_outcome_high": answer["high"]}
    for name, v in ladder.items():
        out.update({f"ladder_{name}": v["p"], f"ladder_{name}_low": v["low"], f"ladder_{name}_high": v["high"]})
    return out


def _sort_key(row: dict[str, Any]) -> tuple:
    """Order rows by their parameters (by name), numbers numerically before strings."""
    return tuple(
        (k, 0, float(v), "") if isinstance(v, (int, float)) else (k, 1, 0.0, str(v))
        for k, v in sorted(row.items())
        if k not in ESTIMATES and not k.startswith("version_") and k not in ("x", "y")
    )


def columns(rows: list[dict[str, Any]]) -> list[str]:
    """The table's columns: parameters (by name), then estimates, then versions and strategies
    (an estimate of :data:`DEFAULT_ONLY` only where a row has another value)."""
    params = [k for r in rows for k in r if k not in ESTIMATES and not k.startswith("version_") and k not in ("x", "y")]
    rest = [k for r in rows for k in r if k.startswith("version_") or k in ("x", "y")]

    def shown(k: str) -> bool:
        return any(k in r and (k not in DEFAULT_ONLY or r[k] not in (None, DEFAULT_ONLY[k])) for r in rows)

    return sorted(set(params)) + [k for k in ESTIMATES if shown(k)] + sorted(set(rest))


def swept(rows: list[dict[str, Any]]) -> list[str]:
    """Numeric parameter columns that take more than one value."""
    cols = [c for c in columns(rows) if c not in ESTIMATES and not c.startswith("version_") and c not in ("x", "y")]
    return [
        c for c in cols
        if all(isinstance(r.get(c), (int, float)) for r in rows) and len({r.get(c) for r in rows}) > 1
    ]


def collect(sweep_dir: Path) -> list[dict[str, Any]]:
    """Rows of every finished (or failed) point under ``sweep_dir``, sorted by parameters."""
    rows = []
    for path, data in read_json_files(Path(sweep_dir), ("metrics.json", "error.json")):
        try:
            if isinstance(data, Exception):
                raise data
            rows.append(table_row(data))
        except (ValueError, KeyError) as exc:
            rows.append({"status": f"unreadable {path}: {exc}"})
    return sorted(rows, key=_sort_key)
