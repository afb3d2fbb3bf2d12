"""Views for readers: figures of games and curves of results (matplotlib object API, never
a backend switch), and text views.
"""

from negsim.lazy import submodules

__getattr__ = submodules(__name__)
