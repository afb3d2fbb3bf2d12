"""Studies over the model: one point of the pipeline and many at once, sweep rows, leverage
thresholds, sensitivity. Plain objects in, rows out.
"""

from negsim.lazy import submodules

__getattr__ = submodules(__name__)
