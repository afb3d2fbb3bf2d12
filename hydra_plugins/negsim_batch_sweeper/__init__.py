"""negsim's Hydra sweeper: value sweeps as one batch (:mod:`negsim.app.batch`).

Hydra finds sweepers in the ``hydra_plugins`` namespace package; this one is chosen in
``configs/config.yaml`` (``override hydra/sweeper: negsim_batch``).
"""
