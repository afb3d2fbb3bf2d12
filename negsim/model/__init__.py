"""The Pakistan-Afghanistan case: evidence, config schemas, scenarios, payoffs, the talks
and crisis games, the ceasefire rollout and the link from the talks to the ceasefire.
"""

from negsim.lazy import submodules

__getattr__ = submodules(__name__)
