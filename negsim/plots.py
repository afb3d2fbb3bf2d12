"""Standard figures (matplotlib, Agg backend): survival and breakdown curves with bands."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from negsim.results import write_figure_atomic  # noqa: E402
from negsim.rollout import RolloutResult  # noqa: E402


def breakdown_figure(result: RolloutResult, title: str):
    """P(breakdown by day t) with its 95% Wilson band, and the daily hazard below it."""
    p, lo, hi = result.breakdown_probability()
    days = range(1, result.days + 1)
    fig, (ax, axh) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True, height_ratios=(3, 1.4))
    ax.fill_between(days, lo, hi, alpha=0.3, label="95% Wilson interval")
    ax.plot(days, p, lw=1.8, label="P(breakdown by day t)")
    ax.plot(days, 1 - p, lw=1.2, ls="--", label="survival")
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.set_title(f"{title}\n{result.runs:,} runs")
    ax.legend(loc="center right", fontsize=8)
    axh.plot(days, result.hazard(), lw=1.2, color="C3")
    axh.set_ylabel("daily hazard")
    axh.set_xlabel("days after the talks")
    fig.tight_layout()
    return fig


def save_breakdown_plots(result: RolloutResult, title: str, folder: Path) -> list[Path]:
    """Write ``breakdown.png`` and ``breakdown.svg`` into ``folder`` atomically."""
    fig = breakdown_figure(result, title)
    try:
        return [write_figure_atomic(fig, Path(folder) / f"breakdown.{ext}") for ext in ("png", "svg")]
    finally:
        plt.close(fig)
