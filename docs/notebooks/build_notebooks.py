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
        for a, label in enumerate(game.actions[p]):
            ax.plot(lams, probs[:, a], label=label)
        ax.axvline(scenario.precision, color="k", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel("precision lambda (per unit of payoff range)")
        ax.set_title(game.players[p])
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
from negsim.model.rollout import rollout_points, exact_breakdown_probability, LEVELS
from negsim.model.forecast import Forecast, strata
from negsim.model.talks import predict, deal_probability, kind_probabilities, with_mediator
from negsim.studies.threshold import deal_curve, leverage_threshold
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
verification.
"""),
    ("code", """
transfers = np.linspace(0.0, 4.0, 17)
verifications = np.array([0.2, 1.0])
A, B, mesh = negsim.payoff_grid(scenario, verification=verifications, transfer_pledge=transfers)
batch = negsim.solve_batch(A, B)
print("grid", batch.batch_shape, "equilibria per game:\\n", batch.counts)

fig, ax = plt.subplots(figsize=(7, 3.5))
for k, v in enumerate(verifications):
    sc = with_mediator(scenario, verification=float(v))
    ax.plot(transfers, deal_curve(sc, "transfer_pledge", transfers), color=f"C{k}", label=f"QRE, verification {v:g}")
    ax.step(transfers, deal_curve(sc, "transfer_pledge", transfers, selection="logit_limit") + 0.02 * k,
            where="post", color=f"C{k}", ls="--", label=f"selected equilibrium, verification {v:g}")
    t = leverage_threshold(sc, "transfer_pledge")
    print(f"verification {v:g}: P(deal) reaches 1/2 at transfer_pledge = {t.value:.2f}")
ax.axhline(0.5, color="#888888", lw=0.8, ls=":")
ax.set_xlabel("mediator.transfer_pledge (payoff units)")
ax.set_ylabel("P(deal)")
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
