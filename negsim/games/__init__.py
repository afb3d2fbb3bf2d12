"""Generic game forms: extensive-form trees, repeated games, bargaining."""

from negsim.lazy import submodules

__getattr__ = submodules(__name__)
