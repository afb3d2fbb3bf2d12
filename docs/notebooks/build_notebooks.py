"""Write the tutorial notebooks of this folder (run from anywhere: ``python build_notebooks.py``).

The notebooks are kept as source here, without outputs, so that they stay small and
reviewable; open them in Jupyter and run all cells (each runs in seconds, offline).
``tests/docs/test_notebooks.py`` executes every notebook top to bottom.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [new_markdown_cell(src.strip()) if kind == "md" else new_code_cell(src.strip()) for kind, src in cells]
    return nb


TALKS = [
    ("md", """
# 1. The talks game: from evidence to an equilibrium

This notebook builds the talks game of one negotiation round from its scenario, solves it,
shows where every number comes from, and follows the *logit quantal response* path that
negsim uses to pick one equilibrium when there are several. No game theory is assumed;
each step says what it computes. Run the cells in order (about ten seconds in all).
"""),
    ("code", """
import numpy as np
import matplotlib.pyplot as plt
import negsim
from negsim.viz.text import payoff_table, evidence_report, equilibria_report
from negsim.model.talks import outcome_distribution
"""),
    ("md", """
## A scenario

A *scenario* is one round of talks (`configs/scenario/`): what happened, and how much each
side cares about each feature of an outcome. It comes with the game's outcomes
(`configs/game/talks.yaml`) and the mediator's leverage (`configs/mediator/`). Loading
validates everything and cites the evidence of every number.
"""),
    ("code", """
print(negsim.available_scenarios())
scenario = negsim.load_scenario("istanbul_round2")
print(scenario.title, scenario.dates)
print(scenario.summary)
print("evidence:", ", ".join(scenario.evidence))
"""),
    ("md", """
## The payoff table

Pakistan picks a row, Kabul a column, at the same time. Each cell shows Pakistan's payoff,
then Kabul's. A `*` marks a best reply: the best a side can do *given* the other's choice.
A cell with two stars is a (pure) *Nash equilibrium*: neither side gains by changing its
choice alone.
"""),
    ("code", """
game = negsim.talks_game(scenario)
print(payoff_table(game))
"""),
    ("md", """
## Where every number comes from

Each cell is an outcome described by features (guarantee level, sovereignty cost,
escalation level, border open, each side's public concession), and each side has a
weight per feature. The report lists them with their evidence IDs (see `POSITIONS.md`).
"""),
    ("code", """
print(evidence_report(scenario))
"""),
    ("md", """
The payoff is weights times features, plus the mediator's transfer on a deal, minus its
penalty on a side that walks out; verification shrinks the sovereignty feature. Here it is
by hand, checked against negsim's matrices:
"""),
    ("code", """
F = scenario.features.copy()                  # (rows, columns, features)
k = scenario.relief_feature                   # the sovereignty feature
med = scenario.mediator
F[:, :, k] *= 1 - med.sovereignty_relief * med.verification
U = np.einsum("mnk,pk->pmn", F, scenario.weights)   # (player, rows, columns)
U += med.transfer_deal * scenario.deal
U -= med.penalty_walkout * scenario.walkout
print(np.round(U[0], 2))
assert np.allclose(U[0], game.A) and np.allclose(U[1], game.B)
"""),
    ("code", """
# The evidence behind one cell: the outcome's coding plus every weight and knob used.
rows, cols = game.actions
print(rows[0], "/", cols[1], "->", scenario.outcome_labels[0][1])
print(game.sources[0][1])
"""),
    ("md", """
## Solving: all equilibria, checked

`negsim.solve` finds every extreme equilibrium (pure and mixed) by complete enumeration;
each one is checked for *regret* (how much a side could gain by deviating), which must be
zero up to rounding. The other methods are there for comparison.
"""),
    ("code", """
equilibria = negsim.solve(game, method="enumerate")
chosen = negsim.select(game, equilibria)          # logit tracing (the default rule)
print(equilibria_report(game, equilibria, chosen, "logit"))
print(outcome_distribution(scenario, equilibria[chosen]))
for method in negsim.SOLVERS:
    print(f"{method:>13}: {len(negsim.solve(game, method=method))} equilibria")
"""),
    ("md", """
## Change one number, see why

The mediator's transfer on a deal is 0.5 units here. Pakistan prefers insisting to
accepting the pledge by half a unit, so a transfer of 1 closes the gap (the
`istanbul_round2` seminar card works through it). Try other knobs: `verification`,
`penalty_walkout`, `sovereignty_relief`.
"""),
    ("code", """
from negsim.model.talks import with_mediator

for transfer in (0.5, 0.9, 1.25):
    sc = with_mediator(scenario, transfer_deal=transfer)
    g = negsim.talks_game(sc)
    eqs = negsim.solve(g)
    pick = eqs[negsim.select(g, eqs)]
    print(f"transfer {transfer}: {len(eqs)} equilibria; selected {outcome_distribution(sc, pick)}")
"""),
    ("md", """
## The logit QRE path: how one equilibrium is selected

In a *logit quantal response equilibrium* each side plays each action with a probability
that grows with its expected payoff: `x = softmax(lambda * A y)`. At precision
`lambda = 0` both sides choose at random; as `lambda` grows they become more and more
rational, and the path ends at a Nash equilibrium. negsim selects the equilibrium this
path ends in (McKelvey & Palfrey 1995; Turocy 2005). With a single equilibrium, as in
round two, the path simply shows how play sharpens:
"""),
    ("code", """
from negsim.solvers.qre import qre_path

def plot_path(game, title):
    path = qre_path(game.A, game.B)
    lam = path.lam[1:]                     # skip lambda = 0 for the log axis
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
    for ax, probs, labels, who in ((axes[0], path.x, game.actions[0], game.players[0]),
                                   (axes[1], path.y, game.actions[1], game.players[1])):
        for a, label in enumerate(labels):
            ax.plot(lam, probs[1:, a], label=label)
        ax.set_xscale("log")
        ax.set_xlabel("precision lambda (1 / payoff unit)")
        ax.set_title(who)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("probability")
    fig.suptitle(title)
    fig.tight_layout()
    plt.show()
    return path

path = plot_path(game, "Istanbul round two: logit QRE path")
print("end of the path:", np.round(path.final[0], 3), np.round(path.final[1], 3))
"""),
    ("md", """
Where it matters: the counterfactual of the seminar cards, round two with full
verification and a transfer of 1.5, has three equilibria (the written guarantee, the
verbal pledge, and a mixed one). Starting from random play, Kabul leans to the pledge
early, Pakistan follows, and the path ends at the pledge. The `welfare` rule would pick
the written guarantee instead.
"""),
    ("code", """
counter = with_mediator(scenario, verification=1.0, transfer_deal=1.5)
g3 = negsim.talks_game(counter)
eqs3 = negsim.solve(g3)
print(equilibria_report(g3, eqs3, negsim.select(g3, eqs3), "logit"))
print("welfare rule selects #", negsim.select(g3, eqs3, "welfare") + 1)
path3 = plot_path(g3, "Full verification, transfer 1.5: three equilibria")
"""),
    ("md", """
## Export

The game can be written for Gambit (`negsim.write_nfg`) and solved by any Gambit tool;
`negsim nfg=FILE` solves such a file from the command line.
"""),
    ("code", """
import tempfile, pathlib
with tempfile.TemporaryDirectory() as tmp:
    path_nfg = pathlib.Path(tmp) / "talks.nfg"
    negsim.write_nfg(game, path_nfg)
    print(path_nfg.read_text()[:300])
    again = negsim.read_nfg(path_nfg)
    assert np.allclose(again.A, game.A) and np.allclose(again.B, game.B)
"""),
]

ROLLOUTS = [
    ("md", """
# 2. After the talks: ceasefire rollouts and mediator leverage

The talks end in an equilibrium; the ceasefire then lives or dies day by day. This
notebook rolls the ceasefire out from the selected outcome of a round, plots how long it
survives, then sweeps the mediator's leverage over a grid of games solved in one batch and
rolls out a few points on common random numbers. About twenty seconds in all.
"""),
    ("code", """
import numpy as np
import matplotlib.pyplot as plt
from omegaconf import OmegaConf
import negsim
from negsim.io.configs import config_dir
from negsim.model.scenario import build_rollout
from negsim.model.situation import situation_after_talks
from negsim.model.rollout import rollout, rollout_points, exact_breakdown_probability, LEVELS
from negsim.viz.text import rollout_report
from negsim.model.talks import outcome_distribution
from negsim.model.talks import with_mediator
"""),
    ("md", """
## From the talks to the ceasefire's starting point

The rollout's parameters (`configs/rollout/default.yaml`) are daily probabilities, each
with its evidence and the range considered (`docs/calibration.md`). The selected
equilibrium sets the start: Kabul's effort against the TTP (the guarantee level of the
outcome, discounted when unverified), the ladder level, and whether the crossings are open.
"""),
    ("code", """
params, effort_unverified, breakdown_level, sizes = build_rollout(OmegaConf.load(config_dir() / "rollout" / "default.yaml"))
print(params)

scenario = negsim.load_scenario("istanbul_round2")
game = negsim.talks_game(scenario)
eqs = negsim.solve(game)
eq = eqs[negsim.select(game, eqs)]
print(outcome_distribution(scenario, eq))
situation = situation_after_talks(scenario, eq, effort_unverified=effort_unverified, breakdown_level=breakdown_level)
print(situation, "start:", LEVELS[situation.start_level])
"""),
    ("md", """
## One rollout and its survival curve

5,000 simulated ceasefires of 180 days, seeded: the same seed gives the same numbers. The
ladder level alone is a Markov chain, so negsim can also compute the breakdown probability
*exactly*; the Monte Carlo estimate (with its 95% Wilson band) should sit on it.
"""),
    ("code", """
SEED = 20251019
result = rollout(params, situation, runs=5000, days=180, seed=SEED)
print(rollout_report(result, situation))

p, lo, hi = result.breakdown_probability()
days = np.arange(1, result.days + 1)
exact = exact_breakdown_probability(params, situation, result.days)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(days, 1 - p, label="survival (Monte Carlo)")
ax.fill_between(days, 1 - hi, 1 - lo, alpha=0.3, label="95% interval")
ax.plot(days, 1 - exact, "k--", lw=1, label="exact (Markov chain)")
ax.set_xlabel("day after the talks")
ax.set_ylabel("P(ceasefire still holding)")
ax.set_title("Istanbul round two: the ceasefire after a deadlock")
ax.legend()
plt.show()
assert np.all(np.abs(p - exact) < 0.03)
"""),
    ("md", """
## A leverage sweep: many games in one batch

`negsim.payoff_grid` builds the payoff matrices of every combination of leverage values at
once, and `negsim.solve_batch` finds all equilibria of all of them in one vectorised call.
Where a game has several equilibria, the selection rule picks one. Here: the transfer on a
deal from 0 to 3, at the recorded verification (0.2) and at full verification.
"""),
    ("code", """
transfers = np.linspace(0.0, 3.0, 25)
verifications = np.array([0.2, 1.0])
A, B, mesh = negsim.payoff_grid(scenario, verification=verifications, transfer_deal=transfers)
batch = negsim.solve_batch(A, B)
print("grid", batch.batch_shape, "equilibria per game:\\n", batch.counts)

def selected_outcome(i, j):
    eqs = batch.for_game((i, j))
    g = negsim.Game(A[i, j], B[i, j])
    x, y = eqs[negsim.select(g, eqs)].strategies
    P = np.outer(x, y)
    label_index = np.unravel_index(np.argmax(P), P.shape)
    return float(P[scenario.deal].sum()), scenario.outcome_labels[label_index[0]][label_index[1]]

fig, ax = plt.subplots(figsize=(7, 3.5))
for i, v in enumerate(verifications):
    p_deal = [selected_outcome(i, j)[0] for j in range(len(transfers))]
    ax.step(transfers, np.array(p_deal) + 0.02 * i, where="mid", label=f"verification {v:g}")
ax.set_xlabel("mediator.transfer_deal (payoff units)")
ax.set_ylabel("P(deal), selected equilibrium")
ax.legend()
plt.show()
for j in (0, 3, 4, 5, 12):
    print(f"transfer {transfers[j]:.3g}: v=0.2 -> {selected_outcome(0, j)[1]}; v=1 -> {selected_outcome(1, j)[1]}")
"""),
    ("md", """
## Rollouts for a few points, on common random numbers

`rollout_points` runs several situations on the *same* random days, so the differences
between them come from the leverage, not from luck.
"""),
    ("code", """
points = {"baseline": {}, "transfer 1.25": {"transfer_deal": 1.25},
          "verification 1": {"verification": 1.0},
          "verification 1, transfer 0.75": {"verification": 1.0, "transfer_deal": 0.75}}
situations = []
for name, knobs in points.items():
    sc = with_mediator(scenario, **knobs)
    g = negsim.talks_game(sc)
    eqs = negsim.solve(g)
    eq = eqs[negsim.select(g, eqs)]
    situations.append(situation_after_talks(sc, eq, effort_unverified=effort_unverified, breakdown_level=breakdown_level))
    print(f"{name:>30}: {max(outcome_distribution(sc, eq), key=outcome_distribution(sc, eq).get)}")

results = rollout_points(params, situations, runs=5000, days=180, seed=SEED)
fig, ax = plt.subplots(figsize=(7, 4))
for name, res in zip(points, results):
    ax.plot(days, res.survival(), label=f"{name}: P(breakdown) {res.summary()['p_breakdown']:.2f}")
ax.set_xlabel("day after the talks")
ax.set_ylabel("P(ceasefire still holding)")
ax.legend(fontsize=8)
plt.show()
"""),
    ("md", """
A deal bought with money alone (transfer 1.25) is the same verbal pledge, so it barely
changes the ceasefire; verification changes how attacks are attributed and how much the
pledge delivers, and the written, verified guarantee changes most. The
`counterfactual_verification` seminar card discusses what the model assumes here.
"""),
]

CRISIS = [
    ("md", """
# 3. The crisis game: demands, refusals and threats under private resolve

The talks game has both sides choose at once. In the *crisis game* (`negsim/games/crisis.py`,
numbers in `configs/game/crisis.yaml`) the round plays out in sequence and each side knows
something the other does not, its own *resolve*:

1. nature draws Pakistan's type (resolved or irresolute), then Kabul's; each side knows
   only its own;
2. Pakistan demands a written guarantee or settles for a lesser demand (the verbal pledge
   with phased confidence-building);
3. Kabul accepts or refuses, seeing the demand but not Pakistan's type;
4. after a refused written demand, Pakistan strikes or backs down;
5. after a strike, Kabul retaliates or absorbs it.

A resolved type pays more for a public climbdown (audience costs, Fearon 1994) and less
for fighting. This notebook solves the game, reads off who does what, and varies the
priors. A few seconds in all.
"""),
    ("code", """
import dataclasses
import numpy as np
import matplotlib.pyplot as plt
import negsim
from negsim.model.crisis import load_crisis_spec, crisis_game, type_behavior, expected_escalation
from negsim.games.extensive import n_reduced_strategies
from negsim.solvers.backward_induction import solve_extensive, describe
"""),
    ("md", """
## The tree and its numbers

Leaves are coded in the features of the talks game; payoffs are the scenario's weights
(plus each type's weight shift) times those features. Every prior and shift cites its
evidence.
"""),
    ("code", """
spec = load_crisis_spec()
print(spec.title)
for p, player in enumerate(spec.players):
    for t, prior, shift, src in zip(spec.types[p], spec.priors[p], spec.shifts[p], spec.prior_sources[p]):
        print(f"{player} {t:<11} prior {prior:.2f} {list(src)}  weight shift {shift}")
for leaf, label in spec.labels.items():
    print(f"{leaf:>15}: {label} {list(spec.sources[leaf])}")

scenario = negsim.load_scenario("istanbul_round2")
game = crisis_game(scenario, spec)
print(game)
print("reduced pure strategies (Pakistan, Kabul):", n_reduced_strategies(game))
"""),
    ("md", """
## Solving it

`solve_extensive` first strikes out actions that are worse whatever the beliefs (so no
equilibrium rests on a threat nobody would carry out), solves what remains by complete
enumeration, and checks every equilibrium for regret on the full game. `describe` lists
each information set ("PAK resolved: demand" = what a resolved Pakistan does at the
demand stage), how likely it is to be reached, and the behaviour there.
"""),
    ("code", """
equilibria = solve_extensive(game)
print(len(equilibria), "equilibrium(s)")
for eq in equilibria:
    print(describe(game, eq.behavior, defined=eq.defined))
    print("sequentially rational on the path:", eq.sequentially_rational)
    print("expected escalation level:", round(expected_escalation(game, eq.outcomes), 3))
"""),
    ("md", """
## Three rounds compared

The same tree with each round's weights: how often does each outcome occur?
"""),
    ("code", """
rows = {}
for name in negsim.available_scenarios():
    g = crisis_game(negsim.load_scenario(name), spec)
    eq = solve_extensive(g)[0]
    rows[name] = eq.outcomes
    print(f"{name:>16}: expected escalation {expected_escalation(g, eq.outcomes):.3f}")
labels = sorted({label for out in rows.values() for label in out})
fig, ax = plt.subplots(figsize=(8, 3.5))
bottom = np.zeros(len(rows))
for label in labels:
    values = np.array([rows[name].get(label, 0.0) for name in rows])
    ax.bar(list(rows), values, bottom=bottom, label=label)
    bottom += values
ax.set_ylabel("probability")
ax.legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
fig.tight_layout()
plt.show()
"""),
    ("md", """
## What if Pakistan were more likely to be resolved?

The priors are judgements (PK4, PK10). Vary the probability that Pakistan is the resolved
type, and that Kabul is, and watch the outcomes shift: when Kabul is unlikely to be
resolved, a resolved Pakistan's written demand can end in strikes.
"""),
    ("code", """
def outcomes_at(p_pak, p_afg, scenario=scenario):
    s = dataclasses.replace(spec, priors=(np.array([p_pak, 1 - p_pak]), np.array([p_afg, 1 - p_afg])))
    g = crisis_game(scenario, s)
    eq = solve_extensive(g)[0]
    return eq.outcomes, expected_escalation(g, eq.outcomes)

grid = np.linspace(0.1, 0.9, 9)
for p_afg in (0.2, 0.5):
    esc = [outcomes_at(p, p_afg)[1] for p in grid]
    plt.plot(grid, esc, marker="o", label=f"P(Kabul resolved) = {p_afg}")
plt.xlabel("P(Pakistan resolved)")
plt.ylabel("expected escalation level")
plt.legend()
plt.show()
print({k: round(v, 3) for k, v in outcomes_at(0.9, 0.2)[0].items() if v > 1e-9})
"""),
]


def main() -> None:
    for name, cells in (("01_talks_game", TALKS), ("02_rollouts_and_leverage", ROLLOUTS), ("03_crisis_game", CRISIS)):
        nb = notebook(cells)
        nbformat.validate(nb)
        path = HERE / f"{name}.ipynb"
        nbformat.write(nb, path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
