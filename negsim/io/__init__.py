"""Every file negsim reads or writes: Gambit formats, configs, tables, the one atomic
writer.
"""

from negsim.lazy import submodules

__getattr__ = submodules(__name__)
