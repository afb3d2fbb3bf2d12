"""Write the tutorial notebooks of this folder (run from anywhere: ``python build_notebooks.py``).

The notebooks are kept as source here, without outputs, so that they stay small and
reviewable; open them in Jupyter and run all cells (each runs in seconds, offline).
Rebuilding leaves an unchanged notebook's file as it is. ``tests/docs/test_notebooks.py``
executes every notebook top to bottom and checks the stored cells are the ones below.
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
# 1. The talks game: from evidence to a prediction

This notebook builds the talks game of one negotiation round from its scenario, shows
where every number comes from, finds its Nash equilibria and the one the `logit_limit`
rule selects, and computes the model's *prediction*: the logit quantal response
equilibrium (QRE) at the game's stated precision, a probability for every outcome. No
game theory is assumed; each step says what it computes. Run the cells in order (about
ten seconds in all).
"""),
    ("code", """
import numpy as np
import matplotlib.pyplot as plt
import negsim
from negsim.viz.text import payoff_table, evidence_report, equilibria_report
from negsim.viz.words import player_name, readable
from negsim.model.talks import (
    predict, outcome_distribution, deal_probability, kind_probabilities, outcome_table, with_mediator,
)
"""),
    ("md", """
## A scenario

A *scenario* is one round of talks (`configs/scenario/`): what happened, and how much each
side cares about each feature of an outcome. It comes with the game's outcomes
(`configs/game/talks.yaml`: their features, the kind of deal each is, who is blamed if it
fails, and what it puts in force) and the mediator's leverage (`configs/mediator/`).
Loading validates everything and cites the evidence of every number.
"""),
    ("code", """
print(negsim.available_scenarios())
scenario = negsim.load_scenario("istanbul_round2")
print(scenario.title, scenario.dates)
print(scenario.summary)
print("evidence:", ", ".join(scenario.evidence))
print(scenario.mediator)
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
weight per feature. The report lists them with their evidence IDs (see `docs/evidence.md`).
"""),
    ("code", """
print(evidence_report(scenario))
"""),
    ("md", """
The payoff is weights times features, plus the mediators' leverage, each knob tied to
what it pays for: `transfer_written` goes to Kabul on a written guarantee,
`transfer_pledge` to Pakistan on the pledge with confidence-building, and
`penalty_breakdown` falls on the side blamed for a failed round, by its share of the
blame. Verification counts only where the outcome agrees a mechanism (its `verification`
provision): it raises what the guarantee is worth (an unverified commitment delivers the
share `unverified_share`) and adds `sovereignty_effect` per unit to Kabul's sovereignty
cost. Here it is by hand, checked against negsim's matrices:
"""),
    ("code", """
F = scenario.features.copy()                            # (rows, columns, features)
names, med = scenario.feature_names, scenario.mediator
g, s = names.index("guarantee"), names.index("sovereignty")
u = scenario.unverified_share
v = med.verification * scenario.provision("verification")   # verification in force in each outcome
F[:, :, g] *= u + (1 - u) * v
F[:, :, s] = np.maximum(F[:, :, s] + scenario.sovereignty_effect * v, 0.0)
U = np.einsum("mnk,pk->pmn", F, scenario.weights)       # (player, rows, columns)
kind = np.array(scenario.deal_kind)
U[scenario.transfer_to["written"]] += med.transfer_written * (kind == "written")
U[scenario.transfer_to["pledge"]] += med.transfer_pledge * (kind == "pledge")
U -= med.penalty_breakdown * scenario.blame             # blame: (player, rows, columns)
print(np.round(U[0], 2))
assert np.allclose(U[0], game.A) and np.allclose(U[1], game.B)
"""),
    ("code", """
# The evidence behind one cell: the outcome's coding plus every weight, knob and mechanism number used.
rows, cols = game.actions
print(rows[0], "/", cols[1], "->", scenario.outcome_labels[0][1], f"({scenario.deal_kind[0][1]})")
print(game.sources[0][1])
"""),
    ("md", """
## Nash equilibria, checked, and the selected one

`negsim.solve` finds every extreme equilibrium (pure and mixed) by complete enumeration;
each one is checked for *regret* (how much a side could gain by deviating), which must be
zero up to rounding. The `logit_limit` rule selects the equilibrium at the end of the
logit QRE path (below). The other methods are there for comparison.
"""),
    ("code", """
equilibria = negsim.solve(game, method="enumerate")
chosen = negsim.select(game, equilibria, "logit_limit")
print(equilibria_report(game, equilibria, chosen, "logit_limit"))
x, y = equilibria[chosen].strategies
print(outcome_distribution(scenario, np.outer(x, y)))   # outcome probabilities of independent play
for method in negsim.SOLVERS:
    print(f"{method:>13}: {len(negsim.solve(game, method=method))} equilibria")
"""),
    ("md", """
## The prediction: the logit QRE at the stated precision

A Nash equilibrium assumes both delegations always play a best reply. The model's
prediction assumes only that better replies are *more likely*: in a logit quantal
response equilibrium each side plays each action with probability proportional to
`exp(lambda * expected payoff)`, with each side's payoffs measured in units of its own
payoff range without leverage. The precision `lambda` is stated in
`configs/game/talks.yaml` with its evidence. `predict` returns the probability of every
outcome; `outcome_table` adds the kind of deal and what each outcome puts in force.
"""),
    ("code", """
print("precision:", scenario.precision, scenario.model_sources["precision"])
P = predict(scenario, game)                              # shape (3, 3), sums to 1
for rec in sorted(outcome_table(scenario, P), key=lambda r: -r["probability"]):
    prov = ", ".join(f"{k} {v:.2f}" for k, v in rec["provisions"].items())
    print(f"{rec['probability']:.3f}  {rec['deal']:<8} {rec['label']:<52} in force: {prov}")
print("P(deal):", round(deal_probability(scenario, P), 3), {k: round(p, 3) for k, p in kind_probabilities(scenario, P).items()})
"""),
    ("md", """
## Change one number, see why

The transfer for the pledge is 0.5 units here. Raise it and watch the prediction move:
the probability of the pledge rises smoothly, while the selected equilibrium stays the
deadlock until Pakistan prefers accepting to insisting (a jump). Try other knobs:
`transfer_written`, `penalty_breakdown`, `verification`.
"""),
    ("code", """
for transfer in (0.5, 1.0, 2.0, 3.0):
    sc = with_mediator(scenario, transfer_pledge=transfer)
    g = negsim.talks_game(sc)
    eqs = negsim.solve(g)
    pick = eqs[negsim.select(g, eqs, "logit_limit")]
    P_t = predict(sc, g)
    print(f"transfer_pledge {transfer}: P(deal) {deal_probability(sc, P_t):.3f}; "
          f"equilibrium {outcome_distribution(sc, np.outer(*pick.strategies))}")
"""),
    ("md", """
## The logit QRE path: from random to rational play

At precision `lambda = 0` both sides choose at random; as `lambda` grows they become more
and more rational, and play moves to a Nash equilibrium. The prediction is one point on
this path (the dotted line); the `logit_limit` rule selects the equilibrium the path ends
in (McKelvey & Palfrey 1995; Turocy 2005). With a single equilibrium, as in round two,
the path simply shows how play sharpens:
"""),
    ("code", """
def plot_path(scenario, title):
    game = negsim.talks_game(scenario)
    lams = np.logspace(-1, 3, 41)
    marginals = [predict(scenario, game, lam) for lam in lams]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
    for p, ax in enumerate(axes):
        probs = np.array([P.sum(axis=1 - p) for P in marginals])   # each side's mixed strategy
        for a, action in enumerate(game.actions[p]):
            ax.plot(lams, probs[:, a], label=readable(action))
        ax.axvline(scenario.precision, color="k", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel("precision lambda (per unit of payoff range)")
        ax.set_title(player_name(game.players[p]))
        ax.legend(fontsize=8)
    axes[0].set_ylabel("probability")
    fig.suptitle(title)
    fig.tight_layout()
    plt.show()
    return marginals[-1]

end = plot_path(scenario, "Istanbul round two: the logit QRE path (dotted: the prediction)")
print("at lambda = 1000:", np.round(end.sum(axis=1), 3), np.round(end.sum(axis=0), 3))
"""),
    ("md", """
Where it matters: round two with full verification and large transfers (5 for a written
guarantee, 1 for the pledge) has three equilibria: the written guarantee, the pledge,
and a mixed one. Starting from random play, Kabul leans to the pledge early, Pakistan
follows, and the path ends at the pledge, which `logit_limit` selects; the `welfare` rule
would pick the written guarantee instead. At the stated precision the prediction is
split between the two kinds of deal.
"""),
    ("code", """
counter = with_mediator(scenario, verification=1.0, transfer_written=5.0, transfer_pledge=1.0)
g3 = negsim.talks_game(counter)
eqs3 = negsim.solve(g3)
print(equilibria_report(g3, eqs3, negsim.select(g3, eqs3, "logit_limit"), "logit_limit"))
print("welfare rule selects #", negsim.select(g3, eqs3, "welfare") + 1)
print("prediction:", {k: round(p, 3) for k, p in kind_probabilities(counter, predict(counter, g3)).items()})
end3 = plot_path(counter, "Full verification, transfers 5 and 1: three equilibria")
"""),
    ("md", """
## Does play settle? Learning from each other's moves

An equilibrium says where play can rest, not whether two delegations that learn from
each other's past moves get there. Two classic dynamics (`negsim.games.learning`):
*fictitious play*, in which each side plays a best reply to how often the other has made
each move so far (Brown 1951), and the two-population *replicator dynamics*, in which an
action's share grows with how much better than average it does (Taylor & Jonker 1978).
In round two, with one equilibrium, fictitious play settles on it; `negsim-explain`
says the same in words. Each figure shows a side's mix of its three actions as a point
in a triangle (a corner: one action for sure), with the equilibria marked.
"""),
    ("code", """
from negsim.games.learning import fictitious_play, replicator_dynamics, settles
from negsim.viz.learning import learning_figure

fp = fictitious_play(game, iterations=2000)               # from no observations, ties to the first action
s = settles(game, fp, equilibria=equilibria)
print(f"fictitious play: {s.verdict}; largest regret at the end {s.regret:.4f} of the payoff range; "
      f"equilibrium #{s.equilibrium + 1}")
learning_figure(game, fp, equilibria=equilibria)
"""),
    ("md", """
With three equilibria (full verification, transfers 5 and 1, above), where play starts
decides where it ends: from even play the replicator dynamics reach the pledge; from a
start where both sides already lean to the written text, the written guarantee; and
fictitious play from no history reaches the written guarantee too. The prediction (the
QRE) takes no start: it is one point of the path from random play.
"""),
    ("code", """
for start in (np.full(3, 1 / 3), np.array([0.8, 0.1, 0.1])):
    path = replicator_dynamics(g3, x0=start, y0=start, t_max=200)
    where = settles(g3, path, equilibria=eqs3)
    print(f"replicator from {np.round(start, 2)}: {where.verdict} at equilibrium #{where.equilibrium + 1}")
print("fictitious play:", "equilibrium #", settles(g3, fictitious_play(g3, iterations=2000), equilibria=eqs3).equilibrium + 1)
learning_figure(g3, replicator_dynamics(g3, t_max=200), equilibria=eqs3,
                title="Replicator dynamics from even play, with full verification and transfers 5 and 1")
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

The talks end in one of nine outcomes, each with a predicted probability; the ceasefire
then lives or dies day by day. This notebook starts the ceasefire after every predicted
outcome, with what that outcome puts in force, rolls each out, and mixes them by their
probabilities into one forecast. Then it sweeps the mediator's leverage: the predicted
probability of a deal against a transfer, and the forecasts at a few points on common
random numbers. About twenty seconds in all.
"""),
    ("code", """
import numpy as np
import matplotlib.pyplot as plt
from omegaconf import OmegaConf
import negsim
from negsim.io.configs import config_dir
from negsim.model.scenario import build_rollout
from negsim.model.situation import outcome_ceasefire
from negsim.model.chain import exact_breakdown_probability
from negsim.model.rollout import rollout_points, LEVELS
from negsim.model.forecast import Forecast, strata
from negsim.model.talks import predict, deal_probability, kind_probabilities, with_mediator
from negsim.studies.threshold import deal_curve, leverage_threshold
from negsim.viz.words import axis_label
"""),
    ("md", """
## From the talks to the ceasefire

The rollout's parameters (`configs/rollout/default.yaml`) are daily probabilities, each
with its evidence and the range considered (`docs/calibration.md`), plus Kabul's daily
payoffs in the repeated hold/violate game and the length of a punishment phase. Each
outcome of the talks sets the ceasefire's start: Kabul's commitment (its effort while it
holds), the ladder level, whether the crossings are open, and the verification and
de-confliction channel the outcome puts in force. The repeated game then says whether
Pakistan's retaliation can deter Kabul from violating (`outcome_ceasefire`).
"""),
    ("code", """
setup = build_rollout(OmegaConf.load(config_dir() / "rollout" / "default.yaml"))
print(setup.params)
print(setup.stage, "punishment days:", setup.punishment_days, "breakdown at:", LEVELS[setup.breakdown_level])

scenario = negsim.load_scenario("istanbul_round2")
P = predict(scenario)
cells, weights = strata(P)                     # every outcome with positive probability
ceasefires = {c: outcome_ceasefire(scenario, *c, setup) for c in cells}
for c in sorted(cells, key=lambda c: -P[c]):
    sit, det = ceasefires[c]
    retaliate = "rule" if sit.pak_retaliate is None else f"{sit.pak_retaliate:.2f}"
    print(f"{P[c]:.3f} {scenario.outcome_labels[c[0]][c[1]]:<52} start '{LEVELS[sit.start_level]}', "
          f"{'deterred' if det.deterred else 'not deterred'}, retaliation {retaliate}, "
          f"verification {sit.verification:.2f}, channel {sit.deconfliction:.2f}")
"""),
    ("md", """
## Rollouts after each outcome, and the forecast

5,000 simulated ceasefires of 180 days after each outcome, all on the same seed: the same
seed gives the same numbers. The forecast weights each outcome's rollout by its predicted
probability (stratified sampling: no noise from drawing the talks outcome). The ladder
level with the punishment phase is a Markov chain, so negsim can also compute each
outcome's breakdown probability *exactly*; the Monte Carlo estimates should sit on it.
"""),
    ("code", """
SEED = 20251019
results = rollout_points(setup.params, [ceasefires[c][0] for c in cells], runs=5000, days=180, seed=SEED)
forecast = Forecast(cells, weights, tuple(results))
print({k: round(v, 3) if isinstance(v, float) else v for k, v in forecast.summary().items()})

p, lo, hi = forecast.breakdown_probability()
days = np.arange(1, forecast.days + 1)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(days, 1 - p, lw=2, label="forecast (mixture)")
ax.fill_between(days, 1 - hi, 1 - lo, alpha=0.3, label="95% interval")
for c in sorted(cells, key=lambda c: -P[c])[:2]:     # the two most likely outcomes
    res = results[cells.index(c)]
    exact = exact_breakdown_probability(setup.params, ceasefires[c][0], forecast.days)
    ax.plot(days, res.survival(), lw=1, label=f"after '{scenario.outcome_labels[c[0]][c[1]]}'")
    ax.plot(days, 1 - exact, "k--", lw=0.8)
    assert np.all(np.abs(res.breakdown_by_day() / res.runs - exact) < 0.03)
ax.set_xlabel("day after the talks")
ax.set_ylabel("P(ceasefire still holding)")
ax.set_title("Istanbul round two: the ceasefire after the talks (dashed: exact)")
ax.legend(fontsize=8)
plt.show()
"""),
    ("md", """
## A leverage sweep: many games in one batch, and the prediction along it

`negsim.payoff_grid` builds the payoff matrices of every combination of leverage values at
once, and `negsim.solve_batch` finds all equilibria of all of them in one vectorised call.
`deal_curve` gives the predicted P(deal) along a knob: under the logit QRE (the model's
prediction) it rises smoothly; under a selected Nash equilibrium it jumps. Here: the
transfer for the pledge from 0 to 4, at the recorded verification (0.2) and at full
verification. The two selected-equilibrium steps are drawn as they are, without moving
either: where they coincide, the wide pale dashed step shows beneath the thin dotted one
with its dots.
"""),
    ("code", """
transfers = np.linspace(0.0, 4.0, 17)
verifications = np.array([0.2, 1.0])
A, B, mesh = negsim.payoff_grid(scenario, verification=verifications, transfer_pledge=transfers)
batch = negsim.solve_batch(A, B)
print("grid", batch.batch_shape, "equilibria per game:\\n", batch.counts)

fig, ax = plt.subplots(figsize=(7, 3.5))
steps = [dict(ls="--", lw=4, alpha=0.45), dict(ls=":", lw=1.5, marker="o", ms=3)]  # distinguishable where they coincide
for k, v in enumerate(verifications):
    sc = with_mediator(scenario, verification=float(v))
    ax.plot(transfers, deal_curve(sc, "transfer_pledge", transfers), color=f"C{k}", label=f"QRE, verification {v:g}")
    ax.step(transfers, deal_curve(sc, "transfer_pledge", transfers, selection="logit_limit"),
            where="post", color=f"C{k}", **steps[k], label=f"selected equilibrium, verification {v:g}")
    t = leverage_threshold(sc, "transfer_pledge")
    print(f"verification {v:g}: P(deal) reaches 1/2 at transfer_pledge = {t.value:.2f}")
ax.axhline(0.5, color="#888888", lw=0.8, ls=":")
ax.set_ylim(-0.02, 1.02)
ax.set_xlabel(axis_label("mediator.transfer_pledge"))
ax.set_ylabel("probability of a deal (0 to 1)")
ax.set_title("Istanbul round two: the predicted deal against the transfer for the pledge")
ax.legend(fontsize=8)
plt.show()
"""),
    ("md", """
## Forecasts for a few points, on common random numbers

Every forecast below uses the *same* seed, so the rollouts see the same random days and
the differences between them come from the leverage, not from luck.
"""),
    ("code", """
def forecast_at(**knobs):
    sc = with_mediator(scenario, **knobs)
    P_k = predict(sc)
    cells_k, w_k = strata(P_k)
    sits = [outcome_ceasefire(sc, *c, setup)[0] for c in cells_k]
    res = rollout_points(setup.params, sits, runs=5000, days=180, seed=SEED)
    return sc, P_k, Forecast(cells_k, w_k, tuple(res))

points = {"baseline": {}, "pledge transfer 2.5": {"transfer_pledge": 2.5},
          "written transfer 6": {"transfer_written": 6.0}, "verification 1": {"verification": 1.0},
          "verification 1, written transfer 6": {"verification": 1.0, "transfer_written": 6.0}}
fig, ax = plt.subplots(figsize=(7, 4))
for name, knobs in points.items():
    sc, P_k, f = forecast_at(**knobs)
    kinds = kind_probabilities(sc, P_k)
    ax.plot(days, f.survival(), label=f"{name}: P(breakdown) {f.summary()['p_breakdown']:.2f}")
    print(f"{name:>36}: P(written) {kinds['written']:.2f}, P(pledge) {kinds['pledge']:.2f}, "
          f"P(breakdown by day 180) {f.summary()['p_breakdown']:.3f}")
ax.set_xlabel("day after the talks")
ax.set_ylabel("P(ceasefire still holding)")
ax.set_title("Istanbul round two: the ceasefire under five offers of the mediator (5,000 runs each)")
ax.legend(fontsize=8)
plt.show()
"""),
    ("md", """
Money for the pledge buys the pledge, and the pledge puts a de-confliction channel and
a little verification in force, but Kabul's commitment stays the verbal one and the
repeated game cannot deter it from violating. A written guarantee commits Kabul fully,
and after it Pakistan's retaliation deters: the ceasefire lasts much longer. Verification
on its own changes little, because it acts only where a deal agrees a mechanism. The
`counterfactual_verification` seminar card discusses what the model assumes here.
"""),
]

CRISIS = [
    ("md", """
# 3. The crisis game: a round told in sequence, under private resolve

The talks game (notebook 1) has both sides choose at once. The *crisis game* tells the
same round as a sequence of public moves, each side knowing something the other does
not: how much fighting would cost it. It retells what happened in each of the three
rounds (Doha, Istanbul two, Istanbul three) and says how likely the model finds it. The
tree is fixed in `negsim/model/crisis.py`, its numbers are in `configs/game/crisis.yaml`,
the solver is `negsim/solvers/agent_qre.py`, and `docs/crisis.md` tells the whole story;
`negsim analysis=crisis scenario=istanbul_round3` runs the same analysis from the command
line.

**The tree in words.**

1. Nature draws Pakistan's type, *resolved* or *irresolute*, then Kabul's. Each side
   learns its own type only.
2. Pakistan either makes its written demand (a written, verifiable guarantee against TTP
   sanctuaries) or settles at the outset for lesser terms: the verbal pledge Kabul already
   gives, with phased confidence-building.
3. Kabul, seeing the demand but not Pakistan's type, accepts or refuses. A refused lesser
   demand ends the round.
4. After a refused written demand Pakistan, not knowing Kabul's type, strikes or backs
   down. Backing down is the deadlock of the record: the verbal pledge only, the crossings
   shut, no strike.
5. After a strike Kabul, not knowing Pakistan's type, retaliates (open confrontation) or
   absorbs.

Six kinds of ending for each of four pairs of types: 24 leaves. The notebook shows the
numbers behind the tree, the audience cost, the model's prediction for each round with the
probability of what actually happened, how far that rests on two judgements (the precision
and the audience cost), and how it compares with the Nash benchmark. No game theory is
assumed; run the cells in order (about twenty seconds in all).
"""),
    ("code", """
import dataclasses
import numpy as np
import matplotlib.pyplot as plt
import negsim
from negsim.model.crisis import (
    CONCESSION, PATHS, crisis_game, infoset_key, leaf_probability, load_crisis_spec, predict,
    record_robustness, type_behavior, with_audience_cost,
)
from negsim.solvers.agent_qre import agent_qre_path
from negsim.solvers.backward_induction import describe, solve_extensive
from negsim.viz.words import readable
"""),
    ("md", """
## The types, the leaves and their evidence

What a side keeps private is what fighting costs it (Fearon 1994; Schultz 1999). A type
*shifts* its side's feature weights (payoff units per feature unit): a resolved Pakistan
pays less per step up the escalation ladder; a resolved Kabul pays less per step and more
for conceding; an irresolute Kabul pays more per step. Each leaf is coded in the six
features of the talks game, in the same units: the commitment in place (`guarantee`), the
sovereignty cost of its form, the escalation ladder (0-4), the crossings open, Pakistan's
public concession and Kabul's. A leaf's payoff to a side is its weights (the scenario's,
plus its type's shift) times those features. Every number cites its evidence (the IDs of
`docs/evidence.md`).
"""),
    ("code", """
spec = load_crisis_spec()
print(spec.title)
for p, player in enumerate(spec.players):
    for t, prior, shift, src in zip(spec.types[p], spec.priors[p], spec.shifts[p], spec.prior_sources[p]):
        print(f"{player} {t:<10} prior {prior:.2f} {list(src)}; weight shift {shift or 'none'}")

scenario = negsim.load_scenario("istanbul_round2")
names = scenario.feature_names
print()
print(f"{'leaf':<15}{'moves':<37}" + "".join(f"{n[:10]:>11}" for n in names))
for leaf, moves in PATHS.items():
    print(f"{leaf:<15}{' > '.join(moves):<37}" + "".join(f"{spec.outcomes[leaf][n]:>11g}" for n in names))
    print(f"{'':<15}{spec.labels[leaf]} {list(spec.sources[leaf])}")

game = crisis_game(scenario, spec)
print()
print(game)
assert all(len(info.nodes) == 2 for p in (0, 1) for info in game.infosets[p])  # nobody sees the other's type
"""),
    ("md", """
## The audience cost

Fearon (1994): a leader who makes a public demand and then backs down pays for it at
home, and the price grows as the crisis goes on. In the tree, settling for the lesser
terms at the outset costs Pakistan one unit of its public-concession feature
(`pak_concession`). Backing down after its written demand has been refused costs the half
unit that leaf codes (Pakistan lives with the pledge without withdrawing its demand)
*plus* the audience cost: `audience_cost` more units of the same feature, priced at the
same weight. The audience cost is public, the same for both Pakistani types, as in
Fearon's model, where it is made by public statements. Fearon gives only the direction,
so the number is a judgement with a range, and the config is refused if backing down would
not cost more than settling. Because Pakistan's weight on a public concession grows from
round to round (the scenario weights), so does the audience cost in payoff units. The cell
reads the price of a unit off the built games: one more unit of audience cost lowers
Pakistan's payoff at the back-down leaves, and nowhere else.
"""),
    ("code", """
outset = spec.outcomes["accept_lesser"][CONCESSION]
after = spec.outcomes["back_down"][CONCESSION]
print(f"audience cost {spec.audience_cost:g} units of {CONCESSION} (range {spec.audience_range[0]:g}-"
      f"{spec.audience_range[1]:g}) {list(spec.model_sources['audience_cost'])}")
print(f"settling at the outset costs {outset:g} unit; backing down after a refusal "
      f"{after:g} + {spec.audience_cost:g} = {after + spec.audience_cost:g} units")
print()
print("Pakistan's cost, payoff units:")
print(f"{'round':<16}{'per unit':>10}{'settling':>10}{'backing down':>14}{'of which audience cost':>24}")
ROUNDS = {"doha_round": "Doha", "istanbul_round2": "Istanbul two", "istanbul_round3": "Istanbul three"}
scenarios = {name: negsim.load_scenario(name) for name in ROUNDS}
for name, sc in scenarios.items():
    g = crisis_game(sc, spec)
    dearer = crisis_game(sc, with_audience_cost(spec, spec.audience_cost + 1.0))
    drop = g.terminal_payoffs[:, 0] - dearer.terminal_payoffs[:, 0]
    back = np.array([g.nodes[t].label == spec.labels["back_down"] for t in g.terminals])
    assert np.allclose(drop[~back], 0.0) and np.allclose(drop[back], drop[back][0])  # public: same for all types
    price = drop[back][0]
    print(f"{ROUNDS[name]:<16}{price:>10.2f}{price * outset:>10.2f}{price * (after + spec.audience_cost):>14.2f}"
          f"{price * spec.audience_cost:>24.2f}")
"""),
    ("md", """
## The prediction: the logit agent QRE at the stated precision

Nobody in the model is perfectly rational. Each decision point (an *information set*: a
side, its type, and what it has seen) is played by an *agent* of its side who takes each
action with probability proportional to `exp(lambda * v / R)`. Here `v` is the action's
expected payoff, given what the agent believes about the other side's type (by Bayes' rule
from everybody's behaviour) and given how play goes on; `R` is the side's payoff range
over the 24 leaves, so the precision `lambda` has no units and the prediction does not
depend on either side's payoff unit. At `lambda = 0` play is uniform; as it grows, play
approaches a sequential equilibrium. This is the logit *agent quantal response
equilibrium* (McKelvey & Palfrey 1998). Its precision is the talks game's, a judgement
stated in `configs/game/crisis.yaml` with its range; every path, the record included,
gets a positive probability. The probability of a round's recorded path (in the config,
with its evidence) is summed over the four pairs of types.
"""),
    ("code", """
print(f"precision {spec.precision:g} (range {spec.precision_range[0]:g}-{spec.precision_range[1]:g}) "
      f"{list(spec.model_sources['precision'])}")
preds = {name: predict(scenarios[name], spec) for name in ROUNDS}
for name, pred in preds.items():
    leaf, out = pred.recorded_leaf, pred.qre.outcomes
    print()
    print(f"{ROUNDS[name]}: {scenarios[name].title} ({scenarios[name].dates})")
    print(f"  payoff ranges R: Pakistan {pred.qre.scale[0]:.1f}, Kabul {pred.qre.scale[1]:.1f} payoff units; "
          f"fixed-point residual {pred.qre.residual:.0e}")
    print(f"  recorded path: {' > '.join(PATHS[leaf])} {list(spec.model_sources['record.' + name])}")
    print(f"  P(recorded path) {pred.recorded_probability:.3f}, P(written guarantee) "
          f"{leaf_probability(spec, out, 'accept_written'):.3f}, P(Pakistan strikes) {pred.strike_probability:.3f}, "
          f"expected escalation {pred.expected_escalation:.2f} (ladder 0-4)")
    for other in sorted(PATHS, key=lambda x: -leaf_probability(spec, out, x)):
        mark = "   <- the record" if other == leaf else ""
        print(f"    {leaf_probability(spec, out, other):.3f}  {spec.labels[other]}{mark}")
print()
for name, pred in preds.items():
    ruled_out = max(leaf_probability(spec, pred.qre.outcomes, "accept_written"), pred.strike_probability)
    print(f"{ROUNDS[name]:<15} record {pred.recorded_probability:.3f}: at least 0.2? {pred.recorded_probability >= 0.2}; "
          f"likelier than a written guarantee and than strikes? {pred.recorded_probability > ruled_out}")
"""),
    ("md", """
## Who does what, by type

The table gives, for each round, the probability of the main choices of each type at the
baseline. The `describe` table after it is the full profile of one round: one line per
information set ("PAK resolved: written refused" is what a resolved Pakistan does after
its written demand is refused), with the probability that it is reached and of each
action there, then the probability of each leaf and the expected payoffs (payoff units).
"""),
    ("code", """
CHOICES = [("PAK", "demand", "written", "makes the written demand"),
           ("AFG", "answer written", "accept", "accepts the written demand"),
           ("AFG", "answer lesser", "accept", "accepts the lesser terms"),
           ("PAK", "written refused", "strike", "strikes after a refusal"),
           ("AFG", "struck", "retaliate", "retaliates against a strike")]
behaviour = {name: type_behavior(pred.game, pred.qre.behavior) for name, pred in preds.items()}
print(f"{'probability that ...':<42}" + "".join(f"{ROUNDS[n]:>16}" for n in preds))
for player, stage, action, what in CHOICES:
    p = spec.players.index(player)
    for t in spec.types[p]:
        key = infoset_key(player, t, stage)
        print(f"{player + ' ' + t:<15}{what:<27}" + "".join(f"{behaviour[n][key][action]:>16.2f}" for n in preds))
print()
print(describe(preds["istanbul_round3"].game, preds["istanbul_round3"].qre.behavior))
"""),
    ("md", """
## Robustness: the precision, the audience cost and the priors

The precision and the audience cost are judgements. `record_robustness` solves each round
again at other precisions (at the config's audience cost) and at other audience costs (at
the config's precision), and returns the probability of the recorded path at each. The
tables mark where all three rounds keep at least 0.2; in the figure the dotted lines are
the baseline and the grey line is 0.2.
"""),
    ("code", """
LAMS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 20]
COSTS = np.round(np.arange(0.55, 1.501, 0.05), 2)
robust = {name: record_robustness(scenarios[name], spec, lams=LAMS, audience_costs=COSTS) for name in ROUNDS}

def table(key, label):
    xs = [x for x, _ in robust["doha_round"][key]]
    print(f"{label:>14}" + "".join(f"{ROUNDS[n]:>16}" for n in ROUNDS) + "   all >= 0.2")
    ok = []
    for i, x in enumerate(xs):
        ps = [robust[n][key][i][1] for n in ROUNDS]
        ok += [x] if min(ps) >= 0.2 else []
        print(f"{x:>14g}" + "".join(f"{q:>16.3f}" for q in ps) + ("   yes" if min(ps) >= 0.2 else ""))
    print(f"all three rounds >= 0.2 at {label}:", ", ".join(f"{x:g}" for x in ok))
    print()

table("precision", "precision")
table("audience_cost", "audience cost")

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
panels = [("precision", spec.precision, "precision lambda (per unit of each side's payoff range)",
           f"across the precision (audience cost {spec.audience_cost:g})"),
          ("audience_cost", spec.audience_cost, "audience cost (units of Pakistan's public concession)",
           f"across the audience cost (precision {spec.precision:g})")]
for ax, (key, base, xlabel, title) in zip(axes, panels):
    for name in ROUNDS:
        xy = np.array(robust[name][key])
        ax.plot(xy[:, 0], xy[:, 1], marker="o", ms=3, label=f"{ROUNDS[name]} (recorded: {readable(spec.record[name]).lower()})")
    ax.axhline(0.2, color="#888888", lw=0.8)
    ax.axvline(base, color="k", ls=":", lw=1)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
axes[0].set_ylim(0, 1)
axes[0].set_ylabel("probability of the recorded path (0-1)")
axes[0].legend(fontsize=8)
fig.suptitle("Each round's recorded path under the logit agent QRE (dotted: baseline; grey: 0.2)")
fig.tight_layout()
plt.show()
"""),
    ("md", """
The priors (0.5 for each side's resolved type) have no evidence on the odds. Moving each
to 0.3 or 0.7:
"""),
    ("code", """
def recorded_at(name, p_pak, p_afg):
    s = dataclasses.replace(spec, priors=(np.array([p_pak, 1 - p_pak]), np.array([p_afg, 1 - p_afg])))
    return predict(scenarios[name], s).recorded_probability

assert all(spec.types[p][0] == "resolved" for p in (0, 1))
for name in ROUNDS:
    ps = [recorded_at(name, a, b) for a in (0.3, 0.5, 0.7) for b in (0.3, 0.5, 0.7)]
    print(f"{ROUNDS[name]:<15} P(recorded path) between {min(ps):.3f} and {max(ps):.3f} "
          "for P(Pakistan resolved) and P(Kabul resolved) each 0.3, 0.5 or 0.7")
"""),
    ("md", """
## Compared with the Nash benchmark

Every decision in this tree is taken without seeing the other side's type, so every
information set has two nodes and the only subgame is the whole game: every Nash
equilibrium is subgame perfect, and subgame perfection adds nothing here. The benchmark is
stricter: `solve_extensive` first strikes out actions that are worse whatever the beliefs
(so no equilibrium rests on a threat nobody would carry out), finds every equilibrium of
what remains by complete enumeration in behaviour strategies, checks each for regret on
the full game, and checks sequential rationality on the path of play. For each round: the
probability each equilibrium gives the record, and the agent QRE at higher precisions,
which approach an equilibrium.
"""),
    ("code", """
for name, pred in preds.items():
    eqs = solve_extensive(pred.game)
    leaf = pred.recorded_leaf
    print(f"{ROUNDS[name]}: number of equilibria {len(eqs)}, all sequentially rational on the path: "
          f"{all(eq.sequentially_rational for eq in eqs)}")
    print("  P(recorded path) in each:", ", ".join(f"{leaf_probability(spec, eq.outcomes, leaf):.3f}" for eq in eqs))
    print("  P(lesser terms accepted) in each:",
          ", ".join(f"{leaf_probability(spec, eq.outcomes, 'accept_lesser'):.3f}" for eq in eqs))
    high = agent_qre_path(pred.game, [20.0, 40.0])
    print(f"  agent QRE, P(recorded path): precision {spec.precision:g} {pred.recorded_probability:.3f}, "
          + ", ".join(f"{q.lam:g} {leaf_probability(spec, q.outcomes, leaf):.3f}" for q in high)
          + f"; P(lesser terms accepted) at 40: {leaf_probability(spec, high[-1].outcomes, 'accept_lesser'):.3f}")
"""),
    ("md", """
At Doha the equilibrium is the record. In round two every equilibrium has Pakistan settle
at the outset, so a called bluff (a demand, a refusal, no strike) cannot happen there: the
record has probability zero, and a perfect Bayesian equilibrium would also need beliefs
after moves nobody makes, which the evidence does not pin down. Round three has several
equilibria, some giving the record probability zero and some a positive one, and which
one is played is not pinned down either. The agent QRE gives every
path a positive probability, so each round's record has a likelihood; its beliefs come
from Bayes' rule everywhere; and as the precision grows it moves toward an equilibrium,
which is why the Istanbul records become rarer at high precision in the figure.

## What this says, and where it stops

- Once backing down costs more than settling, Pakistan's written demand in Istanbul is a
  gamble that pays only if Kabul might sign: the model retells the two Istanbul rounds as
  bluffs called, by a Pakistan that could not be sure Kabul would not yield. A dearer
  climbdown cuts the other way: it deters the bluff (Pakistan settles) or makes it a
  commitment (Pakistan strikes), so the record fits an audience cost only modestly above
  the cost of settling (right panel).
- The fit rests on bounded rationality: at high precision round two is settled at the
  outset, and in round two the pledge deal is likelier than the record itself.
- The agent QRE depends on how the tree is drawn (McKelvey & Palfrey 1998), so the tree's
  shape is part of the model. The numbers also depend on the scenario weights, calibrated
  for the talks game, and on leaf codings that are judgements (`docs/crisis.md`).
- The mediator's transfers are not part of this game, and the tree has one round of
  demands.
"""),
]


def keep_ids(nb: nbformat.NotebookNode, path: Path) -> None:
    """Give each cell the id of the cell of the same kind at the same place in the notebook
    already at ``path`` (nbformat draws new ids at random; cells beyond the old ones keep
    theirs), so rebuilding an unchanged notebook leaves its file as it was."""
    if not path.exists():
        return
    old = nbformat.read(path, as_version=4).cells
    for new, prev in zip(nb.cells, old, strict=False):
        if new.cell_type == prev.cell_type and "id" in prev:
            new.id = prev.id


def main() -> None:
    for name, cells in (("01_talks_game", TALKS), ("02_rollouts_and_leverage", ROLLOUTS), ("03_crisis_game", CRISIS)):
        nb = notebook(cells)
        path = HERE / f"{name}.ipynb"
        keep_ids(nb, path)
        nbformat.validate(nb)
        text = nbformat.writes(nb) + "\n"
        if path.exists() and path.read_text() == text:
            print(f"unchanged {path}")
            continue
        path.write_text(text)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
