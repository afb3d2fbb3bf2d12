"""The mediator's choice of leverage as a picture: what each mediator buys, deal against escalation.

One panel per round: each mediator objective of :func:`negsim.studies.leverage_choice.leverage_choice_study`
is a point in the plane of P(the talks end in a deal) (x) against P(the feared outcome
within the horizon) (y), filled where the mediator's own choice lands and hollow where
the round's own leverage (its ``configs/mediator/``) lands, judged with the same
mediator's engagement; an arrow joins the two. Beardsley's trade-off reads off the
picture: a mediator that values only a deal moves right, one that values a lasting
ceasefire moves down. Under each panel, the choice in words.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from negsim.model.outcomes import OUTCOMES, question
from negsim.studies.leverage_choice import Assessment, LeverageChoice, MediatorObjective, Robustness
from negsim.viz.canvas import new_figure
from negsim.viz.curves import STYLES, probability_limits
from negsim.viz.words import scenario_title, term


def mediator_name(objective: MediatorObjective) -> str:
    """The mediator's short name: its objective's title up to the colon (``"Deal only"``)."""
    return objective.title.split(":")[0]


def choice_text(choice: LeverageChoice) -> str:
    """The choice in words: ``"Deal only: pledge transfer 0.853 (commits 0.085 of 0.1)"``;
    the knobs it pays for, or "no paid leverage"."""
    c = choice.chosen
    paid = [f"{term(f'mediator.{k}').short} {c.knobs[k]:.3g}" for k in choice.knobs if c.knobs[k] > 0]
    name = mediator_name(choice.objective)
    spent = f"commits {c.committed_cost:.3g} of {choice.objective.budget:.3g}"
    return f"{name}: {', '.join(paid) or 'no paid leverage'} ({spent})"


def _y(a: Assessment, same_outcome: bool) -> float:
    return a.p_outcome if same_outcome else a.p_breakdown


def leverage_choice_figure(choices: Sequence[LeverageChoice], *, titles: Mapping[str, str] | None = None,
                           robustness: Sequence[Robustness] = ()) -> Figure:
    """What each mediator chooses in each round, and what it buys (module docstring).

    Parameters
    ----------
    choices : sequence of LeverageChoice
        One per (round, objective), as :func:`negsim.studies.leverage_choice.leverage_choice_study`
        returns them; the panels follow the rounds' first appearance.
    titles : mapping of str to str, optional
        Scenario name to title (default: :func:`negsim.viz.words.scenario_title`).
    robustness : sequence of Robustness, optional
        The choices under draws of each objective's stated ranges
        (:func:`negsim.studies.leverage_choice.choice_robustness`): drawn as small dots in
        the mediator's colour, a cloud around its choice.

    The y-axis is P(the feared outcome within the horizon) when every objective fears the
    same outcome over the same horizon (the shipped ones do: strikes or worse within 90
    days), else P(the ceasefire breaks down within each mediator's horizon).
    """
    titles = titles or {}
    rounds = list(dict.fromkeys(c.scenario for c in choices))
    names = list(dict.fromkeys(c.objective.name for c in choices))
    feared = {(c.objective.outcome.name, c.objective.horizon) for c in choices}
    same = len(feared) == 1
    if same:
        ((outcome, horizon),) = feared
        y_label = question(OUTCOMES[outcome], horizon)
    else:
        y_label = "P(the ceasefire breaks down within each mediator's horizon)"
    clouds = {(r.central.scenario, r.central.objective.name): [d.chosen for d in r.draws] for r in robustness}
    points = [a for c in choices for a in (c.chosen, c.shipped)] + [a for cloud in clouds.values() for a in cloud]
    xs = np.array([a.p_deal for a in points])
    ys = np.array([_y(a, same) for a in points])
    x_low, x_high, x_note = probability_limits(xs)
    y_low, y_high, y_note = probability_limits(ys)
    width = max(10.0, 4.6 * len(rounds) + 0.8)  # one round: room for the title and the legend
    fig = new_figure((width, 6.4))
    fig.set_layout_engine("constrained")
    axes = fig.subplots(1, max(1, len(rounds)), sharey=True, squeeze=False)[0]
    for ax, name in zip(axes, rounds, strict=False):
        mine = [c for c in choices if c.scenario == name]
        for c in mine:
            k = names.index(c.objective.name)
            colour, marker = f"C{k % 10}", STYLES[k % len(STYLES)][1]
            x0, y0 = c.shipped.p_deal, _y(c.shipped, same)
            x1, y1 = c.chosen.p_deal, _y(c.chosen, same)
            ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", color=colour, lw=1.2,
                                                                  shrinkA=4, shrinkB=5))
            cloud = clouds.get((name, c.objective.name), [])
            if cloud:
                ax.plot([a.p_deal for a in cloud], [_y(a, same) for a in cloud], marker=".", ms=3.5, ls="none",
                        color=colour, alpha=0.45, zorder=1)
            size = 11.0 - 1.5 * (k % 4)  # the later ones smaller: equal choices stay visible, nested
            ax.plot([x0], [y0], marker=marker, ms=size - 1, mfc="white", mec=colour, ls="none")
            ax.plot([x1], [y1], marker=marker, ms=size, color=colour, mec="white", mew=0.6, ls="none",
                    label=mediator_name(c.objective) if name == rounds[0] else None)
        ax.set_xlim(x_low, x_high)
        ax.set_ylim(y_low, y_high)
        ax.set_title(titles.get(name) or scenario_title(name), fontsize=11)
        ax.set_xlabel("P(the talks end in a deal), predicted (logit QRE)")
        ax.grid(True, alpha=0.3)
        words = "\n".join(textwrap.fill(choice_text(c), 52, subsequent_indent="  ") for c in mine)
        ax.text(0.0, -0.16, words, transform=ax.transAxes, va="top", ha="left", fontsize=8)
    axes[0].set_ylabel(y_label)
    ax0 = axes[0]
    ax0.plot([], [], marker="o", ms=7, mfc="white", mec="#444444", ls="none",
             label="hollow: the round's own leverage")
    if clouds:
        n = max(len(v) for v in clouds.values())
        ax0.plot([], [], marker=".", ms=5, ls="none", color="#444444",
                 label=f"dots: its choice under {n} draws of its assumptions")
    zoom = "; ".join(n.replace("y-axis", axis) for n, axis in ((x_note, "x-axis"), (y_note, "y-axis")) if n)
    lines = ["What each mediator would offer within its budget, and what it buys",
             "filled: its choice; hollow: the round's own leverage, judged by the same mediator; "
             "right is more deals, down is fewer escalations", *([f"({zoom})"] if zoom else [])]
    wrap = int(width * 13)  # characters a line at this font size
    fig.suptitle("\n".join(textwrap.fill(line, wrap) for line in lines), fontsize=10.5)
    handles = ax0.get_legend_handles_labels()
    fig.legend(*handles, fontsize=8.5, loc="outside lower center", frameon=False,
               ncol=min(len(handles[0]), max(2, int(width // 2.6))))
    return fig
