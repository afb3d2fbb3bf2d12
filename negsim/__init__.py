"""negsim: a negotiation game-theory simulator of the autumn-2025 Pakistan-Afghanistan talks.

Five lines from scenario to equilibrium::

    import negsim
    scenario = negsim.load_scenario("istanbul_round2")
    game = negsim.talks_game(scenario)
    for eq in negsim.solve(game, method="enumerate"):
        print(eq.strategies, eq.payoffs)

and the ceasefire after the predicted outcome, with its interval::

    negsim.ceasefire_after("istanbul_round2", mediator={"verification": 1.0})
"""

from negsim.equilibrium import Equilibrium
from negsim.errors import ConfigError, GameFormatError, NegsimError, SolverError
from negsim.game import Game
from negsim.io.gambit import read_nfg, write_nfg
from negsim.lazy import submodules
from negsim.model.payoffs import payoff_batch, payoff_grid
from negsim.model.scenario import Scenario, available_scenarios, load_scenario
from negsim.model.talks import talks_game, with_mediator
from negsim.solvers import SOLVERS, solve, solve_batch
from negsim.solvers.qre_estimate import QREFit, estimate_qre
from negsim.solvers.selection import select

__all__ = [
    "ConfigError",
    "ceasefire_after",
    "Equilibrium",
    "Game",
    "GameFormatError",
    "NegsimError",
    "QREFit",
    "SOLVERS",
    "Scenario",
    "SolverError",
    "available_scenarios",
    "estimate_qre",
    "load_scenario",
    "payoff_batch",
    "payoff_grid",
    "read_nfg",
    "select",
    "solve",
    "solve_batch",
    "talks_game",
    "with_mediator",
    "write_nfg",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    """``negsim.ceasefire_after`` (:func:`negsim.studies.pipeline.ceasefire_after`),
    ``negsim.rollout`` (the module :mod:`negsim.model.rollout`) and every subpackage
    (``negsim.games``, ``negsim.viz``, ...), imported on first use so ``import negsim``
    stays light."""
    if name == "ceasefire_after":
        from negsim.studies.pipeline import ceasefire_after

        return ceasefire_after
    return submodules(__name__)("model.rollout" if name == "rollout" else name)
