"""Every figure the command line, the seminar cards and the notebooks make says what it shows.

The real entry points run (the CLI in process, each seminar card's commands, each
notebook's code cells executed in one namespace under Agg) while ``figure_recorder``
(below) keeps every figure saved with ``Figure.savefig`` or left open in
pyplot, whichever function drew it. Each recorded figure is then checked for its text:

* a title in words (a figure title, or a panel's), not an internal id (``istanbul_round2``,
  ``insist_written``) nor a config key (``mediator.verification``);
* a label in words on every numeric axis (its own, a shared axis', or the figure's), with
  its unit; the tick labels of a categorical axis in words;
* a legend on every panel that draws more than one series (lines told apart by colour,
  style or marker; sets of bars; error bars), every labelled series in a legend, every
  legend entry in words;
* a probability axis (labelled ``P(...)`` or ``probability``) within [0, 1] but for
  matplotlib's own margins (:data:`MARGIN`).

Each entry point lists the figures it makes (file stems; notebooks: how many), so a
figure that disappears fails, and a new one fails until it is listed (it is checked all
the same). A few strings are part of the contract and are checked exactly: the rounds'
titles from ``configs/scenario/*.yaml`` wherever a figure is about a round.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import yaml
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

#: A temporary file of negsim.io.results.atomic_write: ``.<name>.<8 random characters><suffix>``.
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}(?P<suffix>(\.[^.]+)?)$")


def saved_name(fname) -> str:
    """The file name a figure ends up in: ``breakdown.png`` for the temporary
    ``.breakdown.png.a1b2c3d4.png`` negsim writes first; ``<buffer>`` for a file object."""
    name = Path(fname).name if isinstance(fname, (str, Path)) else Path(str(getattr(fname, "name", "<buffer>"))).name
    match = _TEMPORARY.match(name)
    return match["name"] if match and match["name"].endswith(match["suffix"]) else name


@dataclass(eq=False)
class Recorded:
    """One figure: ``name`` (the stem of the file it was saved to, or ``<source> figure N``
    for a figure shown, not saved), the ``files`` it was saved to, where it came from."""

    fig: Figure
    name: str
    source: str
    files: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{'/'.join(self.files)} (from {self.source})" if self.files else self.name


class FigureRecorder:
    """Every figure saved while it is installed (PNG and SVG of one figure: one entry)."""

    def __init__(self) -> None:
        self.source = "?"
        self._figures: list[Recorded] = []

    def saved(self, fig: Figure, fname) -> None:
        name = saved_name(fname)
        for rec in self._figures:
            if rec.fig is fig:
                rec.files.append(name)
                return
        self._figures.append(Recorded(fig, name.rsplit(".", 1)[0], self.source, [name]))

    def take_pyplot(self, source: str) -> list[Recorded]:
        """Record the figures open in pyplot, then close them all."""
        import matplotlib.pyplot as plt

        taken = []
        for num in plt.get_fignums():
            fig = plt.figure(num)
            if not any(rec.fig is fig for rec in self._figures):
                taken.append(Recorded(fig, f"{source} figure {num}", source))
        self._figures += taken
        plt.close("all")
        return taken

    def take_shown(self, value, source: str) -> list[Recorded]:
        """Record a cell's value when it is a figure (Jupyter shows it)."""
        if not isinstance(value, Figure) or any(rec.fig is value for rec in self._figures):
            return []
        self._figures.append(Recorded(value, f"{source} shown figure", source))
        return self._figures[-1:]

    def take(self) -> list[Recorded]:
        """The figures recorded since the last call, in the order they were made."""
        out, self._figures = self._figures, []
        return out


@pytest.fixture
def figure_recorder(monkeypatch) -> FigureRecorder:
    """Record every ``Figure.savefig`` of the test (the figure drawn, then saved as usual)."""
    recorder = FigureRecorder()
    original = Figure.savefig

    def savefig(self, fname, *args, **kwargs):
        out = original(self, fname, *args, **kwargs)
        recorder.saved(self, fname)
        return out

    monkeypatch.setattr(Figure, "savefig", savefig)
    return recorder


ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"
CARDS = sorted(p for p in (ROOT / "docs" / "seminar").glob("*.md") if p.name != "README.md")
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))

#: Rollout size of every command run here (the figures, not the numbers, are under test).
RUNS = "rollout.runs=300"
#: How far past [0, 1] a probability axis may go: matplotlib's default margin of a 0-1 range.
MARGIN = 0.05


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


#: Each shipped round's title, as its config states it (part of the figures' contract).
TITLES = {p.stem: _yaml(p)["title"] for p in sorted((CONFIGS / "scenario").glob("*.yaml"))}
DEFAULT_SCENARIO = next(d["scenario"] for d in _yaml(CONFIGS / "config.yaml")["defaults"]
                        if isinstance(d, dict) and "scenario" in d)

# --------------------------------------------------------------------------- the checks

#: A config key: ``mediator.verification``, ``rollout.attack_rate``, ``table.csv``.
DOTTED = re.compile(r"\b[a-z][a-z0-9_]+\.[a-z][a-z0-9_]*\b")
#: An internal id: ``istanbul_round2``, ``insist_written``, ``p_breakdown``.
SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
#: A value that did not make it into the text: ``nan``, ``None``, an unfilled ``{placeholder}``.
MISSING = re.compile(r"\bnan\b|\bNone\b|\{[A-Za-z_]*\}")
#: What says an axis' unit: a parenthesis, or a unit in words.
UNIT = re.compile(r"\(.*\)|\bdays?\b|\bruns?\b|per day|payoff units?|dollars|deaths|\bshare\b|\bindex\b|"
                  r"probabilit|\b0-1\b|%|\bcount\b", re.I | re.S)
#: A probability axis.
PROBABILITY = re.compile(r"\bP\(|probabilit", re.I)
#: A tick label that is a number (mathtext for log axes, a unicode minus, thousands separators).
NUMBER = re.compile(r"^\$.*\$$|^[\u2212+-]?[\d.,]+(?:e[\u2212+-]?\d+)?%?$")


def words(text: str, what: str) -> list[str]:
    """Problems of a text that should be words: empty, a config key, an id, a missing value."""
    text = str(text)
    if not text.strip():
        return [f"{what} is empty"]
    out = []
    keys = DOTTED.findall(text)
    for pattern, problem in ((DOTTED, "a config key"), (SNAKE, "an internal id"), (MISSING, "a missing value")):
        found = [f for f in pattern.findall(text) if pattern is not SNAKE or not any(f in k for k in keys)]
        if found:
            out.append(f"{what} {text!r} has {problem}: {', '.join(dict.fromkeys(found))}")
    if not re.search(r"[A-Za-z]{2,}", text):
        out.append(f"{what} {text!r} is not words")
    return out


def _colorbar(ax: Axes) -> bool:
    return ax.get_label() == "<colorbar>"


def data_axes(fig: Figure) -> list[Axes]:
    """The panels that plot data on visible axes (not colour bars, not text or table panels)."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.axison and not _colorbar(ax)
            and (ax.lines or ax.collections or ax.patches or ax.images or ax.containers)]


def panel(fig: Figure, ax: Axes) -> str:
    title = ax.get_title() or ax.get_title(loc="left")
    return f"panel {fig.axes.index(ax) + 1} of {len(fig.axes)}" + (f" ({title.splitlines()[0]!r})" if title else "")


def _siblings(ax: Axes, which: str) -> list[Axes]:
    shared = ax.get_shared_x_axes() if which == "x" else ax.get_shared_y_axes()
    return [ax] + [a for a in shared.get_siblings(ax) if a is not ax]


def axis_label(fig: Figure, ax: Axes, which: str) -> str:
    """The label an axis is read by: its own, else a shared axis', else the figure's."""
    for a in _siblings(ax, which):
        label = a.get_xlabel() if which == "x" else a.get_ylabel()
        if label.strip():
            return label
    sup = getattr(fig, "_supxlabel" if which == "x" else "_supylabel", None)
    return sup.get_text() if sup is not None else ""


def tick_texts(ax: Axes, which: str) -> list[str]:
    axis = ax.xaxis if which == "x" else ax.yaxis
    return [t.get_text() for t in axis.get_majorticklabels() if t.get_visible() and t.get_text().strip()]


def categorical(ax: Axes, which: str) -> bool:
    """Whether an axis is read by its tick labels (words), not by numbers."""
    return any(not NUMBER.match(t.strip()) for t in tick_texts(ax, which))


def legends(fig: Figure, ax: Axes | None = None) -> list:
    """The legends that name ``ax``'s series (its own, its shared panels', the figure's), or all of them."""
    if ax is None:
        axes = fig.axes
    else:
        axes = list(dict.fromkeys(_siblings(ax, "x") + _siblings(ax, "y")))
    return [a.get_legend() for a in axes if a.get_legend() is not None] + list(fig.legends)


def legend_entries(legend_list: Iterable) -> list[str]:
    return [t.get_text() for leg in legend_list for t in leg.get_texts()]


def series(ax: Axes) -> set[tuple]:
    """The series a panel draws, told apart as a reader tells them apart: lines of data (two
    points or more, not reference lines in axes coordinates) by colour, style and marker;
    sets of bars by colour; error bars by colour."""
    keys: set[tuple] = set()
    inside: set[int] = set()
    for c in ax.containers:
        if isinstance(c, ErrorbarContainer):
            data, caps, bars = c.lines
            inside |= {id(line) for line in (data, *caps) if line is not None}
            colour = bars[0].get_colors()[0] if bars and len(bars[0].get_colors()) else "k"
            keys.add(("error bars", to_hex(colour)))
        elif isinstance(c, BarContainer) and c.patches:
            keys.add(("bars", to_hex(c.patches[0].get_facecolor())))
    for line in ax.lines:
        if (id(line) in inside or not line.get_visible() or line.get_transform() is not ax.transData
                or len(np.atleast_1d(line.get_xdata())) < 2):
            continue
        keys.add(("line", to_hex(line.get_color()), str(line.get_linestyle()), str(line.get_marker())))
    return keys


def title_problems(fig: Figure) -> list[str]:
    """A title in words: the figure's, or a panel's; every title there is in words."""
    sup = fig._suptitle.get_text() if fig._suptitle is not None else ""
    texts = [("figure title", sup)] if sup.strip() else []
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            if ax.get_title(loc=loc).strip():
                texts.append((f"{panel(fig, ax)} {loc} title", ax.get_title(loc=loc)))
    main = sup if sup.strip() else next((ax.get_title(loc=loc) for ax in fig.axes for loc in ("center", "left")
                                         if ax.get_title(loc=loc).strip()), "")
    out = [] if main.strip() else ["no title: neither a figure title nor a panel title"]
    if main.strip() and len(re.findall(r"[A-Za-z]{2,}", main)) < 2:
        out.append(f"title {main!r} is not a title in words")
    for what, text in texts:
        out += words(text, what)
    return out


def axis_problems(fig: Figure) -> list[str]:
    """Every numeric axis labelled in words with its unit; a categorical axis' ticks in words;
    a colour bar labelled."""
    out = []
    for ax in data_axes(fig):
        for which in "xy":
            if not (ax.xaxis if which == "x" else ax.yaxis).get_visible():
                continue
            if categorical(ax, which):
                for t in tick_texts(ax, which):
                    out += words(t, f"{panel(fig, ax)} {which}-axis tick label")
                continue
            label = axis_label(fig, ax, which)
            if not label.strip():
                out.append(f"{panel(fig, ax)}: the numeric {which}-axis has no label")
                continue
            out += words(label, f"{panel(fig, ax)} {which}-axis label")
            if not UNIT.search(label):
                out.append(f"{panel(fig, ax)} {which}-axis label {label!r} gives no unit")
    for ax in fig.axes:
        if _colorbar(ax):
            label = ax.get_ylabel() or ax.get_xlabel()
            out += words(label, f"colour bar ({panel(fig, ax)}) label")
    return out


def legend_problems(fig: Figure) -> list[str]:
    """A legend wherever a panel draws several series; every labelled series in a legend;
    every entry (and legend title) in words."""
    out = []
    everything = legend_entries(legends(fig))
    for ax in data_axes(fig):
        drawn = series(ax)
        named = legend_entries(legends(fig, ax))
        if len(drawn) > 1 and len(named) < 2:
            out.append(f"{panel(fig, ax)} draws {len(drawn)} series but no legend tells them apart")
        lost = [label for label in ax.get_legend_handles_labels()[1] if label not in everything]
        if lost and everything:  # a figure with a legend names every labelled series in it
            out.append(f"{panel(fig, ax)}: labelled series missing from every legend: {lost}")
    for leg in legends(fig):
        texts = [t.get_text() for t in leg.get_texts()]
        if not texts:
            out.append("a legend without entries")
        for t in texts:
            out += words(t, "legend entry")
        if leg.get_title().get_text().strip():
            out += words(leg.get_title().get_text(), "legend title")
    return out


def probability_problems(fig: Figure) -> list[str]:
    """A probability axis spans no more than [0, 1] and matplotlib's margins."""
    out = []
    for ax in data_axes(fig) + [a for a in fig.axes if _colorbar(a)]:
        for which in "xy":
            label = axis_label(fig, ax, which) if not _colorbar(ax) else (ax.get_ylabel() if which == "y"
                                                                          else ax.get_xlabel())
            scale = ax.get_xscale() if which == "x" else ax.get_yscale()
            if not PROBABILITY.search(label) or scale != "linear":
                continue
            low, high = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
            if low < -MARGIN - 1e-9 or high > 1 + MARGIN + 1e-9:
                out.append(f"{panel(fig, ax)}: probability {which}-axis {label.splitlines()[0]!r} spans "
                           f"{low:.3f} to {high:.3f}, past [0, 1] and a margin of {MARGIN}")
    return out


CHECKS = (title_problems, axis_problems, legend_problems, probability_problems)


def figure_problems(rec) -> list[str]:
    return [f"{rec.label}: {p}" for check in CHECKS for p in check(rec.fig)]


def made_problems(recorded, expected: set[str], where: str) -> list[str]:
    """The figures made are those listed: none lost, none new."""
    made = {r.name for r in recorded}
    out = []
    if expected - made:
        out.append(f"{where}: expected figure(s) not made: {sorted(expected - made)}")
    if made - expected:
        out.append(f"{where}: figure(s) nobody listed: {sorted(made - expected)}; list them here "
                   "(they are checked below all the same)")
    return out


def report(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)


def _figure(**text) -> Figure:
    """A small figure for the checks' own test: two labelled lines unless told otherwise."""
    from negsim.viz.canvas import new_figure

    fig = new_figure((5, 3))
    ax = fig.add_subplot(1, 1, 1)
    for k in range(text.get("lines", 2)):
        ax.plot([0, 1], [0.2 + 0.1 * k, 0.5], label=text.get("label", f"round {k + 1} of the talks"))
    ax.axhline(0.5, color="grey")  # a reference line is not a series
    ax.set_xlabel(text.get("x", "verification on offer (0 none to 1 full)"))
    ax.set_ylabel(text.get("y", "P(deal)"))
    ax.set_title(text.get("title", "The talks against verification"))
    ax.set_ylim(*text.get("ylim", (-0.02, 1.02)))
    if text.get("legend", True):
        ax.legend()
    if text.get("late"):  # drawn after the legend was made: not in it
        ax.plot([0, 1], [0.9, 0.8], ls="--", label=text["late"])
    return fig


@pytest.mark.parametrize("text, problem", [
    ({}, None),
    ({"lines": 1, "legend": False}, None),
    ({"title": ""}, "no title"),
    ({"title": "istanbul_round2"}, "an internal id: istanbul_round2"),
    ({"x": "mediator.verification"}, "a config key: mediator.verification"),
    ({"x": ""}, "the numeric x-axis has no label"),
    ({"x": "verification on offer"}, "gives no unit"),
    ({"legend": False}, "draws 2 series but no legend"),
    ({"label": "insist_written"}, "legend entry 'insist_written' has an internal id"),
    ({"late": "the third round"}, "labelled series missing from every legend: ['the third round']"),
    ({"ylim": (-0.05, 1.071)}, "spans -0.050 to 1.071"),
    ({"y": "P(deal) = nan"}, "a missing value: nan"),
])
def test_the_checks_catch_what_they_are_for(text, problem):
    fig = _figure(**text)
    found = [p for check in CHECKS for p in check(fig)]
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


# --------------------------------------------------------------------------- contracts


def all_titles(fig: Figure) -> str:
    sup = fig._suptitle.get_text() if fig._suptitle is not None else ""
    return "\n".join([sup] + [ax.get_title(loc=loc) for ax in fig.axes for loc in ("left", "center", "right")])


def titled(scenario: str) -> Callable:
    """The figure's title names the round by its config title."""
    def check(rec) -> list[str]:
        return [] if TITLES[scenario] in all_titles(rec.fig) else [
            f"{rec.label}: no title names the round {TITLES[scenario]!r}: {all_titles(rec.fig).strip()!r}"]
    return check


def one_line_per_round(*scenarios: str) -> Callable:
    """The top panel draws one labelled line per round, named by the round's title."""
    def check(rec) -> list[str]:
        ax = data_axes(rec.fig)[0]
        labels = sorted(line.get_label() for line in ax.lines if not line.get_label().startswith("_"))
        want = sorted(TITLES[s] for s in scenarios)
        return [] if labels == want else [f"{rec.label}: labelled lines {labels}, expected one per round {want}"]
    return check


def legend_names_rounds(*scenarios: str) -> Callable:
    """Some legend entry starts with each round's title."""
    def check(rec) -> list[str]:
        entries = legend_entries(legends(rec.fig))
        missing = [TITLES[s] for s in scenarios if not any(e.startswith(TITLES[s]) for e in entries)]
        return [f"{rec.label}: no legend entry names {missing}: {entries}"] if missing else []
    return check


def mediators_by_round(scenarios: Sequence[str], objectives: Sequence[str], draws: int = 0) -> Callable:
    """A panel per round titled in words, in order; a legend entry per mediator, by its
    objective's title (the words before its colon), one for the round's own leverage and,
    with ``draws``, one for the clouds of choices under the draws."""
    def check(rec) -> list[str]:
        panels = [ax.get_title() for ax in data_axes(rec.fig)]
        want_panels = [TITLES[s] for s in scenarios]
        entries = legend_entries(legends(rec.fig))
        want = [_yaml(CONFIGS / "mediator_objective" / f"{o}.yaml")["title"].split(":")[0] for o in objectives]
        out = [] if panels == want_panels else [f"{rec.label}: panels {panels}, expected {want_panels}"]
        cloud = [f"dots: its choice under {draws} draws of its assumptions"] if draws else []
        if entries != [*want, "hollow: the round's own leverage", *cloud]:
            out.append(f"{rec.label}: legend {entries}, expected the mediators {want} and the round's own leverage")
        return out
    return check


# --------------------------------------------------------------------------- the command line


def run_cli(negsim_cli, recorder, args: list[str], cwd: Path, *, place: str = "") -> list:
    """Run ``negsim ARGS`` in process in ``cwd`` (its own run, sweep and results folders);
    the figures it made."""
    recorder.source = "negsim " + shlex.join(args)
    where = [f"hydra.run.dir=run{place}", f"hydra.sweep.dir=sweep{place}"]
    if not any(a.startswith("results_dir=") for a in args):
        where.append(f"results_dir=results{place}")
    code, _, err = negsim_cli([*args, *where], cwd)
    assert code == 0, f"{recorder.source} failed ({code}):\n{err[-3000:]}"
    return recorder.take()


#: Knobs of the threshold experiment as shipped.
THRESHOLD_KNOBS = _yaml(CONFIGS / "experiment" / "threshold.yaml")["threshold"]["knobs"]
HEATMAP = "heatmap_mediator.transfer_written_mediator.verification"

#: The payoff matrix figure of a run's report.html, drawn to memory (no file name).
REPORT_PAYOFFS = "<buffer>"

#: Command lines (without the folders) -> the figures they make, and checks of their contract.
CLI = {
    "single_run": ([RUNS], {"breakdown", REPORT_PAYOFFS}, [titled(DEFAULT_SCENARIO)]),
    "single_run_exact": (["rollout.method=exact", "rollout.days=90", "scenario=istanbul_round3"],
                         {"breakdown", REPORT_PAYOFFS},
                         [titled("istanbul_round3")]),
    "sweep_one_value_named_outcome": (["-m", "mediator.verification=0,0.5,1", "outcome=open_war", "horizon=30", RUNS],
                                      {"sweep_mediator.verification"}, []),
    "sweep_two_values": (["-m", "mediator.transfer_written=0,5", "mediator.verification=0,1", RUNS], {HEATMAP}, []),
    "sweep_scenarios_and_value": (["-m", "scenario=doha_round,istanbul_round3", "mediator.verification=0,1", RUNS],
                                  {"sweep_mediator.verification"},
                                  [one_line_per_round("doha_round", "istanbul_round3"),
                                   legend_names_rounds("doha_round", "istanbul_round3")]),
}

#: Every config of configs/experiment/ and configs/analysis/: small sizes, the figures it makes.
EXPERIMENTS = {
    "threshold": (["threshold.grid=5"], {f"deal_{k}" for k in THRESHOLD_KNOBS}, [legend_names_rounds(*TITLES)]),
    "sensitivity": ([RUNS, "rollout.days=60"], {"tornado"}, [titled(DEFAULT_SCENARIO)]),
    "uncertainty": (["uncertainty.draws=4", "uncertainty.sobol_base=2", "uncertainty.threshold_draws=2"],
                    {"sobol_p_deal", "sobol_p_breakdown"}, [titled(DEFAULT_SCENARIO)]),
    "calibrate": (["uncertainty.draws=4"], set(), []),
    "hindcast": (["uncertainty.draws=4"], set(), []),
    "leverage_sweep": (["mediator.transfer_pledge=0,2", RUNS], {"sweep_mediator.transfer_pledge"}, []),
    "leverage_verification": (["mediator.transfer_written=0,5", "mediator.verification=0,1", RUNS], {HEATMAP}, []),
    "leverage_choice": (["leverage_choice.scenarios=[doha_round]", "leverage_choice.objectives=[deal_only]",
                         "leverage_choice.grid=2", "leverage_choice.max_evaluations=3", "leverage_choice.draws=2"],
                        {"choices"}, [mediators_by_round(["doha_round"], ["deal_only"], draws=2)]),
}
ANALYSES = {"bargaining": ([], set(), []), "ceasefire": ([], set(), []), "crisis": ([], set(), []),
            "mediation": (["mediation.draws=200"], set(), [])}

ENTRIES = {**CLI, **{f"experiment={k}": v for k, v in EXPERIMENTS.items()},
           **{f"analysis={k}": v for k, v in ANALYSES.items()}}


def _args(entry: str) -> list[str]:
    args = ENTRIES[entry][0]
    return [entry, *args] if entry.startswith(("experiment=", "analysis=")) else list(args)


def test_every_experiment_and_analysis_config_is_driven_here():
    for group, listed in (("experiment", EXPERIMENTS), ("analysis", ANALYSES)):
        shipped = sorted(p.stem for p in (CONFIGS / group).glob("*.yaml"))
        assert shipped == sorted(listed), (f"configs/{group}/ holds {shipped}; list each in {group.upper()}S here "
                                          "with small sizes and the figures it makes")


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_every_figure_of_the_command_line(entry, tmp_path, negsim_cli, figure_recorder):
    _, expected, contracts = ENTRIES[entry]
    recorded = run_cli(negsim_cli, figure_recorder, _args(entry), tmp_path)
    problems = made_problems(recorded, expected, f"negsim {shlex.join(_args(entry))}")
    for rec in recorded:
        problems += figure_problems(rec)
        for contract in contracts:
            problems += contract(rec)
    report(problems)


# --------------------------------------------------------------------------- the seminar cards

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def card_commands(text: str) -> list[list[str]]:
    """A card's ``negsim`` commands (docs/seminar/README.md), as argument lists without ``negsim``."""
    out = []
    for lang, body in FENCE.findall(text):
        if lang == "bash":
            for line in body.replace("\\\n", " ").splitlines():
                args = shlex.split(line, comments=True)
                if args and args[0] == "negsim":
                    out.append(args[1:])
    return out


def small(args: list[str]) -> list[str]:
    """A card's command at this test's sizes: rollouts of 300 runs (none stays none), a coarse threshold grid,
    the leverage choice's smallest search."""
    out = []
    for a in args:
        key, _, value = a.partition("=")
        out.append(RUNS if key == "rollout.runs" and int(value) > 0 else "threshold.grid=5" if key == "threshold.grid"
                   else a)
    if "experiment=leverage_choice" in args:  # the choice's search at its smallest
        out += ["leverage_choice.grid=2", "leverage_choice.max_evaluations=3"]
    return out


def card_figures(args: list[str]) -> tuple[set[str], list[Callable]]:
    """The figures a card's command makes, and their contract."""
    over = dict(a.split("=", 1) for a in args if "=" in a and not a.startswith("-"))
    if over.get("experiment") == "threshold":
        knobs = over["threshold.knobs"].strip("[]").split(",") if "threshold.knobs" in over else THRESHOLD_KNOBS
        return {f"deal_{k.strip()}" for k in knobs}, [legend_names_rounds(*TITLES)]
    if over.get("experiment") == "leverage_choice":
        spec = _yaml(CONFIGS / "experiment" / "leverage_choice.yaml")["leverage_choice"]
        rounds, objectives = (over[f"leverage_choice.{k}"].strip("[]").split(",") if f"leverage_choice.{k}" in over
                              else spec[k] for k in ("scenarios", "objectives"))
        return {"choices"}, [mediators_by_round(rounds, objectives)]
    assert "experiment" not in over and "analysis" not in over and "-m" not in args, (
        f"negsim {shlex.join(args)}: a new kind of card command; say here which figures it makes")
    runs = int(over.get("rollout.runs", _yaml(CONFIGS / "rollout" / "default.yaml")["runs"]))
    return ({"breakdown", REPORT_PAYOFFS} if runs > 0 else {REPORT_PAYOFFS}), [titled(over.get("scenario", DEFAULT_SCENARIO))]


def test_the_cards_are_found():
    assert len(CARDS) >= 4
    assert all(card_commands(p.read_text()) for p in CARDS)


def test_every_figure_of_the_seminar_cards(tmp_path, negsim_cli, figure_recorder):
    used: dict[tuple[str, ...], list[str]] = {}  # each distinct command once, with the cards that show it
    for card in CARDS:
        for k, args in enumerate(card_commands(card.read_text()), start=1):
            used.setdefault(tuple(small(args)), []).append(f"{card.name} command {k}")
    problems, made = [], 0
    for n, (args, where) in enumerate(used.items()):
        expected, contracts = card_figures(list(args))
        recorded = run_cli(negsim_cli, figure_recorder, list(args), tmp_path, place=str(n))
        for rec in recorded:
            rec.source = f"{', '.join(where)}: {rec.source}"
        made += len(recorded)
        problems += made_problems(recorded, expected, ", ".join(where))
        for rec in recorded:
            problems += figure_problems(rec)
            for contract in contracts:
                problems += contract(rec)
    assert made >= len(CARDS), "the cards' commands made hardly any figure"
    report(problems)


# --------------------------------------------------------------------------- the notebooks

#: How many figures each notebook draws.
NOTEBOOK_FIGURES = {"01_talks_game": 4, "02_rollouts_and_leverage": 3, "03_crisis_game": 1}


def test_every_notebook_is_listed():
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(NOTEBOOK_FIGURES)


def run_cell(source: str, where: str, namespace: dict):
    """Run a notebook cell's code in ``namespace`` as its kernel does; the value of its last
    line when that is an expression (what Jupyter shows under the cell), else None."""
    tree = ast.parse(source, where)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, where, "exec"), namespace)  # the notebook's own code
    return eval(compile(ast.Expression(last.value), where, "eval"), namespace) if last is not None else None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_of_a_notebook(path, tmp_path, monkeypatch, capsys, figure_recorder):
    """The notebook's code cells run in one namespace, in order, in a fresh folder (as
    tests/docs/test_notebooks.py runs them, there in a kernel), under Agg; the figures open
    after each cell are recorded and closed."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.switch_backend("Agg")
    plt.close("all")
    monkeypatch.chdir(tmp_path)
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    namespace: dict = {"__name__": "__main__"}
    problems = []
    for k, cell in enumerate(cells, start=1):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        where = f"{path.name} In[{k}]"
        assert not re.search(r"^\s*[%!]", source, re.M), f"{where}: IPython magics; run them here too"
        figure_recorder.source = where
        shown = figure_recorder.take_shown(run_cell(source, where, namespace), where)
        shown += figure_recorder.take_pyplot(where)
        if "plt.show()" in source and not shown:
            problems.append(f"{where} calls plt.show() but no figure was open")
    capsys.readouterr()
    recorded = figure_recorder.take()
    if len(recorded) != NOTEBOOK_FIGURES[path.stem]:
        problems.append(f"{path.name}: {len(recorded)} figure(s) ({[r.name for r in recorded]}), "
                        f"expected {NOTEBOOK_FIGURES[path.stem]}; update NOTEBOOK_FIGURES if that is meant")
    for rec in recorded:
        problems += figure_problems(rec)
    report(problems)


# --------------------------------------------------------------------------- the teaching figures


def test_every_teaching_figure():
    """negsim.viz.figures, as a seminar leader draws it from Python for each round (no entry
    point saves these): the payoff matrix, the QRE path and the crisis game's tree."""
    from types import SimpleNamespace

    import negsim
    from negsim.model.crisis import crisis_game, load_crisis_spec
    from negsim.viz import figures

    problems = []
    spec = load_crisis_spec()
    for name in TITLES:
        scenario = negsim.load_scenario(name)
        game = negsim.talks_game(scenario)
        drawn = {"payoff_matrix": figures.payoff_matrix_figure(game, outcome_labels=scenario.outcome_labels),
                 "qre_path": figures.qre_path_figure(game),
                 "game_tree": figures.game_tree_figure(crisis_game(scenario, spec))}
        for kind, fig in drawn.items():
            problems += figure_problems(SimpleNamespace(fig=fig, label=f"{kind} of {name}"))
    report(problems)
