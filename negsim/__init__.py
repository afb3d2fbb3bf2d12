"""negsim: a negotiation game-theory simulator of the autumn-2025 Pakistan-Afghanistan talks.

Five lines from scenario to equilibrium::

    import negsim
    scenario = negsim.load_scenario("istanbul_round2")
    game = negsim.talks_game(scenario)
    for eq in negsim.solve(game, method="enumerate"):
        print(eq.strategies, eq.payoffs)
"""

from negsim.equilibrium import Equilibrium
from negsim.errors import ConfigError, GameFormatError, NegsimError, SolverError
from negsim.game import Game
from negsim.io.gambit import read_nfg, write_nfg
from negsim.solvers import SOLVERS, solve, solve_batch

__all__ = [
    "ConfigError",
    "Equilibrium",
    "Game",
    "GameFormatError",
    "NegsimError",
    "SOLVERS",
    "SolverError",
    "read_nfg",
    "solve",
    "solve_batch",
    "write_nfg",
]
__version__ = "0.1.0"
